/*
 * bgp/config.c - the <bgp> configuration element shared by lisp-msd and lisp-xtrd
 * (schema/bgp.rng): local AS, router ID, listener, graceful restart (RFC 4724 §3 restart
 * time and R bit) and the peers, with their FILE:LINE semantic checks (RFC 4271 §4.2:
 * hold time 0 or >= 3; RFC 6286: a non-zero router ID; RFC 2385: key length <= 80), and
 * the normalized printer behind `-nv`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "bgp/bgp_int.h"

void bgp_peer_cfg_init(struct bgp_peer_cfg *p)
{
	memset(p, 0, sizeof(*p));
	p->port = BGP_PORT;
	p->hold_time = BGP_DEFAULT_HOLD;
	p->connect_retry = BGP_DEFAULT_CONNRETRY;
	p->families = BGP_AID_BIT(BGP_AID_IPV4) | BGP_AID_BIT(BGP_AID_IPV6);
	p->addpath = BGP_ADDPATH_SEND | BGP_ADDPATH_RECV;
	p->gr = true;
	p->gr_notify = true;
	p->stale_time = BGP_DEFAULT_STALE_TIME;
}

static const char *const addpath_names[] = {"off", "receive", "send", "both", NULL};

static int parse_families(xmlNode *n, uint8_t *out)
{
	char s[64], *save = NULL;
	int rc = cfg_get_string(n, "@families", s, sizeof(s));

	if (rc != 0)
		return rc;
	*out = 0;
	for (char *t = strtok_r(s, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
		if (strcmp(t, "ipv4") == 0)
			*out |= BGP_AID_BIT(BGP_AID_IPV4);
		else if (strcmp(t, "ipv6") == 0)
			*out |= BGP_AID_BIT(BGP_AID_IPV6);
		else
			return cfg_error(n, "families: unknown family '%s' (ipv4, ipv6)", t);
	}
	if (*out == 0)
		return cfg_error(n, "families: none given");
	return 0;
}

static int parse_peer(xmlNode *n, struct bgp_peer_cfg *p)
{
	int bad = 0, idx = 3;
	uint32_t v;

	bgp_peer_cfg_init(p);
	if (cfg_get_addr(n, "@address", &p->addr) != 0)
		bad |= cfg_error(n, "peer needs a valid address") < 0;
	if (cfg_get_u32(n, "@as", 1, UINT32_MAX, &p->remote_as) != 0)
		bad |= cfg_error(n, "peer needs its AS (1..4294967295)") < 0;
	bad |= cfg_get_addr(n, "@local", &p->local) < 0;
	bad |= cfg_get_port(n, "@port", &p->port) < 0;
	int rc = cfg_get_u32(n, "@hold-time", 0, 65535, &v);
	if (rc < 0)
		bad = 1;
	else if (rc == 0 && (v == 1 || v == 2))
		bad |= cfg_error(n, "hold-time must be 0 or at least 3 (RFC 4271 §4.2)") < 0;
	else if (rc == 0)
		p->hold_time = (uint16_t)v;
	rc = cfg_get_u32(n, "@connect-retry", 1, 3600, &v);
	if (rc < 0)
		bad = 1;
	else if (rc == 0)
		p->connect_retry = (uint16_t)v;
	rc = cfg_get_u32(n, "@stale-time", 1, 3600, &v);
	if (rc < 0)
		bad = 1;
	else if (rc == 0)
		p->stale_time = (uint16_t)v;
	bad |= cfg_get_bool(n, "@passive", &p->passive) < 0;
	bad |= cfg_get_bool(n, "@extended-next-hop", &p->ext_nh) < 0;
	bad |= cfg_get_bool(n, "@graceful-restart", &p->gr) < 0;
	bad |= cfg_get_bool(n, "@graceful-notification", &p->gr_notify) < 0;
	rc = cfg_get_enum(n, "@add-path", addpath_names, &idx);
	if (rc < 0)
		bad = 1;
	else if (rc == 0)
		p->addpath = (uint8_t)idx;
	if (cfg_get_string(n, "@password", p->password, sizeof(p->password)) < 0)
		bad |=
		    cfg_error(n, "password longer than %d bytes (RFC 2385)", BGP_PASSWORD_MAX) < 0;
	bad |= parse_families(n, &p->families) < 0;
	return bad ? -1 : 0;
}

struct bgp_cfg *bgp_config_parse(struct _xmlNode *node, struct cfg_errs *errs)
{
	struct bgp_cfg *c = calloc(1, sizeof(*c));
	struct ipaddr rid;
	xmlNode *n;
	int bad = 0;
	uint32_t v;

	if (c == NULL) {
		cfg_errs_add(errs, "bgp", 0, "out of memory");
		return NULL;
	}
	c->gr_time = BGP_DEFAULT_GR_TIME;
	if (cfg_get_u32(node, "@as", 1, UINT32_MAX, &c->local_as) != 0)
		bad |= cfg_error(node, "bgp needs the local AS (as=\"1..4294967295\")") < 0;
	if (cfg_get_addr(node, "@router-id", &rid) != 0 || rid.afi != LISP_AFI_IPV4)
		bad |= cfg_error(node, "bgp needs an IPv4 router-id") < 0;
	else
		c->router_id = ((uint32_t)rid.a[0] << 24) | ((uint32_t)rid.a[1] << 16) |
			       ((uint32_t)rid.a[2] << 8) | rid.a[3];
	if (!bad && c->router_id == 0)
		bad |= cfg_error(node, "router-id 0.0.0.0 is not valid (RFC 6286)") < 0;
	if ((n = cfg_child(node, "listen")) != NULL) {
		c->listen = true;
		c->listen_port = BGP_PORT;
		c->listen_addr.afi = LISP_AFI_IPV6; /* "::", dual stack */
		bad |= cfg_get_addr(n, "@address", &c->listen_addr) < 0;
		int rc = cfg_get_u32(n, "@port", 0, 65535, &v); /* 0: any free port (tests) */
		if (rc < 0)
			bad = 1;
		else if (rc == 0)
			c->listen_port = (uint16_t)v;
	}
	if ((n = cfg_child(node, "graceful-restart")) != NULL) {
		int rc = cfg_get_u32(n, "@time", 0, BGP_GR_TIME_MAX, &v);
		if (rc < 0)
			bad = 1;
		else if (rc == 0)
			c->gr_time = (uint16_t)v;
		bad |= cfg_get_bool(n, "@restarting", &c->restarting) < 0;
	}
	c->n_peers = cfg_count(node, "peer");
	if (c->n_peers) {
		c->peers = calloc(c->n_peers, sizeof(*c->peers));
		if (c->peers == NULL) {
			free(c);
			cfg_errs_add(errs, "bgp", 0, "out of memory");
			return NULL;
		}
	}
	size_t i = 0;
	CFG_FOREACH(n, node, "peer")
	{
		bad |= parse_peer(n, &c->peers[i]) < 0;
		for (size_t j = 0; j < i; j++)
			if (ipaddr_eq(&c->peers[j].addr, &c->peers[i].addr))
				bad |= cfg_error(n, "duplicate peer address") < 0;
		i++;
	}
	if (bad) {
		if (errs && errs->count == 0)
			cfg_errs_add(errs, "bgp", 0, "invalid <bgp> element");
		bgp_config_free(c);
		return NULL;
	}
	return c;
}

