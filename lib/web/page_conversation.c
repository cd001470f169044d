/*
 * page_conversation.c - a conversation as a page and as JSON (see
 * page_conversation.h).
 */
#include "web/page_conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "text/html.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "web/page_inbox.h"
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
	long long after_out, after_in; /* only seqs above these */
	struct ic_conv conv;
	struct ic_msg *out, *in;
	size_t nout, nin;
};

static long long from_seq(long long last, long long after)
{
	long long from = last - IC_PAGE_MESSAGES + 1;

	if (from <= after)
		from = after + 1;
	return from < 1 ? 1 : from;
}

static enum ic_err read_txn(struct ic_store_txn *t, void *p)
{
	struct conv_read *r = p;
	enum ic_err rc = ic_store_conv_get_in_txn(t, r->a, r->id, &r->conv);

	r->nout = r->nin = 0;
	if (rc == IC_OK && r->conv.out_seq > r->after_out)
		rc = ic_store_msg_range_in_txn(
		        t, r->a, r->id, 'o',
		        from_seq(r->conv.out_seq, r->after_out),
		        r->conv.out_seq, &r->out, &r->nout);
	if (rc == IC_OK && r->conv.in_seq > r->after_in)
		rc = ic_store_msg_range_in_txn(
		        t, r->a, r->id, 'i',
		        from_seq(r->conv.in_seq, r->after_in), r->conv.in_seq,
		        &r->in, &r->nin);
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
	for (size_t i = 0; i < r->nout; i++)
		all[i] = &r->out[i];
	for (size_t i = 0; i < r->nin; i++)
		all[r->nout + i] = &r->in[i];
	qsort(all, *n, sizeof(*all), ic_msg_by_time);
	return all;
}

/* Ours only: what we received has no delivery state. */
static const char *state_of(const struct ic_conv *c, const struct ic_msg *m)
{
	return m->dir == 'o' ? ic_msg_state_name(ic_msg_delivery(c, m->seq))
	                     : "";
}

