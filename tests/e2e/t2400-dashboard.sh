#!/usr/bin/env bash
# The coordinators' dashboard of `hub serve`, with curl against a real hub
# on 127.0.0.1 over the province t2200 plants (tests/tools/genreport.py,
# a community named <script> among it): `hub user add|list|remove`; every
# page refused without a session; login (bad, good, rate-limited per
# account and per address); forged, expired and other-hub cookies
# refused; CSRF refused on every form; the headers (CSP, cookies' flags,
# content types, caching); the exports the same as `hub export`; a
# device's token opens no page and a session no API call; the <script>
# escaped; removing a user ends their sessions.
. "$(dirname "$0")/hub-lib.sh"

GEN=$TOP/tests/tools/genreport.py
G=$T_TMP/gen
PW=correct-horse-battery

# --- the province --------------------------------------------------------
h_init
python3 "$GEN" gen --out "$G" >/dev/null || t_fail "genreport.py gen"
for d in dev-01 dev-02 dev-03 dev-04 dev-05 dev-06 dev-07; do
	h_token "$d" --promoter "Promotora $d" >/dev/null
done
failed=0
while read -r dev file now; do
	h_pack "$dev" <"$G/$file" >"$G/$file.gz"
	COLLECTOR_NOW=$now h_run import "$G/$file.gz"
	[ "$T_RC" -eq 0 ] || failed=$((failed + 1))
done <"$G/imports"
t_is "$failed" 0 "the planted surveys are imported"
devtok=$(h_token dev-09)

# --- hub user ------------------------------------------------------------
h_run user add maria --password-stdin <<<"$PW"
t_is "$T_RC" 0 "user add --password-stdin"
t_has "$T_OUT" "user 'maria' added" "says so"
h_run user add pedro --password-stdin <<<"$PW-pedro"
h_run user add maria --password-stdin <<<"$PW"
t_is "$T_RC" 1 "a name taken: refused"
h_one_error "in one line"
t_has "$T_ERR" "user 'maria' already exists" "saying which"
h_run user add ana --password-stdin <<<"short"
t_is "$T_RC" 2 "a password of 5 characters: refused"
t_has "$T_ERR" "at least 8 characters" "saying how long it must be"
h_run user add '<b>x' --password-stdin <<<"$PW"
t_is "$T_RC" 2 "a name with '<': refused"
h_run user add ana </dev/null
t_is "$T_RC" 2 "no terminal and no --password-stdin: refused"
t_has "$T_ERR" "use --password-stdin" "saying what to do"
t_is "$(h_sql "SELECT count(*) FROM users WHERE name = 'ana'")" 0 \
	"nothing stored for a refused user"
t_is "$(h_sql "SELECT substr(pwhash, 1, 10) FROM users
	WHERE name = 'maria'")" '$argon2id$' "the password kept as argon2id"
t_check "the password itself nowhere in the store" \
	test "$(cat "$T_HOME"/hub.db* | grep -cF -- "$PW")" -eq 0
# On a terminal: asked twice, never echoed.
"$PTYRUN" -t 10 "$HUB" --home "$T_HOME" user add lucia >"$T_OUT" \
    2>"$T_ERR" <<'EOF'
expect Password:
send tinta-roja-99
expect again:
send tinta-roja-99
wait
EOF
t_is "$?" 0 "user add on a terminal: the password asked twice"
t_has "$T_OUT" "user 'lucia' added" "and the user added"
t_lacks "$T_OUT" "tinta-roja" "the password never echoed"
"$PTYRUN" -t 10 "$HUB" --home "$T_HOME" user add luz >"$T_OUT" \
    2>"$T_ERR" <<'EOF'
expect Password:
send tinta-roja-99
expect again:
send tinta-roja-98
wait
EOF
t_is "$?" 2 "two passwords that differ: refused"
t_has "$T_OUT" "the two passwords differ" "saying so"
h_run user remove lucia
h_run user list
t_has "$T_OUT" "maria" "user list: maria"
t_has "$T_OUT" "pedro" "and pedro"
h_run user list --json
t_is "$(jq -r '[.[].name] | join(" ")' "$T_OUT")" "maria pedro" \
	"user list --json, by name"

h_serve || t_fail "hub serve starts"

