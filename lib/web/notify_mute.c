/*
 * notify_mute.c - mute one conversation's notifications (see
 * notify_mute.h).
 */
#include "web/notify_mute.h"

#include <stdio.h>

#include "store/due.h"
#include "store/store_conv.h"
#include "store/store_notify.h"
#include "web/views.h"

struct mute {
	struct ic_req *req;
	const char *peer;
	bool on;
};

static enum ic_err mute_txn(struct ic_store_txn *t, void *p)
{
	struct mute *m = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_by_peer_in_txn(t, m->req->arena, m->peer, &conv);

	if (rc != IC_OK)
		return rc;
	conv.notify_muted = m->on;
	rc = ic_store_conv_put_in_txn(t, m->req->arena, &conv);
	if (rc == IC_OK && m->on)
		rc = ic_store_notify_forget_in_txn(t, conv.id);
	if (rc == IC_OK && m->on)
		rc = ic_due_cancel_in_txn(t, m->req->arena, IC_NOTIFY_JOB,
		                          conv.id);
	return rc;
}

enum ic_err ic_notify_mute(struct ic_req *req, const char *url, bool on,
                           const char **peer)
{
	struct mute m = {req, ic_view_find_peer(req, url), on};
	struct ic_store *st;
	enum ic_err rc;

	if (m.peer == NULL)
		return IC_ERR_NOT_FOUND; /* find() said why */
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, mute_txn, &m, req->errbuf);
	if (peer != NULL)
		*peer = m.peer;
	return rc;
}
