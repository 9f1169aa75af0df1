import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
import { TIME_RANGES } from '../../lib/time-ranges.js';
import type { Deps } from '../../deps.js';
import { chartsMemo, lineChartSvg, RANGE_COLORS, RANGE_LABELS, rankSeriesPoints, responsiveChart } from '../../lib/charts.js';
import { NotFoundError } from '../../lib/errors.js';
import type { InsightCache } from '../../services/insight-cache.js';
import { getTrackPage, type TrackPage } from '../../services/insights.js';
import { contract } from '../contracts.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { renderInsight } from './page.js';
import { TrackJson, TrackParams } from './schemas.js';

/** Spotify ids are base62; legacy files may hold other word characters. Anything else is not a track. */
const TRACK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** GET /tracks/:id: the track's facts and its rank history in the three ranges; 404 unless in the user's archive. */
export function trackRoutes(deps: Deps, cache: InsightCache): FastifyPluginAsync {
  return async (app) => {
    const schema = contract({ params: TrackParams, json: TrackJson });
    app.get<{ Params: Static<typeof TrackParams> }>('/tracks/:id', { preHandler: requireUser, schema }, async (request, reply) => {
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

const chart = chartsMemo((page: TrackPage) => {
  const series = TIME_RANGES.map((range) => ({
    name: RANGE_LABELS[range],
    color: RANGE_COLORS[range],
    data: rankSeriesPoints(page.history.filter((p) => p.range === range)),
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
