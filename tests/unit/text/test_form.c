/* test_form.c - application/x-www-form-urlencoded codec (lib/text/form.c), H-6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text/form.h"
#include "core/ic_limits.h"

static int setup(void **state)
{
	*state = ic_arena_new(0);
	return *state == NULL;
}

static int teardown(void **state)
{
	ic_arena_free(*state);
	return 0;
}

static char errbuf[IC_ERRBUF_SIZE];

/* Parse the C string @s, expecting @want. */
static struct ic_form parse(void **state, const char *s, enum ic_err want)
{
	struct ic_form f;

	errbuf[0] = '\0';
	assert_int_equal(ic_form_parse(&f, *state, s, strlen(s), errbuf), want);
	if (want != IC_OK) {
		assert_int_equal(f.n, 0);
		assert_null(f.fields);
		assert_true(errbuf[0] != '\0');
	}
	return f;
}

/* @n bytes of @c with @prefix in front, from the arena. */
static char *repeat(void **state, const char *prefix, char c, size_t n)
{
	size_t p = strlen(prefix);
	char *s = ic_arena_alloc(*state, p + n + 1);

	assert_non_null(s);
	memcpy(s, prefix, p);
	memset(s + p, c, n);
	s[p + n] = '\0';
	return s;
}

/* --- decoding --------------------------------------------------------- */

static void test_form_parse_fields_in_order_h_6(void **state)
{
	struct ic_form f = parse(state, "a=1&bb=22&c=", IC_OK);

	assert_int_equal(f.n, 3);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[0].value, "1");
	assert_string_equal(f.fields[1].name, "bb");
	assert_string_equal(f.fields[1].value, "22");
	assert_int_equal(f.fields[1].value_len, 2);
	assert_string_equal(f.fields[2].value, "");
	assert_int_equal(f.fields[2].value_len, 0);
}

static void test_form_parse_plus_is_space_and_percent_decodes_h_6(void **state)
{
	struct ic_form f = parse(state, "q=a+b%20c%2Bd%2bx&n%61me=%7e", IC_OK);

	assert_string_equal(ic_form_get(&f, "q"), "a b c+d+x");
	assert_string_equal(ic_form_get(&f, "name"), "~");
}

static void test_form_hub_topic_round_trips_h_6(void **state)
{
	static const char wire[] =
	        "hub.topic=https%3A%2F%2Fa%2F%3Fx%3D1%26y%3D2";
	struct ic_form f = parse(state, wire, IC_OK);
	struct ic_buf b = IC_BUF_INIT(1024);

	assert_int_equal(f.n, 1);
	assert_string_equal(ic_form_get(&f, "hub.topic"), "https://a/?x=1&y=2");
	assert_int_equal(
	        ic_form_add(&b, "hub.topic", ic_form_get(&f, "hub.topic")),
	        IC_OK);
	assert_string_equal(b.buf, wire);
	ic_buf_release(&b);
}

static void test_form_duplicate_names_first_wins_h_6(void **state)
{
	struct ic_form f = parse(state, "me=first&x=1&me=second", IC_OK);

	assert_string_equal(ic_form_get(&f, "me"), "first");
	assert_int_equal(ic_form_count(&f, "me"), 2);
	assert_int_equal(ic_form_count(&f, "x"), 1);
	assert_int_equal(ic_form_count(&f, "absent"), 0);
	assert_null(ic_form_get(&f, "absent"));
	assert_null(ic_form_get(NULL, "me"));
	assert_null(ic_form_get(&f, NULL));
}

static void test_form_empty_pairs_are_skipped(void **state)
{
	struct ic_form f = parse(state, "&&a=1&&&b=2&", IC_OK);

	assert_int_equal(f.n, 2);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[1].name, "b");
	f = parse(state, "", IC_OK);
	assert_int_equal(f.n, 0);
	assert_null(f.fields);
	f = parse(state, "&&&", IC_OK);
	assert_int_equal(f.n, 0);
}

static void test_form_pair_without_equals_has_empty_value(void **state)
{
	struct ic_form f = parse(state, "flag&x=1", IC_OK);

	assert_int_equal(f.n, 2);
	assert_string_equal(ic_form_get(&f, "flag"), "");
	f = parse(state, "=v", IC_OK);
	assert_string_equal(f.fields[0].name, "");
	assert_string_equal(f.fields[0].value, "v");
}

static void test_form_only_ampersand_separates_not_semicolon(void **state)
{
	struct ic_form f = parse(state, "a=1;b=2", IC_OK);

	assert_int_equal(f.n, 1);
	assert_string_equal(ic_form_get(&f, "a"), "1;b=2");
}

