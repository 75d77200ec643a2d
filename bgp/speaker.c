/* SPDX-License-Identifier: ISC */
/*
 * bgp/speaker.c - the speaker object of bgp.h: creation, start, peers added and
 * removed at run time, administrative stop/reset (RFC 4271 §8.1.2 ManualStop; RFC 4486
 * Cease subcodes Administrative Shutdown, Peer De-configured, Administrative Reset, Other
 * Configuration Change), reconfiguration in place (bgp_reconfigure), and the lifetime of
 * the Restart State bit of a restarting speaker (RFC 4724 §4.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

/* ---- RFC 4724 §4.1: the Restart State bit of a restarting speaker ---- */
static void restart_done(struct bgp *b, const char *why)
{
	if (!b->restarting)
		return;
	b->restarting = false;
	if (b->t_restart)
		evtimer_del(b->t_restart);
	log_info("bgp: restart complete (%s): the Restart State bit is no longer advertised", why);
}

static void restart_check(struct bgp *b)
{
	if (!b->restarting || !b->started)
		return;
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		if (p->cfg.gr && !p->admin_down && !p->initial_eor)
			return;
	restart_done(b, "End-of-RIB sent to every peer");
}

void bgp_restart_eor_sent(struct bgp_peer *p)
{
	p->initial_eor = true;
	restart_check(p->bgp);
}

void bgp_restart_timeout(struct bgp *b)
{
	restart_done(b, "restart time over");
}

static void restart_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bgp_restart_timeout(arg);
}

struct bgp *bgp_new(struct event_base *base, struct bgp_cfg *cfg, bgp_event_fn *cb, void *arg)
{
	struct bgp *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->base = base;
	b->cfg = cfg;
	b->cb = cb;
	b->cb_arg = arg;
	b->lfd = -1;
	b->restarting = cfg->restarting;
	bgp_rib_init(&b->table);
	bgp_rib_init(&b->utable);
	b->t_restart = evtimer_new(base, restart_timer_cb, b);
	if (b->t_restart == NULL) {
		bgp_free(b);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_peers; i++) {
		if (bgp_peer_add(b, &cfg->peers[i]) < 0) {
			bgp_free(b);
			return NULL;
		}
	}
	return b;
}

static void peer_kick(struct bgp_peer *p)
{
	p->admin_down = false;
	bgp_fsm_event(p, p->cfg.passive ? BGP_FEV_START_PASSIVE : BGP_FEV_START, NULL);
}

int bgp_start(struct bgp *b)
{
	if (b->cfg->listen && bgp_listen_start(b) < 0)
		return -1;
	bgp_start_peers(b);
	return 0;
}

void bgp_start_peers(struct bgp *b)
{
	if (b->started)
		return;
	b->started = true;
	if (b->restarting) {
		/* the initial update must be done within our restart time, or never */
		struct timeval tv = {b->cfg->gr_time ? b->cfg->gr_time : BGP_DEFAULT_GR_TIME, 0};
		evtimer_add(b->t_restart, &tv);
	}
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		peer_kick(p);
}

uint16_t bgp_listen_port(const struct bgp *b)
{
	return b->lport;
}

struct bgp_peer *bgp_peer_find(const struct bgp *b, const struct ipaddr *addr)
{
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		if (ipaddr_eq(&p->cfg.addr, addr))
			return p;
	return NULL;
}

int bgp_peer_add(struct bgp *b, const struct bgp_peer_cfg *pc)
{
	if (bgp_peer_find(b, &pc->addr))
		return -1;
	struct bgp_peer *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -1;
	p->bgp = b;
	p->cfg = *pc;
	if (p->cfg.port == 0)
		p->cfg.port = BGP_PORT;
	ipaddr_str(&pc->addr, p->name, sizeof(p->name));
	p->state = BGP_ST_IDLE;
	p->admin_down = true;
	p->up_since = time(NULL);
	bgp_rib_init(&p->rib_in);
	bgp_rib_init(&p->rib_out);
	if (bgp_peer_timers_init(p) < 0) {
		bgp_peer_timers_free(p);
		free(p);
		return -1;
	}
	p->next = b->peers;
	b->peers = p;
	bgp_md5_set_listener(b, p, true);
	if (b->started) /* bring the new peer up */
		peer_kick(p);
	return 0;
}

