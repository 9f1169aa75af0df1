import { isIsoDate } from '../../lib/dates.js';
import { isTimeRange, TIME_RANGES } from '../../lib/time-ranges.js';
import type { LegacySnapshotRow, LegacyTrackRow } from '../../repositories/legacy-export.js';

/**
 * Per-row conversion of the tutorial's SQLite rows into what PostgreSQL stores. Pure: each
 * function returns the converted row or the reason it cannot be imported, never throws.
 * SQLite types values loosely (a column declared INTEGER may hold text, real or a blob), so every
 * input is one of SQLite's five storage classes as better-sqlite3 returns them.
 */
export type SqliteValue = string | number | bigint | Buffer | null;

export const MIN_RANK = 1;
/** The schema's limit: the tutorial only ever fetched a top 50, so a larger rank is not its data. */
export const MAX_RANK = 50;
const MAX_INT4 = 2_147_483_647;

export type TrackRejectReason = 'missing_track_id' | 'missing_value' | 'not_text' | 'nul_character' | 'invalid_duration_ms';
/** raw_json problems keep the track (raw_json stored as NULL) and are reported. */
export type RawJsonReason = 'raw_json_invalid' | 'raw_json_not_object' | 'raw_json_nul_escape' | 'raw_json_lone_surrogate';
export type SnapshotRowReason =
  | 'missing_track_id'
  | 'not_text'
  | 'nul_character'
  | 'invalid_snapshot_date'
  | 'invalid_time_range'
  | 'invalid_rank'
  | 'rank_out_of_range';
/** Found by set-based checks once all rows are staged. */
export type SnapshotSetReason = 'track_missing' | 'track_rejected' | 'duplicate_key';

export interface Problem<R extends string> {
  reason: R;
  column: string;
  detail: string;
}

/** A converted track: the legacy row shape; `raw_json` is the source JSON text as is (or NULL). */
export type LegacyTrack = LegacyTrackRow;

export interface LegacySnapshot extends LegacySnapshotRow {
  /** True when the source held a date and time and the time was dropped. */
  dateHadTime: boolean;
}

export const TRACK_COLUMNS = ['track_id', 'name', 'artist_name', 'album_name', 'duration_ms', 'spotify_url', 'raw_json'] as const;
export const SNAPSHOT_COLUMNS = ['track_id', 'snapshot_date', 'time_range', 'rank'] as const;

export type TrackResult =
  | { ok: true; track: LegacyTrack; rawJsonProblem?: Problem<RawJsonReason> }
  | { ok: false; problem: Problem<TrackRejectReason> };

/** `values` in TRACK_COLUMNS order. */
export function convertTrack(values: readonly SqliteValue[]): TrackResult {
  const [trackId, name, artist, album, duration, url, rawJson] = values;
  const id = requiredText('track_id', trackId, 'missing_track_id');
  if (!id.ok) return id;
  const nameText = requiredText('name', name, 'missing_value');
  if (!nameText.ok) return nameText;
  const artistText = requiredText('artist_name', artist, 'missing_value');
  if (!artistText.ok) return artistText;
  const albumText = optionalText('album_name', album);
  if (!albumText.ok) return albumText;
  const urlText = optionalText('spotify_url', url);
  if (!urlText.ok) return urlText;

  let durationMs: number | null = null;
  if (duration !== null && duration !== undefined) {
    const n = exactInteger(duration);
    if (n === undefined || n < 0 || n > MAX_INT4) {
      return reject('invalid_duration_ms', 'duration_ms', `${describe(duration)} is not a whole number of milliseconds between 0 and ${MAX_INT4}`);
    }
    durationMs = n;
  }

  const json = convertRawJson(rawJson ?? null);
  const track: LegacyTrack = {
    track_id: id.value,
    name: nameText.value,
    artist_name: artistText.value,
    album_name: albumText.value,
    duration_ms: durationMs,
    spotify_url: urlText.value,
    raw_json: json.ok ? json.value : null,
  };
  return json.ok ? { ok: true, track } : { ok: true, track, rawJsonProblem: json.problem };
}

export type SnapshotResult = { ok: true; snapshot: LegacySnapshot } | { ok: false; problem: Problem<SnapshotRowReason> };

/** `values` in SNAPSHOT_COLUMNS order. */
export function convertSnapshot(values: readonly SqliteValue[]): SnapshotResult {
  const [trackId, date, range, rank] = values;
  const id = requiredText('track_id', trackId, 'missing_track_id');
  if (!id.ok) return id;

  const parsedDate = typeof date === 'string' ? parseSnapshotDate(date) : undefined;
  if (!parsedDate) {
    return reject('invalid_snapshot_date', 'snapshot_date', `${describe(date)} is not a real date written YYYY-MM-DD (or YYYY-MM-DD HH:MM:SS)`);
  }
  if (!isTimeRange(range)) {
    return reject('invalid_time_range', 'time_range', `${describe(range)} is not one of ${TIME_RANGES.join(', ')}`);
  }
  const n = rank === null || rank === undefined ? undefined : exactInteger(rank);
  if (n === undefined) return reject('invalid_rank', 'rank', `${describe(rank)} is not a whole number`);
  if (n < MIN_RANK || n > MAX_RANK) return reject('rank_out_of_range', 'rank', `${n} is outside ${MIN_RANK}..${MAX_RANK}`);
  return {
    ok: true,
    snapshot: { track_id: id.value, snapshot_date: parsedDate.date, time_range: range, rank: n, dateHadTime: parsedDate.hadTime },
  };
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?)?$/;

