/* SPDX-License-Identifier: ISC */
/*
 * tools/regpipe.c - lisp-register's pipelined registration with one or several
 * Map-Servers (see regpipe.h). One poll loop serves every Map-Server; per Map-Server:
 *
 * - the plan: message i carries EIDs [first_i, first_i + n_i), packed once for all;
 * - a window of at most `window` messages in flight, filled in message order;
 * - every attempt gets a new nonce from the one rising scale of the run
 *   (tools_nonce_increasing), so the nonces a Map-Server sees only grow, as its replay
 *   check wants; (nonce, message, send time) pairs are appended in that order, so a
 *   Map-Notify finds its message by binary search on its nonce;
 * - each message in flight has its deadline (timeout x 2^attempt after its last send):
 *   then it is sent again, or after `retries` retransmissions it has failed.
 * Datagrams that are not a Map-Notify of ours are ignored (reg_check_notify); an answer
 * for a message already settled is ignored too.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/regpipe.h"

enum { M_WAIT = 0, M_FLIGHT, M_ACKED, M_REJECTED, M_FAILED };

struct pmsg {
	size_t first;
	uint8_t n;
	uint8_t state;
	uint8_t attempts;
	unsigned slot; /* in the in-flight array, while M_FLIGHT */
	double deadline_ms;
};

struct pnonce {
	uint64_t nonce;
	size_t msg;
	double sent_ms;
};

struct ptarget {
	struct regpipe_target *t;
	struct sockaddr_storage icmp_from;
	int fd;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct pmsg *m;
	size_t next; /* first message never sent */
	size_t *flight;
	unsigned nflight;
	struct pnonce *nonces;
	size_t nnonces, capnonces;
	size_t settled;
	double t0;
	bool dead; /* socket error: nothing more is sent */
};

struct prun {
	const struct reg_opts *o;
	const struct lisp_key *k;
	size_t nmsg;
	unsigned window;
	uint64_t last_nonce;
	uint8_t out[TOOLS_DGRAM_MAX], in[TOOLS_DGRAM_MAX];
};

static void settle(struct prun *r, struct ptarget *p, size_t i, int state)
{
	struct pmsg *m = &p->m[i];

	if (m->state == M_FLIGHT) {
		size_t last = p->flight[--p->nflight];
		p->flight[m->slot] = last;
		p->m[last].slot = m->slot;
	}
	m->state = (uint8_t)state;
	p->settled++;
	if (state == M_ACKED) {
		p->t->acked_eids += m->n;
		return;
	}
	p->t->failed_eids += m->n;
	if (state == M_REJECTED)
		p->t->rejected++;
	else
		p->t->unanswered++;
	if (p->t->failed == NULL)
		p->t->failed = calloc(r->o->neids, 1);
	if (p->t->failed != NULL)
		memset(p->t->failed + m->first, 1, m->n);
}

/* The ICMP errors about our datagrams to p (its socket's error queue). */
static void drain_icmp(struct ptarget *p)
{
	tools_icmp_drain(p->fd, &p->t->icmp_errors, &p->t->icmp, &p->icmp_from);
	if (p->icmp_from.ss_family) {
		struct ipaddr ip;
		tools_sockaddr_to_ip(&p->icmp_from, &ip, NULL);
		ipaddr_str(&ip, p->t->icmp_from, sizeof(p->t->icmp_from));
	}
}

