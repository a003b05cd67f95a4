#!/usr/bin/env bash
# The stack alone on the memif rig: two wsgw processes, one core each,
# joined by net_memif. One runs the echo service (CPU 1); the other
# (CPU 0) runs the built-in client. Two runs, each on a fresh pair:
#   connections: CONNS connections, PARALLEL of them at a time, 64 bytes
#     sent on each, the echo checked, closed (the client closes first, so TIME-WAIT is 0 on its
#     side); completed, checked connections per second, from the client's
#     tcp_client_conns_ok once a second;
#   echo: 64 connections each keeping 32 messages of 64 bytes in flight
#     for ECHO_S seconds; echo round trips per second, every byte checked,
#     from tcp_client_echoes once a second.
#
# usage: sudo [BUILD=dir] bench/tcp_memif.sh [CONNS] [ECHO_S] [PARALLEL]
#        (defaults 200000, 8 and 8192; BUILD defaults to build/)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${1:-200000}
ECHO_S=${2:-8}
PARALLEL=${3:-8192}
BUILD=${BUILD:-$ROOT/build}
WSGW=$BUILD/dataplane/wsgw
CTL=$BUILD/control/wsgwctl
. "$ROOT/bench/lib.sh"
TMP=$BENCH_TMP
bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
EAL="--in-memory -m 1024 --no-pci --log-level lib.eal:error"
cat >"$TMP/srv.conf" <<EOF
tcp = { max_conns = 262144; syn_backlog = 65536; };
EOF
cat >"$TMP/cli.conf" <<EOF
tcp = { max_conns = 262144; time_wait_ms = 0; };
EOF

stat_of() { "$CTL" -s "$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }

# pair_start RUN CLIENT_ARGS: the echo server and the client, run RUN.
pair_start() {
	# shellcheck disable=SC2086
	"$WSGW" -l 1 $EAL --file-prefix srv$1$$ \
		--vdev "net_memif0,role=server,socket=$TMP/m$1.sock,mac=02:00:00:00:00:01" \
		-- --addr 198.18.0.1/24 --tcp-echo 7 --config "$TMP/srv.conf" \
		--stats-sock "$TMP/srv$1.sock" >"$TMP/srv$1.log" 2>&1 &
	SRV=$!
	PIDS+=($SRV)
	wait_for "$TMP/srv$1.log" '^wsgw: ready' $SRV
	# shellcheck disable=SC2086
	"$WSGW" -l 0 $EAL --file-prefix cli$1$$ \
		--vdev "net_memif0,role=client,socket=$TMP/m$1.sock,mac=02:00:00:00:00:02" \
		-- --addr 198.18.0.2/24 --config "$TMP/cli.conf" \
		--tcp-client "$2" \
		--stats-sock "$TMP/cli$1.sock" >"$TMP/cli$1.log" 2>&1 &
	CLI=$!
	PIDS+=($CLI)
	wait_for "$TMP/cli$1.log" '^wsgw: ready' $CLI
}

pair_stop() {
	kill -TERM "$CLI" "$SRV" 2>/dev/null || true
	wait "$CLI" "$SRV" 2>/dev/null || true
}

# sample RUN COUNTER SECONDS WANT: per-second increments of the client's
# COUNTER into SAMPLES, for at most SECONDS, or until ok + failed
# connections reach WANT. BUSY: the share of the server's loop cycles in
# iterations that received something, over the same seconds.
sample() {
	local prev now ok fail cyc0 idle0
	SAMPLES=()
	prev=$(stat_of "$TMP/cli$1.sock" "$2")
	cyc0=$(stat_of "$TMP/srv$1.sock" worker_cycles)
	idle0=$(stat_of "$TMP/srv$1.sock" worker_idle_cycles)
	for _ in $(seq "$3"); do
		sleep 1
		now=$(stat_of "$TMP/cli$1.sock" "$2")
		ok=$(stat_of "$TMP/cli$1.sock" tcp_client_conns_ok)
		fail=$(stat_of "$TMP/cli$1.sock" tcp_client_conns_failed)
		[ "$now" -gt "$prev" ] && SAMPLES+=($((now - prev)))
		prev=$now
		[ $((ok + fail)) -ge "$4" ] && break
	done
	TOTAL=$now
	OK=$ok
	FAIL=$fail
	BUSY=$(awk -v c="$(stat_of "$TMP/srv$1.sock" worker_cycles)" \
		-v i="$(stat_of "$TMP/srv$1.sock" worker_idle_cycles)" \
		-v c0="$cyc0" -v i0="$idle0" \
		'BEGIN { printf "%.3f", (c > c0 ? 1 - (i - i0) / (c - c0) : 0) }')
}

report() {   # report LABEL
	local best median
	best=$(printf '%s\n' "${SAMPLES[@]}" | sort -n | tail -1)
	median=$(printf '%s\n' "${SAMPLES[@]}" | median)
	echo "  $1: median $median, best second $best"
	awk -v b="$BUSY" -v m="$median" 'BEGIN {
		printf "  server core busy %.1f%% of the time: %d per busy second\n",
			100 * b, (b > 0 ? m / b : 0) }'
}

pair_start c "198.18.0.1:7,conns=$CONNS,bytes=64,parallel=$PARALLEL"
sample c tcp_client_conns_ok 120 "$CONNS"
echo "memif rig, wsgw client (cpu 0) -> wsgw echo (cpu 1)"
echo "connections: $CONNS of 64 bytes, $PARALLEL at a time"
echo "  checked connections: $OK ok, $FAIL failed"
report "connections per second"
echo "  server: $(stat_of "$TMP/srvc.sock" tcp_passive_opens) passive opens," \
	"$(stat_of "$TMP/srvc.sock" tcp_retrans_timeout) timeouts," \
	"$(stat_of "$TMP/srvc.sock" tcp_syncookies_sent) cookies"
pair_stop

# Enough messages that the run outlasts ECHO_S at 10 million a second.
ECHO_MSGS=$((ECHO_S * 10000000 / 64 + 1))
pair_start e "198.18.0.1:7,conns=64,bytes=$((ECHO_MSGS * 64)),msg=64,depth=32"
# The first second opens the connections: left out of the samples.
sleep 1
sample e tcp_client_echoes "$ECHO_S" 64
echo "echo: 64 connections x 32 messages of 64 bytes in flight, ${ECHO_S} s"
echo "  echoes checked: $TOTAL, connections failed: $FAIL"
report "echo round trips per second"
echo "  segments: client sent $(stat_of "$TMP/clie.sock" tcp_segs_out)," \
	"server sent $(stat_of "$TMP/srve.sock" tcp_segs_out);" \
	"timeouts $(stat_of "$TMP/srve.sock" tcp_retrans_timeout)"
pair_stop
