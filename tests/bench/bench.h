/*
 * bench.h: what the benchmark programs share: a monotonic clock, and a
 * valid answer for each kind of question genform writes.
 */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

#include "../../forms/forms.h"

static inline double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline const char *
bench_answer(const struct field *f)
{
	switch (f->kind) {
	case FK_INTEGER:
		return "7";
	case FK_DECIMAL:
		return "11.5";
	case FK_SELECT_ONE:
		return "1";
	case FK_SELECT_MULTIPLE:
		return "1 3";
	case FK_DATE:
		return "2020-02-29";
	case FK_ACKNOWLEDGE:
		return "OK";
	default:
		return "texto";
	}
}

#endif
