// Preload for finding where a process's memory goes: samples process.memoryUsage() every 100 ms
// and prints the peak of each figure (MB) on exit, to stderr.
//   node --import ./bench/memory-sampler.mjs bin/mtm.js import-sqlite FILE --owner X
// rss is the whole process (worker threads and PGlite's WebAssembly memory included); heapUsed
// is the main thread's JavaScript heap; external and arrayBuffers are Buffers and such.
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const timer = setInterval(() => {
  const now = process.memoryUsage();
  for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
}, 100);
timer.unref();
process.on('exit', () => {
  const mb = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 1048576)]));
  process.stderr.write(`memory peaks (MB): ${JSON.stringify(mb)}\n`);
});
