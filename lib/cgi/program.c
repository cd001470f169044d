/*
 * program.c - the CGI face and the terminal face of every program.
 */
#include "cgi/program.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/curl_lazy.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "cgi/fcgi.h"
#include "cgi/maint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *ic_program_dir_of(struct ic_arena *a, const char *file)
{
	const char *slash;

	if (file == NULL || file[0] != '/')
		return NULL;
	slash = strrchr(file, '/');
	return ic_arena_strndup(a, file,
	                        slash == file ? 1 : (size_t)(slash - file));
}

/* The running executable's directory, symlinks resolved (Linux). */
static const char *exe_dir(struct ic_arena *a)
{
	char buf[IC_MAX_FS_PATH_BYTES];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return NULL;
	buf[n] = '\0';
	return ic_program_dir_of(a, buf);
}

/*
 * The terminal's idea of the program's directory: where argv[0] names it
 * (so `~/public_html/indiechat/auth.cgi --set-passphrase` finds the file
 * the web face finds beside auth.cgi, even through a symlink), else the
 * executable's (found on PATH).
 */
static const char *terminal_dir(struct ic_arena *a, const char *argv0)
{
	char buf[PATH_MAX];
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	char *dir;

	if (slash == NULL)
		return exe_dir(a);
	dir = ic_arena_strndup(a, argv0,
	                       slash == argv0 ? 1 : (size_t)(slash - argv0));
	if (dir == NULL || realpath(dir, buf) == NULL)
		return exe_dir(a);
	return ic_arena_strdup(a, buf);
}

static enum ic_err load_config(struct ic_req *req)
{
	enum ic_err rc = ic_config_load_default(&req->cfg, req->arena,
	                                        req->env.config_path,
	                                        req->env.prog_dir, req->errbuf);

	if (rc == IC_OK) {
		req->cfg_loaded = true;
		ic_log_set_level((enum ic_log_level)req->cfg.log_level);
	}
	return rc;
}

/* In a forked child: the parent's store environment is not ours to use
 * (LMDB: an environment must not be used across fork()). */
static void forget_parent(struct ic_req *req)
{
	req->store = NULL;
	ic_cgi_forget_kept_store();
	req->errbuf[0] = '\0';
}

/* In a forked child: req->after, logged to data_dir, then due work, some
 * of it perhaps just queued by the work above (a ticket asked for,
 * TE-14): it must not wait for a later request.  Never returns. */
static _Noreturn void run_child_work(struct ic_req *req)
{
	enum ic_err rc;

	ic_log_to_data_dir(req->cfg.data_dir);
	rc = req->after(req);
	if (rc != IC_OK)
		ic_log(IC_LOG_WARN, "work after the response failed: %s: %s",
		       ic_strerror(rc), req->errbuf);
	ic_maint_kick(req);
	ic_cgi_req_free(req);
	_exit(rc == IC_OK ? 0 : 1);
}

/*
 * Run req->after in a detached child.  LMDB forbids using the parent's
 * environment after fork(), so the child forgets that handle without
 * closing it (closing would drop the parent's locks) and opens its own.
 */
static bool after_handed_over(struct ic_req *req);

static void run_after(struct ic_req *req)
{
	bool child;

	if (after_handed_over(req))
		return;
	if (ic_cgi_detach(NULL, req->fastcgi, &child) != IC_OK) {
		ic_log(IC_LOG_WARN, "cannot fork for the work after the "
		                    "response; lazy maintenance will retry");
		return;
	}
	if (!child)
		return;
	forget_parent(req);
	/* Detached, with /dev/null on fds 0-2: a responder no longer. */
	req->fastcgi = false;
	run_child_work(req);
}

/*
 * FastCGI: run req->after here, before the answer, when the handler
 * allows it (a send's fat pings): this process has libcurl loaded and
 * the store open, so the correspondent has the message without a fork,
 * an environment to open and a hold to commit first.  Its network calls
 * share IC_FCGI_INLINE_AFTER_MS; on any failure the detached work runs
 * as in CGI mode, with its full timeouts (the work is safe to repeat).
 */
