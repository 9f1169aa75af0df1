import type { Db } from '../repositories/executor.js';
import { getArchiveVersion } from '../repositories/archive-versions.js';

/**
 * Per-user figures that only change when the user's archive changes (monthly growth, diversity,
 * consistent artists, dashboard facts), kept in this process and keyed by the user's archive
 * version (migration 0008: triggers on `snapshots` move it on every capture, import, seed or
 * delete). A hit costs one primary-key read; a stale entry is recomputed on the next request.
 * Several app instances each keep their own copy, all checked against the same version, so none
 * ever serves figures older than the archive. Bounded: the least recently used entry goes first.
 */
export class InsightCache {
  private readonly entries = new Map<string, { version: number; value: unknown }>();
  /** Computations under way, so concurrent requests for one stale entry compute it once. */
  private readonly pending = new Map<string, { version: number; promise: Promise<unknown> }>();

  constructor(private readonly maxEntries = 2000) {}

  async get<T>(db: Db, userId: number, key: string, compute: () => Promise<T>): Promise<T> {
    const version = await getArchiveVersion(db, userId);
    const id = `${userId}:${key}`;
    const hit = this.entries.get(id);
    if (hit && hit.version === version) {
      // Re-insert: Map keeps insertion order, so the oldest key is the least recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.value as T;
    }
    const running = this.pending.get(id);
    if (running && running.version === version) return running.promise as Promise<T>;
    const promise = compute();
    this.pending.set(id, { version, promise });
    try {
      const value = await promise;
      this.entries.delete(id);
      this.entries.set(id, { version, value });
      while (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
      return value;
    } finally {
      if (this.pending.get(id)?.promise === promise) this.pending.delete(id);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
