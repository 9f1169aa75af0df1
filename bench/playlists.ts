// Times each playlist source's selection (the SQL behind the preview and the create) on the demo
// archive: two listeners with a year of daily snapshots in all three ranges (109,500 rows).
// Run: npx tsx bench/playlists.ts              (in-memory PGlite)
//      BENCH_DATABASE_URL=postgres://... npx tsx bench/playlists.ts   (an empty, scratch PostgreSQL database)
import { openDatabase, openEmbedded } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startFakeSpotify } from '../src/fake-spotify/index.js';
import { fixedClock } from '../src/lib/clock.js';
import { findUserBySpotifyId } from '../src/repositories/users.js';
import { seedDemoHistory } from '../src/services/demo-seed.js';
import { EmptySelectionError, selectPlaylistTracks, type PlaylistRequest } from '../src/services/playlists.js';

const TODAY = '2026-11-29';
const RUNS = 50;
const url = process.env.BENCH_DATABASE_URL;
const database = url
  ? await openDatabase({ kind: 'postgres', url, poolMin: 0, poolMax: 4, statementTimeoutMs: 60_000 })
  : await openEmbedded({ dataDir: 'memory://' });
await migrateToLatest(database.db);
const fake = await startFakeSpotify();
await seedDemoHistory(database.db, { listeners: fake.users(), topTracks: fake.topTrackObjects }, { today: TODAY, days: 365 });
const user = (await findUserBySpotifyId(database.db, 'mtm-demo-alex'))!;
const deps = { db: database.db, clock: fixedClock(`${TODAY}T12:00:00Z`) };

const requests: PlaylistRequest[] = [
  { source: 'forgotten_gems' },
  { source: 'recent_discoveries' },
  { source: 'current_rotation' },
  { source: 'snapshot', date: '2026-03-14', range: 'long_term' },
];
console.log(`${database.kind}, ${RUNS} runs each (after 3 warm-up runs)`);
/** The number of tracks selected (0 for an empty selection, which runs the same queries). */
async function select(request: PlaylistRequest): Promise<number> {
  try {
    return (await selectPlaylistTracks(deps, user.id, request)).tracks.length;
  } catch (error) {
    if (error instanceof EmptySelectionError) return 0;
    throw error;
  }
}

for (const request of requests) {
  for (let i = 0; i < 3; i += 1) await select(request);
  const times: number[] = [];
  let tracks = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    tracks = await select(request);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`${request.source.padEnd(18)} ${String(tracks).padStart(3)} tracks  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms`);
}
await fake.stop();
await database.close();
