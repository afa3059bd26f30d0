/*
 * wire.c: the store's submissions as sync's envelopes and batches.
 *
 * Batches are sized in compressed bytes, not in submissions: what has to
 * get through a 2G link between two drops is bytes, and a form with
 * repeats makes a submission ten times another's size.
 *
 * The target, WIRE_BATCH_BYTES = 16 KB compressed, from 900 anaemia
 * submissions filled with varied answers (7 districts, 8 communities,
 * random household ids, dates, altitudes and haemoglobins; 18 data
 * fields and the envelope's 8, 678 bytes a line), gzip -9, the largest
 * batch under each size:
 *
 *	compressed   submissions   raw        ratio   bytes a submission
 *	  4 KB            56        38,023     9.3x        73
 *	  8 KB           125        84,697    10.4x        65
 *	 16 KB           266       180,098    11.0x        61
 *	 32 KB           547       370,457    11.3x        60
 *	 52 KB (all)     900       610,565    11.5x        59
 *
 * (one alone: 854 bytes raw, 490 gzipped). The ratio climbs while gzip's
 * 32 KB window fills with the same keys and nearby values, and flattens
 * after: 16 KB is within 4% of the best. On 2G's 20-50 kbit/s it is
 * 3-7 s on the wire: short enough to get through between two drops, and
 * a batch lost to a cut costs those seconds again, not minutes. Half of
 * it (8 KB) would cost 6% more bytes; 4 KB, 20% more. gzip -9 rather
 * than the default -6: 9% fewer bytes (58,405 against 53,341 for all
 * 900), for CPU time a phone does not notice on batches this small.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

char *
wire_envelope(const struct store_sub *sub, const char *data, int with_state)
{
	struct envelope	env;

	memset(&env, 0, sizeof(env));
	env.instance_id = sub->instance_id;
	env.deprecated_id = sub->deprecated_id;
	env.form_id = sub->form_id;
	env.form_version = sub->form_version;
	env.device_id = sub->device_id;
	env.promoter = sub->promoter;
	env.started_at = sub->started_at;
	env.finalized_at = sub->finalized_at;
	env.state = with_state ? sub_state_name(sub->state) : NULL;
	env.data = data;
	return envelope_encode(&env);
}

struct load {
	struct wire_queue	*q;
	enum wire_which		 which;
};

static int
load_one(const struct store_sub *s, void *arg)
{
	struct load		*l = arg;
	struct wire_queue	*q = l->q;
	struct wire_item	*v, *it;

	if (s->state == SUB_DRAFT || s->data == NULL)
		return 0;
	if (q->n == q->cap) {
		q->cap = q->cap != 0 ? q->cap * 2 : 64;
		if ((v = realloc(q->v, q->cap * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		q->v = v;
	}
	it = &q->v[q->n];
	if ((it->line = wire_envelope(s, s->data, 0)) == NULL)
		return ERR_NOMEM;
	if ((it->instance_id = strdup(s->instance_id)) == NULL) {
		free(it->line);
		return ERR_NOMEM;
	}
	it->len = strlen(it->line);
	q->bytes += it->len + 1;
	q->n++;
	return 0;
}

int
wire_queue_load(struct store *st, enum wire_which which,
    struct wire_queue *q, struct err *e)
{
	struct load	l;
	int		rc;

	wire_queue_release(q);
	l.q = q;
	l.which = which;
	rc = store_each_sub(st, which == WIRE_PENDING ? SUB_FINALIZED : -1,
	    NULL, load_one, &l, e);
	if (rc == ERR_NOMEM)
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
	if (rc != 0)
		wire_queue_release(q);
	return rc;
}

void
wire_queue_release(struct wire_queue *q)
{
	size_t	i;

	for (i = 0; i < q->n; i++) {
		free(q->v[i].instance_id);
		free(q->v[i].line);
	}
	free(q->v);
	memset(q, 0, sizeof(*q));
}

int
wire_batch(const struct wire_queue *q, size_t from, size_t n,
    const char *device_id, struct buf *gz, struct err *e)
{
	struct batch_header	  h;
	const char		**lines;
	size_t			 *lens, i;
	int			  rc;

	memset(&h, 0, sizeof(h));
	uuid_v4(h.batch_id);
	if (h.batch_id[0] == '\0')
		return err_set(e, ERR_IO, _("cannot make a batch id: no "
		    "source of random numbers"));
	h.device_id = (char *)device_id;
	datetime_format_local(clock_now(), h.created_at);
	h.count = (int64_t)n;
	lines = calloc(n + 1, sizeof(*lines));
	lens = calloc(n + 1, sizeof(*lens));
	if (lines == NULL || lens == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		lines[i] = q->v[from + i].line;
		lens[i] = q->v[from + i].len;
	}
	rc = batch_encode(&h, lines, lens, n, WIRE_GZIP_LEVEL, gz, e);
out:
	free(lines);
	free(lens);
	return rc;
}

/* How many lines from `from' (at least one) hold at most raw bytes. */
static size_t
lines_within(const struct wire_queue *q, size_t from, double raw)
{
	size_t	n = 0;
	double	sum = 0;

	while (from + n < q->n) {
		sum += (double)q->v[from + n].len + 1;
		if (n > 0 && sum > raw)
			break;
		n++;
	}
	return n;
}

static double
raw_bytes(const struct wire_queue *q, size_t from, size_t n)
{
	double	sum = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		sum += (double)q->v[from + i].len + 1;
	return sum;
}

int
wire_batch_fit(const struct wire_queue *q, size_t from, size_t target,
    const char *device_id, double *ratio, size_t *n, struct buf *gz,
    struct err *e)
{
	size_t	avail, lo = 0, hi, k, guess;
	int	rc, tries;

	*n = 0;
	assert(from < q->n);
	avail = q->n - from;
	hi = avail + 1;		/* the smallest count known too big */
	k = lines_within(q, from, (double)target * (*ratio > 1 ? *ratio : 3));
	/*
	 * Known fits below lo, known misses from hi; each try guesses from
	 * the last one's ratio. Two or three encodes of a few tens of KB.
	 */
	for (tries = 0; tries < 8; tries++) {
		if ((rc = wire_batch(q, from, k, device_id, gz, e)) != 0)
			return rc;
		if (gz->len <= target || k == 1)
			lo = k;
		else
			hi = k;
		if (k == 1 && gz->len > target)
			hi = 2;		/* one alone is already too big */
		if (lo == avail || hi - lo <= 1)
			break;
		guess = lines_within(q, from, raw_bytes(q, from, k) *
		    (double)target / (double)gz->len);
		if (guess <= lo)
			guess = lo + 1;
		if (guess >= hi)
			guess = hi - 1;
		if (guess == k)
			break;
		k = guess;
	}
	if (lo == 0)
		lo = 1;
	if (k != lo && (rc = wire_batch(q, from, lo, device_id, gz, e)) != 0)
		return rc;
	*ratio = raw_bytes(q, from, lo) / (double)(gz->len > 0 ? gz->len : 1);
	*n = lo;
	return 0;
}

size_t
wire_batch_target(void)
{
	const char	*v = getenv("COLLECTOR_BATCH_BYTES");
	char		*end;
	unsigned long	 n;

	if (v == NULL || *v == '\0')
		return WIRE_BATCH_BYTES;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n == 0)
		return WIRE_BATCH_BYTES;
	return n < WIRE_BATCH_MIN ? WIRE_BATCH_MIN : (size_t)n;
}
