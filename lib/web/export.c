/*
 * export.c - `feed --export DIR` (see export.h).
 */
#include "web/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cgi/page.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/ic_limits.h"
#include "store/store_blob.h"
#include "store/store_conv.h"
#include "store/store_history.h"
#include "text/html.h"
#include "text/media.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Enough to read, nothing fetched (export.h): the archive must open as
 * it is, years from now, from a disk. */
static const char style[] =
        "<style>\n"
        "body{font:16px/1.45 system-ui,sans-serif;max-width:46em;"
        "margin:0 auto;padding:1em;color:#1b1b1b;background:#fff}\n"
        ".h-entry{margin:.6em 0;padding:.5em .8em;border-radius:.6em;"
        "background:#eef1f5;max-width:80%}\n"
        ".h-entry.out{margin-left:auto;background:#d9ecff}\n"
        ".meta{font-size:.8em;color:#555}\n"
        ".e-content{white-space:pre-wrap;overflow-wrap:anywhere}\n"
        "a{color:#0b57d0}\n"
        "img,video,audio{display:block;max-width:100%;height:auto;"
        "margin:.4em 0}\n"
        "</style>\n";

struct conv_out {
	struct ic_req *req;
	const struct ic_conv *conv;
	const char *dir; /* DIR/<conv>: the page, the JSON, attachments/ */
	FILE *html, *json;
	struct ic_buf buf; /* one entry's markup */
	size_t n;
	char *errbuf;
};

static enum ic_err put_buf(FILE *f, struct ic_buf *b)
{
	bool ok = fwrite(b->buf, 1, b->len, f) == b->len;

	ic_buf_reset(b);
	return ok ? IC_OK : IC_ERR_IO;
}

static const char *peer_name(const struct ic_conv *c)
{
	return c->peer_name && *c->peer_name ? c->peer_name : c->peer;
}

/* The h-card of a message's author: ours is the site's owner (me), theirs
 * the correspondent as their h-card named them. */
static cJSON *card_json(const char *name, const char *url)
{
	cJSON *card = cJSON_CreateObject(), *props, *type;

	if (card == NULL)
		return NULL;
	type = cJSON_AddArrayToObject(card, "type");
	props = cJSON_AddObjectToObject(card, "properties");
	if (type == NULL || props == NULL ||
	    !cJSON_AddItemToArray(type, cJSON_CreateString("h-card")) ||
	    !cJSON_AddItemToObject(props, "name",
	                           cJSON_CreateStringArray(&name, 1)) ||
	    !cJSON_AddItemToObject(props, "url",
	                           cJSON_CreateStringArray(&url, 1)) ||
	    !cJSON_AddStringToObject(card, "value", name)) {
		cJSON_Delete(card);
		return NULL;
	}
	return card;
}

static cJSON *entry_json(const struct ic_msg *m, const char *name,
                         const char *author, const char *iso, const char *html)
{
	cJSON *e = cJSON_CreateObject(), *props, *type, *content, *authors;
	const char *url = m->url ? m->url : m->uid;

	if (e == NULL)
		return NULL;
	type = cJSON_AddArrayToObject(e, "type");
	props = cJSON_AddObjectToObject(e, "properties");
	authors = props ? cJSON_AddArrayToObject(props, "author") : NULL;
	content = cJSON_CreateObject();
	if (type == NULL || authors == NULL || content == NULL ||
	    !cJSON_AddItemToArray(type, cJSON_CreateString("h-entry")) ||
	    !cJSON_AddItemToArray(authors, card_json(name, author)) ||
	    !cJSON_AddItemToObject(props, "published",
	                           cJSON_CreateStringArray(&iso, 1)) ||
	    !cJSON_AddItemToObject(props, "url",
	                           cJSON_CreateStringArray(&url, 1)) ||
	    !cJSON_AddItemToObject(props, "uid",
	                           cJSON_CreateStringArray(&m->uid, 1)) ||
	    !cJSON_AddStringToObject(content, "html", html) ||
	    !cJSON_AddStringToObject(content, "value",
	                             m->text ? m->text : "") ||
	    !cJSON_AddItemToObject(props, "content", cJSON_CreateArray()) ||
	    (m->in_reply_to != NULL &&
	     !cJSON_AddItemToObject(
	             props, "in-reply-to",
	             cJSON_CreateStringArray(&m->in_reply_to, 1)))) {
		cJSON_Delete(content);
		cJSON_Delete(e);
		return NULL;
	}
	cJSON_AddItemToArray(cJSON_GetObjectItem(props, "content"), content);
	return e;
}

