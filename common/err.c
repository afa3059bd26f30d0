/* err.c: the first error wins, so the message names the real cause. */
#include <stdio.h>
#include <string.h>

#include "common.h"

void
err_init(struct err *e)
{
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

int
err_setv(struct err *e, int code, const char *fmt, va_list ap)
{
	if (e == NULL || e->code != ERR_OK)
		return code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_setv(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void
err_prefix(struct err *e, const char *fmt, ...)
{
	char	pre[ERR_MSG_MAX], old[ERR_MSG_MAX];
	va_list	ap;

	if (e == NULL || e->code == ERR_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation keeps the start, which names the place. */
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", pre, old) < 0)
		e->msg[0] = '\0';
}

int
err_exit_code(const struct err *e)
{
	if (e->code == ERR_NOMEM)
		return ERR_IO;
	return e->code;
}
