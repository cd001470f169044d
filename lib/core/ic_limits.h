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

/* A response body we build in memory: the largest is a feed page of up
 * to IC_FEED_PAGE_MAX entries of at most IC_MAX_MESSAGE_BYTES each,
 * escaped.  8 MiB covers a default page (50) of full-size messages with
 * room for markup, not a page of 500: such a page could not be fetched
 * by a peer either (IC_MAX_FETCH_FEED_BYTES); pages are counted in
 * messages, not bytes. */
#define IC_MAX_RESPONSE_BYTES (8u * 1024 * 1024)

/* WebSub content distribution body (WS-S-28): a hub's fat ping is the full
 * topic; our stubs are ~1 KB, foreign feeds may be a few MB. */
#define IC_MAX_DELIVERY_BYTES (5u * 1024 * 1024)

/* Digits in CONTENT_LENGTH: enough for any cap above, strict parse. */
#define IC_MAX_CONTENT_LENGTH_DIGITS 12

/* Requests one FastCGI process serves before it exits and the process
 * manager starts a fresh one (lib/cgi/fcgi.h): whatever a request leaves
 * behind despite the per-request arena (heap fragmentation, a leak in a
 * library) is bounded by this many requests.  mod_fcgid's own
 * FcgidMaxRequestsPerProcess in the generated snippet is lower, so Apache
 * retires a process before it exits on its own (no refused connection). */
#define IC_FCGI_MAX_REQUESTS 1000

/* A FastCGI responder has libcurl loaded and no process to start, so it
 * delivers a send's fat pings itself before it answers (program.c),
 * within this budget for all of them together: the owner's answer (and
 * the tick it shows) waits for the correspondent's site that long at
 * most.  What is not done by then goes to the detached work, with its
 * full timeouts, as in CGI mode. */
#define IC_FCGI_INLINE_AFTER_MS 1000

/* The context handed to a child started early for the work after the
 * response (program.h ic_program_after_early()): a conversation id, with
 * room to spare. */
#define IC_AFTER_EARLY_CTX_MAX 256

/* PATH_INFO and QUERY_STRING.  Apache's LimitRequestLine is 8190 bytes for
 * the whole request line, so nothing longer can arrive through it. */
#define IC_MAX_PATH_BYTES  1024
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
/* Longest file path we build from a directory we were handed (the
 * programs' directory + "/indiechat.conf"): Linux's PATH_MAX, so a path
 * the kernel would refuse is refused with a message that says why. */
#define IC_MAX_FS_PATH_BYTES 4096

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
#define IC_MAX_RESPONSE_HEADERS      100
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

/* Element nesting our tree walks (sanitizer, discovery) go into; deeper
 * elements are flattened or not visited.  gumbo itself does not stop at
 * any depth: Debian's gumbo 0.10.1 has no max_tree_depth option (that is
 * in later forks), and HTML5 bounds only repeated formatting elements
 * (the "Noah's Ark" clause), not nesting.  What keeps a deep tree from
 * costing too much is the time budget below. */
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
#define IC_HTML5_BASE_BYTES           (32u * 1024 * 1024)
#define IC_HTML5_BYTES_PER_INPUT_BYTE 20u

/* CPU time gumbo may take to build one tree (lib/text/html5.c):
 * IC_HTML5_BASE_MS plus IC_HTML5_NS_PER_INPUT_BYTE per input byte, the
 * goal issue 11 set (every input parsed or refused within 50 ms per
 * 100 KB).  gumbo's tree building is quadratic in nesting depth (each
 * tag walks the stack of open elements): 160,000 levels of "<div/>" in
 * 960 KB took 56 s.  Measured, real pages take 2-6 ms per 100 KB of text
 * or entries, dense tag soup up to 30 (three times that under ASan);
 * 290 ns a byte is 30 ms per 100 KB, 1.5 s for a 5 MiB page, and with
 * the base 50 ms for 100 KB.  The base covers small documents (1,000
 * nested elements take 3 ms), sanitizer builds and a slow first call
 * (page faults, a cold cache). */
#define IC_HTML5_BASE_MS           20u
#define IC_HTML5_NS_PER_INPUT_BYTE 290u
/* A sanitizer build (ASan, UBSan) runs gumbo several times slower: its
 * budget is this many times the above, so an instrumented test or fuzz
 * run judges the same pages as a release build does.  Still linear. */
#define IC_HTML5_SANITIZER_SLOWDOWN 8u

/* --- mf2 parsing (MC-1, MC-2; lib/mf2/mf2.c) --------------------------------
 */

/* Size and entry-count limits keep a hostile page from exhausting the
 * stack or the CPU.  Past any of them ic_mf2_parse() refuses the whole
 * page with IC_ERR_TOO_LARGE; nothing is truncated.  Depth is the
 * exception (issue 11, sloppy is not hostile). */
