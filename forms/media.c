/*
 * media.c: a form's attachments, the files ODK Collect keeps in the
 * form's media folder and reads as secondary instances: CSV, XML and
 * GeoJSON lists for select_one_from_file, instance('name'), pulldata()
 * and the csv-external / xml-external rows.
 *
 * Each file is read into a table (column names, rows of cells), then into
 * every list of the form that names the file, a row to a choice: the
 * columns the question's parameters name give its name and label, every
 * column is kept for choice_filter and for paths into the instance. The
 * rows are indexed by every column in hash tables keyed with a secret
 * (SipHash, libsodium's crypto_shorthash), so that pulldata() over a
 * district's 100,000 places is one lookup, and no file can be written to
 * make the tables quadratic.
 *
 * Attachments come from outside like the form: every ceiling is checked
 * before the work it bounds (MEDIA_MAX_BYTES before parsing, nesting
 * before jansson recurses, MEDIA_MAX_COLS before a column is looked up),
 * and every message names the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <jansson.h>
#include <sodium.h>

#include "workbook_priv.h"

/* Distinct columns of one attachment: each new XML element or GeoJSON
 * property name is compared with those before it. */
#define MEDIA_MAX_COLS	1024

/* ------------------------------------------------------------------ */
/* A file as a table                                                   */

struct cellref {
	uint32_t	 row;
	uint32_t	 col;
	char		*value;		/* in the form's arena */
};

struct table {
	struct arena	*arena;		/* the form's */
	const char	*file;
	char		*cols[MEDIA_MAX_COLS];
	size_t		 ncols;
	size_t		 nrows;
	struct cellref	*cells;		/* heap; in row order */
	size_t		 ncells, cap;
};

static int
nomem(const struct table *t, struct err *e)
{
	return err_set(e, ERR_NOMEM, _("%s: out of memory"), t->file);
}

/* The index of column name, added when new. */
static int
table_col(struct table *t, const char *name, size_t len, size_t *out,
    struct err *e)
{
	size_t	i;

	for (i = 0; i < t->ncols; i++)
		if (strlen(t->cols[i]) == len &&
		    memcmp(t->cols[i], name, len) == 0) {
			*out = i;
			return 0;
		}
	if (t->ncols == MEDIA_MAX_COLS)
		return err_set(e, ERR_INPUT, _("%s: more than %d columns"),
		    t->file, MEDIA_MAX_COLS);
	if ((t->cols[t->ncols] = arena_strndup(t->arena, name, len)) == NULL)
		return nomem(t, e);
	*out = t->ncols++;
	return 0;
}

static int
table_cell(struct table *t, size_t col, const char *s, size_t len,
    struct err *e)
{
	struct cellref	*c;

	if (t->ncells == t->cap) {
		size_t	 cap = t->cap ? t->cap * 2 : 256;
		void	*p = realloc(t->cells, cap * sizeof(*t->cells));

		if (p == NULL)
			return nomem(t, e);
		t->cells = p;
		t->cap = cap;
	}
	c = &t->cells[t->ncells];
	c->row = (uint32_t)t->nrows;
	c->col = (uint32_t)col;
	if ((c->value = arena_strndup(t->arena, s, len)) == NULL)
		return nomem(t, e);
	t->ncells++;
	return 0;
}

static int
table_end_row(struct table *t, struct err *e)
{
	if (++t->nrows > MEDIA_MAX_ROWS)
		return err_set(e, ERR_INPUT, _("%s: more than %d rows"),
		    t->file, MEDIA_MAX_ROWS);
	return 0;
}

/* ------------------------------------------------------------------ */
/* CSV: a header row, then a row per record (csv.c's reader)            */

struct csvread {
	struct table	*t;
	long		 colof[WORKBOOK_MAX_COLS + 2];	/* field -> column */
	size_t		 nfields;
	int		 header_done;
};

