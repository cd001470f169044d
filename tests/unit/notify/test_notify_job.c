/*
 * test_notify_job.c - the notify_owner due job (issue 16,
 * lib/notify/notify.c) over a real LMDB and a stand-in sendmail: a batch
 * is mailed and ended; a failing sendmail keeps it for the retry, which
 * sends the same Message-ID; messages the owner has read meanwhile, and
 * conversations blocked or muted meanwhile, get no mail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "fixture.h"
#include "notify/notify.h"
#include "store/store_conv.h"
#include "store/store_notify.h"

#define CONV "c0nv"

static char sendmail[128], mailbox[128];

/* The stand-in: the mail into fx->dir/mail.eml, or exit 75 while
 * fx->dir/down exists. */
static int setup(void **state)
{
	struct ic_fx *fx;
	FILE *f;

	if (ic_fx_setup(state) != 0)
		return -1;
	fx = *state;
	snprintf(sendmail, sizeof(sendmail), "%s/sendmail", fx->dir);
	snprintf(mailbox, sizeof(mailbox), "%s/mail.eml", fx->dir);
	f = fopen(sendmail, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\nd=$(dirname \"$0\")\n"
	           "if [ -f \"$d/down\" ]; then cat >/dev/null; exit 75; fi\n"
	           "cat >>\"$d/mail.eml\"\n");
	if (fclose(f) != 0 || chmod(sendmail, 0755) != 0)
		return -1;
	fx->cfg.notify_email = "alice@mail.example";
	fx->cfg.sendmail = sendmail;
	return ic_fx_open_req(fx, "listener") == IC_OK ? 0 : -1;
}

struct seed {
	struct ic_arena *a;
	enum ic_conv_state state;
	long long unread;
	enum ic_notify_kind kind;
	bool muted;
};

static enum ic_err seed_txn(struct ic_store_txn *t, void *p)
{
	struct seed *s = p;
	struct ic_conv c = {0};
	enum ic_err rc;

	c.id = CONV;
	c.peer = "https://bob.example/";
	c.peer_name = "Bob";
	c.state = s->state;
	c.created = 1;
	c.page_size = 50;
	c.in_seq = 2;
	c.unread = s->unread;
	c.notify_muted = s->muted;
	rc = ic_store_conv_put_in_txn(t, s->a, &c);
	if (rc == IC_OK)
		rc = ic_store_notify_event_in_txn(t, s->a, CONV, s->kind, 2, 1,
		                                  2, 100);
	return rc;
}

static void seed(struct ic_fx *fx, enum ic_conv_state state, long long unread,
                 enum ic_notify_kind kind)
{
	struct seed s = {fx->req.arena, state, unread, kind, false};

	assert_int_equal(ic_fx_txn(fx, &fx->req, true, seed_txn, &s), IC_OK);
}

struct claim {
	struct ic_arena *a;
	struct ic_notify_batch what;
	long long batch;
};

static enum ic_err claim_txn(struct ic_store_txn *t, void *p)
{
	struct claim *c = p;

	return ic_store_notify_claim_in_txn(t, c->a, CONV, &c->what, &c->batch);
}

/* What is left to tell: IC_ERR_NOT_FOUND when nothing. */
static enum ic_err left(struct ic_fx *fx)
{
	struct claim c = {fx->req.arena, {0}, 0};

	return ic_fx_txn(fx, &fx->req, true, claim_txn, &c);
}

static char *mail(void)
{
	static char buf[8192];
	FILE *f = fopen(mailbox, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void mailed_and_ended(void **state)
{
	struct ic_fx *fx = *state;

	seed(fx, IC_CONV_ACTIVE, 2, IC_NOTIFY_MESSAGES);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_non_null(mail());
	assert_non_null(strstr(mail(), "Subject: 2 new messages from Bob\n"));
	assert_non_null(strstr(mail(), "To: alice@mail.example\n"));
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
}

static void failure_keeps_the_batch(void **state)
{
	struct ic_fx *fx = *state;
	char down[128];
	FILE *f;

	snprintf(down, sizeof(down), "%s/down", fx->dir);
	f = fopen(down, "w");
	assert_non_null(f);
	fclose(f);
	seed(fx, IC_CONV_ACTIVE, 2, IC_NOTIFY_MESSAGES);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_ERR_IO);
	assert_non_null(strstr(fx->req.errbuf, "status 75"));
	assert_null(mail());
	unlink(down);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_non_null(strstr(mail(), "Message-ID: <notify." CONV ".1@"));
	assert_null(strstr(strstr(mail(), "Message-ID") + 1, "Message-ID"));
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
}

static void read_or_blocked_is_not_mailed(void **state)
{
	struct ic_fx *fx = *state;

	/* Read in the open tab before the mail went. */
	seed(fx, IC_CONV_ACTIVE, 0, IC_NOTIFY_MESSAGES);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_null(mail());
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
	/* Blocked since. */
	seed(fx, IC_CONV_BLOCKED, 2, IC_NOTIFY_MESSAGES);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_null(mail());
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
	/* Muted since (feed --mute). */
	{
		struct seed s = {fx->req.arena, IC_CONV_ACTIVE, 2,
		                 IC_NOTIFY_MESSAGES, true};

		assert_int_equal(ic_fx_txn(fx, &fx->req, true, seed_txn, &s),
		                 IC_OK);
	}
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_null(mail());
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
	/* Turned off since. */
	seed(fx, IC_CONV_ACTIVE, 2, IC_NOTIFY_MESSAGES);
	fx->req.cfg.notify_email = "";
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_null(mail());
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
}

/* A channel that failed is retried; one that told the batch is not sent
 * again (store_notify.h: "f_told").  ntfy here is a closed local port:
 * the POST fails at once. */
static void a_told_channel_is_not_sent_again(void **state)
{
	struct ic_fx *fx = *state;
	struct claim c = {fx->req.arena, {0}, 0};

	fx->req.cfg.dev_mode = true;
	fx->req.cfg.notify_ntfy_url = "http://127.0.0.1:1/topic";
	fx->req.cfg.notify_ntfy_format = "ntfy";
	fx->req.cfg.notify_ntfy_token = "";
	seed(fx, IC_CONV_ACTIVE, 2, IC_NOTIFY_MESSAGES);
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_ERR_NETWORK);
	assert_non_null(strstr(fx->req.errbuf, "ntfy: "));
	assert_non_null(mail());
	assert_non_null(strstr(mail(), "Message-ID: <notify." CONV ".1@"));
	/* Still in flight, the mail marked as told. */
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, claim_txn, &c), IC_OK);
	assert_int_equal(c.batch, 1);
	assert_int_equal(c.what.told, IC_NOTIFY_CH_EMAIL);
	/* The retry: ntfy fails again, the mail is not sent twice. */
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_ERR_NETWORK);
	assert_null(strstr(strstr(mail(), "Message-ID") + 1, "Message-ID"));
	/* ntfy turned off: the batch is done with what was told. */
	fx->req.cfg.notify_ntfy_url = "";
	assert_int_equal(ic_notify_job(&fx->req, CONV), IC_OK);
	assert_null(strstr(strstr(mail(), "Message-ID") + 1, "Message-ID"));
	assert_int_equal(left(fx), IC_ERR_NOT_FOUND);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(mailed_and_ended),
	        T(failure_keeps_the_batch),
	        T(read_or_blocked_is_not_mailed),
	        T(a_told_channel_is_not_sent_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
