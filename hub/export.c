/*
 * export.c: a form's current submissions as the files analysts already
 * read (`hub export`; docs/coordinator.md, "Exports").
 *
 *   csv   ODK Central's layout, so that scripts written for Central's
 *         exports (R's ruODK, pyODK, their own) read it unchanged: a zip
 *         of FORM.csv, the main table, and one FORM-REPEAT.csv per repeat
 *         keyed by PARENT_KEY and KEY; group paths joined by '-'; each
 *         select_multiple also split into 0/1 columns NAME/CHOICE
 *   xlsx  the same tables as sheets of one workbook (libxlsxwriter in
 *         constant memory), the columns' Spanish labels in a second
 *         header row, numbers as numbers and dates as dates
 *   json  the lines as the devices sent them, in one JSON array
 *
 * Why it is shaped this way:
 * - The columns are the union of every published version of the form:
 *   the newest version's fields in form order, then what only older
 *   versions have, so that a submission of any version has a place for
 *   every answer. The layout is built once from the forms (the engine's
 *   model) and is the only thing the row loop consults.
 * - A million submissions in bounded memory: rows come from a cursor
 *   (store.h) one at a time and each leaves the process before the next
 *   is read. The main table is produced inside libzip's read of it (a
 *   source function pulls rows as the deflater wants bytes), so it is
 *   never on disk uncompressed; repeat rows, produced along the way, go
 *   to unlinked temporary files that the zip reads after the main table.
 * - A stored line was checked when it was merged (envelope_decode), but
 *   the export reads it with a small scanner of its own rather than
 *   jansson: no allocation per value, and a number keeps the text the
 *   device sent (11.50 stays 11.50; a double would not). Anything it does
 *   not expect is an error naming the submission, never a crash.
 * - The file appears whole or not at all: everything is made in a
 *   private directory (0700) beside PATH and renamed into place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "hub.h"

/* Nesting of the JSON of one line the scanner follows (groups and
 * repeats stay under FORM_MAX_DEPTH; a line deeper than this is not a
 * stored submission). */
#define EXPORT_MAX_DEPTH	256
/* One table row's text: the answers of one line and their keys. */
#define EXPORT_ROW_MAX		((size_t)4 * BATCH_LINE_MAX)
/* Bytes kept before they are written out (temporary files, stdout). */
#define EXPORT_CHUNK		((size_t)64 << 10)
/* deflate's level: at 1 the anaemia CSV comes out a quarter larger than
 * at 6 (65 MB against 52 MB for a million) in a third of the time, and
 * the export's time is mostly deflate's. */
#define EXPORT_ZIP_LEVEL	1
/* Excel's ceilings: rows of a sheet (a test build may lower it, to see
 * a table go on in a second sheet), characters of a cell. */
#ifndef XLSX_ROWS
#define XLSX_ROWS		LXW_ROW_MAX
#endif
#define XLSX_CELL_MAX		32767
#define XLSX_HEAD_ROWS		2
/* Past this many submissions the workbook's parts may pass 4 GB:
 * zip64 then (old Excel versions cannot read it). */
#define XLSX_ZIP64_FROM		200000

/* ------------------------------------------------------------------ */
/* The layout: tables and columns, from every version of the form      */

enum xkind {
	XN_GROUP,		/* a JSON object; also the root */
	XN_REPEAT,		/* a JSON array of objects: its own table */
	XN_LEAF			/* a value: one column or more */
};

/* How a column's text is written to a sheet. */
enum xcol_kind {
	XC_TEXT,
	XC_NUMBER,		/* a number when its text is one */
	XC_DATE,		/* a date cell when its text is YYYY-MM-DD */
	XC_SPLIT		/* 0/1 of a select_multiple's choice */
};

struct xchoice {
	const char	*name;
	const char	*label;		/* in Spanish, or NULL */
};

struct xnode {
	enum xkind	  kind;
	const char	 *name;
	enum field_kind	  fk;		/* XN_LEAF: of the newest version
					 * that has it */
	const char	 *label;	/* in Spanish, or NULL */
	struct xnode	 *parent;
	struct xnode	**kids;
	size_t		  nkids, capkids;
	size_t		  hint;		/* the kid looked for next: keys come
					 * in form order */
	size_t		  table;	/* XN_REPEAT: its table; XN_LEAF: its
					 * columns' */
	size_t		  col;		/* XN_LEAF: the first; SIZE_MAX until
					 * placed */
	int		  placed;	/* XN_REPEAT: has its table */
	struct xchoice	 *choices;	/* select_multiple's */
	size_t		  nchoices, capchoices;
};

struct xcol {
	const char	*name;
	const char	*label;
	enum xcol_kind	 kind;
};

enum cstate {
	C_EMPTY,
	C_TEXT,			/* text at off, len (NUL after it) */
	C_NUM,			/* a JSON number's text, as sent */
	C_ZERO,
	C_ONE
};

struct cell {
	size_t		off, len;
	unsigned char	st;
};

struct xtable {
	struct xport	*x;
	const char	*name;		/* the CSV's name without ".csv" */
	const char	*sheet;		/* the sheet's name */
	struct xnode	*node;		/* the root or the repeat */
	struct xcol	*cols;
	size_t		 ncols, capcols;
	size_t		 key, parent_key;	/* repeats' columns */
	/* The row being filled. */
	struct buf	 text;
	struct cell	*cells;
	size_t		 keylen;	/* its KEY: the key path's start */
	uint64_t	 nrows;
	/* csv: what is not yet written; the file of a repeat table */
	struct buf	 out;
	FILE		*fp;
	/* xlsx */
	lxw_worksheet	*ws;
	unsigned	 nsheets;
	lxw_row_t	 wrow;
};

/* The root table's own columns: SubmissionDate first, the others after
 * the form's (meta_cols). */
enum meta_col {
	M_IID,
	M_KEY,
	M_SUBID,
	M_SUBNAME,
	M_APRESENT,
	M_AEXPECTED,
	M_STATUS,
	M_REVIEW,
	M_DEVICE,
	M_EDITS,
	M_VERSION,
	M_DATE,
	M_COUNT
};

struct xport {
	struct arena	 arena;		/* names, labels, versions */
	const char	*form_id;
	struct xnode	*root;
	struct xtable	*tables;
	size_t		 ntables, captables;
	size_t		 meta[M_COUNT];	/* their columns */
	/* The submission being read. */
	struct buf	 keypath;	/* KEY of the innermost row */
	struct buf	 key;		/* a JSON key being read */
	struct buf	 promoter;
	/* The rows. */
	struct hub_cursor	*cur;
	int			 done;
	struct err		*e;
	int			(*emit)(struct xport *, struct xtable *);
	struct export_counts	*n;
	/* csv */
	zip_error_t	 zerr;
	time_t		 now;
	/* xlsx */
	lxw_workbook	*wb;
	lxw_format	*bold, *italic, *date;
	uint64_t	 truncated;	/* cells cut at Excel's limit */
};

static int
nomem(struct err *e)
{
	return err_set(e, ERR_NOMEM, _("out of memory"));
}

/* v grown by one slot of size sz; 0 or -1. */
static int
grow(void *vp, size_t *n, size_t *cap, size_t sz)
{
	void	**v = vp, *p;
	size_t	  c;

	if (*n < *cap)
		return 0;
	c = *cap != 0 ? *cap * 2 : 8;
	if ((p = realloc(*v, c * sz)) == NULL)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static void
node_free(struct xnode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->choices);
	free(n);
}

static void
xport_release(struct xport *x)
{
	size_t	i;

	for (i = 0; i < x->ntables; i++) {
		buf_release(&x->tables[i].text);
		buf_release(&x->tables[i].out);
		free(x->tables[i].cells);
		free(x->tables[i].cols);
		if (x->tables[i].fp != NULL)
			fclose(x->tables[i].fp);
	}
	free(x->tables);
	node_free(x->root);
	buf_release(&x->keypath);
	buf_release(&x->key);
	buf_release(&x->promoter);
	hub_store_export_close(x->cur);
	arena_release(&x->arena);
}

