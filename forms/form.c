/*
 * form.c: an XLSForm workbook to a form model.
 *
 * The survey sheet is a flat list of rows where "begin group"/"end group"
 * (repeat, loop) give the nesting; choices and settings are tables. This
 * file reads them the way pyxform, the reference converter, does: column
 * aliases, "label::Language (code)" columns, the older type spellings
 * ("select one from L", "select all that apply from L or specify other"),
 * stray spaces. Every problem is reported at once, with its sheet, row and
 * column, because a form author fixes a form in one pass only if told
 * everything.
 *
 * Building happens in three passes: languages (every translatable column
 * of every sheet), then fields and choices (rows to a tree), then
 * expressions (parsed, then bound to fields once every field exists, since
 * a relevant may name a later question).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "session_priv.h"

#define FORM_MAX_LANGS	64

/* What a column of the survey or choices sheet means. */
enum col_key {
	COL_NONE,		/* unknown: ignored, as pyxform does */
	COL_TYPE,
	COL_NAME,
	COL_LABEL,
	COL_HINT,
	COL_REQUIRED,
	COL_REQUIRED_MSG,
	COL_CONSTRAINT,
	COL_CONSTRAINT_MSG,
	COL_RELEVANT,
	COL_CALCULATION,
	COL_DEFAULT,
	COL_READONLY,
	COL_CHOICE_FILTER,
	COL_APPEARANCE,
	COL_REPEAT_COUNT,
	COL_PARAMETERS,
	COL_TRIGGER,
	COL_LIST_NAME,
	COL_MEDIA,		/* media columns: kept out of the way */
	COL_NKEYS
};

/* Spellings in use (pyxform's aliases.py and what real forms contain).
 * Compared without case. */
static const struct {
	const char	*name;
	enum col_key	 key;
} aliases[] = {
	{ "type", COL_TYPE },
	{ "command", COL_TYPE },
	{ "name", COL_NAME },
	{ "value", COL_NAME },
	{ "tag", COL_NAME },
	{ "label", COL_LABEL },
	{ "caption", COL_LABEL },
	{ "hint", COL_HINT },
	{ "required", COL_REQUIRED },
	{ "bind:required", COL_REQUIRED },
	{ "bind::required", COL_REQUIRED },
	{ "required_message", COL_REQUIRED_MSG },
	{ "required message", COL_REQUIRED_MSG },
	{ "requiredmsg", COL_REQUIRED_MSG },
	{ "bind:jr:requiredmsg", COL_REQUIRED_MSG },
	{ "bind::jr:requiredmsg", COL_REQUIRED_MSG },
	{ "jr:requiredmsg", COL_REQUIRED_MSG },
	{ "constraint", COL_CONSTRAINT },
	{ "bind:constraint", COL_CONSTRAINT },
	{ "bind::constraint", COL_CONSTRAINT },
	{ "validate", COL_CONSTRAINT },
	{ "constraint_message", COL_CONSTRAINT_MSG },
	{ "constraining_message", COL_CONSTRAINT_MSG },
	{ "constraint message", COL_CONSTRAINT_MSG },
	{ "constraint-msg", COL_CONSTRAINT_MSG },
	{ "constraintmsg", COL_CONSTRAINT_MSG },
	{ "bind:jr:constraintmsg", COL_CONSTRAINT_MSG },
	{ "bind::jr:constraintmsg", COL_CONSTRAINT_MSG },
	{ "jr:constraintmsg", COL_CONSTRAINT_MSG },
	{ "relevant", COL_RELEVANT },
	{ "relevance", COL_RELEVANT },
	{ "bind:relevant", COL_RELEVANT },
	{ "bind::relevant", COL_RELEVANT },
	{ "calculation", COL_CALCULATION },
	{ "calculate", COL_CALCULATION },
	{ "bind:calculate", COL_CALCULATION },
	{ "bind::calculate", COL_CALCULATION },
	{ "default", COL_DEFAULT },
	{ "read_only", COL_READONLY },
	{ "readonly", COL_READONLY },
	{ "read only", COL_READONLY },
	{ "bind:readonly", COL_READONLY },
	{ "bind::readonly", COL_READONLY },
	{ "choice_filter", COL_CHOICE_FILTER },
	{ "choice filter", COL_CHOICE_FILTER },
	{ "appearance", COL_APPEARANCE },
	{ "control:appearance", COL_APPEARANCE },
	{ "control::appearance", COL_APPEARANCE },
	{ "repeat_count", COL_REPEAT_COUNT },
	{ "repeat count", COL_REPEAT_COUNT },
	{ "jr:count", COL_REPEAT_COUNT },
	{ "count", COL_REPEAT_COUNT },
	{ "parameters", COL_PARAMETERS },
	{ "trigger", COL_TRIGGER },
	{ "list_name", COL_LIST_NAME },
	{ "list name", COL_LIST_NAME },
	{ "image", COL_MEDIA },
	{ "audio", COL_MEDIA },
	{ "video", COL_MEDIA },
	{ "big-image", COL_MEDIA },
	{ "media", COL_MEDIA },
	{ "guidance_hint", COL_MEDIA },
};

/* Columns that hold text in a language ("label::Español (es)"). */
static int
translatable(enum col_key k)
{
	return k == COL_LABEL || k == COL_HINT || k == COL_REQUIRED_MSG ||
	    k == COL_CONSTRAINT_MSG || k == COL_MEDIA;
}

struct col {
	enum col_key	 key;
	int		 lang;		/* translatable columns; -1: none */
	const char	*header;	/* as written, for diagnostics */
};

/* One sheet's header, read once. */
struct cols {
	struct col	*v;
	size_t		 n;
	int		 first[COL_NKEYS];	/* first column of a key, -1 */
};

struct builder {
	struct form		*f;
	struct diags		*d;
	struct err		*e;
	const struct workbook	*wb;
	const struct wb_sheet	*survey, *choices, *settings, *external;
	struct cols		 scols, ccols;
	/* languages, as found: names, and whether the plain "label" column
	 * (no language) was seen */
	char			*langs[FORM_MAX_LANGS];
	size_t			 nlangs;
	int			 quiet;		/* inside a loop's repeats */
	int			 allow_dups;	/* allow_choice_duplicates */
	int			 too_deep;	/* nesting past FORM_MAX_DEPTH */
	int			 nomem;
	size_t			 expr_nodes;	/* FORM_MAX_EXPR_NODES */
	/* expression sources per field (by field->index), parsed in pass 3
	 * once every field exists */
	struct pending		*pend;
	size_t			 pendcap;
	char			*instance_name_src;
	/* growing arrays (realloc'd; copied to the arena at the end) */
	struct field		**fields;
	size_t			 nfields, capfields;
	struct choice_list	*lists;
	size_t			 nlists, caplists;
	struct name_index	 list_idx;	/* lists, by name */
	struct name_index	 sib_idx;	/* fields, by parent and name */
};

static void
nomem(struct builder *b)
{
	b->nomem = 1;
}

static void *
aalloc(struct builder *b, size_t n)
{
	void	*p = arena_alloc(&b->f->arena, n);

	if (p == NULL)
		nomem(b);
	return p;
}

static char *
adup(struct builder *b, const char *s)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = arena_strdup(&b->f->arena, s)) == NULL)
		nomem(b);
	return p;
}

static void PRINTFLIKE(5, 6)
problem(struct builder *b, enum diag_level level, const char *sheet, int row,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	if (b->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(b->d, level, sheet, row, NULL, "%s", msg);
}

static void PRINTFLIKE(5, 6)
col_problem(struct builder *b, const char *sheet, int row, const char *column,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	if (b->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(b->d, DIAG_ERROR, sheet, row, column, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Cells and headers                                                   */

/* A cell trimmed of surrounding blanks into the arena; NULL when empty. */
static char *
cell(struct builder *b, const struct wb_row *r, int col)
{
	const char	*s, *t;

	if (col < 0 || (size_t)col >= r->ncells || r->cells[col] == NULL)
		return NULL;
	s = r->cells[col];
	while (isspace((unsigned char)*s))
		s++;
	t = s + strlen(s);
	while (t > s && isspace((unsigned char)t[-1]))
		t--;
	if (t == s)
		return NULL;
	{
		char	*p = arena_strndup(&b->f->arena, s, (size_t)(t - s));

		if (p == NULL)
			nomem(b);
		return p;
	}
}

/* Lowercase copy with runs of blanks folded to one space. */
static void
fold(const char *s, char *out, size_t n)
{
	size_t	i = 0;
	int	space = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s != '\0' && i + 1 < n; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && i + 1 < n)
			out[i++] = ' ';
		space = 0;
		out[i++] = (char)tolower((unsigned char)*s);
	}
	out[i] = '\0';
}

static enum col_key
alias(const char *folded)
{
	size_t	i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].name, folded) == 0)
			return aliases[i].key;
	return COL_NONE;
}

/* The index of a language name, adding it; -1 past the limit. */
static int
lang_index(struct builder *b, const char *name)
{
	size_t	i;

	for (i = 0; i < b->nlangs; i++)
		if (strcmp(b->langs[i], name) == 0)
			return (int)i;
	if (b->nlangs == FORM_MAX_LANGS)
		return -1;
	if ((b->langs[b->nlangs] = adup(b, name)) == NULL)
		return -1;
	return (int)b->nlangs++;
}

/*
 * A header cell to a column: "label::Español (es)", "label:English",
 * "bind:jr:constraintMsg", "media::image::English", "hint".
 */
static void
header(struct builder *b, const char *h, struct col *c)
{
	char		 low[256], base[256];
	const char	*sep, *lang = NULL;
	char		 langbuf[256];

	c->key = COL_NONE;
	c->lang = -1;
	c->header = h;
	fold(h, low, sizeof(low));
	if ((c->key = alias(low)) != COL_NONE)
		goto lang;
	/* "key::Language", "media::image::Language" */
	if ((sep = strstr(h, "::")) != NULL) {
		const char	*last = sep;

		while ((sep = strstr(last + 2, "::")) != NULL)
			last = sep;
		snprintf(base, sizeof(base), "%.*s", (int)(last - h), h);
		fold(base, low, sizeof(low));
		if (strncmp(low, "media::", 7) == 0)
			c->key = COL_MEDIA;
		else
			c->key = alias(low);
		lang = last + 2;
	} else if ((sep = strrchr(h, ':')) != NULL) {
		/* "label:English", but not "bind:jr:constraintMsg" */
		snprintf(base, sizeof(base), "%.*s", (int)(sep - h), h);
		fold(base, low, sizeof(low));
		c->key = alias(low);
		if (!translatable(c->key))
			c->key = COL_NONE;
		lang = sep + 1;
	}
lang:
	if (!translatable(c->key))
		return;
	if (lang == NULL) {
		lang = "default";
	} else {
		while (isspace((unsigned char)*lang))
			lang++;
		snprintf(langbuf, sizeof(langbuf), "%s", lang);
		{
			size_t	n = strlen(langbuf);

			while (n > 0 && isspace((unsigned char)langbuf[n - 1]))
				langbuf[--n] = '\0';
		}
		lang = langbuf[0] != '\0' ? langbuf : "default";
	}
	/* Media columns carry no text we show; do not invent a language
	 * for them alone. */
	if (c->key == COL_MEDIA)
		return;
	c->lang = lang_index(b, lang);
}

