#!/usr/bin/env bash
# forms eval with some answers: evaluated against the answers given, as a
# draft would be; the answers given are still checked.
. "$(dirname "$0")/lib.sh"

t_home
t_run init --device dev-01
hh=$E2E_FORMS/household.csv
an=$TOP/forms/surveys/anemia.csv

# head and has_kids are required and not given.
echo '{"age": 40}' >"$T_TMP/some.json"
t_run forms eval "$hh" '${age} * 12' --answers "$T_TMP/some.json"
t_is "$T_RC" 0 "a partial answers file is accepted"
t_is "$(cat "$T_OUT")" 480 "and the expression sees the answers given"
t_is "$(cat "$T_ERR")" "" "with no complaint about the missing ones"
t_run forms eval "$hh" 'string-length(${head})' --answers "$T_TMP/some.json"
t_is "$(cat "$T_OUT")" 0 "a question not answered is empty"

# The README's example without the household (district, community and
# household code are required).
jq 'del(.district, .community, .household_id)' \
    "$TOP/docs/examples/anemia-child.json" >"$T_TMP/hb.json"
t_run forms eval "$an" '${hb_adjusted}' --answers "$T_TMP/hb.json"
t_is "$T_RC" 0 "the anaemia survey without the household's answers"
t_is "$(cat "$T_OUT")" 9.4 "gives the adjusted haemoglobin (11.5 - 2.1 at 3000 m)"

echo '{"age": 4}' >"$T_TMP/bad.json"
t_run forms eval "$hh" '${age}' --answers "$T_TMP/bad.json"
t_is "$T_RC" 1 "an answer given that breaks its constraint is still refused"
t_has "$T_ERR" "age: Age must be between 15 and 120" "and says why"
echo '{"age": "forty"}' >"$T_TMP/bad.json"
t_run forms eval "$hh" '${age}' --answers "$T_TMP/bad.json"
t_is "$T_RC" 1 "so is an answer of the wrong type"
echo '{"nme": 4}' >"$T_TMP/bad.json"
t_run forms eval "$hh" '1' --answers "$T_TMP/bad.json"
t_is "$T_RC" 1 "and an unknown name"
t_done
