#!/bin/bash
# tests/integration/cli_telnet.sh - the shared telnet CLI (common/cli) driven by real clients:
# tests/unit/cli_demo serves a demo command table on a free loopback port; the real `telnet`
# client and `nc` send commands; text answers are grepped, JSON answers are cut out of the
# session (everything from a line "{" or "[" to a line "}" or "]") and checked with jq.
# Also: unique prefixes, ambiguity, errors as JSON, over-long lines and binary junk (session
# and daemon survive), password mode, client limit, idle timeout. The demo is stopped by PID
# and must exit 0 (the sanitizers report leaks through the exit status).
# Ends with "N passed, M failed"; exit status non-zero if anything failed.
set -u

: "${top_builddir:=.}"
DEMO="$top_builddir/tests/unit/cli_demo"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_telnet.XXXXXX")
PASS=0
FAIL=0
PID=
PORT=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
	PASS=$((PASS + 1))
	echo "ok - $1"
}
ko() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then sed 's/^/    | /' "$2" | head -40; fi
}
# expect NAME FILE CMD...: CMD (reading nothing) must succeed; FILE is shown on failure.
expect() {
	local name=$1 file=$2
	shift 2
	if "$@" </dev/null >/dev/null 2>&1; then ok "$name"; else ko "$name" "$file"; fi
}
has() { grep -qF -- "$2" "$1"; }   # has FILE TEXT
hasre() { grep -qE -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }
# The JSON blocks of a session, one document per block.
json_of() { tr -d '\r' <"$1" | sed -n '/^[[{]/,/^[]}]/p'; }
# jqt FILE FILTER: the first JSON block of FILE satisfies FILTER
jqt() { json_of "$1" | jq -se "first | $2"; }
jqn() { json_of "$1" | jq -se "$2"; } # over all blocks, as an array

start_demo() {
	: >"$TMP/demo.out"
	"$DEMO" -p 0 "$@" >"$TMP/demo.out" 2>"$TMP/demo.err" &
	PID=$!
	for _ in $(seq 100); do
		PORT=$(awk '/^listening/ {print $3}' "$TMP/demo.out")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "cli_demo did not start"
	cat "$TMP/demo.err"
	return 1
}

stop_demo() {
	local rc
	kill -TERM "$PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID"
		wait "$PID" 2>/dev/null
		ko "demo stops on SIGTERM"
	else
		wait "$PID"
		rc=$?
		if [ "$rc" = 0 ]; then ok "demo exits 0 on SIGTERM (no sanitizer report)"; else
			ko "demo exits 0 on SIGTERM (rc=$rc)" "$TMP/demo.err"
		fi
	fi
	PID=
}

# nc_session FILE: send stdin's script with nc, answers into FILE
nc_session() { timeout 15 nc -q5 127.0.0.1 "$PORT" >"$1"; } # -q5: a loaded machine may need more than 1 s to answer after EOF
# telnet_session FILE LINE...: type each line into the real telnet client, with pauses
telnet_session() {
	local f=$1
	shift
	{
		sleep 0.5
		for l in "$@"; do
			printf '%s\r\n' "$l"
			sleep 0.3
		done
		sleep 0.3
	} | timeout 15 telnet 127.0.0.1 "$PORT" >"$f" 2>&1
}

if [ ! -x "$DEMO" ]; then
	echo "missing $DEMO (make check builds it)"
	echo "0 passed, 1 failed"
	exit 1
fi
for tool in telnet nc jq; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

start_demo || { echo "0 passed, 1 failed"; exit 1; }

# ---- the real telnet client ----
F=$TMP/telnet1
telnet_session "$F" "show version" "sh ver json" "sh" "quit"
expect "telnet: connected and got the prompt" "$F" has "$F" "lisp-demo> "
expect "telnet: show version as text" "$F" hasre "$F" "^name: +lisp-demo"
expect "telnet: sh ver json is JSON (jq)" "$F" jqt "$F" '.name == "lisp-demo" and (.uptimeSeconds|type) == "number"'
expect "telnet: ambiguous prefix reported" "$F" has "$F" "% Ambiguous command: sh could be show, shutdown"
expect "telnet: one prompt per line typed (CR NUL CR LF is one line end)" "$F" \
	test "$(grep -o 'lisp-demo> ' "$F" | wc -l)" -eq 4
expect "telnet: quit closes the connection" "$F" has "$F" "Connection closed by foreign host"
expect "telnet: no negotiation garbage in the output" "$F" hasnt "$F" $'\xff'

F=$TMP/telnet2
telnet_session "$F" "show map-cache json" "show sites" "debug d" "quit"
expect "telnet: map-cache JSON has 3 entries" "$F" jqt "$F" '.entries | length == 3'
expect "telnet: custom text table" "$F" has "$F" "site-a     10.1.0.0/16      yes"
expect "telnet: keyword argument prefix" "$F" has "$F" "debug data"

# ---- nc, one-shot script use ----
F=$TMP/nc1
printf 'show version json\nquit\n' | nc_session "$F"
expect "nc: one-shot show version json (cut between prompts)" "$F" \
	bash -c "grep -v '^lisp-demo> ' '$F' | jq -e '.name == \"lisp-demo\" and .version != null'"
expect "nc: one-shot JSON cut by block" "$F" jqt "$F" '.name == "lisp-demo"'
expect "nc: no CR in LF sessions" "$F" hasnt "$F" $'\r'