/* Element nesting the parser's recursion goes into: real feeds nest
 * 20-40 deep.  Judged on the tree gumbo built, whose cost the time budget
 * above bounds; elements nested deeper are ignored (one entry loses its
 * deep part), the page is not refused.  It bounds the C stack of every
 * tree walk. */
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
/* microformats1 include pattern (itemref, class="include", td headers):
 * included content may itself include, up to this many at once; deeper
 * (or circular) includes are ignored.  Each level can add up to
 * IC_MAX_MF2_DEPTH frames of the parser's recursion, so this stays small;
 * real pages include one level. */
#define IC_MAX_MF2_INCLUDE_NEST 4

/* Longest u-uid we keep from a received entry: "<conv id> <uid>" is an
 * LMDB key (at most 511 bytes); an entry with a longer one is skipped. */
#define IC_MAX_UID_BYTES 400

/* Older feed pages one fetch follows through rel="prev" while every entry
 * on a page was new (catch-up after a long silence; lib/feed/receive.c): 20
 * pages of IC_FEED_PAGE_MAX entries.  The rest comes with the next poll. */
#define IC_MAX_CATCHUP_PAGES 20

/* --- Sanitizer (MC-3; lib/mf2/sanitize.c) ----------------------------------
 */

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

/* --- Attachments (issue 15, "Photos and files"; lib/messages/attach.h) --- */

/* Bytes of one attached file, and of all the files of one message, as
 * sent (after JPEG metadata is removed).  The defaults are a phone photo
 * or a document many times over, and a message's worth of them; both are
 * configurable (attach_max_file_bytes, attach_max_message_bytes) up to
 * the ceiling, which keeps a receiver's fetch of one attachment (held in
 * the job's arena until it is written) inside IC_MAX_ARENA_BYTES. */
/* Plain digits: config.c's defaults are these numbers as text. */
#define IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT    10485760 /* 10 MiB */
#define IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT 26214400 /* 25 MiB */
#define IC_CONFIG_ATTACH_BYTES_MAX             33554432 /* 32 MiB */
_Static_assert(IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT <=
                               IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT &&
                       IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT <=
                               IC_CONFIG_ATTACH_BYTES_MAX,
               "a default file fits a default message fits the ceiling");
_Static_assert(IC_CONFIG_ATTACH_BYTES_MAX <= IC_MAX_ARENA_BYTES / 2,
               "a fetched attachment and its copies fit one arena");
/* Files attached to one message: a handful of photos, as Signal's
 * picker shows at once; the feed entry stays short. */
#define IC_MAX_ATTACHMENTS 10
/* A file name kept for display and Content-Disposition (ASCII letters,
 * digits, '.', '-', '_'; the rest becomes '_'). */
#define IC_MAX_ATTACH_NAME_BYTES 100
/* An image side in pixels we accept as a picture: larger ones are offered
 * as a download (a 65535 x 65535 PNG is a decompression bomb for the
 * browser that shows it inline). */
#define IC_MEDIA_MAX_SIDE 16384
/* Received files one "attach" job fetches before it lets the next job
 * run: a message's worth, so one busy conversation does not hold the
 * maintenance lock for minutes (each fetch may take IC_FETCH_TIMEOUT_MS). */
#define IC_RECEIVE_ATTACH_PER_JOB IC_MAX_ATTACHMENTS
/* Issue 15, deletes: a file in data_dir/attachments that no message
 * names is removed only once it is this old (seconds): a send writes its
 * files before the transaction that stores the message naming them, and
 * an upload whose message is still being stored must stay.  An hour is
 * far above the longest send (a request is cut at Apache's Timeout, 300
 * s by default). */
#define IC_BLOB_GRACE_SECONDS 3600
/* How often the sweep of unnamed files runs (seconds): uploads of failed
 * sends and files left by a crash are rare; a day bounds how long one
 * stays. */
#define IC_BLOB_SWEEP_INTERVAL (24 * 3600)
/* Files one sweep looks at (a stat and one LMDB look-up each, in one
 * write transaction): a few milliseconds, so the writer is not held
 * long; the next run goes on where this one stopped. */
#define IC_BLOB_SWEEP_FILES 256
/* Messages one step of the build of the file references indexes (one
 * write transaction), for a store whose messages predate the index. */
#define IC_BLOB_REFS_BUILD_CHUNK 256
_Static_assert(IC_BLOB_GRACE_SECONDS > 300,
               "longer than a request may take (Apache's Timeout)");
/* multipart/form-data (text/multipart.h): the compose form has the text,
 * the hidden fields and the files; a header block of one part is a
 * Content-Disposition with a file name and a Content-Type. */
#define IC_MAX_MULTIPART_PARTS        (IC_MAX_ATTACHMENTS + 16)
#define IC_MAX_MULTIPART_HEADER_BYTES 2048

