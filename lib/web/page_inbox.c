/*
 * page_inbox.c - the inbox, the contacts page and the inbox JSON (see
 * page_inbox.h).
 */
#include "web/page_inbox.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/digest.h"
#include "text/html.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/session.h"
#include "store/store.h"
#include "store/conv_state.h"
#include "store/store_conv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *ic_page_peer_label(const struct ic_conv *c)
{
	return c->peer_name && *c->peer_name ? c->peer_name : c->peer;
}

struct list_ctx {
	struct ic_arena *a;
	struct ic_conv *convs;
	size_t n;
};

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct list_ctx *c = p;

	return ic_store_conv_list_in_txn(t, c->a, &c->convs, &c->n);
}

static enum ic_err list(struct ic_req *req, struct list_ctx *c)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	c->a = req->arena;
	c->convs = NULL;
	c->n = 0;
	return rc == IC_OK ? ic_store_view(st, list_txn, c, req->errbuf) : rc;
}

static long long unread_total(const struct list_ctx *c)
{
	long long n = 0;

	for (size_t i = 0; i < c->n; i++)
		if (!ic_conv_closed(c->convs[i].state))
			n += c->convs[i].unread;
	return n;
}

/* One small form posting `url` to B/ticket/<action>. */
static enum ic_err action_form(struct ic_req *req, const struct ic_owner *o,
                               const char *action, const char *label,
                               const char *peer, const char *next)
{
	const struct ic_html_var vars[] = {
	        {"action", action, IC_HTML_TEXT},
	        {"url", ic_url_ticket_action(req->arena, &req->cfg, action),
	         IC_HTML_URL},
	        {"peer", peer, IC_HTML_TEXT},
	        {"label", label, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[1].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(req,
	                    "<form class=\"{{action}}\" method=\"post\" "
	                    "action=\"{{url}}\">"
	                    "<input type=\"hidden\" name=\"url\" "
	                    "value=\"{{peer}}\">",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, o, next);
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<button type=\"submit\">{{label}}</button>"
		                    "</form>\n",
		                    vars, ARRAY_SIZE(vars));
	return rc;
}

static enum ic_err requests_section(struct ic_req *req,
                                    const struct ic_owner *o,
                                    const struct list_ctx *c, const char *here)
{
	enum ic_err rc = ic_page_render(
	        req,
	        "<section id=\"requests\" aria-labelledby=\"requests-h\">\n"
	        "<h2 id=\"requests-h\">Message requests</h2>\n<ul>\n",
	        NULL, 0);
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
		/* Anyone can send a request: a flood must not make the
		 * inbox unusable.  The newest are shown. */
		if (shown == IC_PAGE_MAX_REQUESTS) {
			rc = ic_page_render(req,
			                    "<li class=\"more\">More requests "
			                    "are waiting; answer these first."
			                    "</li>\n",
			                    NULL, 0);
			break;
		}
		shown++;
		rc = vars[3].value
		             ? ic_page_render(
		                       req,
		                       "<li class=\"request\" data-peer=\"{{peer}}\">"
		                       "<a class=\"name\" href=\"{{href}}\">"
		                       "{{name}}</a> wants to talk. "
		                       "<a class=\"open\" href=\"{{open}}\">"
		                       "Read</a>\n",
		                       vars, ARRAY_SIZE(vars))
		             : IC_ERR_NOMEM;
		if (rc == IC_OK)
			rc = action_form(req, o, "accept", "Accept", v->peer,
			                 here);
		if (rc == IC_OK)
			rc = action_form(req, o, "decline", "Decline", v->peer,
			                 here);
		if (rc == IC_OK)
			rc = action_form(req, o, "block", "Block", v->peer,
			                 here);
		if (rc == IC_OK)
			rc = ic_page_render(req, "</li>\n", NULL, 0);
	}
	if (rc == IC_OK && shown == 0)
		rc = ic_page_render(req,
		                    "<li class=\"empty\">No requests.</li>\n",
		                    NULL, 0);
	return rc == IC_OK ? ic_page_render(req, "</ul>\n</section>\n", NULL, 0)
	                   : rc;
}

