/*
 * owner_actions.c - the owner's POSTs from the web pages (see
 * owner_actions.h).
 */
#include "web/owner_actions.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "messages/edit.h"
#include "messages/handshake.h"
#include "messages/attach.h"
#include "messages/outbox.h"
#include "messages/react.h"
#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/program.h"
#include "cgi/session.h"
#include "store/store_msg.h"
#include "web/notify_mute.h"

/* 303 to the form's next, or {"ok":true, <name>: <value>}. */
static enum ic_err done(struct ic_req *req, const char *name, const char *value)
{
	const char *next = ic_form_get(&req->form, "next");
	cJSON *j;
	enum ic_err rc;

	req->resp.cache_control = "no-store";
	if (!ic_cgi_wants_json(req)) {
		req->resp.status = 303;
		req->resp.location =
		        ic_session_next_ok(&req->cfg, next)
		                ? ic_session_absolute(req, next)
		                : ic_url_inbox(req->arena, &req->cfg);
		return req->resp.location ? IC_OK : IC_ERR_NOMEM;
	}
	j = cJSON_CreateObject();
	rc = j && cJSON_AddTrueToObject(j, "ok") &&
	                     (name == NULL ||
	                      cJSON_AddStringToObject(j, name,
	                                              value ? value : ""))
	             ? ic_resp_json(req, j)
	             : IC_ERR_NOMEM;
	cJSON_Delete(j);
	return rc;
}

static const char *field(struct ic_req *req, const char *name)
{
	const char *v = ic_form_get(&req->form, name);

	return v && *v && ic_form_count(&req->form, name) == 1 ? v : NULL;
}

/* Issue 15: `react` (one emoji) on the message `reply_to`. */
static enum ic_err do_react(struct ic_req *req, const char *to)
{
	struct ic_msg msg;
	const char *reply_to = field(req, "reply_to");
	enum ic_err rc;

	if (to == NULL || reply_to == NULL ||
	    ic_form_count(&req->form, "react") != 1)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "a reaction needs `to`, `reply_to` (the "
		               "message's uid) and one `react`");
	rc = ic_react_send(req, to, reply_to, field(req, "react"), &msg);
	if (rc != IC_OK)
		return rc;
	ic_outbox_notify_soon(req, msg.conv);
	return done(req, "uid", msg.uid);
}

/* Issue 15: `edit` (our message's uid) with its new `text`, `delete`
 * (our message's uid) or `unreact` (the uid of the message we reacted
 * to), as send --edit / --delete / --unreact; edit.h and react.h refuse
 * their messages, deleted ones and reactions, changing nothing. */
static enum ic_err do_change(struct ic_req *req, const char *to,
                             const char *what)
{
	const char *uid = field(req, what), *text = field(req, "text");
	struct ic_msg msg;
	enum ic_err rc;

	if (to == NULL || uid == NULL)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "`%s` needs `to` (the correspondent's URL) and "
		               "one message uid",
		               what);
	if (strcmp(what, "edit") == 0)
		rc = text ? ic_edit_send(req, to, uid, text, &msg)
		          : ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		                    "an edit needs the new `text`");
	else if (strcmp(what, "delete") == 0)
		rc = ic_edit_delete(req, to, uid, &msg);
	else
		rc = ic_react_remove(req, to, uid, &msg);
	if (rc != IC_OK)
		return rc;
	ic_outbox_notify_soon(req, msg.conv);
	return done(req, "uid", msg.uid);
}

/* Which one of `edit`, `delete`, `unreact` the form names, if any. */
static const char *change_of(struct ic_req *req)
{
	static const char *const names[] = {"edit", "delete", "unreact"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ic_form_get(&req->form, names[i]) != NULL)
			return names[i];
	return NULL;
}

static enum ic_err do_send(struct ic_req *req)
{
	struct ic_msg msg;
	const char *to = field(req, "to"), *text = field(req, "text");
	/* Issue 15: the compose form's hidden field; empty when the message
	 * answers nothing. */
	const char *reply_to = field(req, "reply_to");
	struct ic_attach *att = NULL;
	size_t natt = 0;
	enum ic_err rc;

