#!/usr/bin/env bash
# hub import: batch files carried by hand, merged with the rules of an
# upload; a stick carried twice counts once; a malformed file stores
# nothing and does not stop the others; status and export after it.
. "$(dirname "$0")/hub-lib.sh"

h_init
h_token dev-01 --district 030401 >/dev/null
h_gen dev-01 20 1 >"$T_TMP/a.ndjson"
h_pack dev-01 <"$T_TMP/a.ndjson" >"$T_TMP/a.gz"
h_run import "$T_TMP/a.gz"
t_is "$T_RC" 0 "import succeeds"
t_has "$T_OUT" "a.gz: 20 stored, 0 duplicate, 0 conflict, 0 rejected" \
	"and counts what it stored"
h_run import "$T_TMP/a.gz"
t_is "$T_RC" 0 "the same stick again succeeds"
t_has "$T_OUT" "0 stored, 20 duplicate" "and counts once: all duplicates"
t_is "$(h_sql 'SELECT count(*) FROM submissions')" 20 "20 on the hub"
t_is "$(h_sql "SELECT count(*) FROM batches WHERE via = 'import'")" 2 \
	"both imports are recorded as batches"

# One file with a bit of everything: every line has its own outcome.
h_gen dev-01 3 2 >"$T_TMP/b.ndjson"
{
	sed -n 1p "$T_TMP/b.ndjson"
	echo '{not json'
	sed -n 2p "$T_TMP/b.ndjson" |
		sed 's/"hb_measured":[0-9.]*/"hb_measured":115/'
	sed -n 3p "$T_TMP/b.ndjson" |
		sed 's/"device_id":"dev-01"/"device_id":"dev-77"/'
	sed -n 3p "$T_TMP/b.ndjson" | sed 's/2026120701/1999/'
	sed -n 1p "$T_TMP/a.ndjson"
	sed -n 2p "$T_TMP/a.ndjson" |
		sed 's/"altitude_m":[0-9]*/"altitude_m":4999/'
	sed -n 3p "$T_TMP/b.ndjson"
} >"$T_TMP/mixed.ndjson"
h_pack dev-01 <"$T_TMP/mixed.ndjson" >"$T_TMP/mixed.gz"
h_run import "$T_TMP/mixed.gz"
t_is "$T_RC" 0 "a file with refused lines is imported (exit 0)"
t_has "$T_OUT" "mixed.gz: 2 stored, 1 duplicate, 1 conflict, 4 rejected" \
	"each line counted once, in its outcome"
t_has "$T_OUT" "line 3: ?: rejected: not JSON" \
	"an invalid JSON line: rejected, with where"
t_has "$T_OUT" "line 4: uuid:" "the refused line's id is named"
t_has "$T_OUT" "hb_measured" "invalid data: the form's own message"
t_has "$T_OUT" "device 'dev-77' in a batch from device 'dev-01'" \
	"a line of another device is rejected"
t_has "$T_OUT" "unknown form or version" "an unpublished version is rejected"
t_has "$T_OUT" "line 8: uuid:" "a conflict is listed with its line"
t_has "$T_OUT" "conflict" "as a conflict"
t_is "$(h_sql 'SELECT count(*) FROM conflicts')" 1 "the conflict is kept aside"
id2=$(sed -n 2p "$T_TMP/a.ndjson" | jq -r .instance_id)
t_is "$(h_sql "SELECT line FROM submissions
	WHERE instance_id = '$id2'" | jq .data.altitude_m)" \
	"$(sed -n 2p "$T_TMP/a.ndjson" | jq .data.altitude_m)" \
	"and never overwrites the stored one"

# Malformed files: nothing of them is stored, the others still are.
h_gen dev-01 4 3 >"$T_TMP/c.ndjson"
h_pack dev-01 --count 9 <"$T_TMP/c.ndjson" >"$T_TMP/lies.gz"
h_pack dev-01 <"$T_TMP/c.ndjson" >"$T_TMP/c.gz"
head -c $(( $(stat -c %s "$T_TMP/c.gz") - 6 )) "$T_TMP/c.gz" >"$T_TMP/cut.gz"
printf 'not a batch\n' >"$T_TMP/plain.txt"
h_gen dev-09 2 4 | h_pack dev-09 >"$T_TMP/stranger.gz"
before=$(h_sql 'SELECT count(*) FROM submissions')
h_run import "$T_TMP/lies.gz" "$T_TMP/cut.gz" "$T_TMP/plain.txt" \
	"$T_TMP/stranger.gz" "$T_TMP/c.gz"
