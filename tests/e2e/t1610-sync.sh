#!/usr/bin/env bash
# collector sync against a real hub on 127.0.0.1: what is sent, what is
# marked, what a promoter reads. The hub's answers (stored, duplicate,
# conflict, rejected), a second sync that sends nothing, a rejected survey
# corrected with edit, the forms the office publishes, --hub kept, and the
# failures: no hub, no token, a hub that cannot be reached, one that comes
# later (--watch), a link cut mid-sync (exit 4), a revoked token, and
# the new one the office gives (hub device token, sync --token -).
. "$(dirname "$0")/lib.sh"
SYNC_TMP=$T_TMP
. "$TOP/tests/tools/synclib.sh"
trap 'sync_cleanup; t_cleanup' EXIT

ANS=$TOP/docs/examples/anemia-child.json
if ! "$HUB" serve --help >/dev/null 2>&1; then
	t_fail "bin/hub serve is built"
	t_done
	exit 1
fi

# fill N FIRST: N anaemia surveys, household ids FIRST, FIRST+1, ...
fill() {
	local i id
	for ((i = $2; i < $2 + $1; i++)); do
		jq ".household_id = \"030401-$(printf %04d "$i")\"" "$ANS" \
		    >"$T_TMP/ans.json"
		id=$("$COLLECTOR" --home "$T_HOME" fill anemia \
		    --answers "$T_TMP/ans.json") || return 1
		echo "$id"
	done
}
hub_total() {
	"$HUB" --home "$hub" status --json | jq .submissions.total
}
summary() {	# sent stored duplicate conflict rejected waiting
	printf 'sent %d (stored %d, duplicate %d, conflict %d), rejected %d, ' \
	    "$1" "$2" "$3" "$4" "$5"
	printf 'waiting %d;' "$6"
}
state_of() {	# instance_id
	t_sql "SELECT state FROM submissions WHERE instance_id = '$1'"
}

hub=$T_TMP/hub
sync_hub_init "$hub" || t_fail "hub init"
tok=$(sync_device_add "$hub" dev-01)
sync_hub_start "$hub" || t_fail "hub serve answers"
url=http://127.0.0.1:$SYNC_HUB_PORT

t_home
t_run init --device dev-01 --promoter "Ana Quispe" --hub "$url" --token - \
	<<<"$tok"
t_is "$T_RC" 0 "init with the hub and the token from standard input"
fill 3 1 >"$T_TMP/ids" || t_fail "three surveys filled"
ids=($(cat "$T_TMP/ids"))

# 1. Three surveys, then nothing.
t_run sync
t_is "$T_RC" 0 "sync exits 0 when everything is acknowledged"
t_has "$T_OUT" "$(summary 3 3 0 0 0 0)" \
	"and says what happened"
t_is "$(t_sql "SELECT group_concat(DISTINCT state) FROM submissions")" \
	sent "the three are sent"
t_is "$(hub_total)" 3 "the hub has them"
t_run status --json
t_is "$(jq -c '[.counts.sent, .counts.finalized, .pending_bytes]' "$T_OUT")" \
	"[3,0,0]" "status: three sent, nothing waiting"
t_check "status: the last sync is kept" \
	grep -qE '"last_sync":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$T_OUT"
t_run sync
t_is "$T_RC" 0 "a second sync exits 0"
t_has "$T_OUT" "$(summary 0 0 0 0 0 0)" \
	"and sends nothing"
t_is "$(hub_total)" 3 "the hub still has three"

# 2. The hub already has one (a stick carried to the office), and another
# with the same id but other content: duplicate and conflict, both sent.
fill 2 10 >"$T_TMP/ids2"
ids2=($(cat "$T_TMP/ids2"))
"$COLLECTOR" --home "$T_HOME" export --out "$T_TMP/stick.gz" >/dev/null
zcat "$T_TMP/stick.gz" |
    sed '3s/"community":"Pampamarca"/"community":"Yanaca"/' |
    gzip >"$T_TMP/stick2.gz"
"$HUB" --home "$hub" import "$T_TMP/stick2.gz" >/dev/null 2>&1
t_run sync
t_is "$T_RC" 0 "sync of what the hub has already"
t_has "$T_OUT" "sent 2 (stored 0, duplicate 1, conflict 1)" \
	"one duplicate, one conflict"
