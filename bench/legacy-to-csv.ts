// Writes the legacy file's two tables as CSV (the "pre-converted" input of the psql \copy floor):
//   npx tsx bench/legacy-to-csv.ts FILE.db OUT_DIR
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import Sqlite from 'better-sqlite3';

const [file, outDir] = process.argv.slice(2);
if (!file || !outDir) throw new Error('usage: legacy-to-csv.ts FILE.db OUT_DIR');
const db = new Sqlite(file, { readonly: true });
const csv = (v: unknown) => (v === null ? '' : /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

async function dump(table: string, columns: string[]) {
  const out = createWriteStream(`${outDir}/${table}.csv`);
  for (const row of db.prepare(`select ${columns.join(', ')} from ${table}`).raw(true).iterate() as IterableIterator<unknown[]>) {
    if (!out.write(`${row.map(csv).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
await dump('tracks', ['track_id', 'name', 'artist_name', 'album_name', 'duration_ms', 'spotify_url', 'raw_json']);
await dump('snapshots', ['track_id', 'snapshot_date', 'time_range', 'rank']);
db.close();
