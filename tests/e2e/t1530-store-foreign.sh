#!/usr/bin/env bash
# Only init makes a store: an empty or another program's SQLite file where
# the store would be is refused by every other command, named, and left
# exactly as it was (no tables, no switch to a write-ahead log). The same
# for the hub's store. A store made before the application id still opens.
. "$(dirname "$0")/hub-lib.sh"

sum() { sha256sum "$1" | cut -d' ' -f1; }

# An empty file.
t_home
mkdir -p "$T_HOME"
: >"$T_HOME/collector.db"
for cmd in status list "fill anemia"; do
	t_run $cmd
	t_is "$T_RC" 3 "$cmd on an empty file: exit 3"
	t_has "$T_ERR" "$T_HOME/collector.db: an empty file, not a collector store: left as it is" \
		"$cmd says it is not a store, naming it"
done
t_one_error "on one line"
t_is "$(stat -c %s "$T_HOME/collector.db")" 0 "the file is still empty"
t_is "$(ls "$T_HOME")" collector.db "and nothing is beside it"
t_run init --device d1
t_is "$T_RC" 3 "init does not take it over either"
t_has "$T_ERR" "is there and is not a collector store: move it away first" \
	"and says what to do"
rm "$T_HOME/collector.db"
t_run init --device d1
t_is "$T_RC" 0 "once moved away, init makes the store"
t_is "$(t_sql 'PRAGMA application_id')" 1129071444 \
	"with the collector's application id"

# Another program's SQLite file.
t_home
mkdir -p "$T_HOME"
sqlite3 "$T_HOME/collector.db" "CREATE TABLE notes (t TEXT);
    INSERT INTO notes VALUES ('mine');"
before=$(sum "$T_HOME/collector.db")
t_run status
t_is "$T_RC" 3 "another program's SQLite file: exit 3"
t_has "$T_ERR" "not a collector store (another program's SQLite file)" \
	"and says so"
t_run forms add "$E2E_FORMS/household.csv"
t_is "$T_RC" 3 "forms add refuses it too"
t_is "$(sum "$T_HOME/collector.db")" "$before" "the file is unchanged"
t_is "$(t_sql 'PRAGMA journal_mode')" delete "not switched to a log"
t_is "$(t_sql "SELECT group_concat(name) FROM sqlite_master")" notes \
	"no table added"

# A file that is not SQLite at all.
echo "not a database, not at all" >"$T_HOME/collector.db"
t_run list
t_is "$T_RC" 3 "a file that is not SQLite: exit 3"
t_has "$T_ERR" "not a collector store (not a SQLite file)" "and says so"

# A store the collector made before the application id (schema 3, id 0).
t_store
sqlite3 "$T_HOME/collector.db" "PRAGMA application_id = 0"
t_run status
t_is "$T_RC" 0 "a store made before the application id opens"
t_is "$(t_sql 'PRAGMA application_id')" 1129071444 "and gets the id"

# The hub's store: its own id; the collector's store is not a hub store.
t_home
mkdir -p "$T_HOME"
: >"$T_HOME/hub.db"
h_run status
t_is "$T_RC" 3 "hub: an empty file is refused"
t_has "$T_ERR" "an empty file, not a hub store" "naming it"
t_is "$(stat -c %s "$T_HOME/hub.db")" 0 "and left empty"
rm "$T_HOME/hub.db"
h_init
t_is "$(h_sql 'PRAGMA application_id')" 1128813890 \
	"hub init sets the hub's application id"
t_store
cp "$T_HOME/collector.db" "$T_TMP/c.db"
t_home
mkdir -p "$T_HOME"
cp "$T_TMP/c.db" "$T_HOME/hub.db"
h_run device list
t_is "$T_RC" 3 "a collector store is not a hub store"
t_has "$T_ERR" "not a hub store" "and the hub says so"
t_done
