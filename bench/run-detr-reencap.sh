#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run-detr-reencap.sh - the detr-reencap row: an outside host's UDP flow through the
# D-ETR to a VM, its packets re-encapsulated at the D-ETR.
#
# Three chains of five namespaces over veth, h1 -> OX -> DE -> SX -> h2:
#   h1 203.0.113.10/24 --in0-- OX 203.0.113.1 | 192.0.2.1/28 --up0-- 192.0.2.2/28 DE
#   192.0.2.17/28 --dn0-- 192.0.2.18/28 SX 198.51.100.1/24 --in0-- h2 198.51.100.10/24
# differing only in what OX, DE and SX do:
#   fast:  lisp-xtrd with <fast-path mode="on"> on all three: OX (outside ITR, static
#          mapping of the aggregate 198.51.100.0/24 -> the D-ETR 192.0.2.2), DE
#          (mode="representative", the aggregate in its database, the VM's host mapping
#          198.51.100.10/32 -> SX 192.0.2.18: re-encapsulated in the kernel, outer headers
#          rewritten in place), SX (site xTR, the VM's EID local: decapsulated);
#   lisp:  the same daemons without the fast path (user space at every hop);
#   route: plain kernel routing over the same veths.
# bench/udpblast sends 64 B and 1400 B UDP payloads from h1 (CPU $CPU_LOAD) as fast as it
# can; udpblast in h2 (CPU $CPU_SUBJ) counts what arrives. Iterations measure the chains in a
# rotating order. Documentation prefixes only; every namespace is deleted at exit.
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_SECS:-2}
UB=$B/bench/udpblast
[ -x "$UB" ] || skip "bench/udpblast not built"
[ -x "$B/lisp-xtrd" ] || skip "lisp-xtrd not built"
T=$BENCH_TMP/detr
mkdir -p "$T"
MODES=(fast lisp route)
declare -A NS
ok_modes=()

chain() { # MODE
	local m=$1 t=${1:0:1} n
	for n in h1 ox de sx h2; do
		ns_new "NS[$m-$n]" "$t$n" || return 1
	done
	local h1=${NS[$m-h1]} ox=${NS[$m-ox]} de=${NS[$m-de]} sx=${NS[$m-sx]} h2=${NS[$m-h2]}
	veth "$h1" eth0 203.0.113.10/24 "$ox" in0 203.0.113.1/24 || return 1
	veth "$ox" up0 192.0.2.1/28 "$de" up0 192.0.2.2/28 || return 1
	veth "$de" dn0 192.0.2.17/28 "$sx" up0 192.0.2.18/28 || return 1
	veth "$sx" in0 198.51.100.1/24 "$h2" eth0 198.51.100.10/24 || return 1
	ip -n "$h1" route add default via 203.0.113.1
	ip -n "$h2" route add default via 198.51.100.1
	ip -n "$ox" route add 192.0.2.16/28 via 192.0.2.2
	ip -n "$sx" route add 192.0.2.0/28 via 192.0.2.17
	ns_router "$ox" "$de" "$sx"
	case $m in
	route)
		ip -n "$ox" route add 198.51.100.0/24 via 192.0.2.2
		ip -n "$de" route add 198.51.100.0/24 via 192.0.2.18
		ip -n "$de" route add 203.0.113.0/24 via 192.0.2.1
		ip -n "$sx" route add 203.0.113.0/24 via 192.0.2.17
		;;
	*)
		chain_xtr_conf "$T/$m-ox.xml" site 192.0.2.1 "$m" "  <database><mapping eid=\"203.0.113.0/24\"/></database>
  <static-mapping eid=\"198.51.100.0/24\"><locator address=\"192.0.2.2\"/></static-mapping>"
		chain_xtr_conf "$T/$m-de.xml" representative 192.0.2.2 "$m" "  <database><mapping eid=\"198.51.100.0/24\"/></database>
  <static-mapping eid=\"198.51.100.10/32\"><locator address=\"192.0.2.18\"/></static-mapping>"
		chain_xtr_conf "$T/$m-sx.xml" site 192.0.2.18 "$m" "  <database><mapping eid=\"198.51.100.0/24\"/></database>
  <static-mapping eid=\"203.0.113.0/24\"><locator address=\"192.0.2.1\"/></static-mapping>"
		chain_xtr_start "$m-ox" "$ox" 198.51.100.0/24 || return 1
		chain_xtr_start "$m-de" "$de" || return 1
		chain_xtr_start "$m-sx" "$sx" 203.0.113.0/24 || return 1
		;;
	esac
}