static enum xkind
kind_of(const struct field *f)
{
	return f->kind == FK_GROUP ? XN_GROUP : f->kind == FK_REPEAT ?
	    XN_REPEAT : XN_LEAF;
}

/* What a submission's data never holds: notes, and the identity the
 * envelope carries (instanceID...). */
static int
no_column(const struct field *f)
{
	return f->kind == FK_NOTE || (f->kind == FK_META && f->meta != NULL &&
	    (strcmp(f->meta, "instanceID") == 0 ||
	    strcmp(f->meta, "deprecatedID") == 0 ||
	    strcmp(f->meta, "instanceName") == 0));
}

static struct xnode *
find_kid(struct xnode *n, const char *name, size_t len, enum xkind k)
{
	size_t	i, j;

	for (j = 0; j < n->nkids; j++) {
		i = (n->hint + j) % n->nkids;
		if (n->kids[i]->kind == k &&
		    strncmp(n->kids[i]->name, name, len) == 0 &&
		    n->kids[i]->name[len] == '\0') {
			n->hint = i + 1 < n->nkids ? i + 1 : 0;
			return n->kids[i];
		}
	}
	return NULL;
}

static const char *
text_es(struct xport *x, const struct form *f, const struct text *t)
{
	int		 l = form_lang(f, "es");
	const char	*s;

	s = form_text(f, t, l >= 0 ? (size_t)l : f->default_lang);
	return s != NULL && *s != '\0' ? arena_strdup(&x->arena, s) : NULL;
}

/* The choices of a select_multiple, added to n's when missing. */
static int
add_choices(struct xport *x, struct xnode *n, const struct form *f,
    const struct field *fd)
{
	const struct choice	*c;
	size_t			 i, j;

	if (fd->kind != FK_SELECT_MULTIPLE || fd->list == NULL)
		return 0;
	for (i = 0; i < fd->list->n; i++) {
		c = &fd->list->v[i];
		for (j = 0; j < n->nchoices; j++)
			if (strcmp(n->choices[j].name, c->name) == 0)
				break;
		if (j < n->nchoices)
			continue;
		if (grow(&n->choices, &n->nchoices, &n->capchoices,
		    sizeof(*n->choices)) != 0 ||
		    (n->choices[n->nchoices].name = arena_strdup(&x->arena,
		    c->name)) == NULL)
			return -1;
		n->choices[n->nchoices++].label = text_es(x, f, &c->label);
	}
	return 0;
}

/*
 * Merge the fields under fd (a version of the form) into n, names and
 * labels copied into x's arena.
 */
static int
merge_fields(struct xport *x, struct xnode *n, const struct form *f,
    const struct field *fd)
{
	const struct field	*k;
	struct xnode		*c;
	size_t			 i;

	for (i = 0; i < fd->nkids; i++) {
		k = fd->kids[i];
		if (no_column(k))
			continue;
		if ((c = find_kid(n, k->name, strlen(k->name),
		    kind_of(k))) == NULL) {
			if (grow(&n->kids, &n->nkids, &n->capkids,
			    sizeof(*n->kids)) != 0 ||
			    (c = calloc(1, sizeof(*c))) == NULL)
				return -1;
			c->kind = kind_of(k);
			c->name = arena_strdup(&x->arena, k->name);
			c->fk = k->kind;
			c->label = text_es(x, f, &k->label);
			c->parent = n;
			c->col = SIZE_MAX;
			n->kids[n->nkids++] = c;
			if (c->name == NULL)
				return -1;
		}
		if (c->kind == XN_LEAF && c->fk == FK_SELECT_MULTIPLE &&
		    add_choices(x, c, f, k) != 0)
			return -1;
		if (c->kind != XN_LEAF && merge_fields(x, c, f, k) != 0)
			return -1;
	}
	return 0;
}

static struct xtable *
add_table(struct xport *x, struct xnode *node, const char *name,
    const char *sheet)
{
	struct xtable	*t;

	if (grow(&x->tables, &x->ntables, &x->captables,
	    sizeof(*x->tables)) != 0)
		return NULL;
	t = &x->tables[x->ntables++];
	memset(t, 0, sizeof(*t));
	t->x = x;
	t->name = name;
	t->sheet = sheet;
	t->node = node;
	buf_init(&t->text, EXPORT_ROW_MAX);
	buf_init(&t->out, EXPORT_ROW_MAX + EXPORT_CHUNK);
	return t;
}

static int
add_col(struct xport *x, struct xtable *t, const char *name,
    const char *label, enum xcol_kind kind, size_t *at)
{
	if (name == NULL || grow(&t->cols, &t->ncols, &t->capcols,
	    sizeof(*t->cols)) != 0)
		return nomem(x->e);
	if (at != NULL)
		*at = t->ncols;
	t->cols[t->ncols].name = name;
	t->cols[t->ncols].label = label;
	t->cols[t->ncols].kind = kind;
	t->ncols++;
	return 0;
}

static size_t
col_index(const struct xtable *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* The leaf's column name: its path below its table, joined by '-'. */
static const char *
col_name(struct xport *x, const struct xnode *n, const struct xnode *top)
{
	const struct xnode	*p;
	size_t			 len = 0;
	char			*s;

	for (p = n; p != top && p != NULL; p = p->parent)
		len += strlen(p->name) + 1;
	if ((s = arena_alloc(&x->arena, len)) == NULL)
		return NULL;
	for (p = n; p != top && p != NULL; p = p->parent) {
		len -= strlen(p->name) + 1;
		memcpy(s + len, p->name, strlen(p->name));
		if (len > 0)
			s[len - 1] = '-';
	}
	return s;
}

static const char *
label_join(struct xport *x, const char *a, const char *b)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return arena_printf(&x->arena, "%s: %s", a, b);
}

/* s with each byte of bad, and each control character, made '_'. */
static char *
safe_name(struct xport *x, const char *s, const char *bad)
{
	char	*p, *c;

	if ((p = arena_strdup(&x->arena, s)) == NULL)
		return NULL;
	for (c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || strchr(bad, *c) != NULL)
			*c = '_';
	return p;
}

/* A file name no earlier table has (ODK Central's "~2" for a repeat
 * name used twice); a form id may be any text, a file name not. */
static const char *
table_name(struct xport *x, const char *name)
{
	const char	*s, *base;
	size_t		 i;
	unsigned	 k = 1;

	if ((base = s = safe_name(x, name, "/\\:*?\"<>|")) == NULL)
		return NULL;
again:
	for (i = 0; i < x->ntables; i++)
		if (strcmp(x->tables[i].name, s) == 0) {
			s = arena_printf(&x->arena, "%s~%u", base, ++k);
			if (s == NULL)
				return NULL;
			goto again;
		}
	return s;
}

/* Excel's sheet names: 31 characters at most, none of []:*?/\, no
 * quote first or last, unique without case. */
static const char *
sheet_name(struct xport *x, const char *name, unsigned part)
{
	char		 s[LXW_SHEETNAME_MAX * 4 + 16], suffix[24];
	char		*base;
	size_t		 i, n, chars;
	unsigned	 k = 1;

	if ((base = safe_name(x, name, "[]:*?/\\")) == NULL)
		return NULL;
	if (base[0] == '\'')
		base[0] = '_';
	suffix[0] = '\0';
	if (part > 1)
		snprintf(suffix, sizeof(suffix), " (%u)", part);
	for (;;) {
		/* whole UTF-8 characters, the suffix included */
		for (n = 0, chars = strlen(suffix); base[n] != '\0' &&
		    chars < LXW_SHEETNAME_MAX; chars++) {
			n++;
			while (((unsigned char)base[n] & 0xc0) == 0x80)
				n++;
		}
		snprintf(s, sizeof(s), "%.*s%s", (int)n, base, suffix);
		if (s[0] != '\0' && s[strlen(s) - 1] == '\'')
			s[strlen(s) - 1] = '_';
		for (i = 0; i < x->ntables; i++)
			if (x->tables[i].sheet != NULL &&
			    strcasecmp(x->tables[i].sheet, s) == 0)
				break;
		if (i == x->ntables)
			return arena_strdup(&x->arena, s);
		snprintf(suffix, sizeof(suffix), "~%u", ++k);
	}
}

