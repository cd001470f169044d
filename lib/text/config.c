/*
 * config.c - reading indiechat.conf (see config.h, docs/configuration.md).
 *
 * Two passes.  The first reads the lines and files each value under its
 * key, remembering the line; unknown and repeated keys stop it.  The
 * second walks the key table in order, takes each value or its default,
 * and hands it to the key's setter, which checks and stores it.  dev_mode
 * comes first in the table because the URL rules depend on it, wherever
 * the line stands in the file.
 *
 * No libcurl here (the `feed` program links this file, DESIGN.md hot read
 * path), so the URL checks are our own: scheme, host, port, no userinfo or
 * fragment, no whitespace or control bytes, length.
 */
#include "text/config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ic_limits.h"
#include "core/log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc" /* configure passes -DSYSCONFDIR (mk/text.am) */
#endif

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Whitespace trimmed around keys and values ("\r" for CRLF files). */
#define CONFIG_WS " \t\r\f\v"

/* What the setters work on. */
struct ctx {
	struct ic_config *cfg;
	struct ic_arena *a;
};

/* A setter's answer when the arena ran out, told apart by address. */
static const char oom[] = "out of memory";

/* --- Setters: check one value, store it, or say why it is bad ---------- */

static const char *parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return NULL;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return NULL;
		}
	}
	return "must be true or false";
}

static const char *set_dev_mode(struct ctx *c, char *v)
{
	return parse_bool(v, &c->cfg->dev_mode);
}

/* check_url() rules. */
#define URL_NO_QUERY  0x1u /* base_url: paths are appended to it */
#define URL_NO_PORT   0x2u /* me: IA-C-2, unless dev_mode */
#define URL_ADD_SLASH 0x4u /* me: an empty path is "/" (IA-C-1) */

static bool host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

static bool ipv6_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.';
}

/* Length of the host at the start of an authority of @p len bytes. */
static const char *host_length(const char *auth, size_t len, size_t *host_len)
{
	size_t i = 0;

	if (len > 0 && auth[0] == '[') {
		for (i = 1; i < len && ipv6_char(auth[i]); i++)
			continue;
		if (i == len || auth[i] != ']' || i == 1)
			return "has an invalid IPv6 host";
		i++;
	} else {
		while (i < len && host_char(auth[i]))
			i++;
	}
	*host_len = i;
	if (i == 0)
		return "has no host";
	if (i < len && auth[i] != ':')
		return "has an invalid host";
	return NULL;
}

