#!/usr/bin/env bash
# hub export --format csv|xlsx (issue 8, "Exports"): a hub with submissions
# of the three surveys and of a test form with a repeat in two versions
# (a question added, one dropped, a choice added), with missing answers,
# awkward text (<script>, commas, quotes, newlines), corrections; the csv
# zip parsed with Python's zipfile and csv and the workbook read with
# openpyxl must hold exactly the stored data, in ODK Central's layout
# (export-check.py computes it on its own). Then the refusals.
. "$(dirname "$0")/hub-lib.sh"

CHECK=$TOP/tests/e2e/export-check.py
SURVEYS=$TOP/forms/surveys
# openpyxl: Debian's python3-openpyxl is for Debian's own python3, which
# another python3 first in PATH may not see.
PYX=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import openpyxl' 2>/dev/null; then
		PYX=$p
		break
	fi
done

h_init
h_run device add dev-01 --promoter "Ana Quispe"
h_run forms publish "$E2E_FORMS/household.csv"
t_is "$T_RC" 0 "household version 1 published"
h_run forms publish "$E2E_FORMS/household-v2.csv"
t_is "$T_RC" 0 "household version 2 published (phone added, area dropped)"

# An empty export first: the headers alone.
h_run export --form household --format xlsx --out "$T_TMP/empty.xlsx"
t_is "$T_RC" 0 "xlsx of a form without submissions"
if [ -n "$PYX" ]; then
	t_is "$("$PYX" -c 'import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(" ".join("%s:%d" % (ws.title, len(list(ws.iter_rows())))
               for ws in wb))' "$T_TMP/empty.xlsx")" "household:2 child:2" \
	    "one sheet per table, the two header rows alone"
fi

gen() {	# form seed n [args]
	python3 "$H_BATCH" gen --device dev-01 --form "$1" --seed "$2" \
	    -n "$3" --odd "${@:4}"
}
{
	gen anemia 11 150
	gen water_sanitation 12 150
	gen household_improvements 13 150
	gen household 14 40
	gen household 15 40 --version 2
} >"$T_TMP/lines"
# Planted by hand: what the engine never lets into an answer still
# reaches a calculation and the promoter's name (a newline, a CR).
python3 - "$T_TMP/lines" >"$T_TMP/planted" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
w = next(l for l in lines if l['form_id'] == 'water_sanitation')
w['instance_id'] = 'uuid:0a0a0a0a-0000-4000-8000-000000000001'
w['promoter'] = 'Ana\nQuispe, "la" promotora'
w['data']['water_ladder'] = 'basic\r\nline two, "quoted"'
h = next(l for l in lines if l['form_id'] == 'household' and
         l['form_version'] == '1')
h['instance_id'] = 'uuid:0a0a0a0a-0000-4000-8000-000000000002'
h['data']['home'] = {'services': None, 'area': 120.50}
h['data']['has_kids'] = 'no'
h['data'].pop('child', None)
for l in (w, h):
    print(json.dumps(l, ensure_ascii=False, separators=(',', ':')))
EOF
# 120.50 as the device wrote it (a JSON parser would say 120.5)
sed -i 's/"area":120.5}/"area":120.50}/' "$T_TMP/planted"
cat "$T_TMP/planted" >>"$T_TMP/lines"
h_pack dev-01 <"$T_TMP/lines" >"$T_TMP/b1.gz"
h_run import "$T_TMP/b1.gz"
t_has "$T_OUT" "532 stored, 0 duplicate, 0 conflict, 0 rejected" \
	"532 submissions of four forms stored"

# Corrections: a household corrected twice (the export shows the last
# revision once, Edits 2, dated by the first), and a correction whose
# original never reached the hub (Edits 1).
python3 - "$T_TMP/lines" "$T_TMP" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
h = [l for l in lines if l['form_id'] == 'household'
     and 'child' in l['data']][0]
prev = h['instance_id']
for k, name in ((1, 'Corrected once'), (2, 'Corrected twice')):
    h = dict(h, instance_id='uuid:0b0b0b0b-0000-4000-8000-00000000000%d' % k,
             deprecated_id=prev)
    h['data'] = dict(h['data'], head=name)
    prev = h['instance_id']
    with open('%s/edit%d' % (sys.argv[2], k), 'w') as f:
        print(json.dumps(h, ensure_ascii=False, separators=(',', ':')),
              file=f)
