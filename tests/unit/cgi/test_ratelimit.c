/*
 * test_ratelimit.c - the rate limits of the ticket and token endpoints
 * (lib/cgi/ratelimit.c) through the router, in a real LMDB: a stranger
 * flood from one address meets 429 with Retry-After while other
 * addresses, other sites' correspondents and secret holders pass; a
 * blocked site gets exactly the answers an unknown one gets; IPv6
 * addresses count by /64 (issue 12).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cgi/ratelimit.h"
#include "cgi/route.h"
#include "core/ic_limits.h"
#include "fixture.h"
#include "store/store_conv.h"
#include "store/store_token.h"
#include "ticketauth/ticket_endpoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HELD_TICKET   "a-ticket-we-issued-Zq8pW3nL5vK7xT2mR9sY4bH6jD1fG0"

static int calls, quiet;

/* As the real endpoint: the same 202 whether it acts or not. */
static enum ic_err h_ticket(struct ic_req *req)
{
	calls++;
	quiet += req->rate_quiet;
	return ic_resp_text(req, 202, "ticket received");
}

/* A token endpoint that grants HELD_TICKET and "ok-*", refuses the rest. */
static enum ic_err h_token(struct ic_req *req)
{
	const char *ticket = ic_form_get(&req->form, "ticket");

	calls++;
	if (ticket && (strcmp(ticket, HELD_TICKET) == 0 ||
	               strncmp(ticket, "ok-", 3) == 0))
		return ic_resp_text(req, 200, "token");
	return ic_resp_text(req, 400, "invalid_grant");
}

static const struct ic_route routes[] = {
        {"POST", "/ticket", h_ticket, IC_NEED_RATE_TICKET, "ticket"},
        {"POST", "/token", h_token, IC_NEED_RATE_TOKEN, "token"},
};

static int run(struct ic_fx *fx, const char *path, const char *addr,
               const char *body, struct ic_fx_run *r)
{
	struct ic_fx_call call = {.method = "POST",
	                          .path = path,
	                          .body = body,
	                          .remote_addr = addr};

	if (fx->rate_limit == NULL)
		fx->rate_limit = ic_ratelimit_route; /* as auth and ticket */
	ic_fx_run(fx, routes, ARRAY_SIZE(routes), &call, r);
	return r->status;
}

/* POST a ticket for @p site's feed from @p addr; the status. */
static int ticket(struct ic_fx *fx, const char *addr, const char *site)
{
	struct ic_fx_run r;
	char body[512];
	int status;

	snprintf(body, sizeof(body),
	         "ticket=0123456789abcdef0123&resource=%sfeed&subject=%s", site,
	         IC_FX_ME);
	status = run(fx, "/ticket", addr, body, &r);
	ic_fx_done(&r);
	return status;
}

static int grant(struct ic_fx *fx, const char *addr, const char *ticket)
{
	struct ic_fx_run r;
	char body[256];
	int status;

	snprintf(body, sizeof(body), "grant_type=ticket&ticket=%s", ticket);
	status = run(fx, "/token", addr, body, &r);
	ic_fx_done(&r);
	return status;
}

struct put {
	struct ic_arena *a;
	const char *peer;
	enum ic_conv_state state;
};

static enum ic_err put_in_txn(struct ic_store_txn *t, void *p)
{
	struct put *c = p;
	/* Any unique id: the peer's URL past "https://"; bob's below. */
	struct ic_conv conv = {.id = c->peer ? c->peer + 8 : NULL,
	                       .peer = c->peer,
	                       .state = c->state,
	                       .created = 1,
	                       .page_size = 50};
	struct ic_ticket tk = {.conv = "conv",
	                       .subject = "https://bob.example/",
	                       .resource = IC_FX_BASE "/feed/conv",
	                       .expires = time(NULL) + 300};

	enum ic_err rc;

	if (c->peer != NULL)
		return ic_store_conv_put_in_txn(t, c->a, &conv);
	conv.id = "conv";
	conv.peer = "https://bob.example/";
	rc = ic_store_conv_put_in_txn(t, c->a, &conv);
	return rc ? rc
	          : ic_store_ticket_put_in_txn(
	                    t, c->a, ic_secret_hash(c->a, HELD_TICKET), &tk);
}

/* A conversation with @p peer in @p state; NULL: bob's, in @p state,
 * and HELD_TICKET for it. */
