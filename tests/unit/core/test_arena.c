/* test_arena.c - the per-request arena (lib/core/arena.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"

static void test_arena_alloc_is_aligned_and_distinct(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *p, *q;

	(void)state;
	assert_non_null(a);
	p = ic_arena_alloc(a, 3);
	q = ic_arena_alloc(a, 5);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
	memset(p, 1, 3);
	memset(q, 2, 5);
	assert_int_equal(p[2], 1);
	ic_arena_free(a);
}

static void test_arena_large_allocation_gets_own_chunk(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *small1, *big, *small2;

	(void)state;
	small1 = ic_arena_alloc(a, 16);
	big = ic_arena_alloc(a, 1024 * 1024);
	small2 = ic_arena_alloc(a, 16);
	assert_non_null(big);
	memset(big, 7, 1024 * 1024);
	/* Small allocations keep using the shared chunk. */
	assert_true(small2 > small1 && small2 - small1 < 1024);
	ic_arena_free(a);
}

static void test_arena_cap_refuses_and_stays_usable(void **state)
{
	struct ic_arena *a = ic_arena_new(4096);

	(void)state;
	assert_null(ic_arena_alloc(a, 8192));
	assert_non_null(ic_arena_alloc(a, 100));
	assert_null(ic_arena_alloc(a, SIZE_MAX));
	assert_null(ic_arena_calloc(a, SIZE_MAX / 2, 4));
	ic_arena_free(a);
}

static void test_arena_strings_are_copied(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char src[] = "hello";
	char *s, *n, *f, *m;

	(void)state;
	s = ic_arena_strdup(a, src);
	src[0] = 'j';
	assert_string_equal(s, "hello");
	n = ic_arena_strndup(a, "abcdef", 3);
	assert_string_equal(n, "abc");
	f = ic_arena_printf(a, "%s=%d", "x", 7);
	assert_string_equal(f, "x=7");
	m = ic_arena_memdup(a, "a\0b", 3);
	assert_memory_equal(m, "a\0b\0", 4);
	assert_null(ic_arena_strdup(a, NULL));
	ic_arena_free(a);
}

static int order[4];
static int norder;

static void record(void *p)
{
	order[norder++] = *(int *)p;
}

static void test_arena_cleanups_run_newest_first(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	static int one = 1, two = 2, three = 3;

	(void)state;
	norder = 0;
	assert_int_equal(ic_arena_on_free(a, record, &one), IC_OK);
	assert_int_equal(ic_arena_on_free(a, record, &two), IC_OK);
	assert_int_equal(ic_arena_on_free(a, record, &three), IC_OK);
	ic_arena_free(a);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[2], 1);
}

static void test_arena_cleanup_frees_registered_handle(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *heap = malloc(100);

	(void)state;
	/* ASan's leak check fails this test if free() never runs. */
	assert_int_equal(ic_arena_on_free(a, free, heap), IC_OK);
	ic_arena_free(a);
}

static void test_arena_cleanup_runs_even_when_registration_fails(void **state)
{
	struct ic_arena *a = ic_arena_new(64);

	(void)state;
	norder = 0;
	static int v = 9;
	assert_non_null(ic_arena_alloc(a, 64));
	assert_int_equal(ic_arena_on_free(a, record, &v), IC_ERR_NOMEM);
	assert_int_equal(norder, 1);
	ic_arena_free(a);
}

static void test_arena_take_buf_moves_contents(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_buf b = IC_BUF_INIT(100);
	char *s;

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "moved"), IC_OK);
	s = ic_arena_take_buf(a, &b);
	assert_string_equal(s, "moved");
	assert_int_equal(b.len, 0);
	ic_arena_free(a);
}

static void test_arena_free_null_is_harmless(void **state)
{
	(void)state;
	ic_arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_arena_alloc_is_aligned_and_distinct),
	        cmocka_unit_test(test_arena_large_allocation_gets_own_chunk),
	        cmocka_unit_test(test_arena_cap_refuses_and_stays_usable),
	        cmocka_unit_test(test_arena_strings_are_copied),
	        cmocka_unit_test(test_arena_cleanups_run_newest_first),
	        cmocka_unit_test(test_arena_cleanup_frees_registered_handle),
	        cmocka_unit_test(
	                test_arena_cleanup_runs_even_when_registration_fails),
	        cmocka_unit_test(test_arena_take_buf_moves_contents),
	        cmocka_unit_test(test_arena_free_null_is_harmless),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