static int
csv_row(const struct csv_record *r, void *arg, struct err *e)
{
	struct csvread	*c = arg;
	struct table	*t = c->t;
	size_t		 i, col;
	int		 rc, any = 0;

	if (r->bad >= 0)
		return err_set(e, ERR_INPUT, _("%s:%d: field %ld is not UTF-8 "
		    "text (or holds a NUL byte): save the file as CSV UTF-8"),
		    t->file, r->line, r->bad + 1);
	for (i = 0; i < r->n; i++)
		any |= r->f[i] != NULL;
	if (!any)
		return 0;
	if (!c->header_done) {
		c->header_done = 1;
		c->nfields = r->n;
		for (i = 0; i < r->n; i++) {
			const char	*h = r->f[i];

			c->colof[i] = -1;
			if (h == NULL)
				continue;
			/* Excel's "CSV UTF-8" starts with a byte order
			 * mark */
			if (i == 0 && strncmp(h, "\xef\xbb\xbf", 3) == 0)
				h += 3;
			if (*h == '\0')
				continue;
			if ((rc = table_col(t, h, strlen(h), &col, e)) != 0)
				return rc;
			c->colof[i] = (long)col;
		}
		return 0;
	}
	/* Fields past the header's have no column: ignored, as ODK. */
	for (i = 0; i < r->n && i < c->nfields; i++)
		if (r->f[i] != NULL && c->colof[i] >= 0 &&
		    (rc = table_cell(t, (size_t)c->colof[i], r->f[i],
		    strlen(r->f[i]), e)) != 0)
			return rc;
	return table_end_row(t, e);
}