/* Issue 15: a reply names what it answers as the feed does
 * (u-in-reply-to, the answered message's u-uid, a URL). */
static enum ic_err reply_line(struct conv_out *o, const char *target)
{
	const struct ic_html_var vars[] = {
	        {"to", target, IC_HTML_URL},
	};
	enum ic_err rc = ic_html_render(
	        &o->buf,
	        "<p class=\"reply\">In reply to <a class=\"u-in-reply-to\" "
	        "href=\"{{to}}\">an earlier message</a></p>\n",
	        vars, ARRAY_SIZE(vars), o->errbuf);

	return rc == IC_ERR_BAD_INPUT ? IC_OK : rc;
}

/* --- Attachments (issue 15) ----------------------------------------------
 * Each stored file, ours or our copy of theirs, is copied (never linked:
 * an archive edited on a desktop must not change the site's bytes) to
 * DIR/<conv>/attachments/<sha256>.<ext>, and the page and the JSON name
 * it by that relative path, so both work opened from a disk. */

static enum ic_err close_file(FILE *f, enum ic_err rc, struct ic_req *req);

static const char *att_rel(struct ic_arena *a, const struct ic_attach *x)
{
	return ic_arena_printf(a, "attachments/%s.%s", x->id,
	                       ic_media_ext(ic_media_kind_of(x->type)));
}

/* IC_ERR_NOT_FOUND: not in data_dir (never fetched, or lost): the page
 * says so instead of linking nothing. */
static enum ic_err copy_att(struct conv_out *o, struct ic_arena *a,
                            const struct ic_attach *x, const char *rel)
{
	struct ic_req *req = o->req;
	const char *src = ic_store_blob_path(a, req->cfg.data_dir, x->id);
	const char *sub = ic_arena_printf(a, "%s/attachments", o->dir);
	const char *dst = ic_arena_printf(a, "%s/%s", o->dir, rel);
	FILE *f;
	enum ic_err rc;

	if (x->state != IC_ATTACH_STORED || src == NULL)
		return IC_ERR_NOT_FOUND;
	if (sub == NULL || dst == NULL)
		return IC_ERR_NOMEM;
	if (mkdir(sub, 0700) != 0 && errno != EEXIST)
		return ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s",
		               sub, strerror(errno));
	f = fopen(dst, "wx");
	if (f == NULL && errno == EEXIST)
		return IC_OK; /* another message carries the same bytes */
	if (f == NULL)
		return ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s",
		               dst, strerror(errno));
	rc = close_file(f, ic_file_copy_to(f, src, NULL, req->errbuf), req);
	if (rc != IC_OK)
		unlink(dst);
	return rc;
}

static const char att_photo_tpl[] =
        "<img class=\"u-photo\" src=\"{{src}}\" width=\"{{w}}\" "
        "height=\"{{h}}\" alt=\"{{name}}\">\n";
static const char att_video_tpl[] =
        "<video class=\"u-video\" src=\"{{src}}\" controls "
        "preload=\"metadata\"><a href=\"{{src}}\">{{name}}</a></video>\n";
static const char att_audio_tpl[] =
        "<audio class=\"u-audio\" src=\"{{src}}\" controls "
        "preload=\"metadata\"><a href=\"{{src}}\">{{name}}</a></audio>\n";
static const char att_file_tpl[] =
        "<p>\xF0\x9F\x93\x8E <a class=\"u-attachment\" href=\"{{src}}\" "
        "type=\"{{type}}\">{{name}}</a> ({{size}})</p>\n";
