/*
 * openrosa_client.c: upload submissions the way ODK Collect does, so that
 * the bench can count what that costs on the wire beside our sync
 * (tests/bench/sync.sh, through the fault proxy, against
 * openrosa_server.py).
 *
 *   openrosa_client SUBMISSION_URL XML_FILE
 *
 * XML_FILE holds one instance XML per line (`collector show ID --xml`
 * prints one line). For each, as Collect's InstanceServerUploader and
 * OkHttpConnection do:
 * - HEAD SUBMISSION_URL?deviceID=...: Central answers 204 with no
 *   Location, so Collect remaps nothing and asks again before every
 *   submission;
 * - POST of a multipart/form-data body built as okhttp's MultipartBody
 *   writes it (a UUID boundary; the part xml_submission_file with its
 *   filename, Content-Type and Content-Length), expecting 201.
 * Collect's headers on both: User-Agent, X-OpenRosa-Version, Date (its
 * format), and okhttp's Host, Connection: Keep-Alive and Accept-Encoding.
 * One connection, kept alive, as okhttp's pool does.
 *
 * Authentication: a Central app user, whose token is in the URL path
 * (/v1/key/TOKEN/projects/1/submission), which is how Collect is set up
 * from Central's QR code. No Authorization header: the other way (a web
 * user with Basic or Digest) costs a 401 round trip first and a header on
 * every request, so this is the cheaper ODK.
 *
 * Prints one line: "submissions N bytes_up N bytes_down N seconds S", the
 * bytes as libcurl moved them (headers included). Exit 0 when every
 * submission got its 201, 1 when one did not (it stops there), 2 usage,
 * 3 no such file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../../common/common.h"
#include "bench.h"

#define USER_AGENT	"org.odk.collect.android/v2024.2.4 okhttp/4.12.0 " \
			"Dalvik/2.1.0 (Linux; U; Android 13)"
/* Collect's deviceID: "collect:" and 16 characters. */
#define DEVICE_ID	"collect%3AW8rK2mPq7ZtY4nVx"
/* Collect names the file after the form and the time it was started;
 * the form id stands for the (longer) form title here. */
#define FILE_NAME	"anemia_2026-11-25_10-00-00.xml"
#define LINE_MAX_BYTES	(1u << 20)

struct counter {
	unsigned long long	up, down;
};

static int
count_io(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct counter	*c = arg;

	(void)h;
	(void)data;
	switch (type) {
	case CURLINFO_HEADER_OUT:
	case CURLINFO_DATA_OUT:
		c->up += size;
		break;
	case CURLINFO_HEADER_IN:
	case CURLINFO_DATA_IN:
		c->down += size;
		break;
	default:
		break;
	}
	return 0;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Collect's Date: SimpleDateFormat("E, dd MMM yyyy hh:mm:ss zz"), GMT. */
static void
date_header(char *out, size_t len)
{
	struct tm	tm;
	time_t		t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(out, len, "Date: %a, %d %b %Y %I:%M:%S GMT", &tm);
}

static struct curl_slist *
collect_headers(const char *content_type)
{
	struct curl_slist	*h = NULL;
	char			 date[64];

	date_header(date, sizeof(date));
	h = curl_slist_append(h, "User-Agent: " USER_AGENT);
	h = curl_slist_append(h, "X-OpenRosa-Version: 1.0");
	h = curl_slist_append(h, date);
	if (content_type != NULL)
		h = curl_slist_append(h, content_type);
	h = curl_slist_append(h, "Connection: Keep-Alive");
	h = curl_slist_append(h, "Accept-Encoding: gzip");
	/* libcurl's own, which okhttp does not send */
	h = curl_slist_append(h, "Accept:");
	h = curl_slist_append(h, "Expect:");
	return h;
}

/* okhttp's MultipartBody, one part. */
static int
multipart(const char *xml, size_t len, const char *boundary, struct buf *out)
{
	buf_reset(out);
	if (buf_addf(out, "--%s\r\n"
	    "Content-Disposition: form-data; name=\"xml_submission_file\"; "
	    "filename=\"%s\"\r\n"
	    "Content-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n\r\n", boundary, FILE_NAME, len) != 0 ||
	    buf_add(out, xml, len) != 0 ||
	    buf_addf(out, "\r\n--%s--\r\n", boundary) != 0)
		return -1;
	return 0;
}

static int
upload(CURL *h, const char *url, const char *xml, size_t len,
    struct buf *body)
{
	struct curl_slist	*hdr;
	char			 boundary[UUID_STR_LEN + 1], ctype[128];
	long			 code = 0;
	CURLcode		 rc;

	hdr = collect_headers(NULL);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code != 204) {
		fprintf(stderr, "openrosa_client: HEAD: %s (%ld)\n",
		    curl_easy_strerror(rc), code);
		return -1;
	}

	uuid_v4(boundary);
	if (multipart(xml, len, boundary, body) != 0)
		return -1;
	snprintf(ctype, sizeof(ctype),
	    "Content-Type: multipart/form-data; boundary=%s", boundary);
	hdr = collect_headers(ctype);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->p);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)body->len);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	code = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code != 201) {
		fprintf(stderr, "openrosa_client: POST: %s (%ld)\n",
		    curl_easy_strerror(rc), code);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct counter	 cnt = { 0, 0 };
	struct buf	 body;
	CURL		*h;
	FILE		*f;
	char		*line = NULL, *url = NULL;
	size_t		 cap = 0, n = 0, len;
	ssize_t		 got;
	double		 t0;
	int		 rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: openrosa_client SUBMISSION_URL "
		    "XML_FILE\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 3;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (h = curl_easy_init()) == NULL)
		return 3;
	len = strlen(argv[1]) + sizeof("?deviceID=" DEVICE_ID);
	if ((url = malloc(len)) == NULL)
		return 3;
	snprintf(url, len, "%s?deviceID=%s", argv[1], DEVICE_ID);
	buf_init(&body, LINE_MAX_BYTES * 2);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, count_io);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &cnt);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	t0 = bench_now();
	while ((got = getline(&line, &cap, f)) > 0) {
		while (got > 0 && (line[got - 1] == '\n' ||
		    line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0)
			continue;
		if ((size_t)got > LINE_MAX_BYTES ||
		    upload(h, url, line, (size_t)got, &body) != 0) {
			fprintf(stderr, "openrosa_client: %s: submission %zu "
			    "failed\n", argv[2], n + 1);
			rc = 1;
			break;
		}
		n++;
	}
	printf("submissions %zu bytes_up %llu bytes_down %llu seconds %.3f\n",
	    n, cnt.up, cnt.down, bench_now() - t0);
	fclose(f);
	free(line);
	free(url);
	buf_release(&body);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc;
}
