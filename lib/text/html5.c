/*
 * html5.c - gumbo on a byte budget (see html5.h).
 */
#include "text/html5.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/ic_limits.h"

/* One block handed to gumbo, on a doubly linked list so that gumbo's own
 * frees are O(1) and whatever is left can be freed at once. */
struct ic_html5_block {
	struct ic_html5_block *prev, *next;
	size_t size;
	max_align_t payload[]; /* what gumbo gets, aligned for any type */
};

/* One parse, on ic_html5_parse()'s stack. */
struct parse {
	struct ic_html5_block *head;
	size_t held, peak, budget; /* bytes held now, at most, allowed */
	enum ic_err failure;       /* why we jumped */
	sigjmp_buf jump;
};

size_t ic_html5_budget(size_t len)
{
	if (len > (SIZE_MAX - IC_HTML5_BASE_BYTES) /
	                  IC_HTML5_BYTES_PER_INPUT_BYTE)
		return SIZE_MAX;
	return IC_HTML5_BASE_BYTES + IC_HTML5_BYTES_PER_INPUT_BYTE * len;
}

/* Never returns NULL to gumbo, which would not check it: past the budget
 * or without memory, leave the parse (see run()). */
static void *block_alloc(void *userdata, size_t size)
{
	struct parse *p = userdata;
	struct ic_html5_block *b;
	size_t cost;

	if (size > p->budget) {
		p->failure = IC_ERR_TOO_LARGE;
		siglongjmp(p->jump, 1);
	}
	cost = sizeof(*b) + size;
	if (cost > p->budget - p->held) {
		p->failure = IC_ERR_TOO_LARGE;
		siglongjmp(p->jump, 1);
	}
	b = malloc(cost);
	if (b == NULL) {
		p->failure = IC_ERR_NOMEM;
		siglongjmp(p->jump, 1);
	}
	p->held += cost;
	if (p->held > p->peak)
		p->peak = p->held;
	b->size = cost;
	b->prev = NULL;
	b->next = p->head;
	if (p->head != NULL)
		p->head->prev = b;
	p->head = b;
	return b->payload;
}

static void block_free(void *userdata, void *ptr)
{
	struct parse *p = userdata;
	struct ic_html5_block *b;

	if (ptr == NULL)
		return;
	b = (struct ic_html5_block *)((char *)ptr -
	                              offsetof(struct ic_html5_block, payload));
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		p->head = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	p->held -= b->size;
	free(b);
}

static void free_blocks(struct ic_html5_block *b)
{
	while (b != NULL) {
		struct ic_html5_block *next = b->next;

		free(b);
		b = next;
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

enum ic_err ic_html5_parse(const char *html, size_t len,
                           const struct ic_html5_opts *opts,
                           struct ic_html5 *out, char *errbuf)
{
	struct parse p = {.head = NULL};
	GumboOptions go = kGumboDefaultOptions;
	GumboOutput *g;

	if (out == NULL || (html == NULL && len > 0))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "HTML parser: no document or result given");
	*out = (struct ic_html5){0};
	p.budget = opts && opts->max_bytes ? opts->max_bytes
	                                   : ic_html5_budget(len);
	go.allocator = block_alloc;
	go.deallocator = block_free;
	go.userdata = &p;
	go.max_errors = 0; /* parse errors are of no use to us */
	if (opts && opts->div_fragment) {
		go.fragment_context = GUMBO_TAG_DIV;
		go.fragment_namespace = GUMBO_NAMESPACE_HTML;
	}
	g = run(&p, &go, html ? html : "", len);
	out->peak_bytes = p.peak;
	out->budget = p.budget;
	if (g == NULL) {
		free_blocks(p.head);
		if (p.failure == IC_ERR_TOO_LARGE)
			return ic_fail(errbuf, IC_ERR_TOO_LARGE,
			               "HTML too costly to parse: over %zu bytes",
			               p.budget);
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "HTML parser: out of memory");
	}
	out->g = g;
	out->blocks = p.head;
	out->depth = tree_depth(g->root);
	return IC_OK;
}

void ic_html5_free(struct ic_html5 *h)
{
	if (h == NULL)
		return;
	free_blocks(h->blocks);
	*h = (struct ic_html5){0};
}
