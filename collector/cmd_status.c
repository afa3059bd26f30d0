/*
 * cmd_status.c: `collector status`: what the device holds and what waits
 * for the hub.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static const char *
usage_text(void)
{
	return _("usage: collector status [--json]\n"
	    "\n"
	    "Counts of surveys by state, the hub, the last successful sync\n"
	    "and the bytes waiting to be sent. --json prints {\"device_id\",\n"
	    "\"hub\", \"counts\": {\"draft\", \"finalized\", \"sent\"},\n"
	    "\"last_sync\", \"pending_bytes\"}.\n");
}

int
cmd_status(struct cmd_ctx *c, int argc, char **argv)
{
	struct store	*st = c->st;
	struct err	 e;
	json_t		*o, *counts;
	char		*device = NULL, *hub = NULL, *last = NULL;
	int64_t		 n[3], pending;
	int		 rc, json = 0;

	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return cmd_usage_error(_("usage: collector status [--json]"));
	err_init(&e);
	if ((rc = store_get_setting(st, "device_id", &device, &e)) != 0 ||
	    (rc = store_get_setting(st, "hub", &hub, &e)) != 0 ||
	    (rc = store_get_setting(st, "last_sync", &last, &e)) != 0 ||
	    (rc = store_count_subs(st, n, &pending, &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	if (json) {
		o = json_object();
		counts = json_object();
		json_object_set_new(counts, "draft", json_integer(n[0]));
		json_object_set_new(counts, "finalized", json_integer(n[1]));
		json_object_set_new(counts, "sent", json_integer(n[2]));
		json_object_set_new(o, "device_id", cmd_json_str(device));
		json_object_set_new(o, "hub", cmd_json_str(hub));
		json_object_set_new(o, "counts", counts);
		json_object_set_new(o, "last_sync", cmd_json_str(last));
		json_object_set_new(o, "pending_bytes", json_integer(pending));
		cmd_print_json(o);
		json_decref(o);
		goto out;
	}
	printf(_("device:     %s\n"), device != NULL ? device : "-");
	printf(_("hub:        %s\n"), hub != NULL ? hub : _("(none)"));
	printf(_("drafts:     %lld\n"), (long long)n[0]);
	printf(_("finalized:  %lld (waiting to be sent: %lld bytes)\n"),
	    (long long)n[1], (long long)pending);
	printf(_("sent:       %lld\n"), (long long)n[2]);
	printf(_("last sync:  %s\n"), last != NULL ? last : _("never"));
out:
	free(device);
	free(hub);
	free(last);
	return rc;
}
