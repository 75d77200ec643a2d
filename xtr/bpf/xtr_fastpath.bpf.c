/* SPDX-License-Identifier: ISC OR GPL-2.0-only */
/*
 * xtr/bpf/xtr_fastpath.bpf.c - the in-kernel fast path of lisp-xtrd: one TC program
 * (clsact ingress, direct action) on the site's and the underlay's devices that takes the
 * common cases of the user-space data plane (xtr/data.c) in the kernel and leaves every
 * other packet to it (TC_ACT_UNSPEC: the next filter, then the kernel): the kernel routes it into
 * the TUN device or to the UDP 4341 socket exactly as without the program. Design:
 * docs/architecture.md "In-kernel fast path".
 *
 * - ITR (and the D-ETR's PITR role): an IP packet the kernel would route into the TUN device
 *   (bpf_fib_lookup from the receiving device) whose destination has a positive map-cache
 *   entry (fp_hosts, then fp_prefixes) is encapsulated here as the user-space path does
 *   (RFC 9300 §5.3): inner TTL decremented as the kernel's forwarding would, outer IPv4 (TTL
 *   of the system, DF clear, UDP checksum 0) or IPv6 (UDP checksum computed), UDP source
 *   port 49152 + flow hash % 16384, LISP header N=1 with a nonce, I=1 with the instance ID,
 *   locator by priority then weight with the daemon's flow hash (pkt_flow_hash,
 *   xtr_select_locator); then routed (bpf_fib_lookup) and redirected to the underlay.
 *   Super-packets (GSO) stay whole: bpf_skb_adjust_room with the ENCAP flags marks them UDP
 *   tunnel GSO and the kernel (or the NIC) cuts them at the last moment.
 * - ETR: LISP data (UDP data-port to one of our RLOCs) for a local EID (fp_db) of our
 *   instance ID is decapsulated here and handed to the EID's route as if it came out of the
 *   TUN device (inner TTL decremented, bpf_fib_lookup from the TUN's ifindex, redirect).
 * - D-ETR (mode representative): LISP data for the aggregate or a BGP host mapping is
 *   re-encapsulated by rewriting the outer headers in place (no payload copy), to the
 *   locator of the mapping, with the same checks as xtr_etr_decide (no open relay).
 *
 * Everything else continues: misses, negative and pending entries, packets that do not fit
 * (MTU), TTL 1, IPv4 options, IPv6 extension headers, fragments at the ETR, super-packets
 * the ETR cannot decapsulate (the kernel has no way to clear their tunnel GSO state),
 * foreign instance IDs, outer checksums it cannot verify, routes it cannot use. Each is
 * counted by reason (fp_stats). Packet bytes are copied out and written back with
 * bpf_skb_load_bytes/bpf_skb_store_bytes: no structure is laid over packet memory and
 * non-linear packets need no special case.
 *
 * Checksums: a locally sent TCP/UDP packet may carry a partial checksum (only the
 * pseudo-header sum, CHECKSUM_PARTIAL) that the sending device completes; across veth it
 * never is. The programs leave it so when they forward, compute an outer IPv6 UDP checksum
 * for the bytes as they will be once completed, and complete it before a LISP packet goes
 * up to the daemon's socket (user space would read it as it is). Dual licensed: the
 * kernel's bpf_fib_lookup is GPL-only.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "proto/flowhash.h"
#include "xtr/bpf/fastpath.h"

/* Flags of newer kernels than the headers of the build machine may know (uapi values). */
#define FP_ADJ_FIXED_GSO     (1ULL << 0)
#define FP_ADJ_ENCAP_L3_IPV4 (1ULL << 1)
#define FP_ADJ_ENCAP_L3_IPV6 (1ULL << 2)
#define FP_ADJ_ENCAP_L4_UDP  (1ULL << 4)
#define FP_ADJ_DECAP_L3_IPV4 (1ULL << 7)
#define FP_ADJ_DECAP_L3_IPV6 (1ULL << 8)
#define FP_ADJ_ENCAP_L2(len) (((__u64)(len)&0xff) << 56)
#define FP_FIB_SUCCESS	     0
#define FP_FIB_NO_NEIGH	     7
#define FP_CSUM_LEVEL_QUERY  0
#define FP_F_RECOMPUTE_CSUM  1

/* "not ours": the next filter, else the kernel as if the program were not there */
#define FP_PASS TC_ACT_UNSPEC

#define FP_SLOW_NS 200000000ULL /* 200 ms */

#define ETH_HLEN_ 14
#define LISP_HLEN 16 /* UDP + LISP */
#define OVH4	  36
#define OVH6	  56
#define PROTO_TCP 6
#define PROTO_UDP 17

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ------------------------------------------------------------------ maps */

/* the configuration: a global the daemon writes through the memory-mapped .data section */
struct fp_cfg fp_config = {0};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* sized by lisp-xtrd before loading */
	__type(key, struct fp_host_key);
	__type(value, struct fp_entry);
} fp_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024); /* sized by lisp-xtrd before loading */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fp_lpm_key);
	__type(value, struct fp_entry);
} fp_prefixes SEC(".maps");

/* the database: local EIDs (site) or the aggregate (D-ETR) */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fp_lpm_key);
	__type(value, __u32);
} fp_db SEC(".maps");

/* the D-ETR's tenants: instance IDs served besides the configuration's (xtr_serves_iid) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64); /* XTR_MAX_TENANTS */
	__type(key, __u32);
	__type(value, __u32);
} fp_iids SEC(".maps");

/* the D-ETR's <client> rules: a PITR packet's source prefix -> its tenant's instance ID
 * (xtr_tenant_of; keys with instance ID 0) */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256); /* XTR_MAX_CLIENTS */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fp_lpm_key);
	__type(value, __u32);
} fp_clients SEC(".maps");

/* devices a packet may be redirected to (Ethernet, in this namespace) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} fp_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FP_RLOC_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fp_rloc);
} fp_rloc_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024); /* sized by lisp-xtrd before loading */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fp_use);
} fp_use SEC(".maps");

/* remote ITRs whose packets were delivered here (SMR targets, RFC 9301 §6.1) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FP_SEEN_MAX);
	__type(key, struct fp_addr);
	__type(value, __u64);
} fp_seen SEC(".maps");

/* inner flows (flow hash) whose super-packets went up to the daemon lately: the rest of
 * such a flow follows them there for a while, in order (FP_SLOW_NS) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} fp_slow SEC(".maps");
/* until when fp_slow may hold a flow (no lookup on the fast path otherwise) */
__u64 fp_slow_until = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_counters);
} fp_stats SEC(".maps");

/* ------------------------------------------------------------------ work area */

