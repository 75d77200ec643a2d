/* SPDX-License-Identifier: ISC */
/*
 * common/out.c - text and JSON renderers behind the out_* handler API (see out.h).
 *
 * JSON mode forwards to the streaming writer in common/json.c (pretty-printed). Text mode
 * keeps the scalars of the current container pending so that a run of them can be printed
 * with aligned values; a nested container, free text, an error or the end flushes them.
 */
#include "common/out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <time.h>

#define OUT_KEY_MAX 64

struct pend {
	char key[OUT_KEY_MAX]; /* display form, "" for array elements */
	char *val;
};

struct out {
	bool json;
	bool failed;
	bool drained; /* part of the answer has left (out_drain) */
	struct strbuf sb;
	struct json j;
	/* text mode */
	int depth;
	char kind[JSON_MAX_DEPTH];
	int indent[JSON_MAX_DEPTH]; /* indentation of the members of each level */
	uint32_t count[JSON_MAX_DEPTH];
	int overflow; /* levels opened beyond JSON_MAX_DEPTH, ignored */
	struct pend *pend;
	size_t npend, cappend;
};

struct out *out_new(bool json)
{
	struct out *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->json = json;
	strbuf_init(&o->sb);
	json_init(&o->j, &o->sb, JSON_PRETTY);
	return o;
}

static void pend_clear(struct out *o)
{
	for (size_t i = 0; i < o->npend; i++)
		free(o->pend[i].val);
	o->npend = 0;
}

void out_free(struct out *o)
{
	if (!o)
		return;
	pend_clear(o);
	free(o->pend);
	strbuf_free(&o->sb);
	free(o);
}

bool out_json(const struct out *o)
{
	return o->json;
}

bool out_failed(const struct out *o)
{
	return o->failed;
}

