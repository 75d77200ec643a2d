#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/tools_flow.sh - lisp-flow, the measuring tool of the migration test and
# demo, checked on its own across a veth pair between two namespaces: `send` against `echo`
# (counts, JSON, CSV), SIGUSR1 ending a long flow cleanly (not "interrupted", nothing lost,
# the report covers exactly the packets sent, the CSV readable while the flow runs), and
# `tap` logging each packet with the kernel's time on the device: a tap stopped (SIGSTOP)
# while packets pass still logs them with the times they passed, not the time it resumed;
# its log is readable while it runs; with --lisp it also logs flow packets inside LISP data
# packets, with their outer addresses. A packet the kernel refuses (a firewall rule) is a
# send error, neither sent nor lost, on both sides; -h, --help and --version.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip jq nft

FLOW=$top_builddir/lisp-flow
[ -x "$FLOW" ] || skip_all "lisp-flow not built"

A=${T_PFX}a B=${T_PFX}b
netns_add "$A" && netns_add "$B" && veth_add "$A" va "$B" vb || { fail "topology"; finish; }
addr_add "$A" va 192.0.2.1/24 && addr_add "$B" vb 192.0.2.2/24 &&
	addr_add "$A" va 2001:db8::1/64 nodad && addr_add "$B" vb 2001:db8::2/64 nodad ||
	{ fail "addresses"; finish; }
PORT=40000

start_bg -n "$B" echo "$FLOW" echo --port $PORT --log "$T_TMP/echo.txt" --max-seconds 120
start_bg -n "$B" tap "$FLOW" tap --dev vb --port $PORT --log "$T_TMP/tap.txt" --max-seconds 120
check "echo and tap ready" wait_until 5 bash -c "grep -q ready '$(bg_log echo)' && grep -q ready '$(bg_log tap)'"

