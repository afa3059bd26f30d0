#!/usr/bin/env bash
# collector fill --answers [--draft], list, show, edit (revisions), discard:
# the non-interactive path and the store's rules around finalizing.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }
cat >"$T_TMP/ok.json" <<'JSON'
{"head": "Ana Quispe", "age": 40, "has_kids": "yes",
 "child": [{"child_name": "Luis", "child_age": 5},
           {"child_name": "Rosa", "child_age": "7"}],
 "home": {"services": "water sewer", "area": 12.5}}
JSON

# Peru: UTC-5 all year (a POSIX TZ string needs no tzdata).
export COLLECTOR_NOW=2026-03-01T10:00:00-05:00 TZ="<-05>5"
t_run fill household --answers "$T_TMP/ok.json"
t_is "$T_RC" 0 "fill --answers: valid answers exit 0"
id=$(cat "$T_OUT")
t_check "and print the new instance id" grep -qE '^uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$T_OUT"

t_run list --json
t_is "$(jq -c '.[0] | keys' "$T_OUT")" \
	'["finalized_at","form_id","form_version","instance_id","reason","started_at","state"]' \
	"list --json has the contract's fields"
t_is "$(jq -r '.[0].state' "$T_OUT")" finalized "the submission is finalized"
t_is "$(jq -r '.[0].instance_id' "$T_OUT")" "$id" "with the printed id"

t_run show "$id" --json
t_is "$(jq -c '.data' "$T_OUT")" \
	'{"head":"Ana Quispe","age":40,"age_months":"480","has_kids":"yes","child":[{"child_name":"Luis","child_age":5},{"child_name":"Rosa","child_age":7}],"home":{"services":"water sewer","area":12.5}}' \
	"show --json: data mirrors the form's tree"
t_is "$(jq -r '[.instance_id, .deprecated_id, .form_id, .form_version, .device_id, .promoter, .state] | map(tostring) | join(" ")' "$T_OUT")" \
	"$id null household 1 dev-01 Ana Quispe finalized" \
	"show --json: the Submission fields"
t_is "$(jq -r .started_at "$T_OUT")" "2026-03-01T10:00:00.000-05:00" \
	"started_at has the local offset"
t_run show "${id:5:8}" --xml
t_is "$T_RC" 0 "show takes a prefix of the uuid"
t_has "$T_OUT" "<instanceID>$id</instanceID>" "show --xml is the ODK instance"
t_has "$T_OUT" '<household id="household" version="1">' "with form id and version"
t_run show "$id"
t_has "$T_OUT" "  — Child 2" "show lists the answers as the review does: the entries"
t_has "$T_OUT" "Child's name: Rosa" "labels and values"

# Refused answers: every problem, exit 1, nothing stored.
before=$(t_sql "SELECT count(*) FROM submissions")
echo '{"head": "", "age": 200, "has_kids": "maybe", "nme": 1}' >"$T_TMP/bad.json"
t_run fill household --answers "$T_TMP/bad.json"
t_is "$T_RC" 1 "refused answers exit 1"
t_has "$T_ERR" "collector: age: Age must be between 15 and 120" \
	"the constraint message, with the question's path"
t_has "$T_ERR" "collector: has_kids: " "a wrong choice is reported"
t_has "$T_ERR" "nme" "an unknown name is reported"
t_check "one line per problem, each 'collector: '" \
	test "$(grep -vc '^collector: ' "$T_ERR")" = 0
t_is "$(t_sql "SELECT count(*) FROM submissions")" "$before" "nothing is stored"
t_is "$(t_sql "SELECT count(*) FROM answers WHERE submission NOT IN (SELECT id FROM submissions)")" 0 \
	"no stray answers"

echo '{"head": "Ana"}' >"$T_TMP/partial.json"
t_run fill household --answers "$T_TMP/partial.json"
t_is "$T_RC" 1 "a required question left out is refused"
t_has "$T_ERR" "age" "and named"

t_run fill household --answers - <<<'{"head": "Ana", "age": 30, "has_kids": "no"}'
t_is "$T_RC" 0 "--answers - reads standard input"
t_run fill household --answers - <<<'{"head": "Ana", '
t_is "$T_RC" 1 "malformed JSON exits 1"
t_one_error "with one error line"
t_run fill nosuchform --answers "$T_TMP/ok.json"
t_is "$T_RC" 1 "an unknown form exits 1"
t_has "$T_ERR" "no form 'nosuchform'" "and names it"

