/*
 * session_normalise.c: checking what a person types (or what --answers
 * and a default give) against the question's type, and normalising it to
 * what ODK stores: whole numbers and decimals with their thousands
 * separators, dates (YYYY-MM-DD or DD/MM/YYYY), times, choices by number
 * or name, geopoints, acknowledgements. A refusal says why, quoting the
 * answer.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "session_priv.h"

/* Significant digits of a decimal: what a double keeps exactly. */
#define DECIMAL_MAX_DIGITS	15
/* A number as typed, sign and separator included. */
#define NUMBER_MAX_LEN		40
/* A two-digit year is 20YY within this many years of today. */
#define DATE_YY_NEAR		10

static const char *const ack_words[] = { "ok", "1", "y", "yes", "s", "si",
    "s\xc3\xad", "ar\xc3\xad", "ari" };

/* ------------------------------------------------------------------ */
/* Answers: checking and normalising what a person types               */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s[0..*n) without surrounding blanks. */
static const char *
trim(const char *s, size_t *n)
{
	size_t	len = *n;

	while (len > 0 && is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space((unsigned char)s[len - 1]))
		len--;
	*n = len;
	return s;
}

/*
 * Whether s[0..n) are digits in groups of three separated by sep after a
 * first group of one to three ("3,000", "12,500,000"), at least one sep.
 */
static int
thousands(const char *s, size_t n, char sep)
{
	size_t	i, run = 0, groups = 0;

	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			run++;
			continue;
		}
		if (s[i] != sep || run == 0 || (groups > 0 ? run != 3 :
		    run > 3))
			return 0;
		groups++;
		run = 0;
	}
	return groups > 0 && run == 3;
}

/*
 * An integer as JavaRosa's (32 bits): optional sign, digits, commas
 * between thousands ("3,000"). out gets it without leading zeros or
 * commas. 0 ok, 1 not a number, 2 out of range, 3 commas not in
 * thousands ("3,00"), 4 a point before three digits ("3.000": 3 or
 * 3000?).
 */
static int
norm_int(const char *s, size_t n, char *out, size_t outsz)
{
	size_t		i = 0;
	int		neg = 0;
	long long	v = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return 1;
	if (memchr(s + i, ',', n - i) != NULL && !thousands(s + i, n - i,
	    ','))
		return 3;
	if (thousands(s + i, n - i, '.'))
		return 4;
	for (; i < n; i++) {
		if (s[i] == ',')
			continue;
		if (!isdigit((unsigned char)s[i]))
			return 1;
		v = v * 10 + (s[i] - '0');
		if (v > 2147483648LL)
			return 2;
	}
	if (neg)
		v = -v;
	if (v > 2147483647LL)
		return 2;
	snprintf(out, outsz, "%lld", v);
	return 0;
}

/*
 * A decimal: optional sign, digits, a point (or a comma when comma) and
 * digits; no exponent, no "nan". Commas between thousands before a point
 * ("1,500.5"). out: without leading or trailing zeros ("007,50" -> "7.5",
 * "-0" -> "0"). 0 ok, 1 not a number, 2 too many digits, 4 a lone comma
 * before three digits ("1,500": 1.5 or 1500?).
 */
