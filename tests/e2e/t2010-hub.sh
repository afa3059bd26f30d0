#!/usr/bin/env bash
# hub init, device add|list|revoke, forms publish|list, status, export,
# --help/--version, exit codes, the store's place and the language.
. "$(dirname "$0")/hub-lib.sh"

t_home
h_run --help
t_is "$T_RC" 0 "--help exits 0"
t_has "$T_OUT" "import" "--help lists the commands"
t_has "$T_OUT" "migrate" "--help lists migrate"
h_run --version
t_has "$T_OUT" "hub " "--version prints the version"
h_run device --help
t_is "$T_RC" 0 "a command's --help exits 0"
t_has "$T_OUT" "revoke" "device --help tells about revoke"
h_run frobnicate
t_is "$T_RC" 2 "an unknown command exits 2"
h_one_error "an unknown command is one 'hub: ' line"
h_run --db "$T_TMP/dir" status
t_is "$T_RC" 2 "--db takes a PostgreSQL URL, not a directory"
t_has "$T_ERR" "not a PostgreSQL URL" "and says so"
h_run --db 'postgresql://hub:s3cret@/nodb?host=/nonexistent' status
t_is "$T_RC" 3 "--db naming no reachable database exits 3"
t_has "$T_ERR" "cannot open the PostgreSQL database 'nodb" "naming it"
t_is "$(grep -c s3cret "$T_ERR")" 0 "without the URL's password"
h_one_error "in one line"
HUB_DB=postgresql:///nodb?host=/nonexistent "$HUB" --home "$T_HOME" \
    status >/dev/null 2>&1
t_is "$?" 3 "\$HUB_DB too: never a SQLite store in its place"

h_run status
t_is "$T_RC" 3 "no store: exit 3"
where=$T_HOME
h_sqlite || where=$(pg_name)
t_has "$T_ERR" "hub: no store in '$where': run 'hub init'" \
	"no store: says where and what to do"
h_run init extra
t_is "$T_RC" 2 "init takes no argument"
t_check "a refused init leaves no store" test ! -e "$T_HOME/hub.db"

h_run init
t_is "$T_RC" 0 "init succeeds"
t_has "$T_OUT" "3 surveys published" "init publishes the bundled surveys"
if h_sqlite; then
	t_is "$(stat -c %a "$T_HOME")" 700 "the home is the owner's only"
	t_is "$(stat -c %a "$T_HOME/hub.db")" 600 \
	    "the store is the owner's only"
	t_is "$(h_sql 'PRAGMA journal_mode')" wal "the store is in WAL mode"
fi
h_run init
t_is "$T_RC" 3 "init refuses to overwrite a store"
t_has "$T_ERR" "already exists" "and says so"
h_one_error "in one line"

h_run forms list --json
t_is "$(jq -r 'map(.form_id) | join(" ")' "$T_OUT")" \
	"anemia household_improvements water_sanitation" \
	"forms list --json: the bundled surveys"
t_is "$(jq -r '.[0] | [.version, .file, (.sha256 | length)] | join(" ")' \
	"$T_OUT")" "2026120701 anemia.csv 64" "with version, file and sha256"
h_run forms list
t_has "$T_OUT" "Anemia: hemoglobina" "forms list shows titles"

# Devices.
h_run device add dev-01 --promoter "Ana Quispe" --district 030401
t_is "$T_RC" 0 "device add succeeds"
tok=$(tail -1 "$T_OUT")
t_check "the token is alone on the last line (43 base64url characters)" \
	grep -qE '^[A-Za-z0-9_-]{43}$' <(tail -1 "$T_OUT")
t_is "$(h_sql "SELECT count(*) FROM devices
	WHERE CAST(token_hash AS TEXT) LIKE '%$tok%'")" \
	0 "the store does not hold the token"
t_is "$(h_sql "SELECT DISTINCT length(token_hash) FROM devices")" 32 \
	"only a 32-byte hash of it"
tok2=$(h_token dev-02)
t_check "two devices get two tokens" test "$tok" != "$tok2"
h_run device add dev-01
t_is "$T_RC" 1 "an id is enrolled once"
t_has "$T_ERR" "already enrolled" "and says so"
h_run device add 'bad id'
t_is "$T_RC" 2 "a device id with a blank is refused"
h_run device add dev-03 --district 3040
t_is "$T_RC" 2 "a district that is no UBIGEO is refused"
h_run device list --json
t_is "$(jq -c 'map({device_id, promoter, district, revoked_at})' "$T_OUT")" \
	'[{"device_id":"dev-01","promoter":"Ana Quispe","district":"030401",'\
