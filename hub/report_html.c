/*
 * report_html.c: the report's tree (report.c) as one HTML page that
 * needs nothing else: the style inline, the charts inline SVG, no font,
 * script or image fetched (it is read offline, on the office's network,
 * on a phone). The dashboard of `hub serve` puts report_write_html_body
 * in its own page.
 *
 * Everything that comes from the data (a community, a promoter, a device
 * id, a rule's name, a district code nobody knows) goes through esc():
 * a community named "<script>" is shown, never run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub.h"

#define at	report_at
#define num	report_num
#define esc	report_html_esc

/* The chart: a row per district and the province. */
#define SVG_W		720
#define SVG_LABEL	230	/* the district's name */
#define SVG_BAR		330	/* the bar's room */
#define SVG_ROW		20
#define SVG_TOP		24

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,"
	"sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem 3rem;"
	"color:#1b1b1b;background:#fff;line-height:1.4}"
	"h1{font-size:1.5rem;margin:1.2rem 0 .3rem}"
	"h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:2px solid #2b6;"
	"padding-bottom:.2rem}"
	"h3{font-size:1rem;margin:1.2rem 0 .4rem}"
	".meta{color:#555;margin:.2rem 0}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;font-size:.85rem;margin:.3rem 0 .8rem}"
	"th,td{padding:.2rem .5rem;border-bottom:1px solid #ddd;"
	"text-align:right;white-space:nowrap}"
	"th:first-child,td:first-child{text-align:left}"
	"th{background:#f2f5f3;font-weight:600}"
	"tr.total td{font-weight:700;border-top:2px solid #999}"
	"tr.silent td{background:#fff1e6}"
	".note{font-size:.85rem;color:#444}"
	"svg{max-width:100%;height:auto;font-size:11px}"
	"svg .bar{fill:#3a8f5c}svg .total .bar{fill:#1d5c38}"
	"svg .ci{stroke:#111;stroke-width:1}"
	"svg .base{stroke:#c0392b;stroke-width:2;stroke-dasharray:5 3}"
	"svg .basetext{fill:#c0392b;font-weight:600}"
	"svg .total text{font-weight:700}"
	"svg .axis{stroke:#999;stroke-width:1}";

const char *
report_html_css(void)
{
	return css;
}

void
report_html_esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*s, fp);
		}
}

static const char *
str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
th(FILE *fp, const char *s)
{
	fputs("<th>", fp);
	esc(fp, s);
	fputs("</th>", fp);
}

static void
td(FILE *fp, const char *s)
{
	fputs("<td>", fp);
	esc(fp, s);
	fputs("</td>", fp);
}

static void
td_num(FILE *fp, long long n)
{
	fprintf(fp, "<td>%lld</td>", n);
}

static void
td_pct(FILE *fp, const json_t *o)
{
	const json_t	*p = json_object_get(o, "pct");
	const json_t	*ci = json_object_get(o, "ci95");

	if (!json_is_number(p)) {
		fputs("<td>-</td><td>-</td>", fp);
		return;
	}
	fprintf(fp, "<td>%.1f %%</td><td>%.1f&#8211;%.1f</td>",
	    json_number_value(p), json_number_value(json_array_get(ci, 0)),
	    json_number_value(json_array_get(ci, 1)));
}

static void
td_unit(FILE *fp, const json_t *u)
{
	fputs("<td>", fp);
	if (json_is_string(json_object_get(u, "ubigeo"))) {
		esc(fp, str(u, "ubigeo"));
		fputc(' ', fp);
	}
	esc(fp, str(u, "name"));
	fputs("</td>", fp);
}

static const json_t *
scale(const json_t *r, const char *name)
{
	return json_object_get(at(r, "legend.scales"), name);
}

static const json_t *
baseline(const json_t *r, const char *counts)
{
	const json_t	*b;
	size_t		 i;

	json_array_foreach(json_object_get(r, "baselines"), i, b)
		if (strcmp(str(b, "counts"), counts) == 0)
			return b;
	return NULL;
}

