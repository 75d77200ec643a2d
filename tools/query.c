/* SPDX-License-Identifier: ISC */
/*
 * tools/query.c - lisp-query's options, Map-Request/ECM construction, Map-Reply matching
 * and rendering (RFC 9301 §5.2, §5.4, §5.8; RLOC probing RFC 9301 §5.2 P bit, RFC 9300
 * §10).
 *
 * The request carries exactly one EID record and one ITR-RLOC; the reply is expected at
 * that ITR-RLOC on the port the request left from (for an ECM the inner UDP source port,
 * which is the same socket), matched by nonce, from any source address (the Map-Server or
 * ETR answers an ECM'd request, not the Map-Resolver it went to).
 */
#include "tools/query.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void query_opts_init(struct query_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = LISP_CONTROL_PORT;
	o->timeout = 0.5;
	o->retries = 3;
}

enum {
	QO_MR = 256,
	QO_MS,
	QO_ETR,
	QO_IID,
	QO_SOURCE,
	QO_PROBE,
	QO_TIMEOUT,
	QO_RETRIES,
	QO_JSON,
	QO_HELP,
	QO_VERSION,
};

static const struct option qlongopts[] = {
    {"mr", required_argument, NULL, QO_MR},
    {"ms", required_argument, NULL, QO_MS},
    {"etr", required_argument, NULL, QO_ETR},
    {"iid", required_argument, NULL, QO_IID},
    {"source", required_argument, NULL, QO_SOURCE},
    {"probe", no_argument, NULL, QO_PROBE},
    {"timeout", required_argument, NULL, QO_TIMEOUT},
    {"retries", required_argument, NULL, QO_RETRIES},
    {"json", no_argument, NULL, QO_JSON},
    {"help", no_argument, NULL, QO_HELP},
    {"version", no_argument, NULL, QO_VERSION},
    {NULL, 0, NULL, 0},
};

