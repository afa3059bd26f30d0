/*
 * cmd_list.c: `collector list`: the submissions, oldest first.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static const char *
usage_text(void)
{
	return _("usage: collector list [--state draft|finalized|sent|"
	    "rejected] [--form ID]\n"
	    "                      [--json]\n"
	    "\n"
	    "The surveys in the store, oldest first, with their state: draft,\n"
	    "finalized (waiting to be sent), sent (the hub has it) or rejected\n"
	    "(the hub refused it, for the reason shown: correct it with\n"
	    "'collector edit'; it is not sent again until then). --json\n"
	    "prints an array of {\"instance_id\", \"form_id\", \"form_version\",\n"
	    "\"state\", \"started_at\", \"finalized_at\", \"reason\"}.\n");
}

static int
one(const struct store_sub *s, void *arg)
{
	json_t	*a = arg, *o;

	if (a == NULL) {
		printf("%s  %-10s  %s %s  %s\n", s->instance_id,
		    cmd_state_label(s->state), s->form_id, s->form_version,
		    s->finalized_at != NULL ? s->finalized_at : s->started_at);
		if (s->reason != NULL)
			printf(_("    reason: %s\n"), s->reason);
		return 0;
	}
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
	if (json && (a = json_array()) == NULL) {
		return cmd_error(err_set(&e, ERR_NOMEM, _("out of memory")),
		    &e);
	}
	if ((rc = store_each_sub(st, want, form, one, a, &e)) != 0)
		rc = cmd_error(rc, &e);
	else if (a != NULL)
		cmd_print_json(a);
	json_decref(a);
	return rc;
}
