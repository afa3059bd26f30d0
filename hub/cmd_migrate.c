/*
 * cmd_migrate.c: `hub migrate --to postgresql://...`: moves a hub from
 * its SQLite file up to a PostgreSQL database. The database gets the
 * whole schema and every row in one transaction, then every table is
 * read back and its row count and content hash compared with what was
 * read from the file (hub_store_copy); only then is it committed. The
 * file is opened read-only and never changed: the office keeps it as it
 * was until it chooses to stop using it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub [--home DIR] migrate --to postgresql://...\n"
	    "\n"
	    "Copies the hub's SQLite store (in --home DIR, else $HUB_HOME,\n"
	    "...) into an empty PostgreSQL database: devices and their\n"
	    "tokens, published forms, batches, submissions, conflicts,\n"
	    "refused lines and the dashboard's coordinators. Each table is\n"
	    "read back and its rows counted and hashed before anything is\n"
	    "committed. The SQLite store is not changed. Coordinators log\n"
	    "in again; the report's tables are derived again at the first\n"
	    "report.\n");
}

int
hub_cmd_migrate(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub_copied	 done[HUB_COPY_TABLES];
	struct hub_store	*from = NULL, *to = NULL;
	struct err		 e;
	const char		*url = NULL;
	size_t			 i;
	int			 ch, rc;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			url = optarg;
			break;
		case ':':
			return hub_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return hub_usage_error(_("unknown option '%s' for "
			    "'migrate'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hub_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	if (url == NULL)
		return hub_usage_error(_("usage: hub migrate --to "
		    "postgresql://..."));
	if (!hub_store_is_url(url))
		return hub_usage_error(_("--to '%s': not a PostgreSQL URL "
		    "(postgresql://...)"), url);
	if (c->home != NULL && hub_store_is_url(c->home))
		return hub_usage_error(_("migrate copies a SQLite store: "
		    "name it with --home, and the database with --to"));
	if ((rc = hub_open_store(c, 1, &from)) != 0)
		return rc;
	err_init(&e);
	if ((rc = hub_store_create(url, &to, &e)) != 0 ||
	    (rc = hub_store_copy(from, to, done, &e)) != 0)
		goto fail;
	rc = hub_store_publish(to, &e);
	to = NULL;
	if (rc != 0)
		goto fail;
	for (i = 0; i < HUB_COPY_TABLES; i++)
		printf(_("%-12s %10lld rows copied, count and content "
		    "verified\n"), done[i].table, (long long)done[i].rows);
	printf(_("the hub is now in the PostgreSQL database too; the SQLite "
	    "store is unchanged: run the hub with --db or $HUB_DB\n"));
	hub_store_close(from);
	return 0;
fail:
	rc = hub_error(&e);
	hub_store_close(to);
	hub_store_close(from);
	return rc;
}
