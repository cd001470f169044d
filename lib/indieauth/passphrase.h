/*
 * passphrase.h - the owner's passphrase for the built-in authorization
 * endpoint: crypt(3) yescrypt hashes, the check, and the slow-down of
 * wrong guesses per client address (docs/web.md, issue 5).
 *
 * The hash comes from `passphrase_hash` in the configuration when set,
 * else from the site's database (`auth --set-passphrase`).  Checking
 * always runs one yescrypt computation -- against a fixed dummy hash when
 * no passphrase is set -- and compares in constant time, so the time of
 * an answer says nothing about the passphrase or whether one is set.
 *
 * Wrong passphrases are counted per client (REMOTE_ADDR; for IPv6 its
 * /64) in the "rate" database:
 * from the IC_PASSPHRASE_FREE_TRIES-th failure on, that address must wait
 * 2^(n - FREE) seconds (at most IC_PASSPHRASE_MAX_WAIT) before another
 * attempt is even checked; a right passphrase clears the count, and a
 * count older than a day is forgotten.
 */
#ifndef IC_PASSPHRASE_H
#define IC_PASSPHRASE_H

#include <stdbool.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Hash @p pass with yescrypt and a fresh salt.
 * @param[out] out  "$y$...", from @p a.
 * @return IC_OK; IC_ERR_BAD_INPUT (too short or long); IC_ERR_INTERNAL
 *         (libcrypt failed).
 */
enum ic_err ic_passphrase_hash(struct ic_arena *a, const char *pass, char **out,
                               char *errbuf);

/**
 * Seconds the client address of @p req must still wait before a
 * passphrase is checked (0: go ahead).
 */
enum ic_err ic_passphrase_wait(struct ic_req *req, long long *wait);

/**
 * Check @p pass against the owner's hash for the client of @p req.  The
 * attempt is counted as a failure, in one write transaction with the look
 * at the count, before the hash is computed (so parallel guesses cannot
 * share one turn); a right passphrase then clears the count.
 * @param[out] ok    the answer.
 * @param[out] wait  optional: seconds the client must still wait; when
 *                   > 0 the passphrase was not checked (*@p ok is false).
 * @return IC_OK (whatever the answer); store errors.  A site without a
 *         passphrase answers *ok = false and logs why.
 */
enum ic_err ic_passphrase_check(struct ic_req *req, const char *pass, bool *ok,
                                long long *wait);

/** `auth --set-passphrase`: read one line from stdin and store its hash. */
enum ic_err ic_passphrase_cli_set(struct ic_req *req, int argc, char **argv);

#endif /* IC_PASSPHRASE_H */
