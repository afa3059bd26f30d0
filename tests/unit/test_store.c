/*
 * test_store.c: the store's promises. A store made by an older schema
 * opens and keeps its data; a finalized submission cannot change, even by
 * SQL that bypasses the C functions, but for the hub's one answer (sent,
 * or rejected with a reason); answers are upserted and cleared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../../collector/cmd.h"
#include "../../collector/fill.h"
#include "../../collector/store.h"
#include "../../collector/wire.h"

/*
 * The link seam for uuid_v4 (common/uuid.c is not pulled from libcommon.a
 * when this one is defined): ids that count up, or none at all, as when
 * libsodium finds no source of random numbers.
 */
static int	uuid_fails;

void
uuid_v4(char out[UUID_STR_LEN + 1])
{
	static unsigned	n;

	if (uuid_fails) {
		out[0] = '\0';
		return;
	}
	snprintf(out, UUID_STR_LEN + 1,
	    "00000000-0000-4000-8000-%012x", ++n);
}

struct fixture {
	char		 home[64];
	struct store	*st;
};

/* A new store in home, in place and open, as `init' leaves it. */
static struct store *
make_store(const char *home)
{
	struct store	*st;
	struct err	 e;

	err_init(&e);
	assert_int_equal(store_create(home, &st, &e), 0);
	assert_int_equal(store_publish(st, &e), 0);
	assert_int_equal(store_open(home, &st, &e), 0);
	return st;
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	snprintf(fx->home, sizeof(fx->home), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->home));
	fx->st = make_store(fx->home);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->home);
	if (system(cmd) != 0)
		return 1;
	free(fx);
	return 0;
}

static int64_t
put_form(struct store *st, const char *id, const char *version,
    const char *bytes, enum store_put *how)
{
	struct store_form	f;
	struct store_form	got;
	struct err		e;
	int64_t			row;

	err_init(&e);
	memset(&f, 0, sizeof(f));
	f.form_id = (char *)id;
	f.version = (char *)version;
	f.title = (char *)"T";
	f.languages = (char *)"[\"default\"]";
	f.file = (char *)"t.csv";
	f.content = (void *)bytes;
	f.len = strlen(bytes);
	assert_int_equal(store_put_form(st, &f, how, &e), 0);
	assert_int_equal(store_get_form(st, id, &got, &e), 0);
	row = got.id;
	store_form_release(&got);
	return row;
}

static int64_t
new_draft(struct store *st, int64_t form, const char *iid)
{
	struct store_sub	s;
	struct err		e;

	err_init(&e);
	memset(&s, 0, sizeof(s));
	s.instance_id = (char *)iid;
	s.form = form;
	s.device_id = (char *)"dev-1";
	s.started_at = (char *)"2026-01-01T10:00:00-05:00";
	assert_int_equal(store_create_sub(st, &s, &e), 0);
	return s.id;
}

static void
collect(const char *path, const char *value, void *arg)
{
	struct buf	*b = arg;

	buf_addf(b, "%s=%s;", path, value);
}

