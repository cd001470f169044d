/*
 * boot.h - which boot of the machine this is, and a stamp file that says
 * in which boot some files were last made whole.
 *
 * The feed pages are derived from LMDB and written without fsync
 * (file.h, ic_file_write_derived()): a killed process loses nothing, as
 * the page cache outlives it, but a power loss or a kernel crash may leave
 * a page empty or old.  Both end the boot, so a stamp holding the boot id
 * (Linux's /proc/sys/kernel/random/boot_id, new at every boot) tells the
 * pages written in this boot, which are whole, from those that may not
 * be, which the owner of the stamp must write again, durably, before it
 * stamps the new boot (feed/feed_pages.h).
 *
 * Only libc; no state is kept between calls.  Where the system tells no
 * boot id, no stamp is ever current and callers write durably always.
 */
#ifndef IC_BOOT_H
#define IC_BOOT_H

#include <stdbool.h>

#include "core/buf.h" /* IC_WARN_UNUSED */
#include "core/err.h"

/** A boot id: 36 characters (a UUID) and the NUL. */
#define IC_BOOT_ID_SIZE 37

/**
 * This boot's id into @p out.
 * @return true; false (with @p out empty) when the system tells none.
 */
bool ic_boot_id(char out[IC_BOOT_ID_SIZE]);

/**
 * Whether @p dir/@p name holds this boot's id (as written by
 * ic_boot_stamp_write()).  A missing, unreadable or foreign file, or no
 * boot id at all, is not current.
 */
bool ic_boot_stamp_is_current(const char *dir, const char *name);

/**
 * Write this boot's id to @p dir/@p name, durably (ic_file_write_atomic):
 * the caller has just made its files whole, and says so for this boot.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer.
 * @return IC_OK; IC_ERR_IO when the system tells no boot id or the write
 *         failed (the stamp is then as it was).
 */
enum ic_err ic_boot_stamp_write(const char *dir, const char *name,
                                char *errbuf) IC_WARN_UNUSED;

#endif /* IC_BOOT_H */
