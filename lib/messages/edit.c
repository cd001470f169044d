/*
 * edit.c - editing or deleting one of our messages (see edit.h).
 */
#include "messages/edit.h"

#include <string.h>
#include <time.h>

#include "core/ic_limits.h"
#include "core/log.h"
#include "feed/feed_pages.h"
#include "store/conv_state.h"
#include "store/due.h"
#include "store/store_conv.h"

struct edit_ctx {
	struct ic_req *req;
	const char *peer, *uid, *text; /* text NULL: delete */
	bool reaction_ok; /* a reaction's entry may be deleted (react.h) */
	struct ic_conv conv;
	struct ic_msg msg;
	long long now;
};

/* Our message @p c->uid of the conversation, or a sentence why not. */
static enum ic_err own_msg(struct ic_store_txn *t, struct edit_ctx *c)
{
	enum ic_err rc = ic_store_msg_by_uid_in_txn(
	        t, c->req->arena, c->conv.id, c->uid, &c->msg);

	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_NOT_FOUND,
		               "there is no message %s in the conversation "
		               "with %s",
		               c->uid, c->peer);
	if (rc == IC_OK && c->msg.dir != 'o')
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "message %s is theirs: only your own messages "
		               "can be %s",
		               c->uid, c->text ? "edited" : "deleted");
	if (rc == IC_OK && c->msg.reaction && !c->reaction_ok)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "message %s is a reaction: react again, or "
		               "remove it with --unreact",
		               c->uid);
	if (rc == IC_OK && c->msg.deleted)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_CONFLICT,
		               "message %s was deleted", c->uid);
	return rc;
}

static enum ic_err edit_txn(struct ic_store_txn *t, void *p)
{
	struct edit_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	long long since;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, a, c->peer, &c->conv);

	if (rc == IC_OK)
		rc = ic_conv_apply(&c->conv, IC_CONV_EV_SEND,
		                   ic_store_txn_errbuf(t));
	if (rc == IC_OK)
		rc = own_msg(t, c);
	if (rc != IC_OK)
		return rc;
	/* A tombstone keeps the uid (and its place), not the text. */
	c->msg.text = c->text ? c->text : "";
	c->msg.html = NULL;
	c->msg.deleted = c->text == NULL;
	/* dt-updated only grows, and is after dt-published: a receiver
	 * keeps the newest it sees and takes one equal to dt-published for
	 * no edit (receive.c). */
	since = c->msg.updated > c->msg.published ? c->msg.updated
	                                          : c->msg.published;
	c->msg.updated = c->now > since ? c->now : since + 1;
	rc = ic_store_msg_update_in_txn(t, a, &c->msg);
	if (rc != IC_OK)
		return rc;
	/* The publish rewrites every page from the first one holding an
	 * unpublished seq (feed_pages.c): from this message's page. */
	if (c->conv.published_seq >= c->msg.seq)
		c->conv.published_seq = c->msg.seq - 1;
	c->conv.revision++;
	c->conv.changes++;
	/* The newest page carries the change too (feed_pages.h). */
	ic_conv_carry(&c->conv, c->msg.seq);
	c->conv.updated = c->now;
	rc = ic_store_conv_put_in_txn(t, a, &c->conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, a, "notify", c->conv.id, c->now,
		                            0, true);
	return rc;
}

/* Store the change, then publish (a failed publish is repaired by the
 * next one: the change is stored). */
static enum ic_err change(struct ic_req *req, const char *peer, const char *uid,
                          const char *text, bool reaction_ok,
                          struct ic_msg *out)
{
	struct edit_ctx c = {req,         peer, uid, text,
	                     reaction_ok, {0},  {0}, time(NULL)};
	struct ic_store *st;
	enum ic_err rc;

	if (uid == NULL || *uid == '\0' || strlen(uid) > IC_MAX_UID_BYTES)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the message to %s is not a uid",
		               text ? "edit" : "delete");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, edit_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (out)
		*out = c.msg;
	if (ic_feed_pages_publish(req, c.conv.id, req->errbuf) != IC_OK)
		ic_log(IC_LOG_WARN, "publishing %s failed, retried later: %s",
		       c.conv.id, req->errbuf);
	req->errbuf[0] = '\0';
	return IC_OK;
}

enum ic_err ic_edit_send(struct ic_req *req, const char *peer, const char *uid,
                         const char *text, struct ic_msg *out)
{
	if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the new text is empty");
	if (strlen(text) > IC_MAX_MESSAGE_BYTES)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "the new text is over %u bytes",
		               (unsigned)IC_MAX_MESSAGE_BYTES);
	return change(req, peer, uid, text, false, out);
}

enum ic_err ic_edit_delete(struct ic_req *req, const char *peer,
                           const char *uid, struct ic_msg *out)
{
	return change(req, peer, uid, NULL, false, out);
}

enum ic_err ic_edit_delete_reaction(struct ic_req *req, const char *peer,
                                    const char *uid, struct ic_msg *out)
{
	return change(req, peer, uid, NULL, true, out);
}