static int
read_header(struct builder *b, const struct wb_sheet *sh, struct cols *cs)
{
	const struct wb_row	*r;
	size_t			 seen[COL_NKEYS][FORM_MAX_LANGS + 1];
	size_t			 i, k;

	for (i = 0; i < COL_NKEYS; i++)
		cs->first[i] = -1;
	cs->n = 0;
	cs->v = NULL;
	if (sh == NULL || sh->nrows == 0)
		return 0;
	r = &sh->rows[0];
	if ((cs->v = aalloc(b, (r->ncells + 1) * sizeof(*cs->v))) == NULL)
		return ERR_NOMEM;
	cs->n = r->ncells;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < r->ncells; i++) {
		struct col	*c = &cs->v[i];

		c->key = COL_NONE;
		c->lang = -1;
		c->header = NULL;
		if (r->cells[i] == NULL)
			continue;
		header(b, r->cells[i], c);
		if (c->key != COL_NONE && cs->first[c->key] < 0)
			cs->first[c->key] = (int)i;
		/* pyxform refuses a column named twice: one of the two
		 * would be read, the other silently dropped */
		if (c->key == COL_NONE || c->key == COL_MEDIA)
			continue;
		/* the same words: two aliases of one column pyxform takes
		 * ("constraint-msg" and "bind:jr:constraintMsg") */
		k = seen[c->key][c->lang + 1];
		if (k > 0 && strcasecmp(cs->v[k - 1].header, c->header) == 0)
			problem(b, DIAG_ERROR, sh->name, r->line,
			    _("column '%s' is there twice: keep one"),
			    c->header);
		if (k == 0)
			seen[c->key][c->lang + 1] = i + 1;
	}
	return 0;
}

static const char *
col_header(const struct cols *cs, enum col_key k)
{
	int	i = cs->first[k];

	return i >= 0 ? cs->v[i].header : NULL;
}

/* The cell of key k (its first column); NULL when empty. */
static char *
get(struct builder *b, const struct cols *cs, const struct wb_row *r,
    enum col_key k)
{
	return cell(b, r, cs->first[k]);
}

/* ------------------------------------------------------------------ */
/* Texts in every language, with loop substitution                     */

/* Replace %(name)s and %(label)s in a loop's rows (pyxform's loop). */
static char *
subst(struct builder *b, const char *s, const struct choice *ch, size_t lang)
{
	struct buf	 out;
	const char	*p, *label;
	char		*r;

	if (ch == NULL || s == NULL || strstr(s, "%(") == NULL)
		return adup(b, s);
	label = form_text(b->f, &ch->label, lang);
	if (label == NULL)
		label = ch->name;
	buf_init(&out, EXPR_MAX_LEN);
	for (p = s; *p != '\0'; p++) {
		if (strncmp(p, "%(name)s", 8) == 0) {
			buf_addstr(&out, ch->name);
			p += 7;
		} else if (strncmp(p, "%(label)s", 9) == 0) {
			buf_addstr(&out, label);
			p += 8;
		} else
			buf_addc(&out, *p);
	}
	r = adup(b, out.p != NULL ? out.p : "");
	buf_release(&out);
	return r;
}

static void
read_text(struct builder *b, const struct cols *cs, const struct wb_row *r,
    enum col_key k, struct text *t, const struct choice *loop)
{
	size_t	i;

	if ((t->v = aalloc(b, b->f->nlangs * sizeof(char *))) == NULL)
		return;
	for (i = 0; i < cs->n; i++) {
		char	*s;

		if (cs->v[i].key != k || cs->v[i].lang < 0 ||
		    (size_t)cs->v[i].lang >= b->f->nlangs)
			continue;
		if ((s = cell(b, r, (int)i)) == NULL)
			continue;
		if (t->v[cs->v[i].lang] == NULL)
			t->v[cs->v[i].lang] = subst(b, s, loop,
			    (size_t)cs->v[i].lang);
	}
}

/* Whether any column of key k has a value on row r. */
static int
row_has(const struct cols *cs, const struct wb_row *r, enum col_key k)
{
	size_t	i;

	for (i = 0; i < cs->n && i < r->ncells; i++)
		if (cs->v[i].key == k && r->cells[i] != NULL &&
		    r->cells[i][strspn(r->cells[i], " \t")] != '\0')
			return 1;
	return 0;
}

static int
has_text(const struct form *f, const struct text *t)
{
	size_t	i;

	for (i = 0; t->v != NULL && i < f->nlangs; i++)
		if (t->v[i] != NULL)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names and types                                                     */

/* An XML element name as ODK accepts: a letter or _, then letters,
 * digits, _ - . (non-ASCII letters allowed, as XML allows). */
static int
valid_name(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (!(isalpha(*p) || *p == '_' || *p >= 0x80))
		return 0;
	for (p++; *p != '\0'; p++)
		if (!(isalnum(*p) || *p == '_' || *p == '-' || *p == '.' ||
		    *p >= 0x80))
			return 0;
	return 1;
}

enum row_kind {
	ROW_FIELD,
	ROW_BEGIN_GROUP,
	ROW_END_GROUP,
	ROW_BEGIN_REPEAT,
	ROW_END_REPEAT,
	ROW_BEGIN_LOOP,
	ROW_END_LOOP,
	ROW_UNKNOWN
};

struct parsed_type {
	enum row_kind	 row;
	enum field_kind	 kind;
	const char	*meta;		/* FK_META */
	char		 list[256];	/* selects and loops; attachments */
	int		 or_other;
	int		 external;	/* 1: select_one_external; 2: from a
					 * file; 3: csv-external, 4:
					 * xml-external (the row declares an
					 * attachment, no field) */
	int		 by_hand;	/* a capture type typed by hand */
};

/*
 * Every question type of pyxform's question_type_dictionary.py, with its
 * old spellings ("q int", "add date prompt", "get start time"; "uri:"
 * prefixes are removed before the lookup). Compared without case (pyxform
 * compares with it: we are more lenient, never stricter).
 */
static const struct {
	const char	*name;
	enum field_kind	 kind;
	const char	*meta;		/* FK_META: what the program fills */
	int		 by_hand;	/* FK_TEXT standing for a capture */
} types[] = {
	{ "text", FK_TEXT, NULL, 0 },
	{ "string", FK_TEXT, NULL, 0 },
	{ "q string", FK_TEXT, NULL, 0 },
	{ "add text prompt", FK_TEXT, NULL, 0 },
	{ "phone number", FK_TEXT, NULL, 0 },
	{ "integer", FK_INTEGER, NULL, 0 },
	{ "int", FK_INTEGER, NULL, 0 },
	{ "q int", FK_INTEGER, NULL, 0 },
	{ "add integer prompt", FK_INTEGER, NULL, 0 },
	{ "percentage", FK_INTEGER, NULL, 0 },
	{ "number of days in last month", FK_INTEGER, NULL, 0 },
	{ "number of days in last six months", FK_INTEGER, NULL, 0 },
	{ "number of days in last year", FK_INTEGER, NULL, 0 },
	{ "decimal", FK_DECIMAL, NULL, 0 },
	{ "q decimal", FK_DECIMAL, NULL, 0 },
	{ "add decimal prompt", FK_DECIMAL, NULL, 0 },
	/* an integer unless its parameters have a decimal (build_question) */
	{ "range", FK_INTEGER, NULL, 0 },
	{ "date", FK_DATE, NULL, 0 },
	{ "q date", FK_DATE, NULL, 0 },
	{ "add date prompt", FK_DATE, NULL, 0 },
	{ "time", FK_TIME, NULL, 0 },
	{ "datetime", FK_DATETIME, NULL, 0 },
	{ "date time", FK_DATETIME, NULL, 0 },
	{ "q datetime", FK_DATETIME, NULL, 0 },
	{ "q date time", FK_DATETIME, NULL, 0 },
	{ "add datetime prompt", FK_DATETIME, NULL, 0 },
	{ "add date time prompt", FK_DATETIME, NULL, 0 },
	{ "geopoint", FK_GEOPOINT, NULL, 0 },
	{ "location", FK_GEOPOINT, NULL, 0 },
	{ "gps", FK_GEOPOINT, NULL, 0 },
	{ "q geopoint", FK_GEOPOINT, NULL, 0 },
	{ "q location", FK_GEOPOINT, NULL, 0 },
	{ "add location prompt", FK_GEOPOINT, NULL, 0 },
	{ "note", FK_NOTE, NULL, 0 },
	{ "q note", FK_NOTE, NULL, 0 },
	{ "add note prompt", FK_NOTE, NULL, 0 },
	{ "calculate", FK_CALCULATE, NULL, 0 },
	{ "q calculate", FK_CALCULATE, NULL, 0 },
	{ "add calculate prompt", FK_CALCULATE, NULL, 0 },
	{ "acknowledge", FK_ACKNOWLEDGE, NULL, 0 },
	{ "q acknowledge", FK_ACKNOWLEDGE, NULL, 0 },
	{ "add acknowledge prompt", FK_ACKNOWLEDGE, NULL, 0 },
	{ "trigger", FK_ACKNOWLEDGE, NULL, 0 },
	{ "hidden", FK_HIDDEN, NULL, 0 },
	{ "start", FK_META, "start", 0 },
	{ "start time", FK_META, "start", 0 },
	{ "get start time", FK_META, "start", 0 },
	{ "end", FK_META, "end", 0 },
	{ "end time", FK_META, "end", 0 },
	{ "get end time", FK_META, "end", 0 },
	{ "today", FK_META, "today", 0 },
	{ "get today", FK_META, "today", 0 },
	{ "deviceid", FK_META, "deviceid", 0 },
	{ "device id", FK_META, "deviceid", 0 },
	{ "get device id", FK_META, "deviceid", 0 },
	{ "imei", FK_META, "deviceid", 0 },
	{ "subscriberid", FK_META, "subscriberid", 0 },
	{ "subscriber id", FK_META, "subscriberid", 0 },
	{ "get subscriber id", FK_META, "subscriberid", 0 },
	{ "simserial", FK_META, "simserial", 0 },
	{ "sim id", FK_META, "simserial", 0 },
	{ "get sim id", FK_META, "simserial", 0 },
	{ "phonenumber", FK_META, "phonenumber", 0 },
	{ "get phone number", FK_META, "phonenumber", 0 },
	{ "username", FK_META, "username", 0 },
	{ "email", FK_META, "email", 0 },
	{ "audit", FK_META, "audit", 0 },
	{ "instanceid", FK_META, "instanceid", 0 },
	/* A barcode is printed under its bars: typed by hand, as ODK
	 * Collect's barcode widget allows on a device without a camera. */
	{ "barcode", FK_TEXT, NULL, 1 },
	{ "q barcode", FK_TEXT, NULL, 1 },
	{ "add barcode prompt", FK_TEXT, NULL, 1 },
	/* Captured by a phone's camera, microphone, GPS or map: left empty,
	 * as ODK leaves them on a device without the sensor. */
	{ "image", FK_UNSUPPORTED, NULL, 0 },
	{ "photo", FK_UNSUPPORTED, NULL, 0 },
	{ "q image", FK_UNSUPPORTED, NULL, 0 },
	{ "q picture", FK_UNSUPPORTED, NULL, 0 },
	{ "add image prompt", FK_UNSUPPORTED, NULL, 0 },
	{ "add photo prompt", FK_UNSUPPORTED, NULL, 0 },
	{ "audio", FK_UNSUPPORTED, NULL, 0 },
	{ "q audio", FK_UNSUPPORTED, NULL, 0 },
	{ "add audio prompt", FK_UNSUPPORTED, NULL, 0 },
	{ "video", FK_UNSUPPORTED, NULL, 0 },
	{ "q video", FK_UNSUPPORTED, NULL, 0 },
	{ "add video prompt", FK_UNSUPPORTED, NULL, 0 },
	{ "file", FK_UNSUPPORTED, NULL, 0 },
	{ "add file prompt", FK_UNSUPPORTED, NULL, 0 },
	{ "osm", FK_UNSUPPORTED, NULL, 0 },
	{ "geotrace", FK_UNSUPPORTED, NULL, 0 },
	{ "q geotrace", FK_UNSUPPORTED, NULL, 0 },
	{ "geoshape", FK_UNSUPPORTED, NULL, 0 },
	{ "q geoshape", FK_UNSUPPORTED, NULL, 0 },
	{ "background-audio", FK_UNSUPPORTED, NULL, 0 },
	{ "background-geopoint", FK_UNSUPPORTED, NULL, 0 },
	{ "start-geopoint", FK_UNSUPPORTED, NULL, 0 },
};

static int
parse_type(const char *raw, struct parsed_type *t)
{
	char		 low[512], *p;
	const char	*rest;
	size_t		 i;

	memset(t, 0, sizeof(*t));
	t->row = ROW_FIELD;
	fold(raw, low, sizeof(low));
	if (strncmp(low, "uri:", 4) == 0)
		memmove(low, low + 4, strlen(low + 4) + 1);
	/* "begin group", "begin_group", "end repeat", "begin loop over L" */
	for (p = low; *p != '\0'; p++)
		if (*p == '_' && (strncmp(low, "begin_", 6) == 0 ||
		    strncmp(low, "end_", 4) == 0) && p - low <= 5) {
			*p = ' ';
			break;
		}
	if (strcmp(low, "begin group") == 0) {
		t->row = ROW_BEGIN_GROUP;
		return 0;
	}
	if (strcmp(low, "end group") == 0) {
		t->row = ROW_END_GROUP;
		return 0;
	}
	if (strcmp(low, "begin repeat") == 0) {
		t->row = ROW_BEGIN_REPEAT;
		return 0;
	}
	if (strcmp(low, "end repeat") == 0) {
		t->row = ROW_END_REPEAT;
		return 0;
	}
	if (strcmp(low, "end loop") == 0) {
		t->row = ROW_END_LOOP;
		return 0;
	}
	if (strncmp(low, "begin loop over ", 16) == 0) {
		t->row = ROW_BEGIN_LOOP;
		/* keep the list name's case: take it from raw */
		rest = raw + strlen(raw);
		while (rest > raw && isspace((unsigned char)rest[-1]))
			rest--;
		{
			const char	*s = rest;

			while (s > raw && !isspace((unsigned char)s[-1]))
				s--;
			snprintf(t->list, sizeof(t->list), "%.*s",
			    (int)(rest - s), s);
		}
		return 0;
	}
	/* An attachment the form's expressions read as instance('name'),
	 * its file name.csv or name.xml; the row's name is the instance's. */
	if (strcmp(low, "csv-external") == 0 ||
	    strcmp(low, "xml-external") == 0) {
		t->external = low[0] == 'c' ? 3 : 4;
		return 0;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(low, types[i].name) == 0) {
			t->kind = types[i].kind;
			t->meta = types[i].meta;
			t->by_hand = types[i].by_hand;
			return 0;
		}
	/* Selects: "select_one L", "select one L", "select one from L",
	 * "select all that apply from L", "select_multiple L", each maybe
	 * followed by "or_other" / "or specify other";
	 * "select_one_from_file f.csv", "select_one_external L". */
	{
		static const struct {
			const char	*prefix;
			enum field_kind	 kind;
			int		 external;
		} sel[] = {
			/* pyxform's aliases.select; longest first where one
			 * is the start of another */
			{ "select_one_from_file ", FK_SELECT_ONE, 2 },
			{ "select one from file ", FK_SELECT_ONE, 2 },
			{ "select_multiple_from_file ", FK_SELECT_MULTIPLE,
			    2 },
			{ "select multiple from file ", FK_SELECT_MULTIPLE,
			    2 },
			{ "select_one_external ", FK_SELECT_ONE, 1 },
			{ "select one external ", FK_SELECT_ONE, 1 },
			{ "select_one ", FK_SELECT_ONE, 0 },
			{ "select1 ", FK_SELECT_ONE, 0 },
			{ "q select1 ", FK_SELECT_ONE, 0 },
			{ "select one from ", FK_SELECT_ONE, 0 },
			{ "select one using ", FK_SELECT_ONE, 0 },
			{ "add select one prompt using ", FK_SELECT_ONE, 0 },
			{ "select one ", FK_SELECT_ONE, 0 },
			{ "select_multiple ", FK_SELECT_MULTIPLE, 0 },
			{ "q select ", FK_SELECT_MULTIPLE, 0 },
			{ "select multiple from ", FK_SELECT_MULTIPLE, 0 },
			{ "select multiple using ", FK_SELECT_MULTIPLE, 0 },
			{ "add select multiple prompt using ",
			    FK_SELECT_MULTIPLE, 0 },
			{ "select multiple ", FK_SELECT_MULTIPLE, 0 },
			{ "select all that apply from ", FK_SELECT_MULTIPLE,
			    0 },
			{ "select all that apply ", FK_SELECT_MULTIPLE, 0 },
			{ "rank ", FK_UNSUPPORTED, 0 },
			/* OpenStreetMap tags (the osm sheet): a map */
			{ "osm ", FK_UNSUPPORTED, 0 },
		};
		char	rawfold[512];
		size_t	n;

		/* fold raw without lowercasing, to keep the list's case */
		{
			const char	*s = raw;
			size_t		 k = 0;
			int		 sp = 0;

			while (isspace((unsigned char)*s))
				s++;
			for (; *s != '\0' && k + 1 < sizeof(rawfold); s++) {
				if (isspace((unsigned char)*s)) {
					sp = 1;
					continue;
				}
				if (sp)
					rawfold[k++] = ' ';
				sp = 0;
				rawfold[k++] = *s;
			}
			rawfold[k] = '\0';
		}
		for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
			n = strlen(sel[i].prefix);
			if (strncmp(low, sel[i].prefix, n) != 0)
				continue;
			t->kind = sel[i].kind;
			t->external = sel[i].external;
			snprintf(t->list, sizeof(t->list), "%s", rawfold + n);
			/* trailing "or_other" / "or specify other" */
			{
				char	*o;

				if ((o = strstr(t->list, " or_other")) !=
				    NULL && o[9] == '\0') {
					*o = '\0';
					t->or_other = 1;
				} else if ((o = strstr(t->list,
				    " or specify other")) != NULL &&
				    o[17] == '\0') {
					*o = '\0';
					t->or_other = 1;
				}
			}
			if (t->list[0] == '\0' || strchr(t->list, ' '))
				return ERR_INPUT;
			return 0;
		}
	}
	t->row = ROW_UNKNOWN;
	return ERR_INPUT;
}

