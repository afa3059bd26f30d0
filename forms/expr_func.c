/*
 * expr_func.c: the function library of ODK XForms (the "XPath Functions"
 * table of getodk.github.io/xforms-spec), with JavaRosa's behaviour where
 * the spec is silent. The choices made where the two differ, or where
 * JavaRosa's behaviour is an accident, are noted at each function.
 *
 * Strings are UTF-8 and measured in code points (JavaRosa counts UTF-16
 * units; the two agree outside the astral planes). Results live in the
 * evaluation's scratch arena.
 */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <sodium.h>

#include "forms.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int
arg(struct ectx *c, const struct expr *x, const struct xctx *cx, size_t i,
    struct val *v)
{
	return ev(c, x->args[i], cx, v);
}

static int
arg_str(struct ectx *c, const struct expr *x, const struct xctx *cx,
    size_t i, const char **s)
{
	struct val	v;

	if (ev(c, x->args[i], cx, &v) != 0)
		return -1;
	*s = val_to_str(c, &v);
	return 0;
}

static int
arg_num(struct ectx *c, const struct expr *x, const struct xctx *cx,
    size_t i, double *n)
{
	struct val	v;

	if (ev(c, x->args[i], cx, &v) != 0)
		return -1;
	*n = val_to_num(c, &v);
	return 0;
}

/* Java's (int) of a double: truncation, NaN 0, clamped. */
long
java_int(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 2147483647.0)
		return 2147483647L;
	if (d <= -2147483648.0)
		return -2147483647L - 1;
	return (long)d;
}

static char *
scratch_str(struct ectx *c, const char *s, size_t n)
{
	char	*p = arena_strndup(&c->scratch, s, n);

	if (p == NULL)
		ev_oom(c);
	return p;
}

static int
out_str(struct ectx *c, struct val *out, const char *s, size_t n)
{
	char	*p;

	if ((p = scratch_str(c, s, n)) == NULL)
		return -1;
	val_str(out, p);
	return 0;
}

static int
out_buf(struct ectx *c, struct val *out, struct buf *b)
{
	int	rc = out_str(c, out, b->p != NULL ? b->p : "", b->len);

	buf_release(b);
	return rc;
}

static int
buf_fail(struct ectx *c, struct buf *b, const char *fn)
{
	buf_release(b);
	return err_set(c->e, ERR_INPUT, _("%s(): result longer than %u "
	    "bytes"), fn, EVAL_MAX_MEM / 4);
}

/* UTF-8: code points in s[0..n), and the byte offset of code point k. */
static size_t
u8len(const char *s)
{
	size_t	n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static size_t
u8off(const char *s, size_t k)
{
	size_t	i = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (k == 0)
				return i;
			k--;
		}
		i++;
	}
	return i;
}

