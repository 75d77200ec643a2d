/* SPDX-License-Identifier: ISC */
/*
 * tools/lisp_register.c - lisp-register, the cloud controller's client: registers (or with
 * --deregister withdraws, TTL 0) EID prefixes at a Map-Server and waits for the Map-Notify
 * (RFC 9301 §5.6, §5.7). Also runs as a libvirt qemu hook (tools/hook.c).
 *
 * Nonces: the realtime clock in ns (proto/ lisp_register_nonce, the scale lisp-xtrd uses
 * too), strictly increasing within a run and from one run to the next, because the
 * Map-Server drops a Map-Register whose nonce is not greater than the last it accepted
 * for our xTR-ID and key (§5.6). Every Map-Register carries I=1 and our xTR-ID (stable per
 * host unless --xtr-id), so an xTR registering with the same key, from the same address
 * or not, has its own nonce sequence and neither locks the other out. For the same reason every
 * retransmission is a NEW Map-Register with a new nonce (re-signed): had the first copy arrived and
 * only its Map-Notify been lost, a resent copy with the old nonce would be dropped as a replay. A
 * Map-Notify for any attempt's nonce acknowledges the message.
 *
 * Outcomes (reg.h enum reg_outcome, "result" in --json) and exit codes: 0 every Map-Register
 * acknowledged; 2 usage/configuration; 3 no answer (the usual failure: lisp-msd drops a bad
 * registration silently; an ICMP error seen meanwhile, read from the socket's error queue,
 * narrows the causes: port unreachable means nothing listens there); 4 rejected: a
 * Map-Notify carrying one of our nonces that does not authenticate with our key, or that
 * does not list every EID we registered; 1 a datagram this host could not send (no route,
 * a local firewall: not counted as an attempt) or anything else. A failure prints its
 * likely causes (reg_likely_causes), in --json as likelyCauses. With several Map-Registers
 * (more EIDs than fit one datagram: --eids-file) they are pipelined, at most --window
 * unacknowledged at a time, each retried on its own (tools/regpipe.c); the result says
 * which EIDs were acknowledged. With several Map-Servers (--ms repeated) each is
 * registered with independently; exit 0 when every one acknowledged every EID, 5 (result
 * "partial") when some did and others did not, else the failure's code as with one (the
 * first Map-Server that failed gives it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "tools/client.h"
#include "tools/hook.h"
#include "tools/reg.h"
#include "tools/regpipe.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lisp-register --ms HOST[:PORT] [--ms ...] [--site NAME] [--key-file F]\n"
	    "         [--key-id N]\n"
	    "         [--alg hmac-sha-1|hmac-sha-256] [--xtr-id HEX] [--site-id N]\n"
	    "         --eid PREFIX [--eid ...] [--eids-file F]\n"
	    "         --rloc ADDR [--rloc ADDR ...] [--priority N] [--weight N] [--ttl MIN]\n"
	    "         [--iid N] [--proxy-reply] [--merge] [--deregister] [--timeout S]\n"
	    "         [--retries N] [--window N] [--json] [--config F]\n"
	    "       lisp-register --libvirt-hook [--config F] [options] DOMAIN OP [SUBOP [EXTRA]]\n"
	    "       lisp-register --install-libvirt-hook | --uninstall-libvirt-hook [--root DIR]\n"
	    "       lisp-register -h | --help | --version\n"
	    "The secret comes from --key-file (the whole file without its final newline, as\n"
	    "lisp-msd's secret-file) or $LISP_REGISTER_KEY,\n"
	    "never from the command line. Defaults: port 4342, alg hmac-sha-256, key-id 1,\n"
	    "xtr-id derived from the host name (stable), site-id 0, priority 1, weight 100,\n"
	    "ttl 1440, timeout 0.5 s doubled at each of 3 retries, window 16 Map-Registers\n"
	    "outstanding per Map-Server. Every --ms (up to 8) is registered with independently.\n"
	    "Hook mode: settings from --config or $LISP_REGISTER_CONF or %s;\n"
	    "registers on started/reconnect/attach, nothing on other operations (release\n"
	    "deregisters only with 'deregister-on-release yes'); never writes to stdout.\n"
	    "--install-libvirt-hook: the drop-in %s (libvirt >= 6.5)\n"
	    "runs %s/lisp-register --libvirt-hook; an existing %s/qemu is left alone.\n"
	    "Exit: 0 acknowledged, 1 error (no send possible, file not ours...), 2 usage,\n"
	    "3 no answer (after every retry), 4 rejected (a Map-Notify with our nonce that\n"
	    "fails authentication with our key or does not list our EIDs), 5 some Map-Servers\n"
	    "acknowledged every EID and others did not.\n",
	    reg_default_conf(), HOOK_DROPIN, BINDIR, HOOK_LIBVIRT_DIR);
}

struct result {
	unsigned attempts;
	unsigned messages;
	double rtt_ms;
	uint64_t nonce;
	bool acked;
	char from[80];
	const char *error;
	char errbuf[TOOLS_ERRLEN];
	enum reg_outcome outcome;
	enum reg_reject rej;
	int send_errno;
	unsigned icmp_errors;
	enum xchg_icmp icmp;
	char icmp_from[80];
	enum reg_outcome fail_outcome; /* the first Map-Server that failed: its outcome */
	/* one per Map-Server (--ms), in the order given */
	struct regpipe_target t[REG_MS_MAX];
	size_t nt;
	double elapsed_ms;
};

