/* SPDX-License-Identifier: ISC */
/*
 * proto/map_request.c - Map-Request, LISP message type 1 (RFC 9301 §5.2, §5.3), with the
 * publish/subscribe additions of RFC 9437 §5: the I bit (xTR-ID and Site-ID appended)
 * and the N bit (notification requested) in each EID record.
 *
 *   |Type=1 |A|M|P|S|p|s|R|I| Rsvd(5) |L|D| IRC(5) | Record Count(8) |
 *   Nonce (64)
 *   Source-EID-AFI (16) | Source EID ...            (AFI 0 = no source EID)
 *   ITR-RLOC-AFI (16) | ITR-RLOC ...                (IRC + 1 times)
 *   |N| Reserved(7) | EID mask-len (8) | EID-Prefix-AFI (16) | EID-Prefix ...   (per record)
 *   Map-Reply Record ...                            (only if M = 1, RFC 9301 §5.4 layout)
 *   xTR-ID (128) | Site-ID (64)                     (only if I = 1, RFC 9437 §5)
 */
#include "proto/lisp_msg.h"

#include <string.h>

/* Smallest encodings, to reject counts the data cannot hold before parsing them:
 * an ITR-RLOC is an IPv4 address at least (AFI 0 is refused), an EID record is
 * 2 bytes + an AFI. */
#define MIN_ITR_RLOC  6
#define MIN_EID_REC   4
#define MREQ_TYPE_BIT (LISP_T_MAP_REQUEST << 28)

static int parse_eid_req(struct buf *b, struct lisp_eid_req *r, struct proto_err *e)
{
	uint8_t flags, mlen;
	struct lisp_addr a;

	if (buf_get_u8(b, &flags) || buf_get_u8(b, &mlen))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "map-request: EID record truncated");
	if (lisp_addr_parse(b, &a, e) == -1)
		return -1;
	if (a.flags & LISP_ADDR_F_UNKNOWN)
		return proto_fail(e, PERR_BAD_LCAF, buf_offset(b),
				  "map-request: EID in an unsupported LCAF");
	if (lisp_addr_to_prefix(&a, mlen, &r->eid, e) == -1) {
		if (e)
			e->offset = buf_offset(b);
		return -1;
	}
	r->notify = (flags & LISP_MREQ_REC_N) != 0;
	r->eid_lcaf_iid = (a.flags & LISP_ADDR_F_IID) != 0;
	r->iid_mlen = a.iid_mlen;
	return 0;
}

int lisp_map_request_parse(struct buf *b, struct lisp_map_request *m, struct proto_err *e)
{
	uint32_t w;
	unsigned irc, nrec;

	memset(m, 0, sizeof(*m));
	int type = lisp_msg_type(b);
	if (type == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "map-request: empty");
	if (type != LISP_T_MAP_REQUEST)
		return proto_fail(e, PERR_BAD_TYPE, buf_offset(b), "not a map-request");
	if (buf_get_u32(b, &w) || buf_get_u64(b, &m->nonce))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "map-request: header truncated");
	m->authoritative = (w & LISP_MREQ_F_A) != 0;
	m->map_data = (w & LISP_MREQ_F_M) != 0;
	m->probe = (w & LISP_MREQ_F_P) != 0;
	m->smr = (w & LISP_MREQ_F_S) != 0;
	m->pitr = (w & LISP_MREQ_F_p) != 0;
	m->smr_invoked = (w & LISP_MREQ_F_s) != 0;
	m->xtr_id_present = (w & LISP_MREQ_F_I) != 0;
	m->local_xtr = (w & LISP_MREQ_F_L) != 0;
	m->dont_map_reply = (w & LISP_MREQ_F_D) != 0;
	irc = (w >> 8) & 0x1f;
	nrec = w & 0xff;
	if (nrec == 0)
		return proto_fail(e, PERR_BAD_COUNT, 3, "map-request: record count 0");
	if (nrec > LISP_MAX_REQ_RECORDS)
		return proto_fail(e, PERR_LIMIT, 3, "map-request: too many EID records");

	if (lisp_addr_parse(b, &m->source_eid, e) == -1)
		return -1;
	if ((size_t)(irc + 1) * MIN_ITR_RLOC + (size_t)nrec * MIN_EID_REC > buf_left(b))
		return proto_fail(e, PERR_BAD_COUNT, buf_offset(b),
				  "map-request: ITR-RLOC or record count larger than the data");
	for (unsigned i = 0; i <= irc; i++) {
		if (lisp_addr_parse(b, &m->itr_rlocs[i], e) == -1)
			return -1;
		if (m->itr_rlocs[i].n == 0 && !(m->itr_rlocs[i].flags & LISP_ADDR_F_UNKNOWN))
			return proto_fail(e, PERR_BAD_AFI, buf_offset(b),
					  "map-request: ITR-RLOC with AFI 0");
	}
	m->n_itr_rlocs = (uint8_t)(irc + 1);
	for (unsigned i = 0; i < nrec; i++)
		if (parse_eid_req(b, &m->rec[i], e) == -1)
			return -1;
	m->nrec = (uint8_t)nrec;
	if (m->map_data && lisp_record_parse(b, &m->map_reply, e) == -1)
		return -1;
	if (m->xtr_id_present &&
	    (buf_get_bytes(b, m->xtr_id, sizeof(m->xtr_id)) || buf_get_u64(b, &m->site_id)))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "map-request: xTR-ID/Site-ID truncated");
	if (buf_left(b))
		return proto_fail(e, PERR_TRAILING, buf_offset(b), "map-request: trailing bytes");
	return 0;
}

