/*
 * fixture.c - the shared unit-test fixture (see fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ftw.h>
#include <sys/stat.h>

#include "fixture.h"
#include "cgi/session.h"
#include "store/conv_state.h"
#include "store/store_auth.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "store/store_token.h"

int ic_fx_setup(void **state)
{
	struct ic_fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/ic-unit-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	fx->cfg.me = IC_FX_ME;
	fx->cfg.base_url = IC_FX_BASE;
	fx->cfg.data_dir = fx->dir;
	fx->cfg.hub = "";
	fx->cfg.passphrase_hash = "";
	fx->cfg.sign_in = "builtin";
	fx->cfg.feed_page_size = 50;
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int ic_fx_teardown(void **state)
{
	struct ic_fx *fx = *state;
	int rc;

	if (fx->req_open)
		ic_cgi_req_free(&fx->req); /* closes its store first */
	rc = nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return rc;
}

enum ic_err ic_fx_open_req(struct ic_fx *fx, const char *program)
{
	enum ic_err rc = ic_cgi_req_init(&fx->req, program ? program : "feed",
	                                 stdin, stdout);

	if (rc != IC_OK)
		return rc;
	fx->req.cfg = fx->cfg;
	fx->req.cfg_loaded = true;
	fx->req_open = true;
	return IC_OK;
}

void ic_fx_req_init(struct ic_fx *fx, struct ic_req *req, const char *program,
                    FILE *in, FILE *out)
{
	assert_int_equal(
	        ic_cgi_req_init(req, program ? program : "feed", in, out),
	        IC_OK);
	req->cfg = fx->cfg;
	req->cfg_loaded = true;
}

void ic_fx_form(struct ic_req *req, const char *body)
{
	assert_int_equal(
	        ic_form_parse(&req->form, req->arena, body, strlen(body), NULL),
	        IC_OK);
}

void ic_fx_query(struct ic_req *req, const char *query)
{
	req->env.query = query;
	assert_int_equal(ic_form_parse(&req->query, req->arena, query,
	                               strlen(query), NULL),
	                 IC_OK);
}

void ic_fx_run(struct ic_fx *fx, const struct ic_route *routes, size_t n,
               const struct ic_fx_call *call, struct ic_fx_run *r)
{
	const char *body = call->body;
	struct ic_req req;
	char len[32];
	FILE *in, *out;
	char *sep;

	memset(r, 0, sizeof(*r));
	in = fmemopen((void *)(body ? body : ""), body ? strlen(body) + 1 : 1,
	              "r");
	out = open_memstream(&r->out, &r->outlen);
	assert_non_null(in);
	assert_non_null(out);
	ic_fx_req_init(fx, &req, call->program, in, out);
	req.env.method = call->method ? call->method : "GET";
	req.env.path_info = call->path ? call->path : "";
	if (call->query)
		ic_fx_query(&req, call->query);
	req.env.cookie = call->cookie;
	req.env.origin = call->origin;
	req.env.if_none_match = call->if_none_match;
	req.env.remote_addr = call->remote_addr;
	req.env.authorization = call->authorization;
	req.env.accept = call->accept;
	req.env.script_name = call->script_name;
	if (body) {
		snprintf(len, sizeof(len), "%zu", strlen(body));
		req.env.content_type =
		        call->content_type ? call->content_type : IC_FX_FORM;
		req.env.content_length = len;
	}
	req.rate_limit = fx->rate_limit;
	r->rc = ic_route_dispatch(&req, routes, n);
	if (r->rc == IC_OK)
		ic_cgi_respond(&req);
	if (r->rc == IC_OK && call->run_after && req.after && !req.safe)
		assert_int_equal(req.after(&req), IC_OK);
	fclose(out);
	fclose(in);
	ic_cgi_req_free(&req);
	assert_non_null(r->out);
	assert_int_equal(sscanf(r->out, "Status: %d", &r->status), 1);
	sep = strstr(r->out, "\r\n\r\n");
	assert_non_null(sep);
	sep[2] = '\0'; /* r->out is now the header lines, each with CRLF */
	r->body = sep + 4;
	r->json = cJSON_Parse(r->body);
}

void ic_fx_done(struct ic_fx_run *r)
{
	cJSON_Delete(r->json);
	free(r->out);
	memset(r, 0, sizeof(*r));
}

