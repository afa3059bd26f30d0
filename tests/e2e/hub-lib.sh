# tests/e2e/hub-lib.sh: what the hub's end-to-end scripts share, on top of
# lib.sh (sourced here first):
#
#   h_init                        # a fresh hub store in $T_HOME
#   h_run device list --json      # hub --home $T_HOME ...; T_RC, T_OUT,
#                                 # T_ERR as t_run
#   h_token dev-01                # enrol a device; its token on stdout
#   h_gen dev-01 N [SEED]         # N valid anaemia submission lines
#   h_pack dev-01 [--count N]     # a batch file of the lines on stdin
#   h_serve [ARGS...]             # hub serve on a free port: H_URL, H_PID
#                                 # (killed at exit, even on failure)
#   h_post TOKEN FILE [CURL...]   # upload a batch: body in $T_OUT, the
#                                 # status in H_STATUS
#   h_sql 'SELECT ...'            # SQL on the hub's store
#   h_sqlite && t_is ...          # only on the SQLite store
#
# HUB_TEST_DB=pg runs the same scripts on PostgreSQL (tests/run.sh's
# e2e-pg pass): each fresh home (t_home, h_init) comes with a fresh
# database of a private server (pg-lib.sh) in HUB_DB, exported, which
# every hub command then uses in place of the store in $T_HOME; h_sql
# asks that database. Without a server the whole script is one
# "ok 1 # SKIP why". h_sqlite tells which store a script runs on.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"
HUB=${HUB:-$TOP/bin/hub}
unset HUB_HOME HUB_DB
H_BATCH="$TOP/tests/e2e/hub-batch.py"
H_PIDS=
H_URL=
H_PID=
H_STATUS=
trap 'h_cleanup' EXIT

h_cleanup() {
	local p
	for p in $H_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	pg_stop
	t_cleanup
}

if [ "${HUB_TEST_DB:-sqlite}" = pg ] && ! pg_start; then
	echo "ok 1 # SKIP PostgreSQL: $PG_WHY"
	echo "1..1"
	exit 0
fi

# Whether the store is SQLite (a file in $T_HOME): what only the file
# has is checked only then.
h_sqlite() {
	[ "${HUB_TEST_DB:-sqlite}" != pg ]
}

if ! h_sqlite; then
	# A fresh home is a fresh database too.
	eval "t_home_dir() $(declare -f t_home | sed 1d)"
	t_home() {
		t_home_dir
		HUB_DB=$(pg_db) || return 1
		export HUB_DB
	}
fi

h_run() {
	"$HUB" --home "$T_HOME" "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

h_init() {
	t_home
	"$HUB" --home "$T_HOME" init >/dev/null 2>&1
}

h_token() {
	"$HUB" --home "$T_HOME" device add "$@" | tail -1
}

h_gen() {	# device n [seed]
	python3 "$H_BATCH" gen --device "$1" -n "$2" ${3:+--seed "$3"}
}

h_pack() {	# device [--count N]
	local d=$1
	shift
	python3 "$H_BATCH" pack --device "$d" "$@"
}

# The one-line error rule of CONTRACT.md for the hub.
h_one_error() {	# description
	if [ -s "$T_ERR" ] && ! grep -qv '^hub: ' "$T_ERR"; then
		t_ok "$1"
	else
		t_fail "$1" "stderr: $(cat "$T_ERR")"
	fi
}

# On PostgreSQL, "PRAGMA integrity_check" asks what the SQLite check
# would show of a store damaged by a kill: every submission readable and
# none twice.
h_sql() {
	if h_sqlite; then
		sqlite3 -batch -noheader "$T_HOME/hub.db" "$@"
	elif [ "$*" = "PRAGMA integrity_check" ]; then
		pg_sql "$HUB_DB" "SELECT CASE WHEN count(*) =
		    count(DISTINCT instance_id) AND sum(length(line)) >= 0
		    THEN 'ok' ELSE 'twice' END FROM submissions"
	else
		pg_sql "$HUB_DB" "$@"
	fi
}

# Every byte the store keeps, to look for what it must not keep.
h_dump() {
	if h_sqlite; then
		cat "$T_HOME"/hub.db*
	else
		pg_dump -d "$HUB_DB"
	fi
}

# The database's name as the hub's messages give it.
pg_name() {
	echo "${HUB_DB#postgresql://hub@/}" | sed 's/?host=/ on /'
}

# hub serve on 127.0.0.1, a port the kernel picks; waits for its
# "listening" line. The log is $T_TMP/serve.log.
h_serve() {
	local i port re='s|.*listening on https\{0,1\}://[^ ]*:\([0-9]*\)$|\1|p'
	: >"$T_TMP/serve.log"
	"$HUB" --home "$T_HOME" serve --listen 127.0.0.1:0 "$@" \
	    >>"$T_TMP/serve.log" 2>&1 &
	H_PID=$!
	H_PIDS="$H_PIDS $H_PID"
	for i in $(seq 100); do
		port=$(sed -n "$re" "$T_TMP/serve.log" | head -1)
		[ -n "$port" ] && break
		kill -0 "$H_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		echo "# hub serve did not start:"
		sed 's/^/# /' "$T_TMP/serve.log"
		return 1
	fi
	H_PORT=$port
	H_URL=http://127.0.0.1:$port
	case " $* " in *" --tls-cert "*) H_URL=https://127.0.0.1:$port ;; esac
	return 0
}

h_stop() {
	kill "$H_PID" 2>/dev/null
	wait "$H_PID" 2>/dev/null
}

# POST a batch file as a device does; H_CT and H_CE, when set, replace
# its Content-Type and Content-Encoding. Extra arguments go to curl.
h_post() {	# token file [curl args...]
	local tok=$1 file=$2
	shift 2
	H_STATUS=$(curl -s -o "$T_OUT" -w '%{http_code}' --max-time 60 \
	    -H "Authorization: Bearer $tok" \
	    -H "Content-Type: ${H_CT:-application/x-ndjson}" \
	    -H "Content-Encoding: ${H_CE:-gzip}" --data-binary @"$file" "$@" \
	    "$H_URL/api/v1/batches")
}
