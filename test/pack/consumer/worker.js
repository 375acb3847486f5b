// A Worker that imports the installed package by name; wrangler resolves it with the
// `workerd` export condition and bundles the .wasm as a compiled module.
// GET /probe?input=<JSON> runs the probe with env.SECRET (set with --var).
import { generateJWT, verifyJWT, isJWT, KeyRing } from "hybrid-auth";
// The password module is its own subpath export; wrangler bundles its .wasm only because of this import.
import { hashPassword, verifyPassword } from "hybrid-auth/argon2";
import probe from "./probe.cjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/probe") {
      const input = { ...JSON.parse(url.searchParams.get("input") ?? "{}"), secret: env.SECRET };
      return Response.json({ report: probe.runProbe({ generateJWT, verifyJWT, isJWT, KeyRing, hashPassword, verifyPassword }, input) });
    }
    return new Response("not found", { status: 404 });
  },
};
