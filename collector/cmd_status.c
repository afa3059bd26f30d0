/*
 * cmd_status.c: `collector status`: what the device holds and what waits
 * for the hub.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "wire.h"

static const char *
usage_text(void)
{
	return _("usage: collector status [--json]\n"
	    "\n"
	    "Counts of surveys by state, the hub, the last sync that left\n"
	    "nothing waiting, and the bytes waiting to be sent: the size of\n"
	    "the compressed batch the finalized surveys would make, about\n"
	    "what a sync puts on the wire. --json prints {\"device_id\",\n"
	    "\"hub\", \"counts\": {\"draft\", \"finalized\", \"sent\",\n"
	    "\"rejected\"}, \"last_sync\", \"pending_bytes\"}.\n");
}

/* What the pending surveys weigh on the wire: one batch of them all. */
static int
pending_bytes(struct store *st, const char *device, int64_t *out,
    struct err *e)
{
	struct wire_queue	q;
	struct buf		gz;
	int			rc;

	*out = 0;
	memset(&q, 0, sizeof(q));
	buf_init(&gz, SIZE_MAX / 2);
	if ((rc = wire_queue_load(st, WIRE_PENDING, &q, e)) == 0 && q.n > 0 &&
	    (rc = wire_batch(&q, 0, q.n, device != NULL ? device : "?", &gz,
	    e)) == 0)
		*out = (int64_t)gz.len;
	buf_release(&gz);
	wire_queue_release(&q);
	return rc;
}

int
cmd_status(struct cmd_ctx *c, int argc, char **argv)
{
	struct store	*st = c->st;
	struct err	 e;
	json_t		*o, *counts;
	char		*device = NULL, *hub = NULL, *last = NULL, *inv = NULL;
	int64_t		 n[SUB_NSTATES], pending;
	int		 rc, json = 0, i;

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
	    (rc = store_count_subs(st, n, &e)) != 0 ||
	    (rc = pending_bytes(st, device, &pending, &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	if (json) {
		o = json_object();
		counts = json_object();
		for (i = 0; i < SUB_NSTATES; i++)
			json_object_set_new(counts,
			    sub_state_name((enum sub_state)i),
			    json_integer(n[i]));
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
	printf(_("drafts:     %lld\n"), (long long)n[SUB_DRAFT]);
	printf(_("finalized:  %lld (waiting to be sent: %lld bytes)\n"),
	    (long long)n[SUB_FINALIZED], (long long)pending);
	printf(_("sent:       %lld\n"), (long long)n[SUB_SENT]);
	if (n[SUB_REJECTED] > 0 && (inv = cmd_invocation(c)) != NULL)
		/* the command as the person typed the program (--home too) */
		printf(_("rejected:   %lld (see '%s list --state "
		    "rejected')\n"), (long long)n[SUB_REJECTED], inv);
	else
		printf(_("rejected:   %lld\n"), (long long)n[SUB_REJECTED]);
	printf(_("last sync:  %s\n"), last != NULL ? last : _("never"));
out:
	free(inv);
	free(device);
	free(hub);
	free(last);
	return rc;
}
