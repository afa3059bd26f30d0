/*
 * test_form.c: the form model, from XLSForm text (pyxform's CSV layout) to
 * fields, choices, languages and the diagnostics a form author reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../forms/forms.h"

/* Load csv as "t.csv"; return the diagnostics as text (caller frees). */
static char *
load(const char *csv, struct form **out)
{
	struct diags	d;
	struct buf	b;
	struct err	e;

	diags_init(&d);
	err_init(&e);
	buf_init(&b, 1 << 20);
	*out = NULL;
	form_load("t.csv", csv, strlen(csv), out, &d, &e);
	assert_int_not_equal(e.code, ERR_NOMEM);
	diags_format(&d, "t.csv", &b);
	diags_release(&d);
	return buf_detach(&b);
}

#define HEAD "survey,,,,,,\n,type,name,label,relevant,constraint,calculation\n"

/* Broken forms: each must be refused with exactly this line among its
 * diagnostics (and nothing that crashes). */
static const struct {
	const char	*csv;
	const char	*want;
} broken[] = {
	{ HEAD ",txt,a,A,,,\n",
	    "t.csv:survey:3:type: error: unknown type 'txt'" },
	{ HEAD ",integer,a,A,,selectd(.),\n",
	    "t.csv:survey:3:constraint: error: unknown function 'selectd'" },
	{ HEAD ",integer,a,A,${nme} > 1,,\n",
	    "t.csv:survey:3:relevant: error: unknown question '${nme}'" },
	{ HEAD ",select_one yn,a,A,,,\n",
	    "t.csv:survey:3:type: error: unknown choice list 'yn'" },
	{ HEAD ",integer,a,A,,,\n,text,a,B,,,\n",
	    "t.csv:survey:4:name: error: duplicate name 'a' (also on row 3)" },
	{ HEAD ",begin group,g,G,,,\n,text,a,A,,,\n",
	    "t.csv:survey:3: error: 'begin group' without 'end group'" },
	{ HEAD ",text,a,A,,,\n,end group,,,,,\n",
	    "t.csv:survey:4:type: error: 'end group' without 'begin group'" },
	{ HEAD ",begin repeat,r,R,,,\n,text,a,A,,,\n,end group,,,,,\n",
	    "t.csv:survey:5:type: error: 'end group' where 'end repeat' was "
	    "expected (for the 'begin repeat' on row 3)" },
	{ HEAD ",integer,a,A,,(. > 1,\n",
	    "t.csv:survey:3:constraint: error:" },
	{ HEAD ",calculate,c,,,,\n",
	    "t.csv:survey:3:calculation: error: calculate 'c' has no "
	    "calculation" },
	{ HEAD ",text,,A,,,\n",
	    "t.csv:survey:3:name: error: a 'text' row needs a name" },
	{ HEAD ",text,1a,A,,,\n",
	    "t.csv:survey:3:name: error: invalid name '1a'" },
	{ HEAD ",text,a,,,,\n",
	    "t.csv:survey:3:label: error: question 'a' has no label" },
	{ HEAD ",begin group,g,G,,,\n,text,x,X,,,\n,end group,,,,,\n"
	    ",begin group,h,H,,,\n,text,x,X,,,\n,end group,,,,,\n"
	    ",calculate,c,,,,${x}\n",
	    "t.csv:survey:9:calculation: error: '${x}' is ambiguous: 2 "
	    "questions are named 'x'" },
	{ "choices,,\n,list_name,name,label\n,yn,yes,Yes\n,yn,yes,Again\n"
	    "survey,,\n,type,name,label\n,select_one yn,a,A\n",
	    "t.csv:choices:4:name: error: duplicate choice 'yes' in list 'yn'" },
	{ "settings,,\n,form_id\n,x\n",
	    "t.csv: error: no 'survey' sheet" },
};

static void
test_broken(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct form	*f;
		char		*got = load(broken[i].csv, &f);

		if (strstr(got, broken[i].want) == NULL) {
			print_error("case %zu: want '%s' in:\n%s\n", i,
			    broken[i].want, got);
			fail();
		}
		assert_null(f);
		free(got);
	}
}

