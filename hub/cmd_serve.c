/*
 * cmd_serve.c: `hub serve`: the HTTP API the devices sync with, until
 * SIGTERM or SIGINT. One line per event on stdout (journald keeps it
 * under systemd); the first says where it listens.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub.h"

#define DEFAULT_LISTEN	"127.0.0.1:8080"
#define PEM_MAX		(1u << 20)

static const char *
usage_text(void)
{
	return _("usage: hub serve [--listen HOST:PORT] "
	    "[--tls-cert FILE --tls-key FILE]\n"
	    "\n"
	    "Serves the API the devices sync with (uploads of batches, the\n"
	    "published forms) until stopped with SIGTERM or Ctrl-C, logging\n"
	    "one line per event on the standard output. --listen defaults to\n"
	    "127.0.0.1:8080 (this machine only; 0.0.0.0:8080 for every\n"
	    "network, port 0 for any free one). With --tls-cert and\n"
	    "--tls-key (PEM files) it speaks HTTPS itself; else put it\n"
	    "behind a reverse proxy that does.\n");
}

/* "HOST:PORT" or "[V6]:PORT" into host (in place) and port. */
static int
parse_listen(char *s, char **host, unsigned *port)
{
	char		*colon, *end;
	unsigned long	 p;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -1;
		*end = '\0';
		*host = s + 1;
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		*colon = '\0';
		*host = s;
	}
	if (**host == '\0' || colon[1] == '\0')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

int
hub_cmd_serve(struct hub_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct hub_store	*st = NULL;
	struct serve_opts	 o;
	struct err		 e;
	const char		*listen = DEFAULT_LISTEN, *cert = NULL;
	const char		*key = NULL, *v;
	char			*addr = NULL, *home = NULL, *certp = NULL;
	char			*keyp = NULL, *end;
	size_t			 len;
	int			 ch, rc;

	if (hub_std_opts(argc, argv, usage_text()))
		return 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case ':':
			return hub_usage_error(_("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return hub_usage_error(_("unknown option '%s' for "
			    "'serve'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hub_usage_error(_("unexpected argument '%s'"),
		    argv[optind]);
	if ((cert == NULL) != (key == NULL))
		return hub_usage_error(_("--tls-cert and --tls-key go "
		    "together"));
	memset(&o, 0, sizeof(o));
	if ((addr = strdup(listen)) == NULL)
		return hub_usage_error(_("out of memory"));
	if (parse_listen(addr, (char **)&o.host, &o.port) != 0) {
		rc = hub_usage_error(_("--listen '%s' is not HOST:PORT"),
		    listen);
		goto out;
	}
	/* Tests shorten the idle timeout; a coordinator has no need to. */
	if ((v = getenv("HUB_TIMEOUT")) != NULL && *v != '\0') {
		o.timeout = (unsigned)strtoul(v, &end, 10);
		if (*end != '\0')
			o.timeout = 0;
	}
	err_init(&e);
	if (cert != NULL &&
	    ((rc = file_read(cert, PEM_MAX, &certp, &len, &e)) != 0 ||
	    (rc = file_read(key, PEM_MAX, &keyp, &len, &e)) != 0)) {
		rc = hub_error(&e);
		goto out;
	}
	if (cert != NULL && (certp == NULL || keyp == NULL)) {
		err_set(&e, ERR_INPUT, _("'%s' or '%s' is empty"), cert, key);
		rc = hub_error(&e);
		goto out;
	}
	/* The store is opened here first, for its message when missing. */
	if ((rc = hub_open_store(c, 0, &st)) != 0)
		goto out;
	hub_store_close(st);
	if ((home = hub_store_home(c->home)) == NULL) {
		rc = hub_usage_error(_("out of memory"));
		goto out;
	}
	o.home = home;
	o.tls_cert = certp;
	o.tls_key = keyp;
	o.log = stdout;
	if ((rc = serve_run(&o, &e)) != 0)
		rc = hub_error(&e);
out:
	if (keyp != NULL)
		sodium_memzero(keyp, strlen(keyp));
	free(keyp);
	free(certp);
	free(home);
	free(addr);
	return rc;
}
