/*
 * views.c - inbox and conversation as text or JSON (see views.h).
 */
#include "web/views.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cgi/page.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

/* Candidate spellings of what the owner typed, most likely first. */
static size_t candidates(struct ic_arena *a, const char *in, char **out)
{
	char *base, *p;
	size_t n = 0;
	bool has_scheme = strstr(in, "://") != NULL;

	base = has_scheme ? ic_arena_strdup(a, in)
	                  : ic_arena_printf(a, "https://%s", in);
	if (base == NULL)
		return 0;
	/* Lowercase scheme and host (H-10). */
	for (p = base; *p && *p != '/'; p++)
		*p = (char)tolower((unsigned char)*p);
	for (p += (*p == '/' && p[1] == '/') ? 2 : 0; *p && *p != '/'; p++)
		*p = (char)tolower((unsigned char)*p);
	out[n++] = *p ? base : ic_arena_printf(a, "%s/", base);
	if (!has_scheme)
		out[n++] = ic_arena_printf(a, "http://%s", out[0] + 8);
	return n;
}

struct find_ctx {
	struct ic_req *req;
	char *cands[2];
	size_t n;
	struct ic_conv conv;
	bool found;
};

static enum ic_err find_txn(struct ic_store_txn *t, void *p)
{
	struct find_ctx *f = p;

	f->found = false;
	for (size_t i = 0; i < f->n; i++) {
		enum ic_err rc;

		if (f->cands[i] == NULL)
			return IC_ERR_NOMEM;
		rc = ic_store_conv_by_peer_in_txn(t, f->req->arena, f->cands[i],
		                                  &f->conv);
		if (rc == IC_OK) {
			f->found = true;
			return IC_OK;
		}
		if (rc != IC_ERR_NOT_FOUND)
			return rc;
	}
	return IC_OK;
}

static enum ic_err find(struct ic_req *req, const char *url, struct find_ctx *f)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	memset(f, 0, sizeof(*f));
	f->req = req;
	f->n = candidates(req->arena, url, f->cands);
	if (rc == IC_OK)
		rc = ic_store_view(st, find_txn, f, req->errbuf);
	if (rc == IC_OK && !f->found)
		rc = ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		             "no conversation with %s", url);
	return rc;
}

const char *ic_view_find_peer(struct ic_req *req, const char *url)
{
	struct find_ctx f;

	return find(req, url, &f) == IC_OK ? f.conv.peer : NULL;
}

/* Received text is hostile: no terminal escape sequences reach the
 * owner's terminal (C0 controls other than newline and tab, DEL). */
static void print_clean(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?'
		                                                        : c,
		      out);
	}
}

/* ISO 8601 UTC, as the JSON and the terminal show times. */
static void iso_time(long long t, char out[32])
{
	char human[32];

	ic_page_time(t, out, human);
}

static enum ic_err print_json(struct ic_req *req, cJSON *j)
{
	char *s = j ? cJSON_Print(j) : NULL;

	if (s == NULL) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	fprintf(req->out, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(j);
	return IC_OK;
}

struct inbox_ctx {
	struct ic_req *req;
	struct ic_conv *convs;
	size_t n;
};

static enum ic_err inbox_txn(struct ic_store_txn *t, void *p)
{
	struct inbox_ctx *c = p;

