/* SPDX-License-Identifier: ISC */
/*
 * bgp/session.c - the TCP side of the speaker: the listener, non-blocking connects
 * (IPv4 and IPv6), TCP-MD5 signatures (RFC 2385: TCP_MD5SIG per peer on the listening
 * socket and on each connecting socket), message framing and dispatch into the FSM
 * (RFC 4271 §4.1, §6.1), building and checking OPEN (§4.2, §6.2; capabilities RFC 5492,
 * RFC 6793, RFC 4760, RFC 7911, RFC 8950, RFC 2918, RFC 4724) and connection collision
 * detection (§6.8 with both connections of a peer tracked, and RFC 4724 §4.2: a new
 * connection from an Established GR peer that completes its OPEN exchange means the peer
 * restarted). Bytes from the network are only read through proto/ (struct buf).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

/* ---- addresses ---- */
static socklen_t to_sockaddr(const struct ipaddr *a, uint16_t port, bool v6,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->afi == LISP_AFI_IPV4 && !v6) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->a, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	if (a->afi == LISP_AFI_IPV4) { /* IPv4-mapped, for a dual-stack socket */
		s->sin6_addr.s6_addr[10] = 0xff;
		s->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s->sin6_addr.s6_addr[12], a->a, 4);
	} else if (a->afi == LISP_AFI_IPV6) {
		memcpy(&s->sin6_addr, a->a, 16);
	}
	return sizeof(*s);
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		a->afi = LISP_AFI_IPV4;
		memcpy(a->a, &s->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(s->sin6_addr.s6_addr, mapped, 12) == 0) {
			a->afi = LISP_AFI_IPV4;
			memcpy(a->a, &s->sin6_addr.s6_addr[12], 4);
		} else {
			a->afi = LISP_AFI_IPV6;
			memcpy(a->a, &s->sin6_addr, 16);
		}
	}
}

