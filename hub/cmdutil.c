/*
 * cmdutil.c: what every hub cmd_<name>.c shares: printing an error the
 * way CONTRACT.md says (one line, "hub: " first, exit code from the
 * error), opening the store with the hint a coordinator needs, the
 * standard --help and --version, and publishing a form after checking it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hub.h"

int
hub_error(const struct err *e)
{
	fprintf(stderr, "hub: %s\n", e->msg[0] != '\0' ? e->msg :
	    _("unknown error"));
	return err_exit_code(e);
}

int
hub_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("hub: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ERR_USAGE;
}

int
hub_std_opts(int argc, char **argv, const char *usage)
{
	return opts_std(argc, argv, usage, "hub");
}

int
hub_help_asked(int argc, char **argv)
{
	return opts_help_asked(argc, argv);
}

int
hub_open_store(struct hub_ctx *c, int read, struct hub_store **out)
{
	struct err	 e;
	char		*home;
	int		 rc;

	*out = NULL;
	err_init(&e);
	if ((home = hub_store_home(c->home)) == NULL) {
		fprintf(stderr, "hub: %s\n", _("out of memory"));
		return ERR_IO;
	}
	if (!hub_store_exists(home)) {
		fprintf(stderr, _("hub: no store in '%s': run 'hub init'\n"),
		    home);
		rc = ERR_IO;
	} else if ((rc = (read ? hub_store_open_read : hub_store_open)(home,
	    out, &e)) != 0)
		rc = hub_error(&e);
	free(home);
	return rc;
}

json_t *
hub_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

void
hub_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_COMPACT);
	putchar('\n');
}

/* The engine's problems with a form, each line an error line of the
 * program's: "hub: FILE:SHEET:ROW[:COLUMN]: error: ...". */
static void
print_diags(const struct diags *d, const char *file, struct buf *b)
{
	const char	*p;
	size_t		 n;

	diags_format(d, file, b);
	for (p = b->len > 0 ? b->p : ""; *p != '\0'; p += n + (p[n] != 0)) {
		n = strcspn(p, "\n");
		fprintf(stderr, "hub: %.*s\n", (int)n, p);
	}
}

/* Where publish reads the attachments, and what it keeps of them. */
struct source {
	struct media_source	 from;	/* first: media_source_read's arg */
	struct hub_media	*v;
	size_t			 n;
};

static int
keep_media(void *arg, const char *name, char *data, size_t len,
    struct err *e)
{
	struct source		*src = arg;
	struct hub_media	*m = &src->v[src->n];

	memset(m, 0, sizeof(*m));
	m->content = data;
	m->len = len;
	if ((m->name = strdup(name)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	src->n++;
	return 0;
}

int
hub_publish_form(struct hub_store *st, const char *file, const void *data,
    size_t len, const char *media_dir, const struct bundled_file *media,
    enum hub_put *how, struct form **parsed, struct err *e)
{
	struct hub_form	 hf;
	struct source	 src;
	struct diags	 d;
	struct form	*f = NULL;
	struct buf	 b;
	char		*name = NULL, at[40];
	size_t		 i;
	int		 rc;

	if (parsed != NULL)
		*parsed = NULL;
	memset(&src, 0, sizeof(src));
	src.from.files = media;
	src.from.dirfd = -1;
	src.from.dir = media_dir != NULL ? media_dir : "";
	diags_init(&d);
	buf_init(&b, 1u << 20);
	rc = form_load(file, data, len, &f, &d, e);
	if (rc == 0 && f->nmedia > 0) {
		if (media == NULL && media_dir != NULL)
			src.from.dirfd = open(media_dir, O_RDONLY |
			    O_DIRECTORY);
		if ((src.v = calloc(f->nmedia, sizeof(*src.v))) == NULL)
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
		else
			rc = form_attach_all(f, src.from.dir,
			    media_source_read, keep_media, &src, &d, e);
		if (src.from.dirfd >= 0)
			close(src.from.dirfd);
		if (rc != 0)
			goto out;
	}
	if (rc == 0 && d.nerrors > 0)
		rc = ERR_INPUT;
	print_diags(&d, file, &b);
	if (rc != 0) {
		if (e == NULL || e->code == 0 || d.nerrors > 0)
			rc = err_set(e, ERR_INPUT, _("'%s' has errors: not "
			    "published"), file);
		goto out;
	}
	if ((name = strdup(file)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	datetime_format_local(clock_now(), at);
	memset(&hf, 0, sizeof(hf));
	hf.form_id = f->id;
	hf.version = f->version != NULL ? f->version : (char *)"";
	hf.title = f->title != NULL ? f->title : f->id;
	hf.file = basename(name);
	hf.published_at = at;
	hf.content = (void *)data;
	hf.len = len;
	hf.media = src.v;
	hf.nmedia = src.n;
	rc = hub_store_put_form(st, &hf, how, e);
	if (rc == ERR_INPUT)
		err_prefix(e, "%s", file);	/* what the person typed */
	if (rc == 0 && parsed != NULL) {
		*parsed = f;
		f = NULL;
	}
out:
	for (i = 0; i < src.n; i++)
		hub_media_release(&src.v[i]);
	free(src.v);
	free(name);
	form_free(f);
	diags_release(&d);
	buf_release(&b);
	return rc;
}
