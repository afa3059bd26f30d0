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

# Under the sanitizers (make check) a program reserves terabytes of
# address space and runs some five times slower: no memory ceiling there
# (the plain build has it), and five times the time.
slow=1
if ldd "$COLLECTOR" 2>/dev/null | grep -q libasan; then
	slow=5
fi

# bounded SECONDS MEGABYTES ARGS...: collector ARGS under both ceilings;
# sets T_RC (124: out of time) and T_MS, the milliseconds it took.
bounded() {
	local secs=$(($1 * slow)) mb=$2 t0
	shift 2
	t0=$(date +%s%N)
	(
		[ "$slow" -eq 1 ] && ulimit -v $((mb * 1024))
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

# A district's list of 100,000 places is realistic: loading must be
# linear. The duplicate-name check among siblings and the duplicate-choice
# check scanned linearly: 100,000 questions took 40 s to 120 s, 100,000
# choices 22 s to 54 s. Hashed, each is a second or two.
python3 "$GEN" "$H" questions-100000.csv choices-100000.csv
for f in questions-100000 choices-100000; do
	bounded 20 1024 forms check "$H/$f.csv"
	t_is "$T_RC" 0 "$f.csv loads in under 20 s (${T_MS} ms)"
done
t_home
t_run init --device dev-01
bounded 30 1024 forms add "$H/choices-100000.csv"
t_is "$T_RC" 0 "a form with 100,000 choices installs (${T_MS} ms)"
echo '{"place": "p99999"}' >"$T_TMP/place.json"
bounded 20 1024 fill choices-100000 --answers "$T_TMP/place.json"
t_is "$T_RC" 0 "and the last of them is a valid answer (${T_MS} ms)"
echo '{"place": "p100000"}' >"$T_TMP/place.json"
bounded 20 1024 fill choices-100000 --answers "$T_TMP/place.json"
t_is "$T_RC" 1 "one past the last is not"

# regex(., '(a+)+$') on a long answer: glibc backtracked through the
# groups when asked where the match ends (14 s to 23 s for 30,000
# characters); the whole-text match needs no bounds and stays linear.
printf 'survey,,,\n,type,name,label\n,text,t,T\n' >"$T_TMP/rx.csv"
python3 -c 'import json; print(json.dumps({"t": "a" * 30000 + "b"}))' \
	>"$T_TMP/rx.json"
bounded 5 512 forms eval "$T_TMP/rx.csv" "regex(\${t}, '(a+)+\$')" \
	--answers "$T_TMP/rx.json"
t_is "$T_RC $(cat "$T_OUT")" "0 false" \
	"regex(., '(a+)+\$') on 30,001 characters: false, in ${T_MS} ms"
bounded 5 512 forms eval "$T_TMP/rx.csv" "regex(\${t}, '(a|aa)+b')" \
	--answers "$T_TMP/rx.json"
t_is "$T_RC $(cat "$T_OUT")" "0 true" \
	"regex(., '(a|aa)+b') on the same: true, in ${T_MS} ms"

# sum() and count() over nested repeats: filling from --answers
# recomputed after every answer and every instance, each time a sum over
# all of them (2,000 instances 5.6 s, 12,000 204 s). 200 households of
# 60 people each, through the engine (forms eval fills a draft first).
cat >"$T_TMP/rep.csv" <<'CSV'
survey,,,,
,type,name,label,calculation
,begin repeat,hh,Household,
,begin repeat,person,Person,
,integer,age,Age,
,end repeat,,,
,calculate,hh_total,,sum(${age})
,end repeat,,,
,calculate,total,,sum(${age})
CSV
python3 -c 'import json; print(json.dumps({"hh": [{"person": [{"age": k % 90}
    for k in range(60)]} for _ in range(200)]}))' >"$T_TMP/rep.json"
bounded 20 1024 forms eval "$T_TMP/rep.csv" \
	'concat(${total}, " ", count(${person}), " ", /rep/hh[200]/hh_total)' \
	--answers "$T_TMP/rep.json"
t_is "$T_RC $(cat "$T_OUT")" "0 354000 12000 1770" \
	"12,000 nested repeat instances: sum() and count() in ${T_MS} ms"

# A form id or version that breaks 'forms list' (a line break), a file
# name or an address ('/'), or is 5,000 characters long is refused, at
# its cell, on one line.
t_home
t_run init --device dev-01
long=$(head -c 5000 /dev/zero | tr '\0' x)
for v in 'a/b' "$(printf 'x\ny')" "$long"; do
	printf 'survey,,,\n,type,name,label\n,text,a,A\nsettings,,,\n,form_id,version,\n,"%s",1,\n' \
		"$v" >"$T_TMP/id.csv"
	t_run forms add "$T_TMP/id.csv"
	t_is "$T_RC" 1 "form id '$(printf %s "$v" | head -c 12 | tr '\n' '?')': refused"
	t_has "$T_ERR" "id.csv:settings:6:form_id: error: form id '" \
		"at the settings row and column"
	t_is "$(grep -c . "$T_ERR")" 2 \
		"on one line (and the line saying it was not installed)"
	printf 'survey,,,\n,type,name,label\n,text,a,A\nsettings,,,\n,form_id,version,\n,ok,"%s",\n' \
		"$v" >"$T_TMP/version.csv"
	t_run forms add "$T_TMP/version.csv"
	t_is "$T_RC" 1 "the same as a version: refused"
	t_has "$T_ERR" "version.csv:settings:6:version: error: version '" \
		"at its cell"
done
t_run forms list --json
t_is "$(jq -c "[.[].form_id | select(. != \"anemia\" and . != \"household_improvements\" and . != \"water_sanitation\")]" "$T_OUT")" "[]" \
	"none of them was installed (the three built-in surveys only)"
printf 'survey,,,\n,type,name,label\n,text,a,A\nsettings,,,\n,form_id,version,\n,Spec test,2024-05-01 10:00,\n' \
	>"$T_TMP/spaces.csv"
t_run forms add "$T_TMP/spaces.csv"
t_is "$T_RC" 0 "an id with a space, a version with ':' (pyxform takes both) install"

# An expression just under 64 KB is what it is in a form too: forms eval
# parsed it in a 4 MB arena and said "out of memory" (exit 3).
printf 'survey,,,\n,type,name,label\n,text,a,A\n' >"$T_TMP/s.csv"
x=$(python3 -c 'print("1+" * 32700 + "1")')
t_run forms eval "$T_TMP/s.csv" "$x"
t_is "$T_RC $(cat "$T_OUT")" "0 32701" \
	"a 65,401-byte expression evaluates as in a form"
t_run forms eval "$T_TMP/s.csv" "$x+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1"
t_is "$T_RC" 1 "one over 65,536 bytes is bad input (exit 1)"
t_has "$T_ERR" "expression longer than 65536 bytes" "and says so"

t_done
