#!/usr/bin/env bash
# wsgw-load catches what a server gets wrong, and refuses what it cannot
# do: an echo server that corrupts one byte of every 50th message, one
# that swaps messages, one that refuses every upgrade, ones that close
# with 1011, reset or send a reserved opcode mid-stream, a port where
# nothing listens, an address nobody answers, and bad arguments. Each is
# counted under its own error with the right exit status: 1 for errors
# beyond --max-errors, 2 for a bad argument or an unreachable target.
set -u
. "$(dirname "$0")/rig.sh"
. "$(dirname "$0")/load_rig.sh"
URL="ws://$PEER_IP:$LOAD_PORT"
OUR=(--addr "$GW_IP/$PREFIX")
rig_up
[ -x "$LOAD" ] || { echo "rig: $LOAD not built"; exit 1; }

# only_error NAME KEY: the report's errors are KEY's and nothing else.
only_error() {
	local total key=$2
	total=$(load_json errors_total)
	check "$1: $key counted ($(load_json "errors.$key"))" \
		test "$(load_json "errors.$key")" -ge 1
	check "$1: no other error" test "$total" = "$(load_json "errors.$key")"
}

# 1. One byte of every 50th message changed: exactly 2,000 / 50 caught.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" \
	--mode corrupt --every 50
load_run "${OUR[@]}" -c 4 --inflight 4 -n 2000 "$URL/echo"
load_server_stop
check "corrupt: exit 1" test "$LOAD_RC" -eq 1
check "corrupt: 40 mismatches" test "$(load_json errors.err_echo_mismatch)" = 40
only_error corrupt err_echo_mismatch
check "corrupt: the rest verified (1960)" \
	test "$(load_json counters.msgs_verified)" = 1960
check "corrupt: the summary names the error" grep -q 'err_echo_mismatch *40' "$LOAD_LOG"

# 2. The same under a threshold: counted, exit 0.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" \
	--mode corrupt --every 50
load_run "${OUR[@]}" -c 4 --inflight 4 -n 2000 --max-errors 40 --text "$URL/echo"
load_server_stop
check "corrupt, text, --max-errors 40: exit 0" test "$LOAD_RC" -eq 0
check "corrupt, text: 40 mismatches still counted" \
	test "$(load_json errors.err_echo_mismatch)" = 40

# 3. Every 25th message held back behind the next: out of order. The
# last one held on a connection may never come back (counted unanswered).
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" \
	--mode reorder --every 25
load_run "${OUR[@]}" -c 2 --inflight 8 -n 1000 "$URL/echo"
load_server_stop
check "reorder: exit 1" test "$LOAD_RC" -eq 1
check "reorder: swapped pairs counted ($(load_json errors.err_echo_order))" \
	test "$(load_json errors.err_echo_order)" -ge 30
check "reorder: no mismatch (the bytes are intact)" \
	test "$(load_json errors.err_echo_mismatch)" = 0
check "reorder: order + unanswered are the only errors" \
	test "$(load_json errors_total)" = $(($(load_json errors.err_echo_order) + \
		$(load_json errors.err_msg_timeout)))

# 4. Every upgrade refused with 403.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" --mode refuse
load_run "${OUR[@]}" -c 3 -d 1 "$URL/echo"
load_server_stop
check "403: exit 1" test "$LOAD_RC" -eq 1
check "403: 3 refused handshakes" test "$(load_json errors.err_handshake_refused)" = 3
only_error 403 err_handshake_refused
check "403: the status is reported" test "$(load_json refusal_status)" = 403

# 4b. The server misbehaves after 20 messages on each of 3 connections:
# it closes with 1011, resets, or sends a reserved opcode. Each connection
# is counted once under its kind; what was in flight then, unanswered.
misbehaves() {   # misbehaves MODE ERROR-KEY
	load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" \
		--mode "$1" --every 20
	load_run "${OUR[@]}" -c 3 --inflight 2 -d 2 --drain 500 "$URL/echo"
	load_server_stop
	check "$1: exit 1" test "$LOAD_RC" -eq 1
	check "$1: 3 connections under $2 ($(load_json "errors.$2"))" \
		test "$(load_json "errors.$2")" = 3
	check "$1: else only unanswered messages" \
		test "$(load_json errors_total)" = $(($(load_json "errors.$2") + \
			$(load_json errors.err_msg_timeout)))
	check "$1: no mismatch" test "$(load_json errors.err_echo_mismatch)" = 0
}
misbehaves close err_server_close
check "close: the code is reported (1011: 3)" \
	test "$(load_json close_codes.1011)" = 3
misbehaves reset err_reset
misbehaves badframe err_protocol

# 5. Nothing listens on the port: every SYN answered by RST.
load_run "${OUR[@]}" -c 3 --connect-timeout 2000 "$URL/echo"
check "refused: exit 2" test "$LOAD_RC" -eq 2
check "refused: says so, naming --url" grep -q 'refused: nothing listens there (option --url)' "$LOAD_LOG"
only_error refused err_connect_refused

# 6. Nobody at that address: ARP unanswered, connections time out.
t0=$SECONDS
load_run "${OUR[@]}" -c 3 --connect-timeout 1500 "ws://198.18.0.99:$LOAD_PORT/"
check "unreachable: exit 2" test "$LOAD_RC" -eq 2
check "unreachable: says ARP, naming --url" grep -q 'unreachable: its next hop never answered ARP (option --url' "$LOAD_LOG"
only_error unreachable err_connect_timeout
check "unreachable: given up within 10 s" test $((SECONDS - t0)) -le 10

# 7. Bad arguments: exit 2 at once, before EAL, naming the option.
bad_arg() {   # bad_arg WORD-IN-MESSAGE wsgw-load-options...
	local want=$1 out rc
	shift
	out=$(timeout 5 "$LOAD" -- "${OUR[@]}" "$@" 2>&1)
	rc=$?
	check "bad argument ($*): exit 2" test "$rc" -eq 2
	check "bad argument ($*): message names $want" grep -qF -- "$want" <<<"$out"
}
bad_arg "--url" "http://198.18.0.2/"
bad_arg "wss:// needs TLS" "wss://198.18.0.2/"
bad_arg "not an IPv4 address or a host name" "ws://echo_example/"
bad_arg "not an IPv4 address A.B.C.D" "ws://198.18.0/"
# A name nobody knows, in the rig (its resolver answers nothing).
rig_hosts "$NS_GW" "$PEER_IP echo.test"
out=$(ip netns exec "$NS_GW" timeout 10 "$LOAD" -- "${OUR[@]}" \
	ws://nobody.test/ 2>&1)
rc=$?
echo "$out"
check "an unknown name: exit 2" test "$rc" -eq 2
check "an unknown name: the message says it does not resolve" \
	grep -q "host 'nobody.test': it does not resolve" <<<"$out"
bad_arg "--url" "ws://198.18.0.2:99999/"
bad_arg "--conns" -c 0 "$URL/"
bad_arg "--conns" --conns lots "$URL/"
bad_arg "valid: echo, pubsub, connect, idle" -s storm "$URL/"
bad_arg "--size" --size 8 "$URL/"
bad_arg "--rate" --rate -5 "$URL/"
bad_arg "not on the subnet of any --addr" "ws://10.20.30.40/"
bad_arg "no target" -c 5
bad_arg "unknown option '--frobnicate'" --frobnicate "$URL/"
bad_arg "--publishers" -s pubsub -c 2 --publishers 2 "$URL/"
out=$("$LOAD" -- --help)
check "--help: exit 0 and usage" grep -q '^Usage: wsgw-load' <<<"$out"
rig_finish