static int
read_csv(struct table *t, const char *s, size_t len, struct err *e)
{
	struct csvread	*c;
	int		 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return nomem(t, e);
	c->t = t;
	rc = csv_records(t->file, s, len, t->arena, csv_row, c, e);
	free(c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* XML: <root><item><name>a</name>...</item>...</root>                  */

struct xmlread {
	struct table	*t;
	XML_Parser	 p;
	struct err	*e;
	int		 rc;
	int		 depth;
	long		 col;		/* depth 3: the column being read */
	struct buf	 text;
};

static void
xml_fail(struct xmlread *x, int rc)
{
	if (x->rc == 0)
		x->rc = rc;
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL
xml_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xmlread	*x = arg;
	size_t		 col;
	int		 rc;

	(void)attrs;
	if (x->rc != 0)
		return;
	if (++x->depth > MEDIA_MAX_DEPTH) {
		xml_fail(x, err_set(x->e, ERR_INPUT, _("%s:%lu: elements "
		    "nested more than %d deep"), x->t->file,
		    (unsigned long)XML_GetCurrentLineNumber(x->p),
		    MEDIA_MAX_DEPTH));
		return;
	}
	if (x->depth == 3) {
		if ((rc = table_col(x->t, name, strlen(name), &col,
		    x->e)) != 0) {
			xml_fail(x, rc);
			return;
		}
		x->col = (long)col;
		buf_reset(&x->text);
	}
}

static void XMLCALL
xml_end(void *arg, const XML_Char *name)
{
	struct xmlread	*x = arg;
	int		 rc = 0;

	(void)name;
	if (x->rc != 0)
		return;
	if (x->depth == 3 && x->col >= 0 && x->text.len > 0)
		rc = table_cell(x->t, (size_t)x->col, x->text.p, x->text.len,
		    x->e);
	else if (x->depth == 2)
		rc = table_end_row(x->t, x->e);
	if (x->depth == 3)
		x->col = -1;
	if (rc != 0)
		xml_fail(x, rc);
	x->depth--;
}

static void XMLCALL
xml_text(void *arg, const XML_Char *s, int len)
{
	struct xmlread	*x = arg;

	if (x->rc != 0 || x->depth != 3 || x->col < 0)
		return;
	if (buf_add(&x->text, s, (size_t)len) != 0)
		xml_fail(x, err_set(x->e, ERR_INPUT, _("%s:%lu: a value "
		    "longer than %u bytes"), x->t->file,
		    (unsigned long)XML_GetCurrentLineNumber(x->p),
		    WB_MAX_CELL_BYTES));
}

/* A DTD can declare entities that expand to gigabytes ("billion
 * laughs"); a list has no use for one. */
static void XMLCALL
xml_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal)
{
	struct xmlread	*x = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	xml_fail(x, err_set(x->e, ERR_INPUT, _("%s:%lu: a DOCTYPE is not "
	    "allowed in an attachment"), x->t->file,
	    (unsigned long)XML_GetCurrentLineNumber(x->p)));
}

static int
read_xml(struct table *t, const char *s, size_t len, struct err *e)
{
	struct xmlread	x;
	int		rc;

	memset(&x, 0, sizeof(x));
	x.t = t;
	x.e = e;
	x.col = -1;
	buf_init(&x.text, WB_MAX_CELL_BYTES);
	if ((x.p = XML_ParserCreate("UTF-8")) == NULL)
		return nomem(t, e);
	XML_SetUserData(x.p, &x);
	XML_SetElementHandler(x.p, xml_start, xml_end);
	XML_SetCharacterDataHandler(x.p, xml_text);
	XML_SetStartDoctypeDeclHandler(x.p, xml_doctype);
	/* One call with the whole text: expat rescans an unfinished token
	 * at each new chunk, so chunks would make a long token quadratic.
	 * Without a DTD no entity but the predefined ones expands. */
	if (XML_Parse(x.p, s, (int)len, XML_TRUE) != XML_STATUS_OK &&
	    x.rc == 0)
		x.rc = err_set(e, ERR_INPUT, _("%s:%lu: %s"), t->file,
		    (unsigned long)XML_GetCurrentLineNumber(x.p),
		    XML_ErrorString(XML_GetErrorCode(x.p)));
	rc = x.rc;
	XML_ParserFree(x.p);
	buf_release(&x.text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* GeoJSON: a FeatureCollection, as JavaRosa's GeoJsonExternalInstance  */

/* Deepest nesting of [ and { outside strings: checked before jansson,
 * which recurses once per level. */
static int
json_depth_ok(const char *s, size_t len)
{
	size_t	i;
	int	depth = 0, str = 0;

	for (i = 0; i < len; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = 0;
		} else if (s[i] == '"')
			str = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > MEDIA_MAX_DEPTH)
				return 0;
		} else if (s[i] == ']' || s[i] == '}')
			depth--;
	}
	return 1;
}

