/*
 * store.c: the hub's SQLite file, and every SQL statement of the hub.
 *
 * Why it is shaped this way:
 * - db/ opens it (WAL, synchronous=FULL, busy wait, quick_check,
 *   migrations by user_version, create-then-publish); what is here is the
 *   schema and the queries.
 * - The merge runs a statement or two per submission, a hundred thousand
 *   times in one import: the statements it uses are prepared once per
 *   connection and kept (struct hub_store's cache), not prepared per row.
 * - Submissions keep the line as received (numbers keep their text), with
 *   the few fields a query needs beside it. They are never updated nor
 *   deleted (triggers): the current revision is computed, not flagged, as
 *   the submission no other stored submission deprecates. So a revision
 *   that arrives before the one it replaces (a stick carried late) needs
 *   no fixing up, and nothing is ever rewritten.
 * - Rejected lines are BLOBs: they may be anything a device sent, not
 *   necessarily text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "../db/db.h"
#include "store_ops.h"

/*
 * Migrations. Never edit one that has shipped: add the next. Index i
 * takes a store from version i to i + 1.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE devices ("
	"  id TEXT PRIMARY KEY,"
	"  promoter TEXT,"
	"  district TEXT,"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL,"
	"  revoked_at TEXT,"
	"  last_contact TEXT"
	");"
	"CREATE TABLE forms ("
	"  id INTEGER PRIMARY KEY,"
	"  form_id TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  content BLOB NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  published_at TEXT NOT NULL,"
	"  UNIQUE (form_id, version)"
	");"
	"CREATE TABLE batches ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id TEXT NOT NULL,"
	"  device_id TEXT NOT NULL REFERENCES devices(id),"
	"  via TEXT NOT NULL CHECK (via IN ('http', 'import')),"
	"  received_at TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  stored INTEGER NOT NULL DEFAULT 0,"
	"  duplicates INTEGER NOT NULL DEFAULT 0,"
	"  conflicts INTEGER NOT NULL DEFAULT 0,"
	"  rejected INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX batches_device ON batches(device_id);"
	"CREATE TABLE submissions ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT NOT NULL UNIQUE,"
	"  deprecated_id TEXT,"
	"  form_id TEXT NOT NULL,"
	"  form_version TEXT NOT NULL,"
	"  device_id TEXT NOT NULL,"
	"  district TEXT,"
	"  finalized_at TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  batch INTEGER NOT NULL REFERENCES batches(id),"
	"  line TEXT NOT NULL,"
	"  FOREIGN KEY (form_id, form_version)"
	"    REFERENCES forms(form_id, version)"
	");"
	"CREATE INDEX submissions_form ON submissions(form_id);"
	"CREATE INDEX submissions_device ON submissions(device_id);"
	"CREATE INDEX submissions_deprecated ON submissions(deprecated_id)"
	"  WHERE deprecated_id IS NOT NULL;"
	"CREATE TRIGGER submissions_frozen_update BEFORE UPDATE ON submissions"
	"  BEGIN SELECT RAISE(ABORT, 'a stored submission never changes');"
	"  END;"
	"CREATE TRIGGER submissions_frozen_delete BEFORE DELETE ON submissions"
	"  BEGIN SELECT RAISE(ABORT, 'a stored submission never changes');"
	"  END;"
	"CREATE TABLE conflicts ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT NOT NULL,"
	"  device_id TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  batch INTEGER NOT NULL REFERENCES batches(id),"
	"  digest TEXT NOT NULL,"
	"  line TEXT NOT NULL,"
	"  UNIQUE (instance_id, digest)"
	");"
	"CREATE TABLE rejections ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT,"
	"  device_id TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  received_at TEXT NOT NULL,"
	"  batch INTEGER NOT NULL REFERENCES batches(id),"
	"  lineno INTEGER NOT NULL,"
	"  line BLOB NOT NULL,"
	"  line_sha256 TEXT NOT NULL,"
	"  UNIQUE (device_id, line_sha256)"
	");"
	/* The revision that counts: none stored names it deprecated. */
	"CREATE VIEW current_submissions AS"
	"  SELECT * FROM submissions s WHERE NOT EXISTS"
	"    (SELECT 1 FROM submissions r WHERE r.deprecated_id ="
	"     s.instance_id);",
	/* 2: the report's tables, a cache derived from the lines (see
	 * "The report's tables" below and in store.h); their indexes are
	 * made there */
	"CREATE TABLE report_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  version TEXT NOT NULL"
	");"
	"INSERT INTO report_state (id, version) VALUES (1, '');"
	"CREATE TABLE report_facts ("
	"  sub INTEGER PRIMARY KEY,"
	"  replaced INTEGER NOT NULL DEFAULT 0,"
	"  form_id TEXT NOT NULL,"
	"  district TEXT,"
	"  day INTEGER NOT NULL,"
	"  device_id TEXT NOT NULL,"
	"  promoter TEXT,"
	"  subject TEXT,"
	"  community TEXT,"
	"  digest INTEGER NOT NULL,"
	"  missing TEXT,"
	"  anemia TEXT,"
	"  hb_group TEXT,"
	"  hb_rule TEXT,"
	"  water_ladder TEXT,"
	"  sanitation_ladder TEXT,"
	"  hygiene_ladder TEXT,"
	"  programmes TEXT,"
	"  in_use TEXT"
	");"
	"CREATE TABLE report_components ("
	"  sub INTEGER NOT NULL,"
	"  component TEXT NOT NULL,"
	"  replaced INTEGER NOT NULL DEFAULT 0,"
	"  district TEXT,"
	"  day INTEGER NOT NULL,"
	"  status TEXT,"
	"  programme TEXT,"
	"  PRIMARY KEY (sub, component)"
	") WITHOUT ROWID;",
	/* 3: a household's components in one column of report_facts, not
	 * a row each (a fifth of the size, a tenth of the rows to walk);
	 * the version forgotten, so that the next report reads every
	 * submission again */
	"DROP TABLE report_components;"
	"ALTER TABLE report_facts ADD COLUMN components TEXT;"
	"UPDATE report_state SET version = '';",
	/* 4: the dashboard's coordinators, their sessions (a hash of the
	 * cookie's token, never the token) and the wrong passwords of the
	 * last minutes, per account and per address: in the store, so that
	 * several `hub serve` behind one balancer share them */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  pwhash TEXT NOT NULL,"
	"  created_at TEXT NOT NULL"
	");"
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name),"
	"  created_at INTEGER NOT NULL,"
	"  seen_at INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_user ON sessions(user);"
	"CREATE TABLE login_failures ("
	"  key TEXT NOT NULL,"
	"  at INTEGER NOT NULL"
	");"
	"CREATE INDEX login_failures_key ON login_failures(key, at);",
	/* 5: a child's growth in the report's tables (the facts' version
	 * changes with it: every submission is read again) */
	"ALTER TABLE report_facts ADD COLUMN growth_rule TEXT;"
	"ALTER TABLE report_facts ADD COLUMN stunting TEXT;"
	"ALTER TABLE report_facts ADD COLUMN wasting TEXT;"
	"ALTER TABLE report_facts ADD COLUMN underweight TEXT;"
	"ALTER TABLE report_facts ADD COLUMN overweight TEXT;",
	/* 6: a published version's attachments (ODK's form media), which
	 * devices fetch with it, each once per digest */
	"CREATE TABLE form_media ("
	"  form INTEGER NOT NULL REFERENCES forms(id),"
	"  name TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  content BLOB NOT NULL,"
	"  PRIMARY KEY (form, name)"
	");",
};
#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* PRAGMA application_id: "CHUB". */
#define HUB_APPLICATION_ID	0x43485542u

static const struct db_schema schema = {
	.program = "hub",
	.migrations = migrations,
	.nmigrations = NMIGRATIONS,
	.application_id = HUB_APPLICATION_ID,
	.every_table = "devices",
};

