/*
 * cgi.h - one CGI request: its environment, body, parsed input and response.
 *
 * struct ic_req is cgit's context made explicit: the CGI variables (read
 * once, by ic_cgi_read_env(), the only code that looks at the environment),
 * the parsed query and form, the configuration, the arena that owns every
 * byte of the request, and the response that one function prints.  A
 * handler gets the request as an argument; nothing is global.
 *
 * Response metadata lives in struct ic_resp and is printed by
 * ic_cgi_respond(); every error goes through ic_cgi_respond_error(), which
 * maps enum ic_err to an HTTP status in one table.  So `Cache-Control`,
 * `Vary`, `nosniff` and `text/plain` for error bodies are each decided in
 * one place.
 *
 * Ownership: every string in struct ic_req and struct ic_resp lives in
 * req->arena (or is a string literal) and is freed with it; resp.body is
 * an ic_buf released by ic_cgi_req_free().
 */
#ifndef IC_CGI_H
#define IC_CGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "text/config.h"
#include "core/err.h"
#include "text/form.h"
#include "text/multipart.h"

struct ic_store;
struct ic_owner;
struct cJSON;

/* The CGI variables we use (RFC 3875 §4.1), NULL when absent. */
struct ic_cgi_env {
	const char *gateway_interface;
	const char *method;         /* REQUEST_METHOD, upper case */
	const char *path_info;      /* "" when absent */
	const char *query;          /* QUERY_STRING, "" when absent */
	const char *content_type;   /* CONTENT_TYPE */
	const char *content_length; /* CONTENT_LENGTH, unparsed */
	const char *authorization;  /* HTTP_AUTHORIZATION (CGIPassAuth, H-9) */
	const char *cookie;         /* HTTP_COOKIE */
	const char *accept;         /* HTTP_ACCEPT */
	const char *origin;         /* HTTP_ORIGIN */
	const char *if_none_match;  /* HTTP_IF_NONE_MATCH */
	const char *range;          /* HTTP_RANGE (issue 15: seeking) */
	const char *hub_signature;  /* HTTP_X_HUB_SIGNATURE (WS-S-23) */
	const char *remote_addr;    /* REMOTE_ADDR */
	const char *https;          /* HTTPS ("on" behind mod_ssl) */
	const char *script_name;    /* SCRIPT_NAME: the mount point */
	const char *config_path;    /* INDIECHAT_CONFIG (Apache SetEnv) */
	/* SCRIPT_FILENAME: the program's file; suEXEC keeps it while it
	 * drops SetEnv, so the configuration beside it can be found. */
	const char *script_filename;
	/* The directory of the running program (program.c fills it from
	 * SCRIPT_FILENAME or the executable), or NULL: where
	 * ic_config_load_default() looks second. */
	const char *prog_dir;
};

/* One extra response header, e.g. Link or Set-Cookie (repeatable). */
struct ic_resp_header {
	const char *name;
	const char *value;
};

#define IC_RESP_MAX_HEADERS 32

struct ic_resp {
	int status;                /* 200 unless set */
	const char *content_type;  /* NULL: no body type */
	const char *cache_control; /* NULL: none */
	const char *vary;
	const char *location;
	const char *allow;            /* for 405 */
	const char *www_authenticate; /* for 401 (RS-2) */
	bool nosniff;                 /* X-Content-Type-Options: nosniff */
	/* The handler writes the body to req->out itself once
	 * ic_cgi_respond() has sent the headers (no Content-Length): for a
	 * body past IC_MAX_RESPONSE_BYTES, as an archive download. */
	bool stream;
	struct ic_resp_header headers[IC_RESP_MAX_HEADERS];
	size_t nheaders;
	struct ic_buf body;
	/* A file sent as the body instead of @body (attachments, issue 15:
	 * larger than a body held in memory may be); fd -1 when none.  Set
	 * with ic_resp_file(); closed once sent or when the request ends. */
	struct ic_file file;
	bool sent; /* set by ic_cgi_respond(); a second call does nothing */
};

