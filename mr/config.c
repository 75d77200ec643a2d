/* SPDX-License-Identifier: ISC */
/*
 * mr/config.c - lisp-mrd's configuration: parse and check an XML file against
 * schema/lisp-mrd.rng into a struct mr_cfg (every semantic error as FILE:LINE, the whole file
 * checked before anything is used), and print the normalized form (`lisp-mrd -nv`).
 * Element reference: examples/lisp-mrd.xml.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libxml/tree.h>

#include "common/cli.h"
#include "common/conf.h"
#include "common/log.h"
#include "mr/mr.h"
#include "proto/lisp_msg.h"

void mr_cfg_defaults(struct mr_cfg *c)
{
	memset(c, 0, sizeof(*c));
	cfg_cli_init(&c->cli, MR_DEFAULT_CLI_PORT);
	cfg_metrics_init(&c->metrics, CFG_METRICS_PORT_MRD);
	cfg_log_init(&c->log);
	c->rl_src_rate = 100;
	c->rl_src_burst = 200;
	c->rl_max_sources = 4096;
	c->rl_global_rate = 10000;
	c->rl_global_burst = 20000;
	c->rl_dst_rate = 200; /* as lisp-msd's (ms/ms.h MS_RL_DST_*) */
	c->rl_dst_burst = 400;
	c->rl_max_dsts = 4096;
	c->down_after = 2;
	c->retry_after = 30;
	c->retransmit_window = 5;
}

void mr_cfg_free(struct mr_cfg *c)
{
	if (c == NULL)
		return;
	free(c->prefix);
	free(c);
}

static int parse_prefix(xmlNode *n, struct mr_prefix_cfg *pc)
{
	int bad = 0;
	uint32_t iid;
	xmlNode *m;

	if (cfg_get_prefix(n, "@prefix", false, &pc->eid) != 0)
		return -1;
	int r = cfg_get_u32(n, "@instance-id", 0, LISP_IID_MAX, &iid);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (pc->eid.iid != 0 && pc->eid.iid != iid)
			return cfg_error(n, "instance-id %u contradicts the prefix's [%u]", iid,
					 pc->eid.iid);
		pc->eid.iid = iid;
	}
	if (pc->eid.iid > LISP_IID_MAX)
		return cfg_error(n, "instance ID above %u", LISP_IID_MAX);
	if (cfg_count(n, "map-server") > MR_MAX_SERVERS)
		return cfg_error(n, "more than %d map-servers for one prefix", MR_MAX_SERVERS);
	CFG_FOREACH(m, n, "map-server")
	{
		struct mr_endpoint *ep = &pc->srv[pc->nservers];
		ep->port = LISP_CONTROL_PORT;
		if (cfg_get_addr(m, "@address", &ep->addr) != 0 ||
		    cfg_get_port(m, "@port", &ep->port) < 0) {
			bad = 1;
			continue;
		}
		for (unsigned i = 0; i < pc->nservers; i++)
			if (ipaddr_eq(&pc->srv[i].addr, &ep->addr) && pc->srv[i].port == ep->port)
				bad |= cfg_error(m, "map-server listed twice for this prefix") < 0;
		pc->nservers++;
	}
	if (pc->nservers == 0 && !bad)
		return cfg_error(n, "an eid-prefix needs at least one map-server");
	return bad ? -1 : 0;
}

struct mr_cfg *mr_cfg_load(const char *path, struct cfg_errs *errs)
{
	xmlDoc *doc = cfg_load(path, "lisp-mrd.rng", errs);
	struct mr_cfg *c;
	xmlNode *root, *n;
	int bad = 0;

