/*
 * sync.h: the wire, shared by the collector and the hub (CONTRACT.md's
 * "Batch file", "Submissions" and "HTTP API (v1)"; docs/sync.md).
 *
 *   envelope  one submission as a JSON line: its identity and times around
 *             the form's data object; encode and decode, one
 *             implementation (envelope.c)
 *   batch     gzip NDJSON: a header line, then one envelope per line;
 *             written whole, read as a stream with ceilings (batch.c)
 *   results   the hub's answer to an upload: one status per submission
 *             (results.c)
 *   client    HTTP to the hub through libcurl: ping, upload a batch, get
 *             the published forms (client.c)
 *
 * Nothing here knows a store or the form engine: the collector and the hub
 * each join these to their own.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/common.h"

struct json_t;

#define BATCH_FORMAT		"collector-batch"
#define BATCH_VERSION		1
/* One submission line, inflated. A 25-field survey is under 1 KB; a large
 * form with repeats a few hundred KB. A 100 MB line stops here. */
#define BATCH_LINE_MAX		(4u << 20)
/* JSON values in one submission line (objects, arrays and leaves): a line
 * of 100,000 fields is refused before it reaches the form engine. */
#define BATCH_VALUES_MAX	20000
/* Inflated bytes of one uploaded batch: the ceiling that stops a gzip
 * bomb. A device's batch is tens of KB (docs/sync.md). */
#define BATCH_HTTP_MAX_INFLATED	(64u << 20)
/* Compressed bytes of one upload (413 past it). */
#define BATCH_HTTP_MAX_BODY	(8u << 20)
/* A file carried by hand may hold a whole season: only the line and the
 * memory are bounded there, not the total (it streams). */
#define BATCH_FILE_MAX_INFLATED	((uint64_t)64 << 30)
/* Submissions in one batch header's "count". */
#define BATCH_COUNT_MAX		1000000

/* 1 when s is a UUID's 36 characters (8-4-4-4-12 hex digits), alone. */
int	sync_uuid_valid(const char *s);

/* ------------------------------------------------------------------ */
/* Envelope: one submission                                            */

/*
 * The Submission object of CONTRACT.md. On encode, data is the data
 * object's JSON text as forms/submission.c wrote it and is spliced in as
 * it is (numbers keep the exact text ODK stores: a reparse would turn 0.1
 * into 0.10000000000000001). On decode every string is borrowed from
 * root, which envelope_release frees.
 */
struct envelope {
	const char	*instance_id;	/* "uuid:..." */
	const char	*deprecated_id;	/* NULL */
	const char	*form_id;
	const char	*form_version;
	const char	*device_id;
	const char	*promoter;	/* NULL */
	const char	*started_at;	/* RFC 3339 */
	const char	*finalized_at;	/* NULL for a draft */
	const char	*state;		/* NULL: not written (batches) */
	const char	*data;		/* encode: JSON text of the data */
	struct json_t	*data_value;	/* decode: borrowed from root */
	struct json_t	*root;		/* decode: owned */
};

/* One line, no newline; caller frees. NULL when out of memory. */
char	*envelope_encode(const struct envelope *env);
/*
 * Parse and check one submission line: an object with every field of
 * CONTRACT.md of the right JSON type (instance_id "uuid:" + 36 characters,
 * data an object), at most BATCH_VALUES_MAX values, valid UTF-8, no
 * duplicate keys. ERR_INPUT naming the field on anything else.
 */
int	envelope_decode(const char *line, size_t len, struct envelope *out,
	    struct err *e);
void	envelope_release(struct envelope *env);
/*
 * SHA-256 (hex) of the submission's content, independent of key order and
 * of how a number is written: the hub's test of "same id, same content"
 * (duplicate) against "same id, other content" (conflict). "state" is not
 * content. Numbers compare as doubles: 11.5, 11.50 and 1.15e1 are one
 * value, so are 1 and 1.0 (integers past 2^53 may meet); the string "1"
 * is not the number 1. ERR_INPUT when an encoder's data is not JSON.
 */
int	envelope_digest(const struct envelope *env, char out[65],
	    struct err *e);

/* ------------------------------------------------------------------ */
/* Batch: gzip NDJSON                                                  */

struct batch_header {
	char	 batch_id[UUID_STR_LEN + 1];	/* a v4 UUID, no prefix */
	char	*device_id;
	char	 created_at[40];		/* RFC 3339 */
	int64_t	 count;
};

void	batch_header_release(struct batch_header *h);

/*
 * A whole batch: the header line (count = n) and the n lines, gzip (RFC
 * 1952) into out, which is reset first. Each line is one envelope, no
 * newline in it. level: zlib's 0-9 (-1 default).
 */
int	batch_encode(const struct batch_header *h, const char *const *lines,
	    const size_t *lens, size_t n, int level, struct buf *out,
	    struct err *e);

/*
 * Reading a batch as a stream: memory stays bounded by BATCH_LINE_MAX
 * whatever the input, and inflation stops at max_inflated bytes. Errors
 * are ERR_INPUT and say where ("line 12: ..."): not gzip, truncated,
 * trailing garbage, a line over the ceiling, a header that is not
 * collector-batch version 1, more or fewer lines than the header's count.
 * ERR_IO is a read error of the file itself.
 */
struct batch_reader;

/* From memory (an upload's body); gz must outlive the reader. */
int	batch_reader_mem(const void *gz, size_t len, uint64_t max_inflated,
	    struct batch_reader **out, struct err *e);
/* From a file (hub import); path names it in errors. */
int	batch_reader_file(const char *path, uint64_t max_inflated,
	    struct batch_reader **out, struct err *e);
