/*
 * expr_eval.c: evaluating a parsed expression against an instance tree.
 *
 * Values are XPath's four types plus dates, date-times and times that know
 * what they are (JavaRosa types a node's value by its bind type, and so do
 * we: a date question read through a reference is a date, an integer
 * question a number, anything else a string). Node-sets hold nodes of the
 * primary instance and virtual nodes of the secondary instances that the
 * choice lists become (instance('list')/root/item/label).
 *
 * Where XPath 1.0 and JavaRosa part ways we follow JavaRosa, which is what
 * ODK Collect users see:
 *   - a node-set reads as its first node's value, and an empty node-set as
 *     "" (not as an empty set) in comparisons and conversions, so that
 *     "${x} = ''" is true when x has no node; a set of several nodes
 *     compares existentially, as XPath says; as a boolean, one question
 *     is its value ("${x}" is false when x is empty) while a group or
 *     repeat instance is true when it exists ("rep[inner]");
 *   - "=" compares as booleans if either side is a boolean, else as numbers
 *     if either side is a number, else as strings; two dates compare as
 *     days; < <= > >= always compare numbers;
 *   - strings become numbers only when they hold digits, '-' and '.' (a
 *     ',' reads as '.'), or a date or date-time (days since 1970-01-01);
 *     anything else, "" included, is NaN, so "${x} > 5" and "${x} <= 5"
 *     are both false when x is empty.
 *
 * Every evaluation has a scratch arena (strings, node-sets) with a ceiling
 * and a work counter, so that no input can take unbounded memory or time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Memory and values                                                   */

int
ev_oom(struct ectx *c)
{
	if (c->scratch.used > EVAL_MAX_MEM / 2)
		return err_set(c->e, ERR_INPUT, _("expression needs more "
		    "than %u MB"), EVAL_MAX_MEM >> 20);
	return err_set(c->e, ERR_NOMEM, _("out of memory evaluating an "
	    "expression"));
}

void *
ev_alloc(struct ectx *c, size_t n)
{
	void	*p;

	if ((p = arena_alloc(&c->scratch, n)) == NULL)
		ev_oom(c);
	return p;
}

void
val_str(struct val *v, const char *s)
{
	v->t = V_STR;
	v->s = s;
}

void
val_num(struct val *v, double n)
{
	v->t = V_NUM;
	v->n = n;
	v->s = NULL;
}

void
val_bool(struct val *v, int b)
{
	v->t = V_BOOL;
	v->b = b != 0;
	v->s = NULL;
}

static void
val_empty(struct val *v)
{
	v->t = V_NODES;
	v->nn = 0;
	v->cap = 0;
	v->v = NULL;
	v->s = NULL;
}

void
val_nodes1(struct val *v, const struct xnode *n)
{
	val_empty(v);
	v->nn = 1;
	v->one = *n;
}

const struct xnode *
val_node(const struct val *v, size_t i)
{
	return v->v != NULL ? &v->v[i] : &v->one;
}

static int
node_eq(const struct xnode *a, const struct xnode *b)
{
	return a->kind == b->kind && a->in == b->in && a->ch == b->ch &&
	    a->list == b->list && a->col == b->col;
}

int
nodes_add(struct ectx *c, struct val *set, const struct xnode *n)
{
	struct xnode	*nv;

	if (set->nn == 0 && set->v == NULL) {
		set->one = *n;
		set->nn = 1;
		return 0;
	}
	if (set->v == NULL || set->nn >= set->cap) {
		size_t	ncap = set->nn < 4 ? 8 : set->nn * 2;

		if ((nv = ev_alloc(c, ncap * sizeof(*nv))) == NULL)
			return -1;
		if (set->v == NULL)
			nv[0] = set->one;
		else
			memcpy(nv, set->v, set->nn * sizeof(*nv));
		set->v = nv;
		set->cap = ncap;
	}
	set->v[set->nn++] = *n;
	return 0;
}

int
ev_work(struct ectx *c, size_t n)
{
	c->work += n;
	if (c->work > EVAL_MAX_WORK) {
		err_set(c->e, ERR_INPUT, _("expression takes too long (more "
		    "than %u steps)"), EVAL_MAX_WORK);
		return -1;
	}
	return 0;
}

static int
nodes_add_unique(struct ectx *c, struct val *set, const struct xnode *n)
{
	size_t	i;

	if (ev_work(c, set->nn) != 0)
		return -1;
	for (i = 0; i < set->nn; i++)
		if (node_eq(val_node(set, i), n))
			return 0;
	return nodes_add(c, set, n);
}

/* ------------------------------------------------------------------ */
/* Numbers and text                                                    */

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f' || ch == '\v';
}

/*
 * What strtod() reads in s[0..n) when it is [-]digits[(.|,)digits] with
 * at most PLAIN_MAX_DIGITS digits (most values a form holds), else NaN.
 * The digits as an integer m and 10^k are exact doubles then, and IEEE
 * division rounds m / 10^k correctly: the very double strtod() gives.
 */
#define PLAIN_MAX_DIGITS	15	/* 10^15 < 2^53 */

