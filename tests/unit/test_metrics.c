/* SPDX-License-Identifier: ISC */
/* tests/unit/test_metrics.c - common/metrics: the text format writer (HELP/TYPE lines, label
 * and HELP escaping, exact 64-bit counters, +Inf/NaN, histogram buckets cumulative up to
 * le="+Inf" with _sum and _count, names and misuse refused) and the HTTP endpoint on a real
 * evhttp bound to 127.0.0.1: GET /metrics answers the collected text with the 0.0.4
 * content type; another path is 404, another method 405 with Allow: GET; a request line or
 * headers over the limit are 413, garbage is 400; each is counted (what show statistics
 * and lisp_metrics_bad_requests_total show); at METRICS_MAX_CONNS open connections the
 * next one waits (not accepted) until one closes; idle connections are closed by the
 * timeout and counted as closed without an answer; no connection is left counted open; a
 * client asking too often gets the last rendering (render factor). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/out.h"
#include "common/ratelimit.h"

/* ------------------------------------------------------------------ writer */

static void test_family_and_escaping(void **state)
{
	struct mw w;

	(void)state;
	mw_init(&w);
	assert_int_equal(mw_family(&w, "lisp_test_total", METRICS_COUNTER, "a \\ back\nslash"), 0);
	assert_int_equal(mw_u64(&w, 18446744073709551615ULL, "reason", "a\"b\\c\nd", NULL), 0);
	assert_int_equal(mw_u64(&w, 0, NULL), 0);
	assert_int_equal(mw_family(&w, "lisp_test_gauge", METRICS_GAUGE, "g"), 0);
	assert_int_equal(mw_double(&w, 0.1, "x", "1", "y", "", NULL), 0);
	assert_int_equal(mw_double(&w, INFINITY, NULL), 0);
	assert_int_equal(mw_double(&w, -INFINITY, NULL), 0);
	assert_int_equal(mw_double(&w, NAN, NULL), 0);
	assert_false(w.err);
	assert_string_equal(mw_text(&w, NULL),
			    "# HELP lisp_test_total a \\\\ back\\nslash\n"
			    "# TYPE lisp_test_total counter\n"
			    "lisp_test_total{reason=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
			    "lisp_test_total 0\n"
			    "# HELP lisp_test_gauge g\n"
			    "# TYPE lisp_test_gauge gauge\n"
			    "lisp_test_gauge{x=\"1\",y=\"\"} 0.1\n"
			    "lisp_test_gauge +Inf\n"
			    "lisp_test_gauge -Inf\n"
			    "lisp_test_gauge NaN\n");
	mw_free(&w);
}

static void test_misuse(void **state)
{
	struct mw w;

	(void)state;
	mw_init(&w);
	assert_int_equal(mw_u64(&w, 1, NULL), -1); /* no family */
	assert_true(w.err);
	w.err = false;
	assert_int_equal(mw_family(&w, "9bad", METRICS_GAUGE, "x"), -1);
	assert_int_equal(mw_family(&w, "bad-name", METRICS_GAUGE, "x"), -1);
	assert_int_equal(mw_family(&w, "", METRICS_GAUGE, "x"), -1);
	assert_int_equal(mw_u64(&w, 1, NULL), -1); /* the refused family is not open */
	assert_int_equal(mw_family(&w, "ok:name_1", METRICS_GAUGE, "x"), 0);
	assert_int_equal(mw_u64(&w, 1, "bad-label", "v", NULL), -1);
	assert_int_equal(mw_u64(&w, 1, "__reserved", "v", NULL), -1);
	assert_int_equal(mw_u64(&w, 1, "colon:no", "v", NULL), -1);
	assert_int_equal(mw_u64(&w, 1, "a", "1", "a", "2", NULL), -1); /* twice */
	assert_int_equal(mw_u64(&w, 1, "a", NULL), -1);		       /* odd pairs */
	struct metrics_hist h;
	double le[] = {1};
	assert_int_equal(metrics_hist_init(&h, le, 1), 0);
	assert_int_equal(mw_hist(&w, &h, NULL), -1); /* a gauge family */
	assert_int_equal(mw_family(&w, "lisp_h_seconds", METRICS_HISTOGRAM, "h"), 0);
	assert_int_equal(mw_u64(&w, 1, NULL), -1); /* a plain sample in a histogram */
	assert_int_equal(mw_hist(&w, &h, "le", "1", NULL), -1);
	assert_true(w.err);
	/* only the two families' headers and the histogram made it */
	assert_string_equal(mw_text(&w, NULL), "# HELP ok:name_1 x\n# TYPE ok:name_1 gauge\n"
					       "# HELP lisp_h_seconds h\n"
					       "# TYPE lisp_h_seconds histogram\n");
	double bad[] = {1, 1};
	assert_int_equal(metrics_hist_init(&h, bad, 2), -1);
	double inf[] = {INFINITY};
	assert_int_equal(metrics_hist_init(&h, inf, 1), -1);
	assert_int_equal(metrics_hist_init(&h, le, METRICS_HIST_MAX + 1), -1);
	mw_free(&w);
}

