#!/usr/bin/env bash
# The gateway's echo route against node's ws (from npm): text and binary
# 0 B to 1 MiB, fragmented messages, ping/pong, close codes, 1007, 1009.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
NODE_MODS=$ROOT/tests/integration/node/node_modules
[ -f "$NODE_MODS/ws/package.json" ] ||
	{ echo "rig: node ws missing; run scripts/install-deps.sh"; exit 1; }
rig_up
gw_start --config "$(ws_conf)" --listen 8080
checks_from peer env NODE_PATH="$NODE_MODS" node \
	"$ROOT/tests/integration/ws_node_checks.js" "$GW_IP" 8080
check "1007 counted" stat_is ws_err_utf8 -eq 1
check "1009 counted" stat_is ws_err_too_big -eq 1
check "every connection freed" gw_idle 15
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
