-- Insight pages (analytics, dashboard, time machine, track page, search): typo-tolerant search
-- and the per-user archive version that their caches are keyed by.
-- Forward-only: once shipped, never edit this file.

-- 1. Search falls back to trigram similarity when full-text finds nothing (a misspelled name).
--    PGlite ships pg_trgm as an extension loaded by src/db/pglite-worker.js.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- One expression over name and artist: the search repository matches exactly this expression.
CREATE INDEX tracks_name_artist_trgm_idx ON tracks USING gin ((name || ' ' || artist_name) gin_trgm_ops);

-- 2. A counter per user that moves whenever that user's snapshots change, whoever writes them
--    (captures, legacy imports, the demo seed, deletes). Cached per-user figures (monthly growth,
--    dashboard facts) are valid while the version they were computed at is still current, so a
--    cache check is one primary-key read instead of a scan of the archive.
CREATE TABLE archive_versions (
  user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  version    bigint NOT NULL DEFAULT 1,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Statement-level triggers with transition tables: one upsert per statement and user, however
-- many rows a COPY or a bulk insert brings (a row-level trigger would cost per row).
CREATE FUNCTION bump_archive_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- Only existing rows: when a user is deleted, the cascade removes their snapshots after (or
    -- before) their version row, and a new row would point at a user who is gone.
    UPDATE archive_versions v SET version = v.version + 1, changed_at = now()
      WHERE v.user_id IN (SELECT DISTINCT user_id FROM changed_rows);
  ELSE
    INSERT INTO archive_versions AS v (user_id)
      SELECT DISTINCT user_id FROM changed_rows ORDER BY user_id
      ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1, changed_at = now();
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER snapshots_insert_bumps_version AFTER INSERT ON snapshots
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_archive_versions();
CREATE TRIGGER snapshots_update_bumps_version AFTER UPDATE ON snapshots
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_archive_versions();
CREATE TRIGGER snapshots_delete_bumps_version AFTER DELETE ON snapshots
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_archive_versions();

-- Users who already have snapshots start at version 1.
INSERT INTO archive_versions (user_id) SELECT DISTINCT user_id FROM snapshots;