o = dict(h, instance_id='uuid:0b0b0b0b-0000-4000-8000-000000000009',
         deprecated_id='uuid:0b0b0b0b-0000-4000-8000-0000000000ff')
o['data'] = dict(h['data'], head='Orphan revision')
with open('%s/edit1' % sys.argv[2], 'a') as f:
    print(json.dumps(o, ensure_ascii=False, separators=(',', ':')), file=f)
EOF
h_pack dev-01 <"$T_TMP/edit1" >"$T_TMP/b2.gz"
h_pack dev-01 <"$T_TMP/edit2" >"$T_TMP/b3.gz"
h_run import "$T_TMP/b2.gz"
h_run import "$T_TMP/b3.gz"
t_has "$T_OUT" "1 stored" "the second correction stored"

# csv: every table parsed and compared with the store, cell by cell.
check() {	# format form file sources...
	local fmt=$1 form=$2 file=$3
	shift 3
	if out=$("${PY:-python3}" "$CHECK" "$fmt" "${HUB_DB:-$T_HOME/hub.db}" "$form" \
	    "$file" "$@" 2>&1); then
		t_ok "$fmt of $form matches the store: ${out#ok: }"
	else
		t_fail "$fmt of $form matches the store" "$out"
	fi
}
for f in anemia water_sanitation household_improvements household; do
	h_run export --form "$f" --format csv --out "$T_TMP/$f.zip"
	t_is "$T_RC" 0 "export --format csv of $f"
done
t_has "$T_OUT" "82 submissions of 'household' and" \
	"it counts the submissions and the repeats' rows"
for f in anemia water_sanitation household_improvements; do
	check csv "$f" "$T_TMP/$f.zip" "$SURVEYS/$f.csv"
done
check csv household "$T_TMP/household.zip" "$E2E_FORMS/household-v2.csv" \
	"$E2E_FORMS/household.csv"

unzip -p "$T_TMP/household.zip" household.csv >"$T_TMP/h.csv"
t_is "$(head -1 "$T_TMP/h.csv")" "SubmissionDate,head,age,age_months,\
has_kids,home-services,home-services/water,home-services/power,\
home-services/sewer,home-services/internet,home-phone,home-area,\
meta-instanceID,KEY,SubmitterID,SubmitterName,AttachmentsPresent,\
AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion" \
	"the union of both versions' columns, the dropped one after"
t_is "$(unzip -p "$T_TMP/household.zip" household-child.csv | head -1)" \
	"child_name,child_age,PARENT_KEY,KEY" "the repeat's own file, keyed"
t_has "$T_TMP/h.csv" "uuid:0b0b0b0b-0000-4000-8000-000000000002,dev-01,\
Ana Quispe,0,0,,edited,dev-01,2,1" \
	"a twice corrected household: Edits 2, ReviewState edited"
t_is "$(grep -c 'Corrected' "$T_TMP/h.csv")" 1 "and only its last revision"
t_has "$T_TMP/h.csv" ",120.50,uuid:0a0a0a0a-0000-4000-8000-000000000002," \
	"a number keeps the text the device sent"
unzip -p "$T_TMP/anemia.zip" anemia.csv >"$T_TMP/a.csv"
t_has "$T_TMP/a.csv" ',"<script>alert(""x"")</script>",' \
	"<script> kept as text, quoted as CSV quotes"
unzip -p "$T_TMP/water_sanitation.zip" water_sanitation.csv \
	>"$T_TMP/w.csv"
t_has "$T_TMP/w.csv" '"basic' "a newline inside a value is quoted"
t_check "the files are the owner's only" \
	test "$(stat -c %a "$T_TMP/anemia.zip")" = 600
t_is "$(ls "$T_TMP" | grep -c '\.tmp\.')" 0 "no temporary file left"

