import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadDatabaseConfig, type Config, type DatabaseOnlyConfig } from '../config.js';
import { loadRuntimeConfig } from '../runtime-config.js';
import { environmentWithFile } from '../lib/env-file.js';
import { AppError } from '../lib/errors.js';

/** One `mtm` command: its help text and what it does. Exit code 0 on success. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

/** A mistake in how the command was called: printed as one line with a hint, exit code 2. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('usage', 2, message);
  }
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  'env-file': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function parseCommandArgs<O extends ParseArgsConfig['options']>(argv: string[], options: O, allowPositionals = 0) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: allowPositionals > 0, strict: true });
    if (parsed.positionals.length > allowPositionals) {
      throw new UsageError(`unexpected argument "${parsed.positionals[allowPositionals]}"`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

/** The configuration for a command, honouring `--env-file`. */
export function configFor(env: NodeJS.ProcessEnv, envFile: string | undefined): Config {
  const merged = environmentWithFile(env, envFile ? { path: envFile, required: true } : undefined);
  return loadRuntimeConfig(merged);
}

/**
 * Only the database settings, honouring `--env-file`: for commands that touch nothing but the
 * database, so they run from a laptop against production without the app's secrets.
 */
export function databaseConfigFor(env: NodeJS.ProcessEnv, envFile: string | undefined): DatabaseOnlyConfig {
  const merged = environmentWithFile(env, envFile ? { path: envFile, required: true } : undefined);
  return loadDatabaseConfig(merged);
}
