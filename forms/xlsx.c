/*
 * xlsx.c: the sheets of an Office Open XML workbook, read as openpyxl
 * reads them for pyxform (read-only, saved values instead of formulas).
 *
 * The zip is libzip's and the XML expat's. The parts are found as the
 * package says, not by guessing names: _rels/.rels names the workbook
 * part, the workbook names its sheets in order and, through its own
 * relationships, their parts, the shared strings and the styles (which
 * say which numbers are dates).
 *
 * Everything here comes from outside, so: parts are inflated in chunks
 * and streamed into expat, with one ceiling on the inflated bytes of all
 * parts together (a declared size is only used to fail early, never
 * trusted); any DTD stops the parser, so no entity can expand; cell
 * references are checked against Excel's limits before they are used.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "workbook_priv.h"

#define XLSX_CHUNK		65536
/*
 * One XML token (a tag with its attributes, a comment, a processing
 * instruction) at most: expat 2.5, Debian 12's, scans an unfinished token
 * again from its start on every chunk it is fed, so one 50 MB comment
 * cost minutes. A token is known to be unfinished when a whole chunk
 * gave no event at all; after XLSX_MAX_TOKEN / XLSX_CHUNK such chunks in
 * a row the part is refused, so no byte is scanned more than five times.
 * Excel's own tokens are a few hundred bytes.
 */
#define XLSX_MAX_TOKEN		(256u << 10)
#define XLSX_MAX_RELS		8192	/* relationships of one part */
#define XLSX_MAX_XFS		65536	/* Excel allows 64000 styles */
#define XLSX_MAX_NUMFMTS	1024	/* Excel allows some 250 */
#define XLSX_MAX_FMT_LEN	255	/* Excel's own limit */
#define XLSX_MAX_PATH		1024

/* How a style shows a number, for openpyxl's date conversion. */
enum xf_kind { XF_NUMBER, XF_DATE, XF_TIMEDELTA };

struct rel {
	char	*id;
	char	*type;
	char	*target;	/* resolved part name, no leading '/' */
};

struct numfmt {
	long		 id;
	enum xf_kind	 kind;
};

struct xlsx {
	struct wb_build		*b;
	const char		*file;
	zip_t			*za;
	size_t			 inflated;	/* all parts so far */
	struct buf		 text;		/* the text being collected */

	struct rel		*rels;		/* of the part just read */
	size_t			 nrels;
	char			*rels_base;	/* its directory */

	char			**sheet_name;	/* workbook.xml, in order */
	char			**sheet_rid;
	size_t			 nsheets;
	int			 date1904;

	char			**sst;		/* shared strings, NULL: "" */
	size_t			 nsst;
	size_t			 capsst;

	struct numfmt		*fmts;		/* custom number formats */
	size_t			 nfmts;
	long			*xf_fmt;	/* cellXfs: numFmtId */
	size_t			 nxf;
	unsigned char		*xf_kind;	/* enum xf_kind per xf */
};

/* What every handler gets: the reader, the parser and the part. */
struct xml_ctx {
	struct xlsx	*x;
	XML_Parser	 p;
	const char	*part;
	struct err	*e;
	int		 rc;
	void		*state;
	size_t		 events;	/* expat callbacks so far */
};

typedef void	start_fn(struct xml_ctx *, const char *, const char **);
typedef void	end_fn(struct xml_ctx *, const char *);

struct xml_handlers {
	start_fn	*start;
	end_fn		*end;
	int		(*collect)(struct xml_ctx *);	/* text wanted now */
};

static void
ctx_fail(struct xml_ctx *c, int code, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
ctx_fail(struct xml_ctx *c, int code, const char *fmt, ...)
{
	char	msg[ERR_MSG_MAX];
	va_list	ap;

	if (c->rc != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == ERR_NOMEM)
		c->rc = err_set(c->e, code, _("%s: out of memory"),
		    c->x->file);
	else
		c->rc = err_set(c->e, code, "%s: %s:%lu:%lu: %s", c->x->file,
		    c->part, (unsigned long)XML_GetCurrentLineNumber(c->p),
		    (unsigned long)XML_GetCurrentColumnNumber(c->p) + 1, msg);
	XML_StopParser(c->p, XML_FALSE);
}

/* The local part of a possibly prefixed name: "r:id" is "id". */
static const char *
local(const char *name)
{
	const char	*c = strrchr(name, ':');

	return c != NULL ? c + 1 : name;
}

static const char *
attr(const char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(local(atts[0]), name) == 0)
			return atts[1];
	return NULL;
}

/* Does s end with "/suffix"? Relationship types come in two spellings
 * (transitional and strict OOXML) that share their last segment. */
static int
type_is(const char *type, const char *suffix)
{
	size_t	n = strlen(type), m = strlen(suffix);

	return type != NULL && n > m && type[n - m - 1] == '/' &&
	    strcmp(type + n - m, suffix) == 0;
}

