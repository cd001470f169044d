/*
 * owner_url.h - the URLs of the owner's pages and actions (docs/web.md),
 * built in one place next to the route tables that serve them, so a page
 * never spells "/feed/with/" by hand:
 *
 *   B/feed/              inbox                 ic_url_inbox
 *   B/feed/contacts      contacts              ic_url_contacts
 *   B/feed/search        search (GET ?q=)      ic_url_search
 *   B/feed/with/<conv>   a conversation        ic_url_conversation
 *   B/auth/settings      settings              ic_url_settings
 *   B/auth/status        status                ic_url_status
 *   B/auth/login[?next]  sign-in               ic_url_signin
 *   B/auth/logout        sign-out (POST)       ic_url_signout
 *   B/send               send (POST)           ic_url_send
 *   B/ticket/<action>    invite, accept, ...   ic_url_ticket_action
 *
 * Every function returns an absolute URL under base_url, from @p a (NULL
 * only when it is out of memory); ic_url_path() turns one into the path
 * on our site that forms carry as `next`.  URLs a peer sees (endpoints,
 * topics, callbacks) are in site.h.
 */
#ifndef IC_OWNER_URL_H
#define IC_OWNER_URL_H

#include "core/arena.h"
#include "text/config.h"

char *ic_url_inbox(struct ic_arena *a, const struct ic_config *cfg);
char *ic_url_contacts(struct ic_arena *a, const struct ic_config *cfg);
char *ic_url_search(struct ic_arena *a, const struct ic_config *cfg);
/** @p conv: a conversation id (base32, as routed by "/with/{conv}"). */
char *ic_url_conversation(struct ic_arena *a, const struct ic_config *cfg,
                          const char *conv);
char *ic_url_settings(struct ic_arena *a, const struct ic_config *cfg);
char *ic_url_status(struct ic_arena *a, const struct ic_config *cfg);
/**
 * The sign-in page; with @p next (a path on our site, form-encoded here)
 * it comes back there after signing in.  @p next NULL: no query.
 */
char *ic_url_signin(struct ic_arena *a, const struct ic_config *cfg,
                    const char *next);
char *ic_url_signout(struct ic_arena *a, const struct ic_config *cfg);
char *ic_url_send(struct ic_arena *a, const struct ic_config *cfg);
/** @p action: "invite", "accept", "decline", "block" or "revoke". */
char *ic_url_ticket_action(struct ic_arena *a, const struct ic_config *cfg,
                           const char *action);

/**
 * The path of @p url on our site ("/indiechat/feed/" of
 * "https://alice.example/indiechat/feed/"), pointing into @p url; NULL
 * when @p url is NULL.  @p url must be one of the URLs above.
 */
const char *ic_url_path(const struct ic_config *cfg, const char *url);

#endif /* IC_OWNER_URL_H */
