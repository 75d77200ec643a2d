/* SPDX-License-Identifier: ISC */
/*
 * proto/lisp_msg.h - LISP control messages of RFC 9301 §5 (with RFC 9437 pub/sub fields)
 * and the pieces they share: mapping records and locators (§5.4), the message types,
 * actions and flags. One .c file per message (map_request.c, map_reply.c,
 * map_register.c, map_notify.c, ecm.c); records and locators in record.c.
 *
 * Every parser takes a bounded reader positioned at the first byte of the message and
 * must consume it entirely (trailing bytes are PERR_TRAILING). Every builder appends to
 * a writer and fails with PERR_FULL when it runs out of room. Parsed structs have fixed
 * capacities (LISP_MAX_*); a message that exceeds them is PERR_LIMIT, never truncated.
 */
#ifndef PROTO_LISP_MSG_H
#define PROTO_LISP_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/buf.h"
#include "proto/err.h"

#define LISP_DATA_PORT	  4341
#define LISP_CONTROL_PORT 4342

enum lisp_type {
	LISP_T_RESERVED = 0,
	LISP_T_MAP_REQUEST = 1,
	LISP_T_MAP_REPLY = 2,
	LISP_T_MAP_REGISTER = 3,
	LISP_T_MAP_NOTIFY = 4,
	LISP_T_MAP_NOTIFY_ACK = 5,
	LISP_T_MAP_REFERRAL = 6,
	LISP_T_INFO = 7,
	LISP_T_ECM = 8,
};
const char *lisp_type_name(unsigned type);
/* Type of the message at the reader's position (the top 4 bits), or -1 if empty. */
int lisp_msg_type(const struct buf *b);

/* Map-Reply record ACT field (RFC 9301 §5.4) */
enum lisp_action {
	LISP_ACT_NO_ACTION = 0,
	LISP_ACT_NATIVE_FWD = 1,
	LISP_ACT_SEND_MAP_REQ = 2,
	LISP_ACT_DROP = 3,
	LISP_ACT_DROP_POLICY = 4,
	LISP_ACT_DROP_AUTH = 5,
};
const char *lisp_action_name(unsigned act);

#define LISP_MAX_RECORDS     32 /* records per Map-Reply/Register/Notify we accept */
#define LISP_MAX_LOCATORS    16 /* locators per record we accept */
#define LISP_MAX_ITR_RLOCS   32 /* IRC is 5 bits: 1..32 */
#define LISP_MAX_REQ_RECORDS 8	/* EID records in one Map-Request */
#define LISP_AUTH_MAX	     64 /* longest authentication data we accept */

#define LISP_TTL_DEFAULT     1440 /* minutes: positive mapping (24 h) */
#define LISP_TTL_NEG_NOREG   1	  /* negative reply for configured but unregistered prefix */
#define LISP_TTL_NEG_NONLISP 15	  /* negative reply for non-LISP space */

/* Locator flags (the low bits of the 16-bit "Unused Flags|L|p|R" field) */
#define LISP_LOC_F_LOCAL     0x0004 /* L */
#define LISP_LOC_F_PROBED    0x0002 /* p */
#define LISP_LOC_F_REACHABLE 0x0001 /* R */

struct lisp_locator {
	uint8_t priority; /* 255 = do not use for unicast */
	uint8_t weight;
	uint8_t mpriority;
	uint8_t mweight;
	uint16_t flags; /* whole 16-bit field as on the wire (unused bits preserved) */
	struct lisp_addr addr;
};

struct lisp_record {
	uint32_t ttl;	      /* minutes; 0 = remove; 0xffffffff = receiver decides */
	uint8_t action;	      /* enum lisp_action */
	bool authoritative;   /* A */
	uint16_t map_version; /* 12 bits */
	uint16_t reserved;    /* the 12 reserved bits after A, preserved */
	struct lisp_prefix eid;
	bool eid_lcaf_iid; /* EID was (or is to be) encoded in an Instance-ID LCAF */
	uint8_t iid_mlen;  /* that LCAF's IID mask length */
	uint8_t nloc;
	struct lisp_locator loc[LISP_MAX_LOCATORS];
};

/* One record at the reader's position (it has no length field: the locators end it).
 * Fewer bytes than Locator Count announces is PERR_BAD_COUNT, more than LISP_MAX_LOCATORS
 * is PERR_LIMIT. An EID in an unknown LCAF is PERR_BAD_LCAF. */
int lisp_record_parse(struct buf *b, struct lisp_record *r, struct proto_err *e);
int lisp_record_build(struct buf *b, const struct lisp_record *r, struct proto_err *e);
/* One locator (priority, weight, M priority, M weight, flags, address) at the reader's
 * position / appended to the writer; the record functions above use these. */
int lisp_locator_parse(struct buf *b, struct lisp_locator *l, struct proto_err *e);
int lisp_locator_build(struct buf *b, const struct lisp_locator *l, struct proto_err *e);
/* lisp_addr_build for message builders: an address that does not fit is always
 * PERR_FULL, an address that cannot be encoded at all is PERR_BAD_VALUE. */
