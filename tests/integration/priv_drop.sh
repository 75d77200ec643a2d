#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/priv_drop.sh - least privilege (docs/architecture.md "Privileges"): the three
# daemons started as root with configs that say nothing about privileges, read in
# /proc/PID/status while they run, and doing their work afterwards.
#  (a) lisp-msd: BGP listener on 127.0.0.1:179 and the SQLite database in a directory of
#      root's, both opened before the drop; then the default user (lisp, else nobody), no
#      capability in any set, bounding set empty, no_new_privs; the listener still there; a
#      Map-Register acknowledged (the commit came first) and a Map-Request answered; a
#      SIGHUP adds a site (its key in a secret file) and two BGP peers: one it connects to,
#      one passive with a TCP-MD5 password (TCP_MD5SIG set on the listener by the
#      unprivileged process) that connects to port 179; both Established; SIGTERM exits 0
#      and empties the pid file it may not remove; restarted, it loads the registration.
#  (b) lisp-mrd: the same user and sets; an ECM Map-Request forwarded and answered; SIGHUP
#      applied.
#  (c) lisp-xtrd with a <site> in a namespace of its own: the same user, CAP_NET_ADMIN and
#      CAP_NET_RAW only (effective, permitted, inheritable, ambient, bounding); SIGHUP
#      applied; SIGTERM: the site undone by the unprivileged process (sysctls restored,
#      bridge and nft table removed).
. "$(dirname "$0")/lib.sh"
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && skip_all "LISP_SKIP_INTEGRATION=1"
need_root
need_cmd jq nc ip nft ss timeout

B=$top_builddir
MSD=$B/lisp-msd
MRD=$B/lisp-mrd
XTRD=$B/lisp-xtrd
REG=$B/lisp-register
QRY=$B/lisp-query
SPK=$B/tests/integration/bgpspk
for p in "$MSD" "$MRD" "$XTRD" "$REG" "$QRY" "$SPK"; do
	[ -x "$p" ] || skip_all "$p not built"
done
export LISP_SCHEMA_DIR=$top_srcdir/schema

# the user a daemon runs as without <privileges>
if USER_=$(id -un lisp 2>/dev/null); then :; else USER_=nobody; fi
UID_=$(id -u "$USER_")
GID_=$(id -g "$USER_")
log "expected user: $USER_ ($UID_:$GID_)"

# field PID KEY: the value of KEY in /proc/PID/status, blanks squeezed
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }
ids_are() { # PID: real, effective, saved and fs ids are the unprivileged user's
	[ "$(field "$1" Uid)" = "$UID_ $UID_ $UID_ $UID_" ] &&
		[ "$(field "$1" Gid)" = "$GID_ $GID_ $GID_ $GID_" ] && [ -z "$(field "$1" Groups)" ]
}
caps_are() { # PID MASK: every capability set is exactly MASK (16 hex digits)
	local k
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field "$1" "$k")" = "$2" ] || {
			echo "$k $(field "$1" "$k"), want $2"
			return 1
		}
	done
	[ "$(field "$1" NoNewPrivs)" = 1 ]
}
status_of() { grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs)' "/proc/$1/status" | tr '\t\n' ' ;'; }

# ---------------------------------------------------------------- (a) lisp-msd
P_MS=$(free_port udp)
C_MS=$(free_port tcp)
P_A=$(free_port tcp)
P_B=$(free_port tcp)
C_A=$(free_port tcp)
C_B=$(free_port tcp)
C_C=$(free_port tcp)
STATE=$T_TMP/state # the database directory: root's, not writable by the daemon's user
RUN=$T_TMP/run     # the pid file directory: the same
mkdir -m 0755 "$STATE" "$RUN"
printf 'dc-secret\n' >"$T_TMP/dc.key"
printf 'lab-secret\n' >"$T_TMP/lab.key"

# ms_xml [EXTRA-SITE] [EXTRA-PEERS]
ms_xml() {
	cat <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$P_MS"/>
  <cli address="127.0.0.1" port="$C_MS"/>
  <database path="$STATE/ms.db" sync="normal"/>
  <log level="debug"/>
  <site name="dc" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
  </site>
  ${1:-}
  <bgp as="65000" router-id="127.0.0.1">
    <listen address="127.0.0.1" port="179"/>
    <peer address="127.0.0.2" as="65000" port="$P_A" local="127.0.0.1" connect-retry="1"/>
    ${2:-}
  </bgp>
</lisp-msd>
XML
}
spk_xml() { # ID CLI-PORT LISTEN-ELEMENT PEER-ATTRIBUTES
	cat <<XML
<bgpspk>
  <cli port="$2"/>
  <bgp as="65000" router-id="127.0.0.$1">
    $3
    <peer address="127.0.0.1" as="65000" $4/>
  </bgp>
</bgpspk>
XML
}
ms_xml >"$T_TMP/ms.xml"
spk_xml 2 "$C_A" "<listen address=\"127.0.0.2\" port=\"$P_A\"/>" 'passive="true"' >"$T_TMP/a.xml"
spk_xml 3 "$C_B" "<listen address=\"127.0.0.3\" port=\"$P_B\"/>" 'passive="true"' >"$T_TMP/b.xml"
spk_xml 4 "$C_C" "" 'port="179" local="127.0.0.4" password="md5-key" connect-retry="1"' \
	>"$T_TMP/c.xml"

