# SPDX-License-Identifier: ISC
# bench/lib.sh - shared shell helpers of the benchmark scripts bench/run-*.sh (sourced).
#
# A run script measures one benchmark RUNS times, each time the subject AND its baseline
# (alternating which goes first), and prints on stdout only lines the harness
# (scripts/bench.sh -> bench/report.py) understands:
#   FIG id|label|unit|baseline-id or -|goal|better      declare a figure once
#        goal: "ratio>=0.8", "ratio<=1.2", "value<=200", "value>=5" or "-"
#        better: "higher" or "lower" (how the ratio is read)
#   R id value                                          one measurement of a figure
#   CMD text                                            an exact command line used
#   NOTE text                                           a remark printed under the table
#   SKIP reason                                         the benchmark was not measured
# Anything else goes to stderr.
#
# Environment (set by scripts/bench.sh): B (build directory with the binaries), RUNS,
# BENCH_TMP (scratch directory), top (source tree).
# Every namespace, link and process created here is removed by the EXIT trap; processes
# are stopped by PID, waits are bounded by timeout.

# Globals set here for the run scripts (CLK_TCK, DPID, XPID, UB_*, ...) and the scripts'
# namespace $ns, which lib.sh uses: not for shellcheck to flag.
# shellcheck disable=SC2034,SC2154
set -u
: "${RUNS:=5}"
: "${B:?B (build dir) not set}"
: "${top:?top (source dir) not set}"
: "${BENCH_TMP:=$(mktemp -d /tmp/lisp-bench.XXXXXX)}"
mkdir -p "$BENCH_TMP"

BL_NETNS=()
BL_PIDS=()
BL_ONEXIT=()
# 4 hex digits unique to this script run; names are "b" + 4 hex + suffix (<= 15 chars).
BL_PFX=$(printf 'b%04x' $(((($$ << 4) ^ RANDOM) & 0xffff)))

fig() { printf 'FIG %s\n' "$*"; }
res() { printf 'R %s %s\n' "$1" "$2"; }
cmdline() { printf 'CMD %s\n' "$*"; }
note() { printf 'NOTE %s\n' "$*"; }
skip() {
	printf 'SKIP %s\n' "$*"
	exit 0
}
msg() { printf '# %s\n' "$*" >&2; }

