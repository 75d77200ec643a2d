/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_sub.c - lisp-xtrd RFC 9437 publish/subscribe through a capture sink:
 * with <subscribe> a cold-cache Map-Request carries I=1, N=1, the xTR-ID and the Site-ID
 * (and without it none of them); a subscription Map-Notify signed with the subscriber key
 * installs/replaces the map-cache entry (source map-notify) and is acked (same nonce,
 * signed, a retransmission again); a wrongly signed one is dropped and counted; a TTL-0
 * record removes the entry; the current mapping echoed keeps a Map-Reply entry (source
 * map-reply); a Map-Server's moved-away Map-Notify still works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/xtr_testlib.h"

static const uint8_t XID[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static struct xtr *mk(bool sub)
{
	struct xtr_cfg *c = test_cfg();
	if (sub) {
		c->sub.enabled = true;
		memcpy(c->sub.xtr_id, XID, 16);
		c->sub.site_id = 42;
		c->sub.key_id = 1;
		c->sub.alg = LISP_ALG_HMAC_SHA256_128;
		strcpy(c->sub.secret, "pubsub-secret");
	}
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

static struct lisp_key *subkey(void)
{
	return lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "pubsub-secret", 13);
}

static void parse_ecm_req(size_t i, struct lisp_map_request *m)
{
	struct lisp_ecm e;
	struct buf b;
	buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
	assert_int_equal(lisp_ecm_parse(&b, &e, NULL), 0);
	assert_int_equal(lisp_map_request_parse(&e.payload, m, NULL), 0);
}

/* A subscription Map-Notify (I=1, our xTR-ID, Site-ID 42), signed with k. */
static size_t mk_sub_notify(uint8_t *out, size_t cap, uint64_t nonce, const char *eid,
			    const char *rloc, uint32_t ttl, struct lisp_key *k)
{
	return mk_notify(out, cap, nonce, eid, rloc, ttl, k, XID, 42);
}

static void t_request_flags(void **s)
{
	(void)s;
	static struct lisp_map_request m;
	struct xtr *x = mk(true);
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 1, 0, 0, 20, false, SEC);
	assert_int_equal(ncap_ctl, 1);
	parse_ecm_req(0, &m);
	assert_true(m.xtr_id_present);
	assert_int_equal(m.nrec, 1);
	assert_true(m.rec[0].notify);
	assert_memory_equal(m.xtr_id, XID, 16);
	assert_int_equal(m.site_id, 42);
	assert_int_equal(xtr_get_stats(x)->subs_sent, 1);
	xtr_free(x);

	x = mk(false);
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 1, 0, 0, 20, false, SEC);
	assert_int_equal(ncap_ctl, 1);
	parse_ecm_req(0, &m);
	assert_false(m.xtr_id_present);
	assert_false(m.rec[0].notify);
	assert_int_equal(xtr_get_stats(x)->subs_sent, 0);
	xtr_free(x);
}

