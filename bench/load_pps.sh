#!/usr/bin/env bash
# Packets per second wsgw-load generates while stateful, against the
# stateless limit of the same memif rig, in one invocation:
#   A. dpdk-testpmd --forward-mode=txonly (CPU TX_CPU) -> testpmd rxonly
#      (CPU RX_CPU): 64-byte frames, the rig's stateless limit;
#   B. wsgw-load, echo scenario, 64-byte messages on CONNS connections
#      with INFLIGHT each (CPU TX_CPU) -> wsgw's /echo route (CPU RX_CPU):
#      every message sent is framed, masked, carried by TCP, echoed and
#      checked byte for byte.
#   C. dpdk-testpmd --forward-mode=flowgen (CPU TX_CPU) <-> testpmd
#      macswap (CPU RX_CPU): 64-byte frames sent and every one sent back,
#      the rig's limit for an exchange of that shape with no state at
#      either end (flowgen receives and frees what comes back).
# Rates are medians of 1-second samples after a warm-up: testpmd's Tx-pps,
# and the change of wsgw-load's tx_packets read through wsgwctl. The
# ratio B / A is the figure (goal 0.8); B / C is the share of what the
# rig allows an echo; messages per second are shown too (a TCP segment
# may carry several messages).
#
# Phase A also gives what a frame costs each end with no state at all,
# in TSC cycles: txonly's per frame sent (its core's cycles over its
# rate; it never idles, so any wait for room in the ring is in it), and
# rxonly's per frame received (testpmd --record-core-cycles: the cycles
# of its loops that found frames). From them, a floor: at B = 0.8 A,
# whatever answers wsgw-load on the other core receives 0.8 A frames a
# second, and has the core's cycles per frame less rxonly's for its TCP,
# its WebSocket and its answer.
#
# usage: sudo bench/load_pps.sh [SECONDS] [CONNS] [INFLIGHT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-10}
CONNS=${2:-64}
INFLIGHT=${3:-32}
WARM=2
TX_CPU=${TX_CPU:-0}
RX_CPU=${RX_CPU:-1}
BUILD=${BUILD:-$ROOT/build}
WSGW=$BUILD/dataplane/wsgw
LOAD=$BUILD/load/wsgw-load
CTL=$BUILD/control/wsgwctl
GW_MAC=02:00:00:00:00:01
. "$ROOT/bench/lib.sh"
TMP=$BENCH_TMP
SOCK=$TMP/memif.sock
bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
EAL_MEM="--in-memory -m 512 --no-pci --log-level lib.eal:error"

stop() { kill -INT "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Empty when wsgwctl cannot reach the process (set -e must not end the run).
stat_of() { "$CTL" -s "$1" stats 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }' || true; }

# testpmd prints "Tx-pps: N" about every second (less often when its main
# lcore shares the CPU with the forwarding one); skip the warm-up when
# there are samples enough to.
pps_of() {   # pps_of LOG Rx|Tx
	local s
	s=$(grep -o "$2-pps: *[0-9]*" "$1" | awk '{ print $2 }' | awk '$1 > 0')
	if [ "$(printf '%s\n' "$s" | grep -c .)" -gt "$WARM" ]; then
		s=$(printf '%s\n' "$s" | tail -n +$((WARM + 1)) | head -n "$((DUR - WARM))")
	fi
	printf '%s\n' "$s" | { grep . || true; } | median
}

# What testpmd printed at exit with --record-core-cycles: its cycles per
# frame, and the clock they count in, in MHz; empty when it printed none.
cycles_of() { sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$1" | tail -1; }
mhz_of() { sed -n 's/.*at \([0-9]*\) MHz Clock.*/\1/p' "$1" | tail -1; }

# Cycles a frame at FRACTION of RATE frames a second leaves on one core
# once COST is paid; ? when a figure is missing.
cycles_left() {   # cycles_left MHZ RATE FRACTION COST
	awk -v hz="$1" -v r="$2" -v f="$3" -v c="$4" 'BEGIN {
		if (hz > 0 && r > 0 && c != "") printf "%.0f", hz * 1e6 / (f * r) - c
		else print "?" }'
}

# The share of a process's loop that found work, between two marks (its
# worker_cycles and worker_idle_cycles): which side of B bounds it.
busy_mark() {   # busy_mark SOCK VAR
	printf -v "$2" '%s %s' "$(stat_of "$1" worker_cycles)" \
		"$(stat_of "$1" worker_idle_cycles)"
}
busy_pct() {    # busy_pct MARK0 MARK1
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		c = y[1] - x[1]; i = y[2] - x[2];
		if (c > 0) printf "%.0f%%", 100 * (c - i) / c; else print "?" }'
}

# A command to the server testpmd through its FIFO: in a subshell, so
# that a write with no reader left (SIGPIPE) fails there, and set -e ends
# the script with its EXIT trap, not bash itself without one.
srv_cmd() {   # srv_cmd PID FD COMMAND LOG
	kill -0 "$1" 2>/dev/null || { echo "bench: testpmd died:"; tail -20 "$4"; exit 1; }
	( echo "$3" >&"$2" )
}

