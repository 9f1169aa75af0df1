-- Search costs what the user's own archive costs (issue 10). Forward-only: once shipped, never
-- edit this file.
--
-- Until now search matched the catalogue's GIN indexes (every user's tracks) and then checked
-- each candidate against the user's snapshots, so a search did more work the more other users
-- the instance had. archive_tracks holds, per user, one row for every track in their archive
-- with the text search matches, as that user sees it; its indexes lead with user_id, so a
-- search reads only the user's own slice. The database keeps it current with the triggers below,
-- whoever writes (captures, legacy imports and their COPY, the demo seed, deletes).

-- btree_gin lets a GIN index lead with a plain column (user_id) before the trigram column. PGlite ships it as an extension loaded by src/db/pglite-worker.js, like pg_trgm.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- One row per (user, track) that has at least one snapshot, exactly. A track the user cannot see
-- (a file-only placeholder without their own copy, see visibleTracks) keeps its row with an
-- empty vector and text, which match nothing: so the rows that exist never depend on metadata,
-- and a later change of metadata only updates rows, never has to find snapshots by track.
CREATE TABLE archive_tracks (
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  track_id      text COLLATE "C" NOT NULL,
  -- The shown name: search orders ties by it before reading any other metadata.
  name          text NOT NULL,
  -- The track's vector (tracks.search_vector or user_tracks.search_vector): ranks and confirms.
  search_vector tsvector NOT NULL,
  -- The same words, each prefixed with the user's id ('42/golden'): what the GIN index holds.
  -- A GIN index keeps one posting list per word whoever's rows it lists, and a prefix query
  -- ('gol':*) reads every matching list whole; with the id in the word, a search reads only
  -- the user's own entries, however many other users share the word.
  search_keys   tsvector NOT NULL,
  -- name || ' ' || artist_name: what the trigram fallback compares the input with.
  search_text   text NOT NULL,
  PRIMARY KEY (user_id, track_id)
);

