/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/fuzz_addr.c - libFuzzer target for the address/LCAF decoder (lisp_addr_parse,
 * RFC 8060 Instance-ID and AFI-List LCAFs, unknown types skipped by length) and the mapping
 * record decoder (lisp_record_parse, RFC 9301 §5.4).
 *
 * Every input is fed to both decoders. A successful parse is made observable: the result is
 * re-encoded, the encoding is parsed again (it must be accepted and consumed exactly) and
 * re-encoded again; the two encodings must be byte-identical. A record's EID prefix must also
 * survive prefix_str -> prefix_parse. Any violation abort()s, which the fuzzer reports as a
 * crash with the input that caused it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/addr.h"
#include "proto/lisp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_addr: %s:%d: check failed: %s\n", __FILE__,          \
				__LINE__, #c);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* One record can hold 16 locators of two IPv6 addresses in LCAFs: a few KB at most. */
#define OUT_MAX 8192

static void addr_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t w1[OUT_MAX], w2[OUT_MAX];
	struct lisp_addr a1, a2;
	struct buf b, o1, o2;
	struct proto_err e;

	buf_init_read(&b, data, size);
	if (lisp_addr_parse(&b, &a1, &e) == -1) {
		CHECK(e.reason != NULL && e.code > PERR_OK && e.code < PERR__COUNT);
		return;
	}
	CHECK(a1.n <= LISP_ADDR_LIST_MAX);
	/* Everything the parser accepts, the builder can write. */
	buf_init_write(&o1, w1, sizeof(w1));
	CHECK(lisp_addr_build(&o1, &a1, &e) == 0);

	buf_as_reader(&o1, &b);
	CHECK(lisp_addr_parse(&b, &a2, &e) == 0);
	CHECK(buf_left(&b) == 0);
	CHECK(a2.n == a1.n && a2.iid == a1.iid);
	for (unsigned i = 0; i < a1.n; i++) {
		char s[IPADDR_STRLEN];
		CHECK(ipaddr_eq(&a1.addr[i], &a2.addr[i]));
		CHECK(ipaddr_str(&a1.addr[i], s, sizeof(s)) != NULL);
	}
	buf_init_write(&o2, w2, sizeof(w2));
	CHECK(lisp_addr_build(&o2, &a2, &e) == 0);
	CHECK(buf_len(&o1) == buf_len(&o2) && memcmp(w1, w2, buf_len(&o1)) == 0);
}

/* The parser accepts a locator whose address is an unknown LCAF (skipped, no address) but
 * the builder cannot write a locator without an address: such a record is not re-encoded. */
static int record_has_unknown_locator(const struct lisp_record *r)
{
	for (unsigned i = 0; i < r->nloc; i++)
		if (r->loc[i].addr.n == 0)
			return 1;
	return 0;
}

static void record_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t w1[OUT_MAX], w2[OUT_MAX];
	static struct lisp_record r1, r2;
	struct buf b, o1, o2;
	struct proto_err e;
	char s[PREFIX_STRLEN];
	struct lisp_prefix p;

	buf_init_read(&b, data, size);
	if (lisp_record_parse(&b, &r1, &e) == -1) {
		CHECK(e.reason != NULL && e.code > PERR_OK && e.code < PERR__COUNT);
		return;
	}
	CHECK(r1.nloc <= LISP_MAX_LOCATORS && r1.action <= 7 && r1.map_version <= 0xfff);
	if (r1.eid.afi != LISP_AFI_NONE && r1.eid.iid <= LISP_IID_MAX) {
		/* The text form of the EID prefix parses back to the same prefix. (The wire
		 * carries 32-bit IIDs; the text form, like the data plane, only 24 bits.) */
		CHECK(prefix_str(&r1.eid, s, sizeof(s)) != NULL);
		CHECK(prefix_parse(s, &p, false) == 0);
		CHECK(prefix_eq(&p, &r1.eid));
	}
	if (record_has_unknown_locator(&r1))
		return;
	buf_init_write(&o1, w1, sizeof(w1));
	CHECK(lisp_record_build(&o1, &r1, &e) == 0);

	buf_as_reader(&o1, &b);
	CHECK(lisp_record_parse(&b, &r2, &e) == 0);
	CHECK(buf_left(&b) == 0);
	CHECK(r2.ttl == r1.ttl && r2.nloc == r1.nloc && r2.action == r1.action &&
	      r2.authoritative == r1.authoritative && r2.map_version == r1.map_version &&
	      r2.reserved == r1.reserved && prefix_eq(&r2.eid, &r1.eid) &&
	      r2.eid_lcaf_iid == r1.eid_lcaf_iid);
	for (unsigned i = 0; i < r1.nloc; i++)
		CHECK(r2.loc[i].priority == r1.loc[i].priority &&
		      r2.loc[i].weight == r1.loc[i].weight &&
		      r2.loc[i].mpriority == r1.loc[i].mpriority &&
		      r2.loc[i].mweight == r1.loc[i].mweight &&
		      r2.loc[i].flags == r1.loc[i].flags && r2.loc[i].addr.n == r1.loc[i].addr.n);
	buf_init_write(&o2, w2, sizeof(w2));
	CHECK(lisp_record_build(&o2, &r2, &e) == 0);
	CHECK(buf_len(&o1) == buf_len(&o2) && memcmp(w1, w2, buf_len(&o1)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	addr_roundtrip(data, size);
	record_roundtrip(data, size);
	return 0;
}
