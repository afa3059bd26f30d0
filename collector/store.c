/*
 * store.c: the collector's one SQLite file: the device's schema and its
 * queries. Opening, checking, migrating and publishing the file is db/'s
 * (db.h says why each rule is there); what is here is what only the
 * device keeps.
 *
 * Why it is shaped this way:
 * - One transaction per accepted answer (fill.c), on disk before the next
 *   question is shown (db's synchronous=FULL); a few ms on flash.
 * - A finalized submission never changes (CONTRACT.md). Triggers enforce
 *   it in SQL too, so that no later code path can break it by mistake:
 *   the only changes allowed are the hub's answer, once: finalized ->
 *   sent, or finalized -> rejected with its reason.
 * - Nothing here knows the form engine: forms are bytes and answers are
 *   path -> value pairs (session_each_value's paths).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "../db/db.h"
#include "store.h"

/*
 * Migrations. Never edit one that has shipped: add the next. Index i
 * takes a store from version i to i + 1.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"
	"CREATE TABLE forms ("
	"  id INTEGER PRIMARY KEY,"
	"  form_id TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  languages TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  content BLOB NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  installed_at TEXT NOT NULL,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE (form_id, version)"
	");"
	"CREATE UNIQUE INDEX forms_current ON forms(form_id) WHERE current;"
	"CREATE TABLE submissions ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT NOT NULL UNIQUE,"
	"  form INTEGER NOT NULL REFERENCES forms(id),"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('draft', 'finalized', 'sent')),"
	"  deprecated_id TEXT,"
	"  device_id TEXT NOT NULL,"
	"  promoter TEXT,"
	"  started_at TEXT NOT NULL,"
	"  finalized_at TEXT,"
	"  lang TEXT,"
	"  position TEXT,"
	"  json TEXT,"
	"  xml TEXT,"
	"  CHECK (state = 'draft' OR (finalized_at IS NOT NULL"
	"    AND json IS NOT NULL AND xml IS NOT NULL))"
	");"
	"CREATE TABLE answers ("
	"  submission INTEGER NOT NULL"
	"    REFERENCES submissions(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (submission, path)"
	");"
	/* A finalized (or sent) submission is immutable. */
	"CREATE TRIGGER answers_frozen_insert BEFORE INSERT ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = NEW.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_update BEFORE UPDATE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_delete BEFORE DELETE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER submissions_frozen_update BEFORE UPDATE ON submissions"
	"  WHEN OLD.state <> 'draft' AND NOT (OLD.state = 'finalized'"
	"    AND NEW.state = 'sent'"
	"    AND NEW.instance_id IS OLD.instance_id AND NEW.form IS OLD.form"
	"    AND NEW.deprecated_id IS OLD.deprecated_id"
	"    AND NEW.device_id IS OLD.device_id"
	"    AND NEW.promoter IS OLD.promoter"
	"    AND NEW.started_at IS OLD.started_at"
	"    AND NEW.finalized_at IS OLD.finalized_at"
	"    AND NEW.lang IS OLD.lang AND NEW.json IS OLD.json"
	"    AND NEW.xml IS OLD.xml AND NEW.id IS OLD.id)"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER submissions_frozen_delete BEFORE DELETE ON submissions"
	"  WHEN OLD.state <> 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;",

	/* 2: list and status filter by state */
	"CREATE INDEX submissions_state ON submissions(state, form);",

	/*
	 * 3: the hub's answer. 'rejected' with the hub's reason; the frozen
	 * submission is kept as its data object alone ("data", the JSON
	 * text the session wrote), the rest of the envelope coming from the
	 * columns through sync's envelope_encode, the one codec (a
	 * finalized store of schema 2 has its JSON as that function writes
	 * it: the header, then ,"data":{...} last; a row without it fails
	 * the CHECK and the migration, leaving the store as it was).
	 *
	 * SQLite cannot alter a CHECK: the table is rebuilt. The triggers
	 * go first and come back last. answers is rebuilt too, pointing at
	 * the new table: dropping the old one with foreign keys on would
	 * delete its answers (ON DELETE CASCADE), and PRAGMA foreign_keys
	 * cannot change inside the migration's transaction.
	 */
	"DROP TRIGGER answers_frozen_insert;"
	"DROP TRIGGER answers_frozen_update;"
	"DROP TRIGGER answers_frozen_delete;"
	"DROP TRIGGER submissions_frozen_update;"
	"DROP TRIGGER submissions_frozen_delete;"
	"DROP INDEX submissions_state;"
	"CREATE TABLE submissions_new ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT NOT NULL UNIQUE,"
	"  form INTEGER NOT NULL REFERENCES forms(id),"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('draft', 'finalized', 'sent', 'rejected')),"
	"  deprecated_id TEXT,"
	"  device_id TEXT NOT NULL,"
	"  promoter TEXT,"
	"  started_at TEXT NOT NULL,"
	"  finalized_at TEXT,"
	"  lang TEXT,"
	"  position TEXT,"
	"  data TEXT,"
	"  xml TEXT,"
	"  reason TEXT,"
	"  CHECK (state = 'draft' OR (finalized_at IS NOT NULL"
	"    AND data IS NOT NULL AND xml IS NOT NULL)),"
	"  CHECK ((state = 'rejected') = (reason IS NOT NULL))"
	");"
	"INSERT INTO submissions_new (id, instance_id, form, state,"
	"  deprecated_id, device_id, promoter, started_at, finalized_at, lang,"
	"  position, data, xml)"
	"  SELECT id, instance_id, form, state, deprecated_id, device_id,"
	"    promoter, started_at, finalized_at, lang, position,"
	"    CASE WHEN instr(json, ',\"data\":') > 0"
	"      AND substr(json, -1) = '}'"
	"    THEN substr(json, instr(json, ',\"data\":') + 8,"
	"      length(json) - instr(json, ',\"data\":') - 8) END,"
	"    xml FROM submissions ORDER BY id;"
	"CREATE TABLE answers_new ("
	"  submission INTEGER NOT NULL"
	"    REFERENCES submissions_new(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (submission, path)"
	");"
	"INSERT INTO answers_new SELECT submission, path, value, seq"
	"  FROM answers;"
	"DROP TABLE answers;"
	"DROP TABLE submissions;"
	/* Renaming rewrites answers_new's REFERENCES (SQLite >= 3.26). */
	"ALTER TABLE submissions_new RENAME TO submissions;"
	"ALTER TABLE answers_new RENAME TO answers;"
	"CREATE INDEX submissions_state ON submissions(state, form);"
	"CREATE TRIGGER answers_frozen_insert BEFORE INSERT ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = NEW.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_update BEFORE UPDATE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_delete BEFORE DELETE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	/* A draft is finalized, or stays a draft. */
	"CREATE TRIGGER submissions_draft_update BEFORE UPDATE ON submissions"
	"  WHEN OLD.state = 'draft' AND NEW.state NOT IN ('draft', 'finalized')"
	"  BEGIN SELECT RAISE(ABORT, 'a draft is not finalized'); END;"
	/* After that, only the hub's answer, once: finalized -> sent, or
	 * finalized -> rejected with its reason; nothing else moves. */
	"CREATE TRIGGER submissions_frozen_update BEFORE UPDATE ON submissions"
	"  WHEN OLD.state <> 'draft' AND NOT (OLD.state = 'finalized'"
	"    AND ((NEW.state = 'sent' AND NEW.reason IS NULL)"
	"      OR (NEW.state = 'rejected' AND NEW.reason IS NOT NULL))"
	"    AND NEW.instance_id IS OLD.instance_id AND NEW.form IS OLD.form"
	"    AND NEW.deprecated_id IS OLD.deprecated_id"
	"    AND NEW.device_id IS OLD.device_id"
	"    AND NEW.promoter IS OLD.promoter"
	"    AND NEW.started_at IS OLD.started_at"
	"    AND NEW.finalized_at IS OLD.finalized_at"
	"    AND NEW.lang IS OLD.lang AND NEW.position IS OLD.position"
	"    AND NEW.data IS OLD.data AND NEW.xml IS OLD.xml"
	"    AND NEW.id IS OLD.id)"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER submissions_frozen_delete BEFORE DELETE ON submissions"
	"  WHEN OLD.state <> 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;",

	/*
	 * 4: a form's attachments (ODK's form media: the CSV, XML and
	 * GeoJSON lists it reads), kept with the version of the form they
	 * came with, so that a form and its lists are installed, replaced
	 * and read together.
	 */
	"CREATE TABLE form_media ("
	"  form INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  content BLOB NOT NULL,"
	"  PRIMARY KEY (form, name)"
	");",

	/*
	 * 5: store_put_answer's max(seq) read every answer of the draft,
	 * so a draft of n answers cost n^2 (12,000 repeat entries by
	 * --answers: 76 s); with this index it is one seek, and
	 * store_each_answer reads in seq order without sorting.
	 */
	"CREATE INDEX answers_seq ON answers(submission, seq);",
};
#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* PRAGMA application_id: "CLCT". */
#define STORE_APPLICATION_ID	0x434c4354u

