#!/usr/bin/env node
// `npm start`: the server, from the app's bundle (bin/app-bundle.mjs), built first when the
// sources changed since the last one. `npm run dev` and the tests run the TypeScript through tsx.
import { ensureBundle, importEntry } from './app-bundle.mjs';

if (process.argv[2] === '--build-only') {
  // npm's postinstall: the first `npm start` (and every `mtm` command) then finds it ready.
  await ensureBundle();
} else {
  const { main } = await importEntry('main', { build: true });
  await main();
}
