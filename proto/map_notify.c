/* SPDX-License-Identifier: ISC */
/*
 * proto/map_notify.c - Map-Notify, type 4, and Map-Notify-Ack, type 5 (RFC 9301 §5.7),
 * also used by RFC 9437 pub/sub to push mapping changes to subscribers.
 *
 *   Type=4/5 (4) | I | R | Reserved (18) | Record Count (8)
 *   Nonce (64)
 *   Key ID (8) | Algorithm ID (8) | Authentication Data Length (16) | Authentication Data
 *   Records ...
 *   xTR-ID (128) | Site-ID (64)                                   (only when I=1)
 *
 * The body is the Map-Register's (map_register.c, lisp_authmsg_body_*). RFC 9301 §5.7
 * draws the whole first word after the type as Reserved. The I (xTR-ID/Site-ID present)
 * and R (built for an RTR) bits are placed at bits 4 and 5 (0x08000000, 0x04000000) as in
 * RFC 8111's Map-Notify diagram and the NAT-traversal work, and as OOR, lispers.net and
 * Wireshark 4.0 decode them (checked with tshark on this file's test vectors). A
 * Map-Notify answering a Map-Register with I=1, and an RFC 9437 notification, carry the
 * xTR-ID/Site-ID with I=1. Other reserved bits are sent as 0 and ignored on receipt.
 */
#include "proto/auth.h"
#include "proto/lisp_msg.h"

#include <string.h>

#define MN_F_I LISP_MNOT_F_I
#define MN_F_R 0x04000000u

int lisp_map_notify_parse(struct buf *b, struct lisp_map_notify *m, struct proto_err *e)
{
	size_t start = buf_offset(b);
	uint32_t w;

	memset(m, 0, sizeof(*m));
	if (buf_get_u32(b, &w))
		return proto_fail(e, PERR_TRUNCATED, start, "map-notify header truncated");
	if (w >> 28 != LISP_T_MAP_NOTIFY && w >> 28 != LISP_T_MAP_NOTIFY_ACK)
		return proto_fail(e, PERR_BAD_TYPE, start, "not a map-notify or map-notify-ack");
	m->ack = w >> 28 == LISP_T_MAP_NOTIFY_ACK;
	m->xtr_id_present = (w & MN_F_I) != 0;
	m->rtr = (w & MN_F_R) != 0;
	const struct lisp_authmsg_body body = {&m->nonce, &m->auth,  &m->nrec,
					       m->rec,	  m->xtr_id, &m->site_id};
	return lisp_authmsg_body_parse(b, start, w & 0xff, m->xtr_id_present, &body, e);
}

int lisp_map_notify_build(struct buf *b, const struct lisp_map_notify *m, size_t *auth_off,
			  struct proto_err *e)
{
	uint32_t type = m->ack ? LISP_T_MAP_NOTIFY_ACK : LISP_T_MAP_NOTIFY;
	uint32_t w = type << 28;

	if (m->nrec > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "too many records");
	w |= (m->xtr_id_present ? MN_F_I : 0) | (m->rtr ? MN_F_R : 0) | m->nrec;
	if (buf_add_u32(b, w))
		return proto_fail(e, PERR_FULL, buf_len(b), "map-notify: buffer full");
	return lisp_authmsg_body_build(b, m->xtr_id_present, m->nonce, &m->auth, m->nrec, m->rec,
				       m->xtr_id, m->site_id, auth_off, e);
}