t_has "$T_ERR" "${ids2[1]}" "the conflict is named"
t_has "$T_ERR" "warning" "as a warning"
t_is "$(state_of "${ids2[0]}"):$(state_of "${ids2[1]}")" sent:sent \
	"both are acknowledged: the hub keeps the conflict aside"

# 3. A survey the hub rejects (a form it does not have) is rejected with
# its reason, not sent again, and corrected with edit.
"$COLLECTOR" --home "$T_HOME" forms add "$E2E_FORMS/household.csv" >/dev/null
echo '{"head": "Ana", "age": 30, "has_kids": "no"}' >"$T_TMP/hh.json"
rej=$("$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/hh.json")
t_run sync
t_is "$T_RC" 0 "a rejection is an answer: exit 0"
t_has "$T_OUT" "rejected 1, waiting 0" "counted as rejected"
t_has "$T_ERR" "$rej" "the rejected survey is named"
t_is "$(state_of "$rej")" rejected "and marked rejected"
t_check "with the hub's reason" test -n \
	"$(t_sql "SELECT reason FROM submissions WHERE instance_id = '$rej'")"
t_run list --state rejected
t_has "$T_OUT" "${rej:0:18}" "list --state rejected shows it"
t_has "$T_OUT" "reason: " "with its reason"
t_run list --state rejected --json
t_is "$(jq -r '.[0].state' "$T_OUT")" rejected "the JSON keeps the English word"
t_run status --json
t_is "$(jq .counts.rejected "$T_OUT")" 1 "status counts it"
t_run status
t_has "$T_OUT" "see '$COLLECTOR --home $T_HOME list --state rejected'" \
	"status points at the list as the program was typed, with --home"
LANGUAGE= LANG=C t_run list --state rejected
t_has "$T_OUT" "rechazada" "in Spanish by default: rechazada"
t_has "$T_OUT" "motivo: " "with its motivo"
LANGUAGE= LANG=C t_run show "$rej"
t_has "$T_OUT" "estado: rechazada" "show in Spanish"
before=$(hub_total)
t_run sync
t_has "$T_OUT" "$(summary 0 0 0 0 0 0)" \
	"a rejected survey is not sent again"
t_is "$(hub_total)" "$before" "the hub gets nothing new"
t_run export --out "$T_TMP/p.gz"
t_has "$T_OUT" "0 surveys" "nor exported without --all"

# The office publishes the form; the promoter corrects the survey.
"$HUB" --home "$hub" forms publish "$E2E_FORMS/household.csv" >/dev/null
t_run edit "$rej" < <(printf '1\nRosa\n\n')
rev=$(grep -oE 'uuid:[0-9a-f-]{36}' "$T_OUT" | tail -1)
t_check "edit of a rejected survey makes a new revision" \
	test -n "$rev" -a "$rev" != "$rej"
t_is "$(t_sql "SELECT deprecated_id FROM submissions
	WHERE instance_id = '$rev'")" "$rej" "which names the one it replaces"
t_run sync
t_is "$T_RC" 0 "the revision is sent"
t_has "$T_OUT" "sent 1 (stored 1, duplicate 0, conflict 0), rejected 0" \
	"and stored"
t_is "$(state_of "$rev"):$(state_of "$rej")" sent:rejected \
	"the revision sent, the original still rejected"

# 4. Forms the office publishes reach the device, once.
sed 's/^,household,1,/,household,2,/' "$E2E_FORMS/household.csv" \
    >"$T_TMP/household.csv"
"$HUB" --home "$hub" forms publish "$T_TMP/household.csv" >"$T_TMP/pub" 2>&1
t_run sync
t_is "$T_RC" 0 "sync with a newly published form"
t_has "$T_OUT" "installed 'household' version '2' from the hub" \
	"the new version is installed"
t_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "household") | .version' "$T_OUT")" \
	2 "and is the current one"
t_check "the forms list's ETag is kept" test -n \
	"$(t_sql "SELECT value FROM settings WHERE key = 'forms_etag'")"
t_run sync
t_lacks "$T_OUT" "installed" "a second sync installs nothing"

