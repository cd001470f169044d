/*
 * sendmail.h - hand one mail to the local MTA through the sendmail
 * interface (exim4, postfix, msmtp-mta all install it), issue 16.
 *
 * `PATH -i -t`: the recipients come from the To: header, a line holding
 * one dot is text.  Run by fork and execve, never through a shell, with
 * a minimal environment (no request data, no secrets), the mail on its
 * standard input, /dev/null for its output, no descriptor of ours but
 * that pipe, and at most IC_NOTIFY_SENDMAIL_SECONDS: then it is killed.
 * Accepted means exit status 0; anything else (75 = EX_TEMPFAIL: the
 * MTA is down) is an error the caller retries.
 */
#ifndef IC_SENDMAIL_H
#define IC_SENDMAIL_H

#include <stddef.h>

#include "core/err.h"

/**
 * Run sendmail at @p path with @p mail (@p len bytes) on its stdin.
 * @return IC_OK (exit status 0); IC_ERR_IO (cannot run it, it failed or
 *         timed out; @p errbuf says which, with the status).
 */
enum ic_err ic_sendmail(const char *path, const char *mail, size_t len,
                        char *errbuf);

#endif /* IC_SENDMAIL_H */
