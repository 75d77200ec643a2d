#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/evacuation.sh - a whole-site evacuation on the loopback of a private
# namespace: lisp-register --eids-file moves 5000 EIDs at once to lisp-msd (pipelined
# Map-Registers, each acknowledged), lisp-msd notifies the new RLOC of their arrival in
# coalesced multi-record Map-Notifies that bench/notify_acker acknowledges as lisp-xtrd
# does; a move to an RLOC that answers nothing is still acknowledged at once and its
# notifications are given up within the configured retries; two Map-Servers, one down:
# exit 5 and the JSON says which acknowledged; both up: 0; both down: 3. A real lisp-xtrd
# acknowledges multi-record arrival Map-Notifies as the acker does.
# RLOCs 192.0.2.77 (the acker) and 192.0.2.78 (nothing listens) on the namespace's lo.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq nc ss

MSD=$top_builddir/lisp-msd
REG=$top_builddir/lisp-register
ACK=$top_builddir/bench/notify_acker
[ -x "$MSD" ] && [ -x "$REG" ] && [ -x "$ACK" ] || skip_all "lisp-msd, lisp-register or bench/notify_acker not built"

NS=ev$$
netns_add "$NS" || skip_all "cannot create a network namespace"
ip -n "$NS" addr add 192.0.2.77/32 dev lo
ip -n "$NS" addr add 192.0.2.78/32 dev lo
printf 'dc-secret\n' >"$T_TMP/dc.key"
N=5000

msd_conf() { # NAME PORT CLIPORT
	cat >"$T_TMP/$1.xml" <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$2"/>
  <cli address="127.0.0.1" port="$3"/>
  <database path="$T_TMP/$1.db" sync="normal"/>
  <log level="info"/>
  <map-notify interval-ms="200" retries="2"/>
  <site name="dc" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="2001:db8:5::/48" more-specifics="true"/>
  </site>
</lisp-msd>
XML
}
msd_conf ms1 4701 2701
msd_conf ms2 4702 2702
start_bg -n "$NS" ms1 "$MSD" -d -f "$T_TMP/ms1.xml"
start_bg -n "$NS" acker "$ACK" -a 192.0.2.77 -s dc-secret -t 300 -o "$T_TMP/acker.out"
check "lisp-msd CLI answers" wait_until 10 cli 2701 "$NS" show version || finish
check "acker is up" wait_until 5 test -s "$T_TMP/acker.out"

stats() { cli "$1" "$NS" show statistics json; }
reg() { ip netns exec "$NS" timeout 60 "$REG" --key-id 1 --key-file "$T_TMP/dc.key" "$@"; }
# run_rc WANT FILE CMD...: CMD's stdout to FILE, its exit status must be WANT
run_rc() {
	local want=$1 f=$2 rc
	shift 2
	"$@" >"$f"
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want" >&2; return 1; }
}

{
	echo "# the EIDs of one site, one per line; comments and blank lines allowed"
	for i in $(seq 1 $N); do
		printf '2001:db8:5::%x/128\n' "$i"
		[ $((i % 1000)) = 0 ] && printf '\n  # %d so far\n' "$i"
	done
} >"$T_TMP/eids.txt"

t0=$(date +%s%3N)
check "lisp-register --eids-file: $N EIDs to 192.0.2.77, exit 0" run_rc 0 "$T_TMP/r1.json" \
	reg --ms 127.0.0.1:4701 --eids-file "$T_TMP/eids.txt" --rloc 192.0.2.77 --json
t1=$(date +%s%3N)
log "lisp-register: $N EIDs in $((t1 - t0)) ms"
check "json: every EID acknowledged, packed Map-Registers" jq -e --argjson n $N '
	.acked and .eidCount == $n and (.mapServers | length) == 1 and
	.mapServers[0].acknowledgedEids == $n and .mapServers[0].failedEids == 0 and
	.mapServers[0].failed == [] and .messages < $n / 20 and .attempts == .messages' "$T_TMP/r1.json"
check "lisp-msd holds the $N registrations" json_poll 5 ".registrations == $N" stats 2701
check "every arrival notification acknowledged by the new RLOC" json_poll 10 \
	".notifyQueue.ackedEids == $N and .notifyQueue.pendingEids == 0" stats 2701
check "... coalesced: far fewer Map-Notifies than EIDs" json_poll 2 \
	".notifyQueue.records == $N and .notifyQueue.messages < $N / 8 and .notifyQueue.messages == .notifyAcks" stats 2701
check "the acker verified $N records" wait_until 5 grep -q "records=$N " "$T_TMP/acker.out"

# the site at 192.0.2.77 is evacuated in turn, to an RLOC that answers nothing: lisp-msd
# acknowledges the registrations at once all the same
t0=$(date +%s%3N)
check "move the $N EIDs to 192.0.2.78 (nothing listens): exit 0" run_rc 0 "$T_TMP/r2.json" \
	reg --ms 127.0.0.1:4701 --eids-file "$T_TMP/eids.txt" --rloc 192.0.2.78 --json --window 4
