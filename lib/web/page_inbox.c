/*
 * page_inbox.c - the inbox, the contacts page and the inbox JSON (see
 * page_inbox.h).
 */
#include "web/page_inbox.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/digest.h"
#include "text/html.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/session.h"
#include "store/store.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *ic_page_peer_label(const struct ic_conv *c)
{
	return c->peer_name && *c->peer_name ? c->peer_name : c->peer;
}

struct list_ctx {
	struct ic_arena *a;
	struct ic_conv *convs;
	size_t n;
	bool with_last;             /* also read each one's last message */
	const struct ic_msg **last; /* [n]: the newest message, or NULL */
};

/* The newest message of @p dir in @p v, or NULL. */
static const struct ic_msg *last_of(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_conv *v, char dir)
{
	long long seq = dir == 'o' ? v->out_seq : v->in_seq;
	struct ic_msg *m = NULL;
	size_t n = 0;

	if (seq <= 0 ||
	    ic_store_msg_range_in_txn(t, a, v->id, dir, seq, seq, &m, &n) !=
	            IC_OK ||
	    n == 0)
		return NULL;
	return m;
}

/* When a conversation last moved: its record or its newest message. */
static long long activity(const struct list_ctx *c, size_t i)
{
	const struct ic_conv *v = &c->convs[i];
	long long t = v->updated ? v->updated : v->created;

	if (c->last && c->last[i] && c->last[i]->published > t)
		t = c->last[i]->published;
	return t;
}

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct list_ctx *c = p;
	enum ic_err rc = ic_store_conv_list_in_txn(t, c->a, &c->convs, &c->n);

	if (rc != IC_OK || !c->with_last || c->n == 0)
		return rc;
	/* Two point reads per open conversation: the preview of the list
	 * (issue 14) costs no scan of any history.  Closed ones are not
	 * shown in the list, so they are not read. */
	c->last = ic_arena_calloc(c->a, c->n, sizeof(*c->last));
	if (c->last == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++) {
		const struct ic_conv *v = &c->convs[i];
		const struct ic_msg *o, *in;

		if (ic_conv_closed(v->state))
			continue;
		o = last_of(t, c->a, v, 'o');
		in = last_of(t, c->a, v, 'i');
		c->last[i] = o == NULL                                   ? in
		             : in == NULL || ic_msg_by_time(&o, &in) > 0 ? o
		                                                         : in;
	}
	return IC_OK;
}

/* Newest activity first, as a messenger's list (insertion sort: the
 * store already gives them nearly in this order). */
static void sort_by_activity(struct list_ctx *c)
{
	for (size_t i = 1; i < c->n; i++) {
		for (size_t j = i; j > 0 && activity(c, j) > activity(c, j - 1);
		     j--) {
			struct ic_conv v = c->convs[j];
			const struct ic_msg *m = c->last[j];

			c->convs[j] = c->convs[j - 1];
			c->last[j] = c->last[j - 1];
			c->convs[j - 1] = v;
			c->last[j - 1] = m;
		}
	}
}

static enum ic_err list(struct ic_req *req, struct list_ctx *c, bool with_last)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	c->a = req->arena;
	c->convs = NULL;
	c->n = 0;
	c->last = NULL;
	c->with_last = with_last;
	if (rc == IC_OK)
		rc = ic_store_view(st, list_txn, c, req->errbuf);
	if (rc == IC_OK && c->last)
		sort_by_activity(c);
	return rc;
}

static long long unread_total(const struct list_ctx *c)
{
	long long n = 0;

	for (size_t i = 0; i < c->n; i++)
		if (!ic_conv_closed(c->convs[i].state))
			n += c->convs[i].unread;
	return n;
}

/* --- The conversation list (issue 14) ----------------------------------
 *
 * Each correspondent as a messenger lists them: photo or initials, name,
 * a one-line preview of the last message, a short time, the unread count.
 * The initials' colour is one of IC_PAGE_AVATAR_COLOURS classes chosen by
 * a hash of the URL, so it is stable, needs no inline style (the CSP
 * allows none) and is the same on every page. */

#define IC_PAGE_AVATAR_COLOURS 8
#define PREVIEW_BYTES          90

static unsigned avatar_colour(const char *url)
{
	uint32_t h = 2166136261u; /* FNV-1a: small, stable, good enough */

	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % IC_PAGE_AVATAR_COLOURS;
}

