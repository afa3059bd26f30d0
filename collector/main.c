/*
 * main.c: collector's entry point. Takes the global --home option from
 * anywhere before "--", sets up the language, and hands the rest of the
 * command line to one cmd_<name>() (git's builtin table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char	*name;
	int		(*fn)(struct cmd_ctx *, int, char **);
};

static const struct command commands[] = {
	{ "init",	cmd_init },
	{ "forms",	cmd_forms },
	{ "fill",	cmd_fill },
	{ "list",	cmd_list },
	{ "show",	cmd_show },
	{ "edit",	cmd_edit },
	{ "discard",	cmd_discard },
	{ "status",	cmd_status },
};

static void
usage(FILE *fp)
{
	fprintf(fp, _("usage: collector [--home DIR] COMMAND [ARGS]\n"
	    "\n"
	    "The health promoter's survey program. Commands:\n"
	    "  init --device ID [--promoter NAME] [--hub URL] [--token TOKEN]\n"
	    "                       create the store and install the bundled "
	    "surveys\n"
	    "  forms add FILE       check and install a form (.xlsx or .csv)\n"
	    "  forms list [--json]  the installed forms\n"
	    "  forms check FILE...  check forms and print their problems\n"
	    "  forms eval FILE EXPR [--answers FILE]\n"
	    "                       print the value of an expression\n"
	    "  fill FORM_ID [--lang CODE]\n"
	    "                       fill a survey, one question at a time\n"
	    "  fill FORM_ID --answers FILE|- [--draft]\n"
	    "                       fill a survey from a JSON file\n"
	    "  list [--state draft|finalized|sent] [--form ID] [--json]\n"
	    "  show ID [--json|--xml]\n"
	    "  edit ID              resume a draft, or correct a finalized "
	    "survey\n"
	    "  discard ID           delete a draft\n"
	    "  status [--json]      counts by state\n"
	    "\n"
	    "export and sync are not available yet.\n"
	    "The store is in --home DIR, else $COLLECTOR_HOME, else\n"
	    "$XDG_DATA_HOME/collector, else ~/.local/share/collector.\n"
	    "'collector COMMAND --help' tells more about each command.\n"));
}

int
main(int argc, char **argv)
{
	struct cmd_ctx	 c;
	char		**rest;
	size_t		 i;
	int		 n = 0, k, rc;

	i18n_init();
	memset(&c, 0, sizeof(c));
	c.prog = "collector";
	if ((rest = calloc((size_t)argc + 1, sizeof(*rest))) == NULL) {
		fprintf(stderr, "collector: out of memory\n");
		return ERR_IO;
	}
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0) {
			while (k < argc)
				rest[n++] = argv[k++];
			break;
		}
		if (strcmp(argv[k], "--home") == 0) {
			if (k + 1 >= argc) {
				free(rest);
				return cmd_usage_error(_("option '--home' "
				    "needs a directory"));
			}
			c.home = argv[++k];
		} else if (strncmp(argv[k], "--home=", 7) == 0)
			c.home = argv[k] + 7;
		else
			rest[n++] = argv[k];
	}
	rest[n] = NULL;
	rc = -1;
	if (n == 0) {
		usage(stderr);
		rc = ERR_USAGE;
	} else if (strcmp(rest[0], "--help") == 0 ||
	    strcmp(rest[0], "-h") == 0 || strcmp(rest[0], "help") == 0) {
		usage(stdout);
		rc = 0;
	} else if (strcmp(rest[0], "--version") == 0) {
		printf("collector %s\n", VERSION);
		rc = 0;
	} else if (strcmp(rest[0], "export") == 0 ||
	    strcmp(rest[0], "sync") == 0)
		rc = cmd_usage_error(_("'%s' is not available yet"), rest[0]);
	for (i = 0; rc < 0 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(rest[0], commands[i].name) == 0)
			rc = commands[i].fn(&c, n, rest);
	if (rc < 0)
		rc = cmd_usage_error(_("'%s' is not a command: see "
		    "'collector --help'"), rest[0]);
	free(rest);
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "collector: %s\n",
		    _("cannot write the output"));
		if (rc == 0)
			rc = ERR_IO;
	}
	return rc;
}
