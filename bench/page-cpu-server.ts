// The app of bench/page-cpu.ts in a process of its own (so its CPU time can be read from /proc):
// production mode over an existing database, plus a bench-only login route. Prints its URL.
// Run by bench/page-cpu.ts; by hand: npx tsx bench/page-cpu-server.ts postgres://…/insights_bench_…
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/lib/logger.js';

const url = process.argv[2];
if (!url) throw new Error('usage: page-cpu-server.ts DATABASE_URL');
const database = await openDatabase({ kind: 'postgres', url, poolMin: 2, poolMax: 10, statementTimeoutMs: 60_000 });
const config = loadConfig({ NODE_ENV: 'production', DEMO_MODE: 'true', SESSION_SECRET: 'bench-secret-0123456789-0123456789-0123456789', DATABASE_URL: url });
const deps = await createDeps(config, { logger: createLogger('silent'), database });
const app = await buildApp(deps);
app.get('/bench-login/:id', async (request) => {
  request.session.set('userId', Number((request.params as { id: string }).id));
  return 'ok';
});
console.log(await app.listen({ host: '127.0.0.1', port: 0 }));
process.on('SIGTERM', () => void app.close().then(() => deps.close()).then(() => process.exit(0)));
