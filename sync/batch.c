/*
 * batch.c: the batch file, gzip (RFC 1952) of JSON lines: a header line,
 * then one submission per line. It is both the body of an upload and the
 * file carried by hand, so one reader serves the hub's HTTP server and
 * its import.
 *
 * The writer builds the whole batch in memory: a device's batch is tens
 * of KB. The reader never holds more than one line: input is read in
 * chunks of CHUNK, inflated into a CHUNK-sized window, and cut into lines
 * in a buffer whose ceiling is BATCH_LINE_MAX. So its memory is bounded
 * by that ceiling whatever the input, a long line fails once it passes
 * the ceiling (not when it ends), and inflation stops at max_inflated
 * bytes: a 200 KB gzip of 200 MB of zeros is refused after the line
 * ceiling or max_inflated, whichever comes first.
 *
 * Concatenated gzip members are one stream (RFC 1952 2.2; gzip -d does
 * the same), as when two exports are joined with cat; anything after a
 * member that does not start another member is trailing garbage.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <jansson.h>
#include <zlib.h>

#include "sync.h"

#define CHUNK		(64u << 10)
#define GZIP_WBITS	(15 + 16)	/* gzip only: not zlib nor raw */

struct batch_reader {
	z_stream		 zs;
	int			 zs_ready;	/* inflateInit2 done */
	FILE			*fp;		/* file; else memory */
	char			*path;		/* file: named in errors */
	const unsigned char	*mem_end;	/* memory: where it ends */
	unsigned char		*in;		/* file: CHUNK read */
	int			 in_eof;	/* nothing past zs.avail_in */
	unsigned char		*out;		/* CHUNK inflated */
	size_t			 opos, olen;	/* out[opos..olen) unread */
	struct buf		 line;		/* BATCH_LINE_MAX ceiling */
	uint64_t		 inflated, max_inflated;
	int			 started;	/* the first member began */
	int			 between;	/* a member ended */
	int			 done;		/* the gzip data ended well */
	size_t			 lineno;	/* lines cut so far */
	size_t			 cur;		/* the line errors name */
	int			 have_header;
	struct batch_header	 hdr;
	int64_t			 seen;		/* submission lines */
	int			 failed;	/* sticky: the first error */
	char			 msg[ERR_MSG_MAX];
};

