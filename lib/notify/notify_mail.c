/*
 * notify_mail.c - the owner's notification as RFC 5322 text (see
 * notify_mail.h).
 */
#include "notify/notify_mail.h"

#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/ic_limits.h"
#include "text/url.h"

/* Bytes of the UTF-8 sequence starting at @p s (at most @p n), 0 when it
 * is not one (overlong forms and surrogates included). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80                   ? 1
	             : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
	             : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
	             : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
	                                           : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((len == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
	    (len == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (len == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (len == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* Their name without control characters, runs of spaces made one, cut on
 * a character boundary; NULL when it is not UTF-8 or is left empty. */
static char *clean_name(struct ic_arena *a, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), o = 0;
	char *out = ic_arena_alloc(a, IC_NOTIFY_NAME_MAX + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0, len; i < n; i += len) {
		len = utf8_len(s + i, n - i);
		if (len == 0)
			return NULL;
		if (len == 1 && (s[i] < 0x20 || s[i] == 0x7f || s[i] == ' ')) {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
		} else if (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) {
			continue; /* C1 controls */
		} else {
			if (o + len > IC_NOTIFY_NAME_MAX)
				break;
			memcpy(out + o, s + i, len);
			o += len;
		}
		if (o >= IC_NOTIFY_NAME_MAX)
			break;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o ? out : NULL;
}

char *ic_notify_mail_name(struct ic_arena *a, const char *name,
                          const char *peer_url)
{
	struct ic_url_parts p;
	char *clean = name ? clean_name(a, name) : NULL;

	if (clean)
		return clean;
	if (peer_url && ic_url_parts(a, peer_url, &p, NULL) == IC_OK)
		return ic_arena_strdup(a, p.host);
	return ic_arena_strdup(a, "");
}

/* Printable ASCII that no decoder takes for an encoded word. */
static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || (s[0] == '=' && s[1] == '?'))
			return false;
	return true;
}

static enum ic_err add_base64(struct ic_buf *b, const unsigned char *s,
                              size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789+/";
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 |
		             (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);
		char q[4] = {abc[v >> 18], abc[(v >> 12) & 63],
		             i + 1 < n ? abc[(v >> 6) & 63] : '=',
		             i + 2 < n ? abc[v & 63] : '='};

		rc = ic_buf_add(b, q, 4);
	}
	return rc;
}

enum ic_err ic_notify_header_words(struct ic_buf *b, const char *text,
                                   const char *sep)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), i = 0;
	enum ic_err rc = IC_OK;

	if (plain_ascii(text))
		return ic_buf_adds(b, text);
	while (rc == IC_OK && i < n) {
		size_t end = i, len;

		/* 45 bytes are 60 base64 characters: 72 with the framing. */
		while (end < n && (len = utf8_len(s + end, n - end)) != 0 &&
		       end + len - i <= 45)
			end += len;
		if (end == i)
			return IC_ERR_INTERNAL; /* not UTF-8: cleaned before */
		rc = i ? ic_buf_adds(b, sep) : IC_OK;
		if (rc == IC_OK)
			rc = ic_buf_adds(b, "=?UTF-8?B?");
		if (rc == IC_OK)
			rc = add_base64(b, s + i, end - i);
		if (rc == IC_OK)
			rc = ic_buf_adds(b, "?=");
		i = end;
	}
	return rc;
}

/* RFC 5322 3.3, in English whatever the locale. */
static enum ic_err add_date(struct ic_buf *b, long long when)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
	                                "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return IC_ERR_INTERNAL;
	return ic_buf_addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n",
	                   days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	                   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char ic_notify_problem_text[] =
        "Their messages cannot be read for now: the token for their feed "
        "could not be renewed and a new ticket was asked for, or their hub "
        "refused our subscription.  The conversation page says which; "
        "inviting them again starts afresh.";

char *ic_notify_mail_subject(struct ic_arena *a,
                             const struct ic_notify_batch *w, const char *name)
{
	if (w->requests)
		return ic_arena_printf(a, "Message request from %s", name);
	if (w->count > 1)
		return ic_arena_printf(a, "%lld new messages from %s", w->count,
		                       name);
	if (w->count == 1)
		return ic_arena_printf(a, "New message from %s", name);
	if (w->accepted)
		return ic_arena_printf(a, "%s accepted your invitation", name);
	return ic_arena_printf(a, "Messages from %s cannot be read for now",
	                       name);
}

/* Our own values must be one line each: a line break is a bug here. */
static bool one_line(const char *s)
{
	return s != NULL && s[strcspn(s, "\r\n")] == '\0';
}

/* An IP literal as a domain must be bracketed (RFC 5322 3.4.1). */
static const char *mail_domain(struct ic_arena *a, const char *host)
{
	if (strchr(host, ':') || host[strspn(host, "0123456789.")] == '\0')
		return ic_arena_printf(a, "[%s]", host);
	return host;
}

