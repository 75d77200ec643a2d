/* SPDX-License-Identifier: ISC */
/* tests/unit/test_ms_store.c - ms/store: round trip, one transaction per turn, crash
 * durability (a child killed with SIGKILL after a commit), corrupt rows skipped, the map
 * version and change time kept, a database of the schema before versions upgraded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ms/store.h"

static char dbpath[256];

static int setup(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_ms_store.XXXXXX";
	assert_non_null(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/reg.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf \"$(dirname '%s')\"", dbpath);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_row(struct store_row *r, const char *eid, const char *rloc)
{
	struct lisp_prefix p;
	struct ipaddr ip;
	memset(r, 0, sizeof(*r));
	assert_int_equal(prefix_parse(eid, &p, false), 0);
	assert_int_equal(ipaddr_parse(rloc, &ip), 0);
	r->site = "dc-a";
	lisp_record_set_eid(&r->rec, &p);
	r->rec.ttl = 1440;
	r->rec.map_version = 7;
	r->rec.nloc = 1;
	r->rec.loc[0].priority = 1;
	r->rec.loc[0].weight = 100;
	r->rec.loc[0].flags = LISP_LOC_F_REACHABLE;
	lisp_addr_from_ip(&r->rec.loc[0].addr, &ip);
	r->etr = ip;
	r->etr_port = 4342;
	r->flags = STORE_F_PROXY;
	r->registered_unix = 1700000000;
}

struct seen {
	int n;
	struct store_row last;
	struct lisp_record recs[8];
};

static int collect(const struct store_row *r, void *arg)
{
	struct seen *s = arg;
	if (s->n < 8)
		s->recs[s->n] = r->rec;
	s->last = *r;
	s->last.site = NULL;
	s->n++;
	return 0;
}

static void test_round_trip(void **state)
{
	(void)state;
	char err[256];
	struct store_row r;
	struct seen seen = {0};
	unsigned bad = 99;

	struct ms_store *s = store_open(dbpath, false, err, sizeof(err));
	assert_non_null(s);
	make_row(&r, "198.51.100.5/32", "192.0.2.1");
	assert_int_equal(store_put(s, &r), 0);
	make_row(&r, "[7]2001:db8::5/128", "2001:db8:ff::1");
	assert_int_equal(store_put(s, &r), 0);
	assert_true(store_pending(s));
	assert_int_equal(store_commit(s), 2);
	assert_false(store_pending(s));
	assert_int_equal(store_commit(s), 0);
	/* replace: same EID, new RLOC */
	make_row(&r, "198.51.100.5/32", "192.0.2.2");
	assert_int_equal(store_put(s, &r), 0);
	assert_int_equal(store_commit(s), 1);
	store_close(s);

	s = store_open(dbpath, true, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_load(s, collect, &seen, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(seen.n, 2);
	/* ordered by text key: "198..." < "[7]..." */
	char str[PREFIX_STRLEN];
	assert_string_equal(prefix_str(&seen.recs[0].eid, str, sizeof(str)), "198.51.100.5/32");
	assert_int_equal(seen.recs[0].loc[0].addr.addr[0].a[3], 2);
	assert_int_equal(seen.recs[0].map_version, 7);
	assert_string_equal(prefix_str(&seen.recs[1].eid, str, sizeof(str)), "[7]2001:db8::5/128");
	struct lisp_prefix p;
	prefix_parse("198.51.100.5/32", &p, false);
	assert_int_equal(store_del(s, &p), 0);
	assert_int_equal(store_commit(s), 1);
	seen.n = 0;
	assert_int_equal(store_load(s, collect, &seen, &bad), 0);
	assert_int_equal(seen.n, 1);
	store_close(s);
}

static void test_crash_keeps_committed(void **state)
{
	(void)state;
	char err[256];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_row r;
		struct ms_store *s = store_open(dbpath, false, err, sizeof(err));
		if (!s)
			_exit(3);
		make_row(&r, "198.51.100.10/32", "192.0.2.1");
		store_put(s, &r);
		make_row(&r, "198.51.100.11/32", "192.0.2.1");
		store_put(s, &r);
		if (store_commit(s) != 2)
			_exit(4);
		make_row(&r, "198.51.100.12/32", "192.0.2.1"); /* never committed */
		store_put(s, &r);
		kill(getpid(), SIGKILL);
		_exit(5);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	struct seen seen = {0};
	struct ms_store *s = store_open(dbpath, false, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_load(s, collect, &seen, NULL), 0);
	assert_int_equal(seen.n, 2);
	store_close(s);
}

static void test_corrupt_row_skipped(void **state)
{
	(void)state;
	char err[256];
	struct store_row r;
	struct seen seen = {0};
	unsigned bad = 0;
	struct ms_store *s = store_open(dbpath, false, err, sizeof(err));
	assert_non_null(s);
	make_row(&r, "198.51.100.20/32", "192.0.2.1");
	assert_int_equal(store_put(s, &r), 0);
	assert_int_equal(store_commit(s), 1);
	store_close(s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO registration (eid, site, record, etr, etr_port,"
				      " flags, registered) VALUES ('198.51.100.21/32','x',"
				      "x'00010203','192.0.2.1',4342,0,0);"
				      "INSERT INTO registration (eid, site, record, etr, etr_port,"
				      " flags, registered) VALUES ('198.51.100.22/32','x',"
				      "x'','192.0.2.1',4342,0,0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	s = store_open(dbpath, false, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_load(s, collect, &seen, &bad), 0);
	assert_int_equal(bad, 2);
	assert_int_equal(seen.n, 1);
	store_close(s);
}

/* The Map-Server's map version and change time survive; a database created before these
 * columns existed is upgraded in place (its rows load with version 0). */
static void test_version_and_upgrade(void **state)
{
	(void)state;
	char err[256];
	struct store_row r;
	struct seen seen = {0};
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "CREATE TABLE registration (eid TEXT PRIMARY KEY,"
			 " site TEXT NOT NULL, record BLOB NOT NULL, etr TEXT NOT NULL,"
			 " etr_port INTEGER NOT NULL, flags INTEGER NOT NULL,"
			 " registered INTEGER NOT NULL)",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	struct ms_store *s = store_open(dbpath, false, err, sizeof(err));
	assert_non_null(s);
	make_row(&r, "198.51.100.30/32", "192.0.2.1");
	r.version = 4095;
	r.changed_unix_ms = 1700000000123ULL;
	assert_int_equal(store_put(s, &r), 0);
	assert_int_equal(store_commit(s), 1);
	store_close(s);
	s = store_open(dbpath, false, err, sizeof(err)); /* second open: columns exist */
	assert_non_null(s);
	assert_int_equal(store_load(s, collect, &seen, NULL), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.version, 4095);
	assert_int_equal(seen.last.changed_unix_ms, 1700000000123ULL);
	assert_int_equal(seen.last.rec.map_version, 7); /* the ETR's own, unchanged */
	store_close(s);
}

static void test_open_fails_cleanly(void **state)
{
	(void)state;
	char err[512] = "";
	assert_null(store_open("/nonexistent-dir/x/reg.db", false, err, sizeof(err)));
	/* not SQLite's "unable to open database file": which directory, and what to do */
	assert_non_null(strstr(err, "/nonexistent-dir/x/reg.db: the directory /nonexistent-dir/x "
				    "does not exist: create it (install -d"));
	assert_non_null(strstr(err, "or set <database path>"));
	err[0] = '\0';
	assert_null(store_open("/dev/null/reg.db", false, err, sizeof(err)));
	assert_non_null(strstr(err, "/dev/null is not a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_keeps_committed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_row_skipped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_version_and_upgrade, setup, teardown),
	    cmocka_unit_test(test_open_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
