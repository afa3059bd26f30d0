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
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "forms.h"
#include "session_priv.h"

/* Every node of one session: memory stays bounded whatever the form or
 * the repeat counts say (about 100 bytes a node). */
#define SESSION_MAX_NODES	50000
/* Instances of one repeat in one place. */
#define SESSION_MAX_REPEATS	1000
/* Passes of one recompute; a chain of calculations each reading a later
 * one needs one pass per link. */
#define RECOMPUTE_MAX_PASSES	8
/* The --answers JSON text. */
/* Significant digits of a decimal: what a double keeps exactly. */
#define DECIMAL_MAX_DIGITS	15
/* A number as typed, sign and separator included. */
#define NUMBER_MAX_LEN		40
/* An answer quoted in a message. */
#define QUOTE_MAX		40
/* A form's text with the answers it names (session_text). */
#define SESSION_TEXT_MAX	(1u << 20)
/* A two-digit year is 20YY within this many years of today. */
#define DATE_YY_NEAR		10
/* One segment of a path ("name[12]"). */
#define PATH_SEG_MAX		256

/* A node with the session's own flags; inode first, so that the inode
 * pointers handed out are snode pointers too. */
struct snode {
	struct inode	n;
	unsigned	changed : 1;	/* value changed since the last take */
	unsigned	problem : 1;	/* session_fill_json reported it */
};

/* What the session derives from each field, by field->index. */
struct finfo {
	/* Some expression evaluated before this field in a pass reads it
	 * (or reads a group holding it): a change needs another pass. */
	unsigned		  backref : 1;
	/* Its relevance, calculation or repeat count reads nodes that
	 * expr_refs cannot name (a path): evaluated on every pass. */
	unsigned		  open : 1;
	/* The fields those expressions read, itself included ('.'). */
	const struct field	**deps;
	size_t			  ndeps;
	/* The fields the trigger names. */
	const struct field	**trig;
	size_t			  ntrig;
};

/* The form's, made by form_build: they depend on the form only, and every
 * session of it reads them and writes none. */
struct form_deps {
	struct finfo	*fi;		/* by field->index */
	size_t		 n;
};

struct session {
	const struct form	 *form;
	struct snode		 *root;
	char			 *instance_id;
	char			 *device_id;
	char			 *username;
	char			 *phone;
	char			 *deprecated_id;
	size_t			  lang;
	double			  start;
	double			  now;		/* the clock of this change */
	size_t			  nnodes;
	const struct finfo	 *fi;		/* the form's deps, or own */
	struct finfo		 *own;		/* a form without deps */
	unsigned char		 *dirty;	/* fields changed in this
						 * recompute, and their
						 * ancestors */
	char			**gone;		/* paths that disappeared */
	size_t			  ngone;
	size_t			  capgone;
	const struct choice	**choices;	/* session_choices' array */
	int			  again;	/* this pass asks for another */
	int			  full;		/* this pass evaluates all */
	int			  structural;	/* instances came or went */
	int			  restored;	/* session_restore was called */
	int			  answered;	/* an answer was accepted */
	int			  quiet;	/* no defaults on becoming
						 * relevant (after restore) */
	int			  nomem;
	int			  partial;	/* session_opts.partial */
	/* --answers: recomputes wait until a question needs them (see
	 * "Filling from JSON") */
	int			  defer;
	int			  pending;	/* a recompute waits */
	int			  pending_full;
};

enum mode {
	MODE_TYPED,		/* a person typing: choice numbers first */
	MODE_NAMES,		/* --answers and defaults: choice names */
};

static const char *const ack_words[] = { "ok", "1", "y", "yes", "s", "si",
    "s\xc3\xad", "ar\xc3\xad", "ari" };

static void	recompute_node(struct session *, struct snode *, int, int);
static void	meta_one(struct session *, struct snode *);
static void	metas(struct session *, struct inode *);
static void	recompute(struct session *, int);

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static struct snode *
snode_of(struct inode *n)
{
	return (struct snode *)n;
}

static int
is_container(const struct field *f)
{
	return f->kind == FK_GROUP || f->kind == FK_REPEAT;
}

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
env_init(struct session *s, struct eval_env *env, const struct inode *here)
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
static int
eval_bool(struct session *s, const struct expr *x, const struct inode *here,
    int dflt)
{
	struct eval_env	env;
	struct err	e;
	int		v;

	env_init(s, &env, here);
	err_init(&e);
	if (expr_eval_bool(x, &env, &v, &e) != 0)
		return dflt;
	return v != 0;
}

/* Index of kid field k in f->kids. */
static size_t
kid_index(const struct field *f, const struct field *k)
{
	size_t	i;

	for (i = 0; i < f->nkids; i++)
		if (f->kids[i] == k)
			break;
	return i;
}

/* How many of h's kids from j on belong to field k. */
static size_t
count_from(const struct inode *h, size_t j, const struct field *k)
{
	size_t	c = 0;

	while (j + c < h->nkids && h->kids[j + c]->field == k)
		c++;
	return c;
}

/* The kids of h for kid field k: h->kids[*at .. *at + *n). */
static void
slot(const struct inode *h, const struct field *k, size_t *at, size_t *n)
{
	const struct field	*hf = h->field;
	size_t			 i, j = 0;

	for (i = 0; i < hf->nkids && hf->kids[i] != k; i++)
		j += count_from(h, j, hf->kids[i]);
	*at = j;
	*n = count_from(h, j, k);
}

/* Index of n in its parent's kids. */
static size_t
index_in_parent(const struct inode *n)
{
	const struct inode	*p = n->parent;
	size_t			 i;

	for (i = 0; i < p->nkids; i++)
		if (p->kids[i] == n)
			break;
	return i;
}

/* 0-based place of n among its siblings of the same field. */
static size_t
sibling_index(const struct inode *n)
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
static void
quote(const char *s, size_t n, char out[QUOTE_MAX + 4])
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
static int
set_value_owned(struct session *s, struct snode *sn, char *v)
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

static int
set_value(struct session *s, struct snode *sn, const char *v)
{
	char	*c = NULL;

	if (v != NULL && (c = strdup(v)) == NULL) {
		s->nomem = 1;
		return 0;
	}
	return set_value_owned(s, sn, c);
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
static int
is_stored(const struct inode *n)
{
	if (n->field->kind == FK_REPEAT)
		return 1;
	return !is_container(n->field) && n->value != NULL;
}

/* Remember the paths under n a store may hold, before n goes. */
static void
gone_subtree(struct session *s, struct inode *n)
{
	size_t	i;

	if (is_stored(n) || snode_of(n)->changed)
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
		snode_of(n)->changed = 1;
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
		if (is_container(k->field) && (rc = build(s, k, e)) != 0)
			return rc;
	}
	return 0;
}

static int	normalise(struct session *, const struct inode *, const char *,
		    enum mode, char **, struct err *);

/* The default of one leaf: the literal normalised as an answer would be,
 * or the expression evaluated now. */
static void
default_one(struct session *s, struct snode *sn)
{
	const struct field	*f = sn->n.field;
	struct eval_env		 env;
	struct err		 e;
	char			*v = NULL;

	if (f->kind == FK_META || is_container(f))
		return;
	err_init(&e);
	if (f->default_expr != NULL) {
		env_init(s, &env, &sn->n);
		if (expr_eval_text(f->default_expr, &env, &v, &e) != 0)
			v = NULL;
	} else if (f->default_value != NULL && *f->default_value != '\0') {
		if (normalise(s, &sn->n, f->default_value, MODE_NAMES, &v,
		    &e) != 0)
			v = xstrdup(f->default_value);
	} else
		return;
	set_value_owned(s, sn, v);
}

static void
defaults(struct session *s, struct inode *n)
{
	size_t	i;

	if (!is_container(n->field)) {
		default_one(s, snode_of(n));
		return;
	}
	for (i = 0; i < n->nkids; i++)
		defaults(s, n->kids[i]);
}

/* A new instance of repeat r at h->kids[at]. */
static int
instance_new(struct session *s, struct inode *h, const struct field *r,
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
	snode_of(n)->changed = 1;
	s->again = 1;
	s->structural = 1;
	if (out != NULL)
		*out = n;
	return 0;
}

/* Remove h->kids[at], an instance; later instances are renumbered. */
static void
instance_remove(struct session *s, struct inode *h, size_t at)
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
		touch(s, snode_of(n));
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

	env_init(s, &env, h);
	err_init(&e);
	if (expr_eval_number(r->repeat_count, &env, &v, &e) != 0 ||
	    isnan(v) || v < 1)
		want = 0;
	else if (v > SESSION_MAX_REPEATS)
		want = SESSION_MAX_REPEATS;
	else
		want = (size_t)v;
	slot(h, r, &at, &n);
	while (n < want && instance_new(s, h, r, at + n, !s->quiet, NULL,
	    &e) == 0)
		n++;
	while (n > want)
		instance_remove(s, h, at + --n);
}