static void test_form_value_keeps_later_equals_signs(void **state)
{
	struct ic_form f = parse(state, "k=a=b==", IC_OK);

	assert_string_equal(ic_form_get(&f, "k"), "a=b==");
}

static void test_form_bad_percent_escape_names_field(void **state)
{
	parse(state, "text=100%", IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "text"));
	parse(state, "text=%4", IC_ERR_BAD_INPUT);
	parse(state, "text=%zz", IC_ERR_BAD_INPUT);
	parse(state, "text=%%41", IC_ERR_BAD_INPUT);
	parse(state, "na%g0me=1", IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "name"));
}

static void test_form_invalid_utf8_is_bad_input(void **state)
{
	parse(state, "m=%C3%28", IC_ERR_BAD_INPUT); /* bad continuation */
	assert_non_null(strstr(errbuf, "UTF-8"));
	assert_non_null(strstr(errbuf, "m"));
	parse(state, "m=%C0%AF", IC_ERR_BAD_INPUT);    /* overlong '/' */
	parse(state, "m=%E0%80%AF", IC_ERR_BAD_INPUT); /* overlong, 3 bytes */
	parse(state, "m=%ED%A0%80", IC_ERR_BAD_INPUT); /* surrogate */
	parse(state, "m=%F4%90%80%80", IC_ERR_BAD_INPUT); /* > U+10FFFF */
	parse(state, "m=%E2%82", IC_ERR_BAD_INPUT);       /* truncated */
	parse(state, "m=%FF", IC_ERR_BAD_INPUT);
	parse(state, "m=\xff", IC_ERR_BAD_INPUT); /* raw, not escaped */
	parse(state, "%C3=1", IC_ERR_BAD_INPUT);  /* in a name */
}

