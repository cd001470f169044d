/*
 * ratelimit.c - who is counted where, and the 429 (see ratelimit.h).
 */
#include "cgi/ratelimit.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cgi/route.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "store/conv_state.h"
#include "cgi/maint.h"
#include "store/due.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_rate.h"
#include "store/store_token.h"
#include "text/json.h"
#include "text/url.h"

/* Strangers' tickets (B/ticket). */
static const struct ic_rate_rule ticket_addr = {
        "ticket-addr", IC_RATE_STRANGER_ADDR, IC_RATE_WINDOW, false};
static const struct ic_rate_rule ticket_addr_day = {
        "ticket-addr-day", IC_RATE_STRANGER_ADDR_DAY, IC_RATE_DAY, false};
static const struct ic_rate_rule ticket_site = {
        "ticket-site", IC_RATE_STRANGER_SITE, IC_RATE_WINDOW, false};
static const struct ic_rate_rule ticket_all = {
        "ticket-strangers", IC_RATE_STRANGERS, IC_RATE_WINDOW, false};
/* Strangers' ticket requests (B/auth/token action=ticket, TE-14). */
static const struct ic_rate_rule treq_site = {
        "treq-site", IC_RATE_STRANGER_SITE, IC_RATE_WINDOW, false};
static const struct ic_rate_rule treq_all = {
        "treq-strangers", IC_RATE_STRANGERS, IC_RATE_WINDOW, false};
/* Everything of one correspondent, at both endpoints. */
static const struct ic_rate_rule known_site = {"known-site", IC_RATE_KNOWN_SITE,
                                               IC_RATE_WINDOW, false};
/* Token requests per address, and the refused ones. */
static const struct ic_rate_rule token_addr = {"token-addr", IC_RATE_TOKEN_ADDR,
                                               IC_RATE_WINDOW, false};
static const struct ic_rate_rule token_fails = {
        "token-fails", IC_RATE_TOKEN_FAILS, IC_RATE_WINDOW, true};
static const struct ic_rate_rule token_fails_count = {
        "token-fails", IC_RATE_TOKEN_FAILS, IC_RATE_WINDOW, false};

#define MAX_HITS 4

const char *ic_ratelimit_client(struct ic_req *req)
{
	const char *ra = req->env.remote_addr;
	unsigned char b[16];
	char text[INET6_ADDRSTRLEN];

	if (ra == NULL || *ra == '\0')
		return "none";
	if (inet_pton(AF_INET, ra, b) == 1)
		return ic_arena_printf(req->arena, "v4:%s", ra);
	if (inet_pton(AF_INET6, ra, b) != 1)
		return ic_arena_printf(req->arena, "?:%.64s", ra);
	if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
	    inet_ntop(AF_INET, b + 12, text, sizeof(text)))
		return ic_arena_printf(req->arena, "v4:%s", text);
	/* One host usually holds a whole /64 (RFC 4291 §2.5.1). */
	memset(b + 8, 0, 8);
	if (inet_ntop(AF_INET6, b, text, sizeof(text)) == NULL)
		return "none";
	return ic_arena_printf(req->arena, "v6:%s/64", text);
}

/* --- The request's counters --------------------------------------------- */

enum ic_rate_endpoint {
	IC_RATE_EP_TICKET, /* POST B/ticket (TR-*) */
	IC_RATE_EP_TOKEN,  /* POST B/auth/token (TE-*) */
};

struct judge {
	struct ic_req *req;
	const char *addr, *site; /* site: an origin, or NULL */
	const char *secret_hash; /* a token grant's ticket or refresh hash */
	enum ic_rate_endpoint ep;
	bool treq; /* a ticket request (action=ticket) */
	long long now, retry_after;
	bool quiet; /* out: over a site limit: answer alike, do nothing */
};

struct known_ctx {
	struct ic_arena *a;
	const char *site;
	const char *peer; /* out: a contact on that site */
};

