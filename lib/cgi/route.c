/*
 * route.c - match PATH_INFO, enforce each route's needs, call its handler.
 */
#include "cgi/route.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/session.h"
#include "core/ic_limits.h"
#include "text/media.h"

static bool param_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool ic_route_match(const char *pattern, const char *path, struct ic_req *req)
{
	const char *names[IC_REQ_MAX_PARAMS], *starts[IC_REQ_MAX_PARAMS];
	size_t lens[IC_REQ_MAX_PARAMS], n = 0;

	while (*pattern && *path) {
		if (pattern[0] == '{') {
			const char *close = strchr(pattern, '}');
			size_t len = 0;

			if (close == NULL || n == IC_REQ_MAX_PARAMS)
				return false;
			while (param_char(path[len]))
				len++;
			if (len == 0 || (path[len] != '/' && path[len] != '\0'))
				return false;
			names[n] = pattern + 1;
			lens[n] = len;
			starts[n++] = path;
			pattern = close + 1;
			path += len;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	if (*pattern || *path)
		return false;
	if (req == NULL)
		return true;
	req->nparams = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name_end = strchr(names[i], '}');
		char *name = ic_arena_strndup(req->arena, names[i],
		                              (size_t)(name_end - names[i]));
		char *value = ic_arena_strndup(req->arena, starts[i], lens[i]);

		if (name == NULL || value == NULL)
			return false;
		req->param_names[i] = name;
		req->param_values[i] = value;
		req->nparams++;
	}
	return true;
}

static bool is_head(const char *method)
{
	return strcmp(method, "HEAD") == 0;
}

static bool method_matches(const struct ic_route *r, const char *method)
{
	return strcmp(r->method, method) == 0 ||
	       (strcmp(r->method, "GET") == 0 && is_head(method) &&
	        !(r->needs & IC_NEED_GET_ACTS));
}

/* Build the Allow header for every route whose path matches. */
static const char *allow_list(struct ic_req *req, const struct ic_route *routes,
                              size_t n)
{
	struct ic_buf b = IC_BUF_INIT(256);
	bool get = false;

	for (size_t i = 0; i < n; i++) {
		if (!ic_route_match(routes[i].path, req->env.path_info, NULL))
			continue;
		if (strstr(b.buf, routes[i].method))
			continue;
		if ((b.len && ic_buf_adds(&b, ", ") != IC_OK) ||
		    ic_buf_adds(&b, routes[i].method) != IC_OK)
			break;
		if (strcmp(routes[i].method, "GET") == 0 &&
		    !(routes[i].needs & IC_NEED_GET_ACTS))
			get = true;
	}
	if (get && ic_buf_adds(&b, ", HEAD") != IC_OK)
		ic_buf_release(&b);
	return ic_arena_take_buf(req->arena, &b);
}

/* Issue 15: the fields of a multipart body as req->form, so what reads
 * the form (the CSRF check, the handler) reads them alike; a field is
 * text without NUL bytes, as the form codec requires. */
static enum ic_err form_of_parts(struct ic_req *req)
{
	const struct ic_multipart *m = &req->files;
	struct ic_form_field *f =
	        ic_arena_calloc(req->arena, m->n ? m->n : 1, sizeof(*f));
	size_t n = 0;

	if (f == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const struct ic_multipart_part *p = &m->parts[i];
		char *v;

		if (p->filename != NULL)
			continue;
		if (n == IC_MAX_FORM_FIELDS || p->len > IC_MAX_FORM_VALUE_BYTES)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "the form has too many or too long "
			               "fields");
		if (memchr(p->data, '\0', p->len) != NULL)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "field %s holds a NUL byte", p->name);
		v = ic_arena_strndup(req->arena, (const char *)p->data, p->len);
		if (v == NULL)
			return IC_ERR_NOMEM;
		f[n].name = p->name;
		f[n].value = v;
		f[n++].value_len = p->len;
	}
	req->form.fields = n ? f : NULL;
	req->form.n = n;
	return IC_OK;
}

