// A Worker that imports the installed package by name; wrangler resolves it with the
// `workerd` export condition and bundles the .wasm as a compiled module.
// GET /probe?input=<JSON> runs the probe with env.SECRET (set with --var).
import { generateJWT, verifyJWT, isJWT, KeyRing } from "hybrid-auth";
// The password module is its own subpath export; wrangler bundles its .wasm only because of this import.
import { hashPassword, verifyPassword } from "hybrid-auth/argon2";
// The revocation filter (issue 23): its own .wasm too, instantiated on first use.
import { createRevocationFilterBuilder, parseRevocationFilter, REVOCATION_KINDS } from "hybrid-auth/filter";
import probe from "./probe.cjs";

// GET /filter: a filter of 500 sids built, parsed and checked inside the Worker.
function filterReport() {
  const b = createRevocationFilterBuilder(crypto.getRandomValues(new Uint8Array(16)));
  const sids = Array.from({ length: 500 }, () => crypto.randomUUID());
  for (const sid of sids) b.add(REVOCATION_KINDS.sid, sid);
  const bytes = b.finish();
  const f = parseRevocationFilter(bytes);
  let truncatedCode = null;
  try {
    parseRevocationFilter(bytes.subarray(0, bytes.length - 1));
  } catch (e) {
    truncatedCode = e.code;
  }
  return { entries: f.entries, allFound: sids.every((s) => f.contains(REVOCATION_KINDS.sid, s)), truncatedCode };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/filter") return Response.json(filterReport());
    if (url.pathname === "/probe") {
      const input = { ...JSON.parse(url.searchParams.get("input") ?? "{}"), secret: env.SECRET };
      return Response.json({ report: probe.runProbe({ generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword }, input) });
    }
    return new Response("not found", { status: 404 });
  },
};
