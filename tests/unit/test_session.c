/*
 * test_session.c: the answer session, from forms written inline as
 * pyxform single-file CSV: the walk, answers and their checks, repeats,
 * recompute, persistence through a simulated store, --answers, and the
 * submission texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../forms/forms.h"

#define NOW	"2025-03-10T09:30:00Z"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static struct form *
load(const char *csv)
{
	struct form	*f = NULL;
	struct diags	 d;
	struct err	 e;
	struct buf	 b;

	diags_init(&d);
	err_init(&e);
	if (form_load("t.csv", csv, strlen(csv), &f, &d, &e) != 0) {
		buf_init(&b, 1 << 20);
		diags_format(&d, "t.csv", &b);
		fail_msg("form_load: %s\n%s", e.msg, b.p != NULL ? b.p : "");
	}
	diags_release(&d);
	return f;
}

static struct session *
start_lang(const struct form *f, size_t lang)
{
	struct session		*s = NULL;
	struct session_opts	 o;
	struct err		 e;

	memset(&o, 0, sizeof(o));
	o.instance_id = "uuid:00000000-0000-4000-8000-000000000001";
	o.device_id = "dev-1";
	o.username = "Rosa";
	o.lang = lang;
	o.start = 1741599000;	/* 2025-03-10T09:30:00Z */
	err_init(&e);
	if (session_new(f, &o, &s, &e) != 0)
		fail_msg("session_new: %s", e.msg);
	return s;
}

static struct session *
start(const struct form *f)
{
	return start_lang(f, 0);
}

static struct inode *
node(struct session *s, const char *path)
{
	struct inode	*n = session_find(s, path);

	if (n == NULL)
		fail_msg("no node at '%s'", path);
	return n;
}

/* Answer; returns the error message ("" on success). */
static const char *
ans(struct session *s, const char *path, const char *text)
{
	static struct err	e;

	err_init(&e);
	session_answer(s, node(s, path), text, &e);
	return e.msg;
}

static void
ok(struct session *s, const char *path, const char *text)
{
	const char	*m = ans(s, path, text);

	if (*m != '\0')
		fail_msg("answer %s = '%s': %s", path, text, m);
}

static const char *
val(struct session *s, const char *path)
{
	struct inode	*n = session_find(s, path);

	return n == NULL ? "<none>" : n->value == NULL ? "<null>" : n->value;
}

/* Append to out, never past outsz. */
PRINTFLIKE(4, 5) static void
app(char *out, size_t outsz, size_t *len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*len >= outsz - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, outsz - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < outsz - *len ? (size_t)n : outsz - *len - 1;
}

/*
 * The walk from the first step to the end as text: question paths, and
 * "+rep/N" for a repeat prompt with N instances; at prompts, adds[i]
 * says whether to add an instance (one entry per prompt met, then no).
 */
static void
walk(struct session *s, const char *adds, char *out, size_t outsz)
{
	struct step	 st;
	struct inode	*in;
	struct err	 e;
	size_t		 len = 0, prompts = 0;
	char		*p;
	int		 guard = 0;

	out[0] = '\0';
	session_first(s, &st);
	while (st.kind != STEP_END && guard++ < 1000) {
		if (st.kind == STEP_QUESTION) {
			p = inode_path(st.node);
			app(out, outsz, &len, "%s%s", len ? " " : "", p);
			free(p);
		} else {
			app(out, outsz, &len, "%s+%s/%zu", len ? " " : "",
			    st.field->name, st.count);
			if (adds != NULL && prompts < strlen(adds) &&
			    adds[prompts] == 'y') {
				err_init(&e);
				assert_int_equal(session_add_repeat(s,
				    st.parent, st.field, &in, &e), 0);
			}
			prompts++;
		}
		session_next(s, &st);
	}
}

/* The walk backwards from the end. */
static void
walk_back(struct session *s, char *out, size_t outsz)
{
	struct step	 st, prev;
	size_t		 len = 0;
	char		*p;
	int		 guard = 0;

	memset(&st, 0, sizeof(st));
	st.kind = STEP_END;
	out[0] = '\0';
	for (;;) {
		prev = st;
		session_prev(s, &st);
		if (memcmp(&prev, &st, sizeof(st)) == 0 || guard++ > 1000)
			break;
		if (st.kind == STEP_QUESTION) {
			p = inode_path(st.node);
			app(out, outsz, &len, "%s%s", len ? " " : "", p);
			free(p);
		} else
			app(out, outsz, &len, "%s+%s/%zu", len ? " " : "",
			    st.field->name, st.count);
	}
}

/* A store: path -> value, as collector/store.c keeps it. */
struct store {
	char	*path[256];
	char	*value[256];
	size_t	 n;
};

static void
store_put(const char *path, const char *value, void *arg)
{
	struct store	*st = arg;
	size_t		 i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->path[i], path) == 0)
			break;
	if (i == st->n) {
		if (value == NULL)
			return;
		assert_true(st->n < 256);
		st->path[st->n] = strdup(path);
		st->value[st->n++] = NULL;
	}
	free(st->value[i]);
	if (value != NULL) {
		st->value[i] = strdup(value);
		return;
	}
	free(st->path[i]);
	st->n--;
	st->path[i] = st->path[st->n];
	st->value[i] = st->value[st->n];
}

static void
store_free(struct store *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++) {
		free(st->path[i]);
		free(st->value[i]);
	}
	st->n = 0;
}

static int
cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store as sorted "path=value" lines. */
static void
store_text(struct store *st, char *out, size_t outsz)
{
	char	*lines[256];
	size_t	 i, len = 0;

	for (i = 0; i < st->n; i++) {
		size_t	n = strlen(st->path[i]) + strlen(st->value[i]) + 2;

		lines[i] = malloc(n);
		snprintf(lines[i], n, "%s=%s", st->path[i], st->value[i]);
	}
	qsort(lines, st->n, sizeof(lines[0]), cmp_paths);
	out[0] = '\0';
	for (i = 0; i < st->n; i++) {
		app(out, outsz, &len, "%s\n", lines[i]);
		free(lines[i]);
	}
}

