#!/usr/bin/env bash
# The anaemia survey's growth questions: time to fill and finalize one
# child's submission (`collector fill anemia --answers`, which loads the
# form and its WHO tables, answers, computes and stores), as a ratio to the
# same survey without the growth questions (its rows relevant for
# `${age_months} < 60` removed), each in its own fresh store.
set -eu
BIN=${BIN:-bin}
N=${N:-10}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
now() { date +%s.%N; }
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

mkdir "$d/with" "$d/without"
cp forms/surveys/anemia.csv "$d/with/anemia.csv"
cp -r forms/surveys/anemia-media "$d/with/"
# (a higher version: init installs the bundled survey, with growth)
python3 - forms/surveys/anemia.csv >"$d/without/anemia.csv" <<'PY'
import csv, re, sys
w = csv.writer(sys.stdout, lineterminator='\n')
for r in csv.reader(open(sys.argv[1], encoding='utf-8')):
    if len(r) > 13 and re.fullmatch(r'\$\{age_months\} < 60( and .*)?', r[13]):
        continue
    if r[1:2] == ['anemia']:
        r[3] = '2099010101'
    w.writerow(r)
PY
base='"district":"030401","community":"C","household_id":"030401-0127",
"visit_date":"2026-06-10","sex":"m","birth_date":"2024-06-10",
"altitude_m":3000,"altitude_source":"gps","hb_measured":11.5'
echo "{$base}" >"$d/without/a.json"
echo "{$base,\"length_position\":\"lying\",\"length_cm\":80.0,
\"oedema\":\"no\",\"weight_kg\":10.5}" >"$d/with/a.json"

run() {	# dir: average seconds of N fills
	local t0 t1 i
	"$BIN/collector" --home "$1/home" init --device bench >/dev/null
	"$BIN/collector" --home "$1/home" forms add "$1/anemia.csv" \
	    >/dev/null
	t0=$(now)
	for i in $(seq "$N"); do
		"$BIN/collector" --home "$1/home" fill anemia \
		    --answers "$1/a.json" >/dev/null
	done
	t1=$(now)
	echo "scale=4; ($t1 - $t0) / $N" | bc -l
}
echo "== anaemia survey with growth: fill --answers of one child =="
without=$(run "$d/without")
with=$(run "$d/with")
printf '%-44s %8s s\n' "without the growth questions" "$without"
printf '%-44s %8s s  %6sx\n' "with them (3 WHO tables, 9,712 rows)" "$with" \
	"$(echo "scale=2; $with / $without" | bc -l)"
