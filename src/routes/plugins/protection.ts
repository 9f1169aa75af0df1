import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';

/** The request groups that are rate limited per client address; everything else is not. */
type LimitedGroup = 'login' | 'post' | 'api';

export function limitedGroupOf(request: FastifyRequest): LimitedGroup | undefined {
  const path = request.url.split('?', 1)[0]!;
  if (path === '/login' || path === '/callback') return 'login';
  if (path.startsWith('/api/')) return 'api';
  if (request.method === 'POST') return 'post';
  return undefined;
}

/**
 * Security headers and per-client rate limits for every response, registered once in app.ts
 * before the routes:
 * - @fastify/helmet: a CSP that allows only the app's own scripts and styles (htmx and the chart
 *   script are files under /static; style attributes are allowed because the server-rendered
 *   ECharts SVG carries them), frame-ancestors 'none', form-action limited to the app and the
 *   Spotify accounts service the login goes to, nosniff, a same-origin Referrer-Policy, and HSTS
 *   in production only (a development instance on http://127.0.0.1 must stay reachable);
 * - @fastify/rate-limit keyed by client address and group (login, POST, /api), answering 429
 *   through the app's one error handler, with Retry-After.
 */
export function protectionPlugin(deps: Deps): FastifyPluginAsync {
  const { config, limits } = deps;
  const plugin: FastifyPluginAsync = async (app) => {
    const accountsOrigin = config.spotify ? new URL(config.spotify.accountsUrl ?? 'https://accounts.spotify.com').origin : undefined;
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          styleSrcAttr: ["'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'https://i.scdn.co'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: accountsOrigin ? ["'self'", accountsOrigin] : ["'self'"],
          ...(config.isProduction && config.appUrl.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // Album art comes from Spotify's CDN, which sends no CORP header.
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: config.isProduction ? { maxAge: 365 * 24 * 3600, includeSubDomains: true } : false,
    });

    const perWindow: Record<LimitedGroup, number> = {
      login: limits.loginRequestsPerWindow,
      post: limits.postRequestsPerWindow,
      api: limits.apiRequestsPerWindow,
    };
    await app.register(fastifyRateLimit, {
      global: true,
      timeWindow: limits.rateLimitWindowMs,
      max: (request) => perWindow[limitedGroupOf(request) ?? 'post'],
      allowList: (request) => limitedGroupOf(request) === undefined,
      keyGenerator: (request) => `${request.ip}|${limitedGroupOf(request)}`,
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', 429, `Too many requests from your address. Please wait ${context.after} and try again.`),
    });
  };
  return fp(plugin, { name: 'mtm-protection' });
}
