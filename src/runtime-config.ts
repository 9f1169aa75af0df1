import { loadConfig, localSecretDir, type Config, type Env } from './config.js';
import { ConfigError } from './lib/errors.js';
import { readOrCreateLocalSecret } from './lib/local-secret.js';

/**
 * loadConfig for the real entry points (main.ts, the CLI): a development instance without
 * SESSION_SECRET gets the random secret kept in DATA_DIR (made on first start), never the public
 * constant. The file I/O lives here so that loadConfig itself stays pure.
 */
export function loadRuntimeConfig(env: Env): Config {
  const dir = localSecretDir(env);
  if (!dir) return loadConfig(env);
  let localSecret: string;
  try {
    localSecret = readOrCreateLocalSecret(dir);
  } catch (error) {
    throw new ConfigError([
      {
        variable: 'SESSION_SECRET',
        message: `is unset and no development secret could be kept in ${dir} (${(error as Error).message}). Set SESSION_SECRET (\`npx mtm secret\`) or a writable DATA_DIR.`,
      },
    ]);
  }
  return loadConfig(env, { localSecret });
}
