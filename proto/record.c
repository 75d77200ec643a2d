/* SPDX-License-Identifier: ISC */
/*
 * proto/record.c - the mapping record and its locators (RFC 9301 §5.4), shared by
 * Map-Reply, Map-Register, Map-Notify and the map-reply record of a Map-Request;
 * plus the message-type and action names.
 *
 *   Record TTL (32)
 *   Locator Count (8) | EID mask-len (8) | ACT (3) | A | Reserved (12)
 *   Rsvd (4) | Map-Version Number (12) | EID-Prefix-AFI (16) | EID-Prefix ...
 *   per locator: Priority | Weight | M Priority | M Weight (8 each)
 *                Unused Flags (13) | L | p | R | Loc-AFI (16) | Locator ...
 *
 * A record has no length field, so it cannot be carved into a sub-view; each address in
 * it is bounded by its AFI or LCAF length. Reserved bits are kept as received so a
 * record round-trips byte for byte (except the 4 bits before Map-Version, sent as 0).
 */
#include "proto/lisp_msg.h"

#include <string.h>

static const char *const type_names[16] = {
    [LISP_T_RESERVED] = "reserved",
    [LISP_T_MAP_REQUEST] = "map-request",
    [LISP_T_MAP_REPLY] = "map-reply",
    [LISP_T_MAP_REGISTER] = "map-register",
    [LISP_T_MAP_NOTIFY] = "map-notify",
    [LISP_T_MAP_NOTIFY_ACK] = "map-notify-ack",
    [LISP_T_MAP_REFERRAL] = "map-referral",
    [LISP_T_INFO] = "info",
    [LISP_T_ECM] = "ecm",
};

const char *lisp_type_name(unsigned type)
{
	if (type >= 16 || !type_names[type])
		return "unknown";
	return type_names[type];
}

static const char *const action_names[8] = {
    [LISP_ACT_NO_ACTION] = "no-action",
    [LISP_ACT_NATIVE_FWD] = "natively-forward",
    [LISP_ACT_SEND_MAP_REQ] = "send-map-request",
    [LISP_ACT_DROP] = "drop",
    [LISP_ACT_DROP_POLICY] = "drop-policy-denied",
    [LISP_ACT_DROP_AUTH] = "drop-auth-failure",
};

const char *lisp_action_name(unsigned act)
{
	if (act >= 8 || !action_names[act])
		return "unknown";
	return action_names[act];
}

int lisp_msg_type(const struct buf *b)
{
	uint8_t v;
	if (buf_peek_u8(b, &v) == -1)
		return -1;
	return v >> 4;
}

void lisp_record_set_eid(struct lisp_record *r, const struct lisp_prefix *p)
{
	r->eid = *p;
	r->eid_lcaf_iid = p->iid != 0;
	r->iid_mlen = p->iid ? 32 : 0;
}

int lisp_locator_parse(struct buf *b, struct lisp_locator *l, struct proto_err *e)
{
	if (buf_get_u8(b, &l->priority) || buf_get_u8(b, &l->weight) ||
	    buf_get_u8(b, &l->mpriority) || buf_get_u8(b, &l->mweight) || buf_get_u16(b, &l->flags))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "locator truncated");
	if (lisp_addr_parse(b, &l->addr, e) == -1)
		return -1;
	if (l->addr.n == 0 && !(l->addr.flags & LISP_ADDR_F_UNKNOWN))
		return proto_fail(e, PERR_BAD_AFI, buf_offset(b), "locator with AFI 0");
	return 0;
}

