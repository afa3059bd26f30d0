#!/usr/bin/env bash
# The collector's figures (issue 3), each next to a baseline from the same
# run: one answer stored durably vs a bare write+fdatasync; start to the
# first question of a 1,000-question form vs starting the program at all;
# peak memory filling that whole form in the terminal.
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
b=$BUILD/bench
c=$BIN/collector
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

now() { date +%s.%N; }
per() { echo "scale=6; ($2 - $1) / $3" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

echo "== collector: the same 1,000-question form, in a store =="
"$c" --home "$home" init --device bench-01 >/dev/null
"$c" --home "$home" forms add "$b/form1000.xlsx" >/dev/null

read -r _ n _ answer_s _ fsync_s < <("$b/bench_store" "$home" bench 200)
printf '%-44s %10s s\n' "baseline: write 64 B + fdatasync" "$fsync_s"
printf '%-44s %10s s  %6sx fsync\n' "one answer: check, recompute, commit" \
	"$answer_s" "$(ratio "$answer_s" "$fsync_s")"

runs=10
t0=$(now)
for _ in $(seq $runs); do "$c" --version >/dev/null; done
t1=$(now)
start_s=$(per "$t0" "$t1" $runs)
t0=$(now)
for _ in $(seq $runs); do
	echo '!' | "$c" --home "$home" fill bench >/dev/null 2>&1
done
t1=$(now)
first_s=$(per "$t0" "$t1" $runs)
printf '%-44s %10s s\n' "baseline: collector --version" "$start_s"
printf '%-44s %10s s  %6sx start\n' "start to first question (then save, quit)" \
	"$first_s" "$(ratio "$first_s" "$start_s")"

# The whole form in the terminal: the answers, then Enter at the review.
{
	for _ in $(seq 100); do
		printf '7\n11.5\ntexto\n1\n1 3\n2020-02-29\n7\n11.5\ntexto\n1\n'
	done
	printf '\n'
} >"$home/answers.txt"
rss=$("$b/maxrss" "$c" --home "$home" fill bench <"$home/answers.txt" \
	2>&1 >/dev/null | awk '/^maxrss_kib/ {print $2}')
state=$("$c" --home "$home" list --state finalized --json | jq length)
printf '%-44s %10s KiB (target < 10240; %s finalized)\n' \
	"peak memory filling all 1,000 questions" "$rss" "$state"
