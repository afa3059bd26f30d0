#!/usr/bin/env bash
# `collector init` is all or nothing, even under kill -9: killed at a
# random moment, it leaves no store (and a new init works) or a whole one
# (device id, the bundled surveys, the token). Never a store with a schema
# and nothing else, that init refuses to replace. A store being made by a
# process that died is no obstacle either.
#
# INIT_KILLS (default 60) and CRASH_SEED reproduce a run.
. "$(dirname "$0")/lib.sh"

KILLS=${INIT_KILLS:-60}
SEED=${CRASH_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED, $KILLS kills"

# What a whole store holds: "device|forms|token".
whole() {	# home
	local f=$1/collector.db
	printf '%s|%s|%s' \
	    "$(sqlite3 -batch -noheader "$f" "SELECT value FROM settings
		WHERE key = 'device_id'" 2>/dev/null)" \
	    "$(sqlite3 -batch -noheader "$f" "SELECT count(*) FROM forms" \
		2>/dev/null)" \
	    "$(sqlite3 -batch -noheader "$f" "SELECT value FROM settings
		WHERE key = 'token'" 2>/dev/null)"
}

t_home
t0=$(date +%s%N)
"$COLLECTOR" --home "$T_HOME" init --device dev-01 --token tok >/dev/null 2>&1
span=$(( ($(date +%s%N) - t0) / 1000 ))	# microseconds
echo "# one init: $span us"
WANT=$(whole "$T_HOME")
t_is "$WANT" "dev-01|3|tok" "an init that is not killed makes a whole store"

absent=0 complete=0 stuck=0 again=0
for ((i = 1; i <= KILLS; i++)); do
	t_home
	"$COLLECTOR" --home "$T_HOME" init --device dev-01 --token tok \
	    >/dev/null 2>&1 &
	pid=$!
	delay=$(( (RANDOM * 32768 + RANDOM) % (span + span / 5 + 1) ))
	sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ ! -e "$T_HOME/collector.db" ]; then
		absent=$((absent + 1))
		# Run init again: it must work whatever the kill left.
		"$COLLECTOR" --home "$T_HOME" init --device dev-01 \
		    --token tok >/dev/null 2>"$T_ERR"
		if [ $? -eq 0 ] && [ "$(whole "$T_HOME")" = "$WANT" ]; then
			again=$((again + 1))
		else
			echo "# run $i: init after the kill: $(cat "$T_ERR")"
		fi
	elif [ "$(whole "$T_HOME")" = "$WANT" ]; then
		complete=$((complete + 1))
	else
		stuck=$((stuck + 1))
		echo "# run $i: a store that is not whole: $(whole "$T_HOME")"
	fi
	# Nothing of a half-made store stays behind.
	left=$(cd "$T_HOME" 2>/dev/null && ls | grep -v -xE \
	    'collector\.db' | tr '\n' ' ')
	[ -n "$left" ] && echo "# run $i: left behind: $left" &&
	    stuck=$((stuck + 1))
done
echo "# $absent killed before the store was in place, $complete after"
t_is "$stuck" 0 "a killed init leaves no store or a whole one"
t_is "$again" "$absent" "init works again after every kill that left none"
t_check "some kills came early enough to leave no store" \
	test "$absent" -gt 0

# A store left half-made by a process that no longer runs.
t_home
mkdir -p "$T_HOME"
echo junk >"$T_HOME/collector.db.new.2147483646"
echo junk >"$T_HOME/collector.db.new.2147483646-wal"
t_run init --device dev-02
t_is "$T_RC" 0 "a leftover store being made does not block init"
t_is "$(ls "$T_HOME" | tr '\n' ' ')" "collector.db " \
	"and it is removed"

# A second name of the store, left by an init killed between link() and
# unlink() on a file system without RENAME_NOREPLACE: the next open of the
# store removes it, and the store itself is untouched.
t_home
"$COLLECTOR" --home "$T_HOME" init --device dev-06 --token tok >/dev/null
ln "$T_HOME/collector.db" "$T_HOME/collector.db.new.2147483646"
t_run list
t_is "$T_RC:$(ls "$T_HOME" | tr '\n' ' ')" "0:collector.db " \
	"the next command sweeps what a killed init left"
t_is "$(whole "$T_HOME")" "dev-06|3|tok" "and the store is whole"

# Where the file system cannot rename without replacing (no
# RENAME_NOREPLACE) init links the store into place; without hard links
# either (a FAT memory card, Android's shared storage), it renames after a
# last look. Preloaded renameat2() and link() that fail stand in.
cat >"$T_TMP/norename.c" <<'C'
#include <errno.h>
int
renameat2(int fa, const char *a, int fb, const char *b, unsigned int f)
{
	(void)fa; (void)a; (void)fb; (void)b; (void)f;
	errno = EINVAL;
	return -1;
}
C
cat "$T_TMP/norename.c" - >"$T_TMP/nolink.c" <<'C'
int
link(const char *a, const char *b)
{
	(void)a; (void)b;
	errno = EPERM;
	return -1;
}
C
if cc -shared -fPIC -o "$T_TMP/norename.so" "$T_TMP/norename.c" \
    2>/dev/null &&
    cc -shared -fPIC -o "$T_TMP/nolink.so" "$T_TMP/nolink.c" 2>/dev/null; then
	t_home
	LD_PRELOAD=$T_TMP/norename.so ASAN_OPTIONS=verify_asan_link_order=0 \
	    t_run init --device dev-05 --token tok
	t_is "$T_RC:$(whole "$T_HOME")" "0:dev-05|3|tok" \
		"init where renaming without replacing is refused"
	t_is "$(ls "$T_HOME" | tr '\n' ' ')" "collector.db " \
		"and leaves nothing else"
	t_home
	LD_PRELOAD=$T_TMP/nolink.so ASAN_OPTIONS=verify_asan_link_order=0 \
	    t_run init --device dev-03 --token tok
	t_is "$T_RC" 0 "init where hard links are refused"
	t_is "$(whole "$T_HOME")" "dev-03|3|tok" "makes a whole store"
	t_is "$(ls "$T_HOME" | tr '\n' ' ')" "collector.db " \
		"and leaves nothing else"
	LD_PRELOAD=$T_TMP/nolink.so ASAN_OPTIONS=verify_asan_link_order=0 \
	    t_run init --device dev-04
	t_is "$T_RC" 3 "a second init there is refused"
	t_has "$T_ERR" "a store already exists" "saying why"
	t_is "$(whole "$T_HOME")" "dev-03|3|tok" "and the store is untouched"
else
	echo "# no C compiler: the fallbacks are not tested"
fi
t_done
