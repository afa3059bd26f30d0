/*
 * dashboard.c: the coordinators' pages that `hub serve` serves beside
 * the devices' API (serve.c hands it every path outside /api/):
 *
 *   GET  /login              the login form
 *   POST /login              user, password, csrf: a session
 *   POST /logout             csrf: the session ends
 *   GET  /                   the report (report_write_html_body), the
 *                            period's form (?from=&to=), the exports
 *   GET  /export/ID/FORMAT   `hub export` of form ID (csv, xlsx, json)
 *   GET  /style.css          the pages' style (no data: no session)
 *   GET  /favicon.ico        204 (browsers ask; no session)
 *
 * No state in the process. Sessions and wrong passwords live in the
 * store (store.h), so that several `hub serve` behind one balancer
 * serve the same coordinators; each request opens its own connection
 * (hub_store_open_read: no check of every page), which also keeps a
 * long export or report off the connection the devices' requests use.
 *
 * Sessions. The cookie holds 32 random bytes; the store keeps their
 * BLAKE2b hash only, so a copy of the store opens no session. A cookie
 * this store does not know (another hub's, a forged one, one of a
 * removed user) or one past DASH_IDLE_SECS or DASH_ABSOLUTE_SECS is no
 * session: every page but /login answers 303 to /login. A device's
 * Bearer token is never looked at here, and serve.c's API never looks
 * at cookies.
 *
 * Forms. Every POST carries a CSRF token bound to what it acts for: a
 * keyed hash of the session's token (logout), or of a pre-login cookie
 * (login: the double-submit pattern, so that another site cannot log a
 * coordinator in under its own account). Compared in constant time.
 * Wrong passwords are counted per account and per client address
 * (DASH_FAILS_USER, DASH_FAILS_ADDR in DASH_FAIL_WINDOW): past them the
 * login is refused with 429 and the time to wait, before any password
 * is hashed. An unknown user costs the same argon2id as a known one.
 *
 * Headers. Every answer: a strict Content-Security-Policy (nothing but
 * the style sheet from here; no script at all, no frames), nosniff,
 * no referrer, no-store (the style sheet alone is cached a day).
 * Cookies: HttpOnly, SameSite=Strict, Path=/, and Secure over HTTPS.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "hub.h"

#define CSP	"default-src 'none'; style-src 'self'; img-src 'self'; " \
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
#define CSS_MAX_AGE	"public, max-age=86400"
#define EXPORT_PREFIX	"/export/"
/* A session's last-seen time is written at most this often: a page
 * view is a read, not a write, most of the time. */
#define TOUCH_SECS	60
#define FORM_ID_MAX	256

/* What the dashboard adds to the report's style. */
static const char dash_css[] =
	".top{display:flex;flex-wrap:wrap;justify-content:space-between;"
	"align-items:center;gap:.5rem;border-bottom:1px solid #ddd;"
	"padding:.6rem 0}"
	".top strong{font-size:1.1rem}"
	".top form{display:inline;margin:0}"
	"form.period{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;"
	"margin:1rem 0}"
	"form.period label{display:flex;flex-direction:column;font-size:.85rem}"
	"input,button{font:inherit;padding:.35rem .5rem}"
	"button{background:#2b6;color:#fff;border:0;border-radius:3px;"
	"cursor:pointer}"
	"button.link{background:none;color:#1d5c38;text-decoration:underline;"
	"padding:0}"
	".exports a{margin-right:.8rem}"
	".login{max-width:22rem;margin:3rem auto}"
	".login label{display:block;margin:.8rem 0 .2rem}"
	".login input{width:100%;box-sizing:border-box}"
	".login button{margin-top:1rem;width:100%}"
	".error{color:#a11;font-weight:600}";

struct dash {
	char			*home;
	int			 tls;
	struct report_config	 cfg;
	int			 loaded;
	char			*css;
	/* A hash nobody's password matches: an unknown user's login
	 * costs the same time as a known one's. */
	char			 dummy[crypto_pwhash_STRBYTES];
};

