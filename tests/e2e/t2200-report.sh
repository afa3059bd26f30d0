#!/usr/bin/env bash
# hub report over a province planted with a known distribution
# (tests/tools/genreport.py): about 2,900 surveys of the three forms in
# the 17 districts, imported as batch files from six devices and, a part,
# filled by `collector fill` and synced through `hub serve`; with
# corrections (one that arrives before what it corrects), a conflict,
# refused surveys (one corrected since), computed values left out,
# unanswered questions, a form without a district, the same household
# twice (once from a community named <script>), two silent devices; and
# children measured, with oedema, outside the weight-for-length table, or
# without their growth classes (stunting, wasting, underweight,
# overweight, anaemia with stunting: the planted counts too).
# `hub report --format json` must give exactly the planted counts, over
# everything and over a period; text and HTML show the same figures, the
# HTML escapes what the surveys say. Then the command's refusals.
. "$(dirname "$0")/hub-lib.sh"

GEN=$TOP/tests/tools/genreport.py
NOW=2026-11-30T12:00:00-05:00
G=$T_TMP/gen
export COLLECTOR_NOW=$NOW

if ! python3 "$GEN" gen --out "$G" >"$T_TMP/gen.out"; then
	t_fail "genreport.py gen"
	t_done
	exit 1
fi
t_ok "$(cat "$T_TMP/gen.out")"

h_init
while read -r dev name; do
	h_token "$dev" --promoter "$name" >/dev/null
done <<'EOF'
dev-01 Ana Quispe
dev-02 Rosa Huamaní
dev-03 <b>Rosa</b> & Co
dev-04 Luz Ccori
dev-05 Eva Palomino
dev-06 Juana Ayala
dev-07 Olga Taipe
EOF
h_run forms publish "$TOP/tests/e2e/forms/household.csv"
t_is "$T_RC" 0 "a form without a district is published"

# The batch files, each at the hour the planted file says (the silent
# device's a month ago).
stored=0 refused=0 conflicts=0 failed=0
while read -r dev file now; do
	h_pack "$dev" <"$G/$file" >"$G/$file.gz"
	COLLECTOR_NOW=$now h_run import "$G/$file.gz"
	[ "$T_RC" -eq 0 ] || failed=$((failed + 1))
	read -r s r c < <(sed -n 's/.*: \([0-9]*\) stored, [0-9]* duplicate, \([0-9]*\) conflict, \([0-9]*\) rejected$/\1 \3 \2/p' "$T_OUT")
	stored=$((stored + ${s:-0}))
	refused=$((refused + ${r:-0}))
	conflicts=$((conflicts + ${c:-0}))
done <"$G/imports"
h_pack dev-04 <"$G/household.ndjson" >"$G/household.gz"
h_run import "$G/household.gz"
t_has "$T_OUT" "3 stored" "the form without a district: imported"
t_is "$failed" 0 "every batch file is imported"
t_is "$refused" 2 "the two haemoglobins of 115 are refused"
t_is "$conflicts" 1 "the id sent again with other content is a conflict"

# A part through the network: a device fills them, then syncs.
tok=$(h_token dev-09 --promoter "Nora Chipana")
h_serve || t_fail "hub serve starts"
C=$T_TMP/collector
"$COLLECTOR" --home "$C" init --device dev-09 --promoter "Nora Chipana" \
    --hub "$H_URL" --token - <<<"$tok" >/dev/null 2>&1 ||
	t_fail "collector init"
n=0
while read -r form file; do
	"$COLLECTOR" --home "$C" fill "$form" --answers "$file" \
	    >/dev/null 2>"$T_ERR" || t_fail "collector fill $form $file"
	n=$((n + 1))
done <"$G/sync/list"
"$COLLECTOR" --home "$C" sync >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "collector sync sends the $n surveys"
t_has "$T_OUT" "sent $n (stored $n" "and the hub stores them"

# The report, while the hub serves.
h_run report --format json --out "$T_TMP/r.json"
t_is "$T_RC" 0 "report --format json --out succeeds"
t_check "it is JSON" sh -c 'jq -e . "$1" >/dev/null' _ "$T_TMP/r.json"
python3 "$GEN" check "$G/expected.json" "$T_TMP/r.json" >"$T_TMP/check" 2>&1
t_is "$?" 0 "exactly the planted counts, district by district: $(tail -1 \
    "$T_TMP/check")"
grep -v ' checked, ' "$T_TMP/check" | head -20 | sed 's/^/# /'
t_is "$(jq '.districts | length' "$T_TMP/r.json")" 17 "17 districts listed"
t_is "$(jq -r '[.districts[].ubigeo] | join(" ")' "$T_TMP/r.json" |
	cut -c1-20)" "030401 030402 030403" "by UBIGEO, in order"
t_is "$(jq -r '.districts[5].name' "$T_TMP/r.json")" "Cotaruse" \
	"with their names"
