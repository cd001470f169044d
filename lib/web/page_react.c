/*
 * page_react.c - reactions, Reply and our messages' menu on the
 * conversation page (see page_react.h).
 */
#include "web/page_react.h"

#include <string.h>

#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "text/form.h"
#include "store/conv_state.h"
#include "web/page_inbox.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const picks[IC_PAGE_REACT_PICKS] = {
        "\xf0\x9f\x91\x8d",         /* thumbs up */
        "\xe2\x9d\xa4\xef\xb8\x8f", /* red heart */
        "\xf0\x9f\x98\x82",         /* tears of joy */
        "\xf0\x9f\x98\xae",         /* open mouth */
        "\xf0\x9f\x98\xa2",         /* crying */
        "\xf0\x9f\x99\x8f",         /* folded hands */
};

/* The form that posts one of our actions on a message to the send route,
 * opened with hidden `to`, the CSRF token and `next`; the caller adds its
 * fields and closes it. */
static enum ic_err form_open(struct ic_req *req, const struct ic_conv *c,
                             const char *cls, const char *here)
{
	const struct ic_html_var vars[] = {
	        {"send", ic_url_send(req->arena, &req->cfg), IC_HTML_URL},
	        {"to", c->peer, IC_HTML_TEXT},
	        {"cls", cls, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(req,
	                    "<form class=\"{{cls}}\" method=\"post\" "
	                    "action=\"{{send}}\">"
	                    "<input type=\"hidden\" name=\"to\" "
	                    "value=\"{{to}}\">",
	                    vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_form_hidden(req, req->owner, here) : rc;
}

/* One side's reaction.  Ours is a button that removes it (`unreact`, as
 * Signal does when one's own reaction is pressed again); theirs is text.
 * A closed conversation (@p here NULL) takes no removal. */
static enum ic_err chip(struct ic_req *req, const struct ic_conv *c,
                        const struct ic_msg *m, const char *emoji,
                        const char *who, const char *count, bool mine,
                        const char *here)
{
	const struct ic_html_var vars[] = {
	        {"emoji", emoji, IC_HTML_TEXT},
	        {"who", who, IC_HTML_TEXT},
	        {"count", count, IC_HTML_TEXT},
	        {"uid", m->uid ? m->uid : "", IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (!mine || here == NULL || m->uid == NULL)
		return ic_page_render(
		        req,
		        "<li class=\"reaction\" title=\"{{who}}\">"
		        "<span aria-hidden=\"true\">{{emoji}}</span>"
		        "<span class=\"count\">{{count}}</span>"
		        "<span class=\"vh\">{{emoji}} from {{who}}</span>"
		        "</li>",
		        vars, ARRAY_SIZE(vars));
	rc = ic_page_render(req,
	                    "<li class=\"reaction mine\" title=\"{{who}}\">",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = form_open(req, c, "unreact", here);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<button type=\"submit\" name=\"unreact\" "
		        "value=\"{{uid}}\" title=\"Remove your reaction\">"
		        "<span aria-hidden=\"true\">{{emoji}}</span>"
		        "<span class=\"count\">{{count}}</span>"
		        "<span class=\"vh\">{{emoji}} from {{who}}: remove "
		        "your reaction</span></button></form></li>",
		        vars, ARRAY_SIZE(vars));
	return rc;
}

/* The reactions, as a list; nothing when there are none. */
static enum ic_err chips(struct ic_req *req, const struct ic_conv *c,
                         const struct ic_msg *m, const char *here)
{
	const char *mine = m->my_reaction, *theirs = m->their_reaction;
	const char *peer = ic_page_peer_label(c);
	enum ic_err rc;

	if (mine == NULL && theirs == NULL)
		return IC_OK;
	rc = ic_page_render(req, "<ul class=\"reactions\">", NULL, 0);
	if (rc == IC_OK && mine && theirs && strcmp(mine, theirs) == 0)
		rc = chip(req, c, m, mine,
		          ic_arena_printf(req->arena, "You and %s", peer), "2",
		          true, here);
	else {
		if (rc == IC_OK && mine)
			rc = chip(req, c, m, mine, "You", "", true, here);
		if (rc == IC_OK && theirs)
			rc = chip(req, c, m, theirs, peer, "", false, here);
	}
	return rc == IC_OK ? ic_page_render(req, "</ul>", NULL, 0) : rc;
}

/* A <details> keeps the buttons out of the Tab order until opened.  Our
 * current emoji is pressed: choosing it again removes it (`unreact`). */
static enum ic_err picker(struct ic_req *req, const struct ic_conv *c,
                          const struct ic_msg *m, const char *here)
{
	const struct ic_html_var vars[] = {
	        {"uid", m->uid, IC_HTML_TEXT},
	};
	enum ic_err rc = ic_page_render(
	        req,
	        "<details class=\"react\"><summary title=\"React\">"
	        "<span aria-hidden=\"true\">&#9786;</span>"
	        "<span class=\"vh\">React</span></summary>",
	        NULL, 0);

	if (rc == IC_OK)
		rc = form_open(req, c, "pick", here);
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<input type=\"hidden\" name=\"reply_to\" "
		                    "value=\"{{uid}}\">",
		                    vars, ARRAY_SIZE(vars));
	for (size_t i = 0; rc == IC_OK && i < ARRAY_SIZE(picks); i++) {
		bool on =
		        m->my_reaction && strcmp(m->my_reaction, picks[i]) == 0;
		const struct ic_html_var e[] = {
		        {"e", picks[i], IC_HTML_TEXT},
		        {"uid", m->uid, IC_HTML_TEXT},
		};

		rc = ic_page_render(
		        req,
		        on ? "<button type=\"submit\" name=\"unreact\" "
		             "value=\"{{uid}}\" aria-pressed=\"true\" "
		             "aria-label=\"Remove your reaction {{e}}\">"
		             "{{e}}</button>"
		           : "<button type=\"submit\" name=\"react\" "
		             "value=\"{{e}}\" aria-label=\"React {{e}}\">"
		             "{{e}}</button>",
		        e, ARRAY_SIZE(e));
	}
	return rc == IC_OK ? ic_page_render(req, "</form></details>", NULL, 0)
	                   : rc;
}

/* The conversation page's path, where the forms come back to. */
static const char *here_of(struct ic_req *req, const struct ic_conv *c)
{
	return ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, c->id));
}

enum ic_err ic_page_react_item(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m)
{
	bool open = !ic_conv_closed(c->state) && m->uid != NULL;
	const char *here = open ? here_of(req, c) : NULL;
	enum ic_err rc;

	if (open && here == NULL)
		return IC_ERR_NOMEM;
	rc = chips(req, c, m, here);
	if (rc != IC_OK || !open || m->deleted)
		return rc;
	return picker(req, c, m, here);
}

/* "?NAME=UID#text": the page again, with the compose form answering
 * (reply_to) or editing (edit) the message: the way without the script. */
static const char *href_with(struct ic_req *req, const char *name,
                             const char *uid)
{
	struct ic_buf b = IC_BUF_INIT(4 * IC_MAX_UID_BYTES);
	const char *href = NULL;

	if (ic_buf_addc(&b, '?') == IC_OK && ic_buf_adds(&b, name) == IC_OK &&
	    ic_buf_addc(&b, '=') == IC_OK &&
	    ic_form_escape(&b, uid, strlen(uid)) == IC_OK &&
	    ic_buf_adds(&b, "#text") == IC_OK)
		href = ic_arena_strdup(req->arena, b.buf);
	ic_buf_release(&b);
	return href;
}

/* The Reply action: a link (works without the script; the script turns
 * it into the quote bar above the compose box).  A closed conversation
 * takes no replies, nor does a deleted message. */
enum ic_err ic_page_react_reply(struct ic_req *req, const struct ic_conv *c,
                                const struct ic_msg *m)
{
	const struct ic_html_var vars[] = {
	        {"href", m->uid ? href_with(req, "reply_to", m->uid) : NULL,
	         IC_HTML_URL},
	        {"uid", m->uid, IC_HTML_TEXT},
	};

	/* A deleted message has nothing left to answer (as in Signal). */
	if (ic_conv_closed(c->state) || m->uid == NULL || m->deleted)
		return IC_OK;
	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	return ic_page_render(req,
	                      "<a class=\"reply\" href=\"{{href}}\" "
	                      "data-uid=\"{{uid}}\" role=\"button\" "
	                      "title=\"Reply\"><span aria-hidden=\"true\">"
	                      "&#8617;</span><span class=\"vh\">Reply</span>"
	                      "</a>",
	                      vars, ARRAY_SIZE(vars));
}

enum ic_err ic_page_react_edit_bar(struct ic_req *req,
                                   const struct ic_msg *editing,
                                   const char *here)
{
	const struct ic_html_var vars[] = {
	        {"uid", editing ? editing->uid : "", IC_HTML_TEXT},
	        {"here", here, IC_HTML_URL},
	};
	enum ic_err rc = ic_page_render(req,
	                                "<input type=\"hidden\" id=\"edit\" "
	                                "name=\"edit\" value=\"{{uid}}\">\n",
	                                vars, ARRAY_SIZE(vars));

	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    editing ? "<div id=\"edit-bar\" "
		                              "class=\"reply-bar edit-bar\">"
		                            : "<div id=\"edit-bar\" "
		                              "class=\"reply-bar edit-bar\" "
		                              "hidden>",
		                    NULL, 0);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<div class=\"quote\"><span class=\"quote-author\">"
		        "Editing message</span></div>"
		        "<a id=\"edit-cancel\" class=\"cancel-text\" "
		        "href=\"{{here}}\" role=\"button\" "
		        "title=\"Cancel the edit (Esc)\">Cancel</a></div>\n",
		        vars, ARRAY_SIZE(vars));
	return rc;
}

