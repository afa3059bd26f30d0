/*
 * report.c: the figures of `hub report`, as one JSON tree.
 *
 * The tree is the report: `--format json` prints it, the text and HTML
 * writers only lay it out, so the three never disagree. Every field is
 * documented in docs/coordinator.md ("The report's JSON").
 *
 * How it is counted. The report's tables (facts.c) are brought up to
 * date, then a few GROUP BYs (store.c, hub_store_tally) each walk one
 * index in order: SQL does the counting, over rows a tenth of a line
 * wide, and what comes back is one row per combination of values (a few
 * thousand at most, whatever the number of submissions), added here into
 * the tree. Memory is the tree's: a district block per district, and
 * lists that are capped (listed_max in settings.csv) with their totals
 * always counted in full.
 *
 * The rules: which value is which class or rung is the forms' (the
 * surveys compute anemia, water_ladder...); their order and names, the
 * groups, the baselines and what each compares are data (hub/data/).
 * A value that no scale knows is counted as "unknown", a value that is
 * not there as "missing": nothing falls out of a total.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub.h"

/* Distinct names kept in a list that grows from the data (rules,
 * programmes, district codes not in the list, questions): past it, one
 * entry MORE counts the rest. */
#define NAMES_MAX	1000
#define MORE		"..."

struct build {
	const struct report_config	*cfg;
	const struct report_opts	*o;
	struct hub_store		*st;
	struct hub_period		 period;
	struct err			*e;
	json_t				*root;
	json_t				**units;	/* the districts, no
							 * district, province */
	size_t				 nunits;
	json_t				*quality;
	/* By device: submissions, conflicts, refused lines and refused
	 * surveys waiting; by device and promoter ("ID\x1fP" + promoter,
	 * "ID\x1fN" for none): submissions. */
	json_t				*bydev, *conflicts, *lines, *waiting;
	json_t				*senders;
	int				 nomem;
};

/* ------------------------------------------------------------------ */
/* The tree's small helpers: each notes a failed allocation in b and
 * goes on; report_build checks once at the end.                       */

static json_t *
set(struct build *b, json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0) {
		b->nomem = 1;
		return NULL;
	}
	return v;
}

static json_t *
obj(struct build *b, json_t *o, const char *key)
{
	return set(b, o, key, json_object());
}

