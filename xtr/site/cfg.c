/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/cfg.c - the <site> element of lisp-xtrd's configuration (schema/xtr-site.rng)
 * into a struct site_cfg, with the semantic checks the schema cannot make (MAC is unicast,
 * gateway address/length, every dynamic-EID prefix inside an EID subnet, bounds), each
 * reported as FILE:LINE through cfg_error. Example:
 *
 *   <site bridge="br-vm" tun="lisp0" manage-bridge="true" host-timeout="300" probes="3"
 *         tun-mtu="1444" nd-redirect-filter="true">
 *     <gateway mac="02:00:00:00:01:01" ipv4="198.51.100.1/24" ipv6="2001:db8:100::1/64"/>
 *     <subnet prefix="198.51.100.0/24"/>
 *     <subnet prefix="2001:db8:100::/64"/>
 *     <dynamic-eid prefix="198.51.100.0/24"/>
 *     <dynamic-eid prefix="2001:db8:100::/64"/>
 *   </site>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/conf.h"
#include "xtr/site/site.h"

void site_cfg_defaults(struct site_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->bridge, sizeof(cfg->bridge), "br-vm");
	snprintf(cfg->tun, sizeof(cfg->tun), "lisp0");
	cfg->manage_bridge = true;
	cfg->host_timeout_s = SITE_DEF_HOST_TIMEOUT_S;
	cfg->probes = SITE_DEF_PROBES;
	cfg->max_hosts = SITE_DEF_MAX_HOSTS;
	cfg->nd_redirect_filter = true;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* "addr/len" (host bits kept). */
static int parse_addr_len(const char *s, uint16_t afi, struct ipaddr *a, uint8_t *plen)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	char *end;
	long l = strtol(slash + 1, &end, 10);
	if (*end || slash[1] == '\0' || ipaddr_parse(tmp, a) || a->afi != afi || l < 1 ||
	    l > (long)afi_max_plen(afi))
		return -1;
	*plen = (uint8_t)l;
	return 0;
}

static int ifname(const xmlNode *n, const char *attr, char *dst)
{
	char v[64];
	int rc = cfg_get_string(n, attr, v, sizeof(v));
	if (rc)
		return rc == CFG_ABSENT ? 0 : -1;
	if (v[0] == '\0' || strlen(v) >= SITE_IFNAMSIZ || strchr(v, '/') || strchr(v, ' '))
		return cfg_error(n, "%s: invalid interface name \"%s\"", attr + 1, v);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int prefixes(const xmlNode *n, const char *name, struct lisp_prefix *out, unsigned *cnt)
{
	xmlNode *c;
	int bad = 0;
	*cnt = 0;
	CFG_FOREACH(c, n, name)
	{
		if (*cnt >= SITE_MAX_SUBNETS) {
			bad |= cfg_error(c, "at most %d <%s> elements", SITE_MAX_SUBNETS, name);
			break;
		}
		if (cfg_get_prefix(c, "@prefix", false, &out[*cnt]) != 0) {
			bad = -1;
			continue;
		}
		if (out[*cnt].afi != LISP_AFI_IPV4 && out[*cnt].afi != LISP_AFI_IPV6) {
			bad |= cfg_error(c, "<%s> must be an IPv4 or IPv6 prefix", name);
			continue;
		}
		(*cnt)++;
	}
	return bad ? -1 : 0;
}

int site_cfg_parse(const struct _xmlNode *n, struct site_cfg *cfg, struct cfg_errs *errs)
{
	int bad = 0, rc;
	char v[80];
	uint32_t u;
	(void)errs; /* errors are recorded in the document's list by cfg_error */

	site_cfg_defaults(cfg);
	bad |= ifname(n, "@bridge", cfg->bridge);
	bad |= ifname(n, "@tun", cfg->tun);
	if (cfg_get_bool(n, "@manage-bridge", &cfg->manage_bridge) < 0)
		bad = -1;
	if (cfg_get_bool(n, "@nd-redirect-filter", &cfg->nd_redirect_filter) < 0)
		bad = -1;
	if ((rc = cfg_get_u32(n, "@host-timeout", 0, 86400 * 7, &u)) == 0)
		cfg->host_timeout_s = u;
	bad |= rc < 0 ? -1 : 0;
	if ((rc = cfg_get_u32(n, "@probes", 0, 10, &u)) == 0)
		cfg->probes = u;
	bad |= rc < 0 ? -1 : 0;
	if ((rc = cfg_get_u32(n, "@max-hosts", 1, 1u << 20, &u)) == 0)
		cfg->max_hosts = u;
	bad |= rc < 0 ? -1 : 0;
	if ((rc = cfg_get_u32(n, "@tun-mtu", 0, 65535, &u)) == 0) {
		if (u != 0 && u < 1280)
			bad |= cfg_error(n, "tun-mtu %u: below the IPv6 minimum 1280", u);
		cfg->tun_mtu = u;
	}
	bad |= rc < 0 ? -1 : 0;

	const xmlNode *gw = cfg_child(n, "gateway");
	if (!gw) {
		bad |= cfg_error(n, "<site> needs a <gateway>");
	} else {
		rc = cfg_get_string(gw, "@mac", v, sizeof(v));
		if (rc == CFG_ABSENT)
			bad |= cfg_error(gw, "<gateway> needs a mac");
		else if (rc == 0 && (parse_mac(v, cfg->gw_mac) || (cfg->gw_mac[0] & 1) ||
				     !(cfg->gw_mac[0] | cfg->gw_mac[1] | cfg->gw_mac[2] |
				       cfg->gw_mac[3] | cfg->gw_mac[4] | cfg->gw_mac[5])))
			bad |= cfg_error(gw, "mac \"%s\": not a unicast MAC address", v);
		else if (rc < 0)
			bad = -1;
		rc = cfg_get_string(gw, "@ipv4", v, sizeof(v));
		if (rc == 0 && parse_addr_len(v, LISP_AFI_IPV4, &cfg->gw4, &cfg->gw4_plen))
			bad |= cfg_error(gw, "ipv4 \"%s\": expected ADDRESS/LENGTH", v);
		else if (rc < 0)
			bad = -1;
		rc = cfg_get_string(gw, "@ipv6", v, sizeof(v));
		if (rc == 0 && parse_addr_len(v, LISP_AFI_IPV6, &cfg->gw6, &cfg->gw6_plen))
			bad |= cfg_error(gw, "ipv6 \"%s\": expected ADDRESS/LENGTH", v);
		else if (rc < 0)
			bad = -1;
		if (!cfg->gw4.afi && !cfg->gw6.afi)
			bad |= cfg_error(gw, "<gateway> needs ipv4 and/or ipv6");
	}
	bad |= prefixes(n, "subnet", cfg->subnets, &cfg->nsubnets);
	bad |= prefixes(n, "dynamic-eid", cfg->dynamic, &cfg->ndynamic);
	xmlNode *c = cfg_child(n, "dynamic-eid");
	for (unsigned i = 0; i < cfg->ndynamic; i++, c = c ? cfg_next(c, "dynamic-eid") : NULL) {
		bool inside = false;
		for (unsigned j = 0; j < cfg->nsubnets && !inside; j++)
			inside = prefix_contains(&cfg->subnets[j], &cfg->dynamic[i]);
		if (!inside) {
			char p[PREFIX_STRLEN];
			bad |= cfg_error(c ? c : n, "dynamic-eid %s is not inside any <subnet>",
					 prefix_str(&cfg->dynamic[i], p, sizeof(p)));
		}
	}
	return bad ? -1 : 0;
}
