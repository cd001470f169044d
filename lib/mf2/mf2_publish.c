/*
 * mf2_publish.c - render a conversation's static h-feed page and its
 * public stub (see mf2_publish.h; STANDARDS.md §8).
 *
 * The markup is literal templates with escaped holes (html.h); the code
 * around them only checks the input and chooses which template to write.
 * Only libc, buf and html: `feed` and `send` link this on the hot path.
 */
#include "mf2/mf2_publish.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text/html.h"
#include "core/ic_limits.h"
#include "text/media.h"

/* The stub's h-feed name: fixed, so nothing the caller names a
 * conversation after can reach a hub (WS-P-7, MP-6). */
#define STUB_NAME "Private feed"

/* "YYYY-MM-DDTHH:MM:SS+00:00" and "YYYY-MM-DD HH:MM UTC", with room. */
#define STAMP_BYTES 32

/* Latest time we print: the last second of year 9999, since HTML5's
 * valid date string and our fixed format have four-digit years. */
#define LAST_TIME_9999 253402300799LL

/* One instant written twice: machine-readable for datetime="", and for
 * the human reader. */
struct stamp {
	char attr[STAMP_BYTES];
	char human[STAMP_BYTES];
};

/* --- Templates -------------------------------------------------------- */

/* The <head> of pages and stubs (MP-7): self exactly once (WS-P-2/3),
 * hub, and the token endpoint and metadata on the resource itself
 * (TE-8, indieauth#127).  noindex and no-referrer: the topic URL is
 * unguessable, so neither search engines nor the Referer header of a
 * followed link should spread it. */
static const char head_tpl[] =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<title>{{title}} (IndieChat)</title>\n"
        "<link rel=\"self\" href=\"{{self}}\">\n"
        "<link rel=\"hub\" href=\"{{hub}}\">\n"
        "<link rel=\"token_endpoint\" href=\"{{token_endpoint}}\">\n"
        "<link rel=\"indieauth-metadata\" href=\"{{metadata}}\">\n";

static const char head_prev_tpl[] = "<link rel=\"prev\" href=\"{{prev}}\">\n";

static const char head_end_tpl[] = "</head>\n<body>\n";

/* MP-1: the root h-feed with p-name and u-url on one link. */
static const char feed_start_tpl[] =
        "<main class=\"h-feed\">\n"
        "<h1><a class=\"p-name u-url\" href=\"{{topic}}\">{{name}}</a></h1>\n"
        "<p>From <span class=\"p-author h-card\">";

static const char photo_tpl[] =
        "<img class=\"u-photo\" src=\"{{photo}}\" alt=\"\" width=\"48\" "
        "height=\"48\"> ";

/* An h-card's explicit p-name and u-url (no implied properties). */
static const char card_tpl[] =
        "<a class=\"p-name u-url\" href=\"{{url}}\">{{name}}</a>";

static const char feed_updated_tpl[] =
        "</span></p>\n"
        "<p>Updated <time class=\"dt-updated\" "
        "datetime=\"{{updated}}\">{{updated_human}}</time></p>\n";

/* MP-2: u-url (the permalink around the time), dt-published, u-uid as a
 * <data> value because a uid may be a tag: or urn: URI, which is not for
 * an href.  No p-name (MP-3): e-content and the nested h-cards already
 * keep parsers from implying one. */
static const char entry_start_tpl[] =
        "<article class=\"h-entry\">\n"
        "<p><a class=\"u-url\" href=\"{{url}}\"><time class=\"dt-published\" "
        "datetime=\"{{published}}\">{{published_human}}</time></a>"
        "<data class=\"u-uid\" value=\"{{uid}}\"></data></p>\n"
        "<p><span class=\"p-author h-card\">";

/* MP-5: the recipient is a person tag. */
static const char entry_to_tpl[] = "</span> to <span class=\"u-category "
                                   "h-card\">";

static const char entry_content_tpl[] = "</span></p>\n"
                                        "<div class=\"e-content\">";

