/*
 * test_workbook.c: workbook_load() on the real forms of pyxform's test
 * suite, on workbooks written here with libxlsxwriter (as Excel would
 * write them), on hand-made zips (to reach what Excel never writes), and
 * on broken and hostile input, which must fail with ERR_INPUT and a
 * message naming the file.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xlsxwriter.h>
#include <zip.h>
#include <zlib.h>

#include "../../forms/forms.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static char tmpdir[64];

static int
setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_workbook.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_tmp(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* "a/b" into out; a path too long for out fails the test. */
static void
join(char *out, size_t n, const char *a, const char *b)
{
	int	len = snprintf(out, n, "%s/%s", a, b);

	assert_true(len >= 0 && (size_t)len < n);
}

static const char *
corpus_dir(void)
{
	static char	 path[4096];
	const char	*shared = getenv("SHARED");

	join(path, sizeof(path), shared != NULL ? shared : "../shared",
	    "corpus/xlsform");
	return path;
}

static int
load_path(struct workbook *wb, const char *path, struct err *e)
{
	char	*data;
	size_t	 len;
	int	 rc;

	if ((rc = file_read(path, FORM_MAX_BYTES, &data, &len, e)) != 0)
		return rc;
	rc = workbook_load(wb, path, data, len, e);
	free(data);
	return rc;
}

static int
load_mem(struct workbook *wb, const char *name, const void *p, size_t n,
    struct err *e)
{
	err_init(e);
	return workbook_load(wb, name, p, n, e);
}

static int
load_str(struct workbook *wb, const char *name, const char *s,
    struct err *e)
{
	return load_mem(wb, name, s, strlen(s), e);
}

/* The cell of sheet at spreadsheet row line, column col ('A' = 1). */
static const char *
cell(const struct workbook *wb, const char *sheet, int line, int col)
{
	const struct wb_sheet	*sh = workbook_sheet(wb, sheet);
	size_t			 i;

	if (sh == NULL)
		return "<no sheet>";
	for (i = 0; i < sh->nrows; i++)
		if (sh->rows[i].line == line)
			return (size_t)col <= sh->rows[i].ncells ?
			    sh->rows[i].cells[col - 1] : NULL;
	return "<no row>";
}

static int
row_has(const struct wb_row *r, const char *s)
{
	size_t	i;

	for (i = 0; i < r->ncells; i++)
		if (r->cells[i] != NULL && strcmp(r->cells[i], s) == 0)
			return 1;
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A zip made in memory with libzip; caller frees *out. */
struct entry {
	const char	*name;
	const char	*data;
};

static void
make_zip(const struct entry *v, size_t n, char **out, size_t *len)
{
	zip_error_t	 ze;
	zip_source_t	*src, *s;
	zip_t		*za;
	zip_stat_t	 st;
	size_t		 i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	for (i = 0; i < n; i++) {
		s = zip_source_buffer(za, v[i].data, strlen(v[i].data), 0);
		assert_non_null(s);
		assert_true(zip_file_add(za, v[i].name, s, 0) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	*len = (size_t)st.size;
	*out = malloc(*len + 1);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_read(src, *out, *len), (zip_int64_t)*len);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
}

#define RELS_NS "http://schemas.openxmlformats.org/package/2006/" \
	"relationships"
#define DOC_NS "http://schemas.openxmlformats.org/officeDocument/2006/" \
	"relationships"
#define MAIN_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"" RELS_NS "\">"
    "<Relationship Id=\"rId1\" Type=\"" DOC_NS "/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>";

static const char book_xml[] =
    "<workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" DOC_NS "\"><sheets>"
    "<sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
    "</workbook>";

static const char book_rels[] =
    "<Relationships xmlns=\"" RELS_NS "\">"
    "<Relationship Id=\"rId1\" Type=\"" DOC_NS "/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" DOC_NS "/sharedStrings\" "
    "Target=\"/xl/sharedStrings.xml\"/></Relationships>";

/* A one-sheet .xlsx ("survey") with this sheetData and string table. */
static void
mini_xlsx(const char *rows, const char *sst, char **out, size_t *len)
{
	static char	 sheet[65536], strings[8192];
	struct entry	 v[5] = {
		{ "_rels/.rels", root_rels },
		{ "xl/workbook.xml", book_xml },
		{ "xl/_rels/workbook.xml.rels", book_rels },
		{ "xl/worksheets/sheet1.xml", sheet },
		{ "xl/sharedStrings.xml", strings },
	};

	snprintf(sheet, sizeof(sheet), "<?xml version=\"1.0\"?>"
	    "<worksheet xmlns=\"%s\"><sheetData>%s</sheetData></worksheet>",
	    MAIN_NS, rows);
	snprintf(strings, sizeof(strings), "<sst xmlns=\"%s\">%s</sst>",
	    MAIN_NS, sst != NULL ? sst : "");
	make_zip(v, 5, out, len);
}

/* ------------------------------------------------------------------ */
/* The corpus: pyxform's own forms                                     */

static void
corpus_one(const char *path)
{
	struct workbook		 wb;
	struct err		 e;
	const struct wb_sheet	*survey;
	int			 rc;

	err_init(&e);
	rc = load_path(&wb, path, &e);
	if (ends_with(path, ".xls")) {
		assert_int_equal(rc, ERR_INPUT);
		assert_non_null(strstr(e.msg, "old Excel 97-2003 .xls format "
		    "is not supported: save it as .xlsx"));
		assert_non_null(strstr(e.msg, path));
		assert_int_equal(wb.nsheets, 0);
		return;
	}
	if (rc != 0)
		fail_msg("%s: %s", path, e.msg);
	survey = workbook_sheet(&wb, "survey");
	/* pyxform takes a workbook's only sheet as the survey, whatever
	 * its name (expected/survey_no_name.xlsx): that is form_build's
	 * business, the workbook keeps the name as written. */
	if (survey == NULL && wb.nsheets == 1)
		survey = &wb.sheets[0];
	if (survey == NULL)
		fail_msg("%s: no survey sheet", path);
	assert_true(survey->nrows > 1);
	if (!row_has(&survey->rows[0], "type") ||
	    !row_has(&survey->rows[0], "name"))
		fail_msg("%s: survey header lacks type or name", path);
	workbook_release(&wb);
}

static void
corpus_dir_all(const char *dir, int *n)
{
	struct dirent	*d;
	DIR		*dp;
	char		 path[4096];

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!ends_with(d->d_name, ".xlsx") &&
		    !ends_with(d->d_name, ".xls") &&
		    !ends_with(d->d_name, ".csv") &&
		    !ends_with(d->d_name, ".md"))
			continue;
		join(path, sizeof(path), dir, d->d_name);
		corpus_one(path);
		(*n)++;
	}
	closedir(dp);
}

