/* test_config.c - indiechat.conf (lib/text/config.c): keys, defaults, and
 * errors that name the key, the file and the line (DESIGN.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "text/config.h"
#include "core/ic_limits.h"
#include "core/log.h"

#define ME      "me = https://alice.example/\n"
#define BASE    "base_url = https://alice.example/indiechat\n"
#define DATA    "data_dir = /var/lib/indiechat\n"
#define MINIMAL ME BASE DATA

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
static struct ic_config cfg;

/* Parse @text as "test.conf" and expect @want. */
static void parse(void **state, const char *text, enum ic_err want)
{
	enum ic_err got;

	errbuf[0] = '\0';
	got = ic_config_parse(&cfg, *state, text, strlen(text), "test.conf",
	                      errbuf);
	if (got != want)
		print_error("%s\n", errbuf);
	assert_int_equal(got, want);
}

/* Parse @text, expect IC_ERR_CONFIG and a message containing @msg. */
static void assert_config_error(void **state, const char *text, const char *msg)
{
	parse(state, text, IC_ERR_CONFIG);
	if (strstr(errbuf, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", errbuf, msg);
}

/* A temporary file holding @len bytes of @text; caller unlinks @path. */
static void write_temp(char *path, const char *text, size_t len)
{
	int fd;

	strcpy(path, "/tmp/ic-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* --- good files and defaults ------------------------------------------ */

static void test_config_minimal_file_gets_defaults(void **state)
{
	parse(state, MINIMAL, IC_OK);
	assert_string_equal(cfg.me, "https://alice.example/");
	assert_string_equal(cfg.base_url, "https://alice.example/indiechat");
	assert_string_equal(cfg.data_dir, "/var/lib/indiechat");
	assert_string_equal(cfg.hub, "");
	assert_false(cfg.dev_mode);
	assert_string_equal(cfg.passphrase_hash, "");
	assert_string_equal(cfg.sign_in, "builtin");
	assert_int_equal(cfg.log_level, IC_LOG_INFO);
	assert_int_equal(cfg.feed_page_size, IC_CONFIG_FEED_PAGE_SIZE_DEFAULT);
	assert_string_equal(cfg.path, "test.conf");
}

static void test_config_every_key_is_read(void **state)
{
	parse(state,
	      MINIMAL "hub = https://hub.example/\n"
	              "dev_mode = false\n"
	              "passphrase_hash = $y$j9T$abc./def$GHI0123\n"
	              "sign_in = external\n"
	              "log_level = debug\n"
	              "feed_page_size = 120\n"
	              "name = Alice Example\n"
	              "photo = https://example.com/me.jpg\n",
	      IC_OK);
	assert_string_equal(cfg.hub, "https://hub.example/");
	assert_string_equal(cfg.passphrase_hash, "$y$j9T$abc./def$GHI0123");
	assert_string_equal(cfg.sign_in, "external");
	assert_int_equal(cfg.log_level, IC_LOG_DEBUG);
	assert_int_equal(cfg.feed_page_size, 120);
	assert_string_equal(cfg.name, "Alice Example");
	assert_string_equal(cfg.photo, "https://example.com/me.jpg");
}

/* The h-card's name is short text; its photo follows the URL rules. */
static void test_config_name_and_photo_rules(void **state)
{
	char text[512];

	parse(state, MINIMAL, IC_OK);
	assert_string_equal(cfg.name, "");
	assert_string_equal(cfg.photo, "");
	snprintf(text, sizeof(text), MINIMAL "name = %0101d\n", 0);
	parse(state, text, IC_ERR_CONFIG);
	parse(state, MINIMAL "photo = ftp://example.com/me.jpg\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "photo = https://example.com/me.jpg#x\n",
	      IC_ERR_CONFIG);
}

/* Issue 16: the notification address goes into a mail header as it is,
 * so nothing that could split or extend a header is accepted. */
static void test_config_notify_email_rules(void **state)
{
	parse(state, MINIMAL, IC_OK);
	assert_string_equal(cfg.notify_email, "");
	assert_false(cfg.notify_email_text);
	assert_string_equal(cfg.sendmail, "/usr/sbin/sendmail");
	parse(state,
	      MINIMAL "notify_email = alice+chat@mail.example\n"
	              "notify_email_text = yes\n"
	              "sendmail = /usr/bin/msmtp\n",
	      IC_OK);
	assert_string_equal(cfg.notify_email, "alice+chat@mail.example");
	assert_true(cfg.notify_email_text);
	assert_string_equal(cfg.sendmail, "/usr/bin/msmtp");
	parse(state, MINIMAL "notify_email = a@b.example, c@d.example\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_email = a@b.example\rBcc: x@y\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_email = Alice <a@b.example>\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_email = alice\n", IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_email = a@b@c\n", IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_email_text = maybe\n", IC_ERR_CONFIG);
	parse(state, MINIMAL "sendmail = sendmail\n", IC_ERR_CONFIG);
}

/* Issue 16's push channels: off by default, https URLs (a query kept for
 * Gotify's ?token=), a token or secret that cannot split a header, and
 * no webhook without a secret to sign it. */
static void test_config_notify_push_rules(void **state)
{
	parse(state, MINIMAL, IC_OK);
	assert_false(ic_config_notify_on(&cfg));
	assert_string_equal(cfg.notify_ntfy_format, "ntfy");
	assert_false(cfg.notify_ntfy_text);
	assert_false(cfg.notify_webhook_text);
	parse(state,
	      MINIMAL "notify_ntfy_url = https://Push.Example/message?token=x\n"
	              "notify_ntfy_format = Gotify\n"
	              "notify_ntfy_token = tk_abc.DEF-123\n"
	              "notify_ntfy_text = yes\n"
	              "notify_webhook_url = https://hooks.example/in\n"
	              "notify_webhook_secret = 0123456789abcdef\n"
	              "notify_webhook_text = on\n",
	      IC_OK);
	assert_true(ic_config_notify_on(&cfg));
	assert_false(ic_config_notify_email_on(&cfg));
	assert_true(ic_config_notify_ntfy_on(&cfg));
	assert_true(ic_config_notify_webhook_on(&cfg));
	assert_string_equal(cfg.notify_ntfy_url,
	                    "https://push.example/message?token=x");
	assert_string_equal(cfg.notify_ntfy_format, "gotify");
	assert_string_equal(cfg.notify_ntfy_token, "tk_abc.DEF-123");
	assert_true(cfg.notify_ntfy_text);
	assert_string_equal(cfg.notify_webhook_secret, "0123456789abcdef");
	assert_true(cfg.notify_webhook_text);
	parse(state, MINIMAL "notify_ntfy_url = http://ntfy.example/t\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_ntfy_url = ntfy.sh/topic\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_ntfy_format = pushover\n", IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_ntfy_token = a b\n", IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_ntfy_token = a\rX-Evil: 1\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_ntfy_text = maybe\n", IC_ERR_CONFIG);
	assert_config_error(state,
	                    MINIMAL
	                    "notify_webhook_url = https://hooks.example/in\n",
	                    "needs notify_webhook_secret");
	parse(state,
	      MINIMAL "notify_webhook_url = https://hooks.example/in\n"
	              "notify_webhook_secret = short\n",
	      IC_ERR_CONFIG);
	parse(state, MINIMAL "notify_webhook_text = 2\n", IC_ERR_CONFIG);
	/* Web Push: a switch (the devices subscribe from the settings
	 * page), off by default, and its own text key. */
	parse(state, MINIMAL "notify_webpush = yes\n", IC_OK);
	assert_true(ic_config_notify_webpush_on(&cfg));
	assert_true(ic_config_notify_on(&cfg));
	assert_false(cfg.notify_webpush_text);
	parse(state, MINIMAL "notify_webpush_text = yes\n", IC_OK);
	assert_false(ic_config_notify_on(&cfg));
	assert_true(cfg.notify_webpush_text);
	parse(state, MINIMAL "notify_webpush = sometimes\n", IC_ERR_CONFIG);
}

static void test_config_comments_blank_lines_and_whitespace(void **state)
{
	parse(state,
	      "# indiechat.conf\n"
	      "\n"
	      "   # an indented comment = not a key\n"
	      "\t me\t=   https://alice.example/   \n"
	      "base_url=https://alice.example/indiechat\n"
	      "  \n"
	      "data_dir =/srv/ic\n"
	      "log_level = warning",
	      IC_OK);
	assert_string_equal(cfg.me, "https://alice.example/");
	assert_string_equal(cfg.data_dir, "/srv/ic");
	assert_int_equal(cfg.log_level, IC_LOG_WARN);
}

static void test_config_crlf_and_byte_order_mark(void **state)
{
	parse(state,
	      "\xEF\xBB\xBFme = https://alice.example/\r\n"
	      "base_url = https://alice.example/ic\r\n"
	      "data_dir = /srv/ic\r\n",
	      IC_OK);
	assert_string_equal(cfg.base_url, "https://alice.example/ic");
}

static void test_config_empty_value_is_allowed(void **state)
{
	parse(state, MINIMAL "hub =\npassphrase_hash =   \n", IC_OK);
	assert_string_equal(cfg.hub, "");
	assert_string_equal(cfg.passphrase_hash, "");
}

static void test_config_urls_lowercased_and_me_gets_slash_ia_c_1(void **state)
{
	parse(state,
	      "me = HTTPS://Alice.Example\n"
	      "base_url = HTTPS://Alice.Example/IndieChat/\n" DATA,
	      IC_OK);
	assert_string_equal(cfg.me, "https://alice.example/");
	/* The path keeps its case; one trailing slash goes. */
	assert_string_equal(cfg.base_url, "https://alice.example/IndieChat");
	parse(state, "me = https://alice.example?x=1\n" BASE DATA, IC_OK);
	assert_string_equal(cfg.me, "https://alice.example/?x=1");
}

static void test_config_base_url_root_loses_its_slash(void **state)
{
	parse(state, ME "base_url = https://alice.example/\n" DATA, IC_OK);
	assert_string_equal(cfg.base_url, "https://alice.example");
	assert_config_error(state,
	                    ME "base_url = https://alice.example//\n" DATA,
	                    "'base_url' at test.conf:2");
}

static void test_config_data_dir_trailing_slashes_stripped(void **state)
{
	parse(state, ME BASE "data_dir = /srv/ic//\n", IC_OK);
	assert_string_equal(cfg.data_dir, "/srv/ic");
}

static void test_config_values_are_case_insensitive_words(void **state)
{
	parse(state, MINIMAL "dev_mode = Yes\nlog_level = ERROR\n", IC_OK);
	assert_true(cfg.dev_mode);
	assert_int_equal(cfg.log_level, IC_LOG_ERROR);
	parse(state, MINIMAL "dev_mode = off\n", IC_OK);
	assert_false(cfg.dev_mode);
}

/* --- structural errors ------------------------------------------------ */

static void test_config_unknown_key_names_file_and_line(void **state)
{
	assert_config_error(state, MINIMAL "\n# c\ncolour = blue\n",
	                    "unknown key 'colour' at test.conf:6");
	/* Keys are case-sensitive: "Me" is not "me". */
	assert_config_error(state, "Me = https://a.example/\n",
	                    "unknown key 'Me' at test.conf:1");
}

static void test_config_duplicate_key_is_an_error(void **state)
{
	assert_config_error(state, MINIMAL "me = https://bob.example/\n",
	                    "duplicate key 'me' at test.conf:4 (first set at "
	                    "line 1)");
}

static void test_config_missing_required_key_names_key_and_file(void **state)
{
	assert_config_error(state, BASE DATA,
	                    "missing required key 'me' in test.conf");
	assert_config_error(state, ME DATA,
	                    "missing required key 'base_url' in test.conf");
	assert_config_error(state, ME BASE,
	                    "missing required key 'data_dir' in test.conf");
	assert_config_error(state, "", "missing required key 'me'");
}

static void test_config_line_without_equals_is_an_error(void **state)
{
	assert_config_error(state, MINIMAL "dev_mode true\n",
	                    "expected 'key = value' at test.conf:4");
	assert_config_error(state, "= value\n",
	                    "missing key before '=' at test.conf:1");
}

static void test_config_control_and_nul_bytes_are_errors(void **state)
{
	static const char nul[] = "me = https://a.example/\0x\n";

	errbuf[0] = '\0';
	assert_int_equal(ic_config_parse(&cfg, *state, nul, sizeof(nul) - 1,
	                                 "t.conf", errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "NUL byte at t.conf:1"));
	assert_config_error(state, ME BASE "data_dir = /srv/\x01x\n",
	                    "'data_dir' at test.conf:3");
	assert_config_error(state, ME BASE "data_dir = /srv/a\tb\n",
	                    "control character");
}

static void test_config_line_longer_than_cap_is_an_error(void **state)
{
	size_t n = IC_MAX_CONFIG_LINE_BYTES + 1;
	char *text = ic_arena_alloc(*state, n + 2);

	assert_non_null(text);
	memset(text, '#', n);
	strcpy(text + n, "\n");
	assert_config_error(state, text, "line 1 of test.conf is longer");
	/* Exactly at the cap is fine (a comment here). */
	text[n - 1] = '\n';
	text[n] = '\0';
	assert_config_error(state, text, "missing required key 'me'");
}

static void test_config_text_larger_than_cap_is_an_error(void **state)
{
	size_t n = IC_MAX_CONFIG_BYTES + 1;
	char *text = ic_arena_alloc(*state, n);

	assert_non_null(text);
	memset(text, '\n', n);
	errbuf[0] = '\0';
	assert_int_equal(
	        ic_config_parse(&cfg, *state, text, n, "big.conf", errbuf),
	        IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "big.conf is larger than"));
}

/* --- bad values: key, file, line and why ------------------------------ */

static void test_config_feed_page_size_range(void **state)
{
	parse(state, MINIMAL "feed_page_size = 10\n", IC_OK);
	assert_int_equal(cfg.feed_page_size, 10);
	parse(state, MINIMAL "feed_page_size = 500\n", IC_OK);
	assert_int_equal(cfg.feed_page_size, 500);
	assert_config_error(state, MINIMAL "feed_page_size = 9\n",
	                    "bad value for 'feed_page_size' at test.conf:4: "
	                    "must be a whole number from 10 to 500");
	assert_config_error(state, MINIMAL "feed_page_size = 501\n",
	                    "'feed_page_size' at test.conf:4");
	assert_config_error(state, MINIMAL "feed_page_size = 50x\n",
	                    "'feed_page_size'");
	assert_config_error(state, MINIMAL "feed_page_size = -50\n",
	                    "'feed_page_size'");
	assert_config_error(state, MINIMAL "feed_page_size =\n",
	                    "'feed_page_size'");
	assert_config_error(state,
	                    MINIMAL "feed_page_size = 99999999999999999999\n",
	                    "'feed_page_size'");
}

/* Issue 15: the attachment caps default to ic_limits.h and stop at its
 * ceiling. */
static void test_config_attach_limits(void **state)
{
	parse(state, MINIMAL, IC_OK);
	assert_int_equal(cfg.attach_max_file,
	                 IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT);
	assert_int_equal(cfg.attach_max_message,
	                 IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT);
	parse(state, MINIMAL "attach_max_file_bytes = 1000\n", IC_OK);
	assert_int_equal(cfg.attach_max_file, 1000);
	parse(state, MINIMAL "attach_max_message_bytes = 33554432\n", IC_OK);
	assert_int_equal(cfg.attach_max_message, 33554432);
	assert_config_error(state, MINIMAL "attach_max_file_bytes = 0\n",
	                    "bad value for 'attach_max_file_bytes' at "
	                    "test.conf:4: must be a whole number of bytes");
	assert_config_error(state,
	                    MINIMAL "attach_max_message_bytes = 33554433\n",
	                    "'attach_max_message_bytes'");
	assert_config_error(state, MINIMAL "attach_max_file_bytes = 10M\n",
	                    "'attach_max_file_bytes'");
}

static void test_config_enumerations_reject_other_words(void **state)
{
	assert_config_error(state, MINIMAL "log_level = loud\n",
	                    "bad value for 'log_level' at test.conf:4: must be "
	                    "error, warning, info or debug");
	assert_config_error(state, MINIMAL "sign_in = magic\n",
	                    "'sign_in' at test.conf:4: must be builtin or "
	                    "external");
	assert_config_error(state, MINIMAL "dev_mode = maybe\n",
	                    "'dev_mode' at test.conf:4: must be true or false");
	assert_config_error(state, MINIMAL "dev_mode =\n", "'dev_mode'");
}

static void test_config_data_dir_must_be_absolute(void **state)
{
	assert_config_error(state, ME BASE "data_dir = var/lib/ic\n",
	                    "bad value for 'data_dir' at test.conf:3: must be "
	                    "an absolute path");
	assert_config_error(state, ME BASE "data_dir =\n", "'data_dir'");
}

static void test_config_passphrase_hash_must_look_like_crypt(void **state)
{
	char *at;

	parse(state, MINIMAL "passphrase_hash = $6$rounds=5000$salt$h/a.sh\n",
	      IC_OK);
	assert_config_error(state, MINIMAL "passphrase_hash = hunter2\n",
	                    "'passphrase_hash' at test.conf:4");
	/* The message never repeats the value (it may be a passphrase). */
	assert_null(strstr(errbuf, "hunter2"));
	assert_config_error(state, MINIMAL "passphrase_hash = $y$ab cd\n",
	                    "'passphrase_hash'");
	at = strstr(errbuf, "ab cd");
	assert_null(at);
}

static void test_config_urls_must_be_https_outside_dev_mode(void **state)
{
	assert_config_error(
	        state, "me = http://alice.example/\n" BASE DATA,
	        "bad value for 'me' at test.conf:1: must use https");
	assert_config_error(state,
	                    ME "base_url = http://alice.example/ic\n" DATA,
	                    "'base_url' at test.conf:2: must use https");
	assert_config_error(state, MINIMAL "hub = http://hub.example/\n",
	                    "'hub' at test.conf:4: must use https");
}

static void test_config_dev_mode_allows_http_wherever_it_stands(void **state)
{
	/* dev_mode is on the last line; the URLs above still get it. */
	parse(state,
	      "me = http://localhost:8080/\n"
	      "base_url = http://localhost:8080/ic\n"
	      "hub = http://127.0.0.1:9000/hub\n" DATA "dev_mode = true\n",
	      IC_OK);
	assert_true(cfg.dev_mode);
	assert_string_equal(cfg.me, "http://localhost:8080/");
	assert_string_equal(cfg.hub, "http://127.0.0.1:9000/hub");
}

static void test_config_me_port_only_in_dev_mode_ia_c_2(void **state)
{
	assert_config_error(state,
	                    "me = https://alice.example:8443/\n" BASE DATA,
	                    "'me' at test.conf:1: must not contain a port");
	parse(state,
	      "me = https://alice.example:8443/\n" BASE DATA "dev_mode = 1\n",
	      IC_OK);
	/* Other URLs may name a port: a hub may run anywhere. */
	parse(state, MINIMAL "hub = https://hub.example:8443/\n", IC_OK);
}

static void test_config_url_sanity_checks(void **state)
{
	assert_config_error(state, "me = ftp://alice.example/\n" BASE DATA,
	                    "'me' at test.conf:1: must be an http:// or "
	                    "https:// URL");
	assert_config_error(state, "me = alice.example\n" BASE DATA,
	                    "must be an http:// or https:// URL");
	assert_config_error(state, "me = https:///x\n" BASE DATA,
	                    "has no host");
	assert_config_error(state, "me = https://a b.example/\n" BASE DATA,
	                    "must not contain spaces");
	assert_config_error(state,
	                    "me = https://al\xc3\xad.example/\n" BASE DATA,
	                    "non-ASCII");
	assert_config_error(state,
	                    "me = https://u:p@alice.example/\n" BASE DATA,
	                    "user name or password");
	assert_config_error(state, "me = https://alice.example/#me\n" BASE DATA,
	                    "fragment");
	assert_config_error(state,
	                    "me = https://alice.example:99999/\n" BASE DATA
	                    "dev_mode = yes\n",
	                    "invalid port");
	assert_config_error(state, "me = https://al!ce.example/\n" BASE DATA,
	                    "invalid host");
	assert_config_error(state, "me =\n" BASE DATA,
	                    "'me' at test.conf:1: must not be empty");
	assert_config_error(
	        state, ME "base_url = https://a.example/ic?x=1\n" DATA,
	        "'base_url' at test.conf:2: must not contain a query");
}

static void test_config_url_longer_than_max_is_an_error(void **state)
{
	char *text = ic_arena_printf(*state,
	                             "me = https://a.example/%0*d\n" BASE DATA,
	                             (int)IC_MAX_URL_BYTES, 0);

	assert_non_null(text);
	assert_config_error(state, text,
	                    "'me' at test.conf:1: is longer than "
	                    "2048 bytes");
}

static void test_config_null_filename_and_text(void **state)
{
	errbuf[0] = '\0';
	assert_int_equal(ic_config_parse(&cfg, *state, NULL, 0, NULL, errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(
	        strstr(errbuf, "missing required key 'me' in (config)"));
}

/* --- files and the environment ---------------------------------------- */

static void test_config_load_reads_a_file(void **state)
{
	char path[64];

	write_temp(path, MINIMAL "feed_page_size = 20\n",
	           strlen(MINIMAL "feed_page_size = 20\n"));
	assert_int_equal(ic_config_load(&cfg, *state, path, errbuf), IC_OK);
	assert_string_equal(cfg.path, path);
	assert_int_equal(cfg.feed_page_size, 20);
	unlink(path);
}

static void test_config_load_error_names_file_and_line(void **state)
{
	char path[64], want[128];

	write_temp(path, MINIMAL "\nlog_level = shouty\n",
	           strlen(MINIMAL "\nlog_level = shouty\n"));
	assert_int_equal(ic_config_load(&cfg, *state, path, errbuf),
	                 IC_ERR_CONFIG);
	snprintf(want, sizeof(want), "'log_level' at %s:5", path);
	assert_non_null(strstr(errbuf, want));
	unlink(path);
}

static void test_config_load_missing_file_names_it(void **state)
{
	assert_int_equal(ic_config_load(&cfg, *state,
	                                "/nonexistent/indiechat.conf", errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(
	        strstr(errbuf, "cannot open /nonexistent/indiechat.conf"));
	assert_int_equal(ic_config_load(&cfg, *state, "", errbuf),
	                 IC_ERR_CONFIG);
	assert_int_equal(ic_config_load(&cfg, *state, NULL, errbuf),
	                 IC_ERR_CONFIG);
}

static void test_config_load_refuses_directory_and_huge_file(void **state)
{
	char path[64];
	size_t n = IC_MAX_CONFIG_BYTES + 1;
	char *big = ic_arena_alloc(*state, n);

	assert_int_equal(ic_config_load(&cfg, *state, "/tmp", errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "not a regular file"));
	assert_non_null(big);
	memset(big, '\n', n);
	write_temp(path, big, n);
	assert_int_equal(ic_config_load(&cfg, *state, path, errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "is larger than 65536 bytes"));
	/* One byte less is read whole (and then lacks its keys). */
	assert_int_equal(truncate(path, (off_t)(n - 1)), 0);
	assert_int_equal(ic_config_load(&cfg, *state, path, errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "missing required key"));
	unlink(path);
}

static void test_config_load_default_uses_env_value(void **state)
{
	char path[64];

	write_temp(path, MINIMAL, strlen(MINIMAL));
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, path, NULL, errbuf),
	        IC_OK);
	assert_string_equal(cfg.path, path);
	unlink(path);
}

static void test_config_load_default_rejects_relative_env_value(void **state)
{
	assert_int_equal(ic_config_load_default(&cfg, *state, "indiechat.conf",
	                                        NULL, errbuf),
	                 IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "INDIECHAT_CONFIG must be an absolute"));
}

static void test_config_load_default_falls_back_to_sysconfdir(void **state)
{
	const char *def = ic_config_default_path();
	size_t n = strlen(def);

	assert_true(n > strlen("/indiechat.conf"));
	assert_string_equal(def + n - strlen("/indiechat.conf"),
	                    "/indiechat.conf");
	assert_true(def[0] == '/');
	/* NULL and "" both mean "not set": whatever the machine has there,
	 * the default path is the one that was tried. */
	for (int i = 0; i < 2; i++) {
		errbuf[0] = '\0';
		if (ic_config_load_default(&cfg, *state, i ? "" : NULL, NULL,
		                           errbuf) == IC_OK)
			assert_string_equal(cfg.path, def);
		else
			assert_non_null(strstr(errbuf, def));
	}
}

/* A fresh directory standing for the programs' (caller rmdirs it). */
static void make_prog_dir(char *dir)
{
	strcpy(dir, "/tmp/ic-test-progdir-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void write_beside(const char *dir, const char *text, char *path)
{
	FILE *f;

	snprintf(path, 128, "%s/indiechat.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Second in the search order: indiechat.conf beside the programs, for a
 * host whose suEXEC drops SetEnv (issue 12). */
static void
test_config_load_default_finds_the_file_beside_the_programs(void **state)
{
	char dir[64], path[128], slashed[80];

	make_prog_dir(dir);
	write_beside(dir, MINIMAL, path);
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, NULL, dir, errbuf), IC_OK);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.me, "https://alice.example/");
	/* An unset INDIECHAT_CONFIG is NULL or "" alike; a trailing slash on
	 * the directory changes nothing. */
	snprintf(slashed, sizeof(slashed), "%s/", dir);
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, "", slashed, errbuf),
	        IC_OK);
	assert_string_equal(cfg.path, path);
	unlink(path);
	rmdir(dir);
}

/* First in the search order: INDIECHAT_CONFIG wins over the file beside
 * the programs. */
static void test_config_load_default_env_value_comes_first(void **state)
{
	char dir[64], beside[128], path[64];

	make_prog_dir(dir);
	write_beside(dir, "me = https://other.example/\n" BASE DATA, beside);
	write_temp(path, MINIMAL, strlen(MINIMAL));
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, path, dir, errbuf), IC_OK);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.me, "https://alice.example/");
	unlink(path);
	unlink(beside);
	rmdir(dir);
}

