/*
 * expr_int.h: what the three parts of the expression engine share, and
 * nothing outside forms/expr_*.c may use.
 *
 *   expr_parse.c  lexer, recursive-descent parser, bind
 *   expr_eval.c   values, conversions, node-sets, paths, operators, the
 *                 public evaluation calls
 *   expr_func.c   the function library and its table: a row per name,
 *                 with its arity and its handler
 *
 * A parsed expression is a tree in the form's arena. Binary operators of
 * one precedence level are a chain (X_CHAIN: first operand, then op and
 * operand pairs) evaluated in a loop, so that "a or b or c ..." with
 * hundreds of terms costs no recursion; only real nesting (parentheses,
 * calls, predicates, unary minus) deepens the tree, and the parser bounds
 * that by EXPR_MAX_DEPTH. Evaluation recursion follows the tree, so it is
 * bounded too.
 */
#ifndef EXPR_INT_H
#define EXPR_INT_H

#include <stddef.h>

#include "forms.h"

/* Work (nodes evaluated, nodes visited) allowed for one evaluation: a
 * predicate inside a predicate over big lists must end, not hang. */
#define EVAL_MAX_WORK		(20u * 1000 * 1000)
/* Scratch memory for one evaluation (strings, node-sets). */
#define EVAL_MAX_MEM		(64u << 20)
/* regex(): longest pattern, and a bound on its expanded size. */
#define REGEX_MAX_LEN		1024
#define REGEX_MAX_COST		20000
#define REGEX_MAX_NEST		32

enum xop {
	X_NUM,		/* literal number: num */
	X_STR,		/* literal string: str */
	X_REF,		/* ${name}: str, field once bound */
	X_FUNC,		/* call: fn, args */
	X_CHAIN,	/* args[0] ops[0] args[1] ops[1] args[2] ... */
	X_NEG,		/* unary minus: args[0] */
	X_PATH		/* location path or filter expression: see below */
};

/* Chain operators, by precedence level. */
enum xbin {
	B_OR, B_AND,
	B_EQ, B_NE,
	B_LT, B_LE, B_GT, B_GE,
	B_ADD, B_SUB,
	B_MUL, B_DIV, B_MOD,
	B_UNION
};

enum xaxis {
	AX_CHILD,
	AX_SELF,
	AX_PARENT,
	AX_DESC_SELF	/* the "//" abbreviation */
};

struct xstep {
	enum xaxis	  axis;
	const char	 *name;		/* NULL: any ("*", node()) */
	struct expr	**preds;
	size_t		  npreds;
};

enum xstart {
	PS_ROOT,	/* "/...": the primary instance's document */
	PS_CONTEXT,	/* "a/b", "./a", "../a": the context node */
	PS_EXPR		/* base[preds]/...: instance('x'), ${x}, (...) */
};

struct fninfo;

struct expr {
	enum xop		 op;
	size_t			 pos;		/* byte offset in src */
	const char		*src;		/* the whole source text */
	double			 num;
	const char		*str;
	const struct fninfo	*fn;
	struct expr		**args;
	size_t			 nargs;
	enum xbin		*ops;		/* X_CHAIN: nargs - 1 */
	/* X_PATH */
	enum xstart		 start;
	struct expr		*base;		/* PS_EXPR */
	struct expr		**bpreds;	/* predicates on base */
	size_t			 nbpreds;
	struct xstep		*steps;
	size_t			 nsteps;
	/* bind: X_REF's field; X_PATH's field when it names one field of
	 * the primary instance statically (for expr_refs) */
	const struct field	*field;
	/* bind: instance('x') and jr:choice-name with a literal */
	const struct choice_list *list;
	/* expr_prepare: regex() with a literal pattern, compiled once
	 * (a regex_t; glibc's regexec locks it, so threads may share it) */
	void			*rx;
};

/* Where byte offset pos of src is, as every message shows a position:
 * the 1-based character (not byte), as an editor counts it
 * (expr_parse.c). */
size_t	expr_charpos(const char *src, size_t pos);

/* The field a "${name}" or "/data/x" text names (jr:choice-name's second
 * argument, given as text), or NULL (expr_parse.c). */
const struct field *expr_field_from_text(const struct form *f,
	    const char *s);

/* The function library (expr_func.c). */
enum fnid {
	F_IF, F_COALESCE, F_CONCAT, F_SELECTED, F_COUNT_SELECTED,
	F_SELECTED_AT, F_CHOICE_NAME, F_STRING, F_STRING_LENGTH, F_SUBSTR,
	F_SUBSTRING_BEFORE, F_SUBSTRING_AFTER, F_CONTAINS, F_STARTS_WITH,
	F_ENDS_WITH, F_TRANSLATE, F_NORMALIZE_SPACE, F_REGEX, F_NUMBER, F_INT,
	F_ROUND, F_POW, F_ABS, F_MIN, F_MAX, F_SUM, F_COUNT,
	F_COUNT_NON_EMPTY, F_POSITION, F_LAST, F_INDEXED_REPEAT, F_TODAY,
	F_NOW, F_DATE, F_DATE_TIME, F_DECIMAL_DATE_TIME, F_DECIMAL_TIME,
	F_FORMAT_DATE, F_FORMAT_DATE_TIME, F_ONCE, F_UUID, F_BOOLEAN,
	F_BOOLEAN_FROM_STRING, F_NOT, F_TRUE, F_FALSE, F_JOIN, F_CHECKLIST,
	F_WEIGHTED_CHECKLIST, F_LOG, F_LOG10, F_EXP, F_EXP10, F_SQRT, F_SIN,
	F_COS, F_TAN, F_ASIN, F_ACOS, F_ATAN, F_ATAN2, F_PI, F_FLOOR,
	F_CEILING, F_DIGEST, F_RANDOM, F_INSTANCE, F_CURRENT, F_VERSION,
	F_PULLDATA,
	F_UNSUPPORTED
};

