#!/usr/bin/env bash
# make coverage: line coverage of the library folders by the whole test
# suite, per file and per folder (gcov; the build is in build-cov/).
set -eu
BUILD=${BUILD:-build-cov}
for dir in common forms collector; do
	total=0 run=0
	for f in "$dir"/*.c; do
		line=$(gcov -n -o "$BUILD/$dir" "$f" 2>/dev/null |
			grep -A1 "^File '$f'" | tail -1) || continue
		pct=$(echo "$line" | sed -E 's/.*:([0-9.]+)% of ([0-9]+)/\1/')
		n=$(echo "$line" | sed -E 's/.*:([0-9.]+)% of ([0-9]+)/\2/')
		[ -n "$n" ] || continue
		printf '  %-28s %6s%% of %5s lines\n' "$f" "$pct" "$n"
		total=$((total + n))
		run=$(echo "$run + $pct * $n / 100" | bc -l)
	done
	[ "$total" -gt 0 ] &&
	    printf '%-30s %6.1f%% of %5s lines\n' "$dir/" \
	    "$(echo "100 * $run / $total" | bc -l)" "$total"
done