static enum ic_err match_site(const void *k, size_t kl, const void *v,
                              size_t vl, void *p)
{
	struct known_ctx *c = p;
	char *url = ic_arena_memdup(c->a, k, kl);

	(void)v;
	(void)vl;
	if (url == NULL)
		return IC_ERR_NOMEM;
	if (!ic_url_same_origin(url, c->site))
		return IC_OK;
	c->peer = url;
	return IC_STORE_STOP;
}

/* A correspondent: a site we invited or talk with.  Every other position
 * (requesting, declined, blocked) is a stranger's, so a block changes
 * no answer (issue 12). */
static enum ic_err known_in_txn(struct ic_store_txn *t, struct judge *j,
                                bool *known)
{
	struct known_ctx c = {j->req->arena, j->site, NULL};
	struct ic_conv conv;
	enum ic_err rc;

	*known = false;
	if (j->site == NULL)
		return IC_OK;
	rc = ic_store_txn_scan(t, IC_DB_CONTACTS, NULL, 0, match_site, &c);
	if (rc != IC_OK || c.peer == NULL)
		return rc;
	rc = ic_store_conv_by_peer_in_txn(t, j->req->arena, c.peer, &conv);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	*known = rc == IC_OK && ic_conv_chosen(conv.state);
	return rc;
}

/* A ticket or refresh token we issued whose conversation still takes it
 * (a blocked site's old ticket is an unknown one here as well, so the
 * limits it meets say nothing about the block). */
static bool held_in(struct ic_store_txn *t, struct ic_arena *a,
                    enum ic_store_db db, const char *hash,
                    enum ic_conv_event ev)
{
	struct ic_conv conv;
	const char *id;
	cJSON *j;

	if (ic_store_txn_get_json(t, a, db, hash, strlen(hash), &j) != IC_OK)
		return false;
	id = ic_json_str(a, j, "conv");
	if (id == NULL || *id == '\0')
		return true; /* the owner's own sign-in (no conversation) */
	return ic_store_conv_get_in_txn(t, a, id, &conv) == IC_OK &&
	       ic_conv_allows(conv.state, conv.access_revoked, ev);
}

static bool holds_secret(struct ic_store_txn *t, struct ic_arena *a,
                         const char *hash)
{
	return hash &&
	       (held_in(t, a, IC_DB_TICKETS, hash, IC_CONV_EV_TOKEN_REDEEM) ||
	        held_in(t, a, IC_DB_REFRESH, hash, IC_CONV_EV_TOKEN_REFRESH));
}

/* The limits of the client address: the same for every claimed site, so
 * their 429s say nothing about our relationships. */
static size_t address_hits(const struct judge *j, struct ic_rate_hit *h)
{
	size_t n = 0;

	if (j->ep == IC_RATE_EP_TICKET) {
		h[n++] = (struct ic_rate_hit){&ticket_addr, j->addr};
		h[n++] = (struct ic_rate_hit){&ticket_addr_day, j->addr};
		return n;
	}
	h[n++] = (struct ic_rate_hit){&token_addr, j->addr};
	h[n++] = (struct ic_rate_hit){&token_fails, j->addr};
	return n;
}

/* The limits of the claimed site: a correspondent's own, generous one, a
 * stranger's per site and for all strangers together. */
static size_t site_hits(const struct judge *j, bool known,
                        struct ic_rate_hit *h)
{
	size_t n = 0;

	if (j->site == NULL || (j->ep == IC_RATE_EP_TOKEN && !j->treq))
		return 0;
	if (known) {
		h[n++] = (struct ic_rate_hit){&known_site, j->site};
	} else if (j->ep == IC_RATE_EP_TICKET) {
		h[n++] = (struct ic_rate_hit){&ticket_site, j->site};
		h[n++] = (struct ic_rate_hit){&ticket_all, "*"};
	} else {
		h[n++] = (struct ic_rate_hit){&treq_site, j->site};
		h[n++] = (struct ic_rate_hit){&treq_all, "*"};
	}
	return n;
}

