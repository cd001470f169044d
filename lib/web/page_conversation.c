/*
 * page_conversation.c - a conversation as a page and as JSON (see
 * page_conversation.h).
 */
#include "web/page_conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/ic_limits.h"
#include "text/form.h"
#include "text/html.h"
#include "text/linkify.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "text/emoji.h"
#include "messages/attach.h"
#include "web/page_attach.h"
#include "web/page_inbox.h"
#include "web/page_react.h"
#include "cgi/session.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct conv_read {
	struct ic_arena *a;
	const char *id;
	long long after_out, after_in;   /* only seqs above these */
	long long before_out, before_in; /* only seqs below these; 0: all */
	struct ic_conv conv;
	struct ic_msg *out, *in;
	size_t nout, nin;
	/* Issue 15: the message each one answers, by index into out/in (a
	 * zeroed one when it answers nothing or what it answers is not
	 * stored here). */
	struct ic_msg *qout, *qin;
	/* ?reply_to=UID: the compose form answers it (the Reply link
	 * without the script); its message, or uid NULL. */
	const char *reply_to;
	struct ic_msg reply;
	/* ?edit=UID: the compose form edits our message (the Edit of its
	 * menu without the script); its message, or uid NULL. */
	const char *edit_uid;
	struct ic_msg edit;
};

/* Chars of an answered message shown in a reply's quote. */
#define QUOTE_BYTES 80

/* The messages that @p n messages @p msgs answer, looked up here. */
static enum ic_err targets(struct ic_store_txn *t, struct conv_read *r,
                           const struct ic_msg *msgs, size_t n,
                           struct ic_msg **out)
{
	*out = ic_arena_calloc(r->a, n ? n : 1, sizeof(**out));
	if (*out == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		enum ic_err rc;

		if (msgs[i].in_reply_to == NULL)
			continue;
		rc = ic_store_msg_by_uid_in_txn(
		        t, r->a, r->id, msgs[i].in_reply_to, &(*out)[i]);
		if (rc == IC_ERR_NOT_FOUND)
			memset(&(*out)[i], 0, sizeof((*out)[i]));
		else if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* What @p m answers, when that is stored here; NULL otherwise. */
static const struct ic_msg *target_of(const struct conv_read *r,
                                      const struct ic_msg *m)
{
	const struct ic_msg *q = NULL;

	if (m->in_reply_to == NULL)
		return NULL;
	if (r->qout && m >= r->out && m < r->out + r->nout)
		q = &r->qout[m - r->out];
	else if (r->qin && m >= r->in && m < r->in + r->nin)
		q = &r->qin[m - r->in];
	return q && q->uid ? q : NULL;
}

static long long from_seq(long long last, long long after)
{
	long long from = last - IC_PAGE_MESSAGES + 1;

	if (from <= after)
		from = after + 1;
	return from < 1 ? 1 : from;
}

/* The last seq of a direction to read: below @p before when paging back
 * ("older messages"), else the newest. */
static long long upto(long long last, long long before)
{
	return before > 0 && before - 1 < last ? before - 1 : last;
}

static enum ic_err read_txn(struct ic_store_txn *t, void *p)
{
	struct conv_read *r = p;
	enum ic_err rc = ic_store_conv_get_in_txn(t, r->a, r->id, &r->conv);
	long long to_out = upto(r->conv.out_seq, r->before_out);
	long long to_in = upto(r->conv.in_seq, r->before_in);

	r->nout = r->nin = 0;
	if (rc == IC_OK && to_out > r->after_out)
		rc = ic_store_msg_range_in_txn(t, r->a, r->id, 'o',
		                               from_seq(to_out, r->after_out),
		                               to_out, &r->out, &r->nout);
	if (rc == IC_OK && to_in > r->after_in)
		rc = ic_store_msg_range_in_txn(t, r->a, r->id, 'i',
		                               from_seq(to_in, r->after_in),
		                               to_in, &r->in, &r->nin);
	if (rc == IC_OK)
		rc = targets(t, r, r->out, r->nout, &r->qout);
	if (rc == IC_OK)
		rc = targets(t, r, r->in, r->nin, &r->qin);
	memset(&r->reply, 0, sizeof(r->reply));
	if (rc == IC_OK && r->reply_to &&
	    ic_store_msg_by_uid_in_txn(t, r->a, r->id, r->reply_to,
	                               &r->reply) != IC_OK)
		memset(&r->reply, 0, sizeof(r->reply));
	memset(&r->edit, 0, sizeof(r->edit));
	if (rc == IC_OK && r->edit_uid &&
	    (ic_store_msg_by_uid_in_txn(t, r->a, r->id, r->edit_uid,
	                                &r->edit) != IC_OK ||
	     r->edit.dir != 'o' || r->edit.deleted || r->edit.reaction))
		memset(&r->edit, 0, sizeof(r->edit));
	return rc;
}

static enum ic_err mark_read_txn(struct ic_store_txn *t, void *p)
{
	struct conv_read *r = p;
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_get_in_txn(t, r->a, r->id, &conv);

	if (rc != IC_OK || conv.unread == 0)
		return rc;
	conv.unread = 0;
	return ic_store_conv_put_in_txn(t, r->a, &conv);
}

/* Read the conversation named in the path, and mark it read. */
static enum ic_err load(struct ic_req *req, struct conv_read *r)
{
	struct ic_store *st;
	enum ic_err rc;

	r->a = req->arena;
	r->id = ic_req_param(req, "conv");
	if (r->id == NULL || !ic_site_id_ok(r->id))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no such conversation");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, read_txn, r, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no such conversation");
	if (rc == IC_OK && r->conv.unread > 0)
		rc = ic_store_update(st, mark_read_txn, r, req->errbuf);
	return rc;
}

/* Both directions merged by time. */
static const struct ic_msg **merged(struct conv_read *r, size_t *n)
{
	const struct ic_msg **all;

	*n = r->nout + r->nin;
	all = ic_arena_calloc(r->a, *n ? *n : 1, sizeof(*all));
	if (all == NULL)
		return NULL;
	*n = 0;
	/* Issue 15: our reactions show under their targets, not here. */
	for (size_t i = 0; i < r->nout; i++)
		if (!r->out[i].reaction && (r->out[i].in_reply_to == NULL ||
		                            !ic_emoji_one(r->out[i].text)))
			all[(*n)++] = &r->out[i];
	for (size_t i = 0; i < r->nin; i++)
		all[(*n)++] = &r->in[i];
	qsort(all, *n, sizeof(*all), ic_msg_by_time);
	return all;
}

/* Ours only: what we received has no delivery state. */
static const char *state_of(const struct ic_conv *c, const struct ic_msg *m)
{
	return m->dir == 'o' ? ic_msg_state_name(ic_msg_delivery(c, m->seq))
	                     : "";
}

/* Messages of one side closer than this in time are one group: one
 * name, one photo, bubbles drawn together (issue 14). */
#define GROUP_SECONDS 300

/* "2026-12-05": the UTC day of @p t (the script regroups by the reader's
 * own day). */
static void day_of(long long t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, 16, "d%d", (int)(t / 86400 % 100000000));
	else
		strftime(out, 16, "%Y-%m-%d", &tm);
}