struct ectx;
struct xctx;
struct val;

/*
 * A row of the function table (SQLite's FuncDef): the name a form writes,
 * the id the parser and binder check special cases by, the arity, and the
 * handler that evaluates the call (its own arguments included). Rows
 * that share a handler tell it apart by id or, for the one-number
 * functions, by math. A row without a handler is a function ODK knows
 * and this engine refuses, for the reason why.
 */
struct fninfo {
	const char	*name;
	enum fnid	 id;
	int		 min;		/* arguments */
	int		 max;		/* -1: no limit */
	int		(*call)(struct ectx *, const struct expr *,
			    const struct xctx *, struct val *);
	double		(*math)(double);
	const char	*why;		/* no handler: the reason */
};

const struct fninfo *expr_fn_lookup(const char *name);

/* Values. */
enum vtype {
	V_STR,
	V_NUM,
	V_BOOL,
	V_NODES,
	V_DATE,		/* n: days since 1970-01-01 (local calendar) */
	V_DATETIME,	/* n: seconds since the epoch */
	V_TIME		/* n: fraction of the local day */
};

enum nkind {
	N_DOC,		/* the primary instance's document ("/") */
	N_INODE,	/* a node of the primary instance */
	N_IDOC,		/* instance('list') */
	N_IROOT,	/* instance('list')/root */
	N_ITEM,		/* .../root/item */
	N_COL		/* .../item/name, label or another column */
};

#define COL_NAME	(-1)
#define COL_LABEL	(-2)

struct xnode {
	enum nkind			 kind;
	const struct inode		*in;
	const struct choice_list	*list;
	const struct choice		*ch;
	int				 col;
};

struct val {
	enum vtype		 t;
	int			 b;
	double			 n;
	/* V_STR: the text; other scalars: the text they were read from (a
	 * node's stored value), or NULL when computed */
	const char		*s;
	/* V_NODES: nn nodes, in v, or in one when nn == 1 */
	size_t			 nn;
	size_t			 cap;		/* of v */
	struct xnode		*v;
	struct xnode		 one;
};

/* ${name} references remembered in one evaluation (a predicate over a
 * list reads the same ones once per item). */
#define EVAL_MEMO		8

/* One evaluation. */
struct ectx {
	const struct eval_env	*env;
	struct arena		 scratch;
	size_t			 work;
	struct err		*e;
	/* The tree does not change while an expression is evaluated, and a
	 * reference is resolved from env->here whatever the context, so an
	 * X_REF has one value per evaluation. Kept: values of at most one
	 * node (no array a caller could append to), with the work their
	 * resolution was charged, charged again at each use. */
	struct {
		const struct expr	*x;
		struct val		 v;
		size_t			 work;
	}			 memo[EVAL_MEMO];
	size_t			 nmemo;
};

/* Where a sub-expression is evaluated: the context node, its position
 * and the size of the node-set it came from (for position(), last()). */
struct xctx {
	const struct xnode	*node;		/* NULL: none */
	size_t			 pos;
	size_t			 size;
	int			 in_pred;	/* inside a predicate */
};

/* expr_eval.c, for expr_func.c */
int	ev(struct ectx *c, const struct expr *x, const struct xctx *cx,
	    struct val *out);
int	ev_oom(struct ectx *c);
/* Charge n steps of work; -1 (and the error set) past EVAL_MAX_WORK. */
int	ev_work(struct ectx *c, size_t n);
void	*ev_alloc(struct ectx *c, size_t n);
const struct xnode *val_node(const struct val *v, size_t i);
void	val_str(struct val *v, const char *s);
void	val_num(struct val *v, double n);
void	val_bool(struct val *v, int b);
void	val_nodes1(struct val *v, const struct xnode *n);
/* A scalar: the first node's typed value, "" for an empty set. */
void	val_unpack(struct ectx *c, const struct val *v, struct val *out);
void	node_value(struct ectx *c, const struct xnode *n, struct val *out);
double	val_to_num(struct ectx *c, const struct val *v);
/* Java's (int) of a double: truncation, NaN 0, clamped to 32 bits. */
long	java_int(double d);
int	val_to_bool(struct ectx *c, const struct val *v);
/* Never NULL; valid until the evaluation ends. */
const char *val_to_str(struct ectx *c, const struct val *v);
int	nodes_add(struct ectx *c, struct val *set, const struct xnode *n);
int	resolve_ref(struct ectx *c, const struct field *f,
	    const struct inode *here, const struct field **pin,
	    const size_t *pinpos, size_t npin, struct val *out);
const struct inode *ctx_inode(struct ectx *c);
int	date_from_val(struct ectx *c, const struct val *v, int keep_time,
	    const char *fn, struct val *out);

/* expr_func.c */
int	ev_call(struct ectx *c, const struct expr *x, const struct xctx *cx,
	    struct val *out);
/* Check a literal regex() pattern at parse time; 0 or a message. */
const char *expr_regex_check(const char *re, struct buf *tmp);

#endif
