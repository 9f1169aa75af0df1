// Times the demo seed (a year of daily history for the two demo listeners) on an in-memory PGlite.
// Run: npx tsx bench/demo-seed.ts
import { openEmbedded } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startFakeSpotify } from '../src/fake-spotify/index.js';
import { seedDemoHistory } from '../src/services/demo-seed.js';

const database = await openEmbedded({ dataDir: 'memory://' });
await migrateToLatest(database.db);
const fake = await startFakeSpotify();
const source = { listeners: fake.users(), topTracks: fake.topTrackObjects };
let started = performance.now();
const first = await seedDemoHistory(database.db, source, { today: '2026-11-29', days: 365 });
console.log('first seed', first, `${Math.round(performance.now() - started)} ms`);
started = performance.now();
const again = await seedDemoHistory(database.db, source, { today: '2026-11-29', days: 365 });
console.log('rerun (already seeded)', again, `${Math.round(performance.now() - started)} ms`);
await fake.stop();
await database.close();
