/*
 * cgi.c - CGI request input, response output and detaching (see cgi.h).
 */
#include "cgi/cgi.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/curl_lazy.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "store/store.h"

enum ic_err ic_cgi_req_init(struct ic_req *req, const char *program, FILE *in,
                            FILE *out)
{
	memset(req, 0, sizeof(*req));
	req->program = program;
	req->in = in;
	req->out = out;
	req->env.path_info = "";
	req->env.query = "";
	req->resp.status = 200;
	req->resp.file.fd = -1;
	req->after_fd = -1;
	ic_buf_init(&req->resp.body, IC_MAX_RESPONSE_BYTES);
	req->arena = ic_arena_new(0);
	return req->arena ? IC_OK : IC_ERR_NOMEM;
}

/* A FastCGI responder keeps the last site's store open between requests:
 * perf on a warm responder's send put 15 % of its time in LMDB's
 * environment setup.  Only the store, nothing of a request: a request for
 * another data_dir closes it and opens its own, and so does one after the
 * data_dir's data.mdb was replaced (a restore moves a copy into place):
 * the kept environment would go on reading and writing the old file. */
static struct ic_store *kept_store;
static char *kept_dir;
static dev_t kept_dev;
static ino_t kept_ino;

/* The identity of @p dir/data.mdb; false when it cannot be read. */
static bool data_file_id(const char *dir, dev_t *dev, ino_t *ino)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/data.mdb", dir);

	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

void ic_cgi_forget_kept_store(void)
{
	/* After fork(): the environment is the parent's (LMDB: never used
	 * across fork), so neither used nor closed here. */
	kept_store = NULL;
	free(kept_dir);
	kept_dir = NULL;
}

static enum ic_err kept_store_for(struct ic_req *req)
{
	dev_t dev;
	ino_t ino;
	bool known = data_file_id(req->cfg.data_dir, &dev, &ino);
	enum ic_err rc;

	if (kept_store && strcmp(kept_dir, req->cfg.data_dir) == 0 && known &&
	    dev == kept_dev && ino == kept_ino) {
		req->store = kept_store;
		return IC_OK;
	}
	ic_store_close(kept_store);
	ic_cgi_forget_kept_store();
	rc = ic_store_open(&req->store, req->cfg.data_dir, req->errbuf);
	if (rc != IC_OK)
		return rc;
	/* Kept only when its file can be told apart from a replacement. */
	if (!data_file_id(req->cfg.data_dir, &kept_dev, &kept_ino))
		return IC_OK;
	kept_dir = strdup(req->cfg.data_dir);
	if (kept_dir != NULL)
		kept_store = req->store;
	return IC_OK;
}

void ic_cgi_req_free(struct ic_req *req)
{
	if (req->store && req->store != kept_store)
		ic_store_close(req->store);
	req->store = NULL;
	ic_buf_release(&req->resp.body);
	ic_file_close(&req->resp.file);
	if (req->after_fd >= 0)
		close(req->after_fd);
	req->after_fd = -1;
	ic_arena_free(req->arena);
	req->arena = NULL;
}

/* The value of NAME in a "NAME=value" array, or NULL. */
static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

bool ic_cgi_is_cgi(char *const *envp)
{
	return env_get(envp, "GATEWAY_INTERFACE") != NULL &&
	       env_get(envp, "REQUEST_METHOD") != NULL;
}

/* RFC 9110 §5.6.2: a method is a token; we also insist on upper case. */
static bool method_ok(const char *m)
{
	if (m == NULL || *m == '\0' || strlen(m) > 16)
		return false;
	for (; *m; m++)
		if (!isupper((unsigned char)*m))
			return false;
	return true;
}

enum ic_err ic_cgi_read_env(struct ic_req *req, char *const *envp)
{
	struct ic_cgi_env *e = &req->env;
	const char *path, *query;

