/*
 * test_hub.c: the merge's rules (hub/merge.c) over a real store
 * (hub/store.c): stored, duplicate, conflict, rejected for each reason,
 * revision chains in either order, a bad line that does not block the
 * rest, a malformed batch that stores nothing; and the store's own
 * promises (a stored submission never changes, tokens, form versions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <zlib.h>

#include "../../hub/hub.h"

#define DEV	"dev-01"
#define VER	"2026120701"	/* the bundled anaemia survey's */

/* An 18-month-old at 3,000 m, 11.5 g/dL: moderate anaemia; 80.5 cm and
 * 10.5 kg. */
static const char child[] = "{\"district\":\"030401\","
    "\"community\":\"Pampamarca\",\"household_id\":\"030401-0127\","
    "\"visit_date\":\"2026-11-20\",\"sex\":\"m\","
    "\"birth_date\":\"2025-05-02\",\"length_position\":\"lying\","
    "\"length_cm\":80.5,\"oedema\":\"no\",\"weight_kg\":10.5,"
    "\"altitude_m\":3000,\"altitude_source\":\"gps\","
    "\"hb_measured\":11.5}";

struct fixture {
	char			 home[64];
	struct hub_store	*st;
	struct merge		 m;
	char			*data;		/* child's data, as filled */
};

static const struct bundled_form *
bundled(const char *name)
{
	size_t	i;

	for (i = 0; i < bundled_nforms; i++)
		if (strcmp(bundled_forms[i].name, name) == 0)
			return &bundled_forms[i];
	fail_msg("no bundled form %s", name);
	return NULL;
}

/* The data object of a submission filled from answers, as the collector
 * writes it (computed values included). */
static char *
filled(const char *answers)
{
	const struct bundled_form	*b = bundled("anemia.csv");
	struct session_opts		 o;
	struct session			*s;
	struct form			*f;
	struct diags			 d;
	struct err			 e;
	char				*json;

	diags_init(&d);
	err_init(&e);
	assert_int_equal(form_load("anemia.csv", b->data, b->len, &f, &d, &e),
	    0);
	memset(&o, 0, sizeof(o));
	o.device_id = DEV;
	assert_int_equal(session_new(f, &o, &s, &e), 0);
	assert_int_equal(session_fill_json(s, answers, strlen(answers), &d,
	    &e), 0);
	session_finalize(s, clock_now());
	json = session_data_json(s);
	assert_non_null(json);
	session_free(s);
	form_free(f);
	diags_release(&d);
	return json;
}

static int
setup(void **state)
{
	const struct bundled_form	*b = bundled("anemia.csv");
	struct fixture			*fx = calloc(1, sizeof(*fx));
	struct hub_device		 d;
	struct hub_form			 hf;
	struct err			 e;
	enum hub_put			 how;
	unsigned char			 hash[HUB_TOKEN_HASH_BYTES];

	err_init(&e);
	snprintf(fx->home, sizeof(fx->home), "/tmp/test_hub.XXXXXX");
	assert_non_null(mkdtemp(fx->home));
	assert_int_equal(hub_store_create(fx->home, &fx->st, &e), 0);
	assert_int_equal(hub_store_publish(fx->st, &e), 0);
	assert_int_equal(hub_store_open(fx->home, &fx->st, &e), 0);
	memset(&hf, 0, sizeof(hf));
	hf.form_id = "anemia";
	hf.version = VER;
	hf.title = "Anemia";
	hf.file = "anemia.csv";
	hf.published_at = "2026-11-25T08:00:00-05:00";
	hf.content = (void *)b->data;
	hf.len = b->len;
	assert_int_equal(hub_store_put_form(fx->st, &hf, &how, &e), 0);
	memset(&d, 0, sizeof(d));
	memset(hash, 1, sizeof(hash));
	d.id = DEV;
	d.created_at = "2026-11-25T08:00:00-05:00";
	assert_int_equal(hub_store_add_device(fx->st, &d, hash, &e), 0);
	merge_init(&fx->m, fx->st);
	fx->data = filled(child);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	merge_release(&fx->m);
	hub_store_close(fx->st);
	free(fx->data);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->home);
	if (system(cmd) != 0)
		return 1;
	free(fx);
	return 0;
}

