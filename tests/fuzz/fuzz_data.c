/* SPDX-License-Identifier: ISC */
/*
 * tests/fuzz/fuzz_data.c - libFuzzer target for the LISP data-plane header decoder
 * (lisp_data_parse, RFC 9300 §5.3, map-versions RFC 9302, key bits RFC 8061).
 *
 * The input is a UDP 4341 payload: the 8-byte header and the inner packet. A successful
 * parse is made observable: the header must leave the reader exactly 8 bytes on, and the
 * re-encoding must equal the received header with the reserved R bit cleared (the format
 * has no other freedom), parse again to the same fields and re-encode identically. Any
 * violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/lisp_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_data: %s:%d: check failed: %s\n", __FILE__,          \
				__LINE__, #c);                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lisp_data_hdr h1, h2;
	uint8_t w1d[LISP_DATA_HLEN], w2d[LISP_DATA_HLEN], want[LISP_DATA_HLEN];
	struct buf b, w1, w2;
	struct proto_err e;

	buf_init_read(&b, data, size);
	if (lisp_data_parse(&b, &h1, &e) == -1) {
		CHECK(e.reason != NULL && e.code > PERR_OK && e.code < PERR__COUNT);
		CHECK(size < LISP_DATA_HLEN || (data[0] & (LISP_DATA_F_N | LISP_DATA_F_V)) ==
						   (LISP_DATA_F_N | LISP_DATA_F_V));
		return 0;
	}
	CHECK(size >= LISP_DATA_HLEN && buf_offset(&b) == LISP_DATA_HLEN);
	CHECK(!(h1.flags & ~LISP_DATA_FLAGS) && h1.key_id <= 3 && h1.nonce <= 0xffffff);
	CHECK((h1.flags & LISP_DATA_F_I) ? h1.iid <= 0xffffff && h1.lsb <= 0xff : h1.iid == 0);

	buf_init_write(&w1, w1d, sizeof(w1d));
	CHECK(lisp_data_build(&w1, &h1, &e) == 0);
	CHECK(buf_len(&w1) == LISP_DATA_HLEN);
	memcpy(want, data, LISP_DATA_HLEN);
	want[0] &= (uint8_t)~LISP_DATA_F_R;
	CHECK(memcmp(w1d, want, LISP_DATA_HLEN) == 0);

	buf_as_reader(&w1, &b);
	CHECK(lisp_data_parse(&b, &h2, &e) == 0);
	CHECK(h2.flags == h1.flags && h2.key_id == h1.key_id && h2.nonce == h1.nonce &&
	      h2.src_version == h1.src_version && h2.dst_version == h1.dst_version &&
	      h2.iid == h1.iid && h2.lsb == h1.lsb);
	buf_init_write(&w2, w2d, sizeof(w2d));
	CHECK(lisp_data_build(&w2, &h2, &e) == 0);
	CHECK(memcmp(w1d, w2d, LISP_DATA_HLEN) == 0);
	return 0;
}
