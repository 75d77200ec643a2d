/* SPDX-License-Identifier: ISC */
/* tests/unit/test_xtr_config.c - lisp-xtrd's configuration (xtr/config.c, schema
 * lisp-xtrd.rng): the two example files load with the expected values, defaults, the <site>
 * element parsed by the site module, and a table of named bad configurations each rejected
 * with its FILE:LINE reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "proto/auth.h"
#include "bgp/bgp.h"
#include "xtr/xtr.h"

static struct xtr_cfg *load_text(const char *xml, struct cfg_errs *errs)
{
	char path[] = "/tmp/test_xtr_config.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	cfg_errs_init(errs);
	struct xtr_cfg *c = xtr_cfg_load(path, errs);
	unlink(path);
	return c;
}

static void t_examples(void **s)
{
	(void)s;
	struct cfg_errs errs;
	cfg_errs_init(&errs);
	struct xtr_cfg *c = xtr_cfg_load(LISP_SRCDIR "/examples/lisp-xtrd-site-a.xml", &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	assert_int_equal(c->nrloc, 2);
	assert_int_equal(c->ndb, 2);
	assert_int_equal(c->nms, 1);
	assert_int_equal(c->ms[0].alg, LISP_ALG_HMAC_SHA256_128);
	assert_string_equal(c->ms[0].secret, "dc-secret");
	assert_int_equal(c->nmr, 1);
	assert_int_equal(c->tun_mtu, 1444); /* 1500 - 56: an IPv6 RLOC */
	assert_int_equal(c->nstatic, 1);
	assert_int_equal(c->stat[0].action, LISP_ACT_NATIVE_FWD);
	assert_true(c->has_site);
	assert_string_equal(c->site.bridge, "br-vm");
	assert_string_equal(c->site.tun, "lisp0");
	assert_int_equal(c->mode, XTR_MODE_SITE);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	xtr_cfg_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "<mapping eid=\"198.51.100.5/32\" ttl=\"1440\"/>"));
	assert_non_null(strstr(buf, "secret=\"(set)\""));
	assert_null(strstr(buf, "dc-secret"));
	assert_null(strstr(buf, "pubsub-secret"));
	assert_non_null(strstr(buf, "<subscribe xtr-id=\"0000000000000000000000000000000a\" "
				    "site-id=\"1\""));
	free(buf);
	/* <subscribe>: xTR-ID right-aligned hex, Site-ID, the subscriber key */
	static const uint8_t xid_a[16] = {[15] = 0x0a};
	assert_true(c->sub.enabled);
	assert_memory_equal(c->sub.xtr_id, xid_a, 16);
	assert_int_equal(c->sub.site_id, 1);
	assert_int_equal(c->sub.alg, LISP_ALG_HMAC_SHA256_128);
	assert_string_equal(c->sub.secret, "pubsub-secret");
	xtr_cfg_free(c);
	c = xtr_cfg_load(LISP_SRCDIR "/examples/lisp-xtrd-site-b.xml", &errs);
	assert_non_null(c);
	/* no xtr-id: the first RLOC's address */
	assert_true(c->sub.enabled);
	assert_memory_equal(c->sub.xtr_id, c->rloc[0].a, 16);
	assert_int_equal(c->sub.site_id, 2);
	xtr_cfg_free(c);

	/* a redundant D-ETR: the own RLOC first, the anycast one after; two mapping peers and
	 * two underlay peers; <announce> */
	c = xtr_cfg_load(LISP_SRCDIR "/examples/lisp-xtrd-detr-anycast.xml", &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	assert_int_equal(c->nrloc, 2);
	assert_false(c->rloc_anycast[0]);
	assert_true(c->rloc_anycast[1]);
	assert_true(xtr_cfg_rloc_registered(c, 1));
	assert_false(xtr_cfg_rloc_registered(c, 0));
	assert_non_null(c->bgp);
	assert_int_equal(c->bgp->n_peers, 4);
	assert_int_equal(c->bgp->peers[2].role, BGP_ROLE_UNDERLAY);
	assert_false(c->bgp->peers[2].gr);
	assert_true(c->announce.given);
	assert_int_equal(c->announce.withdraw_wait_ms, 500);
	xtr_cfg_free(c);
}