static enum ic_err conversations_section(struct ic_req *req,
                                         const struct list_ctx *c)
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
		char iso[32], human[32], unread[24];
		const struct ic_html_var vars[] = {
		        {"conv", v->id, IC_HTML_TEXT},
		        {"name", ic_page_peer_label(v), IC_HTML_TEXT},
		        {"open",
		         ic_url_conversation(req->arena, &req->cfg, v->id),
		         IC_HTML_URL},
		        {"unread", unread, IC_HTML_TEXT},
		        {"state", ic_conv_state_name(v->state), IC_HTML_TEXT},
		        {"iso", iso, IC_HTML_TEXT},
		        {"human", human, IC_HTML_TEXT},
		};

		/* Requests are listed apart, closed ones on the contacts page.
		 */
		if (ic_conv_closed(v->state) || v->state == IC_CONV_REQUEST)
			continue;
		shown++;
		snprintf(unread, sizeof(unread), "%lld", v->unread);
		ic_page_time(v->updated ? v->updated : v->created, iso, human);
		rc = vars[2].value
		             ? ic_page_render(
		                       req,
		                       "<li class=\"conversation\" "
		                       "data-conv=\"{{conv}}\">"
		                       "<a class=\"open\" href=\"{{open}}\">"
		                       "<span class=\"name\">{{name}}</span></a> "
		                       "<span class=\"unread\" "
		                       "aria-label=\"unread messages\" "
		                       "data-count=\"{{unread}}\">"
		                       "{{unread}}</span> "
		                       "<span class=\"muted\">{{state}}, "
		                       "<time datetime=\"{{iso}}\">{{human}}"
		                       "</time></span></li>\n",
		                       vars, ARRAY_SIZE(vars))
		             : IC_ERR_NOMEM;
	}
	if (rc == IC_OK && shown == 0)
		rc = ic_page_render(req,
		                    "<li class=\"empty\">No conversations yet: "
		                    "invite someone below.</li>\n",
		                    NULL, 0);
	return rc == IC_OK ? ic_page_render(req, "</ul>\n</section>\n", NULL, 0)
	                   : rc;
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

enum ic_err ic_page_inbox(struct ic_req *req)
{
	const struct ic_owner *o = req->owner;
	struct list_ctx c;
	const char *title, *here;
	long long unread;
	enum ic_err rc = list(req, &c);

	if (rc != IC_OK)
		return rc;
	unread = unread_total(&c);
	title = unread ? ic_arena_printf(req->arena, "(%lld) Inbox", unread)
	               : "Inbox";
	here = ic_url_path(&req->cfg, ic_url_inbox(req->arena, &req->cfg));
	if (title == NULL || here == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_owner_begin(req, title, o, "inbox", NULL);
	if (rc == IC_OK)
		rc = ic_page_render(req, "<h1>Inbox</h1>\n", NULL, 0);
	if (rc == IC_OK)
		rc = requests_section(req, o, &c, here);
	if (rc == IC_OK)
		rc = conversations_section(req, &c);
	if (rc == IC_OK)
		rc = invite_form(req, o, here);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}

enum ic_err ic_page_contacts(struct ic_req *req)
{
	const struct ic_owner *o = req->owner;
	struct list_ctx c;
	const char *here;
	enum ic_err rc = list(req, &c);

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
			rc = action_form(req, o, "revoke", "Revoke access",
			                 v->peer, here);
		if (rc == IC_OK && ic_conv_may_block(v->state))
			rc = action_form(req, o, "block", "Block", v->peer,
			                 here);
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
	enum ic_err rc = list(req, &c);

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
		            (double)(v->updated ? v->updated : v->created))) {
			cJSON_Delete(j);
			return IC_ERR_NOMEM;
		}
	}
	return ic_page_json_etag(req, j);
}