static void
append(struct build *b, json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		b->nomem = 1;
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* o[key] += n; the key is made when absent. */
static void
add(struct build *b, json_t *o, const char *key, int64_t n)
{
	json_t	*v;

	if (o == NULL)
		return;
	if ((v = json_object_get(o, key)) == NULL) {
		set(b, o, key, json_integer(n));
		return;
	}
	json_integer_set(v, json_integer_value(v) + n);
}

/* o[key].n += n. */
static void
add_n(struct build *b, json_t *o, const char *key, int64_t n)
{
	json_t	*v;

	if (o == NULL)
		return;
	if ((v = json_object_get(o, key)) == NULL &&
	    (v = obj(b, o, key)) == NULL)
		return;
	add(b, v, "n", n);
}

/* A name that grows from the data, in o: past NAMES_MAX, MORE. */
static void
add_name(struct build *b, json_t *o, const char *key, int64_t n)
{
	if (o == NULL)
		return;
	if (json_object_get(o, key) == NULL &&
	    json_object_size(o) >= NAMES_MAX)
		key = MORE;
	add(b, o, key, n);
}

static int64_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *
at(json_t *o, const char *a, const char *k)
{
	return json_object_get(json_object_get(o, a), k);
}

json_t *
report_at(const json_t *o, const char *path)
{
	char		 key[128];
	const char	*p = path;
	size_t		 n;

	char		*end;
	unsigned long	 i;

	while (o != NULL && *p != '\0') {
		n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (json_is_array(o)) {
			i = strtoul(key, &end, 10);
			o = *end == '\0' && end != key ? json_array_get(o, i) :
			    NULL;
		} else
			o = json_object_get(o, key);
		p += n + (p[n] == '.');
	}
	return (json_t *)o;
}

long long
report_num(const json_t *o, const char *path)
{
	return (long long)json_integer_value(report_at(o, path));
}

/* ------------------------------------------------------------------ */
/* Proportions                                                         */

void
report_wilson(int64_t x, int64_t n, double z, double *lo, double *hi)
{
	double	p, z2n, c, h;

	*lo = *hi = 0;
	if (n <= 0)
		return;
	p = (double)x / (double)n;
	z2n = z * z / (double)n;
	c = (p + z2n / 2) / (1 + z2n);
	h = z / (1 + z2n) * sqrt(p * (1 - p) / (double)n +
	    z2n / (4 * (double)n));
	*lo = c - h < 0 ? 0 : c - h;
	*hi = c + h > 1 ? 1 : c + h;
	/* At the edges the bound is exact: no 1e-17 for "none of them". */
	if (x == 0)
		*lo = 0;
	if (x == n)
		*hi = 1;
}

/* A percentage as the report shows it: two decimals. */
static double
pct2(double v)
{
	return round(v * 10000) / 100;
}

/* o gets "pct" and "ci95" for o.n of `of`: null when `of` is 0. */
static void
proportion(struct build *b, json_t *o, int64_t of)
{
	double	lo, hi;
	json_t	*ci;

	if (o == NULL)
		return;
	if (of <= 0) {
		set(b, o, "pct", json_null());
		set(b, o, "ci95", json_null());
		return;
	}
	report_wilson(num(o, "n"), of, REPORT_Z95, &lo, &hi);
	set(b, o, "pct", json_real(pct2((double)num(o, "n") / (double)of)));
	if ((ci = set(b, o, "ci95", json_array())) != NULL) {
		append(b, ci, json_real(pct2(lo)));
		append(b, ci, json_real(pct2(hi)));
	}
}

/* ------------------------------------------------------------------ */
/* The skeleton: every key there from the start, zero where nothing
 * came, in the order a reader wants them                               */

static json_t *
counter(void)
{
	json_t	*o = json_object();

	if (o != NULL && json_object_set_new(o, "n", json_integer(0)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"n": 0} for each value of the scale, under key. */
static json_t *
values_of(struct build *b, json_t *o, const char *key,
    const struct report_scale *s)
{
	json_t	*v;
	size_t	 i;

	if ((v = obj(b, o, key)) == NULL)
		return NULL;
	for (i = 0; s != NULL && i < s->n; i++)
		set(b, v, s->v[i].name, counter());
	return v;
}

static void
anaemia_group(struct build *b, json_t *groups, const char *name)
{
	json_t	*g;

	if ((g = obj(b, groups, name)) == NULL)
		return;
	set(b, g, "measured", json_integer(0));
	set(b, g, "missing", json_integer(0));
	set(b, g, "unknown", json_integer(0));
	values_of(b, g, "classes", report_scale(b->cfg, SCALE_ANEMIA));
	set(b, g, "any", counter());
}

/* The plan's figure for a scale (the first baseline that counts it),
 * or NULL. */
static const struct report_baseline *
baseline_of(const struct report_config *cfg, const char *scale)
{
	size_t	i;

	for (i = 0; i < cfg->nbaselines; i++)
		if (strcmp(cfg->baselines[i].counts, scale) == 0)
			return &cfg->baselines[i];
	return NULL;
}

/* One growth class of a block: as an anaemia group, with the plan's
 * figure beside it (null: the plan has none). */
static void
growth_class(struct build *b, json_t *growth, const char *name)
{
	const struct report_baseline	*bl = baseline_of(b->cfg, name);
	json_t				*g;

	if ((g = obj(b, growth, name)) == NULL)
		return;
	set(b, g, "measured", json_integer(0));
	set(b, g, "not_classified", json_integer(0));
	set(b, g, "missing", json_integer(0));
	set(b, g, "unknown", json_integer(0));
	values_of(b, g, "classes", report_scale(b->cfg, name));
	set(b, g, "any", counter());
	set(b, g, "baseline", bl != NULL ? json_real(bl->percent) :
	    json_null());
}

static const char *const ladders[] = {
	"water_ladder", "sanitation_ladder", "hygiene_ladder"
};
#define NLADDERS	(sizeof(ladders) / sizeof(ladders[0]))

static json_t *
unit_new(struct build *b, const char *ubigeo, const char *name)
{
	const struct report_config	*cfg = b->cfg;
	const struct report_scale	*prog = report_scale(cfg,
					    SCALE_PROGRAMME);
	json_t				*u, *o, *a, *g, *k;
	size_t				 i;

	if ((u = json_object()) == NULL) {
		b->nomem = 1;
		return NULL;
	}
	set(b, u, "ubigeo", str_or_null(ubigeo));
	set(b, u, "name", json_string(name));
	if ((o = obj(b, u, "submissions")) != NULL) {
		set(b, o, "total", json_integer(0));
		set(b, o, "anaemia", json_integer(0));
		set(b, o, "wash", json_integer(0));
		set(b, o, "improvements", json_integer(0));
		set(b, o, "other", json_integer(0));
	}
	if ((a = obj(b, u, "anaemia")) != NULL) {
		set(b, a, "people", json_integer(0));
		set(b, a, "measured", json_integer(0));
		set(b, a, "not_measured", json_integer(0));
		set(b, a, "missing", json_integer(0));
		set(b, a, "unknown", json_integer(0));
		set(b, a, "rules", json_object());
		if ((g = obj(b, a, "groups")) != NULL) {
			anaemia_group(b, g, "all");
			for (i = 0; i < cfg->ngroups; i++)
				anaemia_group(b, g, cfg->groups[i].name);
			anaemia_group(b, g, "unknown");
		}
	}
	if ((o = obj(b, u, "growth")) != NULL) {
		set(b, o, "children", json_integer(0));
		set(b, o, "rules", json_object());
		for (i = 0; i < REPORT_NGROWTH; i++)
			growth_class(b, o, report_growth[i]);
		if ((a = obj(b, o, "anaemia_stunting")) != NULL) {
			set(b, a, "n", json_integer(0));
			set(b, a, "of", json_integer(0));
		}
	}
	if ((o = obj(b, u, "wash")) != NULL) {
		set(b, o, "households", json_integer(0));
		for (i = 0; i < NLADDERS; i++) {
			if ((a = obj(b, o, ladders[i])) == NULL)
				continue;
			set(b, a, "known", json_integer(0));
			set(b, a, "missing", json_integer(0));
			set(b, a, "unknown", json_integer(0));
			values_of(b, a, "rungs", report_scale(cfg, ladders[i]));
		}
	}
	if ((o = obj(b, u, "improvements")) != NULL) {
		set(b, o, "households", json_integer(0));
		if ((a = obj(b, o, "in_use")) != NULL) {
			set(b, a, "answered", json_integer(0));
			set(b, a, "missing", json_integer(0));
			set(b, a, "components", json_integer(0));
			set(b, a, "mean", json_null());
		}
		if ((a = obj(b, o, "reached")) != NULL)
			for (i = 0; prog != NULL && i < prog->n; i++)
				set(b, a, prog->v[i].name, json_integer(0));
		if ((a = obj(b, o, "components")) != NULL)
			for (i = 0; i < cfg->ncomponents; i++) {
				if ((k = obj(b, a, cfg->components[i].field)) ==
				    NULL)
					continue;
				set(b, k, "known", json_integer(0));
				set(b, k, "missing", json_integer(0));
				set(b, k, "unknown", json_integer(0));
				values_of(b, k, "statuses",
				    report_scale(cfg, SCALE_STATUS));
				set(b, k, "programmes", json_object());
			}
	}
	if ((o = obj(b, u, "indicators")) != NULL)
		for (i = 0; i < cfg->nbaselines; i++) {
			if ((a = obj(b, o, cfg->baselines[i].id)) == NULL)
				continue;
			set(b, a, "baseline",
			    json_real(cfg->baselines[i].percent));
			set(b, a, "n", json_integer(0));
			set(b, a, "of", json_integer(0));
		}
	return u;
}

static json_t *
strings(const char *const *v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* What the report's names mean: labels of scales, groups, components. */
static void
legend(struct build *b)
{
	const struct report_config	*cfg = b->cfg;
	json_t				*l, *o, *a, *v;
	size_t				 i, j;

	if ((l = obj(b, b->root, "legend")) == NULL)
		return;
	if ((o = obj(b, l, "scales")) != NULL)
		for (i = 0; i < cfg->nscales; i++) {
			if ((a = set(b, o, cfg->scales[i].name,
			    json_array())) == NULL)
				continue;
			for (j = 0; j < cfg->scales[i].n; j++) {
				v = json_pack("{s:s, s:s, s:b}", "value",
				    cfg->scales[i].v[j].name, "label",
				    cfg->scales[i].v[j].label, "any",
				    cfg->scales[i].v[j].any);
				append(b, a, v);
			}
		}
	if ((a = set(b, l, "groups", json_array())) != NULL) {
		for (i = 0; i < cfg->ngroups; i++) {
			if ((v = json_pack("{s:s, s:s, s:[]}", "group",
			    cfg->groups[i].name, "label",
			    cfg->groups[i].label, "hb_group")) == NULL) {
				b->nomem = 1;
				continue;
			}
			for (j = 0; j < cfg->nhbgroups; j++)
				if (cfg->hbgroups[j].group == i)
					append(b, json_object_get(v,
					    "hb_group"), json_string(
					    cfg->hbgroups[j].hb_group));
			append(b, a, v);
		}
	}
	if ((a = set(b, l, "components", json_array())) != NULL)
		for (i = 0; i < cfg->ncomponents; i++)
			append(b, a, json_pack("{s:s, s:s, s:s}", "field",
			    cfg->components[i].field, "programme_field",
			    cfg->components[i].programme_field, "label",
			    cfg->components[i].label));
}

static void
skeleton(struct build *b)
{
	const struct report_config	*cfg = b->cfg;
	const struct report_opts	*o = b->o;
	json_t				*p, *a, *v;
	char				 now[40];
	size_t				 i;

	datetime_format_local(o->now, now);
	set(b, b->root, "generated_at", json_string(now));
	if ((p = obj(b, b->root, "period")) != NULL) {
		set(b, p, "from", str_or_null(o->from));
		set(b, p, "to", str_or_null(o->to));
		set(b, p, "date", json_string("visit_date"));
	}
	if ((a = set(b, b->root, "baselines", json_array())) != NULL)
		for (i = 0; i < cfg->nbaselines; i++) {
			const struct report_baseline *bl = &cfg->baselines[i];

			v = json_pack("{s:s, s:s, s:f, s:s, s:o, s:o, s:s}",
			    "id", bl->id, "label", bl->label, "percent",
			    bl->percent, "counts", bl->counts, "values",
			    strings(bl->values, bl->nvalues), "among",
			    strings(bl->among, bl->namong), "source",
			    bl->source);
			append(b, a, v);
		}
	legend(b);
	b->nunits = cfg->ndistricts + 2;
	if ((b->units = calloc(b->nunits, sizeof(*b->units))) == NULL) {
		b->nomem = 1;
		return;
	}
	if ((a = set(b, b->root, "districts", json_array())) != NULL)
		for (i = 0; i < cfg->ndistricts; i++) {
			b->units[i] = unit_new(b, cfg->districts[i].ubigeo,
			    cfg->districts[i].name);
			/* The array holds it; units[i] borrows. */
			append(b, a, json_incref(b->units[i]));
			json_decref(b->units[i]);
		}
	i = cfg->ndistricts;
	b->units[i] = set(b, b->root, "no_district", unit_new(b, NULL,
	    _("no district, or one not in the list")));
	b->units[i + 1] = set(b, b->root, "province", unit_new(b, NULL,
	    _("province of Aymaraes")));
	if ((b->quality = obj(b, b->root, "quality")) != NULL) {
		set(b, b->quality, "now", json_string(now));
		set(b, b->quality, "silent_days",
		    json_integer(cfg->silent_days));
		set(b, b->quality, "submissions", json_integer(0));
		set(b, b->quality, "forms", json_object());
		set(b, b->quality, "no_district", json_integer(0));
		set(b, b->quality, "unknown_districts", json_object());
		set(b, b->quality, "devices", json_array());
		set(b, b->quality, "silent_devices", json_integer(0));
		set(b, b->quality, "senders", json_array());
		set(b, b->quality, "senders_not_listed", json_integer(0));
		set(b, b->quality, "conflicts", json_integer(0));
		set(b, b->quality, "rejected", json_integer(0));
		set(b, b->quality, "rejected_waiting", json_integer(0));
		if ((v = obj(b, b->quality, "duplicates")) != NULL) {
			set(b, v, "subjects", json_integer(0));
			set(b, v, "same_answers", json_integer(0));
			set(b, v, "different_answers", json_integer(0));
			set(b, v, "listed", json_array());
		}
		set(b, b->quality, "missing", json_array());
	}
}

/* ------------------------------------------------------------------ */
/* Adding the tallies' rows                                            */

/* The district's unit, else no district's. */
static size_t
unit_of(const struct build *b, const char *district)
{
	size_t	i;

	for (i = 0; district != NULL && i < b->cfg->ndistricts; i++)
		if (strcmp(b->cfg->districts[i].ubigeo, district) == 0)
			return i;
	return b->cfg->ndistricts;
}

static const struct report_value *
value_in(const struct report_scale *s, const char *v)
{
	size_t	i;

	for (i = 0; s != NULL && v != NULL && i < s->n; i++)
		if (strcmp(s->v[i].name, v) == 0)
			return &s->v[i];
	return NULL;
}

static int
word_in(const char *const *v, size_t n, const char *w, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strlen(v[i]) == len && strncmp(v[i], w, len) == 0)
			return 1;
	return 0;
}

/* The report group of an hb_group: its name, or "unknown". */
static const char *
group_of(const struct report_config *cfg, const char *hb_group)
{
	size_t	i;

	for (i = 0; hb_group != NULL && i < cfg->nhbgroups; i++)
		if (strcmp(cfg->hbgroups[i].hb_group, hb_group) == 0)
			return cfg->groups[cfg->hbgroups[i].group].name;
	return "unknown";
}

/* Indicator columns of the INDICATORS tally. */
enum { I_FORM, I_DISTRICT, I_ANEMIA, I_HB_GROUP, I_HB_RULE, I_WATER,
    I_SANITATION, I_HYGIENE, I_PROGRAMMES, I_IN_USE, I_DEVICE, I_PROMOTER };

static void
add_rule(struct build *b, json_t *u, const char *rule, int64_t n)
{
	add_name(b, at(u, "anaemia", "rules"), rule != NULL && *rule != '\0' ?
	    rule : "", n);
}

static void
add_anaemia(struct build *b, json_t *u, const char *const *t, int64_t n)
{
	const struct report_value	*v;
	json_t				*a = json_object_get(u, "anaemia");
	json_t				*groups = json_object_get(a, "groups");
	json_t				*g[2];
	const char			*cls = t[I_ANEMIA];
	size_t				 i;

	add(b, a, "people", n);
	if (cls == NULL) {
		add(b, a, "not_measured", n);
		return;
	}
	g[0] = json_object_get(groups, "all");
	g[1] = json_object_get(groups, group_of(b->cfg, t[I_HB_GROUP]));
	add_rule(b, u, t[I_HB_RULE], n);
	v = value_in(report_scale(b->cfg, SCALE_ANEMIA), cls);
	if (*cls == '\0' || v == NULL) {
		add(b, a, *cls == '\0' ? "missing" : "unknown", n);
		for (i = 0; i < 2; i++)
			add(b, g[i], *cls == '\0' ? "missing" : "unknown", n);
		return;
	}
	add(b, a, "measured", n);
	for (i = 0; i < 2; i++) {
		add(b, g[i], "measured", n);
		add_n(b, json_object_get(g[i], "classes"), v->name, n);
		if (v->any)
			add_n(b, g[i], "any", n);
	}
}

static void
add_wash(struct build *b, json_t *u, const char *const *t, int64_t n)
{
	json_t		*w = json_object_get(u, "wash"), *l;
	const char	*v;
	size_t		 i;

	add(b, w, "households", n);
	for (i = 0; i < NLADDERS; i++) {
		l = json_object_get(w, ladders[i]);
		v = t[I_WATER + i];
		if (v == NULL || *v == '\0')
			add(b, l, "missing", n);
		else if (value_in(report_scale(b->cfg, ladders[i]), v) ==
		    NULL)
			add(b, l, "unknown", n);
		else {
			add(b, l, "known", n);
			add_n(b, json_object_get(l, "rungs"), v, n);
		}
	}
}

static void
add_improvements(struct build *b, json_t *u, const char *const *t,
    int64_t n)
{
	json_t		*o = json_object_get(u, "improvements");
	json_t		*in = json_object_get(o, "in_use");
	json_t		*reached = json_object_get(o, "reached");
	const char	*p = t[I_PROGRAMMES], *v = t[I_IN_USE];
	char		*end, word[128];
	double		 d;
	size_t		 len;

	add(b, o, "households", n);
	d = v != NULL && *v != '\0' ? strtod(v, &end) : 0;
	if (v == NULL || *v == '\0' || *end != '\0' || d < 0 ||
	    d != floor(d) || d > 1000)
		add(b, in, "missing", n);
	else {
		add(b, in, "answered", n);
		add(b, in, "components", (int64_t)d * n);
	}
	while (p != NULL && *p != '\0') {
		len = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		add_name(b, reached, word, n);
		p += len + (p[len] == ' ');
	}
}

/* The baselines' measured figures, counted row by row: n among `of`. */
static void
add_indicators(struct build *b, json_t *u, const char *const *t,
    enum report_section sec, int64_t n)
{
	const struct report_config	*cfg = b->cfg;
	const struct report_baseline	*bl;
	const char			*v, *p, *g;
	json_t				*ind = json_object_get(u, "indicators");
	json_t				*o;
	size_t				 i, k, len;
	int				 in_of, in_n;

	for (i = 0; i < cfg->nbaselines; i++) {
		bl = &cfg->baselines[i];
		o = json_object_get(ind, bl->id);
		in_of = in_n = 0;
		if (strcmp(bl->counts, "programme") == 0) {
			if (sec != SECTION_IMPROVEMENTS)
				continue;
			in_of = 1;
			for (p = t[I_PROGRAMMES]; p != NULL && *p != '\0';
			    p += len + (p[len] == ' ')) {
				len = strcspn(p, " ");
				in_n |= word_in(bl->values, bl->nvalues, p,
				    len);
			}
		} else if (strcmp(bl->counts, SCALE_ANEMIA) == 0) {
			if (sec != SECTION_ANAEMIA)
				continue;
			v = t[I_ANEMIA];
			g = group_of(cfg, t[I_HB_GROUP]);
			in_of = value_in(report_scale(cfg, SCALE_ANEMIA),
			    v) != NULL && (bl->namong == 0 ||
			    word_in(bl->among, bl->namong, g, strlen(g)));
			in_n = in_of && word_in(bl->values, bl->nvalues, v,
			    strlen(v));
		} else {
			for (k = 0; k < NLADDERS; k++)
				if (strcmp(bl->counts, ladders[k]) == 0)
					break;
			if (sec != SECTION_WASH || k == NLADDERS)
				continue;
			v = t[I_WATER + k];
			in_of = value_in(report_scale(cfg, ladders[k]), v) !=
			    NULL;
			in_n = in_of && word_in(bl->values, bl->nvalues, v,
			    strlen(v));
		}
		if (in_of)
			add(b, o, "of", n);
		if (in_n)
			add(b, o, "n", n);
	}
}

/* Submissions by device and promoter, as the submissions name them. */
static void
sender(struct build *b, const char *device, const char *promoter,
    int64_t n)
{
	struct buf	k;

	buf_init(&k, 4096);
	if (buf_addstr(&k, device) != 0 || buf_addc(&k, '\x1f') != 0 ||
	    buf_addstr(&k, promoter != NULL ? "P" : "N") != 0 ||
	    (promoter != NULL && buf_addstr(&k, promoter) != 0)) {
		/* Past 4 KB, the name is cut: still counted. */
		if (k.p == NULL) {
			b->nomem = 1;
			return;
		}
	}
	add_name(b, b->senders, k.p, n);
	buf_release(&k);
}

static int
indicators_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build			*b = arg;
	const struct report_survey	*sv = report_survey(b->cfg, t[I_FORM]);
	enum report_section		 sec = sv != NULL ? sv->section :
					    SECTION_OTHER;
	static const char *const	 names[] = { "other", "anaemia",
					    "wash", "improvements" };
	json_t				*u[2];
	size_t				 i;

	u[0] = b->units[unit_of(b, t[I_DISTRICT])];
	u[1] = b->units[b->nunits - 1];
	add(b, b->quality, "submissions", c[0]);
	add(b, b->bydev, t[I_DEVICE], c[0]);
	sender(b, t[I_DEVICE], t[I_PROMOTER], c[0]);
	add_name(b, json_object_get(b->quality, "forms"), t[I_FORM], c[0]);
	if (t[I_DISTRICT] == NULL)
		add(b, b->quality, "no_district", c[0]);
	else if (u[0] == b->units[b->cfg->ndistricts])
		add_name(b, json_object_get(b->quality, "unknown_districts"),
		    t[I_DISTRICT], c[0]);
	for (i = 0; i < 2; i++) {
		add(b, json_object_get(u[i], "submissions"), "total", c[0]);
		add(b, json_object_get(u[i], "submissions"), names[sec], c[0]);
		if (sec == SECTION_ANAEMIA)
			add_anaemia(b, u[i], t, c[0]);
		else if (sec == SECTION_WASH)
			add_wash(b, u[i], t, c[0]);
		else if (sec == SECTION_IMPROVEMENTS)
			add_improvements(b, u[i], t, c[0]);
		add_indicators(b, u[i], t, sec, c[0]);
	}
	return b->nomem ? ERR_NOMEM : 0;
}

/* Growth columns of the GROWTH tally. */
enum { G_FORM, G_DISTRICT, G_ANEMIA, G_RULE, G_CLASSES };

/* One class of a child's growth: t the value as facts.c reads it. */
static void
add_growth_class(struct build *b, json_t *g, const struct report_scale *s,
    const char *t, int64_t n)
{
	const struct report_value	*v;

	if (t == NULL)
		add(b, g, "not_classified", n);
	else if (*t == '\0')
		add(b, g, "missing", n);
	else if ((v = value_in(s, t)) == NULL)
		add(b, g, "unknown", n);
	else {
		add(b, g, "measured", n);
		add_n(b, json_object_get(g, "classes"), v->name, n);
		if (v->any)
			add_n(b, g, "any", n);
	}
}

/* The baselines that count a growth class, over the children with a
 * class of its scale. */
static void
add_growth_indicators(struct build *b, json_t *u, const char *const *t,
    int64_t n)
{
	const struct report_config	*cfg = b->cfg;
	const struct report_baseline	*bl;
	const struct report_value	*v;
	json_t				*o;
	size_t				 i, k;

	for (i = 0; i < cfg->nbaselines; i++) {
		bl = &cfg->baselines[i];
		for (k = 0; k < REPORT_NGROWTH; k++)
			if (strcmp(bl->counts, report_growth[k]) == 0)
				break;
		if (k == REPORT_NGROWTH || (v = value_in(report_scale(cfg,
		    bl->counts), t[G_CLASSES + k])) == NULL)
			continue;
		o = json_object_get(json_object_get(u, "indicators"), bl->id);
		add(b, o, "of", n);
		if (word_in(bl->values, bl->nvalues, v->name, strlen(v->name)))
			add(b, o, "n", n);
	}
}

static int
growth_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build			*b = arg;
	const struct report_config	*cfg = b->cfg;
	const struct report_survey	*sv = report_survey(cfg, t[G_FORM]);
	const struct report_value	*anemia, *stunting;
	json_t				*u[2], *g, *both;
	size_t				 i, k;

	if (sv == NULL || sv->section != SECTION_ANAEMIA)
		return 0;
	u[0] = b->units[unit_of(b, t[G_DISTRICT])];
	u[1] = b->units[b->nunits - 1];
	anemia = value_in(report_scale(cfg, SCALE_ANEMIA), t[G_ANEMIA]);
	stunting = value_in(report_scale(cfg, SCALE_STUNTING),
	    t[G_CLASSES]);
	for (i = 0; i < 2; i++) {
		g = json_object_get(u[i], "growth");
		add(b, g, "children", c[0]);
		add_name(b, json_object_get(g, "rules"), t[G_RULE], c[0]);
		for (k = 0; k < REPORT_NGROWTH; k++)
			add_growth_class(b, json_object_get(g,
			    report_growth[k]), report_scale(cfg,
			    report_growth[k]), t[G_CLASSES + k], c[0]);
		both = json_object_get(g, "anaemia_stunting");
		if (anemia != NULL && stunting != NULL) {
			add(b, both, "of", c[0]);
			if (anemia->any && stunting->any)
				add(b, both, "n", c[0]);
		}
		add_growth_indicators(b, u[i], t, c[0]);
	}
	return b->nomem ? ERR_NOMEM : 0;
}

/* A household's components as facts.c writes them: "STATUS:PROGRAMME"
 * for each component of components.csv, in its order, joined by ';'. */
static int
components_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build	*b = arg;
	const char	*p = t[1], *colon;
	json_t		*u[2], *k;
	char		 st[128], pr[128];
	size_t		 i, j, len;

	u[0] = b->units[unit_of(b, t[0])];
	u[1] = b->units[b->nunits - 1];
	for (j = 0; p != NULL && j < b->cfg->ncomponents; j++) {
		len = strcspn(p, ";");
		colon = memchr(p, ':', len);
		snprintf(st, sizeof(st), "%.*s", (int)(colon != NULL ?
		    (size_t)(colon - p) : len), p);
		snprintf(pr, sizeof(pr), "%.*s", colon != NULL ?
		    (int)(len - (size_t)(colon - p) - 1) : 0,
		    colon != NULL ? colon + 1 : "");
		for (i = 0; i < 2; i++) {
			k = at(json_object_get(u[i], "improvements"),
			    "components", b->cfg->components[j].field);
			if (*st == '\0')
				add(b, k, "missing", c[0]);
			else if (value_in(report_scale(b->cfg, SCALE_STATUS),
			    st) == NULL)
				add(b, k, "unknown", c[0]);
			else {
				add(b, k, "known", c[0]);
				add_n(b, json_object_get(k, "statuses"), st,
				    c[0]);
			}
			if (*pr != '\0')
				add_name(b, json_object_get(k, "programmes"),
				    pr, c[0]);
		}
		if (p[len] != ';')
			break;
		p += len + 1;
	}
	return b->nomem ? ERR_NOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* Data quality                                                        */

static void
senders_put(struct build *b)
{
	json_t		*list = json_object_get(b->quality, "senders"), *v;
	const char	*key, *sep;
	char		 device[4096];

	json_object_foreach(b->senders, key, v) {
		if ((int64_t)json_array_size(list) >= b->cfg->listed_max) {
			add(b, b->quality, "senders_not_listed", 1);
			continue;
		}
		if ((sep = strchr(key, '\x1f')) == NULL)
			sep = key + strlen(key);	/* MORE */
		snprintf(device, sizeof(device), "%.*s", (int)(sep - key),
		    key);
		append(b, list, json_pack("{s:s, s:o, s:I}", "device_id",
		    device, "promoter", sep[0] != '\0' && sep[1] == 'P' ?
		    json_string(sep + 2) : json_null(), "submissions",
		    (json_int_t)json_integer_value(v)));
	}
}

static int
conflicts_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build	*b = arg;

	add(b, b->conflicts, t[0], c[0]);
	add(b, b->quality, "conflicts", c[0]);
	return b->nomem ? ERR_NOMEM : 0;
}

