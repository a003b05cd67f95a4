#!/usr/bin/env bash
# A SYN flood from spoofed sources (tcp_synflood.py: 2,000 SYNs a second
# for 3 s, from the upper half of the peer's /24) while an ordinary client
# connects and moves 4 MB over 4 connections: the client must finish, its
# bytes intact, before the flood ends. The gateway answers the flood with
# SYN cookies; nobody answers its SYN-ACKs; the peer sends no RST; and the
# half-open connections are gone within a bound after the flood.
# TCP_TARGET=wsgw (default) or kernel (tcp_echo_server.py with a listen
# backlog of 64 so that the kernel's cookies start early).
set -u
. "$(dirname "$0")/rig.sh"
PORT=7
RATE=${TCP_FLOOD_RATE:-2000}
SECS=${TCP_FLOOD_SECONDS:-3}
rig_up
if [ "$TCP_TARGET" = kernel ]; then
	TCP_BACKLOG=64
	# Half-open connections go after one SYN-ACK retry (about 3 s), not 63 s.
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.tcp_synack_retries=1
fi
tcp_target_up "$PORT"

kstat() {   # kstat NS NAME: a kernel SNMP counter in NS
	ip netns exec "$1" nstat -asz "$2" | awk -v k="$2" '$1 == k { print $2 }'
}

: >"$RIG_TMP/flood.out"
peer "$PY" "$TCP_TOOLS/tcp_synflood.py" "$VETH_PEER" "$(tcp_gw_mac)" "$GW_IP" \
	"$PORT" --rate "$RATE" --seconds "$SECS" --ready-after "$((RATE / 2))" \
	>"$RIG_TMP/flood.out" 2>&1 &
flood_pid=$!
deadline=$((SECONDS + 60))   # scapy builds the frames first
until grep -q '^tcp_synflood: ready' "$RIG_TMP/flood.out" ||
	! kill -0 "$flood_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do
	sleep 0.05
done
check "flood under way" grep -q '^tcp_synflood: ready' "$RIG_TMP/flood.out"

tcp_check_transfer "$NS_PEER" \
	"client during the flood: 4 connections, 4 MB each way, intact" \
	"$PORT" --conns 4 --total 4M --deadline 20
check "client done while the flood was still on" kill -0 "$flood_pid"
wait "$flood_pid"
cat "$RIG_TMP/flood.out"
check "flood sent $((RATE * SECS)) SYNs" \
	grep -q "^tcp_synflood: sent=$((RATE * SECS)) " "$RIG_TMP/flood.out"
check "the gateway resolved spoofed sources (ARP answered)" \
	bash -c "! grep -q 'arp_replies=0\$' \"\$1\"" _ "$RIG_TMP/flood.out"
check "the peer sent no RST" test "$(kstat "$NS_PEER" TcpOutRsts)" -eq 0
check "half-open connections gone after the flood" tcp_idle 60

if [ "$TCP_TARGET" = kernel ]; then
	check "kernel sent SYN cookies" test "$(kstat "$NS_GW" TcpExtSyncookiesSent)" -gt 0
	check "kernel took the client's cookies back" \
		test "$(kstat "$NS_GW" TcpExtSyncookiesRecv)" -gt 0
	check "kernel: no bad cookie" \
		test "$(kstat "$NS_GW" TcpExtSyncookiesFailed)" -eq 0
	tcp_server_stop
	check "server saw exactly the client's 4 connections" \
		test "$(tcp_server_total conns)" -eq 4
else
	check "SYN cookies sent" stat_is tcp_syncookies_sent -gt 0
	check "no RST received" stat_is tcp_rst_rcvd -eq 0
	check "4 passive opens" stat_is tcp_passive_opens -eq 4
	check "wsgw still running" kill -0 "$GW_PID"
	gw_stop
	check "SIGTERM: exit 0" test $? -eq 0
fi
rig_finish
