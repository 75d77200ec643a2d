/* SPDX-License-Identifier: ISC */
/* tests/unit/test_tools.c - tools/ (lisp-register, lisp-query): HOST[:PORT] and number
 * parsing, lisp-register option/config parsing and validation, key and EID files, the
 * libvirt domain XML extraction (good, missing metadata, several EIDs, malicious XML: billion
 * laughs and external entities never expand), the hook operation table, and the messages:
 * Map-Register built by us parsed and verified by proto/, Map-Notify judgement, several
 * Map-Servers (lisp-query: test_tools_query.c). Every group is a table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/client.h"
#include "tools/hook.h"
#include "tools/query.h"
#include "tools/reg.h"

/* ------------------------------------------------------------------ HOST[:PORT] */
struct hp_case {
	const char *name, *in;
	int rc;
	const char *host;
	uint16_t port;
};
static const struct hp_case hp_cases[] = {
    {"name", "ms.example", 0, "ms.example", 4342},
    {"name:port", "ms.example:5000", 0, "ms.example", 5000},
    {"v4:port", "127.0.0.1:4343", 0, "127.0.0.1", 4343},
    {"[v6]:port", "[::1]:4342", 0, "::1", 4342},
    {"[v6]", "[2001:db8::1]", 0, "2001:db8::1", 4342},
    {"bare v6", "2001:db8::1", 0, "2001:db8::1", 4342},
    {"port 0", "h:0", -1, NULL, 0},
    {"port 65536", "h:65536", -1, NULL, 0},
    {"port not a number", "h:x1", -1, NULL, 0},
    {"empty port", "h:", -1, NULL, 0},
    {"empty", "", -1, NULL, 0},
    {"empty host", ":4342", -1, NULL, 0},
    {"unclosed bracket", "[::1:4342", -1, NULL, 0},
    {"garbage after bracket", "[::1]x", -1, NULL, 0},
};

static void test_hostport(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hp_cases) / sizeof(hp_cases[0]); i++) {
		const struct hp_case *c = &hp_cases[i];
		char host[64] = "";
		uint16_t port = 0;
		print_message("hostport: %s\n", c->name);
		assert_int_equal(tools_parse_hostport(c->in, 4342, host, sizeof(host), &port),
				 c->rc);
		if (c->rc == 0) {
			assert_string_equal(host, c->host);
			assert_int_equal(port, c->port);
		}
	}
}

struct num_case {
	const char *name, *in;
	int rc_uint;	/* tools_parse_uint(max 255) */
	int rc_seconds; /* tools_parse_seconds */
};
static const struct num_case num_cases[] = {
    {"zero", "0", 0, -1},
    {"one", "1", 0, 0},
    {"max", "255", 0, -1},
    {"over max", "256", -1, -1},
    {"decimal", "0.5", -1, 0},
    {"negative", "-1", -1, -1},
    {"plus", "+1", -1, -1},
    {"empty", "", -1, -1},
    {"letters", "1a", -1, -1},
    {"61 seconds", "61", 0, -1},
    {"huge", "99999999999999999999999", -1, -1},
    {"nan", "nan", -1, -1},
};

static void test_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		unsigned long v;
		double d;
		print_message("numbers: %s\n", c->name);
		assert_int_equal(tools_parse_uint(c->in, 255, &v), c->rc_uint);
		assert_int_equal(tools_parse_seconds(c->in, &d), c->rc_seconds);
	}
	uint64_t a = tools_nonce_increasing(0), b = tools_nonce_increasing(a);
	assert_true(b > a);
	assert_true(tools_nonce_increasing(UINT64_MAX - 1) == UINT64_MAX);
	assert_true(a > 1600000000ull * 1000000000ull); /* the realtime clock, in ns */
}

/* ------------------------------------------------------------------ lisp-register options */
static char conf_path[64];

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

struct opt_case {
	const char *name;
	const char *args; /* split on spaces; "@CONF" is replaced by the config file path */
	int parse_rc;
	int validate_rc; /* after reg_resolve_eids */
	void (*check)(const struct reg_opts *o);
};

static void chk_defaults(const struct reg_opts *o)
{
	assert_string_equal(o->ms, "ms.example");
	assert_int_equal(o->ms_port, 4342);
	assert_int_equal(o->alg, LISP_ALG_HMAC_SHA256_128);
	/* key ID 1, as every example's site key; an xTR-ID stable per host (I=1), so the
	 * Map-Server keeps our nonces apart from an xTR's registering with the same key */
	assert_int_equal(o->key_id, 1);
	uint8_t id[16], zero[16] = {0};
	reg_default_xtr_id(id);
	assert_memory_equal(o->xtr_id, id, 16);
	assert_memory_not_equal(o->xtr_id, zero, 16);
	reg_default_xtr_id(id); /* the same every time */
	assert_memory_equal(o->xtr_id, id, 16);
	assert_int_equal(o->site_id, 0);
	assert_int_equal(o->priority, 1);
	assert_int_equal(o->weight, 100);
	assert_int_equal(o->ttl, 1440);
	assert_int_equal(o->retries, 3);
	assert_true(o->timeout == 0.5);
	assert_false(o->proxy || o->merge || o->dereg || o->json || o->hook);
	assert_int_equal(o->neids, 1);
	assert_int_equal(o->nrlocs, 1);
}

static void chk_all(const struct reg_opts *o)
{
	char s[PREFIX_STRLEN];
	assert_string_equal(o->ms, "::1");
	assert_int_equal(o->ms_port, 5000);
	assert_string_equal(o->site, "dc1");
	assert_int_equal(o->alg, LISP_ALG_HMAC_SHA1_96);
	assert_int_equal(o->key_id, 7);
	assert_int_equal(o->priority, 5);
	assert_int_equal(o->weight, 30);
	assert_int_equal(o->ttl, 60);
	assert_int_equal(o->retries, 0);
	assert_true(o->timeout == 2.5);
	assert_true(o->proxy && o->merge && o->json);
	assert_int_equal(o->nrlocs, 2);
	assert_int_equal(o->neids, 2);
	/* --iid applies to EIDs without their own [iid], whatever the option order */
	assert_string_equal(prefix_str(&o->eids[0], s, sizeof(s)), "[9]10.0.0.1/32");
	assert_string_equal(prefix_str(&o->eids[1], s, sizeof(s)), "[3]2001:db8::/64");
}

static void chk_alg_sha1(const struct reg_opts *o)
{
	assert_int_equal(o->alg, LISP_ALG_HMAC_SHA1_96);
}

static void chk_conf(const struct reg_opts *o)
{
	char s[IPADDR_STRLEN];
	assert_string_equal(o->ms, "192.0.2.100");
	assert_int_equal(o->ms_port, 4999);
	assert_string_equal(o->site, "from-conf");
	assert_int_equal(o->weight, 40);  /* config */
	assert_int_equal(o->priority, 9); /* command line wins */
	assert_true(o->proxy && o->dereg_on_release);
	/* the first --rloc replaces the config's list */
	assert_int_equal(o->nrlocs, 1);
	assert_string_equal(ipaddr_str(&o->rlocs[0], s, sizeof(s)), "192.0.2.77");
}

static void chk_hook(const struct reg_opts *o)
{
	assert_true(o->hook);
	assert_string_equal(o->hook_domain, "vm1");
	assert_string_equal(o->hook_op, "started");
	assert_string_equal(o->hook_subop, "begin");
	assert_string_equal(o->ms, "192.0.2.100");
}

