#!/usr/bin/env bash
# Two workers, one per lcore, each with its own queue pair: ARP learned by
# whichever worker received it is shared, so every worker can answer.
# Then tcp.max_conns_per_ip = 4 with two workers: the peer's connections
# spread over both by their hash, yet exactly 4 are admitted in all (a
# limit per worker would admit up to 8 of the 8 tried).
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

printf 'tcp = { max_conns_per_ip = 4; };\n' >"$RIG_TMP/limit.conf"
GW_LCORES=0,1 gw_start --config "$RIG_TMP/limit.conf" --tcp-echo 7
# One connect at a time (each answered at once or not at all within 1 s),
# all held open until the count is taken.
out=$(peer "$PY" - "$GW_IP" <<'PYEOF'
import socket, sys
held = []
for _ in range(8):
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect((sys.argv[1], 7))
        s.sendall(b"x")
        if s.recv(1) == b"x":
            held.append(s)
    except OSError:
        s.close()
print("admitted", len(held), flush=True)
PYEOF
)
echo "$out"
check "per source: 4 of 8 admitted across two workers" \
	grep -qx "admitted 4" <<<"$out"
check "per source: the others dropped as over the limit" \
	stat_is drop_tcp_conn_limit -ge 4
"$WSGWCTL" -s "$STATS_SOCK" stats workers |
	grep -E '^worker[01]_tcp_passive_opens ' || true
check "per source: nothing left open" tcp_idle 10
gw_stop
check "per source: SIGTERM: exit 0" test $? -eq 0
rig_finish
