import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.js';
import { AppError, ValidationError } from '../lib/errors.js';
import { importLegacyFile } from '../services/legacy/import.js';
import { memoryRejectSink } from '../services/legacy/rejects.js';
import { requireUser } from './plugins/session.js';

/** Uploads above this go through `mtm import-sqlite` (a year of daily captures is a few MB). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Rejected rows listed on the result page; the report counts all of them. */
const REJECTS_SHOWN = 100;

interface UploadedFile {
  path: string;
  filename: string;
  truncated: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    uploadDir?: string;
  }
}

/**
 * /settings/import: the legacy import as a file upload into the logged-in user's own archive.
 * The file is streamed to a private temp folder (never held in memory), imported with the same
 * service as `mtm import-sqlite`, and deleted when the response is sent, whatever happened.
 */
export function settingsImportRoutes(deps: Deps, options: { maxUploadBytes?: number } = {}): FastifyPluginAsync {
  const maxBytes = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  const maxMb = Math.max(1, Math.round(maxBytes / (1024 * 1024)));
  return async (app) => {
    await app.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: maxBytes, files: 1, fields: 4 },
      async onFile(this: FastifyRequest, part: MultipartFile) {
        this.uploadDir ??= await mkdtemp(join(tmpdir(), 'mtm-upload-'));
        const path = join(this.uploadDir, 'upload.db');
        await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
        (part as unknown as { value: UploadedFile }).value = { path, filename: part.filename, truncated: part.file.truncated };
      },
    });
    app.addHook('onResponse', async (request) => {
      if (request.uploadDir) await rm(request.uploadDir, { recursive: true, force: true });
    });

    app.get('/settings/import', { preHandler: requireUser }, async (_request, reply) =>
      reply.view('settings-import.eta', { title: 'Import a legacy archive · Music Time Machine', maxMb, report: null }),
    );

    app.post(
      '/settings/import',
      {
        // Before the body is read: an anonymous upload is refused without touching the disk.
        onRequest: async (request) => {
          if (typeof request.session.get('userId') !== 'number') throw new AppError('not_logged_in', 401, 'Log in with Spotify first.');
        },
        preHandler: [requireUser, app.csrfProtection],
      },
      async (request, reply) => {
        const file = (request.body as { file?: unknown } | undefined)?.file as UploadedFile | undefined;
        if (!file || typeof file !== 'object' || !('path' in file)) {
          throw new ValidationError('Choose your music_time_machine.db file to upload.');
        }
        if (file.truncated) {
          throw new AppError('file_too_large', 413, `The file is larger than ${maxMb} MB. Import it from the command line instead: npx mtm import-sqlite FILE --owner YOUR_SPOTIFY_ID`);
        }
        const user = request.currentUser!;
        const rejects = memoryRejectSink(REJECTS_SHOWN);
        let report;
        try {
          report = await importLegacyFile(deps.database.withBulkSession, {
            sourcePath: file.path,
            sourceName: file.filename,
            owner: user.spotifyId,
            clock: deps.clock,
            rejects,
            constraints: 'keep', // the app is live: never lock the snapshots table of every user
          });
        } finally {
          // Gone before the answer leaves (the onResponse hook covers requests that never got here).
          await rm(request.uploadDir!, { recursive: true, force: true });
          request.uploadDir = undefined;
        }
        request.log.info({ runId: report.runId, tracks: report.tracks.imported, snapshots: report.snapshots.imported }, 'legacy import done');
        return reply.view('settings-import.eta', {
          title: 'Import a legacy archive · Music Time Machine',
          maxMb,
          report,
          filename: file.filename,
          rejects: rejects.entries,
          rejectsTotal: rejects.total,
        });
      },
    );
  };
}
