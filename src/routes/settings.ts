import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Deps } from '../deps.js';
import { formatDay } from '../lib/display-dates.js';
import { ValidationError } from '../lib/errors.js';
import { getArchiveOverview } from '../repositories/home-stats.js';
import { deleteSpotifyTokens, findSpotifyTokens } from '../repositories/spotify-tokens.js';
import { deleteUserAndData, listImportRuns } from '../repositories/user-data.js';
import { endUserSessions } from '../repositories/users.js';
import { exportLegacyFile } from '../services/legacy/export.js';
import { exportUserJson } from '../services/user-export.js';
import { contract, CsrfOnlyForm, NotJson } from './contracts.js';
import { currentUserId, requireUser, setFlash } from './plugins/session.js';
import { respond, wantsJson } from './respond.js';

/** What the user types to confirm "delete all my data" (case and outer spaces do not matter). */
export const DELETE_CONFIRMATION = 'delete my data';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const SettingsJson = Type.Object({
  spotify: Type.Object({ spotifyId: Type.String(), connected: Type.Boolean(), needsReauth: Type.Boolean() }),
  counts: Type.Object({
    tracks: Type.Integer(),
    snapshots: Type.Integer(),
    snapshotRows: Type.Integer(),
    dates: Type.Integer(),
    firstSnapshot: Nullable(Type.String()),
    lastSnapshot: Nullable(Type.String()),
    importRuns: Type.Integer(),
  }),
  links: Type.Object({ import: Type.String(), exportJson: Type.String(), exportSqlite: Type.String() }),
});

const DeleteForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 256 })),
  confirm: Type.String({ maxLength: 200 }),
});

const Done = Type.Object({ done: Type.Literal(true), message: Type.String() });

/**
 * /settings: the account's Spotify connection and counts, links to import and export, and the
 * two irreversible actions (disconnect Spotify, delete all my data), each a CSRF-protected POST
 * that ends the session and redirects with a message.
 */
export function settingsRoutes(deps: Deps): FastifyPluginAsync {
  const db = deps.database.db;
  return async (app) => {
    app.get('/settings', { schema: contract({ json: SettingsJson }), onRequest: requireUser }, async (request, reply) =>
      renderSettings(request, reply, undefined),
    );

    app.get('/settings/export.json', { schema: contract({ json: NotJson }), onRequest: requireUser }, async (request, reply) => {
      const userId = currentUserId(request);
      const stamp = deps.clock.now().toISOString().slice(0, 10);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="music-time-machine-${stamp}.json"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportUserJson(db, userId, deps.clock.now())));
    });

    app.get('/settings/export.sqlite', { schema: contract({ json: NotJson }), onRequest: requireUser }, async (request, reply) => {
      const user = request.currentUser!;
      const folder = await mkdtemp(join(tmpdir(), 'mtm-export-'));
      const path = join(folder, 'music_time_machine.db');
      try {
        await exportLegacyFile(db, { owner: user.spotifyId, outPath: path });
      } catch (error) {
        await rm(folder, { recursive: true, force: true });
        throw error;
      }
      const file = createReadStream(path);
      // Gone once sent (or once the download is abandoned).
      file.once('close', () => void rm(folder, { recursive: true, force: true }));
      return reply
        .type('application/vnd.sqlite3')
        .header('content-disposition', 'attachment; filename="music_time_machine.db"')
        .header('cache-control', 'no-store')
        .send(file);
    });

    app.post(
      '/settings/disconnect',
      { schema: contract({ body: CsrfOnlyForm, json: Done }), onRequest: requireUser, preHandler: app.csrfProtection },
      async (request, reply) => {
        const userId = currentUserId(request);
        await deleteSpotifyTokens(db, userId);
        // Every session of this user ends, not only this browser's (a copy of the cookie elsewhere too).
        await endUserSessions(db, userId);
        request.log.info({ userId }, 'user disconnected Spotify');
        const message = 'Spotify is disconnected: this app no longer holds a token for your account and scheduled snapshots have stopped. Your archive is kept; log in with Spotify again to resume.';
        return endSession(request, reply, message);
      },
    );

    app.post(
      '/settings/delete',
      { schema: contract({ body: DeleteForm, json: Done }), onRequest: requireUser, preHandler: app.csrfProtection },
      async (request, reply) => {
        const typed = (request.body as { confirm: string }).confirm.trim().toLowerCase();
        if (typed !== DELETE_CONFIRMATION) {
          const problem = `Nothing was deleted: type "${DELETE_CONFIRMATION}" in the box to confirm.`;
          if (wantsJson(request)) throw new ValidationError(problem);
          return renderSettings(request, reply.code(400), problem);
        }
        const userId = currentUserId(request);
        const deleted = await deleteUserAndData(db, userId);
        request.log.info({ userId, deleted }, 'user deleted all their data');
        return endSession(request, reply, 'All your data is deleted: your snapshots, playlists log, import history, Spotify tokens and account. Thank you for trying Music Time Machine.');
      },
    );
  };

  async function renderSettings(request: FastifyRequest, reply: FastifyReply, deleteError: string | undefined) {
    const user = request.currentUser!;
    const [overview, tokens, imports] = await Promise.all([
      getArchiveOverview(db, user.id),
      findSpotifyTokens(db, user.id),
      listImportRuns(db, user.id),
    ]);
    const json = {
      spotify: { spotifyId: user.spotifyId, connected: tokens !== undefined, needsReauth: user.needsReauth },
      counts: {
        tracks: overview.tracks,
        snapshots: overview.snapshots,
        snapshotRows: overview.rows,
        dates: overview.dates,
        firstSnapshot: overview.first,
        lastSnapshot: overview.latest,
        importRuns: imports.length,
      },
      links: { import: '/settings/import', exportJson: '/settings/export.json', exportSqlite: '/settings/export.sqlite' },
    };
    return respond(
      request,
      reply,
      'settings.eta',
      {
        title: 'Settings · Music Time Machine',
        navPath: '/settings',
        settings: json,
        firstDay: overview.first && formatDay(overview.first),
        lastDay: overview.latest && formatDay(overview.latest),
        confirmation: DELETE_CONFIRMATION,
        deleteError: deleteError ?? null,
      },
      json,
    );
  }
}

/**
 * Ends the login after an account action and says what happened on the next page.
 * (A fresh, empty session rather than none, so the message survives the redirect.)
 */
function endSession(request: FastifyRequest, reply: FastifyReply, message: string) {
  request.session.regenerate();
  if (wantsJson(request)) return reply.send({ done: true, message });
  setFlash(request, { kind: 'success', message });
  return reply.redirect('/', 303);
}
