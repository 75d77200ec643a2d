#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/integration/tools_register.sh - lisp-register on loopback against the stand-in
# Map-Server (tools_responder) in each of its modes, and against the real lisp-msd when it
# is built: acknowledged registration (IPv4 and IPv6, text and --json checked with jq),
# increasing nonces across runs, an EID file split into several Map-Registers, no answer
# (exit 3, retries counted on both sides; told apart from a closed port by ICMP, and from
# no route, exit 1), a late answer, bad signature / incomplete Map-Notify (exit 4), wrong
# nonce and wrong key (exit 3), the likely causes in text and --json, deregistration (TTL 0),
# usage errors (exit 2), the libvirt hook (domain XML on stdin, nothing on stdout; without
# its settings file) and its qemu.d installer; -h, --help, --version.
[ "${LISP_SKIP_INTEGRATION:-0}" = 1 ] && { echo "0 passed, 0 failed"; exit 77; }
. "$(dirname "$0")/lib.sh"
need_cmd jq ss

REG=$top_builddir/lisp-register
RESP=$top_builddir/tests/integration/tools_responder
[ -x "$REG" ] && [ -x "$RESP" ] || skip_all "lisp-register or tools_responder not built"

KEY=$T_TMP/site.key
printf 'vm-site-secret\n' >"$KEY"
chmod 600 "$KEY"

