/*
 * translation.c: warnings for the text of a multilingual form that does
 * not say in one language what it says in another. A promoter who reads
 * the Quechua must get the instruction the Spanish gives: a dropped
 * sentence, a number or unit left out, or a cell left empty or copied
 * untranslated changes what is measured or written down.
 *
 * A column is a translation when what follows its last "::" (or its one
 * ":") names a language of the form ("label::Quechua Chanka (quy)",
 * "hint:English", "media::image::Español (es)"); a bare header ("label")
 * is the "default" language when the form has one. Columns of one base
 * ("label", "hint", "media::image"...) are the cell of a row in each
 * language. Each language's text is compared with the form's default
 * language's (or the first language of that cell), both ways:
 *
 *   - empty where the other has text (media columns: only this check);
 *   - a number, unit or ${reference} of the other missing: "4999",
 *     "11.5", "g/dL" (the unit also counts when written as a word,
 *     "metro" for "m"), "${age}". Ordinals (1.º, 3.er) are words in
 *     other languages and are not compared;
 *   - fewer sentences than the default language's (a dropped
 *     instruction; more is no warning: a translation may split a long
 *     sentence in two);
 *   - the same text, when it is longer than a name (TR_NAME_WORDS words).
 *
 * The column TR_MARKER of a row lists, separated by ';', the headers of
 * the cells whose translation was checked by a person as meant: their
 * warnings are silenced, and only theirs (docs/forms.md).
 *
 * Cost: each row is read once (its cells, as the loader already did), each
 * cell's text once per comparison, with at most TR_MAX_TOKENS tokens kept
 * per text: linear in the form's size.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forms.h"

#define TR_MARKER	"translation_ok"
/* Numbers, units and references kept per text (a real label has fewer
 * than 10): what bounds the comparison of two texts. */
#define TR_MAX_TOKENS	64
#define TR_MAX_MARKED	32	/* names one marker cell can hold */
#define TR_NAME_WORDS	5	/* identical texts shorter pass */

enum tok_kind { TOK_NUMBER, TOK_UNIT, TOK_REF };

struct tok {
	enum tok_kind	 kind;
	const char	*p;	/* in the text, or a unit's symbol */
	size_t		 n;
};

struct toks {
	struct tok	 v[TR_MAX_TOKENS];
	size_t		 n;
};

/* A unit, the longest symbols first, and the words that say it. */
static const struct {
	const char	*sym;
	const char	*words[3];	/* prefixes: "metro" covers
					 * "metros", "metromanta" */
} units[] = {
	{ "g/dL", { NULL } },
	{ "mg/L", { NULL } },
	{ "mg/dL", { NULL } },
	{ "mmHg", { NULL } },
	{ "°C", { NULL } },
	{ "km", { "kilómetro", "kilometro", NULL } },
	{ "kg", { "kilo", NULL } },
	{ "cm", { "centímetro", "centimetro", NULL } },
	{ "mm", { "milímetro", "milimetro", NULL } },
	{ "ml", { "mililitro", NULL } },
	{ "mg", { "miligramo", NULL } },
	{ "m", { "metro", "metre", NULL } },
	{ "%", { "por ciento", "porciento", "percent" } },
};

/* A translation column of a sheet. */
struct trcol {
	size_t		 col;
	size_t		 lang;	/* index in form->langs */
	const char	*header;
	char		 base[128];	/* folded: "label", "media::x" */
	int		 media;
	size_t		 group;	/* columns of one base share it */
};

/* Letters of any script: an ASCII letter or a byte of a UTF-8 sequence. */
static int
is_letter(unsigned char c)
{
	return isalpha(c) || c >= 0x80;
}

static int
is_word(unsigned char c)
{
	return is_letter(c) || isdigit(c);
}

static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static void
add_tok(struct toks *t, enum tok_kind k, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].kind == k && t->v[i].n == n &&
		    memcmp(t->v[i].p, p, n) == 0)
			return;
	if (t->n < TR_MAX_TOKENS)
		t->v[t->n++] = (struct tok){ k, p, n };
}

/* Spanish ordinals after the digits: "º", "ª", ".º", ".er", ".ra". */
static int
ordinal(const char *s)
{
	static const char *const tails[] = { "\xc2\xba", "\xc2\xaa", "er",
	    "ra", "do", "to", "o", "a" };
	size_t	i, n;

	if (*s == '.')
		s++;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		n = strlen(tails[i]);
		if (strncmp(s, tails[i], n) == 0 && (i < 2 || s[-1] == '.') &&
		    !is_letter((unsigned char)s[n]))
			return 1;
	}
	return 0;
}

