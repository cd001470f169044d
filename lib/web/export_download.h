/*
 * export_download.h - the settings page's "Download all conversations"
 * (issue 15): GET B/feed/export, the archive of web/export.h as one tar
 * file for the owner's browser.
 *
 * The archive is written by ic_export_write() into a fresh directory
 * data_dir/.export-<pid>-<time> (owner-only, 0700), then streamed as a
 * POSIX ustar archive (every entry under "indiechat-export/", names
 * sorted, mode 0644/0755, the files' mtimes) with
 * `Content-Disposition: attachment`, and the directory removed.  Memory
 * is one copy buffer: the archive is never held whole (it can be larger
 * than IC_MAX_RESPONSE_BYTES).  A HEAD answers the headers and writes
 * nothing.  Directories left by a killed download are removed by the next
 * one once an hour old.  An error before the headers is the answer; one
 * while streaming ends the archive short (the browser sees a truncated
 * download) and is logged.
 */
#ifndef IC_EXPORT_DOWNLOAD_H
#define IC_EXPORT_DOWNLOAD_H

#include "cgi/cgi.h"
#include "core/err.h"

/** The GET B/feed/export handler (an owner page: session required). */
enum ic_err ic_export_download(struct ic_req *req);

#endif /* IC_EXPORT_DOWNLOAD_H */
