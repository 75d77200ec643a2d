/* SPDX-License-Identifier: ISC */
/*
 * bgp/config.c - the <bgp> configuration element shared by lisp-msd and lisp-xtrd
 * (schema/bgp.rng): local AS, router ID, listener, graceful restart (RFC 4724 §3 restart
 * time and R bit) and the peers (families: IPv4/IPv6 unicast, RFC 4760; VPN-IPv4/-IPv6,
 * RFC 4364/4659, for the mappings of instance IDs other than 0), with their FILE:LINE
 * semantic checks (RFC 4271 §4.2:
 * hold time 0 or >= 3; RFC 6286: a non-zero router ID; RFC 2385: key length <= 80), and
 * the normalized printer behind `-nv`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "common/log.h"
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
static const char *const role_names[] = {"mapping", "underlay", NULL};

const char *bgp_role_name(unsigned role)
{
	return role < BGP_ROLE_MAX ? role_names[role] : "?";
}

static int parse_families(xmlNode *n, uint8_t *out)
{
	char s[64], *save = NULL;
	int rc = cfg_get_string(n, "@families", s, sizeof(s));

	if (rc != 0)
		return rc;
	*out = 0;
	for (char *t = strtok_r(s, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
		unsigned aid;
		for (aid = 0; aid < BGP_AID_MAX; aid++)
			if (strcmp(t, bgp_aid_name(aid)) == 0)
				break;
		if (aid == BGP_AID_MAX)
			return cfg_error(
			    n, "families: unknown family '%s' (ipv4, ipv6, vpnv4, vpnv6)", t);
		*out |= (uint8_t)BGP_AID_BIT(aid);
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
	int rc_gr = cfg_get_bool(n, "@graceful-restart", &p->gr);
	bad |= rc_gr < 0;
	bad |= cfg_get_bool(n, "@graceful-notification", &p->gr_notify) < 0;
	int rc_ap = cfg_get_enum(n, "@add-path", addpath_names, &idx);
	if (rc_ap < 0)
		bad = 1;
	else if (rc_ap == 0)
		p->addpath = (uint8_t)idx;
	int role = BGP_ROLE_MAPPING;
	rc = cfg_get_enum(n, "@role", role_names, &role);
	if (rc < 0)
		bad = 1;
	p->role = (uint8_t)role;
	if (cfg_get_string(n, "@password", p->password, sizeof(p->password)) < 0)
		bad |=
		    cfg_error(n, "password longer than %d bytes (RFC 2385)", BGP_PASSWORD_MAX) < 0;
	bad |= parse_families(n, &p->families) < 0;
	if (p->role == BGP_ROLE_UNDERLAY) {
		/* an edge router must stop routing to us the moment the session goes: it may not
		 * keep our routes as stale (graceful restart); one path per prefix, no tenants */
		if (rc_gr == 0 && p->gr)
			bad |=
			    cfg_error(
				n, "role=\"underlay\": graceful-restart must be off (the "
				   "edge router would keep routing to a D-ETR that is gone)") < 0;
		if (rc_ap == 0 && p->addpath != 0)
			bad |= cfg_error(n, "role=\"underlay\": add-path must be off") < 0;
		if (p->families & BGP_AID_VPN_MASK)
			bad |=
			    cfg_error(n, "role=\"underlay\": families are ipv4 and ipv6 only") < 0;
		p->gr = false;
		p->addpath = 0;
	}
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