static const char att_missing_tpl[] =
        "<p class=\"meta\">\xF0\x9F\x93\x8E {{name}} ({{size}}): not in "
        "this archive, it was never fetched</p>\n";

/* The mf2 property a file is published as (mf2/mf2_publish.h). */
static const char *att_prop(const struct ic_attach *x)
{
	enum ic_media_kind k = ic_media_kind_of(x->type);

	if (ic_media_is_image(k) && x->width && x->height)
		return "photo";
	if (ic_media_is_video(k))
		return "video";
	return ic_media_is_audio(k) ? "audio" : "attachment";
}

static const char *att_tpl(const struct ic_attach *x)
{
	const char *prop = att_prop(x);

	return strcmp(prop, "photo") == 0   ? att_photo_tpl
	       : strcmp(prop, "video") == 0 ? att_video_tpl
	       : strcmp(prop, "audio") == 0 ? att_audio_tpl
	                                    : att_file_tpl;
}

/* Copy message @p m's files and draw them after its e-content; @p rels
 * gets each copied one's relative path (NULL for one not here), from
 * @p a: the entry's own arena, so the export's memory stays flat in the
 * history's length. */
static enum ic_err write_atts(struct conv_out *o, struct ic_arena *a,
                              const struct ic_msg *m, const char **rels)
{
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < m->natt; i++) {
		const struct ic_attach *x = &m->att[i];
		const char *rel = x->id && ic_store_blob_id_ok(x->id)
		                          ? att_rel(a, x)
		                          : NULL;
		char w[16], h[16], size[32];
		const struct ic_html_var vars[] = {
		        /* Relative, which ic_html_url() refuses: 64 hex
		         * digits and a short extension, nothing to escape. */
		        {"src", rel ? rel : "", IC_HTML_TEXT},
		        {"name", x->name ? x->name : "file", IC_HTML_TEXT},
		        {"type", x->type ? x->type : "", IC_HTML_TEXT},
		        {"w", w, IC_HTML_TEXT},
		        {"h", h, IC_HTML_TEXT},
		        {"size", size, IC_HTML_TEXT},
		};

		rels[i] = NULL;
		rc = rel ? copy_att(o, a, x, rel) : IC_ERR_NOT_FOUND;
		if (rc == IC_OK)
			rels[i] = rel;
		else if (rc != IC_ERR_NOT_FOUND)
			return rc;
		snprintf(w, sizeof(w), "%u", x->width);
		snprintf(h, sizeof(h), "%u", x->height);
		ic_media_human_size(x->size, size);
		rc = ic_html_render(&o->buf,
		                    rels[i] ? att_tpl(x) : att_missing_tpl,
		                    vars, ARRAY_SIZE(vars), o->errbuf);
	}
	return rc;
}

/* The same files in the entry's mf2 JSON, as a parser of the page reads
 * them (a photo with its alt), by the same relative paths. */
static bool atts_json(cJSON *e, const struct ic_msg *m, const char **rels)
{
	cJSON *props = cJSON_GetObjectItem(e, "properties");

	for (size_t i = 0; props && i < m->natt; i++) {
		const char *prop = att_prop(&m->att[i]);
		cJSON *list = cJSON_GetObjectItem(props, prop), *v;

		if (rels[i] == NULL)
			continue;
		if (list == NULL)
			list = cJSON_AddArrayToObject(props, prop);
		if (strcmp(prop, "photo") == 0) {
			v = cJSON_CreateObject();
			if (v &&
			    (!cJSON_AddStringToObject(v, "value", rels[i]) ||
			     !cJSON_AddStringToObject(v, "alt",
			                              m->att[i].name))) {
				cJSON_Delete(v);
				v = NULL;
			}
		} else {
			v = cJSON_CreateString(rels[i]);
		}
		if (list == NULL || v == NULL || !cJSON_AddItemToArray(list, v))
			return false;
	}
	return props != NULL;
}

