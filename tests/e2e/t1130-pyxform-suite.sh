#!/usr/bin/env bash
# Every .xlsx and .csv of pyxform's own test suite gets pyxform's verdict
# (tests/e2e/pyxform-verdicts.tsv) from `collector forms check`. Read in
# place from a git copy of XLSForm/pyxform: $PYXFORM_GIT (a clone or its
# .git), else ../pyxform beside this tree; skipped when there is none.
. "$(dirname "$0")/lib.sh"

verdicts=$TOP/tests/e2e/pyxform-verdicts.tsv
git_dir=
for d in "${PYXFORM_GIT:-}" "$TOP/../pyxform" /work/.mirror/XLSForm+pyxform/repo; do
	if [ -n "$d" ] && git --git-dir="$d" rev-parse -q --verify HEAD \
	    >/dev/null 2>&1; then
		git_dir=$d
		break
	elif [ -n "$d" ] && git --git-dir="$d/.git" rev-parse -q --verify \
	    HEAD >/dev/null 2>&1; then
		git_dir=$d/.git
		break
	fi
done
if [ -z "$git_dir" ]; then
	echo "1..0 # SKIP no copy of XLSForm/pyxform (set PYXFORM_GIT)"
	exit 0
fi

mkdir "$T_TMP/forms"
git --git-dir="$git_dir" ls-tree -r --name-only HEAD -- tests/example_xls \
    tests/bug_example_xls | grep -E '\.(xlsx|csv)$' >"$T_TMP/list"
t_check "the copy has pyxform's example forms" test -s "$T_TMP/list"
while read -r path; do
	f=${path#tests/}
	want=$(awk -F'\t' -v f="$f" '$1 == f { print $2 }' "$verdicts")
	if [ -z "$want" ]; then
		t_fail "$f: in pyxform's suite, not in pyxform-verdicts.tsv" \
		    "add its verdict, read from the pyxform test that uses it"
		continue
	fi
	out=$T_TMP/forms/$(basename "$f")
	git --git-dir="$git_dir" show "HEAD:$path" >"$out"
	T_HOME=$T_TMP/home
	t_run forms check "$out"
	got=accept
	[ "$T_RC" = 0 ] || got=refuse
	if [ "$T_RC" -gt 1 ]; then
		got="exit $T_RC"
	fi
	t_is "$got" "$want" "$f: $want, as pyxform"
done <"$T_TMP/list"
t_done