static void test_histogram(void **state)
{
	struct mw w;
	struct metrics_hist h;
	const double le[] = {0.1, 0.5, 1};

	(void)state;
	assert_int_equal(metrics_hist_init(&h, le, 3), 0);
	metrics_hist_observe(&h, 0.05);
	metrics_hist_observe(&h, 0.1); /* the bound is inclusive */
	metrics_hist_observe(&h, 0.3);
	metrics_hist_observe(&h, 2);
	mw_init(&w);
	assert_int_equal(mw_family(&w, "lisp_lat_seconds", METRICS_HISTOGRAM, "latency"), 0);
	assert_int_equal(mw_hist(&w, &h, "peer", "a\"b", NULL), 0);
	assert_false(w.err);
	assert_string_equal(mw_text(&w, NULL),
			    "# HELP lisp_lat_seconds latency\n"
			    "# TYPE lisp_lat_seconds histogram\n"
			    "lisp_lat_seconds_bucket{peer=\"a\\\"b\",le=\"0.1\"} 2\n"
			    "lisp_lat_seconds_bucket{peer=\"a\\\"b\",le=\"0.5\"} 3\n"
			    "lisp_lat_seconds_bucket{peer=\"a\\\"b\",le=\"1\"} 3\n"
			    "lisp_lat_seconds_bucket{peer=\"a\\\"b\",le=\"+Inf\"} 4\n"
			    "lisp_lat_seconds_sum{peer=\"a\\\"b\"} 2.45\n"
			    "lisp_lat_seconds_count{peer=\"a\\\"b\"} 4\n");
	/* without labels, and empty */
	mw_free(&w);
	mw_init(&w);
	assert_int_equal(metrics_hist_init(&h, le, 3), 0);
	assert_int_equal(mw_family(&w, "lisp_e_seconds", METRICS_HISTOGRAM, "e"), 0);
	assert_int_equal(mw_hist(&w, &h, NULL), 0);
	assert_non_null(strstr(mw_text(&w, NULL), "lisp_e_seconds_bucket{le=\"+Inf\"} 0\n"
						  "lisp_e_seconds_sum 0\n"
						  "lisp_e_seconds_count 0\n"));
	mw_free(&w);
}

/* ------------------------------------------------------------------ server */

struct fx {
	struct event_base *base;
	struct metrics_srv *srv;
	uint16_t port;
	int collected;
	uint64_t busy_ns; /* each rendering takes this long */
};

