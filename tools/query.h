/* SPDX-License-Identifier: ISC */
/*
 * tools/query.h - lisp-query's model: options, the Map-Request it sends (RFC 9301 §5.2;
 * inside an ECM, §5.8, when it goes to a Map-Resolver), the Map-Reply it accepts (§5.4,
 * matched by nonce) and the two renderings of the answer (text, JSON).
 */
#ifndef TOOLS_QUERY_H
#define TOOLS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"
#include "proto/addr.h"
#include "proto/lisp_msg.h"
#include "tools/client.h"

enum query_mode {
	QUERY_NONE = 0,
	QUERY_MR,  /* ECM-encapsulated Map-Request to a Map-Resolver */
	QUERY_MS,  /* plain Map-Request to a Map-Server */
	QUERY_ETR, /* plain Map-Request to an ETR (the only target of --probe) */
};

struct query_opts {
	enum query_mode mode;
	char host[TOOLS_HOST_MAX];
	uint16_t port;
	uint32_t iid;
	bool have_source;
	struct ipaddr source; /* ITR-RLOC to advertise and bind (default: the kernel's pick) */
	bool probe;
	double timeout;
	unsigned retries;
	bool json;
	bool help;    /* -h, --help */
	bool version; /* --version */
	const char *eid_arg;
	struct lisp_prefix eid;
};

void query_opts_init(struct query_opts *o);
/* Parse and validate argv; 0 or -1 with err (a usage error). */
int query_parse_args(int argc, char **argv, struct query_opts *o, char *err, size_t errlen);

/* Build the request: a Map-Request with one ITR-RLOC (itr_rloc) and one EID record, P set
 * with --probe; wrapped in an ECM (inner source itr_rloc:sport, inner destination the EID
 * address, or mr_addr when the EID's family differs from the ITR-RLOC's) for QUERY_MR. */
int query_build(const struct query_opts *o, const struct ipaddr *itr_rloc, uint16_t sport,
		const struct ipaddr *mr_addr, uint64_t nonce, struct buf *out, struct proto_err *e);

/* A Map-Reply carrying one of nonces[0..nn) -> XR_DONE (parsed into *m, *which = attempt);
 * anything else -> XR_IGNORE. */
enum xchg_verdict query_check_reply(const uint8_t *data, size_t len, const uint64_t *nonces,
				    unsigned nn, struct lisp_map_reply *m, unsigned *which);

struct query_answer {
	const struct lisp_map_reply *reply; /* NULL: no answer */
	const char *from;		    /* "addr:port" of the answer */
	double rtt_ms;
	unsigned attempts;
	uint64_t nonce;
	const char *error;
};
void query_render_text(const struct query_opts *o, const struct query_answer *a, struct strbuf *sb);
int query_render_json(const struct query_opts *o, const struct query_answer *a, struct strbuf *sb);

#endif
