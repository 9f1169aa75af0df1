import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

/** The project root, where `npm start` and `npx mtm` run. */
export const ROOT = new URL('../../', import.meta.url).pathname;

export interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when a signal ended it) and that signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a command as a PaaS or a terminal would: in its own process group (so the test can
 * later check that nothing of that group is left), with only the given environment plus PATH and HOME.
 */
export function startDetached(command: string, args: string[], env: Record<string, string>): Started {
  let output = '';
  const child = spawn(command, args, { cwd: ROOT, detached: true, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env } });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function waitForHealth(url: string, started: Started, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return response;
    } catch {
      // Not listening yet.
    }
    if (started.child.exitCode !== null) throw new Error(`server exited early:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms:\n${started.output()}`);
}

/** Resolves once no process of the group is left (a launcher may exit before its server). */
export async function groupGone(pgid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`processes of group ${pgid} still running after ${timeoutMs} ms`);
}

/** Kills what is left of a group (cleanup after a failed assertion); quiet when it is gone. */
export function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** True when something accepts TCP connections on host:port. */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port no one listens on right now (the kernel picks it; released before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
