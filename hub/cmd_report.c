/*
 * cmd_report.c: `hub report [--format text|json|html] [--from DATE]
 * [--to DATE] [--out FILE]`: the indicators by district, against the
 * plan's baselines, and the data's quality (report.c computes, report.h
 * says how).
 *
 * --out writes under a temporary name and renames: FILE is the whole
 * report or untouched. The report brings its tables up to date first,
 * which takes the store's write lock for a moment when submissions have
 * arrived since the last report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hub.h"

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_HTML
};

static const char *
usage_text(void)
{
	return _("usage: hub report [--format text|json|html] [--from DATE] "
	    "[--to DATE] [--out FILE]\n"
	    "\n"
	    "The indicators by district and for the province: anaemia by\n"
	    "group, with confidence intervals (95 %); households on each rung\n"
	    "of the water, sanitation and hygiene ladders; the household\n"
	    "improvements in use; the plan's baselines beside the measured\n"
	    "figures; and the data's quality (devices, promoters, silent\n"
	    "devices, conflicts, refused surveys, households surveyed twice,\n"
	    "missing answers). Only the current revision of each survey\n"
	    "counts. --from and --to (YYYY-MM-DD, inclusive) keep the\n"
	    "surveys whose visit date is in the period. --format json is\n"
	    "described field by field in the coordinator's guide; html is a\n"
	    "page that needs nothing else. --out writes to FILE instead of\n"
	    "the standard output.\n");
}

static int
parse_date(const char *opt, const char *v, const char **out)
{
	int64_t	days;

	if (date_parse(v, &days) != 0)
		return hub_usage_error(_("%s '%s': a date is written "
		    "YYYY-MM-DD"), opt, v);
	*out = v;
	return 0;
}

static int
write_report(const json_t *r, enum format fmt, FILE *fp)
{
	switch (fmt) {
	case FORMAT_JSON:
		if (json_dumpf(r, fp, JSON_INDENT(1) | JSON_REAL_PRECISION(15))
		    != 0 || fputc('\n', fp) == EOF)
			return ERR_IO;
		return 0;
	case FORMAT_HTML:
		return report_write_html(r, fp);
	default:
		return report_write_text(r, fp);
	}
}

/* The report into path through a temporary file, or to stdout. */
static int
output(const json_t *r, enum format fmt, const char *path, struct err *e)
{
	char	 tmp[4096];
	FILE	*fp = NULL;
	int	 fd, rc;

	if (path == NULL) {
		if ((rc = write_report(r, fmt, stdout)) != 0)
			return err_set(e, rc, _("cannot write the output"));
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return err_set(e, ERR_USAGE, _("'%s': path too long"), path);
	/* The report names devices and promoters: the owner's only. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0 && (fp = fdopen(fd, "w")) == NULL)
		close(fd);
	if (fp == NULL)
		return err_set(e, ERR_IO, _("cannot create '%s': %s"), tmp,
		    strerror(errno));
	rc = write_report(r, fmt, fp);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		rc = ERR_IO;
	if (fclose(fp) != 0)
		rc = ERR_IO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = ERR_IO;
	if (rc != 0) {
		unlink(tmp);
		return err_set(e, ERR_IO, _("cannot write '%s': %s"), path,
		    strerror(errno));
	}
	return 0;
}

int
hub_cmd_report(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_config	 cfg;
	struct report_opts	 o;
	struct err		 e;
	enum format		 fmt = FORMAT_TEXT;
	const char		*out = NULL;
	json_t			*r = NULL;
	int			 ch, rc, loaded = 0;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				fmt = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = FORMAT_JSON;
			else if (strcmp(optarg, "html") == 0)
				fmt = FORMAT_HTML;
			else
				return hub_usage_error(_("--format '%s' is not "
				    "a format: text, json or html"), optarg);
			break;
		case 'a':
			if ((rc = parse_date("--from", optarg, &o.from)) != 0)
				return rc;
			break;
		case 'b':
			if ((rc = parse_date("--to", optarg, &o.to)) != 0)
				return rc;
			break;
		case 'o':
			out = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case ':':
			return hub_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return hub_usage_error(_("unknown option '%s' for "
			    "'report'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hub_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	if (o.from != NULL && o.to != NULL && strcmp(o.from, o.to) > 0)
		return hub_usage_error(_("--from %s is after --to %s"), o.from,
		    o.to);
	o.now = clock_now();
	err_init(&e);
	if ((rc = report_config_load(&cfg, NULL, &e)) != 0)
		goto out;
	loaded = 1;
	if ((rc = report_build(c->st, &cfg, &o, &r, &e)) != 0)
		goto out;
	rc = output(r, fmt, out, &e);
out:
	json_decref(r);
	if (loaded)
		report_config_release(&cfg);
	if (rc != 0)
		return hub_error(&e);
	return 0;
}
