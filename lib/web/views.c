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
#include "store/store_history.h"
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

/* --- One conversation ---------------------------------------------------
 *
 * Read through store_history.h: a page is at most IC_PAGE_MESSAGES
 * records, the whole history a stream of chunks, so neither grows with the
 * history.  The JSON of a page or of the stream is one object whose
 * "messages" array is written a message at a time (each one printed by
 * cJSON): valid JSON at any length, never a tree of the whole history. */

static enum ic_err read_txn(struct ic_store_txn *t, void *p)
{
	struct find_ctx *f = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, f->req->arena, f->conv.id, &conv);

	if (rc || conv.unread == 0)
		return rc;
	conv.unread = 0;
	return ic_store_conv_put_in_txn(t, f->req->arena, &conv);
}

/* Issue 15: the message's files, as stored (state "stored" when the
 * bytes are here). */
static bool att_json(cJSON *o, const struct ic_msg *m)
{
	cJSON *arr;

	if (m->natt == 0)
		return true;
	arr = cJSON_AddArrayToObject(o, "attachments");
	for (size_t i = 0; arr && i < m->natt; i++) {
		const struct ic_attach *x = &m->att[i];
		cJSON *a = cJSON_CreateObject();

		if (a == NULL || !cJSON_AddItemToArray(arr, a) ||
		    (x->id && !cJSON_AddStringToObject(a, "id", x->id)) ||
		    !cJSON_AddStringToObject(a, "type", x->type) ||
		    !cJSON_AddStringToObject(a, "name", x->name) ||
		    !cJSON_AddNumberToObject(a, "size", (double)x->size) ||
		    !cJSON_AddNumberToObject(a, "width", x->width) ||
		    !cJSON_AddNumberToObject(a, "height", x->height) ||
		    !cJSON_AddBoolToObject(a, "stripped", x->stripped) ||
		    !cJSON_AddStringToObject(a, "state",
		                             ic_attach_state_name(x->state)))
			return false;
	}
	return arr != NULL;
}

