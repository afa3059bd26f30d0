/*
 * fuzz_batch.c: a batch as the hub receives it, an upload's body or a
 * file carried by hand. The input is read as gzip by the streaming
 * reader with a small inflation ceiling, and every line it yields is
 * decoded as an envelope and digested, as the hub's merge does. Nothing
 * may crash, leak, or hold more than a line in memory, whatever the
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../sync/sync.h"

#define FUZZ_MAX_INFLATED	(1u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * What decodes encodes again (the data's text from the tree), decodes
 * again, and has the same digest both ways.
 */
static void
round_trip(const struct envelope *env)
{
	struct envelope	 copy = *env, back;
	struct err	 e;
	char		 d1[65], d2[65], *text, *line;

	err_init(&e);
	if (envelope_digest(env, d1, &e) != 0)
		abort();
	if ((text = json_dumps(env->data_value, JSON_COMPACT)) == NULL)
		return;
	copy.root = NULL;
	copy.data_value = NULL;
	copy.data = text;
	if ((line = envelope_encode(&copy)) != NULL) {
		if (envelope_decode(line, strlen(line), &back, &e) != 0)
			abort();
		if (envelope_digest(&back, d2, &e) != 0 ||
		    strcmp(d1, d2) != 0)
			abort();
		envelope_release(&back);
		free(line);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_reader	*r;
	struct batch_header	 h;
	struct envelope		 env;
	struct err		 e;
	const char		*line;
	size_t			 len, lineno;

	err_init(&e);
	if (batch_reader_mem(data, size, FUZZ_MAX_INFLATED, &r, &e) != 0)
		return 0;
	if (batch_read_header(r, &h, &e) == 0) {
		if (h.device_id == NULL || strlen(h.batch_id) != UUID_STR_LEN)
			abort();
		batch_header_release(&h);
	}
	while (batch_next(r, &line, &len, &lineno, &e) == 0 && line != NULL) {
		if (len == 0 || len > BATCH_LINE_MAX || lineno < 2)
			abort();
		err_init(&e);
		if (envelope_decode(line, len, &env, &e) != 0)
			continue;
		round_trip(&env);
		envelope_release(&env);
	}
	if (batch_inflated(r) > FUZZ_MAX_INFLATED + 1)
		abort();
	batch_reader_free(r);
	return 0;
}
