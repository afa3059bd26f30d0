/*
 * attach.c: a form's attachments on disk and in the store. ODK Collect
 * keeps them in a folder beside the form file, named after it
 * ("visita.xlsx" -> "visita-media/"); `forms add|check|eval` read them
 * from there or from --media DIR, `forms add` stores them with the form,
 * and `fill` and `edit` give the stored ones back to the form.
 *
 * Only the files the form names are read, each by its own name inside
 * the folder: openat() on the folder, no symbolic link followed, a
 * regular file only, its size checked against MEDIA_MAX_BYTES before a
 * byte is read. Nothing outside the folder is ever opened. The surveys
 * bundled into the program bring theirs (forms/surveys/NAME-media/),
 * which `collector init' installs the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

char *
cmd_media_dir(const char *form_file)
{
	const char	*base = strrchr(form_file, '/');
	const char	*dot = strrchr(form_file, '.');
	char		*s;
	size_t		 n;

	base = base != NULL ? base + 1 : form_file;
	n = dot != NULL && dot > base ? (size_t)(dot - form_file) :
	    strlen(form_file);
	if ((s = malloc(n + sizeof("-media"))) == NULL)
		return NULL;
	memcpy(s, form_file, n);
	memcpy(s + n, "-media", sizeof("-media"));
	return s;
}

/* name's bytes from the folder open as dirfd; ENOENT is *missing. */
static int
read_one(int dirfd, const char *dir, const char *name, char **out,
    size_t *len, int *missing, struct err *e)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 got = 0;
	char		*p = NULL;
	int		 fd, rc = 0;

	*out = NULL;
	*len = 0;
	*missing = 0;
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK)) < 0) {
		if (errno == ENOENT) {
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
	if ((uint64_t)sb.st_size > MEDIA_MAX_BYTES) {
		rc = err_set(e, ERR_INPUT, _("attachment '%s': larger than "
		    "%u MB"), name, MEDIA_MAX_BYTES >> 20);
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
	*out = p;
	*len = got;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

void
cmd_media_free(struct store_media *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].sha256);
		free(m[i].content);
	}
	free(m);
}

/* name's bytes from the files bundled into the program (a copy). */
static int
read_bundled(const struct bundled_file *files, const char *name,
    char **out, size_t *len, int *missing, struct err *e)
{
	const struct bundled_file	*b;

	*out = NULL;
	*len = 0;
	for (b = files; b->name != NULL && strcmp(b->name, name) != 0; b++)
		;
	if ((*missing = b->name == NULL))
		return 0;
	if ((*out = malloc(b->len + 1)) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	memcpy(*out, b->data, b->len + 1);
	*len = b->len;
	return 0;
}

/* cmd_attach_dir and cmd_attach_bundled: the files from dir, or from
 * files when it is not NULL. */
static int
attach(struct form *f, const char *dir, const struct bundled_file *files,
    struct diags *d, struct store_media **out, size_t *nout, struct err *e)
{
	const struct choice_list	*l;
	struct store_media		*v = NULL;
	struct err			 le;
	char				*data;
	size_t				 i, len, n = 0;
	int				 dirfd = -1, rc = 0, missing;

	if (out != NULL) {
		*out = NULL;
		*nout = 0;
	}
	f->media_given = 1;
	if (f->nmedia == 0)
		return 0;
	if ((v = calloc(f->nmedia, sizeof(*v))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	if (files == NULL)
		dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	for (i = 0; i < f->nmedia; i++) {
		l = form_media(f, i);
		err_init(&le);
		data = NULL;
		if (files != NULL)
			rc = read_bundled(files, l->file, &data, &len,
			    &missing, &le);
		else if ((missing = dirfd < 0) == 0)
			rc = read_one(dirfd, dir, l->file, &data, &len,
			    &missing, &le);
		if (rc == 0 && !missing)
			rc = form_attach(f, l->file, data, len, &le);
		if (rc == ERR_NOMEM) {
			free(data);
			err_set(e, rc, "%s", le.msg);
			break;
		}
		if (rc != 0) {
			/* the survey row that needs it, and why */
			diags_add(d, DIAG_ERROR, "survey", l->row, NULL, "%s",
			    le.msg);
			free(data);
			rc = 0;
			continue;
		}
		if (missing) {
			diags_add(d, DIAG_WARNING, "survey", l->row, NULL,
			    _("attachment '%s' is not in '%s': its list is "
			    "empty until the form is installed with it"),
			    l->file, dir);
			continue;
		}
		if (out == NULL) {
			free(data);
			continue;
		}
		v[n].content = data;
		v[n].len = len;
		if ((v[n++].name = strdup(l->file)) == NULL) {
			rc = err_set(e, ERR_NOMEM, _("out of memory"));
			break;
		}
	}
	if (dirfd >= 0)
		close(dirfd);
	if (rc != 0 || out == NULL) {
		cmd_media_free(v, n);
		return rc;
	}
	*out = v;
	*nout = n;
	return 0;
}

int
cmd_attach_dir(struct form *f, const char *dir, struct diags *d,
    struct store_media **out, size_t *nout, struct err *e)
{
	return attach(f, dir, NULL, d, out, nout, e);
}

int
cmd_attach_bundled(struct form *f, const struct bundled_form *b,
    struct diags *d, struct store_media **out, size_t *nout, struct err *e)
{
	return attach(f, "", b->media, d, out, nout, e);
}

int
cmd_attach_stored(struct form *f, const struct store_form *sf,
    struct err *e)
{
	size_t	i;
	int	rc;

	f->media_given = 1;
	for (i = 0; i < sf->nmedia; i++)
		if ((rc = form_attach(f, sf->media[i].name,
		    sf->media[i].content, sf->media[i].len, e)) != 0) {
			err_prefix(e, _("form '%s' version '%s'"),
			    sf->form_id, sf->version);
			return rc;
		}
	return 0;
}
