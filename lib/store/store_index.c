/*
 * store_index.c - words of a message and their postings (see
 * store_index.h).
 */
#include "store/store_index.h"

#include <stdint.h>
#include <string.h>

static bool index_on = true;

void ic_store_index_enable(bool on)
{
	index_on = on;
}

static bool word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

bool ic_index_next_word(const char *text, size_t *pos, struct ic_index_word *w)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos, n;

	while (s[i] && !word_byte(s[i]))
		i++;
	if (!s[i])
		return false;
	w->at = i;
	while (s[i] && word_byte(s[i]))
		i++;
	w->len = i - w->at;
	*pos = i;
	n = w->len < IC_SEARCH_WORD_MAX ? w->len : IC_SEARCH_WORD_MAX;
	/* Cut before a continuation byte: no half character in a key. */
	if (n < w->len)
		while (n > 0 && (s[w->at + n] & 0xc0) == 0x80)
			n--;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = s[w->at + k];

		w->norm[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	w->norm[n] = '\0';
	w->nlen = n;
	return true;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Inverted, so that the newest sorts first in a forward scan. */
void ic_index_tail(unsigned char out[IC_INDEX_TAIL], long long received,
                   char dir, long long seq)
{
	put_be64(out, UINT64_MAX - (uint64_t)(received < 0 ? 0 : received));
	out[8] = (unsigned char)dir;
	put_be64(out + 9, UINT64_MAX - (uint64_t)(seq < 0 ? 0 : seq));
}

bool ic_index_untail(const unsigned char *tail, struct ic_index_hit *h)
{
	uint64_t r = UINT64_MAX - get_be64(tail);
	uint64_t q = UINT64_MAX - get_be64(tail + 9);

	if ((tail[8] != 'o' && tail[8] != 'i') || r > INT64_MAX || q < 1 ||
	    q > INT64_MAX)
		return false;
	h->received = (long long)r;
	h->dir = (char)tail[8];
	h->seq = (long long)q;
	return true;
}

/* Distinct words of a text, at most IC_SEARCH_WORDS_PER_MSG; the list is
 * short, so a linear look for duplicates is cheaper than a hash. */
struct word_set {
	char (*w)[IC_SEARCH_WORD_MAX + 1];
	size_t n;
};

static bool seen(const struct word_set *ws, const char *w)
{
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return true;
	return false;
}

static enum ic_err one(struct ic_store_txn *t, const char *conv,
                       const char *word, size_t wl,
                       const unsigned char tail[IC_INDEX_TAIL], bool add)
{
	unsigned char key[IC_SEARCH_WORD_MAX + 2 + 256 + IC_INDEX_TAIL];
	size_t cl = strlen(conv), kl = wl + 1 + cl + 1 + IC_INDEX_TAIL;
	enum ic_err rc;

	if (cl > 255)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "conversation id too long to index");
	memcpy(key, word, wl + 1);
	memcpy(key + wl + 1, conv, cl + 1);
	memcpy(key + wl + cl + 2, tail, IC_INDEX_TAIL);
	if (add)
		return ic_store_txn_put(t, IC_DB_SEARCH, key, kl, "", 0, 0);
	rc = ic_store_txn_del(t, IC_DB_SEARCH, key, kl);
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* The distinct words of @p text, at most IC_SEARCH_WORDS_PER_MSG. */
static void words_of(const char *text, struct word_set *ws)
{
	struct ic_index_word w;
	size_t pos = 0;

	while (ws->n < IC_SEARCH_WORDS_PER_MSG &&
	       ic_index_next_word(text, &pos, &w)) {
		if (w.nlen < IC_SEARCH_WORD_MIN || seen(ws, w.norm))
			continue;
		memcpy(ws->w[ws->n++], w.norm, w.nlen + 1);
	}
}

/* "search_words" key: tail, then the conversation id. */
static size_t words_key(const char *conv, const unsigned char *tail,
                        unsigned char *key)
{
	size_t cl = strlen(conv);

	memcpy(key, tail, IC_INDEX_TAIL);
	memcpy(key + IC_INDEX_TAIL, conv, cl);
	return IC_INDEX_TAIL + cl;
}

/* The mark (store_index.h): how many messages wait, and the key of the
 * newest one moved into "search" (empty: none yet). */
struct mark {
	unsigned long long pending;
	unsigned char last[IC_INDEX_TAIL + 256];
	size_t last_len;
};

static const char mark_key[1] = {'\0'};

static enum ic_err get_mark(struct ic_store_txn *t, struct mark *m)
{
	const void *v;
	size_t vl;
	enum ic_err rc =
	        ic_store_txn_get(t, IC_DB_SEARCH_WORDS, mark_key, 1, &v, &vl);

	memset(m, 0, sizeof(*m));
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	if (vl < 8 || vl - 8 > sizeof(m->last))
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_DATABASE,
		               "search_words: corrupt mark");
	m->pending = get_be64(v);
	m->last_len = vl - 8;
	memcpy(m->last, (const char *)v + 8, m->last_len);
	return IC_OK;
}

