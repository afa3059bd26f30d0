#!/usr/bin/env bash
# Issue 10, item 1: an answer whose question turns non-relevant at the
# review (or during a draft) is kept, hidden, and comes back when the
# question applies again, as in ODK Collect; a kill -9 keeps it too. Only
# the finalized survey leaves it out.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }
# The value at path in the newest submission.
newest() {
	t_sql "SELECT value FROM answers WHERE path = '$1' AND submission =
	    (SELECT max(id) FROM submissions)"
}

# A whole survey, finalized.
t_pty fill anemia <<'SCRIPT'
expect > 
send 1
expect > 
send Pampa
expect > 
send 030401-0001
expect > 
send 01/06/2025
expect > 
send 1
expect > 
send 01/01/2020
expect > 
send 3500
expect > 
send 1
expect > 
send 10.5
expect Resultado
expect > 
send
expect Review of the answers
expect > 
send
expect Finalized
wait
SCRIPT
t_is "$(newest hb_measured)" 10.5 "the haemoglobin is stored"
id=$(t_sql "SELECT instance_id FROM submissions")

# Corrected at the review: a visit date before the birth date makes the
# age negative and the haemoglobin question non-relevant; kill -9 then.
t_pty edit "${id:5:8}" <<'SCRIPT'
expect Review of the answers
expect > 
send 4
expect > 
send 01/01/2019
expect Review of the answers
expect > 
kill
SCRIPT
t_is "$(newest visit_date)" 2019-01-01 "the new visit date is stored"
t_is "$(newest hb_measured)" 10.5 \
	"the haemoglobin, non-relevant at the review, killed: still stored"
sed -n '/^> 01\/01\/2019/,$p' "$T_OUT" >"$T_TMP/after"
t_lacks "$T_TMP/after" "Hemoglobina medida (g/dL): 10.5" \
	"and hidden from the review while it does not apply"
rev=$(t_sql "SELECT instance_id FROM submissions WHERE state = 'draft'")
t_run show "${rev:5:8}" --json
t_lacks "$T_OUT" '"hb_measured"' "and left out of the draft's JSON"

# The date put back: the answer is there again, and its result. Then a
# birth date under 6 months (so measured and weighed: the growth questions
# apply), finalized: the finalized survey leaves the haemoglobin out.
t_pty edit "${id:5:8}" <<'SCRIPT'
expect Review of the answers
expect > 
send 4
expect > 
send 01/06/2025
expect Review of the answers
expect > 
send 6
expect > 
send 01/03/2025
expect Review of the answers
expect > 
send 7
expect > 
send 1
expect Review of the answers
expect > 
send 8
expect > 
send 60.0
expect Review of the answers
expect > 
send 9
expect > 
send 2
expect Review of the answers
expect > 
send 10
expect > 
send 6.0
expect Review of the answers
expect > 
send
expect Finalized
wait
SCRIPT
t_has "$T_OUT" "Hemoglobina medida (g/dL): 10.5" \
	"the date put back: the haemoglobin is back at the review"
t_has "$T_OUT" "Hemoglobina ajustada (g/dL): 8" "and its result"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'finalized'")" \
	2 "the revision is finalized"
t_is "$(newest hb_measured)" "" \
	"its store leaves out the answer that did not apply"
t_run show "${rev:5:8}" --json
t_lacks "$T_OUT" '"hb_measured"' "and so does its JSON"

t_done