/* Bytes of the code point at s. */
static size_t
u8char(const char *s)
{
	size_t	n = 1;

	if (*s == '\0')
		return 0;
	while (s[n] != '\0' && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static int
jspace(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\f' || ch == '\v';
}

/* The i-th space-separated token of s: start and length; 0 when none. */
static int
token(const char *s, size_t i, const char **t, size_t *n)
{
	for (;;) {
		while (jspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return 0;
		*t = s;
		while (*s != '\0' && !jspace((unsigned char)*s))
			s++;
		*n = (size_t)(s - *t);
		if (i-- == 0)
			return 1;
	}
}

/* Every value of v: each node's of a node-set, or v itself. */
static size_t
nvalues(const struct val *v)
{
	return v->t == V_NODES ? v->nn : 1;
}

static void
value_at(struct ectx *c, const struct val *v, size_t i, struct val *out)
{
	if (v->t == V_NODES)
		node_value(c, val_node(v, i), out);
	else
		*out = *v;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

/*
 * round(): JavaRosa rounds the shortest decimal text of the number
 * (Double.toString) with BigDecimal, half up for positive numbers and half
 * down (toward zero) for negative ones, which is XPath 1.0's "half toward
 * positive infinity": round(2.5) = 3, round(-2.5) = -2, round(1.005, 2) =
 * 1.01 (the binary 1.00499999... is written "1.005").
 */
#define ROUND_FAST_MAX	2147483648.0	/* 2^31 */

static double
round_places(double v, long places)
{
	char			 buf[64], digits[24];
	int			 p, e, nd = 0, nkeep, up, i;
	unsigned long long	 k = 0;
	const char		*q;
	double			 r;

	if (isnan(v) || isinf(v))
		return v;
	if (places > 30 || places < -30)
		return NAN;
	if (places == 0 && fabs(v) < ROUND_FAST_MAX) {
		/* What the digits below give, without printing them: the
		 * shortest decimal of v is within half an ulp (under 2^-23
		 * here) of v, so a fraction clear of one half by more than
		 * that rounds as the fraction itself says, half toward
		 * +infinity or not. */
		double	a = fabs(v), f = a - floor(a);

		if (f == 0)
			return v;
		if (f < 0.4999)
			return copysign(floor(a), v);
		if (f > 0.5001)
			return copysign(floor(a) + 1, v);
	}
	if (places < 0) {
		double scaled = v * pow(10.0, (double)places);

		/* JavaRosa truncates scaled + 0.5 toward zero, which sends
		 * round(-1234, -2) to -1100; floor() keeps "half toward
		 * +infinity" for negative numbers too. */
		if (fabs(scaled) >= 9e18)	/* no fraction left to round */
			return v;
		r = floor(scaled + 0.5);
		snprintf(buf, sizeof(buf), "%.0fe%ld", r, -places);
		return strtod(buf, NULL);
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, fabs(v));
		if (strtod(buf, NULL) == fabs(v))
			break;
	}
	for (q = buf; *q != 'e' && *q != '\0'; q++)
		if (*q >= '0' && *q <= '9' && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *q;
	digits[nd] = '\0';
	e = *q == 'e' ? (int)strtol(q + 1, NULL, 10) : 0;
	nkeep = e + (int)places + 1;
	if (nkeep >= nd)
		return v;
	if (nkeep < 0)
		return v < 0 ? -0.0 : 0.0;
	for (i = 0; i < nkeep; i++)
		k = k * 10 + (unsigned long long)(digits[i] - '0');
	if (v > 0)
		up = digits[nkeep] >= '5';
	else {
		up = digits[nkeep] > '5';
		for (i = nkeep + 1; !up && digits[nkeep] == '5' && i < nd; i++)
			if (digits[i] != '0')
				up = 1;
	}
	k += (unsigned long long)up;
	snprintf(buf, sizeof(buf), "%s%llue%d", v < 0 ? "-" : "", k,
	    e - nkeep + 1);
	return strtod(buf, NULL);
}

/* min(), max(): over every value of every argument; empty values (NaN)
 * are skipped as JavaRosa does, and only all-empty gives NaN. */
static int
minmax(struct ectx *c, const struct expr *x, const struct xctx *cx,
    int want_max, struct val *out)
{
	struct val	v, u;
	size_t		i, j;
	double		best = NAN, d;

	for (i = 0; i < x->nargs; i++) {
		if (arg(c, x, cx, i, &v) != 0)
			return -1;
		for (j = 0; j < nvalues(&v); j++) {
			value_at(c, &v, j, &u);
			d = val_to_num(c, &u);
			if (isnan(d))
				continue;
			if (isnan(best) || (want_max ? d > best : d < best))
				best = d;
		}
	}
	val_num(out, best);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Strings                                                             */

static int
concat(struct ectx *c, const struct expr *x, const struct xctx *cx,
    size_t first, const char *sep, struct val *out)
{
	struct buf	b;
	struct val	v, u;
	size_t		i, j, n = 0;

	buf_init(&b, EVAL_MAX_MEM / 4);
	if (buf_addstr(&b, "") != 0)
		return buf_fail(c, &b, x->fn->name);
	for (i = first; i < x->nargs; i++) {
		if (arg(c, x, cx, i, &v) != 0) {
			buf_release(&b);
			return -1;
		}
		for (j = 0; j < nvalues(&v); j++) {
			value_at(c, &v, j, &u);
			if ((sep != NULL && n++ > 0 &&
			    buf_addstr(&b, sep) != 0) ||
			    buf_addstr(&b, val_to_str(c, &u)) != 0)
				return buf_fail(c, &b, x->fn->name);
		}
	}
	return out_buf(c, out, &b);
}

static int
translate(struct ectx *c, const char *s, const char *from, const char *to,
    struct val *out)
{
	struct buf	 b;
	size_t		 n, fn, k, idx;
	const char	*f, *t;

	if (ev_work(c, strlen(s) / 8 * (strlen(from) / 8 + 1)) != 0)
		return -1;
	buf_init(&b, EVAL_MAX_MEM / 4);
	if (buf_addstr(&b, "") != 0)
		return buf_fail(c, &b, "translate");
	for (; *s != '\0'; s += n) {
		n = u8char(s);
		idx = 0;
		for (f = from; *f != '\0'; f += fn, idx++) {
			fn = u8char(f);
			if (fn == n && memcmp(f, s, n) == 0)
				break;
		}
		if (*f == '\0') {
			if (buf_add(&b, s, n) != 0)
				return buf_fail(c, &b, "translate");
			continue;
		}
		for (t = to, k = 0; *t != '\0' && k < idx; k++)
			t += u8char(t);
		if (*t != '\0' && buf_add(&b, t, u8char(t)) != 0)
			return buf_fail(c, &b, "translate");
	}
	return out_buf(c, out, &b);
}

static int
normalize(struct ectx *c, const char *s, struct val *out)
{
	char	*p, *q;
	int	 sp = 0;

	if ((p = q = scratch_str(c, s, strlen(s))) == NULL)
		return -1;
	while (jspace((unsigned char)*s))
		s++;
	for (; *s != '\0'; s++) {
		if (jspace((unsigned char)*s)) {
			sp = 1;
			continue;
		}
		if (sp)
			*q++ = ' ';
		sp = 0;
		*q++ = *s;
	}
	*q = '\0';
	val_str(out, p);
	return 0;
}

/* substr(s, start, end): JavaRosa's, 0-based, negative from the end. */
static int
substr(struct ectx *c, const char *s, double dstart, double dend, int has_end,
    struct val *out)
{
	long	len = (long)u8len(s), start = java_int(dstart);
	long	end = has_end ? java_int(dend) : len;
	size_t	a, b;

	if (start < 0)
		start += len;
	if (end < 0)
		end += len;
	end = end < 0 ? 0 : end > len ? len : end;
	start = start < 0 ? 0 : start > len ? len : start;
	if (start > end) {
		val_str(out, "");
		return 0;
	}
	a = u8off(s, (size_t)start);
	b = u8off(s, (size_t)end);
	return out_str(c, out, s + a, b - a);
}

/* ------------------------------------------------------------------ */
/* regex(): Java's Pattern.matches, the whole text, done with POSIX ERE   */

/*
 * The whole text: the translated pattern is wrapped in "^(...)$" and
 * compiled with REG_NOSUB, so that glibc answers from its automaton
 * alone, linear in the text. Asking for the match's bounds instead made
 * it backtrack through the groups: regex(., '(a+)+$') on an answer of
 * 30,000 characters took 14 s.
 */

/*
 * Java's syntax, as forms write it, into POSIX ERE: \d \w \s and their
 * negations become bracket expressions, escaped punctuation stays escaped,
 * back-references are refused (they make matching exponential), and
 * bounded repetitions are limited so that the compiled automaton stays
 * small. Returns NULL or what is wrong.
 */
/* The expanded size of a pattern, tracked as it is read: a bounded
 * repetition copies what it repeats, nested ones multiply. */
struct rxcost {
	double	w[REGEX_MAX_NEST + 1];	/* size so far, per open group */
	double	last;			/* size of the last atom or group */
	int	sp;
};

static const char *
rx_atom(struct rxcost *k)
{
	k->w[k->sp] += 1;
	k->last = 1;
	return k->w[k->sp] > REGEX_MAX_COST ? _("pattern too complex") :
	    NULL;
}

static const char *
rx_open(struct rxcost *k)
{
	if (k->sp >= REGEX_MAX_NEST)
		return _("groups nested too deeply");
	k->w[++k->sp] = 0;
	k->last = 0;
	return NULL;
}

static void
rx_close(struct rxcost *k)
{
	double	g;

	if (k->sp == 0)
		return;		/* regcomp will say */
	g = k->w[k->sp--];
	k->w[k->sp] += g;
	k->last = g;
}

static const char *
rx_repeat(struct rxcost *k, long hi)
{
	double	n = hi > 1 ? (double)hi : 1;

	k->w[k->sp] += k->last * (n - 1);
	k->last *= n;
	return k->w[k->sp] > REGEX_MAX_COST ? _("pattern too complex") :
	    NULL;
}

/*
 * Java's syntax, as forms write it, into POSIX ERE: \d \w \s and their
 * negations become bracket expressions, escaped punctuation stays escaped,
 * back-references are refused (they make matching exponential), and
 * bounded repetitions are limited so that the compiled automaton stays
 * small. Returns NULL or what is wrong (translated: gettext).
 */
static const char *
regex_translate(const char *re, struct buf *out)
{
	size_t		 len = strlen(re), i;
	int		 br = 0, can_repeat = 0;
	struct rxcost	 k;
	const char	*rep, *msg;
	char		 ch, nx;

	memset(&k, 0, sizeof(k));
	buf_reset(out);
	if (len > REGEX_MAX_LEN)
		return _("pattern longer than 1024 bytes");
	if (buf_addstr(out, "^(") != 0)
		return _("out of memory");
	for (i = 0; i < len; i++) {
		ch = re[i];
		nx = re[i + 1];
		rep = NULL;
		if (ch == '\\') {
			if (nx == '\0')
				return _("pattern ends with '\\'");
			i++;
			if (nx >= '1' && nx <= '9')
				return _("back-references are not supported");
			if (!br) {
				if (nx != 'b' && nx != 'B' &&
				    (msg = rx_atom(&k)) != NULL)
					return msg;
				can_repeat = nx != 'b' && nx != 'B';
				switch (nx) {
				case 'd': rep = "[0-9]"; break;
				case 'D': rep = "[^0-9]"; break;
				case 's': rep = "[[:space:]]"; break;
				case 'S': rep = "[^[:space:]]"; break;
				case 'w': rep = "[[:alnum:]_]"; break;
				case 'W': rep = "[^[:alnum:]_]"; break;
				case 'n': rep = "\n"; break;
				case 't': rep = "\t"; break;
				case 'b': rep = "\\b"; break;
				case 'B': rep = "\\B"; break;
				default:
					if (isalnum((unsigned char)nx))
						return _("unsupported escape "
						    "in pattern");
					if (buf_addc(out, '\\') != 0 ||
					    buf_addc(out, nx) != 0)
						return _("out of memory");
					continue;
				}
			} else {
				switch (nx) {
				case 'd': rep = "0-9"; break;
				case 's': rep = "[:space:]"; break;
				case 'w': rep = "[:alnum:]_"; break;
				case 'n': rep = "\n"; break;
				case 't': rep = "\t"; break;
				default:
					if (isalnum((unsigned char)nx))
						return _("unsupported escape "
						    "in pattern");
					if (buf_addc(out, nx) != 0)
						return _("out of memory");
					continue;
				}
			}
			if (buf_addstr(out, rep) != 0)
				return _("out of memory");
			continue;
		}
		if (!br && ch == '[') {
			br = 1;
			if (buf_addc(out, ch) != 0)
				return _("out of memory");
			if (re[i + 1] == '^') {
				if (buf_addc(out, '^') != 0)
					return _("out of memory");
				i++;
			}
			if (re[i + 1] == ']') {
				if (buf_addc(out, ']') != 0)
					return _("out of memory");
				i++;
			}
			continue;
		}
		if (br && ch == '[' && (nx == ':' || nx == '.' || nx == '=')) {
			const char	*end;
			char		 close[3] = { nx, ']', '\0' };

			if ((end = strstr(re + i + 2, close)) == NULL)
				return _("unterminated character class");
			if (buf_add(out, re + i, (size_t)(end + 2 - (re + i)))
			    != 0)
				return _("out of memory");
			i = (size_t)(end + 1 - re);
			continue;
		}
		if (!br && (ch == '*' || ch == '+' || ch == '?' || ch == '{')) {
			/* Java refuses "a**" and "*a"; glibc accepts them
			 * and nests closures until it takes seconds */
			if (!can_repeat)
				return _("nothing to repeat");
			if (ch != '{' && (nx == '?' || nx == '+'))
				return _("lazy and possessive quantifiers "
				    "are not supported");
			can_repeat = 0;
		} else if (!br)
			can_repeat = ch != '(' && ch != '|' && ch != '^' &&
			    ch != '$';
		if (br && ch == ']') {
			br = 0;
			can_repeat = 1;
			if ((msg = rx_atom(&k)) != NULL)
				return msg;
		} else if (!br && ch == '{') {
			char	*end;
			long	 lo, hi;

			lo = strtol(re + i + 1, &end, 10);
			hi = lo;
			if (*end == ',')
				hi = isdigit((unsigned char)end[1]) ?
				    strtol(end + 1, &end, 10) : lo;
			if (lo < 0 || hi < 0 || lo > 1000 || hi > 1000)
				return _("repetition count over 1000");
			if ((msg = rx_repeat(&k, hi > lo ? hi : lo)) != NULL)
				return msg;
			if (*end == '}') {	/* copy "{n,m}" as it is */
				if (buf_add(out, re + i, (size_t)(end + 1 -
				    (re + i))) != 0)
					return _("out of memory");
				i = (size_t)(end - re);
				continue;
			}
		} else if (!br && ch == '(') {
			if (nx == '?')
				return _("'(?' groups are not supported");
			if ((msg = rx_open(&k)) != NULL)
				return msg;
		} else if (!br && ch == ')') {
			if (k.sp == 0)	/* would close our "^(" */
				return _("unbalanced ')'");
			rx_close(&k);
		} else if (!br && ch != '|' && ch != '^' && ch != '$' &&
		    ch != '?' && ch != '+' && ch != '*') {
			if ((msg = rx_atom(&k)) != NULL)
				return msg;
		}
		if (buf_addc(out, ch) != 0)
			return _("out of memory");
	}
	if (br)
		return _("unterminated '['");
	if (buf_addstr(out, ")$") != 0)
		return _("out of memory");
	return NULL;
}

const char *
expr_regex_check(const char *re, struct buf *tmp)
{
	const char	*msg;
	regex_t		 rx;

	if ((msg = regex_translate(re, tmp)) != NULL)
		return msg;
	if (regcomp(&rx, tmp->p, REG_EXTENDED | REG_NOSUB) != 0)
		return _("invalid regular expression");
	regfree(&rx);
	return NULL;
}

/* The pattern re compiled as regex() matches with it; NULL when it is
 * not one (the message is regex()'s to give). Caller regfree()s. */
static regex_t *
regex_compile(const char *re)
{
	struct buf	 tmp;
	regex_t		*rx;

	if ((rx = malloc(sizeof(*rx))) == NULL)
		return NULL;
	buf_init(&tmp, 1u << 16);
	if (regex_translate(re, &tmp) != NULL ||
	    regcomp(rx, tmp.p, REG_EXTENDED | REG_NOSUB) != 0) {
		buf_release(&tmp);
		free(rx);
		return NULL;
	}
	buf_release(&tmp);
	return rx;
}

/* pre: re compiled by expr_prepare, or NULL. */
static int
regex(struct ectx *c, const char *s, const char *re, const regex_t *pre,
    struct val *out)
{
	struct buf	 tmp;
	const char	*msg;
	regex_t		 rx;
	size_t		 n = strlen(s);

	if (n > ANSWER_MAX_LEN)
		return err_set(c->e, ERR_INPUT, _("regex(): text longer than "
		    "%u bytes"), ANSWER_MAX_LEN);
	if (ev_work(c, n / 4 + strlen(re) * 16) != 0)
		return -1;
	if (pre != NULL) {
		val_bool(out, regexec(pre, s, 0, NULL, 0) == 0);
		return 0;
	}
	buf_init(&tmp, 1u << 16);
	if ((msg = regex_translate(re, &tmp)) != NULL) {
		buf_release(&tmp);
		return err_set(c->e, ERR_INPUT, "regex(): %s", msg);
	}
	if (regcomp(&rx, tmp.p, REG_EXTENDED | REG_NOSUB) != 0) {
		buf_release(&tmp);
		return err_set(c->e, ERR_INPUT, _("regex(): invalid regular "
		    "expression '%.60s'"), re);
	}
	buf_release(&tmp);
	val_bool(out, regexec(&rx, s, 0, NULL, 0) == 0);
	regfree(&rx);
	return 0;
}

/* fn on every node of x. */
static void
each_node(struct expr *x, void (*fn)(struct expr *))
{
	size_t	i, j;

	if (x == NULL)
		return;
	fn(x);
	for (i = 0; i < x->nargs; i++)
		each_node(x->args[i], fn);
	if (x->op != X_PATH)
		return;
	each_node(x->base, fn);
	for (i = 0; i < x->nbpreds; i++)
		each_node(x->bpreds[i], fn);
	for (i = 0; i < x->nsteps; i++)
		for (j = 0; j < x->steps[i].npreds; j++)
			each_node(x->steps[i].preds[j], fn);
}

static void
prepare_node(struct expr *x)
{
	if (x->op == X_FUNC && x->fn->id == F_REGEX && x->rx == NULL &&
	    x->nargs == 2 && x->args[1]->op == X_STR)
		x->rx = regex_compile(x->args[1]->str);
}

static void
release_node(struct expr *x)
{
	if (x->rx == NULL)
		return;
	regfree(x->rx);
	free(x->rx);
	x->rx = NULL;
}

void
expr_prepare(struct expr *x)
{
	each_node(x, prepare_node);
}

void
expr_release(struct expr *x)
{
	each_node(x, release_node);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

/* [0] English, [1] Spanish */
static const char *const month_names[2][12] = {
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	  "Nov", "Dec" },
	{ "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept",
	  "oct", "nov", "dic" },
};
static const char *const day_names[2][7] = {
	{ "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" },
	{ "dom", "lun", "mar", "mié", "jue", "vie", "sáb" },
};

/* Month and day names in the form's language: Spanish for Spanish and
 * Quechua (Peru writes dates in Spanish), English otherwise. */
static int
spanish(struct ectx *c)
{
	const struct form	*f = c->env->form;
	const struct form_lang	*l;

	if (f == NULL || c->env->lang >= f->nlangs || f->langs == NULL)
		return 0;
	l = &f->langs[c->env->lang];
	if (l->code != NULL)
		return strncasecmp(l->code, "es", 2) == 0 ||
		    strncasecmp(l->code, "qu", 2) == 0;
	return l->name != NULL && (strncasecmp(l->name, "espa", 4) == 0 ||
	    strncasecmp(l->name, "spanish", 7) == 0 ||
	    strncasecmp(l->name, "quechua", 7) == 0 ||
	    strncasecmp(l->name, "runasimi", 8) == 0);
}

static int
format_date(struct ectx *c, const struct val *d, const char *fmt,
    struct val *out)
{
	struct buf	 b;
	int		 y, m, dd, es = spanish(c), dow;
	int64_t		 days;
	double		 local, secs = 0;
	long		 ms;
	char		 tmp[32];

	if ((d->t != V_DATE && d->t != V_DATETIME) ||
	    !(fabs(d->n) < (d->t == V_DATE ? 1e7 : 1e12))) {
		val_str(out, "");
		return 0;
	}
	if (d->t == V_DATE) {
		days = (int64_t)d->n;
	} else if (d->t == V_DATETIME) {
		local = d->n + local_offset_min(d->n) * 60.0;
		days = (int64_t)floor(local / 86400.0);
		secs = local - (double)days * 86400.0;
	} else {
		val_str(out, "");
		return 0;
	}
	if (days < -1000000 || days > 3000000) {
		val_str(out, "");
		return 0;
	}
	date_civil_from_days(days, &y, &m, &dd);
	dow = (int)(((days + 4) % 7 + 7) % 7);
	ms = lround(secs * 1000.0);
	if (ms >= 86400000L)
		ms = 86399999L;
	buf_init(&b, EVAL_MAX_MEM / 4);
	if (buf_addstr(&b, "") != 0)
		return buf_fail(c, &b, "format-date");
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%' || fmt[1] == '\0') {
			if (buf_addc(&b, *fmt) != 0)
				return buf_fail(c, &b, "format-date");
			continue;
		}
		fmt++;
		tmp[0] = '\0';
		switch (*fmt) {
		case 'Y': snprintf(tmp, sizeof(tmp), "%04d", y); break;
		case 'y': snprintf(tmp, sizeof(tmp), "%02d",
		    ((y % 100) + 100) % 100); break;
		case 'm': snprintf(tmp, sizeof(tmp), "%02d", m); break;
		case 'n': snprintf(tmp, sizeof(tmp), "%d", m); break;
		case 'b': snprintf(tmp, sizeof(tmp), "%s",
		    month_names[es][m - 1]); break;
		case 'd': snprintf(tmp, sizeof(tmp), "%02d", dd); break;
		case 'e': snprintf(tmp, sizeof(tmp), "%d", dd); break;
		case 'a': snprintf(tmp, sizeof(tmp), "%s",
		    day_names[es][dow]); break;
		case 'H': snprintf(tmp, sizeof(tmp), "%02ld", ms / 3600000);
		    break;
		case 'h': snprintf(tmp, sizeof(tmp), "%ld", ms / 3600000);
		    break;
		case 'M': snprintf(tmp, sizeof(tmp), "%02ld",
		    ms / 60000 % 60); break;
		case 'S': snprintf(tmp, sizeof(tmp), "%02ld",
		    ms / 1000 % 60); break;
		case '3': snprintf(tmp, sizeof(tmp), "%03ld", ms % 1000);
		    break;
		case '%': snprintf(tmp, sizeof(tmp), "%%"); break;
		default:
			/* unknown: kept as written */
			snprintf(tmp, sizeof(tmp), "%%%c", *fmt);
			break;
		}
		if (buf_addstr(&b, tmp) != 0)
			return buf_fail(c, &b, "format-date");
	}
	return out_buf(c, out, &b);
}

/* decimal-date-time() and decimal-time(). */
static int
decimal_dt(struct ectx *c, const struct val *v, int keep_date,
    const char *fn, struct val *out)
{
	struct val	u, d;
	double		secs, local;
	int		has, off;

	val_unpack(c, v, &u);
	if (u.t == V_NUM) {
		if (!isnan(u.n) && (isinf(u.n) || fabs(u.n) > 2147483647.0))
			return err_set(c->e, ERR_INPUT, _("%s(): %s is out of "
			    "range for a date"), fn, val_to_str(c, &u));
		val_num(out, keep_date ? u.n : u.n - floor(u.n));
		return 0;
	}
	if (u.t == V_STR && u.s[0] == '\0') {
		val_str(out, "");
		return 0;
	}
	if (u.t == V_TIME) {
		val_num(out, keep_date ? u.n : u.n);
		return 0;
	}
	if (u.t == V_STR && !keep_date &&
	    time_parse(u.s, &secs, &has, &off) == 0) {
		if (has)
			secs += (local_offset_min(0) - off) * 60.0;
		secs = fmod(secs, 86400.0);
		val_num(out, (secs < 0 ? secs + 86400.0 : secs) / 86400.0);
		return 0;
	}
	if (date_from_val(c, &u, 1, fn, &d) != 0)
		return -1;
	if (d.t == V_DATE)	/* local midnight */
		d.n = d.n * 86400.0 - local_offset_min(d.n * 86400.0) * 60.0;
	if (keep_date) {
		val_num(out, d.n / 86400.0);
		return 0;
	}
	local = d.n + local_offset_min(d.n) * 60.0;
	val_num(out, local / 86400.0 - floor(local / 86400.0));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Choices and repeats                                                 */

static const struct choice_list *
list_of(struct ectx *c, const char *s)
{
	const struct field	*f;

	if (c->env->form == NULL)
		return NULL;
	f = expr_field_from_text(c->env->form, s);
	return f != NULL ? f->list : NULL;
}

/*
 * jr:choice-name(value, '${field}'): the label of that choice in the
 * session's language, with form_text's fallbacks; the choice's name when
 * it has no label at all; "" when the value is not a choice.
 */
static int
choice_name(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const struct choice_list	*l = x->list;
	const struct choice		*ch;
	const char			*v, *ref, *t;

	if (arg_str(c, x, cx, 0, &v) != 0)
		return -1;
	if (l == NULL) {
		if (arg_str(c, x, cx, 1, &ref) != 0)
			return -1;
		if ((l = list_of(c, ref)) == NULL)
			return err_set(c->e, ERR_INPUT, _("jr:choice-name(): "
			    "'%.60s' is not a select question"), ref);
	}
	while (jspace((unsigned char)*v))
		v++;
	if ((ch = form_choice(l, v)) == NULL) {
		val_str(out, "");
		return 0;
	}
	t = form_text(c->env->form, &ch->label, c->env->lang);
	val_str(out, t != NULL ? t : ch->name);
	return 0;
}

static int
indexed_repeat(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const struct field	*pin[5];
	size_t			 pos[5], npin = 0, i;
	const struct field	*f = x->args[0]->field;
	double			 d;
	long			 k;

	if (f == NULL)
		return err_set(c->e, ERR_INPUT, _("indexed-repeat(): argument "
		    "1 does not name a question"));
	for (i = 1; i + 1 < x->nargs && npin < 5; i += 2) {
		if ((pin[npin] = x->args[i]->field) == NULL ||
		    pin[npin]->kind != FK_REPEAT)
			return err_set(c->e, ERR_INPUT, _("indexed-repeat(): "
			    "argument %zu does not name a repeat"), i + 1);
		if (arg_num(c, x, cx, i + 1, &d) != 0)
			return -1;
		k = java_int(d);
		pos[npin++] = k <= 0 ? 1 : (size_t)k;
	}
	return resolve_ref(c, f, ctx_inode(c), pin, pos, npin, out) != 0 ?
	    -1 : 0;
}

static double
position_of(const struct xnode *n)
{
	if (n == NULL)
		return 0;
	if (n->kind == N_INODE)
		return (double)inode_position(n->in);
	if (n->kind == N_ITEM && n->list != NULL && n->ch != NULL)
		return (double)(n->ch - n->list->v + 1);
	return 1;
}

/* ------------------------------------------------------------------ */
/* Misc                                                                */

/*
 * digest(text, algorithm, encoding): JavaRosa's names (its DigestAlgorithm
 * upper-cases the name and drops every '-': "sha256" is SHA-256) and
 * encodings ("hex" lowercase, "base64" padded, the default).
 */
static const struct {
	const char		*name;		/* without '-' */
	const struct nettle_hash *h;
} digests[] = {
	{ "MD5", &nettle_md5 },
	{ "SHA1", &nettle_sha1 },
	{ "SHA256", &nettle_sha256 },
	{ "SHA384", &nettle_sha384 },
	{ "SHA512", &nettle_sha512 },
};

static int
digest(struct ectx *c, const char *src, const char *alg, const char *enc,
    struct val *out)
{
	union {
		struct md5_ctx		md5;
		struct sha1_ctx		sha1;
		struct sha256_ctx	sha256;
		struct sha512_ctx	sha512;
	}			 ctx;
	const struct nettle_hash *h = NULL;
	uint8_t			 md[SHA512_DIGEST_SIZE];
	/* hex is the longer of the two: 128 characters for SHA-512 */
	char			 name[16], txt[2 * SHA512_DIGEST_SIZE + 1];
	size_t			 i, n = 0, len = strlen(src);

	if (ev_work(c, len / 64) != 0)
		return -1;
	for (i = 0; alg[i] != '\0' && n < sizeof(name) - 1; i++)
		if (alg[i] != '-')
			name[n++] = (char)toupper((unsigned char)alg[i]);
	name[n] = '\0';
	for (i = 0; h == NULL && i < sizeof(digests) / sizeof(digests[0]);
	    i++)
		if (strcmp(name, digests[i].name) == 0)
			h = digests[i].h;
	if (h == NULL)
		return err_set(c->e, ERR_INPUT, _("digest(): algorithm '%.20s' "
		    "is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"),
		    alg);
	h->init(&ctx);
	h->update(&ctx, len, (const uint8_t *)src);
	h->digest(&ctx, h->digest_size, md);
	if (enc == NULL || strcasecmp(enc, "base64") == 0) {
		base64_encode_raw(txt, h->digest_size, md);
		n = BASE64_ENCODE_RAW_LENGTH(h->digest_size);
	} else if (strcasecmp(enc, "hex") == 0) {
		for (i = 0, n = 0; i < h->digest_size; i++) {
			txt[n++] = "0123456789abcdef"[md[i] >> 4];
			txt[n++] = "0123456789abcdef"[md[i] & 0xf];
		}
	} else
		return err_set(c->e, ERR_INPUT, _("digest(): encoding '%.20s' "
		    "is not supported (base64 and hex are)"), enc);
	return out_str(c, out, txt, n);
}

static int
uuid_n(struct ectx *c, double dn, struct val *out)
{
	static const char	 alnum[] = "0123456789abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	long			 n = java_int(dn), i;
	char			*p;

	if (n <= 0) {
		val_str(out, "");
		return 0;
	}
	if (n > 4096)
		return err_set(c->e, ERR_INPUT, _("uuid(): %ld characters is "
		    "more than 4096"), n);
	if (ev_work(c, (size_t)n / 16) != 0)
		return -1;
	if (sodium_init() < 0)
		return err_set(c->e, ERR_IO, _("uuid(): no random source"));
	if ((p = ev_alloc(c, (size_t)n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		p[i] = alnum[randombytes_uniform(sizeof(alnum) - 1)];
	p[n] = '\0';
	val_str(out, p);
	return 0;
}

static int
checklist(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v, u;
	double		lo, hi;
	long		min, max, count = 0;
	size_t		i, j;

	if (arg_num(c, x, cx, 0, &lo) != 0 || arg_num(c, x, cx, 1, &hi) != 0)
		return -1;
	min = java_int(lo);
	max = java_int(hi);
	for (i = 2; i < x->nargs; i++) {
		if (arg(c, x, cx, i, &v) != 0)
			return -1;
		for (j = 0; j < nvalues(&v); j++) {
			value_at(c, &v, j, &u);
			count += val_to_bool(c, &u);
		}
	}
	val_bool(out, (min < 0 || count >= min) && (max < 0 || count <= max));
	return 0;
}

static int
weighted(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	f, w, fu, wu;
	double		lo, hi, sum = 0;
	size_t		i, j;

	if (arg_num(c, x, cx, 0, &lo) != 0 || arg_num(c, x, cx, 1, &hi) != 0)
		return -1;
	for (i = 2; i + 1 < x->nargs; i += 2) {
		if (arg(c, x, cx, i, &f) != 0 || arg(c, x, cx, i + 1, &w) != 0)
			return -1;
		if (x->nargs == 4 && f.t == V_NODES && w.t == V_NODES) {
			if (f.nn != w.nn)
				return err_set(c->e, ERR_INPUT,
				    _("weighted-checklist(): %zu values but "
				    "%zu weights"), f.nn, w.nn);
			for (j = 0; j < f.nn; j++) {
				value_at(c, &f, j, &fu);
				value_at(c, &w, j, &wu);
				if (val_to_bool(c, &fu))
					sum += val_to_num(c, &wu);
			}
			continue;
		}
		if (val_to_bool(c, &f))
			sum += val_to_num(c, &w);
	}
	val_bool(out, sum >= lo && sum <= hi);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The functions, one handler each                                     */

/*
 * Each handler evaluates its own arguments (if() and coalesce() only some
 * of them); the parser has checked their number against the table.
 */

static int
fn_if(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	return arg(c, x, cx, val_to_bool(c, &v) ? 1 : 2, out);
}

/* The first that is neither "" nor NaN. */
static int
fn_coalesce(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v, u;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	val_unpack(c, &v, &u);
	if (!((u.t == V_STR && u.s[0] == '\0') ||
	    (u.t == V_NUM && isnan(u.n)))) {
		*out = u;
		return 0;
	}
	return arg(c, x, cx, 1, out);
}

static int
fn_concat(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	return concat(c, x, cx, 0, NULL, out);
}

static int
fn_join(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*sep;

	if (arg_str(c, x, cx, 0, &sep) != 0)
		return -1;
	return concat(c, x, cx, 1, sep, out);
}

/*
 * selected(list, value): JavaRosa's test, " list " contains " value "
 * with value trimmed. So selected('', '') is true (an empty answer holds
 * the empty choice), selected('a b', '') is false, and a value with a
 * space inside matches consecutive choices.
 */
static int
fn_selected(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *t, *p;
	size_t		 sl, tl;
	int		 hit = 0;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	while (*t != '\0' && (unsigned char)*t <= ' ')	/* Java's trim() */
		t++;
	tl = strlen(t);
	while (tl > 0 && (unsigned char)t[tl - 1] <= ' ')
		tl--;
	sl = strlen(s);
	if (tl == 0)	/* "  " in " s " */
		hit = sl == 0 || s[0] == ' ' || s[sl - 1] == ' ' ||
		    strstr(s, "  ") != NULL;
	if (tl > 0 && (t = scratch_str(c, t, tl)) == NULL)
		return -1;
	for (p = s; !hit && tl > 0 && (p = strstr(p, t)) != NULL; p++)
		hit = (p == s || p[-1] == ' ') &&
		    (p[tl] == '\0' || p[tl] == ' ');
	val_bool(out, hit);
	return 0;
}

static int
fn_count_selected(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	const char	*s, *tok;
	size_t		 i, n;

	if (arg_str(c, x, cx, 0, &s) != 0)
		return -1;
	for (i = 0; token(s, i, &tok, &n); i++)
		;
	val_num(out, (double)i);
	return 0;
}

static int
fn_selected_at(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *tok;
	double		 a;
	size_t		 n;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_num(c, x, cx, 1, &a) != 0)
		return -1;
	if (java_int(a) < 0 || !token(s, (size_t)java_int(a), &tok, &n)) {
		val_str(out, "");
		return 0;
	}
	return out_str(c, out, tok, n);
}

/* string(), string-length(), normalize-space(), number(): the argument,
 * or the context node when there is none. */
static int
arg_or_context(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *v)
{
	if (x->nargs == 1)
		return arg(c, x, cx, 0, v);
	if (cx->node != NULL)
		val_nodes1(v, cx->node);
	else
		val_str(v, "");
	return 0;
}

static int
fn_string(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg_or_context(c, x, cx, &v) != 0)
		return -1;
	val_str(out, val_to_str(c, &v));
	return 0;
}

static int
fn_string_length(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	struct val	v;

	if (arg_or_context(c, x, cx, &v) != 0)
		return -1;
	val_num(out, (double)u8len(val_to_str(c, &v)));
	return 0;
}

static int
fn_normalize_space(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	struct val	v;

	if (arg_or_context(c, x, cx, &v) != 0)
		return -1;
	return normalize(c, val_to_str(c, &v), out);
}

static int
fn_number(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg_or_context(c, x, cx, &v) != 0)
		return -1;
	val_num(out, val_to_num(c, &v));
	return 0;
}

static int
fn_substr(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s;
	double		 a, b = 0;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_num(c, x, cx, 1, &a) != 0)
		return -1;
	if (x->nargs == 3 && arg_num(c, x, cx, 2, &b) != 0)
		return -1;
	return substr(c, s, a, b, x->nargs == 3, out);
}

static int
fn_substring_before(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	const char	*s, *t, *hit;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	if ((hit = strstr(s, t)) == NULL) {
		val_str(out, "");
		return 0;
	}
	return out_str(c, out, s, (size_t)(hit - s));
}

static int
fn_substring_after(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	const char	*s, *t, *hit;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	hit = strstr(s, t);
	val_str(out, hit != NULL ? hit + strlen(t) : "");
	return 0;
}

static int
fn_contains(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *t;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	val_bool(out, strstr(s, t) != NULL);
	return 0;
}

static int
fn_starts_with(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *t;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	val_bool(out, strncmp(s, t, strlen(t)) == 0);
	return 0;
}

static int
fn_ends_with(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *t;
	size_t		 sl, tl;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &t) != 0)
		return -1;
	sl = strlen(s);
	tl = strlen(t);
	val_bool(out, sl >= tl && memcmp(s + sl - tl, t, tl) == 0);
	return 0;
}

static int
fn_translate(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *from, *to;

	if (arg_str(c, x, cx, 0, &s) != 0 ||
	    arg_str(c, x, cx, 1, &from) != 0 || arg_str(c, x, cx, 2, &to) != 0)
		return -1;
	return translate(c, s, from, to, out);
}

static int
fn_regex(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *re;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &re) != 0)
		return -1;
	return regex(c, s, re, x->rx, out);
}

