/*
 * test_sync.c: the wire. An envelope survives encode and decode with its
 * numbers' text; its digest sees values, not spellings; decode refuses
 * every missing or mistyped field by name. A batch of 0, 1 or 1000 lines
 * comes back as written, from memory and from a file; the reader refuses
 * what is not a whole, well-formed batch (not gzip, cut anywhere, garbage
 * after, a wrong header, a wrong count) and stops bombs early with its
 * memory bounded by one line. The hub's results come back as written and
 * nothing else is read as results. The client against a small HTTP server
 * in a thread: what each answer means, the headers it sends, a stall, an
 * answer too large, the bytes it counts.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "../../sync/sync.h"

#define ID(n)	"uuid:00000000-0000-4000-8000-0000000000" #n
#define BATCH_ID	"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct envelope
sample(void)
{
	struct envelope	env;

	memset(&env, 0, sizeof(env));
	env.instance_id = ID(01);
	env.deprecated_id = ID(00);
	env.form_id = "anemia";
	env.form_version = "2026011501";
	env.device_id = "dev-7";
	env.promoter = "Rosa Quispe Huamán";
	env.started_at = "2026-11-25T10:04:05.123-05:00";
	env.finalized_at = "2026-11-25T10:14:00.000-05:00";
	env.data = "{\"hb\":11.50,\"n\":0.1,\"age\":18,"
	    "\"kids\":[{\"a\":1},{\"a\":2}],\"note\":null}";
	return env;
}

/* gzip (one member) of p[0..n) appended to out. */
static void
gz_add(struct buf *out, const void *p, size_t n, int level)
{
	z_stream	zs;
	unsigned char	chunk[65536];
	int		zrc;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = deflate(&zs, Z_FINISH);
		assert_int_equal(buf_add(out, chunk, sizeof(chunk) -
		    zs.avail_out), 0);
	} while (zrc != Z_STREAM_END);
	deflateEnd(&zs);
}

static void
gz(struct buf *out, const char *text)
{
	buf_init(out, 1u << 30);
	gz_add(out, text, strlen(text), 6);
}

static const char *
header_line(int count)
{
	static char	s[256];

	snprintf(s, sizeof(s), "{\"format\":\"collector-batch\","
	    "\"version\":1,\"batch_id\":\"" BATCH_ID "\",\"device_id\":"
	    "\"dev-7\",\"created_at\":\"2026-11-25T10:00:00-05:00\","
	    "\"count\":%d}\n", count);
	return s;
}

/*
 * Read a whole batch from memory; 0 or the error, with e.msg. *n the
 * submission lines read.
 */
static int
read_all(const void *p, size_t len, uint64_t max, size_t *n,
    struct err *e)
{
	struct batch_reader	*r;
	struct batch_header	 h;
	const char		*line;
	size_t			 l, lineno;
	int			 rc;

	*n = 0;
	err_init(e);
	if ((rc = batch_reader_mem(p, len, max, &r, e)) != 0)
		return rc;
	if ((rc = batch_read_header(r, &h, e)) == 0) {
		batch_header_release(&h);
		while ((rc = batch_next(r, &line, &l, &lineno, e)) == 0 &&
		    line != NULL)
			(*n)++;
	}
	batch_reader_free(r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Envelope                                                            */

static void
test_envelope_round_trip(void **state)
{
	struct envelope	 env = sample(), got;
	struct err	 e;
	char		*s;

	(void)state;
	err_init(&e);
	s = envelope_encode(&env);
	assert_non_null(s);
	/* The order of CONTRACT.md, and the data's text as it was. */
	assert_string_equal(s, "{\"instance_id\":\"" ID(01) "\","
	    "\"deprecated_id\":\"" ID(00) "\",\"form_id\":\"anemia\","
	    "\"form_version\":\"2026011501\",\"device_id\":\"dev-7\","
	    "\"promoter\":\"Rosa Quispe Huamán\","
	    "\"started_at\":\"2026-11-25T10:04:05.123-05:00\","
	    "\"finalized_at\":\"2026-11-25T10:14:00.000-05:00\","
	    "\"data\":{\"hb\":11.50,\"n\":0.1,\"age\":18,"
	    "\"kids\":[{\"a\":1},{\"a\":2}],\"note\":null}}");
	assert_int_equal(envelope_decode(s, strlen(s), &got, &e), 0);
	assert_string_equal(got.instance_id, env.instance_id);
	assert_string_equal(got.deprecated_id, env.deprecated_id);
	assert_string_equal(got.form_id, env.form_id);
	assert_string_equal(got.form_version, env.form_version);
	assert_string_equal(got.device_id, env.device_id);
	assert_string_equal(got.promoter, env.promoter);
	assert_string_equal(got.started_at, env.started_at);
	assert_string_equal(got.finalized_at, env.finalized_at);
	assert_null(got.state);
	assert_null(got.data);
	assert_true(json_is_object(got.data_value));
	assert_int_equal(json_integer_value(json_object_get(got.data_value,
	    "age")), 18);
	envelope_release(&got);
	assert_null(got.root);
	free(s);

	/* A draft: the nullable fields null, with its state. */
	env.deprecated_id = env.promoter = env.finalized_at = NULL;
	env.data = NULL;
	env.state = "draft";
	s = envelope_encode(&env);
	assert_non_null(strstr(s, "\"deprecated_id\":null,"));
	assert_non_null(strstr(s, "\"finalized_at\":null,\"data\":{},"
	    "\"state\":\"draft\"}"));
	assert_int_equal(envelope_decode(s, strlen(s), &got, &e), 0);
	assert_null(got.deprecated_id);
	assert_null(got.promoter);
	assert_null(got.finalized_at);
	assert_string_equal(got.state, "draft");
	envelope_release(&got);
	free(s);

	/* A string that is not UTF-8 cannot be encoded. */
	env.form_id = "\xff";
	assert_null(envelope_encode(&env));
}

/*
 * The digest compares values: the same keys in another order, a number
 * written another way (11.5, 11.50; 1, 1.0, 1e0) are the same content;
 * the state is not content. A string "1" is not the number 1.
 */
static void
test_envelope_digest(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 same;
	} t[] = {
		{ "{\"x\":1,\"y\":\"a\"}", "{\"y\":\"a\",\"x\":1}", 1 },
		{ "{\"hb\":11.5}", "{\"hb\":11.50}", 1 },
		{ "{\"hb\":1}", "{\"hb\":1.0}", 1 },
		{ "{\"hb\":1}", "{\"hb\":1e0}", 1 },
		{ "{\"g\":{\"b\":2,\"a\":1}}", "{ \"g\" : {\"a\":1, \"b\":2} }",
		    1 },
		{ "{\"hb\":11.5}", "{\"hb\":11.6}", 0 },
		{ "{\"hb\":1}", "{\"hb\":\"1\"}", 0 },
		{ "{\"r\":[1,2]}", "{\"r\":[2,1]}", 0 },
		{ "{\"a\":null}", "{}", 0 },
		{ "{}", "{\"note\":\"\"}", 0 },
	};
	struct envelope	 a = sample(), b = sample(), dec;
	struct err	 e;
	char		 da[65], db[65], *s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err_init(&e);
		a.data = t[i].a;
		b.data = t[i].b;
		assert_int_equal(envelope_digest(&a, da, &e), 0);
		assert_int_equal(envelope_digest(&b, db, &e), 0);
		assert_int_equal(strlen(da), 64);
		if ((strcmp(da, db) == 0) != t[i].same)
			fail_msg("%s vs %s: digests %s", t[i].a, t[i].b,
			    t[i].same ? "differ" : "equal");
	}

