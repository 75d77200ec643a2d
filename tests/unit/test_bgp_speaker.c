/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_speaker.c - the speaker end to end over a socketpair, the remote side
 * scripted with proto/: UPDATE packing (many NLRI per message when attributes are equal,
 * one path per RLOC with ADD-PATH, the best RLOC without it, withdrawals of old path IDs on
 * a move, End-of-RIB after the initial table), and the graceful restart helper with injected
 * timers (routes stale on session loss, purged when the restart timer fires, refreshed
 * routes kept and the rest purged at End-of-RIB), the restarting speaker's R bit (RFC 4724
 * §4.1: only until the initial update is done, or the restart time is over) and F bit
 * (from bgp_cfg.gr_forwarding), and bgp_reconfigure (unchanged peers keep their session,
 * changed ones and all after a router ID change get Cease/Other Configuration Change,
 * added and removed peers). The config copy and equality (bgp_config_dup/equal: every field
 * of the config and of a peer counts), the reload rule of both daemons (bgp_reload_check),
 * and bgp_free_deconfigured (the peers' mappings withdrawn through the callback). Tenants:
 * a peer without the VPN families gets no mapping of an instance ID other than 0 (counted,
 * logged once per session); with them two tenants' same prefix are two VPN routes, sent,
 * withdrawn and received apart. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"

/* ---- a live peer over a socketpair ---- */
struct rig {
	struct event_base *base;
	struct bgp *b;
	struct bgp_peer *p;
	int fd; /* the remote side */
	int events[8];
};

#include "bgp_testrig.h"
#include "common/cli.h"

static bool cfg_restarting, cfg_forwarding; /* for the next rig_new */
static bool cfg_no_notify;		    /* for the next rig_new: graceful-notification="off" */

static struct rig *rig_new(uint32_t remote_as, bool gr)
{
	struct bgp_cfg *c = rig_cfg("192.0.2.2", remote_as, gr);

	c->restarting = cfg_restarting;
	c->gr_forwarding = cfg_forwarding;
	if (cfg_no_notify)
		c->peers[0].gr_notify = false;
	return rig_new_cfg(c);
}

static void rig_free(struct rig *r)
{
	bgp_free(r->b);
	if (r->fd >= 0)
		close(r->fd);
	event_base_free(r->base);
	free(r);
}

/* Count UPDATE messages and announced / withdrawn NLRI until End-of-RIB or a quiet read. */
struct tally {
	int updates, eor;
	size_t nlri, withdrawn;
	uint32_t ids[64];
	size_t n_ids;
};

static int rd_msg_maybe(struct rig *r, uint8_t *m)
{
	struct pollfd pfd = {r->fd, POLLIN, 0};
	spin(r);
	if (poll(&pfd, 1, 50) <= 0)
		return 0;
	return (int)rd_msg(r, m);
}

static void count_nlri(const struct bgp_nlri_list *l, struct tally *t, bool wd)
{
	struct bgp_nlri_iter it;
	struct bgp_route rt;
	if (l->count == 0)
		return;
	bgp_nlri_iter_init(&it, l);
	while (bgp_nlri_next(&it, &rt) == 1) {
		if (wd)
			t->withdrawn++;
		else
			t->nlri++;
		if (!wd && t->n_ids < 64)
			t->ids[t->n_ids++] = rt.path_id;
	}
}

static void drain(struct rig *r, struct tally *t, const struct bgp_sess_opts *o)
{
	uint8_t m[BGP_MAX_LEN];
	int len;
	memset(t, 0, sizeof(*t));
	while ((len = rd_msg_maybe(r, m)) > 0) {
		struct bgp_msg msg;
		parse(m, (size_t)len, o, &msg);
		if (msg.type != BGP_UPDATE)
			continue;
		uint16_t afi;
		uint8_t safi;
		if (bgp_update_is_eor(&msg.u.update, &afi, &safi)) {
			t->eor++;
			continue;
		}
		t->updates++;
		count_nlri(&msg.u.update.nlri, t, false);
		count_nlri(&msg.u.update.attrs.mp_reach, t, false);
		count_nlri(&msg.u.update.withdrawn, t, true);
		count_nlri(&msg.u.update.attrs.mp_unreach, t, true);
	}
}

static void mapping(struct bgp_host_mapping *m, const char *eid, const char *r1, const char *r2)
{
	memset(m, 0, sizeof(*m));
	assert_int_equal(prefix_parse(eid, &m->eid, false), 0);
	m->ttl = 60;
	m->n_loc = 1;
	assert_int_equal(ipaddr_parse(r1, &m->loc[0].rloc), 0);
	m->loc[0].priority = 1;
	m->loc[0].weight = 100;
	if (r2) {
		m->n_loc = 2;
		assert_int_equal(ipaddr_parse(r2, &m->loc[1].rloc), 0);
		m->loc[1].priority = 2;
		m->loc[1].weight = 100;
	}
}

static void test_packing_without_addpath(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	struct tally t;
	char s[32];
	establish(r, 65000, false, false);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.eor, 2); /* empty table: End-of-RIB for IPv4 and IPv6 at once */
	for (int i = 0; i < 1000; i++) {
		struct bgp_host_mapping m;
		snprintf(s, sizeof(s), "10.0.%d.%d/32", i / 256, i % 256);
		mapping(&m, s, "192.0.2.1", "192.0.2.2");
		assert_int_equal(bgp_announce(r->b, &m), 0);
	}
	drain(r, &t, &r->p->opts);
	/* one path each (the best RLOC), equal attributes: ~5 bytes per NLRI in 4 KB messages */
	assert_int_equal(t.nlri, 1000);
	assert_true(t.updates >= 1 && t.updates <= 3);
	assert_int_equal(r->p->rib_out.n_paths, 1000);
	/* re-announcing the same mapping sends nothing */
	struct bgp_host_mapping m;
	mapping(&m, "10.0.0.1/32", "192.0.2.1", "192.0.2.2");
	bgp_announce(r->b, &m);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.updates, 0);
	/* a move without ADD-PATH: an implicit replace, no withdraw */
	mapping(&m, "10.0.0.1/32", "192.0.2.9", NULL);
	bgp_announce(r->b, &m);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.nlri, 1);
	assert_int_equal(t.withdrawn, 0);
	/* withdraw 500 */
	for (int i = 0; i < 500; i++) {
		struct lisp_prefix p;
		snprintf(s, sizeof(s), "10.0.%d.%d/32", i / 256, i % 256);
		prefix_parse(s, &p, false);
		assert_int_equal(bgp_withdraw(r->b, &p), 0);
	}
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.withdrawn, 500);
	assert_true(t.updates <= 2);
	assert_int_equal(r->p->rib_out.n_paths, 500);
	rig_free(r);
}