# The checker itself notices a changed cell.
python3 - "$T_TMP/household.zip" "$T_TMP/bad.zip" <<'EOF'
import sys, zipfile
src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], 'w')
for n in src.namelist():
    t = src.read(n)
    if n == 'household-child.csv':
        t = t.replace(b'/child[1]\n', b'/child[9]\n', 1)
    dst.writestr(n, t)
dst.close()
EOF
if python3 "$CHECK" csv "${HUB_DB:-$T_HOME/hub.db}" household "$T_TMP/bad.zip" \
    "$E2E_FORMS/household-v2.csv" "$E2E_FORMS/household.csv" \
    >"$T_TMP/bad.out" 2>&1; then
	t_fail "the checker refuses a zip with a changed KEY"
else
	t_has "$T_TMP/bad.out" "child[9]" "the checker refuses a changed KEY"
fi

# xlsx: the same tables, read by openpyxl.
for f in anemia water_sanitation household_improvements household; do
	h_run export --form "$f" --format xlsx --out "$T_TMP/$f.xlsx"
	t_is "$T_RC" 0 "export --format xlsx of $f"
done
if [ -z "$PYX" ]; then
	t_fail "openpyxl is installed (python3-openpyxl: make deps)"
else
	for f in anemia water_sanitation household_improvements; do
		PY=$PYX check xlsx "$f" "$T_TMP/$f.xlsx" "$SURVEYS/$f.csv"
	done
	PY=$PYX check xlsx household "$T_TMP/household.xlsx" \
	    "$E2E_FORMS/household-v2.csv" "$E2E_FORMS/household.csv"
fi

# The standard output: the same zip.
"$HUB" --home "$T_HOME" export --form household --format csv --out - \
	>"$T_TMP/stdout.zip" 2>"$T_ERR"
t_is "$?" 0 "export --out - writes the zip to the standard output"
t_is "$(python3 -c 'import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
print(all(a.read(n) == b.read(n) for n in a.namelist())
      and a.namelist() == b.namelist())' "$T_TMP/stdout.zip" \
	"$T_TMP/household.zip")" True "with the same tables as the file"

# Refusals: one line, the exit codes of CONTRACT.md, PATH untouched.
echo old >"$T_TMP/keep.zip"
h_run export --form nope --format csv --out "$T_TMP/keep.zip"
t_is "$T_RC" 1 "an unknown form exits 1"
t_has "$T_ERR" "no form 'nope'" "and names it"
h_one_error "in one line"
t_is "$(cat "$T_TMP/keep.zip")" old "PATH is left as it was"
h_run export --form household --format ods --out "$T_TMP/x.ods"
t_is "$T_RC" 2 "an unknown format is a usage error"
h_run export --form household --format xlsx
t_is "$T_RC" 2 "no --out is a usage error"
h_run export --form household --format xlsx --out "$T_TMP/no/such/x.xlsx"
t_is "$T_RC" 3 "a directory that does not exist exits 3"
h_one_error "in one line"
mkdir "$T_TMP/ro"
chmod 500 "$T_TMP/ro"
if [ "$(id -u)" != 0 ]; then
	h_run export --form household --format csv --out "$T_TMP/ro/x.zip"
	t_is "$T_RC" 3 "a directory that cannot be written exits 3"
fi
t_is "$(ls -A "$T_TMP/ro" | wc -l)" 0 "and leaves nothing behind"
h_run export --help
t_has "$T_OUT" "ODK Central" "--help tells the layout"

# A form id is almost any text (a '/' is refused at publish); a file or
# sheet name is not.
sed "s|^,household,1,|,enc:2026:x',1,|" "$E2E_FORMS/household.csv" \
	>"$T_TMP/odd.csv"
h_run forms publish "$T_TMP/odd.csv"
h_run export --form "enc:2026:x'" --format csv --out "$T_TMP/odd.zip"
t_is "$(unzip -Z1 "$T_TMP/odd.zip" | tr '\n' ' ')" \
	"enc_2026_x'.csv enc_2026_x'-child.csv " \
	"a form id's ':' becomes '_' in the zip's file names"
h_run export --form "enc:2026:x'" --format xlsx --out "$T_TMP/odd.xlsx"
t_is "$T_RC" 0 "and in the sheets' names"

t_done
