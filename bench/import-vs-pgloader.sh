#!/usr/bin/env bash
# Benchmark: `mtm import-sqlite` vs pgloader vs psql \copy of pre-converted CSV, same legacy file,
# then the same import into a fresh embedded (PGlite) data folder.
#   bash bench/import-vs-pgloader.sh [WORK_DIR]     (needs: local PostgreSQL, pgloader, /usr/bin/time)
#   RUNS=3 runs every loader three times on the same file; PGLITE=0 skips the embedded import.
# The file: 20,000 tracks whose raw_json is a real-sized Spotify TrackObject (~2 KB, see
# bench/legacy-track-object.ts) and 2,000,000 snapshot rows (bench/generate-legacy.ts).
# Each tool loads into a fresh database; figures are wall time, the loader process's CPU time
# (user+system: Node's side for mtm) and its peak RSS. The mtm line also splits its wall time into
# its phases: read+convert+COPY (Node and PostgreSQL in parallel) and the rebuild (PostgreSQL alone).
# pgloader and psql load the tutorial's two tables (no owner column: pgloader cannot add one),
# with raw_json cast to jsonb and snapshot_date to date as the tutorial's migration does, keep the
# snapshots primary key, and get the foreign key added after the load (timed with them).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/mtm-bench}
BASE=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
P=${DB_PREFIX:-mtm_bench}   # scratch database names: ${P}_mtm, ${P}_pgloader, ${P}_copy
mkdir -p "$WORK"
FILE="$WORK/music_time_machine.db"
[ -f "$FILE" ] || npx tsx bench/generate-legacy.ts "$FILE" --tracks "${TRACKS:-20000}" --snapshots "${SNAPSHOTS:-2000000}"
ROWS=$(node -e "const S=require('better-sqlite3');const d=new S(process.argv[1],{readonly:true});console.log(d.prepare('select (select count(*) from tracks)+(select count(*) from snapshots) n').get().n)" "$FILE")
fresh() { psql "$BASE/postgres" -qc "drop database if exists $1" -c "create database $1" >/dev/null; }
# Each loader writes gigabytes of WAL; a checkpoint first keeps one loader's flush out of the next one's time.
settle() { psql "$BASE/postgres" -qc checkpoint; }
now() { date +%s.%N; }
report() { # name seconds "peak_kb user_s sys_s"
  read -r kb user sys <<<"$3"
  printf '%-28s %8.2f s %12.0f rows/s %8.0f MB peak %7.2f s CPU\n' "$1" "$2" "$(echo "$ROWS / $2" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$(echo "$user + $sys" | bc -l)"
}
phases() { # the --json report of mtm import-sqlite
  node -e "const r=JSON.parse(require('fs').readFileSync(process.argv[1]));const p=r.phasesMs;console.log('  ', r.snapshotLoad, 'read+convert+COPY', (p.readConvertCopy/1000).toFixed(2)+' s;', 'set checks', (p.setChecks/1000).toFixed(2)+' s;', 'move/rebuild', (p.move/1000).toFixed(2)+' s;', 'imported', r.tracks.imported + r.snapshots.imported)" "$1"
}
TIME_FORMAT='%M %U %S'
# `mtm` runs as `npx mtm` runs it, the file itself (bin/mtm.js, not node bin/mtm.js), so its
# first line's MALLOC_ARENA_MAX=2 applies. It runs from the compiled bundle of the current
# sources when there is one (npm's postinstall builds it), otherwise through tsx, which starts
# ~0.3 s slower: build it, as an install would.
node bin/start.mjs --build-only >/dev/null
echo "file: $FILE ($ROWS rows, $(du -m "$FILE" | cut -f1) MB); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "${RUNS:-1}"); do
echo "-- run $run (load average: $(cut -d' ' -f1-3 /proc/loadavg))"

# 1. mtm import-sqlite (schema migrated first, not timed: the import itself is what is compared)
fresh ${P}_mtm
DATABASE_URL="$BASE/${P}_mtm" node bin/mtm.js db migrate >/dev/null
settle
start=$(now)
DATABASE_URL="$BASE/${P}_mtm" /usr/bin/time -f "$TIME_FORMAT" -o "$WORK/mtm.mem" bin/mtm.js import-sqlite "$FILE" --owner bench --json >"$WORK/mtm.json"
report "mtm import-sqlite" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/mtm.mem")"
phases "$WORK/mtm.json"

# 2. pgloader, then the foreign key
fresh ${P}_pgloader
cat >"$WORK/load.pgloader" <<LOAD
LOAD DATABASE FROM sqlite://$FILE INTO $BASE/${P}_pgloader
  WITH include drop, create tables, create indexes, reset sequences
  CAST column tracks.raw_json to jsonb, column snapshots.snapshot_date to date;
LOAD
settle
start=$(now)
/usr/bin/time -f "$TIME_FORMAT" -o "$WORK/pgloader.mem" pgloader --quiet "$WORK/load.pgloader" >"$WORK/pgloader.log" 2>&1
psql "$BASE/${P}_pgloader" -qc "alter table snapshots add foreign key (track_id) references tracks (track_id)"
report "pgloader + FK" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/pgloader.mem")"

# 3. psql \copy of pre-converted CSV (conversion not timed), then the foreign key: the floor
[ -f "$WORK/snapshots.csv" ] || npx tsx bench/legacy-to-csv.ts "$FILE" "$WORK"
fresh ${P}_copy
psql "$BASE/${P}_copy" -q <<'SQL'
create table tracks (track_id text primary key, name text not null, artist_name text not null, album_name text,
                     duration_ms integer, spotify_url text, raw_json jsonb);
create table snapshots (track_id text, snapshot_date date, time_range text, rank integer,
                        primary key (track_id, snapshot_date, time_range));
SQL
settle
start=$(now)
/usr/bin/time -f "$TIME_FORMAT" -o "$WORK/psql.mem" psql "$BASE/${P}_copy" -q \
  -c "\\copy tracks from '$WORK/tracks.csv' csv" -c "\\copy snapshots from '$WORK/snapshots.csv' csv" \
  -c "alter table snapshots add foreign key (track_id) references tracks (track_id)"
report "psql \\copy CSV + FK" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/psql.mem")"


# 4. the same import into a fresh embedded database (PGlite, in this process: its memory counts)
if [ "${PGLITE:-1}" = 1 ]; then
  rm -rf "$WORK/pglite-data"
  DATA_DIR="$WORK/pglite-data" node bin/mtm.js db migrate >/dev/null
  start=$(now)
  DATA_DIR="$WORK/pglite-data" /usr/bin/time -f "$TIME_FORMAT" -o "$WORK/pglite.mem" bin/mtm.js import-sqlite "$FILE" --owner bench --json >"$WORK/pglite.json"
  report "mtm import-sqlite (PGlite)" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/pglite.mem")"
  phases "$WORK/pglite.json"
  rm -rf "$WORK/pglite-data"
fi
done
[ "${KEEP:-0}" = 1 ] || for d in ${P}_mtm ${P}_pgloader ${P}_copy; do psql "$BASE/postgres" -qc "drop database if exists $d"; done