	e->gateway_interface = env_get(envp, "GATEWAY_INTERFACE");
	e->method = env_get(envp, "REQUEST_METHOD");
	path = env_get(envp, "PATH_INFO");
	query = env_get(envp, "QUERY_STRING");
	e->path_info = path ? path : "";
	e->query = query ? query : "";
	e->content_type = env_get(envp, "CONTENT_TYPE");
	e->content_length = env_get(envp, "CONTENT_LENGTH");
	e->authorization = env_get(envp, "HTTP_AUTHORIZATION");
	e->cookie = env_get(envp, "HTTP_COOKIE");
	e->accept = env_get(envp, "HTTP_ACCEPT");
	e->range = env_get(envp, "HTTP_RANGE");
	e->origin = env_get(envp, "HTTP_ORIGIN");
	e->if_none_match = env_get(envp, "HTTP_IF_NONE_MATCH");
	e->hub_signature = env_get(envp, "HTTP_X_HUB_SIGNATURE");
	e->remote_addr = env_get(envp, "REMOTE_ADDR");
	e->https = env_get(envp, "HTTPS");
	e->script_name = env_get(envp, "SCRIPT_NAME");
	e->config_path = env_get(envp, "INDIECHAT_CONFIG");
	e->script_filename = env_get(envp, "SCRIPT_FILENAME");

	if (!method_ok(e->method))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "REQUEST_METHOD is missing or not a method");
	if (strlen(e->path_info) > IC_MAX_PATH_BYTES)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "PATH_INFO longer than %u bytes",
		               (unsigned)IC_MAX_PATH_BYTES);
	if (strlen(e->query) > IC_MAX_QUERY_BYTES)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "QUERY_STRING longer than %u bytes",
		               (unsigned)IC_MAX_QUERY_BYTES);
	return ic_form_parse(&req->query, req->arena, e->query,
	                     strlen(e->query), req->errbuf);
}

enum ic_err ic_cgi_content_length(const char *s, size_t *n)
{
	size_t v = 0, digits = 0;

	*n = 0;
	if (s == NULL || *s == '\0')
		return IC_OK;
	for (; *s; s++, digits++) {
		if (*s < '0' || *s > '9' ||
		    digits >= IC_MAX_CONTENT_LENGTH_DIGITS)
			return IC_ERR_BAD_INPUT;
		v = v * 10 + (size_t)(*s - '0');
	}
	*n = v;
	return IC_OK;
}

/* Read and drop up to @n bytes; stops at EOF. */
static void discard(FILE *in, size_t n)
{
	char tmp[8192];

	while (n > 0) {
		size_t want = n < sizeof(tmp) ? n : sizeof(tmp);
		size_t got = fread(tmp, 1, want, in);

		if (got == 0)
			break;
		n -= got;
	}
}

void ic_cgi_drain_body(struct ic_req *req)
{
	size_t n;

	if (req->body != NULL || req->in == NULL)
		return; /* already read */
	if (ic_cgi_content_length(req->env.content_length, &n) != IC_OK)
		return; /* no trustworthy length: Apache sent none of it */
	/* Bounded by what Apache's LimitRequestBody let through. */
	discard(req->in, n);
	req->in = NULL;
}

enum ic_err ic_cgi_read_body(struct ic_req *req, size_t cap)
{
	size_t n, got;
	char *p;

	if (ic_cgi_content_length(req->env.content_length, &n) != IC_OK)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "CONTENT_LENGTH is not a plain number");
	if (n > cap) {
		ic_cgi_drain_body(req);
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "request body of %zu bytes is over the %zu-byte "
		               "limit",
		               n, cap);
	}
	p = ic_arena_alloc(req->arena, n + 1);
	if (p == NULL) {
		ic_cgi_drain_body(req);
		return ic_fail(req->errbuf, IC_ERR_NOMEM,
		               "no memory for a %zu-byte body", n);
	}
	got = n ? fread(p, 1, n, req->in) : 0;
	p[got] = '\0';
	req->body = p;
	req->body_len = got;
	req->in = NULL;
	if (got != n)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "request body ended after %zu of %zu bytes", got,
		               n);
	return IC_OK;
}