/* An UPDATE that cannot be written (no connection any more) is not counted as sent. */
static void test_unsent_update_not_counted(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	struct tally t;
	struct bgp_host_mapping m;
	establish(r, 65000, false, false);
	drain(r, &t, &r->p->opts);
	uint64_t updates = r->p->updates_out, msgs = r->p->msgs_out;
	mapping(&m, "198.51.100.5/32", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	struct bgp_conn *c = r->p->conn;
	r->p->conn = NULL; /* bgp_send_raw fails */
	bgp_out_sync_peer(r->p, NULL, 0, true);
	assert_int_equal(r->p->updates_out, updates);
	assert_int_equal(r->p->msgs_out, msgs);
	r->p->conn = c;
	/* and one that is written counts */
	mapping(&m, "198.51.100.6/32", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.nlri, 1);
	assert_int_equal(r->p->updates_out, updates + 1);
	rig_free(r);
}

static void test_addpath_one_path_per_rloc(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	struct tally t;
	struct bgp_host_mapping m;
	establish(r, 65000, true, false); /* the peer receives IPv4 paths */
	drain(r, &t, &r->p->opts);
	struct bgp_sess_opts rx = r->p->opts; /* decode with path IDs */
	rx.addpath_rx = rx.addpath_tx;
	mapping(&m, "198.51.100.5/32", "192.0.2.1", "192.0.2.2");
	bgp_announce(r->b, &m);
	drain(r, &t, &rx);
	assert_int_equal(t.nlri, 2);
	assert_int_equal(t.updates, 2); /* different next hops: one UPDATE each */
	assert_true((t.ids[0] == 0xc0000201 && t.ids[1] == 0xc0000202) ||
		    (t.ids[1] == 0xc0000201 && t.ids[0] == 0xc0000202));
	/* a move: the new path, and a withdraw of both old path IDs */
	mapping(&m, "198.51.100.5/32", "192.0.2.7", NULL);
	bgp_announce(r->b, &m);
	drain(r, &t, &rx);
	assert_int_equal(t.nlri, 1);
	assert_int_equal(t.withdrawn, 2);
	rig_free(r);
}

static void send_route(struct rig *r, uint8_t last, bool eor)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	size_t fitted;
	struct bgp_sess_opts o = r->p->opts;
	buf_init_write(&w, m, sizeof(m));
	if (eor) {
		assert_int_equal(bgp_build_withdraw(&w, &o, 1, NULL, 0, 0, &fitted, NULL), 0);
	} else {
		struct bgp_host_mapping hm;
		char s[32];
		snprintf(s, sizeof(s), "10.8.0.%u/32", last);
		mapping(&hm, s, "192.0.2.5", NULL);
		struct bgp_map_path mp;
		assert_int_equal(bgp_mapping_encode_path(&hm, 0, 65000, false, &o, &mp, NULL), 0);
		assert_int_equal(
		    bgp_build_update(&w, &o, &mp.attrs, mp.afi, &mp.route, 1, 0, &fitted, NULL), 0);
	}
	wr(r, m, w.len);
}

static void test_gr_helper(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, true);
	struct tally t;
	establish(r, 65000, false, true);
	drain(r, &t, &r->p->opts);
	for (uint8_t i = 1; i <= 3; i++)
		send_route(r, i, false);
	assert_int_equal(r->p->rib_in.n_paths, 3);
	assert_int_equal(r->events[BGP_EV_MAPPING], 3);
	/* the peer dies without a NOTIFICATION: routes kept as stale */
	close(r->fd);
	spin(r);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 3);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 0);
	/* it comes back (the restart timer has not fired): refreshes 2 of 3, then End-of-RIB */
	bgp_fsm_event(r->p, BGP_FEV_START_PASSIVE, NULL);
	rig_connect(r);
	r->events[BGP_EV_PEER_UP] = 0;
	establish(r, 65000, false, true);
	drain(r, &t, &r->p->opts);
	assert_int_equal(r->p->stale_afs, BGP_AID_BIT(BGP_AID_IPV4));
	send_route(r, 1, false);
	send_route(r, 2, false);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 1);
	send_route(r, 0, true); /* End-of-RIB */
	assert_int_equal(r->p->rib_in.n_paths, 2);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 1);
	/* down again, and this time the restart timer fires (injected): everything purged */
	close(r->fd);
	spin(r);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 2);
	bgp_timer_fire(r->p, BGP_T_GR_RESTART);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 3);
	r->fd = -1;
	rig_free(r);
}

static void test_no_gr_flushes(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	struct tally t;
	establish(r, 65000, false, false);
	drain(r, &t, &r->p->opts);
	send_route(r, 1, false);
	assert_int_equal(r->p->rib_in.n_paths, 1);
	close(r->fd);
	spin(r);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 1);
	r->fd = -1;
	rig_free(r);
}

static void finish_establish(struct rig *r)
{
	uint8_t m[BGP_MAX_LEN];
	send_open(r, 65000, false, true);
	assert_int_equal(r->p->state, BGP_ST_OPENCONFIRM);
	rd_msg(r, m); /* KEEPALIVE */
	send_keepalive(r);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
}

/* finish_establish, the peer sending the N bit (RFC 8538) if `n`. */
static void finish_establish_n(struct rig *r, bool n)
{
	remote_gr_flags = n ? BGP_GR_F_NOTIFY : 0;
	finish_establish(r);
	remote_gr_flags = 0;
}

/* New connection of the rig's peer after it went down. */
static void reconnect(struct rig *r)
{
	close(r->fd);
	bgp_timer_fire(r->p, BGP_T_IDLE_HOLD);
	assert_int_equal(r->p->state, BGP_ST_ACTIVE);
	rig_connect(r);
}

/* RFC 4724 §4.1: R only until End-of-RIB went to every GR peer; F = 0 by default (the
 * old code kept R on every session of the process and always claimed F). */
static void test_restart_bit_until_initial_update(void **state)
{
	(void)state;
	struct bgp_open o;
	struct tally t;
	cfg_restarting = true;
	struct rig *r = rig_new(65000, true);
	cfg_restarting = false;
	assert_true(r->b->restarting);
	assert_true(evtimer_pending(r->b->t_restart, NULL));
	read_open(r, &o);
	assert_true(o.caps.gr);
	assert_true(o.caps.gr_flags & BGP_GR_F_RESTART);
	assert_int_equal(o.caps.n_gr, 2);
	assert_int_equal(o.caps.gr_af[0].flags & BGP_GR_AF_F_FWD, 0); /* no forwarding state */
	finish_establish(r);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.eor, 2);
	assert_false(r->b->restarting); /* initial update done */
	assert_false(evtimer_pending(r->b->t_restart, NULL));
	assert_true(r->p->sent_restart); /* what this session advertised */
	assert_int_equal(bgp_peer_clear(r->b, &r->p->cfg.addr), 0);
	reconnect(r);
	read_open(r, &o);
	assert_false(o.caps.gr_flags & BGP_GR_F_RESTART);
	assert_false(r->p->sent_restart);
	rig_free(r);
}

