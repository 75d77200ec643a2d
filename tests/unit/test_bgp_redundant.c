/* SPDX-License-Identifier: ISC */
/* tests/unit/test_bgp_redundant.c - what the speaker does for redundant D-ETRs and Map-Servers,
 * over a socketpair, the remote side
 * scripted with proto/ (bgp_testrig.h): an underlay peer (an edge router) gets the routes of
 * bgp_underlay_announce - plain (no LISP community, no NO_EXPORT), LOCAL_PREF 100 on iBGP,
 * next hop our end of the session (IPv4-mapped for IPv6 prefixes over IPv4), withdrawn by
 * bgp_underlay_withdraw - and never a host mapping; what it sends is counted and dropped; a
 * mapping peer never gets an underlay route. Received host routes whose next hop cannot be an
 * RLOC are treated as withdrawn and counted (RFC 4271 §6.3): unspecified, loopback, multicast,
 * broadcast, link-local, our own address, a reflector's own address on a reflected route
 * (ORIGINATOR_ID), including a path that replaces a good one. BGP_EV_EOR once End-of-RIB came
 * for every family of the session, or at the EOR wait timer for a peer without GR. Through a
 * reflector one peer carries the paths of several Map-Servers (ORIGINATOR_ID): each one's
 * mapping is rebuilt apart and the later registration time wins, whatever the versions. */
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

struct rig {
	struct event_base *base;
	struct bgp *b;
	struct bgp_peer *p;
	int fd;
	int events[8];
};

#include "bgp_testrig.h"

#define LOCAL "192.0.2.1" /* our end (the socketpair has none: cfg.local stands in) */
#define PEER  "192.0.2.2"

static struct rig *rig_role(uint8_t role)
{
	struct bgp_cfg *c = rig_cfg(PEER, 65000, role == BGP_ROLE_MAPPING);

