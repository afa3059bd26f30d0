/*
 * cmd_sync.c: `collector sync [--hub URL] [--ca FILE] [--watch]`: the
 * finalized surveys to the hub, the hub's new forms to the device.
 *
 * Made for a 2G link that drops every few seconds:
 * - The cheap ping first: no batch is built for a hub that is not there.
 * - Then the pending surveys, oldest first, in batches of about
 *   WIRE_BATCH_BYTES compressed (wire.c says why that size). For each
 *   batch the hub's answer is applied in one transaction: stored,
 *   duplicate and conflict make a survey sent, rejected makes it rejected
 *   with the reason. A survey is marked only when the answer naming it
 *   has arrived: a cut, a stall, a 5xx or a captive portal's page leaves
 *   the batch pending, and sending it again is safe (the hub answers
 *   duplicate). A kill at any moment loses no answer already applied.
 * - Two batches in flight (CLIENT_INFLIGHT): while the hub merges and
 *   answers one, the next is already going up, so the 2G link is not
 *   idle one way for a round trip per batch. Each answer is applied in
 *   its own transaction as it arrives, in whatever order; after a
 *   failure no batch is started, but the one still in flight is waited
 *   for and its answer applied.
 * - A batch the hub refuses whole (400, 413) is split in halves down to
 *   the one survey it cannot take, which stays pending and is named: one
 *   bad survey never blocks the rest of the queue. (The halves go one at
 *   a time, once no other batch is in flight: a rare path.)
 * - --watch waits for the hub with exponential backoff and full jitter
 *   (base 1 s, cap 5 min; COLLECTOR_BACKOFF_MAX_MS lowers the cap for
 *   tests), pinging until it answers, until everything is acknowledged.
 *   A progress resets the backoff.
 * - A refused token stops at once: trying again cannot help.
 * - Then the published forms: the list with the ETag of the last one
 *   (an unchanged list is one round trip and no body), each new file
 *   checked and installed as `forms add' does, the ETag kept only when
 *   all of them were.
 *
 * The token is read from the store, handed to the client and wiped; it is
 * never printed. `--token -' (or --token TOKEN, wiped from argv at once,
 * as init does) first saves a new one from the office in the store: a
 * device whose token was revoked, or that was set up without one, keeps
 * its store and its surveys.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "wire.h"

#define BACKOFF_BASE_MS		1000
#define BACKOFF_CAP_MS		(5 * 60 * 1000)
#define FORMS_PATH		"/api/v1/forms"
/* Attachments of one form in the hub's list: more is not a list of
 * ours (ODK forms have a handful). Each is at most MEDIA_MAX_BYTES. */
#define SYNC_MAX_MEDIA		256

struct sync {
	struct store	*st;
	struct client	 cl;
	const char	*hub;
	char		*device;
	size_t		 target;	/* batch bytes, compressed */
	double		 ratio;		/* raw / compressed, learnt */
	/* this run */
	int64_t		 stored, duplicate, conflict, rejected;
	int64_t		 refused;	/* surveys a hub refused whole */
	int		 progress;	/* answers applied in this pass */
	int		 token_refused;
	int		 forms_refused;
};

static const char *
usage_text(void)
{
	return _("usage: collector sync [--hub URL] [--ca FILE] "
	    "[--token -|TOKEN] [--watch]\n"
	    "\n"
	    "Sends the finalized surveys to the hub and gets the forms the\n"
	    "office has published. A survey is marked sent only when the hub\n"
	    "has answered for it; if the link drops, what was not answered\n"
	    "is sent again next time, and the hub counts it once. A survey\n"
	    "the hub rejects is marked rejected, with the reason: it is not\n"
	    "sent again until corrected with 'collector edit'.\n"
	    "\n"
	    "  --hub URL   the hub's address (kept for the next syncs); else\n"
	    "              the one given at 'collector init --hub'\n"
	    "  --ca FILE   the certificate of the office's own authority, for\n"
	    "              an https hub whose certificate it signed (kept\n"
	    "              for the next syncs: leave the file where it is)\n"
	    "  --token -   a new token from the office (the old one was\n"
	    "              revoked, or the device has none): type or paste\n"
	    "              it on the next line; it is kept in the store for\n"
	    "              the next syncs and never shown\n"
	    "  --watch     if the hub cannot be reached, wait and try again\n"
	    "              (longer and longer, up to 5 minutes) until every\n"
	    "              survey is acknowledged\n"
	    "\n"
	    "Exit status: 0 everything acknowledged, 4 some surveys still\n"
	    "waiting (sent again next time), 3 the hub could not be reached\n"
	    "or refused this device.\n");
}