/* A unit at s (not inside a word): its index in units[] and length. */
static int
unit_at(const char *s, size_t *len)
{
	size_t	i, j, n;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = strlen(units[i].sym);
		if (strncasecmp(s, units[i].sym, n) == 0 &&
		    (units[i].sym[0] == '%' ||
		    !is_letter((unsigned char)s[n]))) {
			*len = n;
			return (int)i;
		}
		for (j = 0; j < 3 && units[i].words[j] != NULL; j++) {
			n = strlen(units[i].words[j]);
			if (strncasecmp(s, units[i].words[j], n) == 0) {
				/* the rest of the word goes with it */
				while (is_letter((unsigned char)s[n]))
					n++;
				*len = n;
				return (int)i;
			}
		}
	}
	return -1;
}

static void
tokens(const char *s, struct toks *t)
{
	const char	*p = s, *q;
	size_t		 n;
	int		 u;

	t->n = 0;
	while (*p != '\0') {
		if (p[0] == '$' && p[1] == '{') {
			/* a name, then '}': no '$' inside, so no text is
			 * scanned twice */
			for (q = p + 2; *q != '\0' && (is_word((unsigned
			    char)*q) || strchr("_-.:", *q) != NULL); q++)
				;
			if (*q == '}') {
				add_tok(t, TOK_REF, p, (size_t)(q + 1 - p));
				p = q + 1;
				continue;
			}
		}
		if (p > s && is_word((unsigned char)p[-1]) &&
		    !(isdigit((unsigned char)p[-1]) && !isdigit((unsigned
		    char)*p))) {
			p++;
			continue;
		}
		if (isdigit((unsigned char)*p)) {
			for (q = p; isdigit((unsigned char)*q); q++)
				;
			if (*q == '.' && isdigit((unsigned char)q[1]))
				for (q++; isdigit((unsigned char)*q); q++)
					;
			if (!ordinal(q))
				add_tok(t, TOK_NUMBER, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if ((u = unit_at(p, &n)) >= 0) {
			add_tok(t, TOK_UNIT, units[u].sym,
			    strlen(units[u].sym));
			p += n;
			continue;
		}
		p++;
	}
}

/* Sentences: runs of text each closed by . ? ! (not a decimal point) or
 * by the end. */
static int
sentences(const char *s)
{
	int	n = 0, open = 0;

	for (; *s != '\0'; s++) {
		if (is_word((unsigned char)*s))
			open = 1;
		else if (open && strchr(".?!", *s) != NULL &&
		    (s[1] == '\0' || isspace((unsigned char)s[1]))) {
			n++;
			open = 0;
		}
	}
	return n + open;
}

static int
words(const char *s)
{
	int	n = 0, in = 0;

	for (; *s != '\0'; s++) {
		if (is_letter((unsigned char)*s)) {
			if (!in)
				n++;
			in = 1;
		} else if (isspace((unsigned char)*s))
			in = 0;
	}
	return n;
}

static int
same_text(const char *a, const char *b)
{
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	for (; *a != '\0' && *a == *b; a++, b++)
		;
	return blank(a) && blank(b);
}

/* The language a header's tail names, or -1. */
static int
header_lang(const struct form *f, const char *tail)
{
	char	buf[256];
	size_t	n;

	while (isspace((unsigned char)*tail))
		tail++;
	snprintf(buf, sizeof(buf), "%s", tail);
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	for (n = 0; n < f->nlangs; n++)
		if (strcmp(f->langs[n].name, buf) == 0)
			return (int)n;
	return -1;
}

static void
fold_base(const char *h, size_t n, char *out, size_t size)
{
	size_t	i;

	while (n > 0 && isspace((unsigned char)*h)) {
		h++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)h[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)h[i]);
	out[n] = '\0';
}

/* Whether header h is a translation column: its base and language. */
static int
classify(const struct form *f, const char *h, int dflt, struct trcol *c)
{
	const char	*sep, *last = NULL;
	int		 k;

	for (sep = strstr(h, "::"); sep != NULL; sep = strstr(sep + 2, "::"))
		last = sep;
	if (last == NULL && (sep = strchr(h, ':')) != NULL &&
	    strchr(sep + 1, ':') == NULL)
		last = sep;
	if (last != NULL) {
		if ((k = header_lang(f, last + (last[1] == ':' ? 2 : 1))) < 0)
			return 0;
		fold_base(h, (size_t)(last - h), c->base, sizeof(c->base));
	} else {
		/* "label" beside "label::X": the form's "default" */
		if (dflt < 0)
			return 0;
		k = dflt;
		fold_base(h, strlen(h), c->base, sizeof(c->base));
	}
	c->lang = (size_t)k;
	c->header = h;
	c->media = strncmp(c->base, "media::", 7) == 0 ||
	    strcmp(c->base, "image") == 0 || strcmp(c->base, "audio") == 0 ||
	    strcmp(c->base, "video") == 0 || strcmp(c->base, "big-image") == 0;
	return c->base[0] != '\0';
}

static int
by_base(const void *a, const void *b)
{
	const struct trcol	*x = a, *y = b;
	int			 c = strcmp(x->base, y->base);

	if (c != 0)
		return c;
	return x->col < y->col ? -1 : x->col > y->col;
}

struct sheet_check {
	const struct form	*f;
	const struct wb_sheet	*sh;
	struct diags		*d;
	struct trcol		*tc;
	size_t			 ntc;
	int			*of_col;	/* column -> index in tc,
						 * or -1 */
	const char		**headers;	/* tc's headers, sorted
						 * without case: bsearch */
	size_t			 ncols;
	long			 marker;	/* TR_MARKER's column,
						 * or -1 */
	/* the current row's marker: the cells it names */
	const char		*marked[TR_MAX_MARKED];
	size_t			 marked_len[TR_MAX_MARKED];
	size_t			 nmarked;
};

static int
silenced(const struct sheet_check *sc, const char *header)
{
	size_t	i, n = strlen(header);

	for (i = 0; i < sc->nmarked; i++)
		if (sc->marked_len[i] == n &&
		    strncasecmp(sc->marked[i], header, n) == 0)
			return 1;
	return 0;
}

static const char *
cell(const struct wb_row *r, size_t col)
{
	return col < r->ncells ? r->cells[col] : NULL;
}

/* strcasecmp of p[0..n) and h */
static int
cmp_n(const char *p, size_t n, const char *h)
{
	int	c = strncasecmp(p, h, n);

	return c != 0 ? c : h[n] == '\0' ? 0 : -1;
}

static int
cmp_headers(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether p[0..n) names a translation column of the sheet. */
static int
is_header(const struct sheet_check *sc, const char *p, size_t n)
{
	size_t	lo = 0, hi = sc->ntc, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = cmp_n(p, n, sc->headers[mid])) == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Read the row's marker cell; warn about names that are no translation
 * column of the sheet. */
static void
read_marker(struct sheet_check *sc, const struct wb_row *r)
{
	const char	*s, *p, *q;
	size_t		 n, named = 0;

	sc->nmarked = 0;
	if (sc->marker < 0 || (s = cell(r, (size_t)sc->marker)) == NULL)
		return;
	for (p = s; *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		q = p + strcspn(p, ";\n");
		while (p < q && isspace((unsigned char)*p))
			p++;
		n = (size_t)(q - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (named++ == TR_MAX_MARKED) {
			diags_add(sc->d, DIAG_WARNING, sc->sh->name, r->line,
			    TR_MARKER, _("more than %d cells named: the "
			    "rest are checked"), TR_MAX_MARKED);
			return;
		}
		if (!is_header(sc, p, n)) {
			diags_add(sc->d, DIAG_WARNING, sc->sh->name, r->line,
			    TR_MARKER, _("'%.*s' is no translated column of "
			    "this sheet"), (int)n, p);
			continue;
		}
		sc->marked[sc->nmarked] = p;
		sc->marked_len[sc->nmarked++] = n;
	}
}

static void PRINTFLIKE(4, 5)
warn(struct sheet_check *sc, const struct wb_row *r, const struct trcol *c,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	if (silenced(sc, c->header))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(sc->d, DIAG_WARNING, sc->sh->name, r->line, c->header,
	    "%s", msg);
}

/* What `has' has that `lacks' lacks, warned at `at'. */
static void
missing(struct sheet_check *sc, const struct wb_row *r,
    const struct toks *has, const struct toks *lacks, const struct trcol *at,
    const struct trcol *from)
{
	const struct tok	*t;
	size_t			 i, j;

	for (i = 0; i < has->n; i++) {
		t = &has->v[i];
		for (j = 0; j < lacks->n; j++)
			if (lacks->v[j].kind == t->kind &&
			    lacks->v[j].n == t->n &&
			    memcmp(lacks->v[j].p, t->p, t->n) == 0)
				break;
		if (j < lacks->n)
			continue;
		if (t->kind == TOK_NUMBER)
			warn(sc, r, at, _("lacks the number '%.*s' that "
			    "'%s' has"), (int)t->n, t->p, from->header);
		else if (t->kind == TOK_UNIT)
			warn(sc, r, at, _("lacks the unit '%.*s' that '%s' "
			    "has"), (int)t->n, t->p, from->header);
		else
			warn(sc, r, at, _("lacks '%.*s' that '%s' has"),
			    (int)t->n, t->p, from->header);
	}
}

/* One cell of a row: columns tc[lo..hi) of one base. */
static void
check_cell(struct sheet_check *sc, const struct wb_row *r, size_t lo,
    size_t hi)
{
	const struct trcol	*ref = &sc->tc[lo], *c;
	struct toks		 rt, ct;
	const char		*rs, *cs;
	size_t			 i;
	int			 rn = 0, cn;

	for (i = lo; i < hi; i++)
		if (sc->tc[i].lang == sc->f->default_lang) {
			ref = &sc->tc[i];
			break;
		}
	rt.n = 0;
	rs = cell(r, ref->col);
	if (blank(rs))
		rs = NULL;
	if (rs != NULL) {
		tokens(rs, &rt);
		rn = sentences(rs);
	}
	for (i = lo; i < hi; i++) {
		c = &sc->tc[i];
		if (c == ref)
			continue;
		cs = cell(r, c->col);
		if (blank(cs))
			cs = NULL;
		if (cs == NULL && rs == NULL)
			continue;
		if (cs == NULL || rs == NULL) {
			warn(sc, r, cs == NULL ? c : ref, _("empty, while "
			    "'%s' has text"), cs == NULL ? ref->header :
			    c->header);
			continue;
		}
		if (c->media)
			continue;
		tokens(cs, &ct);
		missing(sc, r, &rt, &ct, c, ref);
		missing(sc, r, &ct, &rt, ref, c);
		cn = sentences(cs);
		if (cn < rn)
			warn(sc, r, c, _("fewer sentences (%d) than '%s' (%d): "
			    "is an instruction missing?"), cn, ref->header, rn);
		if (same_text(cs, rs) && words(cs) >= TR_NAME_WORDS)
			warn(sc, r, c, _("the same text as '%s': not "
			    "translated?"), ref->header);
	}
}

void
translation_check(const struct form *f, const struct wb_sheet *sh,
    struct diags *d)
{
	struct sheet_check	 sc;
	const struct wb_row	*h, *r;
	size_t			*touched = NULL, *stamp = NULL;
	size_t			 i, j, k, ntouched, ngroups;
	int			 dflt;

	if (f == NULL || sh == NULL || sh->nrows < 2 || f->nlangs < 2)
		return;
	memset(&sc, 0, sizeof(sc));
	sc.f = f;
	sc.sh = sh;
	sc.d = d;
	sc.marker = -1;
	h = &sh->rows[0];
	sc.ncols = h->ncells;
	dflt = form_lang(f, "default");
	sc.tc = calloc(h->ncells + 1, sizeof(*sc.tc));
	sc.of_col = malloc((h->ncells + 1) * sizeof(*sc.of_col));
	if (sc.tc == NULL || sc.of_col == NULL)
		goto out;
	for (i = 0; i < h->ncells; i++) {
		if (h->cells[i] == NULL)
			continue;
		if (strcasecmp(h->cells[i], TR_MARKER) == 0)
			sc.marker = (long)i;
		else if (classify(f, h->cells[i], dflt, &sc.tc[sc.ntc])) {
			sc.tc[sc.ntc].col = i;
			sc.ntc++;
		}
	}
	qsort(sc.tc, sc.ntc, sizeof(*sc.tc), by_base);
	if ((sc.headers = malloc((sc.ntc + 1) * sizeof(*sc.headers))) == NULL)
		goto out;
	for (i = 0; i < sc.ntc; i++)
		sc.headers[i] = sc.tc[i].header;
	qsort(sc.headers, sc.ntc, sizeof(*sc.headers), cmp_headers);
	for (i = 0; i < h->ncells; i++)
		sc.of_col[i] = -1;
	ngroups = 0;
	for (i = 0; i < sc.ntc; i++) {
		if (i > 0 && strcmp(sc.tc[i].base, sc.tc[i - 1].base) != 0)
			ngroups++;
		sc.tc[i].group = ngroups;
		sc.of_col[sc.tc[i].col] = (int)i;
	}
	ngroups++;
	/* Per row, only the cells it has: the groups it touches. */
	touched = malloc(ngroups * sizeof(*touched));
	stamp = calloc(ngroups, sizeof(*stamp));
	if (touched == NULL || stamp == NULL)
		goto out;
	for (j = 1; j < sh->nrows; j++) {
		r = &sh->rows[j];
		read_marker(&sc, r);
		ntouched = 0;
		for (i = 0; i < r->ncells && i < sc.ncols; i++) {
			if (r->cells[i] == NULL || sc.of_col[i] < 0)
				continue;
			k = sc.tc[sc.of_col[i]].group;
			if (stamp[k] != j) {
				stamp[k] = j;
				touched[ntouched++] = (size_t)sc.of_col[i];
			}
		}
		for (i = 0; i < ntouched; i++) {
			size_t	lo = touched[i], hi;

			k = sc.tc[lo].group;
			while (lo > 0 && sc.tc[lo - 1].group == k)
				lo--;
			for (hi = lo; hi < sc.ntc && sc.tc[hi].group == k; hi++)
				;
			if (hi - lo > 1)
				check_cell(&sc, r, lo, hi);
		}
	}
out:
	free(touched);
	free(stamp);
	free(sc.tc);
	free(sc.of_col);
	free(sc.headers);
}
