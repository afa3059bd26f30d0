/*
 * test_report.c: hub report's arithmetic and counting rules (hub/report.c,
 * hub/facts.c, hub/report_data.c) over a real store: Wilson intervals
 * against values computed independently; the data files; values read as
 * text or numbers; the newest revision only, in either order of arrival;
 * measured, not measured, missing and unknown kept apart; the groups and
 * the baselines' measured figures; ladders, components and coverage; no
 * district and districts not in the list; the period on the visit date;
 * the same household surveyed twice; missing answers per question;
 * conflicts and refused surveys waiting; the report's tables brought up
 * to date, and read again when the way they are read changes; HTML
 * escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../hub/hub.h"

#define DEV	"dev-01"
#define VER	"2026112501"	/* the bundled surveys' versions */
#define VER_ANEMIA	"2026120701"

struct fixture {
	char			 home[64];
	struct hub_store	*st;
	struct report_config	 cfg;
	int64_t			 batch;
	json_t			*r;	/* the last report */
};

/* ------------------------------------------------------------------ */
/* Wilson                                                              */

static void
test_wilson(void **state)
{
	/* Computed with Python's math from the textbook formula. */
	static const struct {
		int64_t	x, n;
		double	lo, hi;
	} cases[] = {
		{ 0, 10, 0.000000, 0.277533 },
		{ 5, 10, 0.236593, 0.763407 },
		{ 10, 10, 0.722467, 1.000000 },
		{ 1, 4, 0.045587, 0.699358 },
		{ 81, 263, 0.255289, 0.366210 },
		{ 0, 1, 0.000000, 0.793451 },
		{ 1, 1, 0.206549, 1.000000 },
		{ 3, 400, 0.002554, 0.021816 },
		{ 157, 400, 0.345887, 0.441159 },
	};
	double	lo, hi;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		report_wilson(cases[i].x, cases[i].n, REPORT_Z95, &lo, &hi);
		assert_float_equal(lo, cases[i].lo, 1e-6);
		assert_float_equal(hi, cases[i].hi, 1e-6);
	}
	report_wilson(0, 0, REPORT_Z95, &lo, &hi);
	assert_true(lo == 0 && hi == 0);
	/* Exactly 0 and 1 at the edges, not 1e-17 off. */
	report_wilson(0, 7, REPORT_Z95, &lo, &hi);
	assert_true(lo == 0);
	report_wilson(7, 7, REPORT_Z95, &lo, &hi);
	assert_true(hi == 1);
}

/* ------------------------------------------------------------------ */
/* The data files                                                      */

static void
test_config_bundled(void **state)
{
	struct report_config	 cfg;
	struct err		 e;
	const struct report_scale *s;
	size_t			 i;

	(void)state;
	err_init(&e);
	assert_int_equal(report_config_load(&cfg, NULL, &e), 0);
	assert_int_equal(cfg.ndistricts, 17);
	assert_string_equal(cfg.districts[0].ubigeo, "030401");
	assert_string_equal(cfg.districts[16].ubigeo, "030417");
	assert_string_equal(cfg.districts[10].name, "San Juan de Chacña");
	assert_int_equal(cfg.nbaselines, 5);
	assert_string_equal(cfg.baselines[0].id, "anaemia_children");
	assert_float_equal(cfg.baselines[0].percent, 39.36, 1e-9);
	assert_int_equal(cfg.baselines[0].namong, 2);
	assert_string_equal(cfg.baselines[1].id, "stunting_children");
	assert_float_equal(cfg.baselines[1].percent, 32.6, 1e-9);
	assert_string_equal(cfg.baselines[1].counts, "stunting");
	assert_int_equal(cfg.baselines[1].nvalues, 2);
	assert_int_equal(cfg.baselines[1].namong, 0);
	assert_non_null(strstr(cfg.baselines[1].source, "ENDES-INEI"));
	assert_float_equal(cfg.baselines[2].percent, 22, 1e-9);
	assert_float_equal(cfg.baselines[3].percent, 80, 1e-9);
	assert_float_equal(cfg.baselines[4].percent, 18, 1e-9);
	for (i = 0; i < REPORT_NGROWTH; i++)
		assert_non_null(report_scale(&cfg, report_growth[i]));
	assert_int_equal(report_scale(&cfg, "stunting")->n, 3);
	assert_true(report_scale(&cfg, "overweight")->v[1].any);
	assert_non_null(s = report_scale(&cfg, "anemia"));
	assert_int_equal(s->n, 4);
	assert_false(s->v[0].any);
	assert_true(s->v[1].any && s->v[2].any && s->v[3].any);
	assert_int_equal(report_scale(&cfg, "water_ladder")->n, 5);
	assert_int_equal(cfg.ngroups, 4);
	assert_int_equal(cfg.nhbgroups, 8);
	assert_int_equal(cfg.ncomponents, 8);
	assert_int_equal(cfg.silent_days, 14);
	assert_int_equal(report_survey(&cfg, "anemia")->section,
	    SECTION_ANAEMIA);
	assert_int_equal(report_survey(&cfg, "anemia")->nsubject, 3);
	assert_null(report_survey(&cfg, "household"));
	assert_int_equal(strncmp(cfg.facts_version, "2:", 2), 0);
	report_config_release(&cfg);
}

/* The bundled files with one of them replaced. */
static struct report_file *
files_with(const char *name, const char *text)
{
	static struct report_file	v[16];
	size_t				i;

	for (i = 0; report_files[i].name != NULL && i < 15; i++) {
		v[i] = report_files[i];
		if (strcmp(v[i].name, name) == 0) {
			v[i].data = (const unsigned char *)text;
			v[i].len = strlen(text);
		}
	}
	v[i].name = NULL;
	return v;
}

