/*
 * mf2_value_class.c - the value-class pattern of the
 * microformats2-parsing spec (see mf2_int.h): value and value-title
 * parts, date, time and timezone joined for dt-*, and ic_mf2_datetime().
 */
#include "mf2/mf2.h"
#include "mf2/mf2_int.h"

#include <string.h>

#include "core/ic_limits.h"

/* --- Value-class pattern ----------------------------------------------------
 */

/*
 * The `value` and `value-title` descendants of a property element, in
 * document order, that belong to it: the search does not enter another
 * property or microformat (though such an element may itself be a value)
 * nor a value element (tests v2-unit/value).
 */
struct vcp {
	const GumboNode **els;
	size_t n, cap;
};

static enum ic_err vcp_collect(struct mf2 *m, const GumboNode *n,
                               struct vcp *v);

static enum ic_err vcp_collect_kids(struct mf2 *m, const GumboNode *n,
                                    struct vcp *v)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		unsigned f;
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = mf2_visit(m);
		if (rc != IC_OK)
			return rc;
		f = mf2_class_flags(c);
		if (f & (CLS_VALUE | CLS_VALUE_TITLE)) {
			if (v->n == v->cap) {
				size_t cap = v->cap ? 2 * v->cap : 8;
				const GumboNode **els = ic_arena_alloc(
				        m->a, cap * sizeof(*els));

				if (els == NULL)
					return mf2_nomem(m);
				if (v->n)
					memcpy(els, v->els,
					       v->n * sizeof(*els));
				v->els = els;
				v->cap = cap;
			}
			v->els[v->n++] = c;
			continue;
		}
		if (f & (CLS_ROOT | CLS_PROP))
			continue;
		rc = vcp_collect(m, c, v);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* Not below IC_MAX_MF2_DEPTH (mf2_down()). */
static enum ic_err vcp_collect(struct mf2 *m, const GumboNode *n, struct vcp *v)
{
	enum ic_err rc;

	if (!mf2_down(m))
		return IC_OK;
	rc = vcp_collect_kids(m, n, v);
	mf2_up(m);
	return rc;
}

/* The text one value element contributes, into *b; `dt` adds the
 * datetime attribute of time/ins/del. */
static enum ic_err vcp_part(struct mf2 *m, const GumboNode *c, bool dt,
                            struct ic_buf *b)
{
	const char *s = NULL;
	enum ic_err rc;

	if (mf2_class_flags(c) & CLS_VALUE_TITLE)
		s = attr(c, "title");
	else if (is_tag(c, GUMBO_TAG_IMG) || is_tag(c, GUMBO_TAG_AREA))
		s = attr(c, "alt");
	else if (is_tag(c, GUMBO_TAG_DATA))
		s = attr(c, "value");
	else if (is_tag(c, GUMBO_TAG_ABBR))
		s = attr(c, "title");
	else if (dt && (is_tag(c, GUMBO_TAG_TIME) || is_tag(c, GUMBO_TAG_INS) ||
	                is_tag(c, GUMBO_TAG_DEL)))
		s = attr(c, "datetime");
	if (s != NULL || is_tag(c, GUMBO_TAG_IMG) ||
	    is_tag(c, GUMBO_TAG_AREA) ||
	    (mf2_class_flags(c) & CLS_VALUE_TITLE)) {
		rc = ic_buf_adds(b, s ? s : "");
		return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
	}
	return mf2_text_kids(m, c, b, TEXT_DOM);
}

/* p-* and u-*: the parts concatenated; *found false when there are none. */
enum ic_err mf2_vcp_text(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                         bool *found)
{
	struct vcp v = {NULL, 0, 0};
	enum ic_err rc = vcp_collect(m, n, &v);

	*found = v.n > 0;
	for (size_t i = 0; i < v.n && rc == IC_OK; i++)
		rc = vcp_part(m, v.els[i], false, b);
	return rc;
}

/* --- Dates and times (value-class pattern for dt-*, MC-7) ------------------
 */

struct dt_parts {
	char date[16];
	char time[24];
	char tz[8];
};

static size_t digits(const char *s, size_t n, size_t i, size_t want)
{
	size_t k = 0;

	while (i + k < n && k < want && is_digit((unsigned char)s[i + k]))
		k++;
	return k;
}

