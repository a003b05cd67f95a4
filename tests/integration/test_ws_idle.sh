#!/usr/bin/env bash
# 10,000 idle WebSocket connections on two workers, held with the gateway's
# heartbeat pings for a bounded time; 100 of them are silent peers that
# never answer and must be reset. Then the rest close with 1000 and every
# gateway and TCP state is back to zero. Also: memory per idle connection.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
FANOUT=$BUILD/tests/ws_fanout
CONNS=${IDLE_CONNS:-10000}
DEAD=${IDLE_DEAD:-100}
[ -x "$FANOUT" ] || { echo "rig: $FANOUT not built"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
rig_up
conf=$RIG_TMP/idle.conf
cat >"$conf" <<'CONF'
routes = ( { path = "/idle"; action = "echo"; idle_timeout_ms = 1500; } );
tcp = { time_wait_ms = 200; };
CONF
GW_LCORES=0,1 GW_EAL_MEM="--no-huge --no-shconf -m 1024" gw_start --config "$conf"
checks_from peer "$FANOUT" "$GW_IP" 8080 /idle /idle "$CONNS" 0 \
	--idle 8 --dead "$DEAD" --timeout 120
check "silent peers counted as idle timeouts" stat_is gw_idle_timeouts -eq "$DEAD"
check "heartbeat pings counted" stat_is gw_idle_pings -ge "$CONNS"
bytes=$("$WSGWCTL" -s "$STATS_SOCK" memory | awk '$1 == "ws_conn_bytes_total" { print $2 }')
echo "memory per idle WebSocket connection, stack included: $bytes bytes"
check "at most 512 bytes per idle connection" test "${bytes:-999}" -le 512
check "every connection freed" gw_idle 30
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
