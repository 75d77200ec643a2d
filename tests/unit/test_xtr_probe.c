/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_probe.c - locator-set failover by RLOC probing (RFC 9301 §7.1,
 * xtr/control.c) through the capture sink, on an injected clock: a map-cache entry with
 * two RLOCs of different priority; the first stops answering its probes; after `retries`
 * missed probes it is marked down in that tick and the very next packet is encapsulated to
 * the second (no later tick needed); a reply marks it up and traffic returns; the counters;
 * the bound interval + retries x timeout on the detection (an unanswered probe is
 * retried at the timeout); a static mapping's own probing
 * settings (probe-interval-ms ...) over the global <probing>, and back after a reload;
 * probing off; and the registration side of redundancy: two Map-Servers, one silent, each
 * with its own state, back-off and nonces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/xtr_testlib.h"

#define MS (NSEC_PER_SEC / 1000)

/* The probes captured (cap_ctl) since the last cap_reset to rloc: their nonces. */
static unsigned probes_to(const char *rloc, uint64_t *nonces, unsigned max)
{
	static struct lisp_map_request m;
	struct ipaddr a = A(rloc);
	unsigned n = 0;

	for (size_t i = 0; i < ncap_ctl; i++) {
		struct buf b;
		if (!ipaddr_eq(&cap_ctl[i].dst, &a))
			continue;
		buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
		if (lisp_map_request_parse(&b, &m, NULL) != 0 || !m.probe)
			continue;
		if (n < max)
			nonces[n] = m.nonce;
		n++;
	}
	return n;
}

/* The probe reply (P=1) of rloc for eid with nonce. */
static void answer(struct xtr *x, const char *rloc, const char *eid, uint64_t nonce, uint64_t now)
{
	static struct lisp_map_reply r;
	uint8_t out[600];
	struct buf w;
	struct ipaddr a = A(rloc);
	struct lisp_prefix p = P(eid);

	memset(&r, 0, sizeof(r));
	r.nonce = nonce;
	r.probe = true;
	r.nrec = 1;
	lisp_record_set_eid(&r.rec[0], &p);
	r.rec[0].ttl = 1440;
	r.rec[0].authoritative = true;
	r.rec[0].nloc = 1;
	r.rec[0].loc[0].priority = 1;
	r.rec[0].loc[0].weight = 100;
	r.rec[0].loc[0].flags = LISP_LOC_F_REACHABLE | LISP_LOC_F_PROBED;
	lisp_addr_from_ip(&r.rec[0].loc[0].addr, &a);
	buf_init_write(&w, out, sizeof(out));
	assert_int_equal(lisp_map_reply_build(&w, &r, NULL), 0);
	xtr_control_input(x, &a, 4342, NULL, out, buf_len(&w), now);
}

/* Where the next packet from the VM to 198.51.100.6 is encapsulated. */
static const char *next_packet_to(struct xtr *x, uint64_t now)
{
	static char s[IPADDR_STRLEN];
	size_t before = ncap_data;
	itr_ip4(x, "198.51.100.5", "198.51.100.6", 17, 1000, 2000, 20, false, now);
	if (ncap_data != before + 1)
		return "none";
	return ipaddr_str(&cap_data[before].dst, s, sizeof(s));
}

static struct xtr *mk(uint32_t iv_ms, uint32_t to_ms, uint32_t retries)
{
	struct xtr_cfg *c = test_cfg();
	c->probe_interval_ms = iv_ms;
	c->probe_timeout_ms = to_ms;
	c->probe_retries = retries;
	c->nms = 0;
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	assert_non_null(x);
	cap_reset();
	return x;
}

/* interval 1000 ms, timeout 300 ms, 3 misses: the primary (.2, priority 1) dies at t=10 s
 * (the probes of t<10 s were answered); the backup (.3, priority 2) answers throughout. */