/* A day separator: "Today", "Yesterday" or the date. */
static enum ic_err day_item(struct ic_req *req, long long t, long long now)
{
	char day[16], today[16], yesterday[16], label[48], iso[32], human[32];
	time_t tt = (time_t)t;
	struct tm tm;
	const struct ic_html_var vars[] = {
	        {"label", label, IC_HTML_TEXT},
	        {"day", day, IC_HTML_TEXT},
	};

	day_of(t, day);
	day_of(now, today);
	day_of(now - 86400, yesterday);
	if (strcmp(day, today) == 0)
		snprintf(label, sizeof(label), "Today");
	else if (strcmp(day, yesterday) == 0)
		snprintf(label, sizeof(label), "Yesterday");
	else if (gmtime_r(&tt, &tm) != NULL)
		strftime(label, sizeof(label), "%A %d %B %Y", &tm);
	else
		ic_page_time(t, iso, human), snprintf(label, 48, "%s", human);
	return ic_page_render(req,
	                      "<li class=\"day\" data-day=\"{{day}}\">"
	                      "<span>{{label}}</span></li>\n",
	                      vars, ARRAY_SIZE(vars));
}

/* What each delivery mark means, for its title (the mark itself is
 * drawn by the style sheet; the state's name is the text alternative). */
static const char *state_title(const char *state)
{
	if (strcmp(state, "fetched") == 0)
		return "Fetched: their site has read it";
	if (strcmp(state, "notified") == 0)
		return "Notified: their site was told it is there";
	return "Stored: published in your feed";
}

/* A message of a few emoji and nothing else is shown big, as
 * messengers do (the script does the same for what it adds): pictographs,
 * their modifiers and joiners, flags' regional indicators, spaces. */
