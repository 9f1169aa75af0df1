import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { exportLegacyFile } from '../../src/services/legacy/export.js';
import { importLegacyFile } from '../../src/services/legacy/import.js';
import { verifyLegacyImport } from '../../src/services/legacy/verify.js';
import { readArchive } from '../support/archive.js';
import { describeEachEngine, openTestDatabase } from '../support/databases.js';
import { legacyFixtureDir } from '../support/legacy-fixture.js';

const fixture = legacyFixtureDir('mtm-verify-');
const clock = fixedClock('2026-11-29T10:00:00Z');

describeEachEngine('legacy verify and export', ({ database, engine }) => {
  const db = () => database().db;
  const verify = (owner = 'vera', path = fixture.dirtyFile) => verifyLegacyImport(database().withBulkSession, { sourcePath: path, owner, clock });

  it('verify passes every check after an import', async () => {
    await importLegacyFile(database().withBulkSession, { sourcePath: fixture.dirtyFile, owner: 'vera', clock });
    const report = await verify();
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['owner exists', true],
      ['tracks: counts', true],
      ['tracks: content', true],
      ['snapshots: counts', true],
      ['snapshots: content', true],
      ['JSONB queryable', true],
      ['foreign keys intact', true],
      ['indexes present', true],
    ]);
    expect(report.ok).toBe(true);
    expect(report.tracks).toMatchObject({ read: 74, rejected: 6, expected: 68, present: 68, differing: 0 });
    expect(report.snapshots).toMatchObject({ read: 78, rejected: 15, expected: 63, present: 63, differing: 0 });
    expect(report.checks[3]!.detail).toBe('source 78 - rejected 15 = 63 expected; 63 in the database');
    expect(report.checks[5]!.detail).toBe('the release-year query returns 2 year(s)');
  });

  it('verify fails, saying what differs, when a row is missing or changed, and for an unknown owner', async () => {
    const user = await db().selectFrom('users').select('id').where('spotify_id', '=', 'vera').executeTakeFirstOrThrow();
    const original = await db().selectFrom('snapshots').selectAll().where('user_id', '=', user.id).where('track_id', '=', 't_plain').where('snapshot_date', '=', '2024-01-02').executeTakeFirstOrThrow();
    await db().deleteFrom('snapshots').where('user_id', '=', user.id).where('track_id', '=', 't_plain').where('snapshot_date', '=', '2024-01-02').execute();
    // What the owner imported (their own copy of the file's tracks, see visibleTracks).
    await db().updateTable('user_tracks').set({ name: 'Tampered' }).where('user_id', '=', user.id).where('track_id', '=', 'g7').execute();
    try {
      const report = await verify();
      expect(report.ok).toBe(false);
      const failed = report.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail.replace(/[0-9a-f]{32}/g, 'MD5')]);
      expect(failed).toEqual([
        ['tracks: content', '1 row(s) differ; checksum source MD5, database MD5'],
        ['snapshots: counts', 'source 78 - rejected 15 = 63 expected; 62 in the database'],
        ['snapshots: content', '0 row(s) differ; checksum source MD5, database MD5'],
      ]);
    } finally {
      await db().insertInto('snapshots').values(original).execute();
      await db().updateTable('user_tracks').set({ name: 'Song g7' }).where('user_id', '=', user.id).where('track_id', '=', 'g7').execute();
    }
    expect((await verify()).ok).toBe(true);
    const nobody = await verify('nobody-here');
    expect(nobody.ok).toBe(false);
    expect(nobody.checks[0]).toEqual({ name: 'owner exists', ok: false, detail: 'no user nobody-here in the database' });
  });

  it('export writes the legacy schema with everything the user has now; importing it reproduces the same archive', async () => {
    const user = await db().selectFrom('users').select('id').where('spotify_id', '=', 'vera').executeTakeFirstOrThrow();
    // Captured after the move: must be in the rollback file too.
    await replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-11-28', timeRange: 'long_term', trackIds: ['g3', 't_weird', 'g1'] });
    const out = join(fixture.dir, `export-${engine}.db`);
    const report = await exportLegacyFile(db(), { owner: 'vera', outPath: out });
    expect(report).toEqual({ owner: 'vera', path: out, tracks: 59, snapshots: 66 });

    const file = new Sqlite(out, { readonly: true });
    // What `sqlite3 OUT .schema` prints (sqlite_master in creation order): the tutorial's DDL.
    const schema = file.prepare('select sql from sqlite_master where sql is not null order by rowid').all().map((r) => `${(r as { sql: string }).sql};`);
    expect(schema.join('\n')).toBe(
      [
        'CREATE TABLE tracks (',
        '    track_id TEXT PRIMARY KEY,',
        '    name TEXT NOT NULL,',
        '    artist_name TEXT NOT NULL,',
        '    album_name TEXT,',
        '    duration_ms INTEGER,',
        '    spotify_url TEXT,',
        '    raw_json TEXT',
        ');',
        'CREATE TABLE snapshots (',
        '    track_id TEXT NOT NULL,',
        '    snapshot_date TEXT NOT NULL,',
        '    time_range TEXT NOT NULL,',
        '    rank INTEGER NOT NULL,',
        '    PRIMARY KEY (track_id, snapshot_date, time_range),',
        '    FOREIGN KEY (track_id) REFERENCES tracks(track_id)',
        ');',
      ].join('\n'),
    );
    // SQLite's own reading of it: NOT NULL, key columns and the foreign key.
    const columns = (table: string) =>
      (file.prepare(`select name, type, "notnull", pk from pragma_table_info('${table}') order by cid`).all() as Array<Record<string, unknown>>).map(
        (c) => `${c.name as string} ${c.type as string}${c.notnull ? ' NOT NULL' : ''}${c.pk ? ` pk${c.pk as number}` : ''}`,
      );
    expect(columns('tracks')).toEqual(['track_id TEXT pk1', 'name TEXT NOT NULL', 'artist_name TEXT NOT NULL', 'album_name TEXT', 'duration_ms INTEGER', 'spotify_url TEXT', 'raw_json TEXT']);
    expect(columns('snapshots')).toEqual(['track_id TEXT NOT NULL pk1', 'snapshot_date TEXT NOT NULL pk2', 'time_range TEXT NOT NULL pk3', 'rank INTEGER NOT NULL']);
    expect(file.prepare("select \"table\", \"from\", \"to\" from pragma_foreign_key_list('snapshots')").all()).toEqual([{ table: 'tracks', from: 'track_id', to: 'track_id' }]);
    expect(file.pragma('foreign_key_check')).toEqual([]);
    expect(file.prepare("select track_id, snapshot_date, time_range, rank from snapshots where snapshot_date = '2026-11-28' order by rank").all()).toEqual([
      { track_id: 'g3', snapshot_date: '2026-11-28', time_range: 'long_term', rank: 1 },
      { track_id: 't_weird', snapshot_date: '2026-11-28', time_range: 'long_term', rank: 2 },
      { track_id: 'g1', snapshot_date: '2026-11-28', time_range: 'long_term', rank: 3 },
    ]);
    file.close();
    await expect(exportLegacyFile(db(), { owner: 'vera', outPath: out })).rejects.toThrow(`"${out}" already exists; choose another name (or --force)`);

    // The export verifies against the database it came from...
    expect((await verify('vera', out)).ok).toBe(true);

    // ...and imported into an empty database gives the same archive, row for row.
    const fresh = await openTestDatabase(engine);
    try {
      const again = await importLegacyFile(fresh.withBulkSession, { sourcePath: out, owner: 'vera', clock });
      expect(again.tracks).toMatchObject({ read: 59, imported: 59, rejected: {}, rawJsonNull: {} });
      expect(again.snapshots).toMatchObject({ read: 66, imported: 66, rejected: {} });
      const referenced = sql<{ track_id: string }>`select distinct track_id from snapshots where user_id = ${user.id}`;
      const ids = (await referenced.execute(db())).rows.map((r) => r.track_id);
      const before = await readArchive(db(), user.id);
      const after = await readArchive(fresh.db, again.userId);
      expect(after.snapshots).toEqual(before.snapshots);
      expect(after.tracks).toEqual(before.tracks.filter((t) => ids.includes(t.track_id)));
    } finally {
      await fresh.close();
    }
    expect((await readFile(out)).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
