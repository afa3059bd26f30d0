/*
 * store.h: the hub's store, and the only door to it.
 *
 * Every SQL statement of the hub lives behind these functions: the merge,
 * the server and the commands call plain functions with plain values.
 * A store is a directory holding hub.db (SQLite: store_sqlite.c) or a
 * PostgreSQL database named by a URL, postgresql://... (store_pg.c);
 * store.c hands each call to the one the store was opened with. Nothing here knows the form engine or the wire:
 * forms are bytes, submissions are their line of text as received, with
 * the few fields the merge and the reports need beside it.
 *
 * What the store promises:
 * - A batch the hub answered for is on disk: hub.db in the hub's home in
 *   WAL with synchronous=FULL (db/), or committed in PostgreSQL.
 * - A submission is never changed or deleted once stored (triggers); a
 *   correction is another submission whose deprecated_id names it. The
 *   current revision is the one no stored submission deprecates.
 * - A conflict (same instance id, other content) is kept aside once per
 *   content; a refused line once per device and text.
 */
#ifndef HUB_STORE_H
#define HUB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/common.h"

#define HUB_STORE_FILE		"hub.db"
#define HUB_TOKEN_HASH_BYTES	32	/* BLAKE2b-256 of a device token */
#define HUB_DIGEST_HEX		65	/* a SHA-256 in hex, and its NUL */

struct hub_store;

/* Whether where names a PostgreSQL database (postgresql://...,
 * postgres://...) rather than a directory. */
int	 hub_store_is_url(const char *where);
/*
 * The home directory: dir if given (a URL is kept as it is), else $HUB_HOME, else
 * $XDG_DATA_HOME/hub, else ~/.local/share/hub. Caller frees.
 */
char	*hub_store_home(const char *dir);
/* Whether home has a store (1 too when that cannot be told). */
int	 hub_store_exists(const char *home);
/* Open the store in home (a directory, or a postgresql:// URL): ERR_IO
 * "no store in 'HOME'" when there is none, or naming the file or
 * database when it cannot be used. */
int	 hub_store_open(const char *home, struct hub_store **out,
	    struct err *e);
/*
 * The same for what reads a large store (report, export, status, the
 * dashboard's pages): db_open_read, without the quick_check of every page,
 * where the check would cost more than the work, and read-only where
 * nothing may be written. Whatever writes the submissions (init, import,
 * serve's start) opens with the check.
 */
int	 hub_store_open_read(const char *home, struct hub_store **out,
	    struct err *e);
/*
 * A new store under a temporary name in home (made 0700); refuses when
 * home has one. Fill it, then hub_store_publish() puts it in place in one
 * step; hub_store_close() without publishing removes it.
 */
int	 hub_store_create(const char *home, struct hub_store **out,
	    struct err *e);
/* st is freed whatever the result. */
int	 hub_store_publish(struct hub_store *st, struct err *e);
void	 hub_store_close(struct hub_store *st);

/* One transaction: BEGIN IMMEDIATE (waits for another writer), COMMIT
 * (rolled back when it fails), ROLLBACK (when one is open). */
int	 hub_store_begin(struct hub_store *st, struct err *e);
int	 hub_store_commit(struct hub_store *st, struct err *e);
void	 hub_store_rollback(struct hub_store *st);

/* ------------------------------------------------------------------ */
/* Devices                                                             */

struct hub_device {
	char	*id;
	char	*promoter;	/* NULL */
	char	*district;	/* NULL */
	char	*created_at;
	char	*revoked_at;	/* NULL: enrolled */
	char	*last_contact;	/* its last upload over HTTP, or NULL */
	char	*last_batch;	/* its last batch by any way (lists only) */
	int64_t	 submissions;	/* current submissions it sent (lists) */
};

void	 hub_device_release(struct hub_device *d);
/* Enrol d (id, promoter, district, created_at) with the hash of its
 * token; ERR_INPUT when the id is taken. */
int	 hub_store_add_device(struct hub_store *st, const struct hub_device *d,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e);
/*
 * The device whose token has this hash, revoked or not: *found 0 when
 * none. The stored hash is compared again in constant time.
 */
