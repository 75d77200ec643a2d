#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/tools_msd.sh - lisp-register and lisp-query against the real lisp-msd on
# loopback: register (JSON checked with jq, registration read back with `show registrations
# json` through the CLI), a move to a new RLOC replaces the RLOC set, proxy Map-Reply through
# lisp-query (plain and ECM), an EID outside the site and a wrong key get no answer (exit 3:
# lisp-msd drops them silently), a second run's nonce is accepted (it increases), an EID file
# split into two Map-Registers, the libvirt hook, and deregistration removing the entry.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_cmd jq nc ss

MSD=$top_builddir/lisp-msd
REG=$top_builddir/lisp-register
QRY=$top_builddir/lisp-query
[ -x "$MSD" ] && [ -x "$REG" ] && [ -x "$QRY" ] || skip_all "lisp-msd, lisp-register or lisp-query not built"

port=$(free_port udp)
cport=$(free_port tcp)
printf 'dc-secret\n' >"$T_TMP/dc.key" # the same file for lisp-msd and lisp-register
printf 'wrong-secret\n' >"$T_TMP/bad.key"
cat >"$T_TMP/ms.xml" <<XML
<lisp-msd>
  <listen address="127.0.0.1" port="$port"/>
  <cli address="127.0.0.1" port="$cport"/>
  <database path="$T_TMP/ms.db" sync="normal"/>
  <log level="debug"/>
  <site name="dc" lifetime="persistent" proxy-reply="true">
    <key id="1" algorithm="hmac-sha-256" secret-file="$T_TMP/dc.key"/>
    <eid-prefix prefix="198.51.100.0/24" more-specifics="true"/>
    <eid-prefix prefix="203.0.113.128/25" more-specifics="true"/>
  </site>
</lisp-msd>
XML
start_bg msd "$MSD" -dv -f "$T_TMP/ms.xml"
check "lisp-msd CLI answers" wait_until 10 cli "$cport" show version || finish

expect_out() { # FILE RC CMD...
	local f=$1 want=$2 rc
	shift 2
	if declare -F "$1" >/dev/null; then
		"$@" >"$f" # a wrapper below, which runs under timeout itself
	else
		timeout 30 "$@" >"$f"
	fi
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want" >&2; return 1; }
}
reg() { timeout 30 "$REG" --ms "127.0.0.1:$port" --site dc --key-id 1 --key-file "$T_TMP/dc.key" "$@"; }
regs() { cli "$cport" show registrations json; }

check "register 198.51.100.5/32 -> 192.0.2.1: exit 0" expect_out "$T_TMP/r1.json" 0 \
	reg --eid 198.51.100.5/32 --rloc 192.0.2.1 --priority 1 --weight 100 --json
check "json: acked by lisp-msd" jq -e '.acked and .attempts == 1 and
	.answeredBy == "127.0.0.1:'"$port"'" and .eids == ["198.51.100.5/32"]' "$T_TMP/r1.json"
check "show registrations json has it" json_poll 5 \
	'.registrations | map(select(.eid == "198.51.100.5/32")) | .[0] | .site == "dc" and .ttlMinutes == 1440 and .rlocs[0].rloc == "192.0.2.1"' regs

check "move to 192.0.2.2 (a later run, greater nonce): exit 0" expect_out /dev/null 0 \
	reg --eid 198.51.100.5/32 --rloc 192.0.2.2
check "registration now points at 192.0.2.2 only" json_poll 5 \
	'.registrations | map(select(.eid == "198.51.100.5/32")) | .[0].rlocs | length == 1 and .[0].rloc == "192.0.2.2"' regs

check "lisp-query --ms: proxy Map-Reply" expect_out "$T_TMP/q.json" 0 \
	"$QRY" --ms "127.0.0.1:$port" --json 198.51.100.5
check "query json: 192.0.2.2, not authoritative" jq -e '.records[0].eidPrefix == "198.51.100.5/32" and
	.records[0].locators[0].address == "192.0.2.2" and .records[0].authoritative == false' "$T_TMP/q.json"
check "lisp-query --mr (ECM) to lisp-msd" expect_out "$T_TMP/qe.json" 0 \
	"$QRY" --mr "127.0.0.1:$port" --json 198.51.100.5
check "ECM query json: same mapping" jq -e '.records[0].locators[0].address == "192.0.2.2"' "$T_TMP/qe.json"

check "EID outside the site: silently dropped, exit 3" expect_out "$T_TMP/out.json" 3 \
	reg --eid 203.0.113.5/32 --rloc 192.0.2.1 --timeout 0.2 --retries 1 --json
check "json: 2 attempts, no answer" jq -e '.acked == false and .attempts == 2' "$T_TMP/out.json"
check "wrong key: silently dropped, exit 3" expect_out /dev/null 3 \
	"$REG" --ms "127.0.0.1:$port" --key-id 1 --key-file "$T_TMP/bad.key" --eid 198.51.100.6/32 \
	--rloc 192.0.2.1 --timeout 0.2 --retries 1

for i in $(seq 1 40); do echo "203.0.113.$((i + 128))/32"; done >"$T_TMP/eids.txt"
check "40 EIDs from a file (2 Map-Registers): exit 0" expect_out "$T_TMP/many.json" 0 \
	reg --eids-file "$T_TMP/eids.txt" --rloc 192.0.2.3 --json
check "json: 2 messages" jq -e '.acked and .messages == 2 and (.eids | length) == 40' "$T_TMP/many.json"
check "lisp-msd holds all 40" json_poll 5 \
	'[.registrations[] | select(.eid | startswith("203.0.113.1"))] | length == 40' regs

cat >"$T_TMP/register.conf" <<EOF
ms 127.0.0.1:$port
site dc
key-id 1
key-file $T_TMP/dc.key
rloc 192.0.2.4
timeout 0.3
EOF
cat >"$T_TMP/domain.xml" <<'EOF'
<domain type='kvm'><name>vm7</name><metadata>
  <lisp:mapping xmlns:lisp="urn:lisp-suite:1"><lisp:eid>198.51.100.7/32</lisp:eid></lisp:mapping>
</metadata></domain>
EOF
check "libvirt hook 'started': exit 0" bash -c \
	"LISP_REGISTER_CONF='$T_TMP/register.conf' timeout 20 '$REG' --libvirt-hook vm7 started begin - <'$T_TMP/domain.xml'"
check "hook registration visible in lisp-msd" json_poll 5 \
	'.registrations | map(select(.eid == "198.51.100.7/32")) | .[0].rlocs[0].rloc == "192.0.2.4"' regs

check "deregister 198.51.100.5/32: exit 0" expect_out /dev/null 0 reg --eid 198.51.100.5/32 --deregister
check "registration gone" json_poll 5 \
	'.registrations | map(select(.eid == "198.51.100.5/32")) | length == 0' regs
check "lisp-msd still running" bg_alive msd
cp "$(bg_log msd)" "$T_TMP/msd-copy.log"

finish
