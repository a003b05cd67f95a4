#!/usr/bin/env bash
# The gateway's echo route and plain HTTP against python3-websockets and raw
# frames: 0 B to 1 MiB text and binary, fragmentation both ways, ping/pong,
# close codes, 1007, 1009, 1002 cases, /healthz, 404, 405, 426, 431; then
# every connection gone and SIGTERM exits 0.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
gw_start --config "$(ws_conf)" --listen 8080

checks_from peer "$PY" "$ROOT/tests/integration/ws_checks.py" "$GW_IP" 8080 echo
checks_from peer "$PY" "$ROOT/tests/integration/ws_checks.py" "$GW_IP" 8080 http
check "1007 counted" stat_is ws_err_utf8 -ge 1
check "1009 counted" stat_is ws_err_too_big -ge 1
check "1002 (mask) counted" stat_is ws_err_mask -ge 1
check "upgrades counted" stat_is gw_upgrades -ge 10
check "healthz counted" stat_is gw_http_healthz -eq 1
check "404 counted" stat_is gw_http_404 -eq 2
check "every connection freed" gw_idle 15
check "wsgw still running" kill -0 "$GW_PID"
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
