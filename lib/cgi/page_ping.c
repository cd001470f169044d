/*
 * page_ping.c - B/<prog>/ping (see page_ping.h).
 */
#include "cgi/page_ping.h"

#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* "bearer", "other" or "none": the scheme only, never the credential. */
static const char *auth_kind(const struct ic_req *req)
{
	if (req->env.authorization == NULL || !*req->env.authorization)
		return "none";
	return ic_cgi_bearer(req) ? "bearer" : "other";
}

static enum ic_err ping(struct ic_req *req, bool with_body)
{
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc = IC_ERR_NOMEM;

	if (j == NULL)
		return IC_ERR_NOMEM;
	if (cJSON_AddStringToObject(j, "program", req->program) &&
	    cJSON_AddStringToObject(j, "version", PACKAGE_VERSION) &&
	    cJSON_AddStringToObject(j, "authorization", auth_kind(req)) &&
	    (!with_body ||
	     (cJSON_AddNumberToObject(j, "body_bytes", (double)req->body_len) &&
	      cJSON_AddNumberToObject(j, "fields", (double)req->form.n))) &&
	    /* Which process answered: the FastCGI tests see one process
	     * serve two sites, and a fresh one after IC_FCGI_MAX_REQUESTS.
	     * Development sites only. */
	    (!req->cfg.dev_mode ||
	     cJSON_AddNumberToObject(j, "pid", (double)getpid())))
		rc = ic_resp_json(req, j);
	cJSON_Delete(j);
	req->resp.cache_control = "no-store";
	return rc;
}

enum ic_err ic_page_ping(struct ic_req *req)
{
	return ping(req, false);
}

enum ic_err ic_page_ping_post(struct ic_req *req)
{
	return ping(req, true);
}
