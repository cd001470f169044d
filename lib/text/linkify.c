/*
 * linkify.c - message text with its addresses as links (see linkify.h).
 */
#include "text/linkify.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "text/html.h"

/* Longest address made a link: longer runs stay text (a URL this long in
 * a chat message is more likely junk than a link anyone follows). */
#define LINKIFY_MAX_URL 2048

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Where an address ends: the bytes a URL in running text never holds. */
static bool url_end(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' ||
	       c == '`';
}

/* Length of the scheme at @p p ("https://", "http://", "mailto:"), 0 if
 * none starts there. */
static size_t scheme_len(const char *p)
{
	if (strncasecmp(p, "https://", 8) == 0)
		return 8;
	if (strncasecmp(p, "http://", 7) == 0)
		return 7;
	if (strncasecmp(p, "mailto:", 7) == 0)
		return 7;
	return 0;
}

/* Length of the address starting at @p p (after its scheme of @p slen
 * bytes), trailing punctuation left out; 0 when nothing is left. */
static size_t address_len(const char *p, size_t slen)
{
	size_t n = slen, open = 0, close = 0;

	while (p[n] && !url_end((unsigned char)p[n]))
		n++;
	for (size_t i = slen; i < n; i++) {
		open += p[i] == '(';
		close += p[i] == ')';
	}
	while (n > slen) {
		char c = p[n - 1];

		if (strchr(".,;:!?'", c) != NULL) {
			n--;
		} else if (c == ')' && close > open) {
			close--;
			n--;
		} else {
			break;
		}
	}
	if (n == slen || n > LINKIFY_MAX_URL)
		return 0;
	/* "mailto:" needs an address with an '@' to be worth a link. */
	if (p[slen - 1] == ':' && memchr(p + slen, '@', n - slen) == NULL)
		return 0;
	return n;
}

bool ic_linkify_has_address(const char *text)
{
	for (const char *p = text; p && *p; p++)
		if ((*p == 'h' || *p == 'H' || *p == 'm' || *p == 'M') &&
		    scheme_len(p) != 0)
			return true;
	return false;
}

enum ic_err ic_html_linkify(struct ic_buf *out, const char *text)
{
	const char *p, *plain;
	enum ic_err rc = IC_OK;
	char url[LINKIFY_MAX_URL + 1];

	if (text == NULL)
		return IC_ERR_INTERNAL;
	plain = p = text;
	while (rc == IC_OK && *p) {
		size_t slen = 0, n = 0;

		if ((p == text || !is_alnum((unsigned char)p[-1])) &&
		    (*p == 'h' || *p == 'H' || *p == 'm' || *p == 'M'))
			slen = scheme_len(p);
		if (slen)
			n = address_len(p, slen);
		if (n == 0) {
			p++;
			continue;
		}
		memcpy(url, p, n);
		url[n] = '\0';
		if (!ic_html_url_ok(url)) {
			p += n;
			continue;
		}
		rc = ic_html_textn(out, plain, (size_t)(p - plain));
		if (rc == IC_OK)
			rc = ic_html_raw_trusted(out, "<a href=\"");
		if (rc == IC_OK)
			rc = ic_html_url(out, url);
		if (rc == IC_OK)
			rc = ic_html_raw_trusted(out, "\" rel=\"" IC_LINKIFY_REL
			                              "\">");
		if (rc == IC_OK)
			rc = ic_html_textn(out, p, n);
		if (rc == IC_OK)
			rc = ic_html_raw_trusted(out, "</a>");
		p += n;
		plain = p;
	}
	return rc == IC_OK ? ic_html_textn(out, plain, strlen(plain)) : rc;
}
