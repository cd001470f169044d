/*
 * page.h - the frame of every page the owner sees in a browser: head,
 * the security headers, and a short message page for errors.
 *
 * cgit's ui-shared: one place for what every page has, so a page file
 * only renders its own content (with ic_html_render(), escaped by
 * default).  Pages are answered with `Cache-Control: no-store` (they show
 * private messages), `X-Frame-Options: DENY` and a Content-Security-
 * Policy that allows no inline script and no framing (the passphrase and
 * compose forms cannot be clickjacked), and `Referrer-Policy: same-origin`.
 * Styles and the small live-update script come from B/../public (see
 * DESIGN.md "Layout"); the pages work without them.
 *
 * Links only html, buf, cgi, session and owner_url: `feed` renders its owner
 * pages with it.
 */
#ifndef IC_PAGE_H
#define IC_PAGE_H

#include "core/buf.h"
#include "cgi/cgi.h"
#include "core/err.h"
#include "text/html.h"

/**
 * Start a page in req->resp.body: the HTML head titled "@p title -
 * IndieChat" and the opening of <main>.  @p title is untrusted text.
 */
enum ic_err ic_page_begin(struct ic_req *req, const char *title);

/**
 * Close the page begun with ic_page_begin() and make it the response:
 * @p status, text/html, no-store and the security headers.
 */
enum ic_err ic_page_end(struct ic_req *req, int status);

/**
 * A whole page with a heading and one paragraph (both untrusted text),
 * and a link back to the sign-in page or the inbox.
 */
enum ic_err ic_page_message(struct ic_req *req, int status, const char *title,
                            const char *message);

struct ic_owner;

/**
 * ic_page_begin() for a signed-in owner: also the navigation (inbox,
 * contacts, settings, status, sign-out form) and the element the live
 * script reads its settings from (#ic: data-base, data-csrf, data-page,
 * data-conv).  @p page names the page ("inbox"); @p conv may be NULL.
 */
enum ic_err ic_page_owner_begin(struct ic_req *req, const char *title,
                                const struct ic_owner *owner, const char *page,
                                const char *conv);

/**
 * The hidden fields every owner form carries: the CSRF token and `next`
 * (where to come back to, a path under B).
 */
enum ic_err ic_page_form_hidden(struct ic_req *req,
                                const struct ic_owner *owner, const char *next);

/**
 * One small owner form: a button @p label posting `url` = @p peer (and
 * the hidden fields above) to B/ticket/@p action, its class @p action.
 */
enum ic_err ic_page_action_form(struct ic_req *req, const struct ic_owner *o,
                                const char *action, const char *label,
                                const char *peer, const char *next);

/** "2026-12-02T13:42:57Z" and "2026-12-02 13:42 UTC" for @p t: how pages,
 * the JSON and the terminal faces show times. */
void ic_page_time(long long t, char iso[32], char human[32]);

/** ic_page_message() with a link back to @p back (a URL) named @p label. */
enum ic_err ic_page_message_back(struct ic_req *req, int status,
                                 const char *title, const char *message,
                                 const char *back, const char *label);

/**
 * A refused owner action, for a browser without the script: make the
 * response an HTML page with @p rc's status that says why (req->errbuf)
 * and links back to the form's `next` (a safe path, else the inbox);
 * returns IC_OK then.  @p rc itself when it is IC_OK, a server error
 * (500 and up) or the client wants JSON: the router's plain error.
 */
enum ic_err ic_page_refused(struct ic_req *req, enum ic_err rc);

/** Append a template to the page being built (ic_html_render()). */
enum ic_err ic_page_render(struct ic_req *req, const char *tpl,
                           const struct ic_html_var *vars, size_t nvars);

#endif /* IC_PAGE_H */
