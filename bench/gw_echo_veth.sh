#!/usr/bin/env bash
# The gateway's echo against kernel-stack WebSocket servers, same client,
# same rig, one core each, side by side in one run: wsgw-load (CPU 0, the
# rig's gateway namespace, af_packet on its veth end) drives, in turn,
# wsgw (CPU 1, af_packet on the peer end), node ws, python3-websockets and
# lws_echo on Debian's libwebsockets (CPU 1, kernel sockets on the peer
# end). Messages per second and p50/p99, ROUNDS rounds each, alternating;
# the ratios are wsgw over the best kernel server of the same round.
# lws_echo (bench/servers, built with -Dbench where libwebsockets-dev is
# installed) must first pass bench/servers/echo_check.py; where it is not
# built, the script says so and measures the others.
#
# usage: sudo bench/gw_echo_veth.sh [SECONDS] [CONNS] [INFLIGHT] [ROUNDS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-5}
CONNS=${2:-16}
INFLIGHT=${3:-8}
ROUNDS=${4:-3}
SIZE=${SIZE:-64}
. "$ROOT/tests/integration/rig.sh"
. "$ROOT/tests/integration/load_rig.sh"
rig_up
[ -x "$LOAD" ] || { echo "bench: $LOAD not built"; exit 1; }
LOAD_LCORES=0
URL="ws://$PEER_IP:$LOAD_PORT/echo"
SRV_LOG=$RIG_TMP/wsgw-server.log
SRV_PID=
KERNEL_SERVERS="node py"
if [ -x "$LWS_ECHO" ]; then
	KERNEL_SERVERS="$KERNEL_SERVERS lws"
else
	echo "bench: $LWS_ECHO not built (libwebsockets-dev, -Dbench), lws skipped"
fi

wsgw_server_start() {
	ip -n "$NS_PEER" addr del "$PEER_IP/$PREFIX" dev "$VETH_PEER"
	ip netns exec "$NS_PEER" ethtool -K "$VETH_PEER" rx off >/dev/null 2>&1
	: >"$SRV_LOG"
	# shellcheck disable=SC2086
	ip netns exec "$NS_PEER" "$WSGW" -l 1 $GW_EAL_MEM --no-pci \
		--file-prefix "wsgwsrv$RIG_ID" --log-level lib.eal:warning \
		--vdev "net_af_packet0,iface=$VETH_PEER,framecnt=16384" \
		-- --addr "$PEER_IP/$PREFIX" --listen "$LOAD_PORT" \
		--stats-sock "$RIG_TMP/srv.sock" >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	until grep -q '^wsgw: ready' "$SRV_LOG"; do
		kill -0 "$SRV_PID" 2>/dev/null || { cat "$SRV_LOG"; exit 1; }
		sleep 0.05
	done
}

wsgw_server_stop() {
	kill -TERM "$SRV_PID"; wait "$SRV_PID"
	ip -n "$NS_PEER" addr add "$PEER_IP/$PREFIX" dev "$VETH_PEER"
}

# lws_echo is ours, so it proves itself an echo server before it is
# measured: whole messages, types, order, backpressure, 1009, close.
lws_check() {
	local log=$RIG_TMP/echo_check.log
	load_server_start "$NS_PEER" lws --addr "$PEER_IP" --port "$LOAD_PORT"
	if ! timeout 120 ip netns exec "$NS_PEER" "$PY" \
		"$ROOT/bench/servers/echo_check.py" "ws://$PEER_IP:$LOAD_PORT/echo" \
		>"$log" 2>&1; then
		echo "bench: lws_echo failed its echo checks:"; cat "$log"; exit 1
	fi
	load_server_stop >/dev/null
	echo "bench: lws_echo: $(tail -1 "$log")"
}

measure() {   # measure NAME: one wsgw-load run, a result line
	load_run --addr "$GW_IP/$PREFIX" -q -c "$CONNS" --inflight "$INFLIGHT" \
		--size "$SIZE" -d "$DUR" "$URL" >/dev/null
	if [ "$LOAD_RC" -ne 0 ]; then
		echo "bench: wsgw-load against $1 failed:"; tail -20 "$LOAD_LOG"; exit 1
	fi
	echo "$1 $(load_json msgs_per_s.rx) $(load_json latency.p50_us) $(load_json latency.p99_us)"
}

case " $KERNEL_SERVERS " in *" lws "*) lws_check ;; esac
lines=()
for r in $(seq "$ROUNDS"); do
	wsgw_server_start
	lines+=("$r $(measure wsgw)")
	wsgw_server_stop
	for srv in $KERNEL_SERVERS; do
		load_server_start "$NS_PEER" "$srv" --addr "$PEER_IP" --port "$LOAD_PORT"
		taskset -pc 1 "$LOAD_SRV_PID" >/dev/null
		lines+=("$r $(measure "$srv")")
		load_server_stop >/dev/null
	done
done
printf '%s\n' "${lines[@]}" | awk -v c="$CONNS" -v k="$INFLIGHT" -v s="$SIZE" '
	BEGIN { printf "round server msgs_per_s p50_us p99_us   (%d conns x %d in flight, %d B)\n", c, k, s }
	{ printf "%s %-6s %12.0f %8s %8s\n", $1, $2, $3, $4, $5
	  v[$1, $2] = $3; if ($2 != "wsgw" && $3 > best[$1]) best[$1] = $3 }
	END { for (r = 1; (r, "wsgw") in v; r++)
		printf "round %d: wsgw / best kernel server = %.2f\n", r, v[r, "wsgw"] / best[r] }'