int bgp_conn_local_addr(const struct bgp_conn *c, struct ipaddr *out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (c == NULL || c->fd < 0 || getsockname(c->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return -1;
	from_sockaddr(&ss, out);
	return 0;
}

static bool addr_is_any(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	return a->afi == LISP_AFI_NONE || memcmp(a->a, zero, sizeof(zero)) == 0;
}

/* RFC 2385 on Linux (ci-and-kernel-notes.md): the key is per peer address; len 0 deletes. */
static int md5_set(int fd, const struct ipaddr *peer, bool v6sock, const char *password)
{
	struct tcp_md5sig sig;
	struct sockaddr_storage ss;
	size_t klen = strlen(password);

	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return -1;
	memset(&sig, 0, sizeof(sig));
	to_sockaddr(peer, 0, v6sock, &ss);
	memcpy(&sig.tcpm_addr, &ss, sizeof(ss));
	sig.tcpm_keylen = (uint16_t)klen;
	memcpy(sig.tcpm_key, password, klen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
}

void bgp_md5_set_listener(struct bgp *b, const struct bgp_peer *p, bool on)
{
	if (b->lfd < 0 || p->cfg.password[0] == '\0')
		return;
	bool v6 = b->cfg->listen_addr.afi == LISP_AFI_IPV6;
	if (!v6 && p->cfg.addr.afi == LISP_AFI_IPV6)
		return;
	if (md5_set(b->lfd, &p->cfg.addr, v6, on ? p->cfg.password : "") < 0)
		log_warn("bgp %s: TCP_MD5SIG on the listener", p->name);
}

/* ---- events to the embedding daemon ---- */
void bgp_emit(struct bgp_peer *p, enum bgp_ev_kind kind, const struct lisp_prefix *eid,
	      const struct bgp_host_mapping *m, bool stale, bool purged)
{
	struct bgp *b = p->bgp;

	if (b->cb == NULL)
		return;
	struct bgp_event ev = {.kind = kind,
			       .peer = p,
			       .peer_addr = &p->cfg.addr,
			       .eid = eid,
			       .mapping = m,
			       .stale = stale,
			       .purged = purged};
	b->cb(&ev, b->cb_arg);
}

/* ---- connections ---- */
static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static void closing_done(struct bgp_closing *k)
{
	*k->pprev = k->next;
	if (k->next)
		k->next->pprev = k->pprev;
	bufferevent_free(k->bev);
	free(k);
}

static void closing_write_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		closing_done(arg);
}

static void closing_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	closing_done(arg);
}

void bgp_closing_free_all(struct bgp *b)
{
	while (b->closing)
		closing_done(b->closing);
}

/* Close a connection: what is queued (a NOTIFICATION) is still written, bounded by a
 * 3 s write timeout, then the socket closes; the conn struct is freed now. */
void bgp_conn_close(struct bgp_conn *c)
{
	if (c == NULL)
		return;
	if (c->bev) {
		struct bufferevent *bev = c->bev;
		struct evbuffer *out = bufferevent_get_output(bev);
		struct bgp_closing *k = NULL;
		bufferevent_disable(bev, EV_READ);
		if (c->connected && evbuffer_get_length(out) > 0) {
			/* a socket bufferevent keeps the start of its output frozen (only its
			 * own write callback drains it): without the thaw this write always
			 * failed and bgp_free (closing_free_all) lost the Cease */
			evbuffer_unfreeze(out, 1);
			evbuffer_write(out, bufferevent_getfd(bev)); /* most often all of it */
			evbuffer_freeze(out, 1);
		}
		if (c->connected && evbuffer_get_length(out) > 0)
			k = calloc(1, sizeof(*k));
		if (k == NULL) {
			bufferevent_free(bev);
		} else {
			struct bgp *b = c->peer->bgp;
			struct timeval wt = {3, 0};
			k->bev = bev;
			k->next = b->closing;
			k->pprev = &b->closing;
			if (b->closing)
				b->closing->pprev = &k->next;
			b->closing = k;
			bufferevent_setcb(bev, NULL, closing_write_cb, closing_event_cb, k);
			bufferevent_set_timeouts(bev, NULL, &wt);
			bufferevent_enable(bev, EV_WRITE);
		}
	} else if (c->fd >= 0) {
		close(c->fd);
	}
	free(c);
}

static struct bgp_conn *conn_new(struct bgp_peer *p, int fd, bool outgoing)
{
	struct bgp_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->peer = p;
	c->fd = fd;
	c->outgoing = outgoing;
	c->bev = bufferevent_socket_new(p->bgp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

struct bgp_conn *bgp_conn_adopt(struct bgp_peer *p, int fd, bool outgoing)
{
	struct bgp_conn *c = conn_new(p, fd, outgoing);

	if (c)
		c->connected = true;
	return c;
}

int bgp_conn_connect(struct bgp_peer *p)
{
	struct bgp *b = p->bgp;
	struct sockaddr_storage ss, ls;
	socklen_t sl = to_sockaddr(&p->cfg.addr, p->cfg.port, false, &ss);
	int one = 1;

	if (p->conn) {
		bgp_conn_close(p->conn);
		p->conn = NULL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("bgp %s: socket", p->name);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->cfg.password[0] && md5_set(fd, &p->cfg.addr, false, p->cfg.password) < 0) {
		log_warn("bgp %s: TCP_MD5SIG", p->name);
		close(fd);
		return -1;
	}
	const struct ipaddr *src = NULL;
	if (p->cfg.local.afi == p->cfg.addr.afi)
		src = &p->cfg.local;
	else if (b->cfg->listen && b->cfg->listen_addr.afi == p->cfg.addr.afi &&
		 !addr_is_any(&b->cfg->listen_addr))
		src = &b->cfg->listen_addr;
	if (src) {
		socklen_t ll = to_sockaddr(src, 0, false, &ls);
		if (bind(fd, (struct sockaddr *)&ls, ll) < 0) {
			log_warn("bgp %s: bind source", p->name);
			close(fd);
			return -1;
		}
	}
	struct bgp_conn *c = conn_new(p, fd, true);
	if (c == NULL)
		return -1;
	p->conn = c;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sl) < 0) {
		log_debug_topic(LOG_TOPIC_BGP, "bgp %s: connect: %s", p->name, strerror(errno));
		bgp_conn_close(c);
		p->conn = NULL;
		return -1;
	}
	return 0;
}

/* ---- sending ---- */
static int conn_write(struct bgp_peer *p, struct bgp_conn *c, const void *msg, size_t len)
{
	if (c == NULL || c->bev == NULL)
		return -1;
	if (bufferevent_write(c->bev, msg, len) < 0)
		return -1;
	p->msgs_out++;
	return 0;
}

int bgp_send_raw(struct bgp_peer *p, const void *msg, size_t len)
{
	return conn_write(p, p->conn, msg, len);
}

int bgp_send_keepalive(struct bgp_peer *p)
{
	uint8_t m[BGP_HDR_LEN];
	struct buf w;

	buf_init_write(&w, m, sizeof(m));
	if (bgp_build_keepalive(&w, NULL) < 0)
		return -1;
	return bgp_send_raw(p, m, w.len);
}

int bgp_send_notification(struct bgp_peer *p, struct bgp_conn *c, uint8_t code, uint8_t sub,
			  const void *data, size_t len)
{
	uint8_t m[BGP_MAX_LEN];
	struct buf w;

	if (c == p->conn) {
		p->last_err_code = code;
		p->last_err_subcode = sub;
		p->last_err_sent = true;
		snprintf(p->last_reason, sizeof(p->last_reason), "sent %s / %s",
			 bgp_err_code_name(code), bgp_err_subcode_name(code, sub));
		/* RFC 8538 §4: sending one ends the session gracefully too when N was
		 * negotiated, unless it is a Hard Reset */
		p->down_graceful = p->opts.gr_notify &&
				   !(code == BGP_ERR_CEASE && sub == BGP_ERR_CEASE_HARD_RESET);
	}
	log_info("bgp %s: NOTIFICATION sent: %s / %s", p->name, bgp_err_code_name(code),
		 bgp_err_subcode_name(code, sub));
	buf_init_write(&w, m, sizeof(m));
	if (bgp_build_notification(&w, code, sub, data, len, NULL) < 0)
		return -1;
	return conn_write(p, c, m, w.len);
}

void bgp_build_local_caps(struct bgp_peer *p, struct bgp_caps *c)
{
	const struct bgp_cfg *bc = p->bgp->cfg;

	memset(c, 0, sizeof(*c));
	for (unsigned aid = 0; aid < BGP_AID_MAX; aid++) {
		uint16_t afi = bgp_aid_afi(aid);
		uint8_t safi = bgp_aid_safi(aid);
		if (!(p->cfg.families & BGP_AID_BIT(aid)))
			continue;
		c->mp[c->n_mp++] = (struct bgp_capa_af){afi, safi, 0};
		if (p->cfg.addpath)
			c->addpath[c->n_addpath++] =
			    (struct bgp_capa_af){afi, safi, p->cfg.addpath};
		/* F: forwarding state kept across our restart (struct bgp_cfg gr_forwarding), or
		 * across the graceful end of the last session (RFC 4724 §4.2, RFC 8538 §4) */
		if (p->cfg.gr)
			c->gr_af[c->n_gr++] = (struct bgp_capa_af){
			    afi, safi, bc->gr_forwarding || p->gr_fwd_next ? BGP_GR_AF_F_FWD : 0};
	}
	c->route_refresh = true;
	c->as4 = true;
	c->as4_asn = bc->local_as;
	/* RFC 8950: IPv4 unicast and VPN-IPv4 routes over IPv6 next hops, for the families
	 * configured */
	static const unsigned v4aids[] = {BGP_AID_IPV4, BGP_AID_VPNV4};
	for (unsigned i = 0; p->cfg.ext_nh && i < nitems(v4aids); i++)
		if (p->cfg.families & BGP_AID_BIT(v4aids[i]))
			c->extnh[c->n_extnh++] = (struct bgp_capa_extnh){
			    BGP_AFI_IPV4, bgp_aid_safi(v4aids[i]), BGP_AFI_IPV6};
	if (p->cfg.gr) {
		c->gr = true;
		c->gr_time = bc->gr_time > BGP_GR_TIME_MAX ? BGP_GR_TIME_MAX : bc->gr_time;
		/* RFC 4724 §3, §4.1: R after a restart, until our initial update is done
		 * (End-of-RIB to every GR peer, or our restart time), so the peer does not wait for
		 * our End-of-RIB before sending its own */
		c->gr_flags = p->bgp->restarting ? BGP_GR_F_RESTART : 0;
		/* RFC 8538 §2: N - NOTIFICATIONs keep the GR procedures (bgp.h) */
		if (p->cfg.gr_notify)
			c->gr_flags |= BGP_GR_F_NOTIFY;
	}
}

int bgp_send_open(struct bgp_peer *p, struct bgp_conn *c)
{
	const struct bgp_cfg *bc = p->bgp->cfg;
	struct bgp_open o;
	uint8_t m[BGP_MAX_LEN];
	struct buf w;
	struct proto_err e;

	memset(&o, 0, sizeof(o));
	o.version = BGP_VERSION;
	o.my_as = bc->local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)bc->local_as;
	o.hold_time = p->cfg.hold_time;
	o.bgp_id = bc->router_id;
	bgp_build_local_caps(p, &o.caps);
	buf_init_write(&w, m, sizeof(m));
	if (bgp_build_open(&w, &o, &e) < 0) {
		log_warnx("bgp %s: cannot build OPEN: %s", p->name, e.reason);
		return -1;
	}
	if (conn_write(p, c, m, w.len) < 0)
		return -1;
	c->open_sent = true;
	c->lcaps = o.caps;
	if (c == p->conn) {
		p->lcaps = o.caps;
		p->sent_restart = (o.caps.gr_flags & BGP_GR_F_RESTART) != 0;
	}
	return 0;
}

