import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
import { isTimeRange, TIME_RANGES, type TimeRange } from '../../lib/time-ranges.js';
import type { Deps } from '../../deps.js';
import { isIsoDate } from '../../lib/dates.js';
import { ValidationError } from '../../lib/errors.js';
import type { InsightCache } from '../../services/insight-cache.js';
import { getTimeMachine } from '../../services/insights.js';
import { contract } from '../contracts.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { renderInsight } from './page.js';
import { TimeMachineJson, TimeMachineQuery as Query } from './schemas.js';

/**
 * GET /history?date=YYYY-MM-DD&range=short_term: the top 50 of that snapshot (or the nearest
 * earlier one, stated), each with its movement since the previous snapshot of the range.
 */
export function timeMachineRoutes(deps: Deps, cache: InsightCache): FastifyPluginAsync {
  return async (app) => {
    const schema = contract({ querystring: Query, json: TimeMachineJson });
    app.get<{ Querystring: Static<typeof Query> }>('/history', { preHandler: requireUser, schema }, async (request, reply) => {
      const { date, range } = parseQuery(request.query);
      const userId = currentUserId(request);
      return renderInsight(
        request,
        reply,
        { view: 'insights/time-machine.eta', title: 'Time machine' },
        () => getTimeMachine(deps.database.db, cache, userId, range, date),
        (data) => ({ view: { data, range, ranges: TIME_RANGES }, json: data }),
        { range, requestedDate: date, date: null, tracks: [] },
      );
    });
  };
}

function parseQuery(query: Static<typeof Query>): { date: string | null; range: TimeRange } {
  const date = query.date ? query.date : null;
  if (date !== null && !isIsoDate(date)) throw new ValidationError(`"${date}" is not a date: use YYYY-MM-DD, e.g. 2024-06-03.`);
  const range = query.range ? query.range : 'short_term';
  if (!isTimeRange(range)) {
    throw new ValidationError(`"${range}" is not a time range: use short_term, medium_term or long_term.`);
  }
  return { date, range };
}
