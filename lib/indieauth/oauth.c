/*
 * oauth.c - the OAuth 2.0 answers (see oauth.h).
 */
#include "indieauth/oauth.h"

#include <cjson/cJSON.h>

#include "core/log.h"

enum ic_err ic_oauth_no_store(struct ic_req *req)
{
	req->resp.cache_control = "no-store";
	return ic_resp_add_header(&req->resp, "Pragma", "no-cache");
}

enum ic_err ic_oauth_json(struct ic_req *req, int status, cJSON *j)
{
	enum ic_err rc;

	if (j == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for JSON");
	rc = ic_resp_json(req, j);
	cJSON_Delete(j);
	req->resp.status = status;
	return rc == IC_OK ? ic_oauth_no_store(req) : rc;
}

enum ic_err ic_oauth_error(struct ic_req *req, const char *error,
                           const char *description)
{
	cJSON *j = cJSON_CreateObject();

	ic_log(IC_LOG_INFO, "%s: %s: %s", req->env.path_info, error,
	       description);
	if (j != NULL &&
	    (!cJSON_AddStringToObject(j, "error", error) ||
	     !cJSON_AddStringToObject(j, "error_description", description))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return ic_oauth_json(req, 400, j);
}
