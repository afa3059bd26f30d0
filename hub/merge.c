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
 * The store is asked per part of a batch, not per line: the lines of a
 * part are read and checked alone first (envelope, device, form), then
 * the ids of those that passed are looked up at once, each line judged
 * against what is stored, and what the part brings written at once
 * (store.h's hub_store_find_subs, hub_store_write): on PostgreSQL two
 * round trips for up to MERGE_PART_LINES lines, where a round trip per
 * statement cost ten times the merge itself. Results still go out in
 * the order of the lines.
 *
 * Between the look-up and the write, the id of a line may be stored:
 * by another hub process, or by an earlier line of the same part (a
 * device that sent one submission twice in a batch). The write skips it
 * (INSERT ... ON CONFLICT DO NOTHING; on PostgreSQL it waits for the
 * other process to commit), and the line is judged again against what
 * was stored first, as if it had come second: a duplicate, or a
 * conflict kept aside. It was validated already, as a new one.
 *
 * The hot path, a hundred thousand times in a season's import: the parsed
 * form comes from a cache (a published version never changes), the data
 * object reaches the form engine as the tree envelope_decode built (no
 * second parse), the SQL statements are prepared once (store_sqlite.c),
 * and the allocations per line are the envelope's tree, the session and
 * the copy of the line the part holds.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub.h"

/* A rejected line that is not even an envelope: its instance_id is
 * looked for only when the line is no longer than this. */
#define ID_SCAN_MAX	(64u << 10)
/* A part of a batch, looked up and written at once: at most this many
 * lines, and this many bytes of lines held (a line may have
 * BATCH_LINE_MAX): what a merge holds is that of a part, whatever the
 * batch. */
#define MERGE_PART_LINES	1000
#define MERGE_PART_BYTES	(8u << 20)

struct merge_form {
	char		*form_id;
	char		*version;
	struct form	*form;		/* NULL: not published (this batch
					 * only: it may be published
					 * while the server runs) */
	char		*why;		/* published but not loadable */
};

/* One line of the part being merged: what it became, or, checked, what
 * it waits for (the stored line of its id, if any). */
struct pending {
	size_t			 lineno;
	char			*line;		/* a copy: the reader's is
						 * borrowed until the next */
	size_t			 len;
	int			 checked;
	struct envelope		 env;		/* checked: decoded */
	const struct form	*form;		/* checked */
	char			*iid;		/* refused before: owned, or
						 * NULL */
	enum result_status	 status;
	char			*reason;	/* owned; NULL */
	char			*stored;	/* owned; NULL: none stored */
	size_t			 nstored;
	char			 digest[HUB_DIGEST_HEX];
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
	/* the part, and its rows for the store: MERGE_PART_LINES each */
	struct pending		*v;
	size_t			 nv;
	size_t			 bytes;
	const char		**ids;
	size_t			*who;		/* the line of each row */
	struct hub_sub		*subs;
	struct hub_sub		*conflicts;
	struct hub_reject	*rejects;
	unsigned char		*added;
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

static struct merge_form *
cached(struct merge *m, const char *form_id, const char *version)
{
	size_t	i;

	for (i = 0; i < m->nforms; i++)
		if (strcmp(m->forms[i].form_id, form_id) == 0 &&
		    strcmp(m->forms[i].version, version) == 0)
			return &m->forms[i];
	return NULL;
}

/*
 * The parsed form of form_id at version, from the cache or the store
 * (a full cache is emptied first: no line may still hold one of its
 * forms).
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
	int			 found, rc;

	if ((*out = cached(m, form_id, version)) != NULL)
		return 0;
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

/* Id of a line: the envelope's, or what was read of a refused one. */
static const char *
pending_id(const struct pending *p)
{
	return p->checked ? p->env.instance_id : p->iid;
}

static void
pending_release(struct pending *p)
{
	free(p->line);
	envelope_release(&p->env);
	free(p->iid);
	free(p->reason);
	free(p->stored);
	memset(p, 0, sizeof(*p));
}

/* A new line of the part (*out), with a copy of its text. */
static int
hold(struct run *r, const char *line, size_t len, size_t lineno,
    struct pending **out, struct err *e)
{
	struct pending	*p = &r->v[r->nv];

	memset(p, 0, sizeof(*p));
	if ((p->line = malloc(len > 0 ? len : 1)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	memcpy(p->line, line, len);
	p->len = len;
	p->lineno = lineno;
	r->nv++;
	r->bytes += len;
	*out = p;
	return 0;
}

/* p is a conflict: kept aside, and the device told so. */
static int
keep_aside(struct pending *p, struct err *e)
{
	p->status = RESULT_CONFLICT;
	if ((p->reason = strdup(_("another submission with this instance_id "
	    "is on the hub: kept aside"))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	return 0;
}

/* p is refused, with why (copied). */
static int
refuse(struct pending *p, const char *reason, struct err *e)
{
	p->status = RESULT_REJECTED;
	if ((p->reason = strdup(reason)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	return 0;
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
 * Whether p, whose id is stored (p->stored), is the same submission: the
 * same bytes (a device sending its frozen line again), else the same
 * digest (the same content written otherwise: keys in another order,
 * 11.50 for 11.5). p->digest gets p's digest when it was computed (""
 * when the bytes matched).
 */
static int
same_content(struct pending *p, int *same, struct err *e)
{
	struct envelope	 old;
	struct err	 le;
	char		 had[HUB_DIGEST_HEX];
	int		 rc;

	*same = 0;
	p->digest[0] = '\0';
	if (p->nstored == p->len && memcmp(p->stored, p->line, p->len) == 0) {
		*same = 1;
		return 0;
	}
	/* Both decoded once already, so only memory can fail here: any
	 * other failure leaves them different. */
	err_init(&le);
	if ((rc = envelope_digest(&p->env, p->digest, &le)) == 0 &&
	    (rc = envelope_decode(p->stored, p->nstored, &old, &le)) == 0) {
		rc = envelope_digest(&old, had, &le);
		envelope_release(&old);
		if (rc == 0)
			*same = strcmp(had, p->digest) == 0;
	}
	if (rc == ERR_NOMEM)
		return err_set(e, rc, "%s", le.msg);
	return 0;
}

/* hub_store_find_subs's: keep the stored line of the part's line. */
static int
found_one(size_t i, const char *line, size_t len, void *arg)
{
	struct run	*r = arg;
	struct pending	*p = &r->v[r->who[i]];

	free(p->stored);
	p->nstored = 0;
	if ((p->stored = malloc(len > 0 ? len : 1)) == NULL)
		return ERR_NOMEM;
	memcpy(p->stored, line, len);
	p->nstored = len;
	return 0;
}

/* The stored lines of the ids of the part's lines listed in r->who[0..n),
 * into each one's stored. */
static int
look_up(struct run *r, size_t n, struct err *e)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++)
		r->ids[i] = r->v[r->who[i]].env.instance_id;
	rc = hub_store_find_subs(r->m->st, r->ids, n, found_one, r, e);
	if (rc == ERR_NOMEM && e != NULL && e->code == 0)
		rc = err_set(e, rc, _("out of memory"));
	return rc;
}

static void
sub_of(struct run *r, const struct pending *p, struct hub_sub *sub)
{
	json_t	*district;

	memset(sub, 0, sizeof(*sub));
	sub->instance_id = p->env.instance_id;
	sub->deprecated_id = p->env.deprecated_id;
	sub->form_id = p->env.form_id;
	sub->form_version = p->env.form_version;
	sub->device_id = p->env.device_id;
	district = json_object_get(p->env.data_value, "district");
	sub->district = json_is_string(district) ?
	    json_string_value(district) : NULL;
	sub->finalized_at = p->env.finalized_at;
	sub->received_at = r->received_at;
	sub->digest = p->digest;
	sub->line = p->line;
	sub->len = p->len;
	sub->batch = r->batch;
}

/*
 * Judge p, whose stored line was looked up: duplicate, or re-validated
 * and then refused, a conflict or (nothing stored) new: *store 1.
 */
static int
judge(struct run *r, struct pending *p, int *store, struct err *e)
{
	const char	*reason = NULL;
	double		 t0;
	int		 same, rc;

	*store = 0;
	if (p->stored != NULL) {
		t0 = mono();
		rc = same_content(p, &same, e);
		r->m->times.decode += mono() - t0;
		if (rc != 0)
			return rc;
		if (same) {
			p->status = RESULT_DUPLICATE;
			return 0;
		}
	}
	t0 = mono();
	rc = validate(r, p->form, &p->env, &reason, e);
	r->m->times.validate += mono() - t0;
	if (rc != 0)
		return rc;
	if (reason != NULL)
		return refuse(p, reason, e);
	if (p->stored != NULL)
		return keep_aside(p, e);
	p->status = RESULT_STORED;
	*store = 1;
	return 0;
}

/*
 * The part is whole: look its ids up, judge each line, write what it
 * brings; then the results, in the order of the lines.
 */
static int
flush(struct run *r, struct err *e)
{
	struct hub_writes	 w;
	struct pending		*p;
	size_t			 i, n = 0, nr = 0, nc = 0, ns = 0, k;
	double			 t0 = mono();
	int			 store, same, rc;

	if (r->nv == 0)
		return 0;
	for (i = 0; i < r->nv; i++)
		if (r->v[i].checked)
			r->who[n++] = i;
	if ((rc = look_up(r, n, e)) != 0)
		goto out;
	r->m->times.store += mono() - t0;
	for (i = 0; i < r->nv; i++) {
		p = &r->v[i];
		if (p->checked && (rc = judge(r, p, &store, e)) != 0)
			goto out;
		if (p->checked && store) {
			sub_of(r, p, &r->subs[ns]);
			r->who[ns++] = i;
		} else if (p->status == RESULT_CONFLICT)
			sub_of(r, p, &r->conflicts[nc++]);
		else if (p->status == RESULT_REJECTED) {
			memset(&r->rejects[nr], 0, sizeof(r->rejects[nr]));
			r->rejects[nr].instance_id = pending_id(p);
			r->rejects[nr].device_id = r->device;
			r->rejects[nr].reason = p->reason;
			r->rejects[nr].received_at = r->received_at;
			r->rejects[nr].batch = r->batch;
			r->rejects[nr].lineno = p->lineno;
			r->rejects[nr].line = p->line;
			r->rejects[nr].len = p->len;
			nr++;
		}
	}
	t0 = mono();
	memset(&w, 0, sizeof(w));
	w.subs = r->subs;
	w.nsubs = ns;
	w.added = r->added;
	w.conflicts = r->conflicts;
	w.nconflicts = nc;
	w.rejects = r->rejects;
	w.nrejects = nr;
	if ((rc = hub_store_write(r->m->st, &w, e)) != 0)
		goto out;
	/* Those stored meanwhile, by another process or an earlier line
	 * of the part: judged against what was stored first. */
	for (i = k = 0; i < ns; i++)
		if (!r->added[i])
			r->who[k++] = r->who[i];
	if (k > 0 && (rc = look_up(r, k, e)) != 0)
		goto out;
	for (i = nc = 0; i < k; i++) {
		p = &r->v[r->who[i]];
		if (p->stored == NULL) {
			rc = err_set(e, ERR_IO, _("submission '%s': neither "
			    "stored nor found in the store"),
			    p->env.instance_id);
			goto out;
		}
		if ((rc = same_content(p, &same, e)) != 0)
			goto out;
		p->status = RESULT_DUPLICATE;
		if (!same) {
			if ((rc = keep_aside(p, e)) != 0)
				goto out;
			sub_of(r, p, &r->conflicts[nc++]);
		}
	}
	if (nc > 0) {
		memset(&w, 0, sizeof(w));
		w.conflicts = r->conflicts;
		w.nconflicts = nc;
		if ((rc = hub_store_write(r->m->st, &w, e)) != 0)
			goto out;
	}
	r->m->times.store += mono() - t0;
	for (i = 0; i < r->nv && rc == 0; i++) {
		p = &r->v[i];
		rc = result(r, p->lineno, pending_id(p), p->status, p->reason,
		    e);
	}
out:
	for (i = 0; i < r->nv; i++)
		pending_release(&r->v[i]);
	r->nv = 0;
	r->bytes = 0;
	return rc;
}

/* Check a line alone, and add it to the part (closing the part first
 * when a form its lines hold would leave the cache). */
static int
merge_line(struct run *r, const char *line, size_t len, size_t lineno,
    struct err *e)
{
	struct merge		*m = r->m;
	struct merge_form	*mf;
	struct pending		*p;
	struct envelope		 env;
	struct err		 le;
	const char		*why = NULL;
	char			 text[MERGE_REASON_MAX];
	double			 t0, t1;
	int			 rc = 0;

	memset(&env, 0, sizeof(env));
	t0 = mono();
	err_init(&le);
	if (envelope_decode(line, len, &env, &le) != 0) {
		m->times.decode += mono() - t0;
		if (le.code == ERR_NOMEM)
			return err_set(e, ERR_NOMEM, "%s", le.msg);
		if ((rc = hold(r, line, len, lineno, &p, e)) != 0)
			return rc;
		p->iid = scan_id(line, len);
		return refuse(p, le.msg, e);
	}
	t1 = mono();
	m->times.decode += t1 - t0;
	if (env.finalized_at == NULL)
		why = _("a draft: a submission is sent once finalized");
	else if (strcmp(env.device_id, r->device) != 0) {
		snprintf(text, sizeof(text), _("device '%s' in a batch from "
		    "device '%s'"), env.device_id, r->device);
		why = text;
	}
	if (why == NULL && r->nv > 0 && m->nforms >= MERGE_FORMS_MAX &&
	    cached(m, env.form_id, env.form_version) == NULL &&
	    (rc = flush(r, e)) != 0)
		goto out;
	if (why == NULL && (rc = find_form(m, env.form_id, env.form_version,
	    &mf, e)) != 0)
		goto out;
	if (why == NULL && mf->form == NULL) {
		if (mf->why != NULL)
			snprintf(text, sizeof(text), _("form '%s' version '%s' "
			    "cannot be read: %s"), env.form_id,
			    env.form_version, mf->why);
		else
			snprintf(text, sizeof(text), _("unknown form or "
			    "version: '%s' version '%s' is not published on "
			    "this hub"), env.form_id, env.form_version);
		why = text;
	}
	m->times.validate += mono() - t1;
	if (why != NULL) {
		if ((rc = hold(r, line, len, lineno, &p, e)) != 0)
			goto out;
		if ((p->iid = strdup(env.instance_id)) == NULL) {
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			goto out;
		}
		rc = refuse(p, why, e);
		goto out;
	}
	if ((rc = hold(r, line, len, lineno, &p, e)) != 0)
		goto out;
	p->checked = 1;
	p->env = env;
	p->form = mf->form;
	return 0;
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
	size_t			 len, lineno, i;
	double			 t;
	int			 found, rc, began = 0;

	memset(n, 0, sizeof(*n));
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	diags_init(&r.d);
	buf_init(&r.reason, 4 * MERGE_REASON_MAX);
	if (out != NULL)
		results_init(out);
	r.v = calloc(MERGE_PART_LINES, sizeof(*r.v));
	r.ids = calloc(MERGE_PART_LINES, sizeof(*r.ids));
	r.who = calloc(MERGE_PART_LINES, sizeof(*r.who));
	r.subs = calloc(MERGE_PART_LINES, sizeof(*r.subs));
	r.conflicts = calloc(MERGE_PART_LINES, sizeof(*r.conflicts));
	r.rejects = calloc(MERGE_PART_LINES, sizeof(*r.rejects));
	r.added = calloc(MERGE_PART_LINES, sizeof(*r.added));
	if (r.v == NULL || r.ids == NULL || r.who == NULL || r.subs == NULL ||
	    r.conflicts == NULL || r.rejects == NULL || r.added == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
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
		if ((r.nv >= MERGE_PART_LINES || r.bytes >= MERGE_PART_BYTES) &&
		    (rc = flush(&r, e)) != 0)
			break;
	}
	if (rc == 0)
		rc = flush(&r, e);
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
	if (r.v != NULL)
		for (i = 0; i < r.nv; i++)
			pending_release(&r.v[i]);
	free(r.v);
	free(r.ids);
	free(r.who);
	free(r.subs);
	free(r.conflicts);
	free(r.rejects);
	free(r.added);
	return rc;
}