int	 hub_store_device_by_token(struct hub_store *st,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
	    struct hub_device *out, int *found, struct err *e);
int	 hub_store_get_device(struct hub_store *st, const char *id,
	    struct hub_device *out, int *found, struct err *e);
/* Revoke at the time given; *was_revoked 1 when it already was. An
 * unknown id is ERR_INPUT. */
/*
 * A new token hash for an enrolled device, revoked or not: the old token
 * stops working at once, and a revoked device is enrolled again (its
 * lost token replaced). ERR_INPUT "no device" when there is none.
 */
int	 hub_store_renew_device(struct hub_store *st, const char *id,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e);
int	 hub_store_revoke_device(struct hub_store *st, const char *id,
	    const char *at, int *was_revoked, struct err *e);
/* The device was heard from over HTTP at this time. */
int	 hub_store_touch_device(struct hub_store *st, const char *id,
	    const char *at, struct err *e);
typedef int hub_device_fn(const struct hub_device *d, void *arg);
/* Every device by id, with its last batch and submission count. fn
 * returning non-zero stops the walk and is returned. */
int	 hub_store_each_device(struct hub_store *st, hub_device_fn *fn,
	    void *arg, struct err *e);

/* ------------------------------------------------------------------ */
/* Published forms                                                     */

/* An attachment of a published version: ODK's form media, the CSV, XML
 * and GeoJSON lists the form reads, which devices fetch with it. */
struct hub_media {
	char	*name;		/* "communities.csv" */
	char	*sha256;	/* hex, of content */
	size_t	 len;
	void	*content;	/* only from hub_store_get_media */
};

struct hub_form {
	int64_t	 id;		/* row */
	char	*form_id;
	char	*version;
	char	*title;
	char	*file;		/* the file name it was published from */
	char	*sha256;	/* hex, of content */
	char	*published_at;
	void	*content;	/* the bytes; only from hub_store_get_form */
	size_t	 len;
	/* Its attachments by name: given to hub_store_put_form (name,
	 * content, len), listed by hub_store_each_form (without content). */
	struct hub_media *media;
	size_t	 nmedia;
};

void	 hub_form_release(struct hub_form *f);
void	 hub_media_release(struct hub_media *m);

enum hub_put {
	HUB_PUT_NEW,		/* a version not published before */
	HUB_PUT_SAME,		/* published already with the same bytes */
	HUB_PUT_ATTACHED	/* the same bytes, and attachments it was
				 * published without are added */
};

/*
 * Publish f (form_id, version, title, file, published_at, content, len,
 * media; each sha256 is computed) in the caller's transaction. The same
 * version with other bytes, or with an attachment of the same name and
 * other bytes, is ERR_INPUT: a published version never changes, devices
 * may hold it. Only attachments it lacks may be added to it (a form
 * published before its lists were at hand, as ODK Central allows).
 */
int	 hub_store_put_form(struct hub_store *st, const struct hub_form *f,
	    enum hub_put *how, struct err *e);
/* One version with its bytes (no media); *found 0 when it is not
 * published. */
int	 hub_store_get_form(struct hub_store *st, const char *form_id,
	    const char *version, struct hub_form *out, int *found,
	    struct err *e);
typedef int hub_form_fn(const struct hub_form *f, void *arg);
/* Every published version (no content) with its attachments' names,
 * digests and sizes, by form_id then publication. */
int	 hub_store_each_form(struct hub_store *st, hub_form_fn *fn, void *arg,
	    struct err *e);
/* One attachment of one version, with its bytes; *found 0 when none. */
int	 hub_store_get_media(struct hub_store *st, const char *form_id,
	    const char *version, const char *name, struct hub_media *out,
	    int *found, struct err *e);

/* ------------------------------------------------------------------ */
/* The merge's writes: batches, submissions, conflicts, rejections     */

enum hub_via {
	HUB_VIA_HTTP,		/* POST /api/v1/batches */
	HUB_VIA_IMPORT		/* hub import: a file carried by hand */
};

