/*
 * main.c: collector's entry point. Takes the global --home option from
 * anywhere before "--", sets up the language, and runs one command of the
 * table below (git's builtin table). A row says what the command needs
 * (the store, opened here and handed over in the context, closed after)
 * and gives its line of `collector --help': a new command is one row.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

/* What a command needs done before it runs. */
#define NEEDS_STORE	0x1	/* the store, opened into c->st */
#define READS_ONLY	0x2	/* with NEEDS_STORE: it only reads, so a
				 * store where nothing may be written
				 * will do (a read-only mount) */

struct command {
	const char	*name;
	int		(*fn)(struct cmd_ctx *, int, char **);
	unsigned	 needs;
	const char	*summary;	/* N_(): its line in `collector --help' */
};

static const struct command commands[] = {
	{ "init",	cmd_init,	0,
	    N_("create the store and install the bundled surveys") },
	{ "forms",	cmd_forms,	0,
	    N_("add, list and check forms; try an expression") },
	{ "fill",	cmd_fill,	NEEDS_STORE,
	    N_("fill a survey, at the terminal or from a JSON file") },
	{ "list",	cmd_list,	NEEDS_STORE | READS_ONLY,
	    N_("the surveys in the store") },
	{ "show",	cmd_show,	NEEDS_STORE | READS_ONLY,
	    N_("one survey with its computed values") },
	{ "edit",	cmd_edit,	NEEDS_STORE,
	    N_("go on with a draft, or correct a finalized survey") },
	{ "discard",	cmd_discard,	NEEDS_STORE,
	    N_("delete a draft") },
	{ "export",	cmd_export,	NEEDS_STORE | READS_ONLY,
	    N_("write the surveys not yet sent to a file (USB stick)") },
	{ "sync",	cmd_sync,	NEEDS_STORE,
	    N_("send the surveys to the hub, get its new forms") },
	{ "status",	cmd_status,	NEEDS_STORE | READS_ONLY,
	    N_("counts by state, the hub, the last sync") },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t	i;

	fputs(_("usage: collector [--home DIR] COMMAND [ARGS]\n"
	    "\n"
	    "The health promoter's survey program. Commands:\n"), fp);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-9s %s\n", commands[i].name,
		    _(commands[i].summary));
	fputs(_("\n"
	    "The store is in --home DIR, else $COLLECTOR_HOME, else\n"
	    "$XDG_DATA_HOME/collector, else ~/.local/share/collector.\n"
	    "'collector COMMAND --help' tells more about each command.\n"),
	    fp);
}

/* The command's row, after its --help and the store it needs. */
static int
run(struct cmd_ctx *c, const struct command *cmd, int argc, char **argv)
{
	int	rc;

	if ((cmd->needs & NEEDS_STORE) && !cmd_help_asked(argc, argv) &&
	    (rc = cmd_open_store(c, (cmd->needs & READS_ONLY) != 0,
	    &c->st)) != 0)
		return rc;
	rc = cmd->fn(c, argc, argv);
	store_close(c->st);
	c->st = NULL;
	return rc;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx	 c;
	char		**rest;
	size_t		 i;
	int		 n = 0, k, rc;

	i18n_init();
	/* A file-size limit (ulimit -f) is then a write that fails with
	 * EFBIG, told and rolled back as a full disk, not a silent death. */
	signal(SIGXFSZ, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.prog = argv[0] != NULL ? argv[0] : "collector";
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
	}
	for (i = 0; rc < 0 && i < NCOMMANDS; i++)
		if (strcmp(rest[0], commands[i].name) == 0)
			rc = run(&c, &commands[i], n, rest);
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
