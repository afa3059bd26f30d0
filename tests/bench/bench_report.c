/*
 * bench_report.c: a hub store of N submissions of the three surveys for
 * `hub report`'s bench (tests/bench/report.sh), made in seconds.
 *
 *   bench_report fill HOME N     HOME: a store made by `hub init`, with
 *                                device bench-01 enrolled
 *   bench_report time HOME       where `hub report --format json` spends
 *                                its time: "open S report S json S"
 *                                (opening the store includes db/'s
 *                                quick_check of the whole file)
 *
 * Not through the merge (that is merge.sh's bench): the rows go straight
 * into the store with hub_store_add_sub, in one transaction, as the merge
 * would have stored them. Their data is real: DISTINCT surveys of each
 * form are filled through a form session from random valid answers, as
 * the collector fills them (computed values included), and every other
 * submission is a copy of one with its own instance id, district and
 * household (changed together: the household code starts with the
 * district's), and visit date. One in a hundred is a correction of an
 * earlier one (deprecated_id), so that the report's "current revision"
 * has work to do.
 *
 * Prints "filled N in S s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../hub/hub.h"
#include "bench.h"

#define DEVICE		"bench-01"
#define DISTINCT	300

static const char *const districts[] = { "030401", "030402", "030403",
    "030404", "030405", "030406", "030407", "030408", "030409", "030410",
    "030411", "030412", "030413", "030414", "030415", "030416", "030417" };
#define NDISTRICTS	(sizeof(districts) / sizeof(districts[0]))
static const char *const communities[] = { "Pampamarca", "Antilla",
    "Tiaparo", "Mutca", "Ccollpa", "Huaquirca", "Iscahuaca" };

static uint64_t	rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

#define PICK(v)	((v)[rnd(sizeof(v) / sizeof((v)[0]))])

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "bench_report: %s: %s\n", what, e != NULL ? e->msg :
	    "failed");
	exit(1);
}

static struct form *
load(const char *name)
{
	struct form	*f;
	struct diags	 d;
	struct err	 e;
	size_t		 i;

	err_init(&e);
	diags_init(&d);
	for (i = 0; i < bundled_nforms; i++)
		if (strcmp(bundled_forms[i].name, name) == 0)
			break;
	if (i == bundled_nforms || form_load(name, bundled_forms[i].data,
	    bundled_forms[i].len, &f, &d, &e) != 0)
		die(name, &e);
	diags_release(&d);
	return f;
}

/* The answers common to the three: district 030401 (a copy gets its
 * own), a household, a visit date that a copy changes too. */
static int
common(char *p, size_t n)
{
	return snprintf(p, n, "{\"district\":\"030401\",\"community\":\"%s\","
	    "\"household_id\":\"030401-%04u\",\"visit_date\":\"2026-01-01\",",
	    PICK(communities), 1 + rnd(9999));
}

static void
anemia_answers(char *p, size_t n)
{
	int	k = common(p, n);

	/* A child of 6 to 59 months born in 2021-2025: the form checks
	 * only that birth is not after the visit. */
	snprintf(p + k, n - (size_t)k, "\"sex\":\"%s\","
	    "\"birth_date\":\"2024-%02u-%02u\",\"altitude_m\":%u,"
	    "\"altitude_source\":\"%s\",\"hb_measured\":%u.%u}",
	    rnd(2) ? "f" : "m", 1 + rnd(12), 1 + rnd(28), 2200 + rnd(2400),
	    rnd(3) ? "gps" : "entered", 7 + rnd(7), rnd(10));
}

