#!/usr/bin/env bash
# Benchmark: `mtm import-sqlite` vs pgloader vs psql \copy of pre-converted CSV, same legacy file.
#   bash bench/import-vs-pgloader.sh [WORK_DIR]     (needs: local PostgreSQL, pgloader, /usr/bin/time)
# Each tool loads into a fresh database; figures are wall time and the loader process's peak RSS.
# pgloader and psql load the tutorial's two tables (no owner column: pgloader cannot add one),
# keep the snapshots primary key, and get the foreign key added after the load (timed with them).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/mtm-bench}
BASE=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p "$WORK"
FILE="$WORK/music_time_machine.db"
[ -f "$FILE" ] || npx tsx bench/generate-legacy.ts "$FILE" --tracks "${TRACKS:-20000}" --snapshots "${SNAPSHOTS:-2000000}"
ROWS=$(node -e "const S=require('better-sqlite3');const d=new S(process.argv[1],{readonly:true});console.log(d.prepare('select (select count(*) from tracks)+(select count(*) from snapshots) n').get().n)" "$FILE")
fresh() { psql "$BASE/postgres" -qc "drop database if exists $1" -c "create database $1" >/dev/null; }
# Each loader writes gigabytes of WAL; a checkpoint first keeps one loader's flush out of the next one's time.
settle() { psql "$BASE/postgres" -qc checkpoint; }
now() { date +%s.%N; }
report() { # name seconds peak_kb
  printf '%-28s %8.2f s %12.0f rows/s %8.0f MB peak\n' "$1" "$2" "$(echo "$ROWS / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"
}
echo "file: $FILE ($ROWS rows); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. mtm import-sqlite (schema migrated first, not timed: the import itself is what is compared)
fresh mtm_bench_mtm
DATABASE_URL="$BASE/mtm_bench_mtm" node bin/mtm.js db migrate >/dev/null
settle
start=$(now)
DATABASE_URL="$BASE/mtm_bench_mtm" /usr/bin/time -f '%M' -o "$WORK/mtm.mem" node bin/mtm.js import-sqlite "$FILE" --owner bench --json >"$WORK/mtm.json"
report "mtm import-sqlite" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/mtm.mem")"

# 2. pgloader, then the foreign key
fresh mtm_bench_pgloader
cat >"$WORK/load.pgloader" <<LOAD
LOAD DATABASE FROM sqlite://$FILE INTO $BASE/mtm_bench_pgloader
  WITH include drop, create tables, create indexes, reset sequences;
LOAD
settle
start=$(now)
/usr/bin/time -f '%M' -o "$WORK/pgloader.mem" pgloader --quiet "$WORK/load.pgloader" >"$WORK/pgloader.log" 2>&1
psql "$BASE/mtm_bench_pgloader" -qc "alter table snapshots add foreign key (track_id) references tracks (track_id)"
report "pgloader + FK" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/pgloader.mem")"

# 3. psql \copy of pre-converted CSV (conversion not timed), then the foreign key: the floor
npx tsx bench/legacy-to-csv.ts "$FILE" "$WORK"
fresh mtm_bench_copy
psql "$BASE/mtm_bench_copy" -q <<'SQL'
create table tracks (track_id text primary key, name text not null, artist_name text not null, album_name text,
                     duration_ms integer, spotify_url text, raw_json jsonb);
create table snapshots (track_id text, snapshot_date date, time_range text, rank integer,
                        primary key (track_id, snapshot_date, time_range));
SQL
settle
start=$(now)
/usr/bin/time -f '%M' -o "$WORK/psql.mem" psql "$BASE/mtm_bench_copy" -q \
  -c "\\copy tracks from '$WORK/tracks.csv' csv" -c "\\copy snapshots from '$WORK/snapshots.csv' csv" \
  -c "alter table snapshots add foreign key (track_id) references tracks (track_id)"
report "psql \\copy CSV + FK" "$(echo "$(now) - $start" | bc -l)" "$(cat "$WORK/psql.mem")"

grep -h '"snapshotLoad"' "$WORK/mtm.json" >/dev/null && node -e "const r=JSON.parse(require('fs').readFileSync(process.argv[1]));console.log('mtm', r.snapshotLoad, 'phases (ms):', JSON.stringify(r.phasesMs), 'imported', r.tracks.imported + r.snapshots.imported)" "$WORK/mtm.json"
[ "${KEEP:-0}" = 1 ] || for d in mtm_bench_mtm mtm_bench_pgloader mtm_bench_copy; do psql "$BASE/postgres" -qc "drop database if exists $d"; done
