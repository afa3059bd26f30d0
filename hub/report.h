/*
 * report.h: `hub report`, the indicators by district (included by hub.h).
 *
 *   report_data.c   the rules and baselines, read from hub/data/ (CSV)
 *                   (built into the program): the districts, the plan's
 *                   baselines, the order and names of each scale's values
 *                   (anaemia, growth, ladders...), the anaemia groups,
 *                   which form is which survey
 *   facts.c         what the report counts of each submission, read from
 *                   its line once into the report's tables (store.h)
 *   report.c        the figures: SQL tallies over those tables into one
 *                   JSON tree, the report itself (docs/coordinator.md
 *                   documents every field)
 *   report_text.c   the tree as aligned tables, for a terminal
 *   report_html.c   the tree as a self-contained page
 *
 * The report classifies nothing: the classes, rungs and statuses are the
 * values the forms computed (anemia, stunting, water_ladder...), the
 * z-scores behind the growth classes included. It counts them.
 */
#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/common.h"

struct json_t;
struct hub_store;

/* ------------------------------------------------------------------ */
/* The data files (report_data.c)                                      */

/* A file of hub/data/, built into the program by hub/data/embed.sh. */
struct report_file {
	const char		*name;		/* "districts.csv" */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct report_file	report_files[];	/* ends with a NULL name */

struct report_district {
	const char	*ubigeo;
	const char	*name;
};

/* One value of a scale, in the scale's order. */
struct report_value {
	const char	*name;		/* as the form stores it: "mild" */
	const char	*label;
	int		 any;		/* counts_as "any": counted in "any
					 * anaemia" */
};

/* The ordered values of a classification: anemia, water_ladder... */
struct report_scale {
	const char		*name;
	struct report_value	*v;
	size_t			 n;
};

/* An anaemia group of the report (children_6_23...), and which values
 * of the form's hb_group fall in it. */
struct report_group {
	const char	*name;
	const char	*label;
};

struct report_hbgroup {
	const char	*hb_group;
	size_t		 group;		/* index in groups */
};

enum report_section {
	SECTION_OTHER,			/* counted as submissions only */
	SECTION_ANAEMIA,
	SECTION_WASH,
	SECTION_IMPROVEMENTS
};

/* Which survey a form is, and the fields that name what it is about
 * (the household, or the person in it): two current submissions with
 * the same ones are the same subject surveyed twice. */
struct report_survey {
	const char		*form_id;
	enum report_section	 section;
	const char		**subject;
	size_t			 nsubject;
};

struct report_component {
	const char	*field;		/* improved_stove */
	const char	*programme_field; /* improved_stove_programme */
	const char	*label;
};

/* A figure of the plan beside the measured one. */
struct report_baseline {
	const char	*id;
	double		 percent;
	const char	*counts;	/* "anemia", a ladder, or "programme" */
	const char	**values;	/* counted over those with a value of
					 * the scale (anemia, ladder), or the
					 * programme named (programme) */
	size_t		 nvalues;
	const char	**among;	/* anaemia groups; none: all */
	size_t		 namong;
	const char	*label;
	const char	*source;
};

struct report_config {
	struct arena		 arena;		/* owns everything below */
	struct report_district	*districts;
	size_t			 ndistricts;
	struct report_baseline	*baselines;
	size_t			 nbaselines;
	struct report_scale	*scales;
	size_t			 nscales;
	struct report_group	*groups;
	size_t			 ngroups;
	struct report_hbgroup	*hbgroups;
	size_t			 nhbgroups;
	struct report_survey	*surveys;
	size_t			 nsurveys;
	struct report_component	*components;
	size_t			 ncomponents;
	int64_t			 silent_days;
	int64_t			 listed_max;
	/* How facts are read (facts.c) under these files: the report's
	 * tables are derived again when it changes. */
	char			 facts_version[40];
};

/* The names of the scales the report reads. */
#define SCALE_ANEMIA		"anemia"
#define SCALE_STATUS		"improvement_status"
#define SCALE_PROGRAMME		"programme"
#define SCALE_STUNTING		"stunting"

/* A child's growth classes (WHO 2006), as the anaemia survey names its
 * fields and scales.csv its scales; in the order of struct hub_facts:
 * stunting, wasting, underweight, overweight. */
#define REPORT_NGROWTH	4
extern const char *const report_growth[REPORT_NGROWTH];

/*
 * Read the data files, from files (report_files when NULL). Labels are
 * taken from the column label_LANG, the language of the program's
 * messages (label_es unless the messages are English). A file that is
 * missing a column or a value is ERR_INPUT naming it and its line.
 */
int	report_config_load(struct report_config *cfg,
	    const struct report_file *files, struct err *e);
void	report_config_release(struct report_config *cfg);
const struct report_scale *report_scale(const struct report_config *cfg,
	    const char *name);
/* The survey form_id is, or NULL. */
const struct report_survey *report_survey(const struct report_config *cfg,
	    const char *form_id);

/* ------------------------------------------------------------------ */
/* Facts (facts.c)                                                     */

/* Submissions read into the report's tables per transaction: a server
 * merging meanwhile waits for one chunk at most (a fraction of a
 * second; a bulk chunk a second or two, once). Past FACTS_BULK to read
 * (a store from before the report, a big import), the tables' indexes
 * are dropped and made again at the end. */
#define FACTS_CHUNK		4096
#define FACTS_BULK		50000
#define FACTS_BULK_CHUNK	65536

/*
 * Bring the report's tables up to date with the store: read every
 * submission stored since they were last brought up to date (all of
 * them, the first time or after the way they are read has changed).
 * Takes the write lock a chunk at a time; nothing to do costs one read.
 * *added (may be NULL) gets how many were read.
 */
int	facts_update(struct hub_store *st, const struct report_config *cfg,
	    int64_t *added, struct err *e);

/* The text a JSON value counts as: NULL for none, "" for null or an
 * empty string, a string's text, a number's shortest text ("3", "11.5")
 * in num. */
const char *facts_value_text(const struct json_t *v, char num[40]);

/* ------------------------------------------------------------------ */
/* The report (report.c)                                               */

#define REPORT_Z95	1.959963984540054	/* two-sided 95 % */

/* The Wilson score interval of x successes in n at z, as proportions;
 * 0 and 0 when n is 0. */
void	report_wilson(int64_t x, int64_t n, double z, double *lo, double *hi);

struct report_opts {
	const char	*from;		/* YYYY-MM-DD, or NULL */
	const char	*to;
	double		 now;		/* clock_now() */
};

/*
 * The report over the store, as a JSON tree (caller decrefs): see
 * docs/coordinator.md for every field. Brings the report's tables up to
 * date first (facts_update).
 */
int	report_build(struct hub_store *st, const struct report_config *cfg,
	    const struct report_opts *o, struct json_t **out, struct err *e);

/* For the writers: the value at a dotted path of object keys and
 * array positions ("anaemia.groups.all", "districts.0"), NULL when
 * there is none; an integer there, 0
 * when there is none. */
struct json_t *report_at(const struct json_t *o, const char *path);
long long report_num(const struct json_t *o, const char *path);

/* The report as aligned text tables (report_text.c). */
int	report_write_text(const struct json_t *r, FILE *fp);
/*
 * The report as HTML (report_html.c): report_write_html a whole
 * self-contained page (inline style, inline SVG, nothing fetched);
 * report_write_html_body only what goes inside <body>, for a page that
 * has its own head (the dashboard), which then needs report_html_css()
 * in its style. Every text from the data is escaped.
 */
int	report_write_html(const struct json_t *r, FILE *fp);
int	report_write_html_body(const struct json_t *r, FILE *fp);
const char *report_html_css(void);
/* Text from anywhere, safe as element content and inside quotes (the
 * dashboard's own parts of its pages use it too). NULL writes nothing. */
void	report_html_esc(FILE *fp, const char *s);

#endif
