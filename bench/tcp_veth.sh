#!/usr/bin/env bash
# TCP on the veth rig: the same Linux clients against wsgw's --tcp-echo and
# against the kernel's TCP (tests/integration/tcp_echo_server.py, a
# one-thread epoll echo server in Python, run in the gateway's namespace on
# a kernel address), side by side with the ratio wsgw/kernel:
#   - throughput, MiB/s each way: tcp_transfer.py, SIZE echoed and checked
#     on 1 connection and over 8;
#   - connections per second: tcp_many.py rate, for SECONDS, 16 at a time
#     each doing connect, one message, its echo, close.
# Two cores: the server side (wsgw's lcore, or the kernel server) on CPU 1,
# the clients on CPU 0. Python clients and a Python kernel server bound
# both figures; what they compare is the two stacks under the same load.
# A wsgw without --tcp-echo gets "n/a".
#
# usage: sudo bench/tcp_veth.sh [SIZE [SECONDS]]   (default 200M, 5)
set -u
. "$(dirname "$0")/../tests/integration/rig.sh"
SIZE=${1:-200M}
SECS=${2:-5}
PORT=7
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
declare -A R

client() {   # client TOOL ARGS...: one tool run, pinned, in the peer namespace
	local tool=$1
	shift
	peer taskset -c "$CLIENT_CPU" "$PY" "$TCP_TOOLS/$tool" "$GW_IP" "$PORT" "$@" 2>&1
}

# field NAME LINE: the value of NAME=... in an "ok" line, else n/a.
field() {
	case $2 in
	*": ok "*) sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2" ;;
	*) echo n/a ;;
	esac
}

measure() {   # measure TARGET
	local t=$1 out
	out=$(client tcp_transfer.py --conns 1 --total "$SIZE" --deadline 300)
	echo "  $t: $out"
	R[$t,tput1]=$(field MiBps "$out")
	out=$(client tcp_transfer.py --conns 8 --total "$SIZE" --deadline 300)
	echo "  $t: $out"
	R[$t,tput8]=$(field MiBps "$out")
	out=$(client tcp_many.py rate "$SECS" --parallel 16 --deadline $((SECS + 30)))
	echo "  $t: $out"
	R[$t,cps]=$(field cps "$out")
}

rig_up
# Client ports for a few 100,000 short connections: wide range, and ports
# in TIME_WAIT reused (the client closes first).
peer sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
peer sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec "$NS_GW" sysctl -qw net.core.somaxconn=8192

echo "kernel: tcp_echo_server.py on CPU $SERVER_CPU"
TCP_TARGET=kernel
rig_must ip -n "$NS_GW" addr add "$GW_IP/$PREFIX" dev "$VETH_GW"
ip netns exec "$NS_GW" taskset -c "$SERVER_CPU" "$PY" \
	"$TCP_TOOLS/tcp_echo_server.py" --addr "$GW_IP" --echo "$PORT" \
	>"$TCP_SRV_LOG" 2>&1 &
TCP_SRV_PID=$!
deadline=$((SECONDS + 10))
until grep -q '^tcp_echo_server: listening' "$TCP_SRV_LOG" ||
	[ "$SECONDS" -ge "$deadline" ]; do
	sleep 0.05
done
measure kernel
tcp_server_stop >/dev/null
# wsgw drives the veth: no kernel address on it, no neighbour cached.
ip -n "$NS_GW" addr flush dev "$VETH_GW"
peer ip neigh flush dev "$VETH_PEER"

TCP_TARGET=wsgw
conf=$RIG_TMP/tcp.conf
printf 'tcp = { time_wait_ms = %d; };\n' "$TCP_TIME_WAIT_MS" >"$conf"
if "$WSGW" -- --config "$conf" --tcp-echo "$PORT" --dump-config >/dev/null 2>&1; then
	echo "wsgw: --tcp-echo on lcore $SERVER_CPU"
	GW_LCORES=$SERVER_CPU gw_start --config "$conf" --tcp-echo "$PORT"
	measure wsgw
	gw_stop
else
	echo "wsgw: no --tcp-echo or tcp configuration in this build: n/a"
	for k in tput1 tput8 cps; do R[wsgw,$k]=n/a; done
fi

ratio() {
	case "$1$2" in
	*n/a*) echo n/a ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }' ;;
	esac
}
echo
printf '%-32s %12s %12s %12s\n' "veth rig, SIZE=$SIZE" kernel wsgw wsgw/kernel
for row in "tput1:throughput, 1 conn (MiB/s)" "tput8:throughput, 8 conns (MiB/s)" \
	"cps:connections per second"; do
	k=${row%%:*}
	printf '%-32s %12s %12s %12s\n' "${row#*:}" "${R[kernel,$k]}" "${R[wsgw,$k]}" \
		"$(ratio "${R[wsgw,$k]}" "${R[kernel,$k]}")"
done
