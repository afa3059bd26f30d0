#!/usr/bin/env bash
# The dashboard in a real browser: headless Chromium driven by Selenium
# (tests/e2e/dashboard-browser.py) logs in, checks the anaemia table
# against `hub report --format json`, follows an export link, is refused
# after logout, and takes a screenshot. Without chromium, chromium-driver
# or python3-selenium its checks are skipped, never passed.
#
# DASHBOARD_PNG=docs/img/dashboard.png keeps the screenshot there (the
# picture of docs/coordinator.md).
. "$(dirname "$0")/hub-lib.sh"

GEN=$TOP/tests/tools/genreport.py
G=$T_TMP/gen
PW=correct-horse-battery

h_init
python3 "$GEN" gen --out "$G" >/dev/null || t_fail "genreport.py gen"
# Two devices' files: districts with and without data, and the
# community named <script>.
for f in dev-01.0 dev-03.0; do
	h_token "${f%.*}" --promoter "Promotora ${f%.*}" >/dev/null
	h_pack "${f%.*}" <"$G/$f.ndjson" >"$G/$f.gz"
	COLLECTOR_NOW=2026-11-30T12:00:00-05:00 h_run import "$G/$f.gz"
	t_is "$T_RC" 0 "$f imported"
done
h_run user add maria --password-stdin <<<"$PW"
t_is "$T_RC" 0 "a coordinator"
h_run report --format json --out "$T_TMP/r.json"
t_is "$T_RC" 0 "the JSON report to compare with"
h_run export --form anemia --format csv --out "$T_TMP/cli.zip"
t_is "$T_RC" 0 "the csv zip to compare with"
h_serve || t_fail "hub serve starts"

timeout 120 /usr/bin/python3 "$TOP/tests/e2e/dashboard-browser.py" \
    "$H_URL" maria "$PW" "$T_TMP/r.json" "$T_TMP/cli.zip" "$T_TMP" \
    >"$T_TMP/browser" 2>"$T_TMP/browser.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) t_ok "${line#ok - }" ;;
	"not ok - "*) t_fail "${line#not ok - }" ;;
	"skip - "*) t_skip "${line#skip - }" ;;
	*) echo "$line" ;;
	esac
done <"$T_TMP/browser"
if [ "$rc" -ne 0 ]; then
	t_fail "the browser script ran to its end (exit $rc)" \
	    "$(tail -20 "$T_TMP/browser.err")"
fi
if [ -n "${DASHBOARD_PNG:-}" ] && [ -f "$T_TMP/dashboard.png" ]; then
	cp "$T_TMP/dashboard.png" "$DASHBOARD_PNG"
fi
h_stop
t_done
