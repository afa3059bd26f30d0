/*
 * common.h: what every part of the project uses, and nothing else.
 *
 * The error struct that keeps the first error, a growable buffer with a
 * ceiling (every buffer fed from outside input has one), an arena for parse
 * trees and form models that are freed at once, random UUIDs, and the
 * calendar arithmetic that ODK's dates need (days since 1970-01-01 in the
 * proleptic Gregorian calendar).
 */
#ifndef COMMON_H
#define COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

/*
 * Error codes double as the programs' exit codes (CONTRACT.md): a library
 * returns one of these, and main() exits with err_exit_code().
 */
enum err_code {
	ERR_OK = 0,
	ERR_INPUT = 1,		/* bad input: validation, malformed file */
	ERR_USAGE = 2,		/* wrong command line */
	ERR_IO = 3,		/* environment: I/O, database, network */
	ERR_PARTIAL = 4,	/* partial success */
	ERR_NOMEM = 5		/* out of memory; exits as ERR_IO */
};

#define ERR_MSG_MAX 512

struct err {
	int	code;
	char	msg[ERR_MSG_MAX];
};

void	err_init(struct err *e);
/* Keep the first error only; return code. e may be NULL. */
int	err_set(struct err *e, int code, const char *fmt, ...) PRINTFLIKE(3, 4);
int	err_setv(struct err *e, int code, const char *fmt, va_list ap);
/* Prefix an existing message with "what: " (for adding a file name). */
void	err_prefix(struct err *e, const char *fmt, ...) PRINTFLIKE(2, 3);
int	err_exit_code(const struct err *e);

/*
 * A growable byte buffer with a ceiling (curl's dynbuf). The contents are
 * always NUL-terminated once anything was added. buf_init allocates
 * nothing; a buffer that would grow past max fails with ERR_INPUT.
 */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	buf_init(struct buf *b, size_t max);
int	buf_add(struct buf *b, const void *p, size_t n);
int	buf_addstr(struct buf *b, const char *s);
int	buf_addc(struct buf *b, char c);
int	buf_addf(struct buf *b, const char *fmt, ...) PRINTFLIKE(2, 3);
void	buf_reset(struct buf *b);
/* Hand the contents to the caller (who frees them); the buffer is reset. */
char	*buf_detach(struct buf *b);
void	buf_release(struct buf *b);

/*
 * An arena: many small allocations freed at once. Allocations are aligned
 * for any type. Functions return NULL when out of memory or past max.
 */
struct arena_block;
struct arena {
	struct arena_block	*head;
	size_t			 used;	/* bytes handed out, for limits */
	size_t			 max;	/* 0: no ceiling */
};

void	 arena_init(struct arena *a, size_t max);
void	*arena_alloc(struct arena *a, size_t n);	/* zeroed */
char	*arena_strdup(struct arena *a, const char *s);
char	*arena_strndup(struct arena *a, const char *s, size_t n);
char	*arena_printf(struct arena *a, const char *fmt, ...) PRINTFLIKE(2, 3);
void	 arena_release(struct arena *a);

/* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", random (libsodium). */
#define UUID_STR_LEN 36
void	uuid_v4(char out[UUID_STR_LEN + 1]);

/*
 * Calendar. Days are counted from 1970-01-01 (day 0), as JavaRosa converts
 * a date to a number. Parsers accept exactly the ISO 8601 forms ODK stores
 * and return 0 on success, ERR_INPUT on anything else (including
 * 2025-02-31).
 */
int64_t	date_days_from_civil(int y, int m, int d);
void	date_civil_from_days(int64_t days, int *y, int *m, int *d);
int	date_valid(int y, int m, int d);
int	date_parse(const char *s, int64_t *days);		/* YYYY-MM-DD */
/* HH:MM[:SS[.sss]][Z|±HH[:MM]]: seconds of day, and offset if given */
int	time_parse(const char *s, double *secs, int *has_tz, int *tz_min);
/* YYYY-MM-DDTHH:MM[:SS[.sss]][Z|±HH:MM] as seconds since the epoch (UTC);
 * without an offset, local time. */
int	datetime_parse(const char *s, double *epoch);
/* Format an instant as RFC 3339 with the local offset:
 * 2026-11-25T10:04:05.123-05:00. */
void	datetime_format_local(double epoch, char out[40]);
void	date_format(int64_t days, char out[16]);
/* Seconds since the epoch; honours $COLLECTOR_NOW (RFC 3339) so that tests
 * and cases can fix the clock. */
double	clock_now(void);
/* The local UTC offset in minutes at an instant. */
int	local_offset_min(double epoch);

/* UTF-8: 1 when s[0..n) is valid, shortest-form UTF-8 with no NUL. */
int	utf8_valid(const char *s, size_t n);

/*
 * --help (usage printed on stdout) or --version ("PROG VERSION") anywhere
 * in a command's arguments before "--": 1 when one was handled. Else
 * getopt_long is reset for the command's own options and 0 returned.
 */
int	opts_std(int argc, char **argv, const char *usage, const char *prog);
/* Whether --help, -h or --version is among the arguments before "--"
 * (a command that needs no store for them). */
int	opts_help_asked(int argc, char **argv);

/* Bytes of a whole file, with a ceiling; caller frees *out. */
int	file_read(const char *path, size_t max, char **out, size_t *len,
	    struct err *e);
/*
 * The bytes of the file name inside the folder dir (open as dirfd; -1
 * when it cannot be opened), read as ODK's attachments are: by that name
 * only (no directory, no symbolic link followed), a regular file, its
 * size checked against max before a byte is read. *missing 1 (and 0
 * returned) when there is no such file; any other failure names the file.
 * Caller frees *out, which has a NUL after its *len bytes.
 */
int	file_read_in(int dirfd, const char *dir, const char *name, size_t max,
	    char **out, size_t *len, int *missing, struct err *e);
/* Write a file atomically: temp file, fsync, rename, fsync directory. */
int	file_write_atomic(const char *path, const void *p, size_t n, int mode,
	    struct err *e);

/*
 * The programs' own words (prompts, errors for a person) go through
 * gettext, domain "collector"; msgids are English, po/es.po is Spanish.
 * Form text never does: it comes from the form in its own languages.
 */
#include <libintl.h>
#define _(s)	dgettext("collector", s)
#define N_(s)	(s)
/* setlocale and the gettext catalog, for both programs: Spanish when no
 * language is named (i18n.c). */
void	i18n_init(void);
/* The program's words in the language of code ("quy", "es", "en") from now
 * on, when a catalog for it exists (English: always); Spanish for what
 * the catalog lacks. 1 when the language was switched, 0 otherwise. */
int	i18n_use(const char *code);

#include "banned.h"

#endif