F=$TMP/nc2
printf 'show statistics json\nsh map 10.2.0.0/24 json\nshow map 10.9.0.0/24 json\nshow foo json\nclear map json\nhelp json\nhelp\nfrob\nquit\n' | nc_session "$F"
expect "nc: every command answered before the next prompt" "$F" \
	test "$(grep -c '^lisp-demo> $' "$F")" -eq 9
expect "nc: nested JSON object" "$F" jqn "$F" '.[0].mapRequests.received == 42 and .[0].delta == -5'
expect "nc: uint64 printed exactly" "$F" has "$F" '"maxCounter": 18446744073709551615'
expect "nc: argument passed" "$F" jqn "$F" '.[1].entries == [{"eid":"10.2.0.0/24","rloc":"192.0.2.2","ttlMinutes":60}]'
expect "nc: handler error as JSON" "$F" jqn "$F" '.[2] == {"error":"No map-cache entry for 10.9.0.0/24"}'
expect "nc: unknown command as JSON error" "$F" jqn "$F" '.[3].error | startswith("Unknown command: show foo (expected: version, map-cache")'
expect "nc: json refused where not declared" "$F" jqn "$F" '.[4].error == "json output is not supported by: clear map"'
expect "nc: help json lists the table" "$F" jqn "$F" '[.[5].commands[].usage] | index("show map-cache [EID] [json]") != null and length == 12'
expect "nc: help text from the same rows" "$F" has "$F" "  debug {control|data|bgp|off}  Set the debug level"
expect "nc: unknown command lists alternatives" "$F" has "$F" "% Unknown command: frob (commands: show, clear, debug, echo, shutdown, help, ?, quit, exit)"

# ---- hostile input: over-long line, binary junk, telnet negotiation by hand ----
F=$TMP/nc3
{ head -c 5000 /dev/zero | tr '\0' x; printf '\nshow version json\nquit\n'; } | nc_session "$F"
expect "long line refused, session kept" "$F" has "$F" "% Line too long (max 1024 bytes), ignored"
expect "long line: next command still answered" "$F" jqt "$F" '.name == "lisp-demo"'

F=$TMP/nc4
# raw junk (may open a subnegotiation that never ends): the daemon must survive it
head -c 65536 /dev/urandom | timeout 10 nc -q1 127.0.0.1 "$PORT" >"$F"
expect "binary junk: daemon still alive" "$F" kill -0 "$PID"
# junk without IAC bytes: every junk line is refused, the session goes on
F=$TMP/nc4b
{ head -c 65536 /dev/urandom | tr -d '\377'; printf '\nshow version json\nquit\n'; } | nc_session "$F"
expect "binary junk: session answers afterwards" "$F" jqt "$F" '.name == "lisp-demo"'
expect "binary junk: refused as unknown commands" "$F" has "$F" "% Unknown command: "
# telnet negotiation by hand, inside a line
F=$TMP/nc4c
printf '\xff\xfd\x01\xff\xfb\x03\xff\xfa\x18\x01\xff\xf0echo a\x00 b\x01c json\r\nquit\r\n' |
	nc_session "$F"
expect "negotiation refused: IAC WONT ECHO, IAC DONT SGA sent" "$F" grep -qaF $'\xff\xfc\x01\xff\xfe\x03' "$F"
expect "negotiation stripped from the line" "$F" jqt "$F" '.argv == ["a", "bc"]'
expect "CR LF answers after a CR LF line" "$F" grep -qa $'^  "argc": 2,\r$' "$F"

F=$TMP/nc5
printf 'show version\nquit\n' | nc_session "$F"
expect "after junk: a new session works" "$F" hasre "$F" "^version: +0.1.0"

# ---- client limit ----
stop_demo
start_demo -m 1 || exit 1
HOLDF=$TMP/hold
( { printf 'show version\n'; sleep 5; } | timeout 8 nc 127.0.0.1 "$PORT" >"$HOLDF" ) &
HOLD=$!
# wait (bounded) until the holding session has been accepted and answered: only then is
# the one allowed session really taken (a fixed sleep flaked on a loaded machine)
for _ in $(seq 100); do
	grep -q '^version' "$HOLDF" 2>/dev/null && break
	sleep 0.1
done
F=$TMP/nc6
printf 'show version\n' | nc_session "$F"
expect "client limit: second session refused" "$F" has "$F" "% Too many CLI sessions"
wait $HOLD 2>/dev/null
stop_demo

# ---- idle timeout ----
start_demo -i 1 || exit 1
F=$TMP/nc7
sleep 3 | timeout 10 nc 127.0.0.1 "$PORT" >"$F"
expect "idle timeout closes the session" "$F" has "$F" "% Idle timeout, closing"
stop_demo

# ---- password ----
start_demo -P 'open sesame' || exit 1
F=$TMP/pw1
printf 'open sesame\nshow version json\nquit\n' | nc_session "$F"
expect "password: prompt" "$F" has "$F" "Password: "
expect "password: right password, command runs" "$F" jqt "$F" '.name == "lisp-demo"'
F=$TMP/pw2
printf 'a\nb\nc\nshow version json\n' | nc_session "$F"
expect "password: three failures close" "$F" has "$F" "% Bad password, closing"
expect "password: no command without login" "$F" hasnt "$F" '"name"'
F=$TMP/pw3
telnet_session "$F" "wrong" "open sesame" "show version" "quit"
expect "password: telnet login after one failure" "$F" test "$(grep -c '% Bad password' "$F")" -eq 1
expect "password: telnet command after login" "$F" hasre "$F" "^name: +lisp-demo"
stop_demo

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
