import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/connection-errors.js';
import type { Deps } from '../deps.js';
import { createCooldown } from '../lib/cooldown.js';
import { formatDay, formatInstant } from '../lib/display-dates.js';
import { AppError } from '../lib/errors.js';
import { listArchiveGaps } from '../repositories/access-lapses.js';
import { findArchiveSpan } from '../repositories/snapshots.js';
import { listImportRuns } from '../repositories/user-data.js';
import { captureStatusReport, runCapture, type CaptureRunOutcome } from '../services/capture-runs.js';
import { contract, CsrfOnlyForm } from './contracts.js';
import { currentUserId, requireUser, setFlash } from './plugins/session.js';
import { respond, wantsJson } from './respond.js';

const Counts = Type.Object({ short_term: Type.Integer(), medium_term: Type.Integer(), long_term: Type.Integer() });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const SnapshotPageJson = Type.Object({
  archive: Nullable(Type.Object({ first: Type.String(), latest: Type.String(), days: Type.Integer() })),
  /** Where the dates not captured by this app came from. */
  history: Type.Object({ imports: Type.Array(Type.Object({ id: Type.Integer(), sourceName: Nullable(Type.String()), finishedAt: Nullable(Type.String()) })), demoMode: Type.Boolean() }),
  lastCapture: Nullable(Type.Object({ date: Type.String(), at: Type.String(), counts: Nullable(Counts) })),
  lastProblem: Nullable(Type.Object({ at: Type.String(), code: Nullable(Type.String()), message: Type.String() })),
  /** Days without snapshots because Spotify access lapsed (`to` null: still lapsed). */
  gaps: Type.Array(Type.Object({ from: Type.String(), to: Nullable(Type.String()), cause: Type.String() })),
  nextSnapshotAt: Nullable(Type.String()),
  needsReauth: Type.Boolean(),
});

const CaptureJson = Type.Object({ outcome: Type.String(), date: Type.String(), counts: Counts, skipped_local_files: Type.Optional(Type.Integer()) });

/**
 * "Take a snapshot now" for the logged-in user, and their capture status.
 * GET /snapshot shows the status and the button. POST /snapshot (CSRF) captures, then redirects
 * back with the result as a flash message, so reloading the page never captures again; JSON
 * callers get the result itself. Settings links here.
 */
export function snapshotRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    app.get('/snapshot', { schema: contract({ json: SnapshotPageJson }), onRequest: requireUser }, async (request, reply) => renderPage(deps, request, reply));

    // Per user, on this instance: each capture costs several Spotify calls; the daily schedule
    // does the regular work, this button is for "now".
    const cooldown = createCooldown(deps.limits.captureCooldownMs);

    app.post(
      '/snapshot',
      { schema: contract({ body: CsrfOnlyForm, json: CaptureJson }), onRequest: requireUser, preHandler: app.csrfProtection },
      async (request, reply) => {
        const waitMs = cooldown.take(currentUserId(request), deps.clock.now().getTime());
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          reply.header('retry-after', String(seconds));
          throw new AppError(
            'capture_too_soon',
            429,
            `You took a snapshot a moment ago. The next one can start in ${formatWait(seconds)}; your daily snapshot runs on its own schedule either way.`,
          );
        }
        const outcome = await runCapture(deps.capture, currentUserId(request), { mode: 'once' });
        if (outcome.kind !== 'captured') request.log.warn({ outcome }, 'on-demand snapshot failed');
        if (outcome.kind !== 'captured' && outcome.error.code === 'database_unavailable') reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        if (wantsJson(request)) return reply.code(httpStatus(outcome)).send(outcomeBody(outcome));
        const result = resultView(outcome);
        setFlash(request, { kind: result.ok ? 'success' : 'error', message: result.message });
        return reply.redirect('/snapshot', 303);
      },
    );
  };
}

async function renderPage(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const userId = currentUserId(request);
  const db = deps.database.db;
  const [[status], archive, imports, gaps] = await Promise.all([
    captureStatusReport(db, { cron: deps.config.snapshotCron, now: deps.clock.now(), userId }),
    findArchiveSpan(db, userId),
    listImportRuns(db, userId),
    listArchiveGaps(db, userId),
  ]);
  const succeededImports = imports.filter((run) => run.status === 'succeeded');
  const json = {
    archive: archive ?? null,
    history: {
      imports: succeededImports.map((run) => ({ id: run.id, sourceName: run.source_name, finishedAt: run.finished_at?.toISOString() ?? null })),
      demoMode: deps.config.demoMode,
    },
    lastCapture:
      status?.last_success_at && status.last_success_date
        ? { date: status.last_success_date, at: status.last_success_at.toISOString(), counts: status.last_result }
        : null,
    lastProblem: status?.last_error_at
      ? { at: status.last_error_at.toISOString(), code: status.last_error_code, message: status.last_error_code === INTERNAL_ERROR ? 'something went wrong on our side (it has been logged)' : (status.last_error ?? '') }
      : null,
    gaps: gaps.map((gap) => ({ from: gap.from, to: gap.to, cause: gap.cause })),
    nextSnapshotAt: status?.next_run ? status.next_run.toISOString() : null,
    needsReauth: status?.needs_reauth ?? false,
  };
  return respond(
    request,
    reply,
    'snapshot.eta',
    {
      title: 'Snapshots · Music Time Machine',
      navPath: '/snapshot',
      status,
      archive,
      gaps,
      snapshotPage: json,
      imports: succeededImports.map((run) => ({ name: run.source_name ?? 'a legacy file', day: run.finished_at ? formatDay(run.finished_at) : null })),
      archiveDays: archive && { first: formatDay(archive.first), latest: formatDay(archive.latest) },
      lastCaptureDay: status?.last_success_date ? formatDay(status.last_success_date) : null,
      lastProblemAt: status?.last_error_at ? formatInstant(status.last_error_at) : null,
      nextAt: status?.next_run ? formatInstant(status.next_run) : null,
      needsReauth: json.needsReauth,
    },
    json,
  );
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

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

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

