import { Worker } from 'node:worker_threads';

/** A file's SHA-256, being computed on a worker thread. */
export interface BackgroundFileHash {
  /** The hex digest; rejects if the file cannot be read. */
  readonly hex: Promise<string>;
  /** Stops the worker if it is still hashing (a no-op once done). */
  cancel(): void;
}

/**
 * Starts hashing `path` on a worker thread, so the caller's own start-up work runs meanwhile
 * (a 250 MB file takes about a quarter of a second of CPU to hash).
 */
export function hashFileInBackground(path: string): BackgroundFileHash {
  const worker = new Worker(new URL('./file-hash-worker.js', import.meta.url), { workerData: path });
  const hex = new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${path} stopped (worker exit ${code})`)));
  });
  hex.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection if nobody does
  return { hex, cancel: () => void worker.terminate() };
}
