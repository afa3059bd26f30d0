/*
 * report_data.c: the report's rules and baselines, from hub/data/ (CSV).
 *
 * Why data: the districts, the plan's baselines, which rungs count as
 * "without water", which groups the anaemia baseline is about, how long
 * a device may stay silent: the provincial office may correct any of
 * them, and none is the program's to decide. The files are plain CSV
 * (RFC 4180: a header row, commas, "quoted" fields with "" inside) that a
 * spreadsheet opens, built into the program by hub/data/embed.sh.
 *
 * Each file is read by the names in its header row, not by position, so
 * that a column may be added without breaking the program.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hub.h"

const char *const report_growth[REPORT_NGROWTH] = {
	"stunting", "wasting", "underweight", "overweight"
};

/* The embedded files are a few KB; a ceiling keeps a broken build from
 * reading megabytes. */
#define DATA_CELLS_MAX		64

struct csv {
	const char	*name;		/* the file's, for errors */
	const char	*p, *end;
	int		 line;		/* of the row last read */
	struct arena	*a;
	char		*header[DATA_CELLS_MAX];
	size_t		 nheader;
	char		*cell[DATA_CELLS_MAX];
	size_t		 ncell;
};

/* One cell from *p; the cell's text in the arena. */
static int
csv_cell(struct csv *c, char **out, int *last, struct err *e)
{
	struct buf	 b;
	const char	*p = c->p;
	int		 rc = 0;

	buf_init(&b, 1u << 16);
	*last = 0;
	if (p < c->end && *p == '"') {
		for (p++;; p++) {
			if (p >= c->end) {
				rc = err_set(e, ERR_INPUT, "%s:%d: %s",
				    c->name, c->line, _("a quoted cell is not "
				    "closed"));
				goto out;
			}
			if (*p == '"') {
				if (p + 1 < c->end && p[1] == '"')
					p++;
				else
					break;
			}
			if (*p == '\n')
				c->line++;
			if ((rc = buf_addc(&b, *p)) != 0)
				goto out;
		}
		p++;
	} else {
		while (p < c->end && *p != ',' && *p != '\n' && *p != '\r')
			if ((rc = buf_addc(&b, *p++)) != 0)
				goto out;
	}
	if (p < c->end && *p == '\r')
		p++;
	if (p >= c->end || *p == '\n')
		*last = 1;
	else if (*p != ',') {
		rc = err_set(e, ERR_INPUT, "%s:%d: %s", c->name, c->line,
		    _("text after a quoted cell"));
		goto out;
	}
	if (p < c->end)
		p++;
	c->p = p;
	if ((*out = arena_strndup(c->a, b.len > 0 ? b.p : "", b.len)) ==
	    NULL)
		rc = ERR_NOMEM;
out:
	buf_release(&b);
	if (rc == ERR_NOMEM)
		return err_set(e, rc, _("out of memory"));
	if (rc != 0 && e != NULL && e->code == 0)
		return err_set(e, rc, "%s:%d: %s", c->name, c->line,
		    _("a cell is too long"));
	return rc;
}

/* The next row into c->cell; 0 and c->ncell 0 at the end. Blank lines
 * are skipped. */
static int
csv_row(struct csv *c, struct err *e)
{
	int	last, rc;

	c->ncell = 0;
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->line++;
		c->p++;
	}
	if (c->p >= c->end)
		return 0;
	c->line++;
	do {
		if (c->ncell >= DATA_CELLS_MAX)
			return err_set(e, ERR_INPUT, "%s:%d: %s", c->name,
			    c->line, _("too many cells"));
		if ((rc = csv_cell(c, &c->cell[c->ncell], &last, e)) != 0)
			return rc;
		c->ncell++;
	} while (!last);
	return 0;
}

