/* test_file.c - atomic writes, bounded reads and sending files
 * (lib/core/file.c; WS-P-6, DESIGN.md "Storage"). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2() */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/boot.h"
#include "core/file.h"

/* Rewrites the atomicity test makes while a reader watches (WS-P-6). */
#define REWRITES 1000
/* Two versions of different sizes, each one repeated byte, so a torn
 * read shows up as a mixed or short file. */
#define SIZE_A (96u * 1024)
#define SIZE_B (40u * 1024)

struct fixture {
	char dir[64];
	char path[128]; /* dir/page.html */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/ic-file.XXXXXX",
	         tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/page.html", fx->dir);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(fx);
	return rc;
}

/* The temporary files (".name.XXXXXX") left in @p dir. */
static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Read @p path whole into a fresh arena and compare with @p want. */
static void assert_file_is(const char *path, const char *want)
{
	struct ic_arena *a = ic_arena_new(0);
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(ic_file_read(a, path, 1u << 20, &data, &len, NULL),
	                 IC_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	ic_arena_free(a);
}

/* --- ic_file_write_derived and the boot stamp ------------------------- */

/* The unsynced write keeps every promise readers see: the whole new
 * file by rename, mode 0600, no temporary file left. */
static void test_file_write_derived_replaces_whole_mode_0600(void **s)
{
	struct fixture *fx = *s;
	struct stat st;

	assert_int_equal(
	        ic_file_write_derived(fx->dir, "page.html", "old", 3, NULL),
	        IC_OK);
	assert_int_equal(ic_file_write_derived(fx->dir, "page.html",
	                                       "new version", 11, NULL),
	                 IC_OK);
	assert_file_is(fx->path, "new version");
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(leftovers(fx->dir), 0);
	assert_int_equal(ic_file_write_derived(fx->dir, "a/b", "x", 1, NULL),
	                 IC_ERR_BAD_INPUT);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A stamp is current only when it holds this very boot's id: missing,
 * another boot's, or cut short is stale. */
static void test_boot_stamp_names_this_boot_only(void **s)
{
	struct fixture *fx = *s;
	char id[IC_BOOT_ID_SIZE], again[IC_BOOT_ID_SIZE];

	if (!ic_boot_id(id)) {
		assert_false(ic_boot_stamp_is_current(fx->dir, "page.html"));
		assert_int_equal(
		        ic_boot_stamp_write(fx->dir, "page.html", NULL),
		        IC_ERR_IO);
		skip();
	}
	assert_int_equal(strlen(id), IC_BOOT_ID_SIZE - 1);
	assert_true(ic_boot_id(again));
	assert_string_equal(id, again);
	assert_false(ic_boot_stamp_is_current(fx->dir, "page.html"));
	assert_int_equal(ic_boot_stamp_write(fx->dir, "page.html", NULL),
	                 IC_OK);
	assert_true(ic_boot_stamp_is_current(fx->dir, "page.html"));
	write_file(fx->path, "00000000-0000-4000-8000-000000000000\n");
	assert_false(ic_boot_stamp_is_current(fx->dir, "page.html"));
	id[10] = '\0';
	write_file(fx->path, id);
	assert_false(ic_boot_stamp_is_current(fx->dir, "page.html"));
	assert_false(ic_boot_stamp_is_current("/nonexistent", "page.html"));
}

/* --- ic_file_write_atomic --------------------------------------------- */

static void test_file_write_atomic_creates_file_mode_0600_ws_p_6(void **s)
{
	struct fixture *fx = *s;
	struct stat st;

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "hello", 5, NULL),
	        IC_OK);
	assert_file_is(fx->path, "hello");
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(leftovers(fx->dir), 0);
}

static void test_file_write_atomic_replaces_and_keeps_mode_0600(void **s)
{
	struct fixture *fx = *s;
	struct stat st;

	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html",
	                                      "old version", 11, NULL),
	                 IC_OK);
	assert_int_equal(chmod(fx->path, 0644), 0);
	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "new", 3, NULL),
	        IC_OK);
	assert_file_is(fx->path, "new");
	/* A new inode each time: the mode is ours, not the old file's. */
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(leftovers(fx->dir), 0);
}

