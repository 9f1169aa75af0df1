import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { AppError, ValidationError } from '../lib/errors.js';
import { makeUploadDir, sweepStaleUploads } from '../lib/upload-dir.js';
import { importLegacyFile } from '../services/legacy/import.js';
import { memoryRejectSink } from '../services/legacy/rejects.js';
import { requireUser, resolveSessionUser } from './plugins/session.js';

/** Uploads above this go through `mtm import-sqlite` (a year of daily captures is a few MB). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Rejected rows listed on the result page; the report counts all of them. */
const REJECTS_SHOWN = 100;
/** Upload folders older than this at start-up belong to no running request (a crash left them). */
const STALE_UPLOAD_MS = 10 * 60 * 1000;
const FORM = '/settings/import';
const BACK_TO_FORM = { href: FORM, label: 'Back to the import form' };

interface UploadedFile {
  path: string;
  filename: string;
  truncated: boolean;
}

/**
 * /settings/import: the legacy import as a file upload into the logged-in user's own archive.
 *
 * Before a byte of the body is read (onRequest), the session and the CSRF token (in the form's
 * action URL or the x-csrf-token header, since the body is not parsed yet) are checked. The file
 * then streams into a private folder under limits.uploadRoot (never held in memory), is imported
 * with the same service as `mtm import-sqlite`, and the folder is removed when the handler ends,
 * whatever happened (success, error, a client that went away, a body that stalled). Folders a
 * crash left behind are swept at start-up. Every bad body is a 400 naming the user's file.
 */
export function settingsImportRoutes(deps: Deps, options: { maxUploadBytes?: number } = {}): FastifyPluginAsync {
  const maxBytes = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const maxMb = Math.max(1, Math.round(maxBytes / (1024 * 1024)));
  const { uploadRoot } = deps.limits;
  const title = 'Import a legacy archive · Music Time Machine';

  return async (app) => {
    const swept = await sweepStaleUploads(uploadRoot, STALE_UPLOAD_MS, deps.clock.now().getTime());
    if (swept) app.log.info({ swept, uploadRoot }, 'removed upload folders left by an earlier run');
    await app.register(fastifyMultipart, { throwFileSizeLimit: false, limits: { fileSize: maxBytes, files: 1, fields: 4, parts: 5 } });

    app.get(FORM, { preHandler: requireUser }, async (_request, reply) => reply.view('settings-import.eta', { title, maxMb, report: null }));

    app.post(
      FORM,
      {
        config: { csrfFromQuery: true, errorBack: BACK_TO_FORM },
        // Before the body is read: an anonymous or forged upload never touches the disk.
        onRequest: [
          async (request) => {
            if (!(await resolveSessionUser(deps, request))) throw new AppError('not_logged_in', 401, 'Log in with Spotify first.');
          },
          app.csrfProtection,
        ],
        preHandler: requireUser,
      },
      async (request, reply) => {
        const dir = await makeUploadDir(uploadRoot);
        let result;
        try {
          result = await receiveAndImport(deps, request, reply, join(dir, 'upload.db'), maxMb);
        } finally {
          // Gone before the answer is rendered, whatever happened.
          await rm(dir, { recursive: true, force: true });
        }
        const { report, filename, rejects } = result;
        request.log.info({ runId: report.runId, tracks: report.tracks.imported, snapshots: report.snapshots.imported }, 'legacy import done');
        return reply.view('settings-import.eta', { title, maxMb, report, filename, rejects: rejects.entries, rejectsTotal: rejects.total });
      },
    );
  };
}

