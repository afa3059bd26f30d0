#!/usr/bin/env bash
# hub serve: the HTTP API v1 through curl, and every refusal of "Bad input
# and faults": wrong or revoked token, wrong type, too large, a gzip bomb,
# truncated gzip, invalid lines, a header that lies, a line of 100 MB, a
# batch of 100,000 fields, another device's batch; the hub keeps answering
# after each, with bounded memory.
. "$(dirname "$0")/hub-lib.sh"
# Under AddressSanitizer (make check) freed memory is held in quarantine,
# 256 MB by default: the bound below is the program's, not the checker's.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"

ping_ok() {	# the hub still answers
	[ "$(curl -s --max-time 5 "$H_URL/api/v1/ping")" = '{"hub":"0.1.0"}' ]
}
rss_kib() {	# the server's peak resident memory
	awk '/^VmHWM/ { print $2 }' "/proc/$H_PID/status"
}

h_init
tok=$(h_token dev-01 --district 030401)
tok2=$(h_token dev-02)
h_serve
t_is "$?" 0 "serve starts on a free port"
t_has "$T_TMP/serve.log" "listening on http://127.0.0.1:" "and says where"

t_is "$(curl -s "$H_URL/api/v1/ping")" '{"hub":"0.1.0"}' \
	"ping answers without a token"
t_is "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$H_URL/")" \
	"303 $H_URL/login" "/ is the dashboard's: to its login (t2400)"
t_is "$(curl -s -o /dev/null -w '%{http_code}' "$H_URL/api/v1/nothing")" \
	404 "a path under /api/ that is none: 404"
t_is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H_URL/api/v1/ping")" \
	405 "a POST to ping: 405"

# Forms: the list and the files, with ETags.
code=$(curl -s -o "$T_OUT" -D "$T_TMP/h" -w '%{http_code}' \
	-H "Authorization: Bearer $tok" "$H_URL/api/v1/forms")
t_is "$code" 200 "GET /api/v1/forms: 200"
t_is "$(jq -r 'map(.form_id) | join(" ")' "$T_OUT")" \
	"anemia household_improvements water_sanitation" \
	"lists the published forms"
t_is "$(jq -c '.[0] | keys' "$T_OUT")" \
	'["form_id","media","sha256","url","version"]' \
	"each with form_id, version, sha256, url and media"
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/Ip' "$T_TMP/h")
t_check "with a strong ETag" grep -qE '^"[0-9a-f]{64}"$' <<<"$etag"
t_is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H "If-None-Match: $etag" "$H_URL/api/v1/forms")" 304 \
	"If-None-Match: 304"
url=$(jq -r '.[0].url' "$T_OUT")
sha=$(jq -r '.[0].sha256' "$T_OUT")
t_is "$(curl -s -H "Authorization: Bearer $tok" "$H_URL$url" |
	sha256sum | cut -c1-64)" \
	"$sha" "GET on the url: the form's bytes, as its sha256 says"
t_is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H "If-None-Match: \"$sha\"" "$H_URL$url")" 304 \
	"the form file: 304 on its sha256"
t_is "$(curl -s -o /dev/null -w '%{http_code}' "$H_URL/api/v1/forms")" 401 \
	"the forms need a token"
"$HUB" --home "$T_HOME" forms publish "$E2E_FORMS/household.csv" >/dev/null
t_is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H "If-None-Match: $etag" "$H_URL/api/v1/forms")" 200 \
	"a form published while serving changes the list"

# Uploads.
h_gen dev-01 10 1 >"$T_TMP/a.ndjson"
h_pack dev-01 <"$T_TMP/a.ndjson" >"$T_TMP/a.gz"
h_post "$tok" "$T_TMP/a.gz"
t_is "$H_STATUS" 200 "an upload: 200"
t_is "$(jq -r '[.results[].status] | unique | join(" ")' "$T_OUT")" stored \
	"every submission stored"
t_is "$(jq -r '.results | length' "$T_OUT")" 10 "one result per submission"
t_is "$(jq -r '[.results[].instance_id] | join(" ")' "$T_OUT")" \
	"$(jq -r .instance_id "$T_TMP/a.ndjson" | tr '\n' ' ' | sed 's/ $//')" \
	"in the order of the lines"
t_check "the batch_id is the header's" \
	test "$(jq -r .batch_id "$T_OUT")" != null