bool ic_fx_has_header(const struct ic_fx_run *r, const char *text)
{
	return strstr(r->out, text) != NULL;
}

bool ic_fx_header(const struct ic_fx_run *r, const char *name, char *buf,
                  size_t size)
{
	size_t nlen = strlen(name);

	for (const char *p = r->out; p && *p; p = strstr(p, "\r\n")) {
		size_t vlen;

		p += p[0] == '\r' ? 2 : 0;
		if (strncmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		p += nlen + 1;
		p += strspn(p, " ");
		vlen = strcspn(p, "\r");
		if (vlen >= size)
			vlen = size - 1;
		memcpy(buf, p, vlen);
		buf[vlen] = '\0';
		return true;
	}
	return false;
}

const char *ic_fx_jstr(const struct ic_fx_run *r, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

enum ic_err ic_fx_txn(struct ic_fx *fx, struct ic_req *req, bool write,
                      enum ic_err (*fn)(struct ic_store_txn *t, void *ctx),
                      void *ctx)
{
	char errbuf[IC_ERRBUF_SIZE] = "";
	struct ic_store *st = NULL;
	enum ic_err rc;

	if (req != NULL) {
		rc = ic_req_store(req, &st);
		if (rc != IC_OK)
			return rc;
		return write ? ic_store_update(st, fn, ctx, req->errbuf)
		             : ic_store_view(st, fn, ctx, req->errbuf);
	}
	if (ic_store_open(&st, fx->dir, errbuf) != IC_OK)
		fail_msg("ic_store_open: %s", errbuf);
	rc = write ? ic_store_update(st, fn, ctx, errbuf)
	           : ic_store_view(st, fn, ctx, errbuf);
	ic_store_close(st);
	return rc;
}

struct put_session {
	struct ic_arena *a;
	const char *hash;
	struct ic_session s;
};

static enum ic_err put_session_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct put_session *p = ctx;

	return ic_store_session_put_in_txn(t, p->a, p->hash, &p->s);
}

void ic_fx_session(struct ic_fx *fx, const char *id, const char *me,
                   long long expires)
{
	struct put_session p = {ic_arena_new(0), NULL, {me, 0, expires}};

	assert_non_null(p.a);
	p.hash = ic_secret_hash(p.a, id);
	assert_non_null(p.hash);
	assert_int_equal(ic_fx_txn(fx, NULL, true, put_session_in_txn, &p),
	                 IC_OK);
	ic_arena_free(p.a);
}

const char *ic_fx_cookie(struct ic_fx *fx, const char *id)
{
	struct ic_req req;

	ic_fx_req_init(fx, &req, "feed", stdin, stdout);
	snprintf(fx->cookie, sizeof(fx->cookie), "other=1; %s=%s",
	         ic_session_cookie_name(&req, IC_COOKIE_SESSION), id);
	ic_cgi_req_free(&req);
	return fx->cookie;
}

bool ic_fx_file_has(const char *path, const char *s)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long size;
	bool hit;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	hit = memmem(data, (size_t)size, s, strlen(s)) != NULL;
	free(data);
	return hit;
}

enum ic_err ic_fx_put_pairs(struct ic_store_txn *t, const struct ic_fx_pairs *p)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_conv c = {0};
	enum ic_err rc = IC_OK;

	if (a == NULL)
		return IC_ERR_NOMEM;
	for (long long i = p->from; rc == IC_OK && i <= p->to; i++) {
		for (int d = 0; rc == IC_OK && d < 2; d++) {
			struct ic_msg m = {0};

			m.conv = p->conv;
			m.dir = d ? 'i' : 'o';
			m.seq = i;
			m.uid = ic_arena_printf(a, "%s%c/%lld", p->peer, m.dir,
			                        i);
			m.url = m.uid;
			m.published = m.received = p->t0 + 2 * i + d;
			m.order = 2 * i + d;
			m.text = "a message of the history";
			m.author = d ? p->peer : IC_FX_ME;
			rc = ic_store_msg_put_in_txn(t, a, &m);
		}
	}
	c.id = p->conv;
	c.peer = p->peer;
	c.state = IC_CONV_ACTIVE;
	c.created = c.updated = p->t0;
	c.out_seq = c.in_seq = p->each;
	c.page_size = 50;
	c.unread = p->unread;
	if (rc == IC_OK)
		rc = ic_store_conv_put_in_txn(t, a, &c);
	ic_arena_free(a);
	return rc;
}
