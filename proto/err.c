/* SPDX-License-Identifier: ISC */
/* proto/err.c - names and helper for the proto_err convention (see err.h). */
#include "proto/err.h"

static const char *const names[PERR__COUNT] = {
    [PERR_OK] = "ok",
    [PERR_TRUNCATED] = "truncated",
    [PERR_TRAILING] = "trailing-bytes",
    [PERR_BAD_AFI] = "bad-afi",
    [PERR_BAD_LCAF] = "bad-lcaf",
    [PERR_LCAF_DEPTH] = "lcaf-depth",
    [PERR_BAD_TYPE] = "bad-type",
    [PERR_BAD_COUNT] = "bad-count",
    [PERR_BAD_VALUE] = "bad-value",
    [PERR_BAD_PREFIX] = "bad-prefix",
    [PERR_BAD_AUTH] = "bad-auth",
    [PERR_BAD_INNER] = "bad-inner-header",
    [PERR_FULL] = "buffer-full",
    [PERR_LIMIT] = "over-limit",
};

const char *proto_err_name(int code)
{
	if (code < 0 || code >= PERR__COUNT || !names[code])
		return "unknown";
	return names[code];
}

int proto_fail(struct proto_err *e, int code, size_t offset, const char *reason)
{
	if (e) {
		e->code = code;
		e->offset = offset;
		e->reason = reason ? reason : proto_err_name(code);
	}
	return -1;
}