/* ------------------------------------------------------------------ */
/* Name indexes (struct name_index)                                    */

/* The name, and the scope it must be unique in, at position pos of the
 * array an index is over. */
typedef const char *idx_key_fn(const void *arr, size_t pos,
    const void **scope);

static size_t
name_hash(const void *scope, const char *s)
{
	uint64_t	h = 14695981039346656037ULL;	/* FNV-1a */

	h ^= (uint64_t)(uintptr_t)scope * 0x9e3779b97f4a7c15ULL;
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ h >> 32);
}

/* The position of name in scope, or -1. */
static long
idx_find(const struct name_index *x, const void *arr, idx_key_fn *key,
    const void *scope, const char *name)
{
	const void	*sc;
	size_t		 i, m;

	if (x->cap == 0)
		return -1;
	m = x->cap - 1;
	for (i = name_hash(scope, name) & m; x->slot[i] != 0; i = (i + 1) & m)
		if (strcmp(key(arr, x->slot[i] - 1, &sc), name) == 0 &&
		    sc == scope)
			return (long)x->slot[i] - 1;
	return -1;
}

static void
idx_put(struct name_index *x, const void *arr, idx_key_fn *key, size_t pos)
{
	const void	*sc;
	const char	*name = key(arr, pos, &sc);
	size_t		 i, m = x->cap - 1;

	for (i = name_hash(sc, name) & m; x->slot[i] != 0; i = (i + 1) & m)
		;
	x->slot[i] = (uint32_t)pos + 1;
}

/*
 * Index position pos. The slots live in a when it is not NULL (a form's
 * index: the old slots stay there, at most as much again), else on the
 * heap (the builder's own; idx_release frees them).
 */
static int
idx_add(struct name_index *x, struct arena *a, const void *arr,
    idx_key_fn *key, size_t pos)
{
	struct name_index	 old = *x;
	const void		*scope;
	const char		*name = key(arr, pos, &scope);
	size_t			 i;

	if (pos >= UINT32_MAX)
		return ERR_INPUT;
	/* a name already there keeps its first position */
	if (idx_find(x, arr, key, scope, name) >= 0) {
		x->n++;
		return 0;
	}
	if (2 * (x->n + 1) > x->cap) {
		x->cap = old.cap != 0 ? old.cap * 2 : 16;
		x->slot = a != NULL ? arena_alloc(a, x->cap * sizeof(*x->slot)) :
		    calloc(x->cap, sizeof(*x->slot));
		if (x->slot == NULL) {
			*x = old;
			return ERR_NOMEM;
		}
		for (i = 0; i < old.cap; i++)
			if (old.slot[i] != 0)
				idx_put(x, arr, key, old.slot[i] - 1);
		if (a == NULL)
			free(old.slot);
	}
	idx_put(x, arr, key, pos);
	x->n++;
	return 0;
}

