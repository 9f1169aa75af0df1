#!/usr/bin/env node
// `npm start`: the server, from the app compiled into a few JavaScript files.
//
// Why: under tsx every module is a round trip to its loader thread, and the app's start path
// loads ~500 of them (~1.5 s of CPU on a 2-core machine, a quarter of a first start). esbuild
// bundles src/ in ~0.6 s, once per change of the sources (npm's postinstall builds the first):
// the bundle is cached under node_modules/.cache, keyed by every source file's path, size and
// mtime, so an edited tree is rebuilt on its next start and never served stale. Packages stay external (loaded natively).
// Each module keeps its own import.meta.url (the plugin writes it in as a constant), so paths
// such as migrations/, views/ and the worker files resolve as they do under tsx.
// If the bundle cannot be built or written (a read-only install), the server runs through tsx.
// `npm run dev`, `npx mtm` and the tests run the TypeScript through tsx as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'music-time-machine', 'app-bundle');

/** Every file under src/ with its size and mtime, plus what else changes the output. */
function fingerprint() {
  const hash = createHash('sha256').update(`${process.version}\n${readFileSync(join(ROOT, 'package-lock.json'), 'utf8').length}\n`);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = statSync(path);
        hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(SRC);
  return hash.digest('hex').slice(0, 16);
}

async function buildBundle(outdir) {
  const { build } = await import('esbuild');
  // Written aside, then renamed: two starts at once never read a half-written bundle.
  const temporary = `${outdir}.${process.pid}.tmp`;
  await build({
    entryPoints: { main: join(SRC, 'main.ts') },
    bundle: true,
    // The modules main.ts imports lazily (the app, once the embedded database is starting) stay
    // separate chunks, so PGlite starts before they load, as under tsx.
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: temporary,
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
    plugins: [
      {
        name: 'own-import-meta-url',
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  try {
    renameSync(temporary, outdir);
  } catch (error) {
    // Another start built the same tree first: use theirs.
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(join(outdir, 'main.mjs'))) throw error;
  }
}

/** The bundle of the current sources, built first if there is none yet. */
async function ensureBundle() {
  const outdir = join(CACHE, fingerprint());
  if (!existsSync(join(outdir, 'main.mjs'))) {
    mkdirSync(CACHE, { recursive: true });
    await buildBundle(outdir);
    // Bundles of earlier trees are never read again.
    for (const name of readdirSync(CACHE)) {
      if (name !== basename(outdir) && !name.endsWith('.tmp')) rmSync(join(CACHE, name), { recursive: true, force: true });
    }
  }
  return outdir;
}

async function loadMain() {
  try {
    return await import(pathToFileURL(join(await ensureBundle(), 'main.mjs')).href);
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    return import('../src/main.ts');
  }
}

if (process.argv[2] === '--build-only') {
  // npm's postinstall: the first `npm start` then finds its bundle ready.
  await ensureBundle();
} else {
  const { main } = await loadMain();
  await main();
}