bl_stop_pid() { # PID: TERM, wait <= 5 s, then KILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] &&
		kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

bl_cleanup() {
	local i
	for ((i = ${#BL_PIDS[@]} - 1; i >= 0; i--)); do
		bl_stop_pid "${BL_PIDS[i]}"
	done
	for ((i = ${#BL_ONEXIT[@]} - 1; i >= 0; i--)); do
		eval "${BL_ONEXIT[i]}" >/dev/null 2>&1
	done
	for ((i = ${#BL_NETNS[@]} - 1; i >= 0; i--)); do
		ip netns del "${BL_NETNS[i]}" >/dev/null 2>&1
	done
	BL_PIDS=() BL_ONEXIT=() BL_NETNS=()
}
trap bl_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

on_exit() { BL_ONEXIT+=("$*"); }
track_pid() { BL_PIDS+=("$1"); }
untrack_pid() {
	local i
	for i in "${!BL_PIDS[@]}"; do
		[ "${BL_PIDS[i]}" = "$1" ] && unset 'BL_PIDS[i]'
	done
	BL_PIDS=("${BL_PIDS[@]}")
}
stop_pid() {
	bl_stop_pid "$1"
	untrack_pid "$1"
}

# ns_new VAR SUFFIX: create namespace "$BL_PFX$SUFFIX" with lo up, name in $VAR (not a
# subshell, so the cleanup knows it).
ns_new() {
	local n="$BL_PFX$2"
	ip netns add "$n" || return 1
	BL_NETNS+=("$n")
	ip -n "$n" link set lo up
	printf -v "$1" '%s' "$n"
}

# wait_for TIMEOUT CMD...: poll CMD (may be a shell function) every 0.05 s for at most
# TIMEOUT seconds (integer).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# udp_listening NS PORT: is something bound to UDP PORT in NS?
udp_listening() { ip netns exec "$1" ss -Hulpn "sport = :$2" | grep -q .; }

# median of numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# kv KEY LINE: value of key=value in a line
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

# cpu_ticks PID: utime + stime in clock ticks
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)

# Two CPUs for the subject and the load: the last two of the machine (0 and 1 on 2 cores).
NCPU=$(nproc)
CPU_SUBJ=$((NCPU - 1))
CPU_LOAD=$((NCPU > 1 ? NCPU - 2 : 0))

# per_cpu RATE CPU: RATE per CPU-second, CPU in cores (0 when CPU is 0)
per_cpu() { awk -v r="$1" -v c="$2" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }'; }

# now_ms: the wall clock (EPOCHREALTIME) in ms
now_ms() {
	local t=$EPOCHREALTIME
	echo $((${t/./} / 1000))
}

# ---- prerequisites

# need_built PROGRAM...: skip the benchmark unless every PROGRAM (a path in $B) is built
need_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || skip "${f#"$B"/} not built"
	done
}

# need_bird: BIRD 2 in BIRD and BIRDC (bird, birdc), or skip the benchmark
need_bird() {
	BIRD=$(command -v bird || echo /usr/sbin/bird)
	BIRDC=$(command -v birdc || echo /usr/sbin/birdc)
	if [ ! -x "$BIRD" ] || [ ! -x "$BIRDC" ]; then skip "BIRD 2 (bird, birdc) not installed"; fi
	"$BIRD" --version 2>&1 | grep -q 'BIRD version 2' || skip "bird is not BIRD 2"
}

# ---- daemons in the script's namespace $ns: start, stop, CLI

# nsx CMD...: CMD in $ns (a function: $! after `nsx ... &` is not CMD's PID)
nsx() { ip netns exec "$ns" "$@"; }

# daemon_start [-n NS] [-c CPU] [-l LOG] PIDFILE CMD...: start a daemonizing program (CMD
# writes its PID to PIDFILE) in NS (default $ns), pinned to CPU (default: not pinned), its
# output appended to LOG (default $T/daemons.log). Bounded: 20 s to daemonize, 10 s for the
# PID file. The PID is tracked for the cleanup and left in DPID.
daemon_start() {
	local n=${ns:-} log=$T/daemons.log pf pin=()
	while :; do
		case $1 in
		-n) n=$2 && shift ;;
		-c) pin=(taskset -c "$2") && shift ;;
		-l) log=$2 && shift ;;
		*) break ;;
		esac
		shift
	done
	pf=$1
	shift
	DPID=""
	rm -f "$pf"
	timeout 20 ip netns exec "$n" "${pin[@]}" "$@" >>"$log" 2>&1 || return 1
	wait_for 10 test -s "$pf" || return 1
	DPID=$(cat "$pf")
	track_pid "$DPID"
}

# start_pinned NAME CPU CMD...: daemon_start pinned to CPU, PID file $T/NAME.pid (CMD must
# write it there), log $T/NAME.log; stop_named NAME stops it.
start_pinned() {
	local name=$1 cpu=$2
	shift 2
	daemon_start -c "$cpu" -l "$T/$name.log" "$T/$name.pid" "$@"
}
stop_named() {
	[ -s "$T/$1.pid" ] && stop_pid "$(cat "$T/$1.pid")"
	rm -f "$T/$1.pid"
}

# lcli [-t SECS] [-w SECS] PORT CMD...: the commands to a daemon's telnet CLI on
# 127.0.0.1:PORT in $ns, then quit; the answer without CRs (the prompts are left in: callers
# match with regexes). -t bounds the whole exchange (default 5 s), -w how long nc waits for
# more (default: -t).
lcli() {
	local t=5 w=""
	while :; do
		case $1 in
		-t) t=$2 && shift ;;
		-w) w=$2 && shift ;;
		*) break ;;
		esac
		shift
	done
	local port=$1
	shift
	{ printf '%s\r\n' "$@"; printf 'quit\r\n'; } |
		ip netns exec "$ns" timeout "$t" nc -N -w "${w:-$t}" 127.0.0.1 "$port" | tr -d '\r'
}

# msd_registrations: the registrations the lisp-msd in $ns holds (CLI 2621, `show statistics
# json`), nothing if it does not answer (within 30 s: it may be busy with a million)
msd_registrations() {
	[[ $(lcli -t 30 -w 20 2621 "show statistics json") =~ \"registrations\":\ *([0-9]+) ]] &&
		echo "${BASH_REMATCH[1]}"
}

# loadgen_fill PASSES N CPU ARG...: run bench/loadgen ($LG) with ARGs in $ns, pinned to CPU
# (- for not pinned), at most PASSES times (a pass can lose messages while lisp-msd stalls;
# registering an EID again is a refresh), until the lisp-msd there holds N registrations.
# REGS: what it holds at the end. Fails if that is fewer than N.
loadgen_fill() {
	local passes=$1 n=$2 pass rep pin=()
	[ "$3" = - ] || pin=(taskset -c "$3")
	shift 3
	REGS=0
	for ((pass = 1; pass <= passes; pass++)); do
		rep=$(timeout 120 ip netns exec "$ns" "${pin[@]}" "$LG" "$@") || msg "loadgen failed"
		msg "register pass $pass: $rep"
		REGS=$(msd_registrations)
		[ "${REGS:-0}" -ge "$n" ] && return 0
	done
	return 1
}

# tcp_cli VAR PORT CMD...: the commands to the CLI on 127.0.0.1:PORT over bash's /dev/tcp (no
# process but the read, bounded at 5 s), then quit; the answer in VAR ("" if the connection
# fails). For the pollers (ns_poll), which must cost little per poll.
tcp_cli() {
	local _a=""
	if exec 3<>"/dev/tcp/127.0.0.1/$2"; then
		printf '%s\r\n' "${@:3}" quit >&3
		_a=$(timeout 5 cat <&3)
		exec 3<&-
	fi 2>/dev/null
	printf -v "$1" '%s' "$_a"
}

# ns_poll SCRIPT ARG...: the bash SCRIPT (ARGs as $1...) inside $ns, with now_ms and tcp_cli
# defined: a poller that runs there needs no `ip netns exec` per poll.
ns_poll() {
	local s=$1
	shift
	ip netns exec "$ns" bash -c "$(declare -f now_ms tcp_cli)
$s" poll "$@"
}

# acker_start CPU ADDR...: bench/notify_acker ($ACK) answering the Map-Notifies to the RLOCs
# ADDR in $ns, pinned to CPU, its counts in $T/acker.out; its PID in APID (tracked). Fails
# if it has not started within 5 s.
acker_start() {
	local cpu=$1 a args=()
	shift
	for a in "$@"; do args+=(-a "$a"); done
	rm -f "$T/acker.out"
	# not through nsx (a function: $! would be its subshell, and stopping that would leave
	# the acker running)
	ip netns exec "$ns" taskset -c "$cpu" "$ACK" "${args[@]}" -t 600 -o "$T/acker.out" \
		>/dev/null 2>&1 &
	APID=$!
	track_pid "$APID"
	wait_for 5 test -s "$T/acker.out"
}

# eids_file N FILE: N IPv6 host EIDs 2001:db8:1::1 upwards, one a line (lisp-register
# --eids-file)
eids_file() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "2001:db8:1::%x:%x/128\n", int((i + 1) / 65536), (i + 1) % 65536 }' >"$2"
}

# ---- configurations

# msd_conf FILE [-a ADDR] [-p PORT] [-d DB] [-r] [-e PREFIX] [XML]: a lisp-msd configuration
# in FILE: Map-Registers on ADDR (default 127.0.0.1; "" every address) port PORT (default
# 4343), CLI 127.0.0.1:2621, the SQLite store DB (default none), log level warning, with -r
# no per-destination rate limit, one persistent site "bench" (key 1, HMAC-SHA-256,
# "bench-secret", proxy reply) for PREFIX (default 2001:db8::/32) and its more-specifics,
# then XML (e.g. a <bgp> section, bgp_xml).
msd_conf() {
	local f=$1 addr=127.0.0.1 port=4343 db="" rl=0 pfx=2001:db8::/32
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-a) addr=$2 && shift ;;
		-p) port=$2 && shift ;;
		-d) db=$2 && shift ;;
		-e) pfx=$2 && shift ;;
		-r) rl=1 ;;
		*) break ;;
		esac
		shift
	done
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<lisp-msd>'
		echo "  <listen${addr:+ address=\"$addr\"} port=\"$port\"/>"
		echo '  <cli address="127.0.0.1" port="2621"/>'
		if [ -n "$db" ]; then echo "  <database path=\"$db\" sync=\"normal\"/>"; fi
		echo '  <log level="warning"/>'
		if [ $rl = 1 ]; then echo '  <rate-limit per-destination="0"/>'; fi
		echo '  <site name="bench" lifetime="persistent" proxy-reply="true" merge="false">'
		echo '    <key id="1" algorithm="hmac-sha-256" secret="bench-secret"/>'
		echo "    <eid-prefix prefix=\"$pfx\" more-specifics=\"true\"/>"
		echo '  </site>'
		if [ -n "${1:-}" ]; then printf '%s\n' "$1"; fi
		echo '</lisp-msd>'
	} >"$f"
}

