/*
 * session_answer.c: answering a question (an accepted answer is followed
 * by a recompute), what a question shows and asks (its texts with the
 * answers they name, its choices, whether it is required or read-only),
 * and adding or removing repeat instances.
 */
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "session_priv.h"

/* A form's text with the answers it names (session_text). */
#define SESSION_TEXT_MAX	(1u << 20)

/* ------------------------------------------------------------------ */
/* Answering                                                            */

static int
answerable(const struct field *f)
{
	switch (f->kind) {
	case FK_GROUP:
	case FK_REPEAT:
	case FK_NOTE:
	case FK_CALCULATE:
	case FK_HIDDEN:
	case FK_META:
	case FK_UNSUPPORTED:
		return 0;
	default:
		return 1;
	}
}

/* The value of the question named name as read from at, or NULL. */
static char *
ref_value(struct session *s, const struct inode *at, const char *name,
    size_t n)
{
	struct arena	 a;
	struct expr	*x;
	struct eval_env	 env;
	struct err	 e;
	char		*src, *v = NULL;

	arena_init(&a, 0);
	err_init(&e);
	if ((src = arena_printf(&a, "${%.*s}", (int)n, name)) != NULL &&
	    expr_parse(&a, src, &x, NULL, &e) == 0 &&
	    expr_bind(x, s->form, at->field, &e) == 0) {
		ss_env_init(s, &env, at);
		if (expr_eval_text(x, &env, &v, &e) != 0) {
			free(v);
			v = NULL;
		}
	}
	arena_release(&a);
	return v;
}

char *
session_text(struct session *s, const struct inode *at, const char *t)
{
	struct buf	 b;
	const char	*end;
	char		*v, *res;
	size_t		 n;

	buf_init(&b, SESSION_TEXT_MAX);
	while (*t != '\0') {
		n = strcspn(t, "$");
		buf_add(&b, t, n);
		t += n;
		if (*t == '\0')
			break;
		if (t[1] != '{' || (end = strchr(t + 2, '}')) == NULL ||
		    (size_t)(end - t) > PATH_SEG_MAX) {
			buf_addc(&b, *t++);
			continue;
		}
		v = ref_value(s, at, t + 2, (size_t)(end - t - 2));
		if (v == NULL)
			buf_add(&b, t, (size_t)(end - t) + 1);
		else
			buf_addstr(&b, v);
		free(v);
		t = end + 1;
	}
	if (b.p == NULL)
		buf_addstr(&b, "");
	res = buf_detach(&b);
	buf_release(&b);
	return res;
}

/* The form's message in the session's language, else ours, with the
 * answers it names; caller frees (NULL: out of memory). */
char *
ss_form_msg(struct session *s, const struct inode *at, const struct text *t,
    const char *dflt)
{
	const char	*m = t->v != NULL ? form_text(s->form, t, s->lang) :
			    NULL;

	return session_text(s, at, m != NULL && *m != '\0' ? m : dflt);
}

/* The form's message (form_msg) as a refusal in e: ERR_INPUT. */
static int
msg_set(struct session *s, const struct inode *at, const struct text *t,
    const char *dflt, struct err *e)
{
	char	*m = ss_form_msg(s, at, t, dflt);
	int	 rc = err_set(e, ERR_INPUT, "%s", m != NULL ? m : dflt);

	free(m);
	return rc;
}

int
ss_answer(struct session *s, struct inode *node, const char *text,
    enum mode mode, struct err *e)
{
	const struct field	*f = node->field;
	char			*v = NULL, *old;
	int			 rc, ok;
	struct err		 e2;

	if (!answerable(f))
		return err_set(e, ERR_INPUT, _("this question cannot be "
		    "answered here"));
	if (!node->relevant)
		return err_set(e, ERR_INPUT, _("this question does not "
		    "apply"));
	s->now = clock_now();
	if (session_read_only(s, node))
		return err_set(e, ERR_INPUT, _("this question is read only"));
	if ((rc = ss_normalise(s, node, text != NULL ? text : "", mode, &v,
	    e)) != 0)
		return rc;
	if (v != NULL && f->constraint != NULL) {
		struct eval_env	env;

		old = node->value;
		node->value = v;
		ss_env_init(s, &env, node);
		err_init(&e2);
		rc = expr_eval_bool(f->constraint, &env, &ok, &e2);
		node->value = old;
		if (rc != 0) {
			free(v);
			return err_set(e, ERR_INPUT, _("the answer could not "
			    "be checked: %s"), e2.msg);
		}
		if (!ok) {
			free(v);
			return msg_set(s, node, &f->constraint_msg,
			    _("the answer is not valid"), e);
		}
	}
	if (v == NULL && session_required(s, node))
		return msg_set(s, node, &f->required_msg,
		    _("this question is required"), e);
	s->answered = 1;
	if (ss_set_value_owned(s, ss_snode_of(node), v))
		ss_recompute(s, 0);
	if (s->nomem)
		return err_set(e, ERR_NOMEM, "out of memory");
	return 0;
}

