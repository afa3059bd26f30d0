#!/usr/bin/env bash
# Sync over the worst link (issue 7, "Bad input and faults" and "Done
# when"): several collectors with hundreds of surveys each sync at once
# through the fault proxy while it cuts most connections, mid-request and
# mid-response; then the hub is killed with -9 in the middle of batches
# and restarted; then a collector is killed with -9 while the hub's
# answer is on its way. After each: every submission on the hub exactly
# once, every device's surveys sent or still pending (never sent without
# the hub having them), PRAGMA integrity_check ok on every store, and a
# sync with nothing left to send moves only a few hundred bytes.
#
# T2100_DEVICES (4) collectors of T2100_PER_DEVICE (500) surveys each;
# tests/tools/gensubs.py fills them (a hundred each through `collector
# fill`, the rest variants of those).
. "$(dirname "$0")/lib.sh"
SYNC_TMP=$T_TMP
. "$TOP/tests/tools/synclib.sh"
trap 'sync_cleanup; t_cleanup' EXIT
NDEV=${T2100_DEVICES:-4}
PER=${T2100_PER_DEVICE:-500}
MORE=600		# surveys added for the kill -9 rounds
ATTEMPTS=400		# syncs a device may need before it is a failure
hub=$T_TMP/hub

if [ ! -x "$FAULTPROXY" ] || ! "$HUB" serve --help >/dev/null 2>&1 ||
    ! "$COLLECTOR" sync --help >/dev/null 2>&1; then
	t_fail "the hub, collector sync and the fault proxy are built" \
	    "$HUB serve --help, $COLLECTOR sync --help, $FAULTPROXY"
	t_done
	exit 1
fi

# ------------------------------------------------------------------
# The checks, on files so that they can be shown to fail.

# Instance ids the hub exports (one per line, as many times as it has
# them), from `hub export --format json`: an array or one object a line.
hub_ids() {
	"$HUB" --home "$hub" export --form anemia --format json \
	    --out "$T_TMP/export.json" >/dev/null 2>"$T_TMP/export.err" ||
	    { cat "$T_TMP/export.err" >&2; return 1; }
	jq -r 'if type == "array" then .[] else . end | .instance_id' \
	    "$T_TMP/export.json"
}

# Every id the devices hold, sorted: what the hub must hold, once each.
device_ids() {
	local d
	for d in $(seq "$NDEV"); do
		"$COLLECTOR" --home "$T_TMP/c$d" list --json |
		    jq -r '.[].instance_id'
	done | sort
}

# exactly_once WANT GOT: files of ids; prints what is wrong, if anything.
exactly_once() {
	local dup missing extra
	dup=$(sort "$2" | uniq -d | head -3)
	missing=$(sort -u "$2" | comm -23 "$1" - | head -3)
	extra=$(sort -u "$2" | comm -13 "$1" - | head -3)
	[ -z "$dup" ] || echo "twice on the hub: $dup"
	[ -z "$missing" ] || echo "missing on the hub: $missing"
	[ -z "$extra" ] || echo "on the hub, on no device: $extra"
}

# sent_subset HOME HUB_IDS: a survey marked sent that the hub lacks.
sent_not_on_hub() {
	"$COLLECTOR" --home "$1" list --state sent --json |
	    jq -r '.[].instance_id' | sort | comm -23 - <(sort -u "$2") |
	    head -3
}

