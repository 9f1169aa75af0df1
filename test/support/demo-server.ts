import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';

/**
 * The app as `npm start` runs it with no configuration (demo mode, embedded database in a fresh
 * folder, the demo listeners' year of history), listening on a free loopback port, in this
 * process so a test can also look at its routes and its fake Spotify.
 */
/** A port nothing listens on now (the demo's redirect URI names the port, so 0 will not do). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export async function startDemoServer(): Promise<RunningServer & { close(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'mtm-demo-'));
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: join(folder, 'data') });
  const server = await startServer(config, { handleSignals: false });
  await server.demoSeeded;
  return {
    ...server,
    async close() {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
