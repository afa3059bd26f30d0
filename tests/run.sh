#!/usr/bin/env bash
# Runs every test and prints one closing line, "N passed, N failed,
# N skipped". A test skips when what it needs is not there (the project's
# ../shared corpus, openssl, a read-only mount): cmocka's skip(), TAP's
# "ok N # SKIP why". A part whose tests all skipped says "skip", not "ok".
#
#   unit   build/tests/test_*      cmocka programs, one per module
#   cases  build/tests/cases       data-driven cases under tests/cases/
#   e2e    tests/e2e/t*.sh         the real binaries; TAP lines "ok N - ..."
#   e2e-pg the hub's scripts (t2*.sh sourcing hub-lib.sh) again, on
#          PostgreSQL (HUB_TEST_DB=pg), one private server for the pass
#          (but those marked "# e2e-pg: no": they make their own);
#          skipped, never passed, when no server can start here; not run
#          at all with E2E_PG=0 (make check)
#
# Each part's own output is kept in $BUILD/test-logs/ and shown on failure.
# TESTS=pattern runs only the matching parts (e.g. TESTS=e2e/t1).
set -u
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
export BUILD BIN
export COLLECTOR="$PWD/$BIN/collector" HUB="$PWD/$BIN/hub"
export TOP="$PWD" SHARED="${SHARED:-$PWD/../shared}"
logs=$BUILD/test-logs
mkdir -p "$logs"
pass=0 fail=0 skip=0 failed_parts=()

count() {	# name log rc: add the log's counts to the totals
	local name=$1 log=$2 rc=$3 p=0 f=0 s=0 line
	# cmocka's summary, else a "N passed, N failed" line, else TAP
	if grep -qE '^\[==========\] [0-9]+ test\(s\) run' "$log"; then
		line=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | tail -1)
		[ -n "$line" ] && p=$(echo "$line" | grep -oE '[0-9]+' | head -1)
		line=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | tail -1)
		[ -n "$line" ] && f=$(echo "$line" | grep -oE '[0-9]+' | head -1)
		line=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$log" | tail -1)
		[ -n "$line" ] && s=$(echo "$line" | grep -oE '[0-9]+' | head -1)
	elif grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		p=$(echo "$line" | awk '{print $1}')
		f=$(echo "$line" | awk '{print $3}')
		s=$(echo "$line" | awk '$6 == "skipped" {print $5 + 0}')
		s=${s:-0}
	else
		# "ok 3 # SKIP why", "ok 3 - what # SKIP why" (TAP directives)
		s=$(grep -cE '^ok [0-9]+[^#]*# *SKIP' "$log")
		p=$(($(grep -cE '^ok ' "$log") - s))
		f=$(grep -cE '^not ok ' "$log")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or exited badly without saying why
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		failed_parts+=("$name")
		echo "FAIL $name ($p passed, $f failed); log $log:"
		grep -E '^not ok|FAILED|ERROR|error|Assertion|Sanitizer|runtime error' \
			"$log" | head -40
	elif [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
		echo "skip $name ($s skipped)"
		grep -E '# *SKIP' "$log" | sed 's/^/     /' | head -5
	elif [ "$s" -gt 0 ]; then
		echo "ok   $name ($p passed, $s skipped)"
		grep -E '# *SKIP' "$log" | sed 's/^/     /' | head -5
	else
		echo "ok   $name ($p passed)"
	fi
}

run_part() {	# name command...
	local name=$1 log
	shift
	case "$name" in *${TESTS:-}*) ;; *) return ;; esac
	log=$logs/$(echo "$name" | tr '/' '_').log
	"$@" >"$log" 2>&1
	count "$name" "$log" $?
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_part "unit/$(basename "$t")" "$t"
done
if [ -x "$BUILD/tests/cases" ]; then
	run_part cases "$BUILD/tests/cases" tests/cases
fi
for t in tests/e2e/t*.sh; do
	[ -f "$t" ] || continue
	run_part "e2e/$(basename "$t" .sh)" bash "$t"
done

# The hub's scripts on PostgreSQL: the server is started once for them
# all and stopped at the end, whatever happened.
pg_parts=()
for t in tests/e2e/t2*.sh; do
	grep -q 'hub-lib\.sh' "$t" || continue
	grep -q '^# e2e-pg: no' "$t" && continue
	case "e2e-pg/$(basename "$t" .sh)" in *${TESTS:-}*) pg_parts+=("$t") ;; esac
done
if [ "${E2E_PG:-1}" = 0 ]; then
	pg_parts=()
fi
if [ "${#pg_parts[@]}" -ne 0 ]; then
	. tests/e2e/pg-lib.sh
	trap 'pg_stop' EXIT
	if pg_start; then
		export HUB_TEST_PG_DIR=$PG_DIR
	else
		export HUB_TEST_PG_WHY=$PG_WHY
	fi
	for t in "${pg_parts[@]}"; do
		HUB_TEST_DB=pg run_part "e2e-pg/$(basename "$t" .sh)" bash "$t"
	done
	pg_stop
	unset HUB_TEST_PG_DIR HUB_TEST_PG_WHY
fi

echo
if [ "${#failed_parts[@]}" -ne 0 ]; then
	echo "failed: ${failed_parts[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
