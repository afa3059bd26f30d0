#!/usr/bin/env bash
# Issue 10, item 19: --answers refuses a value given for a calculation,
# saying it is computed (one that matches what the form computes, as in a
# submission's data fed back, passes); a \u0000 in an answer is refused in
# the promoter's words, not jansson's (JSON_ALLOW_NUL).
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }

echo '{"head": "Ana", "age": 40, "age_months": 5, "has_kids": "no"}' \
    >"$T_TMP/calc.json"
t_run fill household --answers "$T_TMP/calc.json"
t_is "$T_RC" 1 "a value for a calculation: refused"
t_has "$T_ERR" "age_months: 'age_months' is computed by the form (here '480'), not answered: leave it out" \
	"saying it is computed, and what the form computes"
t_is "$(t_sql "SELECT count(*) FROM submissions")" 0 "nothing stored"
LANGUAGE=es t_run fill household --answers "$T_TMP/calc.json"
t_has "$T_ERR" "'age_months' lo calcula el formulario (aquí '480')" \
	"in Spanish too"

echo '{"head": "Ana", "age": 40, "age_months": 480, "has_kids": "no"}' \
    >"$T_TMP/same.json"
t_run fill household --answers "$T_TMP/same.json"
t_is "$T_RC" 0 "the value the form computes (data fed back): accepted"

printf '{"head": "A\\u0000na", "age": 40, "has_kids": "no"}\n' \
    >"$T_TMP/nul.json"
t_run fill household --answers "$T_TMP/nul.json"
t_is "$T_RC" 1 "a \\u0000 in an answer: refused"
t_lacks "$T_ERR" "JSON_ALLOW_NUL" "without the library's flag"
t_has "$T_ERR" "$T_TMP/nul.json: line 1, column " "naming the file and place"
t_has "$T_ERR" "an answer holds the character \\u0000 (NUL)" \
	"in words a promoter reads"
LANGUAGE=es t_run fill household --answers "$T_TMP/nul.json"
t_has "$T_ERR" "una respuesta tiene el carácter \\u0000 (NUL)" "in Spanish too"

t_done
