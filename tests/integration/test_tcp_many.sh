#!/usr/bin/env bash
# 10,000 TCP connections held open at once, a message echoed on each, then
# all closed: half by the client's close(), half by its shutdown(SHUT_WR)
# answered by the server's FIN (an echo service cannot start a close, see
# tcp_many.py). While they are held the gateway counts 10,000 established;
# after the close, and TIME_WAIT, nothing is left open.
# TCP_TARGET=wsgw (default) or kernel; TCP_MANY changes the 10,000.
set -u
. "$(dirname "$0")/rig.sh"
PORT=7
COUNT=${TCP_MANY:-10000}
rig_up
# Room for COUNT client ports, and a kernel server's accept queue.
peer sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
ip netns exec "$NS_GW" sysctl -qw net.core.somaxconn=8192
tcp_target_up "$PORT"

established() {
	if [ "$TCP_TARGET" = kernel ]; then
		ip netns exec "$NS_GW" ss -Htn state established "( sport = :$PORT )" |
			wc -l
	else
		gw_stat tcp_state_established
	fi
}

pause=$RIG_TMP/held
: >"$RIG_TMP/many.out"
peer "$PY" "$TCP_TOOLS/tcp_many.py" "$GW_IP" "$PORT" hold "$COUNT" \
	--pause-file "$pause" --deadline 120 >"$RIG_TMP/many.out" 2>&1 &
many_pid=$!
# Event: the tool says it holds them all (or it ended, failing).
deadline=$((SECONDS + 130))
until grep -q '^tcp_many: held' "$RIG_TMP/many.out" || ! kill -0 "$many_pid" ||
	[ "$SECONDS" -ge "$deadline" ]; do
	sleep 0.1
done
held=$(established)
check "$COUNT established at once on the gateway" test "${held:-0}" -eq "$COUNT"
[ "$TCP_TARGET" = kernel ] || check "tcp_conns = $COUNT while held" \
	stat_is tcp_conns -eq "$COUNT"
touch "$pause"
wait "$many_pid"
rc=$?
cat "$RIG_TMP/many.out"
check "$COUNT connections opened, echoed, closed" test "$rc" -eq 0
check "nothing left open after close and TIME_WAIT" tcp_idle 30

if [ "$TCP_TARGET" = kernel ]; then
	tcp_server_stop
	check "server saw $COUNT connections" test "$(tcp_server_total conns)" -eq "$COUNT"
	check "server saw no reset" test "$(tcp_server_total resets)" -eq 0
else
	check "$COUNT passive opens" stat_is tcp_passive_opens -eq "$COUNT"
	check "no RST sent" stat_is tcp_rst_sent -eq 0
	check "no RST received" stat_is tcp_rst_rcvd -eq 0
	for g in syn_sent syn_rcvd established fin_wait_1 fin_wait_2 close_wait \
		closing last_ack time_wait; do
		check "tcp_state_$g back to 0" stat_is "tcp_state_$g" -eq 0
	done
	check "tcp_conns back to 0" stat_is tcp_conns -eq 0
	gw_stop
	check "SIGTERM: exit 0" test $? -eq 0
fi
rig_finish
