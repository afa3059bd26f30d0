/*
 * db.c: opening, checking, migrating and publishing a SQLite file, and the
 * few helpers every query needs (db.h says why each rule is there).
 */
/* renameat2() and RENAME_NOREPLACE are GNU (Linux 3.15, glibc 2.28). */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"

#define NEW_INFIX	".new."		/* FILE.new.PID: being made */

/* What a person can do about an I/O failure. */
static const char *
hint(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
		return _(" (the disk is full: free some space)");
	case SQLITE_IOERR:
		return _(" (disk full, removed or failing?)");
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return _(" (is the directory writable?)");
	default:
		return "";
	}
}

int
db_error(struct db *db, struct err *e, const char *what)
{
	int	code = sqlite3_errcode(db->sql);
	int	rc = ERR_IO;

	/* A trigger's RAISE or a CHECK is the caller breaking a rule, but it
	 * still leaves the file as it was: report it as an environment
	 * error only when the database itself failed. */
	if (code == SQLITE_CONSTRAINT)
		rc = ERR_INPUT;
	if (code == SQLITE_NOMEM)
		rc = ERR_NOMEM;
	return err_set(e, rc, "%s: %s: %s%s", db->path, what,
	    sqlite3_errmsg(db->sql), hint(code));
}

int
db_exec(struct db *db, const char *sql, struct err *e)
{
	char	*msg = NULL;
	int	 rc;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	rc = err_set(e, sqlite3_errcode(db->sql) == SQLITE_NOMEM ?
	    ERR_NOMEM : ERR_IO, "%s: %s%s", db->path,
	    msg != NULL ? msg : sqlite3_errmsg(db->sql),
	    hint(sqlite3_errcode(db->sql)));
	sqlite3_free(msg);
	return rc;
}

