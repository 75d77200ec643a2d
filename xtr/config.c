/* SPDX-License-Identifier: ISC */
/*
 * xtr/config.c - lisp-xtrd's configuration: parse and check an XML file against
 * schema/lisp-xtrd.rng into a struct xtr_cfg (every semantic error as FILE:LINE, the whole
 * file checked before anything is used), and print the normalized form (`lisp-xtrd -nv`).
 * Element reference: examples/lisp-xtrd-site-a.xml. The <site> element belongs to the site
 * module (xtr/site/site.h): it is kept as a copy for it. <tenant> (representative mode,
 * examples/lisp-xtrd-detr.xml): an instance ID served besides the root's, its aggregates
 * (database mappings of that IID) and its PITR <client> source prefixes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libxml/tree.h>

#include "bgp/bgp.h"
#include "xtr/underlay.h"
#include "common/cli.h"
#include "common/conf.h"
#include "common/log.h"
#include "proto/auth.h"
#include "xtr/xtr.h"

static const char *const mode_names[] = {"site", "representative", NULL};
static const char *const queue_names[] = {"hold", "drop", NULL};
static const char *const action_names[] = {"no-action", "natively-forward",   "send-map-request",
					   "drop",	"drop-policy-denied", "drop-auth-failure",
					   NULL};

void xtr_cfg_defaults(struct xtr_cfg *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->tun_name, sizeof(c->tun_name), "lisp0");
	c->underlay_mtu = 1500;
	c->data_port = LISP_DATA_PORT;
	c->control_port = LISP_CONTROL_PORT;
	c->register_interval = 60;
	c->register_ttl = LISP_TTL_DEFAULT;
	c->cache_max = 100000;
	c->pending_max = 1024;
	c->queue_len = 8;
	c->mreq_rate = 100;
	c->mreq_burst = 200;
	c->mreq_retries = 4;
	c->negative_hold = 10;
	c->probe_interval_ms = 30000;
	c->probe_timeout_ms = 5000;
	c->probe_retries = 2;
	c->smr = true;
	c->moved_away_s = 180;
	cfg_cli_init(&c->cli, XTR_DEFAULT_CLI_PORT);
	cfg_metrics_init(&c->metrics, CFG_METRICS_PORT_XTRD);
	cfg_log_init(&c->log);
	xtr_announce_defaults(c);
}

void xtr_cfg_order_rlocs(struct xtr_cfg *c)
{
	struct ipaddr r[XTR_MAX_RLOCS];
	bool any[XTR_MAX_RLOCS];
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < c->nrloc && i < XTR_MAX_RLOCS; i++)
			if (c->rloc_anycast[i] == (pass == 1)) {
				r[n] = c->rloc[i];
				any[n++] = c->rloc_anycast[i];
			}
	memcpy(c->rloc, r, n * sizeof(r[0]));
	memcpy(c->rloc_anycast, any, n * sizeof(any[0]));
}

void xtr_cfg_free(struct xtr_cfg *c)
{
	if (c == NULL)
		return;
	free(c->db);
	free(c->stat);
	bgp_config_free(c->bgp);
	free(c);
}

static int parse_locators(xmlNode *n, struct xtr_mapping_cfg *m)
{
	xmlNode *l;
	int bad = 0;

	if (cfg_count(n, "locator") > XTR_MAX_LOC)
		return cfg_error(n, "more than %d locators", XTR_MAX_LOC);
	CFG_FOREACH(l, n, "locator")
	{
		struct xtr_loc_cfg *lc = &m->loc[m->nloc];
		uint32_t v;
		lc->priority = 1;
		lc->weight = 100;
		if (cfg_get_addr(l, "@address", &lc->addr) != 0) {
			bad = 1;
			continue;
		}
		int r = cfg_get_u32(l, "@priority", 0, 255, &v);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			lc->priority = (uint8_t)v;
		r = cfg_get_u32(l, "@weight", 0, 255, &v);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			lc->weight = (uint8_t)v;
		m->nloc++;
	}
	return bad ? -1 : 0;
}

/* A duration given either as @NAME in seconds (min_s..max_s) or as @NAME-ms in
 * milliseconds (0 or 100..max_s x 1000 when min_s is 0, else 100..max_s x 1000), into
 * *ms. 0 set, 1 absent (unchanged), -1 error (both given, out of range). */
