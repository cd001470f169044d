/*
 * send.c - writes a message: store it, regenerate the conversation's static
 * feed, notify the hub.
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stdbool.h>
#include <stddef.h>

#include <stdio.h>
#include <string.h>

#include "core/ic_limits.h"
#include "feed/feed_pages.h"
#include "messages/edit.h"
#include "messages/attach.h"
#include "messages/outbox.h"
#include "messages/react.h"
#include "web/owner_actions.h"
#include "cgi/page_ping.h"
#include "cgi/program.h"
#include "programs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
        /* method  PATH_INFO  handler            needs         summary */
        {"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
        {"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
         "self-check of request bodies (JSON)"},
        {"POST", "", ic_owner_send, IC_NEED_OWNER_ACTION | IC_NEED_UPLOAD,
         "send a message from the web (owner session + CSRF), with files "
         "as multipart/form-data"},
};

/* The words of argv from @p first on, joined by spaces, into @p text. */
static enum ic_err join_words(int argc, char **argv, int first,
                              struct ic_buf *text)
{
	enum ic_err rc = IC_OK;

	for (int i = first; rc == IC_OK && i < argc; i++)
		if ((i > first && (rc = ic_buf_addc(text, ' ')) != IC_OK) ||
		    (rc = ic_buf_adds(text, argv[i])) != IC_OK)
			break;
	return rc;
}

/* The actions on one message of the conversation, issue 15: argv is
 * "--to URL --OPTION UID ARGS...".  Each one runs on the conversation
 * URL (argv[1]) and the message UID (argv[3]) and fills @p msg. */
static enum ic_err do_react(struct ic_req *req, int argc, char **argv,
                            struct ic_msg *msg)
{
	(void)argc;
	return ic_react_send(req, argv[1], argv[3], argv[4], msg);
}

static enum ic_err do_unreact(struct ic_req *req, int argc, char **argv,
                              struct ic_msg *msg)
{
	(void)argc;
	return ic_react_remove(req, argv[1], argv[3], msg);
}

static enum ic_err do_edit(struct ic_req *req, int argc, char **argv,
                           struct ic_msg *msg)
{
	struct ic_buf text = IC_BUF_INIT(IC_MAX_MESSAGE_BYTES);
	enum ic_err rc = join_words(argc, argv, 4, &text);

	if (rc == IC_OK)
		rc = ic_edit_send(req, argv[1], argv[3], text.buf, msg);
	else
		rc = ic_fail(req->errbuf, rc, "the new text is over %u bytes",
		             IC_MAX_MESSAGE_BYTES);
	ic_buf_release(&text);
	return rc;
}

static enum ic_err do_delete(struct ic_req *req, int argc, char **argv,
                             struct ic_msg *msg)
{
	(void)argc;
	return ic_edit_delete(req, argv[1], argv[3], msg);
}

struct msg_action {
	const char *option; /* argv[2], "--react" */
	int argc;           /* the whole command line's length... */
	bool or_more;       /* ...or at least that */
	enum ic_err (*run)(struct ic_req *req, int argc, char **argv,
	                   struct ic_msg *msg);
	const char *done;  /* printed with the message's uid: "reacted UID" */
	const char *usage; /* the error when argc does not fit */
};

static const struct msg_action msg_actions[] = {
        /* option  argc or_more  run  printed  error when argc does not fit */
        {"--react", 5, false, do_react, "reacted",
         "--react needs the uid of a message of the conversation and one "
         "emoji"},
        {"--edit", 5, true, do_edit, "edited",
         "--edit needs the uid of one of your messages and its new text"},
        {"--delete", 4, false, do_delete, "deleted",
         "--delete needs the uid of one of your messages and nothing else"},
        {"--unreact", 4, false, do_unreact, "unreacted",
         "--unreact needs the uid of the message you reacted to, and "
         "nothing else"},
};

/* The action named by argv[2], or NULL: a message to send. */
static const struct msg_action *msg_action_find(int argc, char **argv)
{
	if (argc < 3)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(msg_actions); i++)
		if (strcmp(argv[2], msg_actions[i].option) == 0)
			return &msg_actions[i];
	return NULL;
}

/* Check the length of the command line, run @p a, say what it did, and
 * have the hub told after the answer (as cmd_to). */
static enum ic_err msg_action_run(struct ic_req *req,
                                  const struct msg_action *a, int argc,
                                  char **argv)
{
	struct ic_msg msg;
	enum ic_err rc;

	if (argc < a->argc || (argc > a->argc && !a->or_more))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT, "%s", a->usage);
	rc = a->run(req, argc, argv, &msg);
	if (rc != IC_OK)
		return rc;
	printf("%s %s\n", a->done, msg.uid);
	ic_outbox_notify_soon(req, msg.conv);
	return IC_OK;
}

struct to_opts {
	const char *reply_to;
	const char *files[IC_MAX_ATTACHMENTS + 1]; /* one more: refused */
	size_t nfiles;
	int first; /* argv index of the first word of the text */
};

