/* SPDX-License-Identifier: ISC */
/*
 * common/json.h - a growable string buffer and a small streaming JSON writer (RFC 8259).
 *
 * struct strbuf is the growable byte buffer every CLI renderer writes into; it is capped
 * (STRBUF_MAX) and sticky-fails: once an append fails, `oom` stays set and further appends
 * are no-ops returning -1.
 *
 * struct json writes one JSON value into a strbuf, container by container: objects take a
 * key for each member, arrays take none (key NULL). Misuse (a key inside an array, no key
 * inside an object, a second top-level value, an unmatched end, nesting deeper than
 * JSON_MAX_DEPTH) sets `err` and makes every later call fail; json_finish() reports it.
 * Strings are escaped: quote, backslash, all control characters (and DEL) as \n, \t, ...
 * or \u00XX; bytes that are not well-formed UTF-8 become U+FFFD, so the output is always
 * valid UTF-8 whatever the input. Keys are camelCase by convention (docs/architecture.md "Telnet
 * CLI").
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRBUF_MAX (64u << 20) /* 64 MiB: a big CLI answer leaves in batches (cli_stream) */

struct strbuf {
	char *s;    /* NUL-terminated when non-NULL */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* allocated */
	bool oom;   /* an append failed (allocation or STRBUF_MAX); sticky */
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb); /* empty it, keep the memory, clear oom */
int strbuf_add(struct strbuf *sb, const void *p, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_addc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Always a valid C string ("" when empty). */
const char *strbuf_str(const struct strbuf *sb);

#define JSON_MAX_DEPTH 32
#define JSON_PRETTY    0x01 /* newlines and two-space indentation */

struct json {
	struct strbuf *sb;
	unsigned flags;
	int depth;
	bool err;
	bool done;			/* the top-level value is complete */
	char kind[JSON_MAX_DEPTH];	/* 'o' object, 'a' array */
	uint32_t count[JSON_MAX_DEPTH]; /* members written in each open container */
};

/* Write into `sb` (appending). */
void json_init(struct json *j, struct strbuf *sb, unsigned flags);
/* `key` is required inside an object and must be NULL in an array or at top level.
 * All return 0 or -1 (misuse, or the buffer failed). */
int json_begin_object(struct json *j, const char *key);
int json_begin_array(struct json *j, const char *key);
int json_end(struct json *j);
int json_str(struct json *j, const char *key, const char *s); /* s NULL writes null */
int json_strn(struct json *j, const char *key, const char *s, size_t n);
int json_int(struct json *j, const char *key, int64_t v);
int json_uint(struct json *j, const char *key, uint64_t v);
int json_bool(struct json *j, const char *key, bool v);
int json_null(struct json *j, const char *key);
/* 0 when exactly one complete value was written with no misuse, else -1. */
int json_finish(struct json *j);

/* Append `s` (n bytes) as a quoted JSON string to sb with the escaping above. */
int json_escape(struct strbuf *sb, const char *s, size_t n);

#endif