	/* Encoded and decoded, with or without a state: one digest. */
	a = sample();
	assert_int_equal(envelope_digest(&a, da, &e), 0);
	a.state = "sent";
	assert_int_equal(envelope_digest(&a, db, &e), 0);
	assert_string_equal(da, db);
	s = envelope_encode(&a);
	assert_int_equal(envelope_decode(s, strlen(s), &dec, &e), 0);
	assert_int_equal(envelope_digest(&dec, db, &e), 0);
	assert_string_equal(da, db);
	envelope_release(&dec);
	free(s);

	/* Any other field is content. */
	a.state = NULL;
	a.promoter = "Otra";
	assert_int_equal(envelope_digest(&a, db, &e), 0);
	assert_string_not_equal(da, db);

	/* Data that is not JSON has no digest. */
	a.data = "{\"a\":";
	assert_int_equal(envelope_digest(&a, db, &e), ERR_INPUT);
	assert_string_equal(db, "");
}

/* The sample's fields, in the order of CONTRACT.md. */
static const char *const field_names[] = {
	"instance_id", "deprecated_id", "form_id", "form_version",
	"device_id", "promoter", "started_at", "finalized_at", "data",
};

/* Each field missing, then of each wrong type: refused by name. */
static void
test_envelope_fields(void **state)
{
	static const char *const wrong[] = { "5", "true", "[]", "{}",
	    "\"x\"", "null" };
	struct envelope	 env = sample(), got;
	struct err	 e;
	json_t		*root, *bad;
	char		*s, *line, want[80];
	size_t		 i, j;
	int		 nullable, rc;

	(void)state;
	s = envelope_encode(&env);
	for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++) {
		root = json_loads(s, 0, NULL);
		json_object_del(root, field_names[i]);
		line = json_dumps(root, JSON_COMPACT);
		err_init(&e);
		assert_int_equal(envelope_decode(line, strlen(line), &got, &e),
		    ERR_INPUT);
		snprintf(want, sizeof(want), "missing '%s'", field_names[i]);
		assert_string_equal(e.msg, want);
		assert_null(got.root);
		free(line);
		json_decref(root);

		nullable = i == 1 || i == 5 || i == 7;
		for (j = 0; j < sizeof(wrong) / sizeof(wrong[0]); j++) {
			root = json_loads(s, 0, NULL);
			bad = json_loads(wrong[j], JSON_DECODE_ANY, NULL);
			json_object_set_new(root, field_names[i], bad);
			line = json_dumps(root, JSON_COMPACT);
			err_init(&e);
			rc = envelope_decode(line, strlen(line), &got, &e);
			/* A string is right for all but data and the ids;
			 * {} only for data; null for the nullable ones. */
			if ((j == 4 && i >= 2 && i != 8) || (j == 3 &&
			    i == 8) || (j == 5 && nullable)) {
				assert_int_equal(rc, 0);
				envelope_release(&got);
			} else {
				assert_int_equal(rc, ERR_INPUT);
				snprintf(want, sizeof(want), "'%s' is ",
				    field_names[i]);
				if (strncmp(e.msg, want, strlen(want)) != 0)
					fail_msg("%s = %s: '%s'",
					    field_names[i], wrong[j], e.msg);
			}
			free(line);
			json_decref(root);
		}
	}
	free(s);
}

static void
test_envelope_refusals(void **state)
{
#define HEAD	"{\"instance_id\":\"" ID(01) "\",\"deprecated_id\":null," \
	"\"form_id\":\"f\",\"form_version\":\"1\",\"device_id\":\"d\"," \
	"\"promoter\":null,\"started_at\":\"s\",\"finalized_at\":null"
	static const struct {
		const char	*line;
		const char	*msg;		/* NULL: accepted */
	} t[] = {
		{ HEAD ",\"data\":{}}", NULL },
		{ HEAD ",\"data\":{},\"state\":\"sent\"}", NULL },
		{ HEAD ",\"data\":{\"k\\\":\":\"v:\\\"\",\"o\":{}}}", NULL },
		{ HEAD ",\"data\":{},\"extra\":1}", "unknown field 'extra'" },
		{ HEAD ",\"data\":{},\"state\":1}", "'state' is not a string" },
		{ HEAD ",\"data\":[]}", "'data' is not an object" },
		{ HEAD ",\"data\":{},\"form_id\":\"g\"}",
		    "not JSON: duplicate object key" },
		{ HEAD ",\"data\":{\"a\":1,\"a\":2}}",
		    "not JSON: duplicate object key" },
		{ HEAD ",\"data\":{}", "not JSON: " },
		{ HEAD ",\"data\":{\"a\":\"\xc3\"}}", "not JSON: " },
		{ HEAD ",\"data\":{\"a\":\"x\\u0000y\"}}", "not JSON: " },
		{ HEAD ",\"data\":{\"a\":1e999}}", "not JSON: " },
		{ "[1,2]", "not a JSON object" },
		{ "", "not JSON: " },
		{ "{\"instance_id\":\"uuid:123\"}", "'instance_id' is not "
		    "\"uuid:\" and a UUID: 'uuid:123'" },
		{ "{\"instance_id\":\"00000000-0000-4000-8000-000000000001\"}",
		    "'instance_id' is not \"uuid:\" and a UUID" },
		{ "{\"instance_id\":\"uuid:0000000g-0000-4000-8000-"
		    "000000000001\"}", "'instance_id' is not \"uuid:\"" },
		{ "{\"instance_id\":\"uuid:00000000-0000-4000-8000-"
		    "0000000000011\"}", "'instance_id' is not \"uuid:\"" },
		{ "{\"instance_id\":\"" ID(01) "\",\"deprecated_id\":\"x\"}",
		    "'deprecated_id' is not \"uuid:\" and a UUID: 'x'" },
	};
#undef HEAD
	struct envelope	got;
	struct err	e;
	size_t		i;
	int		rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err_init(&e);
		rc = envelope_decode(t[i].line, strlen(t[i].line), &got, &e);
		if (t[i].msg == NULL) {
			if (rc != 0)
				fail_msg("%s: %s", t[i].line, e.msg);
			envelope_release(&got);
			continue;
		}
		assert_int_equal(rc, ERR_INPUT);
		assert_null(got.root);
		if (strncmp(e.msg, t[i].msg, strlen(t[i].msg)) != 0)
			fail_msg("%s: '%s', want '%s'", t[i].line, e.msg,
			    t[i].msg);
	}
}

