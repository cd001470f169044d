/*
 * discover.h - find a resource's `rel` links the way WebSub and IndieAuth
 * say: HTTP Link headers first, then `<link>` elements in the HTML
 * `<head>` (H-1, H-2, H-3, WS-S-1, WS-S-3, IA-C-5).
 *
 * The module does no network I/O: it reads a struct ic_fetch_result that
 * ic_fetch() filled (or a test built by hand), so every rule here can be
 * unit-tested and the HTML part fuzzed on its own.
 *
 * Rules:
 *  - header links beat HTML links, for each rel independently (WS-S-3:
 *    the hub may come from the header and the self from the HTML);
 *  - within each source the first link in order wins (H-3);
 *  - header targets are resolved against the FINAL URL after redirects,
 *    HTML targets against the document's base URL, which is its first
 *    `<base href>` in `<head>` (resolved against the final URL) or else
 *    the final URL (H-2);
 *  - only `<link>` elements the HTML5 parser leaves inside `<head>` count:
 *    one that it moves into `<body>` (because content came before it) is
 *    ignored, as user content in a body could inject a hub (WebSub §8.1,
 *    SEC-12); `<template>` contents are inert and are not looked into;
 *  - HTML is read only when the Content-Type says HTML (text/html or
 *    application/xhtml+xml); Atom/RSS bodies are not (WS-S-2 optional).
 *
 * Every string returned is an absolute http(s) URL allocated from the
 * caller's arena; a target that does not resolve to one is skipped.
 */
#ifndef IC_DISCOVER_H
#define IC_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "net/fetch.h"
#include "text/link.h"

/** The links of one fetched resource, resolved, by source. */
struct ic_discovery {
	struct ic_link_list header; /* from Link headers, absolute */
	struct ic_link_list html;   /* from <head><link>, absolute */
};

/**
 * Collect the `<link rel href>` elements of an HTML document's `<head>`,
 * in document order, with targets resolved to absolute URLs (H-2, H-3).
 *
 * The document is parsed with gumbo as HTML5 says (the tree is freed when
 * @p a is); the head is walked without recursion and no deeper than
 * IC_MAX_HTML_DEPTH.  A link none of whose rel tokens is new -- every one
 * was given by an earlier link in @p out -- is not kept, since a "first
 * wins" lookup can never return it; so a head full of stylesheets costs
 * one slot.  Links with an empty or unresolvable href are skipped.
 *
 * @param[in,out] out  list to append to (zero it first).
 * @param[in]     a    arena for the tree's cleanup and the strings.
 * @param[in]     html, len  the document bytes (any bytes; gumbo copes).
 * @param[in]     doc_url  the document's URL (after redirects).
 * @param[out]    errbuf   optional, IC_ERRBUF_SIZE bytes.
 * @return IC_OK (also when the document has no head links);
 *         IC_ERR_BAD_INPUT  @p doc_url is not an absolute http(s) URL;
 *         IC_ERR_TOO_LARGE  @p len is past IC_MAX_FETCH_FEED_BYTES,
 *                           gumbo would need more than its budget
 *                           (text/html5.h), or more than IC_MAX_LINKS
 *                           links bring new rels (the links kept so far
 *                           stay valid);
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_discover_html_links(struct ic_link_list *out, struct ic_arena *a,
                                   const char *html, size_t len,
                                   const char *doc_url, char *errbuf);

/**
 * Collect both sources of links of a fetched resource: its Link headers
 * (res->links, resolved against res->final_url) and, when res is HTML, the
 * `<head>` links of its body.
 *
 * @param[out] d    the links (zeroed first).
 * @param[in]  a    arena for everything in @p d.
 * @param[in]  res  a fetch result (final_url must be set).
 * @param[out] errbuf  optional.
 * @return IC_OK; IC_ERR_BAD_INPUT when res->final_url is missing or not
 *         http(s); IC_ERR_TOO_LARGE, IC_ERR_NOMEM as for
 *         ic_discover_html_links().
 */
enum ic_err ic_discover(struct ic_discovery *d, struct ic_arena *a,
                        const struct ic_fetch_result *res, char *errbuf);

/**
 * The URL for @p rel: the first header link with that rel, else the first
 * head link (WS-S-1, WS-S-3, IA-C-5).
 * @return an absolute URL from the discovery's arena, or NULL.
 */
const char *ic_discover_find(const struct ic_discovery *d, const char *rel);

/**
 * Whether the Content-Type value @p content_type names an HTML document:
 * text/html or application/xhtml+xml, ASCII case-insensitive, parameters
 * ignored.  NULL: false.
 */
bool ic_discover_is_html(const char *content_type);

/**
 * One-shot: ic_discover() then ic_discover_find() for a single rel.
 * Use ic_discover() once when several rels are wanted (hub and self).
 *
 * @param[in]  a    arena for the result.
 * @param[in]  res  a fetch result.
 * @param[in]  rel  the relation type, e.g. "indieauth-metadata".
 * @param[out] out  the absolute URL (arena), or NULL.
 * @param[out] errbuf  optional.
 * @return IC_OK; IC_ERR_NOT_FOUND when neither source has @p rel (errbuf
 *         names the rel); the errors of ic_discover().
 */
enum ic_err ic_discover_rel(struct ic_arena *a,
                            const struct ic_fetch_result *res, const char *rel,
                            const char **out, char *errbuf);

#endif /* IC_DISCOVER_H */
