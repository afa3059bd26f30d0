#!/usr/bin/env bash
# collector init, --help/--version, the store's place and permissions,
# the program's language (Spanish unless the environment names another).
. "$(dirname "$0")/lib.sh"

t_home
t_run --help
t_is "$T_RC" 0 "--help exits 0"
t_has "$T_OUT" "  fill      fill a survey" "--help lists the commands, one a line"
t_has "$T_OUT" "  status    " "every one of them"
t_run --version
t_is "$T_RC" 0 "--version exits 0"
t_has "$T_OUT" "collector " "--version prints the version"
t_run fill --help
t_is "$T_RC" 0 "a command's --help exits 0"
t_has "$T_OUT" "--answers" "fill --help tells about --answers"
t_run list --help
t_is "$T_RC" 0 "a command's --help needs no store"
t_has "$T_OUT" "usage: collector list" "and prints its usage"
t_run frobnicate
t_is "$T_RC" 2 "an unknown command exits 2"
t_one_error "an unknown command is one 'collector: ' line"

t_run list
t_is "$T_RC" 3 "no store: exit 3"
t_has "$T_ERR" "collector: no store in '$T_HOME': run '$COLLECTOR --home $T_HOME init --device ID'" \
	"no store: says where and what to do"
t_run init
t_is "$T_RC" 2 "init without --device is a usage error"
t_run init --device 'bad id!'
t_is "$T_RC" 2 "a device id with blanks is refused"
t_check "a refused init leaves no store" test ! -e "$T_HOME/collector.db"

t_run init --device dev-01 --promoter "Ana Quispe" --hub http://127.0.0.1:1 \
	--token s3cret
t_is "$T_RC" 0 "init succeeds"
t_has "$T_OUT" "3 surveys" "init installs the bundled surveys"
t_is "$(stat -c %a "$T_HOME")" 700 "the home is the owner's only"
t_is "$(stat -c %a "$T_HOME/collector.db")" 600 "the store is the owner's only"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'token'")" s3cret \
	"the token is kept in the store"
t_check "and in no other file" test ! -e "$T_HOME/token"
t_lacks "$T_OUT" s3cret "init does not print the token"
t_is "$(t_sql 'PRAGMA journal_mode')" wal "the store is in WAL mode"
t_run forms list --json
t_is "$(jq -r 'map(.form_id) | sort | join(" ")' "$T_OUT")" \
	"anemia household_improvements water_sanitation" \
	"the three bundled surveys are installed"

# --token - reads it from standard input: one line, trimmed.
h1=$T_HOME
t_home
t_run init --device dev-01 --token - \
	< <(printf '  t0k-en/42=  \r\nsecond line\n')
t_is "$T_RC" 0 "init --token - reads the token from standard input"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'token'")" 't0k-en/42=' \
	"the first line, without its blanks"
t_lacks "$T_OUT" 't0k-en' "and does not print it"
t_home
t_run init --device dev-01 --token - < <(printf '\n')
t_is "$T_RC" 2 "an empty token on standard input is a usage error"
t_check "and makes no store" test ! -e "$T_HOME/collector.db"
t_run init --device dev-01 --token 'two words'
t_is "$T_RC" 2 "a token with blanks is a usage error"
t_lacks "$T_ERR" 'two words' "and is not printed"

# A token file left by a collector from before the token moved into the
# store: the next command moves it in and removes the file.
t_home
"$COLLECTOR" --home "$T_HOME" init --device dev-01 >/dev/null
printf 'old-token\n' >"$T_HOME/token"
chmod 600 "$T_HOME/token"
t_run list
t_is "$T_RC" 0 "a store with an old token file opens"
t_is "$(t_sql "SELECT value FROM settings WHERE key = 'token'")" old-token \
	"its token moves into the store"
t_check "and the file is removed" test ! -e "$T_HOME/token"
T_HOME=$h1

cp "$T_HOME/collector.db" "$T_TMP/before.db"
t_run init --device other
t_is "$T_RC" 3 "init refuses to overwrite a store"
t_has "$T_ERR" "already exists" "and says so"
t_run status --json
t_is "$(jq -r .device_id "$T_OUT")" dev-01 "the store is unchanged"

t_run status --json
t_is "$(jq -c '{device_id, hub, counts, last_sync, pending_bytes}' "$T_OUT")" \
	'{"device_id":"dev-01","hub":"http://127.0.0.1:1","counts":{"draft":0,"finalized":0,"sent":0,"rejected":0},"last_sync":null,"pending_bytes":0}' \
	"status --json has the contract's shape"
t_run status
t_has "$T_OUT" "dev-01" "status shows the device"

# Where the store lives without --home.
h=$T_TMP/envhome
COLLECTOR_HOME=$h "$COLLECTOR" init --device d2 >/dev/null 2>&1
t_check "COLLECTOR_HOME is the default home" test -f "$h/collector.db"
XDG_DATA_HOME=$T_TMP/xdg "$COLLECTOR" init --device d3 >/dev/null 2>&1
t_check "else XDG_DATA_HOME/collector" test -f "$T_TMP/xdg/collector/collector.db"
HOME=$T_TMP/fakehome "$COLLECTOR" init --device d4 >/dev/null 2>&1
t_check "else ~/.local/share/collector" \
	test -f "$T_TMP/fakehome/.local/share/collector/collector.db"

# The program's language.
msg() {	# env... : the no-store message in that environment
	env -u LANGUAGE -u LANG -u LC_ALL -u LC_MESSAGES "$@" \
	    "$COLLECTOR" --home "$T_TMP/none" list 2>&1
}
t_is "$(msg)" \
	"collector: no hay almacén en '$T_TMP/none': ejecute '$COLLECTOR --home $T_TMP/none init --device ID'" \
	"no language named: Spanish"
t_has <(msg LANG=C) "no hay almacén" "LANG=C: Spanish"
t_has <(msg LANG=C.UTF-8) "no hay almacén" "LANG=C.UTF-8: Spanish"
t_has <(msg LANG=POSIX LC_MESSAGES=C) "no hay almacén" "LC_MESSAGES=C: Spanish"
t_has <(msg LANGUAGE=en) "no store in" "LANGUAGE=en: English"
t_has <(msg LANG=en_US.UTF-8) "no store in" "LANG=en_US.UTF-8: English"
t_has <(msg LC_ALL=es_PE.UTF-8) "no hay almacén" "LC_ALL=es_PE.UTF-8: Spanish"
t_done
