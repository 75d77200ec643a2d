/* SPDX-License-Identifier: ISC */
/*
 * tools/lisp_query.c - lisp-query, a lig-style lookup: sends one Map-Request for an EID
 * (in an ECM to a Map-Resolver with --mr, plain to a Map-Server with --ms or to an ETR with
 * --etr, P=1 with --probe), retransmits with back-off, prints the Map-Reply matched by
 * nonce, who sent it and the round-trip time (tools/query.c).
 *
 * ITR-RLOC: --source, else the address the kernel picks towards the target (a connected
 * UDP socket's getsockname). The listening socket is bound to that address on an
 * ephemeral port and also sends the request, so the reply (to the ITR-RLOC at the request's
 * source port) comes back to it.
 * Exit: 0 answered, 1 error, 2 usage, 3 no answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/query.h"

struct q_run {
	const struct query_opts *o;
	struct ipaddr itr;
	uint16_t sport;
	struct ipaddr target;
	uint64_t nonces[TOOLS_MAX_RETRIES + 1];
	unsigned sent;
	struct lisp_map_reply *reply;
	uint64_t answered_nonce;
};

static int q_build(void *arg, unsigned attempt, struct buf *out, char *err, size_t errlen)
{
	struct q_run *r = arg;
	struct proto_err pe = {0};

	r->nonces[attempt] = tools_nonce_random();
	r->sent = attempt + 1;
	if (query_build(r->o, &r->itr, r->sport, &r->target, r->nonces[attempt], out, &pe)) {
		snprintf(err, errlen, "cannot build the Map-Request: %s",
			 pe.reason ? pe.reason : "?");
		return -1;
	}
	return 0;
}

static enum xchg_verdict q_match(void *arg, const uint8_t *data, size_t len,
				 const struct sockaddr_storage *from, unsigned *attempt)
{
	struct q_run *r = arg;
	enum xchg_verdict v = query_check_reply(data, len, r->nonces, r->sent, r->reply, attempt);
	if (v == XR_DONE)
		r->answered_nonce = r->nonces[*attempt];
	return v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lisp-query (--mr HOST[:PORT] | --ms HOST[:PORT] | --etr HOST[:PORT])\n"
		"         [--iid N] [--source ADDR] [--probe] [--timeout S] [--retries N]\n"
		"         [--json] EID\n"
		"       lisp-query -h | --help | --version\n"
		"--mr sends the Map-Request in an ECM; --ms and --etr send it plain; --probe\n"
		"(RLOC probe, P bit) needs --etr. Defaults: port 4342, timeout 0.5 s doubled at\n"
		"each of 3 retries. Exit: 0 answered, 1 error, 2 usage, 3 no answer.\n");
}

/* Local address towards dst (ITR-RLOC), unless --source gave one. */
static int pick_source(const struct query_opts *o, const struct sockaddr_storage *dst,
		       socklen_t dstlen, struct ipaddr *itr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	if (o->have_source) {
		*itr = o->source;
		return 0;
	}
	fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, dstlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "no local address towards %s: %s", o->host, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	tools_sockaddr_to_ip(&ss, itr, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct query_opts o;
	struct q_run run = {0};
	struct xchg x = {0};
	struct query_answer ans = {0};
	struct sockaddr_storage bind_ss;
	socklen_t bind_len;
	struct strbuf sb;
	char err[TOOLS_ERRLEN], from[80];
	int fd = -1, rc;

	query_opts_init(&o);
	if (query_parse_args(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "lisp-query: %s\n", err);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.help) {
		usage(stdout);
		return EXIT_DONE;
	}
	if (o.version) {
		printf("lisp-query %s\n", PACKAGE_VERSION);
		return EXIT_DONE;
	}
	run.o = &o;
	run.reply = calloc(1, sizeof(*run.reply));
	if (!run.reply) {
		fprintf(stderr, "lisp-query: out of memory\n");
		return EXIT_OTHER;
	}
	rc = EXIT_OTHER;
	if (tools_resolve(o.host, o.port, &x.dst, &x.dstlen, err, sizeof(err)) ||
	    pick_source(&o, &x.dst, x.dstlen, &run.itr, err, sizeof(err)))
		goto fail;
	tools_sockaddr_to_ip(&x.dst, &run.target, NULL);
	if (run.itr.afi != run.target.afi) {
		snprintf(err, sizeof(err), "--source and the target are not the same family");
		rc = EXIT_USAGE;
		goto fail;
	}
	tools_ip_to_sockaddr(&run.itr, 0, &bind_ss, &bind_len);
	fd = socket(bind_ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&bind_ss, bind_len) < 0) {
		snprintf(err, sizeof(err), "cannot bind the ITR-RLOC: %s", strerror(errno));
		goto fail;
	}
	bind_len = sizeof(bind_ss);
	if (getsockname(fd, (struct sockaddr *)&bind_ss, &bind_len) < 0) {
		snprintf(err, sizeof(err), "getsockname: %s", strerror(errno));
		goto fail;
	}
	tools_sockaddr_to_ip(&bind_ss, &run.itr, &run.sport);

	x.fd = fd;
	x.timeout = o.timeout;
	x.retries = o.retries;
	x.build = q_build;
	x.match = q_match;
	x.arg = &run;
	rc = xchg_run(&x, err, sizeof(err));
	if (rc == EXIT_OTHER)
		goto fail;
	ans.attempts = x.attempts;
	if (rc == EXIT_DONE) {
		ans.reply = run.reply;
		ans.from = tools_sockaddr_str(&x.from, from, sizeof(from));
		ans.rtt_ms = x.rtt_ms;
		ans.nonce = run.answered_nonce;
	} else if (x.icmp_errors) {
		/* not an answer, but it tells "nothing there" from silence */
		struct ipaddr ip;
		char a[IPADDR_STRLEN] = "?";
		if (x.icmp_from.ss_family) {
			tools_sockaddr_to_ip(&x.icmp_from, &ip, NULL);
			ipaddr_str(&ip, a, sizeof(a));
		}
		snprintf(err, sizeof(err), "no answer (ICMP %s from %s)", xchg_icmp_name(x.icmp),
			 a);
		ans.error = err;
	} else {
		ans.error = "no answer";
	}
	strbuf_init(&sb);
	if (o.json) {
		query_render_json(&o, &ans, &sb);
		strbuf_addc(&sb, '\n');
	} else {
		query_render_text(&o, &ans, &sb);
	}
	fputs(strbuf_str(&sb), rc == EXIT_DONE || o.json ? stdout : stderr);
	strbuf_free(&sb);
	close(fd);
	free(run.reply);
	return rc;
fail:
	fprintf(stderr, "lisp-query: %s\n", err);
	if (o.json) {
		ans.error = err;
		strbuf_init(&sb);
		query_render_json(&o, &ans, &sb);
		printf("%s\n", strbuf_str(&sb));
		strbuf_free(&sb);
	}
	if (fd >= 0)
		close(fd);
	free(run.reply);
	return rc;
}
