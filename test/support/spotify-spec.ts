import Type from 'typebox';

/**
 * Strict mirrors of the Spotify OpenAPI schemas (../shared/spotify/fixed-spotify-open-api.yml,
 * spec 2026.5.31) for the objects the app exchanges. Unlike src/spotify/types.ts (lenient: only
 * what we read), these list every property the spec defines, with its type, and allow no other:
 * the fake Spotify must not invent fields or change types. `scripts/check-spotify-spec.ts`
 * compares these mirrors with the OpenAPI document (see docs/SPOTIFY.md).
 *
 * Spec `required` lists are kept, except deprecated properties the 2026 API no longer sends to
 * development-mode apps (AlbumBase.available_markets): those are optional here.
 */
const Nullable = <T extends Type.TSchema>(s: T) => Type.Union([s, Type.Null()]);
const strict = { additionalProperties: false } as const;

export const ExternalUrlObject = Type.Object({ spotify: Type.Optional(Type.String()) }, strict);
export const ExternalIdObject = Type.Object({ isrc: Type.Optional(Type.String()), ean: Type.Optional(Type.String()), upc: Type.Optional(Type.String()) }, strict);
export const ImageObject = Type.Object({ url: Type.String(), height: Nullable(Type.Integer()), width: Nullable(Type.Integer()) }, strict);

export const SimplifiedArtistObject = Type.Object(
  {
    external_urls: Type.Optional(ExternalUrlObject),
    href: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    type: Type.Optional(Type.Literal('artist')),
    uri: Type.Optional(Type.String()),
  },
  strict,
);

export const SimplifiedAlbumObject = Type.Object(
  {
    album_type: Type.Union([Type.Literal('album'), Type.Literal('single'), Type.Literal('compilation')]),
    total_tracks: Type.Integer(),
    available_markets: Type.Optional(Type.Array(Type.String())), // required in the spec, deprecated, not sent in 2026
    external_urls: ExternalUrlObject,
    href: Type.String(),
    id: Type.String(),
    images: Type.Array(ImageObject),
    name: Type.String(),
    release_date: Type.String({ pattern: '^\\d{4}(-\\d{2}(-\\d{2})?)?$' }),
    release_date_precision: Type.Union([Type.Literal('year'), Type.Literal('month'), Type.Literal('day')]),
    restrictions: Type.Optional(Type.Object({ reason: Type.Optional(Type.String()) })),
    type: Type.Literal('album'),
    uri: Type.String(),
    artists: Type.Array(SimplifiedArtistObject),
  },
  strict,
);

export const TrackObject = Type.Object(
  {
    album: Type.Optional(SimplifiedAlbumObject),
    artists: Type.Optional(Type.Array(SimplifiedArtistObject)),
    available_markets: Type.Optional(Type.Array(Type.String())),
    disc_number: Type.Optional(Type.Integer()),
    duration_ms: Type.Optional(Type.Integer()),
    explicit: Type.Optional(Type.Boolean()),
    external_ids: Type.Optional(ExternalIdObject),
    external_urls: Type.Optional(ExternalUrlObject),
    href: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    is_playable: Type.Optional(Type.Boolean()),
    linked_from: Type.Optional(Type.Object({})),
    restrictions: Type.Optional(Type.Object({ reason: Type.Optional(Type.String()) })),
    name: Type.Optional(Type.String()),
    popularity: Type.Optional(Type.Integer()),
    preview_url: Type.Optional(Nullable(Type.String())),
    track_number: Type.Optional(Type.Integer()),
    type: Type.Optional(Type.Literal('track')),
    uri: Type.Optional(Type.String()),
    is_local: Type.Optional(Type.Boolean()),
  },
  strict,
);

const pagingFields = {
  href: Type.String(),
  limit: Type.Integer(),
  next: Nullable(Type.String()),
  offset: Type.Integer(),
  previous: Nullable(Type.String()),
  total: Type.Integer(),
};
export const PagingTrackObject = Type.Object({ ...pagingFields, items: Type.Array(TrackObject) }, strict);

export const ErrorObject = Type.Object({ status: Type.Integer({ minimum: 400, maximum: 599 }), message: Type.String() }, strict);
export const ErrorResponse = Type.Object({ error: ErrorObject }, strict);