static int
norm_dec(const char *s, size_t n, int comma, char *out, size_t outsz)
{
	char		 ip[NUMBER_MAX_LEN + 1], fp[NUMBER_MAX_LEN + 1];
	const char	*pt;
	size_t		 i = 0, ni = 0, nf = 0, k, grouped = 0;
	int		 neg = 0, sep = 0;

	if (n > NUMBER_MAX_LEN)
		return 2;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	pt = memchr(s + i, '.', n - i);
	if (pt != NULL && thousands(s + i, (size_t)(pt - s) - i, ','))
		grouped = (size_t)(pt - s);	/* commas before it: skip */
	else if (comma && pt == NULL && thousands(s + i, n - i, ','))
		return 4;
	for (; i < n; i++) {
		if (i < grouped && s[i] == ',')
			continue;
		if (isdigit((unsigned char)s[i])) {
			if (sep)
				fp[nf++] = s[i];
			else
				ip[ni++] = s[i];
		} else if (!sep && (s[i] == '.' || (comma && s[i] == ',')))
			sep = 1;
		else
			return 1;
	}
	if (ni + nf == 0)
		return 1;
	ip[ni] = fp[nf] = '\0';
	for (k = 0; k + 1 < ni && ip[k] == '0'; k++)
		;
	memmove(ip, ip + k, ni - k + 1);
	ni -= k;
	while (nf > 0 && fp[nf - 1] == '0')
		fp[--nf] = '\0';
	if (ni == 0) {
		ip[0] = '0';
		ip[1] = '\0';
		ni = 1;
	}
	/* significant digits */
	k = strcmp(ip, "0") == 0 ? nf - strspn(fp, "0") : ni + nf;
	if (k > DECIMAL_MAX_DIGITS)
		return 2;
	if (strcmp(ip, "0") == 0 && nf == 0)
		neg = 0;
	snprintf(out, outsz, "%s%s%s%s", neg ? "-" : "", ip, nf ? "." : "",
	    fp);
	return 0;
}

/* Up to 4 digits at s; returns how many were read. */
static size_t
read_digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n && i < 5 && isdigit((unsigned char)s[i]); i++)
		*v = *v * 10 + (s[i] - '0');
	return i;
}

/*
 * A date as YYYY-MM-DD or DD/MM/YYYY (D/M/YYYY), into out as YYYY-MM-DD.
 * A two-digit year (D/M/YY) is 20YY when that is within
 * DATE_YY_NEAR years of now, the date a person is typing on, so that the
 * other century is 90 years or more away; else the person says which
 * (a birth date: 6/6/60 is 1960 or 2060?). 0 ok, 1 not a date, 2 no such
 * day, 3 a two-digit year not near now (*yy set).
 */
