import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import { format } from '../../lib/format.js';
import { RANGE_COLORS, RANGE_LABELS } from '../../lib/charts.js';
import { respond, wantsJson } from '../respond.js';

/**
 * Renders an insight page in its three designed states: with data, empty (the archive has no
 * snapshot yet: the first-snapshot button) and failed (the figures could not be loaded: what
 * happened and a retry link, status 503, details in the log). JSON callers get the data, or
 * `{error}` through the app's error handler.
 */
export async function renderInsight<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { view: string; title: string },
  load: () => Promise<T | undefined>,
  present: (data: T) => { view: Record<string, unknown>; json: unknown },
  /** The JSON answer for an empty archive: the page's usual shape with nothing in it. */
  emptyJson: unknown,
) {
  const base = { title: `${page.title} · Music Time Machine`, format, rangeColors: RANGE_COLORS, rangeLabels: RANGE_LABELS };
  let data: T | undefined;
  try {
    data = await load();
  } catch (error) {
    // Our own errors (404 and the like) go to the error handler; only failures get the failed state.
    if (wantsJson(request) || error instanceof AppError) throw error;
    request.log.error({ err: error }, `${page.title} failed to load`);
    return reply.code(503).view(page.view, { ...base, state: 'failed' });
  }
  if (data === undefined) {
    if (wantsJson(request)) return reply.send(emptyJson);
    return reply.view(page.view, { ...base, state: 'empty' });
  }
  const shown = present(data);
  return respond(request, reply, page.view, { ...base, state: 'ok', ...shown.view }, shown.json);
}
