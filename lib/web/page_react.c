/*
 * page_react.c - reactions on the conversation page (see page_react.h).
 */
#include "web/page_react.h"

#include <string.h>

#include "cgi/owner_url.h"
#include "cgi/page.h"
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

static enum ic_err chip(struct ic_req *req, const char *emoji, const char *who,
                        const char *count)
{
	const struct ic_html_var vars[] = {
	        {"emoji", emoji, IC_HTML_TEXT},
	        {"who", who, IC_HTML_TEXT},
	        {"count", count, IC_HTML_TEXT},
	};

	return ic_page_render(req,
	                      "<li class=\"reaction\" title=\"{{who}}\">"
	                      "<span aria-hidden=\"true\">{{emoji}}</span>"
	                      "<span class=\"count\">{{count}}</span>"
	                      "<span class=\"vh\">{{emoji}} from {{who}}</span>"
	                      "</li>",
	                      vars, ARRAY_SIZE(vars));
}

/* The reactions, as a list; nothing when there are none. */
static enum ic_err chips(struct ic_req *req, const struct ic_conv *c,
                         const struct ic_msg *m)
{
	const char *mine = m->my_reaction, *theirs = m->their_reaction;
	const char *peer = ic_page_peer_label(c);
	enum ic_err rc;

	if (mine == NULL && theirs == NULL)
		return IC_OK;
	rc = ic_page_render(req, "<ul class=\"reactions\">", NULL, 0);
	if (rc == IC_OK && mine && theirs && strcmp(mine, theirs) == 0)
		rc = chip(req, mine,
		          ic_arena_printf(req->arena, "You and %s", peer), "2");
	else {
		if (rc == IC_OK && mine)
			rc = chip(req, mine, "You", "");
		if (rc == IC_OK && theirs)
			rc = chip(req, theirs, peer, "");
	}
	return rc == IC_OK ? ic_page_render(req, "</ul>", NULL, 0) : rc;
}

/* A <details> keeps the buttons out of the Tab order until opened. */
static enum ic_err picker(struct ic_req *req, const struct ic_conv *c,
                          const struct ic_msg *m, const char *here)
{
	const struct ic_html_var vars[] = {
	        {"send", ic_url_send(req->arena, &req->cfg), IC_HTML_URL},
	        {"to", c->peer, IC_HTML_TEXT},
	        {"uid", m->uid, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(
	        req,
	        "<details class=\"react\"><summary title=\"React\">"
	        "<span aria-hidden=\"true\">&#9786;</span>"
	        "<span class=\"vh\">React</span></summary>"
	        "<form method=\"post\" action=\"{{send}}\">"
	        "<input type=\"hidden\" name=\"to\" value=\"{{to}}\">"
	        "<input type=\"hidden\" name=\"reply_to\" value=\"{{uid}}\">",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, req->owner, here);
	for (size_t i = 0; rc == IC_OK && i < ARRAY_SIZE(picks); i++) {
		const struct ic_html_var e[] = {{"e", picks[i], IC_HTML_TEXT}};

		rc = ic_page_render(
		        req,
		        "<button type=\"submit\" name=\"react\" "
		        "value=\"{{e}}\" aria-label=\"React {{e}}\">"
		        "{{e}}</button>",
		        e, ARRAY_SIZE(e));
	}
	return rc == IC_OK ? ic_page_render(req, "</form></details>", NULL, 0)
	                   : rc;
}

enum ic_err ic_page_react_item(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m)
{
	enum ic_err rc = chips(req, c, m);
	const char *here;

	if (rc != IC_OK || ic_conv_closed(c->state) || m->uid == NULL)
		return rc;
	here = ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, c->id));
	return here ? picker(req, c, m, here) : IC_ERR_NOMEM;
}
