#!/usr/bin/env bash
# A form's attachments travel with it, as ODK Central's manifest has them:
# hub forms publish keeps them (FORM-media/ beside the form, or --media
# DIR) and refuses what `collector forms add` refuses; the forms list names
# each with its sha256 and URL; collector sync fetches only those whose
# digest the device lacks, checks each, and installs the form with them in
# one transaction. A changed list is fetched alone; a corrupted or cut
# download leaves the old version usable and is fetched at the next sync;
# a device made before attachments travelled gets the anaemia survey's
# growth tables and computes haz. On SQLite and, in the e2e-pg pass, on
# PostgreSQL.
. "$(dirname "$0")/hub-lib.sh"
SYNC_TMP=$T_TMP
. "$TOP/tests/tools/synclib.sh"
trap 'sync_cleanup; h_cleanup' EXIT

if [ ! -x "$FAULTPROXY" ]; then
	t_fail "the fault proxy is built ($FAULTPROXY)"
	t_done
	exit 1
fi

dev=$T_TMP/dev
c_run() {	# collector --home $dev ...
	"$COLLECTOR" --home "$dev" "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}
sha() {
	sha256sum "$1" | cut -c1-64
}
# The ccpp form (a centro poblado's list in communities.csv) with a second
# attachment, phones.csv, read by pulldata(); version $2, in folder $1,
# form_id $3 (ccpp).
make_form() {	# dir version [form_id]
	mkdir -p "$1/ccpp-media"
	sed -e "s/^,ccpp,1,/,${3:-ccpp},$2,/" \
	    -e '/^,calculate,altitude,/a\
,calculate,phone,,,,,"pulldata('"'"'phones'"'"', '"'"'phone'"'"', '"'"'name'"'"', ${community})",,' \
	    "$E2E_FORMS/ccpp.csv" >"$1/ccpp.csv"
	cp "$E2E_FORMS/ccpp-media/communities.csv" "$1/ccpp-media/"
	printf 'name,phone\n0302080003,983000111\n' >"$1/ccpp-media/phones.csv"
}
answers=$T_TMP/a.json
echo '{"district": "lucre", "community": "0302080003", "households": 12}' \
	>"$answers"

h_init
tok=$(h_token dev-01)

# 1. Publish: the attachments beside the form are kept, and listed.
make_form "$T_TMP/v1" 1
h_run forms publish "$T_TMP/v1/ccpp.csv"
t_is "$T_RC" 0 "forms publish: a form with two attachments beside it"
t_has "$T_OUT" "with its attachment 'communities.csv'" \
	"and says which attachments it published"
h_run forms list --json
t_is "$(jq -c '.[] | select(.form_id == "ccpp") | .attachments |
	map([.name, .size, .sha256])' "$T_OUT")" \
	"$(jq -nc --arg a "$(sha "$T_TMP/v1/ccpp-media/communities.csv")" \
	    --arg b "$(sha "$T_TMP/v1/ccpp-media/phones.csv")" \
	    --argjson na "$(stat -c %s "$T_TMP/v1/ccpp-media/communities.csv")" \
	    --argjson nb "$(stat -c %s "$T_TMP/v1/ccpp-media/phones.csv")" \
	    '[["communities.csv", $na, $a], ["phones.csv", $nb, $b]]')" \
	"forms list --json: each attachment's name, size and sha256"
h_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "anemia") | .attachments |
	map(.name) | join(" ")' "$T_OUT")" \
	"growth_lhfa.csv growth_wfa.csv growth_wflh.csv" \
	"hub init published the anaemia survey with its growth tables"

# 2. What forms add refuses, publish refuses, naming the file.
make_form "$T_TMP/big" 9
truncate -s 33M "$T_TMP/big/ccpp-media/phones.csv"
h_run forms publish "$T_TMP/big/ccpp.csv"
t_is "$T_RC" 1 "an attachment over the ceiling is refused"
t_has "$T_ERR" "attachment 'phones.csv': larger than 32 MB" \
	"naming the file"
make_form "$T_TMP/bad" 9
printf 'name,phone\n0302080003,98\0\n' >"$T_TMP/bad/ccpp-media/phones.csv"
h_run forms publish --media "$T_TMP/bad/ccpp-media" "$T_TMP/bad/ccpp.csv"
t_is "$T_RC" 1 "an attachment with a NUL byte is refused (--media DIR)"
t_has "$T_ERR" "phones.csv" "naming the file"
h_run forms list --json
t_is "$(jq -r 'map(select(.version == "9")) | length' "$T_OUT")" 0 \
	"and nothing of either is published"
