#!/usr/bin/env bash
# wsgw-load against kernel-stack WebSocket servers over the veth rig:
# python3-websockets and node ws in the peer namespace, wsgw-load on the
# gateway's end through af_packet. For every scenario the counts
# wsgw-load reports (JSON) must equal what the server counted, with no
# error: echo in closed and open loop, binary and text, fixed and
# distributed sizes; pub/sub; connect; idle. Also: the live line, the
# statistics socket while it runs, the plot, and SIGINT.
set -u
. "$(dirname "$0")/rig.sh"
. "$(dirname "$0")/load_rig.sh"
URL="ws://$PEER_IP:$LOAD_PORT"
OUR=(--addr "$GW_IP/$PREFIX")
rig_up
[ -x "$LOAD" ] || { echo "rig: $LOAD not built"; exit 1; }

# counts_match NAME: the report and the server agree on everything.
counts_match() {
	local name=$1 sent recv ok hs closed
	sent=$(load_json counters.msgs_sent)
	recv=$(load_json counters.msgs_received)
	ok=$(load_json counters.msgs_verified)
	hs=$(load_json counters.handshakes_ok)
	closed=$(load_json counters.conn_closed_ok)
	check "$name: exit 0" test "$LOAD_RC" -eq 0
	check "$name: no error" test "$(load_json errors_total)" = 0
	check "$name: messages sent ($sent) = received by the server" \
		test "$sent" = "$(load_server_total msgs)"
	check "$name: echoes received ($recv) = sent by the server" \
		test "$recv" = "$(load_server_total sent)"
	check "$name: every echo verified" test "$ok" = "$sent"
	check "$name: handshakes ($hs) = the server's connections" \
		test "$hs" = "$(load_server_total conns)"
	check "$name: closed cleanly ($closed) = the server's closes" \
		test "$closed" = "$(load_server_total closes)"
}

# 1. python, binary, closed loop, an exact count.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -c 20 --inflight 4 -n 5000 "$URL/echo"
load_server_stop
counts_match "python echo, 20 conns x 4 in flight"
check "python echo: exactly 5000 sent" test "$(load_json counters.msgs_sent)" = 5000
check "python echo: 20 connections" test "$(load_json counters.handshakes_ok)" = 20
check "python echo: all from one address" test "$(load_server_total peers)" = 1
check "python echo: latency p50 measured" \
	awk -v v="$(load_json latency.p50_us)" 'BEGIN { exit !(v > 0) }'

# 1a. the target by name (rig_hosts: /etc/netns/NS/hosts), resolved once.
rig_hosts "$NS_GW" "$PEER_IP echo.test"
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -c 4 -n 1000 "ws://echo.test:$LOAD_PORT/echo"
load_server_stop
counts_match "by name: python echo"
check "by name: exactly 1000 sent" test "$(load_json counters.msgs_sent)" = 1000

# 1b. the same over af_xdp on the same veth.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
LOAD_VDEV="net_af_xdp0,iface=$VETH_GW" load_run "${OUR[@]}" -c 20 \
	--inflight 4 -n 5000 "$URL/echo"
load_server_stop
# A kernel without AF_XDP on veth fails the PMD's own probe or socket:
# that machine cannot run this case, which is said, not hidden as a pass.
if grep -qE 'failed to initialize net_af_xdp0 device|Failed to create xsk socket|Failed to configure xdp socket' \
		"$LOAD_LOG"; then
	echo "SKIP af_xdp: this kernel refused net_af_xdp on the veth"
else
	counts_match "af_xdp: python echo, 20 conns x 4 in flight"
	check "af_xdp: exactly 5000 sent" \
		test "$(load_json counters.msgs_sent)" = 5000
	check "af_xdp: the port was af_xdp" \
		grep -q '^wsgw-load: port 0 mac [0-9A-F:]* driver net_af_xdp ' "$LOAD_LOG"
fi

# 2. node, text, sizes from 48 to 3000 bytes (several segments each).
load_server_start "$NS_PEER" node --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -c 10 --inflight 2 --text --size 48-3000 -d 2 \
	--plot "$RIG_TMP/plot.png" "$URL/any"
load_server_stop
counts_match "node echo, text 48-3000 bytes"
check "node echo: payload bytes = the server's" \
	test "$(load_json counters.payload_bytes_sent)" = "$(load_server_total bytes)"
check "live line every second" test "$(grep -c '^\[ *[0-9]*s\] conns' "$LOAD_LOG")" -ge 1
check "plot written as PNG" grep -q PNG <(head -c 8 "$RIG_TMP/plot.png" 2>/dev/null)

# 3. open loop at 2,000 msg/s: the schedule holds, both latencies kept.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -c 5 --rate 2000 -d 2 --size 64,200:3 "$URL/echo"
load_server_stop
counts_match "python echo, open loop"
check "open loop: 2000/s for 2 s is 4000 sent" \
	test "$(load_json counters.msgs_sent)" = 4000
check "open loop: latency from send recorded too" \
	test "$(load_json latency_from_send.count)" = "$(load_json latency.count)"

# 4. pub/sub: 2 publishers, 4 subscribers, every delivery in order.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT" \
	--mode pubsub
load_run "${OUR[@]}" -s pubsub -c 6 --publishers 2 --rate 500 -d 1 \
	"$URL/md/x"
load_server_stop
pub=$(load_json counters.msgs_sent)
check "pubsub: exit 0, no error" test "$LOAD_RC" -eq 0 -a \
	"$(load_json errors_total)" = 0
check "pubsub: published ($pub) = the server's" test "$pub" = "$(load_server_total msgs)"
check "pubsub: each subscriber got every one ($((pub * 4)))" \
	test "$(load_json counters.msgs_verified)" = $((pub * 4))
