/**
 * The instance the Worker tests drive: the demo's app (demo/app.ts) with the Ed25519 build
 * of the core passed in, so JWT_SIGNING_JWK (EdDSA access tokens, issue 24) is covered
 * through the same routes. js/vitest.config.ts maps every test's "../demo/worker" import
 * here, so helpers, tests and the state they inspect share this one instance.
 */
import { KeyRing as EdDSAKeyRing } from "hybrid-auth/eddsa";
import { demoWorker } from "../demo/app";

import type { Env } from "../demo/app";

export type { Env };

export const { auth, app } = demoWorker({ eddsaKeyRing: EdDSAKeyRing });

export default {
  fetch: app.fetch,
  scheduled: auth.scheduled,
} satisfies ExportedHandler<Env>;
