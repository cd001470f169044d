/*
 * test_attach.c - the owner's files as a message's attachments (issue
 * 15): the per-file and per-message limits refuse before anything is
 * written, a JPEG is published without its EXIF/GPS block, the bytes are
 * stored under data_dir by their SHA-256, and the list is kept in the
 * message's record by the send's own transaction.  Between two real
 * sites: tests/integration/test_attachments.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/ic_limits.h"
#include "feed/receive_attach.h"
#include "fixture.h"
#include "cgi/route.h"
#include "cgi/session.h"
#include "web/owner_actions.h"
#include "mf2/mf2.h"
#include "mf2/mf2_publish.h"
#include "messages/attach.h"
#include "messages/outbox.h"
#include "store/store_blob.h"
#include "store/store_msg.h"
#include "text/media.h"

#define BOB  "https://bob.example/"
#define CONV "abcdefghijklmnopqrstuvwxyz"
#define T0   1700000000

/* SOI, JFIF, an EXIF block with a GPS position, a 4 x 2 frame, a scan,
 * EOI. */
static const unsigned char gps_jpeg[] = {
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',  0x00, 0x01,
        0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xE1, 0x00, 0x14,
        'E',  'x',  'i',  'f',  0x00, 0x00, 'G',  'P',  'S',  ' ',  '4',  '8',
        '.',  '8',  '5',  'N',  0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00,
        0x02, 0x00, 0x04, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01,
        0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9};

static char *write_file(struct ic_fx *fx, const char *name, const void *data,
                        size_t len)
{
	char *path = ic_arena_printf(fx->req.arena, "%s/%s", fx->dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

static bool blobs_exist(struct ic_fx *fx)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/attachments", fx->dir);
	return stat(path, &st) == 0;
}

static int setup(void **state)
{
	int rc = ic_fx_setup(state);
	struct ic_fx *fx = *state;

	if (rc == 0)
		rc = ic_fx_open_req(fx, "send") == IC_OK ? 0 : -1;
	return rc;
}

static void
test_attach_over_the_file_limit_is_refused_and_nothing_stored(void **state)
{
	struct ic_fx *fx = *state;
	static unsigned char big[300];
	const char *paths[2];
	struct ic_attach *att;

	fx->req.cfg.attach_max_file = 200;
	paths[0] = write_file(fx, "small.bin", "hello", 5);
	paths[1] = write_file(fx, "big.bin", big, sizeof(big));
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 2, &att),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(fx->req.errbuf, "big.bin is 300 bytes"));
	assert_non_null(strstr(fx->req.errbuf, "attach_max_file_bytes"));
	/* The small file came first, and still nothing was written. */
	assert_false(blobs_exist(fx));
}

static void test_attach_over_the_message_limit_is_refused(void **state)
{
	struct ic_fx *fx = *state;
	static unsigned char part[150];
	const char *paths[2];
	struct ic_attach *att;

	fx->req.cfg.attach_max_message = 200;
	paths[0] = write_file(fx, "a.bin", part, sizeof(part));
	paths[1] = write_file(fx, "b.bin", part, sizeof(part));
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 1, &att), IC_OK);
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 2, &att),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(fx->req.errbuf, "attach_max_message_bytes"));
}

static void test_attach_refuses_missing_empty_and_too_many(void **state)
{
	struct ic_fx *fx = *state;
	const char *paths[IC_MAX_ATTACHMENTS + 1];
	struct ic_attach *att;

	paths[0] = "/nonexistent/photo.jpg";
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 1, &att),
	                 IC_ERR_NOT_FOUND);
	paths[0] = fx->dir;
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 1, &att),
	                 IC_ERR_BAD_INPUT);
	paths[0] = write_file(fx, "empty", "", 0);
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 1, &att),
	                 IC_ERR_BAD_INPUT);
	for (size_t i = 0; i <= IC_MAX_ATTACHMENTS; i++)
		paths[i] = paths[0];
	assert_int_equal(ic_attach_from_files(&fx->req, paths,
	                                      IC_MAX_ATTACHMENTS + 1, &att),
	                 IC_ERR_TOO_LARGE);
}