async function receiveAndImport(deps: Deps, request: FastifyRequest, reply: FastifyReply, path: string, maxMb: number) {
  const file = await receiveUpload(request, reply, path, deps.limits.uploadIdleTimeoutMs);
  if (file.truncated) {
    throw new AppError('file_too_large', 413, `"${file.filename}" is larger than ${maxMb} MB. Import it from the command line instead: npx mtm import-sqlite FILE --owner YOUR_SPOTIFY_ID`);
  }
  const rejects = memoryRejectSink(REJECTS_SHOWN);
  const report = await importLegacyFile(deps.database.withBulkSession, {
    sourcePath: file.path,
    sourceName: file.filename,
    owner: request.currentUser!.spotifyId,
    clock: deps.clock,
    rejects,
    constraints: 'keep', // the app is live: never lock the snapshots table of every user
  });
  return { report, filename: file.filename, rejects };
}

/**
 * Streams the one file part to `path`. Any malformed body (not multipart, no boundary, a part
 * that ends early, no file) is a ValidationError; a body that sends nothing for `idleMs` is a 408
 * (and the connection is closed after the answer, since the rest of the body never came).
 */
async function receiveUpload(request: FastifyRequest, reply: FastifyReply, path: string, idleMs: number): Promise<UploadedFile> {
  let filename: string | undefined;
  // Asked first: request.file() starts piping the body into the parser, and the idle timer's
  // listener must not start the body flowing before that.
  if (!request.isMultipart()) throw new ValidationError('Choose your music_time_machine.db file to upload.');
  const first = request.file();
  const idle = idleTimeout(request, idleMs, () => filename);
  try {
    const part = await idle.race(first);
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw new ValidationError('Choose your music_time_machine.db file to upload.');
    }
    filename = part.filename || 'the file';
    idle.watch(part.file);
    const writing = pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
    await idle.race(writing).catch((error: unknown) => {
      part.file.destroy();
      throw error;
    });
    return { path, filename, truncated: part.file.truncated };
  } catch (error) {
    if (error instanceof AppError && error.status === 408) {
      reply.header('connection', 'close');
      throw error;
    }
    if (error instanceof AppError) throw error;
    throw new ValidationError(malformedMessage(filename), { cause: error });
  } finally {
    idle.stop();
  }
}

function malformedMessage(filename: string | undefined): string {
  if (filename) return `The upload of "${filename}" ended before the whole file arrived. Please choose the file and upload it again.`;
  return 'The upload was not a file form this page understands (the body was cut off or malformed). Please choose your music_time_machine.db file and upload it again.';
}

/**
 * Rejects `race`d promises when the upload makes no progress: 408 when the client stopped sending
 * for `ms`; a malformed-body 400 when the whole body has arrived but the parser still waits for a
 * boundary that will never come (it gets a second for the file already received to be written).
 * Progress is any chunk from the client or out of the parser (watch()).
 */
function idleTimeout(request: FastifyRequest, ms: number, filename: () => string | undefined) {
  const BODY_ENDED_GRACE_MS = 1000;
  let fire: (error: AppError) => void = () => {};
  const fired = new Promise<never>((_, reject) => (fire = reject));
  fired.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const onTimeout = () => {
    if (request.raw.readableEnded) fire(new ValidationError(malformedMessage(filename())));
    else fire(new AppError('upload_timeout', 408, `The upload stalled: nothing arrived for ${Math.round(ms / 1000)} s. Please try again.`));
  };
  let parsed = false;
  const arm = () => {
    clearTimeout(timer);
    if (parsed) return;
    timer = setTimeout(onTimeout, request.raw.readableEnded ? Math.min(ms, BODY_ENDED_GRACE_MS) : ms);
  };
  const watched: NodeJS.ReadableStream[] = [];
  request.raw.on('data', arm);
  request.raw.on('end', arm);
  arm();
  return {
    race: <T>(promise: Promise<T>) => Promise.race([promise, fired]),
    watch(stream: NodeJS.ReadableStream) {
      stream.on('data', arm);
      // The parser delivered the whole file: what remains is our own disk write, not the client.
      stream.on('end', () => {
        parsed = true;
        clearTimeout(timer);
      });
      watched.push(stream);
      arm();
    },
    stop() {
      clearTimeout(timer);
      request.raw.off('data', arm);
      request.raw.off('end', arm);
      for (const stream of watched) stream.off('data', arm);
    },
  };
}
