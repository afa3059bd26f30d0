/*
 * bench_merge.c: the hub's merge rate, with full re-validation, against a
 * plain SQLite insert of the same rows in the same run.
 *
 *   bench_merge gen N FILE       a batch of N valid anaemia submissions of
 *                                device bench-01, as a device writes them
 *   bench_merge merge FILE HOME  merge it into a fresh hub store in HOME
 *                                (made here); prints the time split
 *   bench_merge baseline FILE HOME
 *                                the same rows read and inserted plainly:
 *                                one table, the instance id and the line
 *
 * The submissions are real ones: each distinct survey is filled through a
 * form session from its answers and its data written by
 * session_data_json, computed values included, as the collector does. So
 * that 100,000 are made in seconds, DISTINCT surveys are filled and every
 * other submission is a copy of one with its own instance id and its own
 * household number (the form's rules do not read the number's last four
 * digits, so the copy stays valid).
 *
 * merge prints one line: "merge N wall read decode validate store
 * rate cpu cpu_rate": seconds, and submissions per second of the one
 * thread the merge runs in (so: per core), by the wall clock and by the
 * process's CPU time (steadier on a shared machine; the wall clock counts
 * the waits for the disk too). baseline prints "baseline N wall read
 * rate cpu cpu_rate".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "../../hub/hub.h"
#include "bench.h"

#define DEVICE		"bench-01"
#define DISTINCT	2000

static const char *const districts[] = { "030401", "030402", "030403",
    "030404", "030405", "030406", "030407", "030408", "030409", "030410",
    "030411", "030412", "030413", "030414", "030415", "030416", "030417" };
static const char *const communities[] = { "Pampamarca", "Antilla",
    "Tiaparo", "Capaya", "Mutca", "Ccollpa", "Huaquirca", "Iscahuaca" };

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "bench_merge: %s: %s\n", what, e != NULL ? e->msg :
	    "failed");
	exit(1);
}

static const struct bundled_form *
anemia(void)
{
	size_t	i;

	for (i = 0; i < bundled_nforms; i++)
		if (strcmp(bundled_forms[i].name, "anemia.csv") == 0)
			return &bundled_forms[i];
	die("no bundled anemia.csv", NULL);
	return NULL;
}

/* A small deterministic generator: the same file every run. */
static uint64_t	rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* The data of one survey, filled through the form engine. */
static char *
fill_one(const struct form *f, int64_t today)
{
	struct session_opts	 o;
	struct session		*s;
	struct diags		 d;
	struct err		 e;
	char			 answers[1024], visit[16], birth[16];
	const char		*dist;
	char			*json;
	int64_t			 vday, bday;
	int			 y, m, dd, age;

	dist = districts[rnd(sizeof(districts) / sizeof(districts[0]))];
	vday = today - 1 - rnd(300);
	date_format(vday, visit);
	/* children of 6 to 59 months: the anaemia programme */
	age = 7 + (int)rnd(52);
	date_civil_from_days(vday, &y, &m, &dd);
	m -= age;
	while (m < 1) {
		m += 12;
		y--;
	}
	bday = date_days_from_civil(y, m, dd > 28 ? 28 : dd);
	date_format(bday, birth);
	/* measured as WHO asks: lying under two years (as
	 * tests/e2e/hub-batch.py) */
	snprintf(answers, sizeof(answers), "{\"district\":\"%s\","
	    "\"community\":\"%s\",\"household_id\":\"%s-%04u\","
	    "\"visit_date\":\"%s\",\"sex\":\"%s\",\"birth_date\":\"%s\","
	    "\"length_position\":\"%s\",\"length_cm\":%.1f,"
	    "\"oedema\":\"no\",\"weight_kg\":%.1f,"
	    "\"altitude_m\":%u,\"altitude_source\":\"%s\","
	    "\"hb_measured\":%u.%u}", dist,
	    communities[rnd(sizeof(communities) / sizeof(communities[0]))],
	    dist, 1 + rnd(9999), visit, rnd(2) ? "f" : "m", birth,
	    age < 24 ? "lying" : "standing", 55 + 0.95 * age, 5 + 0.25 * age,
	    2200 + rnd(2400), rnd(3) ? "gps" : "entered", 7 + rnd(7),
	    rnd(10));
	memset(&o, 0, sizeof(o));
	o.device_id = DEVICE;
	o.username = "Ana Quispe";
	err_init(&e);
	diags_init(&d);
	if (session_new(f, &o, &s, &e) != 0)
		die("session", &e);
	if (session_fill_json(s, answers, strlen(answers), &d, &e) != 0)
		die(d.n > 0 ? d.v[0].msg : answers, &e);
	session_finalize(s, clock_now());
	if ((json = session_data_json(s)) == NULL)
		die("data", NULL);
	session_free(s);
	diags_release(&d);
	return json;
}

