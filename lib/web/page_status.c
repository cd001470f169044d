/*
 * page_status.c - settings and the live status checks (see
 * page_status.h).
 */
#include "web/page_status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "net/discover.h"
#include "store/due.h"
#include "text/json.h"
#include "cgi/maint.h"
#include "cgi/page.h"
#include "web/page_inbox.h"
#include "net/peer.h"
#include "cgi/session.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_sub.h"
#include "text/url.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- Settings ---------------------------------------------------------- */

/* Issue 16: the switch public/indiechat.js drives (service worker,
 * subscription, B/auth/webpush/...); without the script, or with Web
 * Push off in the configuration, the switch is there but disabled, and a
 * sentence under it says who turns it on and how.  A
 * card as messengers draw their settings: the title, what it does, and
 * the switch at the row's end (a checkbox drawn as a switch). */
static enum ic_err webpush_section(struct ic_req *req)
{
	const struct ic_html_var vars[] = {
	        {"base", req->cfg.base_url, IC_HTML_URL},
	};
	const char *next = ic_arena_printf(req->arena, "%s/auth/settings",
	                                   ic_session_base_path(&req->cfg));
	enum ic_err rc;

	if (!ic_config_notify_webpush_on(&req->cfg))
		return ic_page_render(
		        req,
		        "<section class=\"card\" aria-labelledby=\"s-notify\">\n"
		        "<h2 id=\"s-notify\">Notifications</h2>\n"
		        "<div class=\"setting\">\n<div class=\"setting-text\">"
		        "<label for=\"webpush-off\">Notify this browser</label>\n"
		        "<p class=\"muted\">A notification when a message "
		        "arrives, also while no IndieChat page is open.</p>"
		        "</div>\n<input type=\"checkbox\" class=\"switch\" "
		        "role=\"switch\" id=\"webpush-off\" "
		        "aria-describedby=\"webpush-why\" disabled>\n</div>\n"
		        "<p id=\"webpush-why\" class=\"setting-state\">Not "
		        "offered by this site yet: it is turned on with "
		        "<code>notify_webpush = yes</code> in the site's "
		        "<code>indiechat.conf</code>.</p>\n</section>\n",
		        NULL, 0);
	rc = ic_page_render(
	        req,
	        "<section class=\"card\" aria-labelledby=\"s-notify\">\n"
	        "<h2 id=\"s-notify\">Notifications</h2>\n"
	        "<form id=\"webpush\" method=\"post\" "
	        "action=\"{{base}}/auth/webpush/subscribe\" "
	        "data-base=\"{{base}}\">\n",
	        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && next == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_page_form_hidden(req, req->owner, next);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<div class=\"setting\">\n<div class=\"setting-text\">"
		        "<label for=\"webpush-on\">Notify this browser</label>\n"
		        "<p id=\"webpush-about\" class=\"muted\">A notification "
		        "when a message or a message request arrives, also while "
		        "no IndieChat page is open: it names who wrote (what, "
		        "only with <code>notify_webpush_text = yes</code>).  Each "
		        "browser or phone is turned on here, from itself.</p>"
		        "</div>\n<input type=\"checkbox\" class=\"switch\" "
		        "role=\"switch\" id=\"webpush-on\" "
		        "aria-describedby=\"webpush-state webpush-about\" "
		        "disabled>\n</div>\n"
		        "<p id=\"webpush-state\" class=\"setting-state\">This "
		        "needs JavaScript and a browser that supports Web "
		        "Push.</p>\n</form>\n</section>\n",
		        NULL, 0);
	return rc;
}

/* Issue 15: the owner's data, theirs to take (web/export_download.h). */
static enum ic_err export_section(struct ic_req *req)
{
	const struct ic_html_var vars[] = {
	        {"url",
	         ic_arena_printf(req->arena, "%s/feed/export",
	                         req->cfg.base_url),
	         IC_HTML_URL},
	};

