import { Worker } from 'node:worker_threads';
import type { SnapshotLinePage } from './snapshot-line-pages.js';
import type { SnapshotPageRules } from './snapshot-page-check.js';

/** Pages the reader thread stays ahead of the consumer once it is consuming (~250 KB each). */
const PAGES_AHEAD = 4;

export interface SnapshotLineReader {
  /** The pages in rowid order; iterate once. */
  readonly pages: AsyncIterable<SnapshotLinePage>;
  /** Stops the thread if it is still reading (a failed import); call it whatever happened. */
  close(): Promise<void>;
}

/**
 * Starts reading the file's snapshot line pages (snapshot-line-pages.js) on a thread of their
 * own, each checked there too: SQLite building the next page's lines and the check of them then
 * overlap with PostgreSQL ingesting the one before, and this thread only passes clean pages on
 * (with the check on this thread, this thread was the COPY's bottleneck). The reader has its own
 * copy of `loadable`; each page says which tracks it named first.
 *
 * It reads up to `startAhead` pages before anyone consumes them, then keeps PAGES_AHEAD ahead:
 * an import starts it before moving the tracks, PostgreSQL's work alone, so the reading that
 * would otherwise hold up the COPY uses the core that work leaves idle.
 */
export function startSnapshotLineReader(
  path: string,
  rules: SnapshotPageRules,
  loadable: Iterable<string>,
  count: number,
  startAhead = PAGES_AHEAD,
): SnapshotLineReader {
  const worker = new Worker(new URL('./snapshot-line-worker.js', import.meta.url), { workerData: { path, rules, loadable: [...loadable], count } });
  worker.unref(); // never what keeps the process alive, even if a consumer forgets to close this
  const arrived: Array<SnapshotLinePage | null> = [];
  let credit = Math.max(startAhead, PAGES_AHEAD); // pages asked for and not arrived yet
  let wake: (() => void) | undefined;
  let failure: unknown;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (page: SnapshotLinePage | null) => {
    credit--;
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
  worker.postMessage(credit);

  async function* pages(): AsyncGenerator<SnapshotLinePage> {
    for (;;) {
      if (arrived.length === 0) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const page = arrived.shift()!;
      if (page === null) return;
      if (arrived.length + credit < PAGES_AHEAD) {
        credit++;
        worker.postMessage(1);
      }
      yield page;
    }
  }
  return {
    pages: pages(),
    async close() {
      worker.removeAllListeners();
      await worker.terminate();
    },
  };
}
