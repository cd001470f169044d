/*
 * attach.c - the owner's files as attachments (see attach.h).
 */
#include "messages/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ic_limits.h"
#include "store/store_blob.h"
#include "text/media.h"

void ic_attach_limits(const struct ic_config *cfg, size_t *file_max,
                      size_t *message_max)
{
	*file_max = cfg->attach_max_file ? cfg->attach_max_file
	                                 : IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT;
	*message_max = cfg->attach_max_message
	                       ? cfg->attach_max_message
	                       : IC_CONFIG_ATTACH_MESSAGE_BYTES_DEFAULT;
	/* One file can never be more than the message may carry. */
	if (*file_max > *message_max)
		*file_max = *message_max;
}

/* JPEG: cut the metadata out in place (the copy is never longer). */
static enum ic_err strip_jpeg(struct ic_req *req, const char *name,
                              unsigned char *data, size_t *len, bool *cut)
{
	unsigned char *tmp = malloc(*len);
	size_t out_len, removed;
	enum ic_err rc;

	if (tmp == NULL)
		return IC_ERR_NOMEM;
	rc = ic_media_jpeg_strip(data, *len, tmp, &out_len, &removed,
	                         req->errbuf);
	if (rc == IC_OK) {
		memcpy(data, tmp, out_len);
		*len = out_len;
		*cut = removed > 0;
	}
	free(tmp);
	if (rc != IC_OK)
		return ic_fail(req->errbuf, rc,
		               "%s: the JPEG is damaged, not "
		               "sent",
		               name);
	return IC_OK;
}

enum ic_err ic_attach_from_bytes(struct ic_req *req, const char *name,
                                 unsigned char *data, size_t len,
                                 struct ic_attach *out)
{
	size_t file_max, message_max;
	struct ic_media m;
	char id[65];
	enum ic_err rc;

	ic_attach_limits(&req->cfg, &file_max, &message_max);
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s is empty: nothing to attach", name);
	if (len > file_max)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "%s is %zu bytes, over the %zu bytes a file may "
		               "have (attach_max_file_bytes)",
		               name, len, file_max);
	ic_media_sniff(data, len, &m);
	if (m.kind == IC_MEDIA_JPEG &&
	    (rc = strip_jpeg(req, name, data, &len, &out->stripped)) != IC_OK)
		return rc;
	rc = ic_store_blob_put(req->arena, req->cfg.data_dir, data, len, id,
	                       req->errbuf);
	if (rc != IC_OK)
		return rc;
	out->id = ic_arena_strdup(req->arena, id);
	out->type = m.type;
	out->name = ic_media_safe_name(req->arena, name);
	out->size = (long long)len;
	out->width = m.width;
	out->height = m.height;
	out->state = IC_ATTACH_STORED;
	return out->id && out->name ? IC_OK : IC_ERR_NOMEM;
}

/* Open @p path as a regular file and say its size. */
static enum ic_err open_file(struct ic_req *req, const char *path, int *fd,
                             size_t *size)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return ic_fail(req->errbuf,
		               errno == ENOENT ? IC_ERR_NOT_FOUND : IC_ERR_IO,
		               "cannot open %s: %s", path, strerror(errno));
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s is not a regular file", path);
	}
	*size = (size_t)st.st_size;
	return IC_OK;
}

/* Every limit, for every file, before anything is read or written. */
static enum ic_err check_sizes(struct ic_req *req, const char *const *paths,
                               size_t n)
{
	size_t file_max, message_max, total = 0, size;
	int fd;
	enum ic_err rc;

	ic_attach_limits(&req->cfg, &file_max, &message_max);
	if (n > IC_MAX_ATTACHMENTS)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "%zu files attached, at most %d may be", n,
		               IC_MAX_ATTACHMENTS);
	for (size_t i = 0; i < n; i++) {
		if ((rc = open_file(req, paths[i], &fd, &size)) != IC_OK)
			return rc;
		close(fd);
		if (size > file_max)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "%s is %zu bytes, over the %zu bytes a "
			               "file may have (attach_max_file_bytes)",
			               paths[i], size, file_max);
		total += size;
		if (total > message_max)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "the files are over the %zu bytes a "
			               "message may carry "
			               "(attach_max_message_bytes)",
			               message_max);
	}
	return IC_OK;
}

/* Read all of @p fd (@p size bytes seen by fstat, one more to notice a
 * file that grew since) into a malloc'd buffer. */