# bgp_xml ADDR PEER [listen]: the <bgp> section of a speaker at ADDR (iBGP, AS 65000, router
# ID ADDR) that connects to PEER (hold time 30 s, connect retry 1 s, ADD-PATH both ways,
# IPv4 and IPv6); with "listen" it also accepts sessions on ADDR port 179
bgp_xml() {
	echo "  <bgp as=\"65000\" router-id=\"$1\">"
	if [ -n "${3:-}" ]; then echo "    <listen address=\"$1\" port=\"179\"/>"; fi
	echo "    <peer address=\"$2\" as=\"65000\" local=\"$1\" hold-time=\"30\" connect-retry=\"1\""
	echo '          add-path="both" families="ipv4 ipv6"/>'
	echo '  </bgp>'
}

# detr_conf FILE ADDR PEER MAX [-t TUN] [-c CLI-PORT] [-u DATA-PORT:CONTROL-PORT] [-l]: a
# D-ETR (lisp-xtrd mode="representative") at RLOC ADDR: TUN (default lisp0), probing off,
# map-cache of MAX entries, CLI 127.0.0.1:CLI-PORT (default 2620), log level warning,
# database 2001:db8::/32, BGP to PEER (bgp_xml; -l: also listening). -u: its own underlay
# ports (for a second lisp-xtrd in the same namespace).
detr_conf() {
	local f=$1 addr=$2 peer=$3 max=$4 tun=lisp0 cli=2620 ports="" listen=""
	shift 4
	while [ $# -gt 0 ]; do
		case $1 in
		-t) tun=$2 && shift ;;
		-c) cli=$2 && shift ;;
		-u) ports=$2 && shift ;;
		-l) listen=listen ;;
		*) break ;;
		esac
		shift
	done
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<lisp-xtrd mode="representative">'
		echo "  <tun name=\"$tun\"/>"
		if [ -n "$ports" ]; then
			echo "  <underlay data-port=\"${ports%:*}\" control-port=\"${ports#*:}\"/>"
		fi
		echo "  <rloc address=\"$addr\"/>"
		echo '  <probing interval="0"/>'
		echo "  <map-cache max-entries=\"$max\"/>"
		echo "  <cli address=\"127.0.0.1\" port=\"$cli\"/>"
		echo '  <log level="warning"/>'
		echo '  <database><mapping eid="2001:db8::/32"/></database>'
		bgp_xml "$addr" "$peer" $listen
		echo '</lisp-xtrd>'
	} >"$f"
}