# the D-ETR re-encapsulated in its kernel (fast) or in user space (lisp)
detr_json() { ip netns exec "${NS[$1-de]}" bash -c 'printf "show statistics json\nquit\n" | nc -q1 127.0.0.1 2620' | sed -n '/^{/,/^}/p'; }

udp_run() { # MODE SIZE
	local m=$1 s=$2
	udpblast_run "${NS[$m-h1]}" "${NS[$m-h2]}" 198.51.100.10 "$s"
	msg "$m $s B: $UB_SENT | $UB_RECV"
	[ -n "$UB_RECV" ] || return 0
	res "${m}_${s}_pps" "$(kv pps "$UB_RECV")"
	res "${m}_${s}_sent" "$(kv pps "$UB_SENT")"
	return 0
}

for s in 64 1400; do
	g="-"
	[ "$s" = 64 ] && g="ratio>=1.0"
	fig "fast_${s}_pps|outside ITR -> D-ETR (re-encapsulation in the kernel) -> site xTR, ${s} B UDP, delivered|pps|route_${s}_pps|$g|higher"
	fig "lisp_${s}_pps|the same through the user-space path, ${s} B|pps|route_${s}_pps|-|higher"
	fig "route_${s}_pps|baseline: plain kernel routing over the same veths, ${s} B|pps|-|-|higher"
	for m in fast lisp route; do
		fig "${m}_${s}_sent|offered by the sender ($m chain), ${s} B|pps|-|-|higher"
	done
done
cmdline "ip netns exec H2 taskset -c $CPU_SUBJ bench/udpblast recv -b 198.51.100.10 -p 9000 -t $SECS -W 0.5 -i 1"
cmdline "ip netns exec H1 taskset -c $CPU_LOAD bench/udpblast send -d 198.51.100.10 -p 9000 -s {64|1400} -t $((${SECS%.*} + 1)) -c 50000000 -f 1"
cmdline "OX, DE, SX: ip netns exec NS lisp-xtrd -f {ox,de,sx}.xml -p PIDFILE (DE: mode=\"representative\", database 198.51.100.0/24, static 198.51.100.10/32 -> SX); fast chain: <fast-path mode=\"on\"/> in all three"
note "detr-reencap: three chains of five namespaces (h1, outside ITR, D-ETR, site xTR, h2) over veth; the sender is pinned to CPU $CPU_LOAD, the receiver to CPU $CPU_SUBJ; the xTRs and the kernel's forwarding are not pinned; rotating order; ${SECS} s measured after 0.5 s warm-up."
printf 'WHY fast_64_pps|%s\n' "three TC programs per packet (encapsulation, re-encapsulation, decapsulation), all on the sender's CPU (veth hands each hop to the same CPU's backlog): map lookups, four FIB lookups (the ITR also checks that the kernel would route the packet into the TUN device) and the helpers cost about 300-400 ns per program (BPF_PROG_TEST_RUN, 64 B: ITR 380 ns, ETR 300 ns), more than the IP forwarding each one skips; perf of CPU 0 (fast 198k pps vs routing 250k pps at load 3): about 1 us more per packet, spread over the programs, bpf_skb_adjust_room (headroom reallocation at the ITR) and the FIB lookups; the sender (one CPU) sets the pace of every chain."

for m in "${MODES[@]}"; do
	if chain "$m" && wait_for 5 ns_ping "${NS[$m-h1]}" 198.51.100.10; then
		ok_modes+=("$m")
	else
		msg "chain $m: h1 cannot reach h2"
		note "$m chain not measured: $([ "$m" = route ] && echo "h1 cannot reach h2" || echo "lisp-xtrd did not carry h1's traffic to h2 (see $T/xtrd.log: $(grep -m1 -i 'fast path' "$T/xtrd.log" | cut -c1-160))")"
	fi
done
for i in $(seq "$RUNS"); do
	k=$(((i - 1) % ${#ok_modes[@]}))
	order=("${ok_modes[@]:k}" "${ok_modes[@]:0:k}")
	for m in "${order[@]}"; do
		udp_run "$m" 64
		udp_run "$m" 1400
	done
done
for m in "${ok_modes[@]}"; do
	[ "$m" = route ] && continue
	msg "$m: D-ETR statistics: $(detr_json "$m" | jq -c '{reencapsulated: .data.reencapsulated, fastPath: .fastPath.detr}' 2>/dev/null)"
done
