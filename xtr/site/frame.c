/* SPDX-License-Identifier: ISC */
/*
 * xtr/site/frame.c - what the site integration reads from and writes to the VM-facing
 * bridge: classification of every frame the packet socket sees (ARP/GARP/RFC 5227 probe,
 * RARP self-announce, IPv6 NS (DAD, NUD, for a subnet address, for an own or off-link
 * address), NA (unsolicited or not), other IPv4/IPv6) and the frames the anycast gateway
 * sends: the NA answering an NS (RFC 4861 §7.2.4: S|O, TLLAO = gateway MAC, from the gateway
 * link-local) and the unicast ARP/NS probes of a silent host (RFC 4861 §7.3.3 NUD). Every
 * byte is read, and every frame built, by proto/pkt.c.
 */
#include <string.h>

#include "proto/pkt.h"
#include "xtr/site/site_int.h"

static const char *const fkind_names[SITE_F_COUNT] = {
    [SITE_F_BAD] = "bad",
    [SITE_F_IGNORE] = "ignore",
    [SITE_F_GARP] = "garp",
    [SITE_F_ARP_PROBE] = "arp-probe",
    [SITE_F_ARP] = "arp",
    [SITE_F_RARP] = "rarp",
    [SITE_F_NA_UNSOL] = "na-unsolicited",
    [SITE_F_NA] = "na",
    [SITE_F_NS_DAD] = "ns-dad",
    [SITE_F_NS_ANSWER] = "ns-answer",
    [SITE_F_NS_NUD] = "ns-nud",
    [SITE_F_NS_OWN] = "ns-own",
    [SITE_F_NS_OFFLINK] = "ns-offlink",
    [SITE_F_IP4] = "ipv4",
    [SITE_F_IP6] = "ipv6",
};

const char *site_fkind_name(enum site_fkind k)
{
	if ((unsigned)k >= SITE_F_COUNT || !fkind_names[k])
		return "?";
	return fkind_names[k];
}

static bool is_own(const struct site_ctx *c, const struct ipaddr *a)
{
	return (c->gw4.afi && ipaddr_eq(a, &c->gw4)) || (c->gw6.afi && ipaddr_eq(a, &c->gw6)) ||
	       (c->gw_ll.afi && ipaddr_eq(a, &c->gw_ll));
}

static bool v6_in(const struct ipaddr *p, unsigned plen, const struct ipaddr *a)
{
	struct lisp_prefix pf;
	prefix_from_addr(&pf, 0, p);
	pf.plen = (uint8_t)plen;
	prefix_normalize(&pf);
	return prefix_contains_addr(&pf, 0, a);
}

bool site_ns_target_ok(const struct site_ctx *c, const struct ipaddr *a)
{
	if (a->afi != LISP_AFI_IPV6 || is_own(c, a))
		return false;
	if (c->gw6.afi == LISP_AFI_IPV6 && c->gw6_plen > 0 && v6_in(&c->gw6, c->gw6_plen, a))
		return true;
	for (unsigned i = 0; i < c->nsubnets; i++) {
		const struct lisp_prefix *p = &c->subnets[i];
		if (p->afi == LISP_AFI_IPV6 && prefix_contains_addr(p, p->iid, a))
			return true;
	}
	return false;
}

static bool ip_usable(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	if (a->afi == LISP_AFI_IPV4)
		return memcmp(a->a, zero, 4) != 0 && a->a[0] < 224 && a->a[0] != 127;
	if (a->afi == LISP_AFI_IPV6)
		return memcmp(a->a, zero, 16) != 0 && a->a[0] != 0xff &&
		       !(a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80);
	return false;
}

static enum site_fkind classify_arp(struct buf *b, const struct pkt_eth *e, struct site_frame *f)
{
	struct pkt_arp a;
	if (pkt_parse_arp(b, &a))
		return SITE_F_BAD;
	if (e->ethertype == PKT_ETH_RARP) {
		if (!a.rarp)
			return SITE_F_BAD;
		/* QEMU announce_self: RARP request, sha = tha = the guest's MAC */
		memcpy(f->mac, a.sha, 6);
		f->announce = true;
		return SITE_F_RARP;
	}
	if (a.rarp)
		return SITE_F_BAD;
	if (a.probe)
		return SITE_F_ARP_PROBE;
	f->ip = a.spa;
	if (a.garp) {
		f->announce = true;
		return SITE_F_GARP;
	}
	return SITE_F_ARP;
}

