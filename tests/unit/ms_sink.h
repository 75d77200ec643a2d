/* SPDX-License-Identifier: ISC */
/* tests/unit/ms_sink.h - the send sink of the Map-Server core tests (test_ms*, via
 * ms_core_testlib.h, test_ms_notifyq, test_ms_replay): every packet the Map-Server under test
 * sends is kept in sent[0 .. nsent) (MS_SINK_MAX at most, each up to 4 KB, or the test
 * fails; with sink_count_past_max, packets past the bound are counted, not kept), unless
 * sink_fails is set: then the socket refuses it (a send failure). Include once per test
 * program, after ms_testlib.h. */
#ifndef MS_SINK_H
#define MS_SINK_H

#define MS_SINK_MAX 4096
struct pkt {
	struct ipaddr dst;
	uint16_t dport;
	size_t len;
	uint8_t data[4096];
};
static struct pkt sent[MS_SINK_MAX];
static size_t nsent;
static bool sink_fails;
static bool sink_count_past_max;

static inline int sink(void *arg, const struct ipaddr *dst, uint16_t dport, const uint8_t *data,
		       size_t len)
{
	(void)arg;
	if (sink_fails)
		return -1;
	if (nsent >= MS_SINK_MAX && sink_count_past_max) {
		nsent++;
		return 0;
	}
	assert_true(nsent < MS_SINK_MAX);
	assert_true(len <= sizeof(sent[0].data));
	sent[nsent].dst = *dst;
	sent[nsent].dport = dport;
	sent[nsent].len = len;
	memcpy(sent[nsent].data, data, len);
	nsent++;
	return 0;
}

#endif
