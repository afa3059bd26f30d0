/*
 * cmd_forms.c: `collector forms add|list|check|eval`: installing forms
 * and the form author's tools (lint, evaluate an expression).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static const char *
usage_text(void)
{
	return _("usage: collector forms add FILE [--media DIR]\n"
	    "       collector forms list [--json]\n"
	    "       collector forms check [--media DIR] FILE...\n"
	    "       collector forms eval FILE EXPR [--answers JSON-FILE] "
	    "[--media DIR]\n"
	    "\n"
	    "add    checks an XLSForm (.xlsx, or pyxform's single-file .csv)\n"
	    "       and installs it with its attachments; a newer version of\n"
	    "       an installed form replaces it for new surveys (drafts\n"
	    "       keep theirs)\n"
	    "list   the installed forms: id, title, version, languages,\n"
	    "       attachments\n"
	    "check  prints FILE:SHEET:ROW[:COLUMN]: error|warning: message;\n"
	    "       exits 0 when there is no error\n"
	    "eval   prints the value of an expression in the context of the\n"
	    "       form and the answers given (as ODK would store it)\n"
	    "\n"
	    "--media DIR  where the form's attachments are (the CSV, XML and\n"
	    "             GeoJSON lists it reads); by default the folder\n"
	    "             FORM-media beside the form file, as ODK Collect\n");
}

static int
forms_add(struct cmd_ctx *c, int argc, char **argv)
{
	struct store	*st = NULL;
	struct err	 e;
	enum store_put	 how;
	struct form	*f = NULL;
	const char	*file;
	char		*data = NULL, *media = NULL;
	size_t		 len;
	int		 rc;

	if (argc == 4 && strcmp(argv[1], "--media") == 0) {
		file = argv[3];
		media = strdup(argv[2]);
	} else if (argc == 4 && strcmp(argv[2], "--media") == 0) {
		file = argv[1];
		media = strdup(argv[3]);
	} else if (argc == 2) {
		file = argv[1];
		media = media_dir(file);
	} else
		return cmd_usage_error(_("usage: collector forms add FILE "
		    "[--media DIR]"));
	err_init(&e);
	if (media == NULL) {
		err_set(&e, ERR_NOMEM, _("out of memory"));
		return cmd_error(ERR_NOMEM, &e);
	}
	if ((rc = file_read(file, FORM_MAX_BYTES, &data, &len, &e)) != 0) {
		free(media);
		return cmd_error(rc, &e);
	}
	if ((rc = cmd_open_store(c, 0, &st)) != 0)
		goto out;
	if ((rc = cmd_install_form(st, file, data, len, media, &how, &f,
	    &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	switch (how) {
	case STORE_PUT_NEW:
		printf(_("installed '%s' version '%s'\n"), f->id, f->version);
		break;
	case STORE_PUT_REPLACED:
		printf(_("installed '%s' version '%s': new surveys use it\n"),
		    f->id, f->version);
		break;
	case STORE_PUT_SAME:
		printf(_("'%s' version '%s' was already installed\n"), f->id,
		    f->version);
		break;
	case STORE_PUT_ATTACHED:
		printf(_("'%s' version '%s' was already installed: its "
		    "missing attachments were added\n"), f->id, f->version);
		break;
	}
out:
	form_free(f);
	free(data);
	free(media);
	store_close(st);
	return rc;
}

static int
print_form(const struct store_form *f, void *arg)
{
	json_t	*a = arg, *o, *langs, *media;
	size_t	 i;

	langs = json_loads(f->languages, 0, NULL);
	if (a != NULL) {
		media = json_array();
		for (i = 0; i < f->nmedia; i++)
			json_array_append_new(media, json_pack("{s:s, s:s}",
			    "name", f->media[i].name, "sha256",
			    f->media[i].sha256));
		o = json_object();
		json_object_set_new(o, "form_id", json_string(f->form_id));
		json_object_set_new(o, "title", json_string(f->title));
		json_object_set_new(o, "version", json_string(f->version));
		json_object_set_new(o, "languages", langs != NULL ? langs :
		    json_array());
		json_object_set_new(o, "sha256", json_string(f->sha256));
		json_object_set_new(o, "installed_at",
		    json_string(f->installed_at));
		json_object_set_new(o, "attachments", media);
		json_array_append_new(a, o);
		return 0;
	}
	printf("%-24s %-12s %s\n", f->form_id, f->version, f->title);
	if (langs != NULL && json_array_size(langs) > 0) {
		printf("%-24s %-12s", "", "");
		for (i = 0; i < json_array_size(langs); i++)
			printf(" %s", json_string_value(json_array_get(langs,
			    i)));
		putchar('\n');
	}
	if (f->nmedia > 0) {
		printf("%-24s %-12s", "", "");
		for (i = 0; i < f->nmedia; i++)
			printf(" %s", f->media[i].name);
		putchar('\n');
	}
	json_decref(langs);
	return 0;
}

static int
forms_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct store	*st = NULL;
	struct err	 e;
	json_t		*a = NULL;
	int		 rc, json = 0;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return cmd_usage_error(_("usage: collector forms list "
		    "[--json]"));
	if ((rc = cmd_open_store(c, 1, &st)) != 0)
		return rc;
	err_init(&e);
	if (json)
		a = json_array();
	if ((rc = store_each_form(st, print_form, a, &e)) != 0)
		rc = cmd_error(rc, &e);
	else if (a != NULL)
		cmd_print_json(a);
	json_decref(a);
	store_close(st);
	return rc;
}

/* --media DIR anywhere among args (removed from them), or NULL. */
static const char *
media_opt(int *argc, char **argv, int *bad)
{
	const char	*dir = NULL;
	int		 i, k = 1;

	*bad = 0;
	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--media") == 0) {
			if (i + 1 == *argc || dir != NULL)
				*bad = 1;
			else
				dir = argv[++i];
		} else if (strncmp(argv[i], "--media=", 8) == 0) {
			if (dir != NULL)
				*bad = 1;
			dir = argv[i] + 8;
		} else
			argv[k++] = argv[i];
	}
	*argc = k;
	return dir;
}