static void
water_answers(char *p, size_t n)
{
	static const char *const sources[] = { "piped_dwelling",
	    "piped_yard", "public_tap", "protected_spring",
	    "unprotected_spring", "surface_water", "rainwater" };
	static const char *const toilets[] = { "flush_sewer", "flush_septic",
	    "pit_slab", "pit_no_slab", "vip", "none", "hanging" };
	const char	*src = PICK(sources), *toilet = PICK(toilets);
	int		 k = common(p, n), onp;
	char		 minutes[32] = "", chlorine[32] = "", shared[32] = "";
	char		 wash[80];

	onp = strncmp(src, "piped_", 6) == 0 || rnd(3) == 0;
	if (!onp)
		snprintf(minutes, sizeof(minutes), "\"water_minutes\":%u,",
		    1 + rnd(90));
	if (rnd(2))
		snprintf(chlorine, sizeof(chlorine), "\"chlorine_mg_l\":%u.%u,",
		    rnd(2), rnd(10));
	if (strcmp(toilet, "none") != 0)
		snprintf(shared, sizeof(shared), "\"toilet_shared\":\"%s\",",
		    rnd(4) ? "no" : "yes");
	if (rnd(3))
		snprintf(wash, sizeof(wash), "\"handwashing_place\":\"yes\","
		    "\"handwashing_water\":\"%s\",\"handwashing_soap\":\"%s\"",
		    rnd(4) ? "yes" : "no", rnd(2) ? "yes" : "no");
	else
		snprintf(wash, sizeof(wash), "\"handwashing_place\":\"no\"");
	snprintf(p + k, n - (size_t)k, "\"water_source\":\"%s\","
	    "\"water_on_premises\":\"%s\",%s\"water_available\":\"%s\","
	    "\"water_treatment\":\"%s\",%s\"toilet_type\":\"%s\",%s%s}",
	    src, onp ? "yes" : "no", minutes, rnd(4) ? "yes" : "no",
	    rnd(2) ? "boil" : "none", chlorine, toilet, shared, wash);
}

static void
improvements_answers(char *p, size_t n)
{
	static const char *const comps[] = { "improved_stove", "safe_water",
	    "flush_toilet", "shower", "solar_heater", "washing_basin",
	    "micro_landfill", "vegetable_garden" };
	static const char *const status[] = { "none", "none",
	    "installed_not_used", "in_use", "in_use" };
	static const char *const who[] = { "allin_causay", "other_public",
	    "ngo", "own", "unknown" };
	const char	*st;
	size_t		 i;
	int		 k = common(p, n);

	for (i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		st = PICK(status);
		k += snprintf(p + k, n - (size_t)k, "%s\"%s\":\"%s\"",
		    i > 0 ? "," : "", comps[i], st);
		if (strcmp(st, "none") != 0)
			k += snprintf(p + k, n - (size_t)k,
			    ",\"%s_programme\":\"%s\"", comps[i], PICK(who));
	}
	snprintf(p + k, n - (size_t)k, "}");
}

/* One survey's data filled through the engine, computed values too. */
static char *
fill(const struct form *f, void (*answers)(char *, size_t))
{
	struct session_opts	 o;
	struct session		*s;
	struct diags		 d;
	struct err		 e;
	char			 a[2048], *json;

	answers(a, sizeof(a));
	memset(&o, 0, sizeof(o));
	o.device_id = DEVICE;
	o.username = "Ana Quispe";
	err_init(&e);
	diags_init(&d);
	if (session_new(f, &o, &s, &e) != 0)
		die("session", &e);
	if (session_fill_json(s, a, strlen(a), &d, &e) != 0)
		die(d.n > 0 ? d.v[0].msg : a, &e);
	session_finalize(s, clock_now());
	if ((json = session_data_json(s)) == NULL)
		die("data", NULL);
	session_free(s);
	diags_release(&d);
	return json;
}

/* Overwrite the value of "key":"..." in p with v, of the same length. */
static void
patch(char *p, const char *key, const char *v)
{
	char	 k[64], *at;

	snprintf(k, sizeof(k), "\"%s\":\"", key);
	if ((at = strstr(p, k)) == NULL)
		die(key, NULL);
	memcpy(at + strlen(k), v, strlen(v));
}