/* The store a session's changes built equals session_each_value's. */
static void
assert_store_matches(struct session *s, struct store *st)
{
	struct store	all;
	char		a[8192], b[8192];

	memset(&all, 0, sizeof(all));
	session_take_changes(s, store_put, st);
	session_each_value(s, store_put, &all);
	store_text(st, a, sizeof(a));
	store_text(&all, b, sizeof(b));
	assert_string_equal(a, b);
	store_free(&all);
}

static void
collect_changes(const char *path, const char *value, void *arg)
{
	char	*out = arg;
	size_t	 len = strlen(out);

	snprintf(out + len, 4096 - len, "%s=%s;", path, value != NULL ?
	    value : "NULL");
}

/* ------------------------------------------------------------------ */
/* The walk                                                             */

static const char walk_form[] =
    "survey,type,name,label,relevant,calculation\n"
    ",integer,q1,Q1,,\n"
    ",note,n1,A note,,\n"
    ",calculate,c1,,,${q1} + 1\n"
    ",hidden,h1,,,\n"
    ",start,start,,,\n"
    ",begin group,g,G,${q1} > 5,\n"
    ",text,g_a,A,,\n"
    ",begin group,inner,Inner,,\n"
    ",text,g_b,B,${q1} > 7,\n"
    ",end group,,,,\n"
    ",end group,,,,\n"
    ",acknowledge,ack,OK?,,\n"
    ",image,photo,Photo,,\n"
    ",text,last,Last,${q1} = 1,\n";

static void
test_walk_relevance_groups(void **state)
{
	static const struct {
		const char	*q1;
		const char	*walk;
	} cases[] = {
		{ "", "q1 n1 ack photo" },
		{ "1", "q1 n1 ack photo last" },
		{ "6", "q1 n1 g/g_a ack photo" },
		{ "8", "q1 n1 g/g_a g/inner/g_b ack photo" },
		{ "3", "q1 n1 ack photo" },
	};
	struct form	*f = load(walk_form);
	struct session	*s = start(f);
	char		 out[1024];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok(s, "q1", cases[i].q1);
		walk(s, NULL, out, sizeof(out));
		assert_string_equal(out, cases[i].walk);
	}
	session_free(s);
	form_free(f);
}

