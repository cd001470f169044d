/*
 * token_check.h - is this bearer token good for this resource? (TE-10)
 *
 * The resource-server side of the tokens our token endpoint issues: `feed`
 * calls ic_token_check() on every request that carries
 * `Authorization: Bearer` (RS-2), and the introspection endpoint (TE-11)
 * uses ic_token_lookup().  A token is usable when its SHA-256 hash is
 * stored in issued_tokens (TE-7: the token itself never is), it is not
 * revoked (TE-12) and not expired; ic_token_check() also requires that it
 * was issued for the resource asked for (audience restriction, RFC 6750
 * §5.2; RS-6: a token for one conversation never reads another) and that
 * its scope includes `read`.
 *
 * Links only store, store_token, crypto (libcrypto), json, arena and cgi:
 * no libcurl, gumbo or tidy, because `feed` is the hot read path
 * (DESIGN.md).  Each call is one short read-only transaction.
 *
 * Ownership: the strings of a returned struct ic_issued_token live in the
 * arena given (req->arena for ic_token_check()).  Error messages never
 * contain the token.
 */
#ifndef IC_TOKEN_CHECK_H
#define IC_TOKEN_CHECK_H

#include <stdbool.h>

#include "core/arena.h"
#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_token.h"

/* The one scope our tokens carry: read one conversation's feed. */
#define IC_TOKEN_SCOPE_READ "read"

/**
 * Look up the issued token @p secret and check it is usable at @p now:
 * stored (by its SHA-256 hex), not revoked, not expired.
 * @param[in]  st      the site's store.
 * @param[in]  a       where the record's strings are copied.
 * @param[in]  secret  the token as presented; NULL or "" is never valid.
 * @param[in]  now     unix seconds.
 * @param[out] out     the record (also filled for a revoked or expired
 *                     token, so callers can log which it was); may be NULL.
 * @param[out] errbuf  optional: says unknown, revoked or expired.
 * @return IC_OK; IC_ERR_UNAUTHENTICATED (unknown, revoked, expired: answer
 *         401 invalid_token); IC_ERR_DATABASE (LMDB, or a corrupt record:
 *         answer 500); IC_ERR_NOMEM.
 */
enum ic_err ic_token_lookup(struct ic_store *st, struct ic_arena *a,
                            const char *secret, long long now,
                            struct ic_issued_token *out, char *errbuf);

/**
 * TE-10, RS-2: check bearer token @p bearer for @p resource_url now.
 * Opens the site's store through ic_req_store() on first use.
 * @param[in]  req           the request (store, arena, errbuf).
 * @param[in]  bearer        from ic_cgi_bearer(); NULL is unauthenticated.
 * @param[in]  resource_url  the canonical URL of the resource asked for,
 *                           exactly as tokens are bound to it
 *                           (ic_site_topic_url() for a feed); compared
 *                           byte for byte.
 * @param[out] out           the token's record, strings from req->arena;
 *                           may be NULL.
 * @return IC_OK (the token may read @p resource_url);
 *         IC_ERR_UNAUTHENTICATED (unknown, revoked, expired, or issued for
 *         another resource: 401 with error="invalid_token");
 *         IC_ERR_FORBIDDEN (valid, but its scope lacks `read`: 403
 *         insufficient_scope); IC_ERR_CONFIG / IC_ERR_DATABASE /
 *         IC_ERR_IO (the store: 500); IC_ERR_NOMEM.
 *         The reason is in req->errbuf.
 */
enum ic_err ic_token_check(struct ic_req *req, const char *bearer,
                           const char *resource_url,
                           struct ic_issued_token *out);

/**
 * Whether the issued token @p tok (a record from issued_tokens, looked up
 * by its hash) still reads @p resource_url at @p now: not revoked, not
 * expired, issued for it, scope `read`; ic_token_check()'s rules, for a
 * caller that kept the hash (the hub, websub_hub.h).
 */
bool ic_token_reads(const struct ic_issued_token *tok, const char *resource_url,
                    long long now);

/**
 * True when the space-separated scope list @p scope contains @p want as a
 * whole word (RFC 6749 §3.3).  NULL @p scope contains nothing.
 */
bool ic_token_scope_has(const char *scope, const char *want);

#endif /* IC_TOKEN_CHECK_H */
