/* SPDX-License-Identifier: ISC */
/*
 * proto/map_register.c - Map-Register, type 3 (RFC 9301 §5.6), and the authenticated body
 * it shares with Map-Notify/-Ack (§5.7): nonce, authentication field, records (record.c),
 * xTR-ID/Site-ID when I=1.
 *
 *   Type=3 (4) | P | S | I | Reserved (12) | E | T | a | R | M | Record Count (8)
 *   Nonce (64)
 *   Key ID (8) | Algorithm ID (8) | Authentication Data Length (16) | Authentication Data
 *   Records ...
 *   xTR-ID (128) | Site-ID (64)                                   (only when I=1)
 *
 * Bits (bit 0 = MSB of the first word): P 4 proxy Map-Reply, S 5 LISP-SEC capable, I 6
 * xTR-ID/Site-ID present, E 19 EID-notify, T 20 use the record TTL as the registration
 * timeout, a 21 merge RLOC sets, R 22 reserved, M 23 want-map-notify. Reserved bits
 * (including lispers.net's private kid/e/F/m meanings) are sent as 0 and ignored.
 * The codec does not judge the nonce: RFC 9301 §5.6 has the ETR increase it per
 * Map-Register and the Map-Server drop one not greater than the last seen for that xTR-ID
 * and key (replay protection), which is Map-Server state (ms/replay.c). What it does hold
 * is the one nonce scale of our registrants (lisp_register_nonce).
 */
#include "proto/auth.h"
#include "proto/lisp_msg.h"

#include <stddef.h>
#include <string.h>

#define MR_F_P 0x08000000u
#define MR_F_S 0x04000000u
#define MR_F_I 0x02000000u
#define MR_F_E 0x00001000u
#define MR_F_T 0x00000800u
#define MR_F_A 0x00000400u
#define MR_F_M 0x00000100u

#define XTR_TRAILER_LEN 24 /* xTR-ID (16) + Site-ID (8) */
#define RECORD_MIN_LEN	12 /* TTL, counts, flags, version and an AFI-0 EID */

int lisp_authmsg_body_parse(struct buf *b, size_t msg_start, unsigned count, bool has_xtr,
			    const struct lisp_authmsg_body *m, struct proto_err *e)
{
	struct buf recs, trailer;
	size_t at;

	if (buf_get_u64(b, m->nonce))
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b), "nonce truncated");
	if (lisp_auth_field_parse(b, msg_start, m->auth, e) == -1)
		return -1;
	at = buf_offset(b);
	if (has_xtr) {
		if (buf_left(b) < XTR_TRAILER_LEN)
			return proto_fail(e, PERR_TRUNCATED, at, "xTR-ID/Site-ID truncated");
		if (buf_get_sub(b, buf_left(b) - XTR_TRAILER_LEN, &recs) ||
		    buf_get_sub(b, XTR_TRAILER_LEN, &trailer) ||
		    buf_get_bytes(&trailer, m->xtr_id, 16) || buf_get_u64(&trailer, m->site_id))
			return proto_fail(e, PERR_TRUNCATED, at, "xTR-ID/Site-ID truncated");
	} else {
		if (buf_get_sub(b, buf_left(b), &recs))
			return proto_fail(e, PERR_TRUNCATED, at, "records truncated");
	}
	*m->nrec = 0;
	if (count > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_LIMIT, at, "too many records");
	if ((size_t)count * RECORD_MIN_LEN > buf_left(&recs))
		return proto_fail(e, PERR_BAD_COUNT, at, "record count larger than the data");
	for (unsigned i = 0; i < count; i++) {
		if (lisp_record_parse(&recs, &m->rec[i], e) == -1) {
			if (e)
				e->offset += at; /* record offsets are relative to the view */
			return -1;
		}
		*m->nrec = (uint8_t)(i + 1);
	}
	if (buf_left(&recs) != 0)
		return proto_fail(e, PERR_TRAILING, at + buf_offset(&recs),
				  has_xtr ? "bytes between the records and the xTR-ID"
					  : "trailing bytes after the records");
	return 0;
}

