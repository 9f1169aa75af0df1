import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, openEmbedded, type Database } from '../../src/db/database.js';
import { listImportRuns } from '../../src/repositories/import-runs.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { readArchive } from '../support/archive.js';
import { ENGINES, type Engine } from '../support/databases.js';
import { cleanTrack, dirtyLegacyData, writeLegacyFile } from '../support/legacy-fixture.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';

/**
 * Kill the real CLI (SIGKILL, from inside, at named points of the import) and run it again:
 * the database must end exactly as after one uninterrupted run.
 */
const BIN = fileURLToPath(new URL('../../bin/mtm.js', import.meta.url));
const KILL_POINTS = ['tracks-chunk-1', 'snapshots-chunk-2', 'staged', 'before-commit', 'committed'];
/** Each embedded run starts a fresh PGlite (slow): there, the points that differ most. */
const PGLITE_KILL_POINTS = ['snapshots-chunk-2', 'before-commit'];

/**
 * Both ways snapshots land: staged (the dirty file has dates with times, so keys must be checked
 * across rows) and COPY'd straight into the table (the same file without those two rows, with the
 * indexes rebuilt, into an empty archive).
 */
const MODES = [
  { load: 'row-by-row', fileName: 'music_time_machine.db', flags: [] as string[], read: 10_278, imported: 10_263 },
  { load: 'direct-copy', fileName: 'no-times.db', flags: ['--rebuild-indexes'], read: 10_276, imported: 10_262 },
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtm-kill-'));
  // The dirty file plus enough clean rows for several COPY chunks (5,000 rows each).
  const data = dirtyLegacyData();
  for (let i = 0; i < 5_100; i++) data.tracks.push(cleanTrack(`k${i}`));
  for (let d = 0; d < 68; d++) {
    const date = new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10);
    for (const [r, range] of ['short_term', 'medium_term', 'long_term'].entries()) {
      for (let rank = 1; rank <= 50; rank++) data.snapshots.push([`k${(d * 31 + r * 997 + rank * 13) % 5_100}`, date, range, rank]);
    }
  }
  writeLegacyFile(join(dir, MODES[0].fileName), data);
  writeLegacyFile(join(dir, MODES[1].fileName), { ...data, snapshots: data.snapshots.filter((row) => !(typeof row[1] === 'string' && row[1].length > 10)) });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Target {
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

async function newTarget(engine: Engine, label: string): Promise<Target> {
  if (engine === 'pglite') {
    const dataDir = join(dir, `data-${label}`);
    return { env: { DATA_DIR: dataDir }, open: () => openEmbedded({ dataDir }), drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = await createDatabase(base, 'kill', inject('postgresTemplate')!);
  const url = databaseUrl(base, name);
  return {
    env: { DATABASE_URL: url },
    open: () => openDatabase({ kind: 'postgres', url, poolMin: 0, poolMax: 2, statementTimeoutMs: 0 }),
    drop: () => dropDatabase(base, name),
  };
}

function runCli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _u, DATA_DIR: _d, TEST_DATABASE_URL: _t, ...inherited } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function stateOf(target: Target) {
  const database = await target.open();
  try {
    const user = await findUserBySpotifyId(database.db, 'kim');
    if (!user) return { user: null };
    const archive = await readArchive(database.db, user.id);
    const runs = await listImportRuns(database.db, user.id);
    // Durations differ from run to run; every count must not.
    const withoutTimes = (counts: unknown) => JSON.parse(JSON.stringify(counts), (k, v) => (k === 'ms' ? undefined : v));
    return { user: user.spotify_id, archive, runs: runs.map((r) => ({ status: r.status, counts: withoutTimes(r.counts), error: r.error })) };
  } finally {
    await database.close();
  }
}

for (const engine of ENGINES) for (const mode of MODES) {
  describe(`import-sqlite killed and rerun [${engine}, ${mode.load}]`, () => {
    let reference: Awaited<ReturnType<typeof stateOf>>;
    let sourceHash: string;
    const file = () => join(dir, mode.fileName);
    const importArgs = () => ['import-sqlite', file(), '--owner', 'kim', '--json', ...mode.flags];

    beforeAll(async () => {
      sourceHash = createHash('sha256').update(await readFile(file())).digest('hex');
      const target = await newTarget(engine, `${mode.load}-reference`);
      try {
        const run = await runCli(target.env, importArgs());
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const report = JSON.parse(run.stdout);
        expect(report).toMatchObject({ snapshotLoad: mode.load, snapshots: { read: mode.read, imported: mode.imported } });
        reference = await stateOf(target);
      } finally {
        await target.drop();
      }
    }, 120_000);

    for (const point of engine === 'pglite' ? PGLITE_KILL_POINTS : KILL_POINTS) {
      it(`killed at ${point}, then rerun: same archive as one uninterrupted run`, async () => {
        const target = await newTarget(engine, `${mode.load}-${point}`);
        try {
          const killed = await runCli({ ...target.env, MTM_IMPORT_KILL_AT: point }, importArgs());
          expect(killed.signal).toBe('SIGKILL');
          const rerun = await runCli(target.env, importArgs());
          expect(rerun.stderr).toBe('');
          expect(rerun.code).toBe(0);
          // A killed run left nothing, so the rerun loads the same way as the reference did.
          if (point !== 'committed') expect(JSON.parse(rerun.stdout).snapshotLoad).toBe(mode.load);
          const after = await stateOf(target);
          expect(after.archive).toEqual(reference.archive);
          if (point === 'committed') {
            // The first run had committed: the rerun finds everything present and adds nothing.
            expect(JSON.parse(rerun.stdout).snapshots).toMatchObject({ imported: 0, alreadyPresent: mode.imported });
            expect(after.runs!.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
          } else if (point === 'tracks-chunk-1') {
            // Killed while staging the tracks, before the file's checks had passed: the run had
            // written nothing that lasts yet, not even its import_runs row.
            expect(after.runs!.map((r) => [r.status, r.error])).toEqual([['succeeded', null]]);
            expect(after.runs![0]!.counts).toEqual(reference.runs![0]!.counts);
          } else {
            expect(after.runs!.map((r) => [r.status, r.error])).toEqual([
              ['failed', 'interrupted before it finished; nothing from this run was kept (the import commits all at once)'],
              ['succeeded', null],
            ]);
            expect(after.runs![1]!.counts).toEqual(reference.runs![0]!.counts);
          }
          expect(createHash('sha256').update(await readFile(file())).digest('hex')).toBe(sourceHash);
        } finally {
          await target.drop();
        }
      }, 120_000);
    }
  });
}
