/* SPDX-License-Identifier: ISC */
/*
 * xtr/data.c - the data plane of lisp-xtrd (RFC 9300): the ITR path (an IP packet read
 * from the TUN device -> map-cache -> encapsulation with the LISP header of §5.3 in UDP
 * 4341, outer source port from the inner flow hash, locator by priority/weight), the
 * stateless MTU handling of §7.1 (ICMP fragmentation-needed / packet-too-big written back
 * into the TUN), map-cache misses (pending entry + Map-Request, packets held; sent from
 * here when a mapping installed with xtr_cache_install releases them), negative entries
 * (natively forward or drop by ACT, RFC 9301 §5.4), and the ETR path: parse the header,
 * then ONE decision (xtr_etr_decide): deliver to the TUN when the inner destination is a
 * local EID, re-encapsulate to where the map-cache maps it only when that is ours to do (a
 * site xTR: an EID that moved away from it, for a while after the move; the D-ETR: its
 * aggregate and its BGP host mappings), else drop with a reason: no open relay.
 * Every lookup is in one instance ID: the LISP header's on the ETR path (one the xTR serves:
 * its own or, on a D-ETR, a tenant's), the tenant of the source on the ITR path
 * (xtr_tenant_of); the header written is the mapping's instance ID.
 *
 * The encapsulation is built in place in the XTR_ENCAP_HLEN bytes of headroom in front of
 * the inner packet; the outer IP header is written by the kernel (raw socket,
 * xtr/dataplane.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/pkt.h"
#include "xtr/offload.h"
#include "xtr/xtr_int.h"

static const char *const drop_names[XTR_DROP__COUNT] = {
    [XTR_DROP_BAD_INNER] = "badInner",
    [XTR_DROP_MULTICAST] = "multicast",
    [XTR_DROP_NO_LOCATOR] = "noLocator",
    [XTR_DROP_NEGATIVE] = "negativeDrop",
    [XTR_DROP_NATIVE_FAIL] = "nativeForwardFailed",
    [XTR_DROP_QUEUE_FULL] = "queueFull",
    [XTR_DROP_PENDING_LIMIT] = "pendingLimit",
    [XTR_DROP_CACHE_FULL] = "cacheFull",
    [XTR_DROP_TOO_BIG] = "tooBig",
    [XTR_DROP_SEND] = "sendError",
    [XTR_DROP_BAD_HEADER] = "badHeader",
    [XTR_DROP_FOREIGN_IID] = "foreignIid",
    [XTR_DROP_ETR_NOT_LOCAL] = "etrNotLocal",
    [XTR_DROP_TRUNCATED_INNER] = "truncatedInner",
    [XTR_DROP_LOOP] = "loop",
    [XTR_DROP_UNRESOLVED] = "unresolved",
    [XTR_DROP_ETR_MOVED_EXPIRED] = "etrMovedAwayExpired",
    [XTR_DROP_SOURCE_LIMITED] = "itrResolveSourceLimited",
};

const char *xtr_drop_name(enum xtr_drop d)
{
	return (unsigned)d < XTR_DROP__COUNT ? drop_names[d] : "unknown";
}

uint16_t xtr_flow_sport(uint32_t hash)
{
	return (uint16_t)(49152u + (hash & 0x3fffu));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void xtr_encap_header(uint8_t hdr[XTR_ENCAP_HLEN], uint16_t sport, uint16_t dport, size_t inner_len,
		      uint32_t iid, uint32_t nonce)
{
	put16(hdr, sport);
	put16(hdr + 2, dport);
	put16(hdr + 4, (uint16_t)(XTR_ENCAP_HLEN + inner_len));
	put16(hdr + 6, 0); /* RFC 9300 §5.3: zero checksum (the kernel fills it for IPv6) */
	/* |N|L|E|V|I|R|K|K| nonce(24) | iid(24) or LSBs | LSBs(8) | */
	hdr[8] = (uint8_t)(LISP_DATA_F_N | (iid ? LISP_DATA_F_I : 0));
	hdr[9] = (uint8_t)(nonce >> 16);
	hdr[10] = (uint8_t)(nonce >> 8);
	hdr[11] = (uint8_t)nonce;
	if (iid) {
		hdr[12] = (uint8_t)(iid >> 16);
		hdr[13] = (uint8_t)(iid >> 8);
		hdr[14] = (uint8_t)iid;
		hdr[15] = 0;
	} else {
		memset(hdr + 12, 0, 4);
	}
}

