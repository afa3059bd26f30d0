/*
 * forms.h: the form engine, a pure library (no terminal, no SQLite, no
 * network). Read top to bottom it is the pipeline:
 *
 *   bytes --workbook_load--> struct workbook   (sheets of text cells)
 *         --form_build-----> struct form       (fields, choices, bound
 *                                               expressions, diagnostics)
 *         --session_new----> struct session    (an instance tree being
 *                                               filled, validated, walked)
 *         --session_to_json/xml--> the submission
 *
 * Expressions (relevant, constraint, calculation...) are parsed once into
 * trees owned by the form's arena and evaluated against the session's
 * instance tree, with the ODK XForms semantics (getodk.github.io/xforms-spec,
 * JavaRosa where the spec is silent).
 */
#ifndef FORMS_H
#define FORMS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/common.h"

/* Ceilings on input from outside. */
#define FORM_MAX_BYTES		(32u << 20)	/* a form file as given */
#define XLSX_MAX_INFLATED	(256u << 20)	/* all parts read, inflated */
#define WORKBOOK_MAX_CELLS	(2u << 20)	/* non-empty cells, all sheets */
#define WORKBOOK_MAX_COLS	16384		/* Excel's own limit */
#define WORKBOOK_MAX_ROWS	1048576		/* Excel's own limit */
#define EXPR_MAX_LEN		(64u << 10)	/* one expression's source */
#define EXPR_MAX_DEPTH		200		/* nesting of an expression */
#define FORM_MAX_EXPR_NODES	(1u << 20)	/* parsed terms of all of a
						 * form's expressions, since
						 * 1,000 cells may share one
						 * 64 KB string: 250 MB at
						 * most; the bench's 100,000
						 * questions use 580,000, real
						 * forms a few hundred */
#define FORM_MAX_DEPTH		100		/* groups and repeats nested;
						 * every walk recurses along it
						 * (real forms stay under 10) */
#define ANSWER_MAX_LEN		(64u << 10)	/* one answer's text */
#define FORM_MAX_ID_LEN		255		/* form id, version (bytes) */
#define ANSWERS_JSON_MAX	(8u << 20)	/* an --answers JSON text */
#define SUBMISSION_MAX_BYTES	(64u << 20)	/* a submission's JSON or XML */

/* ------------------------------------------------------------------ */
/* Diagnostics: FILE:SHEET:ROW[:COLUMN]: error|warning: message        */

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_level	 level;
	char		*sheet;		/* NULL: the file as a whole */
	int		 row;		/* 1-based spreadsheet row; 0: none */
	char		*column;	/* column header as written, or NULL */
	char		*msg;
	size_t		 seq;		/* order of arrival, for sorting */
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 nerrors;
};

void	diags_init(struct diags *d);
void	diags_add(struct diags *d, enum diag_level level, const char *sheet,
	    int row, const char *column, const char *fmt, ...) PRINTFLIKE(6, 7);
/* One line per diagnostic, prefixed with file, sorted by sheet then row. */
int	diags_format(const struct diags *d, const char *file, struct buf *out);
void	diags_release(struct diags *d);

/* ------------------------------------------------------------------ */
/* Workbook: the sheets of a spreadsheet as text (xlsx, csv, md)        */

struct wb_row {
	int	  line;		/* 1-based row number in the file */
	size_t	  ncells;
	char	**cells;	/* cells[i] is NULL when empty */
};

struct wb_sheet {
	char		*name;	/* as written in the file */
	size_t		 nrows;
	struct wb_row	*rows;	/* only rows with a non-empty cell */
};

struct workbook {
	struct arena	 arena;	/* owns everything below */
	size_t		 nsheets;
	struct wb_sheet	*sheets;
};

/*
 * Read a spreadsheet from memory. The format is told by the content, not
 * the name: an .xlsx (zip) by its "PK" signature, an old .xls (OLE2) is
 * refused with a message saying to save it as .xlsx, a pyxform markdown
 * table by a leading '|', anything else is read as pyxform's single-file
 * CSV layout (the sheet name in the first column of the row that starts
 * it, then its rows with the first column empty). Cells read as pyxform
 * does: numbers as written back by Excel without a trailing ".0" (1 not
 * 1.0), booleans as TRUE/FALSE, formulas as their saved value, shared and
 * inline strings alike, leading and trailing blanks kept. name is used in
 * errors only. On failure wb is empty and e says what and where.
 */
