/*
 * hub.h: the coordinator's program. Its layers, each usable alone:
 *
 *   store     the hub's SQLite file and every SQL statement (store.h)
 *   merge     batches into the store, keyed by instance_id: stored,
 *             duplicate, conflict or rejected, the data re-validated by
 *             the form engine; one transaction per batch (merge.c)
 *   serve     the HTTP API v1 on libmicrohttpd (serve.c), and every
 *             other path to the coordinators' dashboard (dashboard.c)
 *   report    the indicators by district (report.h)
 *   cmd_*     one file per subcommand, as git's builtin/; only these and
 *             main.c print and choose exit codes
 *
 * The wire (envelopes, batches, results) is sync/'s; the form engine is
 * forms/'s. Nothing of the collector is here.
 */
#ifndef HUB_H
#define HUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/common.h"
#include "../forms/forms.h"
#include "../sync/sync.h"
#include "store.h"
#include "report.h"

/* ------------------------------------------------------------------ */
/* The merge                                                           */

/* Parsed forms kept across batches: a published version never changes,
 * so it is parsed once per process. Past this many, the cache is
 * emptied and starts again. */
#define MERGE_FORMS_MAX		64
/* A refusal's reason: the first problems, then how many more. */
#define MERGE_REASON_MAX	512
#define MERGE_REASON_PROBLEMS	3

struct merge_form;

/* Where the time of a merge went (seconds), for `make bench`. */
struct merge_times {
	double	decode;		/* envelope_decode and its digest */
	double	validate;	/* the form engine */
	double	store;		/* SQL */
	double	read;		/* inflating and cutting lines */
};

/* What a batch brought. */
struct merge_counts {
	uint64_t	stored;
	uint64_t	duplicate;
	uint64_t	conflict;
	uint64_t	rejected;
};

/* Told each submission's outcome (hub import lists what was refused);
 * lineno counts the header as line 1. */
typedef void merge_result_fn(void *arg, size_t lineno,
	    const char *instance_id, enum result_status status,
	    const char *reason);

struct merge {
	struct hub_store	*st;
	int64_t			 max_count;	/* submissions in a batch's
						 * header; 0: no limit */
	struct merge_form	*forms;		/* the cache */
	size_t			 nforms;
	struct merge_times	 times;		/* summed over batches */
	merge_result_fn		*on_result;	/* NULL */
	void			*arg;
};

void	merge_init(struct merge *m, struct hub_store *st);
void	merge_release(struct merge *m);

/*
 * Merge the batch r reads into the store, in one transaction. device:
 * the device the upload's token names (the header must name it too,
 * else the batch is refused); NULL for an import, where the header's
 * device must be enrolled. Each line in turn:
 *   not a submission, or not finalized         rejected (why)
 *   another device_id than the batch's         rejected
 *   form_id and form_version not published     rejected
 *   instance_id stored with the same digest    duplicate
 *   data the form's own rules refuse           rejected (first problems)
 *   instance_id stored with another digest     conflict (kept aside)
 *   else                                       stored
 * A refused line never stops the others. A batch that is itself malformed
 * (not gzip, bad header, truncated, count wrong, a line past the ceiling)
 * is ERR_INPUT naming the line, and nothing of it is stored. out (may be
 * NULL: an import of a whole season need not hold 100,000 results) gets
 * one result per line in order; n the counts.
 */
int	merge_batch(struct merge *m, struct batch_reader *r, const char *device,
	    enum hub_via via, struct results *out, struct merge_counts *n,
	    struct err *e);