/* ":port" after the host: digits, 1 to 65535. */
static const char *check_port(const char *p, size_t len)
{
	unsigned long port = 0;

	if (len < 2 || len > 6)
		return "has an invalid port";
	for (size_t i = 1; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return "has an invalid port";
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	return (port == 0 || port > 65535) ? "has an invalid port" : NULL;
}

static const char *check_authority(const struct ctx *c, const char *auth,
                                   size_t len, unsigned rules)
{
	size_t host_len;
	const char *why;

	if (memchr(auth, '@', len) != NULL)
		return "must not contain a user name or password";
	why = host_length(auth, len, &host_len);
	if (why != NULL || host_len == len)
		return why;
	why = check_port(auth + host_len, len - host_len);
	if (why == NULL && (rules & URL_NO_PORT) && !c->cfg->dev_mode)
		why = "must not contain a port (allowed with dev_mode = true)";
	return why;
}

/* Length of "http://" or "https://" at the start of @p v, else 0. */
static size_t scheme_prefix(const char *v)
{
	if (strncasecmp(v, "https://", 8) == 0)
		return 8;
	if (strncasecmp(v, "http://", 7) == 0)
		return 7;
	return 0;
}

static const char *check_url_text(const struct ctx *c, const char *v,
                                  unsigned rules)
{
	size_t n = strlen(v), pre = scheme_prefix(v);

	if (n == 0)
		return "must not be empty";
	if (n > IC_MAX_URL_BYTES)
		return "is longer than " STR(IC_MAX_URL_BYTES) " bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return "must not contain spaces, control characters "
			       "or non-ASCII bytes (percent-encode them)";
	if (pre == 0)
		return "must be an http:// or https:// URL";
	if (pre == 7 && !c->cfg->dev_mode)
		return "must use https (http is allowed with dev_mode = true)";
	if (strchr(v, '#') != NULL)
		return "must not contain a fragment (#)";
	if ((rules & URL_NO_QUERY) && strchr(v, '?') != NULL)
		return "must not contain a query (?)";
	return check_authority(c, v + pre, strcspn(v + pre, "/?"), rules);
}

/* Check @p v; store the URL with scheme and host lowercased in *out. */
static const char *check_url(struct ctx *c, char *v, unsigned rules,
                             const char **out)
{
	const char *why = check_url_text(c, v, rules);
	size_t pre, end;

	if (why != NULL)
		return why;
	pre = scheme_prefix(v);
	end = pre + strcspn(v + pre, "/?");
	for (size_t i = 0; i < end; i++)
		if (v[i] >= 'A' && v[i] <= 'Z')
			v[i] = (char)(v[i] - 'A' + 'a');
	*out = v;
	if ((rules & URL_ADD_SLASH) && v[end] != '/') {
		*out = ic_arena_printf(c->a, "%.*s/%s", (int)end, v, v + end);
		if (*out == NULL)
			return oom;
	}
	return NULL;
}

static const char *set_me(struct ctx *c, char *v)
{
	return check_url(c, v, URL_NO_PORT | URL_ADD_SLASH, &c->cfg->me);
}

static const char *set_base_url(struct ctx *c, char *v)
{
	size_t n;
	const char *why = check_url(c, v, URL_NO_QUERY, &c->cfg->base_url);

	if (why != NULL)
		return why;
	/* Paths are appended as "/feed/..."; strip the one slash a user is
	 * likely to type, refuse anything odder. */
	n = strlen(v);
	if (v[n - 1] == '/')
		v[--n] = '\0';
	if (v[n - 1] == '/')
		return "must not end with '//'";
	return NULL;
}

static const char *set_hub(struct ctx *c, char *v)
{
	if (v[0] == '\0') {
		c->cfg->hub = v; /* the built-in hub */
		return NULL;
	}
	return check_url(c, v, 0, &c->cfg->hub);
}

static const char *set_data_dir(struct ctx *c, char *v)
{
	size_t n = strlen(v);

	if (v[0] != '/')
		return "must be an absolute path (start with /)";
	while (n > 1 && v[n - 1] == '/')
		v[--n] = '\0';
	c->cfg->data_dir = v;
	return NULL;
}

/* crypt(3) hashes use "$id$salt$hash" with this alphabet (yescrypt,
 * sha512crypt "rounds=", bcrypt). */
static const char *set_passphrase_hash(struct ctx *c, char *v)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz"
	                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "0123456789./$=,+-";

	if (v[0] != '\0' && (v[0] != '$' || v[strspn(v, alphabet)] != '\0'))
		return "must be a crypt(3) hash starting with '$', never the "
		       "passphrase itself";
	c->cfg->passphrase_hash = v;
	return NULL;
}

static const char *set_sign_in(struct ctx *c, char *v)
{
	if (strcasecmp(v, "builtin") == 0)
		c->cfg->sign_in = "builtin";
	else if (strcasecmp(v, "external") == 0)
		c->cfg->sign_in = "external";
	else
		return "must be builtin or external";
	return NULL;
}

static const char *set_log_level(struct ctx *c, char *v)
{
	static const char *const names[] = {
	        [IC_LOG_ERROR] = "error",
	        [IC_LOG_WARN] = "warning",
	        [IC_LOG_INFO] = "info",
	        [IC_LOG_DEBUG] = "debug",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(v, names[i]) == 0) {
			c->cfg->log_level = (int)i;
			return NULL;
		}
	}
	return "must be error, warning, info or debug";
}

