/*
 * react.c - reactions (see react.h).
 */
#include "messages/react.h"

#include <string.h>
#include <time.h>

#include "core/log.h"
#include "messages/edit.h"
#include "text/emoji.h"
#include "messages/outbox.h"
#include "store/store_conv.h"

bool ic_react_emoji_ok(const char *text)
{
	return ic_emoji_one(text);
}

bool ic_react_is(const struct ic_msg *m)
{
	return m->in_reply_to != NULL && ic_react_emoji_ok(m->text);
}

/* --- Sending ------------------------------------------------------------ */

struct mark_ctx {
	struct ic_arena *a;
	const struct ic_msg *sent;
};

/* The live page reads its messages again (store_conv.h changes). */
static enum ic_err bump_changes(struct ic_store_txn *t, struct ic_arena *a,
                                const char *conv_id)
{
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, conv_id, &conv);

	if (rc != IC_OK)
		return rc;
	conv.changes++;
	return ic_store_conv_put_in_txn(t, a, &conv);
}

/* Our reaction on its target, in the conversation the send stored. */
static enum ic_err mark_txn(struct ic_store_txn *t, void *p)
{
	struct mark_ctx *c = p;
	struct ic_msg target;
	enum ic_err rc = ic_store_msg_by_uid_in_txn(
	        t, c->a, c->sent->conv, c->sent->in_reply_to, &target);

	if (rc != IC_OK)
		return rc;
	if (target.my_reaction && target.my_reaction_at > c->sent->published)
		return IC_OK;
	target.my_reaction = c->sent->text;
	target.my_reaction_at = c->sent->published;
	target.my_reaction_uid = c->sent->uid;
	rc = ic_store_msg_update_in_txn(t, c->a, &target);
	if (rc == IC_OK) {
		struct ic_msg sent = *c->sent;

		sent.reaction = true;
		rc = ic_store_msg_update_in_txn(t, c->a, &sent);
	}
	return rc == IC_OK ? bump_changes(t, c->a, target.conv) : rc;
}

enum ic_err ic_react_send(struct ic_req *req, const char *peer,
                          const char *target_uid, const char *emoji,
                          struct ic_msg *out)
{
	struct ic_msg sent;
	struct mark_ctx c = {req->arena, &sent};
	struct ic_store *st;
	enum ic_err rc;

	if (target_uid == NULL || *target_uid == '\0')
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "a reaction needs the uid of the message it "
		               "reacts to");
	if (!ic_react_emoji_ok(emoji))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "a reaction is one emoji (at most %u bytes), "
		               "nothing else",
		               (unsigned)IC_REACT_MAX_BYTES);
	/* The outbox checks the conversation and the target, stores and
	 * publishes the reacji entry in its own transaction. */
	rc = ic_outbox_send(req, peer, emoji, target_uid, NULL, 0, &sent);
	if (rc != IC_OK)
		return rc;
	if (out)
		*out = sent;
	/* Should this fail, the entry is out and is still a reaction by
	 * the reacji rule (our page shows it as a reply until then). */
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, mark_txn, &c, req->errbuf);
	if (rc != IC_OK)
		ic_log(IC_LOG_WARN, "reaction %s sent but not marked: %s",
		       sent.uid, req->errbuf);
	req->errbuf[0] = '\0';
	return IC_OK;
}

/* --- Removing ------------------------------------------------------------ */

struct unreact_ctx {
	struct ic_req *req;
	const char *peer, *target_uid;
	struct ic_msg target;
	bool clear; /* false: look it up; true: clear it */
};

/* Our reaction on the target: found (and later cleared), or why not. */
static enum ic_err unreact_txn(struct ic_store_txn *t, void *p)
{
	struct unreact_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_by_peer_in_txn(t, c->req->arena, c->peer, &conv);

	if (rc == IC_OK)
		rc = ic_store_msg_by_uid_in_txn(t, c->req->arena, conv.id,
		                                c->target_uid, &c->target);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_NOT_FOUND,
		               "there is no message %s in the conversation "
		               "with %s",
		               c->target_uid, c->peer);
	if (rc == IC_OK && c->target.my_reaction_uid == NULL)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_NOT_FOUND,
		               "you have no reaction on message %s",
		               c->target_uid);
	if (rc != IC_OK || !c->clear)
		return rc;
	c->target.my_reaction = NULL;
	c->target.my_reaction_uid = NULL;
	c->target.my_reaction_at = (long long)time(NULL);
	rc = ic_store_msg_update_in_txn(t, c->req->arena, &c->target);
	return rc == IC_OK ? bump_changes(t, c->req->arena, conv.id) : rc;
}

enum ic_err ic_react_remove(struct ic_req *req, const char *peer,
                            const char *target_uid, struct ic_msg *out)
{
	struct unreact_ctx c = {req, peer, target_uid, {0}, false};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, unreact_txn, &c, req->errbuf);
	/* The reaction's entry becomes its tombstone: receivers drop it. */
	if (rc == IC_OK)
		rc = ic_edit_delete_reaction(req, peer,
		                             c.target.my_reaction_uid, out);
	c.clear = true;
	if (rc == IC_OK)
		rc = ic_store_update(st, unreact_txn, &c, req->errbuf);
	return rc;
}
