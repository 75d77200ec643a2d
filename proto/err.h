/* SPDX-License-Identifier: ISC */
/*
 * proto/err.h - the parse/build error convention of the wire library.
 * Functions return 0 on success and -1 on failure; on failure they fill a struct
 * proto_err (when the caller passes one) with a code, the byte offset where parsing
 * stopped and a static human-readable reason. Daemons count drops by `code` and log
 * `reason` (rate-limited), so every code has a stable name (proto_err_name).
 */
#ifndef PROTO_ERR_H
#define PROTO_ERR_H

#include <stddef.h>

enum proto_errcode {
	PERR_OK = 0,
	PERR_TRUNCATED,	 /* data ends before the field/record it announces */
	PERR_TRAILING,	 /* bytes left over after a complete message */
	PERR_BAD_AFI,	 /* unknown or unsupported AFI */
	PERR_BAD_LCAF,	 /* LCAF length/type inconsistent */
	PERR_LCAF_DEPTH, /* LCAF nesting deeper than LISP_LCAF_MAX_DEPTH */
	PERR_BAD_TYPE,	 /* unknown message type */
	PERR_BAD_COUNT,	 /* a count exceeds what the data holds or what we accept */
	PERR_BAD_VALUE,	 /* a field holds a value the spec forbids */
	PERR_BAD_PREFIX, /* mask length too long for the AFI */
	PERR_BAD_AUTH,	 /* authentication length/algorithm inconsistent or digest mismatch */
	PERR_BAD_INNER,	 /* ECM inner IP/UDP header invalid */
	PERR_FULL,	 /* builder: output buffer too small */
	PERR_LIMIT,	 /* more records/locators than this implementation accepts */
	PERR__COUNT
};

struct proto_err {
	int code;	    /* enum proto_errcode */
	size_t offset;	    /* offset into the message where the problem was found */
	const char *reason; /* static string, never NULL after an error */
};

const char *proto_err_name(int code);

/* Fill *e (if non-NULL) and return -1. */
int proto_fail(struct proto_err *e, int code, size_t offset, const char *reason);

#endif
