#!/usr/bin/env bash
# make bench: figures, each next to a baseline measured in the same run on
# the same machine (these machines are shared and noisy: compare ratios,
# not seconds).
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
b=$BUILD/bench
mkdir -p "$b"

now() { date +%s.%N; }
per() { echo "scale=6; ($2 - $1) / $3" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

echo "== form engine: a 1,000-question form (.xlsx) =="
"$b/genform" "$b/form1000.xlsx" 1000
iters=20
t0=$(now)
for _ in $(seq $iters); do unzip -p "$b/form1000.xlsx" >/dev/null; done
t1=$(now)
unzip_s=$(per "$t0" "$t1" $iters)
read -r _ fields _ answered _ nexpr < <("$b/bench_forms" "$b/form1000.xlsx" \
	$iters | head -1)
read -r _ load_s _ walk_s _ eval_s < <("$b/bench_forms" "$b/form1000.xlsx" \
	$iters | tail -1)
printf '%-44s %10s s\n' "baseline: unzip -p of the file" "$unzip_s"
printf '%-44s %10s s  %6sx unzip\n' "load (parse + build $fields fields)" \
	"$load_s" "$(ratio "$load_s" "$unzip_s")"
printf '%-44s %10s s  %6sx unzip\n' "walk (answer $answered questions)" \
	"$walk_s" "$(ratio "$walk_s" "$unzip_s")"
printf '%-44s %10s s  %6sx unzip\n' "evaluate all $nexpr expressions" \
	"$eval_s" "$(ratio "$eval_s" "$unzip_s")"
total=$(echo "$load_s + $walk_s + $eval_s" | bc -l)
printf '%-44s %10s s  %6sx unzip (target < 1)\n' "engine total" \
	"$total" "$(ratio "$total" "$unzip_s")"

if [ -x tests/bench/hostile.sh ]; then
	echo
	bash tests/bench/hostile.sh
fi

if [ -x tests/bench/collector.sh ]; then
	echo
	bash tests/bench/collector.sh
fi

if [ -x tests/bench/longfill.sh ]; then
	echo
	BIN=$BIN bash tests/bench/longfill.sh
fi

if [ -x tests/bench/sync.sh ]; then
	echo
	bash tests/bench/sync.sh
fi

if [ -x tests/bench/merge.sh ]; then
	echo
	bash tests/bench/merge.sh
fi

if [ -x tests/bench/export.sh ]; then
	echo
	bash tests/bench/export.sh
fi

if [ -x tests/bench/report.sh ]; then
	echo
	bash tests/bench/report.sh
fi

if [ -x tests/bench/attach.sh ]; then
	echo
	BIN=$BIN bash tests/bench/attach.sh
fi

if [ -x tests/bench/growth.sh ]; then
	echo
	BIN=$BIN bash tests/bench/growth.sh
fi
