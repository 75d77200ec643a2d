#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/lib_selftest.sh - exercises tests/integration/lib.sh: unique names, two
# namespaces joined by a veth (192.0.2.0/24) with a bounded ping, a bridge joining two more,
# background processes, wait_until/json_poll, free_port, the cli helper against a stand-in
# server, BIRD 2 started/queried/stopped, a tshark capture, and that cleanup (normal and
# after an early exit) leaves no namespace, interface or process behind.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip ping jq nc

# --- names
n1=$(uname_ a)
n2=$(uname_ b)
check "unique prefix is 6 chars" test ${#T_PFX} -eq 6
check "names differ" test "$n1" != "$n2"
check "long suffix is cut to 15" test "$(uname_ 0123456789abc 2>/dev/null | wc -c)" -eq 16

# --- two namespaces, veth, ping
netns_add "$n1" && netns_add "$n2"
check "netns created" bash -c "ip netns list | grep -qw $n1 && ip netns list | grep -qw $n2"
veth_add "$n1" eth0 "$n2" eth0
addr_add "$n1" eth0 192.0.2.1/24
addr_add "$n2" eth0 192.0.2.2/24
check "ping across veth" nsexec "$n1" timeout 10 ping -c 2 -i 0.2 -W 2 192.0.2.2
check "nsexec runs in the namespace" bash -c "[ \"\$(ip netns exec $n1 ip -br addr show eth0 | awk '{print \$3}')\" = 192.0.2.1/24 ]"

# --- a bridge in its own namespace with two ports
nb=$(uname_ br)
n3=$(uname_ c)
netns_add "$nb" && netns_add "$n3"
bridge_add "$nb" br0 02:00:00:00:01:01
veth_add "$nb" p1 "$n1" eth1
veth_add "$nb" p3 "$n3" eth0
link_master "$nb" p1 br0
link_master "$nb" p3 br0
addr_add "$n1" eth1 198.51.100.11/24
addr_add "$n3" eth0 198.51.100.13/24
check "bridge keeps its MAC" bash -c "ip -n $nb link show br0 | grep -q 02:00:00:00:01:01"
check "ping across the bridge" nsexec "$n1" timeout 10 ping -c 2 -i 0.2 -W 2 198.51.100.13

# --- a root-namespace link is registered and removed
rl=$(uname_ rv)
veth_add "" "$rl" "$n3" eth9
check "root veth exists" ip link show "$rl"

# --- background processes, wait_until, json_poll
start_bg sleeper sleep 300
sp=$(bg_pid sleeper)
check "start_bg records a live PID" kill -0 "$sp"
start_bg -n "$n1" nssleeper sleep 300
np=$(bg_pid nssleeper)
# (the PID is `ip netns exec`'s until it has entered the namespace: on a loaded machine
# that takes a while, so the check waits for it)
check "start_bg -n runs in the namespace" wait_until 10 bash -c "ip netns identify $np | grep -qx $n1"
stop_bg nssleeper
check_not "stopped process is gone" kill -0 "$np"
touch "$T_TMP/flag.later"
( sleep 0.5; echo ready >"$T_TMP/flag" ) &
check "wait_until sees a later event" wait_until 5 test -s "$T_TMP/flag"
t0=$(date +%s%N)
wait_until 0.5 false
rc=$?
t1=$(date +%s%N)
check "wait_until times out (0.5 s)" test $rc -eq 1 -a $(((t1 - t0) / 1000000)) -ge 400 -a $(((t1 - t0) / 1000000)) -lt 3000
echo 0 >"$T_TMP/n"
bump() { n=$(cat "$T_TMP/n"); echo $((n + 1)) >"$T_TMP/n"; printf '{"count": %d}\n' $((n + 1)); }
check "json_poll waits for the filter" json_poll 10 '.count >= 3' bump
check_not "json_poll times out" json_poll 1 '.count == -1' bump
# check_not passes a refusal (exit 1..123), never a crash, a timeout or a missing program:
# run it in a subshell with its own counters and look at its verdict.
for c in "sh -c 'kill -SEGV \$\$'" "timeout 0.2 sleep 5" "/nonexistent/program"; do
	v=$( (T_PASS=0 T_FAIL=0; eval "check_not probe $c" >/dev/null; echo "$T_PASS/$T_FAIL") )
	check "check_not fails on: $c" test "$v" = 0/1
done
v=$( (T_PASS=0 T_FAIL=0; check_not probe false >/dev/null; echo "$T_PASS/$T_FAIL") )
check "check_not passes a plain refusal (exit 1)" test "$v" = 1/0

# --- free_port
p=$(free_port)
check "free_port gives a port" test "$p" -ge 20000 -a "$p" -lt 60000

# --- cli against a stand-in telnet-style server (prompt, answer, JSON)
if command -v python3 >/dev/null; then
	cp=$(free_port tcp)
	cat >"$T_TMP/fakecli.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); s.settimeout(30)
for _ in range(4):
    c, _a = s.accept(); c.settimeout(5)
    c.sendall(b"\xff\xfb\x01\xff\xfb\x03lisp-msd> ")
    buf = b""
    while True:
        d = c.recv(4096)
        if not d: break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1); line = line.strip()
            c.sendall(b"\r\n")
            if line == b"quit": c.close(); break
            if line == b"show version json": c.sendall(b'{"name": "lisp-msd", "version": "0.1.0"}\r\n')
            elif line == b"show version": c.sendall(b"lisp-msd 0.1.0\r\n")
            else: c.sendall(b"% Unknown command\r\n")
            c.sendall(b"lisp-msd> ")
        if c.fileno() < 0: break
