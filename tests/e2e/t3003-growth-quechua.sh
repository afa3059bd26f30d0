#!/usr/bin/env bash
# The anaemia survey's growth questions through a real terminal in
# Quechua (`fill --lang quy` under ptyrun): a child of 250 days measured
# standing is refused with WHO's "measure lying down under 9 months", an
# impossible weight with "weigh again", both in Quechua; the z-scores
# stored are those tests/tools/whogrowth.py works out apart from the form
# (girl, 250 days, lying 66.5 cm, 7.4 kg: haz -1.07, waz -0.65, whz -0.03).
set -u

. "$(dirname "$0")/lib.sh"	# TOP, COLLECTOR, BUILD; t_ok, t_fail, t_done
export COLLECTOR_NOW=2026-06-15T10:00:00-05:00

if [ ! -x "$COLLECTOR" ] || [ ! -x "$PTYRUN" ]; then
	echo "ok 1 # skip $COLLECTOR or $PTYRUN is not built yet"
	echo "1..1"
	exit 0
fi
t_home
t_run init --device test-01
t_is "$T_RC" 0 "init installs the bundled surveys with their attachments"

t_pty fill anemia --lang quy <<'SCRIPT'
expect > 
send 1
expect > 
send Chalhuanca
expect > 
send 030401-0005
expect > 
send 2026-06-10
expect > 
send 1
expect > 
send 2025-10-03
expect ¿Imaynatam wawapa sayayninta tuparqanki?
expect 2) Sayachisqa
expect > 
send 2
expect Siriykachispa yapamanta tupuy.
expect > 
send 1
expect Sayaynin (cm)
expect > 
send 66.5
expect ¿Iskaynin chakinpichu punkisqa (edema) kachkan?
expect > 
send 2
expect Llasaynin (kg)
expect > 
send 74
expect Yapamanta llasay.
expect > 
send 7.4
expect > 
send 3000
expect > 
send 1
expect > 
send 11.5
expect > 
send
expect > 
send
expect uuid:
wait
SCRIPT
t_is "$T_RC" 0 "a child measured and weighed through the terminal in Quechua"
t_has "$T_OUT" "Manaraq 9 killayuq wawataqa siriykachispam tupuna." \
    "standing under 9 months refused in Quechua"
t_has "$T_OUT" "Kay llasayqa manam atikunmanchu" \
    "74 kg refused in Quechua"
tr -d '\r' <"$T_OUT" >"$T_TMP/fill"
# The computed classes in Quechua words, as the walk passes them and at
# the review; the codes only in the data.
t_has "$T_TMP/fill" "Desnutrición crónica, mana wiñay: Manam" \
    "the walk: stunting in Quechua words"
t_has "$T_TMP/fill" "Anemia, yawar pisiy: Moderada (chawpi)" \
    "the walk: the anaemia class in Quechua words"
t_has "$T_TMP/fill" ". Sobrepeso, llasasapa: Manam" \
    "the review: overweight in Quechua words"
t_has "$T_TMP/fill" ". Anemia, yawar pisiy: Moderada (chawpi)" \
    "the review: the anaemia class in Quechua words"
t_lacks "$T_TMP/fill" ": moderate" "no code on screen"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -n 1)
t_run show "$id"
t_has "$T_OUT" "Desnutrición aguda: Manam" "show: wasting in Quechua words"
t_has "$T_OUT" "Anemia, yawar pisiy: Moderada (chawpi)" \
    "show: the anaemia class in Quechua words"
t_lacks "$T_OUT" ": none" "show: no code"
t_run show "$id" --json
t_is "$(jq -r '.data | [.length_position, .length_adjusted, .haz, .waz,
    .whz, .stunting, .wasting, .growth_rule] | join(" ")' "$T_OUT")" \
    "lying 66.5 -1.07 -0.65 -0.03 none none WHO2006" \
    "the z-scores WHO's method gives (tests/tools/whogrowth.py)"

# A draft started in Quechua goes on in Quechua: `edit` takes the draft's
# language for the program's own words too, whatever the environment's.
t_pty fill anemia --lang quy <<'SCRIPT'
expect > 
send 1
expect > 
send !
wait
SCRIPT
id=$(tr -d '\r' <"$T_OUT" | grep -oE 'edit [0-9a-f-]+' | tail -n 1)
LANGUAGE=es t_pty ${id:+$id} <<'SCRIPT'
expect > 
send !
wait
SCRIPT
tr -d '\r' <"$T_OUT" >"$T_TMP/edit"
t_has "$T_TMP/edit" "Teclakuna: < kutiy" \
    "edit of a Quechua draft: the program's words in Quechua"
t_lacks "$T_TMP/edit" "Teclas:" "not the environment's Spanish"
t_has "$T_TMP/edit" "Ayllu llaqta utaq llaqta" "and the survey's words too"

t_done