/* ... or until the restart time is over; F set when the daemon says it kept forwarding. */
static void test_restart_bit_timeout_and_f_bit(void **state)
{
	(void)state;
	struct bgp_open o;
	cfg_restarting = true;
	cfg_forwarding = true;
	struct rig *r = rig_new(65000, true);
	cfg_restarting = cfg_forwarding = false;
	read_open(r, &o);
	assert_true(o.caps.gr_flags & BGP_GR_F_RESTART);
	assert_int_equal(o.caps.gr_af[0].flags & BGP_GR_AF_F_FWD, BGP_GR_AF_F_FWD);
	bgp_restart_timeout(r->b); /* injected: the peer never completed the session */
	assert_false(r->b->restarting);
	uint8_t sub = BGP_ERR_CEASE_ADMIN_RST;
	bgp_fsm_event(r->p, BGP_FEV_STOP, &sub);
	reconnect(r);
	read_open(r, &o); /* the NOTIFICATION went to the old socket; this is the new OPEN */
	assert_false(o.caps.gr_flags & BGP_GR_F_RESTART);
	assert_int_equal(o.caps.gr_af[0].flags & BGP_GR_AF_F_FWD, BGP_GR_AF_F_FWD);
	rig_free(r);
}

/* ---- RFC 8538: NOTIFICATIONs under the N bit ---- */

/* A rig Established with 3 routes from the peer; `n`: the peer sends the N bit. */
static struct rig *rig_with_routes(bool n)
{
	struct tally t;
	struct bgp_open o;
	struct rig *r = rig_new(65000, true);
	read_open(r, &o);
	assert_true(o.caps.gr);
	assert_int_equal(o.caps.gr_flags & BGP_GR_F_NOTIFY, cfg_no_notify ? 0 : BGP_GR_F_NOTIFY);
	finish_establish_n(r, n);
	assert_int_equal(r->p->opts.gr_notify, n && !cfg_no_notify);
	drain(r, &t, &r->p->opts);
	for (uint8_t i = 1; i <= 3; i++)
		send_route(r, i, false);
	assert_int_equal(r->p->rib_in.n_paths, 3);
	return r;
}

/* Back after a reset; returns our OPEN's F bit for IPv4 and leaves the session up with
 * the peer's N bit set as `n`. */
static bool come_back(struct rig *r, bool n)
{
	struct bgp_open o;
	struct tally t;
	reconnect(r);
	read_open(r, &o);
	finish_establish_n(r, n);
	drain(r, &t, &r->p->opts);
	assert_int_equal(t.eor, 2); /* our whole table again */
	return (o.caps.gr_af[0].flags & BGP_GR_AF_F_FWD) != 0;
}

/* Received NOTIFICATION (not Hard Reset) with N on both sides: the RFC 4724 §4.2 helper
 * procedures - routes stale, refreshed ones kept, the rest purged at End-of-RIB - and our
 * next OPEN carries the F bit (RFC 8538 §4: our table survived the reset). */
static void test_notify_received_keeps_routes(void **state)
{
	(void)state;
	struct rig *r = rig_with_routes(true);
	send_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST, NULL, 0);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 3);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 0);
	assert_true(r->p->gr_fwd_next);
	assert_true(come_back(r, true));
	assert_false(r->p->gr_fwd_next);
	assert_int_equal(r->p->stale_afs, BGP_AID_BIT(BGP_AID_IPV4));
	send_route(r, 1, false);
	send_route(r, 3, false);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 1);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 0);
	send_route(r, 0, true); /* End-of-RIB */
	assert_int_equal(r->p->rib_in.n_paths, 2);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 1);
	/* a FSM error from the peer is a NOTIFICATION like any other */
	send_notification(r, BGP_ERR_FSM, 3, NULL, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 2);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 2);
	rig_free(r);
}

/* RFC 8538 §3: Cease/Hard Reset drops everything at once, N or not; its data (the reason
 * it wraps) ends in the last error. */
static void test_notify_hard_reset_received(void **state)
{
	(void)state;
	struct rig *r = rig_with_routes(true);
	const uint8_t why[2] = {BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_DOWN};
	send_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_HARD_RESET, why, 2);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 3);
	assert_false(r->p->gr_fwd_next);
	assert_non_null(strstr(r->p->last_reason, "Hard Reset (Cease / Administrative Shutdown)"));
	assert_false(come_back(r, true)); /* no F: nothing was kept */
	rig_free(r);
}

/* Without N on both sides, RFC 4724 as before: a NOTIFICATION drops the routes. */
static void test_notify_without_n_flushes(void **state)
{
	(void)state;
	struct rig *r = rig_with_routes(false); /* the peer does not send N */
	send_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST, NULL, 0);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 3);
	assert_false(come_back(r, false));
	rig_free(r);
	cfg_no_notify = true; /* we do not send N (graceful-notification="off") */
	r = rig_with_routes(true);
	cfg_no_notify = false;
	send_notification(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST, NULL, 0);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	rig_free(r);
}

static void expect_notification_data(struct rig *r, uint8_t code, uint8_t sub, const uint8_t *d,
				     size_t len)
{
	expect_notification_in(r, &r->p->opts, code, sub, d, len);
}

/* Sending: `clear bgp ADDR` (Administrative Reset) is graceful under N on our side too;
 * `clear bgp ADDR hard` sends Hard Reset wrapping it and drops the routes; without N the
 * hard variant sends the plain subcode (a peer without N knows no Hard Reset). */
static void test_clear_graceful_and_hard(void **state)
{
	(void)state;
	const uint8_t rst[2] = {BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST};
	struct rig *r = rig_with_routes(true);
	assert_int_equal(bgp_peer_clear(r->b, &r->p->cfg.addr), 0);
	expect_notification_data(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST, NULL, 0);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_int_equal(bgp_rib_count_stale(&r->p->rib_in), 3);
	assert_true(come_back(r, true));
	send_route(r, 0, true); /* End-of-RIB without the routes: all purged */
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 3);
	for (uint8_t i = 1; i <= 3; i++)
		send_route(r, i, false);
	assert_int_equal(bgp_peer_clear_hard(r->b, &r->p->cfg.addr), 0);
	expect_notification_data(r, BGP_ERR_CEASE, BGP_ERR_CEASE_HARD_RESET, rst, 2);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	assert_int_equal(r->events[BGP_EV_STALE], 1);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], 6);
	assert_false(r->p->gr_fwd_next);
	struct ipaddr other;
	assert_int_equal(ipaddr_parse("192.0.2.99", &other), 0);
	assert_int_equal(bgp_peer_clear_hard(r->b, &other), -1);
	rig_free(r);
	r = rig_with_routes(false);
	assert_int_equal(bgp_peer_clear_hard(r->b, &r->p->cfg.addr), 0);
	expect_notification_data(r, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_RST, NULL, 0);
	assert_int_equal(r->p->rib_in.n_paths, 0);
	rig_free(r);
}