/* --- Storage ----------------------------------------------------------- */

/* Initial LMDB map: 64 MiB of address space, grown on MDB_MAP_FULL. */
#define IC_STORE_INITIAL_MAP_BYTES (64ul * 1024 * 1024)
/* Largest map we grow to: 64 GiB of address space (not disk). */
#define IC_STORE_MAX_MAP_BYTES (64ul * 1024 * 1024 * 1024)
/* Named databases (mdb_env_set_maxdbs). */
#define IC_STORE_MAX_DBS 32
/* data_dir/indiechat.log: past this size the next program to open it
 * moves it to indiechat.log.1 (replacing the one before) and starts a new
 * one, so a peer that makes us log cannot fill the disk: at most twice
 * this (core/log.c). */
#define IC_LOG_MAX_BYTES (4l * 1024 * 1024)
/* Concurrent readers: CGIs run one process per request; Apache's default
 * MaxRequestWorkers is 150 (mpm_event), plus maintenance and terminal. */
#define IC_STORE_MAX_READERS 256

/* --- Published feeds (feed_page_size, mf2_publish, outbox; DESIGN.md
 * "Sending") ------------------------------------------------------------ */

/* Messages on one static feed page: the config key feed_page_size
 * (docs/configuration.md).  The newest page holds the last N messages and
 * links older, immutable pages with rel="prev", so a send rewrites one
 * page whatever the history's length.  The default is DESIGN.md's "e.g.
 * 50"; at least 10 so a catch-up of IC_MAX_CATCHUP_PAGES pages still
 * reaches 200 messages back; at most 500 so one send's rewrite stays
 * small. */
#define IC_CONFIG_FEED_PAGE_SIZE_MIN     10
#define IC_CONFIG_FEED_PAGE_SIZE_DEFAULT 50
#define IC_CONFIG_FEED_PAGE_SIZE_MAX     500

/* Issue 15: changed entries (an edit, a delete, a removed reaction) of
 * messages on older pages that the newest page carries again, so that a
 * receiver reading only the newest page (online, or after lost pings)
 * still sees the change (feed/feed_pages.h).  The most recent 20: more
 * changes of old messages between two reads of one receiver are rare,
 * and it keeps the newest page near its size; older ones still reach a
 * receiver that reads their page (a catch-up through it, a restore). */
#define IC_FEED_CARRY_MAX 20

/* Entries the publisher accepts on one page: every page size the
 * configuration accepts, and the newest page's carried changes.  Issue
 * 10: a cap of its own (50) below the configuration's maximum left every
 * message past the 50th unpublished. */
#define IC_FEED_PAGE_MAX (IC_CONFIG_FEED_PAGE_SIZE_MAX + IC_FEED_CARRY_MAX)
_Static_assert(IC_MAX_MF2_ITEMS >= 3 * IC_FEED_PAGE_MAX,
               "a full page of ours parses: entry, author, recipient each");
_Static_assert(IC_CONFIG_FEED_PAGE_SIZE_MIN <=
                               IC_CONFIG_FEED_PAGE_SIZE_DEFAULT &&
                       IC_CONFIG_FEED_PAGE_SIZE_DEFAULT <=
                               IC_CONFIG_FEED_PAGE_SIZE_MAX,
               "the default page size is one the configuration accepts");

/* --- Crypto ------------------------------------------------------------ */

/* Random secrets we issue: 32 bytes = 256 bits (TE-7, TS-2 Rec 256). */
#define IC_SECRET_BYTES 32

/* --- Configuration values (config.c; docs/configuration.md) ------------ */

/* name: the display name in our h-card; a name, not a biography. */
#define IC_CONFIG_NAME_MAX 100
/* Issue 16: one notification per conversation per this many seconds;
 * events in between are coalesced into the next, with a count. */
#define IC_NOTIFY_COALESCE_SECONDS 60
/* A correspondent's name in a notification (it comes from their h-card):
 * enough for a person's name, short enough for a Subject line. */
#define IC_NOTIFY_NAME_MAX 64
/* A body line of a notification: 8bit mail allows 998 bytes (RFC 5322
 * 2.1.1); longer lines of a message's text are broken. */
#define IC_NOTIFY_LINE_MAX 900
/* The message texts in one notification (notify_email_text = yes): a
 * mail to glance at, not an archive; the rest is "[...]". */
#define IC_NOTIFY_TEXT_MAX 8192
/* Messages whose text one notification carries at most (the first ones
 * of the batch; a count says how many there were). */
#define IC_NOTIFY_TEXTS_MAX 20
/* A whole notification: the texts and headers, names and links. */
#define IC_NOTIFY_MAIL_MAX (IC_NOTIFY_TEXT_MAX + 8192)
/* How long sendmail may take to accept a mail before it is killed and
 * the mail retried: a local MTA queues at once; msmtp talks to a relay. */
