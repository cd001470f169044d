/*
 * config.h - indiechat.conf: the site's one configuration file.
 *
 * The file is lines of `key = value`; `#` starts a comment line; blank
 * lines are ignored; whitespace around keys and values is trimmed; a value
 * may be empty.  Every key is described once, in the key table of
 * config.c, and documented for owners in docs/configuration.md.  Unknown
 * keys, repeated keys, missing required keys and bad values are errors
 * that name the key, the file and the line (DESIGN.md "Configuration").
 *
 * Invariants of a struct ic_config filled by ic_config_parse():
 *  - every string is non-NULL, NUL-terminated and lives in the arena the
 *    caller passed, until ic_arena_free();
 *  - `me`, `base_url` and a non-empty `hub` are http(s) URLs with a host,
 *    no whitespace or control characters, at most IC_MAX_URL_BYTES; they
 *    are https unless `dev_mode` is true; scheme and host are lowercase;
 *    `me` has at least the path "/"; `base_url` has no trailing '/';
 *  - `data_dir` is an absolute path without a trailing '/';
 *  - enumerations and numbers are within their documented ranges.
 *
 * This module does no network I/O and does not link libcurl, gumbo or
 * tidy: the `feed` program reads the configuration on its hot read path
 * (DESIGN.md), so its URL checks are its own, small ones.
 */
#ifndef IC_CONFIG_H
#define IC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"

/* The environment variable the CGI layer reads (Apache's SetEnv). */
#define IC_CONFIG_ENV "INDIECHAT_CONFIG"

struct ic_config {
	const char *me;                /* the owner's profile URL (IA-C-19) */
	const char *base_url;          /* where the programs are mounted, B */
	const char *data_dir;          /* LMDB and static feeds, absolute */
	const char *hub;               /* WebSub hub URL; "" = built-in hub */
	bool dev_mode;                 /* allow http, ports, loopback */
	const char *passphrase_hash;   /* crypt(3) hash for sign_in=builtin */
	const char *sign_in;           /* "builtin" or "external" */
	int log_level;                 /* an enum ic_log_level value */
	unsigned feed_page_size;       /* messages on the newest feed page */
	unsigned long attach_max_file; /* bytes of one attached file */
	unsigned long attach_max_message; /* bytes of one message's files */
	const char *name;               /* owner's name for the h-card, or "" */
	const char *photo;              /* owner's photo URL, or "" */
	const char *notify_email;       /* where notifications go; "" = off */
	bool notify_email_text;         /* include the message text in them */
	const char *sendmail;           /* the sendmail interface, absolute */
	const char *notify_ntfy_url;    /* ntfy topic or Gotify URL; "" = off */
	const char *notify_ntfy_format; /* "ntfy" or "gotify" */
	const char *notify_ntfy_token;  /* Authorization: Bearer, or "" */
	bool notify_ntfy_text;          /* the message text in pushes */
	const char *notify_webhook_url; /* signed JSON POSTs; "" = off */
	const char *notify_webhook_secret; /* its HMAC key; set with the URL */
	bool notify_webhook_text;          /* the message text in the JSON */
	bool notify_webpush;               /* Web Push to the owner's devices */
	bool notify_webpush_text;          /* the message text in Web Push */
	const char *path;                  /* the file this came from */
};

/**
 * Parse configuration text.  Pure: no I/O, no environment; what the fuzz
 * target calls.  Tolerates any bytes (NULs, invalid UTF-8) by rejecting
 * them with a message.
 *
 * @param[out] cfg       the configuration; zeroed first, complete only on
 *                       IC_OK
 * @param[in]  a         arena for the strings in @p cfg
 * @param[in]  text      the file's contents (need not be NUL-terminated)
 * @param[in]  len       its length, at most IC_MAX_CONFIG_BYTES
 * @param[in]  filename  named in messages and kept in cfg->path; NULL
 *                       gives "(config)"
 * @param[out] errbuf    IC_ERRBUF_SIZE bytes, or NULL: "unknown key 'x' at
 *                       FILE:LINE", "missing required key 'me' in FILE",
 *                       "bad value for 'hub' at FILE:LINE: why", ...
 * @return IC_OK; IC_ERR_CONFIG for anything wrong with the text;
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_config_parse(struct ic_config *cfg, struct ic_arena *a,
                            const char *text, size_t len, const char *filename,
                            char *errbuf);

/**
 * Read and parse the file at @p path.
 *
 * Reads at most IC_MAX_CONFIG_BYTES (a longer file is an error, not
 * truncated); lines are at most IC_MAX_CONFIG_LINE_BYTES.
 *
 * @param[out] cfg     as ic_config_parse(); cfg->path is @p path
 * @param[in]  a       arena for the strings in @p cfg
 * @param[in]  path    the file
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_CONFIG when the file cannot be opened or read, is
 *         too large, or is invalid (the message names the file, and the
 *         key and line where there is one); IC_ERR_NOMEM.
 */
enum ic_err ic_config_load(struct ic_config *cfg, struct ic_arena *a,
                           const char *path, char *errbuf);

/* The file's name beside the programs (shared hosting: suEXEC drops
 * SetEnv, and the owner cannot change SYSCONFDIR without a rebuild). */
#define IC_CONFIG_BESIDE_NAME "indiechat.conf"

/**
 * Load the configuration the way every program does, from the first of
 * (docs/configuration.md, "Where the programs look"):
 *  1. @p env_value, when it is set and non-empty;
 *  2. @p prog_dir "/" IC_CONFIG_BESIDE_NAME, when @p prog_dir is an
 *     absolute path and that file exists (one that exists but cannot be
 *     read or parsed is an error, never a reason to try the next place:
 *     a site must not silently run on another site's configuration);
 *  3. SYSCONFDIR "/indiechat.conf" (configure's --sysconfdir).
 *
 * @param[out] cfg        as ic_config_load()
 * @param[in]  a          arena for the strings in @p cfg
 * @param[in]  env_value  the value of INDIECHAT_CONFIG as the CGI layer
 *                        read it (lib/ never calls getenv()), or NULL
 * @param[in]  prog_dir   the directory of the running program as the CGI
 *                        layer found it (SCRIPT_FILENAME's, or the
 *                        executable's), or NULL
 * @param[out] errbuf     IC_ERRBUF_SIZE bytes, or NULL
 * @return as ic_config_load(); also IC_ERR_CONFIG when @p env_value is not
 *         an absolute path (a CGI's working directory is not ours), or
 *         when the file beside the programs exists but cannot be
 *         examined or its path is longer than IC_MAX_FS_PATH_BYTES.
 */
enum ic_err ic_config_load_default(struct ic_config *cfg, struct ic_arena *a,
                                   const char *env_value, const char *prog_dir,
                                   char *errbuf);

/** Whether email notifications are on (a notify_email is set). */
bool ic_config_notify_email_on(const struct ic_config *cfg);
/** Whether the ntfy/Gotify channel is on (a notify_ntfy_url is set). */
bool ic_config_notify_ntfy_on(const struct ic_config *cfg);
/** Whether the webhook channel is on (a notify_webhook_url is set). */
bool ic_config_notify_webhook_on(const struct ic_config *cfg);
/** Whether Web Push is on (notify_webpush = yes; the devices subscribe
 * from the settings page). */
bool ic_config_notify_webpush_on(const struct ic_config *cfg);
/** Whether any notification channel is on: events are worth recording. */
bool ic_config_notify_on(const struct ic_config *cfg);

/** The compiled-in configuration file, SYSCONFDIR "/indiechat.conf". */
const char *ic_config_default_path(void);

#endif /* IC_CONFIG_H */
