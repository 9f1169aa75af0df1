import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';

/** The tutorial's schema, as its Flask app created it. */
export const LEGACY_SCHEMA = `
  CREATE TABLE tracks (track_id TEXT PRIMARY KEY, name TEXT NOT NULL, artist_name TEXT NOT NULL, album_name TEXT,
                       duration_ms INTEGER, spotify_url TEXT, raw_json TEXT);
  CREATE TABLE snapshots (track_id TEXT, snapshot_date TEXT, time_range TEXT, rank INTEGER,
                          PRIMARY KEY (track_id, snapshot_date, time_range));`;

/** Columns declared without a type: SQLite then keeps "215000" as text and 215000.0 as real. */
export const UNTYPED_SCHEMA = `
  CREATE TABLE tracks (track_id PRIMARY KEY, name NOT NULL, artist_name NOT NULL, album_name, duration_ms, spotify_url, raw_json);
  CREATE TABLE snapshots (track_id, snapshot_date, time_range, rank, PRIMARY KEY (track_id, snapshot_date, time_range));`;

type V = string | number | Buffer | null;
export type LegacyTrackInput = [track_id: V, name: V, artist_name: V, album_name: V, duration_ms: V, spotify_url: V, raw_json: V];
export type LegacySnapshotInput = [track_id: V, snapshot_date: V, time_range: V, rank: V];

/** Writes a legacy file; snapshots go in with INSERT OR REPLACE, as the tutorial wrote them. */
export function writeLegacyFile(path: string, data: { tracks: LegacyTrackInput[]; snapshots: LegacySnapshotInput[]; schema?: string }): void {
  const db = new Sqlite(path);
  try {
    db.exec(data.schema ?? LEGACY_SCHEMA);
    db.transaction(() => {
      if (data.tracks.length) {
        const insertTrack = db.prepare('INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?)');
        for (const t of data.tracks) insertTrack.run(...t);
      }
      if (data.snapshots.length) {
        const insertSnapshot = db.prepare('INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)');
        for (const s of data.snapshots) insertSnapshot.run(...s);
      }
    })();
  } finally {
    db.close();
  }
}

export function trackJson(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    name: `Song ${id}`,
    artists: [{ name: `Artist ${id}` }],
    album: { name: `Album ${id}`, release_date: '2019-05-01' },
    explicit: false,
    ...extra,
  });
}

export function cleanTrack(id: string, overrides: Partial<Record<number, V>> = {}): LegacyTrackInput {
  const row: LegacyTrackInput = [id, `Song ${id}`, `Artist ${id}`, `Album ${id}`, 200_000, `https://open.spotify.com/track/${id}`, trackJson(id)];
  for (const [i, v] of Object.entries(overrides)) row[Number(i)] = v as V;
  return row;
}

export const WEIRD_TEXT = 'Tab\there\nnew line\r\n "quoted" \'single\' \\ back\\slash \\N 🎵🔥 مرحبا بالعالم שלום';

/**
 * A file with every dirty case the import must handle, and what must come of each.
 * Snapshot rows are listed in insert order (= SQLite rowid order).
 */
