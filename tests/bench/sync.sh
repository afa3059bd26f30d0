#!/usr/bin/env bash
# The sync figures of issue 7, on the same anaemia submissions in the same
# run, every byte counted by the fault proxy (TCP payload both ways, HTTP
# headers included; what TCP/IP adds is the same for both and left out):
#
# - bytes on the wire per submission: `collector sync` to `hub serve`,
#   against ODK Collect's OpenRosa upload of the same submissions' instance
#   XML (HEAD + multipart POST each, openrosa_client) to a stand-in of
#   Central (openrosa_server.py); target at least 25x fewer;
# - our batch (`collector export --all`, gzip) against xz -9e of the same
#   NDJSON: how far from a strong compressor;
# - what a second sync costs when nothing is left to send;
# - the time to push them all through the proxy at 50 kbit/s with 500 ms
#   one-way latency, against the bound (the batch's bytes / the link
#   rate); target under 1.3. The link is one wire per direction shared by
#   every connection the device opens (faultproxy --link-rate), as its one
#   radio is: uploads overlapping on two connections get no more bandwidth
#   than one. The bound counts the bytes up only: the link is full duplex,
#   so the answers (about a third as many bytes, gzip) come down while the
#   next batch goes up; what cannot overlap (the first handshake, the last
#   answer) is the sync's cost over the bound.
#
# SYNC_BENCH_N submissions (default 5,000), SYNC_BENCH_DISTINCT of them
# filled one by one and the rest variants of those (tests/tools/gensubs.py
# says what differs): filling 5,000 through the command line alone takes
# minutes. The variants are far apart in the store, beyond gzip's window
# and any batch, so they make our sync no cheaper; xz's 64 MB window does
# see them, which can only flatter xz.
set -eu
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
TOP=$PWD
b=$BUILD/bench
case $BIN in /*) ;; *) BIN=$TOP/$BIN ;; esac
C=$BIN/collector
HUB=$BIN/hub
N=${SYNC_BENCH_N:-5000}
D=${SYNC_BENCH_DISTINCT:-500}
RATE=50000	# bit/s: a 2G (EDGE) link
DELAY=500	# ms one way
SYNC_TMP=$(mktemp -d)
export COLLECTOR HUB
. tests/tools/synclib.sh
trap 'sync_cleanup; rm -rf "$SYNC_TMP"' EXIT
t=$SYNC_TMP

now() { date +%s.%N; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
per() { echo "scale=1; $1 / $2" | bc -l; }
fail() { echo "sync bench: $*" >&2; exit 1; }

echo "== sync: $N anaemia submissions, through the fault proxy =="
if ! "$HUB" serve --help >/dev/null 2>&1 ||
    ! "$C" sync --help >/dev/null 2>&1; then
	echo "skipped: bin/hub serve or collector sync is not built yet"
	exit 0
fi
[ -x "$FAULTPROXY" ] || fail "$FAULTPROXY: not built"

# The hub and the device; a first sync pulls the forms, so that what is
# measured next is the submissions.
sync_hub_init "$t/hub"
token=$(sync_device_add "$t/hub" bench-01)
sync_hub_start "$t/hub"
sync_proxy_start wire
"$C" --home "$t/c" init --device bench-01 --promoter "Rosa Huamani" \
	--hub "http://127.0.0.1:$SYNC_PROXY_PORT" --token - \
	<<<"$token" >/dev/null
"$C" --home "$t/c" sync >"$t/sync0.out" 2>&1 ||
	fail "first sync: $(cat "$t/sync0.out")"
python3 tests/tools/gensubs.py --collector "$C" --home "$t/c" \
	--count "$N" --distinct "$D" --snapshot "$t/filled" --seed 7 \
	>"$t/gen.out" ||
	fail "gensubs failed"
echo "($(cat "$t/gen.out"))"

# A copy of both sides before anything is sent, for the throttled run.
sync_stop "$SYNC_HUB_PID"
cp -a "$t/hub" "$t/hub2"
cp -a "$t/c" "$t/c2"
sync_hub_start "$t/hub" "$SYNC_HUB_PORT"

up0=$(sync_stat wire bytes_up)
down0=$(sync_stat wire bytes_down)
"$C" --home "$t/c" sync >"$t/sync1.out" 2>&1 ||
	fail "sync: $(cat "$t/sync1.out")"
up=$(($(sync_stat wire bytes_up) - up0))
down=$(($(sync_stat wire bytes_down) - down0))
sent=$("$C" --home "$t/c" list --state sent --json | jq length)
[ "$sent" -eq "$N" ] || fail "$sent of $N marked sent"
got=$("$HUB" --home "$t/hub" status --json | jq .submissions.total)
[ "$got" -eq "$N" ] || fail "the hub holds $got of $N"
ours=$(per $((up + down)) "$N")

# A second sync: nothing left but the ping (and the forms' ETag).
up0=$(sync_stat wire bytes_up)
down0=$(sync_stat wire bytes_down)
"$C" --home "$t/c" sync >"$t/sync2.out" 2>&1 ||
	fail "second sync: $(cat "$t/sync2.out")"
again=$(($(sync_stat wire bytes_up) + $(sync_stat wire bytes_down) - \
	up0 - down0))
sync_stop "$SYNC_HUB_PID"
sync_stop "$SYNC_PROXY_PID"

# OpenRosa: the instance XML of the same submissions. show --xml costs a
# process and a store open each (minutes for 5,000), so the XML is read
# from the store, after checking on a few that it is what show prints.
sqlite3 -batch "$t/c/collector.db" \
	"SELECT xml FROM submissions ORDER BY id" >"$t/xml.txt"
for id in $(sqlite3 "$t/c/collector.db" \
    "SELECT instance_id FROM submissions ORDER BY random() LIMIT 3"); do
	"$C" --home "$t/c" show "$id" --xml >"$t/one.xml"
	grep -qxF -f "$t/one.xml" "$t/xml.txt" ||
		fail "show --xml of $id is not the store's XML"
done
[ "$(wc -l <"$t/xml.txt")" -eq "$N" ] || fail "not $N instance XMLs"
python3 tests/bench/openrosa_server.py --port-file "$t/or.port" \
	--count-file "$t/or.count" >/dev/null 2>"$t/or.log" &
SYNC_PIDS+=($!)
sync_wait_file "$t/or.port"
sync_proxy_start odk --to "127.0.0.1:$(cat "$t/or.port")"
"$b/openrosa_client" "http://127.0.0.1:$SYNC_PROXY_PORT/v1/key/$(printf \
	'%064d' 0 | tr 0 K)/projects/1/submission" "$t/xml.txt" \
	>"$t/or.out" || fail "openrosa_client: $(cat "$t/or.out")"
[ "$(jq .distinct "$t/or.count")" -eq "$N" ] ||
	fail "the stand-in got $(jq .distinct "$t/or.count") of $N"
odk_up=$(sync_stat odk bytes_up)
odk_down=$(sync_stat odk bytes_down)
odk=$(per $((odk_up + odk_down)) "$N")
sync_stop "$SYNC_PROXY_PID"

printf '%-44s %10s B  (%s up + %s down)\n' \
	"OpenRosa, per submission" "$odk" "$(per "$odk_up" "$N")" \
	"$(per "$odk_down" "$N")"
printf '%-44s %10s B  (%s up + %s down)\n' "our sync, per submission" \
	"$ours" "$(per "$up" "$N")" "$(per "$down" "$N")"
printf '%-44s %10sx fewer bytes (target >= 25)\n' "ratio OpenRosa / ours" \
	"$(ratio "$odk" "$ours")"
printf '%-44s %10s B\n' "second sync, nothing to send" "$again"

# The batch against xz -9e of the same NDJSON: all of them, and the ones
# filled one by one alone (xz's window sees the variants' likeness).
xzcmp() {	# home label
	"$C" --home "$1" export --out "$t/x.batch" --all >/dev/null
	gunzip -c <"$t/x.batch" >"$t/x.ndjson"
	xz -9e -c "$t/x.ndjson" >"$t/x.xz"
	gz=$(wc -c <"$t/x.batch")
	printf '%-44s %10s B  (NDJSON %s B)\n' "our batch, export --all: $2" \
	    "$gz" "$(wc -c <"$t/x.ndjson")"
	printf '%-44s %10s B  %6sx xz\n' "  xz -9e of the same NDJSON" \
	    "$(wc -c <"$t/x.xz")" "$(ratio "$gz" "$(wc -c <"$t/x.xz")")"
}
xzcmp "$t/c" "$N"
batch=$gz
xzcmp "$t/filled" "the $D filled"

# Throttled: the copies, to a hub that has seen none of them.
sync_hub_start "$t/hub2"
sync_proxy_start slow --link-rate "$RATE" --delay "$DELAY"
t0=$(now)
"$C" --home "$t/c2" sync --hub "http://127.0.0.1:$SYNC_PROXY_PORT" \
	>"$t/sync3.out" 2>&1 || fail "throttled sync: $(cat "$t/sync3.out")"
t1=$(now)
sent=$("$C" --home "$t/c2" list --state sent --json | jq length)
[ "$sent" -eq "$N" ] || fail "throttled: $sent of $N marked sent"
got=$("$HUB" --home "$t/hub2" status --json | jq .submissions.total)
[ "$got" -eq "$N" ] || fail "throttled: the hub holds $got of $N"
secs=$(echo "scale=1; ($t1 - $t0) / 1" | bc -l)
bound=$(echo "scale=1; $batch * 8 / $RATE" | bc -l)
printf '%-44s %10s s  (%s B up, %s B down)\n' \
	"push at $((RATE / 1000)) kbit/s, ${DELAY} ms" "$secs" \
	"$(sync_stat slow bytes_up)" "$(sync_stat slow bytes_down)"
printf '%-44s %10s s  %6sx bound (target < 1.3)\n' \
	"bound: batch bytes (up) / link rate" "$bound" "$(ratio "$secs" "$bound")"
