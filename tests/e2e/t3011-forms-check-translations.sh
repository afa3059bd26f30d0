#!/usr/bin/env bash
# `forms check` on a form whose Quechua drops a sentence, a number and a
# whole hint: three warnings, each with its sheet, row and column, in the
# reader's language (Spanish with LANGUAGE=es); the form is still valid
# (exit 0). The bundled surveys get none; a cell named in translation_ok
# gets none either.
. "$(dirname "$0")/lib.sh"

form=$E2E_FORMS/translation-gaps.csv
q="Quechua Chanka (quy)"
e="Español (es)"

LANGUAGE=es "$COLLECTOR" forms check "$form" >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "warnings only: forms check exits 0"
t_is "$(grep -c ': warning: ' "$T_OUT")" 3 "three warnings"
t_has "$T_OUT" "$form:survey:3:hint::$q: warning: menos oraciones (1) que 'hint::$e' (2): ¿falta una indicación?" \
    "the dropped sentence, where, in Spanish"
t_has "$T_OUT" "$form:survey:3:constraint_message::$q: warning: le falta el número '4999' que tiene 'constraint_message::$e'" \
    "the dropped number, where, in Spanish"
t_has "$T_OUT" "$form:survey:4:hint::$q: warning: vacía, mientras 'hint::$e' tiene texto" \
    "the empty translation, where, in Spanish"

"$COLLECTOR" forms check "$form" >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "survey:3:constraint_message::$q: warning: lacks the number '4999' that 'constraint_message::$e' has" \
    "in English with LANGUAGE=en"

# The marker column silences the cells it names, and only those.
sed -e "2s/\$/,translation_ok/" \
    -e "3s/\$/,hint::$q; constraint_message::$q/" "$form" >"$T_TMP/ok.csv"
"$COLLECTOR" forms check "$T_TMP/ok.csv" >"$T_OUT" 2>"$T_ERR"
t_is "$(grep -c ': warning: ' "$T_OUT")" 1 "translation_ok: row 3 silenced"
t_has "$T_OUT" "ok.csv:survey:4:hint::$q: warning: empty" "row 4 still warned"

for f in anemia water_sanitation household_improvements; do
	"$COLLECTOR" forms check "$TOP/forms/surveys/$f.csv" >"$T_OUT" 2>&1
	t_is "$(cat "$T_OUT")" "" "the bundled $f survey: no warning"
done
t_done