int bgp_open_check(struct bgp_peer *p, const struct bgp_open *o)
{
	const struct bgp_cfg *bc = p->bgp->cfg;
	uint32_t asn = bgp_open_asn(o);
	uint8_t data[2];

	if (p->cfg.remote_as && asn != p->cfg.remote_as) {
		data[0] = (uint8_t)(o->my_as >> 8);
		data[1] = (uint8_t)o->my_as;
		log_warnx("bgp %s: OPEN with AS %u, expected %u", p->name, asn, p->cfg.remote_as);
		bgp_send_notification(p, p->conn, BGP_ERR_OPEN, BGP_ERR_OPEN_AS, data, 2);
		return -1;
	}
	if (o->hold_time == 1 || o->hold_time == 2) { /* RFC 4271 §6.2 */
		bgp_send_notification(p, p->conn, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD, NULL, 0);
		return -1;
	}
	if (o->bgp_id == bc->router_id && asn == bc->local_as) { /* RFC 6286 §2.2 */
		bgp_send_notification(p, p->conn, BGP_ERR_OPEN, BGP_ERR_OPEN_BGPID, NULL, 0);
		return -1;
	}
	p->hold = o->hold_time < p->cfg.hold_time ? o->hold_time : p->cfg.hold_time;
	p->remote_id = o->bgp_id;
	bgp_caps_negotiate(&p->lcaps, &o->caps, asn == bc->local_as, &p->opts);
	if (!p->cfg.ext_nh)
		p->opts.ext_nh = 0;
	p->peer_gr = p->cfg.gr && o->caps.gr;
	p->peer_gr_time = o->caps.gr_time;
	p->peer_gr_afs = p->peer_gr_fwd = 0;
	for (unsigned i = 0; i < o->caps.n_gr && i < BGP_CAPA_AF_MAX; i++) {
		int aid = bgp_aid(o->caps.gr_af[i].afi, o->caps.gr_af[i].safi);
		if (aid < 0)
			continue;
		p->peer_gr_afs |= (uint8_t)BGP_AID_BIT(aid);
		if (o->caps.gr_af[i].flags & BGP_GR_AF_F_FWD)
			p->peer_gr_fwd |= (uint8_t)BGP_AID_BIT(aid);
	}
	if (p->conn) {
		p->conn->ropen = *o;
		memset(&p->conn->ropen.caps.unknown, 0, sizeof(p->conn->ropen.caps.unknown));
		p->conn->open_rcvd = true;
	}
	return 0;
}

