#!/usr/bin/env bash
# The hub's merge on PostgreSQL (issue 11): the same N submissions
# imported with `hub import` (the binary, every line re-validated) into
# a SQLite hub and into a PostgreSQL one in the same run, then split
# between 2 and between 4 importers at once into one PostgreSQL
# database (several hub processes merging into one store). Rates are
# submissions per second by the wall clock; compare the ratios to
# SQLite's, measured here a moment before. The server is a private one
# (tests/e2e/pg-lib.sh) that waits for the disk (fsync on), as SQLite's
# synchronous=FULL does.
#
# PG_BENCH_N: the submissions (default 20,000: the whole bench then
# takes about a minute on two cores; 100,000 takes five or so).
set -eu
export LC_ALL=C
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
b=$BUILD/bench
w=$b/pgmerge
n=${PG_BENCH_N:-20000}
n=$((n / 4 * 4))

echo "== hub on PostgreSQL: $n submissions imported, 1, 2 and 4 importers =="
. tests/e2e/pg-lib.sh
PG_FSYNC=on
if ! pg_start; then
	echo "SKIP: PostgreSQL: $PG_WHY"
	exit 0
fi
trap 'pg_stop; rm -rf "$w"' EXIT
rm -rf "$w"
mkdir -p "$w"
for k in 1 2 4; do
	for i in $(seq "$k"); do
		"$b/bench_merge" gen $((n / k)) "$w/$k-$i.gz" >/dev/null
	done
done

now() { date +%s.%N; }
# import k url-or-home: the k files of that split at once; seconds on
# stdout
import() {
	local k=$1 where=$2 i t0 t1 got pids=() bad=0
	if [ "${where#postgresql:}" != "$where" ]; then
		set -- --db "$where"
	else
		set -- --home "$where"
	fi
	"$BIN/hub" "$@" init >/dev/null
	"$BIN/hub" "$@" device add bench-01 >/dev/null
	t0=$(now)
	for i in $(seq "$k"); do
		"$BIN/hub" "$@" import "$w/$k-$i.gz" >"$w/out-$k-$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || bad=1
	done
	t1=$(now)
	if [ "$bad" -eq 0 ]; then
		if [ "$1" = --db ]; then
			got=$(pg_sql "$where" 'SELECT count(*) FROM submissions')
		else
			got=$(sqlite3 "$where/hub.db" \
			    'SELECT count(*) FROM submissions')
		fi
		[ "$got" = "$n" ] || bad=1
	fi
	if [ "$bad" -ne 0 ]; then
		echo "pgmerge: the imports did not store $n submissions:" >&2
		cat "$w"/out-"$k"-* >&2
		return 1
	fi
	echo "$t1 - $t0" | bc -l
}
rate() { echo "scale=0; $n / $1" | bc -l; }
ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }

sq=$(import 1 "$w/sqlite")
sq_rate=$(rate "$sq")
printf '%-40s %8.2f s  %6s/s\n' "baseline: SQLite, one importer" "$sq" \
	"$sq_rate"
one=
for k in 1 2 4; do
	s=$(import "$k" "$(pg_db)")
	r=$(rate "$s")
	[ -n "$one" ] || one=$r
	printf '%-40s %8.2f s  %6s/s  %5sx SQLite  %5sx one importer\n' \
		"PostgreSQL, $k importer(s) at once" \
		"$s" "$r" "$(ratio "$r" "$sq_rate")" "$(ratio "$r" "$one")"
done
echo "(target: one importer >= 0.5x SQLite; throughput grows with importers)"
