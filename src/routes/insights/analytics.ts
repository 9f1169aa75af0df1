import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
import type { Deps } from '../../deps.js';
import { barChartSvg, chartsMemo, lineChartSvg, NEUTRAL_COLOR, RANGE_COLORS, responsiveChart } from '../../lib/charts.js';
import { formatMonth } from '../../lib/format.js';
import type { InsightCache } from '../../services/insight-cache.js';
import { ANALYTICS_RANGES, getAnalytics, type Analytics, type AnalyticsRange } from '../../services/insights.js';
import { contract } from '../contracts.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { renderInsight } from './page.js';
import { AnalyticsJson, AnalyticsQuery } from './schemas.js';

const DEFAULT_RANGE: AnalyticsRange = '12m';

/** GET /analytics?range=6m|12m|24m|all: growth, diversity and consistent artists (JSON at the same URL). */
export function analyticsRoutes(deps: Deps, cache: InsightCache): FastifyPluginAsync {
  return async (app) => {
    const schema = contract({ querystring: AnalyticsQuery, json: AnalyticsJson });
    app.get<{ Querystring: Static<typeof AnalyticsQuery> }>('/analytics', { preHandler: requireUser, schema }, async (request, reply) => {
      const asked = request.query.range;
      const known = (ANALYTICS_RANGES as readonly string[]).includes(asked ?? '');
      const range = known ? (asked as AnalyticsRange) : DEFAULT_RANGE;
      // An unknown range is not an error worth a 400 (old bookmarks): show 12 months and say so.
      const notice = asked !== undefined && !known ? `"${asked}" is not a period this page knows; showing the last 12 months.` : null;
      const userId = currentUserId(request);
      return renderInsight(
        request,
        reply,
        { view: 'insights/analytics.eta', title: 'Analytics' },
        () => getAnalytics(deps.database.db, cache, userId, range),
        ({ analytics: data, archiveStartMonth }) => ({
          view: { range, notice, ranges: ANALYTICS_RANGES, data, firstMonth: archiveStartMonth, charts: charts(data) },
          json: notice ? { ...data, notice } : data,
        }),
        { range, growth: [], diversity: [], consistentArtists: [], ...(notice ? { notice } : {}) },
      );
    });
  };
}

const charts = chartsMemo((data: Analytics) => {
  const months = data.growth.map((g) => formatMonth(g.month));
  return {
    growth: responsiveChart((size) => lineChartSvg({
      ...size,
      categories: months,
      series: [{ name: 'New short-term tracks', color: RANGE_COLORS.short_term, data: data.growth.map((g) => g.newTracks), area: true }],
      xName: 'Month',
      yName: 'New tracks',
      label: 'Short-term tracks seen for the first time, per month',
    })),
    diversity: responsiveChart((size) => lineChartSvg({
      ...size,
      categories: months,
      series: [{ name: 'Distinct artists', color: NEUTRAL_COLOR, data: data.diversity.map((d) => d.artists) }],
      xName: 'Month',
      yName: 'Artists',
      label: 'Distinct artists in your top tracks, per month',
    })),
    consistency:
      data.consistentArtists.length > 0
        ? responsiveChart((size) => barChartSvg({
      ...size,
            labels: data.consistentArtists.map((a) => a.artist),
            values: data.consistentArtists.map((a) => a.dates),
            color: NEUTRAL_COLOR,
            xName: 'Snapshot dates present',
            label: 'Artists present on the most snapshot dates',
          }), 900)
        : null,
  };
});
