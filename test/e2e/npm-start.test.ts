import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupGone, startDetached, waitForHealth, type Started } from '../support/processes.js';

/**
 * What a newcomer does: `npm start` with no configuration and no database server. Runs the real
 * command in its own process group so SIGTERM reaches the server as it would from a terminal.
 */
// Only what a fresh shell would have: no DATABASE_URL, no SPOTIFY_*, no NODE_ENV=test.
const npmStart = (env: Record<string, string>): Started => startDetached('npm', ['start'], env);

describe('npm start on a fresh machine', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('serves /healthz on the embedded database; a second start on the same DATA_DIR refuses; SIGTERM stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mtm-start-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = 34000 + (process.pid % 1000);
    const first = npmStart({ PORT: String(port), DATA_DIR: dataDir });
    cleanups.push(async () => {
      try {
        process.kill(-first.child.pid!, 'SIGKILL'); // only if a failed assertion left it running
      } catch {
        // Already gone.
      }
    });

    const health = await waitForHealth(`http://127.0.0.1:${port}/healthz`, first);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok', engine: 'embedded', migrations: { pending: 0 } });
    expect(existsSync(join(dataDir, 'mtm.lock'))).toBe(true);
    // The server (the lock's owner) runs with glibc's malloc held to two arenas (package.json's
    // start script; docs/ARCHITECTURE.md, "Memory of the embedded database").
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'mtm.lock'), 'utf8')) as { pid: number };
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');

    const second = npmStart({ PORT: String(port + 1), DATA_DIR: dataDir });
    expect((await second.exited).code).not.toBe(0);
    expect(second.output()).toContain(`The embedded database in ${dataDir} is already in use by process`);
    expect(second.output()).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace

    // The first keeps working.
    const again = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(again.status).toBe(200);

    process.kill(-first.child.pid!, 'SIGTERM');
    await first.exited;
    await groupGone(first.child.pid!);
    expect(first.output()).toContain('"msg":"shutting down"');
    expect(first.output()).toContain('"msg":"stopped"');
    expect(existsSync(join(dataDir, 'mtm.lock'))).toBe(false);
  }, 180_000);
});