start_bg spka "$SPK" -dv -f "$T_TMP/a.xml"
start_bg spkb "$SPK" -dv -f "$T_TMP/b.xml"
start_bg spkc "$SPK" -dv -f "$T_TMP/c.xml"
start_bg msd "$MSD" -dv -f "$T_TMP/ms.xml" -p "$RUN/msd.pid"
check "lisp-msd CLI up" wait_until 10 cli "$C_MS" show version || finish
MSPID=$(bg_pid msd)
log "lisp-msd: $(status_of "$MSPID")"
check "lisp-msd: uid, gid $USER_, no supplementary group" ids_are "$MSPID"
check "lisp-msd: no capability in any set, no_new_privs" caps_are "$MSPID" 0000000000000000
check "lisp-msd: log says so" grep -q "privileges dropped: user $USER_" "$(bg_log msd)"
check "lisp-msd: still listening on 127.0.0.1:179" \
	bash -c "ss -Htln 'sport = :179' | grep -q '127.0.0.1:179'"
check "lisp-msd: session with peer A (connected before the drop) Established" json_poll 20 \
	'[.peers[] | select(.neighbor == "127.0.0.2" and .state == "Established")] | length == 1' \
	cli "$C_MS" show bgp summary json

out=$(timeout 20 "$REG" --ms 127.0.0.1:"$P_MS" --key-file "$T_TMP/dc.key" --key-id 1 \
	--eid 198.51.100.5/32 --rloc 192.0.2.10 --json)
check "Map-Register acknowledged (committed) after the drop" \
	jq -e '.acked == true' <<<"$out"
q=$(timeout 20 "$QRY" --ms 127.0.0.1:"$P_MS" --json 198.51.100.5)
check "Map-Request answered after the drop" \
	jq -e '.records[0].locators[0].address == "192.0.2.10"' <<<"$q"

# SIGHUP as the unprivileged user: a site with a secret file, peer B (we connect), peer C
# (it connects to 179 with TCP-MD5: the key goes onto the listener now)
ms_xml '<site name="lab" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="'"$T_TMP"'/lab.key"/>
    <eid-prefix prefix="203.0.113.0/24" more-specifics="true"/>
  </site>' \
	"<peer address=\"127.0.0.3\" as=\"65000\" port=\"$P_B\" local=\"127.0.0.1\" connect-retry=\"1\"/>
    <peer address=\"127.0.0.4\" as=\"65000\" passive=\"true\" password=\"md5-key\"/>" \
	>"$T_TMP/ms.xml"
kill -HUP "$MSPID"
check "lisp-msd: reload applied" wait_until 10 grep -q "configuration reloaded: 2 site" "$(bg_log msd)"
check_not "lisp-msd: no TCP_MD5SIG error" grep -q "TCP_MD5SIG" "$(bg_log msd)"
check "peer B (added by the reload, we connect) Established" json_poll 20 \
	'[.peers[] | select(.neighbor == "127.0.0.3" and .state == "Established")] | length == 1' \
	cli "$C_MS" show bgp summary json
check "peer C (added by the reload, TCP-MD5 to 179) Established" json_poll 20 \
	'[.peers[] | select(.neighbor == "127.0.0.4" and .state == "Established")] | length == 1' \
	cli "$C_MS" show bgp summary json
out=$(timeout 20 "$REG" --ms 127.0.0.1:"$P_MS" --key-file "$T_TMP/lab.key" --key-id 1 \
	--eid 203.0.113.7/32 --rloc 192.0.2.11 --json)
check "the new site's key (read as $USER_) authenticates" jq -e '.acked == true' <<<"$out"
check "peer A has both host routes" json_poll 10 'length == 2' cli "$C_A" show bgp routes json

check "SIGTERM: lisp-msd exits 0" stop_bg msd
check_not "lisp-msd: no database error" grep -qiE "database|sqlite" <(grep -iE "warn|error" "$(bg_log msd)")
check "pid file emptied (its directory is root's)" test -f "$RUN/msd.pid" -a ! -s "$RUN/msd.pid"
start_bg msd2 "$MSD" -dv -f "$T_TMP/ms.xml"
check "lisp-msd restarted" wait_until 10 cli "$C_MS" show version
check "restarted: the registrations written after the drop are loaded" json_poll 10 \
	'[.. | strings | select(. == "198.51.100.5/32" or . == "203.0.113.7/32")] | unique | length == 2' \
	cli "$C_MS" show registrations json