/* The options between URL and the text, in any order: --reply-to UID
 * once, --attach FILE up to IC_MAX_ATTACHMENTS times. */
static enum ic_err parse_to(struct ic_req *req, int argc, char **argv,
                            struct to_opts *o)
{
	int i = 2;

	memset(o, 0, sizeof(*o));
	for (; i < argc; i += 2) {
		bool reply = strcmp(argv[i], "--reply-to") == 0;

		if (!reply && strcmp(argv[i], "--attach") != 0)
			break;
		if (i + 1 >= argc)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               reply ? "--reply-to needs the uid of a "
			                       "message of the conversation"
			                     : "--attach needs a file");
		if (reply && o->reply_to)
			return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			               "--reply-to may be given once");
		if (!reply && o->nfiles > IC_MAX_ATTACHMENTS)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "at most %d files may be attached",
			               IC_MAX_ATTACHMENTS);
		if (reply)
			o->reply_to = argv[i + 1];
		else
			o->files[o->nfiles++] = argv[i + 1];
	}
	o->first = i;
	if (argc <= i && o->nfiles == 0)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--to needs a URL and the message text");
	return IC_OK;
}

/* Issue 15: the owner is told what was taken out of a photo. */
static void tell_stripped(const struct ic_attach *att, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (att[i].stripped)
			fprintf(stderr,
			        "send: removed the metadata (EXIF, XMP, GPS "
			        "location, camera) from %s before publishing\n",
			        att[i].name);
}

/* send --to URL [--reply-to UID] [--attach FILE]... TEXT...: the words
 * after the options are the message. */
static enum ic_err cmd_to(struct ic_req *req, int argc, char **argv)
{
	const struct msg_action *a = msg_action_find(argc, argv);
	struct ic_buf text = IC_BUF_INIT(IC_MAX_MESSAGE_BYTES);
	struct ic_attach *att = NULL;
	struct ic_msg msg;
	struct to_opts o;
	enum ic_err rc;

	/* The notify after the answer needs libcurl: its child starts now
	 * and loads it while this process stores and publishes. */
	ic_program_after_early(req, ic_outbox_notify_after);
	if (a)
		return msg_action_run(req, a, argc, argv);
	rc = parse_to(req, argc, argv, &o);
	if (rc == IC_OK) {
		rc = join_words(argc, argv, o.first, &text);
		if (rc != IC_OK)
			rc = ic_fail(req->errbuf, rc,
			             "message longer than %u bytes",
			             IC_MAX_MESSAGE_BYTES);
	}
	if (rc == IC_OK && o.nfiles)
		rc = ic_attach_from_files(req, o.files, o.nfiles, &att);
	if (rc == IC_OK)
		rc = ic_outbox_send(req, argv[1], text.buf, o.reply_to, att,
		                    o.nfiles, &msg);
	ic_buf_release(&text);
	if (rc != IC_OK)
		return rc;
	tell_stripped(att, o.nfiles);
	printf("sent %s\n", msg.uid);
	/* Stored and published: the message is safe and readable.  The hub
	 * is told after the answer, detached, as a web send does, so the
	 * owner never waits on a correspondent's server; a failure stays
	 * due for lazy maintenance and shows as "stored", not "notified",
	 * in `feed --conversation`. */
	ic_outbox_notify_soon(req, msg.conv);
	return IC_OK;
}

/* send --republish: the feed pages are send's output, derived from the
 * store; after a restore they are written again here. */
static enum ic_err cmd_republish(struct ic_req *req, int argc, char **argv)
{
	size_t n;
	enum ic_err rc;

	(void)argv;
	if (argc != 1)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--republish takes no arguments");
	rc = ic_feed_pages_republish_all(req, &n, req->errbuf);
	if (rc == IC_OK)
		printf("republished the feed pages of %zu conversation%s\n", n,
		       n == 1 ? "" : "s");
	return rc;
}

static const struct ic_cli_cmd cmds[] = {
        {"--to",
         "URL [--reply-to UID] [--attach FILE]... TEXT... | "
         "URL --react UID EMOJI | URL --unreact UID | "
         "URL --edit UID TEXT... | URL --delete UID",
         cmd_to, true,
         "send TEXT to the correspondent at URL and publish it; the hub is "
         "notified after the answer, detached; "
         "--reply-to: as a reply to the message with u-uid UID; "
         "--attach: with FILE (a photo's metadata is removed); "
         "--react: react to it with one emoji instead (--unreact: "
         "remove yours); "
         "--edit: replace the text of your message UID; "
         "--delete: leave only its tombstone"},
        {"--republish", "", cmd_republish, true,
         "write every conversation's feed pages again from the store "
         "(after a restore)"},
};

const struct ic_program ic_program_send = {
        .name = "send",
        .summary =
                "writes a message: store it, regenerate the conversation's static feed, notify the hub",
        .routes = routes,
        .nroutes = ARRAY_SIZE(routes),
        .cmds = cmds,
        .ncmds = ARRAY_SIZE(cmds),
};

#ifndef IC_PROGRAM_NO_MAIN
int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&ic_program_send, argc, argv, envp);
}
#endif