static void t_failover_same_turn(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 300, 3);
	uint64_t nonce[16], t, died = 10000 * MS, down_at = 0;
	bool alive = true;

	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 100, 1);
	assert_string_equal(next_packet_to(x, 1), "192.0.2.2");
	/* the 100-ms tick, answering what each RLOC answers */
	for (t = 100 * MS; t <= 20000 * MS; t += 100 * MS) {
		cap_reset();
		if (t >= died)
			alive = false;
		xtr_tick(x, t);
		unsigned n2 = probes_to("192.0.2.2", nonce, 16);
		for (unsigned i = 0; alive && i < n2; i++)
			answer(x, "192.0.2.2", "198.51.100.6/32", nonce[i], t + MS);
		unsigned n3 = probes_to("192.0.2.3", nonce, 16);
		for (unsigned i = 0; i < n3; i++)
			answer(x, "192.0.2.3", "198.51.100.6/32", nonce[i], t + MS);
		struct ipaddr r2 = A("192.0.2.2");
		if (!xtr_rloc_up(x, &r2)) {
			/* marked down in this tick: the very next packet takes the backup */
			down_at = t;
			cap_reset();
			assert_string_equal(next_packet_to(x, t), "192.0.2.3");
			break;
		}
		/* traffic keeps the primary in use */
		assert_string_equal(next_packet_to(x, t), "192.0.2.2");
	}
	assert_true(down_at > 0);
	/* probes every 1000 ms; the first unanswered one leaves within 1 s after the death;
	 * missed at its timeout, the next two leave at once and at the timeout: down within
	 * interval + retries x timeout (+ the tick), not after two more intervals */
	assert_true(down_at - died <= 1000 * MS + 3 * 300 * MS + 100 * MS);
	assert_true(down_at - died >= 3 * 300 * MS);
	const struct xtr_stats *st = xtr_get_stats(x);
	assert_int_equal(st->probe_down, 1);
	assert_int_equal(st->probe_missed, 3);
	assert_true(st->probe_replies > 0);
	struct xtr_rloc_info ri;
	assert_true(xtr_rloc_info(x, &(struct ipaddr){0}, &ri) == false);
	struct ipaddr r2 = A("192.0.2.2");
	assert_true(xtr_rloc_info(x, &r2, &ri));
	assert_false(ri.up);
	assert_int_equal(ri.missed, 3);
	assert_int_equal(ri.interval_ms, 1000);
	assert_int_equal(ri.timeout_ms, 300);
	assert_int_equal(ri.retries, 3);
	assert_true(ri.rtt_ns > 0); /* from the replies before it died */
	/* the primary comes back: a down RLOC is probed every timeout; its reply marks it up
	 * and the next packet returns to it */
	for (t = down_at + 100 * MS; t <= down_at + 2000 * MS; t += 100 * MS) {
		cap_reset();
		xtr_tick(x, t);
		unsigned n2 = probes_to("192.0.2.2", nonce, 16);
		if (n2 > 0) {
			answer(x, "192.0.2.2", "198.51.100.6/32", nonce[0], t + MS);
			break;
		}
	}
	assert_true(t - down_at <= 400 * MS); /* re-probed at the timeout */
	assert_true(xtr_rloc_up(x, &r2));
	assert_int_equal(st->probe_up, 1);
	cap_reset();
	assert_string_equal(next_packet_to(x, t + 2 * MS), "192.0.2.2");
	xtr_free(x);
}

/* Every locator down: no locator to use (the packet is not sent to a dead RLOC). */
static void t_all_down(void **s)
{
	(void)s;
	struct xtr *x = mk(1000, 300, 1);

	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 100, 1);
	for (uint64_t t = 100 * MS; t <= 2000 * MS; t += 100 * MS)
		xtr_tick(x, t);
	struct ipaddr r2 = A("192.0.2.2"), r3 = A("192.0.2.3");
	assert_false(xtr_rloc_up(x, &r2));
	assert_false(xtr_rloc_up(x, &r3));
	assert_int_equal(xtr_get_stats(x)->probe_down, 2);
	cap_reset();
	assert_string_equal(next_packet_to(x, 2001 * MS), "none");
	xtr_free(x);
}