static int
place_leaf(struct xport *x, struct xnode *n, struct xtable *t)
{
	static const char *const geo[4] = { "Latitude", "Longitude",
	    "Altitude", "Accuracy" };
	const char	*geo_label[4] = { _("point's latitude"),
	    _("point's longitude"), _("point's altitude"),
	    _("point's accuracy") };
	const char	*name = col_name(x, n, t->node);
	enum xcol_kind	 k;
	size_t		 i;
	int		 rc;

	if (name == NULL)
		return nomem(x->e);
	n->table = (size_t)(t - x->tables);
	if (n->fk == FK_GEOPOINT) {
		for (i = 0; i < 4; i++)
			if ((rc = add_col(x, t, arena_printf(&x->arena,
			    "%s-%s", name, geo[i]), label_join(x, n->label,
			    geo_label[i]), XC_NUMBER, i == 0 ? &n->col :
			    NULL)) != 0)
				return rc;
		return 0;
	}
	k = n->fk == FK_INTEGER || n->fk == FK_DECIMAL ||
	    n->fk == FK_CALCULATE ? XC_NUMBER : n->fk == FK_DATE ? XC_DATE :
	    XC_TEXT;
	if ((rc = add_col(x, t, name, n->label, k, &n->col)) != 0)
		return rc;
	for (i = 0; n->fk == FK_SELECT_MULTIPLE && i < n->nchoices; i++)
		if ((rc = add_col(x, t, arena_printf(&x->arena, "%s/%s", name,
		    n->choices[i].name), label_join(x, n->label,
		    n->choices[i].label), XC_SPLIT, NULL)) != 0)
			return rc;
	return 0;
}

/*
 * Columns for what version f has and no newer one had, in f's order, at
 * the end of their tables; a repeat seen first gets its table.
 */
static int
place_fields(struct xport *x, struct xnode *n, struct xtable *t,
    const struct field *fd)
{
	const struct field	*k;
	struct xnode		*c;
	struct xtable		*rt;
	const char		*name, *sheet;
	size_t			 i, ti = (size_t)(t - x->tables);
	int			 rc;

	for (i = 0; i < fd->nkids; i++) {
		k = fd->kids[i];
		if (no_column(k) || (c = find_kid(n, k->name,
		    strlen(k->name), kind_of(k))) == NULL)
			continue;
		if (c->kind == XN_LEAF) {
			if (c->col == SIZE_MAX &&
			    (rc = place_leaf(x, c, &x->tables[ti])) != 0)
				return rc;
			continue;
		}
		if (c->kind == XN_GROUP) {
			if ((rc = place_fields(x, c, &x->tables[ti], k)) != 0)
				return rc;
			continue;
		}
		if (!c->placed) {
			name = arena_printf(&x->arena, "%s-%s", x->form_id,
			    c->name);
			if (name == NULL || (name = table_name(x, name)) ==
			    NULL || (sheet = sheet_name(x, c->name, 1)) ==
			    NULL || (rt = add_table(x, c, name, sheet)) ==
			    NULL)
				return nomem(x->e);
			c->placed = 1;
			c->table = (size_t)(rt - x->tables);
		}
		if ((rc = place_fields(x, c, &x->tables[c->table], k)) != 0)
			return rc;
	}
	return 0;
}

/* Every version of form_id, newest first (hub_version_cmp). */
struct versions {
	struct xport	 *x;
	const char	 *id;
	const char	**v;
	size_t		  n, cap;
	int		  nomem;
};

static int
version_row(const struct hub_form *f, void *arg)
{
	struct versions	*vs = arg;
	const char	*s;

	if (strcmp(f->form_id, vs->id) != 0)
		return 0;
	if ((s = arena_strdup(&vs->x->arena, f->version)) == NULL ||
	    grow(&vs->v, &vs->n, &vs->cap, sizeof(*vs->v)) != 0) {
		vs->nomem = 1;
		return ERR_NOMEM;
	}
	vs->v[vs->n++] = s;
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	return hub_version_cmp(*(const char *const *)b,
	    *(const char *const *)a);
}

static int
load_version(struct hub_store *st, const char *id, const char *version,
    struct form **out, struct err *e)
{
	struct hub_form	 hf;
	struct diags	 d;
	int		 found, rc;

	*out = NULL;
	if ((rc = hub_store_get_form(st, id, version, &hf, &found, e)) != 0)
		return rc;
	if (!found)
		return err_set(e, ERR_IO, _("form '%s' version '%s' is gone "
		    "from the store"), id, version);
	diags_init(&d);
	/* Published only after the engine accepted it: a failure now is
	 * a store that changed under us, or memory. */
	if ((rc = form_load(hf.file, hf.content, hf.len, out, &d, NULL)) != 0)
		rc = err_set(e, rc == ERR_NOMEM ? ERR_NOMEM : ERR_IO,
		    _("form '%s' version '%s' no longer loads"), id, version);
	diags_release(&d);
	hub_form_release(&hf);
	return rc;
}

/* ODK Central's columns after the form's, in its order. */
static const struct {
	const char	*name;
	const char	*label;		/* N_() */
	enum xcol_kind	 kind;
	enum meta_col	 at;
} meta_cols[] = {
	{ "meta-instanceID", N_("submission id"), XC_TEXT, M_IID },
	{ "KEY", N_("row key"), XC_TEXT, M_KEY },
	{ "SubmitterID", N_("device that sent it"), XC_TEXT, M_SUBID },
	{ "SubmitterName", N_("promoter's name"), XC_TEXT, M_SUBNAME },
	{ "AttachmentsPresent", N_("attachments received"), XC_NUMBER,
	    M_APRESENT },
	{ "AttachmentsExpected", N_("attachments expected"), XC_NUMBER,
	    M_AEXPECTED },
	{ "Status", N_("submission status"), XC_TEXT, M_STATUS },
	{ "ReviewState", N_("review state"), XC_TEXT, M_REVIEW },
	{ "DeviceID", N_("device id"), XC_TEXT, M_DEVICE },
	{ "Edits", N_("corrections made"), XC_NUMBER, M_EDITS },
	{ "FormVersion", N_("form version"), XC_TEXT, M_VERSION },
};

static int
add_meta(struct xport *x)
{
	struct xtable	*t = &x->tables[0];
	size_t		 i;
	int		 rc = 0;

	x->meta[M_IID] = SIZE_MAX;
	for (i = 0; rc == 0 && i < sizeof(meta_cols) / sizeof(meta_cols[0]);
	    i++) {
		/* A form with a meta group of its own has the column. */
		if (i == 0 && col_index(t, meta_cols[i].name) != SIZE_MAX)
			continue;
		rc = add_col(x, t, meta_cols[i].name, _(meta_cols[i].label),
		    meta_cols[i].kind, &x->meta[meta_cols[i].at]);
	}
	for (i = 1; rc == 0 && i < x->ntables; i++) {
		t = &x->tables[i];
		rc = add_col(x, t, "PARENT_KEY", _("key of the parent row"),
		    XC_TEXT, &t->parent_key);
		if (rc == 0)
			rc = add_col(x, t, "KEY", _("row key"), XC_TEXT,
			    &t->key);
	}
	return rc;
}

/*
 * The layout of form_id from every published version. ERR_INPUT when
 * the hub has no such form.
 */