int	workbook_load(struct workbook *wb, const char *name, const void *data,
	    size_t len, struct err *e);
/* The sheet of that name, compared without case and surrounding blanks. */
const struct wb_sheet *workbook_sheet(const struct workbook *wb,
	    const char *name);
void	workbook_release(struct workbook *wb);

/* ------------------------------------------------------------------ */
/* The form model                                                      */

enum field_kind {
	FK_GROUP,		/* begin group ... end group; also the root */
	FK_REPEAT,		/* begin repeat ... end repeat */
	FK_TEXT,
	FK_INTEGER,
	FK_DECIMAL,
	FK_SELECT_ONE,
	FK_SELECT_MULTIPLE,
	FK_DATE,
	FK_TIME,
	FK_DATETIME,
	FK_GEOPOINT,
	FK_NOTE,		/* shown, never answered */
	FK_CALCULATE,		/* computed, never shown */
	FK_ACKNOWLEDGE,		/* answered "OK" */
	FK_HIDDEN,		/* holds a default or a value, never shown */
	FK_META,		/* start end today deviceid username instanceID
				 * ...: filled by the program */
	FK_UNSUPPORTED		/* image audio video barcode file...: loads,
				 * cannot be filled in a terminal */
};

struct expr;			/* a parsed expression; see below */
struct form_deps;
struct choice_list;

/*
 * Text in every language of the form: v[i] is the text in form->langs[i],
 * or NULL. Use form_text() to read it with fallbacks.
 */
struct text {
	char	**v;
};

struct field {
	enum field_kind		 kind;
	char			*name;
	char			*type;		/* the type cell as written */
	char			*meta;		/* FK_META: "start", "end"... */
	int			 row;		/* row in the survey sheet */
	size_t			 index;		/* in form->fields */
	int			 depth;		/* root is 0 */
	struct field		*parent;	/* NULL for the root */
	struct field		**kids;		/* groups and repeats */
	size_t			 nkids;
	size_t			 slot;		/* in parent->kids */
	struct field		*repeat;	/* innermost enclosing repeat,
						 * or NULL */

	struct text		 label;
	struct text		 hint;
	struct text		 constraint_msg;
	struct text		 required_msg;

	/* Bound expressions, or NULL when the column is empty. required
	 * "yes"/"true"/"TRUE()" becomes the expression true(). */
	struct expr		*relevant;
	struct expr		*constraint;
	struct expr		*calculation;
	struct expr		*required;
	struct expr		*readonly;
	struct expr		*choice_filter;
	struct expr		*repeat_count;
	/* default: a literal (default_value) or, when the cell holds an
	 * expression (a function call or ${ref}), default_expr evaluated
	 * once when the node is created, as ODK's dynamic defaults. */
	char			*default_value;
	struct expr		*default_expr;
	/* trigger: recompute calculation only when these change (ODK) */
	struct expr		*trigger;

	const struct choice_list *list;		/* selects */
	char			*appearance;
	char			*parameters;
	int			 or_other;	/* "or specify other" */
	const struct field_range *range;	/* NULL unless a range */
};

/*
 * A range question's values: start + k * step between start and end
 * (either may be the larger), ODK's defaults 1, 10, 1. Exact decimals:
 * each number is m / 10^scale, the one scale of the three, so that 0.1
 * steps compare without binary rounding. The texts as the form wrote
 * them, for messages.
 */
struct field_range {
	int64_t		 start, end, step;
	int		 scale;
	const char	*start_text, *end_text, *step_text;
};

struct choice {
	char		 *name;
	struct text	  label;
	int		  row;
	/* Every other column of the choices sheet (for choice_filter, which
	 * names them bare: "state = ${state}"). */
	size_t		  ncols;
	char		**colnames;
	char		**colvals;	/* NULL when empty */
};

/*
 * Names to positions in an array, hashed (open addressing, linear
 * probing), so that loading a list of 100,000 places, or 100,000
 * questions, stays linear: a slot holds a position + 1, 0 is empty; cap
 * is a power of two, at least twice n. Built by form.c.
 */
struct name_index {
	uint32_t	*slot;
	size_t		 cap;
	size_t		 n;		/* positions indexed */
};

