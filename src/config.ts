import { cronProblem } from './lib/cron.js';
import { estimateSecretBits, shortestRepeatingUnit } from './lib/secret-strength.js';
import { ConfigError, type ConfigProblem } from './lib/errors.js';

/**
 * The whole configuration, read once at start-up from the environment (and an optional .env
 * file, see lib/env-file.ts). `loadConfig` is pure: same input, same frozen output, or one
 * ConfigError naming every bad variable. Nothing else in the code reads `process.env`.
 */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  /** Public base URL, no trailing slash. */
  readonly appUrl: string;
  readonly logLevel: string;
  readonly database: DatabaseConfig;
  readonly sessionSecret: string;
  /** The operator's Spotify app; undefined means demo mode (the in-process fake Spotify). */
  readonly spotify: SpotifyAppConfig | undefined;
  readonly demoMode: boolean;
  readonly snapshotCron: string;
  /** Captures one instance runs at once (SNAPSHOT_CONCURRENCY). */
  readonly snapshotConcurrency: number;
  /** Requests per second one instance sends to Spotify, all users together (SPOTIFY_RATE_LIMIT). */
  readonly spotifyRequestsPerSecond: number;
}

export type DatabaseConfig =
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolMin: number;
      readonly poolMax: number;
      readonly statementTimeoutMs: number;
    }
  | { readonly kind: 'embedded'; readonly dataDir: string };

export interface SpotifyAppConfig {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly redirectUri: string;
  /** Accounts service base URL (default https://accounts.spotify.com; `mtm fake-spotify` for staging). */
  readonly accountsUrl?: string;
  /** Web API base URL (default https://api.spotify.com/v1). */
  readonly apiUrl?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Secrets that appear in tutorials, templates and our own development default. Refused in
 * production because anyone can forge a session cookie with them.
 */
export const DEVELOPMENT_SESSION_SECRET = 'mtm-development-only-secret-do-not-use-in-production';
const WELL_KNOWN_SECRETS = new Set([
  DEVELOPMENT_SESSION_SECRET,
  'dev',
  'secret',
  'changeme',
  'change-me',
  'your-secret-key',
  'your-secret-key-here',
  'your_secret_key_here',
  'supersecretkey',
  'replace-me-with-a-long-random-string-of-at-least-32-bytes',
]);
const MIN_SECRET_BYTES = 32;
/** Estimated entropy a production secret must reach (lib/secret-strength.ts). */
export const MIN_SECRET_BITS = 128;

export interface LoadConfigOptions {
  /**
   * Outside production, the secret to use when SESSION_SECRET is unset: the one main.ts and the
   * CLI keep in DATA_DIR (lib/local-secret.ts; see localSecretDir). Without it the public
   * development constant is used, which only tests rely on.
   */
  localSecret?: string;
}

const SECRET_NAMES = ['SESSION_SECRET', 'FLASK_SECRET_KEY', 'SECRET_KEY'];

/**
 * Where a generated development secret belongs, when one is needed: outside production with no
 * SESSION_SECRET (or alias) set, DATA_DIR (default ./data). undefined: none is needed.
 */
export function localSecretDir(env: Env): string | undefined {
  if (pick(env, ['NODE_ENV'])?.value === 'production' || pick(env, SECRET_NAMES)) return undefined;
  return pick(env, ['DATA_DIR'])?.value ?? './data';
}

/** What commands that only touch the database need (`db`, `import-sqlite`, `verify`, `export-sqlite`, `preflight`). */
export interface DatabaseOnlyConfig {
  readonly nodeEnv: Config['nodeEnv'];
  readonly isProduction: boolean;
  readonly database: DatabaseConfig;
}

/**
 * Only the database settings (and NODE_ENV, which decides whether the embedded database is
 * allowed). An operator running `mtm db migrate` from a laptop against production needs the
 * database URL, not the session secret or the Spotify app.
 */
export function loadDatabaseConfig(env: Env): DatabaseOnlyConfig {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });
  const nodeEnv = readNodeEnv(env, problem);
  const database = readDatabase(env, nodeEnv === 'production', problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ nodeEnv, isProduction: nodeEnv === 'production', database: Object.freeze(database!) });
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });

  const nodeEnv = readNodeEnv(env, problem);
  const isProduction = nodeEnv === 'production';

  const port = readInt(env, 'PORT', 3000, { min: 0, max: 65535 }, problem);
  // Production listens on every IPv6 and IPv4 address (`::` is dual-stack on Linux): Railway's
  // private network is IPv6 only. main.ts falls back to 0.0.0.0 on a host without IPv6.
  const host = pick(env, ['HOST'])?.value ?? (isProduction ? '::' : '127.0.0.1');
  // APP_URL as configured (undefined when unset or wrong), and the URL the app uses.
  const explicitAppUrl = readHttpUrl(env, 'APP_URL', problem, " such as https://mtm.example.com (your deploy's public URL).");
  const appUrl = explicitAppUrl ?? `http://127.0.0.1:${port}`;
  const logLevel = pick(env, ['LOG_LEVEL'])?.value ?? (nodeEnv === 'test' ? 'silent' : 'info');

  const database = readDatabase(env, isProduction, problem);
  const sessionSecret = readSessionSecret(env, isProduction, problem, options.localSecret);
  const spotify = readSpotify(env, explicitAppUrl, problem);

  const demoFlag = pick(env, ['DEMO_MODE'])?.value;
  if (demoFlag !== undefined && !['true', 'false', '1', '0'].includes(demoFlag)) {
    problem('DEMO_MODE', `"${demoFlag}" is not a boolean; use true or false.`);
  }
  const demoRequested = demoFlag === 'true' || demoFlag === '1';
  if (spotify && demoRequested) {
    problem('DEMO_MODE', 'demo mode replaces Spotify with an offline fake; unset DEMO_MODE or the SPOTIFY_* variables.');
  }
  // A Spotify variable that is set but wrong is already named above; "missing" would mislead.
  const spotifyAttempted = pick(env, ['SPOTIFY_CLIENT_ID', 'SPOTIPY_CLIENT_ID', 'SPOTIFY_REDIRECT_URI', 'SPOTIPY_REDIRECT_URI']) !== undefined;
  if (!spotify && isProduction && !demoRequested && !spotifyAttempted) {
    problem(
      'SPOTIFY_CLIENT_ID',
      'missing in production. Create an app at developer.spotify.com/dashboard and set SPOTIFY_CLIENT_ID, ' +
        'SPOTIFY_CLIENT_SECRET and SPOTIFY_REDIRECT_URI (or set DEMO_MODE=true to run the offline demo).',
    );
  }
  const demoMode = !spotify && (!isProduction || demoRequested);

  const snapshotCron = pick(env, ['SNAPSHOT_CRON'])?.value ?? '0 4 * * *';
  if (!/^\s*\S+(\s+\S+){4}\s*$/.test(snapshotCron) || cronProblem(snapshotCron)) {
    problem('SNAPSHOT_CRON', `"${snapshotCron}" is not a 5-field cron expression such as "0 4 * * *" (daily at 04:00 UTC).`);
  }

  const snapshotConcurrency = readInt(env, 'SNAPSHOT_CONCURRENCY', 4, { min: 1, max: 64 }, problem);
  const spotifyRequestsPerSecond = readInt(env, 'SPOTIFY_RATE_LIMIT', 10, { min: 1, max: 1000 }, problem);

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    nodeEnv,
    isProduction,
    host,
    port,
    appUrl,
    logLevel,
    database: Object.freeze(database!),
    sessionSecret: sessionSecret!,
    spotify: spotify && Object.freeze(spotify),
    demoMode,
    snapshotCron,
    snapshotConcurrency,
    spotifyRequestsPerSecond,
  });
}