# Wait, bounded, for PID to end; killed past 10 s.
wait_gone() {   # wait_gone PID
	local deadline=$((SECONDS + 10))
	while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# testpmd_pair TAG SERVER_MODE CLIENT_MODE [client options]: testpmd in
# SERVER_MODE as the memif server (CPU RX_CPU), then in CLIENT_MODE as its
# client (CPU TX_CPU) sending 64-byte frames to it, for DUR seconds; logs
# in $TMP/TAG-server.log and $TMP/TAG-client.log. The client prints its
# rates each second. The server takes commands on a FIFO, so that it can
# print its totals (and cycles) while the link is up: memif counters
# reset when the peer goes, and testpmd's totals with them. Its output is
# line-buffered, for the waits on it.
testpmd_pair() {
	local tag=$1 smode=$2 cmode=$3 srv cli fifo=$TMP/$1.fifo cmd
	shift 3
	mkfifo "$fifo"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores "0@$RX_CPU,1@$RX_CPU" $EAL_MEM --file-prefix "${tag}s$$" \
		--vdev "net_memif0,role=server,socket=$SOCK,id=0,mac=$GW_MAC" -- \
		--forward-mode="$smode" --burst=32 --nb-cores=1 -i --auto-start \
		--disable-link-check \
		--no-lsc-interrupt --record-core-cycles \
		<"$fifo" >"$TMP/$tag-server.log" 2>&1 &
	srv=$!
	PIDS+=("$srv")
	exec {cmd}>"$fifo"
	wait_for "$TMP/$tag-server.log" 'Start automatic packet forwarding' "$srv"
	# shellcheck disable=SC2086
	dpdk-testpmd --lcores "0@$TX_CPU,1@$TX_CPU" $EAL_MEM --file-prefix "${tag}c$$" \
		--vdev "net_memif0,role=client,socket=$SOCK,id=0" -- \
		--forward-mode="$cmode" --eth-peer="0,$GW_MAC" --txpkts=64 \
		--burst=32 --nb-cores=1 --stats-period 1 "$@" \
		>"$TMP/$tag-client.log" 2>&1 &
	cli=$!
	PIDS+=("$cli")
	sleep "$DUR"
	srv_cmd "$srv" "$cmd" stop "$TMP/$tag-server.log"
	wait_for "$TMP/$tag-server.log" '^Done\.' "$srv"
	stop "$cli"
	srv_cmd "$srv" "$cmd" quit "$TMP/$tag-server.log"
	exec {cmd}>&-
	wait_gone "$srv"
	rm -f "$SOCK" "$fifo"
}

phase_testpmd() {
	testpmd_pair a rxonly txonly --tx-ip=198.18.0.2,198.18.0.1
	TXONLY_PPS=$(pps_of "$TMP/a-client.log" Tx)
	RXONLY_CYC=$(cycles_of "$TMP/a-server.log")
	RIG_MHZ=$(mhz_of "$TMP/a-server.log")
	TXONLY_CYC=$(cycles_left "${RIG_MHZ:-0}" "$TXONLY_PPS" 1 0)
}

phase_echo_limit() {
	testpmd_pair c macswap flowgen
	ECHO_TX_PPS=$(pps_of "$TMP/c-client.log" Tx)
	ECHO_RX_PPS=$(pps_of "$TMP/c-client.log" Rx)
}

phase_load() {
	local samples=() rx_samples=() prev prev_rx now now_rx t0 t1 gw ld
	# shellcheck disable=SC2086
	taskset -c "$RX_CPU" "$WSGW" -l "$RX_CPU" $EAL_MEM --file-prefix gw$$ \
		--vdev "net_memif0,role=server,socket=$SOCK,id=0,mac=$GW_MAC" \
		-- --addr 198.18.0.1/24 --listen 8080 --stats-sock "$TMP/gw.sock" \
		>"$TMP/gw.log" 2>&1 &
	gw=$!
	PIDS+=("$gw")
	wait_for "$TMP/gw.log" '^wsgw: ready' "$gw"
	# shellcheck disable=SC2086
	"$LOAD" -l "$TX_CPU" $EAL_MEM --file-prefix ld$$ \
		--vdev "net_memif0,role=client,socket=$SOCK,id=0,mac=02:00:00:00:00:02" \
		-- --addr 198.18.0.2/24 --stats-sock "$TMP/ld.sock" -q \
		-c "$CONNS" --inflight "$INFLIGHT" -d "$DUR" --json "$TMP/ld.json" \
		ws://198.18.0.1:8080/echo >"$TMP/ld.log" 2>&1 &
	ld=$!
	PIDS+=("$ld")
	wait_for "$TMP/ld.log" '^wsgw-load: ready' "$ld"
	sleep "$WARM"
	busy_mark "$TMP/ld.sock" LD0
	busy_mark "$TMP/gw.sock" GW0
	prev=$(stat_of "$TMP/ld.sock" tx_packets)
	prev_rx=$(stat_of "$TMP/ld.sock" rx_packets)
	t0=$(date +%s.%N)
	for _ in $(seq $((DUR - WARM - 1))); do
		sleep 1
		now=$(stat_of "$TMP/ld.sock" tx_packets)
		now_rx=$(stat_of "$TMP/ld.sock" rx_packets)
		t1=$(date +%s.%N)
		[ -n "$now" ] || break
		samples+=("$(awk -v a="$prev" -v b="$now" -v s="$t0" -v e="$t1" \
			'BEGIN { printf "%d", (b - a) / (e - s) }')")
		rx_samples+=("$(awk -v a="$prev_rx" -v b="$now_rx" -v s="$t0" -v e="$t1" \
			'BEGIN { printf "%d", (b - a) / (e - s) }')")
		prev=$now
		prev_rx=$now_rx
		t0=$t1
	done
	busy_mark "$TMP/ld.sock" LD1
	busy_mark "$TMP/gw.sock" GW1
	LOAD_BUSY=$(busy_pct "$LD0" "$LD1")
	GW_BUSY=$(busy_pct "$GW0" "$GW1")
	wait "$ld" || true
	stop "$gw"
	LOAD_PPS=$(printf '%s\n' "${samples[@]:-0}" | median)
	LOAD_RX_PPS=$(printf '%s\n' "${rx_samples[@]:-0}" | median)
	LOAD_MSGS=$(/usr/bin/python3 -c "import json; r = json.load(open('$TMP/ld.json')); print('%.0f %d %d %s' % (r['msgs_per_s']['tx'], r['counters']['msgs_verified'], r['errors_total'], r['latency']['p50_us']))" 2>/dev/null) ||
		{ echo "bench: wsgw-load left no report"; LOAD_MSGS="? ? ? ?"; }
	LOAD_ERRORS=$(/usr/bin/python3 -c "import json; e = json.load(open('$TMP/ld.json'))['errors']; print(' '.join('%s=%d' % kv for kv in e.items() if kv[1]))" 2>/dev/null) ||
		LOAD_ERRORS="no report"
}

phase_testpmd
phase_echo_limit
phase_load
read -r msgs verified errors p50 <<<"$LOAD_MSGS"
ratio=$(awk -v a="$LOAD_PPS" -v b="$TXONLY_PPS" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
echo_ratio=$(awk -v a="$LOAD_PPS" -v b="$ECHO_TX_PPS" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
left=$(cycles_left "${RIG_MHZ:-0}" "$TXONLY_PPS" 0.8 "$RXONLY_CYC")
# wsgw's busy cycles per frame it received in B (it receives what
# wsgw-load sends).
gw_cyc=$(awk -v hz="${RIG_MHZ:-0}" -v b="${GW_BUSY%\%}" -v r="$LOAD_PPS" 'BEGIN {
	if (hz > 0 && r > 0 && b ~ /^[0-9]+$/) printf "%.0f", hz * 1e6 * b / 100 / r
	else print "?" }')
limit_ratio=$(awk -v a="$ECHO_TX_PPS" -v b="$TXONLY_PPS" 'BEGIN { printf "%.3f", b ? a / b : 0 }')
cat <<EOT
memif rig, ${DUR}s per phase, medians of 1 s samples after ${WARM}s
  A. testpmd txonly (cpu $TX_CPU), 64-byte frames:        $TXONLY_PPS pps sent
     cycles per frame at ${RIG_MHZ:-?} MHz: txonly ${TXONLY_CYC:-?} sent, rxonly ${RXONLY_CYC:-?} received
  B. wsgw-load echo (cpu $TX_CPU) <-> wsgw /echo (cpu $RX_CPU): $LOAD_PPS pps sent, $LOAD_RX_PPS pps received
     $CONNS connections x $INFLIGHT in flight, 64-byte messages: $msgs msg/s sent, $verified verified, $errors errors, p50 $p50 us
     busy (loops that found work): wsgw-load $LOAD_BUSY, wsgw $GW_BUSY
  C. testpmd flowgen (cpu $TX_CPU) <-> macswap (cpu $RX_CPU), 64-byte frames: $ECHO_TX_PPS pps sent, $ECHO_RX_PPS pps back
  ratio B / A (packets sent): $ratio   (goal >= 0.8)
  ratio C / A (the rig's echo limit against its one-way limit): $limit_ratio
  ratio B / C (share of what the rig allows an echo): $echo_ratio
  at B = 0.8 A the echoing side receives 0.8 A frames a second: $left cycles a frame left
     to it (cpu $RX_CPU) past rxonly's, for its TCP, its WebSocket and its answer
     (wsgw in B: $gw_cyc busy cycles a frame received, all of it included)
EOT
[ -z "$LOAD_ERRORS" ] || echo "  wsgw-load errors: $LOAD_ERRORS"
