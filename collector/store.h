/*
 * store.h: the collector's store, one SQLite file in the home directory
 * (store.c, on db/'s plumbing): the device's settings, the installed
 * forms, the submissions and their answers. One committed transaction per
 * accepted answer; a finalized submission never changes (triggers keep
 * that true in SQL too).
 *
 * The store knows nothing of the form engine: forms are bytes, answers
 * are path -> value pairs, a finalized submission's data is the JSON text
 * the session wrote. fill.h joins it to forms/.
 */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/common.h"
#include "../db/db.h"

#include "../forms/forms.h"

#define STORE_FILE		"collector.db"
/* Where collectors before the token moved into the store kept it; the
 * next open moves it in and removes the file. */
#define STORE_TOKEN_FILE	"token"
#define STORE_TOKEN_MAX		512	/* bytes of the hub's device token */
#define STORE_PATH_MAX		DB_PATH_MAX

struct store {
	struct db	*db;	/* db/: the file, its path in db->path */
};

/*
 * The home directory: dir if given, else $COLLECTOR_HOME, else
 * $XDG_DATA_HOME/collector, else ~/.local/share/collector. Caller frees.
 */
char	*store_home(const char *dir);

/* Whether home has a store file (1 too when that cannot be told: opening
 * it will say why). */
int	store_exists(const char *home);
/*
 * Open the store in home (db_open: a missing store is ERR_IO "no store in
 * 'HOME'"; a damaged one or one from a newer collector is ERR_IO naming
 * the file; an older schema is migrated). Caller closes with
 * store_close().
 */
int	store_open(const char *home, struct store **out, struct err *e);
/* store_open for the commands that only read (list, show, status,
 * export): it also opens a store where nothing may be written (a
 * read-only directory or mount), read-only (db_open_read). */
int	store_open_read(const char *home, struct store **out,
	    struct err *e);
/*
 * A fresh store under a temporary name in home (made 0700), refused when
 * home has one (db_create). Fill it, then make it the store with
 * store_publish(); store_close() without publishing removes it: a kill at
 * any moment leaves home without a store or with a whole one.
 */
int	store_create(const char *home, struct store **out, struct err *e);
/* Put a store made by store_create in place (never over an existing
 * store). st is freed whatever the result. */
int	store_publish(struct store *st, struct err *e);
void	store_close(struct store *st);
/* The schema version this collector writes (PRAGMA user_version). */
int	store_schema_version(void);
/* Run migrations up to version (tests make old stores with it). */
int	store_migrate_to(struct store *st, int version, struct err *e);

int	store_begin(struct store *st, struct err *e);
int	store_commit(struct store *st, struct err *e);
void	store_rollback(struct store *st);

/*
 * Settings: device_id, promoter, hub, token (the device's secret for the
 * hub: never printed; wipe it with sodium_memzero before freeing),
 * forms_etag, last_sync. *out NULL when unset; caller frees. A NULL value
 * removes the setting.
 */
int	store_get_setting(struct store *st, const char *key, char **out,
	    struct err *e);
int	store_set_setting(struct store *st, const char *key,
	    const char *value, struct err *e);

/* An attachment of a form (see form_attach). */
struct store_media {
	char	*name;		/* "communities.csv" */
	char	*sha256;	/* hex, of content */
	void	*content;	/* NULL in store_each_form's walk */
	size_t	 len;
};

struct store_form {
	int64_t	 id;		/* row id */
	char	*form_id;
	char	*version;
	char	*title;
	char	*languages;	/* JSON array of names */
	char	*file;		/* the file name it was installed from */
	char	*sha256;	/* hex */
	char	*installed_at;
	int	 current;
	void	*content;	/* the original bytes; only from
				 * store_get_form*, not from lists */
	size_t	 len;
	/* Its attachments by name (store_put_form: content and len;
	 * sha256 is computed). */
	struct store_media *media;
	size_t	 nmedia;
};

void	store_form_release(struct store_form *f);

enum store_put {
	STORE_PUT_NEW,		/* a form not installed before */
	STORE_PUT_REPLACED,	/* a newer version is now the current one */
	STORE_PUT_SAME,		/* already installed with the same bytes */
	STORE_PUT_ATTACHED	/* the same bytes, and attachments it was
				 * installed without are added */
};

/*
 * Install a form's bytes and its attachments. A version newer than the
 * current one becomes current; the same version with the same bytes and
 * attachments changes nothing; the same version with the same bytes and
 * attachments it lacked gets them (a form installed before its lists
 * were at hand); the same version with other bytes or an attachment of
 * the same name with other bytes, or an older version, is ERR_INPUT.
 */
int	store_put_form(struct store *st, const struct store_form *f,
	    enum store_put *how, struct err *e);
/* The current version of form_id; ERR_INPUT "no form 'x'" if none. */
int	store_get_form(struct store *st, const char *form_id,
	    struct store_form *out, struct err *e);
int	store_get_form_by_row(struct store *st, int64_t id,
	    struct store_form *out, struct err *e);