/* A submission line; n names its instance id (uuid:...-00000000000n),
 * dep the one it replaces (0: none). */
static char *
line(int n, int dep_n, const char *device,
    const char *version, const char *finalized, const char *data)
{
	struct envelope	 env;
	char		 iid[48], dep[48];

	snprintf(iid, sizeof(iid), "uuid:00000000-0000-4000-8000-%012d", n);
	if (dep_n > 0)
		snprintf(dep, sizeof(dep),
		    "uuid:00000000-0000-4000-8000-%012d", dep_n);
	memset(&env, 0, sizeof(env));
	env.instance_id = iid;
	env.deprecated_id = dep_n > 0 ? dep : NULL;
	env.form_id = "anemia";
	env.form_version = version;
	env.device_id = device;
	env.promoter = "Ana Quispe";
	env.started_at = "2026-11-20T09:00:00.000-05:00";
	env.finalized_at = finalized;
	env.data = data;
	return envelope_encode(&env);
}

static char *
good(struct fixture *fx, int n)
{
	return line(n, 0, DEV, VER, "2026-11-20T09:06:00.000-05:00",
	    fx->data);
}

/* gzip (RFC 1952) of p[0..n) into out. */
static void
gzip_text(const char *p, size_t n, struct buf *out)
{
	unsigned char	chunk[65536];
	z_stream	zs;
	int		zrc;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = deflate(&zs, Z_FINISH);
		assert_int_equal(buf_add(out, chunk, sizeof(chunk) -
		    zs.avail_out), 0);
	} while (zrc == Z_OK);
	assert_int_equal(zrc, Z_STREAM_END);
	deflateEnd(&zs);
}

/*
 * Merge the lines as one batch whose header names device and claims
 * count submissions (-1: the number of lines); token_dev is the
 * upload's token (NULL: an import). rc from merge_batch.
 */
static int
merge_lines(struct fixture *fx, const char *device, const char *token_dev,
    char **lines, size_t n, int64_t count, struct results *res,
    struct merge_counts *c, struct err *e)
{
	struct batch_reader	*br = NULL;
	struct buf		 text, gz;
	size_t			 i;
	int			 rc;

	buf_init(&text, 1u << 26);
	buf_init(&gz, 1u << 26);
	buf_addf(&text, "{\"format\":\"collector-batch\",\"version\":1,"
	    "\"batch_id\":\"11111111-2222-4333-8444-555555555555\","
	    "\"device_id\":\"%s\",\"created_at\":"
	    "\"2026-11-20T10:00:00-05:00\",\"count\":%lld}\n", device,
	    (long long)(count >= 0 ? count : (int64_t)n));
	for (i = 0; i < n; i++) {
		buf_addstr(&text, lines[i]);
		buf_addc(&text, '\n');
	}
	gzip_text(text.p, text.len, &gz);
	results_init(res);
	rc = batch_reader_mem(gz.p, gz.len, BATCH_HTTP_MAX_INFLATED, &br, e);
	if (rc == 0)
		rc = merge_batch(&fx->m, br, token_dev, token_dev != NULL ?
		    HUB_VIA_HTTP : HUB_VIA_IMPORT, res, c, e);
	batch_reader_free(br);
	buf_release(&text);
	buf_release(&gz);
	return rc;
}