static void peer_free(struct bgp_peer *p)
{
	bgp_peer_timers_free(p);
	bgp_conn_close(p->conn);
	bgp_conn_close(p->coll);
	bgp_rib_free(&p->rib_in);
	bgp_rib_free(&p->rib_out);
	free(p);
}

/* Stop for good: Cease/`sub`, or with `hard` a Hard Reset wrapping it (RFC 8538 §3; the
 * plain subcode to a peer without N). Our copy of its routes goes either way. */
static void peer_stop(struct bgp_peer *p, uint8_t sub, bool hard)
{
	const uint8_t arg[2] = {hard ? BGP_ERR_CEASE_HARD_RESET : sub, sub};

	p->admin_down = true;
	bgp_fsm_event(p, BGP_FEV_STOP, arg);
	bgp_in_flush(p);
}

int bgp_peer_remove(struct bgp *b, const struct ipaddr *addr)
{
	for (struct bgp_peer **pp = &b->peers; *pp; pp = &(*pp)->next) {
		struct bgp_peer *p = *pp;
		if (!ipaddr_eq(&p->cfg.addr, addr))
			continue;
		/* RFC 8538 §5: Peer De-configured -> Hard Reset: it must not keep our routes */
		peer_stop(p, BGP_ERR_CEASE_UNCONFIG, true);
		bgp_md5_set_listener(b, p, false);
		*pp = p->next;
		peer_free(p);
		restart_check(b);
		return 0;
	}
	return -1;
}

/* RFC 8538 §5: Administrative Reset is left to the operator - graceful by default (the
 * routes stay stale on both sides until End-of-RIB), Hard Reset on request. */
static int peer_clear(struct bgp *b, const struct ipaddr *addr, bool hard)
{
	struct bgp_peer *p = bgp_peer_find(b, addr);
	const uint8_t arg[2] = {hard ? BGP_ERR_CEASE_HARD_RESET : BGP_ERR_CEASE_ADMIN_RST,
				BGP_ERR_CEASE_ADMIN_RST};

	if (p == NULL)
		return -1;
	p->admin_down = false;
	if (p->state == BGP_ST_IDLE) {
		if (hard) /* a graceful end before: drop what is still stale */
			bgp_in_flush(p);
		peer_kick(p);
	} else
		bgp_fsm_event(p, BGP_FEV_STOP, arg); /* Idle arms the idle hold timer */
	return 0;
}

int bgp_peer_clear(struct bgp *b, const struct ipaddr *addr)
{
	return peer_clear(b, addr, false);
}

int bgp_peer_clear_hard(struct bgp *b, const struct ipaddr *addr)
{
	return peer_clear(b, addr, true);
}

const char *bgp_peer_state_name(const struct bgp_peer *p)
{
	return bgp_state_name(p->state);
}

bool bgp_peer_established(const struct bgp_peer *p)
{
	return p->state == BGP_ST_ESTABLISHED;
}

/* RFC 8538 §5 suggests Hard Reset for Administrative Shutdown; the default stop is
 * graceful instead (bgp.h: a planned stop, the daemon comes back with its table) and a
 * receiver with N keeps our routes (§4: any NOTIFICATION but Hard Reset). */
static void speaker_free(struct bgp *b, bool hard)
{
	if (b == NULL)
		return;
	bgp_event_fn *cb = b->cb;
	b->cb = NULL; /* the daemon is shutting down: no more events */
	while (b->peers) {
		struct bgp_peer *p = b->peers;
		/* a GR peer without N would drop our routes at a NOTIFICATION: close only */
		bool silent =
		    !hard && p->state == BGP_ST_ESTABLISHED && p->peer_gr && !p->opts.gr_notify;
		peer_stop(p, silent ? BGP_STOP_SILENT : BGP_ERR_CEASE_ADMIN_DOWN, hard);
		b->peers = p->next;
		peer_free(p);
	}
	(void)cb;
	bgp_closing_free_all(b);
	if (b->t_restart)
		event_free(b->t_restart);
	if (b->ev_accept)
		event_free(b->ev_accept);
	if (b->ev_flush)
		event_free(b->ev_flush);
	if (b->lfd >= 0)
		close(b->lfd);
	bgp_rib_free(&b->table);
	bgp_rib_free(&b->utable);
	free(b->dirty);
	bgp_config_free(b->cfg);
	free(b);
}

