/*
 * fill.c: a forms session joined to the store.
 *
 * The session lives in memory; the store holds the truth. After every
 * accepted answer fill_save() writes what the session changed
 * (session_take_changes) in one transaction, so the store is always a
 * draft the person could resume: kill -9 between two answers loses
 * nothing, and kill -9 during a commit loses at most that answer (SQLite
 * rolls the half-written transaction back).
 *
 * A draft keeps the form version it started with (submissions.form is a
 * form row, not a form_id); new fills use the current version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fill.h"
#include "wire.h"

static int
nomem(struct err *e)
{
	return err_set(e, ERR_NOMEM, _("out of memory"));
}

static int
parse_form(struct fill *fl, struct err *e)
{
	struct diags	d;
	struct buf	b;
	int		rc;

	diags_init(&d);
	rc = form_load(fl->sf.file, fl->sf.content, fl->sf.len, &fl->form, &d,
	    e);
	if (rc != 0 && d.nerrors > 0) {
		buf_init(&b, 4096);
		diags_format(&d, fl->sf.file, &b);
		if (b.len > 0 && b.p[b.len - 1] == '\n')
			b.p[--b.len] = '\0';
		err_set(e, ERR_INPUT, _("installed form '%s' version '%s' "
		    "does not load: %s"), fl->sf.form_id, fl->sf.version,
		    b.p != NULL ? b.p : "?");
		buf_release(&b);
	} else if (rc != 0)
		err_prefix(e, _("form '%s'"), fl->sf.form_id);
	diags_release(&d);
	return rc;
}

int
fill_load_form(struct fill *fl, struct store *st, const char *form_id,
    struct err *e)
{
	int	rc;

	memset(fl, 0, sizeof(*fl));
	fl->st = st;
	if ((rc = store_get_form(st, form_id, &fl->sf, e)) != 0)
		return rc;
	return parse_form(fl, e);
}

int
fill_load_form_row(struct fill *fl, struct store *st, int64_t row,
    struct err *e)
{
	int	rc;

	memset(fl, 0, sizeof(*fl));
	fl->st = st;
	if ((rc = store_get_form_by_row(st, row, &fl->sf, e)) != 0)
		return rc;
	return parse_form(fl, e);
}

int
fill_lang(const struct form *f, const char *lang, size_t *out,
    struct err *e)
{
	struct buf	b;
	size_t		i;
	int		k, rc;

	*out = f->default_lang;
	if (lang == NULL)
		return 0;
	if ((k = form_lang(f, lang)) >= 0) {
		*out = (size_t)k;
		return 0;
	}
	buf_init(&b, 4096);
	for (i = 0; i < f->nlangs; i++)
		buf_addf(&b, "%s'%s'", i > 0 ? ", " : "", f->langs[i].name);
	rc = err_set(e, ERR_USAGE, _("form '%s' has no language '%s' "
	    "(it has %s)"), f->id, lang, b.p != NULL ? b.p : "");
	buf_release(&b);
	return rc;
}

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
fill_start(struct fill *fl, const char *lang, const char *deprecated,
    struct err *e)
{
	struct session_opts	 o;
	char			 uuid[UUID_STR_LEN + 1], iid[64], at[40];
	char			*device = NULL, *promoter = NULL;
	int			 rc;

	if ((rc = fill_lang(fl->form, lang, &fl->lang, e)) != 0)
		return rc;
	if ((rc = store_get_setting(fl->st, "device_id", &device, e)) != 0 ||
	    (rc = store_get_setting(fl->st, "promoter", &promoter, e)) != 0)
		goto out;
	if (device == NULL) {
		rc = err_set(e, ERR_IO, _("%s: no device id: run '%s init "
		    "--device ID'"), fl->st->db->path, fl->prog != NULL ?
		    fl->prog : "collector");
		goto out;
	}
	uuid_v4(uuid);
	if (uuid[0] == '\0') {
		/* No randomness (sodium_init failed): an id "uuid:" would
		 * collide with the next one. */
		rc = err_set(e, ERR_IO, _("cannot make a survey id: no "
		    "source of random numbers"));
		goto out;
	}
	snprintf(iid, sizeof(iid), "uuid:%s", uuid);
	memset(&o, 0, sizeof(o));
	o.instance_id = iid;
	o.device_id = device;
	o.username = promoter;
	o.deprecated_id = deprecated;
	o.lang = fl->lang;
	o.start = clock_now();
	datetime_format_local(o.start, at);
	fl->sub.instance_id = strdup(iid);
	fl->sub.form = fl->sf.id;
	fl->sub.form_id = xstrdup(fl->sf.form_id);
	fl->sub.form_version = xstrdup(fl->sf.version);
	fl->sub.deprecated_id = xstrdup(deprecated);
	fl->sub.device_id = device;
	fl->sub.promoter = promoter;
	fl->sub.started_at = strdup(at);
	fl->sub.lang = xstrdup(fl->form->langs[fl->lang].name);
	device = promoter = NULL;
	if (fl->sub.instance_id == NULL || fl->sub.started_at == NULL ||
	    fl->sub.form_id == NULL || fl->sub.lang == NULL) {
		rc = nomem(e);
		goto out;
	}
	rc = session_new(fl->form, &o, &fl->s, e);
