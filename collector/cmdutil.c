/*
 * cmdutil.c: what every cmd_<name>.c shares: printing an error the way
 * CONTRACT.md says (one line, "collector: " first, exit code from the
 * error), opening the store with the hint a promoter needs, the standard
 * --help and --version, and installing a form after checking it.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

int
cmd_error(int rc, const struct err *e)
{
	fprintf(stderr, "collector: %s\n", e->msg[0] != '\0' ? e->msg :
	    _("unknown error"));
	/* Out of memory is the environment's (CONTRACT.md's exit codes). */
	if (rc == ERR_NOMEM || rc == ERR_OK)
		return ERR_IO;
	return rc;
}

int
cmd_fill_answers(struct session *s, const char *json, size_t len,
    const char *name, struct diags *d, size_t *problems, struct err *e)
{
	struct err	je;

	/* session_fill_json returns a count and puts the one error that is
	 * not an answer's problem in its err: the only place the program
	 * looks inside an err for its code. */
	err_init(&je);
	*problems = session_fill_json(s, json, len, d, &je);
	if (je.code == ERR_OK)
		return 0;
	*problems = 0;
	return err_set(e, je.code, "%s: %s", name, je.msg);
}

json_t *
cmd_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

void
cmd_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_COMPACT);
	putchar('\n');
}

const char *
cmd_state_label(enum sub_state s)
{
	switch (s) {
	case SUB_DRAFT:
		return _("draft");
	case SUB_FINALIZED:
		return _("finalized");
	case SUB_REJECTED:
		/* TRANSLATORS: a survey the hub refused (feminine in es:
		 * la encuesta) */
		return _("rejected");
	default:
		return _("sent");
	}
}

void
cmd_warn_skipped(const struct fill *fl)
{
	if (fl->nskipped == 0)
		return;
	fprintf(stderr, dngettext("collector", "collector: %s: warning: %s "
	    "(%zu stored answer left out)\n", "collector: %s: warning: %s "
	    "(%zu stored answers left out)\n", fl->nskipped),
	    fl->sub.instance_id, fl->skipped.msg, fl->nskipped);
}

int
cmd_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("collector: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ERR_USAGE;
}

int
cmd_open_store(struct cmd_ctx *c, struct store **out)
{
	struct err	 e;
	char		*home;
	int		 rc;

	*out = NULL;
	err_init(&e);
	if ((home = store_home(c->home)) == NULL) {
		fprintf(stderr, "collector: out of memory\n");
		return ERR_IO;
	}
	if (!store_exists(home)) {
		fprintf(stderr, _("collector: no store in '%s': run "
		    "'collector init --device ID'\n"), home);
		rc = ERR_IO;
	} else if ((rc = store_open(home, out, &e)) != 0)
		rc = cmd_error(rc, &e);
	free(home);
	return rc;
}

int
cmd_help_asked(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--version") == 0)
			return 1;
	}
	return 0;
}

int
cmd_std_opts(int argc, char **argv, const char *usage)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("collector %s\n", VERSION);
			return 1;
		}
	}
	/* getopt_long keeps state across calls; each command starts anew. */
	optind = 0;
	opterr = 0;
	return 0;
}

static char *
languages_json(const struct form *f)
{
	json_t	*a;
	char	*s;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < f->nlangs; i++)
		json_array_append_new(a, json_string(f->langs[i].name));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

int
cmd_install_form(struct store *st, const char *file, const void *data,
    size_t len, enum store_put *how, struct form **parsed, struct err *e)
{
	struct store_form	 sf;
	struct diags		 d;
	struct form		*f = NULL;
	struct buf		 b;
	char			*name = NULL;
	int			 rc;

	if (parsed != NULL)
		*parsed = NULL;
	diags_init(&d);
	buf_init(&b, 1u << 20);
	rc = form_load(file, data, len, &f, &d, e);
	diags_format(&d, file, &b);
	if (b.len > 0)
		fputs(b.p, stderr);
	if (rc != 0) {
		/* The diagnostics above say what; kept when the load failed
		 * otherwise (no memory). */
		err_set(e, ERR_INPUT, _("'%s' has errors: not installed"),
		    file);
		goto out;
	}
	if ((name = strdup(file)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	memset(&sf, 0, sizeof(sf));
	sf.form_id = f->id;
	sf.version = f->version != NULL ? f->version : (char *)"";
	sf.title = f->title != NULL ? f->title : f->id;
	sf.languages = languages_json(f);
	sf.file = basename(name);
	sf.content = (void *)data;
	sf.len = len;
	if (sf.languages == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	rc = store_put_form(st, &sf, how, e);
	if (rc == ERR_INPUT)
		err_prefix(e, "%s", file);	/* what the person typed */
	free(sf.languages);
	if (rc == 0 && parsed != NULL) {
		*parsed = f;
		f = NULL;
	}
out:
	free(name);
	form_free(f);
	diags_release(&d);
	buf_release(&b);
	return rc;
}
