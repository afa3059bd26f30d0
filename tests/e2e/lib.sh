# tests/e2e/lib.sh: what the end-to-end scripts share. Source it first:
#
#   . "$(dirname "$0")/lib.sh"
#   t_home                          # a fresh, empty home (removed at exit)
#   t_run init --device d1          # collector --home $T_HOME ...; sets
#                                   # T_RC, and files $T_OUT and $T_ERR
#   t_is "$T_RC" 0 "init succeeds"  # TAP: ok N - ... / not ok N - ...
#   t_has "$T_OUT" "created" "init says so"
#   t_skip "no chromium here"       # TAP: ok N # SKIP ...
#   t_pty fill anemia <<'SCRIPT'    # through a pseudo-terminal (ptyrun
#   expect > ...                    # script on stdin); sets T_RC, $T_OUT
#   SCRIPT
#   t_done                          # the plan line and the exit status
#
# The binaries come from tests/run.sh ($COLLECTOR, $BUILD); run alone,
# `bash tests/e2e/t1000-init.sh` works from the top of the tree too.
# The program's words are in English here (LANGUAGE=en) unless a test
# asks for Spanish; the clock is the real one unless COLLECTOR_NOW is set.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
COLLECTOR=${COLLECTOR:-$TOP/bin/collector}
PTYRUN=${PTYRUN:-$TOP/$BUILD/tests/ptyrun}
E2E_FORMS=$TOP/tests/e2e/forms
export LANGUAGE=en LANG=C.UTF-8 TERM=xterm
unset LC_ALL LC_MESSAGES COLLECTOR_HOME XDG_DATA_HOME
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/collector-e2e.XXXXXX")
T_OUT=$T_TMP/out
T_ERR=$T_TMP/err
T_RC=0
T_HOME=
trap 't_cleanup' EXIT

t_cleanup() {
	# A read-only bind mount a test made must go before the files.
	for m in $(awk -v d="$T_TMP" 'index($2, d) == 1 { print $2 }' \
	    /proc/mounts 2>/dev/null | sort -r); do
		umount "$m" 2>/dev/null
	done
	rm -rf "$T_TMP"
}

# A fresh home directory (not created: `init` makes it). Sets T_HOME.
t_home() {
	T_HOME=$T_TMP/home.$((++T_HOMES))
}
T_HOMES=0

# A store with a device id and test forms installed: the ones named
# (file names in tests/e2e/forms), else household.csv.
t_store() {
	t_home
	"$COLLECTOR" --home "$T_HOME" init --device dev-01 \
	    --promoter "Ana Quispe" >/dev/null 2>&1 || return 1
	local f
	for f in "${@:-household.csv}"; do
		"$COLLECTOR" --home "$T_HOME" forms add "$E2E_FORMS/$f" \
		    >/dev/null 2>&1 || return 1
	done
}

# collector --home $T_HOME ARGS...; stdin is the caller's.
t_run() {
	"$COLLECTOR" --home "$T_HOME" "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

# collector through a pseudo-terminal, a ptyrun script on stdin. The
# transcript (with \r) is $T_OUT; ptyrun's own complaints are in $T_ERR.
t_pty() {
	"$PTYRUN" -t "${T_PTY_TIMEOUT:-10}" "$COLLECTOR" --home "$T_HOME" \
	    "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

t_ok() {	# description: a passing test
	echo "ok $((++T_N)) - $1"
}

t_skip() {	# description: a test that cannot run here (counted as
		# skipped by tests/run.sh, never as passed)
	echo "ok $((++T_N)) # SKIP $1"
}

t_fail() {	# description [details...]: a failing test
	echo "not ok $((++T_N)) - $1"
	T_FAILED=$((T_FAILED + 1))
	shift
	local l
	for l in "$@"; do
		echo "# $l"
	done
	if [ -s "$T_ERR" ]; then
		sed 's/^/# stderr: /' "$T_ERR" | head -20
	fi
}

t_is() {	# got want description
	if [ "$1" = "$2" ]; then
		t_ok "$3"
	else
		t_fail "$3" "got:  '$1'" "want: '$2'"
	fi
}

t_has() {	# file text description: the file holds text (fixed string)
	if grep -qF -- "$2" "$1"; then
		t_ok "$3"
	else
		t_fail "$3" "'$2' not in:" "$(head -c 2000 "$1" | tr -d '\r')"
	fi
}

t_lacks() {	# file text description
	if grep -qF -- "$2" "$1"; then
		t_fail "$3" "'$2' should not be in $1"
	else
		t_ok "$3"
	fi
}

t_check() {	# description command...: ok when the command succeeds
	local d=$1
	shift
	if "$@"; then
		t_ok "$d"
	else
		t_fail "$d" "failed: $*"
	fi
}

# The one-line error rule of CONTRACT.md: stderr is non-empty, every line
# starts with "collector: ".
t_one_error() {	# description
	if [ -s "$T_ERR" ] && ! grep -qv '^collector: ' "$T_ERR"; then
		t_ok "$1"
	else
		t_fail "$1" "stderr: $(cat "$T_ERR")"
	fi
}

# SQL on the store (read-only use in tests).
t_sql() {
	sqlite3 -batch -noheader "$T_HOME/collector.db" "$@"
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}