static void chk_dereg(const struct reg_opts *o)
{
	assert_true(o->dereg);
	assert_int_equal(o->nrlocs, 0);
}

static void chk_help(const struct reg_opts *o)
{
	assert_true(o->help);
	assert_false(o->version);
}

static void chk_version(const struct reg_opts *o)
{
	assert_true(o->version);
	assert_false(o->help);
}

static const struct opt_case opt_cases[] = {
    {"-h", "-h", 0, -1, chk_help},
    {"--help after other options", "--ms h --help", 0, -1, chk_help},
    {"--version", "--version", 0, -1, chk_version},
    {"-h does not read the config (it may not exist)", "--config /nonexistent -h", 0, -1, chk_help},
    {"defaults", "--ms ms.example --eid 10.0.0.1/32 --rloc 192.0.2.1", 0, 0, chk_defaults},
    {"every option",
     "--ms [::1]:5000 --site dc1 --key-id 7 --alg sha1 --eid 10.0.0.1/32 --eid [3]2001:db8::/64 "
     "--rloc 192.0.2.1 --rloc 2001:db8::1 --priority 5 --weight 30 --ttl 60 --iid 9 "
     "--proxy-reply --merge --timeout 2.5 --retries 0 --json --xtr-id 0xabc --site-id 77",
     0, 0, chk_all},
    {"the algorithm names of the daemons' configs", "--ms h --alg hmac-sha-1", 0, -1, chk_alg_sha1},
    {"the registry's algorithm name", "--ms h --alg hmac-sha-1-96", 0, -1, chk_alg_sha1},
    {"xtr-id not hex", "--ms h --xtr-id 0xg1", -1, 0, NULL},
    {"xtr-id too long", "--ms h --xtr-id 0x112233445566778899aabbccddeeff001", -1, 0, NULL},
    {"xtr-id zero", "--ms h --xtr-id 0", -1, 0, NULL},
    {"config file under the command line",
     "--config @CONF --priority 9 --eid 10.0.0.1/32 --rloc 192.0.2.77", 0, 0, chk_conf},
    {"hook mode positional args", "--libvirt-hook --config @CONF vm1 started begin -", 0, -1,
     chk_hook},
    {"deregister needs no RLOC", "--ms h --eid 10.0.0.1/32 --deregister", 0, 0, chk_dereg},
    {"unknown option", "--ms h --secret x", -1, 0, NULL},
    {"missing value", "--ms h --eid", -1, 0, NULL},
    {"positional without hook", "--ms h extra", -1, 0, NULL},
    {"hook without operation", "--libvirt-hook --config @CONF vm1", -1, 0, NULL},
    {"weight 101", "--ms h --weight 101", -1, 0, NULL},
    {"priority 256", "--ms h --priority 256", -1, 0, NULL},
    {"ttl 0", "--ms h --ttl 0", -1, 0, NULL},
    {"iid 2^24", "--ms h --iid 16777216", -1, 0, NULL},
    {"alg md5", "--ms h --alg md5", -1, 0, NULL},
    {"key-id 256", "--ms h --key-id 256", -1, 0, NULL},
    {"bad rloc", "--ms h --rloc 192.0.2.300", -1, 0, NULL},
    {"timeout 0", "--ms h --timeout 0", -1, 0, NULL},
    {"retries 11", "--ms h --retries 11", -1, 0, NULL},
    {"bad ms port", "--ms h:99999", -1, 0, NULL},
    {"17 rlocs",
     "--ms h --rloc 10.0.0.1 --rloc 10.0.0.2 --rloc 10.0.0.3 --rloc 10.0.0.4 --rloc 10.0.0.5 "
     "--rloc 10.0.0.6 --rloc 10.0.0.7 --rloc 10.0.0.8 --rloc 10.0.0.9 --rloc 10.0.0.10 "
     "--rloc 10.0.0.11 --rloc 10.0.0.12 --rloc 10.0.0.13 --rloc 10.0.0.14 --rloc 10.0.0.15 "
     "--rloc 10.0.0.16 --rloc 10.0.0.17",
     -1, 0, NULL},
    {"missing config file", "--config /nonexistent/register.conf --ms h", -1, 0, NULL},
    {"no ms", "--eid 10.0.0.1/32 --rloc 192.0.2.1", 0, -1, NULL},
    {"no eid", "--ms h --rloc 192.0.2.1", 0, -1, NULL},
    {"no rloc", "--ms h --eid 10.0.0.1/32", 0, -1, NULL},
    {"duplicate eid", "--ms h --eid 10.0.0.1/32 --eid 10.0.0.1 --rloc 192.0.2.1", 0, -1, NULL},
    {"duplicate rloc", "--ms h --eid 10.0.0.1/32 --rloc 192.0.2.1 --rloc 192.0.2.1", 0, -1, NULL},
};

static int resolve_rc;

static int run_opts(const struct opt_case *c, struct reg_opts *o, char *err, size_t errlen)
{
	static char buf[1024]; /* argv strings outlive the call (hook_domain points here) */
	char *argv[64];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", c->args);
	argv[argc++] = (char *)"lisp-register";
	for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = !strcmp(t, "@CONF") ? conf_path : t;
	argv[argc] = NULL;
	reg_opts_init(o);
	int rc = reg_parse_args(argc, argv, o, err, errlen);
	resolve_rc = rc == 0 ? reg_resolve_eids(o, err, errlen) : -1;
	return rc;
}

static void test_register_options(void **state)
{
	(void)state;
	const char conf[] = "# register.conf\n"
			    "ms 192.0.2.100:4999   # the local Map-Server\n"
			    "\tsite from-conf\r\n"
			    "\n"
			    "weight 40\n"
			    "priority 3\n"
			    "rloc 192.0.2.50\n"
			    "proxy-reply yes\n"
			    "deregister-on-release true\n";
	snprintf(conf_path, sizeof(conf_path), "/tmp/test_tools.%d.conf", (int)getpid());
	write_file(conf_path, conf, sizeof(conf) - 1);
	for (size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
		const struct opt_case *c = &opt_cases[i];
		struct reg_opts o;
		char err[TOOLS_ERRLEN] = "";
		print_message("options: %s\n", c->name);
		int rc = run_opts(c, &o, err, sizeof(err));
		assert_int_equal(rc, c->parse_rc);
		if (rc == 0) {
			assert_int_equal(resolve_rc, 0);
			assert_int_equal(reg_validate(&o, err, sizeof(err)), c->validate_rc);
			if (c->check)
				c->check(&o);
		} else {
			assert_true(err[0] != '\0'); /* a usage error always says why */
		}
		reg_opts_free(&o);
	}
	unlink(conf_path);
}

struct conf_case {
	const char *name, *text;
	int rc;
	const char *err; /* substring of the error */
};
static const struct conf_case conf_cases[] = {
    {"empty", "", 0, NULL},
    {"comments only", "# x\n   # y\n", 0, NULL},
    {"no value", "ms\n", -1, "line 1"},
    {"two values", "site a b\n", -1, "one value"},
    {"unknown key", "\nsecret x\n", -1, "line 2: unknown setting"},
    {"bad boolean", "merge maybe\n", -1, "yes or no"},
    {"bad number", "retries many\n", -1, "retries"},
    {"NUL byte", "ms a\0b\n", -1, "NUL"},
};

