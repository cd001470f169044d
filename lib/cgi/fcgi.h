/*
 * fcgi.h - the FastCGI transport: one long-lived process, many requests.
 *
 * The same five programs run as FastCGI responders when the web server
 * starts them with a listening socket on fd 0 (mod_fcgid, or spawn-fcgi /
 * systemd socket activation behind mod_proxy_fcgi).  This module is only
 * the transport, on Debian's libfcgi (FCGX_* API, no threads): it accepts
 * one request at a time and hands out its environment and two stdio
 * streams bridged to libfcgi's with fopencookie(), so every handler keeps
 * writing to a FILE * as under plain CGI.  program.c drives the loop and
 * owns everything per request (arena, struct ic_req, store).
 *
 * Ownership and lifetimes: the responder is one heap object per process.
 * The environment and the two FILE * of an accepted request belong to the
 * responder and are valid until ic_fcgi_finish(), which flushes and closes
 * the streams and completes the request, so the client has its whole
 * answer before any work after the response begins.  Copy what must
 * outlive the request (program.c copies the environment into the arena).
 *
 * Limits: one request at a time per process; program.c ends the process
 * after IC_FCGI_MAX_REQUESTS (core/ic_limits.h) and the process manager
 * starts a fresh one.
 */
#ifndef IC_FCGI_H
#define IC_FCGI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"

struct ic_fcgi;

/**
 * True when fd 0 is a listening socket (what libfcgi's FCGX_IsCGI()
 * looks for): the process was started as a FastCGI responder.  Plain CGI
 * (a pipe or a connected socket on fd 0) and the terminal answer false.
 */
bool ic_fcgi_is_responder(void);

/**
 * Set up the responder on fd 0.
 * @return IC_OK, or IC_ERR_NOMEM / IC_ERR_IO (libfcgi failed to start).
 */
enum ic_err ic_fcgi_open(struct ic_fcgi **out);

/**
 * Wait for the next request.
 * @param[out] in    its body stream (read-only)
 * @param[out] out   its response stream (write-only)
 * @param[out] envp  its NULL-terminated "NAME=value" parameters
 * @return IC_OK; IC_ERR_IO when the listening socket failed or the
 *         server asked us to stop (the caller then exits).
 */
enum ic_err ic_fcgi_accept(struct ic_fcgi *f, FILE **in, FILE **out,
                           char ***envp);

/**
 * Complete the accepted request: flush and close its streams, then end it
 * (FCGX_Finish_r), so the web server sends the response on.  Idempotent.
 */
void ic_fcgi_finish(struct ic_fcgi *f);

/** Finish any open request and free the responder (NULL is fine). */
void ic_fcgi_close(struct ic_fcgi *f);

#endif /* IC_FCGI_H */