static bool emoji_only(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int pictures = 0;

	while (p && *p) {
		unsigned cp;
		size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		cp = n == 1   ? *p
		     : n == 2 ? (*p & 0x1fu) << 6 | (p[1] & 0x3fu)
		     : n == 3 ? (*p & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 |
		                        (p[2] & 0x3fu)
		              : (*p & 0x07u) << 18 | (p[1] & 0x3fu) << 12 |
		                        (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
		p += n;
		if (cp == ' ' || cp == '\n' || cp == 0x200d || cp == 0xfe0f ||
		    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
		    (cp >= 0xe0020 && cp <= 0xe007f))
			continue;
		if ((cp >= 0x2600 && cp <= 0x27bf) ||
		    (cp >= 0x1f000 && cp <= 0x1faff))
			pictures++;
		else
			return false;
	}
	return pictures > 0 && pictures <= 8;
}

/* Their HTML (sanitized) is shown as it is, unless it holds no link
 * while its text has an address: a sender that publishes plain text
 * (IndieChat does) would otherwise show addresses that cannot be
 * clicked, so the text is shown linkified instead (issue 14). */
static bool use_html(const struct ic_msg *m)
{
	if (m->html == NULL || *m->html == '\0')
		return false;
	return strstr(m->html, "<a ") != NULL ||
	       !ic_linkify_has_address(m->text);
}

/* Issue 15: above a reply's text, the message it answers (who, first
 * line) as a link to it; or that it answers a message not here. */
static enum ic_err quote_item(struct ic_req *req, const struct conv_read *r,
                              const struct ic_msg *m)
{
	const struct ic_msg *q = target_of(r, m);
	char id[48];
	const struct ic_html_var vars[] = {
	        {"id", id, IC_HTML_TEXT},
	        {"author",
	         q && q->dir == 'o' ? "You" : ic_page_peer_label(&r->conv),
	         IC_HTML_TEXT},
	        {"text",
	         q ? ic_msg_quote(req->arena, q->text, QUOTE_BYTES) : "",
	         IC_HTML_TEXT},
	};

	if (m->in_reply_to == NULL && !m->reply_unknown)
		return IC_OK;
	if (q == NULL)
		return ic_page_render(
		        req,
		        "<p class=\"quote missing\">"
		        "<span aria-hidden=\"true\">&#8618; </span>"
		        "Reply to a message not here</p>",
		        NULL, 0);
	if (vars[2].value == NULL)
		return IC_ERR_NOMEM;
	snprintf(id, sizeof(id), "m-%c-%lld", q->dir, q->seq);
	return ic_page_render(req,
	                      "<a class=\"quote\" href=\"#{{id}}\" "
	                      "data-target=\"{{id}}\">"
	                      "<span class=\"vh\">In reply to </span>"
	                      "<span class=\"quote-author\">{{author}}</span>"
	                      "<span class=\"quote-text\">{{text}}</span></a>",
	                      vars, ARRAY_SIZE(vars));
}

static enum ic_err message_item(struct ic_req *req, const struct conv_read *r,
                                const struct ic_msg *m, bool cont)
{
	const struct ic_conv *c = &r->conv;
	char iso[32], human[32], seq[24], hm[8];
	bool out = m->dir == 'o';
	time_t tt = (time_t)m->published;
	struct tm tm;
	const struct ic_html_var vars[] = {
	        {"dir", out ? "out" : "in", IC_HTML_TEXT},
	        {"d", out ? "o" : "i", IC_HTML_TEXT},
	        {"seq", seq, IC_HTML_TEXT},
	        {"author", out ? "You" : ic_page_peer_label(c), IC_HTML_TEXT},
	        {"photo", c->peer_photo ? c->peer_photo : "", IC_HTML_URL},
	        {"iso", iso, IC_HTML_TEXT},
	        {"human", human, IC_HTML_TEXT},
	        {"hm", hm, IC_HTML_TEXT},
	        /* Received HTML was sanitized with the allow-list before it
	         * was stored (MC-3). */
	        {"html", m->html ? m->html : "", IC_HTML_TRUSTED},
	        {"state", state_of(c, m), IC_HTML_TEXT},
	        {"title", out ? state_title(state_of(c, m)) : "", IC_HTML_TEXT},
	        {"cont", cont ? " cont" : "", IC_HTML_TEXT},
	        {"emoji", emoji_only(m->text) ? " emoji-only" : "",
	         IC_HTML_TEXT},
	        {"vh", out || cont ? " vh" : "", IC_HTML_TEXT},
	        {"uid", m->uid ? m->uid : "", IC_HTML_TEXT},
	};
	enum ic_err rc;

	snprintf(seq, sizeof(seq), "%lld", m->seq);
	ic_page_time(m->published, iso, human);
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(hm, sizeof(hm), "%H:%M", &tm) == 0)
		snprintf(hm, sizeof(hm), "?");
	rc = ic_page_render(req,
	                    "<li class=\"message {{dir}}{{cont}}{{emoji}}\" "
	                    "data-seq=\"{{seq}}\" data-uid=\"{{uid}}\" "
	                    "id=\"m-{{d}}-{{seq}}\">",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && !out && !cont && c->peer_photo &&
	    ic_html_url_ok(c->peer_photo))
		rc = ic_page_render(req,
		                    "<img class=\"photo\" src=\"{{photo}}\" "
		                    "alt=\"\" width=\"32\" height=\"32\">",
		                    vars, ARRAY_SIZE(vars));
	/* The name is said once per group; for ours ("You") and inside a
	 * group it is there for screen readers only. */
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<div class=\"bubble\">"
		        "<span class=\"author{{vh}}\">{{author}}</span>",
		        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = quote_item(req, r, m);
	if (rc == IC_OK && m->deleted) /* issue 15: its tombstone */
		rc = ic_page_render(
		        req, "<p class=\"text deleted\">Message deleted</p>",
		        NULL, 0);
	else if (rc == IC_OK && use_html(m))
		rc = ic_page_render(req, "<div class=\"text\">{{html}}</div>",
		                    vars, ARRAY_SIZE(vars));
	else if (rc == IC_OK) {
		/* Plain text: escaped, then its addresses made links. */
		rc = ic_page_render(req, "<p class=\"text\">", NULL, 0);
		if (rc == IC_OK)
			rc = ic_html_linkify(&req->resp.body,
			                     m->text ? m->text : "");
		if (rc == IC_OK)
			rc = ic_page_render(req, "</p>", NULL, 0);
	}
	if (rc == IC_OK)
		rc = ic_page_attachments(req, r->id, m);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<span class=\"meta\"><time datetime=\"{{iso}}\" "
		        "title=\"{{human}}\">{{hm}}</time>",
		        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && m->updated && !m->deleted)
		rc = ic_page_render(
		        req, " <span class=\"edited\">edited</span>", NULL, 0);
	if (rc == IC_OK && out)
		rc = ic_page_render(
		        req,
		        " <span class=\"state\" "
		        "data-state=\"{{state}}\" title=\"{{title}}\">"
		        "<span class=\"vh\">{{state}}</span></span>",
		        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(req, "</span></div>", NULL, 0);
	if (rc == IC_OK)
		rc = ic_page_react_reply(req, c, m);
	if (rc == IC_OK)
		rc = ic_page_react_item(req, c, m);
	if (rc == IC_OK)
		rc = ic_page_react_more(req, c, m);
	return rc == IC_OK ? ic_page_render(req, "</li>\n", NULL, 0) : rc;
}

/* The messages with a separator before each new day and consecutive
 * ones of one side grouped. */
static enum ic_err message_list(struct ic_req *req, const struct conv_read *r,
                                const struct ic_msg **all, size_t n)
{
	long long now = (long long)time(NULL);
	char day[16] = "", prev_day[16] = "";
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < n; i++) {
		const struct ic_msg *m = all[i], *p = i ? all[i - 1] : NULL;
		bool cont;

		day_of(m->published, day);
		if (strcmp(day, prev_day) != 0) {
			rc = day_item(req, m->published, now);
			p = NULL; /* a new day starts a new group */
		}
		memcpy(prev_day, day, sizeof(day));
		cont = p && p->dir == m->dir &&
		       m->published - p->published < GROUP_SECONDS;
		if (rc == IC_OK)
			rc = message_item(req, r, m, cont);
	}
	return rc;
}

