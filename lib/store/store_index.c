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

enum ic_err ic_store_index_msg_in_txn(struct ic_store_txn *t, const char *conv,
                                      char dir, long long seq,
                                      long long received, const char *text,
                                      bool add)
{
	/* On the stack, not from @p a: a transaction storing thousands of
	 * messages in one arena (a restore, the bench) must not grow it. */
	char seen_words[IC_SEARCH_WORDS_PER_MSG][IC_SEARCH_WORD_MAX + 1];
	struct word_set ws = {seen_words, 0};
	struct ic_index_word w;
	unsigned char tail[IC_INDEX_TAIL];
	size_t pos = 0;
	enum ic_err rc = IC_OK;

	if (!index_on || text == NULL)
		return IC_OK;
	ic_index_tail(tail, received, dir, seq);
	while (rc == IC_OK && ws.n < IC_SEARCH_WORDS_PER_MSG &&
	       ic_index_next_word(text, &pos, &w)) {
		if (w.nlen < IC_SEARCH_WORD_MIN || seen(&ws, w.norm))
			continue;
		memcpy(ws.w[ws.n++], w.norm, w.nlen + 1);
		rc = one(t, conv, w.norm, w.nlen, tail, add);
	}
	return rc;
}