/* The statements kept prepared for the life of the connection. */
enum stmt_id {
	Q_FIND_SUB,
	Q_ADD_SUB,
	Q_ADD_CONFLICT,
	Q_ADD_REJECTION,
	Q_ADD_BATCH,
	Q_END_BATCH,
	Q_DEVICE_BY_TOKEN,
	Q_GET_DEVICE,
	Q_TOUCH_DEVICE,
	Q_GET_FORM,
	Q_COUNT
};

#define DEVICE_COLS \
	"id, promoter, district, created_at, revoked_at, last_contact"

static const char *const stmt_sql[Q_COUNT] = {
	[Q_FIND_SUB] =
	    "SELECT line FROM submissions WHERE instance_id = ?1",
	[Q_ADD_SUB] =
	    "INSERT INTO submissions (instance_id, deprecated_id, form_id,"
	    " form_version, device_id, district, finalized_at, received_at,"
	    " batch, line)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	    " ON CONFLICT (instance_id) DO NOTHING",
	[Q_ADD_CONFLICT] =
	    "INSERT OR IGNORE INTO conflicts (instance_id, device_id,"
	    " received_at, batch, digest, line)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_ADD_REJECTION] =
	    "INSERT OR IGNORE INTO rejections (instance_id, device_id, reason,"
	    " received_at, batch, lineno, line, line_sha256)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_ADD_BATCH] =
	    "INSERT INTO batches (batch_id, device_id, via, received_at,"
	    " count) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_END_BATCH] =
	    "UPDATE batches SET stored = ?2, duplicates = ?3, conflicts = ?4,"
	    " rejected = ?5 WHERE id = ?1",
	[Q_DEVICE_BY_TOKEN] =
	    "SELECT " DEVICE_COLS ", token_hash FROM devices"
	    " WHERE token_hash = ?1",
	[Q_GET_DEVICE] =
	    "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1",
	[Q_TOUCH_DEVICE] =
	    "UPDATE devices SET last_contact = ?2 WHERE id = ?1",
	[Q_GET_FORM] =
	    "SELECT id, form_id, version, title, file, sha256, published_at,"
	    " content FROM forms WHERE form_id = ?1 AND version = ?2",
};

struct sq {
	struct hub_store base;
	struct db	*db;
	sqlite3_stmt	*stmt[Q_COUNT];
};

static const struct store_ops sq_ops;

static int
wrap(struct db *db, struct hub_store **out, struct err *e)
{
	struct sq	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		db_close(db);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	st->base.ops = &sq_ops;
	st->db = db;
	*out = &st->base;
	return 0;
}

int
store_sqlite_open(const char *home, int read, struct hub_store **out,
    struct err *e)
{
	struct db	*db;
	int		 rc;

	*out = NULL;
	if ((rc = (read ? db_open_read : db_open)(home, HUB_STORE_FILE,
	    &schema, &db, e)) != 0)
		return rc;
	return wrap(db, out, e);
}

int
store_sqlite_create(const char *home, struct hub_store **out,
    struct err *e)
{
	struct db	*db;
	int		 rc;

	*out = NULL;
	if ((rc = db_create(home, HUB_STORE_FILE, &schema, &db, e)) != 0)
		return rc;
	return wrap(db, out, e);
}

