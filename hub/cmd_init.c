/*
 * cmd_init.c: `hub init`: a fresh store with the province's surveys
 * published. All of it or nothing: the store is made whole under a
 * temporary name and only then put in place (hub_store_publish), so that a
 * failure or a kill at any moment leaves no store, and `init' can simply
 * be run again.
 *
 * The bundled surveys are published because every device starts with
 * them (`collector init` installs the same bytes): a fresh hub must
 * accept what a fresh device sends. Their attachments (the anaemia
 * survey's growth tables) are published with them, so that a device
 * that lacks them gets them at its next sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hub.h"

static const char *
usage_text(void)
{
	return _("usage: hub init\n"
	    "\n"
	    "Creates the hub's store (it refuses to overwrite one) and\n"
	    "publishes the surveys that come with the program, so that the\n"
	    "devices' own copies of them are accepted from the start.\n");
}

int
hub_cmd_init(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st = NULL;
	struct form		*f;
	struct err		 e;
	struct buf		 names;
	enum hub_put		 how;
	char			*home = NULL;
	size_t			 i;
	int			 rc;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc != 1)
		return hub_usage_error(_("usage: hub init"));
	err_init(&e);
	buf_init(&names, 4096);
	if ((home = hub_store_home(c->home)) == NULL) {
		err_set(&e, ERR_NOMEM, _("out of memory"));
		rc = hub_error(&e);
		goto out;
	}
	if ((rc = hub_store_create(home, &st, &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	/* The directory may have existed: what devices sent is personal
	 * data, keep it the owner's. */
	if (!hub_store_is_url(home))
		chmod(home, 0700);
	if ((rc = hub_store_begin(st, &e)) != 0)
		goto fail;
	for (i = 0; i < bundled_nforms; i++) {
		if ((rc = hub_publish_form(st, bundled_forms[i].name,
		    bundled_forms[i].data, bundled_forms[i].len, NULL,
		    bundled_forms[i].media, &how, &f, &e)) != 0) {
			err_prefix(&e, _("bundled survey '%s'"),
			    bundled_forms[i].name);
			goto fail;
		}
		buf_addf(&names, "%s%s %s", i > 0 ? ", " : "", f->id,
		    f->version);
		form_free(f);
	}
	if ((rc = hub_store_commit(st, &e)) != 0)
		goto fail;
	rc = hub_store_publish(st, &e);
	st = NULL;
	if (rc != 0)
		goto fail;
	/* A URL may hold a password: not on the screen. */
	if (hub_store_is_url(home))
		printf(_("hub store created in the PostgreSQL database; %zu "
		    "surveys published: %s\n"), bundled_nforms,
		    names.len > 0 ? names.p : "");
	else
		printf(_("hub store created in '%s'; %zu surveys published: "
		    "%s\n"), home, bundled_nforms,
		    names.len > 0 ? names.p : "");
	goto out;
fail:
	rc = hub_error(&e);
out:
	hub_store_close(st);
	buf_release(&names);
	free(home);
	return rc;
}
