/*
 * file.c - atomic file replacement, bounded reads, and sending a file to
 * the response (see file.h).  Only libc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkostemp() */
#endif
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

/* The copy buffer of the read/write fallback: one page-cache-friendly
 * chunk on the stack, no allocation on the hot path. */
#define COPY_CHUNK 65536

/* --- Helpers ---------------------------------------------------------- */

static enum ic_err sys_fail(char *errbuf, const char *what, const char *path,
                            int err)
{
	ic_failf(errbuf, "%s %s: %s", what, path, strerror(err));
	return IC_ERR_IO;
}

/* Write all of @p len bytes at @p data to @p fd, retrying after signals;
 * errno is set on failure. */
static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static int close_keep_errno(int fd)
{
	int saved = errno, rc = close(fd);

	errno = saved;
	return rc;
}

/* --- Writing ---------------------------------------------------------- */

static bool name_ok(const char *name)
{
	return name != NULL && *name != '\0' && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Write @p data into the open temporary file and, when @p sync, make it
 * durable before it gets its real name, so the name never points at
 * missing data after a power loss. */
static bool fill_temp(int fd, const void *data, size_t len, bool sync)
{
	return fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write_all(fd, data, len) &&
	       (!sync || fsync(fd) == 0);
}

/* The body of ic_file_write_atomic() once the directory is open: on any
 * failure after mkostemp the temporary file is unlinked. */
static enum ic_err replace_in(int dfd, char *tmp, const char *final,
                              const void *data, size_t len, bool sync,
                              char *errbuf)
{
	int fd = mkostemp(tmp, O_CLOEXEC);
	int err;

	if (fd < 0)
		return sys_fail(errbuf, "cannot create", tmp, errno);
	if (!fill_temp(fd, data, len, sync)) {
		err = errno;
		close(fd);
		unlink(tmp);
		return sys_fail(errbuf, "cannot write", tmp, err);
	}
	if (close(fd) != 0) {
		err = errno;
		unlink(tmp);
		return sys_fail(errbuf, "cannot close", tmp, err);
	}
	/* WS-P-6: the rename is the moment readers switch versions. */
	if (rename(tmp, final) != 0) {
		err = errno;
		unlink(tmp);
		return sys_fail(errbuf, "cannot rename onto", final, err);
	}
	/* The new name is durable only once the directory is. */
	if (sync && fsync(dfd) != 0)
		return sys_fail(errbuf, "cannot fsync directory of", final,
		                errno);
	return IC_OK;
}

static enum ic_err write_atomic(const char *dir, const char *name,
                                const void *data, size_t len, bool sync,
                                char *errbuf)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	enum ic_err rc;
	int dfd, n, m;

	if (dir == NULL || !name_ok(name) || (data == NULL && len > 0))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "atomic write: bad directory or file name");
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	m = snprintf(final, sizeof(final), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || m < 0 ||
	    (size_t)m >= sizeof(final))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "atomic write: path in %.64s longer than "
		               "PATH_MAX",
		               dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return ic_fail(errbuf, IC_ERR_NOT_FOUND,
			               "atomic write: no directory %s", dir);
		return sys_fail(errbuf, "cannot open directory", dir, errno);
	}
	rc = replace_in(dfd, tmp, final, data, len, sync, errbuf);
	if (close(dfd) != 0 && rc == IC_OK)
		rc = sys_fail(errbuf, "cannot close directory", dir, errno);
	return rc;
}

enum ic_err ic_file_write_atomic(const char *dir, const char *name,
                                 const void *data, size_t len, char *errbuf)
{
	return write_atomic(dir, name, data, len, true, errbuf);
}

enum ic_err ic_file_write_derived(const char *dir, const char *name,
                                  const void *data, size_t len, char *errbuf)
{
	return write_atomic(dir, name, data, len, false, errbuf);
}

/* mkdir one prefix of the path, accepting one that is already there. */
static enum ic_err mkdir_one(const char *path, mode_t mode, char *errbuf)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return IC_OK;
	if (errno != EEXIST)
		return sys_fail(errbuf, "cannot create directory", path, errno);
	if (stat(path, &st) != 0)
		return sys_fail(errbuf, "cannot stat", path, errno);
	if (!S_ISDIR(st.st_mode))
		return ic_fail(errbuf, IC_ERR_IO,
		               "%s exists and is not a directory", path);
	return IC_OK;
}

enum ic_err ic_file_mkdirs(const char *path, mode_t mode, char *errbuf)
{
	char copy[PATH_MAX];
	size_t len;
	enum ic_err rc;

	if (path == NULL || *path == '\0')
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "mkdirs: empty path");
	len = strlen(path);
	if (len >= sizeof(copy))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mkdirs: path longer than PATH_MAX");
	memcpy(copy, path, len + 1);
	/* Each '/' after the first byte ends a prefix to create. */
	for (size_t i = 1; i < len; i++) {
		if (copy[i] != '/' || copy[i - 1] == '/')
			continue;
		copy[i] = '\0';
		rc = mkdir_one(copy, mode, errbuf);
		copy[i] = '/';
		if (rc != IC_OK)
			return rc;
	}
	return mkdir_one(copy, mode, errbuf);
}

/* --- Reading ---------------------------------------------------------- */

