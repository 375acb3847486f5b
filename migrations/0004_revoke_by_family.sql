-- Issue 11: revoke by refresh family. Every access JWT we issue carries `sid`
-- (its refresh family); revoking a family for any reason (reuse, logout,
-- logout-all, later password change or admin action) writes one `sid` row in
-- the same batch, and both revocation checks refuse every JWT carrying it.

-- What a `sid` row must cover, recorded on the family by the batch that makes
-- a JWT of it valid (login's family insert, each rotation), before the JWT is
-- handed out. A family is only written while live, so once it is revoked these
-- are final: every JWT of the family has exp <= access_expires_at and
-- iat_ms <= access_iat_ms.
--   access_expires_at: the latest `exp` of any JWT minted for the family; the
--                      `sid` row lives exactly that long.
--   access_iat_ms:     the latest `iat_ms` of any JWT minted for the family;
--                      lets a per-user "not before" stamp stand in for the row.
-- Families that exist before this migration were minted by the old code,
-- which recorded neither: they get the widest values that are still true
-- (every JWT minted so far was issued before now and lives at most a year,
-- the largest ACCESS_TOKEN_TTL). Deploy the code with the migration: JWTs the
-- old code mints after it are only covered by the per-user stamp.
ALTER TABLE refresh_families ADD COLUMN access_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refresh_families ADD COLUMN access_iat_ms INTEGER NOT NULL DEFAULT 0;
UPDATE refresh_families
   SET access_expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 31536000,
       access_iat_ms = (CAST(strftime('%s', 'now') AS INTEGER) + 1) * 1000;

-- `revocations` gains the kind 'sid' (a CHECK cannot be altered in SQLite, so
-- the table is rebuilt) and a user_id for it:
--   kind 'sid':  subject = a refresh family id; user_id = its user;
--                not_before_ms = the family's access_iat_ms;
--                expires_at = the family's access_expires_at.
--   kind 'user': as before (JWTs of the user issued at or before not_before_ms).
--   kind 'jti':  as before; now written only for JWTs without `sid` (minted
--                before refresh families existed), which this code never issues.
CREATE TABLE revocations_v2 (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL CHECK (kind IN ('jti', 'user', 'sid')),
  subject       TEXT NOT NULL,
  user_id       TEXT,                        -- kind 'sid' only
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  expires_at    INTEGER NOT NULL,            -- after this the row protects nothing (cleanup)
  created_at    INTEGER NOT NULL
);
INSERT INTO revocations_v2 (seq, kind, subject, not_before_ms, expires_at, created_at)
  SELECT seq, kind, subject, not_before_ms, expires_at, created_at FROM revocations;
-- Keep the AUTOINCREMENT high-water mark: an isolate of the previous
-- deployment reads `seq > cursor`, and a new row must never get a seq it
-- already passed (cleanup may have deleted the rows that held the top seqs).
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'revocations_v2', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'revocations_v2');
UPDATE sqlite_sequence
   SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'revocations'), 0))
 WHERE name = 'revocations_v2';
DROP TABLE revocations;
ALTER TABLE revocations_v2 RENAME TO revocations;
CREATE INDEX revocations_subject ON revocations(subject);
CREATE INDEX revocations_expires_at ON revocations(expires_at);
-- The per-user bound (see db/revocations.ts): live `sid` rows of one user.
CREATE INDEX revocations_sid_user ON revocations(user_id, expires_at) WHERE kind = 'sid';