static int
rejected_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build	*b = arg;

	add(b, b->lines, t[0], c[0]);
	add(b, b->waiting, t[0], c[1]);
	add(b, b->quality, "rejected", c[0]);
	add(b, b->quality, "rejected_waiting", c[1]);
	return b->nomem ? ERR_NOMEM : 0;
}

/* The later of two RFC 3339 times (either may be NULL). */
static const char *
later(const char *a, const char *b, double *epoch)
{
	double	ta = 0, tb = 0;
	int	ha, hb;

	ha = a != NULL && datetime_parse(a, &ta) == 0;
	hb = b != NULL && datetime_parse(b, &tb) == 0;
	*epoch = 0;
	if (!ha && !hb)
		return NULL;
	if (ha && (!hb || ta >= tb)) {
		*epoch = ta;
		return a;
	}
	*epoch = tb;
	return b;
}

/* Devices columns: id, promoter, district, revoked_at, last_contact,
 * last batch. */
static int
device_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build	*b = arg;
	const char	*last;
	double		 when;
	int64_t		 days = -1;
	int		 silent;
	json_t		*o;

	(void)c;
	last = later(t[4], t[5], &when);
	if (last != NULL)
		days = (int64_t)floor((b->o->now - when) / 86400);
	silent = t[3] == NULL && (last == NULL || days > b->cfg->silent_days);
	if (silent)
		add(b, b->quality, "silent_devices", 1);
	o = json_pack("{s:s, s:o, s:o, s:b, s:o, s:o, s:b, s:I, s:I, s:I,"
	    " s:I}", "device_id", t[0], "promoter", str_or_null(t[1]),
	    "district", str_or_null(t[2]), "revoked", t[3] != NULL,
	    "last_contact", str_or_null(last), "days_since_contact",
	    last != NULL ? json_integer(days) : json_null(), "silent", silent,
	    "submissions", (json_int_t)num(b->bydev, t[0]), "conflicts",
	    (json_int_t)num(b->conflicts, t[0]), "rejected",
	    (json_int_t)num(b->lines, t[0]), "rejected_waiting",
	    (json_int_t)num(b->waiting, t[0]));
	append(b, json_object_get(b->quality, "devices"), o);
	return b->nomem ? ERR_NOMEM : 0;
}

