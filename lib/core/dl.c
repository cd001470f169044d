/*
 * dl.c - shared libraries opened at run time (see dl.h).
 */
#include "core/dl.h"

#include <dlfcn.h>
#include <string.h>

enum ic_err ic_dl_open(const char *soname, int mode, void **lib, char *errbuf)
{
	const char *why;

	*lib = dlopen(soname, mode | RTLD_LOCAL);
	if (*lib != NULL)
		return IC_OK;
	why = dlerror(); /* NULL when the loader kept its reason */
	return ic_fail(errbuf, IC_ERR_IO, "cannot load %s: %s", soname,
	               why ? why : "unknown error");
}

enum ic_err ic_dl_sym(void *lib, const char *soname, const char *name,
                      void *slot, char *errbuf)
{
	void *f = dlsym(lib, name);

	if (f == NULL)
		return ic_fail(errbuf, IC_ERR_IO, "%s has no %s", soname, name);
	/* A data pointer's bytes into a function pointer's: what POSIX
	 * promises for dlsym(), without a cast -Wpedantic would flag. */
	memcpy(slot, &f, sizeof(f));
	return IC_OK;
}
