import type { CaptureRunOutcome, CaptureStatusReport } from '../services/capture-runs.js';
import { NotFoundError } from '../lib/errors.js';
import { configFor, parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';
import { withCommandDeps } from './database.js';

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: "capture users' top tracks now, or show how captures are going",
  usage: `mtm snapshot (--user SPOTIFY_ID | --all | --status [--user SPOTIFY_ID]) [--env-file FILE] [--json]

  --user ID   capture this user's top 50 of each time range now (today's snapshot is replaced)
  --all       capture every user with a working Spotify login now (SNAPSHOT_CONCURRENCY at a time)
  --status    per user, fewest days of Spotify access left first: state, last success, last
              error, when the next capture runs and until when Spotify accepts the user's
              access (six months after their last login; they must log in again before it)

Exit status: 0 when every capture succeeded (or there was nothing to capture), 1 otherwise.
Scheduled captures run inside the app (SNAPSHOT_CRON); this command does not need it running,
except with the embedded database, which only one process may open at a time.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { user: { type: 'string' }, all: { type: 'boolean', default: false }, status: { type: 'boolean', default: false } });
    if (values.all && values.user !== undefined) throw new UsageError('--all and --user cannot be combined');
    const modes = [values.status, values.all, values.user !== undefined && !values.status].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('say which: --user SPOTIFY_ID, --all, or --status');

    const config = configFor(io.env, values['env-file']);
    if (config.demoMode && !values.status) {
      // The demo's offline Spotify lives inside the running app; a second one here would not
      // know its tokens, and every capture would end in "log in again".
      throw new UsageError('demo mode has no real Spotify: captures run inside the app (npm start); use --status here, or configure SPOTIFY_CLIENT_ID');
    }
    // Loaded here, not at the top: every `mtm` command imports this file, and the app's whole
    // dependency graph (pg-boss, the Spotify client, the fake) would slow them all down.
    const [{ findUserBySpotifyId, listSpotifyIdsByUserId }, { captureAllNow, captureStatusReport, runCapture }] = await Promise.all([
      import('../repositories/users.js'),
      import('../services/capture-runs.js'),
    ]);
    return withCommandDeps(config, async (deps) => {
      if (values.status) {
        const report = await captureStatusReport(deps.database.db, { cron: config.snapshotCron, now: deps.clock.now(), spotifyId: values.user });
        if (values.user !== undefined && report.length === 0) throw noSuchUser(values.user);
        if (values.json) io.out(JSON.stringify({ database: deps.database.location, cron: config.snapshotCron, users: report.map(statusJson) }));
        else {
          io.out(`database: ${deps.database.location}`);
          printStatus(io, report, config.snapshotCron);
        }
        return 0;
      }
      if (values.user !== undefined) {
        const user = await findUserBySpotifyId(deps.database.db, values.user);
        if (!user) throw noSuchUser(values.user);
        const outcome = await runCapture(deps.capture, user.id, { mode: 'once' });
        if (values.json) io.out(JSON.stringify({ database: deps.database.location, user: user.spotify_id, ...outcomeJson(outcome) }));
        else {
          io.out(`database: ${deps.database.location}`);
          io.out(describe(user.spotify_id, outcome));
        }
        return outcome.kind === 'captured' ? 0 : 1;
      }
      const results = await captureAllNow(deps.capture, { concurrency: config.snapshotConcurrency });
      const spotifyIds = await listSpotifyIdsByUserId(deps.database.db);
      const failed = results.filter((r) => r.outcome.kind !== 'captured').length;
      if (values.json) {
        io.out(JSON.stringify({ database: deps.database.location, users: results.map((r) => ({ user: spotifyIds.get(r.userId), ...outcomeJson(r.outcome) })), failed }));
      } else {
        io.out(`database: ${deps.database.location}`);
        for (const r of results) io.out(describe(spotifyIds.get(r.userId) ?? `#${r.userId}`, r.outcome));
        io.out(`${results.length} user(s): ${results.length - failed} captured, ${failed} failed`);
      }
      return failed > 0 ? 1 : 0;
    });
  },
};

