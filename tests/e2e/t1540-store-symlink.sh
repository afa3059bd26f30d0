#!/usr/bin/env bash
# A store through a symbolic link: --home through a link, or $HOME reached
# through one, works like any other place (the home is resolved once); a
# link to nothing is named; a failed init leaves nothing behind.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T_TMP/card"
ln -s "$T_TMP/card" "$T_TMP/link"

T_HOME=$T_TMP/link/collector
t_run init --device dev-01
t_is "$T_RC" 0 "init through a linked directory"
t_check "the store is where the link points" test -f "$T_TMP/card/collector/collector.db"
t_run forms add "$E2E_FORMS/household.csv"
t_is "$T_RC" 0 "forms add through the link"
echo '{"head": "Ana", "age": 40, "has_kids": "no"}' >"$T_TMP/a.json"
t_run fill household --answers "$T_TMP/a.json"
t_is "$T_RC" 0 "fill through the link"
t_run list
t_is "$(grep -c household "$T_OUT")" 1 "list through the link"
t_lacks "$T_ERR" "unable to open database file" "never a bare SQLite error"

# The link itself as --home.
ln -s "$T_TMP/card/collector" "$T_TMP/direct"
T_HOME=$T_TMP/direct
t_run status
t_is "$T_RC" 0 "--home that is itself a link"

# $HOME reached through a link (the default home).
mkdir -p "$T_TMP/real-home"
ln -s "$T_TMP/real-home" "$T_TMP/home-link"
HOME=$T_TMP/home-link "$COLLECTOR" init --device dev-02 >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "init with \$HOME through a link"
HOME=$T_TMP/home-link "$COLLECTOR" status >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "dev-02" "status finds that store again"
t_check "in the real directory" \
	test -f "$T_TMP/real-home/.local/share/collector/collector.db"

# A link to nothing is named, and init makes nothing.
ln -s "$T_TMP/gone" "$T_TMP/dangling"
T_HOME=$T_TMP/dangling/collector
t_run init --device dev-03
t_is "$T_RC" 3 "a link to nothing: exit 3"
t_has "$T_ERR" "'$T_TMP/dangling' is a symbolic link to a place that does not exist" \
	"the message names the link"
t_one_error "on one line"
t_check "nothing made at the link's target" test ! -e "$T_TMP/gone"

# The store file itself as a link is refused, naming it.
t_home
mkdir -p "$T_HOME"
ln -s "$T_TMP/card/collector/collector.db" "$T_HOME/collector.db"
t_run status
t_is "$T_RC" 3 "a store file that is a link: exit 3"
t_has "$T_ERR" "is a symbolic link: a store is a plain file" "and says so"

# A failed init leaves no directory behind (a file-size limit: the
# disk is full for it).
T_HOME=$T_TMP/new/a/b
( trap '' XFSZ; ulimit -f 20; "$COLLECTOR" --home "$T_HOME" init \
    --device dev-04 ) >"$T_OUT" 2>"$T_ERR"
t_is "$?" 3 "init on a full disk: exit 3"
t_check "and leaves no directory behind" test ! -e "$T_TMP/new"
t_done