static void
finalize_all(struct sq *st)
{
	size_t	i;

	for (i = 0; i < Q_COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
}

static int
sq_publish(struct hub_store *hs, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct db	*db = st->db;

	/* The file is closed to be put in place: no statement may hold
	 * it open. */
	finalize_all(st);
	free(st);
	return db_publish(db, e);
}

static void
sq_close(struct hub_store *hs)
{
	struct sq	*st = (struct sq *)hs;
	if (st == NULL)
		return;
	finalize_all(st);
	db_close(st->db);
	free(st);
}

static int
sq_begin(struct hub_store *hs, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	return db_begin(st->db, e);
}

static int
sq_commit(struct hub_store *hs, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	return db_commit(st->db, e);
}

static void
sq_rollback(struct hub_store *hs)
{
	struct sq	*st = (struct sq *)hs;
	db_rollback(st->db);
}

/* A kept statement, prepared on first use; reset and unbound. */
static int
stmt(struct sq *st, enum stmt_id id, sqlite3_stmt **out,
    struct err *e)
{
	int	rc;

	*out = NULL;
	if (st->stmt[id] == NULL &&
	    (rc = db_prepare(st->db, stmt_sql[id], &st->stmt[id], e)) != 0)
		return rc;
	*out = st->stmt[id];
	return 0;
}

/* Done with a kept statement: ready for the next use, no borrowed
 * pointers left bound. */
static void
done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int
nomem(struct err *e)
{
	return err_set(e, ERR_NOMEM, _("out of memory"));
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */

/* The DEVICE_COLS of the current row, from column 0. */
static int
read_device(sqlite3_stmt *s, struct hub_device *d)
{
	memset(d, 0, sizeof(*d));
	d->id = db_col_dup(s, 0);
	d->promoter = db_col_dup(s, 1);
	d->district = db_col_dup(s, 2);
	d->created_at = db_col_dup(s, 3);
	d->revoked_at = db_col_dup(s, 4);
	d->last_contact = db_col_dup(s, 5);
	if (d->id == NULL || d->created_at == NULL ||
	    (sqlite3_column_type(s, 1) != SQLITE_NULL && !d->promoter) ||
	    (sqlite3_column_type(s, 2) != SQLITE_NULL && !d->district) ||
	    (sqlite3_column_type(s, 4) != SQLITE_NULL && !d->revoked_at) ||
	    (sqlite3_column_type(s, 5) != SQLITE_NULL && !d->last_contact)) {
		hub_device_release(d);
		return ERR_NOMEM;
	}
	return 0;
}

static int
sq_add_device(struct hub_store *hs, const struct hub_device *d,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct hub_device	 other;
	sqlite3_stmt		*s;
	int			 found, rc;

	if ((rc = hub_store_get_device(&st->base, d->id, &other, &found, e)) != 0)
		return rc;
	if (found) {
		hub_device_release(&other);
		return err_set(e, ERR_INPUT, _("device '%s' is already "
		    "enrolled"), d->id);
	}
	if ((rc = db_prepare(st->db, "INSERT INTO devices (id, promoter,"
	    " district, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	    &s, e)) != 0)
		return rc;
	bind_text(s, 1, d->id);
	bind_text(s, 2, d->promoter);
	bind_text(s, 3, d->district);
	sqlite3_bind_blob(s, 4, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	bind_text(s, 5, d->created_at);
	rc = db_step_done(st->db, s, "device", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_device_by_token(struct hub_store *hs,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct hub_device *out,
    int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	const void	*h;
	int		 r, rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = stmt(st, Q_DEVICE_BY_TOKEN, &s, e)) != 0)
		return rc;
	sqlite3_bind_blob(s, 1, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		/* The index found it by equality; compare again in
		 * constant time, so that what answers never depends on
		 * where two hashes first differ. */
		h = sqlite3_column_blob(s, 6);
		if (h != NULL && sqlite3_column_bytes(s, 6) ==
		    HUB_TOKEN_HASH_BYTES && sodium_memcmp(h, hash,
		    HUB_TOKEN_HASH_BYTES) == 0) {
			if (read_device(s, out) != 0)
				rc = nomem(e);
			else
				*found = 1;
		}
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "device");
	done(s);
	return rc;
}

static int
sq_get_device(struct hub_store *hs, const char *id,
    struct hub_device *out, int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 r, rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = stmt(st, Q_GET_DEVICE, &s, e)) != 0)
		return rc;
	bind_text(s, 1, id);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (read_device(s, out) != 0)
			rc = nomem(e);
		else
			*found = 1;
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "device");
	done(s);
	return rc;
}

static int
sq_renew_device(struct hub_store *hs, const char *id,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = db_prepare(st->db, "UPDATE devices SET token_hash = ?2,"
	    " revoked_at = NULL WHERE id = ?1", &s, e)) != 0)
		return rc;
	bind_text(s, 1, id);
	sqlite3_bind_blob(s, 2, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	if ((rc = db_step_done(st->db, s, "device", e)) == 0 &&
	    sqlite3_changes(st->db->sql) == 0)
		rc = err_set(e, ERR_INPUT, _("no device '%s'"), id);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_revoke_device(struct hub_store *hs, const char *id,
    const char *at, int *was_revoked, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct hub_device	 d;
	sqlite3_stmt		*s;
	int			 found, rc;

	*was_revoked = 0;
	if ((rc = hub_store_get_device(&st->base, id, &d, &found, e)) != 0)
		return rc;
	if (!found)
		return err_set(e, ERR_INPUT, _("no device '%s'"), id);
	*was_revoked = d.revoked_at != NULL;
	hub_device_release(&d);
	if (*was_revoked)
		return 0;
	if ((rc = db_prepare(st->db, "UPDATE devices SET revoked_at = ?2"
	    " WHERE id = ?1", &s, e)) != 0)
		return rc;
	bind_text(s, 1, id);
	bind_text(s, 2, at);
	rc = db_step_done(st->db, s, "device", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_touch_device(struct hub_store *hs, const char *id, const char *at,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = stmt(st, Q_TOUCH_DEVICE, &s, e)) != 0)
		return rc;
	bind_text(s, 1, id);
	bind_text(s, 2, at);
	rc = db_step_done(st->db, s, "device", e);
	done(s);
	return rc;
}

struct each_device {
	hub_device_fn	*fn;
	void		*arg;
	int		 nomem;
};

static int
device_row(sqlite3_stmt *s, void *arg)
{
	struct each_device	*c = arg;
	struct hub_device	 d;
	int			 rc;

	if (read_device(s, &d) != 0 || (sqlite3_column_type(s, 6) !=
	    SQLITE_NULL && (d.last_batch = db_col_dup(s, 6)) == NULL)) {
		hub_device_release(&d);
		c->nomem = 1;
		return ERR_NOMEM;
	}
	d.submissions = sqlite3_column_int64(s, 7);
	rc = c->fn(&d, c->arg);
	hub_device_release(&d);
	return rc;
}

static int
sq_each_device(struct hub_store *hs, hub_device_fn *fn, void *arg,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct each_device	 c = { fn, arg, 0 };
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = db_prepare(st->db, "SELECT " DEVICE_COLS ","
	    " (SELECT max(received_at) FROM batches b"
	    "   WHERE b.device_id = d.id),"
	    " (SELECT count(*) FROM current_submissions c"
	    "   WHERE c.device_id = d.id)"
	    " FROM devices d ORDER BY id", &s, e)) != 0)
		return rc;
	rc = db_each(st->db, s, device_row, &c, "devices", e);
	if (c.nomem)
		rc = nomem(e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Forms                                                               */

/* Columns id, form_id, version, title, file, sha256, published_at. */
static int
read_form(sqlite3_stmt *s, struct hub_form *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->form_id = db_col_dup(s, 1);
	f->version = db_col_dup(s, 2);
	f->title = db_col_dup(s, 3);
	f->file = db_col_dup(s, 4);
	f->sha256 = db_col_dup(s, 5);
	f->published_at = db_col_dup(s, 6);
	if (!f->form_id || !f->version || !f->title || !f->file ||
	    !f->sha256 || !f->published_at) {
		hub_form_release(f);
		return ERR_NOMEM;
	}
	return 0;
}

/* The attachments of form row `form` (no content) into *v, *n. */
static int
form_media(struct sq *st, int64_t form, struct hub_media **v, size_t *n,
    struct err *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	*v = NULL;
	*n = 0;
	if ((rc = db_prepare(st->db, "SELECT name, sha256, size FROM"
	    " form_media WHERE form = ?1", &s, e)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, form);
	while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW)
		if (store_add_media(v, n, (const char *)sqlite3_column_text(s,
		    0), (const char *)sqlite3_column_text(s, 1),
		    (size_t)sqlite3_column_int64(s, 2)) != 0)
			rc = nomem(e);
	if (rc == 0 && r != SQLITE_DONE)
		rc = db_error(st->db, e, "form_media");
	sqlite3_finalize(s);
	return rc;
}

/* f's attachments whose add[i] is set (all when add is NULL). */
static int
put_media(struct sq *st, int64_t form, const struct hub_form *f,
    char (*sha)[HUB_DIGEST_HEX], const unsigned char *add, struct err *e)
{
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	if ((rc = db_prepare(st->db, "INSERT INTO form_media (form, name,"
	    " sha256, size, content) VALUES (?1, ?2, ?3, ?4, ?5)", &s,
	    e)) != 0)
		return rc;
	for (i = 0; i < f->nmedia && rc == 0; i++) {
		if (add != NULL && !add[i])
			continue;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, form);
		bind_text(s, 2, f->media[i].name);
		bind_text(s, 3, sha[i]);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)f->media[i].len);
		sqlite3_bind_blob64(s, 5, f->media[i].content,
		    f->media[i].len, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = db_error(st->db, e, "form_media");
	}
	sqlite3_finalize(s);
	return rc;
}

static int
sq_put_form(struct hub_store *hs, const struct hub_form *f,
    enum hub_put *how, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	unsigned char		 h[crypto_hash_sha256_BYTES];
	char			 hex[HUB_DIGEST_HEX];
	char			(*sha)[HUB_DIGEST_HEX] = NULL;
	unsigned char		*add = NULL;
	struct hub_form		 old;
	struct hub_media	*om = NULL;
	sqlite3_stmt		*s;
	size_t			 nom = 0, i;
	int			 found, rc;

	*how = HUB_PUT_NEW;
	crypto_hash_sha256(h, f->content, f->len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if ((sha = calloc(f->nmedia + 1, sizeof(*sha))) == NULL ||
	    (add = calloc(f->nmedia + 1, 1)) == NULL) {
		rc = nomem(e);
		goto out;
	}
	store_media_digest(f, sha);
	if ((rc = hub_store_get_form(&st->base, f->form_id, f->version, &old,
	    &found, e)) != 0)
		goto out;
	if (found) {
		*how = HUB_PUT_SAME;
		if (strcmp(old.sha256, hex) != 0)
			rc = err_set(e, ERR_INPUT, _("'%s' version '%s' is "
			    "already published with other content: raise the "
			    "version"), f->form_id, f->version);
		else if ((rc = form_media(st, old.id, &om, &nom, e)) == 0 &&
		    (rc = store_media_plan(om, nom, f, sha, add, e)) == 0) {
			for (i = 0; i < f->nmedia; i++)
				if (add[i])
					*how = HUB_PUT_ATTACHED;
			if (*how == HUB_PUT_ATTACHED)
				rc = put_media(st, old.id, f, sha, add, e);
		}
		hub_form_release(&old);
		goto out;
	}
	if ((rc = db_prepare(st->db, "INSERT INTO forms (form_id, version,"
	    " title, file, content, sha256, published_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s, e)) != 0)
		goto out;
	bind_text(s, 1, f->form_id);
	bind_text(s, 2, f->version);
	bind_text(s, 3, f->title);
	bind_text(s, 4, f->file);
	sqlite3_bind_blob64(s, 5, f->content, f->len, SQLITE_STATIC);
	bind_text(s, 6, hex);
	bind_text(s, 7, f->published_at);
	rc = db_step_done(st->db, s, "form", e);
	sqlite3_finalize(s);
	if (rc == 0)
		rc = put_media(st, sqlite3_last_insert_rowid(st->db->sql), f,
		    sha, NULL, e);
out:
	for (i = 0; i < nom; i++)
		hub_media_release(&om[i]);
	free(om);
	free(add);
	free(sha);
	return rc;
}

static int
sq_get_media(struct hub_store *hs, const char *form_id, const char *version,
    const char *name, struct hub_media *out, int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	const void	*b;
	size_t		 n;
	int		 r, rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = db_prepare(st->db, "SELECT m.name, m.sha256, m.content"
	    " FROM form_media m JOIN forms f ON f.id = m.form"
	    " WHERE f.form_id = ?1 AND f.version = ?2 AND m.name = ?3", &s,
	    e)) != 0)
		return rc;
	bind_text(s, 1, form_id);
	bind_text(s, 2, version);
	bind_text(s, 3, name);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		b = sqlite3_column_blob(s, 2);
		n = (size_t)sqlite3_column_bytes(s, 2);
		out->name = db_col_dup(s, 0);
		out->sha256 = db_col_dup(s, 1);
		out->content = malloc(n > 0 ? n : 1);
		if (out->name == NULL || out->sha256 == NULL ||
		    out->content == NULL) {
			hub_media_release(out);
			rc = nomem(e);
		} else {
			if (n > 0)
				memcpy(out->content, b, n);
			out->len = n;
			*found = 1;
		}
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "form_media");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_get_form(struct hub_store *hs, const char *form_id,
    const char *version, struct hub_form *out, int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	const void	*b;
	int		 r, rc, n;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = stmt(st, Q_GET_FORM, &s, e)) != 0)
		return rc;
	bind_text(s, 1, form_id);
	bind_text(s, 2, version);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		b = sqlite3_column_blob(s, 7);
		n = sqlite3_column_bytes(s, 7);
		if (read_form(s, out) != 0 ||
		    (out->content = malloc(n > 0 ? (size_t)n : 1)) == NULL) {
			hub_form_release(out);
			rc = nomem(e);
		} else {
			if (n > 0)
				memcpy(out->content, b, (size_t)n);
			out->len = (size_t)n;
			*found = 1;
		}
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "form");
	done(s);
	return rc;
}

