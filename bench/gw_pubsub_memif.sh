#!/usr/bin/env bash
# Pub/sub fan-out on the memif rig, one core for wsgw: wsgw-load (CPU 0)
# opens SUBS subscribers and one publisher on /md/bench, the publisher
# sends RATE messages a second (64 bytes), and every subscriber checks
# each delivery (order, completeness). At RATE x SUBS deliveries a second
# spread over SUBS connections, each delivery is one TCP segment, one
# packet. The rig's own limit comes from testpmd txonly -> rxonly in the
# same run (bench/load_pps.sh's phase A); the ratio is deliveries per
# second over that packet rate.
#
# usage: sudo bench/gw_pubsub_memif.sh [SECONDS] [SUBS] [RATE...]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-8}
SUBS=${2:-10000}
shift 2 2>/dev/null
RATES=("${@:-100 200 400}")
[ $# -gt 0 ] && RATES=("$@") || RATES=(100 200 400)
. "$ROOT/tests/integration/rig.sh"
. "$ROOT/tests/integration/load_rig.sh"
bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
GW_EAL_MEM="--in-memory -m 1024"
LOAD_TIMEOUT=$((DUR + 120))
load_memif_up
GW_LCORES=1
LOAD_LCORES=0
printf 'gateway = { fanout_mbufs = 524288; max_handshakes = 4096; };\n' \
	>"$RIG_TMP/gw.conf"
lines=()
for rate in "${RATES[@]}"; do
	load_memif_gw_start --config "$RIG_TMP/gw.conf" >/dev/null
	load_memif_run -q -s pubsub -c $((SUBS + 1)) --publishers 1 \
		--rate "$rate" -d "$DUR" --max-opening 2048 \
		"ws://$GW_IP:8080/md/bench" >/dev/null
	if [ "$LOAD_RC" -ne 0 ]; then
		echo "bench: wsgw-load failed at rate $rate:"; tail -20 "$LOAD_LOG"
	fi
	lines+=("$rate $(load_json msgs_per_s.rx) $(load_json latency.p50_us) $(load_json latency.p99_us) $(load_json errors_total)")
	gw_stop >/dev/null 2>&1 || true
done
# The rig's limit, as bench/load_pps.sh measures it.
pps=$(bash "$ROOT/bench/load_pps.sh" "$DUR" 1 1 2>/dev/null |
	sed -n 's/.*txonly.*: *\([0-9]*\) pps sent.*/\1/p')
echo "memif rig, one core for wsgw, $SUBS subscribers, 64-byte messages, ${DUR}s each"
echo "testpmd txonly -> rxonly: ${pps:-?} pps"
printf '%s\n' "${lines[@]}" | awk -v p="${pps:-0}" '
	BEGIN { print "publish/s deliveries/s p50_us p99_us errors ratio_to_rig" }
	{ printf "%9s %12.0f %8s %8s %6s %8.3f\n", $1, $2, $3, $4, $5, p ? $2 / p : 0 }'
