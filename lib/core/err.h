/*
 * err.h - IndieChat's error codes and one-line error messages.
 *
 * Every fallible function in lib/ returns an enum ic_err.  IC_OK is zero,
 * so "if (rc != IC_OK)" and "if (rc)" both read naturally.  Each other value
 * names a kind of failure that a caller handles differently; the details
 * (which field, which host, which limit) go into a caller-supplied error
 * buffer of IC_ERRBUF_SIZE bytes through ic_failf().
 *
 * Numbers are fixed forever: a retired code stays as a placeholder so that
 * logs and tests written against one version keep their meaning.
 *
 * The error buffer is optional everywhere: a NULL errbuf means "the caller
 * only wants the code".  Messages are one line and never contain a secret
 * (token, cookie, ticket, passphrase).
 */
#ifndef IC_ERR_H
#define IC_ERR_H

#include <stddef.h>

/** Size of every error buffer handed to lib/ functions. */
#define IC_ERRBUF_SIZE 256

enum ic_err {
	IC_OK = 0,                  /* success */
	IC_ERR_BAD_INPUT = 1,       /* malformed or missing input: 400 */
	IC_ERR_TOO_LARGE = 2,       /* input or output past a named cap: 413 */
	IC_ERR_UNAUTHENTICATED = 3, /* no or invalid credentials: 401 */
	IC_ERR_FORBIDDEN = 4,       /* credentials valid but not allowed: 403 */
	IC_ERR_NOT_FOUND = 5,       /* no such page or record: 404 */
	IC_ERR_METHOD = 6,          /* method not allowed on this path: 405 */
	IC_ERR_GONE = 7,            /* existed once, retired for good: 410 */
	IC_ERR_CONFLICT = 8,        /* state does not allow it: 409 */
	IC_ERR_MEDIA_TYPE = 9,      /* unsupported request body type: 415 */
	IC_ERR_DATABASE = 10,       /* LMDB failed (message keeps its text) */
	IC_ERR_NETWORK = 11,  /* could not reach a peer, or it timed out */
	IC_ERR_PROTOCOL = 12, /* a peer answered against the protocol */
	IC_ERR_CONFIG = 13,   /* bad configuration (key, file, line) */
	IC_ERR_NOMEM = 14,    /* out of memory */
	IC_ERR_IO = 15,       /* local file or descriptor failure */
	IC_ERR_BLOCKED = 16,  /* destination refused by policy (SSRF) */
	IC_ERR_INTERNAL = 17, /* a bug: an invariant did not hold */
	IC_ERR_LAST           /* not an error: one past the last code */
};

/**
 * A sentence describing @p code, for logs and error pages.
 * @return a static string; never NULL, even for out-of-range codes.
 */
const char *ic_strerror(enum ic_err code);

/**
 * Write a one-line message into @p errbuf (IC_ERRBUF_SIZE bytes).
 * Newlines and other control characters become spaces so the message is
 * always one log line.  Does nothing when @p errbuf is NULL.
 */
void ic_failf(char *errbuf, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/**
 * Set @p errbuf and return @p code, for one-line failure returns:
 *	return ic_fail(errbuf, IC_ERR_BAD_INPUT, "field %s missing", name);
 */
enum ic_err ic_fail(char *errbuf, enum ic_err code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif /* IC_ERR_H */