static int
form_row(sqlite3_stmt *s, void *arg)
{
	struct hub_form	f;

	if (read_form(s, &f) != 0)
		return ERR_NOMEM;
	return store_walk_row(arg, &f, (const char *)sqlite3_column_text(s,
	    7), (const char *)sqlite3_column_text(s, 8),
	    (size_t)sqlite3_column_int64(s, 9));
}

static int
sq_each_form(struct hub_store *hs, hub_form_fn *fn, void *arg,
    struct err *e)
{
	struct sq		*st = (struct sq *)hs;
	struct form_walk	 w;
	sqlite3_stmt		*s;
	int			 rc;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	if ((rc = db_prepare(st->db, "SELECT f.id, f.form_id, f.version,"
	    " f.title, f.file, f.sha256, f.published_at, m.name, m.sha256,"
	    " m.size FROM forms f LEFT JOIN form_media m ON m.form = f.id"
	    " ORDER BY f.form_id, f.id, m.name", &s, e)) != 0)
		return rc;
	rc = db_each(st->db, s, form_row, &w, "forms", e);
	if (rc == 0)
		rc = store_walk_end(&w);
	hub_form_release(&w.cur);
	if (rc == ERR_NOMEM)
		rc = nomem(e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The merge's writes                                                  */

static int
sq_add_batch(struct hub_store *hs, const struct hub_batch *b,
    int64_t *row, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	*row = 0;
	if ((rc = stmt(st, Q_ADD_BATCH, &s, e)) != 0)
		return rc;
	bind_text(s, 1, b->batch_id);
	bind_text(s, 2, b->device_id);
	bind_text(s, 3, b->via == HUB_VIA_HTTP ? "http" : "import");
	bind_text(s, 4, b->received_at);
	sqlite3_bind_int64(s, 5, b->count);
	if ((rc = db_step_done(st->db, s, "batch", e)) == 0)
		*row = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
	done(s);
	return rc;
}

static int
sq_end_batch(struct hub_store *hs, int64_t row,
    const struct hub_batch *b, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = stmt(st, Q_END_BATCH, &s, e)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, row);
	sqlite3_bind_int64(s, 2, b->stored);
	sqlite3_bind_int64(s, 3, b->duplicates);
	sqlite3_bind_int64(s, 4, b->conflicts);
	sqlite3_bind_int64(s, 5, b->rejected);
	rc = db_step_done(st->db, s, "batch", e);
	done(s);
	return rc;
}

static int
sq_find_subs(struct hub_store *hs, const char *const *ids, size_t n,
    hub_found_fn *fn, void *arg, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 r, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = stmt(st, Q_FIND_SUB, &s, e)) != 0)
			break;
		bind_text(s, 1, ids[i]);
		if ((r = sqlite3_step(s)) == SQLITE_ROW)
			rc = fn(i, (const char *)sqlite3_column_text(s, 0),
			    (size_t)sqlite3_column_bytes(s, 0), arg);
		else if (r != SQLITE_DONE)
			rc = db_error(st->db, e, "submission");
		done(s);
	}
	return rc;
}

static int
add_sub(struct sq *st, const struct hub_sub *x, unsigned char *added,
    struct err *e)
{
	sqlite3_stmt	*s;
	int		 rc;

	*added = 0;
	if ((rc = stmt(st, Q_ADD_SUB, &s, e)) != 0)
		return rc;
	bind_text(s, 1, x->instance_id);
	bind_text(s, 2, x->deprecated_id);
	bind_text(s, 3, x->form_id);
	bind_text(s, 4, x->form_version);
	bind_text(s, 5, x->device_id);
	bind_text(s, 6, x->district);
	bind_text(s, 7, x->finalized_at);
	bind_text(s, 8, x->received_at);
	sqlite3_bind_int64(s, 9, x->batch);
	sqlite3_bind_text64(s, 10, x->line, x->len, SQLITE_STATIC,
	    SQLITE_UTF8);
	if ((rc = db_step_done(st->db, s, "submission", e)) == 0)
		*added = sqlite3_changes(st->db->sql) == 1;
	done(s);
	return rc;
}

static int
add_conflict(struct sq *st, const struct hub_sub *x, struct err *e)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = stmt(st, Q_ADD_CONFLICT, &s, e)) != 0)
		return rc;
	bind_text(s, 1, x->instance_id);
	bind_text(s, 2, x->device_id);
	bind_text(s, 3, x->received_at);
	sqlite3_bind_int64(s, 4, x->batch);
	bind_text(s, 5, x->digest);
	sqlite3_bind_text64(s, 6, x->line, x->len, SQLITE_STATIC,
	    SQLITE_UTF8);
	rc = db_step_done(st->db, s, "conflict", e);
	done(s);
	return rc;
}

static int
add_rejection(struct sq *st, const struct hub_reject *r, struct err *e)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 hex[HUB_DIGEST_HEX];
	sqlite3_stmt	*s;
	int		 rc;

	crypto_hash_sha256(h, (const unsigned char *)r->line, r->len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if ((rc = stmt(st, Q_ADD_REJECTION, &s, e)) != 0)
		return rc;
	bind_text(s, 1, r->instance_id);
	bind_text(s, 2, r->device_id);
	bind_text(s, 3, r->reason);
	bind_text(s, 4, r->received_at);
	sqlite3_bind_int64(s, 5, r->batch);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)r->lineno);
	sqlite3_bind_blob64(s, 7, r->len > 0 ? r->line : "", r->len,
	    SQLITE_STATIC);
	bind_text(s, 8, hex);
	rc = db_step_done(st->db, s, "rejection", e);
	done(s);
	return rc;
}