/* One request's context. */
struct page {
	struct dash		*d;
	struct MHD_Connection	*conn;
	struct hub_store	*st;
	dash_log_fn		*log;
	void			*arg;
	/* the session, when there is one */
	char			 token[DASH_TOKEN_CHARS];
	char			*user;
};

/* ------------------------------------------------------------------ */
/* The pieces the tests take apart                                     */

int
dash_user_valid(const char *name)
{
	size_t	n = strlen(name);

	return n > 0 && n <= DASH_USER_MAX && strspn(name, "abcdefghijklmn"
	    "opqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == n;
}

int
dash_password_hash(const char *password, size_t len, char out[128],
    struct err *e)
{
	if (crypto_pwhash_str(out, password, len,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return err_set(e, ERR_NOMEM, _("cannot hash the password: out "
		    "of memory"));
	return 0;
}

int
dash_cookie(const char *header, const char *name, char *out, size_t n)
{
	const char	*p, *end, *eq;
	size_t		 k = strlen(name), v;

	out[0] = '\0';
	for (p = header; p != NULL && *p != '\0'; p = *end != '\0' ?
	    end + 1 : end) {
		end = p + strcspn(p, ";");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || (size_t)(eq - p) != k ||
		    strncmp(p, name, k) != 0)
			continue;
		v = (size_t)(end - eq - 1);
		while (v > 0 && (eq[v] == ' ' || eq[v] == '\t'))
			v--;
		if (v == 0 || v >= n)
			return 0;
		memcpy(out, eq + 1, v);
		out[v] = '\0';
		return 1;
	}
	return 0;
}

void
dash_csrf(const char *token, const char *purpose,
    char out[DASH_CSRF_CHARS])
{
	unsigned char	h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)purpose,
	    strlen(purpose), (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, DASH_CSRF_CHARS, h, sizeof(h));
}

int
dash_session_live(int64_t created, int64_t seen, int64_t now)
{
	return now - seen < DASH_IDLE_SECS &&
	    now - created < DASH_ABSOLUTE_SECS;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
dash_form_field(const char *body, size_t len, const char *name, char *out,
    size_t n)
{
	const char	*p = body, *end = body + len, *amp;
	size_t		 k = strlen(name), o;
	int		 hi, lo;

	out[0] = '\0';
	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((size_t)(amp - p) <= k || p[k] != '=' ||
		    strncmp(p, name, k) != 0)
			continue;
		for (p += k + 1, o = 0; p < amp; p++) {
			if (o + 1 >= n)
				return 0;
			if (*p == '+')
				out[o++] = ' ';
			else if (*p != '%')
				out[o++] = *p;
			else if (amp - p >= 3 && (hi = hexval(p[1])) >= 0 &&
			    (lo = hexval(p[2])) >= 0) {
				out[o++] = (char)(hi << 4 | lo);
				p += 2;
			} else
				return 0;
		}
		out[o] = '\0';
		return strlen(out) == o && utf8_valid(out, o);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

PRINTFLIKE(2, 3) static void
say(struct page *pg, const char *fmt, ...)
{
	va_list	ap;
	char	line[512];

	if (pg->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pg->log(pg->arg, line);
}

static void
secure_headers(struct MHD_Response *r, const char *cache)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
}

/* name=value with the dashboard's flags; max_age 0 deletes it. */
static void
set_cookie(struct page *pg, struct MHD_Response *r, const char *name,
    const char *value, long max_age)
{
	char	c[256];

	snprintf(c, sizeof(c), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "SameSite=Strict%s", name, value, max_age, pg->d->tls ?
	    "; Secure" : "");
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, c);
}

/* A response of the bytes (taken: freed with it). */
static struct MHD_Response *
response(char *body, size_t len, const char *type, const char *cache)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	secure_headers(r, cache);
	return r;
}

static int
queue(struct page *pg, unsigned status, struct MHD_Response *r)
{
	int	ok;

	if (r == NULL)
		return MHD_NO;
	ok = MHD_queue_response(pg->conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static int
redirect(struct page *pg, const char *to, struct MHD_Response *r)
{
	if (r == NULL && (r = response(NULL, 0, "text/plain; charset=utf-8",
	    "no-store")) == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
	return queue(pg, MHD_HTTP_SEE_OTHER, r);
}

/* The top of a page: fp gets the head and the opening of the body. */
static void
page_head(FILE *fp, const char *title)
{
	const char	*lang = _("label_en");

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>",
	    strncmp(lang, "label_", 6) == 0 && strlen(lang) < 12 ? lang + 6 :
	    "es");
	report_html_esc(fp, title);
	fputs("</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
	    "</head>\n<body>\n", fp);
}

/* The page fp (open_memstream of *text, *len) ends: its response. */
static int
end_page(FILE *fp, char **text, size_t *len, struct MHD_Response **out)
{
	*out = NULL;
	fputs("</body>\n</html>\n", fp);
	if (fclose(fp) != 0) {
		free(*text);
		return -1;
	}
	*out = response(*text, *len, "text/html; charset=utf-8", "no-store");
	return *out != NULL ? 0 : -1;
}

/* A short page saying msg (escaped), with a link back. */
static int
send_message(struct page *pg, unsigned status, const char *msg)
{
	struct MHD_Response	*r;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return MHD_NO;
	page_head(fp, _("Hub dashboard"));
	fputs("<main class=\"login\">\n<p class=\"error\">", fp);
	report_html_esc(fp, msg);
	fprintf(fp, "</p>\n<p><a href=\"/\">%s</a></p>\n</main>\n",
	    _("Back to the dashboard"));
	if (end_page(fp, &text, &len, &r) != 0)
		return MHD_NO;
	return queue(pg, status, r);
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */

/* The session of the request's cookie, if live: pg->user, pg->token.
 * -1 when the store cannot be read. */
static int
session(struct page *pg)
{
	struct hub_session	 s;
	struct err		 e;
	unsigned char		 h[HUB_TOKEN_HASH_BYTES];
	const char		*c;
	int64_t			 now = (int64_t)clock_now();
	int			 found, rc;

	c = MHD_lookup_connection_value(pg->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_COOKIE);
	if (!dash_cookie(c, DASH_COOKIE, pg->token, sizeof(pg->token)))
		return 0;
	crypto_generichash(h, sizeof(h), (unsigned char *)pg->token,
	    strlen(pg->token), NULL, 0);
	err_init(&e);
	if ((rc = hub_store_get_session(pg->st, h, &s, &found, &e)) != 0) {
		say(pg, "session lookup: %s", e.msg);
		return -1;
	}
	if (!found)
		return 0;
	if (!dash_session_live(s.created_at, s.seen_at, now)) {
		free(s.user);
		/* Dead: it goes now rather than at the next login. */
		if (hub_store_remove_session(pg->st, h, &e) != 0)
			say(pg, "session removal: %s", e.msg);
		return 0;
	}
	if (now - s.seen_at >= TOUCH_SECS &&
	    hub_store_touch_session(pg->st, h, now, &e) != 0)
		say(pg, "session touch: %s", e.msg);
	pg->user = s.user;
	return 1;
}

/* ------------------------------------------------------------------ */
/* /login, /logout                                                     */

/* The login form; msg (may be NULL) above it. A fresh pre-login cookie
 * when the request has none. */
static int
login_page(struct page *pg, unsigned status, const char *msg,
    const char *user, long retry)
{
	struct MHD_Response	*r;
	unsigned char		 raw[DASH_TOKEN_BYTES];
	char			 pre[DASH_TOKEN_CHARS], csrf[DASH_CSRF_CHARS];
	char			*text = NULL, n[24];
	const char		*c;
	size_t			 len = 0;
	FILE			*fp;
	int			 fresh = 0;

	c = MHD_lookup_connection_value(pg->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_COOKIE);
	if (!dash_cookie(c, DASH_PRE_COOKIE, pre, sizeof(pre))) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(pre, sizeof(pre), raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		fresh = 1;
	}
	dash_csrf(pre, "login", csrf);
	if ((fp = open_memstream(&text, &len)) == NULL)
		return MHD_NO;
	page_head(fp, _("Hub dashboard: log in"));
	fprintf(fp, "<main class=\"login\">\n<h1>%s</h1>\n",
	    _("Hub dashboard"));
	if (msg != NULL) {
		fputs("<p class=\"error\" role=\"alert\">", fp);
		report_html_esc(fp, msg);
		fputs("</p>\n", fp);
	}
	fprintf(fp, "<form method=\"post\" action=\"/login\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<label for=\"user\">%s</label>\n<input id=\"user\" "
	    "name=\"user\" autocomplete=\"username\" required value=\"", csrf,
	    _("User"));
	report_html_esc(fp, user);
	fprintf(fp, "\">\n<label for=\"password\">%s</label>\n"
	    "<input id=\"password\" name=\"password\" type=\"password\" "
	    "autocomplete=\"current-password\" required>\n"
	    "<button type=\"submit\">%s</button>\n</form>\n</main>\n",
	    _("Password"), _("Log in"));
	if (end_page(fp, &text, &len, &r) != 0)
		return MHD_NO;
	if (fresh)
		set_cookie(pg, r, DASH_PRE_COOKIE, pre, DASH_ABSOLUTE_SECS);
	if (retry > 0) {
		snprintf(n, sizeof(n), "%ld", retry);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, n);
	}
	return queue(pg, status, r);
}

/* Whether the form's csrf field is the one bound to token. */
static int
csrf_ok(const char *body, size_t len, const char *token,
    const char *purpose)
{
	char	want[DASH_CSRF_CHARS], got[DASH_CSRF_CHARS];

	if (token == NULL || *token == '\0' ||
	    !dash_form_field(body, len, "csrf", got, sizeof(got)) ||
	    strlen(got) != DASH_CSRF_CHARS - 1)
		return 0;
	dash_csrf(token, purpose, want);
	return sodium_memcmp(want, got, DASH_CSRF_CHARS - 1) == 0;
}

/* Seconds before key may try again (0: now). */
static int
throttled(struct page *pg, const char *key, int64_t max, int64_t now,
    int64_t *wait, struct err *e)
{
	int64_t	n, oldest;
	int	rc;

	if ((rc = hub_store_login_failures(pg->st, key, now -
	    DASH_FAIL_WINDOW, &n, &oldest, e)) != 0)
		return rc;
	if (n >= max && oldest + DASH_FAIL_WINDOW - now > *wait)
		*wait = oldest + DASH_FAIL_WINDOW - now;
	return 0;
}

static int
login(struct page *pg, const char *body, size_t len)
{
	struct hub_user	 u;
	struct err	 e;
	unsigned char	 raw[DASH_TOKEN_BYTES], h[HUB_TOKEN_HASH_BYTES];
	char		 user[DASH_USER_MAX + 2], pw[DASH_PASSWORD_MAX + 1];
	char		 pre[DASH_TOKEN_CHARS], token[DASH_TOKEN_CHARS];
	char		 ukey[DASH_USER_MAX + 8], akey[80], ip[64], msg[200];
	const char	*keys[2], *c, *shown;
	struct MHD_Response *r;
	int64_t		 now = (int64_t)clock_now(), wait = 0;
	int		 found = 0, good, rc, ok;

	memset(&u, 0, sizeof(u));
	c = MHD_lookup_connection_value(pg->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_COOKIE);
	if (!dash_cookie(c, DASH_PRE_COOKIE, pre, sizeof(pre)) ||
	    !csrf_ok(body, len, pre, "login"))
		return login_page(pg, MHD_HTTP_FORBIDDEN, _("The form had "
		    "expired or did not come from this page: log in again."),
		    NULL, 0);
	if (!dash_form_field(body, len, "user", user, sizeof(user)))
		user[0] = '\0';
	if (!dash_form_field(body, len, "password", pw, sizeof(pw)))
		pw[0] = '\0';
	snprintf(ukey, sizeof(ukey), "user:%s", user);
	/* What goes in the log: a name as accounts have, or nothing (a
	 * line break typed in would forge a log line). */
	shown = dash_user_valid(user) ? user : "?";
	snprintf(akey, sizeof(akey), "addr:%s", serve_peer(pg->conn, ip,
	    sizeof(ip)));
	err_init(&e);
	if ((rc = throttled(pg, ukey, DASH_FAILS_USER, now, &wait, &e)) != 0 ||
	    (rc = throttled(pg, akey, DASH_FAILS_ADDR, now, &wait, &e)) != 0)
		goto fail;
	if (wait > 0) {
		say(pg, "login of '%s' from %s refused: too many wrong "
		    "passwords", shown, ip);
		snprintf(msg, sizeof(msg), _("Too many wrong passwords: try "
		    "again in %lld minutes."), (long long)(wait + 59) / 60);
		ok = login_page(pg, MHD_HTTP_TOO_MANY_REQUESTS, msg, user,
		    (long)wait);
		goto out;
	}
	if (dash_user_valid(user) && (rc = hub_store_get_user(pg->st, user,
	    &u, &found, &e)) != 0)
		goto fail;
	good = crypto_pwhash_str_verify(found ? u.pwhash : pg->d->dummy, pw,
	    strlen(pw)) == 0 && found;
	if (!good) {
		keys[0] = ukey;
		keys[1] = akey;
		if ((rc = hub_store_add_login_failure(pg->st, keys, 2, now,
		    now - DASH_FAIL_WINDOW, &e)) != 0)
			goto fail;
		say(pg, "login of '%s' from %s refused: wrong user or "
		    "password", shown, ip);
		ok = login_page(pg, MHD_HTTP_UNAUTHORIZED, _("Wrong user or "
		    "password."), user, 0);
		goto out;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(h, sizeof(h), (unsigned char *)token,
	    strlen(token), NULL, 0);
	if ((rc = hub_store_clear_login_failures(pg->st, ukey, &e)) != 0 ||
	    (rc = hub_store_add_session(pg->st, h, user, now, DASH_IDLE_SECS,
	    DASH_ABSOLUTE_SECS, &e)) != 0)
		goto fail;
	say(pg, "login of '%s' from %s", user, ip);
	if ((r = response(NULL, 0, "text/plain; charset=utf-8",
	    "no-store")) == NULL) {
		ok = MHD_NO;
		goto out;
	}
	set_cookie(pg, r, DASH_COOKIE, token, DASH_ABSOLUTE_SECS);
	set_cookie(pg, r, DASH_PRE_COOKIE, "", 0);
	ok = redirect(pg, "/", r);
	goto out;
fail:
	say(pg, "login: %s", e.msg);
	ok = send_message(pg, MHD_HTTP_SERVICE_UNAVAILABLE, _("The hub's "
	    "store cannot be read now: try again in a moment."));
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(token, sizeof(token));
	hub_user_release(&u);
	return ok;
}

static int
logout(struct page *pg, const char *body, size_t len)
{
	struct MHD_Response	*r;
	struct err		 e;
	unsigned char		 h[HUB_TOKEN_HASH_BYTES];

	if (!csrf_ok(body, len, pg->token, "logout"))
		return send_message(pg, MHD_HTTP_FORBIDDEN, _("The form did "
		    "not come from this dashboard: nothing was done."));
	crypto_generichash(h, sizeof(h), (unsigned char *)pg->token,
	    strlen(pg->token), NULL, 0);
	err_init(&e);
	if (hub_store_remove_session(pg->st, h, &e) != 0) {
		say(pg, "logout: %s", e.msg);
		return send_message(pg, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("The hub's store cannot be written now: try again in a "
		    "moment."));
	}
	say(pg, "logout of '%s'", pg->user);
	if ((r = response(NULL, 0, "text/plain; charset=utf-8",
	    "no-store")) == NULL)
		return MHD_NO;
	set_cookie(pg, r, DASH_COOKIE, "", 0);
	return redirect(pg, "/login", r);
}

/* ------------------------------------------------------------------ */
/* /                                                                   */

struct form_ids {
	FILE	*fp;
	char	 last[FORM_ID_MAX];
	int	 any;
};

/* Percent-encode s as a URL path segment. */
static void
url_segment(FILE *fp, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			fputc(*p, fp);
		else
			fprintf(fp, "%%%02X", *p);
}

static int
export_links(const struct hub_form *f, void *arg)
{
	static const char *const fmts[] = { "csv", "xlsx", "json" };
	struct form_ids	*l = arg;
	size_t		 i;

	if (l->any && strcmp(l->last, f->form_id) == 0)
		return 0;	/* another version of the same form */
	l->any = 1;
	snprintf(l->last, sizeof(l->last), "%s", f->form_id);
	fputs("<li><strong>", l->fp);
	report_html_esc(l->fp, f->form_id);
	fputs("</strong> ", l->fp);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		fputs("<a href=\"" EXPORT_PREFIX, l->fp);
		url_segment(l->fp, f->form_id);
		fprintf(l->fp, "/%s\">%s</a>", fmts[i], fmts[i]);
	}
	fputs("</li>\n", l->fp);
	return 0;
}

/* ?from= and ?to=: NULL when absent or empty; -1 when not a date. */
static int
period_arg(struct page *pg, const char *name, const char **out)
{
	const char	*v;
	int64_t		 days;

	*out = NULL;
	v = MHD_lookup_connection_value(pg->conn, MHD_GET_ARGUMENT_KIND,
	    name);
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) != 10 || date_parse(v, &days) != 0)
		return -1;
	*out = v;
	return 0;
}

static int
dashboard(struct page *pg)
{
	struct MHD_Response	*r;
	struct report_opts	 o;
	struct form_ids		 l;
	struct err		 e;
	char			 csrf[DASH_CSRF_CHARS], *text = NULL;
	const char		*bad = NULL;
	json_t			*rep = NULL;
	size_t			 len = 0;
	FILE			*fp;
	unsigned		 status = MHD_HTTP_OK;
	int			 rc = 0;

	memset(&o, 0, sizeof(o));
	err_init(&e);
	if (period_arg(pg, "from", &o.from) != 0)
		bad = "from";
	else if (period_arg(pg, "to", &o.to) != 0)
		bad = "to";
	else if (o.from != NULL && o.to != NULL && strcmp(o.from, o.to) > 0)
		bad = "order";
	o.now = clock_now();
	if (bad == NULL && (rc = report_build(pg->st, &pg->d->cfg, &o, &rep,
	    &e)) != 0) {
		say(pg, "report: %s", e.msg);
		return send_message(pg, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("The report cannot be made now: try again in a "
		    "moment."));
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		json_decref(rep);
		return MHD_NO;
	}
	dash_csrf(pg->token, "logout", csrf);
	page_head(fp, _("Hub dashboard"));
	fprintf(fp, "<header class=\"top\"><strong>%s</strong><span>",
	    _("Hub dashboard"));
	report_html_esc(fp, pg->user);
	fprintf(fp, " · <form method=\"post\" action=\"/logout\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	    "<button class=\"link\" type=\"submit\">%s</button></form>"
	    "</span></header>\n", csrf, _("Log out"));
	fprintf(fp, "<form class=\"period\" method=\"get\" action=\"/\">"
	    "<label>%s <input type=\"date\" name=\"from\" value=\"",
	    _("Visits from"));
	report_html_esc(fp, o.from);
	fprintf(fp, "\"></label><label>%s <input type=\"date\" name=\"to\" "
	    "value=\"", _("to"));
	report_html_esc(fp, o.to);
	fprintf(fp, "\"></label><button type=\"submit\">%s</button>"
	    "<a href=\"/\">%s</a></form>\n", _("Show"), _("Every date"));
	if (bad != NULL) {
		status = MHD_HTTP_BAD_REQUEST;
		fprintf(fp, "<p class=\"error\" role=\"alert\">%s</p>\n",
		    strcmp(bad, "order") == 0 ? _("The period's first date "
		    "is after its last one.") : _("A date is written "
		    "YYYY-MM-DD."));
	}
	fprintf(fp, "<section class=\"exports\"><h2>%s</h2>\n<p class=\"note\">"
	    "%s</p>\n<ul>\n", _("Exports"), _("Every submission of the form "
	    "(its current revision), whatever the period: csv is a zip in "
	    "ODK Central's layout."));
	memset(&l, 0, sizeof(l));
	l.fp = fp;
	if ((rc = hub_store_each_form(pg->st, export_links, &l, &e)) != 0)
		say(pg, "forms: %s", e.msg);
	fputs("</ul>\n</section>\n", fp);
	if (rep != NULL)
		report_write_html_body(rep, fp);
	json_decref(rep);
	if (end_page(fp, &text, &len, &r) != 0)
		return MHD_NO;
	return queue(pg, status, r);
}

/* ------------------------------------------------------------------ */
/* /export/ID/FORMAT                                                   */

static const char *
export_type(enum export_format f, const char **suffix)
{
	switch (f) {
	case EXPORT_CSV:
		*suffix = "zip";
		return "application/zip";
	case EXPORT_XLSX:
		*suffix = "xlsx";
		return "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet";
	default:
		*suffix = "json";
		return "application/json";
	}
}

static int
export(struct page *pg, const char *path)
{
	struct MHD_Response	*r;
	struct export_counts	 n;
	struct err		 e;
	enum export_format	 fmt;
	char			 id[FORM_ID_MAX], disp[FORM_ID_MAX + 64];
	const char		*slash, *type, *suffix;
	FILE			*fp;
	long			 size = 0;
	size_t			 i;
	int			 fd, rc;

	slash = strrchr(path, '/');
	if (slash == NULL || slash == path ||
	    (size_t)(slash - path) >= sizeof(id) ||
	    export_format_parse(slash + 1, &fmt) != 0)
		return send_message(pg, MHD_HTTP_NOT_FOUND, _("No such "
		    "export: the links are on the dashboard."));
	snprintf(id, sizeof(id), "%.*s", (int)(slash - path), path);
	/* Unnamed, on the disk: an export may be larger than memory. */
	if ((fp = tmpfile()) == NULL)
		return send_message(pg, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("No room for the export: try again later."));
	err_init(&e);
	rc = export_to_stream(pg->st, id, fmt, fp, &n, &e);
	if (rc == 0 && (fflush(fp) != 0 || (size = ftell(fp)) < 0))
		rc = err_set(&e, ERR_IO, "%s", strerror(errno));
	if (rc != 0) {
		fclose(fp);
		say(pg, "export of '%s' by '%s': %s", id, pg->user, e.msg);
		return send_message(pg, rc == ERR_INPUT ? MHD_HTTP_NOT_FOUND :
		    MHD_HTTP_SERVICE_UNAVAILABLE, rc == ERR_INPUT ?
		    _("No such form.") : _("The export cannot be made now: "
		    "try again later."));
	}
	fd = dup(fileno(fp));
	fclose(fp);
	if (fd < 0 || (r = MHD_create_response_from_fd((uint64_t)size,
	    fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return MHD_NO;
	}
	type = export_type(fmt, &suffix);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	secure_headers(r, "no-store");
	/* The file's name: the form id with what a file system or a
	 * header would take badly made '_'. */
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '.' || id[i] == '_'))
			id[i] = '_';
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"", id,
	    suffix);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	say(pg, "export of '%s' (%s) by '%s': %llu submissions, %ld bytes",
	    id, suffix, pg->user, (unsigned long long)n.submissions, size);
	return queue(pg, MHD_HTTP_OK, r);
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */

static int
style(struct page *pg)
{
	char	*copy = strdup(pg->d->css);

	if (copy == NULL)
		return MHD_NO;
	return queue(pg, MHD_HTTP_OK, response(copy, strlen(copy),
	    "text/css; charset=utf-8", CSS_MAX_AGE));
}

static int
method_not_allowed(struct page *pg, const char *allow)
{
	struct MHD_Response	*r;
	char			*t = strdup(_("Method not allowed.\n"));

	if (t == NULL || (r = response(t, strlen(t),
	    "text/plain; charset=utf-8", "no-store")) == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	return queue(pg, MHD_HTTP_METHOD_NOT_ALLOWED, r);
}

static int
route(struct page *pg, const char *url, const char *method,
    const char *body, size_t len)
{
	int	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int	post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	int	s;

	if (strcmp(url, "/style.css") == 0)
		return get ? style(pg) : method_not_allowed(pg, "GET, HEAD");
	/* Asked by every browser; the dashboard has none. */
	if (strcmp(url, "/favicon.ico") == 0)
		return queue(pg, MHD_HTTP_NO_CONTENT, response(NULL, 0,
		    "image/x-icon", CSS_MAX_AGE));
	if ((s = session(pg)) < 0)
		return send_message(pg, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("The hub's store cannot be read now: try again in a "
		    "moment."));
	if (strcmp(url, "/login") == 0) {
		if (post)
			return login(pg, body, len);
		if (!get)
			return method_not_allowed(pg, "GET, HEAD, POST");
		if (s)
			return redirect(pg, "/", NULL);
		return login_page(pg, MHD_HTTP_OK, NULL, NULL, 0);
	}
	if (!s)
		return redirect(pg, "/login", NULL);
	if (strcmp(url, "/logout") == 0)
		return post ? logout(pg, body, len) :
		    method_not_allowed(pg, "POST");
	if (strcmp(url, "/") == 0)
		return get ? dashboard(pg) : method_not_allowed(pg,
		    "GET, HEAD");
	if (strncmp(url, EXPORT_PREFIX, strlen(EXPORT_PREFIX)) == 0)
		return get ? export(pg, url + strlen(EXPORT_PREFIX)) :
		    method_not_allowed(pg, "GET, HEAD");
	return send_message(pg, MHD_HTTP_NOT_FOUND, _("No such page."));
}

int
dash_answer(struct dash *d, struct MHD_Connection *conn, const char *url,
    const char *method, const char *body, size_t len, dash_log_fn *log,
    void *arg)
{
	struct page	pg;
	struct err	e;
	int		ok;

	memset(&pg, 0, sizeof(pg));
	pg.d = d;
	pg.conn = conn;
	pg.log = log;
	pg.arg = arg;
	err_init(&e);
	if (strcmp(url, "/style.css") != 0 && strcmp(url, "/favicon.ico") != 0 &&
	    hub_store_open_read(d->home, &pg.st, &e) != 0) {
		say(&pg, "dashboard: %s", e.msg);
		return send_message(&pg, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("The hub's store cannot be read now: try again in a "
		    "moment."));
	}
	ok = route(&pg, url, method, body != NULL ? body : "", len);
	hub_store_close(pg.st);
	sodium_memzero(pg.token, sizeof(pg.token));
	free(pg.user);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Starting                                                            */

int
dash_new(const char *home, int tls, struct dash **out, struct err *e)
{
	struct dash	*d;
	const char	*css = report_html_css();
	int		 rc = 0;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->home =
	    strdup(home)) == NULL || (d->css = malloc(strlen(css) +
	    sizeof(dash_css))) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	memcpy(d->css, css, strlen(css));
	memcpy(d->css + strlen(css), dash_css, sizeof(dash_css));
	d->tls = tls;
	if ((rc = report_config_load(&d->cfg, NULL, e)) != 0)
		goto out;
	d->loaded = 1;
	if ((rc = dash_password_hash("no password is this one", 23,
	    d->dummy, e)) != 0)
		goto out;
	*out = d;
	d = NULL;
out:
	dash_free(d);
	return rc;
}

void
dash_free(struct dash *d)
{
	if (d == NULL)
		return;
	if (d->loaded)
		report_config_release(&d->cfg);
	free(d->css);
	free(d->home);
	free(d);
}
