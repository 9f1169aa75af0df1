import type { FastifySchemaCompiler, SafePromiseLike } from 'fastify';
import { loadCompile, type Compile } from '../lib/typebox-compile.js';
import Type, { type Static, type TSchema } from 'typebox';
import { TIME_RANGES } from '../lib/time-ranges.js';
import { ValidationError } from '../lib/errors.js';
import { MAX_NAME_LENGTH, PLAYLIST_SOURCES } from '../services/playlists.js';

/** The request and response shapes of the playlist routes (docs/API.md, "Playlists"). */

const SourceSchema = Type.Union(PLAYLIST_SOURCES.map((s) => Type.Literal(s)));
const RangeSchema = Type.Union(TIME_RANGES.map((r) => Type.Literal(r)));

export const GenerateBody = Type.Object({
  source: SourceSchema,
  date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  range: Type.Optional(RangeSchema),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
  preview: Type.Optional(Type.Boolean()),
});
export type GenerateBody = Static<typeof GenerateBody>;

/**
 * What the HTML forms post (every field a string). Lengths are checked by the service, so a
 * too-long name comes back on the form with its message instead of a bare error page.
 */
export const PlaylistForm = Type.Object({
  _csrf: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  date: Type.Optional(Type.String()),
  range: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
});
export type PlaylistForm = Static<typeof PlaylistForm>;

/** GET /playlists takes no query parameters (unknown ones are ignored). */
export const NoQuery = Type.Object({});

const TrackSchema = Type.Object({ trackId: Type.String(), name: Type.String(), artist: Type.String(), url: Type.String() });
const PlaylistSchema = Type.Object({
  id: Type.Integer(),
  spotifyId: Type.String(),
  name: Type.String(),
  url: Type.String(),
  source: Type.String(),
  trackCount: Type.Integer(),
  createdAt: Type.String(),
});
export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

export const CreatedResponse = Type.Object({ playlist: PlaylistSchema, tracks: Type.Array(TrackSchema) });
export const PreviewResponse = Type.Object({
  preview: Type.Object({ name: Type.String(), source: Type.String(), trackCount: Type.Integer(), tracks: Type.Array(TrackSchema) }),
});
export const PlaylistsPageResponse = Type.Object({
  playlists: Type.Array(PlaylistSchema),
  sources: Type.Array(Type.Object({ id: Type.String(), label: Type.String(), description: Type.String() })),
  /** Dates the user has snapshots on, newest first: what `date` may be for the `snapshot` source. */
  dates: Type.Array(Type.String()),
});

/** Per-field messages for the JSON body: say what is expected, never echo what was sent. */
const FIELD_MESSAGES: Record<string, string> = {
  source: `source must be one of ${PLAYLIST_SOURCES.join(', ')}.`,
  date: 'date must be a string written YYYY-MM-DD, e.g. "2026-03-14".',
  range: `range must be one of ${TIME_RANGES.join(', ')}.`,
  name: `name must be a string of 1 to ${MAX_NAME_LENGTH} characters.`,
  preview: 'preview must be true or false (a JSON boolean).',
};

/**
 * Validates with TypeBox's own compiler, strictly: no type coercion (Fastify's default Ajv would
 * turn `"name": 123` into "123" and `"preview": 1` into true), so a wrong JSON type is a 400.
 * The error is a ValidationError with a message that names the field and what it must be.
 */
export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  let check: ReturnType<Compile> | undefined;
  const validate = (compiled: ReturnType<Compile>, data: unknown) =>
    compiled.Check(data) ? { value: data } : { error: new ValidationError(messageFor(data, [...compiled.Errors(data)])) };
  return (data: unknown) => {
    if (check) return validate(check, data);
    // The route's first request loads TypeBox's compiler (lib/typebox-compile.ts). Fastify takes
    // a promise as an async validator: resolved is valid, rejected is the error, as above.
    const validated = loadCompile().then((compile) => {
      check ??= compile(schema);
      const result = validate(check, data);
      if (result.error) throw result.error;
      return result.value;
    });
    // Fastify brands the promise type it accepts here (so that lint can tell it is handled).
    return validated as unknown as SafePromiseLike<unknown>;
  };
};

function messageFor(data: unknown, errors: ReadonlyArray<{ instancePath: string; keyword: string; params: unknown }>): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return 'Send a JSON object, e.g. {"source": "current_rotation"} (with the header content-type: application/json).';
  }
  const first = errors[0];
  const field = first?.instancePath.split('/')[1];
  if (field && FIELD_MESSAGES[field]) return FIELD_MESSAGES[field];
  const missing = (first?.params as { requiredProperties?: string[] } | undefined)?.requiredProperties?.[0];
  if (missing === 'source') return `source is required: one of ${PLAYLIST_SOURCES.join(', ')}.`;
  if (field) return `${field} is not valid here.`;
  return 'The request body is not valid.';
}
