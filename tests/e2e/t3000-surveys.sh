#!/usr/bin/env bash
# The three bundled surveys (forms/surveys/*.csv) through the real collector.
#
# For each form: `collector forms check` must be silent (no error, no
# warning), `collector forms add` must install it into a fresh store, then
# every case of tests/cases/surveys/FORM.tsv is filled with
# `collector fill FORM --answers FILE` and checked on `collector show ID
# --json` with jq. The case tables are data: adding a case needs no code.
#
# Case table (tab-separated; '#' starts a comment line):
#
#   @base  <TAB> JSON            answers merged under every later case
#   NAME   <TAB> JSON <TAB> EXPECT <TAB> EXPECT ...
#
# JSON is the case's --answers object; it is laid over @base, and a key set
# to null removes that key of @base. EXPECT is one of:
#
#   key=value    data.key (dots for groups: a.b) equals value: a JSON number
#                is compared as a number, a string exactly as text
#   key=null     data.key is present and null (relevant, unanswered)
#   !key         data.key is absent (not relevant)
#   .key=value   the same, on the submission itself (.form_id=anemia)
#   error:TEXT   fill must exit 1, print TEXT on stderr and store nothing
#
# today() is fixed by COLLECTOR_NOW. Output is TAP, then "N passed, N
# failed".
set -u

. "$(dirname "$0")/lib.sh"	# TOP, COLLECTOR, BUILD; t_ok, t_fail, t_done
CASES=$TOP/tests/cases/surveys
FORMS=$TOP/forms/surveys
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

if [ ! -x "$COLLECTOR" ]; then
	echo "ok 1 # skip $COLLECTOR is not built yet"
	echo "1..1"
	exit 0
fi
if ! command -v jq >/dev/null; then
	t_fail "jq is installed (make deps)"
	t_done
	exit
fi

tmp=$T_TMP
home=$tmp/home

# first_line FILE: the file's first line, for a one-line TAP diagnostic
first_line() {
	head -n 1 "$1" | cut -c 1-300
}

# stored_count: how many submissions the store holds (-1 if unknown)
stored_count() {
	"$COLLECTOR" --home "$home" list --json </dev/null 2>/dev/null |
	    jq 'length' 2>/dev/null || echo -1
}

# The expectations of a case, checked in one jq run over the submission:
# prints one line per expectation that does not hold.
CHECK='
def where($k): if ($k | startswith(".")) then [., ($k | ltrimstr("."))]
    else [.data, $k] end;
def has_path($r; $p): $r | [paths] | any(. == $p);
def shown($r; $p): $r | getpath($p) | tojson;
def check($e):
    if ($e | startswith("!")) then
	where($e[1:]) as [$r, $k] | ($k | split(".")) as $p |
	if has_path($r; $p) then "\($k): got \(shown($r; $p)), want absent"
	else empty end
    elif ($e | index("=")) != null then
	($e | index("=")) as $i | $e[$i + 1:] as $w |
	where($e[:$i]) as [$r, $k] | ($k | split(".")) as $p |
	if (has_path($r; $p) | not) then "\($k): got absent, want \($w)"
	else ($r | getpath($p)) as $g |
	    if (if $w == "null" then $g == null
		elif ($g | type) == "number" then ($w | tonumber? // null) == $g
		elif ($g | type) == "string" then $g == $w
		else false end) then empty
	    else "\($k): got \($g | tojson), want \($w)" end
	end
    else "malformed expectation \($e | tojson)" end;
. as $sub | $ARGS.positional[] | select(startswith("error:") | not) as $e |
    $sub | check($e)'

# run_case FORM NAME JSON EXPECT...: one TAP line
run_case() {
	local form=$1 name=$2 json=$3 want_error= exp id before after why
	shift 3
	if ! jq -n --argjson b "$base" --argjson c "$json" \
	    '$b + $c | with_entries(select(.value != null))' \
	    >"$tmp/answers.json" 2>"$tmp/err"; then
		t_fail "$form: $name: bad JSON in the case: $(first_line \
		    "$tmp/err")"
		return
	fi
	for exp in "$@"; do
		case "$exp" in error:*) want_error=${exp#error:} ;; esac
	done
	[ -n "$want_error" ] && before=$(stored_count)
	"$COLLECTOR" --home "$home" fill "$form" --answers "$tmp/answers.json" \
	    </dev/null >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ -n "$want_error" ]; then
		after=$(stored_count)
		if [ "$rc" -ne 1 ]; then
			t_fail "$form: $name: got exit $rc, want 1" \
			    "($want_error)"
		elif ! grep -qF -- "$want_error" "$tmp/err"; then
			t_fail "$form: $name: got '$(first_line "$tmp/err")'," \
			    "want '$want_error'"
		elif [ "$before" != "$after" ]; then
			t_fail "$form: $name: refused but stored" \
			    "($before -> $after submissions)"
		else
			t_ok "$form: $name"
		fi
		return
	fi
	if [ "$rc" -ne 0 ]; then
		t_fail "$form: $name: got exit $rc: $(first_line "$tmp/err")"
		return
	fi
	id=$(grep -v '^[[:space:]]*$' "$tmp/out" | tail -n 1 | tr -d '[:space:]')
	if ! "$COLLECTOR" --home "$home" show "$id" --json </dev/null \
	    >"$tmp/sub.json" 2>"$tmp/err" || ! jq -e .data "$tmp/sub.json" >/dev/null 2>&1; then
		t_fail "$form: $name: show '$id' --json failed:" \
		    "$(first_line "$tmp/err")"
		return
	fi
	why=$(jq -r "$CHECK" --args "$@" <"$tmp/sub.json" 2>&1 |
	    paste -s -d ';' - | sed 's/;/; /g')
	if [ -n "$why" ]; then
		t_fail "$form: $name: $why"
	else
		t_ok "$form: $name"
	fi
}