static void
test_walk_back(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,relevant\n"
	    ",integer,a,A,\n"
	    ",begin repeat,r,R,\n"
	    ",text,x,X,\n"
	    ",text,y,Y,${a} = 1\n"
	    ",end repeat,,,\n"
	    ",begin group,g,G,${a} = 2\n"
	    ",text,z,Z,\n"
	    ",end group,,,\n"
	    ",text,b,B,\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	char		 fwd[1024], back[1024];
	struct step	 st;

	(void)state;
	ok(s, "a", "1");
	walk(s, "yy", fwd, sizeof(fwd));
	assert_string_equal(fwd, "a +r/0 r[1]/x r[1]/y +r/1 r[2]/x r[2]/y "
	    "+r/2 b");
	/* backwards: forwards reversed, without the prompts met only
	 * going forward (before the first instance, between instances) */
	walk_back(s, back, sizeof(back));
	assert_string_equal(back, "b +r/2 r[2]/y r[2]/x r[1]/y r[1]/x a");

	/* prev from the first question of an instance: the question
	 * before, never the instance's own prompt */
	memset(&st, 0, sizeof(st));
	st.kind = STEP_QUESTION;
	st.node = node(s, "r[2]/x");
	st.field = st.node->field;
	session_prev(s, &st);
	assert_int_equal(st.kind, STEP_QUESTION);
	assert_string_equal(st.field->name, "y");
	assert_ptr_equal(st.node, node(s, "r[1]/y"));
	/* from the first question: stays there */
	session_first(s, &st);
	session_prev(s, &st);
	assert_int_equal(st.kind, STEP_QUESTION);
	assert_string_equal(st.field->name, "a");
	/* a jump: next from a node the caller picked; between instances
	 * there is no prompt, after the last there is */
	st.node = node(s, "r[1]/y");
	st.field = st.node->field;
	session_next(s, &st);
	assert_ptr_equal(st.node, node(s, "r[2]/x"));
	st.node = node(s, "r[2]/y");
	st.field = st.node->field;
	session_next(s, &st);
	assert_int_equal(st.kind, STEP_REPEAT_PROMPT);
	assert_int_equal(st.count, 2);
	session_free(s);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* Answers                                                              */

static const char types_form[] =
    "survey,type,name,label\n"
    ",integer,i,I\n"
    ",decimal,d,D\n"
    ",date,dt,Date\n"
    ",time,tm,Time\n"
    ",dateTime,dtm,DateTime\n"
    ",select_one yn,one,One\n"
    ",select_multiple abc,many,Many\n"
    ",geopoint,gp,Where\n"
    ",acknowledge,ack,Ack\n"
    ",text,t,Text\n"
    ",note,nt,Note\n"
    ",image,img,Image\n"
    "choices,list_name,name,label\n"
    ",yn,yes,Yes\n"
    ",yn,no,No\n"
    ",abc,a,A\n"
    ",abc,b,B\n"
    ",abc,c,C\n";

static void
test_types(void **state)
{
	static const struct {
		const char	*path;
		const char	*in;
		const char	*value;		/* stored, or NULL: refused */
		const char	*msg;		/* part of the refusal */
	} cases[] = {
		{ "i", "12", "12", NULL },
		{ "i", " -007 ", "-7", NULL },
		{ "i", "+5", "5", NULL },
		{ "i", "2147483647", "2147483647", NULL },
		{ "i", "-2147483648", "-2147483648", NULL },
		{ "i", "2147483648", NULL, "too large" },
		{ "i", "abc", NULL, "'abc' is not a whole number" },
		{ "i", "12.5", NULL, "not a whole number" },
		{ "i", "1e3", NULL, "not a whole number" },
		{ "i", "-", NULL, "not a whole number" },
		{ "d", "11.5", "11.5", NULL },
		{ "d", "11,5", "11.5", NULL },
		{ "d", "007.50", "7.5", NULL },
		{ "d", ".5", "0.5", NULL },
		{ "d", "-0.0", "0", NULL },
		{ "d", "12", "12", NULL },
		{ "d", "1e5", NULL, "not a number" },
		{ "d", "nan", NULL, "not a number" },
		{ "d", "inf", NULL, "not a number" },
		{ "d", "1.2.3", NULL, "not a number" },
		{ "d", "1234567890.1234567", NULL, "too many digits" },
		{ "dt", "2025-01-31", "2025-01-31", NULL },
		{ "dt", "31/01/2025", "2025-01-31", NULL },
		{ "dt", "5/3/2025", "2025-03-05", NULL },
		{ "dt", "29/02/2024", "2024-02-29", NULL },
		{ "dt", "31/02/2025", NULL, "date 31/02/2025 does not exist" },
		{ "dt", "2025-02-29", NULL, "does not exist" },
		{ "dt", "2025/01/31", NULL, "is not a date" },
		{ "dt", "tomorrow", NULL, "is not a date" },
		{ "tm", "9:05", "09:05:00.000+00:00", NULL },
		{ "tm", "23:59:59", "23:59:59.000+00:00", NULL },
		{ "tm", "24:00", NULL, "is not a time" },
		{ "tm", "10:30:00.250-05:00", "10:30:00.250-05:00", NULL },
		{ "tm", "10:30:00.000+00:00", "10:30:00.000+00:00", NULL },
		{ "tm", "10:30 pm", NULL, "is not a time" },
		{ "dtm", "2025-03-10 14:05", "2025-03-10T14:05:00.000+00:00",
		    NULL },
		{ "dtm", "10/03/2025 14:05", "2025-03-10T14:05:00.000+00:00",
		    NULL },
		{ "dtm", "2025-03-10T14:05:00-05:00",
		    "2025-03-10T19:05:00.000+00:00", NULL },
		{ "dtm", "2025-03-10", NULL, "is not a date and time" },
		{ "one", "1", "yes", NULL },
		{ "one", "no", "no", NULL },
		{ "one", " 2 ", "no", NULL },
		{ "one", "3", NULL, "'3' is not one of the choices" },
		{ "one", "0", NULL, "not one of the choices" },
		{ "one", "maybe", NULL, "not one of the choices" },
		{ "one", "1 2", NULL, "only one" },
		{ "many", "3 1", "a c", NULL },
		{ "many", "c,a", "a c", NULL },
		{ "many", "b  2", NULL, "chosen twice" },
		{ "many", "1 4", NULL, "'4' is not one of the choices" },
		{ "gp", "-14.28 -72.97", "-14.28 -72.97 0 0", NULL },
		{ "gp", "-14.28 -72.97 3100 5", "-14.28 -72.97 3100 5", NULL },
		{ "gp", "91 0", NULL, "latitude 91 is out of range" },
		{ "gp", "0 -181", NULL, "longitude -181 is out of range" },
		{ "gp", "0 0 0 -1", NULL, "accuracy -1 cannot be negative" },
		{ "gp", "-14.28", NULL, "is not a location" },
		{ "gp", "1 2 3 4 5", NULL, "is not a location" },
		{ "ack", "ok", "OK", NULL },
		{ "ack", "S\xc3\x8d", "OK", NULL },
		{ "ack", "ar\xc3\xad", "OK", NULL },
		{ "ack", "no", NULL, "OK" },
		{ "t", "  José Pérez  ", "  José Pérez  ", NULL },
		{ "t", "bad \xff utf8", NULL, "not valid UTF-8" },
		{ "t", "\xc0\xaf", NULL, "not valid UTF-8" },
		{ "t", "a\x01" "b", NULL, "control character" },
		{ "t", "ab\n", NULL, "control character" },
		{ "t", "\tab", NULL, "control character" },
		{ "t", "a\xc2\x85" "b", NULL, "control character" },
		{ "nt", "x", NULL, "cannot be answered here" },
		{ "img", "x", NULL, "cannot be answered here" },
	};
	struct form	*f = load(types_form);
	struct session	*s = start(f);
	const char	*m;
	char		 before[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(before, sizeof(before), "%s", val(s, cases[i].path));
		m = ans(s, cases[i].path, cases[i].in);
		if (cases[i].value != NULL) {
			if (*m != '\0')
				fail_msg("%s '%s': refused: %s", cases[i].path,
				    cases[i].in, m);
			assert_string_equal(val(s, cases[i].path),
			    cases[i].value);
			continue;
		}
		if (strstr(m, cases[i].msg) == NULL)
			fail_msg("%s '%s': want '%s', got '%s' (value %s)",
			    cases[i].path, cases[i].in, cases[i].msg, m,
			    val(s, cases[i].path));
		/* a refused answer leaves the value as it was */
		assert_string_equal(val(s, cases[i].path), before);
	}
	/* an empty answer clears */
	ok(s, "i", "");
	assert_string_equal(val(s, "i"), "<null>");
	session_free(s);
	form_free(f);
}

static void
test_huge_answer(void **state)
{
	struct form	*f = load(types_form);
	struct session	*s = start(f);
	size_t		 n = 10u << 20;
	char		*big = malloc(n + 1);
	const char	*m;

	(void)state;
	memset(big, 'a', n);
	big[n] = '\0';
	m = ans(s, "t", big);
	assert_non_null(strstr(m, "too long"));
	assert_string_equal(val(s, "t"), "<null>");
	/* the longest allowed is kept */
	big[ANSWER_MAX_LEN] = '\0';
	ok(s, "t", big);
	assert_int_equal(strlen(val(s, "t")), ANSWER_MAX_LEN);
	/* a long number is refused without echoing all of it */
	big[ANSWER_MAX_LEN] = '\0';
	m = ans(s, "i", big);
	assert_non_null(strstr(m, "not a whole number"));
	assert_true(strlen(m) < 200);
	free(big);
	session_free(s);
	form_free(f);
}

static const char msgs_form[] =
    "survey,type,name,label::English (en),label::Español (es),"
    "constraint,constraint_message::English (en),"
    "constraint_message::Español (es),required,"
    "required_message::English (en),required_message::Español (es)\n"
    ",integer,age,Age,Edad,. >= 15 and . <= 49,Age must be 15 to 49,"
    "La edad debe ser de 15 a 49,yes,Age is needed,Falta la edad\n"
    ",integer,n,N,N,. < 10,,,yes,,\n";

static void
test_constraint_required(void **state)
{
	static const struct {
		size_t		 lang;
		const char	*path;
		const char	*in;
		const char	*msg;
	} cases[] = {
		{ 0, "age", "12", "Age must be 15 to 49" },
		{ 1, "age", "12", "La edad debe ser de 15 a 49" },
		{ 0, "age", "", "Age is needed" },
		{ 1, "age", "", "Falta la edad" },
		{ 0, "n", "10", "the answer is not valid" },
		{ 1, "n", "", "this question is required" },
		{ 0, "age", "20", "" },
		{ 0, "n", "9", "" },
	};
	struct form	*f = load(msgs_form);
	struct session	*s[2];
	struct diags	 d;
	size_t		 i;

	(void)state;
	assert_int_equal(f->nlangs, 2);
	s[0] = start_lang(f, 0);
	s[1] = start_lang(f, 1);
	/* nothing answered: two required questions at finalizing */
	diags_init(&d);
	assert_int_equal(session_validate(s[1], &d), 2);
	assert_string_equal(d.v[0].sheet, "survey");
	assert_int_equal(d.v[0].row, 2);
	assert_string_equal(d.v[0].column, "age");
	assert_string_equal(d.v[0].msg, "Falta la edad");
	diags_release(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(ans(s[cases[i].lang], cases[i].path,
		    cases[i].in), cases[i].msg);
	assert_string_equal(val(s[0], "age"), "20");
	diags_init(&d);
	assert_int_equal(session_validate(s[0], &d), 0);
	diags_release(&d);
	session_free(s[0]);
	session_free(s[1]);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* Repeats                                                              */

static void
test_repeat_prompts(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,relevant\n"
	    ",text,hh,Household,\n"
	    ",begin repeat,child,Child,\n"
	    ",text,name,Name,\n"
	    ",integer,age,Age,\n"
	    ",end repeat,,,\n"
	    ",begin repeat,pet,Pet,${hh} = 'pets'\n"
	    ",text,pname,Name,\n"
	    ",end repeat,,,\n"
	    ",text,end_q,End,\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	char		 out[1024];
	char		*j;

	(void)state;
	walk(s, "yyn", out, sizeof(out));
	assert_string_equal(out, "hh +child/0 child[1]/name child[1]/age "
	    "+child/1 child[2]/name child[2]/age +child/2 end_q");
	ok(s, "child[2]/name", "Luz");
	ok(s, "child[2]/age", "4");
	j = session_data_json(s);
	assert_string_equal(j, "{\"hh\":null,\"child\":[{\"name\":null,"
	    "\"age\":null},{\"name\":\"Luz\",\"age\":4}],\"end_q\":null}");
	/* (pet, not relevant and without instances, is absent) */
	free(j);
	/* declined again: the walk is the same */
	walk(s, "nnn", out, sizeof(out));
	assert_string_equal(out, "hh child[1]/name child[1]/age "
	    "child[2]/name child[2]/age +child/2 end_q");
	/* a repeat that does not apply is not offered */
	ok(s, "hh", "pets");
	walk(s, "ny", out, sizeof(out));
	assert_string_equal(out, "hh child[1]/name child[1]/age "
	    "child[2]/name child[2]/age +child/2 +pet/0 pet[1]/pname +pet/1 "
	    "end_q");
	ok(s, "hh", "none");
	assert_false(node(s, "pet[1]")->relevant);
	walk(s, "n", out, sizeof(out));
	assert_string_equal(out, "hh child[1]/name child[1]/age "
	    "child[2]/name child[2]/age +child/2 end_q");
	session_free(s);
	form_free(f);
}

static void
test_nested_repeats(void **state)
{
	static const char csv[] =
	    "survey,type,name,label\n"
	    ",begin repeat,house,House\n"
	    ",begin repeat,person,Person\n"
	    ",text,pname,Name\n"
	    ",end repeat,,\n"
	    ",end repeat,,\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	struct store	 st;
	char		 out[1024];
	char		*j;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* house 1 with two people, house 2 with one */
	walk(s, "yyynyyn", out, sizeof(out));
	assert_string_equal(out, "+house/0 +person/0 house[1]/person[1]/pname "
	    "+person/1 house[1]/person[2]/pname +person/2 +house/1 +person/0 "
	    "house[2]/person[1]/pname +person/1 +house/2");
	ok(s, "house[1]/person[2]/pname", "Ana");
	ok(s, "house[2]/person[1]/pname", "Eva");
	assert_store_matches(s, &st);
	j = session_data_json(s);
	assert_string_equal(j, "{\"house\":[{\"person\":[{\"pname\":null},"
	    "{\"pname\":\"Ana\"}]},{\"person\":[{\"pname\":\"Eva\"}]}]}");
	free(j);
	/* removing house 1 renumbers house 2; the store follows */
	assert_int_equal(session_remove_repeat(s, node(s, "house[1]"), NULL),
	    0);
	assert_string_equal(val(s, "house[1]/person[1]/pname"), "Eva");
	assert_store_matches(s, &st);
	store_text(&st, out, sizeof(out));
	assert_string_equal(out, "house[1]/person[1]/pname=Eva\n"
	    "house[1]/person[1]=\nhouse[1]=\n");
	store_free(&st);
	session_free(s);
	form_free(f);
}

static void
test_repeat_count(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,repeat_count\n"
	    ",integer,n,How many,\n"
	    ",begin repeat,r,R,${n}\n"
	    ",text,x,X,\n"
	    ",end repeat,,,\n"
	    ",text,after,After,\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	struct store	 st;
	char		 out[1024], ch[4096];
	struct inode	*in;
	struct err	 e;

	(void)state;
	memset(&st, 0, sizeof(st));
	walk(s, NULL, out, sizeof(out));
	assert_string_equal(out, "n after");
	ok(s, "n", "3");
	walk(s, NULL, out, sizeof(out));
	assert_string_equal(out, "n r[1]/x r[2]/x r[3]/x after");
	ok(s, "r[1]/x", "a");
	ok(s, "r[3]/x", "c");
	assert_store_matches(s, &st);
	/* the count drives: no adding, no removing by hand */
	err_init(&e);
	assert_int_equal(session_add_repeat(s, session_root(s),
	    node(s, "r[1]")->field, &in, &e), ERR_INPUT);
	err_init(&e);
	assert_int_equal(session_remove_repeat(s, node(s, "r[1]"), &e),
	    ERR_INPUT);
	ok(s, "n", "1");
	assert_string_equal(val(s, "r[3]/x"), "<none>");
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "r[3]=NULL;r[3]/x=NULL;r[2]=NULL;n=1;");
	ok(s, "n", "1000000");	/* bounded */
	walk(s, NULL, out, sizeof(out));
	assert_int_equal(strlen(out) > 0, 1);
	ok(s, "n", "");		/* cleared: no instances */
	assert_string_equal(val(s, "r[1]/x"), "<none>");
	store_free(&st);
	session_free(s);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* Recompute and persistence                                            */

static const char calc_form[] =
    "survey,type,name,label,relevant,calculation,default\n"
    ",integer,a,A,,,\n"
    ",calculate,chain,,,${tc} * 10,\n"
    ",calculate,twice,,,${a} * 2,\n"
    ",calculate,early,,,${late} + 1,\n"
    ",integer,late,Late,,,5\n"
    ",text,t,T,${a} > 2,,\n"
    ",begin group,g,G,${a} > 2,,\n"
    ",text,u,U,,,hello\n"
    ",text,v,V,${late} < 100,,\n"
    ",end group,,,,,\n"
    ",calculate,tc,,${a} > 2,${twice} + 1,\n"
    ",calculate,by_path,,,/t/*[1] + 100,\n";

static void
test_recompute_and_clearing(void **state)
{
	struct form	*f = load(calc_form);
	struct session	*s = start(f);
	char		 ch[4096];

	(void)state;
	/* defaults, then the calculations that read later fields */
	assert_string_equal(val(s, "late"), "5");
	assert_string_equal(val(s, "early"), "6");
	/* not relevant: its default kept, hidden */
	assert_string_equal(val(s, "g/u"), "hello");
	assert_false(node(s, "g/u")->relevant);
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_non_null(strstr(ch, "late=5;"));
	ok(s, "a", "3");
	assert_string_equal(val(s, "twice"), "6");
	assert_string_equal(val(s, "tc"), "7");
	/* an earlier calculation reading a later one: another pass */
	assert_string_equal(val(s, "chain"), "70");
	/* becoming relevant: the default is there, and what is inside is
	 * evaluated though what it reads did not change */
	assert_string_equal(val(s, "g/u"), "hello");
	assert_true(node(s, "g/v")->relevant);
	/* a path, which expr_refs cannot name, is followed too */
	assert_string_equal(val(s, "by_path"), "103");
	ok(s, "t", "text");
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "a=3;chain=70;twice=6;t=text;"
	    "tc=7;by_path=103;");
	ok(s, "late", "10");
	assert_string_equal(val(s, "early"), "11");
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "early=11;late=10;");
	/* a no longer applies: t, the group and tc keep their values,
	 * hidden, read as empty (chain reads tc) and not written again */
	ok(s, "a", "1");
	assert_string_equal(val(s, "t"), "text");
	assert_string_equal(val(s, "g/u"), "hello");
	assert_string_equal(val(s, "tc"), "7");
	assert_false(node(s, "t")->relevant);
	assert_false(node(s, "tc")->relevant);
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "a=1;chain=NULL;twice=2;by_path=101;");
	/* relevant again: the kept answers are back, and read again */
	ok(s, "a", "4");
	assert_string_equal(val(s, "t"), "text");
	assert_true(node(s, "t")->relevant);
	assert_string_equal(val(s, "tc"), "9");
	assert_string_equal(val(s, "chain"), "90");
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "a=4;chain=90;twice=8;tc=9;by_path=104;");
	/* finalizing drops what does not apply, and the store hears it */
	ok(s, "a", "1");
	session_take_changes(s, collect_changes, ch);
	session_drop_hidden(s);
	assert_string_equal(val(s, "t"), "<null>");
	assert_string_equal(val(s, "g/u"), "<null>");
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "t=NULL;g/u=NULL;tc=NULL;");
	/* nothing more to take */
	ch[0] = '\0';
	session_take_changes(s, collect_changes, ch);
	assert_string_equal(ch, "");
	session_free(s);
	form_free(f);
}

