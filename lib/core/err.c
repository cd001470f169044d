/*
 * err.c - sentences for enum ic_err and the one-line message writer.
 */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const messages[IC_ERR_LAST] = {
        [IC_OK] = "no error",
        [IC_ERR_BAD_INPUT] = "the input is malformed or incomplete",
        [IC_ERR_TOO_LARGE] = "the input is larger than allowed",
        [IC_ERR_UNAUTHENTICATED] = "valid credentials are required",
        [IC_ERR_FORBIDDEN] = "not allowed",
        [IC_ERR_NOT_FOUND] = "not found",
        [IC_ERR_METHOD] = "method not allowed",
        [IC_ERR_GONE] = "gone for good",
        [IC_ERR_CONFLICT] = "the current state does not allow this",
        [IC_ERR_MEDIA_TYPE] = "unsupported media type",
        [IC_ERR_DATABASE] = "the database failed",
        [IC_ERR_NETWORK] = "a network request failed",
        [IC_ERR_PROTOCOL] = "a peer broke the protocol",
        [IC_ERR_CONFIG] = "the configuration is invalid",
        [IC_ERR_NOMEM] = "out of memory",
        [IC_ERR_IO] = "a local file operation failed",
        [IC_ERR_BLOCKED] = "the destination is refused by policy",
        [IC_ERR_INTERNAL] = "internal error",
};

const char *ic_strerror(enum ic_err code)
{
	if ((unsigned)code >= IC_ERR_LAST || messages[code] == NULL)
		return "unknown error";
	return messages[code];
}

__attribute__((format(printf, 2, 0))) static void
vfailf(char *errbuf, const char *fmt, va_list ap)
{
	if (errbuf == NULL)
		return;
	vsnprintf(errbuf, IC_ERRBUF_SIZE, fmt, ap);
	/* One line for the log, whatever the caller's data contained. */
	for (char *p = errbuf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

void ic_failf(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfailf(errbuf, fmt, ap);
	va_end(ap);
}

enum ic_err ic_fail(char *errbuf, enum ic_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfailf(errbuf, fmt, ap);
	va_end(ap);
	return code;
}
