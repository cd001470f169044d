/*
 * owner_url.c - the owner's URLs (see owner_url.h).
 */
#include "cgi/owner_url.h"

#include <string.h>

#include "cgi/session.h"
#include "core/buf.h"
#include "text/form.h"

char *ic_url_inbox(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/feed/", cfg->base_url);
}

char *ic_url_contacts(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/feed/contacts", cfg->base_url);
}

char *ic_url_search(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/feed/search", cfg->base_url);
}

char *ic_url_conversation(struct ic_arena *a, const struct ic_config *cfg,
                          const char *conv)
{
	return ic_arena_printf(a, "%s/feed/with/%s", cfg->base_url, conv);
}

char *ic_url_settings(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/settings", cfg->base_url);
}

char *ic_url_status(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/status", cfg->base_url);
}

char *ic_url_signin(struct ic_arena *a, const struct ic_config *cfg,
                    const char *next)
{
	struct ic_buf q = IC_BUF_INIT(2048);
	char *url;

	if (next == NULL)
		return ic_arena_printf(a, "%s/auth/login", cfg->base_url);
	url = ic_form_add(&q, "next", next) == IC_OK
	              ? ic_arena_printf(a, "%s/auth/login?%s", cfg->base_url,
	                                q.buf)
	              : NULL;
	ic_buf_release(&q);
	return url;
}

char *ic_url_signout(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/logout", cfg->base_url);
}

char *ic_url_send(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/send", cfg->base_url);
}

char *ic_url_ticket_action(struct ic_arena *a, const struct ic_config *cfg,
                           const char *action)
{
	return ic_arena_printf(a, "%s/ticket/%s", cfg->base_url, action);
}

const char *ic_url_path(const struct ic_config *cfg, const char *url)
{
	/* base_url's path starts this far into base_url, and so into every
	 * URL built above. */
	size_t origin = (size_t)(ic_session_base_path(cfg) - cfg->base_url);

	return url ? url + origin : NULL;
}
