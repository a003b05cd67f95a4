#!/usr/bin/env bash
# Connection limits (per source address and in all), the handshake
# timeout and the channel table: refusals counted, places given back, no
# other connection hurt.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
PEER_IP2=198.18.0.3
rig_must ip -n "$NS_PEER" addr add "$PEER_IP2/$PREFIX" dev "$VETH_PEER"
cat >"$RIG_TMP/limits.conf" <<'CONF'
gateway = { max_conns = 30; max_conns_per_ip = 20; handshake_timeout_ms = 1000; };
tcp = { time_wait_ms = 200; };
CONF
GW_LCORES=0,1 gw_start --config "$RIG_TMP/limits.conf"
checks_from peer "$PY" "$ROOT/tests/integration/ws_limits.py" "$GW_IP" 8080 \
	"$PEER_IP" "$PEER_IP2"
check "per-address refusals counted" stat_is gw_refused_per_ip -ge 5
check "global refusals counted" stat_is gw_refused_max_conns -ge 5
check "handshake timeout counted" stat_is gw_handshake_timeouts -eq 1
checks_from peer "$PY" "$ROOT/tests/integration/ws_checks.py" "$GW_IP" 8080 http
check "every connection freed" gw_idle 15
gw_stop
check "SIGTERM: exit 0" test $? -eq 0

# The channel table, on one worker so that its limit is the gateway's.
printf 'gateway = { channels = 4; };\ntcp = { time_wait_ms = 200; };\n' \
	>"$RIG_TMP/channels.conf"
GW_LCORES=0 gw_start --config "$RIG_TMP/channels.conf"
checks_from peer "$PY" "$ROOT/tests/integration/ws_channels.py" "$GW_IP" 8080 \
	"$PEER_IP2" "$WSGWCTL" "$STATS_SOCK"
check "full channel table counted" stat_is gw_channels_full -ge 1
check "no id clash" stat_is gw_channel_id_clashes -eq 0
check "every connection freed" gw_idle 15
check "no channel left once its subscribers are gone" \
	test "$(channels_left)" = 0
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
