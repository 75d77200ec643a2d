#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/tools_query.sh - lisp-query on loopback against the stand-in Map-Server
# (tools_responder): an EID registered with lisp-register is looked up plain (--ms), in an
# ECM (--mr) and as an RLOC probe (--etr --probe); the text and --json renderings are
# checked (prefix, TTL, action, authoritative bit, locators with priority/weight/flags, who
# answered, RTT); an unregistered EID gets the negative reply; IPv6; no answer -> exit 3
# with the retries counted; usage errors -> exit 2.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_cmd jq ss

REG=$top_builddir/lisp-register
QRY=$top_builddir/lisp-query
RESP=$top_builddir/tests/integration/tools_responder
[ -x "$REG" ] && [ -x "$QRY" ] && [ -x "$RESP" ] || skip_all "tools not built"
export LISP_REGISTER_KEY=query-test-secret

responder() { # NAME MODE [ADDR]: port in $RPORT
	RPORT=$(free_port udp)
	start_bg "$1" "$RESP" --addr "${3:-127.0.0.1}" --port "$RPORT" --key "$LISP_REGISTER_KEY" --mode "$2"
	wait_until 5 grep -q ready "$(bg_log "$1")"
}
expect_out() { # FILE RC CMD...
	local f=$1 want=$2 rc
	shift 2
	timeout 30 "$@" >"$f"
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want" >&2; return 1; }
}

responder ms ok
P=$RPORT
check "register 198.51.100.5/32 -> 192.0.2.11 (prio 2, weight 50), 192.0.2.12" \
	"$REG" --ms 127.0.0.1:"$P" --eid 198.51.100.5/32 --rloc 192.0.2.11 --rloc 192.0.2.12 \
	--priority 2 --weight 50 --ttl 60

# plain Map-Request to the Map-Server
check "--ms: exit 0" expect_out "$T_TMP/ms.json" 0 "$QRY" --ms 127.0.0.1:"$P" --json 198.51.100.5
check "--ms json: mapping" jq -e '.eid == "198.51.100.5/32" and .via == "map-server" and
	.attempts == 1 and (.answeredBy == "127.0.0.1:'"$P"'") and (.rttMs | type) == "number" and
	(.nonce | test("^0x[0-9a-f]{16}$")) and (.records | length) == 1 and
	.records[0].eidPrefix == "198.51.100.5/32" and .records[0].ttl == 60 and
	.records[0].action == "no-action" and .records[0].authoritative == false and
	.records[0].mapVersion == 0 and (.records[0].locators | length) == 2 and
	.records[0].locators[0].address == "192.0.2.11" and .records[0].locators[0].priority == 2 and
	.records[0].locators[0].weight == 50 and .records[0].locators[0].mpriority == 255 and
	.records[0].locators[0].reachable == true and .records[0].locators[0].local == true and
	.records[0].locators[1].address == "192.0.2.12"' "$T_TMP/ms.json"
check "responder saw a plain request" grep -q "ecm=0 probe=0" "$(bg_log ms)"
check "--ms text: prefix, TTL, locators, who answered" bash -c \
	"'$QRY' --ms 127.0.0.1:$P 198.51.100.5 >'$T_TMP/ms.txt' &&
	 grep -q 'Map-Reply for 198.51.100.5 from 127.0.0.1:$P, rtt' '$T_TMP/ms.txt' &&
	 grep -q 'EID 198.51.100.5/32  TTL 60  action no-action  authoritative no' '$T_TMP/ms.txt' &&
	 grep -Eq '192.0.2.11 +2/50 +255/0 +local reachable' '$T_TMP/ms.txt'"

# ECM'd Map-Request to a Map-Resolver
check "--mr (ECM): exit 0" expect_out "$T_TMP/mr.json" 0 "$QRY" --mr 127.0.0.1:"$P" --json 198.51.100.5/32
check "--mr json: same mapping, via map-resolver" jq -e '.via == "map-resolver" and
	.records[0].locators[1].address == "192.0.2.12"' "$T_TMP/mr.json"
check "responder saw an ECM" grep -q "ecm=1 probe=0" "$(bg_log ms)"

# RLOC probe
check "--etr --probe: exit 0" expect_out "$T_TMP/probe.json" 0 "$QRY" --etr 127.0.0.1:"$P" --probe --json 198.51.100.5
check "probe reply flagged" jq -e '.probe and .probeReply' "$T_TMP/probe.json"
check "responder saw P=1" grep -q "ecm=0 probe=1" "$(bg_log ms)"

