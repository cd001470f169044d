/*
 * receive.c - fetch, parse, check, de-duplicate, sanitize, store.
 */
#include "feed/receive.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feed/credential.h"
#include "feed/receive_attach.h"
#include "store/due.h"
#include "core/ic_limits.h"
#include "text/json.h"
#include "core/log.h"
#include "mf2/mf2.h"
#include "net/peer.h"
#include "mf2/sanitize.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "store/store_notify.h"
#include "store/store_token.h"
#include "text/emoji.h"
#include "text/url.h"

/* One entry as we will store it. */
struct entry {
	const char *uid, *url, *author, *text, *html;
	time_t published;
	time_t updated;        /* issue 15: dt-updated (dt-deleted), 0: none */
	bool deleted;          /* issue 15: a tombstone */
	const cJSON *item;     /* the parsed h-entry: its reply is resolved
	                          when it is stored */
	struct ic_attach *att; /* issue 15: announced files, pending */
	size_t natt;
};

struct fetch_state {
	struct ic_req *req;
	const char *conv_id;
	struct ic_conv conv;
	struct ic_held_token held;
	struct entry *entries;
	size_t n, cap;
	const char *peer_name, *peer_photo;
	size_t stored;  /* out: new messages stored by the last page */
	size_t edited;  /* out: messages whose text an edit replaced */
	size_t changed; /* out: messages a reaction changed */
	size_t known;   /* out: entries of the page already stored */
	size_t unseen;  /* out: entries of the page not stored yet */
	long long now;
	/* Issue 13: the newest page's ETag as answered, whether it came back
	 * 304 (nothing new: nothing parsed), and whether the transaction at
	 * hand stores the newest page (the one the tag belongs to). */
	const char *new_etag;
	bool unchanged, storing_newest;
};

/* properties[name][0] */
static const cJSON *first_prop(const cJSON *item, const char *name)
{
	const cJSON *props =
	        cJSON_GetObjectItemCaseSensitive(item, "properties");

	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(props, name),
	                          0);
}