/* The per-Map-Server results (regpipe.h) in the JSON object: mapServers[]. */
static void json_targets(struct json *j, const struct reg_opts *o, const struct result *res)
{
	char s[PREFIX_STRLEN];

	json_uint(j, "eidCount", o->neids);
	json_uint(j, "window", o->window);
	json_int(j, "elapsedMs", (int64_t)(res->elapsed_ms + 0.5));
	json_begin_array(j, "mapServers");
	for (size_t i = 0; i < res->nt; i++) {
		const struct regpipe_target *t = &res->t[i];
		char ms[TOOLS_HOST_MAX + 16];
		snprintf(ms, sizeof(ms), strchr(t->host, ':') ? "[%s]:%u" : "%s:%u", t->host,
			 t->port);
		json_begin_object(j, NULL);
		json_str(j, "ms", ms);
		json_bool(j, "acked", t->outcome == REG_ACKED);
		json_str(j, "result", reg_outcome_name(t->outcome));
		json_uint(j, "acknowledgedEids", t->acked_eids);
		json_uint(j, "failedEids", t->failed_eids);
		json_uint(j, "messages", t->messages);
		json_uint(j, "attempts", t->attempts);
		json_uint(j, "rejectedMessages", t->rejected);
		json_uint(j, "unansweredMessages", t->unanswered);
		json_int(j, "rttMaxUs", (int64_t)(t->rtt_max_ms * 1000.0 + 0.5));
		json_int(j, "elapsedMs", (int64_t)(t->elapsed_ms + 0.5));
		if (t->from[0])
			json_str(j, "answeredBy", t->from);
		if (t->error[0])
			json_str(j, "error", t->error);
		if (t->icmp_errors) {
			json_begin_object(j, "icmp");
			json_str(j, "kind", xchg_icmp_name(t->icmp));
			if (t->icmp_from[0])
				json_str(j, "from", t->icmp_from);
			json_uint(j, "count", t->icmp_errors);
			json_end(j);
		}
		json_begin_array(j, "failed");
		for (size_t k = 0; t->failed != NULL && k < o->neids; k++)
			if (t->failed[k])
				json_str(j, NULL, prefix_str(&o->eids[k], s, sizeof(s)));
		json_end(j);
		json_end(j);
	}
	json_end(j);
}

