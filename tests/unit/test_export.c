/*
 * test_export.c: hub export --format csv (hub/export.c) over a real store,
 * table-driven: forms and stored lines in, the zip's files out, byte for
 * byte. Group paths, select_multiple split, geopoint parts, repeats in
 * repeats (KEY, PARENT_KEY), missing answers, JSON escapes, CSV quoting,
 * numbers as sent, the union of two versions; and a damaged line that is
 * an error naming its submission, never a crash.
 *
 * The lines go in with hub_store_add_sub, not the merge: the export must
 * read whatever the store holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "../../hub/hub.h"

#define DEV	"dev-01"
#define AT	"2026-11-25T10:00:00.250-05:00"
#define AT_UTC	"2026-11-25T15:00:00.250Z"
#define ID1	"uuid:00000000-0000-4000-8000-000000000001"
#define ID2	"uuid:00000000-0000-4000-8000-000000000002"

/* Version 1: a group with a number, a select_multiple and a geopoint; a
 * repeat holding a group holding a repeat; a note (no column). */
static const char form_v1[] =
    "survey,,,\n"
    ",type,name,label::Español (es)\n"
    ",text,a,Texto A\n"
    ",begin group,g,Grupo\n"
    ",integer,n,Número\n"
    ",select_multiple abc,m,Varias\n"
    ",geopoint,p,Punto\n"
    ",end group,,\n"
    ",begin repeat,r,Repetición\n"
    ",text,x,Equis\n"
    ",begin group,rg,Grupo interno\n"
    ",begin repeat,rr,Otra\n"
    ",decimal,y,Ye\n"
    ",end repeat,,\n"
    ",end group,,\n"
    ",end repeat,,\n"
    ",note,nn,Nota\n"
    "choices,,,\n"
    ",list_name,name,label::Español (es)\n"
    ",abc,a,Aa\n"
    ",abc,b,Bb\n"
    ",abc,c,Cc\n"
    "settings,,,\n"
    ",form_id,version,\n"
    ",t,1,\n";

/* Version 2: b added after a, the geopoint dropped, a choice added. */
static const char form_v2[] =
    "survey,,,\n"
    ",type,name,label::Español (es)\n"
    ",text,a,Texto A\n"
    ",text,b,Texto B\n"
    ",begin group,g,Grupo\n"
    ",integer,n,Número\n"
    ",select_multiple abc,m,Varias\n"
    ",end group,,\n"
    ",begin repeat,r,Repetición\n"
    ",text,x,Equis\n"
    ",begin group,rg,Grupo interno\n"
    ",begin repeat,rr,Otra\n"
    ",decimal,y,Ye\n"
    ",end repeat,,\n"
    ",end group,,\n"
    ",end repeat,,\n"
    "choices,,,\n"
    ",list_name,name,label::Español (es)\n"
    ",abc,a,Aa\n"
    ",abc,b,Bb\n"
    ",abc,c,Cc\n"
    ",abc,d,Dd\n"
    "settings,,,\n"
    ",form_id,version,\n"
    ",t,2,\n";

#define META	"meta-instanceID,KEY,SubmitterID,SubmitterName," \
		"AttachmentsPresent,AttachmentsExpected,Status,ReviewState," \
		"DeviceID,Edits,FormVersion\n"
#define V1_HEAD	"SubmissionDate,a,g-n,g-m,g-m/a,g-m/b,g-m/c,g-p-Latitude," \
		"g-p-Longitude,g-p-Altitude,g-p-Accuracy," META
/* The tail of a row: its id twice, the device, the promoter... */
#define TAIL(id, promoter, version) \
		id "," id "," DEV "," promoter ",0,0,,," DEV ",0," version "\n"

struct sub {
	const char	*id;
	const char	*version;
	const char	*line;		/* NULL: an envelope around data */
	const char	*data;
	const char	*promoter;	/* JSON string text; NULL: null */
};