int lisp_msg_addr_build(struct buf *b, const struct lisp_addr *a, struct proto_err *e);
/* Set eid/eid_lcaf_iid from a prefix (LCAF iff iid != 0). */
void lisp_record_set_eid(struct lisp_record *r, const struct lisp_prefix *p);

/* ---- Map-Request (type 1), RFC 9301 §5.2; I bit, N bit, xTR-ID/Site-ID from RFC 9437 ----
 * Word 0: |Type=1|A|M|P|S|p|s|R|I|Rsvd(5)|L|D|IRC(5)|Record Count(8)|. Record Count must be
 * 1..LISP_MAX_REQ_RECORDS (RFC 9301 §5.2: a sender sends exactly one; 0 is PERR_BAD_COUNT).
 * ITR-RLOCs with plain AFI 0 are PERR_BAD_AFI (nothing to reply to). Reserved bits are
 * ignored on receipt and sent as 0. */
#define LISP_MREQ_F_A	0x08000000u /* bit 4 */
#define LISP_MREQ_F_M	0x04000000u /* bit 5 */
#define LISP_MREQ_F_P	0x02000000u /* bit 6 */
#define LISP_MREQ_F_S	0x01000000u /* bit 7 */
#define LISP_MREQ_F_p	0x00800000u /* bit 8 */
#define LISP_MREQ_F_s	0x00400000u /* bit 9 */
#define LISP_MREQ_F_I	0x00100000u /* bit 11, RFC 9437 */
#define LISP_MREQ_F_L	0x00004000u /* bit 17 */
#define LISP_MREQ_F_D	0x00002000u /* bit 18 */
#define LISP_MREQ_REC_N 0x80	    /* first byte of an EID record, RFC 9437 */
struct lisp_eid_req {
	bool notify; /* N: subscribe (RFC 9437) */
	bool eid_lcaf_iid;
	uint8_t iid_mlen;
	struct lisp_prefix eid;
};

struct lisp_map_request {
	bool authoritative;  /* A */
	bool map_data;	     /* M: a map-reply record follows the EID records */
	bool probe;	     /* P: RLOC probe */
	bool smr;	     /* S */
	bool pitr;	     /* p */
	bool smr_invoked;    /* s */
	bool xtr_id_present; /* I (RFC 9437) */
	bool local_xtr;	     /* L */
	bool dont_map_reply; /* D */
	uint64_t nonce;
	struct lisp_addr source_eid;
	uint8_t n_itr_rlocs; /* 1..32 (IRC + 1) */
	struct lisp_addr itr_rlocs[LISP_MAX_ITR_RLOCS];
	uint8_t nrec;
	struct lisp_eid_req rec[LISP_MAX_REQ_RECORDS];
	struct lisp_record map_reply; /* valid when map_data */
	uint8_t xtr_id[16];	      /* valid when xtr_id_present */
	uint64_t site_id;
};
int lisp_map_request_parse(struct buf *b, struct lisp_map_request *m, struct proto_err *e);
int lisp_map_request_build(struct buf *b, const struct lisp_map_request *m, struct proto_err *e);

/* ---- Map-Reply (type 2), RFC 9301 §5.4 ----
 * Word 0: |Type=2|P|E|S|Reserved(17)|Record Count(8)|. With S=1 the bytes after the last
 * record are the LISP-SEC authentication data (RFC 9303 §6.4): the parser hands them back
 * unverified in sec_ad, the builder appends sec_ad's unread bytes. With S=0 they are
 * PERR_TRAILING. */
#define LISP_MREP_F_P 0x08000000u /* bit 4 */
#define LISP_MREP_F_E 0x04000000u /* bit 5 */
#define LISP_MREP_F_S 0x02000000u /* bit 6 */
struct lisp_map_reply {
	bool probe;	 /* P */
	bool echo_nonce; /* E */
	bool sec;	 /* S */
	uint64_t nonce;
	uint8_t nrec;
	struct lisp_record rec[LISP_MAX_RECORDS];
	struct buf sec_ad; /* S=1: reader over the LISP-SEC data (parse); bytes to append (build) */
};
int lisp_map_reply_parse(struct buf *b, struct lisp_map_reply *m, struct proto_err *e);
int lisp_map_reply_build(struct buf *b, const struct lisp_map_reply *m, struct proto_err *e);

/* ---- authentication fields shared by Map-Register, Map-Notify and Map-Notify-Ack ---- */
struct lisp_auth_field {
	uint8_t key_id; /* RFC 9301: Key ID (8) */
	uint8_t alg_id; /* RFC 9301: Algorithm ID (8), LISP_ALG_* in proto/auth.h */
	uint16_t len;	/* Authentication Data Length */
	uint8_t data[LISP_AUTH_MAX];
	size_t data_off; /* parse: offset of the auth data from the message start */
};

