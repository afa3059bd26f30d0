/*
 * test_expr.c: what the expression cases (tests/cases/expr/) cannot say
 * from a text file: the ceilings (length, nesting, work), expr_refs(),
 * expr_source(), the number conversions at their edges, and evaluation
 * against a hand-built form and instance without form_load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../forms/forms.h"

/* A form: data { a (text), n (integer), rep [ y (integer) ] }. */
struct fixture {
	struct form	 form;
	struct field	 f[4];
	struct field	*fv[4], *rootkids[3], *repkids[1];
	struct form_lang lang;
	struct inode	 root, *kids[400], *repk[400];
	struct inode	 nodes[400], ys[400];
	size_t		 nrep;
};

static struct fixture	fx;

static void
setup_form(size_t nrep)
{
	size_t	i;

	memset(&fx, 0, sizeof(fx));
	fx.f[0] = (struct field){ .kind = FK_GROUP, .name = "data" };
	fx.f[1] = (struct field){ .kind = FK_TEXT, .name = "a",
	    .parent = &fx.f[0], .depth = 1, .index = 1 };
	fx.f[2] = (struct field){ .kind = FK_INTEGER, .name = "n",
	    .parent = &fx.f[0], .depth = 1, .index = 2 };
	fx.f[3] = (struct field){ .kind = FK_REPEAT, .name = "rep",
	    .parent = &fx.f[0], .depth = 1, .index = 3 };
	/* y hangs off rep; it lives in f[] only through its node */
	for (i = 0; i < 4; i++)
		fx.fv[i] = &fx.f[i];
	fx.rootkids[0] = &fx.f[1];
	fx.rootkids[1] = &fx.f[2];
	fx.rootkids[2] = &fx.f[3];
	fx.f[0].kids = fx.rootkids;
	fx.f[0].nkids = 3;
	fx.lang.name = "default";
	fx.form.langs = &fx.lang;
	fx.form.nlangs = 1;
	fx.form.root = &fx.f[0];
	fx.form.fields = fx.fv;
	fx.form.nfields = 4;
	fx.form.byname = fx.fv + 1;	/* a, n, rep: already sorted */
	fx.form.version = "";

	fx.root.field = &fx.f[0];
	fx.root.relevant = 1;
	fx.root.kids = fx.kids;
	fx.nodes[0] = (struct inode){ .field = &fx.f[1], .parent = &fx.root,
	    .value = "x", .relevant = 1 };
	fx.nodes[1] = (struct inode){ .field = &fx.f[2], .parent = &fx.root,
	    .value = "7", .relevant = 1 };
	fx.kids[0] = &fx.nodes[0];
	fx.kids[1] = &fx.nodes[1];
	fx.root.nkids = 2;
	for (i = 0; i < nrep && i + 2 < 400; i++) {
		fx.nodes[i + 2] = (struct inode){ .field = &fx.f[3],
		    .parent = &fx.root, .relevant = 1 };
		fx.kids[fx.root.nkids++] = &fx.nodes[i + 2];
	}
	fx.nrep = nrep;
}

static int
eval_text(const char *src, const struct inode *here, char **out,
    struct err *e)
{
	struct arena	 a;
	struct expr	*x;
	struct eval_env	 env;
	size_t		 pos;
	int		 rc;

	*out = NULL;
	arena_init(&a, 0);
	err_init(e);
	if ((rc = expr_parse(&a, src, &x, &pos, e)) == 0 &&
	    (rc = expr_bind(x, &fx.form, here != NULL ? here->field : NULL,
	    e)) == 0) {
		memset(&env, 0, sizeof(env));
		env.form = &fx.form;
		env.root = &fx.root;
		env.here = here;
		env.now = 1750000000.0;
		rc = expr_eval_text(x, &env, out, e);
	}
	arena_release(&a);
	return rc;
}

static void
expect_text(const char *src, const char *want)
{
	struct err	 e;
	char		*got;

	if (eval_text(src, &fx.root, &got, &e) != 0)
		fail_msg("%s: %s", src, e.msg);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", src, got, want);
	free(got);
}

static void
test_hand_built(void **state)
{
	(void)state;
	setup_form(3);
	expect_text("${a}", "x");
	expect_text("${n} * 6", "42");
	expect_text("count(${rep})", "3");
	expect_text("/data/a", "x");
	expect_text("position(/data/rep[3])", "3");
	assert_int_equal(inode_position(&fx.nodes[4]), 3);
	assert_int_equal(inode_position(&fx.nodes[1]), 1);
	assert_int_equal(inode_position(&fx.root), 1);
	assert_int_equal(inode_position(NULL), 1);
}