static void test_file_write_atomic_empty_file(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", NULL, 0, NULL),
	        IC_OK);
	assert_file_is(fx->path, "");
}

/* The reader child: read the file until told to stop; every read must be
 * a whole version.  Exit 0 when all were, 1 on a torn or missing file,
 * 2 when it never got to read. */
static int reader_loop(const char *path, int stop_fd)
{
	unsigned long reads = 0;
	char byte;

	while (read(stop_fd, &byte, 1) < 0 && errno == EAGAIN) {
		struct ic_arena *a = ic_arena_new(0);
		char *data = NULL;
		size_t len = 0;
		enum ic_err rc;

		if (a == NULL)
			return 1;
		rc = ic_file_read(a, path, 1u << 20, &data, &len, NULL);
		if (rc != IC_OK ||
		    !((len == SIZE_A && data[0] == 'a') ||
		      (len == SIZE_B && data[0] == 'b')) ||
		    memchr(data, data[0] == 'a' ? 'b' : 'a', len) != NULL) {
			fprintf(stderr, "torn read: rc %d len %zu\n", rc, len);
			ic_arena_free(a);
			return 1;
		}
		ic_arena_free(a);
		reads++;
	}
	return reads > 0 ? 0 : 2;
}

static void
test_file_write_atomic_reader_never_sees_half_a_file_ws_p_6(void **state)
{
	struct fixture *fx = *state;
	char *va = malloc(SIZE_A), *vb = malloc(SIZE_B);
	int stop[2], status = -1;
	pid_t pid;

	assert_non_null(va);
	assert_non_null(vb);
	memset(va, 'a', SIZE_A);
	memset(vb, 'b', SIZE_B);
	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", va, SIZE_A, NULL),
	        IC_OK);
	assert_int_equal(pipe2(stop, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(stop[1]);
		_exit(reader_loop(fx->path, stop[0]));
	}
	close(stop[0]);
	for (int i = 0; i < REWRITES; i++) {
		const char *v = i % 2 ? va : vb;
		size_t len = i % 2 ? SIZE_A : SIZE_B;

		assert_int_equal(ic_file_write_atomic(fx->dir, "page.html", v,
		                                      len, NULL),
		                 IC_OK);
	}
	/* A reader that quit early makes this fail with EPIPE (SIGPIPE is
	 * ignored in main): its exit status tells why. */
	if (write(stop[1], "x", 1) != 1)
		print_error("reader quit early: %s\n", strerror(errno));
	close(stop[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(leftovers(fx->dir), 0);
	free(va);
	free(vb);
}

static void test_file_write_atomic_failed_rename_leaves_no_temp(void **s)
{
	struct fixture *fx = *s;
	char err[IC_ERRBUF_SIZE] = "";
	struct stat st;

	/* A directory where the file should go: rename(2) fails (EISDIR)
	 * after the temporary file was written and synced. */
	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "new", 3, err),
	        IC_ERR_IO);
	assert_non_null(strstr(err, "page.html"));
	assert_int_equal(leftovers(fx->dir), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

/* In a child limited to 10-byte files, the write fails part-way. */
static int write_past_fsize_limit(const char *dir)
{
	struct rlimit rl = {10, 10};
	char err[IC_ERRBUF_SIZE] = "";
	enum ic_err rc;

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 3;
	rc = ic_file_write_atomic(dir, "page.html",
	                          "a new version longer than ten bytes", 35,
	                          err);
	if (rc != IC_ERR_IO || strstr(err, "cannot write") == NULL)
		return 1;
	return 0;
}

static void
test_file_write_atomic_failed_write_leaves_old_file_ws_p_6(void **state)
{
	struct fixture *fx = *state;
	int status = -1;
	pid_t pid;

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "old", 3, NULL),
	        IC_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(write_past_fsize_limit(fx->dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_file_is(fx->path, "old");
	assert_int_equal(leftovers(fx->dir), 0);
}

static void test_file_write_atomic_refuses_bad_names(void **state)
{
	struct fixture *fx = *state;
	char err[IC_ERRBUF_SIZE] = "";
	char longname[300];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(ic_file_write_atomic(fx->dir, NULL, "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(fx->dir, "", "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(fx->dir, "../x", "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(fx->dir, ".", "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(fx->dir, "..", "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(NULL, "x", "a", 1, err),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_write_atomic(fx->dir, "x", NULL, 1, err),
	                 IC_ERR_BAD_INPUT);
	/* A name past NAME_MAX: the temporary file cannot be created. */
	assert_int_equal(ic_file_write_atomic(fx->dir, longname, "a", 1, err),
	                 IC_ERR_IO);
	assert_int_equal(leftovers(fx->dir), 0);
}

static void test_file_write_atomic_missing_dir_is_not_found(void **state)
{
	struct fixture *fx = *state;
	char dir[160], err[IC_ERRBUF_SIZE] = "";

	snprintf(dir, sizeof(dir), "%s/nope", fx->dir);
	assert_int_equal(ic_file_write_atomic(dir, "x", "a", 1, err),
	                 IC_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "nope"));
	/* A file where the directory should be. */
	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "a", 1, NULL),
	        IC_OK);
	assert_int_equal(ic_file_write_atomic(fx->path, "x", "a", 1, err),
	                 IC_ERR_IO);
}

/* --- ic_file_mkdirs ---------------------------------------------------- */

static void test_file_mkdirs_creates_parents_with_mode(void **state)
{
	struct fixture *fx = *state;
	char path[200];
	struct stat st;
	mode_t old = umask(022);

	snprintf(path, sizeof(path), "%s/feeds//t0p1c/pages/", fx->dir);
	assert_int_equal(ic_file_mkdirs(path, 0700, NULL), IC_OK);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/feeds", fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Again: everything exists, which is fine. */
	assert_int_equal(ic_file_mkdirs(path, 0700, NULL), IC_OK);
	assert_int_equal(ic_file_mkdirs(fx->dir, 0700, NULL), IC_OK);
}

static void test_file_mkdirs_refuses_a_file_in_the_way(void **state)
{
	struct fixture *fx = *state;
	char path[200], err[IC_ERRBUF_SIZE] = "";

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "x", 1, NULL),
	        IC_OK);
	snprintf(path, sizeof(path), "%s/sub", fx->path);
	assert_int_equal(ic_file_mkdirs(fx->path, 0700, err), IC_ERR_IO);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(ic_file_mkdirs(path, 0700, err), IC_ERR_IO);
	assert_int_equal(ic_file_mkdirs("", 0700, err), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_file_mkdirs(NULL, 0700, err), IC_ERR_BAD_INPUT);
}

/* --- ic_file_read ------------------------------------------------------ */

static void test_file_read_returns_contents_nul_terminated(void **state)
{
	struct fixture *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "a\0b", 3, NULL),
	        IC_OK);
	assert_int_equal(ic_file_read(a, fx->path, 3, &data, &len, NULL),
	                 IC_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "a\0b", 4);
	ic_arena_free(a);
}