/** 'YYYY-MM-DD', or 'YYYY-MM-DD HH:MM:SS' (the date is kept); undefined for anything else. */
export function parseSnapshotDate(text: string): { date: string; hadTime: boolean } | undefined {
  const match = DATE_TIME.exec(text);
  if (!match || !isIsoDate(match[1]!)) return undefined;
  if (match[2] !== undefined) {
    if (Number(match[2]) > 23 || Number(match[3]) > 59 || Number(match[4]) > 59) return undefined;
    return { date: match[1]!, hadTime: true };
  }
  return { date: match[1]!, hadTime: false };
}

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The integer a loosely typed SQLite value stands for, when the conversion is exact
 * (215000, 215000.0, "215000", " 215000.00 "); undefined otherwise (215000.5, "abc", a blob).
 */
export function exactInteger(value: SqliteValue): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!NUMBER_TEXT.test(trimmed)) return undefined;
    const n = Number(trimmed);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

type RawJsonResult = { ok: true; value: string | null } | { ok: false; problem: Problem<RawJsonReason> };

/**
 * raw_json TEXT -> JSONB input. Empty or NULL is NULL. What JSONB cannot hold (invalid JSON, a
 * value that is not an object, \u0000, an unpaired surrogate escape) is reported and stored NULL;
 * the original text goes to the rejects file, so nothing is lost silently.
 */
export function convertRawJson(value: SqliteValue): RawJsonResult {
  if (value === null) return { ok: true, value: null };
  if (typeof value !== 'string') {
    return { ok: false, problem: { reason: 'raw_json_invalid', column: 'raw_json', detail: `${describe(value)} is not JSON text` } };
  }
  if (value.trim() === '') return { ok: true, value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return { ok: false, problem: { reason: 'raw_json_invalid', column: 'raw_json', detail: `not valid JSON (${(error as Error).message})` } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return { ok: false, problem: { reason: 'raw_json_not_object', column: 'raw_json', detail: `a JSON object was expected, got ${kind}` } };
  }
  // Only escapes can produce these inside valid JSON, so text without "\u" needs no walk.
  if (value.includes('\\u')) {
    const bad = findUnsupportedString(parsed);
    if (bad === 'nul') {
      return { ok: false, problem: { reason: 'raw_json_nul_escape', column: 'raw_json', detail: 'contains \\u0000, which PostgreSQL JSONB cannot store' } };
    }
    if (bad === 'surrogate') {
      return {
        ok: false,
        problem: { reason: 'raw_json_lone_surrogate', column: 'raw_json', detail: 'contains an unpaired surrogate escape, which PostgreSQL JSONB rejects' },
      };
    }
  }
  return { ok: true, value };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function findUnsupportedString(value: unknown): 'nul' | 'surrogate' | undefined {
  const check = (s: string) => (s.includes('\u0000') ? 'nul' : LONE_SURROGATE.test(s) ? 'surrogate' : undefined);
  if (typeof value === 'string') return check(value);
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = findUnsupportedString(item);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const bad = check(key) ?? findUnsupportedString(item);
    if (bad) return bad;
  }
  return undefined;
}

type TextResult<R extends string> = { ok: true; value: string } | { ok: false; problem: Problem<R | 'not_text' | 'nul_character'> };

function requiredText<R extends string>(column: string, value: SqliteValue | undefined, missing: R): TextResult<R> {
  if (value === null || value === undefined || value === '') return reject(missing, column, `${column} is empty`);
  return text(column, value);
}

function optionalText(column: string, value: SqliteValue | undefined): { ok: true; value: string | null } | { ok: false; problem: Problem<'not_text' | 'nul_character'> } {
  if (value === null || value === undefined) return { ok: true, value: null };
  return text(column, value);
}

function text(column: string, value: SqliteValue): { ok: true; value: string } | { ok: false; problem: Problem<'not_text' | 'nul_character'> } {
  // SQLite's TEXT affinity turns numbers into text on insert; a file typed otherwise gets the same.
  if (typeof value === 'number' || typeof value === 'bigint') return { ok: true, value: String(value) };
  if (typeof value !== 'string') return reject('not_text', column, `${describe(value)} is not text`);
  if (value.includes('\u0000')) return reject('nul_character', column, 'contains a NUL character, which PostgreSQL text cannot store');
  return { ok: true, value };
}

function reject<R extends string>(reason: R, column: string, detail: string): { ok: false; problem: Problem<R> } {
  return { ok: false, problem: { reason, column, detail } };
}

function describe(value: SqliteValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte blob`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return String(value);
}

/** A source value as JSON for the rejects file: text and numbers as they are, blobs as hex. */
export function originalValue(value: SqliteValue | undefined): unknown {
  if (value === undefined) return null;
  if (Buffer.isBuffer(value)) return { blob_hex: value.toString('hex') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