static void
test_corpus_loads(void **state)
{
	char	sub[4096];
	int	n = 0;

	(void)state;
	if (access(corpus_dir(), R_OK) != 0)
		skip();
	corpus_dir_all(corpus_dir(), &n);
	join(sub, sizeof(sub), corpus_dir(), "expected");
	corpus_dir_all(sub, &n);
	assert_true(n >= 20);
}

/* Cells looked up by hand with unzip -p and a text editor. */
static const struct {
	const char	*file;
	const char	*sheet;
	int		 line;
	int		 col;
	const char	*want;		/* NULL: empty */
} corpus_cells[] = {
	/* <v>12.0</v> and <v>1.0</v>: integral floats lose ".0" */
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 4, 3, "12" },
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 8, 5, "1" },
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 1, 1, "type" },
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 6, 18, "您好" },
	/* t="b" with a formula TRUE() */
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 22, 11, "TRUE" },
	{ "pyxform__xlsform_spec_test.xlsx", "survey", 22, 3, NULL },
	/* a decimal */
	{ "pyxform__widgets.from-xls.xlsx", "survey", 4, 7, "18.31" },
	{ "pyxform__widgets.from-xls.xlsx", "choices", 8, 2, "1" },
	/* t="str" formula string */
	{ "pyxform__attribute_columns_test.xlsx", "settings", 2, 8, "TRUE" },
	/* NOW() in a date format: openpyxl's datetime, as str() has it */
	{ "pyxform__UCL_Biomass_Plot_Form.xlsx", "settings", 2, 2,
	  "2022-04-11 16:26:28.971000" },
	/* CSV: line numbers are file lines, the first column dropped */
	{ "pyxform__widgets.csv", "survey", 2, 1, "type" },
	{ "pyxform__widgets.csv", "survey", 5, 7, "18.31" },
	{ "pyxform__widgets.csv", "choices", 30, 2, "1" },
	{ "pyxform__widgets.csv", "settings", 40, 1, "FALSE" },
	/* markdown */
	{ "pyxform__loop.md", "survey", 2, 3, "label:english" },
	{ "pyxform__loop.md", "survey", 6, 1, "end loop" },
	{ "pyxform__loop.md", "survey", 6, 2, NULL },
	{ "pyxform__loop.md", "choices", 11, 3, "Bucket system" },
};

static void
test_corpus_cells(void **state)
{
	struct workbook	 wb;
	struct err	 e;
	char		 path[4096];
	const char	*got;
	size_t		 i;

	(void)state;
	if (access(corpus_dir(), R_OK) != 0)
		skip();
	for (i = 0; i < sizeof(corpus_cells) / sizeof(corpus_cells[0]);
	    i++) {
		join(path, sizeof(path), corpus_dir(), corpus_cells[i].file);
		err_init(&e);
		if (load_path(&wb, path, &e) != 0)
			fail_msg("%s", e.msg);
		got = cell(&wb, corpus_cells[i].sheet, corpus_cells[i].line,
		    corpus_cells[i].col);
		if (corpus_cells[i].want == NULL ? got != NULL :
		    got == NULL || strcmp(got, corpus_cells[i].want) != 0)
			fail_msg("%s %s:%d:%d: got '%s', want '%s'",
			    corpus_cells[i].file, corpus_cells[i].sheet,
			    corpus_cells[i].line, corpus_cells[i].col,
			    got ? got : "(null)", corpus_cells[i].want ?
			    corpus_cells[i].want : "(null)");
		workbook_release(&wb);
	}
}