struct file {
	const char	*name;
	const char	*text;
};

static const struct {
	const char	*what;
	const char	*forms[2];	/* any order */
	struct sub	 subs[3];
	int		 rc;		/* of the export */
	const char	*err;		/* in its message */
	struct file	 files[4];
} cases[] = {
	{ "no submission: the headers alone", { form_v1, NULL }, { { 0 } },
	    0, NULL, {
	    { "t.csv", V1_HEAD },
	    { "t-r.csv", "x,PARENT_KEY,KEY\n" },
	    { "t-rr.csv", "y,PARENT_KEY,KEY\n" } } },
	{ "groups, splits, points, repeats in repeats", { form_v1, NULL }, {
	    { ID1, "1", NULL, "{\"a\":\"x, \\\"y\\\"\",\"g\":{\"n\":12,"
	    "\"m\":\"a c\",\"p\":\"-14.1 -73.2 3000 5\"},\"r\":[{\"x\":"
	    "\"one\",\"rg\":{\"rr\":[{\"y\":1.50},{\"y\":null}]}},{\"x\":"
	    "\"two\"}],\"unknown\":{\"k\":[1,[2]]}}", "Ana" } },
	    0, NULL, {
	    { "t.csv", V1_HEAD AT_UTC ",\"x, \"\"y\"\"\",12,a c,1,0,1,-14.1,"
	    "-73.2,3000,5," TAIL(ID1, "Ana", "1") },
	    { "t-r.csv", "x,PARENT_KEY,KEY\n"
	    "one," ID1 "," ID1 "/r[1]\n"
	    "two," ID1 "," ID1 "/r[2]\n" },
	    { "t-rr.csv", "y,PARENT_KEY,KEY\n"
	    "1.50," ID1 "/r[1]," ID1 "/r[1]/rg/rr[1]\n"
	    "," ID1 "/r[1]," ID1 "/r[1]/rg/rr[2]\n" } } },
	{ "missing answers, escapes, quoting", { form_v1, NULL }, {
	    { ID1, "1", NULL, "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\\t\\\\/\","
	    "\"g\":{\"n\":null,\"m\":null}}", NULL },
	    { ID2, "1", NULL, "{\"g\":{\"m\":\"\",\"p\":\" 1  2 \"},"
	    "\"r\":[]}", "Rosa \\\"R\\\", \u00d1" } },
	    0, NULL, {
	    { "t.csv", V1_HEAD AT_UTC ",\"\xc3\xa9\xf0\x9f\x98\x80\n\t\\/\","
	    ",,,,,,,,," TAIL(ID1, "", "1")
	    AT_UTC ",,,,,,,1,2,,," TAIL(ID2, "\"Rosa \"\"R\"\", \xc3\x91\"",
	    "1") },
	    { "t-r.csv", "x,PARENT_KEY,KEY\n" },
	    { "t-rr.csv", "y,PARENT_KEY,KEY\n" } } },
	{ "two versions: the newest's columns, then the older's",
	    { form_v1, form_v2 }, {
	    { ID1, "1", NULL, "{\"a\":\"old\",\"g\":{\"m\":\"b\","
	    "\"p\":\"1 2 3 4\"}}", NULL },
	    { ID2, "2", NULL, "{\"a\":\"new\",\"b\":\"bee\",\"g\":{\"m\":"
	    "\"d a\"}}", NULL } },
	    0, NULL, {
	    { "t.csv", "SubmissionDate,a,b,g-n,g-m,g-m/a,g-m/b,g-m/c,g-m/d,"
	    "g-p-Latitude,g-p-Longitude,g-p-Altitude,g-p-Accuracy," META
	    AT_UTC ",old,,,b,0,1,0,0,1,2,3,4," TAIL(ID1, "", "1")
	    AT_UTC ",new,bee,,d a,1,0,0,1,,,,," TAIL(ID2, "", "2") },
	    { "t-r.csv", "x,PARENT_KEY,KEY\n" },
	    { "t-rr.csv", "y,PARENT_KEY,KEY\n" } } },
	{ "a damaged line: an error naming it", { form_v1, NULL }, {
	    { ID1, "1", "{\"data\":{\"a\":[1,2}}", NULL, NULL } },
	    ERR_IO, ID1, { { NULL, NULL } } },
	{ "nesting past the ceiling: an error, not a crash",
	    { form_v1, NULL }, {
	    { ID1, "1", NULL, NULL, NULL } },
	    ERR_IO, ID1, { { NULL, NULL } } },
};

