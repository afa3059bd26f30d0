/*
 * facts.c: what the report counts of each submission, read from its line
 * once into the report's tables (store.h, "The report's tables").
 *
 * Why here and not in SQL over the lines: json_extract parses a whole
 * line for every value read, and a report over a million submissions
 * would parse a gigabyte each time; a GROUP BY over a million rows sorts
 * them. Read once, the report's rows are a tenth of a line each, and
 * their indexes follow the report's GROUP BYs. Why not at merge time: the
 * merge stays as fast as it was, a store made before the report (or by
 * any other path) is read the same way, and there is one reading, this
 * one. The report brings the tables up to date before it reads them: a
 * report after an import of N submissions reads those N, once.
 *
 * How values are read (CONTRACT.md, docs/surveys.md): a calculation
 * arrives as text ("3", "moderate"), an answer to a numeric question as a
 * JSON number: both are read, as their text. A question that does not
 * apply is absent; one left unanswered is null. Nothing is dropped: a
 * value the report needs and does not find is recorded as missing, with
 * the question's name, and counted as such.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "hub.h"

/* Everything read of one submission; its strings borrow from root or
 * from the buffers. */
struct reading {
	const struct report_config	*cfg;
	struct hub_facts		 f;
	json_t				*root;
	struct buf			 missing;
	struct buf			 subject;
	struct buf			 programmes;
	struct buf			 vpath;		/* with repeat
							 * positions */
	struct buf			 components;
	uint64_t			 digest;
	size_t				 nmissing;
	char				 num[16][40];
};

const char *
facts_value_text(const json_t *v, char num[40])
{
	double	d;

	if (v == NULL)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_NULL:
		return "";
	case JSON_INTEGER:
		snprintf(num, 40, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return num;
	case JSON_REAL:
		d = json_real_value(v);
		snprintf(num, 40, "%.15g", d);
		return num;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		/* An object or a list where a value was wanted: counted,
		 * as a value no scale knows. */
		return json_is_array(v) ? "[]" : "{}";
	}
}

/* The field's text in data, in the reading's number slot k. */
static const char *
field(struct reading *r, json_t *data, const char *name, int k)
{
	return facts_value_text(json_object_get(data, name), r->num[k]);
}

/* A field with no usable value. */
static int
empty(const char *v)
{
	return v == NULL || *v == '\0';
}

/* Questions listed as missing in one submission at most: past them one
 * name, MISSING_MORE, says that there were more. A form has a few dozen
 * questions; only a line made to be slow would reach it. */
#define MISSING_MAX	256
#define MISSING_MORE	"..."

static int
add_missing(struct reading *r, const char *path)
{
	if (r->nmissing > MISSING_MAX)
		return 0;
	if (r->missing.len > 0 && buf_addc(&r->missing, ' ') != 0)
		return ERR_NOMEM;
	if (r->nmissing++ == MISSING_MAX)
		path = MISSING_MORE;
	return buf_addstr(&r->missing, path) != 0 ? ERR_NOMEM : 0;
}

/* Whether a name is in the missing list already (a null the walk
 * found). */
static int
listed(const struct reading *r, const char *name)
{
	const char	*p = r->missing.len > 0 ? r->missing.p : "";
	size_t		 n = strlen(name), k;

	while (*p != '\0') {
		k = strcspn(p, " ");
		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		p += k + (p[k] == ' ');
	}
	return 0;
}

/* A field the report needs for this survey and did not find. */
static int
need(struct reading *r, const char *name, const char *v)
{
	if (!empty(v) || listed(r, name))
		return 0;
	return add_missing(r, name);
}

/* A value's part of the digest: SipHash of its path (repeat positions
 * included) and its text, tagged with its JSON type. Summed, the parts
 * give the same digest whatever the order of the keys: the same answers
 * written in another order are the same answers. */
static void
digest_add(struct reading *r, const json_t *v)
{
	static const unsigned char	 key[crypto_shorthash_KEYBYTES];
	unsigned char			 h[crypto_shorthash_BYTES];
	const char			*t;
	char				 num[40], tag;
	uint64_t			 x = 0;
	size_t				 i;

	t = facts_value_text(v, num);
	tag = json_is_string(v) ? 's' : json_is_number(v) ? 'n' :
	    json_is_null(v) ? 'z' : 'o';
	if (buf_addc(&r->vpath, '\0') != 0 || buf_addc(&r->vpath, tag) != 0 ||
	    buf_addstr(&r->vpath, t != NULL ? t : "") != 0) {
		r->digest ^= 1;	/* too long to tell: still counted */
		return;
	}
	crypto_shorthash(h, (const unsigned char *)r->vpath.p, r->vpath.len,
	    key);
	for (i = 0; i < sizeof(h); i++)
		x = x << 8 | h[i];
	r->digest += x;
}