# bird_rr_conf FILE NAME:ADDR...: BIRD 2 as the route reflector 192.0.2.230 (AS 65000,
# cluster ID 192.0.2.230; every session an rr client: hold time 30 s, connect retry 1 s,
# ADD-PATH, next hop kept; log $T/bird-rr.log) of lisp-msd 192.0.2.210 (passive: lisp-msd
# connects) and of the D-ETRs NAME:ADDR (it connects to them)
bird_rr_conf() {
	local f=$1 c
	shift
	{
		echo "log \"$T/bird-rr.log\" { warning, error, fatal, bug };"
		printf '%s\n' 'router id 192.0.2.230;' 'protocol device {}' \
			'protocol static { ipv4; route 0.0.0.0/0 unreachable; }' \
			'protocol static { ipv6; route ::/0 unreachable; }' \
			'template bgp cl {' \
			'	local 192.0.2.230 as 65000;' \
			'	strict bind on;' \
			'	rr client;' \
			'	rr cluster id 192.0.2.230;' \
			'	hold time 30;' \
			'	connect delay time 0;' \
			'	connect retry time 1;' \
			'	ipv4 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; };' \
			'	ipv6 { import all; export where source = RTS_BGP; add paths on; next hop keep; gateway recursive; extended next hop on; };' \
			'}' \
			'protocol bgp msd from cl { neighbor 192.0.2.210 as 65000; passive on; }'
		for c in "$@"; do
			echo "protocol bgp ${c%%:*} from cl { neighbor ${c#*:} as 65000; }"
		done
	} >"$f"
}

# ---- namespace chains (dataplane, detr-reencap): host -> xTR ... xTR -> host over veth

# veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair, IF1 in NS1 with ADDR1 (prefix) and IF2 in NS2
# with ADDR2, both up
veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# ns_router NS...: IPv4 forwarding on, reverse path filtering off
ns_router() {
	local n
	for n in "$@"; do
		ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
}

# ns_ping NS ADDR: NS reaches ADDR (one ping, 1 s)
ns_ping() { ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }

# chain_xtr_conf FILE MODE RLOC FAST XML: a lisp-xtrd of a chain, mode MODE (site,
# representative): TUN lisp0, underlay MTU 1500, RLOC, probing off, CLI 127.0.0.1:2620, log
# level warning; FAST "fast": its fast path on (<fast-path mode="on"/>); then XML (database,
# static mappings)
chain_xtr_conf() {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo "<lisp-xtrd mode=\"$2\">"
		echo '  <tun name="lisp0"/>'
		echo '  <underlay mtu="1500"/>'
		echo "  <rloc address=\"$3\"/>"
		echo '  <probing interval="0"/>'
		echo '  <cli address="127.0.0.1" port="2620"/>'
		echo '  <log level="warning"/>'
		if [ "$4" = fast ]; then echo '  <fast-path mode="on"/>'; fi
		printf '%s\n' "$5"
		echo '</lisp-xtrd>'
	} >"$1"
}

