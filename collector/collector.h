/*
 * collector.h: the promoter's program, in four layers, each with its own
 * header and usable without the ones above it:
 *
 *   store.h   the local SQLite file: settings, installed forms,
 *             submissions and their answers (store.c)
 *   fill.h    a forms session joined to the store: load, start, resume,
 *             save after each answer, finalize (fill.c)
 *   prompt.h  the terminal survey over a fill (prompt.c)
 *   cmd.h     one file per subcommand and what they share (cmd_*.c,
 *             cmdutil.c); main.c's table runs them
 *
 * The program's own files include the headers they use; this one is for
 * code outside collector/ that wants the whole program's interface (the
 * benchmarks).
 */
#ifndef COLLECTOR_H
#define COLLECTOR_H

#include "store.h"
#include "fill.h"
#include "prompt.h"
#include "cmd.h"

#endif