/* Send attempt m->attempts of message i. */
static int send_msg(struct prun *r, struct ptarget *p, size_t i, char *err, size_t errlen)
{
	struct pmsg *m = &p->m[i];
	struct proto_err pe = {0};
	struct buf w;
	double now;

	if (p->nnonces == p->capnonces) {
		size_t cap = p->capnonces ? p->capnonces * 2 : 64;
		struct pnonce *n = realloc(p->nonces, cap * sizeof(*n));
		if (n == NULL)
			return errf(err, errlen, "out of memory");
		p->nonces = n;
		p->capnonces = cap;
	}
	r->last_nonce = tools_nonce_increasing(r->last_nonce);
	buf_init_write(&w, r->out, sizeof(r->out));
	if (reg_build(r->o, r->o->eids + m->first, m->n, r->last_nonce, r->k, &w, &pe))
		return errf(err, errlen, "cannot build the Map-Register: %s",
			    pe.reason ? pe.reason : "?");
	now = tools_now_ms();
	ssize_t sr = sendto(p->fd, r->out, buf_len(&w), 0, (struct sockaddr *)&p->dst, p->dstlen);
	if (sr < 0 && errno != EINTR) {
		/* an ICMP error about an earlier datagram (IP_RECVERR) fails the next send once:
		 * read it from the error queue (which clears it) and send again; a local refusal
		 * (no route, a firewall) fails again */
		drain_icmp(p);
		sr = sendto(p->fd, r->out, buf_len(&w), 0, (struct sockaddr *)&p->dst, p->dstlen);
	}
	if (sr < 0) {
		char to[80];
		int e = errno;
		/* not sent, so not an attempt: a local refusal, not a silent peer (xchg_run's
		 * rule) */
		p->t->send_errno = e ? e : EIO;
		return errf(
		    err, errlen, "cannot send to %s: %s%s",
		    tools_sockaddr_str(&p->dst, to, sizeof(to)), strerror(e),
		    e == ENETUNREACH || e == EHOSTUNREACH ? " (no route to it from this host)"
		    : e == EPERM || e == EACCES ? " (a firewall rule of this host refuses it)"
						: "");
	}
	p->nonces[p->nnonces++] = (struct pnonce){r->last_nonce, i, now};
	p->t->last_nonce = r->last_nonce;
	p->t->attempts++;
	if (m->state == M_WAIT) {
		p->t->messages++;
		m->state = M_FLIGHT;
		m->slot = p->nflight;
		p->flight[p->nflight++] = i;
	}
	double wait = r->o->timeout * 1000.0;
	for (unsigned a = 0; a < m->attempts; a++)
		wait *= 2;
	m->deadline_ms = now + wait;
	m->attempts++;
	return 0;
}

static const struct pnonce *find_nonce(const struct ptarget *p, uint64_t nonce)
{
	size_t lo = 0, hi = p->nnonces;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->nonces[mid].nonce < nonce)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nnonces && p->nonces[lo].nonce == nonce ? &p->nonces[lo] : NULL;
}

/* The nonce of a Map-Notify (0 when it is not one). */
static uint64_t notify_nonce(const uint8_t *d, size_t len)
{
	uint64_t v = 0;

	if (len < 12 || (d[0] >> 4) != LISP_T_MAP_NOTIFY)
		return 0;
	for (int i = 4; i < 12; i++)
		v = v << 8 | d[i];
	return v;
}

static void receive(struct prun *r, struct ptarget *p, bool err)
{
	if (err)
		drain_icmp(p);
	for (int burst = 0; burst < 256; burst++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(p->fd, r->in, sizeof(r->in), MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			/* ICMP port unreachable surfaces as ECONNREFUSED: the retries go on */
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			return;
		}
		if ((size_t)n > sizeof(r->in))
			continue;
		const struct pnonce *pn = find_nonce(p, notify_nonce(r->in, (size_t)n));
		if (pn == NULL || p->m[pn->msg].state != M_FLIGHT)
			continue;
		struct pmsg *m = &p->m[pn->msg];
		uint64_t one = pn->nonce;
		unsigned which;
		enum reg_reject rej = REG_REJ_NONE;
		char why[TOOLS_ERRLEN];
		switch (reg_check_notify(r->in, (size_t)n, &one, 1, r->k, r->o->eids + m->first,
					 m->n, &which, &rej, why, sizeof(why))) {
		case XR_DONE: {
			double rtt = tools_now_ms() - pn->sent_ms;
			if (rtt > p->t->rtt_max_ms)
				p->t->rtt_max_ms = rtt;
			tools_sockaddr_str(&from, p->t->from, sizeof(p->t->from));
			settle(r, p, pn->msg, M_ACKED);
			break;
		}
		case XR_REJECT:
			tools_sockaddr_str(&from, p->t->from, sizeof(p->t->from));
			if (p->t->error[0] == '\0') {
				snprintf(p->t->error, sizeof(p->t->error), "rejected: %s (from %s)",
					 why, p->t->from);
				p->t->rej = rej;
			}
			settle(r, p, pn->msg, M_REJECTED);
			break;
		default:
			break;
		}
	}
}

