/*
 * serve.c: the HTTP API v1 (docs/sync.md) on libmicrohttpd, and every
 * other path to the coordinators' dashboard (dashboard.c). The API looks
 * only at Bearer tokens, the dashboard only at its cookies: a device's
 * token opens no page, a coordinator's session no API call.
 *
 * Threads. libmicrohttpd runs SERVE_THREADS workers, each polling its own
 * connections: a slow client costs a socket, never a thread. Handlers on
 * those threads must not block for long, so the only slow work, merging
 * an upload, is not done there: a complete upload is handed to one merge
 * thread and its connection suspended until the merge thread has the
 * answer. That thread owns the only connection that writes to the store;
 * writes serialize in SQLite anyway, and one writer needs no lock. The
 * workers read (tokens, forms) through a second connection behind a
 * mutex; in WAL mode reading never waits for the merge. The dashboard's
 * pages open a connection of their own per request and are made on the
 * worker: a report or an export (seconds to tens of seconds over a
 * million surveys) holds that worker's other connections meanwhile; the
 * devices retry, and an office has few coordinators.
 *
 * Bad input. What arrives is bounded before it is read: headers by
 * libmicrohttpd's per-connection memory, a body by its Content-Length
 * (413 before a byte of it is read) and while it arrives (a chunked body
 * past the ceiling is cut), all bodies together by SERVE_BODY_BUDGET (503),
 * the inflated batch by BATCH_HTTP_MAX_INFLATED and each line by
 * BATCH_LINE_MAX (the batch reader streams), a dashboard's form by
 * DASH_BODY_MAX. Connections are bounded in
 * number, per address, and in idle time. Nothing a client sends ends the
 * server.
 *
 * Stopping. SIGTERM or SIGINT: stop accepting, let the merge thread
 * commit the batch it is merging, answer 503 to uploads still waiting
 * (they were not merged: the device sends them again), then stop.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <zlib.h>

#include "hub.h"

#define API		"/api/v1"
#define FORMS_PATH	API "/forms"
/* A form's attachment: FORMS_PATH/ID/VERSION/media/NAME (a form file's
 * name has no '/': the two never meet). */
#define MEDIA_SEGMENT	"media/"
#define RETRY_SECS	"30"		/* Retry-After of a 503 */
#define TOKEN_MAX	256		/* a Bearer token's length */
#define SERVE_DRAIN_MS	2000		/* answers finishing at a stop */
/*
 * JSON answers from this size on go gzip -9 to a client that accepts it:
 * a batch's results shrink about 4x (93 to 24 bytes a survey on the 2G
 * link). Below it gzip's 18 bytes of frame and the Content-Encoding and
 * Vary lines cost more than they save (a ping, an error).
 */
#define GZIP_MIN	256

enum route {
	R_NONE,
	R_PING,
	R_BATCHES,
	R_FORMS,
	R_FORM_FILE,
	R_DASH			/* not under /api/: dashboard.c's */
};

struct server;

/* One request, from its first call to its completion. */
struct request {
	struct server		*s;
	struct MHD_Connection	*conn;
	enum route		 route;
	char			*device;	/* the token's */
	struct buf		 body;
	size_t			 reserved;	/* of the body budget */
	int			 uploading;	/* a body being read */
	int			 queued;	/* with the merge thread */
	int			 answered;	/* status and answer set */
	unsigned		 status;
	char			*answer;	/* JSON text */
	struct request		*next;		/* in the queue */
};

struct server {
	const struct serve_opts	*o;
	struct MHD_Daemon	*d;
	struct dash		*dash;
	/* reads on the workers: tokens, forms */
	struct hub_store	*rd;
	pthread_mutex_t		 rd_lock;
	/* the merge thread and its queue */
	struct hub_store	*wr;
	struct merge		 m;
	pthread_t		 merger;
	pthread_mutex_t		 q_lock;
	pthread_cond_t		 q_cond;
	struct request		*q_head, *q_tail;
	int			 stopping;
	size_t			 body_used;	/* under q_lock */
	pthread_mutex_t		 log_lock;
};

/* ------------------------------------------------------------------ */
/* Log                                                                 */

PRINTFLIKE(2, 3) static void
slog(struct server *s, const char *fmt, ...)
{
	va_list	ap;
	char	at[40];

	if (s->o->log == NULL)
		return;
	datetime_format_local(clock_now(), at);
	pthread_mutex_lock(&s->log_lock);
	fprintf(s->o->log, "%s ", at);
	va_start(ap, fmt);
	vfprintf(s->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->o->log);
	fflush(s->o->log);
	pthread_mutex_unlock(&s->log_lock);
}

static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct server	*s = arg;
	char		 msg[512];
	size_t		 n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	slog(s, "libmicrohttpd: %s", msg);
}