static int
gen(long n, const char *path)
{
	const struct bundled_form	*b = anemia();
	struct batch_header		 h;
	struct envelope			 env;
	struct form			*f;
	struct diags			 d;
	struct err			 e;
	struct buf			 gz;
	char				**data, **lines, *p, iid[48], at[40];
	char				 uuid[UUID_STR_LEN + 1];
	size_t				*lens, i, k;
	double				 now = clock_now();

	err_init(&e);
	diags_init(&d);
	if (form_load(b->name, b->data, b->len, &f, &d, &e) != 0)
		die("form", &e);
	k = (size_t)n < DISTINCT ? (size_t)n : DISTINCT;
	data = calloc(k, sizeof(*data));
	lines = calloc((size_t)n, sizeof(*lines));
	lens = calloc((size_t)n, sizeof(*lens));
	if (data == NULL || lines == NULL || lens == NULL)
		die("out of memory", NULL);
	for (i = 0; i < k; i++)
		data[i] = fill_one(f, (int64_t)(now / 86400));
	datetime_format_local(now, at);
	for (i = 0; i < (size_t)n; i++) {
		uuid_v4(uuid);
		snprintf(iid, sizeof(iid), "uuid:%s", uuid);
		memset(&env, 0, sizeof(env));
		env.instance_id = iid;
		env.form_id = "anemia";
		env.form_version = f->version;
		env.device_id = DEVICE;
		env.promoter = "Ana Quispe";
		env.started_at = at;
		env.finalized_at = at;
		if ((p = strdup(data[i % k])) == NULL)
			die("out of memory", NULL);
		/* its own household: the number after "NNNNNN-" */
		if (i >= k) {
			char	*hh = strstr(p, "\"household_id\":\"");
			char	 num[8];

			snprintf(num, sizeof(num), "%04u",
			    (unsigned)(1 + (i * 7919) % 9999));
			memcpy(hh + 16 + 7, num, 4);
		}
		env.data = p;
		if ((lines[i] = envelope_encode(&env)) == NULL)
			die("encode", NULL);
		lens[i] = strlen(lines[i]);
		free(p);
	}
	memset(&h, 0, sizeof(h));
	uuid_v4(h.batch_id);
	h.device_id = DEVICE;
	snprintf(h.created_at, sizeof(h.created_at), "%s", at);
	h.count = n;
	buf_init(&gz, (size_t)1 << 34);
	if (batch_encode(&h, (const char *const *)lines, lens, (size_t)n, -1,
	    &gz, &e) != 0)
		die("batch", &e);
	if (file_write_atomic(path, gz.p, gz.len, 0644, &e) != 0)
		die(path, &e);
	printf("gen %ld %zu\n", n, gz.len);
	for (i = 0; i < (size_t)n; i++)
		free(lines[i]);
	for (i = 0; i < k; i++)
		free(data[i]);
	free(lines);
	free(lens);
	free(data);
	buf_release(&gz);
	form_free(f);
	diags_release(&d);
	return 0;
}

/* A fresh hub store in home with the bundled forms and the device. */
static struct hub_store *
fresh_hub(const char *home)
{
	struct hub_store	*st;
	struct hub_device	 dv;
	struct hub_form		 hf;
	struct form		*f;
	struct diags		 d;
	struct err		 e;
	enum hub_put		 how;
	unsigned char		 hash[HUB_TOKEN_HASH_BYTES] = { 0 };
	size_t			 i;

	err_init(&e);
	if (hub_store_create(home, &st, &e) != 0 ||
	    hub_store_publish(st, &e) != 0 ||
	    hub_store_open(home, &st, &e) != 0)
		die(home, &e);
	for (i = 0; i < bundled_nforms; i++) {
		diags_init(&d);
		if (form_load(bundled_forms[i].name, bundled_forms[i].data,
		    bundled_forms[i].len, &f, &d, &e) != 0)
			die("form", &e);
		memset(&hf, 0, sizeof(hf));
		hf.form_id = f->id;
		hf.version = f->version;
		hf.title = f->id;
		hf.file = (char *)bundled_forms[i].name;
		hf.published_at = "2026-11-25T08:00:00-05:00";
		hf.content = (void *)bundled_forms[i].data;
		hf.len = bundled_forms[i].len;
		if (hub_store_put_form(st, &hf, &how, &e) != 0)
			die("publish", &e);
		form_free(f);
		diags_release(&d);
	}
	memset(&dv, 0, sizeof(dv));
	dv.id = DEVICE;
	dv.created_at = "2026-11-25T08:00:00-05:00";
	if (hub_store_add_device(st, &dv, hash, &e) != 0)
		die("device", &e);
	return st;
}

