# The namespace rig, sourced by the integration tests and scripts/run.sh.
#
# Two network namespaces joined by a veth pair: the gateway's end carries
# no kernel address (wsgw drives it through af_packet), the peer's end is a
# plain Linux host. Everything is torn down on exit, failure included.
#
#   rig_up                 create namespaces, veth, addresses
#   gw_start [wsgw opts]   start wsgw in the gateway namespace, wait ready
#   gw_stop                SIGTERM, wait, return wsgw's exit status
#   peer CMD...            run a command in the peer namespace
#   gw_stat NAME           one counter from wsgw's statistics
#   check NAME COND...     record a pass or a failure
#   rig_finish             print the summary line, exit 0 or 1

RIG_ID=${RIG_ID:-$$}
NS_GW=wsgw-gw-$RIG_ID
NS_PEER=wsgw-peer-$RIG_ID
VETH_GW=wg$RIG_ID
VETH_PEER=wp$RIG_ID
GW_IP=${GW_IP:-198.18.0.1}
PEER_IP=${PEER_IP:-198.18.0.2}
PREFIX=24
# A third host, behind the gateway's second port (rig_add_upstream).
NS_UP=wsgw-up-$RIG_ID
VETH_UGW=wu$RIG_ID
VETH_UP=wv$RIG_ID
UP_GW_IP=198.18.1.1
UP_IP=198.18.1.2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WSGW=$BUILD/dataplane/wsgw
WSGWCTL=$BUILD/control/wsgwctl
PY=/usr/bin/python3
RIG_TMP=$(mktemp -d /tmp/wsgw-rig.XXXXXX)
STATS_SOCK=${STATS_SOCK:-$RIG_TMP/wsgw.sock}
GW_LOG=$RIG_TMP/wsgw.log
GW_PID=
# EAL memory for tests: no hugepage files to leak, no shared config.
GW_EAL_MEM=${GW_EAL_MEM:---no-huge --no-shconf -m 512}
GW_READY_TIMEOUT=${GW_READY_TIMEOUT:-30}
RIG_PASSED=0
RIG_FAILED=0

rig_log() { echo "[$(date +%T)] $*"; }

rig_down() {
	local rc=$?
	if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
		kill -KILL "$GW_PID" 2>/dev/null
		wait "$GW_PID" 2>/dev/null
	fi
	# Children started in the namespaces (ping, servers) go with them.
	for ns in "$NS_GW" "$NS_PEER" "$NS_UP"; do
		if ip netns pids "$ns" >/dev/null 2>&1; then
			ip netns pids "$ns" | xargs -r kill -KILL 2>/dev/null
			ip netns del "$ns" 2>/dev/null
		fi
	done
	rm -f /dev/hugepages/wsgw"$RIG_ID"* 2>/dev/null
	rm -rf "/etc/netns/$NS_GW" "/etc/netns/$NS_PEER" "/etc/netns/$NS_UP"
	if [ "$rc" -ne 0 ] && [ -f "$GW_LOG" ]; then
		echo "--- wsgw log (last 30 lines) ---"
		tail -30 "$GW_LOG"
	fi
	rm -rf "$RIG_TMP"
	return "$rc"
}

rig_must() { "$@" || { echo "rig: failed: $*"; exit 1; }; }

# rig_hosts NS "IP NAME"...: names for programs run in NS (ip netns exec
# puts /etc/netns/NS/hosts and resolv.conf over /etc's); its resolver
# asks 127.0.0.1, where nothing answers: any other name fails at once.
rig_hosts() {   # rig_hosts NS "IP NAME"...
	local d=/etc/netns/$1
	shift
	rig_must mkdir -p "$d"
	{ echo "127.0.0.1 localhost"; printf '%s\n' "$@"; } >"$d/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
		>"$d/resolv.conf"
}

