/*
 * session_walk.c: the walk over a session's questions. The walk keeps no
 * cursor of its own: struct step is the cursor, so that a caller may jump
 * anywhere; the next or previous step is found from the tree as it is
 * now, after whatever the last answer changed.
 */
#include <string.h>

#include "forms.h"
#include "session_priv.h"

/* ------------------------------------------------------------------ */
/* The walk                                                             */

/*
 * Whether the person may be asked for another instance of r in h: the
 * repeat's relevance, evaluated at its last instance (as for the next
 * one), or at h when there is none yet.
 */
int
ss_prompt_ok(struct session *s, const struct inode *h, const struct field *r)
{
	size_t	at, n;

	if (r->repeat_count != NULL || !h->relevant)
		return 0;
	if (r->relevant == NULL)
		return 1;
	ss_slot(h, r, &at, &n);
	return ss_eval_bool(s, r->relevant, n > 0 ? h->kids[at + n - 1] : h, 1);
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
	if (ss_is_container(n->field))
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
	if (ss_is_container(n->field))
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
	ss_slot(h, hf->kids[fi], &at, &n);
	for (; fi < hf->nkids; fi++, ii = 0, at += n) {
		const struct field	*k = hf->kids[fi];

		n = ss_count_from(h, at, k);
		if (k->kind != FK_REPEAT) {
			if (n > 0 && first_in(s, h->kids[at], st))
				return 1;
			continue;
		}
		for (i = ii; i < n; i++)
			if (first_in(s, h->kids[at + i], st))
				return 1;
		if (ii <= n && ss_prompt_ok(s, h, k)) {
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
	ss_slot(h, hf->kids[fi], &at, &n);
	for (;;) {
		const struct field	*k = hf->kids[fi];

		if (k->kind != FK_REPEAT) {
			if (n > 0 && last_in(s, h->kids[at], st))
				return 1;
		} else {
			if (ii == AT_END) {
				if (ss_prompt_ok(s, h, k)) {
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
		fi = ss_kid_index(p->field, h->field);
		if (h->field->kind == FK_REPEAT)
			ii = ss_sibling_index(h) + 1;
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
		fi = ss_kid_index(p->field, h->field);
		if (h->field->kind == FK_REPEAT)
			ii = ss_sibling_index(h);
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
		fwd_from(s, h, ss_kid_index(h->field, st->node->field) + 1, 0, st);
		break;
	case STEP_REPEAT_PROMPT:
		h = st->parent;
		fi = ss_kid_index(h->field, st->field);
		ss_slot(h, st->field, &at, &n);
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
		fi = ss_kid_index(h->field, st->node->field);
		back_from(s, h, fi == 0 ? AT_END : fi - 1, AT_END, st);
		break;
	case STEP_REPEAT_PROMPT:
		h = st->parent;
		ss_slot(h, st->field, &at, &n);
		back_from(s, h, ss_kid_index(h->field, st->field), n, st);
		break;
	case STEP_END:
		h = &s->root->n;
		if (h->field->nkids > 0)
			back_from(s, h, h->field->nkids - 1, AT_END, st);
		break;
	}
	return 0;
}