/* bgp_free: Cease/Administrative Shutdown (graceful for a receiver with N); bgp_free_hard:
 * Hard Reset wrapping it to a peer with N. */
static void test_free_graceful_and_hard(void **state)
{
	(void)state;
	const uint8_t down[2] = {BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_DOWN};
	for (int hard = 0; hard <= 1; hard++) {
		struct rig *r = rig_with_routes(true);
		struct tally t;
		drain(r, &t, &r->p->opts);
		struct bgp_sess_opts o = r->p->opts;
		if (hard)
			bgp_free_hard(r->b);
		else
			bgp_free(r->b);
		r->b = NULL;
		uint8_t m[BGP_MAX_LEN];
		struct bgp_msg msg;
		parse(m, rd_msg(r, m), &o, &msg);
		assert_int_equal(msg.type, BGP_NOTIFICATION);
		assert_int_equal(msg.u.notification.code, BGP_ERR_CEASE);
		assert_int_equal(msg.u.notification.subcode,
				 hard ? BGP_ERR_CEASE_HARD_RESET : BGP_ERR_CEASE_ADMIN_DOWN);
		assert_int_equal(buf_left(&msg.u.notification.data), hard ? 2 : 0);
		if (hard)
			assert_memory_equal(buf_cur(&msg.u.notification.data), down, 2);
		rig_free(r);
	}
	/* a GR peer without N: only the close (a Cease would make it drop our routes) */
	struct rig *r = rig_with_routes(false);
	struct tally t;
	drain(r, &t, &r->p->opts);
	bgp_free(r->b);
	r->b = NULL;
	uint8_t c;
	struct pollfd pfd = {r->fd, POLLIN, 0};
	spin(r); /* libevent finalizes the freed connection in the loop */
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(read(r->fd, &c, 1), 0); /* EOF, no NOTIFICATION */
	rig_free(r);
}

static struct bgp_cfg *cfg_copy(const struct bgp_cfg *c, size_t extra)
{
	struct bgp_cfg *n = calloc(1, sizeof(*n));
	*n = *c;
	n->peers = calloc(c->n_peers + extra, sizeof(*n->peers));
	memcpy(n->peers, c->peers, c->n_peers * sizeof(*n->peers));
	return n;
}

static void expect_cease(struct rig *r, uint8_t sub)
{
	expect_notification_in(r, &r->p->opts, BGP_ERR_CEASE, sub, NULL, RIG_ANY_DATA);
}

static void test_reconfigure(void **state)
{
	(void)state;
	struct rig *r = rig_new(65000, false);
	struct tally t;
	struct ipaddr a3;
	establish(r, 65000, false, false);
	drain(r, &t, &r->p->opts);
	ipaddr_parse("192.0.2.3", &a3);

	/* unchanged peer + a new one: the session stays, the new peer starts (passive) */
	struct bgp_cfg *c1 = cfg_copy(r->b->cfg, 1);
	bgp_peer_cfg_init(&c1->peers[1]);
	c1->peers[1].addr = a3;
	c1->peers[1].remote_as = 65000;
	c1->peers[1].passive = true;
	c1->n_peers = 2;
	assert_int_equal(bgp_reconfigure(r->b, c1), 0);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 0);
	assert_non_null(bgp_peer_find(r->b, &a3));
	assert_int_equal(bgp_peer_find(r->b, &a3)->state, BGP_ST_ACTIVE);

	/* invalid: a peer twice; nothing changes, the caller keeps its config */
	struct bgp_cfg *bad = cfg_copy(r->b->cfg, 1);
	bad->peers[2] = bad->peers[1];
	bad->n_peers = 3;
	assert_int_equal(bgp_reconfigure(r->b, bad), -1);
	bgp_config_free(bad);
	assert_ptr_equal(r->b->cfg, c1);

	/* a changed router ID resets every session: Cease/Other Configuration Change */
	struct bgp_cfg *c2 = cfg_copy(r->b->cfg, 0);
	c2->router_id = 0x0a000009;
	assert_int_equal(bgp_reconfigure(r->b, c2), 0);
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	expect_cease(r, BGP_ERR_CEASE_CONFIG);
	assert_int_equal(r->events[BGP_EV_PEER_DOWN], 1);
	reconnect(r);
	struct bgp_open o;
	read_open(r, &o);
	assert_int_equal(o.bgp_id, 0x0a000009);
	finish_establish(r);

	/* a changed peer is reset with its new settings; a removed one is gone */
	struct bgp_cfg *c3 = cfg_copy(r->b->cfg, 0);
	c3->n_peers = 1; /* 192.0.2.3 removed (peers[0] is 192.0.2.2) */
	assert_true(ipaddr_eq(&c3->peers[0].addr, &r->p->cfg.addr));
	c3->peers[0].hold_time = 60;
	assert_int_equal(bgp_reconfigure(r->b, c3), 0);
	assert_null(bgp_peer_find(r->b, &a3));
	assert_int_equal(r->p->state, BGP_ST_IDLE);
	assert_int_equal(r->p->cfg.hold_time, 60);
	expect_cease(r, BGP_ERR_CEASE_CONFIG);
	rig_free(r);
}

/* ---- bgp_config_dup / bgp_config_equal: every field counts ---- */
static struct bgp_cfg *two_peer_cfg(void)
{
	struct bgp_cfg *c = rig_cfg("192.0.2.2", 65001, true);
	struct bgp_cfg *d = cfg_copy(c, 1);

	bgp_config_free(c);
	bgp_peer_cfg_init(&d->peers[1]);
	ipaddr_parse("2001:db8::3", &d->peers[1].addr);
	d->peers[1].remote_as = 65002;
	d->n_peers = 2;
	return d;
}

typedef void cfg_mut(struct bgp_cfg *c);
#define MUT(name, stmt)                                                                            \
	static void name(struct bgp_cfg *c)                                                        \
	{                                                                                          \
		stmt;                                                                              \
	}