make_form "$T_TMP/other" 1
echo '0302080009,1' >>"$T_TMP/other/ccpp-media/phones.csv"
h_run forms publish "$T_TMP/other/ccpp.csv"
t_is "$T_RC" 1 "the same version with another attachment is refused"
t_has "$T_ERR" "another 'phones.csv': raise the version" \
	"and the message says what to do"

# 3. A device syncs: the form comes with both lists, and fills.
h_serve || t_fail "hub serve starts"
"$COLLECTOR" --home "$dev" init --device dev-01 --hub "$H_URL" \
	--token - <<<"$tok" >/dev/null
c_run sync
t_is "$T_RC" 0 "sync gets the published form"
t_has "$T_OUT" "installed 'ccpp' version '1' from the hub" "it says so"
t_has "$T_OUT" "2 attachments, 2 of them fetched" "with its attachments"
c_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "ccpp") | .attachments |
	map(.sha256) | join(" ")' "$T_OUT")" \
	"$(sha "$T_TMP/v1/ccpp-media/communities.csv") $(sha "$T_TMP/v1/ccpp-media/phones.csv")" \
	"the device's store holds them, with their sha256"
c_run sync
t_lacks "$T_OUT" "installed" "a sync with nothing new installs nothing"
down=$(grep -o '[0-9]* down' "$T_OUT" | cut -d' ' -f1)
t_check "and costs a ping and a 304 (${down} bytes down)" test "$down" -lt 600
c_run fill ccpp --answers "$answers"
t_is "$T_RC" 0 "fill --answers with a place of the list that came by sync"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
c_run show "$id" --json
t_is "$(jq -c '.data | [.health_post, .phone]' "$T_OUT")" \
	'["Puesto de Salud Lucre","983000111"]' \
	"select_one_from_file and pulldata() read the synced attachments"

# 4. Version 2 changes one list: only that one is fetched.
make_form "$T_TMP/v2" 2
sed -i 's/Puesto de Salud Lucre/Posta de Lucre/' \
	"$T_TMP/v2/ccpp-media/communities.csv"
h_run forms publish "$T_TMP/v2/ccpp.csv"
t_is "$T_RC" 0 "version 2 with a changed list is published"
c_run sync
t_has "$T_OUT" "installed 'ccpp' version '2' from the hub" \
	"the device gets version 2"
t_has "$T_OUT" "2 attachments, 1 of them fetched" \
	"fetching only the list whose sha256 it lacks"
c_run fill ccpp --answers "$answers"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
c_run show "$id" --json
t_is "$(jq -c '.data | [.health_post, .phone]' "$T_OUT")" \
	'["Posta de Lucre","983000111"]' "and fills with the new list"

# Another form with the same lists: nothing to fetch (once per digest).
make_form "$T_TMP/twin" 1 ccpp_twin
h_run forms publish "$T_TMP/twin/ccpp.csv"
c_run sync
t_has "$T_OUT" "installed 'ccpp_twin' version '1' from the hub" \
	"another form that reads the same lists is installed"
t_has "$T_OUT" "2 attachments, 0 of them fetched" \
	"with the lists the device holds already, not fetched again"

# 5. Version 3's list arrives corrupted, then cut: version 2 stays.
make_form "$T_TMP/v3" 3
sed -i 's/Puesto de Salud Lucre/Centro de Salud Lucre/' \
	"$T_TMP/v3/ccpp-media/communities.csv"
# A list too large to cross before the cut: 3,000 rows of random names.
head -c 36000 /dev/urandom | od -An -v -tx1 | tr -d ' \n' | fold -w 24 |
	awk '{ printf "03%08d,%s,,lucre,PS %d,%d\n", 90000000 + NR, $0, NR, NR }' \
	>>"$T_TMP/v3/ccpp-media/communities.csv"
h_run forms publish "$T_TMP/v3/ccpp.csv"
v3=$(h_sql "SELECT id FROM forms WHERE form_id = 'ccpp' AND version = '3'")
if h_sqlite; then
	h_sql "UPDATE form_media SET content = CAST(content || 'x' AS BLOB)
	    WHERE form = $v3 AND name = 'communities.csv'"
