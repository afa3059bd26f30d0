#!/usr/bin/env bash
# What a calculation stores at the edges of arithmetic, as ODK stores it
# (JavaRosa's IAnswerData.wrapData; tests/cases/expr/javarosa_stored.cases
# cites the source): NaN (0 div 0, number('x')) is no value; Infinity and
# -Infinity are those words in a calculate or a decimal question, and
# read back as numbers; a number calculated for an integer question is
# Java's (int) of it. Through the real `fill --answers`, `show --json`,
# `show --xml` and `show`; the calculations' values as ODK sends them are
# taken back as the same.
. "$(dirname "$0")/lib.sh"

cat >"$T_TMP/edges.csv" <<'CSV'
survey,,,,
,type,name,label,calculation
,integer,n,N,
,calculate,zero,,0 div 0
,calculate,notnum,,number('x')
,calculate,inf,,1 div ${n}
,calculate,ninf,,-1 div ${n}
,calculate,logz,,log(${n})
,calculate,text,,string(0 div 0)
,calculate,more,,${inf} + 1
,decimal,dinf,Decimal,1 div ${n}
,decimal,dnan,Decimal NaN,0 div ${n}
,integer,half,Half,7 div 2
,integer,iinf,Integer,1 div ${n}
CSV
t_home
t_run init --device dev-01
t_run forms add "$T_TMP/edges.csv"
t_is "$T_RC" 0 "the form installs"

echo '{"n": 0}' >"$T_TMP/a.json"
t_run fill edges --answers "$T_TMP/a.json"
t_is "$T_RC" 0 "fill --answers stores it"
id=$(cat "$T_OUT")
t_run show "$id" --json
t_is "$(jq -c .data "$T_OUT")" \
	'{"n":0,"zero":null,"notnum":null,"inf":"Infinity","ninf":"-Infinity","logz":"-Infinity","text":"NaN","more":"Infinity","dinf":"Infinity","dnan":null,"half":3,"iinf":2147483647}' \
	"show --json: NaN empty, infinities as words, integers as Java's (int)"
t_run show "$id" --xml
t_has "$T_OUT" "<zero/><notnum/><inf>Infinity</inf><ninf>-Infinity</ninf>" \
	"show --xml: the same in the ODK instance"
t_has "$T_OUT" "<more>Infinity</more><dinf>Infinity</dinf><dnan/><half>3</half><iinf>2147483647</iinf>" \
	"a calculation's Infinity reads back as a number"
t_run show "$id"
t_has "$T_OUT" "Decimal: Infinity" "show: the decimal as stored"
t_has "$T_OUT" "Decimal NaN: (no answer)" "NaN is no answer"
t_has "$T_OUT" "Half: 3" "the integer as stored"

# What ODK Collect sends for the calculations is what the form computes.
echo '{"n": 0, "zero": "", "inf": "Infinity", "ninf": "-Infinity", "more": "Infinity"}' \
	>"$T_TMP/odk.json"
t_run fill edges --answers "$T_TMP/odk.json"
t_is "$T_RC" 0 "ODK's values for the calculations are taken"
echo '{"n": 0, "zero": "NaN"}' >"$T_TMP/bad.json"
t_run fill edges --answers "$T_TMP/bad.json"
t_is "$T_RC" 1 "'NaN' is not what ODK stores for 0 div 0"
t_has "$T_ERR" "zero: 'zero' is computed by the form" "and is named"

t_done