static bool is_multicast_or_ll(const struct pkt_ip *ip)
{
	if (ip->version == 4)
		return (ip->dst.a[0] & 0xf0) == 0xe0 ||
		       (ip->dst.a[0] == 169 && ip->dst.a[1] == 254) ||
		       (ip->dst.a[0] == 255 && ip->dst.a[1] == 255 && ip->dst.a[2] == 255 &&
			ip->dst.a[3] == 255);
	return ip->dst.a[0] == 0xff || (ip->dst.a[0] == 0xfe && (ip->dst.a[1] & 0xc0) == 0x80) ||
	       (ip->src.a[0] == 0xfe && (ip->src.a[1] & 0xc0) == 0x80);
}

static void too_big(struct xtr *x, const uint8_t *pkt, size_t len, const struct pkt_ip *ip,
		    unsigned mtu)
{
	uint8_t out[PKT_ICMP6_ERR_MAX + 64];
	struct buf w, orig;
	/* The ICMP error is written into the TUN, so the site's kernel receives it: a source
	 * address local to the site (our RLOC, the anycast gateway) would be dropped there as
	 * a martian. It is sent from the packet's destination EID instead: the sender caches
	 * the path MTU for that destination, which is what matters (RFC 1191, RFC 8201). */
	const struct ipaddr *src = &ip->dst;
	int rc;

	x->st.drops[XTR_DROP_TOO_BIG]++;
	buf_init_read(&orig, pkt, len);
	if (!pkt_icmp_error_allowed(&orig))
		return;
	buf_init_write(&w, out, sizeof(out));
	if (ip->version == 4)
		rc = pkt_build_icmp4_frag_needed(&w, &orig, src, (uint16_t)mtu);
	else
		rc = pkt_build_icmp6_too_big(&w, &orig, src, mtu);
	if (rc == 0 && x->io.tun_write && x->io.tun_write(x->io.arg, out, buf_len(&w)) == 0)
		x->st.icmp_too_big++;
}

void xtr_encap_send(struct xtr *x, struct xtr_entry *e, uint8_t *pkt, size_t len,
		    const struct pkt_ip *ip, bool reencap, uint64_t now)
{
	uint32_t hash = pkt_flow_hash(ip, x->flow_seed);
	const struct xtr_loc *l = xtr_select_locator(x, e, hash);

	if (l == NULL) {
		x->st.drops[XTR_DROP_NO_LOCATOR]++;
		/* every locator down (RLOC probing): ask again rather than wait for the TTL
		 * (rate-limited per EID in send_request) */
		if (x->cfg.probe_reresolve && e->nloc > 0 &&
		    (e->src == XTR_SRC_REPLY || e->src == XTR_SRC_NOTIFY))
			xtr_send_map_request(x, e, NULL, false, now);
		return;
	}
	const struct ipaddr *src = xtr_rloc_for(x, l->addr.afi);
	if (src == NULL) {
		x->st.drops[XTR_DROP_NO_LOCATOR]++;
		return;
	}
	if (reencap && xtr_is_own_rloc(x, &l->addr)) {
		x->st.drops[XTR_DROP_LOOP]++;
		return;
	}
	unsigned ovh = l->addr.afi == LISP_AFI_IPV4 ? XTR_OVERHEAD4 : XTR_OVERHEAD6;
	if (len + ovh > x->cfg.underlay_mtu && (ip->df || ip->version == 6)) {
		if (!reencap)
			too_big(x, pkt, len, ip, x->cfg.underlay_mtu - ovh);
		else
			x->st.drops[XTR_DROP_TOO_BIG]++;
		return;
	}
	uint8_t *hdr = pkt - XTR_ENCAP_HLEN;
	uint32_t nonce = (hash ^ (uint32_t)(now >> 10)) & 0xffffff;
	xtr_encap_header(hdr, xtr_flow_sport(hash), x->cfg.data_port, len, e->eid.iid,
			 nonce ? nonce : 1);
	if (x->io.data_send(x->io.arg, src, &l->addr, hdr, pkt, len) == -1) {
		x->st.drops[XTR_DROP_SEND]++;
		return;
	}
	e->packets++;
	e->bytes += len;
	if (l->rloc_idx < x->nrlocs)
		x->rlocs[l->rloc_idx].last_used = now;
	if (reencap) {
		x->st.reencap++;
		x->st.reencap_bytes += len;
	} else {
		x->st.encap++;
		x->st.encap_bytes += len;
	}
}