# --- helpers -------------------------------------------------------------
# get PATH [JAR] [CURL...]: the body in $T_OUT, headers in $T_TMP/hdr,
# the status in ST.
get() {
	local path=$1 jar=${2:-$T_TMP/none}
	shift 2 2>/dev/null || shift
	ST=$(curl -s -o "$T_OUT" -D "$T_TMP/hdr" -w '%{http_code}' \
	    -b "$jar" -c "$jar" "$@" "$H_URL$path")
}
hdr() {	# name: the header's value in the last answer
	tr -d '\r' <"$T_TMP/hdr" | sed -n "s/^$1: //Ip" | head -1
}
csrf_of() {
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T_OUT" | head -1
}
# login JAR USER PASSWORD: ST the status of the POST
login() {
	local jar=$1 csrf
	get /login "$jar"
	csrf=$(csrf_of)
	get /login "$jar" --data-urlencode "csrf=$csrf" \
	    --data-urlencode "user=$2" --data-urlencode "password=$3"
}
cookie_of() {	# jar name
	awk -v n="$2" '$6 == n { print $7 }' "$1"
}

# --- without a session ---------------------------------------------------
for p in / /export/anemia/csv /export/anemia/json /no/such/page \
    "/?from=2026-08-01"; do
	get "$p"
	t_is "$ST $(hdr Location)" "303 /login" "GET $p without a session: to /login"
done
get /logout "" -X POST --data "csrf=x"
t_is "$ST $(hdr Location)" "303 /login" "POST /logout without a session: to /login"
get /style.css
t_is "$ST" 200 "the style sheet needs no session (it holds no data)"
t_is "$(hdr Content-Type)" "text/css; charset=utf-8" "text/css"
t_is "$(hdr Cache-Control)" "public, max-age=86400" "cached a day"

get /login "$T_TMP/j0"
t_is "$ST" 200 "GET /login"
t_is "$(hdr Content-Type)" "text/html; charset=utf-8" "text/html"
t_is "$(hdr Content-Security-Policy)" "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" \
	"a strict Content-Security-Policy: no script, no frames"
t_is "$(hdr X-Content-Type-Options)" nosniff "nosniff"
t_is "$(hdr Referrer-Policy)" no-referrer "no referrer"
t_is "$(hdr Cache-Control)" no-store "no-store"
t_check "the pre-login cookie: HttpOnly, SameSite=Strict, Path=/" \
	grep -qi '^Set-Cookie: hub_login=[^;]*; Path=/; Max-Age=[0-9]*; HttpOnly; SameSite=Strict' \
	"$T_TMP/hdr"
t_lacks "$T_OUT" "<script" "no script on the page"

# --- login ---------------------------------------------------------------
get /login "$T_TMP/j1" --data "user=maria&password=$PW"
t_is "$ST" 403 "a login without its CSRF token: refused"
t_is "$(cookie_of "$T_TMP/j1" hub_session)" "" "and no session"
get /login "$T_TMP/j1"
get /login "$T_TMP/j1" --data-urlencode "csrf=$(printf '%064d' 0)" \
	--data-urlencode "user=maria" --data-urlencode "password=$PW"
t_is "$ST" 403 "a login with a wrong CSRF token: refused"
get /login "$T_TMP/j1"
csrf=$(csrf_of)
get /login "$T_TMP/j9" --data-urlencode "csrf=$csrf" \
	--data-urlencode "user=maria" --data-urlencode "password=$PW"
t_is "$ST" 403 "a CSRF token without its cookie (another browser): refused"

login "$T_TMP/j1" maria wrong-password
t_is "$ST" 401 "a wrong password: 401"
t_has "$T_OUT" "Wrong user or password." "said on the login page"
t_is "$(cookie_of "$T_TMP/j1" hub_session)" "" "no session"
login "$T_TMP/j1" '<script>x' "$PW"
t_is "$ST" 401 "an unknown user: 401"
t_has "$T_OUT" 'value="&lt;script&gt;x"' "the name typed comes back escaped"
t_lacks "$T_OUT" "<script" "never as a tag"

login "$T_TMP/j1" maria "$PW"
t_is "$ST $(hdr Location)" "303 /" "the right password: to the dashboard"
t_check "the session cookie: HttpOnly, SameSite=Strict, Path=/, not Secure over HTTP" \
	grep -qiE '^Set-Cookie: hub_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict.$' \
	"$T_TMP/hdr"
