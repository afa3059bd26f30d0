/*
 * cmd_import.c: `hub import FILE...`: batch files carried by hand (a USB
 * stick from a village without signal), merged with exactly the rules of
 * an upload. A stick carried twice, or a batch both carried and synced,
 * counts once: the second time its submissions are duplicates.
 *
 * Each file is one batch and one transaction: a file that turns out
 * malformed (truncated on the stick, not a batch) stores nothing and the
 * next file is still imported. The header's device must be enrolled, so
 * that every submission on the hub belongs to a known device; a revoked
 * device's file is imported (revoking stops a token, not the data the
 * office carries in by hand).
 *
 * Exit status: 0 when every file was merged, whatever each submission's
 * outcome (the counts and the refusals are printed); 1 when a file was
 * malformed or from a device not enrolled; 3 when a file cannot be read
 * or the store failed (the worst one wins).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"

/* Refusals and conflicts listed per file; the rest are counted. */
#define IMPORT_SHOW_MAX	50

static const char *
usage_text(void)
{
	return _("usage: hub import FILE...\n"
	    "\n"
	    "Merges batch files written by 'collector export' (carried on a\n"
	    "USB stick) with the same rules as an upload: new submissions\n"
	    "are stored, ones already on the hub count once, a different\n"
	    "submission under a known id is kept aside as a conflict, and\n"
	    "what the form's rules refuse is rejected with its reason.\n"
	    "Prints per file what became of its submissions. Exits 1 when a\n"
	    "file is malformed (nothing of it is stored; the others are\n"
	    "imported), 3 when one cannot be read.\n");
}

/* What to list after a file was merged. */
struct shown {
	struct buf	text;
	size_t		n;		/* listed */
	size_t		more;		/* not listed */
};

static void
on_result(void *arg, size_t lineno, const char *iid,
    enum result_status status, const char *reason)
{
	struct shown	*sh = arg;

	if (status == RESULT_STORED || status == RESULT_DUPLICATE)
		return;
	if (sh->n >= IMPORT_SHOW_MAX) {
		sh->more++;
		return;
	}
	buf_addf(&sh->text, _("  line %zu: %s: %s: %s\n"), lineno,
	    iid != NULL && *iid != '\0' ? iid : "?",
	    status == RESULT_CONFLICT ? _("conflict") : _("rejected"),
	    reason != NULL ? reason : "");
	sh->n++;
}

static int
import_one(struct merge *m, const char *path)
{
	struct batch_reader	*br = NULL;
	struct merge_counts	 n;
	struct shown		 sh;
	struct err		 e;
	int			 rc;

	err_init(&e);
	memset(&sh, 0, sizeof(sh));
	buf_init(&sh.text, 1u << 20);
	m->on_result = on_result;
	m->arg = &sh;
	if ((rc = batch_reader_file(path, BATCH_FILE_MAX_INFLATED, &br,
	    &e)) == 0)
		rc = merge_batch(m, br, NULL, HUB_VIA_IMPORT, NULL, &n, &e);
	batch_reader_free(br);
	m->on_result = NULL;
	m->arg = NULL;
	if (rc != 0) {
		if (rc == ERR_INPUT) {
			/* The reader names the file; the merge does not. */
			if (strncmp(e.msg, path, strlen(path)) != 0 ||
			    e.msg[strlen(path)] != ':')
				err_prefix(&e, "%s", path);
			fprintf(stderr, _("hub: %s: nothing of it was "
			    "imported\n"), e.msg);
		} else
			hub_error(&e);
		buf_release(&sh.text);
		return err_exit_code(&e);
	}
	printf(_("%s: %llu stored, %llu duplicate, %llu conflict, %llu "
	    "rejected\n"), path, (unsigned long long)n.stored,
	    (unsigned long long)n.duplicate, (unsigned long long)n.conflict,
	    (unsigned long long)n.rejected);
	if (sh.text.len > 0)
		fputs(sh.text.p, stdout);
	if (sh.more > 0)
		printf(_("  and %zu more (see 'hub status')\n"), sh.more);
	buf_release(&sh.text);
	return 0;
}

int
hub_cmd_import(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct merge		 m;
	int			 i, r, rc = 0;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	i = 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return hub_usage_error(_("usage: hub import FILE..."));
	st = c->st;
	merge_init(&m, st);
	for (; i < argc; i++) {
		r = import_one(&m, argv[i]);
		if (r > rc)
			rc = r;
	}
	merge_release(&m);
	return rc;
}
