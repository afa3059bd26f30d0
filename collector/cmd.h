/*
 * cmd.h: the commands, one cmd_<name>.c each (git's builtin/), and what
 * they share (cmdutil.c). Only these and main.c print and choose exit
 * codes; everything below them returns an error code and a struct err.
 */
#ifndef COLLECTOR_CMD_H
#define COLLECTOR_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "../common/common.h"
#include "../forms/forms.h"
#include "fill.h"
#include "store.h"

struct cmd_ctx {
	const char	*home;		/* --home, or NULL */
	const char	*prog;		/* argv[0], as typed */
	struct store	*st;		/* open when the command's row in
					 * main.c needs it; main closes it */
};

/* argv[0] is the command's name. Each returns an exit code. */
int	cmd_init(struct cmd_ctx *c, int argc, char **argv);
int	cmd_forms(struct cmd_ctx *c, int argc, char **argv);
int	cmd_fill(struct cmd_ctx *c, int argc, char **argv);
int	cmd_list(struct cmd_ctx *c, int argc, char **argv);
int	cmd_show(struct cmd_ctx *c, int argc, char **argv);
int	cmd_edit(struct cmd_ctx *c, int argc, char **argv);
int	cmd_discard(struct cmd_ctx *c, int argc, char **argv);
int	cmd_export(struct cmd_ctx *c, int argc, char **argv);
int	cmd_status(struct cmd_ctx *c, int argc, char **argv);
int	cmd_sync(struct cmd_ctx *c, int argc, char **argv);

/* Shared by the commands (main.c). */
/* Print e as one line and return rc as an exit code (out of memory is
 * an environment error). */
int	cmd_error(int rc, const struct err *e);
/*
 * The answers of a JSON text (--answers) into s: 0 with *problems the
 * answers refused (each in d); ERR_INPUT when the text is no answers
 * object at all (malformed, too large), naming it by name.
 */
int	cmd_fill_answers(struct session *s, const char *json, size_t len,
	    const char *name, struct diags *d, size_t *problems,
	    struct err *e);
/* A JSON string, or null for NULL (jansson's json_t). */
struct json_t *cmd_json_str(const char *s);
/* v as one compact line on stdout (main reports a failed write). */
void	cmd_print_json(struct json_t *v);
/* A state as the person reads it, in their language (sub_state_name is
 * the word of the JSON and of --state). */
const char *cmd_state_label(enum sub_state s);
/* The warning for answers fill_resume left out, if any (stderr). */
void	cmd_warn_skipped(const struct fill *fl);
int	cmd_usage_error(const char *fmt, ...) PRINTFLIKE(1, 2);
/*
 * The hub's token for this device (init, sync: --token TOKEN|-): a
 * bearer token may hold only visible ASCII, so that it cannot break out
 * of the HTTP header it travels in. cmd_token_read puts the first line of
 * standard input, trimmed, in tok (ERR_USAGE when longer than size - 2).
 * cmd_token_get reads it when from_stdin, checks it and says what is
 * wrong (a usage error, printed). tok holds STORE_TOKEN_MAX + 2 bytes;
 * the caller wipes it.
 */
int	cmd_token_valid(const char *s);
int	cmd_token_read(char *tok, size_t size);
int	cmd_token_get(int from_stdin, char *tok, size_t size);
/* The store of --home (read: for a command that only reads, which works
 * where nothing may be written too); says what is wrong. */
int	cmd_open_store(struct cmd_ctx *c, int read, struct store **out);
/* --help / --version handling for a command: 1 when handled. */
int	cmd_std_opts(int argc, char **argv, const char *usage);
/* Whether the command line asks for --help or --version (before "--"):
 * main then opens no store. */
int	cmd_help_asked(int argc, char **argv);
/* The terminal survey and its closing message (cmd_fill.c), shared with
 * `collector edit`. */
int	fill_interactive(struct cmd_ctx *c, struct fill *fl,
	    int review_first);
/* The program as the person typed it (argv[0]), with --home DIR when one
 * was given or $COLLECTOR_HOME names the store, for the commands a
 * message tells them to type. Caller frees; NULL when out of memory. */
char	*cmd_invocation(const struct cmd_ctx *c);
/* Install a form's bytes after checking them, with the attachments it
 * reads from media_dir (NULL: none); diagnostics go to stderr. */
int	cmd_install_form(struct store *st, const char *file,
	    const void *data, size_t len, const char *media_dir,
	    enum store_put *how, struct form **parsed, struct err *e);
/* The same for a survey bundled into the program, with its attachments. */
int	cmd_install_bundled(struct store *st, const struct bundled_form *b,
	    enum store_put *how, struct err *e);
/* The same for a form fetched from the hub (file: its name) with the
 * attachments it lists (an array ending with a NULL name), in one
 * transaction: the form is never installed without them. */
int	cmd_install_fetched(struct store *st, const char *file,
	    const void *data, size_t len, const struct bundled_file *media,
	    enum store_put *how, struct err *e);

/* Attachments (attach.c); media_dir() names a form file's folder. */
/*
 * Read from dir each file f reads (form_media) and attach it. An absent
 * file (or dir) is a warning in d, a bad one an error in d naming it,
 * both at the survey row that needs the file. With out, the bytes read
 * are kept for the store (free with cmd_media_free). Returns an error
 * only when out of memory. Both this and cmd_attach_stored set
 * f->media_given: the collector answers from the files it has.
 */
int	cmd_attach_dir(struct form *f, const char *dir, struct diags *d,
	    struct store_media **out, size_t *nout, struct err *e);
/* The same with the files of an array ending with a NULL name: a
 * survey's bundled ones, or those fetched from the hub (the warning for
 * a missing one names no folder). */
int	cmd_attach_files(struct form *f, const struct bundled_file *files,
	    struct diags *d, struct store_media **out, size_t *nout,
	    struct err *e);
void	cmd_media_free(struct store_media *m, size_t n);
/* Attach the files stored with the form's version sf. */
int	cmd_attach_stored(struct form *f, const struct store_form *sf,
	    struct err *e);

#endif
