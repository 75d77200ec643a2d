/* SPDX-License-Identifier: ISC */
/* tests/unit/test_mr_table.c - lisp-mrd's configuration (mr/config.c: the example file,
 * every semantic error with FILE:LINE, the normalized print) and its EID table (mr/core.c:
 * longest match with nested prefixes and instance IDs, and the negative Map-Reply prefix of
 * common/lpm lpm_negative_prefix on tricky IPv4/IPv6 layouts, checked by name and against a
 * brute-force definition: contains the EID, overlaps no entry, its parent overlaps one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/conf.h"
#include "mr/mr.h"

static int send_nothing(void *arg, const struct ipaddr *dst, uint16_t dport,
			const struct ipaddr *src, const void *data, size_t len)
{
	(void)arg, (void)dst, (void)dport, (void)src, (void)data, (void)len;
	return 0;
}

static char tmpxml[64];

static struct mr_cfg *load_text(const char *xml, struct cfg_errs *errs)
{
	snprintf(tmpxml, sizeof(tmpxml), "/tmp/test_mr_table.XXXXXX");
	int fd = mkstemp(tmpxml);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	cfg_errs_init(errs);
	struct mr_cfg *c = mr_cfg_load(tmpxml, errs);
	unlink(tmpxml);
	return c;
}

static struct lisp_prefix pfx(const char *s)
{
	struct lisp_prefix p;
	if (prefix_parse(s, &p, false) != 0)
		fail_msg("bad prefix in test: %s", s);
	return p;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;
	if (ipaddr_parse(s, &a) != 0)
		fail_msg("bad address in test: %s", s);
	return a;
}

/* A core over prefixes (text, "[iid]p/len"), each with one server 127.0.0.1. */
static struct mr *core_of(const char *const *prefixes)
{
	struct mr_cfg c;
	unsigned n = 0;

	mr_cfg_defaults(&c);
	while (prefixes[n])
		n++;
	c.prefix = calloc(n ? n : 1, sizeof(*c.prefix));
	for (unsigned i = 0; i < n; i++) {
		c.prefix[i].eid = pfx(prefixes[i]);
		c.prefix[i].nservers = 1;
		c.prefix[i].srv[0].addr = ip("127.0.0.1");
		c.prefix[i].srv[0].port = 4342;
	}
	c.nprefix = n;
	struct mr *mr = mr_new(&c, send_nothing, NULL, 0);
	free(c.prefix);
	assert_non_null(mr);
	return mr;
}

/* ---------------------------------------------------------------- config */