static enum ic_err write_entry(const struct ic_msg *m, void *p)
{
	struct conv_out *o = p;
	bool out = m->dir == 'o';
	const char *author = out ? o->req->cfg.me : o->conv->peer;
	const char *name = out ? o->req->cfg.me : peer_name(o->conv);
	char iso[32], human[32];
	struct ic_buf text = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	const struct ic_html_var vars[] = {
	        {"dir", out ? "out" : "in", IC_HTML_TEXT},
	        {"author", author, IC_HTML_URL},
	        {"name", name, IC_HTML_TEXT},
	        {"iso", iso, IC_HTML_TEXT},
	        {"human", human, IC_HTML_TEXT},
	        {"url", m->url ? m->url : m->uid, IC_HTML_URL},
	        {"uid", m->uid, IC_HTML_TEXT},
	};
	const char *html, *rels[IC_MAX_ATTACHMENTS + 1];
	/* Freed with the entry (write_atts()); none without files. */
	struct ic_arena *ea = m->natt ? ic_arena_new(64 * 1024) : NULL;
	cJSON *j;
	char *s;
	enum ic_err rc;

	ic_page_time(m->published, iso, human);
	rc = ic_html_render(&o->buf,
	                    "<article class=\"h-entry {{dir}}\">\n"
	                    "<p class=\"meta\"><a class=\"p-author h-card\" "
	                    "href=\"{{author}}\">{{name}}</a> · "
	                    "<a class=\"u-url\" href=\"{{url}}\">"
	                    "<time class=\"dt-published\" datetime=\"{{iso}}\">"
	                    "{{human}}</time></a>"
	                    "<data class=\"u-uid\" value=\"{{uid}}\"></data>"
	                    "</p>\n",
	                    vars, ARRAY_SIZE(vars), o->errbuf);
	/* A URL a peer gave that we would not link is written as "#"
	 * (ic_html_url): still a whole entry, and nothing to follow. */
	if (rc == IC_ERR_BAD_INPUT)
		rc = IC_OK;
	if (rc == IC_OK && m->in_reply_to != NULL)
		rc = reply_line(o, m->in_reply_to);
	if (rc == IC_OK)
		rc = ic_buf_adds(&o->buf, "<div class=\"e-content\">");
	/* Received HTML was sanitized with the allow-list before it was
	 * stored (MC-3); our own text is escaped. */
	if (rc == IC_OK)
		rc = m->html && *m->html
		             ? ic_html_raw_trusted(&text, m->html)
		             : ic_html_text(&text, m->text ? m->text : "");
	if (rc == IC_OK)
		rc = ic_buf_add(&o->buf, text.buf, text.len);
	if (rc == IC_OK)
		rc = ic_buf_adds(&o->buf, "</div>\n");
	if (rc == IC_OK && m->natt > IC_MAX_ATTACHMENTS)
		rc = IC_ERR_INTERNAL; /* the store holds at most that many */
	if (rc == IC_OK && m->natt && ea == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = write_atts(o, ea, m, rels);
	if (rc == IC_OK)
		rc = ic_buf_adds(&o->buf, "</article>\n");
	if (rc == IC_OK)
		rc = put_buf(o->html, &o->buf);
	html = text.buf;
	j = rc == IC_OK ? entry_json(m, name, author, iso, html) : NULL;
	if (j && !atts_json(j, m, rels)) {
		cJSON_Delete(j);
		j = NULL;
	}
	s = j ? cJSON_PrintUnformatted(j) : NULL;
	if (rc == IC_OK && s == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK && fprintf(o->json, "%s\n%s", o->n ? "," : "", s) < 0)
		rc = IC_ERR_IO;
	cJSON_free(s);
	cJSON_Delete(j);
	ic_buf_release(&text);
	ic_arena_free(ea);
	o->n++;
	return rc;
}

static FILE *create(struct ic_req *req, const char *dir, const char *name)
{
	char *path = ic_arena_printf(req->arena, "%s/%s", dir, name);
	FILE *f = path ? fopen(path, "wx") : NULL;

	if (f == NULL)
		ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s",
		        path ? path : name, strerror(errno));
	return f;
}

