/*
 * prompt.c: the terminal survey, a small state machine over lines.
 *
 *   ASK     show the step (question or "add another?") and read a line;
 *           an accepted answer is saved (fill_save) before anything else
 *           is shown, so what the person saw accepted is on disk. A
 *           read-only question (read_only, or a calculated select_one)
 *           is shown with its value and passed by, as ODK Collect shows
 *           it and lets the person swipe on; '<' passes it by too
 *   REVIEW  every answer numbered; a number re-asks that question (FIX)
 *           (a read-only one says why it cannot), Enter finalizes, '<'
 *           goes back into the questions
 *   FIX     one question asked from the review, then REVIEW again
 *
 * Keys on every line: '<' back, '?' hint, '!' save the draft and quit;
 * end of input (Ctrl-D, a closed terminal) is '!', and so are Ctrl-C,
 * SIGTERM and SIGHUP, but for the line being typed (on_end_signal). Enter on an answered
 * question keeps the answer. A leading backslash makes a line an answer
 * ("\!" answers "!"). Quitting before anything was answered saves
 * nothing: an empty draft would only be one more to discard.
 *
 * Input is plain lines: libedit's readline when `in' is a terminal (arrow
 * keys, backspace), a bounded reader otherwise (pipes, tests). Lines are
 * checked for UTF-8 and length here; everything else about an answer is
 * the session's to judge, the same as for --answers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <editline/readline.h>

#include "prompt.h"

#define LINE_MAX_BYTES	(ANSWER_MAX_LEN + 1)
/* Text is wrapped to the terminal's width, else to this. */
#define WRAP_COLUMNS	80
/* The closing words a signal prints: an id and a command line. */
#define BYE_MAX		4096

enum pstate { P_ASK, P_REVIEW, P_FIX, P_DONE, P_QUIT };

struct prompt {
	struct fill		*fl;
	struct session		*s;
	const struct form	*f;
	FILE			*in;
	FILE			*out;
	int			 tty;
	struct step		 st;
	struct inode		*fix;		/* P_FIX: the question */
	struct inode		**review;	/* numbered in the review */
	size_t			 nreview;
	size_t			 creview;
	int			 toolong;
	int			 unchanged;	/* a revision, as it was */
	int			 listing;	/* the answers without
						 * numbers (show) */
	const char		*prog;		/* for the closing words */
};

/*
 * Ending on a signal. Every accepted answer is already on disk, so a
 * signal handler only has to restore the terminal, print the closing
 * words (made ready after each save: a handler may not format) and die of
 * the signal. Saves run with the signals blocked: a signal that arrives
 * during one is taken when it is committed.
 */
static const int	 end_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NEND_SIGNALS	 (sizeof(end_signals) / sizeof(end_signals[0]))
static char		 bye[BYE_MAX];
static volatile size_t	 byelen;
static int		 bye_fd = -1;
static int		 tty_fd = -1;
static struct termios	 tty_mode;

/* ------------------------------------------------------------------ */
/* Reading a line                                                      */

/* A line without its newline, or NULL at end of input; caller frees. */
static char *
read_line(struct prompt *p, const char *ps)
{
	struct buf	 b;
	char		*l;
	int		 c;

	p->toolong = 0;
	fflush(p->out);
	if (p->tty) {
		if ((l = readline(ps)) == NULL) {
			/* Ctrl-D leaves the cursor after "> ". */
			fputc('\n', p->out);
			return NULL;
		}
		if (strlen(l) >= LINE_MAX_BYTES)
			p->toolong = 1;
		else if (*l != '\0')
			add_history(l);
		return l;
	}
	fputs(ps, p->out);
	fflush(p->out);
	buf_init(&b, LINE_MAX_BYTES);
	for (;;) {
		c = getc(p->in);
		if (c == EOF) {
			if (b.len == 0 && !p->toolong) {
				buf_release(&b);
				return NULL;
			}
			break;
		}
		if (c == '\n')
			break;
		/* A line past the ceiling is read to its end and dropped:
		 * memory stays bounded whatever arrives. */
		if (!p->toolong && buf_addc(&b, (char)c) != 0)
			p->toolong = 1;
	}
	/* A pipe does not echo: show what was read, so that a transcript
	 * reads like the terminal. */
	if (!p->toolong && b.p != NULL)
		fputs(b.p, p->out);
	fputc('\n', p->out);
	if (p->toolong) {
		buf_reset(&b);
		buf_addstr(&b, "");
	}
	if (b.p == NULL)
		buf_addstr(&b, "");
	if (b.len > 0 && b.p[b.len - 1] == '\r')
		b.p[--b.len] = '\0';
	l = buf_detach(&b);
	buf_release(&b);
	return l;
}