static int
layout_build(struct xport *x, struct hub_store *st, const char *form_id)
{
	struct versions	  vs;
	struct form	**f = NULL;
	struct xtable	 *t;
	size_t		  i;
	int		  rc;

	memset(&vs, 0, sizeof(vs));
	vs.x = x;
	vs.id = form_id;
	if ((rc = hub_store_each_form(st, version_row, &vs, x->e)) != 0)
		goto out;
	if (vs.nomem) {
		rc = nomem(x->e);
		goto out;
	}
	if (vs.n == 0) {
		rc = err_set(x->e, ERR_INPUT, _("no form '%s' on this hub "
		    "(see 'hub forms list')"), form_id);
		goto out;
	}
	qsort(vs.v, vs.n, sizeof(*vs.v), newest_first);
	if ((f = calloc(vs.n, sizeof(*f))) == NULL ||
	    (x->root = calloc(1, sizeof(*x->root))) == NULL ||
	    (x->form_id = arena_strdup(&x->arena, form_id)) == NULL) {
		rc = nomem(x->e);
		goto out;
	}
	x->root->kind = XN_GROUP;
	x->root->name = x->form_id;
	for (i = 0; i < vs.n; i++) {
		if ((rc = load_version(st, form_id, vs.v[i], &f[i],
		    x->e)) != 0)
			goto out;
		if (merge_fields(x, x->root, f[i], f[i]->root) != 0) {
			rc = nomem(x->e);
			goto out;
		}
	}
	if ((t = add_table(x, x->root, table_name(x, x->form_id),
	    sheet_name(x, x->form_id, 1))) == NULL || t->name == NULL ||
	    t->sheet == NULL ||
	    (rc = add_col(x, t, "SubmissionDate",
	    _("received by the hub (UTC)"), XC_TEXT, &x->meta[M_DATE])) != 0) {
		rc = rc != 0 ? rc : nomem(x->e);
		goto out;
	}
	for (i = 0; i < vs.n; i++)
		if ((rc = place_fields(x, x->root, &x->tables[0],
		    f[i]->root)) != 0)
			goto out;
	if ((rc = add_meta(x)) != 0)
		goto out;
	for (i = 0; i < x->ntables; i++)
		if ((x->tables[i].cells = calloc(x->tables[i].ncols,
		    sizeof(*x->tables[i].cells))) == NULL) {
			rc = nomem(x->e);
			goto out;
		}
out:
	for (i = 0; f != NULL && i < vs.n; i++)
		form_free(f[i]);
	free(f);
	free(vs.v);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading one stored line                                             */

struct scan {
	const char	*p, *end;
	int		 depth;
};

static int
peek(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
	return s->p < s->end ? (unsigned char)*s->p : -1;
}

static int
eat(struct scan *s, int c)
{
	if (peek(s) != c)
		return -1;
	s->p++;
	return 0;
}

static int
hex4(const char *p, unsigned *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static int
add_utf8(struct buf *b, unsigned c)
{
	char	u[4];
	size_t	n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* A string, its text appended to out (NULL: skipped). */
static int
scan_string(struct scan *s, struct buf *out)
{
	const char	*run;
	unsigned	 c, lo;

	if (eat(s, '"') != 0)
		return -1;
	for (;;) {
		for (run = s->p; s->p < s->end && *s->p != '"' &&
		    *s->p != '\\'; s->p++)
			;
		if (s->p >= s->end)
			return -1;
		if (out != NULL && s->p > run &&
		    buf_add(out, run, (size_t)(s->p - run)) != 0)
			return -1;
		if (*s->p++ == '"')
			return 0;
		if (s->p >= s->end)
			return -1;
		c = (unsigned char)*s->p++;
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case '"': case '\\': case '/': break;
		case 'u':
			if (s->end - s->p < 4 || hex4(s->p, &c) != 0)
				return -1;
			s->p += 4;
			if (c >= 0xd800 && c < 0xdc00) {
				if (s->end - s->p < 6 || s->p[0] != '\\' ||
				    s->p[1] != 'u' || hex4(s->p + 2, &lo) !=
				    0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				s->p += 6;
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
			} else if ((c >= 0xdc00 && c < 0xe000) || c == 0)
				return -1;
			break;
		default:
			return -1;
		}
		if (out != NULL && add_utf8(out, c) != 0)
			return -1;
	}
}

/* A number, true, false or null: its text. */
static int
scan_atom(struct scan *s, const char **p, size_t *n)
{
	const char	*a;

	peek(s);
	for (a = s->p; s->p < s->end && (strchr("+-.eE", *s->p) != NULL ||
	    (*s->p >= '0' && *s->p <= '9') || (*s->p >= 'a' &&
	    *s->p <= 'z')); s->p++)
		;
	*p = a;
	*n = (size_t)(s->p - a);
	return *n > 0 ? 0 : -1;
}

static int
skip_value(struct scan *s)
{
	const char	*p;
	size_t		 n;
	int		 c, close;

	switch ((c = peek(s))) {
	case '"':
		return scan_string(s, NULL);
	case '{':
	case '[':
		if (++s->depth > EXPORT_MAX_DEPTH)
			return -1;
		s->p++;
		close = c == '{' ? '}' : ']';
		if (peek(s) == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		for (;;) {
			if (c == '{' && (scan_string(s, NULL) != 0 ||
			    eat(s, ':') != 0))
				return -1;
			if (skip_value(s) != 0)
				return -1;
			if (eat(s, ',') == 0)
				continue;
			if (eat(s, close) != 0)
				return -1;
			s->depth--;
			return 0;
		}
	default:
		return scan_atom(s, &p, &n);
	}
}

static void
row_start(struct xtable *t)
{
	buf_reset(&t->text);
	memset(t->cells, 0, t->ncols * sizeof(*t->cells));
}

/* Text (with a NUL after it) into cell col of t's row. */
static int
set_text(struct xtable *t, size_t col, const char *p, size_t n,
    unsigned char st)
{
	t->cells[col].off = t->text.len;
	t->cells[col].len = n;
	t->cells[col].st = st;
	if (buf_add(&t->text, p, n) != 0 || buf_addc(&t->text, '\0') != 0)
		return -1;
	return 0;
}

/* A geopoint's "lat lon alt acc" into its four columns. */
static int
split_geo(struct xtable *t, size_t col, size_t off)
{
	const char	*p, *a;
	size_t		 i, len = t->cells[col].len;

	t->cells[col].st = C_EMPTY;
	for (i = 0, p = t->text.p + off; i < 4; i++) {
		while (p < t->text.p + off + len && *p == ' ')
			p++;
		for (a = p; p < t->text.p + off + len && *p != ' '; p++)
			;
		if (p > a) {
			/* set_text may move the buffer: by offsets */
			size_t	ao = (size_t)(a - t->text.p);
			size_t	po = (size_t)(p - t->text.p);

			if (set_text(t, col + i, t->text.p + ao, po - ao,
			    C_TEXT) != 0)
				return -1;
			p = t->text.p + po;
		}
	}
	return 0;
}

/* A select_multiple's answer: 1 under each choice it names, 0 under the
 * others; nothing when it has no answer (missing stays missing). */
static void
split_select(struct xtable *t, const struct xnode *n)
{
	const char	*p, *a, *end;
	size_t		 i;

	p = t->text.p + t->cells[n->col].off;
	end = p + t->cells[n->col].len;
	for (i = 0; i < n->nchoices; i++)
		t->cells[n->col + 1 + i].st = C_ZERO;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		for (a = p; p < end && *p != ' '; p++)
			;
		for (i = 0; p > a && i < n->nchoices; i++)
			if (strlen(n->choices[i].name) == (size_t)(p - a) &&
			    memcmp(n->choices[i].name, a, (size_t)(p - a)) ==
			    0)
				t->cells[n->col + 1 + i].st = C_ONE;
	}
}

static int
set_leaf(struct xnode *n, struct xtable *t, struct scan *s)
{
	const char	*p;
	size_t		 len, off;
	int		 c = peek(s);

	if (c == '"') {
		off = t->text.len;
		if (scan_string(s, &t->text) != 0 ||
		    buf_addc(&t->text, '\0') != 0)
			return -1;
		t->cells[n->col].off = off;
		t->cells[n->col].len = t->text.len - off - 1;
		t->cells[n->col].st = C_TEXT;
	} else {
		if (scan_atom(s, &p, &len) != 0)
			return -1;
		if (len == 4 && memcmp(p, "null", 4) == 0)
			return 0;
		if (set_text(t, n->col, p, len, (c == '-' || (c >= '0' &&
		    c <= '9')) ? C_NUM : C_TEXT) != 0)
			return -1;
	}
	if (n->fk == FK_GEOPOINT)
		return split_geo(t, n->col, t->cells[n->col].off);
	if (n->fk == FK_SELECT_MULTIPLE && t->cells[n->col].len > 0)
		split_select(t, n);
	return 0;
}

static int	walk_object(struct xport *, struct xnode *, struct xtable *,
		    struct scan *);

/* The keys' path: "/name" or "/name[i]" appended; its length before.
 * -1 past the row's ceiling, as the scanner's failures. */
static int
key_push(struct xport *x, const char *name, size_t i, size_t *was)
{
	*was = x->keypath.len;
	if ((i == 0 ? buf_addf(&x->keypath, "/%s", name) :
	    buf_addf(&x->keypath, "/%s[%zu]", name, i)) != 0)
		return -1;
	return 0;
}

static void
key_pop(struct xport *x, size_t was)
{
	x->keypath.len = was;
	x->keypath.p[was] = '\0';
}

static int
walk_repeat(struct xport *x, struct xnode *n, struct xtable *parent,
    struct scan *s)
{
	struct xtable	*t = &x->tables[n->table];
	size_t		 i = 0, was;
	int		 rc;

	if (eat(s, '[') != 0)
		return -1;
	if (eat(s, ']') == 0)
		return 0;
	for (;;) {
		if (peek(s) != '{') {
			if (skip_value(s) != 0)
				return -1;
		} else {
			row_start(t);
			if (key_push(x, n->name, ++i, &was) != 0)
				return -1;
			t->keylen = x->keypath.len;
			if (walk_object(x, n, t, s) != 0 ||
			    set_text(t, t->key, x->keypath.p, t->keylen,
			    C_TEXT) != 0 || set_text(t, t->parent_key,
			    x->keypath.p, parent->keylen, C_TEXT) != 0)
				return -1;
			if ((rc = x->emit(x, t)) != 0)
				return rc;
			key_pop(x, was);
		}
		if (eat(s, ',') == 0)
			continue;
		return eat(s, ']');
	}
}

static int
walk_object(struct xport *x, struct xnode *n, struct xtable *t,
    struct scan *s)
{
	struct xnode	*k;
	size_t		 was;
	int		 c, rc;

	if (++s->depth > EXPORT_MAX_DEPTH || eat(s, '{') != 0)
		return -1;
	if (eat(s, '}') == 0) {
		s->depth--;
		return 0;
	}
	for (;;) {
		buf_reset(&x->key);
		if (scan_string(s, &x->key) != 0 || eat(s, ':') != 0)
			return -1;
		c = peek(s);
		k = find_kid(n, x->key.p != NULL ? x->key.p : "", x->key.len,
		    c == '{' ? XN_GROUP : c == '[' ? XN_REPEAT : XN_LEAF);
		if (k == NULL)
			rc = skip_value(s);
		else if (k->kind == XN_GROUP) {
			if ((rc = key_push(x, k->name, 0, &was)) == 0)
				rc = walk_object(x, k, t, s);
			key_pop(x, was);
		} else if (k->kind == XN_REPEAT)
			rc = walk_repeat(x, k, t, s);
		else
			rc = set_leaf(k, t, s);
		if (rc != 0)
			return rc;
		if (eat(s, ',') == 0)
			continue;
		if (eat(s, '}') != 0)
			return -1;
		s->depth--;
		return 0;
	}
}

/* A stored time (RFC 3339, local offset) as ODK Central writes
 * SubmissionDate: UTC, milliseconds, "Z". */
static void
utc_stamp(const char *at, char out[40])
{
	double		 t;
	time_t		 sec;
	struct tm	 tm;
	long		 ms;
	size_t		 n;

	if (datetime_parse(at, &t) != 0 || t < 0 || t > 253402300799.0) {
		snprintf(out, 40, "%.39s", at);
		return;
	}
	sec = (time_t)t;
	ms = (long)((t - (double)sec) * 1000 + 0.5);
	if (ms >= 1000) {
		sec++;
		ms -= 1000;
	}
	gmtime_r(&sec, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03dZ", (int)ms % 1000);
}

static int
bad_line(struct xport *x, const char *iid)
{
	return err_set(x->e, ERR_IO, _("submission '%s': its stored text "
	    "cannot be read (a damaged store?)"), iid);
}

/* One submission: its repeat rows emitted as they end, then its row. */
static int
export_one(struct xport *x, const struct hub_export_row *r)
{
	struct xtable	*t = &x->tables[0];
	size_t		*m = x->meta;
	struct scan	 s;
	char		 when[40], edits[24];
	int		 rc = 0, c;

	s.p = r->line;
	s.end = r->line + r->len;
	s.depth = 0;
	row_start(t);
	buf_reset(&x->keypath);
	buf_reset(&x->promoter);
	if (buf_addstr(&x->keypath, r->instance_id) != 0)
		return nomem(x->e);
	t->keylen = x->keypath.len;
	if (eat(&s, '{') != 0)
		return bad_line(x, r->instance_id);
	if (eat(&s, '}') == 0)
		goto meta;
	for (;;) {
		buf_reset(&x->key);
		if (scan_string(&s, &x->key) != 0 || eat(&s, ':') != 0)
			return bad_line(x, r->instance_id);
		c = peek(&s);
		if (x->key.len == 4 && memcmp(x->key.p, "data", 4) == 0 &&
		    c == '{')
			rc = walk_object(x, x->root, t, &s);
		else if (x->key.len == 8 &&
		    memcmp(x->key.p, "promoter", 8) == 0 && c == '"')
			rc = scan_string(&s, &x->promoter);
		else
			rc = skip_value(&s);
		if (rc > 0)
			return rc;
		if (rc != 0)
			return bad_line(x, r->instance_id);
		if (eat(&s, ',') == 0)
			continue;
		if (eat(&s, '}') != 0 || peek(&s) != -1)
			return bad_line(x, r->instance_id);
		break;
	}
meta:
	utc_stamp(r->received_at, when);
	snprintf(edits, sizeof(edits), "%lld", (long long)r->edits);
	if (set_text(t, m[M_DATE], when, strlen(when), C_TEXT) != 0 ||
	    (m[M_IID] != SIZE_MAX && set_text(t, m[M_IID], r->instance_id,
	    strlen(r->instance_id), C_TEXT) != 0) ||
	    set_text(t, m[M_KEY], r->instance_id, strlen(r->instance_id),
	    C_TEXT) != 0 ||
	    set_text(t, m[M_SUBID], r->device_id, strlen(r->device_id),
	    C_TEXT) != 0 ||
	    (x->promoter.len > 0 && set_text(t, m[M_SUBNAME], x->promoter.p,
	    x->promoter.len, C_TEXT) != 0) ||
	    set_text(t, m[M_APRESENT], "0", 1, C_NUM) != 0 ||
	    set_text(t, m[M_AEXPECTED], "0", 1, C_NUM) != 0 ||
	    (r->edits > 0 && set_text(t, m[M_REVIEW], "edited", 6,
	    C_TEXT) != 0) ||
	    set_text(t, m[M_DEVICE], r->device_id, strlen(r->device_id),
	    C_TEXT) != 0 ||
	    set_text(t, m[M_EDITS], edits, strlen(edits), C_NUM) != 0 ||
	    set_text(t, m[M_VERSION], r->form_version, strlen(r->form_version),
	    C_TEXT) != 0)
		return nomem(x->e);
	return x->emit(x, t);
}

/* The next submission into the tables; x->done past the last one. */
static int
export_step(struct xport *x)
{
	struct hub_export_row	r;
	int			rc;

	if (x->done)
		return 0;
	if ((rc = hub_store_export_next(x->cur, &r, &x->done, x->e)) != 0 ||
	    x->done)
		return rc;
	return export_one(x, &r);
}

/* ------------------------------------------------------------------ */
/* csv: a zip of one file per table                                    */

static int
csv_field(struct buf *o, const char *p, size_t n)
{
	size_t	i, a;
	int	rc;

	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			break;
	if (i == n)
		return buf_add(o, p, n);
	rc = buf_addc(o, '"');
	for (a = 0, i = 0; rc == 0 && i < n; i++)
		if (p[i] == '"') {
			rc = buf_add(o, p + a, i + 1 - a);
			a = i;
		}
	if (rc == 0)
		rc = buf_add(o, p + a, n - a);
	return rc == 0 ? buf_addc(o, '"') : rc;
}

static int
csv_header(struct xtable *t)
{
	size_t	i;
	int	rc = 0;

	for (i = 0; rc == 0 && i < t->ncols; i++) {
		if (i > 0)
			rc = buf_addc(&t->out, ',');
		if (rc == 0)
			rc = csv_field(&t->out, t->cols[i].name,
			    strlen(t->cols[i].name));
	}
	return rc == 0 ? buf_addc(&t->out, '\n') : rc;
}

/* A repeat table's text so far, into its file. */
static int
csv_flush(struct xport *x, struct xtable *t)
{
	if (t->out.len > 0 && fwrite(t->out.p, 1, t->out.len, t->fp) !=
	    t->out.len)
		return err_set(x->e, ERR_IO, _("cannot write a temporary "
		    "file: %s"), strerror(errno));
	buf_reset(&t->out);
	return 0;
}

static int
csv_emit(struct xport *x, struct xtable *t)
{
	struct cell	*c;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; rc == 0 && i < t->ncols; i++) {
		c = &t->cells[i];
		if (i > 0)
			rc = buf_addc(&t->out, ',');
		if (rc != 0)
			break;
		if (c->st == C_ZERO || c->st == C_ONE)
			rc = buf_addc(&t->out, c->st == C_ONE ? '1' : '0');
		else if (c->st != C_EMPTY)
			rc = csv_field(&t->out, t->text.p + c->off, c->len);
	}
	if (rc == 0)
		rc = buf_addc(&t->out, '\n');
	if (rc != 0)
		return nomem(x->e);
	t->nrows++;
	if (t->fp != NULL && t->out.len >= EXPORT_CHUNK)
		return csv_flush(x, t);
	return 0;
}

/* What a source tells libzip: the time, never a size (it is not known
 * before the table is read through). */
static zip_int64_t
source_stat(struct xport *x, void *data, zip_uint64_t len)
{
	zip_stat_t	*st = data;

	if (len < sizeof(*st)) {
		zip_error_set(&x->zerr, ZIP_ER_INVAL, 0);
		return -1;
	}
	zip_stat_init(st);
	st->mtime = x->now;
	st->valid |= ZIP_STAT_MTIME;
	return sizeof(*st);
}

static zip_int64_t
source_common(struct xport *x, void *data, zip_uint64_t len,
    zip_source_cmd_t cmd)
{
	switch (cmd) {
	case ZIP_SOURCE_CLOSE:
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_STAT:
		return source_stat(x, data, len);
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&x->zerr, data, len);
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
		    ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
		    ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&x->zerr, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* The main table: rows made as libzip reads. */
static zip_int64_t
main_source(void *arg, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct xport	*x = arg;
	struct xtable	*t = &x->tables[0];
	size_t		 n;

	if (cmd == ZIP_SOURCE_OPEN)
		return 0;
	if (cmd != ZIP_SOURCE_READ)
		return source_common(x, data, len, cmd);
	while (t->out.len < len && !x->done)
		if (export_step(x) != 0) {
			zip_error_set(&x->zerr, ZIP_ER_INTERNAL, 0);
			return -1;
		}
	n = t->out.len < len ? t->out.len : (size_t)len;
	if (n > 0) {
		memcpy(data, t->out.p, n);
		memmove(t->out.p, t->out.p + n, t->out.len - n);
		t->out.len -= n;
	}
	return (zip_int64_t)n;
}


/* A repeat table: its file, read once the main table has been. */
static zip_int64_t
file_source(void *arg, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct xtable	*t = arg;
	struct xport	*x = t->x;
	size_t		 n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		if (csv_flush(x, t) != 0 || fflush(t->fp) != 0 ||
		    fseeko(t->fp, 0, SEEK_SET) != 0) {
			if (x->e->code == 0)
				err_set(x->e, ERR_IO, _("cannot read a "
				    "temporary file: %s"), strerror(errno));
			zip_error_set(&x->zerr, ZIP_ER_INTERNAL, 0);
			return -1;
		}
		return 0;
	case ZIP_SOURCE_READ:
		n = fread(data, 1, (size_t)len, t->fp);
		if (n == 0 && ferror(t->fp)) {
			err_set(x->e, ERR_IO, _("cannot read a temporary "
			    "file: %s"), strerror(errno));
			zip_error_set(&x->zerr, ZIP_ER_INTERNAL, 0);
			return -1;
		}
		return (zip_int64_t)n;
	default:
		return source_common(x, data, len, cmd);
	}
}

/* An unlinked temporary file in dir. */
static int
temp_file(const char *dir, FILE **out, struct err *e)
{
	char	p[PATH_MAX];
	int	fd;

	*out = NULL;
	if ((size_t)snprintf(p, sizeof(p), "%s/table.XXXXXX", dir) >=
	    sizeof(p))
		return err_set(e, ERR_IO, _("'%s': path too long"), dir);
	if ((fd = mkstemp(p)) < 0)
		return err_set(e, ERR_IO, _("cannot create a temporary file "
		    "in '%s': %s"), dir, strerror(errno));
	unlink(p);
	if ((*out = fdopen(fd, "w+")) == NULL) {
		close(fd);
		return err_set(e, ERR_IO, _("cannot create a temporary file "
		    "in '%s': %s"), dir, strerror(errno));
	}
	return 0;
}

static int
export_csv(struct xport *x, const char *path, const char *tmpdir)
{
	zip_t		*za;
	zip_source_t	*src;
	struct xtable	*t;
	zip_int64_t	 idx;
	char		*name;
	size_t		 i;
	int		 zrc, rc = 0;

	if ((za = zip_open(path, ZIP_CREATE | ZIP_EXCL, &zrc)) == NULL) {
		zip_error_t	ze;

		zip_error_init_with_code(&ze, zrc);
		rc = err_set(x->e, ERR_IO, _("cannot create '%s': %s"), path,
		    zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return rc;
	}
	x->emit = csv_emit;
	for (i = 0; rc == 0 && i < x->ntables; i++) {
		t = &x->tables[i];
		if (i > 0)
			rc = temp_file(tmpdir, &t->fp, x->e);
		if (rc == 0 && csv_header(t) != 0)
			rc = nomem(x->e);
		if (rc != 0)
			break;
		name = arena_printf(&x->arena, "%s.csv", t->name);
		src = zip_source_function(za, i == 0 ? main_source :
		    file_source, i == 0 ? (void *)x : (void *)t);
		if (name == NULL || src == NULL) {
			zip_source_free(src);
			rc = nomem(x->e);
			break;
		}
		if ((idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8)) < 0 ||
		    zip_set_file_compression(za, (zip_uint64_t)idx,
		    ZIP_CM_DEFLATE, EXPORT_ZIP_LEVEL) != 0) {
			if (idx < 0)
				zip_source_free(src);
			rc = err_set(x->e, ERR_IO, "'%s': %s", path,
			    zip_strerror(za));
		}
	}
	if (rc == 0 && zip_close(za) != 0) {
		rc = x->e->code != 0 ? x->e->code : err_set(x->e, ERR_IO,
		    _("cannot write '%s': %s"), path, zip_strerror(za));
		zip_discard(za);
	} else if (rc != 0)
		zip_discard(za);
	if (rc == 0) {
		x->n->submissions = x->tables[0].nrows;
		for (i = 1; i < x->ntables; i++)
			x->n->rows += x->tables[i].nrows;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* xlsx: a sheet per table                                             */

static int
lxw_fail(struct xport *x, lxw_error err)
{
	return err_set(x->e, ERR_IO, _("cannot write the workbook: %s"),
	    lxw_strerror(err));
}

/* A sheet of t (the next part when the last one is full), its header
 * rows written. */
static int
xlsx_sheet(struct xport *x, struct xtable *t)
{
	const char	*name = t->sheet;
	lxw_error	 err;
	size_t		 i;

	if (t->nsheets > 0 && (name = sheet_name(x, t->sheet,
	    t->nsheets + 1)) == NULL)
		return nomem(x->e);
	if ((t->ws = workbook_add_worksheet(x->wb, name)) == NULL)
		return err_set(x->e, ERR_IO, _("cannot add the sheet '%s'"),
		    name);
	t->nsheets++;
	/* In constant memory a row is written out when the next starts:
	 * row by row, never back. */
	for (i = 0; i < t->ncols; i++)
		if ((err = worksheet_write_string(t->ws, 0, (lxw_col_t)i,
		    t->cols[i].name, x->bold)) != LXW_NO_ERROR)
			return lxw_fail(x, err);
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].label != NULL && (err = worksheet_write_string(
		    t->ws, 1, (lxw_col_t)i, t->cols[i].label, x->italic)) !=
		    LXW_NO_ERROR)
			return lxw_fail(x, err);
	worksheet_freeze_panes(t->ws, XLSX_HEAD_ROWS, 0);
	t->wrow = XLSX_HEAD_ROWS;
	return 0;
}

/* Whether s is a plain decimal a double holds exactly enough: no
 * leading zero (a code such as 030401 stays text), 15 digits at most. */
static int
plain_number(const char *s, size_t n)
{
	size_t	i = 0, digits = 0, lead;

	if (i < n && s[i] == '-')
		i++;
	lead = i;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (digits == 0 || (digits > 1 && s[lead] == '0'))
		return 0;
	if (i < n && s[i] == '.') {
		if (++i == n)
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	return i == n && digits <= 15;
}

/* Excel's limit on a cell's text, cut on a character boundary. */
static size_t
xlsx_cut(struct xport *x, char *s, size_t n)
{
	size_t	i, chars;

	for (i = 0, chars = 0; i < n; chars++) {
		if (chars == XLSX_CELL_MAX) {
			s[i] = '\0';
			x->truncated++;
			return i;
		}
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	return n;
}

static int
xlsx_emit(struct xport *x, struct xtable *t)
{
	struct cell	*c;
	lxw_datetime	 dt;
	lxw_error	 err;
	char		*s;
	int64_t		 days;
	size_t		 i;
	int		 y, mo, d, rc;

	if (t->wrow >= XLSX_ROWS && (rc = xlsx_sheet(x, t)) != 0)
		return rc;
	for (i = 0; i < t->ncols; i++) {
		c = &t->cells[i];
		s = t->text.p + c->off;
		err = LXW_NO_ERROR;
		switch (c->st) {
		case C_EMPTY:
			continue;
		case C_ZERO:
		case C_ONE:
			err = worksheet_write_number(t->ws, t->wrow,
			    (lxw_col_t)i, c->st == C_ONE, NULL);
			break;
		case C_NUM:
			err = worksheet_write_number(t->ws, t->wrow,
			    (lxw_col_t)i, strtod(s, NULL), NULL);
			break;
		default:
			if (t->cols[i].kind == XC_NUMBER &&
			    plain_number(s, c->len))
				err = worksheet_write_number(t->ws, t->wrow,
				    (lxw_col_t)i, strtod(s, NULL), NULL);
			else if (t->cols[i].kind == XC_DATE &&
			    date_parse(s, &days) == 0) {
				date_civil_from_days(days, &y, &mo, &d);
				memset(&dt, 0, sizeof(dt));
				dt.year = y;
				dt.month = mo;
				dt.day = d;
				err = worksheet_write_datetime(t->ws, t->wrow,
				    (lxw_col_t)i, &dt, x->date);
			} else {
				xlsx_cut(x, s, c->len);
				err = worksheet_write_string(t->ws, t->wrow,
				    (lxw_col_t)i, s, NULL);
			}
		}
		if (err != LXW_NO_ERROR)
			return lxw_fail(x, err);
	}
	t->wrow++;
	t->nrows++;
	return 0;
}

struct count_of {
	const char	*id;
	int64_t		 n;
};

static int
count_row(const char *key, int64_t n, void *arg)
{
	struct count_of	*c = arg;

	if (key != NULL && strcmp(key, c->id) == 0)
		c->n = n;
	return 0;
}

static int
export_xlsx(struct xport *x, struct hub_store *st, const char *path,
    const char *tmpdir)
{
	lxw_workbook_options	 o;
	struct count_of		 cnt = { x->form_id, 0 };
	lxw_error		 err;
	size_t			 i;
	int			 rc;

	if ((rc = hub_store_count_by_form(st, count_row, &cnt, x->e)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.constant_memory = LXW_TRUE;
	o.tmpdir = (char *)tmpdir;
	o.use_zip64 = cnt.n >= XLSX_ZIP64_FROM;
	if ((x->wb = workbook_new_opt(path, &o)) == NULL)
		return err_set(x->e, ERR_IO, _("cannot create '%s'"), path);
	x->emit = xlsx_emit;
	if ((x->bold = workbook_add_format(x->wb)) == NULL ||
	    (x->italic = workbook_add_format(x->wb)) == NULL ||
	    (x->date = workbook_add_format(x->wb)) == NULL) {
		rc = nomem(x->e);
		goto out;
	}
	format_set_bold(x->bold);
	format_set_italic(x->italic);
	format_set_num_format(x->date, "yyyy-mm-dd");
	for (i = 0; i < x->ntables; i++)
		if ((rc = xlsx_sheet(x, &x->tables[i])) != 0)
			goto out;
	while (rc == 0 && !x->done)
		rc = export_step(x);
out:
	/* Closing writes the file; on an error it is removed anyway. */
	err = workbook_close(x->wb);
	x->wb = NULL;
	if (rc == 0 && err != LXW_NO_ERROR)
		rc = lxw_fail(x, err);
	if (rc == 0) {
		x->n->submissions = x->tables[0].nrows;
		for (i = 1; i < x->ntables; i++)
			x->n->rows += x->tables[i].nrows;
		x->n->truncated = x->truncated;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* json: the lines as received                                         */

struct json_sink {
	FILE		*fp;
	uint64_t	 n;
};

static int
put_line(const char *line, size_t len, void *arg)
{
	struct json_sink	*k = arg;

	if (fputs(k->n == 0 ? "[\n" : ",\n", k->fp) == EOF ||
	    fwrite(line, 1, len, k->fp) != len)
		return ERR_IO;
	k->n++;
	return 0;
}

struct has_form {
	const char	*id;
	int		 found;
};

static int
is_form(const struct hub_form *f, void *arg)
{
	struct has_form	*h = arg;

	if (strcmp(f->form_id, h->id) == 0)
		h->found = 1;
	return 0;
}

/* ERR_INPUT when the hub has no version of form_id: said before any
 * file is made. */
static int
check_form(struct hub_store *st, const char *form_id, struct err *e)
{
	struct has_form	h = { form_id, 0 };
	int		rc;

	if ((rc = hub_store_each_form(st, is_form, &h, e)) != 0)
		return rc;
	if (!h.found)
		return err_set(e, ERR_INPUT, _("no form '%s' on this hub (see "
		    "'hub forms list')"), form_id);
	return 0;
}

static int
export_json(struct hub_store *st, const char *form_id, FILE *fp,
    struct export_counts *n, struct err *e)
{
	struct json_sink	k = { fp, 0 };
	int			rc;

	rc = hub_store_each_current(st, form_id, put_line, &k, e);
	if (rc == 0 && fputs(k.n == 0 ? "[]\n" : "\n]\n", fp) == EOF)
		rc = ERR_IO;
	if (rc == ERR_IO && e->code == 0)
		rc = err_set(e, ERR_IO, _("cannot write the export: %s"),
		    strerror(errno));
	n->submissions = k.n;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Where the file is made                                              */

/* Everything in a private directory, removed with what is left in it. */
static void
private_dir_remove(const char *dir)
{
	char		 p[PATH_MAX];
	struct dirent	*d;
	DIR		*dp;

	if ((dp = opendir(dir)) != NULL) {
		while ((d = readdir(dp)) != NULL)
			if (strcmp(d->d_name, ".") != 0 &&
			    strcmp(d->d_name, "..") != 0 &&
			    (size_t)snprintf(p, sizeof(p), "%s/%s", dir,
			    d->d_name) < sizeof(p))
				unlink(p);
		closedir(dp);
	}
	rmdir(dir);
}

/* fmt's file at file, made from st (tmpdir: where temporary files go). */
static int
make_file(struct hub_store *st, const char *form_id,
    enum export_format fmt, const char *file, const char *tmpdir,
    struct export_counts *n, struct err *e)
{
	struct xport	 x;
	FILE		*fp;
	int		 fd, rc;

	if (fmt == EXPORT_JSON) {
		if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
			rc = err_set(e, ERR_IO, _("cannot create '%s': %s"),
			    file, strerror(errno));
			if (fd >= 0)
				close(fd);
			return rc;
		}
		rc = export_json(st, form_id, fp, n, e);
		if (fclose(fp) != 0 && rc == 0)
			rc = err_set(e, ERR_IO, _("cannot write '%s': %s"),
			    file, strerror(errno));
		return rc;
	}
	memset(&x, 0, sizeof(x));
	arena_init(&x.arena, 0);
	buf_init(&x.keypath, EXPORT_ROW_MAX);
	buf_init(&x.key, BATCH_LINE_MAX);
	buf_init(&x.promoter, BATCH_LINE_MAX);
	x.e = e;
	x.n = n;
	x.now = time(NULL);
	zip_error_init(&x.zerr);
	if ((rc = hub_store_export_open(st, form_id, &x.cur, e)) == 0 &&
	    (rc = layout_build(&x, st, form_id)) == 0) {
		n->tables = x.ntables;
		n->columns = x.tables[0].ncols;
		rc = fmt == EXPORT_CSV ? export_csv(&x, file, tmpdir) :
		    export_xlsx(&x, st, file, tmpdir);
	}
	zip_error_fini(&x.zerr);
	xport_release(&x);
	return rc;
}

int
export_format_parse(const char *name, enum export_format *out)
{
	if (strcmp(name, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcmp(name, "xlsx") == 0)
		*out = EXPORT_XLSX;
	else if (strcmp(name, "json") == 0)
		*out = EXPORT_JSON;
	else
		return ERR_USAGE;
	return 0;
}

static const char *const suffix[] = {
	[EXPORT_JSON] = "json", [EXPORT_CSV] = "zip", [EXPORT_XLSX] = "xlsx"
};

int
export_to_file(struct hub_store *st, const char *form_id,
    enum export_format fmt, const char *path, struct export_counts *n,
    struct err *e)
{
	char	 dir[PATH_MAX], file[PATH_MAX + 16], parent[PATH_MAX];
	char	*slash;
	int	 fd, rc;

	memset(n, 0, sizeof(*n));
	if ((rc = check_form(st, form_id, e)) != 0)
		return rc;
	if ((size_t)snprintf(dir, sizeof(dir), "%s.tmp.XXXXXX", path) >=
	    sizeof(dir) || (size_t)snprintf(file, sizeof(file),
	    "%s/export.%s", dir, suffix[fmt]) >= sizeof(file))
		return err_set(e, ERR_USAGE, _("'%s': path too long"), path);
	/* What devices sent is personal data: the owner's only, and never
	 * half a file under PATH. */
	if (mkdtemp(dir) == NULL)
		return err_set(e, ERR_IO, _("cannot create '%s': %s"), path,
		    strerror(errno));
	snprintf(file, sizeof(file), "%s/export.%s", dir, suffix[fmt]);
	rc = make_file(st, form_id, fmt, file, dir, n, e);
	if (rc == 0 && (chmod(file, 0600) != 0 ||
	    (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0))
		rc = err_set(e, ERR_IO, _("cannot write '%s': %s"), path,
		    strerror(errno));
	else if (rc == 0) {
		if (fsync(fd) != 0)
			rc = err_set(e, ERR_IO, _("cannot sync '%s': %s"),
			    path, strerror(errno));
		close(fd);
	}
	if (rc == 0 && rename(file, path) != 0)
		rc = err_set(e, ERR_IO, _("cannot write '%s': %s"), path,
		    strerror(errno));
	private_dir_remove(dir);
	if (rc == 0) {
		snprintf(parent, sizeof(parent), "%s", path);
		if ((slash = strrchr(parent, '/')) == NULL)
			snprintf(parent, sizeof(parent), ".");
		else if (slash == parent)
			parent[1] = '\0';	/* "/" itself */
		else
			*slash = '\0';
		if ((fd = open(parent, O_RDONLY | O_DIRECTORY)) >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	return rc;
}

int
export_to_stream(struct hub_store *st, const char *form_id,
    enum export_format fmt, FILE *fp, struct export_counts *n,
    struct err *e)
{
	char		 dir[PATH_MAX], file[PATH_MAX + 16];
	char		 chunk[EXPORT_CHUNK];
	const char	*tmp = getenv("TMPDIR");
	FILE		*in;
	size_t		 got;
	int		 rc;

	memset(n, 0, sizeof(*n));
	if ((rc = check_form(st, form_id, e)) != 0)
		return rc;
	if (fmt == EXPORT_JSON)
		return export_json(st, form_id, fp, n, e);
	/* A zip is written with seeks: made aside, then copied. */
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/hub-export.XXXXXX", tmp) >=
	    sizeof(dir) || mkdtemp(dir) == NULL)
		return err_set(e, ERR_IO, _("cannot create a temporary "
		    "directory in '%s': %s"), tmp, strerror(errno));
	snprintf(file, sizeof(file), "%s/export.%s", dir, suffix[fmt]);
	rc = make_file(st, form_id, fmt, file, dir, n, e);
	if (rc == 0 && (in = fopen(file, "rb")) == NULL)
		rc = err_set(e, ERR_IO, _("cannot read '%s': %s"), file,
		    strerror(errno));
	else if (rc == 0) {
		while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
			if (fwrite(chunk, 1, got, fp) != got)
				break;
		if (ferror(in) || ferror(fp) || fflush(fp) != 0)
			rc = err_set(e, ERR_IO, _("cannot write the export: "
			    "%s"), strerror(errno));
		fclose(in);
	}
	private_dir_remove(dir);
	return rc;
}