out:
	free(device);
	free(promoter);
	return rc;
}

struct restore {
	struct fill	*fl;
	int		 skip_meta;
	int		 nomem;
};

/* Whether path's last step names a metadata field ("meta/instanceID",
 * "start"). */
static int
is_meta(const struct form *f, const char *path)
{
	const struct field	*fd;
	const char		*name;
	char			 last[256];
	size_t			 n;

	name = strrchr(path, '/');
	name = name != NULL ? name + 1 : path;
	n = strcspn(name, "[");
	if (n >= sizeof(last))
		return 0;
	memcpy(last, name, n);
	last[n] = '\0';
	fd = form_field(f, last);
	return fd != NULL && fd->kind == FK_META;
}

static void
restore_one(const char *path, const char *value, void *arg)
{
	struct restore	*r = arg;

	struct err	 one;
	int		 rc;

	if (r->nomem || (r->skip_meta && is_meta(r->fl->form, path)))
		return;
	/* A path the form does not have (a store changed by hand, damaged)
	 * is left out of the session: the first one is kept for the
	 * command to warn about, with a count. */
	err_init(&one);
	if ((rc = session_restore(r->fl->s, path, value, &one)) == 0)
		return;
	if (rc == ERR_NOMEM) {
		r->nomem = 1;
		return;
	}
	if (r->fl->nskipped++ == 0)
		err_set(&r->fl->skipped, rc, "%s", one.msg);
}

int
fill_resume(struct fill *fl, const struct store_sub *from, int skip_meta,
    struct err *e)
{
	struct session_opts	 o;
	struct restore		 r;
	double			 start;
	int			 rc, k;

	k = from->lang != NULL ? form_lang(fl->form, from->lang) : -1;
	fl->lang = k >= 0 ? (size_t)k : fl->form->default_lang;
	memset(&o, 0, sizeof(o));
	o.lang = fl->lang;
	if (skip_meta) {
		/* A revision: a new submission replacing `from'. */
		rc = fill_start(fl, from->lang, from->instance_id, e);
		if (rc != 0)
			return rc;
	} else {
		if (datetime_parse(from->started_at, &start) != 0)
			start = clock_now();
		o.instance_id = from->instance_id;
		o.device_id = from->device_id;
		o.username = from->promoter;
		o.deprecated_id = from->deprecated_id;
		o.start = start;
		fl->sub.id = from->id;
		fl->sub.instance_id = xstrdup(from->instance_id);
		fl->sub.form = from->form;
		fl->sub.form_id = xstrdup(from->form_id);
		fl->sub.form_version = xstrdup(from->form_version);
		fl->sub.deprecated_id = xstrdup(from->deprecated_id);
		fl->sub.device_id = xstrdup(from->device_id);
		fl->sub.promoter = xstrdup(from->promoter);
		fl->sub.started_at = xstrdup(from->started_at);
		fl->sub.lang = xstrdup(fl->form->langs[fl->lang].name);
		fl->position = xstrdup(from->position);
		fl->saved = 1;
		if (fl->sub.instance_id == NULL || fl->sub.started_at == NULL ||
		    fl->sub.device_id == NULL || fl->sub.lang == NULL)
			return nomem(e);
		if ((rc = session_new(fl->form, &o, &fl->s, e)) != 0)
			return rc;
	}
	memset(&r, 0, sizeof(r));
	r.fl = fl;
	r.skip_meta = skip_meta;
	err_init(&fl->skipped);
	fl->nskipped = 0;
	if ((rc = store_each_answer(fl->st, from->id, restore_one, &r, e)) != 0)
		return rc;
	if (r.nomem)
		return nomem(e);
	session_recompute(fl->s);
	return 0;
}

struct save {
	struct store	*st;
	int64_t		 sub;
	int		 rc;
	struct err	*e;
};

static void
save_one(const char *path, const char *value, void *arg)
{
	struct save	*sv = arg;

	if (sv->rc == 0)
		sv->rc = store_put_answer(sv->st, sv->sub, path, value, sv->e);
}

static void
ignore(const char *path, const char *value, void *arg)
{
	(void)path;
	(void)value;
	(void)arg;
}

/*
 * Inside a transaction: the draft row the first time, then the changes.
 * A new row gets every value, not only the changes: a revision's session
 * is restored from the submission it replaces (session_restore marks
 * nothing changed), and those answers belong to the new row too. After a
 * failed save every value is written again: session_take_changes had
 * forgotten what the rolled-back transaction was writing.
 */
