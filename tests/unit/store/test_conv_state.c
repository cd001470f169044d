/* test_conv_state.c - the conversation states and their transition table
 * (lib/store/conv_state.c): every state, with and without revoked
 * access, against every event, checked against the matrix below, which
 * is written out by hand from DESIGN.md "Handshake" and "Decline/block"
 * rather than derived from the table it checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/conv_state.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PEER          "https://bob.example/"

/*
 * One cell: the state after the event ("stay" for unchanged), followed by
 * "+" when their access is then revoked, "-" when it is then given back,
 * nothing when the flag is unchanged; or "!" and the refusal's code.
 */
struct row {
	enum ic_conv_state state;
	bool revoked;
	const char *cell[IC_CONV_NEVENTS];
};

/* clang-format off */
static const struct row expected[] = {
/*                   invite      ticket_filed accept       decline     block        revoke   ticket_issue token_redeem token_refresh send         receive      ticket_wanted */
{IC_CONV_NONE, false,    {"invited-", "request",  "!notfound", "!notfound", "!notfound", "!notfound", "!notfound", "stay",   "!notfound", "!notfound", "!notfound", "!notfound"}},
{IC_CONV_NONE, true,     {"invited-", "request",  "!notfound", "!notfound", "!notfound", "!notfound", "!notfound", "stay",   "!notfound", "!notfound", "!notfound", "!notfound"}},
{IC_CONV_INVITED, false, {"!conflict", "active",  "!conflict", "declined",  "blocked+",  "stay+",     "stay",      "stay",   "stay",      "stay",      "stay", "!gone"}},
{IC_CONV_INVITED, true,  {"stay-",    "active",   "!conflict", "declined",  "blocked+",  "stay+",     "!conflict", "!gone",  "!gone",     "stay",      "stay", "!gone"}},
{IC_CONV_REQUEST, false, {"!conflict", "stay",    "active-",   "declined",  "blocked+",  "stay+",     "stay",      "stay",   "stay",      "stay",      "stay", "!gone"}},
{IC_CONV_REQUEST, true,  {"stay-",    "stay",     "active-",   "declined",  "blocked+",  "stay+",     "!conflict", "!gone",  "!gone",     "stay",      "stay", "!gone"}},
{IC_CONV_ACTIVE, false,  {"!conflict", "stay",    "!conflict", "declined",  "blocked+",  "stay+",     "stay",      "stay",   "stay",      "stay",      "stay", "stay"}},
{IC_CONV_ACTIVE, true,   {"stay-",    "stay",     "!conflict", "declined",  "blocked+",  "stay+",     "!conflict", "!gone",  "!gone",     "stay",      "stay", "!gone"}},
{IC_CONV_DECLINED, false,{"!conflict", "!gone",   "!conflict", "stay",      "blocked+",  "stay+",     "!conflict", "!gone",  "!gone",     "!conflict", "!gone", "!gone"}},
{IC_CONV_DECLINED, true, {"!conflict", "!gone",   "!conflict", "stay",      "blocked+",  "stay+",     "!conflict", "!gone",  "!gone",     "!conflict", "!gone", "!gone"}},
{IC_CONV_BLOCKED, false, {"!conflict", "!gone",   "!conflict", "stay",      "stay+",     "stay+",     "!conflict", "!gone",  "!gone",     "!conflict", "!gone", "!gone"}},
{IC_CONV_BLOCKED, true,  {"!conflict", "!gone",   "!conflict", "stay",      "stay+",     "stay+",     "!conflict", "!gone",  "!gone",     "!conflict", "!gone", "!gone"}},
};
/* clang-format on */

static enum ic_err code_named(const char *name)
{
	if (strcmp(name, "notfound") == 0)
		return IC_ERR_NOT_FOUND;
	if (strcmp(name, "conflict") == 0)
		return IC_ERR_CONFLICT;
	if (strcmp(name, "gone") == 0)
		return IC_ERR_GONE;
	fail_msg("unknown code %s in the matrix", name);
	return IC_ERR_INTERNAL;
}

/* The state a cell names, and what it says of the flag ('+', '-', 0). */
static enum ic_conv_state cell_state(const char *cell, enum ic_conv_state from,
                                     char *flag)
{
	char name[16];
	size_t n = strcspn(cell, "+-");
	enum ic_conv_state s = from;

	assert_true(n < sizeof(name));
	memcpy(name, cell, n);
	name[n] = '\0';
	*flag = cell[n];
	if (strcmp(name, "stay") != 0)
		assert_int_equal(ic_conv_state_parse(name, &s), IC_OK);
	return s;
}

/* Whether the table gives for @p ev in row @p r what the cell says. */
static bool cell_holds(const struct row *r, enum ic_conv_event ev)
{
	const char *cell = r->cell[ev];
	enum ic_conv_state s = r->state;
	bool revoked = r->revoked;
	char errbuf[IC_ERRBUF_SIZE] = "";
	enum ic_err rc = ic_conv_step(&s, &revoked, ev, PEER, errbuf);
	bool allows = ic_conv_allows(r->state, r->revoked, ev);
	enum ic_conv_state want;
	char flag;

	/* Refused: nothing moved, and the sentence names them. */
	if (cell[0] == '!')
		return rc == code_named(cell + 1) && s == r->state &&
		       revoked == r->revoked && strstr(errbuf, PEER) && !allows;
	want = cell_state(cell, r->state, &flag);
	return rc == IC_OK && s == want && allows &&
	       revoked == (flag == '+'   ? true
	                   : flag == '-' ? false
	                                 : r->revoked);
}

