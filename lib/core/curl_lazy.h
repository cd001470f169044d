/*
 * curl_lazy.h - libcurl, loaded on first use (issue 13).
 *
 * libcurl brings 38 shared libraries with it on Debian.  Mapping and
 * relocating them cost every program ~10 ms at exec (measured with perf:
 * the dynamic loader was 40 % of `send --help`), even a CGI that never
 * touches the network or a URL: the acknowledgement of a hub's delivery,
 * the ticket endpoint's 202, most of the owner's pages.  Now only a
 * process that parses a URL or makes a request loads it.
 *
 * Include this instead of <curl/curl.h> (lib/text/url.c, lib/net/fetch.c
 * are the only users): the curl functions we call keep their names, as
 * macros through a table that the first call fills with dlopen(3) and
 * dlsym(3), in the manner of OpenGL loaders.  A function we do not list
 * here does not link (the programs do not link libcurl): add it to the
 * table.
 *
 * When libcurl.so.4 cannot be loaded, the reason is logged once and every
 * function answers as libcurl does when it is out of memory (NULL,
 * CURLE_FAILED_INIT, CURLUE_OUT_OF_MEMORY): callers' error paths handle
 * it as any failure.  The table is filled once and never unloaded; our
 * programs are single-threaded (a FastCGI responder included), but for
 * the one loader thread of ic_curl_preload(), joined before any use.
 */
#ifndef IC_CURL_LAZY_H
#define IC_CURL_LAZY_H

/* The type-checking wrappers of <curl/typecheck-gcc.h> are macros named
 * like the functions; ours take their place. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <stdbool.h>

struct ic_curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_free) *free;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_url_dup) *url_dup;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_set) *url_set;
#if LIBCURL_VERSION_NUM >= 0x075000 /* curl_url_strerror(): 7.80.0 */
	__typeof__(curl_url_strerror) *url_strerror;
#endif
};

/** The table: libcurl's functions, or stand-ins that fail (see above). */
const struct ic_curl_api *ic_curl(void);

/**
 * ic_curl(), loading libcurl with every symbol bound at once (RTLD_NOW)
 * when it is not loaded yet: for a long-lived process whose forked
 * children make the requests (a FastCGI responder).  Lazily bound, each
 * child would bind again what its one transfer calls (about 4 ms of a
 * delivery under strace); bound once, they inherit the tables.
 */
const struct ic_curl_api *ic_curl_bind_now(void);

/**
 * Start loading libcurl (and curl_global_init()) in a thread of its own,
 * for a process that knows early that it will make a request: the child
 * started early for a send's notify (cgi/program.h) maps the 38 libraries
 * while the parent stores and publishes and while it takes its hold on
 * the job, and waits for them only at its first request.  A no-op once loaded
 * or started; a failed pthread_create() leaves the load to the first use.
 * ic_curl() waits for the thread, so does ic_curl_preload_join(), which any
 * fork(2) must call first (the child would inherit a half-loaded table and no
 * thread), and exit(3).
 */
void ic_curl_preload(void);

/** Wait for a ic_curl_preload() thread, if one runs; safe to repeat. */
void ic_curl_preload_join(void);

/** Whether libcurl is loaded in this process (tests, `ping`). */
bool ic_curl_loaded(void);

#define curl_global_init(f) (ic_curl()->global_init(f))
#define curl_easy_init()    (ic_curl()->easy_init())
/* <curl/curl.h> defines these two as themselves, to insist on three
 * arguments; ours insist too. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_setopt(h, o, v)  (ic_curl()->easy_setopt((h), (o), (v)))
#define curl_easy_perform(h)       (ic_curl()->easy_perform(h))
#define curl_easy_getinfo(h, i, v) (ic_curl()->easy_getinfo((h), (i), (v)))
#define curl_easy_cleanup(h)       (ic_curl()->easy_cleanup(h))
#define curl_easy_strerror(c)      (ic_curl()->easy_strerror(c))
#define curl_free(p)               (ic_curl()->free(p))
#define curl_slist_append(l, s)    (ic_curl()->slist_append((l), (s)))
#define curl_slist_free_all(l)     (ic_curl()->slist_free_all(l))
#define curl_url()                 (ic_curl()->url())
#define curl_url_cleanup(h)        (ic_curl()->url_cleanup(h))
#define curl_url_dup(h)            (ic_curl()->url_dup(h))
#define curl_url_get(...)          (ic_curl()->url_get(__VA_ARGS__))
#define curl_url_set(...)          (ic_curl()->url_set(__VA_ARGS__))
#if LIBCURL_VERSION_NUM >= 0x075000
#define curl_url_strerror(c) (ic_curl()->url_strerror(c))
#endif

#endif /* IC_CURL_LAZY_H */
