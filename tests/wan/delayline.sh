#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/wan/delayline.sh - the WAN delay line (tests/wan/delayline.c) against packet
# timestamps: host h1 <-> [p1 delayline p2] <-> host h2, each in a namespace of its own.
# Checks one-way delays frame by frame from captures on both relay ports (no frame before
# its delay D, 90 % of them within D + 1 ms and every one within D + 25 ms, which leaves room
# for a loaded machine's scheduling; asymmetric delays; jitter bounds without reordering), the round trip seen by
# ping, IPv6 and neighbour discovery through it, random loss and queue overflow counted, and
# a bulk TCP transfer (GSO super-frames) arriving intact. Where tc netem exists, the same
# delay on a netem link gives the same round trip within 1 ms.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
need_root
need_cmd ip ping tshark python3 nc
DL="$top_builddir/tests/wan/delayline"
[ -x "$DL" ] || { fail "delayline built" "$DL missing"; finish; }

h1=$(uname_ h1) h2=$(uname_ h2) dl=$(uname_ dl)
for n in "$h1" "$h2" "$dl"; do netns_add "$n" || { fail "netns"; finish; }; done
veth_add "$h1" eth "$dl" p1 || { fail "veth"; finish; }
veth_add "$dl" p2 "$h2" eth || { fail "veth"; finish; }
ip netns exec "$dl" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
addr_add "$h1" eth 198.51.100.1/24
addr_add "$h2" eth 198.51.100.2/24
addr_add "$h1" eth 2001:db8:d1::1/64 nodad
addr_add "$h2" eth 2001:db8:d1::2/64 nodad