static void
free_lines(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

static struct hub_totals
totals(struct fixture *fx)
{
	struct hub_totals	t;
	struct err		e;

	err_init(&e);
	assert_int_equal(hub_store_totals(fx->st, &t, &e), 0);
	return t;
}

static void
test_stored_then_duplicate(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	char			*v[1];

	err_init(&e);
	v[0] = good(fx, 1);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 1, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.v[0].status, RESULT_STORED);
	assert_null(res.v[0].reason);
	assert_string_equal(res.v[0].instance_id,
	    "uuid:00000000-0000-4000-8000-000000000001");
	assert_string_equal(res.batch_id,
	    "11111111-2222-4333-8444-555555555555");
	assert_int_equal(c.stored, 1);
	results_release(&res);
	/* Sent again (a cut answer, a stick carried twice): counts once. */
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 1, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.v[0].status, RESULT_DUPLICATE);
	assert_int_equal(c.duplicate, 1);
	results_release(&res);
	assert_int_equal(totals(fx).submissions, 1);
	assert_int_equal(totals(fx).batches, 2);
	/* The same content written otherwise (keys in another order, a
	 * number spelt 11.50) is the same submission. */
	{
		json_t	*j = json_loads(v[0], 0, NULL);
		char	*o, *w[1], *p;

		assert_non_null(j);
		o = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(j);
		assert_non_null(p = strstr(o, "\"hb_measured\":11.5"));
		w[0] = malloc(strlen(o) + 2);
		snprintf(w[0], strlen(o) + 2, "%.*s11.50%s",
		    (int)(p - o + 14), o, p + 18);
		assert_string_not_equal(w[0], v[0]);
		assert_int_equal(merge_lines(fx, DEV, DEV, w, 1, -1, &res, &c,
		    &e), 0);
		assert_int_equal(res.v[0].status, RESULT_DUPLICATE);
		results_release(&res);
		free(w[0]);
		free(o);
	}
	free_lines(v, 1);
}

static int
grab_line(const char *l, size_t len, void *arg)
{
	char	**out = arg;

	free(*out);
	*out = strndup(l, len);
	return 0;
}

static void
test_conflict_kept_aside(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	char			*v[2], *other, *got = NULL;

	err_init(&e);
	v[0] = good(fx, 1);
	other = filled("{\"district\":\"030401\",\"community\":\"Pampamarca\","
	    "\"household_id\":\"030401-0127\",\"visit_date\":\"2026-11-20\","
	    "\"sex\":\"m\",\"birth_date\":\"2025-05-02\","
	    "\"length_position\":\"lying\",\"length_cm\":80.5,"
	    "\"oedema\":\"no\",\"weight_kg\":10.5,\"altitude_m\":3000,"
	    "\"altitude_source\":\"gps\",\"hb_measured\":11.6}");
	v[1] = line(1, 0, DEV, VER, "2026-11-20T09:06:00.000-05:00",
	    other);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 2, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.v[0].status, RESULT_STORED);
	assert_int_equal(res.v[1].status, RESULT_CONFLICT);
	assert_non_null(res.v[1].reason);
	results_release(&res);
	/* The same conflict again is kept once. */
	assert_int_equal(merge_lines(fx, DEV, DEV, v + 1, 1, -1, &res, &c,
	    &e), 0);
	assert_int_equal(res.v[0].status, RESULT_CONFLICT);
	results_release(&res);
	assert_int_equal(totals(fx).conflicts, 1);
	assert_int_equal(totals(fx).submissions, 1);
	/* Never overwriting: the first content is the one kept. */
	assert_int_equal(hub_store_each_current(fx->st, "anemia", grab_line,
	    &got, &e), 0);
	assert_string_equal(got, v[0]);
	free(got);
	free(other);
	free_lines(v, 2);
}