static int
write_changes(struct fill *fl, struct err *e)
{
	struct save	sv;
	int		rc;

	if (!fl->saved && (rc = store_create_sub(fl->st, &fl->sub, e)) != 0)
		return rc;
	sv.st = fl->st;
	sv.sub = fl->sub.id;
	sv.rc = 0;
	sv.e = e;
	if (fl->saved && fl->rewrite &&
	    (rc = store_clear_answers(fl->st, fl->sub.id, e)) != 0)
		return rc;
	if (!fl->saved || fl->rewrite) {
		session_each_value(fl->s, save_one, &sv);
		session_take_changes(fl->s, ignore, NULL);
	} else
		session_take_changes(fl->s, save_one, &sv);
	if (sv.rc == 0 && fl->position != NULL)
		sv.rc = store_set_position(fl->st, fl->sub.id, fl->position, e);
	return sv.rc;
}

int
fill_save(struct fill *fl, struct err *e)
{
	int	rc;

	/* Any failure marks a full rewrite, even one before the changes
	 * were taken: simpler than knowing how far it got. */
	if ((rc = store_begin(fl->st, e)) != 0) {
		fl->rewrite = 1;
		return rc;
	}
	if ((rc = write_changes(fl, e)) != 0) {
		store_rollback(fl->st);
		fl->rewrite = 1;
		return rc;
	}
	if ((rc = store_commit(fl->st, e)) != 0) {
		fl->rewrite = 1;
		return rc;
	}
	fl->saved = 1;
	fl->rewrite = 0;
	return 0;
}

char *
fill_submission_json(struct fill *fl)
{
	char	*data, *res;

	if ((data = session_data_json(fl->s)) == NULL)
		return NULL;
	res = wire_envelope(&fl->sub, data, 1);
	free(data);
	return res;
}

int
fill_finalize(struct fill *fl, struct diags *d, struct err *e)
{
	char	 at[40];
	char	*data = NULL, *xml = NULL;
	double	 now;
	int	 rc;

	now = clock_now();
	session_finalize(fl->s, now);
	if (session_validate(fl->s, d) > 0)
		return err_set(e, ERR_INPUT, _("the survey has answers to "
		    "complete or correct"));
	/* Answers kept for questions that no longer apply go with the
	 * draft: the finalized survey is what its JSON says. */
	session_drop_hidden(fl->s);
	datetime_format_local(now, at);
	data = session_data_json(fl->s);
	xml = session_instance_xml(fl->s);
	if (data == NULL || xml == NULL) {
		rc = nomem(e);
		goto out;
	}
	if ((rc = store_begin(fl->st, e)) != 0)
		goto out;
	if ((rc = write_changes(fl, e)) != 0 ||
	    (rc = store_finalize_sub(fl->st, fl->sub.id, at, data, xml,
	    e)) != 0) {
		store_rollback(fl->st);
		fl->rewrite = 1;
		goto out;
	}
	if ((rc = store_commit(fl->st, e)) != 0) {
		fl->rewrite = 1;
		goto out;
	}
	fl->saved = 1;
	fl->rewrite = 0;
	fl->sub.state = SUB_FINALIZED;
	free(fl->sub.finalized_at);
	fl->sub.finalized_at = strdup(at);
out:
	free(data);
	free(xml);
	return rc;
}

/* "path\tvalue" lines of the answers, metadata left out, for comparing
 * two submissions whatever order their answers were stored in. */
struct lines {
	const struct form	 *f;
	char			**v;
	size_t			  n, cap;
	int			  nomem;
};

static void
add_line(const char *path, const char *value, void *arg)
{
	struct lines	 *l = arg;
	char		**v, *s;
	size_t		  n;

	if (l->nomem || value == NULL || is_meta(l->f, path))
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((v = realloc(l->v, l->cap * sizeof(*v))) == NULL) {
			l->nomem = 1;
			return;
		}
		l->v = v;
	}
	n = strlen(path) + strlen(value) + 2;
	if ((s = malloc(n)) == NULL) {
		l->nomem = 1;
		return;
	}
	snprintf(s, n, "%s\t%s", path, value);
	l->v[l->n++] = s;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
lines_release(struct lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int
fill_unchanged(struct fill *fl, int *same, struct err *e)
{
	struct store_sub	old;
	struct lines		a, b;
	size_t			i;
	int			rc;

	*same = 0;
	if (fl->sub.deprecated_id == NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.f = b.f = fl->form;
	if ((rc = store_find_sub(fl->st, fl->sub.deprecated_id, &old,
	    e)) != 0)
		return rc;
	rc = store_each_answer(fl->st, old.id, add_line, &a, e);
	store_sub_release(&old);
	if (rc != 0)
		goto out;
	session_each_value(fl->s, add_line, &b);
	if (a.nomem || b.nomem) {
		rc = nomem(e);
		goto out;
	}
	qsort(a.v, a.n, sizeof(*a.v), cmp_line);
	qsort(b.v, b.n, sizeof(*b.v), cmp_line);
	*same = a.n == b.n;
	for (i = 0; *same && i < a.n; i++)
		*same = strcmp(a.v[i], b.v[i]) == 0;
out:
	lines_release(&a);
	lines_release(&b);
	return rc;
}

void
fill_release(struct fill *fl)
{
	session_free(fl->s);
	form_free(fl->form);
	store_form_release(&fl->sf);
	store_sub_release(&fl->sub);
	free(fl->position);
	memset(fl, 0, sizeof(*fl));
}
