-- Sudo mode (issue 11): adding or removing a passkey needs a password or
-- passkey authentication within REAUTH_MAX_AGE_SECONDS. A refresh mints a JWT
-- whose `auth_time` is its login's, not its own `iat`, so the family keeps
-- the time of the authentication that started it. Unix seconds.
-- 0 (the default) means "unknown": such a login never counts as recent.
ALTER TABLE refresh_families ADD COLUMN authenticated_at INTEGER NOT NULL DEFAULT 0;
-- Existing families were each started by a login at created_at.
UPDATE refresh_families SET authenticated_at = created_at;
