/* SPDX-License-Identifier: ISC */
/* tests/unit/bgp_msg_testlib.h - what test_bgp_msg.c and test_bgp_msg_update.c share: the
 * 16-byte marker every BGP message starts with (for the byte vectors) and the session
 * options the messages are parsed and built with (plain: 4-octet AS, IBGP, IPv4 and IPv6
 * negotiated; addpath: ADD-PATH both ways and extended next hop as well). */
#ifndef BGP_MSG_TESTLIB_H
#define BGP_MSG_TESTLIB_H

#include <stdbool.h>

#include "proto/bgp.h"

#define MARKER                                                                                     \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  \
	    0xff

static const struct bgp_sess_opts opts_plain = {.as4 = true, .ibgp = true, .mp = 3};
static const struct bgp_sess_opts opts_addpath = {
    .as4 = true, .ibgp = true, .mp = 3, .addpath_rx = 3, .addpath_tx = 3, .ext_nh = 1};

#endif
