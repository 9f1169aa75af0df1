import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanTrack, corruptLastPage, corruptOverflowPageOf, dirtyLegacyData, legacyFixtureDir, trackJson, writeLegacyFile } from '../support/legacy-fixture.js';
import { runMtm } from '../support/cli.js';

/** The three legacy commands end to end, in-process, on an embedded database in a temp folder. */
const fixture = legacyFixtureDir('mtm-legacy-cli-');
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = { DATA_DIR: join(fixture.dir, 'data'), NODE_ENV: 'test' };
});

const mtm = (...argv: string[]) => runMtm(argv, env);

describe('mtm import-sqlite, verify, export-sqlite', () => {
  it('refuse bad calls and bad files with one readable line', async () => {
    expect(await mtm('import-sqlite', fixture.dirtyFile)).toEqual({
      code: 2,
      out: [],
      err: ['mtm import-sqlite: --owner SPOTIFY_USER_ID is required (the legacy file has no user column). Run `mtm import-sqlite --help`.'],
    });
    expect(await mtm('import-sqlite', fixture.dirtyFile, '--owner', 'alice', '--keep-constraints', '--rebuild-indexes')).toEqual({
      code: 2,
      out: [],
      err: ['mtm import-sqlite: choose one of --keep-constraints and --rebuild-indexes. Run `mtm import-sqlite --help`.'],
    });
    expect((await mtm('verify', '--owner', 'x')).err).toEqual(['mtm verify: say which file: mtm verify FILE --owner SPOTIFY_USER_ID. Run `mtm verify --help`.']);
    const text = join(fixture.dir, 'notes.txt');
    await writeFile(text, 'not a database');
    expect(await mtm('import-sqlite', text, '--owner', 'alice')).toEqual({
      code: 1,
      out: [],
      err: [`mtm import-sqlite: "${text}" is not an SQLite database (a Music Time Machine file is the app's music_time_machine.db)`],
    });
    expect((await mtm('import-sqlite', fixture.dirtyFile, '--owner', 'two words')).err).toEqual([
      'mtm import-sqlite: "two words" is not a Spotify user id (one word, as in open.spotify.com/user/ID)',
    ]);
    expect((await mtm('export-sqlite', join(fixture.dir, 'x.db'), '--owner', 'ghost')).err).toEqual(['mtm export-sqlite: no user ghost in the database']);
  }, 60_000);

  it('an unwritable --rejects path fails before the import starts, with one line; nothing is written', async () => {
    expect(await mtm('import-sqlite', fixture.dirtyFile, '--owner', 'rejects-nowhere', '--rejects', '/nonexistent/x.jsonl')).toEqual({
      code: 1,
      out: [],
      err: ['mtm import-sqlite: cannot write the rejects file /nonexistent/x.jsonl: its folder does not exist'],
    });
    expect((await mtm('export-sqlite', join(fixture.dir, 'none.db'), '--owner', 'rejects-nowhere')).err).toEqual(['mtm export-sqlite: no user rejects-nowhere in the database']);
  }, 60_000);

  it('a damaged file (a corrupted page) is refused with one line, and creates no user', async () => {
    const damaged = join(fixture.dir, 'damaged.db');
    writeLegacyFile(damaged, dirtyLegacyData());
    corruptLastPage(damaged);
    const rejects = join(fixture.dir, 'damaged-rejects.jsonl');
    const result = await mtm('import-sqlite', damaged, '--owner', 'damaged-owner', '--rejects', rejects);
    expect(result).toEqual({
      code: 1,
      out: [],
      err: [`mtm import-sqlite: "${damaged}" is damaged (SQLite's check says: Tree 2 page 10: btreeInitPage() returns error code 11). Nothing was imported; copy the file again from the original.`],
    });
    expect((await mtm('export-sqlite', join(fixture.dir, 'none.db'), '--owner', 'damaged-owner')).err).toEqual(['mtm export-sqlite: no user damaged-owner in the database']);
    await expect(readFile(`${rejects}.partial`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(rejects)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('a file damaged where only reading its tracks finds it: the same refusal, nothing written', async () => {
    // The import reads the tracks while SQLite's check of the whole file still runs; reading the
    // damaged row fails first, and the check's finding is what the user is told.
    const damaged = join(fixture.dir, 'damaged-track.db');
    const filler = 'z'.repeat(12_000);
    writeLegacyFile(damaged, {
      tracks: [cleanTrack('big', { 6: trackJson('big', { filler }) }), cleanTrack('small')],
      snapshots: [['big', '2025-01-01', 'short_term', 1], ['small', '2025-01-01', 'short_term', 2]],
    });
    corruptOverflowPageOf(damaged, filler.slice(0, 64));
    const rejects = join(fixture.dir, 'damaged-track-rejects.jsonl');
    const result = await mtm('import-sqlite', damaged, '--owner', 'damaged-track-owner', '--rejects', rejects);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(new RegExp(`^mtm import-sqlite: "${damaged.replace(/[/.]/g, '\\$&')}" is damaged \\(SQLite's check says: .+\\)\\. Nothing was imported; copy the file again from the original\\.$`));
    expect((await mtm('export-sqlite', join(fixture.dir, 'none.db'), '--owner', 'damaged-track-owner')).err).toEqual(['mtm export-sqlite: no user damaged-track-owner in the database']);
    await expect(readFile(rejects)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('import prints the per-table report and writes the rejects file; verify and export then succeed', async () => {
    const rejects = join(fixture.dir, 'rejects.jsonl');
    const imported = await mtm('import-sqlite', fixture.dirtyFile, '--owner', 'alice', '--rejects', rejects);
    expect(imported.err).toEqual([]);
    expect(imported.code).toBe(0);
    expect(imported.out[0]).toBe(`database: ${join(fixture.dir, 'data')}`);
    expect(imported.out[1]).toMatch(new RegExp(`^${fixture.dirtyFile.replace(/[/.]/g, '\\$&')} -> alice's archive \\(import run 1\\) in \\d+\\.\\d s$`));
    expect(imported.out.slice(2, 5).map((l) => l.replace(/\s+(\d+\.\d s|time)$/, ''))).toEqual([
      'table      read  imported  already present  rejected',
      'tracks       74        68                0         6',
      'snapshots    78        63                0        15',
    ]);
    expect(imported.out).toContain('  snapshots  track_missing            1');
    expect(imported.out.at(-1)).toBe(`rejected rows with their original values: ${rejects}`);
    expect((await readFile(rejects, 'utf8')).trim().split('\n')).toHaveLength(26);

    const verified = await mtm('verify', fixture.dirtyFile, '--owner', 'alice', '--json');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out[0]!)).toMatchObject({ ok: true, owner: 'alice' });

    const out = join(fixture.dir, 'rollback.db');
    expect(await mtm('export-sqlite', out, '--owner', 'alice')).toEqual({
      code: 0,
      out: [`database: ${join(fixture.dir, 'data')}`, `wrote ${out}: 59 tracks, 63 snapshot rows of alice's archive`],
      err: [],
    });
    expect((await mtm('export-sqlite', out, '--owner', 'alice')).code).toBe(1);
    expect((await mtm('verify', out, '--owner', 'alice')).out.at(-1)).toBe(`verified: ${out} is fully in alice's archive`);
    expect((await mtm('verify', fixture.dirtyFile, '--owner', 'bob')).code).toBe(1);
  }, 120_000);
});
