/*
 * session_priv.h: what the parts of the answer session share, and what
 * form.c asks of them. Not part of the form engine's interface.
 *
 *   session.c            the tree, values and the change log, recompute,
 *                        creating and freeing (its top comment tells how
 *                        a session works)
 *   session_walk.c       the walk: next and previous question or prompt
 *   session_normalise.c  checking and normalising what a person types
 *   session_answer.c     answering, and adding or removing repeats
 *   session_paths.c      paths, restoring, the values and changes a
 *                        store keeps, finalizing
 *   session_json.c       validation, and the --answers JSON
 *
 * A session's recompute needs to know, for each field, which fields its
 * expressions read; that depends on the form only, so form_build has it
 * worked out once and the form's sessions share it (read-only: threads
 * may share the form).
 */
#ifndef SESSION_PRIV_H
#define SESSION_PRIV_H

#include "forms.h"

/* Instances of one repeat in one place. */
#define SESSION_MAX_REPEATS	1000
/* An answer quoted in a message. */
#define QUOTE_MAX		40
/* One segment of a path ("name[12]"). */
#define PATH_SEG_MAX		256

/* A node with the session's own flags; inode first, so that the inode
 * pointers handed out are snode pointers too. */
struct snode {
	struct inode	n;
	unsigned	changed : 1;	/* value changed since the last take */
	unsigned	problem : 1;	/* session_fill_json reported it */
};

/* What the session derives from each field, by field->index. */
struct finfo {
	/* Some expression evaluated before this field in a pass reads it
	 * (or reads a group holding it): a change needs another pass. */
	unsigned		  backref : 1;
	/* Its relevance, calculation or repeat count reads nodes that
	 * expr_refs cannot name (a path): evaluated on every pass. */
	unsigned		  open : 1;
	/* The fields those expressions read, itself included ('.'). */
	const struct field	**deps;
	size_t			  ndeps;
	/* The fields the trigger names. */
	const struct field	**trig;
	size_t			  ntrig;
};

/* The form's, made by form_build: they depend on the form only, and every
 * session of it reads them and writes none. */
struct form_deps {
	struct finfo	*fi;		/* by field->index */
	size_t		 n;
};

struct session {
	const struct form	 *form;
	struct snode		 *root;
	char			 *instance_id;
	char			 *device_id;
	char			 *username;
	char			 *phone;
	char			 *deprecated_id;
	size_t			  lang;
	double			  start;
	double			  now;		/* the clock of this change */
	size_t			  nnodes;
	const struct finfo	 *fi;		/* the form's deps, or own */
	struct finfo		 *own;		/* a form without deps */
	unsigned char		 *dirty;	/* fields changed in this
						 * recompute, and their
						 * ancestors */
	char			**gone;		/* paths that disappeared */
	size_t			  ngone;
	size_t			  capgone;
	const struct choice	**choices;	/* session_choices' array */
	int			  again;	/* this pass asks for another */
	int			  full;		/* this pass evaluates all */
	int			  structural;	/* instances came or went */
	int			  restored;	/* session_restore was called */
	int			  answered;	/* an answer was accepted */
	int			  quiet;	/* no defaults on becoming
						 * relevant (after restore) */
	int			  nomem;
	int			  partial;	/* session_opts.partial */
	/* --answers: recomputes wait until a question needs them (see
	 * "Filling from JSON") */
	int			  defer;
	int			  pending;	/* a recompute waits */
	int			  pending_full;
};

enum mode {
	MODE_TYPED,		/* a person typing: choice numbers first */
	MODE_NAMES,		/* --answers and defaults: choice names */
};


/* Caller frees with form_deps_free(). */
int	form_deps_new(const struct form *f, struct form_deps **out,
	    struct err *e);
void	form_deps_free(struct form_deps *d);

/*
 * What the session's files share, prefixed ss_: global symbols of
 * libforms, they must not take a name another library might use.
 */

/* session.c */
struct snode *ss_snode_of(struct inode *n);
int	ss_is_container(const struct field *f);
void	ss_env_init(struct session *s, struct eval_env *env,
	    const struct inode *here);
int	ss_eval_bool(struct session *s, const struct expr *x,
	    const struct inode *here, int dflt);
size_t	ss_kid_index(const struct field *f, const struct field *k);
size_t	ss_count_from(const struct inode *h, size_t j, const struct field *k);
void	ss_slot(const struct inode *h, const struct field *k, size_t *at,
	    size_t *n);
size_t	ss_index_in_parent(const struct inode *n);
size_t	ss_sibling_index(const struct inode *n);
void	ss_quote(const char *s, size_t n, char out[QUOTE_MAX + 4]);
int	ss_set_value_owned(struct session *s, struct snode *sn, char *v);
int	ss_set_value(struct session *s, struct snode *sn, const char *v);
int	ss_is_stored(const struct inode *n);
int	ss_instance_new(struct session *s, struct inode *h,
	    const struct field *r, size_t at, int with_defaults,
	    struct inode **out, struct err *e);
void	ss_instance_remove(struct session *s, struct inode *h, size_t at);
void	ss_recompute(struct session *s, int full);

/* session_walk.c */
int	ss_prompt_ok(struct session *s, const struct inode *h,
	    const struct field *r);

/* session_normalise.c */
int	ss_normalise(struct session *s, const struct inode *node,
	    const char *text, enum mode mode, char **out, struct err *e);

/* session_answer.c */
char	*ss_form_msg(struct session *s, const struct inode *at,
	    const struct text *t, const char *dflt);
int	ss_answer(struct session *s, struct inode *node, const char *text,
	    enum mode mode, struct err *e);

/* session_paths.c */
struct inode *ss_find(struct session *s, const char *path, int create,
	    struct err *e);

#endif
