/*
 * cmd_export.c: `hub export --form ID --format csv|xlsx|json --out PATH`:
 * the current revision of every submission of a form (export.c makes
 * the file). PATH is written whole or left untouched; "-" is the
 * standard output.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub export --form ID --format csv|xlsx|json "
	    "--out PATH\n"
	    "\n"
	    "Writes the current revision of every submission of the form (a\n"
	    "corrected one once, as corrected), with a column for every\n"
	    "question of every published version:\n"
	    "  csv   a zip in ODK Central's layout: FORM.csv, and\n"
	    "        FORM-REPEAT.csv for each repeat (PARENT_KEY, KEY);\n"
	    "        select_multiple also as 0/1 columns QUESTION/CHOICE\n"
	    "  xlsx  the same tables as sheets, labels in a second row\n"
	    "  json  each submission as the device sent it, one per line\n"
	    "        of a JSON array\n"
	    "PATH '-' is the standard output.\n");
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
	struct export_counts	 n;
	struct err		 e;
	enum export_format	 fmt;
	const char		*form = NULL, *format = NULL, *out = NULL;
	int			 ch, rc;

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
		    "--format csv|xlsx|json --out PATH"));
	if (export_format_parse(format, &fmt) != 0)
		return hub_usage_error(_("--format '%s' is not a format: csv, "
		    "xlsx or json"), format);
	err_init(&e);
	if (strcmp(out, "-") == 0)
		rc = export_to_stream(c->st, form, fmt, stdout, &n, &e);
	else
		rc = export_to_file(c->st, form, fmt, out, &n, &e);
	if (rc != 0)
		return hub_error(&e);
	if (n.truncated > 0)
		fprintf(stderr, _("hub: %llu cells longer than Excel's 32,767 "
		    "characters were cut (the csv and json exports have them "
		    "whole)\n"), (unsigned long long)n.truncated);
	if (strcmp(out, "-") == 0)
		return 0;
	if (fmt == EXPORT_JSON || n.tables <= 1)
		printf(_("%llu submissions of '%s' written to '%s'\n"),
		    (unsigned long long)n.submissions, form, out);
	else
		printf(_("%llu submissions of '%s' and %llu rows of its "
		    "repeats written to '%s'\n"),
		    (unsigned long long)n.submissions, form,
		    (unsigned long long)n.rows, out);
	return 0;
}
