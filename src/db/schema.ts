import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';
import type { TimeRange } from '../lib/time-ranges.js';

/**
 * Row types for Kysely, snake_case like the SQL so psql and TypeScript read alike.
 * The migrations in /migrations are the truth; test/db/schema.test.ts snapshots them.
 */

export type JsonObject = { [key: string]: unknown };

/** jsonb: read as parsed JSON, written as JSON text (identical on node-postgres and PGlite). */
type Jsonb<T> = ColumnType<T, string, string>;
type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface UsersTable {
  id: GeneratedAlways<number>;
  spotify_id: string;
  account_id: string | null;
  display_name: string | null;
  created_at: CreatedAt;
  last_login_at: Date | null;
  needs_reauth: Generated<boolean>;
  /** Bumped to end every session issued before (logout, disconnect); cookies carry the value. */
  session_version: Generated<number>;
  /** The user's last consent (login): their refresh token expires six months after it. */
  spotify_authorized_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SpotifyAccessLapsesTable {
  user_id: number;
  lapsed_at: Date;
  cause: 'expired' | 'revoked';
  restored_at: Date | null;
}

export interface SpotifyTokensTable {
  user_id: number;
  /** AES-256-GCM ciphertext, never the plain token. */
  access_token_enc: string;
  refresh_token_enc: string;
  expires_at: Date;
  scope: string;
  updated_at: Generated<Date>;
}

export interface TracksTable {
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  duration_ms: number | null;
  spotify_url: string | null;
  raw_json: ColumnType<JsonObject | null, string | null, string | null>;
  search_vector: ColumnType<string, never, never>;
  first_seen_at: CreatedAt;
  updated_at: Generated<Date>;
  /** True while the row came only from legacy files: a foreign-key placeholder nobody is shown. */
  file_only: Generated<boolean>;
}

/** A track as one user's legacy file described it (only that user sees it; see visibleTracks). */
export interface UserTracksTable {
  user_id: number;
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  duration_ms: number | null;
  spotify_url: string | null;
  raw_json: ColumnType<JsonObject | null, string | null, string | null>;
  search_vector: ColumnType<string, never, never>;
  imported_at: CreatedAt;
}

export interface SnapshotsTable {
  user_id: number;
  track_id: string;
  snapshot_date: string;
  time_range: TimeRange;
  rank: number;
}

export interface PlaylistsTable {
  id: GeneratedAlways<number>;
  user_id: number;
  spotify_playlist_id: string;
  name: string;
  source: string;
  parameters: Jsonb<JsonObject>;
  track_count: number;
  created_at: CreatedAt;
}

export interface ImportRunsTable {
  id: GeneratedAlways<number>;
  user_id: number;
  source_sha256: string;
  source_name: string | null;
  status: 'running' | 'succeeded' | 'failed';
  counts: Jsonb<JsonObject>;
  error: string | null;
  started_at: CreatedAt;
  finished_at: Date | null;
}

/** One row per user: how their snapshot captures are going (migrations/0002_capture_status.sql). */
export type CaptureState = 'idle' | 'queued' | 'retrying' | 'deferred' | 'failed' | 'needs_reauth';
export interface CaptureStatusTable {
  user_id: number;
  state: Generated<CaptureState>;
  scheduled_date: string | null;
  last_success_at: Date | null;
  last_success_date: string | null;
  last_result: ColumnType<JsonObject | null, string | null, string | null>;
  last_error: string | null;
  last_error_code: string | null;
  last_error_at: Date | null;
  attempts: Generated<number>;
  next_run_at: Date | null;
  updated_at: Generated<Date>;
}

/** Moved by triggers whenever a user's snapshots change (migrations/0008_insights.sql); keys per-user caches. */
export interface ArchiveVersionsTable {
  user_id: number;
  version: number;
  changed_at: Generated<Date>;
}

/**
 * The tracks of each user's archive with what search matches, as that user sees them; written only
 * by triggers (migrations/0009_archive_tracks.sql), read by search.
 */
export interface ArchiveTracksTable {
  user_id: number;
  track_id: string;
  name: string;
  search_vector: string;
  search_text: string;
}

export interface DB {
  users: UsersTable;
  spotify_tokens: SpotifyTokensTable;
  tracks: TracksTable;
  user_tracks: UserTracksTable;
  snapshots: SnapshotsTable;
  playlists: PlaylistsTable;
  import_runs: ImportRunsTable;
  capture_status: CaptureStatusTable;
  spotify_access_lapses: SpotifyAccessLapsesTable;
  archive_versions: ArchiveVersionsTable;
  archive_tracks: ArchiveTracksTable;
}

export type User = Selectable<UsersTable>;
export type Track = Selectable<TracksTable>;
export type NewTrack = Omit<Insertable<TracksTable>, 'first_seen_at' | 'updated_at'>;