/* BATCH_VALUES_MAX values pass, one more does not, whatever they are. */
static void
test_envelope_values_max(void **state)
{
	/* The envelope's own values: the object, 8 fields, data. */
	static const size_t	own = 10;
	static const char *const leaf[] = { "1", "\"s\"", "null", "-2.5e3",
	    "true", "[]", "{}", "\"a\\\"b\"" };
	struct envelope	 env = sample(), got;
	struct buf	 data;
	struct err	 e;
	char		*s;
	size_t		 i, k, n;

	(void)state;
	for (k = 0; k < sizeof(leaf) / sizeof(leaf[0]); k++) {
		for (n = BATCH_VALUES_MAX - own; n <= BATCH_VALUES_MAX - own +
		    1; n++) {
			buf_init(&data, 1u << 20);
			buf_addstr(&data, "{\"r\":[");
			/* the array is a value: n - 1 leaves in it */
			for (i = 0; i + 1 < n; i++)
				buf_addf(&data, "%s%s", i ? "," : "", leaf[k]);
			buf_addstr(&data, "]}");
			env.data = data.p;
			s = envelope_encode(&env);
			err_init(&e);
			if (n == BATCH_VALUES_MAX - own) {
				assert_int_equal(envelope_decode(s, strlen(s),
				    &got, &e), 0);
				envelope_release(&got);
			} else {
				assert_int_equal(envelope_decode(s, strlen(s),
				    &got, &e), ERR_INPUT);
				assert_string_equal(e.msg, "more than 20000 "
				    "values in one submission");
			}
			free(s);
			buf_release(&data);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Batch                                                               */

struct lines {
	char	**v;
	size_t	 *len;
	size_t	  n;
};

static void
make_lines(struct lines *l, size_t n)
{
	struct envelope	env = sample();
	char		id[48];
	size_t		i;

	l->v = calloc(n + 1, sizeof(*l->v));
	l->len = calloc(n + 1, sizeof(*l->len));
	l->n = n;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "uuid:00000000-0000-4000-8000-%012zx",
		    i);
		env.instance_id = id;
		l->v[i] = envelope_encode(&env);
		l->len[i] = strlen(l->v[i]);
	}
}

static void
free_lines(struct lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
}

static void
encode(const struct lines *l, struct buf *out)
{
	struct batch_header	h;
	struct err		e;

	memset(&h, 0, sizeof(h));
	snprintf(h.batch_id, sizeof(h.batch_id), "%s", BATCH_ID);
	h.device_id = (char *)"dev-7";
	snprintf(h.created_at, sizeof(h.created_at), "%s",
	    "2026-11-25T10:00:00-05:00");
	err_init(&e);
	buf_init(out, 64u << 20);
	if (batch_encode(&h, (const char *const *)l->v, l->len, l->n, -1,
	    out, &e) != 0)
		fail_msg("batch_encode: %s", e.msg);
}

static void
check_reader(struct batch_reader *r, const struct lines *l)
{
	struct batch_header	 h;
	struct envelope		 env;
	struct err		 e;
	const char		*line;
	size_t			 len, lineno, i, total;

	err_init(&e);
	assert_int_equal(batch_read_header(r, &h, &e), 0);
	assert_string_equal(h.batch_id, BATCH_ID);
	assert_string_equal(h.device_id, "dev-7");
	assert_string_equal(h.created_at, "2026-11-25T10:00:00-05:00");
	assert_int_equal(h.count, l->n);
	batch_header_release(&h);
	total = strlen(header_line((int)l->n));
	for (i = 0; i < l->n; i++) {
		assert_int_equal(batch_next(r, &line, &len, &lineno, &e), 0);
		assert_non_null(line);
		assert_int_equal(lineno, i + 2);
		assert_int_equal(len, l->len[i]);
		assert_memory_equal(line, l->v[i], len);
		assert_int_equal(line[len], '\0');
		assert_int_equal(envelope_decode(line, len, &env, &e), 0);
		envelope_release(&env);
		total += len + 1;
	}
	/* The end, and the end again. */
	assert_int_equal(batch_next(r, &line, &len, &lineno, &e), 0);
	assert_null(line);
	assert_int_equal(batch_next(r, &line, &len, &lineno, &e), 0);
	assert_null(line);
	assert_int_equal(batch_inflated(r), total);
	/* The header again, as it was. */
	assert_int_equal(batch_read_header(r, &h, &e), 0);
	assert_int_equal(h.count, l->n);
	batch_header_release(&h);
}

static void
test_batch_round_trip(void **state)
{
	static const size_t	 sizes[] = { 0, 1, 1000 };
	struct batch_reader	*r;
	struct lines		 l;
	struct buf		 b;
	struct err		 e;
	char			 path[] = "/tmp/test_sync.XXXXXX";
	size_t			 i;
	FILE			*fp;
	int			 fd;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_lines(&l, sizes[i]);
		encode(&l, &b);
		err_init(&e);
		assert_int_equal(batch_reader_mem(b.p, b.len,
		    BATCH_HTTP_MAX_INFLATED, &r, &e), 0);
		check_reader(r, &l);
		batch_reader_free(r);

		assert_true((fd = mkstemp(path)) >= 0);
		assert_non_null(fp = fdopen(fd, "wb"));
		assert_int_equal(fwrite(b.p, 1, b.len, fp), b.len);
		fclose(fp);
		assert_int_equal(batch_reader_file(path,
		    BATCH_FILE_MAX_INFLATED, &r, &e), 0);
		check_reader(r, &l);
		batch_reader_free(r);
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/test_sync.XXXXXX");
		if (sizes[i] == 1000)
			print_message("1000 submissions: %zu bytes gzipped\n",
			    b.len);
		buf_release(&b);
		free_lines(&l);
	}
}

/* Whatever batch_encode refuses, the reader would have refused. */
static void
test_batch_encode_refusals(void **state)
{
	const char		*lines[] = { "{}", "a\nb", "" };
	size_t			 lens[] = { 2, 3, 0 };
	struct batch_header	 h;
	struct buf		 b;
	struct err		 e;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(h.batch_id, sizeof(h.batch_id), "%s", BATCH_ID);
	h.device_id = (char *)"d";
	buf_init(&b, 1u << 20);
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines, lens, 1, 9, &b, &e), 0);
	assert_true(b.len > 0);
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines, lens, 2, 9, &b, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "submission 2 "));
	assert_int_equal(b.len, 0);
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines + 2, lens + 2, 1, 9, &b, &e),
	    ERR_INPUT);
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines, lens, 1, 42, &b, &e),
	    ERR_INPUT);
	assert_string_equal(e.msg, "compression level 42");
	h.batch_id[0] = 'x';
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines, lens, 1, 9, &b, &e),
	    ERR_INPUT);
	buf_release(&b);
	/* A ceiling on the output is kept. */
	snprintf(h.batch_id, sizeof(h.batch_id), "%s", BATCH_ID);
	buf_init(&b, 16);
	err_init(&e);
	assert_int_equal(batch_encode(&h, lines, lens, 1, 9, &b, &e),
	    ERR_INPUT);
	assert_string_equal(e.msg, "the batch is larger than 16 bytes");
	buf_release(&b);
}

