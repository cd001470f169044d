/*
 * site.h - the URLs and files of one IndieChat site, derived in one place.
 *
 * Everything a peer sees is under base_url B (DESIGN.md "The five
 * programs"):
 *   B/auth/metadata     IndieAuth server metadata (TE-8); issuer = B/
 *   B/auth/token        token endpoint (grant_type=ticket, TE-1…)
 *   B/auth/authorize    built-in authorization endpoint
 *   B/auth/revoke       token revocation (TE-12)
 *   B/auth/introspect   token introspection (TE-11)
 *   B/auth/client       our client_id as a sign-in client (IA-C-4)
 *   B/auth/callback     our redirect_uri
 *   B/<program>/ping    a program's self-check
 *   B/ticket            ticket endpoint (TR-1…)
 *   B/feed/<topic>      a conversation's feed: resource and WebSub topic
 *   B/feed/<topic>/<n>  older, immutable pages (rel=prev)
 *   B/feed/hub          the built-in WebSub hub
 *   B/listener/<id>     our WebSub callbacks (capability URLs, WS-S-9)
 * and on disk, under data_dir:
 *   feeds/<topic>/page-<n>.html   the static mf2 pages (WS-P-6)
 *   feeds/<topic>/stub.html       the anonymous stub (WS-P-7)
 *   pages.boot                    the boot whose pages are whole (boot.h)
 * All results come from the arena; NULL only when it is out of memory.
 */
#ifndef IC_SITE_H
#define IC_SITE_H

#include "core/arena.h"
#include "core/ic_limits.h"
#include <stdbool.h>

#include "text/config.h"

char *ic_site_issuer(struct ic_arena *a, const struct ic_config *cfg);
char *ic_site_metadata_url(struct ic_arena *a, const struct ic_config *cfg);
char *ic_site_token_endpoint(struct ic_arena *a, const struct ic_config *cfg);
char *ic_site_authorization_endpoint(struct ic_arena *a,
                                     const struct ic_config *cfg);
char *ic_site_revocation_endpoint(struct ic_arena *a,
                                  const struct ic_config *cfg);
char *ic_site_introspection_endpoint(struct ic_arena *a,
                                     const struct ic_config *cfg);
char *ic_site_client_id(struct ic_arena *a, const struct ic_config *cfg);
char *ic_site_redirect_uri(struct ic_arena *a, const struct ic_config *cfg);
/** B/<program>/ping, @p program "auth", "feed", ... */
char *ic_site_ping_url(struct ic_arena *a, const struct ic_config *cfg,
                       const char *program);
char *ic_site_ticket_endpoint(struct ic_arena *a, const struct ic_config *cfg);
/** cfg->hub when set, else the built-in hub B/feed/hub. */
char *ic_site_hub_url(struct ic_arena *a, const struct ic_config *cfg);
char *ic_site_topic_url(struct ic_arena *a, const struct ic_config *cfg,
                        const char *topic);
/** B/feed/<topic>/<n>: an older page. */
char *ic_site_page_url(struct ic_arena *a, const struct ic_config *cfg,
                       const char *topic, long long n);
char *ic_site_callback_url(struct ic_arena *a, const struct ic_config *cfg,
                           const char *id);
/** data_dir/feeds/<topic> */
char *ic_site_feed_dir(struct ic_arena *a, const struct ic_config *cfg,
                       const char *topic);
/** "page-<n>.html" */
char *ic_site_page_file(struct ic_arena *a, long long n);
#define IC_SITE_STUB_FILE "stub.html"
/** In data_dir: the boot in which every page was last made whole. */
#define IC_SITE_PAGES_STAMP "pages.boot"

/** The page (from 1) that holds outgoing message @p seq. */
long long ic_site_page_of(long long seq, long long page_size);

/** True when @p id looks like one of our base32 ids (cheap 404s). */
bool ic_site_id_ok(const char *id);

#endif /* IC_SITE_H */
