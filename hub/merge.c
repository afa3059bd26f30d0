/*
 * merge.c: batches into the hub's store, keyed by instance_id.
 *
 * One transaction per batch: the reader is a stream, so a batch that
 * turns out malformed at its last line (truncated, a count that lied) has
 * had every earlier line merged already; rolling the transaction back is
 * what makes "a malformed batch stores nothing" true. A line that is bad
 * on its own is a result, not an error: it is rejected with its reason and
 * the next line goes on.
 *
 * Order of the tests on a line, cheapest and most certain first: the
 * envelope, the device, the form being published, then the instance id.
 * A duplicate is acknowledged without running the form engine again: what
 * is stored passed it when it was stored. Same content is first the same
 * bytes (a device sends its frozen line again), then the same
 * envelope_digest (the same content written otherwise): the digest, three
 * passes over the JSON, is only computed for a line whose id is stored
 * and whose bytes differ. Only a new id or a conflicting one is
 * re-validated, so that nothing the form's rules refuse is kept, not even
 * aside.
 *
 * The hot path, a hundred thousand times in a season's import: the parsed
 * form comes from a cache (a published version never changes), the data
 * object reaches the form engine as the tree envelope_decode built (no
 * second parse), the SQL statements are prepared once (store.c), and the
 * only allocations per line are the envelope's tree and the session.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub.h"

/* A rejected line that is not even an envelope: its instance_id is
 * looked for only when the line is no longer than this. */
#define ID_SCAN_MAX	(64u << 10)

struct merge_form {
	char		*form_id;
	char		*version;
	struct form	*form;		/* NULL: not published (this batch
					 * only: it may be published
					 * while the server runs) */
	char		*why;		/* published but not loadable */
};

/* One batch being merged. */
struct run {
	struct merge		*m;
	struct results		*out;
	struct merge_counts	*n;
	const char		*device;	/* the batch's */
	char			 received_at[40];
	int64_t			 batch;		/* its row */
	struct diags		 d;
	struct buf		 reason;
	struct buf		 stored;	/* a stored line, same id */
};

static double
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
hub_version_cmp(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 0 && lb > 0 && strspn(a, "0123456789") == la &&
	    strspn(b, "0123456789") == lb) {
		while (la > 1 && *a == '0') {
			a++;
			la--;
		}
		while (lb > 1 && *b == '0') {
			b++;
			lb--;
		}
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
}

void
merge_init(struct merge *m, struct hub_store *st)
{
	memset(m, 0, sizeof(*m));
	m->st = st;
}

static void
form_entry_release(struct merge_form *f)
{
	free(f->form_id);
	free(f->version);
	free(f->why);
	form_free(f->form);
}

void
merge_release(struct merge *m)
{
	size_t	i;

	for (i = 0; i < m->nforms; i++)
		form_entry_release(&m->forms[i]);
	free(m->forms);
	m->forms = NULL;
	m->nforms = 0;
}

/* Drop what was learnt of unpublished versions: a new batch asks again. */
static void
forget_unpublished(struct merge *m)
{
	size_t	i, j;

	for (i = j = 0; i < m->nforms; i++) {
		if (m->forms[i].form == NULL && m->forms[i].why == NULL)
			form_entry_release(&m->forms[i]);
		else
			m->forms[j++] = m->forms[i];
	}
	m->nforms = j;
}

/*
 * The parsed form of form_id at version, from the cache or the store.
 * *f NULL when it is not published, or (*why set) when its bytes do not
 * load in this engine.
 */
static int
find_form(struct merge *m, const char *form_id, const char *version,
    struct merge_form **out, struct err *e)
{
	struct merge_form	*mf, *v;
	struct hub_form		 hf;
	struct diags		 d;
	struct err		 le;
	size_t			 i;
	int			 found, rc;