static double
plain_number(const char *s, size_t n)
{
	static const double	 p10[PLAIN_MAX_DIGITS + 1] = { 1e0, 1e1, 1e2,
	    1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	    1e15 };
	int64_t			 m = 0;
	size_t			 i = 0, digits = 0, frac = 0;
	int			 neg = 0, sep = 0;
	double			 d;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		i++;
	}
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (++digits > PLAIN_MAX_DIGITS)
				return NAN;
			m = m * 10 + (s[i] - '0');
			frac += sep;
		} else if ((s[i] == '.' || s[i] == ',') && !sep)
			sep = 1;
		else
			return NAN;
	}
	if (digits == 0)
		return NAN;
	d = (double)m / p10[frac];
	return neg ? -d : d;
}

/*
 * A date as JavaRosa's DateUtils.parseDate reads it: three numbers
 * between '-', not necessarily zero-padded ("2015-9-2"), then, for a
 * date-time, 'T' and the time. Written into out as the padded form that
 * date_parse() and datetime_parse() read; -1 when s is not one (those
 * two say whether the padded text is a real date).
 */
static int
pad_date(const char *s, size_t n, char *out, size_t outsz)
{
	int	 part[3], k, w;
	size_t	 i = 0;

	for (k = 0; k < 3; k++) {
		if (k > 0 && (i >= n || s[i++] != '-'))
			return -1;
		for (part[k] = 0, w = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    i++, w++) {
			if (w >= 4)		/* year 9999, "0009" at most */
				return -1;
			part[k] = part[k] * 10 + (s[i] - '0');
		}
		if (w == 0)
			return -1;
	}
	if (i < n && s[i] != 'T')
		return -1;
	w = snprintf(out, outsz, "%04d-%02d-%02d%.*s", part[0], part[1],
	    part[2], (int)(n - i), s + i);
	return w < 0 || (size_t)w >= outsz ? -1 : 0;
}

/* date_parse() and datetime_parse() of text that may lack zero padding. */
static int
date_text(const char *s, int64_t *days)
{
	char	buf[64];

	if (date_parse(s, days) == 0)
		return 0;
	if (pad_date(s, strlen(s), buf, sizeof(buf)) != 0)
		return ERR_INPUT;
	return date_parse(buf, days);
}

static int
datetime_text(const char *s, double *epoch)
{
	char	buf[64];

	if (datetime_parse(s, epoch) == 0)
		return 0;
	if (pad_date(s, strlen(s), buf, sizeof(buf)) != 0)
		return ERR_INPUT;
	return datetime_parse(buf, epoch);
}

