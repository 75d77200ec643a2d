/* SPDX-License-Identifier: ISC */
/*
 * tools/regpipe.h - lisp-register's registration engine: the EIDs packed into Map-Registers
 * (as many records as fit REG_DGRAM_MAX bytes, reg_pack), sent to every Map-Server given
 * (each one independently: its own socket, window, retries and result), at most `window`
 * Map-Registers unacknowledged per Map-Server at a time. Each Map-Register is acknowledged
 * by its Map-Notify (reg_check_notify's rules: a nonce of one of its attempts, signed with
 * our key, listing every EID of the message); an unanswered one is sent again as a new
 * Map-Register with a new, larger nonce after timeout, 2 x timeout, ... (`retries` times);
 * a rejected one (our nonce, bad signature or EIDs missing) is not retried. The outcome is
 * per Map-Server and per EID.
 */
#ifndef TOOLS_REGPIPE_H
#define TOOLS_REGPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/client.h"
#include "tools/reg.h"

#define REGPIPE_WINDOW_DEFAULT 16
#define REGPIPE_WINDOW_MAX     1024

/* One Map-Server and what it acknowledged. */
struct regpipe_target {
	/* in */
	char host[TOOLS_HOST_MAX];
	uint16_t port;
	/* out */
	int rc;			  /* reg_outcome_exit(outcome) */
	enum reg_outcome outcome; /* REG_ACKED: every EID acknowledged; else the failure */
	enum reg_reject rej;	  /* REG_REJECTED: why (the first rejection) */
	int send_errno;		  /* REG_SEND_FAILED: why this host could not send */
	unsigned icmp_errors;	  /* ICMP errors about our datagrams (tools_icmp_drain) */
	enum xchg_icmp icmp;	  /* the last one's kind ... */
	char icmp_from[80];	  /* ... and who reported it ("" when not known) */
	size_t acked_eids;	  /* EIDs in acknowledged Map-Registers */
	size_t failed_eids;	  /* the others */
	unsigned messages;	  /* Map-Registers (not counting retransmissions) */
	unsigned attempts;	  /* datagrams sent */
	unsigned rejected;	  /* Map-Registers refused by a Map-Notify */
	unsigned unanswered;	  /* Map-Registers without an answer after every retry */
	double rtt_max_ms;	  /* longest send (of the answered attempt) -> Map-Notify */
	double elapsed_ms;	  /* first send -> last outcome */
	uint64_t last_nonce;	  /* the largest nonce sent to it */
	char from[80];		  /* who answered (the last acknowledgement) */
	char error[TOOLS_ERRLEN];
	uint8_t *failed; /* per EID of the run: 1 = not acknowledged (NULL: none failed) */
};

/* Register o->eids[0..o->neids) with each of t[0..nt), all at once (one poll loop), at most
 * `window` Map-Registers outstanding per Map-Server. Fills each target's results. Returns
 * 0, or -1 when nothing could be attempted (err: a packing or memory error). */
int regpipe_run(const struct reg_opts *o, const struct lisp_key *k, struct regpipe_target *t,
		size_t nt, unsigned window, char *err, size_t errlen);
void regpipe_target_free(struct regpipe_target *t);

#endif