	if (vars[0].value == NULL)
		return IC_ERR_NOMEM;
	return ic_page_render(
	        req,
	        "<section class=\"card\" aria-labelledby=\"s-data\">\n"
	        "<h2 id=\"s-data\">Your data</h2>\n"
	        "<p class=\"muted\">All your conversations in one archive (.tar), "
	        "each as a web page and as mf2 JSON, readable "
	        "without IndieChat (as <code>feed --export DIR</code>).</p>\n"
	        "<p><a id=\"export\" href=\"{{url}}\" download>Download them "
	        "all</a></p>\n</section>\n",
	        vars, ARRAY_SIZE(vars));
}

/* The owner as the inbox would draw them (photo or initials), the name
 * big and their homepage under it: the head of a messenger's settings. */
static enum ic_err profile_section(struct ic_req *req, const char *name)
{
	const struct ic_config *c = &req->cfg;
	const struct ic_html_var vars[] = {
	        {"me", c->me, IC_HTML_URL},
	        {"me_text", c->me, IC_HTML_TEXT},
	        {"name", name, IC_HTML_TEXT},
	};
	enum ic_err rc = ic_page_render(
	        req, "<section class=\"card profile\">\n", NULL, 0);

	if (rc == IC_OK)
		rc = ic_page_avatar(req, c->me, name, c->photo);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "\n<div class=\"profile-text\"><h2>{{name}}</h2>\n"
		        "<p><a href=\"{{me}}\">{{me_text}}"
		        "</a></p></div>\n</section>\n",
		        vars, ARRAY_SIZE(vars));
	return rc;
}

enum ic_err ic_page_settings(struct ic_req *req)
{
	const struct ic_config *c = &req->cfg;
	const struct ic_owner *o = req->owner;
	char size[24];
	enum ic_err rc;

	snprintf(size, sizeof(size), "%u", c->feed_page_size);
	{
		const struct ic_html_var vars[] = {
		        {"me", c->me, IC_HTML_TEXT},
		        {"name",
		         c->name && *c->name ? c->name : "(your host name)",
		         IC_HTML_TEXT},
		        {"base", c->base_url, IC_HTML_TEXT},
		        {"data", c->data_dir, IC_HTML_TEXT},
		        {"hub",
		         c->hub && *c->hub ? c->hub : "built-in (B/feed/hub)",
		         IC_HTML_TEXT},
		        {"signin", c->sign_in ? c->sign_in : "builtin",
		         IC_HTML_TEXT},
		        {"dev",
		         c->dev_mode ? "on (http, ports and loopback "
		                       "allowed: for tests only)"
		                     : "off",
		         IC_HTML_TEXT},
		        {"size", size, IC_HTML_TEXT},
		        {"file", c->path ? c->path : "(built-in defaults)",
		         IC_HTML_TEXT},
		};

		rc = ic_page_owner_begin(req, "Settings", o, "settings", NULL);
		if (rc == IC_OK)
			rc = ic_page_render(req, "<h1>Settings</h1>\n", NULL,
			                    0);
		if (rc == IC_OK)
			rc = profile_section(req, c->name && *c->name ? c->name
			                                              : c->me);
		if (rc == IC_OK)
			rc = webpush_section(req);
		if (rc == IC_OK)
			rc = export_section(req);
		/* What the configuration file says, for the curious and
		 * for support: folded away, as messengers keep theirs. */
		if (rc == IC_OK)
			rc = ic_page_render(
			        req,
			        "<details class=\"card advanced\">\n"
			        "<summary>Advanced</summary>\n"
			        "<dl id=\"settings\">\n"
			        "<dt>Your profile (me)</dt><dd>{{me}}</dd>\n"
			        "<dt>Your name (name)</dt><dd>{{name}}</dd>\n"
			        "<dt>Mounted at (base_url)</dt><dd>{{base}}</dd>\n"
			        "<dt>Data directory</dt><dd>{{data}}</dd>\n"
			        "<dt>WebSub hub</dt><dd>{{hub}}</dd>\n"
			        "<dt>Sign-in</dt><dd>{{signin}}</dd>\n"
			        "<dt>Development mode</dt><dd>{{dev}}</dd>\n"
			        "<dt>Messages per feed page</dt><dd>{{size}}</dd>\n"
			        "</dl>\n<p class=\"muted\">These come from <code>"
			        "{{file}}</code>; change them there (see "
			        "<code>docs/configuration.md</code>). The "
			        "passphrase of the built-in sign-in is set with "
			        "<code>auth --set-passphrase</code>.</p>\n"
			        "</details>\n",
			        vars, ARRAY_SIZE(vars));
	}
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}