PY
	start_bg fakecli python3 "$T_TMP/fakecli.py" "$cp"
	wait_until 5 bash -c "ss -Htln 'sport = :$cp' | grep -q ."
	out=$(cli "$cp" show version)
	check "cli strips prompts and negotiation" test "$out" = "lisp-msd 0.1.0"
	out=$(cli "$cp" show version json | jq -r .version)
	check "cli json output feeds jq" test "$out" = 0.1.0
	stop_bg fakecli
else
	log "python3 missing: cli helper not exercised"
fi

# --- BIRD 2
if [ -x "$BIRD" ] && [ -x "$BIRDC" ]; then
	cat >"$T_TMP/bird.conf" <<EOF2
router id 192.0.2.1;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 unreachable; route 203.0.113.0/24 unreachable; }
EOF2
	check "bird starts" bird_start b1 "$T_TMP/bird.conf" "$n1"
	out=$(birdc b1 show route protocol s4 count)
	check "birdc counts the static routes" grep -q "2 of 2 routes" <<<"$out"
	out=$(birdc b1 show route 198.51.100.0/24)
	check "birdc NAME show route" grep -q "198.51.100.0/24" <<<"$out"
	bpid=$(bg_pid bird-b1)
	check "bird runs in the namespace" bash -c "ip netns identify $bpid | grep -qx $n1"
	bird_stop b1
	check_not "bird stopped" kill -0 "$bpid"
else
	log "bird not installed: BIRD helpers not exercised"
fi

# --- tshark
if command -v "$TSHARK" >/dev/null; then
	check "tshark starts" tshark_start "$n2" eth0 icmp "$T_TMP/cap.pcapng"
	nsexec "$n1" timeout 5 ping -c 2 -i 0.2 -W 1 192.0.2.2 >/dev/null
	tshark_stop
	check "tshark captured the pings" bash -c "[ \$($TSHARK -r $T_TMP/cap.pcapng -Y 'icmp.type==8' 2>/dev/null | wc -l) -ge 1 ]"
fi

# --- cleanup leaves nothing behind
cleanup_now
check_not "namespaces removed" bash -c "ip netns list | grep -q '^$T_PFX'"
check_not "root link removed" ip link show "$rl"
check_not "background process killed" kill -0 "$sp"

# --- an early exit still cleans up and prints the summary last
cat >"$T_TMP/early.sh" <<EOF2
. "$top_srcdir/tests/integration/lib.sh"
netns_add "\$(uname_ x)"
echo "NS=\$(uname_ x)"
start_bg s sleep 300
echo "PID=\$(bg_pid s)"
ok "one"
exit 3
EOF2
out=$(timeout 30 bash "$T_TMP/early.sh")
rc=$?
ens=$(sed -n 's/^NS=//p' <<<"$out")
epid=$(sed -n 's/^PID=//p' <<<"$out")
check "early exit: status non-zero" test $rc -ne 0
check "early exit: summary is the last line" test "$(tail -1 <<<"$out")" = "1 passed, 1 failed"
check_not "early exit: namespace removed" bash -c "ip netns list | grep -qw '$ens'"
check_not "early exit: process killed" kill -0 "$epid"

finish