/*
 * Anyone may claim any site, so a limit that treats a correspondent's site
 * otherwise than a stranger's must not show in the answer, or four tickets
 * "from" a site would tell whether we talk with it (TE-14, §6: no oracle
 * of our relationships).  Hence two steps:
 *  1. the client address's limits, alike for every claim: over them, 429;
 *  2. the claimed site's limits: over them the request is answered as
 *     any other and quietly does nothing (req->rate_quiet): a stranger
 *     flood, however many addresses it comes from, never crowds out a
 *     correspondent, and never learns who one is.
 * A secret we issued (a ticket or refresh token of a conversation that
 * still takes it) proves its holder: counted under that secret alone.
 */
static enum ic_err judge_txn(struct ic_store_txn *t, void *p)
{
	struct judge *j = p;
	struct ic_rate_hit h[MAX_HITS];
	long long site_wait = 0;
	size_t n;
	bool known;
	enum ic_err rc;

	j->quiet = false;
	if (holds_secret(t, j->req->arena, j->secret_hash)) {
		h[0] = (struct ic_rate_hit){&known_site, j->secret_hash};
		return ic_store_rate_take_in_txn(t, j->req->arena, h, 1, j->now,
		                                 &j->retry_after);
	}
	n = address_hits(j, h);
	rc = ic_store_rate_take_in_txn(t, j->req->arena, h, n, j->now,
	                               &j->retry_after);
	if (rc != IC_OK || j->retry_after > 0)
		return rc;
	rc = known_in_txn(t, j, &known);
	if (rc != IC_OK)
		return rc;
	n = site_hits(j, known, h);
	rc = n ? ic_store_rate_take_in_txn(t, j->req->arena, h, n, j->now,
	                                   &site_wait)
	       : IC_OK;
	j->quiet = site_wait > 0;
	return rc;
}

/* --- What the request says ----------------------------------------------- */

static const char *origin_of(struct ic_req *req, const char *url)
{
	char *o = NULL;

	if (url == NULL || ic_url_origin(req->arena, url, &o, NULL) != IC_OK)
		return NULL;
	return o;
}

static void read_token_form(struct ic_req *req, struct judge *j)
{
	const char *action = ic_form_get(&req->form, "action");
	const char *grant = ic_form_get(&req->form, "grant_type");
	const char *secret = ic_form_get(&req->form, "ticket");

	if (action && strcmp(action, "ticket") == 0 && grant == NULL) {
		j->treq = true;
		j->site = origin_of(req, ic_form_get(&req->form, "subject"));
		return;
	}
	if (grant && strcmp(grant, "refresh_token") == 0)
		secret = ic_form_get(&req->form, "refresh_token");
	if (secret && strlen(secret) <= IC_TOKEN_MAX_SECRET_CHARS)
		j->secret_hash = ic_secret_hash(req->arena, secret);
}

/* --- The answer ------------------------------------------------------- */

/* The OAuth error of the token endpoint (no-store, TE-3). */
static enum ic_err oauth_busy(struct ic_req *req, const char *why)
{
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc = IC_ERR_NOMEM;

	if (j &&
	    cJSON_AddStringToObject(j, "error", "temporarily_unavailable") &&
	    cJSON_AddStringToObject(j, "error_description", why))
		rc = ic_resp_json(req, j);
	cJSON_Delete(j);
	req->resp.status = 429;
	return rc == IC_OK
	               ? ic_resp_add_header(&req->resp, "Pragma", "no-cache")
	               : ic_fail(req->errbuf, rc, "no memory for JSON");
}

