/*
 * cmd_export.c: `collector export --out FILE [--all]`: the surveys the hub
 * has not acknowledged as one batch file, for a USB stick when there is no
 * signal; `hub import' merges it at the office with exactly the rules of
 * an upload. Nothing is marked sent: only the hub's answer to a sync does
 * that, and a survey both carried and synced counts once at the hub.
 *
 * The file is written whole under a temporary name and renamed: a stick
 * pulled out mid-write leaves the old file or none, never half a batch.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "wire.h"

/* A whole season's surveys fit; the batch is built in memory. */
#define EXPORT_MAX_BYTES	((size_t)1 << 30)

static const char *
usage_text(void)
{
	return _("usage: collector export --out FILE [--all]\n"
	    "\n"
	    "Writes the finalized surveys that the hub has not acknowledged to\n"
	    "FILE, a batch file (compressed) to carry to the office when there\n"
	    "is no signal; there, 'hub import FILE' takes them in. --all\n"
	    "writes every finalized survey, sent and rejected ones too\n"
	    "(without it, rejected ones are left out: they are not sent again\n"
	    "until corrected). Drafts are never written. Nothing is marked as\n"
	    "sent: a later sync sends them again, and the hub counts each\n"
	    "survey once.\n");
}

int
cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct wire_queue	 q;
	struct buf		 gz;
	struct err		 e;
	const char		*out = NULL;
	char			*device = NULL, *inv;
	int			 ch, rc, all = 0;

	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case ':':
			return cmd_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cmd_usage_error(_("unknown option '%s' for "
			    "'export'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	if (out == NULL || *out == '\0')
		return cmd_usage_error(_("'export' needs --out FILE (where "
		    "to write the surveys)"));
	memset(&q, 0, sizeof(q));
	buf_init(&gz, EXPORT_MAX_BYTES);
	err_init(&e);
	if ((rc = store_get_setting(c->st, "device_id", &device, &e)) != 0)
		goto fail;
	if (device == NULL) {
		inv = cmd_invocation(c);
		rc = err_set(&e, ERR_IO, _("%s: no device id: run '%s init "
		    "--device ID'"), c->st->db->path, inv != NULL ? inv :
		    "collector");
		free(inv);
		goto fail;
	}
	if ((rc = wire_queue_load(c->st, all ? WIRE_ALL : WIRE_PENDING, &q,
	    &e)) != 0 ||
	    (rc = wire_batch(&q, 0, q.n, device, &gz, &e)) != 0 ||
	    (rc = file_write_atomic(out, gz.p, gz.len, 0600, &e)) != 0)
		goto fail;
	printf(dngettext("collector", "%zu survey written to '%s'\n",
	    "%zu surveys written to '%s'\n", q.n), q.n, out);
	goto done;
fail:
	rc = cmd_error(rc, &e);
done:
	free(device);
	buf_release(&gz);
	wire_queue_release(&q);
	return rc;
}
