/*
 * tidy_check.c - check an HTML5 document with tidy-html5 (see tidy_check.h).
 *
 * Measured with tidy 5.6.0 (Debian libtidy5deb1 2:5.6.0-11):
 *  - a valid HTML5 page with doctype, <html lang>, <meta charset>, the
 *    viewport meta and a <title> gets no error, warning or info message;
 *  - <link>, <meta>, <title> and <base> inside <body> give no message at
 *    all and stay in the body of tidy's tree, so we walk the tree for them;
 *  - <data> (HTML5, used by mf2 markup) is "not recognized!" (an error)
 *    and dropped with two warnings: a false positive, fixed by declaring
 *    it with new-inline-tags, so tidy still checks how it nests;
 *  - an empty element (<p></p>, <span class="p-name"></span>) gives the
 *    warning "trimming empty <p>": that is tidy's output clean-up, not a
 *    validity problem (HTML5 and the W3C checker accept them), so
 *    drop-empty-elements is off;
 *  - errors past show-errors (default 6) are still counted but no longer
 *    printed, so show-errors is raised for a complete report;
 *  - an empty <title></title>, NUL and other control characters pass
 *    without a word, though HTML5 makes them errors: checked here;
 *  - '[' and ']' in an href are "illegal characters found in URI", even
 *    in an IPv6 host like https://[::1]/ (a false positive there, which
 *    our pages avoid: the tests use 127.0.0.1).
 */
#include "tidy_check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Not <limits.h>: -I lib makes that IndieChat's own limits.h. */
#include <tidy/tidy.h>
#include <tidy/tidybuffio.h>

/* Diagnostics listed in a report; far more than any test expects. */
#define TIDY_CHECK_SHOW_ERRORS 1000

/* A fixed-size report that truncates instead of failing. */
struct report {
	char *p;
	size_t len, cap;
};

static void report_add(struct report *r, const char *s, size_t n)
{
	if (r->cap == 0)
		return;
	if (n > r->cap - 1 - r->len)
		n = r->cap - 1 - r->len;
	memcpy(r->p + r->len, s, n);
	r->len += n;
	r->p[r->len] = '\0';
}

static void report_addf(struct report *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void report_addf(struct report *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	report_add(r, line, strlen(line));
}

/* Link types HTML5 marks body-ok (HTML LS §4.6.7, "Body-ok"). */
static bool rel_token_body_ok(const char *tok, size_t n)
{
	static const char *const ok[] = {
	        "dns-prefetch", "modulepreload", "pingback",  "preconnect",
	        "prefetch",     "preload",       "stylesheet"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == n && strncasecmp(ok[i], tok, n) == 0)
			return true;
	return false;
}

/* HTML5 §4.2.4: a <link> may be in <body> if it has itemprop or if every
 * one of its rel tokens is body-ok. */
static bool link_body_ok(TidyNode n)
{
	TidyAttr rel = tidyAttrGetById(n, TidyAttr_REL);
	const char *v = rel ? tidyAttrValue(rel) : NULL;
	size_t tokens = 0;

	if (tidyAttrGetById(n, TidyAttr_ITEMPROP))
		return true;
	while (v && *v) {
		size_t len = strcspn(v, " \t\n\r\f");

		if (len > 0) {
			if (!rel_token_body_ok(v, len))
				return false;
			tokens++;
		}
		v += len;
		v += strspn(v, " \t\n\r\f");
	}
	return tokens > 0;
}

/* The description of @p n if it is metadata HTML5 forbids in <body>,
 * else NULL. */
static const char *misplaced_metadata(TidyNode n)
{
	switch (tidyNodeGetId(n)) {
	case TidyTag_LINK:
		return link_body_ok(n) ? NULL
		                       : "<link> whose rel is not body-ok";
	case TidyTag_META:
		return tidyAttrGetById(n, TidyAttr_ITEMPROP)
		               ? NULL
		               : "<meta> without itemprop";
	case TidyTag_TITLE:
		return "<title>";
	case TidyTag_BASE:
		return "<base>";
	default:
		return NULL;
	}
}

/* Count metadata elements below @p n in <body>; SVG, MathML and template
 * contents have their own rules and are skipped. */
static int check_body(TidyNode n, struct report *r)
{
	int found = 0;

	if (n == NULL)
		return 0;
	for (TidyNode c = tidyGetChild(n); c; c = tidyGetNext(c)) {
		const char *what = misplaced_metadata(c);
		TidyTagId id = tidyNodeGetId(c);

		if (what != NULL) {
			report_addf(r,
			            "line %u column %u - Warning: %s inside "
			            "<body>; it belongs in <head> (HTML5 "
			            "4.2; discovery reads only <head>, H-3)\n",
			            tidyNodeLine(c), tidyNodeColumn(c), what);
			found++;
		}
		if (id != TidyTag_SVG && id != TidyTag_MATHML &&
		    id != TidyTag_TEMPLATE)
			found += check_body(c, r);
	}
	return found;
}

static bool text_visible(TidyDoc doc, TidyNode title)
{
	bool visible = false;

	for (TidyNode c = tidyGetChild(title); c && !visible;
	     c = tidyGetNext(c)) {
		TidyBuffer v;

		tidyBufInit(&v);
		if (tidyNodeGetValue(doc, c, &v) && v.bp != NULL)
			for (uint i = 0; i < v.size && !visible; i++)
				visible = !strchr(" \t\n\r\f", v.bp[i]);
		tidyBufFree(&v);
	}
	return visible;
}

/* Set by the message callback when tidy inserted a <title> itself. */
struct seen {
	bool missing_title;
};

static Bool TIDY_CALL on_message(TidyMessage m)
{
	struct seen *seen = tidyGetAppData(tidyGetMessageDoc(m));

	if (seen && tidyGetMessageCode(m) == MISSING_TITLE_ELEMENT)
		seen->missing_title = true;
	return yes; /* keep every message in the report */
}

/* HTML5 §4.2.2: <title> holds text that is not only whitespace.  A title
 * tidy had to insert is empty but was already reported as missing. */
static int check_title(TidyDoc doc, struct report *r)
{
	const struct seen *seen = tidyGetAppData(doc);
	TidyNode head = tidyGetHead(doc);

	if (seen->missing_title)
		return 0;
	for (TidyNode c = head ? tidyGetChild(head) : NULL; c;
	     c = tidyGetNext(c)) {
		if (tidyNodeGetId(c) != TidyTag_TITLE)
			continue;
		if (text_visible(doc, c))
			continue;
		report_addf(r,
		            "line %u column %u - Warning: <title> has no "
		            "text (HTML5 4.2.2)\n",
		            tidyNodeLine(c), tidyNodeColumn(c));
		return 1;
	}
	return 0;
}

/* HTML5 §13.2.3.5 parse errors tidy 5.6 lets through silently: NUL,
 * the other C0 controls except TAB LF FF CR, DEL, and C1 controls
 * (U+0080..U+009F).  Columns count characters, as tidy's do. */
static int check_controls(const char *html, size_t len, struct report *r)
{
	unsigned line = 1, col = 1;
	int found = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)html[i];
		bool c1 = c == 0xc2 && i + 1 < len &&
		          (unsigned char)html[i + 1] <= 0x9f &&
		          (unsigned char)html[i + 1] >= 0x80;

		if (c == 0 || (c < 0x20 && !strchr("\t\n\f\r", c)) ||
		    c == 0x7f || c1) {
			report_addf(r,
			            "line %u column %u - Warning: control "
			            "character U+%04X (HTML5 parse error)\n",
			            line, col,
			            c1 ? (unsigned char)html[i + 1] : c);
			found++;
		}
		if (c == '\n') {
			line++;
			col = 1;
		} else if ((c & 0xc0) != 0x80) {
			col++;
		}
	}
	return found;
}