struct fixture {
	char			 home[64];
	struct hub_store	*st;
};

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	struct err	 e;

	err_init(&e);
	snprintf(fx->home, sizeof(fx->home), "/tmp/test_export.XXXXXX");
	assert_non_null(mkdtemp(fx->home));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->home);
	free(fx);
	return system(cmd) != 0;
}

/* A fresh store in dir with the forms, the device and the lines. */
static struct hub_store *
store_with(const char *dir, const char *const forms[2],
    const struct sub *subs)
{
	struct hub_store	*st;
	struct hub_device	 d;
	struct hub_batch	 b;
	struct hub_form		 hf;
	struct hub_sub		 s;
	int			 added;
	struct form		*f;
	struct diags		 dg;
	struct buf		 line;
	struct err		 e;
	enum hub_put		 how;
	unsigned char		 hash[HUB_TOKEN_HASH_BYTES];
	int64_t			 row;
	size_t			 i;

	err_init(&e);
	assert_int_equal(hub_store_create(dir, &st, &e), 0);
	assert_int_equal(hub_store_publish(st, &e), 0);
	assert_int_equal(hub_store_open(dir, &st, &e), 0);
	for (i = 0; i < 2 && forms[i] != NULL; i++) {
		diags_init(&dg);
		assert_int_equal(form_load("t.csv", forms[i], strlen(forms[i]),
		    &f, &dg, &e), 0);
		memset(&hf, 0, sizeof(hf));
		hf.form_id = "t";
		hf.version = f->version;
		hf.title = "t";
		hf.file = "t.csv";
		hf.published_at = AT;
		hf.content = (void *)forms[i];
		hf.len = strlen(forms[i]);
		assert_int_equal(hub_store_put_form(st, &hf, &how, &e), 0);
		form_free(f);
		diags_release(&dg);
	}
	memset(&d, 0, sizeof(d));
	memset(hash, 7, sizeof(hash));
	d.id = DEV;
	d.created_at = AT;
	assert_int_equal(hub_store_add_device(st, &d, hash, &e), 0);
	memset(&b, 0, sizeof(b));
	b.batch_id = "b";
	b.device_id = DEV;
	b.received_at = AT;
	assert_int_equal(hub_store_add_batch(st, &b, &row, &e), 0);
	for (i = 0; i < 3 && subs[i].id != NULL; i++) {
		buf_init(&line, 1u << 20);
		if (subs[i].line != NULL)
			buf_addstr(&line, subs[i].line);
		else if (subs[i].data != NULL)
			buf_addf(&line, "{\"instance_id\":\"%s\",\"promoter\":"
			    "%s%s%s,\"data\":%s}", subs[i].id,
			    subs[i].promoter ? "\"" : "", subs[i].promoter ?
			    subs[i].promoter : "null", subs[i].promoter ?
			    "\"" : "", subs[i].data);
		else {
			/* 300 arrays deep under a key no form has */
			buf_addstr(&line, "{\"data\":{\"zz\":");
			for (int k = 0; k < 300; k++)
				buf_addc(&line, '[');
			for (int k = 0; k < 300; k++)
				buf_addc(&line, ']');
			buf_addstr(&line, "}}");
		}
		memset(&s, 0, sizeof(s));
		s.instance_id = subs[i].id;
		s.form_id = "t";
		s.form_version = subs[i].version;
		s.device_id = DEV;
		s.finalized_at = AT;
		s.received_at = AT;
		s.line = line.p;
		s.len = line.len;
		s.batch = row;
		assert_int_equal(hub_store_add_sub(st, &s, &added, &e), 0);
		buf_release(&line);
	}
	return st;
}

