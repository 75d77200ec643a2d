/* SPDX-License-Identifier: ISC */
/* tests/unit/bgp_looprig.h - a daemon's speaker and a second speaker (the remote) in one
 * event loop, with a real TCP session over loopback: the daemon's side is 127.0.0.2 (AS
 * 65000, no listener, it connects), the remote 127.0.0.3 (AS 65001, listening on a port the
 * kernel picks, its peer passive). What the reload tests of test_ms_push.c and
 * test_xtr_detr.c need to see a session survive a reload. All static inline. */
#ifndef BGP_LOOPRIG_H
#define BGP_LOOPRIG_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"

#define LR_LOCAL  "127.0.0.2"
#define LR_REMOTE "127.0.0.3"

static inline struct ipaddr lr_addr(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	ipaddr_parse(s, &a);
	return a;
}

/* Append a peer at `addr` in `as` (defaults of bgp_peer_cfg_init) to c. */
static inline struct bgp_peer_cfg *lr_cfg_add_peer(struct bgp_cfg *c, const char *addr, uint32_t as)
{
	c->peers = realloc(c->peers, (c->n_peers + 1) * sizeof(*c->peers));
	struct bgp_peer_cfg *p = &c->peers[c->n_peers++];
	bgp_peer_cfg_init(p);
	p->addr = lr_addr(addr);
	p->remote_as = as;
	return p;
}

/* The daemon's <bgp>: AS 65000, router ID 203.0.113.2, no listener, one peer: the remote
 * at 127.0.0.3 port `port`, from 127.0.0.2. */
static inline struct bgp_cfg *lr_local_cfg(uint16_t port)
{
	struct bgp_cfg *c = calloc(1, sizeof(*c));

	c->local_as = 65000;
	c->router_id = 0xcb007102;
	c->gr_time = 120;
	struct bgp_peer_cfg *p = lr_cfg_add_peer(c, LR_REMOTE, 65001);
	p->port = port;
	p->local = lr_addr(LR_LOCAL);
	p->connect_retry = 1;
	return c;
}

/* The remote: AS 65001, router ID 203.0.113.3, listening on 127.0.0.3, its peer 127.0.0.2
 * passive; started. cb may be NULL. */
static inline struct bgp *lr_remote_new(struct event_base *base, bgp_event_fn *cb, void *arg)
{
	struct bgp_cfg *c = calloc(1, sizeof(*c));

	c->local_as = 65001;
	c->router_id = 0xcb007103;
	c->gr_time = 120;
	c->listen = true;
	c->listen_addr = lr_addr(LR_REMOTE);
	lr_cfg_add_peer(c, LR_LOCAL, 65000)->passive = true;
	struct bgp *b = bgp_new(base, c, cb, arg);
	if (b != NULL && bgp_start(b) < 0) {
		bgp_free(b);
		return NULL;
	}
	return b;
}

static inline struct bgp_peer *lr_peer(const struct bgp *b, const char *addr)
{
	struct ipaddr a = lr_addr(addr);
	return b ? bgp_peer_find(b, &a) : NULL;
}

static inline bool lr_up(const struct bgp *b, const char *addr)
{
	const struct bgp_peer *p = lr_peer(b, addr);
	return p != NULL && bgp_peer_established(p);
}

/* Run the loop until cond(arg) holds (true), or 5 s passed (false). */
static inline bool lr_run_until(struct event_base *base, bool (*cond)(void *), void *arg)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (cond(arg))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 5)
			return false;
		struct timeval tv = {0, 10000};
		event_base_loopexit(base, &tv);
		event_base_loop(base, 0);
	}
}

/* Run the loop for `ms` milliseconds. */
static inline void lr_run_for(struct event_base *base, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_base_loopexit(base, &tv);
	event_base_loop(base, 0);
}

#endif