int
db_prepare(struct db *db, const char *sql, sqlite3_stmt **stmt,
    struct err *e)
{
	*stmt = NULL;
	if (sqlite3_prepare_v2(db->sql, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_error(db, e, "prepare");
	return 0;
}

int
db_step_done(struct db *db, sqlite3_stmt *stmt, const char *what,
    struct err *e)
{
	int	rc = 0;

	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = db_error(db, e, what);
	sqlite3_reset(stmt);
	return rc;
}

int
db_each(struct db *db, sqlite3_stmt *stmt, db_row_fn *fn, void *arg,
    const char *what, struct err *e)
{
	int	r, rc = 0;

	while ((r = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((rc = fn(stmt, arg)) != 0)
			break;
	if (rc == 0 && r != SQLITE_DONE)
		rc = db_error(db, e, what);
	sqlite3_finalize(stmt);
	return rc;
}

char *
db_col_dup(sqlite3_stmt *stmt, int col)
{
	const unsigned char	*t = sqlite3_column_text(stmt, col);

	return t != NULL ? strdup((const char *)t) : NULL;
}

int
db_begin(struct db *db, struct err *e)
{
	/* IMMEDIATE: take the write lock now, so a second process waits
	 * (busy_timeout) instead of failing at the first write. */
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int
db_commit(struct db *db, struct err *e)
{
	int	rc;

	if ((rc = db_exec(db, "COMMIT", e)) != 0)
		db_rollback(db);
	return rc;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* The one integer a query returns (a PRAGMA, a count). */
static int
query_int(struct db *db, const char *sql, const char *what, int *v,
    struct err *e)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*v = 0;
	if ((rc = db_prepare(db, sql, &stmt, e)) != 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*v = sqlite3_column_int(stmt, 0);
	else
		rc = db_error(db, e, what);
	sqlite3_finalize(stmt);
	return rc;
}

int
db_version(struct db *db, int *v, struct err *e)
{
	return query_int(db, "PRAGMA user_version", "schema version", v, e);
}

int
db_migrate_to(struct db *db, const struct db_schema *sc, int version,
    struct err *e)
{
	char	sql[64];
	int	v, rc;

	if ((rc = db_version(db, &v, e)) != 0)
		return rc;
	if (v > sc->nmigrations)
		return err_set(e, ERR_IO, _("%s: made by a newer %s "
		    "(schema %d, this one knows %d)"), db->path, sc->program,
		    v, sc->nmigrations);
	if (version > sc->nmigrations)
		version = sc->nmigrations;
	while (v < version) {
		if ((rc = db_begin(db, e)) != 0)
			return rc;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = db_exec(db, sc->migrations[v], e)) != 0 ||
		    (rc = db_exec(db, sql, e)) != 0) {
			db_rollback(db);
			err_prefix(e, _("migration %d"), v + 1);
			return rc;
		}
		if ((rc = db_commit(db, e)) != 0)
			return rc;
		v++;
	}
	return 0;
}

static int
configure(struct db *db, struct err *e)
{
	sqlite3_stmt	*stmt = NULL;
	const char	*r;
	int		 rc;

	if ((rc = db_exec(db, "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = FULL;", e)) != 0)
		return rc;
	if ((rc = db_prepare(db, "PRAGMA journal_mode = WAL", &stmt, e)) != 0)
		return rc;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = db_error(db, e, "journal mode");
		goto out;
	}
	r = (const char *)sqlite3_column_text(stmt, 0);
	if (r == NULL || strcmp(r, "wal") != 0)
		rc = err_set(e, ERR_IO, _("%s: cannot use a write-ahead log "
		    "(journal mode '%s')"), db->path, r != NULL ? r : "?");
out:
	sqlite3_finalize(stmt);
	return rc;
}

static int
integrity(struct db *db, struct err *e)
{
	sqlite3_stmt	*stmt;
	const char	*r;
	int		 rc;

	/* quick_check: the same structural checks as integrity_check
	 * without the index cross-checks, fast enough for every start. */
	if ((rc = db_prepare(db, "PRAGMA quick_check(1)", &stmt, e)) != 0)
		return rc;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		rc = db_error(db, e, "integrity check");
	else {
		r = (const char *)sqlite3_column_text(stmt, 0);
		if (r == NULL || strcmp(r, "ok") != 0)
			rc = err_set(e, ERR_IO, _("%s: store is damaged: %.*s"),
			    db->path, r != NULL ? (int)strcspn(r, "\n") : 1,
			    r != NULL ? r : "?");
	}
	sqlite3_finalize(stmt);
	return rc;
}

int
db_make_dirs(const char *dir, struct err *e)
{
	char	p[DB_PATH_MAX], *s;

	if ((size_t)snprintf(p, sizeof(p), "%s", dir) >= sizeof(p))
		return err_set(e, ERR_IO, _("'%s': path too long"), dir);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST)
				return err_set(e, ERR_IO, _("cannot create "
				    "'%s': %s"), p, strerror(errno));
			*s = '/';
			continue;
		}
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return err_set(e, ERR_IO, _("cannot create '%s': %s"),
			    p, strerror(errno));
		return 0;
	}
}

/* The file and its SQLite companions: path, path-wal, ... */
static void
unlink_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char	p[DB_PATH_MAX + 16];
	size_t	i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/*
 * Leftovers of a killed db_create: "FILE.new.PID". When that process no
 * longer runs, nothing else would ever remove them.
 */
static void
sweep_new(const char *dir, const char *file)
{
	struct dirent	*d;
	DIR		*dh;
	char		 prefix[256], p[DB_PATH_MAX], *end;
	size_t		 n;
	long		 pid;

	if ((size_t)snprintf(prefix, sizeof(prefix), "%s" NEW_INFIX, file) >=
	    sizeof(prefix) || (dh = opendir(dir)) == NULL)
		return;
	n = strlen(prefix);
	while ((d = readdir(dh)) != NULL) {
		if (strncmp(d->d_name, prefix, n) != 0)
			continue;
		errno = 0;
		pid = strtol(d->d_name + n, &end, 10);
		if (errno != 0 || end == d->d_name + n || *end != '\0' ||
		    pid <= 0)
			continue;
		if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH))
			continue;	/* alive: another one at work */
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir,
		    d->d_name) < sizeof(p))
			unlink_db(p);
	}
	closedir(dh);
}