/* YYYY-MM-DD or YYYY-DDD at s[0..n): its length, or 0. */
size_t mf2_scan_date(const char *s, size_t n)
{
	if (digits(s, n, 0, 4) != 4 || n < 5 || s[4] != '-')
		return 0;
	if (digits(s, n, 5, 2) == 2 && n > 7 && s[7] == '-' &&
	    digits(s, n, 8, 2) == 2 &&
	    (n == 10 || !is_digit((unsigned char)s[10])))
		return 10;
	if (digits(s, n, 5, 3) == 3 &&
	    (n == 8 || !is_digit((unsigned char)s[8])))
		return 8;
	return 0;
}

/* Z, z, ±HH, ±HHMM, ±HH:MM filling the whole of s[0..n); normalised
 * into out ("Z" or "±HH:MM" or "±HH", the tests README's form). */
static bool scan_tz(const char *s, size_t n, char out[8])
{
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		strcpy(out, "Z");
		return true;
	}
	if (n < 3 || (s[0] != '+' && s[0] != '-') || digits(s, n, 1, 2) != 2)
		return false;
	if (n == 3) {
		memcpy(out, s, 3);
		out[3] = '\0';
		return true;
	}
	if ((n == 5 && digits(s, n, 3, 2) == 2) ||
	    (n == 6 && s[3] == ':' && digits(s, n, 4, 2) == 2)) {
		memcpy(out, s, 3);
		out[3] = ':';
		memcpy(out + 4, s + n - 2, 2);
		out[6] = '\0';
		return true;
	}
	return false;
}

/* am/pm suffix (am, pm, a.m., p.m., any case) at s[i..n): its length,
 * *pm set; 0 when there is none. */
static size_t scan_ampm(const char *s, size_t n, size_t i, bool *pm)
{
	char c;

	if (i >= n)
		return 0;
	c = (char)to_lower((unsigned char)s[i]);
	if (c != 'a' && c != 'p')
		return 0;
	*pm = c == 'p';
	if (i + 2 <= n && to_lower((unsigned char)s[i + 1]) == 'm')
		return 2;
	if (i + 4 <= n && s[i + 1] == '.' &&
	    to_lower((unsigned char)s[i + 2]) == 'm' && s[i + 3] == '.')
		return 4;
	return 0;
}

/*
 * A time, with an optional timezone, filling the whole of s[0..n):
 * H[:MM[:SS[.f]]] am|pm, or HH:MM[:SS[.f]]; written into p->time (am/pm
 * turned into 24-hour "HH:MM[:SS]") and p->tz.
 */
bool mf2_scan_time(const char *s, size_t n, char time[24], char tz[8])
{
	size_t h = digits(s, n, 0, 2), i = h, frac_end, ampm;
	bool pm = false, has_min = false;

	if (h == 0)
		return false;
	if (i < n && s[i] == ':' && digits(s, n, i + 1, 2) == 2) {
		has_min = true;
		i += 3;
		if (i < n && s[i] == ':' && digits(s, n, i + 1, 2) == 2) {
			i += 3;
			if (i < n && s[i] == '.' && digits(s, n, i + 1, 9) > 0)
				i += 1 + digits(s, n, i + 1, 9);
		}
	}
	frac_end = i;
	while (i < n && s[i] == ' ')
		i++;
	ampm = scan_ampm(s, n, i, &pm);
	if (ampm == 0) {
		i = frac_end;
		if (h != 2 || !has_min)
			return false;
	}
	if (frac_end >= 24)
		return false;
	tz[0] = '\0';
	if (i + ampm < n && !scan_tz(s + i + ampm, n - i - ampm, tz))
		return false;
	if (ampm == 0) {
		memcpy(time, s, frac_end);
		time[frac_end] = '\0';
		return true;
	}
	{
		int hour = (s[0] - '0') * (h == 2 ? 10 : 1) +
		           (h == 2 ? s[1] - '0' : 0);

		if (hour < 1 || hour > 12)
			return false;
		hour = hour % 12 + (pm ? 12 : 0);
		time[0] = (char)('0' + hour / 10);
		time[1] = (char)('0' + hour % 10);
		if (has_min) {
			memcpy(time + 2, s + h, frac_end - h);
			time[2 + frac_end - h] = '\0';
		} else
			strcpy(time + 2, ":00");
	}
	return true;
}

/* One value part: date, time, timezone or date-time; first of each wins
 * (tests v2-unit/value/value-dt). */