static const char *set_feed_page_size(struct ctx *c, char *v)
{
	static const char why[] = "must be a whole number from " STR(
	        IC_CONFIG_FEED_PAGE_SIZE_MIN) " to " STR(IC_CONFIG_FEED_PAGE_SIZE_MAX);
	unsigned long n = 0;
	size_t i;

	/* Strict digits (no sign, no spaces), bounded before it can wrap. */
	for (i = 0;
	     v[i] >= '0' && v[i] <= '9' && n <= IC_CONFIG_FEED_PAGE_SIZE_MAX;
	     i++)
		n = n * 10 + (unsigned long)(v[i] - '0');
	if (i == 0 || v[i] != '\0' || n < IC_CONFIG_FEED_PAGE_SIZE_MIN ||
	    n > IC_CONFIG_FEED_PAGE_SIZE_MAX)
		return why;
	c->cfg->feed_page_size = (unsigned)n;
	return NULL;
}

/* Attachment caps (issue 15): strict digits, 1 byte to the ceiling. */
static const char *attach_bytes(char *v, unsigned long *out)
{
	static const char why[] = "must be a whole number of bytes from 1 "
	                          "to " STR(IC_CONFIG_ATTACH_BYTES_MAX);
	unsigned long n = 0;
	size_t i;

	for (i = 0;
	     v[i] >= '0' && v[i] <= '9' && n <= IC_CONFIG_ATTACH_BYTES_MAX; i++)
		n = n * 10 + (unsigned long)(v[i] - '0');
	if (i == 0 || v[i] != '\0' || n < 1 || n > IC_CONFIG_ATTACH_BYTES_MAX)
		return why;
	*out = n;
	return NULL;
}

static const char *set_attach_max_file(struct ctx *c, char *v)
{
	return attach_bytes(v, &c->cfg->attach_max_file);
}

static const char *set_attach_max_message(struct ctx *c, char *v)
{
	return attach_bytes(v, &c->cfg->attach_max_message);
}

/* The owner's display name: short text for the feed's h-card. */
static const char *set_name(struct ctx *c, char *v)
{
	if (strlen(v) > IC_CONFIG_NAME_MAX)
		return "must be at most " STR(IC_CONFIG_NAME_MAX) " bytes";
	c->cfg->name = v;
	return NULL;
}

static const char *set_photo(struct ctx *c, char *v)
{
	if (v[0] == '\0') {
		c->cfg->photo = v;
		return NULL;
	}
	return check_url(c, v, 0, &c->cfg->photo);
}

/* An address for notify_email: local@domain in printable ASCII, nothing
 * a mail header could be split or extended with (CR, LF, space, comma,
 * angle brackets, quotes, semicolon): it goes into "To:" as it is. */
static const char *set_notify_email(struct ctx *c, char *v)
{
	static const char why[] =
	        "must be one address like name@example.com "
	        "(no spaces, commas, quotes or angle "
	        "brackets), at most " STR(IC_CONFIG_EMAIL_MAX) " bytes";
	const char *at = strchr(v, '@');

	if (v[0] == '\0') {
		c->cfg->notify_email = v;
		return NULL;
	}
	if (strlen(v) > IC_CONFIG_EMAIL_MAX || at == NULL || at == v ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return why;
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr(",;<>\"()[]\\:", *p))
			return why;
	c->cfg->notify_email = v;
	return NULL;
}

static const char *set_notify_email_text(struct ctx *c, char *v)
{
	if (parse_bool(v, &c->cfg->notify_email_text) == NULL)
		return NULL;
	return "must be yes or no";
}

/* The push channels' URLs: the owner's own services, checked as any URL
 * (https unless dev_mode); a query is allowed (Gotify's ?token=). */
static const char *set_notify_ntfy_url(struct ctx *c, char *v)
{
	if (v[0] == '\0') {
		c->cfg->notify_ntfy_url = v;
		return NULL;
	}
	return check_url(c, v, 0, &c->cfg->notify_ntfy_url);
}

