/* SPDX-License-Identifier: ISC */
/*
 * common/json.c - growable string buffer and streaming JSON writer (RFC 8259 §7 strings,
 * §8.1 UTF-8 output). See json.h for the contract.
 */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strbuf ---- */

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->s);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->s)
		sb->s[0] = '\0';
}

static int strbuf_grow(struct strbuf *sb, size_t n)
{
	if (sb->oom)
		return -1;
	if (n > STRBUF_MAX || sb->len + n > STRBUF_MAX) {
		sb->oom = true;
		return -1;
	}
	size_t need = sb->len + n + 1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(sb->s, cap);
	if (!p) {
		sb->oom = true;
		return -1;
	}
	sb->s = p;
	sb->cap = cap;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *p, size_t n)
{
	if (strbuf_grow(sb, n) < 0)
		return -1;
	if (n)
		memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addc(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || strbuf_grow(sb, (size_t)n) < 0) {
		sb->oom = true;
		return -1;
	}
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	return r;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

/* ---- string escaping ---- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0 if it is not one
 * (overlong forms, surrogates and code points above U+10FFFF are rejected, RFC 3629 §4). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int json_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	strbuf_addc(sb, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t run = i;
		/* copy a run of plain printable ASCII in one go */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			strbuf_add(sb, s + i, run - i);
			i = run;
			continue;
		}
		switch (c) {
		case '"':
			strbuf_puts(sb, "\\\"");
			break;
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '\b':
			strbuf_puts(sb, "\\b");
			break;
		case '\f':
			strbuf_puts(sb, "\\f");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\r':
			strbuf_puts(sb, "\\r");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				strbuf_printf(sb, "\\u%04x", c);
			} else {
				size_t l = utf8_seq(s + i, n - i);
				if (l == 0) {
					strbuf_puts(sb, "\\ufffd"); /* one per bad byte */
					l = 1;
				} else {
					strbuf_add(sb, s + i, l);
				}
				i += l;
				continue;
			}
		}
		i++;
	}
	return strbuf_addc(sb, '"');
}

/* ---- writer ---- */

void json_init(struct json *j, struct strbuf *sb, unsigned flags)
{
	memset(j, 0, sizeof(*j));
	j->sb = sb;
	j->flags = flags;
}

static void indent(struct json *j, int depth)
{
	static const char spaces[] =
	    "\n                                                                ";
	if (!(j->flags & JSON_PRETTY))
		return;
	if (depth <= (int)(sizeof(spaces) - 2) / 2) {
		strbuf_add(j->sb, spaces, 1 + 2 * (size_t)depth);
		return;
	}
	strbuf_addc(j->sb, '\n');
	for (int i = 0; i < depth; i++)
		strbuf_puts(j->sb, "  ");
}

/* Everything before a value: checks, separator, key. */
static int json_pre(struct json *j, const char *key)
{
	if (j->err)
		return -1;
	if (j->depth == 0) {
		if (key || j->done)
			goto bad;
	} else {
		char k = j->kind[j->depth - 1];
		if ((k == 'o') != (key != NULL))
			goto bad;
		if (j->count[j->depth - 1]++)
			strbuf_addc(j->sb, ',');
		indent(j, j->depth);
		if (key) {
			json_escape(j->sb, key, strlen(key));
			strbuf_puts(j->sb, (j->flags & JSON_PRETTY) ? ": " : ":");
		}
	}
	return 0;
bad:
	j->err = true;
	return -1;
}

static int json_post(struct json *j)
{
	if (j->depth == 0)
		j->done = true;
	if (j->sb->oom)
		j->err = true;
	return j->err ? -1 : 0;
}

static int json_begin(struct json *j, const char *key, char kind)
{
	if (j->depth >= JSON_MAX_DEPTH) {
		j->err = true;
		return -1;
	}
	if (json_pre(j, key) < 0)
		return -1;
	strbuf_addc(j->sb, kind == 'o' ? '{' : '[');
	j->kind[j->depth] = kind;
	j->count[j->depth] = 0;
	j->depth++;
	return j->sb->oom ? (j->err = true, -1) : 0;
}

int json_begin_object(struct json *j, const char *key)
{
	return json_begin(j, key, 'o');
}

int json_begin_array(struct json *j, const char *key)
{
	return json_begin(j, key, 'a');
}

int json_end(struct json *j)
{
	if (j->err)
		return -1;
	if (j->depth == 0) {
		j->err = true;
		return -1;
	}
	j->depth--;
	if (j->count[j->depth])
		indent(j, j->depth);
	strbuf_addc(j->sb, j->kind[j->depth] == 'o' ? '}' : ']');
	return json_post(j);
}

int json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	if (json_pre(j, key) < 0)
		return -1;
	json_escape(j->sb, s, n);
	return json_post(j);
}

int json_str(struct json *j, const char *key, const char *s)
{
	if (!s)
		return json_null(j, key);
	return json_strn(j, key, s, strlen(s));
}

/* Decimal digits of v, written backwards from end; returns the first. (No printf: numbers
 * are most of what a big dump writes.) */
static char *u64_str(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

int json_int(struct json *j, const char *key, int64_t v)
{
	char b[24], *p;
	if (json_pre(j, key) < 0)
		return -1;
	p = u64_str(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, b + sizeof(b));
	if (v < 0)
		*--p = '-';
	strbuf_add(j->sb, p, (size_t)(b + sizeof(b) - p));
	return json_post(j);
}

int json_uint(struct json *j, const char *key, uint64_t v)
{
	char b[24], *p;
	if (json_pre(j, key) < 0)
		return -1;
	p = u64_str(v, b + sizeof(b));
	strbuf_add(j->sb, p, (size_t)(b + sizeof(b) - p));
	return json_post(j);
}

int json_bool(struct json *j, const char *key, bool v)
{
	if (json_pre(j, key) < 0)
		return -1;
	strbuf_puts(j->sb, v ? "true" : "false");
	return json_post(j);
}

int json_null(struct json *j, const char *key)
{
	if (json_pre(j, key) < 0)
		return -1;
	strbuf_puts(j->sb, "null");
	return json_post(j);
}

int json_finish(struct json *j)
{
	if (j->err || j->depth != 0 || !j->done || j->sb->oom)
		return -1;
	return 0;
}
