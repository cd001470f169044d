/*
 * html5.c - gumbo on a byte budget (see html5.h).
 */
#include "text/html5.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/ic_limits.h"

/*
 * gumbo's memory.  gumbo asks for many small blocks and frees about half
 * of them again during the parse (a 59 KB feed page: 13,800 blocks, 95%
 * of them 128 bytes or less, 7,800 freed), so malloc and free were a
 * fifth of the parse.  Small blocks are therefore carved from slabs and
 * recycled through one free list per size class; larger ones (and those
 * a slab would not fit in the budget) are malloc'd one by one on a doubly
 * linked list, so that gumbo's frees stay O(1).  Whatever is left is freed
 * at once: the slabs and the list.
 *
 * The budget charges what was taken from malloc: each slab whole, each
 * large block with its header.  A freed small block stays in its slab for
 * the next request of its class, so the charge does not go down with it.
 */

/* Each block starts with a header whose last word, just before the
 * payload, is its tag: its size class, or BIG. */
#define ALIGN     _Alignof(max_align_t)
#define ROUND(n)  (((n) + ALIGN - 1) / ALIGN * ALIGN)
#define SMALL_HDR ROUND(sizeof(size_t))
#define BIG       ((size_t)-1)

/* Size classes: multiples of 16 bytes up to 256 (where nearly all of
 * gumbo's requests fall: nodes, attributes, vectors, short strings), then
 * 512 and 1024; anything larger is a large block. */
#define CLASS_STEP 16u
#define STEP_MAX   256u
#define SMALL_MAX  1024u
#define NCLASSES   (STEP_MAX / CLASS_STEP + 2u)

/* A slab's size: the first fits a small document, later ones double up
 * to SLAB_MAX, so a large page takes a few dozen mallocs, not thousands. */
#define SLAB_MIN (16u * 1024)
#define SLAB_MAX (256u * 1024)

/* A large block. */
struct ic_html5_block {
	struct ic_html5_block *prev, *next;
	size_t size; /* bytes taken from malloc, charged to the budget */
};

#define BIG_HDR ROUND(sizeof(struct ic_html5_block) + sizeof(size_t))

/* A slab: the header, then small blocks carved from its start. */
struct ic_html5_slab {
	struct ic_html5_slab *next;
};

#define SLAB_HDR ROUND(sizeof(struct ic_html5_slab))

/* Under AddressSanitizer the slabs are poisoned except for the blocks
 * handed out, each up to the size asked for, and a freed block (past its
 * link) is poisoned again: our walks over gumbo's tree are checked as
 * they were when every block was malloc'd alone. */
#if defined(__SANITIZE_ADDRESS__)
#define IC_HTML5_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IC_HTML5_ASAN 1
#endif
#endif
#ifdef IC_HTML5_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A free small block keeps the next one of its class in its payload
 * (every class holds at least a pointer). */
struct free_block {
	struct free_block *next;
};

_Static_assert(CLASS_STEP % ALIGN == 0,
               "a class size keeps the next block aligned");
_Static_assert(CLASS_STEP >= sizeof(struct free_block),
               "a free block holds its link");

/* One parse, on ic_html5_parse()'s stack. */
struct parse {
	struct ic_html5_block *head; /* large blocks */
	struct ic_html5_slab *slabs; /* every slab, newest first */
	char *bump;                  /* the unused rest of the newest slab */
	size_t room;                 /* ... and its size */
	size_t next_slab;            /* the size of the next slab */
	struct free_block *free[NCLASSES]; /* freed small blocks, by class */
	size_t held, peak, budget; /* bytes held now, at most, allowed */
	/* The time budget (see over_time()): CPU nanoseconds allowed, the
	 * thread's CPU clock at the start, and the wall-clock instant before
	 * which the CPU clock need not be read. */
	uint64_t max_ns, cpu_start, wall_next;
	unsigned int calls;  /* allocations so far, to space out clock reads */
	enum ic_err failure; /* why we jumped */
	bool timed_out;      /* ... IC_ERR_TOO_LARGE for time, not bytes */
	sigjmp_buf jump;
};