static enum ic_err add_headers(struct ic_buf *b, struct ic_arena *a,
                               const struct ic_notify_mail *m, const char *name)
{
	const char *dom = mail_domain(a, m->host);
	const char *subj = ic_notify_mail_subject(a, m->what, name);
	enum ic_err rc = dom && subj ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK)
		rc = ic_buf_addf(b, "From: IndieChat <indiechat@%s>\nTo: %s\n",
		                 dom, m->to);
	if (rc == IC_OK)
		rc = ic_buf_adds(b, "Subject: ");
	if (rc == IC_OK)
		rc = ic_notify_header_words(b, subj, "\n "); /* folded */
	if (rc == IC_OK)
		rc = ic_buf_adds(b, "\n");
	if (rc == IC_OK)
		rc = add_date(b, m->date);
	/* The same batch sent again has the same id: de-duplicated. */
	if (rc == IC_OK)
		rc = ic_buf_addf(b,
		                 "Message-ID: <notify.%s.%lld@%s>\n"
		                 "Auto-Submitted: auto-generated\n"
		                 "List-Unsubscribe: <%s>\n"
		                 "MIME-Version: 1.0\n"
		                 "Content-Type: text/plain; charset=utf-8\n"
		                 "Content-Transfer-Encoding: 8bit\n\n",
		                 m->conv, m->batch, dom, m->unsubscribe);
	return rc;
}

/* One text, line ends made LF, lines cut at IC_NOTIFY_LINE_MAX bytes on
 * a character boundary, at most @p room bytes. */
static enum ic_err add_text(struct ic_buf *b, const char *text, size_t room)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), line = 0, start = b->len;
	enum ic_err rc = IC_OK;

	for (size_t i = 0, len; rc == IC_OK && i < n; i += len) {
		len = utf8_len(s + i, n - i);
		if (len == 0)
			len = 1; /* stored texts are UTF-8; skip a stray byte */
		if (b->len - start + len > room)
			return ic_buf_adds(b, " [...]\n");
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (s[i] == '\r' || s[i] == '\n' ||
		    line + len > IC_NOTIFY_LINE_MAX) {
			rc = ic_buf_addc(b, '\n');
			line = 0;
			if (s[i] == '\r' || s[i] == '\n')
				continue;
		}
		if (len > 1 || s[i] >= 0x20 || s[i] == '\t')
			rc = ic_buf_add(b, s + i, len);
		line += len;
	}
	return rc == IC_OK ? ic_buf_adds(b, "\n") : rc;
}

static enum ic_err add_body(struct ic_buf *b, const struct ic_notify_mail *m,
                            const char *name)
{
	const struct ic_notify_batch *w = m->what;
	size_t room = IC_NOTIFY_TEXT_MAX;
	enum ic_err rc = IC_OK;

	if (w->requests)
		rc = ic_buf_addf(b,
		                 "%s (%s) asks to start a conversation with "
		                 "you: a message request.\n",
		                 name, m->peer_url);
	if (rc == IC_OK && w->accepted)
		rc = ic_buf_addf(b, "%s (%s) accepted your invitation.\n", name,
		                 m->peer_url);
	if (rc == IC_OK && w->count)
		rc = ic_buf_addf(b, "%s (%s) sent you %lld new message%s.\n",
		                 name, m->peer_url, w->count,
		                 w->count == 1 ? "" : "s");
	if (rc == IC_OK && w->problems)
		rc = ic_buf_addf(b, "%s\n", ic_notify_problem_text);
	if (rc == IC_OK)
		rc = ic_buf_addf(b, "\nOpen the conversation:\n%s\n", m->link);
	for (size_t i = 0; rc == IC_OK && i < m->ntexts && room > 0; i++) {
		size_t before = b->len;

		rc = ic_buf_adds(b, "\n");
		if (rc == IC_OK)
			rc = add_text(b, m->texts[i], room);
		room -= b->len - before < room ? b->len - before : room;
	}
	if (rc == IC_OK)
		rc = ic_buf_addf(b,
		                 "\n-- \nIndieChat on %s. To change or stop "
		                 "these emails: %s\n",
		                 m->host, m->unsubscribe);
	return rc;
}

enum ic_err ic_notify_mail_build(struct ic_arena *a,
                                 const struct ic_notify_mail *m, char **out,
                                 size_t *len, char *errbuf)
{
	struct ic_buf b = IC_BUF_INIT(IC_NOTIFY_MAIL_MAX);
	const char *name;
	enum ic_err rc;

	*out = NULL;
	*len = 0;
	if (!one_line(m->host) || !one_line(m->to) || !one_line(m->conv) ||
	    !one_line(m->link) || !one_line(m->unsubscribe) ||
	    !one_line(m->peer_url) || m->what == NULL ||
	    strpbrk(m->to, " ,<>") != NULL || strchr(m->unsubscribe, '>'))
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "a notification's own header value is missing "
		               "or not one line");
	name = ic_notify_mail_name(a, m->peer_name, m->peer_url);
	if (name == NULL)
		return IC_ERR_NOMEM;
	rc = add_headers(&b, a, m, name);
	if (rc == IC_OK)
		rc = add_body(&b, m, name);
	if (rc == IC_OK && (*out = ic_arena_take_buf(a, &b)) == NULL)
		rc = IC_ERR_NOMEM;
	if (rc != IC_OK) {
		ic_buf_release(&b);
		return ic_fail(errbuf, rc, "cannot build the notification: %s",
		               ic_strerror(rc));
	}
	*len = strlen(*out);
	return IC_OK;
}