/* One batch as received; the counts are its outcome. */
struct hub_batch {
	const char	*batch_id;
	const char	*device_id;
	const char	*received_at;
	enum hub_via	 via;
	int64_t		 count;
	int64_t		 stored, duplicates, conflicts, rejected;
};

/* A batch received (*row is its row for what it brings); its counts are
 * written by hub_store_end_batch once it was read through. */
int	 hub_store_add_batch(struct hub_store *st, const struct hub_batch *b,
	    int64_t *row, struct err *e);
int	 hub_store_end_batch(struct hub_store *st, int64_t row,
	    const struct hub_batch *b, struct err *e);

/* A submission line as the merge keeps it. Strings are borrowed. */
struct hub_sub {
	const char	*instance_id;
	const char	*deprecated_id;	/* NULL */
	const char	*form_id;
	const char	*form_version;
	const char	*device_id;
	const char	*district;	/* data.district, NULL */
	const char	*finalized_at;
	const char	*received_at;
	const char	*digest;	/* envelope_digest: conflicts only */
	const char	*line;		/* the line as received */
	size_t		 len;
	int64_t		 batch;		/* hub_store_add_batch's row */
};

/*
 * The stored lines of some submissions at once (the merge looks up a
 * part of a batch in one go): fn(i, line, len, arg) for each ids[i] that
 * is stored, in no particular order, line borrowed during the call; fn
 * returning non-zero stops and is returned.
 */
typedef int hub_found_fn(size_t i, const char *line, size_t len,
	    void *arg);
int	 hub_store_find_subs(struct hub_store *st, const char *const *ids,
	    size_t n, hub_found_fn *fn, void *arg, struct err *e);
/*
 * Store s; *added 0 when a submission with its instance_id is stored
 * already. hub_store_write's for one submission (tests and benches
 * that fill a store without the merge).
 */
int	 hub_store_add_sub(struct hub_store *st, const struct hub_sub *s,
	    int *added, struct err *e);
/* The same id with other content, kept aside (once per content). */
int	 hub_store_add_conflict(struct hub_store *st, const struct hub_sub *s,
	    struct err *e);

/* A line refused, with why. */
struct hub_reject {
	const char	*instance_id;	/* NULL when the line has none */
	const char	*device_id;
	const char	*reason;
	const char	*received_at;
	int64_t		 batch;
	size_t		 lineno;	/* in the batch; the header is 1 */
	const char	*line;
	size_t		 len;
};

/* Kept once per device and line text. */
int	 hub_store_add_rejection(struct hub_store *st,
	    const struct hub_reject *r, struct err *e);

/*
 * What the merge writes of a part of a batch, in one call: one
 * statement, one round trip, on PostgreSQL (store_pg.c); a statement per
 * row in the SQLite file, which is in the process. Rows go in in the
 * order given (a stored submission's row follows the one before it).
 */
struct hub_writes {
	const struct hub_sub	*subs;		/* new ids */
	size_t			 nsubs;
	/* nsubs of them, set by the call: 0 when a submission with that
	 * id is stored already, by another hub process meanwhile (its
	 * insert waited for that one to commit): the caller reads it and
	 * judges the line as if it had come second. */
	unsigned char		*added;
	const struct hub_sub	*conflicts;	/* kept once per content */
	size_t			 nconflicts;
	const struct hub_reject	*rejects;	/* once per device and line */
	size_t			 nrejects;
};

int	 hub_store_write(struct hub_store *st, struct hub_writes *w,
	    struct err *e);

/* ------------------------------------------------------------------ */
/* The report's tables (hub report: report.h)                          */
/*
 * What the report counts of each submission, read from its line once
 * (facts.c) into narrow rows beside it, with indexes shaped like the
 * report's GROUP BYs: a report over a million submissions neither parses
 * a million lines nor sorts a million rows. They are a cache, derived
 * from the stored lines and never the only copy of anything: the report
 * brings them up to date before it reads them (in the order submissions
 * were stored), and derives them all again when the way they are read
 * (the version) changes.
 *
 * Each row says whether a stored correction replaces its submission
 * ("replaced"), set when either of the two is read, whichever comes
 * first: a tally then reads the current revisions as one range of its
 * index, with no lookup per row.
 */