static void collect(struct mw *w, void *arg)
{
	struct fx *f = arg;

	f->collected++;
	for (uint64_t end = now_ns() + f->busy_ns; now_ns() < end;)
		;
	mw_family(w, "lisp_test_up", METRICS_GAUGE, "test");
	mw_u64(w, 1, NULL);
	metrics_write_common(w, "test", NULL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cfg_metrics c;

	cfg_metrics_init(&c, 0);
	c.enabled = true;
	f->base = event_base_new();
	f->srv = metrics_start(f->base, &c, "test", collect, f);
	assert_non_null(f->srv);
	f->port = metrics_port(f->srv);
	assert_true(f->port != 0);
	metrics_set_render_factor(f->srv, 0); /* every scrape rendered (test_render_cache) */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct metrics_stats st;

	metrics_stop(f->srv);
	metrics_get_stats(&st);
	assert_false(st.enabled); /* no server any more */
	event_base_free(f->base);
	free(f);
	return 0;
}

static void turn(struct fx *f)
{
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static int conn(struct fx *f)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void send_all(struct fx *f, int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			assert_true(errno == EAGAIN);
			turn(f);
			continue;
		}
		p += k;
		n -= (size_t)k;
	}
}

/* Read until the server closes (or `ms` pass): the bytes read, in buf. */
static size_t read_all(struct fx *f, int fd, char *buf, size_t cap, int ms)
{
	size_t n = 0;
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;

	while (now_ns() < end) {
		turn(f);
		ssize_t k = recv(fd, buf + n, cap - 1 - n, 0);
		if (k == 0)
			break;
		if (k > 0) {
			n += (size_t)k;
			continue;
		}
		assert_true(errno == EAGAIN || errno == ECONNRESET);
		if (errno == ECONNRESET)
			break;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	buf[n] = '\0';
	return n;
}

static size_t request(struct fx *f, const char *req, char *buf, size_t cap)
{
	int fd = conn(f);

	send_all(f, fd, req, strlen(req));
	size_t n = read_all(f, fd, buf, cap, 3000);
	close(fd);
	for (int i = 0; i < 20; i++)
		turn(f); /* the server sees the close */
	return n;
}

static void assert_all_closed(struct fx *f)
{
	struct metrics_stats st;

	for (int i = 0; i < 200; i++) {
		metrics_get_stats(&st);
		if (st.open_connections == 0)
			break;
		turn(f);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(st.open_connections, 0);
}

static void test_scrape(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 16];
	struct metrics_stats st;

	request(f, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n# HELP lisp_test_up test\n# TYPE lisp_test_up gauge\n"
				    "lisp_test_up 1\n"));
	assert_non_null(
	    strstr(buf, "lisp_build_info{daemon=\"test\",version=\"" PACKAGE_VERSION "\"} 1\n"));
	assert_int_equal(f->collected, 1);
	/* a query string is ignored; HTTP/1.0 too */
	request(f, "GET /metrics?x=1 HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) == 0 ||
		    strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_int_equal(f->collected, 2);
	/* the scrape counts itself: the third one says 2 before it */
	request(f, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_non_null(strstr(buf, "lisp_metrics_scrapes_total 2\n"));
	assert_all_closed(f);
	metrics_get_stats(&st);
	assert_true(st.enabled);
	assert_int_equal(st.scrapes, 3);
	assert_int_equal(st.connections, 3);
	assert_int_equal(st.no_response, 0);
	assert_int_equal(st.not_found + st.bad_method + st.too_large + st.malformed, 0);
}

static void test_keepalive(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 16];
	struct metrics_stats st;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd = conn(f);

	/* two requests on one connection: both answered, one connection */
	send_all(f, fd, req, strlen(req));
	size_t n = 0;
	for (int i = 0; i < 3000 && (n == 0 || strstr(buf, "lisp_test_up 1\n") == NULL); i++) {
		n += read_all(f, fd, buf + n, sizeof(buf) - n, 1);
	}
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK"));
	send_all(f, fd, req, strlen(req));
	for (int i = 0; i < 3000 && f->collected < 2; i++)
		read_all(f, fd, buf, sizeof(buf), 1);
	assert_int_equal(f->collected, 2);
	close(fd);
	assert_all_closed(f);
	metrics_get_stats(&st);
	assert_int_equal(st.scrapes, 2);
	assert_int_equal(st.connections, 1);
}

static void test_bad_requests(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 16];
	struct metrics_stats st;

	request(f, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 404 ", 13) == 0);
	request(f, "GET /metricsx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 404 ", 13) == 0);
	request(
	    f,
	    "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
	assert_non_null(strstr(buf, "\r\nAllow: GET\r\n"));
	request(f, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
	request(f, "DELETE /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 404 ", 13) == 0); /* the path first */
	assert_int_equal(f->collected, 0);

	/* headers over METRICS_MAX_HEADERS */
	static char big[METRICS_MAX_HEADERS * 3];
	int k = snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big + k, 'a', sizeof(big) - (size_t)k - 8);
	memcpy(big + sizeof(big) - 8, "\r\n\r\n", 5);
	request(f, big, buf, sizeof(buf));
	/* (evhttp 2.1 answers 400, 2.2 413; counted as too large either way) */
	assert_true(strncmp(buf, "HTTP/1.1 413 ", 13) == 0 ||
		    strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	/* a request line over it */
	k = snprintf(big, sizeof(big), "GET /metrics?");
	memset(big + k, 'b', sizeof(big) - (size_t)k - 20);
	memcpy(big + sizeof(big) - 20, " HTTP/1.1\r\n\r\n", 14);
	request(f, big, buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 413 ", 13) == 0 ||
		    strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	/* a body over METRICS_MAX_BODY */
	snprintf(big, sizeof(big), "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\n\r\n",
		 METRICS_MAX_BODY * 4);
	request(f, big, buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
	/* garbage */
	request(f, "\x01\x02 garbage\r\n\r\n", buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	assert_int_equal(f->collected, 0);

	assert_all_closed(f);
	metrics_get_stats(&st);
	assert_int_equal(st.not_found, 3);
	assert_int_equal(st.bad_method, 2);
	assert_int_equal(st.too_large, 3);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.scrapes, 0);

	/* what show statistics prints */
	struct out *o = out_new(true);
	out_begin_object(o, NULL);
	metrics_out_stats(o, "metrics");
	out_end(o);
	const char *js = out_finish(o, NULL);
	assert_non_null(strstr(js, "\"notFound\": 3"));
	assert_non_null(strstr(js, "\"methodNotAllowed\": 2"));
	out_free(o);
	/* and the scrape */
	request(f, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_non_null(strstr(buf, "lisp_metrics_bad_requests_total{reason=\"notFound\"} 3\n"));
	assert_non_null(
	    strstr(buf, "lisp_metrics_bad_requests_total{reason=\"methodNotAllowed\"} 2\n"));
}

static void test_connection_limit_and_timeout(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 16];
	struct metrics_stats st;
	int fds[METRICS_MAX_CONNS];
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	metrics_set_timeout(f->srv, 1);
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		fds[i] = conn(f);
	for (int i = 0; i < 50; i++)
		turn(f);
	metrics_get_stats(&st);
	assert_int_equal(st.open_connections, METRICS_MAX_CONNS);
	assert_int_equal(st.limit_reached, 1);
	/* one more: connected by the kernel, not accepted: no answer while the others stay */
	int extra = conn(f);
	send_all(f, extra, req, strlen(req));
	size_t n = read_all(f, extra, buf, sizeof(buf), 300);
	assert_int_equal(n, 0);
	assert_int_equal(f->collected, 0);
	/* the idle ones time out (1 s): the listener resumes and the waiting request is served */
	n = read_all(f, extra, buf, sizeof(buf), 5000);
	assert_true(strncmp(buf, "HTTP/1.1 200 OK", 15) == 0);
	assert_int_equal(f->collected, 1);
	close(extra);
	for (int i = 0; i < METRICS_MAX_CONNS; i++) {
		/* closed by the server without an answer */
		n = read_all(f, fds[i], buf, sizeof(buf), 100);
		assert_int_equal(n, 0);
		close(fds[i]);
	}
	assert_all_closed(f);
	metrics_get_stats(&st);
	assert_int_equal(st.no_response, METRICS_MAX_CONNS);
	assert_int_equal(st.connections, METRICS_MAX_CONNS + 1);
	assert_int_equal(st.scrapes, 1);

	/* a client that sends half a request and stalls is closed too */
	int slow = conn(f);
	send_all(f, slow, "GET /metr", 9);
	n = read_all(f, slow, buf, sizeof(buf), 4000);
	close(slow);
	assert_all_closed(f);
	metrics_get_stats(&st);
	assert_int_equal(st.no_response, METRICS_MAX_CONNS + 1);
}

/* A client asking again and again gets the last rendering until the render factor times its
 * cost has passed: rendering cannot take the loop. */
static void test_render_cache(void **state)
{
	struct fx *f = *state;
	static char buf[1 << 16];
	struct metrics_stats st;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

	f->busy_ns = 5000000; /* 5 ms a rendering, factor 100: the next one after 500 ms */
	metrics_set_render_factor(f->srv, 100);
	uint64_t t0 = now_ns();
	request(f, req, buf, sizeof(buf));
	assert_int_equal(f->collected, 1);
	for (int i = 0; i < 5; i++) {
		request(f, req, buf, sizeof(buf));
		assert_true(strncmp(buf, "HTTP/1.1 200 OK", 15) == 0);
	}
	if (now_ns() - t0 < 400000000ULL) /* (a slow machine may have taken longer) */
		assert_int_equal(f->collected, 1);
	metrics_get_stats(&st);
	assert_int_equal(st.scrapes, 6);
	assert_int_equal(st.renders + st.cached, 6);
	assert_int_equal(st.renders, (uint64_t)f->collected);
	/* once 100 x the last rendering's cost has passed (500 ms, more when a loaded machine
	 * stretched the 5 ms rendering): rendered anew. Asked every 200 ms for up to 5 s. */
	int before = f->collected;
	for (int i = 0; i < 25 && f->collected == before; i++) {
		struct timespec ts = {0, 200000000};
		nanosleep(&ts, NULL);
		request(f, req, buf, sizeof(buf));
	}
	assert_int_equal(f->collected, before + 1);
	assert_non_null(strstr(buf, "lisp_metrics_cached_answers_total "));
}

static void test_config(void **state)
{
	struct cfg_metrics a, b;

	(void)state;
	cfg_metrics_init(&a, 9621);
	assert_false(a.enabled);
	assert_string_equal(a.addr, "127.0.0.1");
	assert_int_equal(a.port, 9621);
	b = a;
	assert_true(cfg_metrics_same(&a, &b));
	b.port = 1; /* off: the port does not matter */
	assert_true(cfg_metrics_same(&a, &b));
	b.enabled = true;
	assert_false(cfg_metrics_same(&a, &b));
	a.enabled = true;
	assert_false(cfg_metrics_same(&a, &b));
	a.port = 1;
	assert_true(cfg_metrics_same(&a, &b));
	snprintf(a.addr, sizeof(a.addr), "::1");
	assert_false(cfg_metrics_same(&a, &b));
}

static void test_bind_failure(void **state)
{
	struct fx *f = *state;
	struct cfg_metrics c;

	(void)state;
	cfg_metrics_init(&c, f->port); /* taken by the fixture's server */
	c.enabled = true;
	assert_null(metrics_start(f->base, &c, "test", collect, f));
	struct metrics_stats st;
	metrics_get_stats(&st);
	assert_true(st.enabled); /* the running one is still the process's server */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_family_and_escaping),
	    cmocka_unit_test(test_misuse),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test_setup_teardown(test_scrape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connection_limit_and_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_render_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind_failure, setup, teardown),
	};

	log_init("test_metrics", true, LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
