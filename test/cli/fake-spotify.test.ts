import { spawn } from 'node:child_process';
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

  it('serves over HTTP, prints one JSON line, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'src/cli.ts'), 'fake-spotify', '--json', '--users', '3'], {
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
    const info = JSON.parse(line) as { url: string; apiUrl: string; accountsUrl: string; clientId: string; users: { id: string }[] };
    expect(info.apiUrl).toBe(`${info.url}/v1`);
    expect(info.accountsUrl).toBe(info.url);
    expect(info.clientId).toBe('mtm-fake-client-id');
    expect(info.users.map((u) => u.id)).toEqual(['mtm-demo-alex', 'mtm-demo-sam', 'listener-1', 'listener-2', 'listener-3']);
    const me = await fetch(`${info.apiUrl}/me`);
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: { status: 401, message: 'No token provided' } });
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
