/*
 * faultproxy.c: a TCP proxy that turns the loopback into the link a
 * promoter has in the Andes, for the sync tests and benches (issue 7).
 *
 *   faultproxy --listen HOST:PORT --to HOST:PORT [--rate BITS_PER_S]
 *       [--rate-up B] [--rate-down B] [--link-rate BITS_PER_S]
 *       [--link-rate-up B] [--link-rate-down B] [--delay MS] [--cut-up N]
 *       [--cut-down N] [--cut-first K] [--cut-prob P] [--cut-span N]
 *       [--cut-span-down N] [--cut-mean N] [--cut-mean-down N]
 *       [--cut-how close|reset|stall] [--seed S] [--stats FILE]
 *       [--port-file FILE] [--max-conns N] [--buffer BYTES]
 *       [--max-seconds S] [-v]
 *
 * Up is client to server, down is server to client. Every figure is TCP
 * payload (HTTP headers included; TCP/IP headers are not on a socket).
 *
 * The link model, per direction of each connection (a device has one
 * link; the tests give each device its own connection):
 * - Bytes are read from the sender as soon as there is room in a bounded
 *   buffer (--buffer, the bytes "in the network"), then serialised at
 *   --rate and delivered --delay ms after their last bit left: a queue in
 *   front of a slow wire, then propagation. Delivery is in quanta of
 *   10 ms of the rate, like packets.
 * - --link-rate (and -up, -down) instead: one wire per direction shared
 *   by every connection, as a device's one radio link is. Bytes queue on
 *   it in the order they were read, whichever connection they are of, so
 *   two connections at once get the rate between them, not twice it.
 *   (--rate is each connection's own wire: the tests' several devices.)
 * - A new connection pays the TCP handshake: its first request byte
 *   leaves 2 x --delay after the accept, so it arrives at 3 x --delay.
 * - A cut closes both sides once the stream in one direction has
 *   delivered exactly N bytes (--cut-up N / --cut-down N, on the first K
 *   connections with --cut-first K; or, with --cut-prob P, each connection
 *   with probability P, in a random direction at an offset uniform in
 *   [0, --cut-span) up or [0, --cut-span-down) down (default: the same),
 *   reproducible with --seed; an offset past the end of its stream never
 *   comes, and that connection is not cut; or, with --cut-mean N, every
 *   connection, in both directions at memoryless offsets of mean N bytes
 *   up and --cut-mean-down down: a link that drops every so often, which
 *   a long kept-alive connection does not escape). How: close (FIN both
 *   ways), reset (RST both ways), or stall (the server side is closed,
 *   the client side goes silent until the client gives up: a dead radio).
 *
 * --stats FILE is rewritten (temporary file, then rename) whenever a
 * figure changed, as one JSON line: connections accepted, active, bytes_up,
 * bytes_down (delivered), cuts, upstream_failures. The proxy exits 0 on
 * SIGTERM or SIGINT, and by itself after --max-seconds (default 600), so
 * that a test that died never leaves it running. Memory: --buffer bytes
 * per direction per connection and --max-conns connections, nothing more.
 */
#define _GNU_SOURCE		/* POLLRDHUP */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_DEFAULT	(64 * 1024)
#define BUFFER_MIN	1024
#define BUFFER_MAX	(16 * 1024 * 1024)
/* Chunks waiting on the wire per direction: one per read(). */
#define MARKS_MAX	256
#define CONNS_DEFAULT	256
#define CONNS_MAX	4096
#define SPAN_DEFAULT	16384
/* A stalled client side is closed after this, whatever the client does. */
#define STALL_MAX_US	(300 * 1000000LL)
#define NEVER		INT64_MAX
#define NONE		UINT64_MAX

enum cut_how {
	CUT_CLOSE,
	CUT_RESET,
	CUT_STALL
};

struct mark {			/* bytes [start, end) of a stream */
	uint64_t	start, end;
	int64_t		t0, t1;	/* first and last bit on the wire, us */
};

