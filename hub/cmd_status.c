/*
 * cmd_status.c: `hub status`: what the hub holds: submissions (current
 * revisions) in total, by form and by district; every device with its
 * last contact; conflicts kept aside and lines refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub status [--json]\n"
	    "\n"
	    "Submissions (the current revision of each: a corrected one\n"
	    "counts once) in total, by form and by district; the devices\n"
	    "with their last contact; conflicts kept aside and lines\n"
	    "refused. --json prints {\"submissions\": {\"total\",\n"
	    "\"revisions\", \"by_form\", \"by_district\"}, \"conflicts\",\n"
	    "\"rejections\", \"batches\", \"devices\": [...]}.\n");
}

static int
add_count(const char *key, int64_t n, void *arg)
{
	json_t	*o = arg;

	return json_object_set_new(o, key != NULL ? key : "unknown",
	    json_integer(n)) != 0 ? ERR_NOMEM : 0;
}

static int
add_device(const struct hub_device *d, void *arg)
{
	json_t	*a = arg, *o;

	if ((o = json_object()) == NULL)
		return ERR_NOMEM;
	json_object_set_new(o, "device_id", json_string(d->id));
	json_object_set_new(o, "promoter", hub_json_str(d->promoter));
	json_object_set_new(o, "district", hub_json_str(d->district));
	json_object_set_new(o, "revoked_at", hub_json_str(d->revoked_at));
	json_object_set_new(o, "last_contact", hub_json_str(d->last_contact));
	json_object_set_new(o, "last_batch", hub_json_str(d->last_batch));
	json_object_set_new(o, "submissions", json_integer(d->submissions));
	return json_array_append_new(a, o) != 0 ? ERR_NOMEM : 0;
}

static void
print_counts(const char *title, json_t *o)
{
	const char	*key;
	json_t		*v;

	printf("  %s\n", title);
	if (json_object_size(o) == 0)
		printf("    -\n");
	json_object_foreach(o, key, v)
		printf("    %-24s %8lld\n", key,
		    (long long)json_integer_value(v));
}

static void
print_text(const struct hub_totals *t, json_t *forms, json_t *districts,
    json_t *devices)
{
	json_t	*d;
	size_t	 i;

	printf(_("submissions: %lld (revisions stored: %lld)\n"),
	    (long long)t->submissions, (long long)t->revisions);
	print_counts(_("by form:"), forms);
	print_counts(_("by district:"), districts);
	printf(_("conflicts kept aside: %lld\n"), (long long)t->conflicts);
	printf(_("lines refused: %lld\n"), (long long)t->rejections);
	printf(_("batches received: %lld\n"), (long long)t->batches);
	printf(_("devices: %lld enrolled\n"), (long long)t->devices);
	json_array_foreach(devices, i, d) {
		const char *last = json_string_value(json_object_get(d,
		    "last_contact"));
		const char *batch = json_string_value(json_object_get(d,
		    "last_batch"));

		printf("  %-16s %8lld  %s %s%s\n",
		    json_string_value(json_object_get(d, "device_id")),
		    (long long)json_integer_value(json_object_get(d,
		    "submissions")), _("last contact:"),
		    last != NULL ? last : batch != NULL ? batch : _("never"),
		    json_is_string(json_object_get(d, "revoked_at")) ?
		    _(" (revoked)") : "");
	}
}

int
hub_cmd_status(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct hub_totals	 t;
	struct err		 e;
	json_t			*o = NULL, *subs, *forms, *districts, *devices;
	int			 rc, json = 0;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return hub_usage_error(_("usage: hub status [--json]"));
	st = c->st;
	err_init(&e);
	o = json_object();
	subs = json_object();
	forms = json_object();
	districts = json_object();
	devices = json_array();
	if (o == NULL || subs == NULL || forms == NULL || districts == NULL ||
	    devices == NULL) {
		json_decref(subs);
		json_decref(forms);
		json_decref(districts);
		json_decref(devices);
		err_set(&e, ERR_NOMEM, _("out of memory"));
		rc = hub_error(&e);
		goto out;
	}
	json_object_set_new(o, "submissions", subs);
	/* In the order a reader wants them: the totals first. */
	json_object_set_new(subs, "total", json_integer(0));
	json_object_set_new(subs, "revisions", json_integer(0));
	json_object_set_new(subs, "by_form", forms);
	json_object_set_new(subs, "by_district", districts);
	json_object_set_new(o, "conflicts", json_integer(0));
	json_object_set_new(o, "rejections", json_integer(0));
	json_object_set_new(o, "batches", json_integer(0));
	json_object_set_new(o, "devices", devices);
	if ((rc = hub_store_totals(st, &t, &e)) != 0 ||
	    (rc = hub_store_count_by_form(st, add_count, forms, &e)) != 0 ||
	    (rc = hub_store_count_by_district(st, add_count, districts,
	    &e)) != 0 ||
	    (rc = hub_store_each_device(st, add_device, devices, &e)) != 0) {
		if (rc == ERR_NOMEM && e.code == 0)
			err_set(&e, rc, _("out of memory"));
		rc = hub_error(&e);
		goto out;
	}
	json_object_set_new(subs, "total", json_integer(t.submissions));
	json_object_set_new(subs, "revisions", json_integer(t.revisions));
	json_object_set_new(o, "conflicts", json_integer(t.conflicts));
	json_object_set_new(o, "rejections", json_integer(t.rejections));
	json_object_set_new(o, "batches", json_integer(t.batches));
	if (json)
		hub_print_json(o);
	else
		print_text(&t, forms, districts, devices);
out:
	json_decref(o);
	return rc;
}
