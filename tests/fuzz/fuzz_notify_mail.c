/*
 * fuzz_notify_mail.c - the owner's notification mail (lib/notify/
 * notify_mail.c, issue 16) on a hostile correspondent's name and texts.
 *
 * The input's first line is the name their h-card gives, the rest one
 * message text (notify_email_text = yes).  Besides "never crash, never
 * leak": the mail is always built; its header block holds only our
 * headers, each a line of printable ASCII (a continuation starts with a
 * space); no line anywhere is longer than 998 bytes or holds a CR.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "notify/notify_mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ours[] = {
        "From: ",
        "To: ",
        "Subject: ",
        "Date: ",
        "Message-ID: ",
        "Auto-Submitted: ",
        "List-Unsubscribe: ",
        "MIME-Version: ",
        "Content-Type: ",
        "Content-Transfer-Encoding: ",
};

static void check_header_line(const char *line, size_t n)
{
	bool known = n > 0 && line[0] == ' ';

	for (size_t i = 0; !known && i < sizeof(ours) / sizeof(ours[0]); i++)
		known = strncmp(line, ours[i], strlen(ours[i])) == 0;
	if (!known)
		abort();
	for (size_t i = 0; i < n; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			abort();
}

static void check(const char *mail, size_t len)
{
	const char *end = strstr(mail, "\n\n");
	bool head = true;

	if (end == NULL || memchr(mail, '\r', len) != NULL)
		abort();
	for (const char *p = mail; p < mail + len;) {
		const char *nl = memchr(p, '\n', (size_t)(mail + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(mail + len - p);

		if (n > 998)
			abort();
		if (head && p < end + 1)
			check_header_line(p, n);
		else
			head = false;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_batch what = {0, 0, 2, 1, 2, 0, 0, 0, 0};
	struct ic_notify_mail m = {
	        .host = "alice.example",
	        .to = "alice@mail.example",
	        .conv = "c0nv",
	        .batch = 1,
	        .peer_url = "https://bob.example/",
	        .link = "https://alice.example/chat/feed/with/c0nv",
	        .unsubscribe = "https://alice.example/chat/auth/settings",
	        .date = 1700000000,
	        .what = &what,
	        .ntexts = 1,
	};
	char *in = malloc(size + 1), *nl, *out;
	const char *texts[1];
	size_t len;

	if (a == NULL || in == NULL)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	nl = strchr(in, '\n');
	texts[0] = nl ? nl + 1 : "";
	if (nl)
		*nl = '\0';
	m.peer_name = in;
	m.texts = texts;
	if (ic_notify_mail_build(a, &m, &out, &len, NULL) != IC_OK)
		abort();
	check(out, len);
	free(in);
	ic_arena_free(a);
	return 0;
}
