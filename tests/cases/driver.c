/*
 * driver.c: runs the data-driven cases under a directory (build/tests/cases
 * tests/cases). It walks the directory, runs every *.cases file in name
 * order and ignores every other file (other kinds of cases live beside
 * these). Each failure is printed as
 *
 *	FILE:LINE: expr: got X, want Y
 *
 * and the last line is "N passed, N failed"; the exit status is 1 when
 * anything failed.
 *
 * A .cases file holds expression cases, one per line:
 *
 *	# a comment; blank lines are ignored
 *	@form forms/basic.csv		a form, relative to the directory
 *					given (default: an empty form
 *					whose root is "data")
 *	@answers {"age": 30, "grp": {"x": "a b"}, "rep": [{"y": 1}]}
 *					the instance: groups as objects,
 *					repeats as arrays (default: {})
 *	@here rep[2]/y			the context node, a path below the
 *					root with 1-based repeat positions
 *					(default: the root)
 *	@now 2025-06-15T10:30:00-05:00	what now() and today() see
 *					(this is the default)
 *	@tz <-05>5			the TZ the evaluation runs in
 *					(default: Peru, UTC-5, no DST)
 *	@lang Quechua (quy)		language by name or code
 *	@choice list name		the choice a choice_filter tests
 *					("@choice" alone: none)
 *	@current 42			what once() sees as the node's value
 *	@irrelevant grp			marks a node (path as in @here) and
 *					everything below it non-relevant
 *	@eval text|bool|number|integer	which call is checked (default text;
 *					bool prints true/false, number
 *					prints NaN for NaN; integer is
 *					what a calculation stores in an
 *					integer question)
 *	1 + 2 => 3
 *	'' + 1 =>
 *	selectd(.) => error: unknown function 'selectd'
 *
 * "=>" (the last one on the line) separates the expression from the
 * expected text, which is everything after "=> " to the end of the line.
 * "error: TEXT" expects a parse, bind or evaluation error whose message
 * contains TEXT; parse errors are shown as "error: MESSAGE (at N)" with
 * N the 1-based character (not byte) an editor shows, so "(at 5)" can be
 * expected too. Directives apply to the lines after them until changed;
 * @form and @answers reset @here.
 * A directive's value ends at " #" (a comment), except @answers, whose
 * JSON ends where the JSON value ends.
 *
 * The instance is built here from @answers (one node per field, as many
 * repeat instances as the array has, every node relevant, values as
 * text), so that the cases do not depend on the session.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "../../forms/forms.h"

#define CASES_MAX_FILE	(8u << 20)
#define CASES_MAX_DEPTH	16
#define DEFAULT_NOW	"2025-06-15T10:30:00-05:00"
#define DEFAULT_TZ	"<-05>5"

enum mode { MODE_TEXT, MODE_BOOL, MODE_NUMBER, MODE_INTEGER };

struct run {
	const char		*root;		/* the directory given */
	const char		*file;		/* the .cases file */
	int			 line;
	size_t			 passed;
	size_t			 failed;

	struct form		*form;		/* loaded, or NULL */
	struct form		 empty;		/* the default form */
	struct field		 empty_root;
	struct field		*empty_fields[1];
	struct form_lang	 empty_lang;
	int			 broken;	/* @form failed: lines fail */
	char			 broken_msg[2048];

	struct inode		*tree;
	struct eval_env		 env;
	struct arena		 exprs;
	enum mode		 mode;
	char			*current;
};

static const struct form *
cur_form(const struct run *r)
{
	return r->form != NULL ? r->form : &r->empty;
}