static void
test_rejected_reasons(void **state)
{
	static const struct {
		const char	*what;
		const char	*reason;	/* part of it */
	} cases[] = {
		{ "not json", "not JSON" },
		{ "not an envelope", "missing 'instance_id'" },
		{ "draft", "draft" },
		{ "other device", "device 'dev-99' in a batch from device "
		    "'dev-01'" },
		{ "unknown form", "unknown form or version" },
		{ "unknown version", "unknown form or version" },
		{ "constraint", "hb_measured" },
		{ "unknown question", "'colour' is not a question" },
		{ "required", "hb_measured" },
		{ "100,000 fields", "values in one submission" },
	};
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	struct buf		 big;
	char			*v[10], *typo, *extra, *missing;
	size_t			 i;

	err_init(&e);
	typo = strdup(fx->data);
	memcpy(strstr(typo, "11.5"), "115 ", 4);
	extra = strdup(child);
	extra[strlen(extra) - 1] = '\0';
	missing = strdup(child);
	*strstr(missing, ",\"hb_measured\"") = '\0';
	buf_init(&big, 1u << 24);
	v[0] = strdup("{\"instance_id\":\"uuid:00000000-0000-4000-8000-"
	    "000000000001\",");
	v[1] = strdup("{}");
	v[2] = line(3, 0, DEV, VER, NULL, fx->data);
	v[3] = line(4, 0, "dev-99", VER, "2026-11-20T09:06:00-05:00",
	    fx->data);
	v[4] = line(5, 0, DEV, VER, "2026-11-20T09:06:00-05:00", fx->data);
	memcpy(strstr(v[4], "\"anemia\""), "\"anemix\"", 8);
	v[5] = line(6, 0, DEV, "1999", "2026-11-20T09:06:00-05:00",
	    fx->data);
	v[6] = line(7, 0, DEV, VER, "2026-11-20T09:06:00-05:00", typo);
	{
		struct buf	x;

		buf_init(&x, 1u << 16);
		buf_addstr(&x, extra);
		buf_addstr(&x, ",\"colour\":\"red\"}");
		v[7] = line(8, 0, DEV, VER, "2026-11-20T09:06:00-05:00",
		    x.p);
		buf_release(&x);
	}
	{
		struct buf	x;

		buf_init(&x, 1u << 16);
		buf_addstr(&x, missing);
		buf_addc(&x, '}');
		v[8] = line(9, 0, DEV, VER, "2026-11-20T09:06:00-05:00",
		    x.p);
		buf_release(&x);
	}
	buf_addstr(&big, "{\"district\":\"030401\"");
	for (i = 0; i < 100000; i++)
		buf_addf(&big, ",\"f%zu\":1", i);
	buf_addc(&big, '}');
	v[9] = line(10, 0, DEV, VER, "2026-11-20T09:06:00-05:00", big.p);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 10, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.n, 10);
	for (i = 0; i < 10; i++) {
		if (res.v[i].status != RESULT_REJECTED ||
		    res.v[i].reason == NULL ||
		    strstr(res.v[i].reason, cases[i].reason) == NULL)
			fail_msg("%s: got %s '%s', want rejected '%s'",
			    cases[i].what, result_status_name(res.v[i].status),
			    res.v[i].reason ? res.v[i].reason : "(null)",
			    cases[i].reason);
	}
	/* A line that has an id names it even when it is refused; one
	 * that has none cannot. */
	assert_string_equal(res.v[0].instance_id, "");
	assert_string_equal(res.v[3].instance_id,
	    "uuid:00000000-0000-4000-8000-000000000004");
	assert_int_equal(c.rejected, 10);
	results_release(&res);
	assert_int_equal(totals(fx).rejections, 10);
	assert_int_equal(totals(fx).submissions, 0);
	/* The same refused lines again are kept once. */
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 10, -1, &res, &c, &e),
	    0);
	results_release(&res);
	assert_int_equal(totals(fx).rejections, 10);
	free_lines(v, 10);
	free(typo);
	free(extra);
	free(missing);
	buf_release(&big);
}

static void
test_bad_line_does_not_block(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	char			*v[3];

	err_init(&e);
	v[0] = good(fx, 1);
	v[1] = strdup("{\"truncated");
	v[2] = good(fx, 2);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 3, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.v[0].status, RESULT_STORED);
	assert_int_equal(res.v[1].status, RESULT_REJECTED);
	assert_int_equal(res.v[2].status, RESULT_STORED);
	assert_string_equal(res.v[2].instance_id,
	    "uuid:00000000-0000-4000-8000-000000000002");
	results_release(&res);
	assert_int_equal(totals(fx).submissions, 2);
	free_lines(v, 3);
}