static void
test_config_files(void **state)
{
	static const struct {
		const char	*file, *text, *error;
	} bad[] = {
		{ "districts.csv", "ubigeo,nombre\n030401,X\n",
		    "no column 'name'" },
		{ "districts.csv", "ubigeo,name\n030401,\"X\n",
		    "not closed" },
		{ "baselines.csv", "id,percent,counts,values,among,label_es,"
		    "label_en,source\nx,22%,water_ladder,a,,l,l,s\n",
		    "'22%' is not a number" },
		{ "baselines.csv", "id,percent,counts,values,among,label_es,"
		    "label_en,source\nx,22,rainfall,a,,l,l,s\n",
		    "neither a scale" },
		{ "surveys.csv", "form_id,section,subject\nf,nutrition,h\n",
		    "no section 'nutrition'" },
		{ "settings.csv", "name,value\nsilent_days,\n",
		    "settings.csv:2: 'value' is empty" },
	};
	struct report_config	 cfg;
	struct err		 e;
	size_t			 i;

	(void)state;
	/* Quoted cells with commas and "", CRLF, a blank line. */
	err_init(&e);
	assert_int_equal(report_config_load(&cfg, files_with("districts.csv",
	    "ubigeo,name\r\n030401,\"Chalhuanca, \"\"la capital\"\"\"\r\n"
	    "\r\n030402,Capaya"), &e), 0);
	assert_int_equal(cfg.ndistricts, 2);
	assert_string_equal(cfg.districts[0].name,
	    "Chalhuanca, \"la capital\"");
	assert_string_equal(cfg.districts[1].name, "Capaya");
	report_config_release(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_init(&e);
		assert_int_equal(report_config_load(&cfg,
		    files_with(bad[i].file, bad[i].text), &e), ERR_INPUT);
		if (strstr(e.msg, bad[i].error) == NULL)
			fail_msg("%s: '%s' not in '%s'", bad[i].file,
			    bad[i].error, e.msg);
	}
}

static void
test_value_text(void **state)
{
	static const struct {
		const char	*json;	/* {"v": ...}, or {} */
		const char	*text;	/* NULL: none */
	} cases[] = {
		{ "{}", NULL },
		{ "{\"v\":null}", "" },
		{ "{\"v\":\"\"}", "" },
		{ "{\"v\":\"3\"}", "3" },
		{ "{\"v\":3}", "3" },
		{ "{\"v\":3.0}", "3" },
		{ "{\"v\":11.5}", "11.5" },
		{ "{\"v\":0.1}", "0.1" },
		{ "{\"v\":-2}", "-2" },
		{ "{\"v\":true}", "true" },
		{ "{\"v\":[1]}", "[]" },
	};
	const char	*t;
	char		 num[40];
	json_t		*o;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = json_loads(cases[i].json, 0, NULL);
		assert_non_null(o);
		t = facts_value_text(json_object_get(o, "v"), num);
		if (cases[i].text == NULL)
			assert_null(t);
		else
			assert_string_equal(t, cases[i].text);
		json_decref(o);
	}
}

/* ------------------------------------------------------------------ */
/* A store with the three surveys published                            */

static int
setup(void **state)
{
	struct fixture		*fx = calloc(1, sizeof(*fx));
	struct hub_device	 d;
	struct hub_batch	 b;
	struct err		 e;
	enum hub_put		 how;
	unsigned char		 hash[HUB_TOKEN_HASH_BYTES];
	size_t			 i;

	err_init(&e);
	snprintf(fx->home, sizeof(fx->home), "/tmp/test_report.XXXXXX");
	assert_non_null(mkdtemp(fx->home));
	assert_int_equal(hub_store_create(fx->home, &fx->st, &e), 0);
	assert_int_equal(hub_store_publish(fx->st, &e), 0);
	assert_int_equal(hub_store_open(fx->home, &fx->st, &e), 0);
	for (i = 0; i < bundled_nforms; i++)
		assert_int_equal(hub_publish_form(fx->st,
		    bundled_forms[i].name, bundled_forms[i].data,
		    bundled_forms[i].len, NULL, bundled_forms[i].media, &how,
		    NULL, &e), 0);
	memset(&d, 0, sizeof(d));
	memset(hash, 1, sizeof(hash));
	d.id = DEV;
	d.promoter = "Ana";
	d.created_at = "2026-11-01T08:00:00-05:00";
	assert_int_equal(hub_store_add_device(fx->st, &d, hash, &e), 0);
	memset(&b, 0, sizeof(b));
	b.batch_id = "00000000-0000-4000-8000-000000000001";
	b.device_id = DEV;
	b.received_at = "2026-11-30T08:00:00-05:00";
	b.via = HUB_VIA_IMPORT;
	assert_int_equal(hub_store_add_batch(fx->st, &b, &fx->batch, &e), 0);
	assert_int_equal(report_config_load(&fx->cfg, NULL, &e), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	json_decref(fx->r);
	report_config_release(&fx->cfg);
	hub_store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->home);
	if (system(cmd) != 0)
		return 1;
	free(fx);
	return 0;
}

static void
iid(int n, char out[48])
{
	snprintf(out, 48, "uuid:00000000-0000-4000-8000-%012d", n);
}

/* Store a submission n of form with this data (a JSON object's text),
 * replacing dep (0: none), as the merge would, without the form engine:
 * the report counts what was stored. */