h_post "$tok" "$T_TMP/a.gz"
t_is "$(jq -r '[.results[].status] | unique | join(" ")' "$T_OUT")" duplicate \
	"sent again: duplicates, counted once"
t_check "the upload counts as the device's contact" \
	test -n "$(h_sql "SELECT last_contact FROM devices
	    WHERE id = 'dev-01'")"

has_error() {
	jq -e '.error | length > 0' "$T_OUT" >/dev/null
}
refused() {	# status description: the last h_post was refused so
	t_is "$H_STATUS" "$1" "$2: $1"
	t_check "$2: an error body" has_error
}
n0=$(h_sql 'SELECT count(*) FROM submissions')
h_gen dev-01 3 2 >"$T_TMP/b.ndjson"
h_pack dev-01 <"$T_TMP/b.ndjson" >"$T_TMP/b.gz"
h_post wrongtoken "$T_TMP/b.gz"
refused 401 "a wrong token"
h_post "" "$T_TMP/b.gz"
refused 401 "no token"
"$HUB" --home "$T_HOME" device revoke dev-02 >/dev/null
h_post "$tok2" "$T_TMP/b.gz"
refused 401 "a revoked device's token"
H_CT=application/json h_post "$tok" "$T_TMP/b.gz"
refused 415 "Content-Type not application/x-ndjson"
H_CE=identity h_post "$tok" "$T_TMP/b.gz"
refused 415 "Content-Encoding not gzip"
head -c $((9 * 1024 * 1024)) /dev/urandom >"$T_TMP/big.bin"
h_post "$tok" "$T_TMP/big.bin"
refused 413 "a body over the limit (Content-Length)"
curl -s -o "$T_OUT" --max-time 30 -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/x-ndjson' -H 'Content-Encoding: gzip' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/big.bin" \
	"$H_URL/api/v1/batches"
t_check "a chunked body over the limit is cut, not read whole" test $? -ne 0
head -c $(( $(stat -c %s "$T_TMP/b.gz") - 5 )) "$T_TMP/b.gz" >"$T_TMP/cut.gz"
h_post "$tok" "$T_TMP/cut.gz"
refused 400 "truncated gzip"
h_post "$tok" "$T_TMP/b.ndjson"
refused 400 "a body that is not gzip"
h_pack dev-01 --count 7 <"$T_TMP/b.ndjson" >"$T_TMP/lies.gz"
h_post "$tok" "$T_TMP/lies.gz"
refused 400 "a header that lies about the count"
t_has "$T_OUT" "line 5" "the error names the line"
h_pack dev-02 <"$T_TMP/b.ndjson" >"$T_TMP/other.gz"
h_post "$tok" "$T_TMP/other.gz"
refused 400 "a batch from another device than the token's"
t_has "$T_OUT" "dev-02" "the error names both devices"
t_is "$(h_sql 'SELECT count(*) FROM submissions')" "$n0" \
	"none of these stored anything"
t_check "and the hub answers" ping_ok

# An invalid line in the middle: rejected, the rest stored.
{ sed -n 1p "$T_TMP/b.ndjson"; echo '{"instance_id":"uuid:'
  sed -n 2,3p "$T_TMP/b.ndjson"; } |
	h_pack dev-01 >"$T_TMP/mid.gz"
h_post "$tok" "$T_TMP/mid.gz"
t_is "$H_STATUS" 200 "an invalid JSON line: the batch is taken (200)"
t_is "$(jq -r '[.results[].status] | join(" ")' "$T_OUT")" \
	"stored rejected stored stored" "that line rejected, the rest stored"
t_is "$(jq -r '.results[1].reason | test("not JSON")' "$T_OUT")" true \
	"with the reason"
t_is "$(h_sql 'SELECT count(*) FROM submissions')" $((n0 + 3)) \
	"3 more on the hub"

# A line of 100,000 fields: rejected, without reaching the form engine.
python3 - "$T_TMP/b.ndjson" >"$T_TMP/wide.ndjson" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).readline())
s['instance_id'] = 'uuid:0e0e0e0e-0000-4000-8000-0000000000aa'
s['data'].update({'f%d' % i: i for i in range(100000)})
print(json.dumps(s, separators=(',', ':')))
PY
h_pack dev-01 <"$T_TMP/wide.ndjson" >"$T_TMP/wide.gz"
h_post "$tok" "$T_TMP/wide.gz"
t_is "$(jq -r '.results[0].status' "$T_OUT")" rejected \
	"100,000 fields: rejected"
