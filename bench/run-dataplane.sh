#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-dataplane.sh [udp|bulk] - the dataplane and dataplane-bulk rows
# (bench/run-dataplane-bulk.sh calls this with "bulk").
#
# Three identical chains of network namespaces, host -> ITR -> ETR -> host over veth:
#   h1 198.51.100.10/24 --veth-- ITR 198.51.100.1 | 192.0.2.1/25 --veth (underlay)--
#   192.0.2.2/25 ETR | 203.0.113.1/24 --veth-- h2 203.0.113.10/24
# differing only in how ITR and ETR carry h1's traffic to h2:
#   lisp:  lisp-xtrd on both (TUN lisp0; ITR: static mapping 203.0.113.0/24 -> RLOC
#          192.0.2.2; ETR: database 203.0.113.0/24, static 198.51.100.0/24 -> 192.0.2.1)
#   fast:  the same with <fast-path mode="on">: the kernel encapsulates at the ITR and
#          decapsulates at the ETR (eBPF at TC ingress of in0 and up0)
#   vxlan: kernel VXLAN (VNI 42, UDP 4789) between the RLOCs, routes over it
#   route: plain kernel routing (no encapsulation)
# udp:  bench/udpblast sends 64 B and 1400 B UDP payloads from h1 (CPU $CPU_LOAD) as fast
#       as it can; udpblast in h2 (CPU $CPU_SUBJ) counts what arrives (pps, Gbit/s of UDP
#       payload) and the CPU of the chain's processes (sender, receiver, xTRs).
# bulk: one iperf3 TCP flow h1 -> h2 (Gbit/s, receiver side).
# Iterations measure the three chains in a rotating order. Documentation prefixes only;
# every namespace is deleted at exit.
. "$(dirname "$0")/lib.sh"
what=${1:-udp}
SECS=${BENCH_SECS:-2}
UB=$B/bench/udpblast
[ -x "$UB" ] || skip "bench/udpblast not built"
if [ "$what" = bulk ]; then
	command -v iperf3 >/dev/null || skip "iperf3 not installed (./scripts/deps.sh bench)"
fi
T=$BENCH_TMP/dp-$what
mkdir -p "$T"
MODES=(lisp fast vxlan route)
have_xtrd=1 have_fast=1
[ -x "$B/lisp-xtrd" ] || have_xtrd=0 have_fast=0
fast_why=""

declare -A NS
# chain MODE: build the namespaces of one chain; names in NS[MODE-h1|itr|etr|h2].
chain() {
	local m=$1 t=${1:0:1} n
	for n in h1 itr etr h2; do
		ns_new "NS[$m-$n]" "$t$n" || return 1
	done
	local h1=${NS[$m-h1]} itr=${NS[$m-itr]} etr=${NS[$m-etr]} h2=${NS[$m-h2]}
	veth "$h1" eth0 198.51.100.10/24 "$itr" in0 198.51.100.1/24 || return 1
	veth "$itr" up0 192.0.2.1/25 "$etr" up0 192.0.2.2/25 || return 1
	veth "$etr" in0 203.0.113.1/24 "$h2" eth0 203.0.113.10/24 || return 1
	ip -n "$h1" route add default via 198.51.100.1
	ip -n "$h2" route add default via 203.0.113.1
	ns_router "$itr" "$etr"
	case $m in
	route)
		ip -n "$itr" route add 203.0.113.0/24 via 192.0.2.2
		ip -n "$etr" route add 198.51.100.0/24 via 192.0.2.1
		;;
	vxlan)
		ip -n "$itr" link add vx0 type vxlan id 42 local 192.0.2.1 remote 192.0.2.2 dstport 4789 dev up0 || return 1
		ip -n "$etr" link add vx0 type vxlan id 42 local 192.0.2.2 remote 192.0.2.1 dstport 4789 dev up0 || return 1
		ip -n "$itr" addr add 192.0.2.129/30 dev vx0
		ip -n "$etr" addr add 192.0.2.130/30 dev vx0
		ip -n "$itr" link set vx0 up
		ip -n "$etr" link set vx0 up
		ip -n "$itr" route add 203.0.113.0/24 via 192.0.2.130 dev vx0
		ip -n "$etr" route add 198.51.100.0/24 via 192.0.2.129 dev vx0
		;;
	lisp | fast)
		xtr_conf "$T/$m-itr.xml" 192.0.2.1 198.51.100.0/24 203.0.113.0/24 192.0.2.2 "$m"
		xtr_conf "$T/$m-etr.xml" 192.0.2.2 203.0.113.0/24 198.51.100.0/24 192.0.2.1 "$m"
		chain_xtr_start "$m-itr" "$itr" 203.0.113.0/24 || return 1
		chain_xtr_start "$m-etr" "$etr" 198.51.100.0/24 || return 1
		;;
	esac
}

xtr_conf() { # FILE RLOC DB-EID REMOTE-EID REMOTE-RLOC MODE(lisp|fast)
	chain_xtr_conf "$1" site "$2" "$6" "  <database><mapping eid=\"$3\"/></database>
  <static-mapping eid=\"$4\"><locator address=\"$5\" priority=\"1\" weight=\"100\"/></static-mapping>"
}

