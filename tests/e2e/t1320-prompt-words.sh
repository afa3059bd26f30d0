#!/usr/bin/env bash
# What a promoter reads and types at the prompt: yes and no as whole
# words, a backslash to answer with a key's character, no empty draft
# when nothing was answered; and the Spanish of the messages around
# `fill`, `discard` and `forms add`.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }
ndrafts() { t_sql "SELECT count(*) FROM submissions"; }

# Quitting before any answer stores nothing.
printf '!\n' | t_run fill household
t_is "$T_RC" 0 "'!' at the first question"
t_has "$T_OUT" "Nothing to save" "says there is nothing to save"
t_lacks "$T_OUT" "Draft saved" "and saves no draft"
t_run fill household </dev/null
t_has "$T_OUT" "Nothing to save" "end of input at once: the same"
t_is "$(ndrafts)" 0 "no empty draft in the store"

# A leading backslash answers with a key's character.
printf '%s\n' '\!' 30 2 '!' | t_run fill household
t_has "$T_OUT" "Draft saved" "'\\!' is an answer"
t_is "$(t_sql "SELECT value FROM answers WHERE path = 'head'")" '!' \
	"and '!' is stored, without the backslash"
t_sql "DELETE FROM answers; DELETE FROM submissions"
printf '%s\n' '\\<' '!' | t_run fill household
t_is "$(t_sql "SELECT value FROM answers WHERE path = 'head'")" '\<' \
	"'\\\\<' answers '\\<'"
t_sql "DELETE FROM answers; DELETE FROM submissions"

# Yes and no are whole words.
printf '%s\n' Ana 30 1 sin sí Luis 5 nada no '!' | t_run fill household
t_is "$(grep -A1 -E '^> (sin|nada)$' "$T_OUT" |
    grep -c 'answer y (yes) or n (no)')" 2 \
	"'sin' is not yes, 'nada' is not no: both asked again"
t_is "$(t_sql "SELECT value FROM answers WHERE path = 'child[1]/child_name'")" \
	Luis "'sí' is yes"
t_has "$T_OUT" "Services at home" "'no' is no"
t_sql "DELETE FROM answers; DELETE FROM submissions"
printf '%s\n' Ana 30 1 arí Luis 5 manam '!' | t_run fill household
t_has "$T_OUT" "Services at home" "'arí' and 'manam' (Quechua) too"
t_sql "DELETE FROM answers; DELETE FROM submissions"

# Spanish: the current answer of a question, not "now".
printf '%s\n' Ana '<' '!' | LANGUAGE=es t_run fill household
t_has "$T_OUT" "[respuesta actual: Ana · Enter la conserva]" \
	"'respuesta actual:' shows the answer already given"
t_lacks "$T_OUT" "ahora:" "not 'ahora' (for a date it reads as today)"
t_sql "DELETE FROM answers; DELETE FROM submissions"

# One problem is "1 problema".
echo '{"head": "Ana", "age": 7, "has_kids": "no"}' >"$T_TMP/one.json"
LANGUAGE=es t_run fill household --answers "$T_TMP/one.json"
t_is "$T_RC" 1 "--answers with one problem"
t_has "$T_ERR" "collector: 1 problema: no se guardó nada" \
	"'1 problema', singular"
echo '{"head": "Ana", "age": 7}' >"$T_TMP/two.json"
LANGUAGE=es t_run fill household --answers "$T_TMP/two.json"
t_has "$T_ERR" "collector: 2 problemas: no se guardó nada" \
	"'2 problemas', and the count is the number printed"
t_is "$(grep -c '^collector: [a-z_]*: ' "$T_ERR")" 2 \
	"two problems printed"

# A named file that does not exist is the environment's, as everywhere
# (CONTRACT.md: exit 3); nothing is stored.
t_run fill household --answers "$T_TMP/nonexistent.json"
t_is "$T_RC" 3 "a missing --answers file: exit 3"
t_has "$T_ERR" "$T_TMP/nonexistent.json" "named"
t_one_error "on one line"
t_is "$(t_sql 'SELECT count(*) FROM submissions')" 0 "nothing stored"
t_run forms eval "$E2E_FORMS/household.csv" '${age}' \
	--answers "$T_TMP/nonexistent.json"
t_is "$T_RC" 3 "forms eval: a missing --answers file exits 3"
t_run forms add "$T_TMP/nonexistent.csv"
t_is "$T_RC" 3 "forms add: a missing file exits 3"
echo '{"head": ' >"$T_TMP/broken.json"
t_run fill household --answers "$T_TMP/broken.json"
t_is "$T_RC" 1 "a malformed --answers file is bad input: exit 1"
t_has "$T_ERR" "$T_TMP/broken.json: " "named"

# discard of a finalized survey, in Spanish.
echo '{"head": "Ana", "age": 30, "has_kids": "no"}' >"$T_TMP/ok.json"
"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/ok.json" \
    >"$T_TMP/id"
LANGUAGE=es t_run discard "$(cat "$T_TMP/id")"
t_is "$T_RC" 1 "discard of a finalized survey is refused"
t_has "$T_ERR" "está finalizada, no es un borrador" \
	"in Spanish, the state too"
LANGUAGE=es t_run show "$(cat "$T_TMP/id")"
t_has "$T_OUT" "estado: finalizada" "show names the state in Spanish"

# Messages of common/ in Spanish too.
LANGUAGE=es t_run forms add "$T_TMP/nonexistent.csv"
t_has "$T_ERR" "no se puede abrir '$T_TMP/nonexistent.csv'" \
	"a file that cannot be opened, in Spanish"
t_done
