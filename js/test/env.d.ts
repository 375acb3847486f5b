import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../demo/worker";

declare global {
  namespace Cloudflare {
    // The test runtime's env: the Worker's bindings plus the migrations that
    // vitest.config.ts reads from migrations/.
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
