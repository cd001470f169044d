/*
 * fcgi.c - the FastCGI transport on libfcgi (see fcgi.h).
 */
#include "cgi/fcgi.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <fcgiapp.h>

struct ic_fcgi {
	FCGX_Request req;
	FILE *in;
	FILE *out;
	bool open; /* a request is accepted and not yet finished */
};

/* fopencookie() bridges: the handlers write to a FILE *, libfcgi wants
 * FCGX_PutStr; both buffer, which costs one copy and no syscalls. */
static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
	int n = FCGX_GetStr(buf, size > INT_MAX ? INT_MAX : (int)size,
	                    (FCGX_Stream *)cookie);

	return n < 0 ? -1 : n;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	int n = FCGX_PutStr(buf, size > INT_MAX ? INT_MAX : (int)size,
	                    (FCGX_Stream *)cookie);

	/* fopencookie: 0 reports the error; a short write is retried. */
	return n < 0 ? 0 : n;
}

/* The FCGX_Stream belongs to the request; FCGX_Finish_r frees it. */
static int stream_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/* What FCGX_IsCGI() asks, without its FCGX_Init(), which would install
 * libfcgi's SIGPIPE handler in every plain CGI too. */
bool ic_fcgi_is_responder(void)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	       on != 0;
}

enum ic_err ic_fcgi_open(struct ic_fcgi **out)
{
	struct ic_fcgi *f;

	*out = NULL;
	if (FCGX_Init() != 0)
		return IC_ERR_IO;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return IC_ERR_NOMEM;
	/* fd 0: the listening socket the process manager gave us. */
	if (FCGX_InitRequest(&f->req, 0, 0) != 0) {
		free(f);
		return IC_ERR_IO;
	}
	*out = f;
	return IC_OK;
}

enum ic_err ic_fcgi_accept(struct ic_fcgi *f, FILE **in, FILE **out,
                           char ***envp)
{
	cookie_io_functions_t rd = {stream_read, NULL, NULL, stream_close};
	cookie_io_functions_t wr = {NULL, stream_write, NULL, stream_close};

	ic_fcgi_finish(f);
	/* FCGX_Accept_r finishes a previous request itself; ours is done. */
	if (FCGX_Accept_r(&f->req) < 0)
		return IC_ERR_IO;
	f->open = true;
	f->in = fopencookie(f->req.in, "r", rd);
	f->out = fopencookie(f->req.out, "w", wr);
	if (f->in == NULL || f->out == NULL) {
		ic_fcgi_finish(f);
		return IC_ERR_NOMEM;
	}
	*in = f->in;
	*out = f->out;
	*envp = f->req.envp;
	return IC_OK;
}

void ic_fcgi_finish(struct ic_fcgi *f)
{
	if (f == NULL || !f->open)
		return;
	if (f->in)
		fclose(f->in);
	if (f->out)
		fclose(f->out); /* flushes into the FCGX stream first */
	f->in = f->out = NULL;
	FCGX_Finish_r(&f->req);
	f->open = false;
}

void ic_fcgi_close(struct ic_fcgi *f)
{
	if (f == NULL)
		return;
	ic_fcgi_finish(f);
	FCGX_Free(&f->req, 1);
	free(f);
}
