# tests/tools/synclib.sh: what the sync tests (tests/e2e/t2*.sh) and the
# sync bench (tests/bench/sync.sh) share: a hub on 127.0.0.1, fault
# proxies in front of it, and the proxies' byte counts. Source it after
# setting TOP, BUILD and a scratch directory SYNC_TMP:
#
#   sync_hub_init HOME              hub init; the bundled anaemia survey
#                                   published (hub init may do it already)
#   tok=$(sync_device_add HOME ID)  enrols a device; its token
#   sync_hub_start HOME             hub serve on a free port: SYNC_HUB_PID,
#                                   SYNC_HUB_PORT, $SYNC_TMP/hub.log
#   sync_proxy_start NAME ARGS...   faultproxy to the hub (or --to given):
#                                   SYNC_PROXY_PID, SYNC_PROXY_PORT, stats
#                                   in $SYNC_TMP/NAME.stats
#   sync_stat NAME KEY              a figure from NAME's stats, once no
#                                   connection is open
#   sync_stop PID                   TERM, then KILL after 5 s; waits
#   sync_kill9 PID                  kill -9 (a crash); waits, forgets it
#   sync_cleanup                    stops everything started here (put it
#                                   in the EXIT trap)
#
# Works under set -e (the bench) as under set -u (the tests).
# Every process started is remembered by its pid and stopped by it, and
# the proxies exit by themselves after --max-seconds, so a test that dies
# leaves nothing behind.
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
HUB=${HUB:-$TOP/bin/hub}
COLLECTOR=${COLLECTOR:-$TOP/bin/collector}
FAULTPROXY=${FAULTPROXY:-$TOP/$BUILD/tests/faultproxy}
SYNC_PIDS=()

# A TCP port nobody listens on now (the kernel's choice).
sync_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Wait until FILE exists and is not empty (SECONDS, default 10).
sync_wait_file() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "synclib: '$1' did not appear" >&2
	return 1
}

# Gone, or a zombie waiting for our wait (kill -0 still succeeds on it).
sync_gone() {
	local s
	s=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = Z ]
}

sync_stop() {
	local pid=$1 i
	if kill -TERM "$pid" 2>/dev/null; then
		for ((i = 0; i < 100; i++)); do
			sync_gone "$pid" && break
			sleep 0.05
		done
	fi
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	sync_forget "$pid"
	return 0
}

# Forget a pid that is gone, so that cleanup never signals a stranger
# that was given the number since.
sync_forget() {
	local p keep=()
	for p in "${SYNC_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	SYNC_PIDS=("${keep[@]}")
}

sync_kill9() {
	kill -KILL "$1" 2>/dev/null || return 1
	wait "$1" 2>/dev/null || true
	sync_forget "$1"
	return 0
}

sync_cleanup() {
	local pid
	for pid in "${SYNC_PIDS[@]}"; do
		sync_stop "$pid"
	done
	SYNC_PIDS=()
}

sync_hub_init() {
	local home=$1
	"$HUB" --home "$home" init >/dev/null || return 1
	if ! "$HUB" --home "$home" forms list --json 2>/dev/null |
	    grep -q '"anemia"'; then
		"$HUB" --home "$home" forms publish \
		    "$TOP/forms/surveys/anemia.csv" >/dev/null || return 1
	fi
}

# The token alone on the last line of `hub device add` (CONTRACT.md).
sync_device_add() {
	"$HUB" --home "$1" device add "$2" | tail -n 1
}

# Ready when the ping answers (curl, straight to the hub).
sync_hub_wait() {
	local port=$1 i
	for ((i = 0; i < 200; i++)); do
		curl -sf -m 1 "http://127.0.0.1:$port/api/v1/ping" \
		    >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "synclib: the hub on port $port does not answer" >&2
	return 1
}

# hub serve in the background; the same port again with SYNC_HUB_PORT set
# (a restart after kill -9).
sync_hub_start() {
	local home=$1 port=${2:-}
	[ -n "$port" ] || port=$(sync_free_port)
	"$HUB" --home "$home" serve --listen "127.0.0.1:$port" \
	    >>"$SYNC_TMP/hub.log" 2>&1 &
	SYNC_HUB_PID=$!
	SYNC_HUB_PORT=$port
	SYNC_PIDS+=("$SYNC_HUB_PID")
	sync_hub_wait "$port"
}

# sync_proxy_start NAME [--to HOST:PORT] [faultproxy options...]
sync_proxy_start() {
	local name=$1 to="127.0.0.1:${SYNC_HUB_PORT:-0}"
	shift
	if [ "${1:-}" = --to ]; then
		to=$2
		shift 2
	fi
	rm -f "$SYNC_TMP/$name.port" "$SYNC_TMP/$name.stats"
	"$FAULTPROXY" --listen "${SYNC_PROXY_LISTEN:-127.0.0.1:0}" \
	    --to "$to" --port-file "$SYNC_TMP/$name.port" \
	    --stats "$SYNC_TMP/$name.stats" --max-seconds 900 "$@" \
	    >/dev/null 2>>"$SYNC_TMP/$name.log" &
	SYNC_PROXY_PID=$!
	SYNC_PIDS+=("$SYNC_PROXY_PID")
	sync_wait_file "$SYNC_TMP/$name.port" || return 1
	SYNC_PROXY_PORT=$(cat "$SYNC_TMP/$name.port")
	sync_wait_file "$SYNC_TMP/$name.stats"
}

# One figure of a proxy's stats once its connections are closed (the
# client closes its own when it exits; the proxy writes the file after
# every change).
sync_stat() {
	local f=$SYNC_TMP/$1.stats i
	for ((i = 0; i < 100; i++)); do
		grep -q '"active":0,' "$f" 2>/dev/null && break
		sleep 0.05
	done
	jq -r ".$2" "$f"
}
