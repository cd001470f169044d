/*
 * store_search.c - queries over the message index (see store_search.h).
 */
#include "store/store_search.h"

#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "store/store_conv.h"
#include "store/store_index.h"
#include "store/store_msg.h"
#include "text/json.h"

/* META key: the index holds every message stored before it existed. */
static const char built_key[] = "search_index";

struct query {
	char w[IC_SEARCH_QUERY_WORDS][IC_SEARCH_WORD_MAX + 1];
	size_t wl[IC_SEARCH_QUERY_WORDS];
	size_t k; /* words; the last is also a prefix */
};

static enum ic_err parse_query(const char *q, struct query *out, char *errbuf)
{
	struct ic_index_word w;
	size_t pos = 0;

	out->k = 0;
	if (strlen(q) > IC_SEARCH_QUERY_MAX)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a search is at most %d bytes",
		               IC_SEARCH_QUERY_MAX);
	while (ic_index_next_word(q, &pos, &w)) {
		if (w.nlen < IC_SEARCH_WORD_MIN)
			continue;
		if (out->k == IC_SEARCH_QUERY_WORDS)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "a search has at most %d words",
			               IC_SEARCH_QUERY_WORDS);
		memcpy(out->w[out->k], w.norm, w.nlen + 1);
		out->wl[out->k++] = w.nlen;
	}
	if (out->k == 0)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a search needs a word of at least %d letters "
		               "or digits",
		               IC_SEARCH_WORD_MIN);
	return IC_OK;
}

/* --- The scan ---------------------------------------------------------- */

struct cand {
	struct ic_search_result r;
};

struct scan {
	struct ic_store_txn *t;
	struct ic_arena *a;
	const struct query *q;
	const char *conv; /* filter, or NULL */
	size_t limit, driver;
	bool by_prefix; /* the driver is the last word as a prefix */
	struct cand *c;
	size_t n, cap;
	size_t scanned, reads, group_n;
	const void *last; /* ic_index_last_moved() */
	size_t last_len;
	char group[IC_SEARCH_WORD_MAX + 2 + 256]; /* word '\0' conv */
	size_t group_len;
	unsigned char seek[IC_SEARCH_WORD_MAX + 2 + 256 + 2];
	size_t seek_len; /* > 0: scan again from here */
	bool more;
};

static bool has_key(struct scan *s, size_t i, const char *conv,
                    const unsigned char *tail)
{
	unsigned char key[IC_SEARCH_WORD_MAX + 2 + 256 + IC_INDEX_TAIL];
	size_t cl = strlen(conv), wl = s->q->wl[i];
	const void *v;
	size_t vl;

	memcpy(key, s->q->w[i], wl + 1);
	memcpy(key + wl + 1, conv, cl + 1);
	memcpy(key + wl + cl + 2, tail, IC_INDEX_TAIL);
	return ic_store_txn_get(s->t, IC_DB_SEARCH, key,
	                        wl + cl + 2 + IC_INDEX_TAIL, &v, &vl) == IC_OK;
}

/* Whether the space-separated @p words hold @p w (or a word that starts
 * with it, with @p prefix). */
static bool words_have(const char *words, size_t vl, const char *w, size_t wl,
                       bool prefix)
{
	for (size_t i = 0; i < vl;) {
		const char *sp = memchr(words + i, ' ', vl - i);
		size_t tl = (sp ? (size_t)(sp - words) : vl) - i;

		if ((prefix ? tl >= wl : tl == wl) &&
		    memcmp(words + i, w, wl) == 0)
			return true;
		i += tl + 1;
	}
	return false;
}

static const struct ic_msg *read_msg(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_search_result *r)
{
	struct ic_msg *m = NULL;
	size_t n = 0;

	if (ic_store_msg_range_in_txn(t, a, r->conv, r->dir, r->seq, r->seq, &m,
	                              &n) != IC_OK ||
	    n != 1)
		return NULL;
	return m;
}

/* The last word as a prefix, against the message's word list. */
static bool has_prefix(struct scan *s, const char *conv,
                       const unsigned char *tail)
{
	unsigned char key[IC_INDEX_TAIL + 256];
	size_t cl = strlen(conv), last = s->q->k - 1, vl;
	const void *v;

	memcpy(key, tail, IC_INDEX_TAIL);
	memcpy(key + IC_INDEX_TAIL, conv, cl);
	return ic_store_txn_get(s->t, IC_DB_SEARCH_WORDS, key,
	                        IC_INDEX_TAIL + cl, &v, &vl) == IC_OK &&
	       words_have(v, vl, s->q->w[last], s->q->wl[last], true);
}