/*
 * A line that starts with a backslash is an answer, never a key: "\<"
 * answers "<", "\\x" answers "\x". Keys are whole lines, so the caller
 * looks for them first and unescapes what is left.
 */
static const char *
unescape(const char *l)
{
	return *l == '\\' ? l + 1 : l;
}

/* Leading and trailing blanks do not count (" 2 " is "2"). */
static char *
trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* Showing                                                             */

static struct inode	*instance_of(struct inode *);

static const char *
text(struct prompt *p, const struct text *t)
{
	return form_text(p->f, t, p->fl->lang);
}

static const char *
label_of(struct prompt *p, const struct field *fd)
{
	const char	*l = text(p, &fd->label);

	return l != NULL ? l : fd->name;
}

struct count {
	const struct inode	*want;
	size_t			 n;
	size_t			 pos;
};

/*
 * Every question of the survey, relevant or not: a total that stays the
 * same while the answers change what applies (only an entry of a repeat
 * added or removed changes it), and a position that skips what does not
 * apply, never going back.
 */
static void
count_walk(const struct inode *n, struct count *c)
{
	size_t	i;

	if (field_shown(n->field)) {
		c->n++;
		if (n == c->want)
			c->pos = c->n;
	}
	for (i = 0; i < n->nkids; i++)
		count_walk(n->kids[i], c);
}

/* "Household › Child 2": the groups and repeats around n. */
static void
show_groups(struct prompt *p, const struct inode *n)
{
	const struct inode	*g, *chain[64];
	size_t			 k = 0;
	const char		*l;

	for (g = n->parent; g != NULL && g->parent != NULL && k < 64;
	    g = g->parent)
		chain[k++] = g;
	while (k-- > 0) {
		g = chain[k];
		l = text(p, &g->field->label);
		if (l == NULL && g->field->kind != FK_REPEAT)
			continue;
		fprintf(p->out, " › %s", l != NULL ? l : g->field->name);
		if (g->field->kind == FK_REPEAT)
			fprintf(p->out, " %zu", inode_position(g));
	}
}

static void
show_position(struct prompt *p, const struct inode *n, int removable)
{
	struct count	c;

	memset(&c, 0, sizeof(c));
	c.want = n;
	count_walk(session_root(p->s), &c);
	fprintf(p->out, "\n[%zu/%zu]", c.pos, c.n);
	show_groups(p, n);
	if (removable)
		fprintf(p->out, "  %s", _("(- removes this entry)"));
	fputc('\n', p->out);
}

static void
reads_decimal(const struct field *f, void *arg)
{
	if (f->kind == FK_DECIMAL)
		*(int *)arg = 1;
}

/* A number whose field is a decimal, or a calculation from one: "9" is
 * read "9.0", as it was measured. */
static int
decimal_shown(const struct inode *n)
{
	const char	*v = n->value;
	int		 dec = n->field->kind == FK_DECIMAL;

	if (!dec && n->field->kind == FK_CALCULATE &&
	    n->field->calculation != NULL)
		expr_refs(n->field->calculation, reads_decimal, &dec);
	if (!dec || v == NULL)
		return 0;
	if (*v == '-')
		v++;
	return *v != '\0' && strspn(v, "0123456789") == strlen(v);
}

/* A stored value as a person reads it: choice labels for selects. */
static void
show_value(struct prompt *p, const struct inode *n)
{
	const struct choice	*ch;
	const char		*v = n->value, *l;
	char			 name[256];
	size_t			 k;
	int			 first = 1;

	if (v == NULL) {
		fputs(_("(no answer)"), p->out);
		return;
	}
	if (n->field->list == NULL) {
		fprintf(p->out, "%s%s", v, decimal_shown(n) ? ".0" : "");
		return;
	}
	while (*v != '\0') {
		k = strcspn(v, " ");
		if (k > 0 && k < sizeof(name)) {
			memcpy(name, v, k);
			name[k] = '\0';
			ch = form_choice(n->field->list, name);
			l = ch != NULL ? text(p, &ch->label) : NULL;
			fprintf(p->out, "%s%s", first ? "" : ", ",
			    l != NULL ? l : name);
			first = 0;
		}
		v += k;
		while (*v == ' ')
			v++;
	}
}

