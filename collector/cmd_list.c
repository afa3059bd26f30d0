/*
 * cmd_list.c: `collector list`: the submissions, oldest first. On screen a
 * person tells them apart: a header, the short id that `edit` and `show`
 * take, the state in their words, the form's instance name (the household,
 * "settings instance_name"), and which revision replaced which. --json
 * keeps the contract's fields and the state's code.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

/* The id as `edit' and `show' take it: "uuid:" and 13 characters. */
#define SHORT_ID	13
/* An instance name shown whole up to this many bytes. */
#define NAME_MAX_SHOWN	60

static const char *
usage_text(void)
{
	return _("usage: collector list [--state draft|finalized|sent|"
	    "rejected] [--form ID]\n"
	    "                      [--json]\n"
	    "\n"
	    "The surveys in the store, oldest first: the id to give 'edit' and\n"
	    "'show', the state, the form, the date and what the form names\n"
	    "each survey by (the household), and which correction replaces\n"
	    "which. States: draft, finalized (waiting to be sent), sent (the\n"
	    "hub has it) or rejected (the hub refused it, for the reason\n"
	    "shown: correct it with 'collector edit'; it is not sent again\n"
	    "until then). --json prints an array of {\"instance_id\",\n"
	    "\"form_id\", \"form_version\", \"state\", \"started_at\",\n"
	    "\"finalized_at\", \"reason\"}.\n");
}

struct row {
	char		*id;
	char		*deprecated;	/* the revision it replaces */
	char		*replaced_by;	/* borrowed: a later row's id */
	char		*form_id;
	char		*date;
	char		*name;		/* instance name, or NULL */
	char		*reason;
	enum sub_state	 state;
};

