// Run by `npm install` (postinstall): builds the migrated embedded-database image that makes the
// first `npm start` on a fresh DATA_DIR fast (see src/db/pglite-image.ts). Never fails the
// install: without the image, a fresh start initialises a new cluster as it always did.
// By hand: node --import tsx scripts/build-pglite-image.ts
import { buildPgliteImage } from '../src/db/pglite-image-build.js';
import { installJobQueues } from '../src/jobs/runner.js';

const started = performance.now();
try {
  const { path, built } = await buildPgliteImage({ prepare: installJobQueues });
  const ms = Math.round(performance.now() - started);
  console.log(built ? `embedded database image built in ${ms} ms: ${path}` : `embedded database image up to date: ${path}`);
} catch (error) {
  console.warn(`embedded database image not built (fresh starts will initialise a new cluster): ${(error as Error).message}`);
}