# responder NAME MODE [ADDR [extra args]]: start one; its port in $RPORT
responder() {
	local name=$1 mode=$2 addr=${3:-127.0.0.1}
	shift 2
	[ $# -gt 0 ] && shift
	RPORT=$(free_port udp)
	start_bg "$name" "$RESP" --addr "$addr" --port "$RPORT" --key vm-site-secret --mode "$mode" "$@"
	wait_until 5 grep -q ready "$(bg_log "$name")" || { echo "responder $name did not start" >&2; return 1; }
}
# expect_rc RC CMD...: run CMD, succeed if its exit status is RC
expect_rc() {
	local want=$1 rc
	shift
	timeout 30 "$@"
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want" >&2; return 1; }
}
# expect_out FILE RC CMD...: run CMD with stdout into FILE, succeed if its exit status is RC
expect_out() {
	local f=$1
	shift
	expect_rc "$@" >"$f"
}
nregs() { grep -c '^register ' "$(bg_log "$1")"; }

# ---------------------------------------------------------------- acknowledged (IPv4)
responder ok ok; p_ok=$RPORT
out=$T_TMP/ok.json
check "register acked: exit 0" expect_out "$out" 0 \
	"$REG" --ms 127.0.0.1:"$p_ok" --site dc1 --key-file "$KEY" --eid 198.51.100.5/32 \
	--rloc 192.0.2.11 --json
check "json: acked, attempts 1, eids, ms" jq -e '.acked == true and .attempts == 1 and
	.eids == ["198.51.100.5/32"] and .ms == "127.0.0.1:'"$p_ok"'" and .site == "dc1" and
	(.nonce | test("^0x[0-9a-f]{16}$")) and (.rttMs | type) == "number" and
	(.error | not)' "$out"
check "responder verified it (TTL 1440, one record)" \
	grep -q "records=1 ttl=1440 auth=ok" "$(bg_log ok)"
check "text output says acknowledged" bash -c \
	"'$REG' --ms 127.0.0.1:$p_ok --key-file '$KEY' --eid 198.51.100.6 --rloc 192.0.2.11 | grep -q 'registered 1 EID at 127.0.0.1: acknowledged'"

# nonces increase across runs (the Map-Server drops one not greater than the last)
n1=$(jq -r .nonce "$out")
"$REG" --ms 127.0.0.1:"$p_ok" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.12 --json >"$T_TMP/ok2.json"
n2=$(jq -r .nonce "$T_TMP/ok2.json")
check "nonce of a later run is greater ($n1 < $n2)" test $((n2)) -gt $((n1))
# every run is the same registrant (I=1, the host's xTR-ID), so lisp-msd keeps its nonces
# apart from those of an xTR using the same key; --xtr-id names another
check "every run sends the same xTR-ID (I=1)" bash -c \
	"[ \$(grep -c 'xtr=[0-9a-f]\{32\}\$' '$(bg_log ok)') -ge 3 ] && [ \$(grep -o 'xtr=[0-9a-f-]*' '$(bg_log ok)' | sort -u | wc -l) -eq 1 ]"
check "--xtr-id 0xa1 and --site-id 5" expect_rc 0 \
	"$REG" --ms 127.0.0.1:"$p_ok" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.12 \
	--xtr-id 0xa1 --site-id 5
check "... sent as that xTR-ID" grep -q 'xtr=000000000000000000000000000000a1$' "$(bg_log ok)"

# key from the environment, SHA-1
responder sha1 ok 127.0.0.1 --alg sha1 --key-id 3; p_sha1=$RPORT
check "key in LISP_REGISTER_KEY, alg sha1, key-id 3" expect_rc 0 \
	env LISP_REGISTER_KEY=vm-site-secret "$REG" --ms 127.0.0.1:"$p_sha1" --alg sha1 --key-id 3 \
	--eid 198.51.100.7/32 --rloc 192.0.2.11

# ---------------------------------------------------------------- IPv6
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	responder v6 ok ::1; p_v6=$RPORT
	check "IPv6 MS [::1]:port, IPv6 EID and RLOCs" expect_rc 0 \
		"$REG" --ms "[::1]:$p_v6" --key-file "$KEY" --eid 2001:db8:5::5/128 \
		--rloc 2001:db8:ff::1 --rloc 192.0.2.11
	"$REG" --ms "[::1]:$p_v6" --key-file "$KEY" --eid 2001:db8:5::5/128 --rloc 2001:db8:ff::1 \
		--iid 42 --json >"$T_TMP/v6.json"
	check "json for IPv6 with --iid" jq -e '.acked and .eids == ["[42]2001:db8:5::5/128"] and
		.ms == "[::1]:'"$p_v6"'" and (.answeredBy | startswith("[::1]:"))' "$T_TMP/v6.json"
fi

# ---------------------------------------------------------------- many EIDs from a file
responder many ok; p_many=$RPORT
{
	echo "# VMs of tenant 7"
	for i in $(seq 1 70); do echo "  10.7.$((i / 250)).$((i % 250 + 1))/32   # vm$i"; done
	echo
} >"$T_TMP/eids.txt"
check "70 EIDs from --eids-file: exit 0" expect_out "$T_TMP/many.json" 0 \
	"$REG" --ms 127.0.0.1:"$p_many" --key-file "$KEY" --eids-file "$T_TMP/eids.txt" \
	--rloc 192.0.2.11 --json
check "json: 70 eids in 3 Map-Registers" jq -e '.acked and (.eids | length) == 70 and
	.messages == 3 and .attempts == 3' "$T_TMP/many.json"
check "responder saw 32 + 32 + 6 records" bash -c \
	"grep -o 'records=[0-9]*' '$(bg_log many)' | tr '\n' ' ' | grep -q 'records=32 records=32 records=6'"
printf '198.51.100.1/32\nnot-an-eid\n' >"$T_TMP/bad-eids.txt"
check "bad EID file: exit 2, line named" bash -c \
	"'$REG' --ms 127.0.0.1:$p_many --key-file '$KEY' --eids-file '$T_TMP/bad-eids.txt' --rloc 192.0.2.11 2>&1 >/dev/null; [ \$? -eq 2 ]"
check "bad EID file: message names line 2" bash -c \
	"'$REG' --ms 127.0.0.1:$p_many --key-file '$KEY' --eids-file '$T_TMP/bad-eids.txt' --rloc 192.0.2.11 2>&1 | grep -q 'line 2'"

# ---------------------------------------------------------------- deregister
check "deregister: exit 0" expect_rc 0 \
	"$REG" --ms 127.0.0.1:"$p_ok" --key-file "$KEY" --eid 198.51.100.5/32 --deregister
check "deregister sent TTL 0" bash -c "tail -1 '$(bg_log ok)' | grep -q 'records=1 ttl=0 auth=ok'"

# ---------------------------------------------------------------- no answer, retries
responder silent silent; p_sil=$RPORT
start=$(date +%s%3N)
check "no answer: exit 3" expect_out "$T_TMP/silent.json" 3 \
	"$REG" --ms 127.0.0.1:"$p_sil" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.2 --retries 2 --json
elapsed=$(($(date +%s%3N) - start))
check "json: acked false, attempts 3, error" jq -e '.acked == false and .attempts == 3 and
	(.error | test("no answer"))' "$T_TMP/silent.json"
check "json: result no-answer, exit code 3, no ICMP, the likely causes" jq -e '
	.result == "no-answer" and .exitCode == 3 and (.icmp | not) and
	any(.likelyCauses[]; test("wrong Map-Server address or port")) and
	any(.likelyCauses[]; test("firewall")) and any(.likelyCauses[]; test("down")) and
	any(.likelyCauses[]; test("wrong key, key-id or algorithm"))' "$T_TMP/silent.json"
check "responder received 3 Map-Registers" test "$(nregs silent)" -eq 3
check "3 distinct, increasing nonces" bash -c \
	"grep -o 'nonce=0x[0-9a-f]*' '$(bg_log silent)' | cut -d= -f2 | while read n; do echo \$((n)); done | sort -c -n -u"
check "back-off 0.2+0.4+0.8 s (${elapsed} ms)" test "$elapsed" -ge 1300 -a "$elapsed" -lt 5000

responder late late; p_late=$RPORT
check "late answer: exit 0 after a retry" expect_out "$T_TMP/late.json" 0 \
	"$REG" --ms 127.0.0.1:"$p_late" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.2 --retries 3 --json
check "json: attempts 2" jq -e '.acked and .attempts == 2' "$T_TMP/late.json"

closed=$(free_port udp)
check "nobody listening: exit 3" expect_rc 3 \
	"$REG" --ms 127.0.0.1:"$closed" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.1 --retries 1
"$REG" --ms 127.0.0.1:"$closed" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.1 --retries 1 >/dev/null 2>"$T_TMP/closed.err"
check "... told apart from silence: ICMP port unreachable, nothing listens there" bash -c \
	"grep -q 'ICMP port-unreachable from 127.0.0.1' '$T_TMP/closed.err' && grep -q 'nothing listens on that UDP port' '$T_TMP/closed.err' && ! grep -q 'wrong key' '$T_TMP/closed.err'"
"$REG" --ms 127.0.0.1:"$closed" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.1 --retries 1 --json >"$T_TMP/closed.json" 2>/dev/null
check "... and in --json" jq -e '.result == "no-answer" and .icmp.kind == "port-unreachable" and
	.icmp.from == "127.0.0.1" and .icmp.count >= 1 and
	(.likelyCauses[0] | test("nothing listens"))' "$T_TMP/closed.json"
# no route at all (this test's namespace has only lo): nothing was sent, exit 1
"$REG" --ms 192.0.2.100 --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.1 --retries 1 --json >"$T_TMP/noroute.json" 2>"$T_TMP/noroute.err"
rc=$?
check "no route to the Map-Server: exit 1, send-failed, no attempt counted" bash -c \
	"[ $rc -eq 1 ] && jq -e '.result == \"send-failed\" and .exitCode == 1 and .attempts == 0 and any(.likelyCauses[]; test(\"no route\"))' '$T_TMP/noroute.json'"
check "... the error names the destination" grep -q "cannot send to 192.0.2.100:4342: Network is unreachable" "$T_TMP/noroute.err"

printf 'another-secret\n' >"$T_TMP/wrong.key"
check "wrong key: Map-Server drops it silently, exit 3" expect_rc 3 \
	"$REG" --ms 127.0.0.1:"$p_ok" --key-file "$T_TMP/wrong.key" --eid 198.51.100.5/32 \
	--rloc 192.0.2.11 --timeout 0.1 --retries 1
"$REG" --ms 127.0.0.1:"$p_ok" --key-file "$T_TMP/wrong.key" --eid 198.51.100.5/32 \
	--rloc 192.0.2.11 --timeout 0.1 --retries 0 >/dev/null 2>"$T_TMP/wrongkey.err"
check "... the message lists a wrong key among the likely causes" bash -c \
	"grep -q '^lisp-register: no answer from 127.0.0.1:$p_ok after 1 attempts' '$T_TMP/wrongkey.err' && grep -q 'wrong key, key-id or algorithm' '$T_TMP/wrongkey.err' && ! grep -q ICMP '$T_TMP/wrongkey.err'"
check "responder logged auth=bad" grep -q "auth=bad" "$(bg_log ok)"

# ---------------------------------------------------------------- rejected
responder badsig badsig; p_bad=$RPORT
check "bad signature: exit 4" expect_out "$T_TMP/badsig.json" 4 \
	"$REG" --ms 127.0.0.1:"$p_bad" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.2 --retries 2 --json
check "json: rejected, authentication named" jq -e '.acked == false and
	(.error | test("rejected: Map-Notify authentication failed"))' "$T_TMP/badsig.json"
check "json: result rejected (authentication), exit code 4, the likely causes" jq -e '
	.result == "rejected" and .rejected == "authentication" and .exitCode == 4 and
	any(.likelyCauses[]; test("another secret or algorithm"))' "$T_TMP/badsig.json"
"$REG" --ms 127.0.0.1:"$p_bad" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.2 --retries 0 >/dev/null 2>"$T_TMP/badsig.err"
check "text: rejected, with its likely causes" bash -c \
	"grep -q '^lisp-register: rejected: Map-Notify authentication failed' '$T_TMP/badsig.err' && grep -q 'likely cause' '$T_TMP/badsig.err' && grep -q 'another secret or algorithm' '$T_TMP/badsig.err'"
responder norec norecords; p_norec=$RPORT
check "Map-Notify without our records: exit 4" expect_out "$T_TMP/norec.json" 4 \
	"$REG" --ms 127.0.0.1:"$p_norec" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.2 --retries 1 --json
check "json: rejected (records), not an authentication cause" jq -e '
	.result == "rejected" and .rejected == "records" and
	any(.likelyCauses[]; test("only part")) and (any(.likelyCauses[]; test("secret")) | not)' \
	"$T_TMP/norec.json"
responder wrongnonce wrongnonce; p_wn=$RPORT
check "Map-Notify with a wrong nonce is ignored: exit 3" expect_rc 3 \
	"$REG" --ms 127.0.0.1:"$p_wn" --key-file "$KEY" --eid 198.51.100.5/32 --rloc 192.0.2.11 \
	--timeout 0.1 --retries 1

# ---------------------------------------------------------------- usage
check "no --ms: exit 2" expect_rc 2 "$REG" --key-file "$KEY" --eid 198.51.100.1/32 --rloc 192.0.2.1
check "bad --eid: exit 2" expect_rc 2 "$REG" --ms 127.0.0.1 --key-file "$KEY" --eid 198.51.100.1/33 --rloc 192.0.2.1
check "host bits in --eid: exit 2" expect_rc 2 "$REG" --ms 127.0.0.1 --key-file "$KEY" --eid 198.51.100.1/24 --rloc 192.0.2.1
check "no key: exit 2" expect_rc 2 env -u LISP_REGISTER_KEY "$REG" --ms 127.0.0.1 --eid 198.51.100.1/32 --rloc 192.0.2.1
check "unknown option: exit 2" expect_rc 2 "$REG" --ms 127.0.0.1 --secret x
check "--weight 101: exit 2" expect_rc 2 "$REG" --ms 127.0.0.1 --key-file "$KEY" --eid 198.51.100.1/32 --rloc 192.0.2.1 --weight 101
check "--ttl 0: exit 2" expect_rc 2 "$REG" --ms 127.0.0.1 --key-file "$KEY" --eid 198.51.100.1/32 --rloc 192.0.2.1 --ttl 0

# ---------------------------------------------------------------- libvirt hook
responder hook ok; p_hook=$RPORT
cat >"$T_TMP/register.conf" <<EOF
# register.conf (lisp-register.conf(5))
ms 127.0.0.1:$p_hook
site dc1
key-file $KEY
rloc 192.0.2.21
timeout 0.3
retries 2
EOF
cp "$top_srcdir/examples/libvirt-domain.xml" "$T_TMP/domain.xml" 2>/dev/null ||
	cat >"$T_TMP/domain.xml" <<'EOF'
<domain type='kvm'><name>vm1</name><metadata>
<lisp:mapping xmlns:lisp="urn:lisp-suite:1"><lisp:eid>198.51.100.5/32</lisp:eid>
<lisp:eid>2001:db8:5::5/128</lisp:eid></lisp:mapping></metadata></domain>
EOF
hook() { LISP_REGISTER_CONF=$T_TMP/register.conf "$REG" --libvirt-hook "$@" <"$T_TMP/domain.xml"; }
hook_silent() { # OP SUBOP: exit 0, nothing on stdout, no Map-Register sent
	local n out
	n=$(nregs hook)
	out=$(hook vm1 "$1" "$2" -) || return 1
	[ -z "$out" ] && [ "$(nregs hook)" -eq "$n" ]
}
hook_registers() { # OP SUBOP TTL: exit 0, nothing on stdout, one Map-Register of 2 records
	local n out
	n=$(nregs hook)
	out=$(hook vm1 "$1" "$2" -) || return 1
	[ -z "$out" ] && [ "$(nregs hook)" -eq $((n + 1)) ] &&
		tail -1 "$(bg_log hook)" | grep -q "records=2 ttl=$3 auth=ok"
}
hook_file_silent() { # FILE RC: exit RC, no Map-Register sent
	local n rc
	n=$(nregs hook)
	LISP_REGISTER_CONF=$T_TMP/register.conf timeout 10 "$REG" --libvirt-hook vm2 started begin - <"$1"
	rc=$?
	[ "$rc" -eq "$2" ] && [ "$(nregs hook)" -eq "$n" ]
}
check "hook 'migrate begin' (incoming, not running yet): nothing sent, stdout empty" hook_silent migrate begin
check "hook 'prepare begin': nothing sent" hook_silent prepare begin
check "hook 'started begin': both EIDs registered, stdout empty" hook_registers started begin 1440
check "hook 'reconnect begin': registered again" hook_registers reconnect begin 1440
check "hook 'release end' (may be a migration source): nothing sent" hook_silent release end
check "hook 'stopped end': nothing sent" hook_silent stopped end
echo "deregister-on-release yes" >>"$T_TMP/register.conf"
check "hook 'release end' with deregister-on-release: TTL 0" hook_registers release end 0
printf '<domain><name>other</name></domain>' >"$T_TMP/plain.xml"
check "hook on a domain without our metadata: exit 0, nothing sent" hook_file_silent "$T_TMP/plain.xml" 0
printf '<domain><metadata><lisp:mapping xmlns:lisp="urn:lisp-suite:1"><lisp:eid>x</lisp:eid></lisp:mapping></metadata></domain>' >"$T_TMP/badeid.xml"
check "hook with a bad EID: exit 2, nothing sent" hook_file_silent "$T_TMP/badeid.xml" 2
cat >"$T_TMP/laughs.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>
<domain><metadata><lisp:mapping xmlns:lisp="urn:lisp-suite:1"><lisp:eid>&g;</lisp:eid></lisp:mapping></metadata></domain>
EOF
check "hook with billion-laughs XML: exit 2 quickly, nothing sent" hook_file_silent "$T_TMP/laughs.xml" 2

# ---------------------------------------------------------------- hook without its settings file
nofile=$T_TMP/absent/register.conf
hook_noconf() { LISP_REGISTER_CONF=$nofile timeout 10 "$REG" --libvirt-hook vm1 "$@" <"$T_TMP/domain.xml"; }
check "no settings file, 'prepare begin': exit 0 (never blocks a VM start)" hook_noconf prepare begin -
hook_noconf started begin - >"$T_TMP/noconf.out" 2>"$T_TMP/noconf.err"
rc=$?
check "no settings file, 'started begin': exit 2" test "$rc" -eq 2
check "... the error names the file and says what to create" bash -c \
	"grep -F '$nofile does not exist: create it' '$T_TMP/noconf.err' | grep -q \"'ms HOST\[:PORT\]', 'key-file FILE' and 'rloc ADDRESS'\""
check "... nothing on stdout" test ! -s "$T_TMP/noconf.out"

# ---------------------------------------------------------------- the hook installer (qemu.d drop-in)
ROOT=$T_TMP/root
DROPIN=$ROOT/etc/libvirt/hooks/qemu.d/lisp-register
mkdir -p "$ROOT/etc/libvirt/hooks"
printf '#!/bin/sh\n# the operator'"'"'s own hook\nexit 0\n' >"$ROOT/etc/libvirt/hooks/qemu"
cp -p "$ROOT/etc/libvirt/hooks/qemu" "$T_TMP/qemu.orig"
check "--install-libvirt-hook --root: exit 0" expect_out "$T_TMP/install.out" 0 \
	"$REG" --install-libvirt-hook --root "$ROOT"
check "... the drop-in is in qemu.d, executable" test -x "$DROPIN"
check "... an existing hooks/qemu is left alone (and said so)" bash -c \
	"cmp -s '$ROOT/etc/libvirt/hooks/qemu' '$T_TMP/qemu.orig' && grep -q 'hooks/qemu exists and was left as it is' '$T_TMP/install.out'"
check "... the missing settings file is named, with what to put in it" \
	grep -q "lisp/register.conf does not exist yet: create it" "$T_TMP/install.out"
check "... the drop-in runs \$(bindir)/lisp-register --libvirt-hook" \
	grep -q "^exec '/.*/bin/lisp-register' --libvirt-hook \"\$@\"\$" "$DROPIN"
check "... it is valid sh" sh -n "$DROPIN"
# the drop-in as libvirt runs it (DOMAIN OP SUBOP EXTRA, the XML on stdin), with this
# build's lisp-register in place of the installed one
sed "s|^exec '[^']*'|exec '$REG'|" "$DROPIN" >"$T_TMP/dropin.sh"
n=$(nregs hook)
check "the drop-in registers on 'started begin', nothing on stdout" bash -c \
	"out=\$(LISP_REGISTER_CONF='$T_TMP/register.conf' sh '$T_TMP/dropin.sh' vm1 started begin - <'$T_TMP/domain.xml') && [ -z \"\$out\" ] && [ \$(grep -c '^register ' '$(bg_log hook)') -eq $((n + 1)) ]"
check "--install-libvirt-hook again: updated, exit 0" bash -c \
	"'$REG' --install-libvirt-hook --root '$ROOT' | grep -q '^updated '"
printf '#!/bin/sh\n# not ours\nexit 0\n' >"$DROPIN"
check "a drop-in that is not ours: install refused (exit 1), file unchanged" bash -c \
	"'$REG' --install-libvirt-hook --root '$ROOT' 2>'$T_TMP/refused.err'; [ \$? -eq 1 ] && grep -q '# not ours' '$DROPIN' && grep -q 'not installed by lisp-register' '$T_TMP/refused.err'"
check "... uninstall refused too (exit 1), file kept" bash -c \
	"'$REG' --uninstall-libvirt-hook --root '$ROOT' 2>/dev/null; [ \$? -eq 1 ] && [ -f '$DROPIN' ]"
rm -f "$DROPIN"
"$REG" --install-libvirt-hook --root "$ROOT" >/dev/null
check "--uninstall-libvirt-hook: ours removed, hooks/qemu kept" bash -c \
	"'$REG' --uninstall-libvirt-hook --root '$ROOT' | grep -q '^removed ' && [ ! -e '$DROPIN' ] && cmp -s '$ROOT/etc/libvirt/hooks/qemu' '$T_TMP/qemu.orig'"

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
check "-h: usage on stdout, exit 0" usage_ok lisp-register "$REG" -h
check "--help: usage on stdout, exit 0" usage_ok lisp-register "$REG" --help
check "--version: 'lisp-register VERSION', exit 0" version_ok lisp-register "$REG" --version
check "a bad option: usage on stderr, exit 2" bash -c "'$REG' --no-such-option 2>&1 >/dev/null | grep '^usage: lisp-register ' >/dev/null; r=(\${PIPESTATUS[@]}); [ \${r[0]} -eq 2 ] && [ \${r[1]} -eq 0 ]"

finish