/* Bytes of the UTF-8 sequence starting at @p p (1 for a bad lead byte). */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = *p < 0xc0 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* Up to two initials of @p name ("Alice Example" -> "AE"); for a bare
 * URL the first letter of its host ("https://www.bob.example/" -> "B"). */
static const char *initials(struct ic_arena *a, const char *name)
{
	char out[16];
	size_t o = 0, words = 0;
	const char *p = name, *sep;

	if ((sep = strstr(p, "://")) != NULL)
		p = sep + 3;
	if (strncasecmp(p, "www.", 4) == 0)
		p += 4;
	while (*p && words < 2 && o + 4 < sizeof(out)) {
		const unsigned char *u = (const unsigned char *)p;
		size_t n;

		if (*u <= ' ' || strchr("/.-_@:", *p) != NULL) {
			p++;
			continue;
		}
		n = utf8_len(u);
		memcpy(out + o, p, n);
		if (n == 1 && *u >= 'a' && *u <= 'z')
			out[o] = (char)(*u - 'a' + 'A');
		o += n;
		words++;
		/* A URL gives one initial; a name one per word. */
		if (sep != NULL)
			break;
		while (*p && *p != ' ')
			p++;
	}
	out[o] = '\0';
	return ic_arena_printf(a, "%s", o ? out : "?");
}

/* A message of files without words: "📷 Photo", "📎 report.pdf",
 * "📎 3 files". */
static const char *files_preview(struct ic_arena *a, const struct ic_msg *m)
{
	bool photo =
	        m->att[0].type && strncmp(m->att[0].type, "image/", 6) == 0;
	const char *what = m->natt > 1
	                           ? ic_arena_printf(a, "%zu files", m->natt)
	                   : photo ? "Photo"
	                           : m->att[0].name;

	return ic_arena_printf(a, "%s%s %s", m->dir == 'o' ? "You: " : "",
	                       photo && m->natt == 1
	                               ? "\xf0\x9f\x93\xb7"  /* camera */
	                               : "\xf0\x9f\x93\x8e", /* paper clip */
	                       what ? what : "");
}

/* The last message on one line, "You: " before ours, cut at a character
 * boundary. */
