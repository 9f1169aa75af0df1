/** The authorization scopes Spotify knows; /authorize refuses any other with invalid_scope. */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'ugc-image-upload',
  'user-read-playback-state',
  'user-modify-playback-state',
  'user-read-currently-playing',
  'app-remote-control',
  'streaming',
  'playlist-read-private',
  'playlist-read-collaborative',
  'playlist-modify-private',
  'playlist-modify-public',
  'user-follow-modify',
  'user-follow-read',
  'user-read-playback-position',
  'user-top-read',
  'user-read-recently-played',
  'user-library-modify',
  'user-library-read',
  'user-read-email',
  'user-read-private',
  'user-personalized',
]);

/** The scopes of a space-separated list that Spotify does not know. */
export function unknownScopes(scope: string): string[] {
  return scope.split(' ').filter((s) => s !== '' && !KNOWN_SCOPES.has(s));
}
