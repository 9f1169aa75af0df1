import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What a newcomer does: `npm start` with no configuration and no database server. Runs the real
 * command in its own process group so SIGTERM reaches the server as it would from a terminal.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Started {
  let output = '';
  // Only what a fresh shell would have: no DATABASE_URL, no SPOTIFY_*, no NODE_ENV=test.
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForHealth(url: string, started: Started, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return response;
    } catch {
      // Not listening yet.
    }
    if (started.child.exitCode !== null) throw new Error(`server exited early:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms:\n${started.output()}`);
}

/** npm may exit before the server it started has finished shutting down: wait for the whole group. */
async function groupGone(pgid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`processes of group ${pgid} still running after ${timeoutMs} ms`);
}

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

    const second = npmStart({ PORT: String(port + 1), DATA_DIR: dataDir });
    expect(await second.exited).not.toBe(0);
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
