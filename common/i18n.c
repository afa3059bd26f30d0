/*
 * i18n.c: the program's own words in Spanish unless asked otherwise.
 *
 * The promoters' devices often run with no locale at all (LANG unset, or
 * C/POSIX): that means Spanish here, not English. gettext ignores
 * $LANGUAGE under the "C" locale, and a fresh Debian may have no locale
 * but C.UTF-8, so the program falls back to C.UTF-8 and names the
 * language through $LANGUAGE itself.
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

static int
has_catalog(const char *dir)
{
	char	p[PATH_MAX + 64];

	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(p, sizeof(p), "%s/es/LC_MESSAGES/collector.mo", dir);
	return access(p, R_OK) == 0;
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
	char		 lang[64], beside[PATH_MAX + 32];
	size_t		 n;

	want = wanted();
	loc = setlocale(LC_ALL, "");
	if (loc == NULL || is_c(setlocale(LC_MESSAGES, NULL)))
		setlocale(LC_ALL, "C.UTF-8");
	setlocale(LC_NUMERIC, "C");
	if (getenv("LANGUAGE") == NULL || *getenv("LANGUAGE") == '\0') {
		if (want == NULL)
			snprintf(lang, sizeof(lang), "es");
		else {
			/* "en_US.UTF-8" -> "en_US": what LANGUAGE takes. */
			n = strcspn(want, ".@");
			if (n >= sizeof(lang))
				n = sizeof(lang) - 1;
			memcpy(lang, want, n);
			lang[n] = '\0';
		}
		setenv("LANGUAGE", lang, 1);
	}
	dir = beside_binary(beside, sizeof(beside));
	if (!has_catalog(dir))
		dir = LOCALEDIR;
	if (dir != NULL && *dir != '\0')
		bindtextdomain("collector", dir);
	bind_textdomain_codeset("collector", "UTF-8");
}