static void test_config_file(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case *c = &conf_cases[i];
		struct reg_opts o;
		char err[TOOLS_ERRLEN] = "";
		size_t len = strlen(c->text);
		if (!strcmp(c->name, "NUL byte"))
			len = 7;
		print_message("config: %s\n", c->name);
		reg_opts_init(&o);
		assert_int_equal(
		    reg_config_parse((const uint8_t *)c->text, len, &o, err, sizeof(err)), c->rc);
		if (c->err)
			assert_non_null(strstr(err, c->err));
		reg_opts_free(&o);
	}
}

/* ------------------------------------------------------------------ key and EID files */
struct secret_case {
	const char *name;
	const char *text;
	size_t len;
	int rc;
	const char *secret;
};
#define S(x) x, sizeof(x) - 1
static const struct secret_case secret_cases[] = {
    {"plain line", S("lisp-secret\n"), 0, "lisp-secret"},
    {"no newline", S("lisp-secret"), 0, "lisp-secret"},
    {"CRLF and blank lines", S("lisp-secret\r\n\n\r\n"), 0, "lisp-secret"},
    {"blanks kept", S(" pw \n"), 0, " pw "},
    {"inner newline kept (as lisp-msd reads it)", S("a\nb\n"), 0, "a\nb"},
    {"empty file", S(""), -1, NULL},
    {"only newlines", S("\n\r\n"), -1, NULL},
    {"NUL byte", S("ab\0cd\n"), -1, NULL},
};

static void test_secret(void **state)
{
	(void)state;
	char big[400];
	memset(big, 'k', sizeof(big));
	for (size_t i = 0; i < sizeof(secret_cases) / sizeof(secret_cases[0]); i++) {
		const struct secret_case *c = &secret_cases[i];
		char secret[TOOLS_SECRET_MAX + 1], err[TOOLS_ERRLEN];
		size_t slen = 0;
		print_message("secret: %s\n", c->name);
		assert_int_equal(tools_parse_secret((const uint8_t *)c->text, c->len, secret,
						    sizeof(secret), &slen, err, sizeof(err)),
				 c->rc);
		if (c->rc == 0) {
			assert_int_equal(slen, strlen(c->secret));
			assert_string_equal(secret, c->secret);
		}
	}
	char secret[TOOLS_SECRET_MAX + 1], err[TOOLS_ERRLEN];
	size_t slen;
	assert_int_equal(tools_parse_secret((const uint8_t *)big, sizeof(big), secret,
					    sizeof(secret), &slen, err, sizeof(err)),
			 -1);
}

struct eid_case {
	const char *name;
	const char *text;
	size_t len;
	int rc;
	size_t n;
	const char *first, *last; /* prefix_str of the first and last EID */
	const char *err;
};
static const struct eid_case eid_cases[] = {
    {"one", S("198.51.100.5/32\n"), 0, 1, "[5]198.51.100.5/32", NULL, NULL},
    {"comments, blanks, CRLF, no final newline",
     S("# tenant 7\r\n\r\n  198.51.100.5/32  # vm1\r\n\t2001:db8::5\n198.51.100.6"), 0, 3,
     "[5]198.51.100.5/32", "[5]198.51.100.6/32", NULL},
    {"explicit iid kept", S("[42]10.0.0.0/8\n"), 0, 1, "[42]10.0.0.0/8", NULL, NULL},
    {"explicit iid 0 kept", S("[0]10.0.0.1/32\n"), 0, 1, "10.0.0.1/32", NULL, NULL},
    {"empty file", S(""), 0, 0, NULL, NULL, NULL},
    {"only comments", S("#\n# x\n"), 0, 0, NULL, NULL, NULL},
    {"bad line named", S("10.0.0.1/32\n\nnot-an-eid\n"), -1, 0, NULL, NULL, "line 3"},
    {"two on a line", S("10.0.0.1/32 10.0.0.2/32\n"), -1, 0, NULL, NULL, "one prefix per line"},
    {"host bits", S("10.0.0.1/8\n"), -1, 0, NULL, NULL, "line 1"},
    {"mask too long", S("10.0.0.1/33\n"), -1, 0, NULL, NULL, "line 1"},
    {"NUL byte", S("10.0.0.1/32\0\n"), -1, 0, NULL, NULL, "NUL"},
    {"overlong line",
     S("1111111111111111111111111111111111111111111111111111111111111111111111111111111111\n"), -1,
     0, NULL, NULL, "too long"},
};

static void test_eid_file(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eid_cases) / sizeof(eid_cases[0]); i++) {
		const struct eid_case *c = &eid_cases[i];
		struct lisp_prefix *eids = NULL;
		size_t n = 0;
		char err[TOOLS_ERRLEN] = "", s[PREFIX_STRLEN];
		print_message("eid file: %s\n", c->name);
		assert_int_equal(tools_parse_eid_list((const uint8_t *)c->text, c->len, 5, &eids,
						      &n, err, sizeof(err)),
				 c->rc);
		if (c->rc == 0) {
			assert_int_equal(n, c->n);
			if (c->first)
				assert_string_equal(prefix_str(&eids[0], s, sizeof(s)), c->first);
			if (c->last)
				assert_string_equal(prefix_str(&eids[n - 1], s, sizeof(s)),
						    c->last);
		} else {
			assert_non_null(strstr(err, c->err));
		}
		free(eids);
	}
}

/* ------------------------------------------------------------------ libvirt XML */
#define NS_OPEN "<lisp:mapping xmlns:lisp=\"urn:lisp-suite:1\">"
struct xml_case {
	const char *name;
	const char *xml;
	int rc;
	size_t n;
	const char *first, *last;
	const char *err;
};

#define LAUGHS                                                                                     \
	"<?xml version=\"1.0\"?><!DOCTYPE domain [<!ENTITY a \"aaaaaaaaaa\">"                      \
	"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "                                \
	"\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"                                                      \
	"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "                                \
	"\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"                                                      \
	"<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "                                \
	"\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"                                                      \
	"<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "                                \
	"\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"                                                    \
	"<domain><metadata>" NS_OPEN "<lisp:eid>&i;</lisp:eid></lisp:mapping></metadata></domain>"