static void test_file_read_missing_is_not_found(void **state)
{
	struct fixture *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *data = NULL, path[200], err[IC_ERRBUF_SIZE] = "";
	size_t len = 0;

	assert_int_equal(ic_file_read(a, fx->path, 10, &data, &len, err),
	                 IC_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "page.html"));
	assert_null(data);
	snprintf(path, sizeof(path), "%s/nodir/x", fx->dir);
	assert_int_equal(ic_file_read(a, path, 10, &data, &len, err),
	                 IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

static void test_file_read_past_max_is_too_large(void **state)
{
	struct fixture *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *data = NULL, err[IC_ERRBUF_SIZE] = "";
	size_t len = 0;

	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "12345", 5, NULL),
	        IC_OK);
	assert_int_equal(ic_file_read(a, fx->path, 4, &data, &len, err),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(err, "cap 4"));
	assert_null(data);
	assert_int_equal(ic_file_read(a, fx->path, 5, &data, &len, err), IC_OK);
	assert_string_equal(data, "12345");
	ic_arena_free(a);
}

static void test_file_read_directory_is_io_error(void **state)
{
	struct fixture *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *data = NULL, err[IC_ERRBUF_SIZE] = "";
	size_t len = 0;

	assert_int_equal(ic_file_read(a, fx->dir, 10, &data, &len, err),
	                 IC_ERR_IO);
	assert_non_null(strstr(err, "not a regular file"));
	ic_arena_free(a);
}