	/* The compose form edits when its hidden `edit` is filled (an
	 * empty one is a send); files and reply_to are not part of it. */
	if (change_of(req) &&
	    (ic_form_count(&req->form, "edit") != 1 || field(req, "edit")))
		return do_change(req, to, change_of(req));
	rc = ic_attach_from_parts(req, "file", &att, &natt);
	if (rc != IC_OK)
		return rc;
	/* A photo needs no words (the outbox refuses a message of neither). */
	if (text == NULL && natt > 0 && ic_form_count(&req->form, "text") <= 1)
		text = "";
	if (ic_form_get(&req->form, "react") != NULL)
		return do_react(req, to);
	if (to == NULL || text == NULL)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "a message needs `to` (the correspondent's URL) "
		               "and `text`");
	if (ic_form_count(&req->form, "reply_to") > 1)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "a message answers one message (`reply_to` "
		               "twice)");
	rc = ic_outbox_send(req, to, text, reply_to, att, natt, &msg);
	if (rc != IC_OK)
		return rc;
	/* DESIGN.md "Sending": answer first, notify the hub after. */
	ic_outbox_notify_soon(req, msg.conv);
	return done(req, "uid", msg.uid);
}

static const char *url_field(struct ic_req *req, enum ic_err *rc)
{
	const char *url = field(req, "url");

	*rc = url ? IC_OK
	          : ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
	                    "the correspondent's `url` is missing");
	return url;
}

static enum ic_err do_invite(struct ic_req *req)
{
	const char *url, *conv = NULL;
	enum ic_err rc;

	url = url_field(req, &rc);
	if (rc != IC_OK)
		return rc;
	rc = ic_handshake_invite(req, url, &conv);
	if (rc == IC_ERR_NOT_FOUND) {
		char why[IC_ERRBUF_SIZE];

		snprintf(why, sizeof(why), "%s", req->errbuf);
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "%s cannot receive invitations: its site "
		               "advertises no ticket endpoint (%s); IndieChat "
		               "will try again later",
		               url, why);
	}
	return rc == IC_OK ? done(req, "conv", conv) : rc;
}

static enum ic_err do_accept(struct ic_req *req)
{
	enum ic_err rc;
	const char *url = url_field(req, &rc);

	if (rc == IC_OK)
		rc = ic_handshake_accept(req, url);
	return rc == IC_OK ? done(req, NULL, NULL) : rc;
}

static enum ic_err do_decline_or_block(struct ic_req *req, bool block)
{
	enum ic_err rc;
	const char *url = url_field(req, &rc);

	if (rc == IC_OK)
		rc = ic_handshake_decline(req, url, block);
	return rc == IC_OK ? done(req, NULL, NULL) : rc;
}

static enum ic_err do_decline(struct ic_req *req)
{
	return do_decline_or_block(req, false);
}

static enum ic_err do_block(struct ic_req *req)
{
	return do_decline_or_block(req, true);
}

/* TE-12: ic_handshake_revoke(); inviting them again (B/ticket/invite)
 * gives them a new ticket. */
static enum ic_err do_revoke(struct ic_req *req)
{
	enum ic_err rc;
	const char *url = url_field(req, &rc);

	if (rc == IC_OK)
		rc = ic_handshake_revoke(req, url, NULL);
	return rc == IC_OK ? done(req, NULL, NULL) : rc;
}

/* Issue 16: the owner's notifications of one conversation, off or on
 * again (web/notify_mute.h, as `feed --mute URL`). */
static enum ic_err do_mute(struct ic_req *req, bool on)
{
	enum ic_err rc;
	const char *url = url_field(req, &rc);

	if (rc == IC_OK)
		rc = ic_notify_mute(req, url, on, NULL);
	return rc == IC_OK ? done(req, NULL, NULL) : rc;
}

enum ic_err ic_owner_mute(struct ic_req *req)
{
	return ic_page_refused(req, do_mute(req, true));
}

enum ic_err ic_owner_unmute(struct ic_req *req)
{
	return ic_page_refused(req, do_mute(req, false));
}

enum ic_err ic_owner_send(struct ic_req *req)
{
	/* Whatever it sends notifies after the answer (cgi/program.h). */
	ic_program_after_early(req, ic_outbox_notify_after);
	return ic_page_refused(req, do_send(req));
}

enum ic_err ic_owner_invite(struct ic_req *req)
{
	return ic_page_refused(req, do_invite(req));
}

enum ic_err ic_owner_accept(struct ic_req *req)
{
	return ic_page_refused(req, do_accept(req));
}

enum ic_err ic_owner_decline(struct ic_req *req)
{
	return ic_page_refused(req, do_decline(req));
}

enum ic_err ic_owner_block(struct ic_req *req)
{
	return ic_page_refused(req, do_block(req));
}

enum ic_err ic_owner_revoke(struct ic_req *req)
{
	return ic_page_refused(req, do_revoke(req));
}
