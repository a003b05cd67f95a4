#!/usr/bin/env bash
# TCP echo through an impaired link: 5% loss, 2% duplicates, 25% of frames
# overtaking the others, which are delayed 5 ms +- 1 ms, in both
# directions; the bytes must still arrive intact and in order, on 1
# connection and on 100 at once.
#
# This is netem's "loss 5% duplicate 2% delay 5ms 1ms reorder 25%", done
# by tcp_impair.py, a userspace relay, because kernels built without
# sch_netem (this rig's among them) cannot run tc's. The relay needs a
# third namespace: the clients move to wsgw-cli-ID with the peer's
# address, and the peer namespace keeps only the relay between its veth to
# the gateway and a new veth pair to the clients:
#
#   gateway wgID <-> wpID [peer: tcp_impair.py] waID <-> wbID [cli: clients]
#
# 100 MB each way on the one connection (TCP_NETEM_ONE), within 900 s, and
# 100 MB over the 100 (TCP_NETEM_MANY), within 120 s; neither may go 30 s
# without a byte moving (a stall). Measured on this rig
# (2 shared cores, a Python relay): wsgw 0.44 MiB/s on one connection and
# 15.3 on 100; Linux as the server with Reno (TCP_TARGET=kernel
# TCP_KERNEL_CC=reno) 0.61 and 15.5; with BBR 1.9 and 15.2 (docs/tcp.md).
# The whole test takes about 4 minutes, most of it the one connection.
set -u
. "$(dirname "$0")/rig.sh"
PORT=7
ONE=${TCP_NETEM_ONE:-100M}
MANY=${TCP_NETEM_MANY:-100M}
NS_CLI=wsgw-cli-$RIG_ID
VETH_CA=wa$RIG_ID
VETH_CB=wb$RIG_ID
rig_up
cli_down() {
	local rc=$?
	ip netns pids "$NS_CLI" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS_CLI" 2>/dev/null
	return "$rc"
}
trap 'cli_down; rig_down' EXIT

rig_must ip netns add "$NS_CLI"
ip netns exec "$NS_CLI" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
rig_must ip -n "$NS_CLI" link set lo up
rig_must ip link add "$VETH_CA" type veth peer name "$VETH_CB"
rig_must ip link set "$VETH_CA" netns "$NS_PEER"
rig_must ip link set "$VETH_CB" netns "$NS_CLI"
rig_must ip -n "$NS_PEER" addr del "$PEER_IP/$PREFIX" dev "$VETH_PEER"
rig_must ip -n "$NS_CLI" addr add "$PEER_IP/$PREFIX" dev "$VETH_CB"
for x in "$NS_PEER $VETH_CA" "$NS_CLI $VETH_CB"; do
	set -- $x
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off \
		>/dev/null 2>&1
	rig_must ip -n "$1" link set "$2" up
done
rig_must ip -n "$NS_PEER" link set "$VETH_PEER" promisc on
rig_must ip -n "$NS_PEER" link set "$VETH_CA" promisc on

tcp_target_up "$PORT"

relay_log=$RIG_TMP/impair.log
: >"$relay_log"
ip netns exec "$NS_PEER" "$PY" "$TCP_TOOLS/tcp_impair.py" "$VETH_CA" "$VETH_PEER" --loss 5 \
	--duplicate 2 --reorder 25 --delay 5 --jitter 1 >"$relay_log" 2>&1 &
relay_pid=$!   # ip netns exec execs: this is the relay itself
deadline=$((SECONDS + 10))
until grep -q '^tcp_impair: ready' "$relay_log" || ! kill -0 "$relay_pid" ||
	[ "$SECONDS" -ge "$deadline" ]; do
	sleep 0.05
done
check "impairing relay running" grep -q '^tcp_impair: ready' "$relay_log"

transfer() { tcp_check_transfer "$NS_CLI" "$1" "$PORT" "${@:2}"; }
transfer "impaired: 1 connection, $ONE each way, intact" \
	--conns 1 --total "$ONE" --deadline 900 --stall 30
transfer "impaired: 100 connections, $MANY each way in all, intact" \
	--conns 100 --total "$MANY" --deadline 120 --stall 30
check "nothing left open after close" tcp_idle 30
[ "$TCP_TARGET" = kernel ] ||
	"$WSGWCTL" -s "$STATS_SOCK" stats | grep -E '^(tcp_|drop_tcp)' | awk '$2 != 0'

kill -TERM "$relay_pid"
wait "$relay_pid"
cat "$relay_log"
check "relay lost frames both ways" \
	test "$(grep -c 'lost=[1-9]' "$relay_log")" -eq 2
check "relay duplicated frames both ways" \
	test "$(grep -c 'duplicated=[1-9]' "$relay_log")" -eq 2

if [ "$TCP_TARGET" = kernel ]; then
	tcp_server_stop
	check "server saw 101 connections" test "$(tcp_server_total conns)" -eq 101
	check "server saw no reset" test "$(tcp_server_total resets)" -eq 0
else
	check "101 passive opens" stat_is tcp_passive_opens -eq 101
	check "fast retransmissions" stat_is tcp_retrans_fast -gt 0
	check "retransmission timeouts" stat_is tcp_retrans_timeout -gt 0
	check "out-of-order segments queued" stat_is tcp_ooo_segs -gt 0
	check "duplicate segments seen" stat_is tcp_dup_segs -gt 0
	# Duplicates of a last ACK may outlive the connection: those alone
	# are answered with RST, nothing that had a connection.
	check "RSTs only for segments without a connection" \
		test "$(gw_stat tcp_rst_sent)" -le "$(gw_stat drop_tcp_no_conn)"
	check "every RST sent counted as for no connection" \
		test "$(gw_stat tcp_rst_sent)" -eq "$(gw_stat tcp_rst_sent_no_conn)"
	check "no connection timed out" stat_is tcp_timeouts -eq 0
	check "SACK recoveries" stat_is tcp_sack_recoveries -gt 0
	check "holes found lost by the reorder timer" stat_is tcp_reorder_timeouts -gt 0
	check "wsgw still running" kill -0 "$GW_PID"
	gw_stop
	check "SIGTERM: exit 0" test $? -eq 0
fi
rig_finish
