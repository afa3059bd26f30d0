/*
 * cmd_user.c: `hub user add|list|remove`: the coordinators who log in to
 * the dashboard that `hub serve` serves at /.
 *
 * A password is asked twice on the terminal without echo, or read from
 * the standard input's first line with --password-stdin (for scripts:
 * never on the command line, where `ps` shows it). The hub keeps only
 * its argon2id hash (dash_password_hash); the typed text is wiped from
 * memory after. Removing a user ends their sessions at once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "hub.h"

/* A line of the standard input: the password, its newline and room to
 * tell one too long. */
#define LINE_MAX_BYTES	(DASH_PASSWORD_MAX + 3)

static const char *
usage_text(void)
{
	return _("usage: hub user add NAME [--password-stdin]\n"
	    "       hub user list [--json]\n"
	    "       hub user remove NAME\n"
	    "\n"
	    "The coordinators who log in to the dashboard (hub serve, at /).\n"
	    "add     a user (letters, digits, '.', '_', '-' and '@'); the\n"
	    "        password (at least 8 characters) is asked twice on the\n"
	    "        terminal, or read from the first line of the standard\n"
	    "        input with --password-stdin; the hub keeps only its\n"
	    "        argon2id hash\n"
	    "list    the users and their open sessions\n"
	    "remove  a user, and ends their sessions at once\n");
}

/* One line of fp into out, without its newline; -1 at end of input or
 * when longer than DASH_PASSWORD_MAX. */
static int
read_line(FILE *fp, char out[LINE_MAX_BYTES])
{
	size_t	n;

	if (fgets(out, LINE_MAX_BYTES, fp) == NULL)
		return -1;
	n = strcspn(out, "\n");
	if (out[n] != '\n' && !feof(fp))
		return -1;
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	return n > DASH_PASSWORD_MAX ? -1 : 0;
}

/* Ask on the terminal (stdin) without echo. */
static int
ask(const char *prompt, char out[LINE_MAX_BYTES])
{
	struct termios	old, quiet;
	int		rc;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	rc = read_line(stdin, out);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return rc;
}

/* The password, from the terminal (twice) or the standard input. */
static int
get_password(int from_stdin, char pw[LINE_MAX_BYTES])
{
	char	again[LINE_MAX_BYTES];
	int	rc = 0;

	if (from_stdin) {
		if (read_line(stdin, pw) != 0)
			return hub_usage_error(_("--password-stdin: no "
			    "password on the standard input, or longer than "
			    "%d bytes"), DASH_PASSWORD_MAX);
	} else if (!isatty(STDIN_FILENO)) {
		return hub_usage_error(_("no terminal to ask the password "
		    "on: use --password-stdin"));
	} else {
		if (ask(_("Password: "), pw) != 0 ||
		    ask(_("The same password again: "), again) != 0)
			rc = hub_usage_error(_("no password read"));
		else if (strcmp(pw, again) != 0)
			rc = hub_usage_error(_("the two passwords differ"));
		sodium_memzero(again, sizeof(again));
		if (rc != 0)
			return rc;
	}
	if (strlen(pw) < DASH_PASSWORD_MIN)
		return hub_usage_error(_("a password has at least %d "
		    "characters"), DASH_PASSWORD_MIN);
	return 0;
}

static int
user_add(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	char		 pw[LINE_MAX_BYTES], hash[128], at[40];
	struct err	 e;
	const char	*name;
	int		 ch, rc, from_stdin = 0;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == 's')
			from_stdin = 1;
		else
			return hub_usage_error(_("unknown option '%s' for "
			    "'user add'"), argv[optind - 1]);
	}
	if (optind + 1 != argc)
		return hub_usage_error(_("usage: hub user add NAME "
		    "[--password-stdin]"));
	name = argv[optind];
	if (!dash_user_valid(name))
		return hub_usage_error(_("user name '%s' is not valid: use up "
		    "to %d letters, digits, '.', '_', '-' or '@'"), name,
		    DASH_USER_MAX);
	memset(pw, 0, sizeof(pw));
	err_init(&e);
	if ((rc = get_password(from_stdin, pw)) != 0)
		goto out;
	if ((rc = dash_password_hash(pw, strlen(pw), hash, &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	datetime_format_local(clock_now(), at);
	if ((rc = hub_store_add_user(c->st, name, hash, at, &e)) != 0) {
		rc = hub_error(&e);
		goto out;
	}
	printf(_("user '%s' added: they log in to the dashboard of "
	    "'hub serve'\n"), name);
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

static int
print_user(const struct hub_user *u, void *arg)
{
	json_t	*a = arg, *o;

	if (a != NULL) {
		o = json_object();
		json_object_set_new(o, "name", json_string(u->name));
		json_object_set_new(o, "created_at",
		    json_string(u->created_at));
		json_object_set_new(o, "sessions", json_integer(u->sessions));
		json_array_append_new(a, o);
		return 0;
	}
	printf("%-24s %-25s %8lld\n", u->name, u->created_at,
	    (long long)u->sessions);
	return 0;
}

static int
user_list(struct hub_ctx *c, int argc, char **argv)
{
	struct err	 e;
	json_t		*a = NULL;
	int		 rc;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		a = json_array();
	else if (argc != 1)
		return hub_usage_error(_("usage: hub user list [--json]"));
	err_init(&e);
	if (a == NULL)
		printf("%-24s %-25s %8s\n", _("USER"), _("CREATED"),
		    _("SESSIONS"));
	if ((rc = hub_store_each_user(c->st, (int64_t)clock_now(),
	    DASH_IDLE_SECS, DASH_ABSOLUTE_SECS, print_user, a, &e)) != 0)
		rc = hub_error(&e);
	else if (a != NULL)
		hub_print_json(a);
	json_decref(a);
	return rc;
}

static int
user_remove(struct hub_ctx *c, int argc, char **argv)
{
	struct err	e;
	int64_t		n;
	int		rc;

	if (argc != 2)
		return hub_usage_error(_("usage: hub user remove NAME"));
	err_init(&e);
	if ((rc = hub_store_remove_user(c->st, argv[1], &n, &e)) != 0)
		return hub_error(&e);
	printf(_("user '%s' removed; sessions ended: %lld\n"), argv[1],
	    (long long)n);
	return 0;
}

int
hub_cmd_user(struct hub_ctx *c, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text(), argc < 2 ? stderr : stdout);
		return argc < 2 ? ERR_USAGE : 0;
	}
	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	if (strcmp(argv[1], "add") == 0)
		return user_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return user_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return user_remove(c, argc - 1, argv + 1);
	return hub_usage_error(_("'user %s' is not a command: add, list or "
	    "remove"), argv[1]);
}