enum list_origin {
	LIST_CHOICES,		/* the choices sheet */
	LIST_EXTERNAL,		/* the external_choices sheet: only for
				 * select_one_external, never clashes */
	LIST_FILE		/* an attachment's rows (see form_attach) */
};

struct media_index;

struct choice_list {
	char		*name;		/* LIST_FILE: the instance id, the
					 * file's stem ("communities") */
	struct choice	*v;
	size_t		 n;
	int		 row;		/* first row in the choices sheet;
					 * LIST_FILE: the first survey row
					 * that needs the file */
	struct name_index idx;		/* v by name, for form_choice();
					 * a choice past idx.n is found
					 * by a scan */
	enum list_origin origin;
	/* LIST_FILE: the attachment's name ("communities.csv"), the
	 * columns that give each row's name and label (the question's
	 * parameters value= and label=, else ODK's defaults), whether
	 * form_attach has read it, and its rows indexed by every column. */
	char		*file;
	char		*value_col;
	char		*label_col;
	int		 attached;
	struct media_index *index;
};

struct form_lang {
	char	*name;		/* as written: "Español (es)", or "default" */
	char	*code;		/* "es" from "(es)", or NULL */
};

struct form {
	struct arena		 arena;		/* owns everything here */
	char			*file;		/* name given to form_build */
	char			*id;		/* settings form_id, else file
						 * stem */
	char			*title;
	char			*version;	/* "" when unset */
	struct expr		*instance_name;
	struct form_lang	*langs;
	size_t			 nlangs;	/* at least 1 */
	size_t			 default_lang;
	struct field		*root;		/* FK_GROUP named after id, or
						 * "data" if id is no XML name */
	struct field		**fields;	/* pre-order, root first */
	size_t			 nfields;
	struct field		**byname;	/* fields but the root, by
						 * name then order: for
						 * form_field() */
	struct choice_list	*lists;
	size_t			 nlists;
	struct name_index	 list_idx;	/* lists by name */
	size_t			 nunsupported;	/* FK_UNSUPPORTED fields */
	size_t			 nmedia;	/* LIST_FILE lists */
	/* Set by the program that gives the form its attachments (the
	 * collector): a question over a file it lacks is then an error.
	 * Unset (the hub, which keeps none), such answers are taken as
	 * written. */
	int			 media_given;
	struct form_deps	*deps;		/* what each field's
						 * expressions read, for the
						 * sessions (session.c) */
};

/*
 * Build a form from a workbook, reporting every problem found into d (an
 * error per broken row, warnings for what is tolerated). Returns 0 and
 * *out when the form has no errors; ERR_INPUT when it has (*out NULL);
 * ERR_NOMEM. Diagnostics name the sheet, row and column.
 */
int	form_build(const struct workbook *wb, const char *file,
	    struct form **out, struct diags *d, struct err *e);
/* workbook_load + form_build: a file's bytes to a form. A file that is not
 * a spreadsheet is one diagnostic naming the file. */
int	form_load(const char *file, const void *data, size_t len,
	    struct form **out, struct diags *d, struct err *e);
void	form_free(struct form *f);

const struct field *form_field(const struct form *f, const char *name);
/* Whether the person sees the field: every question, note and
 * acknowledge; not groups, repeats, calculations, hidden or metadata. */
int	field_shown(const struct field *f);
/* 0 when value (a number as the session normalised it) is one of the
 * range question f's values (or f is no range), else ERR_INPUT naming
 * the range's bounds and step. */
int	field_range_check(const struct field *f, const char *value,
	    struct err *e);
/* The list instance('name') reads: of the choices sheet or an
 * attachment's (by its stem); never one of external_choices. */
const struct choice_list *form_list(const struct form *f, const char *name);
const struct choice *form_choice(const struct choice_list *l,
	    const char *name);
/* Index of a language by code or name (case-insensitive), or -1. */
int	form_lang(const struct form *f, const char *code_or_name);
/* t in lang, else in the default language, else any; NULL if none. */
const char *form_text(const struct form *f, const struct text *t,
	    size_t lang);
/*
 * Warnings (into d) for one sheet's translations of f: a language's text
 * of a row that is empty, lacks a number, unit or ${reference}, has fewer
 * sentences than the default language's, or is the same untranslated
 * text. The column "translation_ok" silences the cells it names
 * (translation.c, docs/forms.md). form_build calls it.
 */