/* A property as a string: a string value, or a nested item's "value". */
static const char *prop_str(const cJSON *item, const char *name)
{
	const cJSON *v = first_prop(item, name);

	if (cJSON_IsString(v))
		return v->valuestring;
	v = cJSON_GetObjectItemCaseSensitive(v, "value");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool has_type(const cJSON *item, const char *type)
{
	const cJSON *t;

	cJSON_ArrayForEach(
	        t, cJSON_GetObjectItemCaseSensitive(
	                   item, "type")) if (cJSON_IsString(t) &&
	                                      strcmp(t->valuestring, type) ==
	                                              0) return true;
	return false;
}

/* A scheme is case-insensitive (RFC 3986 §3.1): HTTPS://Example.COM/ is
 * the same site as https://example.com/ (ic_url_same_origin then
 * compares the normalised origins). */
static bool http_url(const char *u)
{
	return u && (strncasecmp(u, "https://", 8) == 0 ||
	             strncasecmp(u, "http://", 7) == 0);
}

/* The author's URL: a string URL or an h-card's url (MC-7). */
static const char *author_url(const cJSON *entry)
{
	const cJSON *a = first_prop(entry, "author");
	const char *u;

	if (cJSON_IsString(a))
		return a->valuestring;
	u = prop_str(a, "url");
	return u;
}

/* Schemes a reply target may never have, even when a peer made it the
 * uid of one of its messages: it is shown in pages and the JSON. */
static bool script_url(const char *u)
{
	static const char *const bad[] = {"javascript:", "data:", "vbscript:"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strncasecmp(u, bad[i], strlen(bad[i])) == 0)
			return true;
	return false;
}

const char *ic_receive_reply_target(const cJSON *entry, bool *claimed)
{
	const cJSON *v = first_prop(entry, "in-reply-to");
	const char *u = NULL;

	*claimed = v != NULL;
	if (cJSON_IsString(v))
		u = v->valuestring;
	else if (cJSON_IsObject(v)) /* an h-cite: its uid, else its url */
		u = prop_str(v, "uid") ? prop_str(v, "uid")
		                       : prop_str(v, "url");
	if (u == NULL || *u == '\0' || strlen(u) > IC_MAX_UID_BYTES ||
	    script_url(u))
		return NULL;
	for (const unsigned char *c = (const unsigned char *)u; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return NULL;
	return u;
}

void ic_receive_reply_in_txn(struct ic_store_txn *t, const cJSON *entry,
                             struct ic_msg *m)
{
	bool claimed = false;
	const char *u = entry ? ic_receive_reply_target(entry, &claimed) : NULL;

	m->in_reply_to = NULL;
	m->reply_unknown = false;
	if (u != NULL && ic_store_msg_uid_known_in_txn(t, m->conv, u))
		m->in_reply_to = u;
	else
		m->reply_unknown = claimed;
}

/* Issue 15: a reacji is kept on its target (react.h in messages/). */
bool ic_receive_reaction_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                const char *conv, const char *uid,
                                const char *text, long long published,
                                const cJSON *item, enum ic_err *rc)
{
	bool claimed = false;
	const char *to;
	struct ic_msg target;

	*rc = IC_OK;
	if (item == NULL)
		return false;
	to = ic_receive_reply_target(item, &claimed);
	if (to == NULL || !ic_emoji_one(text))
		return false;
	if (ic_store_msg_by_uid_in_txn(t, a, conv, to, &target) != IC_OK)
		return false; /* a reply to a message not here: a message */
	*rc = ic_store_msg_alias_in_txn(t, a, uid, &target);
	if (*rc != IC_OK)
		return true;
	/* Oldest first is the usual order; a late older one loses. */
	if (target.their_reaction && target.their_reaction_at > published)
		return true;
	target.their_reaction = text;
	target.their_reaction_at = published;
	target.their_reaction_uid = uid;
	*rc = ic_store_msg_update_in_txn(t, a, &target);
	return true;
}

/* Issue 15: the entry's files under their feed, pending; the lines our
 * feed adds for them to e-content are not the message's text. */
static enum ic_err add_attachments(struct fetch_state *f, const cJSON *e,
                                   struct entry *en)
{
	size_t files;
	char *text;
	enum ic_err rc =
	        ic_receive_attachments(f->req->arena, e, f->held.resource,
	                               &en->att, &en->natt, &files);

	if (rc != IC_OK || files == 0)
		return rc;
	text = ic_arena_strdup(f->req->arena, en->text);
	if (text == NULL)
		return IC_ERR_NOMEM;
	ic_receive_strip_file_lines(text);
	en->text = text;
	/* Their HTML holds the same lines as links to their site, which
	 * only a token opens: the text (and our copies) show them. */
	en->html = NULL;
	return IC_OK;
}

static enum ic_err add_entry(struct fetch_state *f, const cJSON *e,
                             const char *base)
{
	struct ic_req *req = f->req;
	struct entry en = {0};
	const cJSON *content = first_prop(e, "content");
	const char *published = prop_str(e, "published");
	char *clean;
	size_t cl;
	long long when;

	en.uid = prop_str(e, "uid");
	en.url = prop_str(e, "url");
	if (en.uid == NULL)
		en.uid = en.url; /* MC-4: uid, else url, else unusable */
	/* The uid index key must fit LMDB's 511-byte keys with the
	 * conversation id in front: a longer uid is unusable, not fatal. */
	if (en.uid == NULL || strlen(en.uid) > IC_MAX_UID_BYTES)
		return IC_OK;
	/* URLs we keep must be http(s): parsers pass javascript: through. */
	if (!http_url(en.url))
		en.url = NULL;
	en.item = e;
	en.author = author_url(e);
	/* MC-5: the sender is the feed's site, whatever the entry claims. */
	if (en.author == NULL || !http_url(en.author) ||
	    !ic_url_same_origin(en.author, f->held.resource)) {
		ic_log(IC_LOG_WARN,
		       "entry %s in %s: author %s is not the "
		       "feed's site; dropped",
		       en.uid, f->held.resource, en.author ? en.author : "-");
		return IC_OK;
	}
	if (published != NULL &&
	    ic_mf2_datetime(published, &when, NULL) == IC_OK)
		en.published = (time_t)when;
	else
		en.published = f->now; /* MC-4: receipt time */
	if (prop_str(e, "updated") != NULL &&
	    ic_mf2_datetime(prop_str(e, "updated"), &when, NULL) == IC_OK)
		en.updated = (time_t)when;
	if (cJSON_IsString(content)) {
		en.text = content->valuestring;
	} else {
		const cJSON *html =
		        cJSON_GetObjectItemCaseSensitive(content, "html");
		const cJSON *value =
		        cJSON_GetObjectItemCaseSensitive(content, "value");

		if (cJSON_IsString(html) &&
		    ic_sanitize_html(req->arena, html->valuestring,
		                     strlen(html->valuestring), base, &clean,
		                     &cl, NULL) == IC_OK)
			en.html = clean;
		if (cJSON_IsString(value))
			en.text = value->valuestring;
	}
	/* Issue 15: a tombstone has no content; what it had is dropped. */
	if (prop_str(e, "deleted") != NULL &&
	    ic_mf2_datetime(prop_str(e, "deleted"), &when, NULL) == IC_OK) {
		en.deleted = true;
		en.updated = (time_t)when;
		en.text = "";
		en.html = NULL;
	}
	if (en.text == NULL)
		return IC_OK; /* nothing to show */
	if (!en.deleted && add_attachments(f, e, &en) != IC_OK)
		return IC_ERR_NOMEM;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct entry *p = ic_arena_calloc(req->arena, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (f->n)
			memcpy(p, f->entries, f->n * sizeof(*p));
		f->entries = p;
		f->cap = cap;
	}
	f->entries[f->n++] = en;
	return IC_OK;
}

/* MC-4: the first h-feed's children, else the top-level h-entries. */
static enum ic_err collect(struct fetch_state *f, const cJSON *doc,
                           const char *base)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	const cJSON *it, *feed = NULL, *list = items;
	enum ic_err rc = IC_OK;

	cJSON_ArrayForEach(it, items) if (has_type(it, "h-feed"))
	{
		feed = it;
		break;
	}
	if (feed != NULL) {
		const cJSON *author = first_prop(feed, "author");
		const char *photo = prop_str(author, "photo");

		list = cJSON_GetObjectItemCaseSensitive(feed, "children");
		f->peer_name = prop_str(author, "name");
		f->peer_photo = http_url(photo) ? photo : NULL;
	}
	f->n = 0;
	cJSON_ArrayForEach(it, list) if (rc == IC_OK && has_type(it, "h-entry"))
	        rc = add_entry(f, it, base);
	return rc;
}

