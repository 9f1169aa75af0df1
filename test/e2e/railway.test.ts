import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrationNames } from '../../src/db/migrate.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import { freePort, groupGone, killGroup, ROOT, startDetached, waitForHealth, type Started } from '../support/processes.js';

const run = promisify(execFile);

interface RailwayConfig {
  build: { builder: string; dockerfilePath: string };
  deploy: { preDeployCommand: string[]; startCommand: string; healthcheckPath: string; restartPolicyType: string; drainingSeconds: number };
}

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'q8Vd2LmT5xR9nB3wK7yH1jF6cZ4gP0sA-railway-test',
  SPOTIFY_CLIENT_ID: 'mtm-railway-test-client',
  SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback',
  APP_URL: 'https://mtm.example.com',
};

describe('railway.json and the Dockerfile', () => {
  it('build with the Dockerfile, migrate before traffic, start node directly, check /healthz', async () => {
    const railway = JSON.parse(await readFile(`${ROOT}railway.json`, 'utf8')) as RailwayConfig;
    expect(railway.build).toEqual({ builder: 'DOCKERFILE', dockerfilePath: 'Dockerfile' });
    expect(railway.deploy).toMatchObject({
      preDeployCommand: ['npx mtm db migrate'],
      startCommand: 'node --import tsx src/main.ts',
      healthcheckPath: '/healthz',
      restartPolicyType: 'ON_FAILURE',
    });
    // Railway waits this long after SIGTERM; the server's own hard stop (15 s) comes first.
    expect(railway.deploy.drainingSeconds).toBeGreaterThan(15);
    // The image starts the same command, in exec form (node is PID 1 and gets SIGTERM itself).
    const dockerfile = await readFile(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim/m);
    expect(dockerfile).toContain('RUN npm ci --omit=dev');
    // The embedded database image is built in the image too (npm ci skips the postinstall there:
    // its script is not copied yet), from the same src and migrations, fails the build when
    // missing, and is readable by the `node` user that copies it.
    const build = dockerfile.indexOf('RUN node --import tsx scripts/build-pglite-image.ts');
    expect(build).toBeGreaterThan(dockerfile.indexOf('RUN npm ci --omit=dev'));
    for (const copy of ['COPY migrations ./migrations', 'COPY src ./src', 'COPY scripts/build-pglite-image.ts ./scripts/']) {
      expect(dockerfile.indexOf(copy)).toBeGreaterThan(dockerfile.indexOf('RUN npm ci --omit=dev'));
      expect(dockerfile.indexOf(copy)).toBeLessThan(build);
    }
    expect(dockerfile.slice(build)).toMatch(/^RUN node --import tsx scripts\/build-pglite-image\.ts \\\n && ls node_modules\/\.cache\/music-time-machine\/pglite-images\/\*\/manifest\.json \\\n && chmod -R a\+rX node_modules\/\.cache\/music-time-machine\n/);
    expect(dockerfile).toContain('COPY --from=deps /app/node_modules ./node_modules');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd!)).toEqual(railway.deploy.startCommand.split(' '));
    // tsx runs the TypeScript in production: it must survive --omit=dev.
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
  });

  // A real PostgreSQL: declared when TEST_DATABASE_URL is set (always in CI).
  const itOnPostgres = process.env.TEST_DATABASE_URL ? it : () => undefined;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  itOnPostgres('the pre-deploy command migrates an empty database; three instances started at once all come up healthy and stop cleanly', async () => {
    const railway = JSON.parse(await readFile(`${ROOT}railway.json`, 'utf8')) as RailwayConfig;
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_railway');
    cleanups.push(() => dropDatabase(base, name));
    const url = databaseUrl(base, name);
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...PRODUCTION, DATABASE_URL: url };

    // Railway runs each pre-deploy command in the new image, with the service's variables.
    for (const command of railway.deploy.preDeployCommand) {
      const { stdout, stderr } = await run('sh', ['-c', command], { cwd: ROOT, env });
      expect(stderr).toBe('');
      expect(stdout).toBe(`database: ${url}\napplied: ${(await listMigrationNames()).join(', ')}\n`);
    }
    const status = await run(process.execPath, [`${ROOT}bin/mtm.js`, 'db', 'status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: 0 });

    const [program, ...args] = railway.deploy.startCommand.split(' ');
    const instances: Array<{ port: number; started: Started }> = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const started = startDetached(program!, args, { ...PRODUCTION, DATABASE_URL: url, PORT: String(port) });
      cleanups.push(() => killGroup(started.child.pid));
      instances.push({ port, started });
    }
    const shipped = await listMigrationNames();
    const healths = await Promise.all(instances.map(({ port, started }) => waitForHealth(`http://127.0.0.1:${port}${railway.deploy.healthcheckPath}`, started)));
    for (const health of healths) {
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok', engine: 'postgres', migrations: { applied: shipped.length, pending: 0, latest: shipped.at(-1) } });
    }
    for (const { started } of instances) {
      // The pre-deploy command did the work: no instance applied a migration.
      expect(started.output()).not.toContain('applied database migrations');
      process.kill(started.child.pid!, 'SIGTERM');
    }
    for (const { started } of instances) {
      expect(await started.exited).toEqual({ code: 0, signal: null });
      await groupGone(started.child.pid!);
      expect(started.output()).toContain('"msg":"stopped"');
    }
  }, 180_000);
});
