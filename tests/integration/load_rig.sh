# wsgw-load on the namespace rig, sourced by test_load_*.sh after rig.sh
# (and by bench/load_*.sh): kernel-stack WebSocket servers in the peer
# namespace, wsgw-load in the gateway namespace driving the veth through
# af_packet, and readers for its JSON report.
#
#   load_server_start NS KIND ARGS...     a server (py, node, or lws:
#                                         bench/servers/lws_echo), waits
#                                         until it listens
#   load_server_stop                      SIGTERM; its totals line printed
#   load_server_total KEY                 conns, msgs, bytes, sent, ...
#   load_run [options after --]           wsgw-load, bounded by LOAD_TIMEOUT
#   load_json KEY                         a value of the last run's report
LOAD=$BUILD/load/wsgw-load
LWS_ECHO=$BUILD/bench/lws_echo
LOAD_LOG=$RIG_TMP/load.log
LOAD_JSON=$RIG_TMP/load.json
LOAD_TIMEOUT=${LOAD_TIMEOUT:-60}
LOAD_PORT=${LOAD_PORT:-8765}
LOAD_RC=
LOAD_SRV_PID=
LOAD_SRV_LOG=$RIG_TMP/load_server.log
NODE_PATH=$ROOT/tests/integration/node/node_modules
export NODE_PATH

# Each server prints "NAME: listening ..." once it accepts and, on
# SIGTERM, "NAME: conns=N msgs=N ...".
load_server_start() {   # load_server_start NS py|node|lws server-args...
	local ns=$1 kind=$2 deadline=$((SECONDS + 15))
	shift 2
	: >"$LOAD_SRV_LOG"
	case $kind in
	node) ip netns exec "$ns" node "$TCP_TOOLS/load_echo_server.js" "$@" \
		>"$LOAD_SRV_LOG" 2>&1 & ;;
	lws) ip netns exec "$ns" "$LWS_ECHO" "$@" >"$LOAD_SRV_LOG" 2>&1 & ;;
	*) ip netns exec "$ns" "$PY" "$TCP_TOOLS/load_echo_server.py" "$@" \
		>"$LOAD_SRV_LOG" 2>&1 & ;;
	esac
	LOAD_SRV_PID=$!
	until grep -q '^[a-z_]*: listening' "$LOAD_SRV_LOG"; do
		kill -0 "$LOAD_SRV_PID" 2>/dev/null ||
			{ echo "rig: server died:"; cat "$LOAD_SRV_LOG"; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] ||
			{ echo "rig: server not listening after 15s"; exit 1; }
		sleep 0.05
	done
}

load_server_stop() {
	local watchdog
	[ -n "$LOAD_SRV_PID" ] || return 0
	kill -TERM "$LOAD_SRV_PID" 2>/dev/null
	(sleep 5; kill -KILL "$LOAD_SRV_PID" 2>/dev/null) &
	watchdog=$!
	wait "$LOAD_SRV_PID"
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	LOAD_SRV_PID=
	grep '^[a-z_]*: conns=' "$LOAD_SRV_LOG"
}

load_server_total() {   # load_server_total KEY
	sed -n "s/^[a-z_]*: .*\b$1=\([0-9]*\).*/\1/p" "$LOAD_SRV_LOG" | tail -1
}

# wsgw-load in the gateway namespace on the veth (af_packet, or the port
# LOAD_VDEV names); its exit status in LOAD_RC, its output in LOAD_LOG
# (shown), its report in LOAD_JSON.
load_run() {   # load_run wsgw-load-options...
	rm -f "$LOAD_JSON"
	# shellcheck disable=SC2086
	timeout -k 5 "$LOAD_TIMEOUT" ip netns exec "$NS_GW" "$LOAD" \
		-l "${LOAD_LCORES:-0}" $GW_EAL_MEM --no-pci \
		--file-prefix "wsgw$RIG_ID" --log-level lib.eal:warning \
		--vdev "${LOAD_VDEV:-net_af_packet0,iface=$VETH_GW,qpairs=$(echo "${LOAD_LCORES:-0}" |
			tr ',' '\n' | wc -l),framecnt=16384}" \
		-- --stats-sock "$STATS_SOCK" --json "$LOAD_JSON" "$@" \
		>"$LOAD_LOG" 2>&1
	LOAD_RC=$?
	tail -n 40 "$LOAD_LOG"
}

load_json() {   # load_json KEY[.KEY...]: prints the value, or "missing"
	"$PY" - "$LOAD_JSON" "$1" <<'PYEOF'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split("."):
        v = v[k]
    print(v)
except Exception:
    print("missing")
PYEOF
}

# --- The memif rig: wsgw and wsgw-load, two DPDK processes on one host,
# joined by net_memif (no namespaces). GW_LCORES and LOAD_LCORES pick
# their cores.
#
#   load_memif_up                     the trap that cleans up
#   load_memif_gw_start [wsgw opts]   wsgw as the memif server, waits ready
#   load_memif_run [options]          wsgw-load as the memif client, from
#                                     LOAD_ADDR (default PEER_IP)
LOAD_MEMIF_SOCK=$RIG_TMP/memif.sock
LOAD_CTL_SOCK=$RIG_TMP/load.sock

load_memif_up() {
	trap rig_down EXIT
	trap 'exit 130' INT TERM
	[ "$(id -u)" -eq 0 ] || { echo "rig: needs root (EAL)"; exit 1; }
	[ -x "$WSGW" ] && [ -x "$LOAD" ] || { echo "rig: wsgw or wsgw-load not built"; exit 1; }
}

load_memif_gw_start() {   # load_memif_gw_start [wsgw options]
	: >"$GW_LOG"
	# shellcheck disable=SC2086
	"$WSGW" -l "${GW_LCORES:-1}" $GW_EAL_MEM --no-pci \
		--file-prefix "wsgw$RIG_ID" --log-level lib.eal:warning \
		--vdev "net_memif0,role=server,socket=$LOAD_MEMIF_SOCK,mac=02:00:00:00:00:01" \
		-- --addr "$GW_IP/$PREFIX" --stats-sock "$STATS_SOCK" "$@" \
		>"$GW_LOG" 2>&1 &
	GW_PID=$!
	gw_wait_ready
}

load_memif_run() {   # load_memif_run wsgw-load-options...
	rm -f "$LOAD_JSON"
	# shellcheck disable=SC2086
	timeout -k 5 "$LOAD_TIMEOUT" "$LOAD" -l "${LOAD_LCORES:-0}" $GW_EAL_MEM \
		--no-pci --file-prefix "wsgw${RIG_ID}ld" --log-level lib.eal:warning \
		--vdev "net_memif0,role=client,socket=$LOAD_MEMIF_SOCK,mac=02:00:00:00:00:02" \
		-- --addr "${LOAD_ADDR:-$PEER_IP}/$PREFIX${LOAD_ADDR_OPTS:-}" --stats-sock "$LOAD_CTL_SOCK" \
		--json "$LOAD_JSON" "$@" >"$LOAD_LOG" 2>&1
	LOAD_RC=$?
	tail -n 20 "$LOAD_LOG"
}
