#!/usr/bin/env bash
# Another hub stores an id while this one merges a batch bringing it: the
# merge looks up a part of the batch at once, then writes it at once, so
# an id can be stored by another process between the two. Here that
# other process is a psql session holding a transaction open that stores
# two of the batch's ids (one the same line, one other content) while
# `hub import` merges it: the import's insert waits for that transaction,
# skips the ids it stored, and judges those lines as if they had come
# second: the same line a duplicate, the other a conflict kept aside;
# nothing stored twice, nothing lost.
. "$(dirname "$0")/hub-lib.sh"

# It makes its own database: it runs once, in e2e/.
if ! h_sqlite; then
	t_skip "runs its own PostgreSQL database in the SQLite pass"
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
t_home
"$HUB" init >/dev/null 2>&1
t_is "$?" 0 "hub init on the database"
"$HUB" device add dev-01 >/dev/null

h_gen dev-01 3 31 >"$T_TMP/lines"
h_pack dev-01 <"$T_TMP/lines" >"$T_TMP/batch.gz"
l1=$(sed -n 1p "$T_TMP/lines")
l2=$(sed -n 2p "$T_TMP/lines")
other=$(jq -c '.data.hb_note = "another content"' <<<"$l1")
id1=$(jq -r .instance_id <<<"$l1")
id2=$(jq -r .instance_id <<<"$l2")
form=$(jq -r .form_id <<<"$l1")
version=$(jq -r .form_version <<<"$l1")

# The other process: the first id with other content, the second with
# the same line, committed 3 s later.
psql -X -q -v ON_ERROR_STOP=1 -d "$HUB_DB" -v other="$other" -v l2="$l2" \
    -v id1="$id1" -v id2="$id2" -v form="$form" -v version="$version" \
    >"$T_TMP/psql.out" 2>&1 <<'EOF' &
BEGIN;
WITH b AS (INSERT INTO batches (batch_id, device_id, via, received_at, count)
    VALUES ('other-hub', 'dev-01', 'http', '2026-01-01T00:00:00Z', 2)
    RETURNING id)
INSERT INTO submissions (instance_id, form_id, form_version, device_id,
    finalized_at, received_at, batch, line)
SELECT v.id, :'form', :'version', 'dev-01', '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z', b.id, v.line
FROM b, (VALUES (:'id1', :'other'), (:'id2', :'l2')) AS v(id, line);
SELECT pg_sleep(3);
COMMIT;
EOF
other_pid=$!
# Until its rows are written (uncommitted: the import cannot see them).
for _ in $(seq 50); do
	[ "$(pg_sql "$HUB_DB" "SELECT count(*) FROM pg_stat_activity WHERE
	    query LIKE 'SELECT pg_sleep%'")" = 1 ] && break
	sleep 0.1
done
t0=$(date +%s.%N)
"$HUB" import "$T_TMP/batch.gz" >"$T_OUT" 2>"$T_ERR"
rc=$?
t1=$(date +%s.%N)
wait "$other_pid"
t_is "$?" 0 "the other process stored two of the ids"
t_is "$rc" 0 "the import merges the batch"
t_check "the import waited for the other process's transaction" \
	test "$(echo "$t1 - $t0 >= 1" | bc -l)" = 1
t_has "$T_OUT" "1 stored, 1 duplicate, 1 conflict, 0 rejected" \
	"the line stored meanwhile is a duplicate, the other content a conflict"
t_has "$T_OUT" "$id1: conflict" "the conflict is listed with its id"
t_is "$(pg_sql "$HUB_DB" 'SELECT count(*), count(DISTINCT instance_id)
	FROM submissions')" "3|3" "three submissions, each once"
t_is "$(pg_sql "$HUB_DB" "SELECT line = '$(sed "s/'/''/g" <<<"$other")'
	FROM submissions WHERE instance_id = '$id1'")" t \
	"the first one stored keeps its id"
t_is "$(pg_sql "$HUB_DB" "SELECT instance_id, line =
	'$(sed "s/'/''/g" <<<"$l1")' FROM conflicts")" "$id1|t" \
	"the import's other content is kept aside"
t_is "$(pg_sql "$HUB_DB" "SELECT stored, duplicates, conflicts FROM batches
	WHERE batch_id <> 'other-hub'")" "1|1|1" "the batch's counts say so"
t_done
