/*
 * wire.h: the store's submissions on sync's wire (wire.c). The envelope of
 * a submission (show --json, a batch's lines) and the queue of what the
 * hub has not acknowledged, cut into batches sized in compressed bytes
 * (export, sync, status). The store and sync/ stay apart: this joins
 * them, as fill.h joins the store to the form engine.
 */
#ifndef COLLECTOR_WIRE_H
#define COLLECTOR_WIRE_H

#include <stddef.h>

#include "../common/common.h"
#include "../sync/sync.h"
#include "store.h"

/*
 * A batch's target size, compressed. COLLECTOR_BATCH_BYTES overrides it
 * (tests); wire.c says why this size.
 */
#define WIRE_BATCH_BYTES	(16u << 10)
#define WIRE_BATCH_MIN		256	/* an override below is raised */
/* zlib's level for batches: the lines are tiny, the best costs nothing */
#define WIRE_GZIP_LEVEL		9

/*
 * The Submission object of CONTRACT.md: sub's identity and times around
 * data (the data object's JSON text as the session wrote it, spliced in),
 * with "state" when with_state. sync's envelope_encode: one codec for
 * show --json, the batches and the files. Caller frees; NULL when out of
 * memory.
 */
char	*wire_envelope(const struct store_sub *sub, const char *data,
	    int with_state);

/* What a queue holds: the submissions the hub has not acknowledged
 * (finalized), or every finalized one, sent and rejected ones too. */
enum wire_which { WIRE_PENDING, WIRE_ALL };

struct wire_item {
	char	*instance_id;
	char	*line;		/* the envelope, without "state" */
	size_t	 len;
};

struct wire_queue {
	struct wire_item	*v;		/* oldest first */
	size_t			 n, cap;
	size_t			 bytes;		/* lines and their newlines */
};

/* Load the queue from the store (reset first). */
int	wire_queue_load(struct store *st, enum wire_which which,
	    struct wire_queue *q, struct err *e);
void	wire_queue_release(struct wire_queue *q);

/*
 * One batch of q->v[from .. from + n): a new batch id, device_id, created
 * now, gzip into gz (reset first).
 */
int	wire_batch(const struct wire_queue *q, size_t from, size_t n,
	    const char *device_id, struct buf *gz, struct err *e);
/*
 * The next batch from `from': as many submissions as fit in target
 * compressed bytes (at least one, whatever its size), encoded into gz,
 * their number in *n. *ratio (raw / compressed, 0: unknown) is the guess
 * to start from and learns from each batch.
 */
int	wire_batch_fit(const struct wire_queue *q, size_t from, size_t target,
	    const char *device_id, double *ratio, size_t *n, struct buf *gz,
	    struct err *e);
/* The target: COLLECTOR_BATCH_BYTES when set to a number, else
 * WIRE_BATCH_BYTES. */
size_t	wire_batch_target(void);

#endif