struct subject {
	struct build	*b;
	json_t		*item;
};

/* One district and community of a subject surveyed more than once. */
static int
subject_row(const char *const *t, const int64_t *c, void *arg)
{
	struct subject	*s = arg;
	json_t		*comm = json_object_get(s->item, "communities");
	json_t		*v;
	size_t		 i;
	int		 seen = 0;

	(void)c;
	if (t[0] != NULL && json_is_null(json_object_get(s->item,
	    "district")))
		set(s->b, s->item, "district", json_string(t[0]));
	json_array_foreach(comm, i, v)
		if (t[1] != NULL && strcmp(json_string_value(v), t[1]) == 0)
			seen = 1;
	if (t[1] != NULL && !seen)
		append(s->b, comm, json_string(t[1]));
	return s->b->nomem ? ERR_NOMEM : 0;
}

static int
subjects_row(const char *const *t, const int64_t *c, void *arg)
{
	struct build	*b = arg;
	struct subject	 s;
	json_t		*d = json_object_get(b->quality, "duplicates");
	json_t		*list = json_object_get(d, "listed");

	add(b, d, "subjects", 1);
	add(b, d, c[1] ? "different_answers" : "same_answers", 1);
	if ((int64_t)json_array_size(list) >= b->cfg->listed_max)
		return 0;
	s.b = b;
	s.item = json_pack("{s:s, s:s, s:n, s:[], s:I, s:b}", "form_id", t[0],
	    "subject", t[1], "district", "communities", "submissions",
	    (json_int_t)c[0], "different_answers", (int)c[1]);
	if (s.item == NULL) {
		b->nomem = 1;
		return ERR_NOMEM;
	}
	append(b, list, s.item);
	return hub_store_subject(b->st, &b->period, t[0], t[1], subject_row,
	    &s, b->e);
}