MUT(m_local_as, c->local_as++)
MUT(m_router_id, c->router_id++)
MUT(m_listen, c->listen = true)
MUT(m_listen_addr, (c->listen = true, ipaddr_parse("192.0.2.1", &c->listen_addr)))
MUT(m_gr_time, c->gr_time++)
MUT(m_restarting, c->restarting = !c->restarting)
MUT(m_gr_forwarding, c->gr_forwarding = !c->gr_forwarding)
MUT(m_n_peers, c->n_peers--)
MUT(m_addr, ipaddr_parse("192.0.2.9", &c->peers[1].addr))
MUT(m_local, ipaddr_parse("192.0.2.1", &c->peers[1].local))
MUT(m_port, c->peers[1].port = 1179)
MUT(m_remote_as, c->peers[1].remote_as++)
MUT(m_passive, c->peers[1].passive = !c->peers[1].passive)
MUT(m_password, strcpy(c->peers[1].password, "secret"))
MUT(m_hold_time, c->peers[1].hold_time = 30)
MUT(m_connect_retry, c->peers[1].connect_retry++)
MUT(m_families, c->peers[1].families = BGP_AID_BIT(BGP_AID_IPV6))
MUT(m_addpath, c->peers[1].addpath = BGP_ADDPATH_RECV)
MUT(m_ext_nh, c->peers[1].ext_nh = !c->peers[1].ext_nh)
MUT(m_gr, c->peers[1].gr = !c->peers[1].gr)
MUT(m_gr_notify, c->peers[1].gr_notify = !c->peers[1].gr_notify)
MUT(m_stale_time, c->peers[1].stale_time++)

static void test_config_dup_equal(void **state)
{
	(void)state;
	static const struct {
		const char *field;
		cfg_mut *fn;
	} muts[] = {
	    {"local_as", m_local_as},
	    {"router_id", m_router_id},
	    {"listen", m_listen},
	    {"listen_addr", m_listen_addr},
	    {"gr_time", m_gr_time},
	    {"restarting", m_restarting},
	    {"gr_forwarding", m_gr_forwarding},
	    {"n_peers", m_n_peers},
	    {"peer addr", m_addr},
	    {"peer local", m_local},
	    {"peer port", m_port},
	    {"peer remote_as", m_remote_as},
	    {"peer passive", m_passive},
	    {"peer password", m_password},
	    {"peer hold_time", m_hold_time},
	    {"peer connect_retry", m_connect_retry},
	    {"peer families", m_families},
	    {"peer addpath", m_addpath},
	    {"peer ext_nh", m_ext_nh},
	    {"peer gr", m_gr},
	    {"peer gr_notify", m_gr_notify},
	    {"peer stale_time", m_stale_time},
	};
	struct bgp_cfg *c = two_peer_cfg();

	/* A field added to struct bgp_cfg or bgp_peer_cfg changes these sizes: compare it in
	 * bgp_config_equal / bgp_peer_cfg_equal and add its mutation above. */
	assert_int_equal(sizeof(struct bgp_peer_cfg), 140);
	assert_int_equal(sizeof(struct bgp_cfg), 56);

	struct bgp_cfg *d = bgp_config_dup(c);
	assert_non_null(d);
	assert_ptr_not_equal(d->peers, c->peers); /* deep */
	assert_true(bgp_config_equal(c, d));
	assert_true(bgp_config_equal(NULL, NULL));
	assert_false(bgp_config_equal(NULL, c));
	assert_false(bgp_config_equal(c, NULL));
	assert_null(bgp_config_dup(NULL));
	bgp_config_free(d);
	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		d = bgp_config_dup(c);
		muts[i].fn(d);
		if (bgp_config_equal(c, d) || bgp_config_equal(d, c))
			fail_msg("%s changed, still equal", muts[i].field);
		bgp_config_free(d);
	}
	/* no change: the peers' order; a port 0 (= 179); the listener's address without one */
	d = bgp_config_dup(c);
	struct bgp_peer_cfg t = d->peers[0];
	d->peers[0] = d->peers[1];
	d->peers[1] = t;
	d->peers[0].port = 0;
	ipaddr_parse("192.0.2.1", &d->listen_addr);
	assert_true(bgp_config_equal(c, d));
	assert_true(bgp_peer_cfg_equal(&c->peers[1], &d->peers[0]));
	assert_ptr_equal(bgp_config_peer(d, &c->peers[0].addr), &d->peers[1]);
	bgp_config_free(d);
	bgp_config_free(c);
}

/* ---- bgp_reload_check: the rule of both daemons ---- */
static void test_reload_check(void **state)
{
	(void)state;
	struct bgp_cfg *c = two_peer_cfg(), *d;
	char why[256];

	assert_int_equal(bgp_reload_check(NULL, NULL, why, sizeof(why)), BGP_RELOAD_SAME);
	assert_int_equal(bgp_reload_check(c, c, why, sizeof(why)), BGP_RELOAD_SAME);
	assert_int_equal(bgp_reload_check(NULL, c, why, sizeof(why)), BGP_RELOAD_START);
	assert_int_equal(bgp_reload_check(c, NULL, why, sizeof(why)), BGP_RELOAD_STOP);
	assert_non_null(strstr(why, "2 peer(s) get Cease/Peer De-configured"));

	/* a peer added, one removed, one changed: in place */
	d = bgp_config_dup(c);
	d->peers[0].hold_time = 30;
	ipaddr_parse("2001:db8::4", &d->peers[1].addr);
	assert_int_equal(bgp_reload_check(c, d, why, sizeof(why)), BGP_RELOAD_APPLY);
	assert_string_equal(why, "1 peer(s) added, 1 removed, 1 changed (reset)");
	bgp_config_free(d);

	/* local AS, router ID, graceful restart: in place (every session reset for the IDs) */
	d = bgp_config_dup(c);
	d->router_id++;
	assert_int_equal(bgp_reload_check(c, d, why, sizeof(why)), BGP_RELOAD_APPLY);
	assert_non_null(strstr(why, "every session is reset"));
	d->router_id--;
	d->local_as++;
	assert_int_equal(bgp_reload_check(c, d, why, sizeof(why)), BGP_RELOAD_APPLY);
	assert_non_null(strstr(why, "every session is reset"));
	d->local_as--;
	d->gr_time = 30;
	d->restarting = true;
	assert_int_equal(bgp_reload_check(c, d, why, sizeof(why)), BGP_RELOAD_APPLY);
	assert_null(strstr(why, "every session"));
	bgp_config_free(d);

	/* the listener: added, removed, another address, another port: refused */
	d = bgp_config_dup(c);
	d->listen = true;
	d->listen_port = 179;
	ipaddr_parse("::", &d->listen_addr);
	assert_int_equal(bgp_reload_check(c, d, why, sizeof(why)), BGP_RELOAD_REFUSED);
	assert_string_equal(why, "the listener changed (none -> :: port 179): it is opened at "
				 "start only, restart the daemon to apply it");
	assert_int_equal(bgp_reload_check(d, c, why, sizeof(why)), BGP_RELOAD_REFUSED);
	struct bgp_cfg *e = bgp_config_dup(d);
	ipaddr_parse("192.0.2.1", &e->listen_addr);
	assert_int_equal(bgp_reload_check(d, e, why, sizeof(why)), BGP_RELOAD_REFUSED);
	assert_non_null(strstr(why, ":: port 179 -> 192.0.2.1 port 179"));
	e->listen_addr = d->listen_addr;
	e->listen_port = 1179;
	assert_int_equal(bgp_reload_check(d, e, why, sizeof(why)), BGP_RELOAD_REFUSED);
	/* with the same listener, the rest is in place */
	e->listen_port = 179;
	e->peers[1].passive = true;
	assert_int_equal(bgp_reload_check(d, e, why, sizeof(why)), BGP_RELOAD_APPLY);
	/* a peer listed twice */
	e->peers[1].addr = e->peers[0].addr;
	assert_int_equal(bgp_reload_check(d, e, why, sizeof(why)), BGP_RELOAD_REFUSED);
	assert_string_equal(why, "a peer is listed twice");
	/* a short buffer is cut, never overrun */
	char tiny[8];
	assert_int_equal(bgp_reload_check(c, d, tiny, sizeof(tiny)), BGP_RELOAD_REFUSED);
	assert_int_equal(strlen(tiny), 7);
	bgp_config_free(e);
	bgp_config_free(d);
	bgp_config_free(c);
}