#define IC_NOTIFY_SENDMAIL_SECONDS 30
_Static_assert(IC_NOTIFY_LINE_MAX <= 998, "RFC 5322 line length");
/* The push channels (ntfy/Gotify, the webhook): one POST may take this
 * long, all redirects together, before it counts as failed and is
 * retried; three channels then still fit the job's lease. */
#define IC_NOTIFY_PUSH_TIMEOUT_MS 10000
/* Their answer is read only for its status: a small cap. */
#define IC_NOTIFY_PUSH_REPLY_BYTES (16u * 1024)
/* The texts in one ntfy or Gotify notification: ntfy turns a message over
 * 4096 bytes into an attachment, and a phone shows a few lines anyway. */
#define IC_NOTIFY_PUSH_TEXT_MAX 3000
/* A whole push body: the texts (IC_NOTIFY_TEXT_MAX for the webhook), JSON
 * escaping of them (at most doubled: text control bytes are dropped), and
 * the names and links around them. */
#define IC_NOTIFY_PUSH_MAX (2 * IC_NOTIFY_TEXT_MAX + 8192)
/* Web Push: the owner's devices (browsers, phones) per site.  The job
 * POSTs to each in turn, so their timeouts together must fit its lease
 * (below); a person has a few devices, not dozens. */
#define IC_WEBPUSH_DEVICES_MAX 8
/* The texts in one Web Push notification (notify_webpush_text = yes):
 * JSON escaping at most doubles them (control bytes are dropped), which
 * leaves room in the 3993 bytes a push message may carry (RFC 8291 §4). */
#define IC_WEBPUSH_TEXT_MAX 1500
/* Notifications each device remembers having got (store_webpush.h):
 * enough for the retries of every conversation's batch in flight. */
#define IC_WEBPUSH_TOLD_KEEP 32
/* How long a push service keeps a notification for a device that is off
 * (the TTL header, RFC 8030 §5.2): a day; older news is stale. */
#define IC_WEBPUSH_TTL_SECONDS 86400
/* A device's push endpoint URL: the vendors' are under 300 bytes. */
#define IC_WEBPUSH_ENDPOINT_MAX 1024
/* notify_ntfy_token and notify_webhook_secret: printable ASCII, no
 * spaces; a webhook secret is a key, so it has at least 16 bytes. */
#define IC_CONFIG_NOTIFY_TOKEN_MAX  512
#define IC_CONFIG_NOTIFY_SECRET_MIN 16
/* notify_email: the longest address SMTP carries (RFC 5321 4.5.3.1.3). */
#define IC_CONFIG_EMAIL_MAX 254
/* sendmail: where every MTA (exim4, postfix, msmtp-mta) installs it. */
#define IC_CONFIG_SENDMAIL_DEFAULT "/usr/sbin/sendmail"
/* Longest key echoed back in an "unknown key" message, so a garbage line
 * cannot fill the error buffer (IC_ERRBUF_SIZE). */
#define IC_CONFIG_KEY_ECHO_BYTES 64

/* --- Host names (RFC 1035 §2.3.4; lib/text/url.c) ----------------------- */

/* A label is at most 63 octets, a name at most 255 octets on the wire,
 * which is 253 characters in dotted text. */
#define IC_DNS_MAX_LABEL 63
#define IC_DNS_MAX_NAME  253

/* --- Identifiers and secrets (crypto, site; DESIGN.md, RFC 7636) -------- */

/* Random ids: at least 128 bits (DESIGN.md topic ids), at most 512. */
#define IC_CRYPTO_MIN_ID_BYTES 16
#define IC_CRYPTO_MAX_ID_BYTES 64
/* PKCE code_verifier length bounds (RFC 7636 §4.1, IA-C-9). */
#define IC_CRYPTO_PKCE_MIN 43
#define IC_CRYPTO_PKCE_MAX 128
/* Bytes of randomness in topic and callback ids (≥128 bits, DESIGN.md). */
#define IC_SITE_ID_BYTES 16
/* Characters of a topic or callback id in a URL we accept: ours are the
 * base32 of IC_SITE_ID_BYTES (26); the range leaves room to grow them
 * without accepting arbitrary path segments. */
#define IC_SITE_ID_MIN_CHARS 16
#define IC_SITE_ID_MAX_CHARS 128
_Static_assert(IC_SITE_ID_BYTES >= IC_CRYPTO_MIN_ID_BYTES &&
                       IC_SITE_ID_BYTES <= IC_CRYPTO_MAX_ID_BYTES,
               "site ids are random ids");
_Static_assert(IC_SECRET_BYTES >= IC_CRYPTO_MIN_ID_BYTES &&
                       IC_SECRET_BYTES <= IC_CRYPTO_MAX_ID_BYTES,
               "secrets are random ids");

