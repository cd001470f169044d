/*
 * test_programs.c - every owner route of the five programs' route tables
 * carries its owner need (issue 10; IA-C-20, SEC-10): the router refuses
 * it without a session, so no handler has to remember to.  The list is
 * docs/web.md's, written out here by hand so that a route added to a
 * table or to the contract without the other shows up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "programs.h"

struct owner_route {
	const struct ic_program *prog;
	const char *method;
	const char *path;
	unsigned need;
};

/* docs/web.md: sign-in, owner actions, pages and the live JSON. */
static const struct owner_route owner_routes[] = {
        {&ic_program_auth, "POST", "/logout", IC_NEED_OWNER_ACTION},
        {&ic_program_auth, "GET", "/session", IC_NEED_OWNER_API},
        {&ic_program_auth, "GET", "/settings", IC_NEED_OWNER_PAGE},
        {&ic_program_auth, "GET", "/status", IC_NEED_OWNER_PAGE},
        {&ic_program_auth, "GET", "/webpush", IC_NEED_OWNER_API},
        {&ic_program_auth, "POST", "/webpush/subscribe", IC_NEED_OWNER_ACTION},
        {&ic_program_auth, "POST", "/webpush/unsubscribe",
         IC_NEED_OWNER_ACTION},
        {&ic_program_feed, "GET", "", IC_NEED_OWNER_PAGE},
        {&ic_program_feed, "GET", "/", IC_NEED_OWNER_PAGE},
        {&ic_program_feed, "GET", "/contacts", IC_NEED_OWNER_PAGE},
        {&ic_program_feed, "GET", "/search", IC_NEED_OWNER_PAGE},
        {&ic_program_feed, "GET", "/with/{conv}", IC_NEED_OWNER_PAGE},
        /* Issue 15: the owner's copies of a conversation's files. */
        {&ic_program_feed, "GET", "/with/{conv}/attachment/{id}",
         IC_NEED_OWNER_PAGE},
        {&ic_program_feed, "GET", "/api/inbox", IC_NEED_OWNER_API},
        {&ic_program_feed, "GET", "/api/with/{conv}", IC_NEED_OWNER_API},
        {&ic_program_feed, "GET", "/export", IC_NEED_OWNER_PAGE},
        {&ic_program_send, "POST", "", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/invite", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/accept", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/decline", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/block", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/revoke", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/mute", IC_NEED_OWNER_ACTION},
        {&ic_program_ticket, "POST", "/unmute", IC_NEED_OWNER_ACTION},
};
#define NOWNER (sizeof(owner_routes) / sizeof(owner_routes[0]))

static const struct ic_program *const programs[] = {
        &ic_program_auth, &ic_program_feed,   &ic_program_listener,
        &ic_program_send, &ic_program_ticket,
};
#define NPROGRAMS (sizeof(programs) / sizeof(programs[0]))

static const struct ic_route *find(const struct ic_program *p,
                                   const char *method, const char *path)
{
	for (size_t i = 0; i < p->nroutes; i++)
		if (strcmp(p->routes[i].method, method) == 0 &&
		    strcmp(p->routes[i].path, path) == 0)
			return &p->routes[i];
	return NULL;
}

static const struct owner_route *listed(const struct ic_program *p,
                                        const struct ic_route *r)
{
	for (size_t i = 0; i < NOWNER; i++)
		if (owner_routes[i].prog == p &&
		    strcmp(owner_routes[i].method, r->method) == 0 &&
		    strcmp(owner_routes[i].path, r->path) == 0)
			return &owner_routes[i];
	return NULL;
}

static void test_programs_every_owner_route_has_its_need(void **state)
{
	(void)state;
	for (size_t i = 0; i < NOWNER; i++) {
		const struct owner_route *o = &owner_routes[i];
		const struct ic_route *r = find(o->prog, o->method, o->path);

		if (r == NULL || (r->needs & IC_NEED_OWNER) != o->need)
			print_message("# %s B/%s%s\n", o->method, o->prog->name,
			              o->path);
		assert_non_null(r);
		/* Exactly one owner need, the one docs/web.md implies. */
		assert_int_equal(r->needs & IC_NEED_OWNER, o->need);
	}
}

static void test_programs_no_other_route_is_an_owner_route(void **state)
{
	(void)state;
	for (size_t p = 0; p < NPROGRAMS; p++) {
		assert_true(programs[p]->nroutes > 0);
		for (size_t i = 0; i < programs[p]->nroutes; i++) {
			const struct ic_route *r = &programs[p]->routes[i];

			if ((r->needs & IC_NEED_OWNER) == 0)
				continue;
			if (listed(programs[p], r) == NULL)
				print_message(
				        "# %s B/%s%s is not in the list\n",
				        r->method, programs[p]->name, r->path);
			assert_non_null(listed(programs[p], r));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_programs_every_owner_route_has_its_need),
	        cmocka_unit_test(
	                test_programs_no_other_route_is_an_owner_route),
	};

	return cmocka_run_group_tests_name("programs", tests, NULL, NULL);
}
