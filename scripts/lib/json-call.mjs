// One JSON request to a Worker under test, as the end-to-end suites (test/pack, test/upgrade)
// make them: the answer is read whole and parsed when it is JSON, so an assertion can show
// the raw text whatever came back.

/**
 * `method path` against `base`; `token` goes in Authorization: Bearer, `body` is sent as
 * JSON, and the request is aborted after `timeoutMs`. Resolves with
 * { status, headers, text, json } (json undefined when the body is not JSON).
 */
export async function callJson(base, method, path, { token, body, timeoutMs }) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