static void negative(struct xtr *x, struct xtr_entry *e, const uint8_t *pkt, size_t len)
{
	e->packets++;
	e->bytes += len;
	if (e->action == LISP_ACT_NATIVE_FWD || e->action == LISP_ACT_NO_ACTION) {
		if (x->io.native_send && x->io.native_send(x->io.arg, pkt, len) == 0) {
			x->st.native++;
			x->st.native_bytes += len;
		} else {
			x->st.drops[XTR_DROP_NATIVE_FAIL]++;
		}
		return;
	}
	x->st.drops[XTR_DROP_NEGATIVE]++;
}

void xtr_itr_input(struct xtr *x, uint8_t *pkt, size_t len, uint64_t now)
{
	x->st.tun_in++;
	x->st.tun_in_bytes += len;
	xtr_itr_forward(x, XTR_IID_TUN, pkt, len, now);
}

void xtr_itr_input_offload(struct xtr *x, uint8_t *pkt, size_t len, const struct xtr_offload *o,
			   uint64_t now)
{
	struct xtr_seg segs[XTR_GSO_MAXSEG];
	int n;

	if (o->gso_type == XTR_GSO_NONE) {
		if (o->needs_csum && xtr_csum_complete(pkt, len, o->csum_start, o->csum_offset)) {
			x->st.tun_in++;
			x->st.drops[XTR_DROP_BAD_INNER]++;
			return;
		}
		xtr_itr_input(x, pkt, len, now);
		return;
	}
	size_t need = xtr_gso_space(len, o->gso_size);
	if (need > x->segcap) {
		uint8_t *nb = realloc(x->segbuf, need);
		if (nb == NULL) {
			x->st.drops[XTR_DROP_BAD_INNER]++;
			return;
		}
		x->segbuf = nb;
		x->segcap = need;
	}
	n = xtr_gso_segment(pkt, len, o, x->segbuf, x->segcap, segs, XTR_GSO_MAXSEG);
	if (n < 0) {
		x->st.tun_in++;
		x->st.tun_in_bytes += len;
		x->st.drops[XTR_DROP_BAD_INNER]++;
		return;
	}
	for (int i = 0; i < n; i++)
		xtr_itr_input(x, segs[i].p, segs[i].len, now);
	/* the segments live in segbuf, reused by the next super-packet: send them now */
	xtr_flush(x);
}

/* Hold a packet in a pending entry, or count (and log) why not. */
static void queue(struct xtr *x, struct xtr_entry *e, const uint8_t *pkt, size_t len,
		  const struct pkt_ip *ip, uint64_t now)
{
	int rc = xtr_queue_push(x, e, pkt, len, now);

	if (rc == 0)
		x->st.queued++;
	else if (rc == -1)
		x->st.drops[XTR_DROP_QUEUE_FULL]++;
	else
		xtr_log_drop(x, XTR_DROP_SOURCE_LIMITED, &ip->src, &ip->dst, now);
}

