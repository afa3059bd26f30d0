#!/usr/bin/env bash
# Issue 10, item 4: read_only as ODK Collect shows it. A read-only question
# (read_only = yes, an expression that is true, or a select_one with a
# calculation) is shown with its value, in words (the choice's label in
# the survey's language), and passed by: never asked, '<' does not stop at
# it, and at the review it is listed but choosing its number says why it
# cannot be changed, in Spanish and in Quechua. Without a calculation it
# shows its default, as pyxform's readonly="true()" input does in Collect.
# --answers refuses a value for it, as for a calculate.
. "$(dirname "$0")/lib.sh"

export COLLECTOR_NOW=2026-03-01T10:00:00-05:00
t_store || { echo "Bail out! cannot make a store"; exit 1; }

cat >"$T_TMP/ro.csv" <<'CSV'
survey,,,,,,,,,
,type,name,label::Español (es),label::Quechua Chanka (quy),required,relevant,calculation,default,read_only
,text,site,Establecimiento,Posta,,,,Posta Chalhuanca,yes
,integer,children,Número de niños,Hayka wawakuna,yes,,,,
,select_one size,size,Tamaño del hogar,Wasipa hatun kaynin,,,"if(${children} > 3, 'big', 'small')",,yes
,text,note_code,Código de seguimiento,Código,,,,SEG-1,${children} > 5
,text,remark,Observación,Willakuy,,,,,
choices,,,,,,,,,
,list_name,name,label::Español (es),label::Quechua Chanka (quy),,,,,
,size,big,Numeroso,Achka runayuq,,,,,
,size,small,Pequeño,Pisi runayuq,,,,,
settings,,,,,,,,,
,form_id,form_title,version,default_language,,,,,
,ro,Solo lectura,1,Español (es),,,,,
CSV
t_run forms add "$T_TMP/ro.csv"
t_is "$T_RC" 0 "a form with read-only questions installs"

LANGUAGE=es t_pty fill ro <<'SCRIPT'
expect Número de niños
expect > 
send <
expect primera pregunta
expect > 
send 7
expect Observación
expect > 
send <
expect Número de niños
expect > 
send
expect Observación
expect > 
send bien
expect Revisión de las respuestas
expect > 
send 1
expect ✗
expect > 
send 3
expect ✗
expect > 
send 4
expect ✗
expect > 
send 2
expect > 
send 2
expect Revisión de las respuestas
expect > 
send
expect uuid:
wait
SCRIPT
tr -d '\r' <"$T_OUT" >"$T_TMP/es"
out=$T_TMP/es
t_is "$T_RC" 0 "the survey finalized through the terminal"
t_has "$out" "Establecimiento: Posta Chalhuanca" \
	"read_only = yes without a calculation: its default shown"
t_has "$out" "Tamaño del hogar: Numeroso" \
	"a calculated select_one: its choice's label, not 'big'"
t_has "$out" "Código de seguimiento: SEG-1" \
	"read_only as an expression that is true: shown"
t_is "$(grep -c '^> ' "$out")" 11 \
	"only the questions that can be answered wait for a line"
t_lacks "$out" "1) Numeroso" "its choices are not offered"
t_has "$out" "(esta es la primera pregunta)" \
	"'<' at the first question that is asked does not stop at the read-only one before it"
t_has "$out" "✗ 1. Establecimiento: esta respuesta no se puede cambiar" \
	"the review: a read-only answer cannot be changed"
t_has "$out" "✗ 3. Tamaño del hogar: esta respuesta se calcula con las otras respuestas" \
	"the review: a computed one says it comes from the others"
t_has "$out" "✗ 4. Código de seguimiento: esta respuesta no se puede cambiar" \
	"the review: read only by an expression"
t_has "$out" "Tamaño del hogar: Pequeño" \
	"after a change at the review, the computed answer follows, in words"
id=$(grep -o 'uuid:[0-9a-f-]*' "$out" | tail -n 1)
t_run show "$id" --json
t_is "$(jq -r '.data | [.site, .children, .size, .note_code] | join(" ")' \
    "$T_OUT")" "Posta Chalhuanca 2 small SEG-1" "the codes stay in the data"
LANGUAGE=es t_run show "$id"
t_has "$T_OUT" "Tamaño del hogar: Pequeño" "show: the label, not the code"
t_lacks "$T_OUT" ": small" "show: no code"

# In Quechua: the survey's words and the program's.
t_pty fill ro --lang quy <<'SCRIPT'
expect > 
send 4
expect Código
expect > 
send
expect Willakuy
expect > 
send allin
expect > 
send 3
expect ✗
expect > 
send !
wait
SCRIPT
tr -d '\r' <"$T_OUT" >"$T_TMP/quy"
t_has "$T_TMP/quy" "Wasipa hatun kaynin: Achka runayuq" \
	"Quechua: the computed answer's choice in Quechua"
t_is "$(grep -A1 -x 'Código' "$T_TMP/quy" | sed -n 2p)" \
	"  [kunan kutichiy: SEG-1 · Enter chaynalla saqin]" \
	"read only by an expression that is false (4 children): asked"
t_has "$T_TMP/quy" "✗ 3. Wasipa hatun kaynin: kay kutichiyqa huk kutichiykunamantam hurqukun" \
	"Quechua: why it cannot be changed"

# --answers: a value for a read-only question is refused, as for a
# calculate; the value the form has (data fed back) passes.
echo '{"children": 2, "size": "big"}' >"$T_TMP/a.json"
t_run fill ro --answers "$T_TMP/a.json"
t_is "$T_RC" 1 "a value for a calculated select_one: refused"
t_has "$T_ERR" "'size' is computed by the form (here 'small'), not answered" \
	"saying it is computed, and what the form computes"
echo '{"children": 2, "size": "small", "site": "Posta Chalhuanca"}' \
    >"$T_TMP/b.json"
t_run fill ro --answers "$T_TMP/b.json"
t_is "$T_RC" 0 "the values the form has: accepted"
echo '{"children": 2, "site": "Otra"}' >"$T_TMP/c.json"
t_run fill ro --answers "$T_TMP/c.json"
t_is "$T_RC" 1 "another value for read_only = yes: refused"
t_has "$T_ERR" "site: this question is read only" "saying it is read only"

t_done
