/* SPDX-License-Identifier: ISC */
/*
 * sys/netlink.c - rtnetlink requests and neighbour events (see netlink.h).
 *
 * Requests are built in a local aligned buffer we own (struct nlmsghdr and the family header
 * are ours to lay out); everything the kernel sends back is read with struct buf and
 * host-order helpers, one sub-view per message and per attribute. Errors carry the kernel's
 * extended ack message when there is one (NETLINK_EXT_ACK, NLMSGERR_ATTR_MSG).
 */
#include "sys/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/buf.h"

#define NL_RCVBUF 16384
#define NL_REQMAX 512

#ifndef AF_BRIDGE
#define AF_BRIDGE 7
#endif

/* ------------------------------------------------------------- request building */

struct nlreq {
	union {
		struct nlmsghdr h;
		uint8_t raw[NL_REQMAX];
	} u;
};

static void *req_init(struct nlreq *r, uint16_t type, uint16_t flags, size_t famlen)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(famlen);
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return r->u.raw + NLMSG_HDRLEN;
}

static int attr_add(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.h.nlmsg_len);
	size_t alen = RTA_LENGTH(len);
	if (off + RTA_ALIGN(alen) > sizeof(r->u.raw))
		return -EMSGSIZE;
	struct rtattr *a = (struct rtattr *)(void *)(r->u.raw + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)alen;
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->u.h.nlmsg_len = (uint32_t)(off + RTA_ALIGN(alen));
	return 0;
}

static int attr_u32(struct nlreq *r, uint16_t type, uint32_t v)
{
	return attr_add(r, type, &v, sizeof(v));
}

static int nest_start(struct nlreq *r, uint16_t type, size_t *off)
{
	*off = NLMSG_ALIGN(r->u.h.nlmsg_len);
	return attr_add(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct nlreq *r, size_t off)
{
	struct rtattr *a = (struct rtattr *)(void *)(r->u.raw + off);
	a->rta_len = (unsigned short)(r->u.h.nlmsg_len - off);
}

/* ------------------------------------------------------------- reply parsing */

static int get_h16(struct buf *b, uint16_t *v)
{
	return buf_get_bytes(b, v, sizeof(*v));
}
static int get_h32(struct buf *b, uint32_t *v)
{
	return buf_get_bytes(b, v, sizeof(*v));
}

/* One netlink message: header fields and a sub-view of its payload. */
struct nlmsg {
	uint32_t len, seq, pid;
	uint16_t type, flags;
	struct buf payload;
};

static int next_msg(struct buf *b, struct nlmsg *m)
{
	struct buf h;
	if (buf_left(b) < NLMSG_HDRLEN)
		return -1;
	h = *b;
	if (get_h32(&h, &m->len) || get_h16(&h, &m->type) || get_h16(&h, &m->flags) ||
	    get_h32(&h, &m->seq) || get_h32(&h, &m->pid))
		return -1;
	if (m->len < NLMSG_HDRLEN || m->len > buf_left(b))
		return -1;
	struct buf whole;
	if (buf_get_sub(b, m->len, &whole) || buf_skip(&whole, NLMSG_HDRLEN) ||
	    buf_get_sub(&whole, buf_left(&whole), &m->payload))
		return -1;
	/* messages are 4-aligned; the padding of the last one may be absent */
	size_t pad = NLMSG_ALIGN(m->len) - m->len;
	if (pad > buf_left(b))
		pad = buf_left(b);
	buf_skip(b, pad);
	return 0;
}

/* Next attribute of a region: type (NLA_TYPE_MASK applied) and a sub-view of its data. */
static int next_attr(struct buf *b, uint16_t *type, struct buf *data)
{
	uint16_t len;
	struct buf h = *b;
	if (get_h16(&h, &len) || get_h16(&h, type) || len < 4 || len > buf_left(b))
		return -1;
	*type &= NLA_TYPE_MASK;
	struct buf whole;
	if (buf_get_sub(b, len, &whole) || buf_skip(&whole, 4) ||
	    buf_get_sub(&whole, buf_left(&whole), data))
		return -1;
	size_t pad = RTA_ALIGN(len) - len;
	if (pad > buf_left(b))
		pad = buf_left(b);
	buf_skip(b, pad);
	return 0;
}

/* ------------------------------------------------------------- socket and transaction */

int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->timeout_ms = 2000;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		int e = errno;
		snprintf(nl->err, sizeof(nl->err), "netlink socket: %s", strerror(e));
		return -e;
	}
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = errno;
		snprintf(nl->err, sizeof(nl->err), "netlink bind: %s", strerror(e));
		close(nl->fd);
		nl->fd = -1;
		return -e;
	}
	nl->portid = sa.nl_pid;
	nl->seq = (uint32_t)getpid() << 8;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