void xtr_itr_forward(struct xtr *x, uint32_t iid, uint8_t *pkt, size_t len, uint64_t now)
{
	struct buf b;
	struct pkt_ip ip;
	struct xtr_entry *e;

	buf_init_read(&b, pkt, len);
	if (pkt_parse_ip(&b, &ip) == -1) {
		x->st.drops[XTR_DROP_BAD_INNER]++;
		return;
	}
	if (is_multicast_or_ll(&ip)) {
		x->st.drops[XTR_DROP_MULTICAST]++;
		return;
	}
	if (ip.tot_len < len)
		len = ip.tot_len; /* padding */
	if (iid == XTR_IID_TUN)
		iid = xtr_tenant_of(x, &ip.src);
	e = xtr_cache_lookup(x, iid, &ip.dst);
	if (e == NULL) {
		struct lisp_prefix host;
		enum xtr_drop why;
		prefix_from_addr(&host, iid, &ip.dst);
		e = xtr_cache_new_pending(x, &host, &ip.src, now, &why);
		if (e == NULL) {
			if (why == XTR_DROP_SOURCE_LIMITED)
				xtr_log_drop(x, why, &ip.src, &ip.dst, now);
			return;
		}
		queue(x, e, pkt, len, &ip, now);
		xtr_send_map_request(x, e, &ip.src, false, now);
		return;
	}
	xtr_cache_touch(x, e, now);
	if (e->src == XTR_SRC_PENDING) {
		queue(x, e, pkt, len, &ip, now);
		return;
	}
	if (e->nloc == 0) {
		/* D-ETR: the underlay routes the aggregate to us, so natively forwarding an
		 * EID of it would loop: the local mapping system has nothing, drop */
		if (x->cfg.mode == XTR_MODE_REPRESENTATIVE &&
		    xtr_db_lookup(x, iid, &ip.dst) != NULL) {
			e->packets++;
			e->bytes += len;
			x->st.drops[XTR_DROP_NEGATIVE]++;
			return;
		}
		negative(x, e, pkt, len);
		return;
	}
	xtr_encap_send(x, e, pkt, len, &ip, false, now);
}

/* ---------------------------------------------------------------- resolution */

void xtr_forward_released(struct xtr *x, uint32_t iid, struct xtr_released *rel, uint64_t now)
{
	for (unsigned k = 0; k < rel->n; k++) {
		size_t len;
		uint8_t *p = xtr_released_pkt(x, rel, k, &len);
		xtr_itr_forward(x, iid, p, len, now);
	}
	/* the inner packets live in the pool slots: send the batch before freeing them */
	xtr_flush(x);
	xtr_released_free(x, rel);
}

/* The map-cache (a leaf) installs and hands back what it released; the ITR path sends. */
struct xtr_entry *xtr_cache_install(struct xtr *x, const struct lisp_prefix *eid, enum xtr_src src,
				    uint8_t action, bool authoritative, uint32_t ttl_min,
				    const struct xtr_loc *loc, unsigned nloc, uint64_t now)
{
	struct xtr_released rel;
	struct xtr_entry *e =
	    xtr_cache_put(x, eid, src, action, authoritative, ttl_min, loc, nloc, now, &rel);

	if (rel.n) /* held by pending entries of eid's instance ID, the ones it covers */
		xtr_forward_released(x, eid->iid, &rel, now);
	return e;
}

/* ---------------------------------------------------------------- ETR */

enum xtr_verdict xtr_etr_decide(struct xtr *x, const struct lisp_data_hdr *h,
				const struct pkt_ip *ip, struct xtr_entry **entry,
				enum xtr_drop *why, uint64_t now)
{
	uint32_t iid = (h->flags & LISP_DATA_F_I) ? h->iid : 0;

