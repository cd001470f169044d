/*
 * tidy-check.c - check one HTML5 document with tidy, from the shell.
 *
 *	tidy-check [FILE | -]
 *
 * Reads the document from FILE, or from standard input when FILE is "-"
 * or missing, prints tidy's errors and warnings (tests/unit/tidy_check.h
 * says which count) to standard output, and exits 0 when there are none,
 * 1 when there are some, 2 when the document could not be read or tidy
 * failed.  Integration tests pipe pages fetched through Apache into it,
 * as cgit's t0010-validate-html.sh does with tidy.  A check program: built
 * by `make check`, never installed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/ic_limits.h"
#include "unit/tidy_check.h"

/* Room for the diagnostics of a badly broken page; more is truncated. */
#define TIDY_CHECK_REPORT_BYTES (64u * 1024)

static int usage(FILE *to, int code)
{
	fprintf(to, "usage: tidy-check [FILE | -]\n"
	            "Check an HTML5 document with tidy; exit 0 if clean, 1 "
	            "if it has errors\nor warnings, 2 if it cannot be read.\n");
	return code;
}

/* Read all of @p f into @p doc, refusing more than a feed page. */
static int slurp(FILE *f, const char *name, struct ic_buf *doc)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		enum ic_err rc = ic_buf_add(doc, chunk, n);

		if (rc != IC_OK) {
			fprintf(stderr, "tidy-check: %s: %s (cap %u bytes)\n",
			        name, ic_strerror(rc),
			        (unsigned)IC_MAX_FETCH_FEED_BYTES);
			return -1;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "tidy-check: %s: read error\n", name);
		return -1;
	}
	return 0;
}

static int read_doc(const char *path, struct ic_buf *doc)
{
	FILE *f;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0)
		return slurp(stdin, "<stdin>", doc);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "tidy-check: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = slurp(f, path, doc);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	/* A feed page is the largest thing we generate (limits.h). */
	struct ic_buf doc = IC_BUF_INIT(IC_MAX_FETCH_FEED_BYTES);
	static char report[TIDY_CHECK_REPORT_BYTES];
	const char *path = argc > 1 ? argv[1] : NULL;
	int count;

	if (argc > 2)
		return usage(stderr, 2);
	if (path && (strcmp(path, "--help") == 0 || strcmp(path, "-h") == 0))
		return usage(stdout, 0);
	if (read_doc(path, &doc) != 0) {
		ic_buf_release(&doc);
		return 2;
	}
	count = tidy_check_html(doc.buf, doc.len, report, sizeof(report));
	ic_buf_release(&doc);
	fputs(report, stdout);
	if (count < 0)
		return 2;
	if (count > 0)
		printf("%s: %d error(s) and warning(s)\n",
		       path ? path : "<stdin>", count);
	return count > 0 ? 1 : 0;
}