-- A vector's words prefixed with the user's id (no positions: the index does not keep them).
-- Words too long to stay a lexeme with the prefix (PostgreSQL's limit is 2 kB) are left out.
CREATE FUNCTION archive_search_keys(p_user_id bigint, p_vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_to_tsvector(coalesce(array_agg(p_user_id || '/' || w), '{}'))
  FROM unnest(tsvector_to_array(p_vector)) w
  WHERE octet_length(w) <= 2000
$$;

-- The search columns of one track as one user sees it: the rule of visibleTracks
-- (src/repositories/visible-tracks.ts) in SQL. The catalogue row unless it is a file-only
-- placeholder; then the user's own copy (user_tracks); without one, nothing to match.
CREATE FUNCTION archive_track_search(p_user_id bigint, p_track_id text)
RETURNS TABLE (name text, search_vector tsvector, search_keys tsvector, search_text text)
LANGUAGE sql STABLE AS $$
  SELECT v.name, v.search_vector, archive_search_keys(p_user_id, v.search_vector), v.search_text
  FROM (
    SELECT
      coalesce(CASE WHEN t.file_only THEN u.name ELSE t.name END, '') AS name,
      coalesce(CASE WHEN t.file_only THEN u.search_vector ELSE t.search_vector END, ''::tsvector) AS search_vector,
      coalesce(CASE WHEN t.file_only THEN u.name || ' ' || u.artist_name ELSE t.name || ' ' || t.artist_name END, '') AS search_text
    FROM tracks t
    LEFT JOIN user_tracks u ON t.file_only AND u.user_id = p_user_id AND u.track_id = t.track_id
    WHERE t.track_id = p_track_id
  ) v
$$;

-- Statement-level triggers with transition tables, as for archive_versions (0008): one
-- set-based statement per write, however many rows a COPY brings; a legacy import of millions
-- of snapshots adds one pass over its distinct (user, track) pairs.
CREATE FUNCTION archive_tracks_follow_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    -- Pairs whose last snapshot went. A deleted user's rows go by the cascade on users.
    DELETE FROM archive_tracks a
      USING (SELECT DISTINCT user_id, track_id FROM old_rows) o
      WHERE a.user_id = o.user_id AND a.track_id = o.track_id
        AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.user_id = o.user_id AND s.track_id = o.track_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO archive_tracks (user_id, track_id, name, search_vector, search_keys, search_text)
      SELECT n.user_id, n.track_id, v.name, v.search_vector, v.search_keys, v.search_text
      FROM (SELECT DISTINCT user_id, track_id FROM new_rows) n
      CROSS JOIN LATERAL archive_track_search(n.user_id, n.track_id) v
      ORDER BY 1, 2
      ON CONFLICT (user_id, track_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER snapshots_insert_archive_tracks AFTER INSERT ON snapshots
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_snapshots();
CREATE TRIGGER snapshots_update_archive_tracks AFTER UPDATE ON snapshots
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_snapshots();
CREATE TRIGGER snapshots_delete_archive_tracks AFTER DELETE ON snapshots
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_snapshots();

-- Rows to bring up to date after metadata changed; only rows whose text really changed are
-- written (a capture rewrites its 150 catalogue rows with, mostly, the same names).
CREATE FUNCTION refresh_archive_tracks(p_user_ids bigint[], p_track_ids text[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE archive_tracks a
    SET name = v.name, search_vector = v.search_vector, search_keys = v.search_keys, search_text = v.search_text
    FROM unnest(p_user_ids, p_track_ids) AS c(user_id, track_id)
    CROSS JOIN LATERAL archive_track_search(c.user_id, c.track_id) v
    WHERE a.user_id = c.user_id AND a.track_id = c.track_id
      AND (a.name, a.search_vector, a.search_text) IS DISTINCT FROM (v.name, v.search_vector, v.search_text)
$$;

-- A catalogue row changed: every user who has the track. (A column list cannot go with
-- transition tables, so the function compares old and new itself.)
CREATE FUNCTION archive_tracks_follow_tracks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM refresh_archive_tracks(array_agg(a.user_id), array_agg(a.track_id))
    FROM new_rows n
    JOIN old_rows o ON o.track_id = n.track_id
    JOIN archive_tracks a ON a.track_id = n.track_id
    WHERE (n.name, n.artist_name, n.album_name, n.file_only) IS DISTINCT FROM (o.name, o.artist_name, o.album_name, o.file_only);
  RETURN NULL;
END
$$;

CREATE TRIGGER tracks_update_archive_tracks AFTER UPDATE ON tracks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_tracks();

-- A user's own copy of a file-only track arrived, changed or went: that user's row.
CREATE FUNCTION archive_tracks_follow_user_tracks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM refresh_archive_tracks(array_agg(user_id), array_agg(track_id)) FROM old_rows;
  ELSE
    PERFORM refresh_archive_tracks(array_agg(user_id), array_agg(track_id)) FROM new_rows;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER user_tracks_insert_archive_tracks AFTER INSERT ON user_tracks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_user_tracks();
CREATE TRIGGER user_tracks_update_archive_tracks AFTER UPDATE ON user_tracks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_user_tracks();
CREATE TRIGGER user_tracks_delete_archive_tracks AFTER DELETE ON user_tracks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION archive_tracks_follow_user_tracks();

-- The archives already stored: one pass over snapshots, which at millions of rows can take
-- longer than the app's statement timeout (DB_STATEMENT_TIMEOUT_MS, 30 s by default), so this
-- migration lifts it for its own transaction. The indexes are built after the rows are in: one
-- sort each instead of one insertion per row.
SET LOCAL statement_timeout = 0;
INSERT INTO archive_tracks (user_id, track_id, name, search_vector, search_keys, search_text)
  SELECT p.user_id, p.track_id, v.name, v.search_vector, v.search_keys, v.search_text
  FROM (SELECT DISTINCT user_id, track_id FROM snapshots) p
  CROSS JOIN LATERAL archive_track_search(p.user_id, p.track_id) v;

-- fastupdate off: a GIN pending list (new entries not yet merged into the index) is read whole
-- by every search, whoever's rows it holds, and while it is there the planner prices the index
-- too high and reads the user's rows by key instead. The price is paid by writers: merged one
-- row at a time, an import's 20,000 new rows cost about 2 s more than batched.
CREATE INDEX archive_tracks_search_keys_idx ON archive_tracks USING gin (search_keys) WITH (fastupdate = off);
CREATE INDEX archive_tracks_search_text_trgm_idx ON archive_tracks USING gin (user_id, search_text gin_trgm_ops) WITH (fastupdate = off);
-- A catalogue rename refreshes the rows of every user who has the track.
CREATE INDEX archive_tracks_track_idx ON archive_tracks (track_id);
ANALYZE archive_tracks;