/* ------------------------------------------------------------------ */
/* Workbooks written by libxlsxwriter, as Excel writes them            */

static void
write_book(const char *path, int constant_memory)
{
	lxw_workbook_options	 o = { .constant_memory = constant_memory,
				     .tmpdir = tmpdir };
	lxw_workbook		*b = workbook_new_opt(path, &o);
	lxw_worksheet		*settings, *choices, *survey, *extra;

	assert_non_null(b);
	settings = workbook_add_worksheet(b, "settings");
	choices = workbook_add_worksheet(b, "choices");
	survey = workbook_add_worksheet(b, "survey");
	extra = workbook_add_worksheet(b, "notes");

	worksheet_write_string(settings, 0, 0, "form_id", NULL);
	worksheet_write_string(settings, 0, 1, "version", NULL);
	worksheet_write_string(settings, 1, 0, "anemia", NULL);
	worksheet_write_number(settings, 1, 1, 3000, NULL);

	worksheet_write_string(choices, 0, 0, "list_name", NULL);
	worksheet_write_string(choices, 0, 1, "name", NULL);
	worksheet_write_string(choices, 0, 2, "label", NULL);
	worksheet_write_string(choices, 1, 0, "yn", NULL);
	worksheet_write_number(choices, 1, 1, 1, NULL);
	worksheet_write_string(choices, 1, 2, "Arí", NULL);
	worksheet_write_string(choices, 2, 0, "yn", NULL);
	worksheet_write_number(choices, 2, 1, 0, NULL);
	worksheet_write_string(choices, 2, 2, "Mana", NULL);

	worksheet_write_string(survey, 0, 0, "type", NULL);
	worksheet_write_string(survey, 0, 1, "name", NULL);
	worksheet_write_string(survey, 0, 2, "label", NULL);
	worksheet_write_string(survey, 0, 3, "default", NULL);
	worksheet_write_string(survey, 0, 4, "required", NULL);
	worksheet_write_string(survey, 1, 0, "decimal", NULL);
	worksheet_write_string(survey, 1, 1, "hb", NULL);
	worksheet_write_string(survey, 1, 2,
	    "\u201cHemoglobina\u201d (g/dL) \u00bfima ni\u00f1o?", NULL);
	worksheet_write_number(survey, 1, 3, 18.31, NULL);
	worksheet_write_boolean(survey, 1, 4, 1, NULL);
	/* row 3: an empty cell (C3) between B3 and D3 */
	worksheet_write_string(survey, 2, 0, "integer", NULL);
	worksheet_write_string(survey, 2, 1, "n", NULL);
	worksheet_write_number(survey, 2, 3, 1.5, NULL);
	/* row 4 left empty; row 5 numbers and a formula */
	worksheet_write_number(survey, 4, 0, 0.1, NULL);
	worksheet_write_number(survey, 4, 1, 1, NULL);
	worksheet_write_formula_num(survey, 4, 2, "=1+1", NULL, 2);
	worksheet_write_boolean(survey, 4, 3, 0, NULL);
	worksheet_write_string(survey, 4, 4, "", NULL);

	worksheet_write_string(extra, 0, 0, "just notes", NULL);
	assert_int_equal(workbook_close(b), LXW_NO_ERROR);
}

static void
check_book(int constant_memory)
{
	struct workbook	 wb;
	struct err	 e;
	char		 path[256];

	join(path, sizeof(path), tmpdir, constant_memory ? "book1.xlsx" :
	    "book0.xlsx");
	write_book(path, constant_memory);
	err_init(&e);
	if (load_path(&wb, path, &e) != 0)
		fail_msg("%s", e.msg);
	unlink(path);
	assert_int_equal(wb.nsheets, 4);
	assert_string_equal(wb.sheets[0].name, "settings");
	assert_string_equal(wb.sheets[2].name, "survey");
	assert_string_equal(wb.sheets[3].name, "notes");
	assert_non_null(workbook_sheet(&wb, " SURVEY "));
	assert_null(workbook_sheet(&wb, "external_choices"));

	assert_string_equal(cell(&wb, "settings", 2, 2), "3000");
	assert_string_equal(cell(&wb, "choices", 2, 2), "1");
	assert_string_equal(cell(&wb, "choices", 3, 2), "0");
	assert_string_equal(cell(&wb, "choices", 2, 3), "Arí");
	assert_string_equal(cell(&wb, "survey", 2, 3),
	    "\u201cHemoglobina\u201d (g/dL) \u00bfima ni\u00f1o?");
	assert_string_equal(cell(&wb, "survey", 2, 4), "18.31");
	assert_string_equal(cell(&wb, "survey", 2, 5), "TRUE");
	assert_string_equal(cell(&wb, "survey", 3, 2), "n");
	assert_null(cell(&wb, "survey", 3, 3));
	assert_string_equal(cell(&wb, "survey", 3, 4), "1.5");
	assert_string_equal(cell(&wb, "survey", 4, 1), "<no row>");
	assert_string_equal(cell(&wb, "survey", 5, 1), "0.1");
	assert_string_equal(cell(&wb, "survey", 5, 2), "1");
	assert_string_equal(cell(&wb, "survey", 5, 3), "2");
	assert_string_equal(cell(&wb, "survey", 5, 4), "FALSE");
	assert_int_equal(workbook_sheet(&wb, "survey")->rows[3].ncells, 4);
	assert_string_equal(cell(&wb, "notes", 1, 1), "just notes");
	workbook_release(&wb);
	assert_int_equal(wb.nsheets, 0);
}