static void
idx_release(struct name_index *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

static const char *
choice_key(const void *arr, size_t pos, const void **scope)
{
	*scope = NULL;
	return ((const struct choice_list *)arr)->v[pos].name;
}

/* Lists are unique by name within their origin (choices, external_choices,
 * attachments): the scope is the origin's slot here. */
static const char list_scope[3];

static const char *
list_key(const void *arr, size_t pos, const void **scope)
{
	const struct choice_list	*l = (const struct choice_list *)arr + pos;

	*scope = &list_scope[l->origin];
	return l->name;
}

/* Fields are unique by name among their siblings. */
static const char *
field_key(const void *arr, size_t pos, const void **scope)
{
	const struct field	*f = ((struct field *const *)arr)[pos];

	*scope = f->parent;
	return f->name;
}

/* ------------------------------------------------------------------ */
/* Choices                                                             */

static struct choice_list *
find_list(struct builder *b, const char *name, enum list_origin origin)
{
	long	i = idx_find(&b->list_idx, b->lists, list_key,
		    &list_scope[origin], name);

	return i >= 0 ? &b->lists[i] : NULL;
}

/* Append the list's newest choice to its index. */
static void
index_choice(struct builder *b, struct choice_list *l)
{
	if (idx_add(&l->idx, &b->f->arena, l, choice_key, l->n - 1) != 0)
		nomem(b);
}

static struct choice_list *
add_list(struct builder *b, char *name, enum list_origin origin, int row)
{
	struct choice_list	*l;

	if (b->nlists == b->caplists) {
		size_t	 cap = b->caplists ? b->caplists * 2 : 16;
		void	*p = realloc(b->lists, cap * sizeof(*b->lists));

		if (p == NULL) {
			nomem(b);
			return NULL;
		}
		b->lists = p;
		b->caplists = cap;
	}
	l = &b->lists[b->nlists++];
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->origin = origin;
	l->row = row;
	if (idx_add(&b->list_idx, NULL, b->lists, list_key,
	    b->nlists - 1) != 0) {
		nomem(b);
		return NULL;
	}
	return l;
}

/*
 * The list that reads attachment file with these columns for names and
 * labels (NULL: ODK's defaults), made when new. Its name is the file's
 * stem, the id instance('stem') reads.
 */
static struct choice_list *
file_list(struct builder *b, const char *file, const char *value,
    const char *label, int row)
{
	struct choice_list	*l;
	const char		*dot = strrchr(file, '.');
	int			 geo = dot != NULL &&
				    strcasecmp(dot, ".geojson") == 0;
	size_t			 i;

	if (value == NULL)
		value = geo ? "id" : "name";
	if (label == NULL)
		label = geo ? "title" : "label";
	for (i = 0; i < b->nlists; i++) {
		l = &b->lists[i];
		if (l->origin == LIST_FILE && strcmp(l->file, file) == 0 &&
		    strcmp(l->value_col, value) == 0 &&
		    strcmp(l->label_col, label) == 0)
			return l;
	}
	if ((l = add_list(b, arena_printf(&b->f->arena, "%.*s",
	    (int)(dot != NULL ? dot - file : (long)strlen(file)), file),
	    LIST_FILE, row)) == NULL)
		return NULL;
	l->file = adup(b, file);
	l->value_col = adup(b, value);
	l->label_col = adup(b, label);
	if (l->name == NULL || l->file == NULL || l->value_col == NULL ||
	    l->label_col == NULL) {
		nomem(b);
		return NULL;
	}
	return l;
}

static void
read_choices(struct builder *b, const struct wb_sheet *sh, struct cols *cs,
    enum list_origin origin)
{
	size_t	i, j, nextra = 0;
	int	*extra;

	if (sh == NULL || sh->nrows == 0)
		return;
	if (read_header(b, sh, cs) != 0)
		return;
	if (cs->first[COL_LIST_NAME] < 0) {
		problem(b, DIAG_ERROR, sh->name, sh->rows[0].line,
		    _("no 'list_name' column"));
		return;
	}
	if (cs->first[COL_NAME] < 0) {
		problem(b, DIAG_ERROR, sh->name, sh->rows[0].line,
		    _("no 'name' column"));
		return;
	}
	/* Columns kept for choice_filter: anything not list_name, name,
	 * label or media (pyxform's secondary instance has no list_name). */
	if ((extra = aalloc(b, (cs->n + 1) * sizeof(int))) == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].header != NULL && cs->v[i].key == COL_NONE)
			extra[nextra++] = (int)i;

	for (i = 1; i < sh->nrows; i++) {
		const struct wb_row	*r = &sh->rows[i];
		char			*lname = get(b, cs, r, COL_LIST_NAME);
		char			*name = get(b, cs, r, COL_NAME);
		struct choice_list	*l;
		struct choice		*c;

		if (b->nomem)
			return;
		if (lname == NULL && name == NULL)
			continue;
		if (lname == NULL) {
			col_problem(b, sh->name, r->line,
			    col_header(cs, COL_LIST_NAME),
			    _("choice '%s' has no list name"), name);
			continue;
		}
		if (name == NULL) {
			col_problem(b, sh->name, r->line,
			    col_header(cs, COL_NAME),
			    _("choice in list '%s' has no name"), lname);
			continue;
		}
		if ((l = find_list(b, lname, origin)) == NULL &&
		    (l = add_list(b, lname, origin, r->line)) == NULL)
			return;
		if (!b->allow_dups && form_choice(l, name) != NULL) {
			/* pyxform refuses these unless the settings allow
			 * duplicates; a select could not tell them apart */
			col_problem(b, sh->name, r->line,
			    col_header(cs, COL_NAME),
			    _("duplicate choice '%s' in list '%s'"), name,
			    lname);
			continue;
		}
		/* grow l->v: lists are small; realloc in the heap and copy
		 * to the arena at the end would be cleaner, but choices
		 * are appended in order, so double in the arena */
		if ((l->n & (l->n - 1)) == 0) {
			size_t		 cap = l->n ? l->n * 2 : 4;
			struct choice	*v = aalloc(b, cap * sizeof(*v));

			if (v == NULL)
				return;
			if (l->n)
				memcpy(v, l->v, l->n * sizeof(*v));
			l->v = v;
		}
		c = &l->v[l->n++];
		memset(c, 0, sizeof(*c));
		c->name = name;
		c->row = r->line;
		index_choice(b, l);
		read_text(b, cs, r, COL_LABEL, &c->label, NULL);
		if (nextra > 0) {
			c->colnames = aalloc(b, nextra * sizeof(char *));
			c->colvals = aalloc(b, nextra * sizeof(char *));
			if (c->colnames == NULL || c->colvals == NULL)
				return;
			for (j = 0; j < nextra; j++) {
				c->colnames[j] = adup(b,
				    cs->v[extra[j]].header);
				c->colvals[j] = cell(b, r, extra[j]);
			}
			c->ncols = nextra;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */

static struct field *
new_field(struct builder *b, struct field *parent, enum field_kind kind,
    const char *name, int row)
{
	struct field	*f;

	if ((f = aalloc(b, sizeof(*f))) == NULL)
		return NULL;
	f->kind = kind;
	f->name = adup(b, name);
	f->row = row;
	f->parent = parent;
	if (parent != NULL) {
		f->depth = parent->depth + 1;
		f->repeat = parent->kind == FK_REPEAT ? parent :
		    parent->repeat;
		if ((parent->nkids & (parent->nkids - 1)) == 0) {
			size_t		  cap = parent->nkids ?
			    parent->nkids * 2 : 4;
			struct field	**v = aalloc(b, cap * sizeof(*v));

			if (v == NULL)
				return NULL;
			if (parent->nkids)
				memcpy(v, parent->kids,
				    parent->nkids * sizeof(*v));
			parent->kids = v;
		}
		f->slot = parent->nkids;
		parent->kids[parent->nkids++] = f;
	}
	if (b->nfields == b->capfields) {
		size_t	 cap = b->capfields ? b->capfields * 2 : 64;
		void	*p = realloc(b->fields, cap * sizeof(*b->fields));

		if (p == NULL) {
			nomem(b);
			return NULL;
		}
		b->fields = p;
		b->capfields = cap;
	}
	f->index = b->nfields;
	b->fields[b->nfields++] = f;
	return f;
}

/* Raw expression text per field, parsed in pass 3. */
enum { X_RELEVANT, X_CONSTRAINT, X_CALCULATION, X_REQUIRED, X_READONLY,
	X_CHOICE_FILTER, X_REPEAT_COUNT, X_DEFAULT, X_TRIGGER, X_N };

static const enum col_key xcol[X_N] = {
	COL_RELEVANT, COL_CONSTRAINT, COL_CALCULATION, COL_REQUIRED,
	COL_READONLY, COL_CHOICE_FILTER, COL_REPEAT_COUNT, COL_DEFAULT,
	COL_TRIGGER,
};

struct pending {
	char	*src[X_N];
	int	 loopcopy;	/* made by a loop: its name repeats */
	size_t	 list;		/* selects: 1 + the list's index in
				 * b->lists, which may move while it grows;
				 * field->list is set at the end */
};

static struct pending *
pending_of(struct builder *b, struct field *f)
{
	if (f->index >= b->pendcap) {
		size_t	 cap = b->pendcap ? b->pendcap * 2 : 64;
		void	*p;

		while (cap <= f->index)
			cap *= 2;
		if ((p = realloc(b->pend, cap * sizeof(*b->pend))) == NULL) {
			nomem(b);
			return NULL;
		}
		memset((struct pending *)p + b->pendcap, 0,
		    (cap - b->pendcap) * sizeof(*b->pend));
		b->pend = p;
		b->pendcap = cap;
	}
	return &b->pend[f->index];
}

static int
yes_no(const char *s, int *v)
{
	char	low[32];

	fold(s, low, sizeof(low));
	if (!strcmp(low, "yes") || !strcmp(low, "true") ||
	    !strcmp(low, "true()") || !strcmp(low, "1")) {
		*v = 1;
		return 1;
	}
	if (!strcmp(low, "no") || !strcmp(low, "false") ||
	    !strcmp(low, "false()") || !strcmp(low, "0")) {
		*v = 0;
		return 1;
	}
	return 0;
}

/* Fill a new field's columns from its row. */
static void
read_field_row(struct builder *b, struct field *f, const struct wb_row *r,
    const struct parsed_type *t, const struct choice *loop)
{
	const struct cols	*cs = &b->scols;
	struct pending		*p;
	int			 i, yn;

	f->type = get(b, cs, r, COL_TYPE);
	f->meta = (char *)t->meta;
	f->or_other = t->or_other;
	read_text(b, cs, r, COL_LABEL, &f->label, loop);
	read_text(b, cs, r, COL_HINT, &f->hint, loop);
	read_text(b, cs, r, COL_CONSTRAINT_MSG, &f->constraint_msg, loop);
	read_text(b, cs, r, COL_REQUIRED_MSG, &f->required_msg, loop);
	f->appearance = get(b, cs, r, COL_APPEARANCE);
	f->parameters = get(b, cs, r, COL_PARAMETERS);
	if ((p = pending_of(b, f)) == NULL)
		return;
	for (i = 0; i < X_N; i++)
		p->src[i] = get(b, cs, r, xcol[i]);
	p->loopcopy = loop != NULL;
	/* required / read_only: yes/no words or an expression */
	if (p->src[X_REQUIRED] != NULL && yes_no(p->src[X_REQUIRED], &yn))
		p->src[X_REQUIRED] = yn ? adup(b, "true()") : NULL;
	if (p->src[X_READONLY] != NULL && yes_no(p->src[X_READONLY], &yn))
		p->src[X_READONLY] = yn ? adup(b, "true()") : NULL;
}

int
field_shown(const struct field *f)
{
	switch (f->kind) {
	case FK_GROUP:
	case FK_REPEAT:
	case FK_CALCULATE:
	case FK_HIDDEN:
	case FK_META:
		return 0;
	default:
		return 1;
	}
}

/* ------------------------------------------------------------------ */
/* range questions                                                      */

/*
 * The numbers of a range are exact decimals m / 10^scale with at most
 * DEC_DIGITS digits: a step of 0.1 must accept 0.3, which binary
 * doubles (0.1 + 0.1 + 0.1 != 0.3) would refuse. 15 digits keep every
 * sum and difference of two of them inside int64_t after rescaling.
 */
#define DEC_DIGITS	15
#define DEC_LIMIT	1000000000000000LL	/* 10^DEC_DIGITS */

/*
 * A decimal's text ("-2", "0.50", "1e3", ".5", blanks around) to m and
 * scale, trailing zeros of the fraction dropped (so "2.0" has scale 0).
 * 0 ok, 1 not a number, 2 a number of more than DEC_DIGITS significant
 * digits or scale (after the exponent) beyond DEC_DIGITS.
 */
static int
dec_parse(const char *s, int64_t *m, int *scale)
{
	int64_t	v = 0;
	int	neg = 0, digits = 0, frac = 0, point = 0, any = 0, big = 0;
	int	zeros = 0;	/* fraction zeros not yet counted */
	long	ex = 0;

	*m = 0;
	*scale = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (;; s++) {
		if (*s == '.' && !point) {
			point = 1;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		any = 1;
		if (point && *s == '0') {
			zeros++;	/* counts only if a digit follows */
			continue;
		}
		for (; zeros > 0; zeros--) {
			if (digits > 0 || v != 0)
				digits++;
			if (digits > DEC_DIGITS)
				big = 1;
			else
				v *= 10;
			frac++;
		}
		if (v != 0 || *s != '0')
			digits++;
		if (digits > DEC_DIGITS) {
			big = 1;
			continue;
		}
		v = v * 10 + (*s - '0');
		if (point)
			frac++;
	}
	if (!any)
		return 1;
	if (*s == 'e' || *s == 'E') {
		int	eneg = 0, edig = 0;

		s++;
		if (*s == '+' || *s == '-')
			eneg = *s++ == '-';
		for (; isdigit((unsigned char)*s); s++, edig++)
			if (ex < 1000)
				ex = ex * 10 + (*s - '0');
		if (edig == 0)
			return 1;
		if (eneg)
			ex = -ex;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0')
		return 1;
	if (big)
		return 2;
	ex = frac - ex;		/* the scale */
	for (; ex < 0; ex++) {
		if (v >= DEC_LIMIT / 10 && v != 0)
			return 2;
		v *= 10;
	}
	for (; ex > 0 && v % 10 == 0 && v != 0; ex--)
		v /= 10;
	if (v == 0)
		ex = 0;
	if (ex > DEC_DIGITS || v >= DEC_LIMIT)
		return 2;
	*m = neg ? -v : v;
	*scale = (int)ex;
	return 0;
}

/* m / 10^from as a number of scale to (>= from); 0, or -1 when it does
 * not fit in DEC_DIGITS digits. */
static int
dec_rescale(int64_t *m, int from, int to)
{
	for (; from < to; from++) {
		if (*m >= DEC_LIMIT / 10 || *m <= -DEC_LIMIT / 10)
			return -1;
		*m *= 10;
	}
	return 0;
}

static char	*param(struct builder *, const char *, const char *);

/* pyxform's parameters of a range (validators/pyxform/question_types/
 * range.py): any other is refused there, and so here. */
static const char *const range_params[] = { "start", "end", "step",
    "tick_interval", "placeholder", "tick_labelset" };

/*
 * tick_labelset: a list of the choices sheet whose names are values of
 * the range v (start, end, step, tick_interval, placeholder at scale),
 * on the ticks when tick_interval is given; 0 after a problem.
 */
static int
range_labels_ok(struct builder *b, const struct wb_row *r, const char *name,
    const int64_t v[5], int scale, const char *const text[5])
{
	const char		*sheet = b->survey->name;
	const char		*col = col_header(&b->scols, COL_PARAMETERS);
	const struct choice_list *l;
	int64_t			 x, every = text[3] != NULL ? v[3] : v[2];
	int			 sc;
	size_t			 i;

	if ((l = find_list(b, name, LIST_CHOICES)) == NULL) {
		col_problem(b, sheet, r->line, col, _("range parameter "
		    "'tick_labelset': unknown choice list '%s'"), name);
		return 0;
	}
	for (i = 0; i < l->n; i++) {
		if (dec_parse(l->v[i].name, &x, &sc) != 0 || sc > scale ||
		    dec_rescale(&x, sc, scale) != 0 ||
		    x < (v[0] < v[1] ? v[0] : v[1]) ||
		    x > (v[0] < v[1] ? v[1] : v[0]) ||
		    (x - v[0]) % every != 0) {
			col_problem(b, sheet, r->line, col, _("range parameter "
			    "'tick_labelset': choice '%s' of '%s' is not a "
			    "tick of the range: from %s to %s in steps of %s"),
			    l->v[i].name, name, text[0], text[1],
			    text[3] != NULL ? text[3] : text[2]);
			return 0;
		}
	}
	return 1;
}

/*
 * A range question: its parameters checked as pyxform checks them at
 * convert time (each a number, step not 0 nor wider than the range, a
 * tick_interval or placeholder on the steps and inside), each problem at
 * the row's parameters cell; the question is ODK's int unless one of the
 * numbers has a fraction (then decimal, as pyxform binds it).
 */
static void
build_range(struct builder *b, struct field *f, const struct wb_row *r)
{
	const char		*sheet = b->survey->name;
	const char		*col = col_header(&b->scols, COL_PARAMETERS);
	const char		*names[5] = { "start", "end", "step",
	    "tick_interval", "placeholder" };
	const char		*defaults[5] = { "1", "10", "1", NULL, NULL };
	const char		*text[5], *p;
	struct field_range	*rg;
	int64_t			 v[5], width;
	int			 sc[5], scale = 0, frac = 0, i, rc;
	size_t			 k, n;

	for (p = f->parameters; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " ,;\t");
		if ((n = strcspn(p, " ,;\t")) == 0)
			break;
		for (k = 0; k < sizeof(range_params) / sizeof(*range_params);
		    k++)
			if (strncasecmp(p, range_params[k],
			    strlen(range_params[k])) == 0 &&
			    p[strlen(range_params[k])] == '=')
				break;
		if (k == sizeof(range_params) / sizeof(*range_params)) {
			col_problem(b, sheet, r->line, col, _("'%.*s' is not "
			    "a parameter of range (start=, end=, step=, "
			    "tick_interval=, placeholder=, tick_labelset=)"),
			    (int)(n > 64 ? 64 : n), p);
			return;
		}
	}
	for (i = 0; i < 5; i++) {
		if ((text[i] = param(b, f->parameters, names[i])) == NULL)
			text[i] = defaults[i];
		if (text[i] == NULL)
			continue;
		if ((rc = dec_parse(text[i], &v[i], &sc[i])) != 0) {
			col_problem(b, sheet, r->line, col, rc == 1 ?
			    _("range parameter '%s' must be a number, not "
			    "'%s'") : _("range parameter '%s' has more than "
			    "15 digits: '%s'"), names[i], text[i]);
			return;
		}
		if (sc[i] > scale)
			scale = sc[i];
		if (sc[i] > 0)
			frac = 1;
	}
	for (i = 0; i < 5; i++)
		if (text[i] != NULL && dec_rescale(&v[i], sc[i], scale) != 0) {
			col_problem(b, sheet, r->line, col, _("range "
			    "parameter '%s' has more than 15 digits: '%s'"),
			    names[i], text[i]);
			return;
		}
	width = v[1] > v[0] ? v[1] - v[0] : v[0] - v[1];
	for (i = 2; i < 5; i++) {
		if (text[i] == NULL || i == 4)
			continue;
		if (v[i] == 0) {
			col_problem(b, sheet, r->line, col, _("range "
			    "parameter '%s' must not be 0"), names[i]);
			return;
		}
		if (v[i] > width) {
			col_problem(b, sheet, r->line, col, _("range "
			    "parameter '%s' (%s) must not be larger than the "
			    "range from %s to %s"), names[i], text[i],
			    text[0], text[1]);
			return;
		}
		if (i == 3 && v[3] % v[2] != 0) {
			col_problem(b, sheet, r->line, col, _("range "
			    "parameter '%s' (%s) must be a multiple of the "
			    "step (%s)"), names[i], text[i], text[2]);
			return;
		}
	}
	if (text[4] != NULL && ((v[4] - v[0]) % v[2] != 0 ||
	    v[4] < (v[0] < v[1] ? v[0] : v[1]) ||
	    v[4] > (v[0] < v[1] ? v[1] : v[0]))) {
		col_problem(b, sheet, r->line, col, _("range parameter "
		    "'placeholder' (%s) must be a value of the range: from "
		    "%s to %s in steps of %s"), text[4], text[0], text[1],
		    text[2]);
		return;
	}
	if ((p = param(b, f->parameters, "tick_labelset")) != NULL &&
	    !range_labels_ok(b, r, p, v, scale, text))
		return;
	if ((rg = arena_alloc(&b->f->arena, sizeof(*rg))) == NULL) {
		nomem(b);
		return;
	}
	rg->start = v[0];
	rg->end = v[1];
	rg->step = v[2] < 0 ? -v[2] : v[2];
	rg->scale = scale;
	rg->start_text = text[0];
	rg->end_text = text[1];
	rg->step_text = text[2];
	f->range = rg;
	if (frac)
		f->kind = FK_DECIMAL;
}

int
field_range_check(const struct field *f, const char *value, struct err *e)
{
	const struct field_range	*rg = f->range;
	int64_t				 v, lo, hi;
	int				 sc, exact;
	double				 d;

	if (rg == NULL)
		return 0;
	lo = rg->start < rg->end ? rg->start : rg->end;
	hi = rg->start < rg->end ? rg->end : rg->start;
	exact = dec_parse(value, &v, &sc) == 0 && sc <= rg->scale &&
	    dec_rescale(&v, sc, rg->scale) == 0;
	if (!exact) {
		/* More digits than any value of the range has: outside it,
		 * or between two of its steps. */
		d = strtod(value, NULL);
		for (sc = 0; sc < rg->scale; sc++)
			d *= 10;
		if (d < (double)lo || d > (double)hi)
			v = d < (double)lo ? lo - 1 : hi + 1;
		else
			v = lo;
	}
	if (v < lo || v > hi)
		return err_set(e, ERR_INPUT, _("'%s' is out of range: from %s "
		    "to %s"), value, rg->start_text, rg->end_text);
	if (!exact || (v - rg->start) % rg->step != 0)
		return err_set(e, ERR_INPUT, _("'%s' is not on the scale: "
		    "from %s to %s in steps of %s"), value, rg->start_text,
		    rg->end_text, rg->step_text);
	return 0;
}

static const char *
row_word(enum row_kind k)
{
	switch (k) {
	case ROW_BEGIN_GROUP:
	case ROW_END_GROUP:
		return "group";
	case ROW_BEGIN_REPEAT:
	case ROW_END_REPEAT:
		return "repeat";
	default:
		return "loop";
	}
}

/* Names must be unique among siblings (they are XML elements). */
static void
check_sibling(struct builder *b, struct field *parent, struct field *f,
    const struct wb_row *r)
{
	long	i = idx_find(&b->sib_idx, b->fields, field_key, parent,
		    f->name);

	if (i >= 0) {
		col_problem(b, b->survey->name, r->line,
		    col_header(&b->scols, COL_NAME),
		    _("duplicate name '%s' (also on row %d)"), f->name,
		    b->fields[i]->row);
		return;
	}
	if (idx_add(&b->sib_idx, NULL, b->fields, field_key, f->index) != 0)
		nomem(b);
}

/*
 * "select_one L or_other": pyxform adds the choice "other" to L and, right
 * after the question, a text question "<name>_other" asked when "other" is
 * chosen. ODK shows both; so do we. Their labels are the program's words,
 * not the form's (pyxform writes them in English), so they go through
 * gettext.
 */
static void
add_other(struct builder *b, struct field *parent, struct field *sel,
    const struct wb_row *r)
{
	struct choice_list	*l;
	struct field		*o;
	struct pending		*p;
	char			*name;
	size_t			 i;

	if ((p = pending_of(b, sel)) == NULL || p->list == 0)
		return;		/* no list: said already */
	l = &b->lists[p->list - 1];
	if (form_choice(l, "other") == NULL) {
		struct choice	*v = aalloc(b, (l->n + 1) * sizeof(*v));

		if (v == NULL)
			return;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		memset(&v[l->n], 0, sizeof(*v));
		v[l->n].name = adup(b, "other");
		v[l->n].row = r->line;
		if ((v[l->n].label.v = aalloc(b, b->f->nlangs *
		    sizeof(char *))) == NULL)
			return;
		for (i = 0; i < b->f->nlangs; i++)
			v[l->n].label.v[i] = adup(b, _("Other"));
		/* every choice was read before the survey: nothing else
		 * appends to the list after this */
		l->v = v;
		l->n++;
		index_choice(b, l);
	}
	if ((name = arena_printf(&b->f->arena, "%s_other", sel->name)) ==
	    NULL) {
		nomem(b);
		return;
	}
	if ((o = new_field(b, parent, FK_TEXT, name, r->line)) == NULL)
		return;
	o->type = adup(b, "text");
	if ((o->label.v = aalloc(b, b->f->nlangs * sizeof(char *))) == NULL)
		return;
	for (i = 0; i < b->f->nlangs; i++)
		o->label.v[i] = adup(b, _("Specify other."));
	o->hint.v = aalloc(b, b->f->nlangs * sizeof(char *));
	o->constraint_msg.v = aalloc(b, b->f->nlangs * sizeof(char *));
	o->required_msg.v = aalloc(b, b->f->nlangs * sizeof(char *));
	if ((p = pending_of(b, o)) == NULL)
		return;
	p->src[X_RELEVANT] = arena_printf(&b->f->arena,
	    "selected(${%s}, 'other')", sel->name);
}

/* Nesting past FORM_MAX_DEPTH is refused: building, walking and
 * evaluating all recurse along it. The rest of the sheet is not read. */
static int
too_deep(struct builder *b, const struct field *parent,
    const struct wb_row *r)
{
	if (parent->depth + 2 <= FORM_MAX_DEPTH)
		return 0;
	if (!b->too_deep)
		problem(b, DIAG_ERROR, b->survey->name, r->line,
		    _("groups and repeats nested more than %d deep"),
		    FORM_MAX_DEPTH);
	b->too_deep = 1;
	return 1;
}

static void	build_block(struct builder *, struct field *, size_t *,
		    enum row_kind, int, const struct choice *);

/*
 * "begin loop over L": a group named name holding a group per choice of L,
 * the rows up to "end loop" built again in each with %(label)s and
 * %(name)s replaced (pyxform's loop). Problems are reported once.
 */
static int
build_loop(struct builder *b, struct field *parent, size_t *i,
    const struct wb_row *r, const char *name, const struct parsed_type *t,
    const struct choice *loop)
{
	const struct wb_sheet		*sh = b->survey;
	const struct cols		*cs = &b->scols;
	const struct choice_list	*l;
	const struct choice		*cv;
	struct field			*f, *g;
	size_t				 k, cn, start = *i;
	int				 quiet = b->quiet;

	if (too_deep(b, parent, r))
		return -1;
	if (name == NULL || !valid_name(name)) {
		col_problem(b, sh->name, r->line, col_header(cs, COL_NAME),
		    _("'begin loop' needs a valid name"));
		name = "loop";
	}
	if ((f = new_field(b, parent, FK_GROUP, name, r->line)) == NULL)
		return -1;
	check_sibling(b, parent, f, r);
	read_field_row(b, f, r, t, loop);
	if ((l = find_list(b, t->list, LIST_CHOICES)) == NULL)
		col_problem(b, sh->name, r->line, col_header(cs, COL_TYPE),
		    _("unknown choice list '%s'"), t->list);
	if (l == NULL || l->n == 0) {
		/* still consume the rows, into nothing */
		struct field	scratch;

		memset(&scratch, 0, sizeof(scratch));
		scratch.kind = FK_GROUP;
		build_block(b, &scratch, i, ROW_END_LOOP, r->line, NULL);
		return 0;
	}
	/* b->lists may move as the rows add attachments; l->v does not */
	cv = l->v;
	cn = l->n;
	for (k = 0; k < cn; k++) {
		*i = start;
		if ((g = new_field(b, f, FK_GROUP, cv[k].name, r->line)) ==
		    NULL)
			return -1;
		g->label = cv[k].label;
		build_block(b, g, i, ROW_END_LOOP, r->line, &cv[k]);
		b->quiet = 1;
	}
	b->quiet = quiet;
	return 0;
}

/* The value of key in a parameters cell ("value=id label=nombre",
 * pyxform's separators: blanks, ',' or ';'), in the arena; NULL if
 * absent. */
static char *
param(struct builder *b, const char *params, const char *key)
{
	const char	*p = params, *end;
	size_t		 k = strlen(key);

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',' || *p == ';' || *p == '\t')
			p++;
		end = p + strcspn(p, " ,;\t");
		if ((size_t)(end - p) > k + 1 && strncasecmp(p, key, k) == 0 &&
		    p[k] == '=')
			return arena_strndup(&b->f->arena, p + k + 1,
			    (size_t)(end - p) - k - 1);
		p = end;
	}
	return NULL;
}

/* Whether file can be an attachment read as a list; a problem if not. */
static int
list_file_ok(struct builder *b, const struct wb_row *r, const char *file)
{
	const struct cols	*cs = &b->scols;
	const char		*dot = strrchr(file, '.');

	if (!media_name_ok(file)) {
		col_problem(b, b->survey->name, r->line,
		    col_header(cs, COL_TYPE), _("attachment '%s': a file "
		    "name in the form's media folder, without '/' or a "
		    "leading '.'"), file);
		return 0;
	}
	if (dot == NULL || (strcasecmp(dot, ".csv") != 0 &&
	    strcasecmp(dot, ".xml") != 0 && strcasecmp(dot, ".geojson") !=
	    0)) {
		col_problem(b, b->survey->name, r->line,
		    col_header(cs, COL_TYPE), _("attachment '%s': a list "
		    "file ends in .csv, .xml or .geojson"), file);
		return 0;
	}
	return 1;
}

/* A csv-external or xml-external row: no field, an attachment the
 * expressions read as instance('name'). */
static void
declare_external(struct builder *b, const struct wb_row *r,
    const char *name, int xml)
{
	char	*file;

	if (name == NULL || !valid_name(name)) {
		col_problem(b, b->survey->name, r->line,
		    col_header(&b->scols, COL_NAME), _("'%s' needs a valid "
		    "name: the file is name.%s"), xml ? "xml-external" :
		    "csv-external", xml ? "xml" : "csv");
		return;
	}
	if ((file = arena_printf(&b->f->arena, "%s.%s", name, xml ? "xml" :
	    "csv")) == NULL) {
		nomem(b);
		return;
	}
	if (list_file_ok(b, r, file))
		file_list(b, file, NULL, NULL, r->line);
}

/* A question, a calculation or metadata: one field from one row. */
static int
build_question(struct builder *b, struct field *parent,
    const struct wb_row *r, const char *type, const char *name,
    const struct parsed_type *t, const struct choice *loop)
{
	const struct wb_sheet	*sh = b->survey;
	const struct cols	*cs = &b->scols;
	struct field		*f;

	if (t->external >= 3) {
		declare_external(b, r, name, t->external == 4);
		return 0;
	}
	if (name == NULL && t->kind == FK_NOTE) {
		/* pyxform names unnamed notes after their row */
		name = arena_printf(&b->f->arena, "generated_note_name_%d",
		    r->line);
		if (name == NULL) {
			nomem(b);
			return -1;
		}
	}
	if (name == NULL) {
		col_problem(b, sh->name, r->line, col_header(cs, COL_NAME),
		    _("a '%s' row needs a name"), type);
		return 0;
	}
	if (!valid_name(name)) {
		col_problem(b, sh->name, r->line, col_header(cs, COL_NAME),
		    _("invalid name '%s': use letters, digits, '_', '-', "
		    "'.', starting with a letter"), name);
		return 0;
	}
	if ((f = new_field(b, parent, t->kind, name, r->line)) == NULL)
		return -1;
	check_sibling(b, parent, f, r);
	read_field_row(b, f, r, t, loop);
	if (t->kind == FK_SELECT_ONE || t->kind == FK_SELECT_MULTIPLE) {
		const struct choice_list	*l = NULL;
		struct pending			*p;

		if (t->external == 2) {
			/* ODK's media folder: read by form_attach */
			if (list_file_ok(b, r, t->list))
				l = file_list(b, t->list,
				    param(b, f->parameters, "value"),
				    param(b, f->parameters, "label"),
				    r->line);
		} else if ((l = find_list(b, t->list, t->external ?
		    LIST_EXTERNAL : LIST_CHOICES)) == NULL) {
			col_problem(b, sh->name, r->line,
			    col_header(cs, COL_TYPE), t->external ?
			    _("unknown list '%s' of the external_choices "
			    "sheet") : _("unknown choice list '%s'"),
			    t->list);
		}
		if (l != NULL && (p = pending_of(b, f)) != NULL)
			p->list = (size_t)(l - b->lists) + 1;
	}
	if (f->kind == FK_INTEGER && f->type != NULL &&
	    strncasecmp(f->type, "range", 5) == 0)
		build_range(b, f, r);
	if (t->by_hand)
		problem(b, DIAG_WARNING, sh->name, r->line, _("type '%s' of "
		    "'%s' has no scanner here: the code is typed by hand"),
		    type, name);
	if (f->or_other && t->external != 2)
		add_other(b, parent, f, r);
	else if (f->or_other)
		col_problem(b, sh->name, r->line, col_header(cs, COL_TYPE),
		    _("'or_other' is for lists of the choices sheet, not "
		    "'%s'"), t->list);
	if (f->kind == FK_UNSUPPORTED) {
		b->f->nunsupported++;
		problem(b, DIAG_WARNING, sh->name, r->line, _("type '%s' of "
		    "'%s' cannot be filled in the terminal: the question will "
		    "be left empty"), type, name);
	}
	if (field_shown(f) && f->kind != FK_UNSUPPORTED &&
	    !has_text(b->f, &f->label) && !has_text(b->f, &f->hint) &&
	    !row_has(cs, r, COL_MEDIA))
		col_problem(b, sh->name, r->line, col_header(cs, COL_LABEL),
		    _("question '%s' has no label"), name);
	if (f->kind == FK_CALCULATE &&
	    pending_of(b, f)->src[X_CALCULATION] == NULL)
		col_problem(b, sh->name, r->line,
		    col_header(cs, COL_CALCULATION),
		    _("calculate '%s' has no calculation"), name);
	return 0;
}

/*
 * Build the rows from *i into parent until the row that ends it (end),
 * which is consumed. open_row is the row of the begin, for the message
 * when the end never comes.
 */
static void
build_block(struct builder *b, struct field *parent, size_t *i,
    enum row_kind end, int open_row, const struct choice *loop)
{
	const struct wb_sheet	*sh = b->survey;
	const struct cols	*cs = &b->scols;

	while (*i < sh->nrows && !b->nomem && !b->too_deep) {
		const struct wb_row	*r = &sh->rows[*i];
		char			*type = get(b, cs, r, COL_TYPE);
		char			*name = get(b, cs, r, COL_NAME);
		struct parsed_type	 t;
		struct field		*f;

		(*i)++;
		if (type == NULL) {
			if (name != NULL)
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_TYPE),
				    _("question '%s' has no type"), name);
			continue;
		}
		if (parse_type(type, &t) != 0) {
			if (t.row == ROW_UNKNOWN)
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_TYPE),
				    _("unknown type '%s'"), type);
			else
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_TYPE),
				    _("type '%s' names no choice list"),
				    type);
			continue;
		}
		switch (t.row) {
		case ROW_END_GROUP:
		case ROW_END_REPEAT:
		case ROW_END_LOOP:
			if (t.row == end)
				return;
			if (end == ROW_FIELD)
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_TYPE),
				    _("'end %s' without 'begin %s'"),
				    row_word(t.row), row_word(t.row));
			else
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_TYPE),
				    _("'end %s' where 'end %s' was expected "
				    "(for the 'begin %s' on row %d)"),
				    row_word(t.row), row_word(end),
				    row_word(end), open_row);
			continue;
		case ROW_BEGIN_GROUP:
		case ROW_BEGIN_REPEAT:
			if (too_deep(b, parent, r))
				return;
			if (name == NULL) {
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_NAME),
				    _("'begin %s' without a name"),
				    row_word(t.row));
				name = arena_printf(&b->f->arena, "%s_row%d",
				    row_word(t.row), r->line);
				if (name == NULL) {
					nomem(b);
					return;
				}
			} else if (!valid_name(name))
				col_problem(b, sh->name, r->line,
				    col_header(cs, COL_NAME),
				    _("invalid name '%s': use letters, "
				    "digits, '_', '-', '.', starting with a "
				    "letter"), name);
			f = new_field(b, parent, t.row == ROW_BEGIN_GROUP ?
			    FK_GROUP : FK_REPEAT, name, r->line);
			if (f == NULL)
				return;
			check_sibling(b, parent, f, r);
			read_field_row(b, f, r, &t, loop);
			build_block(b, f, i, t.row == ROW_BEGIN_GROUP ?
			    ROW_END_GROUP : ROW_END_REPEAT, r->line, loop);
			continue;
		case ROW_BEGIN_LOOP:
			if (build_loop(b, parent, i, r, name, &t, loop) != 0)
				return;
			continue;
		default:
			break;
		}

		if (build_question(b, parent, r, type, name, &t, loop) != 0)
			return;
	}
	if (end != ROW_FIELD && !b->nomem && !b->too_deep)
		problem(b, DIAG_ERROR, sh->name, open_row,
		    _("'begin %s' without 'end %s'"), row_word(end),
		    row_word(end));
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */

static char *
stem(struct builder *b, const char *file)
{
	const char	*base = strrchr(file, '/');
	const char	*dot;

	base = base != NULL ? base + 1 : file;
	dot = strchr(base, '.');
	return arena_strndup(&b->f->arena, base,
	    dot != NULL ? (size_t)(dot - base) : strlen(base));
}

/*
 * What a form id or version may be: anything pyxform accepts ("Spec
 * test" too) but what breaks a line of 'forms list', a file name or an
 * address (ODK Central puts the id in its URLs): NULL, or what is wrong.
 */
static const char *
bad_setting(const char *s)
{
	const unsigned char	*p;

	if (*s == '\0')
		return _("it is empty");
	if (strlen(s) > FORM_MAX_ID_LEN)
		return _("it is longer than 255 bytes");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return _("it has a line break or another control "
			    "character");
		if (*p == '/' || *p == '\\')
			return _("it has a '/' or a '\\'");
	}
	return NULL;
}

/* s as a message may show it: 40 bytes at most, a control character as
 * '?', so that the message stays on one line. */
static const char *
shown(const char *s, char out[48])
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < 40; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	while (i > 0 && s[i] != '\0' && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;	/* not in the middle of a character */
	memcpy(out + i, s[i] != '\0' ? "..." : "", s[i] != '\0' ? 4 : 1);
	return out;
}

