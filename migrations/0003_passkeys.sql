-- Passkeys (WebAuthn credentials) and the one-time challenges of their ceremonies.
-- Times are Unix seconds (INTEGER), like the rest of the schema.

-- One row per registered credential. `credential_id` and `public_key` are
-- base64url (the credential ID as the browser reports it, and the COSE public
-- key as the authenticator encoded it at registration).
CREATE TABLE passkeys (
  id            TEXT PRIMARY KEY,                 -- UUID v4: the :id of DELETE /auth/passkeys/:id
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,             -- base64url; what an assertion names
  public_key    TEXT NOT NULL,                    -- base64url COSE_Key
  counter       INTEGER NOT NULL DEFAULT 0,       -- last signature counter seen; must only go up (0 = authenticator has none)
  transports    TEXT NOT NULL DEFAULT '[]',       -- JSON array of AuthenticatorTransport hints
  label         TEXT NOT NULL,                    -- chosen by the user
  device_type   TEXT NOT NULL,                    -- 'singleDevice' | 'multiDevice'
  backed_up     INTEGER NOT NULL DEFAULT 0,       -- 0/1
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER
);
CREATE INDEX passkeys_user_id ON passkeys(user_id);

-- A challenge is handed out by .../options and consumed (deleted, atomically)
-- by the matching .../verify, so it can be used at most once. Expired rows are
-- refused by verify and swept by the scheduled cleanup (DELETE ... WHERE expires_at <= now).
CREATE TABLE webauthn_challenges (
  challenge  TEXT PRIMARY KEY,                    -- base64url of 32 random bytes, as in clientDataJSON
  purpose    TEXT NOT NULL CHECK (purpose IN ('registration', 'authentication')),
  user_id    TEXT REFERENCES users(id) ON DELETE CASCADE, -- registration: the signed-in user; authentication: NULL
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges(expires_at);