int
session_answer(struct session *s, struct inode *node, const char *text,
    struct err *e)
{
	return ss_answer(s, node, text, MODE_TYPED, e);
}

int
session_choices(struct session *s, const struct inode *node,
    const struct choice ***out, size_t *n, struct err *e)
{
	const struct choice_list	 *l = node->field->list;
	const struct choice		**v;
	struct eval_env			  env;
	size_t				  i, k = 0;
	int				  ok, rc;

	*out = NULL;
	*n = 0;
	if (l != NULL && l->origin == LIST_FILE && !l->attached &&
	    s->form->media_given)
		return err_set(e, ERR_INPUT, _("the list of '%s' is in the "
		    "file '%s', which was not installed with the form: "
		    "install the form with its attachments"),
		    node->field->name, l->file);
	if (l == NULL || l->n == 0)
		return 0;
	if ((v = realloc(s->choices, l->n * sizeof(*v))) == NULL)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->choices = v;
	ss_env_init(s, &env, node);
	for (i = 0; i < l->n; i++) {
		if (node->field->choice_filter != NULL) {
			env.choice = &l->v[i];
			if ((rc = expr_eval_bool(node->field->choice_filter,
			    &env, &ok, e)) != 0)
				return rc;
			if (!ok)
				continue;
		}
		v[k++] = &l->v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

int
session_required(struct session *s, const struct inode *node)
{
	const struct field	*f = node->field;

	if (!node->relevant || f->required == NULL)
		return 0;
	/* A broken expression does not block the person. */
	return ss_eval_bool(s, f->required, node, 0);
}

int
session_read_only(struct session *s, const struct inode *node)
{
	const struct field	*f = node->field;

	/* A calculation without a trigger is the form's to set (ODK's
	 * bind with a calculate is read-only whatever read_only says). */
	if (f->calculation != NULL && f->trigger == NULL)
		return 1;
	/* A broken expression does not lock the question. */
	return f->readonly != NULL && ss_eval_bool(s, f->readonly, node, 0);
}

/* ------------------------------------------------------------------ */
/* Repeats                                                              */

int
session_add_repeat(struct session *s, struct inode *parent,
    const struct field *repeat, struct inode **out, struct err *e)
{
	struct inode	*n = NULL;
	size_t		 at, cnt;
	int		 rc;

	if (out != NULL)
		*out = NULL;
	if (repeat == NULL || repeat->kind != FK_REPEAT || parent == NULL ||
	    repeat->parent != parent->field)
		return err_set(e, ERR_INPUT, "'%s' is not a repeat of '%s'",
		    repeat != NULL ? repeat->name : "",
		    parent != NULL ? parent->field->name : "");
	if (repeat->repeat_count != NULL)
		return err_set(e, ERR_INPUT, _("the number of '%s' is set by "
		    "the form"), repeat->name);
	s->now = clock_now();
	if (!ss_prompt_ok(s, parent, repeat))
		return err_set(e, ERR_INPUT, _("'%s' does not apply"),
		    repeat->name);
	ss_slot(parent, repeat, &at, &cnt);
	if (cnt >= SESSION_MAX_REPEATS)
		return err_set(e, ERR_INPUT, _("'%s' cannot have more than "
		    "%d entries"), repeat->name, SESSION_MAX_REPEATS);
	if ((rc = ss_instance_new(s, parent, repeat, at + cnt, 1, &n, e)) != 0)
		return rc;
	s->answered = 1;
	ss_recompute(s, 1);
	if (out != NULL)
		*out = n;
	return s->nomem ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

int
session_remove_repeat(struct session *s, struct inode *inst, struct err *e)
{
	struct inode	*h;

	if (inst == NULL || inst->field->kind != FK_REPEAT ||
	    inst->parent == NULL)
		return err_set(e, ERR_INPUT, "not a repeat instance");
	if (inst->field->repeat_count != NULL)
		return err_set(e, ERR_INPUT, _("the number of '%s' is set by "
		    "the form"), inst->field->name);
	h = inst->parent;
	ss_instance_remove(s, h, ss_index_in_parent(inst));
	s->answered = 1;
	ss_recompute(s, 1);
	return s->nomem ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}