type Problem = (variable: string, message: string) => void;

function readNodeEnv(env: Env, problem: Problem): Config['nodeEnv'] {
  const raw = pick(env, ['NODE_ENV'])?.value ?? 'development';
  if (raw === 'development' || raw === 'production' || raw === 'test') return raw;
  problem('NODE_ENV', `"${raw}" is not one of development, production, test.`);
  return 'development';
}

/** The first of several alias names that is set to a non-empty value. */
function pick(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function readInt(
  env: Env,
  name: string,
  fallback: number,
  range: { min: number; max: number },
  problem: Problem,
): number {
  const raw = pick(env, [name])?.value;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    problem(name, `"${raw}" is not a whole number from ${range.min} to ${range.max}.`);
    return fallback;
  }
  return value;
}

function readDatabase(env: Env, isProduction: boolean, problem: Problem): DatabaseConfig | undefined {
  const poolMin = readInt(env, 'DB_POOL_MIN', 2, { min: 0, max: 1000 }, problem);
  const poolMax = readInt(env, 'DB_POOL_MAX', 10, { min: 1, max: 1000 }, problem);
  const statementTimeoutMs = readInt(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000, { min: 0, max: 86_400_000 }, problem);
  if (poolMin > poolMax) problem('DB_POOL_MIN', `${poolMin} is larger than DB_POOL_MAX (${poolMax}).`);

  const url = pick(env, ['DATABASE_URL'])?.value;
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      problem(
        'DATABASE_URL',
        'is not a PostgreSQL URL. Expected postgres://USER:PASSWORD@HOST:PORT/DBNAME ' +
          '(Railway: the Postgres service\'s "DATABASE_URL" variable reference).',
      );
      return undefined;
    }
    return { kind: 'postgres', url, poolMin, poolMax, statementTimeoutMs };
  }

  // The tutorial's five DB_* variables, assembled into a URL.
  const host = pick(env, ['DB_HOST'])?.value;
  if (host !== undefined) {
    const name = pick(env, ['DB_NAME'])?.value;
    const user = pick(env, ['DB_USER'])?.value;
    if (!name) problem('DB_NAME', 'is required with DB_HOST: the database name, e.g. music_time_machine.');
    if (!user) problem('DB_USER', 'is required with DB_HOST: the database role, e.g. postgres.');
    const portRaw = pick(env, ['DB_PORT'])?.value ?? '5432';
    if (!/^\d+$/.test(portRaw)) problem('DB_PORT', `"${portRaw}" is not a port number such as 5432.`);
    if (!name || !user) return undefined;
    const password = pick(env, ['DB_PASSWORD'])?.value;
    const auth = encodeURIComponent(user) + (password ? `:${encodeURIComponent(password)}` : '');
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return {
      kind: 'postgres',
      url: `postgres://${auth}@${hostPart}:${portRaw}/${encodeURIComponent(name)}`,
      poolMin,
      poolMax,
      statementTimeoutMs,
    };
  }

  const dataDir = pick(env, ['DATA_DIR'])?.value;
  const embeddedFlag = pick(env, ['EMBEDDED_IN_PRODUCTION'])?.value;
  if (embeddedFlag !== undefined && embeddedFlag !== 'true' && embeddedFlag !== 'false') {
    problem('EMBEDDED_IN_PRODUCTION', `"${embeddedFlag}" is not true or false.`);
  }
  if (isProduction) {
    // A mistyped variable reference must not quietly put production data in ./data, which a
    // PaaS wipes on every deploy (and which a laptop's CLI would fill instead of the server).
    if (embeddedFlag !== 'true') {
      problem(
        'DATABASE_URL',
        'is not set, and production does not fall back to the embedded database (its files would live on this ' +
          "machine's disk, which a PaaS wipes on every deploy). Set DATABASE_URL (Railway: ${{Postgres.DATABASE_URL}}) " +
          "or the tutorial's DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_PASSWORD. To run the embedded database in " +
          'production on purpose (one process only, on a persistent disk), set EMBEDDED_IN_PRODUCTION=true and DATA_DIR.',
      );
      return undefined;
    }
    if (!dataDir) {
      problem('DATA_DIR', 'is required with EMBEDDED_IN_PRODUCTION=true: a folder on a persistent disk (e.g. a mounted volume).');
      return undefined;
    }
  }
  return { kind: 'embedded', dataDir: dataDir ?? './data' };
}