/* Open @p path read-only and fstat it; it must be a regular file. */
static enum ic_err open_regular(const char *path, int *fd, struct stat *st,
                                char *errbuf)
{
	*fd = -1;
	if (path == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "open: NULL path");
	int d = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (d < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ic_fail(errbuf, IC_ERR_NOT_FOUND, "no file %s",
			               path);
		return sys_fail(errbuf, "cannot open", path, errno);
	}
	if (fstat(d, st) != 0) {
		int err = errno;

		close(d);
		return sys_fail(errbuf, "cannot stat", path, err);
	}
	if (!S_ISREG(st->st_mode)) {
		close(d);
		return ic_fail(errbuf, IC_ERR_IO, "%s is not a regular file",
		               path);
	}
	*fd = d;
	return IC_OK;
}

/* Read up to @p want bytes into @p dst; *got is what arrived before EOF. */
static bool read_upto(int fd, char *dst, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want) {
		ssize_t n = read(fd, dst + *got, want - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return true;
}

static enum ic_err read_fd(struct ic_arena *a, int fd, const char *path,
                           size_t size, char **data, size_t *len, char *errbuf)
{
	char *mem = ic_arena_alloc(a, size + 1);
	char probe;
	size_t got, extra;

	if (mem == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "read %s: %zu bytes do not fit the arena", path,
		               size);
	if (!read_upto(fd, mem, size, &got) ||
	    !read_upto(fd, &probe, 1, &extra))
		return sys_fail(errbuf, "cannot read", path, errno);
	if (extra != 0)
		return ic_fail(errbuf, IC_ERR_IO, "%s grew while being read",
		               path);
	mem[got] = '\0';
	*data = mem;
	*len = got;
	return IC_OK;
}

enum ic_err ic_file_read(struct ic_arena *a, const char *path, size_t max,
                         char **data, size_t *len, char *errbuf)
{
	struct stat st;
	enum ic_err rc;
	int fd;

	if (a == NULL || data == NULL || len == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "read: NULL argument");
	if ((rc = open_regular(path, &fd, &st, errbuf)) != IC_OK)
		return rc;
	if ((unsigned long long)st.st_size > max)
		rc = ic_fail(errbuf, IC_ERR_TOO_LARGE,
		             "%s holds %lld bytes (cap %zu)", path,
		             (long long)st.st_size, max);
	else
		rc = read_fd(a, fd, path, (size_t)st.st_size, data, len,
		             errbuf);
	close(fd);
	return rc;
}

/* --- Sending ---------------------------------------------------------- */

enum ic_err ic_file_open(struct ic_file *f, const char *path, char *errbuf)
{
	struct stat st;
	enum ic_err rc;

	if (f == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "open: NULL file");
	f->fd = -1;
	f->size = 0;
	f->start = 0;
	if ((rc = open_regular(path, &f->fd, &st, errbuf)) != IC_OK)
		return rc;
	if ((unsigned long long)st.st_size > (size_t)-1 / 2) {
		ic_file_close(f);
		return ic_fail(errbuf, IC_ERR_TOO_LARGE, "%s is too large",
		               path);
	}
	f->size = (size_t)st.st_size;
	return IC_OK;
}

/* The portable path: pread from @p off into one stack buffer and write it.
 * pread keeps the file's own offset out of the picture. */
static enum ic_err copy_loop(int out, const struct ic_file *f, off_t off,
                             char *errbuf)
{
	char chunk[COPY_CHUNK];
	size_t end = f->start + f->size;

	while ((size_t)off < end) {
		size_t want = end - (size_t)off;
		ssize_t n;

		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = pread(f->fd, chunk, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_fail(errbuf, "cannot read", "feed file",
			                errno);
		if (n == 0)
			return ic_fail(errbuf, IC_ERR_IO,
			               "feed file shrank below its length");
		if (!write_all(out, chunk, (size_t)n))
			return sys_fail(errbuf, "cannot write", "response",
			                errno);
		off += n;
	}
	return IC_OK;
}

enum ic_err ic_file_send(FILE *out, const struct ic_file *f, char *errbuf)
{
	off_t off;
	size_t end;
	int ofd;

	if (out == NULL || f == NULL || f->fd < 0)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "send: no open file");
	if (fflush(out) != 0)
		return sys_fail(errbuf, "cannot flush", "response", errno);
	off = (off_t)f->start;
	end = f->start + f->size;
	ofd = fileno(out);
	if (ofd < 0)
		return sys_fail(errbuf, "no descriptor for", "response", errno);
#ifdef __linux__
	/* Zero-copy from the page cache.  EINVAL/ENOSYS mean this pair of
	 * descriptors cannot use it (an O_APPEND output, an old kernel):
	 * carry on with the loop from where sendfile stopped. */
	while ((size_t)off < end) {
		ssize_t n = sendfile(ofd, f->fd, &off, end - (size_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS))
			break;
		if (n < 0)
			return sys_fail(errbuf, "cannot write", "response",
			                errno);
		if (n == 0)
			return ic_fail(errbuf, IC_ERR_IO,
			               "feed file shrank below its length");
	}
#endif
	return copy_loop(ofd, f, off, errbuf);
}

void ic_file_close(struct ic_file *f)
{
	if (f == NULL || f->fd < 0)
		return;
	close_keep_errno(f->fd);
	f->fd = -1;
}

enum ic_err ic_file_copy_to(FILE *out, const char *path, size_t *len,
                            char *errbuf)
{
	struct ic_file f = IC_FILE_INIT;
	enum ic_err rc;

	if (len != NULL)
		*len = 0;
	if ((rc = ic_file_open(&f, path, errbuf)) != IC_OK)
		return rc;
	rc = ic_file_send(out, &f, errbuf);
	if (rc == IC_OK && len != NULL)
		*len = f.size;
	ic_file_close(&f);
	return rc;
}