double
expr_text_number(const char *s)
{
	char		 small[64], *tmp;
	const char	*end;
	size_t		 n, i;
	double		 d;
	int64_t		 days;

	if (s == NULL)
		return NAN;
	while (is_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return NAN;
	if (n >= 5 && n < sizeof(small) && memchr(s + 1, '-', n - 1) !=
	    NULL) {
		memcpy(small, s, n);
		small[n] = '\0';
		if (date_text(small, &days) == 0)
			return (double)days;
		if (datetime_text(small, &d) == 0)
			return d / 86400.0;
	}
	d = plain_number(s, n);
	if (!isnan(d))
		return d;
	for (i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-' &&
		    s[i] != '.' && s[i] != ',')
			return NAN;
	tmp = n < sizeof(small) ? small : malloc(n + 1);
	if (tmp == NULL)
		return NAN;
	for (i = 0; i < n; i++)
		tmp[i] = s[i] == ',' ? '.' : s[i];
	tmp[n] = '\0';
	d = strtod(tmp, (char **)&end);
	if (end != tmp + n || end == tmp)
		d = NAN;
	if (tmp != small)
		free(tmp);
	return d;
}

void
expr_number_text(double v, char *out, size_t n)
{
	char	e[32], digits[16], *p = out, *q;
	int	exp, nd, i;
	size_t	left;

	if (n == 0)
		return;
	out[0] = '\0';
	if (isnan(v))
		return;
	if (isinf(v)) {
		snprintf(out, n, "%s", v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (fabs(v) < 1e-12) {
		snprintf(out, n, "0");
		return;
	}
	if (v == trunc(v) && fabs(v) < 1e21) {
		snprintf(out, n, "%.0f", v);
		return;
	}
	if (fabs(v) >= 1e21) {
		snprintf(out, n, "%.15g", v);
		return;
	}
	/* 15 significant digits, written out without an exponent and
	 * without trailing zeros: 12.6 - 2.1 is "10.5". */
	snprintf(e, sizeof(e), "%.14e", fabs(v));
	digits[0] = e[0];
	memcpy(digits + 1, e + 2, 14);
	nd = 15;
	exp = (int)strtol(e + 17, &q, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	left = n - 1;
#define PUT(ch) do { if (left > 0) { *p++ = (ch); left--; } } while (0)
	if (v < 0)
		PUT('-');
	if (exp >= 0) {
		for (i = 0; i <= exp; i++)
			PUT(i < nd ? digits[i] : '0');
		if (nd > exp + 1) {
			PUT('.');
			for (i = exp + 1; i < nd; i++)
				PUT(digits[i]);
		}
	} else {
		PUT('0');
		PUT('.');
		for (i = 0; i < -exp - 1; i++)
			PUT('0');
		for (i = 0; i < nd; i++)
			PUT(digits[i]);
	}
#undef PUT
	*p = '\0';
}

/* Local calendar day of an instant. */
static double
local_days(double epoch)
{
	return floor((epoch + local_offset_min(epoch) * 60.0) / 86400.0);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */

static const char *
col_text(struct ectx *c, const struct xnode *n)
{
	const char	*s = NULL;

	if (n->ch == NULL)
		return "";
	if (n->col == COL_NAME)
		s = n->ch->name;
	else if (n->col == COL_LABEL) {
		if (c->env->form != NULL)
			s = form_text(c->env->form, &n->ch->label,
			    c->env->lang);
	} else if (n->col >= 0 && (size_t)n->col < n->ch->ncols &&
	    n->ch->colvals != NULL)
		s = n->ch->colvals[n->col];
	return s != NULL ? s : "";
}

/* The typed value of an instance node's text. */
static void
typed(const struct field *f, const char *s, struct val *out)
{
	enum field_kind	 k = f != NULL ? f->kind : FK_TEXT;
	int64_t		 days;
	double		 d;
	int		 has, off;

	val_str(out, s);
	if (k == FK_META && f->meta != NULL) {
		if (strcmp(f->meta, "start") == 0 ||
		    strcmp(f->meta, "end") == 0)
			k = FK_DATETIME;
		else if (strcmp(f->meta, "today") == 0)
			k = FK_DATE;
	}
	switch (k) {
	case FK_INTEGER:
	case FK_DECIMAL:
		/* What expr_number_text() stored for 1 div 0 reads back as
		 * it was (JavaRosa's DecimalData(Infinity)); the text
		 * 'Infinity' elsewhere is NaN, as number() says. */
		out->t = V_NUM;
		if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
			out->n = s[0] == '-' ? -INFINITY : INFINITY;
		else
			out->n = expr_text_number(s);
		break;
	case FK_CALCULATE:
		/* JavaRosa keeps a calculation's number as a number
		 * (wrapData's DecimalData): ${c} + 1 is Infinity when c is
		 * 1 div 0. Any other text stays text, read by number() as
		 * XPath says. */
		if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)
			val_num(out, s[0] == '-' ? -INFINITY : INFINITY);
		break;
	case FK_DATE:
		if (date_parse(s, &days) == 0) {
			out->t = V_DATE;
			out->n = (double)days;
		}
		break;
	case FK_DATETIME:
		if (datetime_parse(s, &d) == 0) {
			out->t = V_DATETIME;
			out->n = d;
		}
		break;
	case FK_TIME:
		if (time_parse(s, &d, &has, &off) == 0) {
			if (has)	/* to local wall time */
				d += (local_offset_min(0) - off) * 60.0;
			d = fmod(d, 86400.0);
			if (d < 0)
				d += 86400.0;
			out->t = V_TIME;
			out->n = d / 86400.0;
		}
		break;
	default:
		break;
	}
}

void
node_value(struct ectx *c, const struct xnode *n, struct val *out)
{
	switch (n->kind) {
	case N_INODE:
		if (n->in == NULL || !n->in->relevant || n->in->value == NULL ||
		    n->in->value[0] == '\0') {
			val_str(out, "");
			return;
		}
		typed(n->in->field, n->in->value, out);
		return;
	case N_COL:
		val_str(out, col_text(c, n));
		return;
	case N_ITEM:
		val_str(out, n->ch != NULL ? n->ch->name : "");
		return;
	default:
		val_str(out, "");
		return;
	}
}

static const char *
node_name(const struct xnode *n)
{
	switch (n->kind) {
	case N_INODE:
		return n->in->field != NULL ? n->in->field->name : "";
	case N_IROOT:
		return "root";
	case N_ITEM:
		return "item";
	case N_COL:
		if (n->col == COL_NAME)
			return "name";
		if (n->col == COL_LABEL)
			return "label";
		if (n->ch != NULL && n->col >= 0 &&
		    (size_t)n->col < n->ch->ncols && n->ch->colnames != NULL)
			return n->ch->colnames[n->col];
		return "";
	default:
		return NULL;
	}
}

static int
name_ok(const char *want, const char *have)
{
	/* the first bytes told apart inline: a step's name is tried
	 * against every column of every item of a list */
	return want == NULL || (have != NULL && want[0] == have[0] &&
	    strcmp(want, have) == 0);
}

/* Append n's children named name (NULL: all) to set. */
static int
children(struct ectx *c, const struct xnode *n, const char *name,
    struct val *set)
{
	struct xnode	k;
	size_t		i;

	memset(&k, 0, sizeof(k));
	switch (n->kind) {
	case N_DOC:
		if (c->env->root == NULL)
			return 0;
		k.kind = N_INODE;
		k.in = c->env->root;
		if (!name_ok(name, node_name(&k)))
			return 0;
		return nodes_add(c, set, &k);
	case N_INODE:
		if (ev_work(c, n->in->nkids) != 0)
			return -1;
		k.kind = N_INODE;
		for (i = 0; i < n->in->nkids; i++) {
			k.in = n->in->kids[i];
			if (k.in->field == NULL ||
			    !name_ok(name, k.in->field->name))
				continue;
			if (nodes_add(c, set, &k) != 0)
				return -1;
		}
		return 0;
	case N_IDOC:
		if (!name_ok(name, "root"))
			return 0;
		k.kind = N_IROOT;
		k.list = n->list;
		return nodes_add(c, set, &k);
	case N_IROOT:
		if (!name_ok(name, "item") || n->list == NULL)
			return 0;
		if (ev_work(c, n->list->n) != 0)
			return -1;
		k.kind = N_ITEM;
		k.list = n->list;
		for (i = 0; i < n->list->n; i++) {
			k.ch = &n->list->v[i];
			if (nodes_add(c, set, &k) != 0)
				return -1;
		}
		return 0;
	case N_ITEM:
		k.kind = N_COL;
		k.list = n->list;
		k.ch = n->ch;
		if (n->ch == NULL)
			return 0;
		if (ev_work(c, n->ch->ncols + 2) != 0)
			return -1;
		k.col = COL_NAME;
		if (name_ok(name, "name") && nodes_add(c, set, &k) != 0)
			return -1;
		k.col = COL_LABEL;
		if (name_ok(name, "label") && nodes_add(c, set, &k) != 0)
			return -1;
		for (i = 0; i < n->ch->ncols && n->ch->colnames != NULL;
		    i++) {
			k.col = (int)i;
			if (name_ok(name, n->ch->colnames[i]) &&
			    nodes_add(c, set, &k) != 0)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

static int
parent_of(struct ectx *c, const struct xnode *n, struct xnode *out)
{
	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case N_INODE:
		if (n->in->parent != NULL) {
			out->kind = N_INODE;
			out->in = n->in->parent;
			return 1;
		}
		if (n->in == c->env->root) {
			out->kind = N_DOC;
			return 1;
		}
		return 0;
	case N_IROOT:
		out->kind = N_IDOC;
		out->list = n->list;
		return 1;
	case N_ITEM:
		if (n->list == NULL)
			return 0;
		out->kind = N_IROOT;
		out->list = n->list;
		return 1;
	case N_COL:
		out->kind = N_ITEM;
		out->list = n->list;
		out->ch = n->ch;
		return 1;
	default:
		return 0;
	}
}

/* n and all its descendants, named name (NULL: any), in document order. */
static int
desc_self(struct ectx *c, const struct xnode *n, const char *name,
    struct val *set)
{
	struct val	 stack, kids;
	size_t		 i;
	struct xnode	 cur;

	val_empty(&stack);
	if (nodes_add(c, &stack, n) != 0)
		return -1;
	while (stack.nn > 0) {
		cur = *val_node(&stack, stack.nn - 1);
		stack.nn--;
		if (stack.nn == 0)
			stack.v = NULL;
		if (ev_work(c, 1) != 0)
			return -1;
		if (name_ok(name, node_name(&cur)) &&
		    nodes_add_unique(c, set, &cur) != 0)
			return -1;
		val_empty(&kids);
		if (children(c, &cur, NULL, &kids) != 0)
			return -1;
		for (i = kids.nn; i > 0; i--)	/* first child on top */
			if (nodes_add(c, &stack, val_node(&kids, i - 1)) != 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Conversions                                                         */

void
val_unpack(struct ectx *c, const struct val *v, struct val *out)
{
	if (v->t != V_NODES) {
		*out = *v;
		return;
	}
	if (v->nn == 0) {
		val_str(out, "");
		return;
	}
	node_value(c, val_node(v, 0), out);
}

double
val_to_num(struct ectx *c, const struct val *v)
{
	struct val	u;

	switch (v->t) {
	case V_NUM:
	case V_DATE:
	case V_TIME:
		return v->n;
	case V_DATETIME:
		return v->n / 86400.0;
	case V_BOOL:
		return v->b ? 1 : 0;
	case V_STR:
		return expr_text_number(v->s);
	case V_NODES:
		val_unpack(c, v, &u);
		if (u.t == V_NODES)
			return NAN;
		return val_to_num(c, &u);
	}
	return NAN;
}

/* A group, a repeat instance or an element of a secondary instance: as
 * a boolean it says whether it exists ("rep[inner]"), where a question
 * says whether it has a value (JavaRosa's "${x}" in a relevance). */
static int
is_container(const struct xnode *n)
{
	if (n->kind == N_INODE)
		return n->in->field != NULL && (n->in->field->kind == FK_GROUP ||
		    n->in->field->kind == FK_REPEAT);
	return n->kind != N_COL;
}

int
val_to_bool(struct ectx *c, const struct val *v)
{
	struct val	u;

	switch (v->t) {
	case V_BOOL:
		return v->b;
	case V_NUM:
		return !isnan(v->n) && fabs(v->n) > 1e-12;
	case V_STR:
		return v->s[0] != '\0';
	case V_DATE:
	case V_DATETIME:
	case V_TIME:
		return 1;
	case V_NODES:
		if (v->nn == 0)
			return 0;
		if (v->nn > 1 || is_container(val_node(v, 0)))
			return 1;
		val_unpack(c, v, &u);
		return val_to_bool(c, &u);
	}
	return 0;
}

static const char *
dup_scratch(struct ectx *c, const char *s)
{
	char	*p = arena_strdup(&c->scratch, s);

	if (p == NULL) {
		ev_oom(c);
		return "";
	}
	return p;
}

const char *
val_to_str(struct ectx *c, const struct val *v)
{
	char		buf[48];
	struct val	u;
	double		d;

	if (v->s != NULL && v->t != V_NODES)
		return v->s;
	switch (v->t) {
	case V_STR:
		return "";
	case V_BOOL:
		return v->b ? "true" : "false";
	case V_NUM:
		if (isnan(v->n))
			return "NaN";
		if (isinf(v->n))
			return v->n < 0 ? "-Infinity" : "Infinity";
		expr_number_text(v->n, buf, sizeof(buf));
		return dup_scratch(c, buf);
	case V_DATE:
		if (isnan(v->n) || fabs(v->n) > 1e9)
			return "";
		date_format((int64_t)v->n, buf);
		return dup_scratch(c, buf);
	case V_DATETIME:
		if (isnan(v->n) || fabs(v->n) > 1e14)
			return "";
		datetime_format_local(v->n, buf);
		return dup_scratch(c, buf);
	case V_TIME:
		d = v->n * 86400.0;
		{
			long	ms = lround(d * 1000.0) % 86400000L;
			int	off = local_offset_min(0), a = abs(off);

			snprintf(buf, sizeof(buf),
			    "%02ld:%02ld:%02ld.%03ld%c%02d:%02d",
			    ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
			    ms % 1000, off < 0 ? '-' : '+', a / 60 % 100,
			    a % 60);
		}
		return dup_scratch(c, buf);
	case V_NODES:
		val_unpack(c, v, &u);
		if (u.t == V_NODES)
			return "";
		return val_to_str(c, &u);
	}
	return "";
}

int
date_from_val(struct ectx *c, const struct val *v, int keep_time,
    const char *fn, struct val *out)
{
	struct val	u;
	int64_t		days;
	double		d;

	val_unpack(c, v, &u);
	switch (u.t) {
	case V_NUM:
		if (isnan(u.n)) {
			val_num(out, NAN);
			return 0;
		}
		if (isinf(u.n) || fabs(u.n) > 2147483647.0)
			return err_set(c->e, ERR_INPUT, _("%s(): %s is out of "
			    "range for a date"), fn, val_to_str(c, &u));
		out->s = NULL;
		if (keep_time) {
			out->t = V_DATETIME;
			out->n = u.n * 86400.0;
		} else {
			out->t = V_DATE;
			out->n = trunc(u.n);
		}
		return 0;
	case V_STR:
		if (u.s[0] == '\0') {
			val_str(out, "");
			return 0;
		}
		out->s = NULL;
		if (date_text(u.s, &days) == 0) {
			out->t = V_DATE;
			out->n = (double)days;
			return 0;
		}
		if (datetime_text(u.s, &d) == 0) {
			out->t = V_DATETIME;
			out->n = d;
			if (!keep_time) {
				out->t = V_DATE;
				out->n = local_days(d);
			}
			return 0;
		}
		return err_set(c->e, ERR_INPUT, _("%s(): '%.40s' is not a "
		    "date"), fn, u.s);
	case V_DATE:
		*out = u;
		out->s = NULL;
		return 0;
	case V_DATETIME:
		*out = u;
		out->s = NULL;
		if (!keep_time) {
			out->t = V_DATE;
			out->n = local_days(u.n);
		}
		return 0;
	case V_TIME:
		out->s = NULL;
		if (keep_time) {
			/* a time is on 1970-01-01, local */
			out->t = V_DATETIME;
			out->n = u.n * 86400.0 - local_offset_min(0) * 60.0;
		} else {
			out->t = V_DATE;
			out->n = 0;
		}
		return 0;
	case V_BOOL:
	default:
		return err_set(c->e, ERR_INPUT, _("%s(): %s is not a date"),
		    fn, val_to_str(c, &u));
	}
}

/* ------------------------------------------------------------------ */
/* References                                                          */

const struct inode *
ctx_inode(struct ectx *c)
{
	return c->env->here != NULL ? c->env->here : c->env->root;
}

static int
field_above(const struct field *a, const struct field *f)
{
	for (; f != NULL; f = f->parent)
		if (f == a)
			return 1;
	return 0;
}

/*
 * The nodes of field f as seen from here, as JavaRosa contextualizes a
 * reference: the repeat instances here is in stay pinned, the others are
 * crossed (a node-set). A reference to a repeat from inside one of its
 * instances names all instances (count(${rep}) inside rep counts them all).
 * pin/pinpos (indexed-repeat) choose instance pinpos[i] of repeat pin[i].
 */
int
resolve_ref(struct ectx *c, const struct field *f, const struct inode *here,
    const struct field **pin, const size_t *pinpos, size_t npin,
    struct val *out)
{
	const struct inode	*a, *n;
	const struct field	*small[16], **chain = small, *g;
	struct val		 cur, next;
	struct xnode		 k;
	size_t			 d = 0, lvl, i, j, k2, count;
	int			 pinned;

	val_empty(out);
	if (here == NULL)
		here = c->env->root;
	if (here == NULL || f == NULL)
		return 0;
	for (a = here; a != NULL; a = a->parent)
		if (a->field != NULL && field_above(a->field, f) &&
		    !(a->field == f && f->kind == FK_REPEAT))
			break;
	for (i = 0; i < npin && a != NULL; i++)
		for (n = a; n != NULL; n = n->parent)
			if (n->field == pin[i]) {
				a = n->parent;
				break;
			}
	if (a == NULL)
		return 0;
	for (g = f; g != NULL && g != a->field; g = g->parent)
		d++;
	if (g == NULL)
		return 0;
	if (d > sizeof(small) / sizeof(small[0]) &&
	    (chain = ev_alloc(c, d * sizeof(*chain))) == NULL)
		return -1;
	for (g = f, i = d; i > 0; g = g->parent)
		chain[--i] = g;
	memset(&k, 0, sizeof(k));
	k.kind = N_INODE;
	k.in = a;
	val_nodes1(&cur, &k);
	for (lvl = 0; lvl < d; lvl++) {
		pinned = -1;
		for (j = 0; j < npin; j++)
			if (pin[j] == chain[lvl])
				pinned = (int)j;
		val_empty(&next);
		for (i = 0; i < cur.nn; i++) {
			n = val_node(&cur, i)->in;
			if (ev_work(c, n->nkids + 1) != 0)
				return -1;
			/* A field but a repeat has one node in each instance
			 * of its parent, and it is at its slot unless
			 * repeat instances before it shift it. */
			k2 = chain[lvl]->slot;
			if (chain[lvl]->kind != FK_REPEAT && pinned < 0 &&
			    k2 < n->nkids && n->kids[k2]->field == chain[lvl]) {
				k.in = n->kids[k2];
				if (nodes_add(c, &next, &k) != 0)
					return -1;
				continue;
			}
			count = 0;
			for (k2 = 0; k2 < n->nkids; k2++) {
				if (n->kids[k2]->field != chain[lvl])
					continue;
				count++;
				if (pinned >= 0 && count != pinpos[pinned])
					continue;
				k.in = n->kids[k2];
				if (nodes_add(c, &next, &k) != 0)
					return -1;
			}
		}
		cur = next;
		if (cur.nn == 0)
			break;
	}
	*out = cur;
	return 0;
}

size_t
inode_position(const struct inode *n)
{
	size_t	i, pos = 1;

	if (n == NULL || n->parent == NULL)
		return 1;
	for (i = 0; i < n->parent->nkids; i++) {
		if (n->parent->kids[i] == n)
			return pos;
		if (n->parent->kids[i]->field == n->field)
			pos++;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

static int
filter(struct ectx *c, struct val *set, struct expr **preds, size_t npreds)
{
	struct val	 r, keep;
	struct xctx	 cx;
	size_t		 i, p;
	int		 ok;

	for (p = 0; p < npreds && set->nn > 0; p++) {
		val_empty(&keep);
		for (i = 0; i < set->nn; i++) {
			cx.node = val_node(set, i);
			cx.pos = i + 1;
			cx.size = set->nn;
			cx.in_pred = 1;
			if (ev(c, preds[p], &cx, &r) != 0)
				return -1;
			if (r.t == V_NUM)
				ok = r.n == (double)(i + 1);
			else
				ok = val_to_bool(c, &r);
			if (ok && nodes_add(c, &keep, cx.node) != 0)
				return -1;
		}
		*set = keep;
	}
	return 0;
}

static int
ev_path(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val		 cur, next, cand;
	struct xnode		 k;
	const struct xstep	*s;
	size_t			 i, j;

	memset(&k, 0, sizeof(k));
	switch (x->start) {
	case PS_ROOT:
		k.kind = N_DOC;
		val_nodes1(&cur, &k);
		break;
	case PS_CONTEXT:
		val_empty(&cur);
		if (cx->node != NULL)
			val_nodes1(&cur, cx->node);
		break;
	case PS_EXPR:
		if (ev(c, x->base, cx, &cur) != 0)
			return -1;
		if (cur.t != V_NODES)
			/* TRANSLATORS: %s: string, boolean, number or date */
			return err_set(c->e, ERR_INPUT, _("a %s is not a "
			    "node-set and cannot have a path or predicate "
			    "(at character %zu)"), cur.t == V_STR ? "string" :
			    cur.t == V_BOOL ? "boolean" : cur.t == V_NUM ?
			    "number" : "date",
			    expr_charpos(x->src, x->base->pos));
		if (filter(c, &cur, x->bpreds, x->nbpreds) != 0)
			return -1;
		break;
	}
	for (j = 0; j < x->nsteps; j++) {
		s = &x->steps[j];
		val_empty(&next);
		for (i = 0; i < cur.nn; i++) {
			const struct xnode *n = val_node(&cur, i);

			val_empty(&cand);
			switch (s->axis) {
			case AX_CHILD:
				if (children(c, n, s->name, &cand) != 0)
					return -1;
				break;
			case AX_SELF:
				if (name_ok(s->name, node_name(n)) &&
				    nodes_add(c, &cand, n) != 0)
					return -1;
				break;
			case AX_PARENT:
				if (parent_of(c, n, &k) &&
				    name_ok(s->name, node_name(&k)) &&
				    nodes_add(c, &cand, &k) != 0)
					return -1;
				break;
			case AX_DESC_SELF:
				if (desc_self(c, n, s->name, &cand) != 0)
					return -1;
				break;
			}
			if (filter(c, &cand, s->preds, s->npreds) != 0)
				return -1;
			if (s->axis == AX_CHILD && cur.nn == 1) {
				next = cand;
				break;
			}
			for (size_t m = 0; m < cand.nn; m++) {
				if (s->axis == AX_CHILD ?
				    nodes_add(c, &next, val_node(&cand, m)) != 0 :
				    nodes_add_unique(c, &next, val_node(&cand, m)) != 0)
					return -1;
			}
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Operators                                                           */

static int
is_datey(enum vtype t)
{
	return t == V_DATE || t == V_DATETIME || t == V_TIME;
}

static int
scalar_cmp(struct ectx *c, const struct val *a, const struct val *b,
    enum xbin op)
{
	double	x, y;
	int	eq;

	if (op == B_EQ || op == B_NE) {
		if (a->t == V_BOOL || b->t == V_BOOL)
			eq = val_to_bool(c, a) == val_to_bool(c, b);
		else if ((is_datey(a->t) && is_datey(b->t)) ||
		    a->t == V_NUM || b->t == V_NUM) {
			x = val_to_num(c, a);
			y = val_to_num(c, b);
			eq = fabs(x - y) < 1e-12;
		} else
			eq = strcmp(val_to_str(c, a), val_to_str(c, b)) == 0;
		return op == B_EQ ? eq : !eq;
	}
	x = val_to_num(c, a);
	y = val_to_num(c, b);
	switch (op) {
	case B_LT:
		return x < y;
	case B_LE:
		return x <= y;
	case B_GT:
		return x > y;
	case B_GE:
		return x >= y;
	default:
		return 0;
	}
}

/* The i-th scalar of a side of a comparison. */
static void
side(struct ectx *c, const struct val *v, size_t i, struct val *out)
{
	if (v->t != V_NODES)
		*out = *v;
	else if (v->nn == 0)
		val_str(out, "");
	else
		node_value(c, val_node(v, i), out);
}

static int
compare(struct ectx *c, const struct val *a, const struct val *b,
    enum xbin op, int *res)
{
	struct val	sa, sb;
	size_t		na, nb, i, j;

	na = a->t == V_NODES && a->nn > 1 ? a->nn : 1;
	nb = b->t == V_NODES && b->nn > 1 ? b->nn : 1;
	if (ev_work(c, na * nb) != 0)
		return -1;
	for (i = 0; i < na; i++) {
		side(c, a, i, &sa);
		for (j = 0; j < nb; j++) {
			side(c, b, j, &sb);
			if (scalar_cmp(c, &sa, &sb, op)) {
				*res = 1;
				return 0;
			}
		}
	}
	*res = 0;
	return 0;
}

static int
ev_union(struct ectx *c, struct val *acc, const struct val *b,
    const struct expr *x)
{
	struct val	r;
	size_t		i;

	if (acc->t != V_NODES || b->t != V_NODES)
		return err_set(c->e, ERR_INPUT, _("'|' needs node-sets on "
		    "both sides (at character %zu)"),
		    expr_charpos(x->src, x->pos));
	val_empty(&r);		/* a copy: acc's array may be shared */
	for (i = 0; i < acc->nn; i++)
		if (nodes_add(c, &r, val_node(acc, i)) != 0)
			return -1;
	for (i = 0; i < b->nn; i++)
		if (nodes_add_unique(c, &r, val_node(b, i)) != 0)
			return -1;
	*acc = r;
	return 0;
}

static int
ev_chain(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	acc, b;
	size_t		i;
	double		p, q;
	int		r;

	if (x->ops[0] == B_OR || x->ops[0] == B_AND) {
		int	want = x->ops[0] == B_OR;

		for (i = 0; i < x->nargs; i++) {
			if (ev(c, x->args[i], cx, &b) != 0)
				return -1;
			if (val_to_bool(c, &b) == want) {
				val_bool(out, want);
				return 0;
			}
		}
		val_bool(out, !want);
		return 0;
	}
	if (ev(c, x->args[0], cx, &acc) != 0)
		return -1;
	for (i = 1; i < x->nargs; i++) {
		if (ev(c, x->args[i], cx, &b) != 0)
			return -1;
		switch (x->ops[i - 1]) {
		case B_EQ: case B_NE: case B_LT: case B_LE: case B_GT:
		case B_GE:
			if (compare(c, &acc, &b, x->ops[i - 1], &r) != 0)
				return -1;
			val_bool(&acc, r);
			break;
		case B_UNION:
			if (ev_union(c, &acc, &b, x) != 0)
				return -1;
			break;
		default:
			p = val_to_num(c, &acc);
			q = val_to_num(c, &b);
			switch (x->ops[i - 1]) {
			case B_ADD: p += q; break;
			case B_SUB: p -= q; break;
			case B_MUL: p *= q; break;
			case B_DIV: p /= q; break;
			case B_MOD: p = fmod(p, q); break;
			default: break;
			}
			val_num(&acc, p);
			break;
		}
	}
	*out = acc;
	return 0;
}

/* A bound ${name}, resolved once per evaluation (see struct ectx). */
static int
ev_ref(struct ectx *c, const struct expr *x, struct val *out)
{
	size_t	i, work = c->work;

	for (i = 0; i < c->nmemo; i++)
		if (c->memo[i].x == x) {
			if (ev_work(c, c->memo[i].work) != 0)
				return -1;
			*out = c->memo[i].v;
			return 0;
		}
	if (resolve_ref(c, x->field, ctx_inode(c), NULL, NULL, 0, out) != 0)
		return -1;
	if (c->nmemo < EVAL_MEMO && out->v == NULL) {
		c->memo[c->nmemo].x = x;
		c->memo[c->nmemo].v = *out;
		c->memo[c->nmemo].work = c->work - work;
		c->nmemo++;
	}
	return 0;
}

int
ev(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	if (ev_work(c, 1) != 0)
		return -1;
	switch (x->op) {
	case X_NUM:
		val_num(out, x->num);
		return 0;
	case X_STR:
		val_str(out, x->str);
		return 0;
	case X_REF:
		if (x->field == NULL)
			return err_set(c->e, ERR_INPUT, _("'${%s}' is not "
			    "bound to a question"), x->str);
		return ev_ref(c, x, out);
	case X_FUNC:
		return ev_call(c, x, cx, out) != 0 ? -1 : 0;
	case X_CHAIN:
		return ev_chain(c, x, cx, out) != 0 ? -1 : 0;
	case X_NEG:
		if (ev(c, x->args[0], cx, out) != 0)
			return -1;
		val_num(out, -val_to_num(c, out));
		return 0;
	case X_PATH:
		return ev_path(c, x, cx, out) != 0 ? -1 : 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The public calls                                                    */

static int
eval_top(const struct expr *x, const struct eval_env *env, struct ectx *c,
    struct xnode *start, struct val *out, struct err *e)
{
	struct xctx	cx;
	size_t		i;

	c->env = env;
	c->work = 0;
	c->e = e;
	c->nmemo = 0;
	arena_init(&c->scratch, EVAL_MAX_MEM);
	if (x == NULL || env == NULL)
		return err_set(e, ERR_INPUT, _("nothing to evaluate"));
	memset(start, 0, sizeof(*start));
	cx.node = start;
	cx.pos = cx.size = 1;
	cx.in_pred = 0;
	if (env->choice != NULL) {
		start->kind = N_ITEM;
		start->ch = env->choice;
		for (i = 0; env->form != NULL && i < env->form->nlists; i++) {
			const struct choice_list *l = &env->form->lists[i];

			if (l->n > 0 && env->choice >= l->v &&
			    env->choice < l->v + l->n)
				start->list = l;
		}
	} else if (ctx_inode(c) != NULL) {
		start->kind = N_INODE;
		start->in = ctx_inode(c);
	} else
		cx.node = NULL;
	if (ev(c, x, &cx, out) != 0)
		return e != NULL && e->code != 0 ? e->code : ERR_INPUT;
	return 0;
}

/* expr_eval_text, or expr_eval_answer for an integer node when whole. */
static int
eval_text(const struct expr *x, const struct eval_env *env, int whole,
    char **out, struct err *e)
{
	struct ectx	 c;
	struct xnode	 start;
	struct val	 v, u;
	char		 buf[48];
	const char	*s;
	int		 rc;

	*out = NULL;
	if ((rc = eval_top(x, env, &c, &start, &v, e)) == 0) {
		val_unpack(&c, &v, &u);
		if (u.t == V_NUM && u.s == NULL && whole && !isnan(u.n)) {
			snprintf(buf, sizeof(buf), "%ld", java_int(u.n));
			s = buf;
		} else if (u.t == V_NUM && u.s == NULL) {
			expr_number_text(u.n, buf, sizeof(buf));
			s = buf;
		} else
			s = val_to_str(&c, &u);
		if (e == NULL || e->code == 0) {
			if ((*out = strdup(s)) == NULL)
				rc = err_set(e, ERR_NOMEM, _("out of memory"));
		} else
			rc = e->code;
	}
	arena_release(&c.scratch);
	return rc;
}

int
expr_eval_text(const struct expr *x, const struct eval_env *env, char **out,
    struct err *e)
{
	return eval_text(x, env, 0, out, e);
}

int
expr_eval_answer(const struct expr *x, const struct eval_env *env,
    enum field_kind kind, char **out, struct err *e)
{
	return eval_text(x, env, kind == FK_INTEGER, out, e);
}

int
expr_eval_bool(const struct expr *x, const struct eval_env *env, int *out,
    struct err *e)
{
	struct ectx	c;
	struct xnode	start;
	struct val	v;
	int		rc;

	*out = 0;
	if ((rc = eval_top(x, env, &c, &start, &v, e)) == 0)
		*out = val_to_bool(&c, &v);
	arena_release(&c.scratch);
	return rc;
}

int
expr_eval_number(const struct expr *x, const struct eval_env *env,
    double *out, struct err *e)
{
	struct ectx	c;
	struct xnode	start;
	struct val	v;
	int		rc;

	*out = NAN;
	if ((rc = eval_top(x, env, &c, &start, &v, e)) == 0)
		*out = val_to_num(&c, &v);
	arena_release(&c.scratch);
	return rc;
}