static int get_ms(xmlNode *n, const char *name, uint32_t min_s, uint32_t max_s, uint32_t *ms)
{
	char a[64], am[64];
	uint32_t v;
	int r, rm;

	snprintf(a, sizeof(a), "@%s", name);
	snprintf(am, sizeof(am), "@%s-ms", name);
	r = cfg_get_u32(n, a, min_s, max_s, &v);
	if (r < 0)
		return -1;
	if (r == 0) {
		char tmp[32];
		if (cfg_get_string(n, am, tmp, sizeof(tmp)) != 1)
			return cfg_error(n, "%s and %s-ms: give one of them", name, name);
		*ms = v * 1000;
		return 0;
	}
	rm = cfg_get_u32(n, am, 0, max_s * 1000, &v);
	if (rm != 0)
		return rm;
	if (v != 0 && v < 100)
		return cfg_error(n, "%s-ms: %u is below 100 ms (the timer runs every 100 ms)", name,
				 v);
	if (v == 0 && min_s > 0)
		return cfg_error(n, "%s-ms: 0 is out of range", name);
	*ms = v;
	return 0;
}

static int parse_mapping(xmlNode *n, struct xtr_mapping_cfg *m, uint32_t iid, bool is_static)
{
	int bad = 0, i;

	memset(m, 0, sizeof(*m));
	m->ttl = LISP_TTL_DEFAULT;
	if (cfg_get_prefix(n, "@eid", false, &m->eid) != 0)
		return -1;
	if (m->eid.iid != 0 && m->eid.iid != iid)
		return cfg_error(n, "instance ID [%u] is not the xTR's (%u)", m->eid.iid, iid);
	m->eid.iid = iid;
	bad |= cfg_get_u32(n, "@ttl", 0, 0xffffffffu, &m->ttl) < 0;
	int r = cfg_get_enum(n, "@action", action_names, &i);
	if (r == 0 && !is_static && i != LISP_ACT_NO_ACTION)
		bad |= cfg_error(
			   n, "a database mapping is ours: its action can only be no-action") < 0;
	else if (r < 0)
		bad = 1;
	else if (r == 0)
		m->action = (uint8_t)i;
	else
		m->action = is_static ? LISP_ACT_NATIVE_FWD : LISP_ACT_NO_ACTION;
	bad |= parse_locators(n, m) < 0;
	m->probe_interval_ms = m->probe_timeout_ms = m->probe_retries = XTR_PROBE_UNSET;
	if (is_static) {
		bad |= cfg_get_u32(n, "@probe-interval-ms", 0, 3600000, &m->probe_interval_ms) < 0;
		bad |= cfg_get_u32(n, "@probe-timeout-ms", 100, 600000, &m->probe_timeout_ms) < 0;
		bad |= cfg_get_u32(n, "@probe-retries", 1, 100, &m->probe_retries) < 0;
		if (m->probe_interval_ms != XTR_PROBE_UNSET && m->probe_interval_ms != 0 &&
		    m->probe_interval_ms < 100)
			bad |= cfg_error(n, "probe-interval-ms: %u is below 100 ms",
					 m->probe_interval_ms) < 0;
		if (m->nloc == 0 &&
		    (m->probe_interval_ms != XTR_PROBE_UNSET ||
		     m->probe_timeout_ms != XTR_PROBE_UNSET || m->probe_retries != XTR_PROBE_UNSET))
			bad |= cfg_error(n, "probe-*: a static mapping without locators has "
					    "nothing to probe") < 0;
	}
	return bad ? -1 : 0;
}

/* @algorithm: the vocabulary of every daemon and tool (proto/auth.h lisp_alg_from_name).
 * 0 set, 1 absent (alg unchanged), -1 error. */
static int get_alg(xmlNode *n, uint8_t *alg)
{
	char name[32];
	int r = cfg_get_string(n, "@algorithm", name, sizeof(name));

	if (r != 0)
		return r;
	if (lisp_alg_from_name(name, alg) < 0)
		return cfg_error(n, "unknown algorithm \"%s\" (hmac-sha-1 or hmac-sha-256)", name);
	return 0;
}

static int parse_ms(xmlNode *n, struct xtr_ms_cfg *ms)
{
	int bad = 0;
	uint32_t v;

	ms->port = LISP_CONTROL_PORT;
	ms->key_id = 1;
	ms->alg = LISP_ALG_HMAC_SHA256_128;
	ms->proxy_reply = true;
	bad |= cfg_get_addr(n, "@address", &ms->addr) != 0;
	bad |= cfg_get_port(n, "@port", &ms->port) < 0;
	int r = cfg_get_u32(n, "@key-id", 0, 255, &v);
	if (r < 0)
		bad = 1;
	else if (r == 0)
		ms->key_id = (uint8_t)v;
	bad |= get_alg(n, &ms->alg) < 0;
	bad |= cfg_get_bool(n, "@proxy-reply", &ms->proxy_reply) < 0;
	bad |= cfg_get_secret(n, ms->secret, sizeof(ms->secret), NULL, 0) < 0;
	return bad ? -1 : 0;
}