/* In the process, a statement per row costs no round trip. */
static int
sq_write(struct hub_store *hs, struct hub_writes *w, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < w->nsubs && rc == 0; i++)
		rc = add_sub(st, &w->subs[i], &w->added[i], e);
	for (i = 0; i < w->nconflicts && rc == 0; i++)
		rc = add_conflict(st, &w->conflicts[i], e);
	for (i = 0; i < w->nrejects && rc == 0; i++)
		rc = add_rejection(st, &w->rejects[i], e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The report's tables                                                 */


/* Page cache while the tables are written: an index insert lands on
 * any page of it; the default 2 MB keeps few of them. */
#define REPORT_CACHE_KIB	16384

enum {
	W_FACT,
	W_REPLACES,		/* a correction marks what it replaces */
	W_COUNT
};

static const char *const writer_sql[W_COUNT] = {
	[W_FACT] =
	    "INSERT OR REPLACE INTO report_facts (sub, replaced, form_id,"
	    " district, day, device_id, promoter, subject, community,"
	    " digest, missing, anemia, hb_group, hb_rule, water_ladder,"
	    " sanitation_ladder, hygiene_ladder, programmes, in_use,"
	    " components, growth_rule, stunting, wasting, underweight,"
	    " overweight) VALUES (?1, EXISTS (SELECT 1 FROM submissions"
	    "  WHERE deprecated_id = ?2),"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	    " ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
	[W_REPLACES] =
	    "UPDATE report_facts SET replaced = 1 WHERE replaced = 0 AND sub ="
	    " (SELECT id FROM submissions WHERE instance_id = ?1)",
};

struct sq_facts {
	struct hub_facts_writer	 base;
	struct sq	*st;
	sqlite3_stmt		*s[W_COUNT];
};

static int
facts_state(struct sq *st, char **version, int64_t *last,
    int64_t *behind, struct err *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	if ((rc = db_prepare(st->db, "SELECT (SELECT version FROM"
	    " report_state), (SELECT coalesce(max(sub), 0) FROM report_facts)",
	    &s, e)) != 0)
		return rc;
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		*version = strdup(sqlite3_column_type(s, 0) == SQLITE_NULL ?
		    "" : (const char *)sqlite3_column_text(s, 0));
		*last = sqlite3_column_int64(s, 1);
		if (*version == NULL)
			rc = nomem(e);
	} else
		rc = db_error(st->db, e, "report");
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	/* Submissions are never deleted and their rows only grow: what
	 * comes after the last one read is the difference. */
	if ((rc = db_prepare(st->db, "SELECT coalesce(max(id), 0) FROM"
	    " submissions", &s, e)) != 0)
		return rc;
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		*behind = sqlite3_column_int64(s, 0) - *last;
	else
		rc = db_error(st->db, e, "report");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_facts_open(struct hub_store *hs, struct hub_facts_writer **out,
    char **version, int64_t *last, int64_t *behind, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct sq_facts	*w;
	char			 sql[64];
	size_t			 i;
	int			 rc;

	*out = NULL;
	*version = NULL;
	*last = *behind = 0;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return nomem(e);
	w->base.ops = &sq_ops;
	w->st = st;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d",
	    REPORT_CACHE_KIB);
	if ((rc = db_exec(st->db, sql, e)) != 0 ||
	    (rc = hub_store_begin(&st->base, e)) != 0) {
		free(w);
		return rc;
	}
	for (i = 0; rc == 0 && i < W_COUNT; i++)
		rc = db_prepare(st->db, writer_sql[i], &w->s[i], e);
	if (rc == 0)
		rc = facts_state(st, version, last, behind, e);
	if (rc != 0) {
		free(*version);
		*version = NULL;
		hub_store_facts_close(&w->base, 0, NULL);
		return rc;
	}
	*out = &w->base;
	return 0;
}

static int
sq_facts_reset(struct hub_facts_writer *hw, const char *version,
    struct err *e)
{
	struct sq_facts	*w = (struct sq_facts *)hw;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = db_exec(w->st->db, "DELETE FROM report_facts", e)) != 0)
		return rc;
	if ((rc = db_prepare(w->st->db, "UPDATE report_state SET version ="
	    " ?1", &s, e)) != 0)
		return rc;
	bind_text(s, 1, version);
	rc = db_step_done(w->st->db, s, "report", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_facts_put(struct hub_facts_writer *hw, const struct hub_facts *f,
    struct err *e)
{
	struct sq_facts	*w = (struct sq_facts *)hw;
	const char	*v[] = { f->form_id, f->district };
	const char	*k[] = { f->device_id, f->promoter, f->subject,
	    f->community };
	const char	*c[] = { f->missing, f->anemia, f->hb_group,
	    f->hb_rule, f->water_ladder, f->sanitation_ladder,
	    f->hygiene_ladder, f->programmes, f->in_use, f->components,
	    f->growth_rule, f->stunting, f->wasting, f->underweight,
	    f->overweight };
	sqlite3_stmt	*s = w->s[W_FACT];
	size_t		 i;
	int		 rc;

	sqlite3_bind_int64(s, 1, f->sub);
	bind_text(s, 2, f->instance_id);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bind_text(s, 3 + (int)i, v[i]);
	sqlite3_bind_int64(s, 5, f->day);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		bind_text(s, 6 + (int)i, k[i]);
	sqlite3_bind_int64(s, 10, f->digest);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		bind_text(s, 11 + (int)i, c[i]);
	rc = db_step_done(w->st->db, s, "report", e);
	done(s);
	/* What this one corrects, if it was read before it. */
	if (rc == 0 && f->deprecated_id != NULL) {
		s = w->s[W_REPLACES];
		bind_text(s, 1, f->deprecated_id);
		rc = db_step_done(w->st->db, s, "report", e);
		done(s);
	}
	return rc;
}

static int
sq_facts_indexes(struct hub_facts_writer *hw, int make,
    struct err *e)
{
	struct sq_facts	*w = (struct sq_facts *)hw;
	char	sql[128];
	size_t	i;
	int	rc = 0;

	for (i = 0; rc == 0 && i < STORE_NREPORT_INDEXES; i++) {
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s",
		    store_report_indexes[i].name);
		rc = db_exec(w->st->db, make ? store_report_indexes[i].sql : sql, e);
	}
	return rc;
}

static int
sq_facts_close(struct hub_facts_writer *hw, int commit, struct err *e)
{
	struct sq_facts	*w = (struct sq_facts *)hw;
	size_t	i;
	int	rc = 0;

	if (w == NULL)
		return 0;
	for (i = 0; i < W_COUNT; i++)
		sqlite3_finalize(w->s[i]);
	if (commit)
		rc = hub_store_commit(&w->st->base, e);
	else
		hub_store_rollback(&w->st->base);
	free(w);
	return rc;
}

static int
sq_facts_current(struct hub_store *hs, const char *version,
    int *current, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 r, rc;

	*current = 0;
	if ((rc = db_prepare(st->db, "SELECT (SELECT version FROM"
	    " report_state) = ?1 AND (SELECT coalesce(max(sub), 0) FROM"
	    " report_facts) >= (SELECT coalesce(max(id), 0) FROM"
	    " submissions) AND (SELECT count(*) FROM sqlite_master WHERE"
	    " type = 'index' AND name IN (?2, ?3, ?4, ?5, ?6)) = ?7", &s,
	    e)) != 0)
		return rc;
	bind_text(s, 1, version);
	for (i = 0; i < STORE_NREPORT_INDEXES; i++)
		bind_text(s, 2 + (int)i, store_report_indexes[i].name);
	sqlite3_bind_int(s, 7, (int)STORE_NREPORT_INDEXES);
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		*current = sqlite3_column_int(s, 0) == 1;
	else
		rc = db_error(st->db, e, "report");
	sqlite3_finalize(s);
	return rc;
}

struct each_after {
	hub_stored_fn	*fn;
	void		*arg;
	int64_t		 n;
};

static int
after_row(sqlite3_stmt *s, void *arg)
{
	struct each_after	*c = arg;
	struct hub_stored	 x;

	c->n++;
	x.row = sqlite3_column_int64(s, 0);
	x.instance_id = (const char *)sqlite3_column_text(s, 1);
	x.deprecated_id = (const char *)sqlite3_column_text(s, 2);
	x.form_id = (const char *)sqlite3_column_text(s, 3);
	x.device_id = (const char *)sqlite3_column_text(s, 4);
	x.district = (const char *)sqlite3_column_text(s, 5);
	x.finalized_at = (const char *)sqlite3_column_text(s, 6);
	x.line = (const char *)sqlite3_column_text(s, 7);
	x.len = (size_t)sqlite3_column_bytes(s, 7);
	if (x.line == NULL)
		x.line = "";
	return c->fn(&x, c->arg);
}

