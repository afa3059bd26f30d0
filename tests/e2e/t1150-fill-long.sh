#!/usr/bin/env bash
# A long survey costs in proportion to its length: `collector fill
# --answers` of a census with 12,000 repeat entries (600 households of 20
# people) takes per entry what one of 1,000 entries takes. The store once
# looked for the next answer's order number by reading every answer
# already stored (76 s for 12,000 entries, and growing as the square).
# Then the 12,000 entries come back whole and in order through show.
. "$(dirname "$0")/lib.sh"

slow=1
if ldd "$COLLECTOR" 2>/dev/null | grep -q libasan; then
	slow=5
fi

cat >"$T_TMP/census.csv" <<'CSV'
survey,,,
,type,name,label
,begin repeat,home,Household
,text,head,Head of household
,begin repeat,person,Person
,text,pname,Name
,integer,page,Age
,end repeat,,
,end repeat,,
CSV
# census ENTRIES: --answers JSON of ENTRIES people, 20 to a household.
census() {
	python3 - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
json.dump({"home": [{"head": "h%d" % h, "person": [
    {"pname": "p%d" % (h * 20 + i), "page": i}
    for i in range(20)]} for h in range(n // 20)]}, sys.stdout)
PY
}
census 1000 >"$T_TMP/a1000.json"
census 12000 >"$T_TMP/a12000.json"

t_home
t_run init --device dev-01
t_run forms add "$T_TMP/census.csv"
t_is "$T_RC" 0 "the census form installs"

# fill ENTRIES: sets T_RC and T_MS, the milliseconds it took.
fill() {
	local t0
	t0=$(date +%s%N)
	timeout $((120 * slow)) "$COLLECTOR" --home "$T_HOME" fill census \
	    --answers "$T_TMP/a$1.json" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	T_MS=$((($(date +%s%N) - t0) / 1000000))
}
fill 1000
t_is "$T_RC" 0 "1,000 entries are stored ($T_MS ms)"
ms1000=$((T_MS > 0 ? T_MS : 1))
fill 12000
t_is "$T_RC" 0 "12,000 entries are stored in time ($T_MS ms)"
id=$(cat "$T_OUT")
# Per entry, 12,000 cost what 1,000 do (about 1x, and the 1,000 carry the
# start of the program); the square would make it 12x.
ratio=$((T_MS * 10 / (12 * ms1000)))
t_check "per entry, 12,000 cost at most 3x what 1,000 do (${ratio}/10)" \
	test "$ratio" -le 30

t_run show "$id" --json
t_is "$(jq '[.data.home[].person[]] | length' "$T_OUT")" 12000 \
	"show --json has the 12,000 people"
t_is "$(jq -r '[.data.home[].person[].pname] | .[0] + " " + .[11999]' \
	"$T_OUT")" "p0 p11999" "in the order they were given"
t_run show "$id" --xml
t_is "$(grep -o '<person>' "$T_OUT" | wc -l)" 12000 \
	"show --xml has them too"

t_done