/*
 * One walk over the data: every unanswered question by path
 * ("group/question"; a repeat's questions by the repeat's path, whatever
 * the instance), the way the form nests them; and the digest.
 */
static int
walk(struct reading *r, json_t *obj, struct buf *path)
{
	const char	*key;
	json_t		*v, *item;
	size_t		 at = path->len, vat = r->vpath.len, i;
	int		 rc = 0;

	json_object_foreach(obj, key, v) {
		path->len = at;
		r->vpath.len = vat;
		if ((at > 0 && buf_addc(path, '/') != 0) ||
		    buf_addstr(path, key) != 0 ||
		    (vat > 0 && buf_addc(&r->vpath, '/') != 0) ||
		    buf_addstr(&r->vpath, key) != 0)
			return ERR_NOMEM;
		if (json_is_null(v) || (json_is_string(v) &&
		    json_string_length(v) == 0)) {
			if (!listed(r, path->p) &&
			    (rc = add_missing(r, path->p)) != 0)
				return rc;
		}
		if (json_is_object(v)) {
			if ((rc = walk(r, v, path)) != 0)
				return rc;
		} else if (json_is_array(v)) {
			json_array_foreach(v, i, item) {
				if (!json_is_object(item))
					continue;
				r->vpath.len = vat;
				if (buf_addf(&r->vpath, "%s%s[%zu]", vat > 0 ?
				    "/" : "", key, i) != 0)
					return ERR_NOMEM;
				if ((rc = walk(r, item, path)) != 0)
					return rc;
			}
		} else
			digest_add(r, v);
	}
	path->len = at;
	if (path->p != NULL)
		path->p[at] = '\0';
	r->vpath.len = vat;
	if (r->vpath.p != NULL)
		r->vpath.p[vat] = '\0';
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A value as a name in the report's own lists, which are separated by
 * spaces, ':' and ';': itself when it is a plain name (as a choice's
 * name is), else "?", a name no list knows (counted as unknown). */
static const char *
plain(const char *v)
{
	if (empty(v))
		return "";
	return strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(v) ? v : "?";
}

/*
 * The household's components, in the order of components.csv, as one
 * text: "STATUS:PROGRAMME" for each, joined by ';' ("in_use:allin_causay;
 * none:;:;..."), STATUS "" when it is missing, PROGRAMME "" when none
 * says who installed it. A household is one row of the report's table,
 * not eight, and the tally groups households whose components are the
 * same. Then who installed any of them: sorted, each once.
 */
static int
read_components(struct reading *r, json_t *data)
{
	const struct report_config	*cfg = r->cfg;
	const char			*who[64], *st, *pr;
	size_t				 i, n = 0;
	char				 num[2][40];

	buf_reset(&r->components);
	for (i = 0; i < cfg->ncomponents; i++) {
		st = facts_value_text(json_object_get(data,
		    cfg->components[i].field), num[0]);
		pr = facts_value_text(json_object_get(data,
		    cfg->components[i].programme_field), num[1]);
		if (need(r, cfg->components[i].field, st) != 0)
			return ERR_NOMEM;
		st = plain(st);
		pr = plain(pr);
		if (buf_addf(&r->components, "%s%s:%s", i > 0 ? ";" : "", st,
		    pr) != 0)
			return ERR_NOMEM;
		if (*pr != '\0' && n < sizeof(who) / sizeof(who[0]))
			who[n++] = pr;
	}
	r->f.components = r->components.len > 0 ? r->components.p : "";
	qsort(who, n, sizeof(who[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(who[i], who[i - 1]) == 0)
			continue;
		if ((r->programmes.len > 0 && buf_addc(&r->programmes,
		    ' ') != 0) || buf_addstr(&r->programmes, who[i]) != 0)
			return ERR_NOMEM;
	}
	r->f.programmes = r->programmes.len > 0 ? r->programmes.p : NULL;
	return 0;
}

/* Who or what was surveyed: the survey's subject fields, joined. */
static int
read_subject(struct reading *r, json_t *data,
    const struct report_survey *sv)
{
	static const char *const household[] = { "household_id" };
	const char *const	*names = household;
	const char		*v;
	char			 num[40];
	size_t			 i, n = 1;

	if (sv != NULL) {
		names = sv->subject;
		n = sv->nsubject;
	}
	for (i = 0; i < n; i++) {
		v = facts_value_text(json_object_get(data, names[i]), num);
		if (empty(v))
			return 0;
		if ((i > 0 && buf_addc(&r->subject, ' ') != 0) ||
		    buf_addstr(&r->subject, v) != 0)
			return ERR_NOMEM;
	}
	r->f.subject = n > 0 ? r->subject.p : NULL;
	return 0;
}

/* The period's date, in days: the visit's, else the day the device
 * finalized it (docs/coordinator.md says which); day 0 when neither
 * reads as a date. */
static int64_t
read_day(json_t *data, const char *finalized_at)
{
	json_t	*v = json_object_get(data, "visit_date");
	char	 d[16];
	int64_t	 days;

	if (json_is_string(v) && date_parse(json_string_value(v), &days) == 0)
		return days;
	snprintf(d, sizeof(d), "%.10s", finalized_at != NULL ? finalized_at :
	    "");
	return date_parse(d, &days) == 0 ? days : 0;
}

/*
 * A child's growth, as the survey sent it: the hub keeps no attachment
 * and recomputes no z-score. A child was measured when a length, a
 * weight, the rule or a class is there. The form leaves a class out
 * where it does not apply (wasting when the adjusted length is outside
 * the weight-for-length/height table, underweight and overweight with
 * oedema): NULL, counted neither way. When the rule is not there
 * either, the survey's computed values are (a tool that did not send
 * them): each class left out is missing, as one present and empty is.
 */
static int
read_growth(struct reading *r, json_t *data)
{
	static const char *const measured[] = { "length_cm", "weight_kg" };
	struct hub_facts	*f = &r->f;
	const char		**cls[REPORT_NGROWTH] = { &f->stunting,
				    &f->wasting, &f->underweight,
				    &f->overweight };
	const char		*rule;
	size_t			 i;
	int			 child = 0, rc;

	rule = field(r, data, "growth_rule", 10);
	for (i = 0; i < REPORT_NGROWTH; i++) {
		*cls[i] = field(r, data, report_growth[i], 11 + (int)i);
		child |= *cls[i] != NULL;
	}
	for (i = 0; i < sizeof(measured) / sizeof(measured[0]); i++)
		child |= json_object_get(data, measured[i]) != NULL;
	if (!child && rule == NULL)
		return 0;
	f->growth_rule = rule != NULL ? rule : "";
	for (i = 0; i < REPORT_NGROWTH; i++) {
		if (*cls[i] == NULL && empty(rule))
			*cls[i] = "";
		if (*cls[i] != NULL && (rc = need(r, report_growth[i],
		    *cls[i])) != 0)
			return rc;
	}
	return 0;
}

/* Read one stored line into r->f. A line that is not what it should be
 * still gives a row: counted, with everything missing. */
static int
read_line(struct reading *r, const struct hub_stored *x)
{
	const struct report_survey	*sv;
	struct hub_facts		*f = &r->f;
	struct buf			 path;
	json_t				*data, *v;
	const char			*measured;
	int				 rc;

	memset(f, 0, sizeof(*f));
	buf_reset(&r->missing);
	buf_reset(&r->subject);
	buf_reset(&r->programmes);
	buf_reset(&r->vpath);
	r->digest = 0;
	r->nmissing = 0;
	f->sub = x->row;
	f->instance_id = x->instance_id;
	f->deprecated_id = x->deprecated_id;
	f->form_id = x->form_id;
	f->device_id = x->device_id;
	f->district = x->district;
	sv = report_survey(r->cfg, x->form_id);
	r->root = json_loadb(x->line, x->len, 0, NULL);
	data = json_object_get(r->root, "data");
	if (!json_is_object(data))
		data = NULL;
	v = json_object_get(r->root, "promoter");
	f->promoter = json_is_string(v) ? json_string_value(v) : NULL;
	f->day = read_day(data, x->finalized_at);
	if (data == NULL) {
		/* Not what the merge stores (a row put there otherwise):
		 * counted in its survey with every value missing. */
		if ((rc = add_missing(r, "data")) != 0)
			return rc;
		if (sv != NULL && sv->section == SECTION_ANAEMIA)
			f->anemia = "";
		if (sv != NULL && sv->section == SECTION_IMPROVEMENTS)
			return read_components(r, NULL);
		return 0;
	}
	buf_init(&path, BATCH_LINE_MAX);
	rc = walk(r, data, &path);
	buf_release(&path);
	if (rc != 0)
		return rc;
	/* SQLite's integers are signed. */
	f->digest = (int64_t)(r->digest >> 1);
	if ((rc = need(r, "district", x->district)) != 0 ||
	    (rc = read_subject(r, data, sv)) != 0)
		return rc;
	f->community = field(r, data, "community", 0);
	if (empty(f->community))
		f->community = NULL;
	/* The class as the form computed it. Without one, a person whose
	 * haemoglobin was measured is missing a class (""), one who was
	 * not measured (a baby under 6 months) has none (NULL). */
	f->anemia = field(r, data, "anemia", 1);
	measured = field(r, data, "hb_measured", 2);
	if (empty(f->anemia))
		f->anemia = empty(measured) ? NULL : "";
	f->hb_group = field(r, data, "hb_group", 3);
	f->hb_rule = field(r, data, "hb_rule", 4);
	f->water_ladder = field(r, data, "water_ladder", 5);
	f->sanitation_ladder = field(r, data, "sanitation_ladder", 6);
	f->hygiene_ladder = field(r, data, "hygiene_ladder", 7);
	f->in_use = field(r, data, "improvements_in_use", 8);
	if (sv == NULL)
		return 0;
	if ((rc = need(r, "household_id", field(r, data, "household_id",
	    9))) != 0 ||
	    (rc = need(r, "visit_date", field(r, data, "visit_date", 9))) != 0)
		return rc;
	switch (sv->section) {
	case SECTION_ANAEMIA:
		if (f->anemia != NULL && *f->anemia == '\0')
			rc = need(r, "anemia", NULL);
		if (rc == 0)
			rc = read_growth(r, data);
		break;
	case SECTION_WASH:
		if ((rc = need(r, "water_ladder", f->water_ladder)) == 0 &&
		    (rc = need(r, "sanitation_ladder",
		    f->sanitation_ladder)) == 0)
			rc = need(r, "hygiene_ladder", f->hygiene_ladder);
		break;
	case SECTION_IMPROVEMENTS:
		if ((rc = need(r, "improvements_in_use", f->in_use)) == 0)
			rc = read_components(r, data);
		break;
	default:
		break;
	}
	return rc;
}

struct update {
	struct reading		 r;
	struct hub_facts_writer	*w;
	struct err		*e;
};

static int
put_row(const struct hub_stored *x, void *arg)
{
	struct update	*u = arg;
	int		 rc;

	if ((rc = read_line(&u->r, x)) == 0) {
		u->r.f.missing = u->r.missing.len > 0 ? u->r.missing.p : NULL;
		rc = hub_store_facts_put(u->w, &u->r.f, u->e);
	} else if (rc == ERR_NOMEM)
		err_set(u->e, rc, _("out of memory"));
	json_decref(u->r.root);
	u->r.root = NULL;
	return rc;
}

/*
 * One transaction: the next chunk (after making the tables current with
 * the version, and dropping their indexes for a bulk), or, with nothing
 * left to read, the indexes. *left how many remained before it.
 */
static int
chunk(struct hub_store *st, const struct report_config *cfg,
    struct update *u, int *bulk, int64_t *added, int64_t *left,
    struct err *e)
{
	char	*version = NULL;
	int64_t	 last, behind, n = 0;
	int	 rc;

	if ((rc = hub_store_facts_open(st, &u->w, &version, &last, &behind,
	    e)) != 0)
		return rc;
	if (strcmp(version, cfg->facts_version) != 0) {
		rc = hub_store_facts_reset(u->w, cfg->facts_version, e);
		behind += last;
		last = 0;
	}
	free(version);
	*left = behind;
	if (rc == 0 && behind > FACTS_BULK && !*bulk) {
		*bulk = 1;
		rc = hub_store_facts_indexes(u->w, 0, e);
	}
	if (rc == 0 && behind > 0)
		rc = hub_store_each_after(st, last, *bulk ? FACTS_BULK_CHUNK :
		    FACTS_CHUNK, put_row, u, &n, e);
	else if (rc == 0)
		rc = hub_store_facts_indexes(u->w, 1, e);
	if (rc != 0) {
		hub_store_facts_close(u->w, 0, NULL);
		return rc;
	}
	if ((rc = hub_store_facts_close(u->w, 1, e)) == 0)
		*added += n;
	return rc;
}

int
facts_update(struct hub_store *st, const struct report_config *cfg,
    int64_t *added, struct err *e)
{
	struct update	 u;
	int64_t		 n = 0, left;
	int		 current, bulk = 0, rc;

	if (added != NULL)
		*added = 0;
	if ((rc = hub_store_facts_current(st, cfg->facts_version, &current,
	    e)) != 0 || current)
		return rc;
	memset(&u, 0, sizeof(u));
	u.r.cfg = cfg;
	u.e = e;
	buf_init(&u.r.missing, BATCH_LINE_MAX);
	buf_init(&u.r.subject, BATCH_LINE_MAX);
	buf_init(&u.r.programmes, BATCH_LINE_MAX);
	buf_init(&u.r.vpath, BATCH_LINE_MAX);
	buf_init(&u.r.components, BATCH_LINE_MAX);
	do
		rc = chunk(st, cfg, &u, &bulk, &n, &left, e);
	while (rc == 0 && left > 0);
	if (added != NULL)
		*added = n;
	if (rc != 0 && e != NULL && e->code == 0)
		err_set(e, rc, _("out of memory"));
	if (rc != 0)
		err_prefix(e, "%s", _("cannot bring the report's tables up "
		    "to date"));
	buf_release(&u.r.components);
	buf_release(&u.r.missing);
	buf_release(&u.r.subject);
	buf_release(&u.r.programmes);
	buf_release(&u.r.vpath);
	return rc;
}