	*entry = NULL;
	/* RFC 9300 §5.3: an ETR drops what it cannot map to one of its instance IDs (a D-ETR's
	 * tenants are some) */
	if (iid != x->cfg.iid && !xtr_serves_iid(x, iid)) {
		*why = XTR_DROP_FOREIGN_IID;
		return XTR_DROP;
	}
	if (x->cfg.mode == XTR_MODE_REPRESENTATIVE) {
		/* D-ETR: the database is the aggregate; the host mappings (BGP) decide. Outside
		 * the aggregate only a BGP host mapping (the local Map-Server's word) is ours to
		 * follow: a Map-Reply or static entry for someone else's EID is not */
		struct xtr_entry *hm = xtr_cache_lookup(x, iid, &ip->dst);
		bool pos = hm && hm->src != XTR_SRC_PENDING && hm->nloc > 0;
		if (xtr_db_lookup(x, iid, &ip->dst) != NULL || (pos && hm->src == XTR_SRC_BGP)) {
			if (ip->ttl <= 1) {
				*why = XTR_DROP_LOOP;
				return XTR_DROP;
			}
			*entry = hm;
			return pos ? XTR_REENCAP : XTR_RESOLVE;
		}
		*why = XTR_DROP_ETR_NOT_LOCAL;
		return XTR_DROP;
	}
	if (xtr_db_lookup(x, iid, &ip->dst) != NULL)
		return XTR_DELIVER;
	/* Site xTR: re-encapsulating hides the real source, so it is done only for an EID
	 * that moved away from us (the Map-Notify said so), while remote ITRs converge; a
	 * destination we merely know a mapping for is never ours to relay. */
	const struct xtr_moved *mv = xtr_moved_lookup(x, iid, &ip->dst);
	if (mv == NULL) {
		*why = XTR_DROP_ETR_NOT_LOCAL;
		return XTR_DROP;
	}
	if (now >= mv->at + (uint64_t)x->cfg.moved_away_s * NSEC_PER_SEC) {
		*why = XTR_DROP_ETR_MOVED_EXPIRED;
		return XTR_DROP;
	}
	if (ip->ttl <= 1) {
		*why = XTR_DROP_LOOP;
		return XTR_DROP;
	}
	struct xtr_entry *e = xtr_cache_lookup(x, iid, &ip->dst);
	if (e && e->src != XTR_SRC_PENDING && e->nloc == 0) {
		*why = XTR_DROP_NEGATIVE; /* never natively forwarded from here */
		return XTR_DROP;
	}
	*entry = e;
	/* the mapping the Map-Notify installed; gone (evicted, cleared): resolve it */
	return e && e->src != XTR_SRC_PENDING ? XTR_REENCAP : XTR_RESOLVE;
}

/* Decrement the inner TTL / hop limit of a re-encapsulated packet (loop protection). */
static void dec_ttl(uint8_t *p, const struct pkt_ip *ip)
{
	if (ip->version == 4) {
		uint16_t old = (uint16_t)(p[8] << 8 | p[9]);
		uint16_t ck = (uint16_t)(p[10] << 8 | p[11]);
		p[8]--;
		ck = pkt_csum_update16(ck, old, (uint16_t)(p[8] << 8 | p[9]));
		p[10] = (uint8_t)(ck >> 8);
		p[11] = (uint8_t)ck;
	} else {
		p[7]--;
	}
}

void xtr_flush(struct xtr *x)
{
	if (x->io.data_flush)
		x->io.data_flush(x->io.arg);
	x->nscratch = 0;
}

void xtr_itr_seen(struct xtr *x, const struct ipaddr *src, uint64_t now)
{
	uint32_t h = 0;
	for (size_t i = 0; i < afi_addr_len(src->afi); i++)
		h = h * 31 + src->a[i];
	struct xtr_itr_seen *s = &x->seen[h % XTR_ITR_SEEN];
	/* refresh at most every second: one compare on the hot path */
	if (s->last + NSEC_PER_SEC > now && ipaddr_eq(&s->addr, src))
		return;
	s->addr = *src;
	s->last = now;
}

/* One of e's locators is `a`. */
static bool entry_has_rloc(const struct xtr_entry *e, const struct ipaddr *a)
{
	for (unsigned i = 0; i < e->nloc; i++)
		if (ipaddr_eq(&xtr_entry_loc(e, i)->addr, a))
			return true;
	return false;
}

