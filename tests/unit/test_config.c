/* SPDX-License-Identifier: ISC */
/* tests/unit/test_config.c - common/conf: valid document and typed getters; schema
 * violations, malformed XML, missing file and missing schema reported as FILE:LINE;
 * semantic errors via cfg_error carry file:line; range/format errors of every getter; the
 * shared <cli>, <log> and <privileges> readers; a compiled schema outlives its file (what a
 * daemon that dropped its privileges validates its reloads with). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "common/log.h"
#include "proto/addr.h"

static char dir[] = "/tmp/test_config_XXXXXX";
static char path[256];

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/t.xml", dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Does errs contain a line that starts with "path:line: " and contains `what`? */
static void assert_err(const struct cfg_errs *e, long line, const char *what)
{
	char want[300];
	snprintf(want, sizeof(want), "%s:%ld: ", path, line);
	const char *p = e->text;
	while ((p = strstr(p, want)) != NULL) {
		const char *eol = strchr(p, '\n');
		assert_non_null(eol);
		const char *w = strstr(p, what);
		if (w && w < eol)
			return;
		p = eol;
	}
	fail_msg("no error \"%s...%s\" in:\n%s", want, what, e->text);
}

static const char good[] =
    "<?xml version=\"1.0\"?>\n"
    "<testd version=\"3\">\n"				       /* 2 */
    "  <name>  alpha  </name>\n"			       /* 3 */
    "  <value>0x10</value>\n"				       /* 4 */
    "  <flag>yes</flag>\n"				       /* 5 */
    "  <mode>fast</mode>\n"				       /* 6 */
    "  <prefix eid=\"198.51.100.0/24\" rloc=\"192.0.2.1\"/>\n" /* 7 */
    "  <prefix eid=\"[7]2001:db8::/32\" rloc=\"2001:db8::1\" enabled=\"off\"/>\n"
    "  <prefix eid=\"10.0.0.1/8\" rloc=\"300.1.1.1\" enabled=\"maybe\"/>\n" /* 9 */
    "</testd>\n";

