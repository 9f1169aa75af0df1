import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Where the error page of this route links back to (default: the home page), e.g. a form. */
    errorBack?: { href: string; label: string };
  }
}

/**
 * The one rule for "answer this request with JSON": API routes (/api/*, /healthz) always, and any
 * page whose caller asks for JSON over HTML (`Accept: application/json`). Every page answers
 * JSON at its own URL with the data it renders (docs/API.md).
 */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url;
  if (path.startsWith('/api/') || path === '/healthz' || path.startsWith('/healthz?')) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * Renders a page, or its data as JSON for a caller that asked for JSON. `json` is what the JSON
 * answer holds (defaults to `data`); keep it to plain values, the numbers the page shows.
 */
export function respond(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: { title: string } & Record<string, unknown>,
  json: unknown = data,
) {
  if (wantsJson(request)) return reply.send(json);
  return reply.view(view, data);
}
