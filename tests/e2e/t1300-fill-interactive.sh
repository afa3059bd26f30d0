#!/usr/bin/env bash
# The interactive survey through a pseudo-terminal (tests/e2e/ptyrun.c):
# a whole survey, a refused answer and the same question again, going
# back, help, the review, a draft saved with '!' or Ctrl-D and resumed, a
# kill in the middle, languages.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }

# 1. A whole survey.
t_pty fill household <<'SCRIPT'
expect [1/6]
expect > 
send <
expect this is the first question
expect > 
send ?
expect As in the ID card
expect > 
send Ana Quispe
expect [2/6]
expect > 
send abc
expect 'abc' is not a whole number
expect Age of the head
expect > 
send 7
expect Age must be between 15 and 120
expect Age of the head
expect > 
send <
expect Name of the head
expect current answer: Ana Quispe
expect > 
send
expect Age of the head
expect > 
send 34
expect Are there children? *
expect 1) Yes
expect > 
send 1
expect Add a 'Child'? [y/n]
expect > 
send y
expect Child 1
expect Child's name
expect > 
send Luis
expect Child's age
expect > 
send 30
expect A child is under 18
expect > 
send 5
expect Add another 'Child'? [y/n]
expect > 
send n
expect Services at home
expect 3) Sewer
expect > 
send 1 3
expect Floor area
expect > 
send 12.5
expect Thank you
expect > 
send
expect Review of the answers:
expect 1. Name of the head of household: Ana Quispe
expect Age in months: 408
expect Services at home: Piped water, Sewer
expect > 
send 2
expect Age of the head
expect > 
send 35
expect Review of the answers:
expect 2. Age of the head (years): 35
expect Age in months: 420
expect > 
send
expect Finalized: uuid:
wait
SCRIPT
t_is "$T_RC" 0 "a whole survey through the terminal"
t_has "$T_OUT" "As in the ID card" "? shows the hint"
t_has "$T_OUT" "(this is the first question)" "< on the first question says so"
t_has "$T_OUT" "'abc' is not a whole number" "a mistyped answer is refused"
t_has "$T_OUT" "Age must be between 15 and 120" "the constraint message is shown"
t_check "the refused question is asked again" \
	test "$(grep -c 'Age of the head (years)' "$T_OUT")" -ge 4
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_run show "$id" --json
t_is "$(jq -c .data "$T_OUT")" \
	'{"head":"Ana Quispe","age":35,"age_months":"420","has_kids":"yes","child":[{"child_name":"Luis","child_age":5}],"home":{"services":"water sewer","area":12.5}}' \
	"the stored submission has every answer"
t_is "$(jq -r .state "$T_OUT")" finalized "and is finalized"

# 2. '!' saves a draft; edit goes on after the last answer.
t_pty fill household <<'SCRIPT'
expect Name of the head
expect > 
send Rosa
expect Age of the head
expect > 
send 50
expect Are there children?
expect > 
send !
expect Draft saved: uuid:
wait
SCRIPT
t_is "$T_RC" 0 "'!' saves a draft and quits"
draft=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_has "$T_OUT" "To go on: $COLLECTOR --home $T_HOME edit ${draft:5:13}" \
	"and says how to go on, as the program was typed"
t_is "$(t_sql "SELECT state FROM submissions WHERE instance_id = '$draft'")" draft \
	"the draft is stored"
t_is "$(t_sql "SELECT value FROM answers a JOIN submissions s ON s.id = a.submission WHERE instance_id = '$draft' AND path = 'age'")" \
	50 "with its answers"
t_pty edit "${draft:5:8}" <<'SCRIPT'
expect Are there children?
expect > 
send 2
expect Services at home
expect > 
send
expect Floor area
expect > 
send
expect Thank you
expect > 
send
expect Review of the answers
expect Age of the head (years): 50
expect > 
send
expect Finalized: uuid:
wait
SCRIPT
t_is "$T_RC" 0 "edit resumes the draft at the next question and finalizes it"
t_is "$(t_sql "SELECT state FROM submissions WHERE instance_id = '$draft'")" finalized \
	"the same submission is now finalized"

# 3. Ctrl-D is '!'.
t_pty fill household <<'SCRIPT'
expect Name of the head
expect > 
send Eva
expect Age of the head
expect > 
eof
expect Draft saved
wait
SCRIPT
t_is "$T_RC" 0 "Ctrl-D saves a draft and quits"
d2=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_is "$(t_sql "SELECT value FROM answers a JOIN submissions s ON s.id = a.submission WHERE instance_id = '$d2' AND path = 'head'")" \
	Eva "the answer given before Ctrl-D is kept"