static int
sq_each_after(struct hub_store *hs, int64_t after, int64_t limit,
    hub_stored_fn *fn, void *arg, int64_t *n, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct each_after	 c = { fn, arg, 0 };
	sqlite3_stmt		*s;
	int			 rc;

	*n = 0;
	if ((rc = db_prepare(st->db, "SELECT id, instance_id, deprecated_id,"
	    " form_id, device_id, district, finalized_at, line FROM"
	    " submissions WHERE id > ?1 ORDER BY id LIMIT ?2", &s, e)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int64(s, 2, limit);
	rc = db_each(st->db, s, after_row, &c, "report", e);
	*n = c.n;
	return rc;
}

/* The period of sq_subject's query. */
#define REPORT_PERIOD	"day BETWEEN ?1 AND ?2"

#define TALLY_COLS	16

struct each_tally {
	hub_tally_fn	*fn;
	void		*arg;
	int		 ntext, nnum;
};

static int
tally_row(sqlite3_stmt *s, void *arg)
{
	struct each_tally	*c = arg;
	const char		*text[TALLY_COLS];
	int64_t			 num[TALLY_COLS];
	int			 i;

	for (i = 0; i < c->ntext; i++)
		text[i] = (const char *)sqlite3_column_text(s, i);
	for (i = 0; i < c->nnum; i++)
		num[i] = sqlite3_column_int64(s, c->ntext + i);
	return c->fn(text, num, c->arg);
}

static int
tally(struct sq *st, const char *sql, int ntext, int nnum,
    const struct hub_period *p, const char *a, const char *b,
    hub_tally_fn *fn, void *arg, struct err *e)
{
	struct each_tally	 c = { fn, arg, ntext, nnum };
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = db_prepare(st->db, sql, &s, e)) != 0)
		return rc;
	/* The period, for the tallies that have one. */
	if (sqlite3_bind_parameter_count(s) >= 2) {
		sqlite3_bind_int64(s, 1, p != NULL ? p->from : INT64_MIN);
		sqlite3_bind_int64(s, 2, p != NULL ? p->to : INT64_MAX);
	}
	if (a != NULL) {
		bind_text(s, 3, a);
		bind_text(s, 4, b);
	}
	return db_each(st->db, s, tally_row, &c, "report", e);
}

static int
sq_tally(struct hub_store *hs, enum hub_tally what,
    const struct hub_period *p, hub_tally_fn *fn, void *arg, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	return tally(st, store_tallies[what].sql, store_tallies[what].ntext,
	    store_tallies[what].nnum, p, NULL, NULL, fn, arg, e);
}

static int
sq_subject(struct hub_store *hs, const struct hub_period *p,
    const char *form_id, const char *subject, hub_tally_fn *fn, void *arg,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	/* Without statistics, SQLite would walk the form's whole range
	 * of the indicators' index: name the one that finds the subject. */
	return tally(st, "SELECT district, community, count(*)"
	    " FROM report_facts INDEXED BY report_facts_subjects"
	    " WHERE replaced = 0 AND form_id = ?3"
	    " AND subject = ?4 AND " REPORT_PERIOD
	    " GROUP BY district, community", 2, 1, p, form_id, subject, fn,
	    arg, e);
}

static int
sq_read_begin(struct hub_store *hs, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	/* Deferred: a snapshot from the first read on, and no lock. */
	return db_exec(st->db, "BEGIN", e);
}

static void
sq_read_end(struct hub_store *hs)
{
	struct sq	*st = (struct sq *)hs;
	db_rollback(st->db);
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

static int
count_row(sqlite3_stmt *s, void *arg)
{
	int64_t	*v = arg;
	int	 i;

	for (i = 0; i < sqlite3_column_count(s); i++)
		v[i] = sqlite3_column_int64(s, i);
	return 0;
}

static int
sq_totals(struct hub_store *hs, struct hub_totals *out,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int64_t		 v[6] = { 0 };
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(st->db, "SELECT"
	    " (SELECT count(*) FROM current_submissions),"
	    " (SELECT count(*) FROM submissions),"
	    " (SELECT count(*) FROM conflicts),"
	    " (SELECT count(*) FROM rejections),"
	    " (SELECT count(*) FROM batches),"
	    " (SELECT count(*) FROM devices WHERE revoked_at IS NULL)",
	    &s, e)) != 0)
		return rc;
	if ((rc = db_each(st->db, s, count_row, v, "status", e)) != 0)
		return rc;
	out->submissions = v[0];
	out->revisions = v[1];
	out->conflicts = v[2];
	out->rejections = v[3];
	out->batches = v[4];
	out->devices = v[5];
	return 0;
}

struct each_count {
	hub_count_fn	*fn;
	void		*arg;
};

static int
group_row(sqlite3_stmt *s, void *arg)
{
	struct each_count	*c = arg;

	return c->fn((const char *)sqlite3_column_text(s, 0),
	    sqlite3_column_int64(s, 1), c->arg);
}

static int
count_by(struct sq *st, const char *sql, hub_count_fn *fn, void *arg,
    struct err *e)
{
	struct each_count	 c = { fn, arg };
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = db_prepare(st->db, sql, &s, e)) != 0)
		return rc;
	return db_each(st->db, s, group_row, &c, "status", e);
}

static int
sq_count_by_form(struct hub_store *hs, hub_count_fn *fn, void *arg,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	return count_by(st, "SELECT form_id, count(*) FROM"
	    " current_submissions GROUP BY form_id ORDER BY form_id", fn, arg,
	    e);
}

static int
sq_count_by_district(struct hub_store *hs, hub_count_fn *fn,
    void *arg, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	return count_by(st, "SELECT district, count(*) FROM"
	    " current_submissions GROUP BY district ORDER BY district", fn,
	    arg, e);
}

struct each_line {
	hub_line_fn	*fn;
	void		*arg;
};

static int
line_row(sqlite3_stmt *s, void *arg)
{
	struct each_line	*c = arg;
	const char		*t = (const char *)sqlite3_column_text(s, 0);

	return c->fn(t != NULL ? t : "", (size_t)sqlite3_column_bytes(s, 0),
	    c->arg);
}

static int
sq_each_current(struct hub_store *hs, const char *form_id,
    hub_line_fn *fn, void *arg, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct each_line	 c = { fn, arg };
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = db_prepare(st->db, "SELECT line FROM current_submissions"
	    " WHERE form_id = ?1 ORDER BY id", &s, e)) != 0)
		return rc;
	bind_text(s, 1, form_id);
	return db_each(st->db, s, line_row, &c, "export", e);
}

/* ------------------------------------------------------------------ */
/* Export: a cursor over the current revisions                         */

struct sq_cursor {
	struct hub_cursor	 base;
	struct sq	*st;
	sqlite3_stmt		*s;
};

static int
sq_export_open(struct hub_store *hs, const char *form_id,
    struct hub_cursor **out, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct sq_cursor	*c;
	int			 rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return nomem(e);
	c->base.ops = &sq_ops;
	c->st = st;
	/* Deferred: a read snapshot from the first read on, no lock. */
	if ((rc = db_exec(st->db, "BEGIN", e)) != 0) {
		free(c);
		return rc;
	}
	if ((rc = db_prepare(st->db, STORE_SQL_EXPORT, &c->s, e)) != 0) {
		db_rollback(st->db);
		free(c);
		return rc;
	}
	bind_text(c->s, 1, form_id);
	*out = &c->base;
	return 0;
}

static int
sq_export_next(struct hub_cursor *hc, struct hub_export_row *row,
    int *done, struct err *e)
{
	struct sq_cursor	*c = (struct sq_cursor *)hc;
	const char	*t;
	int		 r;

	memset(row, 0, sizeof(*row));
	*done = 0;
	if ((r = sqlite3_step(c->s)) == SQLITE_DONE) {
		*done = 1;
		return 0;
	}
	if (r != SQLITE_ROW)
		return db_error(c->st->db, e, "export");
	row->instance_id = (const char *)sqlite3_column_text(c->s, 0);
	row->form_version = (const char *)sqlite3_column_text(c->s, 1);
	row->device_id = (const char *)sqlite3_column_text(c->s, 2);
	row->received_at = (const char *)sqlite3_column_text(c->s, 3);
	t = (const char *)sqlite3_column_text(c->s, 4);
	row->len = (size_t)sqlite3_column_bytes(c->s, 4);
	row->line = t != NULL ? t : "";
	row->edits = sqlite3_column_int64(c->s, 5);
	if (row->instance_id == NULL || row->form_version == NULL ||
	    row->device_id == NULL || (row->received_at == NULL &&
	    sqlite3_column_type(c->s, 3) != SQLITE_NULL) || (t == NULL &&
	    sqlite3_column_type(c->s, 4) != SQLITE_NULL))
		return nomem(e);
	if (row->received_at == NULL)
		row->received_at = "";
	return 0;
}

