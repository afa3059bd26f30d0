#!/usr/bin/env bash
# hub on PostgreSQL (--db, $HUB_DB) and `hub migrate --to`: a SQLite hub
# with a bit of everything (devices, a conflict, refused lines, a
# correction, a coordinator) copied into a private PostgreSQL server,
# verified, the file unchanged; the database then serves the devices
# with their old tokens; a database newer than the program is refused.
. "$(dirname "$0")/hub-lib.sh"

# e2e-pg: no (it makes its SQLite hub itself, and its database)
if ! pg_start; then
	t_skip "PostgreSQL: $PG_WHY"
	t_done
	exit
fi

h_init
tok=$(h_token dev-01 --promoter "Ana Quispe" --district 030401)
h_token dev-02 >/dev/null
h_gen dev-01 6 1 >"$T_TMP/a.ndjson"
{
	cat "$T_TMP/a.ndjson"
	echo '{not json'
	sed -n 2p "$T_TMP/a.ndjson" |
		sed 's/"altitude_m":[0-9]*/"altitude_m":4999/'
} | h_pack dev-01 >"$T_TMP/a.gz"
h_run import "$T_TMP/a.gz"
t_has "$T_OUT" "6 stored, 0 duplicate, 1 conflict, 1 rejected" \
	"a SQLite hub with a conflict and a refused line"
h_run user add maria --password-stdin <<<"correct horse battery"
h_run device revoke dev-02
sum_before=$(sha256sum "$T_HOME/hub.db" | cut -d' ' -f1)
"$HUB" --home "$T_HOME" status --json >"$T_TMP/status.sqlite"
"$HUB" --home "$T_HOME" export --form anemia --format json \
    --out "$T_TMP/export.sqlite" >/dev/null

url=$(pg_db)
h_run migrate --to "$url"
t_is "$T_RC" 0 "migrate --to a fresh database succeeds"
t_has "$T_OUT" "submissions           6 rows copied, count and content verified" \
	"and says what it copied, verified"
t_has "$T_OUT" "rejections            1 rows" "the refused line too"
t_is "$(sha256sum "$T_HOME/hub.db" | cut -d' ' -f1)" "$sum_before" \
	"the SQLite store is unchanged"

"$HUB" --db "$url" status --json >"$T_TMP/status.pg"
t_is "$(jq -c 'del(.devices[].last_contact)' "$T_TMP/status.pg")" \
	"$(jq -c 'del(.devices[].last_contact)' "$T_TMP/status.sqlite")" \
	"status on PostgreSQL says what it said on SQLite"
HUB_DB=$url "$HUB" export --form anemia --format json \
    --out "$T_TMP/export.pg" >/dev/null
t_check "the export is the same, byte for byte (\$HUB_DB)" \
	cmp -s "$T_TMP/export.pg" "$T_TMP/export.sqlite"
t_is "$(pg_sql "$url" 'SELECT count(*) FROM conflicts')" 1 \
	"the conflict kept aside came along"
t_is "$(pg_sql "$url" "SELECT revoked_at IS NOT NULL FROM devices
	WHERE id = 'dev-02'")" t "the revoked device stays revoked"

# The devices go on with their tokens, and what they send again is
# counted once.
HUB_DB=$url h_serve
h_post "$tok" "$T_TMP/a.gz"
t_is "$H_STATUS" 200 "a device's old token works on PostgreSQL"
t_is "$(jq -r '[.results[].status] | group_by(.) |
	map("\(.[0]) \(length)") | join(", ")' "$T_OUT")" \
	"conflict 1, duplicate 6, rejected 1" \
	"the same batch again: duplicates, the conflict, the refused line"
h_gen dev-01 3 2 | h_pack dev-01 >"$T_TMP/b.gz"
h_post "$tok" "$T_TMP/b.gz"
t_is "$(jq -r '[.results[] | select(.status == "stored")] | length' \
	"$T_OUT")" 3 "new submissions are stored"
t_is "$(pg_sql "$url" 'SELECT max(id) FROM submissions')" 9 \
	"after the copied ids (the sequence moved on)"
h_stop

h_run migrate --to "$url"
t_is "$T_RC" 3 "migrate into a database that has a hub is refused"
t_has "$T_ERR" "a hub store already exists in" "and says so"
h_one_error "in one line"
t_is "$(pg_sql "$url" 'SELECT count(*) FROM submissions')" 9 \
	"and changes nothing there"
h_run migrate --to "$T_TMP/x"
t_is "$T_RC" 2 "migrate --to a directory is a usage error"
h_run migrate
t_is "$T_RC" 2 "migrate without --to is a usage error"
"$HUB" --home "$T_TMP/nohub" migrate --to "$(pg_db)" >/dev/null 2>"$T_ERR"
t_is "$?" 3 "migrate without a SQLite store exits 3"

# A database made by a newer hub is refused, unchanged.
schema=$(pg_sql "$url" 'SELECT version FROM hub_schema')
pg_sql "$url" 'UPDATE hub_schema SET version = 99' >/dev/null
"$HUB" --db "$url" status >/dev/null 2>"$T_ERR"
t_is "$?" 3 "a database newer than the program is refused"
t_has "$T_ERR" "made by a newer hub" "and says so"
t_is "$(pg_sql "$url" 'SELECT version FROM hub_schema')" 99 \
	"and left as it was"

# A stored submission never changes, on PostgreSQL too.
pg_sql "$url" "UPDATE hub_schema SET version = $schema" >/dev/null
t_check "the database refuses to change a stored submission" \
	test -z "$(pg_sql "$url" "UPDATE submissions SET line = ''" \
	2>/dev/null)"
t_is "$(pg_sql "$url" "SELECT count(*) FROM submissions WHERE line = ''")" \
	0 "it is left as it was"
t_done
