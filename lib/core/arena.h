/*
 * arena.h - one memory arena per request (Apache's pools, simplified).
 *
 * Everything a request allocates lives in its arena and is freed at once by
 * ic_arena_free(): parsed fields, decoded strings, copies of LMDB values.
 * Handles that need their own destructor (a cJSON tree, a GumboOutput, a
 * CURL handle) register a cleanup with ic_arena_on_free(); cleanups run in
 * reverse order of registration, before the memory goes, so an early
 * return anywhere in a handler leaks nothing.
 *
 * An arena is capped (IC_MAX_ARENA_BYTES by default): a hostile input can
 * make a request fail, never make it eat the machine.
 *
 * Allocation functions return NULL when memory or the cap runs out; memory
 * is suitably aligned for any type and lives until ic_arena_free().
 * An arena is not thread-safe; IndieChat's programs are single-threaded.
 */
#ifndef IC_ARENA_H
#define IC_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct ic_arena;

/* --- Life cycle ------------------------------------------------------- */

/**
 * Create an arena that will hand out at most @p cap bytes in total
 * (0 means IC_MAX_ARENA_BYTES).
 * @return the arena, or NULL when out of memory.
 */
struct ic_arena *ic_arena_new(size_t cap);

/** Run the cleanups (newest first), then free all memory.  NULL is fine. */
void ic_arena_free(struct ic_arena *a);

/**
 * Call @p fn(@p data) when the arena is freed.
 * @return IC_OK, or IC_ERR_NOMEM -- in which case @p fn has already been
 *         called, so the handle is never leaked.
 */
enum ic_err ic_arena_on_free(struct ic_arena *a, void (*fn)(void *),
                             void *data);

/* --- Allocation ------------------------------------------------------- */

/** @p size bytes of uninitialised memory, or NULL. */
void *ic_arena_alloc(struct ic_arena *a, size_t size);

/** @p n * @p size zeroed bytes (overflow-checked), or NULL. */
void *ic_arena_calloc(struct ic_arena *a, size_t n, size_t size);

/** A copy of @p len bytes with a NUL appended, or NULL. */
char *ic_arena_memdup(struct ic_arena *a, const void *p, size_t len);

/** A copy of the C string @p s, or NULL (also for a NULL @p s). */
char *ic_arena_strdup(struct ic_arena *a, const char *s);

/** A copy of at most @p n bytes of @p s, NUL-terminated, or NULL. */
char *ic_arena_strndup(struct ic_arena *a, const char *s, size_t n);

/** printf into arena memory, or NULL. */
char *ic_arena_printf(struct ic_arena *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/**
 * Move the contents of @p b into the arena and release @p b.
 * @return the string (from the arena), or NULL when out of memory
 *         (@p b is released either way).
 */
char *ic_arena_take_buf(struct ic_arena *a, struct ic_buf *b);

/** Bytes handed out so far (for tests and the benchmark). */
size_t ic_arena_used(const struct ic_arena *a);

#endif /* IC_ARENA_H */
