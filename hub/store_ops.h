/*
 * store_ops.h: how store.c hands each hub_store_*() of store.h to the
 * backend a store was opened with (store_sqlite.c, store_pg.c). Not part
 * of the hub's interface: only the store's own files include it; the
 * rest of the hub knows store.h alone.
 *
 * A backend's store, cursor and facts writer begin with the base below;
 * every other function of store.h is a row of its table, with the same
 * arguments and promises as there.
 */
#ifndef HUB_STORE_OPS_H
#define HUB_STORE_OPS_H

#include "store.h"

struct store_ops;

struct hub_store {
	const struct store_ops	*ops;
};
struct hub_cursor {
	const struct store_ops	*ops;
};
struct hub_facts_writer {
	const struct store_ops	*ops;
};

/* One column's value for hub_store_copy: p NULL is SQL NULL; integers
 * come and go as their decimal text. */
struct store_value {
	const void	*p;
	size_t		 len;
};
typedef int store_row_fn(const struct store_value *v, int n, void *arg);

/*
 * The SQL both backends run as it is (store.c): the report's indexes, and
 * its tallies by enum hub_tally. A tally's period, where it has one, is
 * $1 and $2: PostgreSQL's numbered parameters, and to SQLite two named
 * ones that it numbers 1 and 2 in the order they first appear.
 */
struct store_index {
	const char	*name;
	const char	*sql;
};
#define STORE_NREPORT_INDEXES	5
extern const struct store_index store_report_indexes[STORE_NREPORT_INDEXES];

struct store_tally {
	const char	*sql;
	int		 ntext;		/* text columns, then */
	int		 nnum;		/* integer columns */
	int		 period;	/* whether it has $1 and $2 */
};
extern const struct store_tally store_tallies[HUB_NTALLIES];

/*
 * The export's cursor (store.h: hub_export_row), form_id as $1. A
 * corrected submission counts its edits along the chain of deprecated_id
 * (UNION: a chain that loops ends) and is dated by its first revision, as
 * ODK Central's SubmissionDate; an uncorrected one, nearly every row,
 * costs no subquery.
 */
#define STORE_SQL_EXPORT \
	"SELECT s.instance_id, s.form_version, s.device_id," \
	" CASE WHEN s.deprecated_id IS NULL THEN s.received_at ELSE" \
	"  (WITH RECURSIVE c(i) AS (SELECT s.instance_id UNION" \
	"   SELECT p.instance_id FROM submissions p, submissions q, c" \
	"   WHERE q.instance_id = c.i AND p.instance_id = q.deprecated_id)" \
	"  SELECT min(r.received_at) FROM c, submissions r" \
	"  WHERE r.instance_id = c.i) END," \
	" s.line," \
	" CASE WHEN s.deprecated_id IS NULL THEN 0 ELSE" \
	"  (WITH RECURSIVE c(d) AS (SELECT s.deprecated_id UNION" \
	"   SELECT p.deprecated_id FROM submissions p, c" \
	"   WHERE p.instance_id = c.d AND p.deprecated_id IS NOT NULL)" \
	"  SELECT count(*) FROM c) END" \
	" FROM current_submissions s WHERE s.form_id = $1 ORDER BY s.id"

