-- Users and legacy session tokens for the v3 auth Worker.
-- Times are Unix seconds (INTEGER), the unit JWT `exp`/`iat` use too.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,          -- UUID v4, also the JWT `sub`
  email         TEXT NOT NULL UNIQUE,      -- trimmed + lower-cased by the Worker before it gets here
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,             -- self-describing: pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- A session token is a random UUID v4 handed to the client once; only its
-- SHA-256 (lower-case hex) is stored, so a leaked table yields no usable token.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

-- "log out everywhere" and per-user cleanup.
CREATE INDEX sessions_user_id ON sessions(user_id);
-- Bulk expiry cleanup (scheduled handler).
CREATE INDEX sessions_expires_at ON sessions(expires_at);
