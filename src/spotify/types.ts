import Type, { type Static } from 'typebox';

/**
 * Runtime schemas of the Spotify objects we read: only the fields the app uses are required, so
 * Spotify adding fields (or dropping deprecated ones we never read: popularity, preview_url,
 * available_markets) does not break us. Checked against ../shared/spotify/fixed-spotify-open-api.yml
 * (see docs/SPOTIFY.md). Extra properties are always allowed.
 */

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ExternalUrls = Type.Object({ spotify: Type.Optional(Type.String()) });

export const SimplifiedArtist = Type.Object({
  id: Nullable(Type.String()),
  name: Type.String(),
  uri: Type.Optional(Type.String()),
  external_urls: Type.Optional(ExternalUrls),
});

export const SimplifiedAlbum = Type.Object({
  id: Nullable(Type.String()),
  name: Type.String(),
  album_type: Type.Optional(Type.String()),
  release_date: Type.Optional(Nullable(Type.String())),
  release_date_precision: Type.Optional(Nullable(Type.Union([Type.Literal('year'), Type.Literal('month'), Type.Literal('day')]))),
  total_tracks: Type.Optional(Type.Integer()),
  images: Type.Optional(Type.Array(Type.Object({ url: Type.String(), height: Type.Optional(Nullable(Type.Integer())), width: Type.Optional(Nullable(Type.Integer())) }))),
  artists: Type.Optional(Type.Array(SimplifiedArtist)),
  external_urls: Type.Optional(ExternalUrls),
});

export const TrackObject = Type.Object({
  id: Type.String(),
  name: Type.String(),
  uri: Type.String(),
  type: Type.Optional(Type.Literal('track')),
  duration_ms: Type.Integer(),
  explicit: Type.Optional(Type.Boolean()),
  is_local: Type.Optional(Type.Boolean()),
  track_number: Type.Optional(Type.Integer()),
  disc_number: Type.Optional(Type.Integer()),
  /** Deprecated and absent from 2026 development-mode responses; never required. */
  popularity: Type.Optional(Type.Integer()),
  preview_url: Type.Optional(Nullable(Type.String())),
  external_ids: Type.Optional(Type.Object({ isrc: Type.Optional(Type.String()) })),
  external_urls: Type.Optional(ExternalUrls),
  artists: Type.Array(SimplifiedArtist, { minItems: 1 }),
  album: SimplifiedAlbum,
});

/**
 * A local file in a listener's top tracks: Spotify sends it with `id: null` (and nulls or empty
 * values in most other fields). It cannot be archived; the capture skips and counts it.
 */
export const LocalTrackObject = Type.Object({
  id: Type.Null(),
  is_local: Type.Optional(Type.Boolean()),
  name: Type.Optional(Nullable(Type.String())),
  uri: Type.Optional(Nullable(Type.String())),
});

export const PagingTrackObject = Type.Object({
  href: Type.String(),
  items: Type.Array(Type.Union([TrackObject, LocalTrackObject])),
  limit: Type.Integer(),
  next: Nullable(Type.String()),
  offset: Type.Integer(),
  previous: Nullable(Type.String()),
  total: Type.Integer(),
});

export const PrivateUserObject = Type.Object({
  id: Type.String(),
  /** The stable account identifier Spotify added in 2025; not every response has it yet. */
  account_id: Type.Optional(Nullable(Type.String())),
  display_name: Type.Optional(Nullable(Type.String())),
  uri: Type.Optional(Type.String()),
});

export const PlaylistObject = Type.Object({
  id: Type.String(),
  name: Type.String(),
  uri: Type.String(),
  public: Type.Optional(Nullable(Type.Boolean())),
  snapshot_id: Type.Optional(Type.String()),
  external_urls: Type.Optional(ExternalUrls),
});

export const PlaylistSnapshotId = Type.Object({ snapshot_id: Type.String() });

/** The accounts service's token answer (authorization_code and refresh_token grants). */
export const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  token_type: Type.String(),
  expires_in: Type.Integer({ minimum: 1 }),
  scope: Type.Optional(Type.String()),
  /** Present on the code exchange; absent on refresh since 2026 (the original stays valid for six months). */
  refresh_token: Type.Optional(Type.String({ minLength: 1 })),
});

/** Web API error body: {"error": {"status": 401, "message": "..."}}. */
export const WebApiErrorBody = Type.Object({
  error: Type.Object({ status: Type.Integer({ minimum: 400, maximum: 599 }), message: Type.String() }),
});

/** Accounts service error body: {"error": "invalid_grant", "error_description": "..."}. */
export const AccountsErrorBody = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
});

export type SpotifyTrack = Static<typeof TrackObject>;
export type SpotifyLocalTrack = Static<typeof LocalTrackObject>;
export type SpotifyPaging<T> = Omit<Static<typeof PagingTrackObject>, 'items'> & { items: T[] };
export type SpotifyTopTracksPage = Static<typeof PagingTrackObject>;
export type SpotifyUser = Static<typeof PrivateUserObject>;
export type SpotifyPlaylist = Static<typeof PlaylistObject>;
export type SpotifyTokenResponse = Static<typeof TokenResponse>;
