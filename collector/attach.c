/*
 * attach.c: a form's attachments on disk and in the store. ODK Collect
 * keeps them in a folder beside the form file, named after it
 * ("visita.xlsx" -> "visita-media/"); `forms add|check|eval` read them
 * from there or from --media DIR, `forms add` stores them with the form,
 * and `fill` and `edit` give the stored ones back to the form.
 *
 * Only the files the form names are read, each by its own name inside
 * the folder (file_read_in: no symbolic link followed, a regular file
 * only, its size checked against MEDIA_MAX_BYTES before a byte is read);
 * nothing outside the folder is ever opened. The surveys bundled into
 * the program bring theirs (forms/surveys/NAME-media/), which `collector
 * init' installs the same way, and `collector sync' the ones it fetched
 * from the hub. form_attach_all is the one walk over the files a form
 * needs, the hub's `forms publish' included.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

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

/* Where the files come from, and where the kept ones go. */
struct source {
	struct media_source	 from;	/* first: read_source's arg too */
	struct store_media	*v;
	size_t			 n;
};

static int
keep_source(void *arg, const char *name, char *data, size_t len,
    struct err *e)
{
	struct source		*src = arg;
	struct store_media	*m = &src->v[src->n];

	memset(m, 0, sizeof(*m));
	m->content = data;
	m->len = len;
	if ((m->name = strdup(name)) == NULL) {
		free(data);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	src->n++;
	return 0;
}

static int
attach(struct form *f, struct source *src, struct diags *d,
    struct store_media **out, size_t *nout, struct err *e)
{
	int	rc;

	if (out != NULL) {
		*out = NULL;
		*nout = 0;
	}
	if (out != NULL && f->nmedia > 0 &&
	    (src->v = calloc(f->nmedia, sizeof(*src->v))) == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	rc = form_attach_all(f, src->from.dir, media_source_read,
	    out != NULL ? keep_source : NULL, src, d, e);
	if (rc != 0 || out == NULL) {
		cmd_media_free(src->v, src->n);
		return rc;
	}
	*out = src->v;
	*nout = src->n;
	return 0;
}

int
cmd_attach_dir(struct form *f, const char *dir, struct diags *d,
    struct store_media **out, size_t *nout, struct err *e)
{
	struct source	src = { { NULL, -1, dir }, NULL, 0 };
	int		rc;

	if (f->nmedia > 0)
		src.from.dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	rc = attach(f, &src, d, out, nout, e);
	if (src.from.dirfd >= 0)
		close(src.from.dirfd);
	return rc;
}

int
cmd_attach_files(struct form *f, const struct bundled_file *files,
    struct diags *d, struct store_media **out, size_t *nout, struct err *e)
{
	struct source	src = { { files, -1, "" }, NULL, 0 };

	return attach(f, &src, d, out, nout, e);
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
