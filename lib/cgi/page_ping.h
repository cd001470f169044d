/*
 * page_ping.h - the self-check every program answers at B/<prog>/ping.
 *
 * It tells a status page (or a person with curl) that the program is
 * mounted, which version runs, and whether the web server passes the
 * Authorization header through (H-9: Apache drops it for CGIs unless
 * `CGIPassAuth On`).  It never echoes a credential: only its scheme.
 * A POST reports how many body bytes and form fields arrived, which checks
 * that request bodies reach the program intact.
 */
#ifndef IC_PAGE_PING_H
#define IC_PAGE_PING_H

#include "cgi/cgi.h"
#include "core/err.h"

/** GET/HEAD handler: {"program", "version", "authorization"} as JSON. */
enum ic_err ic_page_ping(struct ic_req *req);

/** POST handler (IC_NEED_FORM): adds "body_bytes" and "fields". */
enum ic_err ic_page_ping_post(struct ic_req *req);

#endif /* IC_PAGE_PING_H */