static enum ic_err too_many(struct ic_req *req, enum ic_rate_endpoint ep,
                            long long wait)
{
	const char *secs = ic_arena_printf(req->arena, "%lld", wait);
	const char *why = ic_arena_printf(
	        req->arena, "too many requests: try again in %lld seconds",
	        wait);
	enum ic_err rc;

	if (secs == NULL || why == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ep == IC_RATE_EP_TICKET ? ic_resp_text(req, 429, why)
	                             : oauth_busy(req, why);
	req->resp.cache_control = "no-store";
	return rc == IC_OK ? ic_resp_add_header(&req->resp, "Retry-After", secs)
	                   : rc;
}

static enum ic_err check(struct ic_req *req, enum ic_rate_endpoint ep,
                         bool *refused)
{
	struct judge j = {.req = req, .ep = ep, .now = time(NULL)};
	struct ic_store *st;
	enum ic_err rc;

	*refused = false;
	if (req->safe)
		return IC_OK;
	j.addr = ic_ratelimit_client(req);
	if (ep == IC_RATE_EP_TICKET)
		j.site = origin_of(req, ic_form_get(&req->form, "resource"));
	else
		read_token_form(req, &j);
	if (j.addr == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, judge_txn, &j, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (j.quiet) {
		req->rate_quiet = true;
		ic_log(IC_LOG_INFO,
		       "%s request from %s for site %s over the site's limit: "
		       "answered, not acted on",
		       ep == IC_RATE_EP_TICKET ? "ticket" : "token", j.addr,
		       j.site ? j.site : "-");
	}
	if (j.retry_after == 0)
		return IC_OK;
	*refused = true;
	ic_log(IC_LOG_INFO, "%s request from %s (site %s) refused for %llds",
	       ep == IC_RATE_EP_TICKET ? "ticket" : "token", j.addr,
	       j.site ? j.site : "-", j.retry_after);
	return too_many(req, ep, j.retry_after);
}

/* --- After the handler --------------------------------------------------- */

struct fail_ctx {
	struct ic_arena *a;
	const char *addr;
	long long now, retry_after;
};

static enum ic_err fail_txn(struct ic_store_txn *t, void *p)
{
	struct fail_ctx *c = p;
	struct ic_rate_hit h = {&token_fails_count, c->addr};

	return ic_store_rate_take_in_txn(t, c->a, &h, 1, c->now,
	                                 &c->retry_after);
}

static void count_refused(struct ic_req *req, enum ic_rate_endpoint ep)
{
	struct fail_ctx c = {req->arena, NULL, time(NULL), 0};
	struct ic_store *st;
	char errbuf[IC_ERRBUF_SIZE];

	if (ep != IC_RATE_EP_TOKEN || req->safe || req->resp.status < 400 ||
	    req->resp.status >= 500 || req->resp.status == 429)
		return;
	c.addr = ic_ratelimit_client(req);
	if (c.addr == NULL || ic_req_store(req, &st) != IC_OK ||
	    ic_store_update(st, fail_txn, &c, errbuf) != IC_OK)
		ic_log(IC_LOG_WARN, "a refused token request was not counted");
}

enum ic_err ic_ratelimit_route(struct ic_req *req, unsigned needs, bool after,
                               bool *refused)
{
	enum ic_rate_endpoint ep = needs & IC_NEED_RATE_TICKET
	                                   ? IC_RATE_EP_TICKET
	                                   : IC_RATE_EP_TOKEN;

	*refused = false;
	if (!after)
		return check(req, ep, refused);
	count_refused(req, ep);
	return IC_OK;
}

/* --- The cap on message requests ----------------------------------------- */

enum ic_err ic_ratelimit_requests_full_in_txn(struct ic_store_txn *t,
                                              struct ic_arena *a, bool *full)
{
	struct ic_conv *convs;
	size_t n, pending = 0;
	enum ic_err rc = ic_store_conv_list_in_txn(t, a, &convs, &n);

	for (size_t i = 0; rc == IC_OK && i < n; i++)
		if (convs[i].state == IC_CONV_REQUEST)
			pending++;
	*full = rc == IC_OK && pending >= IC_MAX_MESSAGE_REQUESTS;
	return rc;
}

/* --- Clean-up job --------------------------------------------------------- */

enum ic_err ic_ratelimit_gc_job(struct ic_req *req, const char *id)
{
	(void)id;
	return ic_maint_gc_job(req, IC_RATE_GC_JOB, ic_store_rate_gc_in_txn,
	                       "ended rate counter(s)");
}
