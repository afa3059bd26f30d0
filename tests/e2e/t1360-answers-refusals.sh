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

# The anaemia class is a calculated read-only select_one: refused the same.
cat >"$T_TMP/anemia.json" <<'JSON'
{"district": "030401", "community": "Pampa", "household_id": "030401-0002",
 "visit_date": "2026-02-01", "sex": "f", "birth_date": "2020-01-01",
 "altitude_m": 2900, "altitude_source": "gps", "hb_measured": 11,
 "anemia": "none"}
JSON
t_run fill anemia --answers "$T_TMP/anemia.json"
t_is "$T_RC" 1 "a value for the anaemia class (a calculated select_one): refused"
t_has "$T_ERR" "anemia: 'anemia' is computed by the form (here 'moderate'), not answered: leave it out" \
	"saying it is computed, and the code the form computes"
sed -i 's/"none"/"moderate"/' "$T_TMP/anemia.json"
t_run fill anemia --answers "$T_TMP/anemia.json"
t_is "$T_RC" 0 "the class the form computes (data fed back): accepted"

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
