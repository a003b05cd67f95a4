#!/usr/bin/env bash
# Active open: wsgw's --tcp-client opens N connections to a Linux echo
# server in the peer namespace, sends M bytes of its pattern on each, checks
# the echo and closes. wsgw must count N good connections, none failed and
# N*M bytes verified; the Linux server must have seen N connections and
# N*M bytes each way; then nothing is left open on wsgw after TIME_WAIT.
# Then the client's message mode (msg=, depth=: echo round trips, as the
# memif benchmark runs it): EN connections of EM bytes in 100-byte
# messages, 8 in flight, every message counted once. Last, RN connects to
# a port where Linux has no listener: each refused by Linux's RST, counted
# as failed and under tcp_rst_rcvd_refused, none sent. Then 10,000
# connections (TCP_ACTIVE_MANY) all open at once, the Linux server holding
# its reads until the last is in, each echoed and closed by wsgw first,
# every state back to zero on both sides.
# TCP_TARGET=kernel runs tcp_transfer.py in the gateway namespace as the
# client instead, the same work done by the kernel.
set -u
. "$(dirname "$0")/rig.sh"
PORT=7007
N=${TCP_ACTIVE_CONNS:-50}
M=${TCP_ACTIVE_BYTES:-1048576}
EN=0
EM=0
rig_up
tcp_server_start "$NS_PEER" --addr "$PEER_IP" --echo "$PORT"

if [ "$TCP_TARGET" = kernel ]; then
	rig_must ip -n "$NS_GW" addr add "$GW_IP/$PREFIX" dev "$VETH_GW"
	out=$(ip netns exec "$NS_GW" "$PY" "$TCP_TOOLS/tcp_transfer.py" \
		"$PEER_IP" "$PORT" --conns "$N" --bytes "$M" --deadline 60 2>&1)
	echo "$out"
	check "$N connections, $M bytes each, echoed intact" \
		grep -q '^tcp_transfer: ok' <<<"$out"
else
	tcp_gw_start --tcp-client "$PEER_IP:$PORT,conns=$N,bytes=$M"
	# Bounded poll on the counters: every connection ended, well or not.
	client_done() {   # client_done CONNS
		local deadline=$((SECONDS + 60)) ok failed
		while [ "$SECONDS" -lt "$deadline" ]; do
			ok=$(gw_stat tcp_client_conns_ok)
			failed=$(gw_stat tcp_client_conns_failed)
			[ $((${ok:-0} + ${failed:-0})) -ge "$1" ] && break
			sleep 0.1
		done
	}
	client_done "$N"
	check "tcp_client_conns_ok = $N" stat_is tcp_client_conns_ok -eq "$N"
	check "tcp_client_conns_failed = 0" stat_is tcp_client_conns_failed -eq 0
	check "tcp_client_bytes_verified = $((N * M))" \
		stat_is tcp_client_bytes_verified -eq "$((N * M))"
	check "$N active opens" stat_is tcp_active_opens -eq "$N"
	check "no RST sent" stat_is tcp_rst_sent -eq 0
	check "no RST received" stat_is tcp_rst_rcvd -eq 0
	check "nothing left open after TIME_WAIT" tcp_idle 10
	check "wsgw still running" kill -0 "$GW_PID"
	gw_stop
	check "SIGTERM: exit 0" test $? -eq 0

	EN=4
	EM=200000
	tcp_gw_start --tcp-client "$PEER_IP:$PORT,conns=$EN,bytes=$EM,msg=100,depth=8"
	client_done "$EN"
	check "messages: tcp_client_conns_ok = $EN" stat_is tcp_client_conns_ok -eq "$EN"
	check "messages: $((EN * EM / 100)) echoes counted" \
		stat_is tcp_client_echoes -eq "$((EN * EM / 100))"
	check "messages: tcp_client_bytes_verified = $((EN * EM))" \
		stat_is tcp_client_bytes_verified -eq "$((EN * EM))"
	gw_stop
	check "messages: SIGTERM: exit 0" test $? -eq 0

	RN=5
	tcp_gw_start --tcp-client "$PEER_IP:$((PORT + 1)),conns=$RN,bytes=1000"
	client_done "$RN"
	check "refused: tcp_client_conns_failed = $RN" \
		stat_is tcp_client_conns_failed -eq "$RN"
	check "refused: tcp_rst_rcvd_refused = $RN" \
		stat_is tcp_rst_rcvd_refused -eq "$RN"
	check "refused: every RST taken counted as refused" \
		stat_is tcp_rst_rcvd -eq "$RN"
	check "refused: no RST sent" stat_is tcp_rst_sent -eq 0
	check "refused: nothing left open" tcp_idle 5
	gw_stop
	check "refused: SIGTERM: exit 0" test $? -eq 0
fi

tcp_server_stop
check "Linux server saw $((N + EN)) connections" \
	test "$(tcp_server_total conns)" -eq "$((N + EN))"
check "Linux server got $((N * M + EN * EM)) bytes" \
	test "$(tcp_server_total bytes_in)" -eq "$((N * M + EN * EM))"
check "Linux server echoed $((N * M + EN * EM)) bytes" \
	test "$(tcp_server_total bytes_out)" -eq "$((N * M + EN * EM))"
check "Linux server saw no reset" test "$(tcp_server_total resets)" -eq 0
check "Linux side closed everything" test "$(tcp_server_total open)" -eq 0

# 10,000 at once, closed by wsgw: the Linux server reads nothing before the
# last has connected, and only answers the FINs wsgw sends first.
if [ "$TCP_TARGET" != kernel ]; then
	HN=${TCP_ACTIVE_MANY:-10000}
	HM=1000
	tcp_server_start "$NS_PEER" --addr "$PEER_IP" --echo "$PORT" --hold "$HN"
	tcp_gw_start --tcp-client "$PEER_IP:$PORT,conns=$HN,bytes=$HM,parallel=$HN"
	client_done "$HN"
	check "held: tcp_client_conns_ok = $HN" stat_is tcp_client_conns_ok -eq "$HN"
	check "held: tcp_client_conns_failed = 0" stat_is tcp_client_conns_failed -eq 0
	check "held: tcp_client_bytes_verified = $((HN * HM))" \
		stat_is tcp_client_bytes_verified -eq "$((HN * HM))"
	check "held: no RST either way" test "$(gw_stat tcp_rst_sent)" -eq 0 -a \
		"$(gw_stat tcp_rst_rcvd)" -eq 0
	check "held: every state back to zero" tcp_idle 30
	gw_stop
	check "held: SIGTERM: exit 0" test $? -eq 0
	tcp_server_stop
	check "held: Linux saw $HN connections open at once" \
		test "$(tcp_server_total peak)" -eq "$HN"
	check "held: Linux echoed $((HN * HM)) bytes" \
		test "$(tcp_server_total bytes_out)" -eq "$((HN * HM))"
	check "held: Linux saw no reset" test "$(tcp_server_total resets)" -eq 0
	check "held: Linux side closed everything" \
		test "$(tcp_server_total open)" -eq 0
fi
rig_finish
