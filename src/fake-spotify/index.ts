export { startFakeSpotify, DEMO_USERS, FAKE_CLIENT_ID, sharedCatalogue } from './server.js';
export type { FakeSpotify, FakeSpotifyOptions, FakeUserInput, FaultRule, LoggedRequest, FakePlaylist, TokenSet } from './server.js';
export { buildCatalogue, trackObject } from './catalogue.js';
export { buildTaste } from './taste.js';
