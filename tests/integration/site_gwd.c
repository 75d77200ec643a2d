/* SPDX-License-Identifier: ISC */
/* tests/integration/site_gwd.c - drives the site integration (xtr/site/site.h) without lisp-xtrd:
 * loads a <site> element from an XML file, opens the TUN device, runs site_setup, prints
 * "ready", then one line per hook event ("arrived EID MAC", "left EID") on stdout. SIGUSR1
 * prints the statistics as one "stats key=value ..." line; SIGTERM/SIGINT run site_teardown
 * and print "stopped". With a control FIFO, lines "add EID" / "del EID" call site_host_add /
 * site_host_del (what the core does on a Map-Notify) and print "add|del EID ok|failed".
 * Once set up it drops its privileges as lisp-xtrd does (common/priv.h: the default user,
 * CAP_NET_ADMIN and CAP_NET_RAW kept), so everything after, teardown included, runs with
 * what lisp-xtrd has then.
 * Usage: site_gwd CONFIG.xml [CONTROL-FIFO] */
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <libxml/tree.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/priv.h"
#include "sys/tun.h"
#include "xtr/site/site.h"

static struct site *site;

static void arrived(void *arg, const struct ipaddr *eid, const uint8_t mac[6])
{
	char a[IPADDR_STRLEN];
	(void)arg;
	printf("arrived %s %02x:%02x:%02x:%02x:%02x:%02x\n", ipaddr_str(eid, a, sizeof(a)), mac[0],
	       mac[1], mac[2], mac[3], mac[4], mac[5]);
	fflush(stdout);
}

static void left(void *arg, const struct ipaddr *eid)
{
	char a[IPADDR_STRLEN];
	(void)arg;
	printf("left %s\n", ipaddr_str(eid, a, sizeof(a)));
	fflush(stdout);
}

static char ctl_buf[512];
static size_t ctl_len;

static void ctl_line(char *line)
{
	struct ipaddr a;
	char *sp = strchr(line, ' ');
	if (!sp || ipaddr_parse(sp + 1, &a)) {
		printf("bad command: %s\n", line);
		fflush(stdout);
		return;
	}
	*sp = '\0';
	int rc = strcmp(line, "add") == 0   ? site_host_add(site, &a)
		 : strcmp(line, "del") == 0 ? site_host_del(site, &a)
					    : -1;
	printf("%s %s %s\n", line, sp + 1, rc == 0 ? "ok" : "failed");
	fflush(stdout);
}

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	ssize_t n = read(fd, ctl_buf + ctl_len, sizeof(ctl_buf) - 1 - ctl_len);
	if (n <= 0)
		return;
	ctl_len += (size_t)n;
	ctl_buf[ctl_len] = '\0';
	char *nl;
	while ((nl = strchr(ctl_buf, '\n')) != NULL) {
		*nl = '\0';
		ctl_line(ctl_buf);
		ctl_len -= (size_t)(nl + 1 - ctl_buf);
		memmove(ctl_buf, nl + 1, ctl_len + 1);
	}
	if (ctl_len == sizeof(ctl_buf) - 1)
		ctl_len = 0; /* overlong line: dropped */
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	(void)what;
	if (sig == SIGUSR1) {
		struct site_stats st;
		site_get_stats(site, &st);
		printf("stats frames=%llu bad=%llu ns_answered=%llu ns_ignored=%llu arrivals=%llu "
		       "departures=%llu probes=%llu ports_isolated=%llu hosts=%u\n",
		       (unsigned long long)st.frames, (unsigned long long)st.frames_bad,
		       (unsigned long long)st.ns_answered, (unsigned long long)st.ns_ignored,
		       (unsigned long long)st.arrivals, (unsigned long long)st.departures,
		       (unsigned long long)st.probes_sent, (unsigned long long)st.ports_isolated,
		       st.hosts);
		fflush(stdout);
		return;
	}
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	struct cfg_errs errs;
	struct site_cfg cfg;
	struct tun tun;
	char err[256];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: site_gwd CONFIG.xml [CONTROL-FIFO]\n");
		return 2;
	}
	log_init("site_gwd", 1, LOG_DEBUG);
	cfg_errs_init(&errs);
	xmlDoc *doc = cfg_load(argv[1], NULL, &errs);
	if (!doc || site_cfg_parse(cfg_root(doc), &cfg, &errs)) {
		fprintf(stderr, "%s", errs.text);
		cfg_free(doc);
		return 1;
	}
	cfg_free(doc);
	if (tun_open(&tun, cfg.tun, 0, err, sizeof(err))) {
		fprintf(stderr, "site_gwd: tun: %s\n", err);
		return 1;
	}
	struct event_base *base = event_base_new();
	struct site_hooks hooks = {.host_arrived = arrived, .host_left = left};
	site = site_setup(base, &cfg, &hooks, NULL, err, sizeof(err));
	if (!site) {
		fprintf(stderr, "site_gwd: setup: %s\n", err);
		tun_close(&tun);
		event_base_free(base);
		return 1;
	}
	struct event *sigs[3];
	int nums[3] = {SIGTERM, SIGINT, SIGUSR1};
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, nums[i], on_signal, base);
		event_add(sigs[i], NULL);
	}
	struct event *ctl = NULL;
	int ctl_fd = -1;
	if (argc == 3) {
		ctl_fd = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (ctl_fd < 0) {
			perror("site_gwd: control FIFO");
			return 1;
		}
		ctl = event_new(base, ctl_fd, EV_READ | EV_PERSIST, on_ctl, NULL);
		event_add(ctl, NULL);
	}
	struct cfg_priv priv;
	memset(&priv, 0, sizeof(priv)); /* the default user */
	if (priv_drop(&priv, PRIV_CAP(CAP_NET_ADMIN) | PRIV_CAP(CAP_NET_RAW)) < 0) {
		fprintf(stderr, "site_gwd: cannot drop the privileges\n");
		site_teardown(site);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	if (ctl) {
		event_free(ctl);
		close(ctl_fd);
	}
	site_teardown(site);
	tun_close(&tun);
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(base);
	printf("stopped\n");
	fflush(stdout);
	return 0;
}
