import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/processes.js';

const run = promisify(execFile);
const CACHE = join(ROOT, 'node_modules/.cache/music-time-machine/app-bundle');
const buildOnly = () => run(process.execPath, ['bin/start.mjs', '--build-only'], { cwd: ROOT });
const bundles = () => readdirSync(CACHE).filter((name) => !name.endsWith('.tmp')).sort();

/**
 * `npm start` and `mtm` run the app from a bundle that bin/app-bundle.mjs keeps in step with
 * src/ (the npm-start and CLI tests run through it). What must hold: an edited source never runs
 * from an old bundle, a CLI command never waits for a build, and old bundles do not pile up.
 */
describe('the app bundle (bin/app-bundle.mjs)', () => {
  it('is rebuilt when src/ changes; mtm runs through tsx until then; bundles unused for an hour go', async () => {
    await buildOnly();
    const before = bundles().find((name) => existsSync(join(CACHE, name, 'main.mjs')))!;
    expect(readdirSync(join(CACHE, before))).toEqual(expect.arrayContaining(['main.mjs', 'cli.mjs']));
    // A bundle of some earlier tree, last built two hours ago.
    const stale = join(CACHE, '0000000000000000');
    mkdirSync(stale, { recursive: true });
    utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));

    // A change under src/ (here: a new file, removed after, so the tree is exactly as before).
    const probe = join(ROOT, 'src/.start-bundle-test-probe');
    let probed: string | undefined;
    try {
      writeFileSync(probe, 'a file only this test writes\n');
      // A command does not build (nor use the old bundle): it runs through tsx.
      const listed = bundles();
      const help = await run(process.execPath, ['bin/mtm.js', '--help'], { cwd: ROOT });
      expect(help.stdout).toContain('import-sqlite');
      expect(bundles()).toEqual(listed);

      // The next start builds the new tree's bundle; the stale one goes, the recent one stays
      // (a command started from it may still be loading its chunks).
      await buildOnly();
      probed = bundles().find((name) => !listed.includes(name));
      expect(probed).toBeDefined();
      expect(bundles()).toEqual(expect.arrayContaining([before, probed]));
      expect(existsSync(stale)).toBe(false);
    } finally {
      rmSync(probe, { force: true });
      rmSync(stale, { recursive: true, force: true });
      if (probed) rmSync(join(CACHE, probed), { recursive: true, force: true });
      await buildOnly();
    }
    expect(bundles()).toContain(before);
  });
});