static void
test_xlsxwriter_shared(void **state)
{
	(void)state;
	check_book(0);
}

static void
test_xlsxwriter_inline(void **state)
{
	(void)state;
	check_book(1);		/* constant_memory: inline strings */
}

/* ------------------------------------------------------------------ */
/* What Excel seldom writes but the format allows                      */

static void
test_xlsx_by_hand(void **state)
{
	struct workbook	 wb;
	struct err	 e;
	char		*z;
	size_t		 n;

	(void)state;
	/* rich text runs concatenated, phonetic runs ignored; cells out
	 * of order; a row and cells without r; a bad-looking number;
	 * leading and trailing blanks kept; a lone blank cell is empty */
	mini_xlsx(
	    "<row r=\"3\"><c r=\"B3\" t=\"s\"><v>1</v></c>"
	    "<c r=\"A3\" t=\"s\"><v>0</v></c></row>"
	    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>type</t></is>"
	    "</c><c t=\"inlineStr\"><is><r><t>na</t></r><r><t>me</t></r>"
	    "</is></c></row>"
	    "<row><c><v>1E3</v></c><c><v>1e-05</v></c><c><v>-0.0</v></c>"
	    "<c><v>123456789012345678901</v></c><c><v>0.30000000000000004"
	    "</v></c><c t=\"e\"><v>#N/A</v></c><c t=\"str\"><f>A1</f>"
	    "<v> x </v></c><c><v>1e308</v></c></row>"
	    "<row r=\"7\"><c r=\"C7\" t=\"inlineStr\"><is><t>   </t></is>"
	    "</c></row>",
	    "<si><t>text</t></si><si><r><t>ni</t></r><r><rPr/><t>ño</t>"
	    "</r><rPh sb=\"0\" eb=\"1\"><t>ニョ</t></rPh></si>", &z, &n);
	if (load_mem(&wb, "hand.xlsx", z, n, &e) != 0)
		fail_msg("%s", e.msg);
	free(z);
	assert_string_equal(cell(&wb, "survey", 1, 1), "type");
	assert_string_equal(cell(&wb, "survey", 1, 2), "name");
	assert_string_equal(cell(&wb, "survey", 2, 1), "1000");
	assert_string_equal(cell(&wb, "survey", 2, 2), "1e-05");
	assert_string_equal(cell(&wb, "survey", 2, 3), "0");
	assert_string_equal(cell(&wb, "survey", 2, 4),
	    "123456789012345678901");
	assert_string_equal(cell(&wb, "survey", 2, 5),
	    "0.30000000000000004");
	assert_string_equal(cell(&wb, "survey", 2, 6), "#N/A");
	assert_string_equal(cell(&wb, "survey", 2, 7), " x ");
	/* Python's str(int(1e308)): every digit of the double */
	assert_int_equal(strlen(cell(&wb, "survey", 2, 8)), 309);
	assert_memory_equal(cell(&wb, "survey", 2, 8),
	    "100000000000000001097906", 24);
	assert_string_equal(cell(&wb, "survey", 3, 1), "text");
	assert_string_equal(cell(&wb, "survey", 3, 2), "niño");
	assert_string_equal(cell(&wb, "survey", 7, 1), "<no row>");
	assert_int_equal(workbook_sheet(&wb, "survey")->nrows, 3);
	assert_int_equal(workbook_sheet(&wb, "survey")->rows[2].line, 3);
	workbook_release(&wb);
}

/* Numbers in date formats read as openpyxl reads them (str() of a
 * datetime, time or timedelta), in both epochs. */