static void
put(struct fixture *fx, int n, int dep, const char *form, const char *data)
{
	struct envelope	 env;
	struct hub_sub	 s;
	int		 added;
	struct err	 e;
	json_t		*o, *d;
	char		 id[48], dp[48], *line;

	iid(n, id);
	iid(dep, dp);
	memset(&env, 0, sizeof(env));
	env.instance_id = id;
	env.deprecated_id = dep > 0 ? dp : NULL;
	env.form_id = form;
	env.form_version = strcmp(form, "anemia") == 0 ? VER_ANEMIA : VER;
	env.device_id = DEV;
	env.promoter = "Ana Quispe";
	env.started_at = "2026-11-20T09:00:00.000-05:00";
	env.finalized_at = "2026-11-20T09:06:00.000-05:00";
	env.data = data;
	assert_non_null(line = envelope_encode(&env));
	o = json_loads(data, 0, NULL);
	assert_non_null(o);
	d = json_object_get(o, "district");
	memset(&s, 0, sizeof(s));
	s.instance_id = id;
	s.deprecated_id = env.deprecated_id;
	s.form_id = form;
	s.form_version = env.form_version;
	s.device_id = DEV;
	s.district = json_is_string(d) ? json_string_value(d) : NULL;
	s.finalized_at = env.finalized_at;
	s.received_at = "2026-11-30T08:00:00-05:00";
	s.line = line;
	s.len = strlen(line);
	s.batch = fx->batch;
	s.digest = "";
	err_init(&e);
	assert_int_equal(hub_store_add_sub(fx->st, &s, &added, &e), 0);
	json_decref(o);
	free(line);
}

static json_t *
report(struct fixture *fx, const char *from, const char *to)
{
	struct report_opts	 o;
	struct err		 e;

	json_decref(fx->r);
	fx->r = NULL;
	memset(&o, 0, sizeof(o));
	o.from = from;
	o.to = to;
	/* 2026-12-01T12:00:00-05:00, a day after the batch. */
	o.now = 1796144400.0;
	err_init(&e);
	if (report_build(fx->st, &fx->cfg, &o, &fx->r, &e) != 0)
		fail_msg("report: %s", e.msg);
	return fx->r;
}

static long long
n(json_t *r, const char *path)
{
	json_t	*v = report_at(r, path);

	if (!json_is_integer(v))
		fail_msg("%s: not an integer", path);
	return (long long)json_integer_value(v);
}

static double
real(json_t *r, const char *path)
{
	json_t	*v = report_at(r, path);

	if (!json_is_number(v))
		fail_msg("%s: not a number", path);
	return json_number_value(v);
}

/* districts[i] of the report, 030401 being 0. */
static json_t *
district(json_t *r, size_t i)
{
	return json_array_get(json_object_get(r, "districts"), i);
}

#define CHILD(d, months_group, cls) \
	"{\"district\":\"" d "\",\"household_id\":\"" d "-0001\"," \
	"\"visit_date\":\"2026-11-20\",\"sex\":\"f\"," \
	"\"birth_date\":\"2025-01-0" months_group "\"," \
	"\"hb_measured\":11.5,\"hb_group\":\"" cls

static void
test_anaemia(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r, *d;

	put(fx, 1, 0, "anemia", CHILD("030401", "1", "child_6_23")
	    "\",\"anemia\":\"mild\",\"hb_rule\":\"NTS213-2024\"}");
	put(fx, 2, 0, "anemia", CHILD("030401", "2", "child_24_59")
	    "\",\"anemia\":\"moderate\",\"hb_rule\":\"NTS213-2024\"}");
	put(fx, 3, 0, "anemia", CHILD("030401", "3", "child_24_59")
	    "\",\"anemia\":\"none\",\"hb_rule\":\"NTS213-2024\"}");
	put(fx, 4, 0, "anemia", CHILD("030401", "4", "pregnant_t2")
	    "\",\"anemia\":\"severe\",\"hb_rule\":\"NTS213-2024\"}");
	put(fx, 5, 0, "anemia", CHILD("030401", "5", "woman")
	    "\",\"anemia\":\"none\",\"hb_rule\":\"NTS213-2030\"}");
	/* A baby: nothing measured, nothing computed. */
	put(fx, 6, 0, "anemia", "{\"district\":\"030401\","
	    "\"household_id\":\"030401-0001\",\"visit_date\":\"2026-11-20\","
	    "\"sex\":\"m\",\"birth_date\":\"2026-09-01\"}");
	/* Measured, and the computed values left out. */
	put(fx, 7, 0, "anemia", "{\"district\":\"030401\","
	    "\"household_id\":\"030401-0002\",\"visit_date\":\"2026-11-20\","
	    "\"sex\":\"m\",\"birth_date\":\"2025-09-01\","
	    "\"hb_measured\":10.1}");
	/* A class no scale knows, and a group no file knows. */
	put(fx, 8, 0, "anemia", CHILD("030401", "6", "child_6_23")
	    "\",\"anemia\":\"grave\",\"hb_rule\":\"NTS213-2024\"}");
	put(fx, 9, 0, "anemia", CHILD("030402", "1", "elder")
	    "\",\"anemia\":\"mild\",\"hb_rule\":\"NTS213-2024\"}");
	r = report(fx, NULL, NULL);
	d = district(r, 0);
	assert_string_equal(json_string_value(json_object_get(d, "ubigeo")),
	    "030401");
	assert_int_equal(n(d, "anaemia.people"), 8);
	assert_int_equal(n(d, "anaemia.measured"), 5);
	assert_int_equal(n(d, "anaemia.not_measured"), 1);
	assert_int_equal(n(d, "anaemia.missing"), 1);
	assert_int_equal(n(d, "anaemia.unknown"), 1);
	assert_int_equal(n(d, "anaemia.groups.all.measured"), 5);
	assert_int_equal(n(d, "anaemia.groups.all.any.n"), 3);
	assert_float_equal(real(d, "anaemia.groups.all.any.pct"), 60, 1e-9);
	assert_float_equal(real(d, "anaemia.groups.all.any.ci95.0"), 23.07,
	    1e-9);
	assert_int_equal(n(d, "anaemia.groups.children_6_23.classes.mild.n"),
	    1);
	assert_int_equal(n(d, "anaemia.groups.children_6_23.unknown"), 1);
	assert_int_equal(n(d, "anaemia.groups.children_24_59.measured"), 2);
	assert_int_equal(n(d, "anaemia.groups.pregnant.classes.severe.n"),
	    1);
	assert_int_equal(n(d, "anaemia.groups.others.classes.none.n"), 1);
	assert_int_equal(n(d, "anaemia.groups.unknown.missing"), 1);
	assert_int_equal(n(d, "anaemia.rules.NTS213-2024"), 5);
	assert_int_equal(n(d, "anaemia.rules.NTS213-2030"), 1);
	/* The baseline: children 6-59 months with a class. */
	assert_int_equal(n(d, "indicators.anaemia_children.n"), 2);
	assert_int_equal(n(d, "indicators.anaemia_children.of"), 3);
	assert_float_equal(real(d, "indicators.anaemia_children.pct"), 66.67,
	    1e-9);
	assert_float_equal(real(d, "indicators.anaemia_children.baseline"),
	    39.36, 1e-9);
	/* Every district listed, the others at zero. */
	assert_int_equal(json_array_size(json_object_get(r, "districts")), 17);
	assert_int_equal(n(district(r, 1), "anaemia.groups.unknown.measured"),
	    1);
	assert_int_equal(n(district(r, 5), "anaemia.people"), 0);
	assert_true(json_is_null(report_at(district(r, 5),
	    "anaemia.groups.all.any.pct")));
	assert_int_equal(n(r, "province.anaemia.people"), 9);
	assert_int_equal(n(r, "province.anaemia.groups.all.any.n"), 4);
	assert_int_equal(n(r, "province.submissions.anaemia"), 9);
	/* Missing is shown, by question. */
	assert_int_equal(n(json_array_get(report_at(r, "quality.missing"), 0),
	    "submissions"), 1);
	assert_string_equal(json_string_value(report_at(json_array_get(
	    report_at(r, "quality.missing"), 0), "question")), "anemia");
}

