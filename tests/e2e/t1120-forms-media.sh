#!/usr/bin/env bash
# Form attachments (ODK's form media): a district's centros poblados in
# communities.csv beside ccpp.csv (ccpp-media/, ODK Collect's folder),
# read by select_one_from_file with a choice_filter, by pulldata() and by
# instance()/root/item[...]; checked, installed with the form, listed,
# filled with --answers and through the terminal; and the hostile files:
# too large, a symbolic link out of the folder, NUL bytes, bad UTF-8,
# GeoJSON nested 100,000 deep, a name with '../'.
. "$(dirname "$0")/lib.sh"

form=$E2E_FORMS/ccpp.csv
media=$E2E_FORMS/ccpp-media

t_home
t_run init --device dev-01 --promoter "Ana Quispe"

# 1. forms check and eval read the folder beside the form.
t_run forms check "$form"
t_is "$T_RC" 0 "forms check: the form and its attachment are good"
t_lacks "$T_OUT" "warning" "without a warning"
t_run forms eval "$form" "pulldata('communities', 'health_post', 'name', '0302040009')"
t_is "$(cat "$T_OUT")" "Puesto de Salud Ccollpa" \
	"pulldata() finds a row of the attached CSV by its key"
t_run forms eval "$form" "pulldata('communities', 'health_post', 'name', 'nope')"
t_is "$T_RC:$(cat "$T_OUT")" "0:" "and is empty when no row has the key"
t_run forms eval "$form" "count(instance('communities')/root/item[district = 'chalhuanca'])"
t_is "$(cat "$T_OUT")" 6 "instance('communities')/root/item[...] filters its rows"
t_run forms eval "$form" "instance('communities')/root/item[name = '0302010021']/label"
t_is "$(cat "$T_OUT")" "Santa Rosa, anexo" "and reads a column (a quoted CSV field)"

# 2. --media DIR instead; an absent attachment is a warning, as pyxform.
mkdir "$T_TMP/empty"
t_run forms check --media "$T_TMP/empty" "$form"
t_is "$T_RC" 0 "forms check --media: a missing attachment is no error"
t_has "$T_OUT" "ccpp.csv:survey:4: warning: attachment 'communities.csv' is not in '$T_TMP/empty'" \
	"but a warning naming the file and the row that needs it"
mkdir "$T_TMP/other"
printf 'name,label,district,health_post,altitude_m\nx1,Otro,lucre,PS Otro,1\n' \
	>"$T_TMP/other/communities.csv"
t_run forms eval "$form" "pulldata('communities', 'health_post', 'name', 'x1')" \
	--media "$T_TMP/other"
t_is "$(cat "$T_OUT")" "PS Otro" "forms eval --media reads that folder"
t_run forms eval "$form" "pulldata('communities', 'label', 'name', 'x1')" \
	--media "$T_TMP/empty"
t_is "$T_RC" 1 "pulldata() over a file not attached is an error"
t_has "$T_ERR" "'communities.csv'" "naming the file"

# 3. Hostile attachments: refused with the file's name, nothing stored.
bad() {	# description file-content-command...
	local d=$1
	shift
	rm -rf "$T_TMP/bad" && mkdir "$T_TMP/bad"
	"$@"
	t_run forms check --media "$T_TMP/bad" "$form"
	if [ "$T_RC" = 1 ] && grep -qF "communities.csv" "$T_OUT"; then
		t_ok "$d"
	else
		t_fail "$d" "rc $T_RC" "$(cat "$T_OUT")"
	fi
}
bad "a CSV over the size ceiling is refused before it is read" \
	truncate -s 1G "$T_TMP/bad/communities.csv"
t_has "$T_OUT" "larger than" "and the message says why"
bad "a symbolic link out of the media folder is not followed" \
	ln -s /etc/passwd "$T_TMP/bad/communities.csv"
t_has "$T_OUT" "symbolic link" "and the message says so"
bad "a CSV with a NUL byte is refused" \
	sh -c "printf 'name,label\nx,A\0B\n' >'$T_TMP/bad/communities.csv'"
t_has "$T_OUT" "communities.csv:2: field 2 is not UTF-8" "at its line and field"
bad "a CSV that is not UTF-8 is refused" \
	sh -c "printf 'name,label\nx,Ca\361ete\n' >'$T_TMP/bad/communities.csv'"
bad "a directory in place of the file is refused" \
	mkdir "$T_TMP/bad/communities.csv"
