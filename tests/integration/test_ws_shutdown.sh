#!/usr/bin/env bash
# Graceful shutdown: SIGTERM with 20 open WebSocket clients and one that
# never reads. Every client gets close 1001 and completes its closing
# handshake; the mute one cannot hold the exit past gateway.shutdown_ms;
# wsgw exits 0.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
printf 'gateway = { shutdown_ms = 1500; };\n' >"$RIG_TMP/stop.conf"
gw_start --config "$RIG_TMP/stop.conf"
ready=$RIG_TMP/clients.ready
out=$RIG_TMP/clients.out
peer "$PY" "$ROOT/tests/integration/ws_shutdown_client.py" "$GW_IP" 8080 20 \
	"$ready" >"$out" 2>&1 &
client=$!
deadline=$((SECONDS + 30))
until [ -e "$ready" ] || [ "$SECONDS" -ge "$deadline" ]; do
	kill -0 "$client" 2>/dev/null || break
	sleep 0.05
done
check "clients connected" test -e "$ready"
check "21 connections open before SIGTERM" stat_is gw_ws_open -eq 21
start=$(date +%s%N)
GW_STOP_DEADLINE=5 gw_stop
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "SIGTERM to exit: $ms ms"
check "SIGTERM: exit 0" test "$rc" -eq 0
check "exit within shutdown_ms and teardown (< 4 s)" test "$ms" -lt 4000
wait "$client"
checks_from cat "$out"
check "wsgw logged the stop" grep -q '^wsgw: stopped' "$GW_LOG"
rig_finish