static cJSON *msg_json(const struct ic_msg *m)
{
	cJSON *o = cJSON_CreateObject();
	char when[32];

	iso_time(m->published, when);
	if (o == NULL ||
	    !cJSON_AddStringToObject(o, "direction",
	                             m->dir == 'o' ? "out" : "in") ||
	    !cJSON_AddNumberToObject(o, "seq", (double)m->seq) ||
	    !cJSON_AddStringToObject(o, "uid", m->uid ? m->uid : "") ||
	    !cJSON_AddStringToObject(o, "published", when) ||
	    !cJSON_AddStringToObject(o, "text", m->text ? m->text : "") ||
	    (m->html && !cJSON_AddStringToObject(o, "html", m->html)) ||
	    /* Issue 15: the uid of the message it answers, or that it
	     * answers one not here. */
	    (m->in_reply_to &&
	     !cJSON_AddStringToObject(o, "in_reply_to", m->in_reply_to)) ||
	    (m->reply_unknown && !cJSON_AddTrueToObject(o, "reply_unknown")) ||
	    /* Issue 15: each side's reaction on it (messages/react.h). */
	    (m->my_reaction &&
	     !cJSON_AddStringToObject(o, "my_reaction", m->my_reaction)) ||
	    (m->their_reaction &&
	     !cJSON_AddStringToObject(o, "their_reaction",
	                              m->their_reaction)) ||
	    (m->updated && !cJSON_AddTrueToObject(o, "edited")) ||
	    (m->deleted && !cJSON_AddTrueToObject(o, "deleted")) ||

	    !att_json(o, m)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Print @p j unformatted (one line) and free it. */
static enum ic_err put_json(FILE *out, cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	if (s == NULL)
		return IC_ERR_NOMEM;
	fputs(s, out);
	cJSON_free(s);
	return IC_OK;
}

/* The members of @p head, then the opening of "messages": the JSON
 * object a stream of messages goes into.  Frees @p head. */
static enum ic_err json_begin(FILE *out, cJSON *head)
{
	enum ic_err rc = head ? IC_OK : IC_ERR_NOMEM;

	fputs("{\n", out);
	for (cJSON *c = head ? head->child : NULL; rc == IC_OK && c;
	     c = c->next) {
		fputs("  ", out);
		rc = put_json(out, cJSON_CreateString(c->string));
		fputs(": ", out);
		if (rc == IC_OK)
			rc = put_json(out, cJSON_Duplicate(c, true));
		fputs(",\n", out);
	}
	cJSON_Delete(head);
	fputs("  \"messages\": [", out);
	return rc;
}

static void json_end(FILE *out)
{
	fputs("\n  ]\n}\n", out);
}

struct show {
	struct ic_req *req;
	bool json;
	bool begun; /* the JSON object is open: close it, whatever happens */
	size_t n;   /* messages shown so far */
};

static enum ic_err show_one(const struct ic_msg *m, void *p)
{
	struct show *s = p;
	char when[32];

	if (s->json) {
		fputs(s->n++ ? ",\n    " : "\n    ", s->req->out);
		return put_json(s->req->out, msg_json(m));
	}
	s->n++;
	iso_time(m->published, when);
	fprintf(s->req->out, "%s %s ", when, m->dir == 'o' ? ">>" : "<<");
	if (m->in_reply_to) {
		fputs("[reply to ", s->req->out);
		print_clean(s->req->out, m->in_reply_to);
		fputs("] ", s->req->out);
	} else if (m->reply_unknown) {
		fputs("[reply to a message not here] ", s->req->out);
	}
	print_clean(s->req->out, m->text ? m->text : "");
	for (size_t i = 0; i < m->natt; i++) {
		fprintf(s->req->out, " [%s: ", m->att[i].type);
		print_clean(s->req->out, m->att[i].name);
		fprintf(s->req->out, ", %lld bytes, %s]", m->att[i].size,
		        ic_attach_state_name(m->att[i].state));
	}
	fputc('\n', s->req->out);
	return ferror(s->req->out) ? IC_ERR_IO : IC_OK;
}

/* The header: the conversation (and, for a page, where the older ones
 * are), as JSON members or as a line. */
static enum ic_err show_begin(struct show *s, const struct ic_conv *c,
                              const char *url,
                              const struct ic_history_page *page)
{
	FILE *out = s->req->out;

	if (s->json) {
		cJSON *head = conv_json(c);

		if (head && page &&
		    (!cJSON_AddBoolToObject(head, "older", page->older) ||
		     !cJSON_AddNumberToObject(head, "out_before",
		                              (double)page->out_before) ||
		     !cJSON_AddNumberToObject(head, "in_before",
		                              (double)page->in_before))) {
			cJSON_Delete(head);
			return IC_ERR_NOMEM;
		}
		s->begun = true;
		return json_begin(out, head);
	}
	fputs("Conversation with ", out);
	print_clean(out, c->peer);
	fprintf(out, " (%s)\n", ic_conv_state_name(c->state));
	if (page && page->older) {
		fputs("Older messages: feed --conversation ", out);
		print_clean(out, url);
		fprintf(out, " --out-before %lld --in-before %lld\n",
		        page->out_before, page->in_before);
	}
	return IC_OK;
}

enum ic_err ic_view_conversation(struct ic_req *req, const char *url,
                                 const struct ic_view_history *opt)
{
	struct find_ctx f;
	struct show s = {req, opt->json, false, 0};
	struct ic_store *st;
	enum ic_err rc = find(req, url, &f);

	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	/* Read, as a browser does on opening it (page_conversation.h). */
	if (rc == IC_OK && f.conv.unread > 0)
		rc = ic_store_update(st, read_txn, &f, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (opt->all) {
		/* The header is the conversation as it was found; the
		 * stream then holds what was stored when it began. */
		rc = show_begin(&s, &f.conv, url, NULL);
		if (rc == IC_OK)
			rc = ic_store_history_each(st, req->arena, f.conv.id,
			                           show_one, &s, NULL,
			                           req->errbuf);
	} else {
		struct ic_history_page page;

		rc = ic_store_history_page(st, req->arena, f.conv.id,
		                           opt->out_before, opt->in_before,
		                           &page, req->errbuf);
		/* The unread count as found, before it was marked read. */
		page.conv.unread = f.conv.unread;
		if (rc == IC_OK)
			rc = show_begin(&s, &page.conv, url, &page);
		for (size_t i = 0; rc == IC_OK && i < page.n; i++)
			rc = show_one(page.msgs[i], &s);
	}
	if (s.begun)
		json_end(req->out);
	return rc;
}
