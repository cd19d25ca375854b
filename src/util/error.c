/* The error table of error.h, and the small setter every module uses. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

static const struct {
	int status;
	const char *code;
	const char *message;
} error_table[] = {
#define X(name, status, code, msg) {status, code, msg},
    ERROR_LIST(X)
#undef X
};

int err_status(enum err_kind kind)
{
	return kind < E__COUNT ? error_table[kind].status : 500;
}

const char *err_code(enum err_kind kind)
{
	return kind < E__COUNT ? error_table[kind].code : "internal";
}

const char *err_default_message(enum err_kind kind)
{
	return kind < E__COUNT ? error_table[kind].message : "服务器内部错误";
}

int err_set(struct err *e, enum err_kind kind, const char *field, const char *fmt, ...)
{
	if (!e)
		return -1;
	e->kind = kind;
	e->message[0] = '\0';
	e->field[0] = '\0';
	if (field)
		snprintf(e->field, sizeof e->field, "%s", field);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
	}
	/* messages echo input and are cut at a byte limit: keep them valid
	 * UTF-8, or the response could not be built */
	utf8_scrub(e->field);
	utf8_scrub(e->message);
	return -1;
}

const char *err_message(const struct err *e)
{
	return e->message[0] ? e->message : err_default_message(e->kind);
}

int err_oom(struct err *e)
{
	return err_set(e, E_UNAVAILABLE, NULL, "服务器内存不足，请稍后重试");
}