/* Missing values, by form and question, in a C list (a grouped row is
 * one combination of questions; each is counted in every row it is
 * in), sorted and put in the tree at the end. */
struct missing_q {
	char	*form_id;
	char	*question;
	int64_t	 n;
};

struct missing {
	struct build		*b;
	struct missing_q	*v;
	size_t			 n, cap;
};

static int
missing_add(struct missing *m, const char *form_id, const char *q,
    size_t len, int64_t n)
{
	struct missing_q	*v;
	size_t			 i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].form_id, form_id) == 0 &&
		    strlen(m->v[i].question) == len &&
		    strncmp(m->v[i].question, q, len) == 0) {
			m->v[i].n += n;
			return 0;
		}
	if (m->n >= NAMES_MAX) {
		q = MORE;
		len = strlen(MORE);
		for (i = 0; i < m->n; i++)
			if (strcmp(m->v[i].form_id, form_id) == 0 &&
			    strcmp(m->v[i].question, MORE) == 0) {
				m->v[i].n += n;
				return 0;
			}
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		if ((v = realloc(m->v, m->cap * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		m->v = v;
	}
	v = &m->v[m->n];
	v->form_id = strdup(form_id);
	v->question = strndup(q, len);
	v->n = n;
	if (v->form_id == NULL || v->question == NULL) {
		free(v->form_id);
		free(v->question);
		return ERR_NOMEM;
	}
	m->n++;
	return 0;
}

static int
missing_row(const char *const *t, const int64_t *c, void *arg)
{
	struct missing	*m = arg;
	const char	*p = t[1];
	size_t		 len;
	int		 rc;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, " ");
		if (len > 0 && (rc = missing_add(m, t[0], p, len, c[0])) != 0)
			return rc;
		p += len + (p[len] == ' ');
	}
	return 0;
}