rig_up() {
	trap rig_down EXIT
	trap 'exit 130' INT TERM
	[ "$(id -u)" -eq 0 ] || { echo "rig: needs root (namespaces)"; exit 1; }
	[ -x "$WSGW" ] || { echo "rig: $WSGW not built"; exit 1; }
	rig_must ip netns add "$NS_GW"
	rig_must ip netns add "$NS_PEER"
	rig_must ip link add "$VETH_GW" type veth peer name "$VETH_PEER"
	rig_must ip link set "$VETH_GW" netns "$NS_GW"
	rig_must ip link set "$VETH_PEER" netns "$NS_PEER"
	for ns in "$NS_GW" "$NS_PEER"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		rig_must ip -n "$ns" link set lo up
	done
	rig_must ip -n "$NS_PEER" addr add "$PEER_IP/$PREFIX" dev "$VETH_PEER"
	# Offloads off on both ends, or af_packet sees partial checksums and
	# 64 KB segments.
	ip netns exec "$NS_PEER" ethtool -K "$VETH_PEER" tx off tso off gso off \
		gro off >/dev/null 2>&1
	ip netns exec "$NS_GW" ethtool -K "$VETH_GW" tx off tso off gso off \
		gro off rx off >/dev/null 2>&1
	ip -n "$NS_GW" link set "$VETH_GW" up
	ip -n "$NS_PEER" link set "$VETH_PEER" up
}

# rig_add_upstream: namespace NS_UP (UP_IP) on a second veth whose other
# end is the gateway's port 1 (UP_GW_IP); gw_start then needs
# GW_EXTRA_EAL="$UP_VDEV" and --addr for both ports.
rig_add_upstream() {
	rig_must ip netns add "$NS_UP"
	rig_must ip link add "$VETH_UGW" type veth peer name "$VETH_UP"
	rig_must ip link set "$VETH_UGW" netns "$NS_GW"
	rig_must ip link set "$VETH_UP" netns "$NS_UP"
	ip netns exec "$NS_UP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	rig_must ip -n "$NS_UP" link set lo up
	rig_must ip -n "$NS_UP" addr add "$UP_IP/$PREFIX" dev "$VETH_UP"
	ip netns exec "$NS_UP" ethtool -K "$VETH_UP" tx off tso off gso off \
		gro off >/dev/null 2>&1
	ip netns exec "$NS_GW" ethtool -K "$VETH_UGW" tx off tso off gso off \
		gro off rx off >/dev/null 2>&1
	rig_must ip -n "$NS_GW" link set "$VETH_UGW" up
	rig_must ip -n "$NS_UP" link set "$VETH_UP" up
	UP_VDEV="--vdev net_af_packet1,iface=$VETH_UGW,framecnt=16384"
}

# gw_start [wsgw options after --]; EAL options come from GW_EAL_ARGS.
gw_start() {
	local lcores=${GW_LCORES:-0}
	local qpairs
	qpairs=$(echo "$lcores" | tr ',' '\n' | wc -l)
	: >"$GW_LOG"
	# shellcheck disable=SC2086
	ip netns exec "$NS_GW" "$WSGW" -l "$lcores" $GW_EAL_MEM --no-pci \
		--file-prefix "wsgw$RIG_ID" --log-level lib.eal:warning \
		--vdev "net_af_packet0,iface=$VETH_GW,qpairs=$qpairs${GW_AFP_ARGS-,framecnt=16384}" \
		${GW_EXTRA_EAL:-} \
		-- --stats-sock "$STATS_SOCK" "$@" >"$GW_LOG" 2>&1 &
	GW_PID=$!
	gw_wait_ready
}

# Wait, bounded, for wsgw's "ready" line; fail at once if it died.
gw_wait_ready() {
	local deadline=$((SECONDS + GW_READY_TIMEOUT))
	while ! grep -q '^wsgw: ready' "$GW_LOG"; do
		if ! kill -0 "$GW_PID" 2>/dev/null; then
			echo "rig: wsgw exited during start-up:"
			cat "$GW_LOG"
			exit 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "rig: wsgw not ready after ${GW_READY_TIMEOUT}s"
			exit 1
		fi
		sleep 0.05
	done
	# What the main mbuf pool has free before any traffic: gw_idle wants
	# it back.
	GW_POOL_FREE0=$(gw_stat pool0_mbufs_free)
}

# The MAC wsgw reported for port 0.
gw_mac() {
	sed -n 's/^wsgw: port 0 mac \([0-9A-Fa-f:]*\) .*/\1/p' "$GW_LOG" | head -1
}

