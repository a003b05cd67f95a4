#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running gateway:
# installs the dependencies, builds, reserves hugepages, creates a pair of
# network namespaces joined by a veth, starts wsgw in one on its built-in
# default configuration (198.18.0.1/24, WebSocket on port 8080), and shows
# from the other that it answers: ARP, ping, a WebSocket echo and pub/sub.
# Then it keeps running until Ctrl-C (or stops at once: --once).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
once=0
[ "${1:-}" = "--once" ] && once=1

bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/build.sh"
bash "$ROOT/scripts/hugepages.sh" 512

set +e
export RIG_ID=demo STATS_SOCK=/run/wsgw/wsgw.sock
# Hugepage memory, no files left behind.
export GW_EAL_MEM="--in-memory -m 1024"
ip netns del wsgw-gw-demo 2>/dev/null
ip netns del wsgw-peer-demo 2>/dev/null
. "$ROOT/tests/integration/rig.sh"
rig_up
echo "== starting wsgw in namespace $NS_GW on $VETH_GW (built-in defaults)"
gw_start
grep '^wsgw:' "$GW_LOG"

echo "== from namespace $NS_PEER ($PEER_IP): arping and ping $GW_IP"
peer arping -c 2 -w 5 -I "$VETH_PEER" "$GW_IP"
peer ping -c 5 -i 0.2 -s 1400 "$GW_IP"
ok=$?

echo "== from namespace $NS_PEER: WebSocket echo and pub/sub (python3-websockets)"
peer "$PY" "$ROOT/tests/integration/ws_demo.py" "$GW_IP" 8080 || ok=1

echo "== wsgwctl stats (non-zero counters)"
"$WSGWCTL" stats | awk '$2 != 0'

if [ "$once" -eq 1 ]; then
	gw_stop
	exit "$ok"
fi
echo
echo "wsgw is running. From another terminal:"
echo "  sudo ip netns exec $NS_PEER ping $GW_IP"
echo "  sudo ip netns exec $NS_PEER $PY $ROOT/tests/integration/ws_demo.py $GW_IP 8080"
echo "  sudo $WSGWCTL stats"
echo "Ctrl-C stops it and removes the namespaces."
wait "$GW_PID"