/* Last: without a file beside the programs (or with a directory that is
 * no absolute path, which names nothing for a CGI), SYSCONFDIR's. */
static void test_config_load_default_without_beside_falls_back(void **state)
{
	const char *def = ic_config_default_path();
	const char *dirs[] = {NULL, "relative/dir", NULL};
	char dir[64];

	make_prog_dir(dir);
	dirs[2] = dir;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		errbuf[0] = '\0';
		if (ic_config_load_default(&cfg, *state, NULL, dirs[i],
		                           errbuf) == IC_OK)
			assert_string_equal(cfg.path, def);
		else if (strstr(errbuf, def) == NULL)
			fail_msg("%s: \"%s\" does not name %s",
			         dirs[i] ? dirs[i] : "NULL", errbuf, def);
	}
	rmdir(dir);
}

/* A file beside the programs that is there but wrong is an error that
 * names it; the programs never quietly run on SYSCONFDIR's instead. */
static void test_config_load_default_bad_beside_file_is_an_error(void **state)
{
	char dir[64], path[128], longdir[IC_MAX_FS_PATH_BYTES + 2];

	make_prog_dir(dir);
	write_beside(dir, ME "colour = blue\n", path);
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, NULL, dir, errbuf),
	        IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, path));
	assert_non_null(strstr(errbuf, "colour"));
	unlink(path);
	/* A directory (not a file) of that name is not silently skipped. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, NULL, dir, errbuf),
	        IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, path));
	rmdir(path);
	rmdir(dir);
	/* A directory too long to append the name to. */
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(
	        ic_config_load_default(&cfg, *state, NULL, longdir, errbuf),
	        IC_ERR_CONFIG);
	assert_non_null(strstr(errbuf, "longer than"));
}