/* A child 0-59 months of the anaemia survey in district d, its
 * haemoglobin's class and growth as the survey computed them (the rest
 * of its data: fields of a JSON object, after a comma). */
#define GROWTH(d, hh, rest) \
	"{\"district\":\"" d "\",\"household_id\":\"" d "-" hh "\"," \
	"\"visit_date\":\"2026-11-20\",\"sex\":\"m\"," \
	"\"birth_date\":\"2025-01-01\",\"length_cm\":74.5," \
	"\"weight_kg\":9.1," rest "}"
#define CLASSES(st, wa, uw, ow) \
	"\"growth_rule\":\"WHO2006\",\"stunting\":\"" st "\"," \
	"\"wasting\":\"" wa "\",\"underweight\":\"" uw "\"," \
	"\"overweight\":\"" ow "\""

static void
test_growth(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r, *d;

	put(fx, 1, 0, "anemia", GROWTH("030401", "0001", "\"oedema\":\"no\","
	    "\"anemia\":\"mild\"," CLASSES("moderate", "none", "none", "no")));
	put(fx, 2, 0, "anemia", GROWTH("030401", "0002", "\"anemia\":\"none\","
	    CLASSES("severe", "severe", "severe", "no")));
	/* Oedema: wasting severe, no weight-for-age nor overweight. */
	put(fx, 3, 0, "anemia", GROWTH("030401", "0003", "\"oedema\":\"yes\","
	    "\"anemia\":\"moderate\",\"growth_rule\":\"WHO2006\","
	    "\"stunting\":\"none\",\"wasting\":\"severe\""));
	/* A newborn of 44 cm, outside the weight-for-length table: no
	 * wasting nor overweight; no haemoglobin under 6 months. */
	put(fx, 4, 0, "anemia", GROWTH("030401", "0004",
	    "\"growth_rule\":\"WHO2006\",\"stunting\":\"moderate\","
	    "\"underweight\":\"moderate\""));
	/* Measured, and the computed values left out: all missing. */
	put(fx, 5, 0, "anemia", GROWTH("030401", "0005",
	    "\"anemia\":\"none\""));
	/* A class no scale knows. */
	put(fx, 6, 0, "anemia", GROWTH("030401", "0006", "\"anemia\":\"none\","
	    CLASSES("grave", "none", "none", "no")));
	put(fx, 7, 0, "anemia", GROWTH("030401", "0007", "\"anemia\":\"none\","
	    CLASSES("none", "none", "none", "yes")));
	/* Computed, and empty. */
	put(fx, 8, 0, "anemia", GROWTH("030401", "0008", "\"anemia\":\"none\","
	    CLASSES("", "none", "none", "no")));
	/* An adult: no growth. */
	put(fx, 9, 0, "anemia", CHILD("030401", "5", "woman")
	    "\",\"anemia\":\"none\"}");
	put(fx, 10, 0, "anemia", GROWTH("030402", "0001",
	    "\"anemia\":\"severe\"," CLASSES("moderate", "none", "none",
	    "no")));
	/* Corrected: the correction counts. */
	put(fx, 11, 0, "anemia", GROWTH("030403", "0001",
	    "\"anemia\":\"none\"," CLASSES("none", "none", "none", "no")));
	put(fx, 12, 11, "anemia", GROWTH("030403", "0001",
	    "\"anemia\":\"none\"," CLASSES("severe", "none", "none", "no")));
	r = report(fx, NULL, NULL);
	d = district(r, 0);
	assert_int_equal(n(d, "growth.children"), 8);
	assert_int_equal(n(d, "growth.rules.WHO2006"), 7);
	assert_int_equal(json_integer_value(json_object_get(report_at(d,
	    "growth.rules"), "")), 1);
	assert_int_equal(n(d, "growth.stunting.measured"), 5);
	assert_int_equal(n(d, "growth.stunting.missing"), 2);
	assert_int_equal(n(d, "growth.stunting.unknown"), 1);
	assert_int_equal(n(d, "growth.stunting.not_classified"), 0);
	assert_int_equal(n(d, "growth.stunting.classes.moderate.n"), 2);
	assert_int_equal(n(d, "growth.stunting.classes.severe.n"), 1);
	assert_int_equal(n(d, "growth.stunting.any.n"), 3);
	assert_float_equal(real(d, "growth.stunting.any.pct"), 60, 1e-9);
	assert_float_equal(real(d, "growth.stunting.any.ci95.0"), 23.07,
	    1e-9);
	assert_float_equal(real(d, "growth.stunting.baseline"), 32.6, 1e-9);
	assert_int_equal(n(d, "growth.wasting.measured"), 6);
	assert_int_equal(n(d, "growth.wasting.classes.severe.n"), 2);
	assert_int_equal(n(d, "growth.wasting.not_classified"), 1);
	assert_int_equal(n(d, "growth.wasting.missing"), 1);
	assert_true(json_is_null(report_at(d, "growth.wasting.baseline")));
	assert_int_equal(n(d, "growth.underweight.measured"), 6);
	assert_int_equal(n(d, "growth.underweight.any.n"), 2);
	assert_int_equal(n(d, "growth.underweight.not_classified"), 1);
	assert_int_equal(n(d, "growth.overweight.measured"), 5);
	assert_int_equal(n(d, "growth.overweight.classes.yes.n"), 1);
	assert_int_equal(n(d, "growth.overweight.any.n"), 1);
	assert_int_equal(n(d, "growth.overweight.not_classified"), 2);
	assert_int_equal(n(d, "growth.overweight.missing"), 1);
	assert_float_equal(real(d, "growth.overweight.any.pct"), 20, 1e-9);
	/* Anaemia and stunting: of the children with a class of both. */
	assert_int_equal(n(d, "growth.anaemia_stunting.of"), 4);
	assert_int_equal(n(d, "growth.anaemia_stunting.n"), 1);
	assert_float_equal(real(d, "growth.anaemia_stunting.pct"), 25, 1e-9);
	/* The plan's baseline, over the children with a stunting class. */
	assert_int_equal(n(d, "indicators.stunting_children.of"), 5);
	assert_int_equal(n(d, "indicators.stunting_children.n"), 3);
	assert_float_equal(real(d, "indicators.stunting_children.baseline"),
	    32.6, 1e-9);
	assert_int_equal(n(district(r, 2), "growth.children"), 1);
	assert_int_equal(n(district(r, 2), "growth.stunting.classes.severe.n"),
	    1);
	assert_true(json_is_null(report_at(district(r, 5),
	    "growth.stunting.any.pct")));
	assert_int_equal(n(r, "province.growth.children"), 10);
	assert_int_equal(n(r, "province.growth.stunting.any.n"), 5);
	assert_int_equal(n(r, "province.growth.anaemia_stunting.of"), 6);
	assert_int_equal(n(r, "province.growth.anaemia_stunting.n"), 2);
	assert_int_equal(n(r, "province.anaemia.people"), 11);
}

