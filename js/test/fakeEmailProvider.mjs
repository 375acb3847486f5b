/**
 * vitest globalSetup (runs in Node, not in workerd): a fake of Resend's
 * `POST /emails` on 127.0.0.1, for httpEmailSender's tests (emailSender.test.ts).
 * Workers tests cannot listen on a socket, so the server lives here and its
 * address reaches them through vitest's provide/inject.
 *
 * Each test uses its own path prefix `/<behaviour>/<box>/emails`, so tests never
 * see each other's requests:
 *   ok        → 200 {"id": "<uuid>"}
 *   flaky     → 503 the first time a box is hit, then 200
 *   reject    → 422 {"message": "invalid from"}
 *   echo      → 422 whose message repeats the email's text (as some providers' validation errors do)
 *   down      → the connection is dropped without an answer (a network failure), every time
 * `GET /__received/<box>` returns what the box received: method, path,
 * headers (lower-cased) and the parsed JSON body of every request.
 */
import { createServer } from "node:http";

// Plain JS (this file runs in Node; the Worker's tsconfig only knows workerd's
// types). The injected key is typed in emailSender.test.ts.

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

let server = null;

/** @param {import("vitest/node").TestProject} project */
export async function setup(project) {
  /** @type {Map<string, {method: string, path: string, headers: Record<string, string>, body: unknown}[]>} */
  const boxes = new Map();
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const send = (status, body) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const received = /^\/__received\/([\w-]+)$/.exec(url.pathname);
    if (request.method === "GET" && received?.[1]) return send(200, boxes.get(received[1]) ?? []);
    const match = /^\/(ok|flaky|reject|echo|down)\/([\w-]+)\/emails$/.exec(url.pathname);
    if (!match?.[1] || !match[2]) return send(404, { message: "not found" });
    const [, behaviour, box] = match;
    const text = await readBody(request);
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: the test will see it was not JSON
    }
    const headers = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : (value ?? "");
    const list = boxes.get(box) ?? [];
    list.push({ method: request.method ?? "", path: url.pathname, headers, body });
    boxes.set(box, list);
    if (behaviour === "reject") return send(422, { statusCode: 422, message: "invalid from", name: "validation_error" });
    if (behaviour === "echo") return send(422, { statusCode: 422, message: `cannot send this text: ${body && typeof body === "object" ? body.text : text}`, name: "validation_error" });
    if (behaviour === "down") return void request.socket.destroy();
    if (behaviour === "flaky" && list.length === 1) return send(503, { message: "try again" });
    return send(200, { id: crypto.randomUUID() });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake email provider: no port");
  project.provide("fakeEmailProvider", `http://127.0.0.1:${address.port}`);
}

export async function teardown() {
  await new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