t_is "$T_RC" 1 "malformed files: exit 1"
t_has "$T_ERR" "lies.gz: line 6:" \
	"a header that lies about the count: named, with the line"
t_has "$T_ERR" "cut.gz:" "a truncated file is named"
t_has "$T_ERR" "plain.txt:" "a file that is no gzip is named"
t_has "$T_ERR" "device 'dev-09' is not enrolled" \
	"a device not enrolled: refused"
t_has "$T_ERR" "enrol it first with 'hub device add dev-09'" \
	"and says what to do"
t_has "$T_ERR" "nothing of it was imported" \
	"each says nothing of it was imported"
h_one_error "each refusal is one 'hub: ' line"
t_has "$T_OUT" "c.gz: 4 stored" "the good file after them is imported"
t_is "$(h_sql 'SELECT count(*) FROM submissions')" $((before + 4)) \
	"only the good file's submissions were stored"
h_run import "$T_TMP/nonexistent.gz" "$T_TMP/c.gz"
t_is "$T_RC" 3 "a file that does not exist: exit 3"
t_has "$T_OUT" "c.gz: 0 stored, 4 duplicate" "the others are still imported"
h_run import
t_is "$T_RC" 2 "import without a file is a usage error"

# A revoked device's stick is still imported (revoking stops a token).
h_run device revoke dev-01
h_gen dev-01 2 5 | h_pack dev-01 >"$T_TMP/late.gz"
h_run import "$T_TMP/late.gz"
t_is "$T_RC" 0 "a revoked device's file is imported"

# Revisions: the hub keeps every one, counts the newest.
orig=$(sed -n 1p "$T_TMP/c.ndjson")
oid=$(echo "$orig" | jq -r .instance_id)
rev=$(echo "$orig" | jq -c --arg d "$oid" \
	'.instance_id = "uuid:0e0e0e0e-0000-4000-8000-000000000001" |
	 .deprecated_id = $d | .data.hb_measured = 12.5')
echo "$rev" | h_pack dev-01 >"$T_TMP/rev.gz"
total=$(h_sql 'SELECT count(*) FROM current_submissions')
h_run import "$T_TMP/rev.gz"
t_has "$T_OUT" "1 stored" "a revision is stored"
t_is "$(h_sql 'SELECT count(*) FROM current_submissions')" "$total" \
	"and replaces the one it names: the count is the same"
h_run status --json
t_is "$(jq '.submissions.total' "$T_OUT")" "$total" \
	"status counts current revisions"
t_is "$(jq '.submissions.revisions' "$T_OUT")" \
	"$(h_sql 'SELECT count(*) FROM submissions')" \
	"and every revision stored"
t_is "$(jq '.conflicts' "$T_OUT")" 1 "status counts conflicts"
t_is "$(jq '.rejections' "$T_OUT")" 4 "and refused lines"
t_is "$(jq '[.submissions.by_district[]] | add' "$T_OUT")" "$total" \
	"by district adds up to the total"
t_is "$(jq '.submissions.by_form.anemia' "$T_OUT")" "$total" "by form too"
t_is "$(jq -r '.devices[0] | [.device_id, .submissions > 0,
	.last_batch != null] | join(" ")' "$T_OUT")" \
	"dev-01 true true" "devices with their submissions and last batch"
h_run status
t_has "$T_OUT" "by district:" "status in text"

# Export: the current revisions, each line as received.
h_run export --form anemia --format json --out "$T_TMP/anemia.json"
t_is "$T_RC" 0 "export succeeds"
t_is "$(jq length "$T_TMP/anemia.json")" "$total" \
	"every current submission once"
t_is "$(jq -r --arg o "$oid" 'map(select(.instance_id == $o)) | length' \
	"$T_TMP/anemia.json")" \
	0 "not the revision replaced"
t_is "$(jq -r 'map(select(.deprecated_id != null)) | .[0].data.hb_measured' \
	"$T_TMP/anemia.json")" \
	12.5 "but the one replacing it"
t_is "$(grep -cF "$(sed -n 4p "$T_TMP/a.ndjson")" "$T_TMP/anemia.json")" 1 \
	"each line exactly as received"
t_is "$(stat -c %a "$T_TMP/anemia.json")" 600 "the export is the owner's only"
"$HUB" --home "$T_HOME" export --form anemia --format json --out - \
	>"$T_TMP/out.json" 2>"$T_ERR"
t_check "--out - writes the same to stdout" \
	cmp "$T_TMP/out.json" "$T_TMP/anemia.json"
t_is "$(h_sql 'PRAGMA integrity_check')" ok "the store's integrity"
t_done
