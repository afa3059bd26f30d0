#!/usr/bin/env bash
# Issue 10, items 2, 16 and 17: how an interactive survey ends when it is
# not by '!'. Ctrl-C keeps the draft and says what '!' says, with a
# command that works typed as shown; SIGTERM and SIGHUP end the collector
# alone (libedit's own handler killed the whole process group: the
# promoter's shell); a file-size limit (SIGXFSZ) is a full disk.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }

# Ctrl-C in the middle of a line.
t_pty fill household <<'SCRIPT'
expect > 
send Ana
expect [2/
expect > 
type 4
usleep 200000
type \x03
wait
SCRIPT
t_is "$T_RC" 130 "Ctrl-C: the collector ends of SIGINT"
t_has "$T_OUT" "Draft saved: uuid:" "and says the draft is saved"
tr -d '\r' <"$T_OUT" >"$T_TMP/plain"
t_check "on a fresh line, not after the half-typed answer" \
	grep -q '^Draft saved: uuid:' "$T_TMP/plain"
line=$(sed -n 's/^To go on: //p' "$T_TMP/plain")
t_is "${line% edit *}" "$COLLECTOR --home $T_HOME" \
	"the command to go on is the program as typed, with --home"
t_is "$(t_sql "SELECT value FROM answers WHERE path = 'head'")" Ana \
	"the accepted answer is kept"

# That command, typed as shown, goes on with the draft.
sh -c "$line" </dev/null >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "the command printed works as typed"
t_has "$T_OUT" "Age of the head" "and goes on with the draft"

# The same words when the program is run by another name and store.
mkdir -p "$T_TMP/b" && ln -s "$COLLECTOR" "$T_TMP/b/col"
(cd "$T_TMP" && printf '!\n' | b/col --home "${T_HOME#$T_TMP/}" edit \
    "$(t_sql "SELECT substr(instance_id, 6, 8) FROM submissions")") \
    >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "To go on: b/col --home home.1 edit" \
	"'!' names the program as typed (b/col), relative --home too"
# The store named by $COLLECTOR_HOME (as make run does for the demo): the
# person's own shell does not have it, so the hint says --home.
(cd "$T_TMP" && printf '!\n' | COLLECTOR_HOME=$T_HOME b/col edit \
    "$(t_sql "SELECT substr(instance_id, 6, 8) FROM submissions")") \
    >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "To go on: b/col --home $T_HOME edit" \
	"'!' names the store of \$COLLECTOR_HOME with --home"
t_sql "DELETE FROM answers; DELETE FROM submissions"

# SIGTERM and SIGHUP: the collector ends, its shell goes on. The inner
# sh execs the collector after writing its pid: the outer sh is in the
# same process group, as a promoter's launcher would be.
for sig in TERM HUP; do
	rm -f "$T_TMP/pid"
	"$PTYRUN" -t 15 sh -c "sh -c 'echo \$\$ >$T_TMP/pid; exec \"\$0\" \
	    --home \"\$1\" fill household' '$COLLECTOR' '$T_HOME'; \
	    echo \"shell goes on: \$?\"" >"$T_OUT" 2>"$T_ERR" <<'SCRIPT' &
expect > 
send Eva
expect [2/
expect > 
usleep 3000000
expect shell goes on
wait
SCRIPT
	ptypid=$!
	for i in $(seq 50); do
		[ "$(t_sql "SELECT count(*) FROM answers WHERE path = 'head'" \
		    2>/dev/null)" = 1 ] && [ -s "$T_TMP/pid" ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -"$sig" "$(cat "$T_TMP/pid")"
	wait "$ptypid"
	want=$((128 + $(kill -l "$sig")))
	t_has "$T_OUT" "shell goes on: $want" \
		"SIG$sig: the collector dies of it, the shell that ran it lives"
	t_has "$T_OUT" "Draft saved: uuid:" "SIG$sig: the draft is saved, said"
	t_is "$(t_sql "SELECT value FROM answers WHERE path = 'head'")" Eva \
		"SIG$sig: the answer is kept"
	t_sql "DELETE FROM answers; DELETE FROM submissions"
done

# A file-size limit: the write fails, as on a full disk.
echo '{"head": "Ana", "age": 30, "has_kids": "no"}' >"$T_TMP/a.json"
before=$(t_sql "SELECT count(*) FROM submissions")
(ulimit -f 4; exec "$COLLECTOR" --home "$T_HOME" fill household \
    --answers "$T_TMP/a.json") >"$T_OUT" 2>"$T_ERR"
rc=$?
t_is "$rc" 3 "over the file-size limit: exit 3, not killed by SIGXFSZ"
t_has "$T_ERR" "disk" "the message says what to look at (the disk)"
t_is "$(t_sql "SELECT count(*) FROM submissions")" "$before" \
	"the store unchanged"
t_check "and sound" test "$(t_sql "PRAGMA integrity_check")" = ok

t_done
