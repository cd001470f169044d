/*
 * boot.c - this boot's id, and the stamp that says which boot made some
 * files whole (see boot.h).  Only libc.
 */
#include "core/boot.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

/* The first IC_BOOT_ID_SIZE - 1 bytes of @p path into @p out, NUL ended;
 * false unless there were that many, none of them a control byte. */
static bool read_id(const char *path, char out[IC_BOOT_ID_SIZE])
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd >= 0) {
		n = read(fd, out, IC_BOOT_ID_SIZE - 1);
		close(fd);
	}
	if (n != IC_BOOT_ID_SIZE - 1)
		return false;
	out[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x21 || out[i] == 0x7f) {
			out[0] = '\0';
			return false;
		}
	return true;
}

bool ic_boot_id(char out[IC_BOOT_ID_SIZE])
{
	return read_id(BOOT_ID_PATH, out);
}

bool ic_boot_stamp_is_current(const char *dir, const char *name)
{
	char path[PATH_MAX], now[IC_BOOT_ID_SIZE], stamp[IC_BOOT_ID_SIZE];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	return n > 0 && (size_t)n < sizeof(path) && ic_boot_id(now) &&
	       read_id(path, stamp) && strcmp(now, stamp) == 0;
}

enum ic_err ic_boot_stamp_write(const char *dir, const char *name, char *errbuf)
{
	char id[IC_BOOT_ID_SIZE + 1];

	if (!ic_boot_id(id))
		return ic_fail(errbuf, IC_ERR_IO,
		               "this system tells no boot id (" BOOT_ID_PATH
		               "): files are written durably instead");
	strcat(id, "\n");
	return ic_file_write_atomic(dir, name, id, strlen(id), errbuf);
}