/* A decimal number of at most 9 digits, whole string; -1 otherwise. */
static long
small_uint(const char *s)
{
	long	v = 0;
	int	n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 9)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_ctx			*c = ud;
	const struct xml_handlers	*h = c->state;

	c->events++;
	if (c->rc == 0 && h->start != NULL)
		h->start(c, local(name), atts);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xml_ctx			*c = ud;
	const struct xml_handlers	*h = c->state;

	c->events++;
	if (c->rc == 0 && h->end != NULL)
		h->end(c, local(name));
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx			*c = ud;
	const struct xml_handlers	*h = c->state;
	int				 rc;

	c->events++;
	if (c->rc != 0 || h->collect == NULL || !h->collect(c))
		return;
	if ((rc = buf_add(&c->x->text, s, (size_t)len)) != 0)
		ctx_fail(c, rc, _("text longer than %u bytes"),
		    WB_MAX_CELL_BYTES);
}

/* Comments and processing instructions are skipped, but they are events:
 * the parser got past them (XLSX_MAX_TOKEN). */
static void XMLCALL
on_comment(void *ud, const XML_Char *data)
{
	struct xml_ctx	*c = ud;

	(void)data;
	c->events++;
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
	struct xml_ctx	*c = ud;

	(void)target;
	(void)data;
	c->events++;
}

/* No DTD, hence no entity can be declared, hence none can expand. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	ctx_fail(ud, ERR_INPUT, _("a DTD (<!DOCTYPE>) is not allowed"));
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	ctx_fail(ud, ERR_INPUT, _("an entity declaration is not allowed"));
}

/*
 * Part names are case-insensitive (OPC), but libzip only hashes exact
 * names: the exact name first, the slow scan only when that fails.
 */
static zip_int64_t
locate(struct xlsx *x, const char *part)
{
	zip_int64_t	idx = zip_name_locate(x->za, part, 0);

	return idx >= 0 ? idx : zip_name_locate(x->za, part, ZIP_FL_NOCASE);
}

/*
 * Stream one part of the zip through expat. h is the first member of the
 * handlers' own state, which they reach through c->state. Returns 0, an
 * error, or -1 when the part is absent and not required.
 */
static int
read_part(struct xlsx *x, const char *part, int required,
    const struct xml_handlers *h, struct err *e)
{
	struct xml_ctx	 c;
	zip_stat_t	 st;
	zip_file_t	*zf = NULL;
	zip_int64_t	 idx, n;
	XML_Parser	 p = NULL;
	void		*chunk;
	size_t		 before, stuck = 0;
	int		 rc = 0;

	if ((idx = locate(x, part)) < 0) {
		if (!required)
			return -1;
		return err_set(e, ERR_INPUT, _("%s: %s: missing from the "
		    "workbook"), x->file, part);
	}
	zip_stat_init(&st);
	if (zip_stat_index(x->za, (zip_uint64_t)idx, 0, &st) == 0 &&
	    (st.valid & ZIP_STAT_SIZE) &&
	    st.size > XLSX_MAX_INFLATED - x->inflated)
		return err_set(e, ERR_INPUT, _("%s: %s: inflates to %llu "
		    "bytes, past the %u bytes allowed for a whole workbook"),
		    x->file, part, (unsigned long long)st.size,
		    XLSX_MAX_INFLATED);
	if ((zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0)) == NULL) {
		rc = err_set(e, ERR_INPUT, "%s: %s: %s", x->file, part,
		    zip_strerror(x->za));
		goto out;
	}
	if ((p = XML_ParserCreate(NULL)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("%s: out of memory"), x->file);
		goto out;
	}
	c.x = x;
	c.p = p;
	c.part = part;
	c.e = e;
	c.rc = 0;
	c.state = (void *)(uintptr_t)h;
	XML_SetUserData(p, &c);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetEntityDeclHandler(p, on_entity);
	XML_SetCommentHandler(p, on_comment);
	XML_SetProcessingInstructionHandler(p, on_pi);
	c.events = 0;
	buf_reset(&x->text);
	for (;;) {
		before = c.events;
		if ((chunk = XML_GetBuffer(p, XLSX_CHUNK)) == NULL) {
			rc = err_set(e, ERR_NOMEM, _("%s: out of memory"),
			    x->file);
			goto out;
		}
		if ((n = zip_fread(zf, chunk, XLSX_CHUNK)) < 0) {
			rc = err_set(e, ERR_INPUT, "%s: %s: %s", x->file, part,
			    zip_file_strerror(zf));
			goto out;
		}
		if ((zip_uint64_t)n > XLSX_MAX_INFLATED - x->inflated) {
			rc = err_set(e, ERR_INPUT, _("%s: %s: more than %u "
			    "bytes once inflated (a zip bomb?)"), x->file,
			    part, XLSX_MAX_INFLATED);
			goto out;
		}
		x->inflated += (size_t)n;
		if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
			if (c.rc != 0)
				rc = c.rc;
			else
				rc = err_set(e, ERR_INPUT, _("%s: %s:%lu:%lu: "
				    "malformed XML: %s"), x->file, part,
				    (unsigned long)XML_GetCurrentLineNumber(p),
				    (unsigned long)
				    XML_GetCurrentColumnNumber(p) + 1,
				    XML_ErrorString(XML_GetErrorCode(p)));
			goto out;
		}
		if (c.rc != 0) {
			rc = c.rc;
			goto out;
		}
		if (n == 0)
			break;
		stuck = c.events == before ? stuck + 1 : 0;
		if (stuck >= XLSX_MAX_TOKEN / XLSX_CHUNK) {
			rc = err_set(e, ERR_INPUT, _("%s: %s: one XML tag or "
			    "comment longer than %u bytes"), x->file, part,
			    XLSX_MAX_TOKEN);
			goto out;
		}
	}
