#!/usr/bin/env bash
# Issue 10, item 6: a message that refers to a value the program knows
# shows it. A form's text (label, hint, constraint message) shows the
# answers it names as ${name}, as ODK does: the household code's refusal
# says the district's code (030401-...) instead of "the district chosen".
. "$(dirname "$0")/lib.sh"

t_store household-code.csv || { echo "Bail out! cannot make a store"; exit 1; }

t_pty fill household_code <<'SCRIPT'
expect > 
send 1
expect > 
send ?
expect > 
send 030402-0001
expect ✗
expect > 
send 030401-0001
expect Head of household
expect > 
send !
wait
SCRIPT
tr -d '\r' <"$T_OUT" >"$T_TMP/t"
t_has "$T_TMP/t" "✗ Not a code of this district: write 030401-, then the household's 4 digits (030401-0127)" \
	"the refusal shows the code of the district chosen"
t_has "$T_TMP/t" "  030401, a dash, the household's 4 digits" "so does the hint"
t_has "$T_TMP/t" "Head of household in 030401-0001" "and a label"

echo '{"district": "030402", "household_id": "030401-0001"}' >"$T_TMP/a.json"
t_run fill household_code --answers "$T_TMP/a.json"
t_has "$T_ERR" "household_id: Not a code of this district: write 030402-, then" \
	"--answers: the same words, with the value"

# The bundled surveys say it too (district 1 is Chalhuanca, 030401).
for f in anemia water_sanitation household_improvements; do
	printf '%s\n' 1 Chalhuanca 030402-0001 >"$T_TMP/in"
	t_run fill "$f" <"$T_TMP/in"
	t_has "$T_OUT" "código del distrito elegido (030401), un guion" \
		"$f: the household code's refusal names the district's code"
done

# A store that lost its device id (damaged: init always sets it): the
# hint names the program as it was typed, with --home, as the others do.
t_sql "DELETE FROM settings WHERE key = 'device_id'"
for cmd in "fill household_code --answers $T_TMP/a.json" "export --out $T_TMP/x" \
    "sync --hub http://127.0.0.1:9"; do
	# shellcheck disable=SC2086
	t_run $cmd
	t_has "$T_ERR" "no device id: run '$COLLECTOR --home $T_HOME init --device ID'" \
		"${cmd%% *}: the device id hint works as typed"
done

t_done
