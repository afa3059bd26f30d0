/*
 * opts.c: the options every command of both programs takes, --help and
 * --version, found anywhere before "--", and getopt_long made ready for
 * the command's own options.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

int
opts_help_asked(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--version") == 0)
			return 1;
	}
	return 0;
}

int
opts_std(int argc, char **argv, const char *usage, const char *prog)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", prog, VERSION);
			return 1;
		}
	}
	/* getopt_long keeps state across calls; each command starts anew. */
	optind = 0;
	opterr = 0;
	return 0;
}
