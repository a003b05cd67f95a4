#!/usr/bin/env bash
# Pub/sub fan-out on the memif rig, one core for wsgw: wsgw-load (CPU 0)
# opens SUBS subscribers and one publisher on /md/bench, the publisher
# sends RATE messages a second (64 bytes), and every subscriber checks
# each delivery (order, completeness). At RATE x SUBS deliveries a second
# spread over SUBS connections, each delivery is one TCP segment, one
# packet. The rig's own limits come from bench/load_pps.sh in the same
# run: testpmd txonly -> rxonly (its phase A), and flowgen <-> macswap
# (phase C), where every frame is answered by one, as a subscriber that
# acknowledges each delivery would; the ratios are deliveries per second
# over each. Deliveries per second are shown twice: as wsgw-load received
# them over the whole run (drained after it when the gateway fell
# behind), and as wsgw's own count (gw_delivered, copies queued to
# subscribers, less gw_dropped_oldest, those dropped since) a second at a time
# while the run lasts, with its core's busy share: past its capacity the
# second is what one core delivers, and the ratios use it. rx/tx is the
# frames wsgw received (the subscribers' ACKs, mostly) per frame sent.
#
# usage: sudo [RIG=0] bench/gw_pubsub_memif.sh [SECONDS] [SUBS] [RATE...]
#        (SECONDS 3 or more; as root: namespaces and hugepages; RIG=0
#        skips the rig's limits, and the ratios print as ?)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-8}
SUBS=${2:-10000}
shift $(($# < 2 ? $# : 2))
RATES=(100 200 400)
[ $# -eq 0 ] || RATES=("$@")
[ "$DUR" -ge 3 ] || { echo "bench: SECONDS must be 3 or more"; exit 2; }
. "$ROOT/tests/integration/rig.sh"
. "$ROOT/tests/integration/load_rig.sh"
bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
GW_EAL_MEM="--in-memory -m 1024"
LOAD_TIMEOUT=$((DUR + 120))
load_memif_up
# wsgw-load, run in the background below, goes too on any exit.
LOAD_SUB=
bench_down() {
	local rc=$?
	if [ -n "$LOAD_SUB" ]; then
		# timeout passes TERM on, and kills 5 s later (-k 5).
		pkill -TERM -P "$LOAD_SUB" 2>/dev/null
		wait "$LOAD_SUB" 2>/dev/null
	fi
	( exit "$rc" )     # rig_down reads the status it leaves with
	rig_down
}
trap bench_down EXIT
GW_LCORES=1
LOAD_LCORES=0
printf 'gateway = { fanout_mbufs = 524288; max_handshakes = 4096; };\n' \
	>"$RIG_TMP/gw.conf"
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }

# Copies queued to subscribers and not dropped since (drop-oldest).
gw_sent() {
	"$WSGWCTL" -s "$STATS_SOCK" stats | awk '$1 == "gw_delivered" { d = $2 }
		$1 == "gw_dropped_oldest" { o = $2 } END { print d - o }'
}

# While wsgw-load runs: gw_sent once a second, and wsgw's loop's busy
# share (worker_cycles, worker_idle_cycles), over the seconds after the
# subscribers are in. Past the core's capacity the publisher's rate is no
# longer what is delivered; this is, and a busy share near 100% says the
# core is the bound.
gw_sample() {   # gw_sample LOAD_PID: sets GW_RATE, GW_BUSY, GW_CYC and GW_RX_TX
	local prev now t0 t1 c0 i0 c1 i1 r0 x0 r1 x1 v s0 samples=() n=0
	local deadline=$((SECONDS + 60))
	GW_RATE="?" GW_BUSY="?" GW_CYC="?" GW_RX_TX="?"
	while :; do
		v=$(gw_stat gw_conns 2>/dev/null)
		[ "${v:-0}" -le "$SUBS" ] || break
		if ! kill -0 "$1" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
			echo "bench: the subscribers never all connected (${v:-0} of $((SUBS + 1)))"
			return
		fi
		sleep 0.2
	done
	sleep 1
	prev=$(gw_sent); t0=$(date +%s.%N); s0=$prev
	c0=$(gw_stat worker_cycles); i0=$(gw_stat worker_idle_cycles)
	r0=$(gw_stat rx_packets); x0=$(gw_stat tx_packets)
	while [ $n -lt $((DUR - 2)) ] && kill -0 "$1" 2>/dev/null; do
		sleep 1
		now=$(gw_sent); t1=$(date +%s.%N)
		samples+=("$(awk -v a="$prev" -v b="$now" -v s="$t0" -v e="$t1" \
			'BEGIN { printf "%d", (b - a) / (e - s) }')")
		prev=$now; t0=$t1; n=$((n + 1))
	done
	c1=$(gw_stat worker_cycles); i1=$(gw_stat worker_idle_cycles)
	r1=$(gw_stat rx_packets); x1=$(gw_stat tx_packets)
	GW_RX_TX=$(awk -v r="$((r1 - r0))" -v x="$((x1 - x0))" \
		'BEGIN { if (x > 0) printf "%.2f", r / x; else print "?" }')
	[ ${#samples[@]} -gt 0 ] || { echo "bench: no second sampled"; return; }
	GW_RATE=$(printf '%s\n' "${samples[@]}" | median)
	GW_BUSY=$(awk -v c="$((c1 - c0))" -v i="$((i1 - i0))" \
		'BEGIN { if (c > 0) printf "%.0f%%", 100 * (c - i) / c; else print "?" }')
	# The loop's busy cycles (TSC) per copy sent, over the same seconds.
	GW_CYC=$(awk -v c="$((c1 - c0 - (i1 - i0)))" -v d="$((now - s0))" \
		'BEGIN { if (d > 0) printf "%.0f", c / d; else print "?" }')
}

lines=()
for rate in "${RATES[@]}"; do
	load_memif_gw_start --config "$RIG_TMP/gw.conf" >/dev/null
	# In a subshell, so that its exit status comes back through wait.
	( load_memif_run -q -s pubsub -c $((SUBS + 1)) --publishers 1 \
		--rate "$rate" -d "$DUR" --max-opening 2048 \
		"ws://$GW_IP:8080/md/bench" >/dev/null; exit "$LOAD_RC" ) &
	LOAD_SUB=$!
	gw_sample "$LOAD_SUB"
	wait "$LOAD_SUB"
	LOAD_RC=$?
	LOAD_SUB=
	if [ "$LOAD_RC" -ne 0 ]; then
		echo "bench: wsgw-load exited $LOAD_RC at rate $rate:"; tail -20 "$LOAD_LOG"
	elif [ "$(load_json errors_total)" != 0 ]; then
		echo "bench: wsgw-load counted errors at rate $rate (with drop-oldest past the core's capacity, the slowest subscribers' missing messages)"
	fi
	lines+=("$rate $(load_json msgs_per_s.rx) $GW_RATE $GW_BUSY $GW_CYC $GW_RX_TX $(load_json latency.p50_us) $(load_json latency.p99_us) $(load_json errors_total)")
	gw_stop >/dev/null 2>&1 || true
done
# The rig's limits, as bench/load_pps.sh measures them: one way (A), and
# with every frame answered by one (C), a subscriber that acknowledges
# each delivery.
# RIG=0 leaves them out: for comparing trees, run after run.
rig=
[ "${RIG:-1}" = 0 ] || rig=$(bash "$ROOT/bench/load_pps.sh" "$DUR" 1 1 2>/dev/null)
pps=$(printf '%s\n' "$rig" | sed -n 's/.*txonly.*: *\([0-9]*\) pps sent.*/\1/p')
echo_pps=$(printf '%s\n' "$rig" | sed -n 's/.*flowgen.*: *\([0-9]*\) pps sent.*/\1/p')
echo "memif rig, one core for wsgw, $SUBS subscribers, 64-byte messages, ${DUR}s each"
echo "testpmd txonly -> rxonly: ${pps:-?} pps; flowgen <-> macswap: ${echo_pps:-?} pps each way"
# What a frame costs each end with no state (load_pps.sh phase A), and
# what that leaves each core at the goal, 0.9 of txonly's rate: wsgw
# sends each delivery (txonly's cost) and the subscribers' core receives
# it (rxonly's cost); the rest is all either has for TCP, WebSocket and
# the other's ACKs.
cyc=$(printf '%s\n' "$rig" | sed -n 's/.*cycles per frame at \([0-9]*\) MHz: txonly \([0-9.]*\) sent, rxonly \([0-9.]*\) received.*/\1 \2 \3/p')
if [ -n "$cyc" ] && [ -n "${pps:-}" ]; then
	read -r mhz tx_cyc rx_cyc <<<"$cyc"
	awk -v hz="$mhz" -v p="$pps" -v t="$tx_cyc" -v r="$rx_cyc" 'BEGIN {
		b = hz * 1e6 / (0.9 * p)
		printf "cycles per frame at %d MHz: txonly %s sent, rxonly %s received; at 0.9 of txonly, %.0f a delivery:\n", hz, t, r, b
		printf "  %.0f left to wsgw past txonly'"'"'s, %.0f to the subscribers'"'"' core past rxonly'"'"'s\n", b - t, b - r }'
else
	echo "cycles per frame: not measured"
fi
# cyc/deliv: wsgw's busy cycles (TSC) per copy it sent.
printf '%s\n' "${lines[@]}" | awk -v p="${pps:-0}" -v e="${echo_pps:-0}" '
	BEGIN { print "publish/s deliveries/s wsgw_out/s wsgw_busy cyc/deliv rx/tx p50_us p99_us errors ratio_to_rig ratio_to_echo_limit" }
	{ r = ($3 ~ /^[0-9]+$/) && $3 > 0
	  printf "%9s %12.0f %12s %5s %9s %5s %10s %10s %6s %8s %8s\n", $1, $2, $3, $4,
		$5, $6, $7, $8, $9, r && p ? sprintf("%.3f", $3 / p) : "?",
		r && e ? sprintf("%.3f", $3 / e) : "?" }'
