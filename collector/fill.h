/*
 * fill.h: a forms session joined to the store (fill.c). It loads a form
 * from the store, starts a submission with the device's metadata, turns
 * stored answers back into a session, and writes what the session changed
 * after each accepted answer, so that the store always holds a draft the
 * person could resume.
 */
#ifndef COLLECTOR_FILL_H
#define COLLECTOR_FILL_H

#include <stddef.h>

#include "../common/common.h"
#include "../forms/forms.h"
#include "store.h"


struct fill {
	struct store		*st;
	struct store_form	 sf;
	struct form		*form;
	struct store_sub	 sub;
	struct session		*s;
	size_t			 lang;
	int			 saved;		/* the draft row exists */
	int			 rewrite;	/* a save failed: the next
						 * writes every value */
	char			*position;	/* written by fill_save */
	struct err		 skipped;	/* fill_resume: the first
						 * stored answer the form
						 * does not take */
	size_t			 nskipped;	/* how many */
	const char		*prog;		/* borrowed: the program as
						 * invoked, for the hints
						 * (cmd_invocation) */
};

/* The form's current version from the store, parsed. */
int	fill_load_form(struct fill *fl, struct store *st, const char *form_id,
	    struct err *e);
/* The form version of an existing submission, parsed. */
int	fill_load_form_row(struct fill *fl, struct store *st, int64_t row,
	    struct err *e);
/* A new session with the program's metadata (no store row yet). */
int	fill_start(struct fill *fl, const char *lang, const char *deprecated,
	    struct err *e);
/* A session from a stored submission's answers. skip_meta: a revision,
 * which gets its own metadata. Answers the form cannot take back are
 * left out and counted in fl->nskipped (the first in fl->skipped); the
 * command warns. */
int	fill_resume(struct fill *fl, const struct store_sub *from,
	    int skip_meta, struct err *e);
/*
 * Commit the session's changes since the last save in one transaction,
 * creating the draft row the first time. After a failed save (rolled
 * back) the next one rewrites every answer: the changes the failed one
 * took from the session are not lost.
 */
int	fill_save(struct fill *fl, struct err *e);
/* Stamp end, validate (problems into d: ERR_INPUT), freeze and commit. */
int	fill_finalize(struct fill *fl, struct diags *d, struct err *e);
/* The Submission object of CONTRACT.md for the session as it stands,
 * with "state" (show --json of a draft). Caller frees. */
char	*fill_submission_json(struct fill *fl);
/*
 * A revision whose answers (metadata aside) are those of the submission it
 * replaces: *same 1. Finalizing it would only make a copy.
 */
int	fill_unchanged(struct fill *fl, int *same, struct err *e);
void	fill_release(struct fill *fl);
/* The language index for --lang, or ERR_USAGE naming the choices. */
int	fill_lang(const struct form *f, const char *lang, size_t *out,
	    struct err *e);

#endif