/* One submission as the report counts it. Strings are borrowed; NULL
 * means the submission has no such value. */
struct hub_facts {
	int64_t		 sub;		/* submissions.id */
	const char	*instance_id;
	const char	*deprecated_id;
	const char	*form_id;
	const char	*district;
	int64_t		 day;		/* the period's date, in days since
					 * 1970-01-01 */
	const char	*device_id;
	const char	*promoter;
	const char	*subject;	/* who or what was surveyed, for the
					 * same one surveyed twice */
	const char	*community;
	int64_t		 digest;	/* of the data, for "different
					 * answers" */
	const char	*missing;	/* unanswered questions, by path,
					 * space-separated; NULL: none */
	const char	*anemia;	/* the class; "" measured without
					 * one; NULL not measured */
	const char	*hb_group;
	const char	*hb_rule;
	const char	*water_ladder;
	const char	*sanitation_ladder;
	const char	*hygiene_ladder;
	const char	*programmes;	/* who installed the household's
					 * components, sorted, distinct */
	const char	*in_use;	/* improvements_in_use as text */
	const char	*components;	/* a household's components (facts.c
					 * says how); NULL but for the
					 * improvements survey */
	/* A child's growth (facts.c): growth_rule NULL when no child was
	 * measured, "" when one was and the survey names no rule; each
	 * class NULL when it does not apply (out of the table, oedema),
	 * "" when it is missing. */
	const char	*growth_rule;
	const char	*stunting;
	const char	*wasting;
	const char	*underweight;
	const char	*overweight;
};

struct hub_facts_writer;

/*
 * A write transaction on the report's tables (BEGIN IMMEDIATE: it waits
 * for another writer): *version the version they were read with ("" at
 * first), *last the last submission they cover, *behind how many stored
 * submissions come after it. Closed by hub_store_facts_close, which
 * commits when commit is non-zero and rolls back otherwise; w is freed
 * either way.
 */
int	 hub_store_facts_open(struct hub_store *st,
	    struct hub_facts_writer **out, char **version, int64_t *last,
	    int64_t *behind, struct err *e);
/* Forget every fact, to read them all again under version. */
int	 hub_store_facts_reset(struct hub_facts_writer *w,
	    const char *version, struct err *e);
/* Add one submission's facts (after the last), and mark what it
 * replaces. */
int	 hub_store_facts_put(struct hub_facts_writer *w,
	    const struct hub_facts *f, struct err *e);
/* Drop the tables' indexes (before reading many submissions: one index
 * built at the end costs a sort, a row added to it a random write), or
 * make those that are missing. */
int	 hub_store_facts_indexes(struct hub_facts_writer *w, int make,
	    struct err *e);
int	 hub_store_facts_close(struct hub_facts_writer *w, int commit,
	    struct err *e);
/* Without a transaction or a lock: whether the tables are up to date
 * with the store under version, indexes included (*current 1). */
int	 hub_store_facts_current(struct hub_store *st, const char *version,
	    int *current, struct err *e);
/* A stored submission, with what the report reads of it. */
struct hub_stored {
	int64_t		 row;
	const char	*instance_id;
	const char	*deprecated_id;
	const char	*form_id;
	const char	*device_id;
	const char	*district;
	const char	*finalized_at;
	const char	*line;
	size_t		 len;
};
typedef int hub_stored_fn(const struct hub_stored *s, void *arg);
/* The submissions stored after row after, at most limit, in row order;
 * *n how many. */
int	 hub_store_each_after(struct hub_store *st, int64_t after,
	    int64_t limit, hub_stored_fn *fn, void *arg, int64_t *n,
	    struct err *e);

/*
 * Tallies over the report's tables and the merge's: each a GROUP BY
 * whose rows come to fn as text columns (NULL stays NULL) and integers.
 * Only current revisions count, and only those whose day is in the
 * period.
 */