void bgp_free(struct bgp *b)
{
	speaker_free(b, false);
}

void bgp_free_hard(struct bgp *b)
{
	speaker_free(b, true);
}

void bgp_free_deconfigured(struct bgp *b)
{
	if (b == NULL)
		return;
	while (b->peers) {
		struct ipaddr a = b->peers->cfg.addr;
		bgp_peer_remove(b, &a);
	}
	bgp_free(b);
}

/* ---- reconfiguration in place ---- */

/* A reset for a configuration change: Cease/Other Configuration Change (RFC 4486), then
 * the usual restart after the idle hold time (or at once from Idle). */
static void peer_reset(struct bgp_peer *p, uint8_t sub)
{
	if (p->admin_down) /* never started (bgp_start not called yet) */
		return;
	if (p->state == BGP_ST_IDLE) {
		peer_kick(p);
		return;
	}
	bgp_fsm_event(p, BGP_FEV_STOP, &sub);
}

static void listen_stop(struct bgp *b)
{
	if (b->ev_accept)
		event_free(b->ev_accept);
	b->ev_accept = NULL;
	if (b->lfd >= 0)
		close(b->lfd);
	b->lfd = -1;
	b->lport = 0;
}

int bgp_reconfigure(struct bgp *b, struct bgp_cfg *nc)
{
	struct bgp_cfg *oc = b->cfg;

	if (nc == NULL)
		return -1;
	for (size_t i = 0; i < nc->n_peers; i++)
		for (size_t j = i + 1; j < nc->n_peers; j++)
			if (ipaddr_eq(&nc->peers[i].addr, &nc->peers[j].addr)) {
				log_warnx("bgp: reconfigure: a peer is listed twice");
				return -1;
			}
	bool reset_all = nc->local_as != oc->local_as || nc->router_id != oc->router_id;
	bool relisten = !bgp_listen_equal(oc, nc);

	/* removed peers: Cease/Peer De-configured */
	for (struct bgp_peer *p = b->peers, *next; p; p = next) {
		next = p->next;
		bool kept = false;
		for (size_t i = 0; i < nc->n_peers && !kept; i++)
			kept = ipaddr_eq(&nc->peers[i].addr, &p->cfg.addr);
		if (!kept)
			bgp_peer_remove(b, &p->cfg.addr);
	}
	if (relisten)
		listen_stop(b); /* the peers' TCP-MD5 keys go with the old socket */
	/* from here on the new settings are what OPENs and connects use */
	nc->restarting = oc->restarting; /* a property of the process start, not of a reload */
	b->cfg = nc;
	bgp_config_free(oc);
	if (relisten && b->started && nc->listen && bgp_listen_start(b) < 0)
		log_warnx("bgp: reconfigure: the new listener could not be opened");
	for (size_t i = 0; i < nc->n_peers; i++) {
		struct bgp_peer_cfg *pc = &nc->peers[i];
		struct bgp_peer *p = bgp_peer_find(b, &pc->addr);
		if (p == NULL) {
			if (bgp_peer_add(b, pc) < 0)
				log_warnx("bgp: reconfigure: a new peer could not be added");
			continue;
		}
		bool same = bgp_peer_cfg_equal(&p->cfg, pc);
		if (!same) {
			bgp_md5_set_listener(b, p, false);
			p->cfg = *pc;
			if (p->cfg.port == 0)
				p->cfg.port = BGP_PORT;
			bgp_md5_set_listener(b, p, true);
		}
		if (!same || reset_all) {
			log_info("bgp %s: configuration changed: session reset", p->name);
			peer_reset(p, BGP_ERR_CEASE_CONFIG);
		}
	}
	restart_check(b);
	return 0;
}