function readSessionSecret(env: Env, isProduction: boolean, problem: Problem, localSecret: string | undefined): string | undefined {
  const found = pick(env, SECRET_NAMES);
  const howTo = 'Generate one with `npx mtm secret` (or `openssl rand -base64 48`) and set it as SESSION_SECRET.';
  if (!found) {
    if (isProduction) {
      problem('SESSION_SECRET', `is required in production (it signs sessions and encrypts Spotify tokens). ${howTo}`);
      return undefined;
    }
    return localSecret ?? DEVELOPMENT_SESSION_SECRET;
  }
  if (isProduction) {
    // "changeme" pasted five times is still "changeme".
    const unit = shortestRepeatingUnit([...found.value]).join('').toLowerCase();
    if (WELL_KNOWN_SECRETS.has(found.value.toLowerCase()) || WELL_KNOWN_SECRETS.has(unit) || found.value === DEVELOPMENT_SESSION_SECRET) {
      problem(found.name, `is a well-known development value; anyone could forge sessions with it. ${howTo}`);
      return undefined;
    }
    if (Buffer.byteLength(found.value, 'utf8') < MIN_SECRET_BYTES) {
      problem(found.name, `is shorter than ${MIN_SECRET_BYTES} bytes. ${howTo}`);
      return undefined;
    }
    const bits = Math.floor(estimateSecretBits(found.value));
    if (bits < MIN_SECRET_BITS) {
      problem(
        found.name,
        `is too easy to guess (about ${bits} bits of entropy: repeated or sequential characters; at least ${MIN_SECRET_BITS} are needed). ${howTo}`,
      );
      return undefined;
    }
  }
  return found.value;
}

/** Pointing the app at `mtm fake-spotify` is what SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL are for. */
const SPOTIFY_URL_ADVICE = '. Leave it unset to use Spotify itself.';