static void finish(struct prun *r, struct ptarget *p)
{
	struct regpipe_target *t = p->t;

	t->elapsed_ms = tools_now_ms() - p->t0;
	if (t->acked_eids == r->o->neids) {
		t->outcome = REG_ACKED;
		t->error[0] = '\0';
	} else if (t->outcome == REG_ERROR || t->outcome == REG_SEND_FAILED) {
		/* the error says why */
	} else if (t->rejected > 0) {
		t->outcome = REG_REJECTED;
	} else {
		char to[80];
		t->outcome = REG_NO_ANSWER;
		tools_sockaddr_str(&p->dst, to, sizeof(to));
		if (r->nmsg == 1)
			snprintf(t->error, sizeof(t->error),
				 "no answer from %s after %u attempts (%.1f s)", to, t->attempts,
				 t->elapsed_ms / 1000.0);
		else
			snprintf(
			    t->error, sizeof(t->error),
			    "no answer from %s for %u of %zu Map-Registers (%zu of %zu EIDs) after "
			    "%u attempts each (%.1f s)",
			    to, t->unanswered, r->nmsg, t->failed_eids, r->o->neids,
			    r->o->retries + 1, t->elapsed_ms / 1000.0);
	}
	t->rc = reg_outcome_exit(t->outcome);
}

static void target_fail(struct prun *r, struct ptarget *p, const char *why)
{
	snprintf(p->t->error, sizeof(p->t->error), "%s", why);
	p->t->outcome = p->t->send_errno ? REG_SEND_FAILED : REG_ERROR;
	p->t->rc = reg_outcome_exit(p->t->outcome);
	p->dead = true;
	for (size_t i = 0; i < r->nmsg; i++)
		if (p->m[i].state == M_WAIT || p->m[i].state == M_FLIGHT)
			settle(r, p, i, M_FAILED);
}