static enum ic_err put_mark(struct ic_store_txn *t, const struct mark *m)
{
	unsigned char v[8 + sizeof(m->last)];

	put_be64(v, m->pending);
	memcpy(v + 8, m->last, m->last_len);
	return ic_store_txn_put(t, IC_DB_SEARCH_WORDS, mark_key, 1, v,
	                        8 + m->last_len, 0);
}

bool ic_index_pending(const void *key, size_t kl, const void *last,
                      size_t last_len)
{
	size_t n = kl < last_len ? kl : last_len;
	int c = memcmp(key, last, n);

	/* Newest first: a key before the last one moved is newer. */
	return last_len == 0 || c < 0 || (c == 0 && kl < last_len);
}

enum ic_err ic_index_last_moved(struct ic_store_txn *t, const void **last,
                                size_t *last_len)
{
	const void *v;
	size_t vl;
	enum ic_err rc =
	        ic_store_txn_get(t, IC_DB_SEARCH_WORDS, mark_key, 1, &v, &vl);

	*last = "";
	*last_len = 0;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc == IC_OK && vl < 8)
		rc = ic_fail(ic_store_txn_errbuf(t), IC_ERR_DATABASE,
		             "search_words: corrupt mark");
	if (rc == IC_OK) {
		*last = (const char *)v + 8;
		*last_len = vl - 8;
	}
	return rc;
}

static enum ic_err postings(struct ic_store_txn *t, const char *conv,
                            const unsigned char *tail,
                            const struct word_set *ws, bool add)
{
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < ws->n; i++)
		rc = one(t, conv, ws->w[i], strlen(ws->w[i]), tail, add);
	return rc;
}

static enum ic_err remove_all(struct ic_store_txn *t, const char *conv,
                              const unsigned char *tail,
                              const struct word_set *ws)
{
	unsigned char key[IC_INDEX_TAIL + 256];
	size_t kl = words_key(conv, tail, key);
	struct mark m;
	enum ic_err rc = get_mark(t, &m);

	if (rc == IC_OK)
		rc = ic_store_txn_del(t, IC_DB_SEARCH_WORDS, key, kl);
	if (rc == IC_ERR_NOT_FOUND)
		return postings(t, conv, tail, ws, false);
	if (rc != IC_OK)
		return rc;
	if (!ic_index_pending(key, kl, m.last, m.last_len))
		return postings(t, conv, tail, ws, false);
	m.pending -= m.pending > 0;
	return put_mark(t, &m);
}

static enum ic_err add_words(struct ic_store_txn *t, const char *conv,
                             const unsigned char *tail,
                             const struct word_set *ws)
{
	unsigned char key[IC_INDEX_TAIL + 256];
	char val[IC_SEARCH_WORDS_PER_MSG * (IC_SEARCH_WORD_MAX + 1)];
	size_t kl = words_key(conv, tail, key), vl = 0;
	struct mark m;
	enum ic_err rc;

	if (ws->n == 0)
		return IC_OK;
	for (size_t i = 0; i < ws->n; i++) {
		size_t wl = strlen(ws->w[i]);

		if (vl)
			val[vl++] = ' ';
		memcpy(val + vl, ws->w[i], wl);
		vl += wl;
	}
	rc = get_mark(t, &m);
	if (rc == IC_OK)
		rc = ic_store_txn_put(t, IC_DB_SEARCH_WORDS, key, kl, val, vl,
		                      0);
	if (rc != IC_OK)
		return rc;
	/* Older than what was moved (a clock step back, the build of an
	 * old store): into the word index now. */
	if (!ic_index_pending(key, kl, m.last, m.last_len))
		return postings(t, conv, tail, ws, true);
	if (++m.pending >= IC_SEARCH_RECENT_MAX)
		return ic_store_index_merge_in_txn(t);
	return put_mark(t, &m);
}

