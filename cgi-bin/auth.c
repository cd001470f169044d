/*
 * auth.c - IndieAuth client (owner sign-in) and the site's IndieAuth server:
 * metadata, authorization and token endpoints.
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stddef.h>

#include "indieauth/indieauth_client.h"
#include "indieauth/indieauth_server.h"
#include "cgi/page_ping.h"
#include "web/page_status.h"
#include "web/webpush_devices.h"
#include "indieauth/passphrase.h"
#include "cgi/program.h"
#include "cgi/ratelimit.h"
#include "programs.h"
#include "indieauth/token_endpoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
        /* method  PATH_INFO  handler            needs         summary */
        {"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
        {"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
         "self-check of request bodies (JSON)"},
        {"GET", "/login", ic_signin_login_get, IC_NEED_NOTHING,
         "the sign-in page (IndieAuth client)"},
        {"POST", "/login", ic_signin_login_post, IC_NEED_FORM,
         "start signing in: discovery, state, PKCE (IA-C-1..IA-C-12)"},
        {"GET", "/callback", ic_signin_callback, IC_NEED_GET_ACTS,
         "the sign-in redirect_uri: state, iss, code, me (IA-C-13..19)"},
        {"POST", "/logout", ic_signin_logout, IC_NEED_OWNER_ACTION,
         "sign out (session + CSRF)"},
        {"GET", "/client", ic_signin_client, IC_NEED_NOTHING,
         "our client_id: metadata JSON or h-app (IA-C-4)"},
        {"GET", "/session", ic_signin_session, IC_NEED_OWNER_API,
         "who is signed in, and the CSRF token (JSON)"},
        {"GET", "/settings", ic_page_settings, IC_NEED_OWNER_PAGE,
         "the configuration in effect (owner session)"},
        {"GET", "/status", ic_page_status, IC_NEED_OWNER_PAGE,
         "live checks of the installation (owner session)"},
        {"GET", "/webpush", ic_webpush_key_get, IC_NEED_OWNER_API,
         "the site's VAPID public key for Web Push (JSON; issue 16)"},
        {"POST", "/webpush/subscribe", ic_webpush_subscribe,
         IC_NEED_OWNER_ACTION,
         "this device gets Web Push notifications: endpoint, p256dh, auth"},
        {"POST", "/webpush/unsubscribe", ic_webpush_unsubscribe,
         IC_NEED_OWNER_ACTION, "this device gets no more Web Push: endpoint"},
        {"GET", "/authorize", ic_authz_get, IC_NEED_NOTHING,
         "built-in authorization endpoint: the passphrase page"},
        {"POST", "/authorize", ic_authz_post, IC_NEED_FORM,
         "built-in authorization endpoint: approve, or redeem a code"},
        {"GET", "/issuer", ic_issuer_get, IC_NEED_NOTHING,
         "the issuer's page B/ (Link + <link> to the metadata, TE-8)"},
        {"GET", "/metadata", ic_metadata_get, IC_NEED_NOTHING,
         "IndieAuth server metadata (JSON, TE-8)"},
        {"POST", "/token", ic_token_endpoint_token, IC_NEED_RATE_TOKEN,
         "token endpoint: ticket, authorization_code, refresh_token grants; "
         "429 over a rate limit"},
        {"POST", "/revoke", ic_token_endpoint_revoke, IC_NEED_FORM,
         "revoke an issued token (TE-12)"},
        {"POST", "/introspect", ic_token_endpoint_introspect, IC_NEED_FORM,
         "introspect a token; needs a Bearer token (TE-11)"},
};

static const struct ic_cli_cmd cmds[] = {
        {"--tokens", "", ic_token_endpoint_cli_list, true,
         "list issued tokens (hash prefixes, never secrets)"},
        {"--set-passphrase", "", ic_passphrase_cli_set, true,
         "read the owner's passphrase from stdin; store its yescrypt hash"},
};

const struct ic_program ic_program_auth = {
        .name = "auth",
        .summary =
                "IndieAuth client (owner sign-in) and the site's IndieAuth server: metadata, authorization and token endpoints",
        .routes = routes,
        .nroutes = ARRAY_SIZE(routes),
        .cmds = cmds,
        .ncmds = ARRAY_SIZE(cmds),
        .rate_limit = ic_ratelimit_route,
};

#ifndef IC_PROGRAM_NO_MAIN
int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&ic_program_auth, argc, argv, envp);
}
#endif
