#!/usr/bin/env bash
# The fault proxy the sync tests stand on (tests/tools/faultproxy.c): it
# passes bytes unchanged, counts them, throttles and delays them, cuts
# where it is told (and, seeded, where chance says, the same way twice),
# and always goes away. Upstream is python3's http.server, the client is
# curl.
. "$(dirname "$0")/lib.sh"
SYNC_TMP=$T_TMP
. "$TOP/tests/tools/synclib.sh"
trap 'sync_cleanup; t_cleanup' EXIT

if [ ! -x "$FAULTPROXY" ]; then
	t_fail "faultproxy is built" "$FAULTPROXY: not found"
	t_done
	exit 1
fi

www=$T_TMP/www
mkdir -p "$www"
head -c 200000 /dev/urandom >"$www/big"
head -c 12500 /dev/urandom >"$www/small"
port=$(sync_free_port)
(cd "$www" && exec python3 -m http.server "$port" --bind 127.0.0.1) \
	>"$T_TMP/www.log" 2>&1 &
SYNC_PIDS+=($!)
for ((i = 0; i < 100; i++)); do
	curl -sf -m 1 -o /dev/null "http://127.0.0.1:$port/small" && break
	sleep 0.1
done
up=127.0.0.1:$port

get() {	# proxy-name file [curl options]: exit code of curl
	local p n=$1 f=$2
	shift 2
	p=$(cat "$T_TMP/$n.port")
	curl -s -o "$T_TMP/got" "$@" "http://127.0.0.1:$p/$f"
}

# Unchanged, counted.
sync_proxy_start plain --to "$up"
get plain big
t_is "$?" 0 "a transfer through the proxy succeeds"
t_check "the bytes arrive unchanged" cmp -s "$www/big" "$T_TMP/got"
down=$(sync_stat plain bytes_down)
t_check "bytes_down counts the body and the headers ($down)" \
	test "$down" -gt 200000 -a "$down" -lt 201000
t_is "$(sync_stat plain connections),$(sync_stat plain cuts)" "1,0" \
	"one connection, no cut"
pid=$SYNC_PROXY_PID
kill -TERM "$pid"
wait "$pid"
t_is "$?" 0 "SIGTERM: exits 0"

# A cut after N bytes down, on the first connection only.
sync_proxy_start cutdown --to "$up" --cut-down 5000 --cut-first 1
get cutdown big
t_is "$?" 18 "cut mid-response: curl sees a partial transfer"
t_is "$(sync_stat cutdown bytes_down)" 5000 "exactly 5000 bytes went down"
get cutdown big
t_is "$?" 0 "the second connection is not cut"
t_is "$(sync_stat cutdown cuts)" 1 "one cut counted"

# A cut after N bytes up: the request never completes.
sync_proxy_start cutup --to "$up" --cut-up 10 --cut-how reset
get cutup big
rc=$?
t_check "cut mid-request (reset): curl fails (exit $rc)" \
	test "$rc" -eq 52 -o "$rc" -eq 56
t_is "$(sync_stat cutup bytes_up),$(sync_stat cutup bytes_down)" "10,0" \
	"exactly 10 bytes went up, none down"

# Throttle and delay: 12,500 bytes at 100 kbit/s is 1 s; the handshake,
# the request and the answer's first bytes cross 4 x 100 ms more.
sync_proxy_start slow --to "$up" --rate 100000 --delay 100
s=$(get slow small -w '%{time_total}')
ms=$(echo "$s * 1000 / 1" | bc)
t_check "throttled and delayed: $ms ms, about 1,400 expected" \
	test "$ms" -ge 1350 -a "$ms" -le 2500
t_check "the throttled bytes arrive unchanged" \
	cmp -s "$www/small" "$T_TMP/got"

