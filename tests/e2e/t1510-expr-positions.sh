#!/usr/bin/env bash
# Positions in expression errors: one convention in every message, the
# 1-based character (not byte) that an editor's cursor column shows.
. "$(dirname "$0")/lib.sh"

t_home
t_run init --device dev-01
hh=$E2E_FORMS/household.csv

# Each 'ñ' is two bytes: a byte offset would say 12 and 19 here.
t_run forms eval "$hh" "concat('ñ', (1 + 2"
t_is "$T_RC" 1 "forms eval: a parse error exits 1"
t_has "$T_ERR" "expression at character 19: missing ')' (opened at character 13)" \
	"forms eval names both places by character, counted from 1"
t_run forms eval "$hh" "1 + selectd(.)"
t_has "$T_ERR" "expression at character 5: unknown function 'selectd'" \
	"the first character is 1, as an editor shows it"
t_run forms eval "$hh" "concat('ññ', 'a'/x)"
t_has "$T_ERR" "(at character 14)" \
	"an evaluation error's position follows the same convention"

sed "s/,\. >= 15 and \. <= 120,/,'ñandú' != '' and año(.) <= 120,/" \
    "$hh" >"$T_TMP/bad.csv"
t_run forms check "$T_TMP/bad.csv"
t_is "$T_RC" 1 "forms check: a bad constraint is an error"
t_has "$T_OUT" "unknown function 'año' (at character 19 of" \
	"forms check names the same character"
LANGUAGE=es t_run forms eval "$hh" "concat('ñ', (1 + 2"
t_has "$T_ERR" "expresión en el carácter 19: falta ')' (abierto en el carácter 13)" \
	"and so does the Spanish message"
t_done