static int
merge(const char *path, const char *home)
{
	struct hub_store	*st = fresh_hub(home);
	struct batch_reader	*br;
	struct merge_counts	 n;
	struct merge		 m;
	struct err		 e;
	double			 t0, t, c0, c;
	uint64_t		 total;

	err_init(&e);
	merge_init(&m, st);
	c0 = cpu_now();
	t0 = bench_now();
	if (batch_reader_file(path, BATCH_FILE_MAX_INFLATED, &br, &e) != 0 ||
	    merge_batch(&m, br, NULL, HUB_VIA_IMPORT, NULL, &n, &e) != 0)
		die(path, &e);
	t = bench_now() - t0;
	c = cpu_now() - c0;
	batch_reader_free(br);
	total = n.stored + n.duplicate + n.conflict + n.rejected;
	if (n.stored != total) {
		fprintf(stderr, "bench_merge: %llu of %llu stored\n",
		    (unsigned long long)n.stored, (unsigned long long)total);
		return 1;
	}
	printf("merge %llu %.3f %.3f %.3f %.3f %.3f %.0f %.3f %.0f\n",
	    (unsigned long long)total, t, m.times.read, m.times.decode,
	    m.times.validate, m.times.store, total / t, c, total / c);
	merge_release(&m);
	hub_store_close(st);
	return 0;
}

/* The same rows, read from the same file and inserted with nothing in
 * between: what the merge costs above the storage it cannot avoid. */
static int
baseline(const char *path, const char *home)
{
	struct batch_reader	*br;
	struct batch_header	 h;
	struct err		 e;
	sqlite3			*db;
	sqlite3_stmt		*s;
	const char		*line;
	char			 p[4096], id[48];
	size_t			 len, lineno;
	double			 t0, tr = 0, t, c0;
	long			 n = 0;

	err_init(&e);
	mkdir(home, 0700);
	snprintf(p, sizeof(p), "%s/baseline.db", home);
	if (sqlite3_open(p, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "CREATE TABLE submissions (id INTEGER PRIMARY KEY,"
	    " instance_id TEXT NOT NULL UNIQUE, line TEXT NOT NULL);",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO submissions (instance_id,"
	    " line) VALUES (?1, ?2)", -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_merge: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	c0 = cpu_now();
	t0 = bench_now();
	if (batch_reader_file(path, BATCH_FILE_MAX_INFLATED, &br, &e) != 0 ||
	    batch_read_header(br, &h, &e) != 0)
		die(path, &e);
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (;;) {
		t = bench_now();
		if (batch_next(br, &line, &len, &lineno, &e) != 0)
			die(path, &e);
		tr += bench_now() - t;
		if (line == NULL)
			break;
		/* {"instance_id":"uuid:<36>", as envelope_encode writes */
		snprintf(id, sizeof(id), "%.41s", line + 16);
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, line, (int)len, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			fprintf(stderr, "bench_merge: %s\n",
			    sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(s);
		n++;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	t = bench_now() - t0;
	c0 = cpu_now() - c0;
	printf("baseline %ld %.3f %.3f %.0f %.3f %.0f\n", n, t, tr, n / t, c0,
	    n / c0);
	batch_header_release(&h);
	batch_reader_free(br);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	char	*end;
	long	 n;

	if (argc == 4 && strcmp(argv[1], "gen") == 0) {
		n = strtol(argv[2], &end, 10);
		if (*end != '\0' || n < 1)
			die("N is not a count", NULL);
		return gen(n, argv[3]);
	}
	if (argc == 4 && strcmp(argv[1], "merge") == 0)
		return merge(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "baseline") == 0)
		return baseline(argv[2], argv[3]);
	fprintf(stderr, "usage: bench_merge gen N FILE | merge FILE HOME | "
	    "baseline FILE HOME\n");
	return 2;
}
