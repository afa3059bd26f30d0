/*
 * expr_parse.c: XLSForm expressions (XPath 1.0 as ODK uses it, with
 * ${name} references) from text to a tree, and the tree bound to a form.
 *
 * The lexer follows XPath 1.0's disambiguation rule: after an operand, "*"
 * is multiplication and "and", "or", "div", "mod" are operators; anywhere
 * else they are name tests. Curly quotes, which spreadsheets put in cells
 * on their own, are read as straight ones. The parser is recursive descent
 * with one function per precedence level; a depth counter, raised by every
 * nested sub-expression and every unary minus, turns hostile nesting into
 * an error instead of a stack overflow. Function names and arities are
 * checked here, so that a typo in a form is reported when the form loads,
 * with the byte where it is.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* The lexer                                                           */

enum tok {
	T_EOF, T_NUM, T_STR, T_REF, T_NAME, T_FUNC, T_AXIS, T_STAR,
	T_LP, T_RP, T_LB, T_RB, T_COMMA, T_PIPE, T_SLASH, T_DSLASH,
	T_DOT, T_DDOT, T_AT, T_OP
};

struct parser {
	struct arena	*a;
	const char	*src;		/* arena copy */
	size_t		 len;
	size_t		 i;		/* next byte to lex */
	int		 depth;
	int		 operand;	/* last token ended an operand */
	struct err	*e;
	size_t		 errpos;
	int		 failed;
	/* current token */
	enum tok	 t;
	size_t		 tpos;
	size_t		 tend;
	double		 tnum;
	const char	*ts;		/* T_STR, T_REF, T_NAME...: text */
	size_t		 tslen;
	enum xbin	 top;		/* T_OP */
};

static int	 fail(struct parser *p, size_t pos, const char *fmt, ...)
		    PRINTFLIKE(3, 4);


static int
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list	ap;

	if (!p->failed) {
		p->failed = 1;
		p->errpos = pos;
		va_start(ap, fmt);
		err_setv(p->e, ERR_INPUT, fmt, ap);
		va_end(ap);
	}
	return -1;
}

