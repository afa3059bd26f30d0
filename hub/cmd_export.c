/*
 * cmd_export.c: `hub export --form ID --format json --out PATH`: the
 * current revision of every submission of a form, each exactly as the
 * device sent it (numbers keep their text), as one JSON array with a
 * submission per line: valid JSON for a program, and still one line per
 * submission for grep. Streamed from the store row by row, whatever the
 * count; written under a temporary name and renamed, so PATH is either
 * the whole export or untouched. PATH "-" is the standard output.
 *
 * csv (ODK Central's layout) and xlsx come with the next version.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub export --form ID --format json --out PATH\n"
	    "\n"
	    "Writes the current revision of every submission of the form\n"
	    "(a corrected one once, as corrected), each as the device sent\n"
	    "it, as a JSON array with one submission per line. PATH '-' is\n"
	    "the standard output. The csv and xlsx formats come with the\n"
	    "next version.\n");
}

struct sink {
	FILE		*fp;
	uint64_t	 n;
};

static int
put_line(const char *line, size_t len, void *arg)
{
	struct sink	*k = arg;

	if (fputs(k->n == 0 ? "[\n" : ",\n", k->fp) == EOF ||
	    fwrite(line, 1, len, k->fp) != len)
		return ERR_IO;
	k->n++;
	return 0;
}

/* Whether form_id is published in some version. */
struct find {
	const char	*id;
	int		 found;
};

static int
is_form(const struct hub_form *f, void *arg)
{
	struct find	*fd = arg;

	if (strcmp(f->form_id, fd->id) == 0)
		fd->found = 1;
	return 0;
}

int
hub_cmd_export(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "form", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub_store	*st;
	struct sink		 k;
	struct find		 fd;
	struct err		 e;
	const char		*form = NULL, *format = NULL, *out = NULL;
	char			 tmp[4096];
	int			 ch, rc, to_stdout, fdo;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			form = optarg;
			break;
		case 't':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case ':':
			return hub_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return hub_usage_error(_("unknown option '%s' for "
			    "'export'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hub_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	if (form == NULL || format == NULL || out == NULL)
		return hub_usage_error(_("usage: hub export --form ID "
		    "--format json --out PATH"));
	if (strcmp(format, "csv") == 0 || strcmp(format, "xlsx") == 0)
		return hub_usage_error(_("--format %s comes with the next "
		    "version: use --format json"), format);
	if (strcmp(format, "json") != 0)
		return hub_usage_error(_("--format '%s' is not a format: "
		    "json (csv and xlsx come with the next version)"), format);
	to_stdout = strcmp(out, "-") == 0;
	if (!to_stdout && (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld",
	    out, (long)getpid()) >= sizeof(tmp))
		return hub_usage_error(_("'%s': path too long"), out);
	st = c->st;
	err_init(&e);
	fd.id = form;
	fd.found = 0;
	if ((rc = hub_store_each_form(st, is_form, &fd, &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	if (!fd.found) {
		err_set(&e, ERR_INPUT, _("no form '%s' on this hub (see 'hub "
		    "forms list')"), form);
		rc = hub_error(&e);
		goto out;
	}
	memset(&k, 0, sizeof(k));
	/* What devices sent is personal data: the owner's only. */
	if (to_stdout)
		k.fp = stdout;
	else if ((fdo = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0 && (k.fp = fdopen(fdo, "w")) == NULL)
		close(fdo);
	if (k.fp == NULL) {
		err_set(&e, ERR_IO, _("cannot create '%s': %s"), tmp,
		    strerror(errno));
		rc = hub_error(&e);
		goto out;
	}
	rc = hub_store_each_current(st, form, put_line, &k, &e);
	if (rc == 0 && fputs(k.n == 0 ? "[]\n" : "\n]\n", k.fp) == EOF)
		rc = ERR_IO;
	if (!to_stdout) {
		if (fflush(k.fp) != 0 || fsync(fileno(k.fp)) != 0)
			rc = rc != 0 ? rc : ERR_IO;
		if (fclose(k.fp) != 0 && rc == 0)
			rc = ERR_IO;
		if (rc == 0 && rename(tmp, out) != 0)
			rc = ERR_IO;
		if (rc != 0)
			unlink(tmp);
	}
	if (rc != 0) {
		if (e.code == 0)
			err_set(&e, ERR_IO, _("cannot write '%s': %s"),
			    to_stdout ? _("the output") : out,
			    strerror(errno));
		rc = hub_error(&e);
		goto out;
	}
	if (!to_stdout)
		printf(_("%llu submissions of '%s' written to '%s'\n"),
		    (unsigned long long)k.n, form, out);
out:
	return rc;
}
