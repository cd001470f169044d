/*
 * ic_limits.h - every cap on input, output and work, in one place.
 *
 * Each limit says why it has its value and where the value comes from (a
 * STANDARDS.md ID, an RFC, an Apache default), in the manner of OpenBSD
 * httpd.h and curl's cookie.h.  Code never writes these numbers inline.
 */
#ifndef IC_LIMITS_H
#define IC_LIMITS_H

/* --- Memory ----------------------------------------------------------- */

/* One request's arena.  The largest thing a request holds is a fetched
 * feed page (IC_MAX_FETCH_FEED_BYTES) plus its parsed tree and copies;
 * 64 MiB leaves room for that and still stops a runaway. */
#define IC_MAX_ARENA_BYTES (64u * 1024 * 1024)

/* --- CGI request (H-9, DESIGN.md "Work after the response") ----------- */

/* Request body for forms and JSON (ticket, token, hub, send).  A message
 * is at most IC_MAX_MESSAGE_BYTES; the rest is form overhead.  The
 * generated Apache snippet sets LimitRequestBody a little higher so Apache
 * refuses a huge body first and this cap is the second line. */
#define IC_MAX_BODY_BYTES (256u * 1024)

/* A response body we build in memory: the largest is a feed page of
 * IC_FEED_PAGE_MAX entries of at most IC_MAX_MESSAGE_BYTES each, escaped;
 * 8 MiB covers 50 full-size messages with room for markup. */
#define IC_MAX_RESPONSE_BYTES (8u * 1024 * 1024)

/* WebSub content distribution body (WS-S-28): a hub's fat ping is the full
 * topic; our stubs are ~1 KB, foreign feeds may be a few MB. */
#define IC_MAX_DELIVERY_BYTES (5u * 1024 * 1024)

/* Digits in CONTENT_LENGTH: enough for any cap above, strict parse. */
#define IC_MAX_CONTENT_LENGTH_DIGITS 12

/* PATH_INFO and QUERY_STRING.  Apache's LimitRequestLine is 8190 bytes for
 * the whole request line, so nothing longer can arrive through it. */
#define IC_MAX_PATH_BYTES 1024
#define IC_MAX_QUERY_BYTES 8190

/* Cookie header (RFC 6265 §6.1 asks for at least 4096 bytes per cookie). */
#define IC_MAX_COOKIE_BYTES 8190

/* Authorization header: "Bearer " plus a token of at most 512 characters
 * (omz13 draft: tokens are 16-512 characters), with slack. */
#define IC_MAX_AUTHORIZATION_BYTES 1024

/* --- Forms (H-6) ------------------------------------------------------ */

/* Fields in one form or query: the largest form we accept (IndieAuth
 * authorization request) has about 10. */
#define IC_MAX_FORM_FIELDS 64
/* One decoded name. */
#define IC_MAX_FORM_NAME_BYTES 128
/* One decoded value: a message text is the largest. */
#define IC_MAX_FORM_VALUE_BYTES IC_MAX_BODY_BYTES

/* A message the owner writes (the compose box). */
#define IC_MAX_MESSAGE_BYTES (64u * 1024)

/* --- URLs (IA-C-1, IA-C-2, H-10) -------------------------------------- */

/* Longest URL we store or fetch.  2048 is what most browsers and CDNs
 * guarantee; profile and endpoint URLs are far shorter. */
#define IC_MAX_URL_BYTES 2048

/* --- Configuration ---------------------------------------------------- */

/* Longest line in indiechat.conf; a yescrypt hash is ~73 bytes. */
#define IC_MAX_CONFIG_LINE_BYTES 4096
/* Largest indiechat.conf; a real one is under 2 KiB. */
#define IC_MAX_CONFIG_BYTES (64u * 1024)

/* --- Outbound HTTP (H-4, H-7, H-8) ------------------------------------ */

/* Redirects followed by one fetch (H-4 recommends at most 8). */
#define IC_MAX_REDIRECTS 8
/* Connect timeout, milliseconds (H-7: 5 s). */
#define IC_FETCH_CONNECT_TIMEOUT_MS 5000
/* Whole-request timeout, milliseconds (H-7: 10-30 s).  Senders of tickets
 * give up after 5 s (indieweb-utils), so synchronous work stays short. */
#define IC_FETCH_TIMEOUT_MS 15000
/* Discovery pages, metadata and token responses (H-7: 1 MiB). */
#define IC_MAX_FETCH_BYTES (1024u * 1024)
/* A feed page (H-7: feeds maybe 5 MiB). */
#define IC_MAX_FETCH_FEED_BYTES (5u * 1024 * 1024)
/* Response header lines kept from one response, and their total size. */
#define IC_MAX_RESPONSE_HEADERS 100
#define IC_MAX_RESPONSE_HEADER_BYTES (64u * 1024)

/* Link header values (H-1): links parsed from one response. */
#define IC_MAX_LINKS 64
/* rel tokens kept per link (H-1: "may hold several tokens"). */
#define IC_MAX_LINK_RELS 8

/* fetch.c (SEC-3): addresses of one host that are checked, pinned with
 * CURLOPT_RESOLVE and accepted when curl opens the socket.  Every address
 * getaddrinfo returns is checked; only the first 16 are pinned (big sites
 * publish 4-8 per family). */
#define IC_MAX_FETCH_ADDRS 16

/* --- HTML parsing (H-3, MC-*) ------------------------------------------ */

/* Element nesting walked by our tree code; gumbo itself stops at 400
 * (HTML5's "noah's ark" does not bound depth, gumbo's max_tree_depth does). */