bool xtr_id_is_zero(const uint8_t id[16])
{
	static const uint8_t zero[16];
	return memcmp(id, zero, 16) == 0;
}

void xtr_cfg_default_xtr_id(const struct xtr_cfg *c, uint8_t id[16])
{
	if (c->sub.enabled && !xtr_id_is_zero(c->sub.xtr_id))
		memcpy(id, c->sub.xtr_id, 16);
	else if (c->nrloc > 0)
		memcpy(id, c->rloc[0].a, 16);
}

/* <subscribe xtr-id= site-id= key-id= algorithm= secret=|secret-file=/> (RFC 9437). */
static int parse_sub(xmlNode *n, struct xtr_cfg *c)
{
	struct xtr_sub_cfg *sc = &c->sub;
	int bad = 0, r;
	uint32_t v;
	char hex[64];

	sc->enabled = true;
	sc->key_id = 1;
	sc->alg = LISP_ALG_HMAC_SHA256_128;
	if (c->nrloc > 0)
		memcpy(sc->xtr_id, c->rloc[0].a, sizeof(sc->xtr_id));
	r = cfg_get_string(n, "@xtr-id", hex, sizeof(hex));
	if (r < 0)
		bad = 1;
	else if (r == 0 &&
		 lisp_xtr_id_parse(hex, sc->xtr_id) < 0) /* right-aligned: "1" is 0...01 */
		bad |= cfg_error(n, "xtr-id: 1 to 32 hex digits") < 0;
	bad |= cfg_get_uint(n, "@site-id", 0, UINT64_MAX, &sc->site_id) < 0;
	r = cfg_get_u32(n, "@key-id", 0, 255, &v);
	if (r < 0)
		bad = 1;
	else if (r == 0)
		sc->key_id = (uint8_t)v;
	bad |= get_alg(n, &sc->alg) < 0;
	bad |= cfg_get_secret(n, sc->secret, sizeof(sc->secret), NULL, 0) < 0;
	return bad ? -1 : 0;
}

static struct xtr_mapping_cfg *parse_list(xmlNode *parent, const char *name, unsigned max,
					  uint32_t iid, bool is_static, unsigned *count, int *bad)
{
	size_t n = parent ? cfg_count(parent, name) : 0;
	struct xtr_mapping_cfg *v;
	xmlNode *m;

	if (n > max) {
		*bad |= cfg_error(parent, "more than %u %s elements", max, name) < 0;
		n = 0;
	}
	v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	*count = 0;
	if (n == 0)
		return v;
	CFG_FOREACH(m, parent, name)
	{
		if (parse_mapping(m, &v[*count], iid, is_static) < 0) {
			*bad = 1;
			continue;
		}
		for (unsigned i = 0; i < *count; i++)
			if (prefix_eq(&v[i].eid, &v[*count].eid)) {
				char p[PREFIX_STRLEN];
				*bad |= cfg_error(m, "EID %s listed twice",
						  prefix_str(&v[i].eid, p, sizeof(p))) < 0;
			}
		(*count)++;
	}
	return v;
}

static const char *const fp_mode_names[] = {"off", "auto", "on", NULL};

/* <fast-path mode devices>: device names as the kernel takes them (1-15 bytes, no '/',
 * no ':' nor whitespace), separated by spaces or commas, no duplicates; stored normalized. */
