/*
 * session_json.c: validation of a whole session (session_validate, and
 * the same check at the end of a fill), and filling a session from a
 * JSON object of answers (--answers, or a submission's data fed back)
 * through the same ss_answer() a person's typing goes through.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "forms.h"
#include "session_priv.h"

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
	if (ss_is_container(f)) {
		for (i = 0; i < n->nkids; i++)
			c += validate(s, n->kids[i], d, style);
		return c;
	}
	if (ss_snode_of(n)->problem || f->kind == FK_NOTE || f->kind == FK_META)
		return 0;
	if (n->value == NULL && !s->partial && session_required(s, n))
		msg = ss_form_msg(s, n, &f->required_msg, _("this question is "
		    "required"));
	else if (n->value != NULL && f->constraint != NULL &&
	    !ss_eval_bool(s, f->constraint, n, 1))
		msg = ss_form_msg(s, n, &f->constraint_msg, _("the answer is not "
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
	ss_recompute(s, full);
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

	ss_snode_of(n)->problem = on;
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
		n = ss_find(fl->s, fl->calc[i], 0, NULL);
		have = n != NULL && n->relevant && n->value != NULL ?
		    n->value : "";
		a = expr_text_number(given);
		b = expr_text_number(have);
		if (strcmp(given, have) == 0 || (!isnan(a) && a == b))
			continue;
		ss_quote(have, strlen(have), q);
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
	int			 rc, computed;

	if (json_text(v, num, sizeof(num), &text) != 0) {
		jfill_problem(fl, h, f->name, 0, _("the answer must be text or "
		    "a number"));
		ss_snode_of(n)->problem = 1;
		return 0;
	}
	/* What the program computes (metadata, calculations) is its own:
	 * a value for it, as in a submission's data fed back, is ignored;
	 * from a person, a calculation is checked at the end (calc_check).
	 * So is an answer equal to the value already there (a read-only
	 * question's default). */
	computed = f->kind == FK_CALCULATE ||
	    (f->calculation != NULL && f->trigger == NULL);
	if (computed && fl->strict)
		return calc_given(fl, n, text);
	if (f->kind == FK_META || computed)
		return 0;
	jfill_settle(fl, f, 0);
	if (n->value != NULL && strcmp(n->value, text) == 0)
		return 0;
	if (!n->relevant) {
		jfill_problem(fl, h, f->name, 0, _("answer to '%s' given but "
		    "the question does not apply"), f->name);
		ss_snode_of(n)->problem = 1;
		return 0;
	}
	err_init(&e);
	if ((rc = ss_answer(fl->s, n, text, MODE_NAMES, &e)) == ERR_NOMEM)
		return err_set(fl->e, rc, "%s", e.msg);
	if (rc != 0) {
		jfill_problem(fl, h, f->name, 0, "%s", e.msg);
		ss_snode_of(n)->problem = 1;
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
		ss_slot(h, k, &at, &n);
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
		ss_slot(h, k, &at, &n);
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
		ss_recompute(s, s->pending_full);
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
