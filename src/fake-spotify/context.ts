import type { Clock } from '../lib/clock.js';
import type { Catalogue } from './catalogue.js';
import type { FakeSpotifyOptions, FakeUser } from './types.js';

/** What the accounts service and the Web API of one fake share: settings, clock and listeners. */
export interface FakeContext {
  readonly options: FakeSpotifyOptions;
  readonly clock: Clock;
  readonly clientId: string;
  readonly catalogue: Catalogue;
  readonly users: Map<string, FakeUser>;
  /** ms since epoch on the fake's clock. */
  now(): number;
  /** The server's base URL (known once it listens). */
  url(): string;
}