static void test_file_read_past_arena_cap_is_nomem(void **state)
{
	struct fixture *fx = *state;
	struct ic_arena *a = ic_arena_new(64);
	char *data = NULL, buf[1000];
	size_t len = 0;

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html", buf,
	                                      sizeof(buf), NULL),
	                 IC_OK);
	assert_int_equal(ic_file_read(a, fx->path, 1u << 20, &data, &len, NULL),
	                 IC_ERR_NOMEM);
	ic_arena_free(a);
}

/* --- ic_file_open / ic_file_send / ic_file_copy_to -------------------- */

/* Everything written to @p out, which must be a seekable file. */
static char *contents_of(FILE *out, size_t *len)
{
	long size;
	char *s;

	assert_int_equal(fflush(out), 0);
	size = lseek(fileno(out), 0, SEEK_END);
	assert_true(size >= 0);
	s = calloc(1, (size_t)size + 1);
	assert_non_null(s);
	assert_int_equal(pread(fileno(out), s, (size_t)size, 0), size);
	*len = (size_t)size;
	return s;
}

static void test_file_send_writes_length_first_then_body(void **state)
{
	struct fixture *fx = *state;
	struct ic_file f = IC_FILE_INIT;
	FILE *out = tmpfile();
	char *got;
	size_t len;

	assert_non_null(out);
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html",
	                                      "<p>body</p>", 11, NULL),
	                 IC_OK);
	assert_int_equal(ic_file_open(&f, fx->path, NULL), IC_OK);
	assert_int_equal(f.size, 11);
	/* Headers still sitting in stdio's buffer come first. */
	fprintf(out, "Content-Length: %zu\r\n\r\n", f.size);
	assert_int_equal(ic_file_send(out, &f, NULL), IC_OK);
	ic_file_close(&f);
	assert_int_equal(f.fd, -1);
	ic_file_close(&f);
	got = contents_of(out, &len);
	assert_string_equal(got, "Content-Length: 11\r\n\r\n<p>body</p>");
	free(got);
	fclose(out);
}

static void test_file_send_falls_back_when_sendfile_refuses(void **state)
{
	struct fixture *fx = *state;
	char outpath[200], big[200000], *got;
	FILE *out;
	size_t len = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html", big,
	                                      sizeof(big), NULL),
	                 IC_OK);
	/* sendfile(2) refuses an O_APPEND output: the loop takes over. */
	snprintf(outpath, sizeof(outpath), "%s/out", fx->dir);
	out = fopen(outpath, "a+");
	assert_non_null(out);
	fputs("H\n", out);
	assert_int_equal(ic_file_copy_to(out, fx->path, &len, NULL), IC_OK);
	assert_int_equal(len, sizeof(big));
	got = contents_of(out, &len);
	assert_int_equal(len, 2 + sizeof(big));
	assert_memory_equal(got, "H\n", 2);
	assert_memory_equal(got + 2, big, sizeof(big));
	free(got);
	fclose(out);
}

