/* SPDX-License-Identifier: ISC */
/*
 * proto/flowhash.h - the steps of the flow hash (murmur3's mixing and finalizer), shared by
 * pkt_flow_hash (proto/pkt.c) and the in-kernel fast path (xtr/bpf/xtr_fastpath.bpf.c): both
 * must choose the same locator and UDP source port for a flow, bit for bit. Plain C on
 * linux/types.h alone, so that clang's BPF target compiles it too.
 */
#ifndef PROTO_FLOWHASH_H
#define PROTO_FLOWHASH_H

#include <linux/types.h>

#define FLOWHASH_INLINE static inline __attribute__((always_inline))

FLOWHASH_INLINE __u32 flowhash_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One 32-bit word into the hash. */
FLOWHASH_INLINE __u32 flowhash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = flowhash_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = flowhash_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* Four bytes in network order as a word. */
FLOWHASH_INLINE __u32 flowhash_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* The finalizer; never 0 (0 means "no hash" to the callers). */
FLOWHASH_INLINE __u32 flowhash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h ? h : 1;
}

#endif
