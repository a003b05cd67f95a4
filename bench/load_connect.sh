#!/usr/bin/env bash
# WebSocket handshakes per second against wsgw on the memif rig: wsgw-load
# (CPU TX_CPU) runs the connect scenario against wsgw's /echo route (CPU
# RX_CPU), one core each: every connection is a TCP handshake, the
# upgrade request and a checked 101, a close frame each way and the TCP
# close, CONNS connections at a time until COUNT are done. The figure is
# wsgw-load's handshakes per second over the run (goal: 300,000 per core
# pair), with the per-second rates of its live line beside it.
#
# usage: sudo bench/load_connect.sh [COUNT] [CONNS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${1:-1000000}
CONNS=${2:-512}
TX_CPU=${TX_CPU:-0}
RX_CPU=${RX_CPU:-1}
BUILD=${BUILD:-$ROOT/build}
WSGW=$BUILD/dataplane/wsgw
LOAD=$BUILD/load/wsgw-load
CTL=$BUILD/control/wsgwctl
. "$ROOT/bench/lib.sh"
TMP=$BENCH_TMP
bash "$ROOT/scripts/hugepages.sh" 1024 >/dev/null
EAL="--in-memory -m 1024 --no-pci --log-level lib.eal:error"
# The gateway closes first after the closing handshake, so its side holds
# TIME-WAIT: 0 here, or a million connections would not fit.
cat >"$TMP/gw.conf" <<EOT
tcp = { max_conns = 262144; syn_backlog = 65536; time_wait_ms = 0; };
EOT

# shellcheck disable=SC2086
taskset -c "$RX_CPU" "$WSGW" -l "$RX_CPU" $EAL --file-prefix gw$$ \
	--vdev "net_memif0,role=server,socket=$TMP/m.sock,mac=02:00:00:00:00:01" \
	-- --addr 198.18.0.1/24 --listen 8080 --config "$TMP/gw.conf" \
	--stats-sock "$TMP/gw.sock" >"$TMP/gw.log" 2>&1 &
PIDS+=($!)
wait_for "$TMP/gw.log" '^wsgw: ready' $!
# shellcheck disable=SC2086
"$LOAD" -l "$TX_CPU" $EAL --file-prefix ld$$ \
	--vdev "net_memif0,role=client,socket=$TMP/m.sock,mac=02:00:00:00:00:02" \
	-- --addr 198.18.0.2/24 --stats-sock "$TMP/ld.sock" -s connect \
	-c "$CONNS" -n "$COUNT" --max-opening "$CONNS" --json "$TMP/ld.json" \
	ws://198.18.0.1:8080/echo >"$TMP/ld.log" 2>&1 || true
read -r hs ok rate errors p50 p99 <<<"$(/usr/bin/python3 -c "
import json
r = json.load(open('$TMP/ld.json'))
c = r['counters']
print(c['handshakes_ok'], c['conn_closed_ok'], '%.0f' % r['handshakes_per_s'],
      r['errors_total'], r['handshake']['p50_us'], r['handshake']['p99_us'])")"
best=$(/usr/bin/python3 -c "
import json
t = json.load(open('$TMP/ld.json'))['timeline']
print(max([0] + [int(s['handshakes_per_s']) for s in t]))")
echo "memif rig, wsgw-load connect (cpu $TX_CPU) -> wsgw /echo (cpu $RX_CPU), $CONNS at a time"
echo "  handshakes: $hs ok, $ok closed cleanly, $errors errors"
echo "  handshakes per second: $rate over the run, best second $best (goal 300000 per core pair)"
echo "  handshake time (connect to 101): p50 $p50 us, p99 $p99 us"
grep '^\[' "$TMP/ld.log" | tail -5
echo "  gateway: $("$CTL" -s "$TMP/gw.sock" stats | awk '$1 == "gw_upgrades" || $1 == "gw_close_timeouts" || $1 == "tcp_rst_sent" || $1 == "tcp_retrans_timeout" || $1 == "tcp_syncookies_sent" { printf "%s %s  ", $1, $2 }')"