# udp_run MODE SIZE: one measurement; R lines for MODE at SIZE
udp_run() {
	local m=$1 s=$2 pids=""
	[ "$m" = lisp ] && pids="${XPID[lisp-itr]},${XPID[lisp-etr]}"
	udpblast_run "${NS[$m-h1]}" "${NS[$m-h2]}" 203.0.113.10 "$s" "$pids"
	msg "$m $s B: $UB_SENT | $UB_RECV"
	[ -n "$UB_RECV" ] || return 0
	res "${m}_${s}_pps" "$(kv pps "$UB_RECV")"
	res "${m}_${s}_gbps" "$(kv gbps "$UB_RECV")"
	res "${m}_${s}_sent" "$(kv pps "$UB_SENT")"
	[ "$m" = lisp ] && res "${m}_${s}_cpu" "$(kv cpu "$UB_RECV")"
	return 0
}

bulk_run() {
	local m=$1 spid out
	ip netns exec "${NS[$m-h2]}" taskset -c "$CPU_SUBJ" iperf3 -s -1 -B 203.0.113.10 -p 5201 \
		>"$T/iperf-s.out" 2>&1 &
	spid=$!
	track_pid "$spid"
	wait_for 5 bash -c "ip netns exec '${NS[$m-h2]}' ss -Htln 'sport = :5201' | grep -q ."
	out=$(timeout $((${SECS%.*} + 20)) ip netns exec "${NS[$m-h1]}" taskset -c "$CPU_LOAD" \
		iperf3 -c 203.0.113.10 -p 5201 -t "$SECS" -O 1 -J 2>/dev/null) || msg "iperf3 failed ($m)"
	stop_pid "$spid"
	local g
	g=$(printf '%s' "$out" | python3 -c 'import json,sys
try:
    print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    pass')
	msg "$m bulk: ${g:-failed} Gbit/s"
	[ -n "$g" ] || return 0
	res "${m}_bulk_gbps" "$g"
	[ "$m" = lisp ] && res lisp_bulk_abs "$g"
	return 0
}

# ---- declare the figures
if [ "$what" = udp ]; then
	for s in 64 1400; do
		fig "lisp_${s}_pps|lisp-xtrd ITR -> ETR, ${s} B UDP payload, delivered|pps|vxlan_${s}_pps|ratio>=1.0|higher"
		fig "vxlan_${s}_pps|baseline: kernel VXLAN, ${s} B|pps|-|-|higher"
		fig "route_${s}_pps|baseline: plain kernel routing, ${s} B|pps|-|-|higher"
		fig "lisp_${s}_gbps|lisp-xtrd, ${s} B: UDP payload throughput|Gbit/s|vxlan_${s}_gbps|-|higher"
		fig "vxlan_${s}_gbps|baseline: kernel VXLAN, ${s} B: UDP payload throughput|Gbit/s|-|-|higher"
		fig "route_${s}_gbps|baseline: plain routing, ${s} B: UDP payload throughput|Gbit/s|-|-|higher"
		fig "lisp_${s}_cpu|CPU used by the two lisp-xtrd (ITR + ETR), ${s} B|cores|-|-|lower"
		fig "fast_${s}_pps|lisp-xtrd fast path (eBPF) ITR -> ETR, ${s} B UDP payload, delivered|pps|route_${s}_pps|ratio>=1.0|higher"
		fig "fast_${s}_gbps|lisp-xtrd fast path, ${s} B: UDP payload throughput|Gbit/s|route_${s}_gbps|-|higher"
		for m in lisp fast vxlan route; do
			fig "${m}_${s}_sent|offered by the sender ($m chain), ${s} B|pps|-|-|higher"
		done
	done
	cmdline "ip netns exec H2 taskset -c $CPU_SUBJ bench/udpblast recv -b 203.0.113.10 -p 9000 -t $SECS -W 0.5 -i 1 [-P ITR-PID,ETR-PID]"
	cmdline "ip netns exec H1 taskset -c $CPU_LOAD bench/udpblast send -d 203.0.113.10 -p 9000 -s {64|1400} -t $((${SECS%.*} + 1)) -c 50000000 -f 1"
else
	fig "lisp_bulk_gbps|lisp-xtrd ITR -> ETR, one TCP flow (iperf3)|Gbit/s|vxlan_bulk_gbps|ratio>=0.8|higher"
	fig "lisp_bulk_abs|lisp-xtrd bulk TCP, absolute goal|Gbit/s|-|value>=5|higher"
	fig "fast_bulk_gbps|lisp-xtrd fast path (eBPF) ITR -> ETR, one TCP flow (iperf3)|Gbit/s|vxlan_bulk_gbps|ratio>=1.0|higher"
	fig "vxlan_bulk_gbps|baseline: kernel VXLAN, one TCP flow|Gbit/s|-|-|higher"
	fig "route_bulk_gbps|baseline: plain kernel routing, one TCP flow|Gbit/s|-|-|higher"
	cmdline "ip netns exec H2 taskset -c $CPU_SUBJ iperf3 -s -1 -B 203.0.113.10 -p 5201"
	cmdline "ip netns exec H1 taskset -c $CPU_LOAD iperf3 -c 203.0.113.10 -p 5201 -t $SECS -O 1 -J"
fi
cmdline "ITR/ETR (lisp chain): ip netns exec NS lisp-xtrd -f {itr,etr}.xml -p PIDFILE; ip route replace REMOTE-EID-PREFIX dev lisp0"
cmdline "ITR/ETR (fast chain): the same with <fast-path mode=\"on\"/> in both configurations"
cmdline "ITR/ETR (vxlan chain): ip link add vx0 type vxlan id 42 local RLOC remote PEER-RLOC dstport 4789 dev up0; ip route add REMOTE-EID-PREFIX via PEER-VXLAN-ADDR dev vx0"
note "$what: three chains of four namespaces each (h1, ITR, ETR, h2) over veth; the sender is pinned to CPU $CPU_LOAD, the receiver to CPU $CPU_SUBJ, the xTR daemons and the kernel's own forwarding are not pinned; the three chains are measured in a rotating order in each iteration; ${SECS} s measured after 0.5 s warm-up."

if [ "$what" = udp ]; then
	for s in 64 1400; do
		printf 'WHY fast_%s_pps|%s\n' "$s" "the fast path adds to plain routing's work two more TC programs per packet (map lookups, a FIB lookup, the encapsulation with bpf_skb_adjust_room at the ITR, the decapsulation at the ETR) and 36 bytes per packet on the underlay; the sender (one CPU) sets the pace of every chain."
		printf 'WHY lisp_%s_pps|%s\n' "$s" "each packet crosses user space twice (ITR: TUN read + encapsulation; ETR: decapsulation + TUN write, one write syscall per packet: TUN has no batch write) where kernel VXLAN never leaves softirq; equal-size runs of one flow leave the ITR in one UDP_SEGMENT send and reach the ETR as one UDP_GRO datagram, and the two lisp-xtrd processes compete with sender and receiver for the 2 CPUs."
	done
else
	printf 'WHY lisp_bulk_gbps|%s\n' "the ITR reads 64 KB TSO super-packets from the TUN (vnet header), segments the inner TCP in user space (one LISP header per inner segment, RFC 9300) and sends each run with one UDP_SEGMENT sendmsg; the ETR receives UDP_GRO datagrams and writes merged TCP super-packets (GSO vnet header) to the TUN; what remains is the user-space copy + checksum of every byte at both xTRs (segmentation, merge verification) where VXLAN carries the 64 KB skb through the kernel untouched."
	printf 'WHY lisp_bulk_abs|%s\n' "see lisp_bulk_gbps."
	printf 'WHY fast_bulk_gbps|%s\n' "the ITR keeps the 64 KB TCP super-packet whole (UDP tunnel GSO), but this kernel has no way for a TC program to decapsulate one cleanly (bpf_skb_adjust_room leaves its tunnel GSO state; BPF_F_ADJ_ROOM_DECAP_L4_UDP is newer than the kernel): the ETR's program hands such packets, and the rest of their flow for 200 ms, to lisp-xtrd, which reads each 64 KB datagram and writes it whole to the TUN device (two copies) where kernel VXLAN forwards the skb untouched."
fi

# ---- build and check the chains
for m in "${MODES[@]}"; do
	if { [ "$m" = lisp ] && [ $have_xtrd = 0 ]; } || { [ "$m" = fast ] && [ $have_fast = 0 ]; }; then
		continue
	fi
	chain "$m" || {
		msg "chain $m could not be built"
		[ "$m" = lisp ] && have_xtrd=0
		[ "$m" = fast ] && have_fast=0 fast_why="lisp-xtrd with <fast-path mode=\"on\"> did not start: $(grep -m1 'fast path' "$T/xtrd.log" | sed 's/.*: fast path/fast path/')"
		continue
	}
	if ! wait_for 5 ns_ping "${NS[$m-h1]}" 203.0.113.10; then
		msg "chain $m: h1 cannot reach h2"
		[ "$m" = lisp ] && have_xtrd=0
		[ "$m" = fast ] && have_fast=0 fast_why="h1 cannot reach h2 through it"
	fi
done
if [ $have_xtrd = 0 ]; then
	note "lisp figures not measured: lisp-xtrd $([ -x "$B/lisp-xtrd" ] && echo "did not carry h1's traffic to h2 (see $T/xtrd.log)" || echo "is not built")"
fi
if [ $have_fast = 0 ]; then
	note "fast path figures not measured: ${fast_why:-lisp-xtrd is not built}"
fi
MODES=($([ $have_xtrd = 1 ] && echo lisp) $([ $have_fast = 1 ] && echo fast) vxlan route)

for i in $(seq "$RUNS"); do
	# rotate the order of the chains from one iteration to the next
	k=$(((i - 1) % ${#MODES[@]}))
	order=("${MODES[@]:k}" "${MODES[@]:0:k}")
	for m in "${order[@]}"; do
		if [ "$what" = udp ]; then
			udp_run "$m" 64
			udp_run "$m" 1400
		else
			bulk_run "$m"
		fi
	done
done
