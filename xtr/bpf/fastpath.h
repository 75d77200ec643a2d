/* SPDX-License-Identifier: ISC OR GPL-2.0-only */
/*
 * xtr/bpf/fastpath.h - what the in-kernel fast path (xtr/bpf/xtr_fastpath.bpf.c) and
 * lisp-xtrd (xtr/fastpath.c) share: the maps' keys and values, the configuration record
 * and the counter indices. lisp-xtrd is the only writer of every map but the counters, the
 * usage records and the table of remote ITRs (docs/architecture.md "In-kernel fast path").
 *
 * Addresses are kept as on the wire (network order bytes); other numbers in host order.
 * Both sides compile this file: the BPF object with clang -target bpf, the daemon with the
 * project's compiler; the layouts have no implicit padding.
 */
#ifndef XTR_BPF_FASTPATH_H
#define XTR_BPF_FASTPATH_H

#include <linux/types.h>

#define FP_MAX_LOC	   8	/* locators per mapping (XTR_MAX_LOC) */
#define FP_RLOC_SLOTS	   1024 /* RLOC reachability slots (XTR_RLOC_TABLE) */
#define FP_NO_SLOT	   0xffffffffu
#define FP_NO_RLOC	   0xffff
#define FP_CLIENTS_UNKNOWN 0xffffffffu
#define FP_SEEN_MAX	   256	/* remote ITRs remembered (XTR_ITR_SEEN) */
#define FP_MAX_LEN	   9216 /* longest packet whose checksum the programs compute */

enum fp_kind {
	FP_POSITIVE = 1, /* locators: encapsulate */
	FP_NEGATIVE = 2, /* no locators (an action): user space */
	FP_PENDING = 3,	 /* being resolved: user space holds the packets */
};

/* enum xtr_src, as the programs need it (re-encapsulation rules). */
enum fp_src {
	FP_SRC_CONFIG = 0,
	FP_SRC_REPLY = 1,
	FP_SRC_NOTIFY = 2,
	FP_SRC_BGP = 3,
	FP_SRC_PENDING = 4,
};

enum fp_mode { FP_MODE_SITE = 0, FP_MODE_REPRESENTATIVE = 1 };

/* An address: fam 4 or 6, a[0..4) or a[0..16). */
struct fp_addr {
	__u8 fam;
	__u8 pad[3];
	__u8 a[16];
};

/* Host entries (/32, /128): exact match, looked up first. */
struct fp_host_key {
	__u32 iid;
	__u8 fam;
	__u8 pad[3];
	__u8 a[16];
};

/* Every other prefix: longest match over instance ID (24 bits), family (8), address. */
struct fp_lpm_key {
	__u32 prefixlen; /* 32 + prefix length */
	__u8 iid[3];
	__u8 fam;
	__u8 a[16];
};

struct fp_loc {
	__u8 a[16];
	__u8 fam;
	__u8 priority; /* 255: not for unicast */
	__u8 weight;
	__u8 pad;
	__u16 rloc_idx; /* reachability slot (fp_rloc_state), FP_NO_RLOC: untracked (up) */
	__u16 pad2;
};

struct fp_entry {
	__u8 kind; /* enum fp_kind */
	__u8 src;  /* enum fp_src */
	__u8 nloc;
	__u8 pad;
	__u32 slot; /* fp_use record, FP_NO_SLOT: none */
	struct fp_loc loc[FP_MAX_LOC];
};

/* Reachability of a tracked RLOC (written by lisp-xtrd) and when the fast path last sent
 * to it (written by the programs; RLOC probing probes locators in use). */
struct fp_rloc {
	__u32 up;
	__u32 pad;
	__u64 last_ns; /* CLOCK_MONOTONIC */
};

/* Use of a map-cache entry by the fast path (folded into the entry's counters). */
struct fp_use {
	__u64 packets;
	__u64 bytes;
};

struct fp_cfg {
	__u32 on; /* 0: every packet continues to the kernel and user space */
	__u32 iid;
	__u32 flow_seed; /* the daemon's flow hash seed: the same outer source port, locator */
	__u32 tun_ifindex;
	__u32 underlay_mtu;
	__u32 tun_mtu;
	__u16 data_port;
	__u8 mode; /* enum fp_mode */
	__u8 ttl4; /* outer IPv4 TTL, IPv6 hop limit (the system's defaults) */
	__u8 hlim6;
	__u8 has4; /* a source RLOC of the family */
	__u8 has6;
	__u8 pad;
	__u8 rloc4[4];
	__u8 rloc6[16];
	__u32 ntenant; /* the D-ETR's tenant instance IDs (fp_iids) */
	__u32 nclient; /* ... and <client> rules (fp_clients); FP_CLIENTS_UNKNOWN: not all of
			* them are there, the ITR leaves every packet to user space */
};

/* Per-CPU counters (fp_stats: one record of FP_ST__COUNT counters per CPU). */
enum fp_stat {
	FP_ST_ITR_PKTS = 0, /* ITR / PITR: encapsulated in the kernel */
	FP_ST_ITR_BYTES,
	FP_ST_ETR_PKTS, /* ETR: decapsulated and delivered in the kernel */
	FP_ST_ETR_BYTES,
	FP_ST_DETR_PKTS, /* D-ETR: re-encapsulated in the kernel */
	FP_ST_DETR_BYTES,
	FP_ST_ITR_TENANT, /* ITR: given to a tenant by a <client> rule (PITR) */
	/* left to the kernel and user space, by reason */
	FP_ST_PASS_MISS, /* no map-cache entry */
	FP_ST_PASS_NEGATIVE,
	FP_ST_PASS_PENDING,
	FP_ST_PASS_NO_LOCATOR, /* none usable, or no RLOC of the locator's family */
	FP_ST_PASS_LOOP,       /* to one of our RLOCs, or back to the sender */
	FP_ST_PASS_MTU,
	FP_ST_PASS_GSO,	      /* a super-packet the kernel cannot take (see the program) */
	FP_ST_PASS_TTL,	      /* TTL / hop limit would run out */
	FP_ST_PASS_HEADER,    /* options, extension headers, fragments, lengths, martians */
	FP_ST_PASS_NOT_LOCAL, /* ETR: not a local EID (or not ours to re-encapsulate) */
	FP_ST_PASS_IID,	      /* ETR: foreign instance ID */
	FP_ST_PASS_ROUTE,     /* no usable route or neighbour device */
	FP_ST_PASS_CHECKSUM,  /* outer UDP checksum not verified */
	FP_ST_PASS_FAMILY,    /* outer family change */
	FP_ST_PASS_HELPER,    /* a kernel helper refused */
	FP_ST__COUNT
};

struct fp_counters {
	__u64 c[FP_ST__COUNT];
};

#endif