size_t
expr_charpos(const char *src, size_t pos)
{
	size_t	i, n = 1;

	for (i = 0; i < pos && src[i] != '\0'; i++)
		if (((unsigned char)src[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int
nomem(struct parser *p)
{
	if (!p->failed) {
		p->failed = 1;
		p->errpos = p->tpos;
		err_set(p->e, ERR_NOMEM, _("out of memory parsing an "
		    "expression"));
	}
	return -1;
}

/* Curly quotes: U+2018 U+2019 (single) and U+201C U+201D (double). */
static int
quote_at(const char *s, size_t i, size_t len, int *dbl)
{
	const unsigned char *u = (const unsigned char *)s + i;

	if (s[i] == '\'' || s[i] == '"') {
		*dbl = s[i] == '"';
		return 1;
	}
	if (i + 2 < len && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0x9c || u[2] == 0x9d)) {
		*dbl = u[2] == 0x9c || u[2] == 0x9d;
		return 3;
	}
	return 0;
}

static int
space_at(const char *s, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;

	if (*u == ' ' || *u == '\t' || *u == '\r' || *u == '\n')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)	/* no-break space */
		return 2;
	return 0;
}

static int
name_start(int c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int
name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80;
}

static size_t
skip_space(const struct parser *p, size_t i)
{
	int	n;

	while (i < p->len && (n = space_at(p->src, i)) > 0)
		i += (size_t)n;
	return i;
}

/* An NCName at i; returns its end (i when none). Curly quotes, though
 * letters to XML, end a name here: they are quotes to us. */
static size_t
ncname(const struct parser *p, size_t i)
{
	const unsigned char	*u = (const unsigned char *)p->src;
	int			 dbl;

	if (i >= p->len || !name_start(u[i]) || quote_at(p->src, i, p->len,
	    &dbl) || space_at(p->src, i))
		return i;
	while (i < p->len && name_char(u[i]) && !quote_at(p->src, i, p->len,
	    &dbl) && !space_at(p->src, i))
		i++;
	return i;
}

static int
lex(struct parser *p)
{
	const unsigned char	*u = (const unsigned char *)p->src;
	size_t			 i, j;
	int			 q, dbl, dbl2, operand = 0;
	char			 c;

	i = skip_space(p, p->i);
	p->tpos = i;
	p->ts = NULL;
	p->tslen = 0;
	if (i >= p->len) {
		p->t = T_EOF;
		p->tend = p->i = i;
		return 0;
	}
	c = p->src[i];
	if ((q = quote_at(p->src, i, p->len, &dbl)) > 0) {
		j = i + (size_t)q;
		for (;;) {
			if (j >= p->len)
				return fail(p, i, _("unterminated string"));
			if ((q = quote_at(p->src, j, p->len, &dbl2)) > 0 &&
			    dbl2 == dbl)
				break;
			j++;
		}
		p->t = T_STR;
		p->ts = p->src + i + (quote_at(p->src, i, p->len, &dbl));
		p->tslen = (size_t)(p->src + j - p->ts);
		i = j + (size_t)q;
		operand = 1;
	} else if (isdigit((unsigned char)c) ||
	    (c == '.' && i + 1 < p->len && isdigit(u[i + 1]))) {
		char	*tmp;

		j = i;
		while (j < p->len && isdigit(u[j]))
			j++;
		if (j < p->len && p->src[j] == '.') {
			j++;
			while (j < p->len && isdigit(u[j]))
				j++;
		}
		/* strtod would read exponents and hex: give it only the
		 * digits found above. */
		if ((tmp = arena_strndup(p->a, p->src + i, j - i)) == NULL)
			return nomem(p);
		p->tnum = strtod(tmp, NULL);
		p->t = T_NUM;
		i = j;
		operand = 1;
	} else if (c == '$' && i + 1 < p->len && p->src[i + 1] == '{') {
		j = i + 2;
		while (j < p->len && p->src[j] != '}' && p->src[j] != '{' &&
		    !space_at(p->src, j) && p->src[j] != '$')
			j++;
		if (j >= p->len || p->src[j] != '}')
			return fail(p, i, _("unterminated '${'"));
		if (j == i + 2)
			return fail(p, i, _("empty '${}'"));
		p->t = T_REF;
		p->ts = p->src + i + 2;
		p->tslen = j - i - 2;
		i = j + 1;
		operand = 1;
	} else if (name_start(u[i])) {
		j = ncname(p, i);
		/* QName: prefix:local, but not an axis "name::" */
		if (j + 1 < p->len && p->src[j] == ':' && p->src[j + 1] != ':') {
			size_t	k = ncname(p, j + 1);

			if (k > j + 1)
				j = k;
			else if (p->src[j + 1] == '*')
				j += 2;
		}
		p->ts = p->src + i;
		p->tslen = j - i;
		if (p->operand && ((j - i == 3 && memcmp(p->ts, "and", 3) ==
		    0) || (j - i == 2 && memcmp(p->ts, "or", 2) == 0) ||
		    (j - i == 3 && memcmp(p->ts, "div", 3) == 0) ||
		    (j - i == 3 && memcmp(p->ts, "mod", 3) == 0))) {
			p->t = T_OP;
			p->top = p->ts[0] == 'a' ? B_AND : p->ts[0] == 'o' ?
			    B_OR : p->ts[0] == 'd' ? B_DIV : B_MOD;
			i = j;
		} else {
			size_t	k = skip_space(p, j);

			if (k + 1 < p->len && p->src[k] == ':' &&
			    p->src[k + 1] == ':') {
				p->t = T_AXIS;
				i = k + 2;
			} else if (k < p->len && p->src[k] == '(') {
				p->t = T_FUNC;
				i = j;
			} else {
				p->t = T_NAME;
				i = j;
				operand = 1;
			}
		}
	} else {
		i++;
		switch (c) {
		case '(': p->t = T_LP; break;
		case ')': p->t = T_RP; operand = 1; break;
		case '[': p->t = T_LB; break;
		case ']': p->t = T_RB; operand = 1; break;
		case ',': p->t = T_COMMA; break;
		case '|': p->t = T_PIPE; break;
		case '@': p->t = T_AT; break;
		case '/':
			if (i < p->len && p->src[i] == '/') {
				i++;
				p->t = T_DSLASH;
			} else
				p->t = T_SLASH;
			break;
		case '.':
			if (i < p->len && p->src[i] == '.') {
				i++;
				p->t = T_DDOT;
			} else
				p->t = T_DOT;
			operand = 1;
			break;
		case '*':
			if (p->operand) {
				p->t = T_OP;
				p->top = B_MUL;
			} else {
				p->t = T_STAR;
				operand = 1;
			}
			break;
		case '+': p->t = T_OP; p->top = B_ADD; break;
		case '-': p->t = T_OP; p->top = B_SUB; break;
		case '=': p->t = T_OP; p->top = B_EQ; break;
		case '!':
			if (i < p->len && p->src[i] == '=') {
				i++;
				p->t = T_OP;
				p->top = B_NE;
				break;
			}
			return fail(p, i - 1, _("unexpected character '!'"));
		case '<':
			p->t = T_OP;
			p->top = B_LT;
			if (i < p->len && p->src[i] == '=') {
				i++;
				p->top = B_LE;
			}
			break;
		case '>':
			p->t = T_OP;
			p->top = B_GT;
			if (i < p->len && p->src[i] == '=') {
				i++;
				p->top = B_GE;
			}
			break;
		default:
			if (u[i - 1] >= 0x20 && u[i - 1] < 0x7f)
				return fail(p, i - 1, _("unexpected character "
				    "'%c'"), c);
			return fail(p, i - 1, _("unexpected character 0x%02x"),
			    u[i - 1]);
		}
	}
	p->operand = operand;
	p->tend = p->i = i;
	return 0;
}

/* The current token's text, for messages. */
static const char *
tok_text(struct parser *p)
{
	const char	*s;
	size_t		 n;

	if (p->t == T_EOF)
		return _("end of expression");
	n = p->tend - p->tpos;
	if (n > 24)
		n = 24;
	s = arena_printf(p->a, "'%.*s'", (int)n, p->src + p->tpos);
	return s != NULL ? s : _("a token");
}

/* ------------------------------------------------------------------ */
/* The parser                                                          */

static struct expr *parse_expr(struct parser *p);

static struct expr *
node(struct parser *p, enum xop op, size_t pos)
{
	struct expr	*x;

	if ((x = arena_alloc(p->a, sizeof(*x))) == NULL) {
		nomem(p);
		return NULL;
	}
	x->op = op;
	x->pos = pos;
	x->src = p->src;
	return x;
}

/* Append x to a growing array in the arena (doubling). */
static int
push(struct parser *p, void **v, size_t *n, size_t *cap, size_t size,
    const void *x)
{
	void	*nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		if ((nv = arena_alloc(p->a, *cap * size)) == NULL)
			return nomem(p);
		if (*n > 0)
			memcpy(nv, *v, *n * size);
		*v = nv;
	}
	memcpy((char *)*v + *n * size, x, size);
	(*n)++;
	return 0;
}

static int
expect(struct parser *p, enum tok t, const char *what, size_t open)
{
	if (p->t != t) {
		if (p->t == T_EOF)
			return fail(p, p->tpos, _("missing %s (opened at "
			    "character %zu)"), what,
			    expr_charpos(p->src, open));
		return fail(p, p->tpos, _("expected %s, found %s"), what,
		    tok_text(p));
	}
	return lex(p);
}

static int
parse_preds(struct parser *p, struct expr ***v, size_t *n)
{
	size_t		 cap = 0, open;
	struct expr	*x;

	while (p->t == T_LB) {
		open = p->tpos;
		if (lex(p) < 0 || (x = parse_expr(p)) == NULL)
			return -1;
		if (push(p, (void **)v, n, &cap, sizeof(x), &x) < 0 ||
		    expect(p, T_RB, "']'", open) < 0)
			return -1;
	}
	return 0;
}

static int
step_starts(enum tok t)
{
	return t == T_NAME || t == T_STAR || t == T_DOT || t == T_DDOT ||
	    t == T_AT || t == T_AXIS || t == T_FUNC;
}

static int
parse_step(struct parser *p, struct xstep *s)
{
	memset(s, 0, sizeof(*s));
	s->axis = AX_CHILD;
	switch (p->t) {
	case T_DOT:
		s->axis = AX_SELF;
		return lex(p);
	case T_DDOT:
		s->axis = AX_PARENT;
		return lex(p);
	case T_AT:
		return fail(p, p->tpos, _("attributes ('@') are not "
		    "supported"));
	case T_AXIS:
		if (p->tslen == 5 && memcmp(p->ts, "child", 5) == 0)
			s->axis = AX_CHILD;
		else if (p->tslen == 4 && memcmp(p->ts, "self", 4) == 0)
			s->axis = AX_SELF;
		else if (p->tslen == 6 && memcmp(p->ts, "parent", 6) == 0)
			s->axis = AX_PARENT;
		else if (p->tslen == 18 &&
		    memcmp(p->ts, "descendant-or-self", 18) == 0)
			s->axis = AX_DESC_SELF;
		else
			return fail(p, p->tpos, _("axis '%.*s' is not "
			    "supported"), (int)p->tslen, p->ts);
		if (lex(p) < 0)
			return -1;
		if (p->t != T_NAME && p->t != T_STAR && p->t != T_FUNC)
			return fail(p, p->tpos, _("expected a name after "
			    "'::'"));
		break;
	default:
		break;
	}
	if (p->t == T_STAR) {
		s->name = NULL;
	} else if (p->t == T_FUNC) {
		/* node() is the only node test worth having */
		if (p->tslen != 4 || memcmp(p->ts, "node", 4) != 0)
			return fail(p, p->tpos, _("unknown function '%.*s'"),
			    (int)p->tslen, p->ts);
		if (lex(p) < 0 || lex(p) < 0)
			return -1;
		if (p->t != T_RP)
			return fail(p, p->tpos, _("node() takes no "
			    "arguments"));
		s->name = NULL;
	} else if (p->t == T_NAME) {
		const char	*colon = memchr(p->ts, ':', p->tslen);
		const char	*nm = p->ts;
		size_t		 n = p->tslen;

		/* Instance nodes have no namespaces here: match "orx:x"
		 * as "x", "orx:*" as any. */
		if (colon != NULL) {
			n -= (size_t)(colon + 1 - nm);
			nm = colon + 1;
		}
		if (n == 1 && nm[0] == '*')
			s->name = NULL;
		else if ((s->name = arena_strndup(p->a, nm, n)) == NULL)
			return nomem(p);
	} else {
		return fail(p, p->tpos, _("expected a step, found %s"),
		    tok_text(p));
	}
	if (lex(p) < 0)
		return -1;
	return parse_preds(p, &s->preds, &s->npreds);
}

static int
parse_steps(struct parser *p, struct expr *x, size_t *cap)
{
	struct xstep	s;

	for (;;) {
		if (parse_step(p, &s) < 0 ||
		    push(p, (void **)&x->steps, &x->nsteps, cap, sizeof(s),
		    &s) < 0)
			return -1;
		if (p->t == T_SLASH) {
			if (lex(p) < 0)
				return -1;
		} else if (p->t == T_DSLASH) {
			memset(&s, 0, sizeof(s));
			s.axis = AX_DESC_SELF;
			if (lex(p) < 0 || push(p, (void **)&x->steps,
			    &x->nsteps, cap, sizeof(s), &s) < 0)
				return -1;
		} else
			return 0;
	}
}

static int
arity_msg(struct parser *p, const struct fninfo *fn, size_t n, size_t pos)
{
	if (fn->id == F_INDEXED_REPEAT)
		return fail(p, pos, _("function 'indexed-repeat' takes 3, 5, "
		    "7, 9 or 11 arguments, not %zu"), n);
	/* "argument%s": the plural is an added "s" in English and in
	 * Spanish (argumento, argumentos), the languages of po/ */
	if (fn->max == fn->min)
		return fail(p, pos, _("function '%s' takes %d argument%s, not "
		    "%zu"), fn->name, fn->min, fn->min == 1 ? "" : "s", n);
	if (fn->max < 0)
		return fail(p, pos, _("function '%s' takes at least %d "
		    "argument%s, not %zu"), fn->name, fn->min,
		    fn->min == 1 ? "" : "s", n);
	if (fn->max == fn->min + 1)
		return fail(p, pos, _("function '%s' takes %d or %d "
		    "arguments, not %zu"), fn->name, fn->min, fn->max, n);
	return fail(p, pos, _("function '%s' takes %d to %d arguments, not "
	    "%zu"), fn->name, fn->min, fn->max, n);
}

static int
is_ref(const struct expr *x)
{
	return x->op == X_REF || x->op == X_PATH;
}

/* Checks a call can have before any form is known. */
static int
check_call(struct parser *p, struct expr *x)
{
	struct buf	 tmp;
	const char	*msg;
	size_t		 i;

	switch (x->fn->id) {
	case F_WEIGHTED_CHECKLIST:
		if (x->nargs % 2 != 0)
			return fail(p, x->pos, _("function "
			    "'weighted-checklist' takes an even number of "
			    "arguments, not %zu"), x->nargs);
		break;
	case F_INDEXED_REPEAT:
		if (x->nargs % 2 == 0)
			return fail(p, x->pos, _("function 'indexed-repeat' "
			    "takes 3, 5, 7, 9 or 11 arguments, not %zu"),
			    x->nargs);
		for (i = 0; i < x->nargs; i += i == 0 ? 1 : 2)
			if (!is_ref(x->args[i]))
				return fail(p, x->args[i]->pos,
				    _("indexed-repeat(): argument %zu must be "
				    "a reference such as ${name}"), i + 1);
		break;
	case F_REGEX:
		if (x->args[1]->op != X_STR)
			break;
		buf_init(&tmp, 1u << 16);
		msg = expr_regex_check(x->args[1]->str, &tmp);
		if (msg != NULL) {
			fail(p, x->args[1]->pos, "regex(): %s", msg);
			buf_release(&tmp);
			return -1;
		}
		buf_release(&tmp);
		break;
	case F_INSTANCE:
		if (x->args[0]->op != X_STR)
			return fail(p, x->args[0]->pos, _("instance() needs "
			    "a list name in quotes"));
		break;
	default:
		break;
	}
	return 0;
}

static struct expr *
parse_call(struct parser *p)
{
	struct expr		*x, *arg;
	const struct fninfo	*fn;
	char			*name;
	size_t			 cap = 0, open, pos = p->tpos;

	if ((name = arena_strndup(p->a, p->ts, p->tslen)) == NULL) {
		nomem(p);
		return NULL;
	}
	if ((fn = expr_fn_lookup(name)) == NULL) {
		fail(p, pos, _("unknown function '%s'"), name);
		return NULL;
	}
	if (fn->id == F_UNSUPPORTED) {
		fail(p, pos, _("function '%s' is not supported: %s"), name,
		    _(fn->why));
		return NULL;
	}
	if ((x = node(p, X_FUNC, pos)) == NULL)
		return NULL;
	x->fn = fn;
	x->str = fn->name;
	if (lex(p) < 0)			/* the name */
		return NULL;
	open = p->tpos;
	if (lex(p) < 0)			/* '(' */
		return NULL;
	if (p->t != T_RP) {
		for (;;) {
			if ((arg = parse_expr(p)) == NULL ||
			    push(p, (void **)&x->args, &x->nargs, &cap,
			    sizeof(arg), &arg) < 0)
				return NULL;
			if (p->t != T_COMMA)
				break;
			if (lex(p) < 0)
				return NULL;
		}
	}
	if (expect(p, T_RP, "')'", open) < 0)
		return NULL;
	if ((int)x->nargs < fn->min ||
	    (fn->max >= 0 && (int)x->nargs > fn->max)) {
		arity_msg(p, fn, x->nargs, pos);
		return NULL;
	}
	if (check_call(p, x) < 0)
		return NULL;
	return x;
}

static struct expr *
parse_primary(struct parser *p)
{
	struct expr	*x;
	size_t		 open;

	switch (p->t) {
	case T_NUM:
		if ((x = node(p, X_NUM, p->tpos)) == NULL)
			return NULL;
		x->num = p->tnum;
		break;
	case T_STR:
		if ((x = node(p, X_STR, p->tpos)) == NULL)
			return NULL;
		if ((x->str = arena_strndup(p->a, p->ts, p->tslen)) == NULL) {
			nomem(p);
			return NULL;
		}
		break;
	case T_REF:
		if ((x = node(p, X_REF, p->tpos)) == NULL)
			return NULL;
		if ((x->str = arena_strndup(p->a, p->ts, p->tslen)) == NULL) {
			nomem(p);
			return NULL;
		}
		break;
	case T_LP:
		open = p->tpos;
		if (lex(p) < 0 || (x = parse_expr(p)) == NULL)
			return NULL;
		if (expect(p, T_RP, "')'", open) < 0)
			return NULL;
		return x;
	case T_FUNC:
		return parse_call(p);
	case T_EOF:
		fail(p, p->tpos, _("unexpected end of expression"));
		return NULL;
	default:
		fail(p, p->tpos, _("unexpected %s"), tok_text(p));
		return NULL;
	}
	if (lex(p) < 0)
		return NULL;
	return x;
}

static struct expr *
parse_path(struct parser *p)
{
	struct expr	*x, *base;
	struct xstep	 s;
	size_t		 cap = 0, pos = p->tpos;

	if (p->t == T_SLASH || p->t == T_DSLASH) {
		if ((x = node(p, X_PATH, pos)) == NULL)
			return NULL;
		x->start = PS_ROOT;
		if (p->t == T_DSLASH) {
			memset(&s, 0, sizeof(s));
			s.axis = AX_DESC_SELF;
			if (push(p, (void **)&x->steps, &x->nsteps, &cap,
			    sizeof(s), &s) < 0)
				return NULL;
			if (lex(p) < 0 || parse_steps(p, x, &cap) < 0)
				return NULL;
			return x;
		}
		if (lex(p) < 0)
			return NULL;
		if (step_starts(p->t) && !(p->t == T_FUNC &&
		    !(p->tslen == 4 && memcmp(p->ts, "node", 4) == 0)))
			if (parse_steps(p, x, &cap) < 0)
				return NULL;
		return x;
	}
	if (step_starts(p->t) && !(p->t == T_FUNC &&
	    !(p->tslen == 4 && memcmp(p->ts, "node", 4) == 0))) {
		if ((x = node(p, X_PATH, pos)) == NULL)
			return NULL;
		x->start = PS_CONTEXT;
		if (parse_steps(p, x, &cap) < 0)
			return NULL;
		return x;
	}
	if ((base = parse_primary(p)) == NULL)
		return NULL;
	if (p->t != T_LB && p->t != T_SLASH && p->t != T_DSLASH)
		return base;
	if ((x = node(p, X_PATH, pos)) == NULL)
		return NULL;
	x->start = PS_EXPR;
	x->base = base;
	if (parse_preds(p, &x->bpreds, &x->nbpreds) < 0)
		return NULL;
	if (p->t == T_SLASH) {
		if (lex(p) < 0 || parse_steps(p, x, &cap) < 0)
			return NULL;
	} else if (p->t == T_DSLASH) {
		memset(&s, 0, sizeof(s));
		s.axis = AX_DESC_SELF;
		if (push(p, (void **)&x->steps, &x->nsteps, &cap, sizeof(s),
		    &s) < 0)
			return NULL;
		if (lex(p) < 0 || parse_steps(p, x, &cap) < 0)
			return NULL;
	}
	return x;
}

/* Precedence levels, loosest first; the last is unary minus. */
static const enum xbin level_ops[][5] = {
	{ B_OR, B_OR },
	{ B_AND, B_AND },
	{ B_EQ, B_NE },
	{ B_LT, B_LE, B_GT, B_GE },
	{ B_ADD, B_SUB },
	{ B_MUL, B_DIV, B_MOD },
};
static const int level_nops[] = { 1, 1, 2, 4, 2, 3 };
#define NLEVELS	6

static struct expr *parse_level(struct parser *p, int lvl);

static struct expr *
parse_union(struct parser *p)
{
	struct expr	*first, *x, *y;
	size_t		 cap = 0, ocap = 0, nops = 0;
	enum xbin	 op = B_UNION;

	if ((first = parse_path(p)) == NULL)
		return NULL;
	if (p->t != T_PIPE)
		return first;
	if ((x = node(p, X_CHAIN, first->pos)) == NULL ||
	    push(p, (void **)&x->args, &x->nargs, &cap, sizeof(first),
	    &first) < 0)
		return NULL;
	while (p->t == T_PIPE) {
		if (lex(p) < 0 || (y = parse_path(p)) == NULL)
			return NULL;
		if (push(p, (void **)&x->args, &x->nargs, &cap, sizeof(y),
		    &y) < 0 || push(p, (void **)&x->ops, &nops, &ocap,
		    sizeof(op), &op) < 0)
			return NULL;
	}
	return x;
}

static struct expr *
parse_unary(struct parser *p)
{
	struct expr	*x, *neg, *top = NULL, **hole = &top;
	int		 n = 0;

	/* "- - x": a chain of X_NEG nodes, each a level of nesting */
	while (p->t == T_OP && p->top == B_SUB) {
		if (++p->depth > EXPR_MAX_DEPTH) {
			fail(p, p->tpos, _("expression nested too deeply "
			    "(more than %d levels)"), EXPR_MAX_DEPTH);
			return NULL;
		}
		n++;
		if ((neg = node(p, X_NEG, p->tpos)) == NULL)
			return NULL;
		if ((neg->args = arena_alloc(p->a, sizeof(x))) == NULL) {
			nomem(p);
			return NULL;
		}
		neg->nargs = 1;
		*hole = neg;
		hole = &neg->args[0];
		if (lex(p) < 0)
			return NULL;
	}
	if ((x = parse_union(p)) == NULL)
		return NULL;
	*hole = x;
	p->depth -= n;
	return top;
}

static int
in_level(const struct parser *p, int lvl)
{
	int	i;

	if (p->t != T_OP)
		return 0;
	for (i = 0; i < level_nops[lvl]; i++)
		if (level_ops[lvl][i] == p->top)
			return 1;
	return 0;
}

static struct expr *
parse_level(struct parser *p, int lvl)
{
	struct expr	*first, *x, *y;
	size_t		 cap = 0, ocap = 0, nops = 0;
	enum xbin	 op;

	if (lvl == NLEVELS)
		return parse_unary(p);
	if ((first = parse_level(p, lvl + 1)) == NULL)
		return NULL;
	if (!in_level(p, lvl))
		return first;
	if ((x = node(p, X_CHAIN, first->pos)) == NULL ||
	    push(p, (void **)&x->args, &x->nargs, &cap, sizeof(first),
	    &first) < 0)
		return NULL;
	while (in_level(p, lvl)) {
		op = p->top;
		if (lex(p) < 0 || (y = parse_level(p, lvl + 1)) == NULL)
			return NULL;
		if (push(p, (void **)&x->args, &x->nargs, &cap, sizeof(y),
		    &y) < 0 || push(p, (void **)&x->ops, &nops, &ocap,
		    sizeof(op), &op) < 0)
			return NULL;
	}
	return x;
}

static struct expr *
parse_expr(struct parser *p)
{
	struct expr	*x;

	if (++p->depth > EXPR_MAX_DEPTH) {
		fail(p, p->tpos, _("expression nested too deeply (more than "
		    "%d levels)"), EXPR_MAX_DEPTH);
		return NULL;
	}
	x = parse_level(p, 0);
	p->depth--;
	return x;
}

int
expr_parse(struct arena *a, const char *src, struct expr **out,
    size_t *errpos, struct err *e)
{
	struct parser	 p;
	struct expr	*x;
	size_t		 len;

	*out = NULL;
	if (errpos != NULL)
		*errpos = 1;
	memset(&p, 0, sizeof(p));
	p.a = a;
	p.e = e;
	len = strnlen(src, (size_t)EXPR_MAX_LEN + 1);
	if (len > EXPR_MAX_LEN) {
		if (errpos != NULL)
			*errpos = expr_charpos(src, EXPR_MAX_LEN);
		return err_set(e, ERR_INPUT, _("expression longer than %u "
		    "bytes"), EXPR_MAX_LEN);
	}
	if ((p.src = arena_strndup(a, src, len)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	p.len = len;
	if (skip_space(&p, 0) == len)
		return err_set(e, ERR_INPUT, _("empty expression"));
	if (lex(&p) < 0 || (x = parse_expr(&p)) == NULL)
		goto fail;
	if (p.t != T_EOF) {
		if (p.t == T_RP)
			fail(&p, p.tpos, _("unbalanced ')'"));
		else if (p.t == T_RB)
			fail(&p, p.tpos, _("unbalanced ']'"));
		else
			fail(&p, p.tpos, _("unexpected %s after the "
			    "expression"), tok_text(&p));
		goto fail;
	}
	*out = x;
	return 0;
fail:
	if (errpos != NULL)
		*errpos = expr_charpos(p.src, p.errpos);
	return e != NULL && e->code != 0 ? e->code : ERR_INPUT;
}

const char *
expr_source(const struct expr *x)
{
	return x != NULL ? x->src : "";
}

size_t
expr_size(const struct expr *x)
{
	size_t	n = 1, i, j;

	if (x == NULL)
		return 0;
	for (i = 0; i < x->nargs; i++)
		n += expr_size(x->args[i]);
	if (x->op != X_PATH)
		return n;
	n += expr_size(x->base);
	for (i = 0; i < x->nbpreds; i++)
		n += expr_size(x->bpreds[i]);
	for (i = 0; i < x->nsteps; i++)
		for (j = 0; j < x->steps[i].npreds; j++)
			n += expr_size(x->steps[i].preds[j]);
	return n;
}

/* ------------------------------------------------------------------ */
/* Binding                                                             */

struct binder {
	const struct form	*f;
	const struct field	*context;
	struct err		*e;
};

static const struct field *
kid_named(const struct field *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->nkids; i++)
		if (strcmp(f->kids[i]->name, name) == 0)
			return f->kids[i];
	return NULL;
}

/* The one field a predicate-free path names, or NULL. */
static const struct field *
static_path(const struct binder *b, const struct expr *x)
{
	const struct field	*f;
	size_t			 i = 0;

	if (x->start == PS_ROOT) {
		if (b->f == NULL || b->f->root == NULL || x->nsteps == 0 ||
		    x->steps[0].axis != AX_CHILD || x->steps[0].name == NULL ||
		    strcmp(x->steps[0].name, b->f->root->name) != 0)
			return NULL;
		f = b->f->root;
		i = 1;
	} else if (x->start == PS_CONTEXT) {
		f = b->context;
	} else
		return NULL;
	for (; f != NULL && i < x->nsteps; i++) {
		const struct xstep *s = &x->steps[i];

		if (s->npreds > 0)
			return NULL;
		switch (s->axis) {
		case AX_SELF:
			break;
		case AX_PARENT:
			f = f->parent;
			break;
		case AX_CHILD:
			if (s->name == NULL)
				return NULL;
			f = kid_named(f, s->name);
			break;
		default:
			return NULL;
		}
	}
	return f;
}

static int
is_ancestor(const struct field *a, const struct field *f)
{
	for (; f != NULL; f = f->parent)
		if (f == a)
			return 1;
	return 0;
}

const struct field *
expr_field_from_text(const struct form *f, const char *s)
{
	const char	*end, *slash;
	char		 name[256];
	size_t		 n;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		end--;
	if (end - s > 3 && s[0] == '$' && s[1] == '{' && end[-1] == '}') {
		s += 2;
		end--;
	} else {
		for (slash = s; slash < end; slash++)
			if (*slash == '/')
				s = slash + 1;
	}
	n = (size_t)(end - s);
	if (n == 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return form_field(f, name);
}

static int bind_x(struct binder *b, struct expr *x);

static int
bind_list(struct binder *b, struct expr **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (bind_x(b, v[i]) != 0)
			return b->e != NULL ? b->e->code : ERR_INPUT;
	return 0;
}

static int
bind_call(struct binder *b, struct expr *x)
{
	const struct field	*t, *r;
	size_t			 i;

	switch (x->fn->id) {
	case F_INSTANCE:
		if (b->f == NULL)
			break;
		if ((x->list = form_list(b->f, x->args[0]->str)) == NULL)
			return err_set(b->e, ERR_INPUT, _("instance('%s'): no "
			    "choice list named '%s'"), x->args[0]->str,
			    x->args[0]->str);
		break;
	case F_CHOICE_NAME:
		if (b->f == NULL || x->args[1]->op != X_STR)
			break;
		t = expr_field_from_text(b->f, x->args[1]->str);
		if (t == NULL)
			return err_set(b->e, ERR_INPUT, _("jr:choice-name(): "
			    "unknown question '%s'"), x->args[1]->str);
		if (t->list == NULL)
			return err_set(b->e, ERR_INPUT, _("jr:choice-name(): "
			    "'%s' is not a select question"), t->name);
		x->list = t->list;
		break;
	case F_INDEXED_REPEAT:
		if ((t = x->args[0]->field) == NULL)
			break;
		for (i = 1; i < x->nargs; i += 2) {
			r = x->args[i]->field;
			if (r == NULL)
				continue;
			if (r->kind != FK_REPEAT || !is_ancestor(r, t))
				return err_set(b->e, ERR_INPUT,
				    _("indexed-repeat(): '%s' is not a repeat "
				    "containing '%s'"), r->name, t->name);
		}
		break;
	default:
		break;
	}
	return 0;
}

static int
bind_x(struct binder *b, struct expr *x)
{
	size_t	i;
	int	rc;

	switch (x->op) {
	case X_NUM:
	case X_STR:
		return 0;
	case X_REF:
		if (b->f == NULL)
			return err_set(b->e, ERR_INPUT, _("'${%s}' outside a "
			    "form"), x->str);
		if ((x->field = form_field(b->f, x->str)) == NULL)
			return err_set(b->e, ERR_INPUT, _("unknown question "
			    "'${%s}'"), x->str);
		return 0;
	case X_FUNC:
		if ((rc = bind_list(b, x->args, x->nargs)) != 0)
			return rc;
		return bind_call(b, x);
	case X_CHAIN:
	case X_NEG:
		return bind_list(b, x->args, x->nargs);
	case X_PATH:
		if (x->base != NULL && (rc = bind_x(b, x->base)) != 0)
			return rc;
		if ((rc = bind_list(b, x->bpreds, x->nbpreds)) != 0)
			return rc;
		for (i = 0; i < x->nsteps; i++)
			if ((rc = bind_list(b, x->steps[i].preds,
			    x->steps[i].npreds)) != 0)
				return rc;
		if (x->base != NULL && x->base->op == X_REF &&
		    x->nsteps == 0 && x->nbpreds > 0)
			x->field = x->base->field;
		else {
			x->field = static_path(b, x);
			if (x->field == b->context)
				x->field = NULL;	/* '.' itself */
		}
		return 0;
	}
	return 0;
}

int
expr_bind(struct expr *x, const struct form *f, const struct field *context,
    struct err *e)
{
	struct binder	b;

	b.f = f;
	b.context = context;
	b.e = e;
	if (x == NULL)
		return 0;
	return bind_x(&b, x);
}

/* Call fn on every node of x, parents first (depth is bounded by the
 * parser's EXPR_MAX_DEPTH). */
static void
visit(const struct expr *x, void (*fn)(const struct expr *, void *),
    void *arg)
{
	size_t	i, j;

	if (x == NULL)
		return;
	fn(x, arg);
	for (i = 0; i < x->nargs; i++)
		visit(x->args[i], fn, arg);
	if (x->op != X_PATH)
		return;
	visit(x->base, fn, arg);
	for (i = 0; i < x->nbpreds; i++)
		visit(x->bpreds[i], fn, arg);
	for (i = 0; i < x->nsteps; i++)
		for (j = 0; j < x->steps[i].npreds; j++)
			visit(x->steps[i].preds[j], fn, arg);
}

struct refs {
	void	(*fn)(const struct field *, void *);
	void	 *arg;
};

static void
ref_of(const struct expr *x, void *arg)
{
	const struct refs	*r = arg;

	if ((x->op == X_REF || x->op == X_PATH) && x->field != NULL)
		r->fn(x->field, r->arg);
}

void
expr_refs(const struct expr *x, void (*fn)(const struct field *, void *),
    void *arg)
{
	struct refs	r = { fn, arg };

	visit(x, ref_of, &r);
}

struct calls {
	const char	*name;
	int		 found;
};

static void
call_of(const struct expr *x, void *arg)
{
	struct calls	*c = arg;

	if (x->op == X_FUNC && strcmp(x->fn->name, c->name) == 0)
		c->found = 1;
}

/*
 * A path relative to the context whose first step names a child ("age >
 * 3"): from a question (which has no children) or a group without such a
 * kid it selects nothing and reads as "". Predicates are not searched:
 * there bare names mean the nodes the predicate filters.
 */
static const char *
stray(const struct expr *x, const struct field *ctx)
{
	const char	*s;
	size_t		 i;

	if (x == NULL)
		return NULL;
	if (x->op == X_PATH && x->start == PS_CONTEXT && x->nsteps > 0 &&
	    x->steps[0].axis == AX_CHILD && x->steps[0].name != NULL) {
		for (i = 0; i < ctx->nkids; i++)
			if (strcmp(ctx->kids[i]->name, x->steps[0].name) == 0)
				break;
		if (i == ctx->nkids)
			return x->steps[0].name;
	}
	for (i = 0; i < x->nargs; i++)
		if ((s = stray(x->args[i], ctx)) != NULL)
			return s;
	return x->op == X_PATH && x->start == PS_EXPR ? stray(x->base, ctx) :
	    NULL;
}

const char *
expr_stray_name(const struct expr *x, const struct field *context)
{
	return stray(x, context);
}

/*
 * Whether x reads the primary instance other than through what expr_refs
 * names. in_list: x is inside a predicate of a path into a secondary
 * instance, where a relative path names the list's own items and
 * columns, never the primary instance.
 */
static int
reads_paths(const struct expr *x, int in_list)
{
	size_t	i, j;

	if (x == NULL)
		return 0;
	switch (x->op) {
	case X_NUM:
	case X_STR:
	case X_REF:
		return 0;
	case X_FUNC:
		if (x->fn->id == F_CURRENT)
			return 1;
		break;
	case X_PATH:
		if (x->start == PS_ROOT)
			return 1;
		if (x->start == PS_CONTEXT && !in_list && !(x->nsteps == 1 &&
		    x->steps[0].axis == AX_SELF && x->steps[0].npreds == 0))
			return 1;
		if (x->start == PS_EXPR) {
			if (x->base->op == X_FUNC &&
			    x->base->fn->id == F_INSTANCE)
				in_list = 1;
			else if (x->nsteps > 0 || x->nbpreds > 0 ||
			    reads_paths(x->base, in_list))
				return 1;
		}
		for (i = 0; i < x->nbpreds; i++)
			if (reads_paths(x->bpreds[i], in_list))
				return 1;
		for (i = 0; i < x->nsteps; i++)
			for (j = 0; j < x->steps[i].npreds; j++)
				if (reads_paths(x->steps[i].preds[j], in_list))
					return 1;
		return 0;
	default:
		break;
	}
	for (i = 0; i < x->nargs; i++)
		if (reads_paths(x->args[i], in_list))
			return 1;
	return 0;
}

int
expr_reads_paths(const struct expr *x)
{
	return reads_paths(x, 0);
}

int
expr_calls(const struct expr *x, const char *name)
{
	struct calls	c = { name, 0 };

	visit(x, call_of, &c);
	return c.found;
}
