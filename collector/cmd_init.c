/*
 * cmd_init.c: `collector init`: a fresh store with the device's identity
 * and the surveys bundled into the program. All of it or nothing: the
 * store is made whole under a temporary name and only then moved into
 * place (store_publish), so that a failure or a kill at any moment leaves
 * no store, and `init' can simply be run again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "collector.h"

#define DEVICE_ID_MAX	64
#define TEXT_MAX	256

static const char *
usage_text(void)
{
	return _("usage: collector init --device ID [--promoter NAME] "
	    "[--hub URL] [--token TOKEN]\n"
	    "\n"
	    "Creates the store (it refuses to overwrite one) and installs the\n"
	    "surveys that come with the program. The coordinator gives the\n"
	    "device id (letters, digits, '.', '_' and '-'), the hub address\n"
	    "and the token; the token is kept in a file only you can read.\n");
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
	char		*home = NULL, *token = NULL, p[STORE_PATH_MAX];
	const char	*device = NULL, *promoter = NULL, *hub = NULL;
	size_t		 i;
	struct stat	 sb;
	int		 ch, rc = 0, wrote_token = 0;

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
			free(token);
			token = strdup(optarg);
			/* Out of the process list as soon as we can. */
			sodium_memzero(optarg, strlen(optarg));
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
	err_init(&e);
	if ((home = store_home(c->home)) == NULL) {
		err_set(&e, ERR_NOMEM, _("out of memory"));
		rc = cmd_error(&e);
		goto out;
	}
	if ((rc = store_create(home, &st, &e)) != 0) {
		rc = cmd_error(&e);
		goto out;
	}
	/* The directory may have existed: the token and drafts are
	 * personal data, keep them the owner's. */
	chmod(home, 0700);
	if ((rc = store_begin(st, &e)) != 0 ||
	    (rc = store_set_setting(st, "device_id", device, &e)) != 0 ||
	    (rc = store_set_setting(st, "promoter", promoter, &e)) != 0 ||
	    (rc = store_set_setting(st, "hub", hub, &e)) != 0)
		goto fail;
	for (i = 0; i < bundled_nforms; i++) {
		if ((rc = cmd_install_form(st, bundled_forms[i].name,
		    bundled_forms[i].data, bundled_forms[i].len, &how, NULL,
		    &e)) != 0) {
			err_prefix(&e, _("bundled survey '%s'"),
			    bundled_forms[i].name);
			goto fail;
		}
	}
	if ((rc = store_commit(st, &e)) != 0)
		goto fail;
	/* The token before the store: a store in place is a whole one. A
	 * kill in between leaves a token and no store; init writes it
	 * again. */
	if (token != NULL) {
		snprintf(p, sizeof(p), "%s/%s", home, STORE_TOKEN_FILE);
		if ((rc = file_write_atomic(p, token, strlen(token), 0600,
		    &e)) != 0)
			goto fail;
		wrote_token = 1;
	}
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
	rc = cmd_error(&e);
out:
	store_close(st);
	/* A token of ours with no store beside it is removed; the token of
	 * a store another init published meanwhile is not ours to touch. */
	snprintf(p, sizeof(p), "%s/%s", home != NULL ? home : ".",
	    STORE_FILE);
	if (rc != 0 && wrote_token && lstat(p, &sb) != 0) {
		snprintf(p, sizeof(p), "%s/%s", home, STORE_TOKEN_FILE);
		unlink(p);
	}
	if (token != NULL) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	free(home);
	return rc;
}
