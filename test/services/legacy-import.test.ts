import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { listImportRuns } from '../../src/repositories/import-runs.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { importLegacyFile } from '../../src/services/legacy/import.js';
import { openFileRejectSink, type RejectEntry } from '../../src/services/legacy/rejects.js';
import { describeEachEngine } from '../support/databases.js';
import { cleanTrack, dirtyLegacyData, legacyFixtureDir, UNTYPED_SCHEMA, WEIRD_TEXT, writeLegacyFile, type LegacySnapshotInput } from '../support/legacy-fixture.js';
import { readArchive } from '../support/archive.js';

const fixture = legacyFixtureDir('mtm-legacy-');
/** The dirty file without its two 'YYYY-MM-DD HH:MM:SS' rows: every other dirty case, and no key can repeat. */
let noTimesFile: string;
const isDateWithTime = (value: unknown) => typeof value === 'string' && value.length > 10;
beforeAll(() => {
  noTimesFile = join(fixture.dir, 'no-times.db');
  const data = dirtyLegacyData();
  writeLegacyFile(noTimesFile, { ...data, snapshots: data.snapshots.filter((row) => !isDateWithTime(row[1])) });
});

const clock = fixedClock('2026-11-29T10:00:00Z');
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Every snapshot row the dirty file must produce, sorted like readArchive sorts them. */
function expectedSnapshots() {
  const rows: Array<[string, string, string, number]> = [
    ['t_plain', '2024-01-01', 'short_term', 1],
    ['t_plain', '2024-01-01', 'medium_term', 2],
    ['t_weird', '2024-01-01', 'short_term', 2],
    ['t_weird', '2024-01-01', 'long_term', 3],
    ['t_json_nul', '2024-01-01', 'short_term', 3],
    ['t_dur_null', '2024-01-01', 'short_term', 4],
    ['t_plain', '2024-01-02', 'short_term', 4],
    ['t_weird', '2024-01-03', 'short_term', 8],
  ];
  for (let i = 1; i <= 5; i++) rows.push([`g${i}`, '2024-03-01', 'short_term', i]);
  for (let i = 6; i <= 55; i++) rows.push([`g${i}`, '2024-03-01', 'short_term', i - 5]);
  return rows
    .map(([track_id, snapshot_date, time_range, rank]) => ({ track_id, snapshot_date, time_range, rank }))
    .sort((a, b) => byKey(a, b));
}

