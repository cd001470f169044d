/*
 * backup.c - `feed --backup DIR` (see backup.h).
 */
#include "web/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/ic_limits.h"
#include "store/store.h"
#include "store/store_blob.h"

/* What to do with the backup, beside it: it may be read years later, by
 * someone who has only this directory. */
static const char restore_text[] =
        "IndieChat backup: data.mdb is a compacted hot copy of the site's\n"
        "LMDB environment (every conversation, message, token and\n"
        "subscription), taken by `feed --backup` at %s;\n"
        "attachments/ holds the files the messages carry, named by their\n"
        "SHA-256 (photos, videos, documents: ours and our copies of\n"
        "theirs).\n"
        "\n"
        "Restore it onto a site (the same me and base_url in\n"
        "indiechat.conf; README \"Back up and restore\"):\n"
        "\n"
        "  1. Make a fresh, empty data_dir owned by the web server's user:\n"
        "       install -d -m 0700 -o www-data -g www-data NEW_DATA_DIR\n"
        "  2. Copy data.mdb and attachments/ into it, owned by that user:\n"
        "       install -m 0600 -o www-data -g www-data data.mdb "
        "NEW_DATA_DIR/\n"
        "       cp -R attachments NEW_DATA_DIR/ &&\n"
        "         chown -R www-data:www-data NEW_DATA_DIR/attachments\n"
        "  3. Point data_dir in indiechat.conf at NEW_DATA_DIR (or restore\n"
        "     into the directory it names, once it is empty).\n"
        "  4. Write the feed pages again from the store, as that user:\n"
        "       sudo -u www-data send --republish\n"
        "\n"
        "Nothing needs stopping: IndieChat has no daemon.  Correspondents'\n"
        "sites fetch what they missed; what happened here after the\n"
        "backup is not in it.\n";

static enum ic_err sync_path(const char *path, bool dir, char *errbuf)
{
	int fd =
	        open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		ic_fail(errbuf, IC_ERR_IO, "cannot sync %s: %s", path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return IC_ERR_IO;
	}
	close(fd);
	return IC_OK;
}

/* One file @p from/@p name to @p to/@p name, synced.  Paths on the stack:
 * a site may hold many files, and the request's arena is not for them. */
static enum ic_err copy_one(struct ic_req *req, const char *from,
                            const char *to, const char *name)
{
	char src[IC_MAX_FS_PATH_BYTES + 80], dst[IC_MAX_FS_PATH_BYTES + 80];
	FILE *f;
	enum ic_err rc;

	if (snprintf(src, sizeof(src), "%s/%s", from, name) >=
	            (int)sizeof(src) ||
	    snprintf(dst, sizeof(dst), "%s/%s", to, name) >= (int)sizeof(dst))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "backup directory name too long");
	f = fopen(dst, "wx");
	if (f == NULL)
		return ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s",
		               dst, strerror(errno));
	rc = ic_file_copy_to(f, src, NULL, req->errbuf);
	if (rc == IC_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = ic_fail(req->errbuf, IC_ERR_IO, "cannot write %s: %s", dst,
		             strerror(errno));
	if (fclose(f) != 0 && rc == IC_OK)
		rc = IC_ERR_IO;
	/* Removed meanwhile (its message deleted): no empty file may stand
	 * under its hash. */
	if (rc != IC_OK)
		unlink(dst);
	return rc;
}

/* Issue 15: the files the messages carry, data_dir/attachments/<sha256>,
 * copied into @p tmp/attachments after data.mdb.  A file is written (and
 * renamed into place) before the transaction of the message naming it
 * commits, so every file the copied store names is already there; one
 * written since is a harmless extra.  Files are immutable: a plain copy
 * is consistent.  Temporary files (a leading '.') are skipped. */
static enum ic_err copy_blobs(struct ic_req *req, const char *tmp, size_t *n)
{
	char *from = ic_arena_printf(req->arena, "%s/attachments",
	                             req->cfg.data_dir);
	char *to = ic_arena_printf(req->arena, "%s/attachments", tmp);
	DIR *d = from ? opendir(from) : NULL;
	struct dirent *e;
	enum ic_err rc = IC_OK;

