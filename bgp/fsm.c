/* SPDX-License-Identifier: ISC */
/*
 * bgp/fsm.c - the BGP finite state machine of one peer (RFC 4271 §8) as a table
 * fsm[state][event] = {action, next state} with every pair written out, one
 * bgp_change_state() doing all on-entry work (timers, connections, negotiated state, idle
 * hold back-off, session up/down for the RIBs) and the named timers of a peer set through
 * one helper (RFC 4271 §10: ConnectRetry, Hold, Keepalive; the idle hold of
 * AutomaticStart with back-off, §8.1.1 "DampPeerOscillations" in spirit; RFC 4724 §4.2
 * restart and stale timers of the graceful restart helper).
 * An unexpected event sends an FSM Error NOTIFICATION (RFC 6608 subcodes) and goes to Idle.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bgp/bgp_int.h"
#include "common/log.h"

static const char *const state_names[BGP_ST_MAX] = {
    [BGP_ST_IDLE] = "Idle",
    [BGP_ST_CONNECT] = "Connect",
    [BGP_ST_ACTIVE] = "Active",
    [BGP_ST_OPENSENT] = "OpenSent",
    [BGP_ST_OPENCONFIRM] = "OpenConfirm",
    [BGP_ST_ESTABLISHED] = "Established",
};

static const char *const event_names[BGP_FEV_MAX] = {
    [BGP_FEV_START] = "Start",
    [BGP_FEV_START_PASSIVE] = "StartPassive",
    [BGP_FEV_STOP] = "Stop",
    [BGP_FEV_CONNRETRY_EXP] = "ConnectRetryTimerExpires",
    [BGP_FEV_HOLD_EXP] = "HoldTimerExpires",
    [BGP_FEV_KEEPALIVE_EXP] = "KeepaliveTimerExpires",
    [BGP_FEV_TCP_OK] = "TcpConnectionConfirmed",
    [BGP_FEV_TCP_FAIL] = "TcpConnectionFails",
    [BGP_FEV_OPEN] = "BGPOpen",
    [BGP_FEV_HDR_ERR] = "BGPHeaderErr",
    [BGP_FEV_OPEN_ERR] = "BGPOpenMsgErr",
    [BGP_FEV_COLLISION] = "OpenCollisionDump",
    [BGP_FEV_NOTIFICATION] = "NotifMsg",
    [BGP_FEV_KEEPALIVE] = "KeepAliveMsg",
    [BGP_FEV_UPDATE] = "UpdateMsg",
    [BGP_FEV_UPDATE_ERR] = "UpdateMsgErr",
    [BGP_FEV_REFRESH] = "RouteRefreshMsg",
    [BGP_FEV_COLLISION_LOST] = "NotifMsgCollision",
};

const char *bgp_state_name(int st)
{
	return st >= 0 && st < BGP_ST_MAX ? state_names[st] : "?";
}

const char *bgp_fsm_event_name(int ev)
{
	return ev >= 0 && ev < BGP_FEV_MAX ? event_names[ev] : "?";
}

#define OPENSENT_HOLD BGP_OPENSENT_HOLD

/* ---- actions: 0 = go to the table's next state, -1 = go to Idle ---- */

static int act_ignore(struct bgp_peer *p, const void *arg)
{
	(void)p;
	(void)arg;
	return 0;
}

static int act_start(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	bgp_timer_set(p, p->t_connect_retry, p->cfg.connect_retry);
	if (bgp_conn_connect(p) < 0) /* failure is reported later as TCP_FAIL */
		log_debug_topic(LOG_TOPIC_BGP, "bgp %s: connect failed at once", p->name);
	return 0;
}

static int act_start_passive(struct bgp_peer *p, const void *arg)
{
	(void)p;
	(void)arg;
	return 0; /* wait in Active for the peer to connect */
}

/* arg: the Cease subcode; BGP_ERR_CEASE_HARD_RESET is followed by the subcode it wraps.
 * RFC 8538 §3: Hard Reset only to a peer that negotiated the N bit (its data: Cease and
 * the wrapped subcode); without N the wrapped subcode goes plain (routes dropped anyway). */