/* --- Owner's session and sign-in (IA-C-*, SEC-14) ----------------------- */

/* How long a session lasts (absolute; sign in again after). */
#define IC_SESSION_LIFETIME (14LL * 24 * 60 * 60)
/* A ?next= path after sign-in: a path of ours, so no longer than any
 * PATH_INFO Apache hands us. */
#define IC_SESSION_NEXT_MAX_BYTES IC_MAX_PATH_BYTES
/* How long a sign-in may take between the two redirects (IA-C-11). */
#define IC_SIGNIN_STATE_LIFETIME 600
/* Most sign-ins pending at once (anyone can start one: SEC-14). */
#define IC_SIGNIN_MAX_PENDING 100
/* Most URLs of a redirect chain kept with a sign-in state (IA-C-8): the
 * whole chain one fetch may follow. */
#define IC_STATE_MAX_CHAIN 12
_Static_assert(IC_STATE_MAX_CHAIN >= IC_MAX_REDIRECTS,
               "a sign-in state keeps every redirect of its discovery fetch");
/* Most expired sign-in records one clean-up deletes (bounded work per
 * maintenance run, SEC-14). */
#define IC_AUTH_GC_MAX 2000

/* --- Built-in authorization endpoint (IndieAuth §5.2) ------------------- */

/* Authorization codes live 5 minutes (IndieAuth §5.2.1: at most 10). */
#define IC_CODE_LIFETIME 300
_Static_assert(IC_CODE_LIFETIME <= 10 * 60, "IndieAuth §5.2.1");
/* One authorization-request parameter: the longest are URLs (client_id,
 * redirect_uri). */
#define IC_MAX_AUTHZ_PARAM_BYTES IC_MAX_URL_BYTES
/* Passphrase length: at least 8 characters; libxcrypt hashes at most
 * CRYPT_MAX_PASSPHRASE_SIZE - 1 (511) bytes (checked in passphrase.c). */
#define IC_PASSPHRASE_MIN_CHARS 8
#define IC_PASSPHRASE_MAX_CHARS 511
/* Wrong passphrases allowed before each further try waits, doubling up to
 * IC_PASSPHRASE_MAX_WAIT seconds (15 minutes). */
#define IC_PASSPHRASE_FREE_TRIES 5
#define IC_PASSPHRASE_MAX_WAIT   900
/* A wrong-passphrase count older than this is forgotten (and deleted by
 * the clean-up). */
#define IC_PASSPHRASE_FORGET_AFTER (24LL * 60 * 60)

/* --- Tickets and tokens (TS-*, TE-*; omz13 draft, STANDARDS.md §5) ------ */

/* Seconds a ticket may be redeemed (TS-2: ≤ 5 min; Publ uses 60 s). */
#define IC_TICKET_LIFETIME 300
_Static_assert(IC_TICKET_LIFETIME <= 5 * 60, "TS-2");
/* A ticket is an opaque string of 16-512 characters (omz13 draft, TE-7). */
#define IC_TICKET_MIN_CHARS 16
#define IC_TICKET_MAX_CHARS 512
/* Longest ticket or token we look up: the draft's bound for both (TE-7);
 * ours are 43.  Longer values are unknown without a database lookup. */
#define IC_TOKEN_MAX_SECRET_CHARS IC_TICKET_MAX_CHARS
_Static_assert(IC_MAX_AUTHORIZATION_BYTES >=
                       sizeof("Bearer ") - 1 + IC_TOKEN_MAX_SECRET_CHARS,
               "an Authorization header holds the longest token");
/* Lifetime of an access token we issue: 30 days, as Publ (STANDARDS.md §5
 * "Token-endpoint security"): short enough that a leaked token dies, long
 * enough that a quiet correspondent does not need a new ticket monthly.
 * Sent as expires_in (TE-3). */
#define IC_TOKEN_LIFETIME_SECONDS (30LL * 24 * 60 * 60)
/* A refresh token dies after this long unused (TE-6, IndieAuth §5.5). */
#define IC_REFRESH_IDLE_SECONDS (60LL * 24 * 60 * 60)
/* A new ticket goes out this long before a token expires, for peers
 * that do not use the refresh token they got. */
#define IC_TOKEN_RENEW_AHEAD (3LL * 24 * 60 * 60)
_Static_assert(IC_TOKEN_RENEW_AHEAD < IC_TOKEN_LIFETIME_SECONDS,
               "a token is renewed before it expires");
/* A ticket retry due later than this is a renewal the redeemer scheduled
 * (weeks ahead), not a retry: a redeemed ticket cancels only retries. */
