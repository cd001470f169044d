/*
 * listener.c - the WebSub subscriber callback, and the maintenance job.
 *
 * The route table and the terminal commands; the work is in lib/.
 * `listener --maintain` is what lazy maintenance execs after a response
 * and what an optional cron line runs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cgi/blob_gc.h"
#include "feed/credential.h"
#include "feed/receive_attach.h"
#include "indieauth/indieauth_client.h"
#include "mf2/mf2_dump.h"
#include "cgi/maint.h"
#include "feed/feed_pages.h"
#include "messages/outbox.h"
#include "notify/notify.h"
#include "cgi/page_ping.h"
#include "cgi/program.h"
#include "cgi/ratelimit.h"
#include "programs.h"
#include "store/store.h"
#include "store/store_auth.h"
#include "store/store_blobref.h"
#include "store/store_notify.h"
#include "store/store_rate.h"
#include "ticketauth/ticket_sender.h"
#include "websub/websub_hub.h"
#include "websub/websub_subscriber.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
        /* method  PATH_INFO  handler            needs         summary */
        {"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
        {"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
         "self-check of request bodies (JSON)"},
        {"GET", "/{id}", ic_websub_callback_get, IC_NEED_NOTHING,
         "WebSub verification of intent: echoes hub.challenge (WS-S-15)"},
        {"POST", "/{id}", ic_websub_callback_post, IC_NEED_BIG_BODY,
         "WebSub content delivery: signature check, then fetch (WS-S-23)"},
};

/* A notify still due may follow a publish that failed: publish first. */
static enum ic_err job_notify(struct ic_req *req, const char *conv)
{
	enum ic_err rc = ic_feed_pages_publish(req, conv, req->errbuf);

	return rc == IC_OK ? ic_outbox_notify(req, conv, req->errbuf) : rc;
}

static enum ic_err job_ticket(struct ic_req *req, const char *conv)
{
	return ic_ticket_send(req, conv, req->errbuf);
}

/* The due work lazy maintenance does (lib/store/due.h kinds). */
static const struct ic_maint_job jobs[] = {
        {"fetch", ic_websub_fetch_job}, /* read a feed: catch-up, pings */
        /* a correspondent's files, after their message (issue 15) */
        {IC_RECEIVE_ATTACH_JOB, ic_receive_attach_job},
        {"notify", job_notify},         /* tell the hub we published */
        {"ticket", job_ticket},         /* deliver a ticket again (TS-4) */
        {"renew", ic_websub_renew_job}, /* renew a lease (WS-S-18) */
        {IC_WEBSUB_UNSUBSCRIBE_JOB, ic_websub_unsubscribe_job}, /* WS-S-14 */
        {"hub_verify", ic_websub_hub_verify_job}, /* our hub's subscribers */
        {IC_AUTH_GC_JOB, ic_signin_gc_job},       /* expired sign-in records */
        /* refresh a token we hold before it runs out (TR-11) */
        {IC_CREDENTIAL_REFRESH_JOB, ic_credential_refresh_job},
        {IC_RATE_GC_JOB, ic_ratelimit_gc_job}, /* ended rate counters */
        {IC_NOTIFY_JOB, ic_notify_job},        /* email the owner (issue 16) */
        /* issue 15: a deleted message's file, and files nothing names */
        {IC_BLOB_GC_JOB, ic_blob_gc_job},
        {IC_BLOB_SWEEP_JOB, ic_blob_sweep_job},
};

static enum ic_err cmd_maintain(struct ic_req *req, int argc, char **argv)
{
	bool ran;
	int done;
	enum ic_err rc;

	(void)argc;
	(void)argv;
	/* The hub's retries read our pages: whole ones (outbox.h). */
	rc = ic_feed_pages_ready(req);
	/* The sweep of unnamed files is a job that schedules itself; a
	 * store from before it gets its first one here. */
	if (rc == IC_OK)
		rc = ic_blob_sweep_schedule(req, 0);
	if (rc == IC_OK)
		rc = ic_maint_run(req, jobs, ARRAY_SIZE(jobs), &ran, &done);
	if (rc == IC_OK && ran)
		printf("maintenance done: %d job(s)\n", done);
	else if (rc == IC_OK)
		printf("maintenance already running elsewhere\n");
	return rc;
}

static enum ic_err cmd_maintain_status(struct ic_req *req, int argc,
                                       char **argv)
{
	struct ic_maint_state st;
	struct ic_store *store;
	cJSON *j;
	char *s;
	enum ic_err rc;

	(void)argc;
	(void)argv;
	rc = ic_req_store(req, &store);
	if (rc == IC_OK)
		rc = ic_maint_read(store, req->arena, &st, req->errbuf);
	if (rc != IC_OK)
		return rc;
	j = cJSON_CreateObject();
	if (j == NULL ||
	    !cJSON_AddNumberToObject(j, "last_run", (double)st.last_run) ||
	    !cJSON_AddNumberToObject(j, "next_due", (double)st.next_due) ||
	    !cJSON_AddNumberToObject(j, "runs", (double)st.runs) ||
	    !cJSON_AddNumberToObject(j, "stale_readers",
	                             (double)st.stale_readers) ||
	    (s = cJSON_Print(j)) == NULL) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	printf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(j);
	return IC_OK;
}

/* --parse-mf2 FILE|URL [--base URL] */
static enum ic_err cmd_parse_mf2(struct ic_req *req, int argc, char **argv)
{
	const char *base = NULL;

	if (argc == 4 && strcmp(argv[2], "--base") == 0)
		base = argv[3];
	else if (argc != 2)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "usage: listener --parse-mf2 FILE|URL "
		               "[--base URL]");
	return ic_mf2_dump(req, argv[1], base, stdout);
}

/* Issue 15: the owner (or a test) need not wait a day for the sweep. */
static enum ic_err cmd_sweep_attachments(struct ic_req *req, int argc,
                                         char **argv)
{
	enum ic_err rc = ic_blob_sweep_schedule(req, (long long)time(NULL));

	if (rc == IC_OK)
		rc = cmd_maintain(req, argc, argv);
	return rc;
}

static const struct ic_cli_cmd cmds[] = {
        {"--maintain", "", cmd_maintain, true,
         "run due maintenance now (what lazy maintenance and cron run)"},
        {"--sweep-attachments", "", cmd_sweep_attachments, true,
         "remove now the attachment files no message names (an hour "
         "old), then run due maintenance"},
        {"--maintain-status", "", cmd_maintain_status, true,
         "print when maintenance last ran and is next due (JSON)"},
        {"--parse-mf2", "FILE|URL [--base URL]", cmd_parse_mf2, false,
         "print the microformats2 JSON of a page, parsed as feeds are"},
};

const struct ic_program ic_program_listener = {
        .name = "listener",
        .summary = "WebSub subscriber callback: verification, signed "
                   "deliveries, authenticated fetch, mf2 parse, store",
        .routes = routes,
        .nroutes = ARRAY_SIZE(routes),
        .cmds = cmds,
        .ncmds = ARRAY_SIZE(cmds),
};

#ifndef IC_PROGRAM_NO_MAIN
int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&ic_program_listener, argc, argv, envp);
}
#endif
