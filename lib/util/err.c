/* err.c: filling a struct err */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_vfill(struct err *e, int status, const char *code, const char *field,
		      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void err_vfill(struct err *e, int status, const char *code, const char *field,
		      const char *fmt, va_list ap)
{
	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int err_set(struct err *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	err_vfill(e, status, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int err_field(struct err *e, int status, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	err_vfill(e, status, code, field, fmt, ap);
	va_end(ap);
	return -1;
}

void err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}