sed 's/select_one_from_file communities.csv/select_one_from_file ..\/communities.csv/' \
	"$form" >"$T_TMP/dots.csv"
t_run forms check "$T_TMP/dots.csv"
t_is "$T_RC" 1 "an attachment named with '../' is refused"
t_has "$T_OUT" "attachment '../communities.csv'" "naming it"
printf '%s\n' survey ',type,name,label' \
	',select_one_from_file deep.geojson,p,P' >"$T_TMP/geo.csv"
mkdir "$T_TMP/geo-media"
head -c 100000 /dev/zero | tr '\0' '[' >"$T_TMP/geo-media/deep.geojson"
t_run forms check "$T_TMP/geo.csv"
t_is "$T_RC" 1 "a GeoJSON nested 100,000 deep is refused"
t_has "$T_OUT" "deep.geojson: nested more than 32 deep" "naming the file"

# 4. forms add keeps the attachments with the form; list shows them.
t_run forms add "$form"
t_is "$T_RC" 0 "forms add installs the form with its attachment"
t_run forms list --json
t_is "$(jq -r '.[] | select(.form_id == "ccpp") | .attachments[0].name' "$T_OUT")" \
	communities.csv "forms list --json names the attachment"
t_is "$(jq -r '.[] | select(.form_id == "ccpp") | .attachments[0].sha256' "$T_OUT")" \
	"$(sha256sum "$media/communities.csv" | cut -d' ' -f1)" \
	"with the SHA-256 of its bytes"
t_run forms list
t_has "$T_OUT" "communities.csv" "forms list shows it too"
t_run forms add "$form"
t_has "$T_OUT" "already installed" "the same form and files again change nothing"
t_run forms add "$form" --media "$T_TMP/other"
t_is "$T_RC" 1 "the same version with another list is refused"
t_has "$T_ERR" "other attachments: give the new one a higher version" \
	"and the message says what to do"

# 5. fill --answers: the list, its filter and the lookups.
cat >"$T_TMP/a.json" <<'JSON'
{"district": "lucre", "community": "0302080003", "households": 12}
JSON
t_run fill ccpp --answers "$T_TMP/a.json"
t_is "$T_RC" 0 "fill --answers with a centro poblado of the attached list"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_run show "$id" --json
t_is "$(jq -c .data "$T_OUT")" \
	'{"district":"lucre","community":"0302080003","health_post":"Puesto de Salud Lucre","altitude":"3520","n_places":"3","households":12}' \
	"the submission has the answer and what pulldata() and instance() found"
cat >"$T_TMP/b.json" <<'JSON'
{"district": "lucre", "community": "0302010001", "households": 1}
JSON
t_run fill ccpp --answers "$T_TMP/b.json"
t_is "$T_RC" 1 "a place of another district is refused (choice_filter)"
t_has "$T_ERR" "'0302010001' is not one of the choices" "as not one of the choices"

# 6. The terminal: the filtered list, and the looked-up values shown.
t_pty fill ccpp <<'SCRIPT'
expect Distrito
expect 3) Lucre
expect > 
send 3
expect Centro poblado
expect 1) Lucre
expect 2) Antilla
expect 3) Llactahuaman
expect > 
send 2
expect Cuente las viviendas
expect > 
send
expect Viviendas visitadas
expect > 
send 7
expect Review of the answers:
expect > 
send
expect Finalized: uuid:
wait
SCRIPT
t_is "$T_RC" 0 "a survey with the attached list through the terminal"
t_lacks "$T_OUT" "Pampamarca" "only the chosen district's places are offered"
id=$(grep -o 'uuid:[0-9a-f-]*' "$T_OUT" | tail -1)
t_run show "$id" --json
t_is "$(jq -r '.data.community + " " + .data.health_post' "$T_OUT")" \
	"0302080003 Puesto de Salud Lucre" "the answer and the lookup are stored"

# 7. A form installed without its file: an error only where it is needed.
t_home
t_run init --device dev-02
sed 's/^,ccpp,1,/,ccpp_bare,1,/' "$form" >"$T_TMP/bare.csv"
t_run forms add "$T_TMP/bare.csv"
t_is "$T_RC" 0 "a form whose attachment is absent installs"
t_has "$T_ERR" "warning: attachment 'communities.csv'" "with the warning"
t_run fill ccpp_bare --answers "$T_TMP/a.json"
t_is "$T_RC" 1 "filling the question that needs the file fails"
t_has "$T_ERR" "'communities.csv', which was not installed with the form" \
	"with a message naming the file"

t_done