# --draft keeps what was accepted.
t_run fill household --answers "$T_TMP/bad.json" --draft
t_is "$T_RC" 1 "--draft with problems still exits 1"
draft=$(cat "$T_OUT")
t_run list --state draft --json
t_is "$(jq -r '.[0].instance_id' "$T_OUT")" "$draft" "but stores a draft and prints its id"
t_run show "$draft" --json
t_is "$(jq -r '.state + " " + (.finalized_at | tostring)' "$T_OUT")" "draft null" \
	"show --json of a draft has its state"

# A finalized submission never changes, even through SQL.
t_check "SQL cannot change a finalized answer" \
	bash -c "! sqlite3 '$T_HOME/collector.db' \"UPDATE answers SET value = 'x' WHERE submission = (SELECT id FROM submissions WHERE instance_id = '$id')\" 2>/dev/null"
t_check "nor delete a finalized submission" \
	bash -c "! sqlite3 '$T_HOME/collector.db' \"DELETE FROM submissions WHERE instance_id = '$id'\" 2>/dev/null"
t_run discard "$id"
t_is "$T_RC" 1 "discard refuses a finalized submission"
t_has "$T_ERR" "not a draft" "and says why"
t_run discard "$draft"
t_is "$T_RC" 0 "discard deletes a draft"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE instance_id = '$draft'")" 0 \
	"the draft is gone"
t_run show "$draft"
t_is "$T_RC" 1 "an unknown id exits 1"
t_run show uuid:
t_is "$T_RC" 1 "an empty id is refused"

# edit of a finalized submission: a new revision, the old one untouched.
old_json=$(t_sql "SELECT json FROM submissions WHERE instance_id = '$id'")
printf '2\n41\n\n' | "$COLLECTOR" --home "$T_HOME" edit "${id:5:8}" >"$T_OUT" 2>"$T_ERR"
T_RC=$?
t_is "$T_RC" 0 "edit of a finalized one through a pipe"
t_has "$T_OUT" "Review of the answers" "starts at the review"
t_run list --json
new=$(jq -r --arg id "$id" '.[] | select(.instance_id != $id and .state == "finalized") | .instance_id' "$T_OUT" | tail -1)
t_run show "$new" --json
t_is "$(jq -r .deprecated_id "$T_OUT")" "$id" "the revision names the one it replaces"
t_is "$(jq -r .data.age "$T_OUT")" 41 "the revision has the change"
t_is "$(jq -r .data.child[1].child_name "$T_OUT")" Rosa "and keeps the rest"
t_check "the revision has its own instance id" test "$new" != "$id"
t_is "$(t_sql "SELECT json FROM submissions WHERE instance_id = '$id'")" "$old_json" \
	"the finalized original is unchanged"
t_is "$(t_sql "SELECT state FROM submissions WHERE instance_id = '$id'")" finalized \
	"and still finalized"

t_run status --json
t_is "$(jq -c .counts "$T_OUT")" \
	'{"draft":0,"finalized":3,"sent":0,"rejected":0}' \
	"status counts by state"
t_check "pending_bytes counts the finalized surveys, compressed" \
	test "$(jq .pending_bytes "$T_OUT")" -gt 300
t_run list --form household --state finalized
t_is "$(grep -c "^uuid:" "$T_OUT")" 3 "list filters by form and state"
t_run list --state nope
t_is "$T_RC" 2 "an unknown state is a usage error"

# A draft keeps the form version it started with; new surveys use the new.
t_run fill household --answers "$T_TMP/partial.json" --draft
old_draft=$(cat "$T_OUT")
sed -e 's/^,household,1,/,household,2,/' \
    -e 's/Name of the head of household/Full name of the head/' \
    "$E2E_FORMS/household.csv" >"$T_TMP/household-v2.csv"
"$COLLECTOR" --home "$T_HOME" forms add "$T_TMP/household-v2.csv" >/dev/null
printf '30\n2\n\n\n\n\n' |
	"$COLLECTOR" --home "$T_HOME" edit "$old_draft" >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "a draft from the old version resumes after an upgrade"
t_run show "$old_draft" --json
t_is "$(jq -r '.form_version + " " + .state' "$T_OUT")" "1 finalized" \
	"and is finalized with its own version"
t_run fill household --answers "$T_TMP/ok.json"
t_run show "$(cat "$T_OUT")" --json
t_is "$(jq -r .form_version "$T_OUT")" 2 "a new survey uses the new version"
t_done
