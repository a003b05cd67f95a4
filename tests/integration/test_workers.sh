#!/usr/bin/env bash
# Two workers, one per lcore, each with its own queue pair: ARP learned by
# whichever worker received it is shared, so every worker can answer.
set -u
. "$(dirname "$0")/rig.sh"
rig_up
GW_LCORES=0,1 gw_start

out=$(peer arping -c 3 -w 5 -I "$VETH_PEER" "$GW_IP" 2>&1)
check "arping answered with two workers" grep -q "Received 3 response" <<<"$out"
out=$(peer ping -n -q -c 500 -i 0.002 -W 2 -s 1000 "$GW_IP" 2>&1)
echo "$out" | tail -2
check "ping: 500 of 500 answered" \
	grep -q "500 packets transmitted, 500 received, 0% packet loss" <<<"$out"
check "two workers reported" test "$("$WSGWCTL" -s "$STATS_SOCK" status |
	awk '$1 == "workers" { print $2 }')" -eq 2
check "per-worker counters listed" test "$("$WSGWCTL" -s "$STATS_SOCK" \
	stats workers | grep -c '^worker1_rx_packets ')" -eq 1
check "unknown command names the valid ones" bash -c \
	"'$WSGWCTL' -s '$STATS_SOCK' bogus | grep -q 'valid commands: stats'"
gw_stop
check "SIGTERM with two workers: exit 0 within 1 s" test $? -eq 0
rig_finish