static int act_stop(struct bgp_peer *p, const void *arg)
{
	const uint8_t *a = arg;
	uint8_t sub = a ? a[0] : BGP_ERR_CEASE_ADMIN_DOWN;

	if (p->conn == NULL || p->state < BGP_ST_OPENSENT || sub == BGP_STOP_SILENT)
		return 0;
	if (sub != BGP_ERR_CEASE_HARD_RESET)
		bgp_send_notification(p, p->conn, BGP_ERR_CEASE, sub, NULL, 0);
	else if (p->opts.gr_notify) {
		const uint8_t data[2] = {BGP_ERR_CEASE, a[1]};
		bgp_send_notification(p, p->conn, BGP_ERR_CEASE, sub, data, sizeof(data));
	} else
		bgp_send_notification(p, p->conn, BGP_ERR_CEASE, a[1], NULL, 0);
	return 0;
}

/* Connect + ConnectRetry expired: drop the attempt and try again. */
static int act_reconnect(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	if (p->conn) {
		bgp_conn_close(p->conn);
		p->conn = NULL;
	}
	return act_start(p, NULL);
}

/* Connect/Active/OpenSent + TCP failure: wait for the retry timer in Active. */
static int act_tcp_fail_retry(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	if (p->conn) {
		bgp_conn_close(p->conn);
		p->conn = NULL;
	}
	if (!p->cfg.passive)
		bgp_timer_set(p, p->t_connect_retry, p->cfg.connect_retry);
	return 0;
}

static int act_send_open(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	bgp_timer_set(p, p->t_connect_retry, 0);
	if (bgp_send_open(p, p->conn) < 0)
		return -1;
	bgp_timer_set(p, p->t_hold, OPENSENT_HOLD);
	return 0;
}

static void arm_hold(struct bgp_peer *p)
{
	bgp_timer_set(p, p->t_hold, p->hold);
}

static void arm_keepalive(struct bgp_peer *p)
{
	bgp_timer_set(p, p->t_keepalive, p->hold ? (p->hold / 3 ? p->hold / 3 : 1) : 0);
}

static int act_rcv_open(struct bgp_peer *p, const void *arg)
{
	const struct bgp_open *o = arg;

	if (o == NULL || bgp_open_check(p, o) < 0)
		return -1;
	bgp_timer_set(p, p->t_connect_retry, 0);
	if (bgp_send_keepalive(p) < 0)
		return -1;
	arm_hold(p);
	arm_keepalive(p);
	return 0;
}

static int act_send_keepalive(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	if (bgp_send_keepalive(p) < 0)
		return -1;
	arm_keepalive(p);
	return 0;
}

static int act_hold_restart(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	arm_hold(p);
	return 0;
}

static int act_update(struct bgp_peer *p, const void *arg)
{
	arm_hold(p);
	if (arg)
		bgp_in_update(p, arg);
	return 0;
}

static int act_refresh(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	arm_hold(p);
	bgp_out_refresh(p);
	return 0;
}

/* A message error found by the codec: its NOTIFICATION. */
static int act_msg_err(struct bgp_peer *p, const void *arg)
{
	const struct bgp_err *e = arg;

	if (p->conn && e && e->code)
		bgp_send_notification(p, p->conn, e->code, e->subcode, e->data, e->datalen);
	return 0;
}

static int act_hold_exp(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	if (p->conn)
		bgp_send_notification(p, p->conn, BGP_ERR_HOLD, 0, NULL, 0);
	/* RFC 8538 §4 with N; kept without N too (as before RFC 8538 support: the peer
	 * vanished like on a lost connection, our side keeps its routes stale) */
	p->down_graceful = true;
	return 0;
}