static int parse_fast_path(xmlNode *n, struct xtr_cfg *c)
{
	char list[1024], *save = NULL;
	unsigned count = 0;
	int bad = 0, i;

	c->fast_path = XTR_FP_AUTO; /* the element without mode= */
	int r = cfg_get_enum(n, "@mode", fp_mode_names, &i);
	if (r < 0)
		return -1;
	if (r == 0)
		c->fast_path = (uint8_t)i;
	r = cfg_get_string(n, "@devices", list, sizeof(list));
	if (r < 0)
		return -1;
	if (r > 0)
		return 0;
	for (char *t = strtok_r(list, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save)) {
		size_t len = strlen(t), used = strlen(c->fp_devices);
		if (len > 15 || strpbrk(t, "/:") != NULL)
			bad |= cfg_error(n, "fast-path: not a device name: %.40s", t) < 0;
		else if (++count > XTR_FP_MAX_DEVICES)
			bad |=
			    cfg_error(n, "fast-path: more than %d devices", XTR_FP_MAX_DEVICES) < 0;
		else {
			char pad[20];
			snprintf(pad, sizeof(pad), " %s ", t);
			char have[sizeof(c->fp_devices) + 2];
			snprintf(have, sizeof(have), " %s ", c->fp_devices);
			if (strstr(have, pad) != NULL)
				bad |= cfg_error(n, "fast-path: device %s listed twice", t) < 0;
			else
				snprintf(c->fp_devices + used, sizeof(c->fp_devices) - used, "%s%s",
					 used ? " " : "", t);
		}
		if (bad)
			break;
	}
	if (!bad && count == 0)
		bad |= cfg_error(n, "fast-path: devices= names no device") < 0;
	return bad ? -1 : 0;
}

/* <tenant instance-id="N"><aggregate eid= ttl=/>... <client prefix=/>...</tenant>: the IIDs
 * into c->tenant_iid, the aggregates appended to c->db with their IID, the client rules
 * into c->client. */
static int parse_tenants(xmlNode *root, struct xtr_cfg *c)
{
	size_t nt = cfg_count(root, "tenant");
	xmlNode *t, *n;
	int bad = 0;

	if (nt == 0)
		return 0;
	if (c->mode != XTR_MODE_REPRESENTATIVE)
		return cfg_error(cfg_child(root, "tenant"),
				 "<tenant> needs mode=\"representative\"");
	if (nt > XTR_MAX_TENANTS)
		return cfg_error(root, "more than %d tenant elements", XTR_MAX_TENANTS);
	CFG_FOREACH(t, root, "tenant")
	{
		uint32_t iid = 0;
		if (cfg_get_u32(t, "@instance-id", 0, LISP_IID_MAX, &iid) != 0) {
			bad = 1;
			continue;
		}
		if (iid == 0) {
			bad |= cfg_error(
				   t, "tenant instance-id 0: instance ID 0 is carried as unicast, "
				      "it can only be the root's instance-id") < 0;
			continue;
		}
		if (iid == c->iid)
			bad |= cfg_error(t, "tenant instance-id %u is the root's instance-id",
					 iid) < 0;
		for (unsigned i = 0; i < c->ntenant; i++)
			if (c->tenant_iid[i] == iid)
				bad |= cfg_error(t, "tenant instance-id %u listed twice", iid) < 0;
		c->tenant_iid[c->ntenant++] = iid;
		CFG_FOREACH(n, t, "aggregate")
		{
			struct xtr_mapping_cfg m;
			char ps[PREFIX_STRLEN];
			if (cfg_get_prefix(n, "@eid", false, &m.eid) == 0 && m.eid.iid != 0 &&
			    m.eid.iid != iid) {
				bad |= cfg_error(
					   n, "aggregate instance ID [%u] is not the tenant's (%u)",
					   m.eid.iid, iid) < 0;
				continue;
			}
			if (parse_mapping(n, &m, iid, false) < 0) {
				bad = 1;
				continue;
			}
			if (c->ndb >= XTR_MAX_DB) {
				bad |=
				    cfg_error(n, "more than %u database mappings", XTR_MAX_DB) < 0;
				continue;
			}
			for (unsigned i = 0; i < c->ndb; i++)
				if (prefix_eq(&c->db[i].eid, &m.eid))
					bad |= cfg_error(n, "EID %s listed twice",
							 prefix_str(&m.eid, ps, sizeof(ps))) < 0;
			struct xtr_mapping_cfg *v = realloc(c->db, (c->ndb + 1) * sizeof(*v));
			if (v == NULL)
				return cfg_error(n, "out of memory");
			c->db = v;
			c->db[c->ndb++] = m;
		}
		CFG_FOREACH(n, t, "client")
		{
			struct lisp_prefix pfx;
			char ps[PREFIX_STRLEN];
			if (cfg_get_prefix(n, "@prefix", false, &pfx) != 0) {
				bad = 1;
				continue;
			}
			if (pfx.iid != 0) {
				bad |= cfg_error(n, "client prefix: a source address prefix, no "
						    "instance ID") < 0;
				continue;
			}
			if (c->nclient >= XTR_MAX_CLIENTS) {
				bad |= cfg_error(n, "more than %d client elements",
						 XTR_MAX_CLIENTS) < 0;
				continue;
			}
			for (unsigned i = 0; i < c->nclient; i++)
				if (prefix_eq(&c->client[i].src, &pfx))
					bad |=
					    cfg_error(n,
						      "client prefix %s listed twice (tenants %u "
						      "and %u)",
						      prefix_str(&pfx, ps, sizeof(ps)),
						      c->client[i].iid, iid) < 0;
			c->client[c->nclient].src = pfx;
			c->client[c->nclient++].iid = iid;
		}
	}
	return bad ? -1 : 0;
}

