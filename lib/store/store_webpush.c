/*
 * store_webpush.c - the VAPID key pair and the owner's devices (see
 * store_webpush.h).
 */
#include "store/store_webpush.h"

#include <string.h>

#include "core/crypto.h"
#include "core/ic_limits.h"
#include "text/json.h"

#define VAPID_KEY  "vapid"
#define DEV_PREFIX "d:"
/* "d:" and 64 hex digits. */
#define DEV_KEY_LEN (2 + 64)

static void device_key(const char *endpoint, char key[DEV_KEY_LEN + 1])
{
	memcpy(key, DEV_PREFIX, 2);
	ic_crypto_sha256_hex(endpoint, strlen(endpoint), key + 2);
}

enum ic_err ic_store_webpush_vapid_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a,
                                          const char *new_priv,
                                          const char *new_pub,
                                          const char **priv, const char **pub)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_WEBPUSH, VAPID_KEY,
	                                       strlen(VAPID_KEY), &j);

	*priv = *pub = NULL;
	if (rc == IC_OK) {
		*priv = ic_json_str(a, j, "priv");
		*pub = ic_json_str(a, j, "pub");
		if (*priv && *pub)
			return IC_OK;
	} else if (rc != IC_ERR_NOT_FOUND && rc != IC_ERR_DATABASE) {
		return rc;
	}
	/* None, or an unreadable one: a new pair replaces it (the devices
	 * subscribed with the old key must subscribe again, as they would
	 * anyway once the push service refuses our JWTs). */
	if (new_priv == NULL || new_pub == NULL)
		return IC_ERR_NOT_FOUND;
	j = ic_json_record(a, 1);
	rc = j ? ic_json_add_str(j, "priv", new_priv) : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "pub", new_pub);
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_WEBPUSH, VAPID_KEY,
		                           strlen(VAPID_KEY), j);
	if (rc == IC_OK) {
		*priv = new_priv;
		*pub = new_pub;
	}
	return rc;
}

static enum ic_err count_cb(const void *k, size_t kl, const void *v, size_t vl,
                            void *ctx)
{
	(void)k, (void)kl, (void)v, (void)vl;
	++*(size_t *)ctx;
	return IC_OK;
}

enum ic_err ic_store_webpush_add_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a,
                                        const struct ic_webpush_device *d)
{
	char key[DEV_KEY_LEN + 1];
	size_t n = 0;
	const void *old;
	size_t oldlen;
	cJSON *j;
	enum ic_err rc;

	device_key(d->endpoint, key);
	rc = ic_store_txn_get(t, IC_DB_WEBPUSH, key, DEV_KEY_LEN, &old,
	                      &oldlen);
	if (rc == IC_ERR_NOT_FOUND)
		rc = ic_store_txn_scan(t, IC_DB_WEBPUSH, DEV_PREFIX, 2,
		                       count_cb, &n);
	else if (rc != IC_OK)
		return rc;
	if (rc == IC_OK && n >= IC_WEBPUSH_DEVICES_MAX)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_TOO_LARGE,
		               "%d devices get notifications already: turn "
		               "one off first",
		               IC_WEBPUSH_DEVICES_MAX);
	j = ic_json_record(a, 1);
	rc = j ? ic_json_add_str(j, "endpoint", d->endpoint) : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "p256dh", d->p256dh);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "auth", d->auth);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "added", d->added);
	if (rc == IC_OK && d->told)
		rc = ic_json_add_str(j, "told", d->told);
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_WEBPUSH, key, DEV_KEY_LEN,
		                           j);
	return rc;
}

