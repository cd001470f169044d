/*
 * ossl_lazy.c - libcrypto, loaded on first use (see ossl_lazy.h).
 */
#define IC_OSSL_LAZY_TABLE 1
#include "core/ossl_lazy.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/log.h"

/* The soname of OpenSSL 3.x, as libssl-dev 3.0 on Debian 12 builds it. */
#ifndef IC_OSSL_SONAME
#define IC_OSSL_SONAME "libcrypto.so.3"
#endif

struct ic_ossl_api ic_ossl_fn;

static enum { UNTRIED, LOADED, FAILED } state = UNTRIED;
static char why[160];

/* Look up @p name into @p slot; false (and the reason) when missing. */
static bool sym(void *lib, const char *name, void *slot)
{
	void *f = dlsym(lib, name);

	if (f == NULL) {
		snprintf(why, sizeof(why), "%s has no %s", IC_OSSL_SONAME,
		         name);
		return false;
	}
	/* POSIX: a data pointer from dlsym() converts to a function
	 * pointer; copied, not cast, so -Wpedantic stays quiet. */
	*(void **)slot = f;
	return true;
}

static bool load(void)
{
	/* RTLD_LOCAL: nothing else binds to its symbols.  The table is
	 * written only once every symbol is found. */
	void *lib = dlopen(IC_OSSL_SONAME, RTLD_LAZY | RTLD_LOCAL);
	struct ic_ossl_api t;

	if (lib == NULL) {
		const char *e = dlerror();

		snprintf(why, sizeof(why), "cannot load %s: %s", IC_OSSL_SONAME,
		         e ? e : "unknown error");
		return false;
	}
#define IC_OSSL_SYM(f) &&sym(lib, #f, &t.f)
	if (!(true IC_OSSL_FUNCS(IC_OSSL_SYM)))
		return false;
#undef IC_OSSL_SYM
	ic_ossl_fn = t;
	return true;
}

enum ic_err ic_ossl_ready(char *errbuf)
{
	if (state == UNTRIED) {
		state = load() ? LOADED : FAILED;
		if (state == FAILED)
			ic_log(IC_LOG_ERROR, "Web Push is unavailable: %s",
			       why);
	}
	if (state == LOADED)
		return IC_OK;
	return ic_fail(errbuf, IC_ERR_IO, "Web Push is unavailable: %s", why);
}

bool ic_ossl_loaded(void)
{
	return state == LOADED;
}
