/*
 * program.h - the shared main() of the five programs.
 *
 * A program is a name, a route table (its web face) and a command table
 * (its terminal face).  ic_program_main() decides which face is asked for:
 * under a web server (GATEWAY_INTERFACE and REQUEST_METHOD set) it serves
 * one request -- read the environment, load the configuration, dispatch,
 * respond, then kick lazy maintenance after the response; otherwise it
 * runs the terminal command named by argv[1] (`--help` lists both tables,
 * so the web routes and the terminal commands are documented together).
 * Started with a listening socket on fd 0 (mod_fcgid, or a FastCGI
 * process manager behind mod_proxy_fcgi), it is a FastCGI responder
 * (cgi/fcgi.h): the same request cycle once per accepted request, each in
 * a fresh struct ic_req and arena, the request finished before the work
 * after it, the process ending after IC_FCGI_MAX_REQUESTS requests.
 *
 * Terminal commands get the same struct ic_req as web handlers (arena,
 * configuration, store), with req->out = stdout; they print their result
 * and return an enum ic_err.  Exit status: 0 success, 1 failure (one line
 * on stderr: "<prog>: <sentence>: <detail>"), 2 usage error.
 */
#ifndef IC_PROGRAM_H
#define IC_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "cgi/cgi.h"
#include "cgi/route.h"

struct ic_cli_cmd {
	const char *option; /* "--maintain" */
	const char *args;   /* argument synopsis for --help, or "" */
	enum ic_err (*run)(struct ic_req *req, int argc, char **argv);
	bool needs_config;   /* load indiechat.conf before run() */
	const char *summary; /* one line for --help */
};

struct ic_program {
	const char *name;    /* "feed" */
	const char *summary; /* one line: what it is in protocol terms */
	const struct ic_route *routes;
	size_t nroutes;
	const struct ic_cli_cmd *cmds;
	size_t ncmds;
	/* For routes with IC_NEED_RATE_* (cgi/ratelimit.h), else NULL. */
	enum ic_err (*rate_limit)(struct ic_req *req, unsigned needs,
	                          bool after, bool *refused);
	/* Run once the configuration is loaded, before any route (NULL:
	 * nothing); its failure is the request's answer.  `feed` makes the
	 * pages it serves whole here (feed/feed_pages.h). */
	enum ic_err (*prepare)(struct ic_req *req);
};

/**
 * The directory part of @p file, copied into @p a: "/a/b/auth.cgi" ->
 * "/a/b", "/auth" -> "/".  The configuration beside the programs is
 * looked for there (ic_config_load_default()).
 * @return the directory; NULL when @p file is NULL, not absolute (a
 *         CGI's working directory is not ours), or memory ran out.
 */
const char *ic_program_dir_of(struct ic_arena *a, const char *file);

/**
 * Start the detached child for the work after the response now, while
 * the handler goes on (a send: store, then publish): the child loads
 * libcurl, whose 38 libraries take milliseconds to map, on the other
 * core, then waits.  Once the response is complete it is handed
 * req->after_ctx, which must then be a string (IC_AFTER_EARLY_CTX_MAX
 * bytes at most), and runs @p after with it, instead of a child forked
 * only then; if the handler sets no req->after (it failed), or another
 * one, the child exits and the usual fork follows.  Nothing happens in a
 * FastCGI responder (libcurl is loaded there, cgi.h after_inline) or when
 * fork() fails.
 */
void ic_program_after_early(struct ic_req *req,
                            enum ic_err (*after)(struct ic_req *req));

/**
 * Run @p prog as a CGI or as a terminal command (see above).
 * Never returns an error code to the shell without a message.
 * @return the process exit status.
 */
int ic_program_main(const struct ic_program *prog, int argc, char **argv,
                    char **envp);

#endif /* IC_PROGRAM_H */