static enum ic_err load_txn(struct ic_store_txn *t, void *p)
{
	struct fetch_state *f = p;
	enum ic_err rc = ic_store_conv_get_in_txn(t, f->req->arena, f->conv_id,
	                                          &f->conv);

	if (rc == IC_OK)
		rc = ic_store_held_get_in_txn(t, f->req->arena, f->conv_id,
		                              &f->held);
	return rc;
}

/* Issue 15: a known entry with a newer dt-updated replaces the text of
 * their message, a tombstone (dt-deleted) drops it for good; the same or
 * an older one, or a uid of ours (a peer may change only its own
 * messages), changes nothing. */
static enum ic_err edit_in_txn(struct ic_store_txn *t, struct fetch_state *f,
                               const struct entry *e)
{
	struct ic_msg m;
	enum ic_err rc;

	/* No dt-updated, or one that is only dt-published again. */
	if (e->updated == 0 || (!e->deleted && e->updated <= e->published))
		return IC_OK;
	rc = ic_store_msg_by_uid_in_txn(t, f->req->arena, f->conv_id, e->uid,
	                                &m);
	if (rc != IC_OK || m.deleted ||
	    (!e->deleted && m.updated >= (long long)e->updated))
		return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
	/* The tombstone of their reaction (the uid is an alias of the
	 * target's): the reaction goes. */
	if (e->deleted && m.their_reaction_uid &&
	    strcmp(m.their_reaction_uid, e->uid) == 0) {
		m.their_reaction = m.their_reaction_uid = NULL;
		m.their_reaction_at = (long long)e->updated;
		f->changed++;
		return ic_store_msg_update_in_txn(t, f->req->arena, &m);
	}
	/* The entry of an older reaction of theirs: nothing shows it. */
	if (strcmp(m.uid, e->uid) != 0)
		return IC_OK;
	if (m.dir != 'i') {
		ic_log(IC_LOG_WARN,
		       "entry %s in %s %s a message that is not theirs; "
		       "ignored",
		       e->uid, f->held.resource,
		       e->deleted ? "deletes" : "edits");
		return IC_OK;
	}
	m.text = e->text;
	m.html = e->html;
	m.deleted = e->deleted;
	m.updated = (long long)e->updated;
	f->edited++;
	return ic_store_msg_update_in_txn(t, f->req->arena, &m);
}

