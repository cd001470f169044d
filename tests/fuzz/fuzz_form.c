/*
 * fuzz_form.c - the form codec on arbitrary bytes (H-6).  Every form that
 * decodes is encoded again with ic_form_add() and decoded once more: the
 * fields must come back the same, in the same order, or the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "text/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_fields(const struct ic_form *x, const struct ic_form *y)
{
	if (x->n != y->n)
		abort();
	for (size_t i = 0; i < x->n; i++) {
		const struct ic_form_field *p = &x->fields[i],
		                           *q = &y->fields[i];

		if (strcmp(p->name, q->name) != 0 ||
		    p->value_len != q->value_len ||
		    memcmp(p->value, q->value, p->value_len) != 0 ||
		    strlen(p->value) != p->value_len)
			abort();
	}
}

static void round_trip(struct ic_arena *a, const struct ic_form *f, size_t size)
{
	/* Each decoded byte came from at least one input byte and encodes
	 * to at most three; separators add at most one byte per field. */
	struct ic_buf b = IC_BUF_INIT(3 * size + 16);
	struct ic_form again;
	char errbuf[IC_ERRBUF_SIZE];

	for (size_t i = 0; i < f->n; i++)
		if (ic_form_add(&b, f->fields[i].name, f->fields[i].value) !=
		    IC_OK)
			abort();
	if (ic_form_parse(&again, a, b.buf, b.len, errbuf) != IC_OK)
		abort();
	same_fields(f, &again);
	for (size_t i = 0; i < f->n; i++)
		if (ic_form_get(&again, f->fields[i].name) !=
		            again.fields[i].value &&
		    ic_form_count(f, f->fields[i].name) < 2)
			abort(); /* a unique name must find its own field */
	ic_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_form f;
	enum ic_err rc;

	if (a == NULL)
		return 0;
	rc = ic_form_parse(&f, a, (const char *)data, size, errbuf);
	if (rc == IC_OK)
		round_trip(a, &f, size);
	else if (rc != IC_ERR_BAD_INPUT && rc != IC_ERR_TOO_LARGE &&
	         rc != IC_ERR_NOMEM)
		abort();
	else if (f.n != 0)
		abort();
	ic_arena_free(a);
	return 0;
}
