import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Idempotent (applied migrations are recorded in d1_migrations), so running
// it before every test file is safe and keeps each file self-contained.
await applyD1Migrations(env.GENERAL_DB, env.TEST_MIGRATIONS);