/* Named path parameters captured by the router ("{topic}"). */
#define IC_REQ_MAX_PARAMS 4

struct ic_req {
	const char *program; /* "feed", "auth", ... */
	struct ic_arena *arena;
	struct ic_cgi_env env;
	struct ic_form query; /* parsed QUERY_STRING */
	struct ic_form form;  /* parsed body, for IC_NEED_FORM routes */
	/* A multipart body's parts (IC_NEED_UPLOAD routes), files included;
	 * n 0 otherwise. */
	struct ic_multipart files;
	const char *body; /* raw body (NUL-terminated copy), or NULL */
	size_t body_len;
	struct ic_config cfg;
	bool cfg_loaded;
	struct ic_store *store; /* opened on first ic_req_store() */
	/* A safe request (HEAD; set by the router): ic_req_store() hands out
	 * the store in dry-run mode, so nothing the handler writes is kept
	 * (ic_store_set_dry_run()), and no work runs after the response. */
	bool safe;
	const char *param_names[IC_REQ_MAX_PARAMS];
	const char *param_values[IC_REQ_MAX_PARAMS];
	size_t nparams;
	/* The signed-in owner (session.h), set by the router before the
	 * handler of an owner route runs (route.h IC_NEED_OWNER_*), from
	 * the arena; NULL on every other route. */
	const struct ic_owner *owner;
	struct ic_resp resp;
	/* Work to do once the response is complete, detached from the web
	 * server (DESIGN.md "Work after the response"): set by a handler,
	 * run by ic_program_main() in a detached child with its own store. */
	enum ic_err (*after)(struct ic_req *req);
	void *after_ctx;
	/* The work may run in a FastCGI responder before the response
	 * instead, within IC_FCGI_INLINE_AFTER_MS (program.c): it must be
	 * safe to run twice, as a detached retry follows a failure. */
	bool after_inline;
	/* While it does, the CLOCK_MONOTONIC millisecond by which its
	 * network calls end (ic_req_net_timeout_ms()); 0: no deadline. */
	long long net_deadline_ms;
	/* The pipe to a child started early for the work after the response
	 * (ic_program_after_early()), which waits there for after_ctx; -1
	 * without one.  Closed with nothing written, the child just exits. */
	int after_fd;
	/* The work that child will run (program.c compares it). */
	enum ic_err (*after_early)(struct ic_req *req);
	/* The rate limiter of IC_NEED_RATE_* routes (route.h), from the
	 * program (program.h): a program without such routes (feed) does not
	 * link it.  @p after: called again once the handler answered. */
	enum ic_err (*rate_limit)(struct ic_req *req, unsigned needs,
	                          bool after, bool *refused);
	/* Set by rate_limit: the request is over its claimed site's limit.
	 * The handler answers as it always does and acts on nothing. */
	bool rate_quiet;
	/* The process serves more requests after this one (FastCGI, set by
	 * program.c): detaching leaves its fds 0-2 alone, fd 0 being the
	 * listening socket (ic_cgi_detach()). */
	bool fastcgi;
	FILE *in;  /* the request body stream (stdin) */
	FILE *out; /* where the response goes (stdout) */
	char errbuf[IC_ERRBUF_SIZE];
};

/* --- Life cycle ------------------------------------------------------- */

/**
 * Set up @p req for one request of @p program.
 * @return IC_OK, or IC_ERR_NOMEM when the arena cannot be created.
 */
enum ic_err ic_cgi_req_init(struct ic_req *req, const char *program, FILE *in,
                            FILE *out);

/** Close the store, release the body and free the arena. */
void ic_cgi_req_free(struct ic_req *req);

/**
 * Read the CGI variables from @p envp (a NULL-terminated "NAME=value"
 * array, normally `environ`) into req->env and parse QUERY_STRING.
 * This is the only function that reads the environment.
 * @return IC_OK; IC_ERR_BAD_INPUT for a malformed query or a method that
 *         is not a token; IC_ERR_TOO_LARGE for an over-long path or query.
 */
