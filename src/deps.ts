import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { DEMO_USERS, startFakeSpotify, type FakeSpotify } from './fake-spotify/index.js';
import { systemClock, type Clock } from './lib/clock.js';
import { DEMO_SPOTIFY_PREFIX } from './lib/demo-spotify-path.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createKeyedRateLimiter, createRateLimiter, type RateLimiter } from './lib/rate-limiter.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import type { CaptureDeps } from './services/capture.js';
import type { RetryPolicy } from './services/capture-runs.js';
import { createTokenCipher, type TokenCipher } from './lib/token-cipher.js';
import { spotifyForUser, type SpotifyForUser } from './services/spotify-user.js';
import { createSpotifyClient, type SpotifyClient, type SpotifyClientOptions } from './spotify/client.js';

/**
 * The one composition root: everything the app, the jobs and the CLI need, built once from the
 * config. Tests build it with their own database, clock and logger.
 */
export interface Deps {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Encrypts Spotify tokens at rest (AES-256-GCM, key derived from the session secret). */
  readonly tokenCipher: TokenCipher;
  readonly spotify: SpotifyDeps;
  /** What snapshot captures need: the database, the clock and Spotify acting for a user. */
  readonly capture: CaptureDeps;
  /** pg-boss: scheduled captures. Created here, started by main.ts after the migrations. */
  readonly jobs: JobRunner;
  /** Limits that protect the instance from hostile or runaway clients (tests make them small). */
  readonly limits: AppLimits;
  /** Releases everything in reverse order of creation; safe to call twice. */
  close(): Promise<void>;
}

export interface SpotifyDeps {
  readonly client: SpotifyClient;
  /** The callback URL sent to Spotify's /authorize and /api/token. */
  readonly redirectUri: string;
  /** Demo mode only: the in-process fake Spotify that `client` talks to. */
  readonly fake: FakeSpotify | undefined;
  /** Spotify calls on behalf of one stored user (tokens loaded, refreshed and rotated). */
  forUser(userId: number): SpotifyForUser;
}

export interface AppLimits {
  /** Uploads stream into private folders `mtm-upload-*` under this one (swept at start-up). */
  readonly uploadRoot: string;
  /** An upload body that sends nothing for this long is answered 408. */
  readonly uploadIdleTimeoutMs: number;
  /**
   * Requests per client address and window, by group: /login and /callback; POST routes;
   * /api/*. Over it: 429 with Retry-After (routes/plugins/protection.ts).
   */
  readonly rateLimitWindowMs: number;
  readonly loginRequestsPerWindow: number;
  readonly postRequestsPerWindow: number;
  readonly apiRequestsPerWindow: number;
  /** One on-demand capture (POST /snapshot) per user per this long. */
  readonly captureCooldownMs: number;
  /** One user's share of the instance's Spotify budget (SPOTIFY_RATE_LIMIT), as a fraction. */
  readonly spotifyUserShare: number;
}

export const DEFAULT_LIMITS: AppLimits = {
  uploadRoot: join(tmpdir(), 'mtm-uploads'),
  uploadIdleTimeoutMs: 60_000,
  rateLimitWindowMs: 60_000,
  loginRequestsPerWindow: 30,
  postRequestsPerWindow: 60,
  apiRequestsPerWindow: 300,
  captureCooldownMs: 3 * 60_000,
  spotifyUserShare: 0.5,
};

export interface DepsOverrides {
  /** Tests: small limits and timeouts, a private upload folder. */
  limits?: Partial<AppLimits>;
  database?: Database;
  clock?: Clock;
  logger?: Logger;
  /** Client settings to override (tests: the fake's URLs, a limiter, short timeouts). */
  spotify?: Partial<Omit<SpotifyClientOptions, 'clock'>> & { redirectUri?: string };
  /** Demo mode: use this fake Spotify (owned by the caller) instead of starting one. */
  fakeSpotify?: FakeSpotify;
  /**
   * Job runner settings (tests: fast polling, short retries). `postgresUrl` gives pg-boss its
   * own pool even though the database was handed in, as a deployed instance has (tests that
   * run several instances against one PostgreSQL).
   */
  jobs?: { pollingIntervalSeconds?: number; retryPolicy?: RetryPolicy; postgresUrl?: string };
}

/** A 429 asking us to wait longer than this fails the call (callers reschedule) instead of blocking. */
export const MAX_IN_PROCESS_WAIT_SECONDS = 30;