void	translation_check(const struct form *f, const struct wb_sheet *sh,
	    struct diags *d);

/* ------------------------------------------------------------------ */
/* Attachments: the files ODK sends beside a form (its "media")        */

/*
 * A form names the files it reads: select_one_from_file F and
 * select_multiple_from_file F, the csv-external and xml-external rows
 * (F = name.csv, name.xml), pulldata('name', ...) (name.csv). Each is a
 * LIST_FILE list of the form, empty until form_attach reads the file:
 * CSV (a header row; every column kept), XML (the document element's
 * children are the rows, their children the columns) or GeoJSON (a
 * FeatureCollection; each feature a row of its properties, its "id" and
 * its geometry as ODK's "lat lon alt accuracy"). A row's name and label
 * come from the columns the question's parameters name (value=, label=),
 * else "name" and "label" ("id" and "title" for GeoJSON); label::Lang
 * columns give the label in that language.
 */
#define MEDIA_MAX_BYTES		(32u << 20)	/* one attachment */
#define MEDIA_MAX_DEPTH		32		/* XML or JSON nesting */
#define MEDIA_MAX_ROWS		1000000		/* rows of one attachment */

/* ODK Collect's media folder of a form file: "dir/name-media" for
 * "dir/name.xlsx". Caller frees; NULL: out of memory. */
char	*media_dir(const char *form_file);
/* Whether name can be an attachment's file name: no directory, no
 * "..", no leading dot, no control character. */
int	media_name_ok(const char *name);
/* The i-th file the form needs (0 <= i < f->nmedia), with a list that
 * reads it. */
const struct choice_list *form_media(const struct form *f, size_t i);
/*
 * Read an attachment's bytes into every list of f that names the file;
 * a file the form does not read is ignored (0). Bad content (not UTF-8,
 * a NUL byte, broken CSV, JSON or XML, nested past MEDIA_MAX_DEPTH, over
 * MEDIA_MAX_BYTES) is ERR_INPUT naming the file and the place; the lists
 * stay empty.
 */
int	form_attach(struct form *f, const char *name, const void *data,
	    size_t len, struct err *e);
/*
 * Where a program finds a form's attachments, by name: the bytes into
 * *data (malloc'd, a NUL after the *len bytes; NULL with *missing 1 when
 * there is no such file), or an error naming the file.
 */
typedef int media_read_fn(void *arg, const char *name, char **data,
	    size_t *len, int *missing, struct err *e);
/* Given each attachment read and attached; owns data from then on. */
typedef int media_keep_fn(void *arg, const char *name, char *data,
	    size_t len, struct err *e);
struct bundled_file;
/*
 * The two places attachments are read from, as a media_read_fn over a
 * struct media_source: the files of an array ending with a NULL name
 * (files; a survey's bundled ones, those a device fetched), else the
 * folder dir open as dirfd (file_read_in; -1: there is no folder, every
 * file is missing).
 */
struct media_source {
	const struct bundled_file	*files;
	int				 dirfd;
	const char			*dir;
};
int	media_source_read(void *arg, const char *name, char **data,
	    size_t *len, int *missing, struct err *e);

/*
 * Every file f needs (form_media), read through read and attached, as
 * ODK Collect does with a form's media folder: a missing file is a
 * warning in d naming where (its list stays empty), a file read or
 * attached with an error is an error in d at the row that needs it (the
 * others are still read), and the rest go to keep (NULL: freed). Only
 * running out of memory, or keep failing, stops the walk and is
 * returned. Sets f->media_given.
 */
int	form_attach_all(struct form *f, const char *where,
	    media_read_fn *read, media_keep_fn *keep, void *arg,
	    struct diags *d, struct err *e);
/* The first row of l whose column col holds value, or NULL: a hash
 * lookup for attachments (pulldata(), instance()[col = v]). */
const struct choice *media_lookup(const struct choice_list *l,
	    const char *col, const char *value);
/* A row's value in column col ("name", "label" or another), or NULL. */
const char *choice_col(const struct choice *c, const char *col);

/* ------------------------------------------------------------------ */
/* The instance: the tree of values being filled                       */

