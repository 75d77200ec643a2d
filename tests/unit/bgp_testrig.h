/* SPDX-License-Identifier: ISC */
/* tests/unit/bgp_testrig.h - the live-peer rig shared by test_bgp_fsm.c and test_bgp_speaker.c:
 * the speaker 10.0.0.1 in AS 65000 with one peer, the remote side of its connection scripted
 * with proto/ (OPEN, KEEPALIVE, NOTIFICATION builders, whole messages read back and parsed).
 * All static inline: a test uses what it needs and -Wunused-function stays quiet.
 *
 * The including file defines struct rig before the #include, with at least:
 *	struct event_base *base;
 *	struct bgp *b;
 *	struct bgp_peer *p;	the one peer
 *	int fd;			the remote side of the connection the test talks on
 *	int events[8];		bgp_event kinds seen
 * and frees it itself (a collision rig has more sockets to close). */
#ifndef BGP_TESTRIG_H
#define BGP_TESTRIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

static uint32_t remote_id = 0x0a000002; /* BGP Identifier of the scripted peer */
static uint8_t remote_gr_flags;		/* BGP_GR_F_* of the scripted peer's GR capability */

/* expect_notification_in: do not look at the data */
#define RIG_ANY_DATA SIZE_MAX

static inline void on_ev(const struct bgp_event *ev, void *arg)
{
	struct rig *r = arg;
	r->events[ev->kind]++;
}

/* A configuration with one peer at `addr` in `remote_as`; GR (restart time 120) if `gr`. */
static inline struct bgp_cfg *rig_cfg(const char *addr, uint32_t remote_as, bool gr)
{
	struct bgp_cfg *c = calloc(1, sizeof(*c));

	c->local_as = 65000;
	c->router_id = 0x0a000001;
	c->gr_time = 120;
	c->n_peers = 1;
	c->peers = calloc(1, sizeof(*c->peers));
	bgp_peer_cfg_init(&c->peers[0]);
	ipaddr_parse(addr, &c->peers[0].addr);
	c->peers[0].remote_as = remote_as;
	c->peers[0].gr = gr;
	return c;
}

/* Start the speaker with `c` (the speaker owns it now); r->p is its peer. */
static inline void rig_start(struct rig *r, struct bgp_cfg *c)
{
	r->base = event_base_new();
	r->b = bgp_new(r->base, c, on_ev, r);
	assert_non_null(r->b);
	assert_int_equal(bgp_start(r->b), 0);
	r->p = r->b->peers;
}

/* A new connection of the peer over a socketpair, the remote end in r->fd; TcpConnectionConfirmed
 * sent to the FSM. */
static inline void rig_connect(struct rig *r)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	r->fd = sv[1];
	r->p->conn = bgp_conn_adopt(r->p, sv[0], false);
	bgp_fsm_event(r->p, BGP_FEV_TCP_OK, NULL);
}

/* The rig for `c` (from rig_cfg; its peer made passive here): started, connected, OpenSent. */
static inline struct rig *rig_new_cfg(struct bgp_cfg *c)
{
	struct rig *r = calloc(1, sizeof(*r));

	c->peers[0].passive = true;
	rig_start(r, c);
	assert_int_equal(r->p->state, BGP_ST_ACTIVE);
	rig_connect(r);
	assert_int_equal(r->p->state, BGP_ST_OPENSENT);
	return r;
}

static inline void spin(struct rig *r)
{
	for (int i = 0; i < 5; i++)
		event_base_loop(r->base, EVLOOP_NONBLOCK);
}

/* Read one whole message from the remote side (1 s bound). */
static inline size_t rd_msg(struct rig *r, uint8_t *m)
{
	size_t have = 0, want = BGP_HDR_LEN;
	for (int tries = 0; have < want && tries < 200; tries++) {
		spin(r);
		ssize_t n = read(r->fd, m + have, want - have);
		if (n > 0) {
			have += (size_t)n;
			if (have == BGP_HDR_LEN)
				want = ((size_t)m[16] << 8) | m[17];
			continue;
		}
		struct pollfd pfd = {r->fd, POLLIN, 0};
		poll(&pfd, 1, 5);
	}
	assert_int_equal(have, want);
	return have;
}

static inline void wr(struct rig *r, const uint8_t *m, size_t len)
{
	assert_int_equal(write(r->fd, m, len), (ssize_t)len);
	spin(r);
}

static inline void parse(const uint8_t *m, size_t len, const struct bgp_sess_opts *o,
			 struct bgp_msg *out)
{
	struct buf b;
	struct bgp_err err;
	buf_init_read(&b, m, len);
	assert_int_equal(bgp_msg_parse(&b, o, out, &err), 0);
}