t_has "$T_OUT" "values in one submission" "as too many values"

# A line of 100 MB: refused at the line ceiling, fast, nothing stored.
{ printf '{"format":"collector-batch","version":1,"batch_id":"%s",%s\n' \
	"$(cat /proc/sys/kernel/random/uuid)" '"device_id":"dev-01",'\
'"created_at":"2026-11-20T10:00:00-05:00","count":1}'
  printf '{"instance_id":"'
  head -c 100000000 /dev/zero | tr '\0' 'a'
  printf '"}\n'; } |
	gzip -1 >"$T_TMP/long.gz"
rss0=$(rss_kib)
t0=$(date +%s.%N)
h_post "$tok" "$T_TMP/long.gz"
t1=$(date +%s.%N)
refused 400 "a line of 100 MB"
t_check "refused within 2 s ($(echo "$t1 - $t0" | bc) s)" \
	test "$(echo "$t1 - $t0 < 2" | bc)" = 1

# A gzip bomb: 1 GB of JSON in a 1 MB body. Inflation stops at the
# ceiling; memory does not follow the inflated size.
python3 - "$T_TMP/bomb.gz" <<'PY'
import gzip, sys, uuid
line = b'{"x":"' + b'a' * (1 << 20) + b'"}\n'
with gzip.open(sys.argv[1], 'wb', compresslevel=9) as f:
    f.write(('{"format":"collector-batch","version":1,"batch_id":"%s",'
             '"device_id":"dev-01","created_at":"2026-11-20T10:00:00-05:00",'
             '"count":1000}\n' % uuid.uuid4()).encode())
    for _ in range(1000):
        f.write(line)
PY
h_post "$tok" "$T_TMP/bomb.gz"
refused 400 "a gzip bomb ($(stat -c %s "$T_TMP/bomb.gz") bytes, 1 GB inflated)"
t_has "$T_OUT" "inflates past" "stopped at the inflation ceiling"
rss1=$(rss_kib)
echo "# hub serve peak RSS: $rss0 KiB before the 100 MB line and the bomb," \
	"$rss1 KiB after"
t_check "the server's memory stayed bounded (peak $rss1 KiB < 96 MiB)" \
	test "$rss1" -lt $((96 * 1024))
t_check "and it answers" ping_ok
t_is "$(h_sql 'SELECT count(*) FROM submissions')" $((n0 + 3)) \
	"nothing of the refused batches was stored"

# HTTPS with a self-signed certificate.
h_stop
t_is "$(sed -n '$p' "$T_TMP/serve.log" | grep -c stopped)" 1 \
	"SIGTERM stops it cleanly"
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T_TMP/key.pem" \
		-out "$T_TMP/cert.pem" >/dev/null 2>&1
	h_serve --tls-cert "$T_TMP/cert.pem" --tls-key "$T_TMP/key.pem"
	t_is "$?" 0 "serve --tls-cert --tls-key starts"
	t_is "$(curl -s --cacert "$T_TMP/cert.pem" "$H_URL/api/v1/ping")" \
		'{"hub":"0.1.0"}' "and answers over HTTPS"
	h_gen dev-01 2 9 | h_pack dev-01 >"$T_TMP/tls.gz"
	h_post "$tok" "$T_TMP/tls.gz" --cacert "$T_TMP/cert.pem"
	t_is "$H_STATUS" 200 "an upload over HTTPS"
	t_is "$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$H_PORT/api/v1/ping")" \
		000 "plain HTTP to it is not answered"
	h_stop
	h_run serve --listen 127.0.0.1:0 --tls-cert "$T_TMP/cert.pem" \
		--tls-key "$T_TMP/cert.pem"
	t_is "$T_RC" 3 "a key that is not a key: exit 3"
	h_one_error "in one 'hub: ' line"
else
	t_ok "# SKIP openssl not installed: HTTPS not tested"
fi
h_run serve --tls-cert "$T_TMP/cert.pem"
t_is "$T_RC" 2 "--tls-cert without --tls-key is a usage error"
h_run serve --listen nowhere
t_is "$T_RC" 2 "--listen without a port is a usage error"
t_done
