import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_SESSION_SECRET, loadConfig, localSecretDir, type Env } from '../../src/config.js';
import { ConfigError } from '../../src/lib/errors.js';
import { LOCAL_SECRET_FILE, readOrCreateLocalSecret } from '../../src/lib/local-secret.js';
import { estimateSecretBits } from '../../src/lib/secret-strength.js';
import { loadRuntimeConfig } from '../../src/runtime-config.js';

const PRODUCTION: Env = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u@h/d',
  SPOTIFY_CLIENT_ID: 'abc123',
  SPOTIFY_CLIENT_SECRET: 'shh',
  SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback',
};

function secretProblem(secret: string): string | undefined {
  try {
    loadConfig({ ...PRODUCTION, SESSION_SECRET: secret });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.find((p) => p.variable === 'SESSION_SECRET')?.message;
  }
}

describe('production session secrets', () => {
  it('refuses low-entropy secrets that are long enough, saying how to make one', () => {
    expect(secretProblem('a'.repeat(40))).toBe(
      'is too easy to guess (about 0 bits of entropy: repeated or sequential characters; at least 128 are needed). ' +
        'Generate one with `npx mtm secret` (or `openssl rand -base64 48`) and set it as SESSION_SECRET.',
    );
    expect(secretProblem('0123456789abcdef0123456789abcdef01234567')).toMatch(/^is too easy to guess \(about 32 bits .*`npx mtm secret`/);
    expect(secretProblem('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF')).toMatch(/^is too easy to guess \(about 71 bits/);
  });

  it('refuses a known example repeated to reach the length', () => {
    expect(secretProblem('changeme'.repeat(5))).toMatch(/^is a well-known development value; .*`npx mtm secret`/);
    expect(secretProblem('ChangeMe'.repeat(10))).toMatch(/^is a well-known development value/);
    expect(secretProblem('secret'.repeat(6))).toMatch(/^is a well-known development value/);
  });

  it('accepts what `npx mtm secret`, openssl and a long hand-made phrase produce', () => {
    expect(secretProblem('q3ZJ8rVb1xWkT0nHs7LdYc2uPe9GmAfR4oKiN6tE5hSwXyBzCvDg')).toBeUndefined();
    expect(secretProblem('8dd83cafd0455990d8f168a62f3b0fcd97e0225fbfced12e7c439503fc19e6ce')).toBeUndefined();
    expect(secretProblem('ipZrRKKCnlDhlSkjCLp+fMjCisJNmy3CsxfnBg1/+ZI=')).toBeUndefined();
    expect(secretProblem('a-production-secret-that-is-long-enough-0123456789')).toBeUndefined();
  });

  it('estimates repeated units and runs as what they are', () => {
    expect(estimateSecretBits('')).toBe(0);
    expect(estimateSecretBits('ab'.repeat(30))).toBe(estimateSecretBits('ab'));
    expect(Math.floor(estimateSecretBits('changeme'.repeat(10)))).toBe(22);
  });
});

describe('the development secret', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mtm-secret-test-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is wanted outside production when no SESSION_SECRET (or alias) is set, in DATA_DIR', () => {
    expect(localSecretDir({})).toBe('./data');
    expect(localSecretDir({ DATA_DIR: '/srv/mtm' })).toBe('/srv/mtm');
    expect(localSecretDir({ SECRET_KEY: 'x' })).toBeUndefined();
    expect(localSecretDir({ NODE_ENV: 'production' })).toBeUndefined();
  });

  it('is generated at random on first start, kept with mode 0600, and the same on the next start', async () => {
    const dir = join(await tempDir(), 'data');
    const first = loadRuntimeConfig({ DATA_DIR: dir });
    expect(first.sessionSecret).not.toBe(DEVELOPMENT_SESSION_SECRET);
    expect(Buffer.from(first.sessionSecret, 'base64url')).toHaveLength(48);
    const file = join(dir, LOCAL_SECRET_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.sessionSecret);
    expect(loadRuntimeConfig({ DATA_DIR: dir }).sessionSecret).toBe(first.sessionSecret);
    // Another instance's data directory gets its own.
    expect(readOrCreateLocalSecret(await tempDir())).not.toBe(first.sessionSecret);
  });

  it('is not generated when SESSION_SECRET is set; loadConfig itself touches no file', async () => {
    const dir = await tempDir();
    expect(loadRuntimeConfig({ DATA_DIR: dir, SESSION_SECRET: 'mine' }).sessionSecret).toBe('mine');
    expect(loadConfig({ DATA_DIR: dir }, { localSecret: 'given' }).sessionSecret).toBe('given');
    await expect(stat(join(dir, LOCAL_SECRET_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
