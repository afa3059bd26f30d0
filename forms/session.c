/*
 * session.c: filling one submission.
 *
 * The instance is a tree of struct inode, one per field occurrence, built
 * from the form's fields: groups hold a node per kid field, and a kid
 * repeat holds zero or more instance nodes, contiguous, in the place of
 * the repeat in the form. Everything the session knows lives in that tree
 * and in a few per-field tables; in particular the walk keeps no cursor of
 * its own (struct step is the cursor), so that a caller may jump anywhere.
 *
 * Recompute. After each change the tree is walked in document order. A
 * node's relevance, calculation and repeat count are evaluated only when
 * stale: a field they read (expr_refs) changed in this recompute, or they
 * read through a path expr_refs cannot name, or an ancestor just became
 * relevant, or everything is due (a new session, restored values, repeat
 * instances added or removed). So an answer costs the expressions that
 * read it, not the form's size. A pass that changes a field some earlier
 * (or the same) expression reads, or that adds or removes instances, asks
 * for one more pass; passes stop when nothing such changed, or after
 * RECOMPUTE_MAX_PASSES (a cycle of calculations must not hang the
 * program).
 *
 * Non-relevant answers. A node that turns non-relevant keeps its value,
 * as ODK Collect does while a submission is being filled: expressions read
 * it as empty (expr_eval reads a non-relevant node as ""), the submission's
 * JSON and XML leave it out, and it comes back when the node is relevant
 * again, so that a promoter who fixes one answer at the review loses no
 * other. A change of relevance counts as a change of what expressions
 * read (touch()). Only session_drop_hidden, at finalizing, clears them.
 *
 * Change log. Each node carries a "changed" flag set whenever its value
 * changes; session_take_changes reports and clears them. Paths of nodes
 * that disappear (repeat instances removed, later instances renumbered)
 * are kept as text until then, so that a store applying the changes in
 * order ends up with exactly the leaves session_each_value visits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forms.h"
#include "session_priv.h"

/* Every node of one session: memory stays bounded whatever the form or
 * the repeat counts say (about 100 bytes a node). */
#define SESSION_MAX_NODES	50000
/* Passes of one recompute; a chain of calculations each reading a later
 * one needs one pass per link. */
#define RECOMPUTE_MAX_PASSES	8

static void	recompute_node(struct session *, struct snode *, int, int);
static void	meta_one(struct session *, struct snode *);
static void	metas(struct session *, struct inode *);

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

struct snode *
ss_snode_of(struct inode *n)
{
	return (struct snode *)n;
}

int
ss_is_container(const struct field *f)
{
	return f->kind == FK_GROUP || f->kind == FK_REPEAT;
}

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
ss_env_init(struct session *s, struct eval_env *env, const struct inode *here)
{
	memset(env, 0, sizeof(*env));
	env->form = s->form;
	env->root = &s->root->n;
	env->here = here;
	env->now = s->now;
	env->lang = s->lang;
	env->current = here != NULL ? here->value : NULL;
}

/* An expression as a boolean; dflt when it cannot be evaluated. */
int
ss_eval_bool(struct session *s, const struct expr *x, const struct inode *here,
    int dflt)
{
	struct eval_env	env;
	struct err	e;
	int		v;

	ss_env_init(s, &env, here);
	err_init(&e);
	if (expr_eval_bool(x, &env, &v, &e) != 0)
		return dflt;
	return v != 0;
}

/* Index of kid field k in f->kids. */
size_t
ss_kid_index(const struct field *f, const struct field *k)
{
	size_t	i;

	for (i = 0; i < f->nkids; i++)
		if (f->kids[i] == k)
			break;
	return i;
}

/* How many of h's kids from j on belong to field k. */
size_t
ss_count_from(const struct inode *h, size_t j, const struct field *k)
{
	size_t	c = 0;

	while (j + c < h->nkids && h->kids[j + c]->field == k)
		c++;
	return c;
}

/* The kids of h for kid field k: h->kids[*at .. *at + *n). */
void
ss_slot(const struct inode *h, const struct field *k, size_t *at, size_t *n)
{
	const struct field	*hf = h->field;
	size_t			 i, j = 0;

	for (i = 0; i < hf->nkids && hf->kids[i] != k; i++)
		j += ss_count_from(h, j, hf->kids[i]);
	*at = j;
	*n = ss_count_from(h, j, k);
}

/* Index of n in its parent's kids. */
size_t
ss_index_in_parent(const struct inode *n)
{
	const struct inode	*p = n->parent;
	size_t			 i;

	for (i = 0; i < p->nkids; i++)
		if (p->kids[i] == n)
			break;
	return i;
}