/* Each text gzipped, then read: the error and where it is. */
static void
test_batch_refusals(void **state)
{
#define H(n)	"{\"format\":\"collector-batch\",\"version\":1,\"batch_id\":" \
	"\"" BATCH_ID "\",\"device_id\":\"d\",\"created_at\":\"c\"," \
	"\"count\":" #n "}\n"
	static const struct {
		const char	*text;
		const char	*msg;		/* NULL: accepted */
		size_t		 n;		/* lines read */
	} t[] = {
		{ H(0), NULL, 0 },
		{ H(2) "{}\n{}", NULL, 2 },		/* no last newline */
		{ H(2) "{}\r\n{}\r\n", NULL, 2 },
		{ H(1) "not json, not our business\n", NULL, 1 },
		{ "", "line 1: empty batch: no header", 0 },
		{ "\n", "line 1: not a collector batch: the header is not "
		    "a JSON object", 0 },
		{ "hello\n", "line 1: not a collector batch: the header", 0 },
		{ "[1]\n", "line 1: not a collector batch: the header", 0 },
		{ "{\"format\":\"odk\",\"version\":1}\n", "line 1: not a "
		    "collector batch: no \"format\":\"collector-batch\"", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":2}\n",
		    "line 1: batch version is not 1", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":\"1\"}\n",
		    "line 1: batch version is not 1", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":1,"
		    "\"batch_id\":\"x\"}\n", "line 1: 'batch_id' is not a "
		    "UUID", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":1,"
		    "\"batch_id\":\"" BATCH_ID "\"}\n", "line 1: 'device_id' "
		    "is not a string", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":1,"
		    "\"batch_id\":\"" BATCH_ID "\",\"device_id\":\"d\"}\n",
		    "line 1: 'created_at' is not a date and time", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":1,"
		    "\"batch_id\":\"" BATCH_ID "\",\"device_id\":\"d\","
		    "\"created_at\":\"2026-11-25T10:00:00.000000000000000000000"
		    "-05:00\"}\n", "line 1: 'created_at' is not", 0 },
		{ "{\"format\":\"collector-batch\",\"version\":1,"
		    "\"batch_id\":\"" BATCH_ID "\",\"device_id\":\"d\","
		    "\"created_at\":\"c\"}\n", "line 1: 'count' is not a "
		    "number from 0 to 1000000", 0 },
		{ H(-1), "line 1: 'count' is not", 0 },
		{ H(1000001), "line 1: 'count' is not", 0 },
		{ H(1.0), "line 1: 'count' is not", 0 },
		{ H(3) "{}\n{}\n", "line 4: the batch ends after 2 of the 3 "
		    "submissions its header counts", 2 },
		{ H(1) "{}\n{}\n", "line 3: more submissions than the "
		    "header's count (1)", 1 },
		{ H(0) "\n", "line 2: empty line", 0 },
		{ H(3) "{}\n\n{}\n", "line 3: empty line", 1 },
		{ H(2) "{}\n{}\n\n", "line 4: empty line", 2 },
	};
#undef H
	struct buf	b;
	struct err	e;
	size_t		i, n;
	int		rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		gz(&b, t[i].text);
		rc = read_all(b.p, b.len, BATCH_HTTP_MAX_INFLATED, &n, &e);
		buf_release(&b);
		if (t[i].msg == NULL) {
			if (rc != 0)
				fail_msg("%zu: %s", i, e.msg);
		} else {
			assert_int_equal(rc, ERR_INPUT);
			if (strncmp(e.msg, t[i].msg, strlen(t[i].msg)) != 0)
				fail_msg("%zu: '%s', want '%s'", i, e.msg,
				    t[i].msg);
		}
		assert_int_equal(n, t[i].n);
	}
}

