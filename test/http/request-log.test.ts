import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/lib/logger.js';
import { approveOnFake, buildTestAppWithFake } from '../support/app.js';
import { cookieFrom } from '../support/cookies.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('request logs never hold OAuth codes, states or tokens', ({ database }) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let fake: Awaited<ReturnType<typeof buildTestAppWithFake>>['fake'];
  beforeAll(async () => {
    ({ app, fake, close } = await buildTestAppWithFake(database(), { users: [{ id: 'lea-log', display_name: 'Lea' }] }, { logger: createLogger('info', sink) }));
  });
  afterAll(() => close());

  it('logs /callback with the code and state values replaced, through a whole login', async () => {
    const login = await app.inject({ method: 'GET', url: '/login' });
    const authorize = new URL(login.headers.location as string);
    const { callback } = await approveOnFake(fake, authorize.search, 'lea-log');
    const code = new URL(callback, 'http://x').searchParams.get('code')!;
    const state = authorize.searchParams.get('state')!;
    expect(code.length).toBeGreaterThan(8);
    lines.length = 0;

    const done = await app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(login) } });
    expect(done.statusCode).toBe(302);
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).flatMap((entry) => (entry.req?.url ? [entry.req.url] : []));
    expect(urls).toEqual(['/callback?code=[redacted]&state=[redacted]']);
    for (const line of lines) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(state);
    }
  });

  it('redacts credential-like parameters anywhere, keeping the rest', () => {
    expect(redactUrl('/callback?code=abc&state=xyz')).toBe('/callback?code=[redacted]&state=[redacted]');
    expect(redactUrl('/callback?error=access_denied&state=xyz')).toBe('/callback?error=access_denied&state=[redacted]');
    expect(redactUrl('/settings/import?_csrf=t0k&x=1')).toBe('/settings/import?_csrf=[redacted]&x=1');
    expect(redactUrl('/api/x?access_token=a&refresh%5Ftoken=b&range=6m')).toBe('/api/x?access_token=[redacted]&refresh%5Ftoken=[redacted]&range=6m');
    expect(redactUrl('/time-machine?date=2025-01-01')).toBe('/time-machine?date=2025-01-01');
    expect(redactUrl('/')).toBe('/');
  });
});