/* Lookups in a choice list are recomputed when the answers they name
 * change, and only then (expr_reads_paths): the list never changes. */
static const char lookup_form[] =
    "survey,,,,,\n"
    ",type,name,label,relevant,calculation\n"
    ",integer,alt,Altitude,,\n"
    ",calculate,sub,,,\"instance('bands')/root/item[min_m <= ${alt} and "
    "${alt} <= max_m]/subtract\"\n"
    ",integer,hb,Hb,,\n"
    ",calculate,adj,,,${hb} - ${sub}\n"
    ",calculate,rel,,,../hb + 1\n"
    "choices,,,,,\n"
    ",list_name,name,label,min_m,max_m,subtract\n"
    ",bands,low,Low,0,999,0\n"
    ",bands,high,High,1000,4999,2\n";

static void
test_list_lookups(void **state)
{
	static const struct {
		const char	*src;
		int		 reads;
	} cases[] = {
		{ "instance('bands')/root/item[min_m <= ${alt}]/subtract", 0 },
		{ "count(instance('bands')/root/item)", 0 },
		{ "${alt} * 2", 0 },
		{ ". > 3", 0 },
		{ "/data/alt + 1", 1 },
		{ "../alt", 1 },
		{ "alt", 1 },
		{ "instance('bands')/root/item[name = current()/../alt]/max_m",
		    1 },
		{ "instance('bands')/root/item[min_m <= /data/alt]/max_m", 1 },
	};
	struct form	*f = load(lookup_form);
	struct session	*s = start(f);
	struct expr	*x;
	struct arena	 a;
	struct err	 e;
	size_t		 i;

	(void)state;
	arena_init(&a, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err_init(&e);
		if (expr_parse(&a, cases[i].src, &x, NULL, &e) != 0 ||
		    expr_bind(x, f, f->root, &e) != 0)
			fail_msg("%s: %s", cases[i].src, e.msg);
		if (expr_reads_paths(x) != cases[i].reads)
			fail_msg("%s: want %d", cases[i].src, cases[i].reads);
	}
	arena_release(&a);
	ok(s, "alt", "500");
	assert_string_equal(val(s, "sub"), "0");
	ok(s, "hb", "12");
	assert_string_equal(val(s, "adj"), "12");
	assert_string_equal(val(s, "rel"), "13");
	ok(s, "alt", "3000");
	assert_string_equal(val(s, "sub"), "2");
	assert_string_equal(val(s, "adj"), "10");
	ok(s, "hb", "11");
	assert_string_equal(val(s, "adj"), "9");
	assert_string_equal(val(s, "rel"), "12");
	session_free(s);
	form_free(f);
}