static const char *preview(struct ic_arena *a, const struct ic_msg *m)
{
	char out[PREVIEW_BYTES + 8];
	size_t o = 0;
	bool space = false;
	const char *p = m && m->text ? m->text : "";

	for (; *p && o < PREVIEW_BYTES;) {
		size_t n = utf8_len((const unsigned char *)p);

		if ((unsigned char)*p <= ' ') {
			space = o > 0;
			p++;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		if (o + n > PREVIEW_BYTES)
			break;
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (*p)
		memcpy(out + o, "\xe2\x80\xa6", 3), o += 3; /* "…" */
	out[o] = '\0';
	if (m == NULL)
		return "No messages yet";
	/* What a messenger's list says of what has no words of its own. */
	if (m->deleted)
		return m->dir == 'o' ? "You deleted a message"
		                     : "Message deleted";
	if (m->reaction)
		return ic_arena_printf(a, "You reacted %s", out);
	if (o == 0 && m->natt > 0)
		return files_preview(a, m);
	return ic_arena_printf(a, "%s%s", m->dir == 'o' ? "You: " : "", out);
}

/* The short time of the list, in UTC (the script rewrites it in the
 * reader's time zone): "now", "5 min", "14:03" today, "Yesterday", the
 * weekday within a week, else the date. */
void ic_page_short_time(long long t, long long now, char out[32])
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tmn;
	long long d = now - t;

	if (gmtime_r(&tt, &tm) == NULL || gmtime_r(&tn, &tmn) == NULL) {
		snprintf(out, 32, "%lld", t);
		return;
	}
	if (d >= 0 && d < 60)
		snprintf(out, 32, "now");
	else if (d >= 0 && d < 3600)
		snprintf(out, 32, "%lld min", d / 60);
	else if (tm.tm_year == tmn.tm_year && tm.tm_yday == tmn.tm_yday)
		strftime(out, 32, "%H:%M", &tm);
	else if (d >= 0 && d < 2 * 86400 &&
	         (tmn.tm_yday - tm.tm_yday == 1 ||
	          (tmn.tm_yday == 0 && tmn.tm_year == tm.tm_year + 1)))
		snprintf(out, 32, "Yesterday");
	else if (d >= 0 && d < 6 * 86400)
		strftime(out, 32, "%a", &tm);
	else if (tm.tm_year == tmn.tm_year)
		strftime(out, 32, "%d %b", &tm);
	else
		strftime(out, 32, "%d %b %Y", &tm);
}

enum ic_err ic_page_avatar(struct ic_req *req, const char *peer,
                           const char *name, const char *photo)
{
	char cls[8];
	const struct ic_html_var vars[] = {
	        {"photo", photo ? photo : "", IC_HTML_URL},
	        {"cls", cls, IC_HTML_TEXT},
	        {"initials", initials(req->arena, name), IC_HTML_TEXT},
	};

	if (vars[2].value == NULL)
		return IC_ERR_NOMEM;
	snprintf(cls, sizeof(cls), "av%u", avatar_colour(peer));
	/* A photo from their h-card only when it is a safe URL; the name
	 * is next to it, so it is decoration (alt=""). */
	if (photo && ic_html_url_ok(photo))
		return ic_page_render(req,
		                      "<img class=\"avatar photo\" "
		                      "src=\"{{photo}}\" alt=\"\" width=\"40\" "
		                      "height=\"40\">",
		                      vars, ARRAY_SIZE(vars));
	return ic_page_render(req,
	                      "<span class=\"avatar {{cls}}\" "
	                      "aria-hidden=\"true\">{{initials}}</span>",
	                      vars, ARRAY_SIZE(vars));
}

/* Name, time, preview and unread count of item @p i. */
static enum ic_err summary(struct ic_req *req, const struct list_ctx *c,
                           size_t i, long long now)
{
	const struct ic_conv *v = &c->convs[i];
	char iso[32], human[32], when[32], unread[24];
	const struct ic_html_var vars[] = {
	        {"name", ic_page_peer_label(v), IC_HTML_TEXT},
	        {"unread", unread, IC_HTML_TEXT},
	        {"iso", iso, IC_HTML_TEXT},
	        {"human", human, IC_HTML_TEXT},
	        {"when", when, IC_HTML_TEXT},
	        {"preview", preview(req->arena, c->last ? c->last[i] : NULL),
	         IC_HTML_TEXT},
	};

	if (vars[5].value == NULL)
		return IC_ERR_NOMEM;
	snprintf(unread, sizeof(unread), "%lld", v->unread);
	ic_page_time(activity(c, i), iso, human);
	ic_page_short_time(activity(c, i), now, when);
	return ic_page_render(
	        req,
	        "<span class=\"summary\"><span class=\"line\">"
	        "<span class=\"name\">{{name}}</span> "
	        "<time class=\"when\" datetime=\"{{iso}}\" title=\"{{human}}\">"
	        "{{when}}</time></span>"
	        "<span class=\"line\"><span class=\"preview\">{{preview}}</span> "
	        "<span class=\"unread\" data-count=\"{{unread}}\">{{unread}}"
	        "</span><span class=\"vh unread-label\"> unread</span>"
	        "</span></span>",
	        vars, ARRAY_SIZE(vars));
}

static enum ic_err requests_section(struct ic_req *req,
                                    const struct ic_owner *o,
                                    const struct list_ctx *c, const char *here,
                                    long long now)
{
	enum ic_err rc = IC_OK;
	size_t shown = 0;

	for (size_t i = 0; rc == IC_OK && i < c->n; i++) {
		const struct ic_conv *v = &c->convs[i];
		const struct ic_html_var vars[] = {
		        {"peer", v->peer, IC_HTML_TEXT},
		        {"name", ic_page_peer_label(v), IC_HTML_TEXT},
		        {"href", v->peer, IC_HTML_URL},
		        {"open",
		         ic_url_conversation(req->arena, &req->cfg, v->id),
		         IC_HTML_URL},
		};

		if (v->state != IC_CONV_REQUEST)
			continue;
		/* The section is there only when someone is asking. */
		if (shown == 0)
			rc = ic_page_render(
			        req,
			        "<section id=\"requests\" "
			        "aria-labelledby=\"requests-h\">\n"
			        "<h2 id=\"requests-h\">Message requests</h2>\n"
			        "<ul>\n",
			        NULL, 0);
		/* Anyone can send a request: a flood must not make the
		 * inbox unusable.  The newest are shown. */
		if (rc == IC_OK && shown == IC_PAGE_MAX_REQUESTS) {
			rc = ic_page_render(req,
			                    "<li class=\"more\">More requests "
			                    "are waiting; answer these first."
			                    "</li>\n",
			                    NULL, 0);
			break;
		}
		shown++;
		if (rc == IC_OK)
			rc = vars[3].value
			             ? ic_page_render(req,
			                              "<li class=\"request\" "
			                              "data-peer=\"{{peer}}\">"
			                              "<a class=\"open\" "
			                              "href=\"{{open}}\">",
			                              vars, ARRAY_SIZE(vars))
			             : IC_ERR_NOMEM;
		if (rc == IC_OK)
			rc = ic_page_avatar(req, v->peer, ic_page_peer_label(v),
			                    v->peer_photo);
		if (rc == IC_OK)
			rc = summary(req, c, i, now);
		if (rc == IC_OK)
			rc = ic_page_render(
			        req,
			        "</a>\n<p class=\"asks\"><a class=\"name\" "
			        "href=\"{{href}}\">{{name}}</a> wants to talk.</p>"
			        "\n<div class=\"actions\">",
			        vars, ARRAY_SIZE(vars));
		if (rc == IC_OK)
			rc = ic_page_action_form(req, o, "accept", "Accept",
			                         v->peer, here);
		if (rc == IC_OK)
			rc = ic_page_action_form(req, o, "decline", "Decline",
			                         v->peer, here);
		if (rc == IC_OK)
			rc = ic_page_action_form(req, o, "block", "Block",
			                         v->peer, here);
		if (rc == IC_OK)
			rc = ic_page_render(req, "</div></li>\n", NULL, 0);
	}
	return rc == IC_OK && shown
	               ? ic_page_render(req, "</ul>\n</section>\n", NULL, 0)
	               : rc;
}

static enum ic_err conversations_section(struct ic_req *req,
                                         const struct list_ctx *c,
                                         const char *current, long long now)
{
	enum ic_err rc =
	        ic_page_render(req,
	                       "<section aria-labelledby=\"conversations-h\">\n"
	                       "<h2 id=\"conversations-h\">Conversations</h2>\n"
	                       "<ul id=\"conversations\">\n",
	                       NULL, 0);
	size_t shown = 0;

	for (size_t i = 0; rc == IC_OK && i < c->n; i++) {
		const struct ic_conv *v = &c->convs[i];
		bool here = current && strcmp(current, v->id) == 0;
		const struct ic_html_var vars[] = {
		        {"conv", v->id, IC_HTML_TEXT},
		        {"open",
		         ic_url_conversation(req->arena, &req->cfg, v->id),
		         IC_HTML_URL},
		        {"state", ic_conv_state_name(v->state), IC_HTML_TEXT},
		};

		/* Requests are listed apart, closed ones on the contacts page.
		 */
		if (ic_conv_closed(v->state) || v->state == IC_CONV_REQUEST)
			continue;
		shown++;
		rc = vars[1].value
		             ? ic_page_render(
		                       req,
		                       here ? "<li class=\"conversation\" "
		                              "data-conv=\"{{conv}}\" "
		                              "data-state=\"{{state}}\">"
		                              "<a class=\"open\" href=\"{{open}}\" "
		                              "aria-current=\"page\">"
		                            : "<li class=\"conversation\" "
		                              "data-conv=\"{{conv}}\" "
		                              "data-state=\"{{state}}\">"
		                              "<a class=\"open\" href=\"{{open}}\">",
		                       vars, ARRAY_SIZE(vars))
		             : IC_ERR_NOMEM;
		if (rc == IC_OK)
			rc = ic_page_avatar(req, v->peer, ic_page_peer_label(v),
			                    v->peer_photo);
		if (rc == IC_OK)
			rc = summary(req, c, i, now);
		if (rc == IC_OK)
			rc = ic_page_render(req, "</a></li>\n", NULL, 0);
	}
	if (rc == IC_OK && shown == 0)
		rc = ic_page_render(req,
		                    "<li class=\"empty\">No conversations yet: "
		                    "invite someone below.</li>\n",
		                    NULL, 0);
	return rc == IC_OK ? ic_page_render(req, "</ul>\n</section>\n", NULL, 0)
	                   : rc;
}

enum ic_err ic_page_sidebar(struct ic_req *req, const struct ic_owner *o,
                            const char *here, const char *current)
{
	struct list_ctx c;
	long long now = (long long)time(NULL);
	enum ic_err rc = list(req, &c, true);

	if (rc == IC_OK)
		rc = requests_section(req, o, &c, here, now);
	return rc == IC_OK ? conversations_section(req, &c, current, now) : rc;
}

static enum ic_err invite_form(struct ic_req *req, const struct ic_owner *o,
                               const char *here)
{
	const struct ic_html_var vars[] = {
	        {"url", ic_url_ticket_action(req->arena, &req->cfg, "invite"),
	         IC_HTML_URL},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(
	        req,
	        "<section aria-labelledby=\"invite-h\">\n"
	        "<h2 id=\"invite-h\">Invite someone</h2>\n"
	        "<form id=\"invite\" method=\"post\" action=\"{{url}}\">\n"
	        "<p><label for=\"invite-url\">Their site's URL</label>\n"
	        "<input id=\"invite-url\" name=\"url\" type=\"url\" "
	        "inputmode=\"url\" required placeholder=\"https://example.com/\">"
	        "\n",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, o, here);
	return rc == IC_OK
	               ? ic_page_render(
	                         req,
	                         "<button type=\"submit\">Invite</button></p>\n"
	                         "<p id=\"invite-result\" role=\"status\"></p>\n"
	                         "</form>\n</section>\n",
	                         NULL, 0)
	               : rc;
}

/* A GET form: searching changes nothing (web/search.h). */
static enum ic_err search_box(struct ic_req *req)
{
	const struct ic_html_var vars[] = {
	        {"url", ic_url_search(req->arena, &req->cfg), IC_HTML_URL},
	};

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	return ic_page_render(
	        req,
	        "<form id=\"search\" class=\"search\" method=\"get\" "
	        "action=\"{{url}}\" role=\"search\">\n"
	        "<label for=\"search-q\" class=\"vh\">Search messages</label>\n"
	        "<input id=\"search-q\" name=\"q\" type=\"search\" "
	        "placeholder=\"Search messages\" maxlength=\"256\">\n"
	        "<button type=\"submit\">Search</button>\n</form>\n",
	        vars, ARRAY_SIZE(vars));
}

enum ic_err ic_page_inbox(struct ic_req *req)
{
	const struct ic_owner *o = req->owner;
	struct list_ctx c;
	const char *title, *here;
	long long unread, now = (long long)time(NULL);
	enum ic_err rc = list(req, &c, true);

	if (rc != IC_OK)
		return rc;
	unread = unread_total(&c);
	title = unread ? ic_arena_printf(req->arena, "(%lld) Inbox", unread)
	               : "Inbox";
	here = ic_url_path(&req->cfg, ic_url_inbox(req->arena, &req->cfg));
	if (title == NULL || here == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_owner_begin(req, title, o, "inbox", NULL);
	/* Two panes on a wide screen (the list, and a placeholder where a
	 * conversation opens); on a phone the list alone (indiechat.css). */
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<div class=\"app app-inbox\">\n"
		                    "<div id=\"sidebar\" class=\"sidebar\">\n"
		                    "<h1>Inbox</h1>\n",
		                    NULL, 0);
	if (rc == IC_OK)
		rc = search_box(req);
	if (rc == IC_OK)
		rc = requests_section(req, o, &c, here, now);
	if (rc == IC_OK)
		rc = conversations_section(req, &c, NULL, now);
	if (rc == IC_OK)
		rc = invite_form(req, o, here);
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "</div>\n<div id=\"pane\" class=\"pane "
		                    "pane-empty\"><p>Choose a conversation, or "
		                    "invite someone to start one.</p></div>\n"
		                    "</div>\n",
		                    NULL, 0);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}

enum ic_err ic_page_contacts(struct ic_req *req)
{
	const struct ic_owner *o = req->owner;
	struct list_ctx c;
	const char *here;
	enum ic_err rc = list(req, &c, false);

	here = ic_url_path(&req->cfg, ic_url_contacts(req->arena, &req->cfg));
	if (rc != IC_OK || here == NULL)
		return rc != IC_OK ? rc : IC_ERR_NOMEM;
	rc = ic_page_owner_begin(req, "Contacts", o, "contacts", NULL);
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<h1>Contacts</h1>\n<ul id=\"contacts\">\n",
		                    NULL, 0);
	for (size_t i = 0; rc == IC_OK && i < c.n; i++) {
		const struct ic_conv *v = &c.convs[i];
		const struct ic_html_var vars[] = {
		        {"peer", v->peer, IC_HTML_TEXT},
		        {"href", v->peer, IC_HTML_URL},
		        {"name", ic_page_peer_label(v), IC_HTML_TEXT},
		        {"state", ic_conv_state_name(v->state), IC_HTML_TEXT},
		};

		rc = ic_page_render(
		        req,
		        "<li class=\"contact\" data-peer=\"{{peer}}\">"
		        "<a href=\"{{href}}\">{{name}}</a> "
		        "<span class=\"state\">{{state}}</span>\n",
		        vars, ARRAY_SIZE(vars));
		/* A blocked site has nothing left to cut off. */
		if (rc == IC_OK && ic_conv_may_block(v->state))
			rc = ic_page_action_form(req, o, "revoke",
			                         "Revoke access", v->peer,
			                         here);
		if (rc == IC_OK && ic_conv_may_block(v->state))
			rc = ic_page_action_form(req, o, "block", "Block",
			                         v->peer, here);
		if (rc == IC_OK)
			rc = ic_page_render(req, "</li>\n", NULL, 0);
	}
	if (rc == IC_OK && c.n == 0)
		rc = ic_page_render(
		        req, "<li class=\"empty\">Nobody yet.</li>\n", NULL, 0);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</ul>\n", NULL, 0);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}

/* --- JSON for the live script -----------------------------------------------
 */

enum ic_err ic_page_json_etag(struct ic_req *req, cJSON *body)
{
	const char *inm = req->env.if_none_match;
	char hex[65];
	const char *etag;
	enum ic_err rc = body ? ic_resp_json(req, body) : IC_ERR_NOMEM;

	cJSON_Delete(body);
	if (rc != IC_OK)
		return rc;
	ic_digest_sha256_hex(req->resp.body.buf, req->resp.body.len, hex);
	etag = ic_arena_printf(req->arena, "W/\"%.20s\"", hex);
	if (etag == NULL)
		return IC_ERR_NOMEM;
	req->resp.cache_control = "private, no-cache";
	rc = ic_resp_add_header(&req->resp, "ETag", etag);
	if (rc == IC_OK && inm && strstr(inm, etag + 2) != NULL) {
		req->resp.status = 304;
		req->resp.content_type = NULL;
		ic_buf_reset(&req->resp.body);
	}
	return rc;
}

enum ic_err ic_page_api_inbox(struct ic_req *req)
{
	struct list_ctx c;
	cJSON *j, *arr;
	enum ic_err rc = list(req, &c, true);

	if (rc != IC_OK)
		return rc;
	j = cJSON_CreateObject();
	arr = j ? cJSON_AddArrayToObject(j, "conversations") : NULL;
	if (arr == NULL ||
	    !cJSON_AddNumberToObject(j, "unread", (double)unread_total(&c))) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct ic_conv *v = &c.convs[i];
		cJSON *e = cJSON_CreateObject();

		if (e == NULL || !cJSON_AddItemToArray(arr, e) ||
		    !cJSON_AddStringToObject(e, "id", v->id) ||
		    !cJSON_AddStringToObject(e, "peer", v->peer) ||
		    !cJSON_AddStringToObject(e, "name",
		                             ic_page_peer_label(v)) ||
		    (v->peer_photo &&
		     !cJSON_AddStringToObject(e, "photo", v->peer_photo)) ||
		    !cJSON_AddStringToObject(e, "state",
		                             ic_conv_state_name(v->state)) ||
		    !cJSON_AddBoolToObject(e, "closed",
		                           ic_conv_closed(v->state)) ||
		    !cJSON_AddNumberToObject(e, "unread", (double)v->unread) ||
		    !cJSON_AddNumberToObject(
		            e, "updated",
		            (double)(v->updated ? v->updated : v->created)) ||
		    !cJSON_AddNumberToObject(e, "activity",
		                             (double)activity(&c, i)) ||
		    !cJSON_AddStringToObject(
		            e, "preview",
		            preview(req->arena, c.last ? c.last[i] : NULL))) {
			cJSON_Delete(j);
			return IC_ERR_NOMEM;
		}
	}
	return ic_page_json_etag(req, j);
}