/* The copy under data_dir is the stripped JPEG, named by its hash. */
static void test_attach_jpeg_is_stored_without_its_gps_exif(void **state)
{
	struct ic_fx *fx = *state;
	const char *paths[1] = {
	        write_file(fx, "IMG 0001 (1).JPG", gps_jpeg, sizeof(gps_jpeg))};
	struct ic_attach *att;
	char *data, want[65];
	size_t len;

	assert_int_equal(ic_attach_from_files(&fx->req, paths, 1, &att), IC_OK);
	assert_string_equal(att->type, "image/jpeg");
	assert_string_equal(att->name, "IMG_0001__1_.JPG");
	assert_true(att->stripped);
	assert_int_equal(att->width, 4);
	assert_int_equal(att->height, 2);
	assert_int_equal(att->size, sizeof(gps_jpeg) - 22);
	assert_int_equal(ic_file_read(fx->req.arena,
	                              ic_store_blob_path(fx->req.arena, fx->dir,
	                                                 att->id),
	                              1024, &data, &len, NULL),
	                 IC_OK);
	assert_int_equal(len, (size_t)att->size);
	for (size_t i = 0; i + 3 <= len; i++)
		assert_memory_not_equal(data + i, "GPS", 3);
	ic_digest_sha256_hex(data, len, want);
	assert_string_equal(att->id, want);
}

static void test_attach_safe_names(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = fx->req.arena;

	assert_string_equal(ic_media_safe_name(a, "/tmp/x/report.pdf"),
	                    "report.pdf");
	assert_string_equal(ic_media_safe_name(a, "../..\"; x=\r\n.html"),
	                    "___x___.html");
	assert_string_equal(ic_media_safe_name(a, "/tmp/..."), "file");
	assert_string_equal(ic_media_safe_name(a, ".htaccess"), "htaccess");
	assert_int_equal(
	        strlen(ic_media_safe_name(
	                a, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
	        IC_MAX_ATTACH_NAME_BYTES);
	assert_false(ic_store_blob_id_ok("../../etc/passwd"));
	assert_null(ic_store_blob_path(a, fx->dir, "ABC"));
}

static enum ic_err conv_txn(struct ic_store_txn *t, void *p)
{
	const struct ic_fx_pairs pairs = {CONV, BOB, T0, 1, 1, 1, 0};

	(void)p;
	return ic_fx_put_pairs(t, &pairs);
}

struct by_uid {
	struct ic_arena *a;
	const char *uid;
	struct ic_msg m;
};

static enum ic_err by_uid_txn(struct ic_store_txn *t, void *p)
{
	struct by_uid *b = p;

	return ic_store_msg_by_uid_in_txn(t, b->a, CONV, b->uid, &b->m);
}

/* A photo without words is a message; its list is in the record. */
static void test_attach_send_keeps_the_list_with_the_message(void **state)
{
	struct ic_fx *fx = *state;
	const char *paths[2] = {
	        write_file(fx, "p.jpg", gps_jpeg, sizeof(gps_jpeg)),
	        write_file(fx, "notes.txt", "<script>x</script>", 18)};
	struct ic_attach *att;
	struct ic_msg sent;
	struct by_uid b = {fx->req.arena, NULL, {0}};

	assert_int_equal(ic_fx_txn(fx, &fx->req, true, conv_txn, NULL), IC_OK);
	assert_int_equal(ic_attach_from_files(&fx->req, paths, 2, &att), IC_OK);
	assert_int_equal(
	        ic_outbox_send(&fx->req, BOB, "", NULL, NULL, 0, &sent),
	        IC_ERR_BAD_INPUT);
	assert_int_equal(ic_outbox_send(&fx->req, BOB, "", NULL, att, 2, &sent),
	                 IC_OK);
	b.uid = sent.uid;
	assert_int_equal(ic_fx_txn(fx, &fx->req, false, by_uid_txn, &b), IC_OK);
	assert_int_equal(b.m.natt, 2);
	assert_string_equal(b.m.att[0].id, att[0].id);
	assert_string_equal(b.m.att[0].type, "image/jpeg");
	assert_int_equal(b.m.att[0].width, 4);
	assert_true(b.m.att[0].stripped);
	assert_int_equal(b.m.att[0].state, IC_ATTACH_STORED);
	assert_string_equal(b.m.att[1].type, "application/octet-stream");
	assert_string_equal(b.m.att[1].name, "notes.txt");
	assert_int_equal(b.m.att[1].size, 18);
	assert_int_equal(b.m.att[1].width, 0);
}

#define TOPIC IC_FX_BASE "/feed/" CONV
#define HEXA  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEXB  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const cJSON *first_entry(const cJSON *doc)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	const cJSON *feed = cJSON_GetArrayItem(items, 0);

	return cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(feed, "children"), 0);
}