static const char *set_notify_ntfy_format(struct ctx *c, char *v)
{
	if (strcasecmp(v, "ntfy") == 0)
		c->cfg->notify_ntfy_format = "ntfy";
	else if (strcasecmp(v, "gotify") == 0)
		c->cfg->notify_ntfy_format = "gotify";
	else
		return "must be ntfy or gotify";
	return NULL;
}

/* A token or secret goes into a header or an HMAC as it is: printable
 * ASCII without spaces, so it cannot split a header line. */
static bool token_text(const char *v)
{
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	return strlen(v) <= IC_CONFIG_NOTIFY_TOKEN_MAX;
}

static const char *set_notify_ntfy_token(struct ctx *c, char *v)
{
	if (!token_text(v))
		return "must be printable ASCII without spaces, at most " STR(
		        IC_CONFIG_NOTIFY_TOKEN_MAX) " bytes";
	c->cfg->notify_ntfy_token = v;
	return NULL;
}

static const char *set_notify_ntfy_text(struct ctx *c, char *v)
{
	if (parse_bool(v, &c->cfg->notify_ntfy_text) == NULL)
		return NULL;
	return "must be yes or no";
}

/* After notify_webhook_secret in the table: an unsigned webhook is
 * refused. */
static const char *set_notify_webhook_url(struct ctx *c, char *v)
{
	if (v[0] == '\0') {
		c->cfg->notify_webhook_url = v;
		return NULL;
	}
	if (c->cfg->notify_webhook_secret[0] == '\0')
		return "needs notify_webhook_secret (at least " STR(
		        IC_CONFIG_NOTIFY_SECRET_MIN) " bytes) to sign with";
	return check_url(c, v, 0, &c->cfg->notify_webhook_url);
}

static const char *set_notify_webhook_secret(struct ctx *c, char *v)
{
	if (!token_text(v) ||
	    (v[0] != '\0' && strlen(v) < IC_CONFIG_NOTIFY_SECRET_MIN))
		return "must be " STR(IC_CONFIG_NOTIFY_SECRET_MIN) " to " STR(
		        IC_CONFIG_NOTIFY_TOKEN_MAX) " bytes of printable ASCII "
		                                    "without spaces";
	c->cfg->notify_webhook_secret = v;
	return NULL;
}

static const char *set_notify_webhook_text(struct ctx *c, char *v)
{
	if (parse_bool(v, &c->cfg->notify_webhook_text) == NULL)
		return NULL;
	return "must be yes or no";
}

static const char *set_notify_webpush(struct ctx *c, char *v)
{
	if (parse_bool(v, &c->cfg->notify_webpush) == NULL)
		return NULL;
	return "must be yes or no";
}

static const char *set_notify_webpush_text(struct ctx *c, char *v)
{
	if (parse_bool(v, &c->cfg->notify_webpush_text) == NULL)
		return NULL;
	return "must be yes or no";
}

/* The sendmail interface is run by execve, never by a shell: a path. */
static const char *set_sendmail(struct ctx *c, char *v)
{
	if (v[0] != '/')
		return "must be an absolute path (start with /)";
	if (strlen(v) > IC_MAX_FS_PATH_BYTES)
		return "is too long";
	c->cfg->sendmail = v;
	return NULL;
}

/* --- The key table: the one description of every key ----------------- */

struct key {
	const char *name;
	const char *type; /* as docs/configuration.md names it */
	bool required;
	const char *def; /* default, as written in the file; NULL if required */
	const char *(*set)(struct ctx *c, char *v);
};

