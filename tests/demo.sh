#!/bin/sh
# tests/demo.sh BIN_DIR: what `make run` shows. A promoter's store in
# $COLLECTOR_HOME (made the first time, with the bundled surveys), then
# the anaemia survey in this terminal. Answers stay in the store between
# runs: `BIN_DIR/collector --home DIR list` shows them, `... edit ID`
# resumes a draft (the hints it prints name --home).
set -eu
bin=${1:?usage: tests/demo.sh BIN_DIR}
shift
: "${COLLECTOR_HOME:?set COLLECTOR_HOME to the demo store's directory}"
export COLLECTOR_HOME
collector=$bin/collector
if [ ! -f "$COLLECTOR_HOME/collector.db" ]; then
	"$collector" init --device demo-01 \
	    --promoter "Promotora de demostración"
fi
echo "Almacén: $COLLECTOR_HOME  ($collector --home $COLLECTOR_HOME list)"
exec "$collector" fill anemia "$@"