const char *
serve_peer(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo	*ci;

	snprintf(out, n, "?");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family ==
		    AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in), out, (socklen_t)n, NULL, 0,
		    NI_NUMERICHOST);
	return out;
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

/*
 * Whether an Accept-Encoding value admits gzip (RFC 9110 12.5.3): "gzip"
 * (or "x-gzip") listed with a q above 0, or "*" above 0 when gzip is not
 * listed itself. "gzip;q=0" refuses it; no header at all means identity
 * only here, as a client that inflates says so.
 */
static int
gzip_accepted(const char *v)
{
	const char	*p, *end, *q;
	size_t		 n;
	int		 gzip = -1, star = -1, ok;

	for (p = v; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 :
	    end) {
		end = p + strcspn(p, ",");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = strcspn(p, " \t;,");
		ok = 1;
		for (q = p + n; q < end; q++) {
			if (*q != ';')
				continue;
			q++;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q + 1 < end && (*q == 'q' || *q == 'Q') &&
			    q[1] == '=') {
				/* q=0, 0.0, 0.000: refused; anything else
				 * (up to 1) is some preference. */
				ok = 0;
				for (q += 2; q < end && *q != ';' &&
				    *q != ' ' && *q != '\t'; q++)
					if (*q >= '1' && *q <= '9')
						ok = 1;
				q--;
			}
		}
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			gzip = ok;
		else if (n == 1 && *p == '*')
			star = ok;
	}
	return gzip >= 0 ? gzip : star > 0;
}