static void t_notify_update_ack(void **s)
{
	(void)s;
	static struct lisp_map_notify ack;
	struct xtr *x = mk(true);
	struct lisp_key *k = subkey();
	uint8_t out[2000];
	struct ipaddr ms = A("192.0.2.100"), a6 = A("198.51.100.6"), r2 = A("192.0.2.2"),
		      r3 = A("192.0.2.3");
	/* first update: no entry yet (the current mapping right after subscribing) */
	size_t n = mk_sub_notify(out, sizeof(out), 0x1111, "198.51.100.6/32", "192.0.2.2", 1440, k);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	const struct xtr_entry *e = xtr_cache_lookup(x, 0, &a6);
	assert_non_null(e);
	assert_int_equal(e->src, XTR_SRC_NOTIFY);
	assert_true(ipaddr_eq(&xtr_entry_loc(e, 0)->addr, &r2));
	/* acked: type 5, same nonce, signed with the subscriber key, to the sender */
	assert_int_equal(ncap_ctl, 1);
	assert_int_equal(cap_ctl[0].data[0] >> 4, 5);
	assert_true(ipaddr_eq(&cap_ctl[0].dst, &ms));
	assert_int_equal(cap_ctl[0].port, 4342);
	struct buf b;
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_notify_parse(&b, &ack, NULL), 0);
	assert_int_equal(ack.nonce, 0x1111);
	assert_int_equal(lisp_auth_verify(&b, &ack.auth, k, NULL), 0);
	/* the VM moved: replaced */
	cap_reset();
	n = mk_sub_notify(out, sizeof(out), 0x2222, "198.51.100.6/32", "192.0.2.3", 1440, k);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 3 * SEC);
	e = xtr_cache_lookup(x, 0, &a6);
	assert_non_null(e);
	assert_int_equal(e->src, XTR_SRC_NOTIFY);
	assert_true(ipaddr_eq(&xtr_entry_loc(e, 0)->addr, &r3));
	assert_int_equal(ncap_ctl, 1);
	/* a retransmission (ack lost) is acked again */
	xtr_control_input(x, &ms, 4342, NULL, out, n, 3 * SEC);
	assert_int_equal(ncap_ctl, 2);
	assert_int_equal(cap_ctl[1].data[0] >> 4, 5);
	assert_int_equal(xtr_get_stats(x)->sub_notifies, 3);
	assert_int_equal(xtr_get_stats(x)->sub_acks, 3);
	/* TTL 0, no locators: removed */
	cap_reset();
	n = mk_sub_notify(out, sizeof(out), 0x3333, "198.51.100.6/32", NULL, 0, k);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 4 * SEC);
	assert_null(xtr_cache_lookup(x, 0, &a6));
	assert_int_equal(ncap_ctl, 1);
	assert_int_equal(xtr_get_stats(x)->sub_acks, 4);
	lisp_key_free(k);
	xtr_free(x);
}

static void t_bad_auth(void **s)
{
	(void)s;
	struct xtr *x = mk(true);
	struct lisp_key *bad = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "wrong", 5);
	uint8_t out[2000];
	struct ipaddr ms = A("192.0.2.100"), a6 = A("198.51.100.6");
	size_t n =
	    mk_sub_notify(out, sizeof(out), 0x4444, "198.51.100.6/32", "192.0.2.2", 1440, bad);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	assert_null(xtr_cache_lookup(x, 0, &a6));
	assert_int_equal(ncap_ctl, 0);
	assert_int_equal(xtr_get_stats(x)->sub_notifies, 0);
	assert_int_equal(xtr_get_stats(x)->sub_auth_failed, 1);
	assert_int_equal(xtr_get_stats(x)->cdrops[XTR_CDROP_AUTH], 1);
	/* without <subscribe> the same (correctly signed) Map-Notify is not taken either */
	xtr_free(x);
	x = mk(false);
	struct lisp_key *k = subkey();
	n = mk_sub_notify(out, sizeof(out), 0x5555, "198.51.100.6/32", "192.0.2.2", 1440, k);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	assert_null(xtr_cache_lookup(x, 0, &a6));
	assert_int_equal(ncap_ctl, 0);
	lisp_key_free(k);
	lisp_key_free(bad);
	xtr_free(x);
}

/* The current mapping echoed right after subscribing leaves a Map-Reply entry as it is. */
static void t_echo_keeps_reply(void **s)
{
	(void)s;
	struct xtr *x = mk(true);
	struct lisp_key *k = subkey();
	uint8_t out[2000];
	struct ipaddr ms = A("192.0.2.100"), a6 = A("198.51.100.6");
	struct xtr_loc l = {.addr = A("192.0.2.2"), .priority = 1, .weight = 100};
	struct lisp_prefix p = P("198.51.100.6/32");
	assert_non_null(
	    xtr_cache_install(x, &p, XTR_SRC_REPLY, LISP_ACT_NO_ACTION, true, 1440, &l, 1, SEC));
	size_t n = mk_sub_notify(out, sizeof(out), 0x6666, "198.51.100.6/32", "192.0.2.2", 1440, k);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	assert_int_equal(xtr_cache_lookup(x, 0, &a6)->src, XTR_SRC_REPLY);
	assert_int_equal(ncap_ctl, 1); /* acked all the same */
	lisp_key_free(k);
	xtr_free(x);
}