static void
test_malformed_stores_nothing(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	char			*v[2];

	v[0] = good(fx, 1);
	v[1] = good(fx, 2);
	/* A header that lies about the count: found at the end, after
	 * both lines were merged. */
	err_init(&e);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 2, 3, &res, &c, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "line"));
	assert_int_equal(res.n, 0);
	assert_int_equal(c.stored, 0);
	assert_int_equal(totals(fx).submissions, 0);
	assert_int_equal(totals(fx).batches, 0);
	assert_int_equal(totals(fx).rejections, 0);
	/* A batch from another device than the token's. */
	err_init(&e);
	assert_int_equal(merge_lines(fx, "dev-02", DEV, v, 2, -1, &res, &c,
	    &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "dev-02"));
	assert_int_equal(totals(fx).batches, 0);
	/* An import from a device not enrolled. */
	err_init(&e);
	assert_int_equal(merge_lines(fx, "dev-02", NULL, v, 2, -1, &res, &c,
	    &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "hub device add dev-02"));
	assert_int_equal(totals(fx).batches, 0);
	/* A header counting more than an upload may hold: refused before
	 * a line is read. */
	err_init(&e);
	fx->m.max_count = 1;
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 2, -1, &res, &c, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "at most 1"));
	fx->m.max_count = 0;
	/* And the store still takes the good batch afterwards. */
	err_init(&e);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 2, -1, &res, &c, &e),
	    0);
	results_release(&res);
	assert_int_equal(totals(fx).submissions, 2);
	free_lines(v, 2);
}

static void
test_truncated_stores_nothing(void **state)
{
	struct fixture		*fx = *state;
	struct batch_header	 h;
	struct batch_reader	*br;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	struct buf		 gz;
	char			*v[3];
	size_t			 lens[3], i;

	err_init(&e);
	for (i = 0; i < 3; i++) {
		v[i] = good(fx, (int)i + 1);
		lens[i] = strlen(v[i]);
	}
	memset(&h, 0, sizeof(h));
	snprintf(h.batch_id, sizeof(h.batch_id),
	    "11111111-2222-4333-8444-555555555555");
	h.device_id = DEV;
	snprintf(h.created_at, sizeof(h.created_at),
	    "2026-11-20T10:00:00-05:00");
	h.count = 3;
	buf_init(&gz, 1u << 20);
	assert_int_equal(batch_encode(&h, (const char *const *)v, lens, 3,
	    -1, &gz, &e), 0);
	/* Cut before the gzip trailer: every line may be there, the end is
	 * not. */
	assert_int_equal(batch_reader_mem(gz.p, gz.len - 4,
	    BATCH_HTTP_MAX_INFLATED, &br, &e), 0);
	assert_int_equal(merge_batch(&fx->m, br, DEV, HUB_VIA_HTTP, &res, &c,
	    &e), ERR_INPUT);
	batch_reader_free(br);
	assert_int_equal(totals(fx).submissions, 0);
	assert_int_equal(totals(fx).batches, 0);
	buf_release(&gz);
	free_lines(v, 3);
}

static void
test_revision_chain(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	char			*a, *b, *cc, *got = NULL;

	err_init(&e);
	a = good(fx, 1);
	b = line(2, 1, DEV, VER, "2026-11-21T09:06:00.000-05:00", fx->data);
	cc = line(3, 2, DEV, VER, "2026-11-22T09:06:00.000-05:00",
	    fx->data);
	/* The newest first (a stick carried late with the older ones). */
	assert_int_equal(merge_lines(fx, DEV, DEV, &cc, 1, -1, &res, &c, &e),
	    0);
	results_release(&res);
	assert_int_equal(totals(fx).submissions, 1);
	assert_int_equal(merge_lines(fx, DEV, DEV, &a, 1, -1, &res, &c, &e),
	    0);
	results_release(&res);
	/* a and c, unrelated until b links them. */
	assert_int_equal(totals(fx).submissions, 2);
	assert_int_equal(merge_lines(fx, DEV, DEV, &b, 1, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.v[0].status, RESULT_STORED);
	results_release(&res);
	assert_int_equal(totals(fx).submissions, 1);
	assert_int_equal(totals(fx).revisions, 3);
	assert_int_equal(hub_store_each_current(fx->st, "anemia", grab_line,
	    &got, &e), 0);
	assert_string_equal(got, cc);
	free(got);
	free(a);
	free(b);
	free(cc);
}

static void
test_submission_immutable(void **state)
{
	struct fixture		*fx = *state;
	struct merge_counts	 c;
	struct results		 res;
	struct err		 e;
	sqlite3			*db;
	char			 p[128], *v[1];

	err_init(&e);
	v[0] = good(fx, 1);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 1, -1, &res, &c, &e),
	    0);
	results_release(&res);
	snprintf(p, sizeof(p), "%s/hub.db", fx->home);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE submissions SET "
	    "line = 'x'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM submissions",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(totals(fx).submissions, 1);
	free_lines(v, 1);
}

