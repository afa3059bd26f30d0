/*
 * replay.c: runs a libFuzzer target's corpus without libFuzzer, so that
 * `make check` replays every saved input under the sanitizers with any
 * compiler. Arguments are files or directories (walked recursively).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/common.h"

#define REPLAY_MAX_BYTES	(64u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path, size_t *n)
{
	struct stat	 st;
	struct dirent	*d;
	struct err	 e;
	DIR		*dp;
	char		 sub[4096], *data;
	size_t		 len;
	int		 rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: cannot stat '%s'\n", path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((dp = opendir(path)) == NULL) {
			fprintf(stderr, "replay: cannot open '%s'\n", path);
			return 1;
		}
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
			    d->d_name) >= sizeof(sub))
				continue;
			rc |= replay(sub, n);
		}
		closedir(dp);
		return rc;
	}
	err_init(&e);
	if (file_read(path, REPLAY_MAX_BYTES, &data, &len, &e) != 0) {
		fprintf(stderr, "replay: %s\n", e.msg);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	(*n)++;
	return 0;
}

int
main(int argc, char **argv)
{
	size_t	n = 0;
	int	i, rc = 0;

	for (i = 1; i < argc; i++)
		rc |= replay(argv[i], &n);
	printf("replayed %zu inputs\n", n);
	return rc;
}
