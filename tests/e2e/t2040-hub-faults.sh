#!/usr/bin/env bash
# hub serve under faults: slow clients holding connections open (limits
# and idle timeout: a new client still gets its ping within a second);
# the hub killed with -9 in the middle of merging a batch, then restarted
# (the store whole, the batch all stored or not at all, a resend counted
# once); SIGTERM in the middle of a batch (it completes).
. "$(dirname "$0")/hub-lib.sh"

h_init
tok=$(h_token dev-01)
export HUB_TIMEOUT=3
h_serve

# Slow clients: 100 connections from 127.0.0.1 that send half a request
# and hold on. The address may hold 32; the rest are closed at once; the
# 32 are dropped when idle past the timeout.
python3 - "$H_PORT" >"$T_TMP/slow.out" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(100):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(('127.0.0.1', port))
        s.send(b'POST /api/v1/batches HTTP/1.1\r\nHost: x\r\n')
        socks.append(s)
    except OSError:
        pass
def alive(s):
    s.settimeout(0.05)
    try:
        return s.recv(1) != b''
    except socket.timeout:
        return True
    except OSError:
        return False
time.sleep(1)
print('held', sum(alive(s) for s in socks), flush=True)
time.sleep(5)
print('after', sum(alive(s) for s in socks), flush=True)
time.sleep(30)
PY
slow=$!
H_PIDS="$H_PIDS $slow"
sleep 0.8
t0=$(date +%s.%N)
p=$(curl -s --max-time 5 --interface 127.0.0.2 "$H_URL/api/v1/ping")
t1=$(date +%s.%N)
t_is "$p" '{"hub":"0.1.0"}' \
	"with 100 slow connections open, a new client's ping answers"
t_check "within a second ($(echo "$t1 - $t0" | bc) s)" \
	test "$(echo "$t1 - $t0 < 1" | bc)" = 1
h_gen dev-01 3 1 | h_pack dev-01 >"$T_TMP/a.gz"
h_post "$tok" "$T_TMP/a.gz" --interface 127.0.0.2
t_is "$H_STATUS" 200 "and an upload goes through"
for _ in $(seq 80); do
	grep -q after "$T_TMP/slow.out" && break
	sleep 0.1
done
held=$(sed -n 's/^held //p' "$T_TMP/slow.out")
after=$(sed -n 's/^after //p' "$T_TMP/slow.out")
t_check "connections over the per-address limit are refused ($held held)" \
	test "${held:-100}" -le 32
t_check "the ones held are dropped once idle past the timeout ($after left)" \
	test "${after:-1}" -eq 0
t_is "$(curl -s --max-time 5 "$H_URL/api/v1/ping")" '{"hub":"0.1.0"}' \
	"then the address is served again"
kill "$slow" 2>/dev/null

# kill -9 in the middle of a batch of 20,000.
h_gen dev-01 20000 2 | h_pack dev-01 >"$T_TMP/big.gz"
n0=$(h_sql 'SELECT count(*) FROM submissions')
(h_post "$tok" "$T_TMP/big.gz"; echo "$H_STATUS" >"$T_TMP/status") &
post=$!
sleep 0.4
{ kill -9 "$H_PID"; wait "$H_PID"; } 2>/dev/null
wait "$post"
n1=$(h_sql 'SELECT count(*) FROM submissions')
echo "# killed with the upload answered '$(cat "$T_TMP/status")':" \
	"$((n1 - n0)) stored"
t_is "$(h_sql 'PRAGMA integrity_check')" ok "after kill -9: integrity_check ok"
t_check "the batch is all stored or not at all ($((n1 - n0)))" \
	test "$n1" -eq "$n0" -o "$n1" -eq $((n0 + 20000))
h_serve
t_is "$?" 0 "the hub restarts"
h_post "$tok" "$T_TMP/big.gz"
t_is "$H_STATUS" 200 "the device sends the batch again: 200"
t_is "$(h_sql 'SELECT count(*) FROM submissions')" $((n0 + 20000)) \
	"every submission once"
t_is "$(jq '[.results[] | select(.status == "stored" or
	.status == "duplicate")] | length' "$T_OUT")" \
	20000 "each acknowledged (stored or duplicate)"

# SIGTERM in the middle of a batch: it completes, then the hub stops.
h_gen dev-01 20000 3 | h_pack dev-01 >"$T_TMP/big2.gz"
(h_post "$tok" "$T_TMP/big2.gz"; echo "$H_STATUS" >"$T_TMP/status") &
post=$!
sleep 0.4
kill -TERM "$H_PID"
wait "$H_PID"
t_is "$?" 0 "SIGTERM: the hub exits 0"
wait "$post"
t_has "$T_TMP/serve.log" "stopped" "and says it stopped"
n2=$(h_sql 'SELECT count(*) FROM submissions')
echo "# stopped with the upload answered '$(cat "$T_TMP/status")':" \
	"$((n2 - n0 - 20000)) stored"
t_check "the batch being merged completed or was not begun" \
	test "$n2" -eq $((n0 + 20000)) -o "$n2" -eq $((n0 + 40000))
t_is "$(h_sql 'PRAGMA integrity_check')" ok "integrity_check ok"
t_done
