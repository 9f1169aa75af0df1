// Generates a legacy music_time_machine.db of the tutorial's schema for the import benchmark:
//   npx tsx bench/generate-legacy.ts OUT.db [--tracks 20000] [--snapshots 2000000]
// Deterministic (seeded), clean data shaped like the tutorial's: 50 rows per date and range,
// dates one day apart, raw_json a Spotify TrackObject as the tutorial stored it (1.7-2.8 KB, see
// bench/legacy-track-object.ts), each checked against the spec's TrackObject before it is written.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { Compile } from 'typebox/compile';
import { TIME_RANGES } from '../src/lib/time-ranges.js';
import { TrackObject } from '../test/support/spotify-spec.js';
import { legacyTrackObject, spotifyIdFrom } from './legacy-track-object.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { tracks: { type: 'string', default: '20000' }, snapshots: { type: 'string', default: '2000000' } },
});
const out = positionals[0];
if (!out) throw new Error('usage: generate-legacy.ts OUT.db [--tracks N] [--snapshots N]');
const trackCount = Number(values.tracks);
const snapshotCount = Number(values.snapshots);

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const spotifyId = () => spotifyIdFrom(random);
const trackObjectCheck = Compile(TrackObject);
let jsonBytes = 0;
let [smallest, largest] = [Infinity, 0];
const WORDS = ['Midnight', 'City', 'Love', 'Blue', 'Électrique', 'Heart', 'Fire', 'Dream', 'Nuit', 'Ocean', 'Tokyo', 'Sol', 'Starlight', 'Echo', 'Gold'];
const words = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');

rmSync(out, { force: true });
const db = new Sqlite(out);
db.pragma('journal_mode = OFF');
db.pragma('synchronous = OFF');
db.exec(`
  CREATE TABLE tracks (track_id TEXT PRIMARY KEY, name TEXT NOT NULL, artist_name TEXT NOT NULL, album_name TEXT,
                       duration_ms INTEGER, spotify_url TEXT, raw_json TEXT);
  CREATE TABLE snapshots (track_id TEXT, snapshot_date TEXT, time_range TEXT, rank INTEGER,
                          PRIMARY KEY (track_id, snapshot_date, time_range));`);

const ids: string[] = [];
const insertTrack = db.prepare('INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?)');
db.transaction(() => {
  for (let i = 0; i < trackCount; i++) {
    // Unique by construction: the index in base 62, then random characters to 22.
    let prefix = '';
    for (let k = i; prefix.length < 4; k = Math.floor(k / 62)) prefix += ALPHABET[k % 62];
    const id = prefix + spotifyId().slice(4);
    ids.push(id);
    const name = words(1 + (i % 3));
    const artist = `${words(1)} ${i % 7 === 0 ? '& The Band' : ''}`.trim();
    const album = words(2);
    const duration = 120_000 + Math.floor(random() * 240_000);
    const raw = legacyTrackObject({ id, name, artist, album, durationMs: duration, index: i }, random);
    if (!trackObjectCheck.Check(raw)) {
      throw new Error(`generated track ${i} is not a TrackObject: ${[...trackObjectCheck.Errors(raw)].map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    }
    const json = JSON.stringify(raw);
    jsonBytes += Buffer.byteLength(json);
    smallest = Math.min(smallest, json.length);
    largest = Math.max(largest, json.length);
    insertTrack.run(id, name, artist, album, duration, `https://open.spotify.com/track/${id}`, json);
  }
})();

const insertSnapshot = db.prepare('INSERT INTO snapshots VALUES (?, ?, ?, ?)');
let written = 0;
const start = Date.UTC(1990, 0, 1);
db.transaction(() => {
  for (let day = 0; written < snapshotCount; day++) {
    const date = new Date(start + day * 86_400_000).toISOString().slice(0, 10);
    for (const [r, range] of TIME_RANGES.entries()) {
      // A window of the catalogue that drifts day by day: realistic turnover, no repeats within a day.
      const offset = (day * 7 + r * 1000) % trackCount;
      for (let rank = 1; rank <= 50 && written < snapshotCount; rank++) {
        insertSnapshot.run(ids[(offset + rank * 37) % trackCount], date, range, rank);
        written++;
      }
    }
  }
})();
db.close();
const rawJsonBytes = { average: Math.round(jsonBytes / Math.max(trackCount, 1)), smallest, largest };
console.log(JSON.stringify({ file: out, tracks: trackCount, snapshots: written, rawJsonBytes }));
