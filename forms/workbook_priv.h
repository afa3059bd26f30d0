/*
 * workbook_priv.h: what the three spreadsheet readers (xlsx.c, csv.c for
 * pyxform's CSV and markdown layouts) share with workbook.c, which owns
 * the result. Not part of the form engine's interface.
 *
 * A reader only says "sheet S begins", "cell (row, col) holds this text",
 * "sheet S ends"; the builder checks every ceiling and lays the sheet out
 * as rows. Cells may come in any order (an .xlsx does not promise its
 * rows sorted), so they are kept sparse until the sheet ends.
 */
#ifndef WORKBOOK_PRIV_H
#define WORKBOOK_PRIV_H

#include "forms.h"

/*
 * Ceiling on the sum over rows of the row's width (its last column): a
 * sheet with one cell in column XFD on each of a million rows would
 * otherwise need 128 GB of empty cell pointers. Real forms are a few
 * dozen columns wide.
 */
#define WB_MAX_SLOTS		(2 * WORKBOOK_MAX_CELLS)
/* Sheets in one workbook: each new name is compared with every other. */
#define WB_MAX_SHEETS		4096
/* One cell's text; Excel itself stops at 32767 characters. */
#define WB_MAX_CELL_BYTES	(1u << 20)

struct wb_pending;		/* a cell not yet laid out */

struct wb_build {
	struct workbook		*wb;
	const char		*file;	/* for messages */
	size_t			 cap;	/* of wb->sheets */
	size_t			 ncells;	/* non-empty, all sheets */
	size_t			 nslots;
	struct wb_sheet		*sheet;	/* open sheet, or NULL */
	struct wb_pending	*pend;	/* its cells (malloc'd) */
	size_t			 npend;
	size_t			 cappend;
};

void	wbb_init(struct wb_build *b, struct workbook *wb, const char *file);
/*
 * End the open sheet, if any, and begin one named name[0..len); names are
 * unique without case. where names the place for errors.
 */
int	wbb_sheet_begin(struct wb_build *b, const char *name, size_t len,
	    const char *where, struct err *e);
/*
 * Cell (row, col), both 1-based; s is owned by wb->arena (or is NULL).
 * Blank text (spaces, tabs, newlines, no-break spaces only) is an empty
 * cell, as pyxform's is_empty() has it. where names the place for errors.
 */
int	wbb_cell(struct wb_build *b, long row, long col, char *s,
	    const char *where, struct err *e);
int	wbb_sheet_end(struct wb_build *b, struct err *e);
/* Frees the pending cells; the workbook itself is the caller's. */
void	wbb_release(struct wb_build *b);

/* "A", "Z", "AA"... for column col (1-based); out holds >= 8 bytes. */
void	wb_colname(long col, char *out, size_t n);

int	xlsx_read(struct wb_build *b, const void *data, size_t len,
	    struct err *e);
int	csv_read(struct wb_build *b, const char *s, size_t len, struct err *e);

/*
 * RFC 4180 records as Python's csv module reads them in its default,
 * forgiving mode: the one CSV reader, for pyxform's CSV layout and for a
 * form's CSV attachments (media.c). fn gets each record in turn, its
 * fields allocated in a; a non-zero return stops the reading.
 */
struct csv_record {
	char		**f;		/* fields; NULL when empty */
	size_t		  n;
	size_t		  cap;
	int		  line;		/* where it starts, 1-based */
	long		  bad;		/* first field that is not UTF-8
					 * (a NUL byte included), or -1 */
	const char	 *file;		/* for messages */
	struct arena	 *arena;
};
typedef int csv_record_fn(const struct csv_record *r, void *arg,
	    struct err *e);
int	csv_records(const char *file, const char *s, size_t len,
	    struct arena *a, csv_record_fn *fn, void *arg, struct err *e);
int	md_read(struct wb_build *b, const char *s, size_t len, struct err *e);

#endif