/*
 * Whether the open file is the program's: its application id, or, for a
 * file made before the id was set, a schema version and the table that
 * every version of the schema has (*old: the id is to be set). Anything
 * else (an empty file, another program's database, not a database at
 * all) is refused having only been read.
 */
static int
recognise(struct db *db, const struct db_schema *sc, int *old,
    struct err *e)
{
	struct stat	 sb;
	sqlite3_stmt	*stmt = NULL;
	int		 id, v = 0, n = 0, rc;

	*old = 0;
	if ((rc = query_int(db, "PRAGMA application_id", "application id",
	    &id, e)) != 0) {
		if (sqlite3_errcode(db->sql) != SQLITE_NOTADB)
			return rc;
		if (e != NULL)
			err_init(e);	/* this error says it better */
		return err_set(e, ERR_IO, _("%s: not a %s store (not a "
		    "SQLite file): left as it is"), db->path, sc->program);
	}
	if ((uint32_t)id == sc->application_id)
		return 0;
	if (id == 0 && (rc = db_version(db, &v, e)) != 0)
		return rc;
	if (id == 0 && v > 0) {
		if ((rc = db_prepare(db, "SELECT count(*) FROM sqlite_master "
		    "WHERE type = 'table' AND name = ?", &stmt, e)) != 0)
			return rc;
		sqlite3_bind_text(stmt, 1, sc->every_table, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			n = sqlite3_column_int(stmt, 0);
		else
			rc = db_error(db, e, "schema");
		sqlite3_finalize(stmt);
		if (rc != 0)
			return rc;
		if (n == 1) {
			*old = 1;
			return 0;
		}
	}
	if (stat(db->path, &sb) == 0 && sb.st_size == 0)
		return err_set(e, ERR_IO, _("%s: an empty file, not a %s "
		    "store: left as it is"), db->path, sc->program);
	return err_set(e, ERR_IO, _("%s: not a %s store (another program's "
	    "SQLite file): left as it is"), db->path, sc->program);
}

/* Big-endian 32 bits at b (SQLite's header). */
static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/*
 * What recognise() tells, from the file's header alone (100 bytes, read
 * without SQLite so that nothing is written): the program's application
 * id, or none with a schema version (a store made before the id; the
 * table is not looked for here).
 */
static int
is_ours(const char *path, const struct db_schema *sc)
{
	unsigned char	h[100];
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
		return 0;
	return be32(h + 68) == sc->application_id ||
	    (be32(h + 68) == 0 && be32(h + 60) > 0);
}

/*
 * dir with its symbolic links resolved, as far as it exists, into out
 * (DB_PATH_MAX bytes); *have: the length of the part that exists. SQLite
 * refuses a path through a link (SQLITE_OPEN_NOFOLLOW, there so that
 * the store itself is never one), while a home reached through a link
 * (--home through one, $HOME on a memory card) is an ordinary place. A
 * link to nothing is named.
 */
static int
resolve_dir(const char *dir, char *out, size_t *have, struct err *e)
{
	struct stat	 sb;
	char		 d[DB_PATH_MAX], p[DB_PATH_MAX], *r, *cut;
	const char	*rest;
	size_t		 n;

	*have = 0;
	if ((size_t)snprintf(d, sizeof(d), "%s", *dir != '\0' ? dir : ".") >=
	    sizeof(d))
		return err_set(e, ERR_IO, _("'%s': path too long"), dir);
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	if (d[0] != '/') {	/* relative: under the current directory */
		if ((r = realpath(".", NULL)) == NULL)
			return err_set(e, ERR_IO, _("cannot open '.': %s"),
			    strerror(errno));
		n = (size_t)snprintf(p, sizeof(p), "%s/%s", r, d);
		free(r);
		if (n >= sizeof(p))
			return err_set(e, ERR_IO, _("'%s': path too long"),
			    dir);
		memcpy(d, p, n + 1);
	}
	memcpy(p, d, strlen(d) + 1);
	/* Up from d to the deepest part that exists ("/" does). */
	while ((r = realpath(p, NULL)) == NULL) {
		if (errno != ENOENT && errno != ENOTDIR)
			return err_set(e, ERR_IO, _("cannot open '%s': %s"), p,
			    strerror(errno));
		if (lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
			return err_set(e, ERR_IO, _("'%s' is a symbolic link "
			    "to a place that does not exist"), p);
		cut = strrchr(p, '/');
		if (cut == p)
			cut++;		/* up to "/" itself */
		*cut = '\0';
	}
	rest = d + strlen(p);
	if (*rest == '/' && strcmp(r, "/") == 0)
		rest++;
	if (strcmp(r, "/") == 0 && *rest != '\0')
		n = (size_t)snprintf(out, DB_PATH_MAX, "/%s", rest);
	else
		n = (size_t)snprintf(out, DB_PATH_MAX, "%s%s", r, rest);
	*have = strlen(r);
	free(r);
	if (n >= DB_PATH_MAX)
		return err_set(e, ERR_IO, _("'%s': path too long"), dir);
	return 0;
}

/* Remove the directories of dir past its first have bytes (what a failed
 * create made; rmdir: only if empty). */
static void
unmake_dirs(const char *dir, size_t have)
{
	char	p[DB_PATH_MAX], *cut;

	snprintf(p, sizeof(p), "%s", dir);
	while (strlen(p) > have && rmdir(p) == 0 &&
	    (cut = strrchr(p, '/')) != NULL)
		*cut = '\0';
}

/*
 * The URI that opens path for reading only where nothing may be written:
 * mode=ro when a write-ahead log is there (its -shm is then needed, and
 * SQLite reads the log), else immutable=1: without a log the file is the
 * whole store, and no process can write to it where none may create the
 * log (SQLite's "Read-Only Databases" for WAL).
 */
static int
read_only_uri(const char *path, char *uri, size_t size)
{
	char	wal[DB_PATH_MAX + 8];
	size_t	n = 0;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	n = (size_t)snprintf(uri, size, "file:");
	for (; *path != '\0' && n + 4 < size; path++) {
		if (*path == '%' || *path == '?' || *path == '#')
			n += (size_t)snprintf(uri + n, size - n, "%%%02X",
			    (unsigned char)*path);
		else
			uri[n++] = *path;
	}
	if (n + 16 >= size)
		return -1;
	snprintf(uri + n, size - n, access(wal, F_OK) == 0 ? "?mode=ro" :
	    "?immutable=1");
	return 0;
}

enum open_mode {
	OPEN_WRITE,
	OPEN_CREATE,
	OPEN_READ
};

static int
open_db(const char *given, const char *file, const struct db_schema *sc,
    enum open_mode mode, struct db **out, struct err *e)
{
	struct db	*db;
	struct stat	 sb;
	char		 dir[DB_PATH_MAX], p[DB_PATH_MAX], tmp[DB_PATH_MAX];
	char		 uri[3 * DB_PATH_MAX + 16], idsql[64];
	size_t		 have;
	int		 create = mode == OPEN_CREATE;
	int		 flags = SQLITE_OPEN_READWRITE;
	int		 fd, old = 0, v, rc = 0;

	*out = NULL;
	db = NULL;
	if ((rc = resolve_dir(given, dir, &have, e)) != 0)
		return rc;
	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >=
	    sizeof(p) || (size_t)snprintf(tmp, sizeof(tmp), "%s/%s" NEW_INFIX
	    "%ld", dir, file, (long)getpid()) >= sizeof(tmp))
		return err_set(e, ERR_IO, _("'%s': path too long"), given);
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->dir = strdup(dir)) == NULL ||
	    (db->path = strdup(create ? tmp : p)) == NULL ||
	    (create && (db->final = strdup(p)) == NULL)) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if (create) {
		/* What this create makes goes with its file if it fails. */
		db->made = strlen(dir) > have;
		db->kept = have;
		if ((rc = db_make_dirs(dir, e)) != 0)
			goto out;
		if (lstat(p, &sb) == 0) {
			rc = is_ours(p, sc) ? err_set(e, ERR_IO, _("a store "
			    "already exists in '%s'"), given) : err_set(e,
			    ERR_IO, _("'%s' is there and is not a %s store: "
			    "move it away first"), p, sc->program);
			goto out;
		}
		sweep_new(dir, file);
		/* Make the file ourselves: SQLite would create it 0644. */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = err_set(e, ERR_IO, _("cannot create '%s': %s"),
			    tmp, strerror(errno));
			goto out;
		}
		close(fd);
	} else if (lstat(p, &sb) != 0) {
		rc = err_set(e, ERR_IO, errno == ENOENT ? _("no store in "
		    "'%s'") : _("cannot open '%s': %s"), errno == ENOENT ?
		    given : p, strerror(errno));
		goto out;
	} else if (S_ISLNK(sb.st_mode)) {
		rc = err_set(e, ERR_IO, _("'%s' is a symbolic link: a store "
		    "is a plain file"), p);
		goto out;
	} else if (mode == OPEN_WRITE && (access(dir, W_OK) != 0 ||
	    access(p, W_OK) != 0)) {
		rc = err_set(e, ERR_IO, _("%s: read-only here (%s): only the "
		    "commands that read the store work"), p, strerror(errno));
		goto out;
	} else if (mode == OPEN_READ && (access(dir, W_OK) != 0 ||
	    access(p, W_OK) != 0)) {
		/* Nothing may be written here: no sweep, no log. */
		if (read_only_uri(p, uri, sizeof(uri)) != 0) {
			rc = err_set(e, ERR_IO, _("'%s': path too long"), p);
			goto out;
		}
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
		db->read_only = 1;
	} else
		sweep_new(dir, file);	/* what a killed create left */
	if (sqlite3_open_v2(db->read_only ? uri : db->path, &db->sql, flags |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = err_set(e, ERR_IO, _("cannot open '%s': %s%s"), db->path,
		    db->sql != NULL ? sqlite3_errmsg(db->sql) :
		    _("out of memory"), db->sql != NULL ?
		    hint(sqlite3_errcode(db->sql)) : "");
		goto out;
	}
	sqlite3_busy_timeout(db->sql, DB_BUSY_MS);
	sqlite3_extended_result_codes(db->sql, 0);
	if (!create && (rc = recognise(db, sc, &old, e)) != 0) {
		if (db->read_only && sqlite3_errcode(db->sql) ==
		    SQLITE_CANTOPEN) {
			/* mode=ro: a log without its index (-shm) */
			if (e != NULL)
				err_init(e);	/* this error says it better */
			rc = err_set(e, ERR_IO, _("%s: its log (-wal) holds "
			    "changes that cannot be read where nothing may be "
			    "written: open it once where it can be"), p);
		}
		goto out;
	}
	if (db->read_only) {
		if ((rc = db_version(db, &v, e)) != 0)
			goto out;
		if (v > sc->nmigrations)
			rc = err_set(e, ERR_IO, _("%s: made by a newer %s "
			    "(schema %d, this one knows %d)"), db->path,
			    sc->program, v, sc->nmigrations);
		else if (v < sc->nmigrations)
			rc = err_set(e, ERR_IO, _("%s: schema %d needs updating "
			    "to %d, and nothing may be written here"),
			    db->path, v, sc->nmigrations);
		goto done;
	}
	if ((rc = configure(db, e)) != 0)
		goto out;
	if (mode == OPEN_WRITE && (rc = integrity(db, e)) != 0)
		goto out;
	if ((rc = db_migrate_to(db, sc, sc->nmigrations, e)) != 0)
		goto out;
	if (create || old) {
		snprintf(idsql, sizeof(idsql), "PRAGMA application_id = %d",
		    (int)sc->application_id);
		if ((rc = db_exec(db, idsql, e)) != 0)
			goto out;
	}
done:
	if (rc == 0) {
		*out = db;
		db = NULL;
	}
out:
	db_close(db);
	return rc;
}