static int
fill_store(const char *home, long n)
{
	static const char *const names[] = { "anemia.csv",
	    "water_sanitation.csv", "household_improvements.csv" };
	static void (*const answers[])(char *, size_t) = { anemia_answers,
	    water_answers, improvements_answers };
	struct hub_store	*st;
	struct hub_batch	 b;
	struct hub_sub		 s;
	int			 added;
	struct envelope		 env;
	struct form		*f[3];
	struct err		 e;
	char			*data[3][DISTINCT], *p, *line, iid[48];
	char			 dep[48], uuid[UUID_STR_LEN + 1], at[40];
	char			 hh[16], day[16];
	int64_t			 row, today;
	double			 t0 = bench_now(), now = clock_now();
	long			 i;
	size_t			 k, j, prevk = 3;
	int			 corrects;

	err_init(&e);
	for (k = 0; k < 3; k++) {
		f[k] = load(names[k]);
		for (j = 0; j < DISTINCT; j++)
			data[k][j] = fill(f[k], answers[k]);
	}
	if (hub_store_open(home, &st, &e) != 0)
		die(home, &e);
	datetime_format_local(now, at);
	today = (int64_t)(now / 86400);
	if (hub_store_begin(st, &e) != 0)
		die("begin", &e);
	memset(&b, 0, sizeof(b));
	uuid_v4(uuid);
	b.batch_id = uuid;
	b.device_id = DEVICE;
	b.received_at = at;
	b.via = HUB_VIA_IMPORT;
	b.count = n;
	if (hub_store_add_batch(st, &b, &row, &e) != 0)
		die("batch", &e);
	dep[0] = '\0';
	for (i = 0; i < n; i++) {
		/* Half anaemia (one per person), a quarter each of the
		 * household surveys. */
		k = i % 4 < 2 ? 0 : i % 4 == 2 ? 1 : 2;
		j = (size_t)rnd(NDISTRICTS);
		if ((p = strdup(data[k][rnd(DISTINCT)])) == NULL)
			die("out of memory", NULL);
		snprintf(hh, sizeof(hh), "%s-%04u", districts[j],
		    1 + rnd(9999));
		patch(p, "district", districts[j]);
		patch(p, "household_id", hh);
		date_format(today - 1 - rnd(700), day);
		patch(p, "visit_date", day);
		/* One in a hundred corrects the one before it, of the same
		 * form. */
		corrects = dep[0] != '\0' && k == prevk && rnd(100) == 0;
		uuid_v4(uuid);
		snprintf(iid, sizeof(iid), "uuid:%s", uuid);
		memset(&env, 0, sizeof(env));
		env.instance_id = iid;
		env.deprecated_id = corrects ? dep : NULL;
		env.form_id = f[k]->id;
		env.form_version = f[k]->version;
		env.device_id = DEVICE;
		env.promoter = "Ana Quispe";
		env.started_at = at;
		env.finalized_at = at;
		env.data = p;
		if ((line = envelope_encode(&env)) == NULL)
			die("encode", NULL);
		memset(&s, 0, sizeof(s));
		s.instance_id = iid;
		s.deprecated_id = env.deprecated_id;
		s.form_id = env.form_id;
		s.form_version = env.form_version;
		s.device_id = DEVICE;
		s.district = districts[j];
		s.finalized_at = at;
		s.received_at = at;
		s.line = line;
		s.len = strlen(line);
		s.batch = row;
		if (hub_store_add_sub(st, &s, &added, &e) != 0)
			die("submission", &e);
		free(line);
		free(p);
		memcpy(dep, iid, sizeof(dep));
		prevk = k;
	}
	if (hub_store_commit(st, &e) != 0)
		die("commit", &e);
	hub_store_close(st);
	for (k = 0; k < 3; k++) {
		for (j = 0; j < DISTINCT; j++)
			free(data[k][j]);
		form_free(f[k]);
	}
	printf("filled %ld in %.1f s\n", n, bench_now() - t0);
	return 0;
}

static int
time_report(const char *home)
{
	struct report_config	 cfg;
	struct report_opts	 o;
	struct hub_store	*st;
	struct err		 e;
	json_t			*r;
	FILE			*null;
	double			 t0, t1, t2, t3, check;

	err_init(&e);
	memset(&o, 0, sizeof(o));
	o.now = clock_now();
	if (report_config_load(&cfg, NULL, &e) != 0)
		die("data", &e);
	if ((null = fopen("/dev/null", "w")) == NULL)
		die("/dev/null", NULL);
	/* What the check of every page costs an open that writes... */
	t0 = bench_now();
	if (hub_store_open(home, &st, &e) != 0)
		die(home, &e);
	check = bench_now() - t0;
	hub_store_close(st);
	/* ... and the open the report makes, without it. */
	t0 = bench_now();
	if (hub_store_open_read(home, &st, &e) != 0)
		die(home, &e);
	t1 = bench_now();
	if (report_build(st, &cfg, &o, &r, &e) != 0)
		die("report", &e);
	t2 = bench_now();
	json_dumpf(r, null, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	t3 = bench_now();
	printf("checked_open %.3f open %.3f report %.3f json %.3f\n", check,
	    t1 - t0, t2 - t1, t3 - t2);
	json_decref(r);
	hub_store_close(st);
	report_config_release(&cfg);
	fclose(null);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill_store(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "time") == 0)
		return time_report(argv[2]);
	fprintf(stderr, "usage: bench_report fill HOME N | time HOME\n");
	return 2;
}