void xtr_etr_input(struct xtr *x, const struct ipaddr *src, const uint8_t *data, size_t len,
		   uint64_t now)
{
	struct buf b;
	struct lisp_data_hdr h;
	struct pkt_ip ip;
	struct xtr_entry *e;
	enum xtr_drop why = XTR_DROP_ETR_NOT_LOCAL;

	x->st.etr_in++;
	buf_init_read(&b, data, len);
	if (lisp_data_parse(&b, &h, NULL) == -1) {
		x->st.drops[XTR_DROP_BAD_HEADER]++;
		log_debug_topic(LOG_TOPIC_DATA, "bad LISP header (%zu bytes)", len);
		return;
	}
	if (pkt_parse_ip(&b, &ip) == -1 || ip.tot_len > buf_left(&b)) {
		x->st.drops[XTR_DROP_TRUNCATED_INNER]++;
		return;
	}
	const uint8_t *inner = buf_cur(&b);
	size_t ilen = ip.tot_len;
	switch (xtr_etr_decide(x, &h, &ip, &e, &why, now)) {
	case XTR_DELIVER:
		xtr_itr_seen(x, src, now);
		if (x->io.tun_write(x->io.arg, inner, ilen) == 0) {
			x->st.decap++;
			x->st.decap_bytes += ilen;
		} else {
			x->st.drops[XTR_DROP_SEND]++;
		}
		return;
	case XTR_REENCAP:
	case XTR_RESOLVE: {
		struct xtr_entry *e0 = e;
		/* A mapping that sends the packet straight back to the xTR it came from is
		 * stale (after a migration back, the old site re-encapsulates to us while our
		 * map-cache still points to it: ping-pong until the TTL runs out, counted as
		 * `loop` at both sites). Refuse it here, once, and refresh the mapping. */
		if (e0 && e0->src != XTR_SRC_BGP && e0->src != XTR_SRC_CONFIG &&
		    entry_has_rloc(e0, src)) {
			x->st.bounced++;
			x->st.drops[XTR_DROP_LOOP]++;
			xtr_send_map_request(x, e0, NULL, false, now);
			return;
		}
		/* The received bytes are read-only: copy behind fresh headroom into a ring
		 * of scratch slots; the batch is sent when the ring is used up (xtr_flush). */
		if (ilen > XTR_QPKT_MAX) {
			x->st.drops[XTR_DROP_TOO_BIG]++;
			return;
		}
		if (x->nscratch == XTR_SCRATCH)
			xtr_flush(x);
		uint8_t *p = x->scratch + (size_t)x->nscratch++ * XTR_SCRATCH_SLOT + XTR_ENCAP_HLEN;
		memcpy(p, inner, ilen);
		dec_ttl(p, &ip);
		ip.ttl--;
		if (e0 == NULL || e0->src == XTR_SRC_PENDING || e0->nloc == 0) {
			/* D-ETR, aggregate EID without a host mapping (or a site xTR, an EID that
			 * just moved away whose mapping is gone): the PITR path (held while the
			 * mapping system resolves it; D-ETR: dropped if it has nothing) */
			x->st.resolved_fallback++;
			xtr_itr_forward(x, (h.flags & LISP_DATA_F_I) ? h.iid : 0, p, ilen, now);
			return;
		}
		xtr_cache_touch(x, e0, now);
		xtr_encap_send(x, e0, p, ilen, &ip, true, now);
		return;
	}
	case XTR_DROP:
		x->st.drops[why]++;
		if (why == XTR_DROP_ETR_NOT_LOCAL || why == XTR_DROP_ETR_MOVED_EXPIRED)
			xtr_log_drop(x, why, src, &ip.dst, now);
		else
			log_debug_topic(LOG_TOPIC_DATA, "decap drop: %s", xtr_drop_name(why));
		return;
	}
}

/* A datagram that is one LISP packet around a TCP super-packet: the UDP tunnel GSO packet of
 * an ITR that encapsulated in its kernel (the in-kernel fast path, xtr/fastpath.h) and that
 * no device segmented on the way (veth hands it over whole, its inner checksum still the
 * pseudo-header sum; the socket does not say its segment size). Recognised by an inner TCP
 * packet longer than any our TUN device could carry whose checksum field holds only the
 * pseudo-header sum; cut into segments of the largest size the TUN device takes, each
 * decapsulated on its own. */