/* The header (read and checked on the first call). */
int	batch_read_header(struct batch_reader *r, struct batch_header *h,
	    struct err *e);
/*
 * The next submission line (borrowed until the next call): *line NULL at
 * the end, after the count and the gzip trailer were checked. *lineno is
 * the line's number in the file (the header is line 1).
 */
int	batch_next(struct batch_reader *r, const char **line, size_t *len,
	    size_t *lineno, struct err *e);
/* Inflated bytes so far (for figures). */
uint64_t batch_inflated(const struct batch_reader *r);
void	batch_reader_free(struct batch_reader *r);

/* ------------------------------------------------------------------ */
/* Results: the hub's answer to POST /api/v1/batches                   */

enum result_status {
	RESULT_STORED,		/* new on the hub */
	RESULT_DUPLICATE,	/* the same id with the same content: stored
				 * before, acknowledged again */
	RESULT_CONFLICT,	/* the same id, other content: kept aside */
	RESULT_REJECTED		/* refused, with a reason */
};

const char *result_status_name(enum result_status s);
int	result_status_parse(const char *name, enum result_status *out);

struct result {
	char			*instance_id;
	enum result_status	 status;
	char			*reason;	/* NULL */
};

struct results {
	char		 batch_id[UUID_STR_LEN + 1];
	struct result	*v;
	size_t		 n, cap;
};

void	results_init(struct results *r);
int	results_add(struct results *r, const char *instance_id,
	    enum result_status status, const char *reason, struct err *e);
/* {"batch_id":..., "results":[...]}: caller frees. */
char	*results_encode(const struct results *r);
/*
 * Parse a hub's answer. Anything that is not exactly that shape (a
 * captive portal's HTML page with 200 OK, a truncated body) is ERR_IO:
 * the hub was not reached, nothing is acknowledged.
 */
int	results_decode(const char *text, size_t len, struct results *out,
	    struct err *e);
void	results_release(struct results *r);

/* ------------------------------------------------------------------ */
/* Client: HTTP to the hub (libcurl)                                   */

/*
 * How long a transfer may stall before it is a dead one: below
 * CLIENT_LOW_SPEED_BYTES per second for CLIENT_LOW_SPEED_SECS. A slow
 * transfer is not dead: there is no total timeout.
 */
#define CLIENT_LOW_SPEED_BYTES	10
#define CLIENT_LOW_SPEED_SECS	30
#define CLIENT_CONNECT_SECS	30
/* A hub's answer: results of a batch, the forms list, a form file. */
#define CLIENT_MAX_RESPONSE	(32u << 20)
/* Uploads at once (client_post_begin): the second's upload covers the
 * first's round trip; a third would only add a connection. */
#define CLIENT_INFLIGHT		2

struct flight;

struct client {
	const char	*hub;		/* base URL: https://host[:port][/prefix] */
	const char	*token;		/* borrowed; never logged */
	const char	*ca_file;	/* NULL: the system's CAs */
	/* tests: shorter stall limits */
	long		 low_speed_secs;
	/* bytes moved, both directions, headers included (figures) */
	uint64_t	 bytes_up, bytes_down;
	void		*curl;		/* CURL *, reused: keep-alive */
	void		*multi;		/* CURLM *: every transfer, one pool
					 * of connections */
	struct flight	*flights;	/* CLIENT_INFLIGHT uploads */
};

/*
 * The URL of path on the hub: a relative path is joined to the base with
 * one '/' between them, whatever slashes each has; an absolute http(s)
 * URL (from the forms list) is kept as it is. Caller frees; NULL when out
 * of memory.
 */
char	*client_url(const char *hub, const char *path);

/* curl_global_init once per program; c->curl made on first use. */
int	client_init(struct client *c, const char *hub, const char *token,
	    const char *ca_file, struct err *e);
void	client_release(struct client *c);

/* GET /api/v1/ping: 0 when the hub answers {"hub":...}. */
int	client_ping(struct client *c, struct err *e);
/*
 * POST /api/v1/batches. 0 with out filled when the hub answered 200 with
 * well-formed results; ERR_IO for anything that leaves the outcome unknown
 * (no connection, cut, stalled, 5xx, not the results' shape); ERR_INPUT
 * for a refusal of the whole batch (400, 413, 415); ERR_USAGE-like
 * refusals of the device (401) are ERR_INPUT with a message that says the
 * token was refused. *status is the HTTP status (0 when none).
 */
int	client_post_batch(struct client *c, const void *gz, size_t len,
	    struct results *out, long *status, struct err *e);
/*
 * Overlapping uploads: client_post_begin starts POST /api/v1/batches of
 * gz (which must stay unchanged until its end) and returns at once; at
 * most CLIENT_INFLIGHT may be unfinished (more is a programmer error).
 * client_post_end waits until one of them ends, whichever is first, sets
 * *tag to the tag it was begun with, and answers as client_post_batch.
 * No other request (ping, get, client_post_batch) while one is unfinished;
 * client_release abandons those that are.
 */
int	client_post_begin(struct client *c, const void *gz, size_t len,
	    void *tag, struct err *e);
int	client_post_end(struct client *c, void **tag, struct results *out,
	    long *status, struct err *e);
/*
 * GET path (relative to the hub, or an absolute URL from the forms list)
 * with If-None-Match: etag (NULL: none). *not_modified 1 on 304 (body
 * empty); else body filled (reset first, CLIENT_MAX_RESPONSE ceiling) and
 * *new_etag the answer's ETag (caller frees, NULL when none).
 */
int	client_get(struct client *c, const char *path, const char *etag,
	    struct buf *body, char **new_etag, int *not_modified,
	    struct err *e);

#endif