/* 0-based place of n among its siblings of the same field. */
size_t
ss_sibling_index(const struct inode *n)
{
	const struct inode	*p = n->parent;
	size_t			 i, k = 0;

	for (i = 0; i < p->nkids && p->kids[i] != n; i++)
		if (p->kids[i]->field == n->field)
			k++;
	return k;
}

/*
 * An answer quoted in a message: the first QUOTE_MAX bytes, cut on a
 * character boundary (the text is valid UTF-8 when this is called).
 */
void
ss_quote(const char *s, size_t n, char out[QUOTE_MAX + 4])
{
	if (n <= QUOTE_MAX) {
		memcpy(out, s, n);
		out[n] = '\0';
		return;
	}
	n = QUOTE_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
}

/* ------------------------------------------------------------------ */
/* Values and the change log                                            */

/* What expressions read of sn changed (its value, or its relevance):
 * those that read the field (or a group holding it) must be evaluated
 * again. */
static void
touch(struct session *s, struct snode *sn)
{
	const struct field	*f = sn->n.field;

	if (s->fi[f->index].backref)
		s->again = 1;
	for (; f != NULL && !s->dirty[f->index]; f = f->parent)
		s->dirty[f->index] = 1;
}

/* A value changed: the store must hear of it, and what reads it. */
static void
mark(struct session *s, struct snode *sn)
{
	sn->changed = 1;
	touch(s, sn);
}

/* Give sn the value v (taken, may be NULL); "" is no value. 1 if it
 * changed. */
int
ss_set_value_owned(struct session *s, struct snode *sn, char *v)
{
	if (v != NULL && *v == '\0') {
		free(v);
		v = NULL;
	}
	if (v == NULL ? sn->n.value == NULL : sn->n.value != NULL &&
	    strcmp(v, sn->n.value) == 0) {
		free(v);
		return 0;
	}
	free(sn->n.value);
	sn->n.value = v;
	mark(s, sn);
	return 1;
}

int
ss_set_value(struct session *s, struct snode *sn, const char *v)
{
	char	*c = NULL;

	if (v != NULL && (c = strdup(v)) == NULL) {
		s->nomem = 1;
		return 0;
	}
	return ss_set_value_owned(s, sn, c);
}

static int
gone_add(struct session *s, char *path)
{
	if (path == NULL) {
		s->nomem = 1;
		return ERR_NOMEM;
	}
	if (s->ngone == s->capgone) {
		size_t	 cap = s->capgone ? s->capgone * 2 : 16;
		char	**v = realloc(s->gone, cap * sizeof(*v));

		if (v == NULL) {
			free(path);
			s->nomem = 1;
			return ERR_NOMEM;
		}
		s->gone = v;
		s->capgone = cap;
	}
	s->gone[s->ngone++] = path;
	return 0;
}

/* Whether a store holds n: a leaf with a value, or a repeat instance
 * (path "r[2]", value "": an instance stays when nothing in it is
 * answered yet). */
int
ss_is_stored(const struct inode *n)
{
	if (n->field->kind == FK_REPEAT)
		return 1;
	return !ss_is_container(n->field) && n->value != NULL;
}

/* Remember the paths under n a store may hold, before n goes. */
static void
gone_subtree(struct session *s, struct inode *n)
{
	size_t	i;

	if (ss_is_stored(n) || ss_snode_of(n)->changed)
		gone_add(s, inode_path(n));
	for (i = 0; i < n->nkids; i++)
		gone_subtree(s, n->kids[i]);
}

/* Everything under n is to be written again (renumbered instances). */
static void
mark_subtree(struct inode *n)
{
	size_t	i;

	if (n->field->kind != FK_GROUP)
		ss_snode_of(n)->changed = 1;
	for (i = 0; i < n->nkids; i++)
		mark_subtree(n->kids[i]);
}

/* ------------------------------------------------------------------ */
/* The tree                                                             */

