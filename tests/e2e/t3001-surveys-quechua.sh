#!/usr/bin/env bash
# The bundled surveys filled interactively in Quechua (`fill --lang quy`,
# answers on standard input): the questions, the refusals and the result
# come in Quechua, and the submission is the same as in Spanish. The
# Quechua strings checked here are the forms' own (forms/surveys/*.csv).
set -u

. "$(dirname "$0")/lib.sh"	# TOP, COLLECTOR, BUILD; t_ok, t_fail, t_done
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

if [ ! -x "$COLLECTOR" ]; then
	echo "ok 1 # skip $COLLECTOR is not built yet"
	echo "1..1"
	exit 0
fi

tmp=$T_TMP
home=$tmp/home
"$COLLECTOR" --home "$home" init --device test-01 >/dev/null 2>&1
for f in anemia water_sanitation household_improvements; do
	"$COLLECTOR" --home "$home" forms add "$TOP/forms/surveys/$f.csv" \
	    >/dev/null 2>&1
done

# expect NAME TEXT: the last fill's screen shows TEXT (a long hint wraps
# at word boundaries: line ends and indents count as one blank)
expect() {
	if tr '\n' ' ' <"$tmp/screen" | tr -s ' ' | grep -qF -- "$2"; then
		t_ok "$1"
	else
		t_fail "$1: '$2' not shown"
	fi
}

# ids: the instance ids in the store, one a line
ids() {
	"$COLLECTOR" --home "$home" list --json 2>/dev/null |
	    jq -r '.[].instance_id' | sort
}

# fill FORM ANSWER...: an interactive fill in Quechua, one answer a line
# on standard input; $new is the instance id it stored ("" if none)
fill() {
	local form=$1
	shift
	ids >"$tmp/before"
	printf '%s\n' "$@" |
	    "$COLLECTOR" --home "$home" fill "$form" --lang quy \
	    >"$tmp/screen" 2>&1
	new=$(ids | comm -13 "$tmp/before" - | head -n 1)
}

# last_data KEY WANT: the last fill stored data.KEY = WANT
last_data() {
	local got
	if [ -z "$new" ]; then
		t_fail "stored $1 = $2: nothing was stored"
		return
	fi
	got=$("$COLLECTOR" --home "$home" show "$new" --json 2>/dev/null |
	    jq -r --arg k "$1" '.data[$k] | tostring')
	if [ "$got" = "$2" ]; then
		t_ok "stored $1 = $2"
	else
		t_fail "stored $1: got $got, want $2"
	fi
}

# A woman of 30 at 3,848 m, a haemoglobin typed without its decimal point,
# then corrected. Choices by number: district 1 (Chalhuanca), sex 1 (Warmi),
# pregnant 2 (Manam), ? for the altitude hint, altitude source 1 (GPS).
# Enter keeps today's date,
# passes the result note and finalizes at the review.
fill anemia 1 Chalhuanca 030401-0001 '' 1 1996-06-10 2 '?' 3848 1 115 11.5 '' ''
expect "anemia in Quechua: the pregnancy question" \
    "¿Wiksayuqchu kachkan?"
expect "anemia in Quechua: the altitude label says the last 4 months" \
    "kay qipa 4 killa tiyasqan wasipa altitud nisqan"
expect "anemia in Quechua: the altitude hint keeps the district capital" \
    "amam distritopa capitalninpa altitud nisqanta qillqaychu"
expect "anemia in Quechua: Hb 115 refused with the decimal point hint" \
    "¿Punto decimalta qunqankichu?"
expect "anemia in Quechua: the result" \
    "Resultado: anemia moderada (chawpi yawar pisiy)."
expect "anemia in Quechua: age on the review" "Hayka killa (edad): 360"
last_data anemia moderate
expect "anemia in Quechua: the class in words at the review" \
    "Anemia, yawar pisiy: Moderada (chawpi)"
last_data hb_adjusted 9

# A child of 5 months: the note says no haemoglobin; measured lying (1),
# 62.0 cm, no oedema (2), 6.2 kg, and it ends.
fill anemia 1 Chalhuanca 030401-0002 '' 2 2026-01-10 '' 1 62.0 2 6.2 ''
expect "anemia in Quechua: under 6 months is not measured" \
    "Manaraq 6 killayuq wawam"
last_data age_months 5
last_data stunting none

# A birth after the visit, refused in Quechua, then corrected; measured
# standing (2), 91.9 cm, no oedema, 13.3 kg.
fill anemia 1 Chalhuanca 030401-0003 2026-06-10 2 2026-06-11 2023-12-10 \
    2 91.9 2 13.3 3000 2 11.5 '' ''
expect "anemia in Quechua: birth after the visit refused" \
    "watukusqa punchawmanta qipa kanmanchu"
last_data hb_adjustment 2.1

# Water: 0 minutes to a public tap refused in Quechua. Choices by number:
# source 4 (public tap), on premises 2 (Manam), available 1, treatment 1
# (boil), toilet 7 (pit with slab), shared 2, place 1, water 1, soap 1.
fill water_sanitation 1 Chalhuanca 030401-0004 '' 4 2 0 25 1 1 '' 7 2 1 1 \
    1 ''
expect "water in Quechua: the source question" \
    "¿Wasiykichikpaq maymantam aswanta upyana yakuta hurqunkichik?"
expect "water in Quechua: 0 minutes refused" "Minutokunata qillqay"
expect "water in Quechua: the treatment question says mark all" \
    "(Nisqankuta llapanta akllay)"
last_data water_ladder basic
last_data sanitation_ladder basic
# The ladders are calculated read-only select_ones: words on screen.
expect "water in Quechua: the ladder in words at the review" \
    "Upyana yaku: JMP escalera: Básico"
expect "water in Quechua: the hygiene ladder in words" \
    "Maki mayllakuy: JMP escalera: Básico"

t_done