/* Printable ASCII copy: anything else becomes '?'. */
static char *sanitize(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		d[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	d[n] = '\0';
	return d;
}

/* "uptimeSeconds" -> "uptime seconds" (camelCase to words). */
static void key_words(const char *key, char *dst, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; key[i] && k + 2 < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if (c >= 'A' && c <= 'Z') {
			if (k > 0)
				dst[k++] = ' ';
			dst[k++] = (char)(c - 'A' + 'a');
		} else {
			dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	}
	dst[k] = '\0';
}

static int cur_indent(const struct out *o)
{
	return o->depth ? o->indent[o->depth - 1] : 0;
}

static void put_indent(struct out *o, int n)
{
	for (int i = 0; i < n; i++)
		strbuf_puts(&o->sb, "  ");
}

static void flush(struct out *o)
{
	size_t w = 0;
	for (size_t i = 0; i < o->npend; i++) {
		size_t l = strlen(o->pend[i].key);
		if (l > w)
			w = l;
	}
	for (size_t i = 0; i < o->npend; i++) {
		const struct pend *p = &o->pend[i];
		put_indent(o, cur_indent(o));
		if (p->key[0])
			strbuf_printf(&o->sb, "%s:%*s ", p->key, (int)(w - strlen(p->key)), "");
		strbuf_puts(&o->sb, p->val ? p->val : "?");
		strbuf_addc(&o->sb, '\n');
	}
	pend_clear(o);
}

static void text_scalar(struct out *o, const char *key, const char *val)
{
	if (o->overflow)
		return;
	if (o->npend == o->cappend) {
		size_t cap = o->cappend ? o->cappend * 2 : 16;
		struct pend *p = realloc(o->pend, cap * sizeof(*p));
		if (!p)
			return;
		o->pend = p;
		o->cappend = cap;
	}
	struct pend *p = &o->pend[o->npend++];
	if (key)
		key_words(key, p->key, sizeof(p->key));
	else
		p->key[0] = '\0';
	p->val = sanitize(val);
	if (o->depth)
		o->count[o->depth - 1]++;
}

static void text_begin(struct out *o, const char *key, char kind)
{
	if (o->overflow || o->depth >= JSON_MAX_DEPTH) {
		o->overflow++;
		return;
	}
	flush(o);
	int ind = cur_indent(o);
	int child = ind;
	if (key) {
		char w[OUT_KEY_MAX];
		key_words(key, w, sizeof(w));
		put_indent(o, ind);
		strbuf_printf(&o->sb, "%s:\n", w);
		child = ind + 1;
	} else if (o->depth && o->kind[o->depth - 1] == 'a' && o->count[o->depth - 1] > 0) {
		strbuf_addc(&o->sb, '\n'); /* blank line between array elements */
	}
	if (o->depth)
		o->count[o->depth - 1]++;
	o->kind[o->depth] = kind;
	o->indent[o->depth] = child;
	o->count[o->depth] = 0;
	o->depth++;
}

void out_begin_object(struct out *o, const char *key)
{
	if (o->failed)
		return;
	if (o->json)
		json_begin_object(&o->j, key);
	else
		text_begin(o, key, 'o');
}

void out_begin_array(struct out *o, const char *key)
{
	if (o->failed)
		return;
	if (o->json)
		json_begin_array(&o->j, key);
	else
		text_begin(o, key, 'a');
}

void out_end(struct out *o)
{
	if (o->failed)
		return;
	if (o->json) {
		json_end(&o->j);
		return;
	}
	if (o->overflow) {
		o->overflow--;
		return;
	}
	if (o->depth == 0)
		return;
	flush(o);
	o->depth--;
}

void out_str(struct out *o, const char *key, const char *v)
{
	if (o->failed)
		return;
	if (o->json)
		json_str(&o->j, key, v);
	else
		text_scalar(o, key, v ? v : "-");
}

void out_int(struct out *o, const char *key, int64_t v)
{
	char b[24];
	if (o->failed)
		return;
	if (o->json) {
		json_int(&o->j, key, v);
		return;
	}
	snprintf(b, sizeof(b), "%" PRId64, v);
	text_scalar(o, key, b);
}

void out_uint(struct out *o, const char *key, uint64_t v)
{
	char b[24];
	if (o->failed)
		return;
	if (o->json) {
		json_uint(&o->j, key, v);
		return;
	}
	snprintf(b, sizeof(b), "%" PRIu64, v);
	text_scalar(o, key, b);
}

void out_bool(struct out *o, const char *key, bool v)
{
	if (o->failed)
		return;
	if (o->json)
		json_bool(&o->j, key, v);
	else
		text_scalar(o, key, v ? "yes" : "no");
}

void out_null(struct out *o, const char *key)
{
	if (o->failed)
		return;
	if (o->json)
		json_null(&o->j, key);
	else
		text_scalar(o, key, "-");
}

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->failed || o->json)
		return;
	flush(o);
	va_start(ap, fmt);
	strbuf_vprintf(&o->sb, fmt, ap);
	va_end(ap);
}

static void json_error_doc(struct out *o, const char *msg)
{
	strbuf_reset(&o->sb);
	json_init(&o->j, &o->sb, JSON_PRETTY);
	json_begin_object(&o->j, NULL);
	json_str(&o->j, "error", msg);
	json_end(&o->j);
}

void out_error(struct out *o, const char *fmt, ...)
{
	struct strbuf m;
	va_list ap;
	if (o->failed)
		return;
	o->failed = true;
	strbuf_init(&m);
	va_start(ap, fmt);
	strbuf_vprintf(&m, fmt, ap);
	va_end(ap);
	if (o->json && o->drained) {
		/* the start has left: end the document with an "error" member */
		while (o->j.depth > 1 && !o->j.err)
			json_end(&o->j);
		if (o->j.depth == 1 && o->j.kind[0] == 'o') {
			json_str(&o->j, "error", strbuf_str(&m));
		} else if (o->j.depth == 1) { /* a top-level array: a last element */
			json_begin_object(&o->j, NULL);
			json_str(&o->j, "error", strbuf_str(&m));
			json_end(&o->j);
		}
		while (o->j.depth > 0 && !o->j.err)
			json_end(&o->j);
	} else if (o->json) {
		json_error_doc(o, strbuf_str(&m));
	} else {
		char *s = sanitize(strbuf_str(&m));
		flush(o);
		strbuf_printf(&o->sb, "%% %s\n", s ? s : "error");
		free(s);
	}
	strbuf_free(&m);
}