static void
sq_export_close(struct hub_cursor *hc)
{
	struct sq_cursor	*c = (struct sq_cursor *)hc;
	if (c == NULL)
		return;
	sqlite3_finalize(c->s);
	/* Nothing was written: a rollback just ends the read. */
	db_rollback(c->st->db);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Coordinators, their sessions, wrong passwords                       */

static int
sq_get_user(struct hub_store *hs, const char *name,
    struct hub_user *out, int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 r, rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = db_prepare(st->db, "SELECT name, pwhash, created_at,"
	    " (SELECT count(*) FROM sessions WHERE user = name)"
	    " FROM users WHERE name = ?1", &s, e)) != 0)
		return rc;
	bind_text(s, 1, name);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		out->name = db_col_dup(s, 0);
		out->pwhash = db_col_dup(s, 1);
		out->created_at = db_col_dup(s, 2);
		out->sessions = sqlite3_column_int64(s, 3);
		if (out->name == NULL || out->pwhash == NULL ||
		    out->created_at == NULL) {
			hub_user_release(out);
			rc = nomem(e);
		} else
			*found = 1;
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "user");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_add_user(struct hub_store *hs, const char *name,
    const char *pwhash, const char *created_at, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct hub_user	 u;
	sqlite3_stmt	*s;
	int		 found, rc;

	if ((rc = hub_store_get_user(&st->base, name, &u, &found, e)) != 0)
		return rc;
	hub_user_release(&u);
	if (found)
		return err_set(e, ERR_INPUT, _("user '%s' already exists"),
		    name);
	if ((rc = db_prepare(st->db, "INSERT INTO users (name, pwhash,"
	    " created_at) VALUES (?1, ?2, ?3)", &s, e)) != 0)
		return rc;
	bind_text(s, 1, name);
	bind_text(s, 2, pwhash);
	bind_text(s, 3, created_at);
	rc = db_step_done(st->db, s, "user", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_remove_user(struct hub_store *hs, const char *name,
    int64_t *sessions, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct hub_user	 u;
	sqlite3_stmt	*s = NULL;
	int		 found, rc;

	*sessions = 0;
	if ((rc = hub_store_begin(&st->base, e)) != 0)
		return rc;
	if ((rc = hub_store_get_user(&st->base, name, &u, &found, e)) != 0)
		goto out;
	*sessions = u.sessions;
	hub_user_release(&u);
	if (!found) {
		rc = err_set(e, ERR_INPUT, _("no user '%s'"), name);
		goto out;
	}
	if ((rc = db_prepare(st->db, "DELETE FROM sessions WHERE user = ?1",
	    &s, e)) != 0)
		goto out;
	bind_text(s, 1, name);
	if ((rc = db_step_done(st->db, s, "sessions", e)) != 0)
		goto out;
	sqlite3_finalize(s);
	if ((rc = db_prepare(st->db, "DELETE FROM users WHERE name = ?1",
	    &s, e)) != 0)
		goto out;
	bind_text(s, 1, name);
	if ((rc = db_step_done(st->db, s, "user", e)) != 0)
		goto out;
	rc = hub_store_commit(&st->base, e);
out:
	sqlite3_finalize(s);
	if (rc != 0)
		hub_store_rollback(&st->base);
	return rc;
}

struct each_user {
	hub_user_fn	*fn;
	void		*arg;
	int		 nomem;
};

static int
user_row(sqlite3_stmt *s, void *arg)
{
	struct each_user	*c = arg;
	struct hub_user		 u;
	int			 rc;

	memset(&u, 0, sizeof(u));
	u.name = db_col_dup(s, 0);
	u.created_at = db_col_dup(s, 1);
	u.sessions = sqlite3_column_int64(s, 2);
	if (u.name == NULL || u.created_at == NULL) {
		hub_user_release(&u);
		c->nomem = 1;
		return 1;
	}
	rc = c->fn(&u, c->arg);
	hub_user_release(&u);
	return rc;
}

static int
sq_each_user(struct hub_store *hs, int64_t now, int64_t idle,
    int64_t absolute, hub_user_fn *fn, void *arg, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	struct each_user	 c = { fn, arg, 0 };
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = db_prepare(st->db, "SELECT name, created_at,"
	    " (SELECT count(*) FROM sessions WHERE user = name"
	    "   AND seen_at > ?1 AND created_at > ?2)"
	    " FROM users ORDER BY name", &s, e)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, now - idle);
	sqlite3_bind_int64(s, 2, now - absolute);
	rc = db_each(st->db, s, user_row, &c, "users", e);
	if (c.nomem)
		rc = nomem(e);
	return rc;
}

static int
sq_add_session(struct hub_store *hs,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], const char *user,
    int64_t now, int64_t idle, int64_t absolute, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s = NULL;
	int		 rc;

	if ((rc = hub_store_begin(&st->base, e)) != 0)
		return rc;
	/* The dead ones go when a new one comes: the table stays the
	 * size of the live ones. */
	if ((rc = db_prepare(st->db, "DELETE FROM sessions"
	    " WHERE seen_at <= ?1 OR created_at <= ?2", &s, e)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, now - idle);
	sqlite3_bind_int64(s, 2, now - absolute);
	if ((rc = db_step_done(st->db, s, "sessions", e)) != 0)
		goto out;
	sqlite3_finalize(s);
	if ((rc = db_prepare(st->db, "INSERT INTO sessions (token_hash, user,"
	    " created_at, seen_at) VALUES (?1, ?2, ?3, ?3)", &s, e)) != 0)
		goto out;
	sqlite3_bind_blob(s, 1, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	bind_text(s, 2, user);
	sqlite3_bind_int64(s, 3, now);
	if ((rc = db_step_done(st->db, s, "session", e)) != 0)
		goto out;
	rc = hub_store_commit(&st->base, e);
out:
	sqlite3_finalize(s);
	if (rc != 0)
		hub_store_rollback(&st->base);
	return rc;
}

static int
sq_get_session(struct hub_store *hs,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct hub_session *out,
    int *found, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	const void	*h;
	int		 r, rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = db_prepare(st->db, "SELECT user, created_at, seen_at,"
	    " token_hash FROM sessions WHERE token_hash = ?1", &s, e)) != 0)
		return rc;
	sqlite3_bind_blob(s, 1, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		h = sqlite3_column_blob(s, 3);
		/* Found by the index; compared again in constant time. */
		if (h != NULL && sqlite3_column_bytes(s, 3) ==
		    HUB_TOKEN_HASH_BYTES && sodium_memcmp(h, hash,
		    HUB_TOKEN_HASH_BYTES) == 0) {
			out->user = db_col_dup(s, 0);
			out->created_at = sqlite3_column_int64(s, 1);
			out->seen_at = sqlite3_column_int64(s, 2);
			if (out->user == NULL)
				rc = nomem(e);
			else
				*found = 1;
		}
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "session");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_touch_session(struct hub_store *hs,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], int64_t now,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = db_prepare(st->db, "UPDATE sessions SET seen_at = ?2"
	    " WHERE token_hash = ?1", &s, e)) != 0)
		return rc;
	sqlite3_bind_blob(s, 1, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = db_step_done(st->db, s, "session", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_remove_session(struct hub_store *hs,
    const unsigned char hash[HUB_TOKEN_HASH_BYTES], struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = db_prepare(st->db, "DELETE FROM sessions"
	    " WHERE token_hash = ?1", &s, e)) != 0)
		return rc;
	sqlite3_bind_blob(s, 1, hash, HUB_TOKEN_HASH_BYTES, SQLITE_STATIC);
	rc = db_step_done(st->db, s, "session", e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_login_failures(struct hub_store *hs, const char *key,
    int64_t since, int64_t *count, int64_t *oldest, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 r, rc;

	*count = *oldest = 0;
	if ((rc = db_prepare(st->db, "SELECT count(*), min(at)"
	    " FROM login_failures WHERE key = ?1 AND at > ?2", &s, e)) != 0)
		return rc;
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, since);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		*count = sqlite3_column_int64(s, 0);
		*oldest = sqlite3_column_int64(s, 1);
	} else
		rc = db_error(st->db, e, "login failures");
	sqlite3_finalize(s);
	return rc;
}