static void
node_free(struct session *s, struct inode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(s, n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
	s->nnodes--;
}

static struct inode *
node_new(struct session *s, const struct field *f, struct inode *parent,
    struct err *e)
{
	struct snode	*sn;

	if (s->nnodes >= SESSION_MAX_NODES) {
		err_set(e, ERR_INPUT, _("the survey is too large: more than "
		    "%d questions and repeats"), SESSION_MAX_NODES);
		return NULL;
	}
	if ((sn = calloc(1, sizeof(*sn))) == NULL) {
		err_set(e, ERR_NOMEM, "out of memory");
		return NULL;
	}
	sn->n.field = f;
	sn->n.parent = parent;
	sn->n.relevant = 1;
	s->nnodes++;
	return &sn->n;
}

static int
kid_insert(struct inode *p, size_t at, struct inode *k, struct err *e)
{
	if (p->nkids == p->cap) {
		size_t		  cap = p->cap ? p->cap * 2 : 4;
		struct inode	**v = realloc(p->kids, cap * sizeof(*v));

		if (v == NULL)
			return err_set(e, ERR_NOMEM, "out of memory");
		p->kids = v;
		p->cap = cap;
	}
	memmove(p->kids + at + 1, p->kids + at, (p->nkids - at) *
	    sizeof(*p->kids));
	p->kids[at] = k;
	p->nkids++;
	k->parent = p;
	return 0;
}

static void
kid_remove(struct inode *p, size_t at)
{
	memmove(p->kids + at, p->kids + at + 1, (p->nkids - at - 1) *
	    sizeof(*p->kids));
	p->nkids--;
}

/* The nodes under a new group or repeat instance n; repeats start empty
 * (repeat counts add theirs when recomputed). */
static int
build(struct session *s, struct inode *n, struct err *e)
{
	const struct field	*f = n->field;
	struct inode		*k;
	size_t			 i;
	int			 rc;

	for (i = 0; i < f->nkids; i++) {
		if (f->kids[i]->kind == FK_REPEAT)
			continue;
		if ((k = node_new(s, f->kids[i], n, e)) == NULL)
			return e != NULL && e->code ? e->code : ERR_NOMEM;
		if ((rc = kid_insert(n, n->nkids, k, e)) != 0) {
			node_free(s, k);
			return rc;
		}
		if (ss_is_container(k->field) && (rc = build(s, k, e)) != 0)
			return rc;
	}
	return 0;
}

/* The default of one leaf: the literal normalised as an answer would be,
 * or the expression evaluated now. */
static void
default_one(struct session *s, struct snode *sn)
{
	const struct field	*f = sn->n.field;
	struct eval_env		 env;
	struct err		 e;
	char			*v = NULL;

	if (f->kind == FK_META || ss_is_container(f))
		return;
	err_init(&e);
	if (f->default_expr != NULL) {
		ss_env_init(s, &env, &sn->n);
		if (expr_eval_text(f->default_expr, &env, &v, &e) != 0)
			v = NULL;
	} else if (f->default_value != NULL && *f->default_value != '\0') {
		if (ss_normalise(s, &sn->n, f->default_value, MODE_NAMES, &v,
		    &e) != 0)
			v = xstrdup(f->default_value);
	} else
		return;
	ss_set_value_owned(s, sn, v);
}

static void
defaults(struct session *s, struct inode *n)
{
	size_t	i;

	if (!ss_is_container(n->field)) {
		default_one(s, ss_snode_of(n));
		return;
	}
	for (i = 0; i < n->nkids; i++)
		defaults(s, n->kids[i]);
}

/* A new instance of repeat r at h->kids[at]. */
int
ss_instance_new(struct session *s, struct inode *h, const struct field *r,
    size_t at, int with_defaults, struct inode **out, struct err *e)
{
	struct inode	*n;
	int		 rc;

	if ((n = node_new(s, r, h, e)) == NULL)
		return e != NULL && e->code ? e->code : ERR_NOMEM;
	if ((rc = build(s, n, e)) != 0 || (rc = kid_insert(h, at, n, e)) != 0) {
		node_free(s, n);
		return rc;
	}
	if (with_defaults) {
		metas(s, n);
		defaults(s, n);
	}
	ss_snode_of(n)->changed = 1;
	s->again = 1;
	s->structural = 1;
	if (out != NULL)
		*out = n;
	return 0;
}

/* Remove h->kids[at], an instance; later instances are renumbered. */
void
ss_instance_remove(struct session *s, struct inode *h, size_t at)
{
	struct inode	*n = h->kids[at];
	size_t		 j;

	for (j = at; j < h->nkids && h->kids[j]->field == n->field; j++)
		gone_subtree(s, h->kids[j]);
	kid_remove(h, at);
	for (j = at; j < h->nkids && h->kids[j]->field == n->field; j++)
		mark_subtree(h->kids[j]);
	node_free(s, n);
	s->again = 1;
	s->structural = 1;
}

/* ------------------------------------------------------------------ */
/* Recompute                                                            */

static int
triggered(struct session *s, const struct field *f)
{
	const struct finfo	*fi = &s->fi[f->index];
	size_t			 i;

	for (i = 0; i < fi->ntrig; i++)
		if (s->dirty[fi->trig[i]->index])
			return 1;
	return 0;
}

/* Non-relevant: n and everything below are hidden, their values kept
 * (read as empty). */
static void
hide_subtree(struct session *s, struct inode *n)
{
	size_t	i;

	if (n->relevant && n->value != NULL)
		touch(s, ss_snode_of(n));
	n->relevant = 0;
	for (i = 0; i < n->nkids; i++)
		hide_subtree(s, n->kids[i]);
}

/* Make the instances of repeat r in h match its repeat_count. */
static void
adjust_count(struct session *s, struct inode *h, const struct field *r)
{
	struct eval_env	env;
	struct err	e;
	double		v;
	size_t		want, at, n;

	ss_env_init(s, &env, h);
	err_init(&e);
	if (expr_eval_number(r->repeat_count, &env, &v, &e) != 0 ||
	    isnan(v) || v < 1)
		want = 0;
	else if (v > SESSION_MAX_REPEATS)
		want = SESSION_MAX_REPEATS;
	else
		want = (size_t)v;
	ss_slot(h, r, &at, &n);
	while (n < want && ss_instance_new(s, h, r, at + n, !s->quiet, NULL,
	    &e) == 0)
		n++;
	while (n > want)
		ss_instance_remove(s, h, at + --n);
}

static void
calculate(struct session *s, struct snode *sn)
{
	const struct field	*f = sn->n.field;
	struct eval_env		 env;
	struct err		 e;
	char			*v = NULL;

	ss_env_init(s, &env, &sn->n);
	err_init(&e);
	if (expr_eval_answer(f->calculation, &env, f->kind, &v, &e) != 0) {
		free(v);
		v = NULL;
	}
	ss_set_value_owned(s, sn, v);
}

/* Whether f's expressions must be evaluated in this pass. */
static int
stale(struct session *s, const struct field *f)
{
	const struct finfo	*fi = &s->fi[f->index];
	size_t			 i;

	if (s->full || fi->open)
		return 1;
	for (i = 0; i < fi->ndeps; i++)
		if (s->dirty[fi->deps[i]->index])
			return 1;
	return 0;
}

/*
 * One node in a pass. force: an ancestor just became relevant, so what is
 * below was never evaluated against the present values.
 */
static void
recompute_node(struct session *s, struct snode *sn, int parent_relevant,
    int force)
{
	struct inode		*n = &sn->n;
	const struct field	*f = n->field;
	int			 rel = parent_relevant, became, eval;
	size_t			 i;

	eval = force || stale(s, f);
	if (rel && f->relevant != NULL && n->parent != NULL)
		rel = eval ? ss_eval_bool(s, f->relevant, n, 1) : n->relevant;
	if (!rel) {
		hide_subtree(s, n);
		return;
	}
	became = !n->relevant;
	n->relevant = 1;
	if (became && n->value != NULL)
		touch(s, sn);	/* a kept answer is read again */
	if (!ss_is_container(f)) {
		/* back in the survey: its default or metadata again */
		if (became && n->value == NULL && !s->quiet) {
			if (f->kind == FK_META)
				meta_one(s, sn);
			else
				default_one(s, sn);
		}
		if (f->calculation != NULL && (f->trigger != NULL ?
		    triggered(s, f) : eval || became))
			calculate(s, sn);
		return;
	}
	for (i = 0; i < f->nkids; i++)
		if (f->kids[i]->kind == FK_REPEAT &&
		    f->kids[i]->repeat_count != NULL &&
		    (force || became || stale(s, f->kids[i])))
			adjust_count(s, n, f->kids[i]);
	for (i = 0; i < n->nkids; i++)
		recompute_node(s, ss_snode_of(n->kids[i]), 1, force || became);
}

/*
 * Passes until nothing that an earlier expression reads has changed.
 * full: evaluate everything (a new session, restored values, repeat
 * instances added or removed); else only what reads a changed field.
 */
void
ss_recompute(struct session *s, int full)
{
	int	pass;

	if (s->defer) {
		s->pending = 1;
		s->pending_full |= full;
		return;
	}
	s->now = clock_now();
	for (pass = 0; pass < RECOMPUTE_MAX_PASSES; pass++) {
		s->again = 0;
		s->full = full;
		s->structural = 0;
		recompute_node(s, s->root, 1, 0);
		if (!s->again)
			break;
		full = s->structural;
	}
	memset(s->dirty, 0, s->form->nfields);
	s->quiet = 0;
	s->full = 0;
}

/* ------------------------------------------------------------------ */
/* Creating and freeing                                                 */

struct refs_ctx {
	struct finfo		*fi;
	const struct field	*from;
	const struct field	**v;	/* collecting (triggers) */
	size_t			 n;
	size_t			 cap;
	int			 nomem;
};

static void
note_backref(const struct field *g, void *arg)
{
	struct refs_ctx	*c = arg;

	/* g is met at or after the expression in a pass: a change to it
	 * comes too late for this pass */
	if (g->index >= c->from->index)
		c->fi[g->index].backref = 1;
}

static void
collect_ref(const struct field *g, void *arg)
{
	struct refs_ctx	*c = arg;

	if (c->n == c->cap) {
		size_t			  cap = c->cap ? c->cap * 2 : 4;
		const struct field	**v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL) {
			c->nomem = 1;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = g;
	note_backref(g, arg);
}

/* Which fields each expression reads, which an earlier expression reads,
 * and what triggers name. */
static void
finfo_free(struct finfo *fi, size_t n)
{
	size_t	i;

	if (fi == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(fi[i].trig);
		free(fi[i].deps);
	}
	free(fi);
}

static int
analyse(const struct form *fm, struct finfo **out, struct err *e)
{
	struct finfo		*all;
	struct refs_ctx		 c;
	size_t			 i;

	*out = NULL;
	if ((all = calloc(fm->nfields ? fm->nfields : 1, sizeof(*all))) ==
	    NULL)
		return err_set(e, ERR_NOMEM, "out of memory");

	for (i = 0; i < fm->nfields; i++) {
		const struct field	*f = fm->fields[i];
		struct finfo		*fi = &all[i];

		memset(&c, 0, sizeof(c));
		c.fi = all;
		c.from = f;
		collect_ref(f, &c);
		if (f->relevant != NULL) {
			expr_refs(f->relevant, collect_ref, &c);
			fi->open |= expr_reads_paths(f->relevant);
		}
		if (f->calculation != NULL) {
			expr_refs(f->calculation, collect_ref, &c);
			fi->open |= expr_reads_paths(f->calculation);
		}
		if (f->repeat_count != NULL) {
			expr_refs(f->repeat_count, collect_ref, &c);
			fi->open |= expr_reads_paths(f->repeat_count);
		}
		if (c.nomem) {
			free(c.v);
			finfo_free(all, fm->nfields);
			return err_set(e, ERR_NOMEM, "out of memory");
		}
		fi->deps = c.v;
		fi->ndeps = c.n;
		memset(&c, 0, sizeof(c));
		c.fi = all;
		c.from = f;
		if (f->trigger != NULL) {
			expr_refs(f->trigger, collect_ref, &c);
			if (c.nomem) {
				free(c.v);
				finfo_free(all, fm->nfields);
				return err_set(e, ERR_NOMEM, "out of memory");
			}
			fi->trig = c.v;
			fi->ntrig = c.n;
		}
	}
	/* A group read as a whole stands for everything in it. */
	for (i = 0; i < fm->nfields; i++) {
		const struct field	*f = fm->fields[i];

		if (f->parent != NULL && all[f->parent->index].backref)
			all[i].backref = 1;
	}
	*out = all;
	return 0;
}

int
form_deps_new(const struct form *f, struct form_deps **out, struct err *e)
{
	struct form_deps	*d;
	int			 rc;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = analyse(f, &d->fi, e)) != 0) {
		free(d);
		return rc;
	}
	d->n = f->nfields;
	*out = d;
	return 0;
}

