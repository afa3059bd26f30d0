#!/usr/bin/env bash
# One language at a time: `fill --lang quy` says the program's own words
# (keys, refusals, the review) in Quechua from po/quy.po, the form's text
# in Quechua from the form; a message the Quechua catalog lacks is said in
# Spanish, never in English; and with LANGUAGE=en no Spanish "required"
# message sits beside the English.
. "$(dirname "$0")/lib.sh"
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

t_home
"$COLLECTOR" --home "$T_HOME" init --device dev-01 >/dev/null 2>&1 &&
"$COLLECTOR" --home "$T_HOME" forms add "$TOP/forms/surveys/anemia.csv" \
    >/dev/null 2>&1 || { echo "Bail out! cannot make a store"; exit 1; }

# A woman of 30; Enter and 'abc' at the altitude are refused in Quechua; at
# the review, question 3 is opened and kept.
t_pty fill anemia --lang quy <<'SCRIPT'
expect Teclakuna: < kutiy · ? yanapay · ! waqaychay, lluqsiy
expect > 
send 1
expect > 
send Chalhuanca
expect > 
send 030401-0001
expect [kunan kutichiy: 2026-06-15 · Enter chaynalla saqin]
expect > 
send
expect > 
send 1
expect > 
send 1996-06-10
expect > 
send 2
expect kay qipa 4 killa
expect > 
send
expect ✗ kay tapukuyta kutichiy
expect > 
send abc
expect ✗ 'abc': manam entero yupaychu
expect > 
send 3848
expect > 
send 1
expect > 
send 11.5
expect (Enter qatinapaq)
expect > 
send
expect Kutichiykunata qawariy:
expect Yupay: kutichiyta tikranapaq.
expect > 
send 3
expect [kunan kutichiy: 030401-0001 · Enter chaynalla saqin]
expect > 
send
expect Kutichiykunata qawariy:
expect > 
send
expect Tukusqa: uuid:
wait
SCRIPT
t_is "$T_RC" 0 "fill --lang quy through a terminal: finalized"
t_has "$T_OUT" "(? yanapay)" "the help key in Quechua"
t_has "$T_OUT" "✗ kay tapukuyta kutichiy" "required, in Quechua"
t_has "$T_OUT" "✗ 'abc': manam entero yupaychu" "not a whole number, in Quechua"
t_has "$T_OUT" "(Enter qatinapaq)" "Enter to continue, in Quechua"
t_has "$T_OUT" "[kunan kutichiy: 030401-0001" "the review's current answer"
for w in "Enter to continue" "current answer" "this question is required" \
    "Review of the answers" "Finalized:" "Enter para seguir" \
    "respuesta actual" "obligatoria"; do
	t_lacks "$T_OUT" "$w" "no '$w' beside the Quechua"
done

# The state words of `list` follow LANGUAGE=quy; a message quy.po lacks
# (an unknown option) is in Spanish, not in the English msgid.
LANGUAGE=quy t_run list
t_has "$T_OUT" "tukusqa" "LANGUAGE=quy: 'list' says tukusqa"
LANGUAGE=quy t_run list --nonsense
t_has "$T_ERR" "opción desconocida '--nonsense'" \
    "a message missing from quy.po falls back to Spanish"
t_lacks "$T_ERR" "unknown option" "not to English"

# --lang es selects Spanish program words even under LANGUAGE=en.
printf '%s\n' '!' | t_run fill anemia --lang es
t_has "$T_OUT" "Teclas: < atrás" "--lang es: the keys in Spanish"

# LANGUAGE=en without --lang: the form is Spanish, the program English,
# and the "required" refusal is the program's English, not the form's
# Spanish.
printf '%s\n' 1 Chalhuanca 030401-0002 '' 1 1996-06-10 2 '' '!' |
    t_run fill anemia
t_has "$T_OUT" "✗ this question is required" "LANGUAGE=en: required in English"
t_lacks "$T_OUT" "obligatoria" "and no Spanish 'obligatoria' beside it"
t_done
