/*
 * test_dashboard.c: the dashboard's pieces (hub/dashboard.c) that a
 * request is taken apart with (cookies, form fields, CSRF tokens,
 * session expiry, account names, password hashes), and what the store
 * keeps of the coordinators (hub/store.c): sessions by the hash of their
 * token, a removed user's sessions gone, wrong passwords counted in a
 * window that forgets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../hub/hub.h"

static void
test_cookie(void **state)
{
	static const struct {
		const char	*header;
		const char	*want;		/* NULL: not found */
	} cases[] = {
		{ "hub_session=abc", "abc" },
		{ "a=1; hub_session=abc; b=2", "abc" },
		{ "a=1;hub_session=abc", "abc" },
		{ "  hub_session=abc  ", "abc" },
		{ "xhub_session=abc", NULL },
		{ "hub_session_x=abc", NULL },
		{ "hub_session=", NULL },
		{ "hub_session", NULL },
		{ "", NULL },
		{ NULL, NULL },
		/* the first of two */
		{ "hub_session=one; hub_session=two", "one" },
		/* longer than the room: not cut to a prefix */
		{ "hub_session=0123456789abcdef0123456789abcdef0123456789abc"
		  "def", NULL },
	};
	char	out[33];
	size_t	i;
	int	got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = dash_cookie(cases[i].header, DASH_COOKIE, out,
		    sizeof(out));
		if (cases[i].want == NULL) {
			assert_int_equal(got, 0);
			assert_string_equal(out, "");
		} else {
			assert_int_equal(got, 1);
			assert_string_equal(out, cases[i].want);
		}
	}
}

static void
test_form_field(void **state)
{
	static const struct {
		const char	*body;
		const char	*name;
		const char	*want;		/* NULL: refused */
	} cases[] = {
		{ "user=maria&password=x", "user", "maria" },
		{ "user=maria&password=x", "password", "x" },
		{ "password=a+b%20c%26d%3D", "password", "a b c&d=" },
		{ "xuser=a&user=b", "user", "b" },
		{ "user=", "user", "" },
		{ "user", "user", NULL },
		{ "other=1", "user", NULL },
		{ "user=%4", "user", NULL },		/* cut escape */
		{ "user=%zz", "user", NULL },
		{ "user=a%00b", "user", NULL },		/* a NUL inside */
		{ "user=%ff%fe", "user", NULL },	/* not UTF-8 */
		{ "user=Mar%C3%ADa", "user", "María" },
		{ "user=0123456789", "user", NULL },	/* past the room */
	};
	char	out[10];
	size_t	i;
	int	got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = dash_form_field(cases[i].body, strlen(cases[i].body),
		    cases[i].name, out, sizeof(out));
		if (cases[i].want == NULL)
			assert_int_equal(got, 0);
		else {
			assert_int_equal(got, 1);
			assert_string_equal(out, cases[i].want);
		}
	}
}

static void
test_csrf(void **state)
{
	char	a[DASH_CSRF_CHARS], b[DASH_CSRF_CHARS];

	(void)state;
	dash_csrf("token-one", "logout", a);
	assert_int_equal(strlen(a), DASH_CSRF_CHARS - 1);
	assert_int_equal(strspn(a, "0123456789abcdef"), DASH_CSRF_CHARS - 1);
	dash_csrf("token-one", "logout", b);
	assert_string_equal(a, b);		/* the same session: the same */
	dash_csrf("token-two", "logout", b);
	assert_string_not_equal(a, b);		/* another session's: not */
	dash_csrf("token-one", "login", b);
	assert_string_not_equal(a, b);		/* another form's: not */
	assert_null(strstr(a, "token"));
}

