/*
 * test_translation.c: the translation warnings of `forms check`
 * (forms/translation.c): each case a form and the exact warnings it gets.
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

/* The diagnostics of csv loaded as "t.csv" (caller frees). */
static char *
check(const char *csv)
{
	struct diags	 d;
	struct buf	 b;
	struct err	 e;
	struct form	*f = NULL;

	diags_init(&d);
	err_init(&e);
	buf_init(&b, 1 << 20);
	form_load("t.csv", csv, strlen(csv), &f, &d, &e);
	assert_int_not_equal(e.code, ERR_NOMEM);
	diags_format(&d, "t.csv", &b);
	diags_release(&d);
	form_free(f);
	return b.p != NULL ? buf_detach(&b) : strdup("");
}

#define ES	"label::Español (es)"
#define QU	"label::Quechua (quy)"
#define HES	"hint::Español (es)"
#define HQU	"hint::Quechua (quy)"
#define HEAD "survey,,,,,,,\n,type,name," ES "," QU "," HES "," HQU \
	",translation_ok\n"
#define W(row, col, msg) "t.csv:survey:" #row ":" col ": warning: " msg "\n"

static const struct {
	const char	*csv;
	const char	*want;
} cases[] = {
	/* the same text said in both: nothing */
	{ HEAD ",integer,a,Altitud (m) de la casa,Wasipa altitud nisqan "
	    "(metro),\"Mida en la casa, por ejemplo 3848.\",Wasipi tupuy: "
	    "kayhinam 3848.,\n", "" },
	/* an empty translation */
	{ HEAD ",text,a,Nombre,,,,\n",
	    W(3, QU, "empty, while '" ES "' has text") },
	/* the default language empty */
	{ HEAD ",text,a,,Suti,,,\n",
	    W(3, ES, "empty, while '" QU "' has text") },
	/* blanks are empty */
	{ HEAD ",text,a,Nombre,\"  \",,,\n",
	    W(3, QU, "empty, while '" ES "' has text") },
	/* a number, a decimal, a unit, a reference dropped */
	{ HEAD ",integer,a,Entre 0 y 4999 m,0 metromanta,,,\n",
	    W(3, QU, "lacks the number '4999' that '" ES "' has") },
	{ HEAD ",decimal,a,A,A,\"Por ejemplo, 11.5\",Kayhinam: 11,,\n",
	    W(3, HQU, "lacks the number '11.5' that '" HES "' has")
	    W(3, HES, "lacks the number '11' that '" HQU "' has") },
	{ HEAD ",decimal,a,Hemoglobina (g/dL),Hemoglobina,,,\n",
	    W(3, QU, "lacks the unit 'g/dL' that '" ES "' has") },
	{ HEAD ",integer,a,Edad,Wata,Tiene ${a} años,Watayuq,,\n",
	    W(3, HQU, "lacks '${a}' that '" HES "' has") },
	/* "${" without a name and '}' is no reference */
	{ HEAD ",integer,a,Edad,Wata,Tiene ${a años,Watayuq,,\n", "" },
	/* a unit said as a word counts: metro = m; "ma" is no unit */
	{ HEAD ",integer,a,Altitud (m),Altitud (metrokama),,,\n", "" },
	{ HEAD ",integer,a,A m,A manam,,,\n",
	    W(3, QU, "lacks the unit 'm' that '" ES "' has") },
	/* ordinals are words elsewhere: not compared */
	{ HEAD ",text,a,2.º trimestre,Chawpi kimsa killa,,,\n", "" },
	{ HEAD ",text,a,1.er y 3.er trimestre,Ñawpaq,,,\n", "" },
	/* a dropped sentence; a decimal point ends none; more is fine */
	{ HEAD ",text,a,A,A,Mida en la casa. No use la capital.,Wasipi "
	    "tupuy.,,\n",
	    W(3, HQU, "fewer sentences (1) than '" HES "' (2): is an "
	    "instruction missing?") },
	{ HEAD ",text,a,A,A,\"Por ejemplo, 11.5.\",Kayhinam 11.5. Qillqay.,,\n",
	    "" },
	{ HEAD ",text,a,A,A,¿Hay agua? (marque todo),¿Yaku kanchu?,,\n",
	    W(3, HQU, "fewer sentences (1) than '" HES "' (2): is an "
	    "instruction missing?") },
	/* the same text: a name passes, a sentence does not */
	{ HEAD ",text,a,San Juan de Chacña,San Juan de Chacña,,,\n", "" },
	{ HEAD ",text,a,Escriba el nombre de la comunidad,Escriba el nombre "
	    "de la comunidad,,,\n",
	    W(3, QU, "the same text as '" ES "': not translated?") },
	/* the marker silences the cells it names, and only those */
	{ HEAD ",decimal,a,Hemoglobina (g/dL),Hemoglobina,Mida. Anote.,"
	    "Tupuy.,label::Quechua (quy)\n",
	    W(3, HQU, "fewer sentences (1) than '" HES "' (2): is an "
	    "instruction missing?") },
	{ HEAD ",decimal,a,Hemoglobina (g/dL),Hemoglobina,Mida. Anote.,"
	    "Tupuy.,\"label::quechua (quy) ; hint::Quechua (quy)\"\n", "" },
	{ HEAD ",text,a,Nombre,,,,label::Aymara (ay)\n",
	    "t.csv:survey:3:translation_ok: warning: 'label::Aymara (ay)' is "
	    "no translated column of this sheet\n"
	    W(3, QU, "empty, while '" ES "' has text") },
	/* at most 32 names in a marker, known or not */
	{ HEAD ",text,a,Nombre,Suti,,,a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q;r;s;t;"
	    "u;v;w;x;y;z;A;B;C;D;E;F;G;H\n", NULL },
	/* a row's marker is that row's only */
	{ HEAD ",text,a,Nombre,,,," QU "\n,text,b,Nombre,,,,\n",
	    W(4, QU, "empty, while '" ES "' has text") },
	/* choices too */
	{ HEAD ",select_one yn,a,A,A,,,\nchoices,,,\n,list_name,name," ES
	    "," QU "\n,yn,yes,Sí (4 o más),Arí,\n",
	    "t.csv:choices:6:" QU ": warning: lacks the number '4' that '"
	    ES "' has\n" },
	/* media: only an empty one is warned; the same file is fine */
	{ "survey,,,,,,\n,type,name," ES "," QU ",media::image::Español (es),"
	    "media::image::Quechua (quy)\n,note,a,A,A,casa-grande-foto-1.png,"
	    "casa-grande-foto-1.png\n,note,b,B,B,b.png,\n",
	    "t.csv:survey:4:media::image::Quechua (quy): warning: empty, "
	    "while 'media::image::Español (es)' has text\n" },
	/* bare "label" is the language "default" */
	{ "survey,,,,\n,type,name,label,label::Quechua (quy)\n"
	    ",integer,a,Age in years (0 to 120),Wata\n",
	    "t.csv:survey:3:" QU ": warning: lacks the number '0' that "
	    "'label' has\n"
	    "t.csv:survey:3:" QU ": warning: lacks the number '120' that "
	    "'label' has\n" },
	/* one language: nothing to compare */
	{ "survey,,,\n,type,name,label::Español (es)\n,text,a,Nombre 4\n",
	    "" },
};