struct dir {			/* one direction of a connection */
	unsigned char	*buf;	/* ring of opt.buffer bytes */
	uint64_t	 in;	/* stream offset read from the sender */
	uint64_t	 out;	/* stream offset delivered */
	struct mark	 marks[MARKS_MAX];
	size_t		 mhead, mn;
	int64_t		 link_free;	/* when the wire is idle again */
	int64_t		*shared;	/* the shared wire's link_free, or NULL */
	uint64_t	 rate;		/* bits/s, 0: no limit */
	uint64_t	 cut_at;	/* NONE: never */
	int		 eof;		/* the sender finished */
	int		 shut;		/* the EOF was passed on */
};

struct conn {
	struct conn	*next;
	uint64_t	 id;
	int		 cfd, sfd;	/* client, server; -1 once closed */
	int		 connecting;
	int		 stalled;
	int64_t		 stall_until;
	struct dir	 up, down;
};

static struct {
	const char	*listen, *to, *stats, *port_file;
	uint64_t	 rate_up, rate_down;
	uint64_t	 link_up, link_down;	/* shared wires, bits/s */
	int64_t		 delay;		/* us */
	uint64_t	 cut_up, cut_down, cut_first;
	double		 cut_prob;
	uint64_t	 cut_span, cut_span_down;
	uint64_t	 cut_mean, cut_mean_down;
	enum cut_how	 cut_how;
	uint64_t	 seed;
	size_t		 max_conns, buffer;
	int64_t		 max_us;
	int		 verbose;
} opt;

static struct {
	uint64_t	connections, active, bytes_up, bytes_down, cuts;
	uint64_t	upstream_failures;
	int		dirty;
} st;

static volatile sig_atomic_t	 stop;
static struct conn		*conns;
static struct sockaddr_storage	 to_addr;
static socklen_t		 to_len;
static uint64_t			 rng;
/* When each shared wire (--link-rate) is idle again, us. */
static int64_t			 link_free_up, link_free_down;