static void
test_devices(void **state)
{
	struct fixture		*fx = *state;
	struct hub_device	 d, got;
	struct err		 e;
	unsigned char		 h[HUB_TOKEN_HASH_BYTES];
	int			 found, was;

	err_init(&e);
	memset(h, 1, sizeof(h));
	assert_int_equal(hub_store_device_by_token(fx->st, h, &got, &found,
	    &e), 0);
	assert_true(found);
	assert_string_equal(got.id, DEV);
	assert_null(got.revoked_at);
	hub_device_release(&got);
	h[31] = 2;
	assert_int_equal(hub_store_device_by_token(fx->st, h, &got, &found,
	    &e), 0);
	assert_false(found);
	/* An id is enrolled once. */
	memset(&d, 0, sizeof(d));
	d.id = DEV;
	d.created_at = "2026-11-25T08:00:00-05:00";
	assert_int_equal(hub_store_add_device(fx->st, &d, h, &e), ERR_INPUT);
	err_init(&e);
	assert_int_equal(hub_store_revoke_device(fx->st, DEV,
	    "2026-11-26T08:00:00-05:00", &was, &e), 0);
	assert_false(was);
	assert_int_equal(hub_store_revoke_device(fx->st, DEV,
	    "2026-11-27T08:00:00-05:00", &was, &e), 0);
	assert_true(was);
	memset(h, 1, sizeof(h));
	assert_int_equal(hub_store_device_by_token(fx->st, h, &got, &found,
	    &e), 0);
	assert_true(found);
	assert_string_equal(got.revoked_at, "2026-11-26T08:00:00-05:00");
	hub_device_release(&got);
	assert_int_equal(hub_store_revoke_device(fx->st, "nobody", "x", &was,
	    &e), ERR_INPUT);
}

static void
test_form_versions(void **state)
{
	struct fixture	*fx = *state;
	struct hub_form	 hf, got;
	struct err	 e;
	enum hub_put	 how;
	int		 found;

	err_init(&e);
	memset(&hf, 0, sizeof(hf));
	hf.form_id = "t";
	hf.version = "1";
	hf.title = "T";
	hf.file = "t.csv";
	hf.published_at = "2026-11-25T08:00:00-05:00";
	hf.content = "bytes";
	hf.len = 5;
	assert_int_equal(hub_store_put_form(fx->st, &hf, &how, &e), 0);
	assert_int_equal(how, HUB_PUT_NEW);
	assert_int_equal(hub_store_put_form(fx->st, &hf, &how, &e), 0);
	assert_int_equal(how, HUB_PUT_SAME);
	hf.content = "other";
	assert_int_equal(hub_store_put_form(fx->st, &hf, &how, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "raise the version"));
	err_init(&e);
	assert_int_equal(hub_store_get_form(fx->st, "t", "1", &got, &found,
	    &e), 0);
	assert_true(found);
	assert_int_equal(got.len, 5);
	assert_memory_equal(got.content, "bytes", 5);
	hub_form_release(&got);
	assert_int_equal(hub_store_get_form(fx->st, "t", "2", &got, &found,
	    &e), 0);
	assert_false(found);
}