/* Options for HTML5 as written; int options through tidyOptSetInt
 * (DESIGN.md), every call checked. */
static bool configure(TidyDoc doc)
{
	return tidyOptSetBool(doc, TidyXhtmlOut, no) &&
	       tidyOptSetBool(doc, TidyShowWarnings, yes) &&
	       tidyOptSetBool(doc, TidyShowInfo, no) &&
	       tidyOptSetBool(doc, TidyQuiet, yes) &&
	       tidyOptSetBool(doc, TidyDropEmptyElems, no) &&
	       tidyOptSetInt(doc, TidyShowErrors, TIDY_CHECK_SHOW_ERRORS) &&
	       tidyOptSetValue(doc, TidyInlineTags, "data") &&
	       tidySetInCharEncoding(doc, "utf8") == 0;
}

/* Parse @p in into @p doc, tidy's diagnostics going to @p diag. */
static int parse(TidyDoc doc, TidyBuffer *in, TidyBuffer *diag,
                 struct report *r)
{
	int rc;

	if (!configure(doc)) {
		report_addf(r, "tidy_check: tidy refused an option\n");
		return -1;
	}
	if (!tidySetMessageCallback(doc, on_message)) {
		report_addf(r, "tidy_check: cannot set the message callback\n");
		return -1;
	}
	if (tidySetErrorBuffer(doc, diag) != 0) {
		report_addf(r, "tidy_check: cannot set the error buffer\n");
		return -1;
	}
	rc = tidyParseBuffer(doc, in);
	if (rc < 0) {
		report_addf(r, "tidy_check: tidy failed (%d)\n", rc);
		return -1;
	}
	return 0;
}

int tidy_check_html(const char *html, size_t len, char *report,
                    size_t reportlen)
{
	struct report r = {report, 0, reportlen};
	struct seen seen = {false};
	TidyBuffer in, diag;
	TidyDoc doc;
	int count = -1;

	if (reportlen > 0)
		report[0] = '\0';
	if (len >= (size_t)(uint)-1 || (html == NULL && len > 0)) {
		report_addf(&r, "tidy_check: document of %zu bytes\n", len);
		return -1;
	}
	doc = tidyCreate();
	if (doc == NULL) {
		report_addf(&r, "tidy_check: tidyCreate failed\n");
		return -1;
	}
	tidySetAppData(doc, &seen);
	tidyBufInit(&in);
	tidyBufInit(&diag);
	/* tidyBufAppend copies; it only lacks a const in its prototype. */
	if (len > 0)
		tidyBufAppend(&in, (void *)(uintptr_t)html, (uint)len);
	if (parse(doc, &in, &diag, &r) == 0) {
		if (diag.bp != NULL)
			report_add(&r, (const char *)diag.bp,
			           strnlen((const char *)diag.bp, diag.size));
		count = (int)(tidyErrorCount(doc) + tidyWarningCount(doc));
		count += check_body(tidyGetBody(doc), &r);
		count += check_title(doc, &r);
		count += check_controls(html, len, &r);
	}
	tidyBufFree(&in);
	tidyBufFree(&diag);
	tidyRelease(doc);
	return count;
}