static enum ic_err message_item(struct ic_req *req, const struct ic_conv *c,
                                const struct ic_msg *m)
{
	char iso[32], human[32], seq[24];
	bool out = m->dir == 'o';
	const struct ic_html_var vars[] = {
	        {"dir", out ? "out" : "in", IC_HTML_TEXT},
	        {"d", out ? "o" : "i", IC_HTML_TEXT},
	        {"seq", seq, IC_HTML_TEXT},
	        {"author", out ? "You" : ic_page_peer_label(c), IC_HTML_TEXT},
	        {"photo", c->peer_photo ? c->peer_photo : "", IC_HTML_URL},
	        {"iso", iso, IC_HTML_TEXT},
	        {"human", human, IC_HTML_TEXT},
	        {"text", m->text ? m->text : "", IC_HTML_TEXT},
	        /* Received HTML was sanitized with the allow-list before it
	         * was stored (MC-3). */
	        {"html", m->html ? m->html : "", IC_HTML_TRUSTED},
	        {"state", state_of(c, m), IC_HTML_TEXT},
	};
	enum ic_err rc;

	snprintf(seq, sizeof(seq), "%lld", m->seq);
	ic_page_time(m->published, iso, human);
	rc = ic_page_render(
	        req,
	        "<li class=\"message {{dir}}\" data-seq=\"{{seq}}\" "
	        "id=\"m-{{d}}-{{seq}}\">",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && !out && c->peer_photo &&
	    ic_html_url_ok(c->peer_photo))
		rc = ic_page_render(req,
		                    "<img class=\"photo\" src=\"{{photo}}\" "
		                    "alt=\"\" width=\"32\" height=\"32\">",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<span class=\"author\">{{author}}</span> "
		        "<time datetime=\"{{iso}}\">{{human}}</time>",
		        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = m->html && *m->html
		             ? ic_page_render(
		                       req,
		                       "<div class=\"text\">{{html}}</div>",
		                       vars, ARRAY_SIZE(vars))
		             : ic_page_render(req,
		                              "<p class=\"text\">{{text}}</p>",
		                              vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && out)
		rc = ic_page_render(req,
		                    " <span class=\"state\">{{state}}</span>",
		                    vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_render(req, "</li>\n", NULL, 0) : rc;
}

static enum ic_err compose_form(struct ic_req *req, const struct ic_owner *o,
                                const struct ic_conv *c, const char *here)
{
	const struct ic_html_var vars[] = {
	        {"send", ic_url_send(req->arena, &req->cfg), IC_HTML_URL},
	        {"to", c->peer, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	if (ic_conv_closed(c->state))
		return ic_page_render(req,
		                      "<p class=\"muted\">This conversation is "
		                      "closed.</p>\n",
		                      NULL, 0);
	rc = ic_page_render(
	        req,
	        "<form id=\"compose\" method=\"post\" "
	        "action=\"{{send}}\">\n"
	        "<p><label for=\"text\">Message</label>\n"
	        "<textarea id=\"text\" name=\"text\" rows=\"3\" "
	        "required></textarea></p>\n"
	        "<input type=\"hidden\" name=\"to\" value=\"{{to}}\">",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, o, here);
	return rc == IC_OK ? ic_page_render(
	                             req,
	                             "\n<p><button type=\"submit\">Send"
	                             "</button> <span id=\"compose-result\" "
	                             "role=\"status\"></span></p>\n</form>\n",
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

enum ic_err ic_page_conversation(struct ic_req *req)
{
	struct conv_read r = {0};
	const struct ic_msg **all;
	const struct ic_owner *o = req->owner;
	const char *title, *here;
	size_t n;
	enum ic_err rc = load(req, &r);

	if (rc != IC_OK)
		return rc;
	all = merged(&r, &n);
	title = ic_arena_printf(req->arena, "%s", ic_page_peer_label(&r.conv));
	here = ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, r.id));
	if (all == NULL || title == NULL || here == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_owner_begin(req, title, o, "conversation", r.id);
	if (rc == IC_OK) {
		const struct ic_html_var vars[] = {
		        {"name", ic_page_peer_label(&r.conv), IC_HTML_TEXT},
		        {"peer", r.conv.peer, IC_HTML_URL},
		        {"state", ic_conv_state_name(r.conv.state),
		         IC_HTML_TEXT},
		};

		rc = ic_page_render(
		        req,
		        "<h1>{{name}}</h1>\n<p class=\"muted\">"
		        "<a href=\"{{peer}}\">{{peer}}</a> · "
		        "<span id=\"conv-state\">{{state}}</span></p>\n",
		        vars, ARRAY_SIZE(vars));
	}
	if (rc == IC_OK)
		rc = ticket_wait(req, &r.conv);
	if (rc == IC_OK && r.conv.ticket_asked == 0)
		rc = fetch_problem(req, &r.conv);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req, "<ol id=\"messages\" aria-live=\"polite\">\n",
		        NULL, 0);
	for (size_t i = 0; rc == IC_OK && i < n; i++)
		rc = message_item(req, &r.conv, all[i]);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</ol>\n", NULL, 0);
	if (rc == IC_OK)
		rc = compose_form(req, o, &r.conv, here);
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

static cJSON *message_json(const struct ic_conv *c, const struct ic_msg *m)
{
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
	     !cJSON_AddStringToObject(e, "state", state_of(c, m)))) {
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
	enum ic_err rc;

	r.after_out = query_seq(req, "out");
	r.after_in = query_seq(req, "in");
	rc = load(req, &r);
	if (rc != IC_OK)
		return rc;
	all = merged(&r, &n);
	j = cJSON_CreateObject();
	arr = j ? cJSON_AddArrayToObject(j, "messages") : NULL;
	if (all == NULL || arr == NULL ||
	    !cJSON_AddStringToObject(j, "conv", r.id) ||
	    !cJSON_AddStringToObject(j, "peer", r.conv.peer) ||
	    !cJSON_AddStringToObject(j, "state",
	                             ic_conv_state_name(r.conv.state)) ||
	    !cJSON_AddNumberToObject(j, "out_seq", (double)r.conv.out_seq) ||
	    !cJSON_AddNumberToObject(j, "in_seq", (double)r.conv.in_seq) ||
	    !cJSON_AddBoolToObject(j, "waiting_for_ticket",
	                           r.conv.ticket_asked != 0)) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *e = message_json(&r.conv, all[i]);

		if (e == NULL || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			cJSON_Delete(j);
			return IC_ERR_NOMEM;
		}
	}
	return ic_page_json_etag(req, j);
}