/* Issue 15: the quote bar above the compose box, and the hidden field
 * the Reply action fills (the script, or ?reply_to= without it).  Hidden
 * while the message answers nothing. */
static enum ic_err reply_bar(struct ic_req *req, const struct conv_read *r,
                             const char *here)
{
	const struct ic_msg *q = r->reply.uid ? &r->reply : NULL;
	const struct ic_html_var vars[] = {
	        {"uid", q ? q->uid : "", IC_HTML_TEXT},
	        {"author",
	         q == NULL       ? ""
	         : q->dir == 'o' ? "You"
	                         : ic_page_peer_label(&r->conv),
	         IC_HTML_TEXT},
	        {"text",
	         q ? ic_msg_quote(req->arena, q->text, QUOTE_BYTES) : "",
	         IC_HTML_TEXT},
	        {"here", here, IC_HTML_URL},
	};

	enum ic_err rc;

	if (vars[3].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(req,
	                    "<input type=\"hidden\" id=\"reply-to\" "
	                    "name=\"reply_to\" value=\"{{uid}}\">\n",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        q ? "<div id=\"reply-bar\" class=\"reply-bar\">"
		          : "<div id=\"reply-bar\" class=\"reply-bar\" "
		            "hidden>",
		        NULL, 0);
	if (rc != IC_OK)
		return rc;
	return ic_page_render(
	        req,
	        "<div class=\"quote\"><span class=\"quote-label\">Replying to "
	        "</span><span class=\"quote-author\">{{author}}</span>"
	        "<span class=\"quote-text\">{{text}}</span></div>"
	        "<a id=\"reply-cancel\" class=\"cancel\" href=\"{{here}}\" "
	        "role=\"button\" title=\"Cancel the reply (Esc)\">"
	        "<span aria-hidden=\"true\">&#10005;</span>"
	        "<span class=\"vh\">Cancel the reply</span></a></div>\n",
	        vars, ARRAY_SIZE(vars));
}

/* Issue 15: what a message's item holds besides its bubble (Reply, the
 * reaction picker, our menu), drawn once for each side with the uid
 * __UID__, so the script gives a message it adds live the same controls
 * without a second copy of their markup. */
static enum ic_err tool_templates(struct ic_req *req, const struct ic_conv *c)
{
	struct ic_msg m = {0};
	enum ic_err rc = IC_OK;

	if (ic_conv_closed(c->state))
		return IC_OK;
	m.uid = "__UID__";
	m.conv = c->id;
	for (int i = 0; rc == IC_OK && i < 2; i++) {
		m.dir = i ? 'o' : 'i';
		rc = ic_page_render(req,
		                    i ? "<template id=\"tools-out\">"
		                      : "<template id=\"tools-in\">",
		                    NULL, 0);
		if (rc == IC_OK)
			rc = ic_page_react_reply(req, c, &m);
		if (rc == IC_OK)
			rc = ic_page_react_item(req, c, &m);
		if (rc == IC_OK)
			rc = ic_page_react_more(req, c, &m);
		if (rc == IC_OK)
			rc = ic_page_render(req, "</template>\n", NULL, 0);
	}
	return rc;
}

static enum ic_err compose_form(struct ic_req *req, const struct ic_owner *o,
                                const struct conv_read *r, const char *here)
{
	const struct ic_conv *c = &r->conv;
	char max_file[24], max_message[24], max_files[24];
	const struct ic_html_var vars[] = {
	        {"send", ic_url_send(req->arena, &req->cfg), IC_HTML_URL},
	        {"to", c->peer, IC_HTML_TEXT},
	        {"text", r->edit.uid ? r->edit.text : "", IC_HTML_TEXT},
	        {"max_file", max_file, IC_HTML_TEXT},
	        {"max_message", max_message, IC_HTML_TEXT},
	        {"max_files", max_files, IC_HTML_TEXT},
	};
	size_t file_max, message_max;
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	/* The site's own caps, for the script to check before an upload
	 * starts (send checks them again: the script is a convenience). */
	ic_attach_limits(&req->cfg, &file_max, &message_max);
	snprintf(max_file, sizeof(max_file), "%zu", file_max);
	snprintf(max_message, sizeof(max_message), "%zu", message_max);
	snprintf(max_files, sizeof(max_files), "%d", IC_MAX_ATTACHMENTS);
	if (ic_conv_closed(c->state))
		return ic_page_render(req,
		                      "<p class=\"muted\">This conversation is "
		                      "closed.</p>\n",
		                      NULL, 0);
	rc = ic_page_render(req,
	                    "<form id=\"compose\" method=\"post\" "
	                    "action=\"{{send}}\" "
	                    "enctype=\"multipart/form-data\" "
	                    "data-max-file=\"{{max_file}}\" "
	                    "data-max-message=\"{{max_message}}\" "
	                    "data-max-files=\"{{max_files}}\">\n",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = reply_bar(req, r, here);
	if (rc == IC_OK)
		rc = ic_page_react_edit_bar(req, r->edit.uid ? &r->edit : NULL,
		                            here);
	if (rc != IC_OK)
		return rc;
	rc = ic_page_render(
	        req,
	        "<label for=\"text\" class=\"vh\">Message</label>\n"
	        "<textarea id=\"text\" name=\"text\" rows=\"1\" "
	        "placeholder=\"Message\" required>{{text}}</textarea>\n"
	        "<input type=\"hidden\" name=\"to\" value=\"{{to}}\">\n"
	        /* Issue 15: photos and files (send's IC_NEED_UPLOAD). */
	        "<label class=\"attach\" for=\"file\" title=\"Attach files\">"
	        "<span aria-hidden=\"true\">&#128206;</span>"
	        "<span class=\"vh\">Attach files</span></label>"
	        "<input type=\"file\" id=\"file\" name=\"file\" multiple>",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, o, here);
	return rc == IC_OK
	               ? ic_page_render(req,
	                                "\n<button type=\"submit\">Send"
	                                "</button>\n<p id=\"compose-result\" "
	                                "role=\"status\"></p>\n</form>\n",
	                                NULL, 0)
	               : rc;
}

/* Their feed could not be read the last time: say why (issue 11). */
/* TE-14: the token we held for their feed died and could not be
 * refreshed; we asked them for a ticket.  Their messages wait until it
 * comes, so the owner is told why nothing new shows. */
static enum ic_err ticket_wait(struct ic_req *req, const struct ic_conv *c)
{
	char iso[32], human[32];
	const struct ic_html_var vars[] = {
	        {"name", ic_page_peer_label(c), IC_HTML_TEXT},
	        {"iso", iso, IC_HTML_TEXT},
	        {"when", human, IC_HTML_TEXT},
	};

	if (c->ticket_asked == 0)
		return IC_OK;
	ic_page_time(c->ticket_asked, iso, human);
	return ic_page_render(req,
	                      "<p class=\"problem\" role=\"status\" "
	                      "id=\"ticket-wait\">Waiting for a new ticket "
	                      "from {{name}} (asked <time datetime=\"{{iso}}\">"
	                      "{{when}}</time>): their new messages arrive "
	                      "once it comes.</p>\n",
	                      vars, ARRAY_SIZE(vars));
}

static enum ic_err fetch_problem(struct ic_req *req, const struct ic_conv *c)
{
	char iso[32], human[32];
	const struct ic_html_var vars[] = {
	        {"why", c->fetch_error, IC_HTML_TEXT},
	        {"when", human, IC_HTML_TEXT},
	};

	if (c->fetch_error == NULL)
		return IC_OK;
	ic_page_time(c->fetch_error_at, iso, human);
	return ic_page_render(req,
	                      "<p class=\"problem\" role=\"status\" "
	                      "id=\"fetch-error\">Their feed could not be read "
	                      "({{when}}): {{why}}</p>\n",
	                      vars, ARRAY_SIZE(vars));
}

/* The page shows at most IC_PAGE_MESSAGES of the merged history: the
 * newest before the bounds.  Keep the newest of @p all, and move the
 * bounds to the oldest kept of each side, for the "older messages" link
 * and its JSON; true when anything is older still. */
static bool trim(struct conv_read *r, const struct ic_msg ***all, size_t *n)
{
	size_t drop = *n > IC_PAGE_MESSAGES ? *n - IC_PAGE_MESSAGES : 0;
	long long lo_out = 0, lo_in = 0;

	*all += drop;
	*n -= drop;
	for (size_t i = 0; i < *n; i++) {
		const struct ic_msg *m = (*all)[i];
		long long *lo = m->dir == 'o' ? &lo_out : &lo_in;

		if (*lo == 0 || m->seq < *lo)
			*lo = m->seq;
	}
	/* A side with nothing kept has everything left below the old bound
	 * (or below its newest + 1). */
	r->before_out = lo_out          ? lo_out
	                : r->before_out ? r->before_out
	                                : r->conv.out_seq + 1;
	r->before_in = lo_in          ? lo_in
	               : r->before_in ? r->before_in
	                              : r->conv.in_seq + 1;
	return r->before_out > 1 || r->before_in > 1;
}

static long long query_seq(struct ic_req *req, const char *name);

/* Issue 16: the owner's notifications of this conversation, muted or
 * not, and the button that turns them the other way (B/ticket/mute and
 * /unmute, as `feed --mute URL`).  Declined and blocked sites notify
 * nothing anyway: no button. */
static enum ic_err mute_form(struct ic_req *req, const struct ic_owner *o,
                             const struct ic_conv *conv, const char *here)
{
	bool muted = conv->notify_muted;

	if (conv->state == IC_CONV_DECLINED || conv->state == IC_CONV_BLOCKED)
		return IC_OK;
	return ic_page_action_form(req, o, muted ? "unmute" : "mute",
	                           muted ? "Unmute" : "Mute", conv->peer, here);
}

enum ic_err ic_page_conversation(struct ic_req *req)
{
	struct conv_read r = {0};
	const struct ic_msg **all;
	const struct ic_owner *o = req->owner;
	const char *title, *here, *inbox;
	size_t n;
	bool older;
	enum ic_err rc;

	r.before_out = query_seq(req, "out_before");
	r.before_in = query_seq(req, "in_before");
	r.reply_to = ic_form_get(&req->query, "reply_to");
	r.edit_uid = ic_form_get(&req->query, "edit");
	rc = load(req, &r);
	if (rc != IC_OK)
		return rc;
	all = merged(&r, &n);
	title = ic_arena_printf(req->arena, "%s", ic_page_peer_label(&r.conv));
	here = ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, r.id));
	inbox = ic_url_inbox(req->arena, &req->cfg);
	if (all == NULL || title == NULL || here == NULL || inbox == NULL)
		return IC_ERR_NOMEM;
	older = trim(&r, &all, &n);
	rc = ic_page_owner_begin(req, title, o, "conversation", r.id);
	/* The list beside the conversation on a wide screen; on a phone the
	 * conversation alone, with a way back (indiechat.css). */
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<div class=\"app app-conversation\">\n"
		                    "<div id=\"sidebar\" class=\"sidebar\">\n",
		                    NULL, 0);
	if (rc == IC_OK)
		rc = ic_page_sidebar(req, o, here, r.id);
	if (rc == IC_OK) {
		const struct ic_html_var vars[] = {
		        {"inbox", inbox, IC_HTML_URL},
		};

		rc = ic_page_render(
		        req,
		        "</div>\n<section id=\"pane\" class=\"pane\" "
		        "aria-labelledby=\"conv-h\">\n<header class=\"conv-head\">"
		        "<a id=\"back\" class=\"back\" href=\"{{inbox}}\">"
		        "<span aria-hidden=\"true\">&#8592;</span> "
		        "<span class=\"vh\">Back to the </span>Inbox</a>",
		        vars, ARRAY_SIZE(vars));
	}
	if (rc == IC_OK)
		rc = ic_page_avatar(req, r.conv.peer,
		                    ic_page_peer_label(&r.conv),
		                    r.conv.peer_photo);
	if (rc == IC_OK) {
		const struct ic_html_var vars[] = {
		        {"name", ic_page_peer_label(&r.conv), IC_HTML_TEXT},
		        {"peer", r.conv.peer, IC_HTML_URL},
		        {"peertext", r.conv.peer, IC_HTML_TEXT},
		        {"state", ic_conv_state_name(r.conv.state),
		         IC_HTML_TEXT},
		};

		rc = ic_page_render(
		        req,
		        "<div class=\"who\"><h1 id=\"conv-h\">{{name}}</h1>\n"
		        "<p class=\"muted\"><a href=\"{{peer}}\">{{peertext}}</a>"
		        " · <span id=\"conv-state\">{{state}}</span></p></div>",
		        vars, ARRAY_SIZE(vars));
	}
	if (rc == IC_OK)
		rc = mute_form(req, o, &r.conv, here);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</header>\n", NULL, 0);
	if (rc == IC_OK)
		rc = ticket_wait(req, &r.conv);
	if (rc == IC_OK && r.conv.ticket_asked == 0)
		rc = fetch_problem(req, &r.conv);
	/* The scroller lays its content out from the bottom (indiechat.css),
	 * so the page opens at the newest message even without the script
	 * and after a form post. */
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<div id=\"scroller\" class=\"scroller\" "
		                    "tabindex=\"0\" role=\"region\" "
		                    "aria-label=\"Messages\">\n<div>\n",
		                    NULL, 0);
	if (rc == IC_OK && older) {
		char ob[24], ib[24];
		const struct ic_html_var vars[] = {
		        {"ob", ob, IC_HTML_TEXT},
		        {"ib", ib, IC_HTML_TEXT},
		};

		snprintf(ob, sizeof(ob), "%lld", r.before_out);
		snprintf(ib, sizeof(ib), "%lld", r.before_in);
		rc = ic_page_render(
		        req,
		        "<p class=\"older\"><a id=\"older\" "
		        "href=\"?out_before={{ob}}&amp;in_before="
		        "{{ib}}\" data-out-before=\"{{ob}}\" "
		        "data-in-before=\"{{ib}}\">Older messages</a>"
		        "</p>\n",
		        vars, ARRAY_SIZE(vars));
	}
	/* The newest seqs of each side: the script asks only for what is
	 * newer, also for a side none of whose messages are on this page. */
	if (rc == IC_OK) {
		char os[24], is[24], ch[24];
		const struct ic_html_var vars[] = {
		        {"os", os, IC_HTML_TEXT},
		        {"is", is, IC_HTML_TEXT},
		        {"ch", ch, IC_HTML_TEXT},
		};

		snprintf(os, sizeof(os), "%lld", r.conv.out_seq);
		snprintf(is, sizeof(is), "%lld", r.conv.in_seq);
		/* Issue 15: messages changed in place (store_conv.h). */
		snprintf(ch, sizeof(ch), "%lld", r.conv.changes);
		rc = ic_page_render(req,
		                    "<ol id=\"messages\" aria-live=\"polite\" "
		                    "data-out-seq=\"{{os}}\" "
		                    "data-in-seq=\"{{is}}\" "
		                    "data-changes=\"{{ch}}\">\n",
		                    vars, ARRAY_SIZE(vars));
	}
	if (rc == IC_OK)
		rc = message_list(req, &r, all, n);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</ol>\n</div>\n</div>\n", NULL, 0);
	if (rc == IC_OK)
		rc = compose_form(req, o, &r, here);
	if (rc == IC_OK)
		rc = tool_templates(req, &r.conv);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</section>\n</div>\n", NULL, 0);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}