static void test_example_file(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char path[512];

	snprintf(path, sizeof(path), "%s/examples/lisp-mrd.xml", LISP_SRCDIR);
	cfg_errs_init(&errs);
	struct mr_cfg *c = mr_cfg_load(path, &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	assert_int_equal(c->nlisten, 2);
	assert_int_equal(c->nprefix, 3);
	assert_int_equal(c->cli.port, 2622);
	assert_string_equal(c->cli.addr, "127.0.0.1");
	struct lisp_prefix p4 = pfx("198.51.100.0/24"), p6 = pfx("2001:db8:100::/64");
	assert_true(prefix_eq(&c->prefix[0].eid, &p4));
	assert_true(prefix_eq(&c->prefix[1].eid, &p6));
	assert_int_equal(c->prefix[2].eid.iid, 42);
	assert_int_equal(c->prefix[2].nservers, 2);
	assert_int_equal(c->prefix[1].srv[0].port, 4342);
	struct mr *mr = mr_new(c, send_nothing, NULL, 0);
	assert_non_null(mr);
	assert_int_equal(mr_nentries(mr), 3);
	assert_int_equal(mr_nservers(mr), 2); /* 127.0.0.1 and ::1, shared */
	mr_free(mr);
	mr_cfg_free(c);
}

static void test_print_normalized(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char *text = NULL;
	size_t len = 0;
	struct mr_cfg *c = load_text("<lisp-mrd><eid-prefix prefix='[7]10.0.0.0/8'>"
				     "<map-server address='192.0.2.1' port='5000'/>"
				     "</eid-prefix><failover down-after='3'/></lisp-mrd>",
				     &errs);
	if (c == NULL)
		fail_msg("%s", errs.text);
	FILE *f = open_memstream(&text, &len);
	mr_cfg_print(c, f);
	fclose(f);
	assert_non_null(strstr(text, "<eid-prefix prefix=\"10.0.0.0/8\" instance-id=\"7\">"));
	assert_non_null(strstr(text, "<map-server address=\"192.0.2.1\" port=\"5000\"/>"));
	assert_non_null(strstr(text, "down-after=\"3\" retry-after=\"30\""));
	assert_non_null(strstr(text, "<listen address=\"::\" port=\"4342\"/>"));
	free(text);
	mr_cfg_free(c);
}

struct bad_cfg {
	const char *name;
	const char *xml;
	const char *expect; /* substring of the error text */
};

static const struct bad_cfg bad_cfgs[] = {
    {"duplicate prefix",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8'><map-server address='192.0.2.1'/></eid-prefix>\n"
     "<eid-prefix prefix='10.0.0.0/8'><map-server address='192.0.2.2'/></eid-prefix>\n</lisp-mrd>",
     ":3: EID prefix 10.0.0.0/8 configured twice"},
    {"host bits in prefix",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.1/8'><map-server address='192.0.2.1'/></eid-prefix>\n"
     "</lisp-mrd>",
     ":2:"},
    {"bad server address",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8'>\n<map-server address='192.0.2.300'/>"
     "</eid-prefix></lisp-mrd>",
     ":3:"},
    {"port zero",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8'>\n<map-server address='192.0.2.1' port='0'/>"
     "</eid-prefix></lisp-mrd>",
     ":3:"},
    {"port too big", "<lisp-mrd>\n<listen port='70000'/></lisp-mrd>", ":2:"},
    {"iid contradiction",
     "<lisp-mrd>\n<eid-prefix prefix='[5]10.0.0.0/8' instance-id='6'>"
     "<map-server address='192.0.2.1'/></eid-prefix></lisp-mrd>",
     "contradicts"},
    {"iid too big",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8' instance-id='16777216'>"
     "<map-server address='192.0.2.1'/></eid-prefix></lisp-mrd>",
     ":2:"},
    {"no map-server (schema)", "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8'/></lisp-mrd>", ":2:"},
    {"server twice",
     "<lisp-mrd>\n<eid-prefix prefix='10.0.0.0/8'><map-server address='192.0.2.1'/>\n"
     "<map-server address='192.0.2.1' port='4342'/></eid-prefix></lisp-mrd>",
     ":3: map-server listed twice"},
    {"unknown element (schema)", "<lisp-mrd>\n<bogus/></lisp-mrd>", ":2:"},
    {"bad log level (schema)", "<lisp-mrd>\n<log level='loud'/></lisp-mrd>", ":2:"},
    {"down-after zero", "<lisp-mrd>\n<failover down-after='0'/></lisp-mrd>", ":2:"},
    {"rate not a number", "<lisp-mrd>\n<rate-limit per-source='fast'/></lisp-mrd>", ":2:"},
    {"bad cli address", "<lisp-mrd>\n<cli address='localhost'/></lisp-mrd>", ":2:"},
};

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++) {
		struct cfg_errs errs;
		struct mr_cfg *c = load_text(bad_cfgs[i].xml, &errs);
		if (c != NULL)
			fail_msg("%s: accepted", bad_cfgs[i].name);
		if (strstr(errs.text, bad_cfgs[i].expect) == NULL ||
		    strstr(errs.text, "test_mr_table.") == NULL)
			fail_msg("%s: expected '%s' with the file name in: %s", bad_cfgs[i].name,
				 bad_cfgs[i].expect, errs.text);
	}
}

