/*
 * session.c - reading and checking owner sessions (see session.h).
 */
#include "cgi/session.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/digest.h"
#include "core/log.h"
#include "store/store.h"
#include "store/store_auth.h"
#include "store/store_token.h"

#define CSRF_LABEL "indiechat-csrf\n"

bool ic_session_secure(const struct ic_config *cfg)
{
	return strncasecmp(cfg->base_url, "https://", 8) == 0;
}

const char *ic_session_cookie_name(struct ic_req *req, const char *what)
{
	char hex[65];

	ic_digest_sha256_hex(req->cfg.base_url, strlen(req->cfg.base_url), hex);
	return ic_arena_printf(req->arena, "%sic_%.8s_%s",
	                       ic_session_secure(&req->cfg) ? "__Host-" : "",
	                       hex, what);
}

const char *ic_session_set_cookie(struct ic_req *req, const char *what,
                                  const char *value, long long max_age)
{
	const char *name = ic_session_cookie_name(req, what);

	if (name == NULL)
		return NULL;
	return ic_arena_printf(req->arena,
	                       "%s=%s; Path=/; HttpOnly; SameSite=Lax; "
	                       "Max-Age=%lld%s",
	                       name, value, max_age,
	                       ic_session_secure(&req->cfg) ? "; Secure" : "");
}

void ic_session_csrf(const char *session_id, char out[65])
{
	char buf[sizeof(CSRF_LABEL) + 128];
	size_t n = strlen(session_id);

	if (n > 128)
		n = 128; /* our ids are 43 characters */
	memcpy(buf, CSRF_LABEL, sizeof(CSRF_LABEL) - 1);
	memcpy(buf + sizeof(CSRF_LABEL) - 1, session_id, n);
	ic_digest_sha256_hex(buf, sizeof(CSRF_LABEL) - 1 + n, out);
}

bool ic_session_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	volatile unsigned char diff = (unsigned char)(la != lb);

	/* Time depends on the length of b (public), never on where the
	 * first difference is. */
	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return diff == 0;
}

struct lookup {
	struct ic_arena *a;
	const char *hash;
	long long now;
	struct ic_session s;
};

static enum ic_err lookup_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct lookup *l = ctx;

	return ic_store_session_get_in_txn(t, l->a, l->hash, l->now, &l->s);
}

enum ic_err ic_session_get(struct ic_req *req, struct ic_owner *out)
{
	const char *name = ic_session_cookie_name(req, IC_COOKIE_SESSION);
	const char *id = name ? ic_cgi_cookie(req, name) : NULL;
	struct lookup l = {req->arena, NULL, (long long)time(NULL), {0}};
	struct ic_store *st;
	char csrf[65];
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	if (id == NULL || *id == '\0' || strlen(id) > 128)
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "not signed in");
	l.hash = ic_secret_hash(req->arena, id);
	if (l.hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, lookup_in_txn, &l, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "the session is unknown or has expired");
	if (rc != IC_OK)
		return rc;
	/* IA-C-19: a session is only ever created for the owner; a
	 * changed `me` in the configuration ends the old ones. */
	if (strcmp(l.s.me, req->cfg.me) != 0)
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "the session is for another owner");
	ic_session_csrf(id, csrf);
	out->me = l.s.me;
	out->csrf = ic_arena_strdup(req->arena, csrf);
	out->session_hash = l.hash;
	out->expires = l.s.expires;
	return out->csrf ? IC_OK : IC_ERR_NOMEM;
}

/* Length of "scheme://authority" at the start of base_url. */
static size_t origin_len(const char *base)
{
	const char *p = strstr(base, "://");

	if (p == NULL)
		return 0;
	p += 3;
	return (size_t)(p - base) + strcspn(p, "/");
}

const char *ic_session_base_path(const struct ic_config *cfg)
{
	return cfg->base_url + origin_len(cfg->base_url);
}

char *ic_session_absolute(struct ic_req *req, const char *path)
{
	return ic_arena_printf(req->arena, "%.*s%s",
	                       (int)origin_len(req->cfg.base_url),
	                       req->cfg.base_url, path);
}

bool ic_session_origin_ok(const struct ic_req *req)
{
	const char *o = req->env.origin;
	size_t n = origin_len(req->cfg.base_url);

	if (o == NULL || *o == '\0')
		return true; /* not sent: CSRF token and SameSite decide */
	return strlen(o) == n && strncasecmp(o, req->cfg.base_url, n) == 0;
}

enum ic_err ic_session_require_post(struct ic_req *req, struct ic_owner *out)
{
	const char *token = ic_form_get(&req->form, IC_CSRF_FIELD);
	enum ic_err rc;

	if (!ic_session_origin_ok(req))
		return ic_fail(req->errbuf, IC_ERR_FORBIDDEN,
		               "cross-site request refused (Origin %s)",
		               req->env.origin);
	rc = ic_session_get(req, out);
	if (rc == IC_ERR_UNAUTHENTICATED)
		return ic_fail(req->errbuf, IC_ERR_FORBIDDEN,
		               "sign in first: this action needs the owner's "
		               "session");
	if (rc != IC_OK)
		return rc;
	if (token == NULL || ic_form_count(&req->form, IC_CSRF_FIELD) != 1 ||
	    !ic_session_equal(token, out->csrf))
		return ic_fail(req->errbuf, IC_ERR_FORBIDDEN,
		               "missing or wrong CSRF token: reload the page "
		               "and try again");
	return IC_OK;
}

bool ic_session_next_ok(const struct ic_config *cfg, const char *next)
{
	const char *base = ic_session_base_path(cfg);
	size_t blen = strlen(base);

	if (next == NULL || next[0] != '/' || next[1] == '/' ||
	    strlen(next) > IC_SESSION_NEXT_MAX_BYTES)
		return false;
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\' ||
		    *p == '%' || *p == '#')
			return false;
	/* No dot segments: "/indiechat/../x" leaves base_url's path. */
	for (const char *p = next; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || p[2] == '?' ||
		     (p[2] == '.' &&
		      (p[3] == '/' || p[3] == '\0' || p[3] == '?'))))
			return false;
	return strncmp(next, base, blen) == 0 &&
	       (next[blen] == '\0' || next[blen] == '/');
}
