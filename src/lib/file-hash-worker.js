// @ts-check
// The worker thread of file-hash.ts: hashes the file named by workerData and posts the hex digest.
// Plain JavaScript because worker threads start without the TypeScript loader; `@ts-check` makes
// tsc check it like the TypeScript around it, and ESLint lints it as any other file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (!port || typeof workerData !== 'string') throw new Error('file-hash-worker.js runs as a worker thread with a file path as workerData');

const hash = createHash('sha256');
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => hash.update(chunk))
  .on('end', () => port.postMessage(hash.digest('hex')))
  .on('error', (error) => {
    // Thrown in the worker, it reaches the parent as the worker's 'error' event (the rejection).
    throw error;
  });
