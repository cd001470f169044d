/*
 * fuzz_notify_push.c - the push notifications (lib/notify/notify_push.c,
 * issue 16) on a hostile correspondent's name and texts.
 *
 * The input's first line is the name their h-card gives, the rest one
 * message text (the *_text keys on).  Besides "never crash, never leak":
 * every request is always built; ntfy's headers are our four, each value
 * printable (no CR, LF or other control byte: no name can add a header),
 * its body holds no CR; Gotify's and the webhook's bodies parse as JSON
 * and the webhook's signature verifies over them; Web Push's payload is
 * JSON within one record and encrypts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "notify/notify_push.h"
#include "notify/webpush.h"
#include "text/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-webhook-secret-0123"
/* A device's keys (RFC 8291 Appendix A). */
#define UA_P256DH                                                              \
	"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7V" \
	"d8pZGH6SRpkNtoIAiw4"
#define UA_AUTH "BTBZMqHH6r4Tts7J_aSIgg"

static void check_headers(const struct ic_notify_post *p, size_t want)
{
	if (p->nheaders != want)
		abort();
	for (size_t i = 0; i < p->nheaders; i++)
		for (const char *c = p->headers[i].value; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
}

static void check_json(struct ic_arena *a, const struct ic_notify_post *p)
{
	cJSON *j;

	if (ic_json_parse(a, p->body, p->len, &j) != IC_OK)
		abort();
}

/* Web Push: the payload is JSON that fits one record, and encrypts. */
static void check_webpush(struct ic_arena *a, const struct ic_notify_push *p)
{
	struct ic_notify_post post = {0};
	unsigned char *body;
	size_t blen;
	char *json;

	if (ic_notify_webpush_build(a, p, &json, &post.len, NULL) != IC_OK ||
	    post.len > IC_WEBPUSH_PLAIN_MAX)
		abort();
	post.body = json;
	check_json(a, &post);
	if (ic_webpush_encrypt(a, UA_P256DH, UA_AUTH, json, post.len, &body,
	                       &blen, NULL) != IC_OK ||
	    blen != IC_WEBPUSH_HEADER_BYTES + post.len + 17)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_batch what = {0, 0, 2, 1, 2, 0, 0, 0};
	struct ic_notify_push p = {
	        .conv = "c0nv",
	        .batch = 1,
	        .peer_url = "https://bob.example/",
	        .link = "https://alice.example/chat/feed/with/c0nv",
	        .date = 1700000000,
	        .what = &what,
	        .ntexts = 1,
	};
	struct ic_notify_post out;
	char *in = malloc(size + 1), *nl;
	const char *texts[1];

	if (a == NULL || in == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	nl = strchr(in, '\n');
	texts[0] = nl ? nl + 1 : "";
	if (nl)
		*nl = '\0';
	p.peer_name = in;
	p.texts = texts;
	if (ic_notify_ntfy_build(a, &p, &out, NULL) != IC_OK)
		abort();
	check_headers(&out, 4);
	if (memchr(out.body, '\r', out.len) != NULL)
		abort();
	if (ic_notify_gotify_build(a, &p, &out, NULL) != IC_OK)
		abort();
	check_json(a, &out);
	if (ic_notify_webhook_build(a, &p, SECRET, strlen(SECRET), &out,
	                            NULL) != IC_OK)
		abort();
	check_headers(&out, 1);
	check_json(a, &out);
	if (ic_crypto_hub_signature_verify(out.headers[0].value, SECRET,
	                                   strlen(SECRET), out.body, out.len,
	                                   NULL) != IC_OK)
		abort();
	check_webpush(a, &p);
	free(in);
	ic_arena_free(a);
	return 0;
}
