#!/usr/bin/env bash
# tests/bench/hubstore.sh N DIR: a hub store in DIR holding N real anaemia
# submissions (bench_merge gen: filled by the form engine, computed values
# included), for the benches that read a big store (export.sh, report.sh).
# Made by `hub init` and filled by plain SQL inserts (tests/tools/
# hubfill.py), not by `hub import`: a million merges would take minutes,
# and the merge has its own bench. Kept between runs: DIR/count says how
# many it holds, and a store of the same N is reused as it is.
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
n=$1
dir=$2
if [ -f "$dir/count" ] && [ "$(cat "$dir/count")" = "$n" ] &&
    [ -f "$dir/hub.db" ]; then
	exit 0
fi
rm -rf "$dir"
"$BIN/hub" --home "$dir" init >/dev/null
"$BIN/hub" --home "$dir" device add bench-01 >/dev/null
"$BUILD/bench/bench_merge" gen "$n" "$dir/batch.gz" >/dev/null
python3 tests/tools/hubfill.py "$dir/hub.db" "$dir/batch.gz" >/dev/null
rm -f "$dir/batch.gz"
echo "$n" >"$dir/count"