struct rows {
	struct store	*st;
	struct row	*v;
	size_t		 n, cap;
	int		 nomem;
};

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The text of <instanceName> in a frozen instance XML, unescaped. */
static char *
xml_name(const char *xml)
{
	static const struct {
		const char	*ent;
		char		 c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
	    { "&quot;", '"' }, { "&apos;", '\'' } };
	const char	*a, *b;
	char		*s, *o;
	size_t		 i;

	if (xml == NULL || (a = strstr(xml, "<instanceName>")) == NULL)
		return NULL;
	a += strlen("<instanceName>");
	if ((b = strstr(a, "</instanceName>")) == NULL ||
	    (s = malloc((size_t)(b - a) + 1)) == NULL)
		return NULL;
	for (o = s; a < b; ) {
		for (i = 0; *a == '&' && i < sizeof(ents) / sizeof(ents[0]);
		    i++)
			if (strncmp(a, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (*a == '&' && i < sizeof(ents) / sizeof(ents[0])) {
			*o++ = ents[i].c;
			a += strlen(ents[i].ent);
		} else
			*o++ = *a++;
	}
	*o = '\0';
	return s;
}

/* A draft's instance name, from its answers through the session. */
static char *
draft_name(struct store *st, const struct store_sub *s)
{
	struct fill	 fl;
	struct err	 e;
	char		*name = NULL;

	err_init(&e);
	if (fill_load_form_row(&fl, st, s->form, &e) == 0 &&
	    fill_resume(&fl, s, 0, &e) == 0)
		name = session_instance_name(fl.s);
	fill_release(&fl);
	return name;
}

/* "2026-03-01T10:00:00.000-05:00" as "2026-03-01 10:00". */
static char *
short_date(const char *at)
{
	char	*d;

	if (at == NULL || (d = strdup(at)) == NULL)
		return NULL;
	if (strlen(d) >= 16 && d[10] == 'T') {
		d[10] = ' ';
		d[16] = '\0';
	}
	return d;
}

static int
collect(const struct store_sub *s, void *arg)
{
	struct rows	*r = arg;
	struct row	*v, *w;
	size_t		 cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 64;
		if ((v = realloc(r->v, cap * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		r->v = v;
		r->cap = cap;
	}
	w = &r->v[r->n++];
	memset(w, 0, sizeof(*w));
	w->state = s->state;
	w->id = strdup(s->instance_id);
	w->deprecated = xstrdup(s->deprecated_id);
	w->form_id = strdup(s->form_id);
	w->date = short_date(s->finalized_at != NULL ? s->finalized_at :
	    s->started_at);
	w->reason = xstrdup(s->reason);
	w->name = s->state == SUB_DRAFT ? draft_name(r->st, s) :
	    xml_name(s->xml);
	if (w->id == NULL || w->form_id == NULL || w->date == NULL ||
	    (s->deprecated_id != NULL && w->deprecated == NULL) ||
	    (s->reason != NULL && w->reason == NULL))
		return ERR_NOMEM;
	return 0;
}

static void
rows_release(struct rows *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].deprecated);
		free(r->v[i].form_id);
		free(r->v[i].date);
		free(r->v[i].name);
		free(r->v[i].reason);
	}
	free(r->v);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp((*(struct row *const *)a)->id,
	    (*(struct row *const *)b)->id);
}

/* Each finalized revision names, in the row it replaces, that it does
 * (a draft revision replaces nothing yet). */
static int
link_revisions(struct rows *r)
{
	struct row	**by, key, *k = &key, **hit;
	size_t		  i;

	if (r->n == 0)
		return 0;
	if ((by = malloc(r->n * sizeof(*by))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < r->n; i++)
		by[i] = &r->v[i];
	qsort(by, r->n, sizeof(*by), cmp_id);
	for (i = 0; i < r->n; i++) {
		if (r->v[i].deprecated == NULL || r->v[i].state == SUB_DRAFT)
			continue;
		key.id = r->v[i].deprecated;
		if ((hit = bsearch(&k, by, r->n, sizeof(*by), cmp_id)) !=
		    NULL)
			(*hit)->replaced_by = r->v[i].id;
	}
	free(by);
	return 0;
}

/* Characters of UTF-8 text in its first n bytes. */
static size_t
chars(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n && s[i] != '\0'; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static void
print_row(const struct row *w)
{
	const char	*state = cmd_state_label(w->state);
	size_t		 n;
	int		 pad, cut;

	/* Padded by characters, not bytes ("sent" is "enviada"). */
	pad = 11 - (int)chars(state, strlen(state));
	printf("%.*s  %s%*s %-14s %-16s", 5 + SHORT_ID, w->id, state,
	    pad > 0 ? pad : 0, "", w->form_id, w->date);
	if (w->name != NULL) {
		n = strlen(w->name);
		while (n > 0 && w->name[n - 1] == ' ')
			n--;	/* concat() of answers not given yet */
		/* A long name is cut on a character's boundary. */
		if ((cut = n > NAME_MAX_SHOWN))
			for (n = NAME_MAX_SHOWN; n > 0 &&
			    ((unsigned char)w->name[n] & 0xc0) == 0x80; n--)
				;
		printf("  %.*s%s", (int)n, w->name, cut ? "…" : "");
	}
	putchar('\n');
	if (w->deprecated != NULL)
		printf(_("    replaces %.*s\n"), 5 + SHORT_ID, w->deprecated);
	if (w->replaced_by != NULL)
		printf(_("    replaced by %.*s: the office uses that one\n"),
		    5 + SHORT_ID, w->replaced_by);
	if (w->reason != NULL)
		printf(_("    reason: %s\n"), w->reason);
}

static int
print_text(struct store *st, int want, const char *form, struct err *e)
{
	struct rows	r;
	size_t		i, shown = 0;
	int		rc;

	memset(&r, 0, sizeof(r));
	r.st = st;
	if ((rc = store_each_sub(st, -1, NULL, collect, &r, e)) != 0 ||
	    (rc = link_revisions(&r)) != 0) {
		if (rc == ERR_NOMEM)
			err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		if ((want >= 0 && (int)r.v[i].state != want) ||
		    (form != NULL && strcmp(r.v[i].form_id, form) != 0))
			continue;
		if (shown++ == 0)
			printf("%-*s  %-11s %-14s %-16s  %s\n", 5 + SHORT_ID,
			    _("SURVEY"), _("STATE"), _("FORM"), _("DATE"),
			    _("NAME"));
		print_row(&r.v[i]);
	}
out:
	rows_release(&r);
	return rc;
}

static int
one_json(const struct store_sub *s, void *arg)
{
	json_t	*a = arg, *o;

	o = json_object();
	json_object_set_new(o, "instance_id", json_string(s->instance_id));
	json_object_set_new(o, "form_id", json_string(s->form_id));
	json_object_set_new(o, "form_version", json_string(s->form_version));
	json_object_set_new(o, "state", json_string(sub_state_name(s->state)));
	json_object_set_new(o, "started_at", json_string(s->started_at));
	json_object_set_new(o, "finalized_at", cmd_json_str(s->finalized_at));
	json_object_set_new(o, "reason", cmd_json_str(s->reason));
	json_array_append_new(a, o);
	return 0;
}

int
cmd_list(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "form", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*st = c->st;
	struct err	 e;
	enum sub_state	 state;
	const char	*form = NULL;
	json_t		*a = NULL;
	int		 ch, rc, want = -1, json = 0;

	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (sub_state_parse(optarg, &state) != 0)
				return cmd_usage_error(_("unknown state '%s': "
				    "draft, finalized, sent or rejected"),
				    optarg);
			want = (int)state;
			break;
		case 'f':
			form = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case ':':
			return cmd_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cmd_usage_error(_("unknown option '%s' for "
			    "'list'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	err_init(&e);
	if (!json) {
		if ((rc = print_text(st, want, form, &e)) != 0)
			rc = cmd_error(rc, &e);
		return rc;
	}
	if ((a = json_array()) == NULL)
		return cmd_error(err_set(&e, ERR_NOMEM, _("out of memory")),
		    &e);
	if ((rc = store_each_sub(st, want, form, one_json, a, &e)) != 0)
		rc = cmd_error(rc, &e);
	else
		cmd_print_json(a);
	json_decref(a);
	return rc;
}