static void
empty_form(struct run *r)
{
	memset(&r->empty, 0, sizeof(r->empty));
	memset(&r->empty_root, 0, sizeof(r->empty_root));
	r->empty_root.kind = FK_GROUP;
	r->empty_root.name = "data";
	r->empty_root.type = "group";
	r->empty_fields[0] = &r->empty_root;
	r->empty_lang.name = "default";
	r->empty_lang.code = NULL;
	r->empty.file = "empty";
	r->empty.id = "data";
	r->empty.title = "empty";
	r->empty.version = "";
	r->empty.langs = &r->empty_lang;
	r->empty.nlangs = 1;
	r->empty.root = &r->empty_root;
	r->empty.fields = r->empty_fields;
	r->empty.nfields = 1;
}

static void
fail_line(struct run *r, const char *expr, const char *got, const char *want)
{
	printf("%s:%d: %s: got %s, want %s\n", r->file, r->line, expr, got,
	    want);
	r->failed++;
}

/* ------------------------------------------------------------------ */
/* The instance                                                        */

static void
tree_free(struct inode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		tree_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

static struct inode *
node_new(struct inode *parent, const struct field *f)
{
	struct inode	 *n, **nk;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->field = f;
	n->parent = parent;
	n->relevant = 1;
	if (parent != NULL) {
		if (parent->nkids == parent->cap) {
			parent->cap = parent->cap ? parent->cap * 2 : 8;
			nk = realloc(parent->kids, parent->cap * sizeof(*nk));
			if (nk == NULL) {
				free(n);
				return NULL;
			}
			parent->kids = nk;
		}
		parent->kids[parent->nkids++] = n;
	}
	return n;
}

static int
set_value(struct inode *n, json_t *v, char *msg, size_t msglen)
{
	char	buf[64];

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		n->value = strdup(json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(v));
		n->value = strdup(buf);
	} else if (json_is_real(v)) {
		expr_number_text(json_real_value(v), buf, sizeof(buf));
		n->value = strdup(buf);
	} else if (json_is_boolean(v))
		n->value = strdup(json_is_true(v) ? "true" : "false");
	else {
		snprintf(msg, msglen, "'%s' needs a value, not an object or "
		    "array", n->field->name);
		return -1;
	}
	if (n->value == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

static int
build(struct inode *n, const struct field *g, json_t *obj, int depth,
    char *msg, size_t msglen)
{
	const char	*key;
	json_t		*v, *el;
	struct inode	*k;
	size_t		 i, j;

	if (depth > CASES_MAX_DEPTH * 8) {
		snprintf(msg, msglen, "form nested too deeply");
		return -1;
	}
	if (obj != NULL && !json_is_object(obj)) {
		snprintf(msg, msglen, "'%s' needs an object", g->name);
		return -1;
	}
	if (obj != NULL) {
		json_object_foreach(obj, key, v) {
			for (i = 0; i < g->nkids; i++)
				if (strcmp(g->kids[i]->name, key) == 0)
					break;
			if (i == g->nkids) {
				snprintf(msg, msglen, "no question '%s' in "
				    "'%s'", key, g->name);
				return -1;
			}
		}
	}
	for (i = 0; i < g->nkids; i++) {
		const struct field *f = g->kids[i];

		v = obj != NULL ? json_object_get(obj, f->name) : NULL;
		if (f->kind == FK_REPEAT) {
			if (v == NULL || json_is_null(v))
				continue;
			if (!json_is_array(v)) {
				snprintf(msg, msglen, "repeat '%s' needs an "
				    "array", f->name);
				return -1;
			}
			json_array_foreach(v, j, el) {
				if ((k = node_new(n, f)) == NULL ||
				    build(k, f, el, depth + 1, msg, msglen) < 0)
					return -1;
			}
			continue;
		}
		if ((k = node_new(n, f)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			return -1;
		}
		if (f->kind == FK_GROUP) {
			if (build(k, f, v, depth + 1, msg, msglen) < 0)
				return -1;
		} else if (set_value(k, v, msg, msglen) < 0)
			return -1;
	}
	return 0;
}

static int
new_tree(struct run *r, json_t *answers, char *msg, size_t msglen)
{
	const struct form	*f = cur_form(r);

	tree_free(r->tree);
	r->tree = NULL;
	if ((r->tree = node_new(NULL, f->root)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (build(r->tree, f->root, answers, 0, msg, msglen) < 0)
		return -1;
	r->env.form = f;
	r->env.root = r->tree;
	r->env.here = r->tree;
	return 0;
}

static void
set_irrelevant(struct inode *n)
{
	size_t	i;

	n->relevant = 0;
	for (i = 0; i < n->nkids; i++)
		set_irrelevant(n->kids[i]);
}

/* "rep[2]/y" below the root. */
static int
find_here(struct run *r, const char *path, char *msg, size_t msglen)
{
	const struct inode	*n = r->tree;
	char			 seg[256];
	const char		*p = path, *end, *br;
	size_t			 len, want, i, count;

	while (*p == ' ')
		p++;
	if (*p == '\0' || strcmp(p, ".") == 0) {
		r->env.here = r->tree;
		return 0;
	}
	while (*p != '\0') {
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(seg)) {
			snprintf(msg, msglen, "bad path '%s'", path);
			return -1;
		}
		memcpy(seg, p, len);
		seg[len] = '\0';
		want = 1;
		if ((br = strchr(seg, '[')) != NULL) {
			want = strtoul(br + 1, NULL, 10);
			seg[br - seg] = '\0';
		}
		for (i = 0, count = 0; i < n->nkids; i++)
			if (strcmp(n->kids[i]->field->name, seg) == 0 &&
			    ++count == want)
				break;
		if (i == n->nkids) {
			snprintf(msg, msglen, "no node '%s' in '%s'", seg,
			    path);
			return -1;
		}
		n = n->kids[i];
		p += len;
		if (*p == '/')
			p++;
	}
	r->env.here = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Directives                                                          */

static void
rstrip(char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
}

/* A directive's value: comment cut at " #", blanks trimmed. */
static char *
dvalue(char *s)
{
	char	*h;

	while (*s == ' ' || *s == '\t')
		s++;
	for (h = s; (h = strchr(h, '#')) != NULL; h++)
		if (h == s || h[-1] == ' ' || h[-1] == '\t') {
			*h = '\0';
			break;
		}
	rstrip(s);
	return s;
}

static void
directive_error(struct run *r, const char *what, const char *msg)
{
	printf("%s:%d: %s: %s\n", r->file, r->line, what, msg);
	r->failed++;
}

static void
load_form(struct run *r, const char *rel)
{
	char		 path[4096], *data = NULL;
	size_t		 len;
	struct err	 e;
	struct diags	 d;
	struct buf	 b;
	char		 msg[512];

	if (r->form != NULL)
		form_free(r->form);
	r->form = NULL;
	r->broken = 0;
	if (*rel == '\0' || strcmp(rel, "-") == 0)
		goto tree;
	snprintf(path, sizeof(path), "%s/%s", r->root, rel);
	err_init(&e);
	diags_init(&d);
	if (file_read(path, FORM_MAX_BYTES, &data, &len, &e) != 0 ||
	    form_load(rel, data, len, &r->form, &d, &e) != 0) {
		buf_init(&b, 1u << 20);
		diags_format(&d, rel, &b);
		snprintf(r->broken_msg, sizeof(r->broken_msg),
		    "form '%.200s' did not load: %.512s %.1000s", rel, e.msg,
		    b.p != NULL ? b.p : "");
		rstrip(r->broken_msg);
		buf_release(&b);
		directive_error(r, "@form", r->broken_msg);
		r->broken = 1;
		r->form = NULL;
	}
	diags_release(&d);
	free(data);
tree:
	r->env.lang = cur_form(r)->default_lang;
	r->env.choice = NULL;
	if (new_tree(r, NULL, msg, sizeof(msg)) < 0)
		directive_error(r, "@form", msg);
}

static void
directive(struct run *r, char *line)
{
	char		 msg[512], *name = line + 1, *v, *sp;
	json_t		*j;
	json_error_t	 je;
	double		 t;
	int		 lang;

	for (v = name; *v != '\0' && *v != ' ' && *v != '\t'; v++)
		;
	if (*v != '\0')
		*v++ = '\0';
	if (strcmp(name, "answers") == 0) {
		while (*v == ' ' || *v == '\t')
			v++;
		j = json_loadb(v, strlen(v), JSON_DISABLE_EOF_CHECK |
		    JSON_DECODE_ANY, &je);
		if (j == NULL) {
			snprintf(msg, sizeof(msg), "bad JSON: %s", je.text);
			directive_error(r, "@answers", msg);
			return;
		}
		if (new_tree(r, j, msg, sizeof(msg)) < 0)
			directive_error(r, "@answers", msg);
		json_decref(j);
		return;
	}
	v = dvalue(v);
	if (strcmp(name, "form") == 0)
		load_form(r, v);
	else if (strcmp(name, "here") == 0) {
		if (find_here(r, v, msg, sizeof(msg)) < 0)
			directive_error(r, "@here", msg);
	} else if (strcmp(name, "irrelevant") == 0) {
		const struct inode *keep = r->env.here;

		if (find_here(r, v, msg, sizeof(msg)) < 0)
			directive_error(r, "@irrelevant", msg);
		else
			set_irrelevant((struct inode *)r->env.here);
		r->env.here = keep;
	} else if (strcmp(name, "now") == 0) {
		if (datetime_parse(v, &t) != 0)
			directive_error(r, "@now", "not a date-time");
		else
			r->env.now = t;
	} else if (strcmp(name, "tz") == 0) {
		setenv("TZ", *v ? v : DEFAULT_TZ, 1);
		tzset();
	} else if (strcmp(name, "lang") == 0) {
		if ((lang = form_lang(cur_form(r), v)) < 0)
			directive_error(r, "@lang", "no such language");
		else
			r->env.lang = (size_t)lang;
	} else if (strcmp(name, "choice") == 0) {
		const struct choice_list *l;

		r->env.choice = NULL;
		if (*v == '\0')
			return;
		if ((sp = strchr(v, ' ')) == NULL) {
			directive_error(r, "@choice", "needs: list name");
			return;
		}
		*sp++ = '\0';
		while (*sp == ' ')
			sp++;
		if (r->form == NULL || (l = form_list(r->form, v)) == NULL ||
		    (r->env.choice = form_choice(l, sp)) == NULL)
			directive_error(r, "@choice", "no such choice");
	} else if (strcmp(name, "current") == 0) {
		free(r->current);
		r->current = strdup(v);
		r->env.current = r->current;
	} else if (strcmp(name, "eval") == 0) {
		if (strcmp(v, "text") == 0)
			r->mode = MODE_TEXT;
		else if (strcmp(v, "bool") == 0)
			r->mode = MODE_BOOL;
		else if (strcmp(v, "number") == 0)
			r->mode = MODE_NUMBER;
		else if (strcmp(v, "integer") == 0)
			r->mode = MODE_INTEGER;
		else
			directive_error(r, "@eval", "text, bool, number or "
			    "integer");
	} else
		directive_error(r, line, "unknown directive");
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

static void
run_case(struct run *r, char *line)
{
	char		*sep = NULL, *p, *want, *got = NULL, buf[600];
	struct expr	*x;
	struct err	 e;
	size_t		 pos;
	int		 b, rc;
	double		 d;

	for (p = line; (p = strstr(p, "=>")) != NULL; p += 2)
		sep = p;
	if (sep == NULL) {
		directive_error(r, line, "no '=>' on the line");
		return;
	}
	*sep = '\0';
	want = sep + 2;
	if (*want == ' ')
		want++;
	rstrip(line);
	while (*line == ' ' || *line == '\t')
		line++;
	if (r->broken) {
		fail_line(r, line, r->broken_msg, want);
		return;
	}
	err_init(&e);
	pos = 0;
	if (expr_parse(&r->exprs, line, &x, &pos, &e) != 0) {
		snprintf(buf, sizeof(buf), "error: %s (at %zu)", e.msg, pos);
		got = strdup(buf);
	} else if (expr_bind(x, cur_form(r), r->env.here != NULL ?
	    r->env.here->field : NULL, &e) != 0) {
		snprintf(buf, sizeof(buf), "error: %s", e.msg);
		got = strdup(buf);
	} else {
		switch (r->mode) {
		case MODE_TEXT:
			rc = expr_eval_text(x, &r->env, &got, &e);
			break;
		case MODE_INTEGER:
			rc = expr_eval_answer(x, &r->env, FK_INTEGER, &got,
			    &e);
			break;
		case MODE_BOOL:
			if ((rc = expr_eval_bool(x, &r->env, &b, &e)) == 0)
				got = strdup(b ? "true" : "false");
			break;
		default:
			if ((rc = expr_eval_number(x, &r->env, &d, &e)) == 0) {
				if (isnan(d))
					snprintf(buf, sizeof(buf), "NaN");
				else if (isinf(d))
					snprintf(buf, sizeof(buf), "%sInfinity",
					    d < 0 ? "-" : "");
				else
					expr_number_text(d, buf, sizeof(buf));
				got = strdup(buf);
			}
			break;
		}
		if (rc != 0) {
			free(got);
			snprintf(buf, sizeof(buf), "error: %s", e.msg);
			got = strdup(buf);
		}
	}
	if (got == NULL) {
		fail_line(r, line, "(out of memory)", want);
		return;
	}
	if (strncmp(want, "error:", 6) == 0) {
		p = want + 6;
		while (*p == ' ')
			p++;
		if (strncmp(got, "error:", 6) == 0 && strstr(got, p) != NULL)
			r->passed++;
		else
			fail_line(r, line, got, want);
	} else if (strcmp(got, want) == 0)
		r->passed++;
	else
		fail_line(r, line, got, want);
	free(got);
}

static void
run_file(struct run *r, const char *path)
{
	char		*data = NULL, *line, *next;
	size_t		 len;
	struct err	 e;
	char		 msg[64];
	double		 t;

	err_init(&e);
	r->file = path;
	r->line = 0;
	if (file_read(path, CASES_MAX_FILE, &data, &len, &e) != 0) {
		printf("%s: %s\n", path, e.msg);
		r->failed++;
		return;
	}
	arena_init(&r->exprs, 0);
	r->form = NULL;
	r->broken = 0;
	r->tree = NULL;
	r->mode = MODE_TEXT;
	r->current = NULL;
	memset(&r->env, 0, sizeof(r->env));
	datetime_parse(DEFAULT_NOW, &t);
	r->env.now = t;
	setenv("TZ", DEFAULT_TZ, 1);
	tzset();
	empty_form(r);
	if (new_tree(r, NULL, msg, sizeof(msg)) < 0) {
		printf("%s: %s\n", path, msg);
		r->failed++;
		goto out;
	}
	for (line = data; line != NULL && *line != '\0'; line = next) {
		r->line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '@')
			directive(r, line);
		else
			run_case(r, line);
	}
out:
	tree_free(r->tree);
	r->tree = NULL;
	if (r->form != NULL)
		form_free(r->form);
	r->form = NULL;
	free(r->current);
	r->current = NULL;
	arena_release(&r->exprs);
	free(data);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
walk(struct run *r, const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn, path[4096];
	size_t		 n = 0, cap = 0, i, len;

	if (depth > CASES_MAX_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		len = strlen(names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(r, path, depth + 1);
		else if (len > 6 && strcmp(names[i] + len - 6, ".cases") == 0)
			run_file(r, path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct run	r;

	memset(&r, 0, sizeof(r));
	r.root = argc > 1 ? argv[1] : "tests/cases";
	walk(&r, r.root, 0);
	printf("%zu passed, %zu failed\n", r.passed, r.failed);
	return r.failed > 0 ? 1 : 0;
}