	*out = NULL;
	for (i = 0; i < m->nforms; i++) {
		mf = &m->forms[i];
		if (strcmp(mf->form_id, form_id) == 0 &&
		    strcmp(mf->version, version) == 0) {
			*out = mf;
			return 0;
		}
	}
	if (m->nforms >= MERGE_FORMS_MAX)
		merge_release(m);
	if ((rc = hub_store_get_form(m->st, form_id, version, &hf, &found,
	    e)) != 0)
		return rc;
	if ((v = realloc(m->forms, (m->nforms + 1) * sizeof(*v))) == NULL) {
		hub_form_release(&hf);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	m->forms = v;
	mf = &m->forms[m->nforms];
	memset(mf, 0, sizeof(*mf));
	mf->form_id = strdup(form_id);
	mf->version = strdup(version);
	if (mf->form_id == NULL || mf->version == NULL) {
		form_entry_release(mf);
		hub_form_release(&hf);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	if (found) {
		diags_init(&d);
		err_init(&le);
		rc = form_load(hf.file, hf.content, hf.len, &mf->form, &d,
		    &le);
		if (rc == ERR_NOMEM) {
			diags_release(&d);
			form_entry_release(mf);
			hub_form_release(&hf);
			return err_set(e, rc, "%s", le.msg);
		}
		/* Checked when it was published; an engine that reads it
		 * otherwise now must still refuse its submissions, and say
		 * why. */
		if (rc != 0 && (mf->why = strdup(d.n > 0 ? d.v[0].msg :
		    le.msg)) == NULL) {
			diags_release(&d);
			form_entry_release(mf);
			hub_form_release(&hf);
			return err_set(e, ERR_NOMEM, _("out of memory"));
		}
		diags_release(&d);
	}
	hub_form_release(&hf);
	m->nforms++;
	*out = mf;
	return 0;
}

/* The instance_id of a line that is not a valid envelope, if it has one
 * to read; else NULL. Caller frees. */
static char *
scan_id(const char *line, size_t len)
{
	json_t		*root, *v;
	char		*id = NULL;

	if (len > ID_SCAN_MAX)
		return NULL;
	if ((root = json_loadb(line, len, 0, NULL)) == NULL)
		return NULL;
	v = json_object_get(root, "instance_id");
	if (json_is_string(v) && json_string_length(v) <= 64)
		id = strdup(json_string_value(v));
	json_decref(root);
	return id;
}

/* One line's outcome, to every place that wants it. */
static int
result(struct run *r, size_t lineno, const char *iid,
    enum result_status st, const char *reason, struct err *e)
{
	switch (st) {
	case RESULT_STORED:
		r->n->stored++;
		break;
	case RESULT_DUPLICATE:
		r->n->duplicate++;
		break;
	case RESULT_CONFLICT:
		r->n->conflict++;
		break;
	case RESULT_REJECTED:
		r->n->rejected++;
		break;
	}
	if (r->m->on_result != NULL)
		r->m->on_result(r->m->arg, lineno, iid, st, reason);
	if (r->out != NULL)
		return results_add(r->out, iid != NULL ? iid : "", st, reason,
		    e);
	return 0;
}

static int
reject(struct run *r, size_t lineno, const char *iid, const char *line,
    size_t len, const char *reason, struct err *e)
{
	struct hub_reject	 x;
	double			 t = mono();
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.instance_id = iid;
	x.device_id = r->device;
	x.reason = reason;
	x.received_at = r->received_at;
	x.batch = r->batch;
	x.lineno = lineno;
	x.line = line;
	x.len = len;
	rc = hub_store_add_rejection(r->m->st, &x, e);
	r->m->times.store += mono() - t;
	if (rc != 0)
		return rc;
	return result(r, lineno, iid, RESULT_REJECTED, reason, e);
}

/* The first problems the form engine found, as one reason. */
static const char *
problems(struct run *r, const struct err *le)
{
	size_t	i, shown = 0;

	buf_reset(&r->reason);
	if (le->code != 0)
		buf_addstr(&r->reason, le->msg);
	for (i = 0; i < r->d.n && shown < MERGE_REASON_PROBLEMS; i++) {
		if (r->d.v[i].level != DIAG_ERROR)
			continue;
		if (r->reason.len > 0)
			buf_addstr(&r->reason, "; ");
		buf_addstr(&r->reason, r->d.v[i].msg);
		shown++;
	}
	if (r->d.nerrors > shown)
		buf_addf(&r->reason, _(" (and %zu more)"),
		    r->d.nerrors - shown);
	if (r->reason.len == 0)
		buf_addstr(&r->reason, _("the form refuses the data"));
	return r->reason.p;
}

/*
 * Re-validate env's data with the form: 0 and *reason NULL when it
 * passes, *reason set when it does not; an error only when out of memory.
 */
static int
validate(struct run *r, const struct form *f, const struct envelope *env,
    const char **reason, struct err *e)
{
	struct session_opts	 o;
	struct session		*s = NULL;
	struct err		 le;
	size_t			 np;
	int			 rc;

	*reason = NULL;
	memset(&o, 0, sizeof(o));
	o.instance_id = env->instance_id;
	o.device_id = env->device_id;
	o.username = env->promoter;
	o.deprecated_id = env->deprecated_id;
	o.lang = f->default_lang;
	err_init(&le);
	if ((rc = session_new(f, &o, &s, &le)) != 0) {
		if (rc == ERR_NOMEM)
			return err_set(e, rc, "%s", le.msg);
		*reason = problems(r, &le);
		return 0;
	}
	diags_release(&r->d);
	diags_init(&r->d);
	np = session_fill_value(s, env->data_value, &r->d, &le);
	session_free(s);
	if (le.code == ERR_NOMEM)
		return err_set(e, ERR_NOMEM, "%s", le.msg);
	if (np > 0 || le.code != 0)
		*reason = problems(r, &le);
	return 0;
}

/*
 * Whether a line with the id of a stored one is the same submission:
 * the same bytes (a device sending its frozen line again), else the same
 * digest (the same content written otherwise: keys in another order,
 * 11.50 for 11.5). *digest gets the new line's digest when it was
 * computed ("" when the bytes matched).
 */
static int
same_content(struct run *r, const struct envelope *env, const char *line,
    size_t len, int *same, char digest[HUB_DIGEST_HEX], struct err *e)
{
	struct envelope	 old;
	struct err	 le;
	char		 had[HUB_DIGEST_HEX];
	int		 rc;

	*same = 0;
	digest[0] = '\0';
	if (r->stored.len == len && memcmp(r->stored.p, line, len) == 0) {
		*same = 1;
		return 0;
	}
	/* Both decoded once already, so only memory can fail here: any
	 * other failure leaves them different. */
	err_init(&le);
	if ((rc = envelope_digest(env, digest, &le)) == 0 &&
	    (rc = envelope_decode(r->stored.p, r->stored.len, &old,
	    &le)) == 0) {
		rc = envelope_digest(&old, had, &le);
		envelope_release(&old);
		if (rc == 0)
			*same = strcmp(had, digest) == 0;
	}
	if (rc == ERR_NOMEM)
		return err_set(e, rc, "%s", le.msg);
	return 0;
}

static int
merge_line(struct run *r, const char *line, size_t len, size_t lineno,
    struct err *e)
{
	struct merge		*m = r->m;
	struct merge_form	*mf;
	struct envelope		 env;
	struct hub_sub		 sub;
	struct err		 le;
	const char		*reason = NULL;
	char			*iid = NULL, digest[HUB_DIGEST_HEX];
	char			 why[MERGE_REASON_MAX];
	json_t			*district;
	double			 t0, t1;
	int			 found, same, added, again = 0, rc = 0;

	t0 = mono();
	err_init(&le);
	if (envelope_decode(line, len, &env, &le) != 0) {
		m->times.decode += mono() - t0;
		if (le.code == ERR_NOMEM)
			return err_set(e, ERR_NOMEM, "%s", le.msg);
		iid = scan_id(line, len);
		rc = reject(r, lineno, iid, line, len, le.msg, e);
		free(iid);
		return rc;
	}
	t1 = mono();
	m->times.decode += t1 - t0;
	iid = (char *)env.instance_id;
	if (env.finalized_at == NULL) {
		rc = reject(r, lineno, iid, line, len, _("a draft: a "
		    "submission is sent once finalized"), e);
		goto out;
	}
	if (strcmp(env.device_id, r->device) != 0) {
		snprintf(why, sizeof(why), _("device '%s' in a batch from "
		    "device '%s'"), env.device_id, r->device);
		rc = reject(r, lineno, iid, line, len, why, e);
		goto out;
	}
	if ((rc = find_form(m, env.form_id, env.form_version, &mf, e)) != 0)
		goto out;
	if (mf->form == NULL) {
		m->times.validate += mono() - t1;
		if (mf->why != NULL)
			snprintf(why, sizeof(why), _("form '%s' version '%s' "
			    "cannot be read: %s"), env.form_id,
			    env.form_version, mf->why);
		else
			snprintf(why, sizeof(why), _("unknown form or version: "
			    "'%s' version '%s' is not published on this hub"),
			    env.form_id, env.form_version);
		rc = reject(r, lineno, iid, line, len, why, e);
		goto out;
	}
	t0 = mono();
	m->times.validate += t0 - t1;
lookup:
	rc = hub_store_find_sub(m->st, iid, &r->stored, &found, e);
	m->times.store += mono() - t0;
	if (rc != 0)
		goto out;
	digest[0] = '\0';
	if (found) {
		t0 = mono();
		rc = same_content(r, &env, line, len, &same, digest, e);
		m->times.decode += mono() - t0;
		if (rc != 0)
			goto out;
		if (same) {
			rc = result(r, lineno, iid, RESULT_DUPLICATE, NULL, e);
			goto out;
		}
	}
	t0 = mono();
	rc = validate(r, mf->form, &env, &reason, e);
	m->times.validate += mono() - t0;
	if (rc != 0)
		goto out;
	if (reason != NULL) {
		rc = reject(r, lineno, iid, line, len, reason, e);
		goto out;
	}
	memset(&sub, 0, sizeof(sub));
	sub.instance_id = iid;
	sub.deprecated_id = env.deprecated_id;
	sub.form_id = env.form_id;
	sub.form_version = env.form_version;
	sub.device_id = env.device_id;
	district = json_object_get(env.data_value, "district");
	sub.district = json_is_string(district) ?
	    json_string_value(district) : NULL;
	sub.finalized_at = env.finalized_at;
	sub.received_at = r->received_at;
	sub.digest = digest;
	sub.line = line;
	sub.len = len;
	sub.batch = r->batch;
	t0 = mono();
	if (found)
		rc = hub_store_add_conflict(m->st, &sub, e);
	else if ((rc = hub_store_add_sub(m->st, &sub, &added, e)) == 0 &&
	    !added && !again) {
		/* Another hub process stored the same id meanwhile (it
		 * committed: the insert waited for it). Judge this one
		 * against what it stored, as if it had come second. */
		m->times.store += mono() - t0;
		again = 1;
		goto lookup;
	} else if (rc == 0 && !added)
		rc = err_set(e, ERR_IO, _("submission '%s': neither stored "
		    "nor found in the store"), iid);
	m->times.store += mono() - t0;
	if (rc != 0)
		goto out;
	if (found)
		rc = result(r, lineno, iid, RESULT_CONFLICT, _("another "
		    "submission with this instance_id is on the hub: kept "
		    "aside"), e);
	else
		rc = result(r, lineno, iid, RESULT_STORED, NULL, e);
out:
	envelope_release(&env);
	return rc;
}

int
merge_batch(struct merge *m, struct batch_reader *br, const char *device,
    enum hub_via via, struct results *out, struct merge_counts *n,
    struct err *e)
{
	struct batch_header	 h;
	struct hub_device	 dev;
	struct hub_batch	 b;
	struct run		 r;
	const char		*line;
	size_t			 len, lineno;
	double			 t;
	int			 found, rc, began = 0;

	memset(n, 0, sizeof(*n));
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	diags_init(&r.d);
	buf_init(&r.reason, 4 * MERGE_REASON_MAX);
	buf_init(&r.stored, BATCH_LINE_MAX + 1);
	if (out != NULL)
		results_init(out);
	forget_unpublished(m);
	t = mono();
	rc = batch_read_header(br, &h, e);
	m->times.read += mono() - t;
	if (rc != 0)
		goto out;
	if (m->max_count > 0 && h.count > m->max_count) {
		rc = err_set(e, ERR_INPUT, _("the batch counts %lld "
		    "submissions: at most %lld in one upload"),
		    (long long)h.count, (long long)m->max_count);
		goto out;
	}
	if (device != NULL && strcmp(h.device_id, device) != 0) {
		rc = err_set(e, ERR_INPUT, _("the batch is from device '%s' "
		    "but the token is device '%s'"), h.device_id, device);
		goto out;
	}
	if (device == NULL) {
		if ((rc = hub_store_get_device(m->st, h.device_id, &dev,
		    &found, e)) != 0)
			goto out;
		hub_device_release(&dev);
		if (!found) {
			rc = err_set(e, ERR_INPUT, _("device '%s' is not "
			    "enrolled: enrol it first with 'hub device add "
			    "%s'"), h.device_id, h.device_id);
			goto out;
		}
	}
	if (out != NULL)
		memcpy(out->batch_id, h.batch_id, sizeof(out->batch_id));
	r.m = m;
	r.out = out;
	r.n = n;
	r.device = h.device_id;
	datetime_format_local(clock_now(), r.received_at);
	memset(&b, 0, sizeof(b));
	b.batch_id = h.batch_id;
	b.device_id = h.device_id;
	b.received_at = r.received_at;
	b.via = via;
	b.count = h.count;
	if ((rc = hub_store_begin(m->st, e)) != 0)
		goto out;
	began = 1;
	if ((rc = hub_store_add_batch(m->st, &b, &r.batch, e)) != 0)
		goto out;
	for (;;) {
		t = mono();
		rc = batch_next(br, &line, &len, &lineno, e);
		m->times.read += mono() - t;
		if (rc != 0 || line == NULL)
			break;
		if ((rc = merge_line(&r, line, len, lineno, e)) != 0)
			break;
	}
	if (rc != 0)
		goto out;
	b.stored = (int64_t)n->stored;
	b.duplicates = (int64_t)n->duplicate;
	b.conflicts = (int64_t)n->conflict;
	b.rejected = (int64_t)n->rejected;
	t = mono();
	if ((rc = hub_store_end_batch(m->st, r.batch, &b, e)) == 0 &&
	    via == HUB_VIA_HTTP)
		rc = hub_store_touch_device(m->st, h.device_id, r.received_at,
		    e);
	if (rc == 0) {
		rc = hub_store_commit(m->st, e);
		began = 0;
	}
	m->times.store += mono() - t;
out:
	if (began)
		hub_store_rollback(m->st);
	if (rc != 0) {
		memset(n, 0, sizeof(*n));
		if (out != NULL)
			results_release(out);
	}
	batch_header_release(&h);
	diags_release(&r.d);
	buf_release(&r.reason);
	buf_release(&r.stored);
	return rc;
}