/* The likely causes of res's outcome (reg_likely_causes). */
static size_t causes_of(const struct result *res, const char **c, size_t max)
{
	/* partial: the causes of the (first) Map-Server that did not acknowledge */
	enum reg_outcome o = res->outcome == REG_PARTIAL ? res->fail_outcome : res->outcome;
	return reg_likely_causes(o, res->rej, res->icmp, res->send_errno, c, max);
}

static void print_json(FILE *f, const struct reg_opts *o, const struct result *res)
{
	struct strbuf sb;
	struct json j;
	char s[PREFIX_STRLEN], nonce[24];
	size_t i;

	strbuf_init(&sb);
	json_init(&j, &sb, 0);
	json_begin_object(&j, NULL);
	if (o->ms[0]) {
		char ms[TOOLS_HOST_MAX + 16];
		snprintf(ms, sizeof(ms), strchr(o->ms, ':') ? "[%s]:%u" : "%s:%u", o->ms,
			 o->ms_port);
		json_str(&j, "ms", ms);
	}
	if (o->site[0])
		json_str(&j, "site", o->site);
	json_str(&j, "operation", o->dereg ? "deregister" : "register");
	json_begin_array(&j, "eids");
	for (i = 0; i < o->neids; i++)
		json_str(&j, NULL, prefix_str(&o->eids[i], s, sizeof(s)));
	json_end(&j);
	json_begin_array(&j, "rlocs");
	for (i = 0; i < o->nrlocs; i++)
		json_str(&j, NULL, ipaddr_str(&o->rlocs[i], s, sizeof(s)));
	json_end(&j);
	if (res->nonce) {
		snprintf(nonce, sizeof(nonce), "0x%016llx", (unsigned long long)res->nonce);
		json_str(&j, "nonce", nonce);
	}
	json_bool(&j, "acked", res->acked);
	if (res->acked) {
		json_int(&j, "rttMs", (int64_t)(res->rtt_ms + 0.5));
		json_int(&j, "rttUs", (int64_t)(res->rtt_ms * 1000.0 + 0.5));
		json_str(&j, "answeredBy", res->from);
	}
	json_uint(&j, "attempts", res->attempts);
	json_uint(&j, "messages", res->messages);
	json_str(&j, "result", reg_outcome_name(res->outcome));
	json_int(&j, "exitCode", reg_outcome_exit(res->outcome));
	if (res->error)
		json_str(&j, "error", res->error);
	if (res->outcome == REG_REJECTED)
		json_str(&j, "rejected",
			 res->rej == REG_REJ_RECORDS ? "records" : "authentication");
	if (res->icmp_errors) {
		json_begin_object(&j, "icmp");
		json_str(&j, "kind", xchg_icmp_name(res->icmp));
		if (res->icmp_from[0])
			json_str(&j, "from", res->icmp_from);
		json_uint(&j, "count", res->icmp_errors);
		json_end(&j);
	}
	{
		const char *c[8];
		size_t n = causes_of(res, c, 8);
		if (n) {
			json_begin_array(&j, "likelyCauses");
			for (i = 0; i < n; i++)
				json_str(&j, NULL, c[i]);
			json_end(&j);
		}
	}
	json_targets(&j, o, res);
	json_end(&j);
	if (json_finish(&j) == 0)
		fprintf(f, "%s\n", strbuf_str(&sb));
	strbuf_free(&sb);
}