# chain_xtr_start ROLE NS [PREFIX]: lisp-xtrd -f $T/ROLE.xml in NS (log $T/xtrd.log), its PID
# in XPID[ROLE]; once its TUN lisp0 is up, reverse path filtering off on it and PREFIX routed
# into it
declare -A XPID=()
chain_xtr_start() {
	daemon_start -n "$2" -l "$T/xtrd.log" "$T/$1.pid" "$B/lisp-xtrd" -f "$T/$1.xml" -p "$T/$1.pid" || {
		msg "lisp-xtrd $1 failed: $(tail -3 "$T/xtrd.log")"
		return 1
	}
	XPID[$1]=$DPID
	wait_for 10 ip -n "$2" link show lisp0 || return 1
	ip netns exec "$2" sysctl -qw net.ipv4.conf.lisp0.rp_filter=0
	[ -z "${3:-}" ] || ip -n "$2" route replace "$3" dev lisp0
}

# udpblast_run H1 H2 DST SIZE [PIDS]: one measurement with bench/udpblast ($UB): the
# receiver in H2 bound to DST port 9000 (CPU $CPU_SUBJ; $SECS s after 0.5 s warm-up; the CPU
# of PIDS, comma-separated, during them), the sender in H1 (CPU $CPU_LOAD; SIZE-byte
# payloads to DST as fast as it can, 0.5 s longer than warm-up + measurement, bounded in
# count too). UB_RECV: the receiver's "recv pkts=..." line (empty if none); UB_SENT: the
# sender's line.
udpblast_run() {
	local h1=$1 h2=$2 dst=$3 s=$4 pids=${5:-} rpid
	UB_RECV="" UB_SENT=""
	# The previous run's sender stopped, but a chain slower than the sender still holds
	# its backlog (TUN queue, socket buffers): let it drain before this receiver binds the
	# port, or those packets (same flow id, higher sequence numbers) count in this run as
	# a jump ahead and every packet of this run as reordered and lost.
	sleep 1
	ip netns exec "$h2" taskset -c "$CPU_SUBJ" "$UB" recv -b "$dst" -p 9000 \
		-t "$SECS" -W 0.5 -i 1 ${pids:+-P "$pids"} >"$T/recv.out" 2>&1 &
	rpid=$!
	track_pid "$rpid"
	wait_for 5 grep -q ready "$T/recv.out"
	UB_SENT=$(timeout 30 ip netns exec "$h1" taskset -c "$CPU_LOAD" "$UB" send \
		-d "$dst" -p 9000 -s "$s" -t "$(awk -v s="$SECS" 'BEGIN { print s + 1 }')" \
		-c 50000000 -f 1) || msg "sender failed (in $h1, $s B)"
	timeout 30 tail --pid="$rpid" -f /dev/null
	wait "$rpid" 2>/dev/null
	untrack_pid "$rpid"
	UB_RECV=$(grep '^recv pkts' "$T/recv.out")
	return 0
}

# ---- scripts/demo.sh --redundant runs (detr-failover, ms-failover)

# need_demo_redundant: skip unless the programs of scripts/demo.sh --redundant are built and
# BIRD 2 (its edge router) is installed
need_demo_redundant() {
	local f
	for f in lisp-xtrd lisp-msd lisp-mrd lisp-register lisp-flow; do
		[ -x "$B/$f" ] || skip "$f not built"
	done
	command -v bird >/dev/null 2>&1 || [ -x /usr/sbin/bird ] || skip "BIRD 2 (the edge router) not installed"
}

# demo_run TAG ARG...: scripts/demo.sh --no-build ARG... --rate $RATE --seconds $SECS --json
# with the bench's binaries (DEMO_* settings from the caller's environment; bounded at
# 300 s); the JSON in $T/TAG.json, its log in $T/TAG.err
demo_run() {
	local tag=$1
	shift
	DEMO_BUILDDIR=$B timeout 300 "$top/scripts/demo.sh" --no-build "$@" --rate "$RATE" \
		--seconds "$SECS" --json >"$T/$tag.json" 2>"$T/$tag.err" ||
		{ msg "$tag: demo.sh failed (see $T/$tag.err)"; return 1; }
}
