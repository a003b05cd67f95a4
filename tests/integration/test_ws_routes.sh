#!/usr/bin/env bash
# Route settings end to end (ws_routes.py): a route for one Host only,
# any case and with a port, others 404; a pub/sub route without
# publishing closes a publishing subscriber with 1008, counted; the first
# offered subprotocol a route speaks is chosen, none when none is; a
# route's max_message (1009) leaves the other routes' alone.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
conf=$(ws_conf 'routes = (
  { host = "a.example"; path = "/h"; action = "echo"; },
  { path = "/ro/{channel}"; action = "pubsub:{channel}"; publish = false; },
  { path = "/p"; action = "echo"; protocols = [ "md.v2", "md.v1" ]; },
  { path = "/small"; action = "echo"; max_message = 1000; },
  { path = "/echo"; action = "echo"; }
);')
gw_start --config "$conf"
checks_from peer "$PY" "$ROOT/tests/integration/ws_routes.py" "$GW_IP" 8080
check "refused publishing counted" stat_is gw_publish_refused -eq 1
check "1009 counted" stat_is ws_err_too_big -eq 1
check "404s counted (the other hosts)" stat_is gw_http_404 -eq 2
check "every connection freed" gw_idle 15
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
