# SPDX-License-Identifier: ISC
# tests/integration/lib.sh - shared shell library of every integration test (source it).
#
# Owns: unique names for global objects (netns, root-namespace links), network namespaces,
# veth pairs and bridges, background processes started by PID, cleanup in one EXIT trap
# (processes first, then registered commands, links and namespaces), bounded waits
# (wait_until, json_poll), the daemons' telnet CLI over nc (cli), BIRD 2 (bird_start, birdc),
# tshark captures, free ports, and the assertions (ok, fail, check, finish). The LAST line a
# test prints is "N passed, N failed" (finish, or the EXIT trap if the script died early).
#
# Usage:
#   . "$top_srcdir/tests/integration/lib.sh"
#   need_root; need_cmd ip jq
#   ns=$(uname_ ns1); netns_add "$ns"
#   ...; check "ping works" nsexec "$ns" ping -c1 -W1 192.0.2.2
#   finish
# Variables: T_NAME (test name), T_PFX (unique prefix, 6 chars), T_TMP (logs, kept and
# printed on failure), top_srcdir/top_builddir (exported by make; guessed when run by hand).
# Environment knobs: CLI_HOST (127.0.0.1), CLI_TIMEOUT (5 s), CLI_PASSWORD, CLI_PROMPT_RE,
# T_KEEP=1 (keep $T_TMP even on success), T_VERBOSE=1 (print logs even on success).

# Isolation: every test runs in a network namespace of its own, whose only interface is
# lo (and whatever the test adds). A daemon that sends to an address the test merely names
# (an RLOC such as 192.0.2.9 that no namespace holds, a BGP peer that is not there) then
# gets "network unreachable" instead of sending it out of the machine's real interfaces,
# and the well-known ports (4342, 179, 2620-2622) cannot collide with another test running
# in parallel. Namespaces the test creates with `ip netns add` are separate as before.
if [ -z "${LISP_TEST_NETNS_ISOLATED:-}" ] && [ -f "${0:-}" ]; then
	export LISP_TEST_NETNS_ISOLATED=1
	if [ "$(id -u)" -eq 0 ]; then
		exec unshare --net -- bash "$0" "$@"
	else
		exec unshare --net --map-root-user -- bash "$0" "$@"
	fi
	echo "lib.sh: cannot isolate the test in its own network namespace (unshare)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
ip link set lo up 2>/dev/null

T_NAME=$(basename "${0:-test}" .sh)
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
T_PASS=0
T_FAIL=0
T_FINISHED=0
T_CLEANED=0
T_PIDS=()	  # background PIDs we started
declare -A T_PIDOF # start_bg NAME -> PID
T_NETNS=()	  # namespaces we created
T_LINKS=()	  # root-namespace links we created
T_ONEXIT=()	  # commands to eval at cleanup (run in reverse order)
T_TSHARK=()	  # tshark PIDs
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lisp-${T_NAME}.XXXXXX")
# Daemons started as root drop to an unprivileged user (lisp or nobody, docs/architecture.md
# "Privileges") and read their configuration and key files as that user on SIGHUP: the
# files a test writes here (umask 022) must be reachable for it.
chmod 0755 "$T_TMP"
umask 022
# Prefix: 2 letters of the test name + 4 hex digits from PID and $RANDOM. With a 9-char
# suffix a name fits the 15-char interface limit (IFNAMSIZ - 1).
T_PFX=$(printf '%s' "$T_NAME" | tr -cd 'a-z' | cut -c1-2)
T_PFX=$(printf '%-2s%04x' "${T_PFX:-t}" $(((($$ << 3) ^ RANDOM ^ (RANDOM << 7)) & 0xffff)) | tr ' ' 't')