check_all() {	# label
	local d want got bad st n
	device_ids >"$T_TMP/want"
	if ! hub_ids >"$T_TMP/got"; then
		t_fail "$1: hub export --format json"
		return
	fi
	bad=$(exactly_once "$T_TMP/want" "$T_TMP/got")
	if [ -z "$bad" ]; then
		t_ok "$1: the hub holds each of $(wc -l <"$T_TMP/want") once"
	else
		t_fail "$1: the hub holds each submission once" "$bad"
	fi
	n=$("$HUB" --home "$hub" status --json 2>/dev/null |
	    jq '.submissions.total // .total // empty')
	t_is "$n" "$(wc -l <"$T_TMP/want")" "$1: hub status counts them"
	for d in $(seq "$NDEV"); do
		st=$("$COLLECTOR" --home "$T_TMP/c$d" status --json |
		    jq -c '[.counts.finalized, .counts.sent]')
		want=$("$COLLECTOR" --home "$T_TMP/c$d" list --json |
		    jq length)
		t_is "$st" "[0,$want]" "$1: device $d: all $want sent"
	done
	check_integrity "$1"
}

check_integrity() {	# label
	local f r bad=
	for f in "$T_TMP"/c*/collector.db "$hub"/*.db; do
		r=$(sqlite3 -batch "$f" 'PRAGMA integrity_check' 2>&1)
		[ "$r" = ok ] || bad="$bad $f: $r"
	done
	if [ -z "$bad" ]; then
		t_ok "$1: integrity_check ok on every store"
	else
		t_fail "$1: integrity_check ok on every store" "$bad"
	fi
}

# The checks can fail: a doctored hub list (one id twice, one missing).
printf 'uuid:a\nuuid:b\nuuid:c\n' >"$T_TMP/self.want"
printf 'uuid:a\nuuid:b\nuuid:b\n' >"$T_TMP/self.got"
bad=$(exactly_once "$T_TMP/self.want" "$T_TMP/self.got")
case "$bad" in
*"twice on the hub: uuid:b"*"missing on the hub: uuid:c"*)
	t_ok "self-test: the exactly-once check sees a double and a loss" ;;
*)
	t_fail "self-test: the exactly-once check sees a double and a loss" \
	    "said: $bad" ;;
esac

# sync_until HOME LOG [--hub URL]: sync again until it exits 0.
sync_until() {
	local home=$1 log=$2 i rc
	shift 2
	for ((i = 1; i <= ATTEMPTS; i++)); do
		"$COLLECTOR" --home "$home" sync "$@" >>"$log" 2>&1
		rc=$?
		echo "# attempt $i: exit $rc" >>"$log"
		[ "$rc" -eq 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# ------------------------------------------------------------------
# A hub, devices, a link that drops.

sync_hub_init "$hub" || { t_fail "hub init"; t_done; exit 1; }
for d in $(seq "$NDEV"); do
	tok[d]=$(sync_device_add "$hub" "dev-0$d")
done
sync_hub_start "$hub" || { t_fail "hub serve answers"; t_done; exit 1; }
# The link drops every 20 KB on average, either way (at 50 kbit/s, every
# few seconds): a batch is about 16 KB, its answer a few KB to 20, so
# most attempts are cut, mid-request or mid-response, and a long
# kept-alive connection does not escape. Closed, or reset.
sync_proxy_start cuts --cut-mean 20000 --seed 2100 -v
cut_port=$SYNC_PROXY_PORT
sync_proxy_start reset --cut-mean 20000 --seed 2101 --cut-how reset
reset_port=$SYNC_PROXY_PORT
url=http://127.0.0.1:$cut_port
for d in $(seq "$NDEV"); do
	"$COLLECTOR" --home "$T_TMP/c$d" init --device "dev-0$d" \
	    --promoter "Promotor $d" --hub "$url" --token - \
	    <<<"${tok[d]}" >/dev/null
	python3 "$TOP/tests/tools/gensubs.py" --collector "$COLLECTOR" \
	    --home "$T_TMP/c$d" --count "$PER" --distinct 100 --seed "$d" \
	    >/dev/null || t_fail "gensubs for device $d"
done

# All at once, half of them through the proxy that resets, half with
# --watch (its backoff capped at 300 ms).
pids=()
: >"$T_TMP/hub.log"
for d in $(seq "$NDEV"); do
	hub_url=$url
	((d % 2)) || hub_url=http://127.0.0.1:$reset_port
	if ((d > NDEV / 2)); then
		COLLECTOR_BACKOFF_MAX_MS=300 sync_until "$T_TMP/c$d" \
		    "$T_TMP/sync$d.log" --hub "$hub_url" --watch &
	else
		sync_until "$T_TMP/c$d" "$T_TMP/sync$d.log" \
		    --hub "$hub_url" &
	fi
	pids+=($!)
done
for d in $(seq "$NDEV"); do
	wait "${pids[d - 1]}"
	rc=$?
	n=$(grep -c '^# attempt' "$T_TMP/sync$d.log")
	if [ "$rc" -eq 0 ]; then
		t_ok "device $d: everything acknowledged after $n syncs"
	else
		t_fail "device $d: everything acknowledged" \
		    "$(grep -v '^# attempt' "$T_TMP/sync$d.log" | sort |
		    uniq -c | sort -rn | head -5)"
	fi
done
cuts=$(($(sync_stat cuts cuts) + $(sync_stat reset cuts)))
conns=$(($(sync_stat cuts connections) + $(sync_stat reset connections)))
# The batches the hub merged with something new in them (its log).
batches=$(grep -c "from 'dev-.*: [1-9][0-9]* stored" "$T_TMP/hub.log")
t_check "the link dropped often: $cuts cuts in $conns connections, \
for $batches new batches" test "$cuts" -ge "$batches" -a \
	"$batches" -ge "$NDEV" -a $((cuts * 2)) -ge "$conns"
check_all "cuts"

# ------------------------------------------------------------------
# The hub killed with -9 in the middle of batches, and restarted.

python3 "$TOP/tests/tools/gensubs.py" --collector "$COLLECTOR" \
	--home "$T_TMP/c1" --count "$MORE" --distinct 50 --seed 11 >/dev/null
# Slow enough up (200 kbit/s) that a kill lands inside an upload; a delay
# so that one lands after an upload, before its answer is delivered.
sync_proxy_start h9 --rate-up 200000 --delay 200
h9=http://127.0.0.1:$SYNC_PROXY_PORT
sync_until "$T_TMP/c1" "$T_TMP/h9.log" --hub "$h9" &
loop=$!
kills=0
for step in 6000 14000 9000; do
	base=$(jq .bytes_up "$T_TMP/h9.stats")
	for ((i = 0; i < 400; i++)); do
		[ $(($(jq .bytes_up "$T_TMP/h9.stats") - base)) -ge "$step" ] &&
		    break
		sleep 0.02
	done
	sync_kill9 "$SYNC_HUB_PID" && kills=$((kills + 1))
	sync_hub_start "$hub" "$SYNC_HUB_PORT" ||
	    t_fail "the hub restarts after kill -9" \
	    "$(tail -5 "$T_TMP/hub.log")"
done
t_is "$kills" 3 "the hub was killed with -9 three times mid-sync"
hub_ids >"$T_TMP/got" 2>/dev/null
bad=$(sent_not_on_hub "$T_TMP/c1" "$T_TMP/got")
t_is "$bad" "" "after the hub's kills: nothing marked sent that it lacks"
wait "$loop"
t_is "$?" 0 "device 1: everything acknowledged after the hub's kills"
check_all "hub kill -9"

# ------------------------------------------------------------------
# A collector killed with -9 while the hub's answer is on its way.

python3 "$TOP/tests/tools/gensubs.py" --collector "$COLLECTOR" \
	--home "$T_TMP/c2" --count "$MORE" --distinct 50 --seed 12 >/dev/null
# Answers crawl down (16 kbit/s): the hub has stored a batch well before
# the device has read that it did.
sync_proxy_start c9 --rate-down 16000
c9=http://127.0.0.1:$SYNC_PROXY_PORT
kills=0
for round in 1 2 3; do
	up0=$(jq .bytes_up "$T_TMP/c9.stats")
	"$COLLECTOR" --home "$T_TMP/c2" sync --hub "$c9" \
	    >>"$T_TMP/c9.log" 2>&1 &
	pid=$!
	# a batch went up (2 KB past the ping), then its answer starts down
	for ((i = 0; i < 500; i++)); do
		[ $(($(jq .bytes_up "$T_TMP/c9.stats") - up0)) -ge 2000 ] &&
		    break
		sleep 0.02
	done
	down0=$(jq .bytes_down "$T_TMP/c9.stats")
	for ((i = 0; i < 500; i++)); do
		[ $(($(jq .bytes_down "$T_TMP/c9.stats") - down0)) -ge \
		    $((round * 150)) ] && break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
done
t_is "$kills" 3 "the collector was killed with -9 three times mid-answer"
hub_ids >"$T_TMP/got" 2>/dev/null
bad=$(sent_not_on_hub "$T_TMP/c2" "$T_TMP/got")
t_is "$bad" "" \
	"after the collector's kills: nothing marked sent that the hub lacks"
r=$(sqlite3 -batch "$T_TMP/c2/collector.db" 'PRAGMA integrity_check')
t_is "$r" ok "after the collector's kills: its store is intact"
sync_until "$T_TMP/c2" "$T_TMP/c9.log" --hub "$url"
t_is "$?" 0 "device 2: everything acknowledged after its kills"
check_all "collector kill -9"

# ------------------------------------------------------------------
# A stall: mid-batch the radio goes silent (no FIN, no RST). The sync
# must call it dead after its stall limit (COLLECTOR_STALL_SECS, 3 s
# here, instead of 30), not hang; the next connection goes through.

python3 "$TOP/tests/tools/gensubs.py" --collector "$COLLECTOR" \
	--home "$T_TMP/c4" --count 100 --distinct 20 --seed 14 >/dev/null
sync_proxy_start stall --cut-up 3000 --cut-first 1 --cut-how stall
stall=http://127.0.0.1:$SYNC_PROXY_PORT
t0=$SECONDS
COLLECTOR_STALL_SECS=3 "$COLLECTOR" --home "$T_TMP/c4" sync --hub "$stall" \
	>"$T_OUT" 2>"$T_ERR"
rc=$?
t_check "a stalled upload is given up (exit $rc) in $((SECONDS - t0)) s" \
	test "$rc" -ne 0 -a $((SECONDS - t0)) -le 20
t_one_error "the stall is said on stderr, each line 'collector: '"
COLLECTOR_STALL_SECS=3 sync_until "$T_TMP/c4" "$T_TMP/stall.log" \
	--hub "$stall"
t_is "$?" 0 "device 4: everything acknowledged after the stall"
check_all "stall"

# ------------------------------------------------------------------
# A sync with nothing to send: the ping (and the forms' ETag), no batch.

sync_proxy_start quiet
quiet=http://127.0.0.1:$SYNC_PROXY_PORT
total=$(wc -l <"$T_TMP/want")
"$COLLECTOR" --home "$T_TMP/c3" sync --hub "$quiet" >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "a second sync succeeds"
idle=$(($(sync_stat quiet bytes_up) + $(sync_stat quiet bytes_down)))
COLLECTOR_NOW=2026-11-30T10:00:00-05:00 "$COLLECTOR" --home "$T_TMP/c3" \
	fill anemia --answers "$TOP/docs/examples/anemia-child.json" \
	>/dev/null 2>&1
"$COLLECTOR" --home "$T_TMP/c3" sync --hub "$quiet" >"$T_OUT" 2>"$T_ERR"
one=$(($(sync_stat quiet bytes_up) + $(sync_stat quiet bytes_down) - idle))
t_check "nothing to send costs $idle bytes, one survey $one: a batch more" \
	test "$idle" -le 2000 -a $((one - idle)) -ge 400
n=$("$HUB" --home "$hub" status --json | jq '.submissions.total // .total')
t_is "$n" $((total + 1)) "the hub has the one new survey, and no other"
t_done
