/*
 * cmd_edit.c: `collector edit ID`: go on with a draft where it was left,
 * or correct a finalized (or sent) survey. A finalized survey never
 * changes: the correction is a new draft, a revision with its own
 * instance id and deprecated_id naming the one it replaces, made with the
 * same form version and starting at the review. An unfinished revision of
 * the same survey is resumed rather than started twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

static const char *
usage_text(void)
{
	return _("usage: collector edit ID\n"
	    "\n"
	    "ID is the survey's id (uuid:...) or the first characters of it.\n"
	    "A draft goes on where it was left. A finalized survey is never\n"
	    "changed: editing it makes a new revision that replaces it when\n"
	    "finalized.\n");
}

struct find_rev {
	const char	*of;
	char		*found;
};

static int
find_revision(const struct store_sub *s, void *arg)
{
	struct find_rev	*f = arg;

	if (s->deprecated_id != NULL && strcmp(s->deprecated_id, f->of) == 0) {
		free(f->found);
		f->found = strdup(s->instance_id);
	}
	return 0;
}

int
cmd_edit(struct cmd_ctx *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct store_sub	 sub;
	struct find_rev		 fr;
	struct fill		 fl;
	struct err		 e;
	int			 rc, revision;

	memset(&fl, 0, sizeof(fl));
	memset(&sub, 0, sizeof(sub));
	memset(&fr, 0, sizeof(fr));
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(_("usage: collector edit ID"));
	if ((rc = cmd_open_store(c, &st)) != 0)
		return rc;
	err_init(&e);
	if ((rc = store_find_sub(st, argv[1], &sub, &e)) != 0)
		goto fail;
	revision = sub.state != SUB_DRAFT;
	if (revision) {
		fr.of = sub.instance_id;
		if ((rc = store_each_sub(st, SUB_DRAFT, NULL, find_revision,
		    &fr, &e)) != 0)
			goto fail;
		if (fr.found != NULL) {
			printf(_("Going on with the revision already started: "
			    "%s\n"), fr.found);
			store_sub_release(&sub);
			if ((rc = store_find_sub(st, fr.found, &sub, &e)) != 0)
				goto fail;
			revision = 0;
		}
	}
	if ((rc = fill_load_form_row(&fl, st, sub.form, &e)) != 0 ||
	    (rc = fill_resume(&fl, &sub, revision, &e)) != 0)
		goto fail;
	/* A revision draft is a whole survey being corrected: it opens at
	 * the review, as it did when it was started. */
	rc = fill_interactive(&fl, revision || sub.deprecated_id != NULL);
	goto out;
fail:
	rc = cmd_error(&e);
out:
	free(fr.found);
	store_sub_release(&sub);
	fill_release(&fl);
	store_close(st);
	return rc;
}