/*
 * One node per field occurrence. A group or repeat instance has a child per
 * kid field in order, except that a kid repeat has zero or more children,
 * one per instance, contiguous. Values are the text ODK stores (integers
 * "12", decimals "11.5", dates "2025-01-31", select_multiple "a b"); NULL
 * is empty. Owned by the session.
 */
struct inode {
	const struct field	 *field;
	struct inode		 *parent;
	struct inode		**kids;
	size_t			  nkids;
	size_t			  cap;
	char			 *value;
	unsigned		  relevant : 1;	/* self and every ancestor */
};

/* 1-based position among the siblings of the same field (repeats). */
size_t	inode_position(const struct inode *n);

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

/*
 * Parse an XPath expression of XLSForm (with ${name} references) into a
 * tree allocated in a. Curly quotes are read as straight ones. Unknown
 * functions are a parse error. On error: ERR_INPUT, e->msg says what,
 * *errpos (if not NULL) is where it was found, as the 1-based character
 * (not byte) an editor shows: the one convention of every message.
 */
int	expr_parse(struct arena *a, const char *src, struct expr **out,
	    size_t *errpos, struct err *e);
/*
 * Bind every ${name} in x to the form's field; an unknown name is
 * ERR_INPUT ("unknown question '${nme}'"). context is the field the
 * expression belongs to (for '.' and '..').
 */
int	expr_bind(struct expr *x, const struct form *f,
	    const struct field *context, struct err *e);
/* Call fn for every field x references (after binding). */
void	expr_refs(const struct expr *x,
	    void (*fn)(const struct field *, void *), void *arg);
/* A bare name in x that can name nothing from context ("age > 3", a
 * forgotten ${}), or NULL. Not for choice_filter, where bare names are
 * the choices' columns. */
const char *expr_stray_name(const struct expr *x,
	    const struct field *context);
/*
 * Whether x reads nodes of the primary instance that expr_refs cannot
 * name: a location path from the root, or from the context or current()
 * other than "." itself. A path into a choice list (instance('list')/
 * root/item[...]) does not count: the list never changes, and the ${}
 * references of its predicates are named by expr_refs. What reads such
 * paths must be evaluated whenever anything changed.
 */
int	expr_reads_paths(const struct expr *x);
/* Whether x calls the function of that name anywhere ("pulldata"). */
int	expr_calls(const struct expr *x, const char *name);
/* The source text x was parsed from. */
const char *expr_source(const struct expr *x);
/* The nodes of x's tree: what FORM_MAX_EXPR_NODES counts. */
size_t	expr_size(const struct expr *x);
/*
 * Do once what every evaluation of x would do again: compile the literal
 * patterns of regex() (its compiling and its automaton cost more than the
 * rest of a form's expressions together). Optional; expr_release frees
 * it, the tree staying in its arena. form_build and form_free do both
 * for a form's expressions.
 */
void	expr_prepare(struct expr *x);
void	expr_release(struct expr *x);

/* What an expression is evaluated against. */
struct eval_env {
	const struct form	*form;
	const struct inode	*root;
	const struct inode	*here;	/* the node '.' names */
	double			 now;	/* for now(), today() */
	size_t			 lang;	/* for jr:choice-name() */
	/* choice_filter: the choice being tested; its name, label and
	 * columns are what bare names in the filter refer to. */
	const struct choice	*choice;
	/* once(): the current value of the node being calculated */
	const char		*current;
};

/*
 * Evaluate x. As text: what ODK would store (numbers without a trailing
 * ".0", NaN as "" and infinities as "Infinity" and "-Infinity" as
 * JavaRosa stores them, booleans "true"/"false", a node-set as its first
 * node's value); the caller frees *out. As a boolean: XPath's
 * boolean(). Type errors in the spec's sense (a function given a value it
 * cannot take) are ERR_INPUT with a message naming the function.
 */
int	expr_eval_text(const struct expr *x, const struct eval_env *env,
	    char **out, struct err *e);
/*
 * A calculation's value as stored in a node of that kind, as JavaRosa's
 * IAnswerData.wrapData stores it: expr_eval_text's text, NaN empty and
 * infinities "Infinity" / "-Infinity", except that a number calculated
 * for an integer question is Java's (int) of it (3.5 is 3, Infinity is
 * 2147483647), so that what ODK sends is what the hub computes.
 */
int	expr_eval_answer(const struct expr *x, const struct eval_env *env,
	    enum field_kind kind, char **out, struct err *e);