static const struct key keys[] = {
        /* dev_mode first: the URL rules below depend on it. */
        {"dev_mode", "boolean", false, "false", set_dev_mode},
        {"me", "URL", true, NULL, set_me},
        {"base_url", "URL", true, NULL, set_base_url},
        {"data_dir", "path", true, NULL, set_data_dir},
        {"hub", "URL or empty", false, "", set_hub},
        {"sign_in", "builtin|external", false, "builtin", set_sign_in},
        {"passphrase_hash", "crypt(3) hash", false, "", set_passphrase_hash},
        {"log_level", "error|warning|info|debug", false, "info", set_log_level},
        {"feed_page_size", "integer", false,
         STR(IC_CONFIG_FEED_PAGE_SIZE_DEFAULT), set_feed_page_size},
        {"attach_max_file_bytes", "integer", false,
         STR(IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT), set_attach_max_file},
        {"attach_max_message_bytes", "integer", false,
         STR(IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT), set_attach_max_message},
        {"name", "text", false, "", set_name},
        {"photo", "URL or empty", false, "", set_photo},
        {"notify_email", "address or empty", false, "", set_notify_email},
        {"notify_email_text", "boolean", false, "no", set_notify_email_text},
        {"sendmail", "path", false, IC_CONFIG_SENDMAIL_DEFAULT, set_sendmail},
        {"notify_ntfy_url", "URL or empty", false, "", set_notify_ntfy_url},
        {"notify_ntfy_format", "ntfy|gotify", false, "ntfy",
         set_notify_ntfy_format},
        {"notify_ntfy_token", "token or empty", false, "",
         set_notify_ntfy_token},
        {"notify_ntfy_text", "boolean", false, "no", set_notify_ntfy_text},
        /* The secret first: the URL needs it. */
        {"notify_webhook_secret", "secret or empty", false, "",
         set_notify_webhook_secret},
        {"notify_webhook_url", "URL or empty", false, "",
         set_notify_webhook_url},
        {"notify_webhook_text", "boolean", false, "no",
         set_notify_webhook_text},
        {"notify_webpush", "boolean", false, "no", set_notify_webpush},
        {"notify_webpush_text", "boolean", false, "no",
         set_notify_webpush_text},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* A key's value as found in the file; line 0 means "not set". */
struct slot {
	char *value;
	unsigned line;
};

static int find_key(const char *k, size_t len)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == len &&
		    memcmp(keys[i].name, k, len) == 0)
			return (int)i;
	return -1;
}

/* --- Pass one: lines into slots ---------------------------------------- */

static const char *trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && strchr(CONFIG_WS, *s) != NULL && *s != '\0') {
		s++;
		n--;
	}
	while (n > 0 && strchr(CONFIG_WS, s[n - 1]) != NULL && s[n - 1])
		n--;
	*len = n;
	return s;
}

static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Where a line is, for messages. */
struct where {
	const char *file;
	unsigned line;
};

static enum ic_err store_value(struct ic_arena *a, struct slot *slots,
                               const char *k, size_t klen, const char *v,
                               size_t vlen, struct where w, char *errbuf)
{
	int i = find_key(k, klen);

	if (i < 0)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "unknown key '%.*s' at %s:%u",
		               (int)(klen < IC_CONFIG_KEY_ECHO_BYTES
		                             ? klen
		                             : IC_CONFIG_KEY_ECHO_BYTES),
		               k, w.file, w.line);
	if (slots[i].line != 0)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "duplicate key '%s' at %s:%u (first set at "
		               "line %u)",
		               keys[i].name, w.file, w.line, slots[i].line);
	/* Tabs inside a value are control characters too: never useful in
	 * a URL, path or name, and they make the file ambiguous to read. */
	if (has_control(v, vlen))
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "bad value for '%s' at %s:%u: contains a "
		               "control character",
		               keys[i].name, w.file, w.line);
	slots[i].value = ic_arena_strndup(a, v, vlen);
	if (slots[i].value == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory reading %s",
		               w.file);
	slots[i].line = w.line;
	return IC_OK;
}

static enum ic_err scan_line(struct ic_arena *a, struct slot *slots,
                             const char *p, size_t len, struct where w,
                             char *errbuf)
{
	const char *eq, *k, *v;
	size_t klen, vlen;

	if (len > IC_MAX_CONFIG_LINE_BYTES)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "line %u of %s is longer than %u bytes", w.line,
		               w.file, (unsigned)IC_MAX_CONFIG_LINE_BYTES);
	if (memchr(p, '\0', len) != NULL)
		return ic_fail(errbuf, IC_ERR_CONFIG, "NUL byte at %s:%u",
		               w.file, w.line);
	p = trim(p, &len);
	if (len == 0 || p[0] == '#')
		return IC_OK;
	eq = memchr(p, '=', len);
	if (eq == NULL)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "expected 'key = value' at %s:%u", w.file,
		               w.line);
	klen = (size_t)(eq - p);
	k = trim(p, &klen);
	vlen = len - (size_t)(eq + 1 - p);
	v = trim(eq + 1, &vlen);
	if (klen == 0)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "missing key before '=' at %s:%u", w.file,
		               w.line);
	return store_value(a, slots, k, klen, v, vlen, w, errbuf);
}