enum ic_err ic_cgi_read_env(struct ic_req *req, char *const *envp);

/** True when the environment says we run under a web server. */
bool ic_cgi_is_cgi(char *const *envp);

/* --- Input ------------------------------------------------------------ */

/**
 * Parse CONTENT_LENGTH strictly: digits only, no sign, no spaces, at most
 * IC_MAX_CONTENT_LENGTH_DIGITS digits (the idea behind strtonum()).
 * @param[out] n  the length; 0 when the variable is absent or empty.
 * @return IC_OK or IC_ERR_BAD_INPUT.
 */
enum ic_err ic_cgi_content_length(const char *s, size_t *n);

/**
 * Read exactly CONTENT_LENGTH bytes of body into req->body, refusing more
 * than @p cap (IC_ERR_TOO_LARGE -> 413).  On every error the rest of the
 * body is read and discarded first, because under mod_cgid a CGI that
 * answers without reading its body gets the connection reset (DESIGN.md).
 * @return IC_OK, IC_ERR_TOO_LARGE, IC_ERR_BAD_INPUT (bad length, short
 *         body), IC_ERR_NOMEM.
 */
enum ic_err ic_cgi_read_body(struct ic_req *req, size_t cap);

/** Read and discard whatever body CONTENT_LENGTH announces (bounded). */
void ic_cgi_drain_body(struct ic_req *req);

/**
 * The media type of the request body without parameters, lower case
 * ("application/x-www-form-urlencoded"), from the arena, or "" if none.
 */
const char *ic_cgi_media_type(struct ic_req *req);

/**
 * True when the client asks for JSON rather than a page: its Accept names
 * a JSON type and not text/html (the live script, API callers).
 */
bool ic_cgi_wants_json(const struct ic_req *req);

/**
 * The bearer token of `Authorization: Bearer <token>` (RFC 6750 §2.1:
 * scheme case-insensitive, one space, token68 characters), or NULL when
 * the header is absent, uses another scheme, or is malformed.
 */
const char *ic_cgi_bearer(const struct ic_req *req);

/**
 * The value of cookie @p name from the Cookie header (RFC 6265 §5.4,
 * first match wins), from the arena, or NULL.
 */
const char *ic_cgi_cookie(struct ic_req *req, const char *name);

/** The value of path parameter @p name captured by the router, or NULL. */
const char *ic_req_param(const struct ic_req *req, const char *name);

/**
 * Open the site's store on first use and return it.  A FastCGI responder
 * (req->fastcgi) keeps it open for its next request to the same data_dir;
 * ic_cgi_req_free() closes any other.
 * @return IC_OK, or the store's error (message in req->errbuf).
 */
enum ic_err ic_req_store(struct ic_req *req, struct ic_store **out);

/**
 * The timeout for a network call made for @p req (ic_fetch_req's
 * timeout_ms): 0, the call's own default, without req->net_deadline_ms;
 * else the milliseconds left until it, at least 1 (curl reads 0 as none).
 */
long ic_req_net_timeout_ms(const struct ic_req *req);

/** Give @p req's network calls @p ms from now (0: no deadline again). */
void ic_req_net_budget(struct ic_req *req, long ms);

/** In a child forked from a FastCGI responder: the kept store is the
 * parent's, never to be used or closed here (LMDB and fork). */
void ic_cgi_forget_kept_store(void);

/* --- Output ----------------------------------------------------------- */

/**
 * Add a response header (e.g. Link, Set-Cookie).  Name and value must be
 * from the arena or literals; a value containing CR or LF is refused with
 * IC_ERR_INTERNAL so no caller can split the response.
 */
enum ic_err ic_resp_add_header(struct ic_resp *resp, const char *name,
                               const char *value);

/**
 * Make the response a JSON document: serialise @p json (not freed here)
 * into the body with `Content-Type: application/json`.
 */
enum ic_err ic_resp_json(struct ic_req *req, const struct cJSON *json);

