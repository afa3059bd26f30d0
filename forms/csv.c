/*
 * csv.c: pyxform's two plain-text layouts of a whole workbook.
 *
 * CSV (pyxform's csv_to_dict): one file, RFC 4180 records read as
 * Python's csv module does in its default, forgiving mode. A record whose
 * first field is not empty starts the sheet of that name, and the rest of
 * that record, if it has anything, is the sheet's first row; records with
 * an empty first field are rows of the current sheet, the first field
 * dropped. Rows carry the line a record starts on, so that a message
 * points into the file the author edits.
 *
 * Markdown (pyxform's md_to_dict, used throughout its test suite): lines
 * "| survey |" and "| | type | name |", the first cell again naming the
 * sheet. Cells are trimmed, "\|" is a literal bar, separator lines
 * ("|---|---|") are skipped. Rows carry the file line.
 *
 * The CSV reader (csv_records) is also the one that reads a form's CSV
 * attachments (media.c), record by record.
 *
 * Both are text: every cell must be UTF-8, which is also what tells an
 * author that Excel's plain "CSV" (Windows-1252) needs saving as
 * "CSV UTF-8".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_priv.h"

static int
record_add(struct csv_record *r, const char *s, size_t len, struct err *e)
{
	char	*p = NULL;

	/* The sheet-name column comes first, so one more than a sheet. */
	if (r->n > WORKBOOK_MAX_COLS)
		return err_set(e, ERR_INPUT, _("%s:%d: more than %d columns"),
		    r->file, r->line, WORKBOOK_MAX_COLS);
	if (r->n == r->cap) {
		size_t	 cap = r->cap ? r->cap * 2 : 32;
		char	**v = realloc(r->f, cap * sizeof(*v));

		if (v == NULL)
			return err_set(e, ERR_NOMEM, _("%s: out of memory"),
			    r->file);
		r->f = v;
		r->cap = cap;
	}
	/* Checked with its length: a NUL inside would hide the rest. */
	if (r->bad < 0 && !utf8_valid(s, len))
		r->bad = (long)r->n;
	if (len > 0 && (p = arena_strndup(r->arena, s, len)) == NULL)
		return err_set(e, ERR_NOMEM, _("%s: out of memory"), r->file);
	r->f[r->n++] = p;
	return 0;
}

static int
nonblank(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 1;
	return 0;
}

/*
 * One record of either layout into the workbook: a first field that is
 * not blank names a sheet; the others are the row's cells from column A.
 */
static int
record_put(const struct csv_record *r, void *arg, struct err *e)
{
	struct wb_build	*b = arg;
	char		 where[256], cn[16];
	size_t		 i;
	int		 content = 0, rc;

	snprintf(where, sizeof(where), "%s:%d", b->file, r->line);
	if (r->bad == 0)
		return err_set(e, ERR_INPUT, _("%s: sheet name is not valid "
		    "UTF-8 text (save the file as UTF-8)"), where);
	if (r->bad > 0) {
		wb_colname(r->bad, cn, sizeof(cn));
		return err_set(e, ERR_INPUT, _("%s: sheet '%s' column %s: not "
		    "valid UTF-8 text (save the file as UTF-8)"), where,
		    nonblank(r->f[0]) ? r->f[0] : b->sheet != NULL ?
		    b->sheet->name : "?", cn);
	}
	for (i = 1; i < r->n; i++)
		content |= nonblank(r->f[i]);
	if (r->n > 0 && nonblank(r->f[0])) {
		if ((rc = wbb_sheet_begin(b, r->f[0], strlen(r->f[0]), where,
		    e)) != 0)
			return rc;
	} else if (!content)
		return 0;
	else if (b->sheet == NULL)
		return err_set(e, ERR_INPUT, _("%s: row before the first "
		    "sheet name (the first column names the sheet: survey, "
		    "choices, settings)"), where);
	for (i = 1; i < r->n; i++)
		if ((rc = wbb_cell(b, r->line, (long)i, r->f[i], where,
		    e)) != 0)
			return rc;
	return 0;
}

static void
record_clear(struct csv_record *r)
{
	r->n = 0;
	r->bad = -1;
}

/* The states of Python's csv reader that this layout needs. */
enum csv_state {
	CSV_START,		/* at the start of a field */
	CSV_FIELD,		/* in an unquoted field */
	CSV_QUOTED,		/* in a quoted field */
	CSV_QUOTE		/* a quote seen in a quoted field */
};