/* The Map-Server's own Map-Notify (site key) for a local EID still means "moved away". */
static void t_moved_away_kept(void **s)
{
	(void)s;
	struct xtr *x = mk(true);
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	uint8_t out[2000];
	size_t n =
	    mk_notify(out, sizeof(out), 0xabcdef, "198.51.100.5/32", "192.0.2.2", 1440, k, NULL, 0);
	struct ipaddr ms = A("192.0.2.100"), a5 = A("198.51.100.5");
	xtr_control_input(x, &ms, 4342, NULL, out, n, 2 * SEC);
	assert_null(xtr_db_lookup(x, 0, &a5));
	assert_int_equal(xtr_get_stats(x)->moves, 1);
	assert_int_equal(xtr_get_stats(x)->sub_notifies, 0);
	assert_int_equal(ncap_ctl, 1);
	assert_int_equal(cap_ctl[0].data[0] >> 4, 5);
	lisp_key_free(k);
	xtr_free(x);
}

/* Our Map-Registers carry the subscription's xTR-ID too (no <register xtr-id>): the
 * Map-Server's acknowledgement echoes it (I=1). Even when the subscriber key is the
 * Map-Server key, it acknowledges the registration; it is not a subscription update. A
 * late acknowledgement of the previous round still counts. */
static void t_register_ack_with_our_xtr_id(void **s)
{
	(void)s;
	static struct lisp_map_register r;
	struct xtr_cfg *c = test_cfg();
	c->sub.enabled = true;
	memcpy(c->sub.xtr_id, XID, 16);
	c->sub.key_id = 1;
	c->sub.alg = LISP_ALG_HMAC_SHA256_128;
	strcpy(c->sub.secret, "dc-secret"); /* the Map-Server's key */
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	struct ipaddr ms = A("192.0.2.100");
	uint8_t out[2048];
	struct buf b;

	cap_reset();
	xtr_tick(x, 2 * SEC);
	assert_int_equal(ncap_ctl, 1);
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_register_parse(&b, &r, NULL), 0);
	assert_true(r.xtr_id_present);
	assert_memory_equal(r.xtr_id, XID, 16);
	uint64_t first = r.nonce;
	/* unanswered: a second round */
	cap_reset();
	xtr_tick(x, 6 * SEC);
	assert_int_equal(ncap_ctl, 1);
	buf_init_read(&b, cap_ctl[0].data, cap_ctl[0].len);
	assert_int_equal(lisp_map_register_parse(&b, &r, NULL), 0);
	assert_true(r.nonce > first);
	/* the acknowledgement of the first round arrives late */
	cap_reset();
	size_t n =
	    mk_notify(out, sizeof(out), first, "198.51.100.5/32", "192.0.2.1", 1440, k, XID, 0);
	xtr_control_input(x, &ms, 4342, NULL, out, n, 7 * SEC);
	assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_REGISTERED);
	assert_int_equal(xtr_get_stats(x)->sub_notifies, 0);
	assert_int_equal(ncap_ctl, 0); /* an acknowledgement is not acknowledged */
	lisp_key_free(k);
	xtr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_request_flags),	 cmocka_unit_test(t_notify_update_ack),
	    cmocka_unit_test(t_bad_auth),	 cmocka_unit_test(t_echo_keeps_reply),
	    cmocka_unit_test(t_moved_away_kept), cmocka_unit_test(t_register_ack_with_our_xtr_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
