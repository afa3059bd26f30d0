/*
 * diags.c: the list of problems found in a form or a submission. A form
 * author fixes a form in one pass only if every problem is reported at
 * once, each with the sheet, row and column to look at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

static char *
dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
diags_add(struct diags *d, enum diag_level level, const char *sheet, int row,
    const char *column, const char *fmt, ...)
{
	struct diag	*g;
	va_list		 ap;
	char		 msg[1024];

	if (d == NULL)
		return;
	/* Counted first: a diagnostic that cannot be recorded for want of
	 * memory must still make the form fail. */
	if (level == DIAG_ERROR)
		d->nerrors++;
	if (d->n == d->cap) {
		size_t	 cap = d->cap ? d->cap * 2 : 16;
		void	*p = realloc(d->v, cap * sizeof(*d->v));

		if (p == NULL)
			return;
		d->v = p;
		d->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g = &d->v[d->n++];
	g->level = level;
	g->sheet = dup(sheet);
	g->row = row;
	g->column = dup(column);
	g->msg = dup(msg);
	g->seq = d->n - 1;
}

static int
cmp(const void *a, const void *b)
{
	const struct diag	*x = a, *y = b;
	int			 c;

	if (x->sheet == NULL || y->sheet == NULL) {
		if (x->sheet != y->sheet)
			return x->sheet == NULL ? -1 : 1;
	} else if ((c = strcmp(x->sheet, y->sheet)) != 0) {
		/* survey, choices, settings: the order an author reads */
		static const char *const order[] = { "survey", "choices",
		    "settings" };
		int	i, ox = 3, oy = 3;

		for (i = 0; i < 3; i++) {
			if (strcmp(x->sheet, order[i]) == 0)
				ox = i;
			if (strcmp(y->sheet, order[i]) == 0)
				oy = i;
		}
		return ox != oy ? ox - oy : c;
	}
	if (x->row != y->row)
		return x->row - y->row;
	/* several problems on one row: in the order they were found */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
streq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same(const struct diag *a, const struct diag *b)
{
	return a->level == b->level && a->row == b->row &&
	    streq(a->sheet, b->sheet) && streq(a->column, b->column) &&
	    streq(a->msg, b->msg);
}

int
diags_format(const struct diags *d, const char *file, struct buf *out)
{
	struct diag	*v;
	size_t		 i;
	int		 rc = 0;

	if (d->n == 0)
		return 0;
	if ((v = malloc(d->n * sizeof(*v))) == NULL)
		return ERR_NOMEM;
	memcpy(v, d->v, d->n * sizeof(*v));
	qsort(v, d->n, sizeof(*v), cmp);
	for (i = 0; i < d->n && rc == 0; i++) {
		/* a loop's copies of a row report its problem once */
		if (i > 0 && same(&v[i - 1], &v[i]))
			continue;
		rc = buf_addstr(out, file);
		if (rc == 0 && v[i].sheet != NULL)
			rc = buf_addf(out, ":%s", v[i].sheet);
		if (rc == 0 && v[i].row > 0)
			rc = buf_addf(out, ":%d", v[i].row);
		if (rc == 0 && v[i].column != NULL)
			rc = buf_addf(out, ":%s", v[i].column);
		/* "error" and "warning" stay English: scripts parse them
		 * (CONTRACT.md); only the message is in the reader's
		 * language */
		if (rc == 0)
			rc = buf_addf(out, ": %s: %s\n", v[i].level ==
			    DIAG_ERROR ? "error" : "warning", v[i].msg ?
			    v[i].msg : _("out of memory"));
	}
	free(v);
	return rc;
}

void
diags_release(struct diags *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].sheet);
		free(d->v[i].column);
		free(d->v[i].msg);
	}
	free(d->v);
	diags_init(d);
}
