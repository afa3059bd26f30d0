#!/usr/bin/env bash
# collector export: the surveys the hub has not acknowledged as one batch
# file (CONTRACT.md's "Batch file"): the header, then each submission as
# `show --json` prints it without "state". --all adds the sent and the
# rejected ones; drafts never. The file is written whole or not at all,
# and `hub import` takes it.
. "$(dirname "$0")/lib.sh"

HUB=${HUB:-$TOP/bin/hub}
export COLLECTOR_NOW=2026-11-25T10:00:00-05:00 TZ="<-05>5"
ANS=$TOP/docs/examples/anemia-child.json

t_home
"$COLLECTOR" --home "$T_HOME" init --device dev-01 --promoter "Ana Quispe" \
    >/dev/null
ids=()
for h in 0001 0002 0003; do
	jq ".household_id = \"030401-$h\"" "$ANS" >"$T_TMP/a$h.json"
	t_run fill anemia --answers "$T_TMP/a$h.json"
	ids+=("$(cat "$T_OUT")")
done
t_is "${#ids[@]}:$T_RC" 3:0 "three surveys filled"
echo '{"district": "030401"}' >"$T_TMP/draft.json"
t_run fill anemia --answers "$T_TMP/draft.json" --draft
draft=$(cat "$T_OUT")

t_run export --out "$T_TMP/b.gz"
t_is "$T_RC" 0 "export exits 0"
t_is "$(cat "$T_OUT")" "3 surveys written to '$T_TMP/b.gz'" \
	"and says how many and where"
t_is "$(stat -c %a "$T_TMP/b.gz")" 600 "the file is the owner's only"
t_check "it is gzip" gzip -t "$T_TMP/b.gz"
zcat "$T_TMP/b.gz" >"$T_TMP/b.ndjson"
t_is "$(wc -l <"$T_TMP/b.ndjson")" 4 "a header and three lines"
head -1 "$T_TMP/b.ndjson" >"$T_TMP/head.json"
t_is "$(jq -c '{format, version, device_id, count}' "$T_TMP/head.json")" \
	'{"format":"collector-batch","version":1,"device_id":"dev-01","count":3}' \
	"the header names the format, the device and the count"
uuid='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
t_check "a v4 UUID for the batch" grep -qE "\"batch_id\":\"$uuid\"" \
	"$T_TMP/head.json"
t_is "$(jq -r .created_at "$T_TMP/head.json")" \
	"2026-11-25T10:00:00.000-05:00" "created now, RFC 3339 local offset"

# Each line is what show --json prints, byte for byte, without "state".
same=0
for i in 0 1 2; do
	"$COLLECTOR" --home "$T_HOME" show "${ids[$i]}" --json |
	    sed 's/,"state":"finalized"}$/}/' >"$T_TMP/show.json"
	sed -n "$((i + 2))p" "$T_TMP/b.ndjson" | cmp -s - "$T_TMP/show.json" &&
	    same=$((same + 1))
done
t_is "$same" 3 "each line is show --json without its state, oldest first"
t_lacks "$T_TMP/b.ndjson" "$draft" "a draft is never exported"
t_lacks "$T_TMP/b.ndjson" '"state"' "no line carries a state"

# What the hub acknowledged is left out; --all puts it back, and the
# rejected ones too. The hub's answers are made by hand here (sync does
# it in t1610).
t_sql "UPDATE submissions SET state = 'sent' WHERE instance_id = '${ids[0]}';
UPDATE submissions SET state = 'rejected', reason = 'form version unknown'
WHERE instance_id = '${ids[1]}'"
t_run export --out "$T_TMP/p.gz"
t_is "$T_RC:$(cat "$T_OUT")" "0:1 survey written to '$T_TMP/p.gz'" \
	"without --all: only what waits for the hub"
t_is "$(zcat "$T_TMP/p.gz" | sed 1d | jq -r .instance_id)" "${ids[2]}" \
	"neither the sent nor the rejected one"
