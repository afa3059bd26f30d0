/*
 * client.c: the device's side of HTTP to the hub, through libcurl.
 *
 * Made for the worst link a promoter has: GPRS at 20 kbit/s that drops
 * for minutes. So there is no total timeout (a slow upload that moves is
 * alive), only a stall limit (CLIENT_LOW_SPEED_BYTES per second for
 * low_speed_secs) and a connect timeout; no "Expect: 100-continue" (a
 * round trip of a second or more on 2G). Every transfer runs on one multi
 * handle kept for the client's life, so that ping, uploads and the forms
 * reuse its connections and TLS sessions.
 *
 * Uploads overlap (client_post_begin, client_post_end): up to
 * CLIENT_INFLIGHT batches at once, each on its own connection (HTTP/1.1
 * has no other way), so that while the hub merges and answers one batch
 * the next is already going up and the link is never idle one way. Two
 * are enough: the second's upload covers the first's round trip.
 *
 * What an answer means is decided here, once, for the collector's sync:
 * ERR_IO when the outcome is unknown (nothing acknowledged, send again),
 * ERR_INPUT when the hub refused and sending again would not help. A
 * captive portal answers 200 with its login page: only a body of the
 * expected shape is an answer.
 *
 * The token goes only in an Authorization header, and only to the hub's
 * own origin (a form's URL in the list may point elsewhere); the copies
 * this file makes are wiped after the transfer. libcurl's own copies of
 * headers are beyond reach. Nothing here prints: CURLOPT_VERBOSE would
 * print the header.
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "sync.h"

#ifndef VERSION
#define VERSION	"unknown"
#endif

#define ETAG_MAX	1024
#define HUB_ERROR_MAX	200	/* of the hub's {"error":...} in a message */

/* One transfer's answer, filled by libcurl's callbacks. */
struct xfer {
	struct buf	*body;		/* own, or the caller's */
	struct buf	 own;
	int		 too_big;
	int		 nomem;
	char		*etag;
};

/* One upload in flight (client_post_begin). */
struct flight {
	CURL			*h;
	struct curl_slist	*hdrs;
	char			*url;
	char			 errbuf[CURL_ERROR_SIZE];
	struct xfer		 x;
	void			*tag;
	int			 busy;
};

struct request {
	const char	*path;		/* relative to the hub, or absolute */
	const void	*post;		/* POST body; NULL: GET */
	size_t		 post_len;
	const char	*etag;		/* If-None-Match */
	int		 batch;		/* the batch's content headers */
	int		 auth;		/* send the token (to the hub only) */
};

static int	global_ready;

static int
nomem(struct err *e)
{
	return err_set(e, ERR_NOMEM, _("out of memory"));
}

static int
is_absolute(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0;
}