enum ic_err ic_store_index_msg_in_txn(struct ic_store_txn *t, const char *conv,
                                      char dir, long long seq,
                                      long long received, const char *text,
                                      bool add)
{
	/* On the stack: a transaction storing thousands of messages in one
	 * arena (a restore, the bench) must not grow it. */
	char seen_words[IC_SEARCH_WORDS_PER_MSG][IC_SEARCH_WORD_MAX + 1];
	struct word_set ws = {seen_words, 0};
	unsigned char tail[IC_INDEX_TAIL];

	if (!index_on || text == NULL)
		return IC_OK;
	if (strlen(conv) > 255)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "conversation id too long to index");
	ic_index_tail(tail, received, dir, seq);
	words_of(text, &ws);
	return add ? add_words(t, conv, tail, &ws)
	           : remove_all(t, conv, tail, &ws);
}

/* --- Moving the waiting messages into "search" ------------------------- */

struct recent {
	struct ic_arena *a;
	struct mark m;
	struct recent_one {
		unsigned char *key;
		size_t kl;
		char *conv, *words; /* words: NUL-separated, then "" */
	} * e;
	size_t n, cap;
};

static enum ic_err collect(const void *k, size_t kl, const void *v, size_t vl,
                           void *ctx)
{
	struct recent *r = ctx;
	struct recent_one *e;

	if (!ic_index_pending(k, kl, r->m.last, r->m.last_len))
		return IC_STORE_STOP;
	if (kl <= IC_INDEX_TAIL)
		return IC_OK; /* not a message's */
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct recent_one *p = ic_arena_alloc(r->a, cap * sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (r->n)
			memcpy(p, r->e, r->n * sizeof(*p));
		r->e = p;
		r->cap = cap;
	}
	e = &r->e[r->n++];
	e->kl = kl;
	e->key = (unsigned char *)ic_arena_memdup(r->a, k, kl);
	e->conv = ic_arena_strndup(r->a, (const char *)k + IC_INDEX_TAIL,
	                           kl - IC_INDEX_TAIL);
	e->words = ic_arena_alloc(r->a, vl + 2);
	if (e->key == NULL || e->conv == NULL || e->words == NULL)
		return IC_ERR_NOMEM;
	memcpy(e->words, v, vl);
	e->words[vl] = e->words[vl + 1] = '\0';
	for (size_t i = 0; i < vl; i++)
		if (e->words[i] == ' ')
			e->words[i] = '\0';
	return IC_OK;
}

enum ic_err ic_store_index_merge_in_txn(struct ic_store_txn *t)
{
	struct recent r = {ic_arena_new(0), {0}, NULL, 0, 0};
	enum ic_err rc;

	if (r.a == NULL)
		return IC_ERR_NOMEM;
	rc = get_mark(t, &r.m);
	/* Collected first: the scan must not write the database it reads;
	 * "\1" starts after the mark. */
	if (rc == IC_OK)
		rc = ic_store_txn_scan_from(t, IC_DB_SEARCH_WORDS, "\1", 1,
		                            NULL, 0, collect, &r);
	for (size_t i = 0; rc == IC_OK && i < r.n; i++)
		for (const char *w = r.e[i].words; rc == IC_OK && *w;
		     w += strlen(w) + 1)
			rc = one(t, r.e[i].conv, w, strlen(w), r.e[i].key,
			         true);
	/* The newest is first: everything from it on is in the index. */
	r.m.pending = 0;
	if (r.n) {
		memcpy(r.m.last, r.e[0].key, r.e[0].kl);
		r.m.last_len = r.e[0].kl;
	}
	if (rc == IC_OK)
		rc = put_mark(t, &r.m);
	ic_arena_free(r.a);
	return rc;
}
