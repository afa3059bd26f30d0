/*
 * genform.c: writes a large XLSForm .xlsx for the benchmarks: N questions
 * in groups of ten, each group with integer, decimal, text, selects, a
 * date, a relevant that depends on an earlier answer, constraints and a
 * calculation, in two languages, so that loading, walking and evaluating
 * it costs what a real big form costs.
 *
 *   genform OUT.xlsx [N]
 */
#include <stdio.h>
#include <stdlib.h>

#include <xlsxwriter.h>

int
main(int argc, char **argv)
{
	lxw_workbook	*wb;
	lxw_worksheet	*s, *c, *st;
	int		 n = 1000, row = 1, i, g;
	char		 name[64], label[128], expr[256];

	if (argc < 2) {
		fprintf(stderr, "usage: genform OUT.xlsx [N]\n");
		return 2;
	}
	if (argc > 2)
		n = (int)strtol(argv[2], NULL, 10);
	wb = workbook_new(argv[1]);
	s = workbook_add_worksheet(wb, "survey");
	c = workbook_add_worksheet(wb, "choices");
	st = workbook_add_worksheet(wb, "settings");
	{
		static const char *const h[] = { "type", "name",
		    "label::Español (es)", "label::Quechua Chanka (quy)",
		    "hint::Español (es)", "required", "constraint",
		    "constraint_message::Español (es)", "relevant",
		    "calculation" };
		for (i = 0; i < 10; i++)
			worksheet_write_string(s, 0, (lxw_col_t)i, h[i], NULL);
	}
	for (i = 0, g = 0; i < n; g++) {
		int	k;

		snprintf(name, sizeof(name), "g%d", g);
		worksheet_write_string(s, (lxw_row_t)row, 0, "begin group",
		    NULL);
		worksheet_write_string(s, (lxw_row_t)row, 1, name, NULL);
		snprintf(label, sizeof(label), "Sección %d", g);
		worksheet_write_string(s, (lxw_row_t)row++, 2, label, NULL);
		for (k = 0; k < 10 && i < n; k++, i++) {
			static const char *const types[] = { "integer",
			    "decimal", "text", "select_one yn",
			    "select_multiple colors", "date", "integer",
			    "decimal", "text", "select_one yn" };
			lxw_row_t	r = (lxw_row_t)row++;

			snprintf(name, sizeof(name), "q%d", i);
			worksheet_write_string(s, r, 0, types[k], NULL);
			worksheet_write_string(s, r, 1, name, NULL);
			snprintf(label, sizeof(label), "Pregunta %d", i);
			worksheet_write_string(s, r, 2, label, NULL);
			snprintf(label, sizeof(label), "Tapukuy %d", i);
			worksheet_write_string(s, r, 3, label, NULL);
			worksheet_write_string(s, r, 4, "Una ayuda", NULL);
			worksheet_write_string(s, r, 5, "yes", NULL);
			if (k == 0 || k == 6) {
				worksheet_write_string(s, r, 6,
				    ". >= 0 and . <= 120", NULL);
				worksheet_write_string(s, r, 7,
				    "Entre 0 y 120", NULL);
			} else if (k == 1 || k == 7) {
				worksheet_write_string(s, r, 6,
				    ". > 0 and . < 100", NULL);
			} else if (k == 5) {
				worksheet_write_string(s, r, 6,
				    ". <= today()", NULL);
			}
			if (k == 6) {
				snprintf(expr, sizeof(expr),
				    "${q%d} >= 0 and ${q%d} != 'no'", i - 6,
				    i - 3);
				worksheet_write_string(s, r, 8, expr, NULL);
			}
		}
		snprintf(name, sizeof(name), "c%d", g);
		worksheet_write_string(s, (lxw_row_t)row, 0, "calculate",
		    NULL);
		worksheet_write_string(s, (lxw_row_t)row, 1, name, NULL);
		snprintf(expr, sizeof(expr), "if(${q%d} > 10, ${q%d} * 2, "
		    "${q%d} + ${q%d})", i - 10 < 0 ? 0 : i - 10,
		    i - 10 < 0 ? 0 : i - 10, i - 10 < 0 ? 0 : i - 10,
		    i - 9 < 0 ? 0 : i - 9);
		worksheet_write_string(s, (lxw_row_t)row++, 9, expr, NULL);
		worksheet_write_string(s, (lxw_row_t)row++, 0, "end group",
		    NULL);
	}
	worksheet_write_string(c, 0, 0, "list_name", NULL);
	worksheet_write_string(c, 0, 1, "name", NULL);
	worksheet_write_string(c, 0, 2, "label::Español (es)", NULL);
	worksheet_write_string(c, 0, 3, "label::Quechua Chanka (quy)", NULL);
	{
		static const char *const ch[][4] = {
			{ "yn", "yes", "Sí", "Arí" },
			{ "yn", "no", "No", "Manam" },
			{ "colors", "red", "Rojo", "Puka" },
			{ "colors", "green", "Verde", "Qumir" },
			{ "colors", "blue", "Azul", "Anqas" },
		};
		for (i = 0; i < 5; i++)
			for (g = 0; g < 4; g++)
				worksheet_write_string(c, (lxw_row_t)i + 1,
				    (lxw_col_t)g, ch[i][g], NULL);
	}
	worksheet_write_string(st, 0, 0, "form_id", NULL);
	worksheet_write_string(st, 0, 1, "version", NULL);
	worksheet_write_string(st, 0, 2, "default_language", NULL);
	worksheet_write_string(st, 1, 0, "bench", NULL);
	worksheet_write_number(st, 1, 1, 1, NULL);
	worksheet_write_string(st, 1, 2, "Español (es)", NULL);
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : 1;
}
