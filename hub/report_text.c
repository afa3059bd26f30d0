/*
 * report_text.c: the report's tree (report.c) as aligned tables for a
 * terminal or a printer, in the language of the program's messages.
 * Every figure is the tree's; nothing is counted here.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub.h"

/* A table: cells row by row, laid out once complete. The first column
 * is aligned left, the others right. */
struct table {
	size_t	 ncols;
	char	**cell;
	size_t	 n, cap;
	int	 nomem;
};

static void
t_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

static void
t_cell(struct table *t, const char *fmt, ...) PRINTFLIKE(2, 3);

static void
t_cell(struct table *t, const char *fmt, ...)
{
	va_list	 ap;
	char	 text[512], **v;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		if ((v = realloc(t->cell, t->cap * sizeof(*v))) == NULL) {
			t->nomem = 1;
			t->cap = t->n;
			return;
		}
		t->cell = v;
	}
	if ((t->cell[t->n] = strdup(text)) == NULL) {
		t->nomem = 1;
		return;
	}
	t->n++;
}

/* Columns on a terminal: UTF-8 characters, not bytes (ñ is one). */
static size_t
width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

/* Prints and empties t; ERR_NOMEM when a cell could not be kept. */
static int
t_print(struct table *t, FILE *fp)
{
	size_t	 w[32] = { 0 }, i, c, k;
	int	 rc = t->nomem ? ERR_NOMEM : 0;

	if (t->ncols > 32)
		t->ncols = 32;
	for (i = 0; i < t->n; i++)
		if (width(t->cell[i]) > w[i % t->ncols])
			w[i % t->ncols] = width(t->cell[i]);
	for (i = 0; i < t->n; i++) {
		c = i % t->ncols;
		k = width(t->cell[i]);
		if (c > 0) {
			fputs("  ", fp);
			pad(fp, w[c] - k);
		}
		fputs(t->cell[i], fp);
		if (c == 0 && t->ncols > 1)
			pad(fp, w[c] - k);
		if (c == t->ncols - 1 || i == t->n - 1)
			fputc('\n', fp);
	}
	for (i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
	return rc;
}

/* ------------------------------------------------------------------ */

#define at	report_at
#define num	report_num

/* "28.2 %", or "-" when there is nothing to divide. */
static const char *
pct(const json_t *o, char buf[32])
{
	json_t	*v = json_object_get(o, "pct");

	if (!json_is_number(v))
		return "-";
	snprintf(buf, 32, "%.1f %%", json_number_value(v));
	return buf;
}

static const char *
ci(const json_t *o, char buf[48])
{
	json_t	*v = json_object_get(o, "ci95");

	if (!json_is_array(v) || json_array_size(v) != 2)
		return "-";
	snprintf(buf, 48, "%.1f-%.1f", json_number_value(json_array_get(v, 0)),
	    json_number_value(json_array_get(v, 1)));
	return buf;
}

/* A unit's name in the first column: "030401 Chalhuanca". */
static void
unit_cell(struct table *t, const json_t *u)
{
	const char	*ubigeo = json_string_value(json_object_get(u,
			    "ubigeo"));

	if (ubigeo != NULL)
		t_cell(t, "%s %s", ubigeo, json_string_value(json_object_get(u,
		    "name")));
	else
		t_cell(t, "%s", json_string_value(json_object_get(u, "name")));
}

/* Every district, then no district, then the province: fn per row. */
static void
each_unit(const json_t *r, struct table *t,
    void (*fn)(struct table *, const json_t *, const json_t *, void *),
    void *arg)
{
	const json_t	*u;
	size_t		 i;

	json_array_foreach(json_object_get(r, "districts"), i, u)
		fn(t, r, u, arg);
	fn(t, r, json_object_get(r, "no_district"), arg);
	fn(t, r, json_object_get(r, "province"), arg);
}

/* The legend's values of a scale. */
static const json_t *
scale(const json_t *r, const char *name)
{
	return at(r, "legend.scales") != NULL ?
	    json_object_get(at(r, "legend.scales"), name) : NULL;
}

static const json_t *
baseline(const json_t *r, const char *counts)
{
	const json_t	*b;
	size_t		 i;

	json_array_foreach(json_object_get(r, "baselines"), i, b)
		if (strcmp(json_string_value(json_object_get(b, "counts")),
		    counts) == 0)
			return b;
	return NULL;
}

static void
heading(FILE *fp, const char *title)
{
	size_t	n = width(title);

	fprintf(fp, "\n%s\n", title);
	while (n-- > 0)
		fputc('=', fp);
	fputc('\n', fp);
}

/* ------------------------------------------------------------------ */
/* Anaemia                                                             */

static void
anaemia_header(struct table *t, const json_t *r, const char *first)
{
	const json_t	*v;
	size_t		 i;

	t_cell(t, "%s", first);
	t_cell(t, "%s", _("measured"));
	json_array_foreach(scale(r, SCALE_ANEMIA), i, v)
		t_cell(t, "%s", json_string_value(json_object_get(v, "label")));
	t_cell(t, "%s", _("no class"));
	t_cell(t, "%s", _("anaemia"));
	t_cell(t, "%s", _("CI (95 %)"));
}

static void
anaemia_cells(struct table *t, const json_t *r, const json_t *g)
{
	const json_t	*v;
	char		 a[32], b[48];
	size_t		 i;

	t_cell(t, "%lld", num(g, "measured"));
	json_array_foreach(scale(r, SCALE_ANEMIA), i, v)
		t_cell(t, "%lld", num(json_object_get(json_object_get(g,
		    "classes"), json_string_value(json_object_get(v, "value"))),
		    "n"));
	t_cell(t, "%lld", num(g, "missing") + num(g, "unknown"));
	t_cell(t, "%s", pct(json_object_get(g, "any"), a));
	t_cell(t, "%s", ci(json_object_get(g, "any"), b));
}

static void
anaemia_row(struct table *t, const json_t *r, const json_t *u, void *arg)
{
	const json_t	*b = arg, *ind;
	char		 a[32], c[48];

	unit_cell(t, u);
	anaemia_cells(t, r, at(u, "anaemia.groups.all"));
	if (b != NULL) {
		ind = at(json_object_get(u, "indicators"),
		    json_string_value(json_object_get(b, "id")));
		t_cell(t, "%s", pct(ind, a));
		t_cell(t, "%s", ci(ind, c));
	}
}

static int
write_anaemia(FILE *fp, const json_t *r)
{
	int		 rc = 0;
	const json_t	*b = baseline(r, SCALE_ANEMIA), *p, *g, *grp;
	struct table	 t;
	const char	*key;
	char		 a[32], title[256];
	size_t		 n, i;

	n = json_array_size(scale(r, SCALE_ANEMIA)) + 5 + (b != NULL ? 2 : 0);
	heading(fp, _("Anaemia (haemoglobin adjusted for altitude)"));
	t_init(&t, n);
	anaemia_header(&t, r, _("district"));
	if (b != NULL) {
		t_cell(&t, "%s", _("plan's indicator"));
		t_cell(&t, "%s", _("CI (95 %)"));
	}
	each_unit(r, &t, anaemia_row, (void *)b);
	rc |= t_print(&t, fp);
	p = json_object_get(r, "province");
	if (b != NULL)
		fprintf(fp, _("%s: %s in the province, the plan's baseline "
		    "%.2f %%.\n"), json_string_value(json_object_get(b,
		    "label")), pct(at(json_object_get(p, "indicators"),
		    json_string_value(json_object_get(b, "id"))), a),
		    json_number_value(json_object_get(b, "percent")));
	fprintf(fp, _("People surveyed: %lld; measured: %lld; not measured "
	    "(under 6 months): %lld; measured without a class: %lld; a class "
	    "the report does not know: %lld."), num(p, "anaemia.people"),
	    num(p, "anaemia.measured"), num(p, "anaemia.not_measured"),
	    num(p, "anaemia.missing"), num(p, "anaemia.unknown"));
	fputc('\n', fp);
	fprintf(fp, "%s", _("Rule (hb_rule):"));
	json_object_foreach(at(p, "anaemia.rules"), key, g)
		fprintf(fp, " %s %lld", *key != '\0' ? key : _("(none)"),
		    (long long)json_integer_value(g));
	fputc('\n', fp);
	snprintf(title, sizeof(title), "%s", _("By group, the province"));
	fprintf(fp, "\n%s\n", title);
	t_init(&t, json_array_size(scale(r, SCALE_ANEMIA)) + 5);
	anaemia_header(&t, r, _("group"));
	json_array_foreach(at(r, "legend.groups"), i, grp) {
		key = json_string_value(json_object_get(grp, "group"));
		t_cell(&t, "%s", json_string_value(json_object_get(grp,
		    "label")));
		anaemia_cells(&t, r, json_object_get(at(p, "anaemia.groups"),
		    key));
	}
	g = at(p, "anaemia.groups.unknown");
	if (num(g, "measured") + num(g, "missing") + num(g, "unknown") > 0) {
		t_cell(&t, "%s", _("group unknown"));
		anaemia_cells(&t, r, g);
	}
	rc |= t_print(&t, fp);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Child growth                                                        */

static void
stunting_row(struct table *t, const json_t *r, const json_t *u, void *arg)
{
	const json_t	*g = at(u, "growth.stunting"), *v;
	char		 a[32], c[48];
	size_t		 i;

	(void)arg;
	unit_cell(t, u);
	t_cell(t, "%lld", num(u, "growth.children"));
	t_cell(t, "%lld", num(g, "measured"));
	json_array_foreach(scale(r, SCALE_STUNTING), i, v)
		t_cell(t, "%lld", num(json_object_get(json_object_get(g,
		    "classes"), json_string_value(json_object_get(v, "value"))),
		    "n"));
	t_cell(t, "%lld", num(g, "missing") + num(g, "unknown"));
	t_cell(t, "%s", pct(json_object_get(g, "any"), a));
	t_cell(t, "%s", ci(json_object_get(g, "any"), c));
}

static void
growth_row(struct table *t, const json_t *r, const json_t *u, void *arg)
{
	const json_t	*g = json_object_get(u, "growth"), *both;
	char		 a[32], c[48];
	size_t		 i;

	(void)r;
	(void)arg;
	unit_cell(t, u);
	for (i = 1; i < REPORT_NGROWTH; i++) {
		t_cell(t, "%lld", num(json_object_get(g, report_growth[i]),
		    "measured"));
		t_cell(t, "%s", pct(at(json_object_get(g, report_growth[i]),
		    "any"), a));
		t_cell(t, "%s", ci(at(json_object_get(g, report_growth[i]),
		    "any"), c));
	}
	both = json_object_get(g, "anaemia_stunting");
	t_cell(t, "%lld", num(both, "of"));
	t_cell(t, "%lld", num(both, "n"));
	t_cell(t, "%s", pct(both, a));
	t_cell(t, "%s", ci(both, c));
}

static int
write_growth(FILE *fp, const json_t *r)
{
	int		 rc = 0;
	const json_t	*b = baseline(r, SCALE_STUNTING), *p, *g, *v;
	const char	*names[REPORT_NGROWTH] = { _("stunting"), _("wasting"),
			    _("underweight"), _("overweight") };
	const char	*key;
	struct table	 t;
	char		 a[32];
	size_t		 i;

	heading(fp, _("Child growth (WHO 2006), children 0 to 59 months"));
	t_init(&t, json_array_size(scale(r, SCALE_STUNTING)) + 6);
	t_cell(&t, "%s", _("district"));
	t_cell(&t, "%s", _("children"));
	t_cell(&t, "%s", _("measured"));
	json_array_foreach(scale(r, SCALE_STUNTING), i, v)
		t_cell(&t, "%s", json_string_value(json_object_get(v,
		    "label")));
	t_cell(&t, "%s", _("no class"));
	t_cell(&t, "%s", names[0]);
	t_cell(&t, "%s", _("CI (95 %)"));
	each_unit(r, &t, stunting_row, NULL);
	rc |= t_print(&t, fp);
	p = json_object_get(r, "province");
	if (b != NULL)
		fprintf(fp, _("%s: %s in the province, the plan's baseline "
		    "%.2f %%.\n"), json_string_value(json_object_get(b,
		    "label")), pct(at(json_object_get(p, "indicators"),
		    json_string_value(json_object_get(b, "id"))), a),
		    json_number_value(json_object_get(b, "percent")));
	fputc('\n', fp);
	t_init(&t, 3 * (REPORT_NGROWTH - 1) + 5);
	t_cell(&t, "%s", _("district"));
	for (i = 1; i < REPORT_NGROWTH; i++) {
		t_cell(&t, "%s", _("measured"));
		t_cell(&t, "%s", names[i]);
		t_cell(&t, "%s", _("CI (95 %)"));
	}
	t_cell(&t, "%s", _("both measured"));
	t_cell(&t, "%s", _("with both"));
	t_cell(&t, "%s", _("anaemia and stunting"));
	t_cell(&t, "%s", _("CI (95 %)"));
	each_unit(r, &t, growth_row, NULL);
	rc |= t_print(&t, fp);
	g = json_object_get(p, "growth");
	for (i = 1; i < REPORT_NGROWTH; i++)
		if (!json_is_number(at(json_object_get(g, report_growth[i]),
		    "baseline")))
			fprintf(fp, _("%s: the plan has no baseline.\n"),
			    names[i]);
	fprintf(fp, _("Children measured: %lld; stunting without a class: "
	    "%lld; not classified for wasting (length outside the "
	    "weight-for-length/height table): %lld; not classified for "
	    "underweight (oedema): %lld."), num(g, "children"),
	    num(g, "stunting.missing") + num(g, "stunting.unknown"),
	    num(g, "wasting.not_classified"),
	    num(g, "underweight.not_classified"));
	fputc('\n', fp);
	fprintf(fp, "%s", _("Rule (growth_rule):"));
	json_object_foreach(json_object_get(g, "rules"), key, v)
		fprintf(fp, " %s %lld", *key != '\0' ? key : _("(none)"),
		    (long long)json_integer_value(v));
	fputc('\n', fp);
	fprintf(fp, "%s\n", _("The z-scores and classes are the survey's, as "
	    "the device computed them: the hub recomputes none."));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Water, sanitation, hygiene                                          */

struct ladder {
	const char	*name;
	const json_t	*b;
};

static void
ladder_row(struct table *t, const json_t *r, const json_t *u, void *arg)
{
	struct ladder	*l = arg;
	const json_t	*w = at(json_object_get(u, "wash"), l->name), *v;
	const json_t	*ind;
	char		 a[32], c[48];
	size_t		 i;

	unit_cell(t, u);
	t_cell(t, "%lld", num(u, "wash.households"));
	json_array_foreach(scale(r, l->name), i, v)
		t_cell(t, "%lld", num(json_object_get(json_object_get(w,
		    "rungs"), json_string_value(json_object_get(v, "value"))),
		    "n"));
	t_cell(t, "%lld", num(w, "missing") + num(w, "unknown"));
	if (l->b != NULL) {
		ind = json_object_get(json_object_get(u, "indicators"),
		    json_string_value(json_object_get(l->b, "id")));
		t_cell(t, "%s", pct(ind, a));
		t_cell(t, "%s", ci(ind, c));
	}
}

static int
write_wash(FILE *fp, const json_t *r)
{
	int		 rc = 0;
	static const char *const names[] = { "water_ladder",
	    "sanitation_ladder", "hygiene_ladder" };
	const char	*titles[] = { _("Drinking water (JMP ladder), "
			    "households"), _("Sanitation (JMP ladder), "
			    "households"), _("Hygiene (JMP ladder), "
			    "households") };
	const json_t	*v, *p = json_object_get(r, "province");
	struct ladder	 l;
	struct table	 t;
	char		 a[32];
	size_t		 i, k;

	for (k = 0; k < 3; k++) {
		l.name = names[k];
		l.b = baseline(r, names[k]);
		heading(fp, titles[k]);
		t_init(&t, json_array_size(scale(r, names[k])) + 3 +
		    (l.b != NULL ? 2 : 0));
		t_cell(&t, "%s", _("district"));
		t_cell(&t, "%s", _("households"));
		json_array_foreach(scale(r, names[k]), i, v)
			t_cell(&t, "%s", json_string_value(json_object_get(v,
			    "label")));
		t_cell(&t, "%s", _("missing"));
		if (l.b != NULL) {
			t_cell(&t, "%s", _("plan's indicator"));
			t_cell(&t, "%s", _("CI (95 %)"));
		}
		each_unit(r, &t, ladder_row, &l);
		rc |= t_print(&t, fp);
		if (l.b != NULL)
			fprintf(fp, _("%s: %s in the province, the plan's "
			    "baseline %.2f %%.\n"), json_string_value(
			    json_object_get(l.b, "label")), pct(json_object_get(
			    json_object_get(p, "indicators"),
			    json_string_value(json_object_get(l.b, "id"))), a),
			    json_number_value(json_object_get(l.b,
			    "percent")));
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Household improvements                                              */

static void
improvements_row(struct table *t, const json_t *r, const json_t *u,
    void *arg)
{
	const json_t	*b = arg, *ind, *m;
	char		 a[32], c[48];

	(void)r;
	unit_cell(t, u);
	t_cell(t, "%lld", num(u, "improvements.households"));
	m = at(u, "improvements.in_use.mean");
	if (json_is_number(m))
		t_cell(t, "%.2f", json_number_value(m));
	else
		t_cell(t, "-");
	if (b != NULL) {
		ind = json_object_get(json_object_get(u, "indicators"),
		    json_string_value(json_object_get(b, "id")));
		t_cell(t, "%lld", num(ind, "n"));
		t_cell(t, "%s", pct(ind, a));
		t_cell(t, "%s", ci(ind, c));
	}
}

static int
write_improvements(FILE *fp, const json_t *r)
{
	int		 rc = 0;
	const json_t	*b = baseline(r, "programme"), *p, *k, *v, *comp;
	struct table	 t;
	const char	*field;
	char		 a[32];
	size_t		 i, j;

	heading(fp, _("Household improvements"));
	p = json_object_get(r, "province");
	t_init(&t, json_array_size(scale(r, SCALE_STATUS)) + 3);
	t_cell(&t, "%s", _("component (province)"));
	json_array_foreach(scale(r, SCALE_STATUS), i, v)
		t_cell(&t, "%s", json_string_value(json_object_get(v, "label")));
	t_cell(&t, "%s", _("missing"));
	t_cell(&t, "%s", _("in use"));
	json_array_foreach(at(r, "legend.components"), i, comp) {
		field = json_string_value(json_object_get(comp, "field"));
		k = json_object_get(at(p, "improvements.components"), field);
		t_cell(&t, "%s", json_string_value(json_object_get(comp,
		    "label")));
		json_array_foreach(scale(r, SCALE_STATUS), j, v)
			t_cell(&t, "%lld", num(json_object_get(
			    json_object_get(k, "statuses"), json_string_value(
			    json_object_get(v, "value"))), "n"));
		t_cell(&t, "%lld", num(k, "missing") + num(k, "unknown"));
		t_cell(&t, "%s", pct(at(k, "statuses.in_use"), a));
	}
	rc |= t_print(&t, fp);
	fputc('\n', fp);
	t_init(&t, 3 + (b != NULL ? 3 : 0));
	t_cell(&t, "%s", _("district"));
	t_cell(&t, "%s", _("households"));
	t_cell(&t, "%s", _("mean in use"));
	if (b != NULL) {
		t_cell(&t, "%s", _("reached"));
		t_cell(&t, "%s", _("coverage"));
		t_cell(&t, "%s", _("CI (95 %)"));
	}
	each_unit(r, &t, improvements_row, (void *)b);
	rc |= t_print(&t, fp);
	if (b != NULL)
		fprintf(fp, _("%s: %s in the province, the programme's target "
		    "%.2f %%.\n"), json_string_value(json_object_get(b,
		    "label")), pct(json_object_get(json_object_get(p,
		    "indicators"), json_string_value(json_object_get(b, "id"))),
		    a), json_number_value(json_object_get(b, "percent")));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Data quality                                                        */

static int
write_quality(FILE *fp, const json_t *r)
{
	int		 rc = 0;
	const json_t	*q = json_object_get(r, "quality"), *d, *v;
	struct table	 t;
	const char	*key;
	size_t		 i;

	heading(fp, _("Data quality"));
	fprintf(fp, _("Submissions counted: %lld; without a district: %lld; "
	    "with a district not in the list: "), num(q, "submissions"),
	    num(q, "no_district"));
	i = 0;
	json_object_foreach(json_object_get(q, "unknown_districts"), key, v)
		fprintf(fp, "%s%s (%lld)", i++ > 0 ? ", " : "", key,
		    (long long)json_integer_value(v));
	fprintf(fp, "%s\n", i == 0 ? "0" : "");
	fprintf(fp, _("Conflicts kept aside: %lld; refused lines: %lld, of "
	    "which surveys still waiting for a correction: %lld."),
	    num(q, "conflicts"), num(q, "rejected"),
	    num(q, "rejected_waiting"));
	fputc('\n', fp);
	fprintf(fp, _("Devices silent for more than %lld days: %lld."),
	    num(q, "silent_days"), num(q, "silent_devices"));
	fputc('\n', fp);
	fputc('\n', fp);
	t_init(&t, 9);
	t_cell(&t, "%s", _("device"));
	t_cell(&t, "%s", _("promoter"));
	t_cell(&t, "%s", _("district"));
	t_cell(&t, "%s", _("surveys"));
	t_cell(&t, "%s", _("last contact"));
	t_cell(&t, "%s", _("days"));
	t_cell(&t, "%s", _("silent"));
	t_cell(&t, "%s", _("conflicts"));
	t_cell(&t, "%s", _("refused, waiting"));
	json_array_foreach(json_object_get(q, "devices"), i, d) {
		t_cell(&t, "%s%s", json_string_value(json_object_get(d,
		    "device_id")), json_is_true(json_object_get(d,
		    "revoked")) ? _(" (revoked)") : "");
		v = json_object_get(d, "promoter");
		t_cell(&t, "%s", json_is_string(v) ? json_string_value(v) :
		    "-");
		v = json_object_get(d, "district");
		t_cell(&t, "%s", json_is_string(v) ? json_string_value(v) :
		    "-");
		t_cell(&t, "%lld", num(d, "submissions"));
		v = json_object_get(d, "last_contact");
		t_cell(&t, "%.16s", json_is_string(v) ? json_string_value(v) :
		    _("never"));
		v = json_object_get(d, "days_since_contact");
		if (json_is_integer(v))
			t_cell(&t, "%lld", (long long)json_integer_value(v));
		else
			t_cell(&t, "-");
		t_cell(&t, "%s", json_is_true(json_object_get(d, "silent")) ?
		    _("SILENT") : "");
		t_cell(&t, "%lld", num(d, "conflicts"));
		t_cell(&t, "%lld", num(d, "rejected_waiting"));
	}
	rc |= t_print(&t, fp);
	fprintf(fp, "\n%s\n", _("Surveys by device and promoter (as the "
	    "surveys name them):"));
	t_init(&t, 3);
	json_array_foreach(json_object_get(q, "senders"), i, d) {
		v = json_object_get(d, "promoter");
		t_cell(&t, "  %s", json_string_value(json_object_get(d,
		    "device_id")));
		t_cell(&t, "%s", json_is_string(v) ? json_string_value(v) :
		    "-");
		t_cell(&t, "%lld", num(d, "submissions"));
	}
	rc |= t_print(&t, fp);
	if (num(q, "senders_not_listed") > 0)
		fprintf(fp, _("  and %lld more\n"), num(q,
		    "senders_not_listed"));
	d = json_object_get(q, "duplicates");
	fprintf(fp, _("\nSurveyed more than once: %lld (with different "
	    "answers: %lld, the same answers: %lld).\n"), num(d, "subjects"),
	    num(d, "different_answers"), num(d, "same_answers"));
	t_init(&t, 5);
	json_array_foreach(json_object_get(d, "listed"), i, v) {
		const json_t	*c;
		size_t		 j;
		char		 comm[256] = "";
		size_t		 len = 0;

		json_array_foreach(json_object_get(v, "communities"), j, c)
			if (json_is_string(c) && len < sizeof(comm))
				len += (size_t)snprintf(comm + len,
				    sizeof(comm) - len, "%s%s", j > 0 ? ", " :
				    "", json_string_value(c));
		t_cell(&t, "  %s", json_string_value(json_object_get(v,
		    "form_id")));
		t_cell(&t, "%s", json_string_value(json_object_get(v,
		    "subject")));
		t_cell(&t, "%s", comm);
		t_cell(&t, "%lld", num(v, "submissions"));
		t_cell(&t, "%s", json_is_true(json_object_get(v,
		    "different_answers")) ? _("different answers") :
		    _("same answers"));
	}
	rc |= t_print(&t, fp);
	fprintf(fp, "\n%s\n", _("Missing answers, by question:"));
	t_init(&t, 3);
	json_array_foreach(json_object_get(q, "missing"), i, v) {
		t_cell(&t, "  %s", json_string_value(json_object_get(v,
		    "form_id")));
		t_cell(&t, "%s", json_string_value(json_object_get(v,
		    "question")));
		t_cell(&t, "%lld", num(v, "submissions"));
	}
	if (json_array_size(json_object_get(q, "missing")) == 0)
		fprintf(fp, "  -\n");
	rc |= t_print(&t, fp);
	return rc;
}

int
report_write_text(const json_t *r, FILE *fp)
{
	const json_t	*p = json_object_get(r, "period");
	const char	*from = json_string_value(json_object_get(p, "from"));
	const char	*to = json_string_value(json_object_get(p, "to"));

	fprintf(fp, _("Report of indicators by district, generated %s\n"),
	    json_string_value(json_object_get(r, "generated_at")));
	if (from == NULL && to == NULL)
		fprintf(fp, "%s\n", _("Period: every visit date"));
	else {
		fprintf(fp, _("Period: visit dates from %s to %s"),
		    from != NULL ? from : _("the first"),
		    to != NULL ? to : _("the last"));
		fputc('\n', fp);
	}
	fprintf(fp, _("Surveys counted (the current revision of each): "
	    "%lld\n"), num(r, "quality.submissions"));
	if (write_anaemia(fp, r) != 0 || write_growth(fp, r) != 0 ||
	    write_wash(fp, r) != 0 ||
	    write_improvements(fp, r) != 0 || write_quality(fp, r) != 0)
		return ERR_NOMEM;
	return ferror(fp) ? ERR_IO : 0;
}
