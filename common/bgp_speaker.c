/*
 * common/bgp_speaker.c - the speaker object of bgp.h: creation, start, peers added and
 * removed at run time, administrative stop/reset (RFC 4271 §8.1.2 ManualStop; RFC 4486
 * Cease subcodes Administrative Shutdown, Peer De-configured, Administrative Reset).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/bgp_int.h"
#include "common/log.h"

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
	for (struct bgp_peer *p = b->peers; p; p = p->next)
		peer_kick(p);
	return 0;
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
	if (b->ev_accept) /* started: bring the new peer up */
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

static void peer_stop(struct bgp_peer *p, uint8_t sub)
{
	p->admin_down = true;
	bgp_fsm_event(p, BGP_FEV_STOP, &sub);
	bgp_in_flush(p);
}

int bgp_peer_remove(struct bgp *b, const struct ipaddr *addr)
{
	for (struct bgp_peer **pp = &b->peers; *pp; pp = &(*pp)->next) {
		struct bgp_peer *p = *pp;
		if (!ipaddr_eq(&p->cfg.addr, addr))
			continue;
		peer_stop(p, BGP_ERR_CEASE_UNCONFIG);
		bgp_md5_set_listener(b, p, false);
		*pp = p->next;
		peer_free(p);
		return 0;
	}
	return -1;
}

int bgp_peer_clear(struct bgp *b, const struct ipaddr *addr)
{
	struct bgp_peer *p = bgp_peer_find(b, addr);
	uint8_t sub = BGP_ERR_CEASE_ADMIN_RST;

	if (p == NULL)
		return -1;
	p->admin_down = false;
	if (p->state == BGP_ST_IDLE)
		peer_kick(p);
	else
		bgp_fsm_event(p, BGP_FEV_STOP, &sub); /* Idle arms the idle hold timer */
	return 0;
}

const char *bgp_peer_state_name(const struct bgp_peer *p)
{
	return bgp_state_name(p->state);
}

bool bgp_peer_established(const struct bgp_peer *p)
{
	return p->state == BGP_ST_ESTABLISHED;
}

void bgp_free(struct bgp *b)
{
	if (b == NULL)
		return;
	bgp_event_fn *cb = b->cb;
	b->cb = NULL; /* the daemon is shutting down: no more events */
	while (b->peers) {
		struct bgp_peer *p = b->peers;
		peer_stop(p, BGP_ERR_CEASE_ADMIN_DOWN);
		b->peers = p->next;
		peer_free(p);
	}
	(void)cb;
	bgp_cli_forget(b);
	bgp_closing_free_all(b);
	if (b->ev_accept)
		event_free(b->ev_accept);
	if (b->ev_flush)
		event_free(b->ev_flush);
	if (b->lfd >= 0)
		close(b->lfd);
	bgp_rib_free(&b->table);
	free(b->dirty);
	bgp_config_free(b->cfg);
	free(b);
}