char *
db_home(const char *dir, const char *env, const char *name)
{
	const char	*v;
	char		 p[DB_PATH_MAX];

	if (dir != NULL && *dir != '\0')
		return strdup(dir);
	if ((v = getenv(env)) != NULL && *v != '\0')
		return strdup(v);
	if ((v = getenv("XDG_DATA_HOME")) != NULL && *v != '\0') {
		snprintf(p, sizeof(p), "%s/%s", v, name);
		return strdup(p);
	}
	if ((v = getenv("HOME")) == NULL || *v == '\0')
		v = ".";
	snprintf(p, sizeof(p), "%s/.local/share/%s", v, name);
	return strdup(p);
}

int
db_exists(const char *dir, const char *file)
{
	struct stat	sb;
	char		p[DB_PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p))
		return 1;	/* db_open says what is wrong */
	return lstat(p, &sb) == 0 || errno != ENOENT;
}

int
db_open(const char *dir, const char *file, const struct db_schema *sc,
    struct db **out, struct err *e)
{
	return open_db(dir, file, sc, OPEN_WRITE, out, e);
}

int
db_open_read(const char *dir, const char *file, const struct db_schema *sc,
    struct db **out, struct err *e)
{
	return open_db(dir, file, sc, OPEN_READ, out, e);
}

