-- Music Time Machine: the initial schema.
-- Forward-only: once shipped, never edit this file; add 0002_....sql instead.
-- Runs on PostgreSQL 15+ and on PGlite (PostgreSQL 18 in WASM); keep to SQL both accept.

-- One row per person who logged in with Spotify (or was named as the owner of an import).
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  spotify_id    text NOT NULL UNIQUE,
  account_id    text,
  display_name  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz,
  needs_reauth  boolean NOT NULL DEFAULT false
);

-- OAuth tokens, encrypted by the app (AES-256-GCM) before they reach the database.
CREATE TABLE spotify_tokens (
  user_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  access_token_enc  text NOT NULL,
  refresh_token_enc text NOT NULL,
  expires_at        timestamptz NOT NULL,
  scope             text NOT NULL DEFAULT '',
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The catalogue of every track any user has had in a snapshot; shared by all users.
-- Columns are the tutorial's, so its checks (SELECT COUNT(*) FROM tracks) still work.
CREATE TABLE tracks (
  track_id      text PRIMARY KEY,
  name          text NOT NULL,
  artist_name   text NOT NULL,
  album_name    text,
  duration_ms   integer,
  spotify_url   text,
  raw_json      jsonb,
  -- 'simple' config: no stemming or stop words, since titles and names come in every language.
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(artist_name, '')), 'B') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(album_name, '')), 'C')
  ) STORED,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_search_vector_idx ON tracks USING gin (search_vector);

-- A user's top tracks for one time range on one date: one row per track, ranks from 1.
-- user_id leads every key so one user's archive is one slice of the table (and of each index).
CREATE TABLE snapshots (
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  track_id      text NOT NULL REFERENCES tracks (track_id),
  snapshot_date date NOT NULL,
  time_range    text NOT NULL CHECK (time_range IN ('short_term', 'medium_term', 'long_term')),
  rank          smallint NOT NULL CHECK (rank BETWEEN 1 AND 50),
  -- Serves "latest snapshot of a range" and "a date window" (range, then date order).
  PRIMARY KEY (user_id, time_range, snapshot_date, track_id)
);
-- Serves "a track's history" and "when did I first see this track".
CREATE INDEX snapshots_user_track_date_idx ON snapshots (user_id, track_id, snapshot_date);
-- Serves "a date window over all ranges" (timelines, analytics by period).
CREATE INDEX snapshots_user_date_idx ON snapshots (user_id, snapshot_date);

-- Playlists the app created in the user's Spotify account.
CREATE TABLE playlists (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  spotify_playlist_id text NOT NULL,
  name                text NOT NULL,
  source              text NOT NULL,
  parameters          jsonb NOT NULL DEFAULT '{}'::jsonb,
  track_count         integer NOT NULL CHECK (track_count >= 0),
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_user_created_idx ON playlists (user_id, created_at);

-- Each import of a legacy SQLite file: what came in, what was rejected and why.
CREATE TABLE import_runs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  source_sha256 text NOT NULL,
  source_name   text,
  status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  counts        jsonb NOT NULL DEFAULT '{}'::jsonb,
  error         text,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX import_runs_user_started_idx ON import_runs (user_id, started_at);