t_is "$(jq '([.districts[].submissions.total] | add) +
	.no_district.submissions.total' "$T_TMP/r.json")" \
	"$(jq .province.submissions.total "$T_TMP/r.json")" \
	"the districts and no district add up to the province"
t_is "$(jq .province.indicators.anaemia_children.baseline "$T_TMP/r.json")" \
	39.36 "the plan's 39.36 % beside the province's anaemia"
t_is "$(jq .province.indicators.stunting_children.baseline "$T_TMP/r.json")" \
	32.6 "the plan's 32.6 % beside the province's stunting"
t_is "$(jq -r '.baselines[] | select(.id == "stunting_children") |
	"\(.counts) \(.values | join(" ")) \(.source)"' "$T_TMP/r.json")" \
	"stunting moderate severe Plan de gobierno de Aymaraes 2019-2022 (ENDES-INEI)" \
	"stunting: moderate and severe, the plan's figure with its source"
t_is "$(jq -c '.province.growth | [.stunting.baseline, .wasting.baseline,
	.underweight.baseline, .overweight.baseline]' "$T_TMP/r.json")" \
	"[32.6,null,null,null]" "no baseline for wasting, underweight, overweight"
t_is "$(jq '([.districts[].growth.children] | add) +
	.no_district.growth.children' "$T_TMP/r.json")" \
	"$(jq .province.growth.children "$T_TMP/r.json")" \
	"the districts' children measured add up to the province's"
t_is "$(jq '[.province.growth.stunting | .measured, .missing, .unknown,
	.not_classified] | add' "$T_TMP/r.json")" \
	"$(jq .province.growth.children "$T_TMP/r.json")" \
	"every child measured is counted for stunting: with a class or missing"
t_is "$(jq -c '[.districts[] | .growth.stunting.any.pct == null] | unique' \
	"$T_TMP/r.json")" "[false]" "a stunting figure in every district"
t_is "$(jq -c '[.province.indicators.without_water.baseline,
	.province.indicators.without_sanitation.baseline,
	.province.indicators.programme_coverage.baseline]' "$T_TMP/r.json")" \
	"[22,80,18]" "22 %, 80 % and 18 % beside the measured figures"
t_is "$(jq -r '.quality.devices[] | select(.silent) | .device_id' \
	"$T_TMP/r.json" | tr '\n' ' ')" "dev-06 dev-07 " \
	"silent for more than 14 days: the one a month ago, the one never heard"
t_is "$(jq -r '.quality.duplicates.listed[] | select(.different_answers)
	| .communities | index("<script>alert(\"x\")</script>") != null' \
	"$T_TMP/r.json")" true "the community named <script> is in the list"
t_is "$(jq -c '.quality.missing[] | select(.form_id == "household")' \
	"$T_TMP/r.json")" \
	'{"form_id":"household","question":"district","submissions":3}' \
	"a form without a district: its surveys missing a district, shown"

h_run report --format json --from 2026-08-01 --to 2026-09-30 \
	--out "$T_TMP/p.json"
python3 "$GEN" check "$G/expected-period.json" "$T_TMP/p.json" \
	>"$T_TMP/check" 2>&1
t_is "$?" 0 "--from --to: the visits of the period only: $(tail -1 \
    "$T_TMP/check")"
grep -v ' checked, ' "$T_TMP/check" | head -20 | sed 's/^/# /'
t_is "$(jq -c .period "$T_TMP/p.json")" \
	'{"from":"2026-08-01","to":"2026-09-30","date":"visit_date"}' \
	"the period is said"

# The same report again: nothing to catch up, the same figures.
h_run report --format json
t_is "$(jq -S 'del(.generated_at, .quality.now)' "$T_OUT" | md5sum)" \
	"$(jq -S 'del(.generated_at, .quality.now)' "$T_TMP/r.json" | md5sum)" \
	"a second report gives the same figures"
h_stop

# Text: the key figures, aligned; Spanish unless asked otherwise.
pct=$(jq -r '.province.indicators.anaemia_children.pct' "$T_TMP/r.json")
h_run report
t_is "$T_RC" 0 "report (text) succeeds"
t_has "$T_OUT" "Anaemia in children 6 to 59 months: $(printf '%.1f' "$pct") %" \
	"the province's anaemia in children"
t_has "$T_OUT" "the plan's baseline 39.36 %" "beside the plan's baseline"
t_has "$T_OUT" "030411 San Juan de Chacña" "districts by UBIGEO and name"
row=$(grep '^030406 Cotaruse' "$T_OUT" | head -1)
t_is "$(echo "$row" | awk '{print $3}')" \
	"$(jq .districts[5].anaemia.groups.all.measured "$T_TMP/r.json")" \
	"Cotaruse's row: the people measured"
t_check "every row of the anaemia table as wide as its header" \
	test "$(sed -n '/^Anaemia (/,/^Anaemia in/p' "$T_OUT" | sed '1,2d;$d' |
	awk '{ print length($0) }' | sort -u | wc -l)" -le 2