static int
cmp_missing(const void *x, const void *y)
{
	const struct missing_q	*a = x, *b = y;
	int			 c;

	if ((c = strcmp(a->form_id, b->form_id)) != 0)
		return c;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->question, b->question);
}

static void
missing_put(struct missing *m)
{
	json_t	*list = json_object_get(m->b->quality, "missing");
	size_t	 i;

	if (m->n > 1)
		qsort(m->v, m->n, sizeof(m->v[0]), cmp_missing);
	for (i = 0; i < m->n; i++)
		append(m->b, list, json_pack("{s:s, s:s, s:I}", "form_id",
		    m->v[i].form_id, "question", m->v[i].question,
		    "submissions", (json_int_t)m->v[i].n));
}

static void
missing_release(struct missing *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].form_id);
		free(m->v[i].question);
	}
	free(m->v);
}

/* ------------------------------------------------------------------ */
/* Proportions, once everything is counted                              */

static void
finish_values(struct build *b, json_t *values, int64_t of)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(values, key, v)
		proportion(b, v, of);
}

static void
finish_unit(struct build *b, json_t *u)
{
	const char	*key;
	json_t		*g, *l, *k, *in, *ind;
	int64_t		 n;
	size_t		 i;

	json_object_foreach(at(u, "anaemia", "groups"), key, g) {
		finish_values(b, json_object_get(g, "classes"),
		    num(g, "measured"));
		proportion(b, json_object_get(g, "any"), num(g, "measured"));
	}
	for (i = 0; i < REPORT_NGROWTH; i++) {
		g = at(u, "growth", report_growth[i]);
		finish_values(b, json_object_get(g, "classes"),
		    num(g, "measured"));
		proportion(b, json_object_get(g, "any"), num(g, "measured"));
	}
	in = at(u, "growth", "anaemia_stunting");
	proportion(b, in, num(in, "of"));
	for (i = 0; i < NLADDERS; i++) {
		l = at(u, "wash", ladders[i]);
		finish_values(b, json_object_get(l, "rungs"), num(l, "known"));
	}
	json_object_foreach(at(u, "improvements", "components"), key, k)
		finish_values(b, json_object_get(k, "statuses"),
		    num(k, "known"));
	in = at(u, "improvements", "in_use");
	if ((n = num(in, "answered")) > 0)
		set(b, in, "mean", json_real(round((double)num(in,
		    "components") / (double)n * 100) / 100));
	json_object_foreach(json_object_get(u, "indicators"), key, ind)
		proportion(b, ind, num(ind, "of"));
}