static void run_after_inline(struct ic_req *req)
{
	enum ic_err rc;

	if (req->after == NULL || !req->after_inline || req->safe)
		return;
	ic_req_net_budget(req, IC_FCGI_INLINE_AFTER_MS);
	rc = req->after(req);
	ic_req_net_budget(req, 0);
	if (rc == IC_OK) {
		req->after = NULL;
		return;
	}
	ic_log(IC_LOG_INFO,
	       "work before the answer not done (%s: %s); "
	       "it goes on detached",
	       ic_strerror(rc), req->errbuf);
	req->errbuf[0] = '\0';
}

/* The early child: libcurl loading, the context or EOF.  Never returns. */
static void after_early_child(struct ic_req *req, int fd,
                              enum ic_err (*after)(struct ic_req *req))
{
	char ctx[IC_AFTER_EARLY_CTX_MAX];
	size_t n = 0;
	ssize_t r;

	forget_parent(req);
	/* In a thread: the work's first steps (its hold on the job, above
	 * all) must not wait for the load once the context is here. */
	ic_curl_preload();
	while (n < sizeof(ctx) &&
	       (r = read(fd, ctx + n, sizeof(ctx) - n)) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		n += r > 0 ? (size_t)r : 0;
	}
	if (n == 0 || memchr(ctx, '\0', n) == NULL)
		_exit(0); /* no work after all, or no whole context */
	req->after = after;
	req->after_ctx = ctx;
	run_child_work(req);
}

void ic_program_after_early(struct ic_req *req,
                            enum ic_err (*after)(struct ic_req *req))
{
	int p[2], keep[2] = {-1, -1};
	bool child;

	if (req->fastcgi || req->after_fd >= 0 || req->safe ||
	    pipe2(p, O_CLOEXEC) != 0)
		return;
	keep[0] = p[0];
	/* One fork and setsid(), stdio untouched here: this process still
	 * has its request to answer.  The child, orphaned when this one
	 * exits, is reaped by init. */
	if (ic_cgi_detach(keep, true, &child) != IC_OK) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (child)
		after_early_child(req, p[0], after);
	close(p[0]);
	req->after_fd = p[1];
	req->after_early = after;
}

/* Hand req->after_ctx to the early child, if it waits for this work.
 * @return true when it has it (no fork needed). */
static bool after_handed_over(struct ic_req *req)
{
	const char *ctx = req->after_ctx;
	int fd = req->after_fd;
	size_t len;

	if (fd < 0)
		return false;
	req->after_fd = -1;
	if (req->after != req->after_early || ctx == NULL ||
	    (len = strlen(ctx) + 1) > IC_AFTER_EARLY_CTX_MAX ||
	    write(fd, ctx, len) != (ssize_t)len) {
		close(fd); /* the child exits; a fork does the work */
		return false;
	}
	close(fd);
	return true;
}

/*
 * Answer one request read from @p envp and @p in, written to @p out:
 * read the environment, load the configuration, dispatch, respond.  The
 * request stays alive for the work after the response.
 */
static void respond(const struct ic_program *prog, struct ic_req *req,
                    char **envp)
{
	enum ic_err rc;

	/* A FastCGI process serves many sites' requests: nothing of the
	 * previous one's configuration applies (the level is the one global
	 * a request sets). */
	ic_log_set_level(IC_LOG_INFO);
	rc = ic_cgi_read_env(req, envp);
	if (rc == IC_OK) {
		/* Apache names the program it ran; without it (another
		 * server, mod_proxy_fcgi), the executable itself. */
		req->env.prog_dir =
		        ic_program_dir_of(req->arena, req->env.script_filename);
		if (req->env.prog_dir == NULL)
			req->env.prog_dir = exe_dir(req->arena);
		rc = load_config(req);
		if (rc != IC_OK)
			ic_log(IC_LOG_ERROR, "%s", req->errbuf);
	}
	if (rc == IC_OK && prog->prepare != NULL &&
	    (rc = prog->prepare(req)) != IC_OK)
		ic_log(IC_LOG_ERROR, "%s", req->errbuf);
	req->rate_limit = prog->rate_limit;
	if (rc != IC_OK)
		ic_cgi_respond_error(req, rc, req->errbuf);
	else if (ic_route_dispatch(req, prog->routes, prog->nroutes) == IC_OK)
		ic_cgi_respond(req);
}