int lisp_map_request_build(struct buf *b, const struct lisp_map_request *m, struct proto_err *e)
{
	if (m->n_itr_rlocs < 1 || m->n_itr_rlocs > LISP_MAX_ITR_RLOCS || m->nrec < 1 ||
	    m->nrec > LISP_MAX_REQ_RECORDS)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "map-request: count out of range");
	for (unsigned i = 0; i < m->n_itr_rlocs; i++)
		if (m->itr_rlocs[i].n == 0)
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
					  "map-request: ITR-RLOC without address");
	for (unsigned i = 0; i < m->nrec; i++)
		if (m->rec[i].eid.plen > afi_max_plen(m->rec[i].eid.afi))
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b),
					  "map-request: EID mask length too long");

	uint32_t w = MREQ_TYPE_BIT | (m->authoritative ? LISP_MREQ_F_A : 0) |
		     (m->map_data ? LISP_MREQ_F_M : 0) | (m->probe ? LISP_MREQ_F_P : 0) |
		     (m->smr ? LISP_MREQ_F_S : 0) | (m->pitr ? LISP_MREQ_F_p : 0) |
		     (m->smr_invoked ? LISP_MREQ_F_s : 0) |
		     (m->xtr_id_present ? LISP_MREQ_F_I : 0) | (m->local_xtr ? LISP_MREQ_F_L : 0) |
		     (m->dont_map_reply ? LISP_MREQ_F_D : 0) |
		     ((uint32_t)(m->n_itr_rlocs - 1) << 8) | m->nrec;
	if (buf_add_u32(b, w) || buf_add_u64(b, m->nonce))
		return proto_fail(e, PERR_FULL, buf_len(b), "map-request: buffer full");
	if (lisp_msg_addr_build(b, &m->source_eid, e) == -1)
		return -1;
	for (unsigned i = 0; i < m->n_itr_rlocs; i++)
		if (lisp_msg_addr_build(b, &m->itr_rlocs[i], e) == -1)
			return -1;
	for (unsigned i = 0; i < m->nrec; i++) {
		const struct lisp_eid_req *r = &m->rec[i];
		struct lisp_addr a;
		lisp_addr_from_prefix(&a, &r->eid, r->eid_lcaf_iid);
		if (r->eid_lcaf_iid)
			a.iid_mlen = r->iid_mlen;
		if (buf_add_u8(b, r->notify ? LISP_MREQ_REC_N : 0) || buf_add_u8(b, r->eid.plen))
			return proto_fail(e, PERR_FULL, buf_len(b), "map-request: buffer full");
		if (lisp_msg_addr_build(b, &a, e) == -1)
			return -1;
	}
	if (m->map_data && lisp_record_build(b, &m->map_reply, e) == -1)
		return -1;
	if (m->xtr_id_present &&
	    (buf_add_bytes(b, m->xtr_id, sizeof(m->xtr_id)) || buf_add_u64(b, m->site_id)))
		return proto_fail(e, PERR_FULL, buf_len(b), "map-request: buffer full");
	return 0;
}
