import { describe, expect, it } from 'vitest';
import { checkRedirectUri, DEVELOPMENT_SESSION_SECRET, loadConfig, loadDatabaseConfig, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/lib/errors.js';

// A secret as `npx mtm secret` prints one (fixed, so the test is repeatable).
const SECRET = 'q3ZJ8rVb1xWkT0nHs7LdYc2uPe9GmAfR4oKiN6tE5hSwXyBzCvDg';
const SPOTIFY = {
  SPOTIFY_CLIENT_ID: 'abc123',
  SPOTIFY_CLIENT_SECRET: 'shh',
  SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback',
};

function problems(env: Env): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs with nothing configured: embedded database in ./data, demo mode, development secret', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      nodeEnv: 'development',
      isProduction: false,
      host: '127.0.0.1',
      port: 3000,
      appUrl: 'http://127.0.0.1:3000',
      logLevel: 'info',
      database: { kind: 'embedded', dataDir: './data' },
      sessionSecret: DEVELOPMENT_SESSION_SECRET,
      spotify: undefined,
      demoMode: true,
      snapshotCron: '0 4 * * *',
      snapshotConcurrency: 4,
      spotifyRequestsPerSecond: 10,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('reads DATABASE_URL with pool bounds', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/mtm', DB_POOL_MIN: '1', DB_POOL_MAX: '5' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/mtm', poolMin: 1, poolMax: 5, statementTimeoutMs: 30000 });
  });

  it("accepts the tutorial's DB_* variables and escapes them into a URL", () => {
    const config = loadConfig({ DB_HOST: 'db.internal', DB_PORT: '6543', DB_NAME: 'music', DB_USER: 'me', DB_PASSWORD: 'p@ss/word' });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://me:p%40ss%2Fword@db.internal:6543/music',
      poolMin: 2,
      poolMax: 10,
      statementTimeoutMs: 30000,
    });
  });

  it("accepts the tutorial's secret and Spotipy names", () => {
    const config = loadConfig({
      FLASK_SECRET_KEY: SECRET,
      SPOTIPY_CLIENT_ID: 'id1',
      SPOTIPY_CLIENT_SECRET: 'sec1',
      SPOTIPY_REDIRECT_URI: 'http://127.0.0.1:8888/callback',
    });
    expect(config.sessionSecret).toBe(SECRET);
    expect(config.spotify).toEqual({ clientId: 'id1', clientSecret: 'sec1', redirectUri: 'http://127.0.0.1:8888/callback' });
    expect(config.demoMode).toBe(false);
    expect(loadConfig({ SECRET_KEY: SECRET }).sessionSecret).toBe(SECRET);
  });

  it('names every bad variable at once', () => {
    expect(
      problems({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        DB_POOL_MIN: '20',
        NODE_ENV: 'staging',
        APP_URL: 'ftp://x',
        SNAPSHOT_CRON: 'daily',
      }),
    ).toEqual({
      NODE_ENV: '"staging" is not one of development, production, test.',
      PORT: '"eighty" is not a whole number from 0 to 65535.',
      APP_URL: '"ftp://x" is not an http(s) URL such as https://mtm.example.com (your deploy\'s public URL).',
      DB_POOL_MIN: '20 is larger than DB_POOL_MAX (10).',
      DATABASE_URL:
        'is not a PostgreSQL URL. Expected postgres://USER:PASSWORD@HOST:PORT/DBNAME (Railway: the Postgres service\'s "DATABASE_URL" variable reference).',
      SNAPSHOT_CRON: '"daily" is not a 5-field cron expression such as "0 4 * * *" (daily at 04:00 UTC).',
    });
  });

  it('the error message lists each variable on its own line', () => {
    expect(() => loadConfig({ PORT: '-1', DB_HOST: 'h' })).toThrow(
      'Configuration is not valid:\n' +
        '  - PORT: "-1" is not a whole number from 0 to 65535.\n' +
        '  - DB_NAME: is required with DB_HOST: the database name, e.g. music_time_machine.\n' +
        '  - DB_USER: is required with DB_HOST: the database role, e.g. postgres.',
    );
  });

  describe('in production', () => {
    const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/d', ...SPOTIFY };

    it('requires a session secret', () => {
      expect(problems(base)).toEqual({
        SESSION_SECRET:
          'is required in production (it signs sessions and encrypts Spotify tokens). Generate one with `npx mtm secret` (or `openssl rand -base64 48`) and set it as SESSION_SECRET.',
      });
    });

    it('refuses a short secret under whichever alias it came', () => {
      expect(Object.keys(problems({ ...base, FLASK_SECRET_KEY: 'short-secret' }))).toEqual(['FLASK_SECRET_KEY']);
      expect(problems({ ...base, SESSION_SECRET: 'a'.repeat(31) }).SESSION_SECRET).toMatch(/^is shorter than 32 bytes\./);
    });

    it('refuses well-known development secrets even when long enough', () => {
      expect(problems({ ...base, SESSION_SECRET: DEVELOPMENT_SESSION_SECRET }).SESSION_SECRET).toMatch(/^is a well-known development value/);
      expect(problems({ ...base, SESSION_SECRET: 'replace-me-with-a-long-random-string-of-at-least-32-bytes' }).SESSION_SECRET).toMatch(
        /^is a well-known development value/,
      );
    });

    it('needs a Spotify app unless demo mode is asked for explicitly', () => {
      const { SPOTIFY_CLIENT_ID: _, SPOTIFY_CLIENT_SECRET: __, SPOTIFY_REDIRECT_URI: ___, ...noSpotify } = base;
      expect(Object.keys(problems({ ...noSpotify, SESSION_SECRET: SECRET }))).toEqual(['SPOTIFY_CLIENT_ID']);
      const demo = loadConfig({ ...noSpotify, SESSION_SECRET: SECRET, DEMO_MODE: 'true' });
      expect(demo.demoMode).toBe(true);
      expect(demo.host).toBe('::');
    });

    it('refuses to fall back to the embedded database, naming the variables to set', () => {
      const { DATABASE_URL: _, ...noDatabase } = base;
      expect(problems({ ...noDatabase, SESSION_SECRET: SECRET })).toEqual({
        DATABASE_URL:
          "is not set, and production does not fall back to the embedded database (its files would live on this machine's disk, " +
          'which a PaaS wipes on every deploy). Set DATABASE_URL (Railway: ${{Postgres.DATABASE_URL}}) or the tutorial\'s DB_HOST, ' +
          'DB_PORT, DB_NAME, DB_USER and DB_PASSWORD. To run the embedded database in production on purpose (one process only, ' +
          'on a persistent disk), set EMBEDDED_IN_PRODUCTION=true and DATA_DIR.',
      });
      // DATA_DIR alone is not consent: a volume path copied from a template must not hide a missing DATABASE_URL.
      expect(Object.keys(problems({ ...noDatabase, SESSION_SECRET: SECRET, DATA_DIR: '/data' }))).toEqual(['DATABASE_URL']);
      expect(problems({ ...noDatabase, SESSION_SECRET: SECRET, EMBEDDED_IN_PRODUCTION: 'true' })).toEqual({
        DATA_DIR: 'is required with EMBEDDED_IN_PRODUCTION=true: a folder on a persistent disk (e.g. a mounted volume).',
      });
      expect(problems({ ...noDatabase, SESSION_SECRET: SECRET, EMBEDDED_IN_PRODUCTION: 'yes', DATA_DIR: '/data' })).toMatchObject({
        EMBEDDED_IN_PRODUCTION: '"yes" is not true or false.',
      });
      const embedded = loadConfig({ ...noDatabase, SESSION_SECRET: SECRET, EMBEDDED_IN_PRODUCTION: 'true', DATA_DIR: '/data' });
      expect(embedded.database).toEqual({ kind: 'embedded', dataDir: '/data' });
      // The tutorial's DB_* names configure the database as well as DATABASE_URL does.
      const tutorial = loadConfig({ ...noDatabase, SESSION_SECRET: SECRET, DB_HOST: 'db', DB_NAME: 'music', DB_USER: 'me' });
      expect(tutorial.database).toMatchObject({ kind: 'postgres', url: 'postgres://me@db:5432/music' });
    });

    it('database-only commands need only the database settings', () => {
      expect(loadDatabaseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/d' })).toEqual({
        nodeEnv: 'production',
        isProduction: true,
        database: { kind: 'postgres', url: 'postgres://u@h/d', poolMin: 2, poolMax: 10, statementTimeoutMs: 30000 },
      });
      expect(() => loadDatabaseConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL: is not set, and production does not fall back/);
      expect(loadDatabaseConfig({}).database).toEqual({ kind: 'embedded', dataDir: './data' });
    });

    it('starts with a strong secret', () => {
      const config = loadConfig({ ...base, SESSION_SECRET: SECRET, APP_URL: 'https://mtm.example.com/' });
      expect(config).toMatchObject({ isProduction: true, demoMode: false, appUrl: 'https://mtm.example.com', host: '::' });
    });
  });

  it('refuses a half-configured Spotify app, naming what is missing', () => {
    expect(Object.keys(problems({ SPOTIFY_CLIENT_ID: 'x' }))).toEqual(['SPOTIFY_REDIRECT_URI']);
    expect(Object.keys(problems({ SPOTIFY_REDIRECT_URI: 'https://a.example/callback' }))).toEqual(['SPOTIFY_CLIENT_ID']);
    expect(Object.keys(problems({ SPOTIPY_CLIENT_SECRET: 'x' }))).toEqual(['SPOTIPY_CLIENT_SECRET']);
  });
});