typedef int store_form_fn(const struct store_form *f, void *arg);
/* Current forms by form_id. fn returning non-zero stops the walk. */
int	store_each_form(struct store *st, store_form_fn *fn, void *arg,
	    struct err *e);

/* The bytes of an attachment of any installed form whose sha256 (hex)
 * this is, into *out (a NUL after them; caller frees), or *out NULL. */
int	store_get_media_sha256(struct store *st, const char *sha256,
	    char **out, size_t *len, struct err *e);

/* Newer than: numeric comparison when both are digits, else bytes. */
int	store_version_cmp(const char *a, const char *b);

/*
 * A submission's life: a draft until finalized; a finalized one waits for
 * the hub, whose answer makes it sent (stored, duplicate or conflict: the
 * hub has it) or rejected (refused, with a reason: it is not sent again;
 * an edit makes a revision that is). Nothing else ever changes.
 */
enum sub_state { SUB_DRAFT, SUB_FINALIZED, SUB_SENT, SUB_REJECTED };
#define SUB_NSTATES	4
/* The state's word in the store, the JSON and --state ("rejected"). */
const char *sub_state_name(enum sub_state s);
int	sub_state_parse(const char *name, enum sub_state *out);

struct store_sub {
	int64_t		 id;
	char		*instance_id;
	int64_t		 form;		/* store_form row */
	char		*form_id;
	char		*form_version;
	enum sub_state	 state;
	char		*deprecated_id;	/* NULL */
	char		*device_id;
	char		*promoter;	/* NULL */
	char		*started_at;
	char		*finalized_at;	/* NULL for a draft */
	char		*lang;		/* language name, NULL: default */
	char		*data;		/* the frozen data object (JSON text,
					 * as the session wrote it); NULL
					 * for drafts */
	char		*xml;		/* frozen instance XML */
	char		*reason;	/* rejected: the hub's reason */
	char		*position;	/* a draft: the path of the last
					 * question answered, to resume */
};

void	store_sub_release(struct store_sub *s);

/*
 * An edit's hold on one survey, so that two `edit` sessions never work on
 * the same draft (the second would learn it only at finalize, its answers
 * typed for nothing). A file beside the store, edit-ID.lock, flock(2)ed
 * for the life of the hold and holding "PID SINCE". The kernel drops the
 * lock with the process, so a hold left by a crash or kill -9 is stale
 * and taken over: it never blocks. ERR_IO when another process holds it,
 * naming it ("process PID, since ..."). Released by store_unlock (NULL:
 * nothing).
 */
struct store_lock;
int	store_lock_sub(struct store *st, const char *instance_id,
	    struct store_lock **out, struct err *e);
void	store_unlock(struct store_lock *l);

/* Insert a draft (s->id is set). */
int	store_create_sub(struct store *st, struct store_sub *s,
	    struct err *e);
/*
 * A submission by its full instance id ("uuid:...") or a unique prefix of
 * its uuid (as git takes hashes). ERR_INPUT when none or several match.
 */
int	store_find_sub(struct store *st, const char *id, struct store_sub *out,
	    struct err *e);
/* Every submission, oldest first, optionally filtered (NULL, -1: all). */
typedef int store_sub_fn(const struct store_sub *s, void *arg);
int	store_each_sub(struct store *st, int state, const char *form_id,
	    store_sub_fn *fn, void *arg, struct err *e);
/* How many submissions are in each state. */
int	store_count_subs(struct store *st, int64_t counts[SUB_NSTATES],
	    struct err *e);

/* Set (value non-NULL) or clear one answer of a draft. */
int	store_put_answer(struct store *st, int64_t sub, const char *path,
	    const char *value, struct err *e);
typedef void store_answer_fn(const char *path, const char *value,
	    void *arg);
/* Every stored answer of sub, in the order they were first stored. */
int	store_each_answer(struct store *st, int64_t sub, store_answer_fn *fn,
	    void *arg, struct err *e);
/* Draft -> finalized, with its frozen data (JSON text) and XML. */
int	store_finalize_sub(struct store *st, int64_t sub,
	    const char *finalized_at, const char *data, const char *xml,
	    struct err *e);
int	store_set_lang(struct store *st, int64_t sub, const char *lang,
	    struct err *e);
/*
 * The hub's answer about a finalized submission: to is SUB_SENT (reason
 * NULL) or SUB_REJECTED (with the hub's reason). *done 0 when instance_id
 * names no finalized submission (acknowledged before, or unknown): the
 * answer changes nothing then.
 */
int	store_acknowledge(struct store *st, const char *instance_id,
	    enum sub_state to, const char *reason, int *done, struct err *e);
int	store_set_position(struct store *st, int64_t sub, const char *path,
	    struct err *e);
/* Delete every answer of a draft (to write them all again). */
int	store_clear_answers(struct store *st, int64_t sub, struct err *e);
/* Delete a draft and its answers; a finalized one is refused. */
int	store_delete_draft(struct store *st, int64_t sub, struct err *e);

#endif