struct xtr_cfg *xtr_cfg_load(const char *path, struct cfg_errs *errs)
{
	xmlDoc *doc = cfg_load(path, "lisp-xtrd.rng", errs);
	struct xtr_cfg *c;
	xmlNode *root, *n;
	int bad = 0, i;

	if (doc == NULL)
		return NULL;
	root = cfg_root(doc);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cfg_free(doc);
		return NULL;
	}
	xtr_cfg_defaults(c);
	int r = cfg_get_enum(root, "@mode", mode_names, &i);
	if (r < 0)
		bad = 1;
	else if (r == 0)
		c->mode = (enum xtr_mode)i;
	bad |= cfg_get_u32(root, "@instance-id", 0, LISP_IID_MAX, &c->iid) < 0;

	if ((n = cfg_child(root, "tun")) != NULL) {
		bad |= cfg_get_string(n, "@name", c->tun_name, sizeof(c->tun_name)) < 0;
		bad |= cfg_get_u32(n, "@mtu", 576, 65535, &c->tun_mtu) < 0;
	}
	if ((n = cfg_child(root, "underlay")) != NULL) {
		bad |= cfg_get_u32(n, "@mtu", 1280, 65535, &c->underlay_mtu) < 0;
		bad |= cfg_get_string(n, "@native-forward-device", c->native_dev,
				      sizeof(c->native_dev)) < 0;
		uint32_t v;
		r = cfg_get_u32(n, "@data-port", 1, 65535, &v);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			c->data_port = (uint16_t)v;
		r = cfg_get_u32(n, "@control-port", 1, 65535, &v);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			c->control_port = (uint16_t)v;
	}
	if (cfg_count(root, "rloc") > XTR_MAX_RLOCS)
		bad |= cfg_error(root, "more than %d rloc elements", XTR_MAX_RLOCS) < 0;
	else
		CFG_FOREACH(n, root, "rloc")
		{
			bool any = false;
			if (cfg_get_addr(n, "@address", &c->rloc[c->nrloc]) != 0) {
				bad = 1;
				continue;
			}
			bad |= cfg_get_bool(n, "@anycast", &any) < 0;
			if (any && c->mode != XTR_MODE_REPRESENTATIVE)
				bad |= cfg_error(n, "anycast RLOCs are for D-ETRs "
						    "(mode=\"representative\")") < 0;
			/* one own RLOC per family (the source of what we send), and at most one
			 * shared (anycast) one */
			for (unsigned k = 0; k < c->nrloc; k++)
				if (c->rloc[k].afi == c->rloc[c->nrloc].afi &&
				    c->rloc_anycast[k] == any)
					bad |=
					    cfg_error(n, any ? "one anycast RLOC per address family"
							     : "one RLOC per address family") < 0;
			c->rloc_anycast[c->nrloc] = any;
			c->nrloc++;
		}
	xtr_cfg_order_rlocs(c);
	if (c->nrloc == 0 && cfg_count(root, "rloc") == 0)
		bad |= cfg_error(root, "at least one <rloc address=...> is needed") < 0;

	if (cfg_count(root, "map-server") > XTR_MAX_MS)
		bad |= cfg_error(root, "more than %d map-servers", XTR_MAX_MS) < 0;
	else
		CFG_FOREACH(n, root, "map-server")
		{
			bad |= parse_ms(n, &c->ms[c->nms]) < 0;
			c->nms++;
		}
	if (cfg_count(root, "map-resolver") > XTR_MAX_MR)
		bad |= cfg_error(root, "more than %d map-resolvers", XTR_MAX_MR) < 0;
	else
		CFG_FOREACH(n, root, "map-resolver")
		{
			struct xtr_mr_cfg *mr = &c->mr[c->nmr++];
			mr->port = LISP_CONTROL_PORT;
			bad |= cfg_get_addr(n, "@address", &mr->addr) != 0;
			bad |= cfg_get_port(n, "@port", &mr->port) < 0;
		}
	if ((n = cfg_child(root, "subscribe")) != NULL)
		bad |= parse_sub(n, c) < 0;
	if ((n = cfg_child(root, "register")) != NULL) {
		char hex[64];
		bad |= cfg_get_u32(n, "@interval", 1, 3600, &c->register_interval) < 0;
		bad |= cfg_get_u32(n, "@ttl", 1, 0xffffffffu, &c->register_ttl) < 0;
		r = cfg_get_string(n, "@xtr-id", hex, sizeof(hex));
		if (r < 0)
			bad = 1;
		else if (r == 0 && (lisp_xtr_id_parse(hex, c->reg_xtr_id) < 0 ||
				    xtr_id_is_zero(c->reg_xtr_id)))
			bad |= cfg_error(n, "xtr-id: 1 to 32 hex digits, not all zero") < 0;
		bad |= cfg_get_uint(n, "@site-id", 0, UINT64_MAX, &c->reg_site_id) < 0;
	}
	if (xtr_id_is_zero(c->reg_xtr_id))
		xtr_cfg_default_xtr_id(c, c->reg_xtr_id);
	if ((n = cfg_child(root, "map-cache")) != NULL) {
		bad |= cfg_get_u32(n, "@max-entries", 1, 10000000, &c->cache_max) < 0;
		bad |= cfg_get_u32(n, "@max-pending", 1, 1000000, &c->pending_max) < 0;
		bad |= cfg_get_u32(n, "@queue-length", 1, XTR_QUEUE_MAX, &c->queue_len) < 0;
		bad |= cfg_get_u32(n, "@negative-hold", 1, 3600, &c->negative_hold) < 0;
		r = cfg_get_enum(n, "@queue", queue_names, &i);
		if (r < 0)
			bad = 1;
		else if (r == 0)
			c->queue_policy = (enum xtr_queue_policy)i;
	}
	if ((n = cfg_child(root, "map-request")) != NULL) {
		bad |= cfg_get_u32(n, "@rate", 1, 1000000, &c->mreq_rate) < 0;
		bad |= cfg_get_u32(n, "@burst", 1, 1000000, &c->mreq_burst) < 0;
		bad |= cfg_get_u32(n, "@retries", 0, 16, &c->mreq_retries) < 0;
	}
	if ((n = cfg_child(root, "probing")) != NULL) {
		bad |= get_ms(n, "interval", 0, 3600, &c->probe_interval_ms) < 0;
		bad |= get_ms(n, "timeout", 1, 600, &c->probe_timeout_ms) < 0;
		bad |= cfg_get_u32(n, "@retries", 1, 100, &c->probe_retries) < 0;
		bad |= cfg_get_bool(n, "@re-resolve", &c->probe_reresolve) < 0;
	}
	if ((n = cfg_child(root, "etr")) != NULL) {
		bad |= cfg_get_u32(n, "@reencapsulate-moved-away", 0, 86400, &c->moved_away_s) < 0;
		bad |= cfg_get_bool(n, "@solicit-map-request", &c->smr) < 0;
	}
	if ((n = cfg_child(root, "fast-path")) != NULL)
		bad |= parse_fast_path(n, c) < 0;
	bad |= cfg_read_cli(root, &c->cli) < 0;
	bad |= cfg_read_log(root, &c->log) < 0;
	bad |= cfg_read_privileges(root, &c->priv) < 0;
	bad |= cfg_read_metrics(root, &c->metrics) < 0;
	c->db = parse_list(cfg_child(root, "database"), "mapping", XTR_MAX_DB, c->iid, false,
			   &c->ndb, &bad);
	c->stat =
	    parse_list(root, "static-mapping", XTR_MAX_STATIC, c->iid, true, &c->nstatic, &bad);
	if (c->db != NULL)
		bad |= parse_tenants(root, c) < 0;
	if ((n = cfg_child(root, "site")) != NULL) {
		c->has_site = true;
		bad |= site_cfg_parse(n, &c->site, errs) < 0;
		if (c->site.tun[0] == 0)
			snprintf(c->site.tun, sizeof(c->site.tun), "%s", c->tun_name);
	}
	if ((n = cfg_child(root, "bgp")) != NULL) {
		/* the D-ETR's BGP session(s) with the local Map-Server(s) (xtr/detr.h) */
		if (c->mode != XTR_MODE_REPRESENTATIVE)
			bad |= cfg_error(n, "<bgp> needs mode=\"representative\"") < 0;
		else if ((c->bgp = bgp_config_parse(n, errs)) == NULL)
			bad = 1;
	}
	bad |= xtr_announce_parse(root, c) < 0; /* after <bgp>: it needs an underlay peer */
	unsigned ovh = 0;
	for (unsigned k = 0; k < c->nrloc; k++) {
		unsigned o = c->rloc[k].afi == LISP_AFI_IPV4 ? XTR_OVERHEAD4 : XTR_OVERHEAD6;
		ovh = o > ovh ? o : ovh;
	}
	if (c->tun_mtu == 0 && c->nrloc)
		c->tun_mtu = c->underlay_mtu - ovh;
	cfg_free(doc);
	if (bad || c->db == NULL || c->stat == NULL) {
		xtr_cfg_free(c);
		return NULL;
	}
	return c;
}

