#!/usr/bin/env bash
# A save that fails at the prompt (here: the store locked by another
# program for longer than the collector waits, STORE_BUSY_MS) is said, the
# answer is not taken as accepted, Enter tries again, and what the failed
# save was writing is not lost: the draft holds every answer.
. "$(dirname "$0")/lib.sh"

t_store || { echo "Bail out! cannot make a store"; exit 1; }
t_run fill household </dev/null	# the WAL exists before the lock

# Another program holds the write lock for 7 s; the collector waits 5 s.
{ echo "BEGIN IMMEDIATE;"; sleep 7; echo "COMMIT;"; } |
    sqlite3 "$T_HOME/collector.db" &
lock=$!
sleep 0.5
printf '%s\n' Ana '' 30 '!' | t_run fill household
wait "$lock"
cat "$T_OUT" >"$T_TMP/first"
t_is "$T_RC" 0 "the survey goes on after a save that failed"
t_has "$T_OUT" "✗ not saved" "the failed save is said"
t_has "$T_OUT" "locked" "with its reason"
t_has "$T_OUT" "(Enter tries again)" "and what to do"
t_has "$T_OUT" "Draft saved" "Enter saved it once the store was free"
t_is "$(t_sql "SELECT group_concat(path || '=' || value, ';') FROM
    (SELECT path, value FROM answers ORDER BY path)")" \
	"age=30;age_months=360;head=Ana" \
	"the draft holds the answer whose save failed, and the next one"

# The same when the draft already exists. (That a save failing after it
# took the session's changes loses none of them is test_store's
# test_failed_save_kept: a lock fails before.)
t_sql "DELETE FROM answers; DELETE FROM submissions"
{ echo Ana; sleep 1.5; printf '%s\n' 30 '' 1 '!'; } |
    t_run fill household &
fill=$!
sleep 0.7
{ echo "BEGIN IMMEDIATE;"; sleep 7; echo "COMMIT;"; } |
    sqlite3 "$T_HOME/collector.db"
wait "$fill"
t_has "$T_OUT" "✗ not saved" "a save fails after the first one worked"
t_is "$(t_sql "SELECT group_concat(path || '=' || value, ';') FROM
    (SELECT path, value FROM answers ORDER BY path)")" \
	"age=30;age_months=360;has_kids=yes;head=Ana" \
	"the retry wrote the answer whose save failed"
t_done
