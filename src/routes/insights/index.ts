import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../../deps.js';
import { InsightCache } from '../../services/insight-cache.js';
import { analyticsRoutes } from './analytics.js';
import { dashboardRoutes } from './dashboard.js';
import { timeMachineRoutes } from './time-machine.js';
import { searchRoutes } from './search.js';
import { trackRoutes } from './track.js';

/**
 * The insight pages (analytics, dashboard, time machine, track page, search), sharing one cache of
 * per-user figures keyed by the user's archive version (docs/ARCHITECTURE.md).
 */
export function insightRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const cache = new InsightCache();
    await app.register(analyticsRoutes(deps, cache));
    await app.register(dashboardRoutes(deps, cache));
    await app.register(timeMachineRoutes(deps, cache));
    await app.register(trackRoutes(deps, cache));
    await app.register(searchRoutes(deps));
  };
}
