#!/usr/bin/env bash
# Issue 10, items 3, 4, 5 and 9: what a promoter reads from the position
# to the review, in Spanish. A stable total ([k/N], never "6/6" and then
# "7/9"); 3,000 and 6/6/25 taken, 3.500 and 6/6/60 explained; at the
# review, labels and choices in the survey's language, a decimal with its
# decimal, the result said again after a change, '?' answered, and a
# refusal at finalizing naming the question's number and label.
. "$(dirname "$0")/lib.sh"

export COLLECTOR_NOW=2026-03-01T10:00:00-05:00 LANGUAGE=es
t_store || { echo "Bail out! cannot make a store"; exit 1; }

t_pty fill anemia <<'SCRIPT'
expect > 
send 1
expect > 
send Pampa
expect > 
send 030401-0001
expect > 
send 6/6/60
expect ✗
expect > 
send 6/6/25
expect > 
send 2
expect > 
send 01/01/2020
expect > 
send 3.500
expect ✗
expect > 
send 3,500
expect > 
send 1
expect > 
send 9.0
expect Anemia: Severa
expect Resultado
expect > 
send
expect Revisión de las respuestas
expect > 
send ?
expect > 
send 99
expect ✗
expect > 
send 10
expect ✗
expect > 
send 9
expect > 
send 14
expect Revisión de las respuestas
expect > 
send 4
expect > 
send 01/01/2019
expect Revisión de las respuestas
expect > 
send
expect Todavía no se puede finalizar
expect > 
send !
expect Borrador guardado
wait
SCRIPT
tr -d '\r' <"$T_OUT" >"$T_TMP/t"
out=$T_TMP/t

# 5: the position.
t_is "$(grep -oE '^\[[0-9]+/[0-9]+\]' "$out" | cut -d/ -f2 | sort -u)" \
	"25]" "one total all along, whatever the answers make apply"
t_is "$(grep -oE '^\[[0-9]+/' "$out" | tr -d '[/' | uniq | head -10 |
    tr '\n' ' ')" "1 2 3 4 5 6 18 19 20 21 " \
	"the position skips what does not apply and never goes back"

# 9: numbers and dates as a promoter writes them.
t_has "$out" "'6/6/60': escriba el año con sus 4 cifras (¿1960 o 2060?)" \
	"6/6/60: which century is asked"
t_has "$out" "'3.500' es ambiguo" "3.500 for a whole number: ambiguous"
t_has "$out" "Fecha de la visita: 2025-06-06" "6/6/25 is 2025-06-06"
t_has "$out" "Altitud (metros) del lugar donde vive la persona desde hace 4 meses: 3500" \
	"3,500 is 3500"
t_has "$out" "El número de una respuesta (de 1 a 10) la cambia" \
	"'?' at the review says what can be typed"
t_has "$out" "no hay respuesta con el número '99': los números van de 1 a 10" \
	"a number out of range says the range"

# 4: what the review shows.
t_has "$out" "Sexo de la persona evaluada: Hombre" "a choice as its label"
t_has "$out" "Hemoglobina medida (g/dL): 9.0" "a decimal keeps its decimal"
t_has "$out" "» Resultado: anemia severa." "the result said at the review"
# The computed class is a read-only select_one: shown in words as the
# walk passes it, never asked, and refused at the review with the reason.
t_is "$(grep -A1 -x 'Anemia: Severa' "$out" | sed -n 2p)" "" \
	"the walk shows the class and passes on, without a prompt"
t_has "$out" " 10. Anemia: Severa" "the class at the review, in words"
t_has "$out" "✗ 10. Anemia: esta respuesta se calcula con las otras respuestas y no se puede cambiar aquí" \
	"choosing the class at the review says why it cannot be changed"
t_lacks "$out" ": severe" "no code on screen"
t_lacks "$out" "none: sin anemia" "no label spelling out the codes"
sed -n '/^> 14/,$p' "$out" >"$T_TMP/after"
t_has "$T_TMP/after" "» Resultado: sin anemia." \
	"and said again, new, after a change at the review"
t_has "$T_TMP/after" " 10. Anemia: Sin anemia" \
	"the class follows the change, in words"

# 3: a refusal at finalizing.
t_has "$out" "✗ 6. Fecha de nacimiento: La fecha de nacimiento no puede ser posterior" \
	"a refusal at finalizing: the number in the review and the label"
t_lacks "$out" "birth_date:" "not the internal name"

# 4: show, as a person reads it (codes stay in --json).
id=$(t_sql "SELECT instance_id FROM submissions")
t_run show "${id:5:8}"
t_has "$T_OUT" "Sexo de la persona evaluada: Hombre" "show: the choice's label"
t_has "$T_OUT" "Distrito: Chalhuanca" "show: every choice as its label"
t_lacks "$T_OUT" "sex = m" "show: no codes"
t_run show "${id:5:8}" --json
t_is "$(jq -r .data.sex "$T_OUT")" m "show --json keeps the code"

# In Quechua, the survey's language.
cat >"$T_TMP/a.json" <<'JSON'
{"district": "030401", "community": "Pampa", "household_id": "030401-0002",
 "visit_date": "2026-02-01", "sex": "f", "birth_date": "2020-01-01",
 "altitude_m": 2900, "altitude_source": "gps",
 "hb_measured": 11}
JSON
t_run fill anemia --lang quy --answers "$T_TMP/a.json"
t_is "$T_RC" 0 "a survey in Quechua"
t_run show "$(head -1 "$T_OUT")"
t_has "$T_OUT" "¿Warmichu utaq qarichu?: Warmi" "show: labels and choices in Quechua"
t_has "$T_OUT" "¿Maymantam altitudta hurqunki?: GPS nisqawan tupusqa (wasipi)" \
	"show: every choice in Quechua"
t_has "$T_OUT" ": 11.0" "a decimal answered 11 reads 11.0"

t_done
