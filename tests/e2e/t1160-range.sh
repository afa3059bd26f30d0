#!/usr/bin/env bash
# range questions hold only the values of their scale, as ODK's slider
# does: start + k * step between start and end (pyxform's defaults 1, 10,
# 1), compared as decimals (0.3 is on a scale of 0.1 steps). A typed
# value outside it or between two steps is refused with the bounds named,
# in the promoter's language; forms check refuses the parameters pyxform
# refuses, at their row and column.
. "$(dirname "$0")/lib.sh"

cat >"$T_TMP/scales.csv" <<'CSV'
survey,,,,
,type,name,label,parameters
,range,pain,Pain (1 to 10),
,range,ph,Water pH,start=4 end=9 step=0.1
,range,floors,Floors,start=10 end=0 step=2
,range,hours,Hours of water,start=0.5 end=2.0 step=0.25
CSV
t_home
t_run init --device dev-01
t_run forms add "$T_TMP/scales.csv"
t_is "$T_RC" 0 "a form of range questions installs"

# answers JSON: fill --answers of that JSON
answers() {
	echo "$1" >"$T_TMP/a.json"
	t_run fill scales --answers "$T_TMP/a.json"
}
answers '{"pain": 10, "ph": 7.3, "floors": 4, "hours": "1.75"}'
t_is "$T_RC" 0 "values on each scale are stored (decimal steps too)"
t_run show "$(cat "$T_OUT")" --json
t_is "$(jq -c .data "$T_OUT")" '{"pain":10,"ph":7.3,"floors":4,"hours":1.75}' \
	"as given"
answers '{"ph": "4", "floors": 0, "hours": 0.5}'
t_is "$T_RC" 0 "the bounds themselves, either way round, are values"

answers '{"pain": 11}'
t_is "$T_RC" 1 "above the end: refused"
t_has "$T_ERR" "pain: '11' is out of range: from 1 to 10" \
	"naming pyxform's default bounds"
answers '{"pain": 0}'
t_has "$T_ERR" "pain: '0' is out of range: from 1 to 10" "below the start"
answers '{"ph": 9.05}'
t_has "$T_ERR" "ph: '9.05' is out of range: from 4 to 9" \
	"just past a decimal end"
answers '{"ph": 7.35}'
t_has "$T_ERR" "ph: '7.35' is not on the scale: from 4 to 9 in steps of 0.1" \
	"between two steps"
answers '{"floors": 3}'
t_has "$T_ERR" "floors: '3' is not on the scale: from 10 to 0 in steps of 2" \
	"a descending scale counts its steps from its start"
answers '{"hours": 0.6}'
t_has "$T_ERR" "hours: '0.6' is not on the scale: from 0.5 to 2.0 in steps of 0.25" \
	"the bounds as the form writes them"
t_is "$(t_sql "SELECT count(*) FROM submissions")" 2 \
	"nothing refused is stored"

LANGUAGE=es answers '{"pain": 12, "ph": 4.05}'
t_has "$T_ERR" "pain: '12' está fuera del rango: de 1 a 10" "in Spanish"
t_has "$T_ERR" "ph: '4.05' no está en la escala: de 4 a 9, en pasos de 0.1" \
	"both messages"

# At the terminal: refused, the question again, then a value of it.
t_pty fill scales <<'SCRIPT'
expect Pain
expect > 
send 15
expect '15' is out of range: from 1 to 10
expect Pain
expect > 
send 3
expect Water pH
expect > 
send 6.25
expect '6.25' is not on the scale: from 4 to 9 in steps of 0.1
expect Water pH
expect > 
send 6.2
expect Floors
expect > 
send !
SCRIPT
t_is "$T_RC" 0 "the terminal refuses and asks again"
t_is "$(t_sql "SELECT group_concat(path || '=' || value, ' ') FROM answers
	WHERE submission = (SELECT max(id) FROM submissions)")" \
	"pain=3 ph=6.2" "only the values of the scales are kept"

# forms check: pyxform's refusals of the parameters, at row and column.
cat >"$T_TMP/bad.csv" <<'CSV'
survey,,,,
,type,name,label,parameters
,range,a,A,start=x
,range,b,B,step=0
,range,c,C,start=1 end=3 step=5
,range,d,D,start=1 end=9 colour=red
,range,e,E,start=0 end=10 step=2 tick_interval=3
,range,f,F,start=0 end=10 step=2 placeholder=3
,range,g,G,end=inf
,range,h,H,start=5 end=1 step=2 tick_interval=4 placeholder=3
,range,i,I,start=0 end=10 step=1 tick_labelset=nolist
,range,j,J,start=0 end=10 step=1 tick_interval=5 tick_labelset=ticks
,range,k,K,start=0 end=10 step=1 tick_labelset=ends
choices,,,,
,list_name,name,label,
,ticks,0,none,
,ticks,4,some,
,ticks,10,all,
,ends,0,none,
,ends,10,all,
CSV
t_run forms check "$T_TMP/bad.csv"
t_is "$T_RC" 1 "forms check refuses what pyxform refuses"
cat "$T_ERR" >>"$T_OUT"
t_has "$T_OUT" "bad.csv:survey:3:parameters: error: range parameter 'start' must be a number, not 'x'" \
	"a parameter that is no number, at its row and column"
t_has "$T_OUT" "survey:4:parameters: error: range parameter 'step' must not be 0" \
	"a step of 0"
t_has "$T_OUT" "survey:5:parameters: error: range parameter 'step' (5) must not be larger than the range from 1 to 3" \
	"a step wider than the range"
t_has "$T_OUT" "survey:6:parameters: error: 'colour=red' is not a parameter of range" \
	"an unknown parameter"
t_has "$T_OUT" "survey:7:parameters: error: range parameter 'tick_interval' (3) must be a multiple of the step (2)" \
	"ticks off the steps"
t_has "$T_OUT" "survey:8:parameters: error: range parameter 'placeholder' (3) must be a value of the range" \
	"a placeholder off the steps"
t_has "$T_OUT" "survey:9:parameters: error: range parameter 'end' must be a number, not 'inf'" \
	"infinity is no bound"
t_lacks "$T_OUT" "survey:10:" "start > end is a scale read downwards, as pyxform takes it"
t_has "$T_OUT" "survey:11:parameters: error: range parameter 'tick_labelset': unknown choice list 'nolist'" \
	"tick labels from a list that is not there"
t_has "$T_OUT" "survey:12:parameters: error: range parameter 'tick_labelset': choice '4' of 'ticks' is not a tick of the range: from 0 to 10 in steps of 5" \
	"a tick label off the ticks"
t_lacks "$T_OUT" "survey:13:" "tick labels on the steps are taken"

t_done