# SIGTERM; returns wsgw's exit status, or 137 when it needed a SIGKILL
# after GW_STOP_DEADLINE seconds.
gw_stop() {
	local deadline=${GW_STOP_DEADLINE:-1} rc watchdog
	kill -TERM "$GW_PID"
	(sleep "$deadline"; kill -KILL "$GW_PID" 2>/dev/null) &
	watchdog=$!
	wait "$GW_PID"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	GW_PID=
	return "$rc"
}

peer() { ip netns exec "$NS_PEER" "$@"; }

gw_stat() {
	"$WSGWCTL" -s "$STATS_SOCK" stats | awk -v k="$1" '$1 == k { print $2 }'
}

# check NAME test-expression...: record the outcome, keep going.
check() {
	local name=$1
	shift
	if "$@"; then
		RIG_PASSED=$((RIG_PASSED + 1))
		echo "PASS $name"
	else
		RIG_FAILED=$((RIG_FAILED + 1))
		echo "FAIL $name (${*})"
	fi
}

rig_finish() {
	echo "$(basename "$0"): $RIG_PASSED passed, $RIG_FAILED failed"
	[ "$RIG_FAILED" -eq 0 ]
}

# --- TCP tests (tests/integration/pending/test_tcp_*.sh, bench/tcp_veth.sh)
#
# TCP_TARGET=wsgw (default): wsgw's --tcp-echo / --tcp-discard services.
# TCP_TARGET=kernel: tcp_echo_server.py in the gateway namespace, on a
# kernel address given to the gateway's veth for that run only; the same
# clients, as a check of the tools and as a baseline. TCP_KERNEL_CC names
# the congestion control it uses (the machine's default otherwise: BBR
# on some, which ignores random loss where wsgw's NewReno halves).
#
#   tcp_target_up ECHO_PORT [DISCARD_PORT [wsgw options]]
#   tcp_server_start NS ARGS...   tcp_echo_server.py in NS, wait listening
#   tcp_server_stop               SIGTERM it; its totals line is printed
#   tcp_idle SECONDS              bounded wait: no connection left open
#   stat_is NAME OP VALUE         a wsgw counter compared, e.g. -eq 0
#   tcp_check_transfer NS NAME PORT ARGS...  tcp_transfer.py, checked
TCP_TARGET=${TCP_TARGET:-wsgw}
TCP_TOOLS=$ROOT/tests/integration
TCP_TIME_WAIT_MS=${TCP_TIME_WAIT_MS:-100}
TCP_BACKLOG=${TCP_BACKLOG:-4096}   # the kernel server's listen backlog
TCP_SRV_PID=
TCP_SRV_LOG=$RIG_TMP/tcp_server.log

tcp_server_start() {   # tcp_server_start NS tcp_echo_server.py-args...
	local ns=$1 deadline=$((SECONDS + 10))
	shift
	: >"$TCP_SRV_LOG"
	ip netns exec "$ns" "$PY" "$TCP_TOOLS/tcp_echo_server.py" "$@" \
		>"$TCP_SRV_LOG" 2>&1 &
	TCP_SRV_PID=$!
	until grep -q '^tcp_echo_server: listening' "$TCP_SRV_LOG"; do
		kill -0 "$TCP_SRV_PID" 2>/dev/null ||
			{ echo "rig: echo server died:"; cat "$TCP_SRV_LOG"; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] ||
			{ echo "rig: echo server not listening after 10s"; exit 1; }
		sleep 0.05
	done
}

tcp_server_stop() {
	local watchdog
	[ -n "$TCP_SRV_PID" ] || return 0
	kill -TERM "$TCP_SRV_PID" 2>/dev/null
	(sleep 3; kill -KILL "$TCP_SRV_PID" 2>/dev/null) &
	watchdog=$!
	wait "$TCP_SRV_PID"
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	TCP_SRV_PID=
	grep '^tcp_echo_server: conns=' "$TCP_SRV_LOG"
}

# One total from the echo server's last line, e.g. tcp_server_total conns.
tcp_server_total() {
	sed -n "s/^tcp_echo_server: .*\b$1=\([0-9]*\).*/\1/p" "$TCP_SRV_LOG" | tail -1
}

