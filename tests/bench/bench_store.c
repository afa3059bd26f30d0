/*
 * bench_store.c: what one accepted answer costs a promoter's device. The
 * real path: session_answer (type, constraint, recompute) then fill_save
 * (one committed SQLite transaction, synchronous=FULL, so an fsync), on the
 * big bench form installed in HOME. The baseline, timed in the same run in
 * the same directory: a 64-byte write followed by fdatasync, the least any
 * durable store could do.
 *
 *   bench_store HOME FORM_ID N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../collector/collector.h"
#include "bench.h"

int
main(int argc, char **argv)
{
	struct store	*st;
	struct fill	 fl;
	struct step	 step;
	struct err	 e;
	char		 path[4096], block[64];
	double		 t0, t_answer, t_sync;
	int		 n, i, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_store HOME FORM_ID N\n");
		return 2;
	}
	n = (int)strtol(argv[3], NULL, 10);
	err_init(&e);
	memset(&fl, 0, sizeof(fl));
	if (store_open(argv[1], &st, &e) != 0 ||
	    fill_load_form(&fl, st, argv[2], &e) != 0 ||
	    fill_start(&fl, NULL, NULL, &e) != 0) {
		fprintf(stderr, "bench_store: %s\n", e.msg);
		return 3;
	}

	/* baseline: the cheapest durable write in the same directory */
	snprintf(path, sizeof(path), "%s/bench-fsync", argv[1]);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return 3;
	memset(block, 'x', sizeof(block));
	t0 = bench_now();
	for (i = 0; i < n; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) ||
		    fdatasync(fd) != 0)
			return 3;
	t_sync = (bench_now() - t0) / n;
	close(fd);
	unlink(path);

	/* the real path, question after question */
	if (session_first(fl.s, &step) != 0)
		return 3;
	t0 = bench_now();
	for (i = 0; i < n && step.kind != STEP_END;
	    session_next(fl.s, &step)) {
		if (step.kind != STEP_QUESTION)
			continue;
		if (session_answer(fl.s, step.node, bench_answer(step.field),
		    &e) != 0 || fill_save(&fl, &e) != 0) {
			fprintf(stderr, "bench_store: %s\n", e.msg);
			return 3;
		}
		i++;
	}
	t_answer = (bench_now() - t0) / i;
	printf("answers %d answer_s %.6f fsync_s %.6f\n", i, t_answer,
	    t_sync);
	fill_release(&fl);
	store_close(st);
	return 0;
}