/* --- JSON
 * --------------------------------------------------------------------- */

static long long query_seq(struct ic_req *req, const char *name)
{
	const char *v = ic_form_get(&req->query, name);
	char *end;
	long long n = v ? strtoll(v, &end, 10) : 0;

	return v && *end == '\0' && n > 0 ? n : 0;
}

/* Issue 15: "in_reply_to" (the uid answered) and "quote" as the page
 * draws it: {"id": the answered item's element id, "author", "text"};
 * "reply_unknown" when it answers a message not here. */
static bool reply_json(struct ic_arena *a, const struct conv_read *r,
                       const struct ic_msg *m, cJSON *e)
{
	const struct ic_msg *q = target_of(r, m);
	char id[48];
	cJSON *j;

	if (m->in_reply_to &&
	    !cJSON_AddStringToObject(e, "in_reply_to", m->in_reply_to))
		return false;
	if ((m->in_reply_to || m->reply_unknown) && q == NULL)
		return cJSON_AddTrueToObject(e, "reply_unknown") != NULL;
	if (q == NULL)
		return true;
	snprintf(id, sizeof(id), "m-%c-%lld", q->dir, q->seq);
	j = cJSON_AddObjectToObject(e, "quote");
	return j && cJSON_AddStringToObject(j, "id", id) &&
	       cJSON_AddStringToObject(
	               j, "author",
	               q->dir == 'o' ? "You" : ic_page_peer_label(&r->conv)) &&
	       cJSON_AddStringToObject(j, "text",
	                               ic_msg_quote(a, q->text, QUOTE_BYTES));
}