static int
fn_round(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	double	a, b = 0;

	if (arg_num(c, x, cx, 0, &a) != 0)
		return -1;
	if (x->nargs == 2 && arg_num(c, x, cx, 1, &b) != 0)
		return -1;
	val_num(out, round_places(a, java_int(b)));
	return 0;
}

static int
fn_pow(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	double	a, b;

	if (arg_num(c, x, cx, 0, &a) != 0 || arg_num(c, x, cx, 1, &b) != 0)
		return -1;
	val_num(out, pow(a, b));
	return 0;
}

static int
fn_atan2(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	double	a, b;

	if (arg_num(c, x, cx, 0, &a) != 0 || arg_num(c, x, cx, 1, &b) != 0)
		return -1;
	val_num(out, atan2(a, b));
	return 0;
}

/* The one-number functions: the row's math function of the argument. */
static int
fn_math(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	double	a;

	if (arg_num(c, x, cx, 0, &a) != 0)
		return -1;
	val_num(out, x->fn->math(a));
	return 0;
}

static double
exp10_of(double a)
{
	return pow(10.0, a);
}

/* int(): truncation; NaN and infinities pass. */
static double
int_of(double a)
{
	return isnan(a) || isinf(a) ? a : trunc(a);
}

static int
fn_pi(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)c, (void)x, (void)cx;
	val_num(out, M_PI);
	return 0;
}

