/*
 * file.h - local files: atomic replacement, bounded reads, and streaming a
 * file to the response.
 *
 * ic_file_write_atomic() writes the bytes to a temporary file in the same
 * directory, fsyncs them, and rename()s the file over the old one, then
 * fsyncs the directory; ic_file_write_derived() is the same without the
 * fsyncs, for `send`'s feed pages and stubs (repaired after a power loss,
 * see feed/feed_pages.h).  A reader (the `feed` program, or a hub that
 * fetches as soon as it is pinged) therefore sees the whole old file or
 * the whole new one, never half of either, and a crash at any point
 * leaves one of them in place (WS-P-6; cgit's cache.c does the same).
 * Files are created mode 0600: only the web server's user reads them,
 * through `feed` after its token check (DESIGN.md "Storage", RS-4).
 *
 * `feed` serves a page with ic_file_open() (open + fstat: the length is
 * known before the headers are printed, for Content-Length) and
 * ic_file_send() (sendfile(2) straight from the page cache to the
 * response, falling back to a read/write loop).
 *
 * Only libc; nothing here keeps state between calls.  Error messages name
 * the path and the system's reason.  Paths are at most PATH_MAX bytes.
 */
#ifndef IC_FILE_H
#define IC_FILE_H

#include <stdio.h>
#include <sys/types.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

/** A file opened for sending: its descriptor and the size fstat saw. */
struct ic_file {
	int fd;      /* -1 when closed */
	size_t size; /* bytes ic_file_send() will write */
	/* The first of them: 0 for the whole file; a Range request's start
	 * (issue 15, seeking in a video), set with size by the caller. */
	size_t start;
};

/** A closed struct ic_file, safe to pass to ic_file_close(). */
/* clang-format off */
#define IC_FILE_INIT { -1, 0, 0 }
/* clang-format on */

/* --- Writing ---------------------------------------------------------- */

/**
 * Replace @p dir/@p name with @p len bytes from @p data, atomically
 * (WS-P-6): write @p dir/.@p name.XXXXXX (mkstemp, mode 0600), write all,
 * fsync, rename over @p dir/@p name, fsync @p dir.
 * @param[in]  dir     an existing directory.
 * @param[in]  name    a file name: no '/', not "." or "..", not empty.
 * @param[in]  data    @p len bytes; may be NULL when @p len is 0.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the path.
 * @return IC_OK;
 *         IC_ERR_BAD_INPUT for a bad @p name, or a path past PATH_MAX;
 *         IC_ERR_NOT_FOUND when @p dir does not exist;
 *         IC_ERR_IO for any other failure (no space, permission, the
 *         target is a directory...): the temporary file is removed and
 *         @p dir/@p name is untouched.
 * Side effects: creates, renames and removes files in @p dir.
 */
enum ic_err ic_file_write_atomic(const char *dir, const char *name,
                                 const void *data, size_t len,
                                 char *errbuf) IC_WARN_UNUSED;

/**
 * As ic_file_write_atomic(), without either fsync: for derived files that
 * the caller can write again from durable data (the feed pages, from
 * LMDB).  Readers still see the whole old file or the whole new one (the
 * rename), and a killed process loses nothing (the page cache outlives
 * it); only a power loss or a kernel crash may leave the file empty or
 * old, which the caller must detect and repair (core/boot.h).
 */
enum ic_err ic_file_write_derived(const char *dir, const char *name,
                                  const void *data, size_t len,
                                  char *errbuf) IC_WARN_UNUSED;

/**
 * Create directory @p path and any missing parents (mkdir -p).
 * @param[in]  mode    for the directories created (umask applies);
 *                     existing ones are left as they are.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the path.
 * @return IC_OK (also when everything existed);
 *         IC_ERR_BAD_INPUT for an empty path or one past PATH_MAX;
 *         IC_ERR_IO when a component exists but is not a directory, or
 *         mkdir failed (permission, no space).
 */
enum ic_err ic_file_mkdirs(const char *path, mode_t mode,
                           char *errbuf) IC_WARN_UNUSED;

/* --- Reading ---------------------------------------------------------- */

/**
 * Read the whole regular file @p path, refusing more than @p max bytes.
 * @param[in]  a       the arena the contents are allocated from.
 * @param[out] data    the contents, NUL-terminated (they may also hold
 *                     NULs: use @p len); from @p a, valid until it is
 *                     freed.  Set only on IC_OK.
 * @param[out] len     the number of bytes read.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the path.
 * @return IC_OK;
 *         IC_ERR_NOT_FOUND when @p path does not exist;
 *         IC_ERR_TOO_LARGE when it holds more than @p max bytes;
 *         IC_ERR_NOMEM when the arena is exhausted;
 *         IC_ERR_IO when it cannot be read, is not a regular file, or
 *         grew while being read (files here are replaced, never appended
 *         to).
 */
enum ic_err ic_file_read(struct ic_arena *a, const char *path, size_t max,
                         char **data, size_t *len, char *errbuf) IC_WARN_UNUSED;

/* --- Sending a file to a stream (the hot path) ------------------------- */

/**
 * Open the regular file @p path for ic_file_send() and learn its size.
 * Because pages are replaced by rename(), the open descriptor keeps the
 * version it opened complete, whatever `send` does meanwhile.
 * @param[out] f       on IC_OK an open file; the caller must
 *                     ic_file_close() it.  On failure f->fd is -1.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the path.
 * @return IC_OK; IC_ERR_NOT_FOUND when absent; IC_ERR_IO when it cannot
 *         be opened or is not a regular file; IC_ERR_TOO_LARGE when its
 *         size does not fit half the address space (32-bit hosts).
 */
enum ic_err ic_file_open(struct ic_file *f, const char *path,
                         char *errbuf) IC_WARN_UNUSED;

/**
 * Write exactly f->size bytes of @p f, from byte f->start, to @p out.
 * Flushes @p out first (so headers printed through it come before the
 * body), then writes to its descriptor directly: sendfile(2) where the
 * kernel allows it, else pread/write through one stack buffer.
 * @param[out] out     the response stream (stdout in a CGI).
 * @param[in]  f       from ic_file_open(); its offset is not used.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer.
 * @return IC_OK;
 *         IC_ERR_IO when flushing or writing failed (client gone), or the
 *         file shrank below f->size; part of it may have been written,
 *         so the response is broken and must not be followed by an error
 *         page.
 */
enum ic_err ic_file_send(FILE *out, const struct ic_file *f,
                         char *errbuf) IC_WARN_UNUSED;

/** Close @p f (if open) and mark it closed.  NULL is fine. */
void ic_file_close(struct ic_file *f);

/**
 * ic_file_open() + ic_file_send() + ic_file_close(), for callers that
 * print no length before the body.
 * @param[out] len  optional: the number of bytes written.
 * @return as ic_file_open() and ic_file_send().
 */
enum ic_err ic_file_copy_to(FILE *out, const char *path, size_t *len,
                            char *errbuf) IC_WARN_UNUSED;

#endif /* IC_FILE_H */