static void test_conv_state_table_matches_the_matrix(void **state)
{
	(void)state;
	/* Every position is in the matrix once. */
	assert_int_equal(ARRAY_SIZE(expected), 2 * IC_CONV_NSTATES);
	for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
		for (int ev = 0; ev < IC_CONV_NEVENTS; ev++)
			if (!cell_holds(&expected[i], (enum ic_conv_event)ev))
				fail_msg("%s%s x %s is not %s",
				         ic_conv_state_name(expected[i].state),
				         expected[i].revoked ? " (revoked)"
				                             : "",
				         ic_conv_event_name(
				                 (enum ic_conv_event)ev),
				         expected[i].cell[ev]);
}

static void test_conv_state_closed_is_declined_or_blocked(void **state)
{
	(void)state;
	for (int s = 0; s < IC_CONV_NSTATES; s++)
		assert_int_equal(ic_conv_closed((enum ic_conv_state)s),
		                 s == IC_CONV_DECLINED || s == IC_CONV_BLOCKED);
}

static void test_conv_state_receives_while_open(void **state)
{
	(void)state;
	assert_true(ic_conv_may_receive(IC_CONV_INVITED));
	assert_true(ic_conv_may_receive(IC_CONV_REQUEST));
	assert_true(ic_conv_may_receive(IC_CONV_ACTIVE));
	assert_false(ic_conv_may_receive(IC_CONV_DECLINED));
	assert_false(ic_conv_may_receive(IC_CONV_BLOCKED));
	assert_false(ic_conv_may_receive(IC_CONV_NONE));
}

/* The owner's own choice, never a request they have not answered. */
static void test_conv_state_chosen_by_the_owner(void **state)
{
	(void)state;
	assert_true(ic_conv_chosen(IC_CONV_INVITED));
	assert_true(ic_conv_chosen(IC_CONV_ACTIVE));
	assert_false(ic_conv_chosen(IC_CONV_REQUEST));
	assert_false(ic_conv_chosen(IC_CONV_DECLINED));
	assert_false(ic_conv_chosen(IC_CONV_BLOCKED));
	assert_false(ic_conv_chosen(IC_CONV_NONE));
}

static void test_conv_state_may_block_until_blocked(void **state)
{
	(void)state;
	for (int s = 0; s < IC_CONV_NONE; s++)
		assert_int_equal(ic_conv_may_block((enum ic_conv_state)s),
		                 s != IC_CONV_BLOCKED);
	assert_false(ic_conv_may_block(IC_CONV_NONE));
}

static void
test_conv_state_names_round_trip_but_none_is_not_stored(void **state)
{
	enum ic_conv_state s = IC_CONV_ACTIVE;

	(void)state;
	for (int i = 0; i < IC_CONV_NONE; i++) {
		assert_int_equal(
		        ic_conv_state_parse(
		                ic_conv_state_name((enum ic_conv_state)i), &s),
		        IC_OK);
		assert_int_equal(s, i);
	}
	assert_string_equal(ic_conv_state_name(IC_CONV_NONE), "none");
	assert_int_equal(ic_conv_state_parse("none", &s), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_conv_state_parse("Active", &s), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_conv_state_parse(NULL, &s), IC_ERR_BAD_INPUT);
	assert_string_equal(ic_conv_state_name((enum ic_conv_state)99),
	                    "unknown");
	assert_string_equal(ic_conv_event_name(IC_CONV_EV_TOKEN_REFRESH),
	                    "token_refresh");
}

static void test_conv_state_out_of_range_is_internal(void **state)
{
	enum ic_conv_state s = (enum ic_conv_state)99;
	bool revoked = false;
	char errbuf[IC_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(
	        ic_conv_step(&s, &revoked, IC_CONV_EV_SEND, PEER, errbuf),
	        IC_ERR_INTERNAL);
	s = IC_CONV_ACTIVE;
	assert_int_equal(
	        ic_conv_step(&s, &revoked, IC_CONV_NEVENTS, PEER, errbuf),
	        IC_ERR_INTERNAL);
	assert_int_equal(s, IC_CONV_ACTIVE);
	assert_false(ic_conv_allows(IC_CONV_ACTIVE, false, IC_CONV_NEVENTS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_conv_state_table_matches_the_matrix),
	        cmocka_unit_test(test_conv_state_closed_is_declined_or_blocked),
	        cmocka_unit_test(test_conv_state_receives_while_open),
	        cmocka_unit_test(test_conv_state_chosen_by_the_owner),
	        cmocka_unit_test(test_conv_state_may_block_until_blocked),
	        cmocka_unit_test(
	                test_conv_state_names_round_trip_but_none_is_not_stored),
	        cmocka_unit_test(test_conv_state_out_of_range_is_internal),
	};

	return cmocka_run_group_tests_name("conv_state", tests, NULL, NULL);
}