# Two transfers at once: --rate gives each connection its own wire (both
# done in about 1.4 s), --link-rate one wire they share (the second ends
# 1 s later: 2.4 s).
two() {	# proxy-name: ms for both
	local p t0 t1
	p=$(cat "$T_TMP/$1.port")
	t0=$(date +%s%N)
	curl -s -o "$T_TMP/got1" "http://127.0.0.1:$p/small" &
	curl -s -o "$T_TMP/got2" "http://127.0.0.1:$p/small"
	wait $!
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
ms=$(two slow)
t_check "--rate: two connections, two wires: $ms ms, about 1,400" \
	test "$ms" -ge 1350 -a "$ms" -le 2100
sync_proxy_start link --to "$up" --link-rate 100000 --delay 100
ms=$(two link)
t_check "--link-rate: two connections share one wire: $ms ms, about 2,400" \
	test "$ms" -ge 2300 -a "$ms" -le 3500
t_check "the shared wire's bytes arrive unchanged" \
	cmp -s "$www/small" "$T_TMP/got1"

# Random cuts: all of them with P = 1 (offsets within the streams: the
# request is 83 bytes), and the same ones with one seed.
for run in a b; do
	sync_proxy_start "rnd$run" --to "$up" --cut-prob 1 --cut-span 80 \
	    --cut-span-down 12000 --seed 42
	for ((i = 0; i < 8; i++)); do
		get "rnd$run" small
	done
	sync_stop "$SYNC_PROXY_PID"
done
t_is "$(jq .cuts "$T_TMP/rnda.stats")" 8 "--cut-prob 1 cuts every connection"
t_is "$(jq -c '[.bytes_up, .bytes_down]' "$T_TMP/rnda.stats")" \
	"$(jq -c '[.bytes_up, .bytes_down]' "$T_TMP/rndb.stats")" \
	"the same seed cuts at the same places"
sync_proxy_start rndc --to "$up" --cut-prob 0.5 --cut-span 80 \
	--cut-span-down 12000 --seed 1
for ((i = 0; i < 40; i++)); do
	get rndc small
done
c=$(sync_stat rndc cuts)
t_check "--cut-prob 0.5: $c of 40 cut" test "$c" -ge 8 -a "$c" -le 32

# A link that drops every 4,000 bytes on average (memoryless): a 12.5 KB
# answer rarely gets through whole, and what does get through averages
# about the mean.
sync_proxy_start mean --to "$up" --cut-mean 4000 --seed 9
for ((i = 0; i < 20; i++)); do
	get mean small
done
c=$(sync_stat mean cuts)
avg=$(($(sync_stat mean bytes_down) / 20))
t_check "--cut-mean 4000: $c of 20 cut, $avg bytes down on average" \
	test "$c" -ge 16 -a "$avg" -ge 2000 -a "$avg" -le 7000

# Many at once.
sync_proxy_start many --to "$up" --delay 50
p=$(cat "$T_TMP/many.port")
pids=()
for ((i = 0; i < 40; i++)); do
	curl -s -o "$T_TMP/many.$i" "http://127.0.0.1:$p/big" &
	pids+=($!)
done
wait "${pids[@]}"
ok=0
for ((i = 0; i < 40; i++)); do
	cmp -s "$www/big" "$T_TMP/many.$i" && ok=$((ok + 1))
done
t_is "$ok" 40 "40 connections at once all arrive whole"
t_is "$(sync_stat many connections),$(sync_stat many active)" "40,0" \
	"40 connections counted, none left open"

# A stall: the server side goes, the client hears nothing more.
sync_proxy_start stall --to "$up" --cut-down 100 --cut-how stall
get stall big --speed-limit 200 --speed-time 1
t_is "$?" 28 "a stalled link: curl's low-speed limit fires"

# It goes away by itself.
"$FAULTPROXY" --listen 127.0.0.1:0 --to "$up" --max-seconds 1 \
	>/dev/null 2>&1 &
pid=$!
SYNC_PIDS+=("$pid")
sleep 2.5
if kill -0 "$pid" 2>/dev/null; then
	t_fail "--max-seconds 1: still running after 2.5 s"
else
	t_ok "--max-seconds 1: gone by itself"
fi

"$FAULTPROXY" --listen 127.0.0.1:0 --to "$up" --cut-prob 2 \
	>/dev/null 2>"$T_ERR"
t_is "$?" 2 "a probability over 1 is a usage error"
t_done
