/*
 * json.c - typed accessors over cJSON (see json.h).
 */
#include "text/json.h"

static void delete_tree(void *p)
{
	cJSON_Delete(p);
}

const char *ic_json_str(struct ic_arena *a, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? ic_arena_strdup(a, v->valuestring) : NULL;
}

long long ic_json_num(const cJSON *obj, const char *name, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	/* A peer's 1e300 (or NaN) would make the cast undefined: outside
	 * ±2^62 a number is as good as absent. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble > -4.6e18) ||
	    !(v->valuedouble < 4.6e18))
		return dflt;
	return (long long)v->valuedouble;
}

bool ic_json_bool(const cJSON *obj, const char *name, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

enum ic_err ic_json_add_str(cJSON *obj, const char *name, const char *value)
{
	if (value == NULL)
		return IC_OK;
	return cJSON_AddStringToObject(obj, name, value) ? IC_OK : IC_ERR_NOMEM;
}

enum ic_err ic_json_add_num(cJSON *obj, const char *name, long long value)
{
	/* Doubles hold integers exactly up to 2^53: times, counters. */
	return cJSON_AddNumberToObject(obj, name, (double)value) ? IC_OK
	                                                         : IC_ERR_NOMEM;
}

enum ic_err ic_json_add_bool(cJSON *obj, const char *name, bool value)
{
	return cJSON_AddBoolToObject(obj, name, value) ? IC_OK : IC_ERR_NOMEM;
}

cJSON *ic_json_record(struct ic_arena *a, int version)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || ic_arena_on_free(a, delete_tree, o) != IC_OK)
		return NULL;
	if (cJSON_AddNumberToObject(o, "v", version) == NULL)
		return NULL;
	return o;
}

enum ic_err ic_json_parse(struct ic_arena *a, const char *data, size_t len,
                          cJSON **out)
{
	cJSON *t = cJSON_ParseWithLength(data, len);

	*out = NULL;
	if (t == NULL)
		return IC_ERR_BAD_INPUT;
	if (ic_arena_on_free(a, delete_tree, t) != IC_OK)
		return IC_ERR_NOMEM;
	*out = t;
	return IC_OK;
}