/* ---------------------------------------------------------------- lookup */

static const char *const layout[] = {"198.51.100.0/24",	  "198.51.101.0/24", /* adjacent */
				     "10.0.0.0/8",	  "10.1.0.0/16",     /* nested */
				     "192.0.2.5/32",			     /* host */
				     "[7]10.0.0.0/8", /* same prefix, other instance */
				     "2001:db8:100::/64", "2001:db8:100:1::/64",
				     "2001:db8::/32",	  "2001:db8:100:0:8000::/65",
				     "[9]2001:db8::/32",  NULL};

struct look_case {
	const char *name;
	uint32_t iid;
	const char *eid;
	const char *expect; /* matched prefix, or NULL */
};

static const struct look_case look_cases[] = {
    {"adjacent low", 0, "198.51.100.255", "198.51.100.0/24"},
    {"adjacent high", 0, "198.51.101.0", "198.51.101.0/24"},
    {"nested inner", 0, "10.1.2.3", "10.1.0.0/16"},
    {"nested outer", 0, "10.2.0.1", "10.0.0.0/8"},
    {"host", 0, "192.0.2.5", "192.0.2.5/32"},
    {"host neighbour", 0, "192.0.2.4", NULL},
    {"iid 7 has only the /8", 7, "10.1.2.3", "[7]10.0.0.0/8"},
    {"iid 8 has nothing", 8, "10.1.2.3", NULL},
    {"v6 nested /65", 0, "2001:db8:100:0:8000::1", "2001:db8:100:0:8000::/65"},
    {"v6 /64 low half", 0, "2001:db8:100::1", "2001:db8:100::/64"},
    {"v6 outer /32", 0, "2001:db8:ffff::1", "2001:db8::/32"},
    {"v6 iid 9", 9, "2001:db8:100::1", "[9]2001:db8::/32"},
    {"v6 outside", 0, "2001:db9::1", NULL},
};

static void test_lookup(void **state)
{
	(void)state;
	struct mr *mr = core_of(layout);
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(look_cases) / sizeof(look_cases[0]); i++) {
		const struct look_case *c = &look_cases[i];
		struct ipaddr a = ip(c->eid);
		const struct mr_entry *e = mr_lookup(mr, c->iid, &a);
		const char *got = e ? prefix_str(&e->eid, buf, sizeof(buf)) : NULL;
		if ((got == NULL) != (c->expect == NULL) || (got && strcmp(got, c->expect) != 0))
			fail_msg("%s: expected %s, got %s", c->name, c->expect ? c->expect : "-",
				 got ? got : "-");
	}
	mr_free(mr);
}

/* ---------------------------------------------------------------- negative prefix */

struct neg_case {
	const char *name;
	uint32_t iid;
	const char *eid;
	const char *expect; /* negative prefix, or NULL = covered */
};

static const struct neg_case neg_cases[] = {
    {"right of two adjacent /24", 0, "198.51.102.1", "198.51.102.0/23"},
    {"left of two adjacent /24", 0, "198.51.99.1", "198.51.96.0/22"},
    {"inside a /24", 0, "198.51.100.7", NULL},
    {"next to a host route", 0, "192.0.2.4", "192.0.2.4/32"},
    {"other half of the host's /24", 0, "192.0.2.200", "192.0.2.128/25"},
    {"just past the /8", 0, "11.0.0.1", "11.0.0.0/8"},
    {"bottom of the space", 0, "0.0.0.1", "0.0.0.0/5"},
    {"top of the space", 0, "255.255.255.255", "224.0.0.0/3"},
    {"between 128 and 192", 0, "128.0.0.1", "128.0.0.0/2"},
    {"nested: inside the outer /8", 0, "10.200.0.1", NULL},
    {"empty instance: everything", 8, "10.1.2.3", "[8]0.0.0.0/0"},
    {"instance with only 10/8", 7, "198.51.100.1", "[7]128.0.0.0/1"},
    {"instance 7 inside", 7, "10.1.0.1", NULL},
    {"v6 after two adjacent /64 inside a /32", 0, "2001:db8:100:2::1", NULL},
    {"v6 outside the /32", 0, "2001:db9::1", "2001:db9::/32"},
    {"v6 far away", 0, "fe80::1", "8000::/1"},
    {"v6 low", 0, "::1", "::/3"},
    {"v6 empty instance", 5, "2001:db8::1", "[5]::/0"},
    {"v6 instance 9 outside", 9, "2001:db7::1", "[9]2001:db0::/29"},
    {"v4 in an instance with only v6", 9, "10.0.0.1", "[9]0.0.0.0/0"},
};