int
db_create(const char *dir, const char *file, const struct db_schema *sc,
    struct db **out, struct err *e)
{
	return open_db(dir, file, sc, OPEN_CREATE, out, e);
}

static void
sync_dir(const char *dir)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Give the new file its name without ever replacing one that another
 * process put there meanwhile; 0 or an errno. In one step where the file
 * system can (renameat2's RENAME_NOREPLACE), so that no kill leaves two
 * names; else link() then unlink() (a kill between them leaves a second
 * name of the same file, swept at the next open); without hard links (a
 * FAT memory card, Android's shared storage) rename() after a last look,
 * whose window is a second create at the same moment.
 */
static int
put_in_place(const char *from, const char *to)
{
	int	le;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if ((le = errno) == EEXIST)
		return le;
	if (link(from, to) == 0) {
		unlink(from);
		return 0;
	}
	if ((le = errno) != EPERM && le != ENOTSUP && le != EOPNOTSUPP &&
	    le != ENOSYS)
		return le;
	if (access(to, F_OK) == 0)
		return EEXIST;
	return rename(from, to) == 0 ? 0 : errno;
}

int
db_publish(struct db *db, struct err *e)
{
	char	wal[DB_PATH_MAX + 8];
	int	fd, le, rc = 0;

	assert(db->final != NULL);
	/* The last connection's close checkpoints the log into the file and
	 * removes it: the one file is then the whole store. */
	if (sqlite3_close(db->sql) != SQLITE_OK) {
		rc = err_set(e, ERR_IO, _("cannot close '%s': %s"), db->path,
		    sqlite3_errmsg(db->sql));
		goto out;
	}
	db->sql = NULL;
	snprintf(wal, sizeof(wal), "%s-wal", db->path);
	if (access(wal, F_OK) == 0) {
		rc = err_set(e, ERR_IO, _("'%s': the log was not written "
		    "into the store"), db->path);
		goto out;
	}
	if ((fd = open(db->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fsync(fd) != 0) {
		rc = err_set(e, ERR_IO, _("cannot sync '%s': %s"), db->path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if ((le = put_in_place(db->path, db->final)) != 0) {
		rc = err_set(e, ERR_IO, le == EEXIST ? _("a store already "
		    "exists in '%s'") : _("cannot create '%s': %s"),
		    le == EEXIST ? db->dir : db->final, strerror(le));
		goto out;
	}
	sync_dir(db->dir);
	free(db->final);
	db->final = NULL;
out:
	db_close(db);
	return rc;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->sql);
	/* A new file never published is not a store, nor are the
	 * directories made for it. */
	if (db->final != NULL) {
		unlink_db(db->path);
		if (db->made)
			unmake_dirs(db->dir, db->kept);
	}
	free(db->dir);
	free(db->path);
	free(db->final);
	free(db);
}
