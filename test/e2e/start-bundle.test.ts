import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/processes.js';

const run = promisify(execFile);
const CACHE = join(ROOT, 'node_modules/.cache/music-time-machine/app-bundle');
const buildOnly = () => run(process.execPath, ['bin/start.mjs', '--build-only'], { cwd: ROOT });
const bundles = () => readdirSync(CACHE).filter((name) => !name.endsWith('.tmp'));

/**
 * `npm start` runs the app from a bundle that bin/start.mjs keeps in step with src/ (the
 * npm-start tests run the server through it). What must hold: an edited source is never served
 * from an old bundle, and old bundles do not pile up.
 */
describe('the start bundle (bin/start.mjs)', () => {
  it('is rebuilt when src/ changes, and only the current bundle stays', async () => {
    await buildOnly();
    const current = bundles();
    const before = current.find((name) => existsSync(join(CACHE, name, 'main.mjs')));
    expect(readdirSync(join(CACHE, before!))).toContain('main.mjs');

    // A change under src/ (here: a new file, removed after, so the tree is exactly as before)
    // makes a new bundle and removes the old one.
    const probe = join(ROOT, 'src/.start-bundle-test-probe');
    try {
      writeFileSync(probe, 'a file only this test writes\n');
      await buildOnly();
      const after = bundles();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
      expect(existsSync(join(CACHE, before!))).toBe(false);
    } finally {
      rmSync(probe, { force: true });
      await buildOnly();
    }
    expect(bundles()).toEqual([before]);
  });
});