/* Issue 15: the reply's target as the h-entry spec has it, a
 * u-in-reply-to, with the target's first words as the link's text for
 * readers that show no reply context of their own.  Outside e-content:
 * parsers (ours included) keep it out of the message's text. */
static const char reply_url_tpl[] =
        "</span></p>\n"
        "<p class=\"reply-context\">\xe2\x86\xaa In reply to: "
        "<a class=\"u-in-reply-to\" href=\"{{target}}\">{{quote}}</a></p>\n"
        "<div class=\"e-content\">";

/* A uid that is not an http(s) URL (tag:, urn:) is no href: a <data>
 * value, as the entry's own u-uid is written. */
static const char reply_uid_tpl[] =
        "</span></p>\n"
        "<p class=\"reply-context\">\xe2\x86\xaa In reply to: "
        "<data class=\"u-in-reply-to\" value=\"{{target}}\">{{quote}}</data>"
        "</p>\n"
        "<div class=\"e-content\">";

static const char entry_end_tpl[] = "</article>\n";

/* Issue 15: a file other than a picture, at the end of e-content: a
 * reader that knows nothing of attachments still has the link. */
static const char att_file_tpl[] =
        "\xF0\x9F\x93\x8E <a class=\"u-attachment\" href=\"{{url}}\" "
        "type=\"{{type}}\">{{name}}</a> ({{size}})";

/* Pictures after e-content (an <img> inside it would put its alt text
 * into the message's text), with their size so no reader's layout
 * jumps when they load. */
static const char att_photo_tpl[] =
        "<img class=\"u-photo\" src=\"{{url}}\" width=\"{{width}}\" "
        "height=\"{{height}}\" alt=\"{{name}}\">";

/* Video and audio beside the pictures, for the same reason: a u-* on
 * <video>/<audio> takes its src (MC-1, the parsing spec's u-* rules).
 * The link inside is what a browser without the element shows, and it
 * is no property of its own (no class): the element is the u-video.
 * preload="metadata" fetches the length and first frame, not the file. */
static const char att_video_tpl[] =
        "<video class=\"u-video\" src=\"{{url}}\" controls "
        "preload=\"metadata\" title=\"{{name}}\"><a href=\"{{url}}\" "
        "type=\"{{type}}\">{{name}}</a> ({{size}})</video>";
static const char att_audio_tpl[] =
        "<audio class=\"u-audio\" src=\"{{url}}\" controls "
        "preload=\"metadata\" title=\"{{name}}\"><a href=\"{{url}}\" "
        "type=\"{{type}}\">{{name}}</a> ({{size}})</audio>";

static const char no_entries_tpl[] = "<p>No messages yet.</p>\n";

static const char older_tpl[] =
        "<nav><a rel=\"prev\" href=\"{{prev}}\">Older messages</a></nav>\n";

/* MP-6: content-free, but the revision and time change on every send
 * (WS-P-7: Switchboard notifies only when the body's hash changed). */
static const char stub_body_tpl[] =
        "</span></p>\n"
        "<p>This feed is private: correspondents read it with their access "
        "token.</p>\n"
        "<p>Revision {{revision}}, updated <time class=\"dt-updated\" "
        "datetime=\"{{updated}}\">{{updated_human}}</time></p>\n";

static const char doc_end_tpl[] = "</main>\n</body>\n</html>\n";

/* --- Checks ----------------------------------------------------------- */

static bool has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *prefix)
			return false;
	}
	return true;
}

/* MP-4: absolute http(s) only, and acceptable to ic_html_url(). */
static enum ic_err check_url(const char *url, const char *field, char *errbuf)
{
	if (url == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "feed: %s is NULL",
		               field);
	if ((!has_prefix_ci(url, "http://") &&
	     !has_prefix_ci(url, "https://")) ||
	    !ic_html_url_ok(url))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "feed: %s is not an absolute http(s) URL",
		               field);
	return IC_OK;
}

static bool has_visible(const char *s)
{
	return s[strspn(s, " \t\n\r\f\v")] != '\0';
}

/* HTML5 dates here have four-digit years, and nothing is older than
 * the epoch. */