static cJSON *message_json(struct ic_req *req, const struct conv_read *r,
                           const struct ic_msg *m)
{
	struct ic_arena *a = req->arena;
	const struct ic_conv *c = &r->conv;
	cJSON *e = cJSON_CreateObject();
	char iso[32], human[32];

	ic_page_time(m->published, iso, human);
	if (e == NULL || !cJSON_AddNumberToObject(e, "seq", (double)m->seq) ||
	    !cJSON_AddStringToObject(e, "dir", m->dir == 'o' ? "out" : "in") ||
	    !cJSON_AddStringToObject(e, "uid", m->uid ? m->uid : "") ||
	    !cJSON_AddStringToObject(e, "published", iso) ||
	    !cJSON_AddStringToObject(e, "time", human) ||
	    !cJSON_AddStringToObject(e, "text", m->text ? m->text : "") ||
	    (m->html && !cJSON_AddStringToObject(e, "html", m->html)) ||
	    !cJSON_AddStringToObject(e, "author",
	                             m->dir == 'o' ? "You"
	                                           : ic_page_peer_label(c)) ||
	    (m->dir == 'i' && c->peer_photo &&
	     !cJSON_AddStringToObject(e, "photo", c->peer_photo)) ||
	    (m->dir == 'o' &&
	     !cJSON_AddStringToObject(e, "state", state_of(c, m))) ||
	    !reply_json(a, r, m, e) ||
	    (m->my_reaction &&
	     !cJSON_AddStringToObject(e, "my_reaction", m->my_reaction)) ||
	    (m->their_reaction &&
	     !cJSON_AddStringToObject(e, "their_reaction",
	                              m->their_reaction)) ||
	    (m->updated && !cJSON_AddTrueToObject(e, "edited")) ||
	    (m->deleted && !cJSON_AddTrueToObject(e, "deleted")) ||

	    !ic_page_attachments_json(req, r->id, m, e)) {
		cJSON_Delete(e);
		return NULL;
	}
	return e;
}