static void
test_restore(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,relevant,calculation,default\n"
	    ",start,start,,,,\n"
	    ",deviceid,deviceid,,,,\n"
	    ",integer,a,A,,,\n"
	    ",text,dflt,D,,,was default\n"
	    ",begin repeat,r,R,,,\n"
	    ",text,x,X,,,\n"
	    ",calculate,cx,,,concat(${x}),\n"
	    ",end repeat,,,,,\n"
	    ",calculate,c,,,${a} + 1,\n"
	    ",text,t,T,${a} > 1,,\n";
	struct form	*f = load(csv);
	struct session	*s = start(f), *s2;
	struct store	 st;
	struct step	 stp;
	struct inode	*in;
	char		*j1, *j2;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_store_matches(s, &st);
	ok(s, "a", "2");
	ok(s, "dflt", "");	/* a cleared default stays cleared */
	assert_int_equal(session_add_repeat(s, session_root(s),
	    form_field(f, "r"), &in, NULL), 0);
	assert_int_equal(session_add_repeat(s, session_root(s),
	    form_field(f, "r"), &in, NULL), 0);
	assert_int_equal(session_add_repeat(s, session_root(s),
	    form_field(f, "r"), &in, NULL), 0);
	ok(s, "r[3]/x", "three");
	ok(s, "t", "tt");
	assert_int_equal(session_remove_repeat(s, node(s, "r[1]"), NULL), 0);
	assert_store_matches(s, &st);
	j1 = session_data_json(s);

	/* a new session from the store: the same data */
	s2 = start(f);
	for (size_t i = 0; i < st.n; i++)
		assert_int_equal(session_restore(s2, st.path[i],
		    st.value[i], NULL), 0);
	session_recompute(s2);
	j2 = session_data_json(s2);
	assert_string_equal(j1, j2);
	assert_string_equal(val(s2, "dflt"), "<null>");
	/* r[1] (was r[2]) has nothing answered and is still there */
	assert_string_equal(val(s2, "r[1]/x"), "<null>");
	assert_string_equal(val(s2, "r[2]/x"), "three");
	/* and the store needs nothing more */
	assert_store_matches(s2, &st);
	/* the walk knows the two instances */
	session_first(s2, &stp);
	session_next(s2, &stp);
	assert_ptr_equal(stp.node, node(s2, "dflt"));
	free(j1);
	free(j2);
	store_free(&st);
	session_free(s);
	session_free(s2);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* --answers                                                            */

static const char fill_form[] =
    "survey,type,name,label,relevant,constraint,required,calculation\n"
    ",text,name,Name,,,yes,\n"
    ",integer,age,Age,,. < 120,,\n"
    ",decimal,hb,Hb,,,,\n"
    ",select_one yn,preg,Pregnant,,,,\n"
    ",integer,weeks,Weeks,${preg} = 'yes',,yes,\n"
    ",begin group,addr,Address,,,,\n"
    ",text,town,Town,,,,\n"
    ",end group,,,,,,\n"
    ",begin repeat,kid,Kid,,,,\n"
    ",text,kname,Name,,,yes,\n"
    ",end repeat,,,,,,\n"
    ",calculate,c,,,,,${age} + 1\n"
    "choices,list_name,name,label\n"
    ",yn,yes,Yes\n"
    ",yn,no,No\n";

static void
test_fill_json_ok(void **state)
{
	static const char json[] =
	    "{\"kid\":[{\"kname\":\"Luz\"},{\"kname\":\"Sol\"}],"
	    "\"weeks\":12,\"preg\":\"yes\",\"name\":\"Ana\",\"age\":30,"
	    "\"hb\":11.5,\"addr\":{\"town\":\"Chalhuanca\"}}";
	struct form	*f = load(fill_form);
	struct session	*s = start(f), *s2;
	struct diags	 d;
	struct err	 e;
	char		*j, *j2;

	(void)state;
	diags_init(&d);
	err_init(&e);
	/* weeks comes before preg in the JSON, after it in the form */
	assert_int_equal(session_fill_json(s, json, strlen(json), &d, &e), 0);
	assert_int_equal(d.n, 0);
	j = session_data_json(s);
	assert_string_equal(j, "{\"name\":\"Ana\",\"age\":30,\"hb\":11.5,"
	    "\"preg\":\"yes\",\"weeks\":12,\"addr\":{\"town\":\"Chalhuanca\"},"
	    "\"kid\":[{\"kname\":\"Luz\"},{\"kname\":\"Sol\"}],\"c\":\"31\"}");
	/* a submission's data fed back (calculations included) is the
	 * same submission */
	s2 = start(f);
	assert_int_equal(session_fill_json(s2, j, strlen(j), &d, &e), 0);
	j2 = session_data_json(s2);
	assert_string_equal(j, j2);
	free(j2);
	session_free(s2);
	free(j);
	diags_release(&d);
	session_free(s);
	form_free(f);
}

static void
test_fill_json_problems(void **state)
{
	static const struct {
		const char	*json;
		const char	*problems;	/* "; "-joined messages */
	} cases[] = {
		{ "{\"name\":\"Ana\",\"age\":\"old\",\"hb\":true,"
		  "\"preg\":\"no\",\"weeks\":3,\"nope\":1,\"addr\":[],"
		  "\"kid\":[{\"kname\":\"\"},5,{\"x\":1}]}",
		  "nope: 'nope' is not a question of this form; "
		  "age: 'old' is not a whole number; "
		  "hb: the answer must be text or a number; "
		  "weeks: answer to 'weeks' given but the question does not "
		  "apply; "
		  "addr: 'addr' must be an object; "
		  "kid[1]/kname: this question is required; "
		  "kid[2]: an entry of 'kid' must be an object; "
		  "kid[3]/x: 'x' is not a question of this form; "
		  "kid[3]/kname: this question is required" },
		{ "{\"age\":200,\"preg\":\"1\"}",
		  "age: the answer is not valid; "
		  "preg: '1' is not one of the choices; "
		  "name: this question is required" },
		{ "{\"name\":\"Ana\",\"preg\":\"yes\"}",
		  "weeks: this question is required" },
		{ "[1,2]", "the answers must be a JSON object keyed by "
		  "question name" },
		{ "{\"name\":", "line 1, column 8: " },
		{ "{\"name\":\"a\",\"name\":\"b\"}", "duplicate" },
		{ "{\"name\":\"\\u0000\"}", "" },
		{ "{\"name\":\"Ana\",\"kid\":{}}",
		  "kid: 'kid' must be a list of objects" },
	};
	struct form	*f = load(fill_form);
	struct session	*s;
	struct diags	 d;
	struct err	 e;
	char		 got[2048];
	size_t		 i, k, n, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = start(f);
		diags_init(&d);
		err_init(&e);
		n = session_fill_json(s, cases[i].json, strlen(cases[i].json),
		    &d, &e);
		/* a text that is no answers object is one error in e */
		got[0] = '\0';
		if (e.code != 0)
			snprintf(got, sizeof(got), "%s", e.msg);
		for (k = len = 0; k < d.n; k++)
			len += snprintf(got + len, sizeof(got) - len, "%s%s",
			    k ? "; " : "", d.v[k].msg);
		if (strstr(got, cases[i].problems) == NULL ||
		    (*cases[i].problems == '\0' && n == 0))
			fail_msg("case %zu: want '%s'\ngot '%s'", i,
			    cases[i].problems, got);
		assert_int_equal(n, e.code != 0 ? 1 : d.n);
		assert_true(n > 0);
		diags_release(&d);
		session_free(s);
	}
	form_free(f);
}