typedef int (*reply_cb)(const struct nlmsg *m, void *arg);

/* Parse the NLMSG_ERROR payload: the errno and an extended-ack message if present. */
static int parse_error(const struct nlmsg *m, char *msg, size_t msglen)
{
	struct buf p = m->payload;
	uint32_t e32, olen;
	msg[0] = '\0';
	if (get_h32(&p, &e32))
		return -EPROTO;
	int32_t e = (int32_t)e32;
	if (e == 0)
		return 0;
	/* the original header (payload cut with NETLINK_CAP_ACK) */
	struct buf oh = p;
	if (get_h32(&oh, &olen))
		return e;
	size_t skip = (m->flags & NLM_F_CAPPED) ? NLMSG_HDRLEN : NLMSG_ALIGN(olen);
	if (buf_skip(&p, skip))
		return e;
	if (m->flags & NLM_F_ACK_TLVS) {
		uint16_t t;
		struct buf d;
		while (next_attr(&p, &t, &d) == 0) {
			if (t == NLMSGERR_ATTR_MSG) {
				size_t n = buf_left(&d);
				if (n >= msglen)
					n = msglen - 1;
				buf_get_bytes(&d, msg, n);
				msg[n] = '\0';
				msg[strnlen(msg, n)] = '\0';
			}
		}
	}
	return e > -4096 && e < 0 ? e : -EPROTO;
}