static void
onsignal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
logf_(const char *fmt, ...)
{
	va_list	ap;

	if (!opt.verbose)
		return;
	va_start(ap, fmt);
	fputs("faultproxy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* splitmix64: small, seedable, the same sequence everywhere. */
static uint64_t
rnd(void)
{
	uint64_t	z;

	z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/*
 * A geometric offset of mean about mean bytes: whole steps of STEP bytes,
 * each the last with probability STEP / mean, then a uniform part of the
 * last step. Memoryless at the step's grain, and no libm.
 */
#define GEO_STEP	256
static uint64_t
rnd_geometric(uint64_t mean)
{
	double		q;
	uint64_t	off = 0;

	if (mean <= GEO_STEP)
		return rnd() % (mean + 1);
	q = (double)GEO_STEP / (double)mean;
	while (rnd01() >= q)
		off += GEO_STEP;
	return off + rnd() % GEO_STEP;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "HOST:PORT" (HOST may be [v6]) to an address; port 0 allowed. */
static int
parse_addr(const char *spec, int passive, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon;
	size_t		 n;
	int		 rc;

	if ((colon = strrchr(spec, ':')) == NULL || colon[1] == '\0')
		return -1;
	n = (size_t)(colon - spec);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		spec++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "faultproxy: '%s': %s\n", spec,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Write text to path through path.tmp and rename: readers never see half. */
static void
write_atomic(const char *path, const char *text)
{
	char	tmp[4096];
	FILE	*f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return;
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr, "faultproxy: '%s': %s\n", tmp, strerror(errno));
		return;
	}
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		fprintf(stderr, "faultproxy: '%s': %s\n", path,
		    strerror(errno));
}

static void
write_stats(void)
{
	char	text[512];

	st.dirty = 0;
	if (opt.stats == NULL)
		return;
	snprintf(text, sizeof(text), "{\"connections\":%llu,\"active\":%llu,"
	    "\"bytes_up\":%llu,\"bytes_down\":%llu,\"cuts\":%llu,"
	    "\"upstream_failures\":%llu}\n",
	    (unsigned long long)st.connections, (unsigned long long)st.active,
	    (unsigned long long)st.bytes_up, (unsigned long long)st.bytes_down,
	    (unsigned long long)st.cuts,
	    (unsigned long long)st.upstream_failures);
	write_atomic(opt.stats, text);
}

/* ------------------------------------------------------------------ */
/* The wire of one direction                                          */

/* The stream offset delivered by time t: what the receiver may have. */
static uint64_t
released(const struct dir *d, int64_t t)
{
	const struct mark	*m;
	uint64_t		 rel = d->out;
	int64_t			 t0, t1;
	size_t			 i;

	for (i = 0; i < d->mn; i++) {
		m = &d->marks[(d->mhead + i) % MARKS_MAX];
		t0 = m->t0 + opt.delay;
		t1 = m->t1 + opt.delay;
		if (t >= t1) {
			rel = m->end;
			continue;
		}
		if (t >= t0)
			rel = m->start + (uint64_t)((t - t0) *
			    (int64_t)(m->end - m->start) / (t1 - t0));
		break;
	}
	if (rel < d->out)
		rel = d->out;
	return rel < d->cut_at ? rel : d->cut_at;
}

/* When the stream offset off is delivered (off > out). */
static int64_t
released_at(const struct dir *d, uint64_t off)
{
	const struct mark	*m;
	int64_t			 span;
	size_t			 i;

	for (i = 0; i < d->mn; i++) {
		m = &d->marks[(d->mhead + i) % MARKS_MAX];
		if (off > m->end)
			continue;
		span = m->t1 - m->t0;
		if (span == 0)
			return m->t1 + opt.delay;
		return m->t0 + opt.delay + ((int64_t)(off - m->start) * span +
		    (int64_t)(m->end - m->start) - 1) /
		    (int64_t)(m->end - m->start);
	}
	return NEVER;
}

/*
 * Bytes to deliver now (0: none yet) and, through *wake, when to look
 * again. Delivery waits for a quantum (10 ms of the rate) unless the
 * stream has nothing more behind it.
 */
static uint64_t
deliverable(const struct dir *d, int64_t t, int64_t *wake)
{
	uint64_t	rel, goal, q, lim;
	int64_t		w;

	lim = d->in < d->cut_at ? d->in : d->cut_at;
	if (d->out >= lim)
		return 0;
	q = d->rate ? d->rate / 8 / 100 : 1;
	if (q == 0)
		q = 1;
	if (q > 1460)
		q = 1460;
	goal = d->out + q < lim ? d->out + q : lim;
	rel = released(d, t);
	if (rel >= goal)
		return rel - d->out;
	w = released_at(d, goal);
	if (w < *wake)
		*wake = w;
	return 0;
}

/* rate: the connection's own wire; link: the shared one (wins if set). */
static int
dir_init(struct dir *d, uint64_t rate, uint64_t link, int64_t *link_free,
    int64_t t)
{
	memset(d, 0, sizeof(*d));
	if ((d->buf = malloc(opt.buffer)) == NULL)
		return -1;
	d->rate = link ? link : rate;
	d->shared = link ? link_free : NULL;
	d->link_free = t;
	d->cut_at = NONE;
	return 0;
}

static int
can_read(const struct dir *d)
{
	return !d->eof && d->in - d->out < opt.buffer && d->mn < MARKS_MAX &&
	    d->in < d->cut_at;
}

/* Bytes just read at time t: queue them on the wire. */
static void
dir_queued(struct dir *d, size_t n, int64_t t)
{
	struct mark	*m;
	int64_t		 t0, t1;

	t0 = d->link_free > t ? d->link_free : t;
	if (d->shared != NULL && *d->shared > t0)
		t0 = *d->shared;
	t1 = t0;
	if (d->rate)
		t1 = t0 + (int64_t)((uint64_t)n * 8 * 1000000 / d->rate);
	d->link_free = t1;
	if (d->shared != NULL)
		*d->shared = t1;
	m = &d->marks[(d->mhead + d->mn) % MARKS_MAX];
	m->start = d->in;
	m->end = d->in + n;
	m->t0 = t0;
	m->t1 = t1;
	d->mn++;
	d->in += n;
}

static void
dir_delivered(struct dir *d, size_t n)
{
	d->out += n;
	while (d->mn > 0 && d->marks[d->mhead].end <= d->out) {
		d->mhead = (d->mhead + 1) % MARKS_MAX;
		d->mn--;
	}
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */

static void
close_fd(int *fd, int reset)
{
	struct linger	l = { 1, 0 };

	if (*fd < 0)
		return;
	if (reset)
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(*fd);
	*fd = -1;
}

static void
conn_close(struct conn *c, int reset)
{
	close_fd(&c->cfd, reset);
	close_fd(&c->sfd, reset);
}

static int
conn_done(const struct conn *c)
{
	return c->cfd < 0 && c->sfd < 0;
}

static void
conn_cut(struct conn *c, const char *which, uint64_t at, int64_t t)
{
	st.cuts++;
	st.dirty = 1;
	logf_("conn %llu: cut %s at %llu", (unsigned long long)c->id, which,
	    (unsigned long long)at);
	switch (opt.cut_how) {
	case CUT_CLOSE:
		conn_close(c, 0);
		break;
	case CUT_RESET:
		conn_close(c, 1);
		break;
	case CUT_STALL:
		close_fd(&c->sfd, 0);
		c->stalled = 1;
		c->stall_until = t + STALL_MAX_US;
		break;
	}
}

static void
conn_free(struct conn *c)
{
	conn_close(c, 0);
	free(c->up.buf);
	free(c->down.buf);
	free(c);
}

static void
accept_one(int lfd, int64_t t)
{
	struct conn	*c;
	int		 cfd, sfd, one = 1;

	if ((cfd = accept(lfd, NULL, NULL)) < 0)
		return;
	st.connections++;
	st.dirty = 1;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    dir_init(&c->up, opt.rate_up, opt.link_up, &link_free_up,
	    t) != 0 ||
	    dir_init(&c->down, opt.rate_down, opt.link_down, &link_free_down,
	    t) != 0) {
		fprintf(stderr, "faultproxy: out of memory\n");
		if (c != NULL) {
			free(c->up.buf);
			free(c);
		}
		close(cfd);
		return;
	}
	c->id = st.connections;
	c->cfd = cfd;
	c->sfd = -1;
	/* The handshake: SYN and SYN-ACK cross before the first request. */
	c->up.link_free = t + 2 * opt.delay;
	if (c->id <= opt.cut_first) {
		if (opt.cut_up != NONE)
			c->up.cut_at = opt.cut_up;
		if (opt.cut_down != NONE)
			c->down.cut_at = opt.cut_down;
	}
	if (opt.cut_mean > 0) {
		c->up.cut_at = rnd_geometric(opt.cut_mean);
		c->down.cut_at = rnd_geometric(opt.cut_mean_down);
	}
	if (opt.cut_prob > 0 && rnd01() < opt.cut_prob) {
		if (rnd() & 1)
			c->down.cut_at = rnd() % opt.cut_span_down;
		else
			c->up.cut_at = rnd() % opt.cut_span;
	}
	nonblock(cfd);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((sfd = socket(to_addr.ss_family, SOCK_STREAM, 0)) < 0 ||
	    nonblock(sfd) != 0) {
		if (sfd >= 0)
			close(sfd);
		st.upstream_failures++;
		conn_free(c);
		return;
	}
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->sfd = sfd;
	if (connect(sfd, (struct sockaddr *)&to_addr, to_len) != 0) {
		if (errno != EINPROGRESS) {
			logf_("conn %llu: connect: %s",
			    (unsigned long long)c->id, strerror(errno));
			st.upstream_failures++;
			conn_free(c);
			return;
		}
		c->connecting = 1;
	}
	st.active++;
	c->next = conns;
	conns = c;
	logf_("conn %llu: open (cut up %lld, down %lld)",
	    (unsigned long long)c->id,
	    c->up.cut_at == NONE ? -1LL : (long long)c->up.cut_at,
	    c->down.cut_at == NONE ? -1LL : (long long)c->down.cut_at);
}

/* Read what the sender has into the wire. -1: the connection is over. */
static int
pump_in(struct dir *d, int fd, int64_t t)
{
	size_t	idx, room;
	ssize_t	n;

	if (!can_read(d))
		return 0;
	idx = d->in % opt.buffer;
	room = opt.buffer - (d->in - d->out);
	if (room > opt.buffer - idx)
		room = opt.buffer - idx;
	n = recv(fd, d->buf + idx, room, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		d->eof = 1;
		return 0;
	}
	dir_queued(d, (size_t)n, t);
	return 0;
}

/* Deliver what the wire has released. -1: the connection is over. */
static int
pump_out(struct dir *d, int fd, uint64_t *total, int64_t t, int64_t *wake)
{
	uint64_t	n;
	size_t		idx;
	ssize_t		w;

	if ((n = deliverable(d, t, wake)) == 0)
		return 0;
	idx = d->out % opt.buffer;
	if (n > opt.buffer - idx)
		n = opt.buffer - idx;
	w = send(fd, d->buf + idx, n, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	dir_delivered(d, (size_t)w);
	*total += (uint64_t)w;
	st.dirty = 1;
	return 0;
}

/* The sender's EOF reaches the receiver once everything before it did. */
static void
pass_eof(struct dir *d, int fd)
{
	if (d->eof && !d->shut && d->out == d->in && fd >= 0) {
		shutdown(fd, SHUT_WR);
		d->shut = 1;
	}
}

static void
conn_events(struct conn *c, short cev, short sev, int64_t t)
{
	int	err = 0;
	socklen_t len = sizeof(err);
	int64_t	ignore = NEVER;

	if (c->stalled) {
		/* Nothing moves; wait for the client to hang up. */
		char	sink[4096];

		ssize_t	n = 1;

		if (cev & POLLIN)
			n = recv(c->cfd, sink, sizeof(sink), 0);
		if ((cev & (POLLHUP | POLLERR | POLLRDHUP)) || n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EINTR) ||
		    t >= c->stall_until)
			conn_close(c, 0);
		return;
	}
	if (c->connecting && (sev & (POLLOUT | POLLERR | POLLHUP))) {
		if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			logf_("conn %llu: connect: %s",
			    (unsigned long long)c->id, strerror(err));
			st.upstream_failures++;
			st.dirty = 1;
			conn_close(c, 0);
			return;
		}
		c->connecting = 0;
	}
	if ((cev & (POLLIN | POLLHUP | POLLERR)) &&
	    pump_in(&c->up, c->cfd, t) != 0)
		goto gone;
	if (!c->connecting && (sev & (POLLIN | POLLHUP | POLLERR)) &&
	    pump_in(&c->down, c->sfd, t) != 0)
		goto gone;
	if (!c->connecting && (sev & POLLOUT) &&
	    pump_out(&c->up, c->sfd, &st.bytes_up, t, &ignore) != 0)
		goto gone;
	if ((cev & POLLOUT) &&
	    pump_out(&c->down, c->cfd, &st.bytes_down, t, &ignore) != 0)
		goto gone;
	return;
gone:
	logf_("conn %llu: %s", (unsigned long long)c->id, strerror(errno));
	conn_close(c, 0);
}

/* After the events: cuts due, EOFs to pass on, the end of a connection. */
static void
conn_settle(struct conn *c, int64_t t)
{
	if (c->stalled || conn_done(c))
		return;
	if (c->up.cut_at != NONE && c->up.out >= c->up.cut_at) {
		conn_cut(c, "up", c->up.cut_at, t);
		return;
	}
	if (c->down.cut_at != NONE && c->down.out >= c->down.cut_at) {
		conn_cut(c, "down", c->down.cut_at, t);
		return;
	}
	if (!c->connecting)
		pass_eof(&c->up, c->sfd);
	pass_eof(&c->down, c->cfd);
	if (c->up.shut && c->down.shut) {
		logf_("conn %llu: done, %llu up, %llu down",
		    (unsigned long long)c->id, (unsigned long long)c->up.out,
		    (unsigned long long)c->down.out);
		conn_close(c, 0);
	}
}

static short
client_events(struct conn *c, int64_t t, int64_t *wake)
{
	short	ev = 0;

	if (c->stalled)
		return POLLIN | POLLRDHUP;
	if (can_read(&c->up))
		ev |= POLLIN;
	if (deliverable(&c->down, t, wake) > 0)
		ev |= POLLOUT;
	return ev;
}

static short
server_events(struct conn *c, int64_t t, int64_t *wake)
{
	short	ev = 0;

	if (c->connecting)
		return POLLOUT;
	if (can_read(&c->down))
		ev |= POLLIN;
	if (deliverable(&c->up, t, wake) > 0)
		ev |= POLLOUT;
	return ev;
}

/* ------------------------------------------------------------------ */

static int
listen_on(const char *spec)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, one = 1;

	if (parse_addr(spec, 1, &ss, &len) != 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 128) != 0 || nonblock(fd) != 0) {
		fprintf(stderr, "faultproxy: '%s': %s\n", spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
local_port(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: faultproxy --listen HOST:PORT --to HOST:PORT\n"
	    "    [--rate BITS_PER_S] [--rate-up B] [--rate-down B]"
	    " [--delay MS]\n"
	    "    [--link-rate BITS_PER_S] [--link-rate-up B]"
	    " [--link-rate-down B]\n"
	    "    [--cut-up N] [--cut-down N] [--cut-first K]\n"
	    "    [--cut-prob P] [--cut-span N] [--cut-span-down N]\n"
	    "    [--cut-mean N] [--cut-mean-down N] [--seed S]\n"
	    "    [--cut-how close|reset|stall] [--stats FILE]"
	    " [--port-file FILE]\n"
	    "    [--max-conns N] [--buffer BYTES] [--max-seconds S] [-v]\n");
	return 2;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rate-up", required_argument, NULL, 'U' },
		{ "rate-down", required_argument, NULL, 'D' },
		{ "link-rate", required_argument, NULL, 'L' },
		{ "link-rate-up", required_argument, NULL, 'x' },
		{ "link-rate-down", required_argument, NULL, 'y' },
		{ "delay", required_argument, NULL, 'd' },
		{ "cut-up", required_argument, NULL, 'u' },
		{ "cut-down", required_argument, NULL, 'w' },
		{ "cut-first", required_argument, NULL, 'f' },
		{ "cut-prob", required_argument, NULL, 'p' },
		{ "cut-span", required_argument, NULL, 'n' },
		{ "cut-span-down", required_argument, NULL, 'N' },
		{ "cut-mean", required_argument, NULL, 'e' },
		{ "cut-mean-down", required_argument, NULL, 'E' },
		{ "cut-how", required_argument, NULL, 'h' },
		{ "seed", required_argument, NULL, 's' },
		{ "stats", required_argument, NULL, 'S' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t	v;
	char		*end;
	int		ch;

	opt.cut_up = opt.cut_down = opt.cut_first = NONE;
	opt.cut_span = SPAN_DEFAULT;
	opt.seed = 1;
	opt.max_conns = CONNS_DEFAULT;
	opt.buffer = BUFFER_DEFAULT;
	opt.max_us = 600 * 1000000LL;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		v = 0;
		switch (ch) {
		case 'l':
			opt.listen = optarg;
			continue;
		case 't':
			opt.to = optarg;
			continue;
		case 'S':
			opt.stats = optarg;
			continue;
		case 'P':
			opt.port_file = optarg;
			continue;
		case 'v':
			opt.verbose = 1;
			continue;
		case 'h':
			if (strcmp(optarg, "close") == 0)
				opt.cut_how = CUT_CLOSE;
			else if (strcmp(optarg, "reset") == 0)
				opt.cut_how = CUT_RESET;
			else if (strcmp(optarg, "stall") == 0)
				opt.cut_how = CUT_STALL;
			else
				return usage();
			continue;
		case 'p':
			errno = 0;
			opt.cut_prob = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(opt.cut_prob >= 0 && opt.cut_prob <= 1)) {
				fprintf(stderr, "faultproxy: --cut-prob: "
				    "'%s' is not in [0, 1]\n", optarg);
				return 2;
			}
			continue;
		case '?':
			return usage();
		default:
			break;
		}
		if (parse_u64(optarg, UINT64_MAX / 8000000, &v) != 0) {
			fprintf(stderr, "faultproxy: '%s' is not a number\n",
			    optarg);
			return 2;
		}
		switch (ch) {
		case 'r':
			opt.rate_up = opt.rate_down = v;
			break;
		case 'U':
			opt.rate_up = v;
			break;
		case 'D':
			opt.rate_down = v;
			break;
		case 'L':
			opt.link_up = opt.link_down = v;
			break;
		case 'x':
			opt.link_up = v;
			break;
		case 'y':
			opt.link_down = v;
			break;
		case 'd':
			opt.delay = (int64_t)v * 1000;
			break;
		case 'u':
			opt.cut_up = v;
			break;
		case 'w':
			opt.cut_down = v;
			break;
		case 'f':
			opt.cut_first = v;
			break;
		case 'n':
			if (v == 0)
				return usage();
			opt.cut_span = v;
			break;
		case 'N':
			if (v == 0)
				return usage();
			opt.cut_span_down = v;
			break;
		case 'e':
			opt.cut_mean = v;
			break;
		case 'E':
			opt.cut_mean_down = v;
			break;
		case 's':
			opt.seed = v;
			break;
		case 'c':
			if (v == 0 || v > CONNS_MAX)
				return usage();
			opt.max_conns = (size_t)v;
			break;
		case 'b':
			if (v < BUFFER_MIN || v > BUFFER_MAX)
				return usage();
			opt.buffer = (size_t)v;
			break;
		case 'm':
			opt.max_us = (int64_t)v * 1000000;
			break;
		}
	}
	if (optind != argc || opt.listen == NULL || opt.to == NULL)
		return usage();
	if (opt.cut_span_down == 0)
		opt.cut_span_down = opt.cut_span;
	if (opt.cut_mean_down == 0)
		opt.cut_mean_down = opt.cut_mean;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction	 sa;
	struct pollfd		*pfd;
	struct conn		*c, **pp;
	size_t			 npfd, i;
	int64_t			 t, start, wake;
	int			 lfd, port, rc, timeout;
	char			 text[32];

	if ((rc = parse_args(argc, argv)) != 0)
		return rc;
	rng = opt.seed;
	if (parse_addr(opt.to, 0, &to_addr, &to_len) != 0) {
		fprintf(stderr, "faultproxy: --to '%s': not HOST:PORT\n",
		    opt.to);
		return 2;
	}
	if ((lfd = listen_on(opt.listen)) < 0)
		return 3;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((pfd = calloc(1 + 2 * opt.max_conns, sizeof(*pfd))) == NULL)
		return 3;
	port = local_port(lfd);
	snprintf(text, sizeof(text), "%d\n", port);
	if (opt.port_file != NULL)
		write_atomic(opt.port_file, text);
	fputs(text, stdout);
	fflush(stdout);
	write_stats();
	start = now_us();
	while (!stop) {
		t = now_us();
		if (t - start >= opt.max_us) {
			fprintf(stderr, "faultproxy: exiting after %lld s\n",
			    (long long)(opt.max_us / 1000000));
			break;
		}
		wake = start + opt.max_us;
		if (t + 1000000 < wake)
			wake = t + 1000000;
		npfd = 0;
		pfd[npfd].fd = lfd;
		pfd[npfd++].events = st.active < opt.max_conns ? POLLIN : 0;
		/*
		 * A socket is polled only for what is wanted of it: a hung-up
		 * one would otherwise wake the loop at once, again and again.
		 */
		for (c = conns; c != NULL; c = c->next) {
			pfd[npfd].events = client_events(c, t, &wake);
			pfd[npfd].fd = pfd[npfd].events ? c->cfd : -1;
			npfd++;
			pfd[npfd].events = c->stalled ? 0 :
			    server_events(c, t, &wake);
			pfd[npfd].fd = pfd[npfd].events ? c->sfd : -1;
			npfd++;
			if (c->stalled && c->stall_until < wake)
				wake = c->stall_until;
		}
		timeout = wake <= t ? 0 : (int)((wake - t + 999) / 1000);
		if (poll(pfd, npfd, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "faultproxy: poll: %s\n",
			    strerror(errno));
			break;
		}
		t = now_us();
		i = 1;
		for (c = conns; c != NULL; c = c->next, i += 2) {
			conn_events(c, pfd[i].revents, pfd[i + 1].revents, t);
			/* Writes that came due while polling. */
			if (!conn_done(c) && !c->stalled)
				conn_events(c, POLLOUT, c->connecting ? 0 :
				    POLLOUT, t);
			conn_settle(c, t);
		}
		for (pp = &conns; (c = *pp) != NULL;) {
			if (conn_done(c)) {
				*pp = c->next;
				conn_free(c);
				st.active--;
				st.dirty = 1;
			} else
				pp = &c->next;
		}
		if (pfd[0].revents & POLLIN) {
			while (st.active < opt.max_conns && !stop) {
				uint64_t before = st.connections;

				accept_one(lfd, t);
				if (st.connections == before)
					break;
			}
		}
		if (st.dirty)
			write_stats();
	}
	while ((c = conns) != NULL) {
		conns = c->next;
		conn_free(c);
	}
	st.active = 0;
	write_stats();
	close(lfd);
	free(pfd);
	return 0;
}
