/*
 * json.h - small typed accessors over cJSON for our versioned records.
 *
 * cJSON signals failure with NULL; these helpers translate that into
 * defaults (readers) or enum ic_err (writers), so record code reads as a
 * list of fields.  Strings read are copied into an arena: a record parsed
 * inside an LMDB transaction stays valid after the transaction ends.
 */
#ifndef IC_JSON_H
#define IC_JSON_H

#include <stdbool.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/err.h"

/** The string member @p name copied into @p a, or NULL when absent. */
const char *ic_json_str(struct ic_arena *a, const cJSON *obj, const char *name);

/** The number member @p name as a long long, or @p dflt. */
long long ic_json_num(const cJSON *obj, const char *name, long long dflt);

/** The boolean member @p name, or @p dflt. */
bool ic_json_bool(const cJSON *obj, const char *name, bool dflt);

/**
 * Add members; a NULL string value adds nothing (absent == NULL).
 * @return IC_OK or IC_ERR_NOMEM.
 */
enum ic_err ic_json_add_str(cJSON *obj, const char *name, const char *value);
enum ic_err ic_json_add_num(cJSON *obj, const char *name, long long value);
enum ic_err ic_json_add_bool(cJSON *obj, const char *name, bool value);

/**
 * A new object with "v": @p version, registered with arena @p a (deleted
 * when it is freed); NULL when out of memory.
 */
cJSON *ic_json_record(struct ic_arena *a, int version);

/**
 * Parse @p len bytes into a tree owned by @p a.
 * @return IC_OK; IC_ERR_BAD_INPUT (not JSON); IC_ERR_NOMEM.
 */
enum ic_err ic_json_parse(struct ic_arena *a, const char *data, size_t len,
                          cJSON **out);

#endif /* IC_JSON_H */
