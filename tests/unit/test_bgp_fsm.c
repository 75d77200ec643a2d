/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_fsm.c - bgp/fsm.c: the RFC 4271 §8 table checked cell by cell
 * against an expected matrix written here from the RFC (every state x every event), then
 * live sessions over a socketpair driven by a scripted remote speaker built with proto/:
 * OPEN exchange to Established with capability negotiation results, hold timer expiry
 * (injected) -> NOTIFICATION 4, an unexpected OPEN in Established -> FSM error 5/3, a bad
 * peer AS -> OPEN error 2/2, and the idle hold back-off. Then connection collisions
 * (RFC 4271 §6.8) over loopback TCP, the scripted peer holding both connections (ours to
 * its listener, its own to ours) and choosing the order of the OPENs: the Identifier rule
 * whichever connection the first OPEN arrives on, a 6/7 received before Established (wait
 * for the peer's connection, no back-off), a new connection for an Established session
 * with and without graceful restart (RFC 4724 §4.2: a leftover of a collision does not
 * end the session however old it is; a real restart does, routes turning stale). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"

enum {
	I = BGP_ST_IDLE,
	C = BGP_ST_CONNECT,
	A = BGP_ST_ACTIVE,
	S = BGP_ST_OPENSENT,
	O = BGP_ST_OPENCONFIRM,
	E = BGP_ST_ESTABLISHED
};

/* Expected next state per RFC 4271 §8.2.2 (columns in enum bgp_fsm_event order):
 * Start StartPassive Stop ConnRetry Hold Keepalive TcpOk TcpFail Open HdrErr OpenErr
 * Collision Notif KeepaliveMsg Update UpdateErr Refresh, and ours: NotifMsg 6/7 before
 * Established (§6.8 from the losing side: wait in Active for the peer's connection) */
static const int expect[BGP_ST_MAX][BGP_FEV_MAX] = {
    [I] = {C, A, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I},
    [C] = {C, C, I, C, I, I, S, A, I, I, I, I, I, I, I, I, I, I},
    [A] = {A, A, I, C, I, I, S, A, I, I, I, I, I, I, I, I, I, I},
    [S] = {S, S, I, I, I, I, S, A, O, I, I, I, I, I, I, I, I, A},
    [O] = {O, O, I, I, I, O, O, I, I, I, I, I, I, E, I, I, I, A},
    [E] = {E, E, I, I, I, E, E, I, I, I, I, I, I, E, E, I, E, I},
};

static void test_table_every_cell(void **state)
{
	(void)state;
	for (int s = 0; s < BGP_ST_MAX; s++) {
		for (int e = 0; e < BGP_FEV_MAX; e++) {
			const struct bgp_fsm_entry *f = bgp_fsm_lookup(s, e);
			assert_non_null(f);
			assert_non_null(f->action);
			if (f->next != expect[s][e])
				fail_msg("%s x %s: next %s, expected %s", bgp_state_name(s),
					 bgp_fsm_event_name(e), bgp_state_name(f->next),
					 bgp_state_name(expect[s][e]));
		}
	}
	assert_null(bgp_fsm_lookup(BGP_ST_MAX, 0));
	assert_null(bgp_fsm_lookup(0, BGP_FEV_MAX));
	assert_null(bgp_fsm_lookup(-1, 0));
	/* every unexpected message in a synchronised state is an FSM error */
	assert_string_equal(bgp_fsm_lookup(E, BGP_FEV_OPEN)->name, "fsm_err");
	assert_string_equal(bgp_fsm_lookup(S, BGP_FEV_UPDATE)->name, "fsm_err");
	assert_string_equal(bgp_fsm_lookup(O, BGP_FEV_UPDATE)->name, "fsm_err");
	assert_string_equal(bgp_fsm_lookup(E, BGP_FEV_HOLD_EXP)->name, "hold_exp");
}

/* ---- a live peer over a socketpair ---- */
struct rig {
	struct event_base *base;
	struct bgp *b;
	struct bgp_peer *p;
	int fd; /* the remote side (of the connection the test talks on now) */
	int events[8];
	/* collision rigs (loopback TCP) */
	int lfd; /* the remote's listener: our connects land there */
	int x;	 /* remote end of our connection */
	int y;	 /* the remote's connection to our listener */
};

#include "bgp_testrig.h"

static struct rig *rig_new(uint32_t remote_as, bool gr)
{
	struct rig *r = rig_new_cfg(rig_cfg("192.0.2.2", remote_as, gr));
	r->x = r->y = r->lfd = -1;
	return r;
}

static void rig_free(struct rig *r)
{
	bgp_free(r->b);
	if (r->lfd >= 0) {
		close(r->lfd);
		if (r->x >= 0)
			close(r->x);
		if (r->y >= 0)
			close(r->y);
	} else {
		close(r->fd);
	}
	event_base_free(r->base);
	free(r);
}

static void expect_notification(struct rig *r, uint8_t code, uint8_t sub)
{
	const struct bgp_sess_opts none = {0};
	expect_notification_in(r, &none, code, sub, NULL, RIG_ANY_DATA);
}

/* Established with graceful restart, the peer sending the N bit (RFC 8538) if `n`. */
static struct rig *rig_gr_established(bool n)
{
	struct rig *r = rig_new(65000, true);
	remote_gr_flags = n ? BGP_GR_F_NOTIFY : 0;
	establish(r, 65000, false, true);
	remote_gr_flags = 0;
	return r;
}

static void test_establish_and_negotiate(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, true);
	establish(r, 65000, true, true);
	struct bgp_peer *p = r->p;
	assert_true(p->opts.as4);
	assert_true(p->opts.ibgp);
	assert_int_equal(p->opts.mp, 3);
	/* we offered send+receive, the peer only receives IPv4 paths */
	assert_int_equal(p->opts.addpath_tx, BGP_AID_BIT(BGP_AID_IPV4));
	assert_int_equal(p->opts.addpath_rx, 0);
	assert_true(p->opts.route_refresh);
	assert_int_equal(p->hold, 30); /* min(90, 30) */
	assert_true(p->peer_gr);
	assert_int_equal(p->peer_gr_time, 90);
	assert_int_equal(p->peer_gr_fwd, BGP_AID_BIT(BGP_AID_IPV4));
	rig_free(r);
}