/** `appUrl` is the explicitly configured APP_URL (undefined when it was left to its default). */
function readSpotify(env: Env, appUrl: string | undefined, problem: Problem): SpotifyAppConfig | undefined {
  const clientId = pick(env, ['SPOTIFY_CLIENT_ID', 'SPOTIPY_CLIENT_ID']);
  const clientSecret = pick(env, ['SPOTIFY_CLIENT_SECRET', 'SPOTIPY_CLIENT_SECRET']);
  const redirectUri = pick(env, ['SPOTIFY_REDIRECT_URI', 'SPOTIPY_REDIRECT_URI']);
  const accountsUrl = readHttpUrl(env, 'SPOTIFY_ACCOUNTS_URL', problem, SPOTIFY_URL_ADVICE);
  const apiUrl = readHttpUrl(env, 'SPOTIFY_API_URL', problem, SPOTIFY_URL_ADVICE);
  if (!clientId && !redirectUri) {
    if (clientSecret) problem(clientSecret.name, 'is set but SPOTIFY_CLIENT_ID is not; set both (or neither, for demo mode).');
    return undefined;
  }
  const fromDashboard = 'Copy it from your app at developer.spotify.com/dashboard.';
  if (!clientId) {
    problem('SPOTIFY_CLIENT_ID', `is required when SPOTIFY_REDIRECT_URI is set. ${fromDashboard}`);
    return undefined;
  }
  if (!redirectUri) {
    problem(
      'SPOTIFY_REDIRECT_URI',
      `is required with SPOTIFY_CLIENT_ID: the callback URL registered in your Spotify app, e.g. https://your-app.up.railway.app/callback or http://127.0.0.1:3000/callback. ${fromDashboard}`,
    );
    return undefined;
  }
  const redirectProblem = checkRedirectUri(redirectUri.value) ?? checkRedirectTarget(redirectUri.value, appUrl);
  if (redirectProblem) {
    problem(redirectUri.name, redirectProblem);
    return undefined;
  }
  return {
    clientId: clientId.value,
    clientSecret: clientSecret?.value,
    redirectUri: redirectUri.value,
    ...(accountsUrl ? { accountsUrl } : {}),
    ...(apiUrl ? { apiUrl } : {}),
  };
}

/**
 * An optional http(s) URL without its trailing slash (APP_URL, SPOTIFY_ACCOUNTS_URL, ...);
 * `advice` ends the problem message, e.g. an example of a good value.
 */
function readHttpUrl(env: Env, name: string, problem: Problem, advice: string): string | undefined {
  const raw = pick(env, [name])?.value;
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.href.replace(/\/+$/, '');
  } catch {
    problem(name, `"${raw}" is not an http(s) URL${advice}`);
    return undefined;
  }
}

/**
 * Spotify sends the browser back to the redirect URI, so it must reach this app's `/callback`
 * route, on the host users reach the app at (APP_URL, when it is set): a login that starts on
 * one host and comes back to another loses its session cookie.
 */
export function checkRedirectTarget(value: string, appUrl: string | undefined): string | undefined {
  const url = new URL(value);
  if (!url.pathname.endsWith('/callback')) {
    return `"${value}" must end in /callback, the app's login callback route, e.g. ${url.origin}/callback (and register exactly that in your Spotify app).`;
  }
  if (appUrl !== undefined) {
    const app = new URL(appUrl);
    if (app.host !== url.host) {
      return `"${value}" is on ${url.host} but APP_URL is on ${app.host}; use ${app.origin}${app.pathname.replace(/\/$/, '')}/callback (and register exactly that in your Spotify app).`;
    }
  }
  return undefined;
}

/**
 * Spotify (since 2025) accepts only HTTPS redirect URIs, or plain HTTP to a loopback IP literal.
 * `localhost` is refused by Spotify's dashboard, so we refuse it here with the reason.
 */
export function checkRedirectUri(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL. Expected e.g. https://your-app.example.com/callback or http://127.0.0.1:3000/callback.`;
  }
  if (url.hostname === 'localhost') {
    return (
      `"${value}" uses localhost, which Spotify no longer accepts for redirect URIs. ` +
      `Use the loopback IP instead: http://127.0.0.1:${url.port || '3000'}${url.pathname} (and register that in your Spotify app).`
    );
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]')) {
    if (!url.port) return `"${value}" needs an explicit port, e.g. http://127.0.0.1:3000${url.pathname}.`;
    return undefined;
  }
  return `"${value}" must be HTTPS, or http://127.0.0.1:PORT/... or http://[::1]:PORT/... for local use (Spotify's redirect URI rules).`;
}
