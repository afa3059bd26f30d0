/*
 * cmd_init.c: `collector init`: a fresh store with the device's identity
 * and the surveys bundled into the program. All of it or nothing: the
 * store is made whole under a temporary name and only then moved into
 * place (store_publish), so that a failure or a kill at any moment leaves
 * no store, and `init' can simply be run again.
 *
 * The hub's token for this device goes into the store (0600) with the
 * rest. `--token -' reads it from standard input, out of the process list
 * and the shell's history; `--token TOKEN' is wiped from argv at once.
 * It is never printed, and every copy is wiped after use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"

#define DEVICE_ID_MAX	64
#define TEXT_MAX	256

static const char *
usage_text(void)
{
	return _("usage: collector init --device ID [--promoter NAME] "
	    "[--hub URL] [--token -|TOKEN]\n"
	    "\n"
	    "Creates the store (it refuses to overwrite one) and installs the\n"
	    "surveys that come with the program. The coordinator gives the\n"
	    "device id (letters, digits, '.', '_' and '-'), the hub address\n"
	    "and the token. The token is kept in the store, which only you can\n"
	    "read, and never shown. Give it as '--token -' and type or paste\n"
	    "it on the next line (standard input): written on the command\n"
	    "line it stays in the shell's history.\n");
}

static int
valid_device(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= DEVICE_ID_MAX && strspn(s, "abcdefghijklmnopqrs"
	    "tuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int
cmd_init(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "promoter", required_argument, NULL, 'p' },
		{ "hub", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*st = NULL;
	struct err	 e;
	enum store_put	 how;
	char		*home = NULL, token[STORE_TOKEN_MAX + 2];
	const char	*device = NULL, *promoter = NULL, *hub = NULL;
	size_t		 i;
	int		 ch, rc = 0, has_token = 0, from_stdin = 0;

	token[0] = '\0';
	if (cmd_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			device = optarg;
			break;
		case 'p':
			promoter = optarg;
			break;
		case 'u':
			hub = optarg;
			break;
		case 't':
			has_token = 1;
			from_stdin = strcmp(optarg, "-") == 0;
			if (!from_stdin) {
				snprintf(token, sizeof(token), "%s", optarg);
				/* Out of the process list as soon as we
				 * can. */
				sodium_memzero(optarg, strlen(optarg));
			}
			break;
		case ':':
			rc = cmd_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
			goto out;
		default:
			rc = cmd_usage_error(_("unknown option '%s' for "
			    "'init'"), argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cmd_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
		goto out;
	}
	if (device == NULL) {
		rc = cmd_usage_error(_("'init' needs --device ID (the "
		    "coordinator gives it)"));
		goto out;
	}
	if (!valid_device(device)) {
		rc = cmd_usage_error(_("device id '%s' is not valid: use up "
		    "to %d letters, digits, '.', '_' or '-'"), device,
		    DEVICE_ID_MAX);
		goto out;
	}
	if ((promoter != NULL && (strlen(promoter) > TEXT_MAX ||
	    !utf8_valid(promoter, strlen(promoter)))) ||
	    (hub != NULL && (strlen(hub) > TEXT_MAX ||
	    !utf8_valid(hub, strlen(hub))))) {
		rc = cmd_usage_error(_("promoter name or hub address too "
		    "long or not UTF-8"));
		goto out;
	}
	if (has_token && (rc = cmd_token_get(from_stdin, token,
	    sizeof(token))) != 0)
		goto out;
	err_init(&e);
	if ((home = store_home(c->home)) == NULL) {
		rc = cmd_error(err_set(&e, ERR_NOMEM, _("out of memory")),
		    &e);
		goto out;
	}
	if ((rc = store_create(home, &st, &e)) != 0) {
		rc = cmd_error(rc, &e);
		goto out;
	}
	/* The directory may have existed: the token and drafts are
	 * personal data, keep them the owner's. */
	chmod(home, 0700);
	if ((rc = store_begin(st, &e)) != 0 ||
	    (rc = store_set_setting(st, "device_id", device, &e)) != 0 ||
	    (rc = store_set_setting(st, "promoter", promoter, &e)) != 0 ||
	    (rc = store_set_setting(st, "hub", hub, &e)) != 0 ||
	    (rc = store_set_setting(st, "token", has_token ? token : NULL,
	    &e)) != 0)
		goto fail;
	for (i = 0; i < bundled_nforms; i++) {
		if ((rc = cmd_install_bundled(st, &bundled_forms[i], &how,
		    &e)) != 0) {
			err_prefix(&e, _("bundled survey '%s'"),
			    bundled_forms[i].name);
			goto fail;
		}
	}
	if ((rc = store_commit(st, &e)) != 0)
		goto fail;
	rc = store_publish(st, &e);
	st = NULL;
	if (rc != 0)
		goto fail;
	printf(_("store created in '%s' for device '%s' with %zu "
	    "surveys\n"), home, device, bundled_nforms);
	goto out;
fail:
	if (st != NULL)
		store_rollback(st);
	rc = cmd_error(rc, &e);
out:
	store_close(st);
	sodium_memzero(token, sizeof(token));
	free(home);
	return rc;
}
