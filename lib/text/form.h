/*
 * form.h - application/x-www-form-urlencoded, both ways (H-6).
 *
 * Decoding: the body of a POST or a QUERY_STRING becomes an array of
 * (name, value) fields in the order they came.  `+` is a space, `%XX` a
 * byte; pairs are split on `&` only (not `;`); empty pairs are skipped; a
 * pair without `=` has an empty value.  Every decoded name and value is
 * valid UTF-8 without NUL bytes, so values are also C strings (value_len is
 * kept for convenience).  Duplicate names are kept; lookups take the first
 * (H-6: deterministic, first wins).
 *
 * Encoding: everything but the unreserved characters `A-Za-z0-9-._~`
 * (RFC 3986 §2.3) is percent-encoded with uppercase hex, a space as `%20`,
 * which both form and URL decoders accept.  The output goes into a capped
 * struct ic_buf, so a caller's limit on the request body holds.
 *
 * No I/O, no libcurl: the decoder is a pure function of its input, which is
 * what tests/fuzz/fuzz_form.c drives.
 */
#ifndef IC_FORM_H
#define IC_FORM_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct ic_form_field {
	const char *name;  /* decoded, NUL-terminated */
	const char *value; /* decoded, NUL-terminated, "" when absent */
	size_t value_len;  /* strlen(value) */
};

struct ic_form {
	struct ic_form_field *fields; /* in input order; NULL when n == 0 */
	size_t n;
};

/* --- Decoding ---------------------------------------------------------- */

/**
 * Decode @p len bytes of form data into @p f.
 *
 * @param[out] f       the fields; names and values live in @p a
 * @param[in]  a       arena for the fields
 * @param[in]  data    the raw body or query string (need not be
 *                     NUL-terminated; may be NULL when @p len is 0)
 * @param[in]  len     its length
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL: names the field
 * @return IC_OK;
 *         IC_ERR_TOO_LARGE past IC_MAX_FORM_FIELDS fields, or a decoded
 *         name past IC_MAX_FORM_NAME_BYTES, or a decoded value past
 *         IC_MAX_FORM_VALUE_BYTES (answer 413);
 *         IC_ERR_BAD_INPUT for a bad `%` escape, invalid UTF-8 or a NUL
 *         byte (answer 400);
 *         IC_ERR_NOMEM.
 *         On failure @p f is empty (n == 0).
 */
enum ic_err ic_form_parse(struct ic_form *f, struct ic_arena *a,
                          const char *data, size_t len, char *errbuf);

/**
 * The value of the first field called @p name (H-6: first wins).
 * @return a string owned by the form's arena, or NULL when there is none.
 */
const char *ic_form_get(const struct ic_form *f, const char *name);

/** How many fields are called @p name (to reject repeated parameters). */
size_t ic_form_count(const struct ic_form *f, const char *name);

/* --- Encoding ---------------------------------------------------------- */

/**
 * Append `name=value` to @p out, preceded by `&` unless @p out is empty.
 *
 * @param[in,out] out    the form being built (its cap applies)
 * @param[in]     name   field name, a C string
 * @param[in]     value  field value, a C string
 * @return IC_OK; IC_ERR_TOO_LARGE past the buffer's cap or IC_ERR_NOMEM,
 *         after which @p out is empty (struct ic_buf's rule).
 */
enum ic_err ic_form_add(struct ic_buf *out, const char *name,
                        const char *value) IC_WARN_UNUSED;

/**
 * Append @p len bytes of @p s, percent-encoded, to @p out: for one query
 * component or form name/value.
 * @return as ic_form_add().
 */
enum ic_err ic_form_escape(struct ic_buf *out, const char *s,
                           size_t len) IC_WARN_UNUSED;

#endif /* IC_FORM_H */
