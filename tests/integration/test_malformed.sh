#!/usr/bin/env bash
# Malformed frames injected with scapy are dropped and counted under the
# right reason, while ping from the same peer keeps working throughout.
set -u
. "$(dirname "$0")/rig.sh"
rig_up
gw_start

# ARP first, so the ping below measures only the drop paths' effect.
peer arping -c 1 -w 5 -I "$VETH_PEER" "$GW_IP" >/dev/null

peer ping -n -q -c 400 -i 0.005 -W 2 -s 200 "$GW_IP" >"$RIG_TMP/ping.out" 2>&1 &
ping_pid=$!

# Counters before, so that each reason's count is exact.
"$WSGWCTL" -s "$STATS_SOCK" stats >"$RIG_TMP/before"
peer "$PY" "$(dirname "$0")/inject_malformed.py" "$VETH_PEER" "$(gw_mac)" \
	"$GW_IP" 50 >"$RIG_TMP/sent"
check "scapy injected frames" test -s "$RIG_TMP/sent"
wait "$ping_pid"
"$WSGWCTL" -s "$STATS_SOCK" stats >"$RIG_TMP/after"

while read -r reason n; do
	before=$(awk -v k="$reason" '$1 == k { print $2 }' "$RIG_TMP/before")
	after=$(awk -v k="$reason" '$1 == k { print $2 }' "$RIG_TMP/after")
	check "$reason counts the $n sent" test "$((after - before))" -eq "$n"
done <"$RIG_TMP/sent"

cat "$RIG_TMP/ping.out" | tail -2
check "ping unharmed: 400 of 400 answered" \
	grep -q "400 packets transmitted, 400 received, 0% packet loss" \
	"$RIG_TMP/ping.out"
check "wsgw still running" kill -0 "$GW_PID"
gw_stop
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
