/*
 * file.c: whole-file reads with a ceiling, and atomic writes (temp file,
 * fsync, rename, fsync of the directory) so that a crash leaves either the
 * old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int
file_read(const char *path, size_t max, char **out, size_t *len,
    struct err *e)
{
	struct buf	b;
	char		chunk[65536];
	ssize_t		n;
	int		fd, rc = 0;

	*out = NULL;
	*len = 0;
	buf_init(&b, max);
	if ((fd = open(path, O_RDONLY)) < 0)
		return err_set(e, ERR_IO, _("cannot open '%s': %s"), path,
		    strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(e, ERR_IO, _("cannot read '%s': %s"), path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = buf_add(&b, chunk, (size_t)n)) != 0) {
			rc = err_set(e, rc, rc == ERR_NOMEM ? "'%s': out of "
			    "memory" : "'%s': file larger than %zu bytes",
			    path, max);
			goto out;
		}
	}
	*len = b.len;
	*out = buf_detach(&b);
out:
	close(fd);
	buf_release(&b);
	return rc;
}

int
file_read_in(int dirfd, const char *dir, const char *name, size_t max,
    char **out, size_t *len, int *missing, struct err *e)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 got = 0;
	char		*p = NULL;
	int		 fd, rc = 0;

	*out = NULL;
	*len = 0;
	*missing = 0;
	if (dirfd < 0 || (fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK)) < 0) {
		if (dirfd < 0 || errno == ENOENT) {
			*missing = 1;
			return 0;
		}
		return err_set(e, ERR_INPUT, _("attachment '%s' in '%s': %s"),
		    name, dir, errno == ELOOP ? _("a symbolic link, not a "
		    "file") : strerror(errno));
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = err_set(e, ERR_INPUT, _("attachment '%s' in '%s': not a "
		    "regular file"), name, dir);
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		rc = err_set(e, ERR_INPUT, _("attachment '%s': larger than "
		    "%u MB"), name, (unsigned)(max >> 20));
		goto out;
	}
	if ((p = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	/* The size read, not the size stat() said: the file may change. */
	while (got <= (size_t)sb.st_size) {
		n = read(fd, p + got, (size_t)sb.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(e, ERR_IO, _("cannot read '%s/%s': %s"),
			    dir, name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > (size_t)sb.st_size) {
		rc = err_set(e, ERR_INPUT, _("attachment '%s' grew while "
		    "being read"), name);
		goto out;
	}
	p[got] = '\0';
	*out = p;
	*len = got;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

int
file_write_atomic(const char *path, const void *p, size_t n, int mode,
    struct err *e)
{
	char		 tmp[4096], dir[4096];
	const char	*c = p;
	size_t		 done = 0;
	ssize_t		 w;
	int		 fd, dfd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return err_set(e, ERR_IO, _("'%s': path too long"), path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0)
		return err_set(e, ERR_IO, _("cannot create '%s': %s"), tmp,
		    strerror(errno));
	while (done < n) {
		w = write(fd, c + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = err_set(e, ERR_IO, _("cannot write '%s': %s"), tmp,
			    strerror(errno));
			break;
		}
		done += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = err_set(e, ERR_IO, _("cannot sync '%s': %s"), tmp,
		    strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, _("cannot close '%s': %s"), tmp,
		    strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = err_set(e, ERR_IO, _("cannot rename '%s': %s"), tmp,
		    strerror(errno));
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
