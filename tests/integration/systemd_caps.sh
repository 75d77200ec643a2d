#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/systemd_caps.sh - the daemons under what their systemd units give them
# (systemd/*.service as make builds them), without systemd: started as root with exactly the
# unit's CapabilityBoundingSet (setpriv), no_new_privs (NoNewPrivileges=yes), UMask=0027 and
# a $NOTIFY_SOCKET read by a stand-in for systemd, in a namespace of their own:
#  - each starts, drops to the unprivileged user, keeps exactly its keep_caps (CapBnd, CapEff
#    in /proc/PID/status) without "not held, so not kept", and sends READY=1; a SIGHUP gives
#    RELOADING=1 then READY=1, SIGTERM STOPPING=1 and exit 0;
#  - every capability of the bounding set is needed: with it removed the same start fails
#    (lisp-msd: CAP_SETUID, CAP_SETGID, CAP_SETPCAP for the drop, CAP_CHOWN for the CLI
#    socket's socket-group, CAP_NET_BIND_SERVICE for BGP on 179; lisp-mrd: a <listen> on a
#    port below 1024; lisp-xtrd: CAP_NET_ADMIN for the TUN device and the site, CAP_NET_RAW
#    for the site's packet socket).
# tests/systemd.sh checks the units themselves (systemd-analyze verify).
. "$(dirname "$0")/lib.sh"
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd setpriv python3 ip nft ss timeout nc

B=$top_builddir
MSD=$B/lisp-msd
MRD=$B/lisp-mrd
XTRD=$B/lisp-xtrd
for p in "$MSD" "$MRD" "$XTRD" "$B/systemd/lisp-msd.service" "$B/systemd/lisp-mrd.service" \
	"$B/systemd/lisp-xtrd.service"; do
	[ -e "$p" ] || skip_all "$p not built"
done
export LISP_SCHEMA_DIR=$top_srcdir/schema
getent group nogroup >/dev/null || skip_all "no group nogroup (the socket-group of the CLI socket)"
if USER_=$(id -un lisp 2>/dev/null); then :; else USER_=nobody; fi
log "expected user: $USER_"

NS=$(uname_ sd)
netns_add "$NS" || finish
addr_add "$NS" lo 192.0.2.1/32 || fail "RLOC address"
RUN=$T_TMP/run     # RuntimeDirectory=lisp: root's, 0755
STATE=$T_TMP/state # StateDirectory=lisp: root's, 0750
mkdir -m 0755 "$RUN"
mkdir -m 0750 "$STATE"

# bounding UNIT [WITHOUT-CAP]: the unit's CapabilityBoundingSet in setpriv's syntax
bounding() {
	local c s="-all"
	for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$B/systemd/$1.service"); do
		[ "$c" = "${2:-}" ] && continue
		c=${c#CAP_}
		s+=",+${c,,}"
	done
	printf '%s\n' "$s"
}
# the capability mask (16 hex digits, as in /proc/PID/status) of names
mask() {
	local c m=0
	for c in "$@"; do
		case $c in
		CAP_NET_ADMIN) m=$((m | 1 << 12)) ;;
		CAP_NET_RAW) m=$((m | 1 << 13)) ;;
		*) echo "mask: unknown $c" >&2 ;;
		esac
	done
	printf '%016x\n' "$m"
}
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }

# sdrun NAME UNIT [WITHOUT-CAP] -- DAEMON ARGS: start it as its unit would (in $NS), with a
# notify socket whose datagrams go to $T_TMP/NAME.notify, one per line
sdrun() {
	local name=$1 unit=$2 without=""
	shift 2
	[ "$1" != -- ] && { without=$1; shift; }
	shift
	local sock=$T_TMP/$name.sock
	rm -f "$sock" "$T_TMP/$name.notify"
	start_bg "$name-notify" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)  # the daemon notifies after the drop too
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
        out.flush()' "$sock" "$T_TMP/$name.notify"
	wait_until 5 test -S "$sock" || fail "$name: notify socket"
	start_bg -n "$NS" "$name" env NOTIFY_SOCKET="$sock" bash -c 'umask 0027; exec "$@"' - \
		setpriv --bounding-set "$(bounding "$unit" "$without")" --inh-caps=-all \
		--no-new-privs -- "$@"
}
notified() { grep -q "$2" "$T_TMP/$1.notify" 2>/dev/null; }
# why CAP is needed: what the start logs without it
why() {
	case $1 in
	CAP_SETUID) echo 'privileges: setresuid: Operation not permitted' ;;
	CAP_SETGID) echo 'privileges: setgroups: Operation not permitted' ;;
	CAP_SETPCAP) echo 'privileges: cannot empty the bounding set: Operation not permitted' ;;
	CAP_CHOWN) echo 'CLI socket .*: Operation not permitted' ;;
	CAP_NET_BIND_SERVICE) echo 'port (179|434).*: Permission denied' ;;
	CAP_NET_ADMIN) echo 'TUNSETIFF: Operation not permitted' ;;
	CAP_NET_RAW) echo 'raw socket for RLOC 0: Operation not permitted' ;;
	esac
}
# start_failed NAME CAP: the daemon NAME exited with a non-zero status, saying why
start_failed() {
	local p
	p=$(bg_pid "$1")
	wait_until 10 bash -c "! kill -0 $p 2>/dev/null || [ \"\$(ps -o stat= -p $p | cut -c1)\" = Z ]" ||
		return 1
	wait "$p" 2>/dev/null
	[ $? -ne 0 ] && grep -Eq "warning: .*$(why "$2")" "$(bg_log "$1")"
}
# serve NAME UNIT KEEP-CAPS...: started, dropped, notified; the status in the log
serve() {
	local n=$1 p want
	check "$n: READY=1 (as its unit would start it)" wait_until 15 notified "$n" READY=1 || return 1
	p=$(bg_pid "$n")
	log "$n: $(grep -E '^(Uid|Cap|NoNewPrivs)' "/proc/$p/status" | tr '\t\n' ' ;')"
	want=$(mask "${@:3}")
	check "$n: runs as $USER_" test "$(field "$p" Uid | cut -d' ' -f1)" = "$(id -u "$USER_")"
	check "$n: CapBnd and CapEff = keep_caps (${*:3})" \
		test "$(field "$p" CapBnd) $(field "$p" CapEff)" = "$want $want"
	check_not "$n: nothing 'not held, so not kept'" grep -q "not held" "$(bg_log "$n")"
}
reload_stop() { # NAME
	local p
	p=$(bg_pid "$1")
	kill -HUP "$p"
	check "$1: SIGHUP: RELOADING=1 then READY=1" wait_until 10 \
		bash -c "grep -A9 RELOADING=1 '$T_TMP/$1.notify' | grep -q 'READY=1.*(reloaded)'"
	check "$1: SIGTERM: exit 0" stop_bg "$1"
	check "$1: STOPPING=1" notified "$1" STOPPING=1
	stop_bg "$1-notify" >/dev/null
}

