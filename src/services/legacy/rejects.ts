import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { AppError } from '../../lib/errors.js';

/** One line of the rejects file: what was not imported (or imported with raw_json NULL), and why. */
export interface RejectEntry {
  table: 'tracks' | 'snapshots';
  key: Record<string, unknown>;
  reason: string;
  column: string | null;
  detail: string;
  /** 'rejected': the row is not in the database. 'kept_raw_json_null': the track is, without raw_json. */
  action: 'rejected' | 'kept_raw_json_null';
  /** The source row's values as they were (blobs as hex). */
  values: Record<string, unknown>;
}

export interface RejectSink {
  write(entry: RejectEntry): Promise<void>;
  /** Called once the import committed (or the dry run ended). */
  commit(): Promise<void>;
  /** Called when the import failed: nothing half-written stays behind. */
  abort(): Promise<void>;
}

/**
 * JSON lines written to FILE.partial and renamed to FILE at the end, so a killed import never
 * leaves a rejects file that looks complete. The file is opened here, before the import starts:
 * a path that cannot be written fails at once (one message), not after the import committed.
 */
export async function openFileRejectSink(path: string): Promise<RejectSink> {
  const partial = `${path}.partial`;
  const stream: WriteStream = createWriteStream(partial, { flags: 'w' });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new AppError('rejects_unwritable', 400, `cannot write the rejects file ${path}: ${describeFsError(error)}`, { cause: error });
  }
  const check = () => {
    if (failure) throw new AppError('rejects_unwritable', 500, `writing the rejects file ${path} failed: ${describeFsError(failure)}`, { cause: failure });
  };
  const end = async () => {
    if (stream.closed) return;
    stream.end();
    await once(stream, 'close').catch(() => {});
  };
  return {
    async write(entry) {
      check();
      if (!stream.write(`${JSON.stringify(entry)}\n`)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      check();
    },
    async commit() {
      await end();
      check();
      await rename(partial, path);
    },
    async abort() {
      await end();
      await rm(partial, { force: true });
    },
  };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EROFS') return 'the file system is read-only';
  return (error as Error).message;
}

/** Keeps the first `limit` entries in memory (the upload page shows them); counts the rest. */
export function memoryRejectSink(limit: number): RejectSink & { entries: RejectEntry[]; total: number } {
  const sink = {
    entries: [] as RejectEntry[],
    total: 0,
    async write(entry: RejectEntry) {
      sink.total += 1;
      if (sink.entries.length < limit) sink.entries.push(entry);
    },
    async commit() {},
    async abort() {},
  };
  return sink;
}