int query_parse_args(int argc, char **argv, struct query_opts *o, char *err, size_t errlen)
{
	int c;
	unsigned long v;

	opterr = 0;
	optind = 0;
	/* permute: the EID may come before or after the options */
	while ((c = getopt_long(argc, argv, ":h", qlongopts, NULL)) != -1) {
		switch (c) {
		case QO_MR:
		case QO_MS:
		case QO_ETR:
			if (o->mode != QUERY_NONE)
				return errf(err, errlen, "give one of --mr, --ms, --etr");
			o->mode = c == QO_MR ? QUERY_MR : c == QO_MS ? QUERY_MS : QUERY_ETR;
			if (tools_parse_hostport(optarg, LISP_CONTROL_PORT, o->host,
						 sizeof(o->host), &o->port))
				return errf(err, errlen, "%s: bad HOST[:PORT] \"%s\"",
					    argv[optind - 1], optarg);
			break;
		case QO_IID:
			if (tools_parse_uint(optarg, LISP_IID_MAX, &v))
				return errf(err, errlen, "--iid: 0..%u expected", LISP_IID_MAX);
			o->iid = (uint32_t)v;
			break;
		case QO_SOURCE:
			if (ipaddr_parse(optarg, &o->source))
				return errf(err, errlen, "--source: bad address \"%s\"", optarg);
			o->have_source = true;
			break;
		case QO_PROBE:
			o->probe = true;
			break;
		case QO_TIMEOUT:
			if (tools_parse_seconds(optarg, &o->timeout))
				return errf(err, errlen, "--timeout: seconds in (0, %g] expected",
					    TOOLS_MAX_TIMEOUT);
			break;
		case QO_RETRIES:
			if (tools_parse_uint(optarg, TOOLS_MAX_RETRIES, &v))
				return errf(err, errlen, "--retries: 0..%d expected",
					    TOOLS_MAX_RETRIES);
			o->retries = (unsigned)v;
			break;
		case QO_JSON:
			o->json = true;
			break;
		case QO_HELP:
		case 'h':
			o->help = true;
			return 0;
		case QO_VERSION:
			o->version = true;
			return 0;
		case ':':
			return errf(err, errlen, "option %s needs a value", argv[optind - 1]);
		default:
			return errf(err, errlen, "unknown option %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return errf(err, errlen, argc - optind == 0 ? "no EID given" : "one EID only");
	o->eid_arg = argv[optind];
	if (tools_parse_eid(o->eid_arg, o->iid, &o->eid))
		return errf(err, errlen, "bad EID \"%s\"", o->eid_arg);
	if (o->mode == QUERY_NONE)
		return errf(err, errlen, "give one of --mr, --ms, --etr");
	if (o->probe && o->mode != QUERY_ETR)
		return errf(err, errlen, "--probe goes to an RLOC: use --etr");
	return 0;
}

int query_build(const struct query_opts *o, const struct ipaddr *itr_rloc, uint16_t sport,
		const struct ipaddr *mr_addr, uint64_t nonce, struct buf *out, struct proto_err *e)
{
	struct lisp_map_request *m;
	uint8_t inner[2048];
	struct buf w, r;
	int rc;

	m = calloc(1, sizeof(*m));
	if (!m)
		return proto_fail(e, PERR_FULL, 0, "out of memory");
	m->probe = o->probe;
	m->nonce = nonce;
	m->n_itr_rlocs = 1;
	lisp_addr_from_ip(&m->itr_rlocs[0], itr_rloc);
	m->nrec = 1;
	m->rec[0].eid = o->eid;
	m->rec[0].eid_lcaf_iid = o->eid.iid != 0;
	m->rec[0].iid_mlen = o->eid.iid ? 32 : 0;
	if (o->mode != QUERY_MR) {
		rc = lisp_map_request_build(out, m, e);
		free(m);
		return rc;
	}
	buf_init_write(&w, inner, sizeof(inner));
	rc = lisp_map_request_build(&w, m, e);
	free(m);
	if (rc)
		return rc;
	struct lisp_ecm ecm;
	memset(&ecm, 0, sizeof(ecm));
	ecm.inner_src = *itr_rloc;
	if (o->eid.afi == itr_rloc->afi) {
		memset(&ecm.inner_dst, 0, sizeof(ecm.inner_dst));
		ecm.inner_dst.afi = o->eid.afi;
		memcpy(ecm.inner_dst.a, o->eid.a, 16);
	} else {
		ecm.inner_dst = *mr_addr;
	}
	ecm.inner_sport = sport;
	ecm.inner_dport = LISP_CONTROL_PORT;
	buf_as_reader(&w, &r);
	return lisp_ecm_build(out, &ecm, &r, e);
}

enum xchg_verdict query_check_reply(const uint8_t *data, size_t len, const uint64_t *nonces,
				    unsigned nn, struct lisp_map_reply *m, unsigned *which)
{
	struct buf b;
	unsigned i;

	buf_init_read(&b, data, len);
	if (lisp_msg_type(&b) != LISP_T_MAP_REPLY)
		return XR_IGNORE;
	if (lisp_map_reply_parse(&b, m, NULL))
		return XR_IGNORE;
	for (i = 0; i < nn; i++)
		if (nonces[i] == m->nonce) {
			*which = i;
			return XR_DONE;
		}
	return XR_IGNORE;
}

static const char *loc_str(const struct lisp_locator *l, char *dst, size_t len)
{
	if (l->addr.n == 0)
		snprintf(dst, len, "(unknown LCAF)");
	else
		ipaddr_str(&l->addr.addr[0], dst, len);
	return dst;
}

void query_render_text(const struct query_opts *o, const struct query_answer *a, struct strbuf *sb)
{
	char s[PREFIX_STRLEN];
	unsigned i, j;

	if (!a->reply) {
		strbuf_printf(sb, "No Map-Reply for %s from %s after %u attempt%s%s%s\n",
			      o->eid_arg, o->host, a->attempts, a->attempts == 1 ? "" : "s",
			      a->error ? ": " : "", a->error ? a->error : "");
		return;
	}
	strbuf_printf(sb, "Map-Reply for %s from %s, rtt %.3f ms, nonce 0x%016llx%s\n", o->eid_arg,
		      a->from, a->rtt_ms, (unsigned long long)a->nonce,
		      a->reply->probe ? " (probe reply)" : "");
	for (i = 0; i < a->reply->nrec; i++) {
		const struct lisp_record *r = &a->reply->rec[i];
		strbuf_printf(sb, "  EID %s  TTL %u  action %s  authoritative %s  map-version %u\n",
			      prefix_str(&r->eid, s, sizeof(s)), r->ttl,
			      lisp_action_name(r->action), r->authoritative ? "yes" : "no",
			      r->map_version);
		if (r->nloc == 0) {
			strbuf_printf(sb, "    (negative Map-Reply: no locators)\n");
			continue;
		}
		strbuf_printf(sb, "    %-40s %-9s %-9s %s\n", "Locator", "Pri/Wgt", "MPri/MWgt",
			      "Flags");
		for (j = 0; j < r->nloc; j++) {
			const struct lisp_locator *l = &r->loc[j];
			char pw[16], mpw[16];
			snprintf(pw, sizeof(pw), "%u/%u", l->priority, l->weight);
			snprintf(mpw, sizeof(mpw), "%u/%u", l->mpriority, l->mweight);
			strbuf_printf(
			    sb, "    %-40s %-9s %-9s %s%s%s%s\n", loc_str(l, s, sizeof(s)), pw, mpw,
			    l->flags & LISP_LOC_F_LOCAL ? "local " : "",
			    l->flags & LISP_LOC_F_PROBED ? "probed " : "",
			    l->flags & LISP_LOC_F_REACHABLE ? "reachable" : "unreachable", "");
		}
	}
}

int query_render_json(const struct query_opts *o, const struct query_answer *a, struct strbuf *sb)
{
	struct json j;
	char s[PREFIX_STRLEN], nonce[24];
	unsigned i, k;

	json_init(&j, sb, 0);
	json_begin_object(&j, NULL);
	json_str(&j, "eid", prefix_str(&o->eid, s, sizeof(s)));
	json_str(&j, "target", o->host);
	json_str(&j, "via",
		 o->mode == QUERY_MR   ? "map-resolver"
		 : o->mode == QUERY_MS ? "map-server"
				       : "etr");
	json_bool(&j, "probe", o->probe);
	json_uint(&j, "attempts", a->attempts);
	if (!a->reply) {
		json_str(&j, "error", a->error ? a->error : "no answer");
		json_end(&j);
		return json_finish(&j);
	}
	snprintf(nonce, sizeof(nonce), "0x%016llx", (unsigned long long)a->nonce);
	json_str(&j, "nonce", nonce);
	json_str(&j, "answeredBy", a->from);
	json_int(&j, "rttMs", (int64_t)(a->rtt_ms + 0.5));
	json_int(&j, "rttUs", (int64_t)(a->rtt_ms * 1000.0 + 0.5));
	json_bool(&j, "probeReply", a->reply->probe);
	json_begin_array(&j, "records");
	for (i = 0; i < a->reply->nrec; i++) {
		const struct lisp_record *r = &a->reply->rec[i];
		json_begin_object(&j, NULL);
		json_str(&j, "eidPrefix", prefix_str(&r->eid, s, sizeof(s)));
		json_uint(&j, "iid", r->eid.iid);
		json_uint(&j, "ttl", r->ttl);
		json_str(&j, "action", lisp_action_name(r->action));
		json_bool(&j, "authoritative", r->authoritative);
		json_uint(&j, "mapVersion", r->map_version);
		json_begin_array(&j, "locators");
		for (k = 0; k < r->nloc; k++) {
			const struct lisp_locator *l = &r->loc[k];
			json_begin_object(&j, NULL);
			json_str(&j, "address", loc_str(l, s, sizeof(s)));
			json_uint(&j, "priority", l->priority);
			json_uint(&j, "weight", l->weight);
			json_uint(&j, "mpriority", l->mpriority);
			json_uint(&j, "mweight", l->mweight);
			json_bool(&j, "local", (l->flags & LISP_LOC_F_LOCAL) != 0);
			json_bool(&j, "probed", (l->flags & LISP_LOC_F_PROBED) != 0);
			json_bool(&j, "reachable", (l->flags & LISP_LOC_F_REACHABLE) != 0);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	return json_finish(&j);
}
