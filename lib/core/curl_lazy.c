/*
 * curl_lazy.c - libcurl, loaded on first use (see curl_lazy.h).
 */
#include "core/curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/dl.h"
#include "core/log.h"

/* The soname has been libcurl.so.4 since 7.16.0 (2006). */
#ifndef IC_CURL_SONAME
#define IC_CURL_SONAME "libcurl.so.4"
#endif

/* --- Stand-ins, when libcurl cannot be loaded ---------------------------- */

static CURLcode no_global_init(long flags)
{
	(void)flags;
	return CURLE_FAILED_INIT;
}

static CURL *no_easy_init(void)
{
	return NULL;
}

static CURLcode no_easy_setopt(CURL *h, CURLoption o, ...)
{
	(void)h;
	(void)o;
	return CURLE_FAILED_INIT;
}

static CURLcode no_easy_perform(CURL *h)
{
	(void)h;
	return CURLE_FAILED_INIT;
}

static CURLcode no_easy_getinfo(CURL *h, CURLINFO i, ...)
{
	(void)h;
	(void)i;
	return CURLE_FAILED_INIT;
}

static void no_easy_cleanup(CURL *h)
{
	(void)h;
}

static const char *no_easy_strerror(CURLcode c)
{
	(void)c;
	return "libcurl could not be loaded";
}

static void no_free(void *p)
{
	(void)p;
}

static struct curl_slist *no_slist_append(struct curl_slist *l, const char *s)
{
	(void)l;
	(void)s;
	return NULL;
}

static void no_slist_free_all(struct curl_slist *l)
{
	(void)l;
}

static CURLU *no_url(void)
{
	return NULL;
}

static void no_url_cleanup(CURLU *h)
{
	(void)h;
}

static CURLU *no_url_dup(const CURLU *h)
{
	(void)h;
	return NULL;
}

/* curl_url_get() and curl_url_dup() take a const CURLU * from 8.x on:
 * assigned with a cast below, where the two prototypes differ. */
static CURLUcode no_url_get(CURLU *h, CURLUPart what, char **part,
                            unsigned flags)
{
	(void)h;
	(void)what;
	(void)flags;
	if (part)
		*part = NULL;
	return CURLUE_OUT_OF_MEMORY;
}

static CURLUcode no_url_set(CURLU *h, CURLUPart what, const char *part,
                            unsigned flags)
{
	(void)h;
	(void)what;
	(void)part;
	(void)flags;
	return CURLUE_OUT_OF_MEMORY;
}

#if LIBCURL_VERSION_NUM >= 0x075000
static const char *no_url_strerror(CURLUcode c)
{
	(void)c;
	return "libcurl could not be loaded";
}
#endif

static const struct ic_curl_api stand_ins = {
        .global_init = no_global_init,
        .easy_init = no_easy_init,
        .easy_setopt = no_easy_setopt,
        .easy_perform = no_easy_perform,
        .easy_getinfo = no_easy_getinfo,
        .easy_cleanup = no_easy_cleanup,
        .easy_strerror = no_easy_strerror,
        .free = no_free,
        .slist_append = no_slist_append,
        .slist_free_all = no_slist_free_all,
        .url = no_url,
        .url_cleanup = no_url_cleanup,
        .url_dup = (__typeof__(curl_url_dup) *)no_url_dup,
        .url_get = (__typeof__(curl_url_get) *)no_url_get,
        .url_set = no_url_set,
#if LIBCURL_VERSION_NUM >= 0x075000
        .url_strerror = no_url_strerror,
#endif
};

/* --- Loading ------------------------------------------------------------- */

static struct ic_curl_api loaded;
static const struct ic_curl_api *api; /* NULL until the first call */

/* Look up @p name into @p slot; false (and a log line) when missing. */
static bool sym(void *lib, const char *name, void *slot)
{
	char errbuf[IC_ERRBUF_SIZE];

	if (ic_dl_sym(lib, IC_CURL_SONAME, name, slot, errbuf) == IC_OK)
		return true;
	ic_log(IC_LOG_ERROR, "%s", errbuf);
	return false;
}

/* RTLD_LAZY, as the loader binds a linked library: RTLD_NOW binds every
 * symbol of all 38 libraries at once (measured: 9 ms more per process),
 * which only pays in a process that forks many (ic_curl_bind_now()). */
static int bind_mode = RTLD_LAZY;

static bool load(void)
{
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_curl_api *t = &loaded;
	void *lib;

	if (ic_dl_open(IC_CURL_SONAME, bind_mode, &lib, errbuf) != IC_OK) {
		ic_log(IC_LOG_ERROR, "%s", errbuf);
		return false;
	}
	return sym(lib, "curl_global_init", &t->global_init) &&
	       sym(lib, "curl_easy_init", &t->easy_init) &&
	       sym(lib, "curl_easy_setopt", &t->easy_setopt) &&
	       sym(lib, "curl_easy_perform", &t->easy_perform) &&
	       sym(lib, "curl_easy_getinfo", &t->easy_getinfo) &&
	       sym(lib, "curl_easy_cleanup", &t->easy_cleanup) &&
	       sym(lib, "curl_easy_strerror", &t->easy_strerror) &&
	       sym(lib, "curl_free", &t->free) &&
	       sym(lib, "curl_slist_append", &t->slist_append) &&
	       sym(lib, "curl_slist_free_all", &t->slist_free_all) &&
	       sym(lib, "curl_url", &t->url) &&
	       sym(lib, "curl_url_cleanup", &t->url_cleanup) &&
	       sym(lib, "curl_url_dup", &t->url_dup) &&
	       sym(lib, "curl_url_get", &t->url_get) &&
#if LIBCURL_VERSION_NUM >= 0x075000
	       sym(lib, "curl_url_strerror", &t->url_strerror) &&
#endif
	       sym(lib, "curl_url_set", &t->url_set);
}

/* The loader thread of ic_curl_preload(), while it may run. */
static pthread_t preloader;
static bool preloading;

static void *preload_main(void *unused)
{
	(void)unused;
	api = load() ? &loaded : &stand_ins;
	(void)api->global_init(CURL_GLOBAL_DEFAULT);
	return NULL;
}

void ic_curl_preload_join(void)
{
	if (preloading) {
		pthread_join(preloader, NULL);
		preloading = false;
	}
}

void ic_curl_preload(void)
{
	static bool at_exit;

	if (api != NULL || preloading)
		return;
	/* exit(3) runs the loader's destructors: not while it loads. */
	if (!at_exit && atexit(ic_curl_preload_join) != 0)
		return;
	at_exit = true;
	preloading = pthread_create(&preloader, NULL, preload_main, NULL) == 0;
}

const struct ic_curl_api *ic_curl(void)
{
	ic_curl_preload_join();
	if (api == NULL)
		api = load() ? &loaded : &stand_ins;
	return api;
}

const struct ic_curl_api *ic_curl_bind_now(void)
{
	ic_curl_preload_join();
	if (api == NULL)
		bind_mode = RTLD_NOW;
	return ic_curl();
}

bool ic_curl_loaded(void)
{
	ic_curl_preload_join();
	return api == &loaded;
}
