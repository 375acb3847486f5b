import { HttpError, badRequest } from "../errors";

/** Auth bodies are a few hundred bytes; anything near this is abuse. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads a JSON object body, enforcing the size limit twice: on the declared
 * Content-Length (cheap early refusal) and on the bytes actually read (the
 * header can be absent, as with chunked uploads, or lie).
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const contentType = request.headers.get("Content-Type") ?? "";
  // Requiring JSON also keeps cross-site "simple" form posts out.
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  const declared = request.headers.get("Content-Length");
  if (declared !== null) {
    if (!/^[0-9]+$/.test(declared)) throw badRequest("invalid_json", "invalid Content-Length");
    if (Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  }
  const bytes = await readLimited(request, MAX_BODY_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest("invalid_json", "request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("invalid_body", "request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Reads an application/x-www-form-urlencoded body (a provider's form_post answer: Sign in with Apple), with the
 * same size limits as a JSON body. Only routes that must take a cross-site form read this.
 */
export async function readFormBody(request: Request): Promise<URLSearchParams> {
  const contentType = request.headers.get("Content-Type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/x-www-form-urlencoded");
  }
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readLimited(request, MAX_BODY_BYTES);
  try {
    return new URLSearchParams(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw badRequest("invalid_body", "request body is not valid UTF-8");
  }
}

function tooLarge(): HttpError {
  return badRequest("body_too_large", `request body must be at most ${MAX_BODY_BYTES} bytes`);
}

/** Reads at most `limit` bytes; stops reading (and cancels) as soon as it is exceeded. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
