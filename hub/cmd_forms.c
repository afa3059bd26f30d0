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
	return _("usage: hub forms publish FILE [--media DIR]\n"
	    "       hub forms list [--json]\n"
	    "\n"
	    "publish  checks an XLSForm (.xlsx, or pyxform's single-file\n"
	    "         .csv) and its attachments as 'collector forms add'\n"
	    "         does and publishes them: devices get its newest\n"
	    "         version with its attachments when they sync, and the\n"
	    "         hub accepts submissions of every published version.\n"
	    "         A published version never changes: raise the version\n"
	    "         in the settings sheet to publish a change (attachments\n"
	    "         it was published without may still be added).\n"
	    "list     every published version: id, version, title, and its\n"
	    "         attachments (--json: with their size and sha256)\n"
	    "\n"
	    "--media DIR  where the form's attachments are (the CSV, XML and\n"
	    "             GeoJSON files it reads); by default the folder\n"
	    "             FORM-media beside the form file, as ODK Collect\n");
}

static int
forms_publish(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st = c->st;
	struct form		*f = NULL;
	struct err		 e;
	enum hub_put		 how;
	const char		*file;
	char			*data = NULL, *media = NULL;
	size_t			 len, i;
	int			 rc;

	if (argc == 4 && strcmp(argv[1], "--media") == 0) {
		file = argv[3];
		media = strdup(argv[2]);
	} else if (argc == 4 && strcmp(argv[2], "--media") == 0) {
		file = argv[1];
		media = strdup(argv[3]);
	} else if (argc == 2) {
		file = argv[1];
		media = media_dir(file);
	} else
		return hub_usage_error(_("usage: hub forms publish FILE "
		    "[--media DIR]"));
	err_init(&e);
	if (media == NULL) {
		err_set(&e, ERR_NOMEM, _("out of memory"));
		return hub_error(&e);
	}
	if ((rc = file_read(file, FORM_MAX_BYTES, &data, &len, &e)) != 0)
		goto fail;
	/* The form and its attachments together, or nothing. */
	if ((rc = hub_store_begin(st, &e)) != 0)
		goto fail;
	if ((rc = hub_publish_form(st, file, data, len, media, NULL, &how,
	    &f, &e)) != 0 || (rc = hub_store_commit(st, &e)) != 0) {
		hub_store_rollback(st);
		goto fail;
	}
	if (how == HUB_PUT_SAME)
		printf(_("'%s' version '%s' was already published\n"), f->id,
		    f->version);
	else if (how == HUB_PUT_ATTACHED)
		printf(_("'%s' version '%s' was already published: its "
		    "missing attachments were added\n"), f->id, f->version);
	else
		printf(_("published '%s' version '%s'\n"), f->id, f->version);
	for (i = 0; i < f->nmedia; i++)
		if (form_media(f, i)->attached)
			printf(_("  with its attachment '%s'\n"),
			    form_media(f, i)->file);
	goto out;
fail:
	rc = hub_error(&e);
out:
	form_free(f);
	free(data);
	free(media);
	return rc;
}

static int
print_form(const struct hub_form *f, void *arg)
{
	json_t	*a = arg, *o, *m;
	size_t	 i;

	if (a != NULL) {
		m = json_array();
		for (i = 0; i < f->nmedia; i++)
			json_array_append_new(m, json_pack("{s:s, s:I, s:s}",
			    "name", f->media[i].name, "size",
			    (json_int_t)f->media[i].len, "sha256",
			    f->media[i].sha256));
		o = json_object();
		json_object_set_new(o, "form_id", json_string(f->form_id));
		json_object_set_new(o, "version", json_string(f->version));
		json_object_set_new(o, "title", json_string(f->title));
		json_object_set_new(o, "file", json_string(f->file));
		json_object_set_new(o, "sha256", json_string(f->sha256));
		json_object_set_new(o, "published_at",
		    json_string(f->published_at));
		json_object_set_new(o, "attachments", m);
		json_array_append_new(a, o);
		return 0;
	}
	printf("%-24s %-12s %s\n", f->form_id, f->version, f->title);
	if (f->nmedia > 0) {
		printf("%-24s %-12s", "", "");
		for (i = 0; i < f->nmedia; i++)
			printf(" %s", f->media[i].name);
		putchar('\n');
	}
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