/* "ipv4 ipv6 vpnv4" */
static void families_str(uint8_t mask, char *s, size_t len)
{
	size_t used = 0;

	s[0] = '\0';
	for (unsigned aid = 0; aid < BGP_AID_MAX && used < len; aid++) {
		if (!(mask & BGP_AID_BIT(aid)))
			continue;
		int k = snprintf(s + used, len - used, "%s%s", used ? " " : "", bgp_aid_name(aid));
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

void bgp_config_print(const struct bgp_cfg *c, FILE *out, int ind)
{
	char a[IPADDR_STRLEN], fam[64];

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
		families_str(p->families, fam, sizeof(fam));
		fprintf(out,
			" hold-time=\"%u\" connect-retry=\"%u\" passive=\"%s\" add-path=\"%s\""
			" graceful-restart=\"%s\" stale-time=\"%u\" extended-next-hop=\"%s\""
			" families=\"%s\"%s%s%s/>\n",
			p->hold_time, p->connect_retry, p->passive ? "true" : "false",
			addpath_names[p->addpath & 3], p->gr ? "true" : "false", p->stale_time,
			p->ext_nh ? "true" : "false", fam,
			p->password[0] ? " password=\"(set)\"" : "",
			/* only when off: the default keeps the older output */
			p->gr_notify ? "" : " graceful-notification=\"false\"",
			p->role == BGP_ROLE_UNDERLAY ? " role=\"underlay\"" : "");
	}
	fprintf(out, "%*s</bgp>\n", ind, "");
}

/* ---- copies and comparisons: the one definition of "the BGP config changed" ---- */

struct bgp_cfg *bgp_config_dup(const struct bgp_cfg *c)
{
	struct bgp_cfg *d;

	if (c == NULL || (d = malloc(sizeof(*d))) == NULL)
		return NULL;
	*d = *c;
	d->peers = NULL;
	if (c->n_peers) {
		d->peers = calloc(c->n_peers, sizeof(*d->peers));
		if (d->peers == NULL) {
			free(d);
			return NULL;
		}
		memcpy(d->peers, c->peers, c->n_peers * sizeof(*d->peers));
	}
	return d;
}

static uint16_t peer_port(const struct bgp_peer_cfg *p)
{
	return p->port ? p->port : BGP_PORT;
}

bool bgp_peer_cfg_equal(const struct bgp_peer_cfg *a, const struct bgp_peer_cfg *b)
{
	return ipaddr_eq(&a->addr, &b->addr) && ipaddr_eq(&a->local, &b->local) &&
	       peer_port(a) == peer_port(b) && a->remote_as == b->remote_as &&
	       a->passive == b->passive && strcmp(a->password, b->password) == 0 &&
	       a->hold_time == b->hold_time && a->connect_retry == b->connect_retry &&
	       a->families == b->families && a->addpath == b->addpath && a->ext_nh == b->ext_nh &&
	       a->gr == b->gr && a->gr_notify == b->gr_notify && a->stale_time == b->stale_time &&
	       a->role == b->role;
}

bool bgp_listen_equal(const struct bgp_cfg *a, const struct bgp_cfg *b)
{
	return a->listen == b->listen &&
	       (!a->listen ||
		(ipaddr_eq(&a->listen_addr, &b->listen_addr) && a->listen_port == b->listen_port));
}

const struct bgp_peer_cfg *bgp_config_peer(const struct bgp_cfg *c, const struct ipaddr *addr)
{
	for (size_t i = 0; c && i < c->n_peers; i++)
		if (ipaddr_eq(&c->peers[i].addr, addr))
			return &c->peers[i];
	return NULL;
}

bool bgp_config_equal(const struct bgp_cfg *a, const struct bgp_cfg *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->local_as != b->local_as || a->router_id != b->router_id || !bgp_listen_equal(a, b) ||
	    a->gr_time != b->gr_time || a->restarting != b->restarting ||
	    a->gr_forwarding != b->gr_forwarding || a->n_peers != b->n_peers)
		return false;
	/* peers are matched by address (unique in a valid config): their order is no change */
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct bgp_peer_cfg *q = bgp_config_peer(b, &a->peers[i].addr);
		if (q == NULL || !bgp_peer_cfg_equal(&a->peers[i], q))
			return false;
	}
	return true;
}

static void listen_str(const struct bgp_cfg *c, char *s, size_t len)
{
	char a[IPADDR_STRLEN];

	if (!c->listen)
		snprintf(s, len, "none");
	else
		snprintf(s, len, "%s port %u", ipaddr_str(&c->listen_addr, a, sizeof(a)),
			 c->listen_port);
}

enum bgp_reload bgp_reload_check(const struct bgp_cfg *run, const struct bgp_cfg *next, char *why,
				 size_t len)
{
	char x[IPADDR_STRLEN + 16], y[IPADDR_STRLEN + 16];
	size_t added = 0, removed = 0, changed = 0;

	if (bgp_config_equal(run, next)) {
		snprintf(why, len, "unchanged");
		return BGP_RELOAD_SAME;
	}
	if (run == NULL) {
		snprintf(why, len, "added: the speaker starts");
		return BGP_RELOAD_START;
	}
	if (next == NULL) {
		snprintf(why, len,
			 "removed: the speaker stops, its %zu peer(s) get Cease/Peer De-configured",
			 run->n_peers);
		return BGP_RELOAD_STOP;
	}
	for (size_t i = 0; i < next->n_peers; i++)
		for (size_t j = i + 1; j < next->n_peers; j++)
			if (ipaddr_eq(&next->peers[i].addr, &next->peers[j].addr)) {
				snprintf(why, len, "a peer is listed twice");
				return BGP_RELOAD_REFUSED;
			}
	if (!bgp_listen_equal(run, next)) {
		listen_str(run, x, sizeof(x));
		listen_str(next, y, sizeof(y));
		snprintf(why, len,
			 "the listener changed (%s -> %s): it is opened at start only, restart "
			 "the daemon to apply it",
			 x, y);
		return BGP_RELOAD_REFUSED;
	}
	for (size_t i = 0; i < next->n_peers; i++) {
		const struct bgp_peer_cfg *o = bgp_config_peer(run, &next->peers[i].addr);
		if (o == NULL)
			added++;
		else if (!bgp_peer_cfg_equal(o, &next->peers[i]))
			changed++;
	}
	for (size_t i = 0; i < run->n_peers; i++)
		if (bgp_config_peer(next, &run->peers[i].addr) == NULL)
			removed++;
	int k = snprintf(why, len, "%zu peer(s) added, %zu removed, %zu changed (reset)", added,
			 removed, changed);
	if (k >= 0 && (size_t)k < len &&
	    (run->local_as != next->local_as || run->router_id != next->router_id))
		snprintf(why + k, len - (size_t)k,
			 "; local AS or router ID changed: every session is reset");
	return BGP_RELOAD_APPLY;
}

void bgp_reload_log(enum bgp_reload k, const char *why)
{
	if (k == BGP_RELOAD_REFUSED)
		log_warnx("reload refused: <bgp>: %s; the running configuration stays in force",
			  why);
	else if (k != BGP_RELOAD_SAME)
		log_info("reload: <bgp>: %s", why);
}
