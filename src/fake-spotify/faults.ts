import { HttpAnswer } from './http.js';
import type { FaultRule } from './types.js';

/**
 * Injected faults: rules that make matching requests slow, fail with a status, or answer a raw
 * body, each for a number of requests or for all of them.
 */
export interface Faults {
  add(rule: FaultRule): void;
  clear(): void;
  /** The first live rule matching the request (its count is spent), or undefined. */
  take(method: string, path: string, user: string | undefined): FaultRule | undefined;
}

export function createFaults(): Faults {
  let rules: (FaultRule & { remaining: number })[] = [];
  return {
    add: (rule) => void rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }),
    clear: () => void (rules = []),
    take(method, path, user) {
      const rule = rules.find(
        (f) =>
          f.remaining > 0 &&
          (!f.method || f.method.toUpperCase() === method) &&
          (!f.path || (f.path.endsWith('*') ? path.startsWith(f.path.slice(0, -1)) : f.path === path)) &&
          (!f.user || f.user === user),
      );
      if (rule) rule.remaining -= 1;
      return rule;
    },
  };
}

/** The answer a status fault stands in for: the accounts service's or the Web API's error shape. */
export function faultAnswer(rule: FaultRule, path: string): HttpAnswer {
  const status = rule.status ?? 200;
  const headers: Record<string, string> = {};
  if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="spotify", error="invalid_token"';
  if (path.startsWith('/api/')) {
    return new HttpAnswer(status, { error: status === 429 ? 'rate_limited' : 'server_error', error_description: `Injected ${status}` }, headers);
  }
  const message = status === 429 ? 'API rate limit exceeded' : status === 401 ? 'The access token expired' : `Injected ${status}`;
  return new HttpAnswer(status, { error: { status, message } }, headers);
}