/* Every problem at once: three broken rows, three lines. */
static void
test_all_at_once(void **state)
{
	struct form	*f;
	char		*got, *p;
	int		 lines = 0;

	(void)state;
	got = load(HEAD ",txt,a,A,,,\n,integer,b,B,${zz},,\n"
	    ",select_one nope,c,C,,,\n", &f);
	for (p = got; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	assert_non_null(strstr(got, ":3:type:"));
	assert_non_null(strstr(got, ":4:relevant:"));
	assert_non_null(strstr(got, ":5:type:"));
	free(got);
}

static const struct field *
many_parent(const struct form *f)
{
	return form_field(f, "many")->parent;
}

static void
test_model(void **state)
{
	static const char csv[] =
	    "survey,,,,,,,,\n"
	    ",type,name,label::Español (es),label::Quechua Chanka (quy),"
	    "hint::Español (es),required,constraint_message::Español (es),"
	    "relevance\n"
	    ",select one from sex,sex,Sexo,Qari utaq warmi,,yes,,\n"
	    ",begin repeat,kids,Niños,Warmakuna,,,,\n"
	    ",integer,age,Edad,Hayka wata,En años,TRUE,Muy grande,"
	    "${sex} = 'f'\n"
	    ",end repeat,,,,,,,\n"
	    ",select all that apply from sex or specify other,many,Varios,"
	    "Achka,,,,\n"
	    ",start,start,,,,,,\n"
	    ",image,photo,Foto,,,,,\n"
	    "choices,,,,\n"
	    ",list name,name,label::Español (es),label::Quechua Chanka (quy)\n"
	    ",sex,f,Mujer,Warmi\n"
	    ",sex,m,Varón,Qari\n"
	    "settings,,,\n"
	    ",form_title,form_id,version,default_language\n"
	    ",Prueba,prueba,2026112501,Español (es)\n";
	struct form		*f;
	const struct field	*sex, *kids, *age, *many, *start, *photo;
	char			*diag;
	int			 q;

	(void)state;
	diag = load(csv, &f);
	assert_non_null(f);
	/* the image is a warning, not an error */
	assert_non_null(strstr(diag, "t.csv:survey:9: warning: type 'image'"));
	free(diag);
	assert_string_equal(f->id, "prueba");
	assert_string_equal(f->title, "Prueba");
	assert_string_equal(f->version, "2026112501");
	assert_int_equal(f->nlangs, 2);
	assert_string_equal(f->langs[f->default_lang].code, "es");
	q = form_lang(f, "quy");
	assert_true(q >= 0);
	assert_int_equal(form_lang(f, "Quechua Chanka (quy)"), q);
	assert_int_equal(form_lang(f, "en"), -1);

	sex = form_field(f, "sex");
	kids = form_field(f, "kids");
	age = form_field(f, "age");
	many = form_field(f, "many");
	start = form_field(f, "start");
	photo = form_field(f, "photo");
	assert_non_null(sex);
	assert_int_equal(sex->kind, FK_SELECT_ONE);
	assert_non_null(sex->required);
	assert_string_equal(sex->list->name, "sex");
	/* "or specify other" on 'many' adds the choice 'other' to the
	 * list, and the question 'many_other' asked when it is chosen */
	assert_int_equal(sex->list->n, 3);
	assert_string_equal(sex->list->v[2].name, "other");
	assert_non_null(form_field(f, "many_other"));
	assert_non_null(form_field(f, "many_other")->relevant);
	assert_ptr_equal(form_field(f, "many_other")->parent, many_parent(f));
	assert_string_equal(form_text(f, &sex->list->v[1].label, (size_t)q),
	    "Qari");
	assert_int_equal(kids->kind, FK_REPEAT);
	assert_ptr_equal(age->parent, kids);
	assert_ptr_equal(age->repeat, kids);
	assert_int_equal(age->depth, 2);
	assert_non_null(age->relevant);
	assert_non_null(age->required);
	assert_string_equal(form_text(f, &age->label, (size_t)q),
	    "Hayka wata");
	/* no Quechua hint: falls back to the default language */
	assert_string_equal(form_text(f, &age->hint, (size_t)q), "En años");
	assert_string_equal(form_text(f, &age->constraint_msg, 0),
	    "Muy grande");
	assert_int_equal(many->kind, FK_SELECT_MULTIPLE);
	assert_int_equal(many->or_other, 1);
	assert_int_equal(start->kind, FK_META);
	assert_string_equal(start->meta, "start");
	assert_int_equal(photo->kind, FK_UNSUPPORTED);
	assert_int_equal(f->nunsupported, 1);
	assert_ptr_equal(f->fields[0], f->root);
	assert_string_equal(f->root->name, "prueba");
	form_free(f);
}

/* pyxform's loop: a group per choice, labels substituted. */
static void
test_loop(void **state)
{
	static const char csv[] =
	    "survey,,,\n"
	    ",type,name,label\n"
	    ",begin loop over toilets,loop,\n"
	    ",integer,number,How many %(label)s?\n"
	    ",end loop,,\n"
	    "choices,,,\n"
	    ",list name,name,label\n"
	    ",toilets,pit,Pit latrine\n"
	    ",toilets,flush,Flush toilet\n";
	struct form		*f;
	const struct field	*loop;
	char			*diag;

	(void)state;
	diag = load(csv, &f);
	assert_non_null(f);
	free(diag);
	loop = form_field(f, "loop");
	assert_int_equal(loop->nkids, 2);
	assert_string_equal(loop->kids[1]->name, "flush");
	assert_string_equal(loop->kids[1]->kids[0]->label.v[0],
	    "How many Flush toilet?");
	form_free(f);
}

/* Spreadsheet habits: stray spaces, curly quotes, aliases. */
static void
test_habits(void **state)
{
	static const char csv[] =
	    "survey,,,,\n"
	    ",type,name,label,bind:relevant, bind:jr:constraintMsg \n"
	    ",  select_one   yn ,a,A,,\n"
	    ",integer,b,B,${a} = \xe2\x80\x98yes\xe2\x80\x99,Too big\n"
	    "choices,,,\n"
	    ",list_name,name,label\n"
	    ",yn,yes,Yes\n"
	    ",yn,no,No\n";
	struct form		*f;
	char			*diag;

	(void)state;
	diag = load(csv, &f);
	if (f == NULL)
		print_error("%s\n", diag);
	assert_non_null(f);
	free(diag);
	assert_non_null(form_field(f, "b")->relevant);
	assert_string_equal(form_field(f, "b")->constraint_msg.v[0],
	    "Too big");
	assert_string_equal(form_field(f, "a")->list->name, "yn");
	form_free(f);
}

/* Attachments: what a form names, what form_attach reads or refuses. */
#define MEDIA_FORM HEAD ",select_one_from_file places.csv,p,P,,,\n" \
	",calculate,c,,,,\"pulldata('fruits', 'colour', 'name', 'mango')\"\n" \
	",csv-external,hh,,,,\n" \
	",select_one_from_file pts.geojson,g,G,,,\n" \
	",select_multiple_from_file ls.xml,x,X,,,\n"

#define NUL_CSV "name,label\n1,Lu\0cre\n"

static const struct {
	const char	*file;
	const char	*data;
	const char	*want;		/* NULL: accepted */
	size_t		 len;		/* 0: strlen(data) */
} attach_cases[] = {
	{ "places.csv", "name,label,district\n1,Lucre,lucre\n", NULL, 0 },
	{ "places.csv", "\xef\xbb\xbfname,label\n1,Lucre\n", NULL, 0 },
	{ "places.csv", "name,label\n1,Lu\xff" "cre\n",
	    "places.csv:2: field 2 is not UTF-8", 0 },
	{ "places.csv", NUL_CSV, "places.csv:2: field 2 is not UTF-8",
	    sizeof(NUL_CSV) - 1 },
	{ "places.csv", "name,label\n1,\"Lucre\n",
	    "places.csv:2: unterminated quoted field", 0 },
	{ "places.csv", "id,label\n1,Lucre\n",
	    "places.csv: no column 'name'", 0 },
	{ "pts.geojson", "{\"type\":\"FeatureCollection\",\"features\":"
	    "[{\"type\":\"Feature\",\"id\":7,\"geometry\":{\"type\":"
	    "\"Point\",\"coordinates\":[-73.2,-14.3,2900]},"
	    "\"properties\":{\"title\":\"Lucre\"}}]}", NULL, 0 },
	{ "pts.geojson", "{\"type\":\"FeatureCollection\",\"features\":"
	    "[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Circle\"}}]}",
	    "pts.geojson: feature 1: not a feature with a Point", 0 },
	{ "pts.geojson", "[1, 2]", "pts.geojson: not a GeoJSON", 0 },
	{ "pts.geojson", "{\"a\": tru}", "pts.geojson:1:", 0 },
	{ "ls.xml", "<root><item><name>a</name><label>A</label></item>"
	    "</root>", NULL, 0 },
	{ "ls.xml", "<root><item><name>a</name></root>",
	    "ls.xml:1: mismatched tag", 0 },
	{ "ls.xml", "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><root><item>"
	    "<name>&a;</name></item></root>", "ls.xml:1: a DOCTYPE is not "
	    "allowed", 0 },
	{ "other.png", "\x89PNG", NULL, 0 },	/* not read: ignored */
};

static void
test_attach(void **state)
{
	struct form			*f;
	const struct choice_list	*l;
	const struct choice		*c;
	struct err			 e;
	char				*got, deep[4096];
	size_t				 i, n;
	int				 rc;

	(void)state;
	got = load(MEDIA_FORM, &f);
	assert_non_null(f);
	assert_null(strstr(got, "pulldata"));	/* no longer a warning */
	free(got);
	assert_int_equal(f->nmedia, 5);
	assert_string_equal(form_media(f, 0)->file, "places.csv");
	assert_string_equal(form_media(f, 1)->file, "hh.csv");
	assert_string_equal(form_media(f, 2)->file, "pts.geojson");
	assert_string_equal(form_media(f, 3)->file, "ls.xml");
	assert_string_equal(form_media(f, 4)->file, "fruits.csv");
	assert_null(form_media(f, 5));
	for (i = 0; i < sizeof(attach_cases) / sizeof(attach_cases[0]); i++) {
		err_init(&e);
		n = attach_cases[i].len ? attach_cases[i].len :
		    strlen(attach_cases[i].data);
		rc = form_attach(f, attach_cases[i].file, attach_cases[i].data,
		    n, &e);
		if (attach_cases[i].want == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, e.msg);
		} else if (rc != ERR_INPUT ||
		    strstr(e.msg, attach_cases[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg,
			    attach_cases[i].want);
	}
	/* nested too deep: refused before jansson recurses */
	n = sizeof(deep) - 1;
	memset(deep, '[', n);
	deep[n] = '\0';
	err_init(&e);
	assert_int_equal(form_attach(f, "pts.geojson", deep, n, &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "nested more than"));
	/* refused: the list is empty again */
	assert_int_equal(form_media(f, 2)->n, 0);
	assert_int_equal(form_media(f, 2)->attached, 0);
	form_free(f);

	/* a row per choice, every column kept, looked up by hash */
	got = load(MEDIA_FORM, &f);
	free(got);
	err_init(&e);
	assert_int_equal(form_attach(f, "fruits.csv", "name,colour\n"
	    "apple,red\nmango,yellow\n,green\nmango,orange\n", 55, &e), 0);
	l = form_media(f, 4);
	assert_true(l->attached);
	assert_int_equal(l->n, 3);	/* the row without a name is out */
	c = media_lookup(l, "name", "mango");
	assert_non_null(c);
	assert_string_equal(choice_col(c, "colour"), "yellow");	/* first */
	assert_null(media_lookup(l, "name", "pear"));
	assert_null(media_lookup(l, "nope", "mango"));
	assert_ptr_equal(form_choice(l, "apple"), &l->v[0]);
	assert_int_equal(form_attach(f, "pts.geojson", attach_cases[6].data,
	    strlen(attach_cases[6].data), &e), 0);
	l = form_media(f, 2);
	assert_string_equal(l->v[0].name, "7");
	assert_string_equal(form_text(f, &l->v[0].label, 0), "Lucre");
	assert_string_equal(choice_col(&l->v[0], "geometry"),
	    "-14.3 -73.2 2900 0");
	err_init(&e);
	assert_int_equal(form_attach(f, "places.csv", "name",
	    5 + MEDIA_MAX_BYTES, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "attachment 'places.csv': larger"));
	form_free(f);

	/* names that could leave the media folder are refused at load */
	got = load(HEAD ",select_one_from_file ../x.csv,p,P,,,\n", &f);
	assert_null(f);
	assert_non_null(strstr(got, "attachment '../x.csv'"));
	free(got);
	got = load(HEAD ",select_one_from_file x.txt,p,P,,,\n", &f);
	assert_null(f);
	assert_non_null(strstr(got, "ends in .csv, .xml or .geojson"));
	free(got);
	assert_false(media_name_ok(".hidden.csv"));
	assert_false(media_name_ok("a/b.csv"));
	assert_false(media_name_ok("a\\b.csv"));
	assert_true(media_name_ok("centros poblados.csv"));
}

/* A select over a file that is not there: an error where the program
 * gave the form its files (the collector), the name as written where it
 * keeps none (the hub re-checking a submission). */
static void
test_attach_absent(void **state)
{
	struct session_opts	 o;
	struct session		*s;
	struct form		*f;
	struct diags		 d;
	struct err		 e;
	struct buf		 b;
	const char		*json = "{\"p\": \"0302080003\"}";
	char			*got, *data;
	int			 given;

	(void)state;
	for (given = 0; given <= 1; given++) {
		got = load(HEAD ",select_one_from_file places.csv,p,P,,,\n", &f);
		free(got);
		assert_non_null(f);
		f->media_given = given;
		memset(&o, 0, sizeof(o));
		err_init(&e);
		assert_int_equal(session_new(f, &o, &s, &e), 0);
		diags_init(&d);
		buf_init(&b, 1 << 16);
		assert_int_equal(session_fill_json(s, json, strlen(json), &d,
		    &e), (size_t)given);
		diags_format(&d, "a.json", &b);
		data = session_data_json(s);
		if (given)
			assert_non_null(strstr(b.p, "'places.csv', which was "
			    "not installed with the form"));
		else
			assert_non_null(strstr(data, "\"p\":\"0302080003\""));
		free(data);
		buf_release(&b);
		diags_release(&d);
		session_free(s);
		form_free(f);
	}
}

/* external_choices: its lists are apart from choices, for
 * select_one_external only. */
static void
test_external_choices(void **state)
{
	struct form	*f;
	char		*got;

	(void)state;
	got = load(HEAD ",select_one l,a,A,,,\n,select_one_external l,b,B,,,\n"
	    "choices,,,\n,list_name,name,label\n,l,x,X\n"
	    "external_choices,,,\n,list_name,name,label\n,l,x,X\n,l,y,Y\n",
	    &f);
	assert_non_null(f);
	assert_int_equal(form_field(f, "a")->list->n, 1);
	assert_int_equal(form_field(f, "b")->list->n, 2);
	assert_int_equal(form_list(f, "l")->n, 1);
	form_free(f);
	free(got);
	got = load(HEAD ",select_one_external m,b,B,,,\n"
	    "choices,,,\n,list_name,name,label\n,m,x,X\n", &f);
	assert_null(f);
	assert_non_null(strstr(got, "unknown list 'm' of the "
	    "external_choices sheet"));
	free(got);
}

/* Every type of pyxform's question_type_dictionary loads. */
static void
test_types(void **state)
{
	static const struct {
		const char	*type;
		enum field_kind	 kind;
	} cases[] = {
		{ "q int", FK_INTEGER }, { "add date time prompt",
		    FK_DATETIME }, { "get start time", FK_META },
		{ "imei", FK_META }, { "uri:username", FK_META },
		{ "phone number", FK_TEXT }, { "gps", FK_GEOPOINT },
		{ "q picture", FK_UNSUPPORTED }, { "barcode", FK_TEXT },
		{ "select one using l", FK_SELECT_ONE },
		{ "add select multiple prompt using l", FK_SELECT_MULTIPLE },
		{ "select1 l", FK_SELECT_ONE }, { "percentage", FK_INTEGER },
		{ "range", FK_INTEGER }, { "add note prompt", FK_NOTE },
	};
	struct form	*f;
	char		 csv[512], *got;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(csv, sizeof(csv), HEAD ",%s,a,A,,,\n"
		    "choices,,,\n,list_name,name,label\n,l,x,X\n",
		    cases[i].type);
		got = load(csv, &f);
		if (f == NULL)
			fail_msg("'%s': %s", cases[i].type, got);
		assert_int_equal(form_field(f, "a")->kind, cases[i].kind);
		form_free(f);
		free(got);
	}
}

/* A forgotten ${}: ODK reads "age > 3" as empty, silently. */
static void
test_stray_name(void **state)
{
	struct form	*f;
	char		*got;

	(void)state;
	got = load(HEAD ",integer,age,Age,,,\n,text,a,A,age > 3,,\n"
	    ",text,b,B,agee > 3,,\n"
	    ",begin group,g,G,,,\n,text,c,C,,,\n,end group,,,,,\n", &f);
	assert_non_null(f);
	assert_non_null(strstr(got, "t.csv:survey:4:relevant: warning: 'age' "
	    "reads as empty here: write ${age}"));
	assert_non_null(strstr(got, "t.csv:survey:5:relevant: warning: 'agee' "
	    "names nothing here"));
	form_free(f);
	free(got);
	/* not in predicates, not for a group's own kids, not in filters */
	got = load(HEAD ",begin group,g,G,c != '',,\n,text,c,C,,,\n"
	    ",end group,,,,,\n"
	    ",calculate,k,,,,instance('l')/root/item[name = 'x']/label\n"
	    "choices,,,\n,list_name,name,label\n,l,x,X\n", &f);
	assert_non_null(f);
	assert_null(strstr(got, "warning"));
	form_free(f);
	free(got);
}

/* Nesting is bounded: every walk of the tree recurses along it. */
static void
test_depth(void **state)
{
	struct buf	 b;
	struct form	*f;
	char		*got;
	int		 i, depth[] = { FORM_MAX_DEPTH - 1, 12000 };
	size_t		 k;

	(void)state;
	for (k = 0; k < 2; k++) {
		buf_init(&b, 1 << 24);
		buf_addstr(&b, "survey,,\n,type,name,label\n");
		for (i = 0; i < depth[k]; i++)
			buf_addf(&b, ",begin group,g%d,G\n", i);
		buf_addstr(&b, ",text,x,X\n");
		for (i = 0; i < depth[k]; i++)
			buf_addstr(&b, ",end group,,\n");
		got = load(b.p, &f);
		if (k == 0) {
			assert_non_null(f);
			assert_int_equal(form_field(f, "x")->depth,
			    FORM_MAX_DEPTH);
		} else {
			assert_null(f);
			assert_non_null(strstr(got, "nested more than"));
		}
		form_free(f);
		free(got);
		buf_release(&b);
	}
}

/*
 * range: a value is start + k * step between start and end, compared as
 * decimals (binary doubles would refuse 0.3 on a scale of 0.1 steps, and
 * take 1.0000000000000001 for 1); the type is decimal only when a
 * parameter has a fraction that is not zero.
 */
static const struct {
	const char	*params;
	const char	*value;
	int		 ok;
} ranges[] = {
	{ "", "1", 1 }, { "", "10", 1 }, { "", "0", 0 }, { "", "11", 0 },
	{ "start=0 end=1 step=0.1", "0.3", 1 },
	{ "start=0 end=1 step=0.1", "0.7", 1 },
	{ "start=0 end=1 step=0.1", "0.35", 0 },
	{ "start=0 end=1 step=0.1", "1.0000000000000001", 0 },
	{ "start=0 end=1 step=0.1", "-0", 1 },
	{ "start=0.5 end=2 step=0.25", "1.75", 1 },
	{ "start=0.5 end=2 step=0.25", "0.25", 0 },
	{ "start=10 end=0 step=2", "4", 1 },
	{ "start=10 end=0 step=2", "3", 0 },
	{ "start=-5 end=5 step=5", "-5", 1 },
	{ "start=-5 end=5 step=5", "-10", 0 },
	{ "start=1.0 end=5.0 step=1.0", "3", 1 },
	{ "start=1e1 end=1e2 step=1e1", "90", 1 },
	{ "start=0;end=3;step=0.001", "2.999", 1 },
	{ "start=0,end=3,step=0.001", "2.9995", 0 },
	{ "start=0 end=1000000 step=0.000001", "999999.999999", 1 },
	{ "start=0 end=1000000 step=0.000001", "1000000.000001", 0 },
};

static void
test_range(void **state)
{
	char		 csv[512], *got;
	struct form	*f;
	struct err	 e;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		snprintf(csv, sizeof(csv), "survey,,,,\n,type,name,label,"
		    "parameters\n,range,r,R,\"%s\"\n", ranges[i].params);
		got = load(csv, &f);
		assert_non_null(f);
		assert_non_null(form_field(f, "r")->range);
		err_init(&e);
		if ((field_range_check(form_field(f, "r"), ranges[i].value,
		    &e) == 0) != ranges[i].ok)
			fail_msg("%s: '%s': %s", ranges[i].params,
			    ranges[i].value, e.msg);
		assert_int_equal(form_field(f, "r")->kind,
		    strstr(ranges[i].params, "0.") != NULL ? FK_DECIMAL :
		    FK_INTEGER);
		form_free(f);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_all_at_once),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_habits),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_attach_absent),
		cmocka_unit_test(test_external_choices),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_stray_name),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