static int
fn_min(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	return minmax(c, x, cx, 0, out);
}

static int
fn_max(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	return minmax(c, x, cx, 1, out);
}

/* The argument of sum(), count(), count-non-empty(): a node-set. */
static int
arg_nodes(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *v)
{
	if (arg(c, x, cx, 0, v) != 0)
		return -1;
	if (v->t != V_NODES)
		return err_set(c->e, ERR_INPUT, _("%s(): the argument must be "
		    "a node-set, such as ${name}"), x->fn->name);
	return 0;
}

static int
fn_sum(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v, u;
	double		sum = 0, d;
	size_t		i;

	if (arg_nodes(c, x, cx, &v) != 0)
		return -1;
	for (i = 0; i < v.nn; i++) {
		node_value(c, val_node(&v, i), &u);
		if (!isnan(d = val_to_num(c, &u)))
			sum += d;		/* empty counts as 0 */
	}
	val_num(out, sum);
	return 0;
}

static int
fn_count(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg_nodes(c, x, cx, &v) != 0)
		return -1;
	val_num(out, (double)v.nn);
	return 0;
}

static int
fn_count_non_empty(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	struct val	v, u;
	size_t		i, n = 0;

	if (arg_nodes(c, x, cx, &v) != 0)
		return -1;
	for (i = 0; i < v.nn; i++) {
		node_value(c, val_node(&v, i), &u);
		n += val_to_str(c, &u)[0] != '\0';
	}
	val_num(out, (double)n);
	return 0;
}

