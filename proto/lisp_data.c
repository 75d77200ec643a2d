/* SPDX-License-Identifier: ISC */
/*
 * proto/lisp_data.c - the LISP data-plane header of RFC 9300 §5.3 (layout and rules in
 * lisp_data.h); map-versions per RFC 9302, key bits per RFC 8061. Two 32-bit reads or
 * writes per packet.
 */
#include "proto/lisp_data.h"

int lisp_data_parse(struct buf *b, struct lisp_data_hdr *h, struct proto_err *e)
{
	uint32_t w0, w1;

	if (buf_get_u32(b, &w0) || buf_get_u32(b, &w1))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "LISP data header truncated");
	uint8_t f = (uint8_t)(w0 >> 24);
	if ((f & (LISP_DATA_F_N | LISP_DATA_F_V)) == (LISP_DATA_F_N | LISP_DATA_F_V))
		return proto_fail(e, PERR_BAD_VALUE, buf_offset(b) - 8,
				  "LISP data header: N and V both set");
	h->flags = f & LISP_DATA_FLAGS;
	h->key_id = f & 0x03;
	h->nonce = w0 & 0xffffff;
	if (f & LISP_DATA_F_V) {
		h->src_version = (uint16_t)(h->nonce >> 12);
		h->dst_version = (uint16_t)(h->nonce & 0x0fff);
	} else
		h->src_version = h->dst_version = 0;
	if (f & LISP_DATA_F_I) {
		h->iid = w1 >> 8;
		h->lsb = w1 & 0xff;
	} else {
		h->iid = 0;
		h->lsb = w1;
	}
	return 0;
}

int lisp_data_build(struct buf *b, const struct lisp_data_hdr *h, struct proto_err *e)
{
	uint32_t field, w1;
	uint8_t f = h->flags;

	if ((f & ~LISP_DATA_FLAGS) || h->key_id > 3 ||
	    (f & (LISP_DATA_F_N | LISP_DATA_F_V)) == (LISP_DATA_F_N | LISP_DATA_F_V))
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "LISP data header: bad flags");
	if (f & LISP_DATA_F_V) {
		if (h->src_version > 0x0fff || h->dst_version > 0x0fff)
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
					  "LISP data header: map-version over 12 bits");
		field = ((uint32_t)h->src_version << 12) | h->dst_version;
	} else {
		if (h->nonce > 0xffffff)
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
					  "LISP data header: nonce over 24 bits");
		field = h->nonce;
	}
	if (f & LISP_DATA_F_I) {
		if (h->iid > 0xffffff || h->lsb > 0xff)
			return proto_fail(
			    e, PERR_BAD_VALUE, buf_len(b),
			    "LISP data header: instance ID over 24 or LSBs over 8 bits");
		w1 = (h->iid << 8) | h->lsb;
	} else {
		if (h->iid)
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
					  "LISP data header: instance ID without the I bit");
		w1 = h->lsb;
	}
	if (buf_room(b) < LISP_DATA_HLEN)
		return proto_fail(e, PERR_FULL, buf_len(b), "LISP data header: buffer full");
	buf_add_u32(b, ((uint32_t)(f | h->key_id) << 24) | field);
	buf_add_u32(b, w1);
	return 0;
}
