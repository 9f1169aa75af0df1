import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * HTTP plumbing of the fake Spotify: what a handler answers (JSON, an HTML page, a redirect),
 * reading and parsing request bodies, writing answers, and a small method + path route table.
 */

/** A JSON answer; also thrown by handlers to stop with an error answer. */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** A plain-text answer (Spotify sends a few errors that way); thrown like HttpAnswer. */
export class TextAnswer extends HttpAnswer {
  constructor(status: number, text: string) {
    super(status, text, { 'content-type': 'text/plain; charset=utf-8' });
  }
}

export interface HtmlAnswer {
  status: number;
  html: string;
}

export interface RedirectAnswer {
  redirect: string;
}

export type Answer = HttpAnswer | HtmlAnswer | RedirectAnswer;

/** What a route handler receives. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed body: an object for form and JSON bodies, the raw text otherwise, undefined when empty. */
  body: unknown;
  /** The content type the body came with (without parameters), '' when none. */
  contentType: string;
  headers: IncomingMessage['headers'];
  /** Path parameters captured by the route's pattern. */
  params: string[];
}

export interface Route {
  method: string;
  /** An exact path, or a pattern whose groups become `params`. */
  path: string | RegExp;
  handle(request: FakeRequest): Answer;
}

/** Finds the route for a request; undefined when none matches. */
export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const match = route.path.exec(path);
    if (match) return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form and JSON bodies become objects; malformed JSON throws a 400 answer. */
export function parseRequestBody(contentType: string | undefined, raw: string): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpAnswer(400, { error: { status: 400, message: 'Error parsing JSON.' } });
    }
  }
  return raw;
}

/** Writes an answer; returns the status sent (for the request log). */
export function writeAnswer(res: ServerResponse, answer: Answer): number {
  if ('redirect' in answer) {
    res.writeHead(302, { location: answer.redirect });
    res.end();
    return 302;
  }
  if ('html' in answer) {
    res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(answer.html);
    return answer.status;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
  if (answer instanceof TextAnswer) res.end(String(answer.body));
  else res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  return answer.status;
}

/** `base` with these query parameters set (undefined ones left out). */
export function withParams(base: string, params: Record<string, string | undefined>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}
