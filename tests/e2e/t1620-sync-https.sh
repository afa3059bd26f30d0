#!/usr/bin/env bash
# collector sync over HTTPS to a hub that speaks TLS itself, with the
# office's own certificate: refused without it (certificate verification is
# on, nothing is marked sent), accepted with --ca, kept for the next syncs.
. "$(dirname "$0")/lib.sh"
SYNC_TMP=$T_TMP
. "$TOP/tests/tools/synclib.sh"
trap 'sync_cleanup; t_cleanup' EXIT

if ! command -v openssl >/dev/null; then
	t_ok "# SKIP openssl not installed: HTTPS sync not tested"
	t_done
	exit 0
fi
# A self-signed certificate for 127.0.0.1: it is its own authority, as an
# office's private CA would be.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T_TMP/key.pem" \
    -out "$T_TMP/cert.pem" >/dev/null 2>&1 || t_fail "openssl makes a cert"

hub=$T_TMP/hub
sync_hub_init "$hub" || t_fail "hub init"
tok=$(sync_device_add "$hub" dev-01)
port=$(sync_free_port)
"$HUB" --home "$hub" serve --listen "127.0.0.1:$port" \
    --tls-cert "$T_TMP/cert.pem" --tls-key "$T_TMP/key.pem" \
    >>"$T_TMP/hub.log" 2>&1 &
SYNC_PIDS+=($!)
for ((i = 0; i < 200; i++)); do
	curl -sf -m 1 --cacert "$T_TMP/cert.pem" \
	    "https://127.0.0.1:$port/api/v1/ping" >/dev/null 2>&1 && break
	sleep 0.05
done
t_check "the hub answers over HTTPS" curl -sf -o /dev/null -m 2 --cacert \
    "$T_TMP/cert.pem" "https://127.0.0.1:$port/api/v1/ping"

t_home
t_run init --device dev-01 --hub "https://127.0.0.1:$port" --token - \
    <<<"$tok"
t_is "$T_RC" 0 "init with an https hub"
t_run fill anemia --answers "$TOP/docs/examples/anemia-child.json"
t_is "$T_RC" 0 "a survey to send"

t_run sync
t_is "$T_RC" 3 "without the office's certificate the hub is not trusted"
t_has "$T_ERR" "certificate" "and the message says why"
t_is "$(t_sql "SELECT state FROM submissions")" finalized \
    "nothing is marked sent"
t_is "$("$HUB" --home "$hub" status --json | jq .submissions.total)" 0 \
    "nothing reached the hub"

t_run sync --ca "$T_TMP/cert.pem"
t_is "$T_RC" 0 "with --ca the sync goes through"
t_is "$(t_sql "SELECT state FROM submissions")" sent "the survey is sent"
t_is "$("$HUB" --home "$hub" status --json | jq .submissions.total)" 1 \
    "the hub has it"

fill_one() {
	t_run fill anemia --answers "$TOP/docs/examples/anemia-child.json"
}
fill_one
(cd "$T_TMP" && "$COLLECTOR" --home "$T_HOME" sync --ca cert.pem \
    >/dev/null 2>&1)
t_is "$?" 0 "a relative --ca path works"
fill_one
t_run sync
t_is "$T_RC" 0 "the certificate is kept for the next syncs"
t_is "$("$HUB" --home "$hub" status --json | jq .submissions.total)" 3 \
    "the hub has the three"

t_run sync --ca "$T_TMP/missing.pem"
t_is "$T_RC" 3 "a --ca file that does not exist exits 3"
t_has "$T_ERR" "missing.pem" "naming it"

t_done