check "pubsub: deliveries = what the server sent" \
	test "$(load_json counters.msgs_received)" = "$(load_server_total sent)"

# connect_ok NAME N: N handshakes, as many as the server's, none failed.
connect_ok() {
	check "$1: exit 0, no error" test "$LOAD_RC" -eq 0 -a \
		"$(load_json errors_total)" = 0
	check "$1: $2 handshakes = the server's connections" \
		test "$(load_json counters.handshakes_ok)" = "$2" -a \
		"$(load_server_total conns)" = "$2"
	check "$1: $2 closed cleanly" \
		test "$(load_json counters.conn_closed_ok)" = "$2"
}

# 5. connect: 300 connections opened, upgraded and closed, 8 at a time.
load_server_start "$NS_PEER" node --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -s connect -c 8 -n 300 "$URL/"
load_server_stop
connect_ok connect 300
check "connect: handshakes per second reported" \
	awk -v v="$(load_json handshakes_per_s)" 'BEGIN { exit !(v > 0) }'

# 5b. connect from 4 source addresses in turn: the server sees all four.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run --addr "198.18.0.10/$PREFIX,count=4" -s connect -c 8 -n 200 "$URL/"
load_server_stop
connect_ok "4 sources" 200
check "4 sources: the server saw 4 client addresses" \
	test "$(load_server_total peers)" = 4
check "4 sources: reported" test "$(load_json source_addresses)" = 4

# 5c. a set of runs: count=2 and two range= make six sources, each used.
set6=198.18.0.10,198.18.0.11,198.18.0.40,198.18.0.41,198.18.0.42,198.18.0.100
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run --addr "198.18.0.10/$PREFIX,count=2,range=198.18.0.40-198.18.0.42,range=198.18.0.100" \
	-s connect -c 12 -n 240 "$URL/"
load_server_stop
connect_ok "address set" 240
check "address set: the server saw exactly the six addresses" \
	test "$(sed -n 's/^load_echo_server: peer_addrs //p' "$LOAD_SRV_LOG" |
		tail -1)" = "$set6"
check "address set: reported" test "$(load_json source_addresses)" = 6

# 5d. source ports from --src-ports: 50 connections on 50 ports, all seen
# by the server inside the range.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" --src-ports 40000-40049 -s idle -c 50 -d 1 "$URL/"
load_server_stop
check "src-ports: exit 0, 50 connections" test "$LOAD_RC" -eq 0 -a \
	"$(load_json counters.handshakes_ok)" = 50
check "src-ports: the server saw 50 ports within 40000-40049" \
	grep -qE '^load_echo_server: peer_ports 400[0-4][0-9]-400[0-4][0-9], 50 distinct$' \
	"$LOAD_SRV_LOG"

# 5e. --conn-rate 20 with --ramp-up 2: never more open than the ramp and
# then the rate allow (the rate integrated, plus 5 for sampling), and all
# 60 open in the end.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -s idle -c 60 --conn-rate 20 --ramp-up 2 -d 5 \
	--ping-interval 500 "$URL/"
load_server_stop
check "ramp: exit 0, 60 connections" test "$LOAD_RC" -eq 0 -a \
	"$(load_json counters.handshakes_ok)" = 60
check "ramp: the open count follows the ramp and the rate" "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
def allowed(t):   # 20/s reached linearly over 2 s, then held
    return 20 * t * t / 4 if t <= 2 else 20 + 20 * (t - 2)
bad = [(s["t"], s["open"]) for s in r["timeline"]
       if s["open"] + s["opening"] > allowed(s["t"]) + 5]
first = r["timeline"][0]
sys.exit(1 if bad or first["open"] >= 60 else 0)' "$LOAD_JSON"

# 6. idle: 50 connections held with pings every 100 ms.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -s idle -c 50 --ping-interval 100 -d 1 "$URL/"
load_server_stop
pings=$(load_json counters.pings_sent)
check "idle: exit 0, no error" test "$LOAD_RC" -eq 0 -a \
	"$(load_json errors_total)" = 0
check "idle: ~500 pings, every one answered" test "$pings" -ge 450 -a \
	"$pings" = "$(load_json counters.pongs_received)"
check "idle: 50 connections held" test "$(load_server_total conns)" = 50

# 7. the statistics socket while it runs, then SIGINT ends it cleanly.
load_server_start "$NS_PEER" py --addr "$PEER_IP" --port "$LOAD_PORT"
load_run "${OUR[@]}" -c 4 -d 30 "$URL/echo" &
runner=$!
deadline=$((SECONDS + 15))
until [ "$("$WSGWCTL" -s "$STATS_SOCK" stats 2>/dev/null |
		awk '$1 == "msgs_verified" { print $2 }')" -gt 100 ] 2>/dev/null; do
	[ "$SECONDS" -lt "$deadline" ] || break
	sleep 0.2
done
check "wsgwctl stats shows msgs_verified while it runs" \
	test "$("$WSGWCTL" -s "$STATS_SOCK" stats | awk '$1 == "msgs_verified" { print $2 }')" -gt 100
check "wsgwctl describe knows err_echo_mismatch" \
	grep -q '^err_echo_mismatch counter' <("$WSGWCTL" -s "$STATS_SOCK" describe)
t0=$SECONDS
ip netns pids "$NS_GW" | xargs -r kill -INT
wait "$runner"
load_server_stop >/dev/null
check "SIGINT: stopped within 5 s" test $((SECONDS - t0)) -le 5
check "SIGINT: report says interrupted" test "$(load_json interrupted)" = True
check "SIGINT: closed cleanly, no error" test "$(load_json errors_total)" = 0 -a \
	"$(load_json counters.conn_closed_ok)" = 4
rig_finish