static void test_hold_expiry(void **state)
{
	(void)state;
	struct rig *r = rig_new(65001, false);
	establish(r, 65001, false, false);
	assert_false(r->p->opts.ibgp);
	assert_int_equal(r->p->opts.addpath_tx, 0);
	bgp_timer_fire(r->p, BGP_T_HOLD); /* injected time */
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	expect_notification(r, BGP_ERR_HOLD, 0);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 1);
	rig_free(r);
}

static void test_unexpected_open_in_established(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	establish(r, 65000, false, false);
	send_open(r, 65000, false, false);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	expect_notification(r, BGP_ERR_FSM, 3);
	rig_free(r);
}

static void test_bad_peer_as(void **state)
{
	(void)state;
	struct rig *r = rig_new(65010, false);
	uint8_t m[BGP_MAX_LEN];
	rd_msg(r, m);
	send_open(r, 65011, false, false);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	expect_notification(r, BGP_ERR_OPEN, BGP_ERR_OPEN_AS);
	/* the idle hold time backs off after a failure in OpenSent */
	assert_int_equal(r->p->idle_hold, 2 * BGP_IDLE_HOLD_MIN);
	rig_free(r);
}

static void test_stop_sends_cease(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	establish(r, 65000, false, false);
	assert_int_equal(bgp_peer_clear(r->b, &r->p->cfg.addr), 0);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	expect_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST);
	/* automatic restart after the idle hold time: Start(Passive) -> Active */
	bgp_timer_fire(r->p, BGP_T_IDLE_HOLD);
	assert_int_equal(r->p->state, BGP_ST_ACTIVE);
	rig_free(r);
}

/* RFC 8538 §4 on the sending side: with N negotiated, a NOTIFICATION we send (an FSM
 * error for an unexpected OPEN) ends the session gracefully - the peer's routes stale, the
 * F bit in our next OPEN; without N it ends it the RFC 4724 way (routes dropped). A Stop
 * with Hard Reset sends 6/9 wrapping the subcode under N, the plain subcode without. */
