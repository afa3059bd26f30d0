# tests/e2e/pg-lib.sh: a private PostgreSQL server for the hub's tests.
# Source it (hub-lib.sh does, and tests/run.sh for the e2e-pg pass):
#
#   pg_start || { t_skip "$PG_WHY"; t_done; }  # the server, or why not
#   url=$(pg_db)              # a fresh database: postgresql://... on stdout
#   pg_sql "$url" 'SELECT ...'   # psql -At on that database
#   pg_stop                   # the caller's EXIT trap must call it
#
# The server is Debian's postgresql (initdb, pg_ctl), its data directory
# and Unix socket in a temporary directory, no TCP port at all. PostgreSQL
# refuses to run as root: as root the server runs as `nobody`, who gets
# the directory. pg_stop stops it (hub-lib.sh's trap calls it at exit,
# whatever happened). When HUB_TEST_PG_DIR names a running server's
# directory (tests/run.sh starts one for the whole pass), pg_start uses
# it and pg_stop leaves it to its owner. PG_BIN overrides where the
# server's programs are. The tests' server does not wait for the disk
# (fsync=off: no test crashes the machine under it); PG_FSYNC=on (the
# benches) makes it wait, as a deployed server does.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
    tail -1)}
PG_FSYNC=${PG_FSYNC:-off}
PG_DIR=
PG_WHY=
PG_OWN=0
PG_AS=

pg_as() {	# run a server program as the server's user
	if [ -n "$PG_AS" ]; then
		setpriv --reuid="$PG_AS" --regid="$(id -g "$PG_AS")" \
		    --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ "$PG_OWN" -eq 1 ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w \
		    stop >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

pg_start() {
	local i
	if [ -n "${HUB_TEST_PG_WHY:-}" ]; then
		PG_WHY=$HUB_TEST_PG_WHY
		return 1
	fi
	if [ -n "${HUB_TEST_PG_DIR:-}" ]; then
		PG_DIR=$HUB_TEST_PG_DIR
		pg_psql postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		PG_WHY="no server answers in $PG_DIR"
		PG_DIR=
		return 1
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] ||
	    [ ! -x "$PG_BIN/pg_ctl" ]; then
		PG_WHY="no PostgreSQL server here (initdb, pg_ctl: install\
 Debian's postgresql)"
		return 1
	fi
	if ! command -v psql >/dev/null 2>&1 && [ ! -x "$PG_BIN/psql" ]; then
		PG_WHY="no psql"
		return 1
	fi
	[ "$(id -u)" -eq 0 ] && PG_AS=nobody
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hub-pg.XXXXXX") || {
		PG_WHY="no temporary directory"
		return 1
	}
	PG_OWN=1
	chmod 0755 "$PG_DIR"
	[ -n "$PG_AS" ] && chown "$PG_AS" "$PG_DIR"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U hub -A trust \
	    -E UTF8 --locale=C.UTF-8 -N >"$PG_DIR/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -1 "$PG_DIR/initdb.log")"
		pg_stop
		return 1
	fi
	if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -w -t 30 -o "-k $PG_DIR -c listen_addresses= -c fsync=$PG_FSYNC" \
	    start >/dev/null 2>&1; then
		PG_WHY="the server did not start: $(tail -1 "$PG_DIR/server.log")"
		pg_stop
		return 1
	fi
	for i in $(seq 50); do
		pg_psql postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	PG_WHY="the server does not answer"
	pg_stop
	return 1
}

pg_psql() {	# database psql-args...
	local db=$1
	shift
	PGHOST=$PG_DIR PGUSER=hub psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# A fresh database; its URL on stdout (the socket's directory as host).
pg_db() {
	local name=t$$_$(date +%s%N)
	pg_psql postgres -c "CREATE DATABASE $name" >/dev/null || return 1
	echo "postgresql://hub@/$name?host=$PG_DIR"
}

pg_sql() {	# url sql
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