static void test_config_documented_example_loads(void **state)
{
	const char *top = getenv("IC_TOP_SRCDIR");
	char path[4096];

	if (top == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/tests/unit/data/config/example.conf",
	         top);
	assert_int_equal(ic_config_load(&cfg, *state, path, errbuf), IC_OK);
	assert_string_equal(cfg.me, "https://alice.example/");
	assert_string_equal(cfg.base_url, "https://alice.example/indiechat");
	assert_int_equal(cfg.feed_page_size, 50);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_config_minimal_file_gets_defaults),
	        T(test_config_every_key_is_read),
	        T(test_config_name_and_photo_rules),
	        T(test_config_notify_email_rules),
	        T(test_config_notify_push_rules),
	        T(test_config_comments_blank_lines_and_whitespace),
	        T(test_config_crlf_and_byte_order_mark),
	        T(test_config_empty_value_is_allowed),
	        T(test_config_urls_lowercased_and_me_gets_slash_ia_c_1),
	        T(test_config_base_url_root_loses_its_slash),
	        T(test_config_data_dir_trailing_slashes_stripped),
	        T(test_config_values_are_case_insensitive_words),
	        T(test_config_unknown_key_names_file_and_line),
	        T(test_config_duplicate_key_is_an_error),
	        T(test_config_missing_required_key_names_key_and_file),
	        T(test_config_line_without_equals_is_an_error),
	        T(test_config_control_and_nul_bytes_are_errors),
	        T(test_config_line_longer_than_cap_is_an_error),
	        T(test_config_text_larger_than_cap_is_an_error),
	        T(test_config_feed_page_size_range),
	        T(test_config_attach_limits),
	        T(test_config_enumerations_reject_other_words),
	        T(test_config_data_dir_must_be_absolute),
	        T(test_config_passphrase_hash_must_look_like_crypt),
	        T(test_config_urls_must_be_https_outside_dev_mode),
	        T(test_config_dev_mode_allows_http_wherever_it_stands),
	        T(test_config_me_port_only_in_dev_mode_ia_c_2),
	        T(test_config_url_sanity_checks),
	        T(test_config_url_longer_than_max_is_an_error),
	        T(test_config_null_filename_and_text),
	        T(test_config_load_reads_a_file),
	        T(test_config_load_error_names_file_and_line),
	        T(test_config_load_missing_file_names_it),
	        T(test_config_load_refuses_directory_and_huge_file),
	        T(test_config_load_default_uses_env_value),
	        T(test_config_load_default_rejects_relative_env_value),
	        T(test_config_load_default_falls_back_to_sysconfdir),
	        T(test_config_load_default_finds_the_file_beside_the_programs),
	        T(test_config_load_default_env_value_comes_first),
	        T(test_config_load_default_without_beside_falls_back),
	        T(test_config_load_default_bad_beside_file_is_an_error),
	        T(test_config_documented_example_loads),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