/* The feed carries a picture as u-photo with its size after e-content
 * and a file as a u-attachment link ending e-content; our receiver reads
 * both back, and the file's line is not the text. */
static void test_attach_feed_markup_reads_back(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = fx->req.arena;
	const struct ic_attach att[] = {
	        {HEXA, "image/png", "cat.png", 2048, 640, 480, false,
	         IC_ATTACH_STORED, NULL},
	        {HEXB, "application/pdf", "plan.pdf", 3 << 20, 0, 0, false,
	         IC_ATTACH_STORED, NULL},
	};
	struct ic_feed_entry e = {.uid = TOPIC "#m1",
	                          .url = TOPIC "#m1",
	                          .published = T0,
	                          .text = "see <these>",
	                          .att = att,
	                          .natt = 2};
	struct ic_feed_page p = {.self_url = TOPIC,
	                         .topic_url = TOPIC,
	                         .hub_url = IC_FX_BASE "/feed/hub",
	                         .token_endpoint = IC_FX_BASE "/auth/token",
	                         .metadata_url = IC_FX_BASE "/auth/metadata",
	                         .name = "Alice to Bob",
	                         .owner = {"Alice", IC_FX_ME, NULL},
	                         .recipient = {"Bob", BOB, NULL},
	                         .entries = &e,
	                         .nentries = 1,
	                         .revision = 1,
	                         .updated = T0};
	struct ic_buf out = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	struct ic_attach *got;
	size_t n, files;
	cJSON *doc;
	const cJSON *content;
	char *text;

	assert_int_equal(ic_mf2_publish_page(&out, &p, NULL), IC_OK);
	assert_non_null(strstr(out.buf, "<img class=\"u-photo\" src=\"" TOPIC
	                                "/attachment/" HEXA "?name=cat.png\" "
	                                "width=\"640\" height=\"480\" "
	                                "alt=\"cat.png\">"));
	assert_non_null(strstr(out.buf, "plan.pdf</a> (3.0 MB)"));
	assert_int_equal(ic_mf2_parse(a, out.buf, out.len, TOPIC, &doc, NULL),
	                 IC_OK);
	ic_buf_release(&out);
	assert_int_equal(ic_receive_attachments(a, first_entry(doc), TOPIC,
	                                        &got, &n, &files),
	                 IC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(files, 1);
	assert_string_equal(got[0].id, HEXA);
	assert_string_equal(got[0].name, "cat.png");
	assert_int_equal(got[0].state, IC_ATTACH_PENDING);
	assert_string_equal(got[1].id, HEXB);
	assert_string_equal(got[1].name, "plan.pdf");
	content = cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(
	                cJSON_GetObjectItemCaseSensitive(first_entry(doc),
	                                                 "properties"),
	                "content"),
	        0);
	text = ic_arena_strdup(
	        a, cJSON_GetObjectItemCaseSensitive(content, "value")
	                   ->valuestring);
	assert_non_null(strstr(text, "plan.pdf"));
	ic_receive_strip_file_lines(text);
	assert_string_equal(text, "see <these>");
}