	return ic_store_conv_list_in_txn(t, c->req->arena, &c->convs, &c->n);
}

static cJSON *conv_json(const struct ic_conv *c)
{
	cJSON *o = cJSON_CreateObject();
	char when[32];

	iso_time(c->updated ? c->updated : c->created, when);
	if (o == NULL || !cJSON_AddStringToObject(o, "id", c->id) ||
	    !cJSON_AddStringToObject(o, "peer", c->peer) ||
	    !cJSON_AddStringToObject(o, "state",
	                             ic_conv_state_name(c->state)) ||
	    !cJSON_AddNumberToObject(o, "unread", (double)c->unread) ||
	    !cJSON_AddNumberToObject(o, "sent", (double)c->out_seq) ||
	    !cJSON_AddNumberToObject(o, "received", (double)c->in_seq) ||
	    !cJSON_AddStringToObject(o, "updated", when) ||
	    !cJSON_AddBoolToObject(o, "waiting_for_ticket",
	                           c->ticket_asked != 0) ||
	    (c->peer_name &&
	     !cJSON_AddStringToObject(o, "name", c->peer_name))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

enum ic_err ic_view_inbox(struct ic_req *req, bool json)
{
	struct inbox_ctx c = {req, NULL, 0};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, inbox_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < c.n; i++) {
			cJSON *o = conv_json(&c.convs[i]);

			if (o == NULL) {
				cJSON_Delete(arr);
				return IC_ERR_NOMEM;
			}
			cJSON_AddItemToArray(arr, o);
		}
		return print_json(req, arr);
	}
	if (c.n == 0)
		fprintf(req->out, "No conversations yet.\n");
	for (size_t i = 0; i < c.n; i++) {
		const struct ic_conv *v = &c.convs[i];
		char when[32];

		iso_time(v->updated ? v->updated : v->created, when);
		fprintf(req->out, "%-9s %s  ", ic_conv_state_name(v->state),
		        when);
		print_clean(req->out, v->peer);
		fprintf(req->out, "%s  (%lld unread)\n",
		        v->state == IC_CONV_REQUEST ? "  [message request]"
		                                    : "",
		        v->unread);
	}
	return IC_OK;
}

struct conv_ctx {
	struct ic_req *req;
	struct find_ctx *f;
	struct ic_msg *out, *in;
	size_t nout, nin;
};

static enum ic_err conv_txn(struct ic_store_txn *t, void *p)
{
	struct conv_ctx *c = p;
	struct ic_conv *v = &c->f->conv;
	enum ic_err rc = ic_store_msg_range_in_txn(
	        t, c->req->arena, v->id, 'o', 1, v->out_seq, &c->out, &c->nout);

	if (rc == IC_OK)
		rc = ic_store_msg_range_in_txn(t, c->req->arena, v->id, 'i', 1,
		                               v->in_seq, &c->in, &c->nin);
	return rc;
}

static enum ic_err read_txn(struct ic_store_txn *t, void *p)
{
	struct conv_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_get_in_txn(t, c->req->arena,
	                                          c->f->conv.id, &conv);

	if (rc || conv.unread == 0)
		return rc;
	conv.unread = 0;
	return ic_store_conv_put_in_txn(t, c->req->arena, &conv);
}

enum ic_err ic_view_conversation(struct ic_req *req, const char *url, bool json)
{
	struct find_ctx f;
	struct conv_ctx c = {req, &f, NULL, NULL, 0, 0};
	struct ic_store *st;
	const struct ic_msg **all;
	size_t n;
	enum ic_err rc = find(req, url, &f);

	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, conv_txn, &c, req->errbuf);
	if (rc == IC_OK)
		rc = ic_store_update(st, read_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	n = c.nout + c.nin;
	all = ic_arena_calloc(req->arena, n ? n : 1, sizeof(*all));
	if (all == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < c.nout; i++)
		all[i] = &c.out[i];
	for (size_t i = 0; i < c.nin; i++)
		all[c.nout + i] = &c.in[i];
	qsort(all, n, sizeof(*all), ic_msg_by_time);
	if (json) {
		cJSON *o = conv_json(&f.conv), *msgs = cJSON_CreateArray();

		if (o == NULL || msgs == NULL) {
			cJSON_Delete(o);
			cJSON_Delete(msgs);
			return IC_ERR_NOMEM;
		}
		cJSON_AddItemToObject(o, "messages", msgs);
		for (size_t i = 0; i < n; i++) {
			cJSON *m = cJSON_CreateObject();
			char when[32];

			iso_time(all[i]->published, when);
			if (m == NULL)
				break;
			cJSON_AddItemToArray(msgs, m);
			cJSON_AddStringToObject(m, "direction",
			                        all[i]->dir == 'o' ? "out"
			                                           : "in");
			cJSON_AddStringToObject(m, "uid", all[i]->uid);
			cJSON_AddStringToObject(m, "published", when);
			cJSON_AddStringToObject(m, "text", all[i]->text);
			if (all[i]->html)
				cJSON_AddStringToObject(m, "html",
				                        all[i]->html);
		}
		return print_json(req, o);
	}
	fputs("Conversation with ", req->out);
	print_clean(req->out, f.conv.peer);
	fprintf(req->out, " (%s)\n", ic_conv_state_name(f.conv.state));
	for (size_t i = 0; i < n; i++) {
		char when[32];

		iso_time(all[i]->published, when);
		fprintf(req->out, "%s %s ", when,
		        all[i]->dir == 'o' ? ">>" : "<<");
		print_clean(req->out, all[i]->text);
		fputc('\n', req->out);
	}
	return IC_OK;
}
