#!/usr/bin/env bash
# TCP checksums summed by the port: wsgw on net_tap, whose PMD offers
# RTE_ETH_TX_OFFLOAD_TCP_CKSUM, in the gateway namespace, and the kernel
# on the tap's other end as the client, which drops any segment whose
# checksum is wrong (TcpInCsumErrors). net_tap miscounts chains with a
# piece of odd length, so there wsgw has the port sum segments in one
# piece and sums chains itself. The echo checks (0 B to 1 MiB, text and
# binary, fragments, close codes) pass with the port summing and with
# dataplane.tx_cksum = 0 (software), and the kernel counts no bad sum.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
rig_up
TAP=wt$RIG_ID
TAP_GW_IP=198.18.3.1
TAP_HOST_IP=198.18.3.2

# wsgw on the tap alone, its kernel end given the client's address.
tap_gw_start() {   # tap_gw_start [wsgw options after --]
	: >"$GW_LOG"
	# shellcheck disable=SC2086
	ip netns exec "$NS_GW" "$WSGW" -l 0 $GW_EAL_MEM --no-pci \
		--file-prefix "wsgw$RIG_ID" --log-level lib.eal:warning \
		--vdev "net_tap0,iface=$TAP" \
		-- --stats-sock "$STATS_SOCK" --addr "$TAP_GW_IP/24" "$@" \
		>"$GW_LOG" 2>&1 &
	GW_PID=$!
	gw_wait_ready
	ip -n "$NS_GW" addr add "$TAP_HOST_IP/24" dev "$TAP" 2>/dev/null
	ip -n "$NS_GW" link set "$TAP" up
}

csum_errors() {
	ip netns exec "$NS_GW" nstat -az TcpInCsumErrors |
		awk '$1 == "TcpInCsumErrors" { print $2 }'
}

for mode in port software; do
	conf=$(ws_conf)
	[ "$mode" = software ] && conf=$(ws_conf 'dataplane = { tx_cksum = 0; };')
	tap_gw_start --config "$conf" --listen 8080
	if [ "$mode" = port ]; then
		want='the port (chains in software)'
	else
		want=software
	fi
	check "$mode: the ready line says TCP checksums by $want" \
		grep -qF "tcp checksums by $want" "$GW_LOG"
	before=$(csum_errors)
	checks_from ip netns exec "$NS_GW" "$PY" \
		"$ROOT/tests/integration/ws_checks.py" "$TAP_GW_IP" 8080 echo
	check "$mode: the kernel counted no bad TCP checksum" \
		test "$(csum_errors)" = "${before:-0}"
	check "$mode: segments went out" stat_is tcp_segs_out -ge 100
	check "$mode: every connection freed" gw_idle 15
	gw_stop
	check "$mode: SIGTERM, exit 0" test $? -eq 0
done
rig_finish
