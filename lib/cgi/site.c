/*
 * site.c - the site's URLs and feed files (see site.h).
 */
#include "cgi/site.h"

#include <string.h>

char *ic_site_issuer(struct ic_arena *a, const struct ic_config *cfg)
{
	/* IA-C-6: the issuer is a prefix of the metadata URL. */
	return ic_arena_printf(a, "%s/", cfg->base_url);
}

char *ic_site_metadata_url(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/metadata", cfg->base_url);
}

char *ic_site_token_endpoint(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/token", cfg->base_url);
}

char *ic_site_authorization_endpoint(struct ic_arena *a,
                                     const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/authorize", cfg->base_url);
}

char *ic_site_revocation_endpoint(struct ic_arena *a,
                                  const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/revoke", cfg->base_url);
}

char *ic_site_introspection_endpoint(struct ic_arena *a,
                                     const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/introspect", cfg->base_url);
}

char *ic_site_client_id(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/client", cfg->base_url);
}

char *ic_site_redirect_uri(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/auth/callback", cfg->base_url);
}

char *ic_site_ping_url(struct ic_arena *a, const struct ic_config *cfg,
                       const char *program)
{
	return ic_arena_printf(a, "%s/%s/ping", cfg->base_url, program);
}

char *ic_site_ticket_endpoint(struct ic_arena *a, const struct ic_config *cfg)
{
	return ic_arena_printf(a, "%s/ticket", cfg->base_url);
}

char *ic_site_hub_url(struct ic_arena *a, const struct ic_config *cfg)
{
	if (cfg->hub && *cfg->hub)
		return ic_arena_strdup(a, cfg->hub);
	return ic_arena_printf(a, "%s/feed/hub", cfg->base_url);
}

char *ic_site_topic_url(struct ic_arena *a, const struct ic_config *cfg,
                        const char *topic)
{
	return ic_arena_printf(a, "%s/feed/%s", cfg->base_url, topic);
}

char *ic_site_page_url(struct ic_arena *a, const struct ic_config *cfg,
                       const char *topic, long long n)
{
	return ic_arena_printf(a, "%s/feed/%s/%lld", cfg->base_url, topic, n);
}

char *ic_site_callback_url(struct ic_arena *a, const struct ic_config *cfg,
                           const char *id)
{
	return ic_arena_printf(a, "%s/listener/%s", cfg->base_url, id);
}

char *ic_site_feed_dir(struct ic_arena *a, const struct ic_config *cfg,
                       const char *topic)
{
	return ic_arena_printf(a, "%s/feeds/%s", cfg->data_dir, topic);
}

char *ic_site_page_file(struct ic_arena *a, long long n)
{
	return ic_arena_printf(a, "page-%lld.html", n);
}

long long ic_site_page_of(long long seq, long long page_size)
{
	if (seq < 1 || page_size < 1)
		return 1;
	return (seq + page_size - 1) / page_size;
}

bool ic_site_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n < IC_SITE_ID_MIN_CHARS || n > IC_SITE_ID_MAX_CHARS)
		return false;
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= '2' && *id <= '7')))
			return false;
	return true;
}