static enum ic_err check_time(time_t t, const char *field, char *errbuf)
{
	if (t < 0 || (long long)t > LAST_TIME_9999)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "feed: %s is before 1970 or past year 9999",
		               field);
	return IC_OK;
}

/* A uid is written as an attribute value, which would silently drop
 * control characters; a URI has no spaces either (RFC 3986). */
static enum ic_err check_uid(const char *uid, size_t i, char *errbuf)
{
	if (uid == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "feed: entries[%zu].uid is NULL", i);
	if (*uid == '\0')
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "feed: entries[%zu].uid is empty", i);
	for (const unsigned char *c = (const unsigned char *)uid; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "feed: entries[%zu].uid holds a space "
			               "or control character",
			               i);
	return IC_OK;
}

bool ic_mf2_publish_reply_ok(const char *uid)
{
	if (uid == NULL || *uid == '\0')
		return false;
	for (const unsigned char *c = (const unsigned char *)uid; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return false;
	if (has_prefix_ci(uid, "http://") || has_prefix_ci(uid, "https://"))
		return ic_html_url_ok(uid);
	/* A peer may have given one of its messages such a uid; another
	 * reader could make a link of our <data> value. */
	return !has_prefix_ci(uid, "javascript:") &&
	       !has_prefix_ci(uid, "data:") && !has_prefix_ci(uid, "vbscript:");
}

static enum ic_err check_person(const struct ic_feed_person *who,
                                const char *field, char *errbuf)
{
	char name[32];
	enum ic_err rc;

	snprintf(name, sizeof(name), "%s.url", field);
	if ((rc = check_url(who->url, name, errbuf)) != IC_OK)
		return rc;
	if (who->name == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "feed: %s.name is NULL",
		               field);
	snprintf(name, sizeof(name), "%s.photo", field);
	if (who->photo != NULL)
		return check_url(who->photo, name, errbuf);
	return IC_OK;
}

/* What the page and the stub both need: the <head> URLs and the owner. */
static enum ic_err check_common(const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc;

	if ((rc = check_url(p->topic_url, "topic_url", errbuf)) != IC_OK ||
	    (rc = check_url(p->hub_url, "hub_url", errbuf)) != IC_OK ||
	    (rc = check_url(p->token_endpoint, "token_endpoint", errbuf)) !=
	            IC_OK ||
	    (rc = check_url(p->metadata_url, "metadata_url", errbuf)) !=
	            IC_OK ||
	    (rc = check_time(p->updated, "updated", errbuf)) != IC_OK)
		return rc;
	return check_person(&p->owner, "owner", errbuf);
}

/* MP-2: every entry needs a uid, an absolute permalink and its text. */
static enum ic_err check_entries(const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc;

	if (p->nentries > 0 && p->entries == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "feed: entries is NULL");
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ic_feed_entry *e = &p->entries[i];
		char field[40];

		snprintf(field, sizeof(field), "entries[%zu].url", i);
		if ((rc = check_uid(e->uid, i, errbuf)) != IC_OK ||
		    (rc = check_url(e->url, field, errbuf)) != IC_OK)
			return rc;
		snprintf(field, sizeof(field), "entries[%zu].published", i);
		if ((rc = check_time(e->published, field, errbuf)) != IC_OK)
			return rc;
		if (e->text == NULL)
			return ic_fail(errbuf, IC_ERR_INTERNAL,
			               "feed: entries[%zu].text is NULL", i);
		if (e->in_reply_to != NULL &&
		    !ic_mf2_publish_reply_ok(e->in_reply_to))
			return ic_fail(
			        errbuf, IC_ERR_BAD_INPUT,
			        "feed: entries[%zu].in_reply_to is not a "
			        "uid we can write",
			        i);
	}
	return IC_OK;
}