/* v6 layout without the covering /32, to exercise adjacent/nested v6 prefixes. */
static const char *const layout6[] = {"2001:db8:100::/64", "2001:db8:100:1::/64",
				      "2001:db8:100:0:8000::/65", "2001:db8:100:4::/62", NULL};

static const struct neg_case neg6_cases[] = {
    {"v6 right of adjacent /64s", 0, "2001:db8:100:2::1", "2001:db8:100:2::/63"},
    {"v6 between /64s and /62", 0, "2001:db8:100:3:ffff::1", "2001:db8:100:2::/63"},
    {"v6 after the /62", 0, "2001:db8:100:8::1", "2001:db8:100:8::/61"},
    {"v6 inside the /62", 0, "2001:db8:100:7::1", NULL},
    {"v6 nested /65 inside /64", 0, "2001:db8:100:0:8000::1", NULL},
    {"v6 below", 0, "2001:db8:ff::1", "2001:db8::/40"},
};

static void check_neg(struct mr *mr, const struct neg_case *c)
{
	char buf[PREFIX_STRLEN];
	struct ipaddr a = ip(c->eid);
	struct lisp_prefix out;
	int r = mr_negative_prefix(mr, c->iid, &a, &out);

	if (c->expect == NULL) {
		if (r != -1)
			fail_msg("%s: expected covered, got %s", c->name,
				 prefix_str(&out, buf, sizeof(buf)));
		return;
	}
	if (r != 0)
		fail_msg("%s: expected %s, got covered", c->name, c->expect);
	prefix_str(&out, buf, sizeof(buf));
	if (strcmp(buf, c->expect) != 0)
		fail_msg("%s: expected %s, got %s", c->name, c->expect, buf);
}

static void test_negative_named(void **state)
{
	(void)state;
	struct mr *mr = core_of(layout);
	for (size_t i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++)
		check_neg(mr, &neg_cases[i]);
	mr_free(mr);
	mr = core_of(layout6);
	for (size_t i = 0; i < sizeof(neg6_cases) / sizeof(neg6_cases[0]); i++)
		check_neg(mr, &neg6_cases[i]);
	mr_free(mr);
}

/* Brute force: for random EIDs near the configured prefixes, the answer must contain the EID,
 * overlap no entry of its IID/AFI, and (unless /0) its parent must overlap one. */