/* Whether an answer of len bytes goes gzip to this client. */
static int
want_gzip(struct MHD_Connection *conn, size_t len)
{
	return len >= GZIP_MIN && gzip_accepted(MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* gzip -9 of p[0..n) into a new buffer (*out, *outlen); -1 on failure. */
static int
gzip_mem(const char *p, size_t n, char **out, size_t *outlen)
{
	z_stream	zs;
	uLong		cap;
	char		*b;
	int		 zrc;

	*out = NULL;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	/* deflateBound is for a zlib header; gzip's is 12 bytes longer. */
	cap = deflateBound(&zs, (uLong)n) + 32;
	if ((b = malloc(cap)) == NULL) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)b;
	zs.avail_out = (uInt)cap;
	zrc = deflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	if (zrc != Z_STREAM_END) {
		free(b);
		return -1;
	}
	*out = b;
	return 0;
}

/*
 * Queue body (copied) with status; etag and retry may be NULL. A body of
 * GZIP_MIN bytes or more goes gzip when the request accepts it (the
 * caller's etag must then be the gzip one: see get_forms); it goes as it
 * is if compressing fails.
 */
static enum MHD_Result
send_json(struct MHD_Connection *conn, unsigned status, const char *body,
    const char *etag, int retry)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ok;
	size_t			 n = body != NULL ? strlen(body) : 0, zn = 0;
	char			*z = NULL;

	if (body != NULL && want_gzip(conn, n) && gzip_mem(body, n, &z,
	    &zn) == 0)
		r = MHD_create_response_from_buffer(zn, z,
		    MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(n,
		    (void *)(body != NULL ? body : ""), MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		free(z);
		return MHD_NO;
	}
	if (body != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "application/json");
	if (z != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
		    "gzip");
	/* Whether gzip is sent depends on the request's Accept-Encoding
	 * for every answer that may be large enough (a cache must know). */
	if (body == NULL || n >= GZIP_MIN)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
		    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache");
	if (etag != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (retry)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER,
		    RETRY_SECS);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer");
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* {"error": msg} as JSON text; caller frees. */
static char *
error_json(const char *msg)
{
	json_t	*o = json_object();
	char	*s = NULL;

	if (o != NULL && json_object_set_new(o, "error",
	    json_string(msg != NULL && utf8_valid(msg, strlen(msg)) ? msg :
	    "error")) == 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static enum MHD_Result
send_error(struct request *rq, unsigned status, const char *msg)
{
	char			*body = error_json(msg);
	char			 ip[64];
	enum MHD_Result		 ok;

	slog(rq->s, "%u %s: %s", status, serve_peer(rq->conn, ip,
	    sizeof(ip)), msg);
	ok = send_json(rq->conn, status, body != NULL ? body :
	    "{\"error\":\"out of memory\"}", NULL,
	    status == MHD_HTTP_SERVICE_UNAVAILABLE);
	free(body);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The merge thread                                                    */

static void
budget_release(struct request *rq)
{
	struct server	*s = rq->s;

	pthread_mutex_lock(&s->q_lock);
	s->body_used -= rq->reserved;
	rq->reserved = 0;
	pthread_mutex_unlock(&s->q_lock);
}

/* Merge one upload; its status and answer are set. */
static void
merge_upload(struct server *s, struct request *rq)
{
	struct batch_reader	*br = NULL;
	struct merge_counts	 n;
	struct results		 res;
	struct err		 e;
	double			 t0 = clock_now();
	int			 rc;

	err_init(&e);
	results_init(&res);
	if ((rc = batch_reader_mem(rq->body.p != NULL ? rq->body.p : "",
	    rq->body.len, BATCH_HTTP_MAX_INFLATED, &br, &e)) == 0)
		rc = merge_batch(&s->m, br, rq->device, HUB_VIA_HTTP, &res,
		    &n, &e);
	batch_reader_free(br);
	/* The body is merged: its memory goes back before the answer. */
	buf_release(&rq->body);
	budget_release(rq);
	if (rc == 0) {
		rq->status = MHD_HTTP_OK;
		rq->answer = results_encode(&res);
		slog(s, "batch %s from '%s': %llu stored, %llu duplicate, "
		    "%llu conflict, %llu rejected (%.0f ms)", res.batch_id,
		    rq->device, (unsigned long long)n.stored,
		    (unsigned long long)n.duplicate,
		    (unsigned long long)n.conflict,
		    (unsigned long long)n.rejected,
		    (clock_now() - t0) * 1000);
		if (rq->answer == NULL) {
			rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
			rq->answer = error_json("out of memory");
		}
	} else {
		rq->status = rc == ERR_INPUT ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_SERVICE_UNAVAILABLE;
		rq->answer = error_json(e.msg);
		slog(s, "batch from '%s' refused (%u): %s", rq->device,
		    rq->status, e.msg);
	}
	results_release(&res);
}

static void *
merger(void *arg)
{
	struct server	*s = arg;
	struct request	*rq;
	int		 stop;

	for (;;) {
		pthread_mutex_lock(&s->q_lock);
		while (s->q_head == NULL && !s->stopping)
			pthread_cond_wait(&s->q_cond, &s->q_lock);
		rq = s->q_head;
		if (rq != NULL) {
			s->q_head = rq->next;
			if (s->q_head == NULL)
				s->q_tail = NULL;
		}
		stop = s->stopping;
		pthread_mutex_unlock(&s->q_lock);
		if (rq == NULL)
			break;
		if (stop) {
			/* Not merged: the device keeps it and sends it
			 * again. */
			rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
			rq->answer = error_json(_("the hub is stopping: send "
			    "it again later"));
		} else
			merge_upload(s, rq);
		rq->answered = 1;
		MHD_resume_connection(rq->conn);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* The device the Authorization header's token names, or NULL. */
static int
authenticate(struct request *rq)
{
	struct server		*s = rq->s;
	struct hub_device	 d;
	struct err		 e;
	unsigned char		 h[HUB_TOKEN_HASH_BYTES];
	const char		*auth, *tok;
	int			 found = 0, rc;

	auth = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	for (tok = auth + 7; *tok == ' '; tok++)
		;
	if (*tok == '\0' || strlen(tok) > TOKEN_MAX)
		return 0;
	crypto_generichash(h, sizeof(h), (const unsigned char *)tok,
	    strlen(tok), NULL, 0);
	err_init(&e);
	pthread_mutex_lock(&s->rd_lock);
	rc = hub_store_device_by_token(s->rd, h, &d, &found, &e);
	pthread_mutex_unlock(&s->rd_lock);
	if (rc != 0) {
		slog(s, "token lookup: %s", e.msg);
		return -1;
	}
	if (found && d.revoked_at == NULL) {
		rq->device = d.id;
		d.id = NULL;
	}
	hub_device_release(&d);
	return rq->device != NULL;
}

/* The media type of a Content-Type value, without parameters, is t. */
static int
media_is(const char *v, const char *t)
{
	size_t	n = strlen(t);

	if (v == NULL)
		return 0;
	while (*v == ' ')
		v++;
	return strncasecmp(v, t, n) == 0 && (v[n] == '\0' || v[n] == ';' ||
	    v[n] == ' ');
}

/* Whether If-None-Match names etag (or is "*"). */
static int
etag_matches(struct MHD_Connection *conn, const char *etag)
{
	const char	*v, *p;
	size_t		 n = strlen(etag), k;

	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (v == NULL)
		return 0;
	for (p = v; *p != '\0'; p += k) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		k = strcspn(p, ", \t");
		if ((k == 1 && *p == '*') || (k == n && strncmp(p, etag,
		    n) == 0))
			return 1;
		if (k == 0)
			break;
	}
	return 0;
}

/* Percent-encode s for a URL path segment into b. */
static int
add_segment(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int	 rc = 0;

	for (p = (const unsigned char *)s; *p != '\0' && rc == 0; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			rc = buf_addc(b, (char)*p);
		else
			rc = buf_addf(b, "%%%c%c", hex[*p >> 4],
			    hex[*p & 15]);
	}
	return rc;
}

/* The newest published version of each form, as the devices' list. */
struct form_list {
	json_t		*a;
	json_t		*last;		/* the entry of the form_id at hand */
	const char	*last_id;
	struct buf	 url;
	int		 nomem;
};

static int
list_form(const struct hub_form *f, void *arg)
{
	struct form_list	*l = arg;
	json_t			*o, *v, *m;
	size_t			 i;

	if (l->last != NULL && strcmp(json_string_value(json_object_get(
	    l->last, "form_id")), f->form_id) == 0) {
		v = json_object_get(l->last, "version");
		if (hub_version_cmp(f->version, json_string_value(v)) <= 0)
			return 0;
		o = l->last;
	} else {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(l->a, o) != 0) {
			l->nomem = 1;
			return ERR_NOMEM;
		}
		l->last = o;
	}
	buf_reset(&l->url);
	if (buf_addstr(&l->url, FORMS_PATH "/") != 0 ||
	    add_segment(&l->url, f->form_id) != 0 ||
	    buf_addc(&l->url, '/') != 0 ||
	    add_segment(&l->url, f->version) != 0 ||
	    buf_addc(&l->url, '/') != 0 ||
	    add_segment(&l->url, f->file) != 0 ||
	    json_object_set_new(o, "form_id", json_string(f->form_id)) != 0 ||
	    json_object_set_new(o, "version", json_string(f->version)) != 0 ||
	    json_object_set_new(o, "sha256", json_string(f->sha256)) != 0 ||
	    json_object_set_new(o, "url", json_string(l->url.p)) != 0 ||
	    json_object_set_new(o, "media", m = json_array()) != 0) {
		l->nomem = 1;
		return ERR_NOMEM;
	}
	for (i = 0; i < f->nmedia; i++) {
		buf_reset(&l->url);
		if (buf_addstr(&l->url, FORMS_PATH "/") != 0 ||
		    add_segment(&l->url, f->form_id) != 0 ||
		    buf_addc(&l->url, '/') != 0 ||
		    add_segment(&l->url, f->version) != 0 ||
		    buf_addstr(&l->url, "/" MEDIA_SEGMENT) != 0 ||
		    add_segment(&l->url, f->media[i].name) != 0 ||
		    json_array_append_new(m, json_pack("{s:s, s:s, s:s}",
		    "name", f->media[i].name, "sha256", f->media[i].sha256,
		    "url", l->url.p)) != 0) {
			l->nomem = 1;
			return ERR_NOMEM;
		}
	}
	return 0;
}

static enum MHD_Result
get_forms(struct request *rq)
{
	struct server		*s = rq->s;
	struct form_list	 l;
	struct err		 e;
	unsigned char		 h[crypto_hash_sha256_BYTES];
	char			 hex[HUB_DIGEST_HEX];
	char			 etag[HUB_DIGEST_HEX + 8];
	char			*text = NULL;
	enum MHD_Result		 ok;
	int			 rc;

	memset(&l, 0, sizeof(l));
	buf_init(&l.url, 4096);
	err_init(&e);
	if ((l.a = json_array()) == NULL) {
		rc = err_set(&e, ERR_NOMEM, "out of memory");
	} else {
		pthread_mutex_lock(&s->rd_lock);
		rc = hub_store_each_form(s->rd, list_form, &l, &e);
		pthread_mutex_unlock(&s->rd_lock);
	}
	if (rc == 0 && (l.nomem ||
	    (text = json_dumps(l.a, JSON_COMPACT)) == NULL))
		rc = err_set(&e, ERR_NOMEM, "out of memory");
	json_decref(l.a);
	buf_release(&l.url);
	if (rc != 0) {
		free(text);
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE, e.msg);
	}
	/* A strong validator of the list's exact bytes. */
	crypto_hash_sha256(h, (unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	/* Another encoding is another representation: another strong
	 * ETag (RFC 9110 8.8.3), the one send_json's choice will match. */
	snprintf(etag, sizeof(etag), "\"%s%s\"", hex, want_gzip(rq->conn,
	    strlen(text)) ? "-gzip" : "");
	if (etag_matches(rq->conn, etag))
		ok = send_json(rq->conn, MHD_HTTP_NOT_MODIFIED, NULL, etag, 0);
	else
		ok = send_json(rq->conn, MHD_HTTP_OK, text, etag, 0);
	free(text);
	return ok;
}

/* The content type of a form file, by its name. */
static const char *
form_type(const char *file)
{
	size_t	n = strlen(file);

	if (n >= 5 && strcasecmp(file + n - 5, ".xlsx") == 0)
		return "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet";
	if (n >= 4 && strcasecmp(file + n - 4, ".csv") == 0)
		return "text/csv";
	return "application/octet-stream";
}

/* The content type of an attachment, by its name. */
static const char *
media_type(const char *name)
{
	size_t	n = strlen(name);

	if (n >= 4 && strcasecmp(name + n - 4, ".csv") == 0)
		return "text/csv";
	if (n >= 4 && strcasecmp(name + n - 4, ".xml") == 0)
		return "application/xml";
	if (n >= 8 && strcasecmp(name + n - 8, ".geojson") == 0)
		return "application/geo+json";
	return "application/octet-stream";
}

/* An attachment held for its answer: charged to the body budget until
 * libmicrohttpd has sent it and frees it. */
struct held {
	struct server	*s;
	size_t		 charged;
	void		*p;
};

static void
held_free(void *arg)
{
	struct held	*h = arg;

	pthread_mutex_lock(&h->s->q_lock);
	h->s->body_used -= h->charged;
	pthread_mutex_unlock(&h->s->q_lock);
	free(h->p);
	free(h);
}

/*
 * GET FORMS_PATH/ID/VERSION/media/NAME: the attachment's bytes, gzip
 * when the request accepts it (a CSV list shrinks four to eight times:
 * the growth tables' 273 KB are seconds, not a minute, on 2G). What is
 * held in memory to answer is charged to the uploads' budget
 * (SERVE_BODY_BUDGET): many devices fetching a 32 MB list at once get
 * 503 and come back, never exhaust the hub's memory.
 */
static enum MHD_Result
get_media_file(struct request *rq, const char *id, const char *version,
    const char *name)
{
	struct server		*s = rq->s;
	struct MHD_Response	*r;
	struct hub_media	 m;
	struct held		*h = NULL;
	struct err		 e;
	char			 etag[HUB_DIGEST_HEX + 8];
	char			*z = NULL;
	size_t			 zn = 0;
	enum MHD_Result		 ok;
	int			 found = 0, gz, full, rc;

	err_init(&e);
	pthread_mutex_lock(&s->rd_lock);
	rc = hub_store_get_media(s->rd, id, version, name, &m, &found, &e);
	pthread_mutex_unlock(&s->rd_lock);
	if (rc != 0)
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE, e.msg);
	if (!found)
		return send_error(rq, MHD_HTTP_NOT_FOUND,
		    _("no such attachment"));
	gz = want_gzip(rq->conn, m.len);
	snprintf(etag, sizeof(etag), "\"%s%s\"", m.sha256, gz ? "-gzip" :
	    "");
	if (etag_matches(rq->conn, etag)) {
		hub_media_release(&m);
		return send_json(rq->conn, MHD_HTTP_NOT_MODIFIED, NULL, etag,
		    0);
	}
	pthread_mutex_lock(&s->q_lock);
	if (!(full = s->body_used + m.len > SERVE_BODY_BUDGET))
		s->body_used += m.len;
	pthread_mutex_unlock(&s->q_lock);
	if (full) {
		hub_media_release(&m);
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("too many downloads at once: try again later"));
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		pthread_mutex_lock(&s->q_lock);
		s->body_used -= m.len;
		pthread_mutex_unlock(&s->q_lock);
		hub_media_release(&m);
		return MHD_NO;
	}
	h->s = s;
	h->charged = m.len;
	if (gz && gzip_mem(m.content, m.len, &z, &zn) == 0) {
		h->p = z;
		r = MHD_create_response_from_buffer_with_free_callback_cls(zn,
		    z, held_free, h);
	} else {
		gz = 0;
		snprintf(etag, sizeof(etag), "\"%s\"", m.sha256);
		h->p = m.content;
		m.content = NULL;
		r = MHD_create_response_from_buffer_with_free_callback_cls(
		    m.len, h->p, held_free, h);
	}
	if (r == NULL) {
		held_free(h);
		hub_media_release(&m);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    media_type(name));
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
		    "gzip");
	if (m.len >= GZIP_MIN)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
		    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	ok = MHD_queue_response(rq->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	hub_media_release(&m);
	return ok;
}

/* GET /api/v1/forms/ID/VERSION/FILE, or an attachment's
 * ID/VERSION/media/NAME (path already unescaped). */
static enum MHD_Result
get_form_file(struct request *rq, const char *path)
{
	struct server		*s = rq->s;
	struct MHD_Response	*r;
	struct hub_form		 f;
	struct err		 e;
	char			 id[256], version[256];
	char			 etag[HUB_DIGEST_HEX + 2];
	const char		*file, *slash;
	enum MHD_Result		 ok;
	int			 found = 0, rc;

	slash = strchr(path, '/');
	if (slash == NULL || (size_t)(slash - path) >= sizeof(id))
		return send_error(rq, MHD_HTTP_NOT_FOUND, _("no such form"));
	snprintf(id, sizeof(id), "%.*s", (int)(slash - path), path);
	path = slash + 1;
	slash = strchr(path, '/');
	if (slash == NULL || (size_t)(slash - path) >= sizeof(version))
		return send_error(rq, MHD_HTTP_NOT_FOUND, _("no such form"));
	snprintf(version, sizeof(version), "%.*s", (int)(slash - path), path);
	file = slash + 1;
	if (strncmp(file, MEDIA_SEGMENT, strlen(MEDIA_SEGMENT)) == 0)
		return get_media_file(rq, id, version,
		    file + strlen(MEDIA_SEGMENT));
	err_init(&e);
	pthread_mutex_lock(&s->rd_lock);
	rc = hub_store_get_form(s->rd, id, version, &f, &found, &e);
	pthread_mutex_unlock(&s->rd_lock);
	if (rc != 0)
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE, e.msg);
	if (!found || strcmp(f.file, file) != 0) {
		hub_form_release(&f);
		return send_error(rq, MHD_HTTP_NOT_FOUND, _("no such form"));
	}
	snprintf(etag, sizeof(etag), "\"%s\"", f.sha256);
	if (etag_matches(rq->conn, etag)) {
		hub_form_release(&f);
		return send_json(rq->conn, MHD_HTTP_NOT_MODIFIED, NULL, etag,
		    0);
	}
	r = MHD_create_response_from_buffer(f.len, f.content,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		hub_form_release(&f);
		return MHD_NO;
	}
	f.content = NULL;	/* the response's now */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    form_type(f.file));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	ok = MHD_queue_response(rq->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	hub_form_release(&f);
	return ok;
}

/* The first call of POST /api/v1/batches: everything that can be refused
 * before a byte of the body is read. 1: go on reading it. */
static int
batch_start(struct request *rq, enum MHD_Result *ok)
{
	struct server	*s = rq->s;
	const char	*v;
	char		*end, msg[160];
	unsigned long long len = 0;
	int		 known = 0, full;

	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!media_is(v, "application/x-ndjson")) {
		*ok = send_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    _("a batch is Content-Type: application/x-ndjson"));
		return 0;
	}
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_ENCODING);
	if (v == NULL || strcasecmp(v, "gzip") != 0) {
		*ok = send_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    _("a batch is Content-Encoding: gzip"));
		return 0;
	}
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v != NULL) {
		errno = 0;
		len = strtoull(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' ||
		    len > BATCH_HTTP_MAX_BODY) {
			snprintf(msg, sizeof(msg), _("a batch is at most %u "
			    "bytes"), (unsigned)BATCH_HTTP_MAX_BODY);
			*ok = send_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, msg);
			return 0;
		}
		known = 1;
	}
	/* Without a length, a chunked body is charged as it comes. */
	pthread_mutex_lock(&s->q_lock);
	full = known && s->body_used + len > SERVE_BODY_BUDGET;
	if (!full) {
		s->body_used += len;
		rq->reserved = len;
	}
	pthread_mutex_unlock(&s->q_lock);
	if (full) {
		*ok = send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("too many uploads at once: try again later"));
		return 0;
	}
	buf_init(&rq->body, BATCH_HTTP_MAX_BODY);
	*ok = MHD_YES;
	return 1;
}

