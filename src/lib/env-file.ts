import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './errors.js';

/**
 * The environment the app runs with: variables from an env file (`.env` by default, if present;
 * `--env-file FILE` must exist) under the real process environment, which wins, as with dotenv.
 */
export function environmentWithFile(
  processEnv: NodeJS.ProcessEnv,
  file: { path: string; required: boolean } = { path: '.env', required: false },
): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    if (!file.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return { ...processEnv };
    throw new ConfigError([
      { variable: '--env-file', message: `cannot read "${file.path}": ${(error as Error).message}` },
    ]);
  }
  return { ...parseEnv(text), ...processEnv };
}