static void
read_settings(struct builder *b, const char *file, char **default_lang)
{
	const struct wb_sheet	*sh = b->settings;
	const char		*why, *id_col = NULL, *version_col = NULL;
	char			 tmp[48];
	size_t			 i;
	int			 line = 0;

	*default_lang = NULL;
	b->f->version = "";
	if (sh != NULL && sh->nrows >= 2) {
		const struct wb_row	*h = &sh->rows[0], *v = &sh->rows[1];

		line = v->line;
		for (i = 0; i < h->ncells; i++) {
			char	 low[64];
			char	*val = cell(b, v, (int)i);

			if (h->cells[i] == NULL || val == NULL)
				continue;
			fold(h->cells[i], low, sizeof(low));
			/* pyxform's aliases.settings_header too */
			if (!strcmp(low, "form_id") ||
			    !strcmp(low, "id_string") ||
			    !strcmp(low, "set_form_id")) {
				b->f->id = val;
				id_col = h->cells[i];
			} else if (!strcmp(low, "form_title") ||
			    !strcmp(low, "title") ||
			    !strcmp(low, "set_form_title"))
				b->f->title = val;
			else if (!strcmp(low, "version")) {
				b->f->version = val;
				version_col = h->cells[i];
			}
			else if (!strcmp(low, "default_language"))
				*default_lang = val;
			else if (!strcmp(low, "instance_name"))
				b->instance_name_src = val;
			else if (!strcmp(low, "allow_choice_duplicates"))
				yes_no(val, &b->allow_dups);
		}
	}
	if (b->f->id == NULL)
		b->f->id = stem(b, file);
	if (b->f->id != NULL && (why = bad_setting(b->f->id)) != NULL) {
		if (id_col != NULL)
			col_problem(b, "settings", line, id_col, _("form id "
			    "'%s': %s"), shown(b->f->id, tmp), why);
		else
			problem(b, DIAG_ERROR, NULL, 0, _("form id '%s' (the "
			    "file's name, as no settings sheet gives "
			    "form_id): %s"), shown(b->f->id, tmp), why);
	}
	if (version_col != NULL && (why = bad_setting(b->f->version)) !=
	    NULL)
		col_problem(b, "settings", line, version_col, _("version "
		    "'%s': %s"), shown(b->f->version, tmp), why);
	if (b->f->title == NULL)
		b->f->title = b->f->id;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

static const char *
xcol_header(struct builder *b, int x)
{
	const char	*h = col_header(&b->scols, xcol[x]);

	return h != NULL ? h : _("expression");
}

/* A default is an expression when it calls a function or names a
 * question (pyxform's dynamic defaults); otherwise a literal. */
static int
dynamic_default(const char *s)
{
	return strstr(s, "${") != NULL || strchr(s, '(') != NULL;
}

/* pyxform and ODK accept "age > 3", which reads as empty; nearly always
 * the author meant ${age}. */
static void
stray_warning(struct builder *b, const struct expr *x, const struct field *f,
    const char *sheet, int row, const char *column)
{
	const char	*name = expr_stray_name(x, f);

	if (name == NULL)
		return;
	if (form_field(b->f, name) != NULL)
		diags_add(b->d, DIAG_WARNING, sheet, row, column, _("'%s' "
		    "reads as empty here: write ${%s} for the answer to "
		    "'%s'"), name, name, name);
	else
		diags_add(b->d, DIAG_WARNING, sheet, row, column, _("'%s' "
		    "names nothing here and reads as empty"), name);
}

static struct expr *
parse_bind(struct builder *b, const char *src, const struct field *f,
    const char *sheet, int row, const char *column)
{
	struct expr	*x = NULL;
	struct err	 e;
	size_t		 pos = 0;

	err_init(&e);
	/* Past the budget, nothing more is parsed (and one error said): a
	 * 16 KB .xlsx whose 1,000 cells share one 64 KB string must not
	 * become gigabytes of trees. */
	if (b->expr_nodes > FORM_MAX_EXPR_NODES)
		return NULL;
	if (expr_parse(&b->f->arena, src, &x, &pos, &e) != 0) {
		if (e.code == ERR_NOMEM)
			nomem(b);
		else
			diags_add(b->d, DIAG_ERROR, sheet, row, column,
			    _("%s (at character %zu of '%s')"), e.msg,
			    pos, src);
		return NULL;
	}
	if ((b->expr_nodes += expr_size(x)) > FORM_MAX_EXPR_NODES) {
		diags_add(b->d, DIAG_ERROR, sheet, row, column, _("the form's "
		    "expressions have more than %u terms in all; stopped "
		    "here"), FORM_MAX_EXPR_NODES);
		return NULL;
	}
	err_init(&e);
	if (expr_bind(x, b->f, f, &e) != 0) {
		if (e.code == ERR_NOMEM)
			nomem(b);
		else
			diags_add(b->d, DIAG_ERROR, sheet, row, column, "%s",
			    e.msg);
		return NULL;
	}
	return x;
}

/*
 * pulldata('name', ...) reads the attachment name.csv: declared here, as
 * pyxform does, from the text (a regular expression there), before the
 * expressions are parsed, since binding needs every list.
 */
static void
declare_pulldata(struct builder *b)
{
	const char	*p, *q, *end;
	char		*file;
	size_t		 i;
	int		 x;

	for (i = 0; i < b->nfields && i < b->pendcap && !b->nomem; i++)
		for (x = 0; x < X_N; x++) {
			for (p = b->pend[i].src[x]; p != NULL &&
			    (p = strstr(p, "pulldata")) != NULL; p = q) {
				q = p + 8;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q++ != '(')
					continue;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q != '\'' && *q != '"')
					continue;
				if ((end = strchr(q + 1, *q)) == NULL)
					break;
				file = arena_printf(&b->f->arena, "%.*s.csv",
				    (int)(end - q - 1), q + 1);
				if (file == NULL) {
					nomem(b);
					return;
				}
				q = end;
				if (!media_name_ok(file))
					continue;	/* said at binding */
				file_list(b, file, NULL, NULL,
				    b->fields[i]->row);
			}
		}
}