const char *out_finish(struct out *o, size_t *len)
{
	if (o->json) {
		if (!o->failed || o->drained) {
			if (o->j.depth == 0 && !o->j.done && !o->j.err)
				json_begin_object(&o->j, NULL); /* nothing written: {} */
			while (o->j.depth > 0 && !o->j.err)
				json_end(&o->j);
			if (json_finish(&o->j) < 0 && !o->drained)
				json_error_doc(o, o->sb.oom ? "output too large"
							    : "internal error: malformed output");
		}
		if (o->sb.len == 0 || o->sb.s[o->sb.len - 1] != '\n')
			strbuf_addc(&o->sb, '\n');
	} else {
		o->overflow = 0;
		flush(o);
		o->depth = 0;
		if (o->sb.oom) {
			strbuf_reset(&o->sb);
			strbuf_puts(&o->sb, "% output too large\n");
		}
		if (o->sb.len && o->sb.s[o->sb.len - 1] != '\n')
			strbuf_addc(&o->sb, '\n');
	}
	if (len)
		*len = o->sb.len;
	return strbuf_str(&o->sb);
}

void out_drain(struct out *o, struct strbuf *dst)
{
	if (o->sb.oom)
		return; /* out_finish reports it */
	if (o->sb.len) {
		strbuf_add(dst, o->sb.s, o->sb.len);
		o->drained = true;
	}
	o->sb.len = 0;
	if (o->sb.s)
		o->sb.s[0] = '\0';
}

/* The text label of a key with a unit: without "UnixMs", "Unix", "Seconds", "Ms". */
static void unit_key(const char *key, char *dst, size_t len)
{
	static const char *const units[] = {"UnixMs", "Unix", "Seconds", "Ms"};
	size_t n = strlen(key);

	snprintf(dst, len, "%s", key);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t u = strlen(units[i]);
		if (n > u && n < len && strcmp(key + n - u, units[i]) == 0) {
			dst[n - u] = '\0';
			return;
		}
	}
}

char *out_fmt_time(char *dst, size_t len, uint64_t unix_s)
{
	struct tm tm;
	time_t t = (time_t)unix_s;

	if (unix_s == 0 || !gmtime_r(&t, &tm))
		snprintf(dst, len, "-");
	else
		strftime(dst, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return dst;
}

char *out_fmt_age(char *dst, size_t len, uint64_t s)
{
	if (s < 60)
		snprintf(dst, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(dst, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(dst, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(dst, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	return dst;
}

void out_time(struct out *o, const char *key, uint64_t unix_s)
{
	char k[OUT_KEY_MAX], v[OUT_TIME_LEN];
	if (o->failed)
		return;
	if (o->json) {
		json_uint(&o->j, key, unix_s);
		return;
	}
	unit_key(key, k, sizeof(k));
	text_scalar(o, k, out_fmt_time(v, sizeof(v), unix_s));
}

void out_time_ms(struct out *o, const char *key, uint64_t unix_ms)
{
	char k[OUT_KEY_MAX], v[OUT_TIME_LEN];
	if (o->failed)
		return;
	if (o->json) {
		json_uint(&o->j, key, unix_ms);
		return;
	}
	unit_key(key, k, sizeof(k));
	out_fmt_time(v, sizeof(v), unix_ms / 1000);
	if (unix_ms && strlen(v) > 1) /* ...:06Z -> ...:06.123Z */
		snprintf(v + strlen(v) - 1, sizeof(v) - (strlen(v) - 1), ".%03uZ",
			 (unsigned)(unix_ms % 1000));
	text_scalar(o, k, v);
}

void out_age(struct out *o, const char *key, uint64_t seconds)
{
	char k[OUT_KEY_MAX], v[OUT_TIME_LEN];
	if (o->failed)
		return;
	if (o->json) {
		json_uint(&o->j, key, seconds);
		return;
	}
	unit_key(key, k, sizeof(k));
	text_scalar(o, k, out_fmt_age(v, sizeof(v), seconds));
}