# The hub's larger JSON answers go gzip to a client that accepts it, and
# only then; the gzip list is another representation with its own ETag.
forms_headers() {	# Accept-Encoding value (empty: no header)
	curl -s -D - -o "$T_TMP/forms.body" -H "Authorization: Bearer $tok" \
	    ${1:+-H "Accept-Encoding: $1"} "$url/api/v1/forms" | tr -d '\r'
}
forms_headers gzip >"$T_TMP/h1"
t_check "Accept-Encoding: gzip: the forms list comes gzip" \
	grep -qix 'content-encoding: gzip' "$T_TMP/h1"
t_check "with Vary: Accept-Encoding" \
	grep -qix 'vary: accept-encoding' "$T_TMP/h1"
t_check "and it inflates to the list" \
	sh -c "gunzip -c <'$T_TMP/forms.body' | jq -e 'length > 0' >/dev/null"
forms_headers 'br, gzip;q=0' >"$T_TMP/h2"
t_check "gzip;q=0: not gzip" \
	sh -c "! grep -qi '^content-encoding' '$T_TMP/h2'"
forms_headers '' >"$T_TMP/h3"
t_check "no Accept-Encoding: not gzip" \
	sh -c "! grep -qi '^content-encoding' '$T_TMP/h3'"
t_check "the two representations have two ETags" test \
	"$(grep -i '^etag' "$T_TMP/h1")" != "$(grep -i '^etag' "$T_TMP/h3")"