static void
test_answers_upsert(void **state)
{
	struct fixture	*fx = *state;
	struct buf	 b;
	struct err	 e;
	enum store_put	 how;
	int64_t		 form, sub;

	err_init(&e);
	buf_init(&b, 4096);
	form = put_form(fx->st, "f", "1", "a", &how);
	sub = new_draft(fx->st, form,
	    "uuid:11111111-1111-4111-8111-111111111111");
	assert_int_equal(store_put_answer(fx->st, sub, "a", "1", &e), 0);
	assert_int_equal(store_put_answer(fx->st, sub, "b", "2", &e), 0);
	assert_int_equal(store_put_answer(fx->st, sub, "a", "3", &e), 0);
	assert_int_equal(store_put_answer(fx->st, sub, "c", "4", &e), 0);
	assert_int_equal(store_put_answer(fx->st, sub, "b", NULL, &e), 0);
	assert_int_equal(store_each_answer(fx->st, sub, collect, &b, &e), 0);
	/* Upserted in place: a keeps its first position. */
	assert_string_equal(b.p, "a=3;c=4;");
	/* A draft with answers is discarded with them. */
	assert_int_equal(store_delete_draft(fx->st, sub, &e), 0);
	buf_reset(&b);
	assert_int_equal(store_each_answer(fx->st, sub, collect, &b, &e), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_finalized_immutable(void **state)
{
	struct fixture		*fx = *state;
	struct store_sub	 s;
	struct err		 e;
	enum store_put		 how;
	int64_t			 form, sub;
	static const char *const bypass[] = {
		"UPDATE answers SET value = 'x'",
		"DELETE FROM answers",
		"INSERT INTO answers VALUES (1, 'z', 'z', 9)",
		"UPDATE submissions SET data = '{}'",
		"UPDATE submissions SET state = 'draft'",
		"UPDATE submissions SET state = 'sent', data = '{}'",
		"UPDATE submissions SET state = 'sent', reason = 'x'",
		"UPDATE submissions SET state = 'rejected'",
		"UPDATE submissions SET state = 'rejected', reason = 'x', "
		    "xml = '<g/>'",
		"UPDATE submissions SET position = 'a'",
		"DELETE FROM submissions",
	};
	size_t			 i;
	int			 done;

	err_init(&e);
	form = put_form(fx->st, "f", "1", "a", &how);
	sub = new_draft(fx->st, form,
	    "uuid:22222222-2222-4222-8222-222222222222");
	assert_int_equal(sub, 1);
	assert_int_equal(store_put_answer(fx->st, sub, "a", "1", &e), 0);
	assert_int_equal(store_finalize_sub(fx->st, sub,
	    "2026-01-01T10:05:00-05:00", "{\"a\":1}", "<f/>", &e), 0);

	err_init(&e);
	assert_int_equal(store_put_answer(fx->st, sub, "a", "2", &e),
	    ERR_INPUT);
	assert_non_null(strstr(e.msg, "finalized"));
	err_init(&e);
	assert_int_equal(store_delete_draft(fx->st, sub, &e), ERR_INPUT);
	for (i = 0; i < sizeof(bypass) / sizeof(bypass[0]); i++) {
		assert_int_not_equal(sqlite3_exec(fx->st->db->sql, bypass[i], NULL,
		    NULL, NULL), SQLITE_OK);
	}
	/* The one change allowed: finalized -> sent, once. */
	err_init(&e);
	assert_int_equal(store_acknowledge(fx->st,
	    "uuid:22222222-2222-4222-8222-222222222222", SUB_SENT, NULL, &done,
	    &e), 0);
	assert_int_equal(done, 1);
	assert_int_equal(store_acknowledge(fx->st,
	    "uuid:22222222-2222-4222-8222-222222222222", SUB_SENT, NULL, &done,
	    &e), 0);
	assert_int_equal(done, 0);
	assert_int_equal(store_acknowledge(fx->st,
	    "uuid:22222222-2222-4222-8222-222222222222", SUB_REJECTED, "late",
	    &done, &e), 0);
	assert_int_equal(done, 0);
	assert_int_not_equal(sqlite3_exec(fx->st->db->sql, "UPDATE submissions "
	    "SET state = 'finalized'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(fx->st->db->sql, "UPDATE submissions "
	    "SET state = 'rejected', reason = 'x'", NULL, NULL, NULL),
	    SQLITE_OK);

	err_init(&e);
	assert_int_equal(store_find_sub(fx->st, "2222", &s, &e), 0);
	assert_int_equal(s.state, SUB_SENT);
	assert_string_equal(s.data, "{\"a\":1}");
	assert_null(s.reason);
	store_sub_release(&s);
}

static void
test_find_prefix(void **state)
{
	struct fixture		*fx = *state;
	struct store_sub	 s;
	struct err		 e;
	enum store_put		 how;
	int64_t			 form;

	form = put_form(fx->st, "f", "1", "a", &how);
	new_draft(fx->st, form, "uuid:abcd1111-1111-4111-8111-111111111111");
	new_draft(fx->st, form, "uuid:abcd2222-1111-4111-8111-111111111111");
	err_init(&e);
	assert_int_equal(store_find_sub(fx->st, "abcd", &s, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "more than one"));
	err_init(&e);
	assert_int_equal(store_find_sub(fx->st, "ABCD2", &s, &e), 0);
	assert_string_equal(s.instance_id,
	    "uuid:abcd2222-1111-4111-8111-111111111111");
	store_sub_release(&s);
	err_init(&e);
	assert_int_equal(store_find_sub(fx->st,
	    "uuid:abcd1111-1111-4111-8111-111111111111", &s, &e), 0);
	store_sub_release(&s);
	err_init(&e);
	assert_int_equal(store_find_sub(fx->st, "abc%", &s, &e), ERR_INPUT);
	err_init(&e);
	assert_int_equal(store_find_sub(fx->st, "ffff", &s, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "no submission"));
}

static void
test_form_versions(void **state)
{
	struct fixture		*fx = *state;
	struct store_form	 f, got;
	struct err		 e;
	enum store_put		 how;
	int64_t			 v1, v2;

	v1 = put_form(fx->st, "f", "9", "a", &how);
	assert_int_equal(how, STORE_PUT_NEW);
	put_form(fx->st, "f", "9", "a", &how);
	assert_int_equal(how, STORE_PUT_SAME);
	v2 = put_form(fx->st, "f", "10", "b", &how);
	assert_int_equal(how, STORE_PUT_REPLACED);
	assert_int_not_equal(v1, v2);
	/* The old version stays for the drafts that started with it. */
	err_init(&e);
	assert_int_equal(store_get_form_by_row(fx->st, v1, &got, &e), 0);
	assert_string_equal(got.version, "9");
	assert_memory_equal(got.content, "a", 1);
	store_form_release(&got);

	memset(&f, 0, sizeof(f));
	f.form_id = (char *)"f";
	f.title = f.file = (char *)"t";
	f.languages = (char *)"[]";
	f.content = (void *)"c";
	f.len = 1;
	f.version = (char *)"8";
	err_init(&e);
	assert_int_equal(store_put_form(fx->st, &f, &how, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "older"));
	f.version = (char *)"10";
	err_init(&e);
	assert_int_equal(store_put_form(fx->st, &f, &how, &e), ERR_INPUT);
	assert_non_null(strstr(e.msg, "other content"));

	assert_true(store_version_cmp("10", "9") > 0);
	assert_true(store_version_cmp("2025010101", "2025010102") < 0);
	assert_true(store_version_cmp("1.2", "1.10") > 0);	/* bytes */
	assert_int_equal(store_version_cmp("007", "7"), 0);
}

/*
 * The schema of collector 0.1 (migrations 1 and 2, as they shipped), for
 * making a store of schema 2 by hand.
 */
static const char v2_schema[] =
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"
	"CREATE TABLE forms ("
	"  id INTEGER PRIMARY KEY,"
	"  form_id TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  languages TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  content BLOB NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  installed_at TEXT NOT NULL,"
	"  current INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE (form_id, version)"
	");"
	"CREATE UNIQUE INDEX forms_current ON forms(form_id) WHERE current;"
	"CREATE TABLE submissions ("
	"  id INTEGER PRIMARY KEY,"
	"  instance_id TEXT NOT NULL UNIQUE,"
	"  form INTEGER NOT NULL REFERENCES forms(id),"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('draft', 'finalized', 'sent')),"
	"  deprecated_id TEXT,"
	"  device_id TEXT NOT NULL,"
	"  promoter TEXT,"
	"  started_at TEXT NOT NULL,"
	"  finalized_at TEXT,"
	"  lang TEXT,"
	"  position TEXT,"
	"  json TEXT,"
	"  xml TEXT,"
	"  CHECK (state = 'draft' OR (finalized_at IS NOT NULL"
	"    AND json IS NOT NULL AND xml IS NOT NULL))"
	");"
	"CREATE TABLE answers ("
	"  submission INTEGER NOT NULL"
	"    REFERENCES submissions(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (submission, path)"
	");"
	"CREATE TRIGGER answers_frozen_insert BEFORE INSERT ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = NEW.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_update BEFORE UPDATE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER answers_frozen_delete BEFORE DELETE ON answers"
	"  WHEN (SELECT state FROM submissions WHERE id = OLD.submission)"
	"    IS NOT 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER submissions_frozen_update BEFORE UPDATE ON submissions"
	"  WHEN OLD.state <> 'draft' AND NOT (OLD.state = 'finalized'"
	"    AND NEW.state = 'sent'"
	"    AND NEW.instance_id IS OLD.instance_id AND NEW.form IS OLD.form"
	"    AND NEW.deprecated_id IS OLD.deprecated_id"
	"    AND NEW.device_id IS OLD.device_id"
	"    AND NEW.promoter IS OLD.promoter"
	"    AND NEW.started_at IS OLD.started_at"
	"    AND NEW.finalized_at IS OLD.finalized_at"
	"    AND NEW.lang IS OLD.lang AND NEW.json IS OLD.json"
	"    AND NEW.xml IS OLD.xml AND NEW.id IS OLD.id)"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE TRIGGER submissions_frozen_delete BEFORE DELETE ON submissions"
	"  WHEN OLD.state <> 'draft'"
	"  BEGIN SELECT RAISE(ABORT, 'submission is finalized'); END;"
	"CREATE INDEX submissions_state ON submissions(state, form);";

/* A store of schema 2 in home, with the rows of sql. */
static void
make_v2(const char *home, const char *sql)
{
	sqlite3	*db;
	char	 path[128];

	snprintf(path, sizeof(path), "%s/collector.db", home);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_schema, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2;"
	    "INSERT INTO forms VALUES (1, 'f', '1', 'T', '[]', 'f.csv', "
	    "x'61', 'h', 't', 1);", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int
user_version(struct store *st)
{
	sqlite3_stmt	*stmt;
	int		 v;

	assert_int_equal(sqlite3_prepare_v2(st->db->sql, "PRAGMA "
	    "user_version", -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* Whether a step of sql's query plan names what (e.g. an index). */
static int
plan_uses(struct store *st, const char *sql, const char *what)
{
	sqlite3_stmt	*stmt;
	char		 q[256];
	int		 yes = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(st->db->sql, q, -1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(stmt, 3), what))
			yes = 1;
	sqlite3_finalize(stmt);
	return yes;
}

static int
count(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	int		 n;

	assert_int_equal(sqlite3_prepare_v2(st->db->sql, sql, -1, &stmt,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

/*
 * A store of schema 1, as the first collector made it: the migration to
 * the current schema keeps its data and its rules.
 */
static void
test_migrate_v1(void **state)
{
	struct fixture		*fx = *state;
	struct store		*st;
	struct store_sub	 s;
	struct err		 e;
	sqlite3			*db;
	char			 home[64], path[128];

	(void)fx;
	snprintf(home, sizeof(home), "/tmp/test_store_v1.XXXXXX");
	assert_non_null(mkdtemp(home));
	/* Schema 2 rolled back to schema 1 by hand. */
	make_v2(home, "DROP INDEX submissions_state;"
	    "PRAGMA user_version = 1;"
	    "INSERT INTO submissions (instance_id, form, state, device_id, "
	    "started_at) VALUES ('uuid:33333333-3333-4333-8333-333333333333',"
	    " 1, 'draft', 'd', 't');"
	    "INSERT INTO answers VALUES (1, 'a', 'kept', 1);");

	err_init(&e);
	assert_int_equal(store_open(home, &st, &e), 0);
	assert_int_equal(user_version(st), store_schema_version());
	/* made before the application id: it gets it ("CLCT") */
	assert_int_equal(count(st, "SELECT application_id FROM "
	    "pragma_application_id"), 0x434c4354);
	assert_int_equal(count(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'submissions_state'"), 1);
	assert_int_equal(store_find_sub(st, "3333", &s, &e), 0);
	assert_string_equal(s.form_id, "f");
	store_sub_release(&s);
	assert_int_equal(count(st, "SELECT count(*) FROM answers "
	    "WHERE value = 'kept'"), 1);
	store_close(st);

	/* A store from a newer collector is refused, not damaged. */
	snprintf(path, sizeof(path), "%s/collector.db", home);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	err_init(&e);
	assert_int_equal(store_open(home, &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "newer collector"));

	snprintf(path, sizeof(path), "rm -rf '%s'", home);
	assert_int_equal(system(path), 0);
}

/*
 * Schema 2 -> 3: the submissions table is rebuilt with the 'rejected'
 * state and its reason, and the frozen JSON becomes its data object. Every
 * row and answer is kept, the data byte for byte; the rules come back and
 * now allow exactly finalized -> sent and finalized -> rejected.
 */
static void
test_migrate_v2(void **state)
{
	struct fixture		*fx = *state;
	struct store		*st;
	struct store_sub	 s;
	struct err		 e;
	char			 home[64], cmd[128];
	char			*env;
	int			 done;

	(void)fx;
	snprintf(home, sizeof(home), "/tmp/test_store_v2.XXXXXX");
	assert_non_null(mkdtemp(home));
	make_v2(home,
	    /* 1: a draft with an answer */
	    "INSERT INTO submissions (instance_id, form, state, device_id, "
	    "started_at, position) VALUES "
	    "('uuid:44444444-4444-4444-8444-444444444441', 1, 'draft', 'd', "
	    "'t0', 'a');"
	    "INSERT INTO answers VALUES (1, 'a', 'draft answer', 1);"
	    /* 2: finalized, its JSON as collector 0.1 froze it; a promoter
	     * whose name holds the very text that ends the header */
	    "INSERT INTO submissions (instance_id, form, state, device_id, "
	    "promoter, started_at) VALUES "
	    "('uuid:44444444-4444-4444-8444-444444444442', 1, 'draft', "
	    "'d', 'Ana ,\"data\":', '2026-01-01T10:00:00-05:00');"
	    "INSERT INTO answers VALUES (2, 'hb', '11.50', 1);"
	    "UPDATE submissions SET state = 'finalized', "
	    "finalized_at = '2026-01-01T10:05:00-05:00', xml = '<f/>', json = "
	    "'{\"instance_id\":\"uuid:44444444-4444-4444-8444-444444444442\","
	    "\"deprecated_id\":null,\"form_id\":\"f\",\"form_version\":\"1\","
	    "\"device_id\":\"d\",\"promoter\":\"Ana ,\\\"data\\\":\","
	    "\"started_at\":\"2026-01-01T10:00:00-05:00\","
	    "\"finalized_at\":\"2026-01-01T10:05:00-05:00\","
	    "\"data\":{\"hb\":11.50,\"k\":[{\"x\":\"}\"}]}}' WHERE id = 2;"
	    /* 3: sent */
	    "INSERT INTO submissions (instance_id, form, state, device_id, "
	    "started_at, finalized_at, json, xml) VALUES "
	    "('uuid:44444444-4444-4444-8444-444444444443', 1, 'sent', 'd', "
	    "'t0', 't1', '{\"instance_id\":\"x\",\"data\":{}}', '<f/>');");

	err_init(&e);
	assert_int_equal(store_open(home, &st, &e), 0);
	assert_int_equal(user_version(st), store_schema_version());
	assert_int_equal(count(st, "SELECT count(*) FROM answers"), 2);
	assert_int_equal(count(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'trigger'"), 6);
	assert_int_equal(count(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'submissions_state'"), 1);
	/* 5: the next answer's seq is one seek, not a scan of the draft */
	assert_int_equal(count(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'answers_seq'"), 1);
	assert_true(plan_uses(st, "SELECT max(seq) FROM answers "
	    "WHERE submission = 1", "INDEX answers_seq"));
	assert_int_equal(count(st, "SELECT count(*) FROM "
	    "pragma_foreign_key_check"), 0);

	assert_int_equal(store_find_sub(st, "44444444-4444-4444-8444-4444444"
	    "44441", &s, &e), 0);
	assert_int_equal(s.state, SUB_DRAFT);
	assert_string_equal(s.position, "a");
	assert_null(s.data);
	store_sub_release(&s);
	assert_int_equal(store_find_sub(st, "44444444-4444-4444-8444-4444444"
	    "44442", &s, &e), 0);
	assert_int_equal(s.state, SUB_FINALIZED);
	assert_string_equal(s.data, "{\"hb\":11.50,\"k\":[{\"x\":\"}\"}]}");
	assert_string_equal(s.promoter, "Ana ,\"data\":");
	/* The envelope comes back as it was frozen. */
	assert_non_null(env = wire_envelope(&s, s.data, 0));
	assert_string_equal(env, "{\"instance_id\":\"uuid:44444444-4444-4444-"
	    "8444-444444444442\",\"deprecated_id\":null,\"form_id\":\"f\","
	    "\"form_version\":\"1\",\"device_id\":\"d\",\"promoter\":"
	    "\"Ana ,\\\"data\\\":\",\"started_at\":\"2026-01-01T10:00:00-05:00\","
	    "\"finalized_at\":\"2026-01-01T10:05:00-05:00\","
	    "\"data\":{\"hb\":11.50,\"k\":[{\"x\":\"}\"}]}}");
	free(env);
	store_sub_release(&s);
	assert_int_equal(store_find_sub(st, "44444444-4444-4444-8444-4444444"
	    "44443", &s, &e), 0);
	assert_int_equal(s.state, SUB_SENT);
	assert_string_equal(s.data, "{}");
	store_sub_release(&s);

	/* The rules after the rebuild. */
	assert_int_not_equal(sqlite3_exec(st->db->sql, "UPDATE answers SET "
	    "value = 'x' WHERE submission = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(st->db->sql, "DELETE FROM "
	    "submissions WHERE id = 3", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(st->db->sql, "UPDATE submissions "
	    "SET state = 'rejected', reason = 'r' WHERE id = 1", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_acknowledge(st, "uuid:44444444-4444-4444-8444-"
	    "444444444442", SUB_REJECTED, "unknown form version", &done, &e),
	    0);
	assert_int_equal(done, 1);
	/* A draft still deletes with its answers. */
	assert_int_equal(store_delete_draft(st, 1, &e), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM answers"), 1);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	assert_int_equal(system(cmd), 0);
}

/* A finalized row of schema 2 whose JSON has no data object cannot be
 * migrated: the store is refused and left at schema 2, not emptied. */
static void
test_migrate_v2_damaged(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st;
	struct err	 e;
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		 home[64], path[128];

	(void)fx;
	snprintf(home, sizeof(home), "/tmp/test_store_v2d.XXXXXX");
	assert_non_null(mkdtemp(home));
	make_v2(home, "INSERT INTO submissions (instance_id, form, state, "
	    "device_id, started_at, finalized_at, json, xml) VALUES "
	    "('uuid:55555555-5555-4555-8555-555555555555', 1, 'finalized', "
	    "'d', 't0', 't1', 'not json', '<f/>');");
	err_init(&e);
	assert_int_equal(store_open(home, &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "migration 3"));
	snprintf(path, sizeof(path), "%s/collector.db", home);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version "
	    "FROM pragma_user_version), (SELECT count(*) FROM submissions)",
	    -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), 2);
	assert_int_equal(sqlite3_column_int(stmt, 1), 1);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	snprintf(path, sizeof(path), "rm -rf '%s'", home);
	assert_int_equal(system(path), 0);
}

/*
 * The hub's answers: finalized -> rejected with its reason, once; a draft
 * or a sent submission cannot be rejected, and a rejected one cannot move.
 */
static void
test_rejected(void **state)
{
	struct fixture		*fx = *state;
	struct store_sub	 s;
	struct err		 e;
	enum store_put		 how;
	int64_t			 form, d, f;
	int64_t			 n[SUB_NSTATES];
	int			 done;
	static const char *const moves[] = {
		"UPDATE submissions SET state = 'sent', reason = NULL",
		"UPDATE submissions SET state = 'finalized', reason = NULL",
		"UPDATE submissions SET reason = 'other'",
		"UPDATE submissions SET reason = NULL",
		"DELETE FROM submissions",
	};
	size_t			 i;

	err_init(&e);
	form = put_form(fx->st, "f", "1", "a", &how);
	d = new_draft(fx->st, form,
	    "uuid:66666666-6666-4666-8666-666666666661");
	f = new_draft(fx->st, form,
	    "uuid:66666666-6666-4666-8666-666666666662");
	assert_int_equal(store_finalize_sub(fx->st, f, "t1", "{}", "<f/>",
	    &e), 0);
	/* A draft is not the hub's to answer. */
	assert_int_equal(store_acknowledge(fx->st,
	    "uuid:66666666-6666-4666-8666-666666666661", SUB_REJECTED, "r",
	    &done, &e), 0);
	assert_int_equal(done, 0);
	assert_int_equal(store_acknowledge(fx->st,
	    "uuid:66666666-6666-4666-8666-666666666662", SUB_REJECTED,
	    "form 'f' version '1' is not published", &done, &e), 0);
	assert_int_equal(done, 1);
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		assert_int_not_equal(sqlite3_exec(fx->st->db->sql, moves[i],
		    NULL, NULL, NULL), SQLITE_OK);
	/* Rejected without a reason is refused by the table itself. */
	assert_int_not_equal(sqlite3_exec(fx->st->db->sql, "UPDATE "
	    "submissions SET state = 'finalized' WHERE id = 1", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_find_sub(fx->st, "66666666-6666-4666-8666-"
	    "666666666662", &s, &e), 0);
	assert_int_equal(s.state, SUB_REJECTED);
	assert_string_equal(s.reason, "form 'f' version '1' is not published");
	store_sub_release(&s);
	assert_int_equal(store_count_subs(fx->st, n, &e), 0);
	assert_int_equal(n[SUB_DRAFT], 1);
	assert_int_equal(n[SUB_FINALIZED], 0);
	assert_int_equal(n[SUB_REJECTED], 1);
	assert_int_equal(d, 1);
}

/*
 * An empty file is not a store: refused, and left empty (only init makes
 * a store). A store of schema 1 without the application id is one the
 * collector made before the id: it opens, and gets the id.
 */
static void
test_migrate_v0(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st;
	struct stat	 sb;
	struct err	 e;
	char		 home[64], path[128];
	FILE		*fp;

	(void)fx;
	snprintf(home, sizeof(home), "/tmp/test_store_v0.XXXXXX");
	assert_non_null(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/collector.db", home);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	err_init(&e);
	assert_int_equal(store_open(home, &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "not a collector store"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	snprintf(path, sizeof(path), "%s/collector.db-wal", home);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "rm -rf '%s'", home);
	assert_int_equal(system(path), 0);
}

static void
test_open_errors(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st;
	struct err	 e;
	char		 path[128];
	FILE		*fp;

	err_init(&e);
	assert_int_equal(store_create(fx->home, &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "already exists"));

	/* A new store closed before store_publish leaves nothing. */
	snprintf(path, sizeof(path), "%s/new", fx->home);
	err_init(&e);
	assert_int_equal(store_create(path, &st, &e), 0);
	assert_int_equal(store_set_setting(st, "device_id", "d", &e), 0);
	store_close(st);
	/* and the directory made for it goes too */
	assert_int_not_equal(access(path, F_OK), 0);
	err_init(&e);
	assert_int_equal(store_open("/nonexistent/x", &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "no store in '/nonexistent/x'"));

	store_close(fx->st);
	fx->st = NULL;
	snprintf(path, sizeof(path), "%s/collector.db", fx->home);
	unlink(path);
	assert_non_null(fp = fopen(path, "w"));
	fputs("this is not a database, not at all, really not one at all\n",
	    fp);
	fclose(fp);
	err_init(&e);
	assert_int_equal(store_open(fx->home, &st, &e), ERR_IO);
	assert_non_null(strstr(e.msg, path));
}

static struct inode *
answer_q(struct fill *fl, const char *name, const char *value)
{
	struct inode	*n;
	struct err	 e;

	err_init(&e);
	assert_non_null(n = session_find(fl->s, name));
	assert_int_equal(session_answer(fl->s, n, value, &e), 0);
	return n;
}

/*
 * A save that fails (a full disk, a failed COMMIT) rolls back; the
 * changes it was writing must not be forgotten with it: the next save
 * writes them.
 */
static void
test_failed_save_kept(void **state)
{
	static const char form[] = "survey,,,\n,type,name,label\n"
	    ",text,a,A\n,text,b,B\n,text,c,C\n"
	    "settings,,\n,form_id,version\n,tf,1\n";
	struct fixture	*fx = *state;
	struct fill	 fl;
	struct buf	 b;
	struct err	 e;
	enum store_put	 how;
	sqlite3		*db;
	char		 path[128];

	err_init(&e);
	buf_init(&b, 4096);
	assert_int_equal(cmd_install_form(fx->st, "tf.csv", form,
	    strlen(form), NULL, &how, NULL, &e), 0);
	assert_int_equal(store_set_setting(fx->st, "device_id", "d", &e), 0);
	assert_int_equal(fill_load_form(&fl, fx->st, "tf", &e), 0);
	assert_int_equal(fill_start(&fl, NULL, NULL, &e), 0);
	answer_q(&fl, "a", "1");
	assert_int_equal(fill_save(&fl, &e), 0);

	/* Another connection makes the write of b fail mid-transaction, as
	 * a full disk would: after the session's changes were taken. */
	answer_q(&fl, "b", "2");
	snprintf(path, sizeof(path), "%s/collector.db", fx->home);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER full BEFORE INSERT "
	    "ON answers WHEN NEW.path = 'b' BEGIN SELECT RAISE(ABORT, "
	    "'database or disk is full'); END", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(fill_save(&fl, &e), 0);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);

	err_init(&e);
	answer_q(&fl, "c", "3");
	assert_int_equal(fill_save(&fl, &e), 0);
	assert_int_equal(store_each_answer(fx->st, fl.sub.id, collect, &b, &e),
	    0);
	assert_non_null(strstr(b.p, "a=1;"));
	assert_non_null(strstr(b.p, "b=2;"));
	assert_non_null(strstr(b.p, "c=3;"));
	buf_release(&b);
	fill_release(&fl);
}

/*
 * The current version that cannot be read (here: a blob past the length
 * limit; in life an I/O error or no memory) is that error, not "no form
 * installed" followed by an INSERT that the unique index refuses.
 */
static void
test_put_form_read_error(void **state)
{
	struct fixture		*fx = *state;
	struct store_form	 f;
	struct err		 e;
	enum store_put		 how;
	char			 big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put_form(fx->st, "f", "1", big, &how);
	sqlite3_limit(fx->st->db->sql, SQLITE_LIMIT_LENGTH, 1000);
	memset(&f, 0, sizeof(f));
	f.form_id = (char *)"f";
	f.title = f.file = (char *)"t";
	f.languages = (char *)"[]";
	f.content = (void *)"c";
	f.len = 1;
	f.version = (char *)"2";
	err_init(&e);
	assert_int_equal(store_put_form(fx->st, &f, &how, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "too big"));
}

/* No randomness: no survey is started under the id "uuid:". */
static void
test_no_uuid(void **state)
{
	static const char form[] = "survey,,,\n,type,name,label\n"
	    ",text,a,A\nsettings,,\n,form_id,version\n,tf,1\n";
	struct fixture	*fx = *state;
	struct fill	 fl;
	struct err	 e;
	enum store_put	 how;

	err_init(&e);
	assert_int_equal(cmd_install_form(fx->st, "tf.csv", form,
	    strlen(form), NULL, &how, NULL, &e), 0);
	assert_int_equal(store_set_setting(fx->st, "device_id", "d", &e), 0);
	assert_int_equal(fill_load_form(&fl, fx->st, "tf", &e), 0);
	uuid_fails = 1;
	assert_int_equal(fill_start(&fl, NULL, NULL, &e), ERR_IO);
	uuid_fails = 0;
	assert_null(fl.sub.instance_id);
	fill_release(&fl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers_upsert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_finalized_immutable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_prefix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_form_versions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v0, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failed_save_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_form_read_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_uuid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
