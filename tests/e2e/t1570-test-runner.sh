#!/usr/bin/env bash
# The test runner tells skipped tests apart: a part whose tests skip (what
# it needs is not there: the project's ../shared corpus, openssl, a
# read-only mount) reports "skip", not "ok (0 passed)", and the closing
# line counts them. `make run` shows the survey, not the build.
. "$(dirname "$0")/lib.sh"

# A tree of its own: tests/run.sh over three TAP parts.
mkdir -p "$T_TMP/tree/tests/e2e" "$T_TMP/tree/build"
cp "$TOP/tests/run.sh" "$T_TMP/tree/tests/"
cat >"$T_TMP/tree/tests/e2e/t0001-skips.sh" <<'T'
echo "ok 1 # SKIP needs ../shared"
echo "ok 2 - # SKIP openssl not installed"
echo "1..2"
T
cat >"$T_TMP/tree/tests/e2e/t0002-some.sh" <<'T'
echo "ok 1 - runs"
echo "ok 2 # SKIP no read-only mount here"
echo "1..2"
T
cat >"$T_TMP/tree/tests/e2e/t0003-runs.sh" <<'T'
echo "ok 1 - runs"
echo "1..1"
T
# (TESTS unset: this file may itself run under a TESTS=... filter.)
(cd "$T_TMP/tree" && env -u TESTS BUILD=build bash tests/run.sh) \
    >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "skipped tests do not fail the run"
t_has "$T_OUT" "skip e2e/t0001-skips (2 skipped)" \
	"a part whose tests all skipped says skip"
t_lacks "$T_OUT" "ok   e2e/t0001-skips" "not ok (0 passed)"
t_has "$T_OUT" "needs ../shared" "and says why"
t_has "$T_OUT" "ok   e2e/t0002-some (1 passed, 1 skipped)" \
	"a part with some skipped counts both"
t_is "$(tail -1 "$T_OUT")" "2 passed, 0 failed, 3 skipped" \
	"the closing line counts the skipped"

# cmocka's skip(): the corpus tests without ../shared.
SHARED=$T_TMP/nothing TESTS=unit/test_corpus BUILD=$BUILD \
    bash "$TOP/tests/run.sh" >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "skip unit/test_corpus (2 skipped)" \
	"a unit part that skips without ../shared says skip"
t_is "$(tail -1 "$T_OUT")" "0 passed, 0 failed, 2 skipped" "and is counted"

# make run: the survey first. -W: as if a bundled survey had changed, so
# that something is rebuilt (and the tool made for it removed after).
# As typed at a shell: not a make within `make test` (which says
# "Entering directory").
(cd "$TOP" && env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS \
    COLLECTOR_HOME=$T_TMP/demo make -W forms/surveys/anemia.csv run \
    </dev/null) >"$T_OUT" 2>&1
t_has "$T_OUT" "Almacén: $T_TMP/demo" "make run starts the survey"
first=$(grep -v '^store created' "$T_OUT" | head -1)
t_is "${first%%  *}" "Almacén: $T_TMP/demo" \
	"with nothing before it but the new store's line"
t_lacks "$T_OUT" "cc " "no compiler lines"
t_lacks "$T_OUT" "rm build" "no rm at the end"
t_done
