/*
 * date.c: the proleptic Gregorian calendar as ODK uses it. Dates are whole
 * days since 1970-01-01 (what JavaRosa yields when a date meets a number),
 * instants are seconds since the epoch. The algorithms are Howard
 * Hinnant's days_from_civil/civil_from_days: exact for any year, no
 * tables, no time zone involved.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common.h"

int64_t
date_days_from_civil(int y, int m, int d)
{
	int64_t	yy = (int64_t)y - (m <= 2);
	int64_t	era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t	yoe = yy - era * 400;
	int64_t	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
date_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int
date_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	leap, max;

	if (m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

/* Exactly n digits at s into *v. */
static int
digits(const char *s, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* YYYY-MM-DD at s; returns characters read or -1. */
static int
parse_ymd(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
	    s[7] != '-' || digits(s + 8, 2, d))
		return -1;
	if (!date_valid(*y, *m, *d))
		return -1;
	return 10;
}

/* HH:MM[:SS[.fff]] at s; returns characters read or -1. */
static int
parse_hms(const char *s, double *secs)
{
	int	h, mi, sec = 0, n = 5;
	double	frac = 0, scale = 0.1;

	if (digits(s, 2, &h) || s[2] != ':' || digits(s + 3, 2, &mi))
		return -1;
	if (s[5] == ':') {
		if (digits(s + 6, 2, &sec))
			return -1;
		n = 8;
		if (s[8] == '.') {
			n = 9;
			if (!isdigit((unsigned char)s[n]))
				return -1;
			while (isdigit((unsigned char)s[n])) {
				frac += (s[n] - '0') * scale;
				scale /= 10;
				n++;
			}
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	*secs = h * 3600.0 + mi * 60.0 + sec + frac;
	return n;
}

/* Z, ±HH, ±HHMM or ±HH:MM at s; returns characters read (0: none). */
static int
parse_tz(const char *s, int *has, int *min)
{
	int	h, m = 0, n, sign;

	*has = 0;
	*min = 0;
	if (*s == 'Z') {
		*has = 1;
		return 1;
	}
	if (*s != '+' && *s != '-')
		return 0;
	sign = *s == '-' ? -1 : 1;
	if (digits(s + 1, 2, &h))
		return -1;
	n = 3;
	if (s[3] == ':') {
		if (digits(s + 4, 2, &m))
			return -1;
		n = 6;
	} else if (isdigit((unsigned char)s[3])) {
		if (digits(s + 3, 2, &m))
			return -1;
		n = 5;
	}
	if (h > 23 || m > 59)
		return -1;
	*has = 1;
	*min = sign * (h * 60 + m);
	return n;
}

int
date_parse(const char *s, int64_t *days)
{
	int	y, m, d;

	if (parse_ymd(s, &y, &m, &d) < 0 || s[10] != '\0')
		return ERR_INPUT;
	*days = date_days_from_civil(y, m, d);
	return 0;
}

int
time_parse(const char *s, double *secs, int *has_tz, int *tz_min)
{
	int	n, t;

	if ((n = parse_hms(s, secs)) < 0)
		return ERR_INPUT;
	if ((t = parse_tz(s + n, has_tz, tz_min)) < 0 || s[n + t] != '\0')
		return ERR_INPUT;
	return 0;
}

int
local_offset_min(double epoch)
{
	struct tm	tm;
	time_t		t = (time_t)floor(epoch);

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

int
datetime_parse(const char *s, double *epoch)
{
	int	y, m, d, n, t, has, off;
	double	secs, local;

	if (parse_ymd(s, &y, &m, &d) < 0 || s[10] != 'T')
		return ERR_INPUT;
	if ((n = parse_hms(s + 11, &secs)) < 0)
		return ERR_INPUT;
	if ((t = parse_tz(s + 11 + n, &has, &off)) < 0 ||
	    s[11 + n + t] != '\0')
		return ERR_INPUT;
	local = (double)date_days_from_civil(y, m, d) * 86400.0 + secs;
	if (!has) {
		/* Local wall time: the offset in force then. */
		off = local_offset_min(local);
		off = local_offset_min(local - off * 60.0);
	}
	*epoch = local - off * 60.0;
	return 0;
}

void
date_format(int64_t days, char out[16])
{
	int	y, m, d;

	date_civil_from_days(days, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

void
datetime_format_local(double epoch, char out[40])
{
	int	off = local_offset_min(epoch);
	double	local = epoch + off * 60.0;
	int64_t	days = (int64_t)floor(local / 86400.0);
	double	rem = local - (double)days * 86400.0;
	long	ms = lround(rem * 1000.0);
	int	y, m, d, a = abs(off);

	if (ms >= 86400000L) {
		days++;
		ms -= 86400000L;
	}
	date_civil_from_days(days, &y, &m, &d);
	/* Years past 9999 would not fit: ODK has none. */
	if (y < 0 || y > 9999)
		y = 0;
	if (snprintf(out, 40, "%04d-%02d-%02dT%02ld:%02ld:%02ld.%03ld%c%02d:%02d",
	    y, m, d, ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
	    off < 0 ? '-' : '+', a / 60 % 100, a % 60) < 0)
		out[0] = '\0';
}

double
clock_now(void)
{
	struct timeval	 tv;
	const char	*fixed = getenv("COLLECTOR_NOW");
	double		 t;

	if (fixed != NULL && *fixed != '\0' && datetime_parse(fixed, &t) == 0)
		return t;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}