static const struct db_schema schema = {
	.program = "collector",
	.migrations = migrations,
	.nmigrations = NMIGRATIONS,
	.application_id = STORE_APPLICATION_ID,
	.every_table = "submissions",
};

struct store_lock {
	int	 fd;
	char	*path;
};

#define LOCK_TEXT_MAX	96	/* "PID SINCE" */

/* Who holds the lock at fd, as "process PID, since DATE HH:MM". */
static void
lock_holder(int fd, char *who, size_t size)
{
	char	b[LOCK_TEXT_MAX];
	ssize_t	n;
	long	pid;
	char	since[40], *end;

	n = pread(fd, b, sizeof(b) - 1, 0);
	b[n > 0 ? n : 0] = '\0';
	errno = 0;
	pid = strtol(b, &end, 10);
	if (errno != 0 || end == b || pid <= 0 || *end != ' ') {
		snprintf(who, size, _("another process"));
		return;
	}
	/* 2026-11-25T10:04:05.123-05:00: the date and the minute */
	snprintf(since, sizeof(since), "%.16s", end + 1);
	if (strlen(since) == 16 && since[10] == 'T')
		since[10] = ' ';
	snprintf(who, size, _("process %ld, since %s"), pid, since);
}

int
store_lock_sub(struct store *st, const char *instance_id,
    struct store_lock **out, struct err *e)
{
	struct store_lock	*l;
	struct stat		 a, b;
	const char		*id = instance_id;
	char			 name[STORE_PATH_MAX], who[128];
	char			 text[LOCK_TEXT_MAX], since[40];
	size_t			 i, n;
	int			 tries, rc = 0;