int
csv_records(const char *file, const char *s, size_t len, struct arena *a,
    csv_record_fn *fn, void *arg, struct err *e)
{
	struct csv_record r = { NULL, 0, 0, 1, -1, file, a };
	struct buf	 f;
	enum csv_state	 st = CSV_START;
	size_t		 i = 0;
	int		 line = 1, qline = 0, rc = 0, eor;

	buf_init(&f, WB_MAX_CELL_BYTES);
	while (i <= len) {
		int	c = i < len ? (unsigned char)s[i] : -1;
		int	nl = c == '\n' || c == '\r';

		i++;
		eor = 0;
		if (st == CSV_QUOTED) {
			if (c == -1) {
				rc = err_set(e, ERR_INPUT, _("%s:%d: "
				    "unterminated quoted field"), file,
				    qline);
				goto out;
			}
			if (c == '"')
				st = CSV_QUOTE;
			else {
				if (c == '\n' || (c == '\r' && (i >= len ||
				    s[i] != '\n')))
					line++;
				if ((rc = buf_addc(&f, (char)c)) != 0)
					goto toolong;
			}
			continue;
		}
		if (st == CSV_QUOTE && c == '"') {
			if ((rc = buf_addc(&f, '"')) != 0)
				goto toolong;
			st = CSV_QUOTED;
			continue;
		}
		if (c == ',' || nl || c == -1) {
			/* The end of a field; an empty line has none. */
			if (c == ',' || st != CSV_START || r.n > 0)
				if ((rc = record_add(&r, f.p, f.len,
				    e)) != 0)
					goto out;
			buf_reset(&f);
			st = CSV_START;
			eor = c != ',';
		} else if (st == CSV_START && c == '"') {
			st = CSV_QUOTED;
			qline = line;
		} else {
			/* Python's lenient mode: text after a closing quote,
			 * or a quote inside an unquoted field, is kept. */
			st = CSV_FIELD;
			if ((rc = buf_addc(&f, (char)c)) != 0)
				goto toolong;
		}
		if (eor) {
			if ((rc = fn(&r, arg, e)) != 0)
				goto out;
			record_clear(&r);
			if (c == '\r' && i < len && s[i] == '\n')
				i++;
			r.line = ++line;
		}
	}
	goto out;
toolong:
	rc = err_set(e, rc, rc == ERR_NOMEM ? _("%s: out of memory") :
	    _("%s:%d: field longer than %u bytes"), file, line,
	    WB_MAX_CELL_BYTES);
out:
	buf_release(&f);
	free(r.f);
	return rc;
}

int
csv_read(struct wb_build *b, const char *s, size_t len, struct err *e)
{
	return csv_records(b->file, s, len, &b->wb->arena, record_put, b, e);
}

/* One markdown cell: trimmed, "\|" unescaped; NULL when empty. */
static int
md_cell(struct csv_record *r, const char *s, size_t n, struct err *e)
{
	struct buf	t;
	size_t		i;
	int		rc;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	if (memchr(s, '\\', n) == NULL)
		return record_add(r, s, n, e);
	buf_init(&t, WB_MAX_CELL_BYTES);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '|')
			i++;
		if ((rc = buf_addc(&t, s[i])) != 0) {
			buf_release(&t);
			return err_set(e, rc, _("%s: out of memory"), r->file);
		}
	}
	rc = record_add(r, t.p, t.len, e);
	buf_release(&t);
	return rc;
}

/* "|---|:--|" and "| --- | --- |" lines under a header. */
static int
md_separator(const char *s, size_t n)
{
	size_t	i;
	int	dash = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			dash = 1;
		else if (s[i] != '|' && s[i] != ':' && s[i] != ' ' &&
		    s[i] != '\t')
			return 0;
	}
	return dash;
}

int
md_read(struct wb_build *b, const char *s, size_t len, struct err *e)
{
	struct csv_record r = { NULL, 0, 0, 0, -1, b->file, &b->wb->arena };
	const char	*p = s, *end = s + len;
	int		 rc = 0;

	while (p < end) {
		const char	*eol = memchr(p, '\n', (size_t)(end - p));
		const char	*q, *last, *c;

		if (eol == NULL)
			eol = end;
		r.line++;
		record_clear(&r);
		q = p;
		p = eol + 1;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q == eol || *q != '|')
			continue;	/* prose, comments, blank lines */
		for (last = eol - 1; last > q && *last != '|'; last--)
			;
		if (last == q || md_separator(q + 1, (size_t)(last - q - 1)))
			continue;
		/* Split between the outer bars, on bars not after '\'. */
		for (c = ++q; ; q++) {
			if (q == last || (*q == '|' && q[-1] != '\\')) {
				if ((rc = md_cell(&r, c,
				    (size_t)(q - c), e)) != 0)
					goto out;
				c = q + 1;
			}
			if (q == last)
				break;
		}
		if ((rc = record_put(&r, b, e)) != 0)
			goto out;
	}
out:
	free(r.f);
	return rc;
}