static enum ic_err store_txn(struct ic_store_txn *t, void *p)
{
	struct fetch_state *f = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, f->req->arena, f->conv_id, &conv);

	f->stored = 0;
	f->edited = 0;
	f->changed = 0;
	if (rc)
		return rc;
	/* Declined or blocked while this fetch ran: keep nothing. */
	if (!ic_conv_may_receive(conv.state))
		return IC_OK;
	/* Oldest first, so local seqs follow the page's order in time. */
	for (size_t i = f->n; rc == IC_OK && i-- > 0;) {
		struct entry *e = &f->entries[i];
		struct ic_msg m = {0};

		if (ic_store_msg_uid_known_in_txn(t, f->conv_id, e->uid)) {
			rc = edit_in_txn(t, f, e);
			continue;
		}
		if (e->deleted)
			continue; /* a tombstone of a message never here */
		/* Issue 15: a reaction changes its target; no new message. */
		if (ic_receive_reaction_in_txn(t, f->req->arena, f->conv_id,
		                               e->uid, e->text, e->published,
		                               e->item, &rc)) {
			if (rc == IC_ERR_CONFLICT)
				rc = IC_OK; /* the same uid twice on one page */
			else if (rc == IC_OK)
				f->changed++;
			continue;
		}
		m.conv = f->conv_id;
		m.dir = 'i';
		m.seq = conv.in_seq + 1;
		m.uid = e->uid;
		m.url = e->url;
		m.published = e->published;
		m.received = f->now;
		m.order = conv.out_seq + conv.in_seq + 1;
		m.text = e->text;
		m.html = e->html;
		m.author = e->author;
		/* Edited before we saw it (some sites stamp every entry with
		 * dt-updated = dt-published: not an edit). */
		if (e->updated > e->published)
			m.updated = (long long)e->updated;
		ic_receive_reply_in_txn(t, e->item, &m);
		m.att = e->att;
		m.natt = e->natt;
		rc = ic_store_msg_put_in_txn(t, f->req->arena, &m);
		/* Issue 15: the files are fetched after this commit, by a job
		 * that a crash leaves due (receive_attach.h). */
		if (rc == IC_OK && e->natt)
			rc = ic_due_schedule_in_txn(
			        t, f->req->arena, IC_RECEIVE_ATTACH_JOB,
			        f->conv_id, f->now, 0, true);
		if (rc == IC_OK) {
			conv.in_seq++;
			conv.unread++;
			f->stored++;
		} else if (rc == IC_ERR_CONFLICT) {
			rc = IC_OK; /* the same uid twice on one page */
		}
	}
	if (rc)
		return rc;
	if (f->stored || f->edited)
		conv.updated = f->now;
	if (f->edited || f->changed)
		conv.changes++;
	conv.last_fetch = f->now;
	conv.fetch_error = NULL; /* their feed reads again */
	conv.fetch_error_at = 0;
	if (f->peer_name)
		conv.peer_name = f->peer_name;
	if (f->peer_photo)
		conv.peer_photo = f->peer_photo;
	/* The tag of the page just stored whole; a 304 keeps the old one. */
	if (f->storing_newest && !f->unchanged)
		conv.their_etag = f->new_etag;
	rc = ic_store_conv_put_in_txn(t, f->req->arena, &conv);
	/* Issue 16: the owner hears of them from this very commit. */
	if (rc == IC_OK && f->stored && !conv.notify_muted &&
	    ic_config_notify_on(&f->req->cfg))
		rc = ic_store_notify_event_in_txn(
		        t, f->req->arena, f->conv_id, IC_NOTIFY_MESSAGES,
		        (long long)f->stored,
		        conv.in_seq - (long long)f->stored + 1, conv.in_seq,
		        f->now);
	/* A lost ping is healed by the next poll, even on a quiet site. */
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(
		        t, f->req->arena, "fetch", f->conv_id,
		        f->now + IC_RECEIVE_POLL_SECONDS, 0, false);
	return rc;
}

/* Issue 15: a change (dt-deleted, or dt-updated after dt-published) may
 * be an older page's entry that the newest page carries again (our
 * feed_pages.h does): knowing it says nothing about where the unread
 * entries end, so it does not stop a catch-up. */
static bool is_change(const struct entry *e)
{
	return e->deleted || e->updated > e->published;
}

static enum ic_err known_txn(struct ic_store_txn *t, void *p)
{
	struct fetch_state *f = p;