# 4. A kill in the middle: every answer accepted so far is there.
t_pty fill household <<'SCRIPT'
expect Name of the head
expect > 
send Killed Person
expect Age of the head
expect > 
send 61
expect Are there children?
kill
SCRIPT
t_is "$T_RC" 137 "kill -9 in the middle of a survey"
t_run list --state draft --json
d3=$(jq -r '.[-1].instance_id' "$T_OUT")
t_is "$(t_sql "SELECT group_concat(path || '=' || value, ',') FROM (SELECT path, value FROM answers a JOIN submissions s ON s.id = a.submission WHERE instance_id = '$d3' AND path IN ('head', 'age') ORDER BY path)")" \
	"age=61,head=Killed Person" "the answers accepted before the kill are stored"
t_is "$(t_sql 'PRAGMA integrity_check')" ok "the store is intact"
t_pty edit "$d3" <<'SCRIPT'
expect Are there children?
expect > 
send !
expect Draft saved
wait
SCRIPT
t_is "$T_RC" 0 "the killed survey resumes where it stopped"

# 4b. '-' removes a repeat entry added by mistake; later ones move up.
t_pty fill household <<'SCRIPT'
expect Name of the head
expect > 
send Ana
expect Age of the head
expect > 
send 30
expect Are there
expect > 
send 1
expect Add a 'Child'
expect > 
send y
expect Child's name
expect > 
send Mistake
expect Child's age
expect > 
send 1
expect Add another
expect > 
send y
expect Child 2
expect Child's name
expect > 
send Pepe
expect Child's age
expect > 
send 9
expect Add another
expect > 
send <
expect Child's age
expect > 
send <
expect Child's name
expect > 
send <
expect Child 1
expect Child's age
expect > 
send -
expect Remove 'Child' 1 and its answers? [y/n]
expect > 
send y
expect Add another 'Child'
expect > 
send !
expect Draft saved
wait
SCRIPT
t_is "$T_RC" 0 "'-' removes a repeat entry"
d5=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_is "$(t_sql "SELECT group_concat(path || '=' || value, ',') FROM (SELECT path, value FROM answers a JOIN submissions s ON s.id = a.submission WHERE instance_id = '$d5' AND path LIKE 'child%' ORDER BY path)")" \
	"child[1]=,child[1]/child_age=9,child[1]/child_name=Pepe" \
	"the entry is gone from the store and the next one moved up"

# 5. Languages.
t_pty fill household --lang es <<'SCRIPT'
expect Nombre del jefe del hogar
expect > 
send !
wait
SCRIPT
t_is "$T_RC" 0 "--lang es: the form's Spanish labels"
t_pty fill household --lang 'Español (es)' <<'SCRIPT'
expect Nombre del jefe del hogar
expect > 
send !
wait
SCRIPT
t_is "$T_RC" 0 "--lang takes the language's name too"
t_run fill household --lang xx </dev/null
t_is "$T_RC" 2 "an unknown language is a usage error"
t_has "$T_ERR" "'English (en)', 'Español (es)'" "that names the form's languages"
unset LANGUAGE
LANG=C t_pty fill household <<'SCRIPT'
expect Teclas: < atrás
expect > 
send 
expect esta pregunta es obligatoria
expect > 
send !
expect Nada que guardar
wait
SCRIPT
t_is "$T_RC" 0 "the program's words are Spanish by default"
export LANGUAGE=en

# 6. Bad input. libedit only hands over whole characters at a terminal;
# a pipe can carry anything.
printf 'caf\xe9\nAna\n!\n' |
	"$COLLECTOR" --home "$T_HOME" fill household >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "not valid text (UTF-8)" "invalid UTF-8 is refused"
t_check "and the question asked again" \
	test "$(grep -c 'Name of the head' "$T_OUT")" -eq 2
{ head -c 10000000 /dev/zero | tr '\0' a; printf '\nBea\n!\n'; } |
	"$COLLECTOR" --home "$T_HOME" fill household >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "answer too long" "a 10 MB line is refused"
d4=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_is "$(t_sql "SELECT value FROM answers a JOIN submissions s ON s.id = a.submission WHERE instance_id = '$d4' AND path = 'head'")" \
	Bea "and the next line is read normally"
t_done