/* More of the body; 0 when it passes a ceiling (the connection is cut:
 * no answer can be sent in the middle of a body). */
static int
batch_data(struct request *rq, const char *data, size_t n)
{
	struct server	*s = rq->s;
	int		 over;

	if (rq->body.len + n > rq->reserved) {
		pthread_mutex_lock(&s->q_lock);
		over = s->body_used + (rq->body.len + n - rq->reserved) >
		    SERVE_BODY_BUDGET;
		if (!over) {
			s->body_used += rq->body.len + n - rq->reserved;
			rq->reserved = rq->body.len + n;
		}
		pthread_mutex_unlock(&s->q_lock);
		if (over)
			return 0;
	}
	return buf_add(&rq->body, data, n) == 0;
}

/* The body is whole: to the merge thread, the connection suspended. */
static enum MHD_Result
batch_queue(struct request *rq)
{
	struct server	*s = rq->s;
	int		 stopping;

	MHD_suspend_connection(rq->conn);
	pthread_mutex_lock(&s->q_lock);
	stopping = s->stopping;
	if (!stopping) {
		rq->queued = 1;
		if (s->q_tail != NULL)
			s->q_tail->next = rq;
		else
			s->q_head = rq;
		s->q_tail = rq;
		pthread_cond_signal(&s->q_cond);
	}
	pthread_mutex_unlock(&s->q_lock);
	if (stopping) {
		rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
		rq->answer = error_json(_("the hub is stopping: send it again "
		    "later"));
		rq->answered = 1;
		MHD_resume_connection(rq->conn);
	}
	return MHD_YES;
}

