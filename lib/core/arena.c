/*
 * arena.c - a chunked bump allocator with cleanups (see arena.h).
 *
 * Small allocations are carved from chunks of IC_ARENA_CHUNK bytes; an
 * allocation bigger than a quarter chunk gets a chunk of its own, so one
 * large body does not waste the rest of a shared chunk.
 */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"

#define IC_ARENA_CHUNK 16384
#define ALIGN          alignof(max_align_t)

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *data;
};

struct ic_arena {
	struct chunk *chunks; /* newest first; the head is the one in use */
	struct cleanup *cleanups;
	size_t used;
	size_t cap;
};

struct ic_arena *ic_arena_new(size_t cap)
{
	struct ic_arena *a = calloc(1, sizeof(*a));

	if (a)
		a->cap = cap ? cap : IC_MAX_ARENA_BYTES;
	return a;
}

void ic_arena_free(struct ic_arena *a)
{
	if (a == NULL)
		return;
	while (a->cleanups) {
		struct cleanup *c = a->cleanups;

		/* Unlink first: a cleanup may not re-enter a freed node. */
		a->cleanups = c->next;
		c->fn(c->data);
	}
	while (a->chunks) {
		struct chunk *c = a->chunks;

		a->chunks = c->next;
		free(c);
	}
	free(a);
}

static struct chunk *new_chunk(size_t size)
{
	struct chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (c) {
		c->size = size;
		c->used = 0;
	}
	return c;
}

void *ic_arena_alloc(struct ic_arena *a, size_t size)
{
	struct chunk *c = a->chunks;
	size_t need;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ALIGN)
		return NULL;
	need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need > a->cap - a->used)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		if (need > IC_ARENA_CHUNK / 4) {
			/* A private chunk, linked behind the current one. */
			struct chunk *big = new_chunk(need);

			if (big == NULL)
				return NULL;
			big->used = need;
			if (c) {
				big->next = c->next;
				c->next = big;
			} else {
				big->next = NULL;
				a->chunks = big;
			}
			a->used += need;
			return big->data;
		}
		c = new_chunk(IC_ARENA_CHUNK);
		if (c == NULL)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
	}
	c->used += need;
	a->used += need;
	return c->data + c->used - need;
}

void *ic_arena_calloc(struct ic_arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = ic_arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *ic_arena_memdup(struct ic_arena *a, const void *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		return NULL;
	s = ic_arena_alloc(a, len + 1);
	if (s == NULL)
		return NULL;
	if (len)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

char *ic_arena_strdup(struct ic_arena *a, const char *s)
{
	return s ? ic_arena_memdup(a, s, strlen(s)) : NULL;
}

char *ic_arena_strndup(struct ic_arena *a, const char *s, size_t n)
{
	return s ? ic_arena_memdup(a, s, strnlen(s, n)) : NULL;
}

char *ic_arena_printf(struct ic_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = ic_arena_alloc(a, (size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

enum ic_err ic_arena_on_free(struct ic_arena *a, void (*fn)(void *), void *data)
{
	struct cleanup *c = ic_arena_alloc(a, sizeof(*c));

	if (c == NULL) {
		fn(data);
		return IC_ERR_NOMEM;
	}
	c->fn = fn;
	c->data = data;
	c->next = a->cleanups;
	a->cleanups = c;
	return IC_OK;
}

char *ic_arena_take_buf(struct ic_arena *a, struct ic_buf *b)
{
	char *s = ic_arena_memdup(a, b->buf, b->len);

	ic_buf_release(b);
	return s;
}

size_t ic_arena_used(const struct ic_arena *a)
{
	return a->used;
}
