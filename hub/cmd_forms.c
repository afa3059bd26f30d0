/*
 * cmd_forms.c: `hub forms publish|list`: the forms devices pull when they
 * sync, and whose versions the hub accepts submissions of.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub forms publish FILE\n"
	    "       hub forms list [--json]\n"
	    "\n"
	    "publish  checks an XLSForm (.xlsx, or pyxform's single-file\n"
	    "         .csv) as 'collector forms add' does and publishes it:\n"
	    "         devices get its newest version when they sync, and the\n"
	    "         hub accepts submissions of every published version.\n"
	    "         A published version never changes: raise the version\n"
	    "         in the settings sheet to publish a change.\n"
	    "list     every published version: id, version, title, sha256\n");
}

static int
forms_publish(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct form		*f = NULL;
	struct err		 e;
	enum hub_put		 how;
	char			*data = NULL;
	size_t			 len;
	int			 rc;

	if (argc != 2)
		return hub_usage_error(_("usage: hub forms publish FILE"));
	err_init(&e);
	if ((rc = file_read(argv[1], FORM_MAX_BYTES, &data, &len, &e)) != 0)
		return hub_error(&e);
	st = c->st;
	if ((rc = hub_publish_form(st, argv[1], data, len, &how, &f,
	    &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	if (how == HUB_PUT_SAME)
		printf(_("'%s' version '%s' was already published\n"), f->id,
		    f->version);
	else
		printf(_("published '%s' version '%s'\n"), f->id, f->version);
out:
	form_free(f);
	free(data);
	return rc;
}

static int
print_form(const struct hub_form *f, void *arg)
{
	json_t	*a = arg, *o;

	if (a != NULL) {
		o = json_object();
		json_object_set_new(o, "form_id", json_string(f->form_id));
		json_object_set_new(o, "version", json_string(f->version));
		json_object_set_new(o, "title", json_string(f->title));
		json_object_set_new(o, "file", json_string(f->file));
		json_object_set_new(o, "sha256", json_string(f->sha256));
		json_object_set_new(o, "published_at",
		    json_string(f->published_at));
		json_array_append_new(a, o);
		return 0;
	}
	printf("%-24s %-12s %s\n", f->form_id, f->version, f->title);
	return 0;
}

static int
forms_list(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct err		 e;
	json_t			*a = NULL;
	int			 rc, json = 0;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return hub_usage_error(_("usage: hub forms list [--json]"));
	st = c->st;
	err_init(&e);
	if (json)
		a = json_array();
	if ((rc = hub_store_each_form(st, print_form, a, &e)) != 0)
		rc = hub_error(&e);
	else if (a != NULL)
		hub_print_json(a);
	json_decref(a);
	return rc;
}

int
hub_cmd_forms(struct hub_ctx *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text(), argc < 2 ? stderr : stdout);
		return argc < 2 ? ERR_USAGE : 0;
	}
	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	if (strcmp(argv[1], "publish") == 0)
		return forms_publish(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return forms_list(c, argc - 1, argv + 1);
	return hub_usage_error(_("'forms %s' is not a command: publish or "
	    "list"), argv[1]);
}