tok=$(cookie_of "$T_TMP/j1" hub_session)
t_check "the store keeps a hash of the session's token, not the token" \
	test "$(h_dump | grep -cF -- "$tok")" -eq 0 -a \
	"$(h_sql "SELECT count(*) FROM sessions WHERE \"user\" = 'maria'")" -eq 1
get /login "$T_TMP/j1"
t_is "$ST $(hdr Location)" "303 /" "/login with a session: to the dashboard"

# --- the dashboard -------------------------------------------------------
get / "$T_TMP/j1"
t_is "$ST" 200 "GET / with the session"
t_is "$(hdr Content-Type)" "text/html; charset=utf-8" "text/html"
t_is "$(hdr Cache-Control)" no-store "no-store: it holds personal data"
t_is "$(hdr Content-Security-Policy | cut -c1-19)" "default-src 'none';" \
	"the same CSP"
cp "$T_OUT" "$T_TMP/dash.html"
D=$T_TMP/dash.html
t_has "$D" "Cotaruse" "the districts"
t_has "$D" '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' \
	"the community named <script> comes out escaped"
t_lacks "$D" "<script" "no script at all"
t_has "$D" '<link rel="stylesheet" href="/style.css">' "the style from here"
t_check "nothing fetched from elsewhere: no http(s) URL in src or href" \
	test "$(grep -ciE '(src|href)="(https?:)?//' "$D")" -eq 0
t_is "$(grep -c '<svg' "$D")" 5 "a chart for each of the plan's five figures"
t_has "$D" "Child growth (WHO 2006)" "the growth tables, as the report's"
t_has "$D" 'class="base"' "with the baseline marked"
t_has "$D" 'name="viewport"' "readable on a phone"
t_has "$D" '<form class="period" method="get" action="/">' "a form for the period"
for f in anemia household_improvements water_sanitation; do
	t_has "$D" "href=\"/export/$f/csv\"" "export links of $f"
done
h_run report --format json --out "$T_TMP/r.json"
n=$(jq .quality.submissions "$T_TMP/r.json")
t_has "$D" "Surveys counted (the current revision of each): $n" \
	"the same count as hub report: $n"
t_check "a district's row: Cotaruse's measured as in the JSON" \
	grep -q "<td>030406 Cotaruse</td><td>$(jq .districts[5].anaemia.groups.all.measured "$T_TMP/r.json")</td>" "$D"

h_run report --format json --from 2026-08-01 --to 2026-09-30 \
	--out "$T_TMP/p.json"
get "/?from=2026-08-01&to=2026-09-30" "$T_TMP/j1"
t_is "$ST" 200 "a period"
t_has "$T_OUT" "Surveys counted (the current revision of each): $(jq \
	.quality.submissions "$T_TMP/p.json")" "counted as hub report --from --to"
t_has "$T_OUT" 'value="2026-08-01"' "the period kept in the form"
get "/?from=2026-02-30" "$T_TMP/j1"
t_is "$ST" 400 "a date that does not exist: 400"
t_has "$T_OUT" "A date is written YYYY-MM-DD." "saying how"
get "/?from=%22%3E%3Cscript%3E" "$T_TMP/j1"
t_is "$ST" 400 "a period with HTML in it: 400"
t_lacks "$T_OUT" "<script" "not echoed as a tag"

# --- exports -------------------------------------------------------------
get /export/anemia/csv "$T_TMP/j1"
t_is "$ST" 200 "GET /export/anemia/csv"
t_is "$(hdr Content-Type)" application/zip "application/zip"
t_is "$(hdr Content-Disposition)" 'attachment; filename="anemia.zip"' \
	"as a file named anemia.zip"
t_is "$(hdr Cache-Control)" no-store "no-store"
cp "$T_OUT" "$T_TMP/web.zip"
h_run export --form anemia --format csv --out "$T_TMP/cli.zip"
t_check "the same tables as hub export's zip" sh -c '
	cd "$1" && mkdir w c && unzip -q web.zip -d w && unzip -q cli.zip -d c &&
	diff -r w c' _ "$T_TMP"
get /export/anemia/xlsx "$T_TMP/j1"
t_is "$(hdr Content-Type)" \
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" \
	"the xlsx's content type"
t_is "$(hdr Content-Disposition)" 'attachment; filename="anemia.xlsx"' \
	"named anemia.xlsx"
