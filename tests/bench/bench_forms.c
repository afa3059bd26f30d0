/*
 * bench_forms.c: the engine's costs on one form file, as figures per
 * operation (the caller turns them into ratios against a baseline timed in
 * the same run):
 *   load   bytes -> form (workbook_load + form_build)
 *   walk   session_new, then every question in order, answered
 *   eval   every expression of the form once, over the filled instance
 *
 *   bench_forms FILE.xlsx ITERATIONS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../forms/forms.h"
#include "bench.h"

static int
walk(const struct form *f, size_t *nq)
{
	struct session	*s;
	struct step	 st;
	struct err	 e;
	int		 rc;

	err_init(&e);
	if (session_new(f, &(struct session_opts){ .device_id = "bench" }, &s,
	    &e) != 0) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 1;
	}
	*nq = 0;
	for (rc = session_first(s, &st); rc == 0 && st.kind != STEP_END;
	    rc = session_next(s, &st)) {
		if (st.kind == STEP_REPEAT_PROMPT)
			continue;
		if (st.field->kind == FK_NOTE)
			continue;
		err_init(&e);
		if (session_answer(s, st.node, bench_answer(st.field), &e)) {
			fprintf(stderr, "bench: %s: %s\n", st.field->name,
			    e.msg);
			session_free(s);
			return 1;
		}
		(*nq)++;
	}
	session_free(s);
	return rc;
}

static size_t
eval_all(const struct form *f, struct session *s)
{
	struct eval_env	 env;
	size_t		 i, n = 0;

	memset(&env, 0, sizeof(env));
	env.form = f;
	env.root = session_root(s);
	env.here = env.root;
	env.now = clock_now();
	for (i = 0; i < f->nfields; i++) {
		const struct field	*fl = f->fields[i];
		struct expr		*xs[] = { fl->relevant, fl->constraint,
		    fl->calculation, fl->required };
		size_t			 k;

		for (k = 0; k < 4; k++) {
			char		*out = NULL;
			struct err	 e;

			if (xs[k] == NULL)
				continue;
			err_init(&e);
			expr_eval_text(xs[k], &env, &out, &e);
			free(out);
			n++;
		}
	}
	return n;
}

int
main(int argc, char **argv)
{
	char		*data;
	size_t		 len, nq = 0, nx = 0;
	struct err	 e;
	struct form	*f = NULL;
	struct diags	 d;
	int		 iters, i;
	double		 t0, tload, twalk, teval;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_forms FILE ITERATIONS\n");
		return 2;
	}
	iters = (int)strtol(argv[2], NULL, 10);
	err_init(&e);
	if (file_read(argv[1], FORM_MAX_BYTES, &data, &len, &e) != 0) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 3;
	}
	t0 = bench_now();
	for (i = 0; i < iters; i++) {
		form_free(f);
		diags_init(&d);
		if (form_load(argv[1], data, len, &f, &d, &e) != 0) {
			struct buf	b;

			buf_init(&b, 1 << 20);
			diags_format(&d, argv[1], &b);
			fprintf(stderr, "bench: cannot load:\n%s", b.p);
			return 1;
		}
		diags_release(&d);
	}
	tload = (bench_now() - t0) / iters;
	t0 = bench_now();
	for (i = 0; i < iters; i++)
		if (walk(f, &nq) != 0)
			return 1;
	twalk = (bench_now() - t0) / iters;
	{
		struct session	*s;

		session_new(f, &(struct session_opts){ .device_id = "b" }, &s,
		    &e);
		t0 = bench_now();
		for (i = 0; i < iters; i++)
			nx = eval_all(f, s);
		teval = (bench_now() - t0) / iters;
		session_free(s);
	}
	printf("fields %zu questions_answered %zu expressions %zu\n",
	    f->nfields, nq, nx);
	printf("load_s %.6f walk_s %.6f eval_s %.6f\n", tload, twalk, teval);
	form_free(f);
	free(data);
	return 0;
}