#define IC_TICKET_RETRY_HORIZON (24LL * 60 * 60)
_Static_assert(IC_TOKEN_LIFETIME_SECONDS - IC_TOKEN_RENEW_AHEAD >
                       IC_TICKET_RETRY_HORIZON,
               "renewals are scheduled past the retry horizon");
/* A ticket's record is kept this long past its expiry, used or not, so a
 * replay while the token it gave still lives is known and revokes it
 * (TE-2); then the clean-up deletes it. */
#define IC_TICKET_REPLAY_MEMORY IC_TOKEN_LIFETIME_SECONDS
/* TE-14: a correspondent asking for a ticket gets at most one per this
 * many seconds; more asks in between are answered alike and dropped, so
 * an ask costs a peer's ticket endpoint one POST, not one per ask, and
 * anyone asking in a correspondent's name makes at most 24 tickets a day
 * (each redemption drops the tokens before it: TS-5). */
#define IC_TICKET_REQUEST_INTERVAL (60LL * 60)
/* TR-11: we ask a correspondent for a ticket at most once per this many
 * seconds while we wait for one (a dead token is retried on every ping
 * and poll; the ask must not be). */
#define IC_TICKET_ASK_INTERVAL (60LL * 60)
/* TR-11: a token we hold is refreshed when this part of its lifetime
 * (expires_in) has passed: early enough that a late maintenance run
 * still finds it valid, late enough to refresh rarely. */
#define IC_HELD_REFRESH_AT_PERCENT 75
/* ...but never sooner than this after the last refresh: a peer that
 * gives one-second tokens must not have us refresh in a loop; its
 * expired token is refreshed on the 401 instead. */
#define IC_HELD_REFRESH_FLOOR 20LL
/* TR-6: an expires_in past this is taken as this (a year): a peer's
 * number must not overflow our arithmetic, and a token that claims to
 * live longer is refreshed yearly all the same. */
#define IC_HELD_MAX_EXPIRES_IN (366LL * 24 * 60 * 60)

/* --- Conditional fetches (issue 13) ------------------------------------ */

/* The longest ETag of a correspondent's feed we keep and send back in
 * If-None-Match; ours are 34 bytes.  A longer one is ignored (the next
 * fetch is a whole one), so a peer cannot make us store much. */
#define IC_MAX_ETAG_BYTES 128

/* --- WebSub subscriber (WS-S-*) ----------------------------------------- */

/* hub.lease_seconds we ask for (WS-S-11): 10 days; hubs may ignore it. */
#define IC_WEBSUB_LEASE_SECONDS 864000
/* Lease assumed when a verification names none (WS-S-18): 1 day. */
#define IC_WEBSUB_DEFAULT_LEASE 86400
/* Longest lease we believe a hub grants: a year; a longer one would put
 * the renewal (WS-S-18) out of reach. */
#define IC_WEBSUB_MAX_LEASE (365LL * 86400)
/* Renew this many seconds before a lease ends when the lease is long
 * enough (at most half of it otherwise): every lease is renewed before it
 * runs out (WS-S-18, a MUST), see ic_websub_renew_in(). */
#define IC_WEBSUB_RENEW_MARGIN 60
/* A pending request not verified within this many seconds is void
 * (WS-S-21). */
#define IC_WEBSUB_PENDING_SECONDS 600
/* Longest hub.challenge we echo (WS-S-19). */
#define IC_WEBSUB_MAX_CHALLENGE 255

/* --- Built-in WebSub hub (WS-H-*, WebSub §5.1) -------------------------- */

/* hub.lease_seconds: the default and the range we grant. */
#define IC_HUB_LEASE_DEFAULT (10LL * 86400)
#define IC_HUB_LEASE_MIN     3600LL
#define IC_HUB_LEASE_MAX     (30LL * 86400)
_Static_assert(IC_HUB_LEASE_MIN <= IC_HUB_LEASE_DEFAULT &&
                       IC_HUB_LEASE_DEFAULT <= IC_HUB_LEASE_MAX,
               "the default lease is one we grant");
/* hub.secret must be shorter than this (WebSub §5.1). */
#define IC_HUB_SECRET_MAX 200
/* Seconds a pending request may wait for its verification. */
#define IC_HUB_PENDING_SECONDS 3600
/* Bytes of a subscriber's answer to a verification we read: the echoed
 * challenge, with room for a subscriber that adds a newline or a page. */
#define IC_HUB_VERIFY_MAX_BYTES 1024

/* --- Receiving (DESIGN.md "Receiving") ---------------------------------- */

/* Seconds between catch-up polls of a conversation nobody pinged. */
#define IC_RECEIVE_POLL_SECONDS 3600
/* Seconds after a delivery's acknowledgement when its fetch is due again,
 * in case the work after the response died (kill -9, OOM): that work takes
 * well under a second, so half a minute heals a crash without a second
 * fetch racing a live one in all but a slow catch-up (harmless: storing
 * is idempotent by u-uid, MC-4).  Lazy maintenance runs it. */