t_run export --all --out "$T_TMP/all.gz"
t_is "$T_RC:$(cat "$T_OUT")" "0:3 surveys written to '$T_TMP/all.gz'" \
	"--all: every finalized survey"
t_is "$(zcat "$T_TMP/all.gz" | sed 1d | jq -r .instance_id | tr '\n' ' ')" \
	"${ids[0]} ${ids[1]} ${ids[2]} " "sent and rejected ones too, no draft"
t_is "$(t_sql "SELECT group_concat(state, ' ') FROM
	(SELECT state FROM submissions ORDER BY id)")" \
	"sent rejected finalized draft" "export marks nothing"

# Nothing waiting: a valid batch with nothing in it.
t_sql "UPDATE submissions SET state = 'sent' WHERE instance_id = '${ids[2]}'"
t_run export --out "$T_TMP/none.gz"
t_is "$T_RC:$(cat "$T_OUT")" "0:0 surveys written to '$T_TMP/none.gz'" \
	"nothing to export: a batch of none"
t_is "$(zcat "$T_TMP/none.gz" | jq -c .count)" 0 "whose header says 0"

# Usage and the environment.
t_run export
t_is "$T_RC" 2 "no --out: usage error"
t_one_error "on one line"
t_has "$T_ERR" "--out FILE" "naming what is missing"
t_run export --out "$T_TMP/x.gz" extra
t_is "$T_RC" 2 "an extra argument: usage error"
t_run export --out "$T_TMP/nodir/b.gz"
t_is "$T_RC" 3 "a directory that does not exist: exit 3"
t_one_error "on one line"
t_has "$T_ERR" "$T_TMP/nodir" "naming it"
mkdir "$T_TMP/ro"
chmod 500 "$T_TMP/ro"
if [ ! -w "$T_TMP/ro" ]; then
	t_run export --all --out "$T_TMP/ro/b.gz"
	t_is "$T_RC" 3 "a directory that cannot be written: exit 3"
	t_is "$(ls -A "$T_TMP/ro")" "" "and nothing is left in it"
else
	echo "# running as root: a read-only directory is writable"
fi
t_run export --out "$T_TMP/b.gz/inside.gz"
t_is "$T_RC" 3 "a path through a file: exit 3"
cp "$T_TMP/all.gz" "$T_TMP/keep.gz"
t_run export --all --out "$T_TMP/all.gz"
t_is "$T_RC:$(zcat "$T_TMP/all.gz" | head -1 | jq .count)" 0:3 \
	"a file written over is replaced whole"
t_check "by a new batch" sh -c "! cmp -s '$T_TMP/all.gz' '$T_TMP/keep.gz'"
t_is "$(ls "$T_TMP" | grep -c '\.tmp\.')" 0 "no temporary file left"
t_run --home "$T_TMP/nohome" export --out "$T_TMP/n.gz"
t_is "$T_RC" 3 "no store: exit 3"
LANGUAGE=es t_run export --out "$T_TMP/es.gz"
t_is "$(cat "$T_OUT")" "0 encuestas escritas en '$T_TMP/es.gz'" \
	"in Spanish by default"

# The office takes the file in.
if [ -x "$HUB" ] && "$HUB" --version >/dev/null 2>&1; then
	H=$T_TMP/hub
	"$HUB" --home "$H" init >/dev/null 2>&1
	"$HUB" --home "$H" device add dev-01 >/dev/null 2>&1
	"$HUB" --home "$H" import "$T_TMP/all.gz" >"$T_OUT" 2>"$T_ERR"
	t_is "$?" 0 "hub import takes the file"
	t_is "$("$HUB" --home "$H" status --json | jq .submissions.total)" 3 \
		"the hub holds the three surveys"
	"$HUB" --home "$H" import "$T_TMP/all.gz" >/dev/null 2>&1
	t_is "$("$HUB" --home "$H" status --json | jq .submissions.total)" 3 \
		"a stick carried twice counts once"
else
	echo "# no hub built: hub import not tried"
fi
t_done