	*out = NULL;
	if (strncmp(id, "uuid:", 5) == 0)
		id += 5;
	/* The name from the id, with nothing a file name cannot hold on a
	 * FAT memory card (':') nor a '/'. */
	n = (size_t)snprintf(name, sizeof(name), "%s/edit-", st->db->dir);
	for (i = 0; id[i] != '\0' && n + 6 < sizeof(name); i++)
		name[n++] = isalnum((unsigned char)id[i]) || id[i] == '-' ?
		    id[i] : '_';
	if (n + 6 >= sizeof(name))
		return err_set(e, ERR_IO, _("'%s': path too long"),
		    st->db->dir);
	memcpy(name + n, ".lock", 6);
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->path = strdup(name)) == NULL) {
		free(l);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	/* The file may be unlinked by its holder between our open and our
	 * flock: then the lock is on a name nobody else will open; try
	 * again on the file now at the name. */
	for (tries = 0; tries < 10; tries++) {
		l->fd = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (l->fd < 0) {
			rc = err_set(e, ERR_IO, _("cannot create '%s': %s"),
			    name, strerror(errno));
			goto out;
		}
		if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK) {
				lock_holder(l->fd, who, sizeof(who));
				rc = err_set(e, ERR_IO, _("survey %s is being "
				    "edited by %s: finish there first (or "
				    "close that program)"), instance_id, who);
			} else
				rc = err_set(e, ERR_IO, _("cannot lock '%s': "
				    "%s"), name, strerror(errno));
			goto out;
		}
		if (fstat(l->fd, &a) == 0 && stat(name, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(l->fd);
		l->fd = -1;
	}
	if (l->fd < 0) {
		rc = err_set(e, ERR_IO, _("cannot lock '%s'"), name);
		goto out;
	}
	datetime_format_local(clock_now(), since);
	n = (size_t)snprintf(text, sizeof(text), "%ld %s\n", (long)getpid(),
	    since);
	if (ftruncate(l->fd, 0) != 0 || pwrite(l->fd, text, n, 0) !=
	    (ssize_t)n) {
		rc = err_set(e, ERR_IO, _("cannot write '%s': %s"), name,
		    strerror(errno));
		unlink(name);
		goto out;
	}
	*out = l;
	l = NULL;
out:
	if (l != NULL) {
		if (l->fd >= 0)
			close(l->fd);
		free(l->path);
		free(l);
	}
	return rc;
}

void
store_unlock(struct store_lock *l)
{
	if (l == NULL)
		return;
	/* Unlink while holding it: whoever opened the name meanwhile
	 * finds, once it has the lock, that the name is no longer its
	 * file, and tries again. */
	unlink(l->path);
	close(l->fd);
	free(l->path);
	free(l);
}

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

char *
store_home(const char *dir)
{
	return db_home(dir, "COLLECTOR_HOME", "collector");
}


int
store_exists(const char *home)
{
	return db_exists(home, STORE_FILE);
}

/* st around db, or db closed. */
static int
wrap(struct db *db, struct store **out, struct err *e)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL) {
		db_close(db);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	(*out)->db = db;
	return 0;
}

/*
 * A store made before the token lived in it has it in home/token (one
 * line, 0600): move it in, then remove the file. The store's own token,
 * if it has one, wins. Token bytes are wiped after use.
 */
static int
adopt_token_file(struct store *st, const char *home, struct err *e)
{
	char	 p[STORE_PATH_MAX], *tok = NULL, *have = NULL;
	size_t	 len, n, i;
	int	 rc;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", home, STORE_TOKEN_FILE) >=
	    sizeof(p) || access(p, F_OK) != 0)
		return 0;
	if ((rc = file_read(p, STORE_TOKEN_MAX + 2, &tok, &len, e)) != 0)
		return rc;
	i = 0;
	while (i < len && isspace((unsigned char)tok[i]))
		i++;
	n = len;
	while (n > i && isspace((unsigned char)tok[n - 1]))
		n--;
	tok[n] = '\0';
	if ((rc = store_begin(st, e)) != 0)
		goto out;
	if ((rc = store_get_setting(st, "token", &have, e)) == 0 &&
	    have == NULL && n > i)
		rc = store_set_setting(st, "token", tok + i, e);
	if (rc == 0)
		rc = store_commit(st, e);
	else
		store_rollback(st);
	/* Only once the store has it: a kill before leaves the file. */
	if (rc == 0 && unlink(p) != 0)
		rc = err_set(e, ERR_IO, _("cannot remove '%s': %s"), p,
		    strerror(errno));
out:
	if (have != NULL) {
		sodium_memzero(have, strlen(have));
		free(have);
	}
	sodium_memzero(tok, len);
	free(tok);
	return rc;
}