/* ------------------------------------------------------------------ */

static int
check_config(const struct report_config *cfg, struct err *e)
{
	size_t	i, k, g;

	for (i = 0; i < cfg->nbaselines; i++) {
		const char *c = cfg->baselines[i].counts;

		for (k = 0; k < NLADDERS; k++)
			if (strcmp(c, ladders[k]) == 0)
				break;
		for (g = 0; g < REPORT_NGROWTH; g++)
			if (strcmp(c, report_growth[g]) == 0)
				break;
		if (k == NLADDERS && g == REPORT_NGROWTH &&
		    strcmp(c, "programme") != 0 &&
		    strcmp(c, SCALE_ANEMIA) != 0)
			return err_set(e, ERR_INPUT, _("baselines.csv: '%s' "
			    "counts '%s': the report compares anemia, a "
			    "growth class (%s, %s, %s, %s), a ladder (%s, %s, "
			    "%s) or programme"), cfg->baselines[i].id, c,
			    report_growth[0], report_growth[1],
			    report_growth[2], report_growth[3], ladders[0],
			    ladders[1], ladders[2]);
	}
	return 0;
}

static int
period_day(const char *date, int64_t open, int64_t *out, struct err *e)
{
	*out = open;
	if (date != NULL && date_parse(date, out) != 0)
		return err_set(e, ERR_USAGE, _("'%s' is not a date "
		    "(YYYY-MM-DD)"), date);
	return 0;
}