/* The response is complete: now, and only now, the work after it, then
 * due work. */
static void after_response(struct ic_req *req)
{
	if (req->after != NULL && !req->safe)
		run_after(req);
	else if (req->cfg_loaded) {
		/* Work already due is not this request's doing: a HEAD kicks
		 * maintenance as any request does. */
		req->safe = false;
		ic_maint_kick(req);
	}
}

static int serve_cgi(const struct ic_program *prog, char **envp)
{
	struct ic_req req;

	/* Nothing we create in data_dir is for anyone else (STYLE.md). */
	umask(077);
	if (ic_cgi_req_init(&req, prog->name, stdin, stdout) != IC_OK) {
		fputs("Status: 500 Internal Server Error\r\n\r\n", stdout);
		return 0;
	}
	respond(prog, &req, envp);
	after_response(&req);
	/* Not before: the server kills the program once the response has
	 * ended, and the work after it must have been forked by then.  Not
	 * at exit either: a process that maps libcurl's 38 libraries takes
	 * milliseconds to unmap them before its descriptors close. */
	ic_cgi_end_response();
	ic_cgi_req_free(&req);
	return 0;
}

/* A copy of @p envp in @p a: libfcgi frees the request's parameters at
 * FCGX_Finish_r, and req->env points into them during the work after the
 * response.  NULL when memory ran out. */
static char **env_copy(struct ic_arena *a, char **envp)
{
	size_t n = 0;
	char **copy;

	while (envp && envp[n])
		n++;
	copy = ic_arena_alloc(a, (n + 1) * sizeof(*copy));
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((copy[i] = ic_arena_strdup(a, envp[i])) == NULL)
			return NULL;
	copy[n] = NULL;
	return copy;
}

/*
 * The FastCGI face: the same request cycle as serve_cgi(), once per
 * accepted request, in a fresh struct ic_req with a fresh arena each
 * time, so nothing of one request (and one site) is there for the next.
 * The request is finished (the client has its answer) before the work
 * after it; a child forked for that work never returns here
 * (run_after() and spawn_maintain() end in _exit or exec).  After
 * IC_FCGI_MAX_REQUESTS the process exits; the manager starts another.
 */
static int serve_fastcgi(const struct ic_program *prog)
{
	struct ic_fcgi *f;
	enum ic_err rc;

	umask(077);
	/* Loaded and initialised once, here (OpenSSL's set-up included): the
	 * children forked for the work after each response (a fetch, a
	 * notify) inherit it instead of loading its 38 libraries each time
	 * (core/curl_lazy.h), every symbol bound.  A failure shows at the
	 * first request. */
	(void)ic_curl_bind_now()->global_init(CURL_GLOBAL_DEFAULT);
	rc = ic_fcgi_open(&f);
	if (rc != IC_OK) {
		ic_log(IC_LOG_ERROR, "cannot start the FastCGI responder: %s",
		       ic_strerror(rc));
		return 1;
	}
	for (unsigned n = 0; n < IC_FCGI_MAX_REQUESTS; n++) {
		struct ic_req req;
		FILE *in, *out;
		char **envp;

		ic_cgi_reap();
		if (ic_fcgi_accept(f, &in, &out, &envp) != IC_OK)
			break;
		if (ic_cgi_req_init(&req, prog->name, in, out) != IC_OK ||
		    (envp = env_copy(req.arena, envp)) == NULL) {
			fputs("Status: 500 Internal Server Error\r\n\r\n", out);
			ic_fcgi_finish(f);
			ic_cgi_req_free(&req);
			continue;
		}
		req.fastcgi = true;
		respond(prog, &req, envp);
		run_after_inline(&req);
		ic_fcgi_finish(f);
		/* The streams are closed: nothing may write to them now. */
		req.in = NULL;
		req.out = stdout;
		after_response(&req);
		ic_cgi_req_free(&req);
	}
	ic_fcgi_close(f);
	return 0;
}

