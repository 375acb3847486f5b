-- Issue 22: sign-in with an OpenID Connect or OAuth 2.0 provider (Google,
-- Microsoft, GitHub, any OIDC issuer), for the social() plugin
-- (hybrid-auth/social). Times are Unix seconds, like the rest.

-- One sign-in in flight: created when the browser is sent to the provider,
-- spent (used_at) by the callback, whatever its outcome. The `state` itself is
-- only in the provider's URLs; its SHA-256 (hex) is the key. binding_hash is
-- the SHA-256 of the random value in the browser's short-lived cookie, so a
-- callback from another browser (login CSRF) finds no row. code_verifier
-- (PKCE) and nonce (OIDC) never leave the server. user_id: set when a
-- signed-in user links a provider (NULL for a sign-in). redirect_to was
-- checked against the allowlist when the row was written.
CREATE TABLE social_states (
  state_hash    TEXT PRIMARY KEY,
  provider      TEXT NOT NULL,
  binding_hash  TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  nonce         TEXT NOT NULL,
  redirect_to   TEXT NOT NULL,
  user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
);
CREATE INDEX social_states_expires_at ON social_states(expires_at);

-- A provider account linked to a local one. One provider subject maps to one
-- account (the primary key), and an account has at most one identity per
-- provider. `email` is what the provider said when the link was made, for
-- display only: sign-in looks identities up by (provider, subject), never by
-- email, so a provider account whose address changes stays where it is.
CREATE TABLE social_identities (
  provider       TEXT NOT NULL,
  subject        TEXT NOT NULL,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email          TEXT,
  email_verified INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  last_used_at   INTEGER,
  PRIMARY KEY (provider, subject),
  UNIQUE (user_id, provider)
);

-- A finished sign-in waiting for the page to collect its tokens (POST
-- /social/exchange): the ticket travels in the redirect's URL fragment, so it
-- reaches neither a server log nor a Referer; only its SHA-256 is kept.
-- Single use, short-lived.
CREATE TABLE social_tickets (
  ticket_hash TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX social_tickets_expires_at ON social_tickets(expires_at);

-- The sessions list shows how each login was proven: 'password', 'passkey' or
-- 'social:<provider>' (completeLogin records it); NULL for the logins made
-- before this migration, and for rows written by tooling.
ALTER TABLE refresh_families ADD COLUMN method TEXT;
ALTER TABLE sessions ADD COLUMN method TEXT;
-- A login held for a TOTP code keeps how its first factor was proven, so the
-- login finished at POST /totp/verify records it (a provider sign-in too).
ALTER TABLE totp_tickets ADD COLUMN method TEXT;