struct inner {
	__u8 ver; /* 4 or 6 */
	__u8 proto;
	__u8 ttl;
	__u8 frag;
	__u8 has_ports;
	__u8 pad;
	__u16 hlen; /* 20 or 40 (no options, no extension headers) */
	__u16 tot_len;
	__u16 sport, dport;
	__u16 l4hlen; /* TCP: data offset * 4; UDP: 8; else 0 */
	__u16 l4csum; /* TCP/UDP checksum field (memory order) */
	__u16 pad2;
	__u8 h[40]; /* the IP header as read */
};

struct route {
	__u32 ifindex;
	__u32 neigh; /* 1: bpf_redirect_neigh resolves the next hop */
	__u8 smac[6], dmac[6];
	struct bpf_redir_neigh nh;
};

/* What one run of the program works on (the stack holds 512 bytes). */
struct work {
	struct inner in;
	struct route rt;
	struct bpf_fib_lookup p;
	struct fp_host_key hk;
	struct fp_lpm_key lk;
	struct fp_addr ak;
	__u8 eh[ETH_HLEN_];
	__u8 oh[40];	    /* outer IP header (ETR) */
	__u8 uh[LISP_HLEN]; /* outer UDP + LISP header (ETR) */
	__u8 l4[20];
	__u8 b[ETH_HLEN_ + OVH6]; /* the new outer headers */
	__u8 up[FP_MAX_LOC];
	struct fp_addr seen;   /* the last remote ITR noted in fp_seen from this CPU ... */
	__u64 seen_ns;	       /* ... and when */
	__u8 src[16], dst[16]; /* addresses to route, outer addresses to build */
	__u32 fam;	       /* ... their family */
	__u32 iid;	       /* the packet's instance ID (the LISP header's, the entry's) */
	__u8 sb[512];	       /* checksum scratch */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct work);
} fp_work SEC(".maps");

/* ------------------------------------------------------------------ small helpers */

static __always_inline void count2(__u32 i, __u64 n, __u32 j, __u64 m)
{
	__u32 zero = 0;
	struct fp_counters *c = bpf_map_lookup_elem(&fp_stats, &zero);
	barrier_var(i);
	barrier_var(j);
	if (c && i < FP_ST__COUNT && j < FP_ST__COUNT) {
		c->c[i] += n;
		c->c[j] += m;
	}
}

static __always_inline void count(__u32 i, __u64 n)
{
	__u32 zero = 0;
	struct fp_counters *c = bpf_map_lookup_elem(&fp_stats, &zero);
	barrier_var(i);
	if (c && i < FP_ST__COUNT)
		c->c[i] += n;
}

static __always_inline int pass(__u32 why)
{
	count(why, 1);
	return FP_PASS;
}

static __always_inline __u16 rd16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

static __always_inline void wr16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/* A 16-bit word of the buffer as the one's complement sum sees it (memory order). */
static __always_inline __u32 mo16(const __u8 *p)
{
	__u16 v;
	__builtin_memcpy(&v, p, 2);
	return v;
}

static __always_inline __u16 fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* The sum of n bytes (n a constant, even, at most 40). */
static __always_inline __u32 sum_bytes(const __u8 *p, const int n)
{
	__u32 s = 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < n; i += 2)
		s += mo16(p + i);
	return s;
}

static __always_inline __u32 sum_hdr(const struct inner *in)
{
	return in->ver == 4 ? sum_bytes(in->h, 20) : sum_bytes(in->h, 40);
}

/* One's complement sum (memory order, folded) of `len` packet bytes from `off`, which must
 * be even relative to the start of what is summed. -1 when it cannot be read. The programs'
 * big steps are global functions: the verifier checks each once, not on every path. */
__noinline __s64 fp_sum(struct __sk_buff *skb, struct work *w, __u32 off, __u32 len)
{
	__u64 s = 0;

	if (!w || len > FP_MAX_LEN)
		return -1;
	for (int i = 0; i < FP_MAX_LEN / 256; i++) {
		if (len == 0)
			break;
		__u64 n = len > 256 ? 256 : len;
		barrier_var(n);
		n &= 0x1ff;
		if (n == 0)
			return -1;
		__u64 n4 = (n + 3) & 0x1fc;
		if (n4 < 4)
			return -1;
		/* the bytes after the last one up to a multiple of 4 count as zero */
		*(__u32 *)&w->sb[(n4 - 4) & 0x1fc] = 0;
		if (bpf_skb_load_bytes(skb, off, w->sb, n))
			return -1;
		__s64 r = bpf_csum_diff(0, 0, (__be32 *)w->sb, n4, 0);
		if (r < 0)
			return -1;
		s += (__u64)r;
		off += n;
		len -= n;
	}
	if (len)
		return -1;
	return (__s64)fold(s);
}

/* ------------------------------------------------------------------ inner header */

/* Read and check the IP header at `off`, `avail` bytes to the end of the carrier, into
 * w->in. 0, or the counter of why it is left alone. The checks are those of the kernel's
 * receive path before it forwards (so the fast path never forwards what the kernel would
 * drop) and of the daemon's parser (pkt_parse_ip). */
