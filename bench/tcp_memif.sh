#!/usr/bin/env bash
# TCP connection rate of the stack alone on the memif rig: two wsgw
# processes, one core each, joined by net_memif. One runs the echo
# service (CPU 1); the other (CPU 0) runs the built-in client, which opens
# CONNS connections, sends 64 bytes on each, checks the echo and closes
# (the client closes first, so TIME-WAIT is set to 0 on its side). The
# rate is completed, checked connections per second, measured from the
# client's tcp_client_conns_ok counter once a second.
#
# usage: sudo [BUILD=dir] bench/tcp_memif.sh [CONNS]   (default 200000;
#        BUILD defaults to build/)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${1:-200000}
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

# shellcheck disable=SC2086
"$WSGW" -l 1 $EAL --file-prefix srv$$ \
	--vdev "net_memif0,role=server,socket=$TMP/m.sock,mac=02:00:00:00:00:01" \
	-- --addr 198.18.0.1/24 --tcp-echo 7 --config "$TMP/srv.conf" \
	--stats-sock "$TMP/srv.sock" >"$TMP/srv.log" 2>&1 &
PIDS+=($!)
wait_for "$TMP/srv.log" '^wsgw: ready' $!
# shellcheck disable=SC2086
"$WSGW" -l 0 $EAL --file-prefix cli$$ \
	--vdev "net_memif0,role=client,socket=$TMP/m.sock,mac=02:00:00:00:00:02" \
	-- --addr 198.18.0.2/24 --config "$TMP/cli.conf" \
	--tcp-client "198.18.0.1:7,conns=$CONNS,bytes=64" \
	--stats-sock "$TMP/cli.sock" >"$TMP/cli.log" 2>&1 &
PIDS+=($!)
wait_for "$TMP/cli.log" '^wsgw: ready' $!

prev=0
samples=()
for _ in $(seq 120); do
	sleep 1
	ok=$(stat_of "$TMP/cli.sock" tcp_client_conns_ok)
	fail=$(stat_of "$TMP/cli.sock" tcp_client_conns_failed)
	[ "$ok" -gt "$prev" ] && samples+=($((ok - prev)))
	prev=$ok
	[ $((ok + fail)) -ge "$CONNS" ] && break
done
best=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
median=$(printf '%s\n' "${samples[@]}" | median)
echo "memif rig, wsgw client (cpu 0) -> wsgw echo (cpu 1), $CONNS connections of 64 bytes"
echo "  checked connections: $ok ok, $fail failed"
echo "  connections per second: median $median, best second $best"
echo "  server: $(stat_of "$TMP/srv.sock" tcp_passive_opens) passive opens," \
	"$(stat_of "$TMP/srv.sock" tcp_retrans_timeout) timeouts," \
	"$(stat_of "$TMP/srv.sock" tcp_syncookies_sent) cookies"