/* ---- receiving ---- */

/* ---- §6.8 connection collisions (the rules: struct bgp_conn in bgp_int.h) ---- */

/* True when the connection we opened is the one to keep: the connection opened by the
 * speaker with the higher BGP Identifier survives; with equal Identifiers (allowed between
 * ASes) the higher AS number decides (RFC 6286 §2.3). */
static bool keep_ours(const struct bgp_peer *p, uint32_t remote_id, uint32_t remote_as)
{
	const struct bgp_cfg *bc = p->bgp->cfg;

	if (bc->router_id != remote_id)
		return bc->router_id > remote_id;
	return bc->local_as > remote_as;
}

/* The second connection (the peer's) wins against the FSM's? When both are the peer's,
 * the newer stands: the peer has given the older up. */
static bool coll_second_wins(const struct bgp_peer *p, const struct bgp_open *o)
{
	if (p->conn == NULL || !p->conn->outgoing)
		return true;
	return !keep_ours(p, o->bgp_id, bgp_open_asn(o));
}

/* Close the second connection: 6/7 when it lost a comparison, silently otherwise. */
static void coll_drop(struct bgp_peer *p, bool notify)
{
	struct bgp_conn *c = p->coll;

	p->coll = NULL;
	if (c == NULL)
		return;
	if (notify) {
		bgp_send_notification(p, c, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
		p->coll_sent++;
	}
	bgp_conn_close(c);
}

/* The second connection becomes the FSM's, in OpenSent (our OPEN goes out on it now if it
 * had not); the FSM's connection, if any, is closed (with 6/7 when `notify`). The state
 * change is the one the RFC's per-connection FSMs imply: the surviving connection's FSM
 * simply continues. 0, or -1 (the peer is Idle then). */
static int coll_promote(struct bgp_peer *p, bool notify)
{
	struct bgp_conn *c = p->coll, *old = p->conn;

	p->coll = NULL;
	if (old) {
		if (notify) {
			bgp_send_notification(p, old, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL,
					      0);
			p->coll_sent++;
		}
		bgp_conn_close(old);
	}
	p->conn = c;
	if (c->bev)
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	memset(&p->opts, 0, sizeof(p->opts));
	p->hold = 0;
	p->remote_id = 0;
	bgp_timer_set(p, p->t_connect_retry, 0);
	bgp_timer_set(p, p->t_keepalive, 0);
	if (!c->open_sent && bgp_send_open(p, c) < 0) {
		bgp_change_state(p, BGP_ST_IDLE);
		return -1;
	}
	p->lcaps = c->lcaps;
	p->sent_restart = (c->lcaps.gr_flags & BGP_GR_F_RESTART) != 0;
	bgp_timer_set(p, p->t_hold, BGP_OPENSENT_HOLD);
	bgp_change_state(p, BGP_ST_OPENSENT);
	return 0;
}

/* RFC 4724 §4.2: the peer restarted - the Established session is dead (its routes turn
 * stale, no NOTIFICATION: the peer has lost that connection), the second connection is
 * the new session. With the peer's OPEN already received on it, it is processed now. */
static void coll_takeover(struct bgp_peer *p)
{
	struct bgp_conn *c = p->coll;
	struct bgp_open o = c->ropen;
	bool have_open = c->open_rcvd;

	log_info("bgp %s: the peer restarted: its new connection replaces the session", p->name);
	p->coll = NULL; /* not closed by Idle */
	p->down_graceful = true;
	bgp_change_state(p, BGP_ST_IDLE);
	p->coll = c;
	if (coll_promote(p, false) == 0 && have_open)
		bgp_fsm_event(p, BGP_FEV_OPEN, &o);
}

/* An OPEN on the second connection. */
static void coll_open(struct bgp_peer *p, struct bgp_conn *c, const struct bgp_open *o)
{
	switch (p->state) {
	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		/* no OPEN went out on ours: the peer cannot pick it; drop it silently */
		if (coll_promote(p, false) == 0)
			bgp_fsm_event(p, BGP_FEV_OPEN, o);
		return;
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		if (!coll_second_wins(p, o)) {
			log_info("bgp %s: connection collision: keeping ours", p->name);
			coll_drop(p, true);
			return;
		}
		log_info("bgp %s: connection collision: keeping the peer's", p->name);
		if (coll_promote(p, true) == 0)
			bgp_fsm_event(p, BGP_FEV_OPEN, o);
		return;
	case BGP_ST_ESTABLISHED:
		if (!p->peer_gr) {
			log_info("bgp %s: connection collision with the Established session",
				 p->name);
			coll_drop(p, true);
			return;
		}
		/* RFC 4724 §4.2: maybe the peer restarted. Answer with our OPEN and wait for
		 * its KEEPALIVE (it took this connection as its session) before declaring the
		 * session dead: a leftover of a collision gets 6/7 or a close instead. */
		if (!c->open_sent && bgp_send_open(p, c) < 0) {
			coll_drop(p, false);
			return;
		}
		c->ropen = *o;
		memset(&c->ropen.caps.unknown, 0, sizeof(c->ropen.caps.unknown));
		c->open_rcvd = true;
		log_info("bgp %s: OPEN on a new connection while Established: restart?", p->name);
		return;
	default:
		coll_drop(p, false);
		return;
	}
}

/* Any other message on the second connection. */
static void coll_msg(struct bgp_peer *p, struct bgp_conn *c, const struct bgp_msg *m)
{
	if (m->type == BGP_KEEPALIVE && p->state == BGP_ST_ESTABLISHED && c->open_rcvd) {
		coll_takeover(p);
		if (p->state == BGP_ST_OPENCONFIRM)
			bgp_fsm_event(p, BGP_FEV_KEEPALIVE, NULL);
		return;
	}
	if (m->type == BGP_NOTIFICATION) {
		if (m->u.notification.code == BGP_ERR_CEASE &&
		    m->u.notification.subcode == BGP_ERR_CEASE_COLLISION)
			p->coll_rcvd++;
		log_info("bgp %s: NOTIFICATION received on the second connection: %s / %s", p->name,
			 bgp_err_code_name(m->u.notification.code),
			 bgp_err_subcode_name(m->u.notification.code, m->u.notification.subcode));
	}
	coll_drop(p, false);
}

/* The FSM's connection failed (TCP) while a second one exists: that one carries on. */
static bool conn_fail_to_second(struct bgp_peer *p)
{
	if (p->coll == NULL)
		return false;
	if (p->state == BGP_ST_ESTABLISHED) {
		if (!p->peer_gr)
			return false;
		coll_takeover(p);
		return true;
	}
	if (p->state == BGP_ST_IDLE)
		return false;
	coll_promote(p, false);
	return true;
}

static void conn_fail(struct bgp_peer *p, struct bgp_conn *c, int ev, const void *arg)
{
	if (c == p->coll) {
		coll_drop(p, false);
		return;
	}
	if (ev == BGP_FEV_TCP_FAIL && conn_fail_to_second(p))
		return;
	bgp_fsm_event(p, ev, arg);
}

static void handle_msg(struct bgp_peer *p, struct bgp_conn *c, uint8_t type, const uint8_t *msg,
		       size_t len)
{
	struct buf mb;
	struct bgp_msg m;
	struct bgp_err err;

	memset(&err, 0, sizeof(err));
	buf_init_read(&mb, msg, len);
	if (bgp_msg_parse(&mb, &p->opts, &m, &err) < 0) {
		log_input_key(p->name, "bgp %s: bad %s: %s", p->name, bgp_msg_type_name(type),
			      err.e.reason ? err.e.reason : "?");
		int ev = type == BGP_OPEN     ? BGP_FEV_OPEN_ERR
			 : type == BGP_UPDATE ? BGP_FEV_UPDATE_ERR
					      : BGP_FEV_HDR_ERR;
		if (p->state == BGP_ST_ESTABLISHED && ev == BGP_FEV_UPDATE_ERR)
			conn_fail(p, c, ev, &err);
		else
			conn_fail(p, c, ev == BGP_FEV_UPDATE_ERR ? BGP_FEV_HDR_ERR : ev, &err);
		return;
	}
	if (c == p->coll) {
		if (m.type == BGP_OPEN)
			coll_open(p, c, &m.u.open);
		else
			coll_msg(p, c, &m);
		return;
	}
	switch (m.type) {
	case BGP_OPEN:
		if (p->coll && p->state == BGP_ST_OPENSENT) {
			/* §6.8: we sent an OPEN on both; the Identifiers decide */
			if (!p->coll->open_sent) {
				coll_drop(p, false);
			} else if (coll_second_wins(p, &m.u.open)) {
				log_info("bgp %s: connection collision: keeping the peer's",
					 p->name);
				coll_promote(p, true);
				break;
			} else {
				log_info("bgp %s: connection collision: keeping ours", p->name);
				coll_drop(p, true);
			}
		}
		bgp_fsm_event(p, BGP_FEV_OPEN, &m.u.open);
		break;
	case BGP_UPDATE:
		p->updates_in++;
		if (m.u.update.action == BGP_ACT_SESSION_RESET) {
			p->reset_7606++;
			log_input_key(p->name, "bgp %s: UPDATE error: %s", p->name,
				      m.u.update.reason ? m.u.update.reason : "?");
			bgp_fsm_event(p, BGP_FEV_UPDATE_ERR, &m.u.update.notify);
		} else {
			bgp_fsm_event(p, BGP_FEV_UPDATE, &m.u.update);
		}
		break;
	case BGP_NOTIFICATION:
		if (m.u.notification.code == BGP_ERR_CEASE &&
		    m.u.notification.subcode == BGP_ERR_CEASE_COLLISION &&
		    (p->state == BGP_ST_OPENSENT || p->state == BGP_ST_OPENCONFIRM)) {
			/* §6.8: the peer keeps another connection: ours or the one it opened */
			if (p->coll) {
				p->coll_rcvd++;
				coll_promote(p, false);
			} else {
				bgp_fsm_event(p, BGP_FEV_COLLISION_LOST, &m.u.notification);
			}
			break;
		}
		bgp_fsm_event(p, BGP_FEV_NOTIFICATION, &m.u.notification);
		break;
	case BGP_KEEPALIVE:
		bgp_fsm_event(p, BGP_FEV_KEEPALIVE, NULL);
		break;
	case BGP_ROUTE_REFRESH:
		bgp_fsm_event(p, BGP_FEV_REFRESH, &m.u.refresh);
		break;
	default:
		conn_fail(p, c, BGP_FEV_HDR_ERR, NULL);
		break;
	}
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct bgp_conn *c = arg;
	struct bgp_peer *p = c->peer;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (c == p->conn || c == p->coll) {
		uint8_t hdr[BGP_HDR_LEN], type;
		uint16_t len;
		struct buf hb;
		struct bgp_err err;
		size_t avail = evbuffer_get_length(in);

		if (avail < BGP_HDR_LEN)
			return;
		memset(&err, 0, sizeof(err));
		evbuffer_copyout(in, hdr, sizeof(hdr));
		buf_init_read(&hb, hdr, sizeof(hdr));
		if (bgp_hdr_parse(&hb, &type, &len, &err) < 0) {
			log_input_key(p->name, "bgp %s: bad message header: %s", p->name,
				      err.e.reason ? err.e.reason : "?");
			conn_fail(p, c, BGP_FEV_HDR_ERR, &err);
			return;
		}
		if (avail < len)
			return;
		evbuffer_remove(in, p->msgbuf, len);
		p->msgs_in++;
		handle_msg(p, c, type, p->msgbuf, len);
	}
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bgp_conn *c = arg;
	struct bgp_peer *p = c->peer;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->connected = true;
		if (c == p->conn)
			bgp_fsm_event(p, BGP_FEV_TCP_OK, NULL);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		log_debug_topic(LOG_TOPIC_BGP, "bgp %s: connection %s", p->name,
				(what & BEV_EVENT_EOF) ? "closed" : "failed");
		conn_fail(p, c, BGP_FEV_TCP_FAIL, NULL);
	}
}

