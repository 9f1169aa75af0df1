import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

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
 * leaves a rejects file that looks complete.
 */
export function fileRejectSink(path: string): RejectSink {
  const partial = `${path}.partial`;
  let stream: WriteStream | undefined;
  const open = () => (stream ??= createWriteStream(partial, { flags: 'w' }));
  const end = async () => {
    const s = open();
    s.end();
    await once(s, 'close');
  };
  return {
    async write(entry) {
      const s = open();
      if (!s.write(`${JSON.stringify(entry)}\n`)) await once(s, 'drain');
    },
    async commit() {
      await end();
      await rename(partial, path);
    },
    async abort() {
      await end();
      await rm(partial, { force: true });
    },
  };
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
