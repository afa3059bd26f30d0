/*
 * cmdutil.c: what every cmd_<name>.c shares: printing an error the way
 * CONTRACT.md says (one line, "collector: " first, exit code from the
 * error), opening the store with the hint a promoter needs, the standard
 * --help and --version, and installing a form after checking it.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* What a bearer token may hold: visible ASCII, so that it cannot break
 * out of the HTTP header it travels in. */
int
cmd_token_valid(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > STORE_TOKEN_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

/* read(2), not stdio: no copy of the token is left in a FILE buffer. */
int
cmd_token_read(char *tok, size_t size)
{
	size_t	n = 0, i;
	ssize_t	k;
	char	c;

	while (n + 1 < size) {
		k = read(STDIN_FILENO, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || c == '\n')
			break;
		tok[n++] = c;
	}
	tok[n] = '\0';
	if (n + 1 == size)
		return ERR_USAGE;	/* longer than any token */
	while (n > 0 && isspace((unsigned char)tok[n - 1]))
		tok[--n] = '\0';
	for (i = 0; i < n && isspace((unsigned char)tok[i]); i++)
		;
	memmove(tok, tok + i, n - i + 1);
	return 0;
}

int
cmd_token_get(int from_stdin, char *tok, size_t size)
{
	if (from_stdin && cmd_token_read(tok, size) != 0)
		return cmd_usage_error(_("the token on standard input is "
		    "longer than %d characters"), STORE_TOKEN_MAX);
	if (!cmd_token_valid(tok))
		return cmd_usage_error(tok[0] == '\0' ? _("the token is "
		    "empty") : _("the token is not valid: it has blanks or "
		    "characters other than letters, digits and signs"));
	return 0;
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
cmd_open_store(struct cmd_ctx *c, int read, struct store **out)
{
	struct err	 e;
	char		*home, *prog;
	int		 rc;

	*out = NULL;
	err_init(&e);
	if ((home = store_home(c->home)) == NULL) {
		fprintf(stderr, "collector: out of memory\n");
		return ERR_IO;
	}
	if (!store_exists(home)) {
		/* The command as typed, --home included: without it a
		 * promoter would make a second store, empty. */
		prog = cmd_invocation(c);
		fprintf(stderr, _("collector: no store in '%s': run '%s init "
		    "--device ID'\n"), home, prog != NULL ? prog : "collector");
		free(prog);
		rc = ERR_IO;
	} else if ((rc = (read ? store_open_read : store_open)(home, out,
	    &e)) != 0)
		rc = cmd_error(rc, &e);
	free(home);
	return rc;
}

int
cmd_help_asked(int argc, char **argv)
{
	return opts_help_asked(argc, argv);
}

int
cmd_std_opts(int argc, char **argv, const char *usage)
{
	return opts_std(argc, argv, usage, "collector");
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

/* cmd_install_*: the attachments from media_dir, or from files when
 * it is not NULL. */
static int
install(struct store *st, const char *file, const void *data, size_t len,
    const char *media_dir, const struct bundled_file *files,
    enum store_put *how, struct form **parsed, struct err *e)
{
	struct store_form	 sf;
	struct diags		 d;
	struct form		*f = NULL;
	struct buf		 b;
	char			*name = NULL;
	int			 rc;

	if (parsed != NULL)
		*parsed = NULL;
	memset(&sf, 0, sizeof(sf));
	diags_init(&d);
	buf_init(&b, 1u << 20);
	rc = form_load(file, data, len, &f, &d, e);
	if (rc == 0 && files != NULL && (rc = cmd_attach_files(f, files,
	    &d, &sf.media, &sf.nmedia, e)) != 0)
		goto out;
	if (rc == 0 && media_dir != NULL && (rc = cmd_attach_dir(f,
	    media_dir, &d, &sf.media, &sf.nmedia, e)) != 0)
		goto out;
	if (rc == 0 && d.nerrors > 0)
		rc = ERR_INPUT;
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
	cmd_media_free(sf.media, sf.nmedia);
	free(name);
	form_free(f);
	diags_release(&d);
	buf_release(&b);
	return rc;
}

int
cmd_install_form(struct store *st, const char *file, const void *data,
    size_t len, const char *media_dir, enum store_put *how,
    struct form **parsed, struct err *e)
{
	return install(st, file, data, len, media_dir, NULL, how, parsed, e);
}

int
cmd_install_bundled(struct store *st, const struct bundled_form *b,
    enum store_put *how, struct err *e)
{
	return install(st, b->name, b->data, b->len, NULL, b->media, how,
	    NULL, e);
}

int
cmd_install_fetched(struct store *st, const char *file, const void *data,
    size_t len, const struct bundled_file *media, enum store_put *how,
    struct err *e)
{
	return install(st, file, data, len, NULL, media, how, NULL, e);
}

/* word, quoted for a POSIX shell when it holds anything but the
 * characters a path or option is usually made of. */
static void
add_word(struct buf *b, const char *w)
{
	const char	*q;

	if (*w != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+:,=@%") == strlen(w)) {
		buf_addstr(b, w);
		return;
	}
	buf_addc(b, '\'');
	for (q = w; *q != '\0'; q++) {
		if (*q == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addc(b, *q);
	}
	buf_addc(b, '\'');
}

char *
cmd_invocation(const struct cmd_ctx *c)
{
	struct buf	 b;
	const char	*home;
	char		*s;

	buf_init(&b, 8192);
	add_word(&b, c->prog != NULL ? c->prog : "collector");
	/* $COLLECTOR_HOME too: the person's own shell may not have it (make
	 * run sets it for the demo alone). */
	if ((home = c->home) == NULL && (home = getenv("COLLECTOR_HOME")) !=
	    NULL && *home == '\0')
		home = NULL;
	if (home != NULL) {
		buf_addstr(&b, " --home ");
		add_word(&b, home);
	}
	s = buf_detach(&b);
	buf_release(&b);
	return s;
}
