import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { createSpotifyClient, type SpotifyClientOptions } from '../../src/spotify/client.js';

/**
 * The real Spotify client pointed at a fake Spotify, as tests want it by default: the real clock,
 * a 429 fails at once instead of being waited out, and retries back off by 1 ms. Pass what differs.
 */
export function fakeSpotifyClient(fake: FakeSpotify, options: Partial<SpotifyClientOptions> = {}) {
  return createSpotifyClient({
    accountsUrl: fake.accountsUrl,
    apiUrl: fake.apiUrl,
    clientId: fake.clientId,
    fetch: globalThis.fetch,
    clock: systemClock,
    maxInProcessWaitSeconds: 0,
    backoffBaseMs: 1,
    ...options,
  });
}