__noinline int fp_inner(struct __sk_buff *skb, struct work *w, __u32 off, __u32 avail)
{
	if (!w)
		return FP_ST_PASS_HEADER;
	struct inner *in = &w->in;
	__u8 *h = in->h;

	if (avail < 20 || bpf_skb_load_bytes(skb, off, h, 20))
		return FP_ST_PASS_HEADER;
	in->ver = h[0] >> 4;
	if (in->ver == 4) {
		if (h[0] != 0x45) /* options: the kernel's forwarding processes them */
			return FP_ST_PASS_HEADER;
		if (fold(sum_bytes(h, 20)) != 0xffff)
			return FP_ST_PASS_HEADER;
		in->hlen = 20;
		in->tot_len = rd16(h + 2);
		if (in->tot_len < 20 || in->tot_len > avail)
			return FP_ST_PASS_HEADER;
		in->frag = (rd16(h + 6) & 0x3fff) != 0;
		in->ttl = h[8];
		in->proto = h[9];
		/* martians: zero, loopback, multicast and class E sources and destinations,
		 * link-local destinations */
		if (h[12] == 0 || h[12] == 127 || h[12] >= 224 || h[16] == 0 || h[16] == 127 ||
		    h[16] >= 224 || (h[16] == 169 && h[17] == 254))
			return FP_ST_PASS_HEADER;
	} else if (in->ver == 6) {
		if (avail < 40 || bpf_skb_load_bytes(skb, off, h, 40))
			return FP_ST_PASS_HEADER;
		__u16 plen = rd16(h + 4);
		if (plen == 0 || (__u32)plen + 40 > avail)
			return FP_ST_PASS_HEADER;
		in->hlen = 40;
		in->tot_len = plen + 40;
		in->frag = 0;
		in->proto = h[6];
		in->ttl = h[7];
		/* extension headers the daemon's parser walks (0, 43, 44, 51, 60): left to it */
		if (in->proto == 0 || in->proto == 43 || in->proto == 44 || in->proto == 51 ||
		    in->proto == 60)
			return FP_ST_PASS_HEADER;
		/* multicast or link-local source or destination */
		if (h[8] == 0xff || (h[8] == 0xfe && (h[9] & 0xc0) == 0x80) || h[24] == 0xff ||
		    (h[24] == 0xfe && (h[25] & 0xc0) == 0x80))
			return FP_ST_PASS_HEADER;
		/* unspecified or loopback source or destination */
		int zs = 1, zd = 1;
#pragma clang loop unroll(full)
		for (int i = 0; i < 15; i++) {
			zs &= h[8 + i] == 0;
			zd &= h[24 + i] == 0;
		}
		if ((zs && h[23] <= 1) || (zd && h[39] <= 1))
			return FP_ST_PASS_HEADER;
	} else {
		return FP_ST_PASS_HEADER;
	}
	in->has_ports = 0;
	in->l4hlen = 0;
	in->l4csum = 0;
	in->sport = in->dport = 0;
	if (in->frag)
		return 0;
	__u32 l4len = in->tot_len - in->hlen;
	if (in->proto == PROTO_TCP) {
		if (l4len < 20 || bpf_skb_load_bytes(skb, off + in->hlen, w->l4, 20))
			return FP_ST_PASS_HEADER;
		in->l4hlen = (w->l4[12] >> 4) * 4;
		if (in->l4hlen < 20 || in->l4hlen > l4len)
			return FP_ST_PASS_HEADER;
		in->l4csum = (__u16)mo16(w->l4 + 16);
	} else if (in->proto == PROTO_UDP) {
		if (l4len < 8 || bpf_skb_load_bytes(skb, off + in->hlen, w->l4, 8))
			return FP_ST_PASS_HEADER;
		in->l4hlen = 8;
		in->l4csum = (__u16)mo16(w->l4 + 6);
	} else if (in->proto == 132) {
		/* SCTP: its CRC may be left to the device (CHECKSUM_PARTIAL) */
		return FP_ST_PASS_HEADER;
	} else {
		return 0;
	}
	in->sport = rd16(w->l4);
	in->dport = rd16(w->l4 + 2);
	in->has_ports = 1;
	return 0;
}

/* The pseudo-header sum of the inner TCP/UDP segment (memory order, folded). */
static __always_inline __u16 inner_pseudo(const struct inner *in)
{
	__u32 l4len = in->tot_len - in->hlen;
	__u32 s = bpf_htons(in->proto) + bpf_htons((__u16)l4len);

	if (in->ver == 4)
		s += sum_bytes(in->h + 12, 8);
	else
		s += sum_bytes(in->h + 8, 32);
	return fold(s);
}

/* Does the inner checksum field hold only the pseudo-header sum (left to the device)? */
static __always_inline int inner_partial(const struct inner *in)
{
	if (in->frag || (in->proto != PROTO_TCP && in->proto != PROTO_UDP))
		return 0;
	if (in->proto == PROTO_UDP && in->l4csum == 0)
		return 0;
	__u16 p = inner_pseudo(in);
	return in->l4csum == p || (p == 0xffff && in->l4csum == 0) ||
	       (p == 0 && in->l4csum == 0xffff);
}

/* The sum of the inner packet at `off` once its checksum is complete, and that checksum
 * (*fin, memory order; the field as it is when nothing is to complete). -1 when it cannot
 * be summed. The header's part comes from in->h. */
static __always_inline __s64 inner_sum(struct __sk_buff *skb, struct work *w, __u32 off, __u16 *fin)
{
	struct inner *in = &w->in;
	__s64 l4 = fp_sum(skb, w, off + in->hlen, in->tot_len - in->hlen);

	if (l4 < 0)
		return -1;
	__u64 s = (__u64)l4;
	*fin = in->l4csum;
	if (inner_partial(in)) {
		__u16 c = (__u16)~fold(s); /* what the device would write */
		if (in->proto == PROTO_UDP && c == 0)
			c = 0xffff;
		*fin = c;
		s = s + (__u16)~in->l4csum + c;
	}
	return (__s64)fold(s + sum_hdr(in));
}

/* ------------------------------------------------------------------ flow hash */

/* proto/pkt.c pkt_flow_hash, bit for bit (the steps in proto/flowhash.h) */
static __always_inline __u32 flow_hash(const struct inner *in, __u32 seed)
{
	__u32 h = seed;

	if (in->ver == 4) {
		h = flowhash_mix(h, flowhash_be32(in->h + 12));
		h = flowhash_mix(h, flowhash_be32(in->h + 16));
	} else {
#pragma clang loop unroll(full)
		for (int i = 0; i < 16; i += 4) {
			h = flowhash_mix(h, flowhash_be32(in->h + 8 + i));
			h = flowhash_mix(h, flowhash_be32(in->h + 24 + i));
		}
	}
	h = flowhash_mix(h, ((__u32)in->proto << 16) | in->ver);
	if (in->has_ports)
		h = flowhash_mix(h, ((__u32)in->sport << 16) | in->dport);
	return flowhash_final(h);
}

/* ------------------------------------------------------------------ map-cache */

static __always_inline void key_lpm(struct work *w, __u32 iid)
{
	struct fp_lpm_key *k = &w->lk;
	const struct inner *in = &w->in;

	__builtin_memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + (in->ver == 4 ? 32 : 128);
	k->iid[0] = (__u8)(iid >> 16);
	k->iid[1] = (__u8)(iid >> 8);
	k->iid[2] = (__u8)iid;
	k->fam = in->ver;
	if (in->ver == 4)
		__builtin_memcpy(k->a, in->h + 16, 4);
	else
		__builtin_memcpy(k->a, in->h + 24, 16);
}

/* The entry for the inner destination: a host entry, else the longest prefix. */
static __always_inline struct fp_entry *cache_lookup(struct work *w, __u32 iid)
{
	struct fp_host_key *k = &w->hk;
	const struct inner *in = &w->in;
	struct fp_entry *e;

	__builtin_memset(k, 0, sizeof(*k));
	k->iid = iid;
	k->fam = in->ver;
	if (in->ver == 4)
		__builtin_memcpy(k->a, in->h + 16, 4);
	else
		__builtin_memcpy(k->a, in->h + 24, 16);
	e = bpf_map_lookup_elem(&fp_hosts, k);
	if (e)
		return e;
	key_lpm(w, iid);
	return bpf_map_lookup_elem(&fp_prefixes, &w->lk);
}

static __always_inline int db_local(struct work *w, __u32 iid)
{
	key_lpm(w, iid);
	return bpf_map_lookup_elem(&fp_db, &w->lk) != 0;
}

