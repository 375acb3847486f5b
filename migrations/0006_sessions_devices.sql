-- Issue 14 §1 and §5: sessions and devices, and "remember me". Additive only.
-- Every login (a refresh family in JWT mode, a session in session mode)
-- remembers what a person needs to recognise it in "your sign-ins": the
-- user-agent family (lifecycle/usage.ts userAgentFamily, never the raw
-- header), a coarse location from Cloudflare's request.cf (country, region,
-- city; NULL outside Cloudflare), when it was last seen, and whether the user
-- asked to be remembered (the long or the short lifetime).
-- Unix seconds like the rest of the schema.

-- JWT mode. last_used_at: the login or its latest refresh (access JWTs are
-- verified without D1, so a refresh is the latest time the server saw it).
ALTER TABLE refresh_families ADD COLUMN last_used_at INTEGER;
ALTER TABLE refresh_families ADD COLUMN user_agent TEXT;
ALTER TABLE refresh_families ADD COLUMN country TEXT;
ALTER TABLE refresh_families ADD COLUMN region TEXT;
ALTER TABLE refresh_families ADD COLUMN city TEXT;
-- 1 = long lifetime (REFRESH_TOKEN_TTL), 0 = short (SHORT_REFRESH_TOKEN_TTL);
-- every rotation keeps the family's choice. Existing logins chose nothing: long, as before.
ALTER TABLE refresh_families ADD COLUMN remember INTEGER NOT NULL DEFAULT 1;

-- Session mode. `id` is the public name of a session (DELETE /auth/sessions/:id):
-- the token's hash is the lookup key of the token itself and never leaves the server.
ALTER TABLE sessions ADD COLUMN id TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN country TEXT;
ALTER TABLE sessions ADD COLUMN region TEXT;
ALTER TABLE sessions ADD COLUMN city TEXT;
ALTER TABLE sessions ADD COLUMN remember INTEGER NOT NULL DEFAULT 1;
UPDATE sessions SET id = lower(hex(randomblob(16))) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id ON sessions(id);
-- Any insert that does not name an id (a seed-era session claimed into this
-- table by db/legacySessions.ts) gets one, so every session can be listed and revoked.
CREATE TRIGGER sessions_default_id AFTER INSERT ON sessions WHEN NEW.id IS NULL
BEGIN
  UPDATE sessions SET id = lower(hex(randomblob(16))) WHERE token_hash = NEW.token_hash;
END;