static enum ic_err close_file(FILE *f, enum ic_err rc, struct ic_req *req)
{
	if (f == NULL)
		return rc;
	if ((fflush(f) != 0 || fsync(fileno(f)) != 0) && rc == IC_OK)
		rc = ic_fail(req->errbuf, IC_ERR_IO,
		             "cannot write the export: %s", strerror(errno));
	if (fclose(f) != 0 && rc == IC_OK)
		rc = IC_ERR_IO;
	return rc;
}

/* One conversation, streamed into its own directory. */
static enum ic_err export_conv(struct ic_req *req, struct ic_store *st,
                               const char *top, const struct ic_conv *c)
{
	char *dir = ic_arena_printf(req->arena, "%s/%s", top, c->id);
	struct conv_out o = {.req = req,
	                     .conv = c,
	                     .dir = dir,
	                     .buf = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES),
	                     .errbuf = req->errbuf};
	char *title = ic_arena_printf(req->arena, "Conversation with %s",
	                              peer_name(c));
	const struct ic_html_var vars[] = {
	        {"title", title ? title : "", IC_HTML_TEXT},
	        {"peer", c->peer, IC_HTML_URL},
	        {"peertext", c->peer, IC_HTML_TEXT},
	};
	cJSON *head = cJSON_CreateObject(), *props, *type;
	char *hs = NULL;
	enum ic_err rc = dir && title && head ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK && mkdir(dir, 0700) != 0)
		rc = ic_fail(req->errbuf, IC_ERR_IO, "cannot create %s: %s",
		             dir, strerror(errno));
	if (rc == IC_OK && (o.html = create(req, dir, "index.html")) == NULL)
		rc = IC_ERR_IO;
	if (rc == IC_OK && (o.json = create(req, dir, "messages.json")) == NULL)
		rc = IC_ERR_IO;
	if (rc == IC_OK)
		rc = ic_html_page_start(&o.buf, title, style);
	if (rc == IC_OK)
		rc = ic_html_render(
		        &o.buf,
		        "<main class=\"h-feed\">\n"
		        "<h1 class=\"p-name\">{{title}}</h1>\n"
		        "<p class=\"meta\"><a href=\"{{peer}}\">"
		        "{{peertext}}</a> · exported by IndieChat</p>\n",
		        vars, ARRAY_SIZE(vars), req->errbuf);
	if (rc == IC_ERR_BAD_INPUT)
		rc = IC_OK; /* a peer URL we would not link: "#" */
	if (rc == IC_OK)
		rc = put_buf(o.html, &o.buf);
	/* The mf2 JSON a parser gives for the page: the h-feed with its name
	 * and the entries as its children, streamed. */
	type = cJSON_AddArrayToObject(head, "type");
	props = cJSON_AddObjectToObject(head, "properties");
	if (rc == IC_OK &&
	    (type == NULL || props == NULL ||
	     !cJSON_AddItemToArray(type, cJSON_CreateString("h-feed")) ||
	     !cJSON_AddItemToObject(
	             props, "name",
	             cJSON_CreateStringArray((const char *const *)&title, 1)) ||
	     (hs = cJSON_PrintUnformatted(head)) == NULL))
		rc = IC_ERR_NOMEM;
	/* {"items":[{...head...,"children":[ entries ]}],"rels":{},...} */
	if (rc == IC_OK && fprintf(o.json, "{\"items\":[%.*s,\"children\":[",
	                           (int)strlen(hs) - 1, hs) < 0)
		rc = IC_ERR_IO;
	if (rc == IC_OK)
		rc = ic_store_history_each(st, req->arena, c->id, write_entry,
		                           &o, NULL, req->errbuf);
	if (rc == IC_OK &&
	    fputs("\n]}],\"rels\":{},\"rel-urls\":{}}\n", o.json) < 0)
		rc = IC_ERR_IO;
	if (rc == IC_OK)
		rc = ic_buf_adds(&o.buf, "</main>\n");
	if (rc == IC_OK)
		rc = ic_html_page_end(&o.buf);
	if (rc == IC_OK)
		rc = put_buf(o.html, &o.buf);
	cJSON_free(hs);
	cJSON_Delete(head);
	ic_buf_release(&o.buf);
	rc = close_file(o.html, rc, req);
	return close_file(o.json, rc, req);
}