static void brute(const char *const *pl, uint16_t afi, unsigned seed)
{
	struct mr *mr = core_of(pl);
	struct lisp_prefix ents[32];
	size_t n = 0;
	unsigned alen = afi == LISP_AFI_IPV4 ? 4 : 16, maxp = alen * 8;

	for (size_t i = 0; pl[i]; i++)
		ents[n++] = pfx(pl[i]);
	srand(seed);
	for (int k = 0; k < 5000; k++) {
		/* start from a configured address of this AFI and flip a few random bits */
		const struct lisp_prefix *base = &ents[(size_t)rand() % n];
		if (base->afi != afi)
			continue;
		struct ipaddr a = {.afi = afi};
		memcpy(a.a, base->a, alen);
		for (int f = rand() % 3; f >= 0; f--) {
			unsigned bit = (unsigned)rand() % maxp;
			a.a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		}
		uint32_t iid = base->iid;
		struct lisp_prefix out;
		bool covered = false;
		for (size_t i = 0; i < n; i++)
			covered |= prefix_contains_addr(&ents[i], iid, &a);
		int r = mr_negative_prefix(mr, iid, &a, &out);
		assert_int_equal(r, covered ? -1 : 0);
		if (covered)
			continue;
		assert_true(prefix_contains_addr(&out, iid, &a));
		for (size_t i = 0; i < n; i++)
			assert_false(prefix_overlaps(&out, &ents[i]));
		if (out.plen > 0) {
			struct lisp_prefix parent = out;
			parent.plen--;
			prefix_normalize(&parent);
			bool ov = false;
			for (size_t i = 0; i < n; i++)
				ov |= prefix_overlaps(&parent, &ents[i]);
			assert_true(ov);
		}
	}
	mr_free(mr);
}

static void test_negative_brute_v4(void **state)
{
	(void)state;
	brute(layout, LISP_AFI_IPV4, 1);
}

static void test_negative_brute_v6(void **state)
{
	(void)state;
	brute(layout, LISP_AFI_IPV6, 2);
	brute(layout6, LISP_AFI_IPV6, 3);
}

/* ---------------------------------------------------------------- CLI */

/* show map-servers: count, the table (default), detail, prefix filters. */
static char *mrx(struct cli *cli, const char *line)
{
	static struct strbuf sb;
	strbuf_free(&sb);
	cli_exec(cli, NULL, line, &sb);
	return (char *)strbuf_str(&sb);
}

static void test_cli_views(void **state)
{
	(void)state;
	static const char *const pf[] = {"198.51.100.0/24", "198.51.100.128/25", "203.0.113.0/24",
					 "2001:db8:100::/64", NULL};
	struct mr *mr = core_of(pf);
	struct cli *cli = mr_cli_new(NULL, mr);
	char *a;

	assert_non_null(cli);
	assert_string_equal(mrx(cli, "show map-servers count"), "4\n");
	assert_string_equal(mrx(cli, "show map-servers count json"), "{\n  \"count\": 4\n}\n");
	assert_string_equal(mrx(cli, "show map-servers 198.51.100.0/24 longer count"), "2\n");
	assert_string_equal(mrx(cli, "show map-servers 198.51.100.200 count"), "1\n");
	assert_string_equal(mrx(cli, "show map-servers rloc 127.0.0.1 count"), "4\n");
	assert_string_equal(mrx(cli, "show map-servers rloc 127.0.0.2 count"), "0\n");
	a = mrx(cli, "show map-servers 198.51.100.200 json"); /* longest match: the /25 */
	assert_non_null(strstr(a, "\"eidPrefix\": \"198.51.100.128/25\""));
	assert_null(strstr(a, "\"eidPrefix\": \"198.51.100.0/24\""));
	/* the table: a line per prefix, then the Map-Servers */
	a = mrx(cli, "show map-servers");
	assert_true(strncmp(a, "EID prefix ", 11) == 0);
	assert_non_null(strstr(a, "\n203.0.113.0/24 "));
	assert_non_null(strstr(a, "127.0.0.1 (up)"));
	assert_non_null(strstr(a, "\n4 prefixes\n"));
	assert_non_null(strstr(a, "\nMap-Server "));
	/* detail: every field */
	a = mrx(cli, "show map-servers detail");
	assert_non_null(strstr(a, "eid prefix:"));
	assert_non_null(strstr(a, "consecutive failures:"));
	cli_free(cli);
	mr_free(mr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_file),      cmocka_unit_test(test_print_normalized),
	    cmocka_unit_test(test_bad_configs),	      cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_negative_named),    cmocka_unit_test(test_negative_brute_v4),
	    cmocka_unit_test(test_negative_brute_v6), cmocka_unit_test(test_cli_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
