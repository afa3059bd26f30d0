#!/usr/bin/env bash
# The commands that only read (list, status, show, export, forms list)
# work on a store where nothing may be written: a read-only directory or
# mount (a memory card locked, a backup). Writes there fail with a clear
# message, and the store is unchanged.
. "$(dirname "$0")/lib.sh"

# Root ignores permissions: a read-only bind mount when we may make one.
read_only() {	# dir
	if [ "$(id -u)" != 0 ]; then
		chmod a-w "$1"
	else
		mount --bind "$1" "$1" 2>/dev/null &&
		    mount -o remount,bind,ro "$1" 2>/dev/null
	fi
}
writable() {	# dir
	umount "$1" 2>/dev/null || chmod u+w "$1"
}

t_store || { echo "Bail out! cannot make a store"; exit 1; }
echo '{"head": "Ana", "age": 40, "has_kids": "no"}' >"$T_TMP/a.json"
id=$("$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/a.json")
sum=$(cat "$T_HOME"/* | sha256sum)
if ! read_only "$T_HOME"; then
	echo "ok $((++T_N)) # SKIP cannot make a read-only mount here"
	t_done
	exit
fi

t_run status
t_is "$T_RC" 0 "status on a read-only store"
t_has "$T_OUT" "dev-01" "shows the device"
t_run list
t_is "$T_RC" 0 "list on a read-only store"
short=${id#uuid:}
t_has "$T_OUT" "${short:0:8}" "shows the survey"
t_run show "$id"
t_is "$T_RC" 0 "show on a read-only store"
t_has "$T_OUT" "Ana" "shows its answers"
t_run export --out "$T_TMP/out.json"
t_is "$T_RC" 0 "export from a read-only store"
t_run forms list
t_is "$T_RC" 0 "forms list on a read-only store"
t_has "$T_OUT" "household" "shows the forms"

t_run fill household --answers "$T_TMP/a.json"
t_is "$T_RC" 3 "fill there: exit 3"
t_has "$T_ERR" "$T_HOME/collector.db: read-only here" \
	"the message says the store is read-only, naming it"
t_has "$T_ERR" "only the commands that read the store work" \
	"and what still works"
t_one_error "on one line"
t_run discard "$id"
t_is "$T_RC" 3 "discard there: exit 3"
writable "$T_HOME"
t_is "$(cat "$T_HOME"/* | sha256sum)" "$sum" "the store is unchanged"
t_is "$(ls "$T_HOME")" collector.db "and nothing was left beside it"

# A log (-wal) left with its index (-shm), as a device pulled out while
# writing leaves them: read through it.
python3 - "$T_HOME/collector.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_autocheckpoint = 0")
c.execute("INSERT OR REPLACE INTO settings VALUES ('hub', "
    "'http://192.0.2.1:8080')")
c.commit()
import os, shutil
d = os.path.dirname(sys.argv[1]) + ".copy"
os.mkdir(d)
for s in ("", "-wal", "-shm"):
    shutil.copy(sys.argv[1] + s, d + "/collector.db" + s)
c.close()
PY
T_HOME=$T_HOME.copy
read_only "$T_HOME"
t_run status
t_is "$T_RC" 0 "a read-only store with its log"
t_has "$T_OUT" "http://192.0.2.1:8080" "reads what is only in the log"
writable "$T_HOME"
rm "$T_HOME/collector.db-shm"
read_only "$T_HOME"
t_run status
t_is "$T_RC" 3 "a log without its index where nothing may be written"
t_has "$T_ERR" "its log (-wal) holds changes that cannot be read" \
	"is refused with a message, not a bare SQLite error"
writable "$T_HOME"
t_done