static int
norm_date(const char *s, size_t n, double now, char out[16], int *yy)
{
	int	a, b, c, y, m, d, ty, tm, td;
	size_t	la, lb, lc, i = 0;
	char	sep;

	la = read_digits(s, n, &a);
	if (la == 0 || la == n)
		return 1;
	sep = s[la];
	if (sep != '-' && sep != '/')
		return 1;
	i = la + 1;
	lb = read_digits(s + i, n - i, &b);
	i += lb;
	if (lb == 0 || lb > 2 || i >= n || s[i] != sep)
		return 1;
	i++;
	lc = read_digits(s + i, n - i, &c);
	if (lc == 0 || i + lc != n)
		return 1;
	if (sep == '-' && la == 4 && lc <= 2) {
		y = a;
		m = b;
		d = c;
	} else if (sep == '/' && la <= 2 && lc == 4) {
		d = a;
		m = b;
		y = c;
	} else if (sep == '/' && la <= 2 && lc == 2) {
		d = a;
		m = b;
		*yy = c;
		date_civil_from_days((int64_t)floor(now / 86400), &ty, &tm,
		    &td);
		if (abs(2000 + c - ty) > DATE_YY_NEAR)
			return 3;
		y = 2000 + c;
	} else
		return 1;
	if (!date_valid(y, m, d))
		return 2;
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* H:MM, HH:MM or HH:MM:SS into seconds of the day. 0 ok, 1 not. */
static int
parse_clock(const char *s, size_t n, int *secs)
{
	int	h, m, sec = 0;
	size_t	lh, i;

	lh = read_digits(s, n, &h);
	if (lh == 0 || lh > 2 || lh + 3 > n || s[lh] != ':')
		return 1;
	i = lh + 1;
	if (read_digits(s + i, n - i, &m) != 2)
		return 1;
	i += 2;
	if (i < n) {
		if (s[i] != ':' || i + 3 != n || read_digits(s + i + 1, 2,
		    &sec) != 2)
			return 1;
	}
	if (h > 23 || m > 59 || sec > 59)
		return 1;
	*secs = h * 3600 + m * 60 + sec;
	return 0;
}

/*
 * A time as a person types it (H:MM, HH:MM:SS) or as ODK stores it
 * (HH:MM:SS.sss-05:00), into what ODK stores: milliseconds and an offset,
 * today's local one unless one was given. 0 ok, 1 not a time.
 */
static int
norm_time(const char *s, size_t n, double now, char out[40])
{
	char	buf[40];
	double	secs;
	int	isecs, has_tz, off, a;
	long	ms;

	if (parse_clock(s, n, &isecs) == 0) {
		secs = isecs;
		has_tz = 0;
	} else {
		if (n >= sizeof(buf))
			return 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (time_parse(buf, &secs, &has_tz, &off) != 0)
			return 1;
	}
	if (!has_tz)
		off = local_offset_min(now);
	a = abs(off);
	ms = lround(secs * 1000.0);
	if (ms >= 86400000L)
		ms = 86399999L;
	snprintf(out, 40, "%02ld:%02ld:%02ld.%03ld%c%02d:%02d", ms / 3600000,
	    ms / 60000 % 60, ms / 1000 % 60, ms % 1000, off < 0 ? '-' : '+',
	    a / 60 % 100, a % 60);
	return 0;
}

/* A date and time: "YYYY-MM-DD HH:MM[:SS]" (either date form) or ISO
 * 8601 with 'T' and an optional offset. 0 ok, 1 not, 2 no such day. */
static int
norm_datetime(const char *s, size_t n, double now, char out[40])
{
	char	iso[64], day[16];
	size_t	k;
	double	epoch;
	int	secs, rc, yy;

	if (n >= sizeof(iso))
		return 1;
	for (k = 0; k < n && s[k] != ' ' && s[k] != 'T'; k++)
		;
	if (k == n)
		return 1;
	if ((rc = norm_date(s, k, now, day, &yy)) != 0)
		return rc == 3 ? 1 : rc;
	if (s[k] == 'T') {
		snprintf(iso, sizeof(iso), "%s%.*s", day, (int)(n - k), s + k);
	} else {
		while (k < n && s[k] == ' ')
			k++;
		if (parse_clock(s + k, n - k, &secs) != 0)
			return 1;
		snprintf(iso, sizeof(iso), "%sT%02d:%02d:%02d", day,
		    secs / 3600, secs / 60 % 60, secs % 60);
	}
	if (datetime_parse(iso, &epoch) != 0)
		return 1;
	datetime_format_local(epoch, out);
	return 0;
}

static int
is_digits(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The choice a token names: a displayed number (typed) or a name. */
static long
find_choice(const struct choice **v, size_t n, const char *t, size_t tn,
    enum mode mode)
{
	size_t	i;
	long	k = 0;

	if (mode == MODE_TYPED && is_digits(t, tn) && tn < 9) {
		for (i = 0; i < tn; i++)
			k = k * 10 + (t[i] - '0');
		if (k >= 1 && (size_t)k <= n)
			return k - 1;
	}
	for (i = 0; i < n; i++)
		if (strlen(v[i]->name) == tn && memcmp(v[i]->name, t, tn) == 0)
			return (long)i;
	return -1;
}

static int
norm_select(struct session *s, const struct inode *node, const char *t,
    size_t n, enum mode mode, char **out, struct err *e)
{
	const struct choice	**v;
	unsigned char		 *on = NULL;
	struct buf		  b;
	char			  q[QUOTE_MAX + 4];
	size_t			  nv, i, j, ntok = 0;
	long			  k;
	int			  rc, multi;

	multi = node->field->kind == FK_SELECT_MULTIPLE;
	buf_init(&b, ANSWER_MAX_LEN);
	if (node->field->list != NULL && node->field->list->origin ==
	    LIST_FILE && !node->field->list->attached &&
	    !s->form->media_given)
		/* the hub: no attachments to check the names against */
		return (*out = strndup(t, n)) == NULL ?
		    err_set(e, ERR_NOMEM, "out of memory") : 0;
	if ((rc = session_choices(s, node, &v, &nv, e)) != 0)
		return rc;
	if (!multi && (k = find_choice(v, nv, t, n, mode)) >= 0)
		return (*out = strdup(v[k]->name)) == NULL ?
		    err_set(e, ERR_NOMEM, "out of memory") : 0;
	if ((on = calloc(nv ? nv : 1, 1)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i = j) {
		while (i < n && (is_space((unsigned char)t[i]) || t[i] == ','))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_space((unsigned char)t[j]) &&
		    t[j] != ','; j++)
			;
		ss_quote(t + i, j - i, q);
		if (++ntok > 1 && !multi) {
			rc = err_set(e, ERR_INPUT, _("choose only one "
			    "answer"));
			goto out;
		}
		if ((k = find_choice(v, nv, t + i, j - i, mode)) < 0) {
			rc = err_set(e, ERR_INPUT, _("'%s' is not one of the "
			    "choices"), q);
			goto out;
		}
		if (on[k]) {
			rc = err_set(e, ERR_INPUT, _("'%s' is chosen twice"),
			    q);
			goto out;
		}
		on[k] = 1;
	}
	for (i = 0; i < nv && rc == 0; i++)
		if (on[i])
			rc = b.len == 0 ? buf_addstr(&b, v[i]->name) :
			    buf_addf(&b, " %s", v[i]->name);
	if (rc != 0) {
		rc = err_set(e, rc, "out of memory");
		goto out;
	}
	*out = b.len > 0 ? buf_detach(&b) : NULL;
out:
	buf_release(&b);
	free(on);
	return rc;
}

static int
norm_geopoint(const char *t, size_t n, char **out, struct err *e)
{
	char	part[4][NUMBER_MAX_LEN + 8], q[QUOTE_MAX + 4];
	char	res[4 * (NUMBER_MAX_LEN + 8)];
	size_t	i, j, np = 0;
	double	v;
	int	r;

	for (i = 0; i < n; i = j) {
		while (i < n && is_space((unsigned char)t[i]))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_space((unsigned char)t[j]); j++)
			;
		if (np == 4)
			goto bad;
		r = norm_dec(t + i, j - i, 0, part[np], sizeof(part[np]));
		if (r != 0)
			goto bad;
		np++;
	}
	if (np < 2)
		goto bad;
	v = strtod(part[0], NULL);
	if (v < -90 || v > 90)
		return err_set(e, ERR_INPUT, _("latitude %s is out of range "
		    "(-90 to 90)"), part[0]);
	v = strtod(part[1], NULL);
	if (v < -180 || v > 180)
		return err_set(e, ERR_INPUT, _("longitude %s is out of range "
		    "(-180 to 180)"), part[1]);
	if (np == 4 && strtod(part[3], NULL) < 0)
		return err_set(e, ERR_INPUT, _("accuracy %s cannot be "
		    "negative"), part[3]);
	snprintf(res, sizeof(res), "%s %s %s %s", part[0], part[1],
	    np > 2 ? part[2] : "0", np > 3 ? part[3] : "0");
	if ((*out = strdup(res)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
bad:
	ss_quote(t, n, q);
	return err_set(e, ERR_INPUT, _("'%s' is not a location (latitude "
	    "longitude [altitude [accuracy]])"), q);
}

/* "OK" and the ways people say yes, case aside. */
static int
is_ack(const char *t, size_t n)
{
	char	w[16];
	size_t	i, k = 0;

	if (n >= sizeof(w))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)t[i];

		if (c == 0xc3 && i + 1 < n && (unsigned char)t[i + 1] ==
		    0x8d) {
			w[k++] = (char)0xc3;	/* Í -> í */
			w[k++] = (char)0xad;
			i++;
			continue;
		}
		w[k++] = (char)tolower(c);
	}
	w[k] = '\0';
	for (i = 0; i < sizeof(ack_words) / sizeof(ack_words[0]); i++)
		if (strcmp(w, ack_words[i]) == 0)
			return 1;
	return 0;
}

/* A control character (C0, DEL, C1) in valid UTF-8 text. */
static int
has_control(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * The text of an answer checked against the question's type and
 * normalised to what ODK stores; *out NULL for an empty answer.
 */
int
ss_normalise(struct session *s, const struct inode *node, const char *text,
    enum mode mode, char **out, struct err *e)
{
	const struct field	*f = node->field;
	const char		*t;
	char			 q[QUOTE_MAX + 4], num[NUMBER_MAX_LEN + 8];
	char			 day[40];
	size_t			 len, n;
	int			 r, yy = 0;

	*out = NULL;
	len = strnlen(text, (size_t)ANSWER_MAX_LEN + 1);
	if (len > ANSWER_MAX_LEN)
		return err_set(e, ERR_INPUT, _("the answer is too long (more "
		    "than %u bytes)"), (unsigned)ANSWER_MAX_LEN);
	if (!utf8_valid(text, len))
		return err_set(e, ERR_INPUT, _("the answer is not valid UTF-8 "
		    "text"));
	n = len;
	t = trim(text, &n);
	if (n == 0)
		return 0;
	/* text keeps its blanks, so all of it is checked */
	if (has_control(f->kind == FK_TEXT ? text : t, f->kind == FK_TEXT ?
	    len : n))
		return err_set(e, ERR_INPUT, _("the answer contains a control "
		    "character"));
	ss_quote(t, n, q);
	switch (f->kind) {
	case FK_INTEGER:
		r = norm_int(t, n, num, sizeof(num));
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a whole "
			    "number"), q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("%s is too large a "
			    "number"), q);
		if (r == 3)
			return err_set(e, ERR_INPUT, _("'%s' is not a whole "
			    "number: a comma only separates thousands, in "
			    "groups of 3 digits (3,000)"), q);
		if (r == 4)
			return err_set(e, ERR_INPUT, _("'%s' is ambiguous: a "
			    "whole number has no point; write it without the "
			    "point, or with a comma for thousands (3,000)"),
			    q);
		break;
	case FK_DECIMAL:
		r = norm_dec(t, n, 1, num, sizeof(num));
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a number"),
			    q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("%s has too many "
			    "digits"), q);
		if (r == 4)
			return err_set(e, ERR_INPUT, _("'%s' is ambiguous: "
			    "a comma before 3 digits may be thousands or "
			    "decimals; write the decimals with a point "
			    "(1.5), or the number without the comma (1500)"),
			    q);
		break;
	case FK_DATE:
		r = norm_date(t, n, s->now, day, &yy);
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a date "
			    "(YYYY-MM-DD or DD/MM/YYYY)"), q);
		if (r == 3)
			return err_set(e, ERR_INPUT, _("'%s': write the year "
			    "with its 4 digits (19%02d or 20%02d?)"), q, yy,
			    yy);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("date %s does not "
			    "exist"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_TIME:
		if (norm_time(t, n, s->now, day) != 0)
			return err_set(e, ERR_INPUT, _("'%s' is not a time "
			    "(HH:MM)"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_DATETIME:
		r = norm_datetime(t, n, s->now, day);
		if (r == 1)
			return err_set(e, ERR_INPUT, _("'%s' is not a date and "
			    "time (YYYY-MM-DD HH:MM)"), q);
		if (r == 2)
			return err_set(e, ERR_INPUT, _("date %s does not "
			    "exist"), q);
		t = day;
		n = strlen(day);
		goto copy;
	case FK_SELECT_ONE:
	case FK_SELECT_MULTIPLE:
		return norm_select(s, node, t, n, mode, out, e);
	case FK_GEOPOINT:
		return norm_geopoint(t, n, out, e);
	case FK_ACKNOWLEDGE:
		if (!is_ack(t, n))
			return err_set(e, ERR_INPUT, _("answer OK to go on"));
		t = "OK";
		n = 2;
		goto copy;
	case FK_TEXT:
	case FK_HIDDEN:
	case FK_CALCULATE:
		t = text;	/* text is kept as typed */
		n = len;
		goto copy;
	default:
		return err_set(e, ERR_INPUT, _("this question cannot be "
		    "answered here"));
	}
	if ((r = field_range_check(f, num, e)) != 0)
		return r;
	t = num;
	n = strlen(num);
copy:
	if ((*out = strndup(t, n)) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}