/* --- Status checks ----------------------------------------------------- */

enum level { OK, WARN, FAIL };

static const char *const level_names[] = {"ok", "warn", "fail"};

static enum ic_err check_item(struct ic_req *req, const char *name,
                              const char *title, enum level lv,
                              const char *detail)
{
	const struct ic_html_var vars[] = {
	        {"name", name, IC_HTML_TEXT},
	        {"title", title, IC_HTML_TEXT},
	        {"level", level_names[lv], IC_HTML_TEXT},
	        {"detail", detail ? detail : "", IC_HTML_TEXT},
	};

	/* A row with its coloured mark (li.check.LEVEL::before), the title
	 * and what was found, and the level's word at the end. */
	return ic_page_render(req,
	                      "<li class=\"check {{level}}\" "
	                      "data-check=\"{{name}}\"><div class=\"what\">"
	                      "<strong>{{title}}</strong> <span "
	                      "class=\"detail\">{{detail}}</span></div> "
	                      "<span class=\"level\">{{level}}</span></li>\n",
	                      vars, ARRAY_SIZE(vars));
}

static enum ic_err check_homepage(struct ic_req *req)
{
	char why[IC_ERRBUF_SIZE] = "";
	struct ic_fetch_result res;
	struct ic_discovery d;
	const char *meta, *tick;
	const char *want_meta = ic_site_metadata_url(req->arena, &req->cfg);
	const char *want_tick = ic_site_ticket_endpoint(req->arena, &req->cfg);
	bool external =
	        req->cfg.sign_in && strcmp(req->cfg.sign_in, "external") == 0;
	enum ic_err rc = ic_peer_get(req, req->cfg.me, NULL, 0, &res, &d, why);
	const char *detail;
	enum level lv;

	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc != IC_OK || res.status < 200 || res.status > 299) {
		detail = rc != IC_OK
		                 ? ic_arena_printf(req->arena,
		                                   "%s cannot be fetched: %s",
		                                   req->cfg.me, why)
		                 : ic_arena_printf(req->arena,
		                                   "%s answered HTTP %ld",
		                                   req->cfg.me, res.status);
		return check_item(req, "homepage-links", "Homepage links", FAIL,
		                  detail);
	}
	meta = ic_discover_find(&d, "indieauth-metadata");
	tick = ic_discover_find(&d, "ticket_endpoint");
	lv = OK;
	detail = "Your homepage advertises IndieChat's endpoints.";
	if (tick == NULL || !ic_url_equal(tick, want_tick)) {
		lv = FAIL;
		detail = ic_arena_printf(
		        req->arena,
		        "rel=\"ticket_endpoint\" must be %s (found: %s): "
		        "correspondents cannot invite you. Add <link "
		        "rel=\"ticket_endpoint\" href=\"%s\"> to the <head> of "
		        "your homepage.",
		        want_tick, tick ? tick : "none", want_tick);
	} else if (meta == NULL ||
	           (!external && !ic_url_equal(meta, want_meta))) {
		lv = FAIL;
		detail = ic_arena_printf(
		        req->arena,
		        "rel=\"indieauth-metadata\" must be %s (found: %s): "
		        "nobody can redeem your tickets or sign you in.",
		        want_meta, meta ? meta : "none");
	}
	return check_item(req, "homepage-links", "Homepage links", lv, detail);
}

static enum ic_err check_authorization(struct ic_req *req)
{
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	char why[IC_ERRBUF_SIZE] = "";
	cJSON *j = NULL;
	const char *seen = NULL, *detail;
	enum level lv;
	enum ic_err rc;

