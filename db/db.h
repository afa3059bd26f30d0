/*
 * db.h: the SQLite plumbing both programs' stores stand on (the
 * collector's collector.db, the hub's hub.db). Each program keeps its own
 * schema and queries; what is the same for both lives here once:
 *
 * - WAL with synchronous=FULL: a commit is on disk when it returns, so what
 *   a person saw accepted survives kill -9 or a flat battery.
 * - A busy timeout, so a second process waits for the write lock instead
 *   of failing.

 * - quick_check at every open that may write: a damaged file is refused
 *   with its name. An open that only reads skips it (it reads every page:
 *   seconds on a 1 GB store, most of a report's time); damage is still
 *   found by what is read.
 * - Each program's own PRAGMA application_id, set when the file is made:
 *   an empty file or another program's database is refused, unchanged,
 *   by every open but the one that creates. A file made before the id
 *   existed is told by its schema version and a table every version has,
 *   and gets the id when opened.
 * - The directory resolved once (symbolic links): a home reached through
 *   a link works; the store file itself is never a link.
 * - The schema versioned with PRAGMA user_version and an ordered list of
 *   migrations, each run with the version bump in one transaction; a file
 *   from a newer program is refused.
 * - A new file made under a temporary name and put in place in one step
 *   (db_create, db_publish): a kill at any moment leaves no file or a
 *   whole one, never a half-made one.
 * - Errors as the rest of the project: a function returns the error's
 *   code and keeps the first message in a struct err, naming the file.
 */
#ifndef DB_H
#define DB_H

#include <stdint.h>

#include "../common/common.h"

struct sqlite3;
struct sqlite3_stmt;

#define DB_BUSY_MS	5000	/* wait for another process's write */
#define DB_PATH_MAX	4096

/*
 * A schema: migrations[i] takes a file from version i to i + 1. Never
 * edit one that has shipped: add the next. program names the program in
 * "made by a newer PROGRAM" and "not a PROGRAM store".
 */
struct db_schema {
	const char		*program;
	const char *const	*migrations;
	int			 nmigrations;
	uint32_t		 application_id; /* never changes */
	const char		*every_table;	/* in every version: tells a
						 * file made before the id */
};

struct db {
	struct sqlite3	*sql;
	char		*dir;
	char		*path;		/* dir/file, or the temporary name of
					 * a new file */
	char		*final;		/* a new file not yet published:
					 * dir/file; else NULL */
	int		 read_only;	/* db_open_read where nothing may be
					 * written */
	int		 made;		/* db_create made directories: those
					 * of dir past its first kept bytes */
	size_t		 kept;
};

/*
 * A program's data directory: dir if given, else $ENV, else
 * $XDG_DATA_HOME/NAME, else ~/.local/share/NAME (XDG's rule). Caller
 * frees; NULL when out of memory.
 */
char	*db_home(const char *dir, const char *env, const char *name);

/* Whether dir/file exists (1 too when that cannot be told: opening it
 * will say why). */
int	db_exists(const char *dir, const char *file);
/*
 * Open dir/file and bring its schema up to date. A missing file is ERR_IO
 * "no store in 'DIR'"; a file that is not the program's (application id),
 * fails its check or comes from a newer program is ERR_IO naming it, and
 * is left as it was. Leftovers of a killed db_create are removed. Caller
 * closes with db_close().
 */
int	db_open(const char *dir, const char *file, const struct db_schema *sc,
	    struct db **out, struct err *e);
/*
 * db_open for commands that only read. Where nothing may be written (a
 * read-only directory or mount, a read-only file) the file is opened
 * read-only, without the write-ahead log's files that SQLite would make,
 * and db->read_only is set: a write then fails (SQLITE_READONLY). A file
 * there whose schema is older than the program's is refused (it cannot be
 * migrated). No quick_check (see above).
 */
int	db_open_read(const char *dir, const char *file,
	    const struct db_schema *sc, struct db **out, struct err *e);
/*
 * Create dir (0700, parents too) and a fresh file (0600) under a temporary
 * name in it, with the whole schema and the application id; refuses when
 * dir/file exists. Fill it, then db_publish(); db_close() without
 * publishing removes it. When it fails, the directories it made are
 * removed too.
 */
int	db_create(const char *dir, const char *file,
	    const struct db_schema *sc, struct db **out, struct err *e);
/* Close a file made by db_create, sync it and move it into place (never
 * over an existing one). db is freed whatever the result. */
int	db_publish(struct db *db, struct err *e);
void	db_close(struct db *db);

/* Run migrations up to version (tests make old files with it). */
int	db_migrate_to(struct db *db, const struct db_schema *sc, int version,
	    struct err *e);
/* PRAGMA user_version. */
int	db_version(struct db *db, int *v, struct err *e);

/* BEGIN IMMEDIATE (the write lock now, waiting up to DB_BUSY_MS). */
int	db_begin(struct db *db, struct err *e);
/* COMMIT; on failure the transaction is rolled back. */
int	db_commit(struct db *db, struct err *e);
/* ROLLBACK if a transaction is open. */
void	db_rollback(struct db *db);

int	db_exec(struct db *db, const char *sql, struct err *e);
/* *stmt NULL on failure. */
int	db_prepare(struct db *db, const char *sql, struct sqlite3_stmt **stmt,
	    struct err *e);
/*
 * The last SQLite error as "PATH: WHAT: MESSAGE (hint)". A CHECK, UNIQUE
 * or trigger's RAISE is the caller breaking a rule (ERR_INPUT); out of
 * memory is ERR_NOMEM; anything else ERR_IO, with what a person can do
 * about a full disk or a read-only directory.
 */
int	db_error(struct db *db, struct err *e, const char *what);
/* Step a statement that returns no row (INSERT, UPDATE, DELETE); it is
 * reset, not finalized. */
int	db_step_done(struct db *db, struct sqlite3_stmt *stmt,
	    const char *what, struct err *e);
/*
 * The row loop: step stmt, calling fn for each row until it returns
 * non-zero (which stops the walk and is returned); stmt is finalized.
 */
typedef int db_row_fn(struct sqlite3_stmt *stmt, void *arg);
int	db_each(struct db *db, struct sqlite3_stmt *stmt, db_row_fn *fn,
	    void *arg, const char *what, struct err *e);
/* A column's text, malloc'd (NULL for NULL or out of memory). */
char	*db_col_dup(struct sqlite3_stmt *stmt, int col);
/* mkdir -p, each directory made 0700. */
int	db_make_dirs(const char *dir, struct err *e);

#endif