bool ic_store_webpush_was_told(const struct ic_webpush_device *d,
                               const char *id)
{
	const char *p = d->told;
	size_t n = strlen(id);

	while (p && (p = strstr(p, id)) != NULL) {
		if ((p == d->told || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* @p told with @p id added, the oldest dropped past IC_WEBPUSH_TOLD_KEEP. */
static char *told_add(struct ic_arena *a, const char *told, const char *id)
{
	const char *p = told ? told : "";
	size_t ids = *p ? 2 : 1; /* the ones there, and @p id */

	for (const char *q = p; *q; q++)
		ids += *q == ' ';
	while (ids-- > IC_WEBPUSH_TOLD_KEEP && strchr(p, ' '))
		p = strchr(p, ' ') + 1;
	return *p ? ic_arena_printf(a, "%s %s", p, id) : ic_arena_strdup(a, id);
}

static enum ic_err get_device(struct ic_store_txn *t, struct ic_arena *a,
                              const char *key, struct ic_webpush_device *d)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_WEBPUSH, key,
	                                       DEV_KEY_LEN, &j);

	if (rc != IC_OK)
		return rc;
	d->endpoint = ic_json_str(a, j, "endpoint");
	d->p256dh = ic_json_str(a, j, "p256dh");
	d->auth = ic_json_str(a, j, "auth");
	d->added = ic_json_num(j, "added", 0);
	d->told = ic_json_str(a, j, "told");
	return d->endpoint && d->p256dh && d->auth ? IC_OK : IC_ERR_DATABASE;
}

enum ic_err ic_store_webpush_told_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a,
                                         const char *endpoint, const char *id)
{
	char key[DEV_KEY_LEN + 1];
	struct ic_webpush_device d;
	enum ic_err rc;

	device_key(endpoint, key);
	rc = get_device(t, a, key, &d);
	if (rc == IC_ERR_NOT_FOUND || rc == IC_ERR_DATABASE)
		return IC_OK; /* gone, or unreadable: the next subscribe fixes
		               */
	if (rc == IC_OK && (d.told = told_add(a, d.told, id)) == NULL)
		rc = IC_ERR_NOMEM;
	return rc == IC_OK ? ic_store_webpush_add_in_txn(t, a, &d) : rc;
}

enum ic_err ic_store_webpush_remove_in_txn(struct ic_store_txn *t,
                                           const char *endpoint)
{
	char key[DEV_KEY_LEN + 1];

	device_key(endpoint, key);
	return ic_store_txn_del(t, IC_DB_WEBPUSH, key, DEV_KEY_LEN);
}

struct list {
	struct ic_arena *a;
	struct ic_webpush_device *d;
	size_t n;
};

static enum ic_err list_cb(const void *k, size_t kl, const void *v, size_t vl,
                           void *ctx)
{
	struct list *l = ctx;
	struct ic_webpush_device *d = &l->d[l->n];
	cJSON *j;

	(void)k, (void)kl;
	if (l->n >= IC_WEBPUSH_DEVICES_MAX)
		return IC_STORE_STOP;
	if (ic_json_parse(l->a, v, vl, &j) != IC_OK)
		return IC_OK; /* unreadable: skipped, as store_notify does */
	d->endpoint = ic_json_str(l->a, j, "endpoint");
	d->p256dh = ic_json_str(l->a, j, "p256dh");
	d->auth = ic_json_str(l->a, j, "auth");
	d->added = ic_json_num(j, "added", 0);
	d->told = ic_json_str(l->a, j, "told");
	if (d->endpoint && d->p256dh && d->auth)
		l->n++;
	return IC_OK;
}

enum ic_err ic_store_webpush_list_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a,
                                         struct ic_webpush_device **out,
                                         size_t *n)
{
	struct list l = {a, NULL, 0};
	enum ic_err rc;

	*out = NULL;
	*n = 0;
	l.d = ic_arena_calloc(a, IC_WEBPUSH_DEVICES_MAX, sizeof(*l.d));
	if (l.d == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_scan(t, IC_DB_WEBPUSH, DEV_PREFIX, 2, list_cb, &l);
	if (rc == IC_OK) {
		*out = l.d;
		*n = l.n;
	}
	return rc;
}
