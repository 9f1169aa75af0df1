-- Spotify's 2026 rule: a refresh token expires six months after the user's authorization, and
-- refreshing no longer extends it. The app keeps that time to warn users before their archive
-- stops, and records each lapse of access so pages can show the gap it left.
-- Forward-only: once shipped, never edit this file.

-- When the user last granted this app access (a login: the first consent or a renewed one).
-- Their stored refresh token stops working six months after it.
ALTER TABLE users ADD COLUMN spotify_authorized_at timestamptz;
-- Users connected before this migration: their last login is the best known authorization time.
UPDATE users u SET spotify_authorized_at = u.last_login_at
WHERE u.last_login_at IS NOT NULL AND EXISTS (SELECT 1 FROM spotify_tokens t WHERE t.user_id = u.id);

-- Each time Spotify stopped accepting a user's access (expired or revoked), until they logged
-- in again (restored_at; null while it lasts). At most one open lapse per user.
CREATE TABLE spotify_access_lapses (
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  lapsed_at   timestamptz NOT NULL,
  cause       text NOT NULL CHECK (cause IN ('expired', 'revoked')),
  restored_at timestamptz,
  PRIMARY KEY (user_id, lapsed_at),
  CHECK (restored_at IS NULL OR restored_at >= lapsed_at)
);
CREATE UNIQUE INDEX spotify_access_lapses_open_idx ON spotify_access_lapses (user_id) WHERE restored_at IS NULL;