static void
test_xlsx_dates(void **state)
{
	static const char styles[] =
	    "<styleSheet><numFmts>"
	    "<numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/>"
	    "<numFmt numFmtId=\"165\" formatCode=\"&quot;TRUE&quot;;"
	    "&quot;TRUE&quot;;&quot;FALSE&quot;\"/>"
	    "<numFmt numFmtId=\"166\" formatCode=\"[Red]0.00\"/>"
	    "</numFmts><cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
	    "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/>"
	    "<xf numFmtId=\"165\"/><xf numFmtId=\"14\"/>"
	    "<xf numFmtId=\"21\"/><xf numFmtId=\"46\"/>"
	    "<xf numFmtId=\"166\"/></cellXfs></styleSheet>";
	static const char rels[] =
	    "<Relationships>"
	    "<Relationship Id=\"rId1\" Type=\"" DOC_NS "/worksheet\" "
	    "Target=\"/xl/worksheets/sheet1.xml\"/>"
	    "<Relationship Id=\"rId2\" Type=\"" DOC_NS "/styles\" "
	    "Target=\"./styles.xml\"/></Relationships>";
	char		 book[512];
	struct entry	 v[4] = {
		{ "xl/workbook.xml", book },
		{ "xl/_rels/workbook.xml.rels", rels },
		{ "xl/styles.xml", styles },
		{ "xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>"
		  "<c s=\"1\"><v>40344</v></c>"		/* A: date */
		  "<c s=\"2\"><v>1</v></c>"		/* B: "TRUE" */
		  "<c s=\"3\"><v>44662.6850575292</v></c>"	/* C */
		  "<c s=\"4\"><v>0.5</v></c>"		/* D: time */
		  "<c s=\"5\"><v>1.25</v></c>"		/* E: duration */
		  "<c s=\"6\"><v>2.5</v></c>"		/* F: [Red] */
		  "<c s=\"1\"><v>1e300</v></c>"		/* G: no date */
		  "<c s=\"0\"><v>40344</v></c>"		/* H */
		  "<c s=\"99\"><v>7</v></c>"		/* I: no style */
		  "</row></sheetData></worksheet>" },
	};
	static const struct {
		int		 epoch1904;
		int		 col;
		const char	*want;
	} cases[] = {
		{ 0, 1, "2010-06-15 00:00:00" },
		{ 0, 2, "1" },
		{ 0, 3, "2022-04-11 16:26:28.971000" },
		{ 0, 4, "12:00:00" },
		{ 0, 5, "1 day, 6:00:00" },
		{ 0, 6, "2.5" },
		{ 0, 7, "#VALUE!" },
		{ 0, 8, "40344" },
		{ 0, 9, "7" },
		{ 1, 1, "2014-06-16 00:00:00" },
	};
	struct workbook	 wb;
	struct err	 e;
	char		*z;
	size_t		 n, i;
	const char	*got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(book, sizeof(book), "<workbook><workbookPr "
		    "date1904=\"%s\"/><sheets><sheet name=\"survey\" "
		    "r:id=\"rId1\"/></sheets></workbook>",
		    cases[i].epoch1904 ? "true" : "false");
		make_zip(v, 4, &z, &n);
		if (load_mem(&wb, "dates.xlsx", z, n, &e) != 0)
			fail_msg("%s", e.msg);
		free(z);
		got = cell(&wb, "survey", 1, cases[i].col);
		if (got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("column %d: got '%s', want '%s'",
			    cases[i].col, got ? got : "(null)",
			    cases[i].want);
		workbook_release(&wb);
	}
}

/* ------------------------------------------------------------------ */
/* The text layouts                                                    */

