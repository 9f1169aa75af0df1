import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { NoParams } from './contracts.js';
import { TIME_RANGES } from '../lib/time-ranges.js';
import { AppError } from '../lib/errors.js';
import {
  checkPlaylistRequest,
  createPlaylistFromArchive,
  playlistPageData,
  PlaylistRateLimitedError,
  RANGE_LABELS,
  readableDate,
  selectPlaylistTracks,
  SOURCES,
  sourceInfo,
  isSource,
  type PlaylistDeps,
  type PlaylistSelection,
} from '../services/playlists.js';
import {
  CreatedResponse,
  ErrorBody,
  GenerateBody,
  NoQuery,
  PlaylistForm,
  PlaylistsPageResponse,
  PreviewResponse,
  typeboxValidator,
} from './playlist-schemas.js';
import { currentUserId, requireUser, setFlash } from './plugins/session.js';
import { wantsJson } from './respond.js';

const TITLE = 'Playlists · Music Time Machine';

/** The form posts answer HTML (the page, or a 303); errors asked for as JSON have the app's shape. */
const FORM_SCHEMA = { params: NoParams, querystring: NoQuery, body: PlaylistForm, response: { '4xx': ErrorBody, '5xx': ErrorBody } };

/**
 * Playlists from the archive:
 * - GET /playlists: the form, the user's earlier playlists, and (Accept: application/json)
 *   `{ playlists, sources, dates }`;
 * - POST /playlists/preview (form): the same page with the tracks the form would add;
 * - POST /playlists (form): creates, then redirects to /playlists with a flash holding the link;
 * - POST /api/generate-playlist (JSON, `x-csrf-token` header): create, or `preview: true`.
 * The rules live in services/playlists.ts; this file checks the shape and renders.
 */