tcp_target_up() {   # tcp_target_up ECHO_PORT [DISCARD_PORT [wsgw options]]
	local echo_port=$1 discard_port=${2:-}
	local opts=(--tcp-echo "$echo_port")
	shift
	[ $# -gt 0 ] && shift
	if [ "$TCP_TARGET" = kernel ]; then
		rig_must ip -n "$NS_GW" addr add "$GW_IP/$PREFIX" dev "$VETH_GW"
		[ -z "${TCP_KERNEL_CC:-}" ] || rig_must ip netns exec "$NS_GW" \
			sysctl -qw net.ipv4.tcp_congestion_control="$TCP_KERNEL_CC"
		opts=(--addr "$GW_IP" --echo "$echo_port" --backlog "$TCP_BACKLOG")
		[ -n "$discard_port" ] && opts+=(--discard "$discard_port")
		tcp_server_start "$NS_GW" "${opts[@]}"
		return
	fi
	[ -n "$discard_port" ] && opts+=(--tcp-discard "$discard_port")
	tcp_gw_start "${opts[@]}" "$@"
}

# gw_start with a configuration file setting TIME_WAIT to TCP_TIME_WAIT_MS,
# after checking that wsgw accepts the options: those it does not know exit
# 2 here, which ends the test with a FAIL line rather than a hang.
tcp_gw_start() {   # tcp_gw_start wsgw-options...
	local conf=$RIG_TMP/tcp.conf opts
	# Short TIME-WAIT and SYN-ACK retries, so "back to zero" comes soon.
	printf 'tcp = { time_wait_ms = %d; syn_retries = 3; };\n' \
		"$TCP_TIME_WAIT_MS" >"$conf"
	opts=(--config "$conf" "$@")
	check "wsgw accepts ${opts[*]}" "$WSGW" -- "${opts[@]}" --dump-config
	if [ "$RIG_FAILED" -gt 0 ]; then
		rig_finish
		exit 1
	fi
	gw_start "${opts[@]}"
}

# The gateway's MAC, whichever drives its veth.
tcp_gw_mac() {
	if [ "$TCP_TARGET" = kernel ]; then
		ip -n "$NS_GW" -br link show "$VETH_GW" | awk '{ print $3 }'
	else
		gw_mac
	fi
}

# Bounded poll until nothing is left open on the gateway: wsgw's tcp_conns
# and every tcp_state_* gauge at zero, or, on a kernel target, no socket
# in the gateway namespace but listeners.
tcp_idle() {   # tcp_idle SECONDS
	local deadline=$((SECONDS + $1)) left
	while :; do
		if [ "$TCP_TARGET" = kernel ]; then
			left=$(ip netns exec "$NS_GW" ss -Htan state all |
				awk '$1 != "LISTEN"' | wc -l)
		else
			left=$("$WSGWCTL" -s "$STATS_SOCK" stats | awk '
				$1 == "tcp_conns" || $1 ~ /^tcp_state_/ { s += $2; n++ }
				END { print n ? s : "missing" }')
		fi
		[ "$left" = 0 ] && return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "tcp_idle: still open after $1 s: $left"
			return 1
		fi
		sleep 0.1
	done
}

stat_is() {   # stat_is NAME OP VALUE
	local v
	v=$(gw_stat "$1")
	[ -n "$v" ] || { echo "no statistic $1"; return 1; }
	test "$v" "$2" "$3" || { echo "$1 = $v"; return 1; }
}

# tcp_transfer.py from NS to the gateway, its line shown, a check recorded.
tcp_check_transfer() {   # tcp_check_transfer NS NAME PORT tcp_transfer.py-args...
	local ns=$1 name=$2 out
	shift 2
	out=$(ip netns exec "$ns" "$PY" "$TCP_TOOLS/tcp_transfer.py" "$GW_IP" "$@" 2>&1)
	echo "$out"
	check "$name" grep -q '^tcp_transfer: ok' <<<"$out"
}

# --- WebSocket tests
#
#   checks_from CMD...     run a checker that prints "ok NAME" / "fail NAME:
#                          why" lines; each becomes a check; the command's
#                          own failure without such lines is a failure too
#   gw_idle SECONDS        bounded poll: gw_conns and tcp_conns back to 0
checks_from() {
	local out rc line
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | grep -v '^ok \|^fail ' | tail -20
	while IFS= read -r line; do
		case $line in
		"ok "*) check "${line#ok }" true ;;
		"fail "*) check "${line#fail }" false ;;
		esac
	done <<<"$out"
	if ! grep -q '^ok \|^fail ' <<<"$out"; then
		check "$1 ran (exit $rc)" false
	elif [ "$rc" -ne 0 ] && ! grep -q '^fail ' <<<"$out"; then
		check "$1 exit status $rc" false
	fi
}