# send COUNT-limited flows, IPv4 and IPv6
for dst in 192.0.2.2 "[2001:db8::2]"; do
	out=$T_TMP/send-${dst//[^0-9a-f]/}.json
	timeout 30 ip netns exec "$A" "$FLOW" send --to "$dst:$PORT" --rate 2000 --count 400 \
		--name short --json --linger-ms 500 >"$out"
	check "send $dst: 400 sent, 400 echoed, none lost, not interrupted" jq -e \
		'.sent == 400 and .received == 400 and .lost == 0 and .interrupted == false and
		 .rttMs.max < 1000' "$out"
done

# SIGUSR1: a flow of 1,000,000 packets at 1000/s ended after about 1 s
t_start=$(date +%s%3N)
start_bg -n "$A" long "$FLOW" send --to 192.0.2.2:$PORT --rate 1000 --count 1000000 \
	--name long --json --csv "$T_TMP/long.csv" --linger-ms 500 --max-seconds 60
# the CSV grows while the flow runs (flushed at least every 100 ms)
check "the CSV is readable while the flow runs" wait_until 5 \
	bash -c "[ \$(grep -c '^[0-9]' '$T_TMP/long.csv') -ge 500 ]"
kill -USR1 "$(bg_pid long)"
check "SIGUSR1: the sender exits within 5 s" wait_until 5 bash -c "! kill -0 $(bg_pid long) 2>/dev/null"
t_end=$(date +%s%3N)
grep '^{' "$(bg_log long)" >"$T_TMP/long.json"
check "SIGUSR1: ended cleanly (not interrupted, every packet sent echoed)" jq -e \
	'.interrupted == false and .sent >= 500 and .sent < 30000 and .received == .sent and .lost == 0' \
	"$T_TMP/long.json"
check "SIGUSR1: the CSV holds one line per echo" test \
	"$(grep -c '^[0-9]' "$T_TMP/long.csv")" = "$(jq .received "$T_TMP/long.json")"
check "SIGUSR1: the sender's duration matches the wall time it ran" jq -e \
	--argjson w $((t_end - t_start)) '.durationMs > 400 and .durationMs <= $w' "$T_TMP/long.json"

# the tap: every packet of the flows seen on vb, in (to the echo) and out (the echo's answer)
count_tap() { awk -v f="$1" -v d="$2" '$1 !~ /^#/ && $6 == f && $2 == d { n++ } END { print n + 0 }' "$T_TMP/tap.txt"; }
check "tap: the short flows' packets in and out on vb (800 each way)" \
	bash -c "[ \$(awk '\$6 == \"short\" && \$2 == \"in\"' '$T_TMP/tap.txt' | wc -l) = 800 ] &&
		 [ \$(awk '\$6 == \"short\" && \$2 == \"out\"' '$T_TMP/tap.txt' | wc -l) = 800 ]"
log "tap: long flow in $(count_tap long in), out $(count_tap long out)"
check "tap: the long flow's packets in and out, seen while the tap runs (log flushed when idle)" \
	test "$(count_tap long in)" = "$(jq .sent "$T_TMP/long.json")" -a \
	"$(count_tap long out)" = "$(jq .sent "$T_TMP/long.json")"

# kernel timestamps: stop the tap, send 200 packets, wait, note the time, resume the tap.
# Every packet must be logged with a time before the resume (read times would be after).
kill -STOP "$(bg_pid tap)"
t0=$(date +%s%3N)
timeout 30 ip netns exec "$A" "$FLOW" send --to 192.0.2.2:$PORT --rate 1000 --count 200 \
	--name stopped --json --linger-ms 300 >"$T_TMP/stopped.json"
sleep 0.5
t_resume=$(date +%s%3N)
kill -CONT "$(bg_pid tap)"
check "tap: the 200 packets sent while it was stopped are logged" wait_until 5 \
	bash -c "[ \$(awk '\$6 == \"stopped\" && \$2 == \"in\"' '$T_TMP/tap.txt' | wc -l) = 200 ]"
check "tap: with the times they passed ($t0 .. $t_resume), not when the tap resumed" \
	awk -v a="$t0" -v b="$t_resume" '$6 == "stopped" { n++; if ($1 < a || $1 >= b) bad++ }
		END { if (bad) print bad " of " n " outside"; exit !(n == 400 && !bad) }' "$T_TMP/tap.txt"

# --lisp: flow packets inside LISP data packets (UDP 4341, 8-byte LISP header) are logged
# with their outer addresses; plain flow packets still are, with "- -"
start_bg -n "$B" ltap "$FLOW" tap --dev vb --port $PORT --lisp --log "$T_TMP/ltap.txt" --max-seconds 60
check "tap --lisp ready" wait_until 5 grep -q ready "$(bg_log ltap)"
ip netns exec "$A" python3 - <<'PY'
import socket, struct
def inner(seq):  # IPv4/UDP 198.51.100.9:5555 -> 198.51.100.5:40000, a lisp-flow packet
    pl = b"LFW1" + struct.pack("!IQ", seq, 0) + b"encapped".ljust(16, b"\0")
    udp = struct.pack("!HHHH", 5555, 40000, 8 + len(pl), 0) + pl
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                    socket.inet_aton("198.51.100.9"), socket.inet_aton("198.51.100.5"))
    return h + udp
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for seq in range(5):
    s.sendto(b"\x80" + b"\0" * 7 + inner(seq), ("192.0.2.2", 4341))
PY
timeout 30 ip netns exec "$A" "$FLOW" send --to 192.0.2.2:$PORT --rate 1000 --count 3 \
	--name plain --json --linger-ms 200 >/dev/null
check "tap --lisp: 5 encapsulated packets logged with their outer source and destination" \
	wait_until 5 bash -c "[ \$(awk '\$6 == \"encapped\" && \$4 == \"198.51.100.9\" && \$7 == \"192.0.2.1\" && \$8 == \"192.0.2.2\"' '$T_TMP/ltap.txt' | wc -l) = 5 ]"
check "tap --lisp: plain flow packets logged with '- -'" \
	bash -c "[ \$(awk '\$6 == \"plain\" && \$2 == \"in\" && \$7 == \"-\" && \$8 == \"-\"' '$T_TMP/ltap.txt' | wc -l) = 3 ]"
check "tap without --lisp: the encapsulated packets are not flow packets" \
	bash -c "! grep -q encapped '$T_TMP/tap.txt'"
stop_bg ltap

check "echo and tap stop on SIGTERM" bash -c "kill $(bg_pid echo) $(bg_pid tap); sleep 0.5; ! kill -0 $(bg_pid echo) 2>/dev/null && ! kill -0 $(bg_pid tap) 2>/dev/null"
check "the echo logged every packet it answered" test "$(grep -c '^[0-9]' "$T_TMP/echo.txt")" = \
	"$((800 + $(jq .sent "$T_TMP/long.json") + 200 + 3))" # + the 3 "plain" of --lisp
