import { Worker } from 'node:worker_threads';
import type { SnapshotLinePage } from './snapshot-line-pages.js';
import type { SnapshotPageRules } from './snapshot-page-check.js';

/** Pages the reader thread may read ahead of the one being checked and sent. */
const PAGES_AHEAD = 4;

/**
 * The file's snapshot line pages (snapshot-line-pages.js), read and checked on a thread of their
 * own a few pages ahead: SQLite building the next page's lines and the check of them then overlap
 * with PostgreSQL ingesting the one before, and this thread only passes clean pages on. On a
 * 2-core machine that makes the COPY of 2 million rows PostgreSQL-bound (with the check on this
 * thread, this thread was the bottleneck: the COPY took 0.4 s longer). The reader has its own
 * copy of `loadable`; each page says which tracks it named first. The worker stops when the
 * pages are read, or when the consumer stops early (a failed import).
 */
export async function* snapshotLinePagesAhead(
  path: string,
  rules: SnapshotPageRules,
  loadable: Iterable<string>,
  count: number,
): AsyncGenerator<SnapshotLinePage> {
  const worker = new Worker(new URL('./snapshot-line-worker.js', import.meta.url), { workerData: { path, rules, loadable: [...loadable], count } });
  worker.unref(); // never what keeps the process alive, even if a consumer stops without closing this
  const arrived: Array<SnapshotLinePage | null> = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (page: SnapshotLinePage | null) => {
    arrived.push(page);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`reading the file's snapshots stopped (worker exit ${code})`);
    notify();
  });
  try {
    worker.postMessage(PAGES_AHEAD);
    for (;;) {
      if (arrived.length === 0) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const page = arrived.shift()!;
      if (page === null) return;
      worker.postMessage(1);
      yield page;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