static int
fn_position(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (x->nargs == 0) {
		val_num(out, cx->in_pred ? (double)cx->pos :
		    position_of(cx->node));
		return 0;
	}
	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	if (v.t != V_NODES)
		return err_set(c->e, ERR_INPUT, _("position(): the argument "
		    "must be a node, such as '..'"));
	val_num(out, v.nn > 0 ? position_of(val_node(&v, 0)) : 0);
	return 0;
}

static int
fn_last(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)c, (void)x;
	val_num(out, (double)cx->size);
	return 0;
}

/* The evaluation's clock; the epoch when it has none. */
static double
eval_clock(const struct ectx *c)
{
	double	a = c->env->now;

	return fabs(a) < 1e12 ? a : 0;
}

static int
fn_today(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	double	a = eval_clock(c);

	(void)x, (void)cx;
	out->s = NULL;
	out->t = V_DATE;
	out->n = floor((a + local_offset_min(a) * 60.0) / 86400.0);
	return 0;
}

static int
fn_now(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)x, (void)cx;
	out->s = NULL;
	out->t = V_DATETIME;
	out->n = eval_clock(c);
	return 0;
}

static int
fn_date(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	return date_from_val(c, &v, x->fn->id == F_DATE_TIME, x->fn->name,
	    out) != 0 ? -1 : 0;
}

