import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFileInBackground } from '../../src/lib/file-hash.js';

describe('hashFileInBackground (the worker module lib/file-hash-worker.js)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtm-file-hash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the SHA-256 of a file larger than one read chunk', async () => {
    const path = join(dir, 'data.bin');
    const data = Buffer.alloc(3 * (1 << 20) + 17, 'music');
    await writeFile(path, data);
    expect(await hashFileInBackground(path).hex).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('rejects with the read error when the file is missing', async () => {
    await expect(hashFileInBackground(join(dir, 'missing.db')).hex).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
