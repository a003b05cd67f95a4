#!/usr/bin/env bash
# Does wsgw-load measure honestly? One kernel-stack WebSocket echo server
# (node ws, CPU 1) in the rig's peer namespace, measured in turn by
# wsgw-load (DPDK, af_packet on the veth, CPU 0) and by an independent
# node client (tests/integration/load_client.js, kernel sockets on the
# same veth, CPU 0), ROUNDS times each, alternating. Both keep one 64-byte
# message in flight on each of CONNS connections, so the server is the
# bottleneck: the messages per second they see must agree. Latencies are
# shown too; they include each client's own stack.
#
# usage: sudo bench/load_compare.sh [SECONDS] [CONNS] [ROUNDS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-5}
CONNS=${2:-16}
ROUNDS=${3:-3}
SERVER=${SERVER:-node}
. "$ROOT/tests/integration/rig.sh"
. "$ROOT/tests/integration/load_rig.sh"
URL="ws://$PEER_IP:$LOAD_PORT/echo"
rig_up
[ -x "$LOAD" ] || { echo "bench: $LOAD not built"; exit 1; }
# The server alone on CPU 1; both clients on CPU 0.
LOAD_LCORES=0
ip netns exec "$NS_PEER" true
load_server_start "$NS_PEER" "$SERVER" --addr "$PEER_IP" --port "$LOAD_PORT"
taskset -pc 1 "$LOAD_SRV_PID" >/dev/null

results=()
for r in $(seq "$ROUNDS"); do
	load_run --addr "$GW_IP/$PREFIX" -q -c "$CONNS" --inflight 1 -d "$DUR" \
		"$URL" >/dev/null
	[ "$LOAD_RC" -eq 0 ] || { echo "bench: wsgw-load failed:"; cat "$LOAD_LOG"; exit 1; }
	results+=("wsgw-load $r $(load_json msgs_per_s.rx) $(load_json latency.p50_us) $(load_json latency.p99_us)")
	ip -n "$NS_GW" addr add "$GW_IP/$PREFIX" dev "$VETH_GW"
	out=$(ip netns exec "$NS_GW" taskset -c 0 node "$TCP_TOOLS/load_client.js" \
		"$URL" "$CONNS" "$DUR")
	ip -n "$NS_GW" addr del "$GW_IP/$PREFIX" dev "$VETH_GW"
	grep -q 'errors=0' <<<"$out" || { echo "bench: node client: $out"; exit 1; }
	results+=("node-client $r $(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out") \
$(sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p' <<<"$out") $(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$out")")
done
load_server_stop >/dev/null

echo "$SERVER ws echo server (CPU 1) over the veth rig, $CONNS connections x 1 in flight, 64 B, ${DUR} s x $ROUNDS rounds"
printf '%-12s %5s %12s %10s %10s\n' client round msg/s p50_us p99_us
printf '%s\n' "${results[@]}" | while read -r c r m p50 p99; do
	printf '%-12s %5s %12.0f %10.1f %10.1f\n' "$c" "$r" "$m" "$p50" "$p99"
done
med() { printf '%s\n' "${results[@]}" | awk -v c="$1" -v f="$2" '$1 == c { print $f }' | sort -n |
	awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
lm=$(med wsgw-load 3); nm=$(med node-client 3)
lp=$(med wsgw-load 4); np=$(med node-client 4)
echo "median msg/s: wsgw-load $lm, node client $nm, ratio $(awk -v a="$lm" -v b="$nm" 'BEGIN { printf "%.3f", a / b }')"
echo "median p50 latency (us): wsgw-load $lp, node client $np"