enum hub_tally {
	/* form_id, district, anemia, hb_group, hb_rule, water_ladder,
	 * sanitation_ladder, hygiene_ladder, programmes, in_use,
	 * device_id, promoter | count */
	HUB_TALLY_INDICATORS,
	/* district, components | count */
	HUB_TALLY_COMPONENTS,
	/* form_id, district, anemia, growth_rule, stunting, wasting,
	 * underweight, overweight | count; the children measured only
	 * (growth_rule not NULL) */
	HUB_TALLY_GROWTH,
	/* form_id, missing | count */
	HUB_TALLY_MISSING,
	/* form_id, subject | count, 1 when their data differ; only the
	 * subjects surveyed more than once */
	HUB_TALLY_SUBJECTS,
	/* device_id, promoter, district, revoked_at, last_contact (over
	 * HTTP), last batch received (any way) | 0 */
	HUB_TALLY_DEVICES,
	/* device_id | conflicts kept aside (whatever the period) */
	HUB_TALLY_CONFLICTS,
	/* device_id | lines refused, refused submissions still waiting (no
	 * correction nor the same one stored since; whatever the period) */
	HUB_TALLY_REJECTED,
	HUB_NTALLIES
};

/* Days since 1970-01-01, both included. */
struct hub_period {
	int64_t	from;
	int64_t	to;
};

typedef int hub_tally_fn(const char *const *text, const int64_t *num,
	    void *arg);
int	 hub_store_tally(struct hub_store *st, enum hub_tally what,
	    const struct hub_period *p, hub_tally_fn *fn, void *arg,
	    struct err *e);
/* The districts and communities of one subject's current submissions
 * in the period (district, community | count). */
int	 hub_store_subject(struct hub_store *st, const struct hub_period *p,
	    const char *form_id, const char *subject, hub_tally_fn *fn,
	    void *arg, struct err *e);
/* A read transaction (no lock, WAL): the tallies between these two see
 * one state of the store, whatever is merged meanwhile. */
int	 hub_store_read_begin(struct hub_store *st, struct err *e);
void	 hub_store_read_end(struct hub_store *st);

/* ------------------------------------------------------------------ */
/* Reading: status and export                                          */

struct hub_totals {
	int64_t	submissions;	/* current revisions */
	int64_t	revisions;	/* every submission stored */
	int64_t	conflicts;
	int64_t	rejections;
	int64_t	batches;
	int64_t	devices;	/* enrolled, not revoked */
};

int	 hub_store_totals(struct hub_store *st, struct hub_totals *out,
	    struct err *e);
typedef int hub_count_fn(const char *key, int64_t n, void *arg);
/* Current submissions by form_id, and by district (key NULL: none). */
int	 hub_store_count_by_form(struct hub_store *st, hub_count_fn *fn,
	    void *arg, struct err *e);
int	 hub_store_count_by_district(struct hub_store *st, hub_count_fn *fn,
	    void *arg, struct err *e);
typedef int hub_line_fn(const char *line, size_t len, void *arg);
/* The current revisions of form_id, each line as received, in the order
 * they were received; streamed, one row at a time. */
int	 hub_store_each_current(struct hub_store *st, const char *form_id,
	    hub_line_fn *fn, void *arg, struct err *e);

/* ------------------------------------------------------------------ */
/* Export: a cursor over the current revisions                         */

/* One current submission as the export reads it. Strings are borrowed
 * until the next step. */
struct hub_export_row {
	const char	*instance_id;
	const char	*form_version;
	const char	*device_id;
	const char	*received_at;	/* when the hub first had it: the
					 * first revision's, for a corrected
					 * one (ODK Central's SubmissionDate) */
	const char	*line;		/* as received */
	size_t		 len;
	int64_t		 edits;		/* revisions before this one (the
					 * chain of deprecated_id) */
};

struct hub_cursor;

/*
 * The current revisions of form_id in the order they were received, one
 * row at a time, in a read transaction: until hub_store_export_close,
 * whatever else is read from st (the form's versions) is the same
 * snapshot, whatever a writer commits meanwhile. A writer is never held
 * up (WAL).
 */
