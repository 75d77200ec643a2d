/* SPDX-License-Identifier: ISC */
/*
 * bench/benchlib.h - what the load generators and probes of bench/ share (bench/benchlib.c,
 * compiled into each of them by bench/subdir.am): the clocks, a process's CPU time, a bound
 * UDP socket, the numbered EIDs of a run and the ECM Map-Request that draws a proxy
 * Map-Reply back to the sender. Socket addresses are tools/client.h's
 * (tools_ip_to_sockaddr), so the programs link libtools.a.
 */
#ifndef BENCH_BENCHLIB_H
#define BENCH_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/addr.h"

/* CLOCK_MONOTONIC, in seconds. */
double bench_now_s(void);
/* The wall clock (CLOCK_REALTIME), as the kernel's receive timestamps (SO_TIMESTAMPNS). */
double bench_wall_s(void);
/* CPU time (user + system) process pid has used, in seconds; 0 when pid <= 0 or unknown. */
double bench_proc_cpu_s(long pid);

/* A non-blocking UDP socket bound to bind (port chosen by the kernel, left in *port); -1 and
 * a message on stderr if that fails. */
int bench_udp_socket(const struct ipaddr *bind, uint16_t *port);

/* The EID of index i: base + i (IPv4: the address; IPv6: its last 32 bits), as a host prefix
 * in instance ID iid. */
void bench_eid(const struct ipaddr *base, uint32_t iid, unsigned long i, struct lisp_prefix *p);

/* An ECM-encapsulated Map-Request (RFC 9301 §5.8) for eid with nonce into out (cap bytes):
 * ITR-RLOC bind and inner source port sport, so that the Map-Server's proxy Map-Reply comes
 * back to that socket. Its length; on failure it says why (prefixed with prog) and exits. */
size_t bench_ecm_request(const char *prog, const struct ipaddr *bind, uint16_t sport,
			 const struct lisp_prefix *eid, uint64_t nonce, uint8_t *out, size_t cap);

#endif