static __always_inline int addr_eq(const __u8 *a, const __u8 *b, __u8 fam)
{
	__u32 x[4], y[4];

	if (fam == 4) {
		__builtin_memcpy(x, a, 4);
		__builtin_memcpy(y, b, 4);
		return x[0] == y[0];
	}
	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* One of our RLOCs (one per family: the configuration's)? */
static __always_inline int own_rloc(const struct fp_cfg *cfg, __u8 fam, const __u8 *a)
{
	if (fam == 4)
		return cfg->has4 && addr_eq(cfg->rloc4, a, 4);
	return cfg->has6 && addr_eq(cfg->rloc6, a, 6);
}

static __always_inline int loc_usable(const struct fp_loc *l)
{
	if (l->priority == 255)
		return 0;
	if (l->rloc_idx >= FP_RLOC_SLOTS)
		return 1;
	__u32 i = l->rloc_idx;
	struct fp_rloc *r = bpf_map_lookup_elem(&fp_rloc_state, &i);
	return !r || r->up;
}

/* xtr/mapcache.c xtr_select_locator: the best priority among the usable locators, then a
 * weighted pick with the flow hash. Index, or -1. */
__noinline int fp_select(struct work *w, struct fp_entry *e, __u32 hash)
{
	__u32 best = 256, n = 0, wsum = 0;

	if (!w || !e)
		return -1;
#pragma clang loop unroll(full)
	for (int i = 0; i < FP_MAX_LOC; i++) {
		w->up[i] = i < e->nloc && loc_usable(&e->loc[i]);
		if (w->up[i] && e->loc[i].priority < best)
			best = e->loc[i].priority;
	}
	if (best == 256)
		return -1;
#pragma clang loop unroll(full)
	for (int i = 0; i < FP_MAX_LOC; i++)
		if (w->up[i] && e->loc[i].priority == best) {
			n++;
			wsum += e->loc[i].weight;
		}
	if (n == 0)
		return -1;
	__u32 pick = wsum ? hash % wsum : hash % n;
#pragma clang loop unroll(full)
	for (int i = 0; i < FP_MAX_LOC; i++) {
		if (!w->up[i] || e->loc[i].priority != best)
			continue;
		__u32 wt = wsum ? e->loc[i].weight : 1;
		if (pick < wt)
			return i;
		pick -= wt;
	}
	return -1;
}

static __always_inline void note_use(const struct fp_entry *e, const struct fp_loc *l, __u64 pkts,
				     __u64 bytes, __u64 now)
{
	if (e->slot != FP_NO_SLOT) {
		__u32 s = e->slot;
		struct fp_use *u = bpf_map_lookup_elem(&fp_use, &s);
		if (u) {
			__sync_fetch_and_add(&u->packets, pkts);
			__sync_fetch_and_add(&u->bytes, bytes);
		}
	}
	if (l->rloc_idx < FP_RLOC_SLOTS) {
		__u32 i = l->rloc_idx;
		struct fp_rloc *r = bpf_map_lookup_elem(&fp_rloc_state, &i);
		/* written at most every 100 ms: one shared cache line per locator */
		if (r && now - r->last_ns > 100000000ULL)
			r->last_ns = now;
	}
}

/* ------------------------------------------------------------------ output */

/* Route w->dst (from w->src, family w->fam) as the kernel would forward it when received on `iif`,
 * into w->rt. 0, or the counter of why not. tot_len 0: no MTU check (super-packets: the caller
 * checks their segments). */
__noinline int fp_route(struct __sk_buff *skb, struct work *w, __u32 iif, __u32 tot_len,
			__u32 tun_ifindex)
{
	if (!w)
		return FP_ST_PASS_ROUTE;
	__u32 fam = w->fam;
	struct bpf_fib_lookup *p = &w->p;
	struct route *r = &w->rt;

	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = iif;
	p->tot_len = (__u16)tot_len;
	if (fam == 4) {
		p->family = 2; /* AF_INET */
		__builtin_memcpy(&p->ipv4_src, w->src, 4);
		__builtin_memcpy(&p->ipv4_dst, w->dst, 4);
	} else {
		p->family = 10; /* AF_INET6 */
		__builtin_memcpy(p->ipv6_src, w->src, 16);
		__builtin_memcpy(p->ipv6_dst, w->dst, 16);
	}
	long rc = bpf_fib_lookup(skb, p, sizeof(*p), 0);
	if (rc != FP_FIB_SUCCESS && rc != FP_FIB_NO_NEIGH)
		return rc == 4 /* FRAG_NEEDED */ ? FP_ST_PASS_MTU : FP_ST_PASS_ROUTE;
	__u32 oif = p->ifindex;
	if (oif == tun_ifindex || !bpf_map_lookup_elem(&fp_ifaces, &oif))
		return FP_ST_PASS_ROUTE;
	r->ifindex = oif;
	r->neigh = rc == FP_FIB_NO_NEIGH;
	__builtin_memcpy(r->smac, p->smac, 6);
	__builtin_memcpy(r->dmac, p->dmac, 6);
	__builtin_memset(&r->nh, 0, sizeof(r->nh));
	if (fam == 4) {
		r->nh.nh_family = 2;
		r->nh.ipv4_nh = p->ipv4_dst; /* the next hop the lookup chose */
	} else {
		r->nh.nh_family = 10;
		__builtin_memcpy(r->nh.ipv6_nh, p->ipv6_dst, 16);
	}
	return 0;
}

/* The outer addresses: our RLOC of the family and the locator. */
static __always_inline void set_addrs(struct work *w, const struct fp_cfg *cfg, __u8 fam,
				      const __u8 *dst)
{
	w->fam = fam;
	if (fam == 4) {
		__builtin_memcpy(w->src, cfg->rloc4, 4);
		__builtin_memcpy(w->dst, dst, 4);
	} else {
		__builtin_memcpy(w->src, cfg->rloc6, 16);
		__builtin_memcpy(w->dst, dst, 16);
	}
}

static __always_inline long redirect(struct work *w)
{
	if (w->rt.neigh)
		return bpf_redirect_neigh(w->rt.ifindex, &w->rt.nh, sizeof(w->rt.nh), 0);
	return bpf_redirect(w->rt.ifindex, 0);
}

/* Ethernet header for the output (MACs from the route; bpf_redirect_neigh writes them). */
static __always_inline void eth_hdr(__u8 *b, const struct route *r, __u8 fam)
{
	__builtin_memcpy(b, r->dmac, 6);
	__builtin_memcpy(b + 6, r->smac, 6);
	wr16(b + 12, fam == 4 ? ETH_P_IP : ETH_P_IPV6);
}

/* The UDP + LISP header of xtr_encap_header: N with the nonce, I with the instance ID. */
static __always_inline void lisp_hdr(__u8 *b, __u16 sport, __u16 dport, __u16 inner_len, __u32 iid,
				     __u32 nonce)
{
	wr16(b, sport);
	wr16(b + 2, dport);
	wr16(b + 4, (__u16)(LISP_HLEN + inner_len));
	wr16(b + 6, 0);
	b[8] = (__u8)(0x80 | (iid ? 0x08 : 0));
	b[9] = (__u8)(nonce >> 16);
	b[10] = (__u8)(nonce >> 8);
	b[11] = (__u8)nonce;
	if (iid) {
		b[12] = (__u8)(iid >> 16);
		b[13] = (__u8)(iid >> 8);
		b[14] = (__u8)iid;
	} else {
		b[12] = b[13] = b[14] = 0;
	}
	b[15] = 0;
}

static __always_inline void ip4_hdr(__u8 *b, const __u8 *src, const __u8 *dst, __u16 tot_len,
				    __u8 ttl)
{
	__u16 id = (__u16)bpf_get_prandom_u32();

	b[0] = 0x45;
	b[1] = 0;
	wr16(b + 2, tot_len);
	wr16(b + 4, id);
	wr16(b + 6, 0); /* DF clear, as the daemon's raw socket sends it */
	b[8] = ttl;
	b[9] = PROTO_UDP;
	wr16(b + 10, 0);
	__builtin_memcpy(b + 12, src, 4);
	__builtin_memcpy(b + 16, dst, 4);
	__u16 c = (__u16)~fold(sum_bytes(b, 20));
	__builtin_memcpy(b + 10, &c, 2);
}

static __always_inline void ip6_hdr(__u8 *b, const __u8 *src, const __u8 *dst, __u16 plen,
				    __u8 hlim, __u32 flow)
{
	b[0] = 0x60;
	b[1] = (__u8)((flow >> 16) & 0x0f);
	b[2] = (__u8)(flow >> 8);
	b[3] = (__u8)flow;
	wr16(b + 4, plen);
	b[6] = PROTO_UDP;
	b[7] = hlim;
	__builtin_memcpy(b + 8, src, 16);
	__builtin_memcpy(b + 24, dst, 16);
}

/* The outer IPv6 UDP checksum for header b (IPv6 + UDP + LISP, UDP checksum 0) and an
 * inner packet whose complete sum is `isum`. */
static __always_inline __u16 udp6_csum(const __u8 *b, __u16 isum)
{
	__u16 udp_len = rd16(b + 40 + 4);
	__u32 s = sum_bytes(b + 8, 32) + bpf_htons(udp_len) + bpf_htons(PROTO_UDP);

	s += sum_bytes(b + 40, 16) + isum;
	__u16 c = (__u16)~fold(s);
	return c ? c : 0xffff;
}

/* The inner header after the TTL / hop-limit decrement of forwarding (IPv4: RFC 1624). */
static __always_inline void dec_ttl(struct inner *in)
{
	if (in->ver == 4) {
		__u32 c = (__u16)~mo16(in->h + 10);
		__u32 old = mo16(in->h + 8);
		in->h[8]--;
		c += (__u16)~old + mo16(in->h + 8);
		__u16 n = (__u16)~fold(c);
		__builtin_memcpy(in->h + 10, &n, 2);
	} else {
		in->h[7]--;
	}
}

/* The segments of a (super-)packet and the bytes the daemon would count for them. */
static __always_inline __u32 segs(struct __sk_buff *skb, const struct inner *in, __u32 *bytes)
{
	__u32 hdrs = in->hlen + in->l4hlen;
	__u32 g = skb->gso_size;

	if (g == 0 || in->tot_len <= hdrs) {
		*bytes = in->tot_len;
		return 1;
	}
	__u32 n = (in->tot_len - hdrs + g - 1) / g;
	*bytes = in->tot_len + (n - 1) * hdrs;
	return n;
}

/* The new outer headers in w->b: Ethernet, IP, UDP, LISP from w->src to w->dst; IPv6 with
 * its UDP checksum for the inner packet at `ioff` (w->in, TTL already decremented). 0 or
 * -1. */
__noinline int fp_build(struct __sk_buff *skb, struct work *w, struct fp_cfg *cfg, __u32 hash,
			__u32 ioff)
{
	if (!w || !cfg)
		return -1;
	__u32 fam = w->fam;
	__u32 nonce = (hash ^ (__u32)(bpf_ktime_get_ns() >> 10)) & 0xffffff;
	__u16 sport = (__u16)(49152 + (hash & 0x3fff));
	__u16 ilen = w->in.tot_len;

	eth_hdr(w->b, &w->rt, fam);
	if (fam == 4) {
		ip4_hdr(w->b + ETH_HLEN_, w->src, w->dst, (__u16)(ilen + OVH4), cfg->ttl4);
		lisp_hdr(w->b + ETH_HLEN_ + 20, sport, cfg->data_port, ilen, w->iid,
			 nonce ? nonce : 1);
		return 0;
	}
	ip6_hdr(w->b + ETH_HLEN_, w->src, w->dst, (__u16)(LISP_HLEN + ilen), cfg->hlim6, hash);
	lisp_hdr(w->b + ETH_HLEN_ + 40, sport, cfg->data_port, ilen, w->iid, nonce ? nonce : 1);
	__u16 fin;
	__s64 is = inner_sum(skb, w, ioff, &fin);
	if (is < 0)
		return -1;
	__u16 c = udp6_csum(w->b + ETH_HLEN_, (__u16)is);
	__builtin_memcpy(w->b + ETH_HLEN_ + 40 + 6, &c, 2);
	return 0;
}

/* ------------------------------------------------------------------ ITR */

/* An IP packet received on a device: encapsulated here when the kernel would route it into
 * the TUN device and the map-cache has a positive entry for it. */
__noinline int fp_itr(struct __sk_buff *skb, struct work *w, struct fp_cfg *cfg)
{
	if (!w || !cfg)
		return FP_PASS;
	struct inner *in = &w->in;
	__u32 avail = skb->len - ETH_HLEN_;

	if (fp_inner(skb, w, ETH_HLEN_, avail))
		return FP_PASS; /* not counted: the kernel decides whether it is ours at all */
	/* routed into the TUN device? (as the kernel would: from the receiving device) */
	struct bpf_fib_lookup *p = &w->p;
	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = skb->ingress_ifindex;
	if (in->ver == 4) {
		p->family = 2;
		p->tos = in->h[1];
		__builtin_memcpy(&p->ipv4_src, in->h + 12, 4);
		__builtin_memcpy(&p->ipv4_dst, in->h + 16, 4);
	} else {
		p->family = 10;
		__builtin_memcpy(p->ipv6_src, in->h + 8, 16);
		__builtin_memcpy(p->ipv6_dst, in->h + 24, 16);
	}
	p->l4_protocol = in->proto;
	p->sport = bpf_htons(in->sport);
	p->dport = bpf_htons(in->dport);
	long rc = bpf_fib_lookup(skb, p, sizeof(*p), 0);
	if ((rc != FP_FIB_SUCCESS && rc != FP_FIB_NO_NEIGH) || p->ifindex != cfg->tun_ifindex)
		return FP_PASS;
	if (in->ttl <= 1)
		return pass(FP_ST_PASS_TTL); /* the kernel answers time exceeded */
	if (in->tot_len < avail) {
		/* link-layer padding: the kernel trims it before forwarding */
		if (skb->gso_size || bpf_skb_change_tail(skb, ETH_HLEN_ + in->tot_len, 0))
			return pass(FP_ST_PASS_HEADER);
	}
	/* what reaches user space: at most the TUN's MTU (the kernel fragments or answers
	 * too-big before), at most the underlay's with the encapsulation (xtr_encap_send) */
	__u32 seg = in->tot_len;
	if (skb->gso_size) {
		/* TCP only: a receiver that gets the super-packet whole (across veth) can cut a
		 * byte stream anywhere, UDP datagrams only where the segment size says */
		if (in->frag || in->proto != PROTO_TCP)
			return pass(FP_ST_PASS_GSO);
		seg = in->hlen + in->l4hlen + skb->gso_size;
	}
	if (seg > cfg->tun_mtu)
		return pass(FP_ST_PASS_MTU);

	/* the instance ID: the D-ETR's <client> rules by source, else the configuration's
	 * (xtr_tenant_of) */
	w->iid = cfg->iid;
	int tenant = 0;
	if (cfg->nclient == FP_CLIENTS_UNKNOWN)
		return pass(FP_ST_PASS_IID);
	if (cfg->nclient) {
		struct fp_lpm_key *k = &w->lk;
		__builtin_memset(k, 0, sizeof(*k));
		k->prefixlen = 32 + (in->ver == 4 ? 32 : 128);
		k->fam = in->ver;
		if (in->ver == 4)
			__builtin_memcpy(k->a, in->h + 12, 4);
		else
			__builtin_memcpy(k->a, in->h + 8, 16);
		__u32 *t = bpf_map_lookup_elem(&fp_clients, k);
		if (t) {
			w->iid = *t;
			tenant = 1;
		}
	}
	struct fp_entry *e = cache_lookup(w, w->iid);
	if (!e)
		return pass(FP_ST_PASS_MISS);
	if (e->kind == FP_PENDING)
		return pass(FP_ST_PASS_PENDING);
	if (e->kind != FP_POSITIVE || e->nloc == 0)
		return pass(FP_ST_PASS_NEGATIVE);
	__u32 hash = flow_hash(in, cfg->flow_seed);
	int li = fp_select(w, e, hash);
	if (li < 0 || li >= FP_MAX_LOC)
		return pass(FP_ST_PASS_NO_LOCATOR);
	const struct fp_loc *l = &e->loc[li];
	__u8 fam = l->fam;
	if ((fam == 4 && !cfg->has4) || (fam == 6 && !cfg->has6) || (fam != 4 && fam != 6))
		return pass(FP_ST_PASS_NO_LOCATOR);
	__u32 ovh = fam == 4 ? OVH4 : OVH6;
	if (seg + ovh > cfg->underlay_mtu)
		return pass(FP_ST_PASS_MTU);
	if (fam == 6 && skb->gso_size)
		return pass(FP_ST_PASS_GSO); /* adjust_room gives no per-segment UDP checksum */
	set_addrs(w, cfg, fam, l->a);
	int r = fp_route(skb, w, skb->ingress_ifindex, skb->gso_size ? 0 : in->tot_len + ovh,
			 cfg->tun_ifindex);
	if (r)
		return pass((__u32)r);
	/* the headers are built before anything changes: a failure leaves the packet as it was */
	dec_ttl(in);
	if (fp_build(skb, w, cfg, hash, ETH_HLEN_))
		return pass(FP_ST_PASS_HEADER);
	__u64 flags = FP_ADJ_FIXED_GSO | FP_ADJ_ENCAP_L4_UDP | FP_ADJ_ENCAP_L2(8) |
		      (fam == 4 ? FP_ADJ_ENCAP_L3_IPV4 : FP_ADJ_ENCAP_L3_IPV6);
	if (bpf_skb_adjust_room(skb, (__s32)ovh, BPF_ADJ_ROOM_MAC, flags))
		return pass(FP_ST_PASS_HELPER);
	/* from here on the packet is ours: a failure drops it */
	if (bpf_skb_store_bytes(skb, 0, w->b, ETH_HLEN_ + (fam == 4 ? OVH4 : OVH6), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN_ + ovh, in->h, in->ver == 4 ? 20 : 8, 0)) {
		count(FP_ST_PASS_HELPER, 1);
		return TC_ACT_SHOT;
	}
	__u32 bytes, n = segs(skb, in, &bytes);
	note_use(e, l, n, bytes, bpf_ktime_get_ns());
	count2(FP_ST_ITR_PKTS, n, FP_ST_ITR_BYTES, bytes);
	if (tenant)
		count(FP_ST_ITR_TENANT, n);
	return (int)redirect(w);
}

/* ------------------------------------------------------------------ ETR / D-ETR */

/* A LISP packet left to the daemon: a partial inner checksum is completed first (the
 * socket hands user space the bytes as they are). parsed: w->in holds the inner header. */
__noinline int fp_pass_up(struct __sk_buff *skb, struct work *w, __u32 why, __u32 ioff,
			  __u32 parsed)
{
	count(why, 1);
	if (!w || !parsed || skb->gso_size || !inner_partial(&w->in))
		return FP_PASS;
	__u16 fin;
	if (inner_sum(skb, w, ioff, &fin) < 0)
		return FP_PASS;
	__u32 at = ioff + w->in.hlen + (w->in.proto == PROTO_TCP ? 16 : 6);
	bpf_skb_store_bytes(skb, at, &fin, 2, FP_F_RECOMPUTE_CSUM);
	return FP_PASS;
}

/* The outer UDP checksum, as the kernel's UDP receive path would take it: 0 over IPv4, the
 * device's verdict, or a sum that checks (the inner checksum completed or not). */
__noinline int fp_csum_ok(struct __sk_buff *skb, struct work *w, __u32 fam, __u32 ioff)
{
	if (!w)
		return 0;
	const struct inner *in = &w->in;
	__u16 c = (__u16)mo16(w->uh + 6);

	if (c == 0)
		return fam == 4;
	if (bpf_csum_level(skb, FP_CSUM_LEVEL_QUERY) >= 0)
		return 1; /* CHECKSUM_UNNECESSARY: verified by the device */
	__s64 l4 = fp_sum(skb, w, ioff + in->hlen, in->tot_len - in->hlen);
	if (l4 < 0)
		return 0;
	__u16 udp_len = rd16(w->uh + 4);
	__u32 s = (fam == 4 ? sum_bytes(w->oh + 12, 8) : sum_bytes(w->oh + 8, 32)) +
		  bpf_htons(udp_len) + bpf_htons(PROTO_UDP) + sum_bytes(w->uh, 16) + sum_hdr(in);
	if (fold(s + (__u64)l4) == 0xffff)
		return 1;
	if (!inner_partial(in))
		return 0;
	__u16 fc = (__u16)~fold((__u64)l4);
	if (in->proto == PROTO_UDP && fc == 0)
		fc = 0xffff;
	return fold(s + (__u64)l4 + (__u16)~in->l4csum + fc) == 0xffff;
}

static __always_inline void seen(struct work *w, __u8 fam, const __u8 *a, __u64 now)
{
	struct fp_addr *k = &w->ak;

	__builtin_memset(k, 0, sizeof(*k));
	k->fam = fam;
	if (fam == 4)
		__builtin_memcpy(k->a, a, 4);
	else
		__builtin_memcpy(k->a, a, 16);
	/* once a second per remote ITR and CPU at most: no shared map on every packet */
	if (now - w->seen_ns < 1000000000ULL && addr_eq(k->a, w->seen.a, 6) &&
	    k->fam == w->seen.fam)
		return;
	w->seen = *k;
	w->seen_ns = now;
	bpf_map_update_elem(&fp_seen, k, &now, BPF_ANY);
}

/* LISP data to one of our RLOCs: outer header in w->oh (IPv4 20 or IPv6 40 bytes at 14),
 * UDP and LISP header in w->uh. */
__noinline int fp_etr(struct __sk_buff *skb, struct work *w, struct fp_cfg *cfg, __u32 fam)
{
	if (!w || !cfg || (fam != 4 && fam != 6))
		return FP_PASS;
	struct inner *in = &w->in;
	__u32 ohl = fam == 4 ? 20 : 40;
	__u32 ioff = ETH_HLEN_ + ohl + LISP_HLEN;
	__u16 udp_len = rd16(w->uh + 4);
	const __u8 *osrc = fam == 4 ? w->oh + 12 : w->oh + 8;

	if (udp_len < LISP_HLEN + 20)
		return fp_pass_up(skb, w, FP_ST_PASS_HEADER, 0, 0);
	/* N and V both set (rejected by the daemon's parser), LISP-crypto key bits */
	if ((w->uh[8] & 0x90) == 0x90 || (w->uh[8] & 0x03))
		return fp_pass_up(skb, w, FP_ST_PASS_HEADER, 0, 0);
	__u32 iid =
	    (w->uh[8] & 0x08) ? ((__u32)w->uh[12] << 16 | (__u32)w->uh[13] << 8 | w->uh[14]) : 0;
	/* an instance ID we serve: ours or a tenant's (xtr_serves_iid) */
	if (iid != cfg->iid && (!cfg->ntenant || !bpf_map_lookup_elem(&fp_iids, &iid)))
		return fp_pass_up(skb, w, FP_ST_PASS_IID, 0, 0);
	w->iid = iid;
	__u32 ilen = udp_len - LISP_HLEN;
	if (fp_inner(skb, w, ioff, ilen))
		return fp_pass_up(skb, w, FP_ST_PASS_HEADER, 0, 0);
	if (in->tot_len != ilen)
		/* a UDP GRO burst (one LISP header per datagram), or trailing bytes */
		return fp_pass_up(skb, w, skb->gso_size ? FP_ST_PASS_GSO : FP_ST_PASS_HEADER, ioff,
				  1);

	if (cfg->mode == FP_MODE_SITE) {
		/* xtr_etr_decide, site mode: deliver a local EID; nothing else here */
		if (!db_local(w, iid))
			return fp_pass_up(skb, w, FP_ST_PASS_NOT_LOCAL, ioff, 1);
		if (in->ttl <= 1)
			return fp_pass_up(skb, w, FP_ST_PASS_TTL, ioff, 1);
		/* a super-packet (UDP tunnel GSO, left whole by veth): decapsulated here it would
		 * keep its tunnel GSO state, which devices downstream would misread; the daemon
		 * takes it whole. The flow's other packets follow it there for a while, so that
		 * none overtakes it. */
		__u64 now = bpf_ktime_get_ns();
		if (skb->gso_size) {
			__u32 fh = flow_hash(in, 0);
			bpf_map_update_elem(&fp_slow, &fh, &now, BPF_ANY);
			fp_slow_until = now + FP_SLOW_NS;
			return fp_pass_up(skb, w, FP_ST_PASS_GSO, ioff, 1);
		}
		if (now < fp_slow_until) {
			__u32 fh = flow_hash(in, 0);
			__u64 *slow = bpf_map_lookup_elem(&fp_slow, &fh);
			if (slow && now - *slow < FP_SLOW_NS)
				return fp_pass_up(skb, w, FP_ST_PASS_GSO, ioff, 1);
		}
		if (!fp_csum_ok(skb, w, fam, ioff))
			return fp_pass_up(skb, w, FP_ST_PASS_CHECKSUM, ioff, 1);
		/* routed as the kernel routes what the daemon writes into the TUN device */
		w->fam = in->ver;
		if (in->ver == 4) {
			__builtin_memcpy(w->src, in->h + 12, 4);
			__builtin_memcpy(w->dst, in->h + 16, 4);
		} else {
			__builtin_memcpy(w->src, in->h + 8, 16);
			__builtin_memcpy(w->dst, in->h + 24, 16);
		}
		int r = fp_route(skb, w, cfg->tun_ifindex, in->tot_len, cfg->tun_ifindex);
		if (r)
			return fp_pass_up(skb, w, (__u32)r, ioff, 1);
		__u64 flags = 0;
		if (in->ver != fam)
			flags = in->ver == 4 ? FP_ADJ_DECAP_L3_IPV4 : FP_ADJ_DECAP_L3_IPV6;
		seen(w, fam, osrc, now);
		eth_hdr(w->b, &w->rt, in->ver);
		dec_ttl(in);
		if (bpf_skb_adjust_room(skb, -(__s32)(ohl + LISP_HLEN), BPF_ADJ_ROOM_MAC, flags))
			return fp_pass_up(skb, w,
					  in->ver != fam ? FP_ST_PASS_FAMILY : FP_ST_PASS_HELPER,
					  ioff, 0);
		/* from here on the packet is ours */
		if (bpf_skb_store_bytes(skb, 0, w->b, ETH_HLEN_, 0) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN_, in->h, in->ver == 4 ? 20 : 8, 0)) {
			count(FP_ST_PASS_HELPER, 1);
			return TC_ACT_SHOT;
		}
		count2(FP_ST_ETR_PKTS, 1, FP_ST_ETR_BYTES, in->tot_len);
		return (int)redirect(w);
	}

	/* xtr_etr_decide, representative mode: the aggregate and the BGP host mappings */
	struct fp_entry *e = cache_lookup(w, iid);
	int pos = e && e->kind == FP_POSITIVE && e->nloc > 0;
	if (!(pos && e->src == FP_SRC_BGP) && !db_local(w, iid))
		return fp_pass_up(skb, w, FP_ST_PASS_NOT_LOCAL, ioff, 1);
	if (in->ttl <= 1)
		return fp_pass_up(skb, w, FP_ST_PASS_TTL, ioff, 1);
	if (!e)
		return fp_pass_up(skb, w, FP_ST_PASS_MISS, ioff, 1);
	if (!pos)
		return fp_pass_up(skb, w,
				  e->kind == FP_PENDING ? FP_ST_PASS_PENDING : FP_ST_PASS_NEGATIVE,
				  ioff, 1);
	/* xtr_etr_input: a mapping that sends it back to its sender is refreshed there */
	if (e->src != FP_SRC_BGP && e->src != FP_SRC_CONFIG) {
		int back = 0;
		for (int i = 0; i < FP_MAX_LOC; i++) {
			if (i >= e->nloc)
				break;
			back |= e->loc[i].fam == fam && addr_eq(e->loc[i].a, osrc, fam);
		}
		if (back)
			return fp_pass_up(skb, w, FP_ST_PASS_LOOP, ioff, 1);
	}
	if (skb->gso_size && in->l4hlen == 0)
		return fp_pass_up(skb, w, FP_ST_PASS_GSO, ioff, 1);
	__u32 hash = flow_hash(in, cfg->flow_seed);
	int li = fp_select(w, e, hash);
	if (li < 0 || li >= FP_MAX_LOC)
		return fp_pass_up(skb, w, FP_ST_PASS_NO_LOCATOR, ioff, 1);
	const struct fp_loc *l = &e->loc[li];
	if (l->fam != fam)
		return fp_pass_up(skb, w, FP_ST_PASS_FAMILY, ioff, 1);
	if (own_rloc(cfg, fam, l->a))
		return fp_pass_up(skb, w, FP_ST_PASS_LOOP, ioff, 1);
	if ((fam == 4 && !cfg->has4) || (fam == 6 && !cfg->has6))
		return fp_pass_up(skb, w, FP_ST_PASS_NO_LOCATOR, ioff, 1);
	__u32 seg = skb->gso_size ? in->hlen + in->l4hlen + skb->gso_size : in->tot_len;
	if (seg + (fam == 4 ? OVH4 : OVH6) > cfg->underlay_mtu)
		return fp_pass_up(skb, w, FP_ST_PASS_MTU, ioff, 1);
	if (skb->gso_size ? (mo16(w->uh + 6) != 0 || fam == 6) : !fp_csum_ok(skb, w, fam, ioff))
		return fp_pass_up(skb, w, FP_ST_PASS_CHECKSUM, ioff, 1);
	set_addrs(w, cfg, fam, l->a);
	int r = fp_route(skb, w, skb->ingress_ifindex,
			 skb->gso_size ? 0 : in->tot_len + ohl + LISP_HLEN, cfg->tun_ifindex);
	if (r)
		return fp_pass_up(skb, w, (__u32)r, ioff, 1);
	/* the outer headers are rewritten in place; the payload stays where it is */
	dec_ttl(in);
	if (fp_build(skb, w, cfg, hash, ioff))
		return fp_pass_up(skb, w, FP_ST_PASS_HEADER, ioff, 0);
	if (bpf_skb_store_bytes(skb, 0, w->b, ETH_HLEN_ + (fam == 4 ? OVH4 : OVH6), 0) ||
	    bpf_skb_store_bytes(skb, ioff, in->h, in->ver == 4 ? 20 : 8, 0)) {
		count(FP_ST_PASS_HELPER, 1);
		return TC_ACT_SHOT;
	}
	__u32 bytes, n = segs(skb, in, &bytes);
	note_use(e, l, n, bytes, bpf_ktime_get_ns());
	count2(FP_ST_DETR_PKTS, n, FP_ST_DETR_BYTES, bytes);
	return (int)redirect(w);
}

/* ------------------------------------------------------------------ entry */

SEC("tc")
int lisp_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct fp_cfg *cfg = &fp_config;
	struct work *w = bpf_map_lookup_elem(&fp_work, &zero);

	if (!w || !cfg->on || skb->pkt_type != PACKET_HOST || skb->vlan_present)
		return FP_PASS;
	if (bpf_skb_load_bytes(skb, 0, w->eh, ETH_HLEN_))
		return FP_PASS;
	__u16 proto = rd16(w->eh + 12);
	if (proto == ETH_P_IP) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN_, w->oh, 20))
			return FP_PASS;
		if (!own_rloc(cfg, 4, w->oh + 16))
			return fp_itr(skb, w, cfg);
		/* to us: LISP data on the data port, the rest is the kernel's */
		__u32 ihl = (w->oh[0] & 0x0f) * 4;
		if (w->oh[9] != PROTO_UDP || ihl < 20 ||
		    bpf_skb_load_bytes(skb, ETH_HLEN_ + ihl, w->uh, 4) ||
		    rd16(w->uh + 2) != cfg->data_port)
			return FP_PASS;
		/* options, fragments (the kernel reassembles them), lengths other than exact */
		if (w->oh[0] != 0x45 || (rd16(w->oh + 6) & 0x3fff) ||
		    rd16(w->oh + 2) != skb->len - ETH_HLEN_ ||
		    bpf_skb_load_bytes(skb, ETH_HLEN_ + 20, w->uh, LISP_HLEN) ||
		    rd16(w->uh + 4) != rd16(w->oh + 2) - 20)
			return pass(FP_ST_PASS_HEADER);
		return fp_etr(skb, w, cfg, 4);
	}
	if (proto == ETH_P_IPV6) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN_, w->oh, 40))
			return FP_PASS;
		if (!own_rloc(cfg, 6, w->oh + 24))
			return fp_itr(skb, w, cfg);
		if (w->oh[6] != PROTO_UDP || bpf_skb_load_bytes(skb, ETH_HLEN_ + 40, w->uh, 4) ||
		    rd16(w->uh + 2) != cfg->data_port)
			return FP_PASS;
		if (rd16(w->oh + 4) != skb->len - ETH_HLEN_ - 40 ||
		    bpf_skb_load_bytes(skb, ETH_HLEN_ + 40, w->uh, LISP_HLEN) ||
		    rd16(w->uh + 4) != rd16(w->oh + 4))
			return pass(FP_ST_PASS_HEADER);
		return fp_etr(skb, w, cfg, 6);
	}
	return FP_PASS;
}