static enum route
route_of(const char *url, const char **rest)
{
	*rest = NULL;
	if (strcmp(url, API) != 0 && strncmp(url, API "/", sizeof(API)) != 0)
		return R_DASH;
	if (strcmp(url, API "/ping") == 0)
		return R_PING;
	if (strcmp(url, API "/batches") == 0)
		return R_BATCHES;
	if (strcmp(url, FORMS_PATH) == 0)
		return R_FORMS;
	if (strncmp(url, FORMS_PATH "/", sizeof(FORMS_PATH)) == 0) {
		*rest = url + sizeof(FORMS_PATH);
		return R_FORM_FILE;
	}
	return R_NONE;
}

/* Everything but an upload, once the request is whole: answered then,
 * not at the first call, so that the connection is kept alive (an
 * answer before the request is read closes it). */
static enum MHD_Result
answer(struct request *rq, const char *method, const char *rest)
{
	char	body[64];
	int	a;

	if (rq->route == R_NONE)
		return send_error(rq, MHD_HTTP_NOT_FOUND,
		    _("no such resource"));
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED,
		    rq->route == R_BATCHES ? _("use POST") : _("use GET"));
	if (rq->route == R_PING) {
		snprintf(body, sizeof(body), "{\"hub\":\"%s\"}", VERSION);
		return send_json(rq->conn, MHD_HTTP_OK, body, NULL, 0);
	}
	if ((a = authenticate(rq)) < 0)
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("the store cannot be read"));
	if (a == 0)
		return send_error(rq, MHD_HTTP_UNAUTHORIZED,
		    _("unknown or revoked token"));
	if (rq->route == R_FORMS)
		return get_forms(rq);
	if (rq->route == R_FORM_FILE)
		return get_form_file(rq, rest);
	return send_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, _("use POST"));
}

