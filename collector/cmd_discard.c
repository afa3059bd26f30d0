/*
 * cmd_discard.c: `collector discard ID`: delete a draft. Only a draft: a
 * finalized survey is kept (the store refuses too). Not one that an `edit`
 * session has open (store_lock_sub): its answers would go from under it.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char *
usage_text(void)
{
	return _("usage: collector discard ID\n"
	    "\n"
	    "Deletes a draft and its answers. Finalized surveys cannot be\n"
	    "deleted.\n");
}

int
cmd_discard(struct cmd_ctx *c, int argc, char **argv)
{
	struct store		*st = c->st;
	struct store_sub	 sub;
	struct store_lock	*held = NULL;
	struct err		 e;
	int			 rc;

	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(_("usage: collector discard ID"));
	err_init(&e);
	memset(&sub, 0, sizeof(sub));
	if ((rc = store_find_sub(st, argv[1], &sub, &e)) != 0)
		goto fail;
	if (sub.state != SUB_DRAFT) {
		rc = err_set(&e, ERR_INPUT, _("'%s' is %s, not a draft: it "
		    "cannot be discarded"), sub.instance_id,
		    cmd_state_label(sub.state));
		goto fail;
	}
	if ((rc = store_lock_sub(st, sub.instance_id, &held, &e)) != 0 ||
	    (rc = store_delete_draft(st, sub.id, &e)) != 0)
		goto fail;
	printf(_("Discarded: %s\n"), sub.instance_id);
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	store_unlock(held);
	store_sub_release(&sub);
	return rc;
}