	f->known = f->unseen = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (!ic_store_msg_uid_known_in_txn(t, f->conv_id,
		                                   f->entries[i].uid))
			f->unseen++;
		else if (!is_change(&f->entries[i]))
			f->known++;
	}
	return IC_OK;
}

/* Parse one page of @p url and collect its entries (into a new array);
 * *prev is the older page to read too, when every entry here is new. */
static enum ic_err parse_page(struct fetch_state *f, const char *url,
                              const char *body, size_t len, const char **prev,
                              char *errbuf)
{
	struct ic_req *req = f->req;
	struct ic_store *st;
	cJSON *doc, *rels;
	enum ic_err rc;

	*prev = NULL;
	f->entries = NULL;
	f->n = f->cap = 0;
	rc = ic_mf2_parse(req->arena, body, len, url, &doc, errbuf);
	if (rc == IC_OK)
		rc = collect(f, doc, url);
	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, known_txn, f, errbuf);
	if (rc != IC_OK)
		return rc;
	rels = cJSON_GetObjectItemCaseSensitive(doc, "rels");
	rels = cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(rels, "prev"), 0);
	/* Catch-up: an all-new page may have older unseen pages behind it
	 * (a page of changes alone, however many, has nothing new). */
	if (f->unseen > 0 && f->known == 0 && cJSON_IsString(rels) &&
	    ic_url_same_origin(rels->valuestring, url))
		*prev = ic_arena_strdup(req->arena, rels->valuestring);
	return IC_OK;
}

/* GET one page and collect its entries; *prev as parse_page(). */
static enum ic_err fetch_page(struct fetch_state *f, const char *url,
                              const char **prev, char *errbuf)
{
	struct ic_req *req = f->req;
	/* read_pages() starts at the resource: the newest page. */
	bool newest = url == f->held.resource;
	struct ic_fetch_result res;
	const char *tag;
	enum ic_err rc;

	*prev = NULL;
	f->entries = NULL;
	f->n = f->cap = 0;
	rc = ic_peer_get_feed(
	        req, url, f->held.access_token, IC_MAX_FETCH_FEED_BYTES,
	        newest ? f->conv.their_etag : NULL, &res, &tag, errbuf);
	if (rc != IC_OK)
		return rc;
	/* Unchanged since we stored it whole: nothing to parse or store. */
	if (res.status == 304 && newest && f->conv.their_etag) {
		f->unchanged = true;
		return IC_OK;
	}
	if (res.status == 401 || res.status == 403)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED,
		               "%s refused our token (HTTP %ld)", url,
		               res.status);
	if (res.status != 200)
		return ic_fail(errbuf, IC_ERR_PROTOCOL, "%s answered HTTP %ld",
		               url, res.status);
	if (newest)
		f->new_etag = tag;
	return parse_page(f, res.final_url, res.body, res.body_len, prev,
	                  errbuf);
}

/* One page's entries, kept until the whole catch-up has been read. */
struct page {
	struct entry *entries;
	size_t n;
};

/*
 * Read the newest page and, while a page is all new, the older ones; then
 * store them oldest page first, one transaction each.  Nothing is stored
 * when any page cannot be read (the retry reads them all again), and a
 * crash while storing leaves the older pages stored: either way the next
 * fetch walks back to the first page with a known entry, so no gap stays
 * behind, and local order follows the sender's.
 */
struct mark_ctx {
	struct ic_arena *a;
	const char *conv_id, *why;
	long long now;
};

static enum ic_err mark_txn(struct ic_store_txn *t, void *p)
{
	struct mark_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_get_in_txn(t, c->a, c->conv_id, &conv);

	if (rc != IC_OK)
		return rc;
	conv.fetch_error = c->why;
	conv.fetch_error_at = c->now;
	return ic_store_conv_put_in_txn(t, c->a, &conv);
}

/* A feed we could not read marks its conversation with the reason, for the
 * owner's pages; nothing of the feed is stored (issue 11). */
static void mark_failed(struct fetch_state *f, const char *why)
{
	struct mark_ctx c = {f->req->arena, f->conv_id, NULL, f->now};
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_store *st;

	c.why = ic_arena_printf(f->req->arena, "%.*s", IC_FETCH_ERROR_CHARS,
	                        why && *why ? why : "unknown error");
	if (c.why == NULL || ic_req_store(f->req, &st) != IC_OK ||
	    ic_store_update(st, mark_txn, &c, errbuf) != IC_OK)
		ic_log(IC_LOG_WARN, "could not mark conversation %s: %s",
		       f->conv_id, why);
}