/* Load file's form and its attachments from dir (NULL: beside it). */
static int
load_with_media(const char *file, const char *dir, const char *data,
    size_t len, struct form **f, struct diags *d, struct err *e)
{
	char	*def = NULL;
	int	 rc;

	if ((rc = form_load(file, data, len, f, d, e)) != 0)
		return rc;
	if (dir == NULL && (dir = def = media_dir(file)) == NULL)
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
	else
		rc = cmd_attach_dir(*f, dir, d, NULL, NULL, e);
	free(def);
	if (rc == 0 && d->nerrors > 0)
		rc = ERR_INPUT;
	if (rc != 0) {
		form_free(*f);
		*f = NULL;
	}
	return rc;
}

static int
forms_check(int argc, char **argv)
{
	struct diags	 d;
	struct form	*f;
	struct err	 e;
	struct buf	 b;
	const char	*media;
	char		*data;
	size_t		 len;
	int		 i, rc = 0, r, bad;

	media = media_opt(&argc, argv, &bad);
	if (argc < 2 || bad)
		return cmd_usage_error(_("usage: collector forms check "
		    "[--media DIR] FILE..."));
	for (i = 1; i < argc; i++) {
		err_init(&e);
		if ((r = file_read(argv[i], FORM_MAX_BYTES, &data, &len,
		    &e)) != 0) {
			r = cmd_error(r, &e);
			if (rc == 0 || (r == ERR_IO && rc != ERR_IO))
				rc = r;
			continue;
		}
		diags_init(&d);
		buf_init(&b, 16u << 20);
		f = NULL;
		r = load_with_media(argv[i], media, data, len, &f, &d, &e);
		diags_format(&d, argv[i], &b);
		if (b.len > 0)
			fputs(b.p, stdout);
		if (r != 0 && d.nerrors == 0)
			r = cmd_error(r, &e);
		else if (d.nerrors > 0)
			r = ERR_INPUT;
		if (r != 0 && (rc == 0 || (r == ERR_IO && rc != ERR_IO)))
			rc = r;
		form_free(f);
		diags_release(&d);
		buf_release(&b);
		free(data);
	}
	return rc;
}

