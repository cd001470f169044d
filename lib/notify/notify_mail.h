/*
 * notify_mail.h - the RFC 5322 message that tells the owner about a
 * conversation (issue 16): pure, no I/O; what the unit tests and the
 * sendmail job share.
 *
 * Privacy by default: the mail names the correspondent and says what
 * happened and how often, never what was written, unless the owner asked
 * for the text (notify_email_text).  The correspondent's name comes from
 * THEIR h-card: control characters (CR and LF above all) are dropped, it
 * is cut to IC_NOTIFY_NAME_MAX bytes on a character boundary, invalid
 * UTF-8 falls back to their site's host, and a name that is not plain
 * printable ASCII goes into the Subject as RFC 2047 encoded words; so no
 * name can add a header or a line.  Every other header value is ours.
 *
 * Lines end in LF (the sendmail interface's convention); no body line is
 * longer than IC_NOTIFY_LINE_MAX bytes (8bit: at most 998), and the texts
 * together are cut at IC_NOTIFY_TEXT_MAX bytes.
 */
#ifndef IC_NOTIFY_MAIL_H
#define IC_NOTIFY_MAIL_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/store_notify.h"

struct ic_notify_mail {
	const char *host;        /* our site's host: From and Message-ID */
	const char *to;          /* notify_email, checked by config.c */
	const char *conv;        /* conversation id: the Message-ID */
	long long batch;         /* its batch number: the Message-ID */
	const char *peer_name;   /* from their h-card (hostile), or NULL */
	const char *peer_url;    /* their profile URL */
	const char *link;        /* the conversation page */
	const char *unsubscribe; /* the settings page (List-Unsubscribe) */
	long long date;          /* unix seconds, for Date: */
	const struct ic_notify_batch *what;
	const char *const *texts; /* the new messages' texts, or NULL */
	size_t ntexts;
};

/**
 * Build the message.
 * @param[out] out  NUL-terminated, from @p a; @p len its length.
 * @return IC_OK; IC_ERR_NOMEM; IC_ERR_INTERNAL when a value of ours is
 *         missing or holds a line break (a bug, never a peer's doing).
 */
enum ic_err ic_notify_mail_build(struct ic_arena *a,
                                 const struct ic_notify_mail *m, char **out,
                                 size_t *len, char *errbuf);

/**
 * The correspondent's name as a mail may show it: see above.  Never NULL
 * unless out of memory; "" when neither name nor host is usable.
 */
char *ic_notify_mail_name(struct ic_arena *a, const char *name,
                          const char *peer_url);

/** The sentence every channel says of a delivery problem (issue 16). */
extern const char ic_notify_problem_text[];

/**
 * What happened, in a few words ("3 new messages from Bob"): the Subject,
 * and the title of a push.  @p name as ic_notify_mail_name() gave it.
 * NULL when out of memory.
 */
char *ic_notify_mail_subject(struct ic_arena *a,
                             const struct ic_notify_batch *what,
                             const char *name);

/**
 * Append @p text (UTF-8, no control characters: a cleaned name in our
 * words) as an unstructured header value: as it is when plain printable
 * ASCII, else RFC 2047 "B" encoded words of whole characters, each at
 * most 75 characters, separated by @p sep ("\n " folds a mail header; a
 * push header stays on one line with " ").
 * @return IC_OK; IC_ERR_NOMEM or IC_ERR_TOO_LARGE (the buffer's cap);
 *         IC_ERR_INTERNAL when @p text is not UTF-8.
 */
enum ic_err ic_notify_header_words(struct ic_buf *b, const char *text,
                                   const char *sep);

#endif /* IC_NOTIFY_MAIL_H */
