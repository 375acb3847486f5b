/**
 * The demo Worker (`npm start`, js/wrangler.jsonc): demo/app.ts with every plugin, HS256
 * access tokens. It does not import the Ed25519 build of the core (`hybrid-auth/eddsa`), so
 * it compiles one JWT module, as an HS256 adopter does; JWT_SIGNING_JWK set here is a
 * configuration error that names `eddsaKeyRing` (see js/README.md, "Tokens other services
 * can verify", for the two lines that turn EdDSA on).
 */
import { demoWorker } from "./app";

import type { Env } from "./app";

export type { Env };

export const { auth, app } = demoWorker();

export default {
  fetch: app.fetch,
  scheduled: auth.scheduled,
} satisfies ExportedHandler<Env>;