run=0
# relay ARGS...: (re)start the delay line with ARGS, wait for "ready"
relay() {
	[ "$run" -gt 0 ] && stop_bg "dl$run"
	run=$((run + 1))
	start_bg -n "$dl" "dl$run" "$DL" -a p1 -b p2 "$@"
	wait_until 5 grep -qx ready "$(bg_log "dl$run")"
}
# counters: the JSON line the relay prints on SIGUSR1
counters() {
	local l n
	l=$(bg_log "dl$run")
	n=$(wc -l <"$l")
	kill -USR1 "$(bg_pid "dl$run")"
	wait_until 3 test "$(wc -l <"$l")" -gt "$n" || return 1
	tail -1 "$l"
}
# rtt_median COUNT INTERVAL ADDR: median ping round trip in ms (h1 -> ADDR)
rtt_median() {
	ip netns exec "$h1" timeout 30 ping -n -c "$1" -i "$2" -W 2 "$3" |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{v[NR]=$1} END {if (NR == 0) exit 1; print v[int((NR + 1) / 2)]}'
}
# oneway CAP1 CAP2 DIR: per-echo one-way delays (ms) from captures on p1 and p2.
# DIR=ab: echo requests p1 -> p2; DIR=ba: echo replies p2 -> p1.
# Prints "min p90 max n reorder".
oneway() {
	python3 - "$1" "$2" "$3" <<'PY'
import subprocess, sys
def times(f, typ):
    out = subprocess.run(["tshark", "-n", "-r", f, "-Y", "icmp.type == %d" % typ,
                          "-T", "fields", "-e", "icmp.seq", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, check=True).stdout
    return {int(s): float(t) for s, t in (l.split("\t") for l in out.split("\n") if l)}
c1, c2, d = sys.argv[1:4]
typ = 8 if d == "ab" else 0
a, b = times(c1, typ), times(c2, typ)
src, dst = (a, b) if d == "ab" else (b, a)
ds = [(dst[s] - src[s]) * 1000 for s in src if s in dst]
order = [s for s, _ in sorted(dst.items(), key=lambda kv: kv[1])]
reorder = sum(1 for x, y in zip(order, order[1:]) if y < x)
ds.sort()
p90 = ds[min(len(ds) - 1, int(0.9 * len(ds)))] if ds else 0
print("%.3f %.3f %.3f %d %d" % (ds[0], p90, ds[-1], len(ds), reorder) if ds else "0 0 0 0 0")
PY
}
# within MIN MAX LO HI: LO <= MIN and MAX <= HI (floats)
within() { python3 -c "import sys; a=list(map(float,sys.argv[1:])); sys.exit(0 if a[2] <= a[0] and a[1] <= a[3] else 1)" "$@"; }
capture() { # capture NAME: tshark on p1 and p2 (icmp only)
	tshark_start "$dl" p1 icmp "$T_TMP/$1-p1.pcap" && tshark_start "$dl" p2 icmp "$T_TMP/$1-p2.pcap"
}

# ------------------------------------------------------------ no delay: the baseline
check "relay starts (no delay)" relay --delay 0
check "IPv4 through the relay" ip netns exec "$h1" ping -n -c 2 -W 2 198.51.100.2
base=$(rtt_median 20 0.02 198.51.100.2)
log "baseline round trip (no delay): ${base:-?} ms"
check "baseline round trip under 1 ms" within "${base:-99}" "${base:-99}" 0 1

# ------------------------------------------------------------ 20 ms each way, frame by frame
check "relay restarts with 20 ms" relay --delay 20
check "IPv6 and neighbour discovery through the relay" \
	ip netns exec "$h1" ping -n -6 -c 2 -W 3 2001:db8:d1::2
capture d20
ip netns exec "$h1" timeout 20 ping -n -q -c 50 -i 0.02 -W 2 198.51.100.2 >/dev/null
tshark_stop
# delays D: none early, 90 % within 1 ms, all within 25 ms (a loaded machine's scheduling)
delays() { # NAME D MIN P90 MAX
	check "$1: no frame before $2 ms, 90 % within $2 + 1 ms (min $3, p90 $4)" within "$3" "$4" "$2" "$(($2 + 1))"
	check "$1: every frame within $2 + 25 ms (max $5)" within "$3" "$5" "$2" "$(($2 + 25))"
}
read -r mn p9 mx n ro < <(oneway "$T_TMP/d20-p1.pcap" "$T_TMP/d20-p2.pcap" ab)
log "20 ms a->b: min $mn p90 $p9 max $mx ms over $n frames"
check "20 ms a->b: $n of 50 requests timed" test "${n:-0}" -ge 50
delays "20 ms a->b" 20 "$mn" "$p9" "$mx"
read -r mn p9 mx n ro < <(oneway "$T_TMP/d20-p1.pcap" "$T_TMP/d20-p2.pcap" ba)
log "20 ms b->a: min $mn p90 $p9 max $mx ms over $n frames"
delays "20 ms b->a" 20 "$mn" "$p9" "$mx"
rtt=$(rtt_median 20 0.02 198.51.100.2)
log "round trip with 20 ms each way: ${rtt:-?} ms"
check "round trip with 20 ms each way within [40, 41] ms" within "${rtt:-0}" "${rtt:-0}" 40 41

# ------------------------------------------------------------ asymmetric
check "relay restarts with 5 ms a->b, 15 ms b->a" relay --delay-ab 5 --delay-ba 15
capture asym
ip netns exec "$h1" timeout 20 ping -n -q -c 30 -i 0.02 -W 2 198.51.100.2 >/dev/null
tshark_stop
read -r mn p9 mx n ro < <(oneway "$T_TMP/asym-p1.pcap" "$T_TMP/asym-p2.pcap" ab)
delays "asymmetric a->b ($n frames)" 5 "$mn" "$p9" "$mx"
read -r mn p9 mx n ro < <(oneway "$T_TMP/asym-p1.pcap" "$T_TMP/asym-p2.pcap" ba)
delays "asymmetric b->a ($n frames)" 15 "$mn" "$p9" "$mx"

# ------------------------------------------------------------ jitter keeps order
check "relay restarts with 20 ms +- 5 ms" relay --delay 20 --jitter 5 --seed 7
capture jit
ip netns exec "$h1" timeout 20 ping -n -q -c 100 -i 0.005 -W 2 198.51.100.2 >/dev/null
tshark_stop
read -r mn p9 mx n ro < <(oneway "$T_TMP/jit-p1.pcap" "$T_TMP/jit-p2.pcap" ab)
log "jitter a->b: min $mn p90 $p9 max $mx ms over $n frames, $ro reordered"
check "jitter: no frame before 15 ms, 90 % within 26 ms (min $mn, p90 $p9)" within "$mn" "$p9" 15 26
check "jitter: every frame within 50 ms (max $mx)" within "$mn" "$mx" 15 50
check "jitter: delays spread over more than 3 ms" python3 -c "import sys; sys.exit(0 if float('$mx') - float('$mn') > 3 else 1)"
check "jitter: no frame overtakes an earlier one ($ro reordered)" test "${ro:-1}" -eq 0

# ------------------------------------------------------------ loss and overflow, counted
check "relay restarts with 30 % loss" relay --delay 1 --loss 30 --seed 11
ip netns exec "$h1" ping -n -c 4 -W 1 198.51.100.2 >/dev/null # ARP may take a try or two
got=$(ip netns exec "$h1" timeout 30 ping -n -q -c 300 -i 0.005 -W 1 198.51.100.2 |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
c=$(counters)
log "30 % loss each way: $got of 300 echoes answered; counters $c"
# both directions lose 30 %: 0.49 of the echoes come back (binomial, n=300: +-0.09 is > 3 sigma)
check "loss: $got of 300 echoes answered (expected ~147)" test "${got:-0}" -ge 120 -a "${got:-0}" -le 175
check "loss: counted by the relay ($c)" jq -e '.ab.lost > 50 and .ba.lost > 30 and
	.ab.rx == .ab.tx + .ab.lost + .ab.overflow + .ab.errors + .ab.queued' <<<"$c"
check "relay restarts with a 10-frame queue and 300 ms" relay --delay 300 --limit 10
ip netns exec "$h1" timeout 20 ping -n -q -c 60 -i 0.002 -W 1 198.51.100.2 >/dev/null
sleep 0.5
c=$(counters)
log "overflow: counters $c"
check "overflow: frames beyond the queue limit dropped and counted ($c)" \
	jq -e '.ab.overflow > 0 and .ab.maxQueue == 10 and
	.ab.rx == .ab.tx + .ab.lost + .ab.overflow + .ab.errors + .ab.queued' <<<"$c"

# ------------------------------------------------------------ bulk TCP (GSO) intact
check "relay restarts with 2 ms" relay --delay 2
head -c 20000000 /dev/urandom >"$T_TMP/bulk.in"
start_bg -n "$h2" sink sh -c "nc -l -N 198.51.100.2 5001 >'$T_TMP/bulk.out'"
wait_until 5 ip netns exec "$h2" ss -ltn sport = :5001 | grep -q LISTEN
check "bulk: 20 MB over TCP through the relay" ip netns exec "$h1" timeout 60 \
	nc -N 198.51.100.2 5001 <"$T_TMP/bulk.in"
wait_until 10 sh -c "! kill -0 $(bg_pid sink) 2>/dev/null"
check "bulk: received byte for byte" cmp "$T_TMP/bulk.in" "$T_TMP/bulk.out"
c=$(counters)
check "bulk: no send error, nothing dropped" jq -e '.ab.errors == 0 and .ba.errors == 0 and .ab.overflow == 0' <<<"$c"
rm -f "$T_TMP/bulk.in" "$T_TMP/bulk.out"

# ------------------------------------------------------------ netem, where it exists
nm=$(uname_ nm)
if ip netns exec "$h1" tc qdisc add dev eth root netem delay 1ms 2>/dev/null; then
	ip netns exec "$h1" tc qdisc del dev eth root
	check "relay restarts with 20 ms (for netem)" relay --delay 20
	r_dl=$(rtt_median 20 0.02 198.51.100.2)
	stop_bg "dl$run"
	run=0
	ip -n "$dl" link del p1
	ip -n "$dl" link del p2
	veth_add "$h1" "$nm" "$h2" "$nm"
	addr_add "$h1" "$nm" 203.0.113.1/24
	addr_add "$h2" "$nm" 203.0.113.2/24
	ip netns exec "$h1" tc qdisc add dev "$nm" root netem delay 20ms
	ip netns exec "$h2" tc qdisc add dev "$nm" root netem delay 20ms
	r_nm=$(rtt_median 20 0.02 203.0.113.2)
	log "round trip 20 ms each way: delay line $r_dl ms, netem $r_nm ms"
	check "delay line and netem agree within 1 ms ($r_dl vs $r_nm)" python3 -c \
		"import sys; sys.exit(0 if abs(float('${r_dl:-0}') - float('${r_nm:-99}')) <= 1 else 1)"
else
	log "tc netem is not available in this kernel: the netem comparison is not run" \
		"(the delay line was checked against packet timestamps above)"
fi
finish
