/*
 * cmd_edit.c: `collector edit ID`: go on with a draft where it was left,
 * or correct a finalized (or sent) survey. A finalized survey never
 * changes: the correction is a new draft, a revision with its own
 * instance id and deprecated_id naming the one it replaces, made with the
 * same form version and starting at the review. An unfinished revision of
 * the same survey is resumed rather than started twice; a survey already
 * replaced is corrected from its newest revision (one line of revisions,
 * never two replacing the same one); and a revision finalized with
 * nothing changed is dropped rather than stored as a copy. One session
 * at a time per survey: a second is refused at its start, naming the
 * first (store_lock_sub).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

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

/* The newest revisions of `of': finalized (or sent), and draft. */
struct find_rev {
	const char	*of;
	char		*done;
	char		*draft;
};

static int
find_revision(const struct store_sub *s, void *arg)
{
	struct find_rev	*f = arg;
	char		**to;

	if (s->deprecated_id == NULL || strcmp(s->deprecated_id, f->of) != 0)
		return 0;
	to = s->state == SUB_DRAFT ? &f->draft : &f->done;
	free(*to);
	if ((*to = strdup(s->instance_id)) == NULL)
		return ERR_NOMEM;
	return 0;
}

static void
find_rev_release(struct find_rev *f)
{
	free(f->done);
	free(f->draft);
	f->done = f->draft = NULL;
}

/*
 * sub is finalized or sent: make it the newest of its line. A survey
 * corrected before is corrected again from its last revision, never
 * forked into two revisions replacing the same one. Then the draft of a
 * revision already started, if any. *draft: sub is that draft.
 */
static int
newest(struct store *st, struct store_sub *sub, int *draft, struct err *e)
{
	struct find_rev	fr;
	char		*to;
	int		rc = 0, hops;

	*draft = 0;
	memset(&fr, 0, sizeof(fr));
	/* Each hop is a revision someone finalized: the bound is only
	 * against a store damaged into a loop. */
	for (hops = 0; hops < 10000; hops++) {
		fr.of = sub->instance_id;
		if ((rc = store_each_sub(st, -1, NULL, find_revision, &fr,
		    e)) != 0) {
			if (rc == ERR_NOMEM)
				rc = err_set(e, ERR_NOMEM, _("out of memory"));
			goto out;
		}
		if (fr.done == NULL)
			break;
		printf(_("%s was replaced by %s: editing that one\n"),
		    sub->instance_id, fr.done);
		to = fr.done;
		fr.done = NULL;
		find_rev_release(&fr);
		store_sub_release(sub);
		rc = store_find_sub(st, to, sub, e);
		free(to);
		if (rc != 0)
			goto out;
	}
	if (fr.draft != NULL) {
		printf(_("Going on with the revision already started: %s\n"),
		    fr.draft);
		store_sub_release(sub);
		if ((rc = store_find_sub(st, fr.draft, sub, e)) != 0)
			goto out;
		*draft = 1;
	}
out:
	find_rev_release(&fr);
	return rc;
}

int
cmd_edit(struct cmd_ctx *c, int argc, char **argv)
{
	struct store		*st = c->st;
	struct store_sub	 sub;
	struct store_lock	*held = NULL, *held_rev = NULL;
	struct fill		 fl;
	struct err		 e;
	char			*prog = NULL;
	int			 rc, revision, draft;

	memset(&fl, 0, sizeof(fl));
	memset(&sub, 0, sizeof(sub));
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(_("usage: collector edit ID"));
	err_init(&e);
	if ((prog = cmd_invocation(c)) == NULL) {
		rc = err_set(&e, ERR_NOMEM, _("out of memory"));
		goto fail;
	}
	if ((rc = store_find_sub(st, argv[1], &sub, &e)) != 0)
		goto fail;
	revision = sub.state != SUB_DRAFT;
	if (revision) {
		if ((rc = newest(st, &sub, &draft, &e)) != 0)
			goto fail;
		if (draft)
			revision = 0;
	}
	/* The survey held for this session, and the revision it starts:
	 * a second edit of either is refused now, not at finalize. */
	if ((rc = store_lock_sub(st, sub.instance_id, &held, &e)) != 0 ||
	    (rc = fill_load_form_row(&fl, st, sub.form, &e)) != 0 ||
	    (rc = cmd_attach_stored(fl.form, &fl.sf, &e)) != 0)
		goto fail;
	fl.prog = prog;		/* fill_load_form_row cleared fl */
	if ((rc = fill_resume(&fl, &sub, revision, &e)) != 0 ||
	    (revision && (rc = store_lock_sub(st, fl.sub.instance_id,
	    &held_rev, &e)) != 0))
		goto fail;
	cmd_warn_skipped(&fl);
	/* The program's words in the draft's language, as `fill --lang'
	 * gave them when it was started (one in the form's default
	 * language was started without --lang: the environment's). */
	if (fl.lang != fl.form->default_lang)
		i18n_use(fl.form->langs[fl.lang].code);
	/* A revision draft is a whole survey being corrected: it opens at
	 * the review, as it did when it was started. */
	rc = fill_interactive(c, &fl, revision || sub.deprecated_id != NULL);
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	store_unlock(held_rev);
	store_unlock(held);
	store_sub_release(&sub);
	fill_release(&fl);
	free(prog);
	return rc;
}
