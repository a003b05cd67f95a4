#!/usr/bin/env bash
# proxy:HOST:PORT routes: clients in one namespace, through wsgw, to
# python3-websockets and a frame-mirroring server in a third namespace
# behind the gateway's second port. Integrity, order, subprotocol, frame
# boundaries, close codes both ways, the upstream's refusal, an
# unreachable upstream and an upstream gone mid-stream.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
rig_add_upstream
UP_LOG=$RIG_TMP/upstream.log
ip netns exec "$NS_UP" "$PY" "$ROOT/tests/integration/ws_upstream.py" \
	"$UP_IP" 9000 9001 >"$UP_LOG" 2>&1 &
deadline=$((SECONDS + 15))
until grep -q 'ws_upstream: listening' "$UP_LOG"; do
	[ "$SECONDS" -lt "$deadline" ] || { cat "$UP_LOG"; exit 1; }
	sleep 0.05
done
# /up/ names its upstream (resolved once, at start, from the namespace's
# hosts file); the Host sent upstream keeps the name.
rig_hosts "$NS_GW" "$UP_IP upstream.test"
# Upstream legs close first, so they pass through TIME-WAIT: keep it short.
printf 'tcp = { time_wait_ms = 200; };\n' >"$RIG_TMP/proxy.conf"
GW_EXTRA_EAL=$UP_VDEV gw_start --config "$RIG_TMP/proxy.conf" --addr "$GW_IP/$PREFIX" \
	--addr "$UP_GW_IP/$PREFIX" \
	--route "/up/*=proxy:upstream.test:9000" --route "/raw/*=proxy:$UP_IP:9001" \
	--route "/down/*=proxy:$UP_IP:9009"

checks_from peer "$PY" "$ROOT/tests/integration/ws_proxy_checks.py" "$GW_IP" 8080
check "upstream saw the client's close code 4003" \
	grep -q '^ws_upstream: closed 4003' "$UP_LOG"
check "upstream mirrored 5 frames (3 fragments, 1 binary, close)" \
	grep -q '^ws_upstream: frames 5' "$UP_LOG"
check "the upstream by name got Host upstream.test:9000" \
	grep -q '^ws_upstream: host upstream.test:9000$' "$UP_LOG"
check "upstream failures counted" stat_is gw_proxy_failures -eq 2
check "upstream lost counted" stat_is gw_proxy_upstream_lost -eq 1
check "every connection freed, both legs" gw_idle 15
GW_STOP_DEADLINE=3 gw_stop   # two af_packet rings to unmap
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