int	expr_eval_bool(const struct expr *x, const struct eval_env *env,
	    int *out, struct err *e);
int	expr_eval_number(const struct expr *x, const struct eval_env *env,
	    double *out, struct err *e);
/* XPath number(): the text's number, NaN for "" and non-numbers. Dates
 * (YYYY-MM-DD) become days since 1970-01-01. */
double	expr_text_number(const char *s);
/* A number as ODK stores it in text (see expr_eval_text); out >= 32. */
void	expr_number_text(double v, char *out, size_t n);

/* ------------------------------------------------------------------ */
/* The session: filling one submission                                 */

struct session;

struct session_opts {
	const char	*instance_id;	/* "uuid:..."; NULL: a new one */
	const char	*device_id;
	const char	*username;	/* the promoter */
	const char	*phone;
	const char	*deprecated_id;	/* an edit: the revision replaced */
	size_t		 lang;		/* index in form->langs */
	double		 start;		/* 0: clock_now() */
	int		 partial;	/* answers may be missing, as in a
					 * draft (forms eval): a required
					 * question without an answer is no
					 * problem; the answers given are
					 * checked all the same */
};

/* Where the walk is. */
enum step_kind {
	STEP_QUESTION,		/* node is a question to show or answer */
	STEP_REPEAT_PROMPT,	/* ask whether to add an instance of field
				 * inside parent */
	STEP_END		/* past the last question */
};

struct step {
	enum step_kind		 kind;
	struct inode		*node;		/* STEP_QUESTION */
	const struct field	*field;		/* the question or repeat */
	struct inode		*parent;	/* STEP_REPEAT_PROMPT */
	size_t			 count;		/* instances so far */
};

int	session_new(const struct form *f, const struct session_opts *o,
	    struct session **out, struct err *e);
void	session_free(struct session *s);
struct inode *session_root(struct session *s);
const char *session_instance_id(const struct session *s);
/* What the session was made with (for the submission's output). */
const struct form *session_form(const struct session *s);
const char *session_deprecated_id(const struct session *s);
/* settings instance_name evaluated now, or NULL; caller frees. */
char	*session_instance_name(struct session *s);

/*
 * The walk. session_first goes to the first relevant question; next and
 * prev move from st to the next or previous relevant question the person
 * must see (notes and acknowledge included; calculate, hidden and meta
 * never), stopping at a repeat prompt where a repeat without repeat_count
 * may get another instance, and at STEP_END. Questions inside a
 * non-relevant group are skipped.
 */
int	session_first(struct session *s, struct step *st);
int	session_next(struct session *s, struct step *st);
int	session_prev(struct session *s, struct step *st);

/*
 * Answer a question with text as a person types it. Checks, in order: the
 * type (integer, decimal, date as YYYY-MM-DD or DD/MM/YYYY, time,
 * choice numbers or names for selects, geopoint "lat lon [alt acc]"), the
 * constraint (its message in the session's language), then required. On
 * success the normalised value is stored, calculations and relevance are
 * recomputed; what became non-relevant keeps its value, hidden (read as
 * empty, left out of the JSON and XML) until it is relevant again, as in
 * ODK Collect. On failure the value
 * is unchanged and e->msg is for the person (ERR_INPUT). An empty text
 * clears the answer (refused when required).
 */
int	session_answer(struct session *s, struct inode *node, const char *text,
	    struct err *e);
/*
 * Persistence. A store keeps every leaf that has a value (answers, meta,
 * calculations: once() must survive; non-relevant ones too, kept hidden
 * until session_drop_hidden) as path -> value, and every repeat
 * instance as its path -> "" ("child[2]"), so that an instance nothing is
 * answered in yet survives too.
 *
 * session_restore sets a stored value back without checks (resuming a
 * draft, editing a submission), creating the repeat instances its path
 * names; call session_recompute once after the last one. The first
 * restore into a fresh session first empties what session_new filled in
 * (defaults, calculations; not metadata): the store holds the truth.
 * session_each_value visits every leaf with a value and every repeat
 * instance, in document order.
 * session_take_changes visits the leaves whose value changed since the last
 * call (value NULL: cleared, e.g. because it became non-relevant, or a path
 * that no longer exists after a repeat instance was removed) and forgets
 * them: what a store must write after each accepted answer.
 */