int
report_build(struct hub_store *st, const struct report_config *cfg,
    const struct report_opts *o, json_t **out, struct err *e)
{
	struct build	 b;
	struct missing	 m;
	size_t		 i;
	int		 rc, reading = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	b.cfg = cfg;
	b.o = o;
	b.st = st;
	b.e = e;
	m.b = &b;
	if ((rc = check_config(cfg, e)) != 0 ||
	    (rc = period_day(o->from, INT64_MIN, &b.period.from, e)) != 0 ||
	    (rc = period_day(o->to, INT64_MAX, &b.period.to, e)) != 0)
		return rc;
	if ((rc = facts_update(st, cfg, NULL, e)) != 0)
		return rc;
	b.root = json_object();
	b.bydev = json_object();
	b.senders = json_object();
	b.conflicts = json_object();
	b.lines = json_object();
	b.waiting = json_object();
	if (b.root != NULL)
		skeleton(&b);
	if (b.root == NULL || b.bydev == NULL || b.senders == NULL ||
	    b.conflicts == NULL || b.lines == NULL || b.waiting == NULL ||
	    b.nomem) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	if ((rc = hub_store_read_begin(st, e)) != 0)
		goto out;
	reading = 1;
	if ((rc = hub_store_tally(st, HUB_TALLY_INDICATORS, &b.period,
	    indicators_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_COMPONENTS, &b.period,
	    components_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_GROWTH, &b.period,
	    growth_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_SUBJECTS, &b.period,
	    subjects_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_MISSING, &b.period,
	    missing_row, &m, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_CONFLICTS, &b.period,
	    conflicts_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_REJECTED, &b.period,
	    rejected_row, &b, e)) != 0 ||
	    (rc = hub_store_tally(st, HUB_TALLY_DEVICES, &b.period,
	    device_row, &b, e)) != 0)
		goto out;
	senders_put(&b);
	missing_put(&m);
	for (i = 0; i < b.nunits; i++)
		finish_unit(&b, b.units[i]);
	if (b.nomem)
		rc = ERR_NOMEM;
out:
	if (reading)
		hub_store_read_end(st);
	if (rc == ERR_NOMEM && (e == NULL || e->code == 0))
		err_set(e, rc, _("out of memory"));
	json_decref(b.bydev);
	json_decref(b.senders);
	json_decref(b.conflicts);
	json_decref(b.lines);
	json_decref(b.waiting);
	missing_release(&m);
	free(b.units);
	if (rc != 0)
		json_decref(b.root);
	else
		*out = b.root;
	return rc;
}