static void
test_fill_json_abuse(void **state)
{
	struct form	*f = load(fill_form);
	struct session	*s = start(f);
	struct diags	 d;
	struct err	 e;
	size_t		 n = 100000, i;
	char		*deep = malloc(2 * n + 16);

	(void)state;
	/* nesting far past any form: one problem, no deep recursion */
	memcpy(deep, "{\"addr\":", 8);
	for (i = 0; i < n; i++)
		deep[8 + i] = '[';
	for (i = 0; i < n; i++)
		deep[8 + n + i] = ']';
	memcpy(deep + 8 + 2 * n, "}", 2);
	diags_init(&d);
	err_init(&e);
	assert_int_equal(session_fill_json(s, deep, strlen(deep), &d, &e), 1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "depth"));
	assert_int_equal(d.n, 0);
	diags_release(&d);
	/* past the size limit: refused before parsing */
	diags_init(&d);
	err_init(&e);
	assert_int_equal(session_fill_json(s, deep, (size_t)64 << 20, &d, &e),
	    1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "too large"));
	diags_release(&d);
	assert_string_equal(val(s, "name"), "<null>");
	free(deep);
	session_free(s);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* The submission                                                       */

static void
test_output(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,relevant\n"
	    ",start,start,,\n"
	    ",end,end,,\n"
	    ",deviceid,deviceid,,\n"
	    ",text,name,Name,\n"
	    ",integer,age,Age,\n"
	    ",decimal,hb,Hb,\n"
	    ",note,nt,Hello,\n"
	    ",text,skip,Skip,${age} > 100\n"
	    ",select_multiple abc,many,Many,\n"
	    ",begin group,g,G,\n"
	    ",date,d,Date,\n"
	    ",end group,,,\n"
	    ",begin repeat,r,R,\n"
	    ",text,x,X,\n"
	    ",end repeat,,,\n"
	    "choices,list_name,name,label\n"
	    ",abc,a,A\n"
	    ",abc,b,B\n"
	    "settings,form_id,version,instance_name\n"
	    ",anemia,2025031001,${name}\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	struct inode	*in;
	char		*j, *x;

	(void)state;
	ok(s, "name", "Ana <\"Q'ispe\"> & co");
	ok(s, "age", "30");
	ok(s, "hb", "0.1");
	ok(s, "many", "2 1");
	assert_int_equal(session_add_repeat(s, session_root(s),
	    form_field(f, "r"), &in, NULL), 0);
	session_finalize(s, 1741602600);	/* 10:30 */
	j = session_data_json(s);
	assert_string_equal(j, "{\"start\":\"2025-03-10T09:30:00.000+00:00\","
	    "\"end\":\"2025-03-10T10:30:00.000+00:00\",\"deviceid\":\"dev-1\","
	    "\"name\":\"Ana <\\\"Q'ispe\\\"> & co\",\"age\":30,\"hb\":0.1,"
	    "\"many\":\"a b\",\"g\":{\"d\":null},\"r\":[{\"x\":null}]}");
	x = session_instance_xml(s);
	assert_string_equal(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<anemia id=\"anemia\" version=\"2025031001\">"
	    "<start>2025-03-10T09:30:00.000+00:00</start>"
	    "<end>2025-03-10T10:30:00.000+00:00</end>"
	    "<deviceid>dev-1</deviceid>"
	    "<name>Ana &lt;&quot;Q'ispe&quot;&gt; &amp; co</name>"
	    "<age>30</age><hb>0.1</hb><nt/><many>a b</many>"
	    "<g><d/></g><r><x/></r>"
	    "<meta><instanceID>uuid:00000000-0000-4000-8000-000000000001"
	    "</instanceID><instanceName>Ana &lt;&quot;Q'ispe&quot;&gt; "
	    "&amp; co</instanceName></meta></anemia>");
	free(j);
	free(x);
	session_free(s);
	form_free(f);
}