# ---------------------------------------------------------------- send errors are not "sent"
# A rule of A's firewall drops what goes to port P2: every send() fails (EPERM), so nothing
# is sent, nothing is lost in the network, and every packet is a send error.
P2=40002 P3=40003
ip netns exec "$A" nft -f - <<EOF || fail "nft rules in $A"
table inet lispflowtest {
	chain out { type filter hook output priority 0; udp dport $P2 drop; }
}
EOF
start_bg -n "$B" echo2 "$FLOW" echo --port $P2 --max-seconds 60
start_bg -n "$B" echo3 "$FLOW" echo --port $P3 --max-seconds 60
check "echoes on P2 and P3 ready" wait_until 5 bash -c "grep -q ready '$(bg_log echo2)' && grep -q ready '$(bg_log echo3)'"
timeout 30 ip netns exec "$A" "$FLOW" send --to 192.0.2.2:$P2 --rate 1000 --count 50 \
	--name refused --json --linger-ms 200 >"$T_TMP/refused.json"
check "refused by the sender's firewall: 0 sent, 50 send errors, 0 lost" jq -e \
	'.sent == 0 and .sendErrors == 50 and .received == 0 and .lost == 0 and
	 .largestHole.count == 50 and .interrupted == false' "$T_TMP/refused.json"
timeout 30 ip netns exec "$A" "$FLOW" send --to 192.0.2.2:$P2 --rate 1000 --count 50 \
	--name refused --linger-ms 200 >"$T_TMP/refused.txt"
check "... and in text: sent 0, not sent 50" bash -c \
	"grep -q 'sent 0, received 0, lost 0' '$T_TMP/refused.txt' && grep -q 'not sent: 50' '$T_TMP/refused.txt'"
# B's firewall drops what the echo on P3 answers: its echoes are send errors, not echoes
ip netns exec "$B" nft -f - <<EOF || fail "nft rules in $B"
table inet lispflowtest {
	chain out { type filter hook output priority 0; udp sport $P3 drop; }
}
EOF
timeout 30 ip netns exec "$A" "$FLOW" send --to 192.0.2.2:$P3 --rate 1000 --count 30 \
	--name noecho --json --linger-ms 200 >"$T_TMP/noecho.json"
check "the echo cannot answer: 30 sent, 30 lost" jq -e '.sent == 30 and .sendErrors == 0 and
	.received == 0 and .lost == 30' "$T_TMP/noecho.json"
stop_bg echo3
check "the echo counts them as send errors, not echoed" \
	grep -q "echoed 0 packets, 30 send errors" "$(bg_log echo3)"
stop_bg echo2
check "the echo on P2 received nothing" grep -q "echoed 0 packets, 0 send errors" "$(bg_log echo2)"

# ---------------------------------------------------------------- -h, --help, --version
# usage_ok CMD...: exit 0, the usage on stdout ("usage: lisp-flow ..."), nothing on stderr
usage_ok() {
	local out
	out=$("$@" 2>"$T_TMP/usage.err") || return 1
	[ ! -s "$T_TMP/usage.err" ] && printf '%s\n' "$out" | head -1 | grep -q "^usage: lisp-flow "
}
check "-h: usage on stdout, exit 0" usage_ok "$FLOW" -h
check "--help: usage on stdout, exit 0" usage_ok "$FLOW" --help
for cmd in send echo tap; do
	check "$cmd -h: its usage on stdout, exit 0" usage_ok "$FLOW" $cmd -h
	check "$cmd --help: its usage on stdout, exit 0" usage_ok "$FLOW" $cmd --help
done
check "--version: 'lisp-flow VERSION', exit 0" bash -c \
	"[ \"\$('$FLOW' --version)\" = \"lisp-flow $(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")\" ]"
check "an unknown command: usage on stderr, exit 2" bash -c \
	"'$FLOW' frobnicate 2>&1 >/dev/null | grep '^usage: lisp-flow ' >/dev/null; r=(\${PIPESTATUS[@]}); [ \${r[0]} -eq 2 ] && [ \${r[1]} -eq 0 ]"

finish
