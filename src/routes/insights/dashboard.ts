import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';
import { barChartSvg, chartsMemo, lineChartSvg, NEUTRAL_COLOR, responsiveChart } from '../../lib/charts.js';
import type { DashboardFacts } from '../../repositories/dashboard.js';
import type { InsightCache } from '../../services/insight-cache.js';
import { getDashboard } from '../../services/insights.js';
import { contract } from '../contracts.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { renderInsight } from './page.js';
import { DashboardJson } from './schemas.js';

/** GET /dashboard: facts from the raw Spotify payloads of the user's distinct tracks. */
export function dashboardRoutes(deps: Deps, cache: InsightCache): FastifyPluginAsync {
  return async (app) => {
    app.get('/dashboard', { preHandler: requireUser, schema: contract({ json: DashboardJson }) }, async (request, reply) => {
      const userId = currentUserId(request);
      return renderInsight(
        request,
        reply,
        { view: 'insights/dashboard.eta', title: 'Dashboard' },
        async () => {
          const facts = await getDashboard(deps.database.db, cache, userId);
          return facts.tracks > 0 ? facts : undefined;
        },
        (facts) => ({ view: { facts, charts: charts(facts) }, json: jsonOf(facts) }),
        jsonOf(EMPTY),
      );
    });
  };
}

const EMPTY: DashboardFacts = {
  tracks: 0,
  snapshotDates: 0,
  releaseYears: [],
  decades: [],
  explicit: { explicit: 0, clean: 0, unknown: 0 },
  isrcShare: null,
  avgDurationMs: null,
  topAlbums: [],
  detail: { yearUnknown: 0, isrcKnown: 0, durationKnown: 0 },
};

/** The JSON shape: the facts without the page's explanatory detail. */
function jsonOf(facts: DashboardFacts) {
  const { detail: _detail, ...json } = facts;
  return json;
}

const charts = chartsMemo((facts: DashboardFacts) => {
  return {
    releaseYears: facts.releaseYears.length
      ? responsiveChart((size) => barChartSvg({
      ...size,
          labels: facts.releaseYears.map((y) => String(y.year)),
          values: facts.releaseYears.map((y) => y.tracks),
          color: NEUTRAL_COLOR,
          xName: 'Tracks',
          label: 'Release years with the most tracks in your archive',
        }))
      : null,
    decades: facts.decades.length
      ? responsiveChart((size) => lineChartSvg({
      ...size,
          categories: facts.decades.map((d) => `${d.decade}s`),
          series: [{ name: 'Tracks', color: NEUTRAL_COLOR, data: facts.decades.map((d) => d.tracks), area: true }],
          xName: 'Release decade',
          yName: 'Tracks',
          height: 240,
          label: 'Tracks in your archive by release decade',
        }))
      : null,
    topAlbums: facts.topAlbums.length
      ? responsiveChart((size) => barChartSvg({
      ...size,
          labels: facts.topAlbums.map((a) => a.album),
          values: facts.topAlbums.map((a) => a.tracks),
          color: NEUTRAL_COLOR,
          xName: 'Tracks',
          label: 'Albums with the most tracks in your archive',
        }), 900)
      : null,
  };
});