void
form_deps_free(struct form_deps *d)
{
	if (d == NULL)
		return;
	finfo_free(d->fi, d->n);
	free(d);
}

static void
meta_one(struct session *s, struct snode *sn)
{
	const char	*m = sn->n.field->meta;
	char		 at[40];

	if (m == NULL)
		return;
	datetime_format_local(s->start, at);
	if (strcasecmp(m, "start") == 0)
		ss_set_value(s, sn, at);
	else if (strcasecmp(m, "today") == 0) {
		at[10] = '\0';
		ss_set_value(s, sn, at);
	} else if (strcasecmp(m, "deviceid") == 0)
		ss_set_value(s, sn, s->device_id);
	else if (strcasecmp(m, "username") == 0)
		ss_set_value(s, sn, s->username);
	else if (strcasecmp(m, "phonenumber") == 0)
		ss_set_value(s, sn, s->phone);
	else if (strcasecmp(m, "instanceID") == 0)
		ss_set_value(s, sn, s->instance_id);
	else if (strcasecmp(m, "deprecatedID") == 0)
		ss_set_value(s, sn, s->deprecated_id);
}

static void
metas(struct session *s, struct inode *n)
{
	size_t	i;

	if (n->field->kind == FK_META)
		meta_one(s, ss_snode_of(n));
	for (i = 0; i < n->nkids; i++)
		metas(s, n->kids[i]);
}