/* The first call of an upload: everything that can be refused before a
 * byte of the body is read is refused now (the connection is then
 * closed: the rest of the body is not worth reading on 2G). */
static enum MHD_Result
upload_start(struct request *rq)
{
	enum MHD_Result	ok;
	int		a;

	if ((a = authenticate(rq)) < 0)
		return send_error(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("the store cannot be read"));
	if (a == 0)
		return send_error(rq, MHD_HTTP_UNAUTHORIZED,
		    _("unknown or revoked token"));
	if (!batch_start(rq, &ok))
		return ok;
	rq->uploading = 1;
	return MHD_YES;
}

static void
dash_log(void *arg, const char *line)
{
	slog(arg, "%s", line);
}

/* A dashboard request: its small body (a form) read, then answered. */
static enum MHD_Result
dash_request(struct request *rq, const char *url, const char *method,
    const char *upload, size_t *upload_size)
{
	if (*upload_size > 0) {
		/* Past DASH_BODY_MAX it is no form of ours: cut. */
		if (buf_add(&rq->body, upload, *upload_size) != 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	return dash_answer(rq->s->dash, rq->conn, url, method, rq->body.p,
	    rq->body.len, dash_log, rq->s) ? MHD_YES : MHD_NO;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server	*s = cls;
	struct request	*rq = *con_cls;
	const char	*rest;

	(void)version;
	if (rq == NULL) {
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		rq->s = s;
		rq->conn = conn;
		*con_cls = rq;
		rq->route = route_of(url, &rest);
		if (rq->route == R_DASH)
			buf_init(&rq->body, DASH_BODY_MAX);
		if (rq->route == R_BATCHES &&
		    strcmp(method, MHD_HTTP_METHOD_POST) == 0)
			return upload_start(rq);
		return MHD_YES;
	}
	if (rq->answered)
		return send_json(conn, rq->status, rq->answer != NULL ?
		    rq->answer : "{\"error\":\"out of memory\"}", NULL,
		    rq->status == MHD_HTTP_SERVICE_UNAVAILABLE);
	if (rq->route == R_DASH)
		return dash_request(rq, url, method, upload, upload_size);
	if (!rq->uploading) {
		/* A body where none is expected: not worth reading. */
		if (*upload_size > 0)
			return MHD_NO;
		route_of(url, &rest);
		return answer(rq, method, rest);
	}
	if (rq->queued)
		return MHD_NO;
	if (*upload_size > 0) {
		if (!batch_data(rq, upload, *upload_size)) {
			slog(s, "upload from '%s' cut: past %u bytes",
			    rq->device, (unsigned)BATCH_HTTP_MAX_BODY);
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return batch_queue(rq);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request	*rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	if (rq->reserved > 0)
		budget_release(rq);
	buf_release(&rq->body);
	free(rq->device);
	free(rq->answer);
	free(rq);
	*con_cls = NULL;
}

/* ------------------------------------------------------------------ */
/* Starting and stopping                                               */

/* A listening socket on host:port; *port_out the port it got. */
static int
listen_on(const char *host, unsigned port, int *fd_out, unsigned *port_out,
    int *v6, struct err *e)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	char			 ps[16];
	int			 fd = -1, one = 1, g, le = 0;

	*fd_out = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(ps, sizeof(ps), "%u", port);
	if ((g = getaddrinfo(host, ps, &hints, &res)) != 0)
		return err_set(e, ERR_IO, _("cannot listen on '%s:%u': %s"),
		    host, port, gai_strerror(g));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			le = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		le = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		freeaddrinfo(res);
		return err_set(e, ERR_IO, _("cannot listen on '%s:%u': %s"),
		    host, port, strerror(le));
	}
	*v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(res);
	*port_out = port;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	return 0;
}

/* Let the answers already made reach their clients (the batch the merge
 * thread just committed above all), for at most SERVE_DRAIN_MS: a
 * keep-alive connection left idle would otherwise hold the stop. */
static void
drain(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo	*di;
	struct timespec			 ts = { 0, 50 * 1000 * 1000 };
	int				 waited;

	for (waited = 0; waited < SERVE_DRAIN_MS; waited += 50) {
		di = MHD_get_daemon_info(d,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (di == NULL || di->num_connections == 0)
			break;
		nanosleep(&ts, NULL);
	}
}

int
serve_run(const struct serve_opts *o, struct err *e)
{
	struct server	 s;
	sigset_t	 set;
	unsigned	 flags, port = 0;
	int		 fd = -1, v6 = 0, sig, rc, merger_up = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	pthread_mutex_init(&s.rd_lock, NULL);
	pthread_mutex_init(&s.q_lock, NULL);
	pthread_cond_init(&s.q_cond, NULL);
	pthread_mutex_init(&s.log_lock, NULL);
	/* `hub serve` has just opened the store with its check of every
	 * page (cmd_serve.c): once is enough, not once per connection. */
	if ((rc = hub_store_open_read(o->home, &s.rd, e)) != 0 ||
	    (rc = hub_store_open_read(o->home, &s.wr, e)) != 0 ||
	    (rc = dash_new(o->home, o->tls_cert != NULL, &s.dash, e)) != 0)
		goto out;
	merge_init(&s.m, s.wr);
	s.m.max_count = SERVE_MAX_COUNT;
	if ((rc = listen_on(o->host, o->port, &fd, &port, &v6, e)) != 0)
		goto out;
	/* The threads started from here inherit this mask: the signals
	 * come to sigwait below, never into a worker. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&s.merger, NULL, merger, &s) != 0) {
		rc = err_set(e, ERR_IO, _("cannot start a thread"));
		goto out;
	}
	merger_up = 1;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert != NULL)
		flags |= MHD_USE_TLS;
	s.d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SERVE_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, o->timeout > 0 ? o->timeout :
	    (unsigned)SERVE_TIMEOUT_SECS,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, &s,
	    o->tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    o->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, o->tls_key,
	    MHD_OPTION_END);
	if (s.d == NULL) {
		rc = err_set(e, ERR_IO, o->tls_cert != NULL ?
		    _("cannot start the HTTPS server on '%s:%u': is the "
		    "certificate or the key not PEM, or not a pair?") :
		    _("cannot start the HTTP server on '%s:%u'"), o->host,
		    port);
		goto out;
	}
	slog(&s, "hub %s listening on %s://%s%s%s:%u", VERSION,
	    o->tls_cert != NULL ? "https" : "http", v6 ? "[" : "", o->host,
	    v6 ? "]" : "", port);
	while (sigwait(&set, &sig) != 0)
		;
	slog(&s, "stopping (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_quiesce_daemon(s.d);
out:
	if (merger_up) {
		pthread_mutex_lock(&s.q_lock);
		s.stopping = 1;
		pthread_cond_broadcast(&s.q_cond);
		pthread_mutex_unlock(&s.q_lock);
		pthread_join(s.merger, NULL);
	}
	if (s.d != NULL) {
		drain(s.d);
		MHD_stop_daemon(s.d);
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		slog(&s, "stopped");
	merge_release(&s.m);
	hub_store_close(s.wr);
	hub_store_close(s.rd);
	dash_free(s.dash);
	pthread_mutex_destroy(&s.rd_lock);
	pthread_mutex_destroy(&s.q_lock);
	pthread_cond_destroy(&s.q_cond);
	pthread_mutex_destroy(&s.log_lock);
	return rc;
}