	if (doc == NULL)
		return NULL;
	root = cfg_root(doc);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cfg_free(doc);
		return NULL;
	}
	mr_cfg_defaults(c);

	if (cfg_count(root, "listen") > MR_MAX_LISTEN)
		bad |= cfg_error(root, "more than %d listen elements", MR_MAX_LISTEN) < 0;
	else
		CFG_FOREACH(n, root, "listen")
		{
			struct mr_endpoint *ep = &c->listen[c->nlisten++];
			ep->port = LISP_CONTROL_PORT;
			if (cfg_get_addr(n, "@address", &ep->addr) < 0 ||
			    cfg_get_port(n, "@port", &ep->port) < 0)
				bad = 1;
		}
	bad |= cfg_read_cli(root, &c->cli) < 0;
	bad |= cfg_read_log(root, &c->log) < 0;
	bad |= cfg_read_privileges(root, &c->priv) < 0;
	bad |= cfg_read_metrics(root, &c->metrics) < 0;
	if ((n = cfg_child(root, "rate-limit")) != NULL) {
		bad |= cfg_get_u32(n, "@per-source", 0, 10000000, &c->rl_src_rate) < 0;
		bad |= cfg_get_u32(n, "@per-source-burst", 1, 10000000, &c->rl_src_burst) < 0;
		bad |= cfg_get_u32(n, "@max-sources", 1, 1000000, &c->rl_max_sources) < 0;
		bad |= cfg_get_u32(n, "@global", 0, 100000000, &c->rl_global_rate) < 0;
		bad |= cfg_get_u32(n, "@global-burst", 1, 100000000, &c->rl_global_burst) < 0;
		bad |= cfg_get_u32(n, "@per-destination", 0, 10000000, &c->rl_dst_rate) < 0;
		bad |= cfg_get_u32(n, "@per-destination-burst", 1, 10000000, &c->rl_dst_burst) < 0;
		bad |= cfg_get_u32(n, "@max-destinations", 1, 1000000, &c->rl_max_dsts) < 0;
	}
	if ((n = cfg_child(root, "failover")) != NULL) {
		bad |= cfg_get_u32(n, "@down-after", 1, 1000, &c->down_after) < 0;
		bad |= cfg_get_u32(n, "@retry-after", 1, 86400, &c->retry_after) < 0;
		bad |= cfg_get_u32(n, "@retransmit-window", 1, 600, &c->retransmit_window) < 0;
	}

	size_t np = cfg_count(root, "eid-prefix");
	if (np > MR_MAX_PREFIXES) {
		bad |= cfg_error(root, "more than %d eid-prefix elements", MR_MAX_PREFIXES) < 0;
		np = 0;
	}
	c->prefix = calloc(np ? np : 1, sizeof(*c->prefix));
	if (c->prefix == NULL) {
		cfg_free(doc);
		free(c);
		return NULL;
	}
	if (np)
		CFG_FOREACH(n, root, "eid-prefix")
		{
			struct mr_prefix_cfg *pc = &c->prefix[c->nprefix];
			if (parse_prefix(n, pc) < 0) {
				bad = 1;
				continue;
			}
			for (unsigned i = 0; i < c->nprefix; i++)
				if (prefix_eq(&c->prefix[i].eid, &pc->eid)) {
					char p[PREFIX_STRLEN];
					bad |= cfg_error(n, "EID prefix %s configured twice",
							 prefix_str(&pc->eid, p, sizeof(p))) < 0;
				}
			c->nprefix++;
		}
	cfg_free(doc);
	if (bad) {
		mr_cfg_free(c);
		return NULL;
	}
	return c;
}

void mr_cfg_print(const struct mr_cfg *c, FILE *out)
{
	char a[IPADDR_STRLEN], p[PREFIX_STRLEN];

	fprintf(out, "<lisp-mrd>\n");
	if (c->nlisten == 0)
		fprintf(out, "  <listen address=\"::\" port=\"%u\"/>\n", LISP_CONTROL_PORT);
	for (unsigned i = 0; i < c->nlisten; i++)
		fprintf(out, "  <listen address=\"%s\" port=\"%u\"/>\n",
			c->listen[i].addr.afi ? ipaddr_str(&c->listen[i].addr, a, sizeof(a)) : "::",
			c->listen[i].port);
	cfg_print_cli(&c->cli, out);
	cfg_print_log(&c->log, out);
	cfg_print_privileges(&c->priv, out);
	cfg_print_metrics(&c->metrics, out);
	fprintf(out,
		"  <rate-limit per-source=\"%u\" per-source-burst=\"%u\" max-sources=\"%u\" "
		"global=\"%u\" global-burst=\"%u\" per-destination=\"%u\" "
		"per-destination-burst=\"%u\" max-destinations=\"%u\"/>\n",
		c->rl_src_rate, c->rl_src_burst, c->rl_max_sources, c->rl_global_rate,
		c->rl_global_burst, c->rl_dst_rate, c->rl_dst_burst, c->rl_max_dsts);
	fprintf(out,
		"  <failover down-after=\"%u\" retry-after=\"%u\" retransmit-window=\"%u\"/>\n",
		c->down_after, c->retry_after, c->retransmit_window);
	for (unsigned i = 0; i < c->nprefix; i++) {
		const struct mr_prefix_cfg *pc = &c->prefix[i];
		struct lisp_prefix bare = pc->eid;
		bare.iid = 0;
		fprintf(out, "  <eid-prefix prefix=\"%s\" instance-id=\"%u\">\n",
			prefix_str(&bare, p, sizeof(p)), pc->eid.iid);
		for (unsigned j = 0; j < pc->nservers; j++)
			fprintf(out, "    <map-server address=\"%s\" port=\"%u\"/>\n",
				ipaddr_str(&pc->srv[j].addr, a, sizeof(a)), pc->srv[j].port);
		fprintf(out, "  </eid-prefix>\n");
	}
	fprintf(out, "</lisp-mrd>\n");
}
