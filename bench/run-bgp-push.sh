#!/usr/bin/env bash
# bench/run-bgp-push.sh - the bgp-push row (lisp-msd announcing 100k host mappings; time until
# our D-ETR has all and until BIRD 2 has all; baseline BIRD 2 -> BIRD 2). Not written yet:
# the D-ETR (lisp-xtrd mode="representative" with BGP) has not landed, and the BIRD part is
# planned as: lisp-msd with 100k registrations (bench/loadgen -R 32), a BIRD 2 peer started
# last, time until `birdc show route count` reaches 100k; the same for BIRD 2 with 100k
# static routes towards a second BIRD 2.
. "$(dirname "$0")/lib.sh"
if ! "$B/lisp-xtrd" -n -f /dev/stdin >/dev/null 2>&1 <<XML
<lisp-xtrd mode="representative"><rloc address="192.0.2.10"/><bgp as="65000" router-id="192.0.2.10"/></lisp-xtrd>
XML
then
	skip "the D-ETR (lisp-xtrd mode=\"representative\" with a <bgp> element) has not landed, and the lisp-msd -> BIRD 2 vs BIRD 2 -> BIRD 2 timing is not written yet (bench/run-bgp-push.sh says how it will be measured)"
fi
skip "bench/run-bgp-push.sh: the measurement is not written yet (the D-ETR exists now)"