export const PrivateUserObject = Type.Object(
  {
    account_id: Type.Optional(Type.String()),
    country: Type.Optional(Type.String()),
    display_name: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    explicit_content: Type.Optional(Type.Object({ filter_enabled: Type.Optional(Type.Boolean()), filter_locked: Type.Optional(Type.Boolean()) })),
    external_urls: Type.Optional(ExternalUrlObject),
    followers: Type.Optional(Type.Object({ href: Type.Optional(Nullable(Type.String())), total: Type.Optional(Type.Integer()) })),
    href: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    images: Type.Optional(Type.Array(ImageObject)),
    product: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    uri: Type.Optional(Type.String()),
  },
  strict,
);

const PlaylistOwnerObject = Type.Object(
  {
    external_urls: Type.Optional(ExternalUrlObject),
    href: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    type: Type.Optional(Type.Literal('user')),
    uri: Type.Optional(Type.String()),
    display_name: Type.Optional(Nullable(Type.String())),
  },
  strict,
);

export const PlaylistObject = Type.Object(
  {
    collaborative: Type.Optional(Type.Boolean()),
    description: Type.Optional(Nullable(Type.String())),
    external_urls: Type.Optional(ExternalUrlObject),
    href: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    images: Type.Optional(Type.Array(ImageObject)),
    name: Type.Optional(Type.String()),
    owner: Type.Optional(PlaylistOwnerObject),
    public: Type.Optional(Type.Boolean()),
    snapshot_id: Type.Optional(Type.String()),
    items: Type.Optional(Type.Object({ ...pagingFields, items: Type.Array(Type.Object({})) }, strict)),
    tracks: Type.Optional(Type.Object({})),
    type: Type.Optional(Type.String()),
    uri: Type.Optional(Type.String()),
    followers: Type.Optional(Type.Object({})),
  },
  strict,
);

export const PlaylistSnapshotId = Type.Object({ snapshot_id: Type.Optional(Type.String()) }, strict);

/** Request bodies (spec: create-playlist and add-items-to-playlist requestBody). */
export const CreatePlaylistBody = Type.Object(
  { name: Type.String(), public: Type.Optional(Type.Boolean()), collaborative: Type.Optional(Type.Boolean()), description: Type.Optional(Type.String()) },
  strict,
);
export const AddItemsBody = Type.Object(
  { uris: Type.Array(Type.String({ pattern: '^spotify:(track|episode):[0-9A-Za-z]{22}$' }), { minItems: 1, maxItems: 100 }), position: Type.Optional(Type.Integer()) },
  strict,
);
/** Query of get-users-top-tracks (time_range, QueryLimit 1..50, QueryOffset). */
export const TopTracksQuery = Type.Object(
  {
    time_range: Type.Optional(Type.Union([Type.Literal('short_term'), Type.Literal('medium_term'), Type.Literal('long_term')])),
    limit: Type.Optional(Type.String({ pattern: '^(50|[1-4][0-9]|[1-9])$' })),
    offset: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  },
  strict,
);

/**
 * The accounts service (not in the OpenAPI document; Spotify's authorization guide, PKCE flow):
 * token request forms and answers.
 */
export const CodeExchangeForm = Type.Object(
  {
    grant_type: Type.Literal('authorization_code'),
    code: Type.String(),
    redirect_uri: Type.String(),
    client_id: Type.String(),
    code_verifier: Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' }),
  },
  strict,
);
export const RefreshForm = Type.Object({ grant_type: Type.Literal('refresh_token'), refresh_token: Type.String(), client_id: Type.String() }, strict);
export const TokenAnswer = Type.Object(
  { access_token: Type.String(), token_type: Type.Literal('Bearer'), scope: Type.String(), expires_in: Type.Integer(), refresh_token: Type.String() },
  strict,
);
export const TokenError = Type.Object({ error: Type.String(), error_description: Type.String() }, strict);

/** Operations the app may call, and operations it must never call (deprecated for dev-mode apps). */
export const ALLOWED_OPERATIONS: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'GET', path: /^\/v1\/me$/ },
  { method: 'GET', path: /^\/v1\/me\/top\/tracks$/ },
  { method: 'POST', path: /^\/v1\/me\/playlists$/ },
  { method: 'POST', path: /^\/v1\/playlists\/[0-9A-Za-z_-]+\/items$/ },
  { method: 'POST', path: /^\/api\/token$/ },
];