/* Allocations between two reads of the wall clock: a read costs about
 * 25 ns, and gumbo allocates every few dozen ns on ordinary markup, so
 * reading it every 8 took 1.5% of a parse.  Each tag token allocates at
 * least once, so at most a few dozen tokens' work passes unchecked: on
 * 50,000 levels of nesting, where a token costs about 0.1 ms, a few ms
 * past a budget of tens. */
#define CLOCK_EVERY 32u

size_t ic_html5_budget(size_t len)
{
	if (len >
	    (SIZE_MAX - IC_HTML5_BASE_BYTES) / IC_HTML5_BYTES_PER_INPUT_BYTE)
		return SIZE_MAX;
	return IC_HTML5_BASE_BYTES + IC_HTML5_BYTES_PER_INPUT_BYTE * len;
}

/* Instrumented builds: gcc says __SANITIZE_ADDRESS__, clang answers
 * __has_feature(); -fsanitize=fuzzer-no-link comes with ASan here. */
#if defined(__SANITIZE_ADDRESS__)
#define IC_HTML5_SLOWDOWN IC_HTML5_SANITIZER_SLOWDOWN
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) ||                                        \
        __has_feature(undefined_behavior_sanitizer)
#define IC_HTML5_SLOWDOWN IC_HTML5_SANITIZER_SLOWDOWN
#endif
#endif
#ifndef IC_HTML5_SLOWDOWN
#define IC_HTML5_SLOWDOWN 1u
#endif