struct store_ops {
	/*
	 * hub_store_copy's two halves, over a table and columns named by
	 * store.c's constant list (never by input); the columns whose bit
	 * is set in blobs are bytes, the others text. dump walks every
	 * row (in no particular order); load inserts one; loaded is told
	 * when a table is whole (PostgreSQL moves its id sequence past the
	 * ids copied).
	 */
	int	(*dump)(struct hub_store *st, const char *table,
		    const char *const *cols, int ncols, unsigned blobs,
		    store_row_fn *fn, void *arg, struct err *e);
	int	(*load)(struct hub_store *st, const char *table,
		    const char *const *cols, int ncols, unsigned blobs,
		    const struct store_value *v, struct err *e);
	int	(*loaded)(struct hub_store *st, const char *table,
		    struct err *e);
	int	(*publish)(struct hub_store *st, struct err *e);
	void	(*close)(struct hub_store *st);
	int	(*begin)(struct hub_store *st, struct err *e);
	int	(*commit)(struct hub_store *st, struct err *e);
	void	(*rollback)(struct hub_store *st);
	int	(*add_device)(struct hub_store *st, const struct hub_device *d,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    struct err *e);
	int	(*device_by_token)(struct hub_store *st,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    struct hub_device *out, int *found, struct err *e);
	int	(*get_device)(struct hub_store *st, const char *id,
		    struct hub_device *out, int *found, struct err *e);
	int	(*renew_device)(struct hub_store *st, const char *id,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    struct err *e);
	int	(*revoke_device)(struct hub_store *st, const char *id,
		    const char *at, int *was_revoked, struct err *e);
	int	(*touch_device)(struct hub_store *st, const char *id,
		    const char *at, struct err *e);
	int	(*each_device)(struct hub_store *st, hub_device_fn *fn,
		    void *arg, struct err *e);
	int	(*put_form)(struct hub_store *st, const struct hub_form *f,
		    enum hub_put *how, struct err *e);
	int	(*get_form)(struct hub_store *st, const char *form_id,
		    const char *version, struct hub_form *out, int *found,
		    struct err *e);
	int	(*get_media)(struct hub_store *st, const char *form_id,
		    const char *version, const char *name,
		    struct hub_media *out, int *found, struct err *e);
	int	(*each_form)(struct hub_store *st, hub_form_fn *fn, void *arg,
		    struct err *e);
	int	(*add_batch)(struct hub_store *st, const struct hub_batch *b,
		    int64_t *row, struct err *e);
	int	(*end_batch)(struct hub_store *st, int64_t row,
		    const struct hub_batch *b, struct err *e);
	int	(*find_subs)(struct hub_store *st, const char *const *ids,
		    size_t n, hub_found_fn *fn, void *arg, struct err *e);
	int	(*write)(struct hub_store *st, struct hub_writes *w,
		    struct err *e);
	int	(*facts_open)(struct hub_store *st,
		    struct hub_facts_writer **out, char **version,
		    int64_t *last, int64_t *behind, struct err *e);
	int	(*facts_reset)(struct hub_facts_writer *w, const char *version,
		    struct err *e);
	int	(*facts_put)(struct hub_facts_writer *w,
		    const struct hub_facts *f, struct err *e);
	int	(*facts_indexes)(struct hub_facts_writer *w, int make,
		    struct err *e);
	int	(*facts_close)(struct hub_facts_writer *w, int commit,
		    struct err *e);
	int	(*facts_current)(struct hub_store *st, const char *version,
		    int *current, struct err *e);
	int	(*each_after)(struct hub_store *st, int64_t after,
		    int64_t limit, hub_stored_fn *fn, void *arg, int64_t *n,
		    struct err *e);
	int	(*tally)(struct hub_store *st, enum hub_tally what,
		    const struct hub_period *p, hub_tally_fn *fn, void *arg,
		    struct err *e);
	int	(*subject)(struct hub_store *st, const struct hub_period *p,
		    const char *form_id, const char *subject, hub_tally_fn *fn,
		    void *arg, struct err *e);
	int	(*read_begin)(struct hub_store *st, struct err *e);
	void	(*read_end)(struct hub_store *st);
	int	(*totals)(struct hub_store *st, struct hub_totals *out,
		    struct err *e);
	int	(*count_by_form)(struct hub_store *st, hub_count_fn *fn,
		    void *arg, struct err *e);
	int	(*count_by_district)(struct hub_store *st, hub_count_fn *fn,
		    void *arg, struct err *e);
	int	(*each_current)(struct hub_store *st, const char *form_id,
		    hub_line_fn *fn, void *arg, struct err *e);
	int	(*export_open)(struct hub_store *st, const char *form_id,
		    struct hub_cursor **out, struct err *e);
	int	(*export_next)(struct hub_cursor *c, struct hub_export_row *row,
		    int *done, struct err *e);
	void	(*export_close)(struct hub_cursor *c);
	int	(*get_user)(struct hub_store *st, const char *name,
		    struct hub_user *out, int *found, struct err *e);
	int	(*add_user)(struct hub_store *st, const char *name,
		    const char *pwhash, const char *created_at, struct err *e);
	int	(*remove_user)(struct hub_store *st, const char *name,
		    int64_t *sessions, struct err *e);
	int	(*each_user)(struct hub_store *st, int64_t now, int64_t idle,
		    int64_t absolute, hub_user_fn *fn, void *arg,
		    struct err *e);
	int	(*add_session)(struct hub_store *st,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    const char *user, int64_t now, int64_t idle,
		    int64_t absolute, struct err *e);
	int	(*get_session)(struct hub_store *st,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    struct hub_session *out, int *found, struct err *e);
	int	(*touch_session)(struct hub_store *st,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES], int64_t now,
		    struct err *e);
	int	(*remove_session)(struct hub_store *st,
		    const unsigned char hash[HUB_TOKEN_HASH_BYTES],
		    struct err *e);
	int	(*login_failures)(struct hub_store *st, const char *key,
		    int64_t since, int64_t *count, int64_t *oldest,
		    struct err *e);
	int	(*add_login_failure)(struct hub_store *st,
		    const char *const *keys, size_t nkeys, int64_t now,
		    int64_t since, struct err *e);
	int	(*clear_login_failures)(struct hub_store *st, const char *key,
		    struct err *e);
};

/* Each backend's open (read: hub_store_open_read) and create. */
int	store_sqlite_open(const char *home, int read, struct hub_store **out,
	    struct err *e);
int	store_sqlite_create(const char *home, struct hub_store **out,
	    struct err *e);
int	store_pg_open(const char *url, int read, struct hub_store **out,
	    struct err *e);
int	store_pg_create(const char *url, struct hub_store **out,
	    struct err *e);

/*
 * What the backends share of the forms' attachments.
 *
 * store_media_plan: f is to be published where the same version with the
 * same bytes is already, with the attachments old (nold, no content):
 * ERR_INPUT naming the first one f has with other bytes (sha[i] are f's
 * digests), else add[i] 1 for each of f's that old lacks.
 *
 * A form walk: each_form's query gives a row per attachment (or one with
 * a NULL name for a form without), ordered by form; store_walk_row takes
 * over f's strings and hands each whole form to fn when the next one
 * starts, store_walk_end the last one.
 */
int	store_media_plan(const struct hub_media *old, size_t nold,
	    const struct hub_form *f, char (*sha)[HUB_DIGEST_HEX],
	    unsigned char *add, struct err *e);
void	store_media_digest(const struct hub_form *f,
	    char (*sha)[HUB_DIGEST_HEX]);
int	store_add_media(struct hub_media **v, size_t *n, const char *name,
	    const char *sha256, size_t len);

struct form_walk {
	hub_form_fn	*fn;
	void		*arg;
	struct hub_form	 cur;
	int		 have;
};
int	store_walk_row(struct form_walk *w, struct hub_form *f,
	    const char *name, const char *sha256, size_t len);
int	store_walk_end(struct form_walk *w);

#endif
