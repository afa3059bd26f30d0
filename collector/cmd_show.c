/*
 * cmd_show.c: `collector show ID`: one survey. A finalized one is shown
 * from its frozen data and XML (--json: the envelope the hub receives,
 * with its state); a draft is rebuilt from its answers through the
 * session, so that its computed values are there too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "prompt.h"
#include "wire.h"

static const char *
usage_text(void)
{
	return _("usage: collector show ID [--json|--xml]\n"
	    "\n"
	    "One survey with its computed values. ID is its id (uuid:...) or\n"
	    "the first characters of it. --json prints the submission as the\n"
	    "hub receives it, with its \"state\" (draft, finalized, sent or\n"
	    "rejected); --xml the ODK instance.\n");
}

int
cmd_show(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "xml", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	struct store		*st = c->st;
	struct store_sub	 sub;
	struct fill		 fl;
	struct err		 e;
	char			*out = NULL;
	int			 ch, rc, fmt = 0;

	memset(&fl, 0, sizeof(fl));
	memset(&sub, 0, sizeof(sub));
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == 'j' || ch == 'x') {
			if (fmt != 0 && fmt != ch)
				return cmd_usage_error(_("--json or --xml, "
				    "not both"));
			fmt = ch;
		} else
			return cmd_usage_error(_("unknown option '%s' for "
			    "'show'"), argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cmd_usage_error(_("usage: collector show ID "
		    "[--json|--xml]"));
	err_init(&e);
	if ((rc = store_find_sub(st, argv[optind], &sub, &e)) != 0)
		goto fail;
	if (sub.state != SUB_DRAFT && fmt == 'j') {
		if ((out = wire_envelope(&sub, sub.data, 1)) == NULL) {
			rc = err_set(&e, ERR_NOMEM, _("out of memory"));
			goto fail;
		}
		printf("%s\n", out);
		goto out;
	}
	if (sub.state != SUB_DRAFT && fmt == 'x') {
		printf("%s\n", sub.xml);
		goto out;
	}
	/* With the form's attachments: what pulldata() reads from them
	 * (the growth z-scores) is computed again too. */
	if ((rc = fill_load_form_row(&fl, st, sub.form, &e)) != 0 ||
	    (rc = cmd_attach_stored(fl.form, &fl.sf, &e)) != 0 ||
	    (rc = fill_resume(&fl, &sub, 0, &e)) != 0)
		goto fail;
	cmd_warn_skipped(&fl);
	if (fmt == 'j')
		out = fill_submission_json(&fl);
	else if (fmt == 'x')
		out = session_instance_xml(fl.s);
	if (fmt != 0) {
		if (out == NULL) {
			rc = err_set(&e, ERR_NOMEM, _("out of memory"));
			goto fail;
		}
		printf("%s\n", out);
		goto out;
	}
	printf("%s\n", sub.instance_id);
	printf(_("  state: %s\n"), cmd_state_label(sub.state));
	if (sub.reason != NULL)
		printf(_("  reason: %s\n"), sub.reason);
	printf(_("  form: %s version %s\n"), sub.form_id, sub.form_version);
	if (sub.deprecated_id != NULL)
		printf(_("  replaces: %s\n"), sub.deprecated_id);
	printf(_("  started: %s\n"), sub.started_at);
	if (sub.finalized_at != NULL)
		printf(_("  finalized: %s\n"), sub.finalized_at);
	if ((rc = prompt_print_answers(&fl, stdout)) != 0) {
		rc = err_set(&e, rc, _("out of memory"));
		goto fail;
	}
	goto out;
fail:
	rc = cmd_error(rc, &e);
out:
	free(out);
	store_sub_release(&sub);
	fill_release(&fl);
	return rc;
}