else
	h_sql "UPDATE form_media SET content = content || '\\x78'::bytea
	    WHERE form = $v3 AND name = 'communities.csv'" >/dev/null
fi
c_run sync
t_check "a corrupted attachment: sync fails" test "$T_RC" -ne 0
t_has "$T_ERR" "attachment 'communities.csv' of form 'ccpp' version '3' from the hub does not match its sha256" \
	"naming the file and the check"
c_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "ccpp") | .version' "$T_OUT")" 2 \
	"version 2 is still the device's"
if h_sqlite; then
	h_sql "UPDATE form_media SET content = substr(content, 1,
	    length(content) - 1) WHERE form = $v3 AND name = 'communities.csv'"
else
	h_sql "UPDATE form_media SET content = substring(content from 1 for
	    length(content) - 1) WHERE form = $v3
	    AND name = 'communities.csv'" >/dev/null
fi
sync_proxy_start cut --to "127.0.0.1:$H_PORT" --cut-down 40000 ||
	t_fail "the fault proxy starts"
c_run sync --hub "http://127.0.0.1:$SYNC_PROXY_PORT"
t_check "a download cut in the middle: sync fails" test "$T_RC" -ne 0
t_lacks "$T_OUT" "installed 'ccpp' version '3'" "and installs nothing"
t_is "$(sync_stat cut cuts)" 1 "(the proxy did cut it)"
c_run fill ccpp --answers "$answers"
t_is "$T_RC" 0 "version 2 is still usable"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
c_run show "$id" --json
t_is "$(jq -r '[.form_version, .data.health_post] | join(" ")' "$T_OUT")" \
	"2 Posta de Lucre" "with its own list"
c_run sync --hub "$H_URL"
t_is "$T_RC" 0 "the next sync, on a good link, succeeds"
t_has "$T_OUT" "installed 'ccpp' version '3' from the hub" \
	"and gets version 3"
t_has "$T_OUT" "2 attachments, 1 of them fetched" "with its new list"
c_run fill ccpp --answers "$answers"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
c_run show "$id" --json
t_is "$(jq -r '.data.health_post' "$T_OUT")" "Centro de Salud Lucre" \
	"which fills with the list as published"

# 6. The anaemia survey on a device whose store has no growth tables (set
# up before attachments travelled): the next sync brings them.
old=$T_TMP/old
"$COLLECTOR" --home "$old" init --device dev-01 --hub "$H_URL" \
	--token - <<<"$tok" >/dev/null
sqlite3 "$old/collector.db" "DELETE FROM form_media"
child=$TOP/docs/examples/anemia-child.json
id=$("$COLLECTOR" --home "$old" fill anemia --answers "$child")
t_is "$("$COLLECTOR" --home "$old" show "$id" --json | jq -r .data.haz)" \
	null "without the growth tables, haz cannot be computed"
"$COLLECTOR" --home "$old" sync >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "installed the attachments of 'anemia'" \
	"sync installs the anaemia survey's attachments"
t_has "$T_OUT" "3 attachments, 3 of them fetched" "the three growth tables"
id=$("$COLLECTOR" --home "$old" fill anemia --answers "$child")
t_is "$("$COLLECTOR" --home "$old" show "$id" --json | jq -r .data.haz)" \
	-0.87 "and haz is computed"

# 7. A new version of the anaemia survey with the same tables: fetched
# once per digest, not per version.
sed 's/,2026120701,/,2026120702,/' "$TOP/forms/surveys/anemia.csv" \
	>"$T_TMP/anemia.csv"
h_run forms publish "$T_TMP/anemia.csv" \
	--media "$TOP/forms/surveys/anemia-media"
t_is "$T_RC" 0 "a new version of the anaemia survey is published"
"$COLLECTOR" --home "$old" sync >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "installed 'anemia' version '2026120702' from the hub" \
	"the device gets it"
t_has "$T_OUT" "3 attachments, 0 of them fetched" \
	"without fetching the tables it holds"
id=$("$COLLECTOR" --home "$old" fill anemia --answers "$child")
t_is "$("$COLLECTOR" --home "$old" show "$id" --json |
	jq -r '[.form_version, .data.haz] | join(" ")')" "2026120702 -0.87" \
	"and computes haz with them"

t_done
