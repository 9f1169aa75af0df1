import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Deps } from '../deps.js';
import { pairedBarChartSvg, pairedLineChartSvg } from '../lib/charts.js';
import { formatDay, formatInstant, formatMonth, relativeTime } from '../lib/display-dates.js';
import {
  findMostConsistentArtist,
  findShortTermTurnover,
  getArchiveOverview,
  listShortTermDiscoveries,
} from '../repositories/home-stats.js';
import { captureStatusReport } from '../services/capture-runs.js';
import { contract } from './contracts.js';
import { respond } from './respond.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const HomeJson = Type.Object({
  loggedIn: Type.Literal(true),
  user: Type.Object({ displayName: Type.String(), needsReauth: Type.Boolean() }),
  tracks: Type.Integer(),
  snapshotDates: Type.Integer(),
  snapshots: Type.Integer(),
  firstSnapshot: Nullable(Type.String()),
  lastSnapshot: Nullable(Type.String()),
  nextSnapshotAt: Nullable(Type.String()),
  turnover: Nullable(
    Type.Object({ latestDate: Type.String(), previousDate: Type.String(), latestCount: Type.Integer(), newCount: Type.Integer(), percent: Type.Number() }),
  ),
  mostConsistentArtist: Nullable(Type.Object({ artist: Type.String(), dates: Type.Integer(), ofDates: Type.Integer() })),
  discoveries: Type.Array(Type.Object({ date: Type.String(), firstSeen: Type.Integer() })),
});

const LandingJson = Type.Object({
  loggedIn: Type.Literal(false),
  app: Type.String(),
  login: Type.String(),
  demoMode: Type.Boolean(),
});

/** Made-up numbers for the landing page's sample chart (no user data is shown logged out). */
const SAMPLE = {
  months: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  newTracks: [14, 9, 11, 6, 17, 12, 8, 5, 10, 15, 7, 9],
};

/**
 * `/`: the landing page for visitors (what the app does, a sample chart, "Log in with Spotify"),
 * and Home for a logged-in user: the archive's headline figures as cards, each linking to the
 * page that explains it, and the discovery timeline.
 */
export function homeRoutes(deps: Deps): FastifyPluginAsync {
  // Drawn on the first visit, not at start-up: drawing loads ECharts (see lib/charts.ts).
  let sampleChart: string | undefined;
  const drawSampleChart = () => pairedLineChartSvg({
    label: 'Sample: new tracks in a listener’s monthly top 50 over a year',
    categories: SAMPLE.months,
    series: [{ name: 'New tracks', values: SAMPLE.newTracks, range: 'short_term' }],
    yName: 'new tracks',
    area: true,
    integers: true,
    width: 560,
    height: 260,
  });

  return async (app) => {
    app.get('/', { schema: contract({ json: Type.Union([HomeJson, LandingJson]) }) }, async (request, reply) => {
      if (!request.currentUser) {
        return respond(
          request,
          reply,
          'landing.eta',
          { title: 'Music Time Machine · your Spotify top tracks, kept', sampleChart: (sampleChart ??= drawSampleChart()), sample: SAMPLE, demoMode: deps.config.demoMode },
          { loggedIn: false, app: 'Music Time Machine', login: '/login', demoMode: deps.config.demoMode },
        );
      }
      return renderHome(deps, request, reply);
    });
  };
}

async function renderHome(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const user = request.currentUser!;
  const db = deps.database.db;
  const now = deps.clock.now();
  const [overview, turnover, artist, discoveries, [status]] = await Promise.all([
    getArchiveOverview(db, user.id),
    findShortTermTurnover(db, user.id),
    findMostConsistentArtist(db, user.id),
    listShortTermDiscoveries(db, user.id),
    captureStatusReport(db, { cron: deps.config.snapshotCron, now, userId: user.id }),
  ]);
  const nextRun = status?.next_run ?? null;
  const json = {
    loggedIn: true as const,
    user: { displayName: user.displayName, needsReauth: user.needsReauth },
    tracks: overview.tracks,
    snapshotDates: overview.dates,
    snapshots: overview.snapshots,
    firstSnapshot: overview.first,
    lastSnapshot: overview.latest,
    nextSnapshotAt: nextRun ? nextRun.toISOString() : null,
    turnover: turnover ?? null,
    mostConsistentArtist: artist ?? null,
    discoveries,
  };
  if (overview.dates === 0) {
    // The failed state: the first capture (at login, or the button) did not work; say why.
    const problem = status?.last_error_at
      ? status.last_error_code === 'internal_error'
        ? 'something went wrong on our side; it has been logged.'
        : status.last_error
      : null;
    return respond(request, reply, 'home.eta', { title: 'Home · Music Time Machine', navPath: '/', empty: true, home: json, problem }, json);
  }

  // The first snapshot makes every track "new"; the chart starts after it so the everyday
  // discoveries stay readable, and the sentence and the table say what the first one held.
  const [first, ...rest] = discoveries;
  const discoveryChart = rest.length > 0 ? discoveryChartSvg(rest) : null;
  const discoveredAfterFirst = rest.reduce((sum, p) => sum + p.firstSeen, 0);
  return respond(
    request,
    reply,
    'home.eta',
    {
      title: 'Home · Music Time Machine',
      navPath: '/',
      empty: false,
      home: json,
      view: {
        firstDay: overview.first && formatDay(overview.first),
        lastDay: overview.latest && formatDay(overview.latest),
        lastAgo: overview.latest && relativeTime(overview.latest, now),
        next: nextRun && formatInstant(nextRun),
        nextAgo: nextRun && relativeTime(nextRun, now),
        since: overview.first && formatMonth(overview.first),
        turnoverLatest: turnover && formatDay(turnover.latestDate),
        turnoverPrevious: turnover && formatDay(turnover.previousDate),
        firstDiscovery: first ? { day: formatDay(first.date), count: first.firstSeen } : null,
        discoveredAfterFirst,
        discoveryChart,
        discoveryRows: discoveries.map((p) => ({ day: formatDay(p.date), date: p.date, count: p.firstSeen })),
      },
    },
    json,
  );
}

/** Daily snapshots make a per-date line unreadable (mostly 0, 1 or 2): beyond two months of dates, the chart shows monthly totals. */
const DAILY_POINTS_MAX = 60;

function discoveryChartSvg(points: ReadonlyArray<{ date: string; firstSeen: number }>): string {
  if (points.length <= DAILY_POINTS_MAX) {
    return pairedLineChartSvg({
      label: 'Tracks first seen in your 4-week top 50, per snapshot date',
      categories: points.map((p) => formatDay(p.date)),
      series: [{ name: 'First seen', values: points.map((p) => p.firstSeen), range: 'short_term' }],
      yName: 'tracks first seen',
      area: true,
      integers: true,
    });
  }
  const months = new Map<string, number>();
  for (const p of points) months.set(p.date.slice(0, 7), (months.get(p.date.slice(0, 7)) ?? 0) + p.firstSeen);
  return pairedBarChartSvg({
    label: 'Tracks first seen in your 4-week top 50, per month',
    categories: [...months.keys()].map((m) => formatMonth(`${m}-01`)),
    series: [{ name: 'First seen', values: [...months.values()], range: 'short_term' }],
    valueName: 'tracks first seen per month',
    horizontal: false,
  });
}
