/*
 * workbook.c: a spreadsheet's bytes to sheets of text cells.
 *
 * The format is told by the content (the name may lie, and a phone's
 * download folder loses extensions): a zip is an .xlsx, an OLE2 file is
 * an old .xls (refused with a way out), a table of '|' lines is pyxform's
 * markdown, and other UTF-8 text is pyxform's one-file CSV. The readers
 * (xlsx.c, csv.c) feed the builder below, which alone enforces the
 * ceilings and lays out the rows, so that the three agree on what a row,
 * an empty cell and a limit are.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workbook_priv.h"

/* Old Excel (.xls) files are OLE2 compound documents. */
static const unsigned char ole2_magic[8] = {
	0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
};

/* How much of a text file is looked at to tell it from binary junk. */
#define SNIFF_BYTES	4096

struct wb_pending {
	long	 row;
	long	 col;
	size_t	 seq;		/* arrival order: the later of two wins */
	char	*s;
};

void
wbb_init(struct wb_build *b, struct workbook *wb, const char *file)
{
	memset(b, 0, sizeof(*b));
	b->wb = wb;
	b->file = file;
}

void
wbb_release(struct wb_build *b)
{
	free(b->pend);
	b->pend = NULL;
	b->npend = b->cappend = 0;
}

void
wb_colname(long col, char *out, size_t n)
{
	char	tmp[16];
	size_t	i = 0, j;

	while (col > 0 && i < sizeof(tmp)) {
		tmp[i++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (j = 0; j < i && j + 1 < n; j++)
		out[j] = tmp[i - 1 - j];
	if (n > 0)
		out[j < n ? j : n - 1] = '\0';
}

/* Spaces, tabs, line ends and U+00A0 only: pyxform's is_empty(). */
static int
blank(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	while (*p != '\0') {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xc2 && p[1] == 0xa0)
			p += 2;
		else
			return 0;
	}
	return 1;
}

/* The name without surrounding blanks, as workbook_sheet() compares. */
static void
trimmed(const char *s, const char **start, size_t *len)
{
	size_t	n = strlen(s);

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*start = s;
	*len = n;
}

static int
same_name(const char *a, const char *b)
{
	const char	*pa, *pb;
	size_t		 na, nb;

	trimmed(a, &pa, &na);
	trimmed(b, &pb, &nb);
	return na == nb && strncasecmp(pa, pb, na) == 0;
}

int
wbb_sheet_begin(struct wb_build *b, const char *name, size_t len,
    const char *where, struct err *e)
{
	struct workbook	*wb = b->wb;
	struct wb_sheet	*v;
	char		*s;
	size_t		 i;
	int		 rc;

	if ((rc = wbb_sheet_end(b, e)) != 0)
		return rc;
	if (wb->nsheets >= WB_MAX_SHEETS)
		return err_set(e, ERR_INPUT, _("%s: more than %d sheets"),
		    where, WB_MAX_SHEETS);
	if (!utf8_valid(name, len))
		return err_set(e, ERR_INPUT, _("%s: sheet name is not valid "
		    "UTF-8 text"), where);
	if ((s = arena_strndup(&wb->arena, name, len)) == NULL)
		return err_set(e, ERR_NOMEM, _("%s: out of memory"), b->file);
	for (i = 0; i < wb->nsheets; i++)
		if (same_name(wb->sheets[i].name, s))
			return err_set(e, ERR_INPUT, _("%s: sheet '%s' appears "
			    "twice"), where, s);
	if (wb->nsheets == b->cap) {
		size_t	cap = b->cap ? b->cap * 2 : 8;

		if ((v = arena_alloc(&wb->arena, cap * sizeof(*v))) == NULL)
			return err_set(e, ERR_NOMEM, _("%s: out of memory"),
			    b->file);
		if (wb->nsheets > 0)
			memcpy(v, wb->sheets, wb->nsheets * sizeof(*v));
		wb->sheets = v;
		b->cap = cap;
	}
	b->sheet = &wb->sheets[wb->nsheets++];
	memset(b->sheet, 0, sizeof(*b->sheet));
	b->sheet->name = s;
	b->npend = 0;
	return 0;
}

int
wbb_cell(struct wb_build *b, long row, long col, char *s, const char *where,
    struct err *e)
{
	struct wb_pending	*p;
	char			 cn[16];

	if (row < 1 || row > WORKBOOK_MAX_ROWS)
		return err_set(e, ERR_INPUT, _("%s: row %ld is past Excel's "
		    "last row %d"), where, row, WORKBOOK_MAX_ROWS);
	if (col < 1 || col > WORKBOOK_MAX_COLS)
		return err_set(e, ERR_INPUT, _("%s: column %ld is past "
		    "Excel's last column XFD (%d)"), where, col,
		    WORKBOOK_MAX_COLS);
	if (s == NULL || blank(s))
		return 0;
	if (b->ncells >= WORKBOOK_MAX_CELLS) {
		wb_colname(col, cn, sizeof(cn));
		return err_set(e, ERR_INPUT, _("%s: more than %u non-empty "
		    "cells (at %s%ld)"), where, WORKBOOK_MAX_CELLS, cn, row);
	}
	if (b->npend == b->cappend) {
		size_t	cap = b->cappend ? b->cappend * 2 : 256;

		if ((p = realloc(b->pend, cap * sizeof(*p))) == NULL)
			return err_set(e, ERR_NOMEM, _("%s: out of memory"),
			    b->file);
		b->pend = p;
		b->cappend = cap;
	}
	p = &b->pend[b->npend];
	p->row = row;
	p->col = col;
	p->seq = b->npend++;
	p->s = s;
	b->ncells++;
	return 0;
}

static int
pending_cmp(const void *va, const void *vb)
{
	const struct wb_pending	*a = va, *b = vb;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Whether cells are already in (row, col) order, as writers make them. */
static int
sorted(const struct wb_pending *p, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (pending_cmp(&p[i - 1], &p[i]) >= 0)
			return 0;
	return 1;
}

int
wbb_sheet_end(struct wb_build *b, struct err *e)
{
	struct wb_sheet		*sh = b->sheet;
	struct wb_pending	*p = b->pend;
	struct arena		*a = &b->wb->arena;
	size_t			 i, j, k, nrows = 0;

	if (sh == NULL)
		return 0;
	b->sheet = NULL;
	if (b->npend == 0)
		return 0;
	if (!sorted(p, b->npend))
		qsort(p, b->npend, sizeof(*p), pending_cmp);
	for (i = 0; i < b->npend; i++)
		if (i == 0 || p[i].row != p[i - 1].row)
			nrows++;
	if ((sh->rows = arena_alloc(a, nrows * sizeof(*sh->rows))) == NULL)
		return err_set(e, ERR_NOMEM, _("%s: out of memory"), b->file);
	for (i = 0; i < b->npend; i = j) {
		struct wb_row	*r = &sh->rows[sh->nrows++];
		size_t		 width;

		for (j = i; j < b->npend && p[j].row == p[i].row; j++)
			;
		width = (size_t)p[j - 1].col;
		if (width > WB_MAX_SLOTS - b->nslots)
			return err_set(e, ERR_INPUT, _("%s: sheet '%s' is too "
			    "wide and sparse (row %ld reaches column %zu)"),
			    b->file, sh->name, p[i].row, width);
		b->nslots += width;
		r->line = (int)p[i].row;
		r->ncells = width;
		if ((r->cells = arena_alloc(a, width * sizeof(char *))) ==
		    NULL)
			return err_set(e, ERR_NOMEM, _("%s: out of memory"),
			    b->file);
		for (k = i; k < j; k++)		/* the later duplicate wins */
			r->cells[p[k].col - 1] = p[k].s;
	}
	b->npend = 0;
	return 0;
}

/* Binary junk: control characters no text file has. */
static int
looks_binary(const unsigned char *p, size_t len)
{
	size_t	i;

	if (len > SNIFF_BYTES)
		len = SNIFF_BYTES;
	for (i = 0; i < len; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\f' && p[i] != '\v')
			return 1;
	return 0;
}

/* pyxform markdown: the first line with content is a '|' table row. */
static int
looks_markdown(const char *s, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '\r' || s[i] == '\n'))
			i++;
		if (i < len && s[i] == '#') {		/* a comment line */
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		return i < len && s[i] == '|';
	}
	return 0;
}

int
workbook_load(struct workbook *wb, const char *name, const void *data,
    size_t len, struct err *e)
{
	const unsigned char	*p = data;
	const char		*s = data;
	struct wb_build		 b;
	int			 rc;

	memset(wb, 0, sizeof(*wb));
	arena_init(&wb->arena, 0);
	wbb_init(&b, wb, name);
	if (len == 0)
		return err_set(e, ERR_INPUT, _("%s: empty file"), name);
	if (len > FORM_MAX_BYTES)
		return err_set(e, ERR_INPUT, _("%s: file larger than %u "
		    "bytes"), name, FORM_MAX_BYTES);
	if (len >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		rc = xlsx_read(&b, data, len, e);
	else if (len >= sizeof(ole2_magic) &&
	    memcmp(p, ole2_magic, sizeof(ole2_magic)) == 0)
		rc = err_set(e, ERR_INPUT, _("%s: old Excel 97-2003 .xls "
		    "format is not supported: save it as .xlsx"), name);
	else if (len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
	    (p[0] == 0xfe && p[1] == 0xff)))
		rc = err_set(e, ERR_INPUT, _("%s: UTF-16 text is not "
		    "supported: save it as UTF-8 (\"CSV UTF-8\" in Excel)"),
		    name);
	else if (looks_binary(p, len))
		rc = err_set(e, ERR_INPUT, _("%s: not a spreadsheet (.xlsx, "
		    ".csv or .md)"), name);
	else {
		if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			s += 3;
			len -= 3;
		}
		if (looks_markdown(s, len))
			rc = md_read(&b, s, len, e);
		else
			rc = csv_read(&b, s, len, e);
	}
	if (rc == 0)
		rc = wbb_sheet_end(&b, e);
	wbb_release(&b);
	if (rc != 0)
		workbook_release(wb);
	return rc;
}

const struct wb_sheet *
workbook_sheet(const struct workbook *wb, const char *name)
{
	size_t	i;

	for (i = 0; i < wb->nsheets; i++)
		if (same_name(wb->sheets[i].name, name))
			return &wb->sheets[i];
	return NULL;
}

void
workbook_release(struct workbook *wb)
{
	arena_release(&wb->arena);
	wb->nsheets = 0;
	wb->sheets = NULL;
}