int lisp_record_parse(struct buf *b, struct lisp_record *r, struct proto_err *e)
{
	uint8_t nloc, mlen;
	uint16_t w, v;
	struct lisp_addr eid;

	memset(r, 0, sizeof(*r));
	if (buf_get_u32(b, &r->ttl) || buf_get_u8(b, &nloc) || buf_get_u8(b, &mlen) ||
	    buf_get_u16(b, &w) || buf_get_u16(b, &v))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "record header truncated");
	r->action = (uint8_t)(w >> 13);
	r->authoritative = (w >> 12) & 1;
	r->reserved = w & 0x0fff;
	r->map_version = v & 0x0fff;
	if (lisp_addr_parse(b, &eid, e) == -1)
		return -1;
	if (eid.flags & LISP_ADDR_F_UNKNOWN)
		return proto_fail(e, PERR_BAD_LCAF, buf_offset(b), "EID in an unsupported LCAF");
	if (lisp_addr_to_prefix(&eid, mlen, &r->eid, e) == -1) {
		if (e)
			e->offset = buf_offset(b);
		return -1;
	}
	r->eid_lcaf_iid = (eid.flags & LISP_ADDR_F_IID) != 0;
	r->iid_mlen = eid.iid_mlen;
	if (nloc > LISP_MAX_LOCATORS)
		return proto_fail(e, PERR_LIMIT, buf_offset(b), "too many locators in record");
	/* Each locator is at least 8 bytes: a count the data cannot hold is a count error. */
	if ((size_t)nloc * 8 > buf_left(b))
		return proto_fail(e, PERR_BAD_COUNT, buf_offset(b),
				  "locator count larger than the data");
	for (unsigned i = 0; i < nloc; i++)
		if (lisp_locator_parse(b, &r->loc[i], e) == -1)
			return -1;
	r->nloc = nloc;
	return 0;
}

int lisp_msg_addr_build(struct buf *b, const struct lisp_addr *a, struct proto_err *e)
{
	/* Longest encoding: IID LCAF (12) + AFI-List LCAF (8) + 2 x IPv6 (18) = 56 bytes. */
	uint8_t tmp[96];
	struct buf t;

	buf_init_write(&t, tmp, sizeof(tmp));
	if (lisp_addr_build(&t, a, e) == -1)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "address: cannot encode");
	if (buf_add_bytes(b, tmp, buf_len(&t)) == -1)
		return proto_fail(e, PERR_FULL, buf_len(b), "address: buffer full");
	return 0;
}

int lisp_record_build(struct buf *b, const struct lisp_record *r, struct proto_err *e)
{
	struct lisp_addr eid;

	if (r->nloc > LISP_MAX_LOCATORS || r->action > 7 || r->map_version > 0x0fff ||
	    r->eid.plen > afi_max_plen(r->eid.afi))
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "record: field out of range");
	for (unsigned i = 0; i < r->nloc; i++)
		if (r->loc[i].addr.n == 0)
			return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "locator without address");
	lisp_addr_from_prefix(&eid, &r->eid, r->eid_lcaf_iid);
	if (r->eid_lcaf_iid)
		eid.iid_mlen = r->iid_mlen;
	uint16_t w = (uint16_t)((r->action << 13) | (r->authoritative ? 0x1000 : 0) |
				(r->reserved & 0x0fff));
	if (buf_add_u32(b, r->ttl) || buf_add_u8(b, r->nloc) || buf_add_u8(b, r->eid.plen) ||
	    buf_add_u16(b, w) || buf_add_u16(b, r->map_version & 0x0fff))
		return proto_fail(e, PERR_FULL, buf_len(b), "record: buffer full");
	if (lisp_msg_addr_build(b, &eid, e) == -1)
		return -1;
	for (unsigned i = 0; i < r->nloc; i++)
		if (lisp_locator_build(b, &r->loc[i], e) == -1)
			return -1;
	return 0;
}

int lisp_locator_build(struct buf *b, const struct lisp_locator *l, struct proto_err *e)
{
	if (buf_add_u8(b, l->priority) || buf_add_u8(b, l->weight) || buf_add_u8(b, l->mpriority) ||
	    buf_add_u8(b, l->mweight) || buf_add_u16(b, l->flags))
		return proto_fail(e, PERR_FULL, buf_len(b), "locator: buffer full");
	return lisp_msg_addr_build(b, &l->addr, e);
}
