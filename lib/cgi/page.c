/*
 * page.c - the frame of the owner's pages (see page.h).
 */
#include "cgi/page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgi/owner_url.h"
#include "cgi/session.h"
#include "text/html.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* No inline script or style anywhere; photos come from correspondents'
 * sites, so images may come from anywhere; blob: for the compose box's
 * previews of the owner's chosen photos (URL.createObjectURL: `*` never
 * matches blob:). */
#define CSP                                                                    \
	"default-src 'self'; img-src * data: blob:; style-src 'self'; "        \
	"script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "         \
	"object-src 'none'"

enum ic_err ic_page_begin(struct ic_req *req, const char *title)
{
	struct ic_buf *b = &req->resp.body;
	const char *full = ic_arena_printf(req->arena, "%s - IndieChat", title);
	struct ic_buf head = IC_BUF_INIT(4096);
	const struct ic_html_var vars[] = {
	        {"base", req->cfg.base_url, IC_HTML_URL},
	};
	enum ic_err rc;

	if (full == NULL)
		return IC_ERR_NOMEM;
	/* B/public/ is the static assets' Alias in the Apache snippet. */
	rc = ic_html_render(&head,
	                    "<link rel=\"stylesheet\" "
	                    "href=\"{{base}}/public/indiechat.css\">\n"
	                    "<link rel=\"manifest\" "
	                    "href=\"{{base}}/public/manifest.webmanifest\">\n"
	                    "<link rel=\"icon\" type=\"image/svg+xml\" "
	                    "href=\"{{base}}/public/icon.svg\">\n"
	                    "<link rel=\"apple-touch-icon\" "
	                    "href=\"{{base}}/public/icon-192.png\">\n"
	                    "<script src=\"{{base}}/public/indiechat.js\" "
	                    "defer></script>\n",
	                    vars, ARRAY_SIZE(vars), req->errbuf);
	ic_buf_reset(b);
	if (rc == IC_OK)
		rc = ic_html_page_start(b, full, head.buf);
	ic_buf_release(&head);
	if (rc == IC_OK)
		rc = ic_buf_adds(b, "<main>\n");
	return rc;
}

enum ic_err ic_page_render(struct ic_req *req, const char *tpl,
                           const struct ic_html_var *vars, size_t nvars)
{
	return ic_html_render(&req->resp.body, tpl, vars, nvars, req->errbuf);
}

enum ic_err ic_page_end(struct ic_req *req, int status)
{
	struct ic_resp *r = &req->resp;
	enum ic_err rc = ic_buf_adds(&r->body, "</main>\n");

	if (rc == IC_OK)
		rc = ic_html_page_end(&r->body);
	if (rc != IC_OK)
		return rc;
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	r->cache_control = "no-store";
	r->nosniff = true;
	rc = ic_resp_add_header(r, "X-Frame-Options", "DENY");
	if (rc == IC_OK)
		rc = ic_resp_add_header(r, "Content-Security-Policy", CSP);
	if (rc == IC_OK)
		rc = ic_resp_add_header(r, "Referrer-Policy", "same-origin");
	return rc;
}

enum ic_err ic_page_message_back(struct ic_req *req, int status,
                                 const char *title, const char *message,
                                 const char *back, const char *label)
{
	const struct ic_html_var vars[] = {
	        {"title", title, IC_HTML_TEXT},
	        {"message", message ? message : "", IC_HTML_TEXT},
	        {"back", back ? back : "/", IC_HTML_URL},
	        {"label", label, IC_HTML_TEXT},
	};
	enum ic_err rc = ic_page_begin(req, title);

	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<h1>{{title}}</h1>\n<p role=\"alert\">"
		        "{{message}}</p>\n"
		        "<p><a href=\"{{back}}\">{{label}}</a></p>\n",
		        vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_end(req, status) : rc;
}

enum ic_err ic_page_message(struct ic_req *req, int status, const char *title,
                            const char *message)
{
	return ic_page_message_back(req, status, title, message,
	                            ic_url_signin(req->arena, &req->cfg, NULL),
	                            "Sign in");
}