# ---------------------------------------------------------------- (b) lisp-mrd
P_MR=$(free_port udp)
C_MR=$(free_port tcp)
mr_xml() {
	cat <<XML
<lisp-mrd>
  <listen address="127.0.0.1" port="$P_MR"/>
  <cli address="127.0.0.1" port="$C_MR"/>
  <eid-prefix prefix="198.51.100.0/24"><map-server address="127.0.0.1" port="$P_MS"/></eid-prefix>
  ${1:-}
</lisp-mrd>
XML
}
mr_xml >"$T_TMP/mr.xml"
start_bg mrd "$MRD" -dv -f "$T_TMP/mr.xml"
check "lisp-mrd CLI up" wait_until 10 cli "$C_MR" show version
MRPID=$(bg_pid mrd)
log "lisp-mrd: $(status_of "$MRPID")"
check "lisp-mrd: uid, gid $USER_, no supplementary group" ids_are "$MRPID"
check "lisp-mrd: no capability in any set, no_new_privs" caps_are "$MRPID" 0000000000000000
q=$(timeout 20 "$QRY" --mr 127.0.0.1:"$P_MR" --json 198.51.100.5)
check "lisp-mrd: ECM Map-Request forwarded and answered" \
	jq -e '.records[0].locators[0].address == "192.0.2.10"' <<<"$q"
mr_xml "<eid-prefix prefix=\"203.0.113.0/24\"><map-server address=\"127.0.0.1\" port=\"$P_MS\"/></eid-prefix>" >"$T_TMP/mr.xml"
kill -HUP "$MRPID"
check "lisp-mrd: reload applied" wait_until 10 grep -q "reloaded: 2 EID prefixes" "$(bg_log mrd)"
q=$(timeout 20 "$QRY" --mr 127.0.0.1:"$P_MR" --json 203.0.113.7)
check "lisp-mrd: the prefix the reload added is forwarded" \
	jq -e '.records[0].locators[0].address == "192.0.2.11"' <<<"$q"
check "SIGTERM: lisp-mrd exits 0" stop_bg mrd

# ---------------------------------------------------------------- (c) lisp-xtrd
X=$(uname_ xtr)
netns_add "$X" || finish
addr_add "$X" lo 192.0.2.1/32 || fail "RLOC address"
xs() { ip netns exec "$X" "$@"; }
xs sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=1
before=$(xs sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter | tr '\n' ' ')
C_X=$(free_port tcp)
xtr_xml() {
	cat <<XML
<lisp-xtrd mode="site">
  <tun name="lisp0"/>
  <rloc address="192.0.2.1"/>
  <cli address="127.0.0.1" port="$C_X"/>
  <map-server address="192.0.2.100" key-id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
  <database>
    <mapping eid="198.51.100.0/25"/>
    ${1:-}
  </database>
  <site bridge="br-vm" manage-bridge="true">
    <gateway mac="02:00:00:00:01:01" ipv4="198.51.100.1/24" ipv6="2001:db8:100::1/64"/>
    <subnet prefix="198.51.100.0/24"/>
  </site>
</lisp-xtrd>
XML
}
xtr_xml >"$T_TMP/x.xml"
start_bg -n "$X" xtrd "$XTRD" -dv -f "$T_TMP/x.xml"
check "lisp-xtrd started" wait_until 15 grep -q "started with" "$(bg_log xtrd)" || finish
XPID=$(bg_pid xtrd)
log "lisp-xtrd: $(status_of "$XPID")"
check "lisp-xtrd: uid, gid $USER_, no supplementary group" ids_are "$XPID"
check "lisp-xtrd: CAP_NET_ADMIN and CAP_NET_RAW only, in every set; no_new_privs" \
	caps_are "$XPID" 0000000000003000
check "lisp-xtrd: the site is applied" \
	bash -c "ip netns exec $X nft list table inet lisp_site_br_vm >/dev/null && ip -n $X link show br-vm >/dev/null"
xtr_xml '<mapping eid="198.51.100.128/25"/>' >"$T_TMP/x.xml"
kill -HUP "$XPID"
check "lisp-xtrd: reload applied" wait_until 10 grep -q "reloaded: 2 database mappings" "$(bg_log xtrd)"
check "SIGTERM: lisp-xtrd exits 0" stop_bg xtrd
after=$(xs sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter | tr '\n' ' ')
check "lisp-xtrd: sysctls restored by the unprivileged process ($before)" test "$after" = "$before"
check "lisp-xtrd: bridge removed" bash -c "! ip -n $X link show br-vm 2>/dev/null"
check "lisp-xtrd: nft table removed (nft run with the ambient capabilities)" \
	bash -c "! ip netns exec $X nft list table inet lisp_site_br_vm 2>/dev/null"
check_not "lisp-xtrd: no teardown error" grep -qiE "warning: .*(sysctl|nft|netlink|undo)" "$(bg_log xtrd)"
finish
