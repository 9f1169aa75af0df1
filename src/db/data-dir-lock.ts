import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError } from '../lib/errors.js';

/**
 * PGlite silently loses committed writes when two processes open one data folder, so the
 * embedded database takes this lock first: a file created with O_EXCL holding the owner's
 * pid. A lock whose process is gone (crash, kill -9) is reclaimed; a live owner is refused.
 */
export const LOCK_FILE_NAME = 'mtm.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** Lock files this process holds: the pid check cannot tell our own second open from a stale lock. */
const heldByThisProcess = new Set<string>();

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE_NAME);
  if (heldByThisProcess.has(path)) {
    throw new DataDirInUseError(`The embedded database in ${dataDir} is already open in this process.`);
  }
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };

  // Two rounds: the second follows the reclaim of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      heldByThisProcess.add(path);
      return {
        path,
        release: () => {
          heldByThisProcess.delete(path);
          releaseIfOurs(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && isAlive(owner)) {
      throw new DataDirInUseError(
        `The embedded database in ${dataDir} is already in use by process ${owner.pid} on ${owner.host} ` +
          `(since ${owner.startedAt}). Only one process may open it: stop that one first, or set ` +
          `DATA_DIR to another folder. If you are sure no such process runs, delete ${path}.`,
      );
    }
    reclaimStale(path, owner);
  }
  throw new DataDirInUseError(`Could not lock ${path}: another process keeps taking it. Try again.`);
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? 'unknown') };
    }
  } catch {
    // Missing (just released) or half-written/garbled: both are treated as no live owner.
  }
  return undefined;
}

function isAlive(owner: LockOwner): boolean {
  // We cannot see processes on another host sharing this folder: assume it is alive.
  if (owner.host !== hostname()) return true;
  // Our own pid in the file is a leftover from an earlier life of this container (pid 1 again).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside (rename is atomic) and checks that what was moved is the stale
 * lock that was read, not a fresh lock another starting process wrote in between.
 */
function reclaimStale(path: string, staleOwner: LockOwner | undefined): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readOwner(aside);
  const sameAsRead = moved?.pid === staleOwner?.pid && moved?.startedAt === staleOwner?.startedAt;
  if (!sameAsRead && moved && isAlive(moved)) {
    // We moved a live owner's fresh lock: put it back (link fails rather than overwrite if yet
    // another lock appeared meanwhile); our next attempt will see it.
    try {
      linkSync(aside, path);
    } catch {
      // A newer lock is in place; it wins.
    }
  }
  unlinkSync(aside);
}

function releaseIfOurs(path: string): void {
  const owner = readOwner(path);
  if (owner && owner.pid === process.pid && owner.host === hostname()) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
