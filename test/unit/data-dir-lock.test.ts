import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, LOCK_FILE_NAME } from '../../src/db/data-dir-lock.js';
import { DataDirInUseError } from '../../src/lib/errors.js';

describe('the embedded data folder lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtm-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const lockPath = () => join(dir, LOCK_FILE_NAME);
  const writeOwner = (pid: number, host = hostname()) =>
    writeFile(lockPath(), JSON.stringify({ pid, host, startedAt: '2026-01-01T00:00:00.000Z' }));

  it('records its owner, refuses a second open in the same process, and releases', async () => {
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquireDataDirLock(dir)).toThrow(`The embedded database in ${dir} is already open in this process.`);
    lock.release();
    expect(existsSync(lockPath())).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it('refuses while another live process holds it, naming that process', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await writeOwner(holder.pid!);
      let error: unknown;
      try {
        acquireDataDirLock(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as Error).message).toBe(
        `The embedded database in ${dir} is already in use by process ${holder.pid} on ${hostname()} ` +
          `(since 2026-01-01T00:00:00.000Z). Only one process may open it: stop that one first, or set ` +
          `DATA_DIR to another folder. If you are sure no such process runs, delete ${lockPath()}.`,
      );
      // The holder's lock is untouched.
      expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('reclaims a lock whose process has died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    await writeOwner(dead.pid!);
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('reclaims a garbled lock file (a crash while writing it)', async () => {
    await writeFile(lockPath(), '{"pid": 12');
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats a lock from another host as held (it cannot check that process)', async () => {
    await writeOwner(1, 'some-other-host');
    expect(() => acquireDataDirLock(dir)).toThrow(/already in use by process 1 on some-other-host/);
  });
});
