import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from '../../src/cli.js';
import { openEmbedded } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { DB } from '../../src/db/schema.js';

/** `mtm argv` run in this process: its exit code and the lines it wrote to stdout and stderr. */
export async function runMtm(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/**
 * For the tests of one describe block: a DATA_DIR holding a migrated embedded database that
 * `seed` fills first (then closed, so the command under test opens it itself), removed after.
 * `dir` and `env` (NODE_ENV=test, DATA_DIR) are set once the hooks have run.
 */
export function embeddedDataDir(prefix: string, seed: (db: Kysely<DB>) => Promise<void>): { readonly dir: string; readonly env: NodeJS.ProcessEnv } {
  const state = { dir: '', env: {} as NodeJS.ProcessEnv };
  beforeAll(async () => {
    state.dir = await mkdtemp(join(tmpdir(), prefix));
    state.env = { NODE_ENV: 'test', DATA_DIR: state.dir };
    const database = await openEmbedded({ dataDir: state.dir });
    try {
      await migrateToLatest(database.db);
      await seed(database.db);
    } finally {
      await database.close();
    }
  });
  afterAll(() => rm(state.dir, { recursive: true, force: true }));
  return state;
}