static int
fn_decimal_dt(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	return decimal_dt(c, &v, x->fn->id == F_DECIMAL_DATE_TIME,
	    x->fn->name, out) != 0 ? -1 : 0;
}

static int
fn_format_date(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	 v, u;
	const char	*fmt;

	if (arg(c, x, cx, 0, &v) != 0 || arg_str(c, x, cx, 1, &fmt) != 0)
		return -1;
	/* A number is days: format-date(today() + 30, ...) is the date 30
	 * days on. (JavaRosa reads it as UTC midnight and shows the day
	 * before west of Greenwich; we do not.) */
	val_unpack(c, &v, &u);
	if (date_from_val(c, &v, x->fn->id == F_FORMAT_DATE_TIME ||
	    u.t != V_NUM, x->fn->name, &u) != 0)
		return -1;
	return format_date(c, &u, fmt, out);
}

static int
fn_once(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	if (c->env->current != NULL && c->env->current[0] != '\0') {
		val_str(out, c->env->current);
		return 0;
	}
	return arg(c, x, cx, 0, out);
}

static int
fn_uuid(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	char	id[UUID_STR_LEN + 1];
	double	n;

	if (x->nargs == 1) {
		if (arg_num(c, x, cx, 0, &n) != 0)
			return -1;
		return uuid_n(c, n, out);
	}
	uuid_v4(id);
	return out_str(c, out, id, strlen(id));
}

