/* SPDX-License-Identifier: ISC */
/* tests/unit/test_cli_stream.c - answers streamed a batch at a time (cli_stream) to sessions
 * over loopback: a big table complete and in order, in JSON and text, commands typed
 * meanwhile waiting their turn; a client that does not read (bounded output, other sessions
 * served), one that goes away in the middle, the table changing between batches, the row's
 * context going away; and out_drain, the renderer's side of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/cli.h"
#include "common/cli_int.h"
#include "common/lpm.h"

#include "cli_testlib.h"

/* ---- streamed answers (cli_stream) ---- */

/* "show big": every entry of an lpm table, one batch at a time, as an answer of a real
 * daemon would be (JSON objects, or text lines). */
static struct lpm *big;
static int big_live;   /* dump states not freed yet */
static int big_starts; /* dumps started */

struct big_state {
	struct lpm_cursor cur;
	struct out *o;
	size_t n, batch;
};

static int big_one(const struct lisp_prefix *p, void *val, void *arg)
{
	struct big_state *b = arg;
	char s[PREFIX_STRLEN];

	b->n++;
	if (out_json(b->o)) {
		out_begin_object(b->o, NULL);
		out_str(b->o, "eid", prefix_str(p, s, sizeof(s)));
		out_uint(b->o, "i", (uintptr_t)val);
		out_end(b->o);
	} else {
		out_printf(b->o, "%s i=%lu\n", prefix_str(p, s, sizeof(s)),
			   (unsigned long)(uintptr_t)val);
	}
	return ++b->batch >= CLI_BATCH;
}

static bool big_more(struct cli_req *r, struct out *o, void *arg)
{
	struct big_state *b = arg;

	(void)r;
	b->o = o;
	b->batch = 0;
	assert_true(lpm_next(big, &b->cur, CLI_SCAN, big_one, b) >= 0);
	if (!lpm_cursor_done(&b->cur))
		return false;
	if (out_json(o)) {
		out_end(o);
		out_uint(o, "count", b->n);
		out_end(o);
	} else {
		out_printf(o, "%zu entries\n", b->n);
	}
	return true;
}

static void big_free(void *arg)
{
	big_live--;
	free(arg);
}

static void show_big(struct cli_req *r, struct out *o)
{
	struct big_state *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	big_live++;
	big_starts++;
	lpm_cursor_init(&b->cur);
	if (out_json(o)) {
		out_begin_object(o, NULL);
		out_begin_array(o, "entries");
	} else {
		out_printf(o, "EID i\n");
	}
	cli_stream(r, big_more, big_free, b);
}

static const struct cli_cmd big_rows[] = {
    {.words = {"show", "big"}, .json = true, .help = "Big", .fn = show_big, .access = CLI_READ},
};

static void big_fill(size_t n)
{
	lpm_free(big, NULL);
	big = lpm_new();
	assert_non_null(big);
	for (size_t i = 0; i < n; i++) {
		struct lisp_prefix p = {.afi = LISP_AFI_IPV4, .plen = 32};
		uint32_t a = 0x0a000000u + (uint32_t)i; /* 10.0.0.0 + i */
		if (i % 50 == 7) { /* some that are not host routes: a trie part */
			p.plen = 31;
			a &= ~1u;
			a |= 0x01000000u; /* 11.x */
		}
		p.a[0] = (uint8_t)(a >> 24);
		p.a[1] = (uint8_t)(a >> 16);
		p.a[2] = (uint8_t)(a >> 8);
		p.a[3] = (uint8_t)a;
		assert_int_equal(lpm_insert(big, &p, (void *)(uintptr_t)(i + 1), NULL), 0);
	}
}

static int stream_setup(void **state)
{
	if (net_setup(state) < 0)
		return -1;
	struct net *n = *state;
	big_live = 0;
	big_starts = 0;
	return cli_add_commands(n->cli, big_rows, 1, NULL);
}

static int stream_teardown(void **state)
{
	net_teardown(state);
	lpm_free(big, NULL);
	big = NULL;
	assert_int_equal(big_live, 0); /* every dump state freed */
	return 0;
}

