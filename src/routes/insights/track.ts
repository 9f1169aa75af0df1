import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { TIME_RANGES } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { lineChartSvg, RANGE_COLORS, RANGE_LABELS , chartsMemo, responsiveChart } from '../../lib/charts.js';
import { NotFoundError } from '../../lib/errors.js';
import type { InsightCache } from '../../services/insight-cache.js';
import { getTrackPage, type TrackPage } from '../../services/insights.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { renderInsight } from './page.js';

const Params = Type.Object({ id: Type.String({ maxLength: 200 }) });
/** Spotify ids are base62; legacy files may hold other word characters. Anything else is not a track. */
const TRACK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** GET /tracks/:id: the track's facts and its rank history in the three ranges; 404 unless in the user's archive. */
export function trackRoutes(deps: Deps, cache: InsightCache): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: Static<typeof Params> }>('/tracks/:id', { preHandler: requireUser, schema: { params: Params } }, async (request, reply) => {
      const trackId = request.params.id;
      const userId = currentUserId(request);
      const notFound = new NotFoundError('This track is not in your archive.');
      if (!TRACK_ID.test(trackId)) throw notFound;
      return renderInsight(
        request,
        reply,
        { view: 'insights/track.eta', title: 'Track' },
        async () => {
          const page = await getTrackPage(deps.database.db, cache, userId, trackId);
          // Not "empty": a track outside the archive is a 404 (also for JSON callers).
          if (!page) throw notFound;
          return page;
        },
        (page) => ({ view: { page, title: `${page.track.name} · Music Time Machine`, chart: chart(page) }, json: page }),
        null,
      );
    });
  };
}

/** Above this many snapshots in a range, the chart shows each week's best rank (drawing stays fast). */
const MAX_DAILY_POINTS = 370;

const chart = chartsMemo((page: TrackPage) => {
  const series = TIME_RANGES.map((range) => ({
    name: RANGE_LABELS[range],
    color: RANGE_COLORS[range],
    data: chartPoints(page.history.filter((p) => p.range === range)),
  })).filter((s) => s.data.length > 0);
  return responsiveChart(
    (size) =>
      lineChartSvg({
        ...size,
        series,
        xName: 'Snapshot date',
        yName: 'Rank',
        invertY: true,
        yMin: 1,
        yMax: 50,
        label: `Rank of ${page.track.name} in each time range over time`,
      }),
    900,
  );
});

/** [date, rank] points: every snapshot, or for a long history the best rank of each week (dated by its Monday). */
function chartPoints(points: TrackPage['history']): Array<readonly [string, number]> {
  if (points.length <= MAX_DAILY_POINTS) return points.map((p) => [p.date, p.rank] as const);
  const weeks = new Map<string, number>();
  for (const p of points) {
    const day = new Date(`${p.date}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
    const monday = day.toISOString().slice(0, 10);
    weeks.set(monday, Math.min(weeks.get(monday) ?? 50, p.rank));
  }
  return [...weeks.entries()].map(([date, rank]) => [date, rank] as const);
}