cp "$T_OUT" "$T_TMP/web.xlsx"
h_run export --form anemia --format xlsx --out "$T_TMP/cli.xlsx"
t_check "the same sheets as hub export's workbook (but its date)" sh -c '
	cd "$1" && mkdir wx cx && unzip -q web.xlsx -d wx &&
	unzip -q cli.xlsx -d cx && diff -r -x core.xml wx cx' _ "$T_TMP"
h_run export --form water_sanitation --format json --out "$T_TMP/cli.json"
get /export/water_sanitation/json "$T_TMP/j1"
t_is "$(hdr Content-Type)" application/json "the json's content type"
t_check "the same bytes as hub export --format json" \
	cmp -s "$T_OUT" "$T_TMP/cli.json"
get /export/nosuchform/csv "$T_TMP/j1"
t_is "$ST" 404 "a form the hub does not have: 404"
get /export/anemia/pdf "$T_TMP/j1"
t_is "$ST" 404 "a format that is not one: 404"
get /export/anemia/csv "$T_TMP/j1" -X POST
t_is "$ST" 405 "POST on an export: 405"

# --- tokens and cookies apart --------------------------------------------
get / "" -H "Authorization: Bearer $devtok"
t_is "$ST $(hdr Location)" "303 /login" "a device's token opens no page"
get /export/anemia/json "" -H "Authorization: Bearer $devtok"
t_is "$ST" 303 "nor an export"
get /api/v1/forms "$T_TMP/j1"
t_is "$ST" 401 "the session's cookie opens no API call"
get /api/v1/forms "" -H "Authorization: Bearer $devtok"
t_is "$ST" 200 "while the token still does"

# --- cookies that are no session -----------------------------------------
get / "" -H "Cookie: hub_session=$(head -c 32 /dev/urandom | base64 |
	tr '+/' '-_' | tr -d '=')"
t_is "$ST $(hdr Location)" "303 /login" "a forged cookie: to /login"
get / "" -H "Cookie: hub_session=${tok%?}"
t_is "$ST" 303 "the cookie less a character: to /login"
get / "" -H "Cookie: hub_session=$tok$tok"
t_is "$ST" 303 "the cookie twice over: to /login"

# Another hub's cookie.
url1=$H_URL home1=$T_HOME db1=${HUB_DB:-}
h_init
h_run user add maria --password-stdin <<<"$PW"
h_serve || t_fail "a second hub serves"
login "$T_TMP/j2" maria "$PW"
t_is "$ST" 303 "maria logs in to the other hub"
other=$(cookie_of "$T_TMP/j2" hub_session)
h_stop
T_HOME=$home1 H_URL=$url1
h_sqlite || HUB_DB=$db1
get / "" -H "Cookie: hub_session=$other"
t_is "$ST $(hdr Location)" "303 /login" "the other hub's cookie: to /login"

# Expired: idle for an hour, or logged in 12 hours ago.
login "$T_TMP/j3" maria "$PW"
t3=$(cookie_of "$T_TMP/j3" hub_session)
get / "$T_TMP/j3"
t_is "$ST" 200 "a second session of maria"
h_sql "UPDATE sessions SET seen_at = seen_at - 3601
	WHERE created_at = (SELECT max(created_at) FROM sessions)"
get / "" -H "Cookie: hub_session=$t3"
t_is "$ST $(hdr Location)" "303 /login" "idle for an hour: to /login"
get / "$T_TMP/j1"
t_is "$ST" 200 "the first session still open"
h_sql "UPDATE sessions SET created_at = created_at - 43201"
get / "$T_TMP/j1"
t_is "$ST $(hdr Location)" "303 /login" "12 hours after its login: to /login"
t_is "$(h_sql "SELECT count(*) FROM sessions WHERE user = 'maria'")" 0 \
	"the dead sessions are gone from the store"