/* Length of "scheme://authority" at the start of an absolute URL. */
static size_t
origin_len(const char *url)
{
	const char	*p = strstr(url, "://");

	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

static int
same_origin(const char *a, const char *b)
{
	size_t	n = origin_len(a);

	return n == origin_len(b) && strncasecmp(a, b, n) == 0;
}

char *
client_url(const char *hub, const char *path)
{
	struct buf	b;
	size_t		n;

	if (is_absolute(path))
		return strdup(path);
	n = strlen(hub);
	while (n > 0 && hub[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	buf_init(&b, SIZE_MAX / 2);
	if (buf_add(&b, hub, n) != 0 || buf_addc(&b, '/') != 0 ||
	    buf_addstr(&b, path) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int
client_init(struct client *c, const char *hub, const char *token,
    const char *ca_file, struct err *e)
{
	const char	*p;

	memset(c, 0, sizeof(*c));
	if (hub == NULL || !is_absolute(hub))
		return err_set(e, ERR_USAGE, _("hub '%s' is not an http:// or "
		    "https:// URL"), hub != NULL ? hub : "");
	/* A CR or LF would end the header and start another. */
	for (p = token; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(e, ERR_INPUT, _("the device's token "
			    "holds a control character"));
	/* curl_global_init is not thread-safe: the programs make their
	 * clients from one thread. */
	if (!global_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(e, ERR_IO, _("cannot start libcurl"));
		global_ready = 1;
	}
	c->hub = hub;
	c->token = token;
	c->ca_file = ca_file;
	return 0;
}

static void	xfer_release(struct xfer *);
static void	headers_free(struct curl_slist *);

void
client_release(struct client *c)
{
	struct flight	*f;
	size_t		 i;

	for (i = 0; c->flights != NULL && i < CLIENT_INFLIGHT; i++) {
		f = &c->flights[i];
		if (f->busy)
			curl_multi_remove_handle(c->multi, f->h);
		if (f->h != NULL)
			curl_easy_cleanup(f->h);
		headers_free(f->hdrs);
		free(f->url);
		xfer_release(&f->x);
	}
	free(c->flights);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	memset(c, 0, sizeof(*c));
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	int		 rc;

	n *= size;
	/* Returning less than n makes libcurl abort the transfer. */
	if (n > CLIENT_MAX_RESPONSE - x->body->len) {
		x->too_big = 1;
		return 0;
	}
	if ((rc = buf_add(x->body, p, n)) != 0) {
		x->nomem = rc == ERR_NOMEM;
		x->too_big = rc != ERR_NOMEM;
		return 0;
	}
	return n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = n * size, i, j;

	/* A new status line (after a redirect or a 100 Continue): the
	 * headers before it were another answer's. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		free(x->etag);
		x->etag = NULL;
		return len;
	}
	if (len < 5 || strncasecmp(p, "etag:", 5) != 0)
		return len;
	for (i = 5; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	for (j = len; j > i && isspace((unsigned char)p[j - 1]); j--)
		;
	if (j - i == 0 || j - i > ETAG_MAX)
		return len;
	free(x->etag);
	if ((x->etag = strndup(p + i, j - i)) == NULL)
		x->nomem = 1;
	return len;
}

/* The hub's {"error":"..."} as printable text, or "". */
static void
hub_error(const struct buf *body, char out[HUB_ERROR_MAX + 1])
{
	json_t		*root;
	const char	*s;
	size_t		 i;

	out[0] = '\0';
	if (body->len == 0)
		return;
	root = json_loadb(body->p, body->len, 0, NULL);
	if ((s = json_string_value(json_object_get(root, "error"))) != NULL) {
		for (i = 0; s[i] != '\0' && i < HUB_ERROR_MAX; i++)
			out[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
		out[i] = '\0';
	}
	json_decref(root);
}

static void
count_bytes(struct client *c, CURL *h)
{
	curl_off_t	up = 0, down = 0;
	long		req = 0, head = 0;

	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &head);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
	/*
	 * REQUEST_SIZE is what went out with the request's header. libcurl
	 * 7.88 sends a POSTFIELDS body under 64 KiB in that same write and
	 * counts it there as well as in SIZE_UPLOAD (measured: a body of
	 * 148 bytes, REQUEST_SIZE 363, SIZE_UPLOAD 148); a larger body is
	 * in SIZE_UPLOAD alone, and a header is never as large as it. So a
	 * REQUEST_SIZE above the body holds the body. Figures only: other
	 * libcurl versions may count otherwise (8.7 reports 0).
	 */
	if (up > 0 && req > up)
		req -= (long)up;
	if (req > 0)
		c->bytes_up += (uint64_t)req;
	if (up > 0)
		c->bytes_up += (uint64_t)up;
	if (head > 0)
		c->bytes_down += (uint64_t)head;
	if (down > 0)
		c->bytes_down += (uint64_t)down;
}

/* Wipe the header lines (the token is in one) before freeing them. */
static void
headers_free(struct curl_slist *l)
{
	struct curl_slist	*p;

	for (p = l; p != NULL; p = p->next)
		sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int
add_header(struct curl_slist **l, const char *line)
{
	struct curl_slist	*n;

	if ((n = curl_slist_append(*l, line)) == NULL)
		return ERR_NOMEM;
	*l = n;
	return 0;
}

static int
set_headers(struct client *c, const struct request *rq, int auth,
    struct curl_slist **l, struct err *e)
{
	char	*line;
	size_t	 n;
	int	 rc = 0;

	if (auth && c->token != NULL) {
		n = strlen("Authorization: Bearer ") + strlen(c->token) + 1;
		if ((line = malloc(n)) == NULL)
			return nomem(e);
		snprintf(line, n, "Authorization: Bearer %s", c->token);
		rc = add_header(l, line);
		sodium_memzero(line, n);
		free(line);
	}
	if (rc == 0 && rq->batch)
		rc = add_header(l, "Content-Type: application/x-ndjson");
	if (rc == 0 && rq->batch)
		rc = add_header(l, "Content-Encoding: gzip");
	/* No 100-continue: it costs a round trip on 2G. */
	if (rc == 0 && rq->post != NULL)
		rc = add_header(l, "Expect:");
	/* An ETag that would break the header is as good as none. */
	if (rc == 0 && rq->etag != NULL &&
	    strpbrk(rq->etag, "\r\n") == NULL) {
		n = strlen("If-None-Match: ") + strlen(rq->etag) + 1;
		if ((line = malloc(n)) == NULL)
			return nomem(e);
		snprintf(line, n, "If-None-Match: %s", rq->etag);
		rc = add_header(l, line);
		free(line);
	}
	if (rc != 0)
		return nomem(e);
	return 0;
}

/* The multi handle and the flights, made on first use. */
static int
multi_ready(struct client *c, struct err *e)
{
	if (c->multi == NULL && (c->multi = curl_multi_init()) == NULL)
		return err_set(e, ERR_IO, _("cannot start libcurl"));
	if (c->flights == NULL && (c->flights = calloc(CLIENT_INFLIGHT,
	    sizeof(*c->flights))) == NULL)
		return nomem(e);
	return 0;
}

/*
 * Set h up for rq, its answer into x: *hdrs and *url are the transfer's
 * own until finish() frees them. errbuf must outlive the transfer.
 */
static int
prepare(struct client *c, CURL *h, const struct request *rq, struct xfer *x,
    struct curl_slist **hdrs, char **url, char *errbuf, struct err *e)
{
	int	auth;

	*hdrs = NULL;
	/* Options go, the connection and the TLS session stay. */
	curl_easy_reset(h);
	if ((*url = client_url(c->hub, rq->path)) == NULL)
		return nomem(e);
	auth = rq->auth && (!is_absolute(rq->path) ||
	    same_origin(rq->path, c->hub));
	if (set_headers(c, rq, auth, hdrs, e) != 0)
		return ERR_NOMEM;
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, *url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP |
	    CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CLIENT_CONNECT_SECS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT,
	    (long)CLIENT_LOW_SPEED_BYTES);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->low_speed_secs > 0 ?
	    c->low_speed_secs : (long)CLIENT_LOW_SPEED_SECS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "collector/" VERSION);
	/* The hub gzips its larger answers (results: 4x fewer bytes down).
	 * libcurl inflates before on_body, so CLIENT_MAX_RESPONSE bounds
	 * the inflated answer: a gzip bomb stops there. */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (rq->post != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->post);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->post_len);
	}
	return 0;
}

/*
 * After h's transfer ended with cc: the figures, the status, and 0 when
 * an answer came whatever its status; ERR_IO when none did (no
 * connection, cut, stalled, too large). Frees *hdrs and *url.
 */
static int
finish(struct client *c, CURL *h, CURLcode cc, struct xfer *x,
    struct curl_slist **hdrs, char **url, const char *errbuf, long *status,
    struct err *e)
{
	int	rc = 0;

	*status = 0;
	count_bytes(c, h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	/* The handle outlives errbuf, x, the headers and the body. */
	curl_easy_reset(h);
	if (x->nomem)
		rc = nomem(e);
	else if (x->too_big)
		rc = err_set(e, ERR_IO, _("%s: the answer is larger than %zu "
		    "bytes"), *url, x->body->max < CLIENT_MAX_RESPONSE ?
		    x->body->max : (size_t)CLIENT_MAX_RESPONSE);
	else if (cc != CURLE_OK)
		rc = err_set(e, ERR_IO, _("no answer from the hub at %s: %s"),
		    *url, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	headers_free(*hdrs);
	*hdrs = NULL;
	free(*url);
	*url = NULL;
	return rc;
}

/*
 * Drive the multi handle until one of its transfers ends: *h is it,
 * removed from the multi, *cc its outcome.
 */
static int
wait_done(struct client *c, CURL **h, CURLcode *cc, struct err *e)
{
	CURLMsg		*m;
	CURLMcode	 mc;
	int		 running, left;

	for (;;) {
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			*h = m->easy_handle;
			*cc = m->data.result;
			curl_multi_remove_handle(c->multi, *h);
			return 0;
		}
		if ((mc = curl_multi_perform(c->multi, &running)) ==
		    CURLM_OK && running > 0)
			mc = curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return err_set(e, ERR_IO, "libcurl: %s",
			    curl_multi_strerror(mc));
	}
}

/*
 * One transfer, waited for. 0 when an answer came, whatever its status
 * (*status); ERR_IO when none did. Not while uploads are in flight.
 */
static int
perform(struct client *c, const struct request *rq, struct xfer *x,
    long *status, struct err *e)
{
	struct curl_slist	*hdrs = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url = NULL;
	CURL			*h;
	CURLcode		 cc;
	int			 rc;

	*status = 0;
	if ((rc = multi_ready(c, e)) != 0)
		return rc;
	if (c->curl == NULL && (c->curl = curl_easy_init()) == NULL)
		return err_set(e, ERR_IO, _("cannot start libcurl"));
	if ((rc = prepare(c, c->curl, rq, x, &hdrs, &url, errbuf, e)) != 0)
		goto out;
	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK) {
		rc = err_set(e, ERR_IO, _("cannot start libcurl"));
		goto out;
	}
	if ((rc = wait_done(c, &h, &cc, e)) != 0) {
		curl_multi_remove_handle(c->multi, c->curl);
		goto out;
	}
	/* Nothing else runs: the handle that ended is ours. */
	return finish(c, c->curl, cc, x, &hdrs, &url, errbuf, status, e);
out:
	headers_free(hdrs);
	free(url);
	return rc;
}

/* body: the caller's buffer, or NULL for one of the transfer's own. */
static void
xfer_init(struct xfer *x, struct buf *body)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->own, CLIENT_MAX_RESPONSE);
	x->body = body != NULL ? body : &x->own;
}

static void
xfer_release(struct xfer *x)
{
	buf_release(&x->own);
	free(x->etag);
	x->etag = NULL;
}

static int
token_refused(struct err *e)
{
	return err_set(e, ERR_INPUT, _("the hub refused this device's token "
	    "(revoked or wrong): ask the office"));
}

int
client_ping(struct client *c, struct err *e)
{
	struct request	 rq = { .path = "/api/v1/ping" };
	struct xfer	 x;
	json_t		*root = NULL;
	long		 status;
	int		 rc;

	xfer_init(&x, NULL);
	if ((rc = perform(c, &rq, &x, &status, e)) != 0)
		goto out;
	if (status != 200) {
		rc = err_set(e, ERR_IO, _("%s does not answer as a collector "
		    "hub (HTTP %ld)"), c->hub, status);
		goto out;
	}
	root = json_loadb(x.own.p != NULL ? x.own.p : "", x.own.len, 0,
	    NULL);
	if (!json_is_string(json_object_get(root, "hub")))
		rc = err_set(e, ERR_IO, _("%s answers, but not as a collector "
		    "hub (a captive portal?)"), c->hub);
out:
	json_decref(root);
	xfer_release(&x);
	return rc;
}

/* What a finished upload's answer means (see client_post_batch). */
static int
post_answer(struct client *c, struct xfer *x, long status,
    struct results *out, struct err *e)
{
	char	msg[HUB_ERROR_MAX + 1];

	hub_error(&x->own, msg);
	switch (status) {
	case 200:
		return results_decode(x->own.p != NULL ? x->own.p : "",
		    x->own.len, out, e);
	case 401:
		return token_refused(e);
	case 400:
	case 413:
	case 415:
		return err_set(e, ERR_INPUT, _("the hub refused the batch "
		    "(HTTP %ld): %s"), status, msg[0] != '\0' ? msg :
		    _("no reason given"));
	default:
		/* 5xx, a proxy's 502, a portal's 302: nothing known. */
		return err_set(e, ERR_IO, _("%s answered HTTP %ld%s%s"), c->hub,
		    status, msg[0] != '\0' ? ": " : "", msg);
	}
}

int
client_post_batch(struct client *c, const void *gz, size_t len,
    struct results *out, long *status, struct err *e)
{
	struct request	rq = { .path = "/api/v1/batches", .post = gz,
			    .post_len = len, .batch = 1, .auth = 1 };
	struct xfer	x;
	int		rc;

	*status = 0;
	results_init(out);
	xfer_init(&x, NULL);
	if ((rc = perform(c, &rq, &x, status, e)) == 0)
		rc = post_answer(c, &x, *status, out, e);
	xfer_release(&x);
	return rc;
}

int
client_post_begin(struct client *c, const void *gz, size_t len, void *tag,
    struct err *e)
{
	struct request	 rq = { .path = "/api/v1/batches", .post = gz,
			    .post_len = len, .batch = 1, .auth = 1 };
	struct flight	*f = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = multi_ready(c, e)) != 0)
		return rc;
	for (i = 0; i < CLIENT_INFLIGHT && f == NULL; i++)
		if (!c->flights[i].busy)
			f = &c->flights[i];
	assert(f != NULL);
	if (f->h == NULL && (f->h = curl_easy_init()) == NULL)
		return err_set(e, ERR_IO, _("cannot start libcurl"));
	xfer_release(&f->x);
	xfer_init(&f->x, NULL);
	if ((rc = prepare(c, f->h, &rq, &f->x, &f->hdrs, &f->url, f->errbuf,
	    e)) != 0 ||
	    (curl_multi_add_handle(c->multi, f->h) != CURLM_OK &&
	    (rc = err_set(e, ERR_IO, _("cannot start libcurl"))) != 0)) {
		headers_free(f->hdrs);
		f->hdrs = NULL;
		free(f->url);
		f->url = NULL;
		return rc;
	}
	f->tag = tag;
	f->busy = 1;
	return 0;
}