static int
fn_boolean(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	val_bool(out, val_to_bool(c, &v));
	return 0;
}

static int
fn_not(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct val	v;

	if (arg(c, x, cx, 0, &v) != 0)
		return -1;
	val_bool(out, !val_to_bool(c, &v));
	return 0;
}

static int
fn_boolean_from_string(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	const char	*s;

	if (arg_str(c, x, cx, 0, &s) != 0)
		return -1;
	val_bool(out, strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0);
	return 0;
}

static int
fn_true(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)c, (void)x, (void)cx;
	val_bool(out, 1);
	return 0;
}

static int
fn_false(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)c, (void)x, (void)cx;
	val_bool(out, 0);
	return 0;
}

static int
fn_digest(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const char	*s, *alg, *enc = NULL;

	if (arg_str(c, x, cx, 0, &s) != 0 || arg_str(c, x, cx, 1, &alg) != 0)
		return -1;
	if (x->nargs == 3 && arg_str(c, x, cx, 2, &enc) != 0)
		return -1;
	return digest(c, s, alg, enc, out);
}

static int
fn_random(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	(void)x, (void)cx;
	if (sodium_init() < 0)
		return err_set(c->e, ERR_IO, _("random(): no random source"));
	val_num(out, ((double)(randombytes_random() >> 5) * 67108864.0 +
	    (double)(randombytes_random() >> 6)) / 9007199254740992.0);
	return 0;
}

static int
fn_instance(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct xnode	k;

	(void)cx;
	memset(&k, 0, sizeof(k));
	k.kind = N_IDOC;
	k.list = x->list;
	if (k.list == NULL && c->env->form != NULL)
		k.list = form_list(c->env->form, x->args[0]->str);
	val_nodes1(out, &k);
	if (k.list == NULL)
		out->nn = 0;
	return 0;
}

static int
fn_current(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	struct xnode	k;

	(void)x, (void)cx;
	memset(&k, 0, sizeof(k));
	k.kind = N_INODE;
	k.in = ctx_inode(c);
	val_nodes1(out, &k);
	if (k.in == NULL)
		out->nn = 0;
	return 0;
}

static int
fn_version(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const struct form	*f = c->env->form;

	(void)x, (void)cx;
	val_str(out, f != NULL && f->version != NULL ? f->version : "");
	return 0;
}

/*
 * pulldata('name', 'col', 'keycol', value): column col of the first row of
 * the attachment name.csv whose keycol is value, "" when none (ODK
 * Collect's reading, instance('name')/root/item[keycol = value]/col).
 * The rows are hashed by column when attached: one lookup.
 */
static int
fn_pulldata(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	const struct choice_list	*l = NULL;
	const struct choice		*row;
	const char			*name, *col, *key, *value, *v;

	if (arg_str(c, x, cx, 0, &name) != 0 ||
	    arg_str(c, x, cx, 1, &col) != 0 ||
	    arg_str(c, x, cx, 2, &key) != 0 ||
	    arg_str(c, x, cx, 3, &value) != 0)
		return -1;
	if (c->env->form != NULL)
		l = form_list(c->env->form, name);
	if (l == NULL || l->origin != LIST_FILE)
		return err_set(c->e, ERR_INPUT, _("pulldata(): the form "
		    "attaches no file '%s.csv'"), name);
	if (!l->attached)
		return err_set(c->e, ERR_INPUT, _("pulldata(): '%s' was not "
		    "installed with the form: install the form with its "
		    "attachments"), l->file);
	row = media_lookup(l, key, value);
	v = row != NULL ? choice_col(row, col) : NULL;
	val_str(out, v != NULL ? v : "");
	return 0;
}

