import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (what Railway and most hosts collect). Secrets never reach them: the paths below are
 * censored wherever they appear, on top of never logging tokens on purpose.
 */
export function createLogger(level: string): Logger {
  return pino({
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
  });
}