function byKey(a: { time_range: string; snapshot_date: string; track_id: string }, b: typeof a): number {
  const ka = `${a.time_range}|${a.snapshot_date}|${a.track_id}`;
  const kb = `${b.time_range}|${b.snapshot_date}|${b.track_id}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const EXPECTED_TRACK_REJECTS = {
  invalid_duration_ms: 2,
  not_text: 1,
  nul_character: 1,
  missing_value: 1,
  missing_track_id: 1,
};
const EXPECTED_RAW_JSON_NULL = { raw_json_invalid: 1, raw_json_not_object: 2, raw_json_nul_escape: 1, raw_json_lone_surrogate: 1 };
const EXPECTED_SNAPSHOT_REJECTS = {
  invalid_snapshot_date: 4,
  invalid_time_range: 2,
  rank_out_of_range: 2,
  invalid_rank: 3,
  missing_track_id: 1,
  track_missing: 1,
  track_rejected: 1,
  duplicate_key: 1,
};

/**
 * What a rebuild must put back: the snapshots table's constraints and indexes as definitions, its
 * triggers with their enabled state, and the search indexes' settings (fastupdate off).
 */
function snapshotsKeysAndIndexes(db: Kysely<DB>) {
  return sql<{ def: string }>`
    select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'snapshots'::regclass
    union all select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'snapshots'::regclass
    union all select 'trigger ' || tgname || ' ' || tgenabled::text from pg_trigger where tgrelid = 'snapshots'::regclass and not tgisinternal
    union all select 'index ' || relname || ' ' || coalesce(array_to_string(reloptions, ','), '') from pg_class
      where relkind = 'i' and relname like 'archive\_tracks\_%'
    order by 1`.execute(db);
}

/** A user's search rows (archive_tracks) without the user, and their archive version. */
async function searchRowsAndVersion(db: Kysely<DB>, userId: number) {
  const rows = await sql<{ row: string }>`
    select concat_ws(' | ', track_id, name, search_text, search_vector::text, replace(search_keys::text, ${`${userId}/`}, '')) as row
    from archive_tracks where user_id = ${userId} order by track_id`.execute(db);
  const version = await sql<{ version: string }>`select version::text from archive_versions where user_id = ${userId}`.execute(db);
  return { rows: rows.rows.map((r) => r.row), version: version.rows[0]?.version };
}

describeEachEngine('legacy import', ({ database }) => {
  const db = () => database().db;

  it('imports exactly the clean rows, converts loose types, and rejects each dirty row with its reason', async () => {
    const before = await stat(fixture.dirtyFile);
    const hashBefore = await sha(fixture.dirtyFile);
    const rejectsPath = join(fixture.dir, `rejects-${database().engine}.jsonl`);
    const report = await importLegacyFile(database().withBulkSession, {
      sourcePath: fixture.dirtyFile,
      owner: 'alice',
      clock,
      rejects: await openFileRejectSink(rejectsPath),
    });

    expect(report).toMatchObject({
      owner: 'alice',
      dryRun: false,
      sourceSha256: hashBefore,
      tracks: { read: 74, imported: 68, alreadyPresent: 0, alreadyPresentDiffering: 0, rejected: EXPECTED_TRACK_REJECTS, rawJsonNull: EXPECTED_RAW_JSON_NULL },
      snapshots: { read: 78, imported: 63, alreadyPresent: 0, alreadyPresentDiffering: 0, rejected: EXPECTED_SNAPSHOT_REJECTS },
    });

    // The owner exists now, so their first login finds the history.
    const user = await findUserBySpotifyId(db(), 'alice');
    expect(user?.id).toBe(report.userId);

    const archive = await readArchive(db(), report.userId);
    expect(archive.snapshots).toEqual(expectedSnapshots());
    const byId = new Map(archive.tracks.map((t) => [t.track_id, t]));
    expect([...byId.keys()].sort()).toEqual(
      [
        't_plain', 't_weird', 't_dur_real_exact', 't_dur_text', 't_dur_null', 't_json_empty', 't_json_null', 't_json_invalid',
        't_json_array', 't_json_string', 't_json_nul', 't_json_surrogate', 't_unused',
        ...Array.from({ length: 55 }, (_, i) => `g${i + 1}`),
      ].sort(),
    );
    // Text arrives byte-identical: tabs, newlines, backslashes, quotes, emoji, right-to-left.
    expect(byId.get('t_weird')).toMatchObject({ name: WEIRD_TEXT, artist_name: 'مرحبا فرقة & Björk', album_name: 'Album\twith\\tab', duration_ms: 187000, spotify_url: null });
    expect(byId.get('t_weird')!.raw_json).toEqual({ id: 't_weird', name: WEIRD_TEXT, album: { release_date: '1999' } });
    expect(byId.get('t_dur_real_exact')!.duration_ms).toBe(215000);
    expect(byId.get('t_dur_text')!.duration_ms).toBe(215000);
    expect(byId.get('t_dur_null')!.duration_ms).toBeNull();
    for (const id of ['t_json_empty', 't_json_null', 't_json_invalid', 't_json_array', 't_json_string', 't_json_nul', 't_json_surrogate']) {
      expect(byId.get(id)!.raw_json, id).toBeNull();
    }
    expect(byId.get('t_plain')).toEqual({
      track_id: 't_plain',
      name: 'Song t_plain',
      artist_name: 'Artist t_plain',
      album_name: 'Album t_plain',
      duration_ms: 200000,
      spotify_url: 'https://open.spotify.com/track/t_plain',
      raw_json: { id: 't_plain', name: 'Song t_plain', artists: [{ name: 'Artist t_plain' }], album: { name: 'Album t_plain', release_date: '2019-05-01' }, explicit: false },
    });

    // The rejects file: one line per reject, with the original values.
    const lines = (await readFile(rejectsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RejectEntry);
    const summary = lines.map((l) => `${l.table} ${JSON.stringify(l.key)} ${l.reason} ${l.action}`);
    expect(summary).toEqual([
      'tracks {"track_id":"t_dur_fraction"} invalid_duration_ms rejected',
      'tracks {"track_id":"t_dur_word"} invalid_duration_ms rejected',
      'tracks {"track_id":"t_json_invalid"} raw_json_invalid kept_raw_json_null',
      'tracks {"track_id":"t_json_array"} raw_json_not_object kept_raw_json_null',
      'tracks {"track_id":"t_json_string"} raw_json_not_object kept_raw_json_null',
      'tracks {"track_id":"t_json_nul"} raw_json_nul_escape kept_raw_json_null',
      'tracks {"track_id":"t_json_surrogate"} raw_json_lone_surrogate kept_raw_json_null',
      'tracks {"track_id":"t_name_blob"} not_text rejected',
      'tracks {"track_id":"t_name_nul"} nul_character rejected',
      'tracks {"track_id":"t_artist_empty"} missing_value rejected',
      'tracks {"track_id":null} missing_track_id rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-02-30","time_range":"short_term"} invalid_snapshot_date rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-13-01","time_range":"short_term"} invalid_snapshot_date rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"yesterday","time_range":"short_term"} invalid_snapshot_date rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":null,"time_range":"long_term"} invalid_snapshot_date rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-05","time_range":"Short_Term"} invalid_time_range rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-05","time_range":"weekly"} invalid_time_range rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-06","time_range":"short_term"} rank_out_of_range rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-07","time_range":"short_term"} rank_out_of_range rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-08","time_range":"short_term"} invalid_rank rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-09","time_range":"short_term"} invalid_rank rejected',
      'snapshots {"track_id":"t_plain","snapshot_date":"2024-01-10","time_range":"short_term"} invalid_rank rejected',
      'snapshots {"track_id":null,"snapshot_date":"2024-01-01","time_range":"medium_term"} missing_track_id rejected',
      'snapshots {"track_id":"t_weird","snapshot_date":"2024-01-03 08:00:00","time_range":"short_term"} duplicate_key rejected',
      'snapshots {"track_id":"ghost","snapshot_date":"2024-01-01","time_range":"short_term"} track_missing rejected',
      'snapshots {"track_id":"t_name_blob","snapshot_date":"2024-01-01","time_range":"short_term"} track_rejected rejected',
    ]);
    expect(lines.find((l) => l.key.track_id === 't_name_blob' && l.table === 'tracks')!.values.name).toEqual({ blob_hex: 'dead' });
    expect(lines.find((l) => l.reason === 'raw_json_nul_escape')!.values.raw_json).toBe('{"id": "t_json_nul", "name": "a\\u0000b"}');
    expect(lines.find((l) => l.reason === 'rank_out_of_range' && l.key.snapshot_date === '2024-01-07')).toMatchObject({
      column: 'rank',
      detail: '51 is outside 1..50',
      values: { track_id: 't_plain', snapshot_date: '2024-01-07', time_range: 'short_term', rank: 51 },
    });

    // The run is recorded; the source file is untouched.
    const runs = await listImportRuns(db(), report.userId);
    expect(runs.map((r) => [r.status, r.source_sha256, r.source_name])).toEqual([['succeeded', hashBefore, 'music_time_machine.db']]);
    expect(runs[0]!.counts).toMatchObject({ tracks: { imported: 68 }, snapshots: { imported: 63 } });
    // Both times come from the import's clock.
    expect([runs[0]!.started_at, runs[0]!.finished_at]).toEqual([clock.now(), clock.now()]);
    expect(await sha(fixture.dirtyFile)).toBe(hashBefore);
    expect((await stat(fixture.dirtyFile)).mtimeMs).toBe(before.mtimeMs);

    // JSONB is queryable: the dashboard's release-year query.
    const years = await sql<{ year: string; n: number }>`
      select left(t.raw_json->'album'->>'release_date', 4) as year, count(distinct t.track_id)::int as n
      from snapshots s join tracks t using (track_id)
      where s.user_id = ${report.userId} and t.raw_json->'album'->>'release_date' is not null
      group by 1 order by 1`.execute(db());
    expect(years.rows).toEqual([{ year: '1999', n: 1 }, { year: '2019', n: 57 }]);
  });

  it('a rerun of the same file changes nothing and reports everything as already present', async () => {
    const user = (await findUserBySpotifyId(db(), 'alice'))!;
    const before = await readArchive(db(), user.id, { withTimestamps: true });
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'alice', clock });
    expect(report.tracks).toMatchObject({ imported: 0, alreadyPresent: 68, alreadyPresentDiffering: 0 });
    expect(report.snapshots).toMatchObject({ imported: 0, alreadyPresent: 63, alreadyPresentDiffering: 0 });
    expect(await readArchive(db(), user.id, { withTimestamps: true })).toEqual(before);
    expect((await listImportRuns(db(), user.id)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('an import that fails part-way leaves no user it created (an existing owner keeps their failed run)', async () => {
    const failAtStaged = (name: string) => {
      if (name === 'staged') throw new Error('stopped on purpose');
    };
    await expect(
      importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'fails-new', clock, checkpoint: failAtStaged }),
    ).rejects.toThrow('the import failed and nothing was imported: stopped on purpose');
    expect(await findUserBySpotifyId(db(), 'fails-new')).toBeUndefined();

    const alice = (await findUserBySpotifyId(db(), 'alice'))!;
    await expect(importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'alice', clock, checkpoint: failAtStaged })).rejects.toThrow(
      'stopped on purpose',
    );
    expect((await findUserBySpotifyId(db(), 'alice'))?.id).toBe(alice.id);
    expect((await listImportRuns(db(), alice.id)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed']);
  });

  it('the rebuild load (large imports) gives the same rows and puts back every index and foreign key', async () => {
    const schema = () => snapshotsKeysAndIndexes(db());
    const before = (await schema()).rows;
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'rebuilder', clock, constraints: 'rebuild' });
    expect(report).toMatchObject({ snapshotLoad: 'rebuilt-indexes', snapshots: { imported: 63, rejected: EXPECTED_SNAPSHOT_REJECTS }, tracks: { imported: 68, alreadyPresent: 0 } });
    expect((await readArchive(db(), report.userId)).snapshots).toEqual(expectedSnapshots());
    expect((await schema()).rows).toEqual(before);
    expect(before.map((r) => r.def)).toEqual(
      expect.arrayContaining([
        'FOREIGN KEY (track_id) REFERENCES tracks(track_id)',
        'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
        'PRIMARY KEY (user_id, snapshot_date, time_range, track_id)',
        'CREATE INDEX snapshots_user_track_date_idx ON public.snapshots USING btree (user_id, track_id, snapshot_date)',
        'CREATE UNIQUE INDEX snapshots_pkey ON public.snapshots USING btree (user_id, snapshot_date, time_range, track_id)',
      ]),
    );
    // A second run, now row by row against the rebuilt indexes, finds everything present.
    const again = await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'rebuilder', clock, constraints: 'rebuild' });
    expect(again.snapshots).toMatchObject({ imported: 0, alreadyPresent: 63 });
  });

  it('a large first import COPYs snapshots straight into the table: same rows, counts and rejects file as the staged load', async () => {
    const schema = () => snapshotsKeysAndIndexes(db());
    const schemaBefore = (await schema()).rows;
    const run = async (owner: string, constraints: 'keep' | 'rebuild', rejectsPath?: string) =>
      importLegacyFile(database().withBulkSession, {
        sourcePath: noTimesFile,
        owner,
        clock,
        constraints,
        ...(rejectsPath && { rejects: await openFileRejectSink(rejectsPath) }),
      });
    const stagedRejects = join(fixture.dir, `staged-${database().engine}.jsonl`);
    const directRejects = join(fixture.dir, `direct-${database().engine}.jsonl`);
    const staged = await run('staged-dora', 'keep', stagedRejects);
    const direct = await run('direct-dora', 'rebuild', directRejects);

    expect(staged.snapshotLoad).toBe('row-by-row');
    expect(direct.snapshotLoad).toBe('direct-copy');
    const { duplicate_key: _none, ...rejectedWithoutDuplicates } = EXPECTED_SNAPSHOT_REJECTS;
    expect(direct.snapshots).toEqual({ read: 76, imported: 62, alreadyPresent: 0, alreadyPresentDiffering: 0, rejected: rejectedWithoutDuplicates, ms: direct.snapshots.ms });
    expect(staged.snapshots).toEqual({ ...direct.snapshots, ms: staged.snapshots.ms });
    // Track counts are per owner (each importer gets their own copy of the file's tracks).
    expect(direct.tracks).toEqual({ ...staged.tracks, imported: 68, alreadyPresent: 0, ms: direct.tracks.ms });

    const expected = expectedSnapshots().filter((r) => !(r.track_id === 't_plain' && r.snapshot_date === '2024-01-02'));
    expect((await readArchive(db(), direct.userId)).snapshots).toEqual(expected);
    expect((await readArchive(db(), staged.userId)).snapshots).toEqual(expected);
    // Same reject lines in the same order, down to the byte.
    const directLines = await readFile(directRejects, 'utf8');
    expect(directLines.trim().split('\n')).toHaveLength(25);
    expect(directLines).toBe(await readFile(stagedRejects, 'utf8'));
    // The key, the track index and both foreign keys are back; so are the insert triggers the
    // direct load switched off, and the search indexes' fastupdate=off.
    expect((await schema()).rows).toEqual(schemaBefore);
    expect(schemaBefore.map((r) => r.def)).toEqual(
      expect.arrayContaining([
        'trigger snapshots_insert_archive_tracks O',
        'trigger snapshots_insert_bumps_version O',
        'index archive_tracks_search_keys_idx fastupdate=off',
        'index archive_tracks_search_text_trgm_idx fastupdate=off',
      ]),
    );
    // The direct load adds the search rows and the version step itself: the same as the
    // triggers give the staged load, one row per distinct track of the 62 rows loaded.
    const directSearch = await searchRowsAndVersion(db(), direct.userId);
    expect(directSearch).toEqual(await searchRowsAndVersion(db(), staged.userId));
    expect(directSearch.version).toBe('1');
    expect(directSearch.rows).toHaveLength(new Set(expected.map((r) => r.track_id)).size);

    // Once the owner has snapshots, a rebuild stages them again (it must skip what is present).
    const again = await run('direct-dora', 'rebuild');
    expect(again.snapshotLoad).toBe('rebuilt-indexes');
    expect(again.snapshots).toMatchObject({ imported: 0, alreadyPresent: 62 });
    // A file whose dates carry times can make two rows one key: it is always staged.
    const withTimes = await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'timed-dora', clock, constraints: 'rebuild' });
    expect(withTimes.snapshotLoad).toBe('rebuilt-indexes');
  });

  it('a direct load of clean chunks and a dirty one gives the staged load\'s archive, counts and rejects', async () => {
    // 12,000 clean rows (80 days x 3 ranges x ranks 1..50), with the dirty file's rows placed
    // inside the second chunk of 5,000: chunks 1 and 3 go out as SQLite built them, chunk 2 row by
    // row, and the last chunk is partial. The last ten days have 50 tracks of their own, so only
    // the clean chunk 3 brings them (their search rows come from what it collected).
    const dirty = dirtyLegacyData();
    const ids = Array.from({ length: 100 }, (_, i) => `clean${String(i).padStart(2, '0')}`);
    const clean: LegacySnapshotInput[] = [];
    for (let day = 0; day < 80; day++) {
      const date = new Date(Date.UTC(2020, 0, 1 + day)).toISOString().slice(0, 10);
      const dayIds = day < 70 ? ids.slice(0, 50) : ids.slice(50);
      for (const range of ['short_term', 'medium_term', 'long_term']) dayIds.forEach((id, i) => clean.push([id, date, range, i + 1]));
    }
    const dirtyRows = dirty.snapshots.filter((row) => !isDateWithTime(row[1]));
    const file = join(fixture.dir, `mixed-${database().engine}.db`);
    writeLegacyFile(file, { tracks: [...dirty.tracks, ...ids.map((id) => cleanTrack(id))], snapshots: [...clean.slice(0, 7000), ...dirtyRows, ...clean.slice(7000)] });
    const run = async (owner: string, constraints: 'keep' | 'rebuild') => {
      const rejectsPath = join(fixture.dir, `mixed-${owner}-${database().engine}.jsonl`);
      const report = await importLegacyFile(database().withBulkSession, { sourcePath: file, owner, clock, constraints, rejects: await openFileRejectSink(rejectsPath) });
      return { report, rejects: await readFile(rejectsPath, 'utf8'), archive: (await readArchive(db(), report.userId)).snapshots, search: await searchRowsAndVersion(db(), report.userId) };
    };
    const staged = await run('mixed-staged', 'keep');
    const direct = await run('mixed-direct', 'rebuild');

    expect(direct.report.snapshotLoad).toBe('direct-copy');
    expect(direct.report.snapshots).toEqual({ ...staged.report.snapshots, ms: direct.report.snapshots.ms });
    expect(direct.report.snapshots.imported).toBe(12_000 + 62);
    expect(direct.archive).toEqual(staged.archive);
    expect(direct.archive).toHaveLength(12_062);
    expect(direct.rejects.trim().split('\n')).toHaveLength(25);
    expect(direct.rejects).toBe(staged.rejects);
    expect(direct.search).toEqual(staged.search);
    expect(direct.search.rows).toHaveLength(100 + 59);
  });

  it('a direct load refuses blobs whose bytes read as clean values, as the staged load does', async () => {
    // SQLite would join each blob's bytes into its line as text: 'b2', '2024-01-02', a range, '2'.
    const file = join(fixture.dir, `blobs-${database().engine}.db`);
    writeLegacyFile(file, {
      tracks: [cleanTrack('b1'), cleanTrack('b2')],
      snapshots: [
        ['b1', '2024-01-01', 'short_term', 1],
        [Buffer.from('b2'), '2024-01-01', 'short_term', 2],
        ['b2', Buffer.from('2024-01-02'), 'short_term', 2],
        ['b2', '2024-01-03', Buffer.from('short_term'), 2],
        ['b2', '2024-01-04', 'short_term', Buffer.from('2')],
        ['b2', '2024-01-05', 'short_term', 3],
      ],
    });
    const run = async (owner: string, constraints: 'keep' | 'rebuild') => {
      const rejectsPath = join(fixture.dir, `blobs-${owner}-${database().engine}.jsonl`);
      const report = await importLegacyFile(database().withBulkSession, { sourcePath: file, owner, clock, constraints, rejects: await openFileRejectSink(rejectsPath) });
      return { report, rejects: await readFile(rejectsPath, 'utf8'), archive: (await readArchive(db(), report.userId)).snapshots };
    };
    const staged = await run('blobs-staged', 'keep');
    const direct = await run('blobs-direct', 'rebuild');
    expect(direct.report.snapshotLoad).toBe('direct-copy');
    expect(direct.report.snapshots).toEqual({ ...staged.report.snapshots, ms: direct.report.snapshots.ms });
    expect(direct.report.snapshots.imported).toBe(2);
    expect(direct.archive).toEqual(staged.archive);
    expect(direct.rejects).toBe(staged.rejects);
    expect(direct.rejects.trim().split('\n')).toHaveLength(4);
  });

  it('a direct-copy dry run counts the same and writes nothing', async () => {
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: noTimesFile, owner: 'dry-dora', clock, constraints: 'rebuild', dryRun: true });
    expect(report).toMatchObject({ dryRun: true, runId: null, snapshotLoad: 'direct-copy', snapshots: { imported: 62, alreadyPresent: 0 } });
    expect(await findUserBySpotifyId(db(), 'dry-dora')).toBeUndefined();
    const orphans = await sql<{ n: number }>`
      select count(*)::int as n from snapshots s where not exists (select 1 from users u where u.id = s.user_id)`.execute(db());
    expect(orphans.rows[0]!.n).toBe(0);
  });

  it('--dry-run reports the same figures and writes nothing, not even the owner', async () => {
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'dry-bob', clock, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, runId: null, tracks: { rejected: EXPECTED_TRACK_REJECTS }, snapshots: { imported: 63, rejected: EXPECTED_SNAPSHOT_REJECTS } });
    expect(await findUserBySpotifyId(db(), 'dry-bob')).toBeUndefined();
  });

  it('converts text and real values SQLite kept in untyped columns when exact, and rejects the rest', async () => {
    const file = join(fixture.dir, `untyped-${database().engine}.db`);
    writeLegacyFile(file, {
      schema: UNTYPED_SCHEMA,
      tracks: [cleanTrack('u_text', { 4: '215000' }), cleanTrack('u_real', { 4: 215000.0 }), cleanTrack('u_spaces', { 4: ' 180000 ' }), cleanTrack('u_bad', { 4: '215000.5' })],
      snapshots: [
        ['u_text', '2025-05-05', 'short_term', '7'],
        ['u_real', '2025-05-05', 'short_term', 8.0],
        ['u_text', '2025-05-06', 'short_term', '7.5'],
        ['u_text', '2025-05-07', 'short_term', 'seven'],
      ],
    });
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: file, owner: 'untyped', clock });
    expect(report.tracks).toMatchObject({ imported: 3, rejected: { invalid_duration_ms: 1 } });
    expect(report.snapshots).toMatchObject({ imported: 2, rejected: { invalid_rank: 2 } });
    const archive = await readArchive(db(), report.userId, { trackIdLike: 'u\\_%' });
    expect(archive.tracks.map((t) => [t.track_id, t.duration_ms])).toEqual([['u_real', 215000], ['u_spaces', 180000], ['u_text', 215000]]);
    expect(archive.snapshots).toEqual([
      { track_id: 'u_text', snapshot_date: '2025-05-05', time_range: 'short_term', rank: 7 },
      { track_id: 'u_real', snapshot_date: '2025-05-05', time_range: 'short_term', rank: 8 },
    ].sort(byKey));
  });

  it('an untyped key that SQLite keeps apart but text joins (5 and \'5\') is a reported duplicate, not a failed rebuild', async () => {
    const file = join(fixture.dir, `untyped-key-${database().engine}.db`);
    writeLegacyFile(file, {
      schema: UNTYPED_SCHEMA,
      tracks: [[5, 'Five, integer id', 'A', null, 1000, null, null], ['5', 'Five, text id', 'A', null, 1000, null, null]],
      snapshots: [[5, '2025-06-01', 'short_term', 1], ['5', '2025-06-01', 'short_term', 2]],
    });
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: file, owner: 'untyped-key', clock, constraints: 'rebuild' });
    expect(report).toMatchObject({
      snapshotLoad: 'rebuilt-indexes',
      tracks: { imported: 1, rejected: { duplicate_key: 1 } },
      snapshots: { imported: 1, rejected: { duplicate_key: 1 } },
    });
    // The later row of each pair wins, as the tutorial's INSERT OR REPLACE would have.
    const archive = await readArchive(db(), report.userId, { trackIdLike: '5' });
    expect(archive.snapshots).toEqual([{ track_id: '5', snapshot_date: '2025-06-01', time_range: 'short_term', rank: 2 }]);
    expect(archive.tracks.map((t) => t.name)).toEqual(['Five, text id']);
  });

  it('a track id the file holds twice is a reported duplicate on the direct load too (the later row wins)', async () => {
    // Untyped track ids (5 and '5') with the tutorial's snapshot key: the snapshots can load
    // directly, and the tracks' duplicate is noticed from the ids collected while staging.
    const file = join(fixture.dir, `twice-${database().engine}.db`);
    writeLegacyFile(file, {
      schema: `CREATE TABLE tracks (track_id PRIMARY KEY, name NOT NULL, artist_name NOT NULL, album_name, duration_ms, spotify_url, raw_json);
               CREATE TABLE snapshots (track_id TEXT, snapshot_date TEXT, time_range TEXT, rank INTEGER, PRIMARY KEY (track_id, snapshot_date, time_range));`,
      tracks: [[5, 'Five, integer id', 'A', null, 1000, null, null], ['5', 'Five, text id', 'A', null, 1000, null, null]],
      snapshots: [['5', '2025-06-01', 'short_term', 1]],
    });
    const report = await importLegacyFile(database().withBulkSession, { sourcePath: file, owner: 'twice', clock, constraints: 'rebuild' });
    expect(report).toMatchObject({ snapshotLoad: 'direct-copy', tracks: { imported: 1, rejected: { duplicate_key: 1 } }, snapshots: { imported: 1, rejected: {} } });
    expect((await readArchive(db(), report.userId, { trackIdLike: '5' })).tracks.map((t) => t.name)).toEqual(['Five, text id']);
  });

  it('refuses a file that is not SQLite, or lacks the tables, naming what is missing', async () => {
    const notSqlite = join(fixture.dir, 'notes.txt');
    await writeFile(notSqlite, 'hello, this is not a database at all');
    const run = (path: string) => importLegacyFile(database().withBulkSession, { sourcePath: path, owner: 'carol', clock });
    await expect(run(notSqlite)).rejects.toThrow(`"${notSqlite}" is not an SQLite database (a Music Time Machine file is the app's music_time_machine.db)`);
    await expect(run(join(fixture.dir, 'nope.db'))).rejects.toThrow(`no file at "${join(fixture.dir, 'nope.db')}"`);

    const wrong = join(fixture.dir, `wrong-${database().engine}.db`);
    writeLegacyFile(wrong, { schema: 'CREATE TABLE tracks (track_id TEXT PRIMARY KEY, name TEXT);', tracks: [], snapshots: [] });
    await expect(run(wrong)).rejects.toThrow(
      'not a Music Time Machine file: table "tracks" lacks columns artist_name, album_name, duration_ms, spotify_url, raw_json; table "snapshots" is missing',
    );
    expect(await findUserBySpotifyId(db(), 'carol')).toBeUndefined();
  });
});