static void
test_version_cmp(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 want;
	} cases[] = {
		{ "2", "10", -1 },
		{ "10", "2", 1 },
		{ "2026112501", "2026112501", 0 },
		{ "007", "7", 0 },
		{ "2027010501", "2026112501", 1 },
		{ "1.10", "1.9", -1 },		/* not digits only: bytes */
		{ "b", "a", 1 },
		{ "", "1", -1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (hub_version_cmp(cases[i].a, cases[i].b) != cases[i].want)
			fail_msg("'%s' vs '%s': want %d", cases[i].a,
			    cases[i].b, cases[i].want);
}

static void
test_form_published_later(void **state)
{
	const struct bundled_form	*b = bundled("anemia.csv");
	struct fixture			*fx = *state;
	struct merge_counts		 c;
	struct results			 res;
	struct hub_form			 hf;
	struct err			 e;
	enum hub_put			 how;
	char				*v[1];

	err_init(&e);
	v[0] = line(1, 0, DEV, "2027010501",
	    "2026-11-20T09:06:00.000-05:00", fx->data);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 1, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.v[0].status, RESULT_REJECTED);
	results_release(&res);
	/* The same merge object (a server that runs on) sees a version
	 * published meanwhile. */
	memset(&hf, 0, sizeof(hf));
	hf.form_id = "anemia";
	hf.version = "2027010501";
	hf.title = "Anemia";
	hf.file = "anemia.csv";
	hf.published_at = "2027-01-05T08:00:00-05:00";
	hf.content = (void *)b->data;
	hf.len = b->len;
	assert_int_equal(hub_store_put_form(fx->st, &hf, &how, &e), 0);
	assert_int_equal(merge_lines(fx, DEV, DEV, v, 1, -1, &res, &c, &e),
	    0);
	assert_int_equal(res.v[0].status, RESULT_STORED);
	results_release(&res);
	free_lines(v, 1);
}

/* session_fill_value (forms/) is session_fill_json without the text:
 * the same problems for the same answers. */
static void
test_fill_value(void **state)
{
	static const char *const cases[] = {
		child,
		"{\"district\":\"030401\",\"hb_measured\":115}",
		"{\"district\":\"030401\",\"colour\":\"red\"}",
		"{}",
	};
	const struct bundled_form	*b = bundled("anemia.csv");
	struct session			*s1, *s2;
	struct session_opts		 o;
	struct form			*f;
	struct diags			 d1, d2;
	struct err			 e;
	json_t				*v;
	char				*j1, *j2;
	size_t				 i, n1, n2;

	(void)state;
	diags_init(&d1);
	err_init(&e);
	assert_int_equal(form_load("anemia.csv", b->data, b->len, &f, &d1,
	    &e), 0);
	memset(&o, 0, sizeof(o));
	o.instance_id = "uuid:00000000-0000-4000-8000-000000000001";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diags_init(&d1);
		diags_init(&d2);
		assert_int_equal(session_new(f, &o, &s1, &e), 0);
		assert_int_equal(session_new(f, &o, &s2, &e), 0);
		n1 = session_fill_json(s1, cases[i], strlen(cases[i]), &d1,
		    &e);
		assert_non_null(v = json_loads(cases[i], 0, NULL));
		n2 = session_fill_value(s2, v, &d2, &e);
		assert_int_equal(n1, n2);
		assert_int_equal(d1.n, d2.n);
		if (d1.n > 0)
			assert_string_equal(d1.v[0].msg, d2.v[0].msg);
		j1 = session_data_json(s1);
		j2 = session_data_json(s2);
		assert_string_equal(j1, j2);
		free(j1);
		free(j2);
		json_decref(v);
		session_free(s1);
		session_free(s2);
		diags_release(&d1);
		diags_release(&d2);
	}
	/* Anything but an object is an error about the whole, as text. */
	assert_int_equal(session_new(f, &o, &s1, &e), 0);
	diags_init(&d1);
	v = json_array();
	err_init(&e);
	assert_int_equal(session_fill_value(s1, v, &d1, &e), 1);
	assert_int_equal(e.code, ERR_INPUT);
	json_decref(v);
	session_free(s1);
	diags_release(&d1);
	form_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stored_then_duplicate,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_kept_aside,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_reasons, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_line_does_not_block,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_stores_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_stores_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision_chain, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_submission_immutable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_form_versions, setup,
		    teardown),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_fill_value),
		cmocka_unit_test_setup_teardown(test_form_published_later,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