static void
test_expression_features(void **state)
{
	static const char csv[] =
	    "survey,type,name,label,calculation,trigger,choice_filter,"
	    "read_only,default,relevant\n"
	    ",select_one region,region,Region,,,,,,\n"
	    ",select_one town,town,Town,,,region = ${region},,,\n"
	    ",integer,w,Weight,,,,,,\n"
	    ",decimal,w2,Weight again,${w},${w},,,,\n"
	    ",calculate,first_w,,once(${w}),,,,,\n"
	    ",text,locked,Locked,,,,yes,fixed,\n"
	    ",text,greet,Greeting,,,,,\"concat('hola ', ${w})\",\n"
	    ",select_multiple town,towns,Towns,,,,,,\n"
	    ",text,if_two,If two,,,,,,\"selected(${towns}, 'b')\"\n"
	    "choices,list_name,name,label,region\n"
	    ",region,n,North,\n"
	    ",region,s,South,\n"
	    ",town,a,A,n\n"
	    ",town,b,B,s\n"
	    ",town,c,C,n\n";
	struct form		 *f = load(csv);
	struct session		 *s = start(f);
	const struct choice	**v;
	size_t			  n;
	struct err		  e;

	(void)state;
	/* choice_filter: numbers count the filtered list */
	ok(s, "region", "2");
	err_init(&e);
	assert_int_equal(session_choices(s, node(s, "town"), &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->name, "b");
	ok(s, "town", "1");
	assert_string_equal(val(s, "town"), "b");
	ok(s, "region", "n");
	assert_non_null(strstr(ans(s, "town", "b"), "not one of the choices"));
	ok(s, "town", "2");
	assert_string_equal(val(s, "town"), "c");
	/* trigger: w2 follows w, and may be edited until w changes */
	ok(s, "w", "50");
	assert_string_equal(val(s, "w2"), "50");
	ok(s, "w2", "51,5");
	assert_string_equal(val(s, "w2"), "51.5");
	ok(s, "w", "52");
	assert_string_equal(val(s, "w2"), "52");
	/* once(): the first value stays */
	assert_string_equal(val(s, "first_w"), "50");
	/* read only, with its default */
	assert_string_equal(val(s, "locked"), "fixed");
	assert_non_null(strstr(ans(s, "locked", "x"), "read only"));
	/* a dynamic default is evaluated once, when the node is made */
	assert_string_equal(val(s, "greet"), "hola ");
	/* relevance through selected() */
	assert_false(node(s, "if_two")->relevant);
	ok(s, "towns", "b a");
	assert_true(node(s, "if_two")->relevant);
	session_free(s);
	form_free(f);
}

static void
test_output_escaping(void **state)
{
	static const char csv[] =
	    "survey,type,name,label\n"
	    ",text,t,T\n"
	    ",integer,i,I\n"
	    "settings,instance_name\n"
	    ",\"concat('Hb ', ${t})\"\n";
	struct form	*f = load(csv);
	struct session	*s = start(f);
	char		*j, *x;

	(void)state;
	/* restored values are not checked: output must still be valid */
	assert_int_equal(session_restore(s, "t", "a\x01\tb\xff\"<&\n",
	    NULL), 0);
	assert_int_equal(session_restore(s, "i", "007", NULL), 0);
	session_recompute(s);
	j = session_data_json(s);
	assert_string_equal(j, "{\"t\":\"a\\u0001\\tb\xef\xbf\xbd\\\"<&\\n\","
	    "\"i\":\"007\"}");
	x = session_instance_xml(s);
	assert_non_null(strstr(x, "<t>a\xef\xbf\xbd&#9;b\xef\xbf\xbd&quot;"
	    "&lt;&amp;&#10;</t><i>007</i>"));
	assert_non_null(strstr(x, "<instanceName>Hb a"));
	assert_non_null(strstr(x, "<t id=\"t\">"));	/* no version */
	free(j);
	free(x);
	session_free(s);
	form_free(f);

	/* a form id that is no XML name: the root is pyxform's "data" */
	f = load("survey,type,name,label\n,text,t,T\n"
	    "settings,form_id\n,Spec & test\n");
	s = start(f);
	x = session_instance_xml(s);
	assert_non_null(strstr(x, "?><data id=\"Spec &amp; test\"><t/>"));
	assert_non_null(strstr(x, "</meta></data>"));
	free(x);
	session_free(s);
	form_free(f);
}

/* ------------------------------------------------------------------ */
/* Size                                                                 */

static double
secs(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_thousand_questions(void **state)
{
	struct buf	 b;
	struct form	*f;
	struct session	*s;
	struct step	 st;
	double		 t0, t1, t2;
	int		 i;

	(void)state;
	buf_init(&b, 1 << 22);
	buf_addstr(&b, "survey,type,name,label,relevant,constraint\n");
	for (i = 0; i < 1000; i++) {
		if (i % 3 == 0)
			buf_addf(&b, ",integer,q%d,Question %d,,. < 1000\n",
			    i, i);
		else
			buf_addf(&b, ",text,q%d,Question %d,${q%d} != 7,\n",
			    i, i, i - i % 3);
	}
	f = load(b.p);
	buf_release(&b);
	t0 = secs();
	s = start(f);
	session_first(s, &st);
	t1 = secs();
	ok(s, "q0", "7");
	t2 = secs();
	assert_string_equal(st.field->name, "q0");
	print_message("1,000 questions: start %.2f ms, answer %.2f ms\n",
	    (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	/* generous for sanitizer builds; a plain build is far below 10 */
	assert_true(t1 - t0 < 0.1);
	assert_true(t2 - t1 < 0.1);
	session_free(s);
	form_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_relevance_groups),
		cmocka_unit_test(test_walk_back),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_huge_answer),
		cmocka_unit_test(test_constraint_required),
		cmocka_unit_test(test_repeat_prompts),
		cmocka_unit_test(test_nested_repeats),
		cmocka_unit_test(test_repeat_count),
		cmocka_unit_test(test_recompute_and_clearing),
		cmocka_unit_test(test_list_lookups),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_fill_json_ok),
		cmocka_unit_test(test_fill_json_problems),
		cmocka_unit_test(test_fill_json_abuse),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_expression_features),
		cmocka_unit_test(test_output_escaping),
		cmocka_unit_test(test_thousand_questions),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	setenv("COLLECTOR_NOW", NOW, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