function noSuchUser(spotifyId: string): NotFoundError {
  return new NotFoundError(`no user with Spotify id "${spotifyId}" (a user appears after their first login)`);
}

function describe(who: string, outcome: CaptureRunOutcome): string {
  switch (outcome.kind) {
    case 'captured': {
      const { counts, snapshotDate } = outcome.result;
      if (outcome.result.outcome === 'nothing_to_capture') return `${who}: nothing to capture on ${snapshotDate} (Spotify has no top tracks for this account yet)`;
      const skipped = outcome.result.skippedLocalFiles ? ` (${outcome.result.skippedLocalFiles} local file(s) skipped: no Spotify id)` : '';
      return `${who}: captured ${snapshotDate}: short_term ${counts.short_term}, medium_term ${counts.medium_term}, long_term ${counts.long_term} tracks${skipped}`;
    }
    case 'needs_reauth':
      return `${who}: needs to log in again (${outcome.error.message})`;
    default:
      return `${who}: failed: ${outcome.error.message}`;
  }
}

function outcomeJson(outcome: CaptureRunOutcome) {
  if (outcome.kind === 'captured') {
    return { outcome: outcome.result.outcome, date: outcome.result.snapshotDate, counts: outcome.result.counts, skipped_local_files: outcome.result.skippedLocalFiles };
  }
  return { outcome: outcome.kind, error: outcome.error };
}

function statusJson(row: CaptureStatusReport) {
  return {
    user: row.spotify_id,
    state: row.state,
    needs_reauth: row.needs_reauth,
    has_token: row.has_token,
    last_success: row.last_success_at && { at: row.last_success_at.toISOString(), date: row.last_success_date, counts: row.last_result },
    last_error: row.last_error_at && { at: row.last_error_at.toISOString(), code: row.last_error_code, message: row.last_error },
    attempts: row.attempts,
    next_run: row.next_run?.toISOString() ?? null,
    spotify_access: row.spotify_authorized_at && {
      authorized_at: row.spotify_authorized_at.toISOString(),
      deadline: row.access_deadline?.toISOString(),
      days_left: row.days_left,
    },
  };
}

function printStatus(io: CliIo, report: CaptureStatusReport[], cron: string): void {
  io.out(`schedule: ${cron} (UTC)`);
  if (report.length === 0) {
    io.out('no users yet: a user appears after their first login');
    return;
  }
  for (const row of report) {
    const success = row.last_success_at
      ? `${row.last_success_date} (${row.last_result && row.last_result.short_term + row.last_result.medium_term + row.last_result.long_term === 0 ? 'nothing to capture' : `${row.last_result?.short_term}/${row.last_result?.medium_term}/${row.last_result?.long_term} tracks`})`
      : 'never';
    const error = row.last_error_at ? `${row.last_error_at.toISOString()} ${row.last_error_code}: ${row.last_error}` : 'none';
    const next = row.needs_reauth ? 'after the user logs in again' : !row.has_token ? 'after the user logs in' : (row.next_run?.toISOString() ?? '-');
    io.out(`${row.spotify_id}  state: ${row.state}${row.attempts ? ` (${row.attempts} failed attempt(s))` : ''}`);
    io.out(`  last success: ${success}`);
    io.out(`  last error:   ${error}`);
    io.out(`  next run:     ${next}`);
    io.out(`  access until: ${accessUntil(row)}`);
  }
}

function accessUntil(row: CaptureStatusReport): string {
  if (!row.access_deadline || row.days_left === null) return 'unknown (no login recorded since Spotify\'s 6-month limit was tracked)';
  const date = row.access_deadline.toISOString().slice(0, 10);
  if (row.days_left < 0) return `${date} (expired: the user must log in again)`;
  return `${date} (${row.days_left} day${row.days_left === 1 ? '' : 's'} left)`;
}