int xtr_etr_input_gso(struct xtr *x, const struct ipaddr *src, const uint8_t *data, size_t len,
		      uint64_t now)
{
	struct xtr_seg segs[XTR_GSO_MAXSEG];
	struct buf b, l4;
	struct lisp_data_hdr h;
	struct pkt_ip ip;
	struct pkt_tcp t;
	uint16_t field;

	if (len <= 8 + (size_t)x->cfg.tun_mtu)
		return -1;
	buf_init_read(&b, data, len);
	if (lisp_data_parse(&b, &h, NULL) == -1 || pkt_parse_ip(&b, &ip) == -1 ||
	    ip.tot_len != buf_left(&b) || ip.frag || ip.proto != PKT_PROTO_TCP ||
	    ip.tot_len <= x->cfg.tun_mtu || pkt_parse_tcp(&b, &ip, &t) == -1)
		return -1;
	l4 = b;
	if (buf_skip(&l4, (size_t)ip.hdr_len + 16) || buf_get_u16(&l4, &field))
		return -1;
	uint32_t l4len = (uint32_t)(ip.tot_len - ip.hdr_len);
	uint32_t ps = ip.version == 4 ? pkt_csum_add(pkt_csum_add(0, ip.src.a, 4), ip.dst.a, 4) +
					    PKT_PROTO_TCP + l4len
				      : pkt_csum_pseudo6(&ip.src, &ip.dst, l4len, PKT_PROTO_TCP);
	uint16_t partial = (uint16_t)~pkt_csum_fold(ps);
	if (field != partial && !(partial == 0xffff && field == 0) &&
	    !(partial == 0 && field == 0xffff))
		return -1; /* a complete packet: the kernel sees to it as to any other */
	size_t hdrs = (size_t)ip.hdr_len + t.hdr_len;
	if (hdrs >= x->cfg.tun_mtu)
		return -1;
	struct xtr_offload o = {.needs_csum = true,
				.gso_type = ip.version == 4 ? XTR_GSO_TCPV4 : XTR_GSO_TCPV6,
				.gso_size = (uint16_t)(x->cfg.tun_mtu - hdrs),
				.hdr_len = (uint16_t)hdrs,
				.csum_start = ip.hdr_len,
				.csum_offset = 16};
	/* delivered: written whole, the kernel cuts it where it forwards it */
	struct xtr_entry *e;
	enum xtr_drop why;
	if (x->io.tun_write_gso && xtr_etr_decide(x, &h, &ip, &e, &why, now) == XTR_DELIVER) {
		size_t pay = ip.tot_len - hdrs, n = (pay + o.gso_size - 1) / o.gso_size;
		x->st.etr_in += n;
		xtr_itr_seen(x, src, now);
		if (x->io.tun_write_gso(x->io.arg, &o, buf_cur(&b), ip.tot_len) == 0) {
			x->st.decap += n;
			x->st.decap_bytes += ip.tot_len + (n - 1) * hdrs;
		} else {
			x->st.drops[XTR_DROP_SEND] += n;
		}
		return 0;
	}
	size_t need = xtr_gso_space(ip.tot_len, o.gso_size);
	if (need > x->segcap) {
		uint8_t *nb = realloc(x->segbuf, need);
		if (nb == NULL)
			return -1;
		x->segbuf = nb;
		x->segcap = need;
	}
	int n = xtr_gso_segment(buf_cur(&b), ip.tot_len, &o, x->segbuf, x->segcap, segs,
				XTR_GSO_MAXSEG);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		uint8_t *p = segs[i].p - 8; /* the LISP header again, in the segment's headroom */
		memcpy(p, data, 8);
		xtr_etr_input(x, src, p, segs[i].len + 8, now);
	}
	/* the segments live in segbuf, reused by the next super-packet: send them now */
	xtr_flush(x);
	return 0;
}
