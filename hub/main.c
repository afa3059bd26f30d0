/*
 * main.c: hub's entry point. Takes the global --home option from
 * anywhere before "--", sets up the language, and hands the rest of the
 * command line to one hub_cmd_<name>() (git's builtin table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

/* What a command needs done before it runs. */
#define NEEDS_STORE	0x1	/* the store, opened into c->st */
#define READS_STORE	0x2	/* ... without the check of every page:
				 * the command only reads the submissions
				 * (hub_store_open_read) */

struct command {
	const char	*name;
	int		(*fn)(struct hub_ctx *, int, char **);
	unsigned	 needs;
	const char	*summary;	/* N_(): its line in `hub --help' */
};

static const struct command commands[] = {
	{ "init",	hub_cmd_init,	0,
	    N_("create the store and publish the bundled surveys") },
	{ "device",	hub_cmd_device,	NEEDS_STORE,
	    N_("enrol a device (its token), list them, revoke one") },
	{ "forms",	hub_cmd_forms,	NEEDS_STORE,
	    N_("check and publish a form for the devices; list them") },
	{ "serve",	hub_cmd_serve,	0,
	    N_("the HTTP API the devices sync with") },
	{ "import",	hub_cmd_import,	NEEDS_STORE,
	    N_("merge batch files carried by hand") },
	{ "status",	hub_cmd_status,	NEEDS_STORE | READS_STORE,
	    N_("submissions by form and district, devices, conflicts") },
	{ "export",	hub_cmd_export,	NEEDS_STORE | READS_STORE,
	    N_("the current submissions of a form: csv, xlsx or json") },
	{ "report",	hub_cmd_report,	NEEDS_STORE | READS_STORE,
	    N_("indicators by district against the plan, data quality") },
	{ "user",	hub_cmd_user,	NEEDS_STORE,
	    N_("the coordinators' accounts of the dashboard") },
	{ "migrate",	hub_cmd_migrate, 0,
	    N_("copy a SQLite hub into PostgreSQL, verified") },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t	i;

	fputs(_("usage: hub [--home DIR | --db URL] COMMAND [ARGS]\n"
	    "\n"
	    "The provincial office's program: receives the devices' surveys.\n"
	    "Commands:\n"), fp);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
		    _(commands[i].summary));
	fputs(_("\n"
	    "The store is the PostgreSQL database --db URL (or $HUB_DB,\n"
	    "postgresql://...) if one is named, else the SQLite file in\n"
	    "--home DIR, else $HUB_HOME, else $XDG_DATA_HOME/hub, else\n"
	    "~/.local/share/hub.\n"
	    "'hub COMMAND --help' tells more about each command.\n"), fp);
}

/* The command's row, after its --help and the store it needs. */
static int
run(struct hub_ctx *c, const struct command *cmd, int argc, char **argv)
{
	int	rc;

	if ((cmd->needs & NEEDS_STORE) && !hub_help_asked(argc, argv) &&
	    (rc = hub_open_store(c, (cmd->needs & READS_STORE) != 0,
	    &c->st)) != 0)
		return rc;
	rc = cmd->fn(c, argc, argv);
	hub_store_close(c->st);
	c->st = NULL;
	return rc;
}

int
main(int argc, char **argv)
{
	struct hub_ctx	 c;
	const char	*db;
	char		**rest;
	size_t		 i;
	int		 n = 0, k, rc;

	i18n_init();
	memset(&c, 0, sizeof(c));
	if ((rest = calloc((size_t)argc + 1, sizeof(*rest))) == NULL) {
		fprintf(stderr, "hub: out of memory\n");
		return ERR_IO;
	}
	db = getenv("HUB_DB");
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0) {
			while (k < argc)
				rest[n++] = argv[k++];
			break;
		}
		if (strcmp(argv[k], "--home") == 0 ||
		    strcmp(argv[k], "--db") == 0) {
			if (k + 1 >= argc) {
				free(rest);
				return hub_usage_error(_("option '%s' needs "
				    "a value"), argv[k]);
			}
			if (argv[k][2] == 'h')
				c.home = argv[++k];
			else
				db = argv[++k];
		} else if (strncmp(argv[k], "--home=", 7) == 0)
			c.home = argv[k] + 7;
		else if (strncmp(argv[k], "--db=", 5) == 0)
			db = argv[k] + 5;
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
		printf("hub %s\n", VERSION);
		rc = 0;
	} else if (db != NULL && *db != '\0') {
		/* The database is the store: never a SQLite file in its
		 * place, whatever --home says. */
		if (!hub_store_is_url(db))
			rc = hub_usage_error(_("--db '%s': not a PostgreSQL "
			    "URL (postgresql://...)"), db);
		c.home = db;
	}
	for (i = 0; rc < 0 && i < NCOMMANDS; i++)
		if (strcmp(rest[0], commands[i].name) == 0)
			rc = run(&c, &commands[i], n, rest);
	if (rc < 0)
		rc = hub_usage_error(_("'%s' is not a command: see "
		    "'hub --help'"), rest[0]);
	free(rest);
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "hub: %s\n", _("cannot write the output"));
		if (rc == 0)
			rc = ERR_IO;
	}
	return rc;
}
