/*
 * store_blob.c - attachment bytes by SHA-256 (see store_blob.h).
 */
#include "store/store_blob.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"

#define BLOB_DIR "attachments"

bool ic_store_blob_id_ok(const char *id)
{
	size_t n = id ? strspn(id, "0123456789abcdef") : 0;

	return n == 64 && id[64] == '\0';
}

char *ic_store_blob_path(struct ic_arena *a, const char *data_dir,
                         const char *id)
{
	if (!ic_store_blob_id_ok(id))
		return NULL;
	return ic_arena_printf(a, "%s/" BLOB_DIR "/%s", data_dir, id);
}

enum ic_err ic_store_blob_put(struct ic_arena *a, const char *data_dir,
                              const void *data, size_t len, char id[65],
                              char *errbuf)
{
	char *dir = ic_arena_printf(a, "%s/" BLOB_DIR, data_dir);
	char *path;
	enum ic_err rc;

	ic_digest_sha256_hex(data, len, id);
	path = ic_store_blob_path(a, data_dir, id);
	if (dir == NULL || path == NULL)
		return IC_ERR_NOMEM;
	/* Same name, same bytes: the file is complete once it exists.  Its
	 * time is made now, so the sweep of unnamed files
	 * (store_blobref.h) gives this send its grace; the check of the
	 * storing transaction, not this time, is what keeps the file. */
	if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return IC_OK;
	rc = ic_file_mkdirs(dir, 0700, errbuf);
	if (rc == IC_OK)
		rc = ic_file_write_atomic(dir, id, data, len, errbuf);
	return rc;
}