static int do_register(const struct reg_opts *o, struct result *res)
{
	struct lisp_key *k;
	size_t i, nacked = 0;

	res->outcome = REG_ERROR;
	k = reg_load_key(o, res->errbuf, sizeof(res->errbuf));
	if (!k) {
		res->error = res->errbuf;
		res->outcome = REG_USAGE;
		return EXIT_USAGE;
	}
	res->nt = 1 + o->nmore_ms;
	memcpy(res->t[0].host, o->ms, sizeof(res->t[0].host));
	res->t[0].port = o->ms_port;
	for (i = 0; i < o->nmore_ms; i++) {
		memcpy(res->t[i + 1].host, o->more_ms[i].host, sizeof(res->t[i + 1].host));
		res->t[i + 1].port = o->more_ms[i].port;
	}
	double t0 = tools_now_ms();
	if (regpipe_run(o, k, res->t, res->nt, o->window, res->errbuf, sizeof(res->errbuf))) {
		res->error = res->errbuf;
		lisp_key_free(k);
		/* a record that cannot fit a datagram is a usage error (too many --rloc) */
		res->outcome = strstr(res->errbuf, "does not fit") ? REG_USAGE : REG_ERROR;
		return reg_outcome_exit(res->outcome);
	}
	res->elapsed_ms = tools_now_ms() - t0;
	lisp_key_free(k);
	/* the summary of one Map-Server: the first, or the first that failed */
	const struct regpipe_target *sum = &res->t[0];
	for (i = 0; i < res->nt; i++) {
		const struct regpipe_target *t = &res->t[i];
		res->attempts += t->attempts;
		if (t->messages > res->messages)
			res->messages = t->messages;
		if (t->last_nonce > res->nonce)
			res->nonce = t->last_nonce;
		if (t->outcome == REG_ACKED) {
			nacked++;
			if (t->rtt_max_ms > res->rtt_ms)
				res->rtt_ms = t->rtt_max_ms;
		} else if (sum->outcome == REG_ACKED) {
			sum = t;
		}
	}
	memcpy(res->from, sum->from, sizeof(res->from));
	res->fail_outcome = sum->outcome;
	res->rej = sum->rej;
	res->send_errno = sum->send_errno;
	res->icmp_errors = sum->icmp_errors;
	res->icmp = sum->icmp;
	memcpy(res->icmp_from, sum->icmp_from, sizeof(res->icmp_from));
	if (sum->outcome != REG_ACKED) {
		if (res->nt == 1)
			snprintf(res->errbuf, sizeof(res->errbuf), "%s", sum->error);
		else
			snprintf(res->errbuf, sizeof(res->errbuf), "%s:%u: %s", sum->host,
				 sum->port, sum->error);
		res->error = res->errbuf;
	}
	res->acked = nacked == res->nt;
	res->outcome = res->acked ? REG_ACKED : nacked > 0 ? REG_PARTIAL : sum->outcome;
	return reg_outcome_exit(res->outcome);
}

/* Hook mode: EIDs from the domain XML on stdin, the action from the operation. */
static int hook_prepare(struct reg_opts *o, bool *skip, char *err, size_t errlen)
{
	uint8_t *xml;
	size_t len;
	int rc;
	enum hook_action a = hook_action_for(o->hook_op, o->dereg_on_release);

	*skip = false;
	if (a == HOOK_NONE) {
		*skip = true;
		return 0;
	}
	if (tools_read_fd(STDIN_FILENO, HOOK_XML_MAX, &xml, &len, err, errlen))
		return -1;
	rc = hook_extract_eids(xml, len, o->iid, &o->eids, &o->neids, err, errlen);
	free(xml);
	if (rc)
		return -1;
	if (o->neids == 0) {
		*skip = true; /* not a VM of ours */
		return 0;
	}
	if (a == HOOK_DEREGISTER)
		o->dereg = true;
	return 0;
}