static void
test_newest_revision(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r;

	put(fx, 1, 0, "anemia", CHILD("030403", "1", "child_6_23")
	    "\",\"anemia\":\"none\"}");
	put(fx, 2, 1, "anemia", CHILD("030403", "1", "child_6_23")
	    "\",\"anemia\":\"severe\"}");
	/* A correction that came before what it corrects (a stick carried
	 * late): still the correction counts. */
	put(fx, 4, 3, "anemia", CHILD("030403", "2", "child_24_59")
	    "\",\"anemia\":\"mild\"}");
	put(fx, 3, 0, "anemia", CHILD("030403", "2", "child_24_59")
	    "\",\"anemia\":\"moderate\"}");
	/* A chain: 5 replaced by 6 replaced by 7. */
	put(fx, 5, 0, "anemia", CHILD("030403", "3", "child_24_59")
	    "\",\"anemia\":\"none\"}");
	put(fx, 6, 5, "anemia", CHILD("030403", "3", "child_24_59")
	    "\",\"anemia\":\"mild\"}");
	put(fx, 7, 6, "anemia", CHILD("030403", "3", "child_24_59")
	    "\",\"anemia\":\"moderate\"}");
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "province.anaemia.people"), 3);
	assert_int_equal(n(r, "province.anaemia.groups.all.classes.none.n"),
	    0);
	assert_int_equal(n(r, "province.anaemia.groups.all.classes.severe.n"),
	    1);
	assert_int_equal(n(r, "province.anaemia.groups.all.classes.mild.n"),
	    1);
	assert_int_equal(n(r,
	    "province.anaemia.groups.all.classes.moderate.n"), 1);
	assert_int_equal(n(r, "quality.submissions"), 3);
}

#define WATER(hh, w, s, h) \
	"{\"district\":\"030404\",\"community\":\"Ancobamba\"," \
	"\"household_id\":\"030404-" hh "\",\"visit_date\":\"2026-11-20\"," \
	"\"water_ladder\":\"" w "\",\"sanitation_ladder\":\"" s "\"," \
	"\"hygiene_ladder\":\"" h "\"}"