int	 hub_store_export_open(struct hub_store *st, const char *form_id,
	    struct hub_cursor **out, struct err *e);
/* The next row into *row; *done 1 (row cleared) past the last one. */
int	 hub_store_export_next(struct hub_cursor *c, struct hub_export_row *row,
	    int *done, struct err *e);
void	 hub_store_export_close(struct hub_cursor *c);

/* ------------------------------------------------------------------ */
/* Coordinators of the dashboard, their sessions, wrong passwords      */

struct hub_user {
	char	*name;
	char	*pwhash;	/* crypto_pwhash_str's; not from the lists */
	char	*created_at;
	int64_t	 sessions;	/* live ones (lists), all (get) */
};

void	 hub_user_release(struct hub_user *u);
int	 hub_store_get_user(struct hub_store *st, const char *name,
	    struct hub_user *out, int *found, struct err *e);
/* ERR_INPUT when the name is taken. */
int	 hub_store_add_user(struct hub_store *st, const char *name,
	    const char *pwhash, const char *created_at, struct err *e);
/* The user and every session of theirs, in one transaction; *sessions
 * how many went. ERR_INPUT "no user" when there is none. */
int	 hub_store_remove_user(struct hub_store *st, const char *name,
	    int64_t *sessions, struct err *e);
typedef int hub_user_fn(const struct hub_user *u, void *arg);
/* Every user by name, with the sessions still live at now (seen in the
 * last idle seconds, made in the last absolute ones). */
int	 hub_store_each_user(struct hub_store *st, int64_t now, int64_t idle,
	    int64_t absolute, hub_user_fn *fn, void *arg, struct err *e);

/* A session: times in seconds since the epoch. */
struct hub_session {
	char	*user;		/* caller frees */
	int64_t	 created_at;
	int64_t	 seen_at;
};

/* A new session of user, keyed by the hash of its token; the sessions
 * dead at now (idle, absolute: as hub_store_each_user) go. */
int	 hub_store_add_session(struct hub_store *st,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES], const char *user,
	    int64_t now, int64_t idle, int64_t absolute, struct err *e);
/* *found 0 when no session has that hash; whether it is still live is
 * the caller's to judge. */
int	 hub_store_get_session(struct hub_store *st,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
	    struct hub_session *out, int *found, struct err *e);
int	 hub_store_touch_session(struct hub_store *st,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES], int64_t now,
	    struct err *e);
int	 hub_store_remove_session(struct hub_store *st,
	    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e);

/* Wrong passwords under key ("user:NAME", "addr:IP") after since: how
 * many, and the time of the oldest (0 when none). */
int	 hub_store_login_failures(struct hub_store *st, const char *key,
	    int64_t since, int64_t *count, int64_t *oldest, struct err *e);
/* One wrong password at now under each key; those at or before since
 * (out of every window) are deleted. */
int	 hub_store_add_login_failure(struct hub_store *st,
	    const char *const *keys, size_t nkeys, int64_t now, int64_t since,
	    struct err *e);
int	 hub_store_clear_login_failures(struct hub_store *st, const char *key,
	    struct err *e);

/* ------------------------------------------------------------------ */
/* Moving a hub: hub migrate                                           */

/* One table copied: its rows, and a BLAKE2b-256 of its content that
 * does not depend on the order rows are read in. */
struct hub_copied {
	const char	*table;
	int64_t		 rows;
	unsigned char	 hash[32];
};

#define HUB_COPY_TABLES	8

/*
 * Copy what from holds (devices with their token hashes, forms and
 * their attachments, batches, submissions, conflicts, refused lines, coordinators) into to,
 * a store just made by hub_store_create and not yet published, row ids
 * kept; then read every table of both again and compare row counts and
 * content hashes (ERR_IO naming the table when they differ). The
 * report's tables are a cache and sessions are live logins: neither is
 * copied. Nothing is written to from. out[i] says each table.
 */
int	 hub_store_copy(struct hub_store *from, struct hub_store *to,
	    struct hub_copied out[HUB_COPY_TABLES], struct err *e);

#endif