	f.method = "GET";
	f.url = ic_site_ping_url(req->arena, &req->cfg, "auth");
	f.bearer = "status-page-probe";
	f.accept = "application/json";
	f.dev_mode = req->cfg.dev_mode;
	rc = f.url ? ic_fetch(req->arena, &f, &res, why) : IC_ERR_NOMEM;
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc == IC_OK && res.status == 200 &&
	    ic_json_parse(req->arena, res.body, res.body_len, &j) == IC_OK)
		seen = ic_json_str(req->arena, j, "authorization");
	if (seen && strcmp(seen, "bearer") == 0) {
		lv = OK;
		detail = "Authorization headers reach the programs.";
	} else {
		lv = FAIL;
		detail =
		        rc != IC_OK
		                ? ic_arena_printf(req->arena,
		                                  "%s cannot be fetched: %s",
		                                  f.url, why)
		                : "Apache drops the Authorization header: add "
		                  "\"CGIPassAuth On\" to the programs' "
		                  "<Directory>. Correspondents cannot read your "
		                  "feeds until then.";
	}
	return check_item(req, "authorization-header", "Authorization header",
	                  lv, detail);
}

static enum ic_err check_hub(struct ic_req *req)
{
	char why[IC_ERRBUF_SIZE] = "";
	struct ic_fetch_result res;
	enum ic_err rc;

	if (req->cfg.hub == NULL || *req->cfg.hub == '\0')
		return check_item(req, "hub", "WebSub hub", OK,
		                  ic_arena_printf(req->arena,
		                                  "The built-in hub at %s.",
		                                  ic_site_hub_url(req->arena,
		                                                  &req->cfg)));
	rc = ic_peer_get(req, req->cfg.hub, NULL, 0, &res, NULL, why);
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc != IC_OK || res.status >= 500)
		return check_item(
		        req, "hub", "WebSub hub", FAIL,
		        rc != IC_OK
		                ? ic_arena_printf(req->arena,
		                                  "%s cannot be reached: %s",
		                                  req->cfg.hub, why)
		                : ic_arena_printf(req->arena,
		                                  "%s answered HTTP %ld",
		                                  req->cfg.hub, res.status));
	return check_item(req, "hub", "WebSub hub", OK,
	                  ic_arena_printf(req->arena, "%s answers (HTTP %ld).",
	                                  req->cfg.hub, res.status));
}

/* What the store says: subscriptions, deliveries, the due queue. */
struct store_facts {
	struct ic_arena *a;
	struct ic_conv *convs;
	size_t nconv;
	size_t active, pending, expired;
	long long next_expiry;
	size_t due;
	long long next_due;
	int max_attempts;
	long long now;
};

static enum ic_err count_due(const void *k, size_t kl, const void *v, size_t vl,
                             void *ctx)
{
	struct store_facts *f = ctx;
	cJSON *j;

	(void)k;
	(void)kl;
	f->due++;
	if (ic_json_parse(f->a, v, vl, &j) == IC_OK &&
	    ic_json_num(j, "attempts", 0) > f->max_attempts)
		f->max_attempts = (int)ic_json_num(j, "attempts", 0);
	return IC_OK;
}

static enum ic_err facts_txn(struct ic_store_txn *t, void *p)
{
	struct store_facts *f = p;
	enum ic_err rc =
	        ic_store_conv_list_in_txn(t, f->a, &f->convs, &f->nconv);

	f->active = f->pending = f->expired = f->due = 0;
	f->next_expiry = 0;
	f->max_attempts = 0;
	for (size_t i = 0; rc == IC_OK && i < f->nconv; i++) {
		struct ic_sub *subs;
		size_t n;

		rc = ic_store_sub_by_conv_in_txn(t, f->a, f->convs[i].id, &subs,
		                                 &n);
		for (size_t s = 0; rc == IC_OK && s < n; s++) {
			if (subs[s].state == IC_SUB_PENDING)
				f->pending++;
			if (subs[s].state != IC_SUB_ACTIVE)
				continue;
			if (subs[s].lease_expires &&
			    subs[s].lease_expires <= f->now) {
				f->expired++;
				continue;
			}
			f->active++;
			if (subs[s].lease_expires &&
			    (!f->next_expiry ||
			     subs[s].lease_expires < f->next_expiry))
				f->next_expiry = subs[s].lease_expires;
		}
	}
	if (rc == IC_OK)
		rc = ic_store_txn_scan(t, IC_DB_DUE, "q:", 2, count_due, f);
	f->next_due = rc == IC_OK ? ic_due_first_in_txn(t) : 0;
	return rc;
}

