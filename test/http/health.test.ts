import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachEngine, openTestDatabase } from '../support/databases.js';
import { buildTestApp } from '../support/app.js';
import { listMigrationNames } from '../../src/db/migrate.js';

describeEachEngine('GET /healthz and the basic pages', ({ database, engine }) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await buildTestApp(database()));
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 200 with the database state and migrations', async () => {
    const shipped = await listMigrationNames();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      database: 'ok',
      engine: engine === 'pglite' ? 'embedded' : 'postgres',
      migrations: { applied: shipped.length, pending: 0, latest: shipped.at(-1) },
    });
  });

  it('answers 503 when the database is unreachable', async () => {
    const lost = await openTestDatabase(engine);
    const { app: orphan } = await buildTestApp(lost);
    await lost.close();
    const response = await orphan.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      database: 'unreachable',
      engine: engine === 'pglite' ? 'embedded' : 'postgres',
      migrations: null,
    });
    await orphan.close();
  });

  it('answers 503 while a shipped migration is not applied', async () => {
    const fresh = await openTestDatabase(engine, { migrated: false });
    const { app: early } = await buildTestApp(fresh);
    const response = await early.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'migrations_pending', database: 'ok', migrations: { applied: 0, latest: null } });
    await early.close();
    await fresh.close();
  });

  it('serves the landing page at / to a visitor', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<h1>Your Spotify top tracks, kept for years</h1>');
  });

  it('answers an unknown page with a 404 page, and an unknown API path with JSON', async () => {
    const page = await app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('<h1>Page not found</h1>');
    expect(page.body).toContain('Nothing here at /no/such/page.');
    const api = await app.inject({ method: 'GET', url: '/api/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: { code: 'not_found', message: 'Nothing here at /api/nothing.' } });
  });
});
