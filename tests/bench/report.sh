#!/usr/bin/env bash
# hub report over 1,000,000 submissions (issue 8), beside one plain SQL
# aggregate over the same rows in the same run: SELECT district, count(*)
# ... GROUP BY district, by the sqlite3 program. Target: at most 3 times
# the aggregate, under 64 MB of memory.
#
# The store is made by `hub init`, then filled by bench_report with
# direct inserts (hub_store_add_sub, one transaction) of real surveys of
# the three forms, filled through the form engine and varied (district,
# household, visit date; one in a hundred a correction): the merge has
# its own bench (merge.sh), a million uploads would take this one an
# hour. The first report reads the million lines into its tables, once;
# the figure that counts is a report after that, as every report is once
# the tables are up to date. Each timing is the best of three.
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
N=${REPORT_BENCH_N:-1000000}
b=$BUILD/bench
w=$b/report
rm -rf "$w"
mkdir -p "$w"
trap 'rm -rf "$w"' EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }

echo "== hub report: $N submissions of the three surveys =="
"$BIN/hub" --home "$w/hub" init >/dev/null
"$BIN/hub" --home "$w/hub" device add bench-01 >/dev/null
t0=$(now)
"$b/bench_report" fill "$w/hub" "$N" >/dev/null
fill=$(since "$t0")
mb=$(( $(stat -c %s "$w/hub/hub.db") / 1048576 ))
printf '%-52s %8.1f s  (%d MB)\n' "store filled by direct inserts" "$fill" \
	"$mb"

t0=$(now)
rss1=$("$b/maxrss" "$BIN/hub" --home "$w/hub" report --format json \
	2>&1 >/dev/null | sed -n 's/^maxrss_kib //p')
first=$(since "$t0")
printf '%-52s %8.1f s  peak RSS %6s KiB\n' \
	"first report (reads the $N lines, once)" "$first" "$rss1"
printf '  %-50s %8d MB\n' "the store with the report's tables" \
	$(( $(stat -c %s "$w/hub/hub.db") / 1048576 ))

rt=() st=() rss=0
for _ in 1 2 3; do
	t0=$(now)
	r=$("$b/maxrss" "$BIN/hub" --home "$w/hub" report --format json \
		2>&1 >/dev/null | sed -n 's/^maxrss_kib //p')
	rt+=("$(since "$t0")")
	[ "$r" -gt "$rss" ] && rss=$r
	t0=$(now)
	sqlite3 "$w/hub/hub.db" \
		"SELECT district, count(*) FROM submissions GROUP BY district" \
		>/dev/null
	st+=("$(since "$t0")")
done
report=$(best "${rt[@]}")
base=$(best "${st[@]}")
printf '%-52s %8.2f s\n' \
	"baseline: SELECT district, count(*) GROUP BY district" "$base"
printf '%-52s %8.2f s  peak RSS %6s KiB  %5.2fx the baseline (target <= 3)\n' \
	"hub report --format json" "$report" "$rss" \
	"$(echo "$report / $base" | bc -l)"
# Where it goes: opening the store (the report skips db/'s quick_check
# of the whole file, which the opens that write pay: its cost beside),
# then the report itself.
read -r _ check _ open _ rep _ json < <("$b/bench_report" time "$w/hub")
printf '  %-50s %8.2f s\n' "opening the store, as the report does" "$open"
printf '  %-50s %8.2f s\n' "(an open with the quick_check, as import's)" \
	"$check"
printf '  %-50s %8.2f s  %5.2fx the baseline\n' \
	"the report (tallies, JSON tree)" "$rep" \
	"$(echo "$rep / $base" | bc -l)"
printf '  %-50s %8.2f s\n' "writing the JSON" "$json"

# The same report as the dashboard's page (hub serve, GET / with a
# session): the report, its HTML and the exports' links, over HTTP.
echo benchpass-01 | "$BIN/hub" --home "$w/hub" user add bench \
	--password-stdin >/dev/null
"$BIN/hub" --home "$w/hub" serve --listen 127.0.0.1:0 >"$w/serve.log" 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null; rm -rf "$w"' EXIT
# It starts with the check of the whole store: seconds to a minute.
port=
for _ in $(seq 6000); do
	port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)$|\1|p' \
		"$w/serve.log")
	[ -n "$port" ] || ! kill -0 "$serve" 2>/dev/null && break
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "hub serve did not start:"
	cat "$w/serve.log"
	exit 1
fi
u=http://127.0.0.1:$port
jar=$w/cookies
csrf=$(curl -s -c "$jar" -b "$jar" "$u/login" |
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -s -o /dev/null -c "$jar" -b "$jar" --data "csrf=$csrf" \
	--data "user=bench&password=benchpass-01" "$u/login"
pt=()
for _ in 1 2 3; do
	pt+=("$(curl -s -o "$w/page.html" -b "$jar" -w '%{time_total}' "$u/")")
done
page=$(best "${pt[@]}")
printf '%-52s %8.2f s  %5.2fx the baseline  (%d KB of HTML)\n' \
	"the dashboard's page (GET / over HTTP)" "$page" \
	"$(echo "$page / $base" | bc -l)" \
	$(( $(stat -c %s "$w/page.html") / 1024 ))
kill "$serve" 2>/dev/null
wait "$serve" 2>/dev/null
