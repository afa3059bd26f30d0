#!/usr/bin/env bash
# Bad input: a small form file must never cost minutes or gigabytes. Each
# hostile file (tests/tools/genhostile.py) goes through the real
# `collector forms check` under a ceiling of time and memory; a reader
# that rescans, copies or scans linearly where it should not runs past the
# ceiling and the test fails. The ceilings are many times what a linear
# reader takes, so a busy machine does not make them fail.
. "$(dirname "$0")/lib.sh"

H=$T_TMP/hostile
GEN=$TOP/tests/tools/genhostile.py

# bounded SECONDS MEGABYTES ARGS...: collector ARGS under both ceilings;
# sets T_RC (124: out of time) and T_MS, the milliseconds it took.
bounded() {
	local secs=$1 mb=$2 t0
	shift 2
	t0=$(date +%s%N)
	(
		ulimit -v $((mb * 1024))
		exec timeout "$secs" "$COLLECTOR" --home "$T_HOME" "$@"
	) >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	T_MS=$((($(date +%s%N) - t0) / 1000000))
}

t_home
t_run init --device dev-01

# expat 2.5 rescans an unfinished token on every chunk fed to it: one
# 50 MB comment (or attribute) in a 50 KB .xlsx took 14 s to 40 s.
python3 "$GEN" "$H" comment.xlsx attribute.xlsx
for f in comment attribute; do
	bounded 10 512 forms check "$H/$f.xlsx"
	t_is "$T_RC" 1 "xlsx with one 50 MB $f: refused (exit 1), in ${T_MS} ms"
	t_has "$T_OUT" "$H/$f.xlsx: error: xl/worksheets/sheet1.xml: one XML tag or comment longer than 262144 bytes" \
		"the message names the file, the part and the limit"
done

# Every expression within its own length, but 1,000 cells sharing one
# string of 32,000 terms grew past 4.5 GB, and a 32 MB CSV of 500 such
# calculates (inside every file limit) to 2.9 GB: the whole form's parsed
# terms have one budget.
python3 "$GEN" "$H" shared.xlsx terms.csv
for f in shared.xlsx terms.csv; do
	bounded 30 1024 forms check "$H/$f"
	t_is "$T_RC" 1 "$f: refused (exit 1) within 1 GB, in ${T_MS} ms"
	t_has "$T_OUT" "calculation: error: the form's expressions have more than 1048576 terms in all; stopped here" \
		"$f: the message names the row, the column and the budget"
done

t_done