static enum ic_err check_page(const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc;

	if ((rc = check_common(p, errbuf)) != IC_OK ||
	    (rc = check_url(p->self_url, "self_url", errbuf)) != IC_OK ||
	    (rc = check_person(&p->recipient, "recipient", errbuf)) != IC_OK)
		return rc;
	if (p->prev_url != NULL &&
	    (rc = check_url(p->prev_url, "prev_url", errbuf)) != IC_OK)
		return rc;
	if (p->name == NULL || !has_visible(p->name))
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "feed: name is NULL or blank");
	if (p->nentries > IC_FEED_PAGE_MAX)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "feed: %zu entries on one page (cap "
		               "IC_FEED_PAGE_MAX %d)",
		               p->nentries, IC_FEED_PAGE_MAX);
	return check_entries(p, errbuf);
}

/* --- Writers ---------------------------------------------------------- */

/* Format @p t in UTC; no locale is involved (strftime's %Y etc. are
 * digits in every locale). */
static enum ic_err format_time(time_t t, const char *field, struct stamp *st,
                               char *errbuf)
{
	struct tm tm;

	if (check_time(t, field, errbuf) != IC_OK)
		return IC_ERR_BAD_INPUT;
	if (gmtime_r(&t, &tm) == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "feed: %s cannot be converted to UTC", field);
	if (strftime(st->attr, sizeof(st->attr), "%Y-%m-%dT%H:%M:%S+00:00",
	             &tm) == 0 ||
	    strftime(st->human, sizeof(st->human), "%F %H:%M UTC", &tm) == 0)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "feed: %s does not fit its format", field);
	return IC_OK;
}

static enum ic_err write_head(struct ic_buf *out, const struct ic_feed_page *p,
                              const char *title, const char *self,
                              const char *prev, char *errbuf)
{
	const struct ic_html_var vars[] = {
	        {"title", title, IC_HTML_TEXT},
	        {"self", self, IC_HTML_URL},
	        {"hub", p->hub_url, IC_HTML_URL},
	        {"token_endpoint", p->token_endpoint, IC_HTML_URL},
	        {"metadata", p->metadata_url, IC_HTML_URL},
	        {"prev", prev != NULL ? prev : "", IC_HTML_URL},
	};
	enum ic_err rc;

	rc = ic_html_render(out, head_tpl, vars, 5, errbuf);
	if (rc == IC_OK && prev != NULL)
		rc = ic_html_render(out, head_prev_tpl, vars + 5, 1, errbuf);
	if (rc == IC_OK)
		rc = ic_html_raw_trusted(out, head_end_tpl);
	return rc;
}

/* An h-card's inner markup; the caller writes the element carrying
 * "h-card".  A person without a name is shown by URL, so p-name is never
 * empty. */
static enum ic_err write_card(struct ic_buf *out,
                              const struct ic_feed_person *who, bool photo,
                              char *errbuf)
{
	const struct ic_html_var vars[] = {
	        {"url", who->url, IC_HTML_URL},
	        {"name", has_visible(who->name) ? who->name : who->url,
	         IC_HTML_TEXT},
	        {"photo", who->photo != NULL ? who->photo : "", IC_HTML_URL},
	};
	enum ic_err rc;

	if (photo && who->photo != NULL &&
	    (rc = ic_html_render(out, photo_tpl, vars + 2, 1, errbuf)) != IC_OK)
		return rc;
	return ic_html_render(out, card_tpl, vars, 2, errbuf);
}

/* The h-feed's start: name, URL, the owner's h-card (MP-1); the caller
 * closes the author's <span> with its next template. */
static enum ic_err write_feed_start(struct ic_buf *out,
                                    const struct ic_feed_page *p,
                                    const char *name, char *errbuf)
{
	const struct ic_html_var vars[] = {
	        {"topic", p->topic_url, IC_HTML_URL},
	        {"name", name, IC_HTML_TEXT},
	};
	enum ic_err rc;

	rc = ic_html_render(out, feed_start_tpl, vars, 2, errbuf);
	if (rc != IC_OK)
		return rc;
	return write_card(out, &p->owner, true, errbuf);
}

static bool is_blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\f\v", s[i]))
			return false;
	return true;
}

/*
 * MP-4: the text, escaped, as paragraphs: one or more blank lines close a
 * paragraph, any other line break is a <br>.  CRLF and lone CR count as
 * line breaks.  URLs stay text: linking them would need a URL parser
 * here, and the recipient's sanitizer decides what to link.  Newlines are
 * kept next to the tags so the parsers' text value keeps the line breaks.
 */
