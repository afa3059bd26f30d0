/*
 * store.c: the door of store.h. A store is a directory (SQLite, hub.db in
 * it: store_sqlite.c) or a PostgreSQL database (store_pg.c), told apart
 * by how it is named; every other call goes to the backend the store was
 * opened with. No SQL here: each backend keeps its own.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../db/db.h"
#include "store_ops.h"

int
hub_store_is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

char *
hub_store_home(const char *dir)
{
	if (dir != NULL && hub_store_is_url(dir))
		return strdup(dir);
	return db_home(dir, "HUB_HOME", "hub");
}

int
hub_store_exists(const char *home)
{
	/* A database is there or not when it is opened: that says why. */
	if (hub_store_is_url(home))
		return 1;
	return db_exists(home, HUB_STORE_FILE);
}

int
hub_store_open(const char *home, struct hub_store **out, struct err *e)
{
	if (hub_store_is_url(home))
		return store_pg_open(home, 0, out, e);
	return store_sqlite_open(home, 0, out, e);
}

int
hub_store_open_read(const char *home, struct hub_store **out, struct err *e)
{
	if (hub_store_is_url(home))
		return store_pg_open(home, 1, out, e);
	return store_sqlite_open(home, 1, out, e);
}

int
hub_store_create(const char *home, struct hub_store **out, struct err *e)
{
	if (hub_store_is_url(home))
		return store_pg_create(home, out, e);
	return store_sqlite_create(home, out, e);
}

void
hub_device_release(struct hub_device *d)
{
	free(d->id);
	free(d->promoter);
	free(d->district);
	free(d->created_at);
	free(d->revoked_at);
	free(d->last_contact);
	free(d->last_batch);
	memset(d, 0, sizeof(*d));
}

void
hub_form_release(struct hub_form *f)
{
	size_t	i;

	free(f->form_id);
	free(f->version);
	free(f->title);
	free(f->file);
	free(f->sha256);
	free(f->published_at);
	free(f->content);
	for (i = 0; i < f->nmedia; i++)
		hub_media_release(&f->media[i]);
	free(f->media);
	memset(f, 0, sizeof(*f));
}

void
hub_media_release(struct hub_media *m)
{
	free(m->name);
	free(m->sha256);
	free(m->content);
	memset(m, 0, sizeof(*m));
}

void
store_media_digest(const struct hub_form *f, char (*sha)[HUB_DIGEST_HEX])
{
	unsigned char	h[crypto_hash_sha256_BYTES];
	size_t		i;

	for (i = 0; i < f->nmedia; i++) {
		crypto_hash_sha256(h, f->media[i].content, f->media[i].len);
		sodium_bin2hex(sha[i], HUB_DIGEST_HEX, h, sizeof(h));
	}
}

int
store_media_plan(const struct hub_media *old, size_t nold,
    const struct hub_form *f, char (*sha)[HUB_DIGEST_HEX],
    unsigned char *add, struct err *e)
{
	size_t	i, j;

	for (i = 0; i < f->nmedia; i++) {
		for (j = 0; j < nold; j++)
			if (strcmp(old[j].name, f->media[i].name) == 0)
				break;
		add[i] = j == nold;
		if (j < nold && strcmp(old[j].sha256, sha[i]) != 0)
			return err_set(e, ERR_INPUT, _("'%s' version '%s' is "
			    "already published with another '%s': raise the "
			    "version"), f->form_id, f->version,
			    f->media[i].name);
	}
	return 0;
}