static void
test_no_instance(void **state)
{
	struct arena	 a;
	struct expr	*x;
	struct eval_env	 env;
	struct err	 e;
	size_t		 pos;
	char		*s;

	(void)state;
	arena_init(&a, 0);
	err_init(&e);
	assert_int_equal(expr_parse(&a, ". = '' and count(..) = 0", &x, &pos,
	    &e), 0);
	memset(&env, 0, sizeof(env));
	assert_int_equal(expr_eval_text(x, &env, &s, &e), 0);
	assert_string_equal(s, "true");
	free(s);
	/* a reference that was never bound is an error, not a crash */
	err_init(&e);
	assert_int_equal(expr_parse(&a, "${a}", &x, &pos, &e), 0);
	assert_int_equal(expr_eval_text(x, &env, &s, &e), ERR_INPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, "not bound"));
	arena_release(&a);
}

static void
test_limits(void **state)
{
	struct arena	 a;
	struct expr	*x;
	struct err	 e;
	size_t		 pos, n = EXPR_MAX_LEN + 10, i;
	char		*src, *got;

	(void)state;
	setup_form(0);
	arena_init(&a, 0);
	src = malloc(n + 1);
	assert_non_null(src);
	/* one byte too many */
	memset(src, ' ', n);
	src[0] = '1';
	src[EXPR_MAX_LEN + 1] = '\0';
	err_init(&e);
	assert_int_equal(expr_parse(&a, src, &x, &pos, &e), ERR_INPUT);
	assert_int_equal(pos, EXPR_MAX_LEN + 1);
	assert_non_null(strstr(e.msg, "longer than"));
	/* exactly the limit */
	src[EXPR_MAX_LEN] = '\0';
	err_init(&e);
	assert_int_equal(expr_parse(&a, src, &x, &pos, &e), 0);
	/* 30000 parentheses: an error with a position, no stack overflow */
	for (i = 0; i < 30000; i++)
		src[i] = '(';
	src[i] = '\0';
	err_init(&e);
	assert_int_equal(expr_parse(&a, src, &x, &pos, &e), ERR_INPUT);
	assert_int_equal(pos, EXPR_MAX_DEPTH + 1);
	assert_non_null(strstr(e.msg, "nested too deeply"));
	/* a 10000-term sum is not nesting */
	for (i = 0; i + 4 < 40000; i += 4)
		memcpy(src + i, "1 + ", 4);
	memcpy(src + i, "1", 2);
	err_init(&e);
	assert_int_equal(expr_parse(&a, src, &x, &pos, &e), 0);
	free(src);
	arena_release(&a);
	/* work: three nested scans of 400 nodes would take 64M steps */
	setup_form(398);
	assert_int_equal(eval_text("count(//*[count(//*[count(//*) > 0]) > 0])",
	    &fx.root, &got, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "takes too long"));
}

struct refs {
	const struct field	*seen[8];
	size_t			 n;
};

static void
note(const struct field *f, void *arg)
{
	struct refs	*r = arg;

	if (r->n < 8)
		r->seen[r->n++] = f;
}

static void
test_refs_source(void **state)
{
	struct arena	 a;
	struct expr	*x;
	struct err	 e;
	struct refs	 r;
	size_t		 pos, i;
	int		 a_seen = 0, n_seen = 0, rep_seen = 0;
	const char	*src = "${a} = 'x' and /data/n > 3 or count(../rep) "
			    "> 0 or . = ''";

	(void)state;
	setup_form(0);
	arena_init(&a, 0);
	err_init(&e);
	assert_int_equal(expr_parse(&a, src, &x, &pos, &e), 0);
	assert_int_equal(expr_bind(x, &fx.form, &fx.f[1], &e), 0);
	assert_string_equal(expr_source(x), src);
	memset(&r, 0, sizeof(r));
	expr_refs(x, note, &r);
	for (i = 0; i < r.n; i++) {
		a_seen += r.seen[i] == &fx.f[1];
		n_seen += r.seen[i] == &fx.f[2];
		rep_seen += r.seen[i] == &fx.f[3];
	}
	assert_int_equal(a_seen, 1);	/* ${a}; '.' is not a reference */
	assert_int_equal(n_seen, 1);
	assert_int_equal(rep_seen, 1);
	err_init(&e);
	assert_int_equal(expr_parse(&a, "${zz} + 1", &x, &pos, &e), 0);
	assert_int_equal(expr_bind(x, &fx.form, NULL, &e), ERR_INPUT);
	assert_string_equal(e.msg, "unknown question '${zz}'");
	arena_release(&a);
}