void
batch_header_release(struct batch_header *h)
{
	free(h->device_id);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/* Deflate p[0..n) with flush into out, everything zlib has to give. */
static int
deflate_add(z_stream *zs, const void *p, size_t n, int flush,
    struct buf *out)
{
	unsigned char	 chunk[16384];
	const char	*c = p;
	size_t		 piece;
	int		 zrc, rc;

	do {
		piece = n > UINT_MAX ? UINT_MAX : n;
		zs->next_in = (const Bytef *)c;
		zs->avail_in = (uInt)piece;
		c += piece;
		n -= piece;
		do {
			zs->next_out = chunk;
			zs->avail_out = sizeof(chunk);
			zrc = deflate(zs, n > 0 ? Z_NO_FLUSH : flush);
			if (zrc == Z_STREAM_ERROR)
				return ERR_NOMEM;
			if ((rc = buf_add(out, chunk, sizeof(chunk) -
			    zs->avail_out)) != 0)
				return rc;
		} while (zs->avail_out == 0 ||
		    (flush == Z_FINISH && n == 0 && zrc != Z_STREAM_END));
	} while (n > 0);
	return 0;
}

static char *
header_json(const struct batch_header *h, size_t n)
{
	json_t	*o;
	char	*s = NULL;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "format", json_string(BATCH_FORMAT)) == 0 &&
	    json_object_set_new(o, "version", json_integer(BATCH_VERSION)) ==
	    0 &&
	    json_object_set_new(o, "batch_id", json_string(h->batch_id)) ==
	    0 &&
	    json_object_set_new(o, "device_id", json_string(h->device_id)) ==
	    0 &&
	    json_object_set_new(o, "created_at", json_string(h->created_at))
	    == 0 &&
	    json_object_set_new(o, "count", json_integer((json_int_t)n)) == 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int
batch_encode(const struct batch_header *h, const char *const *lines,
    const size_t *lens, size_t n, int level, struct buf *out,
    struct err *e)
{
	z_stream	 zs;
	char		*head = NULL;
	size_t		 i;
	int		 zrc, rc = 0;

	buf_reset(out);
	memset(&zs, 0, sizeof(zs));
	/* Refuse here what the reader would refuse at the hub. */
	if (!sync_uuid_valid(h->batch_id))
		return err_set(e, ERR_INPUT, _("batch id '%s' is not a UUID"),
		    h->batch_id);
	if (h->device_id == NULL)
		return err_set(e, ERR_INPUT, _("batch without a device id"));
	if (n > BATCH_COUNT_MAX)
		return err_set(e, ERR_INPUT, _("more than %d submissions in "
		    "one batch"), BATCH_COUNT_MAX);
	for (i = 0; i < n; i++)
		if (lens[i] == 0 || lens[i] > BATCH_LINE_MAX ||
		    memchr(lines[i], '\n', lens[i]) != NULL)
			return err_set(e, ERR_INPUT, _("submission %zu of the "
			    "batch is empty, holds a newline or is longer "
			    "than %u bytes"), i + 1, BATCH_LINE_MAX);
	if ((head = header_json(h, n)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	zrc = deflateInit2(&zs, level, Z_DEFLATED, GZIP_WBITS, 8,
	    Z_DEFAULT_STRATEGY);
	if (zrc != Z_OK) {
		rc = zrc == Z_MEM_ERROR ? err_set(e, ERR_NOMEM,
		    _("out of memory")) : err_set(e, ERR_INPUT,
		    _("compression level %d"), level);
		free(head);
		return rc;
	}
	rc = deflate_add(&zs, head, strlen(head), Z_NO_FLUSH, out);
	if (rc == 0)
		rc = deflate_add(&zs, "\n", 1, Z_NO_FLUSH, out);
	for (i = 0; i < n && rc == 0; i++) {
		rc = deflate_add(&zs, lines[i], lens[i], Z_NO_FLUSH, out);
		if (rc == 0)
			rc = deflate_add(&zs, "\n", 1, Z_NO_FLUSH, out);
	}
	if (rc == 0)
		rc = deflate_add(&zs, NULL, 0, Z_FINISH, out);
	if (rc == ERR_NOMEM)
		err_set(e, rc, _("out of memory"));
	else if (rc != 0)
		err_set(e, rc, _("the batch is larger than %zu bytes"),
		    out->max);
	deflateEnd(&zs);
	free(head);
	if (rc != 0)
		buf_reset(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/* The reader's first error, kept and repeated by every later call. */
static int
fail(struct batch_reader *r, struct err *e, int code, const char *fmt, ...)
    PRINTFLIKE(4, 5);

static int
fail(struct batch_reader *r, struct err *e, int code, const char *fmt, ...)
{
	char	what[ERR_MSG_MAX];
	va_list	ap;

	if (!r->failed) {
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		if (r->path != NULL)
			snprintf(r->msg, sizeof(r->msg), _("%s: line %zu: %s"),
			    r->path, r->cur, what);
		else
			snprintf(r->msg, sizeof(r->msg), _("line %zu: %s"),
			    r->cur, what);
		r->failed = code;
	}
	return err_set(e, r->failed, "%s", r->msg);
}

static int
reader_new(uint64_t max_inflated, struct batch_reader **out,
    struct err *e)
{
	struct batch_reader	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->out = malloc(CHUNK)) == NULL) {
		free(r);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	buf_init(&r->line, BATCH_LINE_MAX);
	r->max_inflated = max_inflated;
	r->cur = 1;
	if (inflateInit2(&r->zs, GZIP_WBITS) != Z_OK) {
		batch_reader_free(r);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	r->zs_ready = 1;
	*out = r;
	return 0;
}

int
batch_reader_mem(const void *gz, size_t len, uint64_t max_inflated,
    struct batch_reader **out, struct err *e)
{
	struct batch_reader	*r;
	int			 rc;

	*out = NULL;
	if ((rc = reader_new(max_inflated, &r, e)) != 0)
		return rc;
	/* avail_in is 32 bits: a body past 4 GiB is fed in pieces. */
	r->zs.next_in = gz;
	r->zs.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	r->mem_end = (const unsigned char *)gz + len;
	r->in_eof = len <= UINT_MAX;
	*out = r;
	return 0;
}

int
batch_reader_file(const char *path, uint64_t max_inflated,
    struct batch_reader **out, struct err *e)
{
	struct batch_reader	*r;
	int			 rc;

	*out = NULL;
	if ((rc = reader_new(max_inflated, &r, e)) != 0)
		return rc;
	if ((r->path = strdup(path)) == NULL ||
	    (r->in = malloc(CHUNK)) == NULL) {
		batch_reader_free(r);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	if ((r->fp = fopen(path, "rb")) == NULL) {
		rc = err_set(e, ERR_IO, _("cannot open '%s': %s"), path,
		    strerror(errno));
		batch_reader_free(r);
		return rc;
	}
	r->zs.next_in = r->in;
	r->zs.avail_in = 0;
	*out = r;
	return 0;
}

/* More input after what zs holds (which is kept, at the front). */
static int
refill(struct batch_reader *r, struct err *e)
{
	size_t	n, left;

	if (r->in_eof)
		return 0;
	if (r->fp == NULL) {
		left = (size_t)(r->mem_end - r->zs.next_in);
		r->zs.avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
		r->in_eof = left <= UINT_MAX;
		return 0;
	}
	if (r->zs.avail_in > 0)
		memmove(r->in, r->zs.next_in, r->zs.avail_in);
	r->zs.next_in = r->in;
	n = fread(r->in + r->zs.avail_in, 1, CHUNK - r->zs.avail_in, r->fp);
	r->zs.avail_in += (uInt)n;
	if (ferror(r->fp))
		return fail(r, e, ERR_IO, _("cannot read: %s"),
		    strerror(errno));
	if (feof(r->fp))
		r->in_eof = 1;
	return 0;
}

/* At the start of a member, or after one: another, or the end. */
static int
member_start(struct batch_reader *r, struct err *e)
{
	const unsigned char	*p = r->zs.next_in;
	unsigned		 n = r->zs.avail_in;

	if (n == 0 && r->in_eof) {
		if (!r->started)
			return fail(r, e, ERR_INPUT, _("empty input, not a "
			    "gzip batch"));
		r->done = 1;
		return 0;
	}
	if (p[0] != 0x1f || (n > 1 && p[1] != 0x8b)) {
		if (!r->started)
			return fail(r, e, ERR_INPUT, _("not gzip"));
		return fail(r, e, ERR_INPUT, _("trailing garbage after the "
		    "gzip data"));
	}
	if (r->started && inflateReset(&r->zs) != Z_OK)
		return fail(r, e, ERR_INPUT, _("corrupt gzip data"));
	r->started = 1;
	r->between = 0;
	return 0;
}

/* Inflate into out: some bytes, or r->done at the end of the data. */
static int
inflate_more(struct batch_reader *r, struct err *e)
{
	uint64_t	room;
	int		zrc, rc;

	r->opos = r->olen = 0;
	while (r->olen == 0 && !r->done) {
		/* Two bytes: enough to see a member's magic number. */
		while (r->zs.avail_in < 2 && !r->in_eof)
			if ((rc = refill(r, e)) != 0)
				return rc;
		if (!r->started || r->between) {
			if ((rc = member_start(r, e)) != 0)
				return rc;
			if (r->done)
				break;
		}
		/* One byte past the ceiling tells that it was passed. */
		room = r->max_inflated - r->inflated;
		room = room < CHUNK ? room + 1 : CHUNK;
		r->zs.next_out = r->out;
		r->zs.avail_out = (uInt)room;
		zrc = inflate(&r->zs, Z_NO_FLUSH);
		r->olen = (size_t)room - r->zs.avail_out;
		r->inflated += r->olen;
		if (r->inflated > r->max_inflated)
			return fail(r, e, ERR_INPUT, _("inflates past %" PRIu64
			    " bytes"), r->max_inflated);
		switch (zrc) {
		case Z_OK:
			break;
		case Z_STREAM_END:
			r->between = 1;
			break;
		case Z_BUF_ERROR:
			/* No progress: zlib wants input there is not. */
			if (r->zs.avail_in == 0 && r->in_eof)
				return fail(r, e, ERR_INPUT, _("truncated: "
				    "the gzip data ends early"));
			break;
		case Z_MEM_ERROR:
			return fail(r, e, ERR_NOMEM, _("out of memory"));
		default:
			return fail(r, e, ERR_INPUT, _("corrupt gzip data "
			    "(%s)"), r->zs.msg != NULL ? r->zs.msg : "?");
		}
	}
	return 0;
}

/*
 * The next line into r->line, without its newline; *eof when the data
 * ended with no byte of another line. A last line without a newline is a
 * line.
 */
static int
next_line(struct batch_reader *r, int *eof, struct err *e)
{
	const char	*p, *nl;
	size_t		 n;
	int		 rc;

	*eof = 0;
	buf_reset(&r->line);
	r->cur = r->lineno + 1;
	for (;;) {
		if (r->opos == r->olen) {
			if (r->done) {
				if (r->line.len == 0) {
					*eof = 1;
					return 0;
				}
				break;
			}
			if ((rc = inflate_more(r, e)) != 0)
				return rc;
			continue;
		}
		p = (const char *)r->out + r->opos;
		n = r->olen - r->opos;
		if ((nl = memchr(p, '\n', n)) != NULL)
			n = (size_t)(nl - p);
		if (n > BATCH_LINE_MAX - r->line.len)
			return fail(r, e, ERR_INPUT, _("line longer than %u "
			    "bytes"), BATCH_LINE_MAX);
		/* n may be 0: the buffer is then allocated all the same,
		 * so that an empty line is "" and not NULL. */
		if (buf_add(&r->line, p, n) != 0)
			return fail(r, e, ERR_NOMEM, _("out of memory"));
		r->opos += n;
		if (nl != NULL) {
			r->opos++;
			break;
		}
	}
	r->lineno++;
	return 0;
}

/* A copy of r->hdr into h. */
static int
header_copy(const struct batch_header *from, struct batch_header *h,
    struct err *e)
{
	*h = *from;
	if ((h->device_id = strdup(from->device_id)) == NULL) {
		memset(h, 0, sizeof(*h));
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	return 0;
}

static int
header_parse(struct batch_reader *r, struct err *e)
{
	struct batch_header	*h = &r->hdr;
	json_error_t		 je;
	json_t			*root, *v;
	const char		*s;
	json_int_t		 n;
	int			 rc = 0;

	root = json_loadb(r->line.p, r->line.len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		rc = fail(r, e, ERR_INPUT, _("not a collector batch: the "
		    "header is not a JSON object"));
		goto out;
	}
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    BATCH_FORMAT) != 0) {
		rc = fail(r, e, ERR_INPUT, _("not a collector batch: no "
		    "\"format\":\"%s\""), BATCH_FORMAT);
		goto out;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != BATCH_VERSION) {
		rc = fail(r, e, ERR_INPUT, _("batch version is not %d, the "
		    "only one this program reads"), BATCH_VERSION);
		goto out;
	}
	v = json_object_get(root, "batch_id");
	if (!json_is_string(v) || !sync_uuid_valid(json_string_value(v))) {
		rc = fail(r, e, ERR_INPUT, _("'%s' is not a UUID"),
		    "batch_id");
		goto out;
	}
	memcpy(h->batch_id, json_string_value(v), sizeof(h->batch_id));
	v = json_object_get(root, "device_id");
	if (!json_is_string(v)) {
		rc = fail(r, e, ERR_INPUT, _("'%s' is not a string"),
		    "device_id");
		goto out;
	}
	if ((h->device_id = strdup(json_string_value(v))) == NULL) {
		rc = fail(r, e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	v = json_object_get(root, "created_at");
	s = json_string_value(v);
	if (s == NULL || strlen(s) >= sizeof(h->created_at)) {
		rc = fail(r, e, ERR_INPUT, _("'%s' is not a date and time"),
		    "created_at");
		goto out;
	}
	memcpy(h->created_at, s, strlen(s) + 1);
	v = json_object_get(root, "count");
	n = json_integer_value(v);
	if (!json_is_integer(v) || n < 0 || n > BATCH_COUNT_MAX) {
		rc = fail(r, e, ERR_INPUT, _("'%s' is not a number from 0 "
		    "to %d"), "count", BATCH_COUNT_MAX);
		goto out;
	}
	h->count = n;
	r->have_header = 1;
out:
	json_decref(root);
	return rc;
}

static int
read_header(struct batch_reader *r, struct err *e)
{
	int	eof, rc;

	if (r->failed)
		return err_set(e, r->failed, "%s", r->msg);
	if (r->have_header)
		return 0;
	if ((rc = next_line(r, &eof, e)) != 0)
		return rc;
	if (eof)
		return fail(r, e, ERR_INPUT, _("empty batch: no header"));
	return header_parse(r, e);
}

int
batch_read_header(struct batch_reader *r, struct batch_header *h,
    struct err *e)
{
	int	rc;

	memset(h, 0, sizeof(*h));
	if ((rc = read_header(r, e)) != 0)
		return rc;
	return header_copy(&r->hdr, h, e);
}

int
batch_next(struct batch_reader *r, const char **line, size_t *len,
    size_t *lineno, struct err *e)
{
	int	eof, rc;

	*line = NULL;
	*len = 0;
	*lineno = 0;
	if ((rc = read_header(r, e)) != 0)
		return rc;
	if ((rc = next_line(r, &eof, e)) != 0)
		return rc;
	if (eof) {
		if (r->seen < r->hdr.count)
			return fail(r, e, ERR_INPUT, _("the batch ends after "
			    "%" PRId64 " of the %" PRId64 " submissions its "
			    "header counts"), r->seen, r->hdr.count);
		return 0;
	}
	if (r->line.len == 0)
		return fail(r, e, ERR_INPUT, _("empty line"));
	if (++r->seen > r->hdr.count)
		return fail(r, e, ERR_INPUT, _("more submissions than the "
		    "header's count (%" PRId64 ")"), r->hdr.count);
	*line = r->line.p;
	*len = r->line.len;
	*lineno = r->lineno;
	return 0;
}

uint64_t
batch_inflated(const struct batch_reader *r)
{
	return r->inflated;
}

void
batch_reader_free(struct batch_reader *r)
{
	if (r == NULL)
		return;
	if (r->zs_ready)
		inflateEnd(&r->zs);
	if (r->fp != NULL)
		fclose(r->fp);
	batch_header_release(&r->hdr);
	buf_release(&r->line);
	free(r->path);
	free(r->in);
	free(r->out);
	free(r);
}
