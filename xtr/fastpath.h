/* SPDX-License-Identifier: ISC */
/*
 * xtr/fastpath.h - the in-kernel fast path of lisp-xtrd (docs/architecture.md "In-kernel
 * fast path"): loads the eBPF program of xtr/bpf/xtr_fastpath.bpf.c through its libbpf
 * skeleton, attaches it at TC ingress (clsact, direct action) of the site's and the
 * underlay's devices and keeps its maps in step with the core through the core's hooks
 * (xtr/xtr.h struct xtr_hooks): every install, replacement and removal of a map-cache
 * entry, every change of the database and of RLOC reachability reaches the maps in the
 * loop turn of the change. The daemon stays the only writer; what the programs count
 * (per-CPU counters, the use of entries and locators, the remote ITRs whose packets they
 * delivered) is folded back into the core once a second and before `show statistics`.
 *
 * Life: xtr_fp_start loads and attaches (as root, before the privilege drop; the maps are
 * updated through descriptors opened then); xtr_fp_stop detaches what it attached and
 * unloads. Without the tools at build time (configure) the stub says why.
 */
#ifndef XTR_FASTPATH_H
#define XTR_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct xtr;
struct xtr_cfg;

struct xtr_fp;

struct xtr_fp_params {
	const struct xtr_cfg *cfg; /* iid, ports, MTUs, RLOCs, mode, fast-path devices */
	const char *tun_name;	   /* the TUN device the kernel routes the ITR's packets to */
	bool attach;		   /* false: load and fill the maps only (tests run the program) */
};

/* Was the fast path built in? If not, *why says why (may be NULL). */
bool xtr_fp_built(const char **why);

/* Does the kernel take the programs? 0, or -1 with the reason in err (nothing stays
 * loaded). */
int xtr_fp_probe(char *err, size_t errlen);

/* Load, fill the maps from x, set x's hooks, attach. NULL with the reason in err when the
 * kernel (or the build) refuses; nothing is left attached then. */
struct xtr_fp *xtr_fp_start(struct event_base *base, struct xtr *x, const struct xtr_fp_params *p,
			    char *err, size_t errlen);
/* Detach, unhook, unload (NULL: nothing). */
void xtr_fp_stop(struct xtr_fp *fp);
/* A reload: the configuration the programs read (instance ID, ports, MTUs, mode) from cfg,
 * and on (any mode but off) or off, the programs staying attached: every packet then goes
 * to the kernel and user space. A new device list waits for the next start (logged). */
void xtr_fp_reconfigure(struct xtr_fp *fp, const struct xtr_cfg *cfg);
void xtr_fp_set_enabled(struct xtr_fp *fp, bool on);
bool xtr_fp_enabled(const struct xtr_fp *fp);
/* Capabilities the map updates need once the privileges are dropped (kernels that check
 * CAP_BPF for every bpf() call): PRIV_CAP(CAP_BPF) or 0; probed at start. */
uint64_t xtr_fp_extra_caps(const struct xtr_fp *fp);
/* Fold the programs' counters and use records into the core now (the timer does it once a
 * second). */
void xtr_fp_fold(struct xtr_fp *fp);

/* For tests: the program's descriptor, a counter of the programs (enum fp_stat, summed
 * over the CPUs), the number of devices it is attached to. */
int xtr_fp_prog_fd(const struct xtr_fp *fp);
uint64_t xtr_fp_counter(const struct xtr_fp *fp, unsigned idx);
unsigned xtr_fp_attached(const struct xtr_fp *fp);

#endif