static enum ic_err write_content(struct ic_buf *out, const char *text)
{
	bool open = false, any = false;
	enum ic_err rc = IC_OK;
	const char *s = text;

	while (*s != '\0' && rc == IC_OK) {
		size_t n = strcspn(s, "\r\n");
		const char *line = s;

		s += n;
		s += (s[0] == '\r' && s[1] == '\n') ? 2 : (*s != '\0');
		if (is_blank_line(line, n)) {
			if (open)
				rc = ic_buf_adds(out, "</p>");
			open = false;
			continue;
		}
		if (open)
			rc = ic_buf_adds(out, "<br>\n");
		else
			rc = ic_buf_adds(out, any ? "\n<p>" : "<p>");
		if (rc == IC_OK)
			rc = ic_html_textn(out, line, n);
		open = any = true;
	}
	if (rc == IC_OK && open)
		rc = ic_buf_adds(out, "</p>");
	return rc;
}

/* 64 lowercase hex digits, as store/store_blob.h names files (checked
 * here, not linked: render tools link no digest library). */
static bool hash_id(const char *id)
{
	return id && strspn(id, "0123456789abcdef") == 64 && id[64] == '\0';
}

/* Pictures, video and audio are shown after e-content; other files are
 * links inside it. */
static bool att_shown(const struct ic_attach *x)
{
	enum ic_media_kind k = ic_media_kind_of(x->type);

	return ic_media_is_image(k) || ic_media_is_video(k) ||
	       ic_media_is_audio(k);
}

static const char *att_tpl(const struct ic_attach *x)
{
	enum ic_media_kind k = ic_media_kind_of(x->type);

	if (ic_media_is_video(k))
		return att_video_tpl;
	if (ic_media_is_audio(k))
		return att_audio_tpl;
	return ic_media_is_image(k) ? att_photo_tpl : att_file_tpl;
}

static enum ic_err write_att(struct ic_buf *out, const struct ic_feed_page *p,
                             const struct ic_attach *x, char *errbuf)
{
	struct ic_buf url = IC_BUF_INIT(IC_MAX_URL_BYTES * 2);
	char size[32], w[16], h[16];
	enum ic_err rc = ic_buf_addf(
	        &url, "%s/attachment/%s?name=", p->topic_url, x->id);

	/* The safe name (attach.h) needs no percent-encoding. */
	if (rc == IC_OK)
		rc = ic_buf_adds(&url, x->name);
	ic_media_human_size(x->size, size);
	snprintf(w, sizeof(w), "%u", x->width);
	snprintf(h, sizeof(h), "%u", x->height);
	const struct ic_html_var vars[] = {
	        {"url", url.buf, IC_HTML_URL},
	        {"type", x->type, IC_HTML_TEXT},
	        {"name", x->name, IC_HTML_TEXT},
	        {"size", size, IC_HTML_TEXT},
	        {"width", w, IC_HTML_TEXT},
	        {"height", h, IC_HTML_TEXT},
	};
	if (rc == IC_OK)
		rc = ic_html_render(out, att_tpl(x), vars, 6, errbuf);
	ic_buf_release(&url);
	return rc;
}

/* The files (@p photos false) in e-content, or the pictures, videos and
 * sounds after it. */
static enum ic_err write_atts(struct ic_buf *out, const struct ic_feed_page *p,
                              const struct ic_feed_entry *e, bool photos,
                              char *errbuf)
{
	bool any = false;
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < e->natt; i++) {
		const struct ic_attach *x = &e->att[i];

		if (att_shown(x) != photos || !hash_id(x->id))
			continue;
		rc = ic_buf_adds(out, any ? (photos ? "\n" : "<br>\n")
		                          : (photos ? "<p class=\"photos\">"
		                                    : "\n<p class=\"files\">"));
		if (rc == IC_OK)
			rc = write_att(out, p, x, errbuf);
		any = true;
	}
	if (rc == IC_OK && any)
		rc = ic_buf_adds(out, photos ? "</p>\n" : "</p>");
	return rc;
}