static void dt_add_part(struct dt_parts *p, const char *s, size_t n)
{
	char time[24], tz[8];
	size_t d;

	s = trim(s, &n);
	if (n == 0)
		return;
	d = mf2_scan_date(s, n);
	if (d == n) {
		if (p->date[0] == '\0') {
			memcpy(p->date, s, d);
			p->date[d] = '\0';
		}
		return;
	}
	if (d > 0 && (s[d] == 'T' || s[d] == 't' || s[d] == ' ')) {
		if (p->date[0] == '\0' && p->time[0] == '\0' &&
		    mf2_scan_time(s + d + 1, n - d - 1, time, tz)) {
			memcpy(p->date, s, d);
			p->date[d] = '\0';
			strcpy(p->time, time);
			if (p->tz[0] == '\0')
				strcpy(p->tz, tz);
		}
		return;
	}
	if (mf2_scan_time(s, n, time, tz)) {
		if (p->time[0] == '\0') {
			strcpy(p->time, time);
			if (p->tz[0] == '\0')
				strcpy(p->tz, tz);
		}
		return;
	}
	if (p->tz[0] == '\0' && scan_tz(s, n, tz))
		strcpy(p->tz, tz);
}

/* dt-*: combine the value parts into "date time tz"; *found false when no
 * date or time was among them. */
enum ic_err mf2_vcp_datetime(struct mf2 *m, const GumboNode *n,
                             struct ic_buf *out, bool *found)
{
	struct vcp v = {NULL, 0, 0};
	struct dt_parts p = {"", "", ""};
	enum ic_err rc = vcp_collect(m, n, &v);

	for (size_t i = 0; i < v.n && rc == IC_OK; i++) {
		struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);

		rc = vcp_part(m, v.els[i], true, &b);
		if (rc == IC_OK)
			dt_add_part(&p, b.buf, b.len);
		ic_buf_release(&b);
	}
	*found = rc == IC_OK && (p.date[0] || p.time[0]);
	if (!*found)
		return rc;
	rc = ic_buf_adds(out, p.date);
	if (rc == IC_OK && p.date[0] && p.time[0])
		rc = ic_buf_addc(out, ' ');
	if (rc == IC_OK && p.time[0])
		rc = ic_buf_addf(out, "%s%s", p.time, p.tz);
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

/* --- Datetimes (MC-7) --------------------------------------------------- */

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long long days_from_civil(long long y, unsigned mo, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static bool valid_day(int y, int mo, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (mo < 1 || mo > 12 || d < 1)
		return false;
	return d <= mdays[mo - 1] + (mo == 2 && leap);
}

/* Offset in seconds from a timezone already checked by scan_tz(). */
static long long tz_seconds(const char *tz)
{
	long long off;

	if (tz[0] == '\0' || tz[0] == 'Z')
		return 0;
	off = num(tz + 1, 2) * 3600LL + (tz[3] ? num(tz + 4, 2) * 60LL : 0);
	return tz[0] == '-' ? -off : off;
}

/* HH:MM[:SS[.f]] then an optional timezone; seconds since midnight. */
static bool lenient_time(const char *s, size_t n, long long *secs,
                         long long *off)
{
	size_t i = 5;
	int h, mi, sec = 0;
	char tz[8] = "";

	if (n < 5 || digits(s, n, 0, 2) != 2 || s[2] != ':' ||
	    digits(s, n, 3, 2) != 2)
		return false;
	h = num(s, 2);
	mi = num(s + 3, 2);
	if (i < n && s[i] == ':') {
		if (digits(s, n, i + 1, 2) != 2)
			return false;
		sec = num(s + i + 1, 2);
		i += 3;
		if (i < n && s[i] == '.') {
			size_t f = digits(s, n, i + 1, 9);

			if (f == 0)
				return false;
			i += 1 + f;
		}
	}
	if (i < n && !scan_tz(s + i, n - i, tz))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*secs = h * 3600LL + mi * 60LL + sec;
	*off = tz_seconds(tz);
	return true;
}

enum ic_err ic_mf2_datetime(const char *s, long long *epoch, char *errbuf)
{
	size_t n;
	long long secs = 0, off = 0;
	int y, mo, d;

	if (s == NULL || epoch == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "mf2: no datetime");
	n = strlen(s);
	s = trim(s, &n);
	if (mf2_scan_date(s, n) != 10)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: datetime does not start with YYYY-MM-DD");
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	if (!valid_day(y, mo, d))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: datetime names no real day");
	if (n > 10 && ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	               !lenient_time(s + 11, n - 11, &secs, &off)))
		return ic_fail(
		        errbuf, IC_ERR_BAD_INPUT,
		        "mf2: datetime has no valid time after the date");
	*epoch = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + secs -
	         off;
	return IC_OK;
}