describe('the redirect URI reaches this app', () => {
  const env = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/d', SESSION_SECRET: SECRET, SPOTIFY_CLIENT_ID: 'abc' };

  it('must end in /callback, under whichever alias it came', () => {
    expect(problems({ ...env, SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/oauth/return' })).toEqual({
      SPOTIFY_REDIRECT_URI:
        '"https://mtm.example.com/oauth/return" must end in /callback, the app\'s login callback route, e.g. https://mtm.example.com/callback (and register exactly that in your Spotify app).',
    });
    expect(Object.keys(problems({ ...env, SPOTIPY_REDIRECT_URI: 'https://mtm.example.com/' }))).toEqual(['SPOTIPY_REDIRECT_URI']);
  });

  it('names a wrong APP_URL alone, without checking the redirect URI against it', () => {
    expect(problems({ ...env, APP_URL: 'ftp://x', SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback' })).toEqual({
      APP_URL: '"ftp://x" is not an http(s) URL such as https://mtm.example.com (your deploy\'s public URL).',
    });
  });

  it("must be on APP_URL's host when both are set", () => {
    expect(problems({ ...env, APP_URL: 'https://mtm.example.com', SPOTIPY_REDIRECT_URI: 'https://old.example.com/callback' })).toEqual({
      SPOTIPY_REDIRECT_URI:
        '"https://old.example.com/callback" is on old.example.com but APP_URL is on mtm.example.com; use https://mtm.example.com/callback (and register exactly that in your Spotify app).',
    });
    const ok = loadConfig({ ...env, APP_URL: 'https://mtm.example.com/', SPOTIPY_REDIRECT_URI: 'https://mtm.example.com/callback' });
    expect(ok.spotify?.redirectUri).toBe('https://mtm.example.com/callback');
    // Behind a path prefix the callback lives under it.
    expect(loadConfig({ ...env, APP_URL: 'https://example.com/mtm', SPOTIFY_REDIRECT_URI: 'https://example.com/mtm/callback' }).spotify?.redirectUri).toBe(
      'https://example.com/mtm/callback',
    );
  });
});

describe('checkRedirectUri (Spotify rules since 2025)', () => {
  it('accepts HTTPS and loopback IP literals with a port', () => {
    expect(checkRedirectUri('https://mtm.up.railway.app/callback')).toBeUndefined();
    expect(checkRedirectUri('http://127.0.0.1:3000/callback')).toBeUndefined();
    expect(checkRedirectUri('http://[::1]:3000/callback')).toBeUndefined();
  });

  it('refuses localhost and says what to use instead', () => {
    expect(checkRedirectUri('http://localhost:8888/callback')).toBe(
      '"http://localhost:8888/callback" uses localhost, which Spotify no longer accepts for redirect URIs. ' +
        'Use the loopback IP instead: http://127.0.0.1:8888/callback (and register that in your Spotify app).',
    );
  });

  it('refuses plain HTTP to other hosts, a loopback without a port, and non-URLs', () => {
    expect(checkRedirectUri('http://mtm.example.com/callback')).toMatch(/must be HTTPS/);
    expect(checkRedirectUri('http://127.0.0.1/callback')).toBe('"http://127.0.0.1/callback" needs an explicit port, e.g. http://127.0.0.1:3000/callback.');
    expect(checkRedirectUri('callback')).toMatch(/is not a URL/);
  });
});