/* A static mapping's own probing: probe-interval-ms 200, one miss; the global <probing>
 * (30 s) for the RLOC of another static mapping. A reload without the attributes puts the
 * global one back. */
static void t_static_mapping_settings(void **s)
{
	(void)s;
	struct xtr_cfg *c = test_cfg();
	uint64_t nonce[16];
	c->probe_interval_ms = 30000;
	c->probe_timeout_ms = 5000;
	c->probe_retries = 3;
	c->nms = 0;
	free(c->stat);
	c->nstatic = 2;
	c->stat = calloc(2, sizeof(*c->stat));
	c->stat[0].eid = P("198.51.100.7/32");
	c->stat[0].ttl = 1440;
	c->stat[0].nloc = 1;
	c->stat[0].loc[0].addr = A("192.0.2.4");
	c->stat[0].loc[0].priority = 1;
	c->stat[0].loc[0].weight = 100;
	c->stat[0].probe_interval_ms = 200;
	c->stat[0].probe_timeout_ms = 100;
	c->stat[0].probe_retries = 1;
	c->stat[1] = c->stat[0];
	c->stat[1].eid = P("198.51.100.8/32");
	c->stat[1].loc[0].addr = A("192.0.2.9");
	c->stat[1].probe_interval_ms = c->stat[1].probe_timeout_ms = c->stat[1].probe_retries =
	    XTR_PROBE_UNSET;
	struct xtr *x = xtr_new(c, &test_io, 1);
	assert_non_null(x);
	cap_reset();
	for (uint64_t t = 100 * MS; t <= 1000 * MS; t += 100 * MS) {
		size_t before = ncap_ctl;
		xtr_tick(x, t);
		/* .4 answers */
		for (size_t i = before; i < ncap_ctl; i++) {
			struct ipaddr a4 = A("192.0.2.4");
			if (!ipaddr_eq(&cap_ctl[i].dst, &a4))
				continue;
			static struct lisp_map_request m;
			struct buf b;
			buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
			assert_int_equal(lisp_map_request_parse(&b, &m, NULL), 0);
			answer(x, "192.0.2.4", "198.51.100.7/32", m.nonce, t + MS);
		}
	}
	unsigned n4 = probes_to("192.0.2.4", nonce, 16), n9 = probes_to("192.0.2.9", nonce, 16);
	assert_true(n4 >= 4 && n4 <= 6); /* every 200 ms */
	assert_int_equal(n9, 1);	 /* the global 30 s */
	struct ipaddr a4 = A("192.0.2.4"), a9 = A("192.0.2.9");
	struct xtr_rloc_info ri;
	assert_true(xtr_rloc_info(x, &a4, &ri));
	assert_int_equal(ri.interval_ms, 200);
	assert_int_equal(ri.timeout_ms, 100);
	assert_int_equal(ri.retries, 1);
	assert_true(ri.up);
	assert_true(xtr_rloc_info(x, &a9, &ri));
	assert_int_equal(ri.interval_ms, 30000);
	assert_int_equal(ri.retries, 3);
	/* reload without the mapping's own settings */
	c->stat[0].probe_interval_ms = c->stat[0].probe_timeout_ms = c->stat[0].probe_retries =
	    XTR_PROBE_UNSET;
	assert_int_equal(xtr_reconfigure(x, c, 1100 * MS), 0);
	assert_true(xtr_rloc_info(x, &a4, &ri));
	assert_int_equal(ri.interval_ms, 30000);
	assert_int_equal(ri.retries, 3);
	xtr_cfg_free(c);
	xtr_free(x);
}