static void
test_wash(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r, *d;

	put(fx, 1, 0, "water_sanitation", WATER("0001", "basic", "basic",
	    "basic"));
	put(fx, 2, 0, "water_sanitation", WATER("0002", "unimproved",
	    "open_defecation", "none"));
	put(fx, 3, 0, "water_sanitation", WATER("0003", "surface_water",
	    "limited", "limited"));
	put(fx, 4, 0, "water_sanitation", WATER("0004", "safely_managed",
	    "unimproved", "basic"));
	/* Computed values left out: every ladder missing. */
	put(fx, 5, 0, "water_sanitation", "{\"district\":\"030404\","
	    "\"household_id\":\"030404-0005\",\"visit_date\":\"2026-11-20\","
	    "\"chlorine_mg_l\":null}");
	/* A rung of a ladder that does not exist. */
	put(fx, 6, 0, "water_sanitation", WATER("0006", "piped", "basic",
	    "basic"));
	r = report(fx, NULL, NULL);
	d = district(r, 3);
	assert_int_equal(n(d, "wash.households"), 6);
	assert_int_equal(n(d, "wash.water_ladder.known"), 4);
	assert_int_equal(n(d, "wash.water_ladder.missing"), 1);
	assert_int_equal(n(d, "wash.water_ladder.unknown"), 1);
	assert_int_equal(n(d, "wash.water_ladder.rungs.basic.n"), 1);
	assert_float_equal(real(d, "wash.water_ladder.rungs.basic.pct"), 25,
	    1e-9);
	assert_int_equal(n(d, "wash.sanitation_ladder.known"), 5);
	assert_int_equal(n(d, "wash.hygiene_ladder.rungs.basic.n"), 3);
	/* Without water: unimproved and surface water, of those known. */
	assert_int_equal(n(d, "indicators.without_water.n"), 2);
	assert_int_equal(n(d, "indicators.without_water.of"), 4);
	assert_float_equal(real(d, "indicators.without_water.baseline"), 22,
	    1e-9);
	assert_int_equal(n(d, "indicators.without_sanitation.n"), 2);
	assert_int_equal(n(d, "indicators.without_sanitation.of"), 5);
	assert_int_equal(n(r, "province.wash.households"), 6);
	/* The ladders missing and the unanswered chlorine, per question. */
	assert_int_equal(json_array_size(report_at(r, "quality.missing")), 4);
}

#define HOME(hh, extra) \
	"{\"district\":\"030405\",\"community\":\"Lahuaylla\"," \
	"\"household_id\":\"030405-" hh "\",\"visit_date\":\"2026-11-20\"," \
	extra "}"
#define NONE_BUT(x) \
	"\"safe_water\":\"none\",\"flush_toilet\":\"none\"," \
	"\"shower\":\"none\",\"solar_heater\":\"none\"," \
	"\"washing_basin\":\"none\",\"micro_landfill\":\"none\"," \
	"\"vegetable_garden\":\"none\"," x

static void
test_improvements(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r, *d;

	/* improvements_in_use as text, as a calculation is stored... */
	put(fx, 1, 0, "household_improvements", HOME("0001", NONE_BUT(
	    "\"improved_stove\":\"in_use\",\"improved_stove_programme\":"
	    "\"allin_causay\",\"improvements_in_use\":\"1\"")));
	/* ...and as a number, as another tool may write it: both read. */
	put(fx, 2, 0, "household_improvements", HOME("0002", NONE_BUT(
	    "\"improved_stove\":\"installed_not_used\","
	    "\"improved_stove_programme\":\"ngo\","
	    "\"improvements_in_use\":0")));
	put(fx, 3, 0, "household_improvements", HOME("0003", NONE_BUT(
	    "\"improved_stove\":\"in_use\",\"improved_stove_programme\":"
	    "\"own\",\"improvements_in_use\":2")));
	/* A component not answered (an older version of the form). */
	put(fx, 4, 0, "household_improvements", HOME("0004",
	    "\"safe_water\":\"in_use\",\"safe_water_programme\":"
	    "\"allin_causay\",\"improvements_in_use\":\"1\""));
	r = report(fx, NULL, NULL);
	d = district(r, 4);
	assert_int_equal(n(d, "improvements.households"), 4);
	assert_int_equal(n(d, "improvements.in_use.answered"), 4);
	assert_int_equal(n(d, "improvements.in_use.components"), 4);
	assert_float_equal(real(d, "improvements.in_use.mean"), 1, 1e-9);
	assert_int_equal(n(d,
	    "improvements.components.improved_stove.statuses.in_use.n"), 2);
	assert_int_equal(n(d, "improvements.components.improved_stove."
	    "statuses.installed_not_used.n"), 1);
	assert_int_equal(n(d,
	    "improvements.components.improved_stove.missing"), 1);
	assert_int_equal(n(d,
	    "improvements.components.improved_stove.known"), 3);
	assert_int_equal(n(d, "improvements.components.improved_stove."
	    "programmes.allin_causay"), 1);
	assert_int_equal(n(d,
	    "improvements.components.safe_water.statuses.in_use.n"), 1);
	assert_int_equal(n(d, "improvements.reached.allin_causay"), 2);
	assert_int_equal(n(d, "improvements.reached.ngo"), 1);
	assert_int_equal(n(d, "indicators.programme_coverage.n"), 2);
	assert_int_equal(n(d, "indicators.programme_coverage.of"), 4);
	assert_float_equal(real(d, "indicators.programme_coverage.pct"), 50,
	    1e-9);
}

static void
test_districts_and_period(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r;

	put(fx, 1, 0, "anemia", "{\"household_id\":\"030401-0001\","
	    "\"visit_date\":\"2026-10-01\",\"hb_measured\":12,"
	    "\"anemia\":\"none\",\"hb_group\":\"man\"}");
	put(fx, 2, 0, "anemia", "{\"district\":\"999999\","
	    "\"household_id\":\"999999-0001\",\"visit_date\":\"2026-10-15\","
	    "\"hb_measured\":12,\"anemia\":\"mild\",\"hb_group\":\"man\"}");
	put(fx, 3, 0, "anemia", "{\"district\":\"030417\","
	    "\"household_id\":\"030417-0001\",\"visit_date\":\"2026-11-01\","
	    "\"hb_measured\":12,\"anemia\":\"mild\",\"hb_group\":\"man\"}");
	/* No visit date: the day it was finalized, 2026-11-20. */
	put(fx, 4, 0, "anemia", "{\"district\":\"030417\","
	    "\"household_id\":\"030417-0002\","
	    "\"hb_measured\":12,\"anemia\":\"mild\",\"hb_group\":\"man\"}");
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "no_district.anaemia.measured"), 2);
	assert_true(json_is_null(report_at(r, "no_district.ubigeo")));
	assert_int_equal(n(r, "quality.no_district"), 1);
	assert_int_equal(n(r, "quality.unknown_districts.999999"), 1);
	assert_int_equal(n(district(r, 16), "anaemia.measured"), 2);
	assert_int_equal(n(r, "province.anaemia.measured"), 4);
	assert_int_equal(n(r, "province.submissions.total"), 4);
	r = report(fx, "2026-10-15", "2026-11-01");
	assert_string_equal(json_string_value(report_at(r, "period.from")),
	    "2026-10-15");
	assert_int_equal(n(r, "province.anaemia.measured"), 2);
	assert_int_equal(n(r, "quality.no_district"), 0);
	assert_int_equal(n(r, "quality.submissions"), 2);
	r = report(fx, "2026-11-02", NULL);
	assert_int_equal(n(r, "province.anaemia.measured"), 1);
	r = report(fx, NULL, "2026-10-01");
	assert_int_equal(n(r, "province.anaemia.measured"), 1);
}