static void t_minimal_defaults(void **s)
{
	(void)s;
	struct cfg_errs errs;
	struct xtr_cfg *c = load_text("<lisp-xtrd mode=\"representative\" instance-id=\"42\">"
				      "<rloc address=\"192.0.2.1\"/></lisp-xtrd>",
				      &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	assert_int_equal(c->mode, XTR_MODE_REPRESENTATIVE);
	assert_int_equal(c->iid, 42);
	assert_false(c->sub.enabled);
	assert_int_equal(c->tun_mtu, 1464);
	assert_int_equal(c->cache_max, 100000);
	assert_int_equal(c->queue_len, 8);
	assert_int_equal(c->probe_interval_ms, 30000);
	assert_int_equal(c->register_interval, 60);
	assert_int_equal(c->moved_away_s, 180);
	assert_int_equal(c->cli.port, 2620);
	assert_false(c->has_site);
	xtr_cfg_free(c);
	c = load_text("<lisp-xtrd><rloc address=\"192.0.2.1\"/>"
		      "<etr reencapsulate-moved-away=\"30\"/></lisp-xtrd>",
		      &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	assert_int_equal(c->moved_away_s, 30);
	xtr_cfg_free(c);
}

struct bad_case {
	const char *name;
	const char *body; /* inside <lisp-xtrd> */
	const char *reason;
};

static const struct bad_case bad_cases[] = {
    {"no-rloc", "<tun name=\"lisp0\"/>", "rloc"},
    {"two-v4-rlocs", "<rloc address=\"192.0.2.1\"/><rloc address=\"192.0.2.2\"/>",
     "one RLOC per address family"},
    {"bad-rloc", "<rloc address=\"192.0.2.300\"/>", "192.0.2.300"},
    {"bad-xtr-id", "<rloc address=\"192.0.2.1\"/><subscribe xtr-id=\"12g4\" secret=\"s\"/>",
     "xtr-id: 1 to 32 hex digits"},
    {"long-xtr-id",
     "<rloc address=\"192.0.2.1\"/>"
     "<subscribe xtr-id=\"0123456789abcdef0123456789abcdef0\" secret=\"s\"/>",
     "1 to 32 hex digits"},
    {"bad-eid",
     "<rloc address=\"192.0.2.1\"/><database><mapping eid=\"198.51.100.5/33\"/></database>",
     "198.51.100.5/33"},
    {"host-bits",
     "<rloc address=\"192.0.2.1\"/><database><mapping eid=\"198.51.100.5/24\"/></database>",
     "198.51.100.5/24"},
    {"duplicate-eid",
     "<rloc address=\"192.0.2.1\"/><database><mapping eid=\"198.51.100.5/32\"/>"
     "<mapping eid=\"198.51.100.5/32\"/></database>",
     "twice"},
    {"foreign-iid",
     "<rloc address=\"192.0.2.1\"/><database><mapping eid=\"[7]198.51.100.5/32\"/></database>",
     "instance ID"},
    {"priority-range",
     "<rloc address=\"192.0.2.1\"/><static-mapping eid=\"198.51.100.6/32\">"
     "<locator address=\"192.0.2.2\" priority=\"256\"/></static-mapping>",
     "priority"},
    {"ms-no-secret", "<rloc address=\"192.0.2.1\"/><map-server address=\"192.0.2.100\"/>",
     "map-server"},
    {"ms-secret-file-missing",
     "<rloc address=\"192.0.2.1\"/><map-server address=\"192.0.2.100\" "
     "secret-file=\"/nonexistent/k\"/>",
     "No such file"},
    {"queue-length", "<rloc address=\"192.0.2.1\"/><map-cache queue-length=\"1000\"/>",
     "queue-length"},
    {"moved-away-range", "<rloc address=\"192.0.2.1\"/><etr reencapsulate-moved-away=\"86401\"/>",
     "reencapsulate-moved-away"},
    {"unknown-element", "<rloc address=\"192.0.2.1\"/><bogus/>", "bogus"},
    {"bad-mode", "<rloc address=\"192.0.2.1\"/>", "mode"},
};

static void t_bad(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		char xml[2048];
		snprintf(xml, sizeof(xml), "<lisp-xtrd%s>\n%s\n</lisp-xtrd>\n",
			 strcmp(bc->name, "bad-mode") == 0 ? " mode=\"router\"" : "", bc->body);
		struct cfg_errs errs;
		struct xtr_cfg *c = load_text(xml, &errs);
		if (c != NULL)
			fail_msg("case %s: accepted", bc->name);
		if (strstr(errs.text, bc->reason) == NULL)
			fail_msg("case %s: no \"%s\" in: %s", bc->name, bc->reason, errs.text);
		if (strstr(errs.text, ":") == NULL)
			fail_msg("case %s: no FILE:LINE", bc->name);
	}
}

int main(void)
{
	setenv("LISP_SCHEMA_DIR", LISP_SRCDIR "/schema", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_examples),
	    cmocka_unit_test(t_minimal_defaults),
	    cmocka_unit_test(t_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