#define IC_RECEIVE_RETRY_SECONDS 30
_Static_assert(IC_RECEIVE_RETRY_SECONDS < IC_RECEIVE_POLL_SECONDS,
               "a crashed fetch is retried before the next poll");
/* Characters of the reason a correspondent's feed could not be read that
 * its conversation keeps for the owner's pages (store_conv fetch_error). */
#define IC_FETCH_ERROR_CHARS 300

/* --- Owner's pages (docs/web.md) ---------------------------------------- */

/* Messages of each direction the conversation page shows, so its cost
 * does not grow with the history. */
#define IC_PAGE_MESSAGES 100
/* Messages of each direction a history stream (`feed --conversation
 * --all`, `feed --export`) reads in one short read transaction into one
 * arena, freed before the next (store/store_history.h): its memory is two
 * chunks whatever the length of the history.  64 full-size messages are
 * a few MiB; typical ones a few tens of KiB. */
#define IC_HISTORY_CHUNK 64
/* --- Search (issue 15, store/store_index.h, store/store_search.h) -------- */

/* Bytes of the shortest word indexed and searched: one letter would give
 * a posting for nearly every message. */
#define IC_SEARCH_WORD_MIN 2
/* Bytes a word is cut to, at a UTF-8 boundary: longer words are indexed
 * and searched by their first IC_SEARCH_WORD_MAX bytes (a URL or a hash
 * would otherwise be one huge key). */
#define IC_SEARCH_WORD_MAX 32
/* Distinct words indexed per message: a 64 KiB message of random words
 * would otherwise write thousands of keys in the sender's transaction. */
#define IC_SEARCH_WORDS_PER_MSG 512
/* Bytes of a search query and words in it (AND): bad input beyond. */
#define IC_SEARCH_QUERY_MAX   256
#define IC_SEARCH_QUERY_WORDS 8
/* Results of one search, newest first, and the default. */
#define IC_SEARCH_LIMIT_MAX 200
#define IC_SEARCH_LIMIT     50
/* Index keys one search may visit (a two-letter prefix over a long
 * history): past it the search stops and says there are more. */
#define IC_SEARCH_SCAN_MAX 20000
/* Word lists ("search_words") one search may look up to check its last
 * word as a prefix when the query also has whole words. */
#define IC_SEARCH_READ_MAX 20000
/* Bytes of text shown around the first match of a result. */
#define IC_SEARCH_EXCERPT 160
/* Messages that wait in "search_words" (store_index.h) before they are
 * moved into the word index in one go: a store then writes one key on
 * the first page, not one per word all over a large tree (2.1x the cost
 * of a store without the index at 100,000 messages; issue 15's goal is
 * 1.2x).  Every search reads the waiting ones (about 0.5 ms at 4,096),
 * and the store that moves them takes longer (about 0.3 s at 100,000
 * messages, once in 4,096 stores). */
#define IC_SEARCH_RECENT_MAX 4096
/* Messages the first search indexes per write transaction when the index
 * is built for a store whose messages predate it. */
#define IC_SEARCH_BUILD_CHUNK 256
_Static_assert(IC_SEARCH_WORD_MIN >= 1 && IC_SEARCH_WORD_MAX < 200,
               "a word fits an LMDB key with its conversation id");
_Static_assert(IC_SEARCH_LIMIT <= IC_SEARCH_LIMIT_MAX,
               "the default limit is allowed");

/* Message requests the inbox shows at once (anyone can send one). */
#define IC_PAGE_MAX_REQUESTS 50

/* --- Rate limits on the ticket and token endpoints (issue 12, TR-9,
 * STANDARDS.md §5 "rate limiting per IP"; cgi/ratelimit.c) --------------
 * Over a limit the answer is 429 with Retry-After and nothing else
 * changes.  Strangers (anyone without an invited or active conversation:
 * unknown, requesting, declined and blocked sites alike, so a block shows
 * nowhere) are limited per client address (IPv4 address, IPv6 /64: one
 * host's share), per site and all together; a correspondent is counted
 * under its own site only, so no stranger flood can crowd it out. */

/* Every counter's short window: a sender that tripped a limit waits at
 * most 10 minutes, and a flood gets at most one window's allowance. */
#define IC_RATE_WINDOW 600
/* The long window of the per-address stranger count. */
#define IC_RATE_DAY (24LL * 60 * 60)
/* Stranger tickets from one address per window: a new correspondent
 * sends one ticket and a few retries (TS-4); 10 leaves room for several
 * new senders behind one shared host. */
#define IC_RATE_STRANGER_ADDR 10
/* ... and per day, so one address alone cannot fill the message requests
 * (IC_MAX_MESSAGE_REQUESTS) in a day. */