enum ic_err ic_page_react_more(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m)
{
	const char *here;
	const struct ic_html_var vars[] = {
	        {"edit", m->uid ? href_with(req, "edit", m->uid) : NULL,
	         IC_HTML_URL},
	        {"uid", m->uid, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (m->dir != 'o' || m->deleted || m->uid == NULL ||
	    ic_conv_closed(c->state))
		return IC_OK;
	here = here_of(req, c);
	if (here == NULL || vars[0].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(
	        req,
	        "<details class=\"more\"><summary title=\"More\">"
	        "<span aria-hidden=\"true\">&#8943;</span>"
	        "<span class=\"vh\">More actions</span></summary>"
	        "<div class=\"menu\">"
	        "<a class=\"edit\" href=\"{{edit}}\" data-uid=\"{{uid}}\">"
	        "Edit</a>",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = form_open(req, c, "delete", here);
	/* Without the script the checkbox is the confirmation (required);
	 * the script asks with a dialog instead. */
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<label class=\"confirm\"><input type=\"checkbox\" "
		        "name=\"confirm\" value=\"1\" required> Yes, for "
		        "everyone</label>"
		        "<button type=\"submit\" name=\"delete\" "
		        "value=\"{{uid}}\">Delete for everyone</button>"
		        "</form></div></details>",
		        vars, ARRAY_SIZE(vars));
	return rc;
}
