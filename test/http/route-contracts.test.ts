import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { missingContractParts } from '../../src/routes/contracts.js';
import { buildTestApp } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';

/**
 * Every route declares its contract: TypeBox schemas for params, query, body (for methods that
 * take one) and response. The app records each route as it is registered (onRoute); this walks
 * that list. Static files are the one exception: @fastify/static's wildcard routes serve files,
 * not data.
 */
const EXEMPT = new Map<string, string>([
  ['/static/*', 'files from public/'],
  ['/static/vendor/*', 'htmx from its npm package'],
  // Being rewritten in parallel (multipart upload handling); its schemas come with that rewrite.
  ['/settings/import', 'owned by the import rewrite'],
]);

describeEachEngine('route contracts', ({ database }) => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const built = await buildTestApp({ ...database(), close: async () => {} });
    app = built.app;
    await app.ready();
    close = async () => {
      await app.close();
      await built.deps.close();
    };
  });
  afterAll(() => close());

  it('every route declares params, querystring, body (when it takes one) and response schemas', () => {
    const routes = app.routeTable.filter((r) => !EXEMPT.has(r.url));
    expect(routes.length).toBeGreaterThan(10);
    const incomplete = routes
      .filter((route) => route.method !== 'HEAD') // Fastify's automatic HEAD shares the GET's schema
      .map((route) => ({ route: `${route.method} ${route.url}`, missing: missingContractParts(route) }))
      .filter((r) => r.missing.length > 0);
    expect(Object.fromEntries(incomplete.map((r) => [r.route, r.missing]))).toEqual({});
  });

  it('lists the routes it checks, so a new route shows up here', () => {
    const urls = [...new Set(app.routeTable.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))].sort();
    expect(urls).toEqual(
      expect.arrayContaining([
        'GET /',
        'GET /about/demo',
        'GET /analytics',
        'GET /callback',
        'GET /dashboard',
        'GET /favicon.ico',
        'GET /healthz',
        'GET /history',
        'GET /login',
        'GET /search',
        'GET /settings',
        'GET /settings/export.json',
        'GET /settings/export.sqlite',
        'GET /snapshot',
        'GET /tracks/:id',
        'POST /logout',
        'POST /settings/delete',
        'POST /settings/disconnect',
        'POST /snapshot',
      ]),
    );
  });

  it('a route without a schema is reported with what it lacks', () => {
    expect(missingContractParts({ method: 'POST', url: '/x', schema: undefined })).toEqual(['params', 'querystring', 'response', 'body']);
    expect(missingContractParts({ method: 'GET', url: '/x', schema: { querystring: {}, params: {} } })).toEqual(['response']);
  });
});
