#!/usr/bin/env bash
# The engine on forms of 1,000, 10,000 and 100,000 rows (questions, and
# choices of one list): load time per row, which must stay flat (linear
# loading); then each hostile file of tests/tools/genhostile.py and the
# two runtime attacks of t1120, as a time ratio to loading the
# 1,000-question form in the same run. Times are `collector forms check`
# (or `forms eval`) as a person runs it, the best of three runs.
set -eu
BIN=${BIN:-bin}
BUILD=${BUILD:-build}
c=$BIN/collector
d=$BUILD/bench/hostile
mkdir -p "$d"

best() {	# command...: the best wall time of 3 runs, in seconds
	local i t0 t best=
	for i in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t=$((($(date +%s%N) - t0) / 1000))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	echo "scale=3; $best / 1000000" | bc -l
}
us_per() { echo "scale=2; ($1 - $start) * 1000000 / $2" | bc -l; }
ratio() { echo "scale=1; $1 / $2" | bc -l; }

python3 tests/tools/genhostile.py "$d" questions-1000.csv \
	questions-10000.csv questions-100000.csv choices-1000.csv \
	choices-10000.csv choices-100000.csv comment.xlsx attribute.xlsx \
	shared.xlsx terms.csv

start=$(best "$c" --version)
echo "== form engine: load time per row (flat = linear) =="
echo "(per row: less the $start s it takes to start the program at all)"
for kind in questions choices; do
	for n in 1000 10000 100000; do
		s=$(best "$c" forms check "$d/$kind-$n.csv")
		[ "$kind-$n" = questions-1000 ] && base=$s
		printf '%-44s %8s s  %8s us/row\n' "$kind: $n" "$s" \
		    "$(us_per "$s" "$n")"
	done
done

echo
echo "== hostile files, against loading 1,000 questions ($base s) =="
printf 'survey,,,\n,type,name,label\n,text,t,T\n' >"$d/rx.csv"
python3 -c 'import json; print(json.dumps({"t": "a" * 30000 + "b"}))' \
	>"$d/rx.json"
cat >"$d/rep.csv" <<'CSV'
survey,,,,
,type,name,label,calculation
,begin repeat,hh,Household,
,begin repeat,person,Person,
,integer,age,Age,
,end repeat,,,
,calculate,total,,sum(${age})
,end repeat,,,
CSV
python3 -c 'import json; print(json.dumps({"hh": [{"person": [{"age": k % 90}
    for k in range(60)]} for _ in range(200)]}))' >"$d/rep.json"
worst=0 worst_name=
row() {	# name seconds
	local r
	r=$(ratio "$2" "$base")
	printf '%-44s %8s s  %8sx\n' "$1" "$2" "$r"
	if [ "$(echo "$r > $worst" | bc -l)" = 1 ]; then
		worst=$r worst_name=$1
	fi
}
for f in comment.xlsx attribute.xlsx shared.xlsx terms.csv; do
	row "$f ($(du -k "$d/$f" | cut -f1) KB)" \
	    "$(best "$c" forms check "$d/$f")"
done
row "regex (a+)+\$ on 30,001 characters" "$(best "$c" forms eval \
    "$d/rx.csv" "regex(\${t}, '(a+)+\$')" --answers "$d/rx.json")"
row "sum() over 12,000 nested instances" "$(best "$c" forms eval \
    "$d/rep.csv" 'sum(${age})' --answers "$d/rep.json")"
echo "worst: $worst_name, ${worst}x loading 1,000 questions"
