/*
 * auth.c - IndieAuth client (owner sign-in) and the site's IndieAuth server: metadata, authorization and token endpoints.
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stddef.h>

#include "page_ping.h"
#include "program.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
	/* method  PATH_INFO  handler            needs         summary */
	{"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
	{"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
	 "self-check of request bodies (JSON)"},
};

static const struct ic_program program = {
	.name = "auth",
	.summary = "IndieAuth client (owner sign-in) and the site's IndieAuth server: metadata, authorization and token endpoints",
	.routes = routes,
	.nroutes = ARRAY_SIZE(routes),
};

int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&program, argc, argv, envp);
}
