import Type, { type TSchema } from 'typebox';
import { TIME_RANGES } from '../../lib/time-ranges.js';
import { ANALYTICS_RANGES } from '../../services/insights.js';
import { MAX_QUERY_LENGTH } from '../../services/search.js';

/**
 * The request and response shapes of the insight pages (docs/API.md, "Insight pages"). Fastify
 * serializes a JSON answer with its response schema and drops any property not listed, so each
 * shape lists every field the route sends. Integers are counts, ranks and years from SQL;
 * values read from a Spotify payload (a track's length) are plain numbers, as received.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TimeRange = Type.Union(TIME_RANGES.map((r) => Type.Literal(r)));

/* ---------- GET /analytics ---------- */

/**
 * `range` is checked by the route, not here: an unknown period falls back to 12 months with a
 * notice (old bookmarks), so only its length is bounded.
 */
export const AnalyticsQuery = Type.Object({ range: Type.Optional(Type.String({ maxLength: 16 })) });

export const AnalyticsJson = Type.Object({
  range: Type.Union(ANALYTICS_RANGES.map((r) => Type.Literal(r))),
  growth: Type.Array(Type.Object({ month: Type.String(), newTracks: Type.Integer() })),
  diversity: Type.Array(Type.Object({ month: Type.String(), artists: Type.Integer() })),
  consistentArtists: Type.Array(Type.Object({ artist: Type.String(), dates: Type.Integer() })),
  /** Only when the asked range was unknown. */
  notice: Type.Optional(Type.String()),
});

/* ---------- GET /dashboard ---------- */

export const DashboardJson = Type.Object({
  tracks: Type.Integer(),
  snapshotDates: Type.Integer(),
  releaseYears: Type.Array(Type.Object({ year: Type.Integer(), tracks: Type.Integer() })),
  decades: Type.Array(Type.Object({ decade: Type.Integer(), tracks: Type.Integer() })),
  explicit: Type.Object({ explicit: Type.Integer(), clean: Type.Integer(), unknown: Type.Integer() }),
  /** 0..1 with 4 decimals; null when no payload has `external_ids`. */
  isrcShare: Nullable(Type.Number()),
  avgDurationMs: Nullable(Type.Integer()),
  topAlbums: Type.Array(Type.Object({ album: Type.String(), artist: Nullable(Type.String()), tracks: Type.Integer() })),
});

/* ---------- GET /history ---------- */

/** Both are checked by the route, which answers a malformed date or unknown range with its own 400 message. */
export const TimeMachineQuery = Type.Object({
  date: Type.Optional(Type.String({ maxLength: 32 })),
  range: Type.Optional(Type.String({ maxLength: 32 })),
});

const TimeMachineEntry = Type.Object({
  rank: Type.Integer(),
  trackId: Type.String(),
  name: Type.String(),
  artist: Type.String(),
  album: Nullable(Type.String()),
  spotifyUrl: Nullable(Type.String()),
  coverUrl: Nullable(Type.String()),
  previousRank: Nullable(Type.Integer()),
  movement: Type.Union(['up', 'down', 'same', 'new', 're'].map((m) => Type.Literal(m))),
  change: Type.Integer(),
});

const TimeMachineShown = Type.Object({
  range: TimeRange,
  requestedDate: Nullable(Type.String()),
  date: Type.String(),
  exact: Type.Boolean(),
  previousDate: Nullable(Type.String()),
  nextDate: Nullable(Type.String()),
  firstDate: Type.String(),
  latestDate: Type.String(),
  tracks: Type.Array(TimeMachineEntry),
});

/** No snapshot of that range yet: what was asked, and nothing shown. */
const TimeMachineEmpty = Type.Object({
  range: TimeRange,
  requestedDate: Nullable(Type.String()),
  date: Type.Null(),
  tracks: Type.Array(TimeMachineEntry, { maxItems: 0 }),
});

export const TimeMachineJson = Type.Union([TimeMachineShown, TimeMachineEmpty]);

/* ---------- GET /tracks/:id ---------- */

/** Any text up to 200 characters: the route answers an id that is not a track with its 404 page. */
export const TrackParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

export const TrackJson = Type.Object({
  track: Type.Object({
    trackId: Type.String(),
    name: Type.String(),
    artists: Type.Array(Type.Object({ name: Type.String(), spotifyUrl: Nullable(Type.String()) })),
    album: Nullable(Type.String()),
    albumUrl: Nullable(Type.String()),
    releaseDate: Nullable(Type.String()),
    durationMs: Nullable(Type.Number()),
    explicit: Nullable(Type.Boolean()),
    spotifyUrl: Nullable(Type.String()),
    coverUrl: Nullable(Type.String()),
  }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  bestRank: Type.Integer(),
  ranges: Type.Array(
    Type.Object({ range: TimeRange, firstSeen: Type.String(), lastSeen: Type.String(), bestRank: Type.Integer(), snapshots: Type.Integer() }),
  ),
  history: Type.Array(Type.Object({ date: Type.String(), range: TimeRange, rank: Type.Integer() })),
});

/* ---------- GET /search ---------- */

export const SearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH })) });

export const SearchJson = Type.Object({
  q: Type.String(),
  mode: Type.Union([Type.Literal('fulltext'), Type.Literal('similar'), Type.Literal('none')]),
  results: Type.Array(
    Type.Object({
      trackId: Type.String(),
      name: Type.String(),
      artist: Type.String(),
      album: Nullable(Type.String()),
      /** HTML: the text escaped, the matched words in <mark>. */
      nameHtml: Type.String(),
      artistHtml: Type.String(),
      albumHtml: Nullable(Type.String()),
    }),
  ),
});
