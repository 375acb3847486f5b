-- Token lifecycle (issue 4): roles, refresh tokens, revocation, usage
-- counters and rate-limit counters. Times are Unix seconds unless a column
-- name says otherwise.

-- Who may read GET /auth/usage. Promote with:
--   wrangler d1 execute GENERAL_DB --remote --command "UPDATE users SET role = 'admin' WHERE email = 'ops@example.com'"
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));

-- One family per login. Every rotation adds a token to the family; reusing a
-- retired token after the grace window revokes the whole family (theft
-- detection), and logout / logout-all revoke families too.
CREATE TABLE refresh_families (
  id         TEXT PRIMARY KEY,               -- UUID v4; also the `sid` claim of the access JWTs it mints
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,               -- the expiry of its newest token (cleanup)
  revoked_at INTEGER,                        -- NULL while live
  revoked_reason TEXT                        -- 'logout' | 'logout_all' | 'reuse'
);
CREATE INDEX refresh_families_user_id ON refresh_families(user_id);
CREATE INDEX refresh_families_expires_at ON refresh_families(expires_at);

-- Refresh tokens are 256-bit random strings handed out once; only their
-- SHA-256 (lower-case hex) is stored.
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id  TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,                        -- set (once, atomically) when rotated
  replaced_by TEXT                           -- hash of the successor
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens(expires_at);

-- JWT revocations, read by every isolate's cache by `seq` (append-only
-- cursor) or, with REVOCATION=strict, on every request.
--   kind 'jti':  subject = the JWT's jti; expires_at = its exp.
--   kind 'user': subject = a user id; JWTs of that user issued at or before
--                not_before_ms (milliseconds) are refused ("logout everywhere").
CREATE TABLE revocations (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL CHECK (kind IN ('jti', 'user')),
  subject       TEXT NOT NULL,
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  expires_at    INTEGER NOT NULL,            -- after this the row protects nothing (cleanup)
  created_at    INTEGER NOT NULL
);
CREATE INDEX revocations_subject ON revocations(subject);
CREATE INDEX revocations_expires_at ON revocations(expires_at);

-- Phase 2: authentications per UTC day, kind, failure reason and client,
-- aggregated per isolate and flushed in the background.
CREATE TABLE auth_usage (
  day       TEXT NOT NULL,                   -- YYYY-MM-DD (UTC)
  kind      TEXT NOT NULL,                   -- jwt | session | refresh | failed
  reason    TEXT NOT NULL DEFAULT '',        -- why, for kind = 'failed'
  client    TEXT NOT NULL,                   -- 'id:<X-Client-Id>' or 'ua:<User-Agent family>'
  count     INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (day, kind, reason, client)
);

-- Fixed-window attempt counters shared by every isolate. `bucket` is the
-- SHA-256 of "<rule>:<normalised email or IP>", so no address is stored.
CREATE TABLE rate_limits (
  bucket       TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL              -- end of the window (cleanup)
);
CREATE INDEX rate_limits_expires_at ON rate_limits(expires_at);