enum ic_err ic_page_refused(struct ic_req *req, enum ic_err rc)
{
	const char *next = ic_form_get(&req->form, "next");
	char why[IC_ERRBUF_SIZE];
	int status = ic_cgi_status(rc);

	if (rc == IC_OK || ic_cgi_wants_json(req) || status >= 500)
		return rc;
	snprintf(why, sizeof(why), "%s",
	         *req->errbuf ? req->errbuf : ic_strerror(rc));
	return ic_page_message_back(
	        req, status, "Not done", why,
	        ic_session_next_ok(&req->cfg, next)
	                ? ic_session_absolute(req, next)
	                : ic_url_inbox(req->arena, &req->cfg),
	        "Back");
}

enum ic_err ic_page_owner_begin(struct ic_req *req, const char *title,
                                const struct ic_owner *owner, const char *page,
                                const char *conv)
{
	struct ic_arena *a = req->arena;
	const char *b = req->cfg.base_url;
	const char *bp = ic_session_base_path(&req->cfg);
	const struct ic_html_var vars[] = {
	        {"inbox", ic_url_inbox(a, &req->cfg), IC_HTML_URL},
	        {"contacts", ic_url_contacts(a, &req->cfg), IC_HTML_URL},
	        {"settings", ic_url_settings(a, &req->cfg), IC_HTML_URL},
	        {"status", ic_url_status(a, &req->cfg), IC_HTML_URL},
	        {"logout", ic_url_signout(a, &req->cfg), IC_HTML_URL},
	        {"csrf", owner->csrf, IC_HTML_TEXT},
	        {"me", owner->me, IC_HTML_TEXT},
	        {"base", b, IC_HTML_TEXT},
	        {"bp", bp, IC_HTML_TEXT},
	        {"page", page, IC_HTML_TEXT},
	        {"conv", conv ? conv : "", IC_HTML_TEXT},
	};
	enum ic_err rc;

	for (size_t i = 0; i < 5; i++)
		if (vars[i].value == NULL)
			return IC_ERR_NOMEM;
	rc = ic_page_begin(req, title);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<nav aria-label=\"IndieChat\"><ul>\n"
		        "<li><a href=\"{{inbox}}\">Inbox</a></li>\n"
		        "<li><a href=\"{{contacts}}\">Contacts</a></li>\n"
		        "<li><a href=\"{{settings}}\">Settings</a></li>\n"
		        "<li><a href=\"{{status}}\">Status</a></li>\n"
		        "<li><form method=\"post\" action=\"{{logout}}\">"
		        "<input type=\"hidden\" name=\"csrf\" "
		        "value=\"{{csrf}}\">"
		        "<button type=\"submit\">Sign out</button></form></li>\n"
		        "</ul></nav>\n"
		        "<div id=\"ic\" hidden data-base=\"{{base}}\" "
		        "data-base-path=\"{{bp}}\" data-csrf=\"{{csrf}}\" "
		        "data-page=\"{{page}}\" data-conv=\"{{conv}}\" "
		        "data-me=\"{{me}}\"></div>\n",
		        vars, ARRAY_SIZE(vars));
	return rc;
}

enum ic_err ic_page_form_hidden(struct ic_req *req,
                                const struct ic_owner *owner, const char *next)
{
	const struct ic_html_var vars[] = {
	        {"csrf", owner->csrf, IC_HTML_TEXT},
	        {"next", next, IC_HTML_TEXT},
	};

	return ic_page_render(req,
	                      "<input type=\"hidden\" name=\"csrf\" "
	                      "value=\"{{csrf}}\">"
	                      "<input type=\"hidden\" name=\"next\" "
	                      "value=\"{{next}}\">",
	                      vars, ARRAY_SIZE(vars));
}

enum ic_err ic_page_action_form(struct ic_req *req, const struct ic_owner *o,
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

void ic_page_time(long long t, char iso[32], char human[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(iso, 32, "%lld", t);
		snprintf(human, 32, "%lld", t);
		return;
	}
	strftime(iso, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(human, 32, "%Y-%m-%d %H:%M UTC", &tm);
}
