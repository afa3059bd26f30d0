#!/usr/bin/env bash
# The merge looks up and writes a batch a part at a time (1,000 lines):
# what it decides must be what it would decide line by line. One
# submission several times in one part (the same bytes, the same
# content written otherwise, other content), a batch of several parts
# with a line of the first part again in the last, and the results of
# an upload in the order of its lines. On both stores.
. "$(dirname "$0")/hub-lib.sh"

h_init
tok=$(h_token dev-01)
h_gen dev-01 3 41 >"$T_TMP/g.ndjson"
a=$(sed -n 1p "$T_TMP/g.ndjson")
{
	echo "$a"
	jq -c -S . <<<"$a"			# keys in another order
	echo "$a"				# the same bytes
	jq -c '.data.weight_kg += 0.5' <<<"$a"	# other content
	sed -n 2p "$T_TMP/g.ndjson"
	echo "$a"
} >"$T_TMP/same.ndjson"
h_pack dev-01 <"$T_TMP/same.ndjson" >"$T_TMP/same.gz"
h_run import "$T_TMP/same.gz"
t_is "$T_RC" 0 "a batch with one submission several times is imported"
t_has "$T_OUT" "2 stored, 3 duplicate, 1 conflict, 0 rejected" \
	"each line judged against the one stored before it"
t_has "$T_OUT" "line 5: $(jq -r .instance_id <<<"$a"): conflict" \
	"the other content is the conflict, on its line"
t_is "$(h_sql "SELECT count(*) FROM conflicts")" 1 "kept aside once"
t_is "$(h_sql "SELECT count(*) FROM submissions")" 2 "stored once"

# 2,500 lines: three parts; the first line again at the end.
h_gen dev-01 2500 42 >"$T_TMP/big.ndjson"
sed -n 1p "$T_TMP/big.ndjson" >>"$T_TMP/big.ndjson"
h_pack dev-01 <"$T_TMP/big.ndjson" >"$T_TMP/big.gz"
h_run import "$T_TMP/big.gz"
t_has "$T_OUT" "2500 stored, 1 duplicate, 0 conflict, 0 rejected" \
	"a batch of three parts: every line once"
t_is "$(h_sql "SELECT count(*) FROM submissions")" 2502 "2,502 on the hub"
h_sql "SELECT instance_id FROM submissions WHERE batch =
	(SELECT max(batch) FROM submissions) ORDER BY id" >"$T_TMP/order"
head -2500 "$T_TMP/big.ndjson" | jq -r .instance_id >"$T_TMP/want"
t_check "stored in the order of the lines" cmp -s "$T_TMP/order" \
	"$T_TMP/want"

# An upload's results come in the order of its lines, whatever part
# decided them.
h_gen dev-01 1200 43 >"$T_TMP/up.ndjson"
{
	echo '{not json'
	cat "$T_TMP/up.ndjson"
	sed -n 1p "$T_TMP/big.ndjson"
} >"$T_TMP/up2.ndjson"
h_pack dev-01 <"$T_TMP/up2.ndjson" >"$T_TMP/up.gz"
h_serve
h_post "$tok" "$T_TMP/up.gz"
t_is "$H_STATUS" 200 "an upload of two parts is answered"
t_is "$(jq -r '[.results[].status] | .[0], .[1], .[1200], .[1201],
	length' "$T_OUT" | tr '\n' ' ')" \
	"rejected stored stored duplicate 1202 " \
	"one result per line, in the order of the lines"
t_is "$(jq -r '.results[1:1201] | map(.instance_id) | join(" ")' \
	"$T_OUT")" "$(jq -r .instance_id "$T_TMP/up.ndjson" | tr '\n' ' ' |
	sed 's/ $//')" "each with its line's id"
t_done
