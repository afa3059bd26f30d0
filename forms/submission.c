/*
 * submission.c: a session's instance as the two texts that leave the
 * device, the data object of CONTRACT.md (JSON) and the ODK instance XML.
 *
 * The JSON is written here rather than through jansson's encoder because
 * numbers must keep the exact text ODK stores: jansson prints a double
 * with 17 digits (0.1 becomes 0.10000000000000001). Strings are escaped as
 * RFC 8259 asks; the rest of the program splices this text as it is.
 *
 * Both walk the tree in form order. A non-relevant node is absent from
 * both. A repeat is an array of objects in the JSON and its instances
 * side by side in the XML. The instance's identity (instanceID,
 * deprecatedID, instanceName) goes in the XML's <meta> block, as ODK
 * Collect writes it; in the JSON it is the submission's own fields.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forms.h"

/* U+FFFD, for bytes that are not UTF-8 (a value restored from an old
 * store, a calculation's result) */
static const char replacement[] = "\xef\xbf\xbd";

static int
is_container(const struct field *f)
{
	return f->kind == FK_GROUP || f->kind == FK_REPEAT;
}

/* The instance's identity, written in <meta> rather than in form order. */
static int
is_identity(const struct field *f)
{
	return f->kind == FK_META && f->meta != NULL &&
	    (strcasecmp(f->meta, "instanceID") == 0 ||
	    strcasecmp(f->meta, "deprecatedID") == 0 ||
	    strcasecmp(f->meta, "instanceName") == 0);
}

/* Length of the valid UTF-8 character at s (0: not one). */
static size_t
utf8_char(const char *s)
{
	size_t	n;

	for (n = 1; n <= 4 && s[n - 1] != '\0'; n++)
		if (utf8_valid(s, n))
			return n;
	return 0;
}

/* JSON text of s (quotes included). */
static int
json_str(struct buf *b, const char *s)
{
	int	rc = buf_addc(b, '"');
	size_t	n;

	while (rc == 0 && *s != '\0') {
		unsigned char	c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			rc = buf_addc(b, '\\');
			if (rc == 0)
				rc = buf_addc(b, (char)c);
			s++;
		} else if (c < 0x20) {
			if (c == '\n')
				rc = buf_addstr(b, "\\n");
			else if (c == '\t')
				rc = buf_addstr(b, "\\t");
			else if (c == '\r')
				rc = buf_addstr(b, "\\r");
			else
				rc = buf_addf(b, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			rc = buf_addc(b, (char)c);
			s++;
		} else if ((n = utf8_char(s)) > 0) {
			rc = buf_add(b, s, n);
			s += n;
		} else {
			rc = buf_addstr(b, replacement);
			s++;
		}
	}
	return rc == 0 ? buf_addc(b, '"') : rc;
}

/* Whether s is a JSON number exactly as written (and so may be spliced
 * as one): -?(0|[1-9][0-9]*)(.[0-9]+)? */
static int
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Whether a repeat without instances is relevant where it would be. */
static int
empty_repeat_relevant(struct session *s, const struct inode *h,
    const struct field *r)
{
	struct eval_env	env;
	struct err	e;
	int		v;

	if (r->relevant == NULL)
		return 1;
	memset(&env, 0, sizeof(env));
	env.form = session_form(s);
	env.root = session_root(s);
	env.here = h;
	env.now = clock_now();
	err_init(&e);
	if (expr_eval_bool(r->relevant, &env, &v, &e) != 0)
		return 1;
	return v;
}

static int	json_obj(struct session *, const struct inode *, struct buf *);

static int
json_key(struct buf *b, int *first, const char *name)
{
	int	rc = 0;

	if (!*first)
		rc = buf_addc(b, ',');
	*first = 0;
	if (rc == 0)
		rc = json_str(b, name);
	return rc == 0 ? buf_addc(b, ':') : rc;
}

static int
json_leaf(const struct inode *n, struct buf *b)
{
	const struct field	*f = n->field;

	if (n->value == NULL)
		return buf_addstr(b, "null");
	if ((f->kind == FK_INTEGER || f->kind == FK_DECIMAL) &&
	    is_json_number(n->value))
		return buf_addstr(b, n->value);
	return json_str(b, n->value);
}

/* The kids of h as members of the object being written. */
static int
json_obj(struct session *s, const struct inode *h, struct buf *b)
{
	const struct field	*hf = h->field, *k;
	size_t			 i, j = 0, c, at;
	int			 first = 1, rc = buf_addc(b, '{'), any;

	for (i = 0; i < hf->nkids && rc == 0; i++, j += c) {
		k = hf->kids[i];
		for (c = 0; j + c < h->nkids && h->kids[j + c]->field == k;
		    c++)
			;
		if (k->kind == FK_REPEAT) {
			/* Absent when every instance is non-relevant. */
			for (any = 0, at = 0; at < c; at++)
				any |= h->kids[j + at]->relevant;
			if (c > 0 ? !any : !empty_repeat_relevant(s, h, k))
				continue;
			rc = json_key(b, &first, k->name);
			if (rc == 0)
				rc = buf_addc(b, '[');
			for (any = 0, at = 0; at < c && rc == 0; at++) {
				if (!h->kids[j + at]->relevant)
					continue;
				if (any++)
					rc = buf_addc(b, ',');
				if (rc == 0)
					rc = json_obj(s, h->kids[j + at], b);
			}
			if (rc == 0)
				rc = buf_addc(b, ']');
			continue;
		}
		if (c == 0 || !h->kids[j]->relevant || k->kind == FK_NOTE ||
		    is_identity(k))
			continue;
		rc = json_key(b, &first, k->name);
		if (rc != 0)
			break;
		if (k->kind == FK_GROUP)
			rc = json_obj(s, h->kids[j], b);
		else
			rc = json_leaf(h->kids[j], b);
	}
	return rc == 0 ? buf_addc(b, '}') : rc;
}

