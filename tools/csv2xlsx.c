/*
 * csv2xlsx.c: an XLSForm in pyxform's single-file CSV layout (the source
 * of the bundled surveys, kept as text so that changes read in a diff) to
 * an .xlsx workbook with one sheet per section, for the provincial office
 * to open and edit in a spreadsheet program.
 *
 *   csv2xlsx IN.csv OUT.xlsx
 *
 * Every cell is written as text, as the form author typed it: pyxform and
 * this engine read XLSForm cells as text anyway, and a choice name such as
 * "030401" must keep its leading zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "../forms/forms.h"

static double
width(const char *header)
{
	if (header == NULL)
		return 12;
	if (strncmp(header, "label", 5) == 0 || strncmp(header, "hint", 4) == 0)
		return 48;
	if (strstr(header, "message") != NULL || strcmp(header, "constraint") ==
	    0 || strcmp(header, "relevant") == 0 || strcmp(header,
	    "calculation") == 0)
		return 36;
	return 18;
}

int
main(int argc, char **argv)
{
	struct workbook	 wb;
	struct err	 e;
	char		*data;
	size_t		 len, s, r, c;
	lxw_workbook	*out;
	lxw_format	*bold;

	if (argc != 3) {
		fprintf(stderr, "usage: csv2xlsx IN.csv OUT.xlsx\n");
		return 2;
	}
	err_init(&e);
	if (file_read(argv[1], FORM_MAX_BYTES, &data, &len, &e) != 0 ||
	    workbook_load(&wb, argv[1], data, len, &e) != 0) {
		fprintf(stderr, "csv2xlsx: %s\n", e.msg);
		return err_exit_code(&e);
	}
	if ((out = workbook_new(argv[2])) == NULL) {
		fprintf(stderr, "csv2xlsx: cannot create '%s'\n", argv[2]);
		return 3;
	}
	bold = workbook_add_format(out);
	format_set_bold(bold);
	for (s = 0; s < wb.nsheets; s++) {
		const struct wb_sheet	*sh = &wb.sheets[s];
		lxw_worksheet		*ws;

		ws = workbook_add_worksheet(out, sh->name);
		worksheet_freeze_panes(ws, 1, 0);
		for (r = 0; r < sh->nrows; r++)
			for (c = 0; c < sh->rows[r].ncells; c++) {
				const char	*v = sh->rows[r].cells[c];

				if (r == 0)
					worksheet_set_column(ws, (lxw_col_t)c,
					    (lxw_col_t)c, width(v), NULL);
				if (v != NULL)
					worksheet_write_string(ws,
					    (lxw_row_t)r, (lxw_col_t)c, v,
					    r == 0 ? bold : NULL);
			}
	}
	if (workbook_close(out) != LXW_NO_ERROR) {
		fprintf(stderr, "csv2xlsx: cannot write '%s'\n", argv[2]);
		return 3;
	}
	workbook_release(&wb);
	free(data);
	return 0;
}
