import { runCli } from '../../src/cli.js';

/** `mtm argv` run in this process: its exit code and the lines it wrote to stdout and stderr. */
export async function runMtm(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