int	session_restore(struct session *s, const char *path, const char *value,
	    struct err *e);
void	session_recompute(struct session *s);
typedef void session_value_fn(const char *path, const char *value,
	    void *arg);
void	session_each_value(struct session *s, session_value_fn *fn, void *arg);
void	session_take_changes(struct session *s, session_value_fn *fn,
	    void *arg);
/* Add an instance to a repeat (at a STEP_REPEAT_PROMPT), or remove one. */
int	session_add_repeat(struct session *s, struct inode *parent,
	    const struct field *repeat, struct inode **out, struct err *e);
int	session_remove_repeat(struct session *s, struct inode *inst,
	    struct err *e);

/* The choices of a select question, filtered by its choice_filter; the
 * array is the session's, valid until the next call. */
int	session_choices(struct session *s, const struct inode *node,
	    const struct choice ***out, size_t *n, struct err *e);
/*
 * A form's text (label, hint, message) with each ${name} replaced by the
 * answer to that question as read from at (its repeat entry first), as
 * ODK shows an <output>: "el código del distrito (${district}-…)". A name
 * that is no question stays as written. Caller frees; NULL: out of
 * memory. The messages of session_answer and session_validate have it
 * done.
 */
char	*session_text(struct session *s, const struct inode *at,
	    const char *text);
/* Whether node must be answered now (evaluates required). */
int	session_required(struct session *s, const struct inode *node);
/* Whether node is shown but not answered: read_only true, or a
 * calculation (a calculated select_one: its value is the form's). */
int	session_read_only(struct session *s, const struct inode *node);

/*
 * Check the whole instance as at finalizing: every relevant required
 * question answered, every constraint true. Adds one diagnostic per problem
 * (sheet "survey", the field's row, column = the node's path); returns the
 * number of problems.
 */
size_t	session_validate(struct session *s, struct diags *d);

/*
 * Fill from the data object of --answers (a JSON text: an object keyed by
 * question name, groups nested as objects, repeats as arrays of objects)
 * through session_answer, so the same checks apply. Every problem is added
 * to d, as "path: message"; returns the number of problems (0: all
 * accepted). Unknown names are problems too. A text that is not a JSON
 * object (malformed, too large) is ERR_INPUT in e instead, and counts 1.
 */
size_t	session_fill_json(struct session *s, const char *json, size_t len,
	    struct diags *d, struct err *e);
/*
 * The same from the data object already parsed (jansson's json_t, as the
 * hub has a submission's data from its envelope): no second parse. obj
 * is not changed; anything but an object is ERR_INPUT in e, counting 1.
 */
struct json_t;
size_t	session_fill_value(struct session *s, struct json_t *obj,
	    struct diags *d, struct err *e);

/* "household/children[2]/name": a node's path below the root, with 1-based
 * repeat positions. Caller frees. */
char	*inode_path(const struct inode *n);
struct inode *session_find(struct session *s, const char *path);

/* Stamp the "end" metadata and anything computed at finalization. */
void	session_finalize(struct session *s, double when);
/* Clear the values kept for non-relevant nodes (session_answer): what a
 * finalized submission leaves out of its store too. The store hears of
 * them through session_take_changes. */
void	session_drop_hidden(struct session *s);

/* The data object of CONTRACT.md (groups objects, repeats arrays, numbers
 * as JSON numbers, non-relevant absent, unanswered null), as JSON text.
 * Caller frees. */
char	*session_data_json(struct session *s);
/* The ODK instance XML (<form_id id="..." version="...">...). Caller
 * frees. */
char	*session_instance_xml(struct session *s);

/* ------------------------------------------------------------------ */
/* The province's surveys, bundled into the programs (generated from    */
/* forms/surveys/ by forms/surveys/embed.sh; in build/libsurveys.a)      */

struct bundled_file {
	const char		*name;	/* "anemia.csv", "growth_wfa.csv" */
	const unsigned char	*data;
	size_t			 len;
};

/* A survey and its attachments (forms/surveys/NAME-media/: media ends
 * with a NULL name). */
struct bundled_form {
	const char			*name;
	const unsigned char		*data;
	size_t				 len;
	const struct bundled_file	*media;
};

extern const struct bundled_form	bundled_forms[];
extern const size_t			bundled_nforms;

#endif
