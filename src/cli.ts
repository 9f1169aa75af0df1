import { pathToFileURL } from 'node:url';
import { dbCommand } from './cli/db.js';
import { explainCommand } from './cli/explain.js';
import { exportSqliteCommand } from './cli/export-sqlite.js';
import { fakeSpotifyCommand } from './cli/fake-spotify.js';
import { importSqliteCommand } from './cli/import-sqlite.js';
import { preflightCommand } from './cli/preflight.js';
import { verifyCommand } from './cli/verify.js';
import { secretCommand } from './cli/secret.js';
import { serveCommand } from './cli/serve.js';
import { smokeCommand } from './cli/smoke.js';
import { snapshotCommand } from './cli/snapshot.js';
import { UsageError, type CliIo, type Command } from './cli/command.js';
import { AppError, errorMessage } from './lib/errors.js';

/** Every `mtm` command, in the order `mtm --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  dbCommand,
  snapshotCommand,
  importSqliteCommand,
  verifyCommand,
  exportSqliteCommand,
  preflightCommand,
  smokeCommand,
  secretCommand,
  fakeSpotifyCommand,
  explainCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'mtm: Music Time Machine from the command line',
    '',
    'usage: mtm <command> [options]      (mtm <command> --help for one command)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command reads the environment (and .env, or --env-file FILE), exits non-zero on failure,',
    'and prints machine-readable output with --json.',
  ].join('\n');
}

/** Runs one command line; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`mtm: unknown command "${name}". Run \`mtm --help\` for the list.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`mtm ${name}: ${error.message}. Run \`mtm ${name} --help\`.`);
      return 2;
    }
    // Expected failures (bad config, database in use, invalid file...) read as one message.
    io.err(error instanceof AppError ? `mtm ${name}: ${error.message}` : `mtm ${name}: failed: ${errorMessage(error)}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
