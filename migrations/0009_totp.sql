-- Issue 21: a second factor, TOTP (RFC 6238) with recovery codes, for the
-- totp() plugin (hybrid-auth/totp). Times are Unix seconds, like the rest.

-- One authenticator per user. The secret must be readable to compute codes
-- (HMAC-SHA1), so it is stored as it is (base32 of 20 random bytes): a leaked
-- table leaks the second factor, not the first. confirmed_at NULL: enrolment
-- started, not finished (the factor is not asked for). last_step: the
-- highest time step (unix seconds / 30) a code was accepted for; a code of
-- that step or an earlier one is refused (replay).
CREATE TABLE totp_credentials (
  user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  confirmed_at INTEGER,
  last_step    INTEGER
);

-- Ten single-use codes per user, shown once; only their SHA-256 (hex) is kept.
CREATE TABLE totp_recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at    INTEGER,
  PRIMARY KEY (user_id, code_hash)
);

-- A password login held back for the code: the ticket itself (32 random
-- bytes, base64url) is only in the login's answer; its SHA-256 is kept, with
-- what the login asked for (remember, refresh delivery). Single use (used_at),
-- short-lived, and dead after `attempts` reaches the plugin's limit.
CREATE TABLE totp_tickets (
  ticket_hash TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  remember    INTEGER NOT NULL,
  delivery    TEXT NOT NULL CHECK (delivery IN ('body', 'cookie')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  used_at     INTEGER
);
CREATE INDEX totp_tickets_user ON totp_tickets(user_id);
CREATE INDEX totp_tickets_expires_at ON totp_tickets(expires_at);