/* Every word but the driver: exact ones by one key look-up each, the
 * last as a prefix by one look-up of the message's words (unless the
 * driver is it). */
static enum ic_err verify(struct scan *s, const char *conv,
                          const unsigned char *tail, bool *ok)
{
	size_t last = s->q->k - 1;

	*ok = true;
	for (size_t i = 0; *ok && i < last; i++)
		if (i != s->driver || s->by_prefix)
			*ok = has_key(s, i, conv, tail);
	if (!*ok || s->by_prefix)
		return IC_OK;
	if (++s->reads > IC_SEARCH_READ_MAX) {
		s->more = true;
		return IC_STORE_STOP;
	}
	*ok = has_prefix(s, conv, tail);
	return IC_OK;
}

static enum ic_err add(struct scan *s, const struct cand *c)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct cand *p = ic_arena_alloc(s->a, cap * sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (s->n)
			memcpy(p, s->c, s->n * sizeof(*p));
		s->c = p;
		s->cap = cap;
	}
	s->c[s->n++] = *c;
	return IC_OK;
}

/* Scan again from @p word '\0' @p conv followed by @p last. */
static enum ic_err seek_to(struct scan *s, const char *word, size_t wl,
                           const char *conv, char last)
{
	size_t cl = conv ? strlen(conv) : 0;

	memcpy(s->seek, word, wl);
	s->seek_len = wl;
	s->seek[s->seek_len++] = conv ? '\0' : (unsigned char)last;
	if (conv) {
		memcpy(s->seek + s->seek_len, conv, cl);
		s->seek_len += cl;
		s->seek[s->seek_len++] = (unsigned char)last;
	}
	return IC_STORE_STOP;
}

/* A new (word, conv) group resets its count; a prefix scan with a
 * conversation filter jumps over the other conversations. */
static enum ic_err enter_group(struct scan *s, const char *word, size_t wl,
                               const char *conv, bool *skip)
{
	size_t gl = wl + 1 + strlen(conv);

	*skip = false;
	if (s->by_prefix && s->conv && strcmp(conv, s->conv) != 0) {
		*skip = true;
		return strcmp(conv, s->conv) < 0
		               ? seek_to(s, word, wl, s->conv, '\0')
		               : seek_to(s, word, wl, NULL, '\x01');
	}
	if (gl != s->group_len || memcmp(s->group, word, gl) != 0) {
		memcpy(s->group, word, gl);
		s->group_len = gl;
		s->group_n = 0;
	}
	return IC_OK;
}

static enum ic_err scan_one(const void *k, size_t kl, const void *v, size_t vl,
                            void *ctx)
{
	struct scan *s = ctx;
	const char *word = k, *conv, *z;
	struct cand c = {0};
	struct ic_index_hit h;
	bool skip, ok;
	enum ic_err rc;

	(void)v;
	(void)vl;
	if (++s->scanned > IC_SEARCH_SCAN_MAX) {
		s->more = true;
		return IC_STORE_STOP;
	}
	z = memchr(word, '\0', kl);
	conv = z ? z + 1 : NULL;
	z = conv ? memchr(conv, '\0', kl - (size_t)(conv - word)) : NULL;
	if (z == NULL || kl - (size_t)(z + 1 - word) != IC_INDEX_TAIL)
		return IC_OK; /* not an index key: nothing to find in it */
	rc = enter_group(s, word, (size_t)(conv - word) - 1, conv, &skip);
	if (skip || rc != IC_OK)
		return rc;
	if (!ic_index_untail((const unsigned char *)z + 1, &h))
		return IC_OK;
	c.r.dir = h.dir;
	c.r.seq = h.seq;
	c.r.received = h.received;
	rc = verify(s, conv, (const unsigned char *)z + 1, &ok);
	if (rc != IC_OK || !ok)
		return rc;
	/* The key's own bytes: a read transaction keeps them in place
	 * until it ends, and finish() copies the few it keeps. */
	c.r.conv = conv;
	if (add(s, &c) != IC_OK)
		return IC_ERR_NOMEM;
	/* limit + 1 of a group: its newest, and whether there is more. */
	if (++s->group_n <= s->limit)
		return IC_OK;
	if (!s->by_prefix && s->conv)
		return IC_STORE_STOP; /* the one group there is */
	return seek_to(s, word, (size_t)(conv - word) - 1, conv, '\x01');
}

