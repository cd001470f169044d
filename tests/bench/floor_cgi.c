/*
 * floor_cgi.c - the CGI floor for scripts/bench: the least a CGI can do to
 * serve a page, so `feed`'s cost can be given as a ratio to it (DESIGN.md
 * "Performance targets").  Copies the file named by FLOOR_FILE (Apache
 * SetEnv) to stdout after a Content-Type and Content-Length; no
 * configuration, no store, no token check.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	const char *path = getenv("FLOOR_FILE");
	char buf[65536];
	struct stat sb;
	ssize_t n;
	int fd = path ? open(path, O_RDONLY) : -1;

	if (fd < 0 || fstat(fd, &sb) != 0) {
		fputs("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"
		      "no FLOOR_FILE\n",
		      stdout);
		return 0;
	}
	printf("Content-Type: text/html; charset=utf-8\r\n"
	       "Content-Length: %lld\r\n\r\n",
	       (long long)sb.st_size);
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	close(fd);
	return 0;
}