/* The end of the byline, and for a reply its context, then e-content's
 * start. */
static enum ic_err write_reply(struct ic_buf *out,
                               const struct ic_feed_entry *e, char *errbuf)
{
	const char *to = e->in_reply_to;
	const struct ic_html_var vars[] = {
	        {"target", to ? to : "", IC_HTML_TEXT},
	        {"quote",
	         e->reply_quote && has_visible(e->reply_quote) ? e->reply_quote
	                                                       : (to ? to : ""),
	         IC_HTML_TEXT},
	};

	if (to == NULL)
		return ic_html_raw_trusted(out, entry_content_tpl);
	if (has_prefix_ci(to, "http://") || has_prefix_ci(to, "https://")) {
		const struct ic_html_var url[] = {
		        {"target", to, IC_HTML_URL},
		        vars[1],
		};

		return ic_html_render(out, reply_url_tpl, url, 2, errbuf);
	}
	return ic_html_render(out, reply_uid_tpl, vars, 2, errbuf);
}

/* Issue 15: an edited entry's dt-updated, after e-content closes (it is
 * no part of the text), then the entry's end. */
static enum ic_err write_edited(struct ic_buf *out,
                                const struct ic_feed_entry *e, char *errbuf)
{
	struct stamp st;
	enum ic_err rc = format_time(e->updated, "updated", &st, errbuf);
	const struct ic_html_var vars[] = {
	        {"updated", st.attr, IC_HTML_TEXT},
	        {"human", st.human, IC_HTML_TEXT},
	};

	if (rc != IC_OK)
		return rc;
	return ic_html_render(out,
	                      "<p class=\"edited\">Edited <time "
	                      "class=\"dt-updated\" datetime=\"{{updated}}\">"
	                      "{{human}}</time></p>\n</article>\n",
	                      vars, 2, errbuf);
}

/* Issue 15: a deleted entry keeps its uid and says when it was deleted,
 * with no content, so every reader drops the text. */
static enum ic_err write_tombstone(struct ic_buf *out,
                                   const struct ic_feed_entry *e, char *errbuf)
{
	struct stamp st;
	enum ic_err rc = format_time(e->updated, "deleted", &st, errbuf);
	const struct ic_html_var vars[] = {
	        {"deleted", st.attr, IC_HTML_TEXT},
	        {"human", st.human, IC_HTML_TEXT},
	};

	if (rc != IC_OK)
		return rc;
	return ic_html_render(
	        out,
	        "</span></p>\n<p class=\"deleted\">Message deleted "
	        "<time class=\"dt-deleted\" "
	        "datetime=\"{{deleted}}\">{{human}}</time></p>\n"
	        "</article>\n",
	        vars, 2, errbuf);
}

static enum ic_err write_entry(struct ic_buf *out, const struct ic_feed_page *p,
                               const struct ic_feed_entry *e, char *errbuf)
{
	struct stamp st;
	enum ic_err rc;

	if ((rc = format_time(e->published, "published", &st, errbuf)) != IC_OK)
		return rc;
	const struct ic_html_var vars[] = {
	        {"url", e->url, IC_HTML_URL},
	        {"published", st.attr, IC_HTML_TEXT},
	        {"published_human", st.human, IC_HTML_TEXT},
	        {"uid", e->uid, IC_HTML_TEXT},
	};

	if ((rc = ic_html_render(out, entry_start_tpl, vars, 4, errbuf)) !=
	            IC_OK ||
	    (rc = write_card(out, &p->owner, false, errbuf)) != IC_OK ||
	    (rc = ic_html_raw_trusted(out, entry_to_tpl)) != IC_OK ||
	    (rc = write_card(out, &p->recipient, false, errbuf)) != IC_OK)
		return rc;
	if (e->deleted)
		return write_tombstone(out, e, errbuf);
	if ((rc = write_reply(out, e, errbuf)) != IC_OK ||
	    (rc = write_content(out, e->text)) != IC_OK ||
	    (rc = write_atts(out, p, e, false, errbuf)) != IC_OK ||
	    (rc = ic_buf_adds(out, "</div>\n")) != IC_OK ||
	    (rc = write_atts(out, p, e, true, errbuf)) != IC_OK)
		return rc;
	return e->updated ? write_edited(out, e, errbuf)
	                  : ic_html_raw_trusted(out, entry_end_tpl);
}