static int
forms_eval(int argc, char **argv)
{
	struct session_opts	 o;
	struct session		*s = NULL;
	struct form		*f = NULL;
	struct expr		*x = NULL;
	struct eval_env		 env;
	struct diags		 d;
	struct arena		 a;
	struct err		 e;
	struct buf		 b;
	const char		*answers = NULL, *file, *pos_args[2];
	const char		*media = NULL;
	char			*data = NULL, *ans = NULL, *val = NULL;
	size_t			 len, alen, n, pos = 0;
	int			 i, npos = 0, rc;

	/* By hand, not getopt: an expression may start with '-'. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--answers") == 0 && i + 1 < argc)
			answers = argv[++i];
		else if (strncmp(argv[i], "--answers=", 10) == 0)
			answers = argv[i] + 10;
		else if (strcmp(argv[i], "--media") == 0 && i + 1 < argc)
			media = argv[++i];
		else if (strncmp(argv[i], "--media=", 8) == 0)
			media = argv[i] + 8;
		else if (npos < 2)
			pos_args[npos++] = argv[i];
		else
			npos = 3;
	}
	if (npos != 2)
		return cmd_usage_error(_("usage: collector forms eval "
		    "FILE EXPR [--answers JSON-FILE] [--media DIR]"));
	file = pos_args[0];
	err_init(&e);
	diags_init(&d);
	arena_init(&a, 0);	/* EXPR_MAX_LEN bounds it, as in a form */
	buf_init(&b, 1u << 20);
	if ((rc = file_read(file, FORM_MAX_BYTES, &data, &len,
	    &e)) != 0)
		goto fail;
	if ((rc = load_with_media(file, media, data, len, &f, &d,
	    &e)) != 0) {
		diags_format(&d, file, &b);
		if (b.len > 0)
			fputs(b.p, stderr);
		/* Kept when the load failed otherwise (no memory). */
		err_set(&e, ERR_INPUT, _("'%s' has errors"), file);
		goto fail;
	}
	memset(&o, 0, sizeof(o));
	o.instance_id = "uuid:00000000-0000-4000-8000-000000000000";
	o.device_id = "eval";
	o.lang = f->default_lang;
	o.partial = 1;
	if ((rc = session_new(f, &o, &s, &e)) != 0)
		goto fail;
	if (answers != NULL) {
		if (strcmp(answers, "-") == 0)
			rc = file_read("/dev/stdin", ANSWERS_JSON_MAX, &ans,
			    &alen, &e);
		else
			rc = file_read(answers, ANSWERS_JSON_MAX, &ans, &alen,
			    &e);
		if (rc != 0)
			goto fail;
		if ((rc = cmd_fill_answers(s, ans, alen, answers, &d, &n,
		    &e)) != 0)
			goto fail;
		if (n > 0) {
			diags_format(&d, answers, &b);
			if (b.len > 0)
				fputs(b.p, stderr);
			rc = err_set(&e, ERR_INPUT, _("'%s': answers refused"),
			    answers);
			goto fail;
		}
	}
	if ((rc = expr_parse(&a, pos_args[1], &x, &pos, &e)) != 0) {
		err_prefix(&e, _("expression at character %zu"), pos);
		goto fail;
	}
	if ((rc = expr_bind(x, f, f->root, &e)) != 0)
		goto fail;
	memset(&env, 0, sizeof(env));
	env.form = f;
	env.root = session_root(s);
	env.here = env.root;
	env.now = clock_now();
	env.lang = f->default_lang;
	if ((rc = expr_eval_text(x, &env, &val, &e)) != 0)
		goto fail;
	printf("%s\n", val != NULL ? val : "");
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	free(val);
	free(ans);
	free(data);
	session_free(s);
	form_free(f);
	arena_release(&a);
	diags_release(&d);
	buf_release(&b);
	return rc;
}

int
cmd_forms(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text(), argc < 2 ? stderr : stdout);
		return argc < 2 ? ERR_USAGE : 0;
	}
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	if (strcmp(argv[1], "add") == 0)
		return forms_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return forms_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return forms_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "eval") == 0)
		return forms_eval(argc - 1, argv + 1);
	return cmd_usage_error(_("'forms %s' is not a command: add, list, "
	    "check or eval"), argv[1]);
}