static size_t
count(const char *s, const char *what)
{
	size_t	n = 0;

	for (; (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

static void
test_cases(void **state)
{
	size_t	i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = check(cases[i].csv);
		if (cases[i].want == NULL) {
			/* 32 names refused, then the limit said once */
			assert_int_equal(count(got, "is no translated column"),
			    32);
			assert_int_equal(count(got, "more than 32 cells named"),
			    1);
		} else if (strcmp(got, cases[i].want) != 0) {
			print_error("case %zu: want:\n%sgot:\n%s\n", i,
			    cases[i].want, got);
			fail();
		}
		free(got);
	}
}

/* A cell of 100,000 numbers against an empty one, and against one
 * without them: one warning for the empty cell, then at most 64 numbers
 * (TR_MAX_TOKENS) named, in time linear in the cell. */
static void
test_bounded(void **state)
{
	struct buf	 b;
	char		*got;
	size_t		 i;

	(void)state;
	buf_init(&b, 8u << 20);
	assert_int_equal(buf_addstr(&b, HEAD ",text,a,\""), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_addf(&b, "%zu ", i), 0);
	assert_int_equal(buf_addstr(&b, "\",Suti,,,\n"), 0);
	got = check(b.p);
	assert_int_equal(count(got, "lacks the number"), 64);
	free(got);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