/* Postings of word @p i (in the filtered conversation), counted up to
 * @p cap: the rarest whole word drives the scan. */
struct count {
	size_t n, cap;
};

static enum ic_err count_one(const void *k, size_t kl, const void *v, size_t vl,
                             void *ctx)
{
	struct count *c = ctx;

	(void)k;
	(void)kl;
	(void)v;
	(void)vl;
	return ++c->n >= c->cap ? IC_STORE_STOP : IC_OK;
}

/* The range of word @p i: word '\0' [conv '\0']. */
static size_t word_range(const struct scan *s, size_t i, unsigned char *out)
{
	size_t wl = s->q->wl[i], cl = s->conv ? strlen(s->conv) : 0;

	memcpy(out, s->q->w[i], wl + 1);
	if (s->conv)
		memcpy(out + wl + 1, s->conv, cl + 1);
	return wl + 1 + (s->conv ? cl + 1 : 0);
}

static enum ic_err choose_driver(struct scan *s)
{
	unsigned char r[sizeof(s->seek)];
	size_t best = (size_t)-1;

	s->by_prefix = s->q->k == 1;
	s->driver = s->q->k - 1;
	for (size_t i = 0; i + 1 < s->q->k; i++) {
		struct count c = {0, 512};
		size_t rl = word_range(s, i, r);
		enum ic_err rc = ic_store_txn_scan(s->t, IC_DB_SEARCH, r, rl,
		                                   count_one, &c);

		if (rc != IC_OK)
			return rc;
		s->scanned += c.n;
		if (c.n < best) {
			best = c.n;
			s->driver = i;
		}
	}
	return IC_OK;
}

/* --- The newest messages, not yet in the word index (store_index.h) ---- */

static enum ic_err recent_one(const void *k, size_t kl, const void *v,
                              size_t vl, void *ctx)
{
	struct scan *s = ctx;
	const char *conv = (const char *)k + IC_INDEX_TAIL;
	size_t cl = kl - IC_INDEX_TAIL, last = s->q->k - 1;
	struct ic_index_hit h;
	struct cand c = {0};

	if (!ic_index_pending(k, kl, s->last, s->last_len))
		return IC_STORE_STOP; /* the rest is in "search" */
	if (kl <= IC_INDEX_TAIL || !ic_index_untail(k, &h))
		return IC_OK;
	if (s->conv && (strlen(s->conv) != cl || memcmp(conv, s->conv, cl)))
		return IC_OK;
	for (size_t i = 0; i < last; i++)
		if (!words_have(v, vl, s->q->w[i], s->q->wl[i], false))
			return IC_OK;
	if (!words_have(v, vl, s->q->w[last], s->q->wl[last], true))
		return IC_OK;
	c.r.conv = ic_arena_strndup(s->a, conv, cl);
	c.r.dir = h.dir;
	c.r.seq = h.seq;
	c.r.received = h.received;
	return c.r.conv ? add(s, &c) : IC_ERR_NOMEM;
}

static enum ic_err run(struct scan *s)
{
	unsigned char range[sizeof(s->seek)];
	size_t rl;
	/* The messages not yet in "search": at most IC_SEARCH_RECENT_MAX,
	 * first in "search_words" ("\1": after the mark). */
	enum ic_err rc = ic_index_last_moved(s->t, &s->last, &s->last_len);

	if (rc == IC_OK)
		rc = ic_store_txn_scan_from(s->t, IC_DB_SEARCH_WORDS, "\1", 1,
		                            NULL, 0, recent_one, s);

	if (rc == IC_OK)
		rc = choose_driver(s);
	if (rc != IC_OK)
		return rc;
	if (s->by_prefix) {
		rl = s->q->wl[0];
		memcpy(range, s->q->w[0], rl);
	} else {
		rl = word_range(s, s->driver, range);
	}
	memcpy(s->seek, range, rl);
	s->seek_len = rl;
	while (rc == IC_OK && s->seek_len > 0) {
		unsigned char from[sizeof(s->seek)];
		size_t fl = s->seek_len;

		memcpy(from, s->seek, fl);
		s->seek_len = 0;
		rc = ic_store_txn_scan_from(s->t, IC_DB_SEARCH, from, fl, range,
		                            rl, scan_one, s);
	}
	return rc;
}

/* Newest first; one message found through two words is next to itself. */
static int by_newest(const void *x, const void *y)
{
	const struct ic_search_result *a = &((const struct cand *)x)->r;
	const struct ic_search_result *b = &((const struct cand *)y)->r;
	int c;

	if (a->received != b->received)
		return a->received < b->received ? 1 : -1;
	if ((c = strcmp(a->conv, b->conv)) != 0)
		return c;
	if (a->dir != b->dir)
		return a->dir - b->dir;
	return (a->seq < b->seq) - (a->seq > b->seq);
}

