/*
 * mf2_dump.c - the parser from the command line (see mf2_dump.h).
 */
#include "mf2/mf2_dump.h"

#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/file.h"
#include "core/ic_limits.h"
#include "mf2/mf2.h"
#include "net/peer.h"
#include "text/url.h"

static bool is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

/* The page at @p source and the URL its relative links resolve against. */
static enum ic_err load(struct ic_req *req, const char *source,
                        const char *base, char **html, size_t *len,
                        const char **base_out)
{
	struct ic_fetch_result res;
	char *norm;
	enum ic_err rc;

	if (!is_url(source)) {
		*base_out = base ? base : IC_MF2_DUMP_DEFAULT_BASE;
		if (ic_url_normalize(req->arena, *base_out, &norm, NULL) !=
		            IC_OK ||
		    !is_url(norm))
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "--base %s is not an http(s) URL",
			               *base_out);
		*base_out = norm;
		return ic_file_read(req->arena, source, IC_MAX_FETCH_FEED_BYTES,
		                    html, len, req->errbuf);
	}
	rc = ic_peer_get(req, source, NULL, IC_MAX_FETCH_FEED_BYTES, &res, NULL,
	                 req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (res.status != 200)
		return ic_fail(req->errbuf, IC_ERR_PROTOCOL,
		               "%s answered HTTP %ld", source, res.status);
	*html = res.body;
	*len = res.body_len;
	*base_out = res.final_url;
	return IC_OK;
}

enum ic_err ic_mf2_dump(struct ic_req *req, const char *source,
                        const char *base, FILE *out)
{
	const char *b;
	char *html, *text;
	size_t len;
	cJSON *doc;
	enum ic_err rc = load(req, source, base, &html, &len, &b);

	if (rc == IC_OK)
		rc = ic_mf2_parse(req->arena, html, len, b, &doc, req->errbuf);
	if (rc != IC_OK)
		return rc;
	text = cJSON_Print(doc);
	if (text == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for JSON");
	fprintf(out, "%s\n", text);
	cJSON_free(text);
	return ferror(out) ? ic_fail(req->errbuf, IC_ERR_IO,
	                             "cannot write the JSON")
	                   : IC_OK;
}