uint64_t ic_html5_time_budget_ns(size_t len)
{
	uint64_t base =
	        (uint64_t)IC_HTML5_BASE_MS * 1000000u * IC_HTML5_SLOWDOWN;
	uint64_t per = (uint64_t)IC_HTML5_NS_PER_INPUT_BYTE * IC_HTML5_SLOWDOWN;

	if (len > (UINT64_MAX - base) / per)
		return UINT64_MAX;
	return base + per * len;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0; /* cannot happen for these clocks; counts as "now" */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Has the parse spent its CPU time?  Reading the thread's CPU clock is a
 * system call (over 1 us on some hosts), the monotonic clock is not, and
 * a thread cannot use more CPU time than wall time passes.  So the CPU
 * clock is read only once the wall clock reaches wall_next, which is then
 * moved to the earliest instant the CPU budget could run out.  A loaded
 * machine that keeps the parse waiting therefore costs a few CPU clock
 * reads, never a refusal: only the parse's own CPU time counts.
 */
static bool over_time(struct parse *p)
{
	uint64_t wall = clock_ns(CLOCK_MONOTONIC), used;

	if (wall < p->wall_next)
		return false;
	used = clock_ns(CLOCK_THREAD_CPUTIME_ID) - p->cpu_start;
	if (used >= p->max_ns)
		return true;
	p->wall_next = add_sat(wall, p->max_ns - used);
	return false;
}

static void start_clock(struct parse *p)
{
	p->cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	p->wall_next = add_sat(clock_ns(CLOCK_MONOTONIC), p->max_ns);
}

/* Leave the parse (see run()): past a budget, or without memory. */
static _Noreturn void leave(struct parse *p, enum ic_err why)
{
	p->failure = why;
	siglongjmp(p->jump, 1);
}

static void charge(struct parse *p, size_t cost)
{
	p->held += cost;
	if (p->held > p->peak)
		p->peak = p->held;
}

/* The word before a payload: its size class, or BIG. */
static size_t *tag_of(void *payload)
{
	return (size_t *)payload - 1;
}

static void *big_alloc(struct parse *p, size_t size)
{
	struct ic_html5_block *b;
	size_t cost;

	if (size > p->budget || BIG_HDR > p->budget - size)
		leave(p, IC_ERR_TOO_LARGE);
	cost = BIG_HDR + size;
	if (cost > p->budget - p->held)
		leave(p, IC_ERR_TOO_LARGE);
	b = malloc(cost);
	if (b == NULL)
		leave(p, IC_ERR_NOMEM);
	charge(p, cost);
	b->size = cost;
	b->prev = NULL;
	b->next = p->head;
	if (p->head != NULL)
		p->head->prev = b;
	p->head = b;
	*tag_of((char *)b + BIG_HDR) = BIG;
	return (char *)b + BIG_HDR;
}

static size_t class_of(size_t size)
{
	if (size <= STEP_MAX)
		return size == 0 ? 0 : (size - 1) / CLASS_STEP;
	return size <= SMALL_MAX / 2 ? NCLASSES - 2 : NCLASSES - 1;
}

static size_t class_size(size_t c)
{
	if (c < NCLASSES - 2)
		return (c + 1) * CLASS_STEP;
	return c == NCLASSES - 2 ? SMALL_MAX / 2 : SMALL_MAX;
}

/* Start a new slab; false when it would not fit in the budget. */
static bool new_slab(struct parse *p)
{
	size_t size = p->next_slab;
	struct ic_html5_slab *s;

	if (size > p->budget - p->held)
		return false;
	s = malloc(size);
	if (s == NULL)
		leave(p, IC_ERR_NOMEM);
	charge(p, size);
	s->next = p->slabs;
	p->slabs = s;
	p->bump = (char *)s + SLAB_HDR;
	p->room = size - SLAB_HDR;
	POISON(p->bump, p->room);
	if (p->next_slab < SLAB_MAX)
		p->next_slab *= 2;
	return true;
}

/* A block of the size's class: a freed one, else the next in the slab.
 * Near the budget, where a whole slab no longer fits, a large block. */
static void *small_alloc(struct parse *p, size_t size)
{
	size_t c = class_of(size), stride = SMALL_HDR + class_size(c);
	struct free_block *f = p->free[c];
	char *payload;

	if (f != NULL) {
		p->free[c] = f->next;
		POISON(f, class_size(c)); /* the link's bytes too */
		UNPOISON(f, size);
		return f;
	}
	if (p->room < stride && !new_slab(p))
		return big_alloc(p, size);
	payload = p->bump + SMALL_HDR;
	p->bump += stride;
	p->room -= stride;
	UNPOISON(tag_of(payload), sizeof(size_t) + size);
	*tag_of(payload) = c;
	return payload;
}

/* Never returns NULL to gumbo, which would not check it: past a budget
 * or without memory, leave the parse (see run()).  gumbo allocates for
 * every tag token it reads and every node it makes, so this is also where
 * the time budget is checked. */
static void *block_alloc(void *userdata, size_t size)
{
	struct parse *p = userdata;

	if (++p->calls % CLOCK_EVERY == 0 && over_time(p)) {
		p->timed_out = true;
		leave(p, IC_ERR_TOO_LARGE);
	}
	return size <= SMALL_MAX ? small_alloc(p, size) : big_alloc(p, size);
}

static void block_free(void *userdata, void *ptr)
{
	struct parse *p = userdata;
	struct ic_html5_block *b;
	size_t tag;

	if (ptr == NULL)
		return;
	tag = *tag_of(ptr);
	if (tag != BIG) {
		struct free_block *f = ptr;

		UNPOISON(f, sizeof(*f));
		f->next = p->free[tag];
		p->free[tag] = f;
		POISON((char *)ptr + sizeof(*f), class_size(tag) - sizeof(*f));
		return;
	}
	b = (struct ic_html5_block *)((char *)ptr - BIG_HDR);
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		p->head = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	p->held -= b->size;
	free(b);
}

static void free_all(struct ic_html5_block *b, struct ic_html5_slab *s)
{
	while (b != NULL) {
		struct ic_html5_block *next = b->next;

		free(b);
		b = next;
	}
	while (s != NULL) {
		struct ic_html5_slab *next = s->next;

		free(s);
		s = next;
	}
}

/* The one sigsetjmp: nothing local here changes between it and a jump
 * (the parse state is in *p), so no volatile is needed. */
static GumboOutput *run(struct parse *p, const GumboOptions *opts,
                        const char *html, size_t len)
{
	if (sigsetjmp(p->jump, 0) != 0)
		return NULL;
	return gumbo_parse_with_options(opts, html, len);
}

/* Deepest element nesting, walked without recursion through the parent
 * links gumbo keeps. */
static size_t tree_depth(const GumboNode *root)
{
	const GumboNode *n = root;
	size_t depth = 1, max = 1;
	unsigned int next = 0; /* the next child of n to visit */

	if (root == NULL || root->type != GUMBO_NODE_ELEMENT)
		return 0;
	for (;;) {
		const GumboVector *kids = &n->v.element.children;

		while (next < kids->length) {
			const GumboNode *c = kids->data[next];

			if (c->type == GUMBO_NODE_ELEMENT ||
			    c->type == GUMBO_NODE_TEMPLATE)
				break;
			next++;
		}
		if (next < kids->length) {
			n = kids->data[next];
			next = 0;
			if (++depth > max)
				max = depth;
			continue;
		}
		if (n == root)
			return max;
		next = (unsigned int)n->index_within_parent + 1;
		n = n->parent;
		depth--;
	}
}

size_t ic_html5_depth(const struct ic_html5 *h)
{
	return h != NULL && h->g != NULL ? tree_depth(h->g->root) : 0;
}

/* Milliseconds, rounded up so that "over N ms" is never "over 0 ms". */
static uint64_t ms_of(uint64_t ns)
{
	return ns / 1000000u + (ns % 1000000u != 0);
}

enum ic_err ic_html5_parse(const char *html, size_t len,
                           const struct ic_html5_opts *opts,
                           struct ic_html5 *out, char *errbuf)
{
	struct parse p = {.head = NULL, .next_slab = SLAB_MIN};
	GumboOptions go = kGumboDefaultOptions;
	GumboOutput *g;

	if (out == NULL || (html == NULL && len > 0))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "HTML parser: no document or result given");
	*out = (struct ic_html5){0};
	p.budget = opts && opts->max_bytes ? opts->max_bytes
	                                   : ic_html5_budget(len);
	p.max_ns = opts && opts->max_ms ? (uint64_t)opts->max_ms * 1000000u
	                                : ic_html5_time_budget_ns(len);
	go.allocator = block_alloc;
	go.deallocator = block_free;
	go.userdata = &p;
	go.max_errors = 0; /* parse errors are of no use to us */
	if (opts && opts->div_fragment) {
		go.fragment_context = GUMBO_TAG_DIV;
		go.fragment_namespace = GUMBO_NAMESPACE_HTML;
	}
	start_clock(&p);
	g = run(&p, &go, html ? html : "", len);
	out->peak_bytes = p.peak;
	out->budget = p.budget;
	out->time_budget_ms = ms_of(p.max_ns);
	if (g == NULL) {
		free_all(p.head, p.slabs);
		if (p.timed_out)
			return ic_fail(errbuf, IC_ERR_TOO_LARGE,
			               "HTML too costly to parse: over %llu ms",
			               (unsigned long long)out->time_budget_ms);
		if (p.failure == IC_ERR_TOO_LARGE)
			return ic_fail(
			        errbuf, IC_ERR_TOO_LARGE,
			        "HTML too costly to parse: over %zu bytes",
			        p.budget);
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "HTML parser: out of memory");
	}
	out->g = g;
	out->blocks = p.head;
	out->slabs = p.slabs;
	return IC_OK;
}

void ic_html5_free(struct ic_html5 *h)
{
	if (h == NULL)
		return;
	free_all(h->blocks, h->slabs);
	*h = (struct ic_html5){0};
}