static void
test_duplicates(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r, *l;

	/* The same household twice, the same answers (a double entry)... */
	put(fx, 1, 0, "water_sanitation", WATER("0001", "basic", "basic",
	    "basic"));
	put(fx, 2, 0, "water_sanitation", WATER("0001", "basic", "basic",
	    "basic"));
	/* ...and twice with different answers, one in another community. */
	put(fx, 3, 0, "water_sanitation", WATER("0002", "basic", "basic",
	    "basic"));
	put(fx, 4, 0, "water_sanitation", "{\"district\":\"030404\","
	    "\"community\":\"<script>alert(1)</script>\","
	    "\"household_id\":\"030404-0002\",\"visit_date\":\"2026-11-21\","
	    "\"water_ladder\":\"limited\",\"sanitation_ladder\":\"basic\","
	    "\"hygiene_ladder\":\"basic\"}");
	/* Two people of one household: not the same subject. */
	put(fx, 5, 0, "anemia", CHILD("030404", "1", "child_6_23")
	    "\",\"anemia\":\"none\"}");
	put(fx, 6, 0, "anemia", CHILD("030404", "2", "child_6_23")
	    "\",\"anemia\":\"none\"}");
	/* A correction is not a second survey. */
	put(fx, 7, 0, "water_sanitation", WATER("0003", "basic", "basic",
	    "basic"));
	put(fx, 8, 7, "water_sanitation", WATER("0003", "limited", "basic",
	    "basic"));
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "quality.duplicates.subjects"), 2);
	assert_int_equal(n(r, "quality.duplicates.same_answers"), 1);
	assert_int_equal(n(r, "quality.duplicates.different_answers"), 1);
	l = report_at(r, "quality.duplicates.listed");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(report_at(json_array_get(l, 1),
	    "subject")), "030404-0002");
	assert_true(json_is_true(report_at(json_array_get(l, 1),
	    "different_answers")));
	assert_int_equal(json_array_size(report_at(json_array_get(l, 1),
	    "communities")), 2);
}

static void
test_quality(void **state)
{
	struct fixture		*fx = *state;
	struct hub_reject	 x;
	struct hub_sub		 s;
	struct err		 e;
	json_t			*r, *d;
	char			 id[48];

	put(fx, 1, 0, "anemia", CHILD("030401", "1", "child_6_23")
	    "\",\"anemia\":\"none\"}");
	err_init(&e);
	/* A conflict, kept aside: not counted in the figures. */
	memset(&s, 0, sizeof(s));
	iid(1, id);
	s.instance_id = id;
	s.form_id = "anemia";
	s.form_version = VER_ANEMIA;
	s.device_id = DEV;
	s.finalized_at = "2026-11-20T09:06:00.000-05:00";
	s.received_at = "2026-11-30T08:00:00-05:00";
	s.digest = "x";
	s.line = "{}";
	s.len = 2;
	s.batch = fx->batch;
	assert_int_equal(hub_store_add_conflict(fx->st, &s, &e), 0);
	/* Refused: 5 corrected since by 6; 9 still waiting; a line
	 * without an id. */
	memset(&x, 0, sizeof(x));
	x.device_id = DEV;
	x.reason = "hb_measured";
	x.received_at = "2026-11-30T08:00:00-05:00";
	x.batch = fx->batch;
	x.lineno = 2;
	iid(5, id);
	x.instance_id = id;
	x.line = "five";
	x.len = 4;
	assert_int_equal(hub_store_add_rejection(fx->st, &x, &e), 0);
	iid(9, id);
	x.line = "nine";
	assert_int_equal(hub_store_add_rejection(fx->st, &x, &e), 0);
	x.instance_id = NULL;
	x.line = "{not json";
	x.len = 9;
	assert_int_equal(hub_store_add_rejection(fx->st, &x, &e), 0);
	put(fx, 6, 5, "anemia", CHILD("030401", "2", "child_6_23")
	    "\",\"anemia\":\"none\"}");
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "province.anaemia.measured"), 2);
	assert_int_equal(n(r, "quality.conflicts"), 1);
	assert_int_equal(n(r, "quality.rejected"), 3);
	assert_int_equal(n(r, "quality.rejected_waiting"), 2);
	d = json_array_get(report_at(r, "quality.devices"), 0);
	assert_string_equal(json_string_value(json_object_get(d,
	    "device_id")), DEV);
	assert_int_equal(n(d, "submissions"), 2);
	assert_int_equal(n(d, "conflicts"), 1);
	assert_int_equal(n(d, "rejected_waiting"), 2);
	/* Its last batch on 2026-11-30 08:00 -05:00, the report on
	 * 2026-12-01: one day. */
	assert_int_equal(n(d, "days_since_contact"), 1);
	assert_false(json_is_true(json_object_get(d, "silent")));
	assert_int_equal(n(r, "quality.silent_devices"), 0);
	d = json_array_get(report_at(r, "quality.senders"), 0);
	assert_string_equal(json_string_value(json_object_get(d,
	    "promoter")), "Ana Quispe");
	assert_int_equal(n(d, "submissions"), 2);
}

