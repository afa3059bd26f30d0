/*
 * i18n.c: the program's own words in Spanish unless asked otherwise.
 *
 * The promoters' devices often run with no locale at all (LANG unset, or
 * C/POSIX): that means Spanish here, not English. gettext ignores
 * $LANGUAGE under the "C" locale, and a fresh Debian may have no locale
 * but C.UTF-8, so the program falls back to C.UTF-8 and names the
 * language through $LANGUAGE itself.
 *
 * A language with a catalog of its own other than Spanish (po/quy.po)
 * may not have every message: gettext is asked for "quy:es", so what the
 * catalog lacks is said in Spanish, never in the English msgid.
 * `fill --lang CODE` names the form's language and, when a catalog for it
 * exists, the program's too (i18n_use).
 *
 * Numbers are always formatted and parsed the C way (LC_NUMERIC "C"):
 * a Spanish locale's decimal comma must never reach strtod or a stored
 * value.
 */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"

#ifndef LOCALEDIR
#define LOCALEDIR ""
#endif

static int
is_c(const char *v)
{
	/* "C.UTF-8" names an encoding, not a language. */
	return v == NULL || *v == '\0' || strcmp(v, "C") == 0 ||
	    strncmp(v, "C.", 2) == 0 || strcmp(v, "POSIX") == 0;
}

/* The language the environment asks for ("en_US.UTF-8", "es"), or NULL. */
static const char *
wanted(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char	*v;
	size_t		 i;

	if ((v = getenv("LANGUAGE")) != NULL && *v != '\0')
		return v;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v != NULL && *v != '\0')
			return is_c(v) ? NULL : v;
	}
	return NULL;
}

/* Whether dir has our catalog for lang ("es", "quy"; n bytes of it). */
static int
has_catalog(const char *dir, const char *lang, size_t n)
{
	char	p[PATH_MAX + 128];

	if (dir == NULL || *dir == '\0' || n == 0 || n > 32 ||
	    memchr(lang, '/', n) != NULL)
		return 0;
	snprintf(p, sizeof(p), "%s/%.*s/LC_MESSAGES/collector.mo", dir,
	    (int)n, lang);
	return access(p, R_OK) == 0;
}

/*
 * LANGUAGE = list, with ":es" after it when its first language has a
 * catalog of ours that is not the Spanish one, and the list names no
 * Spanish: what that catalog lacks is then said in Spanish. Then gettext
 * is told that LANGUAGE changed.
 */
static void
set_language(const char *list)
{
	const char	*dir = bindtextdomain("collector", NULL);
	char		 v[256];
	size_t		 n = strcspn(list, ":_");	/* quy_PE: quy */

	if (has_catalog(dir, list, n) && strncmp(list, "es", n) != 0 &&
	    strncmp(list, "es:", 3) != 0 && strstr(list, ":es") == NULL)
		snprintf(v, sizeof(v), "%s:es", list);
	else
		snprintf(v, sizeof(v), "%s", list);
	setenv("LANGUAGE", v, 1);
	/* textdomain() of the same domain is gettext's documented way of
	 * saying that the environment changed: its cache is dropped. */
	textdomain(textdomain(NULL));
}

int
i18n_use(const char *code)
{
	const char	*dir = bindtextdomain("collector", NULL);

	if (code == NULL || *code == '\0')
		return 0;
	/* English is the msgids themselves: no catalog needed */
	if (strcasecmp(code, "en") != 0 && strncasecmp(code, "en_", 3) != 0 &&
	    !has_catalog(dir, code, strlen(code)))
		return 0;
	set_language(code);
	return 1;
}

/* An installed copy next to the binary: BIN/../share/locale. */
static const char *
beside_binary(char *out, size_t n)
{
	char	 exe[PATH_MAX];
	char	*slash;
	ssize_t	 k;

	if (n < sizeof(exe) + 32)
		return NULL;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		return NULL;
	exe[k] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	snprintf(out, n, "%s/../share/locale", exe);
	return out;
}

void
i18n_init(void)
{
	const char	*want, *loc, *dir;
	char		 lang[192], beside[PATH_MAX + 32];
	size_t		 n;

	want = wanted();
	loc = setlocale(LC_ALL, "");
	if (loc == NULL || is_c(setlocale(LC_MESSAGES, NULL)))
		setlocale(LC_ALL, "C.UTF-8");
	setlocale(LC_NUMERIC, "C");
	if (want == NULL)
		snprintf(lang, sizeof(lang), "es");
	else if (getenv("LANGUAGE") != NULL && *getenv("LANGUAGE") != '\0')
		snprintf(lang, sizeof(lang), "%s", want);
	else {
		/* "en_US.UTF-8" -> "en_US": what LANGUAGE takes. */
		n = strcspn(want, ".@");
		if (n >= sizeof(lang))
			n = sizeof(lang) - 1;
		memcpy(lang, want, n);
		lang[n] = '\0';
	}
	dir = beside_binary(beside, sizeof(beside));
	if (!has_catalog(dir, "es", 2))
		dir = LOCALEDIR;
	if (dir != NULL && *dir != '\0')
		bindtextdomain("collector", dir);
	bind_textdomain_codeset("collector", "UTF-8");
	set_language(lang);
}