struct list_ctx {
	struct ic_req *req;
	struct ic_conv *convs;
	size_t n;
};

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct list_ctx *c = p;

	return ic_store_conv_list_in_txn(t, c->req->arena, &c->convs, &c->n);
}

/* DIR/index.html: every conversation, linked. */
static enum ic_err write_index(struct ic_req *req, const char *top,
                               const struct list_ctx *l)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	FILE *f = create(req, top, "index.html");
	enum ic_err rc = f ? ic_html_page_start(&b, "IndieChat archive", style)
	                   : IC_ERR_IO;

	if (rc == IC_OK)
		rc = ic_buf_adds(&b,
		                 "<main>\n<h1>IndieChat archive</h1>\n<ul>\n");
	for (size_t i = 0; rc == IC_OK && i < l->n; i++) {
		const struct ic_conv *c = &l->convs[i];
		char *href =
		        ic_arena_printf(req->arena, "%s/index.html", c->id);
		char count[48];
		const struct ic_html_var vars[] = {
		        /* Relative, which ic_html_url() refuses; a topic id
		         * is base32 letters and digits only. */
		        {"href", href ? href : "#", IC_HTML_TEXT},
		        {"name", peer_name(c), IC_HTML_TEXT},
		        {"count", count, IC_HTML_TEXT},
		};

		snprintf(count, sizeof(count), "%lld sent, %lld received",
		         c->out_seq, c->in_seq);
		rc = ic_html_render(
		        &b,
		        "<li><a href=\"{{href}}\">{{name}}</a> "
		        "<span class=\"meta\">({{count}})</span></li>\n",
		        vars, ARRAY_SIZE(vars), req->errbuf);
	}
	if (rc == IC_OK)
		rc = ic_buf_adds(&b, "</ul>\n</main>\n");
	if (rc == IC_OK)
		rc = ic_html_page_end(&b);
	if (rc == IC_OK)
		rc = put_buf(f, &b);
	ic_buf_release(&b);
	return close_file(f, rc, req);
}

enum ic_err ic_export_make(struct ic_req *req, const char *dir)
{
	size_t n;
	enum ic_err rc = ic_export_write(req, dir, &n);

	if (rc == IC_OK)
		fprintf(req->out,
		        "exported %zu conversation%s to %s/index.html\n", n,
		        n == 1 ? "" : "s", dir);
	return rc;
}

enum ic_err ic_export_write(struct ic_req *req, const char *dir, size_t *n)
{
	struct list_ctx l = {req, NULL, 0};
	struct ic_store *st;
	struct stat sb;
	char *tmp;
	enum ic_err rc;

	if (dir == NULL || *dir == '\0')
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--export needs a directory to create");
	if (lstat(dir, &sb) == 0)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s already exists: export into a new directory",
		               dir);
	tmp = ic_arena_printf(req->arena, "%s.partial-%ld", dir,
	                      (long)getpid());
	if (tmp == NULL)
		return IC_ERR_NOMEM;
	if (mkdir(tmp, 0700) != 0)
		return ic_fail(req->errbuf,
		               errno == ENOENT ? IC_ERR_BAD_INPUT : IC_ERR_IO,
		               "cannot create %s: %s", tmp, strerror(errno));
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, list_txn, &l, req->errbuf);
	if (rc == IC_OK)
		rc = write_index(req, tmp, &l);
	for (size_t i = 0; rc == IC_OK && i < l.n; i++)
		rc = export_conv(req, st, tmp, &l.convs[i]);
	if (rc == IC_OK && rename(tmp, dir) != 0)
		rc = ic_fail(req->errbuf, IC_ERR_IO,
		             "cannot rename %s to %s: %s", tmp, dir,
		             strerror(errno));
	*n = l.n;
	return rc;
}