/* A <mapping> of <database> (st false, indented under it) or a <static-mapping> (st true, a
 * child of the root). */
static void print_mapping(FILE *out, const char *el, const struct xtr_mapping_cfg *m, bool st)
{
	const char *ind = st ? "  " : "    ";
	char p[PREFIX_STRLEN], a[IPADDR_STRLEN];
	struct lisp_prefix bare = m->eid;

	bare.iid = 0;
	fprintf(out, "%s<%s eid=\"%s\" ttl=\"%u\"", ind, el, prefix_str(&bare, p, sizeof(p)),
		m->ttl);
	if (st && m->nloc == 0)
		fprintf(out, " action=\"%s\"", action_names[m->action < 6 ? m->action : 0]);
	if (st && m->probe_interval_ms != XTR_PROBE_UNSET)
		fprintf(out, " probe-interval-ms=\"%u\"", m->probe_interval_ms);
	if (st && m->probe_timeout_ms != XTR_PROBE_UNSET)
		fprintf(out, " probe-timeout-ms=\"%u\"", m->probe_timeout_ms);
	if (st && m->probe_retries != XTR_PROBE_UNSET)
		fprintf(out, " probe-retries=\"%u\"", m->probe_retries);
	if (m->nloc == 0) {
		fprintf(out, "/>\n");
		return;
	}
	fprintf(out, ">\n");
	for (unsigned i = 0; i < m->nloc; i++)
		fprintf(out, "%s  <locator address=\"%s\" priority=\"%u\" weight=\"%u\"/>\n", ind,
			ipaddr_str(&m->loc[i].addr, a, sizeof(a)), m->loc[i].priority,
			m->loc[i].weight);
	fprintf(out, "%s</%s>\n", ind, el);
}

