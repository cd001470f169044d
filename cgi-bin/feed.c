/*
 * feed.c - the read side: private feeds for correspondents, public stubs for
 * hubs, the built-in hub, the owner's views.
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stddef.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "feed/feed_serve.h"
#include "feed/feed_pages.h"
#include "web/page_attach.h"
#include "web/page_conversation.h"
#include "web/page_inbox.h"
#include "cgi/page_ping.h"
#include "cgi/program.h"
#include "programs.h"
#include "web/backup.h"
#include "web/export.h"
#include "web/export_download.h"
#include "web/notify_mute.h"
#include "web/search.h"
#include "web/views.h"
#include "websub/websub_hub_endpoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x)       #x
#define STR(x)        STR_(x)

static const struct ic_route routes[] = {
        /* method  PATH_INFO  handler            needs         summary */
        {"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
        {"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
         "self-check of request bodies (JSON)"},
        {"POST", "/hub", ic_websub_hub_endpoint_post, IC_NEED_FORM,
         "the built-in WebSub hub: subscribe/unsubscribe to our topics"},
        /* The owner's pages (session cookie), before the {topic} routes. */
        {"GET", "", ic_page_inbox, IC_NEED_OWNER_PAGE, "the owner's inbox"},
        {"GET", "/", ic_page_inbox, IC_NEED_OWNER_PAGE, "the owner's inbox"},
        {"GET", "/contacts", ic_page_contacts, IC_NEED_OWNER_PAGE,
         "the owner's contacts: revoke, block"},
        {"GET", "/search", ic_page_search, IC_NEED_OWNER_PAGE,
         "search the messages (?q=WORDS[&conv=ID]); marks nothing read"},
        {"GET", "/with/{conv}", ic_page_conversation, IC_NEED_OWNER_PAGE,
         "one conversation, both directions, and the compose form"},
        {"GET", "/with/{conv}/attachment/{id}", ic_page_conversation_attachment,
         IC_NEED_OWNER_PAGE,
         "a file of a conversation's message, ours or our copy of theirs"},
        {"GET", "/api/inbox", ic_page_api_inbox, IC_NEED_OWNER_API,
         "the inbox as JSON for live updates (ETag)"},
        {"GET", "/api/with/{conv}", ic_page_api_conversation, IC_NEED_OWNER_API,
         "a conversation's new messages as JSON (?out=N&in=M, ETag)"},
        {"GET", "/export", ic_export_download, IC_NEED_OWNER_PAGE,
         "every conversation as one archive (tar: mf2 HTML and JSON)"},
        {"GET", "/{topic}", ic_feed_serve_topic, IC_NEED_NOTHING,
         "a conversation's feed: private page with a token, else the stub"},
        {"GET", "/{topic}/{page}", ic_feed_serve_page, IC_NEED_NOTHING,
         "an older page of a conversation's feed (token required)"},
        {"GET", "/{topic}/attachment/{id}", ic_feed_serve_attachment,
         IC_NEED_NOTHING,
         "a file one of our messages carries (token required)"},
};

static bool want_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

static enum ic_err cmd_inbox(struct ic_req *req, int argc, char **argv)
{
	return ic_view_inbox(req, want_json(argc, argv));
}

/* A page bound: a seq, digits only, at least 1. */
static bool parse_seq(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0;
}

static enum ic_err cmd_conversation(struct ic_req *req, int argc, char **argv)
{
	struct ic_view_history opt = {0};
	const char *url = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long long *bound =
		        strcmp(a, "--out-before") == 0  ? &opt.out_before
		        : strcmp(a, "--in-before") == 0 ? &opt.in_before
		                                        : NULL;

		if (strcmp(a, "--json") == 0)
			opt.json = true;
		else if (strcmp(a, "--all") == 0)
			opt.all = true;
		else if (bound &&
		         !parse_seq(i + 1 < argc ? argv[i + 1] : NULL, bound))
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "%s needs a message number (1 or more)",
			               a);
		else if (bound)
			i++;
		else if (a[0] == '-' && a[1] == '-')
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "unknown option %s for --conversation",
			               a);
		else if (url != NULL)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "--conversation takes one URL");
		else
			url = a;
	}
	if (url == NULL)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--conversation needs the correspondent's URL");
	if (opt.all && (opt.out_before || opt.in_before))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--all shows every message: it takes no "
		               "--out-before or --in-before");
	return ic_view_conversation(req, url, &opt);
}