	*n = 0;
	if (from == NULL || to == NULL)
		return IC_ERR_NOMEM;
	if (d == NULL)
		return errno == ENOENT ? IC_OK /* none sent or received yet */
		                       : ic_fail(req->errbuf, IC_ERR_IO,
		                                 "cannot read %s: %s", from,
		                                 strerror(errno));
	if (mkdir(to, 0700) != 0)
		rc = ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s", to,
		             strerror(errno));
	while (rc == IC_OK && (e = readdir(d)) != NULL) {
		if (!ic_store_blob_id_ok(e->d_name))
			continue;
		rc = copy_one(req, from, to, e->d_name);
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
		else if (rc == IC_OK)
			++*n;
	}
	closedir(d);
	return rc == IC_OK ? sync_path(to, true, req->errbuf) : rc;
}

/* Remove what a failed backup left in @p tmp (only the files we write). */
static void discard(const char *tmp)
{
	char path[IC_MAX_FS_PATH_BYTES + 32];
	DIR *d;
	struct dirent *e;

	if (snprintf(path, sizeof(path), "%s/attachments", tmp) <
	            (int)sizeof(path) &&
	    (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char file[IC_MAX_FS_PATH_BYTES + 128];

			if (ic_store_blob_id_ok(e->d_name) &&
			    snprintf(file, sizeof(file), "%s/%s", path,
			             e->d_name) < (int)sizeof(file))
				unlink(file);
		}
		closedir(d);
		rmdir(path);
	}

	if (snprintf(path, sizeof(path), "%s/data.mdb", tmp) <
	    (int)sizeof(path))
		unlink(path);
	if (snprintf(path, sizeof(path), "%s/RESTORE.txt", tmp) <
	    (int)sizeof(path))
		unlink(path);
	rmdir(tmp);
}

enum ic_err ic_backup_make(struct ic_req *req, const char *dir)
{
	/* A name of the backup's files is its directory's and a short one. */
	char tmp[IC_MAX_FS_PATH_BYTES], file[IC_MAX_FS_PATH_BYTES + 32];
	char parent[IC_MAX_FS_PATH_BYTES], when[32], *note;
	size_t nblobs = 0;
	struct ic_store *st;
	struct stat sb;
	time_t now = time(NULL);
	struct tm tm;
	enum ic_err rc;

	if (dir == NULL || *dir == '\0')
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--backup needs a directory to create");
	if (snprintf(tmp, sizeof(tmp), "%s.partial-%ld", dir, (long)getpid()) >=
	            (int)sizeof(tmp) ||
	    snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "backup directory name too long");
	if (lstat(dir, &sb) == 0)
		return ic_fail(
		        req->errbuf, IC_ERR_BAD_INPUT,
		        "%s already exists: back up into a new directory", dir);
	if (mkdir(tmp, 0700) != 0)
		return ic_fail(req->errbuf,
		               errno == ENOENT ? IC_ERR_BAD_INPUT : IC_ERR_IO,
		               "cannot create %s: %s", tmp, strerror(errno));
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_copy(st, tmp, req->errbuf);
	if (rc == IC_OK)
		rc = copy_blobs(req, tmp, &nblobs);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	note = ic_arena_printf(req->arena, restore_text, when);
	if (rc == IC_OK && note == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_file_write_atomic(tmp, "RESTORE.txt", note,
		                          strlen(note), req->errbuf);
	/* LMDB's copy is not synced: the backup must be on disk before its
	 * name says it is whole. */
	if (rc == IC_OK && snprintf(file, sizeof(file), "%s/data.mdb", tmp) <
	                           (int)sizeof(file))
		rc = sync_path(file, false, req->errbuf);
	if (rc == IC_OK && rename(tmp, dir) != 0)
		rc = ic_fail(req->errbuf, IC_ERR_IO,
		             "cannot rename %s to %s: %s", tmp, dir,
		             strerror(errno));
	if (rc == IC_OK)
		rc = sync_path(dirname(parent), true, req->errbuf);
	if (rc != IC_OK) {
		discard(tmp);
		return rc;
	}
	if (snprintf(file, sizeof(file), "%s/data.mdb", dir) >=
	            (int)sizeof(file) ||
	    stat(file, &sb) != 0)
		return ic_fail(req->errbuf, IC_ERR_IO, "%s: %s", file,
		               strerror(errno));
	fprintf(req->out,
	        "backed up to %s: data.mdb (%lld bytes), %zu attachment "
	        "file%s and RESTORE.txt\n",
	        dir, (long long)sb.st_size, nblobs, nblobs == 1 ? "" : "s");
	return IC_OK;
}
