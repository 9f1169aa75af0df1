import type { LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from '../../src/routes/plugins/session.js';

/** The session cookie a response set, as a Cookie header value (or `previous` if it set none). */
export function cookieFrom(response: LightMyRequestResponse, previous = ''): string {
  const set = response.cookies.find((c) => c.name === SESSION_COOKIE);
  return set ? `${SESSION_COOKIE}=${encodeURIComponent(set.value)}` : previous;
}
