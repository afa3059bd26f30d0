/*
 * test_corpus.c: real XLSForms written by others (pyxform's own test suite,
 * in ../shared/corpus/xlsform/) must load, and where pyxform's expected
 * XForm is given, our model must agree with it: the same fields at the same
 * paths, compatible types, and the same binds (relevant, constraint,
 * calculate, required, readonly) present. Skipped when the corpus is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>
#include <expat.h>

#include "../../forms/forms.h"

static const char *corpus;

#define MAX_BINDS 1024

struct bind {
	char	path[512];
	char	type[32];
	int	relevant, constraint, calculate, required, readonly;
};

struct binds {
	struct bind	v[MAX_BINDS];
	size_t		n;
};

static void XMLCALL
on_start(void *arg, const XML_Char *el, const XML_Char **at)
{
	struct binds	*bs = arg;
	struct bind	*b;
	size_t		 i;

	if (strcmp(el, "http://www.w3.org/2002/xforms bind") != 0 &&
	    strcmp(el, "bind") != 0)
		return;
	if (bs->n == MAX_BINDS)
		return;
	b = &bs->v[bs->n++];
	memset(b, 0, sizeof(*b));
	for (i = 0; at[i] != NULL; i += 2) {
		const char	*k = at[i], *v = at[i + 1];
		const char	*local = strrchr(k, ' ');

		k = local != NULL ? local + 1 : k;
		if (strcmp(k, "nodeset") == 0)
			snprintf(b->path, sizeof(b->path), "%s", v);
		else if (strcmp(k, "type") == 0)
			snprintf(b->type, sizeof(b->type), "%s", v);
		else if (strcmp(k, "relevant") == 0)
			b->relevant = 1;
		else if (strcmp(k, "constraint") == 0)
			b->constraint = 1;
		else if (strcmp(k, "calculate") == 0)
			b->calculate = 1;
		else if (strcmp(k, "required") == 0)
			b->required = strcmp(v, "false()") != 0;
		else if (strcmp(k, "readonly") == 0)
			b->readonly = strcmp(v, "false()") != 0;
	}
}

static void
read_binds(const char *path, struct binds *bs)
{
	XML_Parser	 p = XML_ParserCreateNS(NULL, ' ');
	char		*data;
	size_t		 len;
	struct err	 e;

	err_init(&e);
	assert_int_equal(file_read(path, 1 << 24, &data, &len, &e), 0);
	bs->n = 0;
	XML_SetUserData(p, bs);
	XML_SetStartElementHandler(p, on_start);
	assert_int_equal(XML_Parse(p, data, (int)len, 1), XML_STATUS_OK);
	XML_ParserFree(p);
	free(data);
}

/* The field at "/root/a/b", or NULL. */
static const struct field *
at_path(const struct form *f, const char *path)
{
	const struct field	*cur = f->root;
	char			 buf[512], *save = NULL, *tok;
	size_t			 i;

	snprintf(buf, sizeof(buf), "%s", path);
	tok = strtok_r(buf, "/", &save);	/* the root's own name */
	while ((tok = strtok_r(NULL, "/", &save)) != NULL) {
		const struct field	*next = NULL;

		for (i = 0; i < cur->nkids; i++)
			if (strcmp(cur->kids[i]->name, tok) == 0)
				next = cur->kids[i];
		if (next == NULL)
			return NULL;
		cur = next;
	}
	return cur;
}

/* pyxform writes a repeat_count expression into a node of its own,
 * "<repeat>_count", beside the repeat: an artefact of its XForm. */
static int
generated_count(const struct form *f, const char *path)
{
	char			 buf[512];
	size_t			 n = strlen(path);
	const struct field	*r;

	if (n < 7 || strcmp(path + n - 6, "_count") != 0 || n >= sizeof(buf))
		return 0;
	snprintf(buf, sizeof(buf), "%.*s", (int)(n - 6), path);
	r = at_path(f, buf);
	return r != NULL && r->kind == FK_REPEAT && r->repeat_count != NULL;
}

/* Is our kind one pyxform would give this XForms type? */
static int
compatible(const struct field *f, const char *type)
{
	switch (f->kind) {
	case FK_TEXT:
	case FK_SELECT_ONE:
	case FK_SELECT_MULTIPLE:
	case FK_NOTE:
	case FK_CALCULATE:
	case FK_HIDDEN:
	case FK_ACKNOWLEDGE:
		return !strcmp(type, "string") || !strcmp(type, "odk:rank") ||
		    (f->kind == FK_ACKNOWLEDGE && !strcmp(type, "string")) ||
		    /* a barcode typed by hand */
		    (f->kind == FK_TEXT && !strcmp(type, "barcode"));
	case FK_INTEGER:
		return !strcmp(type, "int");
	case FK_DECIMAL:
		return !strcmp(type, "decimal") || !strcmp(type, "int");
	case FK_DATE:
		return !strcmp(type, "date");
	case FK_TIME:
		return !strcmp(type, "time");
	case FK_DATETIME:
		return !strcmp(type, "dateTime");
	case FK_GEOPOINT:
		return !strcmp(type, "geopoint");
	case FK_META:
		return 1;
	case FK_UNSUPPORTED:
		return 1;
	case FK_GROUP:
	case FK_REPEAT:
		return type[0] == '\0';
	}
	return 0;
}