int
client_post_end(struct client *c, void **tag, struct results *out,
    long *status, struct err *e)
{
	struct flight	*f = NULL;
	CURL		*h;
	CURLcode	 cc;
	size_t		 i;
	int		 rc;

	*tag = NULL;
	*status = 0;
	results_init(out);
	for (i = 0; c->flights != NULL && i < CLIENT_INFLIGHT; i++)
		if (c->flights[i].busy)
			break;
	assert(c->flights != NULL && i < CLIENT_INFLIGHT);
	if ((rc = wait_done(c, &h, &cc, e)) != 0)
		return rc;
	for (i = 0; i < CLIENT_INFLIGHT; i++)
		if (c->flights[i].busy && c->flights[i].h == h)
			f = &c->flights[i];
	assert(f != NULL);
	f->busy = 0;
	*tag = f->tag;
	if ((rc = finish(c, h, cc, &f->x, &f->hdrs, &f->url, f->errbuf, status,
	    e)) == 0)
		rc = post_answer(c, &f->x, *status, out, e);
	xfer_release(&f->x);
	return rc;
}

int
client_get(struct client *c, const char *path, const char *etag,
    struct buf *body, char **new_etag, int *not_modified, struct err *e)
{
	struct request	rq = { .path = path, .etag = etag, .auth = 1 };
	struct xfer	x;
	long		status;
	int		rc;

	*new_etag = NULL;
	*not_modified = 0;
	buf_reset(body);
	xfer_init(&x, body);
	if ((rc = perform(c, &rq, &x, &status, e)) != 0)
		goto out;
	switch (status) {
	case 200:
		*new_etag = x.etag;
		x.etag = NULL;
		break;
	case 304:
		*not_modified = 1;
		break;
	case 401:
		rc = token_refused(e);
		break;
	default:
		rc = err_set(e, ERR_IO, _("%s: the hub answered HTTP %ld"),
		    path, status);
		break;
	}
out:
	/* What is not a 200's body (an error page) is no body. */
	if (rc != 0 || status != 200)
		buf_reset(body);
	xfer_release(&x);
	return rc;
}