/* Issue 15: video and sound as u-video / u-audio after e-content, each
 * with a plain link inside (no property); our parser and receiver read
 * both back and the text is only the text. */
static void test_attach_feed_video_and_audio_read_back(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = fx->req.arena;
	const struct ic_attach att[] = {
	        {HEXA, "video/mp4", "boat.mp4", 4096, 0, 0, false,
	         IC_ATTACH_STORED, NULL},
	        {HEXB, "audio/ogg", "hi.ogg", 900, 0, 0, false,
	         IC_ATTACH_STORED, NULL},
	};
	struct ic_feed_entry e = {.uid = TOPIC "#m1",
	                          .url = TOPIC "#m1",
	                          .published = T0,
	                          .text = "listen",
	                          .att = att,
	                          .natt = 2};
	struct ic_feed_page p = {.self_url = TOPIC,
	                         .topic_url = TOPIC,
	                         .hub_url = IC_FX_BASE "/feed/hub",
	                         .token_endpoint = IC_FX_BASE "/auth/token",
	                         .metadata_url = IC_FX_BASE "/auth/metadata",
	                         .name = "Alice to Bob",
	                         .owner = {"Alice", IC_FX_ME, NULL},
	                         .recipient = {"Bob", BOB, NULL},
	                         .entries = &e,
	                         .nentries = 1,
	                         .revision = 1,
	                         .updated = T0};
	struct ic_buf out = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	struct ic_attach *got;
	size_t n, files;
	cJSON *doc;
	const cJSON *props, *content;

	assert_int_equal(ic_mf2_publish_page(&out, &p, NULL), IC_OK);
	assert_non_null(strstr(out.buf, "<video class=\"u-video\" src=\"" TOPIC
	                                "/attachment/" HEXA "?name=boat.mp4\" "
	                                "controls preload=\"metadata\""));
	assert_non_null(strstr(out.buf, "<audio class=\"u-audio\" src=\"" TOPIC
	                                "/attachment/" HEXB "?name=hi.ogg\" "
	                                "controls preload=\"metadata\""));
	assert_non_null(strstr(out.buf, "hi.ogg</a> (900 bytes)</audio>"));
	assert_int_equal(ic_mf2_parse(a, out.buf, out.len, TOPIC, &doc, NULL),
	                 IC_OK);
	ic_buf_release(&out);
	props = cJSON_GetObjectItemCaseSensitive(first_entry(doc),
	                                         "properties");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(props, "video"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(props, "audio"));
	assert_null(cJSON_GetObjectItemCaseSensitive(props, "photo"));
	content = cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(props, "content"), 0);
	assert_string_equal(
	        cJSON_GetObjectItemCaseSensitive(content, "value")->valuestring,
	        "listen");
	assert_int_equal(ic_receive_attachments(a, first_entry(doc), TOPIC,
	                                        &got, &n, &files),
	                 IC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(files, 0);
	assert_string_equal(got[0].id, HEXA);
	assert_string_equal(got[0].name, "boat.mp4");
	assert_string_equal(got[1].id, HEXB);
	assert_int_equal(got[1].state, IC_ATTACH_PENDING);
}