enum ic_err ic_page_api_conversation(struct ic_req *req)
{
	struct conv_read r = {0};
	const struct ic_msg **all;
	cJSON *j, *arr;
	size_t n;
	bool paging, older = false;
	enum ic_err rc;

	r.after_out = query_seq(req, "out");
	r.after_in = query_seq(req, "in");
	r.before_out = query_seq(req, "out_before");
	r.before_in = query_seq(req, "in_before");
	paging = r.before_out || r.before_in;
	rc = load(req, &r);
	if (rc != IC_OK)
		return rc;
	all = merged(&r, &n);
	/* "Older messages": a page as the HTML one, with the next bounds. */
	if (all != NULL && paging) {
		older = trim(&r, &all, &n);
		paging = true;
	}
	j = cJSON_CreateObject();
	arr = j ? cJSON_AddArrayToObject(j, "messages") : NULL;
	if (all == NULL || arr == NULL ||
	    !cJSON_AddStringToObject(j, "conv", r.id) ||
	    !cJSON_AddStringToObject(j, "peer", r.conv.peer) ||
	    !cJSON_AddStringToObject(j, "state",
	                             ic_conv_state_name(r.conv.state)) ||
	    !cJSON_AddNumberToObject(j, "out_seq", (double)r.conv.out_seq) ||
	    !cJSON_AddNumberToObject(j, "in_seq", (double)r.conv.in_seq) ||
	    !cJSON_AddNumberToObject(j, "changes", (double)r.conv.changes) ||
	    !cJSON_AddBoolToObject(j, "waiting_for_ticket",
	                           r.conv.ticket_asked != 0) ||
	    (paging &&
	     (!cJSON_AddNumberToObject(j, "out_before", (double)r.before_out) ||
	      !cJSON_AddNumberToObject(j, "in_before", (double)r.before_in) ||
	      !cJSON_AddBoolToObject(j, "older", older)))) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *e = message_json(req, &r, all[i]);

		if (e == NULL || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			cJSON_Delete(j);
			return IC_ERR_NOMEM;
		}
	}
	return ic_page_json_etag(req, j);
}
