#!/usr/bin/env bash
# The .xlsx copies of the bundled surveys ($BUILD/surveys/*.xlsx, made by
# `make` for the provincial office) compute what the .csv sources compute:
# each passes `collector forms check` silently, and every accepted case of
# tests/cases/surveys/FORM.tsv (see t3000-surveys.sh for the format) gives
# the same values through `collector forms eval XLSX EXPR --answers`. Only
# `key=value` expectations are checked here (absence and refusals need a
# store: t3000 covers them on the .csv).
set -u

. "$(dirname "$0")/lib.sh"	# TOP, COLLECTOR, BUILD; t_ok, t_fail, t_done
CASES=$TOP/tests/cases/surveys
XLSX=$TOP/$BUILD/surveys
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

forms=(anemia water_sanitation household_improvements)
for form in "${forms[@]}"; do
	if [ ! -x "$COLLECTOR" ] || [ ! -f "$XLSX/$form.xlsx" ]; then
		echo "ok 1 # skip $COLLECTOR or $XLSX/$form.xlsx not built"
		echo "1..1"
		exit 0
	fi
done

tmp=$T_TMP

# run_case FORM NAME JSON EXPECT...: the case's key=value expectations as
# one concat() evaluated on the .xlsx
run_case() {
	local form=$1 name=$2 json=$3 exp key expr= want= got
	shift 3
	for exp in "$@"; do
		case "$exp" in
		error:* | !* | .* | *=null) continue ;;
		*=*) ;;
		*) continue ;;
		esac
		key=${exp%%=*}
		expr="$expr${expr:+, '|', }\${${key##*.}}"
		want="$want${want:+|}${exp#*=}"
	done
	[ -n "$want" ] || return 0
	if ! jq -n --argjson b "$base" --argjson c "$json" \
	    '$b + $c | with_entries(select(.value != null))' \
	    >"$tmp/answers.json" 2>"$tmp/err"; then
		t_fail "xlsx $form: $name: bad JSON in the case"
		return
	fi
	got=$("$COLLECTOR" forms eval "$XLSX/$form.xlsx" "concat($expr, '')" \
	    --answers "$tmp/answers.json" </dev/null 2>"$tmp/err")
	if [ "$got" = "$want" ]; then
		t_ok "xlsx $form: $name"
	else
		t_fail "xlsx $form: $name: got '$got', want '$want'" \
		    "$(head -n 1 "$tmp/err")"
	fi
}

for form in "${forms[@]}"; do
	"$COLLECTOR" forms check "$XLSX/$form.xlsx" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]; then
		t_ok "forms check $form.xlsx: no error, no warning"
	else
		t_fail "forms check $form.xlsx: exit $rc: $(head -n 1 \
		    "$tmp/out")"
	fi
	base='{}'
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '' | '#'*) continue ;; esac
		IFS=$'\t' read -r -a f <<<"$line"
		if [ "${f[0]}" = "@base" ]; then
			base=${f[1]}
			continue
		fi
		case "$line" in *$'\t'error:*) continue ;; esac
		[ "${#f[@]}" -ge 3 ] && run_case "$form" "${f[@]}"
	done <"$CASES/$form.tsv"
done

t_done
