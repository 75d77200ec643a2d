/* SPDX-License-Identifier: ISC */
/*
 * common/out.h - the output abstraction of CLI handlers: handlers produce data, a renderer
 * formats it (OpenBGPD bgpctl output.c / output_json.c, docs/architecture.md "Telnet CLI").
 *
 * A handler describes its answer as nested objects and arrays of keyed scalars; the same calls
 * render as pretty-printed JSON (the command line ended in `json`) or as readable text:
 *
 *   out_begin_object(o, NULL);          text                       JSON
 *   out_str(o, "name", "lisp-msd");     name:     lisp-msd         {
 *   out_uint(o, "uptimeSeconds", 12);   uptime seconds: 12  (*)     "name": "lisp-msd",
 *   out_end(o);                                                     "uptimeSeconds": 12 }
 *
 * (*) In text, keys are shown as words ("uptimeSeconds" -> "uptime seconds") and the values
 * of consecutive scalars are aligned; a keyed object or array opens an indented section.
 * A handler that wants its own table prints it with out_printf() when !out_json(o) (in JSON
 * mode out_printf() is ignored). out_error() prints "% message" in text; in JSON it replaces
 * whatever was written with {"error": "message"}, and later calls are ignored.
 * Keys are camelCase. Strings from the network are safe to pass: JSON escapes them, text
 * shows non-printable bytes as '?'.
 *
 * Times: out_time()/out_time_ms() take Unix seconds/milliseconds and out_age() a number of
 * seconds; JSON keeps the number, text shows an ISO 8601 UTC date ("2026-12-07T01:10:06Z")
 * or an age ("3m12s") under the key without its unit ("registeredUnix" -> "registered",
 * "idleSeconds" -> "idle").
 *
 * Streaming (common/cli.h cli_stream): out_drain() hands over what is rendered so far and
 * keeps the open containers, so an answer can leave in pieces that together are exactly
 * what one out_finish() would have given. After a drain, out_error() can no longer replace
 * the document: text gets its "% message" line; JSON closes the open containers down to the
 * top-level object, adds an "error" member there and closes it (still one valid document).
 */
#ifndef COMMON_OUT_H
#define COMMON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"

struct out;

struct out *out_new(bool json);
void out_free(struct out *o);
bool out_json(const struct out *o);
/* Has out_error() been called? */
bool out_failed(const struct out *o);

/* key: required inside an object, NULL inside an array or for the top-level value. */
void out_begin_object(struct out *o, const char *key);
void out_begin_array(struct out *o, const char *key);
void out_end(struct out *o);
void out_str(struct out *o, const char *key, const char *v); /* v NULL: null / "-" */
void out_int(struct out *o, const char *key, int64_t v);
void out_uint(struct out *o, const char *key, uint64_t v);
void out_bool(struct out *o, const char *key, bool v);
void out_null(struct out *o, const char *key);
/* Free text, text mode only. */
void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_error(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void out_time(struct out *o, const char *key, uint64_t unix_s);
void out_time_ms(struct out *o, const char *key, uint64_t unix_ms);
void out_age(struct out *o, const char *key, uint64_t seconds);
/* The text forms, for table rows: "2026-12-07T01:10:06Z" (0: "-") and "3m12s". */
char *out_fmt_time(char *dst, size_t len, uint64_t unix_s);
char *out_fmt_age(char *dst, size_t len, uint64_t seconds);
#define OUT_TIME_LEN 32

/* Append what is rendered so far to dst and forget it (streaming); open containers and
 * pending text stay. */
void out_drain(struct out *o, struct strbuf *dst);

/* Close what the handler left open and return the rendered answer: empty, or lines each
 * ending in '\n' (JSON is one block: a first line "{" or "[" and a last line "}" or "]").
 * The pointer stays valid until out_free(). */
const char *out_finish(struct out *o, size_t *len);

#endif
