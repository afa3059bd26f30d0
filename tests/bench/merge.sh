#!/usr/bin/env bash
# The hub's merge rate (issue 7): a 100,000-submission anaemia import with
# full re-validation, beside a plain SQLite insert of the same rows in the
# same run, the time split into reading, decoding, validation and
# storage; and the real `hub import` of 10,000 and of 100,000, timed, with
# its peak memory (the import streams: it must not grow with the file).
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
b=$BUILD/bench
w=$b/merge
rm -rf "$w"
mkdir -p "$w"

echo "== hub: a 100,000-submission anaemia import, every one re-validated =="
"$b/bench_merge" gen 10000 "$w/10k.gz" >/dev/null
"$b/bench_merge" gen 100000 "$w/100k.gz" >/dev/null
read -r _ n bw _ bcpu brate < <("$b/bench_merge" baseline "$w/100k.gz" \
	"$w/base" | awk '{ print $1, $2, $3, $4, $6, $7 }')
read -r _ n mw rd dec val sto mwrate mcpu mrate < <("$b/bench_merge" merge \
	"$w/100k.gz" "$w/merge")
us() { echo "scale=1; $1 * 1000000 / $n" | bc -l; }
printf '%-46s %8s s  %7s/s per core\n' \
	"baseline: plain SQLite insert of the rows" "$bcpu" "$brate"
printf '%-46s %8s s  %7s/s per core (%s/s by the wall clock)\n' \
	"merge, re-validating each (CPU time)" "$mcpu" "$mrate" "$mwrate"
printf '  %-44s %8s s  %6s us each\n' "read (inflate, cut lines)" "$rd" \
	"$(us "$rd")"
printf '  %-44s %8s s  %6s us each\n' "decode (envelope)" "$dec" "$(us "$dec")"
printf '  %-44s %8s s  %6s us each\n' "validate (the form engine)" "$val" \
	"$(us "$val")"
printf '  %-44s %8s s  %6s us each\n' "store (SQL, one transaction)" "$sto" \
	"$(us "$sto")"
printf "%-46s %8sx the baseline's cost (target >= 20,000/s; ODK ~41/s)\n" \
	"merge cost" "$(echo "scale=2; $brate / $mrate" | bc -l)"

for k in 10k 100k; do
	h=$w/hub-$k
	"$BIN/hub" --home "$h" init >/dev/null
	"$BIN/hub" --home "$h" device add bench-01 >/dev/null
	t0=$(date +%s.%N)
	rss=$("$b/maxrss" "$BIN/hub" --home "$h" import "$w/$k.gz" \
		2>&1 >/dev/null | sed -n 's/^maxrss_kib //p')
	t1=$(date +%s.%N)
	printf '%-46s %8.2f s  peak RSS %6s KiB\n' \
		"hub import of $k (the binary)" "$(echo "$t1 - $t0" | bc -l)" \
		"$rss"
done
rm -rf "$w"