static void
show_question(struct prompt *p, struct inode *n)
{
	const struct field	 *fd = n->field;
	const struct choice	**v;
	const char		 *cl;
	char			 *l;
	struct err		  e;
	size_t			  nv, i;

	show_position(p, n, instance_of(n) != NULL);
	if ((l = session_text(p->s, n, label_of(p, fd))) != NULL)
		fputs(l, p->out);
	free(l);
	if (fd->kind != FK_NOTE && session_required(p->s, n))
		fputs(" *", p->out);
	if (text(p, &fd->hint) != NULL)
		fprintf(p->out, "  %s", _("(? help)"));
	fputc('\n', p->out);
	err_init(&e);
	if ((fd->kind == FK_SELECT_ONE || fd->kind == FK_SELECT_MULTIPLE) &&
	    session_choices(p->s, n, &v, &nv, &e) == 0) {
		for (i = 0; i < nv; i++) {
			cl = text(p, &v[i]->label);
			fprintf(p->out, "  %2zu) %s\n", i + 1,
			    cl != NULL ? cl : v[i]->name);
		}
		if (fd->kind == FK_SELECT_MULTIPLE)
			fprintf(p->out, "  %s\n", _("(several: numbers "
			    "separated by spaces, e.g. 1 3 4)"));
	}
	switch (fd->kind) {
	case FK_NOTE:
		fprintf(p->out, "  %s\n", _("(Enter to continue)"));
		break;
	case FK_ACKNOWLEDGE:
		fprintf(p->out, "  %s\n", _("(type OK to acknowledge)"));
		break;
	case FK_DATE:
		fprintf(p->out, "  %s\n", _("(date: DD/MM/YYYY or "
		    "YYYY-MM-DD)"));
		break;
	case FK_TIME:
		fprintf(p->out, "  %s\n", _("(time: HH:MM)"));
		break;
	case FK_GEOPOINT:
		fprintf(p->out, "  %s\n", _("(latitude longitude [altitude "
		    "accuracy])"));
		break;
	case FK_UNSUPPORTED:
		fprintf(p->out, "  %s\n", _("(this question cannot be "
		    "answered in a terminal: Enter to skip it)"));
		break;
	default:
		break;
	}
	if (n->value != NULL && fd->kind != FK_NOTE) {
		fprintf(p->out, "  [%s ", _("current answer:"));
		show_value(p, n);
		fprintf(p->out, " · %s]\n", _("Enter keeps it"));
	}
}

/* A question that is shown, never asked (not a note: a note waits for
 * Enter). */
static int
passed_by(struct prompt *p, const struct step *st)
{
	return st->kind == STEP_QUESTION && st->node->field->kind != FK_NOTE &&
	    session_read_only(p->s, st->node);
}

/* "Anemia: Moderada": its label and its value, as the review shows it. */
static void
show_read_only(struct prompt *p, struct inode *n)
{
	char	*l;

	show_position(p, n, 0);
	if ((l = session_text(p->s, n, label_of(p, n->field))) != NULL)
		fputs(l, p->out);
	free(l);
	fputs(": ", p->out);
	show_value(p, n);
	fputc('\n', p->out);
}