/* Read the newest page and the older all-new ones into @p pages. */
static enum ic_err read_pages(struct fetch_state *f, struct page *pages,
                              size_t *np, char *errbuf)
{
	const char *url, *prev;
	enum ic_err rc;

	*np = 0;
	f->unchanged = false;
	f->new_etag = NULL;
	for (url = f->held.resource; url && *np < IC_MAX_CATCHUP_PAGES;
	     url = prev) {
		rc = fetch_page(f, url, &prev, errbuf);
		if (rc != IC_OK)
			return rc;
		pages[*np].entries = f->entries;
		pages[(*np)++].n = f->n;
	}
	return IC_OK;
}

/* TR-11: a refused token is refreshed (or a ticket asked for) and the
 * read tried once more with what we then hold. */
static enum ic_err read_renewing(struct fetch_state *f, struct ic_store *st,
                                 struct page *pages, size_t *np, char *errbuf)
{
	enum ic_err rc = read_pages(f, pages, np, errbuf);

	if (rc != IC_ERR_UNAUTHENTICATED)
		return rc;
	ic_log(IC_LOG_INFO, "%s", errbuf);
	rc = ic_credential_renew(f->req, f->conv_id, errbuf);
	if (rc == IC_OK)
		rc = ic_store_view(st, load_txn, f, errbuf);
	return rc == IC_OK ? read_pages(f, pages, np, errbuf) : rc;
}

/* The conversation and the token we hold for it, read once. */
static enum ic_err begin(struct ic_req *req, const char *conv_id,
                         struct fetch_state *f, struct ic_store **st,
                         char *errbuf)
{
	enum ic_err rc = ic_req_store(req, st);

	f->req = req;
	f->conv_id = conv_id;
	f->now = time(NULL);
	return rc == IC_OK ? ic_store_view(*st, load_txn, f, errbuf) : rc;
}

enum ic_err ic_receive_fetch(struct ic_req *req, const char *conv_id,
                             char *errbuf)
{
	struct fetch_state f = {0};
	struct page pages[IC_MAX_CATCHUP_PAGES];
	size_t np = 0, total = 0;
	struct ic_store *st;
	enum ic_err rc = begin(req, conv_id, &f, &st, errbuf);

	if (rc != IC_OK)
		return rc;
	rc = read_renewing(&f, st, pages, &np, errbuf);
	if (rc != IC_OK) {
		mark_failed(&f, errbuf);
		return rc;
	}
	while (np-- > 0) {
		f.entries = pages[np].entries;
		f.n = pages[np].n;
		f.storing_newest = np == 0;
		rc = ic_store_update(st, store_txn, &f, errbuf);
		if (rc != IC_OK)
			return rc;
		total += f.stored;
	}
	if (total)
		ic_log(IC_LOG_INFO, "stored %zu new message(s) from %s", total,
		       f.held.resource);
	return IC_OK;
}

enum ic_err ic_receive_delivered(struct ic_req *req, const char *conv_id,
                                 const char *body, size_t len, bool *whole,
                                 char *errbuf)
{
	struct fetch_state f = {0};
	const char *prev = NULL;
	char why[IC_ERRBUF_SIZE] = "";
	struct ic_store *st;
	enum ic_err rc = begin(req, conv_id, &f, &st, errbuf);

	*whole = false;
	if (rc != IC_OK)
		return rc;
	/* Unreadable, no entries (the stub, from a hub that sends no page),
	 * or every entry new with older pages behind: the caller fetches. */
	rc = parse_page(&f, f.held.resource, body, len, &prev, why);
	if (rc != IC_OK || f.n == 0 || prev != NULL) {
		ic_log(IC_LOG_INFO,
		       "delivery for %s not read alone (%s): fetching",
		       f.held.resource,
		       rc != IC_OK ? why
		       : f.n == 0  ? "no entries"
		                   : "older pages to read first");
		return rc == IC_ERR_NOMEM || rc == IC_ERR_DATABASE ? rc : IC_OK;
	}
	/* Its bytes are not the ETag's: the next poll reads the page whole
	 * (new_etag stays NULL). */
	f.storing_newest = true;
	rc = ic_store_update(st, store_txn, &f, errbuf);
	if (rc != IC_OK)
		return rc;
	*whole = true;
	if (f.stored)
		ic_log(IC_LOG_INFO, "stored %zu new message(s) from %s",
		       f.stored, f.held.resource);
	return IC_OK;
}