const char *ic_cgi_media_type(struct ic_req *req)
{
	const char *ct = req->env.content_type;
	size_t n;
	char *s;

	if (ct == NULL)
		return "";
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	s = ic_arena_strndup(req->arena, ct, n);
	if (s == NULL)
		return "";
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
static bool b64token_ok(const char *t)
{
	const char *p = t;

	/* strchr() would match the terminator, so test it first. */
	while (*p && (isalnum((unsigned char)*p) || strchr("-._~+/", *p)))
		p++;
	if (p == t)
		return false;
	while (*p == '=')
		p++;
	return *p == '\0';
}

const char *ic_cgi_bearer(const struct ic_req *req)
{
	const char *h = req->env.authorization;

	if (h == NULL || strlen(h) > IC_MAX_AUTHORIZATION_BYTES)
		return NULL;
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	return b64token_ok(h) ? h : NULL;
}

bool ic_cgi_wants_json(const struct ic_req *req)
{
	const char *a = req->env.accept;

	return a && strstr(a, "json") != NULL && strstr(a, "text/html") == NULL;
}

const char *ic_cgi_cookie(struct ic_req *req, const char *name)
{
	const char *p = req->env.cookie;
	size_t nlen = strlen(name);

	if (p == NULL || strlen(p) > IC_MAX_COOKIE_BYTES)
		return NULL;
	while (*p) {
		size_t len;

		while (*p == ' ' || *p == ';')
			p++;
		len = strcspn(p, ";");
		if (len > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t vlen = len - nlen - 1;

			while (vlen > 0 && v[vlen - 1] == ' ')
				vlen--;
			return ic_arena_strndup(req->arena, v, vlen);
		}
		p += len;
	}
	return NULL;
}

const char *ic_req_param(const struct ic_req *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

enum ic_err ic_req_store(struct ic_req *req, struct ic_store **out)
{
	enum ic_err rc;

	if (req->store == NULL) {
		if (!req->cfg_loaded)
			return ic_fail(req->errbuf, IC_ERR_CONFIG,
			               "no configuration loaded");
		rc = req->fastcgi
		             ? kept_store_for(req)
		             : ic_store_open(&req->store, req->cfg.data_dir,
		                             req->errbuf);
		if (rc != IC_OK)
			return rc;
	}
	ic_store_set_dry_run(req->store, req->safe);
	*out = req->store;
	return IC_OK;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ic_req_net_budget(struct ic_req *req, long ms)
{
	req->net_deadline_ms = ms > 0 ? monotonic_ms() + ms : 0;
}

long ic_req_net_timeout_ms(const struct ic_req *req)
{
	long long left;

	if (req->net_deadline_ms == 0)
		return 0;
	left = req->net_deadline_ms - monotonic_ms();
	return left < 1 ? 1 : (long)left;
}

enum ic_err ic_resp_add_header(struct ic_resp *resp, const char *name,
                               const char *value)
{
	if (resp->nheaders == IC_RESP_MAX_HEADERS)
		return IC_ERR_TOO_LARGE;
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return IC_ERR_INTERNAL;
	resp->headers[resp->nheaders].name = name;
	resp->headers[resp->nheaders].value = value;
	resp->nheaders++;
	return IC_OK;
}

enum ic_err ic_resp_json(struct ic_req *req, const struct cJSON *json)
{
	char *s = cJSON_PrintUnformatted(json);
	enum ic_err rc;

	if (s == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM,
		               "could not serialise the JSON response");
	ic_buf_reset(&req->resp.body);
	rc = ic_buf_adds(&req->resp.body, s);
	cJSON_free(s);
	if (rc == IC_OK)
		rc = ic_buf_addc(&req->resp.body, '\n');
	req->resp.content_type = "application/json";
	return rc;
}

enum ic_err ic_resp_text(struct ic_req *req, int status, const char *text)
{
	enum ic_err rc;

	req->resp.status = status;
	req->resp.content_type = "text/plain; charset=utf-8";
	req->resp.nosniff = true;
	ic_buf_reset(&req->resp.body);
	rc = ic_buf_adds(&req->resp.body, text);
	if (rc == IC_OK)
		rc = ic_buf_addc(&req->resp.body, '\n');
	return rc;
}

/* The one table from error code to HTTP status (STYLE.md "Errors"). */
static const int status_of[IC_ERR_LAST] = {
        [IC_OK] = 200,
        [IC_ERR_BAD_INPUT] = 400,
        [IC_ERR_TOO_LARGE] = 413,
        [IC_ERR_UNAUTHENTICATED] = 401,
        [IC_ERR_FORBIDDEN] = 403,
        [IC_ERR_NOT_FOUND] = 404,
        [IC_ERR_METHOD] = 405,
        [IC_ERR_GONE] = 410,
        [IC_ERR_CONFLICT] = 409,
        [IC_ERR_MEDIA_TYPE] = 415,
        [IC_ERR_DATABASE] = 500,
        [IC_ERR_NETWORK] = 502,
        [IC_ERR_PROTOCOL] = 502,
        [IC_ERR_CONFIG] = 500,
        [IC_ERR_NOMEM] = 500,
        [IC_ERR_IO] = 500,
        [IC_ERR_BLOCKED] = 403,
        [IC_ERR_INTERNAL] = 500,
};

int ic_cgi_status(enum ic_err code)
{
	if ((unsigned)code >= IC_ERR_LAST)
		return 500;
	return status_of[code];
}

const char *ic_cgi_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

static bool is_head(const struct ic_req *req)
{
	return req->env.method && strcmp(req->env.method, "HEAD") == 0;
}

/* A FastCGI response is a stream without a descriptor (fcgi.c's
 * fopencookie): the file goes through it in pieces. */
static enum ic_err stream_file(FILE *out, const struct ic_file *f)
{
	char chunk[64 * 1024];
	size_t done = 0;

	while (done < f->size) {
		size_t want = f->size - done < sizeof(chunk) ? f->size - done
		                                             : sizeof(chunk);
		ssize_t n = pread(f->fd, chunk, want, (off_t)(f->start + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || fwrite(chunk, 1, (size_t)n, out) != (size_t)n)
			return IC_ERR_IO;
		done += (size_t)n;
	}
	return fflush(out) == 0 ? IC_OK : IC_ERR_IO;
}

/* The file body after the headers (none for HEAD), then closed. */
static enum ic_err respond_file(struct ic_req *req)
{
	enum ic_err rc = IC_OK;

	if (fflush(req->out) != 0 || ferror(req->out))
		rc = IC_ERR_IO;
	if (rc == IC_OK && !is_head(req))
		rc = fileno(req->out) < 0
		             ? stream_file(req->out, &req->resp.file)
		             : ic_file_send(req->out, &req->resp.file, NULL);
	ic_file_close(&req->resp.file);
	return rc;
}

enum ic_err ic_resp_file(struct ic_req *req, const char *path, char *errbuf)
{
	ic_file_close(&req->resp.file);
	ic_buf_reset(&req->resp.body);
	return ic_file_open(&req->resp.file, path, errbuf);
}

/* One decimal number of at most 18 digits at *p (no sign, no space),
 * moving *p past it; false when there is none. */
static bool range_num(const char **p, unsigned long long *v)
{
	size_t n = strspn(*p, "0123456789");

	if (n == 0 || n > 18)
		return false;
	*v = strtoull(*p, NULL, 10);
	*p += n;
	return true;
}

enum range_answer { RANGE_WHOLE, RANGE_PART, RANGE_UNSATISFIABLE };

/* RFC 9110 §14.1.2: "bytes=first-last", "bytes=first-" or "bytes=-n".
 * Several ranges, other units, bad syntax: the whole file (§14.2 lets a
 * server ignore Range). */
static enum range_answer range_parse(const char *h, size_t size, size_t *first,
                                     size_t *count)
{
	unsigned long long a = 0, b = 0;
	bool has_a, has_b;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0)
		return RANGE_WHOLE;
	h += 6;
	has_a = range_num(&h, &a);
	if (*h++ != '-')
		return RANGE_WHOLE;
	has_b = range_num(&h, &b);
	if (*h != '\0' || (!has_a && !has_b) || (has_a && has_b && b < a))
		return RANGE_WHOLE;
	if (!has_a) { /* the last b bytes */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - (size_t)b;
		*count = size - *first;
		return RANGE_PART;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	if (!has_b || b >= size)
		b = size - 1;
	*first = (size_t)a;
	*count = (size_t)(b - a + 1);
	return RANGE_PART;
}

enum ic_err ic_resp_file_range(struct ic_req *req)
{
	struct ic_resp *r = &req->resp;
	size_t size = r->file.size, first = 0, count = 0;
	enum range_answer ans =
	        range_parse(req->env.range, size, &first, &count);
	const char *cr;
	enum ic_err rc = ic_resp_add_header(r, "Accept-Ranges", "bytes");

	if (rc != IC_OK || ans == RANGE_WHOLE || r->file.fd < 0)
		return rc;
	cr = ans == RANGE_PART
	             ? ic_arena_printf(req->arena, "bytes %zu-%zu/%zu", first,
	                               first + count - 1, size)
	             : ic_arena_printf(req->arena, "bytes */%zu", size);
	if (cr == NULL)
		return IC_ERR_NOMEM;
	if (ans == RANGE_UNSATISFIABLE) {
		ic_file_close(&r->file);
		r->cache_control = "no-store";
		rc = ic_resp_text(req, 416, "416 Range Not Satisfiable");
	} else {
		r->status = 206;
		r->file.start = first;
		r->file.size = count;
	}
	return rc == IC_OK ? ic_resp_add_header(r, "Content-Range", cr) : rc;
}

enum ic_err ic_cgi_respond(struct ic_req *req)
{
	struct ic_resp *r = &req->resp;
	FILE *o = req->out;

	if (r->sent)
		return IC_OK;
	r->sent = true;
	/* Under mod_cgid an unread body resets the connection (DESIGN.md). */
	ic_cgi_drain_body(req);
	fprintf(o, "Status: %d %s\r\n", r->status, ic_cgi_reason(r->status));
	if (r->content_type)
		fprintf(o, "Content-Type: %s\r\n", r->content_type);
	if (r->file.fd >= 0)
		fprintf(o, "Content-Length: %zu\r\n", r->file.size);
	else if ((r->content_type || r->body.len) && !r->stream)
		fprintf(o, "Content-Length: %zu\r\n", r->body.len);
	if (r->cache_control)
		fprintf(o, "Cache-Control: %s\r\n", r->cache_control);
	if (r->vary)
		fprintf(o, "Vary: %s\r\n", r->vary);
	if (r->location)
		fprintf(o, "Location: %s\r\n", r->location);
	if (r->allow)
		fprintf(o, "Allow: %s\r\n", r->allow);
	if (r->www_authenticate)
		fprintf(o, "WWW-Authenticate: %s\r\n", r->www_authenticate);
	if (r->nosniff)
		fputs("X-Content-Type-Options: nosniff\r\n", o);
	for (size_t i = 0; i < r->nheaders; i++)
		fprintf(o, "%s: %s\r\n", r->headers[i].name,
		        r->headers[i].value);
	fputs("\r\n", o);
	if (r->file.fd >= 0)
		return respond_file(req);
	if (!is_head(req) && r->body.len)
		fwrite(r->body.buf, 1, r->body.len, o);
	if (fflush(o) != 0 || ferror(o))
		return IC_ERR_IO;
	return IC_OK;
}

enum ic_err ic_cgi_respond_error(struct ic_req *req, enum ic_err code,
                                 const char *message)
{
	int status = ic_cgi_status(code);
	struct ic_buf line = IC_BUF_INIT(IC_ERRBUF_SIZE + 64);
	enum ic_err rc;

	if (status >= 500)
		ic_log(IC_LOG_ERROR, "%s %s: %s: %s",
		       req->env.method ? req->env.method : "-",
		       req->env.path_info, ic_strerror(code),
		       message ? message : "");
	/* Keep what the status needs (Allow, WWW-Authenticate, Link). */
	ic_file_close(&req->resp.file);
	req->resp.cache_control = "no-store";
	req->resp.location = NULL;
	req->resp.vary = NULL;
	rc = ic_buf_addf(&line, "%d %s: %s", status, ic_cgi_reason(status),
	                 message && status < 500 ? message : ic_strerror(code));
	if (rc == IC_OK)
		rc = ic_resp_text(req, status, line.buf);
	ic_buf_release(&line);
	if (rc != IC_OK)
		req->resp.status = status;
	return ic_cgi_respond(req);
}

/* Point fds 0-2 at /dev/null so nothing holds the response open. */
static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

void ic_cgi_end_response(void)
{
	fflush(stdout);
	fflush(stderr);
	null_stdio();
}

/* Close fds lo..hi.  close_range(2) does it in one call: the loop below,
 * up to RLIMIT_NOFILE (20,000 under a typical Apache), cost milliseconds
 * on every detach, on the message path. */
static void close_fds(unsigned lo, unsigned hi)
{
	struct rlimit rl;
	unsigned max = 1024;

	if (close_range(lo, hi, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536)
		max = (unsigned)rl.rlim_cur;
	for (unsigned fd = lo; fd <= hi && fd < max; fd++)
		close((int)fd);
}

/* Every fd from 3 up but the kept ones, gap by gap. */
static void close_other_fds(const int *keep_fds)
{
	unsigned lo = 3;

	for (;;) {
		unsigned next = ~0U; /* the lowest kept fd >= lo */

		for (const int *k = keep_fds; k && *k >= 0; k++)
			if ((unsigned)*k >= lo && (unsigned)*k < next)
				next = (unsigned)*k;
		if (next > lo)
			close_fds(lo, next - 1);
		if (next == ~0U)
			return;
		lo = next + 1;
	}
}

/* The detached child, once forked: nothing of the server's is left. */
static void become_detached(const int *keep_fds)
{
	null_stdio();
	close_other_fds(keep_fds);
}

/* A FastCGI responder outlives the work it forks, so one fork will do:
 * the child leaves the process group, the responder reaps it later
 * (ic_cgi_reap()).  The middle process of the CGI case cost a second
 * fork of a process that maps libcurl and LMDB. */
static enum ic_err detach_from_responder(const int *keep_fds, bool *is_child)
{
	pid_t pid = fork();

	if (pid < 0)
		return IC_ERR_IO;
	if (pid == 0) {
		setsid();
		become_detached(keep_fds);
		*is_child = true;
	}
	return IC_OK;
}

void ic_cgi_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

enum ic_err ic_cgi_detach(const int *keep_fds, bool keep_stdio, bool *is_child)
{
	pid_t middle, pid;
	int status;

	*is_child = false;
	/* A child would inherit a half-loaded libcurl and no loader. */
	ic_curl_preload_join();
	fflush(stdout);
	fflush(stderr);
	if (keep_stdio)
		return detach_from_responder(keep_fds, is_child);
	/* Fork before closing anything: the response socket must stay
	 * intact until the parent has finished with it (DESIGN.md). */
	middle = fork();
	if (middle < 0)
		return IC_ERR_IO;
	if (middle == 0) {
		/* Let go of the response at once: the server ends it at EOF,
		 * and its client should not wait for our second fork. */
		null_stdio();
		/* Leave Apache's process group: a kill of the CGI's group
		 * on `apache2 -k stop` or after the response misses us. */
		setsid();
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		become_detached(keep_fds);
		*is_child = true;
		return IC_OK;
	}
	null_stdio();
	while (waitpid(middle, &status, 0) < 0 && errno == EINTR)
		;
	return IC_OK;
}