static const struct xml_case xml_cases[] = {
    {"one EID",
     "<domain type='kvm'><name>vm1</name><metadata>" NS_OPEN
     "<lisp:eid>198.51.100.5/32</lisp:eid></lisp:mapping></metadata></domain>",
     0, 1, "[5]198.51.100.5/32", NULL, NULL},
    {"several EIDs, two mappings, blanks, CDATA, comment",
     "<?xml version='1.0'?>\n<domain>\n <metadata>\n  <other xmlns='urn:x'/>\n  " NS_OPEN
     "\n   <lisp:eid>\n 198.51.100.5/32 \n</lisp:eid>\n   <lisp:eid><![CDATA[2001:db8::5]]>"
     "<!-- v6 --></lisp:eid>\n  </lisp:mapping>\n  <l:mapping xmlns:l='urn:lisp-suite:1'>"
     "<l:eid>[42]10.1.0.0/16</l:eid></l:mapping>\n </metadata>\n</domain>\n",
     0, 3, "[5]198.51.100.5/32", "[42]10.1.0.0/16", NULL},
    {"default iid applied",
     "<domain><metadata>" NS_OPEN
     "<lisp:eid>10.0.0.1</lisp:eid></lisp:mapping></metadata></domain>",
     0, 1, NULL, NULL, NULL},
    {"no metadata", "<domain><name>vm</name></domain>", 0, 0, NULL, NULL, NULL},
    {"metadata of others only",
     "<domain><metadata><app:x xmlns:app='urn:other'><app:eid>10.0.0.1/32</app:eid></app:x>"
     "</metadata></domain>",
     0, 0, NULL, NULL, NULL},
    {"eid in a foreign namespace ignored",
     "<domain><metadata>" NS_OPEN "<eid>10.0.0.1/32</eid></lisp:mapping></metadata></domain>", 0, 0,
     NULL, NULL, NULL},
    {"mapping outside metadata ignored",
     "<domain>" NS_OPEN "<lisp:eid>10.0.0.1/32</lisp:eid></lisp:mapping></domain>", 0, 0, NULL,
     NULL, NULL},
    {"bad EID",
     "<domain><metadata>" NS_OPEN
     "<lisp:eid>10.0.0.300/32</lisp:eid></lisp:mapping></metadata></domain>",
     -1, 0, NULL, NULL, "bad EID prefix"},
    {"element inside eid",
     "<domain><metadata>" NS_OPEN
     "<lisp:eid><b>10.0.0.1</b></lisp:eid></lisp:mapping></metadata></domain>",
     -1, 0, NULL, NULL, "only text"},
    {"wrong root",
     "<network><metadata>" NS_OPEN
     "<lisp:eid>10.0.0.1/32</lisp:eid></lisp:mapping></metadata></network>",
     -1, 0, NULL, NULL, "<domain>"},
    {"not XML", "domain{eid=10.0.0.1}", -1, 0, NULL, NULL, "does not parse"},
    {"truncated", "<domain><metadata>" NS_OPEN "<lisp:eid>10.0.0.1/32", -1, 0, NULL, NULL,
     "does not parse"},
    {"empty input", "", -1, 0, NULL, NULL, "does not parse"},
    {"billion laughs", LAUGHS, -1, 0, NULL, NULL, NULL},
    {"external entity (file)",
     "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/hostname'>]>"
     "<domain><metadata>" NS_OPEN "<lisp:eid>&x;</lisp:eid></lisp:mapping></metadata></domain>",
     -1, 0, NULL, NULL, NULL},
    {"external entity (http)",
     "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'http://192.0.2.1/eid'>]>"
     "<domain><metadata>" NS_OPEN "<lisp:eid>&x;</lisp:eid></lisp:mapping></metadata></domain>",
     -1, 0, NULL, NULL, NULL},
    {"internal entity giving a valid EID is still refused",
     "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x '10.0.0.1/32'>]>"
     "<domain><metadata>" NS_OPEN "<lisp:eid>&x;</lisp:eid></lisp:mapping></metadata></domain>",
     -1, 0, NULL, NULL, NULL},
    {"external DTD",
     "<?xml version='1.0'?><!DOCTYPE domain SYSTEM 'file:///etc/passwd'>"
     "<domain/>",
     -1, 0, NULL, NULL, "DOCTYPE"},
};

static void test_libvirt_xml(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(xml_cases) / sizeof(xml_cases[0]); i++) {
		const struct xml_case *c = &xml_cases[i];
		struct lisp_prefix *eids = NULL;
		size_t n = 0;
		char err[TOOLS_ERRLEN] = "", s[PREFIX_STRLEN];
		struct timespec t0, t1;
		print_message("libvirt xml: %s\n", c->name);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = hook_extract_eids((const uint8_t *)c->xml, strlen(c->xml), 5, &eids, &n,
					   err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(rc, c->rc);
		/* nothing expands: every case is answered at once */
		assert_true(t1.tv_sec - t0.tv_sec < 2);
		if (rc == 0) {
			assert_int_equal(n, c->n);
			if (!strcmp(c->name, "default iid applied"))
				assert_int_equal(eids[0].iid, 5);
			if (c->first)
				assert_string_equal(prefix_str(&eids[0], s, sizeof(s)), c->first);
			if (c->last)
				assert_string_equal(prefix_str(&eids[n - 1], s, sizeof(s)),
						    c->last);
		} else {
			assert_true(err[0] != '\0');
			assert_int_equal(n, 0);
			assert_null(strstr(err, "aaaaaaaaaa")); /* no expansion reached us */
			if (c->err)
				assert_non_null(strstr(err, c->err));
		}
		free(eids);
	}
}

struct op_case {
	const char *op;
	bool dereg_on_release;
	enum hook_action want;
};
static const struct op_case op_cases[] = {
    {"started", false, HOOK_REGISTER},
    {"reconnect", false, HOOK_REGISTER},
    {"attach", false, HOOK_REGISTER},
    {"migrate", false, HOOK_NONE},
    {"prepare", false, HOOK_NONE},
    {"start", false, HOOK_NONE},
    {"stopped", false, HOOK_NONE},
    {"stopped", true, HOOK_NONE},
    {"release", false, HOOK_NONE},
    {"release", true, HOOK_DEREGISTER},
    {"restore", false, HOOK_NONE},
    {"STARTED", false, HOOK_NONE},
    {"", false, HOOK_NONE},
};

static void test_hook_ops(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		print_message("hook op: %s%s\n", op_cases[i].op,
			      op_cases[i].dereg_on_release ? " (deregister-on-release)" : "");
		assert_int_equal(hook_action_for(op_cases[i].op, op_cases[i].dereg_on_release),
				 op_cases[i].want);
	}
	assert_int_equal(hook_action_for(NULL, true), HOOK_NONE);
}