/* A small JSON validator (RFC 8259 grammar, no semantic checks). */
static const char *jv_value(const char *p);
static const char *jv_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}
static const char *jv_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (!*p)
				return NULL;
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}
static const char *jv_value(const char *p)
{
	p = jv_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = jv_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = jv_string(jv_ws(p));
				if (!p)
					return NULL;
				p = jv_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = jv_value(p);
			if (!p)
				return NULL;
			p = jv_ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (*p == '"')
		return jv_string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	const char *q = p;
	if (*q == '-')
		q++;
	while (*q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}
/* s holds exactly one JSON document (and white space). */
static bool json_valid(const char *s)
{
	const char *e = jv_value(s);
	return e && *jv_ws(e) == '\0';
}

/* The JSON document of a session's output: from the first line "{" to the line "}". */
static char *json_block(const char *s)
{
	const char *b = strstr(s, "\n{\n");
	assert_non_null(b);
	b++;
	const char *e = strstr(b, "\n}\n");
	assert_non_null(e);
	return strndup(b, (size_t)(e - b) + 3);
}

/* The "i" values of the entries of a JSON answer, in order. */
static size_t json_is(const char *s, unsigned long *v, size_t max)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, "\"i\": ")) != NULL && n < max; p += 5)
		v[n++] = strtoul(p + 5, NULL, 10);
	return n;
}

static int order_cb(const struct lisp_prefix *p, void *val, void *arg)
{
	(void)p;
	unsigned long **w = arg;
	*(*w)++ = (uintptr_t)val;
	return 0;
}

#define BIG_N	 60000
#define BIG_HUGE 200000 /* about 12 MB of JSON: more than the socket buffers hold */

static void test_stream_complete(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	unsigned long *want = calloc(BIG_N, sizeof(*want)),
		      *seen = calloc(BIG_N + 1, sizeof(*seen));
	unsigned long *w = want;
	struct lpm_cursor c;

	big_fill(BIG_N);
	lpm_cursor_init(&c);
	assert_int_equal(lpm_next(big, &c, SIZE_MAX, order_cb, &w), BIG_N);
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	/* the big answer, then a command typed while it streams: it waits its turn */
	SEND(fd, "show big json\nshow version\n");
	pump(n, fd, &got, "test> ", 2, 60);
	const char *s = strbuf_str(&got);
	assert_true(got.len > (size_t)BIG_N * 30); /* far more than one batch */
	char *doc = json_block(s);
	assert_true(json_valid(doc));
	/* complete and in order: the walk's order, each entry once */
	size_t k = json_is(doc, seen, BIG_N + 1);
	assert_int_equal(k, BIG_N);
	for (size_t i = 0; i < k; i++)
		if (seen[i] != want[i])
			fail_msg("entry %zu is %lu, expected %lu", i, seen[i], want[i]);
	assert_non_null(strstr(doc, "\"count\": 60000\n}"));
	/* the prompt after the answer, then the next command's answer */
	const char *after = strstr(s, "\n}\ntest> \nname:");
	assert_non_null(after);
	const struct cli_stats *st = cli_get_stats(n->cli);
	assert_int_equal(st->streams, 1);
	assert_true(st->stream_batches >= BIG_N / CLI_BATCH);
	assert_int_equal(st->streams_abandoned, 0);
	assert_int_equal(big_live, 0);
	free(doc);

	/* text, over telnet (CR LF): same entries, one line each, every line end CR LF */
	strbuf_reset(&got);
	SEND(fd, "show big\r\n");
	pump(n, fd, &got, "test> ", 1, 60);
	s = strbuf_str(&got);
	size_t lines = 0, bare = 0;
	for (const char *p = s; *p; p++) {
		lines += *p == '\n';
		bare += *p == '\n' && (p == s || p[-1] != '\r');
	}
	assert_int_equal(bare, 0);
	assert_int_equal(lines, BIG_N + 3); /* echo line end, header, entries, total */
	assert_non_null(strstr(s, "\r\n60000 entries\r\ntest> "));
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
	free(want);
	free(seen);
}

/* A client that does not read: the session's output stays bounded (rendering stops above
 * the low watermark) and another session is served meanwhile; then the first reads it all. */
static void test_stream_slow_reader(void **state)
{
	struct net *n = *state;
	struct strbuf got, other;

	big_fill(BIG_HUGE);
	strbuf_init(&got);
	strbuf_init(&other);
	rcvbuf = 4096;
	int fd = client(n);
	rcvbuf = 0;
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	struct cli_sess *sa = n->cli->sessions;
	size_t maxout = 0;
	for (int i = 0; i < 300; i++) { /* 0.3 s of the loop without reading */
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		size_t l = evbuffer_get_length(bufferevent_get_output(sa->bev));
		if (l > maxout)
			maxout = l;
		usleep(1000);
	}
	assert_non_null(sa->dump); /* still streaming */
	assert_true(maxout > 0);
	/* one batch over the low watermark at most (a batch here is about 6 KB) */
	if (maxout > CLI_DUMP_LOW + (64u << 10))
		fail_msg("%zu bytes queued for a client that does not read", maxout);
	/* another session is answered meanwhile */
	int fd2 = client(n);
	pump(n, fd2, &other, "test> ", 1, 5);
	SEND(fd2, "show version\n");
	pump(n, fd2, &other, "test> ", 1, 5);
	assert_non_null(strstr(strbuf_str(&other), "name:"));
	assert_non_null(sa->dump);
	close(fd2);
	/* now read: the whole answer arrives */
	pump(n, fd, &got, "test> ", 1, 60);
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	assert_non_null(strstr(doc, "\"count\": 200000\n}"));
	free(doc);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
	strbuf_free(&other);
}

