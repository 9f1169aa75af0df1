import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { env: {}, out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

describe('mtm fake-spotify', () => {
  it('prints its help', async () => {
    const t = io();
    expect(await runCli(['fake-spotify', '--help'], t.io)).toBe(0);
    expect(t.out[0]).toMatch(/^mtm fake-spotify \[--port N\]/);
  });

  it('refuses a bad port with one line and exit code 2', async () => {
    const t = io();
    expect(await runCli(['fake-spotify', '--port', '70000'], t.io)).toBe(2);
    expect(t.err).toEqual(['mtm fake-spotify: --port must be a whole number from 0 to 65535, got "70000". Run `mtm fake-spotify --help`.']);
  });

  it('serves over HTTP in development mode (five listeners under User Management), prints one JSON line, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'src/cli.ts'), 'fake-spotify', '--json', '--users', '4'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) done(out.split('\n')[0]!);
      });
      child.once('exit', (code) => fail(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line) as { url: string; apiUrl: string; accountsUrl: string; clientId: string; users: { id: string }[]; allowlist: string[] };
    expect(info.apiUrl).toBe(`${info.url}/v1`);
    expect(info.accountsUrl).toBe(info.url);
    expect(info.clientId).toBe('mtm-fake-client-id');
    expect(info.users.map((u) => u.id)).toEqual(['mtm-demo-alex', 'mtm-demo-sam', 'listener-1', 'listener-2', 'listener-3', 'listener-4']);
    expect(info.allowlist).toEqual(['mtm-demo-alex', 'mtm-demo-sam', 'listener-1', 'listener-2', 'listener-3']);
    const me = await fetch(`${info.apiUrl}/me`);
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: { status: 401, message: 'No token provided' } });

    // The sixth listener logs in (the default registered callback) and is refused by the Web API.
    const verifier = 'w'.repeat(50);
    const redirectUri = 'http://127.0.0.1:3000/callback';
    const approved = await fetch(`${info.url}/authorize/approve`, {
      method: 'POST',
      body: new URLSearchParams({ redirect_uri: redirectUri, state: 's', code_challenge: createHash('sha256').update(verifier).digest('base64url'), scope: 'user-top-read', user: 'listener-4' }),
      redirect: 'manual',
    });
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${info.url}/api/token`, { method: 'POST', body: new URLSearchParams({ client_id: info.clientId, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }) })
    ).json()) as { access_token: string };
    const refused = await fetch(`${info.apiUrl}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe('User not registered in the Developer Dashboard');
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
