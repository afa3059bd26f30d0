#!/usr/bin/env bash
# What a batch costs on PostgreSQL, in statements (each one round trip):
# the server logs every statement of the hub's session (log_statement,
# set for that session alone through PGOPTIONS), and a batch of 2,500
# submissions (three parts of the merge) must cost a few statements
# more than a batch of 10, not two per submission.
. "$(dirname "$0")/hub-lib.sh"

# It reads its own server's log: it runs once, in e2e/.
if ! h_sqlite; then
	t_skip "runs its own PostgreSQL server in the SQLite pass"
	t_done
	exit
fi
if ! pg_start; then
	t_skip "PostgreSQL: $PG_WHY"
	t_done
	exit
fi
if [ -n "${HUB_TEST_PG_DIR:-}" ]; then
	t_skip "the server is shared: its log is not this test's alone"
	t_done
	exit
fi

HUB_DB=$(pg_db)
export HUB_DB
t_home
"$HUB" init >/dev/null 2>&1
"$HUB" device add dev-01 >/dev/null
h_gen dev-01 10 51 | h_pack dev-01 >"$T_TMP/small.gz"
h_gen dev-01 2500 52 | h_pack dev-01 >"$T_TMP/big.gz"

statements() {	# file: the statements its import cost; its output in T_OUT
	local before
	before=$(wc -l <"$PG_DIR/server.log")
	PGOPTIONS="-c log_statement=all" "$HUB" import "$1" >"$T_OUT" 2>&1
	tail -n +$((before + 1)) "$PG_DIR/server.log" |
		grep -cE 'LOG: +(statement|execute [^:]*):'
}
small=$(statements "$T_TMP/small.gz")
t_has "$T_OUT" "10 stored" "a batch of 10 is stored"
big=$(statements "$T_TMP/big.gz")
t_has "$T_OUT" "2500 stored" "a batch of 2,500 is stored"
echo "# statements: $small for 10 submissions, $big for 2,500"
t_check "the batch of 10 costs a handful of statements ($small)" \
	test "$small" -ge 5 -a "$small" -le 20
t_check "2,500 cost two more per part of 1,000 ($big)" \
	test "$big" -le $((small + 4))
again=$(statements "$T_TMP/big.gz")
t_has "$T_OUT" "2500 duplicate" "sent again: all duplicates"
t_check "and no more statements ($again)" test "$again" -le "$big"
t_done