static void
test_session_live(void **state)
{
	static const struct {
		int64_t	created, seen, now;
		int	live;
	} cases[] = {
		{ 1000, 1000, 1000, 1 },
		{ 1000, 1000, 1000 + DASH_IDLE_SECS - 1, 1 },
		{ 1000, 1000, 1000 + DASH_IDLE_SECS, 0 },	/* idle */
		/* seen now and then, until the absolute end */
		{ 1000, 1000 + DASH_ABSOLUTE_SECS - 10,
		  1000 + DASH_ABSOLUTE_SECS - 1, 1 },
		{ 1000, 1000 + DASH_ABSOLUTE_SECS - 10,
		  1000 + DASH_ABSOLUTE_SECS, 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(dash_session_live(cases[i].created,
		    cases[i].seen, cases[i].now), cases[i].live);
}

static void
test_user_valid(void **state)
{
	char	long_name[DASH_USER_MAX + 2];

	(void)state;
	assert_true(dash_user_valid("maria"));
	assert_true(dash_user_valid("m.quispe@diresa-apurimac"));
	assert_false(dash_user_valid(""));
	assert_false(dash_user_valid("<script>"));
	assert_false(dash_user_valid("ana maria"));
	assert_false(dash_user_valid("user:x"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[DASH_USER_MAX] = '\0';
	assert_true(dash_user_valid(long_name));
	long_name[DASH_USER_MAX] = 'a';
	long_name[DASH_USER_MAX + 1] = '\0';
	assert_false(dash_user_valid(long_name));
}

static void
test_password_hash(void **state)
{
	struct err	e;
	char		h[128];

	(void)state;
	err_init(&e);
	assert_int_equal(dash_password_hash("correct horse", 13, h, &e), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_int_equal(crypto_pwhash_str_verify(h, "correct horse", 13), 0);
	assert_int_not_equal(crypto_pwhash_str_verify(h, "correct hors", 12),
	    0);
}

/* ------------------------------------------------------------------ */
/* The store                                                           */

struct fixture {
	char			 home[64];
	struct hub_store	*st;
};

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	struct err	 e;

	err_init(&e);
	snprintf(fx->home, sizeof(fx->home), "/tmp/test_dashboard.XXXXXX");
	assert_non_null(mkdtemp(fx->home));
	assert_int_equal(hub_store_create(fx->home, &fx->st, &e), 0);
	assert_int_equal(hub_store_publish(fx->st, &e), 0);
	assert_int_equal(hub_store_open(fx->home, &fx->st, &e), 0);
	assert_int_equal(hub_store_add_user(fx->st, "maria", "$argon2id$x",
	    "2026-12-01T08:00:00-05:00", &e), 0);
	assert_int_equal(hub_store_add_user(fx->st, "pedro", "$argon2id$y",
	    "2026-12-01T08:00:00-05:00", &e), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	hub_store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->home);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static int
count_user(const struct hub_user *u, void *arg)
{
	int64_t	*n = arg;

	if (strcmp(u->name, "maria") == 0)
		*n = u->sessions;
	return 0;
}

static void
test_store_sessions(void **state)
{
	struct fixture		*fx = *state;
	struct hub_session	 s;
	struct hub_user		 u;
	struct err		 e;
	unsigned char		 h1[HUB_TOKEN_HASH_BYTES];
	unsigned char		 h2[HUB_TOKEN_HASH_BYTES];
	int64_t			 n = -1, t = 1000000;
	int			 found;

	err_init(&e);
	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	assert_int_equal(hub_store_add_user(fx->st, "maria", "z", "x", &e),
	    ERR_INPUT);
	assert_int_equal(hub_store_add_session(fx->st, h1, "maria", t,
	    DASH_IDLE_SECS, DASH_ABSOLUTE_SECS, &e), 0);
	assert_int_equal(hub_store_get_session(fx->st, h1, &s, &found, &e),
	    0);
	assert_int_equal(found, 1);
	assert_string_equal(s.user, "maria");
	assert_int_equal(s.created_at, t);
	assert_int_equal(s.seen_at, t);
	free(s.user);
	assert_int_equal(hub_store_touch_session(fx->st, h1, t + 100, &e), 0);
	assert_int_equal(hub_store_get_session(fx->st, h1, &s, &found, &e),
	    0);
	assert_int_equal(s.seen_at, t + 100);
	free(s.user);
	assert_int_equal(hub_store_get_session(fx->st, h2, &s, &found, &e),
	    0);
	assert_int_equal(found, 0);

	/* A session made an hour later sweeps the one idle since. */
	assert_int_equal(hub_store_each_user(fx->st, t + 200, DASH_IDLE_SECS,
	    DASH_ABSOLUTE_SECS, count_user, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hub_store_add_session(fx->st, h2, "maria",
	    t + 100 + DASH_IDLE_SECS, DASH_IDLE_SECS, DASH_ABSOLUTE_SECS, &e),
	    0);
	assert_int_equal(hub_store_get_session(fx->st, h1, &s, &found, &e),
	    0);
	assert_int_equal(found, 0);

	/* Removing maria ends hers; pedro's goes on. */
	assert_int_equal(hub_store_add_session(fx->st, h1, "pedro",
	    t + 100 + DASH_IDLE_SECS, DASH_IDLE_SECS, DASH_ABSOLUTE_SECS, &e),
	    0);
	assert_int_equal(hub_store_remove_user(fx->st, "maria", &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hub_store_get_session(fx->st, h2, &s, &found, &e),
	    0);
	assert_int_equal(found, 0);
	assert_int_equal(hub_store_get_user(fx->st, "maria", &u, &found, &e),
	    0);
	assert_int_equal(found, 0);
	assert_int_equal(hub_store_get_session(fx->st, h1, &s, &found, &e),
	    0);
	assert_int_equal(found, 1);
	free(s.user);
	assert_int_equal(hub_store_remove_user(fx->st, "maria", &n, &e),
	    ERR_INPUT);
	assert_int_equal(hub_store_remove_session(fx->st, h1, &e), 0);
	assert_int_equal(hub_store_get_session(fx->st, h1, &s, &found, &e),
	    0);
	assert_int_equal(found, 0);
}

static void
test_store_failures(void **state)
{
	struct fixture	*fx = *state;
	struct err	 e;
	const char	*keys[] = { "user:maria", "addr:10.0.0.1" };
	int64_t		 n, oldest, t = 1000000, w = DASH_FAIL_WINDOW;

	err_init(&e);
	assert_int_equal(hub_store_add_login_failure(fx->st, keys, 2, t,
	    t - w, &e), 0);
	assert_int_equal(hub_store_add_login_failure(fx->st, keys, 1, t + 60,
	    t + 60 - w, &e), 0);
	assert_int_equal(hub_store_login_failures(fx->st, "user:maria",
	    t + 60 - w, &n, &oldest, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(oldest, t);
	assert_int_equal(hub_store_login_failures(fx->st, "addr:10.0.0.1",
	    t + 60 - w, &n, &oldest, &e), 0);
	assert_int_equal(n, 1);
	/* At t + w, the window slides past the first. */
	assert_int_equal(hub_store_login_failures(fx->st, "user:maria",
	    t, &n, &oldest, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(oldest, t + 60);
	/* A failure later still deletes those out of every window. */
	assert_int_equal(hub_store_add_login_failure(fx->st, keys + 1, 1,
	    t + 2 * w, t + w, &e), 0);
	assert_int_equal(hub_store_login_failures(fx->st, "user:maria", 0,
	    &n, &oldest, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(hub_store_clear_login_failures(fx->st,
	    "addr:10.0.0.1", &e), 0);
	assert_int_equal(hub_store_login_failures(fx->st, "addr:10.0.0.1", 0,
	    &n, &oldest, &e), 0);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_form_field),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_session_live),
		cmocka_unit_test(test_user_valid),
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test_setup_teardown(test_store_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_failures, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