static void test_valid_and_getters(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char s[32];
	uint64_t u;
	uint32_t u32;
	bool b;
	int m;
	struct ipaddr a;
	struct lisp_prefix p;
	xmlNode *root, *c;
	static const char *const modes[] = {"slow", "fast", NULL};

	cfg_errs_init(&errs);
	write_file(good);
	xmlDoc *doc = cfg_load(path, "test.rng", &errs);
	assert_non_null(doc);
	assert_int_equal(errs.count, 0);
	root = cfg_root(doc);
	assert_string_equal(cfg_name(root), "testd");
	assert_int_equal(cfg_line(root), 2);
	assert_string_equal(cfg_file(root), path);

	assert_int_equal(cfg_get_string(root, "name", s, sizeof(s)), 0);
	assert_string_equal(s, "alpha");			  /* trimmed */
	assert_int_equal(cfg_get_string(root, "name", s, 5), -1); /* too long for dst */
	assert_err(&errs, 3, "value too long");
	assert_int_equal(cfg_get_string(root, "state-file", s, sizeof(s)), CFG_ABSENT);
	int rc;
	char *dup = cfg_dup_string(root, "name", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(dup, "alpha");
	free(dup);
	assert_null(cfg_dup_string(root, "nothing", &rc));
	assert_int_equal(rc, CFG_ABSENT);

	assert_int_equal(cfg_get_uint(root, "@version", 1, 10, &u), 0);
	assert_int_equal(u, 3);
	assert_int_equal(cfg_get_uint(root, "value", 0, 100, &u), 0);
	assert_int_equal(u, 16);
	u = 99;
	assert_int_equal(cfg_get_uint(root, "value", 0, 15, &u), -1);
	assert_int_equal(u, 99); /* untouched on error */
	assert_err(&errs, 4, "out of range [0, 15]");
	assert_int_equal(cfg_get_u32(root, "@version", 0, 5, &u32), 0);
	assert_int_equal(u32, 3);
	assert_int_equal(cfg_get_uint(root, "@absent", 0, 5, &u), CFG_ABSENT);
	assert_int_equal(cfg_get_uint(root, "name", 0, 5, &u), -1);
	assert_err(&errs, 3, "\"alpha\" is not an unsigned integer");

	assert_int_equal(cfg_get_bool(root, "flag", &b), 0);
	assert_true(b);
	assert_int_equal(cfg_get_enum(root, "mode", modes, &m), 0);
	assert_int_equal(m, 1);
	assert_int_equal(cfg_get_enum(root, "name", modes, &m), -1);
	assert_err(&errs, 3, "\"alpha\" is not one of: slow, fast");

	assert_int_equal(cfg_count(root, "prefix"), 3);
	assert_int_equal(cfg_count(root, NULL), 7);
	int i = 0;
	CFG_FOREACH(c, root, "prefix")
	{
		struct lisp_prefix want;
		char txt[PREFIX_STRLEN];
		if (i == 0) {
			assert_int_equal(cfg_get_prefix(c, "@eid", false, &p), 0);
			assert_string_equal(prefix_str(&p, txt, sizeof(txt)), "198.51.100.0/24");
			assert_int_equal(cfg_get_addr(c, "@rloc", &a), 0);
			assert_int_equal(a.afi, LISP_AFI_IPV4);
			b = true;
			assert_int_equal(cfg_get_bool(c, "@enabled", &b), CFG_ABSENT);
			assert_true(b);
		} else if (i == 1) {
			assert_int_equal(cfg_get_prefix(c, "@eid", false, &p), 0);
			assert_int_equal(prefix_parse("[7]2001:db8::/32", &want, false), 0);
			assert_true(prefix_eq(&p, &want));
			assert_int_equal(cfg_get_addr(c, "@rloc", &a), 0);
			assert_int_equal(a.afi, LISP_AFI_IPV6);
			assert_int_equal(cfg_get_bool(c, "@enabled", &b), 0);
			assert_false(b);
		} else {
			assert_int_equal(cfg_get_prefix(c, "@eid", false, &p), -1);
			assert_err(&errs, 9, "has host bits set");
			assert_int_equal(cfg_get_prefix(c, "@eid", true, &p), 0);
			assert_int_equal(cfg_get_addr(c, "@rloc", &a), -1);
			assert_err(&errs, 9, "\"300.1.1.1\" is not an IPv4 or IPv6 address");
			assert_int_equal(cfg_get_bool(c, "@enabled", &b), -1);
			assert_err(&errs, 9, "\"maybe\" is not one of: false, true");
		}
		i++;
	}
	assert_int_equal(i, 3);
	assert_int_equal(cfg_get_prefix(root, "name", false, &p), -1);
	assert_err(&errs, 3, "is not a prefix");

	/* semantic error from the daemon's own checks */
	c = cfg_child(root, "mode");
	assert_int_equal(cfg_error(c, "mode %s needs a %s", "fast", "value"), -1);
	assert_err(&errs, 6, "mode fast needs a value");
	assert_int_equal(errs.count, 9);
	/* node text (name == NULL) */
	assert_int_equal(cfg_get_string(c, NULL, s, sizeof(s)), 0);
	assert_string_equal(s, "fast");
	cfg_free(doc);
}

static void test_schema_violation(void **state)
{
	(void)state;
	struct cfg_errs errs;

	cfg_errs_init(&errs);
	write_file("<?xml version=\"1.0\"?>\n"
		   "<testd version=\"x\">\n"
		   "  <name>a</name>\n"
		   "  <bogus/>\n"
		   "</testd>\n");
	assert_null(cfg_load(path, "test.rng", &errs));
	assert_true(errs.count >= 1);
	/* libxml2 names the element or attribute; the line must be right */
	assert_true(strstr(errs.text, ":2: ") || strstr(errs.text, ":4: "));
	assert_non_null(strstr(errs.text, path));

	cfg_errs_init(&errs);
	write_file("<?xml version=\"1.0\"?>\n"
		   "<testd>\n"
		   "  <name>a</name>\n"
		   "  <extra/>\n"
		   "</testd>\n");
	assert_null(cfg_load(path, "test.rng", &errs));
	assert_err(&errs, 4, "extra");

	cfg_errs_init(&errs);
	write_file("<other/>\n");
	assert_null(cfg_load(path, "test.rng", &errs));
	assert_err(&errs, 1, "other");
}

static void test_malformed_xml(void **state)
{
	(void)state;
	struct cfg_errs errs;

	cfg_errs_init(&errs);
	write_file("<?xml version=\"1.0\"?>\n"
		   "<testd>\n"
		   "  <name>a</nam>\n"
		   "</testd>\n");
	assert_null(cfg_load(path, "test.rng", &errs));
	assert_err(&errs, 3, "mismatch");

	cfg_errs_init(&errs);
	write_file("");
	assert_null(cfg_load(path, NULL, &errs));
	assert_true(errs.count >= 1);
	assert_non_null(strstr(errs.text, path));

	/* an external entity is not fetched */
	cfg_errs_init(&errs);
	write_file("<?xml version=\"1.0\"?>\n"
		   "<!DOCTYPE testd [<!ENTITY x SYSTEM \"/etc/passwd\">]>\n"
		   "<testd><name>&x;</name></testd>\n");
	xmlDoc *doc = cfg_load(path, "test.rng", &errs);
	if (doc) {
		char s[64];
		int r = cfg_get_string(cfg_root(doc), "name", s, sizeof(s));
		assert_true(r != 0 || strstr(s, "root:") == NULL);
		cfg_free(doc);
	}
}

static void test_missing_file_and_schema(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char p[4096];

	cfg_errs_init(&errs);
	assert_null(cfg_load("/nonexistent/x.xml", "test.rng", &errs));
	assert_non_null(strstr(errs.text, "/nonexistent/x.xml: cannot open: "));

	write_file(good);
	cfg_errs_init(&errs);
	assert_null(cfg_load(path, "no-such-schema.rng", &errs));
	assert_non_null(strstr(errs.text, "schema no-such-schema.rng not found"));

	assert_int_equal(cfg_schema_path("test.rng", p, sizeof(p)), 0);
	/* $LISP_SCHEMA_DIR comes first */
	setenv("LISP_SCHEMA_DIR", dir, 1);
	char sp[300];
	snprintf(sp, sizeof(sp), "%s/test.rng", dir);
	FILE *f = fopen(sp, "w");
	fputs("<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start>"
	      "<element name=\"other\"><empty/></element></start></grammar>\n",
	      f);
	fclose(f);
	assert_int_equal(cfg_schema_path("test.rng", p, sizeof(p)), 0);
	assert_string_equal(p, sp);
	cfg_errs_init(&errs);
	assert_null(cfg_load(path, "test.rng", &errs)); /* root is not <other> */
	unlink(sp);
	unsetenv("LISP_SCHEMA_DIR");
	assert_int_equal(cfg_schema_path("test.rng", p, sizeof(p)), 0);
	assert_string_not_equal(p, sp);
}

static void test_errs_overflow(void **state)
{
	(void)state;
	struct cfg_errs errs;

	cfg_errs_init(&errs);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(cfg_errs_add(&errs, "f.xml", i + 1, "error number %d\n", i), -1);
	assert_int_equal(errs.count, 1000);
	assert_true(errs.len < sizeof(errs.text));
	assert_int_equal(strlen(errs.text), errs.len);
	assert_non_null(strstr(errs.text, "f.xml:1: error number 0\n"));
	assert_non_null(strstr(errs.text, "...more errors\n"));
	cfg_errs_init(&errs);
	cfg_errs_add(&errs, "f.xml", 0, "no line");
	assert_string_equal(errs.text, "f.xml: no line\n");
}

static void test_resolve_path(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char out[512], want[512], small[8];

	cfg_errs_init(&errs);
	write_file(good);
	xmlDoc *doc = cfg_load(path, "test.rng", &errs);
	assert_non_null(doc);
	xmlNode *root = cfg_root(doc);
	/* relative: next to the config file */
	const char *slash = strrchr(path, '/');
	assert_non_null(slash);
	snprintf(want, sizeof(want), "%.*s/keys/dc.key", (int)(slash - path), path);
	assert_int_equal(cfg_resolve_path(root, "keys/dc.key", out, sizeof(out)), 0);
	assert_string_equal(out, want);
	/* absolute: unchanged */
	assert_int_equal(cfg_resolve_path(root, "/etc/lisp/dc.key", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/lisp/dc.key");
	/* no node (no file): unchanged */
	assert_int_equal(cfg_resolve_path(NULL, "x.db", out, sizeof(out)), 0);
	assert_string_equal(out, "x.db");
	/* does not fit */
	assert_int_equal(cfg_resolve_path(root, "keys/dc.key", small, sizeof(small)), -1);
	cfg_free(doc);
}

/* <cli> and <log> are read the same way by every daemon (no schema here: the readers'
 * own checks). */
static void test_cli_and_log(void **state)
{
	(void)state;
	struct cfg_errs errs;
	struct cfg_cli c, d;
	struct cfg_log level;
	char text[256];
	size_t n = 0;
	char *mem = NULL;

	/* absent: the defaults stay */
	cfg_errs_init(&errs);
	write_file("<d/>\n");
	xmlDoc *doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	cfg_cli_init(&c, 2620);
	cfg_log_init(&level);
	assert_int_equal(cfg_read_cli(cfg_root(doc), &c), 0);
	assert_int_equal(cfg_read_log(cfg_root(doc), &level), 0);
	assert_string_equal(c.addr, "127.0.0.1");
	assert_int_equal(c.port, 2620);
	assert_string_equal(c.password, "");
	assert_int_equal(level.level, LOG_INFO);
	assert_int_equal(level.facility, LOG_DAEMON);
	cfg_free(doc);

	/* set: the address normalized, the password never printed */
	cfg_errs_init(&errs);
	write_file("<d>\n  <cli address=\"2001:DB8:0::1\" port=\"7000\" password=\"s3\"/>\n"
		   "  <log level=\"debug\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_cli(cfg_root(doc), &c), 0);
	assert_int_equal(cfg_read_log(cfg_root(doc), &level), 0);
	assert_string_equal(c.addr, "2001:db8::1");
	assert_int_equal(c.port, 7000);
	assert_string_equal(c.password, "s3");
	assert_int_equal(level.level, LOG_DEBUG);
	assert_int_equal(level.facility, LOG_DAEMON); /* not given: the default */
	FILE *f = open_memstream(&mem, &n);
	assert_non_null(f);
	cfg_print_cli(&c, f);
	cfg_print_log(&level, f);
	fclose(f);
	snprintf(text, sizeof(text), "%s", mem);
	free(mem);
	assert_string_equal(text,
			    "  <cli address=\"2001:db8::1\" port=\"7000\" password=\"(set)\"/>\n"
			    "  <log level=\"debug\"/>\n");
	cfg_cli_init(&d, 2620);
	assert_false(cfg_cli_same_listener(&c, &d));
	snprintf(d.addr, sizeof(d.addr), "2001:db8::1");
	assert_false(cfg_cli_same_listener(&c, &d));
	d.port = 7000;
	assert_true(cfg_cli_same_listener(&c, &d));
	cfg_free(doc);

	/* a facility: printed only when it is not daemon; level alone keeps the facility */
	static const struct {
		const char *name;
		int value;
	} fac[] = {{"user", LOG_USER},
		   {"local0", LOG_LOCAL0},
		   {"local3", LOG_LOCAL3},
		   {"local7", LOG_LOCAL7},
		   {"daemon", LOG_DAEMON}};
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++) {
		char xml[128], want[128];
		cfg_errs_init(&errs);
		snprintf(xml, sizeof(xml), "<d>\n  <log facility=\"%s\"/>\n</d>\n", fac[i].name);
		write_file(xml);
		doc = cfg_load(path, NULL, &errs);
		assert_non_null(doc);
		cfg_log_init(&level);
		level.level = LOG_NOTICE;
		assert_int_equal(cfg_read_log(cfg_root(doc), &level), 0);
		assert_int_equal(level.facility, fac[i].value);
		assert_int_equal(level.level, LOG_NOTICE); /* not given: kept */
		assert_string_equal(log_facility_name(level.facility), fac[i].name);
		mem = NULL;
		n = 0;
		f = open_memstream(&mem, &n);
		assert_non_null(f);
		cfg_print_log(&level, f);
		fclose(f);
		if (fac[i].value == LOG_DAEMON)
			snprintf(want, sizeof(want), "  <log level=\"notice\"/>\n");
		else
			snprintf(want, sizeof(want), "  <log level=\"notice\" facility=\"%s\"/>\n",
				 fac[i].name);
		assert_string_equal(mem, want);
		free(mem);
		cfg_free(doc);
	}

	/* bad values: FILE:LINE errors, -1 */
	cfg_errs_init(&errs);
	write_file("<d>\n  <cli address=\"not-an-address\" port=\"70000\"/>\n"
		   "  <log level=\"loud\" facility=\"local8\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	cfg_cli_init(&c, 2621);
	assert_int_equal(cfg_read_cli(cfg_root(doc), &c), -1);
	assert_int_equal(cfg_read_log(cfg_root(doc), &level), -1);
	assert_err(&errs, 2, "address");
	assert_err(&errs, 2, "out of range");
	assert_err(&errs, 3, "level");
	assert_err(&errs, 3, "facility");
	assert_err(&errs, 3, "local8");
	assert_int_equal(c.port, 2621);
	cfg_free(doc);
}

static char *print_priv(const struct cfg_priv *p)
{
	static char text[256];
	char *mem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&mem, &n);

	assert_non_null(f);
	cfg_print_privileges(p, f);
	fclose(f);
	snprintf(text, sizeof(text), "%s", mem);
	free(mem);
	return text;
}

static void test_privileges(void **state)
{
	(void)state;
	struct cfg_errs errs;
	struct cfg_priv p, q;
	xmlDoc *doc;

	/* absent: the default (lisp, else nobody: resolved at the drop, common/priv.c) */
	cfg_errs_init(&errs);
	write_file("<d/>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	memset(&p, 'x', sizeof(p));
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), 0);
	assert_string_equal(p.user, "");
	assert_string_equal(p.group, "");
	assert_string_equal(print_priv(&p),
			    "  <privileges user=\"(default: lisp, else nobody)\"/>\n");
	cfg_free(doc);

	/* a user and group that exist on Debian */
	cfg_errs_init(&errs);
	write_file("<d>\n  <privileges user=\" nobody \" group=\"nogroup\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), 0);
	assert_string_equal(p.user, "nobody");
	assert_string_equal(p.group, "nogroup");
	assert_string_equal(print_priv(&p), "  <privileges user=\"nobody\" group=\"nogroup\"/>\n");
	memset(&q, 0, sizeof(q));
	assert_false(cfg_priv_same(&p, &q));
	snprintf(q.user, sizeof(q.user), "nobody");
	assert_false(cfg_priv_same(&p, &q));
	snprintf(q.group, sizeof(q.group), "nogroup");
	assert_true(cfg_priv_same(&p, &q));
	cfg_free(doc);

	/* root: nothing is dropped, and -nv says so loudly */
	cfg_errs_init(&errs);
	write_file("<d>\n  <privileges user=\"root\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), 0);
	assert_non_null(strstr(print_priv(&p), "NO PRIVILEGE IS DROPPED"));
	cfg_free(doc);

	/* errors with FILE:LINE: unknown user, unknown group, empty values, root with a group */
	cfg_errs_init(&errs);
	write_file("<d>\n\n  <privileges user=\"no-such-user-lisp\" "
		   "group=\"no-such-group-lisp\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), -1);
	assert_err(&errs, 3, "no user no-such-user-lisp");
	assert_err(&errs, 3, "no group no-such-group-lisp");
	cfg_free(doc);
	cfg_errs_init(&errs);
	write_file("<d>\n  <privileges user=\"\" group=\" \"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), -1);
	assert_err(&errs, 2, "<privileges user> is empty");
	assert_err(&errs, 2, "<privileges group> is empty");
	cfg_free(doc);
	cfg_errs_init(&errs);
	write_file("<d>\n  <privileges user=\"root\" group=\"nogroup\"/>\n</d>\n");
	doc = cfg_load(path, NULL, &errs);
	assert_non_null(doc);
	assert_int_equal(cfg_read_privileges(cfg_root(doc), &p), -1);
	assert_err(&errs, 2, "keeps every privilege");
	cfg_free(doc);
}

/* A schema compiled once is used again when its file can no longer be found or read (the
 * schema directory of a daemon that dropped its privileges); a readable file is compiled
 * again every time. */
static void test_schema_cache(void **state)
{
	(void)state;
	struct cfg_errs errs;
	char sp[300];
	xmlDoc *doc;
	FILE *f;

	snprintf(sp, sizeof(sp), "%s/cache-test.rng", dir);
	f = fopen(sp, "w");
	assert_non_null(f);
	fputs("<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start>"
	      "<element name=\"cached\"><empty/></element></start></grammar>\n",
	      f);
	fclose(f);
	setenv("LISP_SCHEMA_DIR", dir, 1);
	write_file("<cached/>\n");
	cfg_errs_init(&errs);
	doc = cfg_load(path, "cache-test.rng", &errs);
	assert_non_null(doc);
	cfg_free(doc);

	/* the file is gone: the compiled schema still validates, both ways */
	unlink(sp);
	cfg_errs_init(&errs);
	doc = cfg_load(path, "cache-test.rng", &errs);
	assert_non_null(doc);
	cfg_free(doc);
	write_file("<other/>\n");
	cfg_errs_init(&errs);
	assert_null(cfg_load(path, "cache-test.rng", &errs));
	assert_null(strstr(errs.text, "not found"));

	/* readable again: what the file says now */
	f = fopen(sp, "w");
	assert_non_null(f);
	fputs("<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start>"
	      "<element name=\"other\"><empty/></element></start></grammar>\n",
	      f);
	fclose(f);
	cfg_errs_init(&errs);
	doc = cfg_load(path, "cache-test.rng", &errs);
	assert_non_null(doc);
	cfg_free(doc);
	unlink(sp);
	unsetenv("LISP_SCHEMA_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_and_getters),
	    cmocka_unit_test(test_schema_violation),
	    cmocka_unit_test(test_malformed_xml),
	    cmocka_unit_test(test_missing_file_and_schema),
	    cmocka_unit_test(test_errs_overflow),
	    cmocka_unit_test(test_resolve_path),
	    cmocka_unit_test(test_cli_and_log),
	    cmocka_unit_test(test_privileges),
	    cmocka_unit_test(test_schema_cache),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
