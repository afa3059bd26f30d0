/*
 * session_paths.c: naming nodes by path and finding them again, so that
 * a store can keep a session's values and changes as "path = value"
 * rows and restore them; and finalizing a submission.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forms.h"
#include "session_priv.h"

/* ------------------------------------------------------------------ */
/* Paths and persistence                                                */

static int
path_add(struct buf *b, const struct inode *n)
{
	if (b->len > 0 && buf_addc(b, '/') != 0)
		return ERR_NOMEM;
	if (n->field->kind == FK_REPEAT)
		return buf_addf(b, "%s[%zu]", n->field->name,
		    ss_sibling_index(n) + 1);
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
struct inode *
ss_find(struct session *s, const char *path, int create, struct err *e)
{
	struct inode		*h = &s->root->n;
	const struct field	*k = NULL;
	char			 seg[PATH_SEG_MAX];
	const char		*p = path, *end;
	size_t			 len, i, at, n, pos;
	char			*stop;

	while (*p != '\0') {
		if (!ss_is_container(h->field))
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
		ss_slot(h, k, &at, &n);
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
				if (ss_instance_new(s, h, k, at + n, 0, NULL,
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
	return ss_find(s, path, 0, NULL);
}

/* Before the first restore: the store holds the truth, so what
 * session_new filled in (defaults, calculations) goes, metadata aside. */
static void
wipe(struct session *s, struct inode *n)
{
	size_t	i;

	ss_snode_of(n)->changed = 0;
	if (!ss_is_container(n->field)) {
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
	if ((n = ss_find(s, path, 1, e)) == NULL || n->field->kind == FK_GROUP) {
		if (e != NULL && e->code != 0)
			return e->code;
		return err_set(e, ERR_INPUT, "no question at '%s'", path);
	}
	if (n->field->kind == FK_REPEAT) {
		/* find made it: the store has it already */
		ss_snode_of(n)->changed = 0;
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
	ss_snode_of(n)->changed = 0;
	return 0;
}

void
session_recompute(struct session *s)
{
	ss_recompute(s, 1);
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
	if (w->changes ? ss_snode_of(n)->changed : ss_is_stored(n))
		w->fn(w->path.p, n->field->kind == FK_REPEAT ? "" : n->value,
		    w->arg);
	if (w->changes)
		ss_snode_of(n)->changed = 0;
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
		n = ss_find(s, s->gone[i], 0, NULL);
		if (n == NULL || !ss_snode_of(n)->changed)
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
		ss_set_value(s, ss_snode_of(n), at);
	for (i = 0; i < n->nkids; i++)
		stamp_end(s, n->kids[i], at);
}

static void
drop_hidden(struct session *s, struct inode *n)
{
	size_t	i;

	if (!n->relevant && !ss_is_container(n->field))
		ss_set_value(s, ss_snode_of(n), NULL);
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
	ss_recompute(s, 1);
}