t1=$(date +%s%3N)
log "lisp-register: move of $N EIDs in $((t1 - t0)) ms (window 4)"
check "json: all acknowledged" jq -e '.acked and .mapServers[0].acknowledgedEids == '$N "$T_TMP/r2.json"
check "departures acknowledged by 192.0.2.77, arrivals at .78 given up (interval 200 ms, 2 retries)" \
	json_poll 10 ".notifyQueue.ackedEids == 2 * $N and .notifyQueue.pendingEids == 0 and
	.notifyQueue.pendingMessages == 0 and .drops[\"retries-exhausted\"] > 0 and
	.notifyQueue.abandonedEids + .notifyQueue.records == 3 * $N" stats 2701
check "a registration meanwhile is answered at once" run_rc 0 /dev/null \
	reg --ms 127.0.0.1:4701 --eid 2001:db8:5::ffff/128 --rloc 192.0.2.78 --timeout 0.3 --retries 0

{ cat "$T_TMP/eids.txt"; echo 2001:db8:5::7/128; } >"$T_TMP/dup.txt"
check "a duplicate EID in the file: exit 2" run_rc 2 /dev/null bash -c "
	ip netns exec $NS timeout 20 '$REG' --ms 127.0.0.1:4701 --key-file '$T_TMP/dc.key' \
		--eids-file '$T_TMP/dup.txt' --rloc 192.0.2.77 2>'$T_TMP/dup.err'"
check "... the EID named" grep -q 'EID 2001:db8:5::7/128 given twice' "$T_TMP/dup.err"

# a real lisp-xtrd at 192.0.2.77 instead of the acker: it answers the multi-record arrival
# Map-Notifies with one Map-Notify-Ack each (xtr/register.c), which lisp-msd matches
XTRD=$top_builddir/lisp-xtrd
if [ -x "$XTRD" ]; then
	stop_bg acker
	cat >"$T_TMP/xtr.xml" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="192.0.2.77"/>
  <map-server address="127.0.0.1" port="4701" key-id="1" algorithm="hmac-sha-256" secret="dc-secret"/>
  <probing interval="0"/>
  <log level="info"/>
  <database>
    <mapping eid="2001:db8:5::f:1/128"/>
  </database>
</lisp-xtrd>
XML
	start_bg -n "$NS" xtr "$XTRD" -d -f "$T_TMP/xtr.xml"
	xms() { cli 2620 "$NS" show map-servers json; }
	check "lisp-xtrd at 192.0.2.77 registered its own EID" json_poll 15 '.mapServers[0].state == "registered"' xms
	head -501 "$T_TMP/eids.txt" >"$T_TMP/eids500.txt"
	check "move 500 EIDs back to 192.0.2.77: exit 0" run_rc 0 "$T_TMP/r6.json" \
		reg --ms 127.0.0.1:4701 --eids-file "$T_TMP/eids500.txt" --rloc 192.0.2.77 --json
	check "lisp-xtrd acknowledged the coalesced arrival notifications: 500 EIDs more" \
		json_poll 10 ".notifyQueue.ackedEids == 2 * $N + 500" stats 2701
	check "... in a few Map-Notify-Acks (multi-record)" json_poll 2 \
		'.mapServers[0].notifyAcksSent >= 1 and .mapServers[0].notifyAcksSent <= 60' xms
	stop_bg xtr
else
	log "lisp-xtrd not built: the check with a real xTR is not run"
fi

# two Map-Servers, the second one down
check "two Map-Servers, one down: exit 5 (some acknowledged)" run_rc 5 "$T_TMP/r3.json" \
	reg --ms 127.0.0.1:4701 --ms 127.0.0.1:4702 --eids-file "$T_TMP/eids.txt" \
	--rloc 192.0.2.77 --timeout 0.2 --retries 1 --json
check "json: the first acknowledged all, the second none (no answer)" jq -e --argjson n $N '
	(.acked | not) and (.mapServers | length) == 2 and
	.mapServers[0].ms == "127.0.0.1:4701" and .mapServers[0].acked and
	.mapServers[0].acknowledgedEids == $n and
	.mapServers[1].ms == "127.0.0.1:4702" and (.mapServers[1].acked | not) and
	.mapServers[1].failedEids == $n and (.mapServers[1].failed | length) == $n and
	(.mapServers[1].error | test("no answer")) and .mapServers[1].result == "no-answer" and
	.mapServers[1].icmp.kind == "port-unreachable" and .result == "partial" and .exitCode == 5 and
	.mapServers[1].attempts == 2 * .mapServers[1].messages' "$T_TMP/r3.json"
start_bg -n "$NS" ms2 "$MSD" -d -f "$T_TMP/ms2.xml"
check "second lisp-msd up" wait_until 10 cli 2702 "$NS" show version
check "both up: exit 0, each acknowledged every EID" run_rc 0 "$T_TMP/r4.json" \
	reg --ms 127.0.0.1:4701 --ms 127.0.0.1:4702 --eids-file "$T_TMP/eids.txt" --rloc 192.0.2.77 --json
check "json: both acked" jq -e '.acked and ([.mapServers[] | .acked] == [true, true])' "$T_TMP/r4.json"
check "the second lisp-msd holds the $N registrations" json_poll 5 ".registrations == $N" stats 2702
stop_bg ms1
stop_bg ms2
check "both down: exit 3 (no answer)" run_rc 3 "$T_TMP/r5.json" \
	reg --ms 127.0.0.1:4701 --ms 127.0.0.1:4702 --eid 2001:db8:5::1/128 --rloc 192.0.2.77 \
	--timeout 0.1 --retries 1 --json
check "json: none acked" jq -e '(.acked | not) and ([.mapServers[] | .acked] == [false, false])' "$T_TMP/r5.json"
check "the same Map-Server twice: exit 2" run_rc 2 /dev/null \
	reg --ms 127.0.0.1:4701 --ms 127.0.0.1:4701 --eid 2001:db8:5::1/128 --rloc 192.0.2.77
finish