/* ------------------------------------------------------------------ settings file, installer */
static void test_default_conf(void **state)
{
	(void)state;
	/* $(sysconfdir)/lisp/register.conf of the build (SYSCONFDIR is the same -D here) */
	assert_string_equal(reg_default_conf(), SYSCONFDIR "/lisp/register.conf");

	/* hook mode: a settings file that does not exist is not an error by itself (the
	 * operations that do nothing must not fail), but its path is kept for the error */
	char *argv[] = {(char *)"lisp-register", (char *)"--libvirt-hook", (char *)"vm1",
			(char *)"started",	 (char *)"begin",	   NULL};
	struct reg_opts o;
	char err[TOOLS_ERRLEN] = "";
	setenv("LISP_REGISTER_CONF", "/nonexistent/lisp/register.conf", 1);
	reg_opts_init(&o);
	assert_int_equal(reg_parse_args(5, argv, &o, err, sizeof(err)), 0);
	assert_string_equal(o.config_missing, "/nonexistent/lisp/register.conf");
	assert_string_equal(o.config, "");
	reg_opts_free(&o);
	unsetenv("LISP_REGISTER_CONF");

	/* the installer's options: only --root goes with them */
	char *inst[] = {(char *)"lisp-register", (char *)"--install-libvirt-hook", (char *)"--root",
			(char *)"/tmp/x", NULL};
	reg_opts_init(&o);
	assert_int_equal(reg_parse_args(4, inst, &o, err, sizeof(err)), 0);
	assert_true(o.install_hook && !o.uninstall_hook);
	assert_string_equal(o.root, "/tmp/x");
	reg_opts_free(&o);
	char *bad[] = {(char *)"lisp-register", (char *)"--install-libvirt-hook", (char *)"--ms",
		       (char *)"h", NULL};
	reg_opts_init(&o);
	assert_int_equal(reg_parse_args(4, bad, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--ms"));
	reg_opts_free(&o);
	char *rel[] = {(char *)"lisp-register", (char *)"--uninstall-libvirt-hook",
		       (char *)"--root", (char *)"relative", NULL};
	reg_opts_init(&o);
	assert_int_equal(reg_parse_args(4, rel, &o, err, sizeof(err)), -1);
	reg_opts_free(&o);
	char *noinst[] = {(char *)"lisp-register", (char *)"--root", (char *)"/tmp/x", NULL};
	reg_opts_init(&o);
	assert_int_equal(reg_parse_args(3, noinst, &o, err, sizeof(err)), -1);
	reg_opts_free(&o);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Entries of a directory besides . and .. */
static unsigned entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_hook_install(void **state)
{
	(void)state;
	char root[] = "/tmp/test_tools.root.XXXXXX", path[512], qemu[512], dir[512], conf[512],
	     msg[4096];
	const char *theirs = "#!/bin/sh\n# the operator's own qemu hook\nexit 0\n";
	struct stat st;

	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s" HOOK_LIBVIRT_DIR, root);
	snprintf(qemu, sizeof(qemu), "%s" HOOK_LIBVIRT_DIR "/qemu", root);
	snprintf(path, sizeof(path), "%s" HOOK_DROPIN, root);
	snprintf(conf, sizeof(conf), "%s/etc/lisp/register.conf", root);
	assert_int_equal(hook_dropin_is_ours(path), -1);
	/* an existing hooks/qemu: never touched */
	char mk[600];
	snprintf(mk, sizeof(mk), "%s/etc", root);
	assert_int_equal(mkdir(mk, 0755), 0);
	snprintf(mk, sizeof(mk), "%s/etc/libvirt", root);
	assert_int_equal(mkdir(mk, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file(qemu, theirs, strlen(theirs));
	assert_int_equal(chmod(qemu, 0700), 0);

	print_message("install: fresh, the settings file missing\n");
	assert_int_equal(hook_install(root, "/usr/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 0);
	assert_non_null(strstr(msg, "installed "));
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, "/qemu exists and was left as it is"));
	assert_non_null(strstr(msg, conf)); /* names the missing file */
	assert_non_null(strstr(msg, "does not exist yet: create it"));
	assert_int_equal(hook_dropin_is_ours(path), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_non_null(strstr(slurp(path), "\n" HOOK_MARKER "\n"));
	assert_non_null(
	    strstr(slurp(path), "\nexec '/usr/bin/lisp-register' --libvirt-hook \"$@\"\n"));
	assert_non_null(strstr(slurp(path), "/etc/lisp/register.conf"));
	assert_string_equal(slurp(qemu), theirs);
	assert_int_equal(stat(qemu, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(mk, sizeof(mk), "%s" HOOK_DROPIN_DIR, root);
	assert_int_equal(entries(mk), 1); /* no temporary file left */

	print_message("install: again (ours: updated), with the settings file\n");
	snprintf(mk, sizeof(mk), "%s/etc/lisp", root);
	assert_int_equal(mkdir(mk, 0755), 0);
	write_file(conf, "ms 192.0.2.1\n", 13);
	assert_int_equal(hook_install(root, "/opt/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 0);
	assert_non_null(strstr(msg, "updated "));
	assert_null(strstr(msg, "does not exist"));
	assert_non_null(strstr(slurp(path), "exec '/opt/bin/lisp-register'"));
	assert_string_equal(slurp(qemu), theirs);
	snprintf(mk, sizeof(mk), "%s" HOOK_DROPIN_DIR, root);
	assert_int_equal(entries(mk), 1);

	print_message("install: a program path sh cannot take quoted\n");
	assert_int_equal(hook_install(root, "/opt/it's/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 -1);
	assert_int_equal(
	    hook_install(root, "lisp-register", "/etc/lisp/register.conf", msg, sizeof(msg)), -1);

	print_message("install/uninstall: a file of that name that is not ours\n");
	const char *foreign = "#!/bin/sh\n# someone else's lisp-register hook\nexit 0\n";
	unlink(path);
	write_file(path, foreign, strlen(foreign));
	assert_int_equal(hook_dropin_is_ours(path), 0);
	assert_int_equal(hook_install(root, "/usr/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "was not installed by lisp-register"));
	assert_string_equal(slurp(path), foreign);
	assert_int_equal(hook_uninstall(root, msg, sizeof(msg)), -1);
	assert_string_equal(slurp(path), foreign);
	/* the marker must be a line of its own */
	const char *almost = "#!/bin/sh\n#" HOOK_MARKER "\n";
	unlink(path);
	write_file(path, almost, strlen(almost));
	assert_int_equal(hook_dropin_is_ours(path), 0);

	print_message("install: a symbolic link there (even to a file of ours) is not ours\n");
	char target[600];
	snprintf(target, sizeof(target), "%s/elsewhere", root);
	write_file(target, "#!/bin/sh\n" HOOK_MARKER "\n", strlen("#!/bin/sh\n" HOOK_MARKER "\n"));
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(hook_dropin_is_ours(path), 0);
	assert_int_equal(hook_install(root, "/usr/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 -1);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	print_message("uninstall: ours removed, then nothing to remove\n");
	unlink(path);
	assert_int_equal(hook_install(root, "/usr/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 0);
	assert_int_equal(hook_uninstall(root, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "removed "));
	assert_int_equal(hook_dropin_is_ours(path), -1);
	assert_int_equal(hook_uninstall(root, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "nothing to remove"));
	assert_string_equal(slurp(qemu), theirs);

	print_message("install: directories created under an empty root\n");
	assert_int_equal(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(hook_install(root, "/usr/bin/lisp-register", "/etc/lisp/register.conf",
				      msg, sizeof(msg)),
			 0);
	assert_non_null(strstr(msg, "restart libvirtd"));
	assert_null(strstr(msg, "/qemu exists"));
	assert_int_equal(hook_dropin_is_ours(path), 1);
	assert_int_equal(access(qemu, F_OK), -1); /* no hooks/qemu is created */
	assert_int_equal(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ------------------------------------------------------------------ Map-Register / Notify */
#define SECRET "unit-secret"

static void opts_for(struct reg_opts *o, const char *ms_args)
{
	(void)ms_args;
	reg_opts_init(o);
	strcpy(o->ms, "127.0.0.1");
	ipaddr_parse("192.0.2.11", &o->rlocs[0]);
	ipaddr_parse("2001:db8:ff::1", &o->rlocs[1]);
	o->nrlocs = 2;
	o->priority = 3;
	o->weight = 40;
	o->ttl = 120;
}

struct build_case {
	const char *name;
	bool proxy, merge, dereg;
	uint8_t alg, key_id;
	const char *eids[3];
};
static const struct build_case build_cases[] = {
    {"ipv4 sha256", false, false, false, LISP_ALG_HMAC_SHA256_128, 0, {"198.51.100.5/32"}},
    {"proxy+merge sha1 key 9",
     true,
     true,
     false,
     LISP_ALG_HMAC_SHA1_96,
     9,
     {"198.51.100.5/32", "2001:db8::5/128"}},
    {"deregister, instance ID",
     false,
     false,
     true,
     LISP_ALG_HMAC_SHA256_128,
     1,
     {"[42]198.51.100.5/32", "10.0.0.0/8", "[7]2001:db8::/48"}},
};

static void test_register_build(void **state)
{
	(void)state;
	static struct lisp_map_register m;
	for (size_t i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
		const struct build_case *c = &build_cases[i];
		struct reg_opts o;
		struct lisp_prefix eids[3];
		size_t n = 0, r, l;
		uint8_t out[REG_DGRAM_MAX];
		struct buf w, rd;
		struct proto_err e = {0};
		print_message("register build: %s\n", c->name);
		opts_for(&o, NULL);
		o.proxy = c->proxy;
		o.merge = c->merge;
		o.dereg = c->dereg;
		o.alg = c->alg;
		o.key_id = c->key_id;
		while (n < 3 && c->eids[n]) {
			assert_int_equal(tools_parse_eid(c->eids[n], 0, &eids[n]), 0);
			n++;
		}
		struct lisp_key *k = lisp_key_new(c->key_id, c->alg, SECRET, strlen(SECRET));
		assert_non_null(k);
		buf_init_write(&w, out, sizeof(out));
		assert_int_equal(reg_build(&o, eids, n, 0x1122334455667788ull, k, &w, &e), 0);
		buf_as_reader(&w, &rd);
		assert_int_equal(lisp_map_register_parse(&rd, &m, &e), 0);
		assert_int_equal(lisp_auth_verify(&rd, &m.auth, k, &e), 0);
		assert_true(m.want_notify);
		assert_int_equal(m.proxy_reply, c->proxy);
		assert_int_equal(m.merge, c->merge);
		assert_false(m.sec || m.use_ttl);
		/* I=1 with our xTR-ID and Site-ID: lisp-msd keeps our nonces per (key, xTR-ID) */
		assert_true(m.xtr_id_present);
		assert_memory_equal(m.xtr_id, o.xtr_id, 16);
		assert_int_equal(m.site_id, o.site_id);
		assert_true(m.nonce == 0x1122334455667788ull);
		assert_int_equal(m.auth.key_id, c->key_id);
		assert_int_equal(m.auth.alg_id, c->alg);
		assert_int_equal(m.auth.len, lisp_auth_len(c->alg));
		assert_int_equal(m.nrec, n);
		for (r = 0; r < n; r++) {
			assert_true(prefix_eq(&m.rec[r].eid, &eids[r]));
			assert_int_equal(m.rec[r].ttl, c->dereg ? 0 : 120);
			assert_true(m.rec[r].authoritative);
			assert_int_equal(m.rec[r].action, LISP_ACT_NO_ACTION);
			assert_int_equal(m.rec[r].nloc, 2);
			for (l = 0; l < 2; l++) {
				assert_int_equal(m.rec[r].loc[l].priority, 3);
				assert_int_equal(m.rec[r].loc[l].weight, 40);
				assert_int_equal(m.rec[r].loc[l].mpriority, 255);
				assert_int_equal(m.rec[r].loc[l].flags,
						 LISP_LOC_F_LOCAL | LISP_LOC_F_REACHABLE);
				assert_true(ipaddr_eq(&m.rec[r].loc[l].addr.addr[0], &o.rlocs[l]));
			}
		}
		/* a flipped byte anywhere after the header breaks the signature */
		out[buf_len(&w) - 1] ^= 1;
		buf_init_read(&rd, out, buf_len(&w));
		assert_int_equal(lisp_map_register_parse(&rd, &m, &e), 0);
		assert_int_equal(lisp_auth_verify(&rd, &m.auth, k, &e), -1);
		lisp_key_free(k);
	}
}

static void test_register_pack(void **state)
{
	(void)state;
	struct reg_opts o;
	struct lisp_prefix eids[70];
	opts_for(&o, NULL);
	for (size_t i = 0; i < 70; i++) {
		char s[32];
		snprintf(s, sizeof(s), "10.7.%zu.%zu/32", i / 200, i % 200 + 1);
		assert_int_equal(tools_parse_eid(s, 0, &eids[i]), 0);
	}
	struct {
		const char *name;
		size_t nrlocs, n, maxlen, want;
	} cases[] = {
	    {"record limit", 1, 70, REG_DGRAM_MAX, LISP_MAX_RECORDS},
	    {"fewer than the limit", 1, 5, REG_DGRAM_MAX, 5},
	    {"datagram limit with 2 RLOCs: (1400 - 48 - 24) / 52", 2, 70, REG_DGRAM_MAX, 25},
	    {"nothing fits", 2, 70, 60, 0},
	    {"none given", 1, 0, REG_DGRAM_MAX, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("pack: %s\n", cases[i].name);
		o.nrlocs = cases[i].nrlocs;
		size_t k = reg_pack(&o, eids, cases[i].n, cases[i].maxlen);
		assert_int_equal(k, cases[i].want);
		if (k) { /* what pack says fits does fit */
			struct lisp_key *key = lisp_key_new(o.key_id, LISP_ALG_HMAC_SHA256_128,
							    SECRET, strlen(SECRET));
			uint8_t out[REG_DGRAM_MAX];
			struct buf w;
			buf_init_write(&w, out, cases[i].maxlen);
			assert_int_equal(reg_build(&o, eids, k, 1, key, &w, NULL), 0);
			if (k < cases[i].n) { /* and one more does not */
				buf_init_write(&w, out, cases[i].maxlen);
				assert_int_equal(reg_build(&o, eids, k + 1, 1, key, &w, NULL) ==
							 0 &&
						     k + 1 <= LISP_MAX_RECORDS,
						 0);
			}
			lisp_key_free(key);
		}
	}
}

/* Build a Map-Notify acknowledging `eids` (possibly not all). */
static size_t make_notify(uint8_t *out, size_t cap, uint64_t nonce, const char *secret,
			  uint8_t type, const struct reg_opts *o, const struct lisp_prefix *eids,
			  size_t n)
{
	static struct lisp_map_notify m;
	struct buf w;
	size_t auth_off;
	struct lisp_key *k = lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, secret, strlen(secret));
	memset(&m, 0, sizeof(m));
	m.ack = type == LISP_T_MAP_NOTIFY_ACK;
	m.nonce = nonce;
	m.auth.alg_id = LISP_ALG_HMAC_SHA256_128;
	m.auth.len = LISP_AUTH_SHA256_LEN;
	m.nrec = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		reg_record(o, &eids[i], &m.rec[i]);
	buf_init_write(&w, out, cap);
	assert_int_equal(lisp_map_notify_build(&w, &m, &auth_off, NULL), 0);
	assert_int_equal(lisp_auth_sign(&w, auth_off, k, NULL), 0);
	lisp_key_free(k);
	return buf_len(&w);
}

struct notify_case {
	const char *name;
	uint64_t nonce;
	const char *secret;
	uint8_t type;
	size_t nrec; /* records acknowledged (of 2) */
	size_t cut;  /* bytes removed from the end */
	enum xchg_verdict want;
	unsigned which;
	const char *why;
	enum reg_reject rej;
};
static const struct notify_case notify_cases[] = {
    {"good, last attempt", 300, SECRET, LISP_T_MAP_NOTIFY, 2, 0, XR_DONE, 2, NULL, REG_REJ_NONE},
    {"good, first attempt (late answer)", 100, SECRET, LISP_T_MAP_NOTIFY, 2, 0, XR_DONE, 0, NULL,
     REG_REJ_NONE},
    {"nonce never sent", 301, SECRET, LISP_T_MAP_NOTIFY, 2, 0, XR_IGNORE, 0, NULL, REG_REJ_NONE},
    {"bad signature", 200, "other-key", LISP_T_MAP_NOTIFY, 2, 0, XR_REJECT, 1, "authentication",
     REG_REJ_AUTH},
    {"missing a record", 300, SECRET, LISP_T_MAP_NOTIFY, 1, 0, XR_REJECT, 2, "2001:db8::5/128",
     REG_REJ_RECORDS},
    {"no records", 300, SECRET, LISP_T_MAP_NOTIFY, 0, 0, XR_REJECT, 2, "198.51.100.5/32",
     REG_REJ_RECORDS},
    {"Map-Notify-Ack is not an answer", 300, SECRET, LISP_T_MAP_NOTIFY_ACK, 2, 0, XR_IGNORE, 0,
     NULL, REG_REJ_NONE},
    {"truncated", 300, SECRET, LISP_T_MAP_NOTIFY, 2, 3, XR_IGNORE, 0, NULL, REG_REJ_NONE},
};

static void test_notify_check(void **state)
{
	(void)state;
	struct reg_opts o;
	struct lisp_prefix eids[2];
	const uint64_t nonces[3] = {100, 200, 300};
	opts_for(&o, NULL);
	o.key_id = 0; /* the key below */
	tools_parse_eid("198.51.100.5/32", 0, &eids[0]);
	tools_parse_eid("2001:db8::5/128", 0, &eids[1]);
	struct lisp_key *k = lisp_key_new(0, LISP_ALG_HMAC_SHA256_128, SECRET, strlen(SECRET));
	for (size_t i = 0; i < sizeof(notify_cases) / sizeof(notify_cases[0]); i++) {
		const struct notify_case *c = &notify_cases[i];
		uint8_t out[2048];
		char why[TOOLS_ERRLEN] = "";
		unsigned which = 99;
		print_message("notify: %s\n", c->name);
		size_t len = make_notify(out, sizeof(out), c->nonce, c->secret, c->type, &o,
					 c->nrec == 1 ? &eids[0] : eids, c->nrec);
		enum reg_reject rej = REG_REJ_NONE;
		enum xchg_verdict v = reg_check_notify(out, len - c->cut, nonces, 3, k, eids, 2,
						       &which, &rej, why, sizeof(why));
		assert_int_equal(v, c->want);
		if (v != XR_IGNORE)
			assert_int_equal(which, c->which);
		if (c->why)
			assert_non_null(strstr(why, c->why));
		assert_int_equal(rej, c->rej);
	}
	/* a Map-Register echoed back is not a Map-Notify */
	uint8_t reg[2048];
	struct buf w;
	buf_init_write(&w, reg, sizeof(reg));
	assert_int_equal(reg_build(&o, eids, 2, 300, k, &w, NULL), 0);
	unsigned which;
	assert_int_equal(
	    reg_check_notify(reg, buf_len(&w), nonces, 3, k, eids, 2, &which, NULL, NULL, 0),
	    XR_IGNORE);
	assert_int_equal(reg_check_notify(reg, 0, nonces, 3, k, eids, 2, &which, NULL, NULL, 0),
			 XR_IGNORE);
	lisp_key_free(k);
}

/* ------------------------------------------------------------------ outcomes, the exchange */
static bool has_cause(const char **c, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(c[i], needle))
			return true;
	return false;
}

static void test_outcomes(void **state)
{
	(void)state;
	const char *c[8];
	size_t n;

	assert_int_equal(reg_outcome_exit(REG_ACKED), 0);
	assert_int_equal(reg_outcome_exit(REG_ERROR), 1);
	assert_int_equal(reg_outcome_exit(REG_SEND_FAILED), 1);
	assert_int_equal(reg_outcome_exit(REG_USAGE), 2);
	assert_int_equal(reg_outcome_exit(REG_NO_ANSWER), 3);
	assert_int_equal(reg_outcome_exit(REG_REJECTED), 4);
	assert_string_equal(reg_outcome_name(REG_NO_ANSWER), "no-answer");
	assert_string_equal(reg_outcome_name(REG_REJECTED), "rejected");
	assert_string_equal(reg_outcome_name(REG_SEND_FAILED), "send-failed");
	assert_int_equal(reg_likely_causes(REG_ACKED, REG_REJ_NONE, XI_NONE, 0, c, 8), 0);

	/* silence: every cause, the silent refusal of lisp-msd included */
	n = reg_likely_causes(REG_NO_ANSWER, REG_REJ_NONE, XI_NONE, 0, c, 8);
	assert_true(has_cause(c, n, "wrong Map-Server address or port"));
	assert_true(has_cause(c, n, "firewall"));
	assert_true(has_cause(c, n, "down"));
	assert_true(has_cause(c, n, "wrong key, key-id or algorithm"));
	assert_true(has_cause(c, n, "<eid-prefix>"));
	/* ICMP port unreachable: nobody there, so no refusal by a Map-Server */
	n = reg_likely_causes(REG_NO_ANSWER, REG_REJ_NONE, XI_PORT_UNREACH, 0, c, 8);
	assert_true(n >= 1 && strstr(c[0], "nothing listens"));
	assert_false(has_cause(c, n, "wrong key"));
	n = reg_likely_causes(REG_NO_ANSWER, REG_REJ_NONE, XI_PROHIBITED, 0, c, 8);
	assert_true(n >= 1 && strstr(c[0], "firewall rejects"));
	n = reg_likely_causes(REG_NO_ANSWER, REG_REJ_NONE, XI_HOST_UNREACH, 0, c, 8);
	assert_true(n >= 1 && strstr(c[0], "unreachable"));
	/* an answer we refuse */
	n = reg_likely_causes(REG_REJECTED, REG_REJ_AUTH, XI_NONE, 0, c, 8);
	assert_true(has_cause(c, n, "another secret or algorithm"));
	n = reg_likely_causes(REG_REJECTED, REG_REJ_RECORDS, XI_NONE, 0, c, 8);
	assert_true(has_cause(c, n, "only part"));
	assert_false(has_cause(c, n, "secret"));
	/* nothing left this host */
	n = reg_likely_causes(REG_SEND_FAILED, REG_REJ_NONE, XI_NONE, ENETUNREACH, c, 8);
	assert_true(has_cause(c, n, "no route"));
	n = reg_likely_causes(REG_SEND_FAILED, REG_REJ_NONE, XI_NONE, EPERM, c, 8);
	assert_true(has_cause(c, n, "firewall rule of this host"));
	/* max respected */
	assert_int_equal(reg_likely_causes(REG_NO_ANSWER, REG_REJ_NONE, XI_NONE, 0, c, 2), 2);
}

static int probe_build(void *arg, unsigned attempt, struct buf *out, char *err, size_t errlen)
{
	(void)arg;
	(void)attempt;
	(void)err;
	(void)errlen;
	return buf_add_u32(out, 0x12345678);
}

static enum xchg_verdict probe_match(void *arg, const uint8_t *data, size_t len,
				     const struct sockaddr_storage *from, unsigned *attempt)
{
	(void)arg;
	(void)data;
	(void)len;
	(void)from;
	(void)attempt;
	return XR_IGNORE;
}

/* A UDP port on 127.0.0.1 (or ::1) that nothing listens on. */
static void closed_port(int family, struct sockaddr_storage *ss, socklen_t *sl)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		*sl = sizeof(*s6);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)ss, *sl), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)ss, sl), 0);
	close(fd);
}

static void test_xchg_errors(void **state)
{
	(void)state;
	char err[TOOLS_ERRLEN];
	const int fams[2] = {AF_INET, AF_INET6};

	for (int i = 0; i < 2; i++) {
		struct xchg x = {0};
		int fd = socket(fams[i], SOCK_DGRAM | SOCK_CLOEXEC, 0);
		print_message("exchange: ICMP port unreachable (%s)\n", i ? "IPv6" : "IPv4");
		assert_true(fd >= 0);
		closed_port(fams[i], &x.dst, &x.dstlen);
		x.fd = fd;
		x.timeout = 0.05;
		x.retries = 1;
		x.build = probe_build;
		x.match = probe_match;
		if (fams[i] == AF_INET6 &&
		    sendto(fd, "", 0, 0, (struct sockaddr *)&x.dst, x.dstlen) < 0) {
			print_message("  no ::1 here: IPv6 case not run\n");
			close(fd);
			continue;
		}
		assert_int_equal(xchg_run(&x, err, sizeof(err)), EXIT_NOANSWER);
		assert_int_equal(x.attempts, 2);
		assert_int_equal(x.send_errno, 0);
		/* the kernel's answer tells "nothing listens" from silence */
		assert_true(x.icmp_errors >= 1);
		assert_int_equal(x.icmp, XI_PORT_UNREACH);
		assert_string_equal(xchg_icmp_name(x.icmp), "port-unreachable");
		assert_int_equal(x.icmp_from.ss_family, fams[i]);
		close(fd);
	}

	/* a datagram that cannot leave: not an attempt, a send error */
	struct xchg x = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&x.dst;
	print_message("exchange: the send fails\n");
	s6->sin6_family = AF_INET6; /* an IPv6 destination on an IPv4 socket */
	s6->sin6_addr = in6addr_loopback;
	s6->sin6_port = htons(9);
	x.dstlen = sizeof(*s6);
	x.fd = fd;
	x.timeout = 0.05;
	x.retries = 3;
	x.build = probe_build;
	x.match = probe_match;
	assert_int_equal(xchg_run(&x, err, sizeof(err)), EXIT_OTHER);
	assert_int_equal(x.attempts, 0);
	assert_int_not_equal(x.send_errno, 0);
	assert_non_null(strstr(err, "cannot send to"));
	close(fd);
}

/* --ms repeated (each Map-Server registered independently, tools/regpipe.c), --window,
 * several "ms" lines in the config file replaced as a whole by the command line's, and the
 * duplicate-EID check on an evacuation-sized list. */
static int parse_line(struct reg_opts *o, const char *line, char *err, size_t errlen)
{
	static char buf[1024];
	char *argv[64];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"lisp-register";
	for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = !strcmp(t, "@CONF") ? conf_path : t;
	argv[argc] = NULL;
	reg_opts_init(o);
	return reg_parse_args(argc, argv, o, err, errlen);
}

static void test_register_several_ms(void **state)
{
	(void)state;
	struct reg_opts o;
	char err[TOOLS_ERRLEN];

	assert_int_equal(
	    parse_line(&o, "--ms a --ms b:5000 --ms [::1]:7 --window 64", err, sizeof(err)), 0);
	assert_string_equal(o.ms, "a");
	assert_int_equal(o.ms_port, 4342);
	assert_int_equal(o.nmore_ms, 2);
	assert_string_equal(o.more_ms[0].host, "b");
	assert_int_equal(o.more_ms[0].port, 5000);
	assert_string_equal(o.more_ms[1].host, "::1");
	assert_int_equal(o.more_ms[1].port, 7);
	assert_int_equal(o.window, 64);
	reg_opts_free(&o);
	assert_int_equal(parse_line(&o, "--ms a", err, sizeof(err)), 0);
	assert_int_equal(o.window, 16); /* the default */
	reg_opts_free(&o);
	/* the same Map-Server twice; more than REG_MS_MAX; window out of range */
	assert_int_equal(parse_line(&o, "--ms a --ms a:4342", err, sizeof(err)), -1);
	reg_opts_free(&o);
	assert_int_equal(parse_line(&o,
				    "--ms a --ms b --ms c --ms d --ms e --ms f --ms g --ms h "
				    "--ms i",
				    err, sizeof(err)),
			 -1);
	reg_opts_free(&o);
	assert_int_equal(parse_line(&o, "--ms a --window 0", err, sizeof(err)), -1);
	reg_opts_free(&o);
	assert_int_equal(parse_line(&o, "--ms a --window 1025", err, sizeof(err)), -1);
	reg_opts_free(&o);
	/* two "ms" lines in the file; the command line's --ms replaces both */
	const char conf[] = "ms 192.0.2.100\nms 192.0.2.101:4343\nwindow 8\n";
	snprintf(conf_path, sizeof(conf_path), "/tmp/test_tools_ms.%d.conf", (int)getpid());
	write_file(conf_path, conf, sizeof(conf) - 1);
	assert_int_equal(parse_line(&o, "--config @CONF", err, sizeof(err)), 0);
	assert_string_equal(o.ms, "192.0.2.100");
	assert_int_equal(o.nmore_ms, 1);
	assert_string_equal(o.more_ms[0].host, "192.0.2.101");
	assert_int_equal(o.more_ms[0].port, 4343);
	assert_int_equal(o.window, 8);
	reg_opts_free(&o);
	assert_int_equal(parse_line(&o, "--config @CONF --ms 192.0.2.7", err, sizeof(err)), 0);
	assert_string_equal(o.ms, "192.0.2.7");
	assert_int_equal(o.nmore_ms, 0);
	reg_opts_free(&o);
	unlink(conf_path);
	/* 100,000 distinct EIDs validate quickly; one repeated is named */
	reg_opts_init(&o);
	snprintf(o.ms, sizeof(o.ms), "a");
	o.nrlocs = 1;
	o.rlocs[0].afi = LISP_AFI_IPV4;
	o.neids = 100000;
	o.eids = calloc(o.neids + 1, sizeof(*o.eids));
	for (size_t i = 0; i < o.neids; i++) {
		o.eids[i].afi = LISP_AFI_IPV6;
		o.eids[i].plen = 128;
		o.eids[i].a[0] = 0x20;
		o.eids[i].a[1] = 0x01;
		o.eids[i].a[13] = (uint8_t)(i >> 16);
		o.eids[i].a[14] = (uint8_t)(i >> 8);
		o.eids[i].a[15] = (uint8_t)i;
	}
	clock_t c0 = clock();
	assert_int_equal(reg_validate(&o, err, sizeof(err)), 0);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 2.0);
	o.eids[o.neids] = o.eids[77777];
	o.neids++;
	assert_int_equal(reg_validate(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "::1:2fd1/128 given twice"));
	reg_opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostport),	     cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_register_options), cmocka_unit_test(test_config_file),
	    cmocka_unit_test(test_secret),	     cmocka_unit_test(test_eid_file),
	    cmocka_unit_test(test_libvirt_xml),	     cmocka_unit_test(test_hook_ops),
	    cmocka_unit_test(test_default_conf),     cmocka_unit_test(test_hook_install),
	    cmocka_unit_test(test_outcomes),	     cmocka_unit_test(test_xchg_errors),
	    cmocka_unit_test(test_register_build),   cmocka_unit_test(test_register_pack),
	    cmocka_unit_test(test_notify_check),     cmocka_unit_test(test_register_several_ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