/* The gzip layer: not gzip, cut anywhere, something after it. */
static void
test_batch_gzip(void **state)
{
	static const unsigned char	zlib_magic[] = { 0x78, 0x9c, 0 };
	struct lines			l;
	struct buf			b, c;
	struct err			e;
	size_t				i, cut, n;

	(void)state;
	assert_int_equal(read_all("", 0, 1024, &n, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 1: empty input, not a gzip batch");
	assert_int_equal(read_all("{\"format\":\"collector-batch\"}\n", 29,
	    1024, &n, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 1: not gzip");
	assert_int_equal(read_all(zlib_magic, 2, 1024, &n, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 1: not gzip");
	assert_int_equal(read_all("\x1f", 1, 1024, &n, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 1: truncated: the gzip data ends "
	    "early");

	make_lines(&l, 1000);
	encode(&l, &b);
	/* Cut at every tenth and at the last byte of the trailer. */
	for (i = 1; i <= 10; i++) {
		cut = i < 10 ? b.len * i / 10 : b.len - 1;
		assert_int_equal(read_all(b.p, cut, BATCH_HTTP_MAX_INFLATED,
		    &n, &e), ERR_INPUT);
		assert_non_null(strstr(e.msg, ": truncated: the gzip data "
		    "ends early"));
		assert_true(n < 1000 || i == 10);
	}
	/* Garbage after the trailer: text, zeros, half a magic number. */
	buf_init(&c, 64u << 20);
	buf_add(&c, b.p, b.len);
	buf_addstr(&c, "<html>");
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	assert_string_equal(e.msg, "line 1002: trailing garbage after the "
	    "gzip data");
	assert_int_equal(n, 1000);
	c.len = b.len;
	buf_add(&c, "\0\0\0\0", 4);
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "trailing garbage"));
	c.len = b.len;
	buf_add(&c, "\x1f", 1);
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "truncated"));
	c.len = b.len;
	buf_add(&c, "\x1f\x8b\x08\x00garbage", 11);
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	/* A damaged checksum in the trailer. */
	c.len = b.len;
	c.p[b.len - 8] ^= 1;
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, ": corrupt gzip data (incorrect data "
	    "check)"));
	/* A damaged byte in the middle. */
	memcpy(c.p, b.p, b.len);
	c.p[b.len / 2] ^= 0x55;
	assert_int_equal(read_all(c.p, c.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	buf_release(&c);
	buf_release(&b);
	free_lines(&l);
}

/* Members joined by cat are one stream, even across a line. */
static void
test_batch_members(void **state)
{
	const char	*h = header_line(3);
	struct buf	 b;
	struct err	 e;
	size_t		 n;

	(void)state;
	buf_init(&b, 1u << 20);
	gz_add(&b, h, strlen(h) - 20, 1);
	gz_add(&b, h + strlen(h) - 20, 20, 9);
	gz_add(&b, "", 0, 6);
	gz_add(&b, "{\"a\":", 5, 6);
	gz_add(&b, "1}\n{}\n{}\n", 9, 0);
	assert_int_equal(read_all(b.p, b.len, 1u << 20, &n, &e), 0);
	assert_int_equal(n, 3);
	buf_release(&b);
}

/* The file as the hub imports it: bytes written to a temporary file. */
static int
read_file_all(const void *p, size_t len, size_t *n, struct err *e)
{
	struct batch_reader	*r;
	struct batch_header	 h;
	const char		*line;
	char			 path[] = "/tmp/test_sync.XXXXXX";
	size_t			 l, lineno;
	FILE			*fp;
	int			 fd, rc;

	*n = 0;
	err_init(e);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "wb"));
	assert_int_equal(fwrite(p, 1, len, fp), len);
	fclose(fp);
	if ((rc = batch_reader_file(path, BATCH_FILE_MAX_INFLATED, &r,
	    e)) == 0) {
		if ((rc = batch_read_header(r, &h, e)) == 0) {
			batch_header_release(&h);
			while ((rc = batch_next(r, &line, &l, &lineno, e)) ==
			    0 && line != NULL)
				(*n)++;
		}
		batch_reader_free(r);
	}
	unlink(path);
	return rc;
}

/*
 * A member that ends one byte before the file reader's 64 KiB chunk, so
 * that the next member's magic number straddles two reads; then garbage
 * at the same place.
 */
static void
test_batch_chunk_edges(void **state)
{
	const char	*h = header_line(3);
	struct buf	 b;
	struct err	 e;
	char		*text;
	size_t		 len, n;

	(void)state;
	text = malloc(70000);
	memcpy(text, h, strlen(h));
	buf_init(&b, 1u << 20);
	/* Stored blocks: one more byte in, one more byte out. */
	for (len = 65000; len < 66000; len++) {
		memset(text + strlen(h), 'a', len);
		text[strlen(h) + len] = '\n';
		buf_reset(&b);
		gz_add(&b, text, strlen(h) + len + 1, 0);
		if (b.len >= 65535)
			break;
	}
	assert_int_equal(b.len, 65535);
	gz_add(&b, "{}\n{}\n", 6, 6);
	assert_int_equal(read_file_all(b.p, b.len, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(read_all(b.p, b.len, 1u << 20, &n, &e), 0);
	assert_int_equal(n, 3);
	b.len = 65535;
	buf_add(&b, "\x1fX", 2);
	assert_int_equal(read_file_all(b.p, b.len, &n, &e), ERR_INPUT);
	assert_string_equal(strstr(e.msg, ": line 3: "), ": line 3: trailing "
	    "garbage after the gzip data");
	b.len = 65535;
	buf_add(&b, "\x1f", 1);
	assert_int_equal(read_file_all(b.p, b.len, &n, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, ": line 3: truncated"));
	free(text);
	buf_release(&b);
}

/* A line past the ceiling fails when it passes it, not when it ends. */
static void
test_batch_long_line(void **state)
{
	struct batch_reader	*r;
	struct batch_header	 hd;
	const char		*h = header_line(1), *line;
	struct buf		 b;
	struct err		 e;
	size_t			 big = 5u << 20, len, lineno;
	char			*a;
	double			 t;

	(void)state;
	a = malloc(strlen(h) + big);
	memcpy(a, h, strlen(h));
	memset(a + strlen(h), 'a', big);
	buf_init(&b, 1u << 20);
	gz_add(&b, a, strlen(h) + big, 9);
	free(a);
	err_init(&e);
	t = now();
	assert_int_equal(batch_reader_mem(b.p, b.len, BATCH_FILE_MAX_INFLATED,
	    &r, &e), 0);
	assert_int_equal(batch_read_header(r, &hd, &e), 0);
	batch_header_release(&hd);
	assert_int_equal(batch_next(r, &line, &len, &lineno, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 2: line longer than 4194304 bytes");
	/* Nothing more was inflated than the line and one window. */
	assert_true(batch_inflated(r) <= strlen(h) + BATCH_LINE_MAX +
	    (64u << 10));
	print_message("5 MB line (%zu bytes gzipped): refused after %" PRIu64
	    " bytes inflated, %.1f ms\n", b.len, batch_inflated(r),
	    (now() - t) * 1e3);
	/* The error stays. */
	err_init(&e);
	assert_int_equal(batch_next(r, &line, &len, &lineno, &e), ERR_INPUT);
	assert_string_equal(e.msg, "line 2: line longer than 4194304 bytes");
	batch_reader_free(r);
	buf_release(&b);
}

/*
 * gzip of head, then n bytes of fill, a newline ending every line bytes
 * when nl; deflated as a stream (the input is never in memory).
 */
static void
bomb(struct buf *out, const char *head, size_t n, size_t line, char fill,
    int nl)
{
	z_stream	 zs;
	unsigned char	 chunk[65536];
	char		*in;
	size_t		 done = 0, k;
	int		 zrc;

	in = malloc(line);
	memset(in, fill, line);
	if (nl)
		in[line - 1] = '\n';
	buf_init(out, 8u << 20);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)head;
	zs.avail_in = (uInt)strlen(head);
	for (;;) {
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zrc = deflate(&zs, done < n ? Z_NO_FLUSH : Z_FINISH);
			buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
		} while (zs.avail_out == 0);
		if (zrc == Z_STREAM_END)
			break;
		k = n - done < line ? n - done : line;
		zs.next_in = (unsigned char *)in;
		zs.avail_in = (uInt)k;
		done += k;
	}
	deflateEnd(&zs);
	free(in);
}

/*
 * 200 MB in lines of 100 KB behind a header that counts a million: the
 * line ceiling does not stop it, max_inflated does. 200 MB of zeros with
 * no newline: the line ceiling stops it first.
 */
static void
test_batch_bomb(void **state)
{
	struct batch_reader	*r;
	const char		*line;
	struct buf		 b;
	struct err		 e;
	size_t			 len, lineno, n = 0;
	double			 t;
	int			 rc;

	(void)state;
	bomb(&b, header_line(1000000), 200u << 20, 100u << 10, ' ', 1);
	err_init(&e);
	t = now();
	assert_int_equal(batch_reader_mem(b.p, b.len, BATCH_HTTP_MAX_INFLATED,
	    &r, &e), 0);
	while ((rc = batch_next(r, &line, &len, &lineno, &e)) == 0 &&
	    line != NULL)
		n++;
	assert_int_equal(rc, ERR_INPUT);
	assert_string_equal(e.msg, "line 657: inflates past 67108864 bytes");
	assert_int_equal(batch_inflated(r), BATCH_HTTP_MAX_INFLATED + 1);
	print_message("200 MB bomb (%zu bytes gzipped): %zu lines, refused "
	    "after %" PRIu64 " bytes inflated, %.1f ms\n", b.len, n,
	    batch_inflated(r), (now() - t) * 1e3);
	batch_reader_free(r);
	buf_release(&b);

	bomb(&b, "", 200u << 20, 1u << 20, '\0', 0);
	t = now();
	assert_int_equal(read_all(b.p, b.len, BATCH_HTTP_MAX_INFLATED, &n, &e),
	    ERR_INPUT);
	assert_string_equal(e.msg, "line 1: line longer than 4194304 bytes");
	print_message("200 MB of zeros (%zu bytes gzipped): refused in "
	    "%.1f ms\n", b.len, (now() - t) * 1e3);
	buf_release(&b);
}

/* The file reader names its file; a file that is not there is ERR_IO. */
static void
test_batch_file_errors(void **state)
{
	struct batch_reader	*r;
	struct batch_header	 h;
	struct buf		 b;
	struct err		 e;
	char			 path[] = "/tmp/test_sync.XXXXXX", want[128];
	FILE			*fp;
	int			 fd;

	(void)state;
	err_init(&e);
	assert_int_equal(batch_reader_file("/nonexistent/b.gz", 1024, &r, &e),
	    ERR_IO);
	assert_null(r);
	assert_string_equal(e.msg, "cannot open '/nonexistent/b.gz': No such "
	    "file or directory");

	gz(&b, "{\"format\":\"collector-batch\",\"version\":7}\n");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "wb"));
	fwrite(b.p, 1, b.len, fp);
	fclose(fp);
	err_init(&e);
	assert_int_equal(batch_reader_file(path, 1024, &r, &e), 0);
	assert_int_equal(batch_read_header(r, &h, &e), ERR_INPUT);
	assert_null(h.device_id);
	snprintf(want, sizeof(want), "%s: line 1: batch version is not 1, "
	    "the only one this program reads", path);
	assert_string_equal(e.msg, want);
	batch_reader_free(r);

	/* A directory opens, and fails on reading. */
	err_init(&e);
	assert_int_equal(batch_reader_file("/tmp", 1024, &r, &e), 0);
	assert_int_equal(batch_read_header(r, &h, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "/tmp: line 1: cannot read: "));
	batch_reader_free(r);
	unlink(path);
	buf_release(&b);
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

static void
test_results_round_trip(void **state)
{
	struct results		 r, got;
	struct err		 e;
	const char		*want;
	char			*s;
	size_t			 i;
	enum result_status	 st;

	(void)state;
	err_init(&e);
	results_init(&r);
	snprintf(r.batch_id, sizeof(r.batch_id), "%s", BATCH_ID);
	assert_int_equal(results_add(&r, ID(01), RESULT_STORED, NULL, &e), 0);
	assert_int_equal(results_add(&r, ID(02), RESULT_DUPLICATE, NULL, &e),
	    0);
	assert_int_equal(results_add(&r, ID(03), RESULT_CONFLICT,
	    "other content under this id", &e), 0);
	assert_int_equal(results_add(&r, ID(04), RESULT_REJECTED,
	    "unknown form version 'x' «ñ»", &e), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(results_add(&r, ID(05), RESULT_STORED, NULL,
		    &e), 0);
	s = results_encode(&r);
	assert_non_null(s);
	want = "{\"batch_id\":\"" BATCH_ID "\",\"results\":[{\"instance_id\":"
	    "\"" ID(01) "\",\"status\":\"stored\",\"reason\":null},";
	assert_int_equal(strncmp(s, want, strlen(want)), 0);
	assert_int_equal(results_decode(s, strlen(s), &got, &e), 0);
	assert_string_equal(got.batch_id, BATCH_ID);
	assert_int_equal(got.n, r.n);
	for (i = 0; i < r.n; i++) {
		assert_string_equal(got.v[i].instance_id, r.v[i].instance_id);
		assert_int_equal(got.v[i].status, r.v[i].status);
		if (r.v[i].reason == NULL)
			assert_null(got.v[i].reason);
		else
			assert_string_equal(got.v[i].reason, r.v[i].reason);
	}
	results_release(&got);
	results_release(&r);
	assert_int_equal(r.n, 0);
	free(s);

	for (st = RESULT_STORED; st <= RESULT_REJECTED; st++) {
		enum result_status back;

		assert_int_equal(result_status_parse(result_status_name(st),
		    &back), 0);
		assert_int_equal(back, st);
	}
	assert_int_equal(result_status_parse("Stored", &st), ERR_INPUT);
}

static void
test_results_refusals(void **state)
{
#define B	"{\"batch_id\":\"" BATCH_ID "\","
	static const char *const t[] = {
		"",
		"<!DOCTYPE html><html><head><title>Wi-Fi login</title>",
		"{\"batch_id\":\"" BATCH_ID "\",\"results\":[{\"instance_id\":",
		B "\"results\":[{\"instance_id\":\"x\",\"status\":\"kept\"}]}",
		B "\"results\":[{\"instance_id\":\"x\"}]}",
		B "\"results\":[{\"status\":\"stored\"}]}",
		B "\"results\":[{\"instance_id\":1,\"status\":\"stored\"}]}",
		B "\"results\":[{\"instance_id\":\"x\",\"status\":\"stored\","
		    "\"reason\":5}]}",
		B "\"results\":[{\"instance_id\":\"x\",\"status\":\"stored\","
		    "\"extra\":5}]}",
		B "\"results\":[\"x\"]}",
		B "\"results\":{}}",
		B "\"results\":[],\"more\":1}",
		B "\"results\":[],\"results\":[]}",
		"{\"batch_id\":\"x\",\"results\":[]}",
		"{\"results\":[]}",
		"[]",
		"null",
		"{\"error\":\"internal\"}",
	};
#undef B
	const char	*want = "the hub's answer is not a batch result (a "
			    "captive portal?): ";
	struct results	 got;
	struct err	 e;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err_init(&e);
		if (results_decode(t[i], strlen(t[i]), &got, &e) != ERR_IO)
			fail_msg("%zu accepted: %s", i, t[i]);
		assert_int_equal(got.n, 0);
		assert_null(got.v);
		if (strncmp(e.msg, want, strlen(want)) != 0)
			fail_msg("%zu: '%s'", i, e.msg);
	}
	/* The right shape, reason optional, no results at all. */
	err_init(&e);
	want = "{\"batch_id\":\"" BATCH_ID "\",\"results\":[]}";
	assert_int_equal(results_decode(want, strlen(want), &got, &e), 0);
	assert_int_equal(got.n, 0);
	results_release(&got);
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

static void
test_client_url(void **state)
{
	static const struct {
		const char	*hub, *path, *want;
	} t[] = {
		{ "https://h", "/api/v1/ping", "https://h/api/v1/ping" },
		{ "https://h/", "/api/v1/ping", "https://h/api/v1/ping" },
		{ "https://h//", "api/v1/ping", "https://h/api/v1/ping" },
		{ "https://h:8443/hub", "/api/v1/forms",
		    "https://h:8443/hub/api/v1/forms" },
		{ "https://h/hub/", "forms/a.xlsx",
		    "https://h/hub/forms/a.xlsx" },
		{ "https://h/hub", "https://cdn.example/a.xlsx",
		    "https://cdn.example/a.xlsx" },
		{ "https://h/hub", "HTTP://h/a", "HTTP://h/a" },
	};
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = client_url(t[i].hub, t[i].path);
		assert_string_equal(s, t[i].want);
		free(s);
	}
}

/*
 * A server for one connection: reads one request (headers and a
 * Content-Length body), answers head and body (with its Content-Length;
 * body NULL: head is the whole answer), then filler bytes, then sits
 * silent for stall seconds before it closes.
 */
struct server {
	int		 fd;
	int		 port;
	pthread_t	 th;
	char		 resp[4096];
	size_t		 filler;
	int		 stall;
	char		 req[1 << 18];
	size_t		 req_len;	/* bytes received */
	size_t		 sent;		/* bytes sent */
};

static void *
serve(void *arg)
{
	struct server	*s = arg;
	char		 chunk[65536], *end, *cl;
	size_t		 want = 0;
	ssize_t		 n;
	int		 c;

	if ((c = accept(s->fd, NULL, NULL)) < 0)
		return NULL;
	for (;;) {
		n = recv(c, s->req + s->req_len, sizeof(s->req) - 1 -
		    s->req_len, 0);
		if (n <= 0)
			break;
		s->req_len += (size_t)n;
		s->req[s->req_len] = '\0';
		if ((end = strstr(s->req, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0) {
			cl = strcasestr(s->req, "\r\nContent-Length: ");
			want = (size_t)(end + 4 - s->req) + (cl != NULL ?
			    strtoul(cl + 18, NULL, 10) : 0);
		}
		if (s->req_len >= want)
			break;
	}
	n = send(c, s->resp, strlen(s->resp), MSG_NOSIGNAL);
	if (n > 0)
		s->sent += (size_t)n;
	memset(chunk, 'x', sizeof(chunk));
	while (s->filler > 0) {
		n = send(c, chunk, s->filler < sizeof(chunk) ? s->filler :
		    sizeof(chunk), MSG_NOSIGNAL);
		if (n <= 0)
			break;
		s->filler -= (size_t)n;
		s->sent += (size_t)n;
	}
	if (s->stall)
		sleep((unsigned)s->stall);
	close(c);
	return NULL;
}

static int
listener(int *port)
{
	struct sockaddr_in	a;
	socklen_t		len = sizeof(a);
	int			fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static struct server *
server_start(const char *head, const char *body, size_t filler, int stall)
{
	struct server	*s = calloc(1, sizeof(*s));

	if (body != NULL)
		snprintf(s->resp, sizeof(s->resp), "%sContent-Length: %zu"
		    "\r\n\r\n%s", head, strlen(body), body);
	else
		snprintf(s->resp, sizeof(s->resp), "%s", head);
	s->filler = filler;
	s->stall = stall;
	s->fd = listener(&s->port);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
	return s;
}

static void
server_stop(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->fd);
}

#define OK	"HTTP/1.1 200 OK\r\n"

/* What each answer to an upload means, and what the hub was sent. */
static void
test_client_post(void **state)
{
	static const struct {
		const char	*head, *body;
		int		 rc;
		long		 status;
		const char	*msg;
	} t[] = {
		{ OK "Content-Type: application/json\r\n", "{\"batch_id\":\""
		    BATCH_ID "\",\"results\":[{\"instance_id\":\"" ID(01)
		    "\",\"status\":\"stored\"},{\"instance_id\":\"x\","
		    "\"status\":\"duplicate\",\"reason\":null}]}", 0, 200, "" },
		{ OK, "<html><body>Login to Wi-Fi</body></html>", ERR_IO, 200,
		    "the hub's answer is not a batch result (a captive "
		    "portal?)" },
		{ OK, "{\"batch_id\":\"" BATCH_ID "\",\"results\":[", ERR_IO,
		    200, "the hub's answer is not a batch result" },
		{ OK, "", ERR_IO, 200, "the hub's answer is not a batch "
		    "result" },
		{ "HTTP/1.1 401 Unauthorized\r\n", "", ERR_INPUT, 401,
		    "the hub refused this device's token (revoked or wrong): "
		    "ask the office" },
		{ "HTTP/1.1 400 Bad Request\r\n", "{\"error\":\"line 2: "
		    "missing 'form_id'\\u001b[31m\"}", ERR_INPUT, 400,
		    "the hub refused the batch (HTTP 400): line 2: missing "
		    "'form_id' [31m" },
		{ "HTTP/1.1 413 Too Large\r\n", "", ERR_INPUT, 413,
		    "the hub refused the batch (HTTP 413): no reason given" },
		{ "HTTP/1.1 415 Unsupported\r\n", "<p>no</p>", ERR_INPUT, 415,
		    "the hub refused the batch (HTTP 415): no reason given" },
		{ "HTTP/1.1 503 Busy\r\n", "{\"error\":\"database locked\"}",
		    ERR_IO, 503, "http://127.0.0.1:" },
		{ "HTTP/1.1 302 Found\r\nLocation: http://portal/\r\n", "",
		    ERR_IO, 302, "http://127.0.0.1:" },
		{ OK "Content-Length: 500\r\n\r\n{\"batch", NULL, ERR_IO, 200,
		    "no answer from the hub at http://127.0.0.1:" },
	};
	struct client	 c;
	struct results	 res;
	struct server	*s;
	struct buf	 body;
	struct err	 e;
	char		 hub[64];
	long		 status;
	size_t		 i;

	(void)state;
	gz(&body, header_line(0));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = server_start(t[i].head, t[i].body, 0, 0);
		snprintf(hub, sizeof(hub), "http://127.0.0.1:%d/", s->port);
		err_init(&e);
		assert_int_equal(client_init(&c, hub, "s3cret-t0ken", NULL,
		    &e), 0);
		assert_int_equal(client_post_batch(&c, body.p, body.len, &res,
		    &status, &e), t[i].rc);
		server_stop(s);
		assert_int_equal(status, t[i].status);
		if (strncmp(e.msg, t[i].msg, strlen(t[i].msg)) != 0)
			fail_msg("%zu: '%s', want '%s'", i, e.msg, t[i].msg);
		assert_null(strstr(e.msg, "s3cret"));
		if (t[i].rc != 0)
			assert_null(res.v);
		if (i == 8)
			assert_non_null(strstr(e.msg, " answered HTTP 503: "
			    "database locked"));
		if (i == 0) {
			assert_int_equal(res.n, 2);
			assert_int_equal(res.v[1].status, RESULT_DUPLICATE);
			/* What went out, and what was counted. */
			assert_non_null(strstr(s->req, "POST /api/v1/batches "
			    "HTTP/1.1\r\n"));
			assert_non_null(strstr(s->req, "\r\nAuthorization: "
			    "Bearer s3cret-t0ken\r\n"));
			assert_non_null(strstr(s->req, "\r\nContent-Type: "
			    "application/x-ndjson\r\n"));
			assert_non_null(strstr(s->req, "\r\nContent-Encoding: "
			    "gzip\r\n"));
			assert_non_null(strstr(s->req, "\r\nUser-Agent: "
			    "collector/"));
			assert_null(strcasestr(s->req, "\r\nExpect:"));
			assert_memory_equal(s->req + s->req_len - body.len,
			    body.p, body.len);
			print_message("upload of %zu bytes: %zu sent, %" PRIu64
			    " counted; %zu received, %" PRIu64 " counted\n",
			    body.len, s->req_len, c.bytes_up, s->sent,
			    c.bytes_down);
			assert_int_equal(c.bytes_up, s->req_len);
			assert_int_equal(c.bytes_down, s->sent);
		}
		free(s);
		results_release(&res);
		client_release(&c);
	}
	buf_release(&body);

	/* A body past 64 KiB goes out apart from the header: counted once
	 * all the same. */
	buf_init(&body, 1u << 20);
	for (i = 0; i < 100000; i++)
		buf_addc(&body, (char)(i * 7919 % 251));
	s = server_start(t[0].head, t[0].body, 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	assert_int_equal(client_post_batch(&c, body.p, body.len, &res,
	    &status, &e), 0);
	server_stop(s);
	assert_int_equal(c.bytes_up, s->req_len);
	assert_int_equal(c.bytes_down, s->sent);
	free(s);
	results_release(&res);
	client_release(&c);
	buf_release(&body);
}

static void
test_client_ping_get(void **state)
{
	struct client	 c;
	struct server	*s;
	struct buf	 body;
	struct err	 e;
	char		 hub[64], url[96], *etag;
	int		 nm, fd, port;

	(void)state;
	buf_init(&body, 1u << 20);
	s = server_start(OK, "{\"hub\":\"0.1.0\"}\n", 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	err_init(&e);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	assert_int_equal(client_ping(&c, &e), 0);
	server_stop(s);
	assert_non_null(strstr(s->req, "GET /api/v1/ping HTTP/1.1\r\n"));
	assert_null(strstr(s->req, "Authorization"));
	free(s);
	client_release(&c);

	s = server_start(OK, "<html></html>", 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	assert_int_equal(client_ping(&c, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "answers, but not as a collector hub"));
	server_stop(s);
	free(s);
	client_release(&c);

	/* 200 with an ETag; the token goes to the hub's origin. */
	s = server_start(OK "ETag: \"v2\"\r\n", "[]", 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d/", s->port);
	err_init(&e);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	assert_int_equal(client_get(&c, "/api/v1/forms", "\"v1\"", &body,
	    &etag, &nm, &e), 0);
	server_stop(s);
	assert_int_equal(nm, 0);
	assert_string_equal(body.p, "[]");
	assert_string_equal(etag, "\"v2\"");
	free(etag);
	assert_non_null(strstr(s->req, "GET /api/v1/forms HTTP/1.1\r\n"));
	assert_non_null(strstr(s->req, "\r\nIf-None-Match: \"v1\"\r\n"));
	assert_non_null(strstr(s->req, "\r\nAuthorization: Bearer tok\r\n"));
	free(s);
	client_release(&c);

	/* 304: no body; another origin: no token. */
	s = server_start("HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\n\r\n",
	    NULL, 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d/", s->port);
	snprintf(url, sizeof(url), "http://localhost:%d/f.xlsx", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	assert_int_equal(client_get(&c, url, "\"v2\"", &body, &etag, &nm, &e),
	    0);
	server_stop(s);
	assert_int_equal(nm, 1);
	assert_int_equal(body.len, 0);
	assert_null(etag);
	assert_non_null(strstr(s->req, "GET /f.xlsx HTTP/1.1\r\n"));
	assert_null(strstr(s->req, "Authorization"));
	free(s);
	client_release(&c);

	/* 404 and 401. */
	s = server_start("HTTP/1.1 404 Not Found\r\n", "not found", 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	err_init(&e);
	assert_int_equal(client_get(&c, "x", NULL, &body, &etag, &nm, &e),
	    ERR_IO);
	assert_string_equal(e.msg, "x: the hub answered HTTP 404");
	assert_int_equal(body.len, 0);
	server_stop(s);
	free(s);
	client_release(&c);
	s = server_start("HTTP/1.1 401 No\r\n", "", 0, 0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	err_init(&e);
	assert_int_equal(client_get(&c, "x", NULL, &body, &etag, &nm, &e),
	    ERR_INPUT);
	server_stop(s);
	free(s);
	client_release(&c);

	/* Nobody listening. */
	fd = listener(&port);
	close(fd);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	err_init(&e);
	assert_int_equal(client_ping(&c, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "no answer from the hub at "));
	client_release(&c);

	/* Not a URL, a token that would break a header. */
	err_init(&e);
	assert_int_equal(client_init(&c, "hub.example", "tok", NULL, &e),
	    ERR_USAGE);
	err_init(&e);
	assert_int_equal(client_init(&c, hub, "tok\r\nX: 1", NULL, &e),
	    ERR_INPUT);
	buf_release(&body);
}

/* A stalled answer ends after low_speed_secs; a huge one at its ceiling. */
static void
test_client_limits(void **state)
{
	struct client	 c;
	struct server	*s;
	struct buf	 body;
	struct err	 e;
	char		 hub[64], *etag;
	double		 t;
	int		 nm;

	(void)state;
	buf_init(&body, 64u << 20);
	s = server_start(OK "Content-Length: 100\r\n\r\nab", NULL, 0, 3);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	err_init(&e);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	c.low_speed_secs = 1;
	t = now();
	assert_int_equal(client_get(&c, "x", NULL, &body, &etag, &nm, &e),
	    ERR_IO);
	t = now() - t;
	assert_true(t < 2.9);
	assert_non_null(strstr(e.msg, "no answer from the hub at "));
	print_message("stall: given up after %.1f s: %s\n", t, e.msg);
	server_stop(s);
	free(s);
	client_release(&c);

	s = server_start(OK "\r\n", NULL, CLIENT_MAX_RESPONSE + (1u << 20),
	    0);
	snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", s->port);
	assert_int_equal(client_init(&c, hub, "tok", NULL, &e), 0);
	err_init(&e);
	assert_int_equal(client_get(&c, "x", NULL, &body, &etag, &nm, &e),
	    ERR_IO);
	assert_string_equal(strstr(e.msg, ": the answer"), ": the answer is "
	    "larger than 33554432 bytes");
	assert_int_equal(body.len, 0);
	server_stop(s);
	free(s);
	client_release(&c);
	buf_release(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_round_trip),
		cmocka_unit_test(test_envelope_digest),
		cmocka_unit_test(test_envelope_fields),
		cmocka_unit_test(test_envelope_refusals),
		cmocka_unit_test(test_envelope_values_max),
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_batch_encode_refusals),
		cmocka_unit_test(test_batch_refusals),
		cmocka_unit_test(test_batch_gzip),
		cmocka_unit_test(test_batch_members),
		cmocka_unit_test(test_batch_chunk_edges),
		cmocka_unit_test(test_batch_long_line),
		cmocka_unit_test(test_batch_bomb),
		cmocka_unit_test(test_batch_file_errors),
		cmocka_unit_test(test_results_round_trip),
		cmocka_unit_test(test_results_refusals),
		cmocka_unit_test(test_client_url),
		cmocka_unit_test(test_client_post),
		cmocka_unit_test(test_client_ping_get),
		cmocka_unit_test(test_client_limits),
	};

	/* The test server is on 127.0.0.1: no proxy in between. */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
