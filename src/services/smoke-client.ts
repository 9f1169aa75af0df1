/**
 * The small HTTP client `mtm smoke` browses a live deploy with: one cookie jar (like a browser
 * tab), redirects followed by hand so every hop is timed and its cookies kept, and a log of every
 * request (method, path, status, time) for the report and the "no 5xx" check.
 */

export interface LoggedRequest {
  method: string;
  path: string;
  /** null when the request failed without an answer (refused, reset, timed out). */
  status: number | null;
  ms: number;
  error?: string;
}

export interface SmokeResponse {
  status: number;
  headers: Headers;
  body: string;
  url: string;
  ms: number;
}

export interface SmokeClientOptions {
  baseUrl: string;
  fetch: typeof fetch;
  /** A monotonic clock in milliseconds (performance.now). */
  now: () => number;
  timeoutMs: number;
}

export type SmokeClient = ReturnType<typeof createSmokeClient>;

export function createSmokeClient(options: SmokeClientOptions) {
  const base = new URL(options.baseUrl);
  const log: LoggedRequest[] = [];
  const jar = new Map<string, string>();

  /** One request, no redirect followed; `withCookies: false` for anonymous load (concurrency). */
  async function request(
    method: string,
    target: string,
    init: { body?: string; headers?: Record<string, string>; withCookies?: boolean } = {},
  ): Promise<SmokeResponse> {
    const url = new URL(target, base);
    const headers: Record<string, string> = { 'user-agent': 'mtm-smoke', ...init.headers };
    const sameOrigin = url.origin === base.origin;
    if ((init.withCookies ?? true) && sameOrigin && jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const started = options.now();
    const path = url.origin === base.origin ? `${url.pathname}${url.search}` : url.href;
    try {
      const response = await options.fetch(url, { method, headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      const body = await response.text();
      const ms = options.now() - started;
      log.push({ method, path, status: response.status, ms });
      if ((init.withCookies ?? true) && sameOrigin) keepCookies(response.headers);
      return { status: response.status, headers: response.headers, body, url: url.href, ms };
    } catch (error) {
      const ms = options.now() - started;
      const message = describeFetchError(error);
      log.push({ method, path, status: null, ms, error: message });
      throw new Error(`${method} ${path}: ${message}`, { cause: error });
    }
  }

  /** Follows same-origin redirects (at most 10); a redirect elsewhere is returned as it is. */
  async function follow(method: string, target: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<SmokeResponse> {
    let response = await request(method, target, init);
    for (let hops = 0; hops < 10 && isRedirect(response.status); hops++) {
      const next = new URL(response.headers.get('location') ?? '', response.url);
      if (next.origin !== base.origin) return response;
      response = await request('GET', next.href);
    }
    return response;
  }

  function keepCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // An expired or emptied cookie is a logout.
      if (value === '' || /;\s*max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }

  return { request, follow, log, base, hasCookies: () => jar.size > 0 };
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time (timed out)';
  return e.cause?.code ? `${e.cause.code} ${e.cause.message ?? ''}`.trim() : (e.message ?? String(error));
}

/** Decodes the entities our templates and the fake's consent page write. */
export function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
