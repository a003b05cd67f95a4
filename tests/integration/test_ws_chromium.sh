#!/usr/bin/env bash
# Headless Chromium against the gateway: a page served in the client
# namespace opens ws:// to wsgw, echoes text and binary, closes with 1000,
# and is refused (403) on a route whose Origin list leaves it out.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
command -v chromium >/dev/null || { echo "rig: chromium missing; run scripts/install-deps.sh"; exit 1; }
rig_up
conf=$(ws_conf 'routes = ( { path = "/only-other-origin"; action = "echo";' \
	'             origins = [ "https://elsewhere.example" ]; } );')
gw_start --config "$conf" --route /echo=echo
result=$RIG_TMP/chromium.result
peer "$PY" "$ROOT/tests/integration/chromium/serve.py" 127.0.0.1 8000 "$result" &
for _ in $(seq 100); do
	peer "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 8000), 1)' 2>/dev/null && break
	sleep 0.05
done
peer timeout 60 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --no-first-run \
	--user-data-dir="$RIG_TMP/chromium-profile" \
	"http://127.0.0.1:8000/page.html?gw=$GW_IP:8080" >"$RIG_TMP/chromium.log" 2>&1 &
browser=$!
deadline=$((SECONDS + 60))
until [ -s "$result" ] || [ "$SECONDS" -ge "$deadline" ]; do
	kill -0 "$browser" 2>/dev/null || break
	sleep 0.1
done
kill "$browser" 2>/dev/null
wait "$browser" 2>/dev/null
cat "$result" 2>/dev/null
r() { sed -n "s/^$1=//p" "$result" 2>/dev/null; }
check "browser reported" test -s "$result"
check "browser opened ws://" test "$(r open)" = 1
check "text echoed to the browser" test "$(r text)" = 1
check "binary echoed to the browser" test "$(r binary)" = 1
check "browser saw close 1000" test "$(r close)" = 1000
check "route with other Origins refused the browser" test "$(r refused_close)" = 1006
check "the refusal was a 403" stat_is gw_http_403 -eq 1
check "every connection freed" gw_idle 15
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