/* A client that goes away in the middle of an answer: the session and the dump's state are
 * freed (the sanitizer build checks for leaks), the server goes on. */
static void test_stream_disconnect(void **state)
{
	struct net *n = *state;
	struct strbuf got;

	big_fill(BIG_HUGE);
	strbuf_init(&got);
	rcvbuf = 4096;
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	pump(n, fd, &got, "\"i\"", 50, 5); /* part of it arrived: stop reading */
	for (int i = 0; i < 100; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(big_live, 1);
	struct linger lg = {1, 0}; /* close with RST: what a killed client does */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	for (int i = 0; i < 2000 && cli_clients(n->cli) > 0; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(cli_clients(n->cli), 0);
	assert_int_equal(big_live, 0);
	assert_int_equal(cli_get_stats(n->cli)->streams_abandoned, 1);
	/* a plain close (FIN) in the middle: the same */
	strbuf_reset(&got);
	fd = client(n);
	rcvbuf = 0;
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big\n");
	pump(n, fd, &got, "i=", 50, 5);
	for (int i = 0; i < 100; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(big_live, 1);
	close(fd);
	for (int i = 0; i < 5000 && cli_clients(n->cli) > 0; i++) {
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(cli_clients(n->cli), 0);
	assert_int_equal(big_live, 0);
	assert_int_equal(big_starts, 2);
	strbuf_free(&got);
}

/* The table changes between batches: entries removed and added during the dump. No crash,
 * valid JSON, no entry twice, every entry that stayed exactly once, the count right. */
static void test_stream_table_changes(void **state)
{
	struct net *n = *state;
	struct strbuf got;
	static int seen[2 * BIG_N + 2];
	bool *stayed = calloc(2 * BIG_N + 2, sizeof(*stayed));
	unsigned seed = 3;

	big_fill(BIG_N);
	for (size_t i = 1; i <= BIG_N; i++)
		stayed[i] = true;
	memset(seen, 0, sizeof(seen));
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	size_t added = 0;
	for (int it = 0;
	     it < 200000 &&
	     !strstr(strbuf_str(&got) + (got.len > 200 ? got.len - 200 : 0), "}\ntest> ");
	     it++) {
		char b[65536];
		event_base_loop(n->base, EVLOOP_NONBLOCK);
		ssize_t r = recv(fd, b, sizeof(b), 0);
		if (r > 0)
			strbuf_add(&got, b, (size_t)r);
		/* between batches: remove 20 random entries, add 20 new ones */
		for (int k = 0; k < 20; k++) {
			struct lisp_prefix p = {.afi = LISP_AFI_IPV4, .plen = 32};
			uint32_t i = (uint32_t)(rand_r(&seed) % BIG_N);
			uint32_t a = 0x0a000000u + i;
			p.a[0] = (uint8_t)(a >> 24);
			p.a[1] = (uint8_t)(a >> 16);
			p.a[2] = (uint8_t)(a >> 8);
			p.a[3] = (uint8_t)a;
			if (lpm_remove(big, &p))
				stayed[i + 1] = false;
			if (added < BIG_N) {
				uint32_t na = 0x0c000000u + (uint32_t)added; /* 12.x */
				p.a[0] = (uint8_t)(na >> 24);
				p.a[1] = (uint8_t)(na >> 16);
				p.a[2] = (uint8_t)(na >> 8);
				p.a[3] = (uint8_t)na;
				assert_int_equal(lpm_insert(big, &p,
							    (void *)(uintptr_t)(BIG_N + 1 + added),
							    NULL),
						 0);
				added++;
			}
		}
		if (r <= 0)
			usleep(200);
	}
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	unsigned long *v = calloc(3 * BIG_N, sizeof(*v));
	size_t k = json_is(doc, v, 3 * BIG_N);
	for (size_t i = 0; i < k; i++) {
		assert_true(v[i] >= 1 && v[i] <= 2 * BIG_N + 1);
		if (++seen[v[i]] > 1)
			fail_msg("entry %lu shown twice", v[i]);
	}
	for (size_t i = 1; i <= BIG_N; i++)
		if (stayed[i] && seen[i] != 1)
			fail_msg("entry %zu stayed in the table but was shown %d times", i,
				 seen[i]);
	char cnt[64];
	snprintf(cnt, sizeof(cnt), "\"count\": %zu\n}", k);
	assert_non_null(strstr(doc, cnt));
	assert_true(added > 1000); /* the table did change during the dump */
	/* and the dump saw it: some entries added meanwhile are in it, some removed are not
	 * (an answer rendered in one go at the start would have neither) */
	size_t new_shown = 0, gone_unshown = 0;
	for (size_t i = BIG_N + 1; i <= 2 * BIG_N; i++)
		new_shown += seen[i] == 1;
	for (size_t i = 1; i <= BIG_N; i++)
		gone_unshown += !stayed[i] && seen[i] == 0;
	assert_true(new_shown > 0);
	assert_true(gone_unshown > 0);
	free(v);
	free(doc);
	free(stayed);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	strbuf_free(&got);
}

/* The row's context goes away in the middle (cli_set_table_ctx): the answer ends with an
 * error, still one valid JSON document. And cli_exec runs a stream to its end at once. */
static void test_stream_ctx_gone(void **state)
{
	struct net *n = *state;
	struct strbuf got;

	big_fill(BIG_N);
	strbuf_init(&got);
	int fd = client(n);
	pump(n, fd, &got, "test> ", 1, 5);
	SEND(fd, "show big json\n");
	pump(n, fd, &got, "\"i\"", 50, 5);
	assert_int_equal(cli_set_table_ctx(n->cli, big_rows, (void *)1), 0);
	pump(n, fd, &got, "test> ", 1, 60);
	char *doc = json_block(strbuf_str(&got));
	assert_true(json_valid(doc));
	assert_non_null(strstr(doc, "\"error\": \"stopped: the table went away or was replaced\""));
	free(doc);
	assert_int_equal(big_live, 0);
	close(fd);
	pump(n, -1, &got, NULL, 0, 0.05);
	/* cli_exec: the whole answer in one call */
	cli_set_table_ctx(n->cli, big_rows, NULL);
	strbuf_reset(&got);
	assert_int_equal(cli_exec(n->cli, NULL, "show big json", &got), CLI_OK);
	assert_true(json_valid(strbuf_str(&got)));
	assert_non_null(strstr(strbuf_str(&got), "\"count\": 60000\n}"));
	assert_int_equal(big_live, 0);
	strbuf_free(&got);
}

/* out_drain: the pieces together are the one-shot rendering; an error after a drain still
 * ends in one valid JSON document. */
static void test_out_drain(void **state)
{
	(void)state;
	for (int json = 0; json < 2; json++) {
		struct out *a = out_new(json), *b = out_new(json);
		struct strbuf pieces;
		strbuf_init(&pieces);
		for (int k = 0; k < 2; k++) {
			struct out *o = k ? b : a;
			out_begin_object(o, NULL);
			out_str(o, "head", "x");
			out_begin_array(o, "items");
			for (int i = 0; i < 10; i++) {
				out_begin_object(o, NULL);
				out_int(o, "i", i);
				out_str(o, "s", "v");
				out_end(o);
				if (k)
					out_drain(o, &pieces);
			}
			out_end(o);
			out_uint(o, "count", 10);
		}
		size_t l;
		const char *whole = out_finish(a, &l);
		const char *rest = out_finish(b, NULL);
		strbuf_puts(&pieces, rest);
		assert_string_equal(strbuf_str(&pieces), whole);
		out_free(a);
		out_free(b);
		strbuf_free(&pieces);
	}
	struct out *o = out_new(true);
	struct strbuf sb;
	strbuf_init(&sb);
	out_begin_object(o, NULL);
	out_begin_array(o, "items");
	out_begin_object(o, NULL);
	out_int(o, "i", 1);
	out_end(o);
	out_drain(o, &sb);
	out_begin_object(o, NULL);
	out_error(o, "broke at %d", 2);
	strbuf_puts(&sb, out_finish(o, NULL));
	assert_true(json_valid(strbuf_str(&sb)));
	assert_non_null(strstr(strbuf_str(&sb), "\"error\": \"broke at 2\""));
	out_free(o);
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_out_drain),
	    cmocka_unit_test_setup_teardown(test_stream_complete, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_slow_reader, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_disconnect, stream_setup, stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_table_changes, stream_setup,
					    stream_teardown),
	    cmocka_unit_test_setup_teardown(test_stream_ctx_gone, stream_setup, stream_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