static char *
zip_text(zip_t *z, const char *name)
{
	zip_stat_t	 sb;
	zip_file_t	*f;
	char		*p;

	if (zip_stat(z, name, 0, &sb) != 0)
		return NULL;
	p = calloc(1, (size_t)sb.size + 1);
	assert_non_null(f = zip_fopen(z, name, 0));
	assert_int_equal(zip_fread(f, p, sb.size), (zip_int64_t)sb.size);
	zip_fclose(f);
	return p;
}

static void
test_csv_cases(void **state)
{
	struct fixture		*fx = *state;
	struct hub_store	*st;
	struct export_counts	 n;
	struct err		 e;
	char			 dir[128], path[160], xpath[160];
	char			*got;
	zip_t			*z;
	size_t			 i, k;
	int			 rc, zerr;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%zu", fx->home, i);
		snprintf(path, sizeof(path), "%s/out.zip", fx->home);
		unlink(path);
		st = store_with(dir, cases[i].forms, cases[i].subs);
		/* The workbook reads the rows the same way: the same
		 * outcome (its cells are read back by t2300, with openpyxl). */
		snprintf(xpath, sizeof(xpath), "%s/out.xlsx", fx->home);
		unlink(xpath);
		err_init(&e);
		rc = export_to_file(st, "t", EXPORT_XLSX, xpath, &n, &e);
		if (rc != cases[i].rc)
			fail_msg("%s: xlsx export returned %d (%s), want %d",
			    cases[i].what, rc, e.msg, cases[i].rc);
		assert_int_equal(access(xpath, F_OK) == 0, rc == 0);
		err_init(&e);
		rc = export_to_file(st, "t", EXPORT_CSV, path, &n, &e);
		hub_store_close(st);
		if (rc != cases[i].rc)
			fail_msg("%s: export returned %d (%s), want %d",
			    cases[i].what, rc, e.msg, cases[i].rc);
		if (cases[i].err != NULL) {
			if (strstr(e.msg, cases[i].err) == NULL)
				fail_msg("%s: '%s' lacks '%s'", cases[i].what,
				    e.msg, cases[i].err);
			assert_int_not_equal(access(path, F_OK), 0);
			continue;
		}
		assert_non_null(z = zip_open(path, ZIP_RDONLY, &zerr));
		for (k = 0; k < 4 && cases[i].files[k].name != NULL; k++) {
			got = zip_text(z, cases[i].files[k].name);
			if (got == NULL || strcmp(got, cases[i].files[k].text))
				fail_msg("%s: %s:\n%s\nwant:\n%s", cases[i].what,
				    cases[i].files[k].name, got ? got :
				    "(none)", cases[i].files[k].text);
			free(got);
		}
		assert_int_equal(zip_get_num_entries(z, 0), (zip_int64_t)k);
		zip_close(z);
	}
}

static void
test_format_names(void **state)
{
	enum export_format	f;

	(void)state;
	assert_int_equal(export_format_parse("csv", &f), 0);
	assert_int_equal(f, EXPORT_CSV);
	assert_int_equal(export_format_parse("xlsx", &f), 0);
	assert_int_equal(f, EXPORT_XLSX);
	assert_int_equal(export_format_parse("json", &f), 0);
	assert_int_equal(f, EXPORT_JSON);
	assert_int_equal(export_format_parse("CSV", &f), ERR_USAGE);
	assert_int_equal(export_format_parse("", &f), ERR_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv_cases, setup,
		    teardown),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