static void test_form_valid_utf8_is_kept(void **state)
{
	struct ic_form f =
	        parse(state, "m=%C3%A9%E2%82%AC%F0%9F%98%80&r=\xc3\xa9", IC_OK);

	assert_string_equal(ic_form_get(&f, "m"),
	                    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(f.fields[0].value_len, 9);
	assert_string_equal(ic_form_get(&f, "r"), "\xc3\xa9");
}

static void test_form_nul_byte_is_bad_input(void **state)
{
	struct ic_form f;

	parse(state, "a=x%00y", IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "NUL"));
	assert_non_null(strstr(errbuf, "a"));
	assert_int_equal(ic_form_parse(&f, *state, "a=x\0y", 5, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(f.n, 0);
}

static void test_form_input_need_not_be_terminated(void **state)
{
	struct ic_form f;

	/* Only the first 3 bytes count. */
	assert_int_equal(ic_form_parse(&f, *state, "a=1&b=2", 3, errbuf),
	                 IC_OK);
	assert_int_equal(f.n, 1);
	assert_string_equal(ic_form_get(&f, "a"), "1");
	assert_int_equal(ic_form_parse(&f, *state, NULL, 0, errbuf), IC_OK);
	assert_int_equal(f.n, 0);
}

static void test_form_field_count_cap_is_too_large(void **state)
{
	struct ic_buf b = IC_BUF_INIT(4096);
	struct ic_form f;

	for (int i = 0; i < IC_MAX_FORM_FIELDS; i++)
		assert_int_equal(ic_buf_addf(&b, "%sf%d=1", i ? "&" : "", i),
		                 IC_OK);
	assert_int_equal(ic_form_parse(&f, *state, b.buf, b.len, errbuf),
	                 IC_OK);
	assert_int_equal(f.n, IC_MAX_FORM_FIELDS);
	assert_int_equal(ic_buf_adds(&b, "&one=more"), IC_OK);
	assert_int_equal(ic_form_parse(&f, *state, b.buf, b.len, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_int_equal(f.n, 0);
	assert_non_null(strstr(errbuf, "64"));
	ic_buf_release(&b);
}

static void test_form_name_cap_is_too_large(void **state)
{
	char *ok = repeat(state, "", 'n', IC_MAX_FORM_NAME_BYTES);
	char *over = repeat(state, "", 'n', IC_MAX_FORM_NAME_BYTES + 1);
	/* Counted after decoding: 128 escaped bytes are 128 bytes. */
	struct ic_buf esc = IC_BUF_INIT(1024);
	struct ic_form f;

	parse(state, ok, IC_OK);
	parse(state, over, IC_ERR_TOO_LARGE);
	for (int i = 0; i < IC_MAX_FORM_NAME_BYTES; i++)
		assert_int_equal(ic_buf_adds(&esc, "%41"), IC_OK);
	assert_int_equal(ic_form_parse(&f, *state, esc.buf, esc.len, errbuf),
	                 IC_OK);
	assert_int_equal(strlen(f.fields[0].name), IC_MAX_FORM_NAME_BYTES);
	ic_buf_release(&esc);
}

static void test_form_value_cap_is_too_large(void **state)
{
	char *ok = repeat(state, "text=", 'v', IC_MAX_FORM_VALUE_BYTES);
	char *over = repeat(state, "text=", 'v', IC_MAX_FORM_VALUE_BYTES + 1);
	struct ic_form f = parse(state, ok, IC_OK);

	assert_int_equal(f.fields[0].value_len, IC_MAX_FORM_VALUE_BYTES);
	parse(state, over, IC_ERR_TOO_LARGE);
	assert_non_null(strstr(errbuf, "text"));
}

/* --- encoding --------------------------------------------------------- */

static void
test_form_add_escapes_reserved_and_joins_with_ampersand_h_6(void **state)
{
	struct ic_buf b = IC_BUF_INIT(1024);

	(void)state;
	assert_int_equal(ic_form_add(&b, "hub.mode", "publish"), IC_OK);
	assert_int_equal(ic_form_add(&b, "q", "a b&c=d+e%f#g"), IC_OK);
	assert_int_equal(ic_form_add(&b, "u", "AZaz09-._~"), IC_OK);
	assert_string_equal(b.buf, "hub.mode=publish"
	                           "&q=a%20b%26c%3Dd%2Be%25f%23g"
	                           "&u=AZaz09-._~");
	ic_buf_release(&b);
}

static void test_form_add_escapes_non_ascii_h_6(void **state)
{
	struct ic_buf b = IC_BUF_INIT(1024);

	(void)state;
	assert_int_equal(ic_form_add(&b, "t\xc3\xa9", "\xe2\x82\xac/"), IC_OK);
	assert_string_equal(b.buf, "t%C3%A9=%E2%82%AC%2F");
	ic_buf_release(&b);
}

static void test_form_escape_encodes_bytes_with_length(void **state)
{
	struct ic_buf b = IC_BUF_INIT(64);

	(void)state;
	assert_int_equal(ic_form_escape(&b, "a\0b\n", 4), IC_OK);
	assert_string_equal(b.buf, "a%00b%0A");
	assert_int_equal(ic_form_escape(&b, "", 0), IC_OK);
	assert_string_equal(b.buf, "a%00b%0A");
	ic_buf_release(&b);
}

static void test_form_add_past_cap_fails_and_empties_buffer(void **state)
{
	struct ic_buf b = IC_BUF_INIT(10);

	(void)state;
	assert_int_equal(ic_form_add(&b, "a", "1"), IC_OK);
	assert_int_equal(ic_form_add(&b, "b", "&&&"), IC_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	assert_int_equal(ic_form_add(&b, NULL, "x"), IC_ERR_INTERNAL);
	ic_buf_release(&b);
}

static void test_form_every_byte_round_trips_h_6(void **state)
{
	char all[256];
	struct ic_buf b = IC_BUF_INIT(4096);
	struct ic_form f;

	/* Every ASCII byte but NUL; non-ASCII needs valid UTF-8 to decode. */
	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	memcpy(all + 127, "\xc3\xa9", 3);
	/* The name skips two bytes to stay within IC_MAX_FORM_NAME_BYTES. */
	assert_int_equal(ic_form_add(&b, all + 2, all), IC_OK);
	assert_int_equal(ic_form_parse(&f, *state, b.buf, b.len, errbuf),
	                 IC_OK);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.fields[0].name, all + 2);
	assert_string_equal(f.fields[0].value, all);
	ic_buf_release(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_form_parse_fields_in_order_h_6),
	        T(test_form_parse_plus_is_space_and_percent_decodes_h_6),
	        T(test_form_hub_topic_round_trips_h_6),
	        T(test_form_duplicate_names_first_wins_h_6),
	        T(test_form_empty_pairs_are_skipped),
	        T(test_form_pair_without_equals_has_empty_value),
	        T(test_form_only_ampersand_separates_not_semicolon),
	        T(test_form_value_keeps_later_equals_signs),
	        T(test_form_bad_percent_escape_names_field),
	        T(test_form_invalid_utf8_is_bad_input),
	        T(test_form_valid_utf8_is_kept),
	        T(test_form_nul_byte_is_bad_input),
	        T(test_form_input_need_not_be_terminated),
	        T(test_form_field_count_cap_is_too_large),
	        T(test_form_name_cap_is_too_large),
	        T(test_form_value_cap_is_too_large),
	        T(test_form_add_escapes_reserved_and_joins_with_ampersand_h_6),
	        T(test_form_add_escapes_non_ascii_h_6),
	        T(test_form_escape_encodes_bytes_with_length),
	        T(test_form_add_past_cap_fails_and_empties_buffer),
	        T(test_form_every_byte_round_trips_h_6),
	};

	return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