static void put(struct ic_fx *fx, const char *peer, enum ic_conv_state state)
{
	struct put c = {ic_arena_new(0), peer, state};

	assert_int_equal(ic_fx_txn(fx, NULL, true, put_in_txn, &c), IC_OK);
	ic_arena_free(c.a);
}

static void flood_from_one_address(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	char site[64], wait[16], said[64];

	calls = 0;
	for (int i = 0; i < IC_RATE_STRANGER_ADDR; i++) {
		snprintf(site, sizeof(site), "https://s%d.example/", i);
		assert_int_equal(ticket(fx, "192.0.2.1", site), 202);
	}
	assert_int_equal(
	        run(fx, "/ticket", "192.0.2.1",
	            "ticket=0123456789abcdef0123&resource=https://x.example/"
	            "&subject=" IC_FX_ME,
	            &r),
	        429);
	/* The window opened with the first ticket, maybe a second or two
	 * before this refusal: the wait is what is left of it, and the page
	 * says the same number as the header. */
	assert_true(ic_fx_header(&r, "Retry-After", wait, sizeof(wait)));
	assert_true(atoi(wait) > IC_RATE_WINDOW - 60 &&
	            atoi(wait) <= IC_RATE_WINDOW);
	snprintf(said, sizeof(said), "try again in %s seconds", wait);
	assert_non_null(strstr(r.body, said));
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	ic_fx_done(&r);
	/* The refused request never reached the handler... */
	assert_int_equal(calls, IC_RATE_STRANGER_ADDR);
	/* ...and another address is judged on its own. */
	assert_int_equal(ticket(fx, "192.0.2.2", "https://y.example/"), 202);
}

/* Over a site's limit the answer is the same 202 (anyone can claim any
 * site: a 429 here would tell strangers from correspondents), and the
 * handler is told to do nothing. */
static void per_site(void **state)
{
	struct ic_fx *fx = *state;
	char addr[32];

	quiet = 0;
	for (int i = 0; i < IC_RATE_STRANGER_SITE; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i + 1);
		assert_int_equal(ticket(fx, addr, "https://spam.example/"),
		                 202);
	}
	assert_int_equal(quiet, 0);
	assert_int_equal(ticket(fx, "198.51.100.99", "https://spam.example/"),
	                 202);
	assert_int_equal(quiet, 1);
	/* The same host on another port is another site (an origin). */
	assert_int_equal(
	        ticket(fx, "198.51.100.99", "https://spam.example:8443/"), 202);
	assert_int_equal(quiet, 1);
}

static void correspondents_are_not_starved(void **state)
{
	struct ic_fx *fx = *state;
	char addr[32], site[64];
	int refused = 0;

	put(fx, "https://bob.example/", IC_CONV_ACTIVE);
	put(fx, "https://carol.example/", IC_CONV_INVITED);
	put(fx, "https://dave.example/", IC_CONV_REQUEST);
	/* Strangers from many addresses use up all strangers' allowance:
	 * the rest are answered alike and dropped. */
	quiet = 0;
	for (int i = 0; i < IC_RATE_STRANGERS + 5; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
		snprintf(site, sizeof(site), "https://f%d.example/", i);
		refused += ticket(fx, addr, site) == 429;
	}
	assert_int_equal(refused, 0);
	assert_int_equal(quiet, 5);
	/* A requesting site is still a stranger... */
	assert_int_equal(ticket(fx, "192.0.2.9", "https://dave.example/"), 202);
	assert_int_equal(quiet, 6);
	/* ...while correspondents are acted on. */
	assert_int_equal(ticket(fx, "192.0.2.7", "https://bob.example/"), 202);
	assert_int_equal(ticket(fx, "192.0.2.8", "https://carol.example/"),
	                 202);
	assert_int_equal(quiet, 6);
	/* An address over its own limit gets 429 whatever site it claims,
	 * a correspondent's too: the 429 says nothing about who we know. */
	for (int i = 0; i < IC_RATE_STRANGER_ADDR; i++)
		ticket(fx, "192.0.2.1", "https://s.example/");
	assert_int_equal(ticket(fx, "192.0.2.1", "https://s.example/"), 429);
	assert_int_equal(ticket(fx, "192.0.2.1", "https://bob.example/"), 429);
}

/* The whole answer (ours carry no Date), with the numbers of seconds
 * made "N": two windows that began a second apart say different waits. */
