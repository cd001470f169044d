/*
 * page_attach.c - a message's files on the owner's pages (see the header).
 */
#include "web/page_attach.h"

#include <stdio.h>

#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/site.h"
#include "feed/feed_serve.h"
#include "text/html.h"
#include "text/media.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Issue 15: what the owner sees of a file that is not here. */
static const char *att_missing(enum ic_attach_state s)
{
	switch (s) {
	case IC_ATTACH_PENDING:
		return "not fetched yet";
	case IC_ATTACH_TOO_LARGE:
		return "too large to fetch";
	case IC_ATTACH_FAILED:
	case IC_ATTACH_STORED:
		break;
	}
	return "could not be fetched";
}

static const char att_photo_tpl[] =
        "<a class=\"att-photo\" href=\"{{src}}\" target=\"_blank\" "
        "rel=\"noopener\"><img src=\"{{src}}\" width=\"{{w}}\" "
        "height=\"{{h}}\" alt=\"{{name}}\" loading=\"lazy\" "
        "decoding=\"async\"></a>";
static const char att_file_tpl[] =
        "<a class=\"att-file\" href=\"{{src}}\" download=\"{{name}}\">"
        "<span class=\"att-name\">{{name}}</span> "
        "<span class=\"att-size\">{{size}}</span></a>";
/* Issue 15: the browser's own player, sized by indiechat.css (at most
 * 20rem wide, never wider than the bubble); preload="metadata" reads
 * the length and first frame, not the whole file.  The link inside is
 * for a browser that cannot play it. */
static const char att_video_tpl[] =
        "<video class=\"att-video\" src=\"{{src}}\" controls "
        "preload=\"metadata\" playsinline title=\"{{name}}\">"
        "<a href=\"{{src}}\" download=\"{{name}}\">{{name}}</a></video>";
static const char att_audio_tpl[] =
        "<audio class=\"att-audio\" src=\"{{src}}\" controls "
        "preload=\"metadata\" title=\"{{name}}\">"
        "<a href=\"{{src}}\" download=\"{{name}}\">{{name}}</a></audio>";
static const char att_missing_tpl[] =
        "<span class=\"att-file att-{{state}}\">"
        "<span class=\"att-name\">{{name}}</span> "
        "<span class=\"att-size\">{{why}}</span></span>";
/* The owner is told what was taken out of a photo before publishing. */
static const char att_note_tpl[] =
        "<span class=\"att-note\">Location and camera data removed "
        "before sending</span>";

/* One file: a picture inline with its size set before it loads (no
 * layout jump), another file as a download chip, a missing one as such.
 * Served to the owner's session by B/feed/with/<conv>/attachment/<id>. */
static enum ic_err att_item(struct ic_req *req, const char *base,
                            const struct ic_attach *x)
{
	char w[16], h[16], size[32];
	const char *src = ic_arena_printf(req->arena, "%s/attachment/%s", base,
	                                  x->id ? x->id : "");
	enum ic_media_kind k = ic_media_kind_of(x->type);
	bool photo = ic_media_is_image(k) && x->width && x->height;
	const struct ic_html_var vars[] = {
	        {"src", src ? src : "", IC_HTML_URL},
	        {"name", x->name, IC_HTML_TEXT},
	        {"w", w, IC_HTML_TEXT},
	        {"h", h, IC_HTML_TEXT},
	        {"size", size, IC_HTML_TEXT},
	        {"state", ic_attach_state_name(x->state), IC_HTML_TEXT},
	        {"why", att_missing(x->state), IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (src == NULL)
		return IC_ERR_NOMEM;
	snprintf(w, sizeof(w), "%u", x->width);
	snprintf(h, sizeof(h), "%u", x->height);
	ic_media_human_size(x->size, size);
	rc = ic_page_render(req,
	                    x->state != IC_ATTACH_STORED ? att_missing_tpl
	                    : photo                      ? att_photo_tpl
	                    : ic_media_is_video(k)       ? att_video_tpl
	                    : ic_media_is_audio(k)       ? att_audio_tpl
	                                                 : att_file_tpl,
	                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && x->stripped)
		rc = ic_page_render(req, att_note_tpl, NULL, 0);
	return rc;
}

enum ic_err ic_page_attachments(struct ic_req *req, const char *conv,
                                const struct ic_msg *m)
{
	const char *base;
	enum ic_err rc;

	if (m->natt == 0)
		return IC_OK;
	base = ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, conv));
	if (base == NULL)
		return IC_ERR_NOMEM;
	rc = ic_page_render(req, "<div class=\"atts\">", NULL, 0);
	for (size_t i = 0; rc == IC_OK && i < m->natt; i++)
		rc = att_item(req, base, &m->att[i]);
	return rc == IC_OK ? ic_page_render(req, "</div>", NULL, 0) : rc;
}

/* Issue 15: "attachments" as the page draws them (indiechat.js). */
bool ic_page_attachments_json(struct ic_req *req, const char *conv,
                              const struct ic_msg *m, cJSON *e)
{
	const char *base;
	cJSON *arr;

	if (m->natt == 0)
		return true;
	base = ic_url_path(&req->cfg,
	                   ic_url_conversation(req->arena, &req->cfg, conv));
	arr = cJSON_AddArrayToObject(e, "attachments");
	for (size_t i = 0; base && arr && i < m->natt; i++) {
		const struct ic_attach *x = &m->att[i];
		cJSON *o = cJSON_CreateObject();
		const char *src =
		        ic_arena_printf(req->arena, "%s/attachment/%s", base,
		                        x->id ? x->id : "");
		char size[32];

		ic_media_human_size(x->size, size);
		if (o == NULL || !cJSON_AddItemToArray(arr, o) || src == NULL ||
		    !cJSON_AddStringToObject(o, "src", src) ||
		    !cJSON_AddStringToObject(o, "name", x->name) ||
		    !cJSON_AddStringToObject(o, "type", x->type) ||
		    !cJSON_AddStringToObject(o, "size", size) ||
		    !cJSON_AddNumberToObject(o, "width", x->width) ||
		    !cJSON_AddNumberToObject(o, "height", x->height) ||
		    !cJSON_AddStringToObject(o, "state",
		                             ic_attach_state_name(x->state)) ||
		    !cJSON_AddStringToObject(o, "why", att_missing(x->state)) ||
		    !cJSON_AddBoolToObject(o, "stripped", x->stripped))
			return false;
	}
	return base && arr;
}

enum ic_err ic_page_conversation_attachment(struct ic_req *req)
{
	const char *conv = ic_req_param(req, "conv");

	if (conv == NULL || !ic_site_id_ok(conv))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no such conversation");
	/* The owner reads the files of both sides, ours and our copies of
	 * theirs: no correspondent's token is needed. */
	return ic_feed_serve_file(req, conv, 0);
}