#define IC_MAX_HTML_DEPTH 400

/* Bytes gumbo may hold at once while building one tree (lib/text/html5.c,
 * for mf2, the sanitizer and discovery): IC_HTML5_BASE_BYTES plus
 * IC_HTML5_BYTES_PER_INPUT_BYTE per input byte, the goal issue 10 set
 * (memory <= 32 MiB + 20x the input).  Measured, sums over a parse: text
 * needs 4 times its size, paragraphs with links 15, tag soup 40 to 120,
 * and much of that is freed again, so what gumbo holds at once stays well
 * under 20x; the base covers small documents and gumbo's fixed costs.
 * Markup that reopens distinct formatting elements in every paragraph
 * builds a tree the square of its size (34 KB asked for 300 MB) and is
 * stopped here. */
#define IC_HTML5_BASE_BYTES (32u * 1024 * 1024)
#define IC_HTML5_BYTES_PER_INPUT_BYTE 20u

/* --- mf2 parsing (MC-1, MC-2; lib/mf2/mf2.c) -------------------------------- */

/* Depth, size and entry-count limits keep a hostile page from exhausting
 * the stack or the CPU.  Past any of them ic_mf2_parse() refuses the whole
 * page with IC_ERR_TOO_LARGE; nothing is truncated. */
/* Element nesting (and so microformat nesting): real feeds nest 20-40
 * deep.  Checked on the raw text before gumbo runs (its tree building
 * costs depth x tokens: 10,000 nested divs take 0.1 s, 40,000 take 2 s)
 * and again on the tree, so the parser's bounded recursion never goes
 * deeper. */
#define IC_MAX_MF2_DEPTH 256
/* Microformats in one document, nested ones included: a feed page holds
 * IC_FEED_PAGE_MAX entries of about three each (entry, author, recipient);
 * a large foreign feed of 1,000 entries still fits. */
#define IC_MAX_MF2_ITEMS 4096
/* Property values of all microformats plus rel links in one document,
 * about 16 per microformat. */
#define IC_MAX_MF2_PROPERTIES (16 * IC_MAX_MF2_ITEMS)
/* The largest page we parse is the largest feed page we fetch. */
#define IC_MAX_MF2_INPUT_BYTES IC_MAX_FETCH_FEED_BYTES
/* Text the parser writes into its result: e-* gives html and value, so a
 * real page yields at most about twice its size; nested p-* elements
 * would otherwise copy the same text once per level. */
#define IC_MAX_MF2_OUTPUT_BYTES (4 * IC_MAX_MF2_INPUT_BYTES)
/* Nodes visited by all walks together (text, value-class, serialising):
 * a real page needs a few per node, a 5 MiB page well under 2 million;
 * 16 million is a fraction of a second. */
#define IC_MAX_MF2_NODE_VISITS (16u * 1024 * 1024)

/* Longest u-uid we keep from a received entry: "<conv id> <uid>" is an
 * LMDB key (at most 511 bytes); an entry with a longer one is skipped. */
#define IC_MAX_UID_BYTES 400

/* Older feed pages one fetch follows through rel="prev" while every entry
 * on a page was new (catch-up after a long silence; lib/feed/receive.c): 20
 * pages of IC_FEED_PAGE_MAX entries.  The rest comes with the next poll. */
#define IC_MAX_CATCHUP_PAGES 20

/* --- Sanitizer (MC-3; lib/mf2/sanitize.c) ---------------------------------- */

/* One received e-content.  Our own messages are at most
 * IC_MAX_MESSAGE_BYTES of text, and markup adds little to real text.  The
 * cap also bounds gumbo's time, which is quadratic for some markup (deep
 * <div>s, distinct nested <b>s, thousands of attributes on one element):
 * measured, 128 KiB of any of these takes under 1 s, 256 KiB up to 4 s. */
#define IC_MAX_SANITIZE_INPUT_BYTES (2 * IC_MAX_MESSAGE_BYTES)
/* The sanitized HTML (or text) we store for one message; escaping may
 * make it longer than its input. */
#define IC_MAX_SANITIZED_BYTES (4 * IC_MAX_MESSAGE_BYTES)
/* gumbo's memory: the budget of every HTML parse, IC_HTML5_BASE_BYTES
 * (above). */

/* --- Storage ----------------------------------------------------------- */

/* Initial LMDB map: 64 MiB of address space, grown on MDB_MAP_FULL. */
#define IC_STORE_INITIAL_MAP_BYTES (64ul * 1024 * 1024)
/* Largest map we grow to: 64 GiB of address space (not disk). */
#define IC_STORE_MAX_MAP_BYTES (64ul * 1024 * 1024 * 1024)
/* Named databases (mdb_env_set_maxdbs). */
#define IC_STORE_MAX_DBS 32
/* Concurrent readers: CGIs run one process per request; Apache's default
 * MaxRequestWorkers is 150 (mpm_event), plus maintenance and terminal. */
#define IC_STORE_MAX_READERS 256

/* --- Published feeds (mf2_publish, file; DESIGN.md "Sending") ---------- */

/* Entries on one static feed page.  The newest page holds the last 50
 * messages and links older, immutable pages with rel="prev" (DESIGN.md
 * "Sending"), so a send rewrites one page whatever the history's length;
 * IC_MAX_RESPONSE_BYTES is sized for this many full-size messages. */
#define IC_FEED_PAGE_MAX 50

/* --- Crypto ------------------------------------------------------------ */

/* Random secrets we issue: 32 bytes = 256 bits (TE-7, TS-2 Rec 256). */
#define IC_SECRET_BYTES 32

#endif /* IC_LIMITS_H */