static void
test_silent_device(void **state)
{
	struct fixture		*fx = *state;
	struct hub_device	 d;
	struct err		 e;
	unsigned char		 hash[HUB_TOKEN_HASH_BYTES];
	json_t			*r, *v;

	err_init(&e);
	memset(&d, 0, sizeof(d));
	memset(hash, 2, sizeof(hash));
	d.id = "dev-02";
	d.created_at = "2026-10-01T08:00:00-05:00";
	assert_int_equal(hub_store_add_device(fx->st, &d, hash, &e), 0);
	assert_int_equal(hub_store_touch_device(fx->st, "dev-02",
	    "2026-11-10T08:00:00-05:00", &e), 0);
	memset(hash, 3, sizeof(hash));
	d.id = "dev-03";
	assert_int_equal(hub_store_add_device(fx->st, &d, hash, &e), 0);
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "quality.silent_devices"), 2);
	v = json_array_get(report_at(r, "quality.devices"), 1);
	assert_int_equal(n(v, "days_since_contact"), 21);
	assert_true(json_is_true(json_object_get(v, "silent")));
	v = json_array_get(report_at(r, "quality.devices"), 2);
	assert_true(json_is_null(json_object_get(v, "last_contact")));
	assert_true(json_is_true(json_object_get(v, "silent")));
}

static void
test_facts_update(void **state)
{
	struct fixture	*fx = *state;
	struct err	 e;
	int64_t		 added;
	json_t		*r;

	err_init(&e);
	put(fx, 1, 0, "anemia", CHILD("030401", "1", "child_6_23")
	    "\",\"anemia\":\"mild\"}");
	assert_int_equal(facts_update(fx->st, &fx->cfg, &added, &e), 0);
	assert_int_equal(added, 1);
	assert_int_equal(facts_update(fx->st, &fx->cfg, &added, &e), 0);
	assert_int_equal(added, 0);
	put(fx, 2, 0, "anemia", CHILD("030401", "2", "child_6_23")
	    "\",\"anemia\":\"mild\"}");
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "province.anaemia.measured"), 2);
	/* Another way of reading them: all read again. */
	snprintf(fx->cfg.facts_version, sizeof(fx->cfg.facts_version),
	    "test");
	assert_int_equal(facts_update(fx->st, &fx->cfg, &added, &e), 0);
	assert_int_equal(added, 2);
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "province.anaemia.measured"), 2);
}

/* A row put in the store otherwise than by the merge, whose line is
 * not a submission: counted in its survey, everything missing. */
static void
test_unreadable_line(void **state)
{
	struct fixture	*fx = *state;
	struct hub_sub	 s;
	int		 added;
	struct err	 e;
	json_t		*r;
	char		 id[48];

	iid(1, id);
	memset(&s, 0, sizeof(s));
	s.instance_id = id;
	s.form_id = "household_improvements";
	s.form_version = VER;
	s.device_id = DEV;
	s.district = "030401";
	s.finalized_at = "2026-11-20T09:06:00.000-05:00";
	s.received_at = "2026-11-30T08:00:00-05:00";
	s.line = "{not json";
	s.len = 9;
	s.batch = fx->batch;
	s.digest = "";
	err_init(&e);
	assert_int_equal(hub_store_add_sub(fx->st, &s, &added, &e), 0);
	iid(2, id);
	s.form_id = "anemia";
	s.form_version = VER_ANEMIA;
	assert_int_equal(hub_store_add_sub(fx->st, &s, &added, &e), 0);
	r = report(fx, NULL, NULL);
	assert_int_equal(n(r, "province.improvements.households"), 1);
	assert_int_equal(n(r,
	    "province.improvements.components.shower.missing"), 1);
	assert_int_equal(n(r, "province.improvements.in_use.missing"), 1);
	assert_int_equal(n(r, "province.anaemia.missing"), 1);
	assert_int_equal(n(r, "province.anaemia.not_measured"), 0);
	assert_int_equal(n(r, "districts.0.submissions.total"), 2);
}

static void
test_outputs(void **state)
{
	struct fixture	*fx = *state;
	json_t		*r;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*fp;

	put(fx, 1, 0, "water_sanitation", WATER("0002", "basic", "basic",
	    "basic"));
	put(fx, 2, 0, "water_sanitation", "{\"district\":\"030404\","
	    "\"community\":\"<script>alert(1)</script>\","
	    "\"household_id\":\"030404-0002\",\"visit_date\":\"2026-11-21\","
	    "\"water_ladder\":\"limited\",\"sanitation_ladder\":\"basic\","
	    "\"hygiene_ladder\":\"basic\"}");
	r = report(fx, NULL, NULL);
	assert_non_null(fp = open_memstream(&text, &len));
	assert_int_equal(report_write_html(r, fp), 0);
	fclose(fp);
	assert_null(strstr(text, "<script"));
	assert_non_null(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(text, "<svg"));
	assert_null(strstr(text, "http://"));
	assert_null(strstr(text, "https://"));
	free(text);
	text = NULL;
	assert_non_null(fp = open_memstream(&text, &len));
	assert_int_equal(report_write_text(r, fp), 0);
	fclose(fp);
	assert_non_null(strstr(text, "<script>alert(1)</script>"));
	assert_non_null(strstr(text, "030404 Chapimarca"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wilson),
		cmocka_unit_test(test_config_bundled),
		cmocka_unit_test(test_config_files),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test_setup_teardown(test_anaemia, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_revision, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_improvements, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_districts_and_period,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quality, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_device, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_facts_update, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outputs, setup, teardown),
	};

	/* The program's words in English, as the other tests. */
	setenv("LANGUAGE", "en", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