int
session_new(const struct form *f, const struct session_opts *o,
    struct session **out, struct err *e)
{
	struct session	*s;
	char		 uuid[UUID_STR_LEN + 1];
	int		 rc = 0;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->form = f;
	s->lang = o != NULL && o->lang < f->nlangs ? o->lang : f->default_lang;
	s->start = o != NULL && o->start != 0 ? o->start : clock_now();
	s->partial = o != NULL && o->partial;
	s->now = clock_now();
	if (o != NULL && o->instance_id != NULL)
		s->instance_id = strdup(o->instance_id);
	else {
		uuid_v4(uuid);
		s->instance_id = malloc(UUID_STR_LEN + 6);
		if (s->instance_id != NULL)
			snprintf(s->instance_id, UUID_STR_LEN + 6, "uuid:%s",
			    uuid);
	}
	if (o != NULL) {
		s->device_id = xstrdup(o->device_id);
		s->username = xstrdup(o->username);
		s->phone = xstrdup(o->phone);
		s->deprecated_id = xstrdup(o->deprecated_id);
		if ((o->device_id && !s->device_id) || (o->username &&
		    !s->username) || (o->phone && !s->phone) ||
		    (o->deprecated_id && !s->deprecated_id))
			s->nomem = 1;
	}
	/* form_build refuses deeper nesting, so the walks' recursion is
	 * bounded by FORM_MAX_DEPTH */
	s->dirty = calloc(f->nfields ? f->nfields : 1, 1);
	if (s->instance_id == NULL || s->dirty == NULL || s->nomem) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* form_build made them once; a form put together otherwise (the
	 * tests') gets its own */
	if (f->deps != NULL)
		s->fi = f->deps->fi;
	else {
		if ((rc = analyse(f, &s->own, e)) != 0)
			goto out;
		s->fi = s->own;
	}
	if ((s->root = ss_snode_of(node_new(s, f->root, NULL, e))) == NULL) {
		rc = e != NULL && e->code ? e->code : ERR_NOMEM;
		goto out;
	}
	if ((rc = build(s, &s->root->n, e)) != 0)
		goto out;
	metas(s, &s->root->n);
	defaults(s, &s->root->n);
	/* what the form starts with is no change that fires a trigger */
	memset(s->dirty, 0, f->nfields);
	ss_recompute(s, 1);
	memset(s->dirty, 0, f->nfields);
	if (s->nomem)
		rc = err_set(e, ERR_NOMEM, "out of memory");
out:
	if (rc != 0)
		session_free(s);
	else
		*out = s;
	return rc;
}

void
session_free(struct session *s)
{
	size_t	i;

	if (s == NULL)
		return;
	if (s->root != NULL)
		node_free(s, &s->root->n);
	finfo_free(s->own, s->form->nfields);
	for (i = 0; i < s->ngone; i++)
		free(s->gone[i]);
	free(s->gone);
	free(s->dirty);
	free(s->choices);
	free(s->instance_id);
	free(s->device_id);
	free(s->username);
	free(s->phone);
	free(s->deprecated_id);
	free(s);
}

struct inode *
session_root(struct session *s)
{
	return &s->root->n;
}

const char *
session_instance_id(const struct session *s)
{
	return s->instance_id;
}

const struct form *
session_form(const struct session *s)
{
	return s->form;
}

const char *
session_deprecated_id(const struct session *s)
{
	return s->deprecated_id;
}

char *
session_instance_name(struct session *s)
{
	struct eval_env	 env;
	struct err	 e;
	char		*v = NULL;

	if (s->form->instance_name == NULL)
		return NULL;
	ss_env_init(s, &env, &s->root->n);
	err_init(&e);
	if (expr_eval_text(s->form->instance_name, &env, &v, &e) != 0) {
		free(v);
		return NULL;
	}
	if (v != NULL && *v == '\0') {
		free(v);
		v = NULL;
	}
	return v;
}