static int transact(struct nl *nl, struct nlreq *r, const char *what, reply_cb cb, void *arg)
{
	static uint8_t rbuf[NL_RCVBUF] __attribute__((aligned(4)));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	uint32_t seq = ++nl->seq;
	char kmsg[96];

	r->u.h.nlmsg_seq = seq;
	nl->err[0] = '\0';
	if (sendto(nl->fd, r->u.raw, r->u.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		snprintf(nl->err, sizeof(nl->err), "%s: send: %s", what, strerror(e));
		return -e;
	}
	for (int rounds = 0; rounds < 64; rounds++) {
		struct pollfd pfd = {.fd = nl->fd, .events = POLLIN};
		int pr = poll(&pfd, 1, nl->timeout_ms);
		if (pr <= 0) {
			int e = pr == 0 ? ETIMEDOUT : errno;
			if (e == EINTR)
				continue;
			snprintf(nl->err, sizeof(nl->err), "%s: %s", what, strerror(e));
			return -e;
		}
		ssize_t n = recv(nl->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			int e = errno;
			if (e == EINTR || e == EAGAIN)
				continue;
			snprintf(nl->err, sizeof(nl->err), "%s: recv: %s", what, strerror(e));
			return -e;
		}
		struct buf b;
		struct nlmsg m;
		buf_init_read(&b, rbuf, (size_t)n);
		while (next_msg(&b, &m) == 0) {
			if (m.seq != seq)
				continue; /* a stale answer to an earlier timed-out request */
			if (m.type == NLMSG_ERROR) {
				int e = parse_error(&m, kmsg, sizeof(kmsg));
				if (e)
					snprintf(nl->err, sizeof(nl->err), "%s: %s%s%s", what,
						 strerror(-e), kmsg[0] ? ": " : "", kmsg);
				return e;
			}
			if (m.type == NLMSG_DONE)
				return 0;
			if (cb) {
				int e = cb(&m, arg);
				if (e)
					return e;
			}
		}
	}
	snprintf(nl->err, sizeof(nl->err), "%s: no ack", what);
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------- routes */

static int family_of(const struct ipaddr *a)
{
	return a->afi == LISP_AFI_IPV4 ? AF_INET : a->afi == LISP_AFI_IPV6 ? AF_INET6 : -1;
}

static void describe(char *d, size_t len, const char *op, const struct ipaddr *a, int plen,
		     int ifindex)
{
	char s[IPADDR_STRLEN];
	ipaddr_str(a, s, sizeof(s));
	snprintf(d, len, "%s %s/%d dev %d", op, s, plen, ifindex);
}

static int route_req(struct nl *nl, const struct nl_route *rt, bool add)
{
	struct nlreq r;
	char what[96];
	int fam = family_of(&rt->dst);

	describe(what, sizeof(what), add ? "RTM_NEWROUTE" : "RTM_DELROUTE", &rt->dst, rt->plen,
		 rt->ifindex);
	if (fam < 0 || rt->plen > afi_max_plen(rt->dst.afi) ||
	    (rt->gw.afi && rt->gw.afi != rt->dst.afi)) {
		snprintf(nl->err, sizeof(nl->err), "%s: invalid route", what);
		return -EINVAL;
	}
	struct rtmsg *m = req_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE,
				   add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*m));
	m->rtm_family = (uint8_t)fam;
	m->rtm_dst_len = rt->plen;
	m->rtm_table = rt->table && rt->table < 256 ? (uint8_t)rt->table : RT_TABLE_MAIN;
	if (add) {
		m->rtm_protocol = rt->proto ? rt->proto : RTPROT_STATIC;
		m->rtm_scope = rt->gw.afi ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		m->rtm_type = RTN_UNICAST;
	} else {
		m->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if (attr_add(&r, RTA_DST, rt->dst.a, afi_addr_len(rt->dst.afi)) ||
	    (rt->ifindex && attr_u32(&r, RTA_OIF, (uint32_t)rt->ifindex)) ||
	    (rt->gw.afi && attr_add(&r, RTA_GATEWAY, rt->gw.a, afi_addr_len(rt->gw.afi))) ||
	    (rt->table && attr_u32(&r, RTA_TABLE, rt->table)) ||
	    (rt->metric && attr_u32(&r, RTA_PRIORITY, rt->metric)))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

int nl_route_add(struct nl *nl, const struct nl_route *r)
{
	return route_req(nl, r, true);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	return route_req(nl, r, false);
}

/* ------------------------------------------------------------- addresses */

static int addr_req(struct nl *nl, bool add, int ifindex, const struct ipaddr *a, uint8_t plen,
		    uint32_t flags)
{
	struct nlreq r;
	char what[96];
	int fam = family_of(a);

	describe(what, sizeof(what), add ? "RTM_NEWADDR" : "RTM_DELADDR", a, plen, ifindex);
	if (fam < 0 || plen > afi_max_plen(a->afi) || ifindex <= 0) {
		snprintf(nl->err, sizeof(nl->err), "%s: invalid address", what);
		return -EINVAL;
	}
	struct ifaddrmsg *m = req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
				       add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*m));
	m->ifa_family = (uint8_t)fam;
	m->ifa_prefixlen = plen;
	m->ifa_flags = (uint8_t)(flags & 0xff);
	m->ifa_scope = RT_SCOPE_UNIVERSE;
	m->ifa_index = (uint32_t)ifindex;
	size_t alen = afi_addr_len(a->afi);
	if (attr_add(&r, IFA_LOCAL, a->a, alen) || attr_add(&r, IFA_ADDRESS, a->a, alen) ||
	    (add && flags && attr_u32(&r, IFA_FLAGS, flags)))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

int nl_addr_add(struct nl *nl, int ifindex, const struct ipaddr *a, uint8_t plen, uint32_t flags)
{
	return addr_req(nl, true, ifindex, a, plen, flags);
}

int nl_addr_del(struct nl *nl, int ifindex, const struct ipaddr *a, uint8_t plen)
{
	return addr_req(nl, false, ifindex, a, plen, 0);
}

/* ------------------------------------------------------------- links */

int nl_ifindex(const char *name)
{
	unsigned i = if_nametoindex(name);
	return i ? (int)i : -ENODEV;
}

static struct ifinfomsg *link_req(struct nlreq *r, uint16_t type, uint16_t flags, int ifindex)
{
	struct ifinfomsg *m = req_init(r, type, flags, sizeof(*m));
	m->ifi_family = AF_UNSPEC;
	m->ifi_index = ifindex;
	return m;
}

int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	struct nlreq r;
	char what[64];
	struct ifinfomsg *m = link_req(&r, RTM_NEWLINK, 0, ifindex);
	m->ifi_change = IFF_UP;
	m->ifi_flags = up ? IFF_UP : 0;
	snprintf(what, sizeof(what), "RTM_NEWLINK dev %d %s", ifindex, up ? "up" : "down");
	return transact(nl, &r, what, NULL, NULL);
}