out:
	if (p != NULL)
		XML_ParserFree(p);
	if (zf != NULL)
		zip_fclose(zf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Part names                                                          */

/*
 * The part a relationship target names: absolute ("/xl/sheet1.xml") from
 * the package root, else relative to base (the source part's directory,
 * "" or ending in '/'), with "." and ".." segments resolved.
 */
static char *
resolve(struct arena *a, const char *base, const char *target)
{
	char		 path[XLSX_MAX_PATH], *seg[XLSX_MAX_PATH / 2];
	char		*s, *next;
	size_t		 nseg = 0, i, len = 0;
	struct buf	 out;

	if (target[0] == '/')
		base = "";
	while (target[0] == '/')
		target++;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", base, target) >=
	    sizeof(path))
		return NULL;
	for (s = path; s != NULL; s = next) {
		if ((next = strchr(s, '/')) != NULL)
			*next++ = '\0';
		if (*s == '\0' || strcmp(s, ".") == 0)
			continue;
		if (strcmp(s, "..") == 0) {
			if (nseg > 0)
				nseg--;
			continue;
		}
		seg[nseg++] = s;
	}
	buf_init(&out, sizeof(path));
	for (i = 0; i < nseg; i++)
		if (buf_addf(&out, "%s%s", i ? "/" : "", seg[i]) != 0)
			break;
	len = out.len;
	s = arena_strndup(a, out.p != NULL ? out.p : "", len);
	buf_release(&out);
	return s;
}

/* "xl/workbook.xml" -> "xl/" */
static char *
dirname_of(struct arena *a, const char *part)
{
	const char	*slash = strrchr(part, '/');

	return arena_strndup(a, part, slash != NULL ?
	    (size_t)(slash - part) + 1 : 0);
}