export function dirtyLegacyData() {
  const tracks: LegacyTrackInput[] = [
    cleanTrack('t_plain'),
    ['t_weird', WEIRD_TEXT, 'مرحبا فرقة & Björk', 'Album\twith\\tab', 187_000, null, JSON.stringify({ id: 't_weird', name: WEIRD_TEXT, album: { release_date: '1999' } })],
    cleanTrack('t_dur_real_exact', { 4: 215000.0 }),
    cleanTrack('t_dur_text', { 4: '215000' }),
    cleanTrack('t_dur_fraction', { 4: 215000.5 }),
    cleanTrack('t_dur_word', { 4: 'three minutes' }),
    cleanTrack('t_dur_null', { 4: null }),
    cleanTrack('t_json_empty', { 6: '' }),
    cleanTrack('t_json_null', { 6: null }),
    cleanTrack('t_json_invalid', { 6: '{"id": "t_json_invalid", ' }),
    cleanTrack('t_json_array', { 6: '[1, 2, 3]' }),
    cleanTrack('t_json_string', { 6: '"just a string"' }),
    cleanTrack('t_json_nul', { 6: '{"id": "t_json_nul", "name": "a\\u0000b"}' }),
    cleanTrack('t_json_surrogate', { 6: '{"id": "t_json_surrogate", "name": "\\ud800"}' }),
    cleanTrack('t_name_blob', { 1: Buffer.from([0xde, 0xad]) }),
    cleanTrack('t_name_nul', { 1: 'bad\u0000name' }),
    cleanTrack('t_artist_empty', { 2: '' }),
    cleanTrack('t_unused'),
    [null, 'No id', 'Nobody', null, 1000, null, null],
  ];
  // 55 tracks for a day captured twice (INSERT OR REPLACE): 55 rows, ranks repeat.
  for (let i = 1; i <= 55; i++) tracks.push(cleanTrack(`g${i}`));

  const snapshots: LegacySnapshotInput[] = [
    ['t_plain', '2024-01-01', 'short_term', 1],
    ['t_plain', '2024-01-01', 'medium_term', '2'],
    ['t_weird', '2024-01-01', 'short_term', 2],
    ['t_weird', '2024-01-01', 'long_term', 3.0],
    ['t_json_nul', '2024-01-01', 'short_term', 3],
    ['t_dur_null', '2024-01-01', 'short_term', 4],
    ['t_plain', '2024-01-02 10:20:30', 'short_term', 4], // date and time: kept as 2024-01-02
    ['t_weird', '2024-01-03 08:00:00', 'short_term', 9], // duplicate once the time is dropped: rejected
    ['t_weird', '2024-01-03', 'short_term', 8], // the later row for the same key: kept
    ['t_plain', '2024-02-30', 'short_term', 1], // impossible date
    ['t_plain', '2024-13-01', 'short_term', 1],
    ['t_plain', 'yesterday', 'short_term', 1],
    ['t_plain', null, 'long_term', 1],
    ['t_plain', '2024-01-05', 'Short_Term', 1], // unknown range
    ['t_plain', '2024-01-05', 'weekly', 1],
    ['t_plain', '2024-01-06', 'short_term', 0], // rank < 1
    ['t_plain', '2024-01-07', 'short_term', 51], // rank > 50
    ['t_plain', '2024-01-08', 'short_term', 2.5], // not exact
    ['t_plain', '2024-01-09', 'short_term', 'first'],
    ['t_plain', '2024-01-10', 'short_term', null],
    ['ghost', '2024-01-01', 'short_term', 5], // track not in the file
    ['t_name_blob', '2024-01-01', 'short_term', 6], // its track was rejected
    [null, '2024-01-01', 'medium_term', 7],
  ];
  for (let i = 1; i <= 50; i++) snapshots.push([`g${i}`, '2024-03-01', 'short_term', i]);
  for (let i = 6; i <= 55; i++) snapshots.push([`g${i}`, '2024-03-01', 'short_term', i - 5]);
  return { tracks, snapshots };
}

/** Overwrites the file's last page with garbage, as a bad disk or a cut-off copy would. */
export function corruptLastPage(path: string): void {
  const size = statSync(path).size;
  const pageSize = 4096;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, size - pageSize);
  } finally {
    closeSync(fd);
  }
}

/**
 * Overwrites with garbage the first overflow page (a 4-byte link, then payload) whose payload
 * starts with `marker`: a value too big for its row's page, damaged where counting the rows
 * never looks, so the damage is found only once that row is read (or by SQLite's check).
 */
export function corruptOverflowPageOf(path: string, marker: string): void {
  const pageSize = 4096;
  const bytes = readFileSync(path);
  for (let at = pageSize; at < bytes.length; at += pageSize) {
    if (bytes.toString('latin1', at + 4, at + 4 + marker.length) !== marker) continue;
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, at);
    } finally {
      closeSync(fd);
    }
    return;
  }
  throw new Error(`no overflow page of ${path} starts with ${marker}`);
}

/**
 * For the tests of one file (or describe block): a temp folder made before them, holding the
 * dirty fixture as `dirtyFile` (music_time_machine.db), and removed after them. The paths are
 * set once the hooks have run, so read them inside tests and hooks.
 */
export function legacyFixtureDir(prefix: string): { readonly dir: string; readonly dirtyFile: string } {
  const paths = { dir: '', dirtyFile: '' };
  beforeAll(async () => {
    paths.dir = await mkdtemp(join(tmpdir(), prefix));
    paths.dirtyFile = join(paths.dir, 'music_time_machine.db');
    writeLegacyFile(paths.dirtyFile, dirtyLegacyData());
  });
  afterAll(() => rm(paths.dir, { recursive: true, force: true }));
  return paths;
}