static enum ic_err scan(struct ic_arena *a, struct slot *slots,
                        const char *text, size_t len, const char *file,
                        char *errbuf)
{
	struct where w = {file, 0};
	size_t i = 0;

	/* A UTF-8 byte order mark, as some editors write one. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		enum ic_err rc;

		w.line++;
		rc = scan_line(a, slots, text + i, end - i, w, errbuf);
		if (rc != IC_OK)
			return rc;
		i = end + 1;
	}
	return IC_OK;
}

/* --- Pass two: slots (or defaults) through the setters ----------------- */

static enum ic_err apply_key(struct ctx *c, const struct key *k,
                             const struct slot *s, const char *file,
                             char *errbuf)
{
	char *v = s->value;
	const char *why;

	if (s->line == 0) {
		if (k->required)
			return ic_fail(errbuf, IC_ERR_CONFIG,
			               "missing required key '%s' in %s",
			               k->name, file);
		v = ic_arena_strdup(c->a, k->def);
		if (v == NULL)
			return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	}
	why = k->set(c, v);
	if (why == oom)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	if (why != NULL && s->line == 0)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "default of '%s' is invalid: %s", k->name, why);
	if (why != NULL)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "bad value for '%s' at %s:%u: %s", k->name, file,
		               s->line, why);
	return IC_OK;
}

enum ic_err ic_config_parse(struct ic_config *cfg, struct ic_arena *a,
                            const char *text, size_t len, const char *filename,
                            char *errbuf)
{
	struct slot slots[N_KEYS] = {{NULL, 0}};
	struct ctx c = {cfg, a};
	const char *file = filename ? filename : "(config)";
	enum ic_err rc;

	memset(cfg, 0, sizeof(*cfg));
	if (text == NULL)
		len = 0;
	if (len > IC_MAX_CONFIG_BYTES)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "%s is larger than %u bytes", file,
		               (unsigned)IC_MAX_CONFIG_BYTES);
	rc = scan(a, slots, text, len, file, errbuf);
	for (size_t i = 0; rc == IC_OK && i < N_KEYS; i++)
		rc = apply_key(&c, &keys[i], &slots[i], file, errbuf);
	if (rc == IC_OK) {
		cfg->path = ic_arena_strdup(a, file);
		if (cfg->path == NULL)
			rc = ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	}
	return rc;
}

/* --- Files ------------------------------------------------------------- */

/* Read all of @p fd into @p buf (room for @p cap bytes); *len past @p cap
 * means the file is larger than that. */