int
store_add_media(struct hub_media **v, size_t *n, const char *name,
    const char *sha256, size_t len)
{
	struct hub_media	*p, *m;

	/* one more at a time: a form has a few attachments */
	if ((p = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		return ERR_NOMEM;
	*v = p;
	m = &p[*n];
	memset(m, 0, sizeof(*m));
	m->len = len;
	if ((m->name = strdup(name)) == NULL ||
	    (m->sha256 = strdup(sha256)) == NULL) {
		hub_media_release(m);
		return ERR_NOMEM;
	}
	(*n)++;
	return 0;
}

int
store_walk_row(struct form_walk *w, struct hub_form *f, const char *name,
    const char *sha256, size_t len)
{
	int	rc;

	if (w->have && w->cur.id == f->id)
		hub_form_release(f);
	else if ((rc = store_walk_end(w)) != 0) {
		hub_form_release(f);
		return rc;
	} else {
		w->cur = *f;
		w->have = 1;
	}
	if (name != NULL && store_add_media(&w->cur.media, &w->cur.nmedia,
	    name, sha256, len) != 0)
		return ERR_NOMEM;
	return 0;
}

int
store_walk_end(struct form_walk *w)
{
	int	rc;

	if (!w->have)
		return 0;
	rc = w->fn(&w->cur, w->arg);
	hub_form_release(&w->cur);
	w->have = 0;
	return rc;
}

void
hub_user_release(struct hub_user *u)
{
	free(u->name);
	free(u->pwhash);
	free(u->created_at);
	memset(u, 0, sizeof(*u));
}

int
hub_store_publish(struct hub_store *st, struct err *e)
{
	return st->ops->publish(st, e);
}

void
hub_store_close(struct hub_store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st);
}

int
hub_store_begin(struct hub_store *st, struct err *e)
{
	return st->ops->begin(st, e);
}

int
hub_store_commit(struct hub_store *st, struct err *e)
{
	return st->ops->commit(st, e);
}

void
hub_store_rollback(struct hub_store *st)
{
	st->ops->rollback(st);
}

int
hub_store_add_device(struct hub_store *st, const struct hub_device *d, const
    unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	return st->ops->add_device(st, d, hash, e);
}

int
hub_store_device_by_token(struct hub_store *st, const unsigned char
    hash[HUB_TOKEN_HASH_BYTES], struct hub_device *out, int *found, struct
    err *e)
{
	return st->ops->device_by_token(st, hash, out, found, e);
}

int
hub_store_get_device(struct hub_store *st, const char *id, struct hub_device
    *out, int *found, struct err *e)
{
	return st->ops->get_device(st, id, out, found, e);
}

int
hub_store_renew_device(struct hub_store *st, const char *id, const unsigned
    char hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	return st->ops->renew_device(st, id, hash, e);
}

int
hub_store_revoke_device(struct hub_store *st, const char *id, const char
    *at, int *was_revoked, struct err *e)
{
	return st->ops->revoke_device(st, id, at, was_revoked, e);
}

int
hub_store_touch_device(struct hub_store *st, const char *id, const char *at,
    struct err *e)
{
	return st->ops->touch_device(st, id, at, e);
}

int
hub_store_each_device(struct hub_store *st, hub_device_fn *fn, void *arg,
    struct err *e)
{
	return st->ops->each_device(st, fn, arg, e);
}

int
hub_store_put_form(struct hub_store *st, const struct hub_form *f, enum
    hub_put *how, struct err *e)
{
	return st->ops->put_form(st, f, how, e);
}

int
hub_store_get_form(struct hub_store *st, const char *form_id, const char
    *version, struct hub_form *out, int *found, struct err *e)
{
	return st->ops->get_form(st, form_id, version, out, found, e);
}

int
hub_store_get_media(struct hub_store *st, const char *form_id,
    const char *version, const char *name, struct hub_media *out, int *found,
    struct err *e)
{
	return st->ops->get_media(st, form_id, version, name, out, found, e);
}

int
hub_store_each_form(struct hub_store *st, hub_form_fn *fn, void *arg, struct
    err *e)
{
	return st->ops->each_form(st, fn, arg, e);
}

int
hub_store_add_batch(struct hub_store *st, const struct hub_batch *b, int64_t
    *row, struct err *e)
{
	return st->ops->add_batch(st, b, row, e);
}

int
hub_store_end_batch(struct hub_store *st, int64_t row, const struct
    hub_batch *b, struct err *e)
{
	return st->ops->end_batch(st, row, b, e);
}

int
hub_store_find_subs(struct hub_store *st, const char *const *ids, size_t n,
    hub_found_fn *fn, void *arg, struct err *e)
{
	return n > 0 ? st->ops->find_subs(st, ids, n, fn, arg, e) : 0;
}

int
hub_store_write(struct hub_store *st, struct hub_writes *w, struct err *e)
{
	return st->ops->write(st, w, e);
}

int
hub_store_add_sub(struct hub_store *st, const struct hub_sub *s, int *added,
    struct err *e)
{
	struct hub_writes	w;
	unsigned char		a = 0;
	int			rc;

	memset(&w, 0, sizeof(w));
	w.subs = s;
	w.nsubs = 1;
	w.added = &a;
	rc = st->ops->write(st, &w, e);
	*added = a;
	return rc;
}

int
hub_store_add_conflict(struct hub_store *st, const struct hub_sub *s, struct
    err *e)
{
	struct hub_writes	w;

	memset(&w, 0, sizeof(w));
	w.conflicts = s;
	w.nconflicts = 1;
	return st->ops->write(st, &w, e);
}

int
hub_store_add_rejection(struct hub_store *st, const struct hub_reject *r,
    struct err *e)
{
	struct hub_writes	w;

	memset(&w, 0, sizeof(w));
	w.rejects = r;
	w.nrejects = 1;
	return st->ops->write(st, &w, e);
}

int
hub_store_facts_open(struct hub_store *st, struct hub_facts_writer **out,
    char **version, int64_t *last, int64_t *behind, struct err *e)
{
	return st->ops->facts_open(st, out, version, last, behind, e);
}

int
hub_store_facts_reset(struct hub_facts_writer *w, const char *version,
    struct err *e)
{
	return w->ops->facts_reset(w, version, e);
}

int
hub_store_facts_put(struct hub_facts_writer *w, const struct hub_facts *f,
    struct err *e)
{
	return w->ops->facts_put(w, f, e);
}

int
hub_store_facts_indexes(struct hub_facts_writer *w, int make, struct err *e)
{
	return w->ops->facts_indexes(w, make, e);
}

int
hub_store_facts_close(struct hub_facts_writer *w, int commit, struct err *e)
{
	if (w == NULL)
		return 0;
	return w->ops->facts_close(w, commit, e);
}

int
hub_store_facts_current(struct hub_store *st, const char *version, int
    *current, struct err *e)
{
	return st->ops->facts_current(st, version, current, e);
}

int
hub_store_each_after(struct hub_store *st, int64_t after, int64_t limit,
    hub_stored_fn *fn, void *arg, int64_t *n, struct err *e)
{
	return st->ops->each_after(st, after, limit, fn, arg, n, e);
}

int
hub_store_tally(struct hub_store *st, enum hub_tally what, const struct
    hub_period *p, hub_tally_fn *fn, void *arg, struct err *e)
{
	return st->ops->tally(st, what, p, fn, arg, e);
}

int
hub_store_subject(struct hub_store *st, const struct hub_period *p, const
    char *form_id, const char *subject, hub_tally_fn *fn, void *arg, struct
    err *e)
{
	return st->ops->subject(st, p, form_id, subject, fn, arg, e);
}

int
hub_store_read_begin(struct hub_store *st, struct err *e)
{
	return st->ops->read_begin(st, e);
}

void
hub_store_read_end(struct hub_store *st)
{
	st->ops->read_end(st);
}

int
hub_store_totals(struct hub_store *st, struct hub_totals *out, struct err *e)
{
	return st->ops->totals(st, out, e);
}

int
hub_store_count_by_form(struct hub_store *st, hub_count_fn *fn, void *arg,
    struct err *e)
{
	return st->ops->count_by_form(st, fn, arg, e);
}

int
hub_store_count_by_district(struct hub_store *st, hub_count_fn *fn, void
    *arg, struct err *e)
{
	return st->ops->count_by_district(st, fn, arg, e);
}

int
hub_store_each_current(struct hub_store *st, const char *form_id,
    hub_line_fn *fn, void *arg, struct err *e)
{
	return st->ops->each_current(st, form_id, fn, arg, e);
}

int
hub_store_export_open(struct hub_store *st, const char *form_id, struct
    hub_cursor **out, struct err *e)
{
	return st->ops->export_open(st, form_id, out, e);
}

int
hub_store_export_next(struct hub_cursor *c, struct hub_export_row *row, int
    *done, struct err *e)
{
	return c->ops->export_next(c, row, done, e);
}

void
hub_store_export_close(struct hub_cursor *c)
{
	if (c == NULL)
		return;
	c->ops->export_close(c);
}

int
hub_store_get_user(struct hub_store *st, const char *name, struct hub_user
    *out, int *found, struct err *e)
{
	return st->ops->get_user(st, name, out, found, e);
}

int
hub_store_add_user(struct hub_store *st, const char *name, const char
    *pwhash, const char *created_at, struct err *e)
{
	return st->ops->add_user(st, name, pwhash, created_at, e);
}

int
hub_store_remove_user(struct hub_store *st, const char *name, int64_t
    *sessions, struct err *e)
{
	return st->ops->remove_user(st, name, sessions, e);
}

int
hub_store_each_user(struct hub_store *st, int64_t now, int64_t idle, int64_t
    absolute, hub_user_fn *fn, void *arg, struct err *e)
{
	return st->ops->each_user(st, now, idle, absolute, fn, arg, e);
}

int
hub_store_add_session(struct hub_store *st, const unsigned char
    hash[HUB_TOKEN_HASH_BYTES], const char *user, int64_t now, int64_t idle,
    int64_t absolute, struct err *e)
{
	return st->ops->add_session(st, hash, user, now, idle, absolute, e);
}

int
hub_store_get_session(struct hub_store *st, const unsigned char
    hash[HUB_TOKEN_HASH_BYTES], struct hub_session *out, int *found, struct
    err *e)
{
	return st->ops->get_session(st, hash, out, found, e);
}

int
hub_store_touch_session(struct hub_store *st, const unsigned char
    hash[HUB_TOKEN_HASH_BYTES], int64_t now, struct err *e)
{
	return st->ops->touch_session(st, hash, now, e);
}

int
hub_store_remove_session(struct hub_store *st, const unsigned char
    hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	return st->ops->remove_session(st, hash, e);
}

int
hub_store_login_failures(struct hub_store *st, const char *key, int64_t
    since, int64_t *count, int64_t *oldest, struct err *e)
{
	return st->ops->login_failures(st, key, since, count, oldest, e);
}

int
hub_store_add_login_failure(struct hub_store *st, const char *const *keys,
    size_t nkeys, int64_t now, int64_t since, struct err *e)
{
	return st->ops->add_login_failure(st, keys, nkeys, now, since, e);
}

int
hub_store_clear_login_failures(struct hub_store *st, const char *key, struct
    err *e)
{
	return st->ops->clear_login_failures(st, key, e);
}

/* ------------------------------------------------------------------ */
/* hub_store_copy                                                      */

#define COPY_MAX_COLS	16

/* What a hub holds, in an order that keeps every reference satisfied;
 * blobs: the columns that are bytes, by bit. */
static const struct {
	const char	*table;
	const char	*cols[COPY_MAX_COLS];
	int		 ncols;
	unsigned	 blobs;
	int		 has_id;	/* an id column with a sequence */
} copy_tables[HUB_COPY_TABLES] = {
	{ "devices", { "id", "promoter", "district", "token_hash",
	    "created_at", "revoked_at", "last_contact" }, 7, 1u << 3, 0 },
	{ "forms", { "id", "form_id", "version", "title", "file", "content",
	    "sha256", "published_at" }, 8, 1u << 5, 1 },
	{ "form_media", { "form", "name", "sha256", "size", "content" }, 5,
	    1u << 4, 0 },
	{ "batches", { "id", "batch_id", "device_id", "via", "received_at",
	    "count", "stored", "duplicates", "conflicts", "rejected" }, 10, 0,
	    1 },
	{ "submissions", { "id", "instance_id", "deprecated_id", "form_id",
	    "form_version", "device_id", "district", "finalized_at",
	    "received_at", "batch", "line" }, 11, 0, 1 },
	{ "conflicts", { "id", "instance_id", "device_id", "received_at",
	    "batch", "digest", "line" }, 7, 0, 1 },
	{ "rejections", { "id", "instance_id", "device_id", "reason",
	    "received_at", "batch", "lineno", "line", "line_sha256" }, 9,
	    1u << 7, 1 },
	{ "users", { "name", "pwhash", "created_at" }, 3, 0, 0 },
};

struct copy_run {
	struct hub_store	*to;
	int			 t;
	struct hub_copied	*sum;
	struct err		*e;
};

/* Add one row to a table's sum: the hash of each row (each value's
 * length first, NULL apart), added lane by lane, so that the order of
 * the rows does not matter. */
static void
sum_row(struct hub_copied *sum, const struct store_value *v, int n)
{
	crypto_generichash_state	 h;
	unsigned char			 d[32], len[9];
	uint64_t			 a, b;
	size_t				 i, k;
	int				 c;

	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	for (c = 0; c < n; c++) {
		len[0] = v[c].p == NULL;
		for (k = 0; k < 8; k++)
			len[1 + k] = (unsigned char)(v[c].len >> (8 * k));
		crypto_generichash_update(&h, len, sizeof(len));
		if (v[c].p != NULL)
			crypto_generichash_update(&h, v[c].p, v[c].len);
	}
	crypto_generichash_final(&h, d, sizeof(d));
	for (i = 0; i < sizeof(d); i += 8) {
		memcpy(&a, sum->hash + i, 8);
		memcpy(&b, d + i, 8);
		a += b;
		memcpy(sum->hash + i, &a, 8);
	}
	sum->rows++;
}

static int
copy_row(const struct store_value *v, int n, void *arg)
{
	struct copy_run	*r = arg;
	int		 t = r->t;

	sum_row(r->sum, v, n);
	return r->to->ops->load(r->to, copy_tables[t].table,
	    copy_tables[t].cols, copy_tables[t].ncols, copy_tables[t].blobs,
	    v, r->e);
}

static int
read_row(const struct store_value *v, int n, void *arg)
{
	sum_row(arg, v, n);
	return 0;
}

int
hub_store_copy(struct hub_store *from, struct hub_store *to,
    struct hub_copied out[HUB_COPY_TABLES], struct err *e)
{
	struct hub_copied	back;
	struct copy_run		r;
	int			t, rc;

	memset(out, 0, HUB_COPY_TABLES * sizeof(*out));
	for (t = 0; t < HUB_COPY_TABLES; t++) {
		out[t].table = copy_tables[t].table;
		r.to = to;
		r.t = t;
		r.sum = &out[t];
		r.e = e;
		if ((rc = from->ops->dump(from, copy_tables[t].table,
		    copy_tables[t].cols, copy_tables[t].ncols,
		    copy_tables[t].blobs, copy_row, &r, e)) != 0)
			return rc;
		if (copy_tables[t].has_id &&
		    (rc = to->ops->loaded(to, copy_tables[t].table, e)) != 0)
			return rc;
		/* Read back what the target holds now. */
		memset(&back, 0, sizeof(back));
		if ((rc = to->ops->dump(to, copy_tables[t].table,
		    copy_tables[t].cols, copy_tables[t].ncols,
		    copy_tables[t].blobs, read_row, &back, e)) != 0)
			return rc;
		if (back.rows != out[t].rows)
			return err_set(e, ERR_IO, _("table '%s': %lld rows "
			    "copied, %lld read back"), out[t].table,
			    (long long)out[t].rows, (long long)back.rows);
		if (memcmp(back.hash, out[t].hash, sizeof(back.hash)) != 0)
			return err_set(e, ERR_IO, _("table '%s': what was read "
			    "back differs from what was copied"),
			    out[t].table);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The SQL both backends run as it is (store_ops.h)                    */

/*
 * Their indexes: each begins with replaced, then follows one tally's
 * GROUP BY column for column, so that a tally reads the current rows as
 * one range of one index, in order, and never sorts. Made here rather
 * than by a migration: a catch-up of many rows drops them and makes them
 * again at the end.
 */
const struct store_index store_report_indexes[STORE_NREPORT_INDEXES] = {
	{ "report_facts_indicators",
	    "CREATE INDEX IF NOT EXISTS report_facts_indicators ON"
	    " report_facts (replaced, form_id, district, anemia, hb_group,"
	    " hb_rule, water_ladder, sanitation_ladder, hygiene_ladder,"
	    " programmes, in_use, device_id, promoter, day)" },
	{ "report_facts_subjects",
	    "CREATE INDEX IF NOT EXISTS report_facts_subjects ON"
	    " report_facts (replaced, form_id, subject, digest, day)"
	    " WHERE subject IS NOT NULL" },
	{ "report_facts_missing",
	    "CREATE INDEX IF NOT EXISTS report_facts_missing ON"
	    " report_facts (replaced, form_id, missing, day)"
	    " WHERE missing IS NOT NULL" },
	{ "report_facts_components",
	    "CREATE INDEX IF NOT EXISTS report_facts_components ON"
	    " report_facts (replaced, district, components, day)"
	    " WHERE components IS NOT NULL" },
	{ "report_facts_growth",
	    "CREATE INDEX IF NOT EXISTS report_facts_growth ON"
	    " report_facts (replaced, form_id, district, anemia, growth_rule,"
	    " stunting, wasting, underweight, overweight, day)"
	    " WHERE growth_rule IS NOT NULL" },
};

#define STORE_PERIOD	"day BETWEEN $1 AND $2"

const struct store_tally store_tallies[HUB_NTALLIES] = {
	[HUB_TALLY_INDICATORS] = {
	    "SELECT form_id, district, anemia, hb_group, hb_rule,"
	    " water_ladder, sanitation_ladder, hygiene_ladder, programmes,"
	    " in_use, device_id, promoter, count(*) FROM report_facts"
	    " WHERE replaced = 0 AND " STORE_PERIOD
	    " GROUP BY form_id, district, anemia, hb_group, hb_rule,"
	    " water_ladder, sanitation_ladder, hygiene_ladder, programmes,"
	    " in_use, device_id, promoter", 12, 1, 1 },
	[HUB_TALLY_COMPONENTS] = {
	    "SELECT district, components, count(*) FROM report_facts"
	    " WHERE replaced = 0 AND components IS NOT NULL AND "
	    STORE_PERIOD " GROUP BY district, components", 2, 1, 1 },
	[HUB_TALLY_GROWTH] = {
	    "SELECT form_id, district, anemia, growth_rule, stunting,"
	    " wasting, underweight, overweight, count(*) FROM report_facts"
	    " WHERE replaced = 0 AND growth_rule IS NOT NULL AND "
	    STORE_PERIOD " GROUP BY form_id, district, anemia, growth_rule,"
	    " stunting, wasting, underweight, overweight", 8, 1, 1 },
	[HUB_TALLY_MISSING] = {
	    "SELECT form_id, missing, count(*) FROM report_facts"
	    " WHERE replaced = 0 AND missing IS NOT NULL AND " STORE_PERIOD
	    " GROUP BY form_id, missing", 2, 1, 1 },
	[HUB_TALLY_SUBJECTS] = {
	    "SELECT form_id, subject, count(*),"
	    " CASE WHEN min(digest) <> max(digest) THEN 1 ELSE 0 END"
	    " FROM report_facts WHERE replaced = 0 AND subject IS NOT NULL"
	    " AND " STORE_PERIOD " GROUP BY form_id, subject"
	    " HAVING count(*) > 1", 2, 2, 1 },
	[HUB_TALLY_DEVICES] = {
	    "SELECT id, promoter, district, revoked_at, last_contact,"
	    " (SELECT max(received_at) FROM batches b"
	    "  WHERE b.device_id = d.id), 0 FROM devices d ORDER BY id",
	    6, 1, 0 },
	[HUB_TALLY_CONFLICTS] = {
	    "SELECT device_id, count(*) FROM conflicts GROUP BY device_id",
	    1, 1, 0 },
	[HUB_TALLY_REJECTED] = {
	    "SELECT device_id, count(*), count(DISTINCT CASE"
	    " WHEN instance_id IS NULL THEN 'line ' || id"
	    " WHEN NOT EXISTS (SELECT 1 FROM submissions s"
	    "  WHERE s.instance_id = j.instance_id)"
	    " AND NOT EXISTS (SELECT 1 FROM submissions s"
	    "  WHERE s.deprecated_id = j.instance_id)"
	    " THEN instance_id END)"
	    " FROM rejections j GROUP BY device_id", 1, 2, 0 },
};