static int
fn_checklist(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	return checklist(c, x, cx, out);
}

static int
fn_weighted_checklist(struct ectx *c, const struct expr *x,
    const struct xctx *cx, struct val *out)
{
	return weighted(c, x, cx, out);
}

/* ------------------------------------------------------------------ */
/* The function table                                                  */

/*
 * The arities are JavaRosa's (XPathFuncExpr.eval), so that a form is
 * refused here exactly where ODK Collect would fail on it: string() and
 * number() need their argument (XPath 1.0 would take the context node),
 * concat(), min() and max() may have none ("", NaN, NaN).
 */

#define FN(name, id, min, max, call)	{ name, id, min, max, call, NULL, NULL }
#define FN_MATH(name, id, f)		{ name, id, 1, 1, fn_math, f, NULL }
#define FN_REFUSED(name, why)	{ name, F_UNSUPPORTED, 0, -1, NULL, NULL, why }

static const struct fninfo fntab[] = {
	FN("if", F_IF, 3, 3, fn_if),
	FN("coalesce", F_COALESCE, 2, 2, fn_coalesce),
	FN("concat", F_CONCAT, 0, -1, fn_concat),
	FN("selected", F_SELECTED, 2, 2, fn_selected),
	FN("is-selected", F_SELECTED, 2, 2, fn_selected),
	FN("count-selected", F_COUNT_SELECTED, 1, 1, fn_count_selected),
	FN("selected-at", F_SELECTED_AT, 2, 2, fn_selected_at),
	FN("jr:choice-name", F_CHOICE_NAME, 2, 2, choice_name),
	FN("string", F_STRING, 1, 1, fn_string),
	FN("string-length", F_STRING_LENGTH, 0, 1, fn_string_length),
	FN("substr", F_SUBSTR, 2, 3, fn_substr),
	FN("substring-before", F_SUBSTRING_BEFORE, 2, 2,
	    fn_substring_before),
	FN("substring-after", F_SUBSTRING_AFTER, 2, 2, fn_substring_after),
	FN("contains", F_CONTAINS, 2, 2, fn_contains),
	FN("starts-with", F_STARTS_WITH, 2, 2, fn_starts_with),
	FN("ends-with", F_ENDS_WITH, 2, 2, fn_ends_with),
	FN("translate", F_TRANSLATE, 3, 3, fn_translate),
	FN("normalize-space", F_NORMALIZE_SPACE, 0, 1, fn_normalize_space),
	FN("regex", F_REGEX, 2, 2, fn_regex),
	FN("number", F_NUMBER, 1, 1, fn_number),
	FN_MATH("int", F_INT, int_of),
	FN("round", F_ROUND, 1, 2, fn_round),
	FN("pow", F_POW, 2, 2, fn_pow),
	FN_MATH("abs", F_ABS, fabs),
	FN("min", F_MIN, 0, -1, fn_min),
	FN("max", F_MAX, 0, -1, fn_max),
	FN("sum", F_SUM, 1, 1, fn_sum),
	FN("count", F_COUNT, 1, 1, fn_count),
	FN("count-non-empty", F_COUNT_NON_EMPTY, 1, 1, fn_count_non_empty),
	FN("position", F_POSITION, 0, 1, fn_position),
	FN("last", F_LAST, 0, 0, fn_last),
	FN("indexed-repeat", F_INDEXED_REPEAT, 3, 11, indexed_repeat),
	FN("today", F_TODAY, 0, 0, fn_today),
	FN("now", F_NOW, 0, 0, fn_now),
	FN("date", F_DATE, 1, 1, fn_date),
	FN("date-time", F_DATE_TIME, 1, 1, fn_date),
	FN("decimal-date-time", F_DECIMAL_DATE_TIME, 1, 1, fn_decimal_dt),
	FN("decimal-time", F_DECIMAL_TIME, 1, 1, fn_decimal_dt),
	FN("format-date", F_FORMAT_DATE, 2, 2, fn_format_date),
	FN("format-date-time", F_FORMAT_DATE_TIME, 2, 2, fn_format_date),
	FN("once", F_ONCE, 1, 1, fn_once),
	FN("uuid", F_UUID, 0, 1, fn_uuid),
	FN("boolean", F_BOOLEAN, 1, 1, fn_boolean),
	FN("boolean-from-string", F_BOOLEAN_FROM_STRING, 1, 1,
	    fn_boolean_from_string),
	FN("not", F_NOT, 1, 1, fn_not),
	FN("true", F_TRUE, 0, 0, fn_true),
	FN("false", F_FALSE, 0, 0, fn_false),
	FN("join", F_JOIN, 1, -1, fn_join),
	FN("checklist", F_CHECKLIST, 2, -1, fn_checklist),
	FN("weighted-checklist", F_WEIGHTED_CHECKLIST, 2, -1,
	    fn_weighted_checklist),
	FN_MATH("log", F_LOG, log),
	FN_MATH("log10", F_LOG10, log10),
	FN_MATH("exp", F_EXP, exp),
	FN_MATH("exp10", F_EXP10, exp10_of),
	FN_MATH("sqrt", F_SQRT, sqrt),
	FN_MATH("sin", F_SIN, sin),
	FN_MATH("cos", F_COS, cos),
	FN_MATH("tan", F_TAN, tan),
	FN_MATH("asin", F_ASIN, asin),
	FN_MATH("acos", F_ACOS, acos),
	FN_MATH("atan", F_ATAN, atan),
	FN("atan2", F_ATAN2, 2, 2, fn_atan2),
	FN("pi", F_PI, 0, 0, fn_pi),
	FN_MATH("floor", F_FLOOR, floor),
	FN_MATH("ceiling", F_CEILING, ceil),
	FN("digest", F_DIGEST, 2, 3, fn_digest),
	FN("random", F_RANDOM, 0, 0, fn_random),
	FN("instance", F_INSTANCE, 1, 1, fn_instance),
	FN("current", F_CURRENT, 0, 0, fn_current),
	FN("version", F_VERSION, 0, 0, fn_version),
	FN("pulldata", F_PULLDATA, 4, 4, fn_pulldata),
	/* Known to ODK, refused here with the reason. */
	FN_REFUSED("distance",
	    N_("geographic calculations are not available")),
	FN_REFUSED("area", N_("geographic calculations are not available")),
	FN_REFUSED("enclosed-area",
	    N_("geographic calculations are not available")),
	FN_REFUSED("jr:itext",
	    N_("write the text in the label columns instead")),
	FN_REFUSED("randomize", N_("choice order is never randomized")),
	FN_REFUSED("base64-decode", N_("not implemented")),
	FN_REFUSED("property", N_("not implemented")),
	FN_REFUSED("geofence",
	    N_("geographic calculations are not available")),
};

const struct fninfo *
expr_fn_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(fntab) / sizeof(fntab[0]); i++)
		if (strcmp(fntab[i].name, name) == 0)
			return &fntab[i];
	return NULL;
}

int
ev_call(struct ectx *c, const struct expr *x, const struct xctx *cx,
    struct val *out)
{
	if (x->fn->call == NULL)	/* the parser refuses these */
		return err_set(c->e, ERR_INPUT, _("function '%s' is not "
		    "supported"), x->fn->name);
	return x->fn->call(c, x, cx, out);
}