# A configuration file with a short TIME-WAIT (the gateway closes TCP
# first, so its connections pass through it), plus any lines given.
ws_conf() {   # ws_conf [lines...]: prints the file's path
	local f=$RIG_TMP/ws.conf
	printf 'tcp = { time_wait_ms = 200; };\n' >"$f"
	[ $# -gt 0 ] && printf '%s\n' "$@" >>"$f"
	echo "$f"
}

# route_stats_are PATH_PREFIX COLUMN OP VALUE...: the route of wsgwctl
# routes whose path (with {channel}) starts with PATH_PREFIX has each
# COLUMN OP VALUE (columns named by the header line).
route_stats_are() {
	local path=$1 out
	shift
	out=$("$WSGWCTL" -s "$STATS_SOCK" routes)
	while [ $# -ge 3 ]; do
		awk -v p="$path" -v k="$1" -v op="$2" -v want="$3" '
			/^# route/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
			index($3, p) == 1 && !done { done = 1; v = $(col[k])
				ok = (op == "-eq" && v == want) || (op == "-ge" && v >= want)
				if (!ok) print p " " k " = " v
				exit !ok }
			END { if (!done) { print "no route " p; exit 1 } }' <<<"$out" ||
			return 1
		shift 3
	done
}

channels_left() {   # wsgwctl channels: lines, or "missing" without the header
	"$WSGWCTL" -s "$STATS_SOCK" channels | awk '
		/^# channel subscribers/ { h = 1; next } { n++ }
		END { print h ? n + 0 : "missing" }'
}

# What is still in use, as "CONNS POOLS MBUFS_SHORT": connections (gw_conns
# and tcp_conns, TIME-WAIT included), fan-out mbufs and handshake slots
# taken from the workers' pools with the messages waiting for a fan-out,
# and how many mbufs the main pool has free fewer than at start
# (gw_wait_ready), never below 0.
gw_in_use() {
	"$WSGWCTL" -s "$STATS_SOCK" stats | awk -v free0="${GW_POOL_FREE0:-0}" '
		$1 == "gw_conns" || $1 == "tcp_conns" { c += $2; n++ }
		$1 == "gw_fanout_mbufs_in_use" || $1 == "gw_fanout_waiting" ||
		$1 == "gw_handshake_slots_in_use" { p += $2; n++ }
		$1 == "pool0_mbufs_free" { short = free0 - $2; n++ }
		END { if (n != 6) print "missing"
		      else print c, p, (short > 0 ? short : 0) }'
}

# gw_wait_in_use SECONDS WHAT: wait, bounded, until gw_in_use says 0 for
# WHAT ("all", or "pools": the pools alone, TIME-WAIT allowed).
gw_wait_in_use() {
	local deadline=$((SECONDS + $1)) u
	while :; do
		u=$(gw_in_use)
		case $2 in
		all) [ "$u" = "0 0 0" ] && return 0 ;;
		*) [ "${u#* }" = "0 0" ] && return 0 ;;
		esac
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "gw_idle: still in use after $1 s (connections," \
				"pool entries, main pool short): $u"
			"$WSGWCTL" -s "$STATS_SOCK" stats | grep -E '^(gw_|tcp_state|tcp_conns)' | grep -v ' 0$'
			"$WSGWCTL" -s "$STATS_SOCK" conns | grep -v ' 0$'
			return 1
		fi
		sleep 0.1
	done
}

# gw_idle SECONDS: no connection, fan-out mbuf or handshake slot in use,
# and the main mbuf pool has back what it had free at start: every
# connection's memory is back in the pools, whatever ended it.
gw_idle() { gw_wait_in_use "$1" all; }
