/*
 * search.c - the owner's search, terminal and page (see search.h).
 */
#include "web/search.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/ic_limits.h"
#include "core/buf.h"
#include "text/form.h"
#include "text/html.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "store/store_conv.h"
#include "store/store_search.h"
#include "web/page_inbox.h"
#include "web/views.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What a search found, with each result's conversation. */
struct found {
	struct ic_req *req;
	const char *peer; /* --conversation as typed, resolved; or NULL */
	const char *conv; /* its id */
	struct ic_search s;
	struct ic_conv *convs; /* one per result */
};

static enum ic_err peer_txn(struct ic_store_txn *t, void *p)
{
	struct found *f = p;
	struct ic_conv c;
	enum ic_err rc =
	        ic_store_conv_by_peer_in_txn(t, f->req->arena, f->peer, &c);

	f->conv = rc == IC_OK ? c.id : NULL;
	return rc;
}

static enum ic_err convs_txn(struct ic_store_txn *t, void *p)
{
	struct found *f = p;
	enum ic_err rc = IC_OK;

	f->convs =
	        ic_arena_calloc(f->req->arena, f->s.n + 1, sizeof(*f->convs));
	if (f->convs == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; rc == IC_OK && i < f->s.n; i++)
		rc = ic_store_conv_get_in_txn(t, f->req->arena, f->s.r[i].conv,
		                              &f->convs[i]);
	return rc;
}

static enum ic_err run(struct found *f, const char *query)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(f->req, &st);

	if (rc == IC_OK && f->peer)
		rc = ic_store_view(st, peer_txn, f, f->req->errbuf);
	if (rc == IC_OK)
		rc = ic_store_search(st, f->req->arena, query, f->conv,
		                     IC_SEARCH_LIMIT, &f->s, f->req->errbuf);
	if (rc == IC_OK)
		rc = ic_store_view(st, convs_txn, f, f->req->errbuf);
	return rc;
}

/* The conversation page with the message as its newest shown: the
 * bounds count the other side's messages stored before it (its order,
 * store_msg.h, is both sides' count when it was stored). */
static char *link_of(struct ic_req *req, const struct ic_search_result *r)
{
	long long own = r->seq + 1, other = r->order - r->seq + 1;
	char *conv = ic_url_conversation(req->arena, &req->cfg, r->conv);

	if (conv == NULL)
		return NULL;
	if (r->order <= 0 || other < 1)
		other = 0; /* an old record: the other side's newest */
	return ic_arena_printf(req->arena,
	                       "%s?out_before=%lld&in_before=%lld#m-%c-%lld",
	                       conv, r->dir == 'o' ? own : other,
	                       r->dir == 'o' ? other : own, r->dir, r->seq);
}

/* --- Terminal ------------------------------------------------------------ */