type SpotifyEndpoints = Pick<SpotifyClientOptions, 'accountsUrl' | 'browserAccountsUrl' | 'apiUrl' | 'clientId' | 'clientSecret'>;

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const database = overrides.database ?? (await openDatabase(config.database, logger, { startFromImage: true }));
  const tokenCipher = createTokenCipher(config.sessionSecret);

  let fake: FakeSpotify | undefined;
  let ownsFake = false;
  // Where the client finds Spotify (or the demo's fake) and as which app; the rest is shared.
  let endpoints: SpotifyEndpoints;
  let redirectUri: string;
  try {
    if (config.spotify) {
      endpoints = {
        accountsUrl: config.spotify.accountsUrl ?? 'https://accounts.spotify.com',
        apiUrl: config.spotify.apiUrl ?? 'https://api.spotify.com/v1',
        clientId: config.spotify.clientId,
        clientSecret: config.spotify.clientSecret,
      };
      redirectUri = config.spotify.redirectUri;
    } else {
      // Demo mode: an offline Spotify on a loopback port, in this process.
      fake = overrides.fakeSpotify;
      if (!fake) {
        // The demo's own callback is the registered redirect URI; its listeners are the app's
        // User Management list (development mode, as a self-hosted Spotify app is).
        fake = await startFakeSpotify({ clock, redirectUris: [`${config.appUrl}/callback`], allowlist: DEMO_USERS.map((u) => u.id) });
        ownsFake = true;
      }
      endpoints = {
        accountsUrl: fake.accountsUrl,
        // Browsers reach the fake's consent page through the app (routes/demo-spotify.ts), so
        // the demo also works when the app is not on this machine's loopback (DEMO_MODE=true deploys).
        browserAccountsUrl: `${config.appUrl}${DEMO_SPOTIFY_PREFIX}`,
        apiUrl: fake.apiUrl,
        clientId: fake.clientId,
      };
      redirectUri = `${config.appUrl}/callback`;
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  const { redirectUri: redirectOverride, ...clientOverrides } = overrides.spotify ?? {};
  const limits: AppLimits = Object.freeze({ ...DEFAULT_LIMITS, ...overrides.limits });
  // One bucket for every request this instance sends to Spotify, whoever it is for...
  const limiter: RateLimiter = createRateLimiter({ perSecond: config.spotifyRequestsPerSecond, burst: config.spotifyRequestsPerSecond });
  // ...and under it one per user, so a user in a loop waits on their own bucket, not everyone's.
  const userShare = Math.max(1, config.spotifyRequestsPerSecond * limits.spotifyUserShare);
  const userLimiters = createKeyedRateLimiter({ perSecond: userShare, burst: Math.max(1, Math.ceil(userShare)) });
  const client = createSpotifyClient({
    ...endpoints,
    fetch: globalThis.fetch,
    clock,
    maxInProcessWaitSeconds: MAX_IN_PROCESS_WAIT_SECONDS,
    limiter,
    ...clientOverrides,
  });
  const spotify: SpotifyDeps = {
    client,
    redirectUri: redirectOverride ?? redirectUri,
    fake,
    forUser: (userId) => spotifyForUser({ db: database.db, client, cipher: tokenCipher, clock, userLimiter: userLimiters.forKey(userId) }, userId),
  };

  const capture: CaptureDeps = { db: database.db, clock, spotifyFor: async (userId) => spotify.forUser(userId) };
  const jobs = createJobRunner({
    database,
    // PostgreSQL: pg-boss gets its own small pool. Embedded (or a database handed in): our handle.
    postgresUrl: overrides.jobs?.postgresUrl ?? (!overrides.database && config.database.kind === 'postgres' ? config.database.url : undefined),
    clock,
    logger,
    capture,
    cron: config.snapshotCron,
    concurrency: config.snapshotConcurrency,
    retryPolicy: overrides.jobs?.retryPolicy,
    pollingIntervalSeconds: overrides.jobs?.pollingIntervalSeconds,
  });

  let closed: Promise<void> | undefined;
  return {
    config,
    database,
    clock,
    logger,
    tokenCipher,
    spotify,
    capture,
    jobs,
    limits,
    close: () =>
      (closed ??= (async () => {
        try {
          // Running captures finish (or are handed back to the queue) before the pool goes.
          await jobs.stop();
          await database.close();
        } finally {
          if (ownsFake) await fake?.stop();
        }
      })()),
  };
}