/* ---- listener ---- */
static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct bgp *b = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ipaddr a;
	char as[IPADDR_STRLEN];
	int one = 1;

	(void)what;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	from_sockaddr(&ss, &a);
	struct bgp_peer *p = bgp_peer_find(b, &a);
	if (p == NULL) {
		log_input(NULL, "bgp: connection from %s, not a neighbor",
			  ipaddr_str(&a, as, sizeof(as)));
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	switch (p->state) {
	case BGP_ST_IDLE:
		log_debug_topic(LOG_TOPIC_BGP, "bgp %s: connection refused in Idle", p->name);
		close(fd);
		return;
	case BGP_ST_ACTIVE:
		if (p->conn) /* not expected: Active has no connection */
			bgp_conn_close(p->conn);
		p->conn = bgp_conn_adopt(p, fd, false);
		if (p->conn == NULL)
			return;
		bgp_fsm_event(p, BGP_FEV_TCP_OK, NULL);
		return;
	case BGP_ST_ESTABLISHED:
		if (p->peer_gr) /* the peer may have restarted: see coll_open */
			break;
		/* §6.8: a collision with an Established session closes the new one */
		struct bgp_conn *c = bgp_conn_adopt(p, fd, false);
		if (c) {
			bgp_send_notification(p, c, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL,
					      0);
			p->coll_sent++;
			bgp_conn_close(c);
		}
		return;
	default:
		break;
	}
	/* §6.8: track the second connection (Connect, OpenSent, OpenConfirm, Established
	 * with GR). A previous second one was given up by the peer. Our OPEN goes out on it
	 * at once unless an OPEN was already received on ours (OpenConfirm, Established):
	 * then only if it wins. */
	struct timeval wait = {BGP_OPENSENT_HOLD, 0};
	coll_drop(p, false);
	p->coll = bgp_conn_adopt(p, fd, false);
	if (p->coll == NULL)
		return;
	bufferevent_set_timeouts(p->coll->bev, &wait, NULL);
	if (p->state <= BGP_ST_OPENSENT && bgp_send_open(p, p->coll) < 0)
		coll_drop(p, false);
}

int bgp_listen_start(struct bgp *b)
{
	const struct bgp_cfg *c = b->cfg;
	struct sockaddr_storage ss;
	bool v6 = c->listen_addr.afi == LISP_AFI_IPV6;
	socklen_t sl = to_sockaddr(&c->listen_addr, c->listen_port, v6, &ss);
	int one = 1, zero = 0;

	b->lfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->lfd < 0) {
		log_warn("bgp: socket");
		return -1;
	}
	setsockopt(b->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(b->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(b->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(b->lfd, 64) < 0) {
		char as[IPADDR_STRLEN];
		log_warn("bgp: listen on %s port %u", ipaddr_str(&c->listen_addr, as, sizeof(as)),
			 c->listen_port);
		close(b->lfd);
		b->lfd = -1;
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(b->lfd, (struct sockaddr *)&ss, &sl) == 0)
		b->lport = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							 : ((struct sockaddr_in6 *)&ss)->sin6_port);
	b->ev_accept = event_new(b->base, b->lfd, EV_READ | EV_PERSIST, accept_cb, b);
	if (b->ev_accept == NULL || event_add(b->ev_accept, NULL) < 0)
		return -1;
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		bgp_md5_set_listener(b, p, true);
	return 0;
}