static void
build_exprs(struct builder *b)
{
	size_t	i;
	int	x;

	for (i = 0; i < b->nfields && !b->nomem; i++) {
		struct field	 *f = b->fields[i];
		struct pending	 *p;
		struct expr	**slot[X_N];

		if (f->index >= b->pendcap)
			continue;
		p = &b->pend[f->index];
		slot[X_RELEVANT] = &f->relevant;
		slot[X_CONSTRAINT] = &f->constraint;
		slot[X_CALCULATION] = &f->calculation;
		slot[X_REQUIRED] = &f->required;
		slot[X_READONLY] = &f->readonly;
		slot[X_CHOICE_FILTER] = &f->choice_filter;
		slot[X_REPEAT_COUNT] = &f->repeat_count;
		slot[X_DEFAULT] = &f->default_expr;
		slot[X_TRIGGER] = &f->trigger;
		for (x = 0; x < X_N; x++) {
			if (p->src[x] == NULL)
				continue;
			if (x == X_DEFAULT && !dynamic_default(p->src[x])) {
				f->default_value = p->src[x];
				continue;
			}
			if (x == X_CHOICE_FILTER && f->list == NULL)
				continue;
			if (x == X_REPEAT_COUNT && f->kind != FK_REPEAT) {
				diags_add(b->d, DIAG_WARNING, "survey", f->row,
				    xcol_header(b, x), _("repeat_count on "
				    "'%s', which is not a repeat, is ignored"),
				    f->name);
				continue;
			}
			*slot[x] = parse_bind(b, p->src[x], f, "survey",
			    f->row, xcol_header(b, x));
			/* in a choice_filter, bare names are columns */
			if (*slot[x] != NULL && x != X_CHOICE_FILTER)
				stray_warning(b, *slot[x], f, "survey",
				    f->row, xcol_header(b, x));
		}
	}
	if (b->instance_name_src != NULL && !b->nomem)
		b->f->instance_name = parse_bind(b, b->instance_name_src,
		    b->f->root, "settings", 2, "instance_name");
}

/* ------------------------------------------------------------------ */
/* Languages                                                           */

/* "Español (es)" -> "es"; NULL when there is no "(code)". */
static char *
lang_code(struct builder *b, const char *name)
{
	const char	*open = strrchr(name, '('), *close;

	if (open == NULL || (close = strchr(open, ')')) == NULL ||
	    close[1] != '\0' || close - open < 3 || close - open > 16)
		return NULL;
	return arena_strndup(&b->f->arena, open + 1,
	    (size_t)(close - open - 1));
}

static void
finish_langs(struct builder *b, const char *default_lang)
{
	struct form	*f = b->f;
	size_t		 i;

	if (b->nlangs == 0)
		lang_index(b, "default");
	f->nlangs = b->nlangs;
	if ((f->langs = aalloc(b, b->nlangs * sizeof(*f->langs))) == NULL)
		return;
	for (i = 0; i < b->nlangs; i++) {
		f->langs[i].name = b->langs[i];
		f->langs[i].code = lang_code(b, b->langs[i]);
	}
	f->default_lang = 0;
	for (i = 0; i < b->nlangs; i++)
		if (strcmp(b->langs[i], "default") == 0)
			f->default_lang = i;
	if (default_lang != NULL) {
		int	k = form_lang(f, default_lang);

		if (k >= 0)
			f->default_lang = (size_t)k;
		else
			diags_add(b->d, DIAG_WARNING, "settings", 2,
			    "default_language", _("default_language '%s' "
			    "is not a language of the form"), default_lang);
	}
}

/* Every translatable column of survey and choices names a language;
 * they must all be known before the first text is read. */