static void test_notify_sent_under_n(void **state)
{
	(void)state;
	for (int n = 0; n <= 1; n++) {
		struct rig *r = rig_gr_established(n);
		assert_int_equal(r->p->opts.gr_notify, n);
		struct lisp_prefix pf;
		assert_int_equal(prefix_parse("10.1.0.1/32", &pf, false), 0);
		assert_int_equal(
		    bgp_rib_update(&r->p->rib_in, &pf, &(struct bgp_rib_path){.path_id = 1}), 0);
		send_open(r, 65000, false, true); /* unexpected in Established */
		assert_int_equal(r->p->state, BGP_ST_IDLE);
		expect_notification(r, BGP_ERR_FSM, 3);
		assert_int_equal(r->events[BGP_EV_STALE], n);
		assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), (size_t)n);
		assert_int_equal(r->p->gr_fwd_next, n);
		rig_free(r);
	}
	for (int n = 0; n <= 1; n++) {
		struct rig *r = rig_gr_established(n);
		const uint8_t arg[2] = {BGP_ERR_CEASE_HARD_RESET, BGP_ERR_CEASE_CONFIG};
		bgp_fsm_event(r->p, BGP_FEV_STOP, arg);
		assert_int_equal(r->p->state, BGP_ST_IDLE);
		expect_notification(r, BGP_ERR_CEASE,
				    n ? BGP_ERR_CEASE_HARD_RESET : BGP_ERR_CEASE_CONFIG);
		assert_int_equal(r->events[BGP_EV_STALE], 0);
		assert_false(r->p->gr_fwd_next);
		rig_free(r);
	}
	/* hold timer expiry under N: graceful, F next time */
	struct rig *r = rig_gr_established(true);
	bgp_timer_fire(r->p, BGP_T_HOLD);
	expect_notification(r, BGP_ERR_HOLD, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_true(r->p->gr_fwd_next);
	rig_free(r);
	/* the connection lost without N (RFC 4724 §4.2): graceful too, our table intact:
	   F next time as well (a peer such as BIRD 2.0 would otherwise drop our routes) */
	r = rig_gr_established(false);
	shutdown(r->fd, SHUT_RDWR);
	for (int i = 0; i < 50 && r->p->state != BGP_ST_IDLE; i++)
		spin(r);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_true(r->p->gr_fwd_next);
	rig_free(r);
}

/* ---- RFC 4271 §6.8: both connections of a peer, over loopback TCP ---- */

static int tcp_listener(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The speaker (10.0.0.1) connects to the scripted peer (127.0.0.1) and is in OpenSent on
 * that connection (x); the peer has not connected yet. */
static struct rig *crig_new(bool gr)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct bgp_cfg *c = rig_cfg("127.0.0.1", 65000, gr);
	uint16_t port;

	r->lfd = tcp_listener(&port);
	r->x = r->y = -1;
	c->listen = true;
	ipaddr_parse("127.0.0.1", &c->listen_addr);
	c->peers[0].port = port;
	rig_start(r, c);
	for (int i = 0; i < 200 && r->x < 0; i++) {
		spin(r);
		struct pollfd pfd = {r->lfd, POLLIN, 0};
		if (poll(&pfd, 1, 5) > 0)
			r->x = accept(r->lfd, NULL, NULL);
	}
	assert_true(r->x >= 0);
	fcntl(r->x, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 200 && r->p->state != BGP_ST_OPENSENT; i++)
		spin(r);
	assert_int_equal(r->p->state, BGP_ST_OPENSENT);
	assert_true(r->p->conn->outgoing);
	return r;
}

/* The scripted peer connects to the speaker's listener (y). */
static void crig_dial(struct rig *r)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(bgp_listen_port(r->b));
	r->y = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(r->y, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(r->y, F_SETFL, O_NONBLOCK);
}

/* ... and the speaker has taken it for a collision. */
static void crig_connect(struct rig *r)
{
	crig_dial(r);
	for (int i = 0; i < 200 && r->p->coll == NULL; i++) {
		spin(r);
		struct pollfd pfd = {r->y, POLLIN, 0};
		poll(&pfd, 1, 1);
	}
	assert_non_null(r->p->coll);
}

static uint8_t rd_type(struct rig *r, int fd, struct bgp_msg *msg)
{
	r->fd = fd;
	return rd_msg_type(r, msg);
}

/* Nothing more than EOF (or nothing at all) on fd within a few loop turns. */
static bool closed_or_quiet(struct rig *r, int fd)
{
	uint8_t m[64];
	for (int i = 0; i < 20; i++) {
		spin(r);
		ssize_t n = read(fd, m, sizeof(m));
		if (n == 0)
			return true;
		if (n > 0)
			return false;
		struct pollfd pfd = {fd, POLLIN, 0};
		poll(&pfd, 1, 2);
	}
	return true;
}

static void crig_wr(struct rig *r, int fd, void (*fn)(struct rig *))
{
	r->fd = fd;
	fn(r);
}

static void peer_open(struct rig *r)
{
	send_open(r, 65000, false, true);
}

