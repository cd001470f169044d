/*
 * export_download.c - every conversation as one tar download (see
 * export_download.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw's FTW_DEPTH, FTW_PHYS */
#endif
#include "web/export_download.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "web/export.h"

#define TOP          "indiechat-export"
#define BLOCK        512
#define STALE_SECS   3600
#define MAX_DEPTH    4 /* top, conversation, attachments, a file */
#define LEFTOVER_PFX ".export-"

/* --- ustar ---------------------------------------------------------------
 * POSIX.1-1988 ustar headers: octal fields NUL-ended, the checksum the
 * sum of the header's bytes with its own field as spaces. */

static void octal(char *field, size_t width, unsigned long long v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, v);
}

/* A name of 100 bytes or more goes into ustar's prefix (155 bytes) and
 * name fields, split at a '/': an attachment's path is
 * indiechat-export/<conv>/attachments/<64 hex>.<ext> (issue 15). */
static bool tar_name(unsigned char *h, const char *name)
{
	size_t n = strlen(name);
	const char *cut;

	if (n < 100) {
		memcpy(h, name, n);
		return true;
	}
	for (cut = name + n - 1; cut > name; cut--)
		if (*cut == '/' && (size_t)(cut - name) <= 155 &&
		    n - (size_t)(cut - name) - 1 < 100 && cut[1] != '\0')
			break;
	if (cut == name)
		return false;
	memcpy(h + 345, name, (size_t)(cut - name));
	memcpy(h, cut + 1, n - (size_t)(cut - name) - 1);
	return true;
}

static bool tar_header(FILE *o, const char *name, const struct stat *st)
{
	unsigned char h[BLOCK] = {0};
	unsigned sum = 0;
	bool dir = S_ISDIR(st->st_mode);

	if (!tar_name(h, name))
		return false;
	octal((char *)h + 100, 8, dir ? 0755 : 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, dir ? 0 : (unsigned long long)st->st_size);
	octal((char *)h + 136, 12, (unsigned long long)st->st_mtime);
	memset(h + 148, ' ', 8);
	h[156] = dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	return fwrite(h, 1, BLOCK, o) == BLOCK;
}

/* The file's bytes, as many as the header said, padded to a block. */
static bool tar_body(FILE *o, const char *path, off_t size)
{
	char buf[16384];
	off_t left = size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0;

	while (ok && left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0 || n > left)
			ok = false;
		else
			ok = fwrite(buf, 1, (size_t)n, o) == (size_t)n;
		left -= n > 0 ? n : 0;
	}
	if (fd >= 0)
		close(fd);
	memset(buf, 0, BLOCK);
	if (ok && size % BLOCK)
		ok = fwrite(buf, 1, BLOCK - size % BLOCK, o) ==
		     (size_t)(BLOCK - size % BLOCK);
	return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool skip(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* @p path (on disk) as @p name (in the archive), and what is under it. */
static bool tar_tree(FILE *o, const char *path, const char *name, int depth)
{
	struct dirent **ents = NULL;
	struct stat st;
	bool ok;
	int n;

	if (lstat(path, &st) != 0 || depth > MAX_DEPTH ||
	    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		return false;
	if (S_ISREG(st.st_mode))
		return tar_header(o, name, &st) &&
		       tar_body(o, path, st.st_size);
	char dname[PATH_MAX];

	snprintf(dname, sizeof(dname), "%s/", name);
	ok = tar_header(o, dname, &st);
	n = ok ? scandir(path, &ents, NULL, by_name) : -1;
	ok = n >= 0;
	for (int i = 0; i < n; i++) {
		char sub[PATH_MAX], subname[PATH_MAX];

		if (ok && !skip(ents[i]->d_name)) {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			         ents[i]->d_name);
			snprintf(subname, sizeof(subname), "%s/%s", name,
			         ents[i]->d_name);
			ok = tar_tree(o, sub, subname, depth + 1);
		}
		free(ents[i]);
	}
	free(ents);
	return ok;
}

/* --- The work directory --------------------------------------------------- */

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 ? -1 : 0;
}

static void remove_tree(const char *path)
{
	if (path != NULL &&
	    nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0 &&
	    errno != ENOENT)
		ic_log(IC_LOG_WARN, "cannot remove %s: %s", path,
		       strerror(errno));
}

/* What a download that was killed left, an hour on. */
static void remove_leftovers(const char *data_dir, time_t now)
{
	DIR *d = opendir(data_dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (strncmp(e->d_name, LEFTOVER_PFX, strlen(LEFTOVER_PFX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", data_dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_mtime + STALE_SECS < now)
			remove_tree(path);
	}
	if (d != NULL)
		closedir(d);
}

static enum ic_err stream(struct ic_req *req, const char *dir)
{
	static const char end[2 * BLOCK];
	char name[64];
	time_t now = time(NULL);
	struct tm tm;
	enum ic_err rc;

	gmtime_r(&now, &tm);
	strftime(name, sizeof(name),
	         "attachment; filename=\"" TOP "-%Y-%m-%d.tar\"", &tm);
	req->resp.content_type = "application/x-tar";
	req->resp.cache_control = "private, no-store";
	req->resp.nosniff = true;
	req->resp.stream = true;
	rc = ic_resp_add_header(&req->resp, "Content-Disposition",
	                        ic_arena_strdup(req->arena, name));
	if (rc == IC_OK)
		rc = ic_cgi_respond(req);
	if (rc != IC_OK || strcmp(req->env.method, "HEAD") == 0)
		return rc;
	if (!tar_tree(req->out, dir, TOP, 0) ||
	    fwrite(end, 1, sizeof(end), req->out) != sizeof(end) ||
	    fflush(req->out) != 0)
		ic_log(IC_LOG_WARN, "the archive download ended short: %s",
		       strerror(errno));
	return IC_OK;
}

enum ic_err ic_export_download(struct ic_req *req)
{
	time_t now = time(NULL);
	char *dir = ic_arena_printf(req->arena, "%s/" LEFTOVER_PFX "%ld-%lld",
	                            req->cfg.data_dir, (long)getpid(),
	                            (long long)now);
	size_t n;
	enum ic_err rc;

	if (dir == NULL)
		return IC_ERR_NOMEM;
	remove_leftovers(req->cfg.data_dir, now);
	rc = ic_export_write(req, dir, &n);
	if (rc == IC_OK)
		rc = stream(req, dir);
	remove_tree(dir);
	if (rc != IC_OK) /* what ic_export_write() leaves for inspection */
		remove_tree(ic_arena_printf(req->arena, "%s.partial-%ld", dir,
		                            (long)getpid()));
	return rc;
}