/* Only files under the feed the token is for, by a hash-shaped name. */
static void test_attach_receiver_ignores_foreign_urls(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_attach *got;
	size_t n, files;
	cJSON *e = cJSON_Parse(
	        "{\"type\":[\"h-entry\"],\"properties\":{"
	        "\"photo\":[\"https://evil.example/attachment/" HEXA "\","
	        "{\"value\":\"javascript:alert(1)\",\"alt\":\"x\"},"
	        "\"" TOPIC "/attachment/../../x\","
	        "\"" TOPIC "/attachment/" HEXA "#frag\","
	        "{\"value\":\"" TOPIC "/attachment/" HEXA "?name=../a b\"}],"
	        "\"attachment\":[\"" TOPIC "/attachment/" HEXA "\","
	        "\"" TOPIC "x/attachment/" HEXB "\"]}}");

	assert_non_null(e);
	assert_int_equal(ic_receive_attachments(fx->req.arena, e, TOPIC, &got,
	                                        &n, &files),
	                 IC_OK);
	cJSON_Delete(e);
	assert_int_equal(n, 1); /* the duplicate is one file */
	assert_string_equal(got[0].name, "a_b");
	{
		char t[] = "no files\n\xF0\x9F\x93\x8E here";
		char u[] = "a \xF0\x9F\x93\x8E inside a line stays";

		ic_receive_strip_file_lines(t);
		assert_string_equal(t, "no files");
		ic_receive_strip_file_lines(u);
		assert_string_equal(u,
		                    "a \xF0\x9F\x93\x8E inside a line stays");
	}
}

/* Two received messages carrying the same bytes: each stays pending until
 * its own record is updated (the job once lost the second). */
static enum ic_err same_file_txn(struct ic_store_txn *t, void *p)
{
	struct ic_arena *a = p;
	static const struct ic_attach pending[] = {
	        {HEXA, "application/octet-stream", "a.pdf", 0, 0, 0, false,
	         IC_ATTACH_PENDING, TOPIC "/attachment/" HEXA},
	};
	struct ic_msg m = {.conv = CONV,
	                   .dir = 'i',
	                   .seq = 2,
	                   .uid = BOB "i/2",
	                   .published = T0,
	                   .text = "one",
	                   .author = BOB,
	                   .att = pending,
	                   .natt = 1};
	struct ic_msg m2 = m;
	const char **ids = NULL, **keys = NULL;
	size_t n = 0;
	struct ic_attach done = pending[0];
	enum ic_err rc = conv_txn(t, NULL);

	m2.seq = 3;
	m2.uid = BOB "i/3";
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &m);
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &m2);
	if (!rc)
		rc = ic_store_msg_pending_attachments_in_txn(t, a, CONV, 10,
		                                             &ids, &keys, &n);
	assert_int_equal(rc, IC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], HEXA);
	assert_string_equal(ids[1], HEXA);
	assert_string_not_equal(keys[0], keys[1]);
	/* The first is fetched: the second is still to fetch. */
	done.state = IC_ATTACH_STORED;
	m.att = &done;
	rc = ic_store_msg_update_in_txn(t, a, &m);
	if (!rc)
		rc = ic_store_msg_pending_attachments_in_txn(t, a, CONV, 10,
		                                             &ids, &keys, &n);
	assert_int_equal(rc, IC_OK);
	assert_int_equal(n, 1);
	{
		struct ic_msg back;

		assert_int_equal(
		        ic_store_msg_by_key_in_txn(t, a, CONV, keys[0], &back),
		        IC_OK);
		assert_string_equal(back.uid, BOB "i/3");
	}
	return IC_OK;
}

static void test_attach_pending_per_message(void **state)
{
	struct ic_fx *fx = *state;

	assert_int_equal(
	        ic_fx_txn(fx, &fx->req, true, same_file_txn, fx->req.arena),
	        IC_OK);
}

/* --- The compose box's attach button (multipart/form-data) ------------- */

#define SID "attach-test-session"
#define MCT "multipart/form-data; boundary=XyZ"

static const struct ic_route send_routes[] = {
        {"POST", "", ic_owner_send, IC_NEED_OWNER_ACTION | IC_NEED_UPLOAD, ""},
};

