/*
 * results.c: the hub's answer to an upload, one status per submission.
 *
 * The device marks a submission sent only on the word of this answer, so
 * the decoder accepts exactly its shape and nothing else: a captive
 * portal's login page or a body cut by a dropped link must never be read
 * as "stored". Any doubt is ERR_IO, which leaves every submission to be
 * sent again (the hub answers "duplicate" then).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sync.h"

static const char *const status_names[] = {
	[RESULT_STORED] = "stored",
	[RESULT_DUPLICATE] = "duplicate",
	[RESULT_CONFLICT] = "conflict",
	[RESULT_REJECTED] = "rejected",
};
#define NSTATUS	(sizeof(status_names) / sizeof(status_names[0]))

const char *
result_status_name(enum result_status s)
{
	if ((unsigned)s >= NSTATUS)
		return "?";
	return status_names[s];
}

int
result_status_parse(const char *name, enum result_status *out)
{
	size_t	i;

	*out = RESULT_REJECTED;
	for (i = 0; i < NSTATUS; i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum result_status)i;
			return 0;
		}
	return ERR_INPUT;
}

void
results_init(struct results *r)
{
	r->batch_id[0] = '\0';
	r->v = NULL;
	r->n = r->cap = 0;
}

int
results_add(struct results *r, const char *instance_id,
    enum result_status status, const char *reason, struct err *e)
{
	struct result	*v, *res;
	size_t		 cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(r->v, cap * sizeof(*v))) == NULL)
			return err_set(e, ERR_NOMEM, _("out of memory"));
		r->v = v;
		r->cap = cap;
	}
	res = &r->v[r->n];
	res->status = status;
	res->reason = NULL;
	if ((res->instance_id = strdup(instance_id)) == NULL ||
	    (reason != NULL && (res->reason = strdup(reason)) == NULL)) {
		free(res->instance_id);
		return err_set(e, ERR_NOMEM, _("out of memory"));
	}
	r->n++;
	return 0;
}

char *
results_encode(const struct results *r)
{
	json_t	*o, *a, *it;
	char	*s = NULL;
	size_t	 i;
	int	 bad = 0;

	o = json_object();
	a = json_array();
	if (o == NULL || a == NULL)
		goto out;
	for (i = 0; i < r->n && !bad; i++) {
		if ((it = json_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= json_object_set_new(it, "instance_id",
		    json_string(r->v[i].instance_id));
		bad |= json_object_set_new(it, "status",
		    json_string(result_status_name(r->v[i].status)));
		bad |= json_object_set_new(it, "reason", r->v[i].reason !=
		    NULL ? json_string(r->v[i].reason) : json_null());
		bad |= json_array_append_new(a, it);
	}
	bad |= json_object_set_new(o, "batch_id", json_string(r->batch_id));
	bad |= json_object_set(o, "results", a);
	if (!bad)
		s = json_dumps(o, JSON_COMPACT);
out:
	json_decref(a);
	json_decref(o);
	return s;
}

/* One element of "results": exactly its three keys, reason optional. */
static const char *
result_parse(json_t *it, struct results *out, struct err *e)
{
	enum result_status	 st;
	json_t			*v, *id, *status, *reason;
	const char		*key;

	if (!json_is_object(it))
		return N_("a result is not an object");
	json_object_foreach(it, key, v)
		if (strcmp(key, "instance_id") != 0 &&
		    strcmp(key, "status") != 0 && strcmp(key, "reason") != 0)
			return N_("a result has an unknown key");
	id = json_object_get(it, "instance_id");
	status = json_object_get(it, "status");
	reason = json_object_get(it, "reason");
	if (!json_is_string(id))
		return N_("a result without an instance_id");
	if (!json_is_string(status) ||
	    result_status_parse(json_string_value(status), &st) != 0)
		return N_("a result's status is unknown");
	if (reason != NULL && !json_is_null(reason) && !json_is_string(reason))
		return N_("a result's reason is not a string");
	if (results_add(out, json_string_value(id), st,
	    json_string_value(reason), e) != 0)
		return "";
	return NULL;
}

int
results_decode(const char *text, size_t len, struct results *out,
    struct err *e)
{
	json_error_t	 je;
	json_t		*root, *id, *a = NULL, *v;
	const char	*key, *why = NULL;
	size_t		 i;
	int		 rc = 0;

	results_init(out);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		why = N_("not JSON");
	else if (!json_is_object(root))
		why = N_("not an object");
	else {
		json_object_foreach(root, key, v)
			if (strcmp(key, "batch_id") != 0 &&
			    strcmp(key, "results") != 0)
				why = N_("an unknown key");
	}
	if (why == NULL) {
		id = json_object_get(root, "batch_id");
		a = json_object_get(root, "results");
		if (!json_is_string(id) ||
		    !sync_uuid_valid(json_string_value(id)))
			why = N_("no batch_id");
		else if (!json_is_array(a))
			why = N_("no results array");
		else
			memcpy(out->batch_id, json_string_value(id),
			    sizeof(out->batch_id));
	}
	for (i = 0; why == NULL && i < json_array_size(a); i++)
		why = result_parse(json_array_get(a, i), out, e);
	if (why != NULL) {
		/* The detail is for whoever debugs the hub; the person
		 * needs to know that nothing was acknowledged. */
		rc = *why == '\0' ? ERR_NOMEM : err_set(e, ERR_IO,
		    _("the hub's answer is not a batch result (a captive "
		    "portal?): %s"), _(why));
		results_release(out);
	}
	json_decref(root);
	return rc;
}

void
results_release(struct results *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].instance_id);
		free(r->v[i].reason);
	}
	free(r->v);
	results_init(r);
}
