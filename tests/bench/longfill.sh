#!/usr/bin/env bash
# A long survey (issue 9): `collector fill --answers` of a census of 1,000,
# 4,000 and 12,000 repeat entries (households of 20 people), then `show
# --json` of it. The figure is the time per entry, as a ratio to the time
# per entry of the 1,000 in the same run: linear is about 1x (less, as
# the start of the program weighs on the 1,000), the square would be 12x
# at 12,000.
set -eu
BIN=${BIN:-bin}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
now() { date +%s.%N; }

cat >"$d/census.csv" <<'CSV'
survey,,,
,type,name,label
,begin repeat,home,Household
,text,head,Head of household
,begin repeat,person,Person
,text,pname,Name
,integer,page,Age
,end repeat,,
,end repeat,,
CSV
"$BIN/collector" --home "$d/home" init --device bench >/dev/null
"$BIN/collector" --home "$d/home" forms add "$d/census.csv" >/dev/null

echo "== a long survey: fill --answers, then show --json =="
printf '%-28s %10s %12s %8s %12s %8s\n' "entries" "fill s" "ms/entry" \
	"ratio" "show ms/e" "ratio"
base_fill= base_show=
for n in 1000 4000 12000; do
	python3 - "$n" >"$d/a.json" <<'PY'
import json, sys
n = int(sys.argv[1])
json.dump({"home": [{"head": "h%d" % h, "person": [
    {"pname": "p%d" % (h * 20 + i), "page": i}
    for i in range(20)]} for h in range(n // 20)]}, sys.stdout)
PY
	t0=$(now)
	id=$("$BIN/collector" --home "$d/home" fill census --answers "$d/a.json")
	t1=$(now)
	"$BIN/collector" --home "$d/home" show "$id" --json >/dev/null
	t2=$(now)
	fill=$(echo "scale=6; ($t1 - $t0) * 1000 / $n" | bc -l)
	show=$(echo "scale=6; ($t2 - $t1) * 1000 / $n" | bc -l)
	base_fill=${base_fill:-$fill} base_show=${base_show:-$show}
	printf '%-28s %10.2f %12.4f %7.2fx %12.4f %7.2fx\n' "$n" \
		"$(echo "$t1 - $t0" | bc -l)" "$fill" \
		"$(echo "$fill / $base_fill" | bc -l)" "$show" \
		"$(echo "$show / $base_show" | bc -l)"
done
echo "(ratios: per entry against the 1,000 of this run; linear is ~1x)"