/* ---- <bgp> removed: the peers are de-configured, their mappings withdrawn ---- */
static void test_free_deconfigured(void **state)
{
	(void)state;
	struct rig *r = rig_with_routes(true);
	struct tally t;
	drain(r, &t, &r->p->opts);
	struct bgp_sess_opts o = r->p->opts;
	int wd = r->events[BGP_EV_WITHDRAWN];
	size_t n = r->p->rib_in.n_entries;
	assert_true(n > 0);
	bgp_free_deconfigured(r->b);
	r->b = NULL;
	assert_int_equal(r->events[BGP_EV_WITHDRAWN] - wd, (int)n);
	assert_int_equal(r->events[BGP_EV_STALE], 0);
	/* Hard Reset wrapping Peer De-configured (N negotiated): the peer drops our routes */
	const uint8_t deconf[2] = {BGP_ERR_CEASE, BGP_ERR_CEASE_UNCONFIG};
	expect_notification_in(r, &o, BGP_ERR_CEASE, BGP_ERR_CEASE_HARD_RESET, deconf, 2);
	rig_free(r);
}

/* ---- tenants: VPN-IPv4/-IPv6 (SAFI 128) ---- */
static int withheld_logs;

static void count_withheld_log(int pri, const char *msg, void *arg)
{
	(void)pri;
	(void)arg;
	if (strstr(msg, "are not sent to this peer"))
		withheld_logs++;
}

/* The peer's OPEN with IPv4/IPv6 unicast and (if `vpn`) VPN-IPv4/-IPv6, ADD-PATH receive for
 * all of them. */
static void send_open_families(struct rig *r, bool vpn)
{
	struct bgp_open o;
	uint8_t m[BGP_MAX_LEN];
	struct buf w;

	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = 65000;
	o.hold_time = 30;
	o.bgp_id = remote_id;
	o.caps.as4 = true;
	o.caps.as4_asn = 65000;
	for (unsigned aid = 0; aid < (vpn ? BGP_AID_MAX : 2u); aid++) {
		o.caps.mp[o.caps.n_mp++] =
		    (struct bgp_capa_af){bgp_aid_afi(aid), bgp_aid_safi(aid), 0};
		o.caps.addpath[o.caps.n_addpath++] = (struct bgp_capa_af){
		    bgp_aid_afi(aid), bgp_aid_safi(aid), BGP_ADDPATH_SEND | BGP_ADDPATH_RECV};
	}
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
	wr(r, m, w.len);
}

static void establish_families(struct rig *r, bool vpn)
{
	struct bgp_open o;
	struct bgp_msg msg;

	read_open(r, &o);
	send_open_families(r, vpn);
	assert_int_equal(rd_msg_type(r, &msg), BGP_KEEPALIVE);
	send_keepalive(r);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
}

/* The VPN routes of the UPDATEs until a quiet read: prefixes as "[IID]addr/len" (from the
 * RD), announced and withdrawn. */
struct vpn_seen {
	char ann[8][PREFIX_STRLEN], wd[8][PREFIX_STRLEN];
	int n_ann, n_wd, n_unicast, eor_vpn;
};

static void vpn_list(const struct bgp_nlri_list *l, struct vpn_seen *v, bool wd)
{
	struct bgp_nlri_iter it;
	struct bgp_route rt;

	if (l->count == 0)
		return;
	bgp_nlri_iter_init(&it, l);
	while (bgp_nlri_next(&it, &rt) == 1) {
		if (!rt.vpn) {
			v->n_unicast++;
			continue;
		}
		assert_int_equal(rt.rd, bgp_rd_make(65000, rt.prefix.iid)); /* RD 65000:IID */
		if (wd && v->n_wd < 8)
			prefix_str(&rt.prefix, v->wd[v->n_wd++], PREFIX_STRLEN);
		else if (!wd && v->n_ann < 8)
			prefix_str(&rt.prefix, v->ann[v->n_ann++], PREFIX_STRLEN);
	}
}

static void drain_vpn(struct rig *r, struct vpn_seen *v)
{
	uint8_t m[BGP_MAX_LEN];
	int len;
	struct bgp_sess_opts o = r->p->opts;

	o.addpath_rx = o.addpath_tx;
	memset(v, 0, sizeof(*v));
	while ((len = rd_msg_maybe(r, m)) > 0) {
		struct bgp_msg msg;
		uint16_t afi;
		uint8_t safi;
		parse(m, (size_t)len, &o, &msg);
		if (msg.type != BGP_UPDATE)
			continue;
		if (bgp_update_is_eor(&msg.u.update, &afi, &safi)) {
			v->eor_vpn += safi == BGP_SAFI_VPN;
			continue;
		}
		if (msg.u.update.nlri.count)
			v->n_unicast += (int)msg.u.update.nlri.count;
		vpn_list(&msg.u.update.attrs.mp_reach, v, false);
		vpn_list(&msg.u.update.attrs.mp_unreach, v, true);
	}
}