/* The districts, no district, the province, in that order. */
static size_t
units(const json_t *r, const json_t **v, size_t max)
{
	const json_t	*u;
	size_t		 i, n = 0;

	json_array_foreach(json_object_get(r, "districts"), i, u)
		if (n < max - 2)
			v[n++] = u;
	v[n++] = json_object_get(r, "no_district");
	v[n++] = json_object_get(r, "province");
	return n;
}

#define UNITS_MAX	256

/* ------------------------------------------------------------------ */
/* The chart of one baseline: each district's measured figure, its
 * confidence interval, and the plan's figure as a line                */

static void
chart(FILE *fp, const json_t *r, const json_t *b)
{
	const json_t	*u[UNITS_MAX], *ind, *ci;
	const char	*id = str(b, "id");
	double		 base = json_number_value(json_object_get(b,
			    "percent")), top = base, x, lo, hi, p;
	size_t		 n, i, row;
	int		 h;

	n = units(r, u, UNITS_MAX);
	for (i = 0; i < n; i++) {
		ind = json_object_get(json_object_get(u[i], "indicators"), id);
		ci = json_object_get(ind, "ci95");
		if (json_is_array(ci) && json_number_value(json_array_get(ci,
		    1)) > top)
			top = json_number_value(json_array_get(ci, 1));
	}
	top = fmin(100, ceil(top / 10) * 10);
	if (top < 10)
		top = 10;
	h = SVG_TOP + (int)n * SVG_ROW + 8;
	fprintf(fp, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "role=\"img\" aria-label=\"", SVG_W, h, SVG_W, h);
	esc(fp, str(b, "label"));
	fputs("\">\n", fp);
	fprintf(fp, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", SVG_LABEL, SVG_TOP - 4, SVG_LABEL, h - 6);
	for (i = 0, row = 0; i < n; i++, row++) {
		int y = SVG_TOP + (int)row * SVG_ROW;

		ind = json_object_get(json_object_get(u[i], "indicators"), id);
		fprintf(fp, "<g%s><text x=\"0\" y=\"%d\">", i == n - 1 ?
		    " class=\"total\"" : "", y + 13);
		esc(fp, str(u[i], "name"));
		fputs("</text>", fp);
		if (!json_is_number(json_object_get(ind, "pct"))) {
			fprintf(fp, "<text x=\"%d\" y=\"%d\">%s</text></g>\n",
			    SVG_LABEL + 6, y + 13, _("no data"));
			continue;
		}
		p = json_number_value(json_object_get(ind, "pct"));
		ci = json_object_get(ind, "ci95");
		lo = json_number_value(json_array_get(ci, 0));
		hi = json_number_value(json_array_get(ci, 1));
		x = SVG_BAR * fmin(p, top) / top;
		fprintf(fp, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\"/>", SVG_LABEL, y + 3, x, SVG_ROW - 6);
		fprintf(fp, "<line class=\"ci\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%d\"/>", SVG_LABEL + SVG_BAR *
		    fmin(lo, top) / top, y + SVG_ROW / 2, SVG_LABEL + SVG_BAR *
		    fmin(hi, top) / top, y + SVG_ROW / 2);
		fprintf(fp, "<text x=\"%d\" y=\"%d\">%.1f %% (%lld/%lld)"
		    "</text></g>\n", SVG_LABEL + SVG_BAR + 8, y + 13, p,
		    num(ind, "n"), num(ind, "of"));
	}
	x = SVG_LABEL + SVG_BAR * fmin(base, top) / top;
	fprintf(fp, "<line class=\"base\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
	    "y2=\"%d\"/>\n", x, SVG_TOP - 6, x, h - 4);
	fprintf(fp, "<text class=\"basetext\" x=\"%.1f\" y=\"%d\" "
	    "text-anchor=\"middle\">", x, SVG_TOP - 10);
	fprintf(fp, _("baseline %.2f %%"), base);
	fputs("</text>\n</svg>\n", fp);
}

static void
charts(FILE *fp, const json_t *r)
{
	const json_t	*b, *ind;
	size_t		 i;

	fprintf(fp, "<h2>%s</h2>\n", _("Against the plan"));
	json_array_foreach(json_object_get(r, "baselines"), i, b) {
		ind = at(json_object_get(json_object_get(r, "province"),
		    "indicators"), str(b, "id"));
		fputs("<h3>", fp);
		esc(fp, str(b, "label"));
		fputs("</h3>\n<p class=\"note\">", fp);
		if (json_is_number(json_object_get(ind, "pct")))
			fprintf(fp, _("Province: %.1f %% (%lld of %lld); the "
			    "plan: %.2f %%."), json_number_value(
			    json_object_get(ind, "pct")), num(ind, "n"),
			    num(ind, "of"), json_number_value(json_object_get(b,
			    "percent")));
		else
			fprintf(fp, _("Province: no data; the plan: %.2f %%."),
			    json_number_value(json_object_get(b, "percent")));
		fputs(" ", fp);
		esc(fp, str(b, "source"));
		fputs("</p>\n<div class=\"scroll\">\n", fp);
		chart(fp, r, b);
		fputs("</div>\n", fp);
	}
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */

static void
table_open(FILE *fp)
{
	fputs("<div class=\"scroll\"><table>\n", fp);
}

static void
table_close(FILE *fp)
{
	fputs("</table></div>\n", fp);
}

static void
row_open(FILE *fp, size_t i, size_t n)
{
	fputs(i == n - 1 ? "<tr class=\"total\">" : "<tr>", fp);
}

static void
anaemia_head(FILE *fp, const json_t *r, const char *first)
{
	const json_t	*v;
	size_t		 i;

	fputs("<tr>", fp);
	th(fp, first);
	th(fp, _("measured"));
	json_array_foreach(scale(r, SCALE_ANEMIA), i, v)
		th(fp, str(v, "label"));
	th(fp, _("no class"));
	th(fp, _("anaemia"));
	th(fp, _("CI (95 %)"));
}

static void
anaemia_cells(FILE *fp, const json_t *r, const json_t *g)
{
	const json_t	*v;
	size_t		 i;

	td_num(fp, num(g, "measured"));
	json_array_foreach(scale(r, SCALE_ANEMIA), i, v)
		td_num(fp, num(json_object_get(json_object_get(g, "classes"),
		    str(v, "value")), "n"));
	td_num(fp, num(g, "missing") + num(g, "unknown"));
	td_pct(fp, json_object_get(g, "any"));
}

static void
anaemia(FILE *fp, const json_t *r)
{
	const json_t	*u[UNITS_MAX], *b = baseline(r, SCALE_ANEMIA), *g;
	const json_t	*p = json_object_get(r, "province"), *v;
	const char	*key;
	size_t		 n, i;

	fprintf(fp, "<h2>%s</h2>\n", _("Anaemia (haemoglobin adjusted for "
	    "altitude)"));
	table_open(fp);
	anaemia_head(fp, r, _("district"));
	if (b != NULL) {
		th(fp, _("plan's indicator"));
		th(fp, _("CI (95 %)"));
	}
	fputs("</tr>\n", fp);
	n = units(r, u, UNITS_MAX);
	for (i = 0; i < n; i++) {
		row_open(fp, i, n);
		td_unit(fp, u[i]);
		anaemia_cells(fp, r, at(u[i], "anaemia.groups.all"));
		if (b != NULL)
			td_pct(fp, json_object_get(json_object_get(u[i],
			    "indicators"), str(b, "id")));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	fputs("<p class=\"note\">", fp);
	fprintf(fp, _("People surveyed: %lld; measured: %lld; not measured "
	    "(under 6 months): %lld; measured without a class: %lld; a class "
	    "the report does not know: %lld."), num(p, "anaemia.people"),
	    num(p, "anaemia.measured"), num(p, "anaemia.not_measured"),
	    num(p, "anaemia.missing"), num(p, "anaemia.unknown"));
	fputs(" ", fp);
	esc(fp, _("Rule (hb_rule):"));
	json_object_foreach(at(p, "anaemia.rules"), key, v) {
		fputc(' ', fp);
		esc(fp, *key != '\0' ? key : _("(none)"));
		fprintf(fp, " %lld", (long long)json_integer_value(v));
	}
	fputs("</p>\n", fp);
	fprintf(fp, "<h3>%s</h3>\n", _("By group, the province"));
	table_open(fp);
	anaemia_head(fp, r, _("group"));
	fputs("</tr>\n", fp);
	json_array_foreach(at(r, "legend.groups"), i, v) {
		fputs("<tr>", fp);
		td(fp, str(v, "label"));
		anaemia_cells(fp, r, json_object_get(at(p, "anaemia.groups"),
		    str(v, "group")));
		fputs("</tr>\n", fp);
	}
	g = at(p, "anaemia.groups.unknown");
	if (num(g, "measured") + num(g, "missing") + num(g, "unknown") > 0) {
		fputs("<tr>", fp);
		td(fp, _("group unknown"));
		anaemia_cells(fp, r, g);
		fputs("</tr>\n", fp);
	}
	table_close(fp);
}

static void
growth(FILE *fp, const json_t *r)
{
	const json_t	*u[UNITS_MAX], *p = json_object_get(r, "province");
	const json_t	*g, *v, *both;
	const char	*names[REPORT_NGROWTH] = { _("stunting"), _("wasting"),
			    _("underweight"), _("overweight") };
	const char	*key;
	size_t		 n, i, j;

	fprintf(fp, "<h2>%s</h2>\n", _("Child growth (WHO 2006), children 0 "
	    "to 59 months"));
	table_open(fp);
	fputs("<tr>", fp);
	th(fp, _("district"));
	th(fp, _("children"));
	th(fp, _("measured"));
	json_array_foreach(scale(r, SCALE_STUNTING), j, v)
		th(fp, str(v, "label"));
	th(fp, _("no class"));
	th(fp, names[0]);
	th(fp, _("CI (95 %)"));
	fputs("</tr>\n", fp);
	n = units(r, u, UNITS_MAX);
	for (i = 0; i < n; i++) {
		g = at(u[i], "growth.stunting");
		row_open(fp, i, n);
		td_unit(fp, u[i]);
		td_num(fp, num(u[i], "growth.children"));
		td_num(fp, num(g, "measured"));
		json_array_foreach(scale(r, SCALE_STUNTING), j, v)
			td_num(fp, num(json_object_get(json_object_get(g,
			    "classes"), str(v, "value")), "n"));
		td_num(fp, num(g, "missing") + num(g, "unknown"));
		td_pct(fp, json_object_get(g, "any"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	table_open(fp);
	fputs("<tr>", fp);
	th(fp, _("district"));
	for (j = 1; j < REPORT_NGROWTH; j++) {
		th(fp, _("measured"));
		th(fp, names[j]);
		th(fp, _("CI (95 %)"));
	}
	th(fp, _("both measured"));
	th(fp, _("with both"));
	th(fp, _("anaemia and stunting"));
	th(fp, _("CI (95 %)"));
	fputs("</tr>\n", fp);
	for (i = 0; i < n; i++) {
		g = json_object_get(u[i], "growth");
		row_open(fp, i, n);
		td_unit(fp, u[i]);
		for (j = 1; j < REPORT_NGROWTH; j++) {
			v = json_object_get(g, report_growth[j]);
			td_num(fp, num(v, "measured"));
			td_pct(fp, json_object_get(v, "any"));
		}
		both = json_object_get(g, "anaemia_stunting");
		td_num(fp, num(both, "of"));
		td_num(fp, num(both, "n"));
		td_pct(fp, both);
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	g = json_object_get(p, "growth");
	fputs("<p class=\"note\">", fp);
	for (j = 1; j < REPORT_NGROWTH; j++)
		if (!json_is_number(at(json_object_get(g, report_growth[j]),
		    "baseline"))) {
			fprintf(fp, _("%s: the plan has no baseline.\n"),
			    names[j]);
			fputs(" ", fp);
		}
	fprintf(fp, _("Children measured: %lld; stunting without a class: "
	    "%lld; not classified for wasting (length outside the "
	    "weight-for-length/height table): %lld; not classified for "
	    "underweight (oedema): %lld."), num(g, "children"),
	    num(g, "stunting.missing") + num(g, "stunting.unknown"),
	    num(g, "wasting.not_classified"),
	    num(g, "underweight.not_classified"));
	fputs(" ", fp);
	esc(fp, _("Rule (growth_rule):"));
	json_object_foreach(json_object_get(g, "rules"), key, v) {
		fputc(' ', fp);
		esc(fp, *key != '\0' ? key : _("(none)"));
		fprintf(fp, " %lld", (long long)json_integer_value(v));
	}
	fputs(" ", fp);
	esc(fp, _("The z-scores and classes are the survey's, as the device "
	    "computed them: the hub recomputes none."));
	fputs("</p>\n", fp);
}

static void
wash(FILE *fp, const json_t *r)
{
	static const char *const names[] = { "water_ladder",
	    "sanitation_ladder", "hygiene_ladder" };
	const char	*titles[] = { _("Drinking water (JMP ladder), "
			    "households"), _("Sanitation (JMP ladder), "
			    "households"), _("Hygiene (JMP ladder), "
			    "households") };
	const json_t	*u[UNITS_MAX], *b, *v, *l;
	size_t		 n, i, j, k;

	n = units(r, u, UNITS_MAX);
	for (k = 0; k < 3; k++) {
		b = baseline(r, names[k]);
		fputs("<h2>", fp);
		esc(fp, titles[k]);
		fputs("</h2>\n", fp);
		table_open(fp);
		fputs("<tr>", fp);
		th(fp, _("district"));
		th(fp, _("households"));
		json_array_foreach(scale(r, names[k]), j, v)
			th(fp, str(v, "label"));
		th(fp, _("missing"));
		if (b != NULL) {
			th(fp, _("plan's indicator"));
			th(fp, _("CI (95 %)"));
		}
		fputs("</tr>\n", fp);
		for (i = 0; i < n; i++) {
			l = json_object_get(json_object_get(u[i], "wash"),
			    names[k]);
			row_open(fp, i, n);
			td_unit(fp, u[i]);
			td_num(fp, num(u[i], "wash.households"));
			json_array_foreach(scale(r, names[k]), j, v)
				td_num(fp, num(json_object_get(json_object_get(
				    l, "rungs"), str(v, "value")), "n"));
			td_num(fp, num(l, "missing") + num(l, "unknown"));
			if (b != NULL)
				td_pct(fp, json_object_get(json_object_get(
				    u[i], "indicators"), str(b, "id")));
			fputs("</tr>\n", fp);
		}
		table_close(fp);
	}
}

static void
improvements(FILE *fp, const json_t *r)
{
	const json_t	*u[UNITS_MAX], *b = baseline(r, "programme"), *v, *k;
	const json_t	*p = json_object_get(r, "province"), *c, *m;
	size_t		 n, i, j;

	fprintf(fp, "<h2>%s</h2>\n", _("Household improvements"));
	table_open(fp);
	fputs("<tr>", fp);
	th(fp, _("component (province)"));
	json_array_foreach(scale(r, SCALE_STATUS), j, v)
		th(fp, str(v, "label"));
	th(fp, _("missing"));
	th(fp, _("in use"));
	th(fp, _("CI (95 %)"));
	fputs("</tr>\n", fp);
	json_array_foreach(at(r, "legend.components"), i, c) {
		k = json_object_get(at(p, "improvements.components"),
		    str(c, "field"));
		fputs("<tr>", fp);
		td(fp, str(c, "label"));
		json_array_foreach(scale(r, SCALE_STATUS), j, v)
			td_num(fp, num(json_object_get(json_object_get(k,
			    "statuses"), str(v, "value")), "n"));
		td_num(fp, num(k, "missing") + num(k, "unknown"));
		td_pct(fp, at(k, "statuses.in_use"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	table_open(fp);
	fputs("<tr>", fp);
	th(fp, _("district"));
	th(fp, _("households"));
	th(fp, _("mean in use"));
	if (b != NULL) {
		th(fp, _("reached"));
		th(fp, _("coverage"));
		th(fp, _("CI (95 %)"));
	}
	fputs("</tr>\n", fp);
	n = units(r, u, UNITS_MAX);
	for (i = 0; i < n; i++) {
		row_open(fp, i, n);
		td_unit(fp, u[i]);
		td_num(fp, num(u[i], "improvements.households"));
		m = at(u[i], "improvements.in_use.mean");
		if (json_is_number(m))
			fprintf(fp, "<td>%.2f</td>", json_number_value(m));
		else
			fputs("<td>-</td>", fp);
		if (b != NULL) {
			k = json_object_get(json_object_get(u[i],
			    "indicators"), str(b, "id"));
			td_num(fp, num(k, "n"));
			td_pct(fp, k);
		}
		fputs("</tr>\n", fp);
	}
	table_close(fp);
}

static void
quality(FILE *fp, const json_t *r)
{
	const json_t	*q = json_object_get(r, "quality"), *d, *v, *c;
	const char	*key;
	char		 line[512];
	size_t		 i, j;

	fprintf(fp, "<h2>%s</h2>\n<p class=\"note\">", _("Data quality"));
	fprintf(fp, _("Submissions counted: %lld; without a district: %lld; "
	    "with a district not in the list: "), num(q, "submissions"),
	    num(q, "no_district"));
	i = 0;
	json_object_foreach(json_object_get(q, "unknown_districts"), key, v) {
		fputs(i++ > 0 ? ", " : "", fp);
		esc(fp, key);
		fprintf(fp, " (%lld)", (long long)json_integer_value(v));
	}
	fputs(i == 0 ? "0" : "", fp);
	fputs("<br>", fp);
	fprintf(fp, _("Conflicts kept aside: %lld; refused lines: %lld, of "
	    "which surveys still waiting for a correction: %lld."),
	    num(q, "conflicts"), num(q, "rejected"),
	    num(q, "rejected_waiting"));
	fputs("<br>", fp);
	fprintf(fp, _("Devices silent for more than %lld days: %lld."),
	    num(q, "silent_days"), num(q, "silent_devices"));
	fputs("</p>\n", fp);
	table_open(fp);
	fputs("<tr>", fp);
	th(fp, _("device"));
	th(fp, _("promoter"));
	th(fp, _("district"));
	th(fp, _("surveys"));
	th(fp, _("last contact"));
	th(fp, _("days"));
	th(fp, _("silent"));
	th(fp, _("conflicts"));
	th(fp, _("refused, waiting"));
	fputs("</tr>\n", fp);
	json_array_foreach(json_object_get(q, "devices"), i, d) {
		fputs(json_is_true(json_object_get(d, "silent")) ?
		    "<tr class=\"silent\">" : "<tr>", fp);
		fputs("<td>", fp);
		esc(fp, str(d, "device_id"));
		if (json_is_true(json_object_get(d, "revoked")))
			esc(fp, _(" (revoked)"));
		fputs("</td>", fp);
		td(fp, json_is_string(json_object_get(d, "promoter")) ?
		    str(d, "promoter") : "-");
		td(fp, json_is_string(json_object_get(d, "district")) ?
		    str(d, "district") : "-");
		td_num(fp, num(d, "submissions"));
		td(fp, json_is_string(json_object_get(d, "last_contact")) ?
		    str(d, "last_contact") : _("never"));
		v = json_object_get(d, "days_since_contact");
		if (json_is_integer(v))
			td_num(fp, (long long)json_integer_value(v));
		else
			td(fp, "-");
		td(fp, json_is_true(json_object_get(d, "silent")) ?
		    _("SILENT") : "");
		td_num(fp, num(d, "conflicts"));
		td_num(fp, num(d, "rejected_waiting"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	fprintf(fp, "<h3>%s</h3>\n", _("Surveys by device and promoter (as "
	    "the surveys name them):"));
	table_open(fp);
	json_array_foreach(json_object_get(q, "senders"), i, d) {
		fputs("<tr>", fp);
		td(fp, str(d, "device_id"));
		td(fp, json_is_string(json_object_get(d, "promoter")) ?
		    str(d, "promoter") : "-");
		td_num(fp, num(d, "submissions"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	d = json_object_get(q, "duplicates");
	/* The text's line, without the blank lines around it. */
	snprintf(line, sizeof(line), _("\nSurveyed more than once: %lld (with "
	    "different answers: %lld, the same answers: %lld).\n"),
	    num(d, "subjects"), num(d, "different_answers"),
	    num(d, "same_answers"));
	key = line + strspn(line, "\n");
	line[(size_t)(key - line) + strcspn(key, "\n")] = '\0';
	fputs("<h3>", fp);
	esc(fp, key);
	fputs("</h3>\n", fp);
	table_open(fp);
	json_array_foreach(json_object_get(d, "listed"), i, v) {
		fputs("<tr>", fp);
		td(fp, str(v, "form_id"));
		td(fp, str(v, "subject"));
		fputs("<td>", fp);
		json_array_foreach(json_object_get(v, "communities"), j, c) {
			if (j > 0)
				fputs(", ", fp);
			esc(fp, json_string_value(c));
		}
		fputs("</td>", fp);
		td_num(fp, num(v, "submissions"));
		td(fp, json_is_true(json_object_get(v, "different_answers")) ?
		    _("different answers") : _("same answers"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
	fprintf(fp, "<h3>%s</h3>\n", _("Missing answers, by question:"));
	table_open(fp);
	json_array_foreach(json_object_get(q, "missing"), i, v) {
		fputs("<tr>", fp);
		td(fp, str(v, "form_id"));
		td(fp, str(v, "question"));
		td_num(fp, num(v, "submissions"));
		fputs("</tr>\n", fp);
	}
	table_close(fp);
}

int
report_write_html_body(const json_t *r, FILE *fp)
{
	const json_t	*p = json_object_get(r, "period");

	fprintf(fp, "<h1>%s</h1>\n<p class=\"meta\">", _("Indicators by "
	    "district"));
	esc(fp, _("Generated"));
	fputc(' ', fp);
	esc(fp, str(r, "generated_at"));
	fputs(". ", fp);
	if (!json_is_string(json_object_get(p, "from")) &&
	    !json_is_string(json_object_get(p, "to")))
		esc(fp, _("Period: every visit date"));
	else {
		fprintf(fp, _("Period: visit dates from %s to %s"),
		    json_is_string(json_object_get(p, "from")) ? str(p,
		    "from") : _("the first"), json_is_string(json_object_get(p,
		    "to")) ? str(p, "to") : _("the last"));
	}
	fputs(". ", fp);
	fprintf(fp, _("Surveys counted (the current revision of each): "
	    "%lld\n"), num(r, "quality.submissions"));
	fputs("</p>\n", fp);
	charts(fp, r);
	anaemia(fp, r);
	growth(fp, r);
	wash(fp, r);
	improvements(fp, r);
	quality(fp, r);
	return ferror(fp) ? ERR_IO : 0;
}

int
report_write_html(const json_t *r, FILE *fp)
{
	const char	*lang = _("label_en");

	fputs("<!DOCTYPE html>\n<html lang=\"", fp);
	esc(fp, strncmp(lang, "label_", 6) == 0 ? lang + 6 : "es");
	fputs("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>", fp);
	esc(fp, _("Indicators by district"));
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	report_write_html_body(r, fp);
	fputs("</body>\n</html>\n", fp);
	return ferror(fp) ? ERR_IO : 0;
}