static size_t dedupe(struct cand *c, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (o == 0 || by_newest(&c[o - 1], &c[i]) != 0)
			c[o++] = c[i];
	return o;
}

/* --- Excerpts ---------------------------------------------------------- */

static bool matches(const struct query *q, const struct ic_index_word *w)
{
	for (size_t i = 0; i < q->k; i++) {
		bool last = i + 1 == q->k;

		if (last ? w->nlen >= q->wl[i] &&
		                    memcmp(w->norm, q->w[i], q->wl[i]) == 0
		         : strcmp(w->norm, q->w[i]) == 0)
			return true;
	}
	return false;
}

/* Back to the start of a UTF-8 character. */
static size_t char_start(const char *t, size_t i)
{
	while (i > 0 && ((unsigned char)t[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static enum ic_err excerpt(struct ic_arena *a, const struct query *q,
                           const char *text, struct ic_search_result *r)
{
	struct ic_index_word w = {0};
	size_t pos = 0, len = strlen(text), from, to, n;
	bool found = false;
	char *e;

	while (!found && ic_index_next_word(text, &pos, &w))
		found = matches(q, &w);
	if (!found)
		w.at = w.len = 0;
	from = char_start(text, w.at > IC_SEARCH_EXCERPT / 3
	                                ? w.at - IC_SEARCH_EXCERPT / 3
	                                : 0);
	to = from + IC_SEARCH_EXCERPT < len ? from + IC_SEARCH_EXCERPT : len;
	to = to < len ? char_start(text, to) : len;
	/* A word longer than the excerpt is marked as far as it is shown. */
	if (w.at + w.len > to)
		w.len = to - w.at;
	e = ic_arena_alloc(a, to - from + 8);
	if (e == NULL)
		return IC_ERR_NOMEM;
	n = 0;
	if (from > 0)
		n += (size_t)(memcpy(e, "\xe2\x80\xa6", 3), 3); /* … */
	r->mark_at = n + (w.at - from);
	r->mark_len = found ? w.len : 0;
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];

		e[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	if (to < len)
		n += (size_t)(memcpy(e + n, "\xe2\x80\xa6", 3), 3);
	e[n] = '\0';
	r->excerpt = e;
	return IC_OK;
}

/* --- The API ----------------------------------------------------------- */

static enum ic_err finish(struct scan *s, struct ic_search *out)
{
	size_t n;

	if (s->n) /* no array at all when nothing matched */
		qsort(s->c, s->n, sizeof(*s->c), by_newest);
	n = dedupe(s->c, s->n);
	out->more = s->more || n > s->limit;
	out->n = n > s->limit ? s->limit : n;
	out->r = ic_arena_calloc(s->a, out->n + 1, sizeof(*out->r));
	if (out->r == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < out->n; i++) {
		struct cand *c = &s->c[i];
		const struct ic_msg *m = read_msg(s->t, s->a, &c->r);

		if (m == NULL)
			return ic_fail(ic_store_txn_errbuf(s->t),
			               IC_ERR_DATABASE,
			               "search index names a message that is "
			               "not stored");
		c->r.published = m->published;
		c->r.order = m->order;
		if (excerpt(s->a, s->q, m->text ? m->text : "", &c->r) != IC_OK)
			return IC_ERR_NOMEM;
		c->r.conv = ic_arena_strdup(s->a, c->r.conv);
		if (c->r.conv == NULL)
			return IC_ERR_NOMEM;
		out->r[i] = c->r;
	}
	return IC_OK;
}

enum ic_err ic_store_search_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                   const char *query, const char *conv,
                                   size_t limit, struct ic_search *out)
{
	struct query q;
	struct scan s = {0};
	char *eb = ic_store_txn_errbuf(t);
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	if (limit < 1 || limit > IC_SEARCH_LIMIT_MAX)
		return ic_fail(eb, IC_ERR_BAD_INPUT,
		               "a search shows 1 to %d results",
		               IC_SEARCH_LIMIT_MAX);
	if (conv && (strlen(conv) > 255 || *conv == '\0'))
		return ic_fail(eb, IC_ERR_BAD_INPUT, "no such conversation");
	rc = parse_query(query ? query : "", &q, eb);
	if (rc != IC_OK)
		return rc;
	s.t = t;
	s.a = a;
	s.q = &q;
	s.conv = conv;
	s.limit = limit;
	rc = run(&s);
	return rc == IC_OK ? finish(&s, out) : rc;
}

struct search_ctx {
	struct ic_arena *a;
	const char *query, *conv;
	size_t limit;
	struct ic_search *out;
};

static enum ic_err search_fn(struct ic_store_txn *t, void *p)
{
	struct search_ctx *c = p;

	return ic_store_search_in_txn(t, c->a, c->query, c->conv, c->limit,
	                              c->out);
}

enum ic_err ic_store_search(struct ic_store *st, struct ic_arena *a,
                            const char *query, const char *conv, size_t limit,
                            struct ic_search *out, char *errbuf)
{
	struct search_ctx c = {a, query, conv, limit, out};
	enum ic_err rc = ic_store_search_build(st, errbuf);

	return rc == IC_OK ? ic_store_view(st, search_fn, &c, errbuf) : rc;
}

/* --- Building the index of older messages ------------------------------ */

struct build {
	struct ic_arena *a; /* the conversations' */
	struct ic_conv *convs;
	size_t n;
	bool built;
	/* one chunk */
	const char *conv;
	char dir;
	long long from, to;
};

static enum ic_err look_fn(struct ic_store_txn *t, void *p)
{
	struct build *b = p;
	struct ic_arena *a = ic_arena_new(0);
	cJSON *j;
	enum ic_err rc;

	if (a == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get_json(t, a, IC_DB_META, built_key,
	                           strlen(built_key), &j);
	b->built = rc == IC_OK;
	ic_arena_free(a);
	return rc == IC_ERR_NOT_FOUND || rc == IC_OK ? IC_OK : rc;
}

static enum ic_err list_fn(struct ic_store_txn *t, void *p)
{
	struct build *b = p;

	return ic_store_conv_list_in_txn(t, b->a, &b->convs, &b->n);
}

static enum ic_err chunk_fn(struct ic_store_txn *t, void *p)
{
	struct build *b = p;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_msg *m;
	size_t n;
	enum ic_err rc;

	if (a == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_msg_range_in_txn(t, a, b->conv, b->dir, b->from, b->to,
	                               &m, &n);
	/* Puts overwrite: a message indexed when it was stored, or by an
	 * earlier interrupted build, is indexed again harmlessly. */
	for (size_t i = 0; rc == IC_OK && i < n; i++)
		rc = ic_store_index_msg_in_txn(t, m[i].conv, m[i].dir, m[i].seq,
		                               m[i].received, m[i].text, true);
	ic_arena_free(a);
	return rc;
}

static enum ic_err mark_fn(struct ic_store_txn *t, void *p)
{
	struct ic_arena *a = ic_arena_new(0);
	cJSON *j = a ? ic_json_record(a, 1) : NULL;
	enum ic_err rc = IC_ERR_NOMEM;

	(void)p;
	if (j && cJSON_AddNumberToObject(j, "built", 1))
		rc = ic_store_txn_put_json(t, IC_DB_META, built_key,
		                           strlen(built_key), j);
	ic_arena_free(a);
	return rc;
}

static enum ic_err build_conv(struct ic_store *st, struct build *b,
                              const struct ic_conv *c, char *errbuf)
{
	enum ic_err rc = IC_OK;

	b->conv = c->id;
	for (int d = 0; rc == IC_OK && d < 2; d++) {
		long long last = d ? c->in_seq : c->out_seq;

		b->dir = d ? 'i' : 'o';
		for (b->from = 1; rc == IC_OK && b->from <= last;
		     b->from += IC_SEARCH_BUILD_CHUNK) {
			b->to = b->from + IC_SEARCH_BUILD_CHUNK - 1;
			rc = ic_store_update(st, chunk_fn, b, errbuf);
		}
	}
	return rc;
}

enum ic_err ic_store_search_build(struct ic_store *st, char *errbuf)
{
	struct build b = {0};
	enum ic_err rc = ic_store_view(st, look_fn, &b, errbuf);

	if (rc != IC_OK || b.built)
		return rc;
	b.a = ic_arena_new(0);
	if (b.a == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_view(st, list_fn, &b, errbuf);
	for (size_t i = 0; rc == IC_OK && i < b.n; i++)
		rc = build_conv(st, &b, &b.convs[i], errbuf);
	if (rc == IC_OK)
		rc = ic_store_update(st, mark_fn, NULL, errbuf);
	ic_arena_free(b.a);
	return rc;
}