static enum site_fkind classify_ip6(const struct site_ctx *c, const struct buf *b,
				    const struct pkt_eth *e, struct site_frame *f)
{
	struct pkt_ip ip;
	struct buf r = *b;
	uint8_t type;

	if (pkt_parse_ip(b, &ip) || ip.version != 6)
		return SITE_F_BAD;
	if (ip.proto != PKT_PROTO_ICMPV6 || ip.hdr_len != 40 || buf_skip(&r, 40) ||
	    buf_peek_u8(&r, &type) || (type != PKT_ND_NS && type != PKT_ND_NA)) {
		f->ip = ip.src;
		return SITE_F_IP6;
	}
	if (pkt_parse_nd(b, &f->nd))
		return SITE_F_BAD;
	if (f->nd.type == PKT_ND_NA) {
		f->ip = f->nd.target;
		if (f->nd.has_tllao && !pkt_mac_is_multicast(f->nd.tllao))
			memcpy(f->mac, f->nd.tllao, 6);
		if (f->nd.unsolicited) {
			f->announce = true;
			return SITE_F_NA_UNSOL;
		}
		return SITE_F_NA;
	}
	if (f->nd.dad)
		return SITE_F_NS_DAD;
	f->ip = f->nd.src;
	if (is_own(c, &f->nd.target))
		return SITE_F_NS_OWN;
	if (!site_ns_target_ok(c, &f->nd.target))
		return SITE_F_NS_OFFLINK;
	if (memcmp(e->dst, c->gw_mac, 6) == 0)
		return SITE_F_NS_NUD;
	if (!pkt_mac_is_multicast(e->dst))
		return SITE_F_NS_OFFLINK; /* unicast to someone else: not ours to answer */
	return SITE_F_NS_ANSWER;
}

enum site_fkind site_classify(const struct site_ctx *c, const struct buf *frame,
			      struct site_frame *f)
{
	struct buf b = *frame;
	struct pkt_eth e;
	struct pkt_ip ip;
	enum site_fkind k;

	memset(f, 0, sizeof(*f));
	if (pkt_parse_eth(&b, &e))
		return f->kind = SITE_F_BAD;
	memcpy(f->mac, e.src, 6);
	if (memcmp(e.src, c->gw_mac, 6) == 0 || pkt_mac_is_multicast(e.src))
		return f->kind = SITE_F_IGNORE;
	switch (e.ethertype) {
	case PKT_ETH_ARP:
	case PKT_ETH_RARP:
		k = classify_arp(&b, &e, f);
		break;
	case PKT_ETH_IPV4:
		if (pkt_parse_ip(&b, &ip) || ip.version != 4)
			k = SITE_F_BAD;
		else {
			f->ip = ip.src;
			k = SITE_F_IP4;
		}
		break;
	case PKT_ETH_IPV6:
		k = classify_ip6(c, &b, &e, f);
		break;
	default:
		k = SITE_F_IGNORE;
		break;
	}
	if (k == SITE_F_BAD)
		memset(f, 0, sizeof(*f));
	else if (f->ip.afi && (!ip_usable(&f->ip) || is_own(c, &f->ip)))
		memset(&f->ip, 0, sizeof(f->ip));
	return f->kind = k;
}

int site_build_na_frame(struct buf *out, const struct site_ctx *c, const struct site_frame *f)
{
	struct buf w = *out;
	if ((f->kind != SITE_F_NS_ANSWER && f->kind != SITE_F_NS_NUD) ||
	    pkt_build_eth(&w, f->mac, c->gw_mac, PKT_ETH_IPV6) ||
	    pkt_build_na(&w, &f->nd, c->gw_mac, &c->gw_ll))
		return -1;
	*out = w;
	return 0;
}

int site_build_arp_probe(struct buf *out, const struct site_ctx *c, const uint8_t mac[6],
			 const struct ipaddr *eid)
{
	struct buf w = *out;
	struct pkt_arp a;

	if (c->gw4.afi != LISP_AFI_IPV4 || eid->afi != LISP_AFI_IPV4)
		return -1;
	memset(&a, 0, sizeof(a));
	a.op = PKT_ARP_REQUEST;
	memcpy(a.sha, c->gw_mac, 6);
	a.spa = c->gw4;
	a.tpa = *eid;
	if (pkt_build_eth(&w, mac, c->gw_mac, PKT_ETH_ARP) || pkt_build_arp(&w, &a))
		return -1;
	*out = w;
	return 0;
}

int site_build_ns_probe(struct buf *out, const struct site_ctx *c, const uint8_t mac[6],
			const struct ipaddr *eid)
{
	struct buf w = *out;
	struct pkt_nd ns;
	const struct ipaddr *src = c->gw6.afi == LISP_AFI_IPV6 ? &c->gw6 : &c->gw_ll;

	if (src->afi != LISP_AFI_IPV6 || eid->afi != LISP_AFI_IPV6)
		return -1;
	memset(&ns, 0, sizeof(ns));
	ns.type = PKT_ND_NS;
	ns.src = *src;
	ns.dst = *eid;
	ns.target = *eid;
	ns.has_sllao = true;
	memcpy(ns.sllao, c->gw_mac, 6);
	if (pkt_build_eth(&w, mac, c->gw_mac, PKT_ETH_IPV6) || pkt_build_nd(&w, &ns))
		return -1;
	*out = w;
	return 0;
}