/* Newer than: numeric when both are digits only, else byte order. */
int	hub_version_cmp(const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* The HTTP server                                                     */

/* Submissions in one upload. A device sends batches of tens of KB, a
 * few hundred submissions; the hub answers with one result per
 * submission, held in memory until it is sent: a header counting more is
 * refused before anything is merged. */
#define SERVE_MAX_COUNT		20000

#define SERVE_THREADS		4	/* libmicrohttpd's worker threads */
#define SERVE_MAX_CONNECTIONS	256	/* at once, from everywhere */
#define SERVE_MAX_PER_IP	32	/* at once, from one address: a
					 * carrier's NAT may hide many
					 * devices behind one */
#define SERVE_TIMEOUT_SECS	60	/* a connection idle this long is
					 * closed */
/* Upload bodies held in memory at once, all connections together: past
 * it an upload is answered 503 and retried later. */
#define SERVE_BODY_BUDGET	((size_t)64 << 20)

struct serve_opts {
	const char	*home;		/* the store's directory */
	const char	*host;		/* address to listen on */
	unsigned	 port;		/* 0: any free one */
	const char	*tls_cert;	/* PEM text, or NULL: plain HTTP */
	const char	*tls_key;
	unsigned	 timeout;	/* seconds; 0: SERVE_TIMEOUT_SECS */
	/* One line per event (started, batch merged, refusals); NULL: none.
	 * Owned by the caller. */
	FILE		*log;
};

/*
 * Serve the API until SIGTERM or SIGINT: then stop accepting, let the
 * batch being merged commit (uploads still queued are answered 503), and
 * return 0. ERR_IO when the address cannot be listened on. The caller
 * has opened the store once with its check (hub_store_open): serve_run's
 * own connections skip it.
 */
int	serve_run(const struct serve_opts *o, struct err *e);

struct MHD_Connection;
/* The client's address as text ("?" when unknown) into out (n bytes),
 * for the log and the dashboard's per-address limit; returns out. */
const char *serve_peer(struct MHD_Connection *conn, char *out, size_t n);

/* ------------------------------------------------------------------ */
/* The coordinators' dashboard (dashboard.c), served beside the API    */

/*
 * Sessions end after DASH_IDLE_SECS without a request, and
 * DASH_ABSOLUTE_SECS after the login whatever happens: an office
 * computer left open is closed within the hour, and a stolen cookie
 * dies by the end of the day.
 */
#define DASH_IDLE_SECS		(60 * 60)
#define DASH_ABSOLUTE_SECS	(12 * 60 * 60)
/* Wrong passwords in DASH_FAIL_WINDOW seconds before the next try is
 * refused (429): per account, and per client address (an office behind
 * one address has several coordinators). */
#define DASH_FAIL_WINDOW	(15 * 60)
#define DASH_FAILS_USER		5
#define DASH_FAILS_ADDR		20
/* Names: letters, digits, '.', '_', '-', '@'. Passwords: bytes. */
#define DASH_USER_MAX		64
#define DASH_PASSWORD_MIN	8
#define DASH_PASSWORD_MAX	1024
/* A form's body (login, logout): a few fields. */
#define DASH_BODY_MAX		4096
/* A session token: 32 random bytes in base64url (43 characters). */
#define DASH_TOKEN_BYTES	32
#define DASH_TOKEN_CHARS	44	/* with its NUL */
#define DASH_CSRF_CHARS		65	/* hex of 32 bytes, with its NUL */
#define DASH_COOKIE		"hub_session"
#define DASH_PRE_COOKIE		"hub_login"

/* Whether name is a valid account name. */
int	dash_user_valid(const char *name);
/*
 * password (len bytes) hashed with argon2id (crypto_pwhash_str) at
 * libsodium's "interactive" limits: 2 passes over 64 MiB, about a tenth
 * of a second here. ERR_NOMEM when the memory cannot be had.
 */
int	dash_password_hash(const char *password, size_t len,
	    char out[128], struct err *e);
/* The value of cookie name in a Cookie header into out (at most n - 1
 * bytes); 0 when it is not there or longer. */
int	dash_cookie(const char *header, const char *name, char *out,
	    size_t n);
/* The form's CSRF token bound to a session (or pre-login) token:
 * hex of BLAKE2b keyed by the token, of purpose. */
void	dash_csrf(const char *token, const char *purpose,
	    char out[DASH_CSRF_CHARS]);
/* Whether a session made at created, last seen at seen, is live at now
 * (neither idle nor absolute limit passed). */
int	dash_session_live(int64_t created, int64_t seen, int64_t now);
/* The value of field name in an application/x-www-form-urlencoded body
 * (or query string), decoded, into out; 0 when missing, too long or not
 * valid UTF-8. */
int	dash_form_field(const char *body, size_t len, const char *name,
	    char *out, size_t n);

struct dash;
/* The dashboard of the server: home is the store's directory; tls
 * whether cookies go Secure. Caller frees with dash_free(). */
int	dash_new(const char *home, int tls, struct dash **out, struct err *e);
void	dash_free(struct dash *d);
/*
 * Answer a request for a path outside the API (url), whole: body holds
 * what a POST sent (len bytes, at most DASH_BODY_MAX). log(arg, line)
 * is told what is worth a line of the server's log. Returns MHD's
 * result.
 */
typedef void dash_log_fn(void *arg, const char *line);
int	dash_answer(struct dash *d, struct MHD_Connection *conn,
	    const char *url, const char *method, const char *body, size_t len,
	    dash_log_fn *log, void *arg);

/* ------------------------------------------------------------------ */
/* Exports (export.c; docs/coordinator.md, "Exports")                  */

enum export_format {
	EXPORT_JSON,		/* the lines as received, one JSON array */
	EXPORT_CSV,		/* ODK Central's zip of one CSV per table */
	EXPORT_XLSX		/* the same tables as sheets */
};

/* What an export wrote. */
struct export_counts {
	uint64_t	submissions;	/* rows of the main table */
	uint64_t	rows;		/* rows of the repeat tables */
	size_t		tables;		/* csv, xlsx */
	size_t		columns;	/* of the main table (csv, xlsx) */
	uint64_t	truncated;	/* xlsx: cells cut at Excel's limit */
};

/* "csv", "xlsx" or "json"; ERR_USAGE for anything else. */
int	export_format_parse(const char *name, enum export_format *out);
/*
 * The current revision of every submission of form_id, its columns the
 * union of the form's published versions. Written under a private
 * temporary directory beside path and renamed into place (mode 0600):
 * path is the whole export or untouched. Memory stays bounded whatever
 * the count: rows are streamed from the store. ERR_INPUT when the hub
 * has no such form; ERR_IO when the file cannot be written.
 */
int	export_to_file(struct hub_store *st, const char *form_id,
	    enum export_format fmt, const char *path, struct export_counts *n,
	    struct err *e);
/* The same written to fp (the standard output); a zip or workbook is
 * made in $TMPDIR first (it is written with seeks), then copied. */
int	export_to_stream(struct hub_store *st, const char *form_id,
	    enum export_format fmt, FILE *fp, struct export_counts *n,
	    struct err *e);

/* ------------------------------------------------------------------ */
/* Commands                                                            */

struct hub_ctx {
	const char		*home;	/* --home, or NULL */
	struct hub_store	*st;	/* opened by main for the commands
					 * whose row needs it */
};

/* argv[0] is the command's name. Each returns an exit code. */
int	hub_cmd_init(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_device(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_forms(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_serve(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_import(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_status(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_export(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_report(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_user(struct hub_ctx *c, int argc, char **argv);
int	hub_cmd_migrate(struct hub_ctx *c, int argc, char **argv);

/* Shared by the commands (cmdutil.c). */
int	hub_error(const struct err *e);		/* prints, returns the code */
int	hub_usage_error(const char *fmt, ...) PRINTFLIKE(1, 2);
/* --help / --version handling for a command: 1 when handled. */
int	hub_std_opts(int argc, char **argv, const char *usage);
/* Whether a command's arguments ask for its --help (or --version): main
 * then opens no store for it. */
int	hub_help_asked(int argc, char **argv);
/* read: hub_store_open_read (no check of every page), for a command
 * that only reads the submissions. */
int	hub_open_store(struct hub_ctx *c, int read, struct hub_store **out);
/* v as one compact line on stdout. */
void	hub_print_json(struct json_t *v);
struct json_t *hub_json_str(const char *s);
/*
 * Check a form's bytes and its attachments with the engine, as the
 * collector's `forms add' does (problems as FILE:SHEET:ROW: on stderr;
 * a missing attachment is a warning, a bad one an error), and publish
 * them in the caller's transaction. The attachments come from the files
 * of media (a bundled survey's) when it is not NULL, else from the
 * folder media_dir. *parsed (may be NULL) gets the form.
 */
int	hub_publish_form(struct hub_store *st, const char *file,
	    const void *data, size_t len, const char *media_dir,
	    const struct bundled_file *media, enum hub_put *how,
	    struct form **parsed, struct err *e);

#endif
