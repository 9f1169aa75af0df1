import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Every upload's private folder is named so; the start-up sweep touches nothing else. */
export const UPLOAD_DIR_PREFIX = 'mtm-upload-';

/** A new private folder (0700) for one upload, under `root` (created if needed). */
export async function makeUploadDir(root: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  return mkdtemp(join(root, UPLOAD_DIR_PREFIX));
}

/**
 * Removes upload folders older than `olderThanMs` under `root`: what a crash or a kill left
 * behind (every request removes its own folder when it ends). Returns how many went.
 */
export async function sweepStaleUploads(root: string, olderThanMs: number, now: number = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(UPLOAD_DIR_PREFIX)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < olderThanMs) continue;
    await rm(path, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}