void bgp_config_free(struct bgp_cfg *c)
{
	if (c == NULL)
		return;
	free(c->peers);
	free(c);
}

void bgp_config_print(const struct bgp_cfg *c, FILE *out, int ind)
{
	char a[IPADDR_STRLEN];

	fprintf(out, "%*s<bgp as=\"%u\" router-id=\"%u.%u.%u.%u\">\n", ind, "", c->local_as,
		c->router_id >> 24, (c->router_id >> 16) & 255, (c->router_id >> 8) & 255,
		c->router_id & 255);
	if (c->listen)
		fprintf(out, "%*s  <listen address=\"%s\" port=\"%u\"/>\n", ind, "",
			ipaddr_str(&c->listen_addr, a, sizeof(a)), c->listen_port);
	fprintf(out, "%*s  <graceful-restart time=\"%u\" restarting=\"%s\"/>\n", ind, "",
		c->gr_time, c->restarting ? "true" : "false");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct bgp_peer_cfg *p = &c->peers[i];
		fprintf(out, "%*s  <peer address=\"%s\" as=\"%u\" port=\"%u\"", ind, "",
			ipaddr_str(&p->addr, a, sizeof(a)), p->remote_as, p->port);
		if (p->local.afi)
			fprintf(out, " local=\"%s\"", ipaddr_str(&p->local, a, sizeof(a)));
		fprintf(out,
			" hold-time=\"%u\" connect-retry=\"%u\" passive=\"%s\" add-path=\"%s\""
			" graceful-restart=\"%s\" stale-time=\"%u\" extended-next-hop=\"%s\""
			" families=\"%s%s%s\"%s%s/>\n",
			p->hold_time, p->connect_retry, p->passive ? "true" : "false",
			addpath_names[p->addpath & 3], p->gr ? "true" : "false", p->stale_time,
			p->ext_nh ? "true" : "false",
			(p->families & BGP_AID_BIT(BGP_AID_IPV4)) ? "ipv4" : "",
			p->families == 3 ? " " : "",
			(p->families & BGP_AID_BIT(BGP_AID_IPV6)) ? "ipv6" : "",
			p->password[0] ? " password=\"(set)\"" : "",
			/* only when off: the default keeps the older output */
			p->gr_notify ? "" : " graceful-notification=\"false\"");
	}
	fprintf(out, "%*s</bgp>\n", ind, "");
}