void xtr_cfg_print(const struct xtr_cfg *c, FILE *out)
{
	char a[IPADDR_STRLEN], e[256];

	fprintf(out, "<lisp-xtrd mode=\"%s\" instance-id=\"%u\">\n", mode_names[c->mode], c->iid);
	fprintf(out, "  <tun name=\"%s\" mtu=\"%u\"/>\n", cfg_xml_escape(c->tun_name, e, sizeof(e)),
		c->tun_mtu);
	fprintf(out,
		"  <underlay mtu=\"%u\" native-forward-device=\"%s\" data-port=\"%u\" "
		"control-port=\"%u\"/>\n",
		c->underlay_mtu, cfg_xml_escape(c->native_dev, e, sizeof(e)), c->data_port,
		c->control_port);
	for (unsigned i = 0; i < c->nrloc; i++)
		fprintf(out, "  <rloc address=\"%s\"%s/>\n", ipaddr_str(&c->rloc[i], a, sizeof(a)),
			c->rloc_anycast[i] ? " anycast=\"true\"" : "");
	for (unsigned i = 0; i < c->nms; i++)
		fprintf(out,
			"  <map-server address=\"%s\" port=\"%u\" key-id=\"%u\" algorithm=\"%s\" "
			"proxy-reply=\"%s\" secret=\"(set)\"/>\n",
			ipaddr_str(&c->ms[i].addr, a, sizeof(a)), c->ms[i].port, c->ms[i].key_id,
			lisp_alg_name(c->ms[i].alg), c->ms[i].proxy_reply ? "true" : "false");
	for (unsigned i = 0; i < c->nmr; i++)
		fprintf(out, "  <map-resolver address=\"%s\" port=\"%u\"/>\n",
			ipaddr_str(&c->mr[i].addr, a, sizeof(a)), c->mr[i].port);
	if (c->sub.enabled) {
		fprintf(out, "  <subscribe xtr-id=\"");
		for (unsigned i = 0; i < sizeof(c->sub.xtr_id); i++)
			fprintf(out, "%02x", c->sub.xtr_id[i]);
		fprintf(
		    out, "\" site-id=\"%llu\" key-id=\"%u\" algorithm=\"%s\" secret=\"(set)\"/>\n",
		    (unsigned long long)c->sub.site_id, c->sub.key_id, lisp_alg_name(c->sub.alg));
	}
	fprintf(out, "  <register interval=\"%u\" ttl=\"%u\" xtr-id=\"", c->register_interval,
		c->register_ttl);
	for (unsigned i = 0; i < sizeof(c->reg_xtr_id); i++)
		fprintf(out, "%02x", c->reg_xtr_id[i]);
	fprintf(out, "\" site-id=\"%llu\"/>\n", (unsigned long long)c->reg_site_id);
	fprintf(
	    out,
	    "  <map-cache max-entries=\"%u\" max-pending=\"%u\" queue=\"%s\" queue-length=\"%u\" "
	    "negative-hold=\"%u\"/>\n",
	    c->cache_max, c->pending_max, queue_names[c->queue_policy], c->queue_len,
	    c->negative_hold);
	fprintf(out, "  <map-request rate=\"%u\" burst=\"%u\" retries=\"%u\"/>\n", c->mreq_rate,
		c->mreq_burst, c->mreq_retries);
	if (c->probe_interval_ms % 1000 == 0 && c->probe_timeout_ms % 1000 == 0)
		fprintf(out,
			"  <probing interval=\"%u\" timeout=\"%u\" retries=\"%u\" "
			"re-resolve=\"%s\"/>\n",
			c->probe_interval_ms / 1000, c->probe_timeout_ms / 1000, c->probe_retries,
			c->probe_reresolve ? "true" : "false");
	else
		fprintf(out,
			"  <probing interval-ms=\"%u\" timeout-ms=\"%u\" retries=\"%u\" "
			"re-resolve=\"%s\"/>\n",
			c->probe_interval_ms, c->probe_timeout_ms, c->probe_retries,
			c->probe_reresolve ? "true" : "false");
	fprintf(out, "  <etr reencapsulate-moved-away=\"%u\" solicit-map-request=\"%s\"/>\n",
		c->moved_away_s, c->smr ? "true" : "false");
	if (c->fast_path != XTR_FP_OFF || c->fp_devices[0]) {
		fprintf(out, "  <fast-path mode=\"%s\"", fp_mode_names[c->fast_path % 3]);
		if (c->fp_devices[0])
			fprintf(out, " devices=\"%s\"",
				cfg_xml_escape(c->fp_devices, e, sizeof(e)));
		fprintf(out, "/>\n");
	}
	cfg_print_cli(&c->cli, out);
	cfg_print_log(&c->log, out);
	cfg_print_privileges(&c->priv, out);
	cfg_print_metrics(&c->metrics, out);
	fprintf(out, "  <database>\n");
	for (unsigned i = 0; i < c->ndb; i++)
		if (c->db[i].eid.iid == c->iid)
			print_mapping(out, "mapping", &c->db[i], false);
	fprintf(out, "  </database>\n");
	for (unsigned i = 0; i < c->nstatic; i++)
		print_mapping(out, "static-mapping", &c->stat[i], true);
	for (unsigned t = 0; t < c->ntenant; t++) {
		uint32_t iid = c->tenant_iid[t];
		char p[PREFIX_STRLEN];
		fprintf(out, "  <tenant instance-id=\"%u\">\n", iid);
		for (unsigned i = 0; i < c->ndb; i++)
			if (c->db[i].eid.iid == iid)
				print_mapping(out, "aggregate", &c->db[i], false);
		for (unsigned i = 0; i < c->nclient; i++)
			if (c->client[i].iid == iid)
				fprintf(out, "    <client prefix=\"%s\"/>\n",
					prefix_str(&c->client[i].src, p, sizeof(p)));
		fprintf(out, "  </tenant>\n");
	}
	if (c->has_site)
		fprintf(out,
			"  <site bridge=\"%s\" tun=\"%s\" subnets=\"%u\" dynamic-eids=\"%u\"/>\n",
			c->site.bridge, c->site.tun, c->site.nsubnets, c->site.ndynamic);
	if (c->bgp)
		bgp_config_print(c->bgp, out, 2);
	xtr_announce_print(c, out);
	fprintf(out, "</lisp-xtrd>\n");
}