spct=$(jq -r '.province.growth.stunting.any.pct' "$T_TMP/r.json")
t_has "$T_OUT" "Stunting in children under 5: $(printf '%.1f' "$spct") %" \
	"the province's stunting"
t_has "$T_OUT" "the plan's baseline 32.60 %" "beside the plan's baseline"
t_has "$T_OUT" "wasting: the plan has no baseline" \
	"no baseline for wasting, said"
row=$(sed -n '/^Child growth/,/^Stunting in/p' "$T_OUT" |
	grep '^030406 Cotaruse' | head -1)
t_is "$(echo "$row" | awk '{print $3, $4}')" \
	"$(jq -r '.districts[5].growth | "\(.children) \(.stunting.measured)"' \
	"$T_TMP/r.json")" "Cotaruse's growth row: the children measured"
t_is "$(echo "$row" | awk '{print $(NF-2), $(NF-1)}')" \
	"$(jq -r '.districts[5].growth.stunting.any.pct' "$T_TMP/r.json" |
	xargs printf '%.1f') %" "and its stunting"
row=$(sed -n '/^Stunting in/,/^wasting: /p' "$T_OUT" |
	grep '^030406 Cotaruse' | head -1)
t_is "$(echo "$row" | awk '{print $(NF-4), $(NF-3)}')" \
	"$(jq -r '.districts[5].growth.anaemia_stunting | "\(.of) \(.n)"' \
	"$T_TMP/r.json")" "and its children with anaemia and stunting"
t_has "$T_OUT" "Devices silent for more than 14 days: 2" "silent devices"
t_has "$T_OUT" "<script>" "text is not HTML: the community as written"
LANGUAGE= LANG=C.UTF-8 "$HUB" --home "$T_HOME" report >"$T_OUT" 2>"$T_ERR"
t_has "$T_OUT" "línea de base del plan 39.36 %" "in Spanish by default"
t_has "$T_OUT" "Niños de 6 a 23 meses" "with the data files' Spanish labels"
t_has "$T_OUT" "Desnutrición crónica en menores de 5 años" \
	"stunting in Spanish too"
t_has "$T_OUT" "Crecimiento infantil (OMS 2006), niños de 0 a 59 meses" \
	"the growth tables' heading"
t_has "$T_OUT" "desnutrición aguda: el plan no tiene línea de base." \
	"and their notes"

# HTML: one page, nothing fetched, everything escaped.
h_run report --format html --out "$T_TMP/r.html"
t_is "$T_RC" 0 "report --format html succeeds"
H=$T_TMP/r.html
t_has "$H" "<!DOCTYPE html>" "a whole page"
t_has "$H" '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' \
	"the community named <script> comes out escaped"
t_lacks "$H" "<script" "and no script at all"
t_has "$H" "&lt;b&gt;Rosa&lt;/b&gt; &amp; Co" "a promoter's name escaped too"
t_check "nothing fetched: no src, no link, no url()" \
	test "$(grep -ciE 'src=|<link|url\(|@import' "$H")" -eq 0
t_is "$(grep -c '<svg' "$H")" 5 "a chart for each of the plan's five figures"
t_has "$H" "32.60 %" "stunting's at 32.60 %"
t_has "$H" "Child growth (WHO 2006)" "the growth tables"
t_has "$H" "$(printf '%.1f' "$spct") %" "the province's stunting"
t_has "$H" 'class="base"' "with the baseline marked"
t_has "$H" "39.36 %" "at 39.36 %"
t_has "$H" "$(printf '%.1f' "$pct") %" "the province's figure"
t_check "every element closed, in order (html.parser)" python3 -c '
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "rect", "line"}
class P(HTMLParser):
    stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            sys.exit("unbalanced </%s>" % tag)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
sys.exit("left open: %s" % p.stack if p.stack else 0)
' "$H"

# Refusals: each one line, nothing written.
h_run report --format pdf
t_is "$T_RC" 2 "--format pdf: usage error"
h_one_error "in one line"
h_run report --from 2026-02-30
t_is "$T_RC" 2 "a date that does not exist: usage error"
t_has "$T_ERR" "YYYY-MM-DD" "saying how a date is written"
h_run report --from 2026-10-01 --to 2026-09-01
t_is "$T_RC" 2 "--from after --to: usage error"
h_run report extra
t_is "$T_RC" 2 "an argument: usage error"
h_run report --out "$T_TMP/no/such/dir/r.txt"
t_is "$T_RC" 3 "a file that cannot be created: exit 3"
h_one_error "in one line"
t_check "and nothing left behind" test ! -e "$T_TMP/no"
env -u HUB_DB "$HUB" --home "$T_TMP/nowhere" report >"$T_OUT" 2>"$T_ERR"
t_is "$?" 3 "no store: exit 3"
h_run report --help
t_is "$T_RC" 0 "--help"
t_has "$T_OUT" "--from" "tells the options"

t_done