# negative reply
check "unregistered EID: exit 0" expect_out "$T_TMP/neg.json" 0 "$QRY" --ms 127.0.0.1:"$P" --json 203.0.113.9
check "negative reply: natively-forward, no locators" jq -e '.records[0].action == "natively-forward" and
	(.records[0].locators | length) == 0 and .records[0].ttl == 15' "$T_TMP/neg.json"
check "negative reply in text" bash -c "'$QRY' --ms 127.0.0.1:$P 203.0.113.9 | grep -q 'negative Map-Reply'"

# IPv6
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	responder ms6 ok ::1
	P6=$RPORT
	check "register [7]2001:db8:5::5/128 over [::1]" \
		"$REG" --ms "[::1]:$P6" --eid 2001:db8:5::5/128 --iid 7 --rloc 2001:db8:ff::1
	check "IPv6 --mr query: exit 0" expect_out "$T_TMP/v6.json" 0 "$QRY" --mr "[::1]:$P6" --iid 7 --json 2001:db8:5::5
	check "IPv6 json: IID prefix, IPv6 locator, answered from [::1]" jq -e '
		.records[0].eidPrefix == "[7]2001:db8:5::5/128" and .records[0].iid == 7 and
		.records[0].locators[0].address == "2001:db8:ff::1" and
		(.answeredBy | startswith("[::1]:"))' "$T_TMP/v6.json"
fi

# no answer
responder silent silent
check "no answer: exit 3" expect_out "$T_TMP/none.json" 3 "$QRY" --ms 127.0.0.1:"$RPORT" --timeout 0.1 --retries 2 --json 198.51.100.5
check "no answer json: attempts 3, error" jq -e '.attempts == 3 and .error == "no answer" and
	(.records | not)' "$T_TMP/none.json"
check "responder got 3 requests" test "$(grep -c '^request ' "$(bg_log silent)")" -eq 3
closed=$(free_port udp)
check "nothing listening: exit 3" expect_out "$T_TMP/closed.json" 3 "$QRY" --ms 127.0.0.1:"$closed" --timeout 0.1 --retries 1 --json 198.51.100.5
check "... told apart from silence (ICMP port unreachable)" jq -e \
	'.error == "no answer (ICMP port-unreachable from 127.0.0.1)"' "$T_TMP/closed.json"

# usage
check "no target: exit 2" expect_out /dev/null 2 "$QRY" 198.51.100.5
check "two targets: exit 2" expect_out /dev/null 2 "$QRY" --ms 127.0.0.1 --mr 127.0.0.1 198.51.100.5
check "bad EID: exit 2" expect_out /dev/null 2 "$QRY" --ms 127.0.0.1 198.51.100.500
check "--probe without --etr: exit 2" expect_out /dev/null 2 "$QRY" --ms 127.0.0.1 --probe 198.51.100.5
check "--retries 99: exit 2" expect_out /dev/null 2 "$QRY" --ms 127.0.0.1 --retries 99 198.51.100.5

# ---------------------------------------------------------------- -h, --help, --version
# usage_ok PROG CMD...: exit 0, the usage on stdout ("usage: PROG ..."), nothing on stderr
usage_ok() {
	local prog=$1 out
	shift
	out=$("$@" 2>"$T_TMP/usage.err") || return 1
	[ ! -s "$T_TMP/usage.err" ] && printf '%s\n' "$out" | head -1 | grep -q "^usage: $prog "
}
# version_ok PROG CMD...: exit 0, one line "PROG VERSION" on stdout
version_ok() {
	local prog=$1
	shift
	[ "$("$@")" = "$prog $(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")" ]
}
check "-h: usage on stdout, exit 0" usage_ok lisp-query "$QRY" -h
check "--help: usage on stdout, exit 0" usage_ok lisp-query "$QRY" --help
check "--version: 'lisp-query VERSION', exit 0" version_ok lisp-query "$QRY" --version
check "a bad option: usage on stderr, exit 2" bash -c "'$QRY' --no-such-option 2>&1 >/dev/null | grep '^usage: lisp-query ' >/dev/null; r=(\${PIPESTATUS[@]}); [ \${r[0]} -eq 2 ] && [ \${r[1]} -eq 0 ]"

finish