#define IC_RATE_STRANGER_ADDR_DAY 30
/* Stranger tickets naming one site (the origin of `resource`) per window:
 * a first ticket, its retries and a re-send or two (a sender whose first
 * ticket expired, a wrong subject corrected).  Over it a ticket is
 * answered alike and not redeemed (ratelimit.h), so the number bounds
 * the redemption requests one claimed site costs us, not who may
 * talk; strangers together stay under IC_RATE_STRANGERS. */
#define IC_RATE_STRANGER_SITE 10
/* Stranger tickets from everyone per window: what a flood from many
 * addresses can make us redeem (each redemption fetches from the sender). */
#define IC_RATE_STRANGERS 60
/* Ticket and token requests of one correspondent's site per window
 * (renewal tickets, refreshes, ticket requests): far above real use (a
 * few a day), it only stops a runaway peer. */
#define IC_RATE_KNOWN_SITE 120
/* Token endpoint requests from one address per window, whatever the
 * grant (a holder of a ticket or refresh token we issued is counted under
 * that secret instead, as a correspondent). */
#define IC_RATE_TOKEN_ADDR 60
/* Refused token endpoint requests (4xx) from one address per window:
 * guessing 256-bit tickets is hopeless, this keeps a guesser's cost to us
 * low. */
#define IC_RATE_TOKEN_FAILS 10
/* Message requests pending at once (strangers' tickets that were filed).
 * At the cap a new stranger's ticket is still answered 202, not redeemed,
 * and logged; known correspondents are never refused.  The inbox shows
 * IC_PAGE_MAX_REQUESTS of them at once. */
#define IC_MAX_MESSAGE_REQUESTS 100
_Static_assert(IC_RATE_STRANGER_ADDR_DAY < IC_MAX_MESSAGE_REQUESTS,
               "one address cannot fill the message requests in a day");
_Static_assert(IC_RATE_STRANGER_ADDR <= IC_RATE_STRANGERS,
               "one address never uses more than everyone's allowance");
/* A counter's key longer than this is stored as its SHA-256 (LMDB keys
 * are at most 511 bytes; a site origin may be a 253-byte host). */
#define IC_RATE_MAX_KEY_BYTES 400
/* Ended windows one clean-up deletes (bounded work per maintenance run). */
#define IC_RATE_GC_MAX 2000

/* --- Lazy maintenance and the due queue (DESIGN.md "Work after the
 * response") ------------------------------------------------------------ */

/* Seconds between maintenance runs when nothing else is due. */
#define IC_MAINT_INTERVAL 600
/* Seconds after which a claim whose run never recorded its end (it was
 * killed) no longer keeps requests from spawning a run; a live run
 * releases its claim itself (issue 11: no due job waits for a request). */
#define IC_MAINT_CLAIM_SECONDS 90
/* Milliseconds a run waits for the lock: a run that has just recorded its
 * end still holds it for a moment. */
#define IC_MAINT_LOCK_WAIT_MS 2000
/* Seconds one maintenance run may spend on due jobs before it stops
 * (the rest waits for the next run): bounded work, DESIGN.md. */
#define IC_MAINT_BUDGET_SECONDS 60
_Static_assert(IC_MAINT_CLAIM_SECONDS >= IC_MAINT_BUDGET_SECONDS,
               "a run's claim lasts as long as its budget");
/* Seconds a taken job stays invisible before it counts as abandoned. */
#define IC_DUE_LEASE 300
_Static_assert(IC_NOTIFY_SENDMAIL_SECONDS < IC_DUE_LEASE,
               "a notification job is not taken again while sendmail runs");
_Static_assert(IC_NOTIFY_SENDMAIL_SECONDS + (2 + IC_WEBPUSH_DEVICES_MAX) *
                                                    IC_NOTIFY_PUSH_TIMEOUT_MS /
                                                    1000 <
                       IC_DUE_LEASE,
               "nor while it tries all channels and every device");
/* Seconds a notifier that runs a "notify" job itself (send, not
 * maintenance) holds it while it publishes: short, as a crash then delays
 * the ping by this much, yet long enough that the maintenance a
 * subscriber's reaction triggers does not publish the same revision a
 * second time (issue 11, websub.rocks hub 103). */
#define IC_NOTIFY_HOLD_SECONDS 30
/* Retry back-off of a failed job: 30 s, doubling, at most an hour. */
#define IC_DUE_BACKOFF_FIRST 30
#define IC_DUE_BACKOFF_MAX   3600
_Static_assert(IC_DUE_BACKOFF_MAX <= IC_TICKET_RETRY_HORIZON,
               "every ticket retry falls inside the retry horizon");
/* When a clean-up stopped at IC_AUTH_GC_MAX, it runs again this soon. */
#define IC_AUTH_GC_AGAIN_SECONDS 60

#endif /* IC_LIMITS_H */
