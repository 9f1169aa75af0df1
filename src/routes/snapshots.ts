import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/connection-errors.js';
import type { Deps } from '../deps.js';
import { listArchiveGaps } from '../repositories/access-lapses.js';
import { findArchiveSpan } from '../repositories/snapshots.js';
import { captureStatusReport, runCapture, type CaptureRunOutcome } from '../services/capture-runs.js';
import { currentUserId, requireUser } from './plugins/session.js';
import { wantsJson } from './respond.js';

/**
 * "Take a snapshot now" for the logged-in user, and their capture status.
 * GET /snapshot shows the status and the button; POST /snapshot (CSRF) captures and shows the
 * result (JSON for API clients). Settings links here.
 */
export function snapshotRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    app.get('/snapshot', { preHandler: requireUser }, async (request, reply) => renderPage(deps, request, reply, undefined));

    app.post('/snapshot', { preHandler: [requireUser, app.csrfProtection] }, async (request, reply) => {
      const outcome = await runCapture(deps.capture, currentUserId(request), { mode: 'once' });
      if (outcome.kind !== 'captured') request.log.warn({ outcome }, 'on-demand snapshot failed');
      const status = httpStatus(outcome);
      if (outcome.kind !== 'captured' && outcome.error.code === 'database_unavailable') reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      if (wantsJson(request)) return reply.code(status).send(outcomeBody(outcome));
      return renderPage(deps, request, reply.code(status), outcome);
    });
  };
}

async function renderPage(deps: Deps, request: FastifyRequest, reply: FastifyReply, outcome: CaptureRunOutcome | undefined) {
  const userId = currentUserId(request);
  const [[status], archive, gaps] = await Promise.all([
    captureStatusReport(deps.database.db, { cron: deps.config.snapshotCron, now: deps.clock.now(), userId }),
    findArchiveSpan(deps.database.db, userId),
    listArchiveGaps(deps.database.db, userId),
  ]);
  return reply.view('snapshot.eta', {
    title: 'Snapshots · Music Time Machine',
    status,
    archive,
    gaps,
    result: outcome && resultView(outcome),
    // needs_reauth may have just been set by this capture.
    needsReauth: outcome?.kind === 'needs_reauth' || (status?.needs_reauth ?? false),
  });
}

function resultView(outcome: CaptureRunOutcome): { ok: boolean; message: string } {
  if (outcome.kind === 'captured') {
    const { counts, snapshotDate } = outcome.result;
    if (outcome.result.outcome === 'nothing_to_capture') {
      return { ok: true, message: `Nothing to capture on ${snapshotDate}: Spotify has no top tracks for your account yet. Listen for a while and try again.` };
    }
    return {
      ok: true,
      message: `Snapshot of ${snapshotDate} saved: ${counts.short_term} short-term, ${counts.medium_term} medium-term and ${counts.long_term} long-term tracks.${localFilesNote(outcome.result.skippedLocalFiles)}`,
    };
  }
  if (outcome.kind === 'needs_reauth') return { ok: false, message: 'Spotify no longer accepts this app\'s access for your account. Log in with Spotify again to resume captures.' };
  // Our own failures (database, bugs) stay in the logs and `mtm snapshot --status`.
  const reason = outcome.error.code === INTERNAL_ERROR ? 'something went wrong on our side; it has been logged. Please try again.' : outcome.error.message;
  return { ok: false, message: `The snapshot was not taken: ${reason}` };
}

const INTERNAL_ERROR = 'internal_error';

/** Local files have no Spotify id: they are left out of the snapshot, and the user is told how many. */
function localFilesNote(skipped: number): string {
  if (skipped === 0) return '';
  return ` ${skipped} local file${skipped === 1 ? ' was' : 's were'} left out (local files have no Spotify id to archive).`;
}

function httpStatus(outcome: CaptureRunOutcome): number {
  if (outcome.kind === 'captured') return 200;
  if (outcome.kind === 'needs_reauth') return 401;
  if (outcome.error.code === 'spotify_rate_limited') return 429;
  if (outcome.error.code === 'spotify_unavailable' || outcome.error.code === 'database_unavailable') return 503;
  if (outcome.error.code === INTERNAL_ERROR) return 500;
  return 502;
}

function outcomeBody(outcome: CaptureRunOutcome) {
  if (outcome.kind === 'captured') {
    const { skippedLocalFiles } = outcome.result;
    return { outcome: outcome.result.outcome, date: outcome.result.snapshotDate, counts: outcome.result.counts, ...(skippedLocalFiles ? { skipped_local_files: skippedLocalFiles } : {}) };
  }
  return { error: { code: outcome.error.code, message: resultView(outcome).message } };
}