static struct form *
load_file(const char *path, char **diag)
{
	struct form	*f = NULL;
	struct diags	 d;
	struct err	 e;
	struct buf	 b;
	char		*data;
	size_t		 len;

	err_init(&e);
	diags_init(&d);
	buf_init(&b, 1 << 20);
	assert_int_equal(file_read(path, FORM_MAX_BYTES, &data, &len, &e), 0);
	form_load(path, data, len, &f, &d, &e);
	diags_format(&d, path, &b);
	*diag = buf_detach(&b);
	diags_release(&d);
	free(data);
	return f;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every .xlsx, .csv and .md in the corpus loads; every .xls is refused
 * with the message that says what to do. */
static void
test_every_form_loads(void **state)
{
	DIR		*dir;
	struct dirent	*de;
	char		 path[1024];
	int		 n = 0;
	const char	*subs[] = { "", "/expected" };
	size_t		 s;

	(void)state;
	if (corpus == NULL)
		skip();
	for (s = 0; s < 2; s++) {
		char	dpath[1024];

		snprintf(dpath, sizeof(dpath), "%s%s", corpus, subs[s]);
		if ((dir = opendir(dpath)) == NULL)
			continue;
		while ((de = readdir(dir)) != NULL) {
			struct form	*f;
			char		*diag;

			if (!ends_with(de->d_name, ".xlsx") &&
			    !ends_with(de->d_name, ".csv") &&
			    !ends_with(de->d_name, ".md") &&
			    !ends_with(de->d_name, ".xls"))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    dpath, de->d_name) >= sizeof(path))
				continue;
			f = load_file(path, &diag);
			if (ends_with(de->d_name, ".xls")) {
				assert_null(f);
				assert_non_null(strstr(diag, "save it as .xlsx"));
			} else if (f == NULL) {
				print_error("%s does not load:\n%s", path, diag);
				fail();
			}
			n++;
			form_free(f);
			free(diag);
		}
		closedir(dir);
	}
	assert_true(n >= 20);
}

/* Our model against the XForm pyxform produced for the same form. */
static void
compare(const char *xlsx, const char *xml)
{
	static struct binds	 bs;
	char			 p1[1024], p2[1024], *diag;
	struct form		*f;
	size_t			 i, checked = 0;

	snprintf(p1, sizeof(p1), "%s/%s", corpus, xlsx);
	snprintf(p2, sizeof(p2), "%s/expected/%s", corpus, xml);
	f = load_file(p1, &diag);
	if (f == NULL) {
		print_error("%s does not load:\n%s", p1, diag);
		fail();
	}
	free(diag);
	read_binds(p2, &bs);
	assert_true(bs.n > 0);
	for (i = 0; i < bs.n; i++) {
		const struct bind	*b = &bs.v[i];
		const struct field	*fl, *up;
		const void		*relevant;
		int			 flat = 0;

		/* pyxform adds meta/instanceID; we add it at output */
		if (strstr(b->path, "/meta/") != NULL)
			continue;
		fl = at_path(f, b->path);
		if (fl == NULL && (generated_count(f, b->path) ||
		    strstr(b->path, "reserved_name_for_field_list_labels_") ||
		    strstr(b->path, "generated_table_list_label_")))
			continue;	/* pyxform's own additions */
		if (fl == NULL && strrchr(b->path, '/') != NULL)
			/* settings "flat": pyxform drops the groups from
			 * the paths; the name must still be there */
			flat = (fl = form_field(f, strrchr(b->path, '/') +
			    1)) != NULL;
		if (fl == NULL) {
			print_error("%s: no field at %s\n", xlsx, b->path);
			fail();
		}
		if (!compatible(fl, b->type)) {
			print_error("%s: %s: type %s, ours kind %d ('%s')\n",
			    xlsx, b->path, b->type, fl->kind,
			    fl->type ? fl->type : "");
			fail();
		}
#define SAME(flag, ours) do {						\
	if ((flag) != ((ours) != NULL)) {				\
		print_error("%s: %s: %s %s in pyxform, %s here\n",	\
		    xlsx, b->path, #flag, (flag) ? "set" : "unset",	\
		    (ours) != NULL ? "set" : "unset");			\
		fail();							\
	}								\
} while (0)
		/* flattened, a group's relevant moves to its questions */
		relevant = fl->relevant;
		for (up = fl->parent; flat && up != NULL; up = up->parent)
			if (relevant == NULL)
				relevant = up->relevant;
		SAME(b->relevant, relevant);
		SAME(b->constraint, fl->constraint);
		SAME(b->required, fl->required);
		if (fl->kind != FK_NOTE && fl->kind != FK_META)
			SAME(b->calculate, fl->calculation);
#undef SAME
		checked++;
	}
	assert_true(checked > 0);
	form_free(f);
}

static void
test_against_pyxform(void **state)
{
	static const char *const pairs[][2] = {
		{ "expected/attribute_columns_test.xlsx",
		    "attribute_columns_test.xml" },
		{ "expected/flat_xlsform_test.xlsx", "flat_xlsform_test.xml" },
		{ "expected/or_other.xlsx", "or_other.xml" },
		{ "expected/survey_no_name.xlsx", "survey_no_name.xml" },
		{ "expected/xlsform_spec_test.xlsx", "xlsform_spec_test.xml" },
		{ "pyxform__widgets.from-xls.xlsx", "widgets.xml" },
		{ "pyxform__repeat_date_test.from-xls.xlsx",
		    "repeat_date_test.xml" },
		{ "pyxform__xml_escaping.from-xls.xlsx", "xml_escaping.xml" },
	};
	size_t	i;

	(void)state;
	if (corpus == NULL)
		skip();
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		compare(pairs[i][0], pairs[i][1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_form_loads),
		cmocka_unit_test(test_against_pyxform),
	};
	const char	*shared = getenv("SHARED");
	static char	 path[1024];
	DIR		*d;

	snprintf(path, sizeof(path), "%s/corpus/xlsform",
	    shared != NULL ? shared : "../shared");
	if ((d = opendir(path)) != NULL) {
		closedir(d);
		corpus = path;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