static void print_help(const struct ic_program *prog)
{
	printf("%s - %s\n\nUsage: %s [--config FILE] COMMAND [ARGS]\n"
	       "       (or run by a web server: as a CGI program, or as a "
	       "FastCGI responder\n"
	       "       when started with a listening socket on its stdin)\n\n"
	       "Commands:\n",
	       prog->name, prog->summary, prog->name);
	printf("  %-28s %s\n", "--help", "print this help");
	printf("  %-28s %s\n", "--version", "print the version");
	for (size_t i = 0; i < prog->ncmds; i++) {
		char syn[96];

		snprintf(syn, sizeof(syn), "%s %s", prog->cmds[i].option,
		         prog->cmds[i].args);
		printf("  %-28s %s\n", syn, prog->cmds[i].summary);
	}
	printf("\nWeb routes (under its ScriptAlias, e.g. B/%s/...):\n",
	       prog->name);
	for (size_t i = 0; i < prog->nroutes; i++)
		printf("  %-6s %-22s %s\n", prog->routes[i].method,
		       prog->routes[i].path, prog->routes[i].summary);
	printf("\nThe configuration file is --config FILE, else "
	       "$INDIECHAT_CONFIG, else %s\nbeside the program, else %s.\n",
	       IC_CONFIG_BESIDE_NAME, ic_config_default_path());
}

static int run_command(const struct ic_program *prog,
                       const struct ic_cli_cmd *cmd, const char *config_path,
                       const char *argv0, int argc, char **argv)
{
	struct ic_req req;
	enum ic_err rc;

	umask(077);
	if (ic_cgi_req_init(&req, prog->name, stdin, stdout) != IC_OK) {
		fprintf(stderr, "%s: out of memory\n", prog->name);
		return 1;
	}
	req.env.method = "CLI";
	req.env.config_path = config_path;
	req.env.prog_dir = terminal_dir(req.arena, argv0);
	rc = cmd->needs_config ? load_config(&req) : IC_OK;
	if (rc == IC_OK)
		rc = cmd->run(&req, argc, argv);
	fflush(stdout);
	if (rc != IC_OK)
		fprintf(stderr, "%s: %s%s%s\n", prog->name, ic_strerror(rc),
		        req.errbuf[0] ? ": " : "", req.errbuf);
	else if (req.after != NULL)
		/* As after a web response: the owner has the answer, the
		 * work that needs the network goes on detached. */
		run_after(&req);
	ic_cgi_req_free(&req);
	return rc == IC_OK ? 0 : (rc == IC_ERR_BAD_INPUT ? 2 : 1);
}

static int terminal(const struct ic_program *prog, int argc, char **argv,
                    char **envp)
{
	const char *config_path = NULL;
	int i = 1;

	for (char **e = envp; e && *e; e++)
		if (strncmp(*e, "INDIECHAT_CONFIG=", 17) == 0)
			config_path = *e + 17;
	if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
		config_path = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--help") == 0 ||
	    strcmp(argv[i], "-h") == 0) {
		print_help(prog);
		return i >= argc ? 2 : 0;
	}
	if (strcmp(argv[i], "--version") == 0) {
		printf("%s (IndieChat) %s\n", prog->name, PACKAGE_VERSION);
		return 0;
	}
	for (size_t c = 0; c < prog->ncmds; c++)
		if (strcmp(argv[i], prog->cmds[c].option) == 0)
			return run_command(prog, &prog->cmds[c], config_path,
			                   argv[0], argc - i, argv + i);
	fprintf(stderr, "%s: unknown command '%s' (try --help)\n", prog->name,
	        argv[i]);
	return 2;
}

int ic_program_main(const struct ic_program *prog, int argc, char **argv,
                    char **envp)
{
	ic_log_init(prog->name);
	/* A listening socket on fd 0 first: a FastCGI manager may also pass
	 * the CGI variables in the process environment. */
	if (ic_fcgi_is_responder())
		return serve_fastcgi(prog);
	if (ic_cgi_is_cgi(envp))
		return serve_cgi(prog, envp);
	return terminal(prog, argc, argv, envp);
}
