#!/usr/bin/env bash
# collector forms add|list|check|eval.
. "$(dirname "$0")/lib.sh"

t_home
t_run init --device dev-01
hh=$E2E_FORMS/household.csv

t_run forms add "$hh"
t_is "$T_RC" 0 "forms add installs a form"
t_has "$T_OUT" "installed 'household' version '1'" "and says which"
t_run forms add "$hh"
t_is "$T_RC" 0 "adding the same form again is fine"
t_has "$T_OUT" "already installed" "and says so"

sed 's/^,household,1,/,household,2,/' "$hh" >"$T_TMP/household-v2.csv"
t_run forms add "$T_TMP/household-v2.csv"
t_is "$T_RC" 0 "a newer version installs"
t_has "$T_OUT" "new surveys use it" "and replaces the old one for new surveys"
t_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "household") | .version' "$T_OUT")" 2 \
	"forms list shows the current version"
t_is "$(jq -c '.[] | select(.form_id == "household") | .languages' "$T_OUT")" \
	'["English (en)","Español (es)"]' "forms list --json names the languages"
t_is "$(t_sql "SELECT count(*) FROM forms WHERE form_id = 'household'")" 2 \
	"the old version is kept for its drafts"

sed 's/Household test/Other title/' "$T_TMP/household-v2.csv" >"$T_TMP/h2b.csv"
t_run forms add "$T_TMP/h2b.csv"
t_is "$T_RC" 1 "the same version with other content is refused"
t_has "$T_ERR" "higher version" "and the message says what to do"
t_has "$T_ERR" "collector: $T_TMP/h2b.csv: form 'household'" \
	"naming the file"
sed 's/^,household,1,/,household,0,/' "$hh" >"$T_TMP/household-v0.csv"
t_run forms add "$T_TMP/household-v0.csv"
t_is "$T_RC" 1 "an older version is refused"
t_has "$T_ERR" "older than the installed version '2'" "and says why"
t_has "$T_ERR" "$T_TMP/household-v0.csv: " "naming the file"
LANGUAGE=es t_run forms add "$T_TMP/household-v0.csv"
t_has "$T_ERR" "es más antiguo que la versión instalada '2'" \
	"in Spanish when the promoter's language is Spanish"

t_run forms add "$E2E_FORMS/bad.csv"
t_is "$T_RC" 1 "a form with errors is not installed"
t_has "$T_ERR" "bad.csv:survey:3" "the error names file, sheet and row"
t_run forms list --json
t_is "$(jq -r 'map(select(.form_id == "bad")) | length' "$T_OUT")" 0 \
	"the broken form is absent"

t_run forms check "$hh"
t_is "$T_RC" 0 "forms check: a good form exits 0"
t_run forms check "$E2E_FORMS/bad.csv" "$hh"
t_is "$T_RC" 1 "forms check: errors exit 1"
t_has "$T_OUT" "bad.csv:survey:3:constraint: error:" \
	"forms check prints FILE:SHEET:ROW:COLUMN: error:"
t_has "$T_OUT" "error: unknown function 'selectd'" "and what is wrong"

# The office's form authors read Spanish; "error" and "warning" stay
# English for scripts (CONTRACT.md), the XLSForm names as written.
LANGUAGE=es t_run forms check "$E2E_FORMS/bad.csv"
t_has "$T_OUT" \
	"bad.csv:survey:3:constraint: error: función desconocida 'selectd'" \
	"forms check in Spanish: the message translated, 'error' kept"
t_has "$T_OUT" "survey:4:type: error: lista de opciones desconocida 'nolist'" \
	"every diagnostic in Spanish"
printf 'survey,,,,\n,type,name,label,relevant\n,integer,age,Age,\n%s\n' \
	',text,x,X,age > 3' >"$T_TMP/w.csv"
LANGUAGE=es t_run forms check "$T_TMP/w.csv"
t_is "$T_RC" 0 "a form with only warnings passes, in Spanish too"
t_has "$T_OUT" "w.csv:survey:4:relevant: warning: 'age' se lee como vacío" \
	"a warning in Spanish, 'warning' kept"
: >"$T_TMP/empty.csv"
LANGUAGE=es t_run forms check "$T_TMP/empty.csv"
t_is "$(cat "$T_OUT")" "$T_TMP/empty.csv: error: archivo vacío" \
	"a file's error in Spanish, the file named once"
t_run forms check "$T_TMP/nonexistent.xlsx"
t_is "$T_RC" 3 "forms check: a missing file exits 3"
t_one_error "and says so on one line"

echo '{"head": "Ana", "age": 40, "has_kids": "no"}' >"$T_TMP/a.json"
t_run forms eval "$hh" '${age} * 12' --answers "$T_TMP/a.json"
t_is "$(cat "$T_OUT")" 480 "forms eval computes with the answers"
t_run forms eval "$hh" '${age_months} div 10' --answers "$T_TMP/a.json"
t_is "$(cat "$T_OUT")" 48 "forms eval sees calculations"
t_run forms eval "$hh" '${nme} + 1'
t_is "$T_RC" 1 "forms eval: an unknown name exits 1"
t_has "$T_ERR" "unknown question '\${nme}'" "and names it"
LANGUAGE=es t_run forms eval "$hh" '${nme} + 1'
t_has "$T_ERR" "collector: pregunta desconocida '\${nme}'" \
	"forms eval's errors in Spanish too"
LANGUAGE=es t_run forms eval "$hh" 'if(1)'
t_has "$T_ERR" "la función 'if' lleva 3 argumentos, no 1" \
	"the parser's errors in Spanish"
t_run forms eval "$hh"
t_is "$T_RC" 2 "forms eval without an expression is a usage error"
t_run forms frob
t_is "$T_RC" 2 "an unknown forms subcommand is a usage error"
t_done