# ---------------------------------------------------------------- lisp-msd
cat >"$T_TMP/ms.xml" <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="4342"/>
  <cli address="127.0.0.1" port="2621" socket="$RUN/lisp-msd.sock" socket-group="nogroup"/>
  <database path="$STATE/lisp-msd.db"/>
  <bgp as="65000" router-id="192.0.2.1">
    <listen address="127.0.0.1" port="179"/>
    <peer address="127.0.0.2" as="65000" passive="true"/>
  </bgp>
</lisp-msd>
XML
sdrun msd lisp-msd -- "$MSD" -d -f "$T_TMP/ms.xml"
serve msd lisp-msd
check "msd: BGP listener on 179" bash -c "ip netns exec $NS ss -Htln 'sport = :179' | grep -q ."
check "msd: CLI socket of group nogroup" test "$(stat -c %G "$RUN/lisp-msd.sock")" = nogroup
check "msd: database created (before the drop)" test -s "$STATE/lisp-msd.db"
reload_stop msd
for cap in CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_CHOWN CAP_NET_BIND_SERVICE; do
	sdrun "msd-$cap" lisp-msd "$cap" -- "$MSD" -d -f "$T_TMP/ms.xml"
	check "msd without $cap: the start fails ($(why "$cap"))" start_failed "msd-$cap" "$cap"
	check_not "msd without $cap: no READY=1" notified "msd-$cap" READY=1
	stop_bg "msd-$cap-notify" >/dev/null
done

# ---------------------------------------------------------------- lisp-mrd
cat >"$T_TMP/mr.xml" <<XML
<lisp-mrd>
  <listen address="127.0.0.1" port="434"/>
  <cli address="127.0.0.1" port="2622" socket="$RUN/lisp-mrd.sock" socket-group="nogroup"/>
  <eid-prefix prefix="198.51.100.0/24"><map-server address="127.0.0.1" port="4342"/></eid-prefix>
</lisp-mrd>
XML
sdrun mrd lisp-mrd -- "$MRD" -d -f "$T_TMP/mr.xml"
serve mrd lisp-mrd
reload_stop mrd
for cap in CAP_NET_BIND_SERVICE CAP_CHOWN; do
	sdrun "mrd-$cap" lisp-mrd "$cap" -- "$MRD" -d -f "$T_TMP/mr.xml"
	check "mrd without $cap: the start fails ($(why "$cap"))" start_failed "mrd-$cap" "$cap"
	stop_bg "mrd-$cap-notify" >/dev/null
done

# ---------------------------------------------------------------- lisp-xtrd
printf 'dc-secret\n' >"$T_TMP/dc.key"
cat >"$T_TMP/x.xml" <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="192.0.2.1"/>
  <cli address="127.0.0.1" port="2620" socket="$RUN/lisp-xtrd.sock"/>
  <map-server address="192.0.2.100" key-id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
  <database>
    <mapping eid="198.51.100.0/25"/>
  </database>
  <site bridge="br-vm" manage-bridge="true">
    <gateway mac="02:00:00:00:01:01" ipv4="198.51.100.1/24" ipv6="2001:db8:100::1/64"/>
    <subnet prefix="198.51.100.0/24"/>
  </site>
</lisp-xtrd>
XML
sdrun xtrd lisp-xtrd -- "$XTRD" -d -f "$T_TMP/x.xml"
serve xtrd lisp-xtrd CAP_NET_ADMIN CAP_NET_RAW
check "xtrd: the site is applied" \
	bash -c "ip netns exec $NS nft list table inet lisp_site_br_vm >/dev/null && ip -n $NS link show br-vm >/dev/null"
reload_stop xtrd
check "xtrd: the site undone by the unprivileged process (bridge, nft)" bash -c \
	"! ip -n $NS link show br-vm 2>/dev/null && ! ip netns exec $NS nft list table inet lisp_site_br_vm 2>/dev/null"
check_not "xtrd: no teardown error" grep -qiE "warning: .*(sysctl|nft|netlink|undo)" "$(bg_log xtrd)"
for cap in CAP_NET_ADMIN CAP_NET_RAW; do
	sdrun "xtrd-$cap" lisp-xtrd "$cap" -- "$XTRD" -d -f "$T_TMP/x.xml"
	check "xtrd without $cap: the start fails ($(why "$cap"))" start_failed "xtrd-$cap" "$cap"
	stop_bg "xtrd-$cap-notify" >/dev/null
done
finish
