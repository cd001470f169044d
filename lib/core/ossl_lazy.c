/*
 * ossl_lazy.c - libcrypto, loaded on first use (see ossl_lazy.h).
 */
#define IC_OSSL_LAZY_TABLE 1
#include "core/ossl_lazy.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "core/dl.h"
#include "core/log.h"

/* The soname of OpenSSL 3.x, as libssl-dev 3.0 on Debian 12 builds it. */
#ifndef IC_OSSL_SONAME
#define IC_OSSL_SONAME "libcrypto.so.3"
#endif

struct ic_ossl_api ic_ossl_fn;

static enum { UNTRIED, LOADED, FAILED } state = UNTRIED;
static char why[IC_ERRBUF_SIZE];

static bool load(void)
{
	struct ic_ossl_api t;
	void *lib;

	if (ic_dl_open(IC_OSSL_SONAME, RTLD_LAZY, &lib, why) != IC_OK)
		return false;
#define IC_OSSL_SYM(f) &&ic_dl_sym(lib, IC_OSSL_SONAME, #f, &t.f, why) == IC_OK
	if (!(true IC_OSSL_FUNCS(IC_OSSL_SYM)))
		return false; /* the table stays empty unless all are found */
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