int main(int argc, char **argv)
{
	struct reg_opts o;
	static struct result res;
	char err[TOOLS_ERRLEN];
	int rc;
	FILE *out;

	reg_opts_init(&o);
	if (reg_parse_args(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "lisp-register: %s\n", err);
		usage(stderr);
		reg_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.help) {
		usage(stdout);
		reg_opts_free(&o);
		return EXIT_DONE;
	}
	if (o.version) {
		printf("lisp-register %s\n", PACKAGE_VERSION);
		reg_opts_free(&o);
		return EXIT_DONE;
	}
	if (o.install_hook || o.uninstall_hook) {
		char msg[4096];
		rc = o.install_hook ? hook_install(o.root, BINDIR "/lisp-register",
						   reg_default_conf(), msg, sizeof(msg))
				    : hook_uninstall(o.root, msg, sizeof(msg));
		fprintf(rc ? stderr : stdout, "%s%s", rc ? "lisp-register: " : "", msg);
		reg_opts_free(&o);
		return rc ? EXIT_OTHER : EXIT_DONE;
	}
	/* libvirt reads the stdout of "migrate begin" as a replacement domain XML */
	out = o.hook ? stderr : stdout;
	if (reg_resolve_eids(&o, err, sizeof(err))) {
		fprintf(stderr, "lisp-register: %s\n", err);
		reg_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.hook) {
		bool skip;
		if (hook_prepare(&o, &skip, err, sizeof(err))) {
			fprintf(stderr, "lisp-register: hook %s %s: %s\n", o.hook_domain, o.hook_op,
				err);
			reg_opts_free(&o);
			return EXIT_USAGE;
		}
		if (skip) {
			reg_opts_free(&o);
			return EXIT_DONE;
		}
	}
	if (reg_validate(&o, err, sizeof(err))) {
		if (o.hook && o.config_missing[0])
			fprintf(stderr,
				"lisp-register: hook %s %s: %s does not exist: create it with at "
				"least the lines 'ms HOST[:PORT]', 'key-file FILE' and 'rloc "
				"ADDRESS' (lisp-register.conf(5)), or give them as options in the "
				"hook (%s)\n",
				o.hook_domain, o.hook_op, o.config_missing, err);
		else
			fprintf(stderr, "lisp-register: %s\n", err);
		if (!o.hook)
			usage(stderr);
		reg_opts_free(&o);
		return EXIT_USAGE;
	}
	rc = do_register(&o, &res);
	if (o.json) {
		print_json(out, &o, &res);
	} else {
		/* one line per Map-Server that acknowledged every EID */
		for (size_t i = 0; i < res.nt; i++) {
			const struct regpipe_target *t = &res.t[i];
			if (t->outcome != REG_ACKED)
				continue;
			fprintf(
			    out,
			    "%s %zu EID%s at %s: acknowledged by %s in %.1f ms (%u attempt%s)\n",
			    o.dereg ? "deregistered" : "registered", o.neids,
			    o.neids == 1 ? "" : "s", t->host, t->from, t->rtt_max_ms, t->attempts,
			    t->attempts == 1 ? "" : "s");
		}
	}
	for (size_t i = 0; rc != EXIT_DONE && res.nt > 1 && i < res.nt; i++)
		if (res.t[i].outcome != REG_ACKED)
			fprintf(stderr,
				"lisp-register: %s:%u: %s (%zu of %zu EIDs not acknowledged)\n",
				res.t[i].host, res.t[i].port, res.t[i].error, res.t[i].failed_eids,
				o.neids);
	if (rc != EXIT_DONE && res.nt == 1 && res.t[0].acked_eids > 0)
		fprintf(stderr, "lisp-register: %zu of %zu EIDs acknowledged\n",
			res.t[0].acked_eids, o.neids);
	if (rc != EXIT_DONE) {
		const char *c[8];
		size_t n = causes_of(&res, c, 8);
		fprintf(stderr, "lisp-register: %s\n", res.error ? res.error : "failed");
		if (res.icmp_errors)
			fprintf(stderr, "lisp-register: ICMP %s%s%s (%u time%s)\n",
				xchg_icmp_name(res.icmp), res.icmp_from[0] ? " from " : "",
				res.icmp_from, res.icmp_errors, res.icmp_errors == 1 ? "" : "s");
		if (n)
			fprintf(stderr, "lisp-register: likely cause%s:\n", n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "lisp-register:   - %s\n", c[i]);
	}
	for (size_t i = 0; i < res.nt; i++)
		regpipe_target_free(&res.t[i]);
	reg_opts_free(&o);
	return rc;
}