static void send_cease_collision(struct rig *r)
{
	send_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
}

/* Both OpenSent; the peer's OPEN arrives first on OUR connection and the peer's
 * Identifier is higher: its connection must win although ours got the OPEN first (the
 * old code took ours to Established and then tore it down for the other: a flap). */
static void test_collision_open_on_ours_peer_higher(void **state)
{
	(void)state;
	remote_id = 0x0a000002;
	struct rig *r = crig_new(false);
	struct bgp_msg msg;
	crig_connect(r);
	assert_int_equal(rd_type(r, r->x, &msg), BGP_OPEN);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN); /* ours on its connection */
	crig_wr(r, r->x, peer_open);
	/* ours loses: 6/7 on it, the peer's connection carries on in OpenSent */
	assert_int_equal(rd_type(r, r->x, &msg), BGP_NOTIFICATION);
	assert_int_equal(msg.u.notification.code, BGP_ERR_CEASE);
	assert_int_equal(msg.u.notification.subcode, BGP_ERR_CEASE_COLLISION);
	assert_int_equal(r->p->state, BGP_ST_OPENSENT);
	assert_null(r->p->coll);
	assert_false(r->p->conn->outgoing);
	assert_int_equal(r->p->coll_sent, 1);
	crig_wr(r, r->y, peer_open);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_KEEPALIVE);
	crig_wr(r, r->y, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->events[BGP_EV_PEER_UP], 1);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 0);
	assert_int_equal(r->p->flaps, 0);
	assert_int_equal(r->p->idle_hold, BGP_IDLE_HOLD_MIN);
	rig_free(r);
}

/* The same order, our Identifier higher: ours stays, the peer's gets 6/7 at once. */
static void test_collision_open_on_ours_we_higher(void **state)
{
	(void)state;
	remote_id = 0x09000001;
	struct rig *r = crig_new(false);
	struct bgp_msg msg;
	crig_connect(r);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN);
	crig_wr(r, r->x, peer_open);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_NOTIFICATION);
	assert_int_equal(msg.u.notification.subcode, BGP_ERR_CEASE_COLLISION);
	assert_null(r->p->coll);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	assert_true(r->p->conn->outgoing);
	assert_int_equal(rd_type(r, r->x, &msg), BGP_OPEN);
	assert_int_equal(rd_type(r, r->x, &msg), BGP_KEEPALIVE);
	crig_wr(r, r->x, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	remote_id = 0x0a000002;
	rig_free(r);
}

/* A collision rig, the peer's Identifier higher, that got the peer's OPEN on our connection
 * (x): OpenConfirm. */
static struct rig *crig_new_openconfirm(void)
{
	remote_id = 0x0a000002;
	struct rig *r = crig_new(false);
	struct bgp_msg msg;
	assert_int_equal(rd_type(r, r->x, &msg), BGP_OPEN);
	crig_wr(r, r->x, peer_open);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	return r;
}

/* The OPEN arrives first on the peer's connection; ours is in OpenConfirm already when
 * the peer connects (so no OPEN goes out on the new one until it wins). Peer higher: the
 * new one wins, gets our OPEN and KEEPALIVE; ours gets 6/7. */
static void test_collision_openconfirm_peer_higher(void **state)
{
	(void)state;
	struct rig *r = crig_new_openconfirm();
	struct bgp_msg msg;
	assert_int_equal(rd_type(r, r->x, &msg), BGP_KEEPALIVE);
	crig_connect(r);
	assert_true(closed_or_quiet(r, r->y)); /* no OPEN yet on the new connection */
	crig_wr(r, r->y, peer_open);
	assert_int_equal(rd_type(r, r->x, &msg), BGP_NOTIFICATION);
	assert_int_equal(msg.u.notification.subcode, BGP_ERR_CEASE_COLLISION);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_KEEPALIVE);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	assert_false(r->p->conn->outgoing);
	crig_wr(r, r->y, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->p->flaps, 0);
	rig_free(r);
}

/* The losing side: 6/7 on our connection in OpenConfirm, the peer's connection not here
 * yet. Wait in Active for it - no Idle, no back-off (the old code went Idle, refused the
 * peer's connection and backed off). */