# 5. A link cut in the middle of a sync, in the hub's answer to the second
# batch (one survey each; a ping's answer is about 150 bytes, a batch's
# about 300): the first stays sent, the second waits although the hub has
# it, and so does the third (exit 4). The next sync sends them again.
# (A cut before any answer is no test: libcurl sends again by itself on a
# new connection.)
fill 3 20 >"$T_TMP/ids3"
sync_proxy_start cut --cut-first 1 --cut-down 550
COLLECTOR_BATCH_BYTES=256 t_run sync --hub "http://127.0.0.1:$SYNC_PROXY_PORT"
t_is "$T_RC" 4 "a sync cut after some answers: exit 4"
sent=$(t_sql "SELECT count(*) FROM submissions WHERE state = 'sent'
	AND instance_id IN ($(sed "s/.*/'&'/" "$T_TMP/ids3" | paste -sd,))")
t_check "some of the three were answered ($sent), not all" \
	test "$sent" -ge 1 -a "$sent" -le 2
t_has "$T_OUT" "waiting $((3 - sent))" "the summary says what waits"
t_one_error "the cut is one error line"
"$HUB" --home "$hub" export --form anemia --format json \
    --out "$T_TMP/hub.json" >/dev/null 2>&1
missing=0
for id in $(t_sql "SELECT instance_id FROM submissions WHERE state = 'sent'
	AND form = (SELECT id FROM forms WHERE form_id = 'anemia' AND current)"); do
	grep -q "$id" "$T_TMP/hub.json" || missing=$((missing + 1))
done
t_is "$missing" 0 "everything marked sent is on the hub"
t_run sync --hub "$url"
t_is "$T_RC" 0 "the next sync sends the rest"
t_has "$T_OUT" "duplicate 1" "the one the hub had without saying is a duplicate"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'finalized'")" \
	0 "nothing waits"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'hub'")" "$url" \
	"--hub is kept as the hub"

# 6. No hub, no token, a bad address, a missing --ca.
t_home
t_run init --device dev-02
fill 1 30 >/dev/null
t_run sync
t_is "$T_RC" 2 "no hub: usage error"
t_has "$T_ERR" "sync --hub URL" "naming sync --hub"
t_has "$T_ERR" "init --hub URL" "and init --hub"
t_one_error "on one line"
t_run sync --hub "$url"
t_is "$T_RC" 2 "no token: usage error"
t_has "$T_ERR" "--token -" "saying where it goes"
t_run sync --hub ftp://example.org
t_is "$T_RC" 2 "an address that is not http(s): usage error"

# The office gives the token later: sync --token - keeps it in the store
# (trimmed, as init does), then syncs; the next syncs use it.
tok2=$(sync_device_add "$hub" dev-02)
t_run sync --hub "$url" --token - <<<"  $tok2  "
t_is "$T_RC" 0 "sync --token -: a token from standard input, then the sync"
t_has "$T_OUT" "sent 1 (stored 1" "the survey is sent with it"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'token'")" "$tok2" \
	"the token is kept in the store, trimmed"
fill 1 31 >/dev/null
t_run sync
t_is "$T_RC" 0 "the next sync uses the kept token"
t_has "$T_OUT" "sent 1 (stored 1" "and sends the new survey"
t_run sync --token "two words"
t_is "$T_RC" 2 "a token with a blank: usage error"
t_run sync --token - </dev/null
t_is "$T_RC" 2 "an empty token: usage error"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'token'")" "$tok2" \
	"and the kept token is unchanged"
t_run sync --token "$tok2"
t_is "$T_RC" 0 "--token TOKEN works too"

t_home
t_run init --device dev-01 --hub http://127.0.0.1:1 --token - <<<"$tok"
ids=($(fill 2 40))
t_run sync --ca "$T_TMP/nonexistent.pem"
t_is "$T_RC" 3 "a --ca file that does not exist: exit 3"
t_has "$T_ERR" "nonexistent.pem" "named"
t_run sync
t_is "$T_RC" 3 "a hub that cannot be reached: exit 3"
t_has "$T_ERR" "127.0.0.1:1" "the message names the hub"
t_has "$T_OUT" "waiting 2" "the summary says what waits"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'sent'")" 0 \
	"nothing is marked sent"

# 7. --watch: a hub that never comes is waited for (until killed)...
COLLECTOR_BACKOFF_MAX_MS=100 timeout 3 "$COLLECTOR" --home "$T_HOME" \
    sync --watch >"$T_OUT" 2>"$T_ERR"
t_is "$?" 124 "--watch keeps waiting for a hub that does not come"
t_check "trying again, more than once" \
	test "$(grep -c 'trying again' "$T_ERR")" -ge 3
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'sent'")" 0 \
	"and marks nothing"
# ... and one that comes later is used as soon as it answers.
port=$(sync_free_port)
COLLECTOR_BACKOFF_MAX_MS=200 "$COLLECTOR" --home "$T_HOME" \
    sync --watch --hub "http://127.0.0.1:$port" >"$T_OUT" 2>"$T_ERR" &
watcher=$!
SYNC_PIDS+=("$watcher")
sleep 1
sync_stop "$SYNC_HUB_PID"
sync_hub_start "$hub" "$port" || t_fail "the hub starts on a new port"
for ((i = 0; i < 100; i++)); do
	sync_gone "$watcher" && break
	sleep 0.1
done
wait "$watcher"
t_is "$?" 0 "--watch: the hub came, everything acknowledged, exit 0"
t_has "$T_OUT" "sent 2 (stored 2" "both sent"
url=http://127.0.0.1:$port

# 8. A revoked token stops at once, with what to do.
fill 1 50 >/dev/null
"$HUB" --home "$hub" device revoke dev-01 >/dev/null
t_run sync --watch --hub "$url"
t_is "$T_RC" 3 "a revoked token: exit 3, even with --watch"
t_has "$T_ERR" "refused this device's token: ask the office for a new one" \
	"saying what to do"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'finalized'")" \
	1 "the survey still waits"
t_has "$T_ERR" "collector sync --token -" "and how to give the new one"
LANGUAGE= LANG=C t_run sync
t_has "$T_ERR" "pida uno nuevo" "in Spanish by default"

# The office trusts the device again: a new token, given without a new
# store; the old one stays refused.
tok2=$("$HUB" --home "$hub" device token dev-01 | tail -n 1)
t_check "hub device token prints a new token" test -n "$tok2"
t_run sync --token - <<<"$tok2"
t_is "$T_RC" 0 "sync --token - with the new token goes through"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'finalized'")" \
	0 "and the waiting survey is sent"
t_check "the old token is refused" sh -c "! curl -sf -o /dev/null \
    -H 'Authorization: Bearer $tok' $url/api/v1/forms"

# The token never shows.
for f in "$T_TMP"/*; do
	[ -f "$f" ] && grep -qF -- "$tok" "$f" && t_fail "the token is in $f"
done
t_ok "the token is in no output"
t_done
