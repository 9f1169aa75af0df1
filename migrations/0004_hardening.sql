-- Hardening (issue 11). Forward-only: once shipped, never edit this file.
--
-- Sessions live in an encrypted cookie, so the server cannot delete one. Each cookie carries the
-- user's session_version from when it was issued; logging out (or disconnecting Spotify, or
-- deleting the account) bumps the version, and every cookie issued before stops working on all
-- instances at once.
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0;

-- No upload can change what another user sees (docs/ARCHITECTURE.md, "Whose track metadata").
-- A legacy file's track rows land in user_tracks, one copy per importer, and the shared `tracks`
-- row they may create is only a placeholder for the snapshots' foreign key (file_only = true),
-- shown to nobody. Spotify's own data (captures) overwrites the shared row and clears file_only:
-- from then on everyone sees Spotify's row. visibleTracks(db, userId) applies the rule.
ALTER TABLE tracks ADD COLUMN file_only boolean NOT NULL DEFAULT false;

CREATE TABLE user_tracks (
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  track_id      text COLLATE "C" NOT NULL REFERENCES tracks (track_id),
  name          text NOT NULL,
  artist_name   text NOT NULL,
  album_name    text,
  duration_ms   integer,
  spotify_url   text,
  raw_json      jsonb,
  -- The same vector as tracks.search_vector, so search over visibleTracks covers these rows too.
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(artist_name, '')), 'B') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(album_name, '')), 'C')
  ) STORED,
  imported_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, track_id)
);
