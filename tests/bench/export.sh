#!/usr/bin/env bash
# hub export --format csv of 1,000,000 anaemia submissions (issue 8), beside
# sqlite3 -csv selecting the same columns from the same store in the same
# run: the stored line's fields by json_extract, the envelope's from their
# columns. The columns are read from the export's own header, so the two
# write the same table. Target: at most 2x the baseline's time, and peak
# memory under 64 MB for both. Each is run twice; the faster run counts
# (a shared machine is noisy). EXPORT_BENCH_N changes the count.
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
n=${EXPORT_BENCH_N:-1000000}
b=$BUILD/bench
w=$b/export
store=$b/hub-$n
rm -rf "$w"
mkdir -p "$w"

echo "== hub export: csv of $n anaemia submissions, against sqlite3 -csv =="
bash tests/bench/hubstore.sh "$n" "$store"

# One run: "seconds peak_kib" of the command, its output to $w/out.
run() {
	local t0 t1 rss
	t0=$(date +%s.%N)
	rss=$("$b/maxrss" "$@" 2>&1 >"$w/out" | sed -n 's/^maxrss_kib //p')
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $rss"
}
best() {	# the faster of two runs
	local one two
	one=$(run "$@")
	two=$(run "$@")
	if [ "$(echo "${one% *} <= ${two% *}" | bc -l)" = 1 ]; then
		echo "$one"
	else
		echo "$two"
	fi
}

ours=$(best "$BIN/hub" --home "$store" export --form anemia --format csv \
	--out "$w/anemia.zip")
# The baseline's SELECT, column for column from the export's header.
head=$(unzip -p "$w/anemia.zip" anemia.csv | head -1)
cols=$(echo "$head" | tr ',' '\n' |
	while read -r c; do
		case $c in
		SubmissionDate) echo "received_at" ;;
		meta-instanceID|KEY) echo "instance_id" ;;
		SubmitterID|DeviceID) echo "device_id" ;;
		SubmitterName) echo "json_extract(line, '\$.promoter')" ;;
		AttachmentsPresent|AttachmentsExpected|Edits) echo "0" ;;
		Status|ReviewState) echo "NULL" ;;
		FormVersion) echo "form_version" ;;
		*) echo "json_extract(line, '\$.data.$(echo "$c" |
			tr '-' '.')')" ;;
		esac
	done | paste -sd, -)
base=$(best sqlite3 -csv -header "file:$store/hub.db?mode=ro" \
	"SELECT $cols FROM current_submissions WHERE form_id = 'anemia'
	 ORDER BY id")
rows=$(($(wc -l <"$w/out") - 1))
read -r bs bk <<<"$base"
read -r os ok <<<"$ours"
printf '%-50s %8.2f s  peak RSS %6s KiB  (%s rows)\n' \
	"baseline: sqlite3 -csv, $(echo "$head" | tr ',' '\n' | wc -l) columns" \
	"$bs" "$bk" "$rows"
printf '%-50s %8.2f s  peak RSS %6s KiB  (%s, zipped)\n' \
	"hub export --format csv" "$os" "$ok" \
	"$(du -h "$w/anemia.zip" | cut -f1)"
printf '%-50s %8.2fx the baseline (target <= 2)\n' "export csv" \
	"$(echo "$os / $bs" | bc -l)"
printf '%-50s %8.1f MB, the baseline %.1f MB (target < 64)\n' \
	"peak memory of the export" "$(echo "$ok / 1024" | bc -l)" \
	"$(echo "$bk / 1024" | bc -l)"
rm -rf "$w"