# run_table FORM: every case of tests/cases/surveys/FORM.tsv (the table is
# the loop's standard input: the collector never gets to read it)
run_table() {
	local form=$1 file=$CASES/$1.tsv line
	local -a f
	base='{}'
	if [ ! -f "$file" ]; then
		t_fail "$form: case table $file exists"
		return
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '' | '#'*) continue ;; esac
		IFS=$'\t' read -r -a f <<<"$line"
		if [ "${f[0]}" = "@base" ]; then
			base=${f[1]}
			if ! jq -e 'type == "object"' <<<"$base" >/dev/null \
			    2>&1; then
				t_fail "$form: @base is not a JSON object"
				base='{}'
			fi
			continue
		fi
		if [ "${#f[@]}" -lt 3 ]; then
			t_fail "$form: ${f[0]}: a case needs a name, answers" \
			    "and at least one expectation"
			continue
		fi
		run_case "$form" "${f[@]}"
	done <"$file"
}

forms=(anemia water_sanitation household_improvements)

# The growth cases are worked out apart from the form, in Python from WHO's
# method: the table must still be what that script computes.
if python3 "$TOP/tests/tools/whogrowth.py" --check >"$tmp/out" 2>&1; then
	t_ok "anemia.tsv: growth cases as tests/tools/whogrowth.py computes them"
else
	t_fail "anemia.tsv growth cases: $(first_line "$tmp/out")"
fi

for form in "${forms[@]}"; do
	"$COLLECTOR" forms check "$FORMS/$form.csv" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]; then
		t_ok "forms check $form.csv: no error, no warning"
	else
		t_fail "forms check $form.csv: exit $rc: $(first_line \
		    "$tmp/out")"
		sed 's/^/# /' "$tmp/out" | head -n 20
	fi
done

if "$COLLECTOR" --home "$home" init --device test-01 >"$tmp/out" \
    2>"$tmp/err"; then
	t_ok "init a fresh store"
else
	t_fail "init a fresh store: $(first_line "$tmp/err")"
fi

# init may already have installed the bundled copies: adding the same
# version with the same content is then a no-op that succeeds.
for form in "${forms[@]}"; do
	if "$COLLECTOR" --home "$home" forms add "$FORMS/$form.csv" \
	    >"$tmp/out" 2>"$tmp/err"; then
		t_ok "forms add $form.csv"
	else
		t_fail "forms add $form.csv: $(first_line "$tmp/err")"
	fi
done

for form in "${forms[@]}"; do
	run_table "$form"
done
t_done