static enum ic_err read_upload(struct ic_req *req)
{
	size_t cap = (req->cfg.attach_max_message
	                      ? req->cfg.attach_max_message
	                      : IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT) +
	             IC_MAX_BODY_BYTES;
	enum ic_err rc = ic_cgi_read_body(req, cap);

	char most[32];

	/* Said as the owner who chose the files would put it. */
	if (rc == IC_ERR_TOO_LARGE) {
		ic_media_human_size((long long)(cap - IC_MAX_BODY_BYTES), most);
		return ic_fail(req->errbuf, rc,
		               "the files are too large: at most %s in one "
		               "message",
		               most);
	}
	if (rc == IC_OK)
		rc = ic_multipart_parse(&req->files, req->arena,
		                        req->env.content_type, req->body,
		                        req->body_len, req->errbuf);
	return rc == IC_OK ? form_of_parts(req) : rc;
}

static enum ic_err read_input(struct ic_req *req, unsigned needs)
{
	enum ic_err rc;

	if ((needs & IC_NEED_UPLOAD) &&
	    strcmp(ic_cgi_media_type(req), "multipart/form-data") == 0)
		return read_upload(req);

	if (needs & (IC_NEED_OWNER_ACTION | IC_NEED_RATE))
		needs |= IC_NEED_FORM; /* the CSRF token, the judged fields */
	if (needs & IC_NEED_BIG_BODY)
		return ic_cgi_read_body(req, IC_MAX_DELIVERY_BYTES);
	if (!(needs & (IC_NEED_FORM | IC_NEED_BODY)))
		return IC_OK;
	rc = ic_cgi_read_body(req, IC_MAX_BODY_BYTES);
	if (rc != IC_OK || !(needs & IC_NEED_FORM))
		return rc;
	if (strcmp(ic_cgi_media_type(req),
	           "application/x-www-form-urlencoded") != 0)
		return ic_fail(req->errbuf, IC_ERR_MEDIA_TYPE,
		               "expected an application/x-www-form-urlencoded "
		               "body");
	return ic_form_parse(&req->form, req->arena, req->body, req->body_len,
	                     req->errbuf);
}

/* An owner page without a session: 303 to the sign-in page, which comes
 * back here (docs/web.md "Pages"). */
static enum ic_err to_signin(struct ic_req *req)
{
	const char *here;

	/* Where Apache mounted us (SCRIPT_NAME), else the standard B/<prog>. */
	here = req->env.script_name && *req->env.script_name
	               ? ic_arena_printf(req->arena, "%s%s",
	                                 req->env.script_name,
	                                 req->env.path_info)
	               : ic_arena_printf(req->arena, "%s/%s%s",
	                                 ic_session_base_path(&req->cfg),
	                                 req->program, req->env.path_info);
	if (here && !ic_session_next_ok(&req->cfg, here))
		here = ic_url_path(&req->cfg,
		                   ic_url_inbox(req->arena, &req->cfg));
	req->resp.status = 303;
	req->resp.cache_control = "no-store";
	req->resp.location =
	        here ? ic_url_signin(req->arena, &req->cfg, here) : NULL;
	return req->resp.location
	               ? IC_OK
	               : ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
}

/* An owner API without a session: what the live script reloads on. */
static enum ic_err not_signed_in(struct ic_req *req)
{
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc =
	        j && cJSON_AddStringToObject(j, "error", "not signed in")
	                ? ic_resp_json(req, j)
	                : ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");

	cJSON_Delete(j);
	req->resp.status = 401;
	req->resp.cache_control = "no-store";
	return rc;
}

/* The rate limits of a route: *answered when its 429 is the response.
 * A route that asks for them in a program without a limiter fails
 * closed. */
static enum ic_err check_rate(struct ic_req *req, unsigned needs,
                              bool *answered)
{
	*answered = false;
	if (!(needs & IC_NEED_RATE))
		return IC_OK;
	if (req->rate_limit == NULL)
		return ic_fail(req->errbuf, IC_ERR_INTERNAL,
		               "this program has no rate limiter");
	return req->rate_limit(req, needs, false, answered);
}

/*
 * The owner needs of a route.  IC_OK with req->owner set: the handler
 * runs.  IC_OK with *answered: the refusal is the response (303, 401
 * JSON, the 403 page).  Otherwise the error the router answers.
 */
