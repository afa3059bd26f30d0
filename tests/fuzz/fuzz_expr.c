/*
 * fuzz_expr.c: libFuzzer target for the expression engine. The input is
 * an expression's source; when it parses and binds it is evaluated as
 * text, boolean and number against a small fixed form and instance (a
 * text, an integer, a date, a repeat with two instances, a choice list
 * with an extra column), once with a question as context and once as a
 * choice filter. Any crash, sanitizer report, runaway allocation or hang
 * is a bug; ERR_INPUT is the expected answer to most inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../forms/forms.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_ROOT, F_A, F_N, F_D, F_REP, F_Y, F_S, NFIELDS };

static struct field	 fields[NFIELDS];
static struct field	*fieldv[NFIELDS], *byname[NFIELDS - 1];
static struct field	*rootkids[4], *repkids[2];
static struct form	 form;
static struct form_lang	 langs[2] = { { "Español (es)", "es" },
				      { "Quechua (quy)", "quy" } };
static char		*lab1[2] = { "Uno", "Huk" }, *lab2[2] = { "Dos", NULL };
static char		*colnames[1] = { "grp" }, *colv1[1] = { "a" },
			*colv2[1] = { NULL };
static struct choice	 choices[2];
static struct choice_list list;
static struct inode	 nodes[8];
static struct inode	*rootn[5], *rep1n[1], *rep2n[1];

static void
field(int i, enum field_kind k, const char *name, struct field *parent)
{
	fields[i].kind = k;
	fields[i].name = (char *)name;
	fields[i].type = (char *)name;
	fields[i].index = (size_t)i;
	fields[i].parent = parent;
	fields[i].depth = parent != NULL ? parent->depth + 1 : 0;
	fieldv[i] = &fields[i];
}

static void
inode(int i, int f, struct inode *parent, const char *v)
{
	nodes[i].field = &fields[f];
	nodes[i].parent = parent;
	nodes[i].value = (char *)v;
	nodes[i].relevant = 1;
}

static void
setup(void)
{
	static int	done;

	if (done)
		return;
	done = 1;
	field(F_ROOT, FK_GROUP, "data", NULL);
	field(F_A, FK_TEXT, "a", &fields[F_ROOT]);
	field(F_N, FK_INTEGER, "n", &fields[F_ROOT]);
	field(F_D, FK_DATE, "d", &fields[F_ROOT]);
	field(F_REP, FK_REPEAT, "rep", &fields[F_ROOT]);
	field(F_Y, FK_INTEGER, "y", &fields[F_REP]);
	field(F_S, FK_SELECT_ONE, "s", &fields[F_REP]);
	rootkids[0] = &fields[F_A];
	rootkids[1] = &fields[F_N];
	rootkids[2] = &fields[F_D];
	rootkids[3] = &fields[F_REP];
	fields[F_ROOT].kids = rootkids;
	fields[F_ROOT].nkids = 4;
	repkids[0] = &fields[F_Y];
	repkids[1] = &fields[F_S];
	fields[F_REP].kids = repkids;
	fields[F_REP].nkids = 2;
	fields[F_Y].repeat = fields[F_S].repeat = &fields[F_REP];

	choices[0].name = "c1";
	choices[0].label.v = lab1;
	choices[0].ncols = 1;
	choices[0].colnames = colnames;
	choices[0].colvals = colv1;
	choices[1].name = "c2";
	choices[1].label.v = lab2;
	choices[1].ncols = 1;
	choices[1].colnames = colnames;
	choices[1].colvals = colv2;
	list.name = "l";
	list.v = choices;
	list.n = 2;
	fields[F_S].list = &list;

	form.file = "fuzz";
	form.id = "data";
	form.version = "1";
	form.langs = langs;
	form.nlangs = 2;
	form.root = &fields[F_ROOT];
	form.fields = fieldv;
	form.nfields = NFIELDS;
	byname[0] = &fields[F_A];	/* by name, for form_field() */
	byname[1] = &fields[F_D];
	byname[2] = &fields[F_N];
	byname[3] = &fields[F_REP];
	byname[4] = &fields[F_S];
	byname[5] = &fields[F_Y];
	form.byname = byname;
	form.lists = &list;
	form.nlists = 1;

	inode(0, F_ROOT, NULL, NULL);
	inode(1, F_A, &nodes[0], "a b");
	inode(2, F_N, &nodes[0], "12");
	inode(3, F_D, &nodes[0], "2024-02-29");
	inode(4, F_REP, &nodes[0], NULL);
	inode(5, F_REP, &nodes[0], NULL);
	inode(6, F_Y, &nodes[4], "3");
	inode(7, F_Y, &nodes[5], "-1.5");
	rootn[0] = &nodes[1];
	rootn[1] = &nodes[2];
	rootn[2] = &nodes[3];
	rootn[3] = &nodes[4];
	rootn[4] = &nodes[5];
	nodes[0].kids = rootn;
	nodes[0].nkids = 5;
	rep1n[0] = &nodes[6];
	rep2n[0] = &nodes[7];
	nodes[4].kids = rep1n;
	nodes[4].nkids = 1;
	nodes[5].kids = rep2n;
	nodes[5].nkids = 1;
}

static void
evaluate(const struct expr *x, const struct eval_env *env)
{
	struct err	 e;
	char		*s = NULL;
	double		 d;
	int		 b;

	err_init(&e);
	if (expr_eval_text(x, env, &s, &e) == 0)
		free(s);
	err_init(&e);
	(void)expr_eval_bool(x, env, &b, &e);
	err_init(&e);
	(void)expr_eval_number(x, env, &d, &e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a;
	struct expr	*x;
	struct eval_env	 env;
	struct err	 e;
	char		*src;
	size_t		 pos;

	setup();
	if (size > EXPR_MAX_LEN + 16)
		size = EXPR_MAX_LEN + 16;
	if ((src = malloc(size + 1)) == NULL)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	arena_init(&a, 0);
	err_init(&e);
	if (expr_parse(&a, src, &x, &pos, &e) == 0) {
		err_init(&e);
		if (expr_bind(x, &form, &fields[F_Y], &e) == 0) {
			memset(&env, 0, sizeof(env));
			env.form = &form;
			env.root = &nodes[0];
			env.here = &nodes[7];
			env.now = 1750000000.0;
			env.lang = 1;
			env.current = "";
			evaluate(x, &env);
			env.choice = &choices[1];
			env.current = "7";
			evaluate(x, &env);
		}
	}
	arena_release(&a);
	free(src);
	return 0;
}
