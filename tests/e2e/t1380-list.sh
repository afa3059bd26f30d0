#!/usr/bin/env bash
# Issue 10, item 8: `list` tells surveys apart: a header, the short id
# that edit and show take, the state in the promoter's words (as show),
# the form's instance name (the household), and which revision replaced
# which; --json keeps the codes. A long hint wraps between words.
. "$(dirname "$0")/lib.sh"

export COLLECTOR_NOW=2026-03-01T10:00:00-05:00 LANGUAGE=es
t_store || { echo "Bail out! cannot make a store"; exit 1; }

cat >"$T_TMP/a.json" <<'JSON'
{"district": "030401", "community": "Pampa", "household_id": "030401-0002",
 "visit_date": "2026-02-01", "sex": "f", "birth_date": "2020-01-01",
 "altitude_m": 2900, "altitude_source": "gps", "hb_measured": 11}
JSON
t_run fill anemia --answers "$T_TMP/a.json"
old=$(head -1 "$T_OUT")

# Corrected: a revision replaces it.
t_pty edit "${old:5:8}" <<'SCRIPT'
expect Revisión de las respuestas
expect > 
send 2
expect > 
send Pampa Alta
expect Revisión de las respuestas
expect > 
send
expect Finalizada
wait
SCRIPT
new=$(t_sql "SELECT instance_id FROM submissions WHERE deprecated_id IS NOT NULL")
printf '{"district": "030402", "community": "Capaya"}' >"$T_TMP/d.json"
t_run fill anemia --answers "$T_TMP/d.json" --draft

t_run list
t_is "$T_RC" 0 "list"
t_is "$(head -1 "$T_OUT" | tr -s ' ')" "ENCUESTA ESTADO FORMULARIO FECHA NOMBRE" \
	"a header"
t_has "$T_OUT" "${old:0:18}  finalizada  anemia" \
	"the short id that edit takes, the state in Spanish"
t_has "$T_OUT" "030401-0002 Mujer 2020-01-01" \
	"the form's instance name, the sex in words (jr:choice-name)"
t_lacks "$T_OUT" "030401-0002 f " "not its code"
t_has "$T_OUT" "    reemplazada por ${new:0:18}: la oficina usa esa" \
	"the one corrected says which replaced it"
t_has "$T_OUT" "    reemplaza a ${old:0:18}" "the revision says which it replaces"
t_has "$T_OUT" "borrador" "a draft's state, as show says it"
t_run show "$(t_sql "SELECT instance_id FROM submissions WHERE state = 'draft'")"
t_has "$T_OUT" "estado: borrador" "(show says borrador too)"
t_run list --json
t_is "$(jq -r 'map(.state) | join(" ")' "$T_OUT")" \
	"finalized finalized draft" "--json keeps the codes"
t_run list --state draft
t_is "$(wc -l <"$T_OUT")" 2 "--state: the header and the one draft"

# A long hint wraps between words, within 80 columns.
t_pty fill anemia <<'SCRIPT'
expect > 
send 1
expect > 
send Pampa
expect > 
send 030401-0001
expect > 
send 01/02/2026
expect > 
send 1
expect > 
send 01/01/2020
expect Altitud
expect > 
send ?
expect > 
send !
wait
SCRIPT
tr -d '\r' <"$T_OUT" | sed -n '/^> ?$/,/^> !/p' | sed '1d;$d' >"$T_TMP/hint"
t_is "$(awk '{ print length($0) }' "$T_TMP/hint" | sort -n | tail -1 |
    awk '$1 <= 80 { print "ok" }')" ok "the hint's lines fit in 80 columns"
t_is "$(tr '\n' ' ' <"$T_TMP/hint" | tr -s ' ' | sed 's/^ //; s/ $//')" \
	"La altitud de la casa donde vivió los últimos 4 meses, no la del lugar donde se toma la muestra. No use la de la capital del distrito si vive en otro lugar." \
	"broken between words only"

t_done