static void
calculate(struct session *s, struct snode *sn)
{
	const struct field	*f = sn->n.field;
	struct eval_env		 env;
	struct err		 e;
	char			*v = NULL;

	env_init(s, &env, &sn->n);
	err_init(&e);
	if (expr_eval_answer(f->calculation, &env, f->kind, &v, &e) != 0) {
		free(v);
		v = NULL;
	}
	set_value_owned(s, sn, v);
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
		rel = eval ? eval_bool(s, f->relevant, n, 1) : n->relevant;
	if (!rel) {
		hide_subtree(s, n);
		return;
	}
	became = !n->relevant;
	n->relevant = 1;
	if (became && n->value != NULL)
		touch(s, sn);	/* a kept answer is read again */
	if (!is_container(f)) {
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
		recompute_node(s, snode_of(n->kids[i]), 1, force || became);
}

/*
 * Passes until nothing that an earlier expression reads has changed.
 * full: evaluate everything (a new session, restored values, repeat
 * instances added or removed); else only what reads a changed field.
 */
static void
recompute(struct session *s, int full)
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
		set_value(s, sn, at);
	else if (strcasecmp(m, "today") == 0) {
		at[10] = '\0';
		set_value(s, sn, at);
	} else if (strcasecmp(m, "deviceid") == 0)
		set_value(s, sn, s->device_id);
	else if (strcasecmp(m, "username") == 0)
		set_value(s, sn, s->username);
	else if (strcasecmp(m, "phonenumber") == 0)
		set_value(s, sn, s->phone);
	else if (strcasecmp(m, "instanceID") == 0)
		set_value(s, sn, s->instance_id);
	else if (strcasecmp(m, "deprecatedID") == 0)
		set_value(s, sn, s->deprecated_id);
}

static void
metas(struct session *s, struct inode *n)
{
	size_t	i;

	if (n->field->kind == FK_META)
		meta_one(s, snode_of(n));
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
	if ((s->root = snode_of(node_new(s, f->root, NULL, e))) == NULL) {
		rc = e != NULL && e->code ? e->code : ERR_NOMEM;
		goto out;
	}
	if ((rc = build(s, &s->root->n, e)) != 0)
		goto out;
	metas(s, &s->root->n);
	defaults(s, &s->root->n);
	/* what the form starts with is no change that fires a trigger */
	memset(s->dirty, 0, f->nfields);
	recompute(s, 1);
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
	env_init(s, &env, &s->root->n);
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

/* ------------------------------------------------------------------ */
/* The walk                                                             */

/*
 * Whether the person may be asked for another instance of r in h: the
 * repeat's relevance, evaluated at its last instance (as for the next
 * one), or at h when there is none yet.
 */
static int
prompt_ok(struct session *s, const struct inode *h, const struct field *r)
{
	size_t	at, n;

	if (r->repeat_count != NULL || !h->relevant)
		return 0;
	if (r->relevant == NULL)
		return 1;
	slot(h, r, &at, &n);
	return eval_bool(s, r->relevant, n > 0 ? h->kids[at + n - 1] : h, 1);
}

static void
set_question(struct step *st, struct inode *n)
{
	memset(st, 0, sizeof(*st));
	st->kind = STEP_QUESTION;
	st->node = n;
	st->field = n->field;
}

static void
set_prompt(struct step *st, struct inode *h, const struct field *r,
    size_t n)
{
	memset(st, 0, sizeof(*st));
	st->kind = STEP_REPEAT_PROMPT;
	st->field = r;
	st->parent = h;
	st->count = n;
}

static int	scan_fwd(struct session *, struct inode *, size_t, size_t,
		    struct step *);
static int	scan_back(struct session *, struct inode *, size_t, size_t,
		    struct step *);

#define AT_END	((size_t)-1)

static int
first_in(struct session *s, struct inode *n, struct step *st)
{
	if (!n->relevant)
		return 0;
	if (is_container(n->field))
		return scan_fwd(s, n, 0, 0, st);
	if (!field_shown(n->field))
		return 0;
	set_question(st, n);
	return 1;
}

static int
last_in(struct session *s, struct inode *n, struct step *st)
{
	if (!n->relevant)
		return 0;
	if (is_container(n->field))
		return n->field->nkids > 0 && scan_back(s, n,
		    n->field->nkids - 1, AT_END, st);
	if (!field_shown(n->field))
		return 0;
	set_question(st, n);
	return 1;
}

/*
 * The first stop in h from kid field fi on; for a repeat, from instance ii
 * on (ii == the number of instances: the prompt; past it: after the
 * prompt).
 */
static int
scan_fwd(struct session *s, struct inode *h, size_t fi, size_t ii,
    struct step *st)
{
	const struct field	*hf = h->field;
	size_t			 at, n, i;

	if (fi >= hf->nkids)
		return 0;
	slot(h, hf->kids[fi], &at, &n);
	for (; fi < hf->nkids; fi++, ii = 0, at += n) {
		const struct field	*k = hf->kids[fi];

		n = count_from(h, at, k);
		if (k->kind != FK_REPEAT) {
			if (n > 0 && first_in(s, h->kids[at], st))
				return 1;
			continue;
		}
		for (i = ii; i < n; i++)
			if (first_in(s, h->kids[at + i], st))
				return 1;
		if (ii <= n && prompt_ok(s, h, k)) {
			set_prompt(st, h, k, n);
			return 1;
		}
	}
	return 0;
}

/*
 * The last stop in h at or before kid field fi; for a repeat, among the
 * instances before ii (AT_END: the prompt, then every instance).
 */
static int
scan_back(struct session *s, struct inode *h, size_t fi, size_t ii,
    struct step *st)
{
	const struct field	*hf = h->field;
	size_t			 at, n, i;

	if (fi >= hf->nkids)
		return 0;
	slot(h, hf->kids[fi], &at, &n);
	for (;;) {
		const struct field	*k = hf->kids[fi];

		if (k->kind != FK_REPEAT) {
			if (n > 0 && last_in(s, h->kids[at], st))
				return 1;
		} else {
			if (ii == AT_END) {
				if (prompt_ok(s, h, k)) {
					set_prompt(st, h, k, n);
					return 1;
				}
				ii = n;
			}
			for (i = ii < n ? ii : n; i > 0; i--)
				if (last_in(s, h->kids[at + i - 1], st))
					return 1;
		}
		if (fi == 0)
			return 0;
		fi--;
		ii = AT_END;
		for (n = 0; at > 0 && h->kids[at - 1]->field == hf->kids[fi];
		    at--)
			n++;
	}
}

/* Forward from a place in h, climbing out of h when it has no more. */
static void
fwd_from(struct session *s, struct inode *h, size_t fi, size_t ii,
    struct step *st)
{
	struct step	t;

	while (!scan_fwd(s, h, fi, ii, &t)) {
		struct inode	*p = h->parent;

		if (p == NULL) {
			memset(st, 0, sizeof(*st));
			st->kind = STEP_END;
			return;
		}
		fi = kid_index(p->field, h->field);
		if (h->field->kind == FK_REPEAT)
			ii = sibling_index(h) + 1;
		else {
			fi++;
			ii = 0;
		}
		h = p;
	}
	*st = t;
}

/* Backward; st is left alone when there is nothing before. */
static void
back_from(struct session *s, struct inode *h, size_t fi, size_t ii,
    struct step *st)
{
	struct step	t;

	while (!scan_back(s, h, fi, ii, &t)) {
		struct inode	*p = h->parent;

		if (p == NULL)
			return;
		fi = kid_index(p->field, h->field);
		if (h->field->kind == FK_REPEAT)
			ii = sibling_index(h);
		else {
			if (fi == 0) {
				h = p;
				fi = AT_END;	/* nothing in p before h */
				continue;
			}
			fi--;
			ii = AT_END;
		}
		h = p;
	}
	*st = t;
}

int
session_first(struct session *s, struct step *st)
{
	fwd_from(s, &s->root->n, 0, 0, st);
	return 0;
}

int
session_next(struct session *s, struct step *st)
{
	struct inode	*h;
	size_t		 at, n, fi;

	switch (st->kind) {
	case STEP_QUESTION:
		h = st->node->parent;
		if (h == NULL) {
			st->kind = STEP_END;
			return 0;
		}
		fwd_from(s, h, kid_index(h->field, st->node->field) + 1, 0, st);
		break;
	case STEP_REPEAT_PROMPT:
		h = st->parent;
		fi = kid_index(h->field, st->field);
		slot(h, st->field, &at, &n);
		if (n > st->count)
			fwd_from(s, h, fi, st->count, st);
		else
			fwd_from(s, h, fi + 1, 0, st);
		break;
	case STEP_END:
		break;
	}
	return 0;
}

int
session_prev(struct session *s, struct step *st)
{
	struct inode	*h;
	size_t		 at, n, fi;

	switch (st->kind) {
	case STEP_QUESTION:
		h = st->node->parent;
		if (h == NULL)
			return 0;
		fi = kid_index(h->field, st->node->field);
		back_from(s, h, fi == 0 ? AT_END : fi - 1, AT_END, st);
		break;
	case STEP_REPEAT_PROMPT:
		h = st->parent;
		slot(h, st->field, &at, &n);
		back_from(s, h, kid_index(h->field, st->field), n, st);
		break;
	case STEP_END:
		h = &s->root->n;
		if (h->field->nkids > 0)
			back_from(s, h, h->field->nkids - 1, AT_END, st);
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Answers: checking and normalising what a person types               */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s[0..*n) without surrounding blanks. */
static const char *
trim(const char *s, size_t *n)
{
	size_t	len = *n;

	while (len > 0 && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	*n = len;
	return s;
}

/*
 * Whether s[0..n) are digits in groups of three separated by sep after a
 * first group of one to three ("3,000", "12,500,000"), at least one sep.
 */
static int
thousands(const char *s, size_t n, char sep)
{
	size_t	i, run = 0, groups = 0;

	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			run++;
			continue;
		}
		if (s[i] != sep || run == 0 || (groups > 0 ? run != 3 :
		    run > 3))
			return 0;
		groups++;
		run = 0;
	}
	return groups > 0 && run == 3;
}

/*
 * An integer as JavaRosa's (32 bits): optional sign, digits, commas
 * between thousands ("3,000"). out gets it without leading zeros or
 * commas. 0 ok, 1 not a number, 2 out of range, 3 commas not in
 * thousands ("3,00"), 4 a point before three digits ("3.000": 3 or
 * 3000?).
 */
static int
norm_int(const char *s, size_t n, char *out, size_t outsz)
{
	size_t		i = 0;
	int		neg = 0;
	long long	v = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return 1;
	if (memchr(s + i, ',', n - i) != NULL && !thousands(s + i, n - i,
	    ','))
		return 3;
	if (thousands(s + i, n - i, '.'))
		return 4;
	for (; i < n; i++) {
		if (s[i] == ',')
			continue;
		if (!isdigit((unsigned char)s[i]))
			return 1;
		v = v * 10 + (s[i] - '0');
		if (v > 2147483648LL)
			return 2;
	}
	if (neg)
		v = -v;
	if (v > 2147483647LL)
		return 2;
	snprintf(out, outsz, "%lld", v);
	return 0;
}

/*
 * A decimal: optional sign, digits, a point (or a comma when comma) and
 * digits; no exponent, no "nan". Commas between thousands before a point
 * ("1,500.5"). out: without leading or trailing zeros ("007,50" -> "7.5",
 * "-0" -> "0"). 0 ok, 1 not a number, 2 too many digits, 4 a lone comma
 * before three digits ("1,500": 1.5 or 1500?).
 */
static int
norm_dec(const char *s, size_t n, int comma, char *out, size_t outsz)
{
	char		 ip[NUMBER_MAX_LEN + 1], fp[NUMBER_MAX_LEN + 1];
	const char	*pt;
	size_t		 i = 0, ni = 0, nf = 0, k, grouped = 0;
	int		 neg = 0, sep = 0;

	if (n > NUMBER_MAX_LEN)
		return 2;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	pt = memchr(s + i, '.', n - i);
	if (pt != NULL && thousands(s + i, (size_t)(pt - s) - i, ','))
		grouped = (size_t)(pt - s);	/* commas before it: skip */
	else if (comma && pt == NULL && thousands(s + i, n - i, ','))
		return 4;
	for (; i < n; i++) {
		if (i < grouped && s[i] == ',')
			continue;
		if (isdigit((unsigned char)s[i])) {
			if (sep)
				fp[nf++] = s[i];
			else
				ip[ni++] = s[i];
		} else if (!sep && (s[i] == '.' || (comma && s[i] == ',')))
			sep = 1;
		else
			return 1;
	}
	if (ni + nf == 0)
		return 1;
	ip[ni] = fp[nf] = '\0';
	for (k = 0; k + 1 < ni && ip[k] == '0'; k++)
		;
	memmove(ip, ip + k, ni - k + 1);
	ni -= k;
	while (nf > 0 && fp[nf - 1] == '0')
		fp[--nf] = '\0';
	if (ni == 0) {
		ip[0] = '0';
		ip[1] = '\0';
		ni = 1;
	}
	/* significant digits */
	k = strcmp(ip, "0") == 0 ? nf - strspn(fp, "0") : ni + nf;
	if (k > DECIMAL_MAX_DIGITS)
		return 2;
	if (strcmp(ip, "0") == 0 && nf == 0)
		neg = 0;
	snprintf(out, outsz, "%s%s%s%s", neg ? "-" : "", ip, nf ? "." : "",
	    fp);
	return 0;
}

/* Up to 4 digits at s; returns how many were read. */
static size_t
read_digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n && i < 5 && isdigit((unsigned char)s[i]); i++)
		*v = *v * 10 + (s[i] - '0');
	return i;
}

