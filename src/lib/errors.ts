/**
 * Every error the app raises on purpose is an AppError: a stable machine code, the HTTP status it
 * maps to, a message that is safe to show a user, and the underlying `cause` for the logs.
 * The one error handler in app.ts renders these; anything else is a 500 with details hidden.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', 404, message, options);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_input', 400, message, options);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', 409, message, options);
  }
}

/** Raised at start-up when the configuration cannot work; lists every problem at once. */
export class ConfigError extends AppError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      'invalid_config',
      500,
      `Configuration is not valid:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

export interface ConfigProblem {
  /** The environment variable (or alias group) at fault, e.g. "SESSION_SECRET". */
  variable: string;
  /** What is wrong, what it should look like and where it usually comes from. */
  message: string;
}

/** Another process already owns the embedded database folder. */
export class DataDirInUseError extends AppError {
  constructor(message: string) {
    super('data_dir_in_use', 503, message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
