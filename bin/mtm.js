#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// `npx mtm ...`: the CLI from the app's bundle (bin/app-bundle.mjs) when one of the current
// sources exists (npm's postinstall and `npm start` build it); otherwise through tsx, as it
// never builds one itself (a command after an edit is not held up by a build).
// MALLOC_ARENA_MAX=2: see docs/ARCHITECTURE.md, "Memory of the embedded database" (`npx mtm`
// runs this file through its first line; `node bin/mtm.js` does not, and keeps glibc's default).
import { importEntry } from './app-bundle.mjs';

const { runCli } = await importEntry('cli', { build: false });
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