# --- logout and CSRF -----------------------------------------------------
login "$T_TMP/j4" maria "$PW"
get / "$T_TMP/j4"
csrf=$(csrf_of)
get /logout "$T_TMP/j4" --data "csrf=$(printf '%064d' 0)"
t_is "$ST" 403 "logout with a wrong CSRF token: refused"
get /logout "$T_TMP/j4" -X POST
t_is "$ST" 403 "logout without one: refused"
get / "$T_TMP/j4"
t_is "$ST" 200 "and the session goes on"
get /logout "$T_TMP/j4"
t_is "$ST" 405 "GET /logout: 405 (a link cannot log out)"
t4=$(cookie_of "$T_TMP/j4" hub_session)
get /logout "$T_TMP/j4" --data "csrf=$csrf"
t_is "$ST $(hdr Location)" "303 /login" "logout: to /login"
t_check "the cookie is cleared" grep -qi '^Set-Cookie: hub_session=; Path=/; Max-Age=0' "$T_TMP/hdr"
get / "" -H "Cookie: hub_session=$t4"
t_is "$ST $(hdr Location)" "303 /login" "the cookie kept after logout: to /login"

# --- user remove ends the sessions ---------------------------------------
login "$T_TMP/j5" pedro "$PW-pedro"
get / "$T_TMP/j5"
t_is "$ST" 200 "pedro's session"
h_run user remove pedro
t_is "$T_RC" 0 "user remove pedro"
t_has "$T_OUT" "sessions ended: 1" "says their session ended"
get / "$T_TMP/j5"
t_is "$ST $(hdr Location)" "303 /login" "pedro's cookie: to /login"
login "$T_TMP/j5" pedro "$PW-pedro"
t_is "$ST" 401 "pedro cannot log in"
h_run user remove pedro
t_is "$T_RC" 1 "removing him again: refused"
t_has "$T_ERR" "no user 'pedro'" "saying so"

# --- wrong passwords, rate-limited ---------------------------------------
h_sql "DELETE FROM login_failures"
for i in 1 2 3 4 5; do
	login "$T_TMP/j6" maria "wrong-$i"
done
t_is "$ST" 401 "five wrong passwords: 401 each"
login "$T_TMP/j6" maria "$PW"
t_is "$ST" 429 "the sixth try, even right: 429"
t_check "with Retry-After, in seconds, up to 15 minutes" \
	test "$(hdr Retry-After)" -gt 0 -a "$(hdr Retry-After)" -le 900
t_has "$T_OUT" "Too many wrong passwords: try again in 15 minutes." \
	"saying how long to wait"
t_is "$(cookie_of "$T_TMP/j6" hub_session)" "" "and no session"
h_run user add rosa --password-stdin <<<"$PW-rosa"
login "$T_TMP/j7" rosa "$PW-rosa"
t_is "$ST" 303 "another account from the same address logs in"
h_sql "UPDATE login_failures SET at = at - 901"
login "$T_TMP/j6" maria "$PW"
t_is "$ST" 303 "15 minutes later maria logs in"
h_sql "DELETE FROM login_failures"
for i in $(seq 20); do
	login "$T_TMP/j8" "nobody$i" "wrong"
done
login "$T_TMP/j8" rosa "$PW-rosa"
t_is "$ST" 429 "20 wrong logins from one address: refused from it"
t_is "$(h_sql "SELECT count(*) FROM login_failures
	WHERE key = 'addr:127.0.0.1'")" 20 "counted in the store, per address"
get / "$T_TMP/j7"
t_is "$ST" 200 "an open session goes on"
h_stop
t_has "$T_TMP/serve.log" "login of 'maria' from 127.0.0.1 refused: too many wrong passwords" \
	"the refusals in the server's log"
t_lacks "$T_TMP/serve.log" "$PW" "never a password in the log"

# --- over HTTPS, the cookies are Secure ----------------------------------
h_sql "DELETE FROM login_failures"
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" >/dev/null 2>&1 &&
    h_serve --tls-cert "$T_TMP/cert.pem" --tls-key "$T_TMP/key.pem"; then
	get /login "$T_TMP/js" -k
	t_check "HTTPS: the pre-login cookie is Secure" \
		grep -qiE '^Set-Cookie: hub_login=.*; SameSite=Strict; Secure' \
		"$T_TMP/hdr"
	csrf=$(csrf_of)
	get /login "$T_TMP/js" -k --data-urlencode "csrf=$csrf" \
	    --data-urlencode "user=maria" --data-urlencode "password=$PW"
	t_is "$ST" 303 "HTTPS: maria logs in"
	t_check "HTTPS: the session cookie is Secure" \
		grep -qiE '^Set-Cookie: hub_session=.*; SameSite=Strict; Secure' \
		"$T_TMP/hdr"
	h_stop
else
	t_fail "an HTTPS hub serves"
fi

t_done