	c->peers[0].role = role;
	if (role == BGP_ROLE_UNDERLAY)
		c->peers[0].addpath = 0;
	ipaddr_parse(LOCAL, &c->peers[0].local);
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

static struct lisp_prefix P(const char *s) {
	struct lisp_prefix p;
	assert_int_equal(prefix_parse(s, &p, false), 0);
	return p;
}

static struct ipaddr
A(const char *s) {
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

/* What the remote side received: announced prefixes with their next hop, withdrawn ones. */
struct seen {
	char ann[8][48], nh[8][48], wd[8][48];
	int n_ann, n_wd, eor;
	bool lcomm, comm, lp100;
};

static void seen_list(const struct bgp_nlri_list *l, struct seen *s, bool wd,
		      const struct ipaddr *nh)
{
	struct bgp_nlri_iter it;
	struct bgp_route rt;

	if (l->count == 0)
		return;
	bgp_nlri_iter_init(&it, l);
	while (bgp_nlri_next(&it, &rt) == 1) {
		if (wd && s->n_wd < 8)
			prefix_str(&rt.prefix, s->wd[s->n_wd++], 48);
		if (!wd && s->n_ann < 8) {
			ipaddr_str(nh, s->nh[s->n_ann], 48);
			prefix_str(&rt.prefix, s->ann[s->n_ann++], 48);
		}
	}
}

static void drain(struct rig *r, struct seen *s)
{
	uint8_t m[BGP_MAX_LEN];

	memset(s, 0, sizeof(*s));
	for (;;) {
		struct pollfd pfd = {r->fd, POLLIN, 0};
		spin(r);
		if (poll(&pfd, 1, 50) <= 0)
			return;
		size_t len = rd_msg(r, m);
		struct bgp_msg msg;
		parse(m, len, &r->p->opts, &msg);
		if (msg.type != BGP_UPDATE)
			continue;
		struct bgp_update *u = &msg.u.update;
		uint16_t afi;
		uint8_t safi;
		if (bgp_update_is_eor(u, &afi, &safi)) {
			s->eor++;
			continue;
		}
		s->lcomm |= bgp_attrs_n_large_comms(&u->attrs) > 0;
		s->comm |= bgp_attr_has(&u->attrs, BGP_ATTR_COMMUNITIES);
		s->lp100 |=
		    bgp_attr_has(&u->attrs, BGP_ATTR_LOCAL_PREF) && u->attrs.local_pref == 100;
		seen_list(&u->nlri, s, false, &u->attrs.next_hop);
		seen_list(&u->attrs.mp_reach, s, false, &u->attrs.mp_nh[0]);
		seen_list(&u->withdrawn, s, true, NULL);
		seen_list(&u->attrs.mp_unreach, s, true, NULL);
	}
}

static bool has(char v[][48], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void mapping(struct bgp_host_mapping *m, const char *eid, const char *rloc)
{
	memset(m, 0, sizeof(*m));
	m->eid = P(eid);
	m->ttl = 60;
	m->n_loc = 1;
	m->loc[0].rloc = A(rloc);
	m->loc[0].priority = 1;
	m->loc[0].weight = 100;
}

/* The remote side announces `pfx` with next hop `nh`; with ORIGINATOR_ID if `reflected`. */
static void send_plain(struct rig *r, const char *pfx, const char *nh, bool reflected)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	size_t fitted;
	struct bgp_map_path mp;
	struct lisp_prefix p = P(pfx);
	struct ipaddr a = A(nh);

	assert_int_equal(bgp_plain_encode_path(&p, &a, 65000, false, &r->p->opts, &mp, NULL), 0);
	if (reflected) {
		mp.attrs.originator_id = 0x0a000009;
		bgp_attr_set(&mp.attrs, BGP_ATTR_ORIGINATOR_ID);
	}
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(
	    bgp_build_update(&w, &r->p->opts, &mp.attrs, mp.afi, &mp.route, 1, 0, &fitted, NULL),
	    0);
	wr(r, m, w.len);
}

static void send_eor(struct rig *r, uint16_t afi)
{
	uint8_t m[64];
	struct buf w;
	size_t fitted;

	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_withdraw(&w, &r->p->opts, afi, NULL, 0, 0, &fitted, NULL), 0);
	wr(r, m, w.len);
}

static void t_underlay_peer(void **state)
{
	(void)state;
	struct rig *r = rig_role(BGP_ROLE_UNDERLAY);
	struct seen s;

	establish(r, 65000, false, false);
	drain(r, &s);
	assert_int_equal(s.n_ann, 0);
	/* a host mapping never goes to an underlay peer */
	struct bgp_host_mapping hm;
	mapping(&hm, "198.51.100.5/32", "192.0.2.20");
	assert_int_equal(bgp_announce(r->b, &hm), 0);
	struct lisp_prefix rloc = P("192.0.2.100/32"), agg = P("198.51.100.0/24"),
			   agg6 = P("2001:db8:100::/64");
	assert_int_equal(bgp_underlay_announce(r->b, &rloc), 0);
	assert_int_equal(bgp_underlay_announce(r->b, &agg), 0);
	assert_int_equal(bgp_underlay_announce(r->b, &agg6), 0);
	assert_int_equal(bgp_underlay_announce(r->b, &agg), 0); /* again: no change */
	assert_int_equal(bgp_underlay_count(r->b), 3);
	drain(r, &s);
	/* the IPv6 prefix needs an IPv6 session: an IPv4-mapped next hop is no gateway */
	assert_int_equal(s.n_ann, 2);
	assert_true(has(s.ann, s.n_ann, "192.0.2.100/32"));
	assert_true(has(s.ann, s.n_ann, "198.51.100.0/24"));
	assert_false(has(s.ann, s.n_ann, "2001:db8:100::/64"));
	assert_false(has(s.ann, s.n_ann, "198.51.100.5/32"));
	/* next hop self: our end of the session */
	assert_string_equal(s.nh[0], LOCAL);
	assert_string_equal(s.nh[1], LOCAL);
	assert_false(s.lcomm);
	assert_false(s.comm);
	assert_true(s.lp100);
	assert_int_equal(r->p->rib_out.n_entries, 2);
	/* withdrawn: one UPDATE with the withdrawal */
	assert_int_equal(bgp_underlay_withdraw(r->b, &rloc), 0);
	assert_int_equal(bgp_underlay_withdraw(r->b, &rloc), -1);
	drain(r, &s);
	assert_int_equal(s.n_ann, 0);
	assert_int_equal(s.n_wd, 1);
	assert_string_equal(s.wd[0], "192.0.2.100/32");
	/* the edge router's own routes: counted, dropped, never a mapping */
	send_plain(r, "203.0.113.0/24", "192.0.2.9", false);
	assert_int_equal(r->p->underlay_ignored, 1);
	assert_int_equal(bgp_underlay_ignored(r->b), 1);
	assert_int_equal(r->events[BGP_EV_MAPPING], 0);
	assert_int_equal(r->p->rib_in.n_entries, 0);
	/* End-of-RIB of an underlay peer is no initial table of mappings */
	send_eor(r, BGP_AFI_IPV4);
	send_eor(r, BGP_AFI_IPV6);
	assert_int_equal(r->events[BGP_EV_EOR], 0);
	unsigned up, conf;
	bgp_underlay_sessions(r->b, &up, &conf);
	assert_int_equal(up, 1);
	assert_int_equal(conf, 1);
	rig_free(r);
}

static void t_mapping_peer_gets_no_underlay_route(void **state)
{
	(void)state;
	struct rig *r = rig_role(BGP_ROLE_MAPPING);
	struct seen s;

	establish(r, 65000, false, true);
	drain(r, &s);
	struct lisp_prefix agg = P("198.51.100.0/24");
	assert_int_equal(bgp_underlay_announce(r->b, &agg), 0);
	struct bgp_host_mapping hm;
	mapping(&hm, "198.51.100.5/32", "192.0.2.20");
	assert_int_equal(bgp_announce(r->b, &hm), 0);
	drain(r, &s);
	assert_int_equal(s.n_ann, 1);
	assert_string_equal(s.ann[0], "198.51.100.5/32");
	assert_string_equal(s.nh[0], "192.0.2.20");
	assert_true(s.lcomm);
	rig_free(r);
}

static void t_nexthop_rejected(void **state)
{
	(void)state;
	struct rig *r = rig_role(BGP_ROLE_MAPPING);
	struct seen s;
	static const char *const bad[] = {
	    "0.0.0.0",	       /* unspecified */
	    "127.0.0.1",       /* loopback */
	    "224.0.0.5",       /* multicast */
	    "255.255.255.255", /* broadcast */
	    "240.0.0.1",       /* reserved */
	    "169.254.1.1",     /* link-local */
	    LOCAL,	       /* our own address */
	};

	establish(r, 65000, false, true);
	drain(r, &s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		send_plain(r, "198.51.100.7/32", bad[i], false);
	assert_int_equal(r->p->nh_rejected, 7);
	assert_int_equal(r->p->rib_in.n_entries, 0);
	assert_int_equal(r->events[BGP_EV_MAPPING], 0);
	/* the reflector's own address on a reflected route: rejected; the same next hop on a
	 * route it originated itself (no ORIGINATOR_ID) is an RLOC like any other */
	send_plain(r, "198.51.100.8/32", PEER, true);
	assert_int_equal(r->p->nh_rejected, 8);
	assert_int_equal(r->p->rib_in.n_entries, 0);
	send_plain(r, "198.51.100.8/32", PEER, false);
	assert_int_equal(r->p->nh_rejected, 8);
	assert_int_equal(r->p->rib_in.n_entries, 1);
	/* a good path replaced by one with a bad next hop: withdrawn, not kept */
	send_plain(r, "198.51.100.9/32", "192.0.2.20", true);
	assert_int_equal(r->p->rib_in.n_entries, 2);
	int wd = r->events[BGP_EV_WITHDRAWN];
	send_plain(r, "198.51.100.9/32", "127.0.0.1", true);
	assert_int_equal(r->p->rib_in.n_entries, 1);
	assert_int_equal(r->events[BGP_EV_WITHDRAWN], wd + 1);
	assert_int_equal(bgp_nexthop_rejected(r->b), 9);
	/* IPv6: unspecified, loopback, multicast, link-local; an IPv4-mapped bad one */
	send_plain(r, "2001:db8:100::7/128", "::", false);
	send_plain(r, "2001:db8:100::7/128", "::1", false);
	send_plain(r, "2001:db8:100::7/128", "ff02::1", false);
	send_plain(r, "2001:db8:100::7/128", "fe80::1", false);
	send_plain(r, "2001:db8:100::7/128", "::ffff:127.0.0.1", false);
	assert_int_equal(r->p->nh_rejected, 14);
	send_plain(r, "2001:db8:100::7/128", "2001:db8::1", false);
	assert_int_equal(r->p->nh_rejected, 14);
	assert_int_equal(r->p->rib_in.n_entries, 2);
	rig_free(r);
}

static void t_eor_event(void **state)
{
	(void)state;
	struct rig *r = rig_role(BGP_ROLE_MAPPING);
	struct seen s;

	establish(r, 65000, false, true);
	drain(r, &s);
	assert_false(bgp_peer_initial_done(r->p));
	send_eor(r, BGP_AFI_IPV4);
	assert_int_equal(r->events[BGP_EV_EOR], 0); /* IPv6 was negotiated too */
	send_eor(r, BGP_AFI_IPV6);
	assert_int_equal(r->events[BGP_EV_EOR], 1);
	assert_true(bgp_peer_initial_done(r->p));
	send_eor(r, BGP_AFI_IPV6); /* once per session */
	assert_int_equal(r->events[BGP_EV_EOR], 1);
	assert_int_equal(bgp_peer_restart_time(r->p), 90);
	/* the session ends: no initial table any more */
	close(r->fd);
	r->fd = -1;
	spin(r);
	assert_false(bgp_peer_initial_done(r->p));
	rig_free(r);
}

static void t_eor_wait_without_gr(void **state)
{
	(void)state;
	struct rig *r = rig_role(BGP_ROLE_MAPPING);
	struct seen s;

	establish(r, 65000, false, false); /* the peer sends no GR capability */
	drain(r, &s);
	assert_int_equal(bgp_peer_restart_time(r->p), 0);
	assert_int_equal(r->events[BGP_EV_EOR], 0);
	bgp_timer_fire(r->p, BGP_T_EOR_WAIT); /* BGP_EOR_WAIT later */
	assert_int_equal(r->events[BGP_EV_EOR], 1);
	assert_true(bgp_peer_initial_done(r->p));
	rig_free(r);
}

/* The remote side as a reflector: ADD-PATH send and receive, GR. */
static void establish_addpath(struct rig *r)
{
	struct bgp_open o;
	struct bgp_msg msg;
	uint8_t m[BGP_MAX_LEN];
	struct buf w;

	read_open(r, &o);
	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as = 65000;
	o.hold_time = 30;
	o.bgp_id = remote_id;
	o.caps.as4 = true;
	o.caps.as4_asn = 65000;
	o.caps.n_mp = 2;
	o.caps.mp[0] = (struct bgp_capa_af){1, 1, 0};
	o.caps.mp[1] = (struct bgp_capa_af){2, 1, 0};
	o.caps.n_addpath = 1;
	o.caps.addpath[0] = (struct bgp_capa_af){1, 1, BGP_ADDPATH_SEND | BGP_ADDPATH_RECV};
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(bgp_build_open(&w, &o, NULL), 0);
	wr(r, m, w.len);
	assert_int_equal(rd_msg_type(r, &msg), BGP_KEEPALIVE);
	send_keepalive(r);
	assert_int_equal(r->p->state, BGP_ST_ESTABLISHED);
}

static struct bgp_host_mapping last_map;
static void on_ev_keep(const struct bgp_event *ev, void *arg)
{
	on_ev(ev, arg);
	if (ev->kind == BGP_EV_MAPPING)
		last_map = *ev->mapping;
}

/* One path of 198.51.100.5/32 -> rloc, path ID `id`, reflected from `originator`. */
static void send_reflected(struct rig *r, uint32_t id, uint32_t originator, const char *rloc,
			   uint16_t version, uint64_t reg_ms)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	size_t fitted;
	struct bgp_host_mapping hm;
	struct bgp_map_path mp;

	mapping(&hm, "198.51.100.5/32", rloc);
	hm.version = version;
	hm.reg_ms = reg_ms;
	assert_int_equal(bgp_mapping_encode_path(&hm, 0, 65000, false, &r->p->opts, &mp, NULL), 0);
	mp.route.path_id = id;
	mp.attrs.originator_id = originator;
	bgp_attr_set(&mp.attrs, BGP_ATTR_ORIGINATOR_ID);
	buf_init_write(&w, m, sizeof(m));
	assert_int_equal(
	    bgp_build_update(&w, &r->p->opts, &mp.attrs, mp.afi, &mp.route, 1, 0, &fitted, NULL),
	    0);
	wr(r, m, w.len);
}

static void t_reflected_originators(void **state)
{
	(void)state;
	struct bgp_cfg *c = rig_cfg(PEER, 65000, true);
	ipaddr_parse(LOCAL, &c->peers[0].local);
	struct rig *r = rig_new_cfg(c);
	char s[IPADDR_STRLEN];

	r->b->cb = on_ev_keep;
	establish_addpath(r);
	assert_true(r->p->opts.addpath_rx & BGP_AID_BIT(BGP_AID_IPV4));
	/* Map-Server 1 (10.0.0.1) has the move to .22 (its version 2, registered at 2000 ms);
	 * Map-Server 2 (10.0.0.2) not yet: .21, its own counter at 9, registered at 1000 ms */
	send_reflected(r, 11, 0x0a000001, "192.0.2.22", 2, 2000);
	send_reflected(r, 22, 0x0a000002, "192.0.2.21", 9, 1000);
	assert_int_equal(r->p->rib_in.n_paths, 2);
	assert_int_equal(last_map.n_loc, 1); /* not merged into one set of two */
	assert_string_equal(ipaddr_str(&last_map.loc[0].rloc, s, sizeof(s)), "192.0.2.22");
	assert_true(last_map.reg_ms == 2000);
	/* Map-Server 2 catches up: still .22 */
	send_reflected(r, 22, 0x0a000002, "192.0.2.22", 10, 2001);
	assert_string_equal(ipaddr_str(&last_map.loc[0].rloc, s, sizeof(s)), "192.0.2.22");
	assert_true(last_map.reg_ms == 2001);
	/* without registration times (older Map-Servers): the newer version, as before */
	send_reflected(r, 11, 0x0a000001, "192.0.2.23", 4, 0);
	send_reflected(r, 22, 0x0a000002, "192.0.2.24", 3, 0);
	assert_string_equal(ipaddr_str(&last_map.loc[0].rloc, s, sizeof(s)), "192.0.2.23");
	rig_free(r);
}

static void t_rloc_unusable(void **state)
{
	(void)state;
	static const struct {
		const char *a;
		bool ok;
	} v[] = {
	    {"192.0.2.1", true},	{"1.1.1.1", true},	     {"223.255.255.255", true},
	    {"0.1.2.3", false},		{"127.255.0.1", false},	     {"239.1.1.1", false},
	    {"169.254.0.1", false},	{"255.255.255.255", false},  {"2001:db8::1", true},
	    {"fec0::1", true},		{"febf::1", false},	     {"ff00::", false},
	    {"::ffff:192.0.2.1", true}, {"::ffff:224.0.0.1", false}, {"::", false},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct ipaddr a = A(v[i].a);
		if ((bgp_rloc_unusable(&a) == NULL) != v[i].ok)
			fail_msg("%s: expected %s", v[i].a, v[i].ok ? "usable" : "unusable");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_underlay_peer),
	    cmocka_unit_test(t_mapping_peer_gets_no_underlay_route),
	    cmocka_unit_test(t_nexthop_rejected),
	    cmocka_unit_test(t_eor_event),
	    cmocka_unit_test(t_eor_wait_without_gr),
	    cmocka_unit_test(t_reflected_originators),
	    cmocka_unit_test(t_rloc_unusable),
	};
	rig_main_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
