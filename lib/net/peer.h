/*
 * peer.h - talking to another IndieWeb site: the few request shapes the
 * protocols use, on top of the one guarded fetch (lib/net/fetch.h).
 *
 * Every request here goes through ic_fetch() with the site's dev_mode, so
 * the SSRF rules hold for every URL a peer hands us (§10).  Results live
 * in the request's arena.
 */
#ifndef IC_PEER_H
#define IC_PEER_H

#include <cjson/cJSON.h>

#include "cgi/cgi.h"
#include "net/discover.h"
#include "core/err.h"
#include "net/fetch.h"

/**
 * GET @p url (anonymously when @p bearer is NULL) and run discovery on the
 * answer (Link headers first, then <head>: WS-S-1, IA-C-5).
 * @return IC_OK whatever the status (the caller judges it); fetch errors.
 */
enum ic_err ic_peer_get(struct ic_req *req, const char *url, const char *bearer,
                        size_t max_bytes, struct ic_fetch_result *res,
                        struct ic_discovery *d, char *errbuf);

/**
 * GET the feed page @p url with @p bearer, conditionally: with
 * If-None-Match: @p etag when @p etag is not NULL (issue 13: an unchanged
 * page comes back as a 304 with no body).  No discovery.
 * @param[out] etag_out  the answer's ETag when it is a short, printable
 *                       strong or weak tag (at most IC_MAX_ETAG_BYTES),
 *                       else NULL; from the arena.
 * @return as ic_peer_get().
 */
enum ic_err ic_peer_get_feed(struct ic_req *req, const char *url,
                             const char *bearer, size_t max_bytes,
                             const char *etag, struct ic_fetch_result *res,
                             const char **etag_out, char *errbuf);

/**
 * POST the form in @p form to @p url with `Accept: application/json`,
 * following no redirect (the secrets in it are for @p url alone),
 * and parse the answer as JSON, or form-encoded for legacy servers
 * (IA-C-15, TR-6) into @p out (NULL when the body is neither).
 * @return IC_OK whatever the status; fetch errors.
 */
enum ic_err ic_peer_post_form(struct ic_req *req, const char *url,
                              const char *form, size_t len,
                              struct ic_fetch_result *res, cJSON **out,
                              char *errbuf);

/**
 * The IndieAuth metadata document advertised by the page at @p url
 * (rel="indieauth-metadata"), as JSON (IA-C-5, IA-C-6, TS-1, TR-5).
 * @param[out] meta_url  where it was found (optional).
 * @return IC_OK; IC_ERR_NOT_FOUND (the page has no such link);
 *         IC_ERR_PROTOCOL (not JSON or not an object); fetch errors.
 */
enum ic_err ic_peer_metadata(struct ic_req *req, const char *url, cJSON **meta,
                             const char **meta_url, char *errbuf);

/** A string member of a JSON object, from the arena, or NULL. */
const char *ic_peer_str(struct ic_req *req, const cJSON *obj, const char *name);

#endif /* IC_PEER_H */
