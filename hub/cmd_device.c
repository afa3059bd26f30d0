/*
 * cmd_device.c: `hub device add|list|revoke`: enrolling the promoters'
 * devices and the tokens they sync with.
 *
 * A token is 32 random bytes (libsodium), base64url: 256 bits that nobody
 * guesses. The hub keeps only its BLAKE2b hash: a fast hash is right for a
 * high-entropy random secret (a slow one like argon2 is for passwords,
 * which are guessable), and it lets a request find its device by an index
 * lookup. The token is printed once, alone on the last line, for a script
 * to take; it is wiped from memory after.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hub.h"

#define DEVICE_ID_MAX	64
#define TEXT_MAX	256
#define TOKEN_BYTES	32

static const char *
usage_text(void)
{
	return _("usage: hub device add ID [--promoter NAME] "
	    "[--district UBIGEO]\n"
	    "       hub device list [--json]\n"
	    "       hub device token ID\n"
	    "       hub device revoke ID\n"
	    "\n"
	    "add     enrols a device (letters, digits, '.', '_' and '-') and\n"
	    "        prints its token once, alone on the last line: give it\n"
	    "        to the device ('collector init --token -', or for a\n"
	    "        device that has a store: 'collector sync --token -');\n"
	    "        the hub keeps only a hash of it\n"
	    "list    the devices, their last contact and submissions\n"
	    "token   a new token for an enrolled device (its token was lost,\n"
	    "        or it was revoked and is trusted again): the old one is\n"
	    "        refused from now on; printed once, as by add\n"
	    "revoke  refuses the device's token from now on (a lost or\n"
	    "        stolen device); what it sent stays\n");
}

static int
valid_device(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= DEVICE_ID_MAX && strspn(s, "abcdefghijklmnopqrs"
	    "tuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

#define TOKEN_CHARS	sodium_base64_ENCODED_LEN(TOKEN_BYTES, \
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* A random token (base64url of TOKEN_BYTES) and the hash the hub keeps. */
static void
new_token(char token[TOKEN_CHARS],
    unsigned char hash[HUB_TOKEN_HASH_BYTES])
{
	unsigned char	raw[TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, TOKEN_CHARS, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, HUB_TOKEN_HASH_BYTES,
	    (unsigned char *)token, strlen(token), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
}

static int
device_add(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "promoter", required_argument, NULL, 'p' },
		{ "district", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char		 hash[HUB_TOKEN_HASH_BYTES];
	char			 token[TOKEN_CHARS];
	char			 at[40];
	struct hub_store	*st;
	struct hub_device	 d;
	struct err		 e;
	const char		*id = NULL;
	int			 ch, rc;

	memset(&d, 0, sizeof(d));
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			d.promoter = optarg;
			break;
		case 'd':
			d.district = optarg;
			break;
		case ':':
			return hub_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return hub_usage_error(_("unknown option '%s' for "
			    "'device add'"), argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return hub_usage_error(_("usage: hub device add ID "
		    "[--promoter NAME] [--district UBIGEO]"));
	id = argv[optind];
	if (!valid_device(id))
		return hub_usage_error(_("device id '%s' is not valid: use up "
		    "to %d letters, digits, '.', '_' or '-'"), id,
		    DEVICE_ID_MAX);
	if (d.district != NULL && (strlen(d.district) != 6 ||
	    strspn(d.district, "0123456789") != 6))
		return hub_usage_error(_("district '%s' is not a UBIGEO code "
		    "(6 digits, e.g. 030401)"), d.district);
	if (d.promoter != NULL && (strlen(d.promoter) > TEXT_MAX ||
	    !utf8_valid(d.promoter, strlen(d.promoter))))
		return hub_usage_error(_("promoter name too long or not "
		    "UTF-8"));
	st = c->st;
	err_init(&e);
	new_token(token, hash);
	datetime_format_local(clock_now(), at);
	d.id = (char *)id;
	d.created_at = at;
	if ((rc = hub_store_add_device(st, &d, hash, &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	printf(_("device '%s' enrolled. Its token, shown only this once "
	    "(the hub keeps a hash):\ngive it to the device with 'collector "
	    "init --device %s --token -'\n(a device that has its store "
	    "already: 'collector sync --token -')\n"), id, id);
	printf("%s\n", token);
out:
	sodium_memzero(token, sizeof(token));
	return rc;
}

static int
device_token(struct hub_ctx *c, int argc, char **argv)
{
	unsigned char	hash[HUB_TOKEN_HASH_BYTES];
	char		token[TOKEN_CHARS];
	struct err	e;
	int		rc;

	if (argc != 2)
		return hub_usage_error(_("usage: hub device token ID"));
	err_init(&e);
	new_token(token, hash);
	if ((rc = hub_store_renew_device(c->st, argv[1], hash, &e)) != 0)
		rc = hub_error(&e);
	else {
		printf(_("device '%s' has a new token, shown only this once; "
		    "the old one is refused from now on.\nOn the device: "
		    "'collector sync --token -'\n"), argv[1]);
		printf("%s\n", token);
	}
	sodium_memzero(token, sizeof(token));
	return rc;
}

static int
print_device(const struct hub_device *d, void *arg)
{
	json_t	*a = arg, *o;

	if (a != NULL) {
		o = json_object();
		json_object_set_new(o, "device_id", json_string(d->id));
		json_object_set_new(o, "promoter", hub_json_str(d->promoter));
		json_object_set_new(o, "district", hub_json_str(d->district));
		json_object_set_new(o, "created_at",
		    json_string(d->created_at));
		json_object_set_new(o, "revoked_at",
		    hub_json_str(d->revoked_at));
		json_object_set_new(o, "last_contact",
		    hub_json_str(d->last_contact));
		json_object_set_new(o, "last_batch",
		    hub_json_str(d->last_batch));
		json_object_set_new(o, "submissions",
		    json_integer(d->submissions));
		json_array_append_new(a, o);
		return 0;
	}
	printf("%-16s %-6s %-25.25s %6lld  %s%s\n", d->id,
	    d->district != NULL ? d->district : "-",
	    d->promoter != NULL ? d->promoter : "-",
	    (long long)d->submissions,
	    d->last_contact != NULL ? d->last_contact : _("never"),
	    d->revoked_at != NULL ? _("  (revoked)") : "");
	return 0;
}

static int
device_list(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct err		 e;
	json_t			*a = NULL;
	int			 rc, json = 0;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return hub_usage_error(_("usage: hub device list [--json]"));
	st = c->st;
	err_init(&e);
	if (json)
		a = json_array();
	else
		printf("%-16s %-6s %-25s %6s  %s\n", _("DEVICE"), "UBIGEO",
		    _("PROMOTER"), _("SUBM."), _("LAST CONTACT"));
	if ((rc = hub_store_each_device(st, print_device, a, &e)) != 0)
		rc = hub_error(&e);
	else if (a != NULL)
		hub_print_json(a);
	json_decref(a);
	return rc;
}

static int
device_revoke(struct hub_ctx *c, int argc, char **argv)
{
	struct hub_store	*st;
	struct err		 e;
	char			 at[40];
	int			 rc, was;

	if (argc != 2)
		return hub_usage_error(_("usage: hub device revoke ID"));
	st = c->st;
	err_init(&e);
	datetime_format_local(clock_now(), at);
	if ((rc = hub_store_revoke_device(st, argv[1], at, &was, &e)) != 0)
		rc = hub_error(&e);
	else if (was)
		printf(_("device '%s' was already revoked\n"), argv[1]);
	else
		printf(_("device '%s' revoked: its token is refused from "
		    "now on\n"), argv[1]);
	return rc;
}

int
hub_cmd_device(struct hub_ctx *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text(), argc < 2 ? stderr : stdout);
		return argc < 2 ? ERR_USAGE : 0;
	}
	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	if (strcmp(argv[1], "add") == 0)
		return device_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return device_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return device_token(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return device_revoke(c, argc - 1, argv + 1);
	return hub_usage_error(_("'device %s' is not a command: add, list, "
	    "token or revoke"), argv[1]);
}