/* ---- Map-Register (type 3), RFC 9301 §5.6 ---- */
struct lisp_map_register {
	bool proxy_reply;    /* P */
	bool sec;	     /* S */
	bool xtr_id_present; /* I */
	bool eid_notify;     /* E */
	bool use_ttl;	     /* T */
	bool merge;	     /* a */
	bool want_notify;    /* M */
	uint64_t nonce;
	struct lisp_auth_field auth;
	uint8_t nrec;
	struct lisp_record rec[LISP_MAX_RECORDS];
	uint8_t xtr_id[16];
	uint64_t site_id;
};
/* Fills rec[0..nrec-1] only: the entries past nrec keep what they held (clearing all 32 per
 * message was most of the Map-Server's parse cost). */
int lisp_map_register_parse(struct buf *b, struct lisp_map_register *m, struct proto_err *e);
/* Writes the auth field as m->auth.len zero bytes (key/alg from m->auth) and stores its
 * offset in *auth_off (may be NULL); sign afterwards with lisp_auth_sign (proto/auth.h). */
int lisp_map_register_build(struct buf *b, const struct lisp_map_register *m, size_t *auth_off,
			    struct proto_err *e);
/* The next Map-Register nonce of a registrant of this suite (lisp-xtrd and lisp-register
 * both call this, docs/lisp-wire.md "Replay protection"): the wall clock in nanoseconds
 * since the Unix epoch (`unix_ns`, read by the caller), or last + 1 when the clock has not
 * moved past `last`. One scale for every registrant, so a registrant's nonces only grow,
 * across restarts too (as long as the clock is not set back), and two registrants of the
 * same EID are ordered by when they sent. Never 0. */
uint64_t lisp_register_nonce(uint64_t last, uint64_t unix_ns);
/* An xTR-ID as configured: 1 to 32 hex digits, optional "0x", right-aligned ("1" is
 * 00..01). 0, or -1 on anything else. */
int lisp_xtr_id_parse(const char *text, uint8_t id[16]);

/* ---- Map-Notify (type 4) and Map-Notify-Ack (type 5), RFC 9301 §5.7, RFC 9437 ---- */
#define LISP_MNOT_F_I 0x08000000u /* I: xTR-ID and Site-ID follow the records (bit 4) */
struct lisp_map_notify {
	bool ack;	     /* type 5 */
	bool xtr_id_present; /* I */
	bool rtr;	     /* R */
	uint64_t nonce;
	struct lisp_auth_field auth;
	uint8_t nrec;
	struct lisp_record rec[LISP_MAX_RECORDS];
	uint8_t xtr_id[16];
	uint64_t site_id;
};
int lisp_map_notify_parse(struct buf *b, struct lisp_map_notify *m, struct proto_err *e);
int lisp_map_notify_build(struct buf *b, const struct lisp_map_notify *m, size_t *auth_off,
			  struct proto_err *e);

/* ---- Encapsulated Control Message (type 8), RFC 9301 §5.8 ----
 * |Type=8|S|D|E|M|Reserved(24)| inner IPv4 (no fragments, options skipped) or IPv6 (no
 * extension headers) | inner UDP | LISP message. Parse checks the IP version, IPv4 IHL >= 5,
 * the IPv4 header checksum, that the IP length and the UDP length both end exactly at the
 * end of the data, protocol/next header 17 and UDP destination port 4342 (all
 * PERR_BAD_INNER). The inner UDP checksum is not verified: the outer UDP checksum covers
 * the whole ECM (RFC 9301 §5.8 requires it non-zero). S=1 (LISP-SEC, RFC 9303) is not
 * supported: PERR_BAD_VALUE on parse and build.
 * Build: inner_src/inner_dst must be both IPv4 or both IPv6; inner_ttl 0 means
 * LISP_ECM_INNER_TTL (128, what lispers.net sends); inner_dport 0 means 4342, any other
 * value but 4342 is PERR_BAD_VALUE; writes the IPv4 header checksum and the UDP checksum
 * (for IPv4 too; a computed 0 is sent as 0xffff, RFC 768). */
#define LISP_ECM_F_S	   0x08000000u /* bit 4 */
#define LISP_ECM_F_D	   0x04000000u /* bit 5 */
#define LISP_ECM_F_E	   0x02000000u /* bit 6 */
#define LISP_ECM_F_M	   0x01000000u /* bit 7 */
#define LISP_ECM_INNER_TTL 128
struct lisp_ecm {
	bool sec;    /* S */
	bool ddt;    /* D */
	bool to_etr; /* E */
	bool to_ms;  /* M */
	struct ipaddr inner_src;
	struct ipaddr inner_dst;
	uint16_t inner_sport;
	uint16_t inner_dport; /* must be 4342 */
	uint8_t inner_ttl;
	struct buf payload; /* parse: reader over the inner LISP message */
};
int lisp_ecm_parse(struct buf *b, struct lisp_ecm *m, struct proto_err *e);
/* Builds header + inner IP/UDP around `payload` (a reader over an encoded message). */
int lisp_ecm_build(struct buf *b, const struct lisp_ecm *m, const struct buf *payload,
		   struct proto_err *e);

#endif