static void test_file_send_through_a_pipe_sends_every_byte(void **state)
{
	struct fixture *fx = *state;
	static char big[300000];
	int p[2], status = -1;
	size_t len = 0;
	FILE *out;
	pid_t pid;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 % 251);
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html", big,
	                                      sizeof(big), NULL),
	                 IC_OK);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The reader compares what arrives with the file. */
		size_t got = 0;
		char chunk[4096];
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], chunk, sizeof(chunk))) > 0) {
			if (got + (size_t)n > sizeof(big) ||
			    memcmp(chunk, big + got, (size_t)n) != 0)
				_exit(1);
			got += (size_t)n;
		}
		_exit(got == sizeof(big) ? 0 : 2);
	}
	close(p[0]);
	out = fdopen(p[1], "w");
	assert_non_null(out);
	assert_int_equal(ic_file_copy_to(out, fx->path, &len, NULL), IC_OK);
	assert_int_equal(len, sizeof(big));
	fclose(out);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_file_open_keeps_its_version_across_a_replace_ws_p_6(void **state)
{
	struct fixture *fx = *state;
	struct ic_file f = IC_FILE_INIT;
	FILE *out = tmpfile();
	char *got;
	size_t len;

	assert_non_null(out);
	assert_int_equal(
	        ic_file_write_atomic(fx->dir, "page.html", "old", 3, NULL),
	        IC_OK);
	assert_int_equal(ic_file_open(&f, fx->path, NULL), IC_OK);
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html",
	                                      "new and longer", 14, NULL),
	                 IC_OK);
	assert_int_equal(ic_file_send(out, &f, NULL), IC_OK);
	ic_file_close(&f);
	got = contents_of(out, &len);
	assert_string_equal(got, "old");
	free(got);
	fclose(out);
}

static void test_file_send_reports_a_file_that_shrank(void **state)
{
	struct fixture *fx = *state;
	struct ic_file f = IC_FILE_INIT;
	char err[IC_ERRBUF_SIZE] = "";
	FILE *out = tmpfile();

	assert_non_null(out);
	assert_int_equal(ic_file_write_atomic(fx->dir, "page.html",
	                                      "0123456789", 10, NULL),
	                 IC_OK);
	assert_int_equal(ic_file_open(&f, fx->path, NULL), IC_OK);
	/* Truncated in place (never done by us): the promised length can
	 * no longer be met. */
	assert_int_equal(truncate(fx->path, 4), 0);
	assert_int_equal(ic_file_send(out, &f, err), IC_ERR_IO);
	assert_non_null(strstr(err, "shrank"));
	ic_file_close(&f);
	fclose(out);
}

static void test_file_open_missing_or_not_regular(void **state)
{
	struct fixture *fx = *state;
	struct ic_file f = IC_FILE_INIT;
	char err[IC_ERRBUF_SIZE] = "";
	size_t len = 99;

	assert_int_equal(ic_file_open(&f, fx->path, err), IC_ERR_NOT_FOUND);
	assert_int_equal(f.fd, -1);
	assert_int_equal(ic_file_copy_to(stdout, fx->path, &len, err),
	                 IC_ERR_NOT_FOUND);
	assert_int_equal(len, 0);
	assert_int_equal(ic_file_open(&f, fx->dir, err), IC_ERR_IO);
	assert_int_equal(f.fd, -1);
	assert_int_equal(ic_file_send(stdout, &f, err), IC_ERR_INTERNAL);
	ic_file_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_creates_file_mode_0600_ws_p_6,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_replaces_and_keeps_mode_0600,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_empty_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_reader_never_sees_half_a_file_ws_p_6,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_failed_rename_leaves_no_temp,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_failed_write_leaves_old_file_ws_p_6,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_refuses_bad_names, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_atomic_missing_dir_is_not_found, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_mkdirs_creates_parents_with_mode, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_mkdirs_refuses_a_file_in_the_way, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_read_returns_contents_nul_terminated, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_read_missing_is_not_found, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_read_past_max_is_too_large, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_read_directory_is_io_error, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_read_past_arena_cap_is_nomem, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_send_writes_length_first_then_body, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_send_falls_back_when_sendfile_refuses, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_send_through_a_pipe_sends_every_byte, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_open_keeps_its_version_across_a_replace_ws_p_6,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_send_reports_a_file_that_shrank, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_open_missing_or_not_regular, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_file_write_derived_replaces_whole_mode_0600, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_boot_stamp_names_this_boot_only, setup, teardown),
	};

	/* Writers to a child that quit must fail, not kill the tests. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("file", tests, NULL, NULL);
}