static void test_collision_lost_waits_active(void **state)
{
	(void)state;
	struct rig *r = crig_new_openconfirm();
	struct bgp_msg msg;
	crig_wr(r, r->x, send_cease_collision);
	assert_int_equal(r->p->state, BGP_ST_ACTIVE);
	assert_int_equal(r->p->idle_hold, BGP_IDLE_HOLD_MIN);
	assert_int_equal(r->p->coll_rcvd, 1);
	/* the peer's connection arrives: it is the session */
	crig_dial(r);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN);
	assert_int_equal(r->p->state, BGP_ST_OPENSENT);
	crig_wr(r, r->y, peer_open);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_KEEPALIVE);
	crig_wr(r, r->y, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	rig_free(r);
}

static void crig_establish_x(struct rig *r)
{
	struct bgp_msg msg;
	assert_int_equal(rd_type(r, r->x, &msg), BGP_OPEN);
	crig_wr(r, r->x, peer_open);
	assert_int_equal(rd_type(r, r->x, &msg), BGP_KEEPALIVE);
	crig_wr(r, r->x, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
}

/* Established without graceful restart: a new connection gets 6/7 at once. */
static void test_collision_established_no_gr(void **state)
{
	(void)state;
	struct rig *r = crig_new(false);
	struct bgp_msg msg;
	crig_establish_x(r);
	crig_dial(r);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_NOTIFICATION);
	assert_int_equal(msg.u.notification.subcode, BGP_ERR_CEASE_COLLISION);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->p->coll_sent, 1);
	rig_free(r);
}

/* Established with graceful restart, the session older than any start-up window: a
 * connection that turns out to be a collision leftover (its OPEN then 6/7) must not end
 * the session (the old code took any new connection after 2 s for a restart). */
static void test_collision_established_gr_leftover(void **state)
{
	(void)state;
	struct rig *r = crig_new(true);
	struct bgp_msg msg;
	crig_establish_x(r);
	r->p->up_since -= 60;
	crig_connect(r);
	assert_true(closed_or_quiet(r, r->y));
	crig_wr(r, r->y, peer_open);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN); /* we answer, and wait */
	crig_wr(r, r->y, send_cease_collision);
	assert_null(r->p->coll);
	assert_int_equal(r->p->coll_rcvd, 1);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 0);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	assert_int_equal(r->p->flaps, 0);
	rig_free(r);
}

/* Established with graceful restart, and the peer really restarted: it completes the OPEN
 * exchange on its new connection; the old session ends gracefully (stale, no
 * NOTIFICATION), the new one is Established. */
static void test_collision_established_gr_restart(void **state)
{
	(void)state;
	struct rig *r = crig_new(true);
	struct bgp_msg msg;
	crig_establish_x(r);
	crig_connect(r);
	crig_wr(r, r->y, peer_open);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_OPEN);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	crig_wr(r, r->y, send_keepalive);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_false(r->p->conn->outgoing);
	assert_null(r->p->coll);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 1);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_int_equal(r->events[BGP_EV_PEER_UP], 2);
	assert_int_equal(rd_type(r, r->y, &msg), BGP_KEEPALIVE);
	/* the old connection was closed without a NOTIFICATION: read it to EOF */
	static uint8_t all[1 << 16];
	size_t have = 0;
	for (int i = 0; i < 200; i++) {
		spin(r);
		ssize_t n = read(r->x, all + have, sizeof(all) - have);
		if (n == 0)
			break;
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		struct pollfd pfd = {r->x, POLLIN, 0};
		poll(&pfd, 1, 5);
	}
	for (size_t off = 0; off + BGP_HDR_LEN <= have;) {
		size_t len = ((size_t)all[off + 16] << 8) | all[off + 17];
		assert_int_not_equal(all[off + 18], BGP_NOTIFICATION);
		assert_true(len >= BGP_HDR_LEN);
		off += len;
	}
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_every_cell),
	    cmocka_unit_test(test_establish_and_negotiate),
	    cmocka_unit_test(test_hold_expiry),
	    cmocka_unit_test(test_unexpected_open_in_established),
	    cmocka_unit_test(test_bad_peer_as),
	    cmocka_unit_test(test_stop_sends_cease),
	    cmocka_unit_test(test_notify_sent_under_n),
	    cmocka_unit_test(test_collision_open_on_ours_peer_higher),
	    cmocka_unit_test(test_collision_open_on_ours_we_higher),
	    cmocka_unit_test(test_collision_openconfirm_peer_higher),
	    cmocka_unit_test(test_collision_lost_waits_active),
	    cmocka_unit_test(test_collision_established_no_gr),
	    cmocka_unit_test(test_collision_established_gr_leftover),
	    cmocka_unit_test(test_collision_established_gr_restart),
	};
	rig_main_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