static int
open_store(const char *home, int read, struct store **out, struct err *e)
{
	struct store	*st;
	struct db	*db;
	int		 rc;

	*out = NULL;
	if ((rc = (read ? db_open_read : db_open)(home, STORE_FILE, &schema,
	    &db, e)) != 0 || (rc = wrap(db, &st, e)) != 0)
		return rc;
	/* Read-only: the token file stays where it is until a writer. */
	if (!db->read_only && (rc = adopt_token_file(st, home, e)) != 0) {
		store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

int
store_open(const char *home, struct store **out, struct err *e)
{
	return open_store(home, 0, out, e);
}

int
store_open_read(const char *home, struct store **out, struct err *e)
{
	return open_store(home, 1, out, e);
}

int
store_create(const char *home, struct store **out, struct err *e)
{
	struct db	*db;
	int		 rc;

	*out = NULL;
	if ((rc = db_create(home, STORE_FILE, &schema, &db, e)) != 0)
		return rc;
	return wrap(db, out, e);
}

int
store_publish(struct store *st, struct err *e)
{
	int	rc;

	rc = db_publish(st->db, e);
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st);
}

int
store_migrate_to(struct store *st, int version, struct err *e)
{
	return db_migrate_to(st->db, &schema, version, e);
}

int
store_begin(struct store *st, struct err *e)
{
	return db_begin(st->db, e);
}

int
store_commit(struct store *st, struct err *e)
{
	return db_commit(st->db, e);
}

void
store_rollback(struct store *st)
{
	db_rollback(st->db);
}

/* ------------------------------------------------------------------ */
/* Settings                                                            */

int
store_get_setting(struct store *st, const char *key, char **out,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, r;

	*out = NULL;
	if ((rc = db_prepare(st->db, "SELECT value FROM settings WHERE key = ?",
	    &stmt, e)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW)
		*out = db_col_dup(stmt, 0);
	else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "settings");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_set_setting(struct store *st, const char *key, const char *value,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (value == NULL)
		rc = db_prepare(st->db, "DELETE FROM settings WHERE key = ?1", &stmt,
		    e);
	else
		rc = db_prepare(st->db, "INSERT INTO settings (key, value) "
		    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE "
		    "SET value = excluded.value", &stmt, e);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "settings");
	sqlite3_finalize(stmt);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Forms                                                               */

void
store_form_release(struct store_form *f)
{
	size_t	i;

	free(f->form_id);
	free(f->version);
	free(f->title);
	free(f->languages);
	free(f->file);
	free(f->sha256);
	free(f->installed_at);
	free(f->content);
	for (i = 0; i < f->nmedia; i++) {
		free(f->media[i].name);
		free(f->media[i].sha256);
		free(f->media[i].content);
	}
	free(f->media);
	memset(f, 0, sizeof(*f));
}

int
store_version_cmp(const char *a, const char *b)
{
	size_t	la, lb;

	la = strspn(a, "0123456789");
	lb = strspn(b, "0123456789");
	if (la == strlen(a) && lb == strlen(b) && la > 0 && lb > 0) {
		while (*a == '0' && la > 1) {
			a++;
			la--;
		}
		while (*b == '0' && lb > 1) {
			b++;
			lb--;
		}
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
}

#define FORM_COLS "id, form_id, version, title, languages, file, sha256, " \
		  "installed_at, current"

static int
read_form(sqlite3_stmt *stmt, struct store_form *f, int content)
{
	const void	*p;
	int		 n;

	f->id = sqlite3_column_int64(stmt, 0);
	f->form_id = db_col_dup(stmt, 1);
	f->version = db_col_dup(stmt, 2);
	f->title = db_col_dup(stmt, 3);
	f->languages = db_col_dup(stmt, 4);
	f->file = db_col_dup(stmt, 5);
	f->sha256 = db_col_dup(stmt, 6);
	f->installed_at = db_col_dup(stmt, 7);
	f->current = sqlite3_column_int(stmt, 8);
	if (f->form_id == NULL || f->version == NULL || f->title == NULL ||
	    f->languages == NULL || f->file == NULL || f->sha256 == NULL ||
	    f->installed_at == NULL)
		return ERR_NOMEM;
	if (content) {
		p = sqlite3_column_blob(stmt, 9);
		n = sqlite3_column_bytes(stmt, 9);
		if ((f->content = malloc((size_t)n + 1)) == NULL)
			return ERR_NOMEM;
		if (n > 0)
			memcpy(f->content, p, (size_t)n);
		((char *)f->content)[n] = '\0';
		f->len = (size_t)n;
	}
	return 0;
}

/* The attachments of form row f->id, by name; their bytes too when
 * content. */
static int
read_media(struct store *st, struct store_form *f, int content,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	const void	*p;
	size_t		 cap = 0, n;
	int		 rc, r;

	if ((rc = db_prepare(st->db, "SELECT name, sha256, content FROM "
	    "form_media WHERE form = ? ORDER BY name", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, f->id);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_media	*m;

		if (f->nmedia == cap) {
			void	*v;

			cap = cap ? cap * 2 : 4;
			if ((v = realloc(f->media, cap *
			    sizeof(*f->media))) == NULL) {
				rc = err_set(e, ERR_NOMEM, _("out of memory"));
				break;
			}
			f->media = v;
		}
		m = &f->media[f->nmedia++];
		memset(m, 0, sizeof(*m));
		m->name = db_col_dup(stmt, 0);
		m->sha256 = db_col_dup(stmt, 1);
		if (content) {
			p = sqlite3_column_blob(stmt, 2);
			n = (size_t)sqlite3_column_bytes(stmt, 2);
			if ((m->content = malloc(n + 1)) != NULL) {
				if (n > 0)
					memcpy(m->content, p, n);
				m->len = n;
			}
		}
		if (m->name == NULL || m->sha256 == NULL ||
		    (content && m->content == NULL)) {
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			break;
		}
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = db_error(st->db, e, "form_media");
	sqlite3_finalize(stmt);
	return rc;
}

static int
get_form(struct store *st, const char *sql, const char *key, int64_t row,
    struct store_form *out, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, r;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(st->db, sql, &stmt, e)) != 0)
		return rc;
	if (key != NULL)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 1, row);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		if (read_form(stmt, out, 1) != 0)
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
	} else if (r == SQLITE_DONE)
		rc = err_set(e, ERR_INPUT, key != NULL ? _("no form '%s' "
		    "installed") : "no form #%s", key != NULL ? key : "?");
	else
		rc = db_error(st->db, e, "forms");
	sqlite3_finalize(stmt);
	if (rc == 0)
		rc = read_media(st, out, 1, e);
	if (rc != 0)
		store_form_release(out);
	return rc;
}

int
store_get_form(struct store *st, const char *form_id, struct store_form *out,
    struct err *e)
{
	return get_form(st, "SELECT " FORM_COLS ", content FROM forms "
	    "WHERE form_id = ? AND current", form_id, 0, out, e);
}

int
store_get_form_by_row(struct store *st, int64_t id, struct store_form *out,
    struct err *e)
{
	return get_form(st, "SELECT " FORM_COLS ", content FROM forms "
	    "WHERE id = ?", NULL, id, out, e);
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* The attachments of f whose add[i] is set (all when add is NULL) to
 * form row `row`, with their bytes' digests. */
static int
put_media(struct store *st, int64_t row, const struct store_form *f,
    const unsigned char *add, struct err *e)
{
	sqlite3_stmt	*stmt;
	char		 sha[65];
	size_t		 i;
	int		 rc;

	if (f->nmedia == 0)
		return 0;
	if ((rc = db_prepare(st->db, "INSERT INTO form_media (form, name, "
	    "sha256, content) VALUES (?, ?, ?, ?)", &stmt, e)) != 0)
		return rc;
	for (i = 0; i < f->nmedia && rc == 0; i++) {
		if (add != NULL && !add[i])
			continue;
		sha256_hex(f->media[i].content, f->media[i].len, sha);
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, row);
		sqlite3_bind_text(stmt, 2, f->media[i].name, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, sha, -1, SQLITE_STATIC);
		sqlite3_bind_blob64(stmt, 4, f->media[i].content,
		    f->media[i].len, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			rc = db_error(st->db, e, "form_media");
	}
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Form row `row` is installed with the bytes of f: whether f's
 * attachments fit it. -1 when one of the same name has other bytes;
 * else 0 with add[i] set for each one the row lacks (a form installed
 * before its lists were at hand: they may come later, never change), or
 * an error code.
 */
static int
media_plan(struct store *st, int64_t row, const struct store_form *f,
    unsigned char *add, struct err *e)
{
	struct store_form	 cur;
	char			 sha[65];
	size_t			 i, j;
	int			 rc, fits = 1;

	memset(&cur, 0, sizeof(cur));
	cur.id = row;
	if ((rc = read_media(st, &cur, 0, e)) != 0) {
		store_form_release(&cur);
		return rc;
	}
	for (i = 0; i < f->nmedia && fits; i++) {
		sha256_hex(f->media[i].content, f->media[i].len, sha);
		for (j = 0; j < cur.nmedia; j++)
			if (strcmp(cur.media[j].name, f->media[i].name) == 0)
				break;
		add[i] = j == cur.nmedia;
		fits = add[i] || strcmp(cur.media[j].sha256, sha) == 0;
	}
	store_form_release(&cur);
	return fits ? 0 : -1;
}

int
store_put_form(struct store *st, const struct store_form *f,
    enum store_put *how, struct err *e)
{
	struct store_form	 cur;
	struct err		 ge;
	sqlite3_stmt		*stmt = NULL;
	unsigned char		*add = NULL;
	char			 sha[65], now[40];
	int			 rc, have, own;

	*how = STORE_PUT_NEW;
	sha256_hex(f->content, f->len, sha);
	datetime_format_local(clock_now(), now);
	/* Inside the caller's transaction (init installs several forms at
	 * once), or in one of its own. */
	own = sqlite3_get_autocommit(st->db->sql);
	if (own && (rc = store_begin(st, e)) != 0)
		return rc;
	if ((rc = db_prepare(st->db, "SELECT sha256, current, id FROM forms "
	    "WHERE form_id = ?1 AND version = ?2", &stmt, e)) != 0)
		goto out;
	sqlite3_bind_text(stmt, 1, f->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, f->version, -1, SQLITE_STATIC);
	have = sqlite3_step(stmt);
	if (have == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(stmt, 0),
		    sha) == 0) {
			int64_t	row = sqlite3_column_int64(stmt, 2);

			size_t	i;

			sqlite3_finalize(stmt);
			stmt = NULL;
			if ((add = calloc(f->nmedia + 1, 1)) == NULL) {
				rc = err_set(e, ERR_NOMEM, _("out of memory"));
				goto out;
			}
			if ((rc = media_plan(st, row, f, add, e)) < 0) {
				rc = err_set(e, ERR_INPUT, _("form '%s' "
				    "version '%s' is already installed with "
				    "other attachments: give the new one a "
				    "higher version"), f->form_id,
				    f->version);
				goto out;
			}
			if (rc != 0)
				goto out;
			*how = STORE_PUT_SAME;
			for (i = 0; i < f->nmedia; i++)
				if (add[i])
					*how = STORE_PUT_ATTACHED;
			if (*how == STORE_PUT_ATTACHED)
				rc = put_media(st, row, f, add, e);
			goto out;
		}
		rc = err_set(e, ERR_INPUT, _("form '%s' version '%s' is "
		    "already installed with other content: give the new "
		    "one a higher version"), f->form_id, f->version);
		goto out;
	}
	if (have != SQLITE_DONE) {
		rc = db_error(st->db, e, "forms");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	memset(&cur, 0, sizeof(cur));
	err_init(&ge);
	rc = store_get_form(st, f->form_id, &cur, &ge);
	/* ERR_INPUT is "no form": the only answer that means absent. */
	if (rc != 0 && rc != ERR_INPUT) {
		rc = err_set(e, rc, "%s", ge.msg);
		goto out;
	}
	if (rc == 0) {
		if (store_version_cmp(f->version, cur.version) < 0) {
			rc = err_set(e, ERR_INPUT, _("form '%s' version '%s' "
			    "is older than the installed version '%s'"),
			    f->form_id, f->version, cur.version);
			store_form_release(&cur);
			goto out;
		}
		store_form_release(&cur);
		*how = STORE_PUT_REPLACED;
		if ((rc = db_prepare(st->db, "UPDATE forms SET current = 0 "
		    "WHERE form_id = ?", &stmt, e)) != 0)
			goto out;
		sqlite3_bind_text(stmt, 1, f->form_id, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			rc = db_error(st->db, e, "forms");
			goto out;
		}
		sqlite3_finalize(stmt);
		stmt = NULL;
	}
	rc = 0;
	if ((rc = db_prepare(st->db, "INSERT INTO forms (form_id, version, title, "
	    "languages, file, content, sha256, installed_at, current) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", &stmt, e)) != 0)
		goto out;
	sqlite3_bind_text(stmt, 1, f->form_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, f->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, f->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, f->languages, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, f->file, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(stmt, 6, f->content, f->len, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, now, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "forms");
	else
		rc = put_media(st, sqlite3_last_insert_rowid(st->db->sql), f,
		    NULL, e);
out:
	sqlite3_finalize(stmt);
	free(add);
	if (!own)
		return rc;
	if (rc == 0 && *how != STORE_PUT_SAME)
		rc = store_commit(st, e);
	else
		store_rollback(st);
	return rc;
}

int
store_get_media_sha256(struct store *st, const char *sha256, char **out,
    size_t *len, struct err *e)
{
	sqlite3_stmt	*stmt;
	const void	*p;
	size_t		 n;
	int		 rc, r;

	*out = NULL;
	*len = 0;
	if ((rc = db_prepare(st->db, "SELECT content FROM form_media WHERE "
	    "sha256 = ? LIMIT 1", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, sha256, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		p = sqlite3_column_blob(stmt, 0);
		n = (size_t)sqlite3_column_bytes(stmt, 0);
		if ((*out = malloc(n + 1)) == NULL)
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
		else {
			if (n > 0)
				memcpy(*out, p, n);
			(*out)[n] = '\0';
			*len = n;
		}
	} else if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "form_media");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_each_form(struct store *st, store_form_fn *fn, void *arg,
    struct err *e)
{
	struct store_form	 f;
	sqlite3_stmt		*stmt;
	int			 rc, r;

	if ((rc = db_prepare(st->db, "SELECT " FORM_COLS " FROM forms WHERE current "
	    "ORDER BY form_id", &stmt, e)) != 0)
		return rc;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&f, 0, sizeof(f));
		if (read_form(stmt, &f, 0) != 0) {
			store_form_release(&f);
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			break;
		}
		if ((rc = read_media(st, &f, 0, e)) != 0) {
			store_form_release(&f);
			break;
		}
		r = fn(&f, arg);
		store_form_release(&f);
		if (r != 0) {
			rc = r;
			break;
		}
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = db_error(st->db, e, "forms");
	sqlite3_finalize(stmt);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Submissions                                                         */

static const char *const state_names[SUB_NSTATES] = {
	"draft", "finalized", "sent", "rejected"
};

const char *
sub_state_name(enum sub_state s)
{
	return state_names[s];
}

int
sub_state_parse(const char *name, enum sub_state *out)
{
	int	i;

	for (i = 0; i < SUB_NSTATES; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum sub_state)i;
			return 0;
		}
	return ERR_USAGE;
}

void
store_sub_release(struct store_sub *s)
{
	free(s->instance_id);
	free(s->form_id);
	free(s->form_version);
	free(s->deprecated_id);
	free(s->device_id);
	free(s->promoter);
	free(s->started_at);
	free(s->finalized_at);
	free(s->lang);
	free(s->data);
	free(s->xml);
	free(s->reason);
	free(s->position);
	memset(s, 0, sizeof(*s));
}

#define SUB_COLS "s.id, s.instance_id, s.form, f.form_id, f.version, " \
		 "s.state, s.deprecated_id, s.device_id, s.promoter, " \
		 "s.started_at, s.finalized_at, s.lang, s.data, s.xml, " \
		 "s.position, s.reason"
#define SUB_FROM " FROM submissions s JOIN forms f ON f.id = s.form "

static int
read_sub(sqlite3_stmt *stmt, struct store_sub *s)
{
	enum sub_state	st = SUB_DRAFT;
	const char	*t;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(stmt, 0);
	s->instance_id = db_col_dup(stmt, 1);
	s->form = sqlite3_column_int64(stmt, 2);
	s->form_id = db_col_dup(stmt, 3);
	s->form_version = db_col_dup(stmt, 4);
	t = (const char *)sqlite3_column_text(stmt, 5);
	if (t != NULL)
		sub_state_parse(t, &st);
	s->state = st;
	s->deprecated_id = db_col_dup(stmt, 6);
	s->device_id = db_col_dup(stmt, 7);
	s->promoter = db_col_dup(stmt, 8);
	s->started_at = db_col_dup(stmt, 9);
	s->finalized_at = db_col_dup(stmt, 10);
	s->lang = db_col_dup(stmt, 11);
	s->data = db_col_dup(stmt, 12);
	s->xml = db_col_dup(stmt, 13);
	s->position = db_col_dup(stmt, 14);
	s->reason = db_col_dup(stmt, 15);
	if (s->instance_id == NULL || s->form_id == NULL ||
	    s->form_version == NULL || s->device_id == NULL ||
	    s->started_at == NULL)
		return ERR_NOMEM;
	return 0;
}

int
store_create_sub(struct store *st, struct store_sub *s, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((rc = db_prepare(st->db, "INSERT INTO submissions (instance_id, form, "
	    "state, deprecated_id, device_id, promoter, started_at, lang) "
	    "VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, s->instance_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, s->form);
	sqlite3_bind_text(stmt, 3, s->deprecated_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, s->device_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, s->promoter, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, s->started_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, s->lang, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	else
		s->id = sqlite3_last_insert_rowid(st->db->sql);
	s->state = SUB_DRAFT;
	sqlite3_finalize(stmt);
	return rc;
}

int
store_find_sub(struct store *st, const char *id, struct store_sub *out,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	const char	*u = id;
	char		 pat[64];
	int		 rc, r, n = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(u, "uuid:", 5) == 0)
		u += 5;
	/* A prefix of hex digits and dashes only: no LIKE wildcards. */
	if (*u == '\0' || strlen(u) > UUID_STR_LEN ||
	    strspn(u, "0123456789abcdefABCDEF-") != strlen(u))
		return err_set(e, ERR_INPUT, _("'%s' is not a submission id"),
		    id);
	snprintf(pat, sizeof(pat), "uuid:%s", u);
	if ((rc = db_prepare(st->db, "SELECT " SUB_COLS SUB_FROM
	    "WHERE substr(s.instance_id, 1, length(?1)) = lower(?1) "
	    "ORDER BY s.id LIMIT 2", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, pat, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (++n == 2)
			break;
		if (read_sub(stmt, out) != 0) {
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			break;
		}
	}
	if (rc == 0 && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	else if (rc == 0 && n == 0)
		rc = err_set(e, ERR_INPUT, _("no submission '%s'"), id);
	else if (rc == 0 && n == 2)
		rc = err_set(e, ERR_INPUT, _("'%s' names more than one "
		    "submission: give more of its id"), id);
	sqlite3_finalize(stmt);
	if (rc != 0)
		store_sub_release(out);
	return rc;
}

int
store_each_sub(struct store *st, int state, const char *form_id,
    store_sub_fn *fn, void *arg, struct err *e)
{
	struct store_sub	 s;
	sqlite3_stmt		*stmt;
	int			 rc, r;

	if ((rc = db_prepare(st->db, "SELECT " SUB_COLS SUB_FROM
	    "WHERE (?1 IS NULL OR s.state = ?1) "
	    "AND (?2 IS NULL OR f.form_id = ?2) ORDER BY s.id", &stmt,
	    e)) != 0)
		return rc;
	if (state >= 0)
		sqlite3_bind_text(stmt, 1, state_names[state], -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, form_id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (read_sub(stmt, &s) != 0) {
			store_sub_release(&s);
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			break;
		}
		r = fn(&s, arg);
		store_sub_release(&s);
		if (r != 0) {
			rc = r;
			break;
		}
	}
	if (rc == 0 && r != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_count_subs(struct store *st, int64_t counts[SUB_NSTATES],
    struct err *e)
{
	sqlite3_stmt	*stmt;
	enum sub_state	 s;
	const char	*t;
	int		 rc, r;

	memset(counts, 0, SUB_NSTATES * sizeof(counts[0]));
	if ((rc = db_prepare(st->db, "SELECT state, count(*) "
	    "FROM submissions GROUP BY state", &stmt, e)) != 0)
		return rc;
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		t = (const char *)sqlite3_column_text(stmt, 0);
		if (t != NULL && sub_state_parse(t, &s) == 0)
			counts[s] = sqlite3_column_int64(stmt, 1);
	}
	if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_put_answer(struct store *st, int64_t sub, const char *path,
    const char *value, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (value == NULL)
		rc = db_prepare(st->db, "DELETE FROM answers "
		    "WHERE submission = ?1 AND path = ?2", &stmt, e);
	else
		/* seq keeps the order answers were first given, which is
		 * the order session_restore needs for repeats. */
		rc = db_prepare(st->db, "INSERT INTO answers (submission, path, "
		    "value, seq) VALUES (?1, ?2, ?3, (SELECT "
		    "coalesce(max(seq), 0) + 1 FROM answers "
		    "WHERE submission = ?1)) ON CONFLICT (submission, path) "
		    "DO UPDATE SET value = excluded.value "
		    "WHERE value IS NOT excluded.value", &stmt, e);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, sub);
	sqlite3_bind_text(stmt, 2, path, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(stmt, 3, value, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = db_error(st->db, e, "answers");
		err_prefix(e, _("answer '%s'"), path);
	}
	sqlite3_finalize(stmt);
	return rc;
}

int
store_each_answer(struct store *st, int64_t sub, store_answer_fn *fn,
    void *arg, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc, r;

	if ((rc = db_prepare(st->db, "SELECT path, value FROM answers "
	    "WHERE submission = ? ORDER BY seq", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, sub);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1), arg);
	if (r != SQLITE_DONE)
		rc = db_error(st->db, e, "answers");
	sqlite3_finalize(stmt);
	return rc;
}

static int
update_sub(struct store *st, const char *sql, int64_t sub, const char *a,
    const char *b, const char *c, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((rc = db_prepare(st->db, sql, &stmt, e)) != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, sub);
	sqlite3_bind_text(stmt, 2, a, -1, SQLITE_STATIC);
	/* Parameters the statement does not use are ignored (RANGE). */
	sqlite3_bind_text(stmt, 3, b, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, c, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	else if (sqlite3_changes(st->db->sql) != 1)
		rc = err_set(e, ERR_INPUT, _("submission is not a draft"));
	sqlite3_finalize(stmt);
	return rc;
}

int
store_finalize_sub(struct store *st, int64_t sub, const char *finalized_at,
    const char *data, const char *xml, struct err *e)
{
	return update_sub(st, "UPDATE submissions SET state = 'finalized', "
	    "finalized_at = ?2, data = ?3, xml = ?4 "
	    "WHERE id = ?1 AND state = 'draft'", sub, finalized_at, data, xml,
	    e);
}

int
store_set_lang(struct store *st, int64_t sub, const char *lang,
    struct err *e)
{
	return update_sub(st, "UPDATE submissions SET lang = ?2 "
	    "WHERE id = ?1 AND state = 'draft'",
	    sub, lang, NULL, NULL, e);
}

int
store_acknowledge(struct store *st, const char *instance_id,
    enum sub_state to, const char *reason, int *done, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*done = 0;
	assert((to == SUB_SENT && reason == NULL) ||
	    (to == SUB_REJECTED && reason != NULL));
	if ((rc = db_prepare(st->db, "UPDATE submissions "
	    "SET state = ?2, reason = ?3 "
	    "WHERE instance_id = ?1 AND state = 'finalized'", &stmt, e)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, instance_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, state_names[to], -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	else
		*done = sqlite3_changes(st->db->sql) == 1;
	sqlite3_finalize(stmt);
	return rc;
}

int
store_set_position(struct store *st, int64_t sub, const char *path,
    struct err *e)
{
	return update_sub(st, "UPDATE submissions SET position = ?2 "
	    "WHERE id = ?1 AND state = 'draft'", sub, path, NULL, NULL, e);
}

int
store_clear_answers(struct store *st, int64_t sub, struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((rc = db_prepare(st->db, "DELETE FROM answers WHERE submission = ?",
	    &stmt, e)) != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, sub);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "answers");
	sqlite3_finalize(stmt);
	return rc;
}

int
store_delete_draft(struct store *st, int64_t sub, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc, own;

	/* The answers first, while their submission is still a draft: the
	 * ON DELETE CASCADE would run answers_frozen_delete after the row
	 * is gone, whose state then reads as NULL ("not a draft"). */
	own = sqlite3_get_autocommit(st->db->sql);
	if (own && (rc = store_begin(st, e)) != 0)
		return rc;
	if ((rc = db_prepare(st->db, "DELETE FROM answers WHERE submission = ?1 AND "
	    "(SELECT state FROM submissions WHERE id = ?1) = 'draft'", &stmt,
	    e)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, sub);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = db_error(st->db, e, "answers");
		goto out;
	}
	sqlite3_finalize(stmt);
	if ((rc = db_prepare(st->db, "DELETE FROM submissions "
	    "WHERE id = ? AND state = 'draft'", &stmt, e)) != 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, sub);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(st->db, e, "submissions");
	else if (sqlite3_changes(st->db->sql) != 1)
		rc = err_set(e, ERR_INPUT, _("only a draft can be discarded"));
out:
	sqlite3_finalize(stmt);
	if (!own)
		return rc;
	if (rc == 0)
		return store_commit(st, e);
	store_rollback(st);
	return rc;
}