static int
csv_open(struct csv *c, const struct report_file *files, const char *name,
    struct arena *a, struct err *e)
{
	const struct report_file	*f;
	int				 rc;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->a = a;
	for (f = files; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			break;
	if (f->name == NULL)
		return err_set(e, ERR_INPUT, _("no data file '%s'"), name);
	c->p = (const char *)f->data;
	c->end = c->p + f->len;
	if ((rc = csv_row(c, e)) != 0)
		return rc;
	if (c->ncell == 0)
		return err_set(e, ERR_INPUT, _("'%s' is empty"), name);
	memcpy(c->header, c->cell, c->ncell * sizeof(c->cell[0]));
	c->nheader = c->ncell;
	return 0;
}

/* The current row's cell under column; "" when the row is short. A
 * column that the header lacks is an error. */
static int
col(struct csv *c, const char *column, const char **out, struct err *e)
{
	size_t	i;

	*out = NULL;
	for (i = 0; i < c->nheader; i++)
		if (strcmp(c->header[i], column) == 0) {
			*out = i < c->ncell ? c->cell[i] : "";
			return 0;
		}
	return err_set(e, ERR_INPUT, _("%s: no column '%s'"), c->name,
	    column);
}

/* The same, which must not be empty. */
static int
need(struct csv *c, const char *column, const char **out, struct err *e)
{
	int	rc;

	if ((rc = col(c, column, out, e)) != 0)
		return rc;
	if (**out == '\0')
		return err_set(e, ERR_INPUT, _("%s:%d: '%s' is empty"),
		    c->name, c->line, column);
	return 0;
}

/* Space-separated words as an array in the arena. */
static int
words(struct arena *a, const char *s, const char ***out, size_t *n)
{
	const char	**v;
	size_t		  k = 0, len;

	*out = NULL;
	*n = 0;
	if ((v = arena_alloc(a, (strlen(s) / 2 + 1) * sizeof(*v))) == NULL)
		return ERR_NOMEM;
	while (*s != '\0') {
		s += strspn(s, " ");
		if ((len = strcspn(s, " ")) == 0)
			break;
		if ((v[k++] = arena_strndup(a, s, len)) == NULL)
			return ERR_NOMEM;
		s += len;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Room for one more element of an array that grows in the arena. */
static void *
grow(struct arena *a, void *v, size_t n, size_t size)
{
	void	*p;

	if ((p = arena_alloc(a, (n + 1) * size)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, v, n * size);
	return p;
}

#define GROW(a, v, n) ((v) = grow((a), (v), (n), sizeof(*(v))))

static int
load_districts(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct report_district	*d;
	struct csv		 c;
	int			 rc;

	if ((rc = csv_open(&c, files, "districts.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if (GROW(&cfg->arena, cfg->districts, cfg->ndistricts) == NULL)
			return ERR_NOMEM;
		d = &cfg->districts[cfg->ndistricts++];
		if ((rc = need(&c, "ubigeo", &d->ubigeo, e)) != 0 ||
		    (rc = need(&c, "name", &d->name, e)) != 0)
			return rc;
	}
	return rc;
}

/* The label column of the messages' language. */
static const char *
label_column(void)
{
	/* TRANSLATORS: not a message: the column of the report's data
	 * files (hub/data/) that holds labels in this translation's
	 * language; "label_es" in Spanish. */
	return _("label_en");
}

static int
load_label(struct csv *c, const char **out, struct err *e)
{
	/* A file without the language's column falls back to Spanish,
	 * the office's language. */
	if (col(c, label_column(), out, NULL) == 0)
		return 0;
	return col(c, "label_es", out, e);
}

static int
load_scales(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct report_scale	*s = NULL;
	struct report_value	*v;
	struct csv		 c;
	const char		*name, *as;
	size_t			 i;
	int			 rc;

	if ((rc = csv_open(&c, files, "scales.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if ((rc = need(&c, "scale", &name, e)) != 0)
			return rc;
		for (i = 0, s = NULL; i < cfg->nscales; i++)
			if (strcmp(cfg->scales[i].name, name) == 0)
				s = &cfg->scales[i];
		if (s == NULL) {
			if (GROW(&cfg->arena, cfg->scales, cfg->nscales) ==
			    NULL)
				return ERR_NOMEM;
			s = &cfg->scales[cfg->nscales++];
			s->name = name;
		}
		if (GROW(&cfg->arena, s->v, s->n) == NULL)
			return ERR_NOMEM;
		v = &s->v[s->n++];
		if ((rc = need(&c, "value", &v->name, e)) != 0 ||
		    (rc = col(&c, "counts_as", &as, e)) != 0 ||
		    (rc = load_label(&c, &v->label, e)) != 0)
			return rc;
		v->any = strcmp(as, "any") == 0;
	}
	return rc;
}

static int
load_groups(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct report_hbgroup	*h;
	struct csv		 c;
	const char		*name, *label;
	size_t			 i;
	int			 rc;

	if ((rc = csv_open(&c, files, "groups.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if (GROW(&cfg->arena, cfg->hbgroups, cfg->nhbgroups) == NULL)
			return ERR_NOMEM;
		h = &cfg->hbgroups[cfg->nhbgroups++];
		if ((rc = need(&c, "hb_group", &h->hb_group, e)) != 0 ||
		    (rc = need(&c, "group", &name, e)) != 0 ||
		    (rc = load_label(&c, &label, e)) != 0)
			return rc;
		for (i = 0; i < cfg->ngroups; i++)
			if (strcmp(cfg->groups[i].name, name) == 0)
				break;
		if (i == cfg->ngroups) {
			if (GROW(&cfg->arena, cfg->groups, cfg->ngroups) ==
			    NULL)
				return ERR_NOMEM;
			cfg->groups[i].name = name;
			cfg->groups[i].label = label;
			cfg->ngroups++;
		}
		h->group = i;
	}
	return rc;
}

static int
load_surveys(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	static const struct {
		const char		*name;
		enum report_section	 section;
	} sections[] = {
		{ "anaemia", SECTION_ANAEMIA },
		{ "wash", SECTION_WASH },
		{ "improvements", SECTION_IMPROVEMENTS },
	};
	struct report_survey	*s;
	struct csv		 c;
	const char		*sec, *subject;
	size_t			 i;
	int			 rc;

	if ((rc = csv_open(&c, files, "surveys.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if (GROW(&cfg->arena, cfg->surveys, cfg->nsurveys) == NULL)
			return ERR_NOMEM;
		s = &cfg->surveys[cfg->nsurveys++];
		if ((rc = need(&c, "form_id", &s->form_id, e)) != 0 ||
		    (rc = need(&c, "section", &sec, e)) != 0 ||
		    (rc = need(&c, "subject", &subject, e)) != 0)
			return rc;
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (strcmp(sections[i].name, sec) == 0)
				break;
		if (i == sizeof(sections) / sizeof(sections[0]))
			return err_set(e, ERR_INPUT, _("%s:%d: no section "
			    "'%s': anaemia, wash or improvements"), c.name,
			    c.line, sec);
		s->section = sections[i].section;
		if (words(&cfg->arena, subject, &s->subject, &s->nsubject) !=
		    0)
			return ERR_NOMEM;
	}
	return rc;
}

static int
load_components(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct report_component	*k;
	struct csv		 c;
	int			 rc;

	if ((rc = csv_open(&c, files, "components.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if (GROW(&cfg->arena, cfg->components, cfg->ncomponents) ==
		    NULL)
			return ERR_NOMEM;
		k = &cfg->components[cfg->ncomponents++];
		if ((rc = need(&c, "field", &k->field, e)) != 0 ||
		    (rc = need(&c, "programme_field", &k->programme_field,
		    e)) != 0 || (rc = load_label(&c, &k->label, e)) != 0)
			return rc;
	}
	return rc;
}

static int
number(struct csv *c, const char *column, double *out, struct err *e)
{
	const char	*v;
	char		*end;
	int		 rc;

	if ((rc = need(c, column, &v, e)) != 0)
		return rc;
	*out = strtod(v, &end);
	if (*end != '\0' || *out < 0)
		return err_set(e, ERR_INPUT, _("%s:%d: '%s' is not a number "
		    "(with a '.' for decimals)"), c->name, c->line, v);
	return 0;
}

static int
load_baselines(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct report_baseline	*b;
	struct csv		 c;
	const char		*values, *among;
	int			 rc;

	if ((rc = csv_open(&c, files, "baselines.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if (GROW(&cfg->arena, cfg->baselines, cfg->nbaselines) == NULL)
			return ERR_NOMEM;
		b = &cfg->baselines[cfg->nbaselines++];
		if ((rc = need(&c, "id", &b->id, e)) != 0 ||
		    (rc = number(&c, "percent", &b->percent, e)) != 0 ||
		    (rc = need(&c, "counts", &b->counts, e)) != 0 ||
		    (rc = need(&c, "values", &values, e)) != 0 ||
		    (rc = col(&c, "among", &among, e)) != 0 ||
		    (rc = load_label(&c, &b->label, e)) != 0 ||
		    (rc = col(&c, "source", &b->source, e)) != 0)
			return rc;
		if (words(&cfg->arena, values, &b->values, &b->nvalues) != 0 ||
		    words(&cfg->arena, among, &b->among, &b->namong) != 0)
			return ERR_NOMEM;
		if (strcmp(b->counts, "programme") != 0 &&
		    report_scale(cfg, b->counts) == NULL)
			return err_set(e, ERR_INPUT, _("%s:%d: '%s' is neither "
			    "a scale of scales.csv nor 'programme'"), c.name,
			    c.line, b->counts);
	}
	return rc;
}

static int
load_settings(struct report_config *cfg, const struct report_file *files,
    struct err *e)
{
	struct csv	 c;
	const char	*name;
	double		 v;
	int		 rc;

	cfg->silent_days = 14;
	cfg->listed_max = 200;
	if ((rc = csv_open(&c, files, "settings.csv", &cfg->arena, e)) != 0)
		return rc;
	while ((rc = csv_row(&c, e)) == 0 && c.ncell > 0) {
		if ((rc = need(&c, "name", &name, e)) != 0 ||
		    (rc = number(&c, "value", &v, e)) != 0)
			return rc;
		if (strcmp(name, "silent_days") == 0)
			cfg->silent_days = (int64_t)v;
		else if (strcmp(name, "listed_max") == 0)
			cfg->listed_max = (int64_t)v;
	}
	return rc;
}

/* Facts read under these files change when surveys.csv or
 * components.csv do; FACTS_FORMAT when facts.c reads them otherwise. */
#define FACTS_FORMAT	"2"

static void
facts_version(struct report_config *cfg, const struct report_file *files)
{
	crypto_generichash_state	 h;
	const struct report_file	*f;
	unsigned char			 d[8];
	char				 hex[17];

	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	for (f = files; f->name != NULL; f++)
		if (strcmp(f->name, "surveys.csv") == 0 ||
		    strcmp(f->name, "components.csv") == 0) {
			crypto_generichash_update(&h,
			    (const unsigned char *)f->name, strlen(f->name) + 1);
			crypto_generichash_update(&h, f->data, f->len);
		}
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	snprintf(cfg->facts_version, sizeof(cfg->facts_version), "%s:%s",
	    FACTS_FORMAT, hex);
}

int
report_config_load(struct report_config *cfg,
    const struct report_file *files, struct err *e)
{
	int	rc;

	memset(cfg, 0, sizeof(*cfg));
	arena_init(&cfg->arena, 1u << 22);
	if (files == NULL)
		files = report_files;
	if ((rc = load_districts(cfg, files, e)) != 0 ||
	    (rc = load_scales(cfg, files, e)) != 0 ||
	    (rc = load_groups(cfg, files, e)) != 0 ||
	    (rc = load_surveys(cfg, files, e)) != 0 ||
	    (rc = load_components(cfg, files, e)) != 0 ||
	    (rc = load_baselines(cfg, files, e)) != 0 ||
	    (rc = load_settings(cfg, files, e)) != 0) {
		if (rc == ERR_NOMEM && (e == NULL || e->code == 0))
			err_set(e, rc, _("out of memory"));
		report_config_release(cfg);
		return rc;
	}
	if (report_scale(cfg, SCALE_ANEMIA) == NULL ||
	    report_scale(cfg, SCALE_STATUS) == NULL) {
		report_config_release(cfg);
		return err_set(e, ERR_INPUT, _("scales.csv: the scales '%s' "
		    "and '%s' are needed"), SCALE_ANEMIA, SCALE_STATUS);
	}
	facts_version(cfg, files);
	return 0;
}

void
report_config_release(struct report_config *cfg)
{
	arena_release(&cfg->arena);
	memset(cfg, 0, sizeof(*cfg));
}

const struct report_scale *
report_scale(const struct report_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nscales; i++)
		if (strcmp(cfg->scales[i].name, name) == 0)
			return &cfg->scales[i];
	return NULL;
}

const struct report_survey *
report_survey(const struct report_config *cfg, const char *form_id)
{
	size_t	i;

	if (form_id == NULL)
		return NULL;
	for (i = 0; i < cfg->nsurveys; i++)
		if (strcmp(cfg->surveys[i].form_id, form_id) == 0)
			return &cfg->surveys[i];
	return NULL;
}
