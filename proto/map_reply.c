/* SPDX-License-Identifier: ISC */
/*
 * proto/map_reply.c - Map-Reply, LISP message type 2 (RFC 9301 §5.4).
 *
 *   |Type=2 |P|E|S|          Reserved (17)          | Record Count (8) |
 *   Nonce (64), copied from the Map-Request
 *   Records (record.c): positive (Locator Count > 0) or negative (Locator Count 0, the
 *   ACT field says what to do: RFC 9301 §5.4 action codes 0-5, 6 and 7 kept as received)
 *   LISP-SEC authentication data when S = 1 (RFC 9303 §6.4), handed back unverified.
 *
 * Record Count 0 is accepted (an empty reply carries nothing, but is not malformed);
 * reserved bits are ignored on receipt and sent as 0.
 */
#include "proto/lisp_msg.h"

#include <string.h>

/* Smallest record: TTL(4) + counts/ACT(4) + version(2) + EID-AFI 0 (2). */
#define MIN_RECORD 12

int lisp_map_reply_parse(struct buf *b, struct lisp_map_reply *m, struct proto_err *e)
{
	uint32_t w;
	unsigned nrec;

	memset(m, 0, sizeof(*m));
	int type = lisp_msg_type(b);
	if (type == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "map-reply: empty");
	if (type != LISP_T_MAP_REPLY)
		return proto_fail(e, PERR_BAD_TYPE, buf_offset(b), "not a map-reply");
	if (buf_get_u32(b, &w) || buf_get_u64(b, &m->nonce))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "map-reply: header truncated");
	m->probe = (w & LISP_MREP_F_P) != 0;
	m->echo_nonce = (w & LISP_MREP_F_E) != 0;
	m->sec = (w & LISP_MREP_F_S) != 0;
	nrec = w & 0xff;
	if (nrec > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_LIMIT, 3, "map-reply: too many records");
	if ((size_t)nrec * MIN_RECORD > buf_left(b))
		return proto_fail(e, PERR_BAD_COUNT, buf_offset(b),
				  "map-reply: record count larger than the data");
	for (unsigned i = 0; i < nrec; i++)
		if (lisp_record_parse(b, &m->rec[i], e) == -1)
			return -1;
	m->nrec = (uint8_t)nrec;
	if (m->sec) {
		buf_get_sub(b, buf_left(b), &m->sec_ad);
		return 0;
	}
	if (buf_left(b))
		return proto_fail(e, PERR_TRAILING, buf_offset(b), "map-reply: trailing bytes");
	return 0;
}

int lisp_map_reply_build(struct buf *b, const struct lisp_map_reply *m, struct proto_err *e)
{
	if (m->nrec > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "map-reply: too many records");
	uint32_t w = ((uint32_t)LISP_T_MAP_REPLY << 28) | (m->probe ? LISP_MREP_F_P : 0) |
		     (m->echo_nonce ? LISP_MREP_F_E : 0) | (m->sec ? LISP_MREP_F_S : 0) | m->nrec;
	if (buf_add_u32(b, w) || buf_add_u64(b, m->nonce))
		return proto_fail(e, PERR_FULL, buf_len(b), "map-reply: buffer full");
	for (unsigned i = 0; i < m->nrec; i++)
		if (lisp_record_build(b, &m->rec[i], e) == -1)
			return -1;
	if (m->sec && buf_left(&m->sec_ad) &&
	    buf_add_bytes(b, buf_cur(&m->sec_ad), buf_left(&m->sec_ad)) == -1)
		return proto_fail(e, PERR_FULL, buf_len(b), "map-reply: buffer full");
	return 0;
}