/* Characters of UTF-8 text in s[0..n). */
static size_t
chars(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* t indented by two spaces, its lines broken between words before the
 * terminal's edge (a word longer than a line stands alone). */
static void
put_wrapped(struct prompt *p, const char *t)
{
	struct winsize	ws;
	size_t		width = WRAP_COLUMNS, col = 0, w, k;

	if (p->tty && ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 20)
		width = ws.ws_col;
	width -= 3;	/* the indent, and the last column left free */
	fputs("  ", p->out);
	while (*t != '\0') {
		if (*t == '\n') {
			fputs("\n  ", p->out);
			col = 0;
			t++;
			continue;
		}
		k = strcspn(t, " \n");
		w = chars(t, k);
		if (col > 0 && col + 1 + w > width) {
			fputs("\n  ", p->out);
			col = 0;
		} else if (col > 0) {
			fputc(' ', p->out);
			col++;
		}
		fwrite(t, 1, k, p->out);
		col += w;
		t += k;
		while (*t == ' ')
			t++;
	}
	fputc('\n', p->out);
}

static void
show_hint(struct prompt *p, struct inode *n)
{
	const char	*h = text(p, &n->field->hint);
	char		*t;

	if (h != NULL && (t = session_text(p->s, n, h)) != NULL) {
		put_wrapped(p, t);
		free(t);
	} else if (h != NULL)
		put_wrapped(p, h);
	else
		fprintf(p->out, "  %s\n", _("(this question has no help "
		    "text)"));
}

static void
show_keys(struct prompt *p)
{
	fprintf(p->out, "%s\n", _("Keys: < back · ? help · ! save and quit "
	    "(Ctrl-D too)"));
}

/* ------------------------------------------------------------------ */
/* Closing words and signals                                           */

void
prompt_closing(const struct fill *fl, const char *prog,
    enum prompt_result res, struct buf *b)
{
	switch (res) {
	case PROMPT_UNCHANGED:
		buf_addf(b, _("Nothing changed: %s stays as it was\n"),
		    fl->sub.deprecated_id);
		break;
	case PROMPT_NOTHING:
		if (fl->sub.deprecated_id != NULL)
			buf_addf(b, _("Nothing changed: %s stays as it "
			    "was\n"), fl->sub.deprecated_id);
		else
			buf_addstr(b, _("Nothing to save: no answer was "
			    "given\n"));
		break;
	case PROMPT_FINALIZED:
		buf_addf(b, _("Finalized: %s\n"), fl->sub.instance_id);
		break;
	case PROMPT_SAVED:
		buf_addf(b, _("Draft saved: %s\nTo go on: %s edit %.13s\n"),
		    fl->sub.instance_id, prog, fl->sub.instance_id + 5);
		break;
	}
}

/* What a signal would print now: as '!' would end. */
static void
ready_bye(struct prompt *p)
{
	struct buf	b;
	size_t		n;

	buf_init(&b, BYE_MAX - 2);
	prompt_closing(p->fl, p->prog, p->fl->saved || p->fl->rewrite ?
	    PROMPT_SAVED : PROMPT_NOTHING, &b);
	n = b.p != NULL ? b.len : 0;
	byelen = 0;
	bye[0] = '\n';	/* off the line being typed */
	if (n > 0)
		memcpy(bye + 1, b.p, n);
	byelen = n + 1;
	buf_release(&b);
}

static void
on_end_signal(int sig)
{
	struct sigaction	sa;
	ssize_t			w;
	size_t			off = 0;

	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty_mode);
	while (off < byelen && (w = write(bye_fd, bye + off, byelen - off)) >
	    0)
		off += (size_t)w;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	raise(sig);	/* ours only: not kill(0, sig) */
}

