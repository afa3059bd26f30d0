#!/usr/bin/env bash
# What goes wrong around the store: not a database, damaged, a full disk,
# a read-only directory; and usage errors. Each: one clear line naming the
# file, the right exit code, nothing half-written.
. "$(dirname "$0")/lib.sh"

# Not a database at all.
t_home
mkdir -p "$T_HOME"
echo "these are not the bytes of a database, not even close to it" \
	>"$T_HOME/collector.db"
t_run list
t_is "$T_RC" 3 "a file that is not a database: exit 3"
t_has "$T_ERR" "$T_HOME/collector.db" "the message names the file"
t_one_error "on one line"

# A database damaged in the middle.
t_store || { echo "Bail out! cannot make a store"; exit 1; }
echo '{"head": "Ana", "age": 30, "has_kids": "no"}' >"$T_TMP/a.json"
"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/a.json" >/dev/null
t_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$T_HOME/collector.db" "$T_TMP/good.db"
size=$(stat -c %s "$T_HOME/collector.db")
# Scribble over the second half of the file, page headers included.
head -c $((size / 2)) /dev/urandom |
	dd of="$T_HOME/collector.db" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
t_run list
t_is "$T_RC" 3 "a damaged store: exit 3"
t_has "$T_ERR" "$T_HOME/collector.db" "the message names the file"
t_one_error "on one line"

# A full disk: files may not grow (SIGXFSZ ignored, so write() fails).
t_store || { echo "Bail out! cannot make a store"; exit 1; }
"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/a.json" >/dev/null
before=$(t_sql "SELECT count(*) || ' ' || (SELECT count(*) FROM answers) FROM submissions")
big=$(head -c 60000 /dev/zero | tr '\0' x)
printf '{"head": "%s", "age": 30, "has_kids": "no"}' "$big" >"$T_TMP/big.json"
# The log (-wal) and its index (-shm) may grow by 8 KB at most; the log is
# emptied first so that the 60 KB answer cannot fit in space it already
# has. (The store itself is not written while a transaction runs in WAL
# mode, and may be larger than the limit: the bundled surveys' attachments
# make it so.)
fit() {
	t_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	# (the index is made again, 32 KB, when the last close removed it)
	size=$(du -b "$T_HOME"/collector.db-wal "$T_HOME"/collector.db-shm \
	    2>/dev/null | sort -n | tail -1 | cut -f1)
	[ "${size:-0}" -ge 32768 ] || size=32768
	limit=$(( size / 1024 + 8 ))
}
fit
(
	trap '' XFSZ
	ulimit -f "$limit"
	"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/big.json"
) >"$T_OUT" 2>"$T_ERR"
T_RC=$?
t_is "$T_RC" 3 "a full disk: exit 3"
t_has "$T_ERR" "$T_HOME/collector.db" "the message names the store"
t_one_error "on one line"
t_is "$(t_sql "SELECT count(*) || ' ' || (SELECT count(*) FROM answers) FROM submissions")" \
	"$before" "the store is unchanged"
t_is "$(t_sql 'PRAGMA integrity_check')" ok "and intact"
# At the terminal each answer is its own small transaction: let the log
# grow to 40 KB only (the 32 KB shared-memory file must still fit; the
# database file is only read), so the 60 KB answer cannot be written.
t_sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
(
	trap '' XFSZ
	ulimit -f 40
	printf '%s\n' "$big" | "$COLLECTOR" --home "$T_HOME" fill household
) >"$T_OUT" 2>"$T_ERR"
T_RC=$?
t_is "$T_RC" 3 "a full disk while filling at the terminal: exit 3"
t_is "$(t_sql "SELECT count(*) || ' ' || (SELECT count(*) FROM answers) FROM submissions")" \
	"$before" "nothing half-written"

# A read-only directory. Root ignores permissions, so a read-only bind
# mount when we may make one; otherwise the test is skipped.
t_store || { echo "Bail out! cannot make a store"; exit 1; }
"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/a.json" >/dev/null
before=$(t_sql "SELECT count(*) FROM submissions")
if [ "$(id -u)" != 0 ]; then
	chmod a-w "$T_HOME"
	ro=1
elif mount --bind "$T_HOME" "$T_HOME" 2>/dev/null &&
    mount -o remount,bind,ro "$T_HOME" 2>/dev/null; then
	ro=1
else
	ro=0
fi
if [ "$ro" = 1 ]; then
	t_run fill household --answers "$T_TMP/a.json"
	t_is "$T_RC" 3 "a read-only directory: exit 3"
	t_has "$T_ERR" "$T_HOME" "the message names the place"
	t_one_error "on one line"
	umount "$T_HOME" 2>/dev/null || chmod u+w "$T_HOME"
	t_is "$(t_sql "SELECT count(*) FROM submissions")" "$before" \
		"the store is unchanged"
else
	echo "ok $((++T_N)) # SKIP cannot make a read-only mount here"
fi
t_run init --device x
t_is "$T_RC" 3 "init on an existing store: exit 3"

# Usage errors: exit 2, one line.
t_run fill
t_is "$T_RC" 2 "fill without a form: exit 2"
t_one_error "on one line"
t_run fill household --draft
t_is "$T_RC" 2 "--draft without --answers: exit 2"
t_run list --bogus
t_is "$T_RC" 2 "an unknown option: exit 2"
t_has "$T_ERR" "'--bogus'" "named"
t_run show a b
t_is "$T_RC" 2 "show with two ids: exit 2"
t_run --home
t_is "$T_RC" 2 "--home without a directory: exit 2"

# Out of memory is an environment error (exit 3), never a usage error
# (exit 2): no command reports it through cmd_usage_error. (Checked in
# the source: running out of memory on purpose is not reliable here.)
t_is "$(grep -n 'cmd_usage_error(.*out of memory' "$TOP"/collector/*.c)" "" \
	"out of memory is never reported as a usage error"

# One ceiling for an --answers file, the session's (8 MB): a bigger one
# is refused while it is read, with that figure, never read whole first.
head -c 17000000 /dev/zero | tr '\0' ' ' >"$T_TMP/huge.json"
t_run fill household --answers "$T_TMP/huge.json"
t_is "$T_RC" 1 "an --answers file past the ceiling: exit 1"
t_has "$T_ERR" "$T_TMP/huge.json" "named"
t_has "$T_ERR" "larger than 8388608 bytes" "refused at the one ceiling, 8 MB"
rm -f "$T_TMP/huge.json"

# A stored answer the form does not have (a store changed by hand): the
# draft still opens, and the answer left out is named, not dropped in
# silence.
t_store || { echo "Bail out! cannot make a store"; exit 1; }
echo '{"head": "Ana"}' | "$COLLECTOR" --home "$T_HOME" fill household \
    --answers - --draft >"$T_TMP/id" 2>/dev/null
t_sql "INSERT INTO answers VALUES (1, 'nosuch', 'x', 99),
    (1, 'nosuch2', 'y', 100)"
t_run show "$(cat "$T_TMP/id")"
t_is "$T_RC" 0 "a draft with an answer the form lacks still shows"
t_has "$T_OUT" "Name of the head of household: Ana" "with its other answers"
t_has "$T_ERR" "warning: no question at 'nosuch' (2 stored answers left out)" \
	"and a warning names the first one left out and the count"
t_one_error "on one line"
t_done
