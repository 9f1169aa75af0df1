// The embedded database (PGlite, PostgreSQL compiled to WASM) runs in this worker thread, so a
// long query keeps this thread busy instead of the web server's event loop.
// Plain JavaScript because worker threads start without the TypeScript loader.
// Protocol: the parent posts { id, op, sql, params, blob }; we answer { id, result } or { id, error }.
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { copyImageInto } from './pglite-image-copy.js';
import { TYPE_PARSERS } from './type-parsers.js';

/** The fields of a PostgreSQL error that callers rely on (same names as node-postgres). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'schema', 'table', 'column', 'constraint', 'position', 'where'];

function serializeError(error) {
  const out = { message: error instanceof Error ? error.message : String(error) };
  for (const field of ERROR_FIELDS) {
    if (error && typeof error[field] === 'string') out[field] = error[field];
  }
  return out;
}

function shapeResult(result) {
  return { rows: result.rows ?? [], affectedRows: result.affectedRows ?? 0 };
}

// V8 runs PGlite's WebAssembly in its baseline code first and recompiles a function with its
// optimising compiler once the function has run enough (its "tiering budget"). PGlite's own start
// (zeroing 128 MB of shared buffers, reading the catalogue) makes dozens of functions hot that a
// running server barely uses: ~0.4 s of compiling on the other threads during a first start, then
// ~0.2 s with this thread waiting for it. 300 times V8's default (1,800,000) defers that
// compiling until a function is hot in real use; queries tier up within their first runs and then
// run as fast as before (measured in docs/ARCHITECTURE.md). Process-wide: PGlite is the only
// WebAssembly in the process. Set before PGlite's module is compiled, which reads it.
setFlagsFromString('--wasm-tiering-budget=540000000');

let db;
try {
  // A fresh folder gets the image's cluster while PGlite's modules load (both take ~0.2 s).
  const seeding = workerData.seedFrom ? copyImageInto(workerData.seedFrom, workerData.dataDir) : undefined;
  seeding?.catch(() => {}); // awaited below
  // pg_trgm (typo-tolerant search, migration 0008) and btree_gin (the per-user search indexes,
  // migration 0009) are PGlite extensions: loaded here so their CREATE EXTENSION works as on
  // PostgreSQL.
  const [{ PGlite }, { btree_gin }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gin'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  await seeding;
  // loadDataDir: start from a dumped database (tests clone a migrated template this way).
  const loadDataDir = workerData.loadDataDir ? new Blob([workerData.loadDataDir]) : undefined;
  // Server settings fixed at start-up (shared_buffers...): PGlite takes them as `-c` options after
  // its own defaults, which startParams replaces rather than extends.
  const settings = workerData.settings ?? [];
  const startParams = settings.length ? [...PGlite.defaultStartParams, ...settings.flatMap((s) => ['-c', s])] : undefined;
  db = await PGlite.create(workerData.dataDir, { parsers: TYPE_PARSERS, loadDataDir, extensions: { pg_trgm, btree_gin }, ...(startParams && { startParams }) });
  parentPort.postMessage({ id: 0, result: 'ready' });
} catch (error) {
  parentPort.postMessage({ id: 0, error: serializeError(error) });
  process.exit(1);
}

const handlers = {
  // With parameters: one statement over the extended protocol. Without: the simple protocol,
  // which (like node-postgres) accepts several statements; the last result is returned.
  async query({ sql, params }) {
    if (params.length > 0) return shapeResult(await db.query(sql, params));
    const results = await db.exec(sql);
    return shapeResult(results.at(-1) ?? {});
  },
  // COPY ... FROM '/dev/blob': PGlite's way to bulk-load, fed with one buffer of COPY text.
  // PGlite only calls the blob's arrayBuffer() (0.5.x, _handleBlob), so it gets the buffer we
  // were handed: a Blob would copy it, and its arrayBuffer() copy it again (~25 MB less at the
  // embedded import's peak; the import tests cover any change in PGlite).
  async copyFrom({ sql, blob }) {
    const whole = blob.byteOffset === 0 && blob.byteLength === blob.buffer.byteLength;
    const buffer = whole ? blob.buffer : blob.slice().buffer;
    return shapeResult(await db.query(sql, [], { blob: { arrayBuffer: async () => buffer } }));
  },
  // The whole database as a tarball, for loadDataDir.
  async dump() {
    const file = await db.dumpDataDir('none');
    return new Uint8Array(await file.arrayBuffer());
  },
  async close() {
    await db.close();
    return 'closed';
  },
};

parentPort.on('message', async (message) => {
  try {
    const result = await handlers[message.op](message);
    parentPort.postMessage({ id: message.id, result });
    if (message.op === 'close') parentPort.close();
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: serializeError(error) });
  }
});