export function playlistRoutes(deps: Deps): FastifyPluginAsync {
  const service: PlaylistDeps = { db: deps.database.db, clock: deps.clock, spotifyFor: (userId) => deps.spotify.forUser(userId) };

  return async (app) => {
    app.get(
      '/playlists',
      {
        validatorCompiler: typeboxValidator,
        schema: { params: NoParams, querystring: NoQuery, response: { 200: PlaylistsPageResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
        preHandler: requireUser,
      },
      async (request, reply) => {
        if (!wantsJson(request)) return renderPage(request, reply, {});
        const { playlists, dates } = await playlistPageData(service.db, currentUserId(request));
        return { playlists, sources: SOURCES, dates };
      },
    );

    app.post<{ Body: PlaylistForm }>(
      '/playlists/preview',
      { validatorCompiler: typeboxValidator, schema: FORM_SCHEMA, preHandler: [requireUser, app.csrfProtection] },
      async (request, reply) => {
        const form = formValues(request.body);
        try {
          const selection = await selectPlaylistTracks(service, currentUserId(request), checkPlaylistRequest(formRequest(form)));
          return renderPage(request, reply, { form, preview: previewView(selection) });
        } catch (error) {
          return renderFailure(request, reply, form, error);
        }
      },
    );

    app.post<{ Body: PlaylistForm }>(
      '/playlists',
      { validatorCompiler: typeboxValidator, schema: FORM_SCHEMA, preHandler: [requireUser, app.csrfProtection] },
      async (request, reply) => {
        const form = formValues(request.body);
        try {
          const created = await createPlaylistFromArchive(service, currentUserId(request), checkPlaylistRequest(formRequest(form)));
          const { name, trackCount, url } = created.playlist;
          setFlash(request, {
            kind: 'success',
            message: `Created the private playlist "${name}" with ${trackCount} ${trackCount === 1 ? 'track' : 'tracks'} in your Spotify.`,
            href: url,
            linkText: 'Open in Spotify',
          });
          // 303: the browser follows with a GET, so a reload shows the list instead of creating again.
          return reply.code(303).redirect('/playlists');
        } catch (error) {
          return renderFailure(request, reply, form, error);
        }
      },
    );

    app.post<{ Body: GenerateBody }>(
      '/api/generate-playlist',
      {
        validatorCompiler: typeboxValidator,
        schema: { params: NoParams, querystring: NoQuery, body: GenerateBody, response: { 200: PreviewResponse, 201: CreatedResponse, '4xx': ErrorBody, '5xx': ErrorBody } },
        // Logged out is a 401 before the body is even looked at; then CSRF, then the body's shape.
        onRequest: async (request) => {
          if (typeof request.session.get('userId') !== 'number') throw new AppError('not_logged_in', 401, 'Log in with Spotify first.');
        },
        preValidation: app.csrfProtection,
      },
      async (request, reply) => {
        const userId = currentUserId(request);
        const { preview, ...input } = request.body;
        const checked = checkPlaylistRequest(input);
        if (preview) {
          const selection = await selectPlaylistTracks(service, userId, checked);
          return reply.code(200).send({ preview: { name: selection.name, source: selection.source, trackCount: selection.tracks.length, tracks: selection.tracks } });
        }
        try {
          return reply.code(201).send(await createPlaylistFromArchive(service, userId, checked));
        } catch (error) {
          if (!isSpotifyFailure(error)) throw error;
          // Answered here: the app's error handler hides 5xx messages, but what Spotify did is
          // the user's to know (and safe: it names the call and Spotify's answer, nothing of ours).
          if (error instanceof PlaylistRateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
          return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
        }
      },
    );
  };

  interface PageState {
    form?: FormValues;
    preview?: ReturnType<typeof previewView>;
    error?: string;
  }

  async function renderPage(request: FastifyRequest, reply: FastifyReply, state: PageState) {
    const { playlists, dates } = await playlistPageData(service.db, currentUserId(request));
    return reply.view('playlists.eta', {
      title: TITLE,
      hasArchive: dates.length > 0,
      sources: SOURCES,
      ranges: TIME_RANGES.map((id) => ({ id, label: RANGE_LABELS[id] })),
      dates: dates.map((date) => ({ date, label: readableDate(date) })),
      form: state.form ?? { source: 'current_rotation', date: dates[0] ?? '', range: 'short_term', name: '' },
      preview: state.preview ?? null,
      error: state.error ?? null,
      playlists: playlists.map((p) => ({
        ...p,
        sourceLabel: isSource(p.source) ? sourceInfo(p.source).label : p.source,
        createdLabel: readableDate(p.createdAt.slice(0, 10)),
      })),
    });
  }

  /** A failure the user can act on comes back on the form, with its status; anything else is a 500. */
  function renderFailure(request: FastifyRequest, reply: FastifyReply, form: FormValues, error: unknown) {
    if (!(error instanceof AppError) || (error.status >= 500 && !isSpotifyFailure(error))) throw error;
    if (error instanceof PlaylistRateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    return renderPage(request, reply.code(error.status), { form, error: error.message });
  }
}

function isSpotifyFailure(error: unknown): error is AppError {
  return error instanceof AppError && error.code.startsWith('spotify_');
}

interface FormValues {
  source: string;
  date: string;
  range: string;
  name: string;
}

function formValues(body: PlaylistForm | undefined): FormValues {
  return { source: body?.source ?? '', date: body?.date ?? '', range: body?.range ?? '', name: body?.name ?? '' };
}

/**
 * The form always posts every field: the date and range only count for the "snapshot" source,
 * and a blank name means the default name.
 */
function formRequest(form: FormValues) {
  const snapshot = form.source === 'snapshot';
  return {
    source: form.source,
    date: snapshot ? form.date : undefined,
    range: snapshot ? form.range : undefined,
    name: form.name.trim() === '' ? undefined : form.name,
  };
}

function previewView(selection: PlaylistSelection) {
  return { name: selection.name, sourceLabel: sourceInfo(selection.source).label, trackCount: selection.tracks.length, tracks: selection.tracks };
}