'"revoked_at":null},{"device_id":"dev-02","promoter":null,'\
'"district":null,"revoked_at":null}]' \
	"device list --json"
t_lacks "$T_OUT" "$tok" "device list never shows a token"
h_run device revoke dev-02
t_is "$T_RC" 0 "device revoke succeeds"
t_has "$T_OUT" "revoked" "and says so"
h_run device revoke dev-02
t_has "$T_OUT" "already revoked" "revoking twice says it was"
h_run device revoke dev-99
t_is "$T_RC" 1 "revoking an unknown device exits 1"
h_run device list
t_has "$T_OUT" "revoked" "device list shows the revoked one"

# Forms.
h_run forms publish "$E2E_FORMS/household.csv"
t_is "$T_RC" 0 "forms publish succeeds"
t_has "$T_OUT" "published 'household'" "and names the form"
h_run forms publish "$E2E_FORMS/household.csv"
t_is "$T_RC" 0 "the same bytes again: no change"
t_has "$T_OUT" "already published" "and says so"
sed 's/Name of the head/Name of the head (edited)/' "$E2E_FORMS/household.csv" \
	>"$T_TMP/household.csv"
h_run forms publish "$T_TMP/household.csv"
t_is "$T_RC" 1 "the same version with other bytes is refused"
t_has "$T_ERR" "raise the version" "and says what to do"
h_run forms publish "$E2E_FORMS/bad.csv"
t_is "$T_RC" 1 "a form with errors is refused"
t_has "$T_ERR" "hub: $E2E_FORMS/bad.csv:survey:" \
	"its problems name FILE:SHEET:ROW"
h_one_error "every line of it is a 'hub: ' line"
h_run forms publish "$T_TMP/none.csv"
t_is "$T_RC" 3 "a file that does not exist exits 3"

# Status and export of an empty hub.
h_run status --json
t_is "$(jq -c '[.submissions.total, .conflicts, .rejections,
	(.devices | length)]' "$T_OUT")" \
	"[0,0,0,2]" "status --json of a new hub"
h_run export --form anemia --format json --out "$T_TMP/a.json"
t_is "$T_RC" 0 "export of no submissions succeeds"
t_is "$(jq -c . "$T_TMP/a.json")" "[]" "and writes an empty array"
h_run export --form anemia --format csv --out "$T_TMP/a.zip"
t_is "$T_RC" 0 "export --format csv of no submissions succeeds"
t_is "$(unzip -p "$T_TMP/a.zip" anemia.csv | head -c 24)" \
	"SubmissionDate,district," "and writes the header alone"
h_run export --form anemia --format ods --out "$T_TMP/a.ods"
t_is "$T_RC" 2 "export --format ods: not a format (usage)"
t_has "$T_ERR" "csv, xlsx or json" "and names the formats"
t_check "and writes nothing" test ! -e "$T_TMP/a.ods"
h_run export --form nope --format json --out "$T_TMP/n.json"
t_is "$T_RC" 1 "export of an unknown form exits 1"
h_run export --form anemia
t_is "$T_RC" 2 "export without --format and --out is a usage error"

# Where the store lives without --home.
unset HUB_DB
h=$T_TMP/envhome
HUB_HOME=$h "$HUB" init >/dev/null 2>&1
t_check "HUB_HOME is the default home" test -f "$h/hub.db"
XDG_DATA_HOME=$T_TMP/xdg "$HUB" init >/dev/null 2>&1
t_check "else XDG_DATA_HOME/hub" test -f "$T_TMP/xdg/hub/hub.db"
HOME=$T_TMP/fakehome "$HUB" init >/dev/null 2>&1
t_check "else ~/.local/share/hub" \
	test -f "$T_TMP/fakehome/.local/share/hub/hub.db"

# Spanish unless the environment names another language.
msg() {
	env -u LANGUAGE -u LANG -u LC_ALL -u LC_MESSAGES "$@" \
	    "$HUB" --home "$T_TMP/none" status 2>&1
}
t_is "$(msg)" "hub: no hay almacén en '$T_TMP/none': ejecute 'hub init'" \
	"no language named: Spanish"
t_has <(msg LANGUAGE=en) "no store in" "LANGUAGE=en: English"
t_done
