/**
 * Demo mode: the path under the app's URL where browsers reach the in-process fake Spotify's
 * consent pages (routes/demo-spotify.ts serves it; deps.ts gives it to the client as the
 * accounts URL browsers are sent to).
 */
export const DEMO_SPOTIFY_PREFIX = '/demo-spotify';