/* A JSON scalar as the text ODK stores; 0 when it is none. */
static int
json_text(const json_t *v, char *out, size_t n)
{
	if (json_is_string(v))
		return 0;	/* the caller takes it as it is */
	if (json_is_integer(v))
		snprintf(out, n, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else if (json_is_real(v))
		expr_number_text(json_real_value(v), out, n);
	else if (json_is_true(v))
		snprintf(out, n, "true");
	else if (json_is_false(v))
		snprintf(out, n, "false");
	else
		return -1;
	return 1;
}

static int
geo_cell(struct table *t, const char *col, const json_t *v, struct err *e)
{
	char	num[64];
	size_t	c;
	int	rc, k;

	if ((k = json_text(v, num, sizeof(num))) < 0)
		return 0;	/* null, or an object: no value */
	if ((rc = table_col(t, col, strlen(col), &c, e)) != 0)
		return rc;
	if (k == 0)
		return table_cell(t, c, json_string_value(v),
		    json_string_length(v), e);
	return table_cell(t, c, num, strlen(num), e);
}

/* One position [lon, lat, alt?] as ODK's "lat lon alt 0". */
static int
geo_point(const json_t *p, struct buf *b)
{
	char	lat[64], lon[64], alt[64] = "0";

	if (!json_is_array(p) || json_array_size(p) < 2 ||
	    !json_is_number(json_array_get(p, 0)) ||
	    !json_is_number(json_array_get(p, 1)))
		return -1;
	expr_number_text(json_number_value(json_array_get(p, 0)), lon,
	    sizeof(lon));
	expr_number_text(json_number_value(json_array_get(p, 1)), lat,
	    sizeof(lat));
	if (json_is_number(json_array_get(p, 2)))
		expr_number_text(json_number_value(json_array_get(p, 2)), alt,
		    sizeof(alt));
	return buf_addf(b, "%s%s %s %s 0", b->len > 0 ? "; " : "", lat, lon,
	    alt) != 0 ? -1 : 0;
}

/* Point, LineString or Polygon (its outer ring): what ODK's geopoint,
 * geotrace and geoshape hold. */
static int
geo_geometry(const json_t *g, struct buf *b)
{
	const char	*type = json_string_value(json_object_get(g, "type"));
	const json_t	*co = json_object_get(g, "coordinates");
	size_t		 i;

	if (type == NULL)
		return -1;
	if (strcmp(type, "Point") == 0)
		return geo_point(co, b);
	if (strcmp(type, "Polygon") == 0)
		co = json_array_get(co, 0);
	else if (strcmp(type, "LineString") != 0)
		return -1;
	if (!json_is_array(co) || json_array_size(co) == 0)
		return -1;
	for (i = 0; i < json_array_size(co); i++)
		if (geo_point(json_array_get(co, i), b) != 0)
			return -1;
	return 0;
}

static int
read_geojson(struct table *t, const char *s, size_t len, struct err *e)
{
	json_t		*root, *feats, *ft, *props, *v;
	json_error_t	 je;
	const char	*key;
	struct buf	 geo;
	size_t		 i, c;
	int		 rc = 0;

	if (!json_depth_ok(s, len))
		return err_set(e, ERR_INPUT, _("%s: nested more than %d "
		    "deep"), t->file, MEDIA_MAX_DEPTH);
	if ((root = json_loadb(s, len, 0, &je)) == NULL)
		return err_set(e, ERR_INPUT, _("%s:%d: %s"), t->file, je.line,
		    je.text);
	feats = json_object_get(root, "features");
	if (!json_is_object(root) || !json_is_array(feats) ||
	    json_string_value(json_object_get(root, "type")) == NULL ||
	    strcmp(json_string_value(json_object_get(root, "type")),
	    "FeatureCollection") != 0) {
		json_decref(root);
		return err_set(e, ERR_INPUT, _("%s: not a GeoJSON "
		    "FeatureCollection (an object with \"type\": "
		    "\"FeatureCollection\" and \"features\")"), t->file);
	}
	buf_init(&geo, WB_MAX_CELL_BYTES);
	for (i = 0; i < json_array_size(feats) && rc == 0; i++) {
		ft = json_array_get(feats, i);
		buf_reset(&geo);
		if (!json_is_object(ft) ||
		    geo_geometry(json_object_get(ft, "geometry"), &geo) != 0) {
			rc = err_set(e, ERR_INPUT, _("%s: feature %zu: not a "
			    "feature with a Point, LineString or Polygon "
			    "geometry"), t->file, i + 1);
			break;
		}
		if ((rc = table_col(t, "geometry", 8, &c, e)) != 0 ||
		    (rc = table_cell(t, c, geo.p, geo.len, e)) != 0)
			break;
		/* The feature's own id first: a property "id" after it
		 * names the same column and is ignored. */
		if ((v = json_object_get(ft, "id")) != NULL &&
		    (rc = geo_cell(t, "id", v, e)) != 0)
			break;
		props = json_object_get(ft, "properties");
		json_object_foreach(props, key, v) {
			if (strcmp(key, "geometry") == 0 ||
			    (strcmp(key, "id") == 0 &&
			    json_object_get(ft, "id") != NULL))
				continue;
			if ((rc = geo_cell(t, key, v, e)) != 0)
				break;
		}
		if (rc == 0)
			rc = table_end_row(t, e);
	}
	buf_release(&geo);
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Index: per column, value -> first row                               */

struct media_index {
	size_t		  ncols;
	char		**cols;		/* shared with the rows' colnames */
	size_t		  mask;		/* slots per column - 1 */
	uint32_t	 *slots;	/* ncols * (mask + 1): row + 1, or 0 */
	unsigned char	  key[crypto_shorthash_KEYBYTES];
};

static size_t
slot_of(const struct media_index *ix, const char *s)
{
	unsigned char	h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, (const unsigned char *)s, strlen(s), ix->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & ix->mask;
}

static int
build_index(struct arena *a, struct choice_list *l, char **cols,
    size_t ncols)
{
	struct media_index	*ix;
	size_t			 nslots = 16, i, c, k;

	if (sodium_init() < 0)
		return ERR_NOMEM;
	while (nslots < 2 * l->n)
		nslots *= 2;
	if ((ix = arena_alloc(a, sizeof(*ix))) == NULL ||
	    (ix->slots = arena_alloc(a, ncols * nslots *
	    sizeof(uint32_t))) == NULL)
		return ERR_NOMEM;
	ix->ncols = ncols;
	ix->cols = cols;
	ix->mask = nslots - 1;
	randombytes_buf(ix->key, sizeof(ix->key));
	for (c = 0; c < ncols; c++) {
		uint32_t	*col = ix->slots + c * nslots;

		for (i = 0; i < l->n; i++) {
			const char	*v = l->v[i].colvals[c];

			if (v == NULL)
				continue;
			for (k = slot_of(ix, v); col[k] != 0; k = (k + 1) &
			    ix->mask)
				if (strcmp(l->v[col[k] - 1].colvals[c], v) ==
				    0)
					break;
			if (col[k] == 0)
				col[k] = (uint32_t)i + 1;
		}
	}
	l->index = ix;
	return 0;
}

const struct choice *
media_lookup(const struct choice_list *l, const char *col, const char *value)
{
	const struct media_index	*ix = l->index;
	const uint32_t			*slots;
	size_t				 c, k;

	if (ix == NULL || value == NULL)
		return NULL;
	for (c = 0; c < ix->ncols; c++)
		if (strcmp(ix->cols[c], col) == 0)
			break;
	if (c == ix->ncols)
		return NULL;
	slots = ix->slots + c * (ix->mask + 1);
	for (k = slot_of(ix, value); slots[k] != 0; k = (k + 1) & ix->mask)
		if (strcmp(l->v[slots[k] - 1].colvals[c], value) == 0)
			return &l->v[slots[k] - 1];
	return NULL;
}

const char *
choice_col(const struct choice *ch, const char *col)
{
	size_t	i;

	for (i = 0; i < ch->ncols; i++)
		if (strcmp(ch->colnames[i], col) == 0)
			return ch->colvals[i];
	if (strcmp(col, "name") == 0)
		return ch->name;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* A table into the lists that read the file                           */

static long
col_index(const struct table *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (long)i;
	return -1;
}

static int
fill_list(struct form *f, struct choice_list *l, const struct table *t,
    char **cols, char ***rows, struct err *e)
{
	long	 vcol, lcol, *lang_col;
	size_t	 i, k, j;

	vcol = col_index(t, l->value_col);
	if (vcol < 0)
		return err_set(e, ERR_INPUT, _("%s: no column '%s' (the "
		    "choices' names)"), t->file, l->value_col);
	lcol = col_index(t, l->label_col);
	/* label::Language (code) columns, for the form's languages */
	if ((lang_col = arena_alloc(&f->arena, f->nlangs *
	    sizeof(long))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	for (k = 0; k < f->nlangs; k++) {
		lang_col[k] = -1;
		for (j = 0; j < t->ncols; j++) {
			size_t	n = strlen(l->label_col);

			if (strncmp(t->cols[j], l->label_col, n) == 0 &&
			    strncmp(t->cols[j] + n, "::", 2) == 0 &&
			    form_lang(f, t->cols[j] + n + 2) == (int)k)
				lang_col[k] = (long)j;
		}
	}
	if ((l->v = arena_alloc(&f->arena, (t->nrows + 1) *
	    sizeof(*l->v))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	for (i = k = 0; i < t->nrows; i++) {
		struct choice	*c = &l->v[k];

		/* A row without a name cannot be chosen: ODK leaves it
		 * out too. */
		if ((c->name = rows[i][vcol]) == NULL)
			continue;
		c->row = (int)i + 2;
		c->ncols = t->ncols;
		c->colnames = cols;
		c->colvals = rows[i];
		if ((c->label.v = arena_alloc(&f->arena, f->nlangs *
		    sizeof(char *))) == NULL)
			return err_set(e, ERR_NOMEM, _("out of memory"));
		for (j = 0; j < f->nlangs; j++)
			c->label.v[j] = lang_col[j] >= 0 ?
			    rows[i][lang_col[j]] : NULL;
		if (lcol >= 0 && c->label.v[f->default_lang] == NULL)
			c->label.v[f->default_lang] = rows[i][lcol];
		k++;
	}
	l->n = k;
	if (build_index(&f->arena, l, cols, t->ncols) != 0)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	l->attached = 1;
	return 0;
}

char *
media_dir(const char *form_file)
{
	const char	*base = strrchr(form_file, '/');
	const char	*dot = strrchr(form_file, '.');
	char		*s;
	size_t		 n;

	base = base != NULL ? base + 1 : form_file;
	n = dot != NULL && dot > base ? (size_t)(dot - form_file) :
	    strlen(form_file);
	if ((s = malloc(n + sizeof("-media"))) == NULL)
		return NULL;
	memcpy(s, form_file, n);
	memcpy(s + n, "-media", sizeof("-media"));
	return s;
}

int
media_name_ok(const char *name)
{
	const unsigned char	*p = (const unsigned char *)name;

	if (*p == '\0' || *p == '.' || strlen(name) > 255)
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' ||
		    *p == ':')
			return 0;
	return 1;
}

static int
has_ext(const char *name, const char *ext)
{
	size_t	n = strlen(name), k = strlen(ext);

	return n > k && strcasecmp(name + n - k, ext) == 0;
}

const struct choice_list *
form_media(const struct form *f, size_t i)
{
	size_t	k, j;

	for (k = 0; k < f->nlists; k++) {
		if (f->lists[k].origin != LIST_FILE)
			continue;
		for (j = 0; j < k; j++)
			if (f->lists[j].origin == LIST_FILE &&
			    strcmp(f->lists[j].file, f->lists[k].file) == 0)
				break;
		if (j == k && i-- == 0)
			return &f->lists[k];
	}
	return NULL;
}

int
form_attach(struct form *f, const char *name, const void *data, size_t len,
    struct err *e)
{
	struct table	  t;
	char		***rows = NULL, **cols;
	size_t		  i;
	int		  rc = 0, wanted = 0;

	for (i = 0; i < f->nlists; i++)
		if (f->lists[i].origin == LIST_FILE &&
		    strcmp(f->lists[i].file, name) == 0)
			wanted = 1;
	if (!wanted)
		return 0;
	if (len > MEDIA_MAX_BYTES)
		return err_set(e, ERR_INPUT, _("attachment '%s': larger than "
		    "%u MB"), name, MEDIA_MAX_BYTES >> 20);
	memset(&t, 0, sizeof(t));
	t.arena = &f->arena;
	t.file = name;
	if (has_ext(name, ".csv"))
		rc = read_csv(&t, data, len, e);
	else if (has_ext(name, ".xml"))
		rc = read_xml(&t, data, len, e);
	else if (has_ext(name, ".geojson"))
		rc = read_geojson(&t, data, len, e);
	else
		rc = err_set(e, ERR_INPUT, _("attachment '%s': not a .csv, "
		    ".xml or .geojson file"), name);
	if (rc != 0)
		goto out;
	/* The cells, in row order, into a row of every column each; the
	 * column names out of t, which is gone when this returns. */
	if ((rows = arena_alloc(&f->arena, (t.nrows + 1) *
	    sizeof(*rows))) == NULL || (cols = arena_alloc(&f->arena,
	    (t.ncols + 1) * sizeof(*cols))) == NULL) {
		rc = nomem(&t, e);
		goto out;
	}
	memcpy(cols, t.cols, t.ncols * sizeof(*cols));
	for (i = 0; i < t.nrows; i++)
		if ((rows[i] = arena_alloc(&f->arena, (t.ncols + 1) *
		    sizeof(char *))) == NULL) {
			rc = nomem(&t, e);
			goto out;
		}
	for (i = 0; i < t.ncells; i++)
		if (rows[t.cells[i].row][t.cells[i].col] == NULL)
			rows[t.cells[i].row][t.cells[i].col] =
			    t.cells[i].value;
	for (i = 0; i < f->nlists && rc == 0; i++)
		if (f->lists[i].origin == LIST_FILE &&
		    strcmp(f->lists[i].file, name) == 0)
			rc = fill_list(f, &f->lists[i], &t, cols, rows, e);
out:
	if (rc != 0)
		for (i = 0; i < f->nlists; i++)
			if (f->lists[i].origin == LIST_FILE &&
			    strcmp(f->lists[i].file, name) == 0) {
				f->lists[i].n = 0;
				f->lists[i].attached = 0;
				f->lists[i].index = NULL;
			}
	free(t.cells);
	return rc;
}

int
form_attach_all(struct form *f, const char *where, media_read_fn *read,
    media_keep_fn *keep, void *arg, struct diags *d, struct err *e)
{
	const struct choice_list	*l;
	struct err			 le;
	char				*data;
	size_t				 i, len;
	int				 rc, missing;

	f->media_given = 1;
	for (i = 0; i < f->nmedia; i++) {
		l = form_media(f, i);
		err_init(&le);
		data = NULL;
		missing = 0;
		if ((rc = read(arg, l->file, &data, &len, &missing,
		    &le)) == 0 && !missing)
			rc = form_attach(f, l->file, data, len, &le);
		if (rc == ERR_NOMEM) {
			free(data);
			return err_set(e, rc, "%s", le.msg);
		}
		if (rc != 0) {
			/* the survey row that needs it, and why */
			diags_add(d, DIAG_ERROR, "survey", l->row, NULL, "%s",
			    le.msg);
			free(data);
			continue;
		}
		if (missing) {
			diags_add(d, DIAG_WARNING, "survey", l->row, NULL,
			    _("attachment '%s' is not in '%s': its list is "
			    "empty until the form is installed with it"),
			    l->file, where);
			continue;
		}
		if (keep == NULL)
			free(data);
		else if ((rc = keep(arg, l->file, data, len, e)) != 0)
			return rc;
	}
	return 0;
}

int
media_source_read(void *arg, const char *name, char **out, size_t *len,
    int *missing, struct err *e)
{
	const struct media_source	*src = arg;
	const struct bundled_file	*b;

	if (src->files == NULL)
		return file_read_in(src->dirfd, src->dir, name,
		    MEDIA_MAX_BYTES, out, len, missing, e);
	*out = NULL;
	*len = 0;
	for (b = src->files; b->name != NULL && strcmp(b->name, name) != 0;
	    b++)
		;
	if ((*missing = b->name == NULL))
		return 0;
	if ((*out = malloc(b->len + 1)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	memcpy(*out, b->data, b->len);
	(*out)[b->len] = '\0';
	*len = b->len;
	return 0;
}