static enum ic_err cmd_search(struct ic_req *req, int argc, char **argv)
{
	const char *query = NULL, *url = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			continue;
		if (strcmp(argv[i], "--conversation") == 0 && i + 1 == argc)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "--conversation needs the "
			               "correspondent's URL");
		if (strcmp(argv[i], "--conversation") == 0)
			url = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "unknown option %s for --search "
			               "(--conversation takes a URL)",
			               argv[i]);
		else if (query != NULL)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "--search takes one query: quote it "
			               "(\"lunch frid\")");
		else
			query = argv[i];
	}
	if (query == NULL)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--search needs a query");
	return ic_view_search(req, query, url, want_json(argc, argv));
}

/* The owner's read face backs the site up: a backup only reads the store
 * (one read transaction), and feed links no network code. */
static enum ic_err cmd_backup(struct ic_req *req, int argc, char **argv)
{
	if (argc != 2)
		return ic_fail(
		        req->errbuf, IC_ERR_BAD_INPUT,
		        "--backup takes one directory, which it creates");
	return ic_backup_make(req, argv[1]);
}

static enum ic_err cmd_export(struct ic_req *req, int argc, char **argv)
{
	if (argc != 2)
		return ic_fail(
		        req->errbuf, IC_ERR_BAD_INPUT,
		        "--export takes one directory, which it creates");
	return ic_export_make(req, argv[1]);
}

/* --mute URL, --unmute URL: argv[0] says which. */
static enum ic_err cmd_mute(struct ic_req *req, int argc, char **argv)
{
	if (argc != 2)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s takes the correspondent's URL", argv[0]);
	bool on = strcmp(argv[0], "--mute") == 0;
	const char *peer;
	enum ic_err rc = ic_notify_mute(req, argv[1], on, &peer);

	if (rc == IC_OK)
		printf("notifications for %s: %s\n", peer, on ? "muted" : "on");
	return rc;
}

static const struct ic_cli_cmd cmds[] = {
        {"--inbox", "[--json]", cmd_inbox, true,
         "conversations, newest first; message requests marked"},
        {"--conversation",
         "URL [--json] [--all | --out-before N --in-before M]",
         cmd_conversation, true,
         "the newest " STR(
                 IC_PAGE_MESSAGES) " messages with URL, both ways, in order, and the "
                                   "bounds of the page before (--out-before/--in-before, as the "
                                   "page's \"Older messages\"); --all: every message, streamed "
                                   "(marks them read)"},
        {"--search", "QUERY [--conversation URL] [--json]", cmd_search, true,
         "messages both ways holding every word of QUERY, the last also "
         "as a prefix, newest first (at most " STR(
                 IC_SEARCH_LIMIT) "), as excerpts; marks nothing read"},
        {"--export", "DIR", cmd_export, true,
         "every conversation into the new directory DIR as mf2 HTML "
         "(index.html) and mf2 JSON (messages.json), readable without "
         "IndieChat"},
        {"--mute", "URL", cmd_mute, true,
         "no more notifications for the conversation with URL (issue 16); "
         "what was pending is dropped"},
        {"--unmute", "URL", cmd_mute, true,
         "notifications for the conversation with URL again"},
        {"--backup", "DIR", cmd_backup, true,
         "hot copy of the store into the new directory DIR, with "
         "RESTORE.txt (restore: README \"Back up and restore\")"},
};

const struct ic_program ic_program_feed = {
        .name = "feed",
        .summary =
                "the read side: private feeds for correspondents, public stubs for hubs, the built-in hub, the owner's views",
        .routes = routes,
        .nroutes = ARRAY_SIZE(routes),
        .cmds = cmds,
        .ncmds = ARRAY_SIZE(cmds),
        /* Pages written in an earlier boot are made whole before any is
         * served or delivered by the hub. */
        .prepare = ic_feed_pages_ready,
};

#ifndef IC_PROGRAM_NO_MAIN
int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&ic_program_feed, argc, argv, envp);
}
#endif