static char *form_body(struct ic_fx *fx, const char *csrf, const char *file)
{
	return ic_arena_printf(
	        fx->req.arena,
	        "--XyZ\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n"
	        "%s\r\n--XyZ\r\nContent-Disposition: form-data; "
	        "name=\"csrf\"\r\n\r\n%s\r\n--XyZ\r\nContent-Disposition: "
	        "form-data; name=\"text\"\r\n\r\nlook\r\n--XyZ\r\n"
	        "Content-Disposition: form-data; name=\"file\"; "
	        "filename=\"C:\\\\pics\\\\dog.gif\"\r\nContent-Type: "
	        "image/gif\r\n\r\n%s\r\n--XyZ\r\nContent-Disposition: "
	        "form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n"
	        "--XyZ--\r\n",
	        BOB, csrf, file);
}

static void post_form(struct ic_fx *fx, const char *body, struct ic_fx_run *r)
{
	struct ic_fx_call c = {.program = "send",
	                       .method = "POST",
	                       .path = "",
	                       .origin = "https://alice.example",
	                       .accept = "application/json",
	                       .content_type = MCT,
	                       .body = body};

	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, send_routes, 1, &c, r);
}

static void test_attach_compose_form_uploads_a_picture(void **state)
{
	struct ic_fx *fx = *state;
	char csrf[65];
	struct ic_fx_run r;
	struct by_uid b = {fx->req.arena, NULL, {0}};

	assert_int_equal(ic_fx_txn(fx, &fx->req, true, conv_txn, NULL), IC_OK);
	ic_fx_session(fx, SID, IC_FX_ME, (long long)time(NULL) + 3600);
	ic_session_csrf(SID, csrf);
	/* Without the CSRF token: refused, nothing written. */
	post_form(fx, form_body(fx, "wrong", "GIF89a\x03\x01\x02\x01,,"), &r);
	assert_int_equal(r.status, 403);
	ic_fx_done(&r);
	assert_false(blobs_exist(fx));
	post_form(fx, form_body(fx, csrf, "GIF89a\x03\x01\x02\x01,,"), &r);
	assert_int_equal(r.status, 200);
	b.uid = ic_fx_jstr(&r, "uid");
	assert_non_null(b.uid);
	b.uid = ic_arena_strdup(fx->req.arena, b.uid);
	ic_fx_done(&r);
	assert_int_equal(ic_fx_txn(fx, &fx->req, false, by_uid_txn, &b), IC_OK);
	assert_string_equal(b.m.text, "look");
	assert_int_equal(b.m.natt, 1); /* "no file chosen" is no file */
	assert_string_equal(b.m.att[0].type, "image/gif");
	assert_string_equal(b.m.att[0].name, "C__pics_dog.gif");
	assert_int_equal(b.m.att[0].width, 259);
	assert_int_equal(b.m.att[0].height, 258);
}

static void test_attach_compose_form_over_the_limit_is_413(void **state)
{
	struct ic_fx *fx = *state;
	char csrf[65], big[400];
	struct ic_fx_run r;

	assert_int_equal(ic_fx_txn(fx, &fx->req, true, conv_txn, NULL), IC_OK);
	ic_fx_session(fx, SID, IC_FX_ME, (long long)time(NULL) + 3600);
	ic_session_csrf(SID, csrf);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fx->cfg.attach_max_file = 300;
	post_form(fx, form_body(fx, csrf, big), &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "attach_max_file_bytes"));
	ic_fx_done(&r);
	assert_false(blobs_exist(fx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_attach_over_the_file_limit_is_refused_and_nothing_stored,
	                setup, ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_over_the_message_limit_is_refused, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_refuses_missing_empty_and_too_many, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_jpeg_is_stored_without_its_gps_exif, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(test_attach_safe_names, setup,
	                                        ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_send_keeps_the_list_with_the_message, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_feed_markup_reads_back, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_feed_video_and_audio_read_back, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_receiver_ignores_foreign_urls, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(test_attach_pending_per_message,
	                                        setup, ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_compose_form_uploads_a_picture, setup,
	                ic_fx_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attach_compose_form_over_the_limit_is_413, setup,
	                ic_fx_teardown),
	};

	return cmocka_run_group_tests_name("attach", tests, NULL, NULL);
}