static bool has_str(char (*v)[PREFIX_STRLEN], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* A peer whose session has no VPN family gets no tenant mapping, never as unicast either:
 * counted per mapping, logged once per session. */
static void test_tenants_withheld_without_vpn(void **state)
{
	(void)state;
	struct bgp_cfg *c = rig_cfg("192.0.2.2", 65000, false);
	c->peers[0].families = BGP_AID_ALL_MASK; /* we offer them, the peer does not */
	struct rig *r = rig_new_cfg(c);
	struct vpn_seen v;
	struct bgp_host_mapping m;

	withheld_logs = 0;
	log_set_sink(count_withheld_log, NULL);
	establish_families(r, false);
	assert_int_equal(r->p->opts.mp & BGP_AID_VPN_MASK, 0);
	drain_vpn(r, &v);
	mapping(&m, "[1]198.51.100.5/32", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	mapping(&m, "198.51.100.6/32", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	drain_vpn(r, &v);
	assert_int_equal(v.n_unicast, 1); /* only the IID 0 mapping */
	assert_int_equal(v.n_ann, 0);
	assert_int_equal(r->p->vpn_withheld, 1);
	assert_int_equal(r->p->rib_out.n_paths, 1);
	/* another tenant (VPN-IPv6 this time): counted, not logged again */
	mapping(&m, "[2]2001:db8::5/128", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	drain_vpn(r, &v);
	assert_int_equal(v.n_unicast + v.n_ann, 0);
	assert_int_equal(r->p->vpn_withheld, 2);
	assert_int_equal(withheld_logs, 1);
	/* ROUTE-REFRESH resends the table: the tenants are counted again, not logged again */
	bgp_out_refresh(r->p);
	drain_vpn(r, &v);
	assert_int_equal(v.n_unicast, 1);
	assert_int_equal(r->p->vpn_withheld, 4);
	assert_int_equal(withheld_logs, 1);
	log_set_sink(rig_quiet, NULL);
	rig_free(r);

	/* our config without the VPN families (the default): the OPEN offers none */
	r = rig_new(65000, false);
	struct bgp_open o;
	read_open(r, &o);
	assert_int_equal(o.caps.n_mp, 2);
	for (unsigned i = 0; i < o.caps.n_mp; i++)
		assert_int_equal(o.caps.mp[i].safi, BGP_SAFI_UNICAST);
	rig_free(r);
}

/* Two tenants with the same EID: two VPN routes (RD 65000:1, 65000:2), apart from the IID 0
 * unicast route of that prefix; a withdrawal touches one; End-of-RIB per VPN family. */
static void test_tenants_same_prefix(void **state)
{
	(void)state;
	struct bgp_cfg *c = rig_cfg("192.0.2.2", 65000, false);
	c->peers[0].families = BGP_AID_ALL_MASK;
	struct rig *r = rig_new_cfg(c);
	struct vpn_seen v;
	struct bgp_host_mapping m;
	struct bgp_open o;
	struct bgp_msg msg;

	read_open(r, &o);
	assert_int_equal(o.caps.n_mp, 4);
	assert_int_equal(o.caps.n_addpath, 4);
	assert_int_equal(o.caps.addpath[3].safi, BGP_SAFI_VPN);
	send_open_families(r, true);
	assert_int_equal(rd_msg_type(r, &msg), BGP_KEEPALIVE);
	send_keepalive(r);
	assert_int_equal(r->p->opts.mp, BGP_AID_ALL_MASK);
	drain_vpn(r, &v);
	assert_int_equal(v.eor_vpn, 2); /* End-of-RIB for VPN-IPv4 and VPN-IPv6 */
	mapping(&m, "[1]198.51.100.5/32", "192.0.2.1", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	mapping(&m, "[2]198.51.100.5/32", "192.0.2.2", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	mapping(&m, "198.51.100.5/32", "192.0.2.3", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	assert_int_equal(bgp_mapping_count(r->b), 3);
	drain_vpn(r, &v);
	assert_int_equal(v.n_ann, 2);
	assert_true(has_str(v.ann, v.n_ann, "[1]198.51.100.5/32"));
	assert_true(has_str(v.ann, v.n_ann, "[2]198.51.100.5/32"));
	assert_int_equal(v.n_unicast, 1);
	assert_int_equal(r->p->vpn_withheld, 0);
	/* tenant 1 moves: only its route changes (new path, old path ID withdrawn) */
	mapping(&m, "[1]198.51.100.5/32", "192.0.2.4", NULL);
	assert_int_equal(bgp_announce(r->b, &m), 0);
	drain_vpn(r, &v);
	assert_int_equal(v.n_ann, 1);
	assert_string_equal(v.ann[0], "[1]198.51.100.5/32");
	assert_int_equal(v.n_wd, 1);
	assert_string_equal(v.wd[0], "[1]198.51.100.5/32");
	assert_int_equal(v.n_unicast, 0);
	/* tenant 2 is withdrawn: tenant 1 and the IID 0 route stay */
	struct lisp_prefix p;
	prefix_parse("[2]198.51.100.5/32", &p, false);
	assert_int_equal(bgp_withdraw(r->b, &p), 0);
	assert_int_equal(bgp_withdraw(r->b, &p), -1);
	drain_vpn(r, &v);
	assert_int_equal(v.n_wd, 1);
	assert_string_equal(v.wd[0], "[2]198.51.100.5/32");
	assert_int_equal(v.n_ann, 0);
	assert_int_equal(r->p->rib_out.n_entries, 2);
	rig_free(r);
}

/* What a receiver gets: one MAPPING per tenant of the same prefix, keyed by the RD's IID;
 * a VPN route whose RD names no IID is ignored and counted. */
struct ev_log {
	char eid[8][PREFIX_STRLEN], map[8][PREFIX_STRLEN];
	int n, withdrawn;
};
static struct ev_log evlog;

static void log_ev(const struct bgp_event *ev, void *arg)
{
	(void)arg;
	if (ev->kind == BGP_EV_WITHDRAWN)
		evlog.withdrawn++;
	if (ev->kind != BGP_EV_MAPPING || evlog.n == 8)
		return;
	prefix_str(ev->eid, evlog.eid[evlog.n], PREFIX_STRLEN);
	prefix_str(&ev->mapping->eid, evlog.map[evlog.n++], PREFIX_STRLEN);
}

static void send_vpn(struct rig *r, const char *eid, const char *rloc, uint64_t rd_override,
		     bool withdraw)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	size_t fitted;
	struct bgp_sess_opts o = r->p->opts;
	struct bgp_host_mapping hm;
	struct bgp_map_path mp;

	o.addpath_tx = o.addpath_rx;
	mapping(&hm, eid, rloc, NULL);
	assert_int_equal(bgp_mapping_encode_path(&hm, 0, 65000, false, &o, &mp, NULL), 0);
	if (rd_override)
		mp.route.rd = rd_override;
	buf_init_write(&w, m, sizeof(m));
	if (withdraw)
		assert_int_equal(
		    bgp_build_withdraw_af(&w, &o, mp.afi, mp.safi, &mp.route, 1, 0, &fitted, NULL),
		    0);
	else
		assert_int_equal(bgp_build_update_af(&w, &o, &mp.attrs, mp.afi, mp.safi, &mp.route,
						     1, 0, &fitted, NULL),
				 0);
	wr(r, m, w.len);
}

static void test_tenants_received(void **state)
{
	(void)state;
	struct bgp_cfg *c = rig_cfg("192.0.2.2", 65000, false);
	c->peers[0].families = BGP_AID_ALL_MASK;
	struct rig *r = rig_new_cfg(c);

	memset(&evlog, 0, sizeof(evlog));
	establish_families(r, true);
	r->b->cb = log_ev;
	send_vpn(r, "[1]198.51.100.5/32", "192.0.2.1", 0, false);
	send_vpn(r, "[2]198.51.100.5/32", "192.0.2.2", 0, false);
	assert_int_equal(evlog.n, 2);
	assert_string_equal(evlog.eid[0], "[1]198.51.100.5/32");
	assert_string_equal(evlog.map[0], "[1]198.51.100.5/32");
	assert_string_equal(evlog.eid[1], "[2]198.51.100.5/32");
	assert_int_equal(r->p->rib_in.n_entries, 2);
	/* an RD of type 5 names no instance ID: not stored, no event, counted */
	send_vpn(r, "[3]198.51.100.5/32", "192.0.2.3", 0x0005010203040506ull, false);
	assert_int_equal(evlog.n, 2);
	assert_int_equal(r->p->vpn_no_iid, 1);
	assert_int_equal(r->p->rib_in.n_entries, 2);
	/* tenant 1's withdrawal leaves tenant 2 */
	send_vpn(r, "[1]198.51.100.5/32", "192.0.2.1", 0, true);
	assert_int_equal(evlog.withdrawn, 1);
	assert_int_equal(r->p->rib_in.n_entries, 1);
	struct lisp_prefix p;
	prefix_parse("[2]198.51.100.5/32", &p, false);
	assert_non_null(bgp_rib_find(&r->p->rib_in, &p));
	rig_free(r);
}

/* `show bgp routes`: count, the table, detail, JSON, filters (prefix exact / longest /
 * longer, neighbor, RLOC), over an Adj-RIB-In large enough to take several batches. */
static char *routes(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	assert_int_equal(cli_exec(cli, NULL, line, &sb), CLI_OK);
	return (char *)strbuf_str(&sb);
}

static void test_cli_routes(void **state)
{
	(void)state;
	struct rig *r = calloc(1, sizeof(*r));
	size_t nrows;
	char s[64], *a;

	r->fd = -1;
	rig_start(r, rig_cfg("192.0.2.2", 65001, false));
	for (unsigned i = 0; i < 1000; i++) {
		struct lisp_prefix p;
		struct bgp_rib_path rp;
		snprintf(s, sizeof(s), "198.51.%u.%u/32", 100 + i / 256, i % 256);
		assert_int_equal(prefix_parse(s, &p, false), 0);
		memset(&rp, 0, sizeof(rp));
		rp.map_ok = true;
		ipaddr_parse("192.0.2.2", &rp.nh);
		ipaddr_parse(i % 10 ? "203.0.113.1" : "203.0.113.2", &rp.map.loc.rloc);
		rp.map.loc.priority = 1;
		rp.map.loc.weight = 100;
		assert_int_equal(bgp_rib_update(&r->p->rib_in, &p, &rp), 0);
	}
	const struct cli_cmd *rows = bgp_cli_commands(&nrows);
	struct cli *cli = cli_new(NULL, rows, nrows, "t", r->b);
	assert_non_null(cli);
	assert_string_equal(routes(cli, "show bgp routes count"), "1000\n");
	assert_string_equal(routes(cli, "show bgp routes count json"), "{\n  \"count\": 1000\n}\n");
	assert_string_equal(routes(cli, "show bgp routes rloc 203.0.113.2 count"), "100\n");
	assert_string_equal(routes(cli, "show bgp routes 198.51.100.0/24 longer count"), "256\n");
	assert_string_equal(routes(cli, "show bgp routes 198.51.0.0/16 count"), "0\n");
	/* the table: a header, one line per path, a total */
	a = routes(cli, "show bgp routes");
	size_t lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1000 + 2);
	assert_true(strncmp(a, "Prefix ", 7) == 0);
	assert_non_null(strstr(a, "\n1000 paths\n"));
	assert_non_null(strstr(a, "198.51.100.7/32"));
	/* exact, and the longest match of an address */
	a = routes(cli, "show bgp routes 198.51.101.3/32 json");
	assert_non_null(strstr(a, "\"prefix\": \"198.51.101.3/32\""));
	assert_non_null(strstr(a, "\"rloc\": \"203.0.113.1\""));
	a = routes(cli, "show bgp routes 198.51.101.3 detail");
	assert_non_null(strstr(a, "next hop:"));
	assert_non_null(strstr(a, "198.51.101.3/32"));
	assert_string_equal(routes(cli, "show bgp routes 198.51.103.250 count"), "0\n");
	/* JSON of everything: 1000 objects in one array */
	a = routes(cli, "show bgp routes json");
	assert_true(a[0] == '[');
	size_t n = 0;
	for (char *p = a; (p = strstr(p, "\"prefix\"")); p++)
		n++;
	assert_int_equal(n, 1000);
	/* neighbor */
	assert_string_equal(routes(cli, "show bgp routes neighbor 192.0.2.2 count"), "1000\n");
	assert_non_null(
	    strstr(routes(cli, "show bgp routes neighbor 192.0.2.9"), "no such neighbor"));
	assert_non_null(strstr(routes(cli, "show bgp routes bogus"), "not understood"));
	cli_free(cli);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packing_without_addpath),
	    cmocka_unit_test(test_unsent_update_not_counted),
	    cmocka_unit_test(test_addpath_one_path_per_rloc),
	    cmocka_unit_test(test_gr_helper),
	    cmocka_unit_test(test_no_gr_flushes),
	    cmocka_unit_test(test_restart_bit_until_initial_update),
	    cmocka_unit_test(test_restart_bit_timeout_and_f_bit),
	    cmocka_unit_test(test_reconfigure),
	    cmocka_unit_test(test_notify_received_keeps_routes),
	    cmocka_unit_test(test_notify_hard_reset_received),
	    cmocka_unit_test(test_notify_without_n_flushes),
	    cmocka_unit_test(test_clear_graceful_and_hard),
	    cmocka_unit_test(test_free_graceful_and_hard),
	    cmocka_unit_test(test_config_dup_equal),
	    cmocka_unit_test(test_reload_check),
	    cmocka_unit_test(test_free_deconfigured),
	    cmocka_unit_test(test_tenants_withheld_without_vpn),
	    cmocka_unit_test(test_tenants_same_prefix),
	    cmocka_unit_test(test_tenants_received),
	    cmocka_unit_test(test_cli_routes),
	};
	rig_main_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