/* interval 0: nothing is probed, every locator stays up */
static void t_probing_off(void **s)
{
	(void)s;
	struct xtr *x = mk(0, 5000, 2);

	install(x, "198.51.100.6/32", XTR_SRC_REPLY, "192.0.2.2", 1, 100, "192.0.2.3", 2, 100, 1);
	for (uint64_t t = 100 * MS; t <= 60000 * MS; t += 500 * MS)
		xtr_tick(x, t);
	assert_int_equal(ncap_ctl, 0);
	assert_int_equal(xtr_get_stats(x)->probes_sent, 0);
	assert_string_equal(next_packet_to(x, 60001 * MS), "192.0.2.2");
	xtr_free(x);
}

/* Two Map-Servers (.100 answers, .110 never does): each has its own state, back-off and
 * acknowledgements; the silent one does not hold back the other. */
static void t_two_map_servers(void **s)
{
	(void)s;
	static struct lisp_map_register r;
	struct xtr_cfg *c = test_cfg();
	c->probe_interval_ms = 0;
	c->nms = 2;
	c->ms[1] = c->ms[0];
	c->ms[1].addr = A("192.0.2.110");
	struct xtr *x = xtr_new(c, &test_io, 1);
	xtr_cfg_free(c);
	struct lisp_key *k = lisp_key_new(1, LISP_ALG_HMAC_SHA256_128, "dc-secret", 9);
	struct ipaddr ms0 = A("192.0.2.100"), ms1 = A("192.0.2.110");
	unsigned sent0 = 0, sent1 = 0;
	uint64_t last0 = 0, last1 = 0;

	for (uint64_t t = 1; t <= 200; t++) {
		cap_reset();
		xtr_tick(x, t * SEC);
		for (size_t i = 0; i < ncap_ctl; i++) {
			struct buf b;
			buf_init_read(&b, cap_ctl[i].data, cap_ctl[i].len);
			if (lisp_map_register_parse(&b, &r, NULL) != 0)
				continue;
			if (ipaddr_eq(&cap_ctl[i].dst, &ms0)) {
				assert_true(r.nonce > last0);
				last0 = r.nonce;
				sent0++;
				/* .100 acknowledges */
				uint8_t out[2000];
				static struct lisp_map_notify n;
				struct buf w;
				size_t off;
				memset(&n, 0, sizeof(n));
				n.nonce = r.nonce;
				n.auth.key_id = 1;
				n.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
				n.auth.len = 32;
				n.nrec = r.nrec;
				memcpy(n.rec, r.rec, sizeof(r.rec[0]) * r.nrec);
				buf_init_write(&w, out, sizeof(out));
				assert_int_equal(lisp_map_notify_build(&w, &n, &off, NULL), 0);
				assert_int_equal(lisp_auth_sign(&w, off, k, NULL), 0);
				xtr_control_input(x, &ms0, 4342, NULL, out, buf_len(&w),
						  t * SEC + 1);
			} else if (ipaddr_eq(&cap_ctl[i].dst, &ms1)) {
				assert_true(r.nonce > last1);
				last1 = r.nonce;
				sent1++;
			}
		}
		if (t == 2) {
			assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_REGISTERED);
			assert_int_equal(xtr_ms_at(x, 1)->state, XTR_MS_REGISTERING);
		}
	}
	/* .100: once at start, then every 60 s (t = 1, 61, 121, 181) */
	assert_int_equal(sent0, 4);
	assert_int_equal(xtr_ms_at(x, 0)->state, XTR_MS_REGISTERED);
	assert_int_equal(xtr_ms_at(x, 0)->unanswered, 0);
	/* .110: 1, then back-off 3, 6, 12, 24, 48 (t = 4, 10, 22, 46, 94), then 60 s (154):
	 * 7 in 200 s */
	assert_int_equal(sent1, 7);
	assert_int_equal(xtr_ms_at(x, 1)->state, XTR_MS_UNANSWERED);
	assert_true(xtr_ms_at(x, 1)->unanswered >= 6);
	lisp_key_free(k);
	xtr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_failover_same_turn),	 cmocka_unit_test(t_all_down),
	    cmocka_unit_test(t_static_mapping_settings), cmocka_unit_test(t_probing_off),
	    cmocka_unit_test(t_two_map_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