/* "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels" */
static int
rels_name(const char *part, char *out, size_t n)
{
	const char	*slash = strrchr(part, '/');
	int		 dl = slash != NULL ? (int)(slash - part) + 1 : 0;

	return (size_t)snprintf(out, n, "%.*s_rels/%s.rels", dl, part,
	    part + dl) >= n ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Relationships                                                       */

static void
rels_start(struct xml_ctx *c, const char *name, const char **atts)
{
	struct xlsx	*x = c->x;
	struct arena	*a = &x->b->wb->arena;
	const char	*id, *type, *target, *mode;
	struct rel	*r;

	if (strcmp(name, "Relationship") != 0)
		return;
	id = attr(atts, "Id");
	type = attr(atts, "Type");
	target = attr(atts, "Target");
	mode = attr(atts, "TargetMode");
	if (id == NULL || type == NULL || target == NULL ||
	    (mode != NULL && strcmp(mode, "External") == 0))
		return;
	if (x->nrels >= XLSX_MAX_RELS) {
		ctx_fail(c, ERR_INPUT, _("more than %d relationships"),
		    XLSX_MAX_RELS);
		return;
	}
	if ((x->nrels & (x->nrels - 1)) == 0) {	/* 0, 1, 2, 4, ... */
		size_t	cap = x->nrels ? x->nrels * 2 : 8;

		if ((r = arena_alloc(a, cap * sizeof(*r))) == NULL) {
			ctx_fail(c, ERR_NOMEM, _("out of memory"));
			return;
		}
		if (x->nrels > 0)
			memcpy(r, x->rels, x->nrels * sizeof(*r));
		x->rels = r;
	}
	r = &x->rels[x->nrels];
	r->id = arena_strdup(a, id);
	r->type = arena_strdup(a, type);
	r->target = resolve(a, x->rels_base, target);
	if (r->id == NULL || r->type == NULL || r->target == NULL) {
		ctx_fail(c, r->target == NULL && r->id != NULL &&
		    r->type != NULL ? ERR_INPUT : ERR_NOMEM,
		    _("relationship target too long"));
		return;
	}
	x->nrels++;
}

static const struct xml_handlers rels_handlers = { rels_start, NULL, NULL };

/* The relationships of part (none when it has no .rels part). */
static int
read_rels(struct xlsx *x, const char *part, struct err *e)
{
	char	name[XLSX_MAX_PATH];
	int	rc;

	x->rels = NULL;
	x->nrels = 0;
	if (rels_name(part, name, sizeof(name)) != 0)
		return err_set(e, ERR_INPUT, _("%s: part name too long"),
		    x->file);
	if ((x->rels_base = dirname_of(&x->b->wb->arena, part)) == NULL)
		return err_set(e, ERR_NOMEM, _("%s: out of memory"), x->file);
	rc = read_part(x, name, 0, &rels_handlers, e);
	return rc < 0 ? 0 : rc;
}

static const struct rel *
rel_by_type(const struct xlsx *x, const char *type)
{
	size_t	i;

	for (i = 0; i < x->nrels; i++)
		if (type_is(x->rels[i].type, type))
			return &x->rels[i];
	return NULL;
}

static const struct rel *
rel_by_id(const struct xlsx *x, const char *id)
{
	size_t	i;

	for (i = 0; i < x->nrels; i++)
		if (strcmp(x->rels[i].id, id) == 0)
			return &x->rels[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The workbook part: sheet names, order, relationship ids             */

static void
book_start(struct xml_ctx *c, const char *name, const char **atts)
{
	struct xlsx	*x = c->x;
	struct arena	*a = &x->b->wb->arena;
	const char	*v, *id;

	if (strcmp(name, "workbookPr") == 0) {
		v = attr(atts, "date1904");
		x->date1904 = v != NULL && (strcmp(v, "1") == 0 ||
		    strcmp(v, "true") == 0);
		return;
	}
	if (strcmp(name, "sheet") != 0)
		return;
	v = attr(atts, "name");
	id = attr(atts, "id");
	if (v == NULL || id == NULL) {
		ctx_fail(c, ERR_INPUT, _("<sheet> without a name or r:id"));
		return;
	}
	if (x->nsheets >= WB_MAX_SHEETS) {
		ctx_fail(c, ERR_INPUT, _("more than %d sheets"),
		    WB_MAX_SHEETS);
		return;
	}
	if ((x->nsheets & (x->nsheets - 1)) == 0) {
		size_t	  cap = x->nsheets ? x->nsheets * 2 : 8;
		char	**n = arena_alloc(a, cap * sizeof(*n));
		char	**r = arena_alloc(a, cap * sizeof(*r));

		if (n == NULL || r == NULL) {
			ctx_fail(c, ERR_NOMEM, _("out of memory"));
			return;
		}
		if (x->nsheets > 0) {
			memcpy(n, x->sheet_name, x->nsheets * sizeof(*n));
			memcpy(r, x->sheet_rid, x->nsheets * sizeof(*r));
		}
		x->sheet_name = n;
		x->sheet_rid = r;
	}
	x->sheet_name[x->nsheets] = arena_strdup(a, v);
	x->sheet_rid[x->nsheets] = arena_strdup(a, id);
	if (x->sheet_name[x->nsheets] == NULL ||
	    x->sheet_rid[x->nsheets] == NULL) {
		ctx_fail(c, ERR_NOMEM, _("out of memory"));
		return;
	}
	x->nsheets++;
}

static const struct xml_handlers book_handlers = { book_start, NULL, NULL };

/* ------------------------------------------------------------------ */
/* Shared strings                                                      */

struct sst_state {
	struct xml_handlers	 h;
	int			 in_si;
	int			 in_t;
	int			 in_rph;	/* phonetic runs: not text */
};

/* pyxform turns no-break spaces into spaces (its issue #83). */
static void
nbsp_to_space(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++) {
		if ((unsigned char)s[0] == 0xc2 &&
		    (unsigned char)s[1] == 0xa0) {
			*w++ = ' ';
			s++;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* The collected text, "" when none. */
static const char *
text_of(const struct xlsx *x)
{
	return x->text.len > 0 ? x->text.p : "";
}

/* The collected text as an arena string, NULL when empty. */
static int
take_text(struct xml_ctx *c, char **out)
{
	struct xlsx	*x = c->x;

	*out = NULL;
	if (x->text.len == 0)
		return 0;
	if ((*out = arena_strndup(&x->b->wb->arena, x->text.p,
	    x->text.len)) == NULL) {
		ctx_fail(c, ERR_NOMEM, _("out of memory"));
		return ERR_NOMEM;
	}
	nbsp_to_space(*out);
	return 0;
}

static struct sst_state *
sst_of(struct xml_ctx *c)
{
	return (struct sst_state *)(uintptr_t)c->state;
}

static void
sst_start(struct xml_ctx *c, const char *name, const char **atts)
{
	struct sst_state	*s = sst_of(c);

	(void)atts;
	if (strcmp(name, "si") == 0) {
		s->in_si = 1;
		s->in_t = s->in_rph = 0;
		buf_reset(&c->x->text);
	} else if (s->in_si && strcmp(name, "t") == 0)
		s->in_t++;
	else if (s->in_si && strcmp(name, "rPh") == 0)
		s->in_rph++;
}

static void
sst_end(struct xml_ctx *c, const char *name)
{
	struct sst_state	*s = sst_of(c);
	struct xlsx		*x = c->x;
	char			*str;

	if (!s->in_si)
		return;
	if (strcmp(name, "t") == 0 && s->in_t > 0)
		s->in_t--;
	else if (strcmp(name, "rPh") == 0 && s->in_rph > 0)
		s->in_rph--;
	else if (strcmp(name, "si") == 0) {
		s->in_si = 0;
		if (x->nsst >= WORKBOOK_MAX_CELLS) {
			ctx_fail(c, ERR_INPUT, _("more than %u shared "
			    "strings"),
			    WORKBOOK_MAX_CELLS);
			return;
		}
		if (x->nsst == x->capsst) {
			size_t	  cap = x->capsst ? x->capsst * 2 : 256;
			char	**v = realloc(x->sst, cap * sizeof(*v));

			if (v == NULL) {
				ctx_fail(c, ERR_NOMEM, _("out of memory"));
				return;
			}
			x->sst = v;
			x->capsst = cap;
		}
		if (take_text(c, &str) != 0)
			return;
		x->sst[x->nsst++] = str;
	}
}

static int
sst_collect(struct xml_ctx *c)
{
	struct sst_state	*s = sst_of(c);

	return s->in_si && s->in_t > 0 && s->in_rph == 0;
}

/* ------------------------------------------------------------------ */
/* Styles: which cell formats are dates, as openpyxl decides           */

static enum xf_kind format_kind(const char *);

struct styles_state {
	struct xml_handlers	 h;
	int			 in_xfs;	/* in <cellXfs> (not in
						 * <cellStyleXfs>) */
};

static void
styles_start(struct xml_ctx *c, const char *name, const char **atts)
{
	struct styles_state	*s = (struct styles_state *)(uintptr_t)
				    c->state;
	struct xlsx		*x = c->x;
	const char		*code;
	long			 id;

	if (strcmp(name, "cellXfs") == 0)
		s->in_xfs = 1;
	else if (strcmp(name, "numFmt") == 0) {
		id = small_uint(attr(atts, "numFmtId"));
		code = attr(atts, "formatCode");
		if (id < 0 || code == NULL)
			return;
		if (x->nfmts >= XLSX_MAX_NUMFMTS) {
			ctx_fail(c, ERR_INPUT, _("more than %d number "
			    "formats"),
			    XLSX_MAX_NUMFMTS);
			return;
		}
		if ((x->nfmts & (x->nfmts - 1)) == 0) {
			size_t		 cap = x->nfmts ? x->nfmts * 2 : 8;
			struct numfmt	*v = arena_alloc(&x->b->wb->arena,
					    cap * sizeof(*v));

			if (v == NULL) {
				ctx_fail(c, ERR_NOMEM, _("out of memory"));
				return;
			}
			if (x->nfmts > 0)
				memcpy(v, x->fmts, x->nfmts * sizeof(*v));
			x->fmts = v;
		}
		x->fmts[x->nfmts].id = id;
		x->fmts[x->nfmts++].kind = format_kind(code);
	} else if (s->in_xfs && strcmp(name, "xf") == 0) {
		if (x->nxf >= XLSX_MAX_XFS) {
			ctx_fail(c, ERR_INPUT, _("more than %d cell styles"),
			    XLSX_MAX_XFS);
			return;
		}
		if ((x->nxf & (x->nxf - 1)) == 0) {
			size_t	 cap = x->nxf ? x->nxf * 2 : 16;
			long	*v = realloc(x->xf_fmt, cap * sizeof(*v));

			if (v == NULL) {
				ctx_fail(c, ERR_NOMEM, _("out of memory"));
				return;
			}
			x->xf_fmt = v;
		}
		id = small_uint(attr(atts, "numFmtId"));
		x->xf_fmt[x->nxf++] = id < 0 ? 0 : id;
	}
}

static void
styles_end(struct xml_ctx *c, const char *name)
{
	struct styles_state	*s = (struct styles_state *)(uintptr_t)
				    c->state;

	if (strcmp(name, "cellXfs") == 0)
		s->in_xfs = 0;
}

/*
 * openpyxl's is_date_format(): in the first section of the format, with
 * quoted literals and [locale] groups (but not [h] [mm] [ss]) taken out,
 * a date or time letter not escaped by '\' or '_'.
 */
static int
is_date_format(const char *f)
{
	const char	*p, *q;
	char		 prev = '\0';

	for (p = f; *p != '\0' && *p != ';'; p++) {
		if (*p == '"') {
			q = strchr(p + 1, '"');
			if (q != NULL) {
				p = q;
				prev = '"';
				continue;
			}
		}
		if (*p == '[') {
			q = strchr(p + 1, ']');
			if (q != NULL && !(q - p <= 3 && q - p >= 2 &&
			    strchr("hmsHMS", p[1]) != NULL &&
			    (q - p == 2 || p[2] == p[1]))) {
				p = q;
				prev = ']';
				continue;
			}
		}
		if (strchr("dmhysDMHYS", *p) != NULL && prev != '\\' &&
		    prev != '_')
			return 1;
		prev = *p;
	}
	return 0;
}

/* openpyxl's is_timedelta_format(): [h]:mm:ss and its kin. */
static int
is_timedelta_format(const char *f)
{
	const char	*p;

	for (p = f; *p != '\0' && *p != ';'; p++)
		if (p[0] == '[' && strchr("hmsHMS", p[1]) != NULL &&
		    (p[2] == ']' || (p[2] == p[1] && p[3] == ']')))
			return 1;
	return 0;
}

static enum xf_kind
format_kind(const char *f)
{
	if (strlen(f) > XLSX_MAX_FMT_LEN || !is_date_format(f))
		return XF_NUMBER;
	return is_timedelta_format(f) ? XF_TIMEDELTA : XF_DATE;
}

/* The built-in formats openpyxl knows that are dates or durations. */
static const char *
builtin_format(long id)
{
	static const char *const dates[] = {
		"mm-dd-yy", "d-mmm-yy", "d-mmm", "mmm-yy", "h:mm AM/PM",
		"h:mm:ss AM/PM", "h:mm", "h:mm:ss", "m/d/yy h:mm"
	};

	if (id >= 14 && id <= 22)
		return dates[id - 14];
	if (id == 45)
		return "mm:ss";
	if (id == 46)
		return "[h]:mm:ss";
	if (id == 47)
		return "mmss.0";
	return "General";
}

static int
classify_styles(struct xlsx *x, struct err *e)
{
	size_t	i, j;
	int	custom;

	if (x->nxf == 0)
		return 0;
	if ((x->xf_kind = calloc(x->nxf, 1)) == NULL)
		return err_set(e, ERR_NOMEM, _("%s: out of memory"), x->file);
	for (i = 0; i < x->nxf; i++) {
		custom = 0;
		for (j = 0; j < x->nfmts; j++)
			if (x->fmts[j].id == x->xf_fmt[i]) {
				x->xf_kind[i] = x->fmts[j].kind;
				custom = 1;
			}
		if (!custom)
			x->xf_kind[i] = format_kind(builtin_format(
			    x->xf_fmt[i]));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Numbers as pyxform writes them                                      */

/*
 * openpyxl reads a number without '.', 'e' or 'E' as a Python int (exact,
 * however long) and any other as a float; pyxform writes an integral
 * float without ".0" and any other as Python's repr(), the shortest text
 * that reads back as the same double. Returns -1 when s is no number.
 */
static int
format_number(const char *s, char *out, size_t n, double *val)
{
	const char	*p = s, *d;
	char		*end;
	double		 v;
	int		 prec;

	while (*p == ' ')
		p++;
	if (strpbrk(p, ".eE") == NULL) {
		int neg = *p == '-';

		if (*p == '-' || *p == '+')
			p++;
		for (d = p; *d >= '0' && *d <= '9'; d++)
			;
		if (d == p || (*d != '\0' && *d != ' ') ||
		    (size_t)(d - p) + 2 > n)
			goto fp;
		while (p + 1 < d && *p == '0')
			p++;
		if (*p == '0')
			neg = 0;
		snprintf(out, n, "%s%.*s", neg ? "-" : "", (int)(d - p), p);
		*val = strtod(out, NULL);
		return 0;
	}
fp:
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0')
		return -1;
	*val = v;
	if (isnan(v) || isinf(v))
		snprintf(out, n, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" :
		    "inf");
	else if (v == floor(v))
		snprintf(out, n, "%.0f", v == 0 ? 0.0 : v);
	else
		for (prec = 15; prec <= 17; prec++) {
			snprintf(out, n, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
	return 0;
}

/*
 * openpyxl's from_excel(): a serial day number from the epoch (1899-12-30,
 * or 1904-01-01) to Python's str() of the datetime, time or timedelta it
 * makes. Out of Python's range it is "#VALUE!", as openpyxl says.
 */
static void
format_date(double v, int date1904, enum xf_kind kind, char *out, size_t n)
{
	double	 day, ms;
	int64_t	 days, sod;
	int	 y, m, d, us;

	if (!isfinite(v) || fabs(v) > 3e6) {
		snprintf(out, n, "#VALUE!");
		return;
	}
	if (kind == XF_TIMEDELTA) {
		double	total = nearbyint(v * 86400e6);	/* microseconds */
		double	secs = floor(total / 1e6);

		us = (int)nearbyint((total - secs * 1e6) / 1000) * 1000;
		if (us >= 1000000) {
			secs += 1;
			us -= 1000000;
		}
		days = (int64_t)floor(secs / 86400);
		sod = (int64_t)(secs - (double)days * 86400);
		if (days != 0)
			snprintf(out, n, "%lld day%s, ", (long long)days,
			    days == 1 || days == -1 ? "" : "s");
		else
			out[0] = '\0';
		snprintf(out + strlen(out), n - strlen(out), "%d:%02d:%02d",
		    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
		if (us != 0)
			snprintf(out + strlen(out), n - strlen(out), ".%06d",
			    us);
		return;
	}
	day = floor(v);
	ms = nearbyint((v - day) * 86400000.0);
	if (v >= 0 && v < 1 && ms < 86400000.0) {
		sod = (int64_t)ms / 1000;
		us = (int)((int64_t)ms % 1000) * 1000;
		snprintf(out, n, "%02d:%02d:%02d", (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60));
		if (us != 0)
			snprintf(out + strlen(out), n - strlen(out), ".%06d",
			    us);
		return;
	}
	if (!date1904 && v > 0 && v < 60)
		day += 1;	/* Lotus 1-2-3's 1900-02-29 */
	days = (date1904 ? date_days_from_civil(1904, 1, 1) :
	    date_days_from_civil(1899, 12, 30)) + (int64_t)day;
	days += (int64_t)ms / 86400000;
	sod = ((int64_t)ms % 86400000) / 1000;
	us = (int)((int64_t)ms % 1000) * 1000;
	date_civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999) {
		snprintf(out, n, "#VALUE!");
		return;
	}
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (us != 0)
		snprintf(out + strlen(out), n - strlen(out), ".%06d", us);
}

/* ------------------------------------------------------------------ */
/* Worksheets                                                          */

/* What t="..." says: the cell's <v> is a number, a shared string's
 * index, a boolean, or the text itself (str, inlineStr, e, d). */
enum cell_type { CT_NUMBER, CT_SHARED, CT_BOOL, CT_TEXT };

struct sheet_state {
	struct xml_handlers	 h;
	const char		*name;
	char			 where[256];
	int			 in_data;
	long			 row;		/* current row */
	long			 col;		/* last column seen in it */
	int			 in_cell;
	long			 crow, ccol;
	enum cell_type		 type;
	long			 style;
	int			 in_v, in_is, in_t, in_rph;
	int			 has_v;
};

static struct sheet_state *
sheet_of(struct xml_ctx *c)
{
	return (struct sheet_state *)(uintptr_t)c->state;
}

/* "C7" -> column 3, row 7; checked against Excel's limits. */
static int
parse_ref(struct xml_ctx *c, const char *ref, long *row, long *col)
{
	const char	*p = ref;
	long		 cn = 0, rn = 0;

	for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
		cn = cn * 26 + ((*p & ~0x20) - 'A' + 1);
		if (cn > WORKBOOK_MAX_COLS) {
			ctx_fail(c, ERR_INPUT, _("cell '%.20s' is past "
			    "Excel's last column XFD"), ref);
			return -1;
		}
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		rn = rn * 10 + (*p - '0');
		if (rn > WORKBOOK_MAX_ROWS) {
			ctx_fail(c, ERR_INPUT, _("cell '%.20s' is past "
			    "Excel's last row %d"), ref, WORKBOOK_MAX_ROWS);
			return -1;
		}
	}
	if (*p != '\0' || cn == 0 || rn == 0) {
		ctx_fail(c, ERR_INPUT, _("bad cell reference '%.20s'"), ref);
		return -1;
	}
	*row = rn;
	*col = cn;
	return 0;
}

static void
sheet_start(struct xml_ctx *c, const char *name, const char **atts)
{
	struct sheet_state	*s = sheet_of(c);
	const char		*v;
	long			 n;

	if (!s->in_data) {
		if (strcmp(name, "sheetData") == 0)
			s->in_data = 1;
		return;
	}
	if (s->in_cell) {
		if (strcmp(name, "v") == 0) {
			s->in_v = s->has_v = 1;
			buf_reset(&c->x->text);
		} else if (strcmp(name, "is") == 0) {
			s->in_is = 1;
			buf_reset(&c->x->text);
		} else if (s->in_is && strcmp(name, "t") == 0)
			s->in_t++;
		else if (s->in_is && strcmp(name, "rPh") == 0)
			s->in_rph++;
		return;
	}
	if (strcmp(name, "row") == 0) {
		if ((v = attr(atts, "r")) == NULL)
			n = s->row + 1;
		else if ((n = small_uint(v)) < 1 || n > WORKBOOK_MAX_ROWS) {
			ctx_fail(c, ERR_INPUT, _("row '%.20s' is not between "
			    "1 and Excel's last row %d"), v,
			    WORKBOOK_MAX_ROWS);
			return;
		}
		s->row = n;
		s->col = 0;
	} else if (strcmp(name, "c") == 0) {
		const char	*ref = NULL, *t = "n", *style = NULL;

		s->in_cell = 1;
		s->in_v = s->in_is = s->in_t = s->in_rph = s->has_v = 0;
		buf_reset(&c->x->text);
		/* One pass: sheets are mostly cells, cells mostly these. */
		for (; atts[0] != NULL; atts += 2) {
			if (atts[0][1] != '\0')
				continue;
			if (atts[0][0] == 'r')
				ref = atts[1];
			else if (atts[0][0] == 't')
				t = atts[1];
			else if (atts[0][0] == 's')
				style = atts[1];
		}
		if (ref != NULL) {
			if (parse_ref(c, ref, &s->crow, &s->ccol) != 0)
				return;
		} else {
			s->crow = s->row;
			s->ccol = s->col + 1;
		}
		s->col = s->ccol;
		if (strcmp(t, "s") == 0)
			s->type = CT_SHARED;
		else if (strcmp(t, "b") == 0)
			s->type = CT_BOOL;
		else if (strcmp(t, "n") == 0)
			s->type = CT_NUMBER;
		else
			s->type = CT_TEXT;
		s->style = style != NULL ? small_uint(style) : 0;
	}
}

/* The cell just closed, as text. */
static void
sheet_cell(struct xml_ctx *c, struct sheet_state *s)
{
	struct xlsx	*x = c->x;
	struct arena	*a = &x->b->wb->arena;
	char		 num[400], *str = NULL, cn[16];	/* 1e308: 309 digits */
	double		 v;
	long		 i;
	int		 rc;

	if (s->type == CT_TEXT) {
		if (take_text(c, &str) != 0)
			return;
	} else if (!s->has_v)
		return;			/* a formula never calculated */
	else if (s->type == CT_SHARED) {
		if ((i = small_uint(text_of(x))) < 0 || (size_t)i >= x->nsst) {
			wb_colname(s->ccol, cn, sizeof(cn));
			ctx_fail(c, ERR_INPUT, _("cell %s%ld: shared string "
			    "'%.20s' does not exist"), cn, s->crow,
			    text_of(x));
			return;
		}
		str = x->sst[i];
	} else if (s->type == CT_BOOL) {
		str = arena_strdup(a, strtod(text_of(x), NULL) != 0 ?
		    "TRUE" : "FALSE");
		if (str == NULL) {
			ctx_fail(c, ERR_NOMEM, _("out of memory"));
			return;
		}
	} else {
		if (format_number(text_of(x), num, sizeof(num), &v) != 0) {
			wb_colname(s->ccol, cn, sizeof(cn));
			ctx_fail(c, ERR_INPUT, _("cell %s%ld: '%.20s' is not "
			    "a number"), cn, s->crow, text_of(x));
			return;
		}
		if (s->style > 0 && (size_t)s->style < x->nxf &&
		    x->xf_kind[s->style] != XF_NUMBER)
			format_date(v, x->date1904, x->xf_kind[s->style], num,
			    sizeof(num));
		if ((str = arena_strdup(a, num)) == NULL) {
			ctx_fail(c, ERR_NOMEM, _("out of memory"));
			return;
		}
	}
	if ((rc = wbb_cell(x->b, s->crow, s->ccol, str, s->where, c->e)) != 0)
		ctx_fail(c, rc, "cell limit");	/* e already says what */
}

static void
sheet_end(struct xml_ctx *c, const char *name)
{
	struct sheet_state	*s = sheet_of(c);

	if (!s->in_data)
		return;
	if (!s->in_cell) {
		if (strcmp(name, "sheetData") == 0)
			s->in_data = 0;
		return;
	}
	if (strcmp(name, "v") == 0)
		s->in_v = 0;
	else if (strcmp(name, "is") == 0)
		s->in_is = 0;
	else if (strcmp(name, "t") == 0 && s->in_t > 0)
		s->in_t--;
	else if (strcmp(name, "rPh") == 0 && s->in_rph > 0)
		s->in_rph--;
	else if (strcmp(name, "c") == 0) {
		s->in_cell = 0;
		sheet_cell(c, s);
	}
}

static int
sheet_collect(struct xml_ctx *c)
{
	struct sheet_state	*s = sheet_of(c);

	return s->in_cell && (s->in_v || (s->in_is && s->in_t > 0 &&
	    s->in_rph == 0));
}

/* ------------------------------------------------------------------ */

static int
read_sheet(struct xlsx *x, const char *name, const char *rid,
    const char *book, struct err *e)
{
	struct sheet_state	 s;
	const struct rel	*r;
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.h.start = sheet_start;
	s.h.end = sheet_end;
	s.h.collect = sheet_collect;
	s.name = name;
	snprintf(s.where, sizeof(s.where), _("%s: sheet '%s'"), x->file,
	    name);
	if ((rc = wbb_sheet_begin(x->b, name, strlen(name), x->file, e)) != 0)
		return rc;
	if ((r = rel_by_id(x, rid)) == NULL)
		return err_set(e, ERR_INPUT, _("%s: %s: sheet '%s' names "
		    "relationship '%s', which does not exist"), x->file, book,
		    name, rid);
	if (!type_is(r->type, "worksheet"))
		return 0;	/* a chart sheet: no cells, but it exists */
	if ((rc = read_part(x, r->target, 1, &s.h, e)) != 0)
		return rc;
	return wbb_sheet_end(x->b, e);
}

int
xlsx_read(struct wb_build *b, const void *data, size_t len, struct err *e)
{
	struct xlsx		 x;
	struct sst_state	 sst;
	struct styles_state	 sty;
	struct arena		*a = &b->wb->arena;
	const struct rel	*r;
	zip_source_t		*src;
	zip_error_t		 ze;
	char			*book, *sst_part = NULL, *sty_part = NULL;
	size_t			 i;
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.b = b;
	x.file = b->file;
	buf_init(&x.text, WB_MAX_CELL_BYTES);
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(data, len, 0, &ze)) == NULL) {
		rc = err_set(e, ERR_NOMEM, _("%s: out of memory"), x.file);
		goto out;
	}
	if ((x.za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		zip_source_free(src);
		rc = err_set(e, ERR_INPUT, _("%s: not a valid .xlsx (zip) "
		    "file: %s"), x.file, zip_error_strerror(&ze));
		goto out;
	}

	/* The package names its workbook part. */
	if ((rc = read_rels(&x, "", e)) != 0)
		goto out;
	r = rel_by_type(&x, "officeDocument");
	book = arena_strdup(a, r != NULL ? r->target : "xl/workbook.xml");
	if (book == NULL) {
		rc = err_set(e, ERR_NOMEM, _("%s: out of memory"), x.file);
		goto out;
	}
	if (locate(&x, book) < 0) {
		rc = err_set(e, ERR_INPUT, _("%s: not an Excel workbook: it "
		    "has no %s"), x.file, book);
		goto out;
	}
	if ((rc = read_part(&x, book, 1, &book_handlers, e)) != 0)
		goto out;

	/* Its relationships: sheets, shared strings, styles. */
	if ((rc = read_rels(&x, book, e)) != 0)
		goto out;
	if ((r = rel_by_type(&x, "sharedStrings")) != NULL)
		sst_part = r->target;
	if ((r = rel_by_type(&x, "styles")) != NULL)
		sty_part = r->target;
	if (sst_part != NULL) {
		memset(&sst, 0, sizeof(sst));
		sst.h.start = sst_start;
		sst.h.end = sst_end;
		sst.h.collect = sst_collect;
		if ((rc = read_part(&x, sst_part, 0, &sst.h, e)) > 0)
			goto out;
	}
	if (sty_part != NULL) {
		memset(&sty, 0, sizeof(sty));
		sty.h.start = styles_start;
		sty.h.end = styles_end;
		if ((rc = read_part(&x, sty_part, 0, &sty.h, e)) > 0)
			goto out;
		if ((rc = classify_styles(&x, e)) != 0)
			goto out;
	}
	rc = 0;
	for (i = 0; i < x.nsheets && rc == 0; i++)
		rc = read_sheet(&x, x.sheet_name[i], x.sheet_rid[i], book, e);
out:
	if (x.za != NULL)
		zip_discard(x.za);
	zip_error_fini(&ze);
	buf_release(&x.text);
	free(x.sst);
	free(x.xf_fmt);
	free(x.xf_kind);
	return rc;
}