# ------------------------------------------------------------------ messages, assertions
log() { printf '# %s\n' "$*"; }
ok() {
	T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s\n' $((T_PASS + T_FAIL)) "$1"
}
T_FAILED=() # "not ok" lines, repeated after the logs so that a log's tail names them
fail() {
	T_FAIL=$((T_FAIL + 1))
	T_FAILED+=("$(printf 'not ok %d - %s%s' $((T_PASS + T_FAIL)) "$1" "${2:+: $2}")")
	printf '%s\n' "${T_FAILED[-1]}"
}
_t_failed() {
	[ "${#T_FAILED[@]}" -gt 0 ] || return 0
	echo "# failed checks (logs above in $T_TMP):"
	printf '%s\n' "${T_FAILED[@]}" | cut -c1-400
}
# check NAME CMD... : run CMD in this shell (so helpers that register state work; output
# goes to $T_TMP/checks.log), pass if it exits 0. Returns CMD's status.
check() {
	local name=$1 out rc
	shift
	"$@" >"$T_TMP/.check.out" 2>&1
	rc=$?
	out=$(cat "$T_TMP/.check.out")
	printf '== check %s: %s\n%s\n' "$name" "$*" "$out" >>"$T_TMP/checks.log"
	if [ $rc -eq 0 ]; then
		ok "$name"
	else
		fail "$name" "exit $rc: $(printf '%s' "$out" | tail -3 | tr '\n' ' ' | cut -c1-300)"
	fi
	return $rc
}
# check_not NAME CMD... : pass if CMD fails (exit 1..123). A command that could not run
# (126, 127), timed out (124, 125: timeout(1)) or died of a signal (> 128) is no answer: it
# fails the check, so a crash or a missing program never passes as "refused".
check_not() {
	local name=$1 out rc
	shift
	"$@" >"$T_TMP/.check.out" 2>&1
	rc=$?
	out=$(cat "$T_TMP/.check.out")
	printf '== check_not %s: %s\n%s\n' "$name" "$*" "$out" >>"$T_TMP/checks.log"
	if [ $rc -ge 124 ]; then
		fail "$name" "no answer (exit $rc): $(printf '%s' "$out" | tail -2 | tr '\n' ' ' | cut -c1-200)"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		ok "$name"
		return 0
	fi
	fail "$name" "command succeeded: $(printf '%s' "$out" | tail -2 | tr '\n' ' ' | cut -c1-200)"
	return 1
}
# Skip the whole test (automake SKIP = exit 77); still ends with the summary line.
skip_all() {
	log "SKIP: $*"
	T_FINISHED=1
	_t_cleanup
	[ "${T_KEEP:-0}" != 1 ] && rm -rf "$T_TMP" # (else every skipped run leaves one in /tmp)
	echo "0 passed, 0 failed"
	exit 77
}
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || skip_all "needs $c"
	done
}