/* RFC 6608: FSM error subcodes by state. */
static int act_fsm_err(struct bgp_peer *p, const void *arg)
{
	uint8_t sub = 0;

	(void)arg;
	if (p->state == BGP_ST_OPENSENT)
		sub = 1;
	else if (p->state == BGP_ST_OPENCONFIRM)
		sub = 2;
	else if (p->state == BGP_ST_ESTABLISHED)
		sub = 3;
	if (p->conn && p->state >= BGP_ST_OPENSENT)
		bgp_send_notification(p, p->conn, BGP_ERR_FSM, sub, NULL, 0);
	return 0;
}

static int act_notification(struct bgp_peer *p, const void *arg)
{
	const struct bgp_notification *n = arg;

	if (n) {
		bool hard = n->code == BGP_ERR_CEASE && n->subcode == BGP_ERR_CEASE_HARD_RESET;
		uint8_t d[2] = {0, 0};
		p->last_err_code = n->code;
		p->last_err_subcode = n->subcode;
		p->last_err_sent = false;
		int k =
		    snprintf(p->last_reason, sizeof(p->last_reason), "received %s / %s",
			     bgp_err_code_name(n->code), bgp_err_subcode_name(n->code, n->subcode));
		/* RFC 8538 §3: the reason the Hard Reset wraps */
		struct buf v = n->data;
		if (hard && buf_get_u8(&v, &d[0]) == 0 && buf_get_u8(&v, &d[1]) == 0) {
			if (k > 0 && (size_t)k < sizeof(p->last_reason))
				snprintf(p->last_reason + k, sizeof(p->last_reason) - (size_t)k,
					 " (%s / %s)", bgp_err_code_name(d[0]),
					 bgp_err_subcode_name(d[0], d[1]));
		}
		log_info("bgp %s: NOTIFICATION received: %s", p->name, p->last_reason);
		/* RFC 8538 §4: with N negotiated the GR procedures apply, except Hard Reset */
		p->down_graceful = p->opts.gr_notify && !hard;
	}
	return 0;
}

