// The app compiled into a few JavaScript files, for `npm start` (bin/start.mjs) and `mtm`
// (bin/mtm.js).
//
// Why: under tsx every module is a round trip to its loader thread, and the app's start path
// loads ~500 of them (~1.5 s of CPU on a 2-core machine, a quarter of a first start; for a CLI
// command, half of its ~0.4 s start). esbuild bundles src/ in ~0.6 s, once per change of the
// sources (npm's postinstall builds the first): the bundle is cached under node_modules/.cache,
// keyed by every source file's path, size and mtime, so an edited tree never runs from an old
// bundle. Packages stay external (loaded natively). Each module keeps its own import.meta.url
// (the plugin writes it in as a constant), so paths such as migrations/, views/ and the worker
// files resolve as they do under tsx. Modules imported lazily (the app behind main.ts, each CLI
// command) stay separate chunks, loaded only when used.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'music-time-machine', 'app-bundle');
const ENTRIES = { main: join(SRC, 'main.ts'), cli: join(SRC, 'cli.ts') };
/**
 * Bundles of other trees are removed once this old: a process started from one may still load
 * its lazy chunks (a CLI command started before an edit), and the test suite changes src/
 * while other tests run commands from the current bundle.
 */
const KEEP_OLD_BUNDLES_MS = 60 * 60 * 1000;

/** Every file under src/ with its size and mtime, plus what else changes the output. */
function fingerprint() {
  const hash = createHash('sha256').update(`${process.version}\n${readFileSync(join(ROOT, 'package-lock.json'), 'utf8').length}\n`);
  // This file too: a change to how the bundle is built must not run an old build.
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
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

const isComplete = (outdir) => Object.keys(ENTRIES).every((name) => existsSync(join(outdir, `${name}.mjs`)));

async function buildBundle(outdir) {
  const { build } = await import('esbuild');
  // Written aside, then renamed: two starts at once never read a half-written bundle.
  const temporary = `${outdir}.${process.pid}.tmp`;
  await build({
    entryPoints: ENTRIES,
    bundle: true,
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
    if (!isComplete(outdir)) throw error;
  }
}

function removeOldBundles(keep) {
  const now = Date.now();
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (name === keep || now - statSync(path).mtimeMs < KEEP_OLD_BUNDLES_MS) continue;
    rmSync(path, { recursive: true, force: true });
  }
}

/** The bundle of the current sources, built first if there is none yet; its directory. */
export async function ensureBundle() {
  const outdir = join(CACHE, fingerprint());
  if (!isComplete(outdir)) {
    mkdirSync(CACHE, { recursive: true });
    await buildBundle(outdir);
    removeOldBundles(basename(outdir));
  }
  return outdir;
}

/**
 * Imports an entry (`main` or `cli`) from the bundle of the current sources, building it when
 * `build` is set; otherwise, or if the bundle cannot be built or written (a read-only install),
 * the TypeScript through tsx. Never from a bundle of other sources.
 */
export async function importEntry(name, { build }) {
  try {
    const outdir = build ? await ensureBundle() : join(CACHE, fingerprint());
    const file = join(outdir, `${name}.mjs`);
    if (existsSync(file)) return await import(pathToFileURL(file).href);
  } catch {
    // fall through to tsx
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(ENTRIES[name]).href);
}