static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	while (*len <= cap) {
		ssize_t n = read(fd, buf + *len, cap + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

static enum ic_err read_file(struct ic_arena *a, const char *path, char **text,
                             size_t *len, char *errbuf)
{
	struct stat st;
	int fd, rc, saved;

	*text = ic_arena_alloc(a, IC_MAX_CONFIG_BYTES + 1);
	if (*text == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ic_fail(errbuf, IC_ERR_CONFIG, "cannot open %s: %s",
		               path, strerror(errno));
	/* A FIFO or device would block or never end. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "%s is not a regular file", path);
	}
	rc = read_all(fd, *text, IC_MAX_CONFIG_BYTES, len);
	saved = errno;
	close(fd);
	if (rc != 0)
		return ic_fail(errbuf, IC_ERR_CONFIG, "cannot read %s: %s",
		               path, strerror(saved));
	if (*len > IC_MAX_CONFIG_BYTES)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "%s is larger than %u bytes", path,
		               (unsigned)IC_MAX_CONFIG_BYTES);
	return IC_OK;
}

enum ic_err ic_config_load(struct ic_config *cfg, struct ic_arena *a,
                           const char *path, char *errbuf)
{
	char *text = NULL;
	size_t len = 0;
	enum ic_err rc;

	memset(cfg, 0, sizeof(*cfg));
	if (path == NULL || path[0] == '\0')
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "no configuration file named");
	rc = read_file(a, path, &text, &len, errbuf);
	if (rc != IC_OK)
		return rc;
	return ic_config_parse(cfg, a, text, len, path, errbuf);
}

const char *ic_config_default_path(void)
{
	return SYSCONFDIR "/indiechat.conf";
}

/* The file beside the programs: IC_OK with *path set when it exists,
 * IC_OK with *path NULL when it does not. */
static enum ic_err beside_path(struct ic_arena *a, const char *prog_dir,
                               const char **path, char *errbuf)
{
	struct stat st;
	size_t n;
	char *p;

	*path = NULL;
	/* Relative names nothing: a CGI's working directory is not ours. */
	if (prog_dir == NULL || prog_dir[0] != '/')
		return IC_OK;
	n = strlen(prog_dir);
	while (n > 1 && prog_dir[n - 1] == '/')
		n--;
	if (n + 1 + strlen(IC_CONFIG_BESIDE_NAME) > IC_MAX_FS_PATH_BYTES)
		return ic_fail(errbuf, IC_ERR_CONFIG,
		               "the programs' directory is longer than %u "
		               "bytes",
		               (unsigned)IC_MAX_FS_PATH_BYTES);
	p = ic_arena_printf(a, "%.*s%s" IC_CONFIG_BESIDE_NAME, (int)n, prog_dir,
	                    n > 1 ? "/" : "");
	if (p == NULL)
		return IC_ERR_NOMEM;
	if (stat(p, &st) != 0) {
		int saved = errno;

		if (saved == ENOENT || saved == ENOTDIR)
			return IC_OK;
		return ic_fail(errbuf, IC_ERR_CONFIG, "cannot examine %s: %s",
		               p, strerror(saved));
	}
	*path = p;
	return IC_OK;
}

enum ic_err ic_config_load_default(struct ic_config *cfg, struct ic_arena *a,
                                   const char *env_value, const char *prog_dir,
                                   char *errbuf)
{
	const char *beside;
	enum ic_err rc;

	memset(cfg, 0, sizeof(*cfg));
	if (env_value != NULL && env_value[0] != '\0') {
		if (env_value[0] != '/')
			return ic_fail(errbuf, IC_ERR_CONFIG,
			               IC_CONFIG_ENV
			               " must be an absolute path");
		return ic_config_load(cfg, a, env_value, errbuf);
	}
	rc = beside_path(a, prog_dir, &beside, errbuf);
	if (rc != IC_OK)
		return rc;
	if (beside != NULL)
		return ic_config_load(cfg, a, beside, errbuf);
	return ic_config_load(cfg, a, ic_config_default_path(), errbuf);
}

bool ic_config_notify_email_on(const struct ic_config *cfg)
{
	return cfg->notify_email != NULL && cfg->notify_email[0] != '\0';
}

bool ic_config_notify_ntfy_on(const struct ic_config *cfg)
{
	return cfg->notify_ntfy_url != NULL && cfg->notify_ntfy_url[0] != '\0';
}

bool ic_config_notify_webhook_on(const struct ic_config *cfg)
{
	return cfg->notify_webhook_url != NULL &&
	       cfg->notify_webhook_url[0] != '\0';
}

bool ic_config_notify_webpush_on(const struct ic_config *cfg)
{
	return cfg->notify_webpush;
}

bool ic_config_notify_on(const struct ic_config *cfg)
{
	return ic_config_notify_email_on(cfg) ||
	       ic_config_notify_ntfy_on(cfg) ||
	       ic_config_notify_webhook_on(cfg) ||
	       ic_config_notify_webpush_on(cfg);
}