/* Read and parse one message (nothing negotiated yet); only its fixed fields are good after. */
static inline uint8_t rd_msg_type(struct rig *r, struct bgp_msg *msg)
{
	uint8_t m[BGP_MAX_LEN];
	struct bgp_sess_opts none = {0};

	parse(m, rd_msg(r, m), &none, msg);
	return msg->type;
}

/* Read our OPEN. */
static inline void read_open(struct rig *r, struct bgp_open *o)
{
	struct bgp_msg msg;

	assert_int_equal(rd_msg_type(r, &msg), BGP_OPEN);
	*o = msg.u.open;
}

/* The peer's OPEN: `as`, hold time 30, IPv4 and IPv6 unicast, route refresh; ADD-PATH receive
 * for IPv4 if `addpath`; GR (90 s, remote_gr_flags, IPv4 forwarding kept) if `gr`. */
static inline void send_open(struct rig *r, uint32_t as, bool addpath, bool gr)
{
	struct bgp_open o;
	uint8_t m[BGP_MAX_LEN];
	struct buf w;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = as > 0xffff ? BGP_AS_TRANS : (uint16_t)as;
	o.hold_time = 30;
	o.bgp_id = remote_id;
	o.caps.as4 = true;
	o.caps.as4_asn = as;
	o.caps.route_refresh = true;
	o.caps.n_mp = 2;
	o.caps.mp[0] = (struct bgp_capa_af){1, 1, 0};
	o.caps.mp[1] = (struct bgp_capa_af){2, 1, 0};
	if (addpath) {
		o.caps.n_addpath = 1;
		o.caps.addpath[0] = (struct bgp_capa_af){1, 1, BGP_ADDPATH_RECV};
	}
	if (gr) {
		o.caps.gr = true;
		o.caps.gr_time = 90;
		o.caps.gr_flags = remote_gr_flags;
		o.caps.n_gr = 1;
		o.caps.gr_af[0] = (struct bgp_capa_af){1, 1, BGP_GR_AF_F_FWD};
	}
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
	wr(r, m, w.len);
}

static inline void send_keepalive(struct rig *r)
{
	uint8_t m[BGP_HDR_LEN];
	struct buf w;
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_keepalive(&w, NULL), 0);
	wr(r, m, w.len);
}

static inline void send_notification(struct rig *r, uint8_t code, uint8_t sub, const uint8_t *d,
				     size_t len)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_notification(&w, code, sub, d, len, NULL), 0);
	wr(r, m, w.len);
}

/* OpenSent -> Established: our OPEN (AS4 65000), the peer's (see send_open), KEEPALIVEs. */
static inline void establish(struct rig *r, uint32_t as, bool addpath, bool gr)
{
	struct bgp_open o;
	struct bgp_msg msg;

	read_open(r, &o);
	assert_true(o.caps.as4);
	assert_int_equal(o.caps.as4_asn, 65000);
	send_open(r, as, addpath, gr);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	assert_int_equal(rd_msg_type(r, &msg), BGP_KEEPALIVE);
	send_keepalive(r);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->events[BGP_EV_PEER_UP], 1);
}

/* Read on to a NOTIFICATION (past End-of-RIB / KEEPALIVE, 8 messages at most) parsed with `o`
 * and check its code and subcode, and unless `len` is RIG_ANY_DATA its data `d`. */
static inline void expect_notification_in(struct rig *r, const struct bgp_sess_opts *o,
					  uint8_t code, uint8_t sub, const uint8_t *d, size_t len)
{
	uint8_t m[BGP_MAX_LEN];
	struct bgp_msg msg;

	for (int i = 0; i < 8; i++) {
		parse(m, rd_msg(r, m), o, &msg);
		if (msg.type == BGP_NOTIFICATION)
			break;
	}
	assert_int_equal(msg.type, BGP_NOTIFICATION);
	assert_int_equal(msg.u.notification.code, code);
	assert_int_equal(msg.u.notification.subcode, sub);
	if (len == RIG_ANY_DATA)
		return;
	assert_int_equal(buf_left(&msg.u.notification.data), len);
	if (len)
		assert_memory_equal(buf_cur(&msg.u.notification.data), d, len);
}

static inline void rig_quiet(int pri, const char *msg, void *arg)
{
	(void)pri;
	(void)msg;
	(void)arg;
}

/* For main, before the tests run: no log output, and SIGPIPE ignored as the daemons do (a peer
 * closing first is an EPIPE). */
static inline void rig_main_setup(void)
{
	log_set_sink(rig_quiet, NULL);
	signal(SIGPIPE, SIG_IGN);
}

#endif