/* The hub said 401: trying again cannot help. */
static int
token_refused(struct sync *s, struct err *e)
{
	s->token_refused = 1;
	return err_set(e, ERR_INPUT, _("the hub at %s refused this device's "
	    "token: ask the office for a new one and give it with "
	    "'collector sync --token -'"), s->hub);
}

/* client_get, whose one refusal (ERR_INPUT) is the token's. */
static int
get(struct sync *s, const char *path, const char *etag, struct buf *body,
    char **new_etag, int *not_modified, struct err *e)
{
	struct err	ge;
	int		rc;

	err_init(&ge);
	rc = client_get(&s->cl, path, etag, body, new_etag, not_modified,
	    &ge);
	if (rc == ERR_INPUT)
		return token_refused(s, e);
	if (rc != 0)
		return err_set(e, rc, "%s", ge.msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The hub's answer to one batch                                       */

static const struct wire_item *
find_item(const struct wire_queue *q, size_t from, size_t n, const char *id)
{
	size_t	i;

	for (i = from; i < from + n; i++)
		if (strcmp(q->v[i].instance_id, id) == 0)
			return &q->v[i];
	return NULL;
}

/*
 * Mark what the answer names, in one transaction; then say what the
 * person must know (a conflict, a rejection), once it is committed.
 */
static int
apply(struct sync *s, const struct wire_queue *q, size_t from, size_t n,
    const struct results *res, struct err *e)
{
	const struct result	*r;
	const char		*reason;
	char			*done;
	size_t			 i;
	int			 rc, d;

	if ((done = calloc(res->n + 1, 1)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	if ((rc = store_begin(s->st, e)) != 0)
		goto out;
	for (i = 0; i < res->n; i++) {
		r = &res->v[i];
		/* An answer about a survey not in this batch is no answer. */
		if (find_item(q, from, n, r->instance_id) == NULL)
			continue;
		if (r->status == RESULT_REJECTED) {
			reason = r->reason != NULL && *r->reason != '\0' ?
			    r->reason : _("no reason given");
			rc = store_acknowledge(s->st, r->instance_id,
			    SUB_REJECTED, reason, &d, e);
		} else
			rc = store_acknowledge(s->st, r->instance_id,
			    SUB_SENT, NULL, &d, e);
		if (rc != 0)
			break;
		done[i] = (char)d;
	}
	if (rc != 0) {
		store_rollback(s->st);
		goto out;
	}
	if ((rc = store_commit(s->st, e)) != 0)
		goto out;
	for (i = 0; i < res->n; i++) {
		if (!done[i])
			continue;
		r = &res->v[i];
		s->progress = 1;
		switch (r->status) {
		case RESULT_STORED:
			s->stored++;
			break;
		case RESULT_DUPLICATE:
			s->duplicate++;
			break;
		case RESULT_CONFLICT:
			s->conflict++;
			fprintf(stderr, _("collector: warning: the hub already "
			    "has %s with other content: it keeps this copy "
			    "aside for the coordinator\n"), r->instance_id);
			break;
		case RESULT_REJECTED:
			s->rejected++;
			fprintf(stderr, _("collector: warning: the hub rejected "
			    "%s: %s\n"), r->instance_id, r->reason != NULL &&
			    *r->reason != '\0' ? r->reason :
			    _("no reason given"));
			break;
		}
	}
out:
	free(done);
	return rc;
}

static int	post(struct sync *, const struct wire_queue *, size_t, size_t,
		    struct buf *, struct err *);

/*
 * The hub refused q->v[from .. from + n) whole (400, 413: msg): its
 * halves are sent one after the other, down to the one survey it cannot
 * take, which is named and left pending.
 */
static int
refused(struct sync *s, const struct wire_queue *q, size_t from, size_t n,
    const char *msg, struct buf *gz, struct err *e)
{
	size_t	half;
	int	rc;

	if (n == 1) {
		s->refused++;
		fprintf(stderr, _("collector: warning: the hub refused %s: %s "
		    "(it stays waiting; tell the office)\n"),
		    q->v[from].instance_id, msg);
		return 0;
	}
	half = n / 2;
	if ((rc = wire_batch(q, from, half, s->device, gz, e)) != 0 ||
	    (rc = post(s, q, from, half, gz, e)) != 0 ||
	    (rc = wire_batch(q, from + half, n - half, s->device, gz,
	    e)) != 0)
		return rc;
	return post(s, q, from + half, n - half, gz, e);
}

/* Send q->v[from .. from + n), encoded in gz, and wait for the answer. */
static int
post(struct sync *s, const struct wire_queue *q, size_t from, size_t n,
    struct buf *gz, struct err *e)
{
	struct results	res;
	struct err	pe;
	long		status;
	int		rc;

	err_init(&pe);
	rc = client_post_batch(&s->cl, gz->p, gz->len, &res, &status, &pe);
	if (rc == 0)
		rc = apply(s, q, from, n, &res, e);
	results_release(&res);
	if (rc == 0 || pe.code == 0)
		return rc;
	if (status == 401)
		return token_refused(s, e);
	if (status != 400 && status != 413)
		return err_set(e, rc, "%s", pe.msg);
	return refused(s, q, from, n, pe.msg, gz, e);
}

/* A batch in flight: q->v[from .. from + n), encoded in gz. */
struct flight {
	size_t		from, n;
	struct buf	gz;
	int		busy;
	struct err	refused;	/* 400 or 413: split once alone */
};

/*
 * The end of one batch in flight: its answer applied, or the error kept
 * in e (the first one), or a whole refusal noted in the flight.
 */
static int
land(struct sync *s, const struct wire_queue *q, struct err *e)
{
	struct flight	*f;
	struct results	 res;
	struct err	 pe;
	void		*tag;
	long		 status;
	int		 rc;

	err_init(&pe);
	rc = client_post_end(&s->cl, &tag, &res, &status, &pe);
	if ((f = tag) == NULL) {	/* libcurl itself failed */
		results_release(&res);
		return err_set(e, rc, "%s", pe.msg);
	}
	f->busy = 0;
	if (rc == 0)
		rc = apply(s, q, f->from, f->n, &res, e);
	else if (status == 401)
		rc = token_refused(s, e);
	else if (status == 400 || status == 413) {
		f->refused = pe;
		rc = 0;
	} else
		rc = err_set(e, rc, "%s", pe.msg);
	results_release(&res);
	return rc;
}

static int
send_pending(struct sync *s, struct err *e)
{
	struct wire_queue	q;
	struct flight		f[CLIENT_INFLIGHT];
	size_t			i = 0, k, busy = 0;
	int			rc = 0, r, split = 0;

	memset(&q, 0, sizeof(q));
	memset(f, 0, sizeof(f));
	for (k = 0; k < CLIENT_INFLIGHT; k++)
		buf_init(&f[k].gz, BATCH_HTTP_MAX_BODY);
	if ((rc = wire_queue_load(s->st, WIRE_PENDING, &q, e)) != 0)
		goto out;
	for (;;) {
		/* Fill the free flights, unless something went wrong. */
		for (k = 0; k < CLIENT_INFLIGHT && rc == 0 && !split &&
		    i < q.n; k++) {
			if (f[k].busy)
				continue;
			f[k].from = i;
			if ((rc = wire_batch_fit(&q, i, s->target, s->device,
			    &s->ratio, &f[k].n, &f[k].gz, e)) != 0 ||
			    (rc = client_post_begin(&s->cl, f[k].gz.p,
			    f[k].gz.len, &f[k], e)) != 0)
				break;
			f[k].busy = 1;
			busy++;
			i += f[k].n;
		}
		if (busy == 0)
			break;
		/* Every answer that comes is applied, even after an error. */
		r = land(s, &q, e);
		busy--;
		if (rc == 0)
			rc = r;
		for (k = 0; k < CLIENT_INFLIGHT; k++)
			split |= f[k].refused.code != 0;
		if (!split || busy > 0)
			continue;
		/* Alone now: the halves of what was refused whole. */
		for (k = 0; k < CLIENT_INFLIGHT; k++) {
			if (f[k].refused.code != 0 && rc == 0)
				rc = refused(s, &q, f[k].from, f[k].n,
				    f[k].refused.msg, &f[k].gz, e);
			err_init(&f[k].refused);
		}
		split = 0;
	}
out:
	for (k = 0; k < CLIENT_INFLIGHT; k++)
		buf_release(&f[k].gz);
	wire_queue_release(&q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Forms                                                               */

/* The file name at the end of a URL's path ("anemia.csv"). */
static char *
url_file(const char *url)
{
	const char	*p, *end;
	char		*s;

	end = url + strcspn(url, "?#");
	for (p = end; p > url && p[-1] != '/'; p--)
		;
	if (p == end)
		return strdup("form");
	if ((s = malloc((size_t)(end - p) + 1)) != NULL) {
		memcpy(s, p, (size_t)(end - p));
		s[end - p] = '\0';
	}
	return s;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The listed attachment whose sha256 is sha, in the device's copy of
 * the same version (cur, may be NULL) or else in any form it holds; its
 * bytes into *out (caller frees), NULL when the device has none. */
static int
media_held(struct sync *s, const struct store_form *cur, const char *sha,
    char **out, size_t *len, struct err *e)
{
	size_t	i;

	for (i = 0; cur != NULL && i < cur->nmedia; i++)
		if (strcmp(cur->media[i].sha256, sha) == 0) {
			if ((*out = malloc(cur->media[i].len + 1)) == NULL)
				return err_set(e, ERR_NOMEM,
				    _("out of memory"));
			memcpy(*out, cur->media[i].content, cur->media[i].len);
			(*out)[cur->media[i].len] = '\0';
			*len = cur->media[i].len;
			return 0;
		}
	return store_get_media_sha256(s->st, sha, out, len, e);
}

/* Whether cur has every attachment of the list, by name and digest. */
static int
has_all_media(const struct store_form *cur, json_t *media)
{
	json_t	*m;
	size_t	 i, j;

	json_array_foreach(media, i, m) {
		for (j = 0; j < cur->nmedia; j++)
			if (strcmp(cur->media[j].name, jstr(m, "name")) == 0 &&
			    strcmp(cur->media[j].sha256,
			    jstr(m, "sha256")) == 0)
				break;
		if (j == cur->nmedia)
			return 0;
	}
	return 1;
}

/* GET url into body (reset, its ceiling kept) and check its sha256
 * against sha; what names what was fetched, for the message. */
static int
fetch_checked(struct sync *s, const char *url, const char *sha,
    struct buf *body, const char *what, struct err *e)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 hex[crypto_hash_sha256_BYTES * 2 + 1];
	char		*etag = NULL;
	int		 rc, nm;

	if ((rc = get(s, url, NULL, body, &etag, &nm, e)) != 0)
		return rc;
	free(etag);
	crypto_hash_sha256(h, (const unsigned char *)(body->p != NULL ?
	    body->p : ""), body->len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (nm || strcmp(hex, sha) != 0)
		return err_set(e, ERR_IO, _("%s from the hub does not match "
		    "its sha256: not installed"), what);
	return 0;
}

/* Whether the list's media entry m is well formed. */
static int
media_entry_ok(json_t *m)
{
	const char	*name = jstr(m, "name"), *sha = jstr(m, "sha256");

	return name != NULL && media_name_ok(name) && sha != NULL &&
	    strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64 &&
	    jstr(m, "url") != NULL;
}

/*
 * One listed form: fetched with its attachments, each checked against
 * its sha256, and installed in one transaction, unless the device has a
 * newer version, or this one with every attachment listed. An attachment
 * the device holds already (by digest, in any form) is not fetched
 * again: over 2G the growth tables cross once, not at every version.
 * Anything cut on the way installs nothing: the device keeps what it
 * had, and the next sync tries again.
 */
static int
pull_form(struct sync *s, json_t *f, struct err *e)
{
	struct store_form	 cur;
	struct bundled_file	*files = NULL;
	struct err		 ge;
	struct buf		 body, mb;
	enum store_put		 how;
	json_t			*media, *m;
	const char		*id, *version, *sha, *url;
	char			*name = NULL, *data, what[1024];
	size_t			 i, n = 0, len, fetched = 0;
	int			 rc, have = 0;

	memset(&cur, 0, sizeof(cur));
	buf_init(&body, FORM_MAX_BYTES);
	buf_init(&mb, MEDIA_MAX_BYTES);
	id = jstr(f, "form_id");
	version = jstr(f, "version");
	sha = jstr(f, "sha256");
	url = jstr(f, "url");
	media = json_object_get(f, "media");
	if (media == NULL)	/* a hub older than attachments */
		media = json_array();
	else
		json_incref(media);
	rc = id == NULL || version == NULL || sha == NULL || url == NULL ||
	    !json_is_array(media) || json_array_size(media) > SYNC_MAX_MEDIA;
	json_array_foreach(media, i, m)
		rc |= !media_entry_ok(m);
	if (rc) {
		rc = err_set(e, ERR_IO, _("%s: the hub's list of forms is "
		    "not as expected"), s->hub);
		goto out;
	}
	err_init(&ge);
	if ((rc = store_get_form(s->st, id, &cur, &ge)) == 0) {
		have = 1;
		if (store_version_cmp(version, cur.version) < 0)
			goto out;	/* the device's is newer */
		if (strcmp(cur.sha256, sha) == 0 && has_all_media(&cur,
		    media))
			goto out;	/* it has this one, whole */
	} else if (rc != ERR_INPUT) {	/* ERR_INPUT: not installed */
		rc = err_set(e, rc, "%s", ge.msg);
		goto out;
	}
	rc = 0;
	snprintf(what, sizeof(what), _("form '%s' version '%s'"), id,
	    version);
	if (have && strcmp(cur.sha256, sha) == 0)
		rc = buf_add(&body, cur.content, cur.len) == 0 ? 0 :
		    err_set(e, ERR_NOMEM, _("out of memory"));
	else
		rc = fetch_checked(s, url, sha, &body, what, e);
	if (rc != 0)
		goto out;
	if ((files = calloc(json_array_size(media) + 1,
	    sizeof(*files))) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	json_array_foreach(media, i, m) {
		if ((rc = media_held(s, have ? &cur : NULL, jstr(m, "sha256"),
		    &data, &len, e)) != 0)
			goto out;
		if (data == NULL) {
			snprintf(what, sizeof(what), _("attachment '%s' of "
			    "form '%s' version '%s'"), jstr(m, "name"), id,
			    version);
			if ((rc = fetch_checked(s, jstr(m, "url"),
			    jstr(m, "sha256"), &mb, what, e)) != 0)
				goto out;
			len = mb.len;
			data = buf_detach(&mb);
			buf_init(&mb, MEDIA_MAX_BYTES);
			if (data == NULL) {
				rc = err_set(e, ERR_NOMEM, _("out of memory"));
				goto out;
			}
			fetched++;
		}
		files[n].name = jstr(m, "name");
		files[n].data = (const unsigned char *)data;
		files[n++].len = len;
	}
	if ((name = url_file(url)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if ((rc = cmd_install_fetched(s->st, name, body.p, body.len, files,
	    &how, e)) != 0)
		goto out;
	if (how == STORE_PUT_ATTACHED)
		printf(_("installed the attachments of '%s' version '%s' "
		    "from the hub\n"), id, version);
	else
		printf(_("installed '%s' version '%s' from the hub\n"), id,
		    version);
	if (n > 0)
		printf(_("  %zu attachments, %zu of them fetched\n"), n,
		    fetched);
out:
	for (i = 0; i < n; i++)
		free((void *)files[i].data);
	free(files);
	free(name);
	json_decref(media);
	store_form_release(&cur);
	buf_release(&body);
	buf_release(&mb);
	return rc;
}

static int
pull_forms(struct sync *s, struct err *e)
{
	struct buf	 body;
	json_t		*list = NULL, *f;
	char		*etag = NULL, *new_etag = NULL;
	size_t		 i;
	int		 rc, nm, failed = 0;

	buf_init(&body, CLIENT_MAX_RESPONSE);
	if ((rc = store_get_setting(s->st, "forms_etag", &etag, e)) != 0)
		goto out;
	if ((rc = get(s, FORMS_PATH, etag, &body, &new_etag, &nm, e)) != 0)
		goto out;
	if (nm)
		goto out;
	list = json_loadb(body.p != NULL ? body.p : "", body.len, 0, NULL);
	if (!json_is_array(list)) {
		rc = err_set(e, ERR_IO, _("%s: the hub's list of forms is "
		    "not as expected"), s->hub);
		goto out;
	}
	for (i = 0; i < json_array_size(list); i++) {
		f = json_array_get(list, i);
		if ((rc = pull_form(s, f, e)) == 0)
			continue;
		/* A form that does not check is the office's to fix; the
		 * others still come. Anything else stops here. */
		if (rc != ERR_INPUT || s->token_refused)
			goto out;
		s->forms_refused = 1;
		failed = 1;
		fprintf(stderr, "collector: %s\n", e->msg);
		err_init(e);
		rc = 0;
	}
	/* The list's ETag only once every form of it is in. */
	if (!failed && new_etag != NULL)
		rc = store_set_setting(s->st, "forms_etag", new_etag, e);
out:
	json_decref(list);
	free(etag);
	free(new_etag);
	buf_release(&body);
	return rc;
}

/* ------------------------------------------------------------------ */

/* One pass: the ping, the pending surveys, the forms. */
static int
pass(struct sync *s, struct err *e)
{
	int	rc;

	s->progress = 0;
	if ((rc = client_ping(&s->cl, e)) != 0 ||
	    (rc = send_pending(s, e)) != 0)
		return rc;
	return pull_forms(s, e);
}

/* A number from the environment (tests' knobs), or dflt. */
static long
env_long(const char *name, long dflt)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return dflt;
	return n;
}

/* Exponential backoff with full jitter: uniform in [0, min(cap,
 * base * 2^attempt)) milliseconds. */
static long
backoff_ms(int attempt)
{
	long	cap, ceiling = BACKOFF_BASE_MS;

	cap = env_long("COLLECTOR_BACKOFF_MAX_MS", BACKOFF_CAP_MS);
	while (attempt-- > 0 && ceiling < cap)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	if (ceiling < 1)
		return 0;
	return (long)randombytes_uniform((uint32_t)ceiling);
}

static void
sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
valid_url(const char *u)
{
	return (strncmp(u, "http://", 7) == 0 && u[7] != '\0') ||
	    (strncmp(u, "https://", 8) == 0 && u[8] != '\0');
}

static void
wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

int
cmd_sync(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hub", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "watch", no_argument, NULL, 'w' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct sync	 s;
	struct err	 e, ce;
	const char	*hub_opt = NULL, *ca = NULL;
	char		*hub = NULL, *token = NULL, *ca_abs = NULL, now[40];
	char		*inv;
	char		 new_token[STORE_TOKEN_MAX + 2];
	int64_t		 counts[SUB_NSTATES];
	int		 ch, rc, crc, watch = 0, attempt = 0, acked;
	int		 has_token = 0, from_stdin = 0;
	long		 ms;

	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	new_token[0] = '\0';
	memset(&s, 0, sizeof(s));
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			hub_opt = optarg;
			break;
		case 'c':
			ca = optarg;
			break;
		case 'w':
			watch = 1;
			break;
		case 't':
			has_token = 1;
			from_stdin = strcmp(optarg, "-") == 0;
			if (!from_stdin) {
				snprintf(new_token, sizeof(new_token), "%s",
				    optarg);
				/* Out of the process list at once. */
				sodium_memzero(optarg, strlen(optarg));
			}
			break;
		case ':':
			rc = cmd_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
			goto out;
		default:
			rc = cmd_usage_error(_("unknown option '%s' for "
			    "'sync'"), argv[optind - 1]);
			goto out;
		}
	}
	rc = 0;
	if (optind < argc)
		rc = cmd_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	else if (hub_opt != NULL && !valid_url(hub_opt))
		rc = cmd_usage_error(_("hub '%s' is not an http:// or "
		    "https:// address"), hub_opt);
	else if (has_token)
		rc = cmd_token_get(from_stdin, new_token, sizeof(new_token));
	if (rc != 0)
		goto out;
	s.st = c->st;
	s.target = wire_batch_target();
	err_init(&e);
	if (ca != NULL && (access(ca, R_OK) != 0 ||
	    (ca_abs = realpath(ca, NULL)) == NULL)) {
		rc = err_set(&e, ERR_IO, _("cannot read '%s': %s"), ca,
		    strerror(errno));
		goto fail;
	}
	/* The office's certificate, like the hub's address, is given once
	 * and kept (by its absolute path) for the syncs that follow. */
	if (ca_abs != NULL && (rc = store_set_setting(s.st, "ca", ca_abs,
	    &e)) != 0)
		goto fail;
	if (ca_abs == NULL && (rc = store_get_setting(s.st, "ca", &ca_abs,
	    &e)) != 0)
		goto fail;
	if ((rc = store_get_setting(s.st, "hub", &hub, &e)) != 0 ||
	    (rc = store_get_setting(s.st, "device_id", &s.device, &e)) != 0 ||
	    (rc = store_get_setting(s.st, "token", &token, &e)) != 0)
		goto fail;
	if (has_token) {
		/* Kept, as init keeps it: the next syncs use it. */
		if ((rc = store_set_setting(s.st, "token", new_token,
		    &e)) != 0)
			goto fail;
		wipe(token);
		if ((token = strdup(new_token)) == NULL) {
			rc = err_set(&e, ERR_NOMEM, _("out of memory"));
			goto fail;
		}
	}
	if (hub_opt != NULL && (hub == NULL || strcmp(hub, hub_opt) != 0)) {
		/* Kept for the next syncs. */
		if ((rc = store_set_setting(s.st, "hub", hub_opt, &e)) != 0)
			goto fail;
		free(hub);
		if ((hub = strdup(hub_opt)) == NULL) {
			rc = err_set(&e, ERR_NOMEM, _("out of memory"));
			goto fail;
		}
	}
	if (hub == NULL) {
		rc = cmd_usage_error(_("no hub to sync with: give its address "
		    "with 'collector sync --hub URL' (it is then kept), or "
		    "at 'collector init --hub URL'"));
		goto out;
	}
	if (s.device == NULL) {
		inv = cmd_invocation(c);
		rc = err_set(&e, ERR_IO, _("%s: no device id: run '%s init "
		    "--device ID'"), s.st->db->path, inv != NULL ? inv :
		    "collector");
		free(inv);
		goto fail;
	}
	if (token == NULL) {
		rc = cmd_usage_error(_("this device has no token for the hub: "
		    "the office gives it, for 'collector sync --token -'"));
		goto out;
	}
	s.hub = hub;
	if ((rc = client_init(&s.cl, hub, token, ca_abs, &e)) != 0)
		goto fail;
	/* Tests: a stall is dead sooner than CLIENT_LOW_SPEED_SECS. */
	s.cl.low_speed_secs = env_long("COLLECTOR_STALL_SECS", 0);

	for (;;) {
		rc = pass(&s, &e);
		if (rc == 0 || rc != ERR_IO || !watch || s.token_refused)
			break;
		if (s.progress)
			attempt = 0;
		ms = backoff_ms(attempt++);
		fprintf(stderr, _("collector: %s: trying again in %ld s\n"),
		    e.msg, (ms + 999) / 1000);
		err_init(&e);
		sleep_ms(ms);
	}
	acked = s.stored + s.duplicate + s.conflict + s.rejected > 0;
	err_init(&ce);
	if ((crc = store_count_subs(s.st, counts, &ce)) != 0) {
		if (rc != 0)
			cmd_error(rc, &e);
		rc = cmd_error(crc, &ce);
		goto out;
	}
	if (rc == 0 && counts[SUB_FINALIZED] == 0) {
		datetime_format_local(clock_now(), now);
		if ((rc = store_set_setting(s.st, "last_sync", now, &e)) != 0)
			goto fail;
	}
	printf(_("sent %lld (stored %lld, duplicate %lld, conflict %lld), "
	    "rejected %lld, waiting %lld; %llu bytes up, %llu down\n"),
	    (long long)(s.stored + s.duplicate + s.conflict),
	    (long long)s.stored, (long long)s.duplicate,
	    (long long)s.conflict, (long long)s.rejected,
	    (long long)counts[SUB_FINALIZED],
	    (unsigned long long)s.cl.bytes_up,
	    (unsigned long long)s.cl.bytes_down);
	if (rc != 0) {
		cmd_error(rc, &e);
		/* The hub unreachable or a refusal of the device: 3; with
		 * answers applied before, a partial success. */
		rc = !s.token_refused && acked ? ERR_PARTIAL : ERR_IO;
	} else if (counts[SUB_FINALIZED] > 0)
		rc = ERR_PARTIAL;	/* a survey the hub refused whole */
	else if (s.forms_refused)
		rc = ERR_INPUT;
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	client_release(&s.cl);
	sodium_memzero(new_token, sizeof(new_token));
	wipe(token);
	free(hub);
	free(ca_abs);
	free(s.device);
	return rc;
}
