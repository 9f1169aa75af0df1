import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Query parameters whose values are credentials: OAuth codes and states, tokens, CSRF tokens. */
const SECRET_QUERY_PARAMS = /^(code|state|_csrf|.*token.*|.*secret.*|password)$/i;

/**
 * A URL as it may be logged: the value of every credential-like query parameter replaced, so
 * `/callback?code=...&state=...` never reaches the logs (Fastify logs each request's URL).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // Malformed escapes: judge the raw name.
      }
      return eq >= 0 && SECRET_QUERY_PARAMS.test(name) ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * JSON logs (what Railway and most hosts collect). Secrets never reach them: the paths below are
 * censored wherever they appear, request URLs lose their credential query values, and tokens are
 * never logged on purpose. `destination` is for tests that read the log lines.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.access_token',
          '*.refresh_token',
          '*.client_secret',
          '*.password',
        ],
        censor: '[redacted]',
      },
      // Replaces Fastify's own request serializer (same fields), with the URL redacted.
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: req.url === undefined ? undefined : redactUrl(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    destination,
  );
}
