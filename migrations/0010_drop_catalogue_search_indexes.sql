-- The catalogue's own search indexes go: since migration 0009 search reads only archive_tracks
-- (per-user rows with their own GIN indexes), and nothing else matches text against `tracks`.
-- Every write to `tracks` still paid for both: a capture's 150 rows, and a legacy import's
-- 20,000 placeholder rows (0.18 s of the insert's 0.42 s). The `search_vector` column stays:
-- archive_track_search copies it into archive_tracks.
-- Forward-only: once shipped, never edit this file.

DROP INDEX IF EXISTS tracks_search_vector_idx;
DROP INDEX IF EXISTS tracks_name_artist_trgm_idx;