static void
test_number_text(void **state)
{
	static const struct {
		double		 v;
		const char	*want;
	} t[] = {
		{ 0, "0" }, { -0.0, "0" }, { 1, "1" }, { -1.5, "-1.5" },
		{ 10.5, "10.5" }, { 12.6 - 2.1, "10.5" }, { 0.1 + 0.2, "0.3" },
		{ 1.0 / 3, "0.333333333333333" }, { 2.0 / 3, "0.666666666666667" },
		{ 1e-7, "0.0000001" }, { -1.5e-5, "-0.000015" },
		{ 1e-13, "0" }, { 123456.789, "123456.789" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 1e20, "100000000000000000000" }, { 1e21, "1e+21" },
		{ 1.0000000000000002, "1" }, { 1234567.1234567891, "1234567.12345679" },
		{ NAN, "" }, { INFINITY, "Infinity" }, { -INFINITY, "-Infinity" },
	};
	char	buf[32];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		expr_number_text(t[i].v, buf, sizeof(buf));
		if (strcmp(buf, t[i].want) != 0)
			fail_msg("%.17g: got '%s', want '%s'", t[i].v, buf,
			    t[i].want);
	}
	/* the narrowest buffer the header allows still holds the widest */
	expr_number_text(-0.000000000001234567890123456, buf, 32);
	assert_string_equal(buf, "-0.00000000000123456789012346");
}

static void
test_text_number(void **state)
{
	char	long_num[120];

	(void)state;
	assert_true(expr_text_number(" 12 ") == 12);
	assert_true(expr_text_number("1,5") == 1.5);
	assert_true(expr_text_number("-3") == -3);
	assert_true(expr_text_number(".5") == 0.5);
	assert_true(expr_text_number("2025-01-01") == 20089);
	assert_true(expr_text_number("1970-01-02T12:00:00Z") == 1.5);
	assert_true(isnan(expr_text_number("")));
	assert_true(isnan(expr_text_number(NULL)));
	assert_true(isnan(expr_text_number("1e3")));
	assert_true(isnan(expr_text_number("0x10")));
	assert_true(isnan(expr_text_number("inf")));
	assert_true(isnan(expr_text_number("-")));
	assert_true(isnan(expr_text_number("1-2")));
	assert_true(isnan(expr_text_number("2025-02-30")));
	memset(long_num, '0', sizeof(long_num) - 1);
	long_num[sizeof(long_num) - 2] = '7';
	long_num[sizeof(long_num) - 1] = '\0';
	assert_true(expr_text_number(long_num) == 7);
}

/* The digits read without strtod() give strtod()'s very double, sign of
 * zero included, up to the 15 digits that path takes and past them. */
static void
test_text_number_exact(void **state)
{
	static const char *const cases[] = { "0", "-0", "-0.0", "5.", ".5",
	    "-.5", "0.1", "0.3", "11.5", "10.5", "2.675", "1.005",
	    "0.000000000000001", "999999999999999", "99999999999999.9",
	    "9007199254740993", "1234567890.12345", "123456789012.3456",
	    "0.1234567890123456789", "007.50", "4500", "-2147483648" };
	char	 buf[64];
	double	 want, got;
	size_t	 i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		want = strtod(cases[i], NULL);
		got = expr_text_number(cases[i]);
		assert_memory_equal(&want, &got, sizeof(want));
	}
	/* every two-place decimal up to 100, as a form stores them */
	for (i = 0; i < 10000; i++)
		for (j = 0; j < 2; j++) {
			snprintf(buf, sizeof(buf), "%s%zu.%02zu", j ? "-" : "",
			    i / 100, i % 100);
			want = strtod(buf, NULL);
			got = expr_text_number(buf);
			assert_memory_equal(&want, &got, sizeof(want));
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_built),
		cmocka_unit_test(test_no_instance),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_refs_source),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_text_number),
		cmocka_unit_test(test_text_number_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
