#!/bin/bash
# SPDX-License-Identifier: ISC
# tests/integration/bgp_malformed.sh - RFC 7606 / RFC 4271 §6 reactions of our speaker:
# bgp_badpeer drives every case (treat-as-withdraw, attribute discard, NOTIFICATION with
# the right code/subcode) over an iBGP session and checks the Adj-RIB-In through the CLI;
# the speaker never crashes, its counters agree, and the session re-establishes each time.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && exit 77
. "$top_srcdir/tests/integration/lib.sh"
need_cmd jq nc

SPK=$top_builddir/tests/integration/bgpspk
BAD=$top_builddir/tests/integration/bgp_badpeer
export LISP_SCHEMA_DIR=$top_srcdir/schema
P_SPK=$(free_port tcp)
P_CLI=$(free_port tcp)
cat >"$T_TMP/spk.xml" <<EOF
<bgpspk>
  <cli port="$P_CLI"/>
  <bgp as="65000" router-id="127.0.0.1">
    <listen address="127.0.0.1" port="$P_SPK"/>
    <peer address="127.0.0.6" as="65000" passive="true" graceful-restart="off"/>
  </bgp>
</bgpspk>
EOF
start_bg spk "$SPK" -dv -f "$T_TMP/spk.xml"
check "speaker CLI up" wait_until 10 cli "$P_CLI" show version
timeout 100 "$BAD" 127.0.0.6 "$P_SPK" "$P_CLI" 65000 >"$T_TMP/badpeer.log" 2>&1
rc=$?
sed 's/^/# badpeer: /' "$T_TMP/badpeer.log"
check "every malformed case handled as the RFC says" test "$rc" -eq 0
check "counters: 6 treat-as-withdraw, 2 discards, 3 UPDATE resets (RFC 7606 classification)" json_poll 5 \
	'.[0] | .treatAsWithdraw == 6 and .attributeDiscard == 2 and .sessionResets == 3' \
	cli "$P_CLI" show bgp neighbors 127.0.0.6 json
check "speaker still alive" bg_alive spk
check "speaker still answers" cli "$P_CLI" show bgp summary json
finish