static void
scan_langs(struct builder *b)
{
	const struct wb_sheet	*sheets[3] = { b->survey, b->choices,
	    b->external };
	size_t			 s, i;

	for (s = 0; s < 3; s++) {
		const struct wb_row	*r;
		struct col		 c;

		if (sheets[s] == NULL || sheets[s]->nrows == 0)
			continue;
		r = &sheets[s]->rows[0];
		for (i = 0; i < r->ncells; i++)
			if (r->cells[i] != NULL)
				header(b, r->cells[i], &c);
	}
}

/* ------------------------------------------------------------------ */

/* The index in f->byname of the first field named name, or where it
 * would be. */
static size_t
byname_first(const struct form *f, const char *name)
{
	size_t	lo = 0, hi = f->nfields - 1;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (strcmp(f->byname[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * ${name} must name one question. Names repeat legitimately in different
 * groups (and in every copy a loop makes), but a reference to such a name
 * cannot say which one it means: pyxform refuses it, and so do we.
 */
struct ambiguity {
	struct builder		*b;
	const struct field	*owner;
	const char		*column;
};

static void
check_ref(const struct field *ref, void *arg)
{
	struct ambiguity	*a = arg;
	struct builder		*b = a->b;
	struct field		**v = b->f->byname;
	size_t			 i, n = 0;

	for (i = byname_first(b->f, ref->name); i < b->f->nfields - 1 &&
	    strcmp(v[i]->name, ref->name) == 0; i++)
		if (!b->pend[v[i]->index].loopcopy)
			n++;
	if (n > 1)
		diags_add(b->d, DIAG_ERROR, "survey", a->owner->row,
		    a->column, _("'${%s}' is ambiguous: %zu questions are "
		    "named '%s'"), ref->name, n, ref->name);
}

static void
check_ambiguous(struct builder *b)
{
	size_t	i;

	for (i = 1; i < b->nfields && i < b->pendcap; i++) {
		struct field		*f = b->fields[i];
		struct expr		*xs[] = { f->relevant, f->constraint,
		    f->calculation, f->required, f->readonly,
		    f->choice_filter, f->repeat_count, f->default_expr,
		    f->trigger };
		struct ambiguity	 a = { b, f, NULL };
		size_t			 k;

		if (b->pend[i].loopcopy)
			continue;
		for (k = 0; k < sizeof(xs) / sizeof(xs[0]); k++)
			if (xs[k] != NULL) {
				a.column = xcol_header(b, (int)k);
				expr_refs(xs[k], check_ref, &a);
			}
	}
}

static int
byname_cmp(const void *a, const void *b)
{
	const struct field	*x = *(struct field *const *)a;
	const struct field	*y = *(struct field *const *)b;
	int			 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* fn on every expression of the form (expr_prepare, expr_release). */
static void
each_expr(struct form *f, void (*fn)(struct expr *))
{
	const struct field	*k;
	size_t			 i;

	if (f->instance_name != NULL)
		fn(f->instance_name);
	for (i = 0; f->fields != NULL && i < f->nfields; i++) {
		if ((k = f->fields[i]) == NULL)
			continue;
		if (k->relevant != NULL)
			fn(k->relevant);
		if (k->constraint != NULL)
			fn(k->constraint);
		if (k->calculation != NULL)
			fn(k->calculation);
		if (k->required != NULL)
			fn(k->required);
		if (k->readonly != NULL)
			fn(k->readonly);
		if (k->choice_filter != NULL)
			fn(k->choice_filter);
		if (k->repeat_count != NULL)
			fn(k->repeat_count);
		if (k->default_expr != NULL)
			fn(k->default_expr);
		if (k->trigger != NULL)
			fn(k->trigger);
	}
}

int
form_build(const struct workbook *wb, const char *file, struct form **out,
    struct diags *d, struct err *e)
{
	struct builder	 b;
	struct form	*f;
	char		*default_lang;
	size_t		 i, row = 1;
	int		 rc = 0;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	arena_init(&f->arena, 0);
	memset(&b, 0, sizeof(b));
	b.f = f;
	b.d = d;
	b.e = e;
	b.wb = wb;
	f->file = adup(&b, file);

	b.survey = workbook_sheet(wb, "survey");
	b.choices = workbook_sheet(wb, "choices");
	b.settings = workbook_sheet(wb, "settings");
	b.external = workbook_sheet(wb, "external_choices");
	if (b.survey == NULL && wb->nsheets == 1 && b.choices == NULL &&
	    b.settings == NULL && b.external == NULL) {
		/* pyxform reads a lone sheet, whatever its name, as the
		 * survey */
		b.survey = &wb->sheets[0];
	}
	if (b.survey == NULL || b.survey->nrows == 0) {
		diags_add(d, DIAG_ERROR, NULL, 0, NULL,
		    _("no 'survey' sheet: is this an XLSForm?"));
		rc = ERR_INPUT;
		goto out;
	}

	/* pass 1: languages, settings */
	scan_langs(&b);
	read_settings(&b, file, &default_lang);
	finish_langs(&b, default_lang);

	/* pass 2: choices, then the survey's rows */
	read_choices(&b, b.choices, &b.ccols, LIST_CHOICES);
	if (b.external != NULL) {
		struct cols	ecols;

		read_choices(&b, b.external, &ecols, LIST_EXTERNAL);
	}
	if (read_header(&b, b.survey, &b.scols) != 0)
		goto out;
	if (b.scols.first[COL_TYPE] < 0 || b.scols.first[COL_NAME] < 0) {
		problem(&b, DIAG_ERROR, b.survey->name, b.survey->rows[0].line,
		    _("the first row of 'survey' must name the columns, "
		    "with at least 'type' and 'name'"));
		rc = ERR_INPUT;
		goto out;
	}
	/* The root is the instance's XML element: named after the form id,
	 * or pyxform's "data" when the id is no XML name ("Spec test"). */
	f->root = new_field(&b, NULL, FK_GROUP, valid_name(f->id) ? f->id :
	    "data", 0);
	if (f->root == NULL)
		goto out;
	build_block(&b, f->root, &row, ROW_FIELD, 0, NULL);
	declare_pulldata(&b);
	if (b.nomem)
		goto out;

	f->nfields = b.nfields;
	f->fields = aalloc(&b, b.nfields * sizeof(*f->fields));
	f->nlists = b.nlists;
	f->lists = aalloc(&b, (b.nlists + 1) * sizeof(*f->lists));
	if (f->fields == NULL || f->lists == NULL)
		goto out;
	memcpy(f->fields, b.fields, b.nfields * sizeof(*f->fields));
	/* the name index form_field() searches: every field but the root */
	if ((f->byname = aalloc(&b, b.nfields * sizeof(*f->byname))) == NULL)
		goto out;
	memcpy(f->byname, b.fields + 1, (b.nfields - 1) *
	    sizeof(*f->byname));
	qsort(f->byname, b.nfields - 1, sizeof(*f->byname), byname_cmp);
	if (b.nlists)
		memcpy(f->lists, b.lists, b.nlists * sizeof(*f->lists));
	f->list_idx = b.list_idx;	/* positions: the same in the copy */
	if (b.list_idx.cap > 0) {
		f->list_idx.slot = aalloc(&b, b.list_idx.cap *
		    sizeof(*f->list_idx.slot));
		if (f->list_idx.slot == NULL)
			goto out;
		memcpy(f->list_idx.slot, b.list_idx.slot, b.list_idx.cap *
		    sizeof(*f->list_idx.slot));
	}
	/* selects name their list by index: point into the arena copy */
	for (i = 0; i < f->nfields && i < b.pendcap; i++)
		if (b.pend[i].list > 0)
			f->fields[i]->list = &f->lists[b.pend[i].list - 1];
	while (form_media(f, f->nmedia) != NULL)
		f->nmedia++;

	/* pass 3: expressions, now that every field exists */
	build_exprs(&b);
	check_ambiguous(&b);
	translation_check(f, b.survey, d);
	translation_check(f, b.choices, d);
out:
	free(b.fields);
	free(b.lists);
	idx_release(&b.list_idx);
	idx_release(&b.sib_idx);
	free(b.pend);
	if (b.nomem) {
		form_free(f);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	if (rc == 0 && d->nerrors > 0)
		rc = ERR_INPUT;
	if (rc != 0) {
		form_free(f);
		return rc;
	}
	if ((rc = form_deps_new(f, &f->deps, e)) != 0) {
		form_free(f);
		return rc;
	}
	each_expr(f, expr_prepare);
	*out = f;
	return 0;
}

int
form_load(const char *file, const void *data, size_t len, struct form **out,
    struct diags *d, struct err *e)
{
	struct workbook	 wb;
	struct err	 le;
	const char	*msg;
	size_t		 n = strlen(file);
	int		 rc;

	*out = NULL;
	err_init(&le);
	if ((rc = workbook_load(&wb, file, data, len, &le)) != 0) {
		if (rc == ERR_NOMEM)
			return err_set(e, rc, "%s", le.msg);
		/* the loader names the file; the diagnostic's line does too */
		msg = le.msg;
		if (strncmp(msg, file, n) == 0 && strncmp(msg + n, ": ", 2) ==
		    0)
			msg += n + 2;
		diags_add(d, DIAG_ERROR, NULL, 0, NULL, "%s", msg);
		return rc;
	}
	rc = form_build(&wb, file, out, d, e);
	workbook_release(&wb);
	return rc;
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	form_deps_free(f->deps);
	each_expr(f, expr_release);
	arena_release(&f->arena);
	free(f);
}

/* The first field of that name in document order (binary search of the
 * name index; equal names are sorted by order). */
const struct field *
form_field(const struct form *f, const char *name)
{
	size_t	i = byname_first(f, name);

	if (i < f->nfields - 1 && strcmp(f->byname[i]->name, name) == 0)
		return f->byname[i];
	return NULL;
}

const struct choice_list *
form_list(const struct form *f, const char *name)
{
	long	i = idx_find(&f->list_idx, f->lists, list_key,
		    &list_scope[LIST_CHOICES], name);
	size_t	k;

	if (i < 0)
		i = idx_find(&f->list_idx, f->lists, list_key,
		    &list_scope[LIST_FILE], name);
	if (i >= 0)
		return &f->lists[i];
	for (k = f->list_idx.n; k < f->nlists; k++)
		if (f->lists[k].origin != LIST_EXTERNAL &&
		    strcmp(f->lists[k].name, name) == 0)
			return &f->lists[k];
	return NULL;
}

const struct choice *
form_choice(const struct choice_list *l, const char *name)
{
	long	i = idx_find(&l->idx, l, choice_key, NULL, name);
	size_t	k;

	if (l->index != NULL)
		return media_lookup(l, l->value_col, name);
	if (i >= 0)
		return &l->v[i];
	for (k = l->idx.n; k < l->n; k++)
		if (strcmp(l->v[k].name, name) == 0)
			return &l->v[k];
	return NULL;
}

int
form_lang(const struct form *f, const char *s)
{
	size_t	i;

	for (i = 0; i < f->nlangs; i++)
		if ((f->langs[i].code != NULL &&
		    strcasecmp(f->langs[i].code, s) == 0) ||
		    strcasecmp(f->langs[i].name, s) == 0)
			return (int)i;
	return -1;
}

const char *
form_text(const struct form *f, const struct text *t, size_t lang)
{
	size_t	i;

	if (t->v == NULL)
		return NULL;
	if (lang < f->nlangs && t->v[lang] != NULL)
		return t->v[lang];
	if (t->v[f->default_lang] != NULL)
		return t->v[f->default_lang];
	for (i = 0; i < f->nlangs; i++)
		if (t->v[i] != NULL)
			return t->v[i];
	return NULL;
}
