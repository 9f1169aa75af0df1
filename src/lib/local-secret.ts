import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in DATA_DIR that holds a development instance's generated SESSION_SECRET. */
export const LOCAL_SECRET_FILE = 'session-secret';

/**
 * A development instance without SESSION_SECRET: a random secret made on first start and kept in
 * DATA_DIR (readable by the owner only), so sessions and stored tokens survive restarts while no
 * one who reads the source can forge a cookie. Production never comes here (config demands a
 * SESSION_SECRET). The file is created exclusively, so two processes starting at once agree.
 */
export function readOrCreateLocalSecret(dataDir: string): string {
  const path = join(dataDir, LOCAL_SECRET_FILE);
  const existing = readSecret(path);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // The umask may have narrowed the mode further, never widened it; make it exact anyway.
  chmodSync(path, 0o600);
  const secret = readSecret(path);
  if (!secret) throw new Error(`${path} is empty; delete it and start again to generate a new secret`);
  return secret;
}

function readSecret(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