static void print_clean(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

static cJSON *result_json(struct ic_req *req, const struct found *f, size_t i)
{
	const struct ic_search_result *r = &f->s.r[i];
	cJSON *o = cJSON_CreateObject();
	char iso[32], human[32], when[32];
	const char *link = link_of(req, r);

	ic_page_time(r->published, iso, human);
	ic_page_short_time(r->published, (long long)time(NULL), when);
	if (o == NULL || link == NULL ||
	    !cJSON_AddStringToObject(o, "conv", r->conv) ||
	    !cJSON_AddStringToObject(o, "peer", f->convs[i].peer) ||
	    !cJSON_AddStringToObject(o, "direction",
	                             r->dir == 'o' ? "out" : "in") ||
	    !cJSON_AddNumberToObject(o, "seq", (double)r->seq) ||
	    !cJSON_AddStringToObject(o, "published", iso) ||
	    !cJSON_AddStringToObject(o, "excerpt", r->excerpt) ||
	    !cJSON_AddStringToObject(o, "link", link)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static enum ic_err print_json(struct ic_req *req, const struct found *f,
                              const char *query)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = j ? cJSON_AddArrayToObject(j, "results") : NULL;
	char *s;

	if (arr == NULL || !cJSON_AddStringToObject(j, "query", query) ||
	    !cJSON_AddBoolToObject(j, "more", f->s.more)) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	for (size_t i = 0; i < f->s.n; i++) {
		cJSON *o = result_json(req, f, i);

		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(j);
			return IC_ERR_NOMEM;
		}
	}
	s = cJSON_Print(j);
	cJSON_Delete(j);
	if (s == NULL)
		return IC_ERR_NOMEM;
	fprintf(req->out, "%s\n", s);
	cJSON_free(s);
	return IC_OK;
}

enum ic_err ic_view_search(struct ic_req *req, const char *query,
                           const char *url, bool json)
{
	struct found f = {.req = req};
	enum ic_err rc = IC_OK;

	if (url) {
		f.peer = ic_view_find_peer(req, url);
		if (f.peer == NULL)
			return IC_ERR_NOT_FOUND; /* errbuf says it */
	}
	rc = run(&f, query);
	if (rc != IC_OK)
		return rc;
	if (json)
		return print_json(req, &f, query);
	if (f.s.n == 0)
		fputs("No messages match.\n", req->out);
	for (size_t i = 0; i < f.s.n; i++) {
		const struct ic_search_result *r = &f.s.r[i];
		char iso[32], human[32], when[32];

		ic_page_time(r->published, iso, human);
		ic_page_short_time(r->published, (long long)time(NULL), when);
		fprintf(req->out, "%s %s ", iso, r->dir == 'o' ? ">>" : "<<");
		print_clean(req->out, f.convs[i].peer);
		fputs("  ", req->out);
		print_clean(req->out, r->excerpt);
		fputc('\n', req->out);
	}
	if (f.s.more)
		fprintf(req->out,
		        "More messages match: the newest %d are "
		        "shown; add a word to narrow the search.\n",
		        IC_SEARCH_LIMIT);
	return ferror(req->out) ? IC_ERR_IO : IC_OK;
}

/* --- The page ------------------------------------------------------------ */

static enum ic_err result_item(struct ic_req *req, const struct found *f,
                               size_t i)
{
	const struct ic_search_result *r = &f->s.r[i];
	char iso[32], human[32], when[32];
	const struct ic_html_var vars[] = {
	        {"link", link_of(req, r), IC_HTML_URL},
	        {"who",
	         r->dir == 'o' ? "You" : ic_page_peer_label(&f->convs[i]),
	         IC_HTML_TEXT},
	        {"with", ic_page_peer_label(&f->convs[i]), IC_HTML_TEXT},
	        {"iso", iso, IC_HTML_TEXT},
	        {"human", human, IC_HTML_TEXT},
	        {"when", when, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	ic_page_time(r->published, iso, human);
	ic_page_short_time(r->published, (long long)time(NULL), when);
	/* As the list draws a conversation: avatar, name and time, then
	 * the words around the match. */
	rc = ic_page_render(req, "<li class=\"result\"><a href=\"{{link}}\">",
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_avatar(req, f->convs[i].peer, vars[2].value,
		                    f->convs[i].peer_photo);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<span class=\"body\"><span class=\"head\">"
		        "<span class=\"with\">{{with}}</span> <time "
		        "class=\"when\" datetime=\"{{iso}}\" "
		        "title=\"{{human}}\">{{when}}</time></span>"
		        "<span class=\"excerpt\"><span class=\"who\">{{who}}:"
		        "</span> ",
		        vars, ARRAY_SIZE(vars));
	/* The excerpt is plain text: escaped piece by piece around <mark>. */
	if (rc == IC_OK)
		rc = ic_html_textn(&req->resp.body, r->excerpt, r->mark_at);
	if (rc == IC_OK)
		rc = ic_page_render(req, "<mark>", NULL, 0);
	if (rc == IC_OK)
		rc = ic_html_textn(&req->resp.body, r->excerpt + r->mark_at,
		                   r->mark_len);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</mark>", NULL, 0);
	if (rc == IC_OK)
		rc = ic_html_text(&req->resp.body,
		                  r->excerpt + r->mark_at + r->mark_len);
	return rc == IC_OK ? ic_page_render(req, "</span></span></a></li>\n",
	                                    NULL, 0)
	                   : rc;
}

static enum ic_err search_form(struct ic_req *req, const char *q,
                               const char *conv)
{
	const struct ic_html_var vars[] = {
	        {"url", ic_url_search(req->arena, &req->cfg), IC_HTML_URL},
	        {"q", q ? q : "", IC_HTML_TEXT},
	        {"conv", conv ? conv : "", IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(
	        req,
	        "<form id=\"search\" class=\"search\" method=\"get\" "
	        "action=\"{{url}}\" role=\"search\">\n"
	        "<label for=\"search-q\" class=\"vh\">Search "
	        "messages</label>\n<input id=\"search-q\" name=\"q\" "
	        "type=\"search\" value=\"{{q}}\" placeholder=\"Search "
	        "messages\" maxlength=\"256\">\n",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && conv)
		rc = ic_page_render(req,
		                    "<input type=\"hidden\" name=\"conv\" "
		                    "value=\"{{conv}}\">\n",
		                    vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_render(req,
	                                    "<button type=\"submit\">Search"
	                                    "</button>\n</form>\n",
	                                    NULL, 0)
	                   : rc;
}

/* The search of every conversation for the same words. */
static char *search_all_url(struct ic_req *req, const char *q)
{
	struct ic_buf b;
	const char *base = ic_url_search(req->arena, &req->cfg);

	/* Each query byte escapes to at most 3. */
	ic_buf_init(&b,
	            strlen(base ? base : "") + 4 + 3 * (q ? strlen(q) : 0) + 1);
	if (base == NULL || ic_buf_adds(&b, base) != IC_OK ||
	    ic_buf_adds(&b, "?q=") != IC_OK ||
	    ic_form_escape(&b, q ? q : "", q ? strlen(q) : 0) != IC_OK) {
		ic_buf_release(&b);
		return NULL;
	}
	return ic_arena_take_buf(req->arena, &b);
}

/* Which conversation is searched, and the way to search them all. */
static enum ic_err scope(struct ic_req *req, const struct ic_conv *c,
                         const char *q)
{
	const struct ic_html_var vars[] = {
	        {"name", ic_page_peer_label(c), IC_HTML_TEXT},
	        {"all", search_all_url(req, q), IC_HTML_URL},
	};

	if (vars[1].value == NULL)
		return IC_ERR_NOMEM;
	return ic_page_render(req,
	                      "<p id=\"scope\" class=\"muted\">In your "
	                      "conversation with {{name}} · <a "
	                      "href=\"{{all}}\">Search every "
	                      "conversation</a></p>\n",
	                      vars, ARRAY_SIZE(vars));
}

static enum ic_err results(struct ic_req *req, const struct found *f)
{
	enum ic_err rc = ic_page_render(
	        req,
	        f->s.n ? "<ol id=\"results\" class=\"results\">\n"
	               : "<p id=\"results\">No messages match.</p>\n",
	        NULL, 0);

	for (size_t i = 0; rc == IC_OK && i < f->s.n; i++)
		rc = result_item(req, f, i);
	if (rc == IC_OK && f->s.n)
		rc = ic_page_render(req, "</ol>\n", NULL, 0);
	if (rc == IC_OK && f->s.more)
		rc = ic_page_render(
		        req,
		        "<p id=\"more\" class=\"muted\">More messages "
		        "match: the newest are shown. Add a word to "
		        "narrow the search.</p>\n",
		        NULL, 0);
	return rc;
}

enum ic_err ic_page_search(struct ic_req *req)
{
	const char *q = ic_form_get(&req->query, "q");
	const char *conv = ic_form_get(&req->query, "conv");
	struct found f = {.req = req, .conv = conv && *conv ? conv : NULL};
	struct ic_store *st;
	struct ic_conv c;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK && f.conv)
		rc = ic_store_conv_get(st, req->arena, f.conv, &c, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_page_message(req, 404, "Search",
		                       "No such conversation.");
	if (rc == IC_OK && q && *q)
		rc = run(&f, q);
	if (rc == IC_ERR_BAD_INPUT)
		return ic_page_message(req, 400, "Search", req->errbuf);
	if (rc != IC_OK)
		return rc;
	rc = ic_page_owner_begin(req, "Search", req->owner, "search", NULL);
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<div class=\"app app-inbox\">\n"
		                    "<div id=\"sidebar\" class=\"sidebar\">\n"
		                    "<h1>Search</h1>\n",
		                    NULL, 0);
	if (rc == IC_OK)
		rc = search_form(req, q, f.conv);
	if (rc == IC_OK && f.conv)
		rc = scope(req, &c, q);
	if (rc == IC_OK && q && *q)
		rc = results(req, &f);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "</div>\n<div id=\"pane\" class=\"pane "
		        "pane-empty\"><p>Choose a result to read it "
		        "in its conversation.</p></div>\n</div>\n",
		        NULL, 0);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}
