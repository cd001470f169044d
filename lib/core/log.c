/*
 * log.c - single-line logging to stderr (see log.h).
 */
#include "core/log.h"

#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ic_limits.h"

static const char *prog = "indiechat";
static enum ic_log_level max_level = IC_LOG_INFO;

void ic_log_init(const char *program)
{
	prog = program;
}

void ic_log_set_level(enum ic_log_level level)
{
	max_level = level;
}

/* The open log @p fd at @p path is past IC_LOG_MAX_BYTES: move it aside
 * and open a new one.  Two programs may find it full at once; the inode
 * check keeps the second from moving the first one's new, small file over
 * the full one.  Returns the fd to log to (the new file, or @p fd). */
static int rotate(int fd, const char *path)
{
	char old[4096 + 8];
	struct stat ours, now;
	int fresh;

	if (fstat(fd, &ours) != 0 || ours.st_size <= IC_LOG_MAX_BYTES ||
	    snprintf(old, sizeof(old), "%s.1", path) >= (int)sizeof(old))
		return fd;
	if (stat(path, &now) == 0 && now.st_ino == ours.st_ino &&
	    now.st_dev == ours.st_dev)
		(void)rename(path, old);
	fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fresh < 0)
		return fd;
	close(fd);
	return fresh;
}

void ic_log_to_data_dir(const char *data_dir)
{
	char path[4096];
	int fd;

	if (data_dir == NULL || snprintf(path, sizeof(path), "%s/indiechat.log",
	                                 data_dir) >= (int)sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	fd = rotate(fd, path);
	if (fd != 2) {
		dup2(fd, 2);
		close(fd);
	}
}

void ic_log(enum ic_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info",
	                                    "debug"};
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	fprintf(stderr, "indiechat[%s]: %s: %s\n", prog, names[level], line);
}