static char *answer(struct ic_fx *fx, const char *addr, const char *site)
{
	struct ic_fx_run r;
	char body[512], *copy, *o;

	snprintf(body, sizeof(body),
	         "ticket=0123456789abcdef0123&resource=%sfeed&subject=%s", site,
	         IC_FX_ME);
	run(fx, "/ticket", addr, body, &r);
	copy = strdup(r.out);
	ic_fx_done(&r);
	assert_non_null(copy);
	o = copy;
	for (const char *p = copy; *p; p++)
		if (!(*p >= '0' && *p <= '9' && o > copy && o[-1] == 'N'))
			*o++ = *p >= '0' && *p <= '9' ? 'N' : *p;
	*o = '\0';
	return copy;
}

static void blocked_answers_as_unknown(void **state)
{
	struct ic_fx *fx = *state;

	put(fx, "https://mallory.example/", IC_CONV_BLOCKED);
	put(fx, "https://trent.example/", IC_CONV_DECLINED);
	put(fx, "https://bob.example/", IC_CONV_ACTIVE);
	/* Past the sites' limits too, and for a correspondent as well; each
	 * round from fresh addresses, so that only the sites' limits bite. */
	for (int i = 0; i < IC_RATE_STRANGER_SITE + 2; i++) {
		char a[4][32];

		for (int k = 0; k < 4; k++)
			snprintf(a[k], sizeof(a[k]), "192.0.%d.%d", 10 + k,
			         i + 1);
		char *blocked = answer(fx, a[0], "https://mallory.example/");
		char *declined = answer(fx, a[1], "https://trent.example/");
		char *unknown = answer(fx, a[2], "https://eve.example/");
		char *known = answer(fx, a[3], "https://bob.example/");

		assert_string_equal(blocked, unknown);
		assert_string_equal(declined, unknown);
		assert_string_equal(known, unknown);
		assert_non_null(strstr(unknown, "Accepted"));
		free(blocked);
		free(declined);
		free(unknown);
		free(known);
	}
}

static void ipv6_by_64(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_req *req = &fx->req;
	char site[64];

	assert_int_equal(ic_fx_open_req(fx, "ticket"), IC_OK);
	req->env.remote_addr = "2001:db8:1:2:3:4:5:6";
	assert_string_equal(ic_ratelimit_client(req), "v6:2001:db8:1:2::/64");
	req->env.remote_addr = "::ffff:192.0.2.7";
	assert_string_equal(ic_ratelimit_client(req), "v4:192.0.2.7");
	req->env.remote_addr = NULL;
	assert_string_equal(ic_ratelimit_client(req), "none");
	/* Two hosts of one /64 share its allowance... */
	for (int i = 0; i < IC_RATE_STRANGER_ADDR; i++) {
		snprintf(site, sizeof(site), "https://v%d.example/", i);
		assert_int_equal(
		        ticket(fx, i % 2 ? "2001:db8::1" : "2001:db8::2", site),
		        202);
	}
	assert_int_equal(ticket(fx, "2001:db8::3", "https://w.example/"), 429);
	/* ...and the next /64 has its own. */
	assert_int_equal(ticket(fx, "2001:db8:0:1::1", "https://w.example/"),
	                 202);
}

static void token_guessing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	char wait[16];

	put(fx, NULL, IC_CONV_ACTIVE);
	calls = 0;
	for (int i = 0; i < IC_RATE_TOKEN_FAILS; i++)
		assert_int_equal(
		        grant(fx, "192.0.2.1", "guess0123456789abcdef"), 400);
	assert_int_equal(run(fx, "/token", "192.0.2.1",
	                     "grant_type=ticket&ticket=guess-again-0123456789",
	                     &r),
	                 429);
	assert_string_equal(ic_fx_jstr(&r, "error"), "temporarily_unavailable");
	assert_true(ic_fx_header(&r, "Retry-After", wait, sizeof(wait)));
	assert_true(atoi(wait) > 0 && atoi(wait) <= IC_RATE_WINDOW);
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	assert_true(ic_fx_has_header(&r, "Pragma: no-cache"));
	ic_fx_done(&r);
	assert_int_equal(calls, IC_RATE_TOKEN_FAILS);
	/* A ticket we issued is a correspondent's: it is not shut out. */
	assert_int_equal(grant(fx, "192.0.2.1", HELD_TICKET), 200);
	/* Another address may still try. */
	assert_int_equal(grant(fx, "192.0.2.2", "guess0123456789abcdef"), 400);
}