int regpipe_run(const struct reg_opts *o, const struct lisp_key *k, struct regpipe_target *t,
		size_t nt, unsigned window, char *err, size_t errlen)
{
	struct prun *r = calloc(1, sizeof(*r));
	struct ptarget *p = calloc(nt ? nt : 1, sizeof(*p));
	struct pollfd *pfd = calloc(nt ? nt : 1, sizeof(*pfd));
	size_t *firsts = NULL, i, done;
	uint8_t *ns = NULL;
	int rc = -1;

	if (r == NULL || p == NULL || pfd == NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	r->o = o;
	r->k = k;
	r->window = window ? window : 1;
	/* the plan, shared by every Map-Server */
	firsts = malloc((o->neids + 1) * sizeof(*firsts));
	ns = malloc(o->neids + 1);
	if (firsts == NULL || ns == NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (done = 0; done < o->neids; r->nmsg++) {
		size_t n = reg_pack(o, o->eids + done, o->neids - done, REG_DGRAM_MAX);
		if (n == 0) {
			errf(err, errlen, "one record does not fit in %d bytes", REG_DGRAM_MAX);
			goto out;
		}
		firsts[r->nmsg] = done;
		ns[r->nmsg] = (uint8_t)n;
		done += n;
	}
	for (i = 0; i < nt; i++) {
		struct ptarget *q = &p[i];
		char e2[TOOLS_ERRLEN];
		q->t = &t[i];
		q->fd = -1;
		t[i].outcome = REG_NO_ANSWER;
		t[i].rc = EXIT_NOANSWER;
		q->m = calloc(r->nmsg ? r->nmsg : 1, sizeof(*q->m));
		q->flight = calloc(r->window, sizeof(*q->flight));
		if (q->m == NULL || q->flight == NULL) {
			errf(err, errlen, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < r->nmsg; j++) {
			q->m[j].first = firsts[j];
			q->m[j].n = ns[j];
		}
		q->t0 = tools_now_ms();
		if (tools_resolve(t[i].host, t[i].port, &q->dst, &q->dstlen, e2, sizeof(e2))) {
			target_fail(r, q, e2);
			continue;
		}
		q->fd = socket(q->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (q->fd < 0) {
			snprintf(e2, sizeof(e2), "socket: %s", strerror(errno));
			target_fail(r, q, e2);
			continue;
		}
		int sz = 4 << 20;
		(void)setsockopt(q->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		tools_icmp_listen(q->fd, q->dst.ss_family);
	}
	for (;;) {
		double now, next = -1;
		size_t active = 0;

		for (i = 0; i < nt; i++) {
			struct ptarget *q = &p[i];
			char e2[TOOLS_ERRLEN];
			if (q->dead || q->settled == r->nmsg)
				continue;
			/* expired deadlines: again, or given up */
			now = tools_now_ms();
			for (unsigned s = 0; s < q->nflight;) {
				size_t j = q->flight[s];
				if (q->m[j].deadline_ms > now) {
					s++;
					continue;
				}
				if (q->m[j].attempts > o->retries) {
					settle(r, q, j, M_FAILED); /* moves another into slot s */
					continue;
				}
				if (send_msg(r, q, j, e2, sizeof(e2)) < 0) {
					target_fail(r, q, e2);
					break;
				}
				s++;
			}
			/* fill the window */
			while (!q->dead && q->nflight < r->window && q->next < r->nmsg) {
				if (send_msg(r, q, q->next, e2, sizeof(e2)) < 0) {
					target_fail(r, q, e2);
					break;
				}
				q->next++;
			}
			if (q->dead || q->settled == r->nmsg) {
				finish(r, q);
				continue;
			}
			active++;
			for (unsigned s = 0; s < q->nflight; s++)
				if (next < 0 || q->m[q->flight[s]].deadline_ms < next)
					next = q->m[q->flight[s]].deadline_ms;
		}
		if (active == 0)
			break;
		size_t np = 0;
		for (i = 0; i < nt; i++)
			if (!p[i].dead && p[i].settled < r->nmsg) {
				pfd[np].fd = p[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				np++;
			}
		now = tools_now_ms();
		int wait = next < 0 ? 0 : next <= now ? 0 : (int)(next - now) + 1;
		int pr = poll(pfd, np, wait);
		if (pr < 0 && errno != EINTR) {
			errf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		np = 0;
		for (i = 0; i < nt; i++) {
			if (p[i].dead || p[i].settled == r->nmsg)
				continue;
			if (pr > 0 && (pfd[np].revents & (POLLIN | POLLERR)))
				receive(r, &p[i], (pfd[np].revents & POLLERR) != 0);
			np++;
			if (p[i].settled == r->nmsg)
				finish(r, &p[i]);
		}
	}
	rc = 0;
out:
	for (i = 0; p != NULL && i < nt; i++) {
		if (p[i].fd >= 0)
			close(p[i].fd);
		free(p[i].m);
		free(p[i].flight);
		free(p[i].nonces);
	}
	free(firsts);
	free(ns);
	free(pfd);
	free(p);
	free(r);
	return rc;
}

void regpipe_target_free(struct regpipe_target *t)
{
	free(t->failed);
	t->failed = NULL;
}