static enum ic_err check_owner(struct ic_req *req, unsigned needs,
                               bool *answered)
{
	struct ic_owner *o;
	enum ic_err rc;

	*answered = false;
	if (!(needs & IC_NEED_OWNER))
		return IC_OK;
	o = ic_arena_calloc(req->arena, 1, sizeof(*o));
	if (o == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	if (needs & IC_NEED_OWNER_ACTION) {
		rc = ic_session_require_post(req, o);
		if (rc != IC_OK) {
			rc = ic_page_refused(req, rc);
			*answered = rc == IC_OK;
		}
	} else {
		rc = ic_session_get(req, o);
		if (rc == IC_ERR_UNAUTHENTICATED) {
			rc = needs & IC_NEED_OWNER_PAGE ? to_signin(req)
			                                : not_signed_in(req);
			*answered = rc == IC_OK;
		}
	}
	if (rc == IC_OK && !*answered)
		req->owner = o;
	return rc;
}

/*
 * Uploads are the one body Apache lets through past 1 MiB (the compose
 * box's photos, up to attach_max_message_bytes: scripts/install), so they
 * are read only for the owner.  The session and Origin are judged from the
 * headers first: a stranger's upload is refused before a byte of it is
 * read, and costs no memory.  The CSRF token, in the body, is judged after
 * (check_owner()).  *answered as there.
 */
static enum ic_err gate_upload(struct ic_req *req, unsigned needs,
                               bool *answered)
{
	struct ic_owner o;
	enum ic_err rc = IC_OK;

	*answered = false;
	if (!(needs & IC_NEED_UPLOAD) ||
	    strcmp(ic_cgi_media_type(req), "multipart/form-data") != 0)
		return IC_OK;
	if (!ic_session_origin_ok(req))
		rc = ic_fail(req->errbuf, IC_ERR_FORBIDDEN,
		             "cross-site request refused (Origin %s)",
		             req->env.origin);
	else if ((rc = ic_session_get(req, &o)) == IC_ERR_UNAUTHENTICATED)
		rc = ic_fail(req->errbuf, IC_ERR_FORBIDDEN,
		             "sign in first: this action needs the owner's "
		             "session");
	if (rc == IC_OK)
		return IC_OK;
	rc = ic_page_refused(req, rc);
	*answered = rc == IC_OK;
	return rc;
}

enum ic_err ic_route_dispatch(struct ic_req *req, const struct ic_route *routes,
                              size_t nroutes)
{
	const struct ic_route *hit = NULL;
	bool path_known = false, answered = false;
	enum ic_err rc;

	for (size_t i = 0; i < nroutes && hit == NULL; i++) {
		if (!ic_route_match(routes[i].path, req->env.path_info, NULL))
			continue;
		path_known = true;
		if (method_matches(&routes[i], req->env.method))
			hit = &routes[i];
	}
	/* A safe method changes nothing, whatever the handler writes. */
	req->safe = is_head(req->env.method);
	if (!path_known)
		rc = ic_fail(req->errbuf, IC_ERR_NOT_FOUND, "no page here");
	else if (hit == NULL) {
		req->resp.allow = allow_list(req, routes, nroutes);
		rc = ic_fail(req->errbuf, IC_ERR_METHOD,
		             "%s is not allowed here", req->env.method);
	} else if (!ic_route_match(hit->path, req->env.path_info, req))
		rc = ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for path");
	else if ((rc = gate_upload(req, hit->needs, &answered)) == IC_OK &&
	         !answered && (rc = read_input(req, hit->needs)) == IC_OK &&
	         (rc = check_rate(req, hit->needs, &answered)) == IC_OK &&
	         !answered &&
	         (rc = check_owner(req, hit->needs, &answered)) == IC_OK &&
	         !answered) {
		rc = hit->handler(req);
		if (rc == IC_OK && (hit->needs & IC_NEED_RATE))
			(void)req->rate_limit(req, hit->needs, true, &answered);
	}
	if (rc != IC_OK)
		ic_cgi_respond_error(req, rc,
		                     req->errbuf[0] ? req->errbuf : NULL);
	return rc;
}
