/*
 * session_priv.h: what form.c asks of session.c. A session's recompute
 * needs to know, for each field, which fields its expressions read; that
 * depends on the form only, so form_build has it worked out once and the
 * form's sessions share it (read-only: threads may share the form). Not
 * part of the form engine's interface.
 */
#ifndef SESSION_PRIV_H
#define SESSION_PRIV_H

#include "forms.h"

/* Caller frees with form_deps_free(). */
int	form_deps_new(const struct form *f, struct form_deps **out,
	    struct err *e);
void	form_deps_free(struct form_deps *d);

#endif