int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned mtu)
{
	struct nlreq r;
	char what[64];
	link_req(&r, RTM_NEWLINK, 0, ifindex);
	snprintf(what, sizeof(what), "RTM_NEWLINK dev %d mtu %u", ifindex, mtu);
	if (attr_u32(&r, IFLA_MTU, mtu))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6])
{
	struct nlreq r;
	char what[80];
	link_req(&r, RTM_NEWLINK, 0, ifindex);
	snprintf(what, sizeof(what), "RTM_NEWLINK dev %d address %02x:%02x:%02x:%02x:%02x:%02x",
		 ifindex, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (attr_add(&r, IFLA_ADDRESS, mac, 6))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

int nl_link_set_master(struct nl *nl, int ifindex, int master)
{
	struct nlreq r;
	char what[64];
	link_req(&r, RTM_NEWLINK, 0, ifindex);
	snprintf(what, sizeof(what), "RTM_NEWLINK dev %d master %d", ifindex, master);
	if (attr_u32(&r, IFLA_MASTER, (uint32_t)master))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

int nl_bridge_add(struct nl *nl, const char *name, const uint8_t *mac)
{
	struct nlreq r;
	char what[64];
	size_t li;
	size_t n = strlen(name);

	snprintf(what, sizeof(what), "RTM_NEWLINK %s type bridge", name);
	if (n == 0 || n >= IFNAMSIZ) {
		snprintf(nl->err, sizeof(nl->err), "%s: bad name", what);
		return -EINVAL;
	}
	link_req(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	if (attr_add(&r, IFLA_IFNAME, name, n + 1) || (mac && attr_add(&r, IFLA_ADDRESS, mac, 6)) ||
	    nest_start(&r, IFLA_LINKINFO, &li) || attr_add(&r, IFLA_INFO_KIND, "bridge", 6))
		return -EMSGSIZE;
	nest_end(&r, li);
	return transact(nl, &r, what, NULL, NULL);
}

int nl_link_del(struct nl *nl, int ifindex)
{
	struct nlreq r;
	char what[64];
	link_req(&r, RTM_DELLINK, 0, ifindex);
	snprintf(what, sizeof(what), "RTM_DELLINK dev %d", ifindex);
	return transact(nl, &r, what, NULL, NULL);
}

int nl_bridge_port_isolated(struct nl *nl, int port_ifindex, bool on)
{
	struct nlreq r;
	char what[64];
	size_t pi;
	uint8_t v = on ? 1 : 0;
	struct ifinfomsg *m = link_req(&r, RTM_SETLINK, 0, port_ifindex);
	m->ifi_family = AF_BRIDGE;
	snprintf(what, sizeof(what), "RTM_SETLINK bridge port %d isolated %s", port_ifindex,
		 on ? "on" : "off");
	if (nest_start(&r, IFLA_PROTINFO, &pi) || attr_add(&r, IFLA_BRPORT_ISOLATED, &v, 1))
		return -EMSGSIZE;
	nest_end(&r, pi);
	return transact(nl, &r, what, NULL, NULL);
}

static int link_reply(const struct nlmsg *m, void *arg)
{
	struct nl_link *l = arg;
	struct buf p = m->payload, d;
	uint8_t fam, pad;
	uint16_t type, t;
	uint32_t idx, flags, change;

	if (m->type != RTM_NEWLINK)
		return 0;
	if (buf_get_u8(&p, &fam) || buf_get_u8(&p, &pad) || get_h16(&p, &type) ||
	    get_h32(&p, &idx) || get_h32(&p, &flags) || get_h32(&p, &change))
		return -EPROTO;
	l->ifindex = (int)idx;
	l->flags = flags;
	while (next_attr(&p, &t, &d) == 0) {
		uint32_t v;
		if (t == IFLA_MTU && get_h32(&d, &v) == 0)
			l->mtu = v;
		else if (t == IFLA_MASTER && get_h32(&d, &v) == 0)
			l->master = (int)v;
		else if (t == IFLA_ADDRESS && buf_left(&d) == 6)
			l->has_mac = buf_get_bytes(&d, l->mac, 6) == 0;
		else if (t == IFLA_IFNAME) {
			size_t n = buf_left(&d);
			if (n >= sizeof(l->name))
				n = sizeof(l->name) - 1;
			buf_get_bytes(&d, l->name, n);
			l->name[n] = '\0';
		}
	}
	return 0;
}

int nl_link_get(struct nl *nl, int ifindex, struct nl_link *out)
{
	struct nlreq r;
	char what[64];
	memset(out, 0, sizeof(*out));
	link_req(&r, RTM_GETLINK, 0, ifindex);
	snprintf(what, sizeof(what), "RTM_GETLINK dev %d", ifindex);
	int rc = transact(nl, &r, what, link_reply, out);
	if (rc == 0 && out->ifindex != ifindex) {
		snprintf(nl->err, sizeof(nl->err), "%s: no answer", what);
		return -ENODEV;
	}
	return rc;
}

/* ------------------------------------------------------------- neighbours */

int nl_neigh_del(struct nl *nl, int ifindex, const struct ipaddr *a)
{
	struct nlreq r;
	char what[96];
	int fam = family_of(a);

	describe(what, sizeof(what), "RTM_DELNEIGH", a, (int)afi_max_plen(a->afi), ifindex);
	if (fam < 0) {
		snprintf(nl->err, sizeof(nl->err), "%s: invalid address", what);
		return -EINVAL;
	}
	struct ndmsg *m = req_init(&r, RTM_DELNEIGH, 0, sizeof(*m));
	m->ndm_family = (uint8_t)fam;
	m->ndm_ifindex = ifindex;
	if (attr_add(&r, NDA_DST, a->a, afi_addr_len(a->afi)))
		return -EMSGSIZE;
	return transact(nl, &r, what, NULL, NULL);
}

/* ------------------------------------------------------------- events */

int nl_open_events(struct nl *nl)
{
	int rc = nl_open(nl);
	if (rc)
		return rc;
	int grp = RTNLGRP_NEIGH, rcv = 1 << 20;
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		int e = errno;
		snprintf(nl->err, sizeof(nl->err), "netlink join RTNLGRP_NEIGH: %s", strerror(e));
		nl_close(nl);
		return -e;
	}
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	int fl = fcntl(nl->fd, F_GETFL);
	if (fl < 0 || fcntl(nl->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		snprintf(nl->err, sizeof(nl->err), "netlink O_NONBLOCK: %s", strerror(e));
		nl_close(nl);
		return -e;
	}
	return 0;
}

static int parse_neigh(const struct nlmsg *m, struct nl_neigh_event *ev)
{
	struct buf p = m->payload, d;
	uint8_t pad1, type;
	uint16_t pad2, t;
	uint32_t idx;

	memset(ev, 0, sizeof(*ev));
	ev->deleted = m->type == RTM_DELNEIGH;
	if (buf_get_u8(&p, &ev->family) || buf_get_u8(&p, &pad1) || get_h16(&p, &pad2) ||
	    get_h32(&p, &idx) || get_h16(&p, &ev->state) || buf_get_u8(&p, &ev->flags) ||
	    buf_get_u8(&p, &type))
		return -1;
	ev->ifindex = (int)idx;
	if (ev->family != AF_INET && ev->family != AF_INET6 && ev->family != AF_BRIDGE)
		return -1;
	while (buf_left(&p) > 0) {
		if (next_attr(&p, &t, &d))
			return -1;
		uint32_t v;
		uint16_t v16;
		switch (t) {
		case NDA_DST:
			if (ev->family == AF_INET && buf_left(&d) == 4)
				ev->addr.afi = LISP_AFI_IPV4;
			else if (ev->family == AF_INET6 && buf_left(&d) == 16)
				ev->addr.afi = LISP_AFI_IPV6;
			else
				break;
			buf_get_bytes(&d, ev->addr.a, buf_left(&d));
			break;
		case NDA_LLADDR:
			if (buf_left(&d) == 6)
				ev->has_lladdr = buf_get_bytes(&d, ev->lladdr, 6) == 0;
			break;
		case NDA_MASTER:
			if (get_h32(&d, &v) == 0)
				ev->master = (int)v;
			break;
		case NDA_VLAN:
			if (get_h16(&d, &v16) == 0)
				ev->vlan = v16;
			break;
		default:
			break;
		}
	}
	return 0;
}

int nl_parse_neigh_msgs(const void *data, size_t len, nl_neigh_cb cb, void *arg)
{
	struct buf b;
	struct nlmsg m;
	struct nl_neigh_event ev;
	int n = 0;

	buf_init_read(&b, data, len);
	while (next_msg(&b, &m) == 0) {
		if (m.type != RTM_NEWNEIGH && m.type != RTM_DELNEIGH)
			continue;
		if (parse_neigh(&m, &ev))
			continue;
		n++;
		if (cb)
			cb(&ev, arg);
	}
	return n;
}

int nl_read_events(struct nl *nl, nl_neigh_cb cb, void *arg)
{
	static uint8_t rbuf[NL_RCVBUF] __attribute__((aligned(4)));
	int total = 0;

	for (int i = 0; i < 256; i++) { /* bounded per call: leave the loop to others */
		ssize_t n = recv(nl->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			int e = errno;
			snprintf(nl->err, sizeof(nl->err), "netlink events: %s", strerror(e));
			return -e;
		}
		if (n == 0)
			break;
		total += nl_parse_neigh_msgs(rbuf, (size_t)n, cb, arg);
	}
	return total;
}
