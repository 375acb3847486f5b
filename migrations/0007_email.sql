-- Issue 14 §2-4: password reset, email verification and change of email.
-- Times are Unix seconds, like the rest of the schema.

-- When the account's current address was last proven reachable (a
-- verification link, a change-of-email link, or a completed password reset
-- sent to it). NULL: not verified. Existing accounts start unverified: nothing
-- ever proved their address.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

-- One-time tokens sent by email. The token itself (32 random bytes,
-- base64url) is only in the email; the table keeps its SHA-256 (hex), so a
-- leaked table yields no usable link. A token is spent by setting used_at
-- together with consumed_by (a random nonce of the spending request), in the
-- same batch as the change it authorises: the other statements of that batch
-- only apply where consumed_by names their own request, so two concurrent
-- uses of one token change the account at most once.
CREATE TABLE email_tokens (
  token_hash  TEXT PRIMARY KEY,
  purpose     TEXT NOT NULL CHECK (purpose IN ('password_reset', 'verify_email', 'change_email')),
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email       TEXT NOT NULL,        -- where it was sent: the account's address, or the new one for change_email
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,              -- NULL while usable; set once, when spent or superseded
  consumed_by TEXT                  -- nonce of the request that spent it ('superseded' when a newer one replaced it)
);
CREATE INDEX email_tokens_user_purpose ON email_tokens(user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens(expires_at);

-- Security-relevant account events, for support and audit: a completed
-- password reset, a verified address, a changed address. Append-only.
CREATE TABLE auth_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,         -- 'password_reset' | 'email_verified' | 'email_changed'
  detail     TEXT NOT NULL DEFAULT '{}', -- JSON: what the event did (counts, addresses)
  created_at INTEGER NOT NULL
);
CREATE INDEX auth_events_user ON auth_events(user_id, created_at);
