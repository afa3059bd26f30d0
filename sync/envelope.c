/*
 * envelope.c: one submission as a line of the wire (CONTRACT.md's
 * Submissions), written by the collector and read by the hub.
 *
 * Encoding puts the identity fields through jansson and splices the data
 * object's text in as forms/submission.c wrote it: a reparse would print
 * 0.1 as 0.10000000000000001. Decoding trusts nothing: every field is
 * checked for presence and JSON type, unknown fields are refused (batch
 * version 1 has exactly these), and the values of a line are counted on
 * the text before jansson builds a tree, so that a line of 100,000 fields
 * is refused without allocating one node per field.
 *
 * The digest is the hub's test of "same content": a SHA-256 of a canonical
 * text (keys sorted, every number parsed as a double and printed back), so
 * that {"a":1,"b":11.50} and {"b":11.5,"a":1.0} are one content. A JSON
 * number is a value, not a spelling: what ODK stores for 11.50 is 11.5.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "sync.h"

/* The string fields in the order CONTRACT.md writes them; data follows. */
static const struct field {
	const char	*name;
	size_t		 off;
	int		 nullable;
	int		 is_id;		/* "uuid:" + a UUID */
} fields[] = {
	{ "instance_id", offsetof(struct envelope, instance_id), 0, 1 },
	{ "deprecated_id", offsetof(struct envelope, deprecated_id), 1, 1 },
	{ "form_id", offsetof(struct envelope, form_id), 0, 0 },
	{ "form_version", offsetof(struct envelope, form_version), 0, 0 },
	{ "device_id", offsetof(struct envelope, device_id), 0, 0 },
	{ "promoter", offsetof(struct envelope, promoter), 1, 0 },
	{ "started_at", offsetof(struct envelope, started_at), 0, 0 },
	{ "finalized_at", offsetof(struct envelope, finalized_at), 1, 0 },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static const char *
field_get(const struct envelope *env, const struct field *f)
{
	return *(const char *const *)(const void *)((const char *)env +
	    f->off);
}

static void
field_put(struct envelope *env, const struct field *f, const char *s)
{
	*(const char **)(void *)((char *)env + f->off) = s;
}

int
sync_uuid_valid(const char *s)
{
	size_t	i;

	for (i = 0; i < UUID_STR_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[i] == '\0';
}

/* Outside input in a message: at most 40 bytes, control bytes as '?'. */
static const char *
shown(const char *s, char out[48])
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < 40; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	if (s[i] != '\0' && i >= 3)
		memcpy(out + i - 3, "...", 3);
	out[i] = '\0';
	return out;
}

char *
envelope_encode(const struct envelope *env)
{
	json_t		*o, *st = NULL;
	const char	*s;
	char		*head = NULL, *state = NULL, *res = NULL;
	struct buf	 b;
	size_t		 i;
	int		 bad = 0;

	/* No ceiling of its own: the text comes from the device's store,
	 * and the batch reader is where lines meet BATCH_LINE_MAX. */
	buf_init(&b, SIZE_MAX / 2);
	if ((o = json_object()) == NULL)
		return NULL;
	/* A NULL mandatory field is written as null, which decode refuses
	 * by name; a string that is not UTF-8 fails here. */
	for (i = 0; i < NFIELDS; i++) {
		s = field_get(env, &fields[i]);
		bad |= json_object_set_new(o, fields[i].name, s != NULL ?
		    json_string(s) : json_null());
	}
	if (bad || (head = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	if (env->state != NULL && ((st = json_string(env->state)) == NULL ||
	    (state = json_dumps(st, JSON_ENCODE_ANY)) == NULL))
		goto out;
	/* head ends with '}': reopen it. */
	if (buf_add(&b, head, strlen(head) - 1) == 0 &&
	    buf_addstr(&b, ",\"data\":") == 0 &&
	    buf_addstr(&b, env->data != NULL ? env->data : "{}") == 0 &&
	    (state == NULL || (buf_addstr(&b, ",\"state\":") == 0 &&
	    buf_addstr(&b, state) == 0)) &&
	    buf_addc(&b, '}') == 0)
		res = buf_detach(&b);
out:
	buf_release(&b);
	free(state);
	free(head);
	json_decref(st);
	json_decref(o);
	return res;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The JSON values in text (containers and leaves; keys are not values),
 * counted on the text itself, stopping past BATCH_VALUES_MAX. Exact for
 * valid JSON; for anything else jansson refuses the line afterwards.
 */
static size_t
count_values(const char *s, size_t len)
{
	size_t	i = 0, j, n = 0;

	while (i < len && n <= BATCH_VALUES_MAX) {
		switch (s[i]) {
		case '{':
		case '[':
			n++;
			i++;
			break;
		case '"':
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			for (j = i; j < len && is_space(s[j]); j++)
				;
			if (j >= len || s[j] != ':')
				n++;
			break;
		case '-':
		case 't':
		case 'f':
		case 'n':
			n++;
			while (i < len && (isalnum((unsigned char)s[i]) ||
			    s[i] == '.' || s[i] == '+' || s[i] == '-'))
				i++;
			break;
		default:
			if (isdigit((unsigned char)s[i])) {
				n++;
				while (i < len && (isalnum((unsigned char)s[i])
				    || s[i] == '.' || s[i] == '+' ||
				    s[i] == '-'))
					i++;
			} else
				i++;
			break;
		}
	}
	return n;
}

static int
known_key(const char *key)
{
	size_t	i;

	if (strcmp(key, "data") == 0 || strcmp(key, "state") == 0)
		return 1;
	for (i = 0; i < NFIELDS; i++)
		if (strcmp(key, fields[i].name) == 0)
			return 1;
	return 0;
}

static int
check_field(const struct field *f, json_t *v, struct envelope *out,
    struct err *e)
{
	const char	*s;
	char		 tmp[48];

	if (v == NULL)
		return err_set(e, ERR_INPUT, _("missing '%s'"), f->name);
	if (json_is_null(v) && f->nullable)
		return 0;
	if (!json_is_string(v))
		return err_set(e, ERR_INPUT, f->nullable ?
		    _("'%s' is neither a string nor null") :
		    _("'%s' is not a string"), f->name);
	s = json_string_value(v);
	if (f->is_id && (strncmp(s, "uuid:", 5) != 0 ||
	    !sync_uuid_valid(s + 5)))
		return err_set(e, ERR_INPUT, _("'%s' is not \"uuid:\" and a "
		    "UUID: '%s'"), f->name, shown(s, tmp));
	field_put(out, f, s);
	return 0;
}

int
envelope_decode(const char *line, size_t len, struct envelope *out,
    struct err *e)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*key;
	char		 tmp[48];
	size_t		 i;
	int		 rc = 0;

	memset(out, 0, sizeof(*out));
	if (count_values(line, len) > BATCH_VALUES_MAX)
		return err_set(e, ERR_INPUT, _("more than %d values in one "
		    "submission"), BATCH_VALUES_MAX);
	/* Without JSON_ALLOW_NUL jansson refuses \u0000: every string is a
	 * C string. It refuses bytes that are not UTF-8 too. */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_set(e, ERR_INPUT, _("not JSON: %s (byte %d)"),
		    je.text, je.position);
	if (!json_is_object(root)) {
		rc = err_set(e, ERR_INPUT, _("not a JSON object"));
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!known_key(key)) {
			rc = err_set(e, ERR_INPUT, _("unknown field '%s'"),
			    shown(key, tmp));
			goto out;
		}
	}
	for (i = 0; i < NFIELDS; i++)
		if ((rc = check_field(&fields[i],
		    json_object_get(root, fields[i].name), out, e)) != 0)
			goto out;
	v = json_object_get(root, "data");
	if (v == NULL) {
		rc = err_set(e, ERR_INPUT, _("missing '%s'"), "data");
		goto out;
	}
	if (!json_is_object(v)) {
		rc = err_set(e, ERR_INPUT, _("'%s' is not an object"), "data");
		goto out;
	}
	out->data_value = v;
	if ((v = json_object_get(root, "state")) != NULL) {
		if (!json_is_string(v)) {
			rc = err_set(e, ERR_INPUT, _("'%s' is not a string"),
			    "state");
			goto out;
		}
		out->state = json_string_value(v);
	}
	out->root = root;
	root = NULL;
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	json_decref(root);
	return rc;
}

void
envelope_release(struct envelope *env)
{
	json_decref(env->root);
	memset(env, 0, sizeof(*env));
}

int
envelope_digest(const struct envelope *env, char out[65], struct err *e)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	json_error_t	 je;
	json_t		*v = NULL;
	char		*text, *canon = NULL;
	int		 rc = 0;

	out[0] = '\0';
	/* A decoded envelope has its tree; an encoder's has the data's
	 * text. Both become one text, read back with every number as a
	 * double: 1, 1.0 and 1.00 print alike, and so do 11.5 and 11.50. */
	if (env->root != NULL)
		text = json_dumps(env->root, JSON_COMPACT);
	else
		text = envelope_encode(env);
	if (text == NULL)
		return err_set(e, ERR_NOMEM, _("out of memory"));
	v = json_loads(text, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES,
	    &je);
	if (v == NULL || !json_is_object(v)) {
		rc = err_set(e, ERR_INPUT, _("the submission is not JSON: %s"),
		    v == NULL ? je.text : _("not an object"));
		goto out;
	}
	json_object_del(v, "state");
	canon = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (canon == NULL) {
		rc = err_set(e, ERR_NOMEM, _("out of memory"));
		goto out;
	}
	crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
	sodium_bin2hex(out, 65, h, sizeof(h));
out:
	free(canon);
	free(text);
	json_decref(v);
	return rc;
}
