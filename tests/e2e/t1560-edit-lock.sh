#!/usr/bin/env bash
# One edit session per survey: a second `edit` of the same draft (or of
# a finalized survey being corrected) is refused at its start, naming the
# first process (pid, since when), and nothing is changed; so is a
# discard of it. A session
# killed with kill -9 leaves no hold that blocks the next one.
. "$(dirname "$0")/lib.sh"

t_store
echo '{"head": "Ana"}' >"$T_TMP/some.json"
id=$("$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/some.json" \
    --draft 2>/dev/null)
t_check "a draft to edit" test -n "$id"

# The first session, at the terminal, waits at its first question.
first() {	# script on stdin; output in $T_TMP/first.out
	cat >"$T_TMP/first.script"
	# (a job in the background reads /dev/null unless told otherwise)
	"$PTYRUN" -t 30 "$COLLECTOR" --home "$T_HOME" edit "$id" \
	    <"$T_TMP/first.script" >"$T_TMP/first.out" 2>&1 &
	FIRST=$!
}
until_held() {	# wait for the first session's hold
	local i
	for i in $(seq 100); do
		ls "$T_HOME"/edit-*.lock >/dev/null 2>&1 &&
		    grep -q "Age" "$T_TMP/first.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

first <<'SCRIPT'
expect Age
usleep 3000000
send !
wait
SCRIPT
t_check "the first edit session starts" until_held
pid=$(cut -d' ' -f1 "$T_HOME"/edit-*.lock)
before=$(t_sql "SELECT count(*) || '/' || group_concat(value) FROM answers")
T_PTY_TIMEOUT=10 t_pty edit "$id" <<'SCRIPT'
wait
SCRIPT
t_is "$T_RC" 3 "a second edit of the same draft is refused: exit 3"
t_has "$T_OUT" "survey $id is being edited by process $pid, since " \
	"naming the other process and since when"
t_lacks "$T_OUT" "Age of the head" "before any question is asked"
t_run discard "$id"
t_is "$T_RC" 3 "discard of the draft being edited is refused too"
t_has "$T_ERR" "is being edited by process $pid" "naming the session"
wait "$FIRST"
t_is "$?" 0 "the first session goes on and saves"
t_is "$(t_sql "SELECT count(*) || '/' || group_concat(value) FROM answers")" \
	"$before" "the second changed nothing"
t_is "$(ls "$T_HOME" | grep -c '\.lock$')" 0 "the hold goes with the session"

# kill -9: the hold it leaves does not block.
first <<'SCRIPT'
expect Age
kill
SCRIPT
wait "$FIRST"
t_run edit "$id" <<<'!'
t_is "$T_RC" 0 "after a kill -9, the next edit starts"
t_lacks "$T_ERR" "being edited" "without a word of the dead one"

t_run discard "$id"
t_is "$T_RC" 0 "with no session open, discard works"

# A finalized survey being corrected: a second correction is refused too.
echo '{"head": "Ana", "age": 40, "has_kids": "no"}' >"$T_TMP/all.json"
fin=$("$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/all.json")
id=$fin
first <<'SCRIPT'
expect Review
usleep 3000000
send !
wait
SCRIPT
for i in $(seq 100); do
	grep -q "Review" "$T_TMP/first.out" 2>/dev/null && break
	sleep 0.1
done
t_run edit "$fin" <<<'!'
t_is "$T_RC" 3 "a second correction of a finalized survey is refused"
t_has "$T_ERR" "is being edited by process" "naming the other one"
wait "$FIRST"
t_check "never two revisions of it" test "$(t_sql "SELECT count(*)
    FROM submissions WHERE deprecated_id = '$fin'")" -le 1
t_done