# ------------------------------------------------------------------ names, cleanup
# uname_ SUFFIX: a unique name for a global object ("$T_PFX$SUFFIX", at most 15 chars).
uname_() {
	local n="$T_PFX$1"
	if [ ${#n} -gt 15 ]; then
		echo "uname_: '$n' longer than 15 chars" >&2
		n=${n:0:15}
	fi
	printf '%s\n' "$n"
}
# on_exit CMD...: run at cleanup (reverse order of registration), errors ignored.
on_exit() { T_ONEXIT+=("$*"); }

_t_kill_pid() { # pid: TERM, wait up to 5 s, then KILL; reap
	local p=$1 i
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		# a zombie child of ours counts as gone once reaped
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] &&
		kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

_t_cleanup() {
	[ "$T_CLEANED" = 1 ] && return 0
	T_CLEANED=1
	local i p
	tshark_stop >/dev/null 2>&1
	for ((i = ${#T_PIDS[@]} - 1; i >= 0; i--)); do
		_t_kill_pid "${T_PIDS[i]}"
	done
	T_PIDS=()
	for ((i = ${#T_ONEXIT[@]} - 1; i >= 0; i--)); do
		eval "${T_ONEXIT[i]}" >/dev/null 2>&1
	done
	T_ONEXIT=()
	for p in "${T_LINKS[@]}"; do
		ip link del "$p" >/dev/null 2>&1
	done
	T_LINKS=()
	for ((i = ${#T_NETNS[@]} - 1; i >= 0; i--)); do
		ip netns del "${T_NETNS[i]}" >/dev/null 2>&1
	done
	T_NETNS=()
}

# cleanup_now: clean up everything registered so far (a test may check that nothing is left);
# later registrations are cleaned at exit as usual.
cleanup_now() {
	_t_cleanup
	T_CLEANED=0
}

# Print the logs of a failed run (or T_VERBOSE=1), then remove T_TMP unless kept.
_t_logs() {
	local f
	if [ "$T_FAIL" -gt 0 ] || [ "${T_VERBOSE:-0}" = 1 ]; then
		echo "# logs in $T_TMP"
		for f in "$T_TMP"/*.log; do
			[ -s "$f" ] || continue
			echo "# ---- $f (last 40 lines)"
			tail -n 40 "$f" | sed 's/^/#   /'
		done
	fi
	if [ "$T_FAIL" -eq 0 ] && [ "${T_KEEP:-0}" != 1 ]; then
		rm -rf "$T_TMP"
	fi
}

# finish: clean up, print the summary as the last line, exit 0 only if nothing failed.
finish() {
	T_FINISHED=1
	_t_cleanup
	_t_logs
	_t_failed
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ] && exit 0
	exit 1
}

_t_on_exit() {
	local rc=$?
	[ "$T_FINISHED" = 1 ] && return
	T_FINISHED=1
	fail "test script ended before finish" "status $rc"
	_t_cleanup
	_t_logs
	_t_failed
	echo "$T_PASS passed, $T_FAIL failed"
	exit 1
}
trap _t_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ namespaces, links
# netns_add NAME: create a namespace (lo up), removed at cleanup.
netns_add() {
	ip netns add "$1" || return 1
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}
netns_del() {
	local n=$1 i
	ip netns del "$n"
	for i in "${!T_NETNS[@]}"; do
		[ "${T_NETNS[i]}" = "$n" ] && unset 'T_NETNS[i]'
	done
	T_NETNS=("${T_NETNS[@]}")
}
# nsexec NS CMD...: run CMD in NS ("" = the current namespace).
nsexec() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}
_nsip() { # _nsip NS args: ip -n NS args (or plain ip)
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip -n "$ns" "$@"; else ip "$@"; fi
}
# veth_add NS_A IF_A NS_B IF_B: a veth pair with one end in each namespace ("" = current),
# both ends up. Created directly in the namespaces, so names inside them need not be unique;
# an end in the current namespace is registered for deletion.
veth_add() {
	local na=$1 a=$2 nb=$3 b=$4
	ip link add "$a" ${na:+netns "$na"} type veth peer name "$b" ${nb:+netns "$nb"} || return 1
	[ -z "$na" ] && T_LINKS+=("$a")
	[ -z "$nb" ] && [ -n "$na" ] && T_LINKS+=("$b")
	_nsip "$na" link set "$a" up && _nsip "$nb" link set "$b" up
}
# bridge_add NS NAME [MAC]: a bridge, up (MAC set before any port, see linux-site.md).
bridge_add() {
	local ns=$1 br=$2 mac=${3:-}
	_nsip "$ns" link add "$br" ${mac:+address "$mac"} type bridge || return 1
	[ -z "$ns" ] && T_LINKS+=("$br")
	_nsip "$ns" link set "$br" up
}
# link_master NS IF BRIDGE
link_master() { _nsip "$1" link set "$2" master "$3"; }
# addr_add NS IF ADDR/LEN [ip addr options...]
addr_add() {
	local ns=$1 dev=$2 a=$3
	shift 3
	_nsip "$ns" addr add "$a" dev "$dev" "$@"
}

# ------------------------------------------------------------------ processes
# start_bg [-n NS] NAME CMD...: run CMD (an executable, not a shell function) in the
# background with output in $T_TMP/NAME.log; its PID is recorded and killed at cleanup.
start_bg() {
	local ns=""
	if [ "$1" = -n ]; then
		ns=$2
		shift 2
	fi
	local name=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" >"$T_TMP/$name.log" 2>&1 </dev/null &
	else
		"$@" >"$T_TMP/$name.log" 2>&1 </dev/null &
	fi
	local pid=$!
	T_PIDS+=("$pid")
	T_PIDOF[$name]=$pid
	return 0
}
bg_pid() { printf '%s\n' "${T_PIDOF[$1]:-}"; }
bg_log() { printf '%s\n' "$T_TMP/$1.log"; }
bg_alive() { local p=${T_PIDOF[$1]:-}; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# stop_bg NAME: TERM (then KILL after 5 s); returns the exit status of the process.
stop_bg() {
	local p=${T_PIDOF[$1]:-} rc i
	[ -n "$p" ] || return 1
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] &&
		kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	for i in "${!T_PIDS[@]}"; do
		[ "${T_PIDS[i]}" = "$p" ] && unset 'T_PIDS[i]'
	done
	T_PIDS=("${T_PIDS[@]}")
	unset 'T_PIDOF[$1]'
	return $rc
}

# ------------------------------------------------------------------ waiting
# wait_until TIMEOUT CMD...: poll CMD every 0.1 s until it succeeds (0) or TIMEOUT seconds
# (fractions allowed) pass (1). CMD may be a shell function.
wait_until() {
	local t=$1 end ms i f
	shift
	case $t in
	*.*)
		i=${t%.*} f=${t#*.}000
		ms=$((${i:-0} * 1000 + 10#${f:0:3}))
		;;
	*) ms=$((t * 1000)) ;;
	esac
	end=$(($(date +%s%3N) + ms))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%3N)" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# json_poll TIMEOUT JQFILTER CMD...: run CMD until its output satisfies `jq -e FILTER`;
# prints the last output; 0 on success, 1 on timeout.
json_poll() {
	local t=$1 f=$2 out end
	shift 2
	end=$(($(date +%s) + t))
	while :; do
		out=$("$@" 2>/dev/null)
		if printf '%s' "$out" | jq -e "$f" >/dev/null 2>&1; then
			printf '%s\n' "$out"
			return 0
		fi
		[ "$(date +%s)" -ge "$end" ] && break
		sleep 0.2
	done
	printf '%s\n' "$out"
	printf 'json_poll: timeout after %ss waiting for %s\n' "$t" "$f" >&2
	return 1
}

# ------------------------------------------------------------------ ports, CLI
# free_port [tcp|udp|both]: a random unused port in 20000-59999 (current namespace).
free_port() {
	local proto=${1:-both} p i used
	for i in $(seq 100); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		case $proto in
		tcp) used=$(ss -Htan "sport = :$p" 2>/dev/null) ;;
		udp) used=$(ss -Huan "sport = :$p" 2>/dev/null) ;;
		*) used=$(ss -Htuan "sport = :$p" 2>/dev/null) ;;
		esac
		[ -z "$used" ] && { echo "$p"; return 0; }
	done
	return 1
}

# cli PORT|SOCKET [NETNS] COMMAND...: send one command to a daemon's telnet CLI with nc and
# print its answer with prompts, telnet negotiation and CRs removed. NETNS is recognised when
# it is an existing namespace. A SOCKET (a path: <cli socket="...">) is the daemon's UNIX
# socket, whose sessions may run state-changing commands (clear, debug, load...); over TCP
# (a PORT) only show commands run. Knobs: CLI_HOST, CLI_TIMEOUT, CLI_PASSWORD, CLI_PROMPT_RE.
cli() {
	local port=$1 ns=""
	shift
	if [ $# -gt 1 ] && [ -e "/run/netns/$1" ]; then
		ns=$1
		shift
	fi
	local prompt=${CLI_PROMPT_RE:-'[A-Za-z0-9_.:-]+[>#] ?'}
	local to=(nsexec "$ns" timeout "${CLI_TIMEOUT:-5}" nc -N -w "${CLI_TIMEOUT:-5}"
		"${CLI_HOST:-127.0.0.1}" "$port")
	case $port in
	*/*) to=(timeout "${CLI_TIMEOUT:-5}" nc -N -w "${CLI_TIMEOUT:-5}" -U "$port") ;;
	esac
	{
		[ -n "${CLI_PASSWORD:-}" ] && case $port in */*) ;; *) printf '%s\r\n' "$CLI_PASSWORD" ;; esac
		printf '%s\r\n' "$*"
		printf 'quit\r\n'
	} | "${to[@]}" |
		LC_ALL=C sed -E $'s/\xff[\xfb-\xfe].//g; s/\xff[\xf0-\xfa]//g; s/\r//g' |
		LC_ALL=C sed -E "s/^(Password: )+//; s/^($prompt)+//" |
		awk 'NF || started { started = 1; buf = buf $0 "\n"; if (NF) { printf "%s", buf; buf = "" } }'
	return "${PIPESTATUS[1]}"
}

# ------------------------------------------------------------------ BIRD 2
BIRD=${BIRD:-$(command -v bird || echo /usr/sbin/bird)}
BIRDC=$(command -v birdc || echo /usr/sbin/birdc)
# bird_start NAME CONF [NETNS]: run BIRD in the foreground under start_bg with its own
# control socket; waits (10 s) until birdc answers.
bird_start() {
	local name=$1 conf=$2 ns=${3:-}
	local sock="$T_TMP/bird-$name.ctl"
	start_bg ${ns:+-n "$ns"} "bird-$name" "$BIRD" -f -c "$conf" -s "$sock" -P "$T_TMP/bird-$name.pid" ||
		return 1
	if ! wait_until 10 "$BIRDC" -s "$sock" show status; then
		echo "bird_start $name: no answer on $sock" >&2
		return 1
	fi
}
bird_sock() { printf '%s\n' "$T_TMP/bird-$1.ctl"; }
# birdc NAME ARGS...: query the BIRD started as NAME.
birdc() {
	local name=$1
	shift
	timeout 10 "$BIRDC" -s "$T_TMP/bird-$name.ctl" "$@"
}
bird_stop() { stop_bg "bird-$1"; }

# ------------------------------------------------------------------ tshark
TSHARK=${TSHARK:-$(command -v tshark || echo tshark)}
# tshark_start NETNS IFACE FILTER FILE: capture (capture filter FILTER) into FILE; waits
# until tshark reports it is capturing. Stop with tshark_stop (flushes the file).
tshark_start() {
	local ns=$1 ifc=$2 filt=$3 file=$4
	local name="tshark-$(basename "$file")"
	start_bg ${ns:+-n "$ns"} "$name" "$TSHARK" -n -q -i "$ifc" ${filt:+-f "$filt"} -w "$file" ||
		return 1
	T_TSHARK+=("$name")
	wait_until 15 grep -q "Capturing on" "$T_TMP/$name.log" || return 1
	sleep 0.5 # "Capturing on" is printed slightly before packets are really taken
}
# tshark_stop: stop every capture started by tshark_start (0.5 s grace, SIGINT, bounded
# wait); afterwards the files are complete.
tshark_stop() {
	local n p c i k kids
	for n in "${T_TSHARK[@]}"; do
		p=${T_PIDOF[$n]:-}
		[ -n "$p" ] || continue
		# tshark captures through a dumpcap child that hands packets over every ~100 ms
		# and is stopped by tshark (an INT to dumpcap itself loses the buffered packets):
		# let the last packets arrive, INT tshark, wait until both are gone.
		kids=$(pgrep -P "$p" 2>/dev/null)
		sleep 0.5
		kill -INT "$p" 2>/dev/null
		for i in $(seq 50); do
			c=0
			for k in $p $kids; do
				kill -0 "$k" 2>/dev/null && [ "$(ps -o stat= -p "$k" | cut -c1)" != Z ] && c=1
			done
			[ $c = 0 ] && break
			sleep 0.1
		done
		for k in $kids; do kill -KILL "$k" 2>/dev/null; done
		stop_bg "$n"
	done
	T_TSHARK=()
	return 0
}

# ---- lisp-xtrd's in-kernel fast path (<fast-path>, xtr/fastpath.h)
# FAST_PATH=on|auto|off (default off; the *_fp.sh wrappers set on) goes into every lisp-xtrd
# configuration a test writes: fast_path_xml prints the element (nothing for off). With on,
# fast_path_need skips the test, saying why, when the kernel refuses the programs; the test
# then asserts with fast_path_carried that the programs did carry its packets.
fast_path_xml() { [ "${FAST_PATH:-off}" = off ] || printf '<fast-path mode="%s"/>' "$FAST_PATH"; }
fast_path_on() { [ "${FAST_PATH:-off}" = on ]; }
fast_path_need() {
	local why
	fast_path_on || return 0
	why=$("$top_builddir/tests/integration/fastpath_probe" 2>&1) ||
		skip_all "FAST_PATH=on: ${why:-fastpath_probe failed}"
	log "FAST_PATH=on: $why"
}
# fast_path_ready CLI-TARGET...: that lisp-xtrd serves with its programs attached (they are
# loaded at the end of its start, after its TUN device exists)
fast_path_ready() {
	fast_path_on || return 0
	json_poll 15 '.fastPath.state == "on"' cli "$@" show statistics json >/dev/null
}
# fast_path_carried CLI-TARGET... JQ: the jq test holds for `show statistics json`'s fastPath
# object of that lisp-xtrd (only with FAST_PATH=on; always true otherwise)
fast_path_carried() {
	local f=${*: -1}
	fast_path_on || return 0
	json_poll 5 ".fastPath | $f" cli "${@:1:$#-1}" show statistics json
}