/**
 * Make the response a short plain-text message with @p status.
 * `text/plain; charset=utf-8` and nosniff, so a reflected value can never
 * be read as HTML.
 */
enum ic_err ic_resp_text(struct ic_req *req, int status, const char *text);

/**
 * Make the file at @p path the response's body (issue 15): opened now,
 * so its length is known for Content-Length, sent by ic_cgi_respond()
 * (none for HEAD) and closed.  The caller sets the type and headers.
 * @return as ic_file_open(): IC_OK; IC_ERR_NOT_FOUND; IC_ERR_IO.
 */
enum ic_err ic_resp_file(struct ic_req *req, const char *path, char *errbuf);

/**
 * Answer the request's `Range: bytes=` header (RFC 9110 §14) on the file
 * set by ic_resp_file(), so a browser can seek in a video (issue 15).
 * Adds `Accept-Ranges: bytes` always.  One satisfiable range: 206 with
 * Content-Range, only those bytes sent.  A range starting past the end
 * (or an empty suffix): 416 with a Content-Range giving only the size,
 * and no file.  No header, several ranges, or one we cannot parse: the whole
 * file, 200, as the RFC allows.
 * @return IC_OK; IC_ERR_NOMEM (a header could not be added).
 */
enum ic_err ic_resp_file_range(struct ic_req *req);

/**
 * Print the response: `Status:`, the headers, a blank line and (unless the
 * method is HEAD) the body; then flush.  Only the first call prints.
 * @return IC_OK or IC_ERR_IO when stdout is gone.
 */
enum ic_err ic_cgi_respond(struct ic_req *req);

/**
 * Replace the response with an error page for @p code: the status from
 * ic_cgi_status(), text/plain, `Cache-Control: no-store`, body: the
 * status phrase and @p message (one line; NULL for the generic sentence).
 * Then print it.  405 keeps resp.allow, 401 keeps www_authenticate.
 */
enum ic_err ic_cgi_respond_error(struct ic_req *req, enum ic_err code,
                                 const char *message);

/** The HTTP status for an error code (the one table; IC_OK -> 200). */
int ic_cgi_status(enum ic_err code);

/** The reason phrase for an HTTP status we send ("Not Found"). */
const char *ic_cgi_reason(int status);

/* --- Work after the response ------------------------------------------ */

/**
 * Detach from the web server once the response is complete (DESIGN.md
 * "Work after the response"): flush stdout, fork; the child points fds 0-2
 * at /dev/null (the response ends sooner), calls setsid() and forks
 * again, the middle process exits, the grandchild points fds
 * 0-2 at /dev/null, closes every other descriptor except those in
 * @p keep_fds (terminated by -1, may be NULL) and returns; the original
 * process points 0-2 at /dev/null, reaps the middle process and returns.
 * With @p keep_stdio (a FastCGI responder, whose fd 0 is its listening
 * socket and whose response went through its own connection) there is no
 * middle process: one fork, the child calls setsid(), and the responder,
 * which outlives it, reaps it with ic_cgi_reap().
 *
 * @param[out] is_child  true in the detached grandchild, false in the
 *                       original process (which should then exit).
 * @return IC_OK, or IC_ERR_IO when fork() fails (the caller then simply
 *         leaves the work for lazy maintenance).
 */
enum ic_err ic_cgi_detach(const int *keep_fds, bool keep_stdio, bool *is_child);

/** Reap the children a FastCGI responder's ic_cgi_detach() left (never
 * blocks); called before each request. */
void ic_cgi_reap(void);

/**
 * End a CGI response now: flush stdout and point fds 0-2 at /dev/null.
 * The server ends the response at EOF on our pipes, and a client (a hub's
 * POST, a `send` waiting for its 202) waits for that, not for this
 * process's exit.  Call it only once the work after the response has been
 * forked: mod_cgid kills the program when the response has ended.  Never
 * for a FastCGI responder (its fd 0 is the listening socket).
 */
void ic_cgi_end_response(void);

#endif /* IC_CGI_H */