char *
session_data_json(struct session *s)
{
	struct buf	b;

	buf_init(&b, SUBMISSION_MAX_BYTES);
	if (json_obj(s, session_root(s), &b) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * XML 1.0 character data: & < > " escaped; tab, newline and carriage
 * return as references (so that they survive attribute and line-end
 * normalisation); other control characters, U+FFFE, U+FFFF and bytes that
 * are not UTF-8 cannot appear in XML 1.0 at all and become U+FFFD.
 */
static int
xml_text(struct buf *b, const char *s)
{
	int	rc = 0;
	size_t	n;

	while (rc == 0 && *s != '\0') {
		unsigned char	c = (unsigned char)*s;

		switch (c) {
		case '&':
			rc = buf_addstr(b, "&amp;");
			break;
		case '<':
			rc = buf_addstr(b, "&lt;");
			break;
		case '>':
			rc = buf_addstr(b, "&gt;");
			break;
		case '"':
			rc = buf_addstr(b, "&quot;");
			break;
		case '\t':
			rc = buf_addstr(b, "&#9;");
			break;
		case '\n':
			rc = buf_addstr(b, "&#10;");
			break;
		case '\r':
			rc = buf_addstr(b, "&#13;");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				rc = buf_addstr(b, replacement);
				break;
			}
			if (c < 0x80) {
				rc = buf_addc(b, (char)c);
				break;
			}
			n = utf8_char(s);
			if (n == 0 || (n == 3 && c == 0xef &&
			    (unsigned char)s[1] == 0xbf &&
			    ((unsigned char)s[2] == 0xbe ||
			    (unsigned char)s[2] == 0xbf)) ||
			    (n == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0))
				rc = buf_addstr(b, replacement);
			else
				rc = buf_add(b, s, n);
			s += n > 0 ? n : 1;
			continue;
		}
		s++;
	}
	return rc;
}

static int	xml_node(const struct inode *, struct buf *);

static int
xml_kids(const struct inode *n, struct buf *b)
{
	size_t	i;
	int	rc = 0;

	for (i = 0; i < n->nkids && rc == 0; i++)
		rc = xml_node(n->kids[i], b);
	return rc;
}

static int
xml_node(const struct inode *n, struct buf *b)
{
	const struct field	*f = n->field;
	int			 rc;

	if (!n->relevant || is_identity(f))
		return 0;
	if (is_container(f)) {
		if (n->nkids == 0)
			return buf_addf(b, "<%s/>", f->name);
		if ((rc = buf_addf(b, "<%s>", f->name)) != 0 ||
		    (rc = xml_kids(n, b)) != 0)
			return rc;
		return buf_addf(b, "</%s>", f->name);
	}
	if (n->value == NULL || *n->value == '\0')
		return buf_addf(b, "<%s/>", f->name);
	if ((rc = buf_addf(b, "<%s>", f->name)) != 0 ||
	    (rc = xml_text(b, n->value)) != 0)
		return rc;
	return buf_addf(b, "</%s>", f->name);
}

/* The group that holds the identity, when the form declares one (pyxform
 * names it "meta"): its identity fields are written with ours. */
static const struct inode *
meta_group(const struct inode *root)
{
	size_t	i;

	for (i = 0; i < root->nkids; i++)
		if (root->kids[i]->field->kind == FK_GROUP &&
		    strcmp(root->kids[i]->field->name, "meta") == 0)
			return root->kids[i];
	return NULL;
}

char *
session_instance_xml(struct session *s)
{
	const struct form	*f = session_form(s);
	const struct inode	*root = session_root(s), *meta;
	const char		*dep = session_deprecated_id(s);
	char			*name = session_instance_name(s);
	const char		*top;
	struct buf		 b;
	size_t			 i;
	int			 rc;

	buf_init(&b, SUBMISSION_MAX_BYTES);
	meta = meta_group(root);
	top = f->root->name;	/* an XML name: form_build sees to it */
	rc = buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><%s "
	    "id=\"", top);
	if (rc == 0)
		rc = xml_text(&b, f->id);
	if (rc == 0 && f->version != NULL && *f->version != '\0') {
		rc = buf_addstr(&b, "\" version=\"");
		if (rc == 0)
			rc = xml_text(&b, f->version);
	}
	if (rc == 0)
		rc = buf_addstr(&b, "\">");
	for (i = 0; i < root->nkids && rc == 0; i++)
		if (root->kids[i] != meta)
			rc = xml_node(root->kids[i], &b);
	if (rc == 0)
		rc = buf_addstr(&b, "<meta><instanceID>");
	if (rc == 0)
		rc = xml_text(&b, session_instance_id(s));
	if (rc == 0)
		rc = buf_addstr(&b, "</instanceID>");
	if (rc == 0 && dep != NULL && *dep != '\0') {
		rc = buf_addstr(&b, "<deprecatedID>");
		if (rc == 0)
			rc = xml_text(&b, dep);
		if (rc == 0)
			rc = buf_addstr(&b, "</deprecatedID>");
	}
	if (rc == 0 && name != NULL) {
		rc = buf_addstr(&b, "<instanceName>");
		if (rc == 0)
			rc = xml_text(&b, name);
		if (rc == 0)
			rc = buf_addstr(&b, "</instanceName>");
	}
	/* whatever else the form put in its meta group */
	if (rc == 0 && meta != NULL && meta->relevant)
		rc = xml_kids(meta, &b);
	if (rc == 0)
		rc = buf_addf(&b, "</meta></%s>", top);
	free(name);
	if (rc != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}
