export { startFakeSpotify, DEMO_USERS, FAKE_CLIENT_ID, sharedCatalogue } from './server.js';
export type { FakeSpotify, FakeSpotifyOptions, FakeUserInput, FaultRule, LoggedRequest, FakePlaylist, TokenSet, IssueTokenOptions } from './types.js';
export { DEFAULT_REDIRECT_URIS, REFRESH_TOKEN_LIFETIME_MONTHS, registrableRedirectUri } from './accounts.js';
export { MAX_DEVELOPMENT_USERS, NOT_REGISTERED_MESSAGE } from './development-mode.js';
export { buildCatalogue, trackObject } from './catalogue.js';
export { buildTaste } from './taste.js';