static enum ic_err write_updated(struct ic_buf *out, const char *tpl,
                                 const struct ic_feed_page *p, char *errbuf)
{
	char revision[24];
	struct stamp st;
	enum ic_err rc;

	if ((rc = format_time(p->updated, "updated", &st, errbuf)) != IC_OK)
		return rc;
	snprintf(revision, sizeof(revision), "%lu", p->revision);
	const struct ic_html_var vars[] = {
	        {"updated", st.attr, IC_HTML_TEXT},
	        {"updated_human", st.human, IC_HTML_TEXT},
	        {"revision", revision, IC_HTML_TEXT},
	};
	return ic_html_render(out, tpl, vars, 3, errbuf);
}

static enum ic_err write_entries(struct ic_buf *out,
                                 const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc = IC_OK;

	if (p->nentries == 0)
		return ic_html_raw_trusted(out, no_entries_tpl);
	for (size_t i = 0; i < p->nentries && rc == IC_OK; i++)
		rc = write_entry(out, p, &p->entries[i], errbuf);
	return rc;
}

/* The page's markup, once check_page() passed. */
static enum ic_err render_page(struct ic_buf *out, const struct ic_feed_page *p,
                               char *errbuf)
{
	const struct ic_html_var prev = {"prev", p->prev_url, IC_HTML_URL};
	enum ic_err rc;

	if ((rc = write_head(out, p, p->name, p->self_url, p->prev_url,
	                     errbuf)) != IC_OK ||
	    (rc = write_feed_start(out, p, p->name, errbuf)) != IC_OK ||
	    (rc = write_updated(out, feed_updated_tpl, p, errbuf)) != IC_OK ||
	    (rc = write_entries(out, p, errbuf)) != IC_OK)
		return rc;
	if (p->prev_url != NULL &&
	    (rc = ic_html_render(out, older_tpl, &prev, 1, errbuf)) != IC_OK)
		return rc;
	return ic_html_raw_trusted(out, doc_end_tpl);
}

/* The stub's markup, once check_common() passed.  WS-P-7: its self is
 * the topic, whatever page p describes. */
static enum ic_err render_stub(struct ic_buf *out, const struct ic_feed_page *p,
                               char *errbuf)
{
	enum ic_err rc;

	if ((rc = write_head(out, p, STUB_NAME, p->topic_url, NULL, errbuf)) !=
	            IC_OK ||
	    (rc = write_feed_start(out, p, STUB_NAME, errbuf)) != IC_OK ||
	    (rc = write_updated(out, stub_body_tpl, p, errbuf)) != IC_OK)
		return rc;
	return ic_html_raw_trusted(out, doc_end_tpl);
}

/* The buffer's errors come without a message: name the document. */
static enum ic_err explain(enum ic_err rc, const char *what, char *errbuf)
{
	if (rc == IC_ERR_TOO_LARGE || rc == IC_ERR_NOMEM)
		ic_failf(errbuf, "feed: the %s does not fit its buffer (%s)",
		         what, ic_strerror(rc));
	return rc;
}

/* --- Public ----------------------------------------------------------- */

enum ic_err ic_mf2_publish_page(struct ic_buf *out,
                                const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc;

	if (out == NULL || p == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "feed: NULL argument");
	if ((rc = check_page(p, errbuf)) != IC_OK)
		return rc;
	return explain(render_page(out, p, errbuf), "page", errbuf);
}

enum ic_err ic_mf2_publish_stub(struct ic_buf *out,
                                const struct ic_feed_page *p, char *errbuf)
{
	enum ic_err rc;

	if (out == NULL || p == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "feed: NULL argument");
	if ((rc = check_common(p, errbuf)) != IC_OK)
		return rc;
	return explain(render_stub(out, p, errbuf), "stub", errbuf);
}
