/*
 * dl.h - a shared library opened by name at run time, and its functions
 * looked up by name (dlopen(3), dlsym(3)), each failure told in one
 * sentence.
 *
 * curl_lazy and ossl_lazy use it to load libcurl and libcrypto on their
 * first use rather than at exec (most requests need neither).  A library
 * is opened RTLD_LOCAL, so nothing else binds to its symbols, and never
 * closed: the functions looked up stay valid for the life of the process.
 * Thread-safe as dlopen(3) is (glibc keeps dlerror() per thread).
 */
#ifndef IC_DL_H
#define IC_DL_H

#include "core/err.h"

/**
 * Open the shared library @p soname with @p mode (RTLD_LAZY or RTLD_NOW;
 * RTLD_LOCAL is added).
 * @param[out] lib  the handle; NULL on failure.
 * @return IC_OK; IC_ERR_IO with "cannot load SONAME: reason" in @p errbuf
 *         (IC_ERRBUF_SIZE bytes).
 */
enum ic_err ic_dl_open(const char *soname, int mode, void **lib, char *errbuf);

/**
 * Look up the function @p name of @p lib (from ic_dl_open()) into the
 * function pointer at @p slot (any function pointer type: POSIX says a
 * dlsym() result converts to one; it is copied, not cast).
 * @return IC_OK; IC_ERR_IO with "SONAME has no NAME" in @p errbuf, @p slot
 *         untouched.
 */
enum ic_err ic_dl_sym(void *lib, const char *soname, const char *name,
                      void *slot, char *errbuf);

#endif /* IC_DL_H */