static const char *when(struct ic_req *req, long long t)
{
	char iso[32], human[32];

	if (t <= 0)
		return "never";
	ic_page_time(t, iso, human);
	return ic_arena_strdup(req->arena, human);
}

static enum ic_err check_store(struct ic_req *req)
{
	struct store_facts f = {
	        req->arena,           NULL, 0, 0, 0, 0, 0, 0, 0, 0,
	        (long long)time(NULL)};
	struct ic_maint_state ms;
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, facts_txn, &f, req->errbuf);
	if (rc == IC_OK)
		rc = ic_maint_read(st, req->arena, &ms, req->errbuf);
	if (rc != IC_OK)
		return rc;
	rc = check_item(
	        req, "subscriptions", "Subscriptions", f.expired ? WARN : OK,
	        ic_arena_printf(req->arena,
	                        "%zu active, %zu awaiting verification, %zu "
	                        "expired; the next lease ends %s.",
	                        f.active, f.pending, f.expired,
	                        when(req, f.next_expiry)));
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<li class=\"check ok\" "
		                    "data-check=\"deliveries\"><div "
		                    "class=\"what\"><strong>Last deliveries"
		                    "</strong> <ul class=\"detail\">\n",
		                    NULL, 0);
	for (size_t i = 0; rc == IC_OK && i < f.nconv; i++) {
		const struct ic_conv *c = &f.convs[i];
		const struct ic_html_var vars[] = {
		        {"name", ic_page_peer_label(c), IC_HTML_TEXT},
		        {"ours", when(req, c->their_fetch), IC_HTML_TEXT},
		        {"theirs", when(req, c->last_fetch), IC_HTML_TEXT},
		        {"state", ic_conv_state_name(c->state), IC_HTML_TEXT},
		};

		rc = ic_page_render(req,
		                    "<li>{{name}} ({{state}}): they last read "
		                    "our feed {{ours}}; we last read theirs "
		                    "{{theirs}}.</li>\n",
		                    vars, ARRAY_SIZE(vars));
	}
	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "</ul></div> <span class=\"level\">ok"
		                    "</span></li>\n",
		                    NULL, 0);
	if (rc == IC_OK)
		rc = check_item(
		        req, "retries", "Pending work",
		        f.max_attempts >= 3 ? WARN : OK,
		        ic_arena_printf(
		                req->arena,
		                "%zu job(s) waiting (most attempts: %d); next "
		                "due %s. Maintenance last ran %s (%ld runs).",
		                f.due, f.max_attempts, when(req, f.next_due),
		                when(req, (long long)ms.last_run), ms.runs));
	return rc;
}

enum ic_err ic_page_status(struct ic_req *req)
{
	enum ic_err rc =
	        ic_page_owner_begin(req, "Status", req->owner, "status", NULL);
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<h1>Status</h1>\n<p class=\"muted\">Checked "
		        "just now, as a correspondent would see your "
		        "site.</p>\n<ul id=\"checks\" "
		        "class=\"card\">\n",
		        NULL, 0);
	if (rc == IC_OK)
		rc = check_homepage(req);
	if (rc == IC_OK)
		rc = check_authorization(req);
	if (rc == IC_OK)
		rc = check_hub(req);
	if (rc == IC_OK)
		rc = check_store(req);
	if (rc == IC_OK)
		rc = ic_page_render(req, "</ul>\n", NULL, 0);
	return rc == IC_OK ? ic_page_end(req, 200) : rc;
}