static void
test_csv(void **state)
{
	struct workbook	 wb;
	struct err	 e;
	static const char csv[] =
	    "\xef\xbb\xbf" "survey,type,name,label\r\n"
	    ",integer,age,\"Age, in years\"\r\n"
	    ",note,n,\"He said \"\"hi\"\"\r\nand left\"\r\n"
	    "\r\n"
	    ",,,\r\n"
	    ",text,\" padded \",x\r\n"
	    "choices\r\n"
	    ",list_name,name,label\r\n"
	    ",yn,1,Arí\r\n"
	    "\"settings\"\n"
	    ",form_id\n"
	    ",anemia";

	(void)state;
	if (load_str(&wb, "f.csv", csv, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(wb.nsheets, 3);
	assert_string_equal(cell(&wb, "survey", 1, 1), "type");
	assert_string_equal(cell(&wb, "survey", 2, 3), "Age, in years");
	assert_string_equal(cell(&wb, "survey", 3, 3),
	    "He said \"hi\"\r\nand left");
	/* the record on line 3 spans two lines: the next starts on 7 */
	assert_string_equal(cell(&wb, "survey", 7, 2), " padded ");
	assert_int_equal(workbook_sheet(&wb, "survey")->nrows, 4);
	assert_string_equal(cell(&wb, "choices", 10, 3), "Arí");
	assert_string_equal(cell(&wb, "choices", 10, 2), "1");
	assert_string_equal(cell(&wb, "settings", 13, 1), "anemia");
	workbook_release(&wb);

	/* LF only, and Python's lenient quotes */
	if (load_str(&wb, "g.csv", "survey\n,a\"b,\"c\"d\n", &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(cell(&wb, "survey", 2, 1), "a\"b");
	assert_string_equal(cell(&wb, "survey", 2, 2), "cd");
	workbook_release(&wb);
}

static void
test_md(void **state)
{
	struct workbook	 wb;
	struct err	 e;
	static const char md[] =
	    "# a comment\n"
	    "| survey |\n"
	    "|        | type    | name | label      |\n"
	    "|--------|---------|------|------------|\n"
	    "|        | integer | a    | A \\| b     |   \n"
	    "\n"
	    "| choices | list_name | name |\n"
	    "| | yn | 1 |\n";

	(void)state;
	if (load_str(&wb, "f.md", md, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(wb.nsheets, 2);
	assert_string_equal(cell(&wb, "survey", 3, 1), "type");
	assert_string_equal(cell(&wb, "survey", 5, 3), "A | b");
	assert_string_equal(cell(&wb, "choices", 7, 1), "list_name");
	assert_string_equal(cell(&wb, "choices", 8, 2), "1");
	assert_int_equal(workbook_sheet(&wb, "survey")->nrows, 2);
	workbook_release(&wb);
}

/* ------------------------------------------------------------------ */
/* Broken and hostile input                                            */

/*
 * A deflate stream of head, then n copies of 1 MB of spaces, built from
 * one compressed copy: after a full flush the compressed bytes of a
 * block stand alone, so repeating them repeats the text. A gigabyte
 * costs a megabyte and no time.
 */
static unsigned char *
bomb_stream(const char *head, size_t n, size_t *len)
{
	z_stream	 z;
	unsigned char	*blk = malloc(1 << 20), *out, *p;
	unsigned char	 h[4096], b[65536], f[64];
	size_t		 nh, nb, nf, i;

	memset(blk, ' ', 1 << 20);
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)head;
	z.avail_in = (unsigned)strlen(head);
	z.next_out = h;
	z.avail_out = sizeof(h);
	assert_int_equal(deflate(&z, Z_FULL_FLUSH), Z_OK);
	nh = sizeof(h) - z.avail_out;
	z.next_in = blk;
	z.avail_in = 1 << 20;
	z.next_out = b;
	z.avail_out = sizeof(b);
	assert_int_equal(deflate(&z, Z_FULL_FLUSH), Z_OK);
	assert_int_equal(z.avail_in, 0);
	nb = sizeof(b) - z.avail_out;
	z.next_out = f;
	z.avail_out = sizeof(f);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	nf = sizeof(f) - z.avail_out;
	deflateEnd(&z);
	free(blk);
	*len = nh + n * nb + nf;
	p = out = malloc(*len);
	memcpy(p, h, nh);
	p += nh;
	for (i = 0; i < n; i++, p += nb)
		memcpy(p, b, nb);
	memcpy(p, f, nf);
	return out;
}

/* A libzip source of data already deflated, declaring size bytes. */
struct raw {
	const unsigned char	*p;
	size_t			 len;
	size_t			 off;
	zip_uint64_t		 size;
};

static zip_int64_t
raw_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct raw	*r = ud;
	zip_stat_t	*st;
	size_t		 n;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		r->off = 0;
		return 0;
	case ZIP_SOURCE_READ:
		n = r->len - r->off < len ? r->len - r->off : (size_t)len;
		memcpy(data, r->p + r->off, n);
		r->off += n;
		return (zip_int64_t)n;
	case ZIP_SOURCE_CLOSE:
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_STAT:
		st = data;
		zip_stat_init(st);
		st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE |
		    ZIP_STAT_COMP_METHOD | ZIP_STAT_CRC;
		st->size = r->size;
		st->comp_size = r->len;
		st->comp_method = ZIP_CM_DEFLATE;
		st->crc = 0;
		return sizeof(*st);
	case ZIP_SOURCE_ERROR:
		return 2 * sizeof(int);
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN,
		    ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
		    ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		return -1;
	}
}

/* An .xlsx whose sheet part inflates to a gigabyte of spaces, declaring
 * its true size or a small lie. */
static void
bomb_xlsx(zip_uint64_t declared, char **out, size_t *len)
{
	static const char head[] = "<worksheet xmlns=\"" MAIN_NS "\">"
	    "<sheetData>";
	zip_error_t	 ze;
	zip_source_t	*src, *s;
	zip_t		*za;
	zip_stat_t	 st;
	struct raw	 r;
	size_t		 i, n;
	const struct entry v[3] = {
		{ "_rels/.rels", root_rels },
		{ "xl/workbook.xml", book_xml },
		{ "xl/_rels/workbook.xml.rels", book_rels },
	};

	memset(&r, 0, sizeof(r));
	r.p = bomb_stream(head, 1024, &r.len);
	r.size = declared ? declared : (zip_uint64_t)strlen(head) +
	    ((zip_uint64_t)1024 << 20);
	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	for (i = 0; i < 3; i++) {
		s = zip_source_buffer(za, v[i].data, strlen(v[i].data), 0);
		assert_true(zip_file_add(za, v[i].name, s, 0) >= 0);
	}
	s = zip_source_function(za, raw_cb, &r);
	assert_non_null(s);
	assert_true(zip_file_add(za, "xl/worksheets/sheet1.xml", s, 0) >= 0);
	assert_int_equal(zip_close(za), 0);
	assert_int_equal(zip_source_stat(src, &st), 0);
	n = (size_t)st.size;
	*out = malloc(n);
	assert_int_equal(zip_source_open(src), 0);
	assert_int_equal(zip_source_read(src, *out, n), (zip_int64_t)n);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	free((void *)(uintptr_t)r.p);
	*len = n;
}

static void
expect_input_error(const char *name, const void *p, size_t n,
    const char *want)
{
	struct workbook	wb;
	struct err	e;
	int		rc = load_mem(&wb, name, p, n, &e);

	if (rc != ERR_INPUT)
		fail_msg("%s: rc %d, want ERR_INPUT (%s)", name, rc, e.msg);
	if (strncmp(e.msg, name, strlen(name)) != 0 ||
	    strstr(e.msg, want) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", name, e.msg, want);
	assert_int_equal(wb.nsheets, 0);
	assert_null(wb.sheets);
	assert_null(wb.arena.head);
}

static void
test_bombs(void **state)
{
	char	*z;
	size_t	 n;

	(void)state;
	bomb_xlsx(0, &z, &n);
	assert_true(n < (2u << 20));
	expect_input_error("bomb.xlsx", z, n, "xl/worksheets/sheet1.xml: "
	    "inflates to");
	free(z);
	/* A size that lies: the ceiling stops the inflating anyway. */
	bomb_xlsx(1000, &z, &n);
	expect_input_error("liar.xlsx", z, n, "once inflated");
	free(z);
}

static void
test_malformed_xlsx(void **state)
{
	struct entry	 v[4];
	char		*z, *half;
	char		 path[256], *data;
	size_t		 n;
	struct err	 e;
	static const struct {
		const char	*rows;
		const char	*want;
	} sheets[] = {
		{ "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row></worksheet>",
		  "xl/worksheets/sheet1.xml:1:" },
		{ "<row r=\"1\"><c r=\"XFD1048577\"><v>1</v></c></row>",
		  "past Excel's last row" },
		{ "<row r=\"1\"><c r=\"ZZZZZ1\"><v>1</v></c></row>",
		  "past Excel's last column" },
		{ "<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>",
		  "past Excel's last column" },
		{ "<row r=\"99999999999\"><c><v>1</v></c></row>",
		  "and Excel's last row" },
		{ "<row r=\"0\"><c><v>1</v></c></row>",
		  "and Excel's last row" },
		{ "<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>",
		  "bad cell reference" },
		{ "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>",
		  "shared string '7' does not exist" },
		{ "<row r=\"1\"><c r=\"A1\"><v>abc</v></c></row>",
		  "'abc' is not a number" },
		{ "<row r=\"1\"><c r=\"A1\"><v>&bogus;</v></c></row>",
		  "malformed XML: undefined entity" },
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++) {
		mini_xlsx(sheets[i].rows, NULL, &z, &n);
		expect_input_error("bad.xlsx", z, n, sheets[i].want);
		free(z);
	}

	/* billion laughs: refused at the DOCTYPE, before any entity */
	v[0] = (struct entry){ "xl/workbook.xml", "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;"
	    "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
	    "<workbook>&lol2;</workbook>" };
	make_zip(v, 1, &z, &n);
	expect_input_error("lol.xlsx", z, n, "xl/workbook.xml:1:");
	expect_input_error("lol.xlsx", z, n, "DTD");
	free(z);

	/* no workbook part */
	v[0] = (struct entry){ "docProps/app.xml", "<Properties/>" };
	make_zip(v, 1, &z, &n);
	expect_input_error("nobook.xlsx", z, n, "no xl/workbook.xml");
	free(z);

	/* a sheet whose part is missing */
	v[0] = (struct entry){ "xl/workbook.xml", book_xml };
	v[1] = (struct entry){ "xl/_rels/workbook.xml.rels", book_rels };
	make_zip(v, 2, &z, &n);
	expect_input_error("nosheet.xlsx", z, n,
	    "xl/worksheets/sheet1.xml: missing");
	free(z);

	/* a sheet naming a relationship that does not exist */
	v[1] = (struct entry){ "xl/_rels/workbook.xml.rels",
	    "<Relationships/>" };
	make_zip(v, 2, &z, &n);
	expect_input_error("norel.xlsx", z, n, "'rId1', which does not");
	free(z);

	/* a real workbook cut in half: no central directory left */
	join(path, sizeof(path), tmpdir, "half.xlsx");
	write_book(path, 0);
	err_init(&e);
	assert_int_equal(file_read(path, FORM_MAX_BYTES, &data, &n, &e), 0);
	unlink(path);
	half = data;
	expect_input_error("half.xlsx", half, n / 2, "not a valid .xlsx");
	/* and with its last byte changed (a bad CRC or a bad directory) */
	data[n - 30] ^= 0x55;
	{
		struct workbook	wb;
		int		rc = load_mem(&wb, "flip.xlsx", data, n, &e);

		assert_true(rc == 0 || rc == ERR_INPUT);
		workbook_release(&wb);
	}
	free(data);
}

static void
test_malformed_text(void **state)
{
	unsigned char	 junk[4096];
	uint32_t	 x = 12345;
	size_t		 i;
	struct buf	 b;
	static const unsigned char xls[] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0
	};
	static const struct {
		const char	*name;
		const char	*text;
		const char	*want;
		size_t		 len;		/* 0: strlen(text) */
	} cases[] = {
		{ "q.csv", "survey\n,type,name\n,text,\"a\n", "q.csv:3: "
		  "unterminated quoted field", 0 },
		{ "u.csv", "survey\n,type,name\n,text,ni\xf1o\n", "u.csv:3: "
		  "sheet 'survey' column B: not valid UTF-8", 0 },
		{ "s.csv", "surv\xe9y\n,type,name\n", "s.csv:1: sheet name "
		  "is not valid UTF-8", 0 },
		{ "o.csv", ",type,name\n", "o.csv:1: row before the first "
		  "sheet", 0 },
		{ "d.csv", "survey\n,type\nsurvey\n,name\n", "d.csv:3: "
		  "sheet 'survey' appears twice", 0 },
		{ "u.md", "| survey |\n| | type | na\xc3 |\n", "u.md:2: "
		  "sheet 'survey' column B: not valid UTF-8", 0 },
		{ "o.md", "| | type | name |\n", "o.md:1: row before", 0 },
		{ "n.csv", "survey,type\n,a\0b\n", "n.csv: not a "
		  "spreadsheet", 17 },
		{ "c.csv", "choices,list\xff\n", "c.csv:1: sheet 'choices' "
		  "column A: not valid UTF-8", 0 },
	};

	(void)state;
	expect_input_error("empty.csv", "", 0, "empty file");
	expect_input_error("old.xls", xls, sizeof(xls), "old Excel 97-2003 "
	    ".xls format is not supported: save it as .xlsx");
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(x >> 16);
	}
	junk[0] = 'x';
	expect_input_error("junk.bin", junk, sizeof(junk), "not a "
	    "spreadsheet (.xlsx, .csv or .md)");
	expect_input_error("utf16.csv", "\xff\xfes\0u\0", 6, "UTF-16");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_input_error(cases[i].name, cases[i].text,
		    cases[i].len ? cases[i].len : strlen(cases[i].text),
		    cases[i].want);

	/* a NUL past the part looked at to tell text from binary */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_addstr(&b, "survey,type\n"), 0);
	for (i = 0; i < 2000; i++)
		assert_int_equal(buf_addstr(&b, ",x\n"), 0);
	assert_int_equal(buf_add(&b, ",a\0b\n", 5), 0);
	expect_input_error("nul.csv", b.p, b.len, "nul.csv:2002: sheet "
	    "'survey' column A: not valid UTF-8");
	buf_release(&b);
}

/* The builder's own limits, reached through the CSV layout. */
static void
test_limits(void **state)
{
	struct buf	 b;
	size_t		 i, n;
	char		*z;

	(void)state;
	buf_init(&b, FORM_MAX_BYTES);
	assert_int_equal(buf_addstr(&b, "survey\n"), 0);
	for (i = 0; i < WORKBOOK_MAX_COLS + 1; i++)
		assert_int_equal(buf_addstr(&b, ",x"), 0);
	expect_input_error("wide.csv", b.p, b.len, "wide.csv:2: more than");
	buf_reset(&b);
	assert_int_equal(buf_addstr(&b, "survey"), 0);
	for (i = 0; i < WORKBOOK_MAX_ROWS; i++)
		assert_int_equal(buf_addc(&b, '\n'), 0);
	assert_int_equal(buf_addstr(&b, ",x\n"), 0);
	expect_input_error("long.csv", b.p, b.len, "past Excel's last row");

	/* one cell in the last column of many rows: sparse, not huge */
	buf_reset(&b);
	for (i = 1; i <= 300; i++)
		assert_int_equal(buf_addf(&b, "<row r=\"%zu\"><c r=\"XFD%zu\">"
		    "<v>1</v></c></row>", i, i), 0);
	mini_xlsx(b.p, NULL, &z, &n);
	expect_input_error("sparse.xlsx", z, n, "sheet 'survey' is too "
	    "wide and sparse (row 257 reaches column 16384)");
	free(z);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_loads),
		cmocka_unit_test(test_corpus_cells),
		cmocka_unit_test(test_xlsxwriter_shared),
		cmocka_unit_test(test_xlsxwriter_inline),
		cmocka_unit_test(test_xlsx_by_hand),
		cmocka_unit_test(test_xlsx_dates),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_bombs),
		cmocka_unit_test(test_malformed_xlsx),
		cmocka_unit_test(test_malformed_text),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
