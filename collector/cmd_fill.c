/*
 * cmd_fill.c: `collector fill FORM_ID`: a new survey, interactive
 * (prompt.c) or from an --answers JSON file. Both go through the same
 * session, so an answer refused at the terminal is refused in a file too.
 *
 * --answers without --draft stores nothing until every answer is accepted
 * and the whole survey validates; then the submission, its answers and
 * its frozen JSON are written in one transaction: a kill at any moment
 * leaves it wholly there or absent.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "prompt.h"

static const char *
usage_text(void)
{
	return _("usage: collector fill FORM_ID [--lang CODE]\n"
	    "       collector fill FORM_ID --answers FILE|- [--draft]\n"
	    "\n"
	    "Without --answers: the survey in the terminal, one question at a\n"
	    "time. Type the answer, or the number of a choice (several\n"
	    "numbers separated by spaces when several may be chosen), then\n"
	    "Enter. Keys: < back, ? help, ! save a draft and quit (Ctrl-D\n"
	    "too), - in a repeated entry (a child, a person) removes it; a\n"
	    "backslash before one makes it an answer (\\! answers !).\n"
	    "Every answer is saved the moment it is accepted. Before\n"
	    "finalizing, a review of every answer.\n"
	    "\n"
	    "With --answers: a JSON object keyed by question name (groups as\n"
	    "objects, repeats as arrays of objects) checked as at the\n"
	    "terminal; on success the survey is finalized and its id printed.\n"
	    "On any problem each one is printed, nothing is stored and the\n"
	    "exit code is 1; with --draft the accepted answers are stored as\n"
	    "a draft (its id printed) to finish with 'collector edit'.\n");
}

/* Print a session's problems: "collector: PATH: message", one a line. */
static void
print_problems(const struct diags *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].column != NULL)
			fprintf(stderr, "collector: %s: %s\n", d->v[i].column,
			    d->v[i].msg);
		else
			fprintf(stderr, "collector: %s\n", d->v[i].msg);
	}
}

static int
fill_answers(struct fill *fl, const char *file, int draft)
{
	struct diags	 d;
	struct err	 e;
	char		*json = NULL;
	size_t		 len, n;
	int		 rc;

	err_init(&e);
	diags_init(&d);
	if (strcmp(file, "-") == 0)
		rc = file_read("/dev/stdin", ANSWERS_JSON_MAX, &json, &len,
		    &e);
	else
		rc = file_read(file, ANSWERS_JSON_MAX, &json, &len, &e);
	/* A file that is not there is the environment's (3), as every
	 * named file that does not exist (CONTRACT.md); a malformed one is
	 * bad input (1). */
	if (rc != 0 || (rc = cmd_fill_answers(fl->s, json, len,
	    strcmp(file, "-") == 0 ? _("standard input") : file, &d, &n,
	    &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	if (draft) {
		print_problems(&d);
		if ((rc = fill_save(fl, &e)) != 0) {
			rc = cmd_error(rc, &e);
			goto out;
		}
		printf("%s\n", fl->sub.instance_id);
		rc = n > 0 ? ERR_INPUT : 0;
		goto out;
	}
	if (n == 0) {
		rc = fill_finalize(fl, &d, &e);
		if (rc == ERR_INPUT && d.n > 0)
			n = d.n;
		else if (rc != 0) {
			rc = cmd_error(rc, &e);
			goto out;
		}
	}
	if (n > 0) {
		print_problems(&d);
		fprintf(stderr, dngettext("collector", "collector: %zu "
		    "problem: nothing stored\n", "collector: %zu problems: "
		    "nothing stored\n", n), n);
		rc = ERR_INPUT;
		goto out;
	}
	printf("%s\n", fl->sub.instance_id);
out:
	free(json);
	diags_release(&d);
	return rc;
}

int
fill_interactive(struct cmd_ctx *c, struct fill *fl, int review_first)
{
	enum prompt_result	 res;
	struct err		 e;
	struct buf		 b;
	char			*prog;
	int			 rc;

	err_init(&e);
	if ((prog = cmd_invocation(c)) == NULL)
		return cmd_error(err_set(&e, ERR_NOMEM, _("out of memory")),
		    &e);
	if ((rc = prompt_run(fl, stdin, stdout, review_first, prog, &res,
	    &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	/* A revision draft left from before goes too: it is what it
	 * replaces. */
	if (res == PROMPT_UNCHANGED && fl->saved && (rc = store_delete_draft(
	    fl->st, fl->sub.id, &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	buf_init(&b, 4096);
	prompt_closing(fl, prog, res, &b);
	if (b.p != NULL)
		fputs(b.p, stdout);
	buf_release(&b);
out:
	free(prog);
	return rc;
}

int
cmd_fill(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "answers", required_argument, NULL, 'a' },
		{ "draft", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*st = c->st;
	struct fill	 fl;
	struct err	 e;
	const char	*lang = NULL, *answers = NULL;
	char		*prog = NULL;
	int		 ch, rc, draft = 0;

	memset(&fl, 0, sizeof(fl));
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lang = optarg;
			break;
		case 'a':
			answers = optarg;
			break;
		case 'd':
			draft = 1;
			break;
		case ':':
			return cmd_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cmd_usage_error(_("unknown option '%s' for "
			    "'fill'"), argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(_("usage: collector fill FORM_ID "
		    "[--lang CODE] [--answers FILE|- [--draft]]"));
	if (draft && answers == NULL)
		return cmd_usage_error(_("--draft goes with --answers"));
	err_init(&e);
	if ((prog = cmd_invocation(c)) == NULL) {
		rc = err_set(&e, ERR_NOMEM, _("out of memory"));
		goto fail;
	}
	if ((rc = fill_load_form(&fl, st, argv[optind], &e)) != 0 ||
	    (rc = cmd_attach_stored(fl.form, &fl.sf, &e)) != 0)
		goto fail;
	fl.prog = prog;		/* fill_load_form cleared fl */
	if ((rc = fill_start(&fl, lang, NULL, &e)) != 0)
		goto fail;
	i18n_use(lang != NULL ? fl.form->langs[fl.lang].code : NULL);
	if (answers != NULL)
		rc = fill_answers(&fl, answers, draft);
	else
		rc = fill_interactive(c, &fl, 0);
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	fill_release(&fl);
	free(prog);
	return rc;
}