int lisp_authmsg_body_build(struct buf *b, bool has_xtr, uint64_t nonce,
			    const struct lisp_auth_field *auth, unsigned nrec,
			    const struct lisp_record *rec, const uint8_t *xtr_id, uint64_t site_id,
			    size_t *auth_off, struct proto_err *e)
{
	if (nrec > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "too many records");
	if (buf_add_u64(b, nonce))
		return proto_fail(e, PERR_FULL, buf_len(b), "nonce: buffer full");
	if (lisp_auth_field_build(b, auth, auth_off, e) == -1)
		return -1;
	for (unsigned i = 0; i < nrec; i++)
		if (lisp_record_build(b, &rec[i], e) == -1)
			return -1;
	if (has_xtr && (buf_add_bytes(b, xtr_id, 16) || buf_add_u64(b, site_id)))
		return proto_fail(e, PERR_FULL, buf_len(b), "xTR-ID/Site-ID: buffer full");
	return 0;
}

int lisp_map_register_parse(struct buf *b, struct lisp_map_register *m, struct proto_err *e)
{
	size_t start = buf_offset(b);
	uint32_t w;

	/* Not the record array (32 x 872 bytes, cleared per message was most of the cost of
	 * a small Map-Register): lisp_record_parse clears each record it fills and nothing
	 * reads past nrec. */
	memset(m, 0, offsetof(struct lisp_map_register, rec));
	memset(m->xtr_id, 0, sizeof(m->xtr_id));
	m->site_id = 0;
	if (buf_get_u32(b, &w))
		return proto_fail(e, PERR_TRUNCATED, start, "map-register header truncated");
	if (w >> 28 != LISP_T_MAP_REGISTER)
		return proto_fail(e, PERR_BAD_TYPE, start, "not a map-register");
	m->proxy_reply = (w & MR_F_P) != 0;
	m->sec = (w & MR_F_S) != 0;
	m->xtr_id_present = (w & MR_F_I) != 0;
	m->eid_notify = (w & MR_F_E) != 0;
	m->use_ttl = (w & MR_F_T) != 0;
	m->merge = (w & MR_F_A) != 0;
	m->want_notify = (w & MR_F_M) != 0;
	const struct lisp_authmsg_body body = {&m->nonce, &m->auth,  &m->nrec,
					       m->rec,	  m->xtr_id, &m->site_id};
	return lisp_authmsg_body_parse(b, start, w & 0xff, m->xtr_id_present, &body, e);
}

int lisp_map_register_build(struct buf *b, const struct lisp_map_register *m, size_t *auth_off,
			    struct proto_err *e)
{
	uint32_t w = (uint32_t)LISP_T_MAP_REGISTER << 28;

	if (m->nrec > LISP_MAX_RECORDS)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "too many records");
	w |= (m->proxy_reply ? MR_F_P : 0) | (m->sec ? MR_F_S : 0) |
	     (m->xtr_id_present ? MR_F_I : 0) | (m->eid_notify ? MR_F_E : 0) |
	     (m->use_ttl ? MR_F_T : 0) | (m->merge ? MR_F_A : 0) | (m->want_notify ? MR_F_M : 0) |
	     m->nrec;
	if (buf_add_u32(b, w))
		return proto_fail(e, PERR_FULL, buf_len(b), "map-register: buffer full");
	return lisp_authmsg_body_build(b, m->xtr_id_present, m->nonce, &m->auth, m->nrec, m->rec,
				       m->xtr_id, m->site_id, auth_off, e);
}

uint64_t lisp_register_nonce(uint64_t last, uint64_t unix_ns)
{
	if (unix_ns > last)
		return unix_ns;
	return last == UINT64_MAX ? UINT64_MAX : last + 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lisp_xtr_id_parse(const char *text, uint8_t id[16])
{
	uint8_t v[16] = {0};
	size_t len;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	len = strlen(text);
	if (len == 0 || len > 32)
		return -1;
	for (size_t k = 0; k < len; k++) {
		int d = hexval(text[len - 1 - k]);
		if (d < 0)
			return -1;
		v[15 - k / 2] |= (uint8_t)(k % 2 ? d << 4 : d);
	}
	memcpy(id, v, 16);
	return 0;
}
