#!/usr/bin/env bash
# The memif rig: dpdk-testpmd in txonly mode on one core sends 64-byte
# UDP/IPv4 frames addressed to the receiver over net_memif; the receiver on
# the other core is, in turn, wsgw and dpdk-testpmd --forward-mode=rxonly.
# Both phases run in the same invocation; the result is the ratio of the
# packets per second each receiver absorbs (median of 1-second samples).
#
# wsgw takes every frame through Ethernet and IPv4 validation to its L4
# demultiplexer (the frames are UDP, which it drops and counts), so the
# figure is the cost of its L2/L3 input path per packet.
#
# usage: sudo bench/memif_rig.sh [SECONDS]     (default 10 per phase)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-10}
WARM=2
TX_CPU=${TX_CPU:-0}
RX_CPU=${RX_CPU:-1}
WSGW=$ROOT/build/dataplane/wsgw
WSGWCTL=$ROOT/build/control/wsgwctl
GW_MAC=02:00:00:00:00:01
. "$ROOT/bench/lib.sh"
TMP=$BENCH_TMP
SOCK=$TMP/memif.sock

bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
EAL_MEM="--in-memory -m 512 --no-pci --log-level lib.eal:error"



start_sender() {   # the memif client; connects to the receiver's socket
	# shellcheck disable=SC2086
	dpdk-testpmd --lcores "0@$TX_CPU,1@$TX_CPU" $EAL_MEM --file-prefix tx$$ \
		--vdev "net_memif0,role=client,socket=$SOCK,id=0" -- \
		--forward-mode=txonly --eth-peer="0,$GW_MAC" \
		--tx-ip=198.18.0.2,198.18.0.1 --txpkts=64 --burst=32 \
		--nb-cores=1 --stats-period 1 >"$TMP/tx.log" 2>&1 &
	TX_PID=$!
	PIDS+=("$TX_PID")
}

stop() {   # stop PID: SIGINT, then wait for it
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# testpmd prints "Tx-pps: N" / "Rx-pps: N" every second; skip the warm-up.
pps_of() {   # pps_of LOG Rx|Tx
	grep -o "$2-pps: *[0-9]*" "$1" | awk '{ print $2 }' | tail -n +$((WARM + 1)) |
		head -n "$((DUR - WARM))" | median
}

phase_wsgw() {
	# shellcheck disable=SC2086
	"$WSGW" -l "$RX_CPU" $EAL_MEM --file-prefix gw$$ \
		--vdev "net_memif0,role=server,socket=$SOCK,id=0,mac=$GW_MAC" \
		-- --stats-sock "$TMP/gw.sock" >"$TMP/gw.log" 2>&1 &
	local gw=$!
	PIDS+=("$gw")
	wait_for "$TMP/gw.log" '^wsgw: ready' "$gw"
	start_sender
	local prev now t0 t1 samples=()
	sleep "$WARM"
	prev=$("$WSGWCTL" -s "$TMP/gw.sock" stats | awk '$1 == "rx_packets" { print $2 }')
	t0=$(date +%s.%N)
	for _ in $(seq $((DUR - WARM))); do
		sleep 1
		now=$("$WSGWCTL" -s "$TMP/gw.sock" stats | awk '$1 == "rx_packets" { print $2 }')
		t1=$(date +%s.%N)
		samples+=("$(awk -v a="$prev" -v b="$now" -v s="$t0" -v e="$t1" \
			'BEGIN { printf "%d", (b - a) / (e - s) }')")
		prev=$now
		t0=$t1
	done
	stop "$TX_PID"
	"$WSGWCTL" -s "$TMP/gw.sock" stats >"$TMP/gw.stats"
	stop "$gw"
	WSGW_PPS=$(printf '%s\n' "${samples[@]}" | median)
	WSGW_TX_PPS=$(pps_of "$TMP/tx.log" Tx)
	WSGW_PROTO_DROPS=$(awk '$1 == "drop_ip_proto" { print $2 }' "$TMP/gw.stats")
	WSGW_RX=$(awk '$1 == "rx_packets" { print $2 }' "$TMP/gw.stats")
}

phase_rxonly() {
	# shellcheck disable=SC2086
	dpdk-testpmd --lcores "0@$RX_CPU,1@$RX_CPU" $EAL_MEM --file-prefix rx$$ \
		--vdev "net_memif0,role=server,socket=$SOCK,id=0,mac=$GW_MAC" -- \
		--forward-mode=rxonly --burst=32 --nb-cores=1 --stats-period 1 \
		>"$TMP/rx.log" 2>&1 &
	local rx=$!
	PIDS+=("$rx")
	wait_for "$TMP/rx.log" 'Rx-pps' "$rx"
	start_sender
	sleep "$DUR"
	stop "$TX_PID"
	stop "$rx"
	RXONLY_PPS=$(grep -o "Rx-pps: *[0-9]*" "$TMP/rx.log" | awk '{ print $2 }' |
		awk '$1 > 0' | tail -n +$((WARM + 1)) | head -n "$((DUR - WARM))" | median)
	RXONLY_TX_PPS=$(pps_of "$TMP/tx.log" Tx)
}

phase_rxonly
rm -f "$SOCK"
phase_wsgw

ratio=$(awk -v a="$WSGW_PPS" -v b="$RXONLY_PPS" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
cat <<EOF
memif rig, 64-byte frames, ${DUR}s per phase, medians of 1 s samples
  sender (testpmd txonly, cpu $TX_CPU) while rxonly received: $RXONLY_TX_PPS pps
  testpmd rxonly (cpu $RX_CPU) absorbed:                     $RXONLY_PPS pps
  sender (testpmd txonly, cpu $TX_CPU) while wsgw received:   $WSGW_TX_PPS pps
  wsgw, 1 worker (cpu $RX_CPU) absorbed:                     $WSGW_PPS pps
  wsgw frames through L2/L3 to the L4 demultiplexer: $WSGW_PROTO_DROPS of $WSGW_RX received
  ratio wsgw / rxonly: $ratio   (goal >= 0.9)
EOF