static enum ic_err read_all(struct ic_req *req, const char *path, int fd,
                            size_t size, unsigned char **data, size_t *len)
{
	unsigned char *p = malloc(size + 1);
	size_t got = 0;

	if (p == NULL)
		return IC_ERR_NOMEM;
	while (got <= size) {
		ssize_t r = read(fd, p + got, size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(p);
			return ic_fail(req->errbuf, IC_ERR_IO, "reading %s: %s",
			               path, strerror(errno));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != size) {
		free(p);
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s changed while it was read; try again", path);
	}
	*data = p;
	*len = got;
	return IC_OK;
}

static enum ic_err from_file(struct ic_req *req, const char *path,
                             struct ic_attach *out)
{
	unsigned char *data = NULL;
	size_t size = 0, len = 0;
	int fd;
	enum ic_err rc = open_file(req, path, &fd, &size);

	if (rc != IC_OK)
		return rc;
	rc = read_all(req, path, fd, size, &data, &len);
	close(fd);
	if (rc == IC_OK)
		rc = ic_attach_from_bytes(req, path, data, len, out);
	free(data);
	return rc;
}

enum ic_err ic_attach_from_files(struct ic_req *req, const char *const *paths,
                                 size_t n, struct ic_attach **out)
{
	struct ic_attach *att;
	enum ic_err rc = check_sizes(req, paths, n);

	*out = NULL;
	if (rc != IC_OK || n == 0)
		return rc;
	att = ic_arena_calloc(req->arena, n, sizeof(*att));
	if (att == NULL)
		return IC_ERR_NOMEM;
	/* One file in memory at a time: a message's worth of photos would
	 * not fit a request's arena at once. */
	for (size_t i = 0; i < n; i++)
		if ((rc = from_file(req, paths[i], &att[i])) != IC_OK)
			return rc;
	*out = att;
	return IC_OK;
}

static bool is_file(const struct ic_multipart_part *p, const char *field)
{
	return p->filename != NULL && strcmp(p->name, field) == 0 &&
	       (p->len > 0 || *p->filename != '\0');
}

/* The limits of ic_attach_from_files(), for the parts, before anything
 * is written. */
static enum ic_err check_parts(struct ic_req *req, const char *field,
                               size_t *count)
{
	const struct ic_multipart *m = &req->files;
	size_t file_max, message_max, total = 0;

	ic_attach_limits(&req->cfg, &file_max, &message_max);
	*count = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct ic_multipart_part *p = &m->parts[i];

		if (!is_file(p, field))
			continue;
		if (++*count > IC_MAX_ATTACHMENTS)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "more than %d files attached",
			               IC_MAX_ATTACHMENTS);
		if (p->len > file_max)
			return ic_fail(
			        req->errbuf, IC_ERR_TOO_LARGE,
			        "%s is %zu bytes, over the %zu bytes a "
			        "file may have (attach_max_file_bytes)",
			        ic_media_safe_name(req->arena, p->filename),
			        p->len, file_max);
		total += p->len;
		if (total > message_max)
			return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
			               "the files are over the %zu bytes a "
			               "message may carry "
			               "(attach_max_message_bytes)",
			               message_max);
	}
	return IC_OK;
}

enum ic_err ic_attach_from_parts(struct ic_req *req, const char *field,
                                 struct ic_attach **out, size_t *n)
{
	const struct ic_multipart *m = &req->files;
	struct ic_attach *att;
	size_t count, k = 0;
	enum ic_err rc = check_parts(req, field, &count);

	*out = NULL;
	*n = 0;
	if (rc != IC_OK || count == 0)
		return rc;
	att = ic_arena_calloc(req->arena, count, sizeof(*att));
	if (att == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; rc == IC_OK && i < m->n; i++) {
		const struct ic_multipart_part *p = &m->parts[i];
		/* A copy: the JPEG's metadata is cut out in place, and the
		 * body is the request's. */
		unsigned char *copy;

		if (!is_file(p, field))
			continue;
		copy = malloc(p->len ? p->len : 1);
		if (copy == NULL)
			return IC_ERR_NOMEM;
		memcpy(copy, p->data, p->len);
		rc = ic_attach_from_bytes(req, p->filename, copy, p->len,
		                          &att[k++]);
		free(copy);
	}
	if (rc == IC_OK) {
		*out = att;
		*n = k;
	}
	return rc;
}
