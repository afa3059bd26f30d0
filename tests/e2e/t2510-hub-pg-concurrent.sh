#!/usr/bin/env bash
# Several hubs, one PostgreSQL database: three `hub serve` processes on
# one database, each behind the fault proxy (a slow link that cuts some
# connections mid-request); the same batches pushed at all three at once
# and different ones beside them; one hub killed -9 in the middle of a
# big batch. Every submission is stored exactly once, and every device's
# resend is answered "stored" or "duplicate" for every line.
. "$(dirname "$0")/hub-lib.sh"
FAULTPROXY=${FAULTPROXY:-$TOP/$BUILD/tests/faultproxy}

# e2e-pg: no (it makes its own database)
if [ ! -x "$FAULTPROXY" ]; then
	t_skip "no $FAULTPROXY"
	t_done
	exit
fi
if ! pg_start; then
	t_skip "PostgreSQL: $PG_WHY"
	t_done
	exit
fi

HUB_DB=$(pg_db)
export HUB_DB
h_init_db() { "$HUB" init >/dev/null 2>&1; }
h_init_db
t_is "$?" 0 "hub init on the database"
t_home
for d in 1 2 3; do
	eval "tok$d=\$(\"\$HUB\" device add dev-0$d | tail -1)"
done

# Three hubs, each behind its own proxy, which cuts its first connection
# in the middle of the upload.
declare -a PORT PID
proxy() {	# hub-port: a proxy to it; its port in P_PORT
	rm -f "$T_TMP/p.port"
	"$FAULTPROXY" --listen 127.0.0.1:0 --to "127.0.0.1:$1" \
	    --port-file "$T_TMP/p.port" --delay 20 --cut-first 1 \
	    --cut-up 3000 --max-seconds 300 \
	    >/dev/null 2>&1 &
	H_PIDS="$H_PIDS $!"
	for _ in $(seq 50); do
		[ -s "$T_TMP/p.port" ] && break
		sleep 0.1
	done
	P_PORT=$(cat "$T_TMP/p.port")
}
for i in 1 2 3; do
	h_serve
	PID[$i]=$H_PID
	proxy "$H_PORT"
	PORT[$i]=$P_PORT
done
t_check "three hubs serve one database" test -n "${PORT[3]}"

# post hub file token out: until the hub answers 200 whole (a cut
# connection is sent again, as a device does); the answer in out.
post() {
	local k code
	for k in $(seq 20); do
		code=$(curl -s -o "$4" -w '%{http_code}' --max-time 120 \
		    -H "Authorization: Bearer $3" \
		    -H "Content-Type: application/x-ndjson" \
		    -H "Content-Encoding: gzip" --data-binary @"$2" \
		    "http://127.0.0.1:${PORT[$1]}/api/v1/batches") &&
		    [ "$code" = 200 ] && return 0
		sleep 0.2
	done
	return 1
}
stored() {	# answer file: how many lines it says were stored
	jq '[.results[] | select(.status == "stored")] | length' "$1"
}
acked() {	# answer file: how many lines are stored or duplicates
	jq '[.results[] | select(.status == "stored" or
	    .status == "duplicate")] | length' "$1"
}

h_gen dev-01 200 11 | h_pack dev-01 >"$T_TMP/a.gz"
h_gen dev-02 200 12 | h_pack dev-02 >"$T_TMP/b.gz"
h_gen dev-03 200 13 | h_pack dev-03 >"$T_TMP/c.gz"
# The same batch at all three at once, and the others beside it.
post 1 "$T_TMP/a.gz" "$tok1" "$T_TMP/a1" & p1=$!
post 2 "$T_TMP/a.gz" "$tok1" "$T_TMP/a2" & p2=$!
post 3 "$T_TMP/a.gz" "$tok1" "$T_TMP/a3" & p3=$!
post 1 "$T_TMP/b.gz" "$tok2" "$T_TMP/b1" & p4=$!
post 3 "$T_TMP/b.gz" "$tok2" "$T_TMP/b3" & p5=$!
post 2 "$T_TMP/c.gz" "$tok3" "$T_TMP/c2" & p6=$!
ok=0
for p in $p1 $p2 $p3 $p4 $p5 $p6; do
	wait "$p" && ok=$((ok + 1))
done
t_is "$ok" 6 "six uploads to three hubs at once are answered 200"
t_is "$(( $(stored "$T_TMP/a1") + $(stored "$T_TMP/a2") + \
	$(stored "$T_TMP/a3") ))" 200 \
	"the batch sent to three hubs at once: each line stored by one"
t_is "$(acked "$T_TMP/a1") $(acked "$T_TMP/a2") $(acked "$T_TMP/a3")" \
	"200 200 200" "and acknowledged by all three"
t_is "$(( $(stored "$T_TMP/b1") + $(stored "$T_TMP/b3") ))" 200 \
	"the one sent to two: each line stored once"
t_is "$(pg_sql "$HUB_DB" 'SELECT count(*) FROM submissions')" 600 \
	"600 submissions on the database, each once"
t_is "$(pg_sql "$HUB_DB" 'SELECT count(*) FROM conflicts')" 0 \
	"none taken for a conflict"

# kill -9 of one hub in the middle of a big batch sent to two of them.
h_gen dev-01 1000 14 | h_pack dev-01 >"$T_TMP/big.gz"
post 1 "$T_TMP/big.gz" "$tok1" "$T_TMP/d1" & q1=$!
post 3 "$T_TMP/big.gz" "$tok1" "$T_TMP/d3" & q3=$!
sleep 1
kill -9 "${PID[3]}"
wait "$q1"
t_is "$?" 0 "the other hub answers the big batch"
wait "$q3"
t_is "$(acked "$T_TMP/d1")" 1000 "every line of it acknowledged there"
t_is "$(pg_sql "$HUB_DB" 'SELECT count(*) FROM submissions')" 1600 \
	"after kill -9 of a hub mid-batch: every submission once"
# The device that lost its answer sends again, to a hub still up.
post 2 "$T_TMP/big.gz" "$tok1" "$T_TMP/d2"
t_is "$(acked "$T_TMP/d2") $(stored "$T_TMP/d2")" "1000 0" \
	"its resend: all duplicates, nothing stored twice"
t_is "$(pg_sql "$HUB_DB" 'SELECT count(*) - count(DISTINCT instance_id) FROM
	submissions')" 0 "no instance_id twice"
t_is "$(pg_sql "$HUB_DB" "SELECT count(*) FROM batches WHERE stored > 0 AND
	device_id = 'dev-01'")" 2 "two batches of dev-01 stored lines"
t_done
