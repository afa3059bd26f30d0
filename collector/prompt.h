/*
 * prompt.h: the terminal survey (prompt.c): a small state machine over
 * lines of text, feeding a fill's session one question at a time and
 * saving after each accepted answer. Plain line I/O, so that tests drive
 * it through a pseudo-terminal or pipes.
 */
#ifndef COLLECTOR_PROMPT_H
#define COLLECTOR_PROMPT_H

#include <stdio.h>

#include "../common/common.h"
#include "fill.h"


enum prompt_result {
	PROMPT_FINALIZED,	/* finished and finalized */
	PROMPT_SAVED,		/* quit with '!' or end of input: a draft */
	PROMPT_UNCHANGED,	/* a revision finalized with nothing
				 * changed: not finalized, not saved */
	PROMPT_NOTHING		/* quit before any answer was accepted:
				 * nothing saved */
};

/*
 * Walk fl's session with a person: in and out are the terminal (or pipes).
 * Each accepted answer is saved with fill_save before the next question is
 * shown. review_first: start at the review (editing a finalized one).
 * prog: the program as the person typed it, with --home when the store is
 * not the default one ("bin/collector --home demo"), for the commands the
 * closing words name. SIGINT (Ctrl-C), SIGTERM and SIGHUP end the survey
 * as '!' does, but for the line being typed: the terminal restored, the
 * closing words printed, then the program dies of that signal (and no
 * other process with it, as libedit's own handler would do).
 */
int	prompt_run(struct fill *fl, FILE *in, FILE *out, int review_first,
	    const char *prog, enum prompt_result *res, struct err *e);
/* The answers as the review shows them, without numbers: labels and
 * choices in the survey's language, computed values, results. */
int	prompt_print_answers(struct fill *fl, FILE *out);
/* The closing words for res ("Draft saved: ... To go on: PROG edit ...")
 * into b. */
void	prompt_closing(const struct fill *fl, const char *prog,
	    enum prompt_result res, struct buf *b);

#endif