static int
sq_add_login_failure(struct hub_store *hs, const char *const *keys,
    size_t nkeys, int64_t now, int64_t since, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = hub_store_begin(&st->base, e)) != 0)
		return rc;
	/* What is older than the window counts no more: it goes. */
	if ((rc = db_prepare(st->db, "DELETE FROM login_failures"
	    " WHERE at <= ?1", &s, e)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, since);
	if ((rc = db_step_done(st->db, s, "login failures", e)) != 0)
		goto out;
	sqlite3_finalize(s);
	if ((rc = db_prepare(st->db, "INSERT INTO login_failures (key, at)"
	    " VALUES (?1, ?2)", &s, e)) != 0)
		goto out;
	for (i = 0; i < nkeys; i++) {
		bind_text(s, 1, keys[i]);
		sqlite3_bind_int64(s, 2, now);
		if ((rc = db_step_done(st->db, s, "login failures", e)) != 0)
			goto out;
	}
	rc = hub_store_commit(&st->base, e);
out:
	sqlite3_finalize(s);
	if (rc != 0)
		hub_store_rollback(&st->base);
	return rc;
}

static int
sq_clear_login_failures(struct hub_store *hs, const char *key,
    struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	int		 rc;

	if ((rc = db_prepare(st->db, "DELETE FROM login_failures"
	    " WHERE key = ?1", &s, e)) != 0)
		return rc;
	bind_text(s, 1, key);
	rc = db_step_done(st->db, s, "login failures", e);
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* hub_store_copy's halves                                             */

#define COPY_SQL_MAX	512

/* "SELECT a, b FROM t" or "INSERT INTO t (a, b) VALUES (?1, ?2)"; the
 * names come from store.c's constant list. */
static int
copy_sql(char *sql, const char *table, const char *const *cols, int n,
    int insert)
{
	size_t	len;
	int	c;

	len = (size_t)snprintf(sql, COPY_SQL_MAX, insert ?
	    "INSERT INTO %s (" : "SELECT ", table);
	for (c = 0; c < n && len < COPY_SQL_MAX; c++)
		len += (size_t)snprintf(sql + len, COPY_SQL_MAX - len, "%s%s",
		    c > 0 ? ", " : "", cols[c]);
	if (len < COPY_SQL_MAX && insert) {
		len += (size_t)snprintf(sql + len, COPY_SQL_MAX - len,
		    ") VALUES (");
		for (c = 0; c < n && len < COPY_SQL_MAX; c++)
			len += (size_t)snprintf(sql + len, COPY_SQL_MAX - len,
			    "%s?%d", c > 0 ? ", " : "", c + 1);
		if (len < COPY_SQL_MAX)
			len += (size_t)snprintf(sql + len, COPY_SQL_MAX - len,
			    ")");
	} else if (len < COPY_SQL_MAX)
		len += (size_t)snprintf(sql + len, COPY_SQL_MAX - len,
		    " FROM %s", table);
	return len < COPY_SQL_MAX ? 0 : -1;
}

struct each_dump {
	store_row_fn	*fn;
	void		*arg;
	int		 n;
};

static int
dump_row(sqlite3_stmt *s, void *arg)
{
	struct each_dump	*c = arg;
	struct store_value	 v[32];
	int			 i, t;

	for (i = 0; i < c->n; i++) {
		t = sqlite3_column_type(s, i);
		v[i].p = t == SQLITE_NULL ? NULL : t == SQLITE_BLOB ?
		    sqlite3_column_blob(s, i) : (const void *)
		    sqlite3_column_text(s, i);
		v[i].len = (size_t)sqlite3_column_bytes(s, i);
		if (v[i].p == NULL && t != SQLITE_NULL)
			v[i].p = "";	/* an empty BLOB */
	}
	return c->fn(v, c->n, c->arg);
}

static int
sq_dump(struct hub_store *hs, const char *table, const char *const *cols,
    int ncols, unsigned blobs, store_row_fn *fn, void *arg, struct err *e)
{
	struct sq		*st = (struct sq *)hs;
	struct each_dump	 c = { fn, arg, ncols };
	sqlite3_stmt		*s;
	char			 sql[COPY_SQL_MAX];
	int			 rc;

	(void)blobs;
	if (ncols > 32 || copy_sql(sql, table, cols, ncols, 0) != 0)
		return err_set(e, ERR_IO, "table '%s': too many columns",
		    table);
	if ((rc = db_prepare(st->db, sql, &s, e)) != 0)
		return rc;
	return db_each(st->db, s, dump_row, &c, table, e);
}

static int
sq_load(struct hub_store *hs, const char *table, const char *const *cols,
    int ncols, unsigned blobs, const struct store_value *v, struct err *e)
{
	struct sq	*st = (struct sq *)hs;
	sqlite3_stmt	*s;
	char		 sql[COPY_SQL_MAX];
	int		 c, rc;

	if (copy_sql(sql, table, cols, ncols, 1) != 0)
		return err_set(e, ERR_IO, "table '%s': too many columns",
		    table);
	if ((rc = db_prepare(st->db, sql, &s, e)) != 0)
		return rc;
	for (c = 0; c < ncols; c++)
		if (v[c].p == NULL)
			sqlite3_bind_null(s, c + 1);
		else if (blobs & (1u << c))
			sqlite3_bind_blob64(s, c + 1, v[c].p, v[c].len,
			    SQLITE_STATIC);
		else
			sqlite3_bind_text64(s, c + 1, v[c].p, v[c].len,
			    SQLITE_STATIC, SQLITE_UTF8);
	rc = db_step_done(st->db, s, table, e);
	sqlite3_finalize(s);
	return rc;
}

static int
sq_loaded(struct hub_store *hs, const char *table, struct err *e)
{
	/* A rowid follows the largest one by itself. */
	(void)hs;
	(void)table;
	(void)e;
	return 0;
}

static const struct store_ops sq_ops = {
	.dump = sq_dump,
	.load = sq_load,
	.loaded = sq_loaded,
	.publish = sq_publish,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.add_device = sq_add_device,
	.device_by_token = sq_device_by_token,
	.get_device = sq_get_device,
	.renew_device = sq_renew_device,
	.revoke_device = sq_revoke_device,
	.touch_device = sq_touch_device,
	.each_device = sq_each_device,
	.put_form = sq_put_form,
	.get_form = sq_get_form,
	.get_media = sq_get_media,
	.each_form = sq_each_form,
	.add_batch = sq_add_batch,
	.end_batch = sq_end_batch,
	.find_subs = sq_find_subs,
	.write = sq_write,
	.facts_open = sq_facts_open,
	.facts_reset = sq_facts_reset,
	.facts_put = sq_facts_put,
	.facts_indexes = sq_facts_indexes,
	.facts_close = sq_facts_close,
	.facts_current = sq_facts_current,
	.each_after = sq_each_after,
	.tally = sq_tally,
	.subject = sq_subject,
	.read_begin = sq_read_begin,
	.read_end = sq_read_end,
	.totals = sq_totals,
	.count_by_form = sq_count_by_form,
	.count_by_district = sq_count_by_district,
	.each_current = sq_each_current,
	.export_open = sq_export_open,
	.export_next = sq_export_next,
	.export_close = sq_export_close,
	.get_user = sq_get_user,
	.add_user = sq_add_user,
	.remove_user = sq_remove_user,
	.each_user = sq_each_user,
	.add_session = sq_add_session,
	.get_session = sq_get_session,
	.touch_session = sq_touch_session,
	.remove_session = sq_remove_session,
	.login_failures = sq_login_failures,
	.add_login_failure = sq_add_login_failure,
	.clear_login_failures = sq_clear_login_failures,
};