static void
signals_block(int block)
{
	sigset_t	set;
	size_t		i;

	sigemptyset(&set);
	for (i = 0; i < NEND_SIGNALS; i++)
		sigaddset(&set, end_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void
signals_catch(struct prompt *p, struct sigaction *old)
{
	struct sigaction	sa;
	size_t			i;

	bye_fd = fileno(p->out);
	tty_fd = p->tty && tcgetattr(fileno(p->in), &tty_mode) == 0 ?
	    fileno(p->in) : -1;
	ready_bye(p);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_end_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NEND_SIGNALS; i++)
		sigaddset(&sa.sa_mask, end_signals[i]);
	for (i = 0; i < NEND_SIGNALS; i++)
		sigaction(end_signals[i], &sa, &old[i]);
}

static void
signals_restore(const struct sigaction *old)
{
	size_t	i;

	for (i = 0; i < NEND_SIGNALS; i++)
		sigaction(end_signals[i], &old[i], NULL);
	tty_fd = bye_fd = -1;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */

static int
save(struct prompt *p, const struct inode *at, struct err *e)
{
	char	*path = NULL;
	int	 rc;

	if (at != NULL && (path = inode_path(at)) != NULL) {
		free(p->fl->position);
		p->fl->position = path;
	}
	signals_block(1);
	rc = fill_save(p->fl, e);
	ready_bye(p);
	signals_block(0);
	return rc;
}

/*
 * Answer n with line; 1 when accepted and saved, 0 when refused (the
 * reason shown), or an error code in *rc.
 */
static int
answer(struct prompt *p, struct inode *n, const char *line, int *rc,
    struct err *e)
{
	struct err	ae;
	int		r;

	*rc = 0;
	if (p->toolong) {
		fprintf(p->out, "  ✗ %s\n", _("answer too long"));
		return 0;
	}
	if (!utf8_valid(line, strlen(line))) {
		fprintf(p->out, "  ✗ %s\n", _("the answer is not valid text "
		    "(UTF-8)"));
		return 0;
	}
	if (n->field->kind == FK_NOTE)
		return 1;
	/* Enter keeps an answer already given (and saves it, when the
	 * save that followed it failed). */
	if (*line == '\0' && n->value != NULL) {
		if (!p->fl->rewrite)
			return 1;
	} else {
		if (n->field->kind == FK_UNSUPPORTED && *line == '\0')
			return 1;
		err_init(&ae);
		if ((r = session_answer(p->s, n, line, &ae)) != 0) {
			if (r == ERR_INPUT) {
				fprintf(p->out, "  ✗ %s\n", ae.msg);
				return 0;
			}
			*rc = err_set(e, r, "%s", ae.msg);
			return 0;
		}
	}
	if ((*rc = save(p, n, e)) == 0)
		return 1;
	if (*rc == ERR_IO) {
		/* The store locked by another program past the wait, a full
		 * disk: the answer stays here, not shown as accepted, and
		 * the next save writes every answer (fill_save). */
		fprintf(p->out, "  ✗ %s: %s\n", _("not saved"), e->msg);
		fprintf(p->out, "  %s\n", _("(Enter tries again)"));
		err_init(e);
		*rc = 0;
	}
	return 0;
}

/* The step after a new repeat instance: its first question. */
static int
enter_repeat(struct prompt *p, struct err *e)
{
	struct inode	*inst;
	int		 rc;

	if ((rc = session_add_repeat(p->s, p->st.parent, p->st.field, &inst,
	    e)) != 0)
		return rc;
	if ((rc = save(p, NULL, e)) != 0)
		return rc;
	return session_next(p->s, &p->st);
}

/*
 * A whole word: yes or no in Spanish, English or Quechua; 1, 0, or -1
 * for anything else ("sin" is not "si", "nada" is not "no").
 */
static int
yes_no(const char *l)
{
	static const char *const yes[] = { "s", "si", "sí", "Sí", "SÍ", "y",
	    "yes", "ari", "arí", "Arí", "ARÍ" };
	static const char *const no[] = { "n", "no", "manam", "mana" };
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(l, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(l, no[i]) == 0)
			return 0;
	return -1;
}

/* The repeat instance n is in (the innermost), or NULL. */
static struct inode *
instance_of(struct inode *n)
{
	const struct field	*r = n->field->repeat;

	if (r == NULL || r->repeat_count != NULL)
		return NULL;
	while (n != NULL && n->field != r)
		n = n->parent;
	return n;
}

/*
 * '-' inside a repeat: remove that entry (asked first), then stand at the
 * repeat's "add another?" prompt. 1 when removed.
 */
static int
remove_instance(struct prompt *p, struct inode *inst, int *rc,
    struct err *e)
{
	const struct field	*r = inst->field;
	struct inode		*h = inst->parent;
	char			*raw;
	int			 yn;

	fputc('\n', p->out);
	fprintf(p->out, _("Remove '%s' %zu and its answers? [y/n]"),
	    label_of(p, r), inode_position(inst));
	fputc('\n', p->out);
	if ((raw = read_line(p, "> ")) == NULL)
		return 0;
	yn = yes_no(trim(raw));
	free(raw);
	if (yn != 1)
		return 0;
	if ((*rc = session_remove_repeat(p->s, inst, e)) != 0 ||
	    (*rc = save(p, NULL, e)) != 0)
		return 0;
	if ((*rc = session_first(p->s, &p->st)) != 0)
		return 0;
	while (p->st.kind != STEP_END && !(p->st.kind == STEP_REPEAT_PROMPT &&
	    p->st.field == r && p->st.parent == h))
		if ((*rc = session_next(p->s, &p->st)) != 0)
			return 0;
	return 1;
}

/*
 * '<': the step before, past the read-only questions (they are passed by
 * going forward, so stopping at one would send the person forward again).
 * Where only read-only questions are before, the step stays.
 */
static int
back(struct prompt *p)
{
	struct step	start = p->st, was;
	int		rc;

	do {
		was = p->st;
		if ((rc = session_prev(p->s, &p->st)) != 0)
			return rc;
		if (p->st.kind == was.kind && p->st.node == was.node &&
		    p->st.parent == was.parent) {
			p->st = start;
			return 0;
		}
	} while (passed_by(p, &p->st));
	return 0;
}

static int
ask(struct prompt *p, enum pstate *next, struct err *e)
{
	struct inode	*n = p->st.node, *inst;
	struct step	 before;
	const char	*name;
	char		*raw, *l;
	int		 rc = 0, yn, ok;

	if (p->st.kind == STEP_END) {
		*next = P_REVIEW;
		return 0;
	}
	if (passed_by(p, &p->st)) {
		show_read_only(p, n);
		return session_next(p->s, &p->st);
	}
	if (p->st.kind == STEP_REPEAT_PROMPT) {
		name = label_of(p, p->st.field);
		fputc('\n', p->out);
		fprintf(p->out, p->st.count > 0 ? _("Add another '%s'? [y/n]") :
		    _("Add a '%s'? [y/n]"), name);
		fputc('\n', p->out);
	} else
		show_question(p, n);
	for (;;) {
		if ((raw = read_line(p, "> ")) == NULL) {
			*next = P_QUIT;
			return 0;
		}
		l = trim(raw);
		if (strcmp(l, "!") == 0) {
			*next = P_QUIT;
			break;
		}
		if (strcmp(l, "<") == 0) {
			before = p->st;
			if ((rc = back(p)) != 0)
				break;
			if (p->st.kind == before.kind &&
			    p->st.node == before.node &&
			    p->st.parent == before.parent) {
				fprintf(p->out, "  %s\n", _("(this is the "
				    "first question)"));
				free(raw);
				continue;
			}
			break;
		}
		if (strcmp(l, "?") == 0) {
			if (p->st.kind == STEP_QUESTION)
				show_hint(p, n);
			else
				show_keys(p);
			free(raw);
			continue;
		}
		if (strcmp(l, "-") == 0 && p->st.kind == STEP_QUESTION &&
		    (inst = instance_of(n)) != NULL) {
			if (remove_instance(p, inst, &rc, e) || rc != 0)
				break;
			free(raw);
			show_question(p, n);
			continue;
		}
		if (p->st.kind == STEP_REPEAT_PROMPT) {
			if ((yn = yes_no(l)) < 0) {
				fprintf(p->out, "  ✗ %s\n", _("answer y (yes) "
				    "or n (no)"));
				free(raw);
				continue;
			}
			rc = yn ? enter_repeat(p, e) : session_next(p->s,
			    &p->st);
			break;
		}
		ok = answer(p, n, unescape(l), &rc, e);
		if (rc != 0)
			break;
		if (ok) {
			rc = session_next(p->s, &p->st);
			break;
		}
		/* Refused: the same question again. */
		free(raw);
		show_question(p, n);
	}
	free(raw);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Review                                                              */

static int
review_add(struct prompt *p, struct inode *n)
{
	struct inode	**v;
	size_t		  c;

	if (p->nreview == p->creview) {
		c = p->creview ? p->creview * 2 : 64;
		if ((v = realloc(p->review, c * sizeof(*v))) == NULL)
			return ERR_NOMEM;
		p->review = v;
		p->creview = c;
	}
	p->review[p->nreview++] = n;
	return 0;
}

static int
review_walk(struct prompt *p, struct inode *n)
{
	const struct field	*fd = n->field;
	const char		*l;
	size_t			 i;
	int			 rc;

	if (!n->relevant)
		return 0;
	if (n->parent != NULL && (fd->kind == FK_GROUP ||
	    fd->kind == FK_REPEAT)) {
		l = text(p, &fd->label);
		if (l != NULL || fd->kind == FK_REPEAT) {
			fprintf(p->out, "  — %s", l != NULL ? l : fd->name);
			if (fd->kind == FK_REPEAT)
				fprintf(p->out, " %zu", inode_position(n));
			fputc('\n', p->out);
		}
	}
	/* A note that depends on the answers (a result) is said again:
	 * it may be new since an answer changed. */
	if (fd->kind == FK_NOTE && fd->relevant != NULL)
		fprintf(p->out, "%s» %s\n", p->listing ? "  " : "      ",
		    label_of(p, fd));
	/* Answers, and computed values the form gives a label to show. */
	if (fd->kind != FK_NOTE && (field_shown(fd) ||
	    (fd->kind == FK_CALCULATE && text(p, &fd->label) != NULL))) {
		if (p->listing)
			fprintf(p->out, "  %s: ", label_of(p, fd));
		else if (fd->kind == FK_CALCULATE)
			fprintf(p->out, "      %s: ", label_of(p, fd));
		else {
			if ((rc = review_add(p, n)) != 0)
				return rc;
			fprintf(p->out, "  %3zu. %s: ", p->nreview,
			    label_of(p, fd));
		}
		show_value(p, n);
		fputc('\n', p->out);
	}
	for (i = 0; i < n->nkids; i++)
		if ((rc = review_walk(p, n->kids[i])) != 0)
			return rc;
	return 0;
}

/* A problem found at finalizing: the question's number in the review
 * and its label, not its path. */
static void
refusal(struct prompt *p, const struct diag *d)
{
	const struct inode	*n;
	size_t			 k;

	n = d->column != NULL ? session_find(p->s, d->column) : NULL;
	for (k = 0; n != NULL && k < p->nreview; k++)
		if (p->review[k] == n)
			break;
	if (n != NULL && k < p->nreview)
		fprintf(p->out, "  ✗ %zu. %s: %s\n", k + 1,
		    label_of(p, n->field), d->msg);
	else if (n != NULL)
		fprintf(p->out, "  ✗ %s: %s\n", label_of(p, n->field),
		    d->msg);
	else
		fprintf(p->out, "  ✗ %s\n", d->msg);
}

/* The answer numbered k in the review is read only: why. */
static void
cannot_change(struct prompt *p, size_t k)
{
	const struct inode	*n = p->review[k - 1];

	fprintf(p->out, "  ✗ ");
	if (n->field->calculation != NULL)
		fprintf(p->out, _("%zu. %s: this answer is worked out from the "
		    "other answers and cannot be changed here; change the "
		    "answers it comes from"), k, label_of(p, n->field));
	else
		fprintf(p->out, _("%zu. %s: this answer cannot be changed"), k,
		    label_of(p, n->field));
	fputc('\n', p->out);
}

static int
review(struct prompt *p, enum pstate *next, struct err *e)
{
	struct diags	 d;
	size_t		 i, k;
	char		*raw, *l, *end, help[1024];
	int		 rc = 0, same;

	p->nreview = 0;
	fprintf(p->out, "\n%s\n", _("Review of the answers:"));
	if ((rc = review_walk(p, session_root(p->s))) != 0)
		return err_set(e, rc, "out of memory");
	fprintf(p->out, "%s\n", _("Number to change an answer, Enter to "
	    "finalize, < to go back, ! to save and quit."));
	if ((raw = read_line(p, "> ")) == NULL) {
		*next = P_QUIT;
		return 0;
	}
	l = trim(raw);
	if (strcmp(l, "!") == 0)
		*next = P_QUIT;
	else if (strcmp(l, "<") == 0) {
		rc = back(p);
		*next = P_ASK;
	} else if (*l == '\0') {
		if ((rc = fill_unchanged(p->fl, &same, e)) != 0)
			goto out;
		if (same) {
			p->unchanged = 1;
			*next = P_DONE;
			goto out;
		}
		diags_init(&d);
		signals_block(1);
		rc = fill_finalize(p->fl, &d, e);
		ready_bye(p);
		signals_block(0);
		if (rc == ERR_INPUT && d.n > 0) {
			/* Not finalized: say what is missing, stay here. */
			err_init(e);
			rc = 0;
			fprintf(p->out, "%s\n", _("Cannot finalize yet:"));
			for (i = 0; i < d.n; i++)
				refusal(p, &d.v[i]);
		} else if (rc == 0)
			*next = P_DONE;
		diags_release(&d);
	} else if (strcmp(l, "?") == 0) {
		snprintf(help, sizeof(help), _("The number of an answer (1 to "
		    "%zu) changes it; Enter finalizes the survey (it is then "
		    "sent at the next sync); < goes back to the last "
		    "question; ! saves the draft and quits."), p->nreview);
		put_wrapped(p, help);
	} else {
		k = (size_t)strtoul(l, &end, 10);
		if (*end != '\0' || k == 0 || k > p->nreview) {
			fprintf(p->out, "  ✗ ");
			fprintf(p->out, _("no answer numbered '%s': the numbers "
			    "go from 1 to %zu"), l, p->nreview);
			fputc('\n', p->out);
		} else if (session_read_only(p->s, p->review[k - 1]))
			cannot_change(p, k);
		else {
			p->fix = p->review[k - 1];
			*next = P_FIX;
		}
	}
out:
	free(raw);
	return rc;
}

static int
fix(struct prompt *p, enum pstate *next, struct err *e)
{
	char	*raw, *l;
	int	 rc = 0;

	show_question(p, p->fix);
	for (;;) {
		if ((raw = read_line(p, "> ")) == NULL) {
			*next = P_QUIT;
			return 0;
		}
		l = trim(raw);
		if (strcmp(l, "!") == 0) {
			*next = P_QUIT;
			break;
		}
		if (strcmp(l, "<") == 0) {
			*next = P_REVIEW;
			break;
		}
		if (strcmp(l, "?") == 0) {
			show_hint(p, p->fix);
			free(raw);
			continue;
		}
		if (answer(p, p->fix, unescape(l), &rc, e) || rc != 0) {
			*next = P_REVIEW;
			break;
		}
		free(raw);
		show_question(p, p->fix);
	}
	free(raw);
	return rc;
}

/* ------------------------------------------------------------------ */

/*
 * Where a resumed draft goes on: the step after the last question
 * answered (which may be "add another?"), else the first question without
 * an answer.
 */
static int
seek(struct prompt *p)
{
	const char	*want = p->fl->position;
	char		*path;
	int		 rc, found = 0;

	if ((rc = session_first(p->s, &p->st)) != 0)
		return rc;
	/* The walk ends: next never adds a repeat instance. */
	while (want != NULL && p->st.kind != STEP_END) {
		if (p->st.kind == STEP_QUESTION) {
			path = inode_path(p->st.node);
			found = path != NULL && strcmp(path, want) == 0;
			free(path);
			if (found)
				return session_next(p->s, &p->st);
		}
		if ((rc = session_next(p->s, &p->st)) != 0)
			return rc;
	}
	/* No position (a draft from --answers --draft), or not there any
	 * more (no longer relevant): the first question without an answer. */
	if ((rc = session_first(p->s, &p->st)) != 0)
		return rc;
	while (p->st.kind == STEP_QUESTION && (p->st.node->value != NULL ||
	    p->st.node->field->kind == FK_NOTE))
		if ((rc = session_next(p->s, &p->st)) != 0)
			return rc;
	return 0;
}

int
prompt_print_answers(struct fill *fl, FILE *out)
{
	struct prompt	p;
	int		rc;

	memset(&p, 0, sizeof(p));
	p.fl = fl;
	p.s = fl->s;
	p.f = fl->form;
	p.out = out;
	p.listing = 1;
	rc = review_walk(&p, session_root(p.s));
	free(p.review);
	return rc;
}

int
prompt_run(struct fill *fl, FILE *in, FILE *out, int review_first,
    const char *prog, enum prompt_result *res, struct err *e)
{
	struct sigaction	old[NEND_SIGNALS];
	struct prompt		p;
	enum pstate		st;
	int			rc = 0;

	*res = PROMPT_SAVED;
	memset(&p, 0, sizeof(p));
	p.fl = fl;
	p.s = fl->s;
	p.f = fl->form;
	p.in = in;
	p.out = out;
	p.tty = isatty(fileno(in)) && isatty(fileno(out));
	p.prog = prog;
	if (p.tty) {
		rl_instream = in;
		rl_outstream = out;
		/* libedit's handlers end with kill(0, sig): the whole
		 * process group, the promoter's shell with it. Ours. */
		rl_catch_signals = 0;
	}
	signals_catch(&p, old);
	fprintf(out, "%s\n", p.f->title != NULL ? p.f->title : p.f->id);
	show_keys(&p);
	if (review_first || fl->saved)
		rc = seek(&p);
	else
		rc = session_first(p.s, &p.st);
	if (rc != 0)
		goto out;
	if (review_first) {
		while (p.st.kind != STEP_END && rc == 0)
			rc = session_next(p.s, &p.st);
	}
	st = p.st.kind == STEP_END ? P_REVIEW : P_ASK;
	while (rc == 0 && st != P_DONE && st != P_QUIT) {
		switch (st) {
		case P_ASK:
			rc = ask(&p, &st, e);
			break;
		case P_REVIEW:
			rc = review(&p, &st, e);
			break;
		case P_FIX:
			rc = fix(&p, &st, e);
			break;
		default:
			break;
		}
	}
	if (rc != 0)
		goto out;
	if (st == P_QUIT && !fl->saved && !fl->rewrite)
		*res = PROMPT_NOTHING;	/* no answer accepted: no row */
	else if (st == P_QUIT)
		rc = save(&p, NULL, e);
	else if (p.unchanged)
		*res = PROMPT_UNCHANGED;
	else
		*res = PROMPT_FINALIZED;
out:
	signals_restore(old);
	free(p.review);
	fflush(out);
	return rc;
}