/* A ticket issued before the block is an unknown one to the limits too. */
static void blocked_ticket_as_unknown(void **state)
{
	struct ic_fx *fx = *state;

	put(fx, NULL, IC_CONV_BLOCKED);
	for (int i = 0; i < IC_RATE_TOKEN_FAILS; i++)
		assert_int_equal(
		        grant(fx, "192.0.2.1", "guess0123456789abcdef"), 400);
	assert_int_equal(grant(fx, "192.0.2.1", HELD_TICKET), 429);
	assert_int_equal(grant(fx, "192.0.2.1", "guess0123456789abcdef"), 429);
}

static void token_requests_per_address(void **state)
{
	struct ic_fx *fx = *state;
	int i;

	put(fx, NULL, IC_CONV_ACTIVE);
	for (i = 0; i < IC_RATE_TOKEN_ADDR; i++)
		assert_int_equal(grant(fx, "192.0.2.1", "ok-0123456789abcdef"),
		                 200);
	assert_int_equal(grant(fx, "192.0.2.1", "ok-0123456789abcdef"), 429);
	/* The holder of a ticket we issued is counted under it, so the
	 * address's count does not shut it out; its own has a limit. */
	for (i = 0; i < IC_RATE_KNOWN_SITE; i++)
		assert_int_equal(grant(fx, "192.0.2.1", HELD_TICKET), 200);
	assert_int_equal(grant(fx, "192.0.2.1", HELD_TICKET), 429);
}

/* A program without a limiter cannot serve a rate-limited route. */
static void no_limiter_fails_closed(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call call = {.method = "POST",
	                          .path = "/ticket",
	                          .body = "ticket=x",
	                          .remote_addr = "192.0.2.1"};
	struct ic_fx_run r;

	calls = 0;
	ic_fx_run(fx, routes, ARRAY_SIZE(routes), &call, &r);
	assert_int_equal(r.status, 500);
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
}

struct cap {
	struct ic_arena *a;
	int n;
	bool full;
};

static enum ic_err requests_in_txn(struct ic_store_txn *t, void *p)
{
	struct cap *c = p;
	enum ic_err rc = IC_OK;

	for (int i = 0; rc == IC_OK && i < c->n; i++) {
		struct ic_conv conv = {.state = IC_CONV_REQUEST,
		                       .created = 1,
		                       .page_size = 50};

		conv.id = ic_arena_printf(c->a, "req%d", i);
		conv.peer = ic_arena_printf(c->a, "https://r%d.example/", i);
		rc = ic_store_conv_put_in_txn(t, c->a, &conv);
	}
	return rc ? rc : ic_ratelimit_requests_full_in_txn(t, c->a, &c->full);
}

/* IC_MAX_MESSAGE_REQUESTS pending requests fill the cap; other
 * positions do not count. */
static void message_request_cap(void **state)
{
	struct ic_fx *fx = *state;
	struct cap c = {ic_arena_new(0), IC_MAX_MESSAGE_REQUESTS - 1, false};
	const char *conv = "";

	put(fx, "https://bob.example/", IC_CONV_ACTIVE);
	put(fx, "https://mallory.example/", IC_CONV_BLOCKED);
	assert_int_equal(ic_fx_txn(fx, NULL, true, requests_in_txn, &c), IC_OK);
	assert_false(c.full);
	c.n = 0;
	put(fx, "https://last.example/", IC_CONV_REQUEST);
	assert_int_equal(ic_fx_txn(fx, NULL, true, requests_in_txn, &c), IC_OK);
	assert_true(c.full);
	/* At the cap a new stranger's ticket is not redeemed: no fetch (this
	 * one would fail), nothing filed, and the caller sees success. */
	assert_int_equal(ic_fx_open_req(fx, "ticket"), IC_OK);
	assert_int_equal(ic_ticket_redeem(&fx->req, "0123456789abcdef0123",
	                                  "https://new.example/feed", NULL,
	                                  &conv, fx->req.errbuf),
	                 IC_OK);
	assert_null(conv);
	ic_arena_free(c.a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(flood_from_one_address),
	        T(per_site),
	        T(correspondents_are_not_starved),
	        T(blocked_answers_as_unknown),
	        T(ipv6_by_64),
	        T(token_guessing),
	        T(blocked_ticket_as_unknown),
	        T(message_request_cap),
	        T(no_limiter_fails_closed),
	        T(token_requests_per_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