/*
 * A date as YYYY-MM-DD or DD/MM/YYYY (D/M/YYYY), into out as YYYY-MM-DD.
 * A two-digit year (D/M/YY) is 20YY when that is within
 * DATE_YY_NEAR years of now, the date a person is typing on, so that the
 * other century is 90 years or more away; else the person says which
 * (a birth date: 6/6/60 is 1960 or 2060?). 0 ok, 1 not a date, 2 no such
 * day, 3 a two-digit year not near now (*yy set).
 */
static int
norm_date(const char *s, size_t n, double now, char out[16], int *yy)
{
	int	a, b, c, y, m, d, ty, tm, td;
	size_t	la, lb, lc, i = 0;
	char	sep;

	la = read_digits(s, n, &a);
	if (la == 0 || la == n)
		return 1;
	sep = s[la];
	if (sep != '-' && sep != '/')
		return 1;
	i = la + 1;
	lb = read_digits(s + i, n - i, &b);
	i += lb;
	if (lb == 0 || lb > 2 || i >= n || s[i] != sep)
		return 1;
	i++;
	lc = read_digits(s + i, n - i, &c);
	if (lc == 0 || i + lc != n)
		return 1;
	if (sep == '-' && la == 4 && lc <= 2) {
		y = a;
		m = b;
		d = c;
	} else if (sep == '/' && la <= 2 && lc == 4) {
		d = a;
		m = b;
		y = c;
	} else if (sep == '/' && la <= 2 && lc == 2) {
		d = a;
		m = b;
		*yy = c;
		date_civil_from_days((int64_t)floor(now / 86400), &ty, &tm,
		    &td);
		if (abs(2000 + c - ty) > DATE_YY_NEAR)
			return 3;
		y = 2000 + c;
	} else
		return 1;
	if (!date_valid(y, m, d))
		return 2;
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* H:MM, HH:MM or HH:MM:SS into seconds of the day. 0 ok, 1 not. */
static int
parse_clock(const char *s, size_t n, int *secs)
{
	int	h, m, sec = 0;
	size_t	lh, i;

	lh = read_digits(s, n, &h);
	if (lh == 0 || lh > 2 || lh + 3 > n || s[lh] != ':')
		return 1;
	i = lh + 1;
	if (read_digits(s + i, n - i, &m) != 2)
		return 1;
	i += 2;
	if (i < n) {
		if (s[i] != ':' || i + 3 != n || read_digits(s + i + 1, 2,
		    &sec) != 2)
			return 1;
	}
	if (h > 23 || m > 59 || sec > 59)
		return 1;
	*secs = h * 3600 + m * 60 + sec;
	return 0;
}

/*
 * A time as a person types it (H:MM, HH:MM:SS) or as ODK stores it
 * (HH:MM:SS.sss-05:00), into what ODK stores: milliseconds and an offset,
 * today's local one unless one was given. 0 ok, 1 not a time.
 */
static int
norm_time(const char *s, size_t n, double now, char out[40])
{
	char	buf[40];
	double	secs;
	int	isecs, has_tz, off, a;
	long	ms;

	if (parse_clock(s, n, &isecs) == 0) {
		secs = isecs;
		has_tz = 0;
	} else {
		if (n >= sizeof(buf))
			return 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (time_parse(buf, &secs, &has_tz, &off) != 0)
			return 1;
	}
	if (!has_tz)
		off = local_offset_min(now);
	a = abs(off);
	ms = lround(secs * 1000.0);
	if (ms >= 86400000L)
		ms = 86399999L;
	snprintf(out, 40, "%02ld:%02ld:%02ld.%03ld%c%02d:%02d", ms / 3600000,
	    ms / 60000 % 60, ms / 1000 % 60, ms % 1000, off < 0 ? '-' : '+',
	    a / 60 % 100, a % 60);
	return 0;
}

/* A date and time: "YYYY-MM-DD HH:MM[:SS]" (either date form) or ISO
 * 8601 with 'T' and an optional offset. 0 ok, 1 not, 2 no such day. */
static int
norm_datetime(const char *s, size_t n, double now, char out[40])
{
	char	iso[64], day[16];
	size_t	k;
	double	epoch;
	int	secs, rc, yy;

	if (n >= sizeof(iso))
		return 1;
	for (k = 0; k < n && s[k] != ' ' && s[k] != 'T'; k++)
		;
	if (k == n)
		return 1;
	if ((rc = norm_date(s, k, now, day, &yy)) != 0)
		return rc == 3 ? 1 : rc;
	if (s[k] == 'T') {
		snprintf(iso, sizeof(iso), "%s%.*s", day, (int)(n - k), s + k);
	} else {
		while (k < n && s[k] == ' ')
			k++;
		if (parse_clock(s + k, n - k, &secs) != 0)
			return 1;
		snprintf(iso, sizeof(iso), "%sT%02d:%02d:%02d", day,
		    secs / 3600, secs / 60 % 60, secs % 60);
	}
	if (datetime_parse(iso, &epoch) != 0)
		return 1;
	datetime_format_local(epoch, out);
	return 0;
}

static int
is_digits(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The choice a token names: a displayed number (typed) or a name. */
static long
find_choice(const struct choice **v, size_t n, const char *t, size_t tn,
    enum mode mode)
{
	size_t	i;
	long	k = 0;

	if (mode == MODE_TYPED && is_digits(t, tn) && tn < 9) {
		for (i = 0; i < tn; i++)
			k = k * 10 + (t[i] - '0');
		if (k >= 1 && (size_t)k <= n)
			return k - 1;
	}
	for (i = 0; i < n; i++)
		if (strlen(v[i]->name) == tn && memcmp(v[i]->name, t, tn) == 0)
			return (long)i;
	return -1;
}

static int
norm_select(struct session *s, const struct inode *node, const char *t,
    size_t n, enum mode mode, char **out, struct err *e)
{
	const struct choice	**v;
	unsigned char		 *on = NULL;
	struct buf		  b;
	char			  q[QUOTE_MAX + 4];
	size_t			  nv, i, j, ntok = 0;
	long			  k;
	int			  rc, multi;

	multi = node->field->kind == FK_SELECT_MULTIPLE;
	buf_init(&b, ANSWER_MAX_LEN);
	if (node->field->list != NULL && node->field->list->origin ==
	    LIST_FILE && !node->field->list->attached &&
	    !s->form->media_given)
		/* the hub: no attachments to check the names against */
		return (*out = strndup(t, n)) == NULL ?
		    err_set(e, ERR_NOMEM, "out of memory") : 0;
	if ((rc = session_choices(s, node, &v, &nv, e)) != 0)
		return rc;
	if (!multi && (k = find_choice(v, nv, t, n, mode)) >= 0)
		return (*out = strdup(v[k]->name)) == NULL ?
		    err_set(e, ERR_NOMEM, "out of memory") : 0;
	if ((on = calloc(nv ? nv : 1, 1)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i = j) {
		while (i < n && (is_space((unsigned char)t[i]) || t[i] == ','))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_space((unsigned char)t[j]) &&
		    t[j] != ','; j++)
			;
		quote(t + i, j - i, q);
		if (++ntok > 1 && !multi) {
			rc = err_set(e, ERR_INPUT, _("choose only one "
			    "answer"));
			goto out;
		}
		if ((k = find_choice(v, nv, t + i, j - i, mode)) < 0) {
			rc = err_set(e, ERR_INPUT, _("'%s' is not one of the "
			    "choices"), q);
			goto out;
		}
		if (on[k]) {
			rc = err_set(e, ERR_INPUT, _("'%s' is chosen twice"),
			    q);
			goto out;
		}
		on[k] = 1;
	}
	for (i = 0; i < nv && rc == 0; i++)
		if (on[i])
			rc = b.len == 0 ? buf_addstr(&b, v[i]->name) :
			    buf_addf(&b, " %s", v[i]->name);
	if (rc != 0) {
		rc = err_set(e, rc, "out of memory");
		goto out;
	}
	*out = b.len > 0 ? buf_detach(&b) : NULL;
out:
	buf_release(&b);
	free(on);
	return rc;
}

static int
norm_geopoint(const char *t, size_t n, char **out, struct err *e)
{
	char	part[4][NUMBER_MAX_LEN + 8], q[QUOTE_MAX + 4];
	char	res[4 * (NUMBER_MAX_LEN + 8)];
	size_t	i, j, np = 0;
	double	v;
	int	r;

	for (i = 0; i < n; i = j) {
		while (i < n && is_space((unsigned char)t[i]))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_space((unsigned char)t[j]); j++)
			;
		if (np == 4)
			goto bad;
		r = norm_dec(t + i, j - i, 0, part[np], sizeof(part[np]));
		if (r != 0)
			goto bad;
		np++;
	}
	if (np < 2)
		goto bad;
	v = strtod(part[0], NULL);
	if (v < -90 || v > 90)
		return err_set(e, ERR_INPUT, _("latitude %s is out of range "
		    "(-90 to 90)"), part[0]);
	v = strtod(part[1], NULL);
	if (v < -180 || v > 180)
		return err_set(e, ERR_INPUT, _("longitude %s is out of range "
		    "(-180 to 180)"), part[1]);
	if (np == 4 && strtod(part[3], NULL) < 0)
		return err_set(e, ERR_INPUT, _("accuracy %s cannot be "
		    "negative"), part[3]);
	snprintf(res, sizeof(res), "%s %s %s %s", part[0], part[1],
	    np > 2 ? part[2] : "0", np > 3 ? part[3] : "0");
	if ((*out = strdup(res)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
bad:
	quote(t, n, q);
	return err_set(e, ERR_INPUT, _("'%s' is not a location (latitude "
	    "longitude [altitude [accuracy]])"), q);
}

/* "OK" and the ways people say yes, case aside. */
static int
is_ack(const char *t, size_t n)
{
	char	w[16];
	size_t	i, k = 0;

	if (n >= sizeof(w))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)t[i];

		if (c == 0xc3 && i + 1 < n && (unsigned char)t[i + 1] ==
		    0x8d) {
			w[k++] = (char)0xc3;	/* Í -> í */
			w[k++] = (char)0xad;
			i++;
			continue;
		}
		w[k++] = (char)tolower(c);
	}
	w[k] = '\0';
	for (i = 0; i < sizeof(ack_words) / sizeof(ack_words[0]); i++)
		if (strcmp(w, ack_words[i]) == 0)
			return 1;
	return 0;
}

/* A control character (C0, DEL, C1) in valid UTF-8 text. */
static int
has_control(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * The text of an answer checked against the question's type and
 * normalised to what ODK stores; *out NULL for an empty answer.
 */
static int
normalise(struct session *s, const struct inode *node, const char *text,
    enum mode mode, char **out, struct err *e)
{
	const struct field	*f = node->field;
	const char		*t;
	char			 q[QUOTE_MAX + 4], num[NUMBER_MAX_LEN + 8];
	char			 day[40];
	size_t			 len, n;
	int			 r, yy = 0;

	*out = NULL;
	len = strnlen(text, (size_t)ANSWER_MAX_LEN + 1);
	if (len > ANSWER_MAX_LEN)
		return err_set(e, ERR_INPUT, _("the answer is too long (more "
		    "than %u bytes)"), (unsigned)ANSWER_MAX_LEN);
	if (!utf8_valid(text, len))
		return err_set(e, ERR_INPUT, _("the answer is not valid UTF-8 "
		    "text"));
	n = len;
	t = trim(text, &n);
	if (n == 0)
		return 0;
	/* text keeps its blanks, so all of it is checked */
	if (has_control(f->kind == FK_TEXT ? text : t, f->kind == FK_TEXT ?
	    len : n))
		return err_set(e, ERR_INPUT, _("the answer contains a control "
		    "character"));
	quote(t, n, q);
	switch (f->kind) {
	case FK_INTEGER:
		r = norm_int(t, n, num, sizeof(num));
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a whole "
			    "number"), q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("%s is too large a "
			    "number"), q);
		if (r == 3)
			return err_set(e, ERR_INPUT, _("'%s' is not a whole "
			    "number: a comma only separates thousands, in "
			    "groups of 3 digits (3,000)"), q);
		if (r == 4)
			return err_set(e, ERR_INPUT, _("'%s' is ambiguous: a "
			    "whole number has no point; write it without the "
			    "point, or with a comma for thousands (3,000)"),
			    q);
		break;
	case FK_DECIMAL:
		r = norm_dec(t, n, 1, num, sizeof(num));
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a number"),
			    q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("%s has too many "
			    "digits"), q);
		if (r == 4)
			return err_set(e, ERR_INPUT, _("'%s' is ambiguous: "
			    "a comma before 3 digits may be thousands or "
			    "decimals; write the decimals with a point "
			    "(1.5), or the number without the comma (1500)"),
			    q);
		break;
	case FK_DATE:
		r = norm_date(t, n, s->now, day, &yy);
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a date "
			    "(YYYY-MM-DD or DD/MM/YYYY)"), q);
		if (r == 3)
			return err_set(e, ERR_INPUT, _("'%s': write the year "
			    "with its 4 digits (19%02d or 20%02d?)"), q, yy,
			    yy);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("date %s does not "
			    "exist"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_TIME:
		if (norm_time(t, n, s->now, day) != 0)
			return err_set(e, ERR_INPUT, _("'%s' is not a time "
			    "(HH:MM)"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_DATETIME:
		r = norm_datetime(t, n, s->now, day);
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a date and "
			    "time (YYYY-MM-DD HH:MM)"), q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("date %s does not "
			    "exist"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_SELECT_ONE:
	case FK_SELECT_MULTIPLE:
		return norm_select(s, node, t, n, mode, out, e);
	case FK_GEOPOINT:
		return norm_geopoint(t, n, out, e);
	case FK_ACKNOWLEDGE:
		if (!is_ack(t, n))
			return err_set(e, ERR_INPUT, _("answer OK to go on"));
		t = "OK";
		n = 2;
		goto copy;
	case FK_TEXT:
	case FK_HIDDEN:
	case FK_CALCULATE:
		t = text;	/* text is kept as typed */
		n = len;
		goto copy;
	default:
		return err_set(e, ERR_INPUT, _("this question cannot be "
		    "answered here"));
	}
	if ((r = field_range_check(f, num, e)) != 0)
		return r;
	t = num;
	n = strlen(num);
copy:
	if ((*out = strndup(t, n)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Answering                                                            */

static int
answerable(const struct field *f)
{
	switch (f->kind) {
	case FK_GROUP:
	case FK_REPEAT:
	case FK_NOTE:
	case FK_CALCULATE:
	case FK_HIDDEN:
	case FK_META:
	case FK_UNSUPPORTED:
		return 0;
	default:
		return 1;
	}
}

/* The value of the question named name as read from at, or NULL. */
static char *
ref_value(struct session *s, const struct inode *at, const char *name,
    size_t n)
{
	struct arena	 a;
	struct expr	*x;
	struct eval_env	 env;
	struct err	 e;
	char		*src, *v = NULL;

	arena_init(&a, 0);
	err_init(&e);
	if ((src = arena_printf(&a, "${%.*s}", (int)n, name)) != NULL &&
	    expr_parse(&a, src, &x, NULL, &e) == 0 &&
	    expr_bind(x, s->form, at->field, &e) == 0) {
		env_init(s, &env, at);
		if (expr_eval_text(x, &env, &v, &e) != 0) {
			free(v);
			v = NULL;
		}
	}
	arena_release(&a);
	return v;
}

char *
session_text(struct session *s, const struct inode *at, const char *t)
{
	struct buf	 b;
	const char	*end;
	char		*v, *res;
	size_t		 n;

	buf_init(&b, SESSION_TEXT_MAX);
	while (*t != '\0') {
		n = strcspn(t, "$");
		buf_add(&b, t, n);
		t += n;
		if (*t == '\0')
			break;
		if (t[1] != '{' || (end = strchr(t + 2, '}')) == NULL ||
		    (size_t)(end - t) > PATH_SEG_MAX) {
			buf_addc(&b, *t++);
			continue;
		}
		v = ref_value(s, at, t + 2, (size_t)(end - t - 2));
		if (v == NULL)
			buf_add(&b, t, (size_t)(end - t) + 1);
		else
			buf_addstr(&b, v);
		free(v);
		t = end + 1;
	}
	if (b.p == NULL)
		buf_addstr(&b, "");
	res = buf_detach(&b);
	buf_release(&b);
	return res;
}

/* The form's message in the session's language, else ours, with the
 * answers it names; caller frees (NULL: out of memory). */
static char *
form_msg(struct session *s, const struct inode *at, const struct text *t,
    const char *dflt)
{
	const char	*m = t->v != NULL ? form_text(s->form, t, s->lang) :
			    NULL;

	return session_text(s, at, m != NULL && *m != '\0' ? m : dflt);
}

/* The form's message (form_msg) as a refusal in e: ERR_INPUT. */
static int
msg_set(struct session *s, const struct inode *at, const struct text *t,
    const char *dflt, struct err *e)
{
	char	*m = form_msg(s, at, t, dflt);
	int	 rc = err_set(e, ERR_INPUT, "%s", m != NULL ? m : dflt);

	free(m);
	return rc;
}

static int
answer(struct session *s, struct inode *node, const char *text,
    enum mode mode, struct err *e)
{
	const struct field	*f = node->field;
	char			*v = NULL, *old;
	int			 rc, ok;
	struct err		 e2;

	if (!answerable(f))
		return err_set(e, ERR_INPUT, _("this question cannot be "
		    "answered here"));
	if (!node->relevant)
		return err_set(e, ERR_INPUT, _("this question does not "
		    "apply"));
	s->now = clock_now();
	if ((f->readonly != NULL && eval_bool(s, f->readonly, node, 0)) ||
	    (f->calculation != NULL && f->trigger == NULL))
		return err_set(e, ERR_INPUT, _("this question is read only"));
	if ((rc = normalise(s, node, text != NULL ? text : "", mode, &v,
	    e)) != 0)
		return rc;
	if (v != NULL && f->constraint != NULL) {
		struct eval_env	env;

		old = node->value;
		node->value = v;
		env_init(s, &env, node);
		err_init(&e2);
		rc = expr_eval_bool(f->constraint, &env, &ok, &e2);
		node->value = old;
		if (rc != 0) {
			free(v);
			return err_set(e, ERR_INPUT, _("the answer could not "
			    "be checked: %s"), e2.msg);
		}
		if (!ok) {
			free(v);
			return msg_set(s, node, &f->constraint_msg,
			    _("the answer is not valid"), e);
		}
	}
	if (v == NULL && session_required(s, node))
		return msg_set(s, node, &f->required_msg,
		    _("this question is required"), e);
	s->answered = 1;
	if (set_value_owned(s, snode_of(node), v))
		recompute(s, 0);
	if (s->nomem)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

int
session_answer(struct session *s, struct inode *node, const char *text,
    struct err *e)
{
	return answer(s, node, text, MODE_TYPED, e);
}

int
session_choices(struct session *s, const struct inode *node,
    const struct choice ***out, size_t *n, struct err *e)
{
	const struct choice_list	 *l = node->field->list;
	const struct choice		**v;
	struct eval_env			  env;
	size_t				  i, k = 0;
	int				  ok, rc;

	*out = NULL;
	*n = 0;
	if (l != NULL && l->origin == LIST_FILE && !l->attached &&
	    s->form->media_given)
		return err_set(e, ERR_INPUT, _("the list of '%s' is in the "
		    "file '%s', which was not installed with the form: "
		    "install the form with its attachments"),
		    node->field->name, l->file);
	if (l == NULL || l->n == 0)
		return 0;
	if ((v = realloc(s->choices, l->n * sizeof(*v))) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->choices = v;
	env_init(s, &env, node);
	for (i = 0; i < l->n; i++) {
		if (node->field->choice_filter != NULL) {
			env.choice = &l->v[i];
			if ((rc = expr_eval_bool(node->field->choice_filter,
			    &env, &ok, e)) != 0)
				return rc;
			if (!ok)
				continue;
		}
		v[k++] = &l->v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

int
session_required(struct session *s, const struct inode *node)
{
	const struct field	*f = node->field;

	if (!node->relevant || f->required == NULL)
		return 0;
	/* A broken expression does not block the person. */
	return eval_bool(s, f->required, node, 0);
}

/* ------------------------------------------------------------------ */
/* Repeats                                                              */

int
session_add_repeat(struct session *s, struct inode *parent,
    const struct field *repeat, struct inode **out, struct err *e)
{
	struct inode	*n = NULL;
	size_t		 at, cnt;
	int		 rc;

	if (out != NULL)
		*out = NULL;
	if (repeat == NULL || repeat->kind != FK_REPEAT || parent == NULL ||
	    repeat->parent != parent->field)
		return err_set(e, ERR_INPUT, "'%s' is not a repeat of '%s'",
		    repeat != NULL ? repeat->name : "",
		    parent != NULL ? parent->field->name : "");
	if (repeat->repeat_count != NULL)
		return err_set(e, ERR_INPUT, _("the number of '%s' is set by "
		    "the form"), repeat->name);
	s->now = clock_now();
	if (!prompt_ok(s, parent, repeat))
		return err_set(e, ERR_INPUT, _("'%s' does not apply"),
		    repeat->name);
	slot(parent, repeat, &at, &cnt);
	if (cnt >= SESSION_MAX_REPEATS)
		return err_set(e, ERR_INPUT, _("'%s' cannot have more than "
		    "%d entries"), repeat->name, SESSION_MAX_REPEATS);
	if ((rc = instance_new(s, parent, repeat, at + cnt, 1, &n, e)) != 0)
		return rc;
	s->answered = 1;
	recompute(s, 1);
	if (out != NULL)
		*out = n;
	return s->nomem ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

int
session_remove_repeat(struct session *s, struct inode *inst, struct err *e)
{
	struct inode	*h;

	if (inst == NULL || inst->field->kind != FK_REPEAT ||
	    inst->parent == NULL)
		return err_set(e, ERR_INPUT, "not a repeat instance");
	if (inst->field->repeat_count != NULL)
		return err_set(e, ERR_INPUT, _("the number of '%s' is set by "
		    "the form"), inst->field->name);
	h = inst->parent;
	instance_remove(s, h, index_in_parent(inst));
	s->answered = 1;
	recompute(s, 1);
	return s->nomem ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

/* ------------------------------------------------------------------ */
/* Paths and persistence                                                */

static int
path_add(struct buf *b, const struct inode *n)
{
	if (b->len > 0 && buf_addc(b, '/') != 0)
		return ERR_NOMEM;
	if (n->field->kind == FK_REPEAT)
		return buf_addf(b, "%s[%zu]", n->field->name,
		    sibling_index(n) + 1);
	return buf_addstr(b, n->field->name);
}

static int
path_build(struct buf *b, const struct inode *n)
{
	if (n->parent == NULL)
		return 0;
	if (path_build(b, n->parent) != 0)
		return ERR_NOMEM;
	return path_add(b, n);
}

char *
inode_path(const struct inode *n)
{
	struct buf	b;

	buf_init(&b, (size_t)-1 / 2);
	if (path_build(&b, n) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * The node at path; with create, repeat instances are added up to the
 * position the path names (without defaults: a store holds the truth).
 */
static struct inode *
find(struct session *s, const char *path, int create, struct err *e)
{
	struct inode		*h = &s->root->n;
	const struct field	*k = NULL;
	char			 seg[PATH_SEG_MAX];
	const char		*p = path, *end;
	size_t			 len, i, at, n, pos;
	char			*stop;

	while (*p != '\0') {
		if (!is_container(h->field))
			return NULL;
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(seg))
			return NULL;
		memcpy(seg, p, len);
		seg[len] = '\0';
		p += len + (end != NULL);
		pos = 1;
		if ((stop = strchr(seg, '[')) != NULL) {
			char	*q;

			errno = 0;
			pos = strtoul(stop + 1, &q, 10);
			if (errno || q == stop + 1 || strcmp(q, "]") != 0 ||
			    pos == 0)
				return NULL;
			*stop = '\0';
		}
		for (i = 0; i < h->field->nkids; i++)
			if (strcmp(h->field->kids[i]->name, seg) == 0)
				break;
		if (i == h->field->nkids)
			return NULL;
		k = h->field->kids[i];
		slot(h, k, &at, &n);
		if (k->kind != FK_REPEAT) {
			if (stop != NULL && pos != 1)
				return NULL;
			if (n == 0)
				return NULL;
			h = h->kids[at];
			continue;
		}
		if (pos > n) {
			if (!create || pos > SESSION_MAX_REPEATS)
				return NULL;
			while (n < pos) {
				if (instance_new(s, h, k, at + n, 0, NULL,
				    e) != 0)
					return NULL;
				n++;
			}
		}
		h = h->kids[at + pos - 1];
	}
	return h;
}

struct inode *
session_find(struct session *s, const char *path)
{
	return find(s, path, 0, NULL);
}

/* Before the first restore: the store holds the truth, so what
 * session_new filled in (defaults, calculations) goes, metadata aside. */
static void
wipe(struct session *s, struct inode *n)
{
	size_t	i;

	snode_of(n)->changed = 0;
	if (!is_container(n->field)) {
		if (n->field->kind != FK_META) {
			free(n->value);
			n->value = NULL;
		}
		return;
	}
	for (i = 0; i < n->nkids; i++)
		wipe(s, n->kids[i]);
}

int
session_restore(struct session *s, const char *path, const char *value,
    struct err *e)
{
	struct inode	*n;
	char		*v = NULL;
	size_t		 i;

	if (!s->restored && !s->answered) {
		wipe(s, &s->root->n);
		for (i = 0; i < s->ngone; i++)
			free(s->gone[i]);
		s->ngone = 0;
		s->quiet = 1;
	}
	s->restored = 1;
	if ((n = find(s, path, 1, e)) == NULL || n->field->kind == FK_GROUP) {
		if (e != NULL && e->code != 0)
			return e->code;
		return err_set(e, ERR_INPUT, "no question at '%s'", path);
	}
	if (n->field->kind == FK_REPEAT) {
		/* find made it: the store has it already */
		snode_of(n)->changed = 0;
		return 0;
	}
	/* The session's own identity wins over a stored one (a revision
	 * has a new instanceID). */
	if (n->field->kind == FK_META && n->field->meta != NULL &&
	    strcasecmp(n->field->meta, "instanceID") == 0)
		return 0;
	if (value != NULL && *value != '\0' && (v = strdup(value)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	free(n->value);
	n->value = v;
	snode_of(n)->changed = 0;
	return 0;
}

void
session_recompute(struct session *s)
{
	recompute(s, 1);
}

struct walk {
	struct buf		 path;
	session_value_fn	*fn;
	void			*arg;
	int			 changes;	/* take_changes */
};

static void
each(struct walk *w, struct inode *n)
{
	size_t	len = w->path.len, i;

	if (n->parent != NULL && path_add(&w->path, n) != 0)
		return;
	if (w->changes ? snode_of(n)->changed : is_stored(n))
		w->fn(w->path.p, n->field->kind == FK_REPEAT ? "" : n->value,
		    w->arg);
	if (w->changes)
		snode_of(n)->changed = 0;
	for (i = 0; i < n->nkids; i++)
		each(w, n->kids[i]);
	w->path.len = len;
	if (w->path.p != NULL)
		w->path.p[len] = '\0';
}

void
session_each_value(struct session *s, session_value_fn *fn, void *arg)
{
	struct walk	w;

	buf_init(&w.path, (size_t)-1 / 2);
	w.fn = fn;
	w.arg = arg;
	w.changes = 0;
	each(&w, &s->root->n);
	buf_release(&w.path);
}

void
session_take_changes(struct session *s, session_value_fn *fn, void *arg)
{
	struct walk	 w;
	struct inode	*n;
	size_t		 i;

	/* Paths that went away first; one that exists again with a change
	 * is written below with its value. */
	for (i = 0; i < s->ngone; i++) {
		n = find(s, s->gone[i], 0, NULL);
		if (n == NULL || !snode_of(n)->changed)
			fn(s->gone[i], NULL, arg);
		free(s->gone[i]);
	}
	s->ngone = 0;
	buf_init(&w.path, (size_t)-1 / 2);
	w.fn = fn;
	w.arg = arg;
	w.changes = 1;
	each(&w, &s->root->n);
	buf_release(&w.path);
}

static void
stamp_end(struct session *s, struct inode *n, const char *at)
{
	size_t	i;

	if (n->field->kind == FK_META && n->field->meta != NULL &&
	    strcasecmp(n->field->meta, "end") == 0)
		set_value(s, snode_of(n), at);
	for (i = 0; i < n->nkids; i++)
		stamp_end(s, n->kids[i], at);
}

static void
drop_hidden(struct session *s, struct inode *n)
{
	size_t	i;

	if (!n->relevant && !is_container(n->field))
		set_value(s, snode_of(n), NULL);
	for (i = 0; i < n->nkids; i++)
		drop_hidden(s, n->kids[i]);
}

void
session_drop_hidden(struct session *s)
{
	drop_hidden(s, &s->root->n);
}

void
session_finalize(struct session *s, double when)
{
	char	at[40];

	datetime_format_local(when, at);
	stamp_end(s, &s->root->n, at);
	recompute(s, 1);
}

/* ------------------------------------------------------------------ */
/* Validation and --answers                                             */

/* How problems are told: as session_validate's diagnostics (sheet
 * "survey", row, path as the column) or as "path: message". */
enum style { STYLE_SURVEY, STYLE_PATH };

static void
problem(struct diags *d, enum style style, const struct field *f,
    const char *path, const char *msg)
{
	if (style == STYLE_SURVEY)
		diags_add(d, DIAG_ERROR, "survey", f->row, path, "%s", msg);
	else
		diags_add(d, DIAG_ERROR, NULL, 0, NULL, "%s: %s", path, msg);
}

static size_t
validate(struct session *s, struct inode *n, struct diags *d,
    enum style style)
{
	const struct field	*f = n->field;
	char			*path, *msg = NULL;
	size_t			 i, c = 0;

	if (!n->relevant)
		return 0;
	if (is_container(f)) {
		for (i = 0; i < n->nkids; i++)
			c += validate(s, n->kids[i], d, style);
		return c;
	}
	if (snode_of(n)->problem || f->kind == FK_NOTE || f->kind == FK_META)
		return 0;
	if (n->value == NULL && !s->partial && session_required(s, n))
		msg = form_msg(s, n, &f->required_msg, _("this question is "
		    "required"));
	else if (n->value != NULL && f->constraint != NULL &&
	    !eval_bool(s, f->constraint, n, 1))
		msg = form_msg(s, n, &f->constraint_msg, _("the answer is not "
		    "valid"));
	else
		return 0;
	path = inode_path(n);
	problem(d, style, f, path != NULL ? path : f->name, msg != NULL ?
	    msg : "out of memory");
	free(path);
	free(msg);
	return 1;
}

size_t
session_validate(struct session *s, struct diags *d)
{
	s->now = clock_now();
	return validate(s, &s->root->n, d, STYLE_SURVEY);
}

/* ------------------------------------------------------------------ */
/* --answers: a JSON object through session_answer (not the collector's
 * struct fill, which joins a session to the store) */

struct jfill {
	struct session	*s;
	struct diags	*d;
	struct err	*e;		/* out of memory only */
	size_t		 n;		/* problems */
	unsigned char	*reads;		/* per field: READS_* */
	/* A person's answers (session_fill_json): a value given for a
	 * calculation is compared with what the form computes, once every
	 * answer is in; "path\0value" each. */
	int		 strict;
	char		**calc;
	size_t		 ncalc;
	size_t		 capcalc;
};

/*
 * A recompute after each answer made a fill of N repeat instances cost N
 * recomputes, each a sum over N (2,000 instances 5.6 s, 12,000 204 s).
 * The fill defers them and settles what is pending only before it looks
 * at a question whose own expressions, or an enclosing group's, read
 * another field (relevance, constraint, read-only, required, choice
 * filter, repeat count, default), or adds an instance whose questions
 * have such a default. Questions that read only themselves (". < 120")
 * cost one recompute at the end, whatever their number.
 */
#define READS_SELF	1	/* the field's expressions read others */
#define READS_BELOW	2	/* a default below it does */

struct reads_ctx {
	const struct field	*f;
	int			 other;
};

static void
note_other(const struct field *g, void *arg)
{
	struct reads_ctx	*r = arg;

	if (g != r->f)
		r->other = 1;
}

static int
reads_others(const struct field *f, const struct expr *x)
{
	struct reads_ctx	r = { f, 0 };

	if (x == NULL)
		return 0;
	if (expr_reads_paths(x))
		return 1;
	expr_refs(x, note_other, &r);
	return r.other;
}

static int
jfill_reads(struct jfill *fl)
{
	const struct form	*fm = fl->s->form;
	const struct field	*f, *g;
	size_t			 i;

	if ((fl->reads = calloc(fm->nfields ? fm->nfields : 1, 1)) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < fm->nfields; i++) {
		f = fm->fields[i];
		if (reads_others(f, f->relevant) ||
		    reads_others(f, f->constraint) ||
		    reads_others(f, f->required) ||
		    reads_others(f, f->readonly) ||
		    reads_others(f, f->choice_filter) ||
		    reads_others(f, f->repeat_count))
			fl->reads[i] |= READS_SELF;
		if (reads_others(f, f->default_expr)) {
			fl->reads[i] |= READS_SELF;
			for (g = f->parent; g != NULL; g = g->parent)
				fl->reads[g->index] |= READS_BELOW;
		}
	}
	return 0;
}

/* The recompute pending, if f (below, too, with below) needs it. */
static void
jfill_settle(struct jfill *fl, const struct field *f, int below)
{
	struct session		*s = fl->s;
	const struct field	*g;
	int			 full;

	if (!s->pending)
		return;
	for (g = f; g != NULL; g = g->parent)
		if (fl->reads[g->index] & READS_SELF)
			break;
	if (g == NULL && !(below && (fl->reads[f->index] & READS_BELOW)))
		return;
	full = s->pending_full;
	s->defer = s->pending = s->pending_full = 0;
	recompute(s, full);
	s->defer = 1;
}

/* A problem at the path of h, then name (and [pos] when pos > 0). */
PRINTFLIKE(5, 6) static void
jfill_problem(struct jfill *fl, const struct inode *h, const char *name,
    size_t pos, const char *fmt, ...)
{
	char	*hp = h != NULL ? inode_path(h) : NULL;
	char	 msg[ERR_MSG_MAX], path[ERR_MSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos > 0)
		snprintf(path, sizeof(path), "%s%s%s[%zu]", hp != NULL ? hp :
		    "", hp != NULL && *hp ? "/" : "", name, pos);
	else
		snprintf(path, sizeof(path), "%s%s%s", hp != NULL ? hp : "",
		    hp != NULL && *hp ? "/" : "", name);
	free(hp);
	diags_add(fl->d, DIAG_ERROR, NULL, 0, NULL, "%s: %s", path, msg);
	fl->n++;
}

/* A JSON leaf as the text a person would type. */
static int
json_text(const json_t *v, char *num, size_t numsz, const char **out)
{
	double	d;

	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if (json_is_integer(v)) {
		snprintf(num, numsz, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*out = num;
		return 0;
	}
	if (json_is_real(v)) {
		/* the shortest text that reads back as the same number */
		d = json_real_value(v);
		snprintf(num, numsz, "%.15g", d);
		if (strtod(num, NULL) != d)
			snprintf(num, numsz, "%.17g", d);
		*out = num;
		return 0;
	}
	return -1;
}

static int	jfill_obj(struct jfill *, struct inode *, json_t *);
static size_t	fill_value(struct session *, json_t *, int, struct diags *,
		    struct err *);

/* Said once: validation passes over what is already reported. */
static void
set_problems(struct inode *n, int on)
{
	size_t	i;

	snode_of(n)->problem = on;
	for (i = 0; i < n->nkids; i++)
		set_problems(n->kids[i], on);
}

/* Remember that text was given for the calculation n. */
static int
calc_given(struct jfill *fl, const struct inode *n, const char *text)
{
	char	*path, *pv, **v;
	size_t	 lp, lt, cap;

	if ((path = inode_path(n)) == NULL)
		return err_set(fl->e, ERR_NOMEM, "out of memory");
	lp = strlen(path);
	lt = strlen(text);
	if (fl->ncalc == fl->capcalc) {
		cap = fl->capcalc ? fl->capcalc * 2 : 8;
		if ((v = realloc(fl->calc, cap * sizeof(*v))) == NULL) {
			free(path);
			return err_set(fl->e, ERR_NOMEM, "out of memory");
		}
		fl->calc = v;
		fl->capcalc = cap;
	}
	if ((pv = malloc(lp + lt + 2)) == NULL) {
		free(path);
		return err_set(fl->e, ERR_NOMEM, "out of memory");
	}
	memcpy(pv, path, lp + 1);
	memcpy(pv + lp + 1, text, lt + 1);
	free(path);
	fl->calc[fl->ncalc++] = pv;
	return 0;
}

/*
 * A value given for a calculation is refused, saying it is computed,
 * unless it is what the form computes from the other answers (data of a
 * submission fed back): the form's value is the one kept either way.
 */
static void
calc_check(struct jfill *fl)
{
	const struct inode	*n;
	const char		*given, *have;
	char			 q[QUOTE_MAX + 4], *slash;
	double			 a, b;
	size_t			 i;

	for (i = 0; i < fl->ncalc; i++) {
		given = fl->calc[i] + strlen(fl->calc[i]) + 1;
		n = find(fl->s, fl->calc[i], 0, NULL);
		have = n != NULL && n->relevant && n->value != NULL ?
		    n->value : "";
		a = expr_text_number(given);
		b = expr_text_number(have);
		if (strcmp(given, have) == 0 || (!isnan(a) && a == b))
			continue;
		quote(have, strlen(have), q);
		slash = strrchr(fl->calc[i], '/');
		diags_add(fl->d, DIAG_ERROR, NULL, 0, NULL, *have != '\0' ?
		    _("%s: '%s' is computed by the form (here '%s'), not "
		    "answered: leave it out") : _("%s: '%s' is computed by the "
		    "form, not answered: leave it out"), fl->calc[i],
		    slash != NULL ? slash + 1 : fl->calc[i], q);
		fl->n++;
	}
}

static void
calc_release(struct jfill *fl)
{
	size_t	i;

	for (i = 0; i < fl->ncalc; i++)
		free(fl->calc[i]);
	free(fl->calc);
	fl->calc = NULL;
	fl->ncalc = fl->capcalc = 0;
}

static int
jfill_leaf(struct jfill *fl, struct inode *h, struct inode *n, json_t *v)
{
	const struct field	*f = n->field;
	const char		*text;
	char			 num[64];
	struct err		 e;
	int			 rc;

	if (json_text(v, num, sizeof(num), &text) != 0) {
		jfill_problem(fl, h, f->name, 0, _("the answer must be text or "
		    "a number"));
		snode_of(n)->problem = 1;
		return 0;
	}
	/* What the program computes (metadata, calculations) is its own:
	 * a value for it, as in a submission's data fed back, is ignored;
	 * from a person, a calculation is checked at the end (calc_check).
	 * So is an answer equal to the value already there (a read-only
	 * question's default). */
	if (f->kind == FK_CALCULATE && fl->strict)
		return calc_given(fl, n, text);
	if (f->kind == FK_META || f->kind == FK_CALCULATE)
		return 0;
	jfill_settle(fl, f, 0);
	if (n->value != NULL && strcmp(n->value, text) == 0)
		return 0;
	if (!n->relevant) {
		jfill_problem(fl, h, f->name, 0, _("answer to '%s' given but "
		    "the question does not apply"), f->name);
		snode_of(n)->problem = 1;
		return 0;
	}
	err_init(&e);
	if ((rc = answer(fl->s, n, text, MODE_NAMES, &e)) == ERR_NOMEM)
		return err_set(fl->e, rc, "%s", e.msg);
	if (rc != 0) {
		jfill_problem(fl, h, f->name, 0, "%s", e.msg);
		snode_of(n)->problem = 1;
	}
	return 0;
}

static int
jfill_repeat(struct jfill *fl, struct inode *h, const struct field *k,
    json_t *arr)
{
	struct inode	*inst;
	struct err	 e;
	size_t		 i, at, n;
	json_t		*o;
	int		 rc;

	if (!json_is_array(arr)) {
		jfill_problem(fl, h, k->name, 0, _("'%s' must be a list of "
		    "objects"), k->name);
		return 0;
	}
	/* Entry i is instance i + 1, whatever its shape, so that every
	 * message names the entry it is about. */
	json_array_foreach(arr, i, o) {
		jfill_settle(fl, k, 1);
		slot(h, k, &at, &n);
		if (i >= n) {
			if (k->repeat_count != NULL) {
				jfill_problem(fl, h, k->name, i + 1, _("'%s' "
				    "has %zu entries but the form asks for "
				    "%zu"), k->name, json_array_size(arr), n);
				return 0;
			}
			err_init(&e);
			rc = session_add_repeat(fl->s, h, k, &inst, &e);
			if (rc == ERR_NOMEM)
				return err_set(fl->e, rc, "%s", e.msg);
			if (rc != 0) {
				jfill_problem(fl, h, k->name, i + 1, "%s",
				    e.msg);
				return 0;
			}
		} else
			inst = h->kids[at + i];
		if (!json_is_object(o)) {
			jfill_problem(fl, h, k->name, i + 1, _("an entry of "
			    "'%s' must be an object"), k->name);
			set_problems(inst, 1);
			continue;
		}
		if (!inst->relevant) {
			jfill_problem(fl, h, k->name, i + 1, _("answer to '%s' "
			    "given but the question does not apply"),
			    k->name);
			continue;
		}
		if ((rc = jfill_obj(fl, inst, o)) != 0)
			return rc;
	}
	return 0;
}

/* Answers for the kids of h from obj, in form order. */
static int
jfill_obj(struct jfill *fl, struct inode *h, json_t *obj)
{
	const struct field	*hf = h->field, *k;
	const char		*key;
	json_t			*v;
	size_t			 i, at, n;
	int			 rc;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < hf->nkids; i++)
			if (strcmp(hf->kids[i]->name, key) == 0)
				break;
		if (i == hf->nkids)
			jfill_problem(fl, h, key, 0, _("'%s' is not a question "
			    "of this form"), key);
	}
	for (i = 0; i < hf->nkids; i++) {
		k = hf->kids[i];
		if ((v = json_object_get(obj, k->name)) == NULL ||
		    json_is_null(v))
			continue;
		if (k->kind == FK_REPEAT) {
			if ((rc = jfill_repeat(fl, h, k, v)) != 0)
				return rc;
			continue;
		}
		slot(h, k, &at, &n);
		if (n == 0)
			continue;
		if (k->kind != FK_GROUP) {
			if ((rc = jfill_leaf(fl, h, h->kids[at], v)) != 0)
				return rc;
			continue;
		}
		jfill_settle(fl, k, 0);
		if (!json_is_object(v))
			jfill_problem(fl, h, k->name, 0, _("'%s' must be an "
			    "object"), k->name);
		else if (!h->kids[at]->relevant && json_object_size(v) > 0)
			jfill_problem(fl, h, k->name, 0, _("answer to '%s' "
			    "given but the question does not apply"),
			    k->name);
		else if ((rc = jfill_obj(fl, h->kids[at], v)) != 0)
			return rc;
	}
	return 0;
}

size_t
session_fill_json(struct session *s, const char *json, size_t len,
    struct diags *d, struct err *e)
{
	json_error_t	 je;
	json_t		*root;
	size_t		 n;

	/* A text that is not an answers object at all is one error about
	 * the file (e), not a problem with an answer (d): the caller names
	 * the file, and stores nothing. */
	if (len > ANSWERS_JSON_MAX) {
		err_set(e, ERR_INPUT, _("the answers are too large (more "
		    "than %u bytes)"), (unsigned)ANSWERS_JSON_MAX);
		return 1;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL && json_error_code(&je) ==
	    json_error_null_character) {
		/* jansson's words name its flag (JSON_ALLOW_NUL) */
		err_set(e, ERR_INPUT, _("line %d, column %d: an answer holds "
		    "the character \\u0000 (NUL), which text cannot hold"),
		    je.line, je.column);
		return 1;
	}
	if (root == NULL) {
		err_set(e, ERR_INPUT, _("line %d, column %d: %s"), je.line,
		    je.column, je.text);
		return 1;
	}
	n = fill_value(s, root, 1, d, e);
	json_decref(root);
	return n;
}

static size_t
fill_value(struct session *s, json_t *obj, int strict, struct diags *d,
    struct err *e)
{
	struct jfill	 fl;
	int		 rc;

	if (!json_is_object(obj)) {
		err_set(e, ERR_INPUT, _("the answers must be a JSON object "
		    "keyed by question name"));
		return 1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.s = s;
	fl.d = d;
	fl.e = e;
	fl.strict = strict;
	if (jfill_reads(&fl) != 0) {
		err_set(e, ERR_NOMEM, "out of memory");
		return 1;
	}
	s->defer = 1;
	rc = jfill_obj(&fl, &s->root->n, obj);
	s->defer = 0;
	if (s->pending) {
		s->pending = 0;
		recompute(s, s->pending_full);
		s->pending_full = 0;
	}
	free(fl.reads);
	if (rc != 0) {
		set_problems(&s->root->n, 0);
		calc_release(&fl);
		return fl.n + 1;
	}
	calc_check(&fl);
	calc_release(&fl);
	s->now = clock_now();
	fl.n += validate(s, &s->root->n, d, STYLE_PATH);
	set_problems(&s->root->n, 0);
	return fl.n;
}

size_t
session_fill_value(struct session *s, json_t *obj, struct diags *d,
    struct err *e)
{
	return fill_value(s, obj, 0, d, e);
}