static int act_collision(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	if (p->conn) {
		bgp_send_notification(p, p->conn, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
		p->coll_sent++;
	}
	return 0;
}

/* RFC 4271 §6.8 from the other side: the peer closed our connection with 6/7 before it was
 * Established because it keeps another one (the one it opened, when its Identifier is the
 * higher). Not a failure: no idle hold back-off; wait in Active for that connection (it
 * may already be in our listener's queue), connecting again after ConnectRetry. */
static int act_coll_lost(struct bgp_peer *p, const void *arg)
{
	act_notification(p, arg);
	p->coll_rcvd++;
	if (p->conn) {
		bgp_conn_close(p->conn);
		p->conn = NULL;
	}
	memset(&p->opts, 0, sizeof(p->opts));
	p->hold = 0;
	p->remote_id = 0;
	if (!p->cfg.passive)
		bgp_timer_set(p, p->t_connect_retry, p->cfg.connect_retry);
	return 0;
}

/* The TCP connection of an open or established session failed. */
static int act_tcp_down(struct bgp_peer *p, const void *arg)
{
	(void)arg;
	p->down_graceful = true;
	return 0;
}

/* ---- the table: every state x every event ---- */
#define E(a, n)                                                                                    \
	{                                                                                          \
		act_##a, BGP_ST_##n, #a                                                            \
	}
#define IDLE BGP_ST_IDLE

static const struct bgp_fsm_entry fsm[BGP_ST_MAX][BGP_FEV_MAX] =
    {
	[BGP_ST_IDLE] =
	    {
		/* RFC 4271 §8.2.2 Idle: only the start events count, others are ignored */
		[BGP_FEV_START] = E(start, CONNECT),
		[BGP_FEV_START_PASSIVE] = E(start_passive, ACTIVE),
		[BGP_FEV_STOP] = E(ignore, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(ignore, IDLE),
		[BGP_FEV_HOLD_EXP] = E(ignore, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(ignore, IDLE),
		[BGP_FEV_TCP_OK] = E(ignore, IDLE),
		[BGP_FEV_TCP_FAIL] = E(ignore, IDLE),
		[BGP_FEV_OPEN] = E(ignore, IDLE),
		[BGP_FEV_HDR_ERR] = E(ignore, IDLE),
		[BGP_FEV_OPEN_ERR] = E(ignore, IDLE),
		[BGP_FEV_COLLISION] = E(ignore, IDLE),
		[BGP_FEV_NOTIFICATION] = E(ignore, IDLE),
		[BGP_FEV_KEEPALIVE] = E(ignore, IDLE),
		[BGP_FEV_UPDATE] = E(ignore, IDLE),
		[BGP_FEV_UPDATE_ERR] = E(ignore, IDLE),
		[BGP_FEV_REFRESH] = E(ignore, IDLE),
		[BGP_FEV_COLLISION_LOST] = E(ignore, IDLE),
	    },
	[BGP_ST_CONNECT] =
	    {
		[BGP_FEV_START] = E(ignore, CONNECT),
		[BGP_FEV_START_PASSIVE] = E(ignore, CONNECT),
		[BGP_FEV_STOP] = E(stop, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(reconnect, CONNECT),
		[BGP_FEV_HOLD_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_TCP_OK] = E(send_open, OPENSENT),
		[BGP_FEV_TCP_FAIL] = E(tcp_fail_retry, ACTIVE),
		[BGP_FEV_OPEN] = E(fsm_err, IDLE),
		[BGP_FEV_HDR_ERR] = E(msg_err, IDLE),
		[BGP_FEV_OPEN_ERR] = E(msg_err, IDLE),
		[BGP_FEV_COLLISION] = E(fsm_err, IDLE),
		[BGP_FEV_NOTIFICATION] = E(notification, IDLE),
		[BGP_FEV_KEEPALIVE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE_ERR] = E(fsm_err, IDLE),
		[BGP_FEV_REFRESH] = E(fsm_err, IDLE),
		[BGP_FEV_COLLISION_LOST] = E(notification, IDLE),
	    },
	[BGP_ST_ACTIVE] =
	    {
		[BGP_FEV_START] = E(ignore, ACTIVE),
		[BGP_FEV_START_PASSIVE] = E(ignore, ACTIVE),
		[BGP_FEV_STOP] = E(stop, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(start, CONNECT),
		[BGP_FEV_HOLD_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_TCP_OK] = E(send_open, OPENSENT),
		[BGP_FEV_TCP_FAIL] = E(tcp_fail_retry, ACTIVE),
		[BGP_FEV_OPEN] = E(fsm_err, IDLE),
		[BGP_FEV_HDR_ERR] = E(msg_err, IDLE),
		[BGP_FEV_OPEN_ERR] = E(msg_err, IDLE),
		[BGP_FEV_COLLISION] = E(fsm_err, IDLE),
		[BGP_FEV_NOTIFICATION] = E(notification, IDLE),
		[BGP_FEV_KEEPALIVE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE_ERR] = E(fsm_err, IDLE),
		[BGP_FEV_REFRESH] = E(fsm_err, IDLE),
		[BGP_FEV_COLLISION_LOST] = E(notification, IDLE),
	    },
	[BGP_ST_OPENSENT] =
	    {
		[BGP_FEV_START] = E(ignore, OPENSENT),
		[BGP_FEV_START_PASSIVE] = E(ignore, OPENSENT),
		[BGP_FEV_STOP] = E(stop, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_HOLD_EXP] = E(hold_exp, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_TCP_OK] = E(ignore, OPENSENT), /* a second connection: see §6.8 code */
		[BGP_FEV_TCP_FAIL] = E(tcp_fail_retry, ACTIVE),
		[BGP_FEV_OPEN] = E(rcv_open, OPENCONFIRM),
		[BGP_FEV_HDR_ERR] = E(msg_err, IDLE),
		[BGP_FEV_OPEN_ERR] = E(msg_err, IDLE),
		[BGP_FEV_COLLISION] = E(collision, IDLE),
		[BGP_FEV_NOTIFICATION] = E(notification, IDLE),
		[BGP_FEV_KEEPALIVE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE_ERR] = E(fsm_err, IDLE),
		[BGP_FEV_REFRESH] = E(fsm_err, IDLE),
		[BGP_FEV_COLLISION_LOST] = E(coll_lost, ACTIVE),
	    },
	[BGP_ST_OPENCONFIRM] =
	    {
		[BGP_FEV_START] = E(ignore, OPENCONFIRM),
		[BGP_FEV_START_PASSIVE] = E(ignore, OPENCONFIRM),
		[BGP_FEV_STOP] = E(stop, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_HOLD_EXP] = E(hold_exp, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(send_keepalive, OPENCONFIRM),
		[BGP_FEV_TCP_OK] = E(ignore, OPENCONFIRM),
		[BGP_FEV_TCP_FAIL] = E(tcp_down, IDLE),
		[BGP_FEV_OPEN] = E(fsm_err, IDLE),
		[BGP_FEV_HDR_ERR] = E(msg_err, IDLE),
		[BGP_FEV_OPEN_ERR] = E(msg_err, IDLE),
		[BGP_FEV_COLLISION] = E(collision, IDLE),
		[BGP_FEV_NOTIFICATION] = E(notification, IDLE),
		[BGP_FEV_KEEPALIVE] = E(hold_restart, ESTABLISHED),
		[BGP_FEV_UPDATE] = E(fsm_err, IDLE),
		[BGP_FEV_UPDATE_ERR] = E(fsm_err, IDLE),
		[BGP_FEV_REFRESH] = E(fsm_err, IDLE),
		[BGP_FEV_COLLISION_LOST] = E(coll_lost, ACTIVE),
	    },
	[BGP_ST_ESTABLISHED] =
	    {
		[BGP_FEV_START] = E(ignore, ESTABLISHED),
		[BGP_FEV_START_PASSIVE] = E(ignore, ESTABLISHED),
		[BGP_FEV_STOP] = E(stop, IDLE),
		[BGP_FEV_CONNRETRY_EXP] = E(fsm_err, IDLE),
		[BGP_FEV_HOLD_EXP] = E(hold_exp, IDLE),
		[BGP_FEV_KEEPALIVE_EXP] = E(send_keepalive, ESTABLISHED),
		[BGP_FEV_TCP_OK] = E(ignore, ESTABLISHED),
		[BGP_FEV_TCP_FAIL] = E(tcp_down, IDLE),
		[BGP_FEV_OPEN] = E(fsm_err, IDLE),
		[BGP_FEV_HDR_ERR] = E(msg_err, IDLE),
		[BGP_FEV_OPEN_ERR] = E(fsm_err, IDLE),
		[BGP_FEV_COLLISION] = E(collision, IDLE),
		[BGP_FEV_NOTIFICATION] = E(notification, IDLE),
		[BGP_FEV_KEEPALIVE] = E(hold_restart, ESTABLISHED),
		[BGP_FEV_UPDATE] = E(update, ESTABLISHED),
		[BGP_FEV_UPDATE_ERR] = E(msg_err, IDLE),
		[BGP_FEV_REFRESH] = E(refresh, ESTABLISHED),
		[BGP_FEV_COLLISION_LOST] = E(notification, IDLE),
	    },
};

const struct bgp_fsm_entry *bgp_fsm_lookup(int state, int event)
{
	if (state < 0 || state >= BGP_ST_MAX || event < 0 || event >= BGP_FEV_MAX)
		return NULL;
	return &fsm[state][event];
}

void bgp_fsm_event(struct bgp_peer *p, int event, const void *arg)
{
	const struct bgp_fsm_entry *e = bgp_fsm_lookup(p->state, event);

	if (e == NULL || e->action == NULL)
		fatalx("bgp fsm: no entry for state %d event %d", p->state, event);
	log_debug_topic(LOG_TOPIC_BGP, "bgp %s: %s in %s -> %s", p->name, bgp_fsm_event_name(event),
			bgp_state_name(p->state), bgp_state_name(e->next));
	int next = e->action(p, arg) < 0 ? BGP_ST_IDLE : e->next;
	if (next != p->state)
		bgp_change_state(p, next);
}

void bgp_timer_set(struct bgp_peer *p, struct event *t, unsigned seconds)
{
	(void)p;
	if (t == NULL)
		return;
	if (seconds == 0) {
		evtimer_del(t);
		return;
	}
	struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
	evtimer_add(t, &tv);
}

static void stop_session_timers(struct bgp_peer *p)
{
	bgp_timer_set(p, p->t_connect_retry, 0);
	bgp_timer_set(p, p->t_hold, 0);
	bgp_timer_set(p, p->t_keepalive, 0);
}

/* All on-entry work of a state (a table FSM, docs/architecture.md "BGP speaker"). */
void bgp_change_state(struct bgp_peer *p, int state)
{
	int old = p->state;

	if (old == state)
		return;
	log_info("bgp %s: %s -> %s", p->name, bgp_state_name(old), bgp_state_name(state));
	p->state = state;
	switch (state) {
	case BGP_ST_IDLE: {
		stop_session_timers(p);
		if (p->conn) {
			bgp_conn_close(p->conn);
			p->conn = NULL;
		}
		if (p->coll) {
			bgp_conn_close(p->coll);
			p->coll = NULL;
		}
		if (old == BGP_ST_ESTABLISHED) {
			/* a graceful end (no NOTIFICATION, RFC 4724 §4.2, or one under the N bit,
			   RFC 8538 §4) leaves our table as it was: the next OPEN sets F */
			p->gr_fwd_next = p->down_graceful;
			p->flaps++;
			bgp_timer_set(p, p->t_eor_wait, 0);
			p->eor_rcvd = 0;
			p->eor_done = false;
			memset(&p->local_addr, 0, sizeof(p->local_addr));
			p->up_since = time(NULL);
			bgp_out_session_down(p);
			bgp_in_session_down(p, p->down_graceful);
			bgp_emit(p, BGP_EV_PEER_DOWN, NULL, NULL, false, false);
		}
		p->down_graceful = false;
		memset(&p->opts, 0, sizeof(p->opts));
		p->hold = 0;
		p->remote_id = 0;
		if (!p->admin_down) {
			/* back off: a peer that keeps failing restarts less and less often */
			bgp_timer_set(p, p->t_idle_hold, p->idle_hold);
			if (old >= BGP_ST_OPENSENT && old != BGP_ST_ESTABLISHED) {
				p->idle_hold *= 2;
				if (p->idle_hold > BGP_IDLE_HOLD_MAX)
					p->idle_hold = BGP_IDLE_HOLD_MAX;
			}
		}
		break;
	}
	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		bgp_timer_set(p, p->t_idle_hold, 0);
		bgp_timer_set(p, p->t_hold, 0);
		bgp_timer_set(p, p->t_keepalive, 0);
		break;
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		bgp_timer_set(p, p->t_idle_hold, 0);
		break;
	case BGP_ST_ESTABLISHED:
		p->idle_hold = BGP_IDLE_HOLD_MIN;
		p->established++;
		p->gr_fwd_next = false; /* this session's OPEN carried it */
		/* a collision resolved in OpenConfirm may have marked the ending of the
		   connection it replaced: this session has not ended */
		p->down_graceful = false;
		p->up_since = time(NULL);
		p->eor_rcvd = 0;
		p->eor_done = false;
		p->underlay_nh_logged = false;
		if (bgp_conn_local_addr(p->conn, &p->local_addr) < 0)
			p->local_addr = p->cfg.local; /* a socketpair in tests */
		bgp_emit(p, BGP_EV_PEER_UP, NULL, NULL, false, false);
		bgp_in_session_up(p);
		bgp_out_session_up(p);
		if (p->cfg.role == BGP_ROLE_MAPPING && !p->peer_gr)
			bgp_timer_set(p, p->t_eor_wait, BGP_EOR_WAIT);
		break;
	default:
		break;
	}
}

void bgp_timer_fire(struct bgp_peer *p, enum bgp_timer_id id)
{
	switch (id) {
	case BGP_T_CONNECT_RETRY:
		bgp_fsm_event(p, BGP_FEV_CONNRETRY_EXP, NULL);
		break;
	case BGP_T_HOLD:
		bgp_fsm_event(p, BGP_FEV_HOLD_EXP, NULL);
		break;
	case BGP_T_KEEPALIVE:
		bgp_fsm_event(p, BGP_FEV_KEEPALIVE_EXP, NULL);
		break;
	case BGP_T_IDLE_HOLD:
		if (p->state == BGP_ST_IDLE && !p->admin_down)
			bgp_fsm_event(p, p->cfg.passive ? BGP_FEV_START_PASSIVE : BGP_FEV_START,
				      NULL);
		break;
	case BGP_T_GR_RESTART:
		/* RFC 4724 §4.2: the peer did not come back within its restart time */
		if (p->state != BGP_ST_ESTABLISHED)
			bgp_in_purge(p, 0xff, "restart time expired");
		break;
	case BGP_T_GR_STALE:
		bgp_in_purge(p, 0xff, "stale time expired before End-of-RIB");
		break;
	case BGP_T_EOR_WAIT:
		/* a peer without graceful restart need not send End-of-RIB (RFC 4724 §2 only
		 * recommends it): after BGP_EOR_WAIT of the session, what it sent is its table */
		if (p->state == BGP_ST_ESTABLISHED && !p->eor_done) {
			log_info("bgp %s: no End-of-RIB after %d s (no graceful restart): the "
				 "initial table is taken as complete",
				 p->name, BGP_EOR_WAIT);
			bgp_in_eor_done(p);
		}
		break;
	}
}

#define TIMER_CB(name, id)                                                                         \
	static void name(evutil_socket_t fd, short what, void *arg)                                \
	{                                                                                          \
		(void)fd;                                                                          \
		(void)what;                                                                        \
		bgp_timer_fire(arg, id);                                                           \
	}
TIMER_CB(cb_connect_retry, BGP_T_CONNECT_RETRY)
TIMER_CB(cb_hold, BGP_T_HOLD)
TIMER_CB(cb_keepalive, BGP_T_KEEPALIVE)
TIMER_CB(cb_idle_hold, BGP_T_IDLE_HOLD)
TIMER_CB(cb_gr_restart, BGP_T_GR_RESTART)
TIMER_CB(cb_gr_stale, BGP_T_GR_STALE)
TIMER_CB(cb_eor_wait, BGP_T_EOR_WAIT)

int bgp_peer_timers_init(struct bgp_peer *p)
{
	struct event_base *base = p->bgp->base;

	p->t_connect_retry = evtimer_new(base, cb_connect_retry, p);
	p->t_hold = evtimer_new(base, cb_hold, p);
	p->t_keepalive = evtimer_new(base, cb_keepalive, p);
	p->t_idle_hold = evtimer_new(base, cb_idle_hold, p);
	p->t_gr_restart = evtimer_new(base, cb_gr_restart, p);
	p->t_gr_stale = evtimer_new(base, cb_gr_stale, p);
	p->t_eor_wait = evtimer_new(base, cb_eor_wait, p);
	p->idle_hold = BGP_IDLE_HOLD_MIN;
	if (!p->t_connect_retry || !p->t_hold || !p->t_keepalive || !p->t_idle_hold ||
	    !p->t_gr_restart || !p->t_gr_stale || !p->t_eor_wait)
		return -1;
	return 0;
}

void bgp_peer_timers_free(struct bgp_peer *p)
{
	struct event **t[] = {&p->t_connect_retry, &p->t_hold,	   &p->t_keepalive, &p->t_idle_hold,
			      &p->t_gr_restart,	   &p->t_gr_stale, &p->t_eor_wait};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (*t[i])
			event_free(*t[i]);
		*t[i] = NULL;
	}
}
